/* test_engine_edits.c - the learned matcher on knowledge a test writes
 * (split from test_engine_learn.c so that neither program comes near the
 * test runner's bound: each retrains a classifier under the sanitizers):
 * a knowledge edit retrains it with no manual step; entries whose
 * examples collide are found; out-of-scope.txt, redirects.yaml,
 * matching.json, lookups.yaml and stopwords.txt errors point at
 * file:line:col; patterns see the whole question and yield to the
 * ranking in posts longer than any phrasing; lookups.yaml and
 * stopwords.txt steer what is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/common.h"
#include "handlers/handler.h"
#include "match/engine.h"
#include "match/knowledge.h"
#include "tproc.h"
#include "learn_fixture.h"

/* Editing a file and reloading (as the bot's hot reload does) retrains:
 * the same question gets another answer, with no other step. */
static void testEditRetrains(void **state) {
    (void)state;
    const char *q = "should i put my github projects on my cv";
    cbDiags d;
    knowledge *k = load(DIR_, &d);
    assert_non_null(k);
    cbDiagsFree(&d);
    engResult r = ask(k->ix, q);
    assert_true(r.nhits > 0);
    assert_string_equal(r.hits[0].entry->id, "jobs/resume");
    knowledgeFree(k);
    /* a maintainer moves the question to the remote entry... */
    writeEntry("jobs/remote.md", "How do I find remote Python work?",
               "\"remote python jobs\", \"work from home as a developer\", "
               "\"where to find remote roles\", \"remote junior python job\", "
               "\"should github projects go on the cv\", \"github projects on my cv\", "
               "\"put my github projects on a cv\"");
    writeEntry("jobs/resume.md", "How do I write a developer resume?",
               "\"what to put on my resume\", \"one page or two page resume\", "
               "\"resume for a junior developer\"");
    k = load(DIR_, &d);
    assert_non_null(k);
    cbDiagsFree(&d);
    r = ask(k->ix, q);
    assert_true(r.nhits > 0);
    assert_string_equal(r.hits[0].entry->id, "jobs/remote");
    knowledgeFree(k);
    /* ...then declares that kind of question out of scope */
    writeFile("out-of-scope.txt", "how do i fix a syntax error\ntell me a joke\n"
                                  "should github projects go on the cv\n"
                                  "github projects on my cv\nput my github projects on a cv\n");
    writeEntry("jobs/remote.md", "How do I find remote Python work?",
               "\"remote python jobs\", \"work from home as a developer\", "
               "\"where to find remote roles\", \"remote junior python job\"");
    k = load(DIR_, &d);
    assert_non_null(k);
    cbDiagsFree(&d);
    r = ask(k->ix, q);
    assert_int_not_equal(r.outcome, ENG_ANSWER);
    knowledgeFree(k);
}

static const cbDiag *diagFor(const cbDiags *d, const char *name) {
    return diagOf(d, name, CB_DIAG_ERROR);
}

/* matching.json as text is refused with an error naming key (at line,
 * unless 0). */
static void refusedMatching(const char *text, int line, const char *key) {
    writeFile("matching.json", text);
    cbDiags d;
    knowledge *k = load(DIR_, &d);
    assert_null(k);
    const cbDiag *e = diagFor(&d, "matching.json");
    assert_non_null(e);
    if (line) assert_int_equal(e->line, line);
    assert_non_null(strstr(e->msg, key));
    cbDiagsFree(&d);
}

