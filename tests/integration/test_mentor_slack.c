/* test_mentor_slack.c - hand-offs to human mentors against the fake Slack,
 * end to end: a declined question offers "Ask a mentor"; the click posts
 * it to the mentors channel (anonymous, or with the asker's mention when
 * they chose so) and tells the asker privately with a Cancel button; the
 * first mentor reply in the post's thread comes back once to the asker's
 * thread with the mentor's name, also after the history was reopened (a
 * restart), and a second reply does not; the report lists the answer.
 * Cancel, someone else's click, the daily limit, a 👎 offering a mentor,
 * mentions in the mentors channel never answered, and expiry after 7 days
 * on an injected clock. Waits are on the fake's log (events), never
 * sleeps; "nothing was sent" is checked after a later question's answer
 * arrived and nothing is in flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "mentorkit.h"
#include "ops/metrics.h"
#include "slack_harness.h"

#define MENTORS "C0MENTORS"
#define GENERAL "C0GENERAL"
#define DECLINED "how do I bake sourdough bread"

static char db[128];

static void start(shFixture *f, int limit) {
    assert_int_equal(shStart(f, NULL), 0);
    f->a.cfg.slack_mentors_channel = cbStrdup(MENTORS);
    mkStart(&f->a, "slack", limit, db, sizeof db);
}

static void stop(shFixture *f) {
    shAssertClean(f);
    /* replies in flight finish before the history closes */
    for (int i = 0; i < 500 && f->t->type->in_flight(f->t) > 0; i++) shSpin(f, 10);
    assert_int_equal(f->t->type->in_flight(f->t), 0);
    mkStop(&f->a, db);
    shStop(f);
}

/* The hand-off token in a message body ("mentor:ask:<token>"), copied. */
static void tokenIn(const json_t *body, char token[APP_MENTOR_TOKEN]) {
    char *s = json_dumps(body, JSON_COMPACT);
    const char *p = strstr(s, "mentor:ask:");
    if (!p) fail_msg("no Ask a mentor button in %s", s);
    snprintf(token, APP_MENTOR_TOKEN, "%.32s", p + strlen("mentor:ask:"));
    free(s);
}

static int bodyHas(const json_t *post, const char *needle) {
    char *s = json_dumps(json_object_get(post, "body"), JSON_COMPACT);
    int has = s && strstr(s, needle) != NULL;
    free(s);
    return has;
}

/* Mention the bot with text in GENERAL; *ts the question's ts; the
 * answer's post. */
static json_t *ask(shFixture *f, const char *text, char ts[40]) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "{\"cmd\":\"mention\",\"text\":\"%s\",\"channel\":\"" GENERAL "\"}", text);
    json_t *r = shCmd(f, cmd);
    snprintf(ts, 40, "%s", json_string_value(json_object_get(r, "ts")));
    json_decref(r);
    json_t *post = shWaitPost(f, "chat.postMessage", ts, 10000);
    assert_non_null(post);
    return post;
}

static void click(shFixture *f, const char *action, const char *token, const char *user,
                  const json_t *on) {
    char cmd[512];
    if (on)
        snprintf(cmd, sizeof cmd, "{\"cmd\":\"click\",\"action_id\":\"%s%s\",\"channel\":\"" GENERAL
                 "\",\"message_ts\":\"%s\",\"user\":\"%s\"}", action, token,
                 json_string_value(json_object_get(on, "reply_ts")), user);
    else /* on the private note (ephemeral) */
        snprintf(cmd, sizeof cmd, "{\"cmd\":\"click\",\"ephemeral\":true,\"action_id\":\"%s%s\","
                 "\"channel\":\"" GENERAL "\",\"user\":\"%s\"}", action, token, user);
    json_decref(shCmd(f, cmd));
}

static void mentorReply(shFixture *f, const char *post_ts, const char *user, const char *text) {
    char cmd[512];
    snprintf(cmd, sizeof cmd, "{\"cmd\":\"thread_reply\",\"channel\":\"" MENTORS "\",\"thread_ts\":"
             "\"%s\",\"user\":\"%s\",\"text\":\"%s\",\"name\":\"Mentor Mo\"}", post_ts, user, text);
    json_decref(shCmd(f, cmd));
}

