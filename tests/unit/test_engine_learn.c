/* test_engine_learn.c - the learned matcher on the bundled knowledge: its
 * confidence is calibrated on questions it did not train on; the issue's
 * probes get the behaviour the bundled knowledge supports; a declined
 * question of a known kind says where to ask; the sentences that ask get
 * a second look after a preamble, and each of two questions its own; a
 * pattern lifts only what the classifier allows; an unrelated edit keeps
 * the answers. The tests on knowledge they write are test_engine_edits.c
 * (two programs, so neither nears the runner's bound under the
 * sanitizers). */
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

/* The bundled knowledge, loaded once. */
static int setupBundled(void **state) {
    setenv("CAREERBOT_TODAY", "2026-12-01", 1);
    cbDiags d;
    knowledge *k = load("knowledge", &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    cbDiagsFree(&d);
    *state = k;
    return k ? 0 : -1;
}

static int teardownBundled(void **state) {
    knowledgeFree(*state);
    return 0;
}

/* The next question of an eval file ({"q": "...", "gold": ["id", ...]}):
 * *q is the question (terminated in place), *end what follows it (the
 * golds as text). 0 at the end of the file. Lines with escapes are
 * skipped (a simple parse). */
static int nextEvalQuestion(FILE *in, char *line, size_t size, char **q, char **end) {
    while (fgets(line, (int)size, in)) {
        char *s = strstr(line, "\"q\": \""), *g = strstr(line, "\"gold\": [");
        if (!s || !g) continue;
        s += 6;
        char *e = strstr(s, "\", \"gold\"");
        if (!e || strchr(s, '\\')) continue;
        *e = '\0';
        *q = s;
        *end = e + 1;
        return 1;
    }
    return 0;
}

/* Held-out questions: the eval sets are never training examples. Answers
 * at confidence >= 0.9 are right at least 95% of the time, on them and out
 * of fold on the knowledge's own examples (each fold's answers mapped by
 * a probability map fitted without them), and out of fold a surer bucket
 * is never much less right than a less sure one. */
static void testCalibration(void **state) {
    const knowledge *k = *state;
    static const char *const files[] = {"tests/eval/dev.jsonl", "tests/eval/fresh.jsonl",
                                        "tests/eval/fresh3.jsonl", "tests/eval/fresh5.jsonl",
                                        "tests/eval/fresh8.jsonl"};
    size_t sure = 0, right = 0;
    for (size_t f = 0; f < CB_ARRAY_LEN(files); f++) {
        FILE *in = fopen(files[f], "r");
        assert_non_null(in);
        char line[4096], *q, *end;
        while (nextEvalQuestion(in, line, sizeof(line), &q, &end)) {
            engResult r = ask(k->ix, q);
            if (r.outcome != ENG_ANSWER || r.hits[0].confidence < 0.9) continue;
            char want[160];
            snprintf(want, sizeof(want), "\"%s\"", r.hits[0].entry->id);
            sure++;
            right += strstr(end, want) != NULL;
        }
        fclose(in);
    }
    assert_true(sure >= 200);
    double share = (double)right / (double)sure;
    if (share < 0.95) fail_msg("confidence >= 0.9: %.3f right on held-out questions", share);
    engLearned L;
    engLearnedInfo(k->ix, &L);
    assert_int_equal(L.trained, 1);
    assert_true(L.oof > 1000);
    assert_true(L.recal_steps > 0);
    size_t top = ENG_NBUCKETS - 1;
    assert_true(L.buckets[top].lo == 0.9 && L.buckets[top].n >= 200);
    share = (double)L.buckets[top].right / (double)L.buckets[top].n;
    if (share < 0.95) fail_msg("confidence >= 0.9: %.3f right out of fold", share);
    for (size_t b = 1; b < ENG_NBUCKETS; b++) {
        double lo = (double)L.buckets[b - 1].right / (double)(L.buckets[b - 1].n + 1);
        double hi = (double)L.buckets[b].right / (double)(L.buckets[b].n + 1);
        assert_true(hi >= lo - 0.05);
    }
}

/* An edit changes what it touches and little else: the bundled knowledge
 * with one alternate of one entry removed answers the eval questions as
 * the whole one does, but for a handful. (Training visits the examples in
 * an order drawn from each one's own text; when it shuffled positions,
 * such an edit changed about 7% of all answers.) */
static void testUnrelatedEditKeepsAnswers(void **state) {
    const knowledge *k = *state;
    char dir[64], cmd[256];
    snprintf(dir, sizeof(dir), "/tmp/cb-learn-edit-%d", (int)getpid());
    snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -r knowledge %s", dir, dir);
    assert_int_equal(system(cmd), 0);
    char path[128];
    snprintf(path, sizeof(path), "%s/skills/testing.md", dir);
    char *text = tpReadFile(path);
    assert_non_null(text);
    char *alt = strstr(text, "alternates:\n  - "); /* drop the first alternate */
    assert_non_null(alt);
    alt += strlen("alternates:\n");
    char *next = strchr(alt, '\n');
    assert_non_null(next);
    memmove(alt, next + 1, strlen(next + 1) + 1);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(text);
    cbDiags d;
    knowledge *edited = load(dir, &d);
    cbDiagsFree(&d);
    assert_non_null(edited);
    size_t asked = 0, changed = 0;
    static const char *const files[] = {"tests/eval/dev.jsonl", "tests/eval/fresh4.jsonl"};
    for (size_t i = 0; i < CB_ARRAY_LEN(files); i++) {
        FILE *in = fopen(files[i], "r");
        assert_non_null(in);
        char line[4096], *q, *end;
        while (nextEvalQuestion(in, line, sizeof(line), &q, &end)) {
            engResult a = ask(k->ix, q), b = ask(edited->ix, q);
            const char *ta = a.nhits ? a.hits[0].entry->id : "";
            const char *tb = b.nhits ? b.hits[0].entry->id : "";
            asked++;
            changed += a.outcome != b.outcome || strcmp(ta, tb) != 0;
        }
        fclose(in);
    }
    knowledgeFree(edited);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    assert_true(asked > 500);
    if (changed * 100 > asked) fail_msg("%zu of %zu answers changed", changed, asked);
}

/* Every phrasing of the bundled knowledge, asked as written, is handled as
 * its author said: an entry's question or alternate answers that entry, a
 * line of out-of-scope.txt is declined (with its section when named),
 * whatever the threshold. The model alone does not: at a threshold low
 * enough it answers some out-of-scope lines, which is what `kb check`
 * lists. A topic filter still applies. */
static void testPhrasesAsWritten(void **state) {
    const knowledge *k = *state;
    const kb *b = k->kb;
    size_t bad = 0;
    for (size_t e = 0; e < b->nentries; e++)
        for (size_t a = 0; a < b->entries[e].alternates.n; a++) {
            const char *q = b->entries[e].alternates.v[a];
            engResult r = ask(k->ix, q);
            if (r.outcome != ENG_ANSWER || strcmp(r.hits[0].entry->id, b->entries[e].id) != 0)
                bad++, print_error("alternate '%s' of %s not answered by it\n", q, b->entries[e].id);
        }
    engParams p;
    engDefaultParams(&p);
    p.answer_threshold = 0.05; /* far lower than the knowledge's: most is answered */
    char err[CB_ERRLEN];
    engIndex *eager = engBuild(b, &p, err);
    p.model_only = 1;
    engIndex *alone = engBuild(b, &p, err);
    assert_non_null(eager);
    assert_non_null(alone);
    size_t alone_answers = 0;
    for (size_t i = 0; i < b->out_of_scope.n; i++) {
        const char *q = b->out_of_scope.v[i];
        engResult m = ask(alone, q);
        alone_answers += m.outcome == ENG_ANSWER;
        const char *sec = b->out_of_scope_sections.v[b->out_of_scope_section[i]];
        for (int t = 0; t < 2; t++) {
            engResult r = ask(t ? eager : k->ix, q);
            if (r.outcome != ENG_ABSTAIN || r.nhits ||
                (*sec && strcmp(r.decline_section, sec) != 0))
                bad++, print_error("out-of-scope line '%s' not declined as [%s]\n", q, sec);
        }
    }
    engFree(eager);
    engFree(alone);
    assert_true(alone_answers > 0);
    engResult r = ask(k->ix, "HOW old are you?!"); /* case and punctuation aside */
    assert_int_equal(r.outcome, ENG_ABSTAIN);
    const char *alt = kbFindEntry(b, "frameworks/fastapi")->alternates.v[0];
    assert_int_equal(engQuery(k->ix, alt, strlen(alt), "career", 3, &r, err), CB_OK);
    assert_true(r.outcome != ENG_ANSWER || strcmp(r.hits[0].entry->id, "frameworks/fastapi") != 0);
    assert_int_equal(bad, 0);
}

/* The probes, with what the bundled knowledge supports. */
static void testProbes(void **state) {
    const knowledge *k = *state;
    static const struct {
        const char *q, *id;
        int outcome; /* ENG_ANSWER: answered with id; else id first, answered or a choice */
    } cases[] = {
        /* its entry: "specialize" is also high-paying-niches' word and
         * "generalize" no example's, so answered or offered first */
        {"Should I specialize or generalize?", "career/specialize-or-generalize", ENG_DID_YOU_MEAN},
        {"Are type hints in python necessary?", "skills/type-hints", ENG_ANSWER},
        {"Should I learn a language other than Python?", "career/other-languages", ENG_ANSWER},
        {"how to get experience", "experience/without-a-job", ENG_ANSWER},
        {"do certifications help?", "certifications/value", ENG_ANSWER},
        /* a mention is not a different question */
        {"@everyone do certifications help?", "certifications/value", ENG_ANSWER},
    };
    int bad = 0;
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        engResult r = ask(k->ix, cases[i].q);
        const char *got = r.nhits ? r.hits[0].entry->id : "(none)";
        double floor = engSuggestThreshold(k->ix) / 2; /* the handler lists choices from here */
        int ok = strcmp(got, cases[i].id) == 0 &&
                 (cases[i].outcome == ENG_ANSWER
                      ? r.outcome == ENG_ANSWER
                      : r.outcome == ENG_ANSWER || r.hits[0].confidence >= floor);
        if (!ok) {
            print_error("'%s': %s outcome %d (%.2f), want %s outcome %d\n", cases[i].q, got,
                        r.outcome, r.nhits ? r.hits[0].confidence : 0, cases[i].id,
                        cases[i].outcome);
            bad++;
        }
    }
    /* no entry is about choosing a dataframe library: never a sure answer */
    engResult r = ask(k->ix, "which is better for data science pandas or polars");
    if (r.outcome == ENG_ANSWER) {
        print_error("pandas or polars answered with %s (%.2f)\n", r.hits[0].entry->id,
                    r.hits[0].confidence);
        bad++;
    }
    assert_int_equal(bad, 0);
}

