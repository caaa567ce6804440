/* test_ops_lifecycle.c - operations over a running bot's life, process
 * level against the fakes: SIGHUP with a broken knowledge edit keeps the
 * old answers live and counts a failed reload, a good edit + SIGHUP serves
 * the new answer; SIGTERM while replies are held back by 429s still
 * delivers them, closes both websockets with 1000 and exits 0 within 10 s;
 * the history written by the running bot is readable by `careerbot report`
 * and `careerbot history export` while it runs. 127.0.0.1 only; every wait
 * is bounded; teardown stops whatever a failing test left running. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsbot.h"

#define READY_MS 20000
#define REPLY_MS 5000
#define RELOAD_OK "careerbot_knowledge_reloads_total{result=\"ok\"}"
#define RELOAD_FAILED "careerbot_knowledge_reloads_total{result=\"failed\"}"
#define FASTAPI "frameworks/fastapi.md"
#define OLD_TEXT "widely used for typed, async services"
#define NEW_TEXT "NEW-ANSWER-MARKER"
#define NEW_ENTRY                                                                                    \
    "---\n{\n  \"question\": \"Are Python conferences worth attending?\",\n"                         \
    "  \"alternates\": [\"should i go to pycon\", \"python conference value\"],\n"                   \
    "  \"keywords\": [\"pycon\", \"conference\"],\n"                                                 \
    "  \"sources\": [{\"title\": \"PyCon US\", \"url\": \"https://us.pycon.org/\", "                 \
    "\"publisher\": \"Python Software Foundation\"}],\n"                                             \
    "  \"links\": [{\"title\": \"PyCon talks\", \"url\": \"https://pyvideo.org/\"}],\n"              \
    "  \"updated\": \"2025-10-01\"\n}\n---\n"                                                        \
    "Yes: talks are recorded, so go for the hallway track and the sprints, where you meet\n"         \
    "the people who use and build the tools you want to work with.\n"

static void startBot(opsBot *b, int slack, int discord) {
    assert_int_equal(opsInit(b, slack, discord), 0);
    assert_int_equal(opsSpawn(b, NULL, NULL, NULL), 0);
    if (!opsWaitReady(b, READY_MS)) {
        char *err = tpReadFile(b->bot.err_path);
        fail_msg("the bot never became healthy; stderr:\n%s", err);
    }
}

/* Ask on Slack; the reply's request body (caller frees). */
static char *askSlack(opsBot *b, const char *q) {
    char ts[64];
    assert_int_equal(opsSlackMention(b, q, "C0LIFE", ts, sizeof(ts)), 0);
    char *r = opsSlackWaitReply(b, ts, REPLY_MS);
    if (!r) fail_msg("no Slack reply to '%s'", q);
    return r;
}

static void assertReplyHas(opsBot *b, const char *q, const char *want, const char *not_want) {
    char *r = askSlack(b, q);
    if (want && !strstr(r, want)) fail_msg("reply lacks '%s': %.600s", want, r);
    if (not_want && strstr(r, not_want)) fail_msg("reply has '%s': %.600s", not_want, r);
    free(r);
}

/* Poll /metrics until series == want (1) or ms pass (0). */
static int waitMetric(opsBot *b, const char *series, double want, double ms) {
    double end = opsNow() + ms;
    do {
        if (opsMetric(b, series) == want) return 1;
        opsSleep(20);
    } while (opsNow() < end);
    return 0;
}