/* Everything sent before now has reached the fake: a later DM question
 * was answered and nothing is in flight. */
static void settle(shFixture *f) {
    size_t n = shCountPosts(f, "D0DM");
    json_decref(shCmd(f, "{\"cmd\":\"dm\",\"text\":\"help\"}"));
    assert_non_null(shWaitPostN(f, "chat.postMessage", "D0DM", NULL, n, 10000));
    for (int i = 0; i < 500 && f->t->type->in_flight(f->t) > 0; i++) shSpin(f, 10);
    assert_int_equal(f->t->type->in_flight(f->t), 0);
    shFetchLog(f);
}

static long long metric(const char *event) {
    char *m = metricsRender(), want[128];
    snprintf(want, sizeof want, "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"%s\"} ", event);
    const char *p = strstr(m, want);
    long long v = p ? atoll(p + strlen(want)) : -1;
    free(m);
    return v;
}

/* The private notes (response_url) so far whose body has needle. */
static json_t *waitNote(shFixture *f, const char *needle, double ms) {
    double end = cbNowMs() + ms;
    do {
        shSpin(f, 10);
        shFetchLog(f);
        for (size_t n = 0;; n++) {
            json_t *p = shFindPost(f, "response_url", NULL, NULL, n);
            if (!p) break;
            if (bodyHas(p, needle)) return p;
        }
    } while (cbNowMs() < end);
    return NULL;
}

static void testRelayedOnce(void **state) {
    (void)state;
    shFixture f;
    start(&f, 3);
    char ts[40], token[APP_MENTOR_TOKEN];
    json_t *answer = ask(&f, DECLINED, ts);
    tokenIn(json_object_get(answer, "body"), token);
    assert_true(bodyHas(answer, "mentor:named:"));
    click(&f, "mentor:ask:", token, "U0HUMAN", answer);
    json_t *post = shWaitPostN(&f, "chat.postMessage", MENTORS, NULL, 0, 10000);
    assert_non_null(post);
    assert_true(bodyHas(post, DECLINED));
    assert_true(bodyHas(post, "Asked anonymously"));
    assert_false(bodyHas(post, "U0HUMAN")); /* anonymous: no mention, no id */
    assert_non_null(waitNote(&f, "mentor:cancel:", 10000)); /* told privately, can cancel */
    char post_ts[40];
    snprintf(post_ts, sizeof post_ts, "%s", json_string_value(json_object_get(post, "reply_ts")));
    /* a restart: the hand-off is only in the file now */
    histClose(f.a.hist);
    char err[CB_ERRLEN];
    f.a.hist = histOpen(db, &f.a.loop, err);
    assert_non_null(f.a.hist);
    mentorReply(&f, post_ts, "U0MENTOR", "Bake it hot, <!here> 250C for 40 minutes");
    json_t *relay = shWaitPostN(&f, "chat.postMessage", GENERAL, ts, 1, 10000);
    assert_non_null(relay);
    assert_true(bodyHas(relay, "250C for 40 minutes"));
    assert_true(bodyHas(relay, "Mentor Mo"));
    mentorReply(&f, post_ts, "U0OTHER", "No: 220C is enough");
    settle(&f);
    assert_int_equal(shCountThread(&f, ts), 2); /* the answer and one relay */
    assert_int_equal(metric("relayed"), 1);
    assert_int_equal(metric("requested"), 1);
    histReport r;
    histReportOptions o;
    histReportDefaults(&o);
    assert_int_equal(histReportBuild(f.a.hist, &o, &r, err), CB_OK);
    assert_int_equal(r.nmentor, 1);
    assert_string_equal(r.mentor[0].question, DECLINED);
    assert_non_null(strstr(r.mentor[0].answer, "250C for 40 minutes"));
    assert_string_equal(r.mentor[0].mentor, "Mentor Mo");
    histReportFree(&r);
    stop(&f);
}

