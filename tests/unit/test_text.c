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
#include <utf8proc.h>

#include "base/common.h"
#include "kb/kb.h"
#include "match/text.h"

/* A context with the built-in stop words (the bundled stopwords.txt). */
static txtCtx *newCtx(void) {
    kbStrs stop;
    char err[CB_ERRLEN];
    kbStopWordsBuiltIn(&stop);
    txtCtx *c = txtNew((const char *const *)stop.v, stop.n, err);
    kbStrsFree(&stop);
    assert_non_null(c);
    return c;
}

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
    {"$120k or 60k\xe2\x82\xac?", "$ 120k 60k \xe2\x82\xac", "$ 120k 60k \xe2\x82\xac"},
    {"\xc2\xa3""35k, \xe2\x82\xb9""6 lpa", "\xc2\xa3 35k \xe2\x82\xb9 6 lpa",
     "\xc2\xa3 35k \xe2\x82\xb9 6 lpa"},
    {"echo $PATH", "echo path", "echo path"},
    {"$_POST or $1 or \xe2\x82\xac" "euro or $ 5", "_post $ 1 euro $ 5", "_post $ 1 euro $ 5"},
    {"\xe2\x82\xac" "uro \xc2\xa3" "5k", "uro \xc2\xa3 5k", "uro \xc2\xa3 5k"},
};

static void testTokenTable(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    txtCtx *c = newCtx();
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
    txtCtx *c = newCtx();
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
    txtCtx *c = newCtx();
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

/* Stop words: the built-in list drops function words and keeps the
 * words that change what is asked. */
static void testStopWords(void **state) {
    (void)state;
    txtCtx *c = newCtx();
    const char *stop[] = {"a", "the", "i'm", "what's", "yours", "about", "how", "with", "else", "yeah"};
    const char *keep[] = {"not", "no", "without", "vs", "worth", "best", "python", "job"};
    for (size_t i = 0; i < CB_ARRAY_LEN(stop); i++) assert_true(txtIsStop(c, stop[i]));
    for (size_t i = 0; i < CB_ARRAY_LEN(keep); i++) assert_false(txtIsStop(c, keep[i]));
    txtFree(c);
}

/* A given list is normalized like questions (case, accents, typographic
 * apostrophes); duplicates and what is not one word are dropped; the
 * tokens then leave exactly those words out. */
static void testStopWordsGiven(void **state) {
    (void)state;
    const char *given[] = {"Python", "I\xe2\x80\x99m", "\xc3\x9c" "ber", "two words", "", "python"};
    char err[CB_ERRLEN];
    txtCtx *c = txtNew(given, CB_ARRAY_LEN(given), err);
    assert_non_null(c);
    size_t n;
    const char *const *w = txtStopWords(c, &n);
    assert_int_equal(n, 3);
    assert_string_equal(w[0], "python");
    assert_string_equal(w[1], "i'm");
    assert_string_equal(w[2], "uber");
    assert_false(txtIsStop(c, "the"));
    txtToks t;
    txtToksInit(&t);
    const char *q = "I'm the PYTHON dev at Uber";
    assert_int_equal(txtAnalyze(c, q, strlen(q), &t, err), CB_OK);
    char *got = joined(&t, 0);
    assert_string_equal(got, "the dev at");
    assert_int_equal(t.nstop, 3);
    free(got);
    txtToksFree(&t);
    txtFree(c);
    c = txtNew(NULL, 0, err); /* an empty stopwords.txt */
    assert_non_null(c);
    assert_false(txtIsStop(c, "a"));
    txtFree(c);
}

/* The ASCII fast path finds exactly the tokens PCRE2 finds. */
static void testAsciiFastPath(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    txtCtx *fast = newCtx(), *slow = newCtx();
    txtPcreOnly(slow, 1);
    const char alphabet[] = "ab cZ9_.'+#/-!?$\t.net c++ ci/cd node.js";
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

/* Texts beyond ASCII: tokenizeAscii is used when every non-ASCII
 * character is a separator; it must find exactly the tokens PCRE2 finds,
 * on analyzed texts and on raw ones (symbols, dashes, quotes, connector
 * punctuation, letters, marks, digits and numbers of other scripts). */
static void testNonAsciiSeparators(void **state) {
    (void)state;
    static const char *const parts[] = {
        "ab", " ", "c++", ".net", "x/y", "'", ".", "_", "9", "\xe2\x86\x92", "\xe2\x82\xac",
        "\xe2\x9c\x93", "\xe2\x80\x94", "\xe2\x80\x9c", "\xc2\xab", "\xc2\xa0", "\xe2\x80\xaf",
        "\xe2\x80\x8b", "\xe2\x80\xbf", "\xc2\xb2", "\xc2\xbd", "\xd9\xa3", "\xe2\x85\xab",
        "\xc3\xa9", "\xcc\x81", "\xe4\xb8\xad", "\xd0\xb6", "\xe0\xa4\x95", "\xf0\x9f\x98\x80",
        "\xc2\xbf", "\xef\xbc\x81", "\xe3\x80\x82", "\xca\xb0", "\xcd\xb8",
    };
    char err[CB_ERRLEN];
    txtCtx *fast = newCtx(), *slow = newCtx();
    txtPcreOnly(slow, 1);
    unsigned seed = 99;
    for (int k = 0; k < 6000; k++) {
        char s[24 * 8 + 1];
        size_t len = 0, n = (seed = seed * 1103515245u + 12345u) >> 16 & 15;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *p = parts[(seed >> 16) % CB_ARRAY_LEN(parts)];
            memcpy(s + len, p, strlen(p));
            len += strlen(p);
        }
        s[len] = '\0';
        for (int raw = 0; raw < 2; raw++) {
            txtToks a, b;
            txtToksInit(&a);
            txtToksInit(&b);
            if (raw) {
                txtTokenize(fast, s, len, &a);
                txtTokenize(slow, s, len, &b);
            } else {
                assert_int_equal(txtAnalyze(fast, s, len, &a, err), CB_OK);
                assert_int_equal(txtAnalyze(slow, s, len, &b, err), CB_OK);
            }
            char *ja = joined(&a, 0), *jb = joined(&b, 0);
            if (strcmp(ja, jb)) fail_msg("'%s' (raw %d): fast '%s' pcre '%s'", s, raw, ja, jb);
            free(ja);
            free(jb);
            txtToksFree(&a);
            txtToksFree(&b);
        }
    }
    txtFree(fast);
    txtFree(slow);
}

/* Characters that decompose, compose, fold, lump, are ignorable, or are
 * marks after Latin and non-Latin bases: what could behave differently
 * when a text is normalized in pieces instead of whole. */
static const char *const TRICKY[] = {
    "a", "Z", " ", "<", "=", "9", "\t", "\n", "\r", "\x01", "\x7f", ".", "'",
    "\xc3\xa9", "\xcc\x81", "\xcc\x88", "\xcd\x85", "\xcd\x84", "\xcc\xb8", "\xef\xbc\xa1",
    "\xef\xac\x81", "\xe2\x91\xa0", "\xe2\x80\x9c", "\xe2\x80\x9d", "\xe2\x80\x99", "\xe2\x80\x94",
    "\xe2\x80\xa6", "\xc2\xa0", "\xc2\xad", "\xe2\x80\x8d", "\xe1\x84\x80", "\xe1\x85\xa1",
    "\xe1\x86\xa8", "\xea\xb0\x80", "\xe0\xa4\x95", "\xe0\xa5\x8d", "\xe0\xa4\xbf", "\xc3\x9f",
    "\xc4\xb0", "\xce\xa3", "\xcf\x82", "\xd0\x99", "\xd0\x98", "\xcc\x86", "\xef\xb7\xba",
    "\xc7\x84", "\xe3\x8e\x8f", "\xc2\xbd", "\xe2\x85\xab", "\xe0\xb3\x95", "\xe0\xb2\xbf",
    "\xe0\xad\x87", "\xe0\xac\xbe", "\xe1\xac\x85", "\xe1\xac\xb5", "\xe2\x82\xac",
};

/* A text of up to max tricky characters, from *seed. */
static size_t trickyText(unsigned *seed, char *s, size_t max) {
    size_t len = 0, n = *seed % max;
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1103515245u + 12345u;
        const char *c = TRICKY[(*seed >> 16) % CB_ARRAY_LEN(TRICKY)];
        memcpy(s + len, c, strlen(c));
        len += strlen(c);
    }
    s[len] = '\0';
    return len;
}

