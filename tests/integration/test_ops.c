/* test_ops.c - operations, process level: one `careerbot run` with Slack
 * and Discord tokens against both fakes answers on both platforms at once;
 * /healthz turns 503 naming the platform a fake dropped and 200 again once
 * the bot reconnected; /metrics counts answered questions exactly and
 * reports the knowledge size; a token Slack rejects ends the process with
 * exit 78 and one clear line, never printing a token; /livez, /readyz and
 * HEAD, and every series present at zero from the start. Everything listens
 * on 127.0.0.1 and every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "opsbot.h"

#define READY_MS 20000
#define REPLY_MS 5000

#define Q_SLACK_ANSWERED "careerbot_questions_total{platform=\"slack\",outcome=\"answered\"}"
#define Q_SLACK_ABSTAINED "careerbot_questions_total{platform=\"slack\",outcome=\"abstained\"}"
#define Q_DISCORD_ANSWERED "careerbot_questions_total{platform=\"discord\",outcome=\"answered\"}"

static void startBot(opsBot *b, int slack, int discord) {
    assert_int_equal(opsInit(b, slack, discord), 0);
    assert_int_equal(opsSpawn(b, NULL, NULL, NULL), 0);
    if (!opsWaitReady(b, READY_MS)) {
        char *err = tpReadFile(b->bot.err_path);
        fail_msg("the bot never became healthy; stderr:\n%s", err);
    }
}

/* Neither fake saw anything it considers wrong. */
static void assertNoViolations(opsBot *b) {
    opsFake *fakes[] = {&b->slack, &b->discord};
    for (size_t i = 0; i < 2; i++) {
        if (!fakes[i]->started) continue;
        opsFetchLog(fakes[i]);
        size_t v = opsCountKind(fakes[i], "violation", NULL);
        if (v) {
            char *s = json_dumps(fakes[i]->log, JSON_COMPACT);
            fprintf(stderr, "fake log: %.4000s\n", s);
            free(s);
            fail_msg("fake %zu logged %zu violation(s)", i, v);
        }
    }
}

/* None of the test tokens appears in the bot's stdout or stderr. */
static void assertNoTokens(opsBot *b) {
    const char *paths[] = {b->bot.out_path, b->bot.err_path};
    const char *toks[] = {OPS_APP_TOKEN, OPS_BOT_TOKEN, OPS_DISCORD_TOKEN};
    for (size_t i = 0; i < 2; i++) {
        char *s = tpReadFile(paths[i]);
        for (size_t t = 0; t < 3; t++)
            if (strstr(s, toks[t])) fail_msg("token %zu printed in %s", t, paths[i]);
        free(s);
    }
}

/* Normal operation logs no errors (warnings are allowed). */
static void assertNoErrors(opsBot *b) {
    if (tpCount(b->bot.err_path, "level=error") == 0) return;
    char *err = tpReadFile(b->bot.err_path);
    fail_msg("errors logged:\n%s", err);
}

/* SIGTERM, exit 0, and each started fake saw its socket closed with 1000. */
static void stopAndCheck(opsBot *b) {
    tpSignal(&b->bot, SIGTERM);
    int rc = tpWait(&b->bot, 12000);
    if (rc != 0) {
        char *err = tpReadFile(b->bot.err_path);
        fail_msg("exit %d after SIGTERM; stderr:\n%s", rc, err);
    }
    opsFake *fakes[] = {&b->slack, &b->discord};
    for (size_t i = 0; i < 2; i++) {
        if (!fakes[i]->started) continue;
        opsFetchLog(fakes[i]);
        int codes[16];
        size_t n = opsCloseCodes(fakes[i], codes, 16);
        assert_true(n >= 1);
        assert_int_equal(codes[n - 1], 1000);
    }
}

/* 1. Both platforms in one process, both answered within a few seconds. */
static void testBothPlatforms(void **state) {
    opsBot *b = *state;
    startBot(b, 1, 1);
    char ts[64];
    double t0 = opsNow();
    assert_int_equal(opsSlackMention(b, "is fastapi worth learning?", "C0OPS1", ts, sizeof(ts)), 0);
    opsDiscordMention(b, "710000000000000101", "should I learn django or flask?");

    char *slack = opsSlackWaitReply(b, ts, REPLY_MS);
    assert_non_null(slack); /* a reply in the mention's thread */
    assert_non_null(strstr(slack, "Source: <https://fastapi.tiangolo.com/|FastAPI documentation>"));
    char *discord = opsDiscordWaitReply(b, "710000000000000101", 1, REPLY_MS);
    assert_non_null(discord);
    double took = opsNow() - t0;
    json_t *d = json_loads(discord, 0, NULL);
    json_t *embed = json_array_get(json_object_get(d, "embeds"), 0);
    assert_non_null(embed);
    assert_non_null(strstr(json_string_value(json_object_get(embed, "title")), "Django"));
    json_t *field = json_array_get(json_object_get(embed, "fields"), 0);
    assert_string_equal(json_string_value(json_object_get(field, "name")), "Sources");
    assert_true(took < REPLY_MS);
    json_decref(d);
    free(slack);
    free(discord);

    assertNoViolations(b);
    stopAndCheck(b);
    assertNoErrors(b);
    assertNoTokens(b);
}

