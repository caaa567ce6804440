/* test_kb.c - the knowledge loader: a good fixture loads completely; every
 * kind of mistake in tests/fixtures/kb/broken is reported at its exact
 * file:line:col (table-driven); warnings; all-or-nothing loading; bytes
 * that are not text; diagnostics output formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/common.h"
#include "kb/kb.h"
#include "test_kb_util.h"

#define FIX "tests/fixtures/kb/"

typedef struct expDiag {
    cbSeverity sev;
    const char *suffix; /* the file name ends with this */
    int line, col;
    const char *text; /* substring of the message */
} expDiag;

/* Index of the diagnostic matching e exactly, or -1. */
static long findDiag(const cbDiags *d, const expDiag *e) {
    size_t sl = strlen(e->suffix);
    for (size_t i = 0; i < d->n; i++) {
        const cbDiag *g = &d->v[i];
        size_t fl = strlen(g->file);
        if (g->severity == e->sev && fl >= sl && strcmp(g->file + fl - sl, e->suffix) == 0 &&
            g->line == e->line && g->col == e->col && strstr(g->msg, e->text))
            return (long)i;
    }
    return -1;
}

static void expectAll(const cbDiags *d, const expDiag *tab, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (findDiag(d, &tab[i]) >= 0) continue;
        cbDiagsPrint(d, "text", stderr);
        fail_msg("missing diagnostic %s:%d:%d '%s'", tab[i].suffix, tab[i].line, tab[i].col,
                 tab[i].text);
    }
}

static void expectSorted(const cbDiags *d) {
    for (size_t i = 1; i < d->n; i++) {
        int c = strcmp(d->v[i - 1].file, d->v[i].file);
        assert_true(c < 0 || (c == 0 && d->v[i - 1].line <= d->v[i].line));
    }
}

static void test_good_loads(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {.now = ktDay("2025-06-01")};
    kb *k = kbLoadWith(FIX "good", &o, &d);
    if (d.n) cbDiagsPrint(&d, "text", stderr);
    assert_non_null(k);
    assert_int_equal(d.n, 0);
    assert_int_equal(o.nentries, 4);
    assert_int_equal(o.ntopics, 2);
    assert_int_equal(k->nentries, 4);
    for (size_t i = 1; i < k->nentries; i++)
        assert_true(strcmp(k->entries[i - 1].id, k->entries[i].id) < 0);
    const kbEntry *e = kbFindEntry(k, "frameworks/django-vs-flask");
    assert_non_null(e);
    assert_string_equal(e->topic, "frameworks");
    assert_string_equal(e->question, "Should I learn Django or Flask first?");
    assert_int_equal(e->alternates.n, 3);
    assert_string_equal(e->patterns.v[0], "\\b(django|flask)\\b.*\\b(first|start|begin)");
    assert_int_equal(e->nsources, 2);
    assert_null(e->sources[0].url); /* the seed article */
    assert_string_equal(e->sources[1].publisher, "Django Software Foundation");
    assert_int_equal(e->sources[1].url_line, 18);
    assert_int_equal(e->sources[1].url_col, 14);
    assert_int_equal(e->links[0].url_line, 24);
    assert_int_equal(e->links[0].url_col, 40);
    assert_int_equal(e->question_line, 3);
    assert_int_equal(e->alternates_line, 4);
    assert_int_equal(e->patterns_line, 10);
    assert_int_equal(e->links_line, 23);
    assert_int_equal(e->answer_line, 32);
    assert_string_equal(e->summary, "Start with the one your target jobs ask for.");
    assert_true(strncmp(e->answer, "**Start with", 12) == 0);
    assert_int_equal(e->answer[strlen(e->answer) - 1], '.'); /* trimmed */
    assert_string_equal(e->updated, "2025-03-10");
    assert_null(kbFindEntry(k, "frameworks/nope"));
    const kbTopic *t = kbFindTopic(k, "LEARNING");
    assert_non_null(t);
    assert_string_equal(t->title, "Learning paths");
    assert_int_equal(t->nentries, 2);
    assert_int_equal(k->nsynonyms, 3);
    assert_int_equal(k->synonyms[2].n, 3);
    assert_string_equal(k->synonyms[0].v[1], "amazon web services");
    kbFree(k);
    cbDiagsFree(&d);
}