static void testNamedCancelAndDownVote(void **state) {
    (void)state;
    shFixture f;
    start(&f, 3);
    char ts[40], token[APP_MENTOR_TOKEN];
    json_t *answer = ask(&f, DECLINED, ts);
    tokenIn(json_object_get(answer, "body"), token);
    click(&f, "mentor:ask:", token, "U0SOMEONE", answer); /* not theirs */
    assert_non_null(waitNote(&f, "Only the person who asked", 10000));
    click(&f, "mentor:named:", token, "U0HUMAN", answer);
    json_t *post = shWaitPostN(&f, "chat.postMessage", MENTORS, NULL, 0, 10000);
    assert_non_null(post);
    assert_true(bodyHas(post, "Asked by <@U0HUMAN>")); /* they chose to show their name */
    assert_non_null(waitNote(&f, "mentor:cancel:", 10000));
    click(&f, "mentor:cancel:", token, "U0HUMAN", NULL);
    assert_non_null(waitNote(&f, "Cancelled", 10000));
    assert_non_null(shWaitPostN(&f, "chat.update", MENTORS, NULL, 0, 10000)); /* mentors told */
    mentorReply(&f, json_string_value(json_object_get(post, "reply_ts")), "U0MENTOR", "too late");
    settle(&f);
    assert_int_equal(shCountThread(&f, ts), 1); /* nothing relayed */
    assert_int_equal(metric("cancelled"), 1);
    /* after a 👎 the thanks offers a mentor, with the 👎'd question */
    json_t *fast = ask(&f, "is fastapi worth learning?", ts);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "{\"cmd\":\"click\",\"action_id\":\"vote:down:frameworks/fastapi\","
             "\"channel\":\"" GENERAL "\",\"message_ts\":\"%s\",\"user\":\"U0HUMAN\"}",
             json_string_value(json_object_get(fast, "reply_ts")));
    json_decref(shCmd(&f, cmd));
    json_t *thanks = shWaitPostN(&f, "chat.update", GENERAL, NULL, 0, 10000);
    assert_non_null(thanks);
    assert_true(bodyHas(thanks, "Thanks for the feedback"));
    assert_true(bodyHas(thanks, "mentor:ask:"));
    tokenIn(json_object_get(thanks, "body"), token);
    click(&f, "mentor:ask:", token, "U0HUMAN", fast);
    post = shWaitPostN(&f, "chat.postMessage", MENTORS, NULL, 1, 10000);
    assert_non_null(post);
    assert_true(bodyHas(post, "is fastapi worth learning?"));
    stop(&f);
}

static void testLimitExpiryAndMentorsChannel(void **state) {
    (void)state;
    shFixture f;
    start(&f, 1);
    char ts[40], ts2[40], token[APP_MENTOR_TOKEN];
    json_t *answer = ask(&f, DECLINED, ts);
    tokenIn(json_object_get(answer, "body"), token);
    click(&f, "mentor:ask:", token, "U0HUMAN", answer);
    json_t *post = shWaitPostN(&f, "chat.postMessage", MENTORS, NULL, 0, 10000);
    assert_non_null(post);
    json_t *again = ask(&f, "which sourdough starter should I buy", ts2);
    tokenIn(json_object_get(again, "body"), token);
    click(&f, "mentor:ask:", token, "U0HUMAN", again);
    assert_non_null(waitNote(&f, "as often as one person may today", 10000));
    assert_int_equal(metric("limited"), 1);
    /* a mention in the mentors channel is never answered */
    json_decref(shCmd(&f, "{\"cmd\":\"mention\",\"text\":\"are bootcamps worth it\",\"channel\":\"" MENTORS "\"}"));
    /* 8 days later: the mentor's reply is not relayed */
    mkNow += 8 * 86400;
    mentorReply(&f, json_string_value(json_object_get(post, "reply_ts")), "U0MENTOR", "sorry, away");
    settle(&f);
    assert_int_equal(shCountThread(&f, ts), 1);
    assert_int_equal(shCountPosts(&f, MENTORS), 1); /* only the hand-off */
    assert_int_equal(metric("expired"), 1);
    assert_int_equal(metric("relayed"), 0);
    stop(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRelayedOnce),
        cmocka_unit_test(testNamedCancelAndDownVote),
        cmocka_unit_test(testLimitExpiryAndMentorsChannel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
