/* hash.c - FNV-1a (see hash.h). */
#include "base/hash.h"

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

uint64_t cbFnv1a(const void *p, size_t n, uint64_t seed) {
    const unsigned char *s = p;
    uint64_t h = FNV_OFFSET ^ seed;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * FNV_PRIME;
    return h;
}

uint64_t cbFnv1aStr(const char *s) {
    uint64_t h = FNV_OFFSET;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * FNV_PRIME;
    return h;
}