#define E CB_DIAG_ERROR
#define W CB_DIAG_WARNING
static const expDiag brokenTab[] = {
    {E, "badtopic/_topic.json", 1, 1, "missing required field 'description'"},
    {E, "badtopic/_topic.json", 3, 3, "unknown field 'descripton'; did you mean 'description'?"},
    {E, "broken/notopic", 0, 0, "no _topic.json"},
    {E, "broken/stray.md", 0, 0, "outside a topic directory"},
    {E, "broken/synonyms.json", 2, 3, "at least 2 terms"},
    {E, "broken/synonyms.json", 3, 10, "must be a string, got a number"},
    {E, "broken/synonyms.json", 4, 3, "must be an array of strings, got a string"},
    {E, "t/Dup.md", 0, 0, "must be lowercase"},
    {E, "t/dup.md", 0, 0, "duplicate id 't/dup'"},
    {E, "t/bad-date.md", 5, 14, "2026-02-30 is not a date; use YYYY-MM-DD"},
    {E, "t/bad-regex.md", 4, 44, "invalid regex in 'patterns': missing closing parenthesis"},
    {E, "t/bad-regex2.md", 4, 27, "numbers out of order"},
    {E, "t/bad-related.md", 5, 23, "'t/okk' does not exist; did you mean 't/ok'?"},
    {E, "t/bad-url.md", 6, 29, "'htp:/example.org' is not a valid URL"},
    {E, "t/bad-url.md", 8, 35, "'www.example.org' is not a valid URL"},
    {E, "t/ok_copy.md", 0, 0, "file name 'ok_copy.md' must be lowercase letters"},
    {E, "t/bar.MD", 0, 0, "an entry saved as 'bar.MD' is never loaded: rename it to 'bar.md'"},
    {E, "t/dup-link.md", 4, 75, "'last year' is not a date; write when the source was published"},
    {E, "t/dup-link.md", 5, 61, "'links' item 2 goes to the same address as item 1"},
    {E, "t/dup-related.md", 5, 23, "'related' lists 't/ok' twice (items 1 and 2)"},
    {E, "t/related-case.md", 5, 15, "'related' id 'T/OK' does not exist; did you mean 't/ok'?"},
    {E, "t/related-case.md", 5, 23, "'knowledge/t/ok.md' does not exist; did you mean 't/ok'?"},
    {E, "t/odd-url.md", 4, 39, "holds '>', which is never part of a web address"},
    {E, "t/odd-url.md", 5, 39, "'https://example..org/' is not a valid URL"},
    {E, "t/odd-url.md", 5, 72, "'2026-13' is not a date"},
    {E, "t/empty-answer.md", 7, 1, "empty answer"},
    {E, "t/empty-sources.md", 4, 14, "'sources' is empty"},
    {E, "t/json-syntax.md", 4, 3, "malformed JSON: '}' expected near '\"sources\"'; is a comma missing"},
    {E, "t/links-bad.md", 4, 80, "'publisher' must be a string, got a number"},
    {E, "t/links-bad.md", 5, 13, "'links' item 1 must be an object"},
    {E, "t/links-bad.md", 5, 38, "missing required field 'title'"},
    {E, "t/missing-question.md", 2, 1, "missing required field 'question'"},
    {E, "t/no-close.md", 1, 1, "no closing '---'"},
    {E, "t/no-open.md", 1, 1, "must start with a line '---'"},
    {E, "t/not-object.md", 2, 1, "must be fields like 'question: ...' one per line, got a list"},
    {E, "t/source-no-url.md", 4, 15, "missing required field 'url'"},
    {E, "t/unknown-field.md", 2, 1, "missing required field 'question'"},
    {E, "t/unknown-field.md", 3, 3, "unknown field 'qestion'; did you mean 'question'?"},
    {E, "t/wrong-type.md", 4, 17, "'alternates' must be an array of strings, got a string"},
    {E, "t/wrong-type.md", 5, 22, "'keywords' must be an array of strings, but item 2 is a number"},
    {W, "t/bad-regex.md", 2, 1, "no 'updated' date"},
};

