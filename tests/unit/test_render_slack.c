/* test_render_slack.c - renderSlack: every Block Kit limit checked by an
 * independent validator on every case (50 blocks, 3000-char sections, 75-
 * char buttons, 150-char headers, unique action ids <= 255, <= 10 context
 * elements, <= 25 actions, valid UTF-8), the button vocabulary of render.h,
 * sources/links/confidence, and that no text can inject <!everyone>,
 * <!here>, <!channel> or a user mention. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/common.h"
#include "render/render.h"

/* ---- building replies ---- */

static size_t chars(const char *s) { /* Unicode code points of UTF-8 s */
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) n += (*p & 0xC0) != 0x80;
    return n;
}

static char *repeat(const char *word, size_t n) {
    size_t wl = strlen(word);
    char *s = cbMalloc(n * wl + 1);
    for (size_t i = 0; i < n; i++) memcpy(s + i * wl, word, wl);
    s[n * wl] = '\0';
    return s;
}

static void addSource(hndReply *r, const char *title, const char *url, const char *pub) {
    r->sources = cbRealloc(r->sources, (r->nsources + 1) * sizeof(*r->sources));
    r->sources[r->nsources++] = (replySource){cbStrdup(title), cbStrdup(url), cbStrdup(pub),
                                              cbStrdup("2024-01-01")};
}

static void addLink(hndReply *r, const char *title, const char *url) {
    r->links = cbRealloc(r->links, (r->nlinks + 1) * sizeof(*r->links));
    r->links[r->nlinks++] = (replyLink){cbStrdup(title), cbStrdup(url)};
}

static void addRef(replyRef **v, size_t *n, const char *id, const char *q, double c) {
    *v = cbRealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[(*n)++] = (replyRef){cbStrdup(id), cbStrdup(q), c};
}

static void answer(hndReply *r, const char *id, const char *title, const char *body) {
    replyInit(r);
    r->kind = REPLY_ANSWER;
    r->entry_id = cbStrdup(id);
    r->title = cbStrdup(title);
    r->body = cbStrdup(body);
    r->confidence = 0.91;
}

/* ---- the independent validator ---- */

static const char *textOf(const json_t *o) {
    return json_string_value(json_object_get(o, "text"));
}

static void checkText(const json_t *t, size_t limit) {
    const char *s = textOf(t);
    assert_non_null(s);
    assert_true(cbValidUtf8(s, strlen(s)));
    assert_true(chars(s) <= limit);
    assert_true(chars(s) > 0);
}

static void checkButton(const json_t *b, json_t *ids) {
    assert_string_equal(json_string_value(json_object_get(b, "type")), "button");
    checkText(json_object_get(b, "text"), 75);
    const char *id = json_string_value(json_object_get(b, "action_id"));
    assert_non_null(id);
    assert_true(strlen(id) <= 255);
    assert_null(json_object_get(ids, id)); /* unique in the message */
    json_object_set_new(ids, id, json_true());
    assert_true(strlen(json_string_value(json_object_get(b, "value"))) <= 2000);
}

static void checkBlock(const json_t *b, json_t *ids) {
    const char *type = json_string_value(json_object_get(b, "type"));
    assert_non_null(type);
    json_t *els = json_object_get(b, "elements"), *e;
    size_t i;
    if (strcmp(type, "header") == 0) checkText(json_object_get(b, "text"), 150);
    else if (strcmp(type, "section") == 0) checkText(json_object_get(b, "text"), 3000);
    else if (strcmp(type, "context") == 0) {
        assert_true(json_array_size(els) >= 1 && json_array_size(els) <= 10);
        json_array_foreach(els, i, e) checkText(e, 3000);
    } else if (strcmp(type, "actions") == 0) {
        assert_true(json_array_size(els) >= 1 && json_array_size(els) <= 25);
        json_array_foreach(els, i, e) checkButton(e, ids);
    } else {
        fail_msg("unexpected block type %s", type);
    }
}

