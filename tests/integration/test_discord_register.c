/* test_discord_register.c - `careerbot discord register` as a user runs it,
 * against the fake Discord: a guild and a global bulk overwrite with the
 * /faq definition (question with autocomplete, topic choices from the
 * knowledge, help), and a rejected token exiting 78 without printing it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tproc.h"

#define TOKEN "reg-test-token.Abc123_secret-value"
#define APP "100000000000000002"
#define GUILD "500000000000000001"

typedef struct regFixture {
    tpProc fake;
    int port;
    char base[64];
} regFixture;

static int setup(void **state) {
    regFixture *f = calloc(1, sizeof(*f));
    *state = f;
    f->port = tpFreePort();
    char *bin = tpBuildPath("san/fake_discord");
    char port[16];
    snprintf(port, sizeof(port), "%d", f->port);
    char *argv[] = {bin, "--port", port, "--token", TOKEN, "--seconds", "30", NULL};
    int rc = tpSpawn(&f->fake, argv, NULL, 0);
    free(bin);
    snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", f->port);
    char url[96];
    snprintf(url, sizeof(url), "%s/_log", f->base);
    for (int i = 0; i < 500 && rc == 0; i++) { /* up to 5 s for the fake to listen */
        if (tpHttp("GET", url, NULL, NULL) == 200) return 0;
        usleep(10 * 1000);
    }
    return -1;
}

static int teardown(void **state) {
    regFixture *f = *state;
    tpStop(&f->fake, 2000);
    tpCleanup(&f->fake);
    free(f);
    return 0;
}

/* Run `careerbot discord register ARGS` with token; exit code, outputs. */
static int runRegister(regFixture *f, const char *token, const char *guild, tpProc *p) {
    char *bin = tpBuildPath("san/careerbot");
    char api[96], tok[128];
    snprintf(api, sizeof(api), "DISCORD_API_URL=%s/api/v10", f->base);
    snprintf(tok, sizeof(tok), "DISCORD_TOKEN=%s", token);
    char *env[] = {api, tok, "DISCORD_APPLICATION_ID=" APP, "CAREERBOT_KB=tests/fixtures/app-kb",
                   "CAREERBOT_TODAY=2025-06-01", NULL};
    char *with_guild[] = {bin, "discord", "register", "--guild", (char *)guild, NULL};
    char *global[] = {bin, "discord", "register", NULL};
    assert_int_equal(tpSpawn(p, guild ? with_guild : global, env, 0), 0);
    int rc = tpWait(p, 20000);
    free(bin);
    return rc;
}

/* The last PUT of the fake's log to path, parsed. */
static json_t *lastPut(regFixture *f, const char *path) {
    json_t *log = tpFakeLog(f->base);
    json_t *found = NULL;
    size_t i;
    json_t *e;
    json_array_foreach(log, i, e) {
        const char *m = json_string_value(json_object_get(e, "method"));
        const char *p = json_string_value(json_object_get(e, "path"));
        json_t *b = json_object_get(e, "body"); /* logged parsed when it is JSON */
        if (m && p && b && strcmp(m, "PUT") == 0 && strstr(p, path)) {
            json_decref(found);
            found = json_is_string(b) ? json_loads(json_string_value(b), 0, NULL) : json_incref(b);
        }
    }
    json_decref(log);
    return found;
}

static json_t *option(json_t *cmd, const char *name) {
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(cmd, "options"), i, o)
        if (strcmp(json_string_value(json_object_get(o, "name")), name) == 0) return o;
    return NULL;
}

static void assertFaqDefinition(json_t *body) {
    assert_true(json_is_array(body));
    assert_int_equal(json_array_size(body), 1);
    json_t *faq = json_array_get(body, 0);
    assert_string_equal(json_string_value(json_object_get(faq, "name")), "faq");
    json_t *q = option(faq, "question");
    assert_non_null(q);
    assert_true(json_is_true(json_object_get(q, "autocomplete")));
    json_t *topic = option(faq, "topic");
    assert_non_null(topic);
    assert_int_equal(json_array_size(json_object_get(topic, "choices")), 3); /* app-kb topics */
    assert_non_null(option(faq, "help"));
}

static void testGuildAndGlobal(void **state) {
    regFixture *f = *state;
    tpProc p;
    assert_int_equal(runRegister(f, TOKEN, GUILD, &p), 0);
    char *out = tpReadFile(p.out_path);
    assert_non_null(strstr(out, GUILD));
    free(out);
    tpCleanup(&p);
    json_t *body = lastPut(f, "/applications/" APP "/guilds/" GUILD "/commands");
    assert_non_null(body);
    assertFaqDefinition(body);
    json_decref(body);

    assert_int_equal(runRegister(f, TOKEN, NULL, &p), 0);
    tpCleanup(&p);
    body = lastPut(f, "/applications/" APP "/commands");
    assert_non_null(body);
    assertFaqDefinition(body);
    json_decref(body);
}

static void testRejectedToken(void **state) {
    regFixture *f = *state;
    tpProc p;
    const char *bad = "wrong-token.Xyz987_secret-value";
    assert_int_equal(runRegister(f, bad, GUILD, &p), 78);
    char *out = tpReadFile(p.out_path), *err = tpReadFile(p.err_path);
    assert_null(strstr(out, bad));
    assert_null(strstr(err, bad));
    assert_true(strlen(err) > 0); /* says why */
    free(out);
    free(err);
    tpCleanup(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(testGuildAndGlobal, setup, teardown),
        cmocka_unit_test_setup_teardown(testRejectedToken, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