/* The topic filter narrows where the answer may come from, not how sure
 * it is: a question that another topic's entry answers is declined in a
 * topic without it (it was answered with the best of the wrong few,
 * "how much do python devs earn" in job-search with freelancing at 0.91),
 * and a question of the topic is answered as without the filter. */
static void testTopicFilterDoesNotInflate(void **state) {
    const knowledge *k = *state;
    static const struct {
        const char *topic, *q, *id; /* id NULL: declined */
    } cases[] = {
        {"job-search", "how much do python devs earn", NULL},
        {"learning", "are bootcamps worth it", NULL},
        {"skills", "django or flask", NULL},
        {"job-search", "how do I write my CV", "job-search/resume"},
        {"bootcamps", "are bootcamps worth it", "bootcamps/worth-it"},
    };
    int bad = 0;
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        engResult r;
        char err[CB_ERRLEN];
        assert_int_equal(engQuery(k->ix, cases[i].q, strlen(cases[i].q), cases[i].topic, 5, &r,
                                  err), CB_OK);
        int answered = r.outcome == ENG_ANSWER;
        if (cases[i].id ? !answered || strcmp(r.hits[0].entry->id, cases[i].id) != 0 : answered) {
            print_error("%s: '%s': outcome %d %s (%.2f)\n", cases[i].topic, cases[i].q, r.outcome,
                        r.nhits ? r.hits[0].entry->id : "-", r.nhits ? r.hits[0].confidence : 0);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* The bundled knowledge's index again, with matching.json's thresholds
 * as m says; the index points into *copy, which must outlive it. */
static engIndex *withMatching(const knowledge *k, kbMatching m, kb *copy) {
    *copy = *k->kb;
    copy->matching = m;
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(copy, NULL, err);
    assert_non_null(ix);
    return ix;
}

/* Context before the question: when the whole message is not sure
 * enough to answer, the sentences that ask, read alone, answer the entry
 * the whole message ranks first if they are as sure as
 * asking_part_threshold; a bare "what's your experience?" after an
 * unrelated story does not answer what the story never offers, nor does a
 * poll of other people's experience. The bundled knowledge's examples
 * teach it stories like this one, so the whole is made unsure here by an
 * answer threshold above its confidence. */
static void testAskingPart(void **state) {
    const knowledge *k = *state;
    const char *old = "I'm 39 and I have driven trucks for fifteen years. I did a free Python "
                      "course last winter and loved it. Am I too old to become a developer?";
    engResult r = ask(k->ix, old);
    assert_string_equal(r.hits[0].entry->id, "learning/career-change-later");
    double whole = r.hits[0].confidence;
    assert_true(whole < 0.95); /* else no threshold below 1 leaves it unsure */
    kbMatching unsure = k->kb->matching;
    unsure.answer_threshold = (whole + 1.0) / 2;
    kb copy;
    engIndex *ix = withMatching(k, unsure, &copy);
    r = ask(ix, old);
    assert_int_equal(r.outcome, ENG_ANSWER);
    assert_string_equal(r.hits[0].entry->id, "learning/career-change-later");
    assert_int_equal(r.asked_part, 1);
    assert_true(r.hits[0].confidence >= k->kb->matching.asking_part_threshold);
    engFree(ix);
    r = ask(k->ix, "Working for large corporation feels like 80% BS. What's your experience?");
    assert_true(r.outcome != ENG_ANSWER);
    assert_int_equal(r.asked_part, 0);
    /* a poll of other people's experience, after a story of one's own */
    r = ask(k->ix, "I started coding with Scratch as a kid. What was your first experience with "
                   "programming?");
    assert_true(r.outcome != ENG_ANSWER);
    r = ask(k->ix, "Is a coding bootcamp worth it?"); /* one sentence: never a second look */
    assert_int_equal(r.asked_part, 0);
    /* the threshold is the knowledge's: at 1 nothing is sure enough, nor
     * is either of two questions read alone (each index built here is
     * one more training under the sanitizers) */
    unsure.asking_part_threshold = 1.0;
    ix = withMatching(k, unsure, &copy);
    r = ask(ix, old);
    assert_true(r.outcome != ENG_ANSWER);
    assert_int_equal(r.asked_part, 0);
    assert_string_equal(r.hits[0].entry->id, "learning/career-change-later");
    r = ask(ix, "how can i check if a bootcamp is legit? and honestly are udemy courses just as "
                "good as one?");
    assert_true(r.outcome != ENG_ANSWER);
    assert_null(r.also_asked);
    engFree(ix);
}

/* Two questions in one message split its probability between two
 * entries, so neither may reach the answer threshold; each question read
 * alone answers the one the message ranks first (as the asking part does)
 * and names the other as "also asked", when the whole message ranks it
 * too. Options listed as one-word questions ("placement stats?
 * reviews?") are not questions of their own; a single question has no
 * "also asked". */
static void testTwoQuestions(void **state) {
    const knowledge *k = *state;
    const char *two = "how can i check if a bootcamp is legit? and honestly are udemy courses "
                      "just as good as one?";
    engResult r = ask(k->ix, two);
    assert_int_equal(r.outcome, ENG_ANSWER);
    assert_string_equal(r.hits[0].entry->id, "bootcamps/choosing");
    assert_int_equal(r.asked_part, 1);
    assert_true(r.hits[0].confidence >= k->kb->matching.asking_part_threshold);
    assert_non_null(r.also_asked);
    assert_string_equal(r.also_asked->id, "bootcamps/online-courses");
    assert_true(r.also_confidence >= k->kb->matching.asking_part_threshold);
    /* answered as a whole already: the other question is still named */
    r = ask(k->ix, "Is a coding bootcamp worth it? And how do I negotiate my salary after one?");
    assert_int_equal(r.outcome, ENG_ANSWER);
    assert_non_null(r.also_asked);
    assert_true(r.also_asked != r.hits[0].entry);
    r = ask(k->ix, "comparing le wagon vs some local python bootcamp, what should i actually "
                   "check? placement stats? reviews?");
    assert_null(r.also_asked);
    r = ask(k->ix, "Is a coding bootcamp worth it?");
    assert_null(r.also_asked);
    assert_int_equal(r.asked_part, 0);
}

/* A pattern lifts only an entry the classifier gives matching.json's
 * pattern_floor: skills/sql-databases' pattern matches "learn ... sql",
 * but this asks for an order of study (learning/roadmap), and the
 * classifier says so. Without a floor the pattern lifts its entry as
 * before (to pattern_confidence, whatever else ranks above it). */
static void testPatternFloor(void **state) {
    const knowledge *k = *state;
    const char *q = "what order should I learn git, docker and sql in?";
    engResult r = ask(k->ix, q);
    assert_true(r.nhits > 0);
    assert_string_equal(r.hits[0].entry->id, "learning/roadmap");
    int seen = 0;
    for (size_t i = 0; i < r.nhits; i++)
        if (strcmp(r.hits[i].entry->id, "skills/sql-databases") == 0) {
            seen = 1;
            assert_int_equal(r.hits[i].pattern, 1); /* it matched, and lifted nothing */
            assert_true(r.hits[i].confidence < k->kb->matching.pattern_floor);
        }
    assert_true(seen);
    kbMatching any = k->kb->matching;
    any.pattern_floor = 0;
    kb copy;
    engIndex *ix = withMatching(k, any, &copy);
    r = ask(ix, q);
    seen = 0;
    for (size_t i = 0; i < r.nhits; i++)
        if (strcmp(r.hits[i].entry->id, "skills/sql-databases") == 0) {
            seen = 1;
            assert_true(r.hits[i].confidence >= k->kb->matching.pattern_confidence);
        }
    assert_true(seen);
    engFree(ix);
}

/* The bundled knowledge's sections and redirects: a declined question of
 * a kind with a reply gets it (and its section's name); a question of a
 * section without a reply, or an entry's question, does not. */
static void testRedirects(void **state) {
    const knowledge *k = *state;
    static const struct {
        const char *q, *section; /* NULL: no redirect */
    } cases[] = {
        {"my django view raises KeyError when the form posts", "coding-help"},
        {"can my employer sponsor my visa if I switch jobs", "visa-immigration"},
        {"how do i file taxes as a contractor in germany", "tax"},
        {"what is the weather like this weekend", NULL},
        {"do certifications help?", NULL},
    };
    hndContext ctx = {.k = k, .max_suggestions = 3};
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        hndRequest req = {.platform = PLATFORM_SLACK, .text = cases[i].q,
                          .len = strlen(cases[i].q), .user = "U1"};
        hndReply out;
        hndHandle(&ctx, &req, &out);
        const char *want = cases[i].section;
        if (want ? !out.redirect || strcmp(out.redirect, want) != 0 : out.redirect != NULL)
            fail_msg("'%s': redirect %s, want %s", cases[i].q, out.redirect ? out.redirect : "none",
                     want ? want : "none");
        if (want) {
            const kbRedirect *r = kbFindRedirect(k->kb, want);
            assert_non_null(r);
            assert_int_equal(out.kind, REPLY_ABSTAIN);
            assert_non_null(strstr(out.body, r->reply));
            assert_null(strstr(out.body, "don't know"));
        }
        replyFree(&out);
    }
}
int main(void) {
    const struct CMUnitTest bundled[] = {
        cmocka_unit_test(testCalibration),
        cmocka_unit_test(testProbes),
        cmocka_unit_test(testTopicFilterDoesNotInflate),
        cmocka_unit_test(testAskingPart),
        cmocka_unit_test(testTwoQuestions),
        cmocka_unit_test(testPatternFloor),
        cmocka_unit_test(testRedirects),
        cmocka_unit_test(testUnrelatedEditKeepsAnswers),
        cmocka_unit_test(testPhrasesAsWritten),
    };
    return cmocka_run_group_tests_name("bundled knowledge", bundled, setupBundled,
                                       teardownBundled);
}
