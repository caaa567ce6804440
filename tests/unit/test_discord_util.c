/* test_discord_util.c - the Discord transport's pure parts: close-code
 * policy, mentions, snowflakes and tokens, the /faq command definition
 * and options, and the gateway send limiter (custom ids: test_action.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/common.h"
#include "platform/discord/discord.h"

static void testClosePolicy(void **state) {
    (void)state;
    static const struct { int code; discordCloseAction want; const char *why; } cases[] = {
        {1000, DISCORD_CLOSE_RESUME, NULL},   {1001, DISCORD_CLOSE_RESUME, NULL},
        {1006, DISCORD_CLOSE_RESUME, NULL},   {4000, DISCORD_CLOSE_RESUME, NULL},
        {4001, DISCORD_CLOSE_RESUME, NULL},   {4002, DISCORD_CLOSE_RESUME, NULL},
        {4003, DISCORD_CLOSE_RESUME, NULL},   {4005, DISCORD_CLOSE_RESUME, NULL},
        {4008, DISCORD_CLOSE_RESUME, NULL},   {4007, DISCORD_CLOSE_IDENTIFY, NULL},
        {4009, DISCORD_CLOSE_IDENTIFY, NULL}, {4004, DISCORD_CLOSE_FATAL, "DISCORD_TOKEN"},
        {4010, DISCORD_CLOSE_FATAL, "shard"}, {4011, DISCORD_CLOSE_FATAL, "sharding"},
        {4012, DISCORD_CLOSE_FATAL, "version"}, {4013, DISCORD_CLOSE_FATAL, "intents"},
        {4014, DISCORD_CLOSE_FATAL, "Privileged Gateway Intents"},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        const char *why = NULL;
        assert_int_equal(discordClosePolicy(cases[i].code, &why), cases[i].want);
        if (cases[i].why) assert_non_null(strstr(why, cases[i].why));
    }
    const char *why = NULL;
    discordClosePolicy(4014, &why);
    assert_non_null(strstr(why, "MESSAGE_CONTENT intent is not enabled"));
}

static void testMentions(void **state) {
    (void)state;
    static const struct { const char *in; int has; const char *stripped; } cases[] = {
        {"<@42> how do I learn Django?", 1, "how do I learn Django?"},
        {"<@!42>   hi  ", 1, "hi"},
        {"hey <@42>, what about <@42>?", 1, "hey , what about ?"},
        {"<@421> not me", 0, "<@421> not me"},
        {"<@4> not me", 0, "<@4> not me"},
        {"<@&42> a role", 0, "<@&42> a role"},
        {"<@42", 0, "<@42"},
        {"", 0, ""},
        {"<@42>", 1, ""},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        assert_int_equal(discordHasMention(cases[i].in, "42"), cases[i].has);
        char *s = discordStripMention(cases[i].in, "42");
        assert_string_equal(s, cases[i].stripped);
        free(s);
    }
    assert_int_equal(discordHasMention("<@42>", NULL), 0);
    assert_int_equal(discordHasMention(NULL, "42"), 0);
}

static void testIds(void **state) {
    (void)state;
    assert_true(discordIsSnowflake("123456789012345678"));
    assert_false(discordIsSnowflake(""));
    assert_false(discordIsSnowflake("12a"));
    assert_false(discordIsSnowflake("../../x"));
    assert_false(discordIsSnowflake("123456789012345678901")); /* 21 digits */
    assert_true(discordIsToken("aW50ZXJhY3Rpb246MTIz.abc_-x"));
    assert_false(discordIsToken("a/b"));
    assert_false(discordIsToken("a?b"));
    assert_false(discordIsToken(NULL));
}

