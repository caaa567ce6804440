/* test_discord_replies.c - what Discord users see, against the fake: a
 * mention gets a reply (embed with the summary, buttons, message_reference,
 * allowed_mentions parse [], the User-Agent Discord documents), a DM gets one, bots and unmentioned guild
 * messages get none, /faq gets a type-4 callback, autocomplete gets <= 25
 * choices quickly, a "show" button the chosen answer (ephemeral), a vote
 * is acknowledged (type 7), and a 429 delays the reply by retry_after
 * without losing it. The fake checks every payload (violations). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "discord_harness.h"
#include "ops/metrics.h"

/* The body of the n-th POST to path (borrowed from the last log). */
static json_t *bodyOf(dhFixture *f, const char *path, size_t n) {
    return json_object_get(dhNth(f, "http", path, -1, n), "body");
}

static void interaction(dhFixture *f, const char *id, int type, const char *data) {
    dhCmdf(f, "{\"cmd\":\"dispatch\",\"t\":\"INTERACTION_CREATE\",\"d\":{\"id\":\"%s\",\"type\":%d,"
              "\"application_id\":\"" DH_APP "\",\"token\":\"" DH_ITOKEN "\",\"channel_id\":\"" DH_CHANNEL
              "\",\"guild_id\":\"" DH_GUILD "\",\"member\":{\"user\":{\"id\":\"300000000000000009\"}},"
              "\"data\":%s}}", id, type, data);
}

static void testMentionReply(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    dhMention(&f, "710000000000000001", "should I learn django or flask?");
    assert_true(dhWait(&f, "http", "/channels/" DH_CHANNEL "/messages", -1, 1, 5000));
    json_t *e = dhNth(&f, "http", "/channels/" DH_CHANNEL "/messages", -1, 0);
    assert_string_equal(dhS(json_object_get(e, "headers"), "authorization"), "Bot " DH_TOKEN);
    /* Discord's documented User-Agent, "DiscordBot ($url, $versionNumber)" */
    const char *ua = dhS(json_object_get(e, "headers"), "user-agent");
    assert_non_null(ua);
    char *want = discordUserAgent(NULL); /* discord.project_url's default */
    assert_string_equal(ua, want);
    free(want);
    assert_memory_equal(ua, "DiscordBot (" CB_PROJECT_URL ", ", strlen("DiscordBot (" CB_PROJECT_URL ", "));
    assert_string_equal(ua + strlen(ua) - strlen(", " CB_VERSION ")"), ", " CB_VERSION ")");
    json_t *b = json_object_get(e, "body");
    json_t *ref = json_object_get(b, "message_reference");
    assert_string_equal(dhS(ref, "message_id"), "710000000000000001");
    assert_string_equal(dhS(ref, "guild_id"), DH_GUILD);
    assert_true(json_is_false(json_object_get(ref, "fail_if_not_exists")));
    json_t *am = json_object_get(b, "allowed_mentions");
    assert_int_equal(json_array_size(json_object_get(am, "parse")), 0);
    assert_true(json_is_false(json_object_get(am, "replied_user")));
    json_t *embed = json_array_get(json_object_get(b, "embeds"), 0);
    assert_non_null(strstr(dhS(embed, "title"), "Django"));
    assert_true(strlen(dhS(embed, "description")) > 20);
    /* the bundled entries have summaries: the summary first, sources with
     * the full answer (test_summary_first.c) */
    assert_null(json_object_get(embed, "fields"));
    char *s = json_dumps(json_object_get(b, "components"), JSON_COMPACT);
    assert_non_null(strstr(s, "full:"));
    assert_non_null(strstr(s, "vote:up:"));
    free(s);
    assert_int_equal(dhStop(&f), 0);
}

/* discord.project_url is the URL every REST call names in its User-Agent
 * (the gateway lookup and the reply alike). */
static void testProjectUrlInUserAgent(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStartUrl(&f, DH_TOKEN, 1, "https://example.org/our-bot"), CB_OK);
    dhMention(&f, "710000000000000002", "should I learn django or flask?");
    assert_true(dhWait(&f, "http", "/channels/" DH_CHANNEL "/messages", -1, 1, 5000));
    const char *paths[] = {"/gateway/bot", "/channels/" DH_CHANNEL "/messages"};
    for (size_t i = 0; i < CB_ARRAY_LEN(paths); i++) {
        json_t *e = dhNth(&f, "http", paths[i], -1, 0);
        assert_non_null(e);
        assert_string_equal(dhS(json_object_get(e, "headers"), "user-agent"),
                            "DiscordBot (https://example.org/our-bot, " CB_VERSION ")");
    }
    assert_int_equal(dhStop(&f), 0);
}