/* 4. A broken edit + SIGHUP keeps the old knowledge; a good one replaces it. */
static void testSighupReload(void **state) {
    opsBot *b = *state;
    startBot(b, 1, 0);
    const char *q = "is fastapi worth learning?";
    assert_int_equal(opsMetric(b, RELOAD_OK), 1);
    assert_int_equal(opsMetric(b, RELOAD_FAILED), 0);
    assertReplyHas(b, q, OLD_TEXT, NEW_TEXT);

    char path[256];
    snprintf(path, sizeof(path), "%s/%s", b->kb, FASTAPI);
    char *original = tpReadFile(path);
    assert_int_equal(opsWriteKb(b, FASTAPI, "---\n{\"question\": \"broken\",, }\n---\nbody\n"), 0);
    tpSignal(&b->bot, SIGHUP);
    assert_true(waitMetric(b, RELOAD_FAILED, 1, 5000));
    assert_int_equal(opsMetric(b, RELOAD_OK), 1);
    assertReplyHas(b, q, OLD_TEXT, NEW_TEXT); /* still the old knowledge */
    char *health = NULL;
    assert_int_equal(opsGet(b, "/healthz", &health), 200);
    assert_non_null(strstr(health, "\"knowledge_entries\":6"));
    free(health);

    assert_int_equal(opsWriteKb(b, FASTAPI, original), 0);
    free(original);
    assert_int_equal(opsRewriteAnswer(b, FASTAPI, "Yes: " NEW_TEXT " - FastAPI is a good choice for "
                                                   "typed async API services in Python."),
                     0);
    tpSignal(&b->bot, SIGHUP);
    assert_true(waitMetric(b, RELOAD_OK, 2, 5000));
    assert_int_equal(opsMetric(b, RELOAD_FAILED), 1);
    assertReplyHas(b, q, NEW_TEXT, OLD_TEXT);
    assert_int_equal(opsMetric(b, "careerbot_knowledge_entries"), 6);

    /* a new entry: the gauge, /healthz and the answers follow */
    assert_int_equal(opsWriteKb(b, "learning/conferences.md", NEW_ENTRY), 0);
    tpSignal(&b->bot, SIGHUP);
    assert_true(waitMetric(b, RELOAD_OK, 3, 5000));
    assert_int_equal(opsMetric(b, "careerbot_knowledge_entries"), 7);
    assert_true(opsWaitHealth(b, 200, "\"knowledge_entries\":7", 1000, NULL));
    assertReplyHas(b, "should i go to pycon?", "hallway track", NULL);

    tpSignal(&b->bot, SIGTERM);
    assert_int_equal(tpWait(&b->bot, 12000), 0);
}

/* The last websocket close code the fake logged (0 when none). */
static int lastCloseCode(opsFake *f) {
    int codes[16];
    opsFetchLog(f);
    size_t n = opsCloseCodes(f, codes, 16);
    return n ? codes[n - 1] : 0;
}

/* 5. SIGTERM with a reply on each platform held back by a 429: both are
 * delivered, both sockets close with 1000, exit 0 within 10 s. */
static void testSigtermDrainsReplies(void **state) {
    opsBot *b = *state;
    startBot(b, 1, 1);
    json_decref(opsCmd(&b->slack, "{\"cmd\":\"ratelimit\",\"method\":\"chat.postMessage\",\"count\":1,"
                                  "\"retry_after\":1}"));
    json_decref(opsCmd(&b->discord, "{\"cmd\":\"rate_limit\",\"count\":1,\"retry_after\":1.0}"));
    char ts[64];
    assert_int_equal(opsSlackMention(b, "are bootcamps worth it?", "C0TERM", ts, sizeof(ts)), 0);
    opsDiscordMention(b, "710000000000000501", "are bootcamps worth it?");

    /* both fakes saw (and 429'd) the first try of the reply */
    double end = opsNow() + REPLY_MS;
    size_t slack_tries = 0, discord_tries = 0;
    do {
        opsFetchLog(&b->slack);
        slack_tries = opsCountKind(&b->slack, "http", "/api/chat.postMessage");
        discord_tries = opsDiscordReplies(b, "710000000000000501", NULL);
        if (slack_tries >= 1 && discord_tries >= 1) break;
        opsSleep(10);
    } while (opsNow() < end);
    assert_int_equal(slack_tries, 1);
    assert_int_equal(discord_tries, 1);
    assert_int_equal(opsSlackReplies(b, ts), 0); /* not delivered yet */

    double t0 = opsNow();
    tpSignal(&b->bot, SIGTERM);
    /* draining: not healthy any more, though still answering /healthz */
    assert_true(opsWaitHealth(b, 503, "\"reason\":\"shutting down\"", 500, NULL));
    int rc = tpWait(&b->bot, 10000 - (opsNow() - t0));
    double took = opsNow() - t0;
    if (rc != 0) {
        char *err = tpReadFile(b->bot.err_path);
        fail_msg("exit %d after %.0f ms; stderr:\n%s", rc, took, err);
    }
    assert_int_equal(opsSlackReplies(b, ts), 1);
    assert_int_equal(opsDiscordReplies(b, "710000000000000501", NULL), 2); /* 429'd + delivered */
    assert_true(took >= 500); /* it did wait for the Retry-After */
    assert_int_equal(lastCloseCode(&b->slack), 1000);
    assert_int_equal(lastCloseCode(&b->discord), 1000);
    assert_int_equal(tpCount(b->bot.err_path, "shutdown.timeout"), 0);
}

