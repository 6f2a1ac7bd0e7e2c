/* A stand-in for %SystemRoot%\Sysnative\cmd.exe, the 64-bit cmd a 32-bit process on 64-bit
 * Windows reaches through the Sysnative alias. Wine's cmd has no such alias, so this program is
 * put there: it logs "sysnative-cmd <its command line>" to C:\standin\calls.log, gives the child
 * the environment a native process has (PROCESSOR_ARCHITECTURE the machine's, which the
 * 32-bit parent saw in PROCESSOR_ARCHITEW6432: AMD64 or ARM64; no PROCESSOR_ARCHITEW6432) and
 * runs the real cmd.exe with its command line unchanged, returning
 * its exit code, which it also writes to C:\standin\sysnative-rc.txt (the harness reads it
 * there: the script that started it runs under CALL, which Wine's cmd turns into 0 or 1). The
 * command line is passed through as one string, exactly as Windows would, so the quoting the
 * scripts build is what is tested. Built with gcc-mingw-w64. */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

int wmain(void) {
  /* The arguments: the command line after the program name (quoted or not). */
  wchar_t *cl = GetCommandLineW();
  if (*cl == L'"') {
    cl = wcschr(cl + 1, L'"');
    cl = cl ? cl + 1 : L"";
  } else {
    while (*cl && *cl != L' ' && *cl != L'\t') cl++;
  }
  while (*cl == L' ' || *cl == L'\t') cl++;

  FILE *log = _wfopen(L"C:\\standin\\calls.log", L"a");
  if (log) { fwprintf(log, L"sysnative-cmd %ls\n", cl); fclose(log); }

  static wchar_t machine[64];
  DWORD n = GetEnvironmentVariableW(L"PROCESSOR_ARCHITEW6432", machine, 64);
  SetEnvironmentVariableW(L"PROCESSOR_ARCHITECTURE", n > 0 && n < 64 ? machine : L"AMD64");
  SetEnvironmentVariableW(L"PROCESSOR_ARCHITEW6432", NULL);

  static wchar_t line[32768];
  _snwprintf(line, 32767, L"\"C:\\windows\\system32\\cmd.exe\" %ls", cl);
  STARTUPINFOW si = { sizeof si };
  PROCESS_INFORMATION pi;
  if (!CreateProcessW(NULL, line, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) return 9009;
  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 1;
  GetExitCodeProcess(pi.hProcess, &code);
  FILE *rc = _wfopen(L"C:\\standin\\sysnative-rc.txt", L"w");
  if (rc) { fwprintf(rc, L"%lu\n", (unsigned long)code); fclose(rc); }
  return (int)code;
}
