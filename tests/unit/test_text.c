/* test_text.c - the text analyzer: normalization and tokens (a table of
 * input -> surface tokens and stems), stop words, UTF-8 errors, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/common.h"
#include "match/text.h"

/* Tokens joined by spaces, "raw" or "stem". */
static char *joined(const txtToks *t, int stems) {
    size_t cap = 1;
    for (size_t i = 0; i < t->n; i++) cap += strlen(stems ? txtStem(t, i) : txtRaw(t, i)) + 1;
    char *s = calloc(1, cap);
    for (size_t i = 0; i < t->n; i++) {
        if (i) strcat(s, " ");
        strcat(s, stems ? txtStem(t, i) : txtRaw(t, i));
    }
    return s;
}

typedef struct {
    const char *in, *raw, *stem;
} tokCase;

static const tokCase CASES[] = {
    {"How do I learn Django?", "learn django", "learn django"},
    {"C++ vs C# vs .NET", "c++ vs c# vs .net", "c++ vs c# vs .net"},
    {"CI/CD pipelines", "ci/cd ci cd pipelines", "ci/cd ci cd pipelin"},
    {"ml/ai certs", "ml/ai ml ai certs", "ml/ai ml ai cert"},
    {"python/django or node.js", "python django node.js", "python django node.js"},
    {"I know python.What next", "python next", "python next"},
    {"Python 3.12 released", "python 3.12 released", "python 3.12 releas"},
    {"Café naïve résumé", "cafe naive resume", "cafe naiv resum"},
    {"ＰＹＴＨＯＮ ｄｅｖ", "python dev", "python dev"},
    {"What’s a developer’s salary", "developer's salary", "develop salari"},
    {"Is a bootcamp worth it without a degree", "bootcamp worth without degree",
     "bootcamp worth without degre"},
    {"not worth", "not worth", "not worth"},
    {"python+django", "python django", "python django"},
    {"select_related example", "select_related example", "select_related exampl"},
    {"STRASSE straße", "strasse strasse", "strass strass"},
    {"the of and a to", "", ""},
    {"", "", ""},
    {"line1\nline2\ttab", "line1 line2 tab", "line1 line2 tab"},
    {"привет мир", "привет мир", "привет мир"},
    {"...///+++###", "", ""},
    {"e.g. ui/ux", "e.g ui/ux ui ux", "e.g ui/ux ui ux"},
};

static void testTokenTable(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    txtCtx *c = txtNew(err);
    assert_non_null(c);
    int bad = 0;
    for (size_t i = 0; i < CB_ARRAY_LEN(CASES); i++) {
        txtToks t;
        txtToksInit(&t);
        assert_int_equal(txtAnalyze(c, CASES[i].in, strlen(CASES[i].in), &t, err), CB_OK);
        char *raw = joined(&t, 0), *stem = joined(&t, 1);
        if (strcmp(raw, CASES[i].raw) || strcmp(stem, CASES[i].stem)) {
            print_error("case %zu '%s': got raw '%s' stem '%s', want '%s' / '%s'\n", i,
                        CASES[i].in, raw, stem, CASES[i].raw, CASES[i].stem);
            bad++;
        }
        free(raw);
        free(stem);
        txtToksFree(&t);
    }
    txtFree(c);
    assert_int_equal(bad, 0);
}

/* Invalid UTF-8 and NUL bytes are errors with a message, never a crash. */
static void testBadInput(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    txtCtx *c = txtNew(err);
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {{"abc\xff", 4}, {"a\0b", 3}, {"\xc3", 1}, {"\xed\xa0\x80", 3}, {"\xc0\xaf", 2}};
    for (size_t i = 0; i < CB_ARRAY_LEN(bad); i++) {
        txtToks t;
        txtToksInit(&t);
        err[0] = '\0';
        assert_int_equal(txtAnalyze(c, bad[i].s, bad[i].n, &t, err), CB_ERR);
        assert_non_null(strstr(err, "UTF-8"));
        assert_int_equal(t.n, 0);
        txtToksFree(&t);
    }
    txtFree(c);
}

/* A huge token is cut to TXT_MAX_TOKEN bytes on a character boundary. */
static void testLongToken(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    txtCtx *c = txtNew(err);
    size_t n = 3000;
    char *s = malloc(n * 2 + 1);
    for (size_t i = 0; i < n; i++) memcpy(s + 2 * i, "\xc3\xa9", 2); /* é */
    s[2 * n] = '\0';
    txtToks t;
    txtToksInit(&t);
    assert_int_equal(txtAnalyze(c, s, 2 * n, &t, err), CB_OK);
    assert_int_equal(t.n, 1);
    assert_true(strlen(txtRaw(&t, 0)) <= TXT_MAX_TOKEN);
    assert_true(strlen(txtRaw(&t, 0)) >= TXT_MAX_TOKEN - 3);
    assert_int_equal(cbValidUtf8(txtRaw(&t, 0), strlen(txtRaw(&t, 0))), 1);
    txtToksFree(&t);
    free(s);
    txtFree(c);
}

/* Stop words: the list is found by binary search, so check a few on both
 * sides, including the ones we keep on purpose. */
static void testStopWords(void **state) {
    (void)state;
    const char *stop[] = {"a", "the", "i'm", "what's", "yours", "about", "how", "with", "else", "yeah"};
    const char *keep[] = {"not", "no", "without", "vs", "worth", "best", "python", "job"};
    for (size_t i = 0; i < CB_ARRAY_LEN(stop); i++) assert_true(txtIsStop(stop[i]));
    for (size_t i = 0; i < CB_ARRAY_LEN(keep); i++) assert_false(txtIsStop(keep[i]));
}

/* The ASCII fast path finds exactly the tokens PCRE2 finds. */
static void testAsciiFastPath(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    txtCtx *fast = txtNew(err), *slow = txtNew(err);
    txtPcreOnly(slow, 1);
    const char alphabet[] = "ab cZ9_.'+#/-!?\t.net c++ ci/cd node.js";
    unsigned seed = 12345;
    for (int n = 0; n < 3000; n++) {
        char s[64];
        size_t len = (size_t)(n % 60);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            s[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        txtToks a, b;
        txtToksInit(&a);
        txtToksInit(&b);
        assert_int_equal(txtAnalyze(fast, s, len, &a, err), CB_OK);
        assert_int_equal(txtAnalyze(slow, s, len, &b, err), CB_OK);
        char *ja = joined(&a, 0), *jb = joined(&b, 0);
        if (strcmp(ja, jb)) fail_msg("'%.*s': fast '%s' pcre '%s'", (int)len, s, ja, jb);
        free(ja);
        free(jb);
        txtToksFree(&a);
        txtToksFree(&b);
    }
    txtFree(fast);
    txtFree(slow);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testTokenTable),
        cmocka_unit_test(testBadInput),
        cmocka_unit_test(testLongToken),
        cmocka_unit_test(testStopWords),
        cmocka_unit_test(testAsciiFastPath),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
