/* test_radix.c - base/radix.c sorts records by their 64-bit key, stably,
 * with 8-bit digits (fewer than 65,536 records) and 16-bit ones, at once
 * and a chunk a step (the same result), keys at any offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/radix.h"

typedef struct rec {
    uint32_t seq; /* the order before the sort */
    uint32_t pad;
    uint64_t key;
} rec;

static uint64_t rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s;
}

/* n records; keys from a small set when few (many ties), else spread
 * over all 64 bits, so each pass of each digit width is exercised. */
static rec *make(size_t n, uint64_t few) {
    rec *v = cbCalloc(n ? n : 1, sizeof(*v));
    uint64_t s = n + 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rnd(&s);
        v[i] = (rec){.seq = (uint32_t)i, .key = few ? (r >> 40) % few << 48 | (r >> 60) : r};
    }
    return v;
}

static void assertSorted(const rec *v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        assert_true(v[i - 1].key <= v[i].key);
        if (v[i - 1].key == v[i].key) assert_true(v[i - 1].seq < v[i].seq); /* stable */
    }
}

static void test_sorts_stably(void **state) {
    (void)state;
    const size_t sizes[] = {0, 1, 2, 3, 1000, 65535, 65536, 200000};
    for (size_t t = 0; t < CB_ARRAY_LEN(sizes); t++) {
        for (uint64_t few = 0; few <= 50; few += 50) {
            size_t n = sizes[t];
            rec *a = make(n, few), *b = make(n, few);
            cbRadixSort(a, n, sizeof(*a), offsetof(rec, key));
            cbRadixJob *j = cbRadixBegin(b, n, sizeof(*b), offsetof(rec, key));
            size_t steps = 1;
            while (!cbRadixStep(j, -INFINITY)) steps++;
            cbRadixFree(j);
            assertSorted(a, n);
            assert_memory_equal(a, b, (n ? n : 1) * sizeof(*a));
            if (n > 4 * CB_RADIX_CHUNK && !few) assert_true(steps > 8); /* in chunks */
            uint64_t sum = 0, want = 0;
            rec *c = make(n, few);
            for (size_t i = 0; i < n; i++) sum += a[i].seq * 3 + a[i].key, want += c[i].seq * 3 + c[i].key;
            assert_true(sum == want); /* the same records */
            cbFreeN(3, a, b, c);
        }
    }
}

/* A job dropped half way frees its buffer (ASan: no leak). */
static void test_cancel(void **state) {
    (void)state;
    size_t n = 100000;
    rec *v = make(n, 0);
    cbRadixJob *j = cbRadixBegin(v, n, sizeof(*v), offsetof(rec, key));
    for (int i = 0; i < 5; i++) assert_int_equal(cbRadixStep(j, -INFINITY), 0);
    cbRadixFree(j);
    free(v);
    cbRadixFree(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorts_stably),
        cmocka_unit_test(test_cancel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