static void testWhoGetsAnswers(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    /* a bot author, an unmentioned guild message, the bot itself: ignored */
    dhCmd(&f, "{\"cmd\":\"message\",\"id\":\"720000000000000001\",\"channel_id\":\"" DH_CHANNEL "\",\"guild_id\":\""
              DH_GUILD "\",\"content\":\"<@" DH_BOT "> django?\",\"mention\":true,\"author_bot\":true}");
    dhCmd(&f, "{\"cmd\":\"message\",\"id\":\"720000000000000002\",\"channel_id\":\"" DH_CHANNEL "\",\"guild_id\":\""
              DH_GUILD "\",\"content\":\"django or flask?\"}");
    dhCmd(&f, "{\"cmd\":\"message\",\"id\":\"720000000000000003\",\"channel_id\":\"" DH_CHANNEL "\",\"guild_id\":\""
              DH_GUILD "\",\"content\":\"<@" DH_BOT "> hi\",\"author_id\":\"" DH_BOT "\"}");
    /* a DM (no guild_id, no mention) and a <@!id> mention in content only */
    dhCmd(&f, "{\"cmd\":\"message\",\"id\":\"720000000000000004\",\"channel_id\":\"610000000000000001\","
              "\"content\":\"are certifications worth it?\"}");
    dhCmd(&f, "{\"cmd\":\"message\",\"id\":\"720000000000000005\",\"channel_id\":\"" DH_CHANNEL "\",\"guild_id\":\""
              DH_GUILD "\",\"content\":\"<@!" DH_BOT "> bootcamps?\"}");
    assert_true(dhWait(&f, "http", "/messages", -1, 2, 5000));
    dhSpin(&f, 500);
    dhFetchLog(&f);
    assert_int_equal(dhCount(&f, "http", "/messages", -1), 2);
    assert_int_equal(dhCountBody(&f, "/channels/610000000000000001/messages", "720000000000000004"), 1);
    json_t *dm = bodyOf(&f, "/channels/610000000000000001/messages", 0);
    assert_null(json_object_get(json_object_get(dm, "message_reference"), "guild_id"));
    assert_int_equal(dhCountBody(&f, "/messages", "720000000000000005"), 1);
    assert_int_equal(dhStop(&f), 0);
}

/* /faq question, an autocomplete, then the chosen entry's button and a
 * vote on it. */
static void testInteractions(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    interaction(&f, "730000000000000001", 2,
                "{\"name\":\"faq\",\"type\":1,\"options\":[{\"name\":\"question\",\"type\":3,\"value\":\"django or flask\"}]}");
    assert_true(dhWait(&f, "http", "/interactions/730000000000000001/", -1, 1, 5000));
    json_t *cb = bodyOf(&f, "/interactions/730000000000000001/", 0);
    assert_int_equal(json_integer_value(json_object_get(cb, "type")), 4);
    json_t *data = json_object_get(cb, "data");
    assert_int_equal(json_integer_value(json_object_get(data, "flags")), 64); /* slash_ephemeral default */
    assert_non_null(strstr(dhS(json_array_get(json_object_get(data, "embeds"), 0), "title"), "Django"));

    metricsReset();
    interaction(&f, "730000000000000002", 4,
                "{\"name\":\"faq\",\"type\":1,\"options\":[{\"name\":\"question\",\"type\":3,\"value\":\"boot\",\"focused\":true}]}");
    assert_true(dhWait(&f, "http", "/interactions/730000000000000002/", -1, 1, 5000));
    cb = bodyOf(&f, "/interactions/730000000000000002/", 0);
    assert_int_equal(json_integer_value(json_object_get(cb, "type")), 8);
    json_t *choices = json_object_get(json_object_get(cb, "data"), "choices");
    assert_true(json_array_size(choices) >= 1 && json_array_size(choices) <= 25);
    char id[128], name[128]; /* copies: the log is replaced by the next fetch */
    snprintf(id, sizeof id, "%s", dhS(json_array_get(choices, 0), "value"));
    snprintf(name, sizeof name, "%s", dhS(json_array_get(choices, 0), "name"));
    assert_non_null(strstr(id, "bootcamp"));
    char *metrics = metricsRender(); /* autocomplete goes through the app: counted */
    assert_non_null(strstr(metrics, "careerbot_autocomplete_total{platform=\"discord\"} 1\n"));
    free(metrics);

    /* /faq with the chosen suggestion: its value is the entry id, shown as is */
    char faq[300];
    snprintf(faq, sizeof faq,
             "{\"name\":\"faq\",\"type\":1,\"options\":[{\"name\":\"question\",\"type\":3,\"value\":\"%s\"}]}", id);
    interaction(&f, "730000000000000005", 2, faq);
    assert_true(dhWait(&f, "http", "/interactions/730000000000000005/", -1, 1, 5000));
    cb = bodyOf(&f, "/interactions/730000000000000005/", 0);
    assert_int_equal(json_integer_value(json_object_get(cb, "type")), 4);
    assert_string_equal(dhS(json_array_get(json_object_get(json_object_get(cb, "data"), "embeds"), 0), "title"),
                        name);

    char custom[200];
    snprintf(custom, sizeof custom, "{\"custom_id\":\"show:%s\",\"component_type\":2}", id);
    interaction(&f, "730000000000000003", 3, custom);
    snprintf(custom, sizeof custom, "{\"custom_id\":\"vote:up:%s\",\"component_type\":2}", id);
    interaction(&f, "730000000000000004", 3, custom);
    assert_true(dhWait(&f, "http", "/interactions/730000000000000004/", -1, 1, 5000));
    assert_true(dhWait(&f, "http", "/interactions/730000000000000003/", -1, 1, 5000));
    cb = bodyOf(&f, "/interactions/730000000000000003/", 0);
    assert_int_equal(json_integer_value(json_object_get(cb, "type")), 4);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(cb, "data"), "flags")), 64);
    assert_string_equal(dhS(json_array_get(json_object_get(json_object_get(cb, "data"), "embeds"), 0), "title"),
                        name);
    cb = bodyOf(&f, "/interactions/730000000000000004/", 0);
    assert_int_equal(json_integer_value(json_object_get(cb, "type")), 7);
    assert_non_null(strstr(dhS(json_object_get(cb, "data"), "content"), "Thanks for the feedback"));
    assert_int_equal(json_array_size(json_object_get(json_object_get(cb, "data"), "components")), 0);
    char *log = dhBotLog(&f);
    assert_null(strstr(log, DH_ITOKEN)); /* interaction tokens never logged */
    free(log);
    assert_int_equal(dhStop(&f), 0);
}

