/* test_engine_quality.c - the matcher's judgement on words it does not
 * know: chat filler, numbers and words seen only in answers must not sink
 * a clear question; real English words are never "typo-corrected" into
 * knowledge words; one answer-text word alone never answers; an entry's
 * own question is always a confident answer (the knowledge has a few
 * out-of-scope examples, as out-of-scope.txt gives the real one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/common.h"
#include "match/engine.h"
#include "match/engine_int.h"

#define S(...) {(char *[]){__VA_ARGS__}, sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)}

static kbEntry ENTRIES[] = {
    {.id = "bootcamps/worth-it", .topic = "bootcamps", .question = "Is a coding bootcamp worth it?",
     .alternates = S("Should I do a bootcamp", "Are bootcamps worth the money"),
     .keywords = S("bootcamp", "tuition"),
     .answer = "A bootcamp can work if you need structure. Compare the price with free "
               "courses and ask graduates what their life looks like now."},
    {.id = "community/meetups", .topic = "community", .question = "Where do I find Python meetups?",
     .alternates = S("local python user groups", "python meetup near me"),
     .keywords = S("meetup", "user group"),
     .answer = "Most cities have a Python user group; the python.org events calendar lists "
               "them. Even a small meetup is a good place to meet people who hire."},
    {.id = "career/switch", .topic = "career", .question = "How do I pivot into a Python career?",
     .alternates = S("switching careers to python", "changing careers into software"),
     .keywords = S("career change", "pivot"),
     .answer = "Build on what you know: a domain plus Python is a strong story. Plan for "
               "six to twelve months of evenings and a portfolio of small tools."},
    {.id = "skills/sql", .topic = "skills", .question = "Do Python developers need SQL?",
     .alternates = S("is sql required for python jobs", "raw sql or an orm"),
     .keywords = S("sql", "database", "orm"),
     .answer = "Yes: most jobs touch a database. Learn joins and indexes; write raw SQL "
               "before you lean on an ORM."},
};

/* The knowledge's out-of-scope examples: the classifier's "none" class. */
static char *OOS[] = {
    "what should i eat for dinner",       "tell me a joke",
    "how do i write excel formulas",      "what is the weather tomorrow",
    "how do i fix a null pointer error",  "recommend a movie for tonight",
    "how do i become a doctor",           "sql query returns duplicate rows",
    "what is the meaning of this word",   "how much does a plumber earn",
};

static kb KB = {.dir = "mem", .entries = ENTRIES, .nentries = CB_ARRAY_LEN(ENTRIES),
                .out_of_scope = {OOS, CB_ARRAY_LEN(OOS)}};

static char DICT[64];

static engIndex *build(const char *dict) {
    engParams p;
    engDefaultParams(&p);
    p.dict = dict;
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(&KB, &p, err);
    if (!ix) fprintf(stderr, "engBuild: %s\n", err);
    return ix;
}

static int setup(void **state) {
    snprintf(DICT, sizeof(DICT), "/tmp/cb-dict-%ld.txt", (long)getpid());
    FILE *f = fopen(DICT, "w");
    if (!f) return -1;
    fputs("draw\nPilot\nlife\nmeaning\ncan't\nbootcamp\n", f); /* a tiny "wamerican" */
    fclose(f);
    *state = build(DICT);
    return *state ? 0 : -1;
}

static int teardown(void **state) {
    engFree(*state);
    unlink(DICT);
    return 0;
}

static engResult ask(const engIndex *ix, const char *q) {
    engResult r;
    char err[CB_ERRLEN];
    assert_int_equal(engQuery(ix, q, strlen(q), NULL, 5, &r, err), CB_OK);
    return r;
}

static int expect(const engIndex *ix, const char *q, const char *want) {
    engResult r = ask(ix, q);
    const char *got = r.nhits ? r.hits[0].entry->id : "(none)";
    int ok = want ? r.outcome == ENG_ANSWER && strcmp(got, want) == 0 : r.outcome != ENG_ANSWER;
    if (!ok)
        print_error("'%s': got %s outcome %d conf %.2f, want %s\n", q, got, r.outcome,
                    r.nhits ? r.hits[0].confidence : 0, want ? want : "no answer");
    return ok;
}