static void test_broken_fixture(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {.now = ktDay("2025-06-01")};
    kb *k = kbLoadWith(FIX "broken", &o, &d);
    assert_null(k); /* t/ok.md and notopic/entry.md are fine: still nothing loads */
    expectAll(&d, brokenTab, CB_ARRAY_LEN(brokenTab));
    assert_int_equal(d.nerrors, CB_ARRAY_LEN(brokenTab) - 1); /* nothing unexpected */
    assert_int_equal(o.nentries, 26);
    assert_int_equal(o.ntopics, 3);
    for (size_t i = 0; i < d.n; i++) assert_null(strstr(d.v[i].file, "t/ok.md"));
    /* a misnamed copy: its name's error, not one warning per shared phrasing */
    for (size_t i = 0; i < d.n; i++) assert_null(strstr(d.v[i].msg, "same phrasing"));
    expectSorted(&d);
    cbDiagsFree(&d);
}

static const expDiag warnTab[] = {
    {W, "warn/foo.txt", 0, 0, "unexpected file"},
    {W, "t/dup-a.md", 3, 15, "same phrasing as tests/fixtures/kb/warn/t/dup-b.md:4"},
    {W, "t/dup-b.md", 4, 36, "same phrasing as tests/fixtures/kb/warn/t/dup-a.md:3"},
    {W, "t/nolinks.md", 2, 1, "no 'links'"},
    {W, "t/noupdated.md", 2, 1, "no 'updated' date"},
    {W, "t/noupdated.md", 2, 1, "no 'summary'; add the short answer in plain text"},
    {W, "t/stale.md", 6, 14, "updated 2024-05-31 is more than 12 months ago"},
    {W, "warn/out-of-scope.txt", 3, 1, "same phrasing as tests/fixtures/kb/warn/t/dup-b.md:4 "
                                       "(t/dup-b): a question cannot be both declined and answered"},
};

static void test_warnings(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {.now = ktDay("2025-06-01")};
    kb *k = kbLoadWith(FIX "warn", &o, &d);
    assert_non_null(k); /* warnings do not fail the load */
    assert_int_equal(d.nerrors, 0);
    expectAll(&d, warnTab, CB_ARRAY_LEN(warnTab));
    assert_int_equal(d.nwarnings, CB_ARRAY_LEN(warnTab)); /* t/fresh.md is not stale */
    kbFree(k);
    cbDiagsFree(&d);
    /* A year later, every dated entry is stale; CAREERBOT_TODAY is honoured. */
    cbDiagsInit(&d);
    setenv("CAREERBOT_TODAY", "2026-06-02", 1);
    k = kbLoad(FIX "warn", &d);
    unsetenv("CAREERBOT_TODAY");
    assert_non_null(k);
    size_t stale = 0;
    for (size_t i = 0; i < d.n; i++) stale += strstr(d.v[i].msg, "12 months") != NULL;
    assert_int_equal(stale, 5);
    kbFree(k);
    cbDiagsFree(&d);
}

/* problems_on_failure: a good load skips the whole-base checks that can
 * only warn; a failing one reports exactly what a plain load reports. */
static void test_problems_on_failure(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {.now = ktDay("2025-06-01"), .problems_on_failure = 1};
    kb *k = kbLoadWith(FIX "warn", &o, &d);
    assert_non_null(k);
    assert_int_equal(d.nerrors, 0);
    for (size_t i = 0; i < d.n; i++) {
        assert_null(strstr(d.v[i].msg, "same phrasing"));
        assert_null(strstr(d.v[i].msg, "12 months"));
    }
    expectAll(&d, warnTab + 3, 3); /* a file's own warnings stay */
    kbFree(k);
    cbDiagsFree(&d);
    cbDiags all, some;
    cbDiagsInit(&all);
    cbDiagsInit(&some);
    kbLoadOpts plain = {.now = ktDay("2025-06-01")};
    assert_null(kbLoadWith(FIX "broken", &plain, &all));
    assert_null(kbLoadWith(FIX "broken", &o, &some));
    assert_int_equal(all.n, some.n);
    assert_true(all.nwarnings > 0);
    for (size_t i = 0; i < all.n; i++) {
        assert_string_equal(all.v[i].file, some.v[i].file);
        assert_int_equal(all.v[i].line, some.v[i].line);
        assert_int_equal(all.v[i].col, some.v[i].col);
        assert_string_equal(all.v[i].msg, some.v[i].msg);
    }
    cbDiagsFree(&all);
    cbDiagsFree(&some);
}

