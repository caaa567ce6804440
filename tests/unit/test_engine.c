/* test_engine.c - the matcher on a small in-memory knowledge base:
 * ranking, synonyms, typos, the bigram bonus, patterns (and a hostile
 * one), the topic filter, abstaining on out-of-scope questions, bad input,
 * confidence sanity, autocomplete and normalization. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"
#include "engine.h"
#include "engine_int.h"

#define S(...) {(char *[]){__VA_ARGS__}, sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)}
#define NONE {NULL, 0}

static kbEntry ENTRIES[] = {
    {.id = "bootcamps/worth-it", .topic = "bootcamps",
     .question = "Is a coding bootcamp worth it?",
     .alternates = S("Should I join a bootcamp to become a Python developer",
                     "Are bootcamps worth the money"),
     .keywords = S("bootcamp", "coding school", "tuition"),
     .answer = "A bootcamp can work if you need structure and a deadline. Compare the price "
               "with free courses, check job placement numbers, and talk to graduates."},
    {.id = "certifications/aws", .topic = "certifications",
     .question = "Which cloud certification should a Python developer get?",
     .alternates = S("Is the AWS certification worth it", "Do certifications help get hired"),
     .keywords = S("aws", "cloud", "certification", "azure"),
     .answer = "Certifications help most for cloud and operations roles. The AWS Developer "
               "Associate is a common first choice; a portfolio still matters more."},
    {.id = "experience/no-experience", .topic = "experience",
     .question = "How do I get a Python job without experience?",
     .alternates = S("Landing a first developer job with no experience",
                     "Can a junior with no professional experience get hired"),
     .keywords = S("junior", "portfolio", "first job", "internship"),
     .patterns = S("\\bno (prior )?experience\\b"),
     .answer = "Build two or three projects people can use, contribute to open source, and "
               "apply for internships and junior roles. Referrals beat cold applications."},
    {.id = "frameworks/django-vs-flask", .topic = "frameworks",
     .question = "Should I learn Django or Flask first?",
     .alternates = S("Django vs Flask for a first job", "Which Python web framework should I learn"),
     .keywords = S("django", "flask", "fastapi", "web framework"),
     .answer = "Flask teaches the basics of web apps; Django gives you a full framework with an "
               "ORM and admin. Job posts ask for Django more often. FastAPI is popular for APIs."},
    {.id = "specialize/machine-learning", .topic = "specialize",
     .question = "Should I specialize in machine learning?",
     .alternates = S("Is data science a good specialization for Python developers",
                     "Moving from web development into AI"),
     .keywords = S("ml", "data science", "ai", "specialization"),
     .answer = "Machine learning roles want statistics and math as much as Python. Try a "
               "small project with real data before you commit to a degree or course."},
    {.id = "staying-current/keep-up", .topic = "staying-current",
     .question = "How do I stay current with Python?",
     .alternates = S("How to keep my Python skills up to date",
                     "What newsletters and podcasts should I follow"),
     .keywords = S("newsletter", "podcast", "pep", "release"),
     .patterns = S("^what'?s new in python\\b"),
     .answer = "Read the What's New page of each release, follow a newsletter or two, and "
               "skim PEPs that affect your work. Conferences publish talks online for free."},
};

static kbStrs SYNS[] = {
    S("aws", "amazon web services"),
    S("machine learning", "ml"),
    S("bootcamp", "coding school", "boot camp"),
};

static kb KB = {.dir = "mem", .entries = ENTRIES, .nentries = CB_ARRAY_LEN(ENTRIES),
                .synonyms = SYNS, .nsynonyms = CB_ARRAY_LEN(SYNS)};

static int setup(void **state) {
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(&KB, NULL, err);
    if (!ix) fprintf(stderr, "engBuild: %s\n", err);
    *state = ix;
    return ix ? 0 : -1;
}

static int teardown(void **state) {
    engFree(*state);
    return 0;
}

static engResult ask(engIndex *ix, const char *q, const char *topic) {
    engResult r;
    char err[CB_ERRLEN];
    assert_int_equal(engQuery(ix, q, strlen(q), topic, 5, &r, err), CB_OK);
    return r;
}

typedef struct {
    const char *q, *want;
} qCase;

static void expectAnswers(engIndex *ix, const qCase *cases, size_t n) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        engResult r = ask(ix, cases[i].q, NULL);
        const char *got = r.nhits ? r.hits[0].entry->id : "(none)";
        if (r.outcome != ENG_ANSWER || strcmp(got, cases[i].want) != 0) {
            print_error("'%s': got %s outcome %d conf %.2f, want %s answered\n", cases[i].q, got,
                        r.outcome, r.nhits ? r.hits[0].confidence : 0, cases[i].want);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void testRanking(void **state) {
    static const qCase cases[] = {
        {"django or flask?", "frameworks/django-vs-flask"},
        {"which web framework do I learn first", "frameworks/django-vs-flask"},
        {"are coding bootcamps worth it", "bootcamps/worth-it"},
        {"what certification should I get for cloud work", "certifications/aws"},
        {"how to find a python job with no experience", "experience/no-experience"},
        {"should I specialize in data science", "specialize/machine-learning"},
        {"how do I keep my python skills current", "staying-current/keep-up"},
    };
    expectAnswers(*state, cases, CB_ARRAY_LEN(cases));
}

static void testSynonyms(void **state) {
    static const qCase cases[] = {
        {"amazon web services certification worth it", "certifications/aws"},
        {"is a boot camp worth it", "bootcamps/worth-it"},
        {"should I go into ML", "specialize/machine-learning"},
    };
    expectAnswers(*state, cases, CB_ARRAY_LEN(cases));
}

static void testTypos(void **state) {
    static const qCase cases[] = {
        {"is a bootcmap worth it", "bootcamps/worth-it"},    /* transposition */
        {"djnago or flask", "frameworks/django-vs-flask"},    /* transposition */
        {"which certifcation for the clowd", "certifications/aws"},
    };
    expectAnswers(*state, cases, CB_ARRAY_LEN(cases));
    engIndex *ix = *state;
    int d = 0;
    const char *w = engTypoCorrect(&ix->typo, "certifcation", &d);
    assert_non_null(w);
    assert_string_equal(w, "certification");
    assert_int_equal(d, 1);
    /* never for short words, never beyond the bounds */
    assert_null(engTypoCorrect(&ix->typo, "ai", NULL));
    assert_null(engTypoCorrect(&ix->typo, "bxxxxamp", NULL)); /* 4 edits away */
    assert_null(engTypoCorrect(&ix->typo, "flask", NULL));    /* known words stay */
    w = engTypoCorrect(&ix->typo, "flsk", &d);                /* 4 letters: 1 edit */
    assert_non_null(w);
    assert_string_equal(w, "flask");
    assert_int_equal(engOsa("ab", 2, "ba", 2, 2), 1);
    assert_int_equal(engOsa("kitten", 6, "sitting", 7, 5), 3);
    assert_int_equal(engOsa("kitten", 6, "sitting", 7, 2), 3); /* bounded: max + 1 */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRanking),
        cmocka_unit_test(testSynonyms),
        cmocka_unit_test(testTypos),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
