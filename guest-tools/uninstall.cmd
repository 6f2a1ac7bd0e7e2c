@echo off
setlocal EnableExtensions DisableDelayedExpansion
rem Guest tools uninstall: undoes exactly what setup.cmd recorded in its state file - tools it
rem installed (an MSI by its product code), driver packages it added, certificates it added, registry keys and values it created or changed,
rem files it copied and test signing if setup turned it on - and nothing else.
rem A boot-critical storage service that is running is left alone: Windows may be booting from
rem it, and removing it would make the next boot fail. Those records stay in the state file.

set "GT_QUIET=0"
set "GT_FORCE=0"
set "GT_ELEVATED=0"
set "GT_FWD_ARGS="
rem This file's own path and folder, read before any SHIFT (which moves %0 too) and used instead
rem of %~f0 and %~dp0 everywhere below: inside a CALLed label parameter zero names the label.
set "GT_SELF=%~f0"
set "GT_MEDIA=%~dp0"

:parse_args
if "%~1"=="" goto args_done
set "GT_ARG=%~1"
shift
if "%GT_ARG%"=="/?" goto usage
if /i "%GT_ARG%"=="-?" goto usage
if /i "%GT_ARG%"=="/help" goto usage
if /i "%GT_ARG%"=="/quiet" set "GT_QUIET=1" & set "GT_FWD_ARGS=%GT_FWD_ARGS% /quiet" & goto parse_args
if /i "%GT_ARG%"=="/force" set "GT_FORCE=1" & set "GT_FWD_ARGS=%GT_FWD_ARGS% /force" & goto parse_args
if /i "%GT_ARG%"=="/elevated" set "GT_ELEVATED=1" & goto parse_args
echo uninstall: unknown switch "%GT_ARG%"
echo.
call :usage_text
exit /b 2

:usage
call :usage_text
exit /b 0

:usage_text
echo Removes what setup.cmd installed, as recorded in %%ProgramData%%\guest-tools\state.txt.
echo.
echo   uninstall.cmd [/quiet] [/force]
echo.
echo   /quiet   no pause at the end
echo   /force   also remove driver packages that devices still use; they fall back to
echo            the drivers Windows has built in. Never applies to a running boot-critical
echo            storage driver.
echo   /?       this help
echo.
echo Must run as Administrator. Log: %%SystemRoot%%\Temp\guest-tools-uninstall.log
echo Exit codes: 0 done, 3010 done and a restart is needed, 1 some steps failed or were kept,
echo             2 bad switch, 5 not elevated.
goto :eof

:args_done
if not defined PROCESSOR_ARCHITEW6432 goto native_ok
if not exist "%SystemRoot%\Sysnative\cmd.exe" goto native_ok
rem The path is passed as %GT_SELF%, expanded by the new cmd inside quotes: a folder name
rem with "&", "^", "(" or ")" cannot break the command line.
"%SystemRoot%\Sysnative\cmd.exe" /d /c ""%%GT_SELF%%" %GT_FWD_ARGS%"
exit /b %errorlevel%

:native_ok
set "GT_PS=%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe"
if not exist "%GT_PS%" set "GT_PS="
net session >nul 2>&1
if not errorlevel 1 goto is_admin
fltmc >nul 2>&1
if not errorlevel 1 goto is_admin
if "%GT_ELEVATED%"=="1" goto not_admin
if not defined GT_PS goto not_admin
echo uninstall: administrator rights are needed; asking Windows to start uninstall elevated...
set "GT_ELEV_ARGS=/elevated%GT_FWD_ARGS%"
rem Through cmd /c with the path in quotes ([char]34), not the .cmd itself: ShellExecute of a
rem .cmd passes its path unquoted to cmd, and "&", "^", "(" or ")" in it would break it.
"%GT_PS%" -NoProfile -ExecutionPolicy Bypass -Command "$q = [char]34; $a = @{FilePath = $env:ComSpec; ArgumentList = ('/d /c ' + $q + $q + $env:GT_SELF + $q + ' ' + $env:GT_ELEV_ARGS + $q); Verb = 'RunAs'; Wait = $true; PassThru = $true}; try { $p = Start-Process @a; exit $p.ExitCode } catch { exit 1223 }"
set "GT_RC=%errorlevel%"
if "%GT_RC%"=="1223" goto not_admin
exit /b %GT_RC%

