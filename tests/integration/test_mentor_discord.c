/* test_mentor_discord.c - hand-offs to human mentors against the fake
 * Discord, end to end: a declined mention offers "Ask a mentor"; the
 * click is acknowledged privately (ephemeral, with Cancel) and the
 * question is posted to the mentors channel (anonymous, or with the
 * asker's mention when they chose so, never pinging: allowed_mentions
 * parse []); the first mentor reply (a reply with message_reference, or a
 * message in a thread started from the post) goes back once to the asker
 * by DM (POST /users/@me/channels, then the DM channel) with the mentor's
 * server nickname; a second reply does not; the report lists the answer.
 * Cancel, the daily limit, expiry after 7 days on an injected clock, and
 * an asker whose DMs are closed (403, code 50007): logged, nothing else.
 * The fake checks every payload; waits are on its log, never sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "discord_harness.h"
#include "mentorkit.h"
#include "ops/metrics.h"

#define MENTORS "600000000000000099"
#define ASKER "300000000000000001" /* the fake's default author */
#define MENTOR "300000000000000077"
#define DECLINED "how do I bake sourdough bread"

static char db[128];

static void start(dhFixture *f, int limit) {
    assert_int_equal(dhStart(f, DH_TOKEN, 1), CB_OK);
    f->a.cfg.discord_mentors_channel = cbStrdup(MENTORS);
    mkStart(&f->a, "discord", limit, db, sizeof db);
    dhCmd(f, "{\"cmd\":\"plain_channel\",\"channel_id\":\"" MENTORS "\"}");
}

static void stop(dhFixture *f) {
    for (int i = 0; i < 500 && f->t->type->in_flight(f->t) > 0; i++) dhSpin(f, 10);
    assert_int_equal(f->t->type->in_flight(f->t), 0); /* before the history closes */
    mkStop(&f->a, db);
    assert_int_equal(dhStop(f), 0); /* no violation */
}

static json_t *bodyOf(dhFixture *f, const char *path, size_t n) {
    return json_object_get(dhNth(f, "http", path, -1, n), "body");
}

static int has(const json_t *body, const char *needle) {
    char *s = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    int yes = s && strstr(s, needle) != NULL;
    free(s);
    return yes;
}

/* Mention the bot with a question (message id), wait for the n-th reply
 * in the channel; the token of its "Ask a mentor" button. */
static void askDeclined(dhFixture *f, const char *id, const char *question, size_t n,
                        char token[APP_MENTOR_TOKEN]) {
    dhMention(f, id, question);
    assert_true(dhWait(f, "http", "/channels/" DH_CHANNEL "/messages", -1, n + 1, 10000));
    char *s = json_dumps(bodyOf(f, "/channels/" DH_CHANNEL "/messages", n), JSON_COMPACT);
    const char *p = strstr(s, "mentor:ask:");
    if (!p) fail_msg("no Ask a mentor button: %s", s);
    snprintf(token, APP_MENTOR_TOKEN, "%.32s", p + strlen("mentor:ask:"));
    free(s);
}

static void clickAs(dhFixture *f, const char *iid, const char *user, const char *custom_id) {
    dhCmdf(f, "{\"cmd\":\"dispatch\",\"t\":\"INTERACTION_CREATE\",\"d\":{\"id\":\"%s\",\"type\":3,"
              "\"application_id\":\"" DH_APP "\",\"token\":\"" DH_ITOKEN "\",\"channel_id\":\"" DH_CHANNEL
              "\",\"guild_id\":\"" DH_GUILD "\",\"member\":{\"user\":{\"id\":\"%s\"}},"
              "\"message\":{\"id\":\"720000000000000001\"},"
              "\"data\":{\"custom_id\":\"%s\",\"component_type\":2}}}", iid, user, custom_id);
}

/* The id the fake gave the n-th message the bot posted in channel. */
static const char *postedId(dhFixture *f, const char *channel, size_t n) {
    size_t i;
    json_t *e;
    json_array_foreach(f->log, i, e) {
        json_t *b = json_object_get(e, "body");
        if (dhMatch(e, "message", NULL, -1) && strcmp(dhS(b, "channel_id"), channel) == 0 && n-- == 0)
            return dhS(b, "id");
    }
    return NULL;
}