static void testCommandDefs(void **state) {
    (void)state;
    kbTopic topics[30];
    char names[30][16];
    for (size_t i = 0; i < 30; i++) {
        snprintf(names[i], sizeof names[i], "topic%zu", i);
        topics[i] = (kbTopic){.name = names[i], .title = i == 0 ? "Frameworks" : NULL};
    }
    kb k = {.topics = topics, .ntopics = 30};
    json_t *defs = discordCommandDefs(&k);
    assert_int_equal(json_array_size(defs), 1);
    json_t *faq = json_array_get(defs, 0);
    assert_string_equal(json_string_value(json_object_get(faq, "name")), "faq");
    assert_int_equal(json_integer_value(json_object_get(faq, "type")), 1);
    json_t *opts = json_object_get(faq, "options");
    assert_int_equal(json_array_size(opts), 3);
    json_t *q = json_array_get(opts, 0), *t = json_array_get(opts, 1);
    assert_string_equal(json_string_value(json_object_get(q, "name")), "question");
    assert_true(json_is_true(json_object_get(q, "autocomplete")));
    json_t *choices = json_object_get(t, "choices");
    assert_int_equal(json_array_size(choices), 25); /* Discord's maximum */
    assert_string_equal(json_string_value(json_object_get(json_array_get(choices, 0), "name")), "Frameworks");
    assert_string_equal(json_string_value(json_object_get(json_array_get(choices, 1), "value")), "topic1");
    json_decref(defs);
    defs = discordCommandDefs(NULL);
    assert_null(json_object_get(json_array_get(json_object_get(json_array_get(defs, 0), "options"), 1),
                                "choices"));
    json_decref(defs);
}

static void testFaqText(void **state) {
    (void)state;
    static const struct { const char *opts; const char *want; } cases[] = {
        {"[{\"name\":\"question\",\"type\":3,\"value\":\"Is Django worth it?\"}]", "Is Django worth it?"},
        {"[{\"name\":\"topic\",\"type\":3,\"value\":\"bootcamps\"}]", "topic bootcamps"},
        {"[{\"name\":\"question\",\"value\":\"which one\"},{\"name\":\"topic\",\"value\":\"certs\"}]",
         "certs: which one"},
        {"[{\"name\":\"help\",\"type\":5,\"value\":true}]", "help"},
        {"[{\"name\":\"help\",\"type\":5,\"value\":false},{\"name\":\"question\",\"value\":\"q\"}]", "q"},
        {"[]", "help"},
        {"null", "help"},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        json_t *o = json_loads(cases[i].opts, JSON_DECODE_ANY, NULL);
        char *s = discordFaqText(o);
        assert_string_equal(s, cases[i].want);
        free(s);
        json_decref(o);
    }
}

static void testFocused(void **state) {
    (void)state;
    json_t *o = json_loads("[{\"name\":\"topic\",\"value\":\"x\"},"
                           "{\"name\":\"question\",\"value\":\"djan\",\"focused\":true}]", 0, NULL);
    const char *name = NULL;
    assert_string_equal(discordFocusedValue(o, &name), "djan");
    assert_string_equal(name, "question");
    json_decref(o);
    o = json_loads("[{\"name\":\"question\",\"value\":\"x\"}]", 0, NULL);
    assert_string_equal(discordFocusedValue(o, &name), "");
    assert_string_equal(name, "");
    json_decref(o);
}

/* 120 per 60 s with 3 reserved: ordinary sends stop at 117, heartbeats
 * still pass, and tokens come back at 2 per second. */
static void testBucket(void **state) {
    (void)state;
    discordBucket b;
    discordBucketInit(&b, 120, 60000, 3, 1000);
    int sent = 0;
    for (int i = 0; i < 200; i++) sent += discordBucketTake(&b, 1000, 0);
    assert_int_equal(sent, 117);
    assert_true(discordBucketWaitMs(&b, 1000, 0) > 400);
    assert_true(discordBucketWaitMs(&b, 1000, 1) == 0);
    for (int i = 0; i < 3; i++) assert_true(discordBucketTake(&b, 1000, 1));
    assert_false(discordBucketTake(&b, 1000, 1));
    double w = discordBucketWaitMs(&b, 1000, 1);
    assert_true(w > 499 && w < 501);
    assert_true(discordBucketTake(&b, 1000 + w, 1));
    assert_false(discordBucketTake(&b, 1000 + w, 0));
    assert_true(discordBucketTake(&b, 1000 + w + 60000, 0)); /* refilled (capped) */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testClosePolicy), cmocka_unit_test(testMentions),
        cmocka_unit_test(testIds),
        cmocka_unit_test(testCommandDefs), cmocka_unit_test(testFaqText),
        cmocka_unit_test(testFocused),     cmocka_unit_test(testBucket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
