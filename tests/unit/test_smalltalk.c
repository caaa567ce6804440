/* test_smalltalk.c - knowledge/smalltalk.yaml (kb_smalltalk.c) and the
 * chit-chat that uses it: every kind of mistake is a diagnostic at its
 * file:line:column, phrases are folded as messages are, a knowledge folder
 * without the file gets the built-in copy (the bundled file as built), an
 * edited file changes the reply at the next load with no other step, a
 * broken one fails the load, an empty one turns small talk off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "handlers/handler.h"
#include "test_kb_util.h"

#define ST_PATH "t/smalltalk.yaml"

typedef struct stCase {
    const char *name, *yaml;
    cbSeverity sev;
    int line, col; /* 0: not checked */
    const char *text;
} stCase;

#define R1 "replies:\n  - reply: Hi!\n"
static const stCase stTab[] = {
    {"not a mapping", "- hi\n", CB_DIAG_ERROR, 1, 1, "must map 'greetings', 'addressees'"},
    {"unknown key", "greeting: [hi]\n", CB_DIAG_ERROR, 1, 1, "did you mean 'greetings'?"},
    {"greetings type", "greetings: hi\n", CB_DIAG_ERROR, 1, 12, "must be a list ('- item' lines"},
    {"greeting type", "greetings: [hi, 7]\n", CB_DIAG_ERROR, 1, 17, "item 2 is a number"},
    {"greeting empty", "greetings: [hi, \"\"]\n", CB_DIAG_ERROR, 1, 17, "is empty"},
    {"greeting no word", "greetings: [hi, \"?!\"]\n", CB_DIAG_ERROR, 1, 17,
     "greeting '?!' has no letters or digits"},
    {"greeting twice", "greetings: [hi, Hi!]\n", CB_DIAG_WARNING, 1, 17,
     "greeting 'Hi!' is listed twice"},
    {"addressee words", "addressees: [there, my friend]\n", CB_DIAG_ERROR, 1, 21,
     "addressee 'my friend' is more than one word"},
    {"replies type", "replies: {hi: Hi!}\n", CB_DIAG_ERROR, 1, 10, "'replies' must be a list"},
    {"reply type", "replies:\n  - hi\n", CB_DIAG_ERROR, 2, 5, "a reply must be a mapping"},
    {"reply key", R1 "    phrase: [hi]\n", CB_DIAG_ERROR, 3, 5, "did you mean 'phrases'?"},
    {"reply empty", "replies:\n  - reply: \"\"\n    phrases: [hi]\n", CB_DIAG_ERROR, 2, 12,
     "'reply' is empty"},
    {"reply type text", "replies:\n  - reply: [Hi]\n    phrases: [hi]\n", CB_DIAG_ERROR, 2,
     5, "'reply' must be a text, got a list"}, /* a list or mapping value: at its key */
    {"neither", "replies:\n  - phrases: [hi]\n", CB_DIAG_ERROR, 2, 5, "one of them"},
    {"both", R1 "    command: help\n    phrases: [hi]\n", CB_DIAG_ERROR, 2, 5, "not both"},
    {"command", "replies:\n  - command: topics\n    phrases: [hi]\n", CB_DIAG_ERROR, 2, 14,
     "unknown command 'topics'"},
    {"feedback", R1 "    feedback: thumbs-down\n    phrases: [wrong]\n", CB_DIAG_ERROR, 3, 15,
     "unknown feedback 'thumbs-down'; the only one is 'not-helpful'"},
    {"no phrases", R1, CB_DIAG_ERROR, 2, 5, "this reply has no 'phrases'"},
    {"phrases type", R1 "    phrases: hi\n", CB_DIAG_ERROR, 3, 14, "must be a list ('- item' lines"},
    {"phrase empty", R1 "    phrases: [hi, \" \"]\n", CB_DIAG_ERROR, 3, 19, "'phrases' is empty"},
    {"phrase no word", R1 "    phrases: [hi, \"...\"]\n", CB_DIAG_ERROR, 3, 19,
     "no letters or digits"},
    {"phrase too long",
     R1 "    phrases: [hi, thanks a lot for all of the really very helpful answers you gave me "
        "today and yesterday]\n",
     CB_DIAG_ERROR, 3, 19, "longer than 80 bytes"},
    {"phrase accent", R1 "    phrases: [hi, ol\u00e1]\n", CB_DIAG_WARNING, 3, 19,
     "phrase 'ol\u00e1' has a letter outside a-z; small talk compares only a-z, digits and "
     "apostrophes, so it is read as 'ol'"},
    {"phrase twice", R1 "    phrases: [hi, hey,\n      Hi!]\n", CB_DIAG_WARNING, 4, 7,
     "phrase 'hi' is listed twice for this reply (line 3)"},
    {"phrase in two replies", R1 "    phrases: [hi]\n  - reply: Bye!\n    phrases: [bye, \"HI\"]\n",
     CB_DIAG_ERROR, 5, 20, "phrase 'hi' is already a phrase of another reply (line 3)"},
    {"syntax", "greetings: [hi\n", CB_DIAG_ERROR, 2, 1, "flow sequence without a closing bracket"},
    {"syntax on line 1", "greetings: hi: there\n", CB_DIAG_ERROR, 1, 14, "nested block mapping"},
    {"not utf-8", "greetings: [h\xff]\n", CB_DIAG_ERROR, 1, 14, ""},
};

