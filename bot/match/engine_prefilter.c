/* engine_prefilter.c - a cheap necessary condition for a maintainer's
 * pattern. Maintainers guard patterns with leading lookaheads
 * ("^(?!.*\b(error|traceback)\b).*\bdjango\b"): PCRE2 must then scan the
 * whole question for the guard words before it looks for "django", about a
 * microsecond per pattern and question even with JIT. What follows the
 * guards, unanchored and without its leading ".*", must match whenever the
 * whole pattern does, and it is quick to rule out (PCRE2's start
 * optimizations apply), so the engine runs it first and the full pattern
 * only when it matches. Patterns this scanner cannot split safely (a
 * top-level alternation, back references, \Q quoting) get no filter.
 *
 * Cheaper still, and for every pattern: the literal strings one of which
 * any match must contain ("\bfast ?api\b.*\bworth" needs "worth", its
 * longest; "\b(pcep|pcap)\b" needs "pcep" or "pcap"). A question holding
 * none of them (plain ASCII, lower case, as normalized questions are) is
 * not tried at all: most patterns name a word the question does not have,
 * and strstr rules that out faster than PCRE2 can walk the question. The
 * scanner gives up (no literals) on anything it does not model: inline
 * options, escapes other than \b-like assertions, classes and
 * punctuation, bytes above 0x7F. */
#include <ctype.h>
#include <stdint.h>
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

/* Index of the first '|' or unmatched ')' of p[i..n) outside every group
 * and class (n when there is none); SIZE_MAX when a group does not close.
 * Escapes and character classes are skipped. */
static size_t topLevelBar(const char *p, size_t i, size_t n) {
    for (size_t j = i; j < n; j++) {
        if (p[j] == '\\') {
            j++;
        } else if (p[j] == '[') {
            j = classEnd(p, n, j);
        } else if (p[j] == '(') {
            size_t e = groupEnd(p, n, j);
            if (e == 0) return SIZE_MAX;
            j = e - 1;
        } else if (p[j] == '|' || p[j] == ')') {
            return j;
        }
    }
    return n;
}

/* 1 if p[0..n) has a '|' outside every group (or unbalanced groups). */
static int topLevelAlternation(const char *p, size_t n) { return topLevelBar(p, 0, n) != n; }

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

/* ---- necessary literals ---- */

#define LIT_MAX_ALT 16  /* alternatives of one item, at most */
#define LIT_MAX_LEN 64  /* bytes of one literal */

/* One item's literals: any match of it holds one of v[0..n) (lower
 * case); n == 0: nothing known. */
typedef struct litSet {
    char v[LIT_MAX_ALT][LIT_MAX_LEN + 1];
    size_t n;
} litSet;

typedef struct litScan {
    const char *p;
    int fail; /* something not modelled: no literals for the pattern */
} litScan;

/* The shortest literal of a set: how selective it is (0: none). */
static size_t litScore(const litSet *s) {
    if (!s->n) return 0;
    size_t m = SIZE_MAX;
    for (size_t i = 0; i < s->n; i++) m = strlen(s->v[i]) < m ? strlen(s->v[i]) : m;
    return m;
}

static void litKeepBest(litSet *best, const litSet *cand) {
    size_t a = litScore(cand), b = litScore(best);
    if (a > b || (a && a == b && cand->n < best->n)) *best = *cand;
}

/* The quantifier at p[*j] (none, ?, *, +, {n}, {n,}, {n,m}, with a lazy
 * or possessive mark): its minimum into *min (1 when there is none). */
static int litQuantifier(litScan *sc, size_t *j, size_t end, long *min) {
    const char *p = sc->p;
    *min = 1;
    if (*j >= end) return 0;
    char c = p[*j];
    if (c == '?' || c == '*') *min = 0;
    if (c == '?' || c == '*' || c == '+') {
        (*j)++;
    } else if (c == '{') {
        size_t k = *j + 1;
        long n = 0;
        if (k >= end || !isdigit((unsigned char)p[k])) return sc->fail = 1, 0; /* a literal '{' */
        for (; k < end && isdigit((unsigned char)p[k]); k++)
            if (n < 1000000) n = n * 10 + (p[k] - '0'); /* only 0 or not matters */
        while (k < end && (isdigit((unsigned char)p[k]) || p[k] == ',')) k++;
        if (k >= end || p[k] != '}') return sc->fail = 1, 0;
        *min = n;
        *j = k + 1;
    } else {
        return 0;
    }
    if (*j < end && (p[*j] == '?' || p[*j] == '+')) (*j)++; /* lazy, possessive */
    return 1;
}

static void litSeq(litScan *sc, size_t i, size_t end, litSet *best);

/* The literals of an alternation p[i..end): one per branch, when every
 * branch has some (else none). */
static void litAlt(litScan *sc, size_t i, size_t end, litSet *out) {
    out->n = 0;
    litSet all = {.n = 0};
    for (size_t start = i; !sc->fail;) {
        size_t j = topLevelBar(sc->p, start, end);
        if (j == SIZE_MAX || (j < end && sc->p[j] == ')')) return (void)(sc->fail = 1);
        litSet b = {.n = 0};
        litSeq(sc, start, j, &b);
        if (!b.n || all.n + b.n > LIT_MAX_ALT) return; /* a branch without: nothing */
        for (size_t k = 0; k < b.n; k++) memcpy(all.v[all.n++], b.v[k], LIT_MAX_LEN + 1);
        if (j == end) break;
        start = j + 1;
    }
    if (!sc->fail) *out = all;
}

