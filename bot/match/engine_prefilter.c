/* engine_prefilter.c - a cheap necessary condition for a maintainer's
 * pattern. Maintainers guard patterns with leading lookaheads
 * ("^(?!.*\b(error|traceback)\b).*\bdjango\b"): PCRE2 must then scan the
 * whole question for the guard words before it looks for "django", about a
 * microsecond per pattern and question even with JIT. What follows the
 * guards, unanchored and without its leading ".*", must match whenever the
 * whole pattern does, and it is quick to rule out (PCRE2's start
 * optimizations apply), so the engine runs it first and the full pattern
 * only when it matches. Patterns this scanner cannot split safely (a
 * top-level alternation, back references, \Q quoting) get no filter. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/engine_int.h"

/* Index of the ']' closing the class that opens at p[j] == '[' (or n). */
static size_t classEnd(const char *p, size_t n, size_t j) {
    j++;
    if (j < n && p[j] == '^') j++;
    if (j < n && p[j] == ']') j++; /* a leading ']' is a literal */
    while (j < n && p[j] != ']') j += p[j] == '\\' ? 2 : 1;
    return j < n ? j : n;
}

/* Index just past the group that opens at p[i] == '(', or 0 when the
 * parentheses do not balance. Escapes and character classes are skipped. */
static size_t groupEnd(const char *p, size_t n, size_t i) {
    int depth = 0;
    for (size_t j = i; j < n; j++) {
        if (p[j] == '\\') j++;
        else if (p[j] == '[') j = classEnd(p, n, j);
        else if (p[j] == '(') depth++;
        else if (p[j] == ')' && --depth == 0) return j + 1;
    }
    return 0;
}

/* 1 if p[0..n) has a '|' outside every group (or unbalanced groups). */
static int topLevelAlternation(const char *p, size_t n) {
    for (size_t j = 0; j < n; j++) {
        if (p[j] == '\\') {
            j++;
        } else if (p[j] == '[') {
            j = classEnd(p, n, j);
        } else if (p[j] == '(') {
            size_t e = groupEnd(p, n, j);
            if (e == 0) return 1;
            j = e - 1;
        } else if (p[j] == '|' || p[j] == ')') {
            return 1; /* an alternation, or a ')' without its '(' */
        }
    }
    return 0;
}

/* What the scanner does not model: quoting, references and subroutine
 * calls (group numbers change when the guards go), conditionals, verbs,
 * comments and POSIX classes (a ']' or ')' inside them). */
static int unsafe(const char *p) {
    static const char *const BAD[] = {"\\Q", "\\g", "\\k", "(?P", "(?&", "(?R", "(?(",
                                      "(*",  "(?#", "[:",  "(?+", "(?-"};
    for (size_t i = 0; i < CB_ARRAY_LEN(BAD); i++)
        if (strstr(p, BAD[i])) return 1;
    for (const char *s = strstr(p, "(?"); s; s = strstr(s + 2, "(?"))
        if (s[2] >= '0' && s[2] <= '9') return 1; /* (?1): a subroutine call */
    for (const char *s = strchr(p, '\\'); s && s[1]; s = strchr(s + 2, '\\'))
        if (s[1] >= '1' && s[1] <= '9') return 1; /* \1: a back reference */
    return 0;
}

char *engPatternFilter(const char *pattern) {
    size_t n = strlen(pattern);
    if (n < 2 || pattern[0] != '^' || unsafe(pattern) || topLevelAlternation(pattern, n))
        return NULL;
    size_t i = 1, pos = 0, posn = 0;
    while (i + 3 <= n && pattern[i] == '(' && pattern[i + 1] == '?' &&
           (pattern[i + 2] == '=' || pattern[i + 2] == '!')) {
        size_t e = groupEnd(pattern, n, i);
        if (e == 0) return NULL;
        if (pattern[i + 2] == '=' && !posn) pos = i + 3, posn = e - 1 - (i + 3);
        i = e;
    }
    const char *rest = pattern + i;
    size_t rn = n - i;
    if (rn == 0) rest = pattern + pos, rn = posn; /* only guards: the first positive one */
    while (rn >= 2 && rest[0] == '.' && rest[1] == '*') { /* ".*" or ".*?" */
        size_t k = rn >= 3 && rest[2] == '?' ? 3 : 2;
        rest += k, rn -= k;
    }
    if (rn == 0 || topLevelAlternation(rest, rn)) return NULL;
    return cbStrndup(rest, rn);
}
