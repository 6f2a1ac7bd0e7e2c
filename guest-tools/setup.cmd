@echo off
setlocal EnableExtensions DisableDelayedExpansion
rem Guest tools setup: adds the certificates and drivers on this medium to the running Windows
rem (Windows 7 SP1 to Windows 11; x86, x64 and ARM64) and pre-seeds the boot-critical storage driver.
rem Everything it changes is written to a state file so that uninstall.cmd can undo exactly that.
rem Style notes: every path is quoted and no path is echoed inside a parenthesised block, because
rem the medium may sit under a folder whose name contains spaces, "&" or ")". Messages go
rem through GT_MSG and :log, which prints them with delayed expansion so no character in them
rem is ever parsed as syntax. "echo:" prints them (our messages never start with a path), and
rem "cmd1" then "if errorlevel 1 cmd2" replaces "cmd1 || cmd2": both also behave under Wine's cmd,
rem which the tests run these scripts with.

set "GT_QUIET=0"
set "GT_SKIPSTORAGE=0"
set "GT_VERIFY=0"
set "GT_NOTESTSIGN=0"
set "GT_SKIPTOOLS=0"
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
if /i "%GT_ARG%"=="/skipstorage" set "GT_SKIPSTORAGE=1" & set "GT_FWD_ARGS=%GT_FWD_ARGS% /skipstorage" & goto parse_args
if /i "%GT_ARG%"=="/verify-media" set "GT_VERIFY=1" & set "GT_FWD_ARGS=%GT_FWD_ARGS% /verify-media" & goto parse_args
if /i "%GT_ARG%"=="/notestsigning" set "GT_NOTESTSIGN=1" & set "GT_FWD_ARGS=%GT_FWD_ARGS% /notestsigning" & goto parse_args
if /i "%GT_ARG%"=="/skiptools" set "GT_SKIPTOOLS=1" & set "GT_FWD_ARGS=%GT_FWD_ARGS% /skiptools" & goto parse_args
if /i "%GT_ARG%"=="/elevated" set "GT_ELEVATED=1" & goto parse_args
echo setup: unknown switch "%GT_ARG%"
echo.
call :usage_text
exit /b 2

:usage
call :usage_text
exit /b 0

:usage_text
echo Installs the guest tools on this medium: certificates, drivers, boot-critical storage,
echo then the tools under tools\ (such as the QEMU guest agent) that config\tools.cmd lists.
echo.
echo   setup.cmd [/quiet] [/skipstorage] [/verify-media] [/notestsigning] [/skiptools]
echo.
echo   /quiet          no questions and no pause; test signing is turned on without asking
echo                   when the medium's signing policy is "test"
echo   /skipstorage    add the drivers but do not pre-seed the boot-critical storage driver
echo   /verify-media   check every file of the medium against manifest.json first and stop
echo                   if anything is missing or changed
echo   /notestsigning  never turn on test signing, whatever the signing policy
echo   /skiptools      install the drivers only, none of the tools
echo   /?              this help
echo.
echo Must run as Administrator. Log: %%SystemRoot%%\Temp\guest-tools-setup.log
echo Exit codes: 0 done, 3010 done and a restart is needed, 1 some steps failed,
echo             2 bad switch or medium, 3 medium verification failed, 5 not elevated.
goto :eof

:args_done
rem A 32-bit cmd on 64-bit Windows sees the 32-bit System32 (no pnputil, no bcdedit) and
rem would pick the x86 drivers: start again under the native 64-bit cmd.
if not defined PROCESSOR_ARCHITEW6432 goto native_ok
if not exist "%SystemRoot%\Sysnative\cmd.exe" goto native_ok
rem The path is passed as %GT_SELF%, expanded by the new cmd inside quotes: a folder name
rem with "&", "^", "(" or ")" cannot break the command line.
"%SystemRoot%\Sysnative\cmd.exe" /d /c ""%%GT_SELF%%" %GT_FWD_ARGS%"
exit /b %errorlevel%

:native_ok
set "GT_PS=%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe"
if not exist "%GT_PS%" set "GT_PS="

rem net session fails for non-administrators; it also fails when the Server service is stopped,
rem so fltmc (which needs the same privilege) is the second opinion.
net session >nul 2>&1
if not errorlevel 1 goto is_admin
fltmc >nul 2>&1
if not errorlevel 1 goto is_admin
if "%GT_ELEVATED%"=="1" goto not_admin
if not defined GT_PS goto not_admin
echo setup: administrator rights are needed; asking Windows to start setup elevated...
set "GT_ELEV_ARGS=/elevated%GT_FWD_ARGS%"
rem Through cmd /c with the path in quotes ([char]34), not the .cmd itself: ShellExecute of a
rem .cmd passes its path unquoted to cmd, and "&", "^", "(" or ")" in it would break it.
"%GT_PS%" -NoProfile -ExecutionPolicy Bypass -Command "$q = [char]34; $a = @{FilePath = $env:ComSpec; ArgumentList = ('/d /c ' + $q + $q + $env:GT_SELF + $q + ' ' + $env:GT_ELEV_ARGS + $q); Verb = 'RunAs'; Wait = $true; PassThru = $true}; try { $p = Start-Process @a; exit $p.ExitCode } catch { exit 1223 }"
set "GT_RC=%errorlevel%"
if "%GT_RC%"=="1223" goto not_admin
exit /b %GT_RC%

:not_admin
echo.
echo setup: this must run as Administrator.
echo Right-click setup.cmd and choose "Run as administrator", or open a Command Prompt with
echo "Run as administrator" and start setup.cmd from there.
exit /b 5

