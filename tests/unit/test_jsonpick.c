/* test_jsonpick.c - jpickLoad against jansson's json_loadb: the same
 * verdict on every input (hostile UTF-8, escapes, surrogates, numbers,
 * depth, trailing bytes), the same tree when everything is wanted, and
 * json_loadb's tree with the unwanted keys removed when some are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/jsonpick.h"
#include "tests/support/jsonprune.h"

static const jpickKey profile[] = {{"name", NULL}, {NULL, NULL}};
static const jpickKey event[] = {{"text", NULL}, {"user", NULL}, {"profile", profile}, {NULL, NULL}};
static const jpickKey top[] = {{"type", NULL}, {"n", NULL}, {"event", event}, {NULL, NULL}};

/* Same verdict as json_loadb, and the same (pruned) tree. */
static void same(const char *text, size_t len) {
    json_error_t je;
    json_t *ref = json_loadb(text, len, 0, &je);
    for (int i = 0; i < 2; i++) {
        const jpickKey *want = i ? top : NULL;
        char err[CB_ERRLEN] = "";
        json_t *got = jpickLoad(text, len, want, err);
        if (!ref != !got)
            fail_msg("%.*s: jansson %s, jpick %s", (int)(len < 80 ? len : 80), text,
                     ref ? "accepts" : je.text, got ? "accepts" : err);
        if (!got) {
            assert_true(err[0] != '\0');
            continue;
        }
        json_t *exp = jsonPrune(ref, want);
        if (!json_equal(exp, got)) fail_msg("%.*s: trees differ", (int)(len < 80 ? len : 80), text);
        json_decref(exp);
        json_decref(got);
    }
    json_decref(ref);
}

static void sameStr(const char *text) { same(text, strlen(text)); }

static void test_valid_documents(void **state) {
    (void)state;
    static const char *docs[] = {
        "{}", "[]", " \t\r\n{ } ", "[1,-0,0.5,-1.25e+3,1E-2,true,false,null,\"s\"]",
        "{\"type\":\"events_api\",\"n\":9223372036854775807,\"skip\":[{\"x\":{\"y\":[1,2]}}],"
        "\"event\":{\"text\":\"caf\xC3\xA9 \\u00e9\\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\","
        "\"blocks\":[{\"type\":\"rich_text\",\"elements\":[{\"type\":\"text\",\"text\":\"\xF0\x9F\x98\x80\"}]}],"
        "\"user\":\"U1\",\"profile\":{\"name\":\"Ann\",\"real\":\"Ann B\"}}}",
        "{\"n\":-9223372036854775808,\"x\":1e-400,\"type\":1.5}",
        "{\"event\":\"not an object\",\"type\":[{\"type\":1}]}",
        "{\"type\":1,\"type\":2,\"event\":{},\"event\":{\"user\":null}}", /* the last wins */
        "{\"\":1,\"typ\":2,\"types\":3,\"event\":{\"profile\":[{\"name\":1,\"x\":2}]}}",
        "[{\"type\":1,\"drop\":2}]", "{\"k\":\"\x7F\xEF\xBF\xBF\xF4\x8F\xBF\xBF\"}",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) sameStr(docs[i]);
}

static void test_invalid_documents(void **state) {
    (void)state;
    static const char *docs[] = {
        "", " ", "1", "\"s\"", "true", "{} x", "{}{}", "{", "[", "{\"a\"}", "{\"a\" 1}",
        "{\"a\":1,}", "[1,]", "[,1]", "{1:2}", "{'a':1}", "[tru]", "[True]", "[nulll]",
        "[01]", "[1.]", "[.5]", "[-]", "[1e]", "[1e+]", "[--1]", "[+1]", "[0x1]",
        "[9223372036854775808]", "[-9223372036854775809]", "[1e400]", "[-1e400]",
        "[\"\\u0000\"]", "{\"\\u0000\":1}", "[\"\\ud800\"]", "[\"\\udc00\"]",
        "[\"\\ud800\\u0041\"]", "[\"\\ud800\\n\"]", "[\"\\u12\"]", "[\"\\u12G4\"]", "[\"\\x\"]",
        "[\"\\", "[\"abc", "[\"a\tb\"]", "[\"a\nb\"]", "[\"\x01\"]",
        "{\"skip\":\"\xC0\x80\"}", "{\"skip\":\"\xE0\x80\x80\"}", "{\"skip\":\"\xED\xA0\x80\"}",
        "{\"skip\":\"\xF4\x90\x80\x80\"}", "{\"skip\":\"\xF5\x80\x80\x80\"}", "{\"skip\":\"\x80\"}",
        "{\"skip\":\"\xE2\x82\"}", "{\"skip\":\"\xE2\x82", "{\"skip\":\xC3\xA9}", "\xEF\xBB\xBF{}",
        "{\"event\":{\"blocks\":[{\"text\":\"\xFF\"}]}}", "{\"skip\":[1 2]}", "{\"skip\":{\"a\":}}",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) sameStr(docs[i]);
    same("[\"a\0b\"]", 7); /* a NUL byte in the text */
    same("{\"a\":1}\0", 8);
    char err[CB_ERRLEN]; /* jansson skips a NUL byte after a number or literal; not jpick */
    assert_null(jpickLoad("{\"\":9234\0}", 10, NULL, err));
    assert_null(jpickLoad("[true\0]", 7, NULL, err));
}

/* jansson's depth limit: 2048 nested values, the innermost counted. */
static void test_depth(void **state) {
    (void)state;
    for (size_t depth = 2046; depth <= 2050; depth++) {
        char *t = cbMalloc(2 * depth + 2);
        memset(t, '[', depth);
        t[depth] = '1';
        memset(t + depth + 1, ']', depth);
        same(t, 2 * depth + 1);
        same(t, 2 * depth + 1 - 1); /* unclosed */
        memset(t + depth, ']', depth); /* empty innermost */
        same(t, 2 * depth);
        free(t);
    }
}

/* Every prefix of a good document is rejected, never read past its end. */
static void test_truncated(void **state) {
    (void)state;
    const char *doc = "{\"type\":\"x\",\"event\":{\"text\":\"\\ud83d\\ude00 caf\xC3\xA9\",\"n\":-12.5e3,"
                      "\"user\":[true,false,null]}}";
    size_t len = strlen(doc);
    for (size_t n = 0; n < len; n++) {
        char *t = cbMalloc(n ? n : 1);
        memcpy(t, doc, n);
        same(t, n);
        free(t);
    }
    sameStr(doc);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_documents),
        cmocka_unit_test(test_invalid_documents),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
