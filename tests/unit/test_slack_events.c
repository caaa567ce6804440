/* test_slack_events.c - the Slack transport's pure decisions: which events
 * get an answer (table of real-shaped Slack events), mention stripping,
 * the duplicate memory (ids kept SLK_SEEN_TTL_MS, not by count; the
 * oldest forgotten early only past SLK_SEEN_MAX), the thank-you rewrite of
 * a voted message (button ids: test_action.c), and token checks that never
 * echo the token. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/common.h"
#include "platform/slack/slack.h"

#define SELF_USER "U0BOT"
#define SELF_BOT "B0BOT"

typedef struct eventCase {
    const char *json;
    slkEventKind kind;
    const char *why;    /* for SLK_IGNORE */
    const char *text;   /* expected stripped text */
    const char *thread; /* expected thread_ts (NULL: none) */
} eventCase;

static const eventCase cases[] = {
    {"{\"type\":\"app_mention\",\"user\":\"U1\",\"text\":\"<@U0BOT> are bootcamps worth it?\","
     "\"ts\":\"111.1\",\"channel\":\"C1\",\"event_ts\":\"111.1\"}",
     SLK_MENTION, NULL, "are bootcamps worth it?", "111.1"},
    {"{\"type\":\"app_mention\",\"user\":\"U1\",\"text\":\"hey <@U0BOT|careerbot>  django or flask? \","
     "\"ts\":\"222.2\",\"thread_ts\":\"200.0\",\"channel\":\"C1\"}",
     SLK_MENTION, NULL, "hey   django or flask?", "200.0"},
    {"{\"type\":\"app_mention\",\"user\":\"U1\",\"text\":\"<@U0BOT> ask <@U999> too\","
     "\"ts\":\"1.1\",\"channel\":\"C1\"}",
     SLK_MENTION, NULL, "ask  too", "1.1"}, /* another user's mention is not words */
    {"{\"type\":\"app_mention\",\"user\":\"U1\",\"text\":\"<@U0BOT> C++ &amp; Python &lt;3, "
     "see <https://docs.python.org/3/|the docs>\",\"ts\":\"1.2\",\"channel\":\"C1\"}",
     SLK_MENTION, NULL, "C++ & Python <3, see the docs (https://docs.python.org/3/)", "1.2"},
    {"{\"type\":\"message\",\"channel_type\":\"im\",\"user\":\"U2\",\"text\":\"what about certs?\","
     "\"ts\":\"3.3\",\"channel\":\"D1\"}",
     SLK_DM, NULL, "what about certs?", NULL},
    {"{\"type\":\"message\",\"channel_type\":\"im\",\"user\":\"U2\",\"text\":\"x\",\"ts\":\"3.4\","
     "\"thread_ts\":\"3.0\",\"channel\":\"D1\"}",
     SLK_DM, NULL, "x", "3.0"},
    /* not for us */
    {"{\"type\":\"message\",\"channel_type\":\"im\",\"user\":\"U0BOT\",\"text\":\"my own answer\","
     "\"ts\":\"4.4\",\"channel\":\"D1\"}",
     SLK_IGNORE, "own_message", NULL, NULL},
    {"{\"type\":\"message\",\"channel_type\":\"im\",\"bot_id\":\"B0BOT\",\"text\":\"mine\","
     "\"ts\":\"4.5\",\"channel\":\"D1\"}",
     SLK_IGNORE, "own_message", NULL, NULL},
    {"{\"type\":\"message\",\"channel_type\":\"im\",\"user\":\"U7\",\"bot_id\":\"B7\",\"text\":\"beep\","
     "\"ts\":\"4.6\",\"channel\":\"D1\"}",
     SLK_IGNORE, "bot_message", NULL, NULL},
    {"{\"type\":\"message\",\"subtype\":\"bot_message\",\"channel_type\":\"im\",\"text\":\"beep\","
     "\"ts\":\"4.7\",\"channel\":\"D1\"}",
     SLK_IGNORE, "bot_message", NULL, NULL},
    {"{\"type\":\"app_mention\",\"user\":\"U8\",\"bot_id\":\"B8\",\"text\":\"<@U0BOT> hi\","
     "\"ts\":\"4.8\",\"channel\":\"C1\"}",
     SLK_IGNORE, "bot_message", NULL, NULL},
    {"{\"type\":\"message\",\"subtype\":\"message_changed\",\"channel_type\":\"im\",\"channel\":\"D1\","
     "\"message\":{\"user\":\"U2\",\"text\":\"edited\"},\"ts\":\"5.5\"}",
     SLK_IGNORE, "subtype", NULL, NULL},
    {"{\"type\":\"message\",\"subtype\":\"message_deleted\",\"channel_type\":\"im\",\"channel\":\"D1\","
     "\"ts\":\"5.6\"}",
     SLK_IGNORE, "subtype", NULL, NULL},
    {"{\"type\":\"message\",\"subtype\":\"channel_join\",\"user\":\"U3\",\"text\":\"joined\","
     "\"channel\":\"C1\",\"channel_type\":\"channel\",\"ts\":\"5.7\"}",
     SLK_IGNORE, "subtype", NULL, NULL},
    {"{\"type\":\"message\",\"channel_type\":\"channel\",\"user\":\"U2\",\"text\":\"chatter\","
     "\"ts\":\"6.6\",\"channel\":\"C1\"}",
     SLK_IGNORE, "not_a_dm", NULL, NULL},
    /* a reply in a channel thread (a mentor answering a hand-off) */
    {"{\"type\":\"message\",\"channel_type\":\"channel\",\"user\":\"U5\",\"text\":\"try X\","
     "\"ts\":\"6.7\",\"thread_ts\":\"6.0\",\"parent_user_id\":\"U0BOT\",\"channel\":\"C9\"}",
     SLK_THREAD, NULL, "try X", "6.0"},
    {"{\"type\":\"message\",\"channel_type\":\"channel\",\"user\":\"U5\",\"text\":\"root\","
     "\"ts\":\"6.0\",\"thread_ts\":\"6.0\",\"channel\":\"C9\"}",
     SLK_IGNORE, "not_a_dm", NULL, NULL},
    {"{\"type\":\"message\",\"channel_type\":\"channel\",\"bot_id\":\"B7\",\"text\":\"beep\","
     "\"ts\":\"6.8\",\"thread_ts\":\"6.0\",\"channel\":\"C9\"}",
     SLK_IGNORE, "bot_message", NULL, NULL},
    {"{\"type\":\"message\",\"channel_type\":\"channel\",\"user\":\"U0BOT\",\"text\":\"me\","
     "\"ts\":\"6.9\",\"thread_ts\":\"6.0\",\"channel\":\"C9\"}",
     SLK_IGNORE, "own_message", NULL, NULL},
    {"{\"type\":\"reaction_added\",\"user\":\"U2\"}", SLK_IGNORE, "event_type", NULL, NULL},
    {"{\"type\":\"app_mention\",\"user\":\"U1\",\"ts\":\"7.7\",\"channel\":\"C1\"}",
     SLK_IGNORE, "incomplete", NULL, NULL},
    {"{\"type\":\"app_mention\",\"user\":\"U1\",\"text\":42,\"ts\":\"7.7\",\"channel\":\"C1\"}",
     SLK_IGNORE, "incomplete", NULL, NULL},
    {"[1,2]", SLK_IGNORE, "not_an_event", NULL, NULL},
    {"{}", SLK_IGNORE, "not_an_event", NULL, NULL},
};