/* Validate msg against Slack's limits; returns the compact JSON (free it). */
static char *validate(const json_t *msg) {
    assert_true(json_is_object(msg));
    const char *text = textOf(msg);
    assert_non_null(text);
    assert_true(chars(text) <= 3000 && chars(text) > 0);
    json_t *blocks = json_object_get(msg, "blocks"), *b, *ids = json_object();
    assert_true(json_is_array(blocks));
    assert_true(json_array_size(blocks) >= 1 && json_array_size(blocks) <= 50);
    size_t i;
    json_array_foreach(blocks, i, b) checkBlock(b, ids);
    json_decref(ids);
    return json_dumps(msg, JSON_COMPACT);
}

/* Every action_id in msg, space separated. */
static char *actionIds(const json_t *msg) {
    char *all = cbStrdup("");
    json_t *b, *e;
    size_t i, j;
    json_array_foreach(json_object_get(msg, "blocks"), i, b) {
        json_array_foreach(json_object_get(b, "elements"), j, e) {
            const char *id = json_string_value(json_object_get(e, "action_id"));
            if (!id) continue;
            char *n = cbSprintf("%s%s ", all, id);
            free(all);
            all = n;
        }
    }
    return all;
}

static size_t countType(const json_t *msg, const char *type) {
    size_t n = 0, i;
    json_t *b;
    json_array_foreach(json_object_get(msg, "blocks"), i, b)
        n += strcmp(json_string_value(json_object_get(b, "type")), type) == 0;
    return n;
}

/* ---- tests ---- */

static void testAnswerShape(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "jobs/bootcamps", "Are bootcamps worth it?", "**Short answer:** it depends.\n\n- cost\n- time");
    addSource(&r, "Stack Overflow Survey", "https://survey.stackoverflow.co/2024/", "Stack Overflow");
    addLink(&r, "PSF jobs", "https://www.python.org/jobs/");
    addRef(&r.related, &r.nrelated, "jobs/degree", "Do I need a degree?", 0);
    renderOpts o = {.show_votes = 1};
    json_t *msg = renderSlack(&r, &o);
    char *js = validate(msg);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(msg, "blocks"), 0), "type")), "header");
    assert_non_null(strstr(js, "Source: <https://survey.stackoverflow.co/2024/|Stack Overflow Survey>"));
    assert_non_null(strstr(js, "\xE2\x80\x94 Stack Overflow"));
    assert_non_null(strstr(js, "<https://www.python.org/jobs/|PSF jobs>"));
    assert_non_null(strstr(js, "Confidence: *high*"));
    assert_null(json_object_get(msg, "response_type"));
    char *ids = actionIds(msg);
    assert_string_equal(ids, "show:jobs/degree vote:up:jobs/bootcamps vote:down:jobs/bootcamps ");
    assert_non_null(strstr(textOf(msg), "Are bootcamps worth it?"));
    free(ids);
    free(js);
    json_decref(msg);
    replyFree(&r);
}

static void testEphemeralShare(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "a/b", "Q", "A");
    renderOpts o = {.ephemeral = 1, .show_share = 1, .show_votes = 0};
    json_t *msg = renderSlack(&r, &o);
    free(validate(msg));
    assert_string_equal(json_string_value(json_object_get(msg, "response_type")), "ephemeral");
    char *ids = actionIds(msg);
    assert_string_equal(ids, "share:a/b ");
    free(ids);
    json_decref(msg);
    replyFree(&r);
}

static void testAbstainSuggestions(void **state) {
    (void)state;
    hndReply r;
    replyInit(&r);
    r.kind = REPLY_ABSTAIN;
    r.body = cbStrdup("I don't know that one. Try `topics`.");
    addRef(&r.suggestions, &r.nsuggestions, "x/one", "First?", 0.3);
    addRef(&r.suggestions, &r.nsuggestions, "x/two", "Second?", 0.2);
    renderOpts o = {.show_votes = 1, .show_share = 1}; /* no entry: no votes, no share */
    json_t *msg = renderSlack(&r, &o);
    char *js = validate(msg);
    char *ids = actionIds(msg);
    assert_string_equal(ids, "show:x/one show:x/two ");
    assert_null(strstr(js, "Confidence"));
    assert_non_null(strstr(js, "I don't know"));
    free(ids);
    free(js);
    json_decref(msg);
    replyFree(&r);
}