:not_admin
echo.
echo uninstall: this must run as Administrator.
echo Right-click uninstall.cmd and choose "Run as administrator", or open a Command Prompt
echo with "Run as administrator" and start uninstall.cmd from there.
exit /b 5

:is_admin
set "GT_LOG=%SystemRoot%\Temp\guest-tools-uninstall.log"
type nul >>"%GT_LOG%" 2>nul
if errorlevel 1 set "GT_LOG=%TEMP%\guest-tools-uninstall.log"
set "GT_WORK=%TEMP%\guest-tools-%RANDOM%%RANDOM%"
mkdir "%GT_WORK%" >nul 2>&1
if not exist "%GT_WORK%\" set "GT_WORK=%SystemRoot%\Temp\guest-tools-%RANDOM%%RANDOM%"
if not exist "%GT_WORK%\" mkdir "%GT_WORK%" >nul 2>&1
set "GT_STATEDIR=%ProgramData%\guest-tools"
if not defined ProgramData set "GT_STATEDIR=%ALLUSERSPROFILE%\guest-tools"
set "GT_STATE=%GT_STATEDIR%\state.txt"
set "GT_KEPT=%GT_WORK%\kept.txt"
set "GT_FAILS=%GT_WORK%\failures.txt"
set "GT_REBOOT=%GT_WORK%\reboot.txt"
type nul >"%GT_KEPT%"

set "GT_MSG=guest-tools uninstall started %DATE% %TIME%" & call :log
set "GT_MSG=state: %GT_STATE%" & call :log
if not exist "%GT_STATE%" goto nothing_to_do

set "GT_BOOT_CRITICAL="
if not exist "%GT_MEDIA%config\devices.cmd" goto devices_done
rem From the medium's folder, by a relative path: CALL doubles every caret of a quoted path.
pushd "%GT_MEDIA%"
call config\devices.cmd
popd
:devices_done
call :detect_build
call :find_running_boot_services

rem Driver packages first: a boot-critical service whose package pnputil could not remove keeps
rem its registry entries and binary (GT_KEPTSVC), since a package without its service would
rem stop a virtio system disk from booting (0x7B). Then registry and files, then certificates
rem and test signing - both kept while a test-signed boot-start driver remains, or Windows
rem would refuse it at the next boot (0xc0000428).
set "GT_KEPTSVC="
rem Tools first: setup installed them last, and their installers may use the drivers.
set "GT_PASS=tool" & call :undo_pass
set "GT_PASS=driver" & call :undo_pass
set "GT_PASS=regkey" & call :undo_pass
set "GT_PASS=regvalue" & call :undo_pass
set "GT_PASS=svckey" & call :undo_pass
set "GT_PASS=file" & call :undo_pass
call :find_boot_start_left
set "GT_PASS=cert" & call :undo_pass
set "GT_PASS=testsigning" & call :undo_pass
goto finish

rem ---------------------------------------------------------------------------------------------
:log
setlocal EnableDelayedExpansion
>>"%GT_LOG%" echo:%TIME% !GT_MSG!
if "!GT_QUIET!"=="0" echo:!GT_MSG!
endlocal
goto :eof

:fail
setlocal EnableDelayedExpansion
>>"%GT_LOG%" echo:%TIME% ERROR: !GT_MSG!
echo:ERROR: !GT_MSG!
>>"%GT_FAILS%" echo:!GT_MSG!
endlocal
goto :eof

:keep
rem Keeps the current state line for a later run of uninstall.cmd.
setlocal EnableDelayedExpansion
>>"%GT_KEPT%" echo:!GT_LINE!
endlocal
goto :eof

