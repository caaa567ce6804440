/* test_render_discord.c - renderDiscord: embed and component limits,
 * Markdown links kept, mention neutralizing, invalid UTF-8, every reply
 * kind giving a non-empty embed. Limits are checked by counting UTF-16
 * units of the rendered JSON independently of the renderer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/common.h"
#include "render/render.h"

/* ---- helpers ---- */

static size_t units(const char *s) { /* UTF-16 code units of UTF-8 s */
    size_t u = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) u += *p >= 0xF0 ? 2 : 1;
    return u;
}

static char *repeatWords(const char *word, size_t n) {
    size_t wl = strlen(word);
    char *s = cbMalloc(n * (wl + 1) + 1);
    for (size_t i = 0; i < n; i++) {
        memcpy(s + i * (wl + 1), word, wl);
        s[i * (wl + 1) + wl] = ' ';
    }
    s[n * (wl + 1) - (n ? 1 : 0)] = '\0';
    return s;
}

static void freeReply(hndReply *r) { /* built with heap strings: the reply type frees it */
    replyFree(r);
}

static void answer(hndReply *r, const char *title, const char *body) {
    memset(r, 0, sizeof *r);
    r->kind = REPLY_ANSWER;
    r->entry_id = cbStrdup("frameworks/django-or-flask");
    r->title = cbStrdup(title);
    r->body = cbStrdup(body);
    r->confidence = 0.91;
}

static void addSources(hndReply *r, size_t n) {
    r->sources = cbCalloc(n, sizeof *r->sources);
    r->nsources = n;
    for (size_t i = 0; i < n; i++) {
        r->sources[i].title = cbSprintf("Source number %zu with a fairly long title", i);
        r->sources[i].url = cbSprintf("https://example.org/articles/%zu", i);
        r->sources[i].publisher = cbStrdup("Example Press");
        r->sources[i].date = cbStrdup("2024-05-01");
    }
}

static void addLinks(hndReply *r, size_t n) {
    r->links = cbCalloc(n, sizeof *r->links);
    r->nlinks = n;
    for (size_t i = 0; i < n; i++) {
        r->links[i].title = cbSprintf("Link %zu", i);
        r->links[i].url = cbSprintf("https://docs.example.com/page/%zu", i);
    }
}

static void addRelated(hndReply *r, size_t n, const char *idfmt) {
    r->related = cbCalloc(n, sizeof *r->related);
    r->nrelated = n;
    for (size_t i = 0; i < n; i++) {
        r->related[i].id = cbSprintf(idfmt, i);
        r->related[i].question = cbSprintf("Related question %zu?", i);
    }
}

static json_t *embedOf(json_t *msg) { return json_array_get(json_object_get(msg, "embeds"), 0); }

static const char *field(json_t *embed, const char *name) {
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(embed, "fields"), i, f) {
        if (strcmp(json_string_value(json_object_get(f, "name")), name) == 0)
            return json_string_value(json_object_get(f, "value"));
    }
    return NULL;
}

static size_t embedTotal(json_t *e) {
    size_t t = 0, i;
    json_t *f;
    const char *s;
    if ((s = json_string_value(json_object_get(e, "title")))) t += units(s);
    if ((s = json_string_value(json_object_get(e, "description")))) t += units(s);
    if ((s = json_string_value(json_object_get(json_object_get(e, "footer"), "text")))) t += units(s);
    json_array_foreach(json_object_get(e, "fields"), i, f) {
        t += units(json_string_value(json_object_get(f, "name")));
        t += units(json_string_value(json_object_get(f, "value")));
    }
    return t;
}