/* The first diagnostic of severity sev. */
static const cbDiag *firstOf(const cbDiags *d, cbSeverity sev) {
    for (size_t i = 0; i < d->n; i++)
        if (d->v[i].severity == sev) return &d->v[i];
    return NULL;
}

static void test_diagnostics(void **state) {
    (void)state;
    for (size_t i = 0; i < CB_ARRAY_LEN(stTab); i++) {
        const stCase *c = &stTab[i];
        cbDiags d;
        cbDiagsInit(&d);
        kbSmalltalk st;
        int rc = kbSmalltalkParse(ST_PATH, c->yaml, strlen(c->yaml), &d, &st);
        const cbDiag *g = firstOf(&d, c->sev);
        if (!g) {
            cbDiagsPrint(&d, "text", stderr);
            fail_msg("%s: no diagnostic of that severity", c->name);
        }
        int at = c->line == 0 || (g->line == c->line && g->col == c->col);
        if (!at || !strstr(g->msg, c->text) ||
            strcmp(g->file, ST_PATH) != 0)
            fail_msg("%s: got %s:%d:%d: %s", c->name, g->file, g->line, g->col, g->msg);
        /* errors fail the parse and leave nothing; warnings alone do not */
        assert_int_equal(rc, c->sev == CB_DIAG_ERROR ? CB_ERR : CB_OK);
        if (rc != CB_OK) assert_int_equal(st.nphrases + st.nreplies + st.greetings.n, 0);
        kbSmalltalkFree(&st);
        cbDiagsFree(&d);
    }
}

/* Phrases, greetings and addressees are folded as messages are; the
 * phrases sorted and each once; greetings longest first; empty = none. */
static void test_folded(void **state) {
    (void)state;
    const char *y = "greetings: [hi, Good   Morning!]\naddressees: [There]\n"
                    "replies:\n  - reply: Hey!\n    phrases: [\"What's up?\", HI, hi]\n"
                    "  - command: help\n    phrases: [what can you do]\n";
    cbDiags d;
    cbDiagsInit(&d);
    kbSmalltalk st;
    assert_int_equal(kbSmalltalkParse(ST_PATH, y, strlen(y), &d, &st), CB_OK);
    assert_int_equal(d.nwarnings, 1); /* hi twice */
    assert_int_equal(st.nphrases, 3);
    assert_string_equal(st.phrases[0].phrase, "hi");
    assert_string_equal(st.phrases[0].reply, "Hey!");
    assert_string_equal(st.phrases[1].phrase, "what can you do");
    assert_null(st.phrases[1].reply); /* the help text */
    assert_string_equal(st.phrases[2].phrase, "what's up");
    assert_int_equal(st.greetings.n, 2);
    assert_string_equal(st.greetings.v[0], "good morning");
    assert_string_equal(st.addressees.v[0], "there");
    kbSmalltalkFree(&st);
    const char *empty[] = {"", "# only a comment\n\n"};
    for (size_t i = 0; i < CB_ARRAY_LEN(empty); i++) {
        assert_int_equal(kbSmalltalkParse(ST_PATH, empty[i], strlen(empty[i]), &d, &st), CB_OK);
        assert_int_equal(st.nphrases + st.greetings.n + st.addressees.n, 0);
        kbSmalltalkFree(&st);
    }
    assert_int_equal(d.nerrors, 0);
    cbDiagsFree(&d);
    char out[16];
    assert_int_equal(kbSmalltalkFold("  Hi,  THERE!", 13, out, 10), 1); /* 8 bytes fit in 10 */
    assert_string_equal(out, "hi there");
    assert_int_equal(kbSmalltalkFold("hi there!", 9, out, 9), 0);
}

