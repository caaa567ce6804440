/* test_slack_transport.c - the Slack transport in this process (so ASan's
 * leak checker sees all of it) against the fake Slack in a child process:
 * mentions answered in threads with sources, DMs, ignored bot/own/edited
 * messages, /faq answered in the ack, buttons (show, vote -> chat.update,
 * share), refresh_requested without losing an event (events still sent on
 * the old link after the new one said hello are acked and answered once),
 * redelivery answered once, 429 honoured, malformed/unknown frames skipped,
 * every envelope acked within 3 s, a silent link (no pong) replaced within
 * 15 s, a rejected token is fatal (78) without a retry loop, and a
 * graceful shutdown that closes the socket with 1000.
 * Every wait is bounded; the fake stops by itself after 90 s. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/process.h"
#include "base/common.h"
#include "base/log.h"
#include "platform/slack/slack.h"
#include "slack_harness.h" /* after cmocka.h */

static shFixture F;

static int setup(void **state) {
    (void)state;
    return shStart(&F, NULL);
}

static int teardown(void **state) {
    (void)state;
    return shStop(&F);
}

/* ---- tests ---- */

static void testMentionThreadedWithSources(void **state) {
    (void)state;
    json_t *r = shCmd(&F, "{\"cmd\":\"mention\",\"text\":\"should I learn django or flask first?\"}");
    const char *ts = json_string_value(json_object_get(r, "ts"));
    assert_non_null(ts);
    json_t *post = shWaitPost(&F, "chat.postMessage", ts, 5000);
    assert_non_null(post);
    json_t *body = json_object_get(post, "body");
    assert_string_equal(json_string_value(json_object_get(body, "thread_ts")), ts);
    assert_string_equal(json_string_value(json_object_get(body, "channel")), "C0GENERAL");
    char *js = json_dumps(body, JSON_COMPACT);
    assert_non_null(strstr(js, "Django or Flask"));
    assert_non_null(strstr(js, "Source: <https://docs.djangoproject.com/en/stable/|Django documentation>"));
    assert_non_null(strstr(js, "vote:up:frameworks/django-vs-flask"));
    const char *auth = json_string_value(json_object_get(json_object_get(post, "headers"), "authorization"));
    assert_string_equal(auth, "Bearer " SH_BOT_TOKEN);
    free(js);
    json_decref(r);
    shAssertClean(&F);
}

static void testDmAnsweredDirectly(void **state) {
    (void)state;
    json_t *r = shCmd(&F, "{\"cmd\":\"dm\",\"text\":\"is fastapi worth learning\",\"channel\":\"D0ABC\"}");
    json_t *post = shWaitPostChannel(&F, "D0ABC", 5000);
    assert_non_null(post);
    json_t *body = json_object_get(post, "body");
    assert_null(json_object_get(body, "thread_ts"));
    char *js = json_dumps(body, JSON_COMPACT);
    assert_non_null(strstr(js, "FastAPI"));
    free(js);
    json_decref(r);
    shAssertClean(&F);
}

static void testIgnoredMessages(void **state) {
    (void)state;
    const char *cmds[] = {
        "{\"cmd\":\"bot_message\",\"text\":\"django or flask\",\"channel\":\"D0IGN\"}",
        "{\"cmd\":\"own_message\",\"text\":\"django or flask\",\"channel\":\"D0IGN\"}",
        "{\"cmd\":\"edit\",\"text\":\"django or flask\",\"channel\":\"D0IGN\"}",
    };
    json_t *ids = json_array();
    for (size_t i = 0; i < CB_ARRAY_LEN(cmds); i++) {
        json_t *r = shCmd(&F, cmds[i]);
        json_array_append(ids, json_object_get(r, "envelope_id"));
        json_decref(r);
    }
    /* a marker DM after them: once it is answered, the others were seen */
    json_decref(shCmd(&F, "{\"cmd\":\"dm\",\"text\":\"fastapi jobs\",\"channel\":\"D0MARK\"}"));
    assert_non_null(shWaitPostChannel(&F, "D0MARK", 5000));
    assert_int_equal(shCountPosts(&F, "D0IGN"), 0);
    /* ignored ones are still acked: wait for each ack (not for time) */
    assert_int_equal(json_array_size(ids), CB_ARRAY_LEN(cmds));
    assert_true(shWaitAcks(&F, ids, 10000));
    json_decref(ids);
    shAssertClean(&F);
}

