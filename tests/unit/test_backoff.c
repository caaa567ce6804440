/* test_backoff.c - exponential backoff with full jitter (bot/base/backoff.h):
 * the ceiling doubles up to the cap, delays stay inside [0, ceiling), are
 * spread over that range (not constant), are reproducible with a seed, and
 * the cbBackoff counter adds its minimum and resets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/backoff.h"

static void test_ceiling_table(void **state) {
    (void)state;
    static const struct {
        int attempt;
        double base, cap, want;
    } cases[] = {
        {0, 100, 10000, 100},   {1, 100, 10000, 200},  {2, 100, 10000, 400},
        {6, 100, 10000, 6400},  {7, 100, 10000, 10000}, {40, 100, 10000, 10000},
        {1000, 100, 10000, 10000}, {-3, 100, 10000, 100}, {3, 0, 10000, 0},
        {3, 100, 0, 0},         {62, 1, 1e300, 4611686018427387904.0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_float_equal(backoffCeilMs(cases[i].attempt, cases[i].base, cases[i].cap),
                           cases[i].want, 1e-6);
}

static void test_delay_within_bounds_and_spread(void **state) {
    (void)state;
    backoffSeed(12345);
    for (int attempt = 0; attempt < 12; attempt++) {
        double ceil = backoffCeilMs(attempt, 50, 3000);
        double lo = ceil, hi = 0, sum = 0;
        for (int i = 0; i < 2000; i++) {
            double d = backoffDelayMs(attempt, 50, 3000);
            assert_true(d >= 0);
            assert_true(d < ceil);
            if (d < lo) lo = d;
            if (d > hi) hi = d;
            sum += d;
        }
        /* Full jitter: uses the whole range, mean near ceil / 2. */
        assert_true(lo < ceil * 0.05);
        assert_true(hi > ceil * 0.95);
        assert_true(sum / 2000 > ceil * 0.4 && sum / 2000 < ceil * 0.6);
    }
}

static void test_seed_reproducible(void **state) {
    (void)state;
    double a[8], b[8];
    backoffSeed(99);
    for (int i = 0; i < 8; i++) a[i] = backoffDelayMs(i, 10, 1000);
    backoffSeed(99);
    for (int i = 0; i < 8; i++) b[i] = backoffDelayMs(i, 10, 1000);
    int differs = 0;
    for (int i = 0; i < 8; i++) {
        assert_float_equal(a[i], b[i], 0);
        if (i && a[i] != a[i - 1]) differs = 1;
    }
    assert_true(differs);
    backoffSeed(0); /* back to an OS seed */
}

static void test_uniform_and_random(void **state) {
    (void)state;
    for (int i = 0; i < 1000; i++) {
        double r = backoffRandom();
        assert_true(r >= 0 && r < 1);
        double u = backoffUniform(1000, 5000);
        assert_true(u >= 1000 && u < 5000);
    }
    assert_float_equal(backoffUniform(7, 7), 7, 0);
    assert_float_equal(backoffUniform(7, 3), 7, 0);
}

static void test_counter_min_and_reset(void **state) {
    (void)state;
    cbBackoff b;
    backoffInit(&b, 100, 1000, 250);
    for (int i = 0; i < 20; i++) {
        double d = backoffNext(&b);
        double ceil = backoffCeilMs(i, 100, 1000);
        assert_true(d >= 250);
        assert_true(d < 250 + ceil);
    }
    assert_int_equal(b.attempt, 20);
    backoffReset(&b);
    assert_int_equal(b.attempt, 0);
    assert_true(backoffNext(&b) < 350);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ceiling_table),
        cmocka_unit_test(test_delay_within_bounds_and_spread),
        cmocka_unit_test(test_seed_reproducible),
        cmocka_unit_test(test_uniform_and_random),
        cmocka_unit_test(test_counter_min_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