static knowledge *load(const char *dir, cbDiags *d) {
    engParams p;
    engDefaultParams(&p);
    cbDiagsInit(d);
    knowledge *k = knowledgeLoad(dir, &p, d);
    if (!k) cbDiagsPrint(d, "text", stderr);
    return k;
}

/* What the handler replies to text; "" when it is not small talk. */
static char *chat(const knowledge *k, const char *text) {
    hndContext ctx = {.k = k, .max_suggestions = 3};
    hndRequest req = {.platform = PLATFORM_CONSOLE, .text = text, .len = strlen(text), .user = "u"};
    hndReply r;
    hndHandle(&ctx, &req, &r);
    char *body = cbStrdup(r.kind == REPLY_CHITCHAT ? r.body : "");
    replyFree(&r);
    return body;
}

static void assertChat(const knowledge *k, const char *text, const char *want) {
    char *got = chat(k, text);
    if (strcmp(got, want) != 0) fail_msg("'%s': got [%s], want [%s]", text, got, want);
    free(got);
}

/* No diagnostic about small talk (the fixture's entries have their own). */
static void assertNoSmalltalkDiag(const cbDiags *d) {
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->v[i].file, "smalltalk")) fail_msg("%s: %s", d->v[i].file, d->v[i].msg);
}

/* The fixture has no smalltalk.yaml: the built-in copy answers, and it is
 * the bundled file (the same replies to every one of its phrases). */
static void test_builtin(void **state) {
    (void)state;
    cbDiags d, dr;
    knowledge *fx = load("tests/fixtures/app-kb", &d);
    assert_non_null(fx);
    assertNoSmalltalkDiag(&d);
    assert_true(fx->kb->smalltalk.builtin);
    cbDiagsFree(&d);
    cbDiagsInit(&dr);
    char *data = ktRead("knowledge/smalltalk.yaml");
    kbSmalltalk bundled;
    assert_int_equal(kbSmalltalkParse("knowledge/smalltalk.yaml", data, strlen(data), &dr,
                                      &bundled), CB_OK);
    assert_int_equal(dr.n, 0);
    const kbSmalltalk *b = &fx->kb->smalltalk;
    assert_true(bundled.nphrases > 50);
    assert_int_equal(b->nphrases, bundled.nphrases);
    for (size_t i = 0; i < b->nphrases; i++) {
        assert_string_equal(b->phrases[i].phrase, bundled.phrases[i].phrase);
        assert_int_equal(!b->phrases[i].reply, !bundled.phrases[i].reply);
        if (b->phrases[i].reply) assert_string_equal(b->phrases[i].reply, bundled.phrases[i].reply);
        assert_int_equal(b->phrases[i].not_helpful, bundled.phrases[i].not_helpful);
    }
    /* "feedback: not-helpful" marks its reply's phrases, and only those */
    assert_true(kbFindSmalltalk(fx->kb, "not helpful")->not_helpful);
    assert_true(kbFindSmalltalk(fx->kb, "wrong answer")->not_helpful);
    assert_false(kbFindSmalltalk(fx->kb, "thanks")->not_helpful);
    assert_int_equal(b->greetings.n, bundled.greetings.n);
    assert_int_equal(b->addressees.n, bundled.addressees.n);
    char *hi = chat(fx, "Hi there!");
    assert_string_equal(hi, kbFindSmalltalk(fx->kb, "hi")->reply);
    free(hi);
    free(data);
    kbSmalltalkFree(&bundled);
    cbDiagsFree(&dr);
    knowledgeFree(fx);
}