:is_admin
set "GT_LOG=%SystemRoot%\Temp\guest-tools-setup.log"
type nul >>"%GT_LOG%" 2>nul
if errorlevel 1 set "GT_LOG=%TEMP%\guest-tools-setup.log"
set "GT_WORK=%TEMP%\guest-tools-%RANDOM%%RANDOM%"
mkdir "%GT_WORK%" >nul 2>&1
if not exist "%GT_WORK%\" set "GT_WORK=%SystemRoot%\Temp\guest-tools-%RANDOM%%RANDOM%"
if not exist "%GT_WORK%\" mkdir "%GT_WORK%" >nul 2>&1
set "GT_STATEDIR=%ProgramData%\guest-tools"
if not defined ProgramData set "GT_STATEDIR=%ALLUSERSPROFILE%\guest-tools"
set "GT_STATE=%GT_STATEDIR%\state.txt"
if not exist "%GT_STATEDIR%\" mkdir "%GT_STATEDIR%" >nul 2>&1
set "GT_FAILS=%GT_WORK%\failures.txt"
set "GT_REBOOT=%GT_WORK%\reboot.txt"

set "GT_MSG=guest-tools setup started %DATE% %TIME%" & call :log
set "GT_MSG=medium: %GT_MEDIA%" & call :log
set "GT_MSG=log: %GT_LOG%" & call :log
set "GT_MSG=state: %GT_STATE%" & call :log

if not exist "%GT_MEDIA%config\devices.cmd" goto bad_medium
rem From the medium's folder, by a relative path: CALL doubles every caret of a quoted path.
pushd "%GT_MEDIA%"
call config\devices.cmd
popd

call :detect_arch
if not defined GT_ARCH goto bad_arch
call :detect_build
if %GT_BUILD% LSS 7600 goto bad_windows
if %GT_BUILD% LSS 7601 set "GT_MSG=warning: Windows 7 without Service Pack 1; install SP1 and KB4474419 (SHA-2 code signing) first" & call :log
set "GT_MSG=windows build %GT_BUILD%, architecture %GT_ARCH%" & call :log
call :choose_drivers
if not defined GT_DRVREL goto no_fitting_os

set "GT_SEEDED=0"
if "%GT_VERIFY%"=="1" call :verify_media
if "%GT_VERIFY%"=="1" if "%GT_VERIFY_RC%"=="2" goto verify_unknown
if "%GT_VERIFY%"=="1" if not "%GT_VERIFY_RC%"=="0" goto verify_failed

call :read_policy
call :state_header
call :install_certs
call :testsigning
call :install_drivers
if "%GT_SKIPSTORAGE%"=="1" set "GT_MSG=boot-critical storage pre-seeding skipped (/skipstorage)" & call :log
if "%GT_SKIPSTORAGE%"=="0" call :seed_boot_critical
if "%GT_SKIPTOOLS%"=="1" set "GT_MSG=tools skipped (/skiptools)" & call :log
if "%GT_SKIPTOOLS%"=="0" call :install_tools
goto finish

rem ---------------------------------------------------------------------------------------------
:log
rem Prints GT_MSG (unless /quiet) and appends it to the log. Delayed expansion keeps "&", ")"
rem and "!" in the message literal.
setlocal EnableDelayedExpansion
>>"%GT_LOG%" echo:%TIME% !GT_MSG!
if "!GT_QUIET!"=="0" echo:!GT_MSG!
endlocal
goto :eof

:fail
rem Logs GT_MSG as an error, also in /quiet mode, and remembers that a step failed.
setlocal EnableDelayedExpansion
>>"%GT_LOG%" echo:%TIME% ERROR: !GT_MSG!
echo:ERROR: !GT_MSG!
>>"%GT_FAILS%" echo:!GT_MSG!
endlocal
goto :eof

:record
rem Appends GT_REC (fields separated by "|") to the state file read by uninstall.cmd.
setlocal EnableDelayedExpansion
>>"%GT_STATE%" echo:!GT_REC!
>>"%GT_LOG%" echo:%TIME% recorded: !GT_REC!
endlocal
goto :eof

:file_size
rem GT_SIZE: the size in bytes of file %1 (0 when it does not exist).
set "GT_SIZE=%~z1"
if not defined GT_SIZE set "GT_SIZE=0"
goto :eof

:run_logged
rem Appends the output captured in "%GT_WORK%\out.txt" to the log; type also turns UTF-16 into text.
type "%GT_WORK%\out.txt" >>"%GT_LOG%" 2>&1
goto :eof

rem ---------------------------------------------------------------------------------------------
:detect_arch
rem The machine's own architecture, whatever this cmd runs as: a native cmd sees it in
rem PROCESSOR_ARCHITECTURE (x86, AMD64, ARM64); a 32-bit cmd on 64-bit Windows (x64 or ARM64)
rem sees x86 there and the machine's in PROCESSOR_ARCHITEW6432; an x64 cmd emulated on ARM64
rem Windows sees AMD64 and no PROCESSOR_ARCHITEW6432, so for AMD64 the system environment in
rem the registry (never redirected for SYSTEM) has the last word.
set "GT_ARCH="
set "GT_PA=%PROCESSOR_ARCHITECTURE%"
if defined PROCESSOR_ARCHITEW6432 set "GT_PA=%PROCESSOR_ARCHITEW6432%"
if /i not "%GT_PA%"=="AMD64" goto detect_arch_map
reg query "HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\Environment" /v PROCESSOR_ARCHITECTURE >"%GT_WORK%\arch.txt" 2>nul
for /f "tokens=3" %%A in ('findstr /i /r /c:"PROCESSOR_ARCHITECTURE  *REG_" "%GT_WORK%\arch.txt"') do if /i "%%A"=="ARM64" set "GT_PA=ARM64"
:detect_arch_map
if /i "%GT_PA%"=="AMD64" set "GT_ARCH=amd64"
if /i "%GT_PA%"=="x86" set "GT_ARCH=x86"
if /i "%GT_PA%"=="ARM64" set "GT_ARCH=arm64"
goto :eof