/* Every limit Discord enforces on one message. */
static void assertValidMessage(json_t *msg) {
    assert_non_null(msg);
    json_t *am = json_object_get(msg, "allowed_mentions");
    assert_non_null(am);
    assert_int_equal(json_array_size(json_object_get(am, "parse")), 0);
    json_t *e = embedOf(msg);
    assert_non_null(e);
    const char *d = json_string_value(json_object_get(e, "description"));
    assert_non_null(d);
    assert_true(units(d) >= 1 && units(d) <= 4096);
    const char *t = json_string_value(json_object_get(e, "title"));
    if (t) assert_true(units(t) <= 256);
    assert_true(json_array_size(json_object_get(e, "fields")) <= 25);
    size_t i, j;
    json_t *f, *row, *b;
    json_array_foreach(json_object_get(e, "fields"), i, f) {
        assert_true(units(json_string_value(json_object_get(f, "name"))) <= 256);
        assert_true(units(json_string_value(json_object_get(f, "value"))) <= 1024);
    }
    assert_true(embedTotal(e) <= 6000);
    json_t *rows = json_object_get(msg, "components");
    assert_true(json_array_size(rows) <= 5);
    json_array_foreach(rows, i, row) {
        assert_int_equal(json_integer_value(json_object_get(row, "type")), 1);
        json_t *comps = json_object_get(row, "components");
        assert_true(json_array_size(comps) >= 1 && json_array_size(comps) <= 5);
        json_array_foreach(comps, j, b) {
            const char *label = json_string_value(json_object_get(b, "label"));
            const char *cid = json_string_value(json_object_get(b, "custom_id"));
            assert_true(units(label) >= 1 && units(label) <= 80);
            assert_true(strlen(cid) >= 1 && strlen(cid) <= 100);
        }
    }
    char *dump = json_dumps(msg, JSON_COMPACT);
    assert_non_null(dump);
    assert_null(strstr(dump, "@everyone"));
    assert_null(strstr(dump, "@here"));
    free(dump);
}

/* All custom_ids in order, joined by spaces. */
static char *customIds(json_t *msg) {
    char *out = cbStrdup("");
    size_t i, j;
    json_t *row, *b;
    json_array_foreach(json_object_get(msg, "components"), i, row) {
        json_array_foreach(json_object_get(row, "components"), j, b) {
            char *n = cbSprintf("%s%s%s", out, *out ? " " : "",
                                json_string_value(json_object_get(b, "custom_id")));
            free(out);
            out = n;
        }
    }
    return out;
}

static int endsWith(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ---- tests ---- */

static void testAnswerShape(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "Django or Flask?", "Use **Django** for batteries; see [the docs](https://djangoproject.com).");
    addSources(&r, 2);
    addLinks(&r, 1);
    addRelated(&r, 2, "frameworks/related-%zu");
    renderOpts o = {.show_votes = 1};
    json_t *msg = renderDiscord(&r, &o);
    assertValidMessage(msg);
    json_t *e = embedOf(msg);
    assert_string_equal(json_string_value(json_object_get(e, "title")), "Django or Flask?");
    assert_string_equal(json_string_value(json_object_get(e, "description")), r.body);
    assert_string_equal(json_string_value(json_object_get(json_object_get(e, "footer"), "text")),
                        "Confidence: high");
    assert_true(json_integer_value(json_object_get(e, "color")) > 0);
    const char *src = field(e, "Sources");
    assert_non_null(src);
    assert_non_null(strstr(src, "[Source number 0 with a fairly long title](https://example.org/articles/0)"));
    assert_non_null(strstr(src, "Example Press, 2024-05-01"));
    assert_non_null(strstr(field(e, "Links"), "[Link 0](https://docs.example.com/page/0)"));
    char *ids = customIds(msg);
    assert_string_equal(ids, "show:frameworks/related-0 show:frameworks/related-1 "
                             "vote:up:frameworks/django-or-flask vote:down:frameworks/django-or-flask");
    free(ids);
    assert_null(json_object_get(msg, "flags"));
    json_decref(msg);
    freeReply(&r);
}

static void testEphemeralAndNoVotes(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "Q?", "A.");
    renderOpts o = {.ephemeral = 1, .show_votes = 0};
    json_t *msg = renderDiscord(&r, &o);
    assertValidMessage(msg);
    assert_int_equal(json_integer_value(json_object_get(msg, "flags")), 64);
    assert_int_equal(json_array_size(json_object_get(msg, "components")), 0);
    json_decref(msg);
    msg = renderDiscord(&r, NULL);
    assertValidMessage(msg);
    assert_null(json_object_get(msg, "flags"));
    json_decref(msg);
    freeReply(&r);
}