/* Drop one platform's connection: 503 naming it, then 200 after the
 * reconnect; the other platform stays connected meanwhile. */
static void dropAndRecover(opsBot *b, opsFake *f, const char *name, const char *other) {
    char want[96], *body = NULL;
    json_decref(opsCmd(f, "{\"cmd\":\"drop\"}"));
    snprintf(want, sizeof(want), "\"reason\":\"%s: not connected\"", name);
    if (!opsWaitHealth(b, 503, want, 5000, &body)) fail_msg("no 503 naming %s after the drop", name);
    json_t *j = json_loads(body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "unavailable");
    json_t *platforms = json_object_get(j, "platforms");
    assert_string_equal(json_string_value(json_object_get(platforms, other)), "connected");
    json_decref(j);
    free(body);
    body = NULL;
    assert_true(opsWaitHealth(b, 200, NULL, 15000, &body));
    assert_non_null(strstr(body, "\"status\":\"ok\""));
    free(body);
    opsFetchLog(f);
    assert_true(opsCountKind(f, "ws_open", NULL) >= 2); /* it really reconnected */
}

/* 2. /healthz follows each platform's connection. */
static void testHealthFollowsConnections(void **state) {
    opsBot *b = *state;
    startBot(b, 1, 1);
    char *body = NULL;
    assert_int_equal(opsGet(b, "/healthz", &body), 200);
    json_t *j = json_loads(body, 0, NULL);
    json_t *platforms = json_object_get(j, "platforms");
    assert_string_equal(json_string_value(json_object_get(platforms, "slack")), "connected");
    assert_string_equal(json_string_value(json_object_get(platforms, "discord")), "connected");
    json_decref(j);
    free(body);

    dropAndRecover(b, &b->slack, "slack", "discord");
    dropAndRecover(b, &b->discord, "discord", "slack");
    assert_true(opsMetric(b, "careerbot_reconnects_total{platform=\"slack\"}") >= 1);
    assert_true(opsMetric(b, "careerbot_reconnects_total{platform=\"discord\"}") >= 1);

    /* and the bot still answers on both after the reconnects */
    char ts[64];
    assert_int_equal(opsSlackMention(b, "are bootcamps worth it?", "C0OPS2", ts, sizeof(ts)), 0);
    char *s = opsSlackWaitReply(b, ts, REPLY_MS);
    assert_non_null(s);
    free(s);
    opsDiscordMention(b, "710000000000000201", "are bootcamps worth it?");
    s = opsDiscordWaitReply(b, "710000000000000201", 1, REPLY_MS);
    assert_non_null(s);
    free(s);
    assertNoViolations(b);
    stopAndCheck(b);
}

/* Knowledge entries in dir: *.md files in its topic directories. */
static size_t countEntries(const char *dir) {
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char sub[512];
        snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
        DIR *t = opendir(sub);
        struct dirent *f;
        while (t && (f = readdir(t)) != NULL) {
            size_t len = strlen(f->d_name);
            n += len > 3 && strcmp(f->d_name + len - 3, ".md") == 0;
        }
        if (t) closedir(t);
    }
    closedir(d);
    return n;
}

static double metricOr0(opsBot *b, const char *series) {
    double v = opsMetric(b, series);
    return v < 0 ? 0 : v;
}

/* 3. /metrics: answered questions counted exactly, per platform and
 * outcome; the knowledge gauge matches the directory. */