static const char *hostile[] = {"<!everyone>", "<!here>", "<!channel>", "<@U0123ABC>",
                                "<!subteam^S1>", "<https://evil.example|click>"};

static void testNoInjection(void **state) {
    (void)state;
    char *evil = cbSprintf("%s %s %s %s %s %s & friends", hostile[0], hostile[1], hostile[2],
                           hostile[3], hostile[4], hostile[5]);
    hndReply r;
    answer(&r, "a/b", evil, evil);
    addSource(&r, evil, "!everyone", evil);          /* not http: no link */
    addSource(&r, "ok", "https://x.example/a|b>c<d e&f", "pub");
    addLink(&r, evil, "javascript:alert(1)");
    addRef(&r.related, &r.nrelated, "c/d", evil, 0);
    renderOpts o = {.show_votes = 1, .show_share = 1};
    json_t *msg = renderSlack(&r, &o);
    char *js = validate(msg);
    for (size_t i = 0; i < CB_ARRAY_LEN(hostile); i++) {
        if (strstr(js, hostile[i])) fail_msg("%s leaked into %s", hostile[i], js);
    }
    assert_null(strstr(js, "<!"));
    assert_null(strstr(js, "<@"));
    assert_null(strstr(js, "<javascript"));
    assert_non_null(strstr(js, "&lt;!everyone&gt;"));
    assert_non_null(strstr(js, "<https://x.example/a%7Cb%3Ec%3Cd%20e&amp;f|ok>"));
    free(js);
    json_decref(msg);
    replyFree(&r);
    free(evil);
}

/* The sections' text, concatenated without separators. */
static char *sectionsText(const json_t *msg) {
    char *all = cbStrdup("");
    size_t i;
    json_t *b;
    json_array_foreach(json_object_get(msg, "blocks"), i, b) {
        if (strcmp(json_string_value(json_object_get(b, "type")), "section") != 0) continue;
        char *n = cbSprintf("%s%s", all, textOf(json_object_get(b, "text")));
        free(all);
        all = n;
    }
    return all;
}

