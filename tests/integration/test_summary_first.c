/* test_summary_first.c - an answer whose entry has a summary is shown as
 * that summary first on Slack and Discord (two lines, not a page: no
 * sources, no related buttons), with a "Full answer" button; clicking it
 * brings the whole answer to the clicker only (Slack: an ephemeral
 * response_url message; Discord: an ephemeral type-4 callback). Against
 * the fakes; app-kb's jobs/first-job is the entry with a summary. Every
 * wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/app.h"
#include "base/common.h"
#include "base/log.h"
#include "platform/slack/slack.h"
#include "slack_harness.h" /* after cmocka.h */
#include "discord_harness.h"
#include "kb/kb.h"
#include "match/knowledge.h"
#include "render/render.h"

#define SUMMARY "Build two or three small projects that solve real problems"
#define FULL_ONLY "Contribute to an open source project" /* in the body, not the summary */

static void testSlackSummaryThenFull(void **state) {
    (void)state;
    shFixture F;
    assert_int_equal(shStart(&F, NULL), 0);
    json_t *r = shCmd(&F, "{\"cmd\":\"mention\",\"text\":\"how do I get my first python job?\","
                          "\"channel\":\"C0SUM\"}");
    const char *ts = json_string_value(json_object_get(r, "ts"));
    json_t *post = shWaitPost(&F, "chat.postMessage", ts, 5000);
    assert_non_null(post);
    char *js = json_dumps(json_object_get(post, "body"), JSON_COMPACT);
    assert_non_null(strstr(js, SUMMARY));
    assert_non_null(strstr(js, "\"action_id\":\"full:jobs/first-job\""));
    assert_non_null(strstr(js, "Full answer"));
    assert_non_null(strstr(js, "vote:up:jobs/first-job"));
    assert_null(strstr(js, FULL_ONLY)); /* the page stays behind the button */
    assert_null(strstr(js, "Source:"));
    assert_null(strstr(js, "show:")); /* no related buttons under a summary */
    free(js);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "{\"cmd\":\"click\",\"action_id\":\"full:jobs/first-job\","
                               "\"channel\":\"C0SUM\",\"message_ts\":\"%s\"}",
             json_string_value(json_object_get(post, "reply_ts")));
    json_decref(shCmd(&F, cmd));
    json_t *full = shWaitPost(&F, "response_url", NULL, 5000);
    assert_non_null(full);
    json_t *body = json_object_get(full, "body");
    assert_string_equal(json_string_value(json_object_get(body, "response_type")), "ephemeral");
    assert_true(json_is_false(json_object_get(body, "replace_original")));
    js = json_dumps(body, JSON_COMPACT);
    assert_non_null(strstr(js, FULL_ONLY));
    assert_non_null(strstr(js, "Source: <https://lp.jetbrains.com/python-developers-survey-2023/|"));
    assert_null(strstr(js, "full:")); /* already the full answer */
    free(js);
    assert_int_equal(shCountPosts(&F, "C0SUM"), 1); /* nothing more in the channel */
    json_decref(r);
    shAssertClean(&F);
    assert_int_equal(shStop(&F), 0);
}

/* The full:<id> button's entry id in components (copied to id). */
static int fullId(json_t *components, char *id, size_t cap) {
    char *s = json_dumps(components, JSON_COMPACT);
    const char *p = s ? strstr(s, "\"custom_id\":\"full:") : NULL;
    int ok = p != NULL;
    if (ok) {
        p += strlen("\"custom_id\":\"full:");
        snprintf(id, cap, "%.*s", (int)strcspn(p, "\""), p);
    }
    free(s);
    return ok;
}

/* The Discord harness answers from the bundled knowledge/, where every
 * entry has a summary: the description must be exactly it. */
static void testDiscordSummaryThenFull(void **state) {
    (void)state;
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    dhMention(&f, "710000000000000101", "should I learn django or flask?");
    assert_true(dhWait(&f, "http", "/channels/" DH_CHANNEL "/messages", -1, 1, 5000));
    json_t *b = json_object_get(dhNth(&f, "http", "/channels/" DH_CHANNEL "/messages", -1, 0), "body");
    json_t *embed = json_array_get(json_object_get(b, "embeds"), 0);
    char id[128] = "";
    assert_true(fullId(json_object_get(b, "components"), id, sizeof id));
    const kbEntry *e = kbFindEntry(f.a.k->kb, id);
    assert_non_null(e);
    assert_non_null(e->summary);
    char *want = renderTextToDiscord(e->summary);
    assert_string_equal(dhS(embed, "description"), want);
    free(want);
    assert_null(json_object_get(embed, "fields")); /* sources and links come with the full answer */
    char *s = json_dumps(json_object_get(b, "components"), JSON_COMPACT);
    assert_non_null(strstr(s, "Full answer"));
    assert_non_null(strstr(s, "vote:up:"));
    assert_null(strstr(s, "show:")); /* no related buttons under a summary */
    free(s);
    dhCmdf(&f, "{\"cmd\":\"dispatch\",\"t\":\"INTERACTION_CREATE\",\"d\":{\"id\":\"730000000000000101\","
               "\"type\":3,\"application_id\":\"" DH_APP "\",\"token\":\"" DH_ITOKEN "\",\"channel_id\":\""
               DH_CHANNEL "\",\"guild_id\":\"" DH_GUILD "\",\"member\":{\"user\":{\"id\":\"300000000000000009\"}},"
               "\"data\":{\"custom_id\":\"full:%s\",\"component_type\":2}}}", id);
    assert_true(dhWait(&f, "http", "/interactions/730000000000000101/", -1, 1, 5000));
    json_t *cb = json_object_get(dhNth(&f, "http", "/interactions/730000000000000101/", -1, 0), "body");
    assert_int_equal(json_integer_value(json_object_get(cb, "type")), 4);
    json_t *data = json_object_get(cb, "data");
    assert_int_equal(json_integer_value(json_object_get(data, "flags")), 64); /* the clicker only */
    json_t *e2 = json_array_get(json_object_get(data, "embeds"), 0);
    want = renderMarkdownToDiscord(e->answer);
    assert_int_equal(strncmp(dhS(e2, "description"), want, 200), 0); /* the answer itself */
    free(want);
    assert_string_equal(dhS(json_array_get(json_object_get(e2, "fields"), 0), "name"), "Sources");
    s = json_dumps(json_object_get(data, "components"), JSON_COMPACT);
    assert_null(strstr(s, "full:"));
    free(s);
    assert_int_equal(dhStop(&f), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testSlackSummaryThenFull),
        cmocka_unit_test(testDiscordSummaryThenFull),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