static void testMetricsCount(void **state) {
    static const char *answerable[] = {"is fastapi worth learning?", "are bootcamps worth it?",
                                       "should I learn django or flask?"};
    opsBot *b = *state;
    startBot(b, 1, 1);
    size_t entries = countEntries(b->kb);
    assert_true(entries >= 3);
    assert_int_equal((size_t)opsMetric(b, "careerbot_knowledge_entries"), entries);
    double answered0 = metricOr0(b, Q_SLACK_ANSWERED), abstained0 = metricOr0(b, Q_SLACK_ABSTAINED);
    double discord0 = metricOr0(b, Q_DISCORD_ANSWERED);

    char ts[4][64];
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(opsSlackMention(b, answerable[i], "C0OPS3", ts[i], sizeof(ts[i])), 0);
    assert_int_equal(opsSlackMention(b, "how do I bake sourdough bread", "C0OPS3", ts[3], sizeof(ts[3])), 0);
    for (size_t i = 0; i < 4; i++) {
        char *s = opsSlackWaitReply(b, ts[i], REPLY_MS);
        if (!s) fail_msg("no reply to mention %zu", i);
        free(s);
    }
    assert_int_equal((long)(metricOr0(b, Q_SLACK_ANSWERED) - answered0), 3);
    assert_int_equal((long)(metricOr0(b, Q_SLACK_ABSTAINED) - abstained0), 1);
    /* each reply counted end to end once the bot read Slack's answer to it */
    double end = opsNow() + REPLY_MS, replies = 0;
    const char *e2e = "careerbot_reply_latency_seconds_count{platform=\"slack\"}";
    while ((replies = metricOr0(b, e2e)) < 4 && opsNow() < end) opsSleep(20);
    assert_true(replies >= 4);
    assert_true(opsMetric(b, "careerbot_reply_latency_seconds_sum{platform=\"slack\"}") > 0);
    assert_int_equal((long)(metricOr0(b, Q_DISCORD_ANSWERED) - discord0), 0);

    opsDiscordMention(b, "710000000000000301", "are bootcamps worth it?");
    char *s = opsDiscordWaitReply(b, "710000000000000301", 1, REPLY_MS);
    assert_non_null(s);
    free(s);
    assert_int_equal((long)(metricOr0(b, Q_DISCORD_ANSWERED) - discord0), 1);
    assert_int_equal((long)(metricOr0(b, Q_SLACK_ANSWERED) - answered0), 3);
    assert_true(opsMetric(b, "careerbot_answer_latency_seconds_count") >= 5);
    stopAndCheck(b);
    assertNoErrors(b);
}

/* `careerbot healthcheck ARGS...` against the bot's listener; exit code. */
static int healthcheck(opsBot *b, const char *a1, const char *a2) {
    char *bin = tpBuildPath("san/careerbot");
    char listen[64];
    snprintf(listen, sizeof listen, "CAREERBOT_HEALTH_LISTEN=127.0.0.1:%d", b->health_port);
    char *argv[] = {bin, "healthcheck", (char *)a1, (char *)a2, NULL};
    char *env[] = {listen, "CAREERBOT_CONFIG=", NULL};
    tpProc p;
    int rc = -1;
    if (tpSpawn(&p, argv, env, 0) == 0) {
        rc = tpWait(&p, 10000);
        if (rc < 0) rc = tpStop(&p, 1000);
        tpCleanup(&p);
    }
    free(bin);
    return rc;
}

static long headStatus(opsBot *b, const char *path) {
    char url[128], *body = NULL;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", b->health_port, path);
    long st = tpHttp("HEAD", url, NULL, &body);
    if (body && *body) st = -1; /* HEAD has no body */
    free(body);
    return st;
}

/* 4. Probes and series from the start: /livez, /readyz (GET and HEAD);
 * every series of the configured platform present at zero before any
 * question; process_* and build info; while Slack is down (its reconnect
 * held off by a 429) /readyz is 503 and the gauge 0, but /livez stays 200:
 * an outage is no reason to restart the process. */