:file_size
rem GT_SIZE: the size in bytes of file %1 (0 when it does not exist).
set "GT_SIZE=%~z1"
if not defined GT_SIZE set "GT_SIZE=0"
goto :eof

:run_logged
type "%GT_WORK%\out.txt" >>"%GT_LOG%" 2>&1
goto :eof

:detect_build
set "GT_BUILD="
reg query "HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion" /v CurrentBuild >"%GT_WORK%\build.txt" 2>nul
for /f "tokens=3" %%B in ('findstr /i /r /c:"CurrentBuild  *REG_" "%GT_WORK%\build.txt"') do set "GT_BUILD=%%B"
if defined GT_BUILD goto detect_build_check
for /f "tokens=2 delims=[]" %%V in ('ver') do set "GT_VERSTR=%%V"
for /f "tokens=4 delims=. " %%B in ("%GT_VERSTR%") do set "GT_BUILD=%%B"
:detect_build_check
if not defined GT_BUILD set "GT_BUILD=0"
echo %GT_BUILD%| findstr /r /x "[0-9][0-9]*" >nul
if errorlevel 1 set "GT_BUILD=0"
goto :eof

:find_running_boot_services
rem GT_RUNNING lists the boot-critical services that are loaded right now.
set "GT_RUNNING="
for %%D in (%GT_BOOT_CRITICAL%) do (
  set "GT_DEV=%%D"
  call :check_running_device
)
rem The services named in the state file count too, in case config\devices.cmd is not at hand.
for /f "usebackq eol=# tokens=1,2 delims=|" %%A in ("%GT_STATE%") do (
  set "GT_T=%%A"
  set "GT_SVC=%%B"
  call :check_running_record
)
if defined GT_RUNNING set "GT_MSG=boot-critical services in use, left installed:%GT_RUNNING%" & call :log
goto :eof

:check_running_record
if /i "%GT_T%"=="tool" goto :eof
if /i "%GT_T%"=="driver" goto :eof
if /i "%GT_T%"=="cert" goto :eof
if /i "%GT_T%"=="testsigning" goto :eof
goto check_running_service

:check_running_device
call set "GT_SVC=%%%GT_DEV%_SERVICE%%"
:check_running_service
if not defined GT_SVC goto :eof
for %%S in (%GT_RUNNING%) do if /i "%%S"=="%GT_SVC%" goto :eof
sc query "%GT_SVC%" 2>nul | findstr /i /c:"RUNNING" >nul
if not errorlevel 1 set "GT_RUNNING=%GT_RUNNING% %GT_SVC%"
goto :eof

:svc_running
rem Sets GT_INUSE=1 when service GT_F2 is one of GT_RUNNING, or one whose package was kept.
set "GT_INUSE=0"
for %%S in (%GT_RUNNING% %GT_KEPTSVC%) do if /i "%%S"=="%GT_F2%" set "GT_INUSE=1"
goto :eof

:find_boot_start_left
rem GT_BOOTLEFT: a boot-critical service still set to start at boot after the passes above.
set "GT_BOOTLEFT="
for %%D in (%GT_BOOT_CRITICAL%) do (
  set "GT_DEV=%%D"
  call :check_boot_start_device
)
for /f "usebackq eol=# tokens=1,2 delims=|" %%A in ("%GT_STATE%") do (
  set "GT_T=%%A"
  set "GT_SVC=%%B"
  call :check_boot_start_record
)
goto :eof

:check_boot_start_record
if /i "%GT_T%"=="tool" goto :eof
if /i "%GT_T%"=="driver" goto :eof
if /i "%GT_T%"=="cert" goto :eof
if /i "%GT_T%"=="testsigning" goto :eof
goto check_boot_start_service

:check_boot_start_device
call set "GT_SVC=%%%GT_DEV%_SERVICE%%"
:check_boot_start_service
if not defined GT_SVC goto :eof
if defined GT_BOOTLEFT goto :eof
set "GT_START="
for /f "tokens=3" %%S in ('reg query "HKLM\SYSTEM\CurrentControlSet\Services\%GT_SVC%" /v Start 2^>nul ^| findstr /i /r /c:"Start  *REG_DWORD"') do set "GT_START=%%S"
if not defined GT_START goto :eof
set /a GT_START=%GT_START%
if "%GT_START%"=="0" set "GT_BOOTLEFT=%GT_SVC%"
goto :eof