/* Autocomplete answered quickly: the callback reaches the fake within
 * 250 ms of the dispatch under ASan, for 20 requests in a row. */
static void testAutocompleteFast(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    static const char *partials[] = {"dj", "cert", "how do I", "pyth", "", "x\\u00e9"};
    for (int i = 0; i < 20; i++) {
        char id[32], data[256];
        snprintf(id, sizeof id, "74000000000000%04d", i);
        snprintf(data, sizeof data, "{\"name\":\"faq\",\"options\":[{\"name\":\"question\",\"value\":\"%s\",\"focused\":true}]}",
                 partials[i % 6]);
        interaction(&f, id, 4, data);
    }
    assert_true(dhWait(&f, "http", "/interactions/", -1, 20, 8000));
    size_t i;
    json_t *e;
    double worst = 0;
    json_array_foreach(f.log, i, e) {
        if (!dhMatch(e, "http", "/interactions/", -1)) continue;
        json_t *disp = NULL, *w;
        size_t j;
        char idp[32];
        snprintf(idp, sizeof idp, "%.18s", dhS(e, "path") + strlen("/api/v10/interactions/"));
        json_array_foreach(f.log, j, w) { /* the dispatch of the same interaction */
            if (dhMatch(w, "dispatch", NULL, -1) && dhS(json_object_get(w, "body"), "id") &&
                strcmp(dhS(json_object_get(w, "body"), "id"), idp) == 0)
                disp = w;
        }
        assert_non_null(disp);
        double lat = json_number_value(json_object_get(e, "t")) - json_number_value(json_object_get(disp, "t"));
        if (lat > worst) worst = lat;
        assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "body"), "type")), 8);
    }
    fprintf(stderr, "autocomplete worst end-to-end %.1f ms (ASan build, in-process loop)\n", worst);
    assert_true(worst < 250);
    assert_int_equal(dhStop(&f), 0);
}

/* A 429 with retry_after 0.5: the reply arrives after it, never before,
 * and exactly once. */
static void testRateLimited(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    dhCmd(&f, "{\"cmd\":\"rate_limit\",\"count\":1,\"retry_after\":0.5,\"global\":false}");
    dhMention(&f, "750000000000000001", "are bootcamps worth it?");
    assert_true(dhWait(&f, "http", "/messages", -1, 2, 8000));
    double t1 = json_number_value(json_object_get(dhNth(&f, "http", "/messages", -1, 0), "t"));
    double t2 = json_number_value(json_object_get(dhNth(&f, "http", "/messages", -1, 1), "t"));
    assert_true(t2 - t1 >= 490);
    dhSpin(&f, 700);
    dhFetchLog(&f);
    assert_int_equal(dhCount(&f, "http", "/messages", -1), 2); /* the 429'd try and the retry */
    assert_int_equal(dhStop(&f), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testMentionReply),  cmocka_unit_test(testWhoGetsAnswers),
        cmocka_unit_test(testInteractions),  cmocka_unit_test(testAutocompleteFast),
        cmocka_unit_test(testRateLimited),   cmocka_unit_test(testProjectUrlInUserAgent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