/* Title and description cut at their limits on a word boundary. */
static void testLongTextCut(void **state) {
    (void)state;
    static const struct { const char *word; size_t n; } cases[] = {
        {"lorem", 2000},   /* ASCII */
        {"\xC3\xA9t\xC3\xA9", 3000}, /* 2-byte chars */
        {"\xF0\x9F\x90\x8D", 3000},  /* 4-byte: 2 units each */
    };
    for (size_t c = 0; c < CB_ARRAY_LEN(cases); c++) {
        hndReply r;
        char *long_text = repeatWords(cases[c].word, cases[c].n);
        answer(&r, long_text, long_text);
        json_t *msg = renderDiscord(&r, NULL);
        assertValidMessage(msg);
        json_t *e = embedOf(msg);
        const char *t = json_string_value(json_object_get(e, "title"));
        const char *d = json_string_value(json_object_get(e, "description"));
        assert_true(endsWith(t, "\xE2\x80\xA6"));
        assert_true(endsWith(d, "\xE2\x80\xA6"));
        assert_true(units(d) > 4000); /* not cut needlessly short */
        /* word boundary: the kept text is a prefix that ends at a word end */
        size_t kept = strlen(d) - 3;
        assert_memory_equal(d, long_text, kept);
        assert_true(long_text[kept] == ' ');
        json_decref(msg);
        free(long_text);
        freeReply(&r);
    }
}

/* Sources/links beyond 1024 units: cut with "…and N more", N exact. */
static void testFieldOverflow(void **state) {
    (void)state;
    static const size_t counts[] = {1, 10, 25, 60};
    for (size_t c = 0; c < CB_ARRAY_LEN(counts); c++) {
        hndReply r;
        answer(&r, "Q?", "A.");
        addSources(&r, counts[c]);
        addLinks(&r, counts[c]);
        json_t *msg = renderDiscord(&r, NULL);
        assertValidMessage(msg);
        const char *names[] = {"Sources", "Links"};
        for (size_t k = 0; k < 2; k++) {
            const char *v = field(embedOf(msg), names[k]);
            assert_non_null(v);
            size_t shown = 0;
            for (const char *p = v; (p = strstr(p, "\xE2\x80\xA2 ")); p++) shown++;
            const char *more = strstr(v, "\xE2\x80\xA6" "and ");
            size_t hidden = more ? strtoul(more + 7, NULL, 10) : 0;
            assert_int_equal(shown + hidden, counts[c]);
            if (counts[c] <= 5) assert_null(more);
            if (counts[c] >= 25) assert_non_null(more);
        }
        json_decref(msg);
        freeReply(&r);
    }
}

/* Everything at once stays under 6000 units in total. */
static void testTotalLimit(void **state) {
    (void)state;
    hndReply r;
    char *t = repeatWords("word", 200), *b = repeatWords("answer", 2000);
    answer(&r, t, b);
    addSources(&r, 40);
    addLinks(&r, 40);
    json_t *msg = renderDiscord(&r, NULL);
    assertValidMessage(msg);
    assert_true(embedTotal(embedOf(msg)) > 5000);
    json_decref(msg);
    free(t);
    free(b);
    freeReply(&r);
}

/* 30 related questions: at most 4 rows of 5 + the vote row; long ids that
 * cannot fit a custom_id are skipped, duplicates dropped. */
static void testButtonsLimits(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "Q?", "A.");
    addRelated(&r, 30, "topic/entry-%zu");
    free(r.related[1].id);
    r.related[1].id = cbStrdup(r.related[0].id); /* duplicate */
    free(r.related[2].id);
    r.related[2].id = repeatWords("x", 60); /* 119 bytes: too long */
    free(r.related[3].question);
    r.related[3].question = repeatWords("label", 40);
    renderOpts o = {.show_votes = 1};
    json_t *msg = renderDiscord(&r, &o);
    assertValidMessage(msg);
    json_t *rows = json_object_get(msg, "components");
    assert_int_equal(json_array_size(rows), 5);
    char *ids = customIds(msg);
    assert_true(endsWith(ids, "vote:up:frameworks/django-or-flask vote:down:frameworks/django-or-flask"));
    assert_null(strstr(ids, "x x"));
    assert_non_null(strstr(ids, "show:topic/entry-0 show:topic/entry-3"));
    free(ids);
    json_t *last = json_object_get(json_array_get(rows, 4), "components");
    assert_int_equal(json_array_size(last), 2);
    json_decref(msg);
    freeReply(&r);
}

/* Replies other than answers: never an empty description, no votes, the
 * right buttons. */
