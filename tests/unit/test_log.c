/* test_log.c - the logger cannot be made to forge fields: a value holding
 * '"', '\', a newline and "key=value" stays one value on one line (logfmt
 * parsed back here, JSON parsed with jansson); JSON numbers are numbers;
 * levels filter; registered secrets are redacted in values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/redact.h"

static const char *hostile = "hi\" admin=true \\\" x=\\ \nlevel=error event=pwned";

/* Run one logEvent into a memory file; returns the text (caller frees). */
static char *capture(int json, logLevel level, void (*emit)(void)) {
    char *mem = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&mem, &n);
    assert_non_null(f);
    logInit(level, json, f);
    emit();
    fclose(f);
    logInit(LOG_INFO, 0, NULL);
    return mem;
}

/* A small logfmt reader (the grammar of go-logfmt): key=value, value bare
 * or quoted with backslash escapes. Stores the keys in order. */
static int parseLogfmt(const char *s, char keys[][32], char vals[][256], int max) {
    int n = 0;
    while (*s && *s != '\n') {
        while (*s == ' ') s++;
        if (!*s || *s == '\n') break;
        if (n == max) return -1;
        int k = 0;
        while (*s && *s != '=' && *s != ' ' && *s != '\n' && k < 31) keys[n][k++] = *s++;
        keys[n][k] = '\0';
        int v = 0;
        if (*s == '=') {
            s++;
            if (*s == '"') {
                for (s++; *s && *s != '"'; s++) {
                    if (*s == '\n') return -1; /* an event is one line */
                    if (*s == '\\') {
                        s++;
                        if (*s == 'n') vals[n][v++] = '\n';
                        else vals[n][v++] = *s;
                    } else {
                        vals[n][v++] = *s;
                    }
                    if (v >= 255) return -1;
                }
                if (*s != '"') return -1;
                s++;
            } else {
                while (*s && *s != ' ' && *s != '\n' && v < 255) vals[n][v++] = *s++;
            }
        }
        vals[n][v] = '\0';
        n++;
    }
    return n;
}

static void emitHostile(void) {
    logEvent(LOG_INFO, "question", "platform=%s n=%d confidence=%.3f text=\"%s\" bare=%s",
             "slack", 42, 0.5, hostile, hostile);
}

static void test_logfmt_value_cannot_add_a_field(void **state) {
    (void)state;
    char *line = capture(0, LOG_INFO, emitHostile);
    char *nl = strchr(line, '\n');
    assert_non_null(nl);
    assert_string_equal(nl + 1, ""); /* exactly one line */
    char keys[16][32], vals[16][256];
    int n = parseLogfmt(line, keys, vals, 16);
    const char *want[] = {"ts", "level", "event", "platform", "n", "confidence", "text", "bare"};
    assert_int_equal(n, 8);
    for (int i = 0; i < 8; i++) assert_string_equal(keys[i], want[i]);
    assert_string_equal(vals[1], "info");
    assert_string_equal(vals[2], "question");
    assert_string_equal(vals[4], "42");
    assert_string_equal(vals[6], hostile); /* round-trips exactly */
    assert_string_equal(vals[7], hostile);
    free(line);
}

