/* test_engine_fit.c - the confidence fitting behind `kb eval --fit`: the
 * logistic regression recovers known coefficients from synthetic data, the
 * operating point keeps wrong answers under the target, cross-validation
 * predicts every row once; and the topic filter on the bundled knowledge
 * ("/faq bootcamps: how long do they take") finds a bootcamp entry and is
 * surer of it than without the topic. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/common.h"
#include "match/engine.h"
#include "match/engine_fit.h"
#include "kb/kb.h"

static uint64_t rng = 88172645463325252u;

static double uniform(void) { /* xorshift64, deterministic */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 11) / 9007199254740992.0;
}

/* n rows with features 0 and 1 uniform in [0,1], the others 0 (the
 * pattern feature too, so no rule applies), labels drawn from the true
 * model w (intercept, feature 0, feature 1). */
static engFitRow *synth(size_t n, const double *w) {
    engFitRow *rows = calloc(n, sizeof(*rows));
    for (size_t i = 0; i < n; i++) {
        rows[i].x[0] = uniform();
        rows[i].x[1] = uniform();
        double z = w[0] + w[1] * rows[i].x[0] + w[2] * rows[i].x[1];
        rows[i].label = uniform() < 1.0 / (1.0 + exp(-z));
        rows[i].inscope = 1;
        rows[i].group = (int)(i % 3);
    }
    return rows;
}

static void testRecoversCoefficients(void **state) {
    (void)state;
    const double truth[][3] = {{-1.0, 4.0, -2.0}, {0.5, -3.0, 1.5}, {-2.0, 0.0, 5.0}};
    for (size_t t = 0; t < CB_ARRAY_LEN(truth); t++) {
        engFitRow *rows = synth(20000, truth[t]);
        double coef[ENG_NFEAT + 1];
        char err[CB_ERRLEN];
        assert_int_equal(engFitLogistic(rows, 20000, 0.01, coef, err), CB_OK);
        for (size_t i = 0; i < 3; i++) {
            if (fabs(coef[i] - truth[t][i]) > 0.25)
                print_error("case %zu coef %zu: %.3f, want %.3f\n", t, i, coef[i], truth[t][i]);
            assert_true(fabs(coef[i] - truth[t][i]) <= 0.25);
        }
        for (size_t i = 3; i <= ENG_NFEAT; i++) assert_true(fabs(coef[i]) < 1e-6); /* all-zero */
        free(rows);
    }
}

/* Separable data: the penalty keeps coefficients finite, and the sign and
 * the decision are right. */
static void testSeparable(void **state) {
    (void)state;
    engFitRow rows[200];
    memset(rows, 0, sizeof(rows));
    for (size_t i = 0; i < 200; i++) {
        rows[i].x[0] = (double)i / 199.0;
        rows[i].label = i >= 100;
        rows[i].inscope = 1;
    }
    double coef[ENG_NFEAT + 1];
    assert_int_equal(engFitLogistic(rows, 200, 0.1, coef, NULL), CB_OK);
    assert_true(coef[1] > 5 && isfinite(coef[1]));
    engFitStats st = {0};
    engFitCount(rows, 200, coef, &st);
    assert_int_equal(st.n, 200);
    assert_true(st.correct >= 95 && st.wrong <= 5);
    assert_int_equal(engFitLogistic(rows, 0, 0.1, coef, NULL), CB_ERR);
}

static void testShiftAndCv(void **state) {
    (void)state;
    const double w[3] = {-1.0, 4.0, -2.0};
    engFitRow *rows = synth(3000, w);
    for (size_t i = 0; i < 3000; i += 5) rows[i].inscope = 0, rows[i].label = 0; /* out of scope */
    double coef[ENG_NFEAT + 1];
    assert_int_equal(engFitLogistic(rows, 3000, 0.3, coef, NULL), CB_OK);
    const double targets[] = {0.01, 0.05, 0.15};
    size_t prev_correct = 0;
    for (size_t t = 0; t < CB_ARRAY_LEN(targets); t++) {
        double c[ENG_NFEAT + 1];
        memcpy(c, coef, sizeof(c));
        engFitShift(rows, 3000, targets[t], c);
        engFitStats st = {0};
        engFitCount(rows, 3000, c, &st);
        assert_true((double)st.wrong <= targets[t] * 3000);
        assert_true(st.correct >= prev_correct); /* a looser target answers more */
        prev_correct = st.correct;
    }
    int fold[3000];
    for (size_t i = 0; i < 3000; i++) fold[i] = (int)(i % 4);
    engFitStats cv = {0};
    assert_int_equal(engFitCv(rows, 3000, fold, 4, 0.3, 0.05, &cv, NULL), CB_OK);
    assert_int_equal(cv.n, 3000);
    assert_int_equal(cv.oos, 600);
    assert_true((double)cv.wrong <= 0.08 * 3000); /* held out: near the target */
    free(rows);
}

/* The bundled knowledge: with the topic, "how long do they take" is about
 * bootcamps; the topic feature is set and confidence is not lower. */
static void testTopicFilter(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad("knowledge", &d);
    assert_non_null(k);
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(k, NULL, err);
    assert_non_null(ix);
    const char *q = "how long do they take";
    engResult with, without;
    assert_int_equal(engQuery(ix, q, strlen(q), "bootcamps", 3, &with, err), CB_OK);
    assert_int_equal(engQuery(ix, q, strlen(q), NULL, 3, &without, err), CB_OK);
    assert_true(with.nhits > 0);
    assert_string_equal(with.hits[0].entry->topic, "bootcamps");
    assert_true(with.outcome != ENG_ABSTAIN); /* at least a did-you-mean */
    size_t ti = 0;
    while (strcmp(engFeatName(ti), "topic") != 0) ti++;
    assert_true(with.hits[0].feat[ti] == 1.0);
    for (size_t h = 0; h < without.nhits; h++) {
        assert_true(without.hits[h].feat[ti] == 0.0);
        if (without.hits[h].entry == with.hits[0].entry)
            assert_true(with.hits[0].confidence >= without.hits[h].confidence);
    }
    engFree(ix);
    kbFree(k);
    cbDiagsFree(&d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testRecoversCoefficients),
        cmocka_unit_test(testSeparable),
        cmocka_unit_test(testShiftAndCv),
        cmocka_unit_test(testTopicFilter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