static void testSlashEphemeralInAck(void **state) {
    (void)state;
    json_t *r = shCmd(&F, "{\"cmd\":\"slash\",\"text\":\"what goes on a developer resume\",\"channel\":\"C0SL\"}");
    const char *env = json_string_value(json_object_get(r, "envelope_id"));
    json_t *ack = shWaitAck(&F, env, 5000);
    assert_non_null(ack);
    json_t *payload = json_object_get(json_object_get(ack, "body"), "payload");
    assert_string_equal(json_string_value(json_object_get(payload, "response_type")), "ephemeral");
    char *js = json_dumps(payload, JSON_COMPACT);
    assert_non_null(strstr(js, "share:jobs/"));
    assert_non_null(strstr(js, "CV"));
    free(js);
    /* /faq help and /faq topics answer too */
    json_t *r2 = shCmd(&F, "{\"cmd\":\"slash\",\"text\":\"topics\",\"channel\":\"C0SL\"}");
    json_t *ack2 = shWaitAck(&F, json_string_value(json_object_get(r2, "envelope_id")), 5000);
    assert_non_null(json_object_get(json_object_get(ack2, "body"), "payload"));
    json_decref(r2);
    json_decref(r);
    shAssertClean(&F);
}

static void testShowAndVoteButtons(void **state) {
    (void)state;
    json_t *r = shCmd(&F, "{\"cmd\":\"mention\",\"text\":\"django vs flask\",\"channel\":\"C0BTN\"}");
    const char *ts = json_string_value(json_object_get(r, "ts"));
    json_t *post = shWaitPost(&F, "chat.postMessage", ts, 5000);
    assert_non_null(post);
    /* show: the related entry, in the same thread */
    json_t *c = shCmd(&F, "{\"cmd\":\"click\",\"action_id\":\"show:frameworks/fastapi\",\"channel\":\"C0BTN\"}");
    json_t *shown = shWaitPostN(&F, "chat.postMessage", NULL, ts, 1, 5000); /* 2nd in the thread */
    assert_non_null(shown);
    char *sj = json_dumps(json_object_get(shown, "body"), JSON_COMPACT);
    assert_non_null(strstr(sj, "FastAPI"));
    free(sj);
    assert_int_equal(shCountThread(&F, ts), 2);
    json_decref(c);
    /* vote on the first answer: chat.update removes the vote buttons */
    const char *msg_ts = json_string_value(json_object_get(post, "reply_ts"));
    char cmd[256];
    snprintf(cmd, sizeof(cmd),
             "{\"cmd\":\"click\",\"action_id\":\"vote:up:frameworks/django-vs-flask\",\"channel\":\"C0BTN\","
             "\"message_ts\":\"%s\"}", msg_ts);
    json_decref(shCmd(&F, cmd));
    json_t *upd = shWaitPost(&F, "chat.update", NULL, 5000);
    assert_non_null(upd);
    json_t *body = json_object_get(upd, "body");
    assert_string_equal(json_string_value(json_object_get(body, "ts")), msg_ts);
    char *js = json_dumps(body, JSON_COMPACT);
    assert_non_null(strstr(js, "Thanks for the feedback"));
    assert_null(strstr(js, "vote:"));
    free(js);
    json_decref(r);
    shAssertClean(&F);
}

static void testRedeliveryAnsweredOnce(void **state) {
    (void)state;
    json_t *r = shCmd(&F, "{\"cmd\":\"mention\",\"text\":\"fastapi jobs\",\"channel\":\"C0RE\"}");
    assert_non_null(shWaitAck(&F, json_string_value(json_object_get(r, "envelope_id")), 5000));
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "{\"cmd\":\"redeliver\",\"envelope_id\":\"%s\"}",
             json_string_value(json_object_get(r, "envelope_id")));
    json_decref(shCmd(&F, cmd));
    snprintf(cmd, sizeof(cmd), "{\"cmd\":\"redeliver\",\"envelope_id\":\"%s\",\"same\":true}",
             json_string_value(json_object_get(r, "envelope_id")));
    json_decref(shCmd(&F, cmd));
    json_decref(shCmd(&F, "{\"cmd\":\"dm\",\"text\":\"fastapi jobs\",\"channel\":\"D0RE\"}"));
    assert_non_null(shWaitPostChannel(&F, "D0RE", 5000));
    shSpin(&F, 200);
    assert_int_equal(shCountPosts(&F, "C0RE"), 1);
    json_decref(r);
    shAssertClean(&F);
}

