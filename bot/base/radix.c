/* radix.c - a stable LSD radix sort by a 64-bit key, in slices (see
 * radix.h). Each pass counts the digits, turns the counts into offsets
 * and scatters the records into a second buffer, a chunk at a time; a
 * pass whose digit is the same for every record is skipped. The records
 * end in the caller's array. Digits are 16 bits (4 passes) for 65,536
 * records or more, else 8 bits (8 passes): a pass costs the records plus
 * the digits, and 65,536 counters cleared and summed for a few thousand
 * records cost more than the records (the bundled knowledge's). */
#include "base/radix.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

#define BIG_DIGITS 65536 /* 16-bit digits, from this many records */

enum { R_COUNT, R_SCATTER, R_DONE };

struct cbRadixJob {
    unsigned char *v, *a, *b; /* the caller's array; the pass's source and target */
    size_t n, size, off;
    size_t *cnt;              /* the digit counts, then the offsets */
    size_t digits;            /* 256 or 65,536 */
    size_t next;              /* the next record of the pass */
    int bits, shift, stage;
};

static uint64_t keyAt(const cbRadixJob *j, const unsigned char *base, size_t i) {
    uint64_t k;
    memcpy(&k, base + i * j->size + j->off, sizeof(k));
    return k;
}

static size_t digitAt(const cbRadixJob *j, const unsigned char *base, size_t i) {
    return (size_t)(keyAt(j, base, i) >> j->shift) & (j->digits - 1);
}

cbRadixJob *cbRadixBegin(void *v, size_t n, size_t size, size_t off) {
    cbRadixJob *j = cbCalloc(1, sizeof(*j));
    j->v = j->a = v;
    j->n = n;
    j->size = size;
    j->off = off;
    j->stage = n > 1 ? R_COUNT : R_DONE;
    j->bits = n >= BIG_DIGITS ? 16 : 8;
    j->digits = (size_t)1 << j->bits;
    if (n > 1) {
        j->b = cbMalloc(n * size);
        j->cnt = cbCalloc(j->digits, sizeof(*j->cnt));
    }
    return j;
}

/* The counts become offsets; 0 when one digit holds every record (the
 * pass changes nothing and is skipped). */
static int countsToOffsets(cbRadixJob *j) {
    size_t sum = 0;
    for (size_t d = 0; d < j->digits; d++) {
        size_t c = j->cnt[d];
        if (c == j->n) return 0;
        j->cnt[d] = sum;
        sum += c;
    }
    return 1;
}

/* The next pass, or the end: the records back in the caller's array. */
static void nextPass(cbRadixJob *j) {
    j->shift += j->bits;
    j->next = 0;
    memset(j->cnt, 0, j->digits * sizeof(*j->cnt));
    if (j->shift < 64) {
        j->stage = R_COUNT;
        return;
    }
    if (j->a != j->v) memcpy(j->v, j->a, j->n * j->size);
    j->stage = R_DONE;
}

/* One chunk of the current stage. */
static void radixChunk(cbRadixJob *j) {
    size_t end = j->next + CB_RADIX_CHUNK < j->n ? j->next + CB_RADIX_CHUNK : j->n;
    if (j->stage == R_COUNT) {
        for (size_t i = j->next; i < end; i++) j->cnt[digitAt(j, j->a, i)]++;
        j->next = end;
        if (end < j->n) return;
        j->next = 0;
        if (countsToOffsets(j)) j->stage = R_SCATTER;
        else nextPass(j);
        return;
    }
    for (size_t i = j->next; i < end; i++)
        memcpy(j->b + j->cnt[digitAt(j, j->a, i)]++ * j->size, j->a + i * j->size, j->size);
    j->next = end;
    if (end < j->n) return;
    unsigned char *t = j->a;
    j->a = j->b;
    j->b = t;
    nextPass(j);
}

int cbRadixStep(cbRadixJob *j, double deadline) {
    do {
        if (j->stage == R_DONE) return 1;
        radixChunk(j);
    } while (cbNowMs() < deadline);
    return j->stage == R_DONE;
}

void cbRadixFree(cbRadixJob *j) {
    if (!j) return;
    free(j->a == j->v ? j->b : j->a); /* the buffer that is not the caller's */
    free(j->cnt);
    free(j);
}

void cbRadixSort(void *v, size_t n, size_t size, size_t off) {
    cbRadixJob *j = cbRadixBegin(v, n, size, off);
    while (!cbRadixStep(j, INFINITY)) {
    }
    cbRadixFree(j);
}