/* Case i's event as json_loads reads it (round 0), or as the transport
 * reads it inside a Socket Mode envelope with blocks (round 1); *env is
 * what to free. */
static json_t *caseEvent(size_t i, int round, json_t **env) {
    if (!round) return *env = json_loads(cases[i].json, 0, NULL);
    char *text = cbSprintf("{\"envelope_id\":\"e1\",\"type\":\"events_api\",\"payload\":{"
                           "\"team_id\":\"T1\",\"event\":%s,\"event_id\":\"Ev1\"},"
                           "\"accepts_response_payload\":false}", cases[i].json);
    char err[CB_ERRLEN];
    *env = slkParseMessage(text, strlen(text), err);
    free(text);
    assert_non_null(*env);
    return json_object_get(json_object_get(*env, "payload"), "event");
}

static void testClassify(void **state) {
    (void)state;
    for (size_t n = 0; n < 2 * CB_ARRAY_LEN(cases); n++) {
        size_t i = n / 2;
        json_t *env, *ev = caseEvent(i, (int)(n % 2), &env);
        assert_non_null(ev);
        slkEvent e;
        slkClassifyEvent(ev, SELF_USER, SELF_BOT, &e);
        if (e.kind != cases[i].kind) fail_msg("case %zu: kind %d, want %d", i, e.kind, cases[i].kind);
        if (cases[i].kind == SLK_IGNORE) {
            assert_string_equal(e.why, cases[i].why);
            assert_null(e.text);
        } else {
            assert_string_equal(e.text, cases[i].text);
            if (cases[i].thread) assert_string_equal(e.thread_ts, cases[i].thread);
            else assert_null(e.thread_ts);
            assert_non_null(e.channel);
            assert_non_null(e.user);
        }
        slkEventFree(&e);
        json_decref(env);
    }
}