static void testMalformedFramesSkipped(void **state) {
    (void)state;
    const char *raws[] = {
        "{\"cmd\":\"raw\",\"text\":\"{not json\"}",
        "{\"cmd\":\"raw\",\"text\":\"[1,2,3]\"}",
        "{\"cmd\":\"raw\",\"text\":\"{\\\"type\\\":\\\"mystery\\\",\\\"envelope_id\\\":\\\"zz\\\"}\"}",
        "{\"cmd\":\"raw\",\"hex\":\"7b2274797065223a2268656c6c6f22c3287d\"}", /* invalid UTF-8 */
        "{\"cmd\":\"raw\",\"text\":\"{\\\"type\\\":\\\"events_api\\\"}\"}",  /* no envelope_id */
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(raws); i++) json_decref(shCmd(&F, raws[i]));
    json_decref(shCmd(&F, "{\"cmd\":\"dm\",\"text\":\"django or flask\",\"channel\":\"D0MAL\"}"));
    assert_non_null(shWaitPostChannel(&F, "D0MAL", 5000));
    /* the unknown envelope type "mystery" with an id is acked (it is an envelope), not answered */
    shAssertClean(&F);
}

static void testRefreshWithoutLoss(void **state) {
    (void)state;
    size_t opens = shCountKind(&F, "ws_open"), closes = shCountKindNow(&F, "ws_close");
    json_decref(shCmd(&F, "{\"cmd\":\"disconnect\",\"reason\":\"refresh_requested\",\"close_after_ms\":1500}"));
    /* an event right after the disconnect message, on the old socket */
    json_decref(shCmd(&F, "{\"cmd\":\"mention\",\"text\":\"fastapi jobs\",\"channel\":\"C0REF1\",\"conn\":\"oldest\"}"));
    assert_true(shWaitKind(&F, "ws_open", opens + 1, 5000));
    json_decref(shCmd(&F, "{\"cmd\":\"mention\",\"text\":\"django or flask\",\"channel\":\"C0REF2\"}"));
    assert_non_null(shWaitPostChannel(&F, "C0REF1", 5000));
    assert_non_null(shWaitPostChannel(&F, "C0REF2", 5000));
    assert_true(shWaitKind(&F, "ws_close", closes + 1, 8000)); /* the old one, closed by Slack */
    char why[128];
    for (int i = 0; i < 100 && !F.t->type->healthy(F.t, why, sizeof(why)); i++) shSpin(&F, 20);
    assert_true(F.t->type->healthy(F.t, why, sizeof(why)));
    shAssertClean(&F);
}

/* Slack asks for a refresh and keeps sending on the old link after the new
 * one said hello: those envelopes are acked and answered, once each. (The
 * old bot closed the old link at the new hello and dropped them unacked.) */
static void testRefreshEventsInFlight(void **state) {
    (void)state;
    size_t opens = shCountKind(&F, "ws_open"), closes = shCountKindNow(&F, "ws_close");
    json_t *d = shCmd(&F, "{\"cmd\":\"disconnect\",\"reason\":\"warning\",\"close_after_ms\":6000}");
    json_int_t old = json_integer_value(json_object_get(d, "conn"));
    json_decref(d);
    assert_true(old > 0);
    assert_true(shWaitKind(&F, "ws_open", opens + 1, 8000));
    /* the new link's hello came before this marker: once it is acked, the
     * bot has switched to the new link */
    json_t *mk = shCmd(&F, "{\"cmd\":\"mention\",\"text\":\"fastapi jobs\",\"channel\":\"C0NEWLINK\"}");
    assert_non_null(shWaitAck(&F, json_string_value(json_object_get(mk, "envelope_id")), 8000));
    json_decref(mk);
    json_t *ids = json_array();
    enum { N = 20 };
    for (int i = 0; i < N; i++) {
        char cmd[160];
        snprintf(cmd, sizeof(cmd),
                 "{\"cmd\":\"mention\",\"text\":\"django or flask\",\"channel\":\"C0OLDLINK\",\"conn\":%lld}",
                 (long long)old);
        json_t *r = shCmd(&F, cmd);
        assert_non_null(json_object_get(r, "envelope_id")); /* the old link is still open */
        json_array_append(ids, json_object_get(r, "envelope_id"));
        json_decref(r);
    }
    assert_true(shWaitAcks(&F, ids, 10000));
    for (int i = 0; i < 1000 && shCountPosts(&F, "C0OLDLINK") < N; i++) shSpin(&F, 10);
    assert_int_equal(shCountPosts(&F, "C0OLDLINK"), N);
    assert_true(shWaitKind(&F, "ws_close", closes + 1, 10000)); /* Slack closed the old one */
    assert_int_equal(shCountPosts(&F, "C0OLDLINK"), N); /* once each */
    json_decref(ids);
    char why[128];
    assert_true(F.t->type->healthy(F.t, why, sizeof(why)));
    shAssertClean(&F);
}

