/* test_engine_scaled.c - the scaled path (a knowledge past the dense
 * classifier's budget): BM25F candidates re-ranked by a logistic model
 * trained on the knowledge's own phrasings, each left out of the index.
 * The bundled knowledge is forced onto it (engParams.dense_max = 1), with
 * every other entry's last alternate held out of the knowledge: those
 * phrasings were never seen (they are the hard ones, written to catch
 * what the others missed: BM25F ranks fewer than half of them first).
 * Checked: the re-ranker was trained (not the BM25F share it falls back
 * to), on the questions of examples/ too; an entry's own phrasing ranks it first, surer than an unrelated
 * question; on the held-out phrasings the right entry is clearly surer
 * than a wrong one and answers at 0.7 or more are mostly right; gibberish
 * and out-of-domain questions get low confidence; a knowledge too small
 * to learn from keeps the BM25F share.
 * Deterministic: the sample of phrasings and the fit have no randomness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/common.h"
#include "kb/kb.h"
#include "match/engine.h"
#include "match/engine_int.h"
#include "scaledkit.h"

#define HOLD_EVERY 2

typedef struct fixture {
    kb *k;
    engIndex *ix;
    char *held[512]; /* held-out alternates */
    const char *held_id[512];
    size_t nheld;
} fixture;

/* The bundled knowledge with every HOLD_EVERY-th entry's last alternate
 * taken out (kept in f->held), indexed on the scaled path. */
static int setup(void **state) {
    fixture *f = cbCalloc(1, sizeof(*f));
    f->k = kitLoadKb("knowledge");
    if (!f->k) return -1;
    for (size_t e = 0; e < f->k->nentries && f->nheld < 512; e += HOLD_EVERY) {
        kbEntry *en = &f->k->entries[e];
        if (en->alternates.n < 2) continue;
        f->held[f->nheld] = en->alternates.v[--en->alternates.n];
        f->held_id[f->nheld++] = en->id;
    }
    engParams p = kitScaledParams();
    char err[CB_ERRLEN];
    f->ix = engBuild(f->k, &p, err);
    if (!f->ix) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    engFree(f->ix);
    for (size_t i = 0; i < f->nheld; i++) { /* back where kbFree frees them */
        for (size_t e = 0; e < f->k->nentries; e++)
            if (f->k->entries[e].id == f->held_id[i]) f->k->entries[e].alternates.n++;
    }
    kbFree(f->k);
    free(f);
    return 0;
}

static engResult ask(const fixture *f, const char *q) {
    engResult r;
    char err[CB_ERRLEN];
    assert_int_equal(engQuery(f->ix, q, strlen(q), NULL, 5, &r, err), CB_OK);
    return r;
}

static double topConf(const engResult *r) { return r->nhits ? r->hits[0].confidence : 0; }

static void test_trained_from_phrasings(void **state) {
    const fixture *f = *state;
    engScaled s;
    engScaledInfo(f->ix, &s);
    engLearned L;
    engLearnedInfo(f->ix, &L);
    assert_int_equal(L.trained, 0); /* no dense classifier */
    assert_int_equal(s.trained, 1);
    assert_true(s.phrasings > 1000); /* every phrasing: the bundled knowledge is small */
    size_t own = f->k->out_of_scope.n;
    for (size_t e = 0; e < f->k->nentries; e++) own += 1 + f->k->entries[e].alternates.n;
    assert_true(f->k->train_q.n > 0 && own < ENG_RR_MAX_PHRASINGS);
    assert_true(s.phrasings > own); /* the questions of examples/ too */
    assert_true(s.positives > 0 && s.positives < s.examples);
}

static void test_own_phrasing_first(void **state) {
    const fixture *f = *state;
    size_t first = 0, n = 0;
    double sure = 0;
    for (size_t e = 1; e < f->k->nentries; e += 3, n++) {
        const kbEntry *en = &f->k->entries[e];
        engResult r = ask(f, en->alternates.n ? en->alternates.v[0] : en->question);
        first += r.nhits && r.hits[0].entry == en;
        sure += topConf(&r);
    }
    assert_true(first * 10 >= n * 9); /* 90% ranked first */
    engResult other = ask(f, "what is the best recipe for banana bread");
    assert_true(topConf(&other) < sure / (double)n);
    assert_true(topConf(&other) < 0.5);
}