:choose_drivers
rem GT_DRVREL and GT_DRVROOT: the drivers folder this Windows installs from. Media for one
rem Windows hold drivers\<arch>\. Media for several hold drivers\<os>\<arch>\ per Windows: the
rem folder of this Windows is taken, else the nearest older one - the newest of the same NT
rem version, this product type first (a server takes 2k16 before w10, a workstation w10 before
rem 2k22), then the same for each older NT version. GT_DRVREL stays empty when none fits.
set "GT_DRVREL="
set "GT_OSDIR="
set "GT_PRODUCT="
if exist "%GT_MEDIA%drivers\%GT_ARCH%\" set "GT_DRVREL=%GT_ARCH%" & goto choose_drivers_done
if not exist "%GT_MEDIA%drivers\" set "GT_DRVREL=%GT_ARCH%" & goto choose_drivers_done
call :detect_product
call :choose_os 10.0 same
call :choose_os 10.0 other
call :choose_os 6.3 same
call :choose_os 6.3 other
call :choose_os 6.2 same
call :choose_os 6.2 other
call :choose_os 6.1 same
call :choose_os 6.1 other
call :choose_os 6.0 same
call :choose_os 6.0 other
call :choose_os 5.2 same
call :choose_os 5.2 other
call :choose_os 5.1 same
call :choose_os 5.1 other
if not defined GT_OSDIR goto :eof
set "GT_DRVREL=%GT_OSDIR%\%GT_ARCH%"
set "GT_MSG=this medium holds drivers for several Windows versions; %GT_OSDIR% fits this one (build %GT_BUILD%, %GT_PRODUCT%)" & call :log
:choose_drivers_done
set "GT_DRVROOT=%GT_MEDIA%drivers\%GT_DRVREL%"
set "GT_MSG=drivers from drivers\%GT_DRVREL%" & call :log
goto :eof

:choose_os
rem %1 an NT version, %2 same or other (product type): tries that group's OS folders, newest
rem first. Each Windows by name, NT version, product type and first build, newest first. One
rem call per line, no parenthesized block: simple for every cmd to parse.
if defined GT_OSDIR goto :eof
call :choose_os_try 2k25 10.0 server 26100 %1 %2
call :choose_os_try w11 10.0 workstation 22000 %1 %2
call :choose_os_try 2k22 10.0 server 20348 %1 %2
call :choose_os_try 2k19 10.0 server 17763 %1 %2
call :choose_os_try 2k16 10.0 server 14393 %1 %2
call :choose_os_try w10 10.0 workstation 10240 %1 %2
call :choose_os_try 2k12r2 6.3 server 9600 %1 %2
call :choose_os_try w8.1 6.3 workstation 9600 %1 %2
call :choose_os_try 2k12 6.2 server 9200 %1 %2
call :choose_os_try w8 6.2 workstation 9200 %1 %2
call :choose_os_try 2k8r2 6.1 server 7600 %1 %2
call :choose_os_try w7 6.1 workstation 7600 %1 %2
call :choose_os_try 2k8 6.0 server 6001 %1 %2
call :choose_os_try vista 6.0 workstation 6000 %1 %2
call :choose_os_try 2k3 5.2 server 3790 %1 %2
call :choose_os_try xp 5.1 workstation 2600 %1 %2
goto :eof

:choose_os_try
rem %1 an OS folder name, %2 its NT version, %3 its product type, %4 its first build; %5 the
rem NT version and %6 the product type (same or other) tried now.
if defined GT_OSDIR goto :eof
if not "%2"=="%5" goto :eof
set "GT_TRY_SAME=other"
if /i "%3"=="%GT_PRODUCT%" set "GT_TRY_SAME=same"
if not "%GT_TRY_SAME%"=="%6" goto :eof
if %GT_BUILD% LSS %4 goto :eof
if exist "%GT_MEDIA%drivers\%1\%GT_ARCH%\" set "GT_OSDIR=%1"
goto :eof

:detect_product
rem ProductType: WinNT on workstations, ServerNT on servers, LanmanNT on domain controllers.
set "GT_PRODUCT=workstation"
reg query "HKLM\SYSTEM\CurrentControlSet\Control\ProductOptions" /v ProductType >"%GT_WORK%\product.txt" 2>nul
for /f "tokens=3" %%P in ('findstr /i /r /c:"ProductType  *REG_" "%GT_WORK%\product.txt"') do if /i not "%%P"=="WinNT" set "GT_PRODUCT=server"
goto :eof

:detect_build
rem CurrentBuild is the same on every language; "ver" is the fallback.
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

:read_policy
rem manifest.json is pretty-printed with one key per line: "signing_policy": "test",
set "GT_POLICY="
if not exist "%GT_MEDIA%manifest.json" goto read_policy_missing
for /f "usebackq tokens=1,* delims=:" %%A in (`findstr /i /c:"\"signing_policy\"" "%GT_MEDIA%manifest.json"`) do set "GT_POLICY=%%B"
if not defined GT_POLICY goto read_policy_missing
set "GT_POLICY=%GT_POLICY:"=%"
set "GT_POLICY=%GT_POLICY:,=%"
set "GT_POLICY=%GT_POLICY: =%"
if /i "%GT_POLICY%"=="test" goto read_policy_ok
if /i "%GT_POLICY%"=="production" goto read_policy_ok
if /i "%GT_POLICY%"=="none" goto read_policy_ok
set "GT_MSG=warning: unknown signing_policy in manifest.json; treating it as production" & call :log
set "GT_POLICY=production"
:read_policy_ok
set "GT_MSG=signing policy: %GT_POLICY%" & call :log
goto :eof
:read_policy_missing
set "GT_MSG=warning: no signing_policy in manifest.json; treating the medium as production" & call :log
set "GT_POLICY=production"
goto :eof

