@echo off
setlocal EnableExtensions DisableDelayedExpansion
rem Checks every file of this medium against manifest.json (size and SHA-256), reports missing,
rem changed and extra files, and lists which of the medium's drivers this Windows has installed.
rem The work is done by verify.ps1, which runs on the PowerShell 2.0 that Windows 7 SP1 ships.
rem Exit codes: 0 the medium matches, 1 missing, changed or extra files, 2 error.

rem This file's folder, read before any SHIFT (which moves %0 too).
set "GT_MEDIA=%~dp0"
set "GT_PSARGS="
:parse_args
if "%~1"=="" goto args_done
set "GT_ARG=%~1"
shift
if "%GT_ARG%"=="/?" goto usage
if /i "%GT_ARG%"=="-?" goto usage
if /i "%GT_ARG%"=="/help" goto usage
if /i "%GT_ARG%"=="/quiet" set "GT_PSARGS=%GT_PSARGS% -Quiet" & goto parse_args
if /i "%GT_ARG%"=="/nodrivers" set "GT_PSARGS=%GT_PSARGS% -NoDrivers" & goto parse_args
echo verify: unknown switch "%GT_ARG%"
call :usage_text
exit /b 2

:usage
call :usage_text
exit /b 0

:usage_text
echo Checks this medium against manifest.json and lists the installed drivers.
echo.
echo   verify.cmd [/quiet] [/nodrivers]
echo.
echo   /quiet      print only problems and the summary
echo   /nodrivers  do not list which drivers of the medium are installed
echo.
echo Exit codes: 0 the medium matches, 1 missing, changed or extra files, 2 error.
goto :eof

:args_done
set "GT_PS=%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe"
if not exist "%GT_PS%" goto no_powershell
if not exist "%GT_MEDIA%verify.ps1" goto no_script
set "GT_OUT=%TEMP%\guest-tools-verify-%RANDOM%%RANDOM%.txt"
rem "%GT_MEDIA%." rather than "%GT_MEDIA%": a quoted argument ending in a backslash would swallow
rem its closing quote when PowerShell splits the command line.
"%GT_PS%" -NoProfile -ExecutionPolicy Bypass -File "%GT_MEDIA%verify.ps1" -MediaRoot "%GT_MEDIA%." %GT_PSARGS% >"%GT_OUT%" 2>&1
set "GT_RC=%errorlevel%"
type "%GT_OUT%"
rem verify.ps1 always ends with a "verify: " line. Without one it never ran - a Group Policy
rem execution policy overrides -ExecutionPolicy Bypass and PowerShell exits 1 - and exit 1 would
rem wrongly mean "files changed".
findstr /b /c:"verify: " "%GT_OUT%" >nul 2>&1
if errorlevel 1 set "GT_RC=2" & echo verify: could not verify the medium: PowerShell did not run verify.ps1 ^(a Group Policy may forbid scripts^); check the files against manifest.json another way
del /f /q "%GT_OUT%" >nul 2>&1
exit /b %GT_RC%

:no_powershell
echo verify: Windows PowerShell was not found; it is part of Windows 7 SP1 and later.
exit /b 2

:no_script
echo verify: verify.ps1 is missing next to verify.cmd.
exit /b 2
