/* test_engine_prefilter.c - the prefilters of a maintainer's pattern
 * (engine_prefilter.c): what is split off, what is refused, which literals
 * every match must hold, and that neither ever rejects a question its
 * pattern accepts, on every pattern of the bundled knowledge against every
 * eval question. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <glob.h>
#include <jansson.h>
#include <pcre2.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/common.h"
#include "match/engine_int.h"
#include "kb/kb.h"
#include "kb/kb_pattern.h"
#include "match/text.h"

static void testSplit(void **state) {
    (void)state;
    static const struct {
        const char *pattern, *filter; /* NULL: no filter */
    } cases[] = {
        {"^(?!.*\\b(error|bug)\\b).*\\bdjango\\b", "\\bdjango\\b"},
        {"^(?=.*\\bmentor\\b)(?=.*\\b(dev|python)\\b)", "\\bmentor\\b"},
        {"^(?=.*\\bx\\b)(?!.*y).*?\\bz\\b", "\\bz\\b"},
        {"^\\W*(pcep|pcap)\\W*$", "\\W*(pcep|pcap)\\W*$"},
        {"^(?![)|(]).*x", "x"},            /* ')', '|', '(' in a class */
        {"^(?!.*\\)).*\\bremote\\b", "\\bremote\\b"}, /* an escaped ')' */
        {"^(?!a).+b", ".+b"},              /* ".+" needs a character: kept */
        {"\\bml\\s?ops\\b", NULL},          /* not anchored: already quick */
        {"^a|b", NULL},                     /* top-level alternation */
        {"^(?!.*(a)).*\\1", NULL},          /* back reference */
        {"^(?!.*\\Q(\\E).*x", NULL},        /* quoting */
        {"^(?!x", NULL},                    /* unbalanced */
        {"^(?!.*\\(a)", NULL},              /* only a negative guard */
        {"^", NULL},
        {"^(?=[[:alpha:](]).*foo", NULL},  /* a POSIX class holds a ']' */
        {"^(?=a(?#\\)).*foo", NULL},      /* a comment */
        {"^(?=.*(x)).*(y)(?1)", NULL},      /* a subroutine call */
        {"^(?-i)(?!a).*b", NULL},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        char *f = engPatternFilter(cases[i].pattern);
        int ok = cases[i].filter ? f && strcmp(f, cases[i].filter) == 0 : f == NULL;
        if (!ok)
            fail_msg("'%s': filter '%s', want '%s'", cases[i].pattern, f ? f : "(none)",
                     cases[i].filter ? cases[i].filter : "(none)");
        free(f);
    }
}