:verify_media
set "GT_MSG=verifying the medium against manifest.json..." & call :log
if not exist "%GT_MEDIA%verify.cmd" set "GT_VERIFY_RC=2" & set "GT_MSG=verify.cmd is missing from the medium" & call :fail & goto :eof
rem In a child cmd, from the medium's folder: verify.cmd's variables stay out of setup, its exit
rem code (0 matches, 1 changed, 2 could not verify) comes back as is, and no path is quoted
rem through CALL (which doubles carets). ".\" keeps "verify" from naming cmd's VERIFY command.
pushd "%GT_MEDIA%"
cmd /d /c .\verify.cmd /quiet /nodrivers >"%GT_WORK%\out.txt" 2>&1
set "GT_VERIFY_RC=%errorlevel%"
popd
call :run_logged
if not "%GT_VERIFY_RC%"=="0" type "%GT_WORK%\out.txt"
set "GT_MSG=verification exit code %GT_VERIFY_RC%" & call :log
goto :eof

:state_header
set "GT_REC=# setup %DATE% %TIME% medium %GT_MEDIA% build %GT_BUILD% arch %GT_ARCH%" & call :record
goto :eof

rem ---------------------------------------------------------------------------------------------
:install_certs
if not exist "%GT_MEDIA%certs\" goto :eof
for /f "delims=" %%F in ('dir /b /a-d "%GT_MEDIA%certs\*.cer" "%GT_MEDIA%certs\*.crt" "%GT_MEDIA%certs\*.p7b" 2^>nul') do (
  set "GT_CERT=%GT_MEDIA%certs\%%F"
  call :install_cert
)
goto :eof

:install_cert
set "GT_MSG=certificate %GT_CERT%" & call :log
call :cert_thumbprints
for %%S in (Root TrustedPublisher) do (
  set "GT_STORE=%%S"
  call :cert_to_store
)
goto :eof

:cert_thumbprints
rem Writes the SHA-1 thumbprints of every certificate in GT_CERT to thumbs.txt, one per line.
rem PowerShell reads .cer, .crt and .p7b alike and does not depend on the display language;
rem certutil -dump is the fallback (older builds print the hash with spaces).
type nul >"%GT_WORK%\thumbs.txt"
if not defined GT_PS goto cert_thumbprints_certutil
"%GT_PS%" -NoProfile -ExecutionPolicy Bypass -Command "$c = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2Collection; $c.Import($env:GT_CERT); foreach ($x in $c) { $x.Thumbprint }" <nul >"%GT_WORK%\thumbs.txt" 2>>"%GT_LOG%"
call :file_size "%GT_WORK%\thumbs.txt"
if %GT_SIZE% GTR 0 goto :eof
:cert_thumbprints_certutil
for /f "tokens=1,* delims=:" %%A in ('certutil -dump "%GT_CERT%" 2^>nul ^| findstr /i /c:"Cert Hash" ^| findstr /i "sha1"') do (
  set "GT_THUMB=%%B"
  call :cert_thumb_append
)
goto :eof

:cert_thumb_append
set "GT_THUMB=%GT_THUMB: =%"
if not defined GT_THUMB goto :eof
>>"%GT_WORK%\thumbs.txt" echo %GT_THUMB%
goto :eof

:cert_to_store
rem Remembers which of the file's certificates the store did not have, adds the file, and records
rem those so uninstall removes only what setup added.
type nul >"%GT_WORK%\newthumbs.txt"
for /f "usebackq delims=" %%T in ("%GT_WORK%\thumbs.txt") do (
  certutil -store "%GT_STORE%" "%%T" >nul 2>&1
  if errorlevel 1 >>"%GT_WORK%\newthumbs.txt" echo %%T
)
certutil -addstore -f "%GT_STORE%" "%GT_CERT%" >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
call :run_logged
if not "%GT_RC%"=="0" set "GT_MSG=certutil could not add %GT_CERT% to %GT_STORE% (exit code %GT_RC%)" & call :fail & goto :eof
set "GT_MSG=added to the %GT_STORE% store" & call :log
call :file_size "%GT_WORK%\thumbs.txt"
if %GT_SIZE% EQU 0 set "GT_MSG=could not read the thumbprint of %GT_CERT%; uninstall.cmd will not remove it from %GT_STORE%" & call :fail
for /f "usebackq delims=" %%T in ("%GT_WORK%\newthumbs.txt") do (
  set "GT_REC=cert|%GT_STORE%|%%T"
  call :record
)
goto :eof

rem ---------------------------------------------------------------------------------------------
:testsigning
rem GT_TS_NEXT=1 when test signing will be on at the next boot: only then may a test-signed
rem driver start at boot (see :seed_boot_critical).
set "GT_TS_NEXT=0"
if /i not "%GT_POLICY%"=="test" goto :eof
if "%GT_ARCH%"=="x86" set "GT_MSG=32-bit Windows does not enforce driver signatures: test signing is not needed and stays unchanged" & call :log & goto :eof
if "%GT_NOTESTSIGN%"=="1" set "GT_MSG=test signing left unchanged (/notestsigning); test-signed drivers will not load without it" & call :log & goto :eof
rem SystemStartOptions shows how the running Windows was booted.
reg query "HKLM\SYSTEM\CurrentControlSet\Control" /v SystemStartOptions 2>nul | findstr /i "TESTSIGNING" >nul
if not errorlevel 1 set "GT_TS_NEXT=1" & set "GT_MSG=test signing is already active" & call :log & goto :eof
if "%GT_QUIET%"=="1" goto testsigning_on
echo.
echo The drivers on this medium are test-signed. Windows loads them only with test signing on,
echo which shows "Test Mode" on the desktop and needs a restart.
choice /c YN /m "Turn on test signing now"
if errorlevel 2 set "GT_MSG=test signing not turned on at the user's request" & call :log & goto :eof
:testsigning_on
rem BitLocker measures the boot configuration: changing testsigning with it active makes the
rem next boot ask for the recovery key. Suspend it for that one restart first.
call :suspend_bitlocker
if "%GT_BDE_FAILED%"=="1" goto :eof
rem The value bcdedit shows is in the display language, so compare before and after rather than
rem look for "Yes": if the line did not change, test signing was already on for the next boot.
call :bcd_testsigning_value
set "GT_TS_BEFORE=%GT_TS_VALUE%"
bcdedit /set {current} testsigning on >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
call :run_logged
if not "%GT_RC%"=="0" set "GT_MSG=bcdedit could not turn on test signing; if Secure Boot is on, turn it off in the firmware settings and run setup again" & call :fail & goto :eof
set "GT_TS_NEXT=1"
call :bcd_testsigning_value
rem Set for the next boot but not active yet: a restart is still needed.
if "%GT_TS_BEFORE%"=="%GT_TS_VALUE%" set "GT_MSG=test signing is already set for the next boot; restart Windows to use it" & call :log & >>"%GT_REBOOT%" echo testsigning & goto :eof
if not defined GT_TS_BEFORE set "GT_TS_BEFORE=-"
set "GT_REC=testsigning|on|%GT_TS_BEFORE%" & call :record
set "GT_MSG=test signing turned on; restart Windows to use it" & call :log
>>"%GT_REBOOT%" echo testsigning
goto :eof