/* SIGTERM while Slack is reconnecting and apps.connections.open is held
 * by a 429 (Retry-After 30): nothing is in flight for a user, so the
 * process should stop promptly instead of waiting out the 10 s drain
 * (a pending connect is abandoned by a shutdown, not waited for). */
static void testSigtermWhileReconnecting(void **state) {
    opsBot *b = *state;
    startBot(b, 1, 0);
    json_decref(opsCmd(&b->slack, "{\"cmd\":\"ratelimit\",\"method\":\"apps.connections.open\","
                                  "\"count\":5,\"retry_after\":30}"));
    json_decref(opsCmd(&b->slack, "{\"cmd\":\"drop\"}"));
    assert_true(opsWaitHealth(b, 503, "slack: not connected", 5000, NULL));
    double end = opsNow() + REPLY_MS; /* the reconnect's first try got the 429 */
    do {
        opsFetchLog(&b->slack);
        if (opsCountKind(&b->slack, "http", "/api/apps.connections.open") >= 2) break;
        opsSleep(20);
    } while (opsNow() < end);
    assert_true(opsCountKind(&b->slack, "http", "/api/apps.connections.open") >= 2);
    double t0 = opsNow();
    tpSignal(&b->bot, SIGTERM);
    int rc = tpWait(&b->bot, 12000);
    double took = opsNow() - t0;
    if (rc != 0 || took > 3000 || tpCount(b->bot.err_path, "shutdown.timeout") != 0) {
        char *err = tpReadFile(b->bot.err_path);
        fail_msg("exit %d after %.0f ms; stderr:\n%s", rc, took, err);
    }
}

/* Run a careerbot subcommand to completion; its stdout (caller frees). */
static char *runCli(char *const args[], int *rc) {
    char *bin = tpBuildPath("san/careerbot");
    char *argv[8] = {bin};
    for (size_t i = 0; i < 6 && args[i]; i++) argv[i + 1] = args[i];
    char *env[] = {"CAREERBOT_CONFIG=", "CAREERBOT_HISTORY_PATH=", NULL};
    tpProc p;
    assert_int_equal(tpSpawn(&p, argv, env, 0), 0);
    free(bin);
    *rc = tpWait(&p, 10000);
    if (*rc < 0) tpStop(&p, 1000);
    char *out = tpReadFile(p.out_path);
    tpCleanup(&p);
    return out;
}

/* The report lists a group whose example contains text (1) or not (0). */
static int reportHasUnanswered(opsBot *b, const char *text) {
    char *args[] = {"report", "--json", "--db", b->db, "--kb", b->kb, NULL};
    int rc;
    char *out = runCli(args, &rc);
    json_t *j = json_loads(out, 0, NULL);
    free(out);
    assert_int_equal(rc, 0);
    assert_non_null(j);
    int found = 0;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(j, "unanswered_groups"), i, g) {
        const char *ex = json_string_value(json_object_get(g, "example"));
        found |= ex && strstr(ex, text) != NULL;
    }
    json_decref(j);
    return found;
}

/* The export has a vote line for entry with helpful == helpful. */
static int exportHasVote(opsBot *b, const char *entry, int helpful) {
    char *args[] = {"history", "export", "--db", b->db, NULL};
    int rc, found = 0;
    char *out = runCli(args, &rc);
    assert_int_equal(rc, 0);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *j = json_loads(line, 0, NULL);
        const char *type = json_string_value(json_object_get(j, "type"));
        const char *id = json_string_value(json_object_get(j, "entry_id"));
        const char *plat = json_string_value(json_object_get(j, "platform"));
        found |= type && strcmp(type, "vote") == 0 && id && strcmp(id, entry) == 0 && plat &&
                 strcmp(plat, "slack") == 0 && json_is_boolean(json_object_get(j, "helpful")) &&
                 json_boolean_value(json_object_get(j, "helpful")) == helpful;
        json_decref(j);
    }
    free(out);
    return found;
}