/* A maintainer edits smalltalk.yaml: the next load (what the bot's hot
 * reload does) answers with the edit, nothing else to do; a broken edit
 * fails the load with the place to fix; an empty file turns it off. */
static void test_edit_reload(void **state) {
    (void)state;
    char *tmp = ktTempDir(), *path = cbSprintf("%s/kb/smalltalk.yaml", tmp);
    char *cmd = cbSprintf("cp -r tests/fixtures/app-kb %s/kb", tmp), *dir = cbSprintf("%s/kb", tmp);
    assert_int_equal(system(cmd), 0);
    cbDiags d;
    knowledge *k = load(dir, &d);
    assert_non_null(k);
    cbDiagsFree(&d);
    char *before = chat(k, "hi");
    assert_true(strlen(before) > 0);
    assertChat(k, "ahoy", "");
    knowledgeFree(k);
    ktWrite(path, "greetings: [ahoy]\naddressees: [matey]\nreplies:\n"
                  "  - reply: \"Ahoy! Ask me about your career.\"\n"
                  "    phrases: [ahoy, hi]\n");
    k = load(dir, &d);
    assert_non_null(k);
    assertNoSmalltalkDiag(&d);
    cbDiagsFree(&d);
    assertChat(k, "Ahoy matey!", "Ahoy! Ask me about your career.");
    assertChat(k, "hi", "Ahoy! Ask me about your career.");
    assertChat(k, "thanks", ""); /* not in the edited file */
    knowledgeFree(k);
    /* A phrase that is also an entry's alternate or keyword: warned at
     * the phrase, with the entry's line (small talk wins, so the entry
     * never gets that message). */
    ktWrite(path, "replies:\n  - reply: Ahoy!\n    phrases: [ahoy, Django vs Flask?,\n"
                  "      flask]\n");
    k = load(dir, &d);
    assert_non_null(k);
    const cbDiag *w[3] = {NULL, NULL, NULL};
    size_t nw = 0;
    for (size_t i = 0; i < d.n && nw < 3; i++)
        if (strcmp(d.v[i].file, path) == 0) w[nw++] = &d.v[i];
    assert_int_equal(nw, 2);
    assert_true(w[0]->severity == CB_DIAG_WARNING && w[0]->line == 3 && w[0]->col == 21);
    assert_non_null(strstr(w[0]->msg, "phrase 'django vs flask' is also an alternate of "
                                      "frameworks/django-vs-flask ("));
    assert_non_null(strstr(w[0]->msg, "django-vs-flask.md:5)"));
    assert_true(w[1]->severity == CB_DIAG_WARNING && w[1]->line == 4 && w[1]->col == 7);
    assert_non_null(strstr(w[1]->msg, "phrase 'flask' is also a keyword of"));
    assertChat(k, "django vs flask", "Ahoy!");
    cbDiagsFree(&d);
    knowledgeFree(k);
    ktWrite(path, "replies:\n  - reply: Ahoy!\n    phrses: [ahoy]\n");
    cbDiagsInit(&d);
    engParams p;
    engDefaultParams(&p);
    assert_null(knowledgeLoad(dir, &p, &d));
    const cbDiag *e = firstOf(&d, CB_DIAG_ERROR);
    assert_true(e && e->line == 3 && e->col == 5 && strstr(e->msg, "did you mean 'phrases'?"));
    assert_string_equal(e->file, path);
    cbDiagsFree(&d);
    ktWrite(path, "# no small talk here\n");
    k = load(dir, &d);
    assert_non_null(k);
    cbDiagsFree(&d);
    assertChat(k, "hi", "");
    assertChat(k, "thanks", "");
    knowledgeFree(k);
    free(before);
    ktRmTree(tmp);
    cbFreeN(4, tmp, path, cmd, dir);
}

int main(void) {
    setenv("CAREERBOT_TODAY", "2025-06-01", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diagnostics),
        cmocka_unit_test(test_folded),
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_edit_reload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
