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
 * than mmap (each mmap'd block is faulted page by page). Only touched huge
 * pages are resident: a start-up's peak RSS rises by at most one huge page
 * per region in use (measured: 23.6 -> 26 MB). heapStartupEnd restores the
 * defaults so the bot's heap is trimmed again as its reloads free memory. */
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
#define HEAP_DEFAULT_MMAP ((size_t)128 << 10) /* glibc's first M_MMAP_THRESHOLD */

void heapStartupBegin(void) {
    /* mallopt returns 1 on success: 0 where it is not glibc's (ASan's). */
    if (mallopt(M_TOP_PAD, (int)HEAP_PAD) != 1) return;
    (void)mallopt(M_MMAP_THRESHOLD, (int)HEAP_MMAP_FROM);
    /* A block larger than the free top makes the heap grow now, by the pad. */
    struct mallinfo2 mi = mallinfo2();
    void *block = malloc(mi.keepcost + 4096);
    if (!block) return;
    uintptr_t from = ((uintptr_t)block + 4096 + CB_HUGE_PAGE - 1) & ~(uintptr_t)(CB_HUGE_PAGE - 1);
    uintptr_t to = (uintptr_t)sbrk(0) & ~(uintptr_t)(CB_HUGE_PAGE - 1);
    free(block);
    /* A hint: where the kernel has no huge pages it fails and nothing changes. */
    if (to > from) (void)madvise((void *)from, to - from, MADV_HUGEPAGE); // NOLINT(performance-no-int-to-ptr)
}

void heapStartupEnd(void) {
    (void)mallopt(M_TOP_PAD, (int)HEAP_DEFAULT_PAD);
    (void)mallopt(M_MMAP_THRESHOLD, (int)HEAP_DEFAULT_MMAP);
}