/* An events_api envelope keeps what the transport reads, nothing else;
 * slash commands and interactions are read whole; bad JSON is an error. */
static void testParseMessage(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    const char *ev = "{\"envelope_id\":\"e2\",\"type\":\"events_api\",\"retry_attempt\":2,"
                     "\"payload\":{\"event_id\":\"Ev2\",\"token\":\"x\",\"event\":{\"type\":\"app_mention\","
                     "\"text\":\"<@U0BOT> hi\",\"blocks\":[{\"type\":\"rich_text\"}],\"user\":\"U1\","
                     "\"user_profile\":{\"display_name\":\"Ann\",\"image_72\":\"u\"}}}}";
    json_t *m = slkParseMessage(ev, strlen(ev), err);
    json_t *want = json_loads("{\"envelope_id\":\"e2\",\"type\":\"events_api\",\"retry_attempt\":2,"
                              "\"payload\":{\"event_id\":\"Ev2\",\"event\":{\"type\":\"app_mention\","
                              "\"text\":\"<@U0BOT> hi\",\"user\":\"U1\","
                              "\"user_profile\":{\"display_name\":\"Ann\"}}}}", 0, NULL);
    assert_true(json_equal(m, want));
    json_decref(m);
    json_decref(want);
    const char *slash = "{\"envelope_id\":\"e3\",\"type\":\"slash_commands\",\"accepts_response_payload\":true,"
                        "\"payload\":{\"command\":\"/faq\",\"text\":\"x\",\"channel_id\":\"C1\"}}";
    m = slkParseMessage(slash, strlen(slash), err);
    want = json_loads(slash, 0, NULL);
    assert_true(json_equal(m, want));
    json_decref(m);
    json_decref(want);
    const char *bad = "{\"type\":\"events_api\",\"payload\":{\"event\":{\"blocks\":\"\xC0\x80\"}}}";
    assert_null(slkParseMessage(bad, strlen(bad), err));
    assert_non_null(strstr(err, "UTF-8"));
}

static void testClassifyNullEvent(void **state) {
    (void)state;
    slkEvent e;
    slkClassifyEvent(NULL, SELF_USER, SELF_BOT, &e);
    assert_int_equal(e.kind, SLK_IGNORE);
    /* unknown own ids (auth.test not done): a mention still works (and
     * a mention is not words of the question) */
    json_t *ev = json_loads(cases[0].json, 0, NULL);
    slkClassifyEvent(ev, NULL, NULL, &e);
    assert_int_equal(e.kind, SLK_MENTION);
    assert_string_equal(e.text, "are bootcamps worth it?");
    slkEventFree(&e);
    json_decref(ev);
}

