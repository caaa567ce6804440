/* test_handoff.c - hand-offs to human mentors below the transports
 * (app.h's appMentor* over the history): an offer needs a mentors channel;
 * only the asker may request it, once; the daily limit; the first mentor
 * reply is relayed and a second is not, also after the history is closed
 * and opened again (a restart); the asker's own reply is not an answer;
 * cancel; expiry after 7 days on an injected clock; the report lists the
 * answer as a suggested entry (text, JSON, CSV, HTML), `report accept hN
 * --as` drafts an entry whose body is the mentor's answer, dismiss hides
 * it; the export has the hand-off with tokens scrubbed and no raw ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/process.h"
#include "base/common.h"
#include "cli/cli.h"
#include "ops/metrics.h"
#include "tproc.h"

static char dir[128], db[160];
static long long fake_now;
static long long testClock(void) { return fake_now; }

static void appUp(cbApp *a) {
    char err[CB_ERRLEN];
    memset(a, 0, sizeof *a);
    cfgDefaults(&a->cfg);
    a->cfg.slack_mentors_channel = cbStrdup("C0MENTORS");
    a->clock = testClock;
    a->hist = histOpen(db, NULL, err);
    if (!a->hist) fail_msg("%s", err);
}

static void appDown(cbApp *a) {
    histClose(a->hist);
    appFreeFeedback(a);
    cfgFree(&a->cfg);
}

/* An offer for user's question, requested by user, posted as post. */
static void askAndPost(cbApp *a, const char *user, const char *question, const char *post,
                       char token[APP_MENTOR_TOKEN]) {
    appMentorAsk ask = {.platform = PLATFORM_SLACK, .user = user, .channel = "C0GENERAL",
                        .thread = "1.000001", .question = question};
    assert_int_equal(appMentorOffer(a, &ask, token), 1);
    appMentorPost p;
    assert_int_equal(appMentorRequest(a, PLATFORM_SLACK, token, user, 0, &p), MENTOR_OK);
    assert_string_equal(p.channel, "C0MENTORS");
    assert_null(p.asker_id); /* anonymous unless they chose otherwise */
    appMentorPostFree(&p);
    appMentorPosted(a, PLATFORM_SLACK, token, post);
}

static int reply(cbApp *a, const char *post, const char *mentor, const char *text,
                 appMentorRelay *r) {
    appMentorReply in = {.posts = {post, NULL}, .mentor_user = mentor, .mentor_name = "Mentor Mo",
                         .text = text};
    return appMentorReplied(a, PLATFORM_SLACK, &in, r);
}

static void test_offer_needs_a_channel(void **state) {
    (void)state;
    cbApp a;
    appUp(&a);
    char token[APP_MENTOR_TOKEN];
    appMentorAsk ask = {.platform = PLATFORM_DISCORD, .user = "U1", .question = "q"};
    assert_int_equal(appMentorOffer(&a, &ask, token), 0); /* no discord.mentors_channel */
    ask.platform = PLATFORM_SLACK;
    a.cfg.mentor_daily_limit = 0;
    assert_int_equal(appMentorOffer(&a, &ask, token), 0); /* hand-offs off */
    a.cfg.mentor_daily_limit = 3;
    assert_int_equal(appMentorOffer(&a, &ask, token), 1);
    assert_int_equal(strlen(token), APP_MENTOR_TOKEN - 1);
    appMentorPost p;
    assert_int_equal(appMentorRequest(&a, PLATFORM_SLACK, token, "U2", 0, &p), MENTOR_NOT_ASKER);
    assert_int_equal(appMentorRequest(&a, PLATFORM_SLACK, "feedbeef", "U1", 0, &p), MENTOR_GONE);
    assert_int_equal(appMentorRequest(&a, PLATFORM_SLACK, token, "U1", 1, &p), MENTOR_OK);
    assert_string_equal(p.asker_id, "U1"); /* they chose to show their name */
    appMentorPostFree(&p);
    assert_int_equal(appMentorRequest(&a, PLATFORM_SLACK, token, "U1", 0, &p), MENTOR_TAKEN);
    appDown(&a);
}