static size_t countOf(const char *hay, const char *needle) {
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

typedef struct splitCase {
    const char *word;   /* repeated to build the body */
    size_t times;
    size_t min_sections;/* at least this many sections */
    int truncated;      /* expect the last section to end with an ellipsis */
} splitCase;

static void testLongBodySplit(void **state) {
    (void)state;
    static const splitCase cases[] = {
        {"word ", 2000, 4, 0},                       /* 10 kB of words */
        {"é ", 5000, 4, 0},                          /* multibyte */
        {"para one two three.\n\n", 600, 4, 0},      /* paragraphs */
        {"nospaceatall", 1000, 4, 0},                /* 12 kB without a space */
        {"[x](https://a.example/?q=1&r=2) ", 1000, 10, 0}, /* many links */
        {"big ", 200000, 30, 1},                     /* 800 kB: capped at 50 blocks */
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        char *body = repeat(cases[i].word, cases[i].times);
        hndReply r;
        answer(&r, "a/b", "Title", body);
        renderOpts o = {.show_votes = 1};
        json_t *msg = renderSlack(&r, &o);
        free(validate(msg));
        assert_true(countType(msg, "section") >= cases[i].min_sections);
        char *all = sectionsText(msg);
        if (cases[i].truncated) {
            size_t n = strlen(all);
            assert_true(n >= 3 && strcmp(all + n - 3, "\xE2\x80\xA6") == 0);
        } else if (strncmp(cases[i].word, "[x]", 3) == 0) { /* no link was cut in half */
            assert_int_equal(countOf(all, "<https://a.example/?q=1&amp;r=2|x>"), cases[i].times);
        } else { /* nothing lost: the same non-space characters */
            size_t want = 0, got = 0;
            for (const char *p = body; *p; p++) want += *p != ' ' && *p != '\n';
            for (const char *p = all; *p; p++) got += *p != ' ' && *p != '\n';
            assert_int_equal(got, want);
        }
        free(all);
        json_decref(msg);
        replyFree(&r);
        free(body);
    }
}

/* A code block longer than a section is closed at the end of each
 * section and opened again at the start of the next: every section has
 * whole code blocks, and no code line is lost. */
static void testLongCodeBlockSplit(void **state) {
    (void)state;
    char *code = repeat("x = __init__(*args)\n", 400); /* 8 kB of code */
    char *body = cbSprintf("Intro.\n\n```\n%s```\n\nAfter the code.", code);
    hndReply r;
    answer(&r, "a/b", "Title", body);
    json_t *msg = renderSlack(&r, NULL);
    free(validate(msg));
    size_t i, lines = 0;
    json_t *b;
    json_array_foreach(json_object_get(msg, "blocks"), i, b) {
        const char *t = json_string_value(json_object_get(json_object_get(b, "text"), "text"));
        if (!t || strcmp(json_string_value(json_object_get(b, "type")), "section") != 0) continue;
        if (countOf(t, "```") % 2) fail_msg("section %zu has an open code block:\n%s", i, t);
        lines += countOf(t, "x = __init__(*args)");
    }
    assert_int_equal(lines, 400);
    json_decref(msg);
    replyFree(&r);
    free(body);
    free(code);
}

/* A source whose URL (escaped, & as &amp;) would make its line longer
 * than a context element may be keeps its title, without the link, and
 * the message stays valid (Slack refuses the whole reply otherwise). */
static void testLongSourceUrl(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "a/b", "Title", "Body.");
    r.sources = cbCalloc(1, sizeof *r.sources);
    r.nsources = 1;
    char *q = repeat("a=1&", 400); /* 1,600 characters, 2,800 escaped */
    r.sources[0].title = cbStrdup("The long-URL source");
    r.sources[0].url = cbSprintf("https://example.org/?%s", q);
    json_t *msg = renderSlack(&r, NULL);
    free(validate(msg));
    size_t i, k, found = 0;
    json_t *b, *el;
    json_array_foreach(json_object_get(msg, "blocks"), i, b) {
        json_array_foreach(json_object_get(b, "elements"), k, el) {
            const char *t = textOf(el);
            if (!t || !strstr(t, "Source:")) continue;
            assert_true(strlen(t) <= 2000);
            found += strstr(t, "The long-URL source") != NULL;
        }
    }
    assert_int_equal(found, 1);
    json_decref(msg);
    replyFree(&r);
    free(q);
}

static void testButtonAndHeaderCuts(void **state) {
    (void)state;
    char *longq = repeat("career ", 60); /* 420 chars */
    char *longid = repeat("i", 300);      /* action_id would exceed 255 */
    hndReply r;
    answer(&r, "a/b", longq, "body");
    for (int i = 0; i < 40; i++) {
        char id[32];
        snprintf(id, sizeof(id), "t/e%d", i % 30); /* duplicates too */
        addRef(&r.related, &r.nrelated, id, longq, 0);
    }
    addRef(&r.related, &r.nrelated, longid, "too long", 0);
    for (int i = 0; i < 15; i++) addSource(&r, longq, "https://example.com/", longq);
    for (int i = 0; i < 12; i++) addLink(&r, "l", "https://example.com/l");
    renderOpts o = {.show_votes = 1, .show_share = 1};
    json_t *msg = renderSlack(&r, &o);
    char *js = validate(msg);
    json_t *header = json_array_get(json_object_get(msg, "blocks"), 0);
    const char *h = textOf(json_object_get(header, "text"));
    assert_true(chars(h) <= 150 && chars(h) > 100);
    assert_non_null(strstr(h, "\xE2\x80\xA6"));
    assert_null(strstr(js, longid));
    assert_non_null(strstr(js, "career career\xE2\x80\xA6\""));
    char *ids = actionIds(msg);
    assert_int_equal(countOf(ids, "show:"), 25); /* one actions block of 25 */
    assert_int_equal(countOf(ids, "show:t/e0 "), 1);
    assert_int_equal(countOf(js, "Source: "), 15);
    free(ids);
    free(js);
    json_decref(msg);
    replyFree(&r);
    free(longq);
    free(longid);
}

