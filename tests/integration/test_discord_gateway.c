/* test_discord_gateway.c - the Discord transport's gateway against the
 * fake Discord: IDENTIFY contents, heartbeat timing (first beat jittered,
 * then every interval), op 7 and a dropped connection -> RESUME with the
 * session id and sequence (dispatches missed meanwhile answered exactly
 * once), a RESUME of an expired session -> op 9 -> IDENTIFY, op 9 -> a
 * new IDENTIFY, a withheld heartbeat ACK -> reconnect,
 * malformed frames and unknown opcodes skipped, and fatal close codes
 * (4004, 4014) stopping with exit 78 and a clear message, token unlogged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "discord_harness.h"

static void testIdentify(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    json_t *id = dhNth(&f, "ws", "/gateway", 2, 0);
    assert_non_null(id);
    json_t *d = json_object_get(json_object_get(id, "body"), "d");
    assert_string_equal(dhS(d, "token"), DH_TOKEN);
    assert_int_equal(json_integer_value(json_object_get(d, "intents")), (1 << 9) | (1 << 12) | (1 << 15));
    assert_string_equal(dhS(json_object_get(d, "properties"), "browser"), "careerbot");
    assert_null(json_object_get(d, "shard")); /* one shard: none sent */
    assert_true(f.t->type->healthy(f.t, NULL, 0));
    assert_int_equal(dhStop(&f), 0);
}

/* Beats every 500 ms, the first after a jittered delay < 500 ms, each
 * carrying the last sequence. A timer never fires early, so the lower
 * bounds are tight; the upper ones leave room for a loaded machine (one
 * late beat) and still catch a wrong or doubled interval. */
static void testHeartbeats(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    assert_true(dhWait(&f, "ws", "/gateway", 1, 5, 5000));
    json_t *open = dhNth(&f, "ws_open", NULL, -1, 0);
    double t0 = json_number_value(json_object_get(open, "t"));
    double prev = json_number_value(json_object_get(dhNth(&f, "ws", NULL, 1, 0), "t"));
    assert_true(prev - t0 < 1100);
    double first = prev;
    for (size_t i = 1; i < 5; i++) {
        json_t *hb = dhNth(&f, "ws", NULL, 1, i);
        double t = json_number_value(json_object_get(hb, "t"));
        assert_true(t - prev > 300 && t - prev < 1400);
        prev = t;
        assert_int_equal(json_integer_value(json_object_get(json_object_get(hb, "body"), "d")), 1); /* READY's s */
    }
    assert_true(prev - first > 1800 && prev - first < 2900); /* four intervals */
    assert_int_equal(dhStop(&f), 0);
}

/* op 7, then a dropped TCP connection with a message dispatched while
 * the bot was away: both end in RESUME, the missed message answered once. */
static void testResume(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    dhMention(&f, "700000000000000001", "should I learn django or flask?");
    assert_true(dhWait(&f, "http", "/channels/" DH_CHANNEL "/messages", -1, 1, 5000));
    dhCmd(&f, "{\"cmd\":\"reconnect\"}");
    assert_true(dhWait(&f, "ws", "/resume", 6, 1, 8000));
    json_t *r = json_object_get(dhNth(&f, "ws", "/resume", 6, 0), "body");
    assert_string_equal(dhS(json_object_get(r, "d"), "session_id"), "sess-1");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "d"), "seq")), 2);
    assert_string_equal(dhS(json_object_get(r, "d"), "token"), DH_TOKEN);
    /* wait until RESUMED was handled, then drop and dispatch meanwhile */
    char why[128];
    for (double end = cbNowMs() + 5000; !f.t->type->healthy(f.t, why, sizeof why) && cbNowMs() < end;)
        dhSpin(&f, 10);
    dhCmd(&f, "{\"cmd\":\"drop\"}");
    dhMention(&f, "700000000000000002", "are bootcamps worth it?");
    assert_true(dhWait(&f, "ws", "/resume", 6, 2, 8000));
    assert_true(dhWaitBody(&f, "/messages", "700000000000000002", 1, 5000));
    dhSpin(&f, 700);
    dhFetchLog(&f);
    assert_int_equal(dhCountBody(&f, "/messages", "700000000000000002"), 1);
    assert_int_equal(dhCountBody(&f, "/messages", "700000000000000001"), 1);
    assert_int_equal(dhCount(&f, "ws", NULL, 2), 1); /* never a new IDENTIFY */
    assert_int_equal(dhStop(&f), 0);
}

/* op 9 with d false: a new session after 1-5 s. */
static void testInvalidSession(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    double t = cbNowMs();
    dhCmd(&f, "{\"cmd\":\"invalid_session\",\"resumable\":false}");
    assert_true(dhWait(&f, "ws", "/gateway", 2, 2, 12000));
    assert_true(cbNowMs() - t >= 1000);
    assert_int_equal(dhCount(&f, "ws", NULL, 6), 0);
    assert_int_equal(dhStop(&f), 0);
}

/* The session expired while the connection was down: the RESUME gets
 * op 9 false and the bot starts a new session with IDENTIFY. */
