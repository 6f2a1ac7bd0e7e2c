/* findstr for the guest-script harness: Wine 8.0's findstr is a stub that prints nothing. This
 * covers what the scripts use: /I /R /L /X /B /E /V, /C:"string" (repeatable) or
 * space-separated strings, files or standard input; regular expressions with . * [class]
 * [^class] ^ $ and \ escapes (findstr's own subset). Exit 0 when a line matched, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

/* Space-separated strings are regular expressions unless /L; /C: strings are literal unless /R. */
static int icase, regex, exact, begin, end, invert, rflag, lflag;

static int eq(char a, char b) {
  return icase ? tolower((unsigned char)a) == tolower((unsigned char)b) : a == b;
}

/* Length of the atom at p (a char, an escape or a class). */
static int atom_len(const char *p) {
  if (*p == '\\' && p[1]) return 2;
  if (*p == '[') {
    const char *q = p + 1;
    if (*q == '^') q++;
    if (*q == ']') q++;
    while (*q && *q != ']') q++;
    return (int)(q - p) + (*q ? 1 : 0);
  }
  return 1;
}

static int atom_matches(const char *p, int len, char c) {
  if (!c) return 0;
  if (*p == '.' && len == 1) return 1;
  if (*p == '\\') return eq(p[1], c);
  if (*p == '[') {
    int neg = p[1] == '^', ok = 0;
    const char *q = p + 1 + neg, *stop = p + len - 1;
    for (; q < stop; q++) {
      if (q + 2 < stop && q[1] == '-') {
        char lo = q[0], hi = q[2], cc = c;
        if (icase) { lo = (char)tolower(lo); hi = (char)tolower(hi); cc = (char)tolower(cc); }
        if (cc >= lo && cc <= hi) ok = 1;
        q += 2;
      } else if (eq(*q, c)) ok = 1;
    }
    return ok != neg;
  }
  return eq(*p, c);
}

/* Matches pattern p at text t; with `anchored_end`, only if the match reaches the end. */
static int match_here(const char *p, const char *t, int anchored_end) {
  if (!*p) return !anchored_end || !*t;
  if (p[0] == '$' && !p[1]) return !*t;
  int n = atom_len(p);
  if (p[n] == '*') {
    const char *s = t;
    do {
      if (match_here(p + n + 1, s, anchored_end)) return 1;
    } while (*s && atom_matches(p, n, *s++));
    return 0;
  }
  if (*t && atom_matches(p, n, *t)) return match_here(p + n, t + 1, anchored_end);
  return 0;
}

static int literal_at(const char *s, const char *t) {
  for (; *s; s++, t++) if (!*t || !eq(*s, *t)) return 0;
  return 1;
}

static int line_matches(const char *pat, const char *line) {
  size_t ll = strlen(line), lp = strlen(pat);
  if (!regex) {
    if (exact) return ll == lp && literal_at(pat, line);
    if (begin && !literal_at(pat, line)) return 0;
    if (end && (ll < lp || !literal_at(pat, line + ll - lp))) return 0;
    if (begin || end) return 1;
    for (const char *t = line; *t; t++) if (literal_at(pat, t)) return 1;
    return lp == 0;
  }
  int anchor = exact || begin || pat[0] == '^';
  const char *p = pat[0] == '^' ? pat + 1 : pat;
  int to_end = exact || end;
  if (anchor) return match_here(p, line, to_end);
  for (const char *t = line;; t++) {
    if (match_here(p, t, to_end)) return 1;
    if (!*t) return 0;
  }
}

static char *pats[64];
static int npats;

static int scan(FILE *f, const char *name, int many) {
  char line[65536];
  int any = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = 0;
    int hit = 0;
    for (int i = 0; i < npats && !hit; i++) hit = line_matches(pats[i], line);
    if (hit != invert) {
      any = 1;
      if (many) printf("%s:", name);
      printf("%s\n", line);
    }
  }
  return any;
}

int main(int argc, char **argv) {
  char *files[64];
  int nfiles = 0, i = 1, have_c = 0;
  for (; i < argc && argv[i][0] == '/'; i++) {
    char *a = argv[i];
    if ((a[1] == 'c' || a[1] == 'C') && a[2] == ':') { pats[npats++] = a + 3; have_c = 1; continue; }
    for (char *o = a + 1; *o; o++) {
      switch (tolower((unsigned char)*o)) {
        case 'i': icase = 1; break;
        case 'r': rflag = 1; break;
        case 'l': lflag = 1; break;
        case 'x': exact = 1; break;
        case 'b': begin = 1; break;
        case 'e': end = 1; break;
        case 'v': invert = 1; break;
        default: break;
      }
    }
  }
  regex = have_c ? rflag : !lflag;
  if (!have_c && i < argc) {
    /* Space-separated strings: any of them. */
    char *s = argv[i++];
    for (char *tok = strtok(s, " "); tok; tok = strtok(NULL, " ")) pats[npats++] = tok;
  }
  for (; i < argc; i++) files[nfiles++] = argv[i];
  int any = 0;
  if (!nfiles) any = scan(stdin, "", 0);
  for (int k = 0; k < nfiles; k++) {
    FILE *f = fopen(files[k], "rb");
    if (!f) { fprintf(stderr, "FINDSTR: Cannot open %s\n", files[k]); continue; }
    any |= scan(f, files[k], nfiles > 1);
    fclose(f);
  }
  return any ? 0 : 1;
}