/* A mentor's message: a reply to post (reply_to) or in channel. */
static void mentorSays(dhFixture *f, const char *id, const char *channel, const char *reply_to,
                       const char *author, const char *text) {
    char ref[96] = "";
    if (reply_to) snprintf(ref, sizeof ref, ",\"reply_to\":\"%s\"", reply_to);
    dhCmdf(f, "{\"cmd\":\"message\",\"id\":\"%s\",\"channel_id\":\"%s\",\"guild_id\":\"" DH_GUILD
              "\",\"content\":\"%s\",\"author_id\":\"%s\",\"author_name\":\"mentor_mo\","
              "\"nick\":\"Mentor Mo\"%s}", id, channel, text, author, ref);
}

/* Everything sent before now has reached the fake: a later question was
 * answered (n replies in the channel so far) and nothing is in flight. */
static void settle(dhFixture *f, const char *id, size_t n) {
    dhMention(f, id, "are bootcamps worth it?");
    assert_true(dhWait(f, "http", "/channels/" DH_CHANNEL "/messages", -1, n + 1, 10000));
    for (int i = 0; i < 500 && f->t->type->in_flight(f->t) > 0; i++) dhSpin(f, 10);
    assert_int_equal(f->t->type->in_flight(f->t), 0);
    dhFetchLog(f);
}

/* The fixture's first hand-off, anonymous: DECLINED asked (message id),
 * clicked (interaction iid), posted; post_id gets the post's id. */
static void firstHandOff(dhFixture *f, const char *id, const char *iid, char post_id[32]) {
    char token[APP_MENTOR_TOKEN], cid[64];
    askDeclined(f, id, DECLINED, 0, token);
    snprintf(cid, sizeof cid, "mentor:ask:%s", token);
    clickAs(f, iid, ASKER, cid);
    assert_true(dhWait(f, "message", NULL, -1, 2, 10000));
    snprintf(post_id, 32, "%s", postedId(f, MENTORS, 0));
}

static long long metric(const char *event) {
    char *m = metricsRender(), want[128];
    snprintf(want, sizeof want, "careerbot_mentor_handoffs_total{platform=\"discord\",event=\"%s\"} ", event);
    const char *p = strstr(m, want);
    long long v = p ? atoll(p + strlen(want)) : -1;
    free(m);
    return v;
}

static void testRelayedOnceByDm(void **state) {
    (void)state;
    dhFixture f;
    start(&f, 3);
    char token[APP_MENTOR_TOKEN], cid[64];
    askDeclined(&f, "710000000000000011", DECLINED, 0, token);
    snprintf(cid, sizeof cid, "mentor:ask:%s", token);
    clickAs(&f, "810000000000000001", ASKER, cid);
    assert_true(dhWaitBody(&f, "/callback", "mentor:cancel:", 1, 10000)); /* private, with Cancel */
    assert_true(dhWait(&f, "message", NULL, -1, 2, 10000));
    const char *post = postedId(&f, MENTORS, 0);
    assert_non_null(post);
    json_t *pb = bodyOf(&f, "/channels/" MENTORS "/messages", 0);
    assert_true(has(pb, DECLINED));
    assert_true(has(pb, "Asked anonymously"));
    assert_false(has(pb, ASKER));
    char post_id[32];
    snprintf(post_id, sizeof post_id, "%s", post);
    /* the first mentor reply: a reply to the post */
    mentorSays(&f, "710000000000000012", MENTORS, post_id, MENTOR, "Bake it at 250C, @everyone");
    assert_true(dhWaitBody(&f, "/users/@me/channels", ASKER, 1, 10000));
    assert_true(dhWaitBody(&f, "/messages", "Mentor Mo", 1, 10000));
    dhFetchLog(&f);
    assert_int_equal(dhCountBody(&f, "/messages", "Bake it at 250C"), 1);
    /* a second reply, in a thread started from the post: not relayed */
    mentorSays(&f, "710000000000000013", post_id, NULL, "300000000000000078", "220C is plenty");
    settle(&f, "710000000000000014", 1);
    assert_int_equal(dhCount(&f, "http", "/users/@me/channels", -1), 1);
    assert_int_equal(dhCountBody(&f, "/messages", "220C is plenty"), 0);
    assert_int_equal(metric("relayed"), 1);
    char err[CB_ERRLEN];
    histReport r;
    histReportOptions o;
    histReportDefaults(&o);
    assert_int_equal(histReportBuild(f.a.hist, &o, &r, err), CB_OK);
    assert_int_equal(r.nmentor, 1);
    assert_string_equal(r.mentor[0].question, DECLINED);
    assert_string_equal(r.mentor[0].mentor, "Mentor Mo");
    histReportFree(&r);
    stop(&f);
}