static void test_relay_once_across_restart(void **state) {
    (void)state;
    cbApp a;
    appUp(&a);
    char token[APP_MENTOR_TOKEN];
    askAndPost(&a, "U1", "how do I price freelance work", "C0MENTORS:9.000001", token);
    appMentorRelay r;
    assert_int_equal(reply(&a, "C0MENTORS:9.000009", "U7", "wrong thread", &r), -1);
    assert_int_equal(reply(&a, "C0MENTORS:9.000001", "U1", "bump", &r), 0); /* the asker's own */
    histClose(a.hist); /* a restart: only the file remembers */
    char err[CB_ERRLEN];
    a.hist = histOpen(db, NULL, err);
    assert_non_null(a.hist);
    assert_int_equal(reply(&a, "C0MENTORS:9.000001", "U7", "Day rate = salary / 100", &r), 1);
    assert_string_equal(r.user, "U1");
    assert_string_equal(r.channel, "C0GENERAL");
    assert_string_equal(r.thread, "1.000001");
    assert_string_equal(r.question, "how do I price freelance work");
    assert_string_equal(r.answer, "Day rate = salary / 100");
    assert_string_equal(r.mentor, "Mentor Mo");
    appMentorRelayFree(&r);
    assert_int_equal(reply(&a, "C0MENTORS:9.000001", "U8", "a second opinion", &r), 0);
    char *post = NULL;
    assert_int_equal(appMentorCancel(&a, PLATFORM_SLACK, token, "U1", &post), 0); /* answered */
    appDown(&a);
}

static void test_limit_cancel_expiry(void **state) {
    (void)state;
    cbApp a;
    appUp(&a);
    a.cfg.mentor_daily_limit = 2;
    fake_now += 86400; /* a new day: the earlier tests' requests do not count */
    char t1[APP_MENTOR_TOKEN], t2[APP_MENTOR_TOKEN], t3[APP_MENTOR_TOKEN];
    askAndPost(&a, "U1", "first", "C0MENTORS:8.000001", t1);
    askAndPost(&a, "U1", "second", "C0MENTORS:8.000002", t2);
    appMentorAsk ask = {.platform = PLATFORM_SLACK, .user = "U1", .question = "third"};
    assert_int_equal(appMentorOffer(&a, &ask, t3), 1);
    appMentorPost p;
    assert_int_equal(appMentorRequest(&a, PLATFORM_SLACK, t3, "U1", 0, &p), MENTOR_LIMITED);
    /* cancel: only the asker; then no relay */
    char *post = NULL;
    assert_int_equal(appMentorCancel(&a, PLATFORM_SLACK, t1, "U2", &post), 0);
    assert_int_equal(appMentorCancel(&a, PLATFORM_SLACK, t1, "U1", &post), 1);
    assert_string_equal(post, "C0MENTORS:8.000001");
    free(post);
    appMentorRelay r;
    assert_int_equal(reply(&a, "C0MENTORS:8.000001", "U7", "too late", &r), 0);
    /* 7 days and a second later: expired, not relayed, counted */
    fake_now += HIST_HANDOFF_TTL_S + 1;
    assert_int_equal(reply(&a, "C0MENTORS:8.000002", "U7", "sorry, I was away", &r), 0);
    char *m = metricsRender();
    /* this one, and the first test's, requested but never posted */
    assert_non_null(strstr(m, "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"expired\"} 2"));
    assert_non_null(strstr(m, "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"limited\"} 1"));
    assert_non_null(strstr(m, "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"cancelled\"} 1"));
    free(m);
    assert_int_equal(appMentorRequest(&a, PLATFORM_SLACK, t3, "U1", 0, &p), MENTOR_GONE); /* offer too old */
    appDown(&a);
}

static char *capture(int (*fn)(int, char **), int argc, char **argv, int *rc) {
    char out[200];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    fflush(stdout);
    int save = dup(1), fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0 && save >= 0);
    dup2(fd, 1);
    *rc = fn(argc, argv);
    fflush(stdout);
    dup2(save, 1);
    close(fd);
    close(save);
    return tpReadFile(out);
}