static void testDropReconnects(void **state) {
    (void)state;
    size_t opens = shCountKind(&F, "ws_open");
    json_decref(shCmd(&F, "{\"cmd\":\"drop\"}"));
    assert_true(shWaitKind(&F, "ws_open", opens + 1, 8000));
    json_decref(shCmd(&F, "{\"cmd\":\"dm\",\"text\":\"fastapi jobs\",\"channel\":\"D0DROP\"}"));
    assert_non_null(shWaitPostChannel(&F, "D0DROP", 5000));
    shAssertClean(&F);
}

static void testRateLimitedReplyArrives(void **state) {
    (void)state;
    json_decref(shCmd(&F, "{\"cmd\":\"ratelimit\",\"method\":\"chat.postMessage\",\"count\":1,\"retry_after\":1}"));
    json_t *r = shCmd(&F, "{\"cmd\":\"dm\",\"text\":\"fastapi jobs\",\"channel\":\"D0RL\"}");
    json_t *post = shWaitPostChannel(&F, "D0RL", 6000);
    assert_non_null(post);
    double t_ok = json_number_value(json_object_get(post, "t"));
    double t_429 = shFirstRequestTime(&F, "/api/chat.postMessage", "D0RL");
    assert_true(t_429 > 0);
    assert_true(t_ok - t_429 >= 950); /* waited Retry-After: 1 */
    json_decref(r);
    shAssertClean(&F);
}

static void testServerErrorsRetried(void **state) {
    (void)state;
    json_decref(shCmd(&F, "{\"cmd\":\"fail\",\"method\":\"chat.postMessage\",\"count\":2,\"status\":503}"));
    json_decref(shCmd(&F, "{\"cmd\":\"dm\",\"text\":\"fastapi jobs\",\"channel\":\"D05XX\"}"));
    assert_non_null(shWaitPostChannel(&F, "D05XX", 15000));
    shAssertClean(&F);
}

static void testFailedReplyLogged(void **state) {
    (void)state;
    FILE *logf = tmpfile();
    assert_non_null(logf);
    logInit(LOG_INFO, 0, logf);
    json_decref(shCmd(&F, "{\"cmd\":\"fail\",\"method\":\"chat.postMessage\",\"count\":100,\"status\":500}"));
    json_decref(shCmd(&F, "{\"cmd\":\"dm\",\"text\":\"fastapi jobs\",\"channel\":\"D0FAIL\"}"));
    char buf[8192] = "";
    for (int i = 0; i < 3000 && !strstr(buf, "slack.reply_failed"); i++) {
        shSpin(&F, 10);
        fflush(logf);
        rewind(logf);
        size_t n = fread(buf, 1, sizeof(buf) - 1, logf);
        buf[n] = '\0';
    }
    json_decref(shCmd(&F, "{\"cmd\":\"fail\",\"method\":\"chat.postMessage\",\"count\":0,\"status\":500}"));
    logInit(LOG_WARN, 0, stderr);
    fclose(logf);
    assert_non_null(strstr(buf, "slack.reply_failed"));
    assert_non_null(strstr(buf, "channel=D0FAIL"));
    if (!strstr(buf, "500")) fail_msg("no reason in:\n%s", buf);
    assert_null(strstr(buf, SH_BOT_TOKEN));
    assert_null(strstr(buf, SH_APP_TOKEN));
}

static void testAcksFast(void **state) {
    (void)state;
    json_t *st = shCmd(&F, "{\"cmd\":\"stats\"}");
    assert_true(json_number_value(json_object_get(st, "max_ack_ms")) < 3000);
    assert_int_equal(json_integer_value(json_object_get(st, "late_acks")), 0);
    json_decref(st);
}

