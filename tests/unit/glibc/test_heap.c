/* test_heap.c - base/heap.c: after heapStartupBegin the heap has grown by
 * its pad, the untouched part is marked for huge pages (where the kernel
 * has them), mid-sized blocks come from the heap rather than mmap; after
 * heapStartupEnd freed memory is trimmed from the heap again and large
 * blocks are mmap'd.
 * Built without sanitizers (tests/unit/glibc/): ASan replaces glibc's
 * allocator, and with it everything this module tunes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/common.h"
#include "base/heap.h"

#define MIB ((size_t)1 << 20)

static uintptr_t brkNow(void) { return (uintptr_t)sbrk(0); }

/* Bytes of [from, to) in mappings whose VmFlags carry "hg" (MADV_HUGEPAGE). */
static size_t hugeMarked(uintptr_t from, uintptr_t to) {
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    char line[512];
    uintptr_t lo = 0, hi = 0;
    size_t marked = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long a, b;
        if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            lo = a, hi = b;
        } else if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " hg") && hi > from && lo < to) {
            marked += (hi < to ? hi : to) - (lo > from ? lo : from);
        }
    }
    fclose(f);
    return marked;
}

static int kernelHasHugePages(void) {
    return access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0;
}

/* The break before and after heapStartupBegin, called first thing in
 * main as careerbot's main does (the heap may not exist yet then). */
static uintptr_t brkBefore, brkAfter;

static void test_begin_and_end(void **state) {
    (void)state;
    uintptr_t before = brkBefore, grown = brkAfter;
    assert_true(grown >= before + 16 * MIB); /* grown once, by the pad */
    if (kernelHasHugePages()) assert_true(hugeMarked(before, grown) >= 16 * MIB);

    char *first = malloc(64);
    assert_non_null(first);
    char *mid = malloc(MIB); /* from the heap now, not a mapping of its own */
    assert_non_null(mid);
    assert_true((uintptr_t)mid >= before && (uintptr_t)mid + MIB <= brkNow());
    memset(mid, 1, MIB);
    free(mid);
    assert_true(brkNow() >= before + 16 * MIB); /* freeing keeps the pad */

    heapStartupEnd();
    char *small[64];
    for (size_t i = 0; i < CB_ARRAY_LEN(small); i++) small[i] = malloc(64 << 10);
    for (size_t i = CB_ARRAY_LEN(small); i-- > 0;) free(small[i]);
    assert_true(brkNow() < before + 8 * MIB); /* trimmed again */
    char *big = malloc(6 * MIB); /* over the steady threshold: mmap'd */
    assert_non_null(big);
    assert_true((uintptr_t)big < before || (uintptr_t)big >= brkNow());
    free(big);
    free(first);
}

int main(void) {
    brkBefore = brkNow();
    heapStartupBegin();
    brkAfter = brkNow();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_begin_and_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