:suspend_bitlocker
rem Sets GT_BDE_FAILED=1 when the system volume is protected and could not be suspended.
set "GT_BDE_FAILED=0"
set "GT_BDE=%SystemRoot%\System32\manage-bde.exe"
if not exist "%GT_BDE%" goto :eof
"%GT_BDE%" -status %SystemDrive% -ProtectionAsErrorLevel >"%GT_WORK%\out.txt" 2>&1
if errorlevel 1 goto :eof
call :run_logged
rem -RebootCount exists from Windows 8; on Windows 7 protection stays off until resumed.
if %GT_BUILD% GEQ 9200 "%GT_BDE%" -protectors -disable %SystemDrive% -RebootCount 1 >"%GT_WORK%\out.txt" 2>&1
if %GT_BUILD% LSS 9200 "%GT_BDE%" -protectors -disable %SystemDrive% >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
call :run_logged
if not "%GT_RC%"=="0" set "GT_BDE_FAILED=1" & set "GT_MSG=BitLocker protects %SystemDrive% and could not be suspended, so test signing was not turned on (the next boot would ask for the recovery key); suspend BitLocker and run setup again" & call :fail & goto :eof
if %GT_BUILD% GEQ 9200 set "GT_MSG=BitLocker on %SystemDrive% suspended until the next restart" & call :log & goto :eof
set "GT_MSG=BitLocker on %SystemDrive% suspended; after the restart resume it with: manage-bde -protectors -enable %SystemDrive%" & call :log
goto :eof

:bcd_testsigning_value
set "GT_TS_VALUE="
for /f "tokens=1,*" %%A in ('bcdedit /enum {current} 2^>nul ^| findstr /i /b "testsigning"') do set "GT_TS_VALUE=%%B"
goto :eof

rem ---------------------------------------------------------------------------------------------
:install_drivers
if not exist "%GT_DRVROOT%\" set "GT_MSG=no drivers for %GT_ARCH% on this medium" & call :log & goto :eof
set "GT_PNPUTIL=%SystemRoot%\System32\pnputil.exe"
rem Folders and files are listed with "dir /b" rather than FOR wildcards: a quoted wildcard
rem keeps paths with spaces and "&" safe, and "dir" reads it the same on every cmd.
for /f "delims=" %%D in ('dir /b /ad "%GT_DRVROOT%" 2^>nul') do (
  set "GT_DRVNAME=%%D"
  call :install_folder
)
goto :eof

:install_folder
for /f "delims=" %%I in ('dir /b /a-d "%GT_DRVROOT%\%GT_DRVNAME%\*.inf" 2^>nul') do (
  set "GT_INF=%GT_DRVROOT%\%GT_DRVNAME%\%%I"
  set "GT_INFREL=%GT_DRVREL%\%GT_DRVNAME%\%%I"
  call :install_inf
)
goto :eof

:install_inf
set "GT_MSG=adding driver %GT_INFREL%" & call :log
dir /b /a-d "%SystemRoot%\INF\oem*.inf" >"%GT_WORK%\before.txt" 2>nul
if %GT_BUILD% LSS 14393 goto install_inf_legacy
"%GT_PNPUTIL%" /add-driver "%GT_INF%" /install >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
goto install_inf_done
:install_inf_legacy
"%GT_PNPUTIL%" -i -a "%GT_INF%" >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
:install_inf_done
call :run_logged
dir /b /a-d "%SystemRoot%\INF\oem*.inf" >"%GT_WORK%\after.txt" 2>nul
rem Published names that appeared with this package are what setup added; a package that was
rem already in the driver store keeps its old name and is not recorded (uninstall leaves it).
set "GT_NEWOEM="
for /f "usebackq delims=" %%N in ("%GT_WORK%\after.txt") do (
  findstr /i /x /l /c:"%%N" "%GT_WORK%\before.txt" >nul 2>&1
  if errorlevel 1 set "GT_NEWOEM=%%N"
)
set "GT_SEENOEM="
for /f "delims=" %%L in ('type "%GT_WORK%\out.txt" ^| findstr /r /i "oem[0-9][0-9]*\.inf"') do for %%T in (%%L) do set "GT_SEENOEM=%%T"
rem Only these exit codes mean the package was added (259: added, no device to install it on);
rem a package that reached the store while its install failed is recorded (uninstall removes
rem it) but counts as a failure.
set "GT_OK=0"
if "%GT_RC%"=="0" set "GT_OK=1"
if "%GT_RC%"=="3010" set "GT_OK=1"
if "%GT_RC%"=="259" set "GT_OK=1"
if "%GT_RC%"=="3010" >>"%GT_REBOOT%" echo driver
if defined GT_NEWOEM set "GT_REC=driver|%GT_NEWOEM%|%GT_INFREL%" & call :record
if "%GT_OK%"=="0" goto install_inf_failed
set "GT_PNPOK_%GT_DRVNAME%=1"
if defined GT_NEWOEM set "GT_MSG=added as %GT_NEWOEM%, pnputil exit code %GT_RC%" & call :log & goto :eof
set "GT_MSG=already in the driver store %GT_SEENOEM%" & call :log
goto :eof
:install_inf_failed
set "GT_PNPFAIL_%GT_DRVNAME%=1"
if defined GT_NEWOEM set "GT_MSG=pnputil put %GT_INFREL% in the driver store as %GT_NEWOEM% but could not install it (exit code %GT_RC%); see the log" & call :fail & goto :eof
set "GT_MSG=pnputil could not add %GT_INFREL% (exit code %GT_RC%); see the log" & call :fail
goto :eof