static void testStripMention(void **state) {
    (void)state;
    static const char *tab[][3] = {
        {"<@U0BOT> hi", "U0BOT", "hi"},
        {"  <@U0BOT>  ", "U0BOT", ""},
        {"<@U0BOTX> hi", "U0BOT", "<@U0BOTX> hi"}, /* another user, same prefix */
        {"a <@U0BOT> b <@U0BOT> c", "U0BOT", "a  b  c"},
        {"<@U0BOT", "U0BOT", "<@U0BOT"},           /* unterminated */
        {"\t\n question \r\n", "U0BOT", "question"},
        {"", "U0BOT", ""},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(tab); i++) {
        char *s = slkStripMention(tab[i][0], tab[i][1]);
        assert_string_equal(s, tab[i][2]);
        free(s);
    }
}

/* Slack's text as typed: its three escapes decoded, its control
 * sequences as the words a reader sees (Slack's "Formatting text" guide). */
static void testPlainText(void **state) {
    (void)state;
    static const char *tab[][2] = {
        {"a &amp; b &lt;c&gt; &amp;lt;", "a & b <c> &lt;"},
        {"<https://x.org/a>", "https://x.org/a"},
        {"<https://x.org/a|https://x.org/a>", "https://x.org/a"},
        {"<https://x.org/a|the docs>", "the docs (https://x.org/a)"},
        {"in <#C123|general> and <#C9> and <#C8|>", "in #general and #C9 and #C8"},
        {"<https://x.org/a|a &amp; b>", "a & b (https://x.org/a)"},
        {"<!here> <!channel> <!everyone> q", "@here @channel @everyone q"},
        {"<!subteam^S1|@mentors> help", "@mentors help"},
        {"<@U1> and <@U2|ann>", " and ann"},
        {"a < b and c > d", "a < b and c > d"},
        {"<>", "<>"},
        {"", ""},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(tab); i++) {
        char *p = slkPlainText(tab[i][0]);
        if (strcmp(p, tab[i][1]) != 0) fail_msg("'%s' -> '%s', want '%s'", tab[i][0], p, tab[i][1]);
        free(p);
    }
}

static void testSeen(void **state) {
    (void)state;
    slkSeen *s = cbMalloc(sizeof(*s));
    slkSeenInit(s);
    double t = 1000.0;
    assert_int_equal(slkSeenCheck(s, "Ev1", t), 0);
    assert_int_equal(slkSeenCheck(s, "Ev1", t), 1);
    assert_int_equal(slkSeenCheck(s, "Ev2", t), 0);
    assert_int_equal(slkSeenCheck(s, NULL, t), 0);
    assert_int_equal(slkSeenCheck(s, "", t), 0);
    assert_int_equal(slkSeenCheck(s, "", t), 0);
    assert_int_equal(slkSeenHas(s, "Ev3", t), 0); /* Has does not remember */
    assert_int_equal(slkSeenHas(s, "Ev3", t), 0);
    /* the old 1,024-slot ring forgot Ev1 after ~1,000 newer ids: now only time does */
    char id[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(id, sizeof(id), "fill-%d", i);
        assert_int_equal(slkSeenCheck(s, id, t + i * 0.01), 0);
    }
    assert_int_equal(slkSeenHas(s, "Ev1", t + 5 * 60 * 1000.0), 1);      /* a retry 5 minutes later */
    assert_int_equal(slkSeenHas(s, "fill-99999", t + 14 * 60 * 1000.0), 1);
    assert_int_equal(slkSeenHas(s, "Ev1", t + SLK_SEEN_TTL_MS + 2000.0), 0); /* forgotten after the TTL */
    assert_int_equal(s->n, 0); /* and its memory with it */
    assert_int_equal(s->evicted_early, 0);
    slkSeenFree(s);
    free(s);
}

/* At SLK_SEEN_MAX ids within the TTL the oldest is forgotten early and
 * counted; memory stays at the bound. */
static void testSeenBound(void **state) {
    (void)state;
    slkSeen *s = cbMalloc(sizeof(*s));
    slkSeenInit(s);
    char id[32];
    for (unsigned i = 0; i < SLK_SEEN_MAX; i++) {
        snprintf(id, sizeof(id), "b%u", i);
        slkSeenAdd(s, id, 0.0);
    }
    assert_int_equal(s->n, SLK_SEEN_MAX);
    assert_int_equal(slkSeenHas(s, "b0", 0.0), 1);
    slkSeenAdd(s, "one-more", 0.0);
    assert_int_equal(s->cap, SLK_SEEN_MAX);
    assert_int_equal(s->n, SLK_SEEN_MAX);
    assert_int_equal(s->evicted_early, 1);
    assert_int_equal(slkSeenHas(s, "b0", 0.0), 0); /* the oldest went */
    assert_int_equal(slkSeenHas(s, "b1", 0.0), 1);
    assert_int_equal(slkSeenHas(s, "one-more", 0.0), 1);
    slkSeenFree(s);
    free(s);
}

