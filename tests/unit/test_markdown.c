/* test_markdown.c - the Markdown converters (render_md*.c, md4c): Slack
 * mrkdwn, Discord Markdown and terminal text (escapes, look-alikes for
 * Slack's unescapable markers, strikethrough, tables, images, links),
 * what kb check warns about, table-driven over the constructs our answers use and
 * the hard cases (nesting, unterminated markers, brackets without a url,
 * urls with & and |, escaping, hostile input that must stay fast). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "render/render.h"

typedef struct mdCase {
    const char *in;
    const char *want;
} mdCase;

static const mdCase mrkdwnCases[] = {
    {"~~~\nx = ```\n~~~", "```\nx = ``\xE2\x80\x8B`\n```"}, /* ``` inside cannot end the block */
    {"plain text", "plain text"},
    {"**bold**", "*bold*"},
    {"__bold__", "*bold*"},
    {"*italic*", "_italic_"},
    {"_italic_", "_italic_"},
    {"`code`", "`code`"},
    {"a `x < y && z` b", "a `x &lt; y &amp;&amp; z` b"},
    {"[Python](https://python.org)", "<https://python.org|Python>"},
    {"[a & b](https://x.org/?a=1&b=2)", "<https://x.org/?a=1&amp;b=2|a &amp; b>"},
    {"[x](https://x.org/a|b>c)", "<https://x.org/a%7Cb%3Ec|x>"},
    {"[<!everyone>](https://x.org)", "<https://x.org|&lt;!everyone&gt;>"},
    {"[x](javascript:alert(1))", "x (javascript:alert(1))"},
    {"[brackets] without url", "[brackets] without url"},
    {"[a] (b)", "[a] (b)"},
    {"[]()", ""},
    {"<https://python.org>", "<https://python.org|https://python.org>"},
    {"Tom & Jerry <3 > 2", "Tom &amp; Jerry &lt;3 &gt; 2"},
    {"<!channel> hi", "&lt;!channel&gt; hi"},
    {"**unterminated bold", "\xE2\x88\x97\xE2\x88\x97unterminated bold"}, /* literal: look-alikes */
    {"*unterminated italic", "\xE2\x88\x97unterminated italic"},
    {"`unterminated code", "\xCB\x8Bunterminated code"},
    {"**bold with *italic* inside**", "*bold with _italic_ inside*"},
    {"*italic with **bold** inside*", "_italic with *bold* inside_"},
    {"***both***", "_*both*_"},
    {"**[link](https://a.io)**", "*<https://a.io|link>*"},
    {"[**bold** link](https://a.io)", "<https://a.io|bold link>"},
    {"snake_case_name stays", "snake_case_name stays"},
    {"2 * 3 * 4", "2 * 3 * 4"},
    {"\\*not bold\\*", "\xE2\x88\x97not bold\xE2\x88\x97"}, /* U+2217: Slack has no escape */
    {"\\_not italic\\_ and \\~not struck\\~", "\xEF\xBC\xBFnot italic\xEF\xBC\xBF and \xE2\x88\xBCnot struck\xE2\x88\xBC"},
    {"~~old~~ new", "~old~ new"},
    {"a &amp; b &#233; &copy;", "a &amp; b \xC3\xA9 \xC2\xA9"},
    {"line one  \nline two", "line one\nline two"},
    /* a hard break in a link's text: one line (a newline ends Slack's link) */
    {"> [two  \nlines](https://a.io/x)", "> <https://a.io/x|two lines>"},
    {"![logo](https://x.org/l.png)", "<https://x.org/l.png|logo>"},
    {"![](https://x.org/l.png)", "<https://x.org/l.png|image>"},
    {"| a | bb |\n|---|---|\n| 1 | 2 |\n| x<y | **z** |", "```\na   | bb\n----+---\n1   | 2\nx&lt;y | z\n```"},
    {"Intro:\n- a\n- b\n\nAfter.", "Intro:\n\xE2\x80\xA2 a\n\xE2\x80\xA2 b\n\nAfter."},
    {"<b>html</b> stays text", "&lt;b&gt;html&lt;/b&gt; stays text"},
    {"3. three\n4. four", "3. three\n4. four"},
    {"# Heading", "*Heading*"},
    {"### Heading **bold** ###", "*Heading bold*"},
    {"- one\n- two", "\xE2\x80\xA2 one\n\xE2\x80\xA2 two"},
    {"* star item", "\xE2\x80\xA2 star item"},
    {"- outer\n  - inner", "\xE2\x80\xA2 outer\n  \xE2\x80\xA2 inner"},
    {"1. first\n2. second", "1. first\n2. second"},
    {"para one\ncontinued\n\npara two", "para one continued\n\npara two"},
    {"- item\n  continued", "\xE2\x80\xA2 item continued"},
    {"\n\n\nlead and trail\n\n\n", "lead and trail"},
    {"```\na < b\n**no**\n```", "```\na &lt; b\n**no**\n```"},
    {"```\nunterminated fence", "```\nunterminated fence\n```"},
    {"> quoted", "> quoted"},
    {"text\r\nwith crlf", "text with crlf"},
    {"ctl\x1b[31mchars", "ctl[31mchars"},
    {"", ""},
};

