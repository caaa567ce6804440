/* test_slack.c - careerbot itself (build/san/careerbot run) against the
 * fake Slack: a mention answered in a thread with sources, a vote recorded
 * in the history and acknowledged with chat.update, SIGTERM closing the
 * socket with 1000 and exiting 0; a token Slack rejects, or one of the
 * wrong kind, exits 78 with one clear line naming the variable and never
 * printing the token. Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "slack_harness.h" /* after cmocka.h */

typedef struct botRun {
    tpProc p;
    char dir[64];
} botRun;

static int spawnBot(shFixture *f, botRun *b, const char *app, const char *bot) {
    snprintf(b->dir, sizeof(b->dir), "/tmp/cbslack-XXXXXX");
    if (!mkdtemp(b->dir)) return -1;
    char url[128], hist[128], e_app[160], e_bot[160];
    snprintf(url, sizeof(url), "SLACK_API_URL=%s/api/", f->base);
    snprintf(hist, sizeof(hist), "CAREERBOT_HISTORY_PATH=%s/history.db", b->dir);
    snprintf(e_app, sizeof(e_app), "SLACK_APP_TOKEN=%s", app);
    snprintf(e_bot, sizeof(e_bot), "SLACK_BOT_TOKEN=%s", bot);
    char *env[] = {url, hist, e_app, e_bot, "CAREERBOT_KB=" SH_KB, "CAREERBOT_HEALTH_LISTEN=off",
                   "CAREERBOT_CONFIG=", "DISCORD_TOKEN=", "CAREERBOT_LOG_LEVEL=info",
                   "CAREERBOT_LIMITS_USER_COOLDOWN=0", NULL};
    char *path = tpBuildPath("san/careerbot");
    char *argv[] = {path, "run", NULL};
    int rc = tpSpawn(&b->p, argv, env, 0);
    free(path);
    return rc;
}

static void cleanBot(botRun *b) {
    tpStop(&b->p, 2000);
    tpCleanup(&b->p);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", b->dir);
}

/* Neither token appears in the bot's stdout or stderr. */
static void assertNoTokens(botRun *b, const char *app, const char *bot) {
    const char *paths[] = {b->p.out_path, b->p.err_path};
    for (int i = 0; i < 2; i++) {
        char *s = tpReadFile(paths[i]);
        if (strstr(s, app) || strstr(s, bot)) fail_msg("a token was printed in %s:\n%s", paths[i], s);
        free(s);
    }
}

static void testEndToEnd(void **state) {
    (void)state;
    shFixture f;
    botRun b;
    assert_int_equal(shStartFakeOnly(&f), 0);
    assert_int_equal(spawnBot(&f, &b, SH_APP_TOKEN, SH_BOT_TOKEN), 0);
    assert_true(shWaitKind(&f, "ws_open", 1, 20000));
    shSpin(&f, 300); /* hello */
    json_t *r = shCmd(&f, "{\"cmd\":\"mention\",\"text\":\"is fastapi worth learning?\",\"channel\":\"C0E2E\"}");
    const char *ts = json_string_value(json_object_get(r, "ts"));
    json_t *post = shWaitPost(&f, "chat.postMessage", ts, 10000);
    assert_non_null(post);
    char *js = json_dumps(json_object_get(post, "body"), JSON_COMPACT);
    assert_non_null(strstr(js, "Source: <https://fastapi.tiangolo.com/|FastAPI documentation>"));
    free(js);
    char cmd[256];
    snprintf(cmd, sizeof(cmd),
             "{\"cmd\":\"click\",\"action_id\":\"vote:down:frameworks/fastapi\",\"channel\":\"C0E2E\","
             "\"message_ts\":\"%s\"}",
             json_string_value(json_object_get(post, "reply_ts")));
    json_decref(shCmd(&f, cmd));
    assert_non_null(shWaitPost(&f, "chat.update", NULL, 10000)); /* after the vote is on disk */
    tpSignal(&b.p, SIGTERM);
    assert_int_equal(tpWait(&b.p, 15000), 0);
    assert_true(shWaitKind(&f, "ws_close", 1, 3000));
    size_t i;
    json_t *e;
    json_array_foreach(f.log, i, e)
        if (shIsKind(e, "ws_close")) assert_int_equal(json_integer_value(json_object_get(e, "code")), 1000);
    shAssertClean(&f);
    assertNoTokens(&b, SH_APP_TOKEN, SH_BOT_TOKEN);
    json_decref(r);
    cleanBot(&b);
    shStopFake(&f);
}

typedef struct fatalCase {
    const char *pre;       /* fake command before the bot starts, or NULL */
    const char *app, *bot; /* tokens */
    const char *want;      /* in stderr */
} fatalCase;

static void testFatalTokens(void **state) {
    (void)state;
    static const fatalCase cases[] = {
        {"{\"cmd\":\"reject_tokens\",\"app\":true}", SH_APP_TOKEN, SH_BOT_TOKEN,
         "SLACK_APP_TOKEN was rejected by Slack (invalid_auth)"},
        {"{\"cmd\":\"reject_tokens\",\"bot\":true,\"error\":\"token_revoked\"}", SH_APP_TOKEN,
         SH_BOT_TOKEN, "SLACK_BOT_TOKEN was rejected by Slack (token_revoked)"},
        {NULL, "xoxb-wrong-kind-secretvalue1", SH_BOT_TOKEN, "SLACK_APP_TOKEN does not start with xapp-"},
        {NULL, SH_APP_TOKEN, "xoxp-user-token-secretvalue2", "SLACK_BOT_TOKEN does not start with xoxb-"},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        shFixture f;
        botRun b;
        assert_int_equal(shStartFakeOnly(&f), 0);
        if (cases[i].pre) json_decref(shCmd(&f, cases[i].pre));
        assert_int_equal(spawnBot(&f, &b, cases[i].app, cases[i].bot), 0);
        int rc = tpWait(&b.p, 15000);
        char *err = tpReadFile(b.p.err_path);
        if (rc != 78 || !strstr(err, cases[i].want))
            fail_msg("case %zu: exit %d, stderr:\n%s", i, rc, err);
        free(err);
        assertNoTokens(&b, cases[i].app, cases[i].bot);
        cleanBot(&b);
        shAssertClean(&f);
        shStopFake(&f);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testEndToEnd),
        cmocka_unit_test(testFatalTokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