/* Flush the literal run into best. */
static void litFlush(char *run, size_t *rn, litSet *best) {
    if (*rn) {
        litSet one = {.n = 1};
        memcpy(one.v[0], run, *rn);
        one.v[0][*rn] = '\0';
        litKeepBest(best, &one);
    }
    *rn = 0;
}

/* A group at p[*j] == '(': its literals into best unless the quantifier
 * after it allows none; lookarounds hold nothing. */
static void litGroup(litScan *sc, size_t *j, size_t end, litSet *best) {
    const char *p = sc->p;
    size_t e = groupEnd(p, end, *j), in = *j + 1;
    if (e == 0) return (void)(sc->fail = 1);
    int look = 0;
    if (p[in] == '?') {
        if (p[in + 1] == ':') in += 2;
        else if (p[in + 1] == '=' || p[in + 1] == '!') look = 1;
        else if (p[in + 1] == '<' && (p[in + 2] == '=' || p[in + 2] == '!')) look = 1;
        else return (void)(sc->fail = 1); /* options, names, anything else */
    }
    *j = e;
    long min;
    (void)litQuantifier(sc, j, end, &min);
    if (look || min == 0 || sc->fail) return;
    litSet g;
    litAlt(sc, in, e - 1, &g);
    litKeepBest(best, &g);
}

/* What is not one literal character at p[j]: a class, any character, an
 * assertion or a class escape (skipped with its quantifier: *j moves on,
 * 1), or something not modelled (sc->fail, 1); 0 for a literal. */
static int litNonLiteral(litScan *sc, size_t *j, size_t end) {
    const char *p = sc->p;
    unsigned char c = (unsigned char)p[*j];
    long min;
    if (c == '\\' && *j + 1 < end && ispunct((unsigned char)p[*j + 1])) return 0;
    if (c == '[') {
        *j = classEnd(p, end, *j) + 1;
    } else if (c == '.' || c == '^' || c == '$') {
        (*j)++;
    } else if (c == '\\' && *j + 1 < end && strchr("bBAzZGwWdDsShHvVNR", p[*j + 1])) {
        *j += 2;
    } else if (c == '\\' || c >= 0x80 || c < 0x20 || strchr(")]}{?*+|", c)) {
        sc->fail = 1;
        return 1;
    } else {
        return 0;
    }
    (void)litQuantifier(sc, j, end, &min);
    return 1;
}

/* A sequence p[i..end) without a top-level '|': its most selective
 * item's literals into best. A run of literal characters is one item; a
 * character that may be absent or repeated ends it. */
static void litSeq(litScan *sc, size_t i, size_t end, litSet *best) {
    const char *p = sc->p;
    char run[LIT_MAX_LEN + 1];
    size_t rn = 0;
    best->n = 0;
    for (size_t j = i; j < end && !sc->fail;) {
        if (p[j] == '(') {
            litFlush(run, &rn, best);
            litGroup(sc, &j, end, best);
            continue;
        }
        if (litNonLiteral(sc, &j, end)) {
            litFlush(run, &rn, best);
            continue;
        }
        unsigned char c = (unsigned char)p[j];
        if (c == '\\') c = (unsigned char)p[++j]; /* an escaped punctuation mark: itself */
        j++;
        long min;
        int quantified = litQuantifier(sc, &j, end, &min);
        if (quantified && min == 0) {
            litFlush(run, &rn, best); /* optional: not in every match */
            continue;
        }
        if (rn == LIT_MAX_LEN) litFlush(run, &rn, best);
        run[rn++] = (char)tolower(c);
        if (quantified) litFlush(run, &rn, best); /* repeated: what follows may not touch it */
    }
    litFlush(run, &rn, best);
}

char **engPatternLiterals(const char *pattern) {
    size_t n = strlen(pattern);
    if (unsafe(pattern)) return NULL;
    litScan sc = {pattern, 0};
    litSet best;
    litAlt(&sc, 0, n, &best);
    if (sc.fail || !best.n) return NULL;
    for (size_t i = 0; i < best.n; i++)
        if (!best.v[i][0] || best.v[i][strspn(best.v[i], " ")] == '\0') return NULL;
    char **v = cbCalloc(best.n + 1, sizeof(*v));
    for (size_t i = 0; i < best.n; i++) v[i] = cbStrdup(best.v[i]);
    return v;
}

void engPatternLiteralsFree(char **lits) {
    for (size_t i = 0; lits && lits[i]; i++) free(lits[i]);
    free(lits);
}

int engPlainLower(const char *s) {
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c >= 0x80 || (*c >= 'A' && *c <= 'Z')) return 0;
    return 1;
}

int engPatternMayMatch(char *const *lits, const char *text, int plain) {
    if (!lits || !plain) return 1;
    for (size_t i = 0; lits[i]; i++)
        if (strstr(text, lits[i])) return 1;
    return 0;
}