/* ---- start-up failures and shutdown: each with its own fixture ---- */

static void expectFatal(const char *pre, const char *var, const char *method) {
    shFixture G;
    assert_int_equal(shStart(&G, pre), 0);
    for (int i = 0; i < 300 && !G.stopped; i++) shSpin(&G, 10);
    assert_true(G.stopped);
    assert_true(G.t->fatal);
    assert_int_equal(G.a.exit_code, CB_EXIT_CONFIG);
    char want[96];
    snprintf(want, sizeof(want), "%s was rejected by Slack (invalid_auth)", var);
    assert_non_null(strstr(G.t->fatal_msg, want));
    assert_null(strstr(G.t->fatal_msg, SH_APP_TOKEN));
    assert_null(strstr(G.t->fatal_msg, SH_BOT_TOKEN));
    shSpin(&G, 1500); /* no retry loop: the method was called once */
    char path[64];
    snprintf(path, sizeof(path), "/api/%s", method);
    shFetchLog(&G);
    size_t i, calls = 0;
    json_t *e;
    json_array_foreach(G.log, i, e) calls += shIsKind(e, "http") && strcmp(shS(e, "path"), path) == 0;
    if (calls != 1) {
        char *dump = json_dumps(G.log, JSON_INDENT(1));
        fprintf(stderr, "%s called %zu times:\n%s\n", path, calls, dump);
        free(dump);
    }
    assert_int_equal(calls, 1);
    char why[128];
    assert_false(G.t->type->healthy(G.t, why, sizeof(why)));
    shStop(&G);
}

static void testAppTokenRejected(void **state) {
    (void)state;
    expectFatal("{\"cmd\":\"reject_tokens\",\"app\":true}", "SLACK_APP_TOKEN", "apps.connections.open");
}

static void testBotTokenRejected(void **state) {
    (void)state;
    expectFatal("{\"cmd\":\"reject_tokens\",\"bot\":true}", "SLACK_BOT_TOKEN", "auth.test");
}

static void testBadTokenShapeFailsStart(void **state) {
    (void)state;
    cbApp a;
    memset(&a, 0, sizeof(a));
    cfgDefaults(&a.cfg);
    a.secrets.slack_app_token = cbStrdup("xoxb-not-an-app-token-secret");
    a.secrets.slack_bot_token = cbStrdup(SH_BOT_TOKEN);
    char err[CB_ERRLEN] = "";
    cbTransport *t = slackTransportNew(&a, err);
    assert_non_null(t);
    assert_int_equal(t->type->start(t, err), CB_ERR);
    assert_true(t->fatal);
    assert_non_null(strstr(err, "SLACK_APP_TOKEN"));
    assert_null(strstr(err, "secret"));
    t->type->free(t);
    cfgFree(&a.cfg);
    secretsFree(&a.secrets);
}

static void testLinkDisabledIsFatal(void **state) {
    (void)state;
    shFixture G;
    assert_int_equal(shStart(&G, NULL), 0);
    json_decref(shCmd(&G, "{\"cmd\":\"disconnect\",\"reason\":\"link_disabled\"}"));
    for (int i = 0; i < 300 && !G.stopped; i++) shSpin(&G, 10);
    assert_true(G.stopped);
    assert_int_equal(G.a.exit_code, CB_EXIT_CONFIG);
    assert_non_null(strstr(G.t->fatal_msg, "link_disabled"));
    shStop(&G);
}

static void testNoHelloReconnects(void **state) {
    (void)state;
    shFixture G;
    assert_int_equal(shStart(&G, "{\"cmd\":\"no_hello\",\"on\":true}"), 0);
    assert_true(shWaitKind(&G, "ws_open", 1, 5000));
    json_decref(shCmd(&G, "{\"cmd\":\"no_hello\",\"on\":false}"));
    char why[128];
    assert_false(G.t->type->healthy(G.t, why, sizeof(why)));
    assert_non_null(strstr(why, "slack:"));
    /* closed after SLK_HELLO_TIMEOUT_MS, then a new socket that says hello */
    assert_true(shWaitKind(&G, "ws_open", 2, 5000 + 4000));
    for (int i = 0; i < 300 && !G.t->type->healthy(G.t, why, sizeof(why)); i++) shSpin(&G, 10);
    assert_true(G.t->type->healthy(G.t, why, sizeof(why)));
    shStop(&G);
}