static void testOtherKinds(void **state) {
    (void)state;
    static const replyKind kinds[] = {REPLY_DID_YOU_MEAN, REPLY_ABSTAIN, REPLY_CHITCHAT,
                                      REPLY_INFO, REPLY_ERROR};
    for (size_t k = 0; k < CB_ARRAY_LEN(kinds); k++) {
        hndReply r;
        memset(&r, 0, sizeof r);
        r.kind = kinds[k];
        r.body = cbStrdup("");
        if (kinds[k] == REPLY_DID_YOU_MEAN) {
            r.suggestions = cbCalloc(2, sizeof *r.suggestions);
            r.nsuggestions = 2;
            r.suggestions[0] = (replyRef){cbStrdup("a/one"), cbStrdup("One?"), 0.4};
            r.suggestions[1] = (replyRef){cbStrdup("b/two"), cbStrdup("Two?"), 0.3};
        }
        renderOpts o = {.show_votes = 1};
        json_t *msg = renderDiscord(&r, &o);
        assertValidMessage(msg);
        json_t *e = embedOf(msg);
        assert_null(json_object_get(e, "footer"));
        char *ids = customIds(msg);
        assert_string_equal(ids, kinds[k] == REPLY_DID_YOU_MEAN ? "show:a/one show:b/two" : "");
        free(ids);
        json_decref(msg);
        freeReply(&r);
    }
}

static void testMentionsNeutralized(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "Hey @everyone", "Ping @here and @everyone now");
    addSources(&r, 1);
    free(r.sources[0].title);
    r.sources[0].title = cbStrdup("@everyone read this");
    json_t *msg = renderDiscord(&r, NULL);
    assertValidMessage(msg); /* asserts no "@everyone"/"@here" remain */
    const char *d = json_string_value(json_object_get(embedOf(msg), "description"));
    assert_string_equal(d, "Ping @\xE2\x80\x8Bhere and @\xE2\x80\x8B" "everyone now");
    json_decref(msg);
    freeReply(&r);
}

/* A source's title is text, not Markdown: it cannot open a link of its
 * own (spoofing where "unittest" points) or format; a ')' in the URL
 * does not end the link early. */
static void testSourceTextIsNotMarkdown(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "Q?", "Body.");
    addSources(&r, 1);
    free(r.sources[0].title);
    free(r.sources[0].url);
    free(r.sources[0].publisher);
    r.sources[0].title = cbStrdup("unittest](https://evil.example/x) [docs");
    r.sources[0].url = cbStrdup("https://en.wikipedia.org/wiki/Python_(language)");
    r.sources[0].publisher = cbStrdup("*The* __Press__");
    json_t *msg = renderDiscord(&r, NULL);
    assertValidMessage(msg);
    const char *src = field(embedOf(msg), "Sources");
    assert_non_null(src);
    assert_null(strstr(src, "unittest](https://evil.example/x)"));
    assert_non_null(strstr(src, "[unittest\\](https://evil.example/x) \\[docs]("));
    assert_non_null(strstr(src, "(https://en.wikipedia.org/wiki/Python_%28language%29)"));
    assert_non_null(strstr(src, "\\*The\\* \\_\\_Press\\_\\_"));
    json_decref(msg);
    freeReply(&r);
}

/* A source whose URL the Sources field cannot hold is listed by its
 * title, not dropped into "...and 1 more". */
static void testLongSourceUrl(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "Q?", "Body.");
    addSources(&r, 1);
    free(r.sources[0].url);
    cbBuf u;
    bufInit(&u, 1 << 16);
    bufAppendStr(&u, "https://example.org/?");
    for (int i = 0; i < 375; i++) bufAppendStr(&u, "a=1&");
    r.sources[0].url = bufDetach(&u);
    json_t *msg = renderDiscord(&r, NULL);
    assertValidMessage(msg);
    const char *src = field(embedOf(msg), "Sources");
    assert_non_null(src);
    assert_non_null(strstr(src, "Source number 0 with a fairly long title"));
    assert_null(strstr(src, "more"));
    json_decref(msg);
    freeReply(&r);
}