static void testNamedThreadCancel(void **state) {
    (void)state;
    dhFixture f;
    start(&f, 3);
    char token[APP_MENTOR_TOKEN], cid[64];
    askDeclined(&f, "710000000000000021", DECLINED, 0, token);
    snprintf(cid, sizeof cid, "mentor:named:%s", token);
    clickAs(&f, "810000000000000002", "300000000000000005", cid); /* not theirs */
    assert_true(dhWaitBody(&f, "/callback", "Only the person who asked", 1, 10000));
    clickAs(&f, "810000000000000003", ASKER, cid);
    assert_true(dhWait(&f, "message", NULL, -1, 2, 10000));
    json_t *pb = bodyOf(&f, "/channels/" MENTORS "/messages", 0);
    assert_true(has(pb, "Asked by <@" ASKER ">")); /* shown, never pinged: parse [] */
    char post_id[32];
    snprintf(post_id, sizeof post_id, "%s", postedId(&f, MENTORS, 0));
    /* the first reply in a thread started from the post is relayed */
    mentorSays(&f, "710000000000000022", post_id, NULL, MENTOR, "Use a dutch oven");
    assert_true(dhWaitBody(&f, "/messages", "Use a dutch oven", 1, 10000));
    /* a second hand-off, cancelled: the mentors' post is edited, nothing relayed */
    askDeclined(&f, "710000000000000023", "which sourdough starter should I buy", 1, token);
    snprintf(cid, sizeof cid, "mentor:ask:%s", token);
    clickAs(&f, "810000000000000004", ASKER, cid);
    assert_true(dhWait(&f, "message", NULL, -1, 5, 10000));
    snprintf(post_id, sizeof post_id, "%s", postedId(&f, MENTORS, 1));
    snprintf(cid, sizeof cid, "mentor:cancel:%s", token);
    clickAs(&f, "810000000000000005", ASKER, cid);
    assert_true(dhWaitBody(&f, "/callback", "Cancelled", 1, 10000));
    assert_true(dhWait(&f, "http", "/channels/" MENTORS "/messages/", -1, 1, 10000)); /* PATCH */
    mentorSays(&f, "710000000000000024", MENTORS, post_id, MENTOR, "too late");
    settle(&f, "710000000000000025", 2);
    assert_int_equal(dhCountBody(&f, "/messages", "too late"), 0);
    assert_int_equal(metric("cancelled"), 1);
    stop(&f);
}

static void testLimitAndExpiry(void **state) {
    (void)state;
    dhFixture f;
    start(&f, 1);
    char token[APP_MENTOR_TOKEN], cid[64], post_id[32];
    firstHandOff(&f, "710000000000000031", "810000000000000011", post_id);
    askDeclined(&f, "710000000000000032", "which sourdough starter should I buy", 1, token);
    snprintf(cid, sizeof cid, "mentor:ask:%s", token);
    clickAs(&f, "810000000000000012", ASKER, cid);
    assert_true(dhWaitBody(&f, "/callback", "as often as one person may today", 1, 10000));
    assert_int_equal(metric("limited"), 1);
    mkNow += 8 * 86400; /* a week and a day later */
    mentorSays(&f, "710000000000000033", MENTORS, post_id, MENTOR, "sorry, I was away");
    settle(&f, "710000000000000034", 2);
    assert_int_equal(dhCount(&f, "http", "/users/@me/channels", -1), 0);
    assert_int_equal(metric("expired"), 1);
    stop(&f);
}

static void testClosedDms(void **state) {
    (void)state;
    dhFixture f;
    start(&f, 3);
    dhCmd(&f, "{\"cmd\":\"close_dms\",\"user_id\":\"" ASKER "\"}");
    char post_id[32];
    firstHandOff(&f, "710000000000000041", "810000000000000021", post_id);
    mentorSays(&f, "710000000000000042", MENTORS, post_id, MENTOR, "Use rye flour");
    assert_true(dhWaitBody(&f, "/messages", "Use rye flour", 1, 10000)); /* tried once */
    settle(&f, "710000000000000043", 1);
    char *log = dhBotLog(&f);
    assert_non_null(strstr(log, "what=mentor_relay"));
    assert_non_null(strstr(log, "status=403"));
    free(log);
    assert_int_equal(dhCountBody(&f, "/messages", "Use rye flour"), 1); /* not retried */
    stop(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRelayedOnceByDm),
        cmocka_unit_test(testNamedThreadCancel),
        cmocka_unit_test(testLimitAndExpiry),
        cmocka_unit_test(testClosedDms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