static const mdCase plainCases[] = {
    {"**bold** and *italic*", "bold and italic"},
    {"[Python](https://python.org)", "Python (https://python.org)"},
    {"<https://python.org>", "https://python.org"},
    {"[https://a.io](https://a.io)", "https://a.io"},
    {"[x](javascript:alert(1))", "x (javascript:alert(1))"},
    {"`pip install`", "`pip install`"},
    {"- one\n- two", "  \xE2\x80\xA2 one\n  \xE2\x80\xA2 two"},
    {"1. first\n2. second", "  1. first\n  2. second"},
    {"## Title\nbody", "Title\nbody"},
    {"Tom & Jerry <3", "Tom & Jerry <3"},
    {"**unterminated", "**unterminated"},
    {"a\n\n\n\nb", "a\n\nb"},
    {"```\ncode line\n```", "    code line"},
    {"~~old~~ new", "old new"},
    {"![logo](https://x.org/l.png)", "logo (https://x.org/l.png)"},
    {"| a | bb |\n|---|---|\n| 1 | `2` |", "  a | bb\n  --+----\n  1 | `2`"},
    {"> quoted\n> more", "> quoted more"},
    {"esc\x1b]0;title\x07here", "esc]0;titlehere"},
    {"c1 \xc2\x9b" "31m and &#155;2J, \xc2\xa0kept", "c1 31m and 2J, \xc2\xa0kept"},
    {"bidi \xE2\x80\xAE" "cod.exe\xE2\x81\xA6 \xE2\x80\x94 dash kept", "bidi cod.exe \xE2\x80\x94 dash kept"},
};

static const mdCase discordCases[] = {
    {"**bold** and *it*", "**bold** and *it*"},
    {"~~~\nx = ```\n~~~", "```\nx = ``\xE2\x80\x8B`\n```"}, /* ``` inside cannot end the block */
    {"\\*literal\\* and snake_case", "\\*literal\\* and snake\\_case"},
    {"~~old~~ new", "~~old~~ new"},
    {"# Title\nbody", "**Title**\nbody"},
    {"- a\n- b\n  - c", "- a\n- b\n  - c"},
    {"[Python](https://python.org)", "[Python](https://python.org)"},
    {"<https://python.org>", "https://python.org"},
    {"![logo](https://x.org/l.png)", "[logo](https://x.org/l.png)"},
    {"```\ncode *x*\n```", "```\ncode *x*\n```"},
    {"| a | b |\n|---|---|\n| 1 | 2 |", "```\na | b\n--+--\n1 | 2\n```"},
    {"> quote", "> quote"},
    {"> [two  \nlines](https://a.io/x)", "> [two lines](https://a.io/x)"},
    {"a | b [x]", "a \\| b \\[x\\]"},
    {"`a`b`", "`a`b\\`"},
    {"`` a`b ``", "`a\xCB\x8B" "b`"},
};

static void runCases(const mdCase *cases, size_t n, int mrkdwn) {
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        char *got = mrkdwn == 2 ? renderMarkdownToDiscord(cases[i].in)
                    : mrkdwn    ? renderMarkdownToMrkdwn(cases[i].in)
                                : renderMarkdownToPlain(cases[i].in, 0);
        if (strcmp(got, cases[i].want) != 0) {
            print_error("case %zu (%s)\n  in:   [%s]\n  want: [%s]\n  got:  [%s]\n", i,
                        mrkdwn == 2 ? "discord" : mrkdwn ? "mrkdwn" : "plain", cases[i].in, cases[i].want, got);
            failed++;
        }
        free(got);
    }
    assert_int_equal(failed, 0);
}

static void testMrkdwnTable(void **state) {
    (void)state;
    runCases(mrkdwnCases, CB_ARRAY_LEN(mrkdwnCases), 1);
}

static void testPlainTable(void **state) {
    (void)state;
    runCases(plainCases, CB_ARRAY_LEN(plainCases), 0);
}

static void testDiscordTable(void **state) {
    (void)state;
    runCases(discordCases, CB_ARRAY_LEN(discordCases), 2);
}

/* What a chat platform cannot show, at its line, for kb check. */
static void testIssues(void **state) {
    (void)state;
    const char *md = "Intro.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![logo](https://x.org/l.png)\n\n"
                     "Some <b>bold</b> HTML.\n";
    renderMdIssue v[8];
    size_t n = renderMarkdownIssues(md, v, 8);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].what, "table");
    assert_int_equal(v[0].line, 3);
    assert_string_equal(v[1].what, "image");
    assert_int_equal(v[1].line, 7);
    assert_string_equal(v[2].what, "html");
    assert_int_equal(v[2].line, 9);
    assert_int_equal(renderMarkdownIssues("**fine** text\n- list\n", v, 8), 0);
    /* A link whose text is another site's address; the same site's, or
     * words, are fine. */
    n = renderMarkdownIssues("See\n[https://docs.python.org](https://evil.example/p).\n", v, 8);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].what, "link-text");
    assert_int_equal(v[0].line, 2);
    assert_int_equal(renderMarkdownIssues("[https://docs.python.org/3/](https://DOCS.python.org/3/"
                                          "tutorial/) and [the docs](https://x.org)\n", v, 8), 0);
    /* An HTML block once, at its first line (not at the paragraph before). */
    n = renderMarkdownIssues("Para one.\nstill one.\n\n<div>\nhi\n</div>\n", v, 8);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].what, "html");
    assert_int_equal(v[0].line, 4);
    assert_int_equal(renderMarkdownIssues(md, v, 1), 1); /* at most max */
}