/* A link that goes silent (no event, no pong: a dead TCP path) is noticed
 * from the missing pongs and replaced. The test uses short settings
 * (slack.ping_interval 0.3 s, ping_timeout 1.5 s); the defaults (5 s, 10 s)
 * notice it within 11 s. The old bot waited for lws's 90 s. */
static void testSilentLinkReplaced(void **state) {
    (void)state;
    shFixture G;
    assert_int_equal(shStartPing(&G, NULL, 0.3, 1.5), 0);
    size_t opens = shCountKind(&G, "ws_open");
    json_decref(shCmd(&G, "{\"cmd\":\"freeze\"}"));
    assert_true(shWaitKind(&G, "ws_open", opens + 1, 15000)); /* a new link, well within 15 s */
    char why[128];
    for (int i = 0; i < 500 && !G.t->type->healthy(G.t, why, sizeof(why)); i++) shSpin(&G, 10);
    assert_true(G.t->type->healthy(G.t, why, sizeof(why)));
    json_decref(shCmd(&G, "{\"cmd\":\"dm\",\"text\":\"fastapi jobs\",\"channel\":\"D0SILENT\"}"));
    assert_non_null(shWaitPostChannel(&G, "D0SILENT", 5000));
    shAssertClean(&G);
    shStop(&G);
}

/* The defaults notice a silent link within 15 s: ping_timeout plus one
 * keepalive tick (at most 1 s). */
static void testDefaultPingWithin15s(void **state) {
    (void)state;
    cbConfig c;
    cfgDefaults(&c);
    assert_true(c.slack_ping_interval < c.slack_ping_timeout);
    assert_true(c.slack_ping_timeout + 1.0 <= 15.0);
    cfgFree(&c);
}

static void testShutdownClosesWith1000(void **state) {
    (void)state;
    shFixture G;
    assert_int_equal(shStart(&G, NULL), 0);
    json_decref(shCmd(&G, "{\"cmd\":\"dm\",\"text\":\"fastapi jobs\",\"channel\":\"D0SHUT\"}"));
    shSpin(&G, 5); /* the event is read; its reply is in flight */
    G.t->type->shutdown(G.t);
    for (int i = 0; i < 300 && G.t->type->in_flight(G.t) > 0; i++) shSpin(&G, 10);
    assert_int_equal(G.t->type->in_flight(G.t), 0);
    assert_true(shWaitKind(&G, "ws_close", 1, 3000));
    size_t i;
    json_t *e;
    json_array_foreach(G.log, i, e)
        if (shIsKind(e, "ws_close")) assert_int_equal(json_integer_value(json_object_get(e, "code")), 1000);
    assert_int_equal(shCountPosts(&G, "D0SHUT"), 1); /* the reply in flight went out */
    shAssertClean(&G);
    shStop(&G);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testMentionThreadedWithSources),
        cmocka_unit_test(testDmAnsweredDirectly),
        cmocka_unit_test(testIgnoredMessages),
        cmocka_unit_test(testSlashEphemeralInAck),
        cmocka_unit_test(testShowAndVoteButtons),
        cmocka_unit_test(testRedeliveryAnsweredOnce),
        cmocka_unit_test(testMalformedFramesSkipped),
        cmocka_unit_test(testRefreshWithoutLoss),
        cmocka_unit_test(testRefreshEventsInFlight),
        cmocka_unit_test(testDropReconnects),
        cmocka_unit_test(testRateLimitedReplyArrives),
        cmocka_unit_test(testServerErrorsRetried),
        cmocka_unit_test(testFailedReplyLogged),
        cmocka_unit_test(testAcksFast),
    };
    const struct CMUnitTest alone[] = {
        cmocka_unit_test(testAppTokenRejected),
        cmocka_unit_test(testBotTokenRejected),
        cmocka_unit_test(testBadTokenShapeFailsStart),
        cmocka_unit_test(testShutdownClosesWith1000),
        cmocka_unit_test(testLinkDisabledIsFatal),
        cmocka_unit_test(testNoHelloReconnects),
        cmocka_unit_test(testSilentLinkReplaced),
        cmocka_unit_test(testDefaultPingWithin15s),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    return failed + cmocka_run_group_tests(alone, NULL, NULL);
}