static void test_json_value_cannot_add_a_field(void **state) {
    (void)state;
    char *line = capture(1, LOG_INFO, emitHostile);
    json_error_t je;
    json_t *o = json_loads(line, 0, &je);
    assert_non_null(o);
    assert_int_equal(json_object_size(o), 8);
    assert_string_equal(json_string_value(json_object_get(o, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(o, "event")), "question");
    assert_string_equal(json_string_value(json_object_get(o, "text")), hostile);
    assert_string_equal(json_string_value(json_object_get(o, "bare")), hostile);
    assert_null(json_object_get(o, "admin"));
    json_decref(o);
    free(line);
}

static void emitNumbers(void) {
    logEvent(LOG_WARN, "numbers", "n=%d big=%lld size=%zu neg=%ld ms=%.1f ratio=%.3f "
             "shard=%d/%d id=%s quoted=\"%d\" word=abc",
             7, 9007199254740993LL, (size_t)12, -3L, 12.5, 0.25, 1, 2, "123", 5);
}

static void test_json_numbers_are_numbers(void **state) {
    (void)state;
    char *line = capture(1, LOG_INFO, emitNumbers);
    json_t *o = json_loads(line, 0, NULL);
    assert_non_null(o);
    assert_true(json_is_integer(json_object_get(o, "n")));
    assert_int_equal(json_integer_value(json_object_get(o, "n")), 7);
    assert_int_equal(json_integer_value(json_object_get(o, "big")), 9007199254740993LL);
    assert_int_equal(json_integer_value(json_object_get(o, "size")), 12);
    assert_int_equal(json_integer_value(json_object_get(o, "neg")), -3);
    assert_true(json_is_real(json_object_get(o, "ms")));
    assert_float_equal(json_real_value(json_object_get(o, "ms")), 12.5, 1e-9);
    assert_float_equal(json_real_value(json_object_get(o, "ratio")), 0.25, 1e-9);
    /* text around a number, a string argument and a quoted value stay text */
    assert_string_equal(json_string_value(json_object_get(o, "shard")), "1/2");
    assert_string_equal(json_string_value(json_object_get(o, "id")), "123");
    assert_string_equal(json_string_value(json_object_get(o, "quoted")), "5");
    assert_string_equal(json_string_value(json_object_get(o, "word")), "abc");
    assert_string_equal(json_string_value(json_object_get(o, "level")), "warn");
    json_decref(o);
    free(line);
}

static void emitDebug(void) { logEvent(LOG_DEBUG, "quiet", "n=%d", 1); }

static void test_level_filters(void **state) {
    (void)state;
    char *line = capture(0, LOG_INFO, emitDebug);
    assert_string_equal(line, "");
    free(line);
    line = capture(0, LOG_DEBUG, emitDebug);
    assert_non_null(strstr(line, "event=quiet n=1\n"));
    free(line);
}

static void emitSecret(void) {
    logEvent(LOG_ERROR, "http.failed", "error=\"%s\" url=%s", "bad xoxb-1234567890-secret!",
             "https://x/?t=xoxb-1234567890-secret");
}

static void test_secrets_redacted_in_values(void **state) {
    (void)state;
    logAddSecret("xoxb-1234567890-secret");
    char *line = capture(0, LOG_INFO, emitSecret);
    logClearSecrets();
    assert_null(strstr(line, "1234567890"));
    assert_non_null(strstr(line, "[redacted]"));
    free(line);
}

/* redactBytes: every part between NULs scrubbed, the NULs kept. */
static void test_redact_bytes_across_nuls(void **state) {
    (void)state;
    static const char in[] = "a xoxb-1234567890-abcdefghij\0b xoxp-1234567890-zyxwvutsrq\0c";
    char buf[sizeof(in)];
    memcpy(buf, in, sizeof(in));
    int hits = -1;
    size_t n = redactBytes(buf, sizeof(in) - 1, &hits);
    static const char want[] = "a [redacted]\0b [redacted]\0c";
    assert_int_equal(hits, 2);
    assert_int_equal(n, sizeof(want) - 1);
    assert_memory_equal(buf, want, sizeof(want)); /* with the terminating NUL */
    char none[] = "no secret here";
    assert_int_equal(redactBytes(none, strlen(none), &hits), strlen("no secret here"));
    assert_int_equal(hits, 0);
    assert_string_equal(none, "no secret here");
}

static void emitBadUtf8(void) { logEvent(LOG_INFO, "bytes", "text=\"%s\"", "caf\xc3\xa9 \xff\xfe ok"); }

static void test_invalid_utf8_still_logs_json(void **state) {
    (void)state;
    char *line = capture(1, LOG_INFO, emitBadUtf8);
    json_t *o = json_loads(line, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "text")), "caf\xc3\xa9 ?? ok");
    json_decref(o);
    free(line);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logfmt_value_cannot_add_a_field),
        cmocka_unit_test(test_json_value_cannot_add_a_field),
        cmocka_unit_test(test_json_numbers_are_numbers),
        cmocka_unit_test(test_level_filters),
        cmocka_unit_test(test_secrets_redacted_in_values),
        cmocka_unit_test(test_redact_bytes_across_nuls),
        cmocka_unit_test(test_invalid_utf8_still_logs_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