/* A description cut inside a code block closes the block. */
static void testCutInsideCodeBlock(void **state) {
    (void)state;
    cbBuf b;
    bufInit(&b, 1 << 20);
    bufAppendStr(&b, "Intro.\n\n```\n");
    for (int i = 0; i < 400; i++) bufAppendStr(&b, "x = __init__(*args)\n");
    bufAppendStr(&b, "```\n");
    hndReply r;
    answer(&r, "Q?", bufStr(&b));
    json_t *msg = renderDiscord(&r, NULL);
    assertValidMessage(msg);
    const char *d = json_string_value(json_object_get(embedOf(msg), "description"));
    size_t n = strlen(d), fences = 0;
    for (const char *p = strstr(d, "```"); p; p = strstr(p + 3, "```")) fences++;
    if (fences % 2) fail_msg("open code block at the cut: ...%s", d + (n > 60 ? n - 60 : 0));
    assert_true(n >= 4 && strcmp(d + n - 4, "\n```") == 0);
    json_decref(msg);
    freeReply(&r);
    bufFree(&b);
}

/* A footer renders no Markdown: the mentor's name as written (no
 * backslashes), still unable to ping. */
static void testRelayFooterIsLiteral(void **state) {
    (void)state;
    renderHandoff h = {.question = "how do I *start*?", .mentor = "john_doe @everyone",
                       .answer = "Try __this__."};
    json_t *msg = renderDiscordHandoffRelay(&h);
    assertValidMessage(msg);
    const char *foot = json_string_value(json_object_get(json_object_get(embedOf(msg), "footer"), "text"));
    assert_non_null(foot);
    assert_non_null(strstr(foot, "john_doe @\xE2\x80\x8B" "everyone"));
    assert_null(strchr(foot, '\\'));
    json_decref(msg);
}

static void testInvalidUtf8(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "bad \xC3 title", "bad \xFF\xFE body \xE2\x82");
    json_t *msg = renderDiscord(&r, NULL);
    assertValidMessage(msg);
    const char *d = json_string_value(json_object_get(embedOf(msg), "description"));
    assert_non_null(strstr(d, "\xEF\xBF\xBD"));
    assert_non_null(strstr(d, "body"));
    json_decref(msg);
    freeReply(&r);
}

/* A cut never leaves half a Markdown link. */
static void testLinkNotCutInHalf(void **state) {
    (void)state;
    char *pad = repeatWords("aa", 1364); /* 4091 units */
    char *body = cbSprintf("%s [the official docs](https://example.org/a/very/long/path) end", pad);
    hndReply r;
    answer(&r, "Q?", body);
    json_t *msg = renderDiscord(&r, NULL);
    assertValidMessage(msg);
    const char *d = json_string_value(json_object_get(embedOf(msg), "description"));
    assert_null(strchr(d, '['));
    assert_true(endsWith(d, "aa\xE2\x80\xA6"));
    json_decref(msg);
    free(pad);
    free(body);
    freeReply(&r);
}

/* The body goes through the Markdown converter: a table becomes a
 * monospace block, an escaped marker stays escaped, an image a link. */
static void testMarkdownConverted(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "Q?", "\\*not bold\\* and ~~old~~\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                     "![logo](https://example.org/l.png)");
    json_t *msg = renderDiscord(&r, NULL);
    assertValidMessage(msg);
    const char *d = json_string_value(json_object_get(embedOf(msg), "description"));
    assert_string_equal(d, "\\*not bold\\* and ~~old~~\n\n```\na | b\n--+--\n1 | 2\n```\n\n"
                           "[logo](https://example.org/l.png)");
    json_decref(msg);
    freeReply(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testMarkdownConverted),
        cmocka_unit_test(testAnswerShape),      cmocka_unit_test(testEphemeralAndNoVotes),
        cmocka_unit_test(testLongTextCut),      cmocka_unit_test(testFieldOverflow),
        cmocka_unit_test(testTotalLimit),       cmocka_unit_test(testButtonsLimits),
        cmocka_unit_test(testOtherKinds),       cmocka_unit_test(testMentionsNeutralized),
        cmocka_unit_test(testSourceTextIsNotMarkdown),
        cmocka_unit_test(testCutInsideCodeBlock),
        cmocka_unit_test(testLongSourceUrl),
        cmocka_unit_test(testRelayFooterIsLiteral),
        cmocka_unit_test(testInvalidUtf8),      cmocka_unit_test(testLinkNotCutInHalf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