rem ---------------------------------------------------------------------------------------------
:seed_boot_critical
rem Windows loads only boot-start drivers before it can read the disk, so switching the system
rem disk to virtio needs the storage service set to start at boot (Start=0) beforehand; Windows 7
rem also needs CriticalDeviceDatabase entries mapping the PCI IDs to that service.
rem On 64-bit Windows winload checks the signature of every boot-start driver, used or not: one
rem it refuses stops the next boot (0xc0000428). So pre-seed only a driver that will load -
rem production-signed, or test-signed with test signing on at the next boot - and only when
rem pnputil accepted its package (it also rejects what this Windows cannot verify, such as
rem SHA-2-only signatures on Windows 7 without KB4474419).
if "%GT_ARCH%"=="x86" goto seed_devices
if /i "%GT_POLICY%"=="production" goto seed_devices
if /i "%GT_POLICY%"=="test" if "%GT_TS_NEXT%"=="1" goto seed_devices
set "GT_WHY=test signing will not be on at the next boot"
if /i "%GT_POLICY%"=="none" set "GT_WHY=the medium's signing policy is none, so Windows may not accept the drivers' signatures at boot"
set "GT_MSG=boot-critical storage not pre-seeded: %GT_WHY%; a boot-start driver Windows refuses would stop the next boot. The drivers are added; fix that and run setup again before switching the system disk to virtio" & call :log
goto :eof
:seed_devices
for %%D in (%GT_BOOT_CRITICAL%) do (
  set "GT_DEV=%%D"
  call :seed_device
)
goto :eof

:seed_device
call set "GT_SVC=%%%GT_DEV%_SERVICE%%"
if not defined GT_SVC set "GT_MSG=config\devices.cmd has no %GT_DEV%_SERVICE" & call :fail & goto :eof
rem The driver folder on this medium with the service's binary, and whether pnputil took it.
set "GT_SYS="
set "GT_SYSDRV="
for /f "delims=" %%D in ('dir /b /ad "%GT_DRVROOT%" 2^>nul') do if not defined GT_SYSDRV if exist "%GT_DRVROOT%\%%D\%GT_SVC%.sys" set "GT_SYSDRV=%%D"
if defined GT_SYSDRV set "GT_SYS=%GT_DRVROOT%\%GT_SYSDRV%\%GT_SVC%.sys"
if not defined GT_SYS set "GT_MSG=cannot pre-seed %GT_SVC%: no %GT_SVC%.sys for %GT_ARCH% on this medium" & call :fail & goto :eof
set "GT_PKGOK="
for %%V in (GT_PNPOK_%GT_SYSDRV%) do if defined %%V set "GT_PKGOK=1"
for %%V in (GT_PNPFAIL_%GT_SYSDRV%) do if defined %%V set "GT_PKGOK="
if not defined GT_PKGOK set "GT_MSG=boot-critical storage not pre-seeded: pnputil did not accept the %GT_SVC% package, and a boot-start driver Windows refuses would stop the next boot" & call :log & goto :eof
rem The hardware IDs are quoted in devices.cmd, so the "&" in them stays quoted here too.
call set GT_HWLIST=%%%GT_DEV%_HWIDS%%
set "GT_MSG=pre-seeding boot-critical service %GT_SVC%" & call :log
call :seed_service
if %GT_BUILD% GEQ 9200 goto :eof
for %%H in (%GT_HWLIST%) do (
  set "GT_HWID=%%~H"
  call :seed_cddb
)
goto :eof

:seed_service
set "GT_SVCKEY=HKLM\SYSTEM\CurrentControlSet\Services\%GT_SVC%"
reg query "%GT_SVCKEY%" /v ImagePath >nul 2>&1
if errorlevel 1 goto seed_service_create
set "GT_OLDSTART="
for /f "tokens=3" %%S in ('reg query "%GT_SVCKEY%" /v Start 2^>nul ^| findstr /i /r /c:"Start  *REG_DWORD"') do set "GT_OLDSTART=%%S"
if not defined GT_OLDSTART set "GT_OLDSTART=-"
if not "%GT_OLDSTART%"=="-" set /a GT_OLDSTART=%GT_OLDSTART%
if "%GT_OLDSTART%"=="0" set "GT_MSG=%GT_SVC% already starts at boot" & call :log & goto :eof
reg add "%GT_SVCKEY%" /v Start /t REG_DWORD /d 0 /f >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
call :run_logged
if not "%GT_RC%"=="0" set "GT_MSG=could not set %GT_SVCKEY% Start=0" & call :fail & goto :eof
set "GT_REC=regvalue|%GT_SVC%|%GT_SVCKEY%|Start|REG_DWORD|%GT_OLDSTART%" & call :record
set "GT_MSG=%GT_SVC% now starts at boot, was Start=%GT_OLDSTART%" & call :log
>>"%GT_REBOOT%" echo %GT_SVC%
set "GT_SEEDED=1"
goto :eof