rem ---------------------------------------------------------------------------------------------
:undo_pass
for /f "usebackq eol=# delims=" %%L in ("%GT_STATE%") do (
  set "GT_LINE=%%L"
  call :undo_line
)
goto :eof

:undo_line
set "GT_T="
set "GT_F2="
set "GT_F3="
set "GT_F4="
set "GT_F5="
set "GT_F6="
for /f "tokens=1-6 delims=|" %%A in ("%GT_LINE%") do (
  set "GT_T=%%A"
  set "GT_F2=%%B"
  set "GT_F3=%%C"
  set "GT_F4=%%D"
  set "GT_F5=%%E"
  set "GT_F6=%%F"
)
if /i not "%GT_T%"=="%GT_PASS%" goto :eof
if /i "%GT_T%"=="regkey" goto undo_regkey
if /i "%GT_T%"=="regvalue" goto undo_regvalue
if /i "%GT_T%"=="svckey" goto undo_svckey
if /i "%GT_T%"=="file" goto undo_file
if /i "%GT_T%"=="driver" goto undo_driver
if /i "%GT_T%"=="tool" goto undo_tool
if /i "%GT_T%"=="cert" goto undo_cert
if /i "%GT_T%"=="testsigning" goto undo_testsigning
goto :eof

:skip_in_use
set "GT_MSG=kept %GT_F3%: the boot-critical driver %GT_F2% is running or its package could not be removed; switch the system disk away from virtio, restart and run uninstall again" & call :log
call :keep
goto :eof

:undo_regkey
call :svc_running
if "%GT_INUSE%"=="1" goto skip_in_use
reg query "%GT_F3%" >nul 2>&1
if errorlevel 1 goto :eof
reg delete "%GT_F3%" /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_MSG=could not delete %GT_F3%" & call :fail & call :keep & goto :eof
set "GT_MSG=deleted %GT_F3%" & call :log
goto :eof

:undo_regvalue
call :svc_running
if "%GT_INUSE%"=="1" goto skip_in_use
reg query "%GT_F3%" >nul 2>&1
if errorlevel 1 goto :eof
if "%GT_F6%"=="-" goto undo_regvalue_delete
reg add "%GT_F3%" /v "%GT_F4%" /t %GT_F5% /d "%GT_F6%" /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_MSG=could not restore %GT_F3% %GT_F4%" & call :fail & call :keep & goto :eof
set "GT_MSG=restored %GT_F3% %GT_F4%=%GT_F6%" & call :log
goto :eof
:undo_regvalue_delete
reg delete "%GT_F3%" /v "%GT_F4%" /f >>"%GT_LOG%" 2>&1
set "GT_MSG=removed %GT_F3% %GT_F4%" & call :log
goto :eof

:undo_svckey
call :svc_running
if "%GT_INUSE%"=="1" goto skip_in_use
reg query "%GT_F3%" >nul 2>&1
if errorlevel 1 goto :eof
reg delete "%GT_F3%" /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_MSG=could not delete %GT_F3%" & call :fail & call :keep & goto :eof
set "GT_MSG=deleted service key %GT_F3%" & call :log
>>"%GT_REBOOT%" echo service
goto :eof

:undo_file
call :svc_running
if "%GT_INUSE%"=="1" goto skip_in_use
if not exist "%GT_F3%" goto :eof
del /f /q "%GT_F3%" >>"%GT_LOG%" 2>&1
if exist "%GT_F3%" set "GT_MSG=could not delete %GT_F3%" & call :fail & call :keep & goto :eof
set "GT_MSG=deleted %GT_F3%" & call :log
goto :eof