static void testThankBlocks(void **state) {
    (void)state;
    json_t *blocks = json_loads(
        "[{\"type\":\"header\",\"text\":{\"type\":\"plain_text\",\"text\":\"Q\"}},"
        "{\"type\":\"actions\",\"elements\":[{\"type\":\"button\",\"action_id\":\"show:r/1\"}]},"
        "{\"type\":\"actions\",\"elements\":[{\"type\":\"button\",\"action_id\":\"vote:up:a/b\"},"
        "{\"type\":\"button\",\"action_id\":\"vote:down:a/b\"},"
        "{\"type\":\"button\",\"action_id\":\"share:a/b\"}]},"
        "{\"type\":\"actions\",\"elements\":[{\"type\":\"button\",\"action_id\":\"vote:up:c\"}]}]",
        0, NULL);
    assert_non_null(blocks);
    json_t *out = slkThankBlocks(blocks);
    char *js = json_dumps(out, JSON_COMPACT);
    assert_null(strstr(js, "vote:"));
    assert_non_null(strstr(js, "show:r/1"));
    assert_non_null(strstr(js, "share:a/b"));
    assert_non_null(strstr(js, "Thanks for the feedback"));
    assert_int_equal(json_array_size(out), 4); /* header, show, share, thanks */
    char *orig = json_dumps(blocks, JSON_COMPACT); /* the input is untouched */
    assert_non_null(strstr(orig, "vote:down:a/b"));
    free(orig);
    free(js);
    json_decref(out);
    json_decref(blocks);
}

static void testTokens(void **state) {
    (void)state;
    static const struct { const char *app, *bot, *must; int ok; } tab[] = {
        {"xapp-1-A1-123-abc", "xoxb-1-2-abc", NULL, 1},
        {NULL, "xoxb-1", "SLACK_APP_TOKEN is not set", 0},
        {"xoxb-secretvalue", "xoxb-1", "SLACK_APP_TOKEN does not start with xapp-", 0},
        {"xapp-1", "xoxp-secretvalue", "SLACK_BOT_TOKEN does not start with xoxb-", 0},
        {"xapp-1", "", "SLACK_BOT_TOKEN is not set", 0},
        {"xapp-1 2", "xoxb-1", "SLACK_APP_TOKEN contains whitespace", 0},
        {"xapp-1", "xoxb-1\r\nX-Evil: 1", "SLACK_BOT_TOKEN contains whitespace", 0},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(tab); i++) {
        char err[CB_ERRLEN] = "";
        int rc = slkCheckTokens(tab[i].app, tab[i].bot, err);
        assert_int_equal(rc, tab[i].ok ? CB_OK : CB_ERR);
        if (tab[i].must) assert_non_null(strstr(err, tab[i].must));
        assert_null(strstr(err, "secretvalue")); /* never echoes the value */
    }
    assert_true(slkIsAuthError("invalid_auth"));
    assert_true(slkIsAuthError("token_revoked"));
    assert_true(slkIsAuthError("account_inactive"));
    assert_true(slkIsAuthError("not_authed"));
    assert_false(slkIsAuthError("ratelimited"));
    assert_false(slkIsAuthError("internal_error"));
    assert_false(slkIsAuthError(NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testClassify),     cmocka_unit_test(testClassifyNullEvent),
        cmocka_unit_test(testStripMention), cmocka_unit_test(testSeen),
        cmocka_unit_test(testPlainText),
        cmocka_unit_test(testSeenBound),    cmocka_unit_test(testThankBlocks),
        cmocka_unit_test(testTokens),       cmocka_unit_test(testParseMessage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