static void testProbesAndSeriesAtStart(void **state) {
    opsBot *b = *state;
    startBot(b, 1, 0);
    char *body = NULL;
    assert_int_equal(opsGet(b, "/livez", &body), 200);
    assert_non_null(strstr(body, "\"status\":\"ok\""));
    free(body);
    assert_int_equal(opsGet(b, "/readyz", NULL), 200);
    assert_int_equal(headStatus(b, "/livez"), 200);
    assert_int_equal(headStatus(b, "/readyz"), 200);
    assert_int_equal(headStatus(b, "/metrics"), 200);
    assert_int_equal(healthcheck(b, NULL, NULL), 0);
    assert_int_equal(healthcheck(b, "--live", NULL), 0);
    const char *zero[] = {Q_SLACK_ANSWERED, Q_SLACK_ABSTAINED,
                          "careerbot_reply_failures_total{platform=\"slack\"}",
                          "careerbot_reconnects_total{platform=\"slack\"}",
                          "careerbot_rate_limit_waits_total{platform=\"slack\"}",
                          "careerbot_feedback_votes_total{platform=\"slack\",vote=\"helpful\"}",
                          "careerbot_cooldowns_total{platform=\"slack\",action=\"warned\"}",
                          "careerbot_knowledge_reloads_total{result=\"failed\"}",
                          "careerbot_reply_latency_seconds_count{platform=\"slack\"}"};
    for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
        if (opsMetric(b, zero[i]) != 0) fail_msg("%s is not 0 from the start", zero[i]);
    assert_int_equal(opsMetric(b, "careerbot_platform_connected{platform=\"slack\"}"), 1);
    assert_true(opsMetric(b, "process_resident_memory_bytes") > 1e6);
    assert_true(opsMetric(b, "process_open_fds") >= 3);
    assert_true(opsMetric(b, "process_start_time_seconds") > 1e9);
    assert_true(opsMetric(b, "process_cpu_seconds_total") >= 0);
    char *m = NULL;
    assert_int_equal(opsGet(b, "/metrics", &m), 200);
    assert_non_null(strstr(m, "\ncareerbot_build_info{version=\""));
    free(m);

    json_decref(opsCmd(&b->slack, "{\"cmd\":\"ratelimit\",\"method\":\"apps.connections.open\","
                                  "\"count\":5,\"retry_after\":30}"));
    json_decref(opsCmd(&b->slack, "{\"cmd\":\"drop\"}"));
    assert_true(opsWaitHealth(b, 503, "slack: not connected", 5000, NULL));
    assert_int_equal(opsGet(b, "/readyz", NULL), 503);
    assert_int_equal(headStatus(b, "/readyz"), 503);
    assert_int_equal(opsGet(b, "/livez", NULL), 200);
    assert_int_equal(headStatus(b, "/livez"), 200);
    assert_int_equal(opsMetric(b, "careerbot_platform_connected{platform=\"slack\"}"), 0);
    assert_int_equal(healthcheck(b, NULL, NULL), 1);      /* not ready */
    assert_int_equal(healthcheck(b, "--live", NULL), 0);  /* but alive */
}

typedef struct fatalCase {
    const char *pre;       /* fake Slack command before the bot starts, or NULL */
    const char *app, *bot; /* tokens */
    const char *want;      /* the one line on stderr */
} fatalCase;

/* 7. A Slack token that is rejected (or of the wrong kind) ends the whole
 * process, Discord included, with 78 and one line; no token printed. */
static void testInvalidSlackToken(void **state) {
    opsBot *b = *state;
    static const fatalCase cases[] = {
        {"{\"cmd\":\"reject_tokens\",\"bot\":true}", NULL, NULL,
         "SLACK_BOT_TOKEN was rejected by Slack (invalid_auth)"},
        {"{\"cmd\":\"reject_tokens\",\"app\":true,\"error\":\"token_revoked\"}", NULL, NULL,
         "SLACK_APP_TOKEN was rejected by Slack (token_revoked)"},
        {NULL, NULL, "xoxp-1-user-token-opssecretvalue", "SLACK_BOT_TOKEN does not start with xoxb-"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(opsInit(b, 1, 1), 0);
        if (cases[i].pre) json_decref(opsCmd(&b->slack, "%s", cases[i].pre));
        assert_int_equal(opsSpawn(b, cases[i].app, cases[i].bot, NULL), 0);
        int rc = tpWait(&b->bot, 15000);
        char *err = tpReadFile(b->bot.err_path), *out = tpReadFile(b->bot.out_path);
        /* one line for humans (the rest are structured log records) */
        int lines = 0, has = 0;
        for (char *line = strtok(err, "\n"); line; line = strtok(NULL, "\n")) {
            if (strncmp(line, "ts=", 3) == 0) continue;
            lines++;
            has += strstr(line, cases[i].want) != NULL;
        }
        if (rc != 78 || lines != 1 || has != 1) {
            char *again = tpReadFile(b->bot.err_path);
            fail_msg("case %zu: exit %d, %d plain lines, stderr:\n%s", i, rc, lines, again);
        }
        free(err);
        err = tpReadFile(b->bot.err_path); /* strtok cut it */
        const char *secrets[] = {OPS_APP_TOKEN, OPS_BOT_TOKEN, OPS_DISCORD_TOKEN, cases[i].bot};
        for (size_t t = 0; t < 4; t++)
            if (secrets[t] && (strstr(err, secrets[t]) || strstr(out, secrets[t])))
                fail_msg("case %zu: token %zu printed:\n%s", i, t, err);
        free(err);
        free(out);
        opsFree(b);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(testBothPlatforms, opsSetup, opsTeardown),
        cmocka_unit_test_setup_teardown(testHealthFollowsConnections, opsSetup, opsTeardown),
        cmocka_unit_test_setup_teardown(testMetricsCount, opsSetup, opsTeardown),
        cmocka_unit_test_setup_teardown(testInvalidSlackToken, opsSetup, opsTeardown),
        cmocka_unit_test_setup_teardown(testProbesAndSeriesAtStart, opsSetup, opsTeardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