:undo_tool
rem GT_F2 = tool name, GT_F3 = kind; an msi's GT_F4 is its product code, an exe's or cmd's the
rem uninstall program the spec named and GT_F5 its arguments.
if /i not "%GT_F3%"=="msi" goto undo_tool_program
set "GT_MSG=removing tool %GT_F2% (product %GT_F4%)" & call :log
"%SystemRoot%\System32\msiexec.exe" /x %GT_F4% /qn /norestart >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
call :run_logged
rem 1605: Windows Installer no longer has the product (removed by hand since): nothing to undo.
if "%GT_RC%"=="1605" set "GT_MSG=tool %GT_F2% is no longer installed" & call :log & goto :eof
goto undo_tool_done
:undo_tool_program
if not exist "%GT_F4%" set "GT_MSG=tool %GT_F2%: its uninstall program %GT_F4% is gone; it was probably removed already" & call :log & goto :eof
set "GT_MSG=removing tool %GT_F2% with %GT_F4%" & call :log
rem Through its own cmd, given the path through the environment: a batch file started directly
rem would never return here, and no character of the path is parsed.
"%ComSpec%" /d /c ""%%GT_F4%%" %GT_F5%" >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
call :run_logged
:undo_tool_done
if "%GT_RC%"=="3010" >>"%GT_REBOOT%" echo tool
if "%GT_RC%"=="1641" >>"%GT_REBOOT%" echo tool
if "%GT_RC%"=="3010" set "GT_RC=0"
if "%GT_RC%"=="1641" set "GT_RC=0"
if not "%GT_RC%"=="0" set "GT_MSG=could not remove tool %GT_F2% (exit code %GT_RC%); remove it in Apps and Features" & call :fail & call :keep & goto :eof
set "GT_MSG=removed tool %GT_F2%" & call :log
goto :eof

:undo_driver
rem GT_F2 = published name (oemN.inf), GT_F3 = the INF on the medium it came from.
if not exist "%SystemRoot%\INF\%GT_F2%" set "GT_MSG=%GT_F2% from %GT_F3% is no longer in the driver store" & call :log & goto :eof
set "GT_INUSE=0"
for %%S in (%GT_RUNNING%) do (
  set "GT_SVC=%%S"
  call :inf_installs_service
)
if "%GT_INUSE%"=="1" set "GT_MSG=kept driver %GT_F2% from %GT_F3%: it installs the running boot-critical service %GT_SVC%" & call :log & call :keep & goto :eof
set "GT_BOOTSVC="
for %%D in (%GT_BOOT_CRITICAL%) do (
  set "GT_DEV=%%D"
  call :driver_boot_service
)
set "GT_MSG=removing driver %GT_F2% from %GT_F3%" & call :log
if %GT_BUILD% LSS 14393 goto undo_driver_legacy
set "GT_PNPFLAGS="
if "%GT_FORCE%"=="1" set "GT_PNPFLAGS=/uninstall /force"
"%SystemRoot%\System32\pnputil.exe" /delete-driver "%GT_F2%" %GT_PNPFLAGS% >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
goto undo_driver_done
:undo_driver_legacy
set "GT_PNPFLAGS="
if "%GT_FORCE%"=="1" set "GT_PNPFLAGS=-f"
"%SystemRoot%\System32\pnputil.exe" %GT_PNPFLAGS% -d "%GT_F2%" >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
:undo_driver_done
call :run_logged
if "%GT_RC%"=="3010" >>"%GT_REBOOT%" echo driver
if exist "%SystemRoot%\INF\%GT_F2%" goto undo_driver_failed
set "GT_MSG=removed %GT_F2%" & call :log
goto :eof
:undo_driver_failed
set "GT_MSG=could not remove %GT_F2%, pnputil exit code %GT_RC%; a device probably still uses it - run uninstall.cmd /force" & call :fail
call :keep
if defined GT_BOOTSVC set "GT_KEPTSVC=%GT_KEPTSVC% %GT_BOOTSVC%" & set "GT_MSG=keeping the %GT_BOOTSVC% service with its package" & call :log
goto :eof

