/* test_buf.c - bounded buffers: the size limit holds, and the JSON that
 * hot paths write by hand (bufJsonStr, bufJsonReal) is byte for byte what
 * jansson's json_dumps(JSON_COMPACT) writes for the same value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"

static void test_limit(void **state) {
    (void)state;
    cbBuf b;
    bufInit(&b, 8);
    assert_int_equal(bufAppendStr(&b, "12345678"), CB_OK);
    assert_int_equal(bufAppendStr(&b, "9"), CB_ERR);
    assert_string_equal(bufStr(&b), "12345678");
    bufReset(&b);
    assert_int_equal(bufJsonStr(&b, "123456"), CB_OK); /* 8 with the quotes */
    assert_int_equal(bufJsonStr(&b, ""), CB_ERR);
    bufFree(&b);
}

static void test_json_string_as_jansson(void **state) {
    (void)state;
    const char *cases[] = {"", "plain", "C0123ABC", "1600000000.000001", "q\"uo\\te", "a/b</script>",
                           "tab\there\nnl\rcr\bbs\fff", "\x01\x1f\x7f", "caf\xC3\xA9 \xE2\x9C\x85 \xF0\x9F\x98\x80",
                           "env-1-000001"};
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        json_t *j = json_string(cases[i]);
        char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        cbBuf b;
        bufInit(&b, 1 << 10);
        assert_int_equal(bufJsonStr(&b, cases[i]), CB_OK);
        assert_string_equal(bufStr(&b), want);
        bufFree(&b);
        free(want);
        json_decref(j);
    }
}

static void test_json_real_as_jansson(void **state) {
    (void)state;
    const double cases[] = {0, 1, -1, 0.5, 1.0 / 3, 0.1 + 0.2, 0.87, 1e-7, 1.5e-300, 1e21, 2e22,
                            123456789012345678.0, -2.5e-5, 100, 0.9999999999999999};
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        json_t *j = json_real(cases[i]);
        char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        cbBuf b;
        bufInit(&b, 1 << 10);
        assert_int_equal(bufJsonReal(&b, cases[i]), CB_OK);
        assert_string_equal(bufStr(&b), want);
        bufFree(&b);
        free(want);
        json_decref(j);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_json_string_as_jansson),
        cmocka_unit_test(test_json_real_as_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