/* 6. History from the running bot, read by the CLI while it runs. */
static void testHistoryWhileRunning(void **state) {
    opsBot *b = *state;
    startBot(b, 1, 0);
    char ts[64], reply_ts[64];
    assert_int_equal(opsSlackMention(b, "how do I bake sourdough bread", "C0HIST", ts, sizeof(ts)), 0);
    char *r = opsSlackWaitReply(b, ts, REPLY_MS); /* the abstain reply */
    assert_non_null(r);
    free(r);
    assert_int_equal(opsSlackMention(b, "is fastapi worth learning?", "C0HIST", ts, sizeof(ts)), 0);
    r = opsSlackWaitReply(b, ts, REPLY_MS);
    assert_non_null(r);
    free(r);
    assert_true(opsSlackReplyTs(b, ts, reply_ts, sizeof(reply_ts)));
    json_decref(opsCmd(&b->slack, "{\"cmd\":\"click\",\"action_id\":\"vote:down:frameworks/fastapi\","
                                  "\"channel\":\"C0HIST\",\"message_ts\":\"%s\"}", reply_ts));
    double end = opsNow() + REPLY_MS; /* chat.update comes after the vote is on disk */
    do {
        opsFetchLog(&b->slack);
        if (opsCountKind(&b->slack, "http", "/api/chat.update") >= 1) break;
        opsSleep(20);
    } while (opsNow() < end);
    assert_int_equal(opsCountKind(&b->slack, "http", "/api/chat.update"), 1);
    assert_int_equal(opsMetric(b, "careerbot_feedback_votes_total{platform=\"slack\",vote=\"not_helpful\"}"), 1);
    /* answered, but 👎'd: open for review (committed with the vote) */
    assert_true(reportHasUnanswered(b, "fastapi"));
    /* A vote for an entry the knowledge does not have is not stored; a
     * change of mind on the same message replaces the first vote. Events
     * are handled in order: once the second chat.update is out, both
     * clicks have been handled. */
    json_decref(opsCmd(&b->slack, "{\"cmd\":\"click\",\"action_id\":\"vote:up:nope/missing\","
                                  "\"channel\":\"C0HIST\",\"message_ts\":\"%s\"}", reply_ts));
    json_decref(opsCmd(&b->slack, "{\"cmd\":\"click\",\"action_id\":\"vote:up:frameworks/fastapi\","
                                  "\"channel\":\"C0HIST\",\"message_ts\":\"%s\"}", reply_ts));
    end = opsNow() + REPLY_MS;
    do {
        opsFetchLog(&b->slack);
        if (opsCountKind(&b->slack, "http", "/api/chat.update") >= 2) break;
        opsSleep(20);
    } while (opsNow() < end);
    assert_int_equal(opsCountKind(&b->slack, "http", "/api/chat.update"), 2);

    int found = 0; /* questions are committed in batches: poll, bounded */
    for (int i = 0; i < 25 && !(found = reportHasUnanswered(b, "sourdough")); i++) opsSleep(200);
    assert_true(found);
    assert_false(reportHasUnanswered(b, "fastapi")); /* the 👍 that replaced the 👎 closed it */
    assert_true(exportHasVote(b, "frameworks/fastapi", 1)); /* the change of mind */
    assert_false(exportHasVote(b, "frameworks/fastapi", 0));
    assert_false(exportHasVote(b, "nope/missing", 1));
    assert_int_equal(tpWait(&b->bot, 0), -1); /* the bot still runs */
    tpSignal(&b->bot, SIGTERM);
    assert_int_equal(tpWait(&b->bot, 12000), 0);
}

/* The report's group holding text: its target and why (0 if absent). */
static int reportTaught(opsBot *b, const char *text, const char *target, const char *why) {
    char *args[] = {"report", "--json", "--db", b->db, "--kb", b->kb, NULL};
    int rc;
    char *out = runCli(args, &rc);
    json_t *j = json_loads(out, 0, NULL);
    free(out);
    assert_int_equal(rc, 0);
    int found = 0;
    size_t i, k;
    json_t *g, *ex;
    json_array_foreach(json_object_get(j, "unanswered_groups"), i, g) {
        const char *t = json_string_value(json_object_get(g, "target"));
        const char *w = json_string_value(json_object_get(g, "why"));
        json_array_foreach(json_object_get(g, "examples"), k, ex)
            found |= strcmp(json_string_value(ex), text) == 0 && t && strcmp(t, target) == 0 && w &&
                     strcmp(w, why) == 0;
    }
    json_decref(j);
    return found;
}