/* One problem, one error: an entry file that cannot be read is not also
 * "does not exist" in every entry that relates to it; and a misspelt
 * related id never suggests the entry itself. */
static void test_one_problem_one_error(void **state) {
    (void)state;
    char *dir = ktTempDir();
    ktCopyTree(FIX "good", dir);
    char *fa = cbSprintf("%s/frameworks/fastapi.md", dir);
    assert_int_equal(unlink(fa), 0);
    assert_int_equal(symlink("/nonexistent-careerbot-target", fa), 0); /* dangling */
    cbDiags d;
    cbDiagsInit(&d);
    assert_null(kbLoad(dir, &d));
    if (d.nerrors != 1) cbDiagsPrint(&d, "text", stderr);
    assert_int_equal(d.nerrors, 1);
    expDiag x = {CB_DIAG_ERROR, "frameworks/fastapi.md", 0, 0, "cannot read (broken link?)"};
    assert_true(findDiag(&d, &x) >= 0);
    cbDiagsFree(&d);
    ktRmTree(dir);
    ktCopyTree(FIX "good", dir);
    char *dj = cbSprintf("%s/frameworks/django-vs-flask.md", dir), *text = ktRead(dj);
    char *at = strstr(text, "\"frameworks/fastapi\"");
    assert_non_null(at);
    char *edited = cbSprintf("%.*s\"frameworks/django-vs-flasks\"%s", (int)(at - text), text,
                             at + strlen("\"frameworks/fastapi\""));
    ktWrite(dj, edited);
    cbDiagsInit(&d);
    assert_null(kbLoad(dir, &d));
    for (size_t i = 0; i < d.n; i++)
        if (strstr(d.v[i].msg, "did you mean 'frameworks/django-vs-flask'"))
            fail_msg("suggested the entry itself: %s", d.v[i].msg);
    cbDiagsFree(&d);
    free(edited), free(text), free(dj), free(fa);
    ktRmTree(dir);
    free(dir);
}

/* A byte-order mark (Windows editors write one) is not text in any
 * knowledge file: JSON, plain text and entries load as without it. */
static void test_bom_anywhere(void **state) {
    (void)state;
    char *dir = ktTempDir();
    ktCopyTree(FIX "good", dir);
    const char *files[] = {"synonyms.json", "learning/_topic.json", "learning/bootcamps.md"};
    for (size_t i = 0; i < CB_ARRAY_LEN(files); i++) {
        char *p = cbSprintf("%s/%s", dir, files[i]), *text = ktRead(p);
        char *bom = cbSprintf("\xEF\xBB\xBF%s", text);
        ktWrite(p, bom);
        free(bom), free(text), free(p);
    }
    char *stop = cbSprintf("%s/stopwords.txt", dir), *oos = cbSprintf("%s/out-of-scope.txt", dir);
    ktWrite(stop, "\xEF\xBB\xBFthe\na\n");
    ktWrite(oos, "\xEF\xBB\xBFwhat is the weather\n");
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(dir, &d);
    if (!k || d.nerrors) cbDiagsPrint(&d, "text", stderr);
    assert_non_null(k);
    assert_int_equal(k->out_of_scope.n, 1);
    assert_string_equal(k->out_of_scope.v[0], "what is the weather");
    kbFree(k);
    cbDiagsFree(&d);
    free(stop), free(oos);
    ktRmTree(dir);
    free(dir);
}