/* Editors' slips that md4c reads as text or as code, at their line. */
static void testSlipIssues(void **state) {
    (void)state;
    static const struct {
        const char *md, *what;
        int line;
    } cases[] = {
        {"Intro.\n\n```python\nprint(1)\n\nMore prose.\n", "fence", 3},
        {"A\n~~~~\ncode\n~~~\nstill code\n", "fence", 2}, /* shorter: does not close */
        {"A\n```\ncode\n``` x\n", "fence", 2},              /* text after: not a close */
        {"One.\n**Django ships an ORM.\n", "marks", 2},
        {"Use __init carefully.\n", "marks", 1},
        {"See [Flask](flask.palletsprojects.com).\n", "link-url", 1},
        {"x\n\nSee [Flask](javascript:alert(1)).\n", "link-url", 3},
        {"See [Flask](https://flask.palletsprojects.com/.\n", "link-broken", 1},
        {"See [the docs](https://docs.python.org/a b).\n", "link-broken", 1},
    };
    renderMdIssue v[8];
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        size_t n = renderMarkdownIssues(cases[i].md, v, 8);
        assert_int_equal(n, 1);
        assert_string_equal(v[0].what, cases[i].what);
        assert_int_equal(v[0].line, cases[i].line);
    }
    /* Closed fences (either character, a longer close), bold, code with
     * marks inside, mail links: nothing. */
    static const char *const fine[] = {
        "```\ncode\n```\n", "~~~~\ncode\n~~~~~~\n", "  ```py\nx = 1\n  ```\n",
        "**bold** and __also__\n", "`__init__` and `**kwargs`\n", "[mail](mailto:a@b.org)\n",
        "```\n**x** [a](b\n```\n"};
    for (size_t i = 0; i < CB_ARRAY_LEN(fine); i++)
        assert_int_equal(renderMarkdownIssues(fine[i], v, 8), 0);
}

static void testPlainColor(void **state) {
    (void)state;
    char *s = renderMarkdownToPlain("a **b** c", 1);
    assert_string_equal(s, "a \x1b[1mb\x1b[22m c");
    free(s);
    s = renderMarkdownToPlain("**a *b* c**", 1); /* nested: italic off keeps bold on */
    assert_string_equal(s, "\x1b[1ma \x1b[3mb\x1b[23m c\x1b[22m");
    free(s);
    s = renderMarkdownToPlain("`x`", 1);
    assert_string_equal(s, "\x1b[36mx\x1b[39m");
    free(s);
    s = renderMarkdownToPlain("*i*", 1);
    assert_string_equal(s, "\x1b[3mi\x1b[23m");
    free(s);
}

static void testNullIsEmpty(void **state) {
    (void)state;
    char *s = renderMarkdownToMrkdwn(NULL);
    assert_string_equal(s, "");
    free(s);
    s = renderMarkdownToPlain(NULL, 1);
    assert_string_equal(s, "");
    free(s);
}

/* Thousands of unclosed markers render (in linear time: a quadratic
 * renderer would hit the runner's bound; speed is make bench's), and deep
 * nesting must not blow the stack. */
static void testHostileInputRenders(void **state) {
    (void)state;
    const char *units[] = {"*a ", "**a ", "[a ", "`a ", "_a ", "[[[", "**[*_`"};
    size_t n = 256 * 1024;
    char *in = cbMalloc(n + 1);
    for (size_t u = 0; u < CB_ARRAY_LEN(units); u++) {
        size_t k = strlen(units[u]);
        for (size_t i = 0; i < n; i++) in[i] = units[u][i % k];
        in[n] = '\0';
        char *a = renderMarkdownToMrkdwn(in);
        char *b = renderMarkdownToPlain(in, 1);
        /* every byte kept, none multiplied (a quadratic renderer would hit
         * the runner's time bound; its speed is make bench's business) */
        assert_true(strlen(a) >= n / 2 && strlen(a) <= 4 * n);
        assert_true(strlen(b) >= n / 2 && strlen(b) <= 4 * n);
        free(a);
        free(b);
    }
    free(in);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testMrkdwnTable),
        cmocka_unit_test(testPlainTable),
        cmocka_unit_test(testPlainColor),
        cmocka_unit_test(testDiscordTable),
        cmocka_unit_test(testIssues),
        cmocka_unit_test(testSlipIssues),
        cmocka_unit_test(testNullIsEmpty),
        cmocka_unit_test(testHostileInputRenders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