/* The report, and accept --as / dismiss, of what test_relay_once_across_restart relayed. */
static void test_report_suggests_and_accepts(void **state) {
    (void)state;
    char kbdir[200], cmd[512];
    snprintf(kbdir, sizeof kbdir, "%s/kb", dir);
    snprintf(cmd, sizeof cmd, "cp -r tests/fixtures/app-kb %s", kbdir);
    assert_int_equal(system(cmd), 0);
    int rc;
    char *json_argv[] = {"report", "--json", "--db", db, "--kb", kbdir, NULL};
    char *text = capture(cmdReport, 6, json_argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    json_t *root = json_loads(text, 0, NULL);
    free(text);
    json_t *m = json_array_get(json_object_get(root, "mentor_answers"), 0);
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "question")), "how do I price freelance work");
    assert_string_equal(json_string_value(json_object_get(m, "answer")), "Day rate = salary / 100");
    assert_string_equal(json_string_value(json_object_get(m, "mentor")), "Mentor Mo");
    char id[32];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(m, "id")));
    json_decref(root);
    const char *formats[] = {"text", "csv", "html"};
    for (size_t i = 0; i < CB_ARRAY_LEN(formats); i++) {
        char *argv[] = {"report", "--format", (char *)formats[i], "--db", db, "--kb", kbdir, NULL};
        text = capture(cmdReport, 7, argv, &rc);
        assert_int_equal(rc, CB_EXIT_OK);
        if (!strstr(text, "how do I price freelance work") || !strstr(text, id))
            fail_msg("%s report without the mentor's answer:\n%s", formats[i], text);
        free(text);
    }
    char *acc[] = {"report", "accept", id, "--as", "career/freelance-rates", "--db", db, "--kb", kbdir, NULL};
    text = capture(cmdReport, 9, acc, &rc);
    free(text);
    assert_int_equal(rc, CB_EXIT_OK);
    char path[300];
    snprintf(path, sizeof path, "%s/career/freelance-rates.md", kbdir);
    char *draft = tpReadFile(path);
    assert_non_null(draft);
    assert_non_null(strstr(draft, "question: \"how do I price freelance work\""));
    assert_non_null(strstr(draft, "\n\nDay rate = salary / 100\n")); /* the body, to rewrite */
    free(draft);
    text = capture(cmdReport, 6, json_argv, &rc); /* decided: no longer suggested */
    root = json_loads(text, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(root, "mentor_answers")), 0);
    json_decref(root);
    free(text);
}

/* The export has the hand-offs, scrubbed, without raw ids or tokens. */
static void test_export_handoffs(void **state) {
    (void)state;
    cbApp a;
    appUp(&a);
    char token[APP_MENTOR_TOKEN];
    askAndPost(&a, "U0RAWID", "my key xoxb-1111-2222-abcdefghijkl broke, what now", "C0MENTORS:7.1", token);
    appMentorRelay r;
    assert_int_equal(reply(&a, "C0MENTORS:7.1", "U7", "revoke xoxb-1111-2222-abcdefghijkl now", &r), 1);
    assert_null(strstr(r.answer, "xoxb-1111"));
    appMentorRelayFree(&r);
    appDown(&a);
    int rc;
    char *argv[] = {"history", "export", "--db", db, NULL};
    char *text = capture(cmdHistory, 4, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(text, "\"type\":\"handoff\""));
    assert_null(strstr(text, "xoxb-1111"));
    assert_null(strstr(text, "U0RAWID"));
    assert_null(strstr(text, token));
    free(text);
}

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cb_test_handoff_%d", (int)getpid());
    snprintf(db, sizeof db, "%s/h.db", dir);
    fake_now = cbWallTime();
    metricsReset();
    metricsDeclarePlatform("slack");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_offer_needs_a_channel),
        cmocka_unit_test(test_relay_once_across_restart),
        cmocka_unit_test(test_report_suggests_and_accepts),
        cmocka_unit_test(test_limit_cancel_expiry),
        cmocka_unit_test(test_export_handoffs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