/* One bad file in a copy of the good dir: nothing loads; fix it: loads. */
static void test_all_or_nothing(void **state) {
    (void)state;
    char *dir = ktTempDir();
    ktCopyTree(FIX "good", dir);
    char *bad = cbSprintf("%s/learning/zz-bad.md", dir);
    ktWrite(bad, "---\n{\"question\": \"Broken\", \"sources\": [{\"title\": \"x\", \"url\": \"nope\"}]}\n---\nA.\n");
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(dir, &d);
    assert_null(k);
    if (d.nerrors != 1) cbDiagsPrint(&d, "text", stderr);
    assert_int_equal(d.nerrors, 1);
    expDiag x = {CB_DIAG_ERROR, "learning/zz-bad.md", 2, 58, "'nope' is not a valid URL"};
    assert_true(findDiag(&d, &x) >= 0);
    cbDiagsFree(&d);
    ktWrite(bad, "---\n{\"question\": \"Fixed\", \"sources\": [{\"title\": \"x\", \"url\": \"https://example.org\"}]}\n---\nA.\n");
    cbDiagsInit(&d);
    k = kbLoad(dir, &d);
    assert_non_null(k);
    assert_int_equal(k->nentries, 5);
    assert_non_null(kbFindEntry(k, "learning/zz-bad"));
    kbFree(k);
    cbDiagsFree(&d);
    /* a file over 256 KiB */
    char *big = cbMalloc(300 * 1024);
    memset(big, 'a', 300 * 1024 - 1);
    big[300 * 1024 - 1] = '\0';
    ktWrite(bad, big);
    free(big);
    cbDiagsInit(&d);
    assert_null(kbLoad(dir, &d));
    assert_int_equal(d.nerrors, 1);
    expDiag y = {CB_DIAG_ERROR, "learning/zz-bad.md", 0, 0, "the limit is 256 KiB"};
    assert_true(findDiag(&d, &y) >= 0);
    cbDiagsFree(&d);
    /* a missing directory */
    cbDiagsInit(&d);
    assert_null(kbLoad("tests/fixtures/kb/no-such-dir", &d));
    assert_int_equal(d.nerrors, 1);
    cbDiagsFree(&d);
    ktRmTree(dir);
    free(bad);
    free(dir);
}

typedef struct memCase {
    const char *name;
    const char *data;
    size_t len;
    int ok, line, col;
    const char *text;
} memCase;

#define GOODFM "{\"question\": \"Q?\", \"sources\": [{\"title\": \"T\", \"url\": \"https://a.org/\"}], \"links\": [{\"title\": \"L\", \"url\": \"https://b.org/\"}], \"updated\": \"2025-01-01\"}"
#define GOODFM_REST " \"sources\": [{\"title\": \"T\", \"url\": \"https://a.org/\"}], \"links\": [{\"title\": \"L\", \"url\": \"https://b.org/\"}], \"updated\": \"2025-01-01\"}"
#define WORDS10 "one two three four five six seven eight nine ten "
#define WORDS40 WORDS10 WORDS10 WORDS10 "one two three four five six seven eight nine ten"
#define S(lit) lit, sizeof(lit) - 1

