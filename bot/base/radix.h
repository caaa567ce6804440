/* radix.h - a stable sort of fixed-size records by a 64-bit key, in
 * slices: an LSD radix sort, whose passes are done a
 * chunk of records at a time until a deadline. The running bot's reload
 * sorts millions of records (the index's bigrams, the phrasings' keys)
 * while its one loop must keep serving; qsort is one block of up to a
 * quarter of a second at 100,000 entries, this is as many short slices
 * as the caller likes, and faster in all (4 linear passes of 16-bit
 * digits; 8 of 8-bit digits for fewer than 65,536 records). */
#ifndef CB_RADIX_H
#define CB_RADIX_H

#include <stddef.h>

typedef struct cbRadixJob cbRadixJob;

/* Sort v[0..n) (records of size bytes) by the uint64_t at byte offset off
 * of each record, ascending; records with equal keys keep their order. */
cbRadixJob *cbRadixBegin(void *v, size_t n, size_t size, size_t off);
/* Work until cbNowMs() reaches deadline (at least one chunk of
 * CB_RADIX_CHUNK records); 1 when v is sorted, else 0. */
int cbRadixStep(cbRadixJob *j, double deadline);
/* Free the job (NULL is fine). v is sorted when cbRadixStep said 1; a job
 * freed before that leaves v a mix of records (some twice, some lost):
 * records owning memory must be sorted to the end before it is freed. */
void cbRadixFree(cbRadixJob *j);
/* Begin, step until sorted, free. */
void cbRadixSort(void *v, size_t n, size_t size, size_t off);

#define CB_RADIX_CHUNK 1024 /* records between two looks at the clock */

#endif
