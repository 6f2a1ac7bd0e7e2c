/* A stand-in for a Windows tool the guest scripts call (pnputil, bcdedit, certutil, powershell,
 * manage-bde, net, fltmc, sc, choice, msiexec). It is built once and copied under each tool's name; it
 * appends its name and arguments to C:\standin\calls.log and answers as the scenario's rules
 * in C:\standin\rules.txt say. A rule is one line of six tab-separated fields:
 *
 *   tool  match  flag  exit  output  effect
 *
 * tool: the program name (lower case, no .exe); match: text the joined arguments must contain
 * (any case), or "*"; flag: "-", a flag that must be set, or "!flag" that must not be; exit:
 * the exit code; output: printed to stdout ("\n" for a line break, "-" for nothing); effect:
 * "-", "set:FLAG", "clear:FLAG", "addoem" (pnputil: copy the INF named in the arguments to the
 * next free C:\windows\INF\oemN.inf and print its published name) or "deloem" (remove the
 * oemN.inf named in the arguments), "regadd:KEY" or "regdel:KEY" (msiexec: create or delete the
 * key HKLM\KEY, as installing or removing a package adds or removes its Uninstall key). The
 * first matching rule wins; with none, exit 0, no output.
 * Flags live in C:\standin\flags.txt, one per line. Built with gcc-mingw-w64 (Wine 8.0 lacks
 * what Rust's standard library needs on Windows). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <windows.h>

#define DIR "C:\\standin\\"

static void lower(char *s) { for (; *s; s++) *s = (char)tolower((unsigned char)*s); }

static int has_flag(const char *flag) {
  char line[256];
  FILE *f = fopen(DIR "flags.txt", "r");
  int found = 0;
  if (!f) return 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    if (_stricmp(line, flag) == 0) found = 1;
  }
  fclose(f);
  return found;
}

static void set_flag(const char *flag, int on) {
  char lines[64][256];
  int n = 0;
  FILE *f = fopen(DIR "flags.txt", "r");
  if (f) {
    while (n < 64 && fgets(lines[n], sizeof lines[n], f)) {
      lines[n][strcspn(lines[n], "\r\n")] = 0;
      if (_stricmp(lines[n], flag) != 0) n++;
    }
    fclose(f);
  }
  f = fopen(DIR "flags.txt", "w");
  if (!f) return;
  for (int i = 0; i < n; i++) fprintf(f, "%s\n", lines[i]);
  if (on) fprintf(f, "%s\n", flag);
  fclose(f);
}

/* The argument that ends in `suffix` (any case), or NULL. */
static const char *arg_ending(int argc, char **argv, const char *suffix) {
  size_t ls = strlen(suffix);
  for (int i = 1; i < argc; i++) {
    size_t la = strlen(argv[i]);
    if (la >= ls && _stricmp(argv[i] + la - ls, suffix) == 0) return argv[i];
  }
  return NULL;
}

static void add_oem(int argc, char **argv) {
  const char *inf = arg_ending(argc, argv, ".inf");
  char dest[512];
  int n = 0;
  FILE *probe;
  if (!inf) return;
  for (;; n++) {
    snprintf(dest, sizeof dest, "C:\\windows\\INF\\oem%d.inf", n);
    probe = fopen(dest, "rb");
    if (!probe) break;
    fclose(probe);
  }
  FILE *in = fopen(inf, "rb"), *out = fopen(dest, "wb");
  if (in && out) {
    char buf[4096];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, k, out);
  }
  if (in) fclose(in);
  if (out) fclose(out);
  printf("Published name: oem%d.inf\n", n);
}

static void del_oem(int argc, char **argv) {
  const char *oem = arg_ending(argc, argv, ".inf");
  char path[512];
  if (!oem) return;
  snprintf(path, sizeof path, "C:\\windows\\INF\\%s", oem);
  remove(path);
}

static void reg_key(const char *key, int add) {
  HKEY h;
  if (add) {
    if (RegCreateKeyExA(HKEY_LOCAL_MACHINE, key, 0, NULL, 0, KEY_WRITE, NULL, &h, NULL) == ERROR_SUCCESS) RegCloseKey(h);
  } else {
    RegDeleteKeyA(HKEY_LOCAL_MACHINE, key);
  }
}

static void print_escaped(const char *s) {
  if (strcmp(s, "-") == 0) return;
  for (; *s; s++) {
    if (s[0] == '\\' && s[1] == 'n') { putchar('\n'); s++; }
    else putchar(*s);
  }
  putchar('\n');
}

int main(int argc, char **argv) {
  char tool[128], joined[4096] = "", line[4096];
  const char *base = strrchr(argv[0], '\\');
  base = base ? base + 1 : argv[0];
  snprintf(tool, sizeof tool, "%s", base);
  lower(tool);
  char *dot = strstr(tool, ".exe");
  if (dot) *dot = 0;
  for (int i = 1; i < argc; i++) {
    if (i > 1) strncat(joined, " ", sizeof joined - strlen(joined) - 1);
    strncat(joined, argv[i], sizeof joined - strlen(joined) - 1);
  }
  FILE *log = fopen(DIR "calls.log", "a");
  if (log) { fprintf(log, "%s %s\n", tool, joined); fclose(log); }

  char lj[4096];
  snprintf(lj, sizeof lj, "%s", joined);
  lower(lj);
  FILE *rules = fopen(DIR "rules.txt", "r");
  if (!rules) return 0;
  while (fgets(line, sizeof line, rules)) {
    char *f[6] = {0};
    int k = 0;
    line[strcspn(line, "\r\n")] = 0;
    for (char *p = line; k < 6; k++) {
      f[k] = p;
      char *t = strchr(p, '\t');
      if (!t) { k++; break; }
      *t = 0;
      p = t + 1;
    }
    if (k < 6 || _stricmp(f[0], tool) != 0) continue;
    char m[1024];
    snprintf(m, sizeof m, "%s", f[1]);
    lower(m);
    if (strcmp(m, "*") != 0 && !strstr(lj, m)) continue;
    if (strcmp(f[2], "-") != 0) {
      int neg = f[2][0] == '!';
      if (has_flag(f[2] + neg) == neg) continue;
    }
    fclose(rules);
    print_escaped(f[4]);
    if (strncmp(f[5], "set:", 4) == 0) set_flag(f[5] + 4, 1);
    else if (strncmp(f[5], "clear:", 6) == 0) set_flag(f[5] + 6, 0);
    else if (strcmp(f[5], "addoem") == 0) add_oem(argc, argv);
    else if (strcmp(f[5], "deloem") == 0) del_oem(argc, argv);
    else if (strncmp(f[5], "regadd:", 7) == 0) reg_key(f[5] + 7, 1);
    else if (strncmp(f[5], "regdel:", 7) == 0) reg_key(f[5] + 7, 0);
    fflush(stdout);
    return atoi(f[3]);
  }
  fclose(rules);
  return 0;
}