/* Wait for the n-th request to path at the fake Slack. */
static void waitCalls(opsBot *b, const char *path, size_t n) {
    double end = opsNow() + REPLY_MS;
    do {
        opsFetchLog(&b->slack);
        if (opsCountKind(&b->slack, "http", path) >= n) break;
        opsSleep(20);
    } while (opsNow() < end);
    assert_int_equal(opsCountKind(&b->slack, "http", path), n);
}

/* 7. Implicit feedback: a did-you-mean choice clicked, and a 👎 followed
 * by a rephrased question that was answered, become suggestions. */
static void testImplicitFeedback(void **state) {
    opsBot *b = *state;
    startBot(b, 1, 0);
    char ts[64], reply_ts[64];
    assert_int_equal(opsSlackMention(b, "how to stand out to recruiters", "C0FB", ts, sizeof(ts)), 0);
    char *r = opsSlackWaitReply(b, ts, REPLY_MS); /* did you mean: jobs/cv */
    assert_non_null(r);
    assert_non_null(strstr(r, "show:jobs/cv"));
    free(r);
    assert_true(opsSlackReplyTs(b, ts, reply_ts, sizeof(reply_ts)));
    opsFetchLog(&b->slack);
    size_t posts = opsCountKind(&b->slack, "http", "/api/chat.postMessage");
    json_decref(opsCmd(&b->slack, "{\"cmd\":\"click\",\"action_id\":\"show:jobs/cv\","
                                  "\"channel\":\"C0FB\",\"message_ts\":\"%s\"}", reply_ts));
    waitCalls(b, "/api/chat.postMessage", posts + 1); /* the chosen answer */
    assert_int_equal(opsSlackMention(b, "fastapi or django", "C0FB", ts, sizeof(ts)), 0);
    r = opsSlackWaitReply(b, ts, REPLY_MS);
    assert_non_null(r);
    assert_non_null(strstr(r, "vote:down:frameworks/fastapi"));
    free(r);
    assert_true(opsSlackReplyTs(b, ts, reply_ts, sizeof(reply_ts)));
    json_decref(opsCmd(&b->slack, "{\"cmd\":\"click\",\"action_id\":\"vote:down:frameworks/fastapi\","
                                  "\"channel\":\"C0FB\",\"message_ts\":\"%s\"}", reply_ts));
    waitCalls(b, "/api/chat.update", 1); /* the vote is on disk */
    assert_int_equal(opsSlackMention(b, "web frameworks", "C0FB", ts, sizeof(ts)), 0);
    r = opsSlackWaitReply(b, ts, REPLY_MS); /* answered by frameworks/django-vs-flask */
    assert_non_null(r);
    assert_non_null(strstr(r, "vote:up:frameworks/django-vs-flask"));
    free(r);
    int found = 0; /* questions are committed in batches: poll, bounded */
    for (int i = 0; i < 25 && !(found = reportTaught(b, "fastapi or django", "frameworks/django-vs-flask",
                                                     "rephrased_after_down_vote")); i++)
        opsSleep(200);
    assert_true(found);
    assert_true(reportTaught(b, "how to stand out to recruiters", "jobs/cv", "did_you_mean_click"));
    tpSignal(&b->bot, SIGTERM);
    assert_int_equal(tpWait(&b->bot, 12000), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(testSighupReload, opsSetup, opsTeardown),
        cmocka_unit_test_setup_teardown(testSigtermDrainsReplies, opsSetup, opsTeardown),
        cmocka_unit_test_setup_teardown(testHistoryWhileRunning, opsSetup, opsTeardown),
        cmocka_unit_test_setup_teardown(testSigtermWhileReconnecting, opsSetup, opsTeardown),
        cmocka_unit_test_setup_teardown(testImplicitFeedback, opsSetup, opsTeardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