static void testResumeRejected(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    dhCmd(&f, "{\"cmd\":\"end_session\"}");
    dhCmd(&f, "{\"cmd\":\"drop\"}");
    assert_true(dhWait(&f, "ws", NULL, 6, 1, 8000));
    assert_true(dhWait(&f, "ws", NULL, 2, 2, 15000));
    assert_int_equal(dhCount(&f, "resume_rejected", NULL, -1), 1);
    assert_int_equal(dhStop(&f), 0);
}

/* No ACK for a beat: the next beat finds a zombie and reconnects. */
static void testZombie(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    dhCmd(&f, "{\"cmd\":\"withhold_acks\",\"on\":true}");
    assert_true(dhWait(&f, "ws_open", NULL, -1, 2, 5000));
    dhCmd(&f, "{\"cmd\":\"withhold_acks\",\"on\":false}");
    assert_true(dhWait(&f, "ws", "/resume", 6, 1, 5000));
    assert_int_equal(dhStop(&f), 0);
}

/* Garbage and unknown opcodes are skipped; the next message is answered. */
static void testBadFrames(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    dhCmd(&f, "{\"cmd\":\"raw\",\"text\":\"{not json\"}");
    dhCmd(&f, "{\"cmd\":\"raw\",\"text\":\"{\\\"op\\\":42,\\\"d\\\":{}}\"}");
    dhCmd(&f, "{\"cmd\":\"raw\",\"text\":\"[1,2,3]\"}");
    dhCmd(&f, "{\"cmd\":\"dispatch\",\"t\":\"SOMETHING_NEW\",\"d\":{\"x\":1}}");
    dhCmd(&f, "{\"cmd\":\"dispatch\",\"t\":\"MESSAGE_CREATE\",\"d\":{\"content\":5}}");
    dhMention(&f, "700000000000000003", "which certifications help?");
    assert_true(dhWaitBody(&f, "/messages", "700000000000000003", 1, 5000));
    assert_int_equal(dhCount(&f, "ws_open", NULL, -1), 1); /* same connection */
    assert_int_equal(dhStop(&f), 0);
}

static void fatalClose(int code, const char *needle) {
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    dhCmdf(&f, "{\"cmd\":\"identify_close\",\"code\":%d}", code);
    dhCmdf(&f, "{\"cmd\":\"close\",\"code\":4009}"); /* forces a new IDENTIFY */
    /* Bounded, not timed: a close frame lost to a crossing heartbeat costs
     * a RESUME, op 9 and a new IDENTIFY (1-5 s later) before the fatal one. */
    for (double end = cbNowMs() + 30000; !f.stopped && cbNowMs() < end;) dhSpin(&f, 20);
    if (!f.stopped) { /* what the bot and the fake saw, to tell why */
        char *botlog = dhBotLog(&f);
        fprintf(stderr, "--- bot log\n%s\n", botlog ? botlog : "");
        free(botlog);
        dhFetchLog(&f);
        char *fl = json_dumps(f.log, JSON_COMPACT);
        fprintf(stderr, "--- fake log\n%s\n", fl ? fl : "");
        free(fl);
    }
    assert_true(f.stopped);
    assert_int_equal(f.a.exit_code, CB_EXIT_CONFIG);
    assert_true(f.t->fatal);
    assert_non_null(strstr(f.t->fatal_msg, needle));
    char *log = dhBotLog(&f);
    assert_null(strstr(log, DH_TOKEN));
    assert_null(strstr(f.t->fatal_msg, DH_TOKEN));
    free(log);
    dhFetchLog(&f);
    size_t opens = dhCount(&f, "ws_open", NULL, -1);
    dhSpin(&f, 1500); /* no reconnect loop after a fatal close */
    dhFetchLog(&f);
    assert_int_equal(dhCount(&f, "ws_open", NULL, -1), opens);
    assert_int_equal(dhStop(&f), 0);
}

static void testClose4004(void **state) {
    (void)state;
    fatalClose(4004, "DISCORD_TOKEN");
}

static void testClose4014(void **state) {
    (void)state;
    fatalClose(4014, "the MESSAGE_CONTENT intent is not enabled for this application");
}

/* A token the REST API refuses: one GET, exit 78, nothing else sent. */
static void testRest401(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, "wrong-token-Xyz123456", 0), CB_OK);
    for (double end = cbNowMs() + 8000; !f.stopped && cbNowMs() < end;) dhSpin(&f, 20);
    assert_true(f.stopped);
    assert_int_equal(f.a.exit_code, CB_EXIT_CONFIG);
    dhSpin(&f, 500);
    dhFetchLog(&f);
    assert_int_equal(dhCount(&f, "http", NULL, -1), 1);
    assert_int_equal(dhCount(&f, "ws_open", NULL, -1), 0);
    char *log = dhBotLog(&f);
    assert_null(strstr(log, "wrong-token-Xyz123456"));
    free(log);
    assert_int_equal(dhStop(&f), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testIdentify),       cmocka_unit_test(testHeartbeats),
        cmocka_unit_test(testResume),         cmocka_unit_test(testResumeRejected),
        cmocka_unit_test(testInvalidSession),
        cmocka_unit_test(testZombie),         cmocka_unit_test(testBadFrames),
        cmocka_unit_test(testClose4004),      cmocka_unit_test(testClose4014),
        cmocka_unit_test(testRest401),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