:driver_boot_service
rem GT_BOOTSVC: the boot-critical service (of device GT_DEV) that INF GT_F2 installs, if any.
call set "GT_SVC=%%%GT_DEV%_SERVICE%%"
if not defined GT_SVC goto :eof
set "GT_INUSE=0"
call :inf_installs_service
if "%GT_INUSE%"=="1" set "GT_BOOTSVC=%GT_SVC%"
goto :eof

:inf_installs_service
rem Sets GT_INUSE=1 when the installed INF GT_F2 has an AddService line naming GT_SVC (a loose
rem match errs on the side of keeping the driver). type reads UTF-16 INFs too.
type "%SystemRoot%\INF\%GT_F2%" 2>nul | findstr /i /c:"AddService" | findstr /i /c:"%GT_SVC%" >nul
if not errorlevel 1 set "GT_INUSE=1"
goto :eof

:undo_cert
rem GT_F2 = store, GT_F3 = SHA-1 thumbprint.
if defined GT_BOOTLEFT set "GT_MSG=kept certificate %GT_F3% in %GT_F2%: the boot-start driver %GT_BOOTLEFT% is still installed and may be signed with it" & call :log & call :keep & goto :eof
certutil -store "%GT_F2%" "%GT_F3%" >nul 2>&1
if errorlevel 1 goto :eof
certutil -delstore "%GT_F2%" "%GT_F3%" >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
call :run_logged
if not "%GT_RC%"=="0" set "GT_MSG=could not remove certificate %GT_F3% from %GT_F2%" & call :fail & call :keep & goto :eof
set "GT_MSG=removed certificate %GT_F3% from %GT_F2%" & call :log
goto :eof

:undo_testsigning
rem GT_F3 = the testsigning value before setup ("-" when it was not set at all).
if defined GT_BOOTLEFT set "GT_MSG=kept test signing on: the boot-start driver %GT_BOOTLEFT% is still installed, and without test signing Windows would refuse it at boot (0xc0000428)" & call :log & call :keep & goto :eof
if "%GT_F3%"=="-" goto undo_testsigning_delete
bcdedit /set {current} testsigning off >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
goto undo_testsigning_done
:undo_testsigning_delete
bcdedit /deletevalue {current} testsigning >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
:undo_testsigning_done
call :run_logged
if not "%GT_RC%"=="0" set "GT_MSG=bcdedit could not turn test signing off" & call :fail & call :keep & goto :eof
set "GT_MSG=test signing turned off; restart Windows to complete it" & call :log
>>"%GT_REBOOT%" echo testsigning
goto :eof

rem ---------------------------------------------------------------------------------------------
:finish
call :file_size "%GT_KEPT%"
if %GT_SIZE% EQU 0 goto finish_clean
rem Rewrite the state file with what is still installed, so a later run can finish the job.
>"%GT_WORK%\state.new" echo # kept by uninstall %DATE% %TIME%
type "%GT_KEPT%" >>"%GT_WORK%\state.new"
copy /y "%GT_WORK%\state.new" "%GT_STATE%" >nul
set "GT_MSG=some changes were kept; they are listed in %GT_STATE%" & call :log
goto finish_rc
:finish_clean
del /f /q "%GT_STATE%" >nul 2>&1
set "GT_MSG=everything setup recorded has been removed" & call :log
:finish_rc
set "GT_RC=0"
if exist "%GT_REBOOT%" set "GT_RC=3010"
call :file_size "%GT_KEPT%"
if %GT_SIZE% GTR 0 set "GT_RC=1"
if exist "%GT_FAILS%" set "GT_RC=1"
if "%GT_RC%"=="3010" set "GT_MSG=restart Windows to complete the removal" & call :log
rd /s /q "%GT_WORK%" >nul 2>&1
if "%GT_QUIET%"=="0" pause
exit /b %GT_RC%

:nothing_to_do
set "GT_MSG=nothing to undo: setup.cmd has not recorded any change on this system" & call :log
rd /s /q "%GT_WORK%" >nul 2>&1
if "%GT_QUIET%"=="0" pause
exit /b 0