:seed_service_create
rem No device has used the driver yet, so Windows only staged it and created no service. Create
rem the service the way its INF would for a storport miniport, with the binary from this medium
rem (GT_SYS, found by :seed_device).
set "GT_SYSDEST=%SystemRoot%\System32\drivers\%GT_SVC%.sys"
if exist "%GT_SYSDEST%" goto seed_service_keys
copy /y "%GT_SYS%" "%GT_SYSDEST%" >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
call :run_logged
if not "%GT_RC%"=="0" set "GT_MSG=could not copy %GT_SVC%.sys to %GT_SYSDEST%" & call :fail & goto :eof
set "GT_REC=file|%GT_SVC%|%GT_SYSDEST%" & call :record
:seed_service_keys
set "GT_REC=svckey|%GT_SVC%|%GT_SVCKEY%" & call :record
set "GT_RC=0"
reg add "%GT_SVCKEY%" /v Type /t REG_DWORD /d 1 /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_RC=1"
reg add "%GT_SVCKEY%" /v Start /t REG_DWORD /d 0 /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_RC=1"
reg add "%GT_SVCKEY%" /v ErrorControl /t REG_DWORD /d 1 /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_RC=1"
reg add "%GT_SVCKEY%" /v ImagePath /t REG_EXPAND_SZ /d "\SystemRoot\System32\drivers\%GT_SVC%.sys" /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_RC=1"
reg add "%GT_SVCKEY%" /v Group /t REG_SZ /d "SCSI miniport" /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_RC=1"
reg add "%GT_SVCKEY%\Parameters\PnpInterface" /v 5 /t REG_DWORD /d 1 /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_RC=1"
if not "%GT_RC%"=="0" set "GT_MSG=could not create the service key %GT_SVCKEY%" & call :fail & goto :eof
set "GT_MSG=created boot-start service %GT_SVC%" & call :log
>>"%GT_REBOOT%" echo %GT_SVC%
set "GT_SEEDED=1"
goto :eof

:seed_cddb
set "GT_CDDB=HKLM\SYSTEM\CurrentControlSet\Control\CriticalDeviceDatabase\%GT_HWID:\=#%"
reg query "%GT_CDDB%" >nul 2>&1
if not errorlevel 1 set "GT_MSG=CriticalDeviceDatabase already has %GT_HWID%" & call :log & goto :eof
set "GT_RC=0"
reg add "%GT_CDDB%" /v Service /t REG_SZ /d "%GT_SVC%" /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_RC=1"
reg add "%GT_CDDB%" /v ClassGUID /t REG_SZ /d "{4D36E97B-E325-11CE-BFC1-08002BE10318}" /f >>"%GT_LOG%" 2>&1
if errorlevel 1 set "GT_RC=1"
set "GT_REC=regkey|%GT_SVC%|%GT_CDDB%" & call :record
if not "%GT_RC%"=="0" set "GT_MSG=could not write %GT_CDDB%" & call :fail & goto :eof
set "GT_MSG=CriticalDeviceDatabase: %GT_HWID% uses %GT_SVC%" & call :log
goto :eof

rem ---------------------------------------------------------------------------------------------
:install_tools
rem config\tools.cmd, generated from the spec, lists the tools: per architecture an installer
rem under tools\<name>\ with its kind (msi, exe, cmd) and an MSI's product code. Each runs
rem silently after the drivers; what it installed is recorded for uninstall.cmd.
if not exist "%GT_MEDIA%config\tools.cmd" goto :eof
pushd "%GT_MEDIA%"
call config\tools.cmd
popd
if not defined GT_TOOL_COUNT goto :eof
for /l %%N in (1,1,%GT_TOOL_COUNT%) do (
  set "GT_TN=%%N"
  call :install_tool
)
goto :eof

:install_tool
call set "GT_TOOLNAME=%%GT_TOOL%GT_TN%_NAME%%"
call set "GT_TOOLREQ=%%GT_TOOL%GT_TN%_REQUIRED%%"
call set "GT_TOOLARGS=%%GT_TOOL%GT_TN%_ARGS%%"
call set "GT_TOOLUN=%%GT_TOOL%GT_TN%_UNINSTALL%%"
call set "GT_TOOLUNARGS=%%GT_TOOL%GT_TN%_UNINSTALL_ARGS%%"
call set "GT_TOOLFILE=%%GT_TOOL%GT_TN%_%GT_ARCH%%%"
call set "GT_TOOLKIND=%%GT_TOOL%GT_TN%_%GT_ARCH%_KIND%%"
call set "GT_TOOLCODE=%%GT_TOOL%GT_TN%_%GT_ARCH%_CODE%%"
if not defined GT_TOOLFILE set "GT_MSG=tool %GT_TOOLNAME%: this medium has no installer for %GT_ARCH%" & call :log & goto :eof
set "GT_TOOLREL=tools\%GT_TOOLNAME%\%GT_TOOLFILE%"
set "GT_TOOLPATH=%GT_MEDIA%%GT_TOOLREL%"
if not exist "%GT_TOOLPATH%" set "GT_MSG=tool %GT_TOOLNAME%: %GT_TOOLREL% is missing from the medium" & call :fail & goto :eof
if /i "%GT_TOOLKIND%"=="msi" goto install_tool_msi
set "GT_MSG=installing tool %GT_TOOLNAME% from %GT_TOOLREL%" & call :log
rem A batch file runs in its own cmd, given its path through the environment (as setup starts
rem itself again above) so that no character of the medium's path is parsed.
if /i "%GT_TOOLKIND%"=="cmd" "%ComSpec%" /d /c ""%%GT_TOOLPATH%%" %GT_TOOLARGS%" >"%GT_WORK%\out.txt" 2>&1
if /i not "%GT_TOOLKIND%"=="cmd" "%GT_TOOLPATH%" %GT_TOOLARGS% >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
goto install_tool_done