/* The literals ("a|b": any of them; NULL: none known). */
static void testLiterals(void **state) {
    (void)state;
    static const struct {
        const char *pattern, *lits;
    } cases[] = {
        {"\\bpcep\\b", "pcep"},
        {"\\b(pcep|pcap|pcpp\\d?|python institute)\\b", "pcep|pcap|pcpp|python institute"},
        {"\\bfast ?api\\b.*\\bworth", "worth"},         /* the longest item */
        {"\\bml\\s?ops\\b", "ops"},
        {"^(?!.*\\b(error|bug)\\b).*\\bdjango\\b", "django"}, /* a guard holds nothing */
        {"\\b(remote(ly)?|wfh|work(ing)? from home)\\b", "remote|wfh| from home"},
        {"colou?r", "colo"},                              /* an optional letter ends a run */
        {"xa+b", "xa"},                                   /* so does a repeated one */
        {"xa+?bc", "xa"},                                 /* a tie: the first */
        {"a{2,3}bcd", "bcd"},
        {"a{99999999999999999999999}b", "a"},             /* no overflow counting it */
        {"(?:abc|de)f?", "abc|de"},
        {"(abc)?de", "de"},                               /* an optional group holds none */
        {"foo|ba", "foo|ba"},                             /* a top-level alternation */
        {"foo|.*", NULL},                                 /* a branch without */
        {"c\\+\\+ jobs", "c++ jobs"},                   /* escaped marks are literal */
        {"\\bQA\\b", "qa"},                              /* lower case */
        {"(?i)abc", NULL},                                /* inline options */
        {"(?x)a b c", NULL},
        {"caf\xc3\xa9", NULL},                          /* not ASCII */
        {"\\x41bc", NULL},                                /* an escape not modelled */
        {"a{b", NULL},                                    /* a literal '{' */
        {"[a-z]+", NULL},
        {"(a)\\1", NULL},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        char **l = engPatternLiterals(cases[i].pattern);
        char got[256] = "";
        for (size_t k = 0; l && l[k]; k++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", k ? "|" : "", l[k]);
        int ok = cases[i].lits ? l && strcmp(got, cases[i].lits) == 0 : l == NULL;
        if (!ok)
            fail_msg("'%s': literals '%s', want '%s'", cases[i].pattern, l ? got : "(none)",
                     cases[i].lits ? cases[i].lits : "(none)");
        engPatternLiteralsFree(l);
    }
    char *none[] = {NULL};
    char *lits[] = {"pcep", "pcap", NULL};
    assert_int_equal(engPatternMayMatch(lits, "is the pcap worth it", 1), 1);
    assert_int_equal(engPatternMayMatch(lits, "is the cert worth it", 1), 0);
    assert_int_equal(engPatternMayMatch(lits, "is the cert worth it", 0), 1); /* not plain */
    assert_int_equal(engPatternMayMatch(NULL, "anything", 1), 1);
    assert_int_equal(engPatternMayMatch(none, "anything", 1), 0);
    assert_int_equal(engPlainLower("plain text, 2026!"), 1);
    assert_int_equal(engPlainLower("Capital"), 0);
    assert_int_equal(engPlainLower("caf\xc3\xa9"), 0);
}

static pcre2_code *compile(const char *re) {
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *c = kbPatternCompile(re, &ec, &eo); /* as the bot compiles them */
    assert_non_null(c);
    return c;
}

static int matches(const pcre2_code *c, const char *s, size_t n, pcre2_match_data *md) {
    return pcre2_match(c, (PCRE2_SPTR)s, n, 0, 0, md, NULL) >= 0;
}

/* Every eval question, normalized like the engine does. */
static size_t loadQuestions(char ***out) {
    glob_t g;
    size_t n = 0;
    char **qs = NULL;
    assert_int_equal(glob("tests/eval/*.jsonl", 0, NULL, &g), 0);
    for (size_t f = 0; f < g.gl_pathc; f++) {
        FILE *fp = fopen(g.gl_pathv[f], "r");
        assert_non_null(fp);
        char line[4096];
        while (fgets(line, sizeof(line), fp)) {
            json_t *j = json_loads(line, 0, NULL);
            const char *q = json_string_value(json_object_get(j, "q"));
            char *norm;
            size_t nl;
            if (q && txtNormalize(q, strlen(q), &norm, &nl, NULL) == CB_OK) {
                qs = cbRealloc(qs, (n + 1) * sizeof(*qs));
                qs[n++] = norm;
            }
            json_decref(j);
        }
        fclose(fp);
    }
    globfree(&g);
    *out = qs;
    return n;
}

/* Sound: the filter never rejects a question its pattern accepts, and it
 * rejects most questions (what it is for). */
static void testSoundOnKnowledge(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad("knowledge", &d);
    assert_non_null(k);
    char **qs;
    size_t nq = loadQuestions(&qs);
    assert_true(nq > 1000);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    size_t filtered = 0, tried = 0, with_filter = 0;
    for (size_t e = 0; e < k->nentries; e++) {
        for (size_t p = 0; p < k->entries[e].patterns.n; p++) {
            const char *pat = k->entries[e].patterns.v[p];
            char *fs = engPatternFilter(pat);
            if (!fs) continue;
            with_filter++;
            pcre2_code *full = compile(pat), *filter = compile(fs);
            for (size_t i = 0; i < nq; i++) {
                size_t len = strlen(qs[i]);
                int fm = matches(filter, qs[i], len, md);
                tried++;
                filtered += !fm;
                if (matches(full, qs[i], len, md) && !fm)
                    fail_msg("%s: '%s' matches the pattern, not its filter '%s'", pat, qs[i], fs);
            }
            pcre2_code_free(full);
            pcre2_code_free(filter);
            free(fs);
        }
    }
    assert_true(with_filter > 0);
    assert_true(filtered * 10 > tried * 9); /* nine in ten skip the full pattern */
    size_t skipped = 0, with_lits = 0;
    tried = 0;
    for (size_t e = 0; e < k->nentries; e++)
        for (size_t p = 0; p < k->entries[e].patterns.n; p++) {
            const char *pat = k->entries[e].patterns.v[p];
            char **lits = engPatternLiterals(pat);
            with_lits += lits != NULL;
            pcre2_code *full = compile(pat);
            for (size_t i = 0; i < nq; i++) {
                int may = engPatternMayMatch(lits, qs[i], engPlainLower(qs[i]));
                tried++;
                skipped += !may;
                if (!may && matches(full, qs[i], strlen(qs[i]), md))
                    fail_msg("%s: '%s' matches the pattern, but holds none of its literals", pat,
                             qs[i]);
            }
            pcre2_code_free(full);
            engPatternLiteralsFree(lits);
        }
    assert_true(with_lits * 10 > 40 * 9 / 10 * 10 / 10); /* most patterns have some */
    assert_true(skipped * 10 > tried * 8); /* eight in ten are not run at all */
    pcre2_match_data_free(md);
    for (size_t i = 0; i < nq; i++) free(qs[i]);
    free(qs);
    kbFree(k);
    cbDiagsFree(&d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testSplit),
        cmocka_unit_test(testLiterals),
        cmocka_unit_test(testSoundOnKnowledge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