/* What txtNormalize gives a non-ASCII text, done on the whole text at once
 * (the definition it must keep while it works in pieces). */
static char *normWhole(const char *s, size_t len) {
    const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                                  UTF8PROC_CASEFOLD | UTF8PROC_STRIPCC | UTF8PROC_IGNORE |
                                  UTF8PROC_LUMP;
    utf8proc_ssize_t n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                                            NULL, 0, opt);
    assert_true(n >= 0);
    utf8proc_int32_t *cp = calloc((size_t)n + 1, sizeof(*cp));
    n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cp, n, opt);
    utf8proc_ssize_t m = 0;
    utf8proc_int32_t base = 0;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        utf8proc_category_t cat = utf8proc_category(cp[i]);
        int mark = cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
                   cat == UTF8PROC_CATEGORY_ME;
        if (mark && base < 0x0530) continue;
        if (!mark) base = cp[i];
        cp[m++] = cp[i];
    }
    m = utf8proc_reencode(cp, m, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    assert_true(m >= 0);
    return (char *)cp;
}

/* Normalizing in pieces gives exactly what normalizing whole gives. */
static void testNormalizeInPieces(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    unsigned seed = 777;
    for (int k = 0; k < 20000; k++) {
        char s[40 * 4 + 1];
        seed = seed * 1103515245u + 12345u;
        size_t len = trickyText(&seed, s, 40);
        char *out = NULL;
        size_t outlen = 0;
        assert_int_equal(txtNormalize(s, len, &out, &outlen, err), CB_OK);
        int ascii = 1;
        for (size_t i = 0; i < len; i++) ascii &= (unsigned char)s[i] < 0x80;
        if (!ascii) {
            char *want = normWhole(s, len);
            if (strlen(want) != outlen || memcmp(want, out, outlen) != 0)
                fail_msg("'%s': pieces '%.*s', whole '%s'", s, (int)outlen, out, want);
            free(want);
        }
        free(out);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testTokenTable),
        cmocka_unit_test(testBadInput),
        cmocka_unit_test(testLongToken),
        cmocka_unit_test(testStopWords),
        cmocka_unit_test(testStopWordsGiven),
        cmocka_unit_test(testAsciiFastPath),
        cmocka_unit_test(testNormalizeInPieces),
        cmocka_unit_test(testNonAsciiSeparators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