:install_tool_msi
rem A product Windows Installer already has (this version, from anywhere) is left as it is and
rem not recorded: uninstall.cmd removes only what this setup installed.
set "GT_HAVE="
reg query "HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\%GT_TOOLCODE%" >nul 2>&1
if not errorlevel 1 set "GT_HAVE=1"
reg query "HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\%GT_TOOLCODE%" >nul 2>&1
if not errorlevel 1 set "GT_HAVE=1"
if defined GT_HAVE set "GT_MSG=tool %GT_TOOLNAME% is already installed (product %GT_TOOLCODE%); left as it is" & call :log & goto :eof
set "GT_MSG=installing tool %GT_TOOLNAME% from %GT_TOOLREL% (product %GT_TOOLCODE%)" & call :log
set "GT_MSILOG=%GT_WORK%\msi.log"
"%SystemRoot%\System32\msiexec.exe" /i "%GT_TOOLPATH%" /qn /norestart %GT_TOOLARGS% /l*v "%GT_MSILOG%" >"%GT_WORK%\out.txt" 2>&1
set "GT_RC=%errorlevel%"
rem The package's own log goes into setup's (type turns its UTF-16 into text).
if exist "%GT_MSILOG%" type "%GT_MSILOG%" >>"%GT_LOG%" 2>&1

:install_tool_done
call :run_logged
rem 0 done; 3010 done, restart needed; 1641 done and Windows Installer started a restart.
set "GT_OK=0"
if "%GT_RC%"=="0" set "GT_OK=1"
if "%GT_RC%"=="3010" set "GT_OK=1" & >>"%GT_REBOOT%" echo tool
if "%GT_RC%"=="1641" set "GT_OK=1" & >>"%GT_REBOOT%" echo tool
if "%GT_OK%"=="0" goto install_tool_failed
if /i "%GT_TOOLKIND%"=="msi" set "GT_REC=tool|%GT_TOOLNAME%|msi|%GT_TOOLCODE%" & call :record
if /i not "%GT_TOOLKIND%"=="msi" if defined GT_TOOLUN set "GT_REC=tool|%GT_TOOLNAME%|%GT_TOOLKIND%|%GT_TOOLUN%|%GT_TOOLUNARGS%" & call :record
if /i not "%GT_TOOLKIND%"=="msi" if not defined GT_TOOLUN set "GT_MSG=tool %GT_TOOLNAME% has no uninstall command on this medium; uninstall.cmd will not remove it" & call :log
set "GT_MSG=tool %GT_TOOLNAME% installed, exit code %GT_RC%" & call :log
goto :eof
:install_tool_failed
set "GT_WHY=exit code %GT_RC%"
if "%GT_RC%"=="1638" set "GT_WHY=another version of it is already installed; remove that first (exit code 1638)"
if "%GT_RC%"=="1603" set "GT_WHY=the package failed; its log is in %GT_LOG% (exit code 1603)"
if "%GT_RC%"=="1618" set "GT_WHY=another installation is in progress; run setup again when it is done (exit code 1618)"
set "GT_MSG=tool %GT_TOOLNAME% could not be installed from %GT_TOOLREL%: %GT_WHY%" & call :fail
goto :eof

rem ---------------------------------------------------------------------------------------------
:finish
rem With Fast Startup (Windows 8 and later) "Shut down" hibernates the kernel: the boot-start
rem setting would not apply at the next start.
if "%GT_SEEDED%"=="1" set "GT_MSG=before switching the system disk to virtio, restart Windows once, or shut down completely with: shutdown /s /t 0" & call :log
set "GT_RC=0"
if exist "%GT_REBOOT%" set "GT_RC=3010"
if exist "%GT_FAILS%" set "GT_RC=1"
if "%GT_RC%"=="0" set "GT_MSG=setup finished" & call :log
if "%GT_RC%"=="3010" set "GT_MSG=setup finished; restart Windows to complete it" & call :log
if "%GT_RC%"=="1" set "GT_MSG=setup finished with errors; see %GT_LOG%" & call :log
rd /s /q "%GT_WORK%" >nul 2>&1
if "%GT_QUIET%"=="0" pause
exit /b %GT_RC%

:bad_medium
echo setup: config\devices.cmd is missing; this does not look like a complete guest-tools medium.
exit /b 2

:bad_arch
set "GT_MSG=unsupported processor architecture %GT_PA%; this medium's drivers are for x86, amd64 or arm64" & call :fail
if "%GT_QUIET%"=="0" pause
exit /b 2

:no_fitting_os
set "GT_OSLIST="
for /f "delims=" %%D in ('dir /b /ad "%GT_MEDIA%drivers" 2^>nul') do call :add_oslist "%%D"
set "GT_MSG=this medium holds drivers for%GT_OSLIST% only, none for this Windows (build %GT_BUILD%, %GT_PRODUCT%, %GT_ARCH%) or an older one; use media made for it (guestpack --os)" & call :fail
if "%GT_QUIET%"=="0" pause
exit /b 2

:add_oslist
set "GT_OSLIST=%GT_OSLIST% %~1"
goto :eof

:bad_windows
set "GT_MSG=this Windows, build %GT_BUILD%, is older than Windows 7" & call :fail
if "%GT_QUIET%"=="0" pause
exit /b 2

:verify_unknown
set "GT_MSG=could not verify the medium (see above); nothing was installed" & call :fail
if "%GT_QUIET%"=="0" pause
exit /b 3

:verify_failed
set "GT_MSG=the medium does not match manifest.json; nothing was installed" & call :fail
if "%GT_QUIET%"=="0" pause
exit /b 3
