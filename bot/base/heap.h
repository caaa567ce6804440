/* heap.h - the start-up's heap in transparent huge pages (see heap.c). */
#ifndef CB_HEAP_H
#define CB_HEAP_H

/* From now on the heap grows in one large step whose untouched part is
 * asked for in huge pages; mid-sized blocks come from it too. Safe to call
 * once at the start of main; a no-op where the allocator is not glibc's
 * (sanitizers) or the kernel offers no huge pages. */
void heapStartupBegin(void);

/* Steady settings for a process that runs on after its start-up (the
 * bot): the small top pad again, blocks over 4 MiB mmap'd, the heap
 * trimmed as blocks are freed. */
void heapStartupEnd(void);

#endif