/* Mistakes in the two matching files are errors at file:line:col. */
static void testDataFileErrors(void **state) {
    (void)state;
    writeFile("out-of-scope.txt", "tell me a joke\n\nbad \xff byte here\n");
    cbDiags d;
    knowledge *k = load(DIR_, &d);
    assert_null(k);
    const cbDiag *e = diagFor(&d, "out-of-scope.txt");
    assert_non_null(e);
    assert_int_equal(e->line, 3);
    assert_int_equal(e->col, 5);
    cbDiagsFree(&d);
    writeFile("out-of-scope.txt", "tell me a joke\n");
    refusedMatching("{\n  \"answer_threshold\": 0.5,\n  \"suggest_threshold\": 1.5\n}\n", 3,
                    "suggest_threshold");
    refusedMatching("{\n  \"answer_threshold\": 0.7,\n  \"asking_part_threshold\": 0.5\n}\n", 3,
                    "asking_part_threshold");
    refusedMatching("{\n  \"answer_threshold\": 0.7,\n  \"pattern_floor\": 0.7\n}\n", 3,
                    "pattern_floor");
    refusedMatching("{\n  \"answer_threshold\": 0.7,\n  \"pattern_confidence\": 0.5\n}\n", 3,
                    "would never be answered");
    refusedMatching("{\"answer_treshold\": 0.5}\n", 0, "answer_threshold");
    refusedMatching("{\n  \"answer_threshold\": 0.7,\n  \"length_normalization\": 0\n}\n", 3,
                    "length_normalization");
    refusedMatching("{\n  \"length_normalization\": 1.5\n}\n", 2, "length_normalization");
    /* a valid file sets the thresholds in force */
    writeFile("matching.json", "{\"answer_threshold\": 0.8, \"suggest_threshold\": 0.3}\n");
    k = load(DIR_, &d);
    assert_non_null(k);
    assert_true(engAnswerThreshold(k->ix) == 0.8);
    assert_true(engSuggestThreshold(k->ix) == 0.3);
    knowledgeFree(k);
    cbDiagsFree(&d);
    char path[128];
    snprintf(path, sizeof(path), "%s/matching.json", DIR_);
    unlink(path);
}

/* out-of-scope.txt in sections, for redirects.yaml to name. */
static const char OOS_SECTIONS[] =
    "# kinds of questions to decline\n"
    "[coding-help]\n"
    "how do i fix a syntax error\nmy for loop raises a typeerror\n"
    "keyerror when i read a dictionary\nmy script crashes with an exception\n"
    "how do i debug this traceback\nwhy does my function return none\n"
    "[chit-chat]\n"
    "tell me a joke\nwhat is the weather tomorrow\nwho won the game last night\n"
    "what should i cook for dinner\nrecommend a good movie\n";


/* One broken file (name, text), the error expected at line:col with msg. */
static void expectError(const char *name, const char *text, int line, int col, const char *msg) {
    writeFile(name, text);
    cbDiags d;
    knowledge *k = load(DIR_, &d);
    assert_null(k);
    const cbDiag *e = diagFor(&d, name);
    if (!e) fail_msg("no error for %s", name);
    if ((line && (e->line != line || e->col != col)) || !strstr(e->msg, msg))
        fail_msg("%s:%d:%d: %s (wanted %d:%d and '%s')", name, e->line, e->col, e->msg, line, col,
                 msg);
    cbDiagsFree(&d);
}

static void testRedirectErrors(void **state) {
    (void)state;
    expectError("out-of-scope.txt", "tell me a joke\n  [Coding Help]\n", 2, 4,
                "lowercase letters, digits and '-'");
    expectError("out-of-scope.txt", "[a]\ntell me a joke\n[b]\nhi\n[a]\n", 5, 2,
                "already starts at line 1");
    expectError("out-of-scope.txt", "[]\n", 1, 1, "a name in brackets");
    writeFile("out-of-scope.txt", OOS_SECTIONS);
    expectError("redirects.yaml", "# x\ncodeing-help:\n  reply: ask elsewhere\n", 2, 1,
                "did you mean 'coding-help'");
    expectError("redirects.yaml", "coding-help:\n  replly: ask elsewhere\n", 2, 3, "reply");
    expectError("redirects.yaml", "coding-help: ask elsewhere\n", 1, 14, "must be a mapping");
    expectError("redirects.yaml", "- coding-help\n", 1, 1, "must map section names");
    expectError("redirects.yaml", "coding-help:\n  reply: [unclosed\n", 3, 1, "malformed YAML");
    expectError("redirects.yaml", "coding-help: reply: x\n", 1, 19, "malformed YAML");
    /* An unreadable out-of-scope.txt is one error, not also one per
     * redirect whose section it would have named. */
    writeFile("redirects.yaml", "coding-help:\n  reply: ask elsewhere\n");
    writeFile("out-of-scope.txt", "[coding-help]\nfix my code \xff please\n");
    cbDiags d;
    assert_null(load(DIR_, &d));
    if (d.nerrors != 1 || diagFor(&d, "redirects.yaml")) cbDiagsPrint(&d, "text", stderr);
    assert_int_equal(d.nerrors, 1);
    assert_null(diagFor(&d, "redirects.yaml"));
    cbDiagsFree(&d);
    /* out-of-scope.txt emptied while redirects.yaml answers its sections:
     * one error at it, that says so, not one per redirect */
    writeFile("redirects.yaml", "coding-help:\n  reply: ask elsewhere\nhomework:\n  reply: no\n");
    writeFile("out-of-scope.txt", "");
    assert_null(load(DIR_, &d));
    const cbDiag *e = diagFor(&d, "out-of-scope.txt");
    assert_non_null(e);
    assert_non_null(strstr(e->msg, "out-of-scope.txt has no [sections], but redirects.yaml "
                                   "answers 2 of its sections ([coding-help], ...): was it "
                                   "emptied by mistake?"));
    assert_int_equal(d.nerrors, 1);
    cbDiagsFree(&d);
    char path[128];
    snprintf(path, sizeof(path), "%s/redirects.yaml", DIR_);
    unlink(path);
    writeFile("out-of-scope.txt", "# declined\nhow do i fix a syntax error\ntell me a joke\n"
                                  "what is the weather tomorrow\nhow do i install numpy\n");
}

