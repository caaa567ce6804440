/* test_engine_recal.c - the map from the classifier's probability to its
 * out-of-fold worth (engine_recal.c): it follows how often answers were
 * right, never rises above the probability, never goes down, stands each
 * step on enough examples, and is none when there are too few. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "base/common.h"
#include "match/engine_model.h"

#define N 2000

static double conf[N]; /* the answers' probabilities */
static uint8_t right[N]; /* and whether each was right */

/* N answers with probabilities spread over [0, 1); an answer at p is right
 * with probability worth(p), drawn by a fixed generator. */
static void answers(double (*worth)(double)) {
    uint64_t s = 88172645463325252ULL;
    for (size_t i = 0; i < N; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        conf[i] = (double)(s >> 11) / 9007199254740992.0;
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        right[i] = (double)(s >> 11) / 9007199254740992.0 < worth(conf[i]);
    }
}

static double tooSure(double p) { return 0.8 * p; }    /* the softmax claims more than it is worth */
static double tooShy(double p) { return 0.5 + p / 2; } /* worth more than it claims */

/* An over-sure probability is brought down to what it is worth (within
 * sampling error), and the map never goes down. */
static void testBringsDownTheSure(void **state) {
    (void)state;
    answers(tooSure);
    mdlRecal r = {NULL, NULL, 0};
    mdlRecalFit(conf, right, N, &r);
    assert_true(r.n >= 5);
    assert_true(mdlRecalValid(&r));
    for (double p = 0.2; p < 0.99; p += 0.1) assert_true(fabs(mdlRecalApply(&r, p) - 0.8 * p) < 0.1);
    double last = 0;
    for (double p = 0; p <= 1.0; p += 0.001) {
        double v = mdlRecalApply(&r, p);
        assert_true(v >= last - 1e-12);
        assert_true(v <= p);
        last = v;
    }
    mdlRecalFree(&r);
    assert_int_equal(r.n, 0);
}

/* A probability worth more than it says stays as it is: the map only
 * lowers. */
static void testNeverSurer(void **state) {
    (void)state;
    answers(tooShy);
    mdlRecal r = {NULL, NULL, 0};
    mdlRecalFit(conf, right, N, &r);
    for (double p = 0; p <= 1.0; p += 0.01) assert_true(mdlRecalApply(&r, p) == p);
    mdlRecalFree(&r);
}

/* Every step stands on at least 50 examples: a run of ten lucky answers
 * at the very top (where isotonic regression alone would make a step of
 * their own, worth 1) is pooled with its neighbours. */
static void testStepsStandOnEnough(void **state) {
    (void)state;
    answers(tooSure);
    for (size_t i = 0; i < N; i++)
        if (conf[i] > 0.99) conf[i] = 0.99;
    for (size_t i = 0; i < 10; i++) conf[i] = 0.9995 + 1e-5 * (double)i, right[i] = 1;
    mdlRecal r = {NULL, NULL, 0};
    mdlRecalFit(conf, right, N, &r);
    assert_true(r.n <= N / 50);
    assert_true(mdlRecalApply(&r, 0.9999) < 0.9);
    mdlRecalFree(&r);
}

/* One probability given to many answers is one step (the knots' x rise
 * strictly); too few answers: no map, p as it is. */
static void testTiesAndTooFew(void **state) {
    (void)state;
    for (size_t i = 0; i < N; i++) conf[i] = i < N / 2 ? 0.9 : 0.3, right[i] = (i % 3) == 0;
    mdlRecal r = {NULL, NULL, 0};
    mdlRecalFit(conf, right, N, &r);
    assert_true(mdlRecalValid(&r));
    assert_true(r.n >= 1 && r.n <= 2);
    mdlRecalFit(conf, right, 50, &r); /* refits: the old knots are freed */
    assert_int_equal(r.n, 0);
    assert_true(mdlRecalApply(&r, 0.77) == 0.77);
    assert_true(mdlRecalApply(NULL, 0.77) == 0.77);
    mdlRecalFree(&r);
}

/* What the cache reader refuses: knots out of [0, 1], x not rising, y
 * falling. */
static void testValid(void **state) {
    (void)state;
    double x[3] = {0.1, 0.5, 0.9}, y[3] = {0.05, 0.4, 0.85};
    mdlRecal r = {x, y, 3};
    assert_true(mdlRecalValid(&r));
    y[1] = 0.9;
    assert_false(mdlRecalValid(&r));
    y[1] = 0.4, x[1] = 0.1;
    assert_false(mdlRecalValid(&r));
    x[1] = 0.5, y[2] = NAN;
    assert_false(mdlRecalValid(&r));
    y[2] = 1.5;
    assert_false(mdlRecalValid(&r));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testBringsDownTheSure), cmocka_unit_test(testNeverSurer),
        cmocka_unit_test(testStepsStandOnEnough), cmocka_unit_test(testTiesAndTooFew),
        cmocka_unit_test(testValid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