static const memCase memTab[] = {
    {"good", S("---\n" GOODFM "\n---\nAnswer.\n"), 1, 0, 0, ""},
    {"crlf", S("---\r\n" GOODFM "\r\n---\r\nAnswer.\r\n"), 1, 0, 0, ""},
    {"bom", S("\xEF\xBB\xBF---\n" GOODFM "\n---\nAnswer.\n"), 1, 0, 0, ""},
    {"nul", S("---\n" GOODFM "\n---\nAns\0wer.\n"), 0, 4, 4, "NUL byte"},
    {"bad utf8", S("---\n" GOODFM "\n---\nCaf\xC3\xA9 ok, \xC3(bad\n"), 0, 4, 10, "invalid UTF-8 (byte 0xC3)"},
    {"overlong", S("---\n{\"question\": \"\xC0\xAF\"}\n---\nA.\n"), 0, 2, 15, "invalid UTF-8"},
    {"empty", S(""), 0, 1, 1, "must start with a line '---'"},
    {"only open", S("---\n"), 0, 1, 1, "no closing '---'"},
    {"placeholder", S("---\n" GOODFM "\n---\nTODO(kb new): write\n"), 0, 4, 1, "template text"},
    {"trailing comma", S("---\n{\"question\": \"Q\",\n  }\n---\nA.\n"), 0, 3, 3, "remove the comma before it"},
    {"duplicate key", S("---\n{\"question\": \"Q\", \"question\": \"R\"}\n---\nA.\n"), 0, 2, 19, "duplicate object key"},
    {"eof in json", S("---\n{\"question\": \n---\nA.\n"), 0, 3, 1, "malformed JSON"},
    {"summary 40 words", S("---\n{\"question\": \"Q?\", \"summary\": \"" WORDS40 "\",\n" GOODFM_REST "\n---\nAnswer.\n"), 1, 0, 0, ""},
    {"summary 41 words", S("---\n{\"question\": \"Q?\", \"summary\": \"" WORDS40 " one\",\n" GOODFM_REST "\n---\nAnswer.\n"), 0, 2, 31, "'summary' has 41 words; keep it to at most 40"},
    {"summary type", S("---\n{\"question\": \"Q?\",\n \"summary\": [\"x\"],\n" GOODFM_REST "\n---\nAnswer.\n"), 0, 3, 13, "'summary' must be a string, got an array"},
    {"summary lines", S("---\n{\"question\": \"Q?\", \"summary\": \"Yes.\\nNo.\",\n" GOODFM_REST "\n---\nAnswer.\n"), 0, 2, 31, "one paragraph"},
    {"summary markup", S("---\n{\"question\": \"Q?\", \"summary\": \"It **depends**.\",\n" GOODFM_REST "\n---\nAnswer.\n"), 0, 2, 31, "remove the Markdown '**'"},
    {"summary empty", S("---\n{\"question\": \"Q?\", \"summary\": \"\",\n" GOODFM_REST "\n---\nAnswer.\n"), 0, 2, 31, "summary"},
};

static void test_parse_memory(void **state) {
    (void)state;
    for (size_t i = 0; i < CB_ARRAY_LEN(memTab); i++) {
        const memCase *c = &memTab[i];
        cbDiags d;
        cbDiagsInit(&d);
        kbEntry e;
        int rc = kbParseEntry("mem.md", c->data, c->len, &d, &e);
        if ((rc == CB_OK) != c->ok) {
            cbDiagsPrint(&d, "text", stderr);
            fail_msg("case '%s': rc %d", c->name, rc);
        }
        if (!c->ok) {
            assert_true(d.nerrors >= 1);
            expDiag x = {CB_DIAG_ERROR, "mem.md", c->line, c->col, c->text};
            if (findDiag(&d, &x) < 0) {
                cbDiagsPrint(&d, "text", stderr);
                fail_msg("case '%s': no diagnostic at %d:%d", c->name, c->line, c->col);
            }
        } else {
            int has = strstr(c->data, "\"summary\"") != NULL;
            expDiag w = {CB_DIAG_WARNING, "mem.md", 2, 1, "no 'summary'"};
            assert_int_equal(findDiag(&d, &w) >= 0, !has); /* warned only when missing */
            if (has) assert_int_equal(strlen(e.summary), strlen(WORDS40));
            else assert_null(e.summary);
            assert_string_equal(e.question, "Q?");
            assert_string_equal(e.answer, "Answer.");
        }
        kbEntryFree(&e);
        cbDiagsFree(&d);
    }
}

/* Hostile sizes: too many items, too many problems in one file. */
static void test_limits(void **state) {
    (void)state;
    cbBuf b;
    bufInit(&b, 1 << 20);
    bufAppendStr(&b, "---\n{\"question\": \"Q\", \"alternates\": [");
    for (int i = 0; i < 300; i++) bufPrintf(&b, "%s\"a%d\"", i ? ", " : "", i);
    bufAppendStr(&b, "],\n \"sources\": [{\"title\": \"T\", \"url\": \"https://a.org/\"}]}\n---\nA.\n");
    cbDiags d;
    cbDiagsInit(&d);
    kbEntry e;
    assert_int_equal(kbParseEntry("big.md", bufStr(&b), b.len, &d, &e), CB_ERR);
    expDiag x = {CB_DIAG_ERROR, "big.md", 2, 33, "'alternates' has 300 items; the limit is 200"};
    assert_true(findDiag(&d, &x) >= 0);
    cbDiagsFree(&d);
    bufReset(&b);
    bufAppendStr(&b, "---\n{\"question\": \"Q\"");
    for (int i = 0; i < 1000; i++) bufPrintf(&b, ", \"x%d\": 1", i);
    bufAppendStr(&b, "}\n---\nA.\n");
    cbDiagsInit(&d);
    double t0 = cbNowMs();
    assert_int_equal(kbParseEntry("flood.md", bufStr(&b), b.len, &d, &e), CB_ERR);
    assert_true(cbNowMs() - t0 < 2000);
    assert_int_equal(d.n, 100); /* 99 problems and "too many problems" */
    assert_true(d.nerrors > 1000);
    assert_non_null(strstr(d.v[99].msg, "too many problems"));
    cbDiagsFree(&d);
    bufFree(&b);
}