/* Filler, greetings, numbers and answer-only words do not sink a question. */
static void testNoiseWords(void **state) {
    static const struct { const char *q, *want; } cases[] = {
        {"where do i find python meetups in my city", "community/meetups"}, /* "city": answers only */
        {"where do i even find python meetups", "community/meetups"},
        {"hey bot pls should i do a bootcamp", "bootcamps/worth-it"},
        {"ok guys quick q: is a coding bootcamp worth it in 2026", "bootcamps/worth-it"},
        {"switching careers to python at 35", "career/switch"},
    };
    int bad = 0;
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) bad += !expect(*state, cases[i].q, cases[i].want);
    assert_int_equal(bad, 0);
}

/* A real word is not a typo: "pilot" stays "pilot", "draw" stays "draw". */
static void testRealWordsStay(void **state) {
    engIndex *ix = *state;
    assert_null(engTypoCorrect(&ix->typo, "pilot", NULL)); /* in the list (as "Pilot") */
    assert_null(engTypoCorrect(&ix->typo, "draw", NULL));
    const char *w = engTypoCorrect(&ix->typo, "pivto", NULL); /* a real typo still is one */
    assert_non_null(w);
    assert_string_equal(w, "pivot");
    int bad = !expect(ix, "how to become a pilot", NULL) + !expect(ix, "how do i learn to draw", NULL);
    assert_int_equal(bad, 0);
}

/* Without a word list, an ambiguous correction is refused, a unique one kept. */
static void testNoDictionary(void **state) {
    (void)state;
    engIndex *ix = build("/nonexistent/words");
    assert_non_null(ix);
    assert_int_equal(engTypoHasDict(&ix->typo), 0);
    /* "grous" is one edit from "group" and from "groups": refused */
    assert_null(engTypoCorrect(&ix->typo, "grous", NULL));
    const char *w = engTypoCorrect(&ix->typo, "bootcmap", NULL);
    assert_non_null(w);
    assert_string_equal(w, "bootcamp");
    /* "carer" is one edit from "career" only */
    w = engTypoCorrect(&ix->typo, "carer", NULL);
    assert_non_null(w);
    assert_string_equal(w, "career");
    engFree(ix);
    ix = build(NULL); /* no list at all: same */
    assert_non_null(ix);
    assert_int_equal(engTypoHasDict(&ix->typo), 0);
    engFree(ix);
}

/* One answer-text word, or one of several informative words, never answers. */
static void testThinMatches(void **state) {
    int bad = !expect(*state, "what is the meaning of life", NULL) +
              !expect(*state, "what do graduates eat for lunch", NULL) +
              !expect(*state, "which database pivot tables trick", NULL);
    assert_int_equal(bad, 0);
}

/* An entry's own question or alternate, as asked, is a sure answer, even in
 * a tiny knowledge base where every idf is small. */
static void testExactPhrasing(void **state) {
    engIndex *ix = *state;
    for (size_t e = 0; e < CB_ARRAY_LEN(ENTRIES); e++) {
        engResult r = ask(ix, ENTRIES[e].question);
        assert_int_equal(r.outcome, ENG_ANSWER);
        assert_string_equal(r.hits[0].entry->id, ENTRIES[e].id);
        assert_true(r.hits[0].confidence >= 0.85);
    }
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad("tests/fixtures/app-kb", &d);
    assert_non_null(k);
    char err[CB_ERRLEN];
    engIndex *ax = engBuild(k, NULL, err);
    assert_non_null(ax);
    for (size_t e = 0; e < k->nentries; e++) {
        engResult r = ask(ax, k->entries[e].question);
        if (r.outcome != ENG_ANSWER || r.hits[0].entry != &k->entries[e])
            print_error("'%s': outcome %d conf %.2f\n", k->entries[e].question, r.outcome,
                        r.nhits ? r.hits[0].confidence : 0);
        assert_int_equal(r.outcome, ENG_ANSWER);
        assert_ptr_equal(r.hits[0].entry, &k->entries[e]);
    }
    engFree(ax);
    kbFree(k);
    cbDiagsFree(&d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testNoiseWords),   cmocka_unit_test(testRealWordsStay),
        cmocka_unit_test(testNoDictionary), cmocka_unit_test(testThinMatches),
        cmocka_unit_test(testExactPhrasing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