/* lookups.yaml: a list's words share one feature, so what out-of-scope
 * lines teach about some professions applies to the others: on the
 * bundled knowledge, resume advice for a pharmacist (no out-of-scope line
 * has both) is less sure to be the resume entry's once the list exists
 * (by a fifth at least: how sure either is depends on the examples); a
 * developer's resume is not affected. */
static double confidenceOf(const char *dir, const char *q, const char *id) {
    cbDiags d;
    knowledge *k = load(dir, &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    assert_non_null(k);
    cbDiagsFree(&d);
    engResult r = ask(k->ix, q);
    double c = 0;
    for (size_t i = 0; i < r.nhits; i++)
        if (strcmp(r.hits[i].entry->id, id) == 0) c = r.hits[i].confidence;
    knowledgeFree(k);
    return c;
}

/* A currency symbol is a word of its own that synonyms.json can map (the
 * bundled group maps $, \xe2\x82\xac, \xc2\xa3, ... and the currency words to "money"): with a
 * group making them "pay", a figure with a symbol finds the salary entry;
 * without it the same questions have no known word at all. */
static void testAmounts(void **state) {
    (void)state;
    static const char *const qs[] = {"60k\xe2\x82\xac ok?", "$95k?", "\xc2\xa3" "28k, fair?",
                                     "\xe2\x82\xb9" "6 lpa"};
    writeFile("synonyms.json", "[[\"pay\", \"$\", \"\xe2\x82\xac\", \"\xc2\xa3\", \"\xe2\x82\xb9\"]]\n");
    for (size_t i = 0; i < CB_ARRAY_LEN(qs); i++) {
        double with = confidenceOf(DIR_, qs[i], "jobs/salary");
        if (!(with >= 0.5)) fail_msg("'%s': salary %.2f with the group", qs[i], with);
    }
    char path[128];
    snprintf(path, sizeof(path), "%s/synonyms.json", DIR_);
    unlink(path);
    for (size_t i = 0; i < CB_ARRAY_LEN(qs); i++)
        assert_true(confidenceOf(DIR_, qs[i], "jobs/salary") == 0);
}

static void testLookups(void **state) {
    (void)state;
    char cmd[256], dir[96];
    snprintf(dir, sizeof(dir), "%s/nolookups", DIR_);
    snprintf(cmd, sizeof(cmd), "cp -r knowledge %s && rm -f %s/lookups.yaml", dir, dir);
    assert_int_equal(system(cmd), 0);
    const char *q = "resume advice for a pharmacist", *dev = "resume advice for a python developer";
    double with = confidenceOf("knowledge", q, "job-search/resume");
    double without = confidenceOf(dir, q, "job-search/resume");
    if (!(with < without * 0.8)) /* a fifth less sure, at least */
        fail_msg("'%s': resume %.3f with lookups.yaml, %.3f without", q, with, without);
    assert_true(confidenceOf("knowledge", dev, "job-search/resume") > 0.8);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    expectError("lookups.yaml", "other-professions: [nurse, \"bank teller\"]\n", 1, 28,
                "not one word");
    expectError("lookups.yaml", "Other Jobs: [nurse]\n", 1, 1, "list name");
    expectError("lookups.yaml", "- nurse\n", 1, 1, "must map list names");
    expectError("lookups.yaml", "other-professions: nurse\n", 1, 20, "must be a list ('- item' lines, or [a, b]; [] for none), got a text");
    snprintf(cmd, sizeof(cmd), "%s/lookups.yaml", DIR_);
    unlink(cmd);
}

/* Two entries asked the same way: their examples collide out of fold and
 * engCollision names the pair (what `kb check` shows). */
static void testCollisions(void **state) {
    (void)state;
#define S(...) {(char *[]){__VA_ARGS__}, sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)}
    kbEntry es[] = {
        {.id = "a/pay", .topic = "a", .question = "how much do developers earn",
         .alternates = S("developer salary", "developer pay", "what do developers earn",
                         "how much money do developers make"),
         .answer = "x"},
        {.id = "a/raise", .topic = "a", .question = "how do I ask for more money",
         .alternates = S("developer salary raise", "developer pay rise", "earn more as a developer",
                         "how much more money should developers ask"),
         .answer = "x"},
        {.id = "a/cv", .topic = "a", .question = "how do I write a resume",
         .alternates = S("resume tips", "cv format", "one page resume", "resume template"),
         .answer = "x"},
    };
    kb k = {.entries = es, .nentries = 3};
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(&k, NULL, err);
    assert_non_null(ix);
    const kbEntry *from, *to;
    size_t n;
    const char *ex;
    int pair = 0;
    for (size_t i = 0; engCollision(ix, i, &from, &to, &n, &ex); i++) {
        assert_true(n >= 1 && ex != NULL);
        pair |= (strcmp(from->id, "a/cv") != 0 && strcmp(to->id, "a/cv") != 0);
        assert_string_not_equal(from->id, to->id);
    }
    assert_true(pair);
    engFree(ix);
}

/* Patterns see the whole question (up to ENG_MAX_QUERY), so an end anchor
 * still works after a long preamble (they saw 1,024 bytes before). */
static void testPatternSeesLongQuestions(void **state) {
    (void)state;
    kbEntry es[] = {{.id = "t/end", .topic = "t", .question = "zebra crossing rules",
                     .patterns = S("zebra crossing\\?$"), .answer = "x"},
                    {.id = "t/other", .topic = "t", .question = "traffic lights", .answer = "x"}};
    kb k = {.entries = es, .nentries = 2};
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(&k, NULL, err);
    assert_non_null(ix);
    char q[3000];
    size_t n = 0;
    while (n < 2000) n += (size_t)snprintf(q + n, sizeof(q) - n, "crossing rules ");
    snprintf(q + n, sizeof(q) - n, "what about the zebra crossing?");
    engResult r = ask(ix, q);
    assert_true(r.nhits > 0);
    assert_string_equal(r.hits[0].entry->id, "t/end");
    assert_int_equal(r.hits[0].pattern, 1);
    engFree(ix);
}

/* A pattern lifts its entry over the model on a question like the
 * knowledge's phrasings; in a post longer than any of them it meets its
 * words on the way to something else, and the entry the whole post asks
 * about stays first (a pattern lifts there only the entry ranked first). */
static void testPatternYieldsInLongPosts(void **state) {
    (void)state;
    kbEntry es[] = {
        {.id = "t/fastapi", .topic = "t", .question = "Is FastAPI worth learning?",
         .alternates = S("should i learn fastapi", "fastapi for jobs", "is fastapi in demand",
                         "fastapi or flask for my career"),
         .patterns = S("\\bfast ?api\\b.*\\b(worth\\w*|learn\\w*|jobs?|hired)\\b"), .answer = "x"},
        {.id = "t/oss", .topic = "t", .question = "How do I start contributing to open source?",
         .alternates = S("first open source contribution", "contributing to projects on github",
                         "open source as a beginner", "does open source help me get hired",
                         "how to find an open source project to contribute to"),
         .answer = "x"},
        {.id = "t/cv", .topic = "t", .question = "How do I write a resume?",
         .alternates = S("resume tips", "what to put on my cv", "resume for a first developer job",
                         "is my resume worth sending"),
         .answer = "x"}};
    kb k = {.entries = es, .nentries = 3};
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(&k, NULL, err);
    assert_non_null(ix);
    engResult r = ask(ix, "I use requests, pandas and FastAPI every day at work and I would love "
                          "to give something back, but whenever I open a big repository on "
                          "GitHub I get overwhelmed by how much code there is and close the tab "
                          "again. How do I actually start contributing to open source, and will "
                          "it help me get hired?");
    assert_true(r.nhits > 0);
    assert_string_equal(r.hits[0].entry->id, "t/oss");
    for (size_t i = 0; i < r.nhits; i++) /* it matched, and lifted nothing */
        if (strcmp(r.hits[i].entry->id, "t/fastapi") == 0) {
            assert_int_equal(r.hits[i].pattern, 1);
            assert_true(r.hits[i].confidence < 0.95); /* the fallback pattern_confidence */
        }
    r = ask(ix, "fastapi on my resume, worth it?"); /* short: the override holds */
    assert_string_equal(r.hits[0].entry->id, "t/fastapi");
    assert_int_equal(r.hits[0].pattern, 1);
    assert_true(r.hits[0].confidence >= 0.95);
    engFree(ix);
}

/* A keyword made only of stop words is a warning at the keyword. */
static void testStopKeywords(void) {
    writeFile("jobs/help.md",
              "---\n{\n  \"question\": \"Where do I get career advice?\",\n"
              "  \"keywords\": [\"career\", \"Help me\", \"how\", \"q/a\"],\n"
              "  \"sources\": [{\"title\": \"Docs\", \"url\": \"https://example.org/\"}],\n"
              "  \"links\": [{\"title\": \"A\", \"url\": \"https://example.org/a\"},\n"
              "            {\"title\": \"B\", \"url\": \"https://example.org/b\"}],\n"
              "  \"updated\": \"2026-11-01\"\n}\n---\nAn answer.\n");
    cbDiags d;
    knowledge *k = load(DIR_, &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    assert_non_null(k);
    size_t n = 0;
    for (size_t i = 0; i < d.n; i++)
        if (strstr(d.v[i].msg, "only stop words")) {
            assert_true(strstr(d.v[i].file, "jobs/help.md") != NULL);
            assert_int_equal(d.v[i].line, 4);
            assert_int_equal(d.v[i].col, n ? 37 : 26);
            assert_non_null(strstr(d.v[i].msg, n ? "'how'" : "'Help me'"));
            n++;
        }
    assert_int_equal(n, 2);
    cbDiagsFree(&d);
    knowledgeFree(k);
    char path[128];
    snprintf(path, sizeof(path), "%s/jobs/help.md", DIR_);
    unlink(path);
}

/* A whole (small) file, NUL-terminated. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = cbCalloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The bundled file has no problem (the built-in list is it); a file of
 * many duplicates only warns, however many: the load goes on. */
static void testStopWordsMany(void) {
    char *bundled = slurp("knowledge/stopwords.txt");
    cbDiags d;
    cbDiagsInit(&d);
    kbStrs w = {0};
    kbStopWordsParse("knowledge/stopwords.txt", bundled, strlen(bundled), &d, &w);
    assert_int_equal(d.n, 0);
    assert_true(w.n > 100);
    kbStrsFree(&w);
    cbDiagsFree(&d);
    free(bundled);
    char *many = cbStrdup("how\n");
    for (int i = 0; i < 300; i++) {
        char *t = cbSprintf("%sthe how how\n", many);
        free(many);
        many = t;
    }
    writeFile("stopwords.txt", many);
    free(many);
    knowledge *k = load(DIR_, &d);
    assert_non_null(k); /* 600 warnings, capped: still a good load */
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(k->kb->stopwords.n, 2);
    knowledgeFree(k);
    cbDiagsFree(&d);
    char path[128];
    snprintf(path, sizeof(path), "%s/stopwords.txt", DIR_);
    unlink(path);
}

/* The stop words are knowledge/stopwords.txt's: a folder without the file
 * gets the built-in list (the bundled file, built in); an edit changes
 * answers after a reload with no other step; mistakes point at line:col. */
static void testStopWordsFile(void **state) {
    (void)state;
    kbStrs builtin;
    kbStopWordsBuiltIn(&builtin);
    cbDiags d, bd;
    knowledge *bundled = load("knowledge", &bd), *k = load(DIR_, &d);
    assert_non_null(bundled);
    assert_non_null(k);
    cbDiagsFree(&bd);
    cbDiagsFree(&d);
    assert_non_null(bundled->kb->stopwords_path);
    assert_null(k->kb->stopwords_path);
    assert_int_equal(bundled->kb->stopwords.n, builtin.n);
    assert_int_equal(k->kb->stopwords.n, builtin.n);
    for (size_t i = 0; i < builtin.n; i++) {
        assert_string_equal(bundled->kb->stopwords.v[i], builtin.v[i]);
        assert_string_equal(k->kb->stopwords.v[i], builtin.v[i]);
    }
    knowledgeFree(bundled);
    kb bare = {0}; /* made without the loader: the built-in list too */
    kbStrs tmp;
    assert_int_equal(kbStopWords(&bare, &tmp)->n, builtin.n);
    kbStrsFree(&tmp);
    engResult r = ask(k->ix, "Remote?");
    assert_int_equal(r.outcome, ENG_ANSWER);
    assert_string_equal(r.hits[0].entry->id, "jobs/remote");
    knowledgeFree(k);
    writeFile("stopwords.txt", "# a maintainer's list\nHow do I\nREMOTE  # not a topic here\n");
    k = load(DIR_, &d);
    assert_non_null(k);
    cbDiagsFree(&d);
    assert_int_equal(k->kb->stopwords.n, 4);
    assert_string_equal(k->kb->stopwords.v[3], "remote");
    assert_int_equal(ask(k->ix, "Remote?").nhits, 0);
    knowledgeFree(k);
    writeFile("stopwords.txt", "a an\nthe a\n");
    k = load(DIR_, &d);
    assert_non_null(k);
    const cbDiag *w = diagOf(&d, "stopwords.txt", CB_DIAG_WARNING);
    assert_non_null(w);
    assert_int_equal(w->line, 2);
    assert_int_equal(w->col, 5);
    assert_non_null(strstr(w->msg, "already listed at line 1"));
    cbDiagsFree(&d);
    knowledgeFree(k);
    /* a word that changes what is asked (kb_check_data.txt's list) */
    writeFile("stopwords.txt", "a an\nthe Not\n");
    k = load(DIR_, &d);
    assert_non_null(k);
    w = diagOf(&d, "stopwords.txt", CB_DIAG_WARNING);
    assert_true(w && w->line == 2 && w->col == 5);
    assert_non_null(strstr(w->msg, "'not' changes what is asked"));
    cbDiagsFree(&d);
    knowledgeFree(k);
    expectError("stopwords.txt", "a an\nthe c++ of\n", 2, 6, "not one word");
    /* columns count characters, not bytes: the '+' is the 7th */
    expectError("stopwords.txt", "caf\xc3\xa9 c++\n", 1, 7, "not one word");
    expectError("stopwords.txt", "\xc3\xa9t\xc3\xa9 \xc3\xa9-x\n", 1, 6, "not one word");
    /* beyond ASCII, punctuation splits a word too (the em dash, 13th);
     * accented letters and a typographic apostrophe do not */
    expectError("stopwords.txt", "d\xc3\xa9j\xc3\xa0 I\xe2\x80\x99m foo\xe2\x80\x94" "bar\n", 1, 13,
                "not one word");
    expectError("stopwords.txt", "a\n  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 2, 3,
                "longer than 63 bytes");
    char path[128];
    snprintf(path, sizeof(path), "%s/stopwords.txt", DIR_);
    unlink(path);
    testStopKeywords(); /* with the built-in list again */
    testStopWordsMany();
    kbStrsFree(&builtin);
}

int main(void) {
    const struct CMUnitTest temp[] = {
        cmocka_unit_test(testEditRetrains),
        cmocka_unit_test(testDataFileErrors),
        cmocka_unit_test(testCollisions),
        cmocka_unit_test(testPatternSeesLongQuestions),
        cmocka_unit_test(testPatternYieldsInLongPosts),
        cmocka_unit_test(testRedirectErrors),
        cmocka_unit_test(testLookups),
        cmocka_unit_test(testAmounts),
        cmocka_unit_test(testStopWordsFile),
    };
    return cmocka_run_group_tests_name("temporary knowledge", temp, setupDir, teardownDir);
}