static void testEveryKindRenders(void **state) {
    (void)state;
    replyKind kinds[] = {REPLY_ANSWER, REPLY_DID_YOU_MEAN, REPLY_ABSTAIN, REPLY_CHITCHAT,
                         REPLY_INFO, REPLY_ERROR};
    const char *bodies[] = {"", "x", "\xF0\x9F\x90\x8D snake & <tag>"};
    for (size_t k = 0; k < CB_ARRAY_LEN(kinds); k++) {
        for (size_t b = 0; b < CB_ARRAY_LEN(bodies); b++) {
            hndReply r;
            replyInit(&r);
            r.kind = kinds[k];
            r.body = cbStrdup(bodies[b]);
            json_t *msg = renderSlack(&r, NULL);
            char *js = validate(msg);
            if (b == 2) assert_non_null(strstr(js, "&lt;tag&gt;"));
            free(js);
            json_decref(msg);
            replyFree(&r);
        }
    }
}

/* An answer with a summary: header, the summary, confidence, and a "Full
 * answer" button before the votes; no sources, no related. o.full (the
 * click) renders everything. The summary is plain text: *, <, & literal. */
static void testSummaryFirst(void **state) {
    (void)state;
    hndReply r;
    answer(&r, "jobs/first-job", "First job?", "**Long** answer with a [link](https://a.org).");
    r.summary = cbStrdup("Yes, *really* & <b>soon</b>.");
    addSource(&r, "Survey", "https://example.org/s", NULL);
    addRef(&r.related, &r.nrelated, "jobs/cv", "CV?", 0);
    renderOpts o = {.show_votes = 1};
    json_t *msg = renderSlack(&r, &o);
    char *js = json_dumps(msg, JSON_COMPACT);
    assert_non_null(strstr(js, "\"text\":\"Yes, \xE2\x88\x97really\xE2\x88\x97 &amp; &lt;b&gt;soon&lt;/b&gt;.\""));
    const char *full = strstr(js, "\"action_id\":\"full:jobs/first-job\"");
    const char *up = strstr(js, "\"action_id\":\"vote:up:jobs/first-job\"");
    assert_true(full && up && full < up);
    assert_null(strstr(js, "Long"));
    assert_null(strstr(js, "Source"));
    assert_null(strstr(js, "show:jobs/cv"));
    assert_string_equal(textOf(msg), "First job?\nYes, *really* &amp; &lt;b&gt;soon&lt;/b&gt;.");
    free(js);
    json_decref(msg);
    o.full = 1;
    msg = renderSlack(&r, &o);
    js = json_dumps(msg, JSON_COMPACT);
    assert_non_null(strstr(js, "*Long* answer"));
    assert_non_null(strstr(js, "Source"));
    assert_non_null(strstr(js, "show:jobs/cv"));
    assert_null(strstr(js, "full:"));
    free(js);
    json_decref(msg);
    replyFree(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testSummaryFirst),
        cmocka_unit_test(testAnswerShape),        cmocka_unit_test(testEphemeralShare),
        cmocka_unit_test(testAbstainSuggestions), cmocka_unit_test(testNoInjection),
        cmocka_unit_test(testLongBodySplit),      cmocka_unit_test(testButtonAndHeaderCuts),
        cmocka_unit_test(testLongCodeBlockSplit),
        cmocka_unit_test(testLongSourceUrl),
        cmocka_unit_test(testEveryKindRenders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