static char *printed(const cbDiags *d, const char *format) {
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    cbDiagsPrint(d, format, f);
    fclose(f);
    return s;
}

static void test_formats(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    cbDiagAdd(&d, CB_DIAG_ERROR, "k/t/a.md", 5, 14, "bad %s", "date");
    cbDiagAdd(&d, CB_DIAG_WARNING, "k/foo, 100%.txt", 0, 0, "line one\nline two: 50%%");
    cbDiagAdd(&d, CB_DIAG_ERROR, "k/b.md", 3, 0, "no column");
    assert_int_equal(d.nerrors, 2);
    assert_int_equal(d.nwarnings, 1);
    char *t = printed(&d, "text");
    assert_string_equal(t, "k/t/a.md:5:14: error: bad date\n"
                           "k/foo, 100%.txt: warning: line one\nline two: 50%\n"
                           "k/b.md:3: error: no column\n");
    free(t);
    char *g = printed(&d, "github");
    assert_string_equal(g, "::error file=k/t/a.md,line=5,col=14::bad date\n"
                           "::warning file=k/foo%2C 100%25.txt::line one%0Aline two: 50%25\n"
                           "::error file=k/b.md,line=3::no column\n");
    free(g);
    cbDiagsSort(&d);
    assert_string_equal(d.v[0].file, "k/b.md");
    assert_string_equal(d.v[2].file, "k/t/a.md");
    cbDiagsFree(&d);
}

/* The shared-phrasings check keeps each phrasing's key hash on its entry
 * (the index's verbatim table reads them instead of folding every
 * phrasing again): the hash of the key as kbPhraseKey folds it; a load
 * that skips the check keeps none. */
static void test_phrase_hashes_kept(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts full = {.now = ktDay("2025-06-01")};
    kb *k = kbLoadWith("knowledge", &full, &d);
    assert_non_null(k);
    assert_true(k->nentries > 10);
    for (size_t e = 0; e < k->nentries; e++) {
        const kbEntry *en = &k->entries[e];
        assert_non_null(en->phrase_hash);
        for (size_t a = 0; a <= en->alternates.n; a++) {
            char *key = kbPhraseKey(a == 0 ? en->question : en->alternates.v[a - 1]);
            assert_true(en->phrase_hash[a] == kbPhraseHash(key));
            assert_true(*key ? en->phrase_hash[a] != 0 : en->phrase_hash[a] == 0);
            free(key);
        }
    }
    kbFree(k);
    kbLoadOpts quick = {.now = ktDay("2025-06-01"), .problems_on_failure = 1};
    k = kbLoadWith("knowledge", &quick, &d);
    assert_non_null(k);
    for (size_t e = 0; e < k->nentries; e++) assert_null(k->entries[e].phrase_hash);
    kbFree(k);
    assert_true(kbPhraseHash("") == 0);
    assert_true(kbPhraseHash("a") != 0 && kbPhraseHash("a") != kbPhraseHash("b"));
    cbDiagsFree(&d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_loads),     cmocka_unit_test(test_broken_fixture),
        cmocka_unit_test(test_warnings),       cmocka_unit_test(test_all_or_nothing),
        cmocka_unit_test(test_one_problem_one_error),
        cmocka_unit_test(test_bom_anywhere),
        cmocka_unit_test(test_parse_memory),   cmocka_unit_test(test_formats),
        cmocka_unit_test(test_limits),         cmocka_unit_test(test_problems_on_failure),
        cmocka_unit_test(test_phrase_hashes_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
