/* test_engine.c - the matcher on a small in-memory knowledge base:
 * ranking, synonyms, typos, the bigram bonus, patterns (and a hostile
 * one), the topic filter, abstaining on out-of-scope questions (the
 * knowledge's out-of-scope examples), bad input, confidence sanity,
 * autocomplete and normalization. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "base/common.h"
#include "match/engine.h"
#include "match/engine_int.h"

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

/* What the classifier learns as "none of these" (out-of-scope.txt). */
static char *OOS[] = {
    "how do i sort a dictionary by value",  "my for loop never stops",
    "what is the capital of france",        "tell me a joke",
    "how do i fix a keyerror in pandas",    "write a function that parses dates",
    "flask route returns 404",              "django queryset filter by date",
    "how do i become a nurse",              "what time is it in tokyo",
    "is it going to rain tomorrow",         "recommend a good book about history",
    "how do i install python on windows",   "pip install permission denied",
};

static kb KB = {.dir = "mem", .entries = ENTRIES, .nentries = CB_ARRAY_LEN(ENTRIES),
                .synonyms = SYNS, .nsynonyms = CB_ARRAY_LEN(SYNS),
                .out_of_scope = {OOS, CB_ARRAY_LEN(OOS)}};

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

/* Ranked first and at least offered (answer or did-you-mean). */
static void expectOffered(engIndex *ix, const qCase *cases, size_t n) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        engResult r = ask(ix, cases[i].q, NULL);
        const char *got = r.nhits ? r.hits[0].entry->id : "(none)";
        if (r.outcome == ENG_ABSTAIN || strcmp(got, cases[i].want) != 0) {
            print_error("'%s': got %s outcome %d, want %s offered\n", cases[i].q, got,
                        r.outcome, cases[i].want);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void testRanking(void **state) {
    /* three words, two of them stop words, against three phrasings per
     * entry: ranked first and offered; the calibration is not sure */
    static const qCase offered[] = {{"django or flask?", "frameworks/django-vs-flask"}};
    expectOffered(*state, offered, CB_ARRAY_LEN(offered));
    static const qCase cases[] = {
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
        {"should I specialize in ML", "specialize/machine-learning"},
    };
    expectAnswers(*state, cases, CB_ARRAY_LEN(cases));
    /* One informative word ("ML" ~ "machine learning") on a six-entry base
     * is a thin match: the fitted confidence ranks the entry first and
     * offers it, but is not sure enough to answer outright. */
    engResult r = ask(*state, "should I go into ML", NULL);
    assert_true(r.nhits > 0);
    assert_string_equal(r.hits[0].entry->id, "specialize/machine-learning");
    assert_int_not_equal(r.outcome, ENG_ABSTAIN);
}

static void testTypos(void **state) {
    static const qCase cases[] = {
        {"is a bootcmap worth it", "bootcamps/worth-it"},    /* transposition */
        {"djnago or flask", "frameworks/django-vs-flask"},    /* transposition */
        {"which cloud certifcation should I get", "certifications/aws"},
    };
    /* a corrected word counts a little less than a typed one: on this
     * six-entry base the right entry is offered, not always answered */
    expectOffered(*state, cases, CB_ARRAY_LEN(cases));
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
    /* misspelt filler becomes the stop word it is and is dropped: the
     * question gets the same answer as when spelt right (the character
     * n-grams still see the typo, so the confidence may move a little) */
    w = engTypoCorrect(&ix->typo, "shoud", NULL);
    assert_non_null(w);
    assert_string_equal(w, "should");
    engResult good = ask(ix, "should I learn django or flask", NULL);
    engResult typo = ask(ix, "shoud I learn django or flask", NULL);
    assert_true(good.nhits > 0 && typo.nhits > 0);
    assert_string_equal(typo.hits[0].entry->id, good.hits[0].entry->id);
    assert_int_equal(typo.outcome, good.outcome);
    assert_true(fabs(typo.hits[0].confidence - good.hits[0].confidence) < 0.1);
    assert_int_equal(engOsa("ab", 2, "ba", 2, 2), 1);
    assert_int_equal(engOsa("kitten", 6, "sitting", 7, 5), 3);
    assert_int_equal(engOsa("kitten", 6, "sitting", 7, 2), 3); /* bounded: max + 1 */
}

/* Adjacent pairs from the questions earn a bonus: the entry whose
 * question has "data science" in order beats the one with the same words
 * apart, although it comes second in the kb (ties go to the first). */
static void testBigramBonus(void **state) {
    (void)state;
    kbEntry es[] = {
        {.id = "t/apart", .topic = "t", .question = "science and data jobs", .answer = "x"},
        {.id = "t/pair", .topic = "t", .question = "data science jobs", .answer = "x"},
    };
    kb k = {.entries = es, .nentries = 2};
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(&k, NULL, err);
    assert_non_null(ix);
    engResult r = ask(ix, "data science", NULL);
    assert_int_equal(r.nhits, 2);
    assert_string_equal(r.hits[0].entry->id, "t/pair");
    assert_true(r.hits[0].score > r.hits[1].score);
    r = ask(ix, "science data", NULL); /* reversed: the other one has that order */
    assert_string_equal(r.hits[0].entry->id, "t/apart");
    engFree(ix);
}

/* The lexical evidence of a training phrasing leaves that phrasing out:
 * "pedestrian walkway" is the only phrasing with those words, so out of
 * the index they give its entry nothing, while a query with them gets the
 * entry's full match. Evidence is the share of the question's idf the entry
 * matches, so it stays within [0, 1]. */
static void testEvidenceLeavesOneOut(void **state) {
    (void)state;
    kbEntry es[] = {
        {.id = "t/zebra", .topic = "t", .question = "zebra crossing rules",
         .alternates = S("pedestrian walkway", "where to cross the road"), .answer = "x"},
        {.id = "t/lights", .topic = "t", .question = "traffic lights", .answer = "x"},
    };
    kb k = {.entries = es, .nentries = 2};
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(&k, NULL, err);
    assert_non_null(ix);
    engTerms x;
    engTermsInit(&x);
    assert_int_equal(engAnalyze(ix, "pedestrian walkway", 18, 0, &x, err), CB_OK);
    uint32_t *ent;
    float *val;
    size_t n = engExampleEvidence(ix, &x, 0, NULL, &ent, &val);
    for (size_t i = 0; i < n; i++) assert_int_not_equal(ent[i], 0); /* nothing left for zebra */
    free(ent);
    free(val);
    n = engExampleEvidence(ix, &x, 1, NULL, &ent, &val); /* as a phrasing of the other entry */
    assert_int_equal(n, 1);
    assert_int_equal(ent[0], 0);
    assert_true(val[0] > 0.5f && val[0] <= 1.0f);
    free(ent);
    free(val);
    engTermsFree(&x);
    engFree(ix);
}

/* A question's weight for the evidence counts at most as much as the most
 * detailed training phrasing's (evidence_cap), so a long post can still be
 * matched well; a short one keeps its own. */
static void testEvidenceCap(void **state) {
    engIndex *ix = *state;
    assert_non_null(ix->model);
    double cap = ix->model->evidence_cap;
    assert_true(cap > 0);
    char q[4096] = "";
    for (int i = 0; i < 40; i++) strcat(q, "salary remote django flask bootcamp ");
    (void)ask(ix, q, NULL);
    assert_true(ix->scr->mass <= cap + 1e-9);
    (void)ask(ix, "salary", NULL);
    assert_true(ix->scr->mass > 0 && ix->scr->mass < cap);
}

static void testPatterns(void **state) {
    engIndex *ix = *state;
    /* the words alone are weak; the maintainers' pattern makes it certain */
    engResult r = ask(ix, "What's new in Python 3.13?", NULL);
    assert_int_equal(r.outcome, ENG_ANSWER);
    assert_string_equal(r.hits[0].entry->id, "staying-current/keep-up");
    assert_true(r.hits[0].confidence >= 0.9);
    r = ask(ix, "I have NO PRIOR EXPERIENCE, what now", NULL);
    assert_int_equal(r.outcome, ENG_ANSWER);
    assert_string_equal(r.hits[0].entry->id, "experience/no-experience");
    /* a pattern is an explicit override: at least the pattern confidence */
    assert_true(r.hits[0].pattern);
    assert_true(r.hits[0].confidence >= 0.95);
}

/* A prefilter that runs out of its match budget is no verdict: the full
 * pattern still decides (here the filter backtracks, the pattern does not). */
static void testPrefilterLimitIsNoVerdict(void **state) {
    (void)state;
    kbEntry es[] = {{.id = "t/p", .topic = "t", .question = "zebra crossing",
                     .patterns = S("^(?=.*z).*(?:(x+x+)+y|z)"), .answer = "x"}};
    kb k = {.entries = es, .nentries = 1};
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(&k, NULL, err);
    assert_non_null(ix);
    engResult r = ask(ix, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxz", NULL);
    assert_true(r.nhits > 0);
    assert_string_equal(r.hits[0].entry->id, "t/p");
    assert_int_equal(r.hits[0].pattern, 1);
    engFree(ix);
}

/* A catastrophic-backtracking pattern hits the match limit and counts as
 * no match; the query still returns quickly. */
static void testHostilePattern(void **state) {
    (void)state;
    kbEntry es[] = {{.id = "t/evil", .topic = "t", .question = "evil pattern",
                     .patterns = S("(a+)+$", "^(\\w+\\s?)*$"), .answer = "x"}};
    kb k = {.entries = es, .nentries = 1};
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(&k, NULL, err);
    assert_non_null(ix);
    const char *qs[] = {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
                        "an evil pattern meets a long question with many words in it!"};
    for (size_t i = 0; i < CB_ARRAY_LEN(qs); i++) {
        /* PCRE2's match and depth limits end the backtracking: without them
         * this call does not return and the runner's bound fails the test. */
        engResult r = ask(ix, qs[i], NULL);
        for (size_t h = 0; h < r.nhits; h++) assert_true(r.hits[h].confidence < 0.99);
    }
    engFree(ix);
    /* a pattern that does not compile fails the build, naming the entry */
    kbEntry bad[] = {{.id = "t/bad", .topic = "t", .question = "q", .patterns = S("(unclosed"),
                      .answer = "x"}};
    kb kb2 = {.entries = bad, .nentries = 1};
    assert_null(engBuild(&kb2, NULL, err));
    assert_non_null(strstr(err, "t/bad"));
    assert_non_null(strstr(err, "does not compile"));
}

static void testTopicFilter(void **state) {
    engIndex *ix = *state;
    engResult r = ask(ix, "is it worth it", "certifications");
    assert_true(r.nhits >= 1);
    for (size_t i = 0; i < r.nhits; i++)
        assert_string_equal(r.hits[i].entry->topic, "certifications");
    r = ask(ix, "is it worth it", "CERTIFICATIONS"); /* case-insensitive */
    assert_true(r.nhits >= 1);
    r = ask(ix, "django or flask", "bootcamps");
    for (size_t i = 0; i < r.nhits; i++) assert_string_equal(r.hits[i].entry->topic, "bootcamps");
    assert_int_not_equal(r.outcome, ENG_ANSWER);
    r = ask(ix, "django or flask", "no-such-topic");
    assert_int_equal(r.nhits, 0);
    assert_int_equal(r.outcome, ENG_ABSTAIN);
}

/* Coding help and chit-chat share words with the domain but must abstain. */
static void testAbstain(void **state) {
    engIndex *ix = *state;
    const char *qs[] = {
        "how do I reverse a list in python",
        "what's the weather like today",
        "django ORM select_related example",
        "write me a flask route",
        "the of and to a",          /* stop words only */
        "zxqv blorft wibble",       /* unknown words only */
        "python",                   /* one very common word */
        "",
    };
    int bad = 0;
    for (size_t i = 0; i < CB_ARRAY_LEN(qs); i++) {
        engResult r = ask(ix, qs[i], NULL);
        if (r.outcome == ENG_ANSWER) {
            print_error("'%s' answered with %s (%.2f)\n", qs[i], r.hits[0].entry->id,
                        r.hits[0].confidence);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
    engResult r = ask(ix, "the of and to a", NULL);
    assert_int_equal(r.outcome, ENG_ABSTAIN);
    assert_int_equal(r.nhits, 0);
    r = ask(ix, "", NULL);
    assert_int_equal(r.outcome, ENG_ABSTAIN);
    assert_int_equal(r.nhits, 0);
}

/* The out-of-scope class's lexical evidence (engine_oos.c): the share of
 * the question's weight the closest out-of-scope line holds, without the
 * line itself when it is a training example. */
static double oosEvidence(engIndex *ix, const char *q, const char *self) {
    (void)ask(ix, q, NULL); /* sets the question's weight in the scratch */
    engTerms x;
    engTermsInit(&x);
    assert_int_equal(engAnalyze(ix, q, strlen(q), 0, &x, NULL), CB_OK);
    double v = engOosEvidence(ix, &x, self);
    engTermsFree(&x);
    return v;
}

static void testOosEvidence(void **state) {
    engIndex *ix = *state;
    const char *nurse = OOS[8];
    assert_string_equal(nurse, "how do i become a nurse");
    assert_true(fabs(oosEvidence(ix, nurse, NULL) - 1.0) < 1e-6); /* a line, word for word */
    assert_true(oosEvidence(ix, "how do I become a NURSE?", NULL) > 0.999);
    assert_true(oosEvidence(ix, nurse, nurse) < 0.5); /* left out: no other line has "nurse" */
    double part = oosEvidence(ix, "how do i become a nurse in a hospital in canada", NULL);
    assert_true(part > 0.2 && part < 0.9); /* the line holds part of it */
    assert_true(oosEvidence(ix, "Are bootcamps worth the money", NULL) < 0.2);
    assert_true(oosEvidence(ix, "zxqv blorft", NULL) == 0);
}

/* engWarm builds what the first questions would (the typo table and word
 * list, the patterns' JIT code): once, and not what a question built. */
static void testWarm(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    engIndex *a = engBuild(&KB, NULL, err), *b = engBuild(&KB, NULL, err);
    assert_non_null(a);
    assert_non_null(b);
    size_t all = engWarm(a);
    assert_true(all >= 3); /* the deletion table and both patterns at least */
    assert_int_equal(engWarm(a), 0);
    engResult r = ask(a, "djnago or flask", NULL); /* corrected with what was built */
    assert_true(r.nhits > 0);
    assert_string_equal(r.hits[0].entry->id, "frameworks/django-vs-flask");
    (void)ask(b, "djnago or flask", NULL); /* builds the typo part and the filters */
    assert_true(engWarm(b) < all);
    engFree(a);
    engFree(b);
}

static void testBadInput(void **state) {
    engIndex *ix = *state;
    engResult r;
    char err[CB_ERRLEN] = "";
    assert_int_equal(engQuery(ix, "bootcamp \xff\xfe", 11, NULL, 5, &r, err), CB_ERR);
    assert_non_null(strstr(err, "UTF-8"));
    assert_int_equal(r.nhits, 0);
    assert_int_equal(engQuery(ix, "boot\0camp", 9, NULL, 5, &r, err), CB_ERR);
    /* 1 MB: cut to ENG_MAX_QUERY bytes, answered quickly, no crash */
    size_t n = 1 << 20;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++) big[i] = "bootcamp worth it "[i % 18];
    assert_int_equal(engQuery(ix, big, n, NULL, 5, &r, err), CB_OK);
    assert_string_equal(r.hits[0].entry->id, "bootcamps/worth-it");
    /* the cut falls inside a multi-byte character: still valid */
    for (size_t i = 0; i + 1 < n; i += 2) memcpy(big + i, "\xc3\xa9", 2);
    assert_int_equal(engQuery(ix, big + 1, n - 1, NULL, 5, &r, err), CB_ERR); /* starts mid-char */
    assert_int_equal(engQuery(ix, big, n, NULL, 5, &r, err), CB_OK);
    free(big);
    assert_int_equal(engQuery(ix, NULL, 0, NULL, 5, &r, err), CB_OK);
    assert_int_equal(r.outcome, ENG_ABSTAIN);
    assert_int_equal(engQuery(ix, "bootcamp worth it", 17, NULL, 0, &r, err), CB_OK);
    assert_int_equal(r.nhits, 0);
    assert_int_equal(r.outcome, ENG_ANSWER); /* top 0 still decides */
}

static void testConfidence(void **state) {
    engIndex *ix = *state;
    const char *qs[] = {"is a coding bootcamp worth it", "bootcamp", "python", "django flask",
                        "should I learn django or flask first", "worth it", "certification aws"};
    for (size_t i = 0; i < CB_ARRAY_LEN(qs); i++) {
        engResult r = ask(ix, qs[i], NULL);
        for (size_t h = 0; h < r.nhits; h++) {
            assert_true(r.hits[h].confidence >= 0 && r.hits[h].confidence <= 1);
            if (h) assert_true(r.hits[h].confidence <= r.hits[h - 1].confidence);
        }
    }
    /* the whole question beats a part of it; off-topic words lower it */
    double full = ask(ix, "Should I learn Django or Flask first?", NULL).hits[0].confidence;
    double part = ask(ix, "learn first", NULL).hits[0].confidence;
    double noisy = ask(ix, "Should I learn Django or Flask first for my weather station robot",
                       NULL).hits[0].confidence;
    assert_true(full > part);
    assert_true(full > noisy);
    assert_int_equal(ask(ix, "Should I learn Django or Flask first?", NULL).outcome, ENG_ANSWER);
}

static void testComplete(void **state) {
    engIndex *ix = *state;
    const kbEntry *out[5];
    size_t n = engComplete(ix, "boot", 4, 5, out);
    assert_true(n >= 1);
    assert_string_equal(out[0]->id, "bootcamps/worth-it");
    n = engComplete(ix, "django or fl", 12, 5, out);
    assert_true(n >= 1);
    assert_string_equal(out[0]->id, "frameworks/django-vs-flask");
    n = engComplete(ix, "machine lear", 12, 2, out);
    assert_true(n >= 1 && n <= 2);
    assert_string_equal(out[0]->id, "specialize/machine-learning");
    assert_int_equal(engComplete(ix, "\xff", 1, 5, out), 0);
    assert_int_equal(engComplete(ix, "zzzz", 4, 5, out), 0);
    n = engComplete(ix, "", 0, 3, out);
    assert_int_equal(n, 3);
}

static void testNormalize(void **state) {
    engIndex *ix = *state;
    char *a = engNormalize(ix, "Is a Coding School worth it?", 28);
    char *b = engNormalize(ix, "  is BOOTCAMPS worth it!!", 25);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    assert_string_equal(a, "bootcamp worth");
    assert_null(engNormalize(ix, "\xff", 1));
    free(a);
    free(b);
}

/* The normalized form engQueryNormalized gives from its one analysis is
 * engNormalize's: typos stay as typed (the history groups what people
 * wrote), synonyms are canonical, a topic that does not exist still gets
 * it, and invalid text gets none. */
static void testQueryNormalized(void **state) {
    engIndex *ix = *state;
    static const char *qs[] = {"is a bootcmap worth it", "Is a Coding School worth it?",
                               "djnago or flask", "which cloud certifcation should I get", ""};
    for (size_t i = 0; i < CB_ARRAY_LEN(qs); i++) {
        for (int t = 0; t < 2; t++) {
            engResult r;
            char err[CB_ERRLEN], *norm = (char *)"unset";
            const char *topic = t ? "no-such-topic" : NULL;
            assert_int_equal(engQueryNormalized(ix, qs[i], strlen(qs[i]), topic, 5, &r, &norm, err),
                             CB_OK);
            char *want = engNormalize(ix, qs[i], strlen(qs[i]));
            assert_non_null(norm);
            assert_string_equal(norm, want);
            free(want);
            free(norm);
        }
    }
    engResult r;
    char err[CB_ERRLEN], *norm = (char *)"unset";
    assert_int_equal(engQueryNormalized(ix, "\xff", 1, NULL, 5, &r, &norm, err), CB_ERR);
    assert_null(norm);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testQueryNormalized),
        cmocka_unit_test(testRanking),
        cmocka_unit_test(testSynonyms),
        cmocka_unit_test(testTypos),
        cmocka_unit_test(testBigramBonus),
        cmocka_unit_test(testEvidenceLeavesOneOut),
        cmocka_unit_test(testEvidenceCap),
        cmocka_unit_test(testPatterns),
        cmocka_unit_test(testPrefilterLimitIsNoVerdict),
        cmocka_unit_test(testHostilePattern),
        cmocka_unit_test(testTopicFilter),
        cmocka_unit_test(testAbstain),
        cmocka_unit_test(testOosEvidence),
        cmocka_unit_test(testWarm),
        cmocka_unit_test(testBadInput),
        cmocka_unit_test(testConfidence),
        cmocka_unit_test(testComplete),
        cmocka_unit_test(testNormalize),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