static void test_held_out_calibrated(void **state) {
    const fixture *f = *state;
    double right_conf = 0, wrong_conf = 0;
    size_t right = 0, wrong = 0, sure = 0, sure_right = 0;
    for (size_t i = 0; i < f->nheld; i++) {
        engResult r = ask(f, f->held[i]);
        int ok = r.nhits && strcmp(r.hits[0].entry->id, f->held_id[i]) == 0;
        if (ok) right_conf += topConf(&r), right++;
        else wrong_conf += topConf(&r), wrong++;
        if (topConf(&r) >= 0.7) sure++, sure_right += (size_t)ok;
    }
    print_message("held out: %zu right first (mean confidence %.2f), %zu not (%.2f); "
                  "%zu at >= 0.7, %zu of them right\n", right, right ? right_conf / right : 0,
                  wrong, wrong ? wrong_conf / wrong : 0, sure, sure_right);
    assert_true(f->nheld >= 30);
    assert_true(right * 4 >= f->nheld); /* the lexical ceiling on these is low */
    assert_true(right_conf / (double)right > wrong_conf / (double)wrong + 0.15);
    assert_true(sure > 0 && sure_right * 10 >= sure * 6);
}

static void test_gibberish_low(void **state) {
    const fixture *f = *state;
    const char *qs[] = {"xqzv blorf wumble", "asdf qwer zxcv", "tell me a joke about cats",
                        "what is the capital of france"};
    for (size_t i = 0; i < CB_ARRAY_LEN(qs); i++) {
        engResult r = ask(f, qs[i]);
        if (topConf(&r) >= 0.3) fail_msg("\"%s\": %.2f", qs[i], topConf(&r));
        assert_int_not_equal(r.outcome, ENG_ANSWER);
    }
}

/* Four entries are too few phrasings to learn from: the BM25F share. */
static void test_small_keeps_share(void **state) {
    (void)state;
    kb *k = kitLoadKb("tests/fixtures/kb/good");
    assert_non_null(k);
    engParams p = kitScaledParams();
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(k, &p, err);
    assert_non_null(ix);
    engScaled s;
    engScaledInfo(ix, &s);
    assert_int_equal(s.trained, 0);
    engResult r;
    const char *q = k->entries[0].question;
    assert_int_equal(engQuery(ix, q, strlen(q), NULL, 3, &r, err), CB_OK);
    assert_true(r.nhits > 0 && r.hits[0].entry == &k->entries[0]);
    engFree(ix);
    kbFree(k);
}

/* The best-phrasing features (engine_phrase.c) of candidate e for a
 * question: text analyzed and scored as the re-ranker's training does,
 * entry loo's phrasing at place loo_ph left out. */
static void phraseFeatures(const fixture *f, const char *text, uint32_t e, uint32_t loo,
                           uint32_t loo_ph, double *both, double *cover) {
    engTerms x;
    engTermsInit(&x);
    assert_int_equal(engAnalyze(f->ix, text, strlen(text), 0, &x, NULL), CB_OK);
    engScoreExample(f->ix, &x, loo, NULL, 0);
    double v[1][ENG_RR_NFEAT];
    engRerankFeatures(f->ix, &e, 1, loo, loo_ph, 0, v);
    *both = v[0][ENG_RR_PHBOTH];
    *cover = v[0][ENG_RR_PHCOVER];
    engScratchReset(f->ix);
    engTermsFree(&x);
}

/* An entry's own question, word for word: its best phrasing is all
 * matched (the question's share and the phrasing's); left out, its other
 * phrasings match less; another entry's, less still; never above 1. */
static void test_best_phrasing(void **state) {
    const fixture *f = *state;
    size_t checked = 0;
    for (uint32_t e = 0; e < f->k->nentries; e += 7) {
        const kbEntry *en = &f->k->entries[e];
        uint32_t other = (e + f->k->nentries / 2) % (uint32_t)f->k->nentries;
        double both, cover, lboth, lcover, oboth, ocover;
        phraseFeatures(f, en->question, e, UINT32_MAX, UINT32_MAX, &both, &cover);
        phraseFeatures(f, en->question, e, e, 0, &lboth, &lcover);
        phraseFeatures(f, en->question, other, UINT32_MAX, UINT32_MAX, &oboth, &ocover);
        assert_true(cover > 0.999 && cover <= 1);
        assert_true(both > 0.9 && both <= 1);
        assert_true(lboth < both && lcover <= cover);
        assert_true(oboth < both);
        checked++;
    }
    assert_true(checked >= 5);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trained_from_phrasings),
        cmocka_unit_test(test_own_phrasing_first),
        cmocka_unit_test(test_held_out_calibrated),
        cmocka_unit_test(test_gibberish_low),
        cmocka_unit_test(test_best_phrasing),
    };
    const struct CMUnitTest alone[] = {cmocka_unit_test(test_small_keeps_share)};
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    return rc | cmocka_run_group_tests(alone, NULL, NULL);
}
