/* heap.c - the start-up's heap in transparent huge pages.
 *
 * Why: a start-up allocates about 15 MB of small blocks (entries, the
 * index, the model's feature table), and glibc grows its heap 128 KiB at a
 * time, each 4 KiB page faulted in on first touch. On a virtual machine a
 * fault costs ~10 us, and the 1,000 heap faults were a fifth of a start-up.
 * glibc can ask for huge pages itself (the glibc.malloc.hugetlb tunable),
 * but only from the environment, read before main.
 *
 * How: heapStartupBegin sets a top pad, so the heap grows by 32 MiB at
 * once, grows it, and marks the part no block has touched MADV_HUGEPAGE: a
 * fault there maps 2 MiB. Blocks up to 4 MiB come from the heap rather
 * than mmap (each mmap'd block is faulted page by page). A start-up's peak
 * RSS rises by at most a huge page per region in use (measured: 23.6 -> 26
 * MB); over weeks khugepaged may also fill partly used regions of the
 * marked range (at most its 32 MiB, as THP "always" would).
 *
 * heapStartupEnd gives the bot steady settings for the rest of its life:
 * the small top pad again, and the mmap and trim thresholds glibc's own
 * self-adjusting ones reach once a 4 MiB block has been freed (setting any
 * of them turns that adjustment off for good, so they are set explicitly:
 * blocks over 4 MiB are mmap'd and given back when freed, the heap is
 * trimmed when 8 MiB at its top are free). */
#include "base/heap.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/common.h"

#define HEAP_PAD ((size_t)32 << 20)          /* bytes the heap grows by at once */
#define HEAP_MMAP_FROM ((size_t)4 << 20)     /* blocks from here up are mmap'd */
#define HEAP_DEFAULT_PAD ((size_t)128 << 10) /* glibc's M_TOP_PAD */
#define HEAP_TRIM_FROM (2 * HEAP_MMAP_FROM)  /* as glibc's adjustment sets it */

void heapStartupBegin(void) {
    /* mallopt returns 1 on success: 0 where it is not glibc's (ASan's). */
    if (mallopt(M_TOP_PAD, (int)HEAP_PAD) != 1) return;
    (void)mallopt(M_MMAP_THRESHOLD, (int)HEAP_MMAP_FROM);
    /* A block larger than the free top makes the heap grow now, by the pad. */
    struct mallinfo2 mi = mallinfo2();
    uintptr_t brk0 = (uintptr_t)sbrk(0);
    size_t want = mi.keepcost + 4096;
    char *block = malloc(want);
    if (!block) return;
    uintptr_t brk1 = (uintptr_t)sbrk(0), at = (uintptr_t)block;
    uintptr_t from = (at + 4096 + CB_HUGE_PAGE - 1) & ~(uintptr_t)(CB_HUGE_PAGE - 1);
    uintptr_t to = brk1 & ~(uintptr_t)(CB_HUGE_PAGE - 1);
    free(block);
    /* Only the heap's new part: the block carved from the old top (or from
     * a heap started now, at brk0) and the break moved past it. When brk
     * could not grow (a mapping in the way, a data limit) glibc mmaps the
     * block instead, anywhere. */
    uintptr_t top0 = brk0 - mi.keepcost - 4 * sizeof(size_t); /* the old top's header */
    if (brk1 <= brk0 || at < top0 || at + want > brk1 || to <= from) return;
    /* A hint: where the kernel has no huge pages it fails and nothing changes. */
    (void)madvise((void *)from, to - from, MADV_HUGEPAGE); // NOLINT(performance-no-int-to-ptr)
}

void heapStartupEnd(void) {
    (void)mallopt(M_TOP_PAD, (int)HEAP_DEFAULT_PAD);
    (void)mallopt(M_MMAP_THRESHOLD, (int)HEAP_MMAP_FROM);
    (void)mallopt(M_TRIM_THRESHOLD, (int)HEAP_TRIM_FROM);
    (void)malloc_trim(0); /* what the start-up freed (a training's arrays) goes back now */
}
