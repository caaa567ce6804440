/* test_render_terminal.c - renderTerminal: an answer shows its title, body
 * as plain text, every source (title, publisher, date, url), every link,
 * related entries with ids and the confidence band; "did you mean" choices
 * are numbered with ids; control characters never reach the terminal; ANSI
 * styling only with color. Replies are built by hand (no kb needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "render/render.h"
#include "base/reply.h"

static void makeAnswer(hndReply *r) {
    replyInit(r);
    r->kind = REPLY_ANSWER;
    r->entry_id = cbStrdup("bootcamps/worth-it");
    r->title = cbStrdup("Are bootcamps worth it?");
    r->body = cbStrdup("It **depends** on your goals.\n\n- cost\n- time\n\nSee [PSF](https://python.org).");
    r->confidence = 0.91;
    r->nsources = 2;
    r->sources = cbCalloc(2, sizeof(*r->sources));
    r->sources[0] = (replySource){cbStrdup("Bootcamp survey"), cbStrdup("https://survey.example/2024"),
                                  cbStrdup("Course Report"), cbStrdup("2024-03-01")};
    r->sources[1] = (replySource){cbStrdup("Seed article\x1b]0;pwned\x07"), NULL, NULL, NULL};
    r->nlinks = 1;
    r->links = cbCalloc(1, sizeof(*r->links));
    r->links[0] = (replyLink){cbStrdup("Python jobs board"), cbStrdup("https://python.org/jobs/")};
    r->nrelated = 1;
    r->related = cbCalloc(1, sizeof(*r->related));
    r->related[0] = (replyRef){cbStrdup("experience/first-job"), cbStrdup("How do I get my first job?"), 0};
}

static void assertHas(const char *text, const char *needle) {
    if (!strstr(text, needle)) fail_msg("missing [%s] in:\n%s", needle, text);
}

static void testAnswerShowsEverything(void **state) {
    (void)state;
    hndReply r;
    makeAnswer(&r);
    char *t = renderTerminal(&r, 0);
    const char *want[] = {
        "Are bootcamps worth it?", "It depends on your goals.", "  \xE2\x80\xA2 cost",
        "PSF (https://python.org)", "Sources:", "Bootcamp survey", "Course Report", "2024-03-01",
        "https://survey.example/2024", "Seed article", "Links:", "Python jobs board",
        "https://python.org/jobs/", "Related (type `show ID`):", "How do I get my first job?",
        "[experience/first-job]", "Confidence: high (0.91)", "bootcamps/worth-it",
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(want); i++) assertHas(t, want[i]);
    assert_null(strchr(t, '\x1b')); /* no color, and the source's escape was dropped */
    assert_null(strchr(t, '\x07'));
    assert_null(strstr(t, "**"));
    /* order: body, then sources, then links, then related, then confidence */
    assert_true(strstr(t, "depends") < strstr(t, "Sources:"));
    assert_true(strstr(t, "Sources:") < strstr(t, "Links:"));
    assert_true(strstr(t, "Links:") < strstr(t, "Related"));
    assert_true(strstr(t, "Related") < strstr(t, "Confidence:"));
    free(t);
    t = renderTerminal(&r, RENDER_TERM_COLOR);
    assertHas(t, "\x1b[1mAre bootcamps worth it?");
    assertHas(t, "\x1b[1mdepends\x1b[22m");
    assert_null(strstr(t, "\x1b]0;")); /* only our SGR sequences */
    free(t);
    replyFree(&r);
}

static void testDidYouMeanNumbered(void **state) {
    (void)state;
    hndReply r;
    replyInit(&r);
    r.kind = REPLY_DID_YOU_MEAN;
    r.body = cbStrdup("I'm not sure.");
    r.nsuggestions = 2;
    r.suggestions = cbCalloc(2, sizeof(*r.suggestions));
    r.suggestions[0] = (replyRef){cbStrdup("a/one"), cbStrdup("First question?"), 0.45};
    r.suggestions[1] = (replyRef){cbStrdup("b/two"), cbStrdup("Second question?"), 0.3};
    char *t = renderTerminal(&r, 0);
    assertHas(t, "Did you mean:");
    assertHas(t, "1. First question?  [a/one] (low, 0.45)");
    assertHas(t, "2. Second question?  [b/two] (low, 0.30)");
    assert_null(strstr(t, "Confidence:"));
    assertHas(t, "Type `show ID` to read one.");
    free(t);
    r.kind = REPLY_ABSTAIN;
    t = renderTerminal(&r, 0);
    assertHas(t, "Maybe one of these:");
    free(t);
    /* the console: related entries numbered after the choices, and both say so */
    r.nrelated = 1;
    r.related = cbCalloc(1, sizeof(*r.related));
    r.related[0] = (replyRef){cbStrdup("c/three"), cbStrdup("Third question?"), 0};
    t = renderTerminal(&r, RENDER_TERM_PICK);
    assertHas(t, "Type its number or `show ID` to read one.");
    assertHas(t, "Related (type its number or `show ID`):\n  3. Third question?  [c/three]");
    free(t);
    t = renderTerminal(&r, 0);
    assertHas(t, "  \xE2\x80\xA2 Third question?  [c/three]");
    free(t);
    replyFree(&r);
}

static void testInfoAndEmpty(void **state) {
    (void)state;
    hndReply r;
    replyInit(&r);
    char *t = renderTerminal(&r, 0); /* nothing set: still valid */
    assert_string_equal(t, "\n");
    free(t);
    r.kind = REPLY_INFO;
    r.title = cbStrdup("Topics");
    r.body = cbStrdup("- **Bootcamps** (`bootcamps`)");
    t = renderTerminal(&r, 0);
    assert_string_equal(t, "Topics\n  \xE2\x80\xA2 Bootcamps (`bootcamps`)\n");
    free(t);
    replyFree(&r);
}

static void testConfidenceBands(void **state) {
    (void)state;
    assert_string_equal(replyConfidenceBand(0.95), "high");
    assert_string_equal(replyConfidenceBand(0.8), "high");
    assert_string_equal(replyConfidenceBand(0.79), "medium");
    assert_string_equal(replyConfidenceBand(0.5), "medium");
    assert_string_equal(replyConfidenceBand(0.49), "low");
    assert_string_equal(replyOutcomeName(REPLY_DID_YOU_MEAN), "did_you_mean");
    assert_string_equal(platformName(PLATFORM_DISCORD), "discord");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testAnswerShowsEverything),
        cmocka_unit_test(testDidYouMeanNumbered),
        cmocka_unit_test(testInfoAndEmpty),
        cmocka_unit_test(testConfidenceBands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
