/* engine_map.c - the engine's small data structures: a string -> id hash
 * map, a 64-bit key -> many ids multimap, and the typo index (SymSpell
 * style: every knowledge word and its variants with one or two letters
 * deleted go in a multimap; a query word's own deletion variants then find
 * every candidate within the edit distance in a few lookups, which stays
 * fast with a 100k-entry knowledge base). */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/hash.h"
#include "match/engine_int.h"

uint64_t engHash(const void *p, size_t n, uint64_t seed) {
    uint64_t h = cbFnv1a(p, n, seed); /* then a final mix */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

void engMapInit(engMap *m) { memset(m, 0, sizeof(*m)); }

void engMapFree(engMap *m) {
    free(m->h);
    free(m->val);
    free(m->koff);
    free(m->arena);
    engMapInit(m);
}

static size_t mapFind(const engMap *m, uint64_t h, const char *k, size_t n) {
    size_t mask = m->cap - 1, i = h & mask;
    while (m->h[i]) {
        if (m->h[i] == h) {
            const char *key = m->arena + m->koff[i];
            if (memcmp(key, k, n) == 0 && key[n] == '\0') return i;
        }
        i = (i + 1) & mask;
    }
    return i;
}

int engMapGet(const engMap *m, const char *k, size_t n, uint32_t *val) {
    if (m->cap == 0) return 0;
    size_t i = mapFind(m, engHash(k, n, 0), k, n);
    if (!m->h[i]) return 0;
    *val = m->val[i];
    return 1;
}

static void mapGrow(engMap *m) {
    engMap o = *m;
    m->cap = o.cap ? o.cap * 2 : 64;
    m->h = cbCalloc(m->cap, sizeof(*m->h));
    m->val = cbMalloc(m->cap * sizeof(*m->val));
    m->koff = cbMalloc(m->cap * sizeof(*m->koff));
    for (size_t i = 0; i < o.cap; i++) {
        if (!o.h[i]) continue;
        size_t j = o.h[i] & (m->cap - 1);
        while (m->h[j]) j = (j + 1) & (m->cap - 1);
        m->h[j] = o.h[i];
        m->val[j] = o.val[i];
        m->koff[j] = o.koff[i];
    }
    free(o.h);
    free(o.val);
    free(o.koff);
}

uint32_t engMapPut(engMap *m, const char *k, size_t n, uint32_t val) {
    if ((m->n + 1) * 2 > m->cap) mapGrow(m);
    uint64_t h = engHash(k, n, 0);
    size_t i = mapFind(m, h, k, n);
    if (m->h[i]) return m->val[i];
    if (m->alen + n + 1 > m->acap) {
        m->acap = (m->alen + n + 1) * 2;
        m->arena = cbRealloc(m->arena, m->acap);
    }
    memcpy(m->arena + m->alen, k, n);
    m->arena[m->alen + n] = '\0';
    m->h[i] = h;
    m->val[i] = val;
    m->koff[i] = (uint32_t)m->alen;
    m->alen += n + 1;
    m->n++;
    return val;
}

uint32_t *engMapRef(engMap *m, const char *k, size_t n) {
    if (m->cap == 0) return NULL;
    size_t i = mapFind(m, engHash(k, n, 0), k, n);
    return m->h[i] ? &m->val[i] : NULL;
}

void engMultiInit(engMulti *m) { memset(m, 0, sizeof(*m)); }

void engMultiFree(engMulti *m) {
    free(m->key);
    free(m->val);
    engMultiInit(m);
}

static void multiGrow(engMulti *m) {
    engMulti o = *m;
    m->cap = o.cap ? o.cap * 2 : 256;
    m->key = cbCalloc(m->cap, sizeof(*m->key));
    m->val = cbMalloc(m->cap * sizeof(*m->val));
    for (size_t i = 0; i < o.cap; i++) {
        if (!o.key[i]) continue;
        size_t j = o.key[i] & (m->cap - 1);
        while (m->key[j]) j = (j + 1) & (m->cap - 1);
        m->key[j] = o.key[i];
        m->val[j] = o.val[i];
    }
    free(o.key);
    free(o.val);
}

void engMultiAdd(engMulti *m, uint64_t key, uint32_t val) {
    if (!key) key = 1;
    if ((m->n + 1) * 2 > m->cap) multiGrow(m);
    size_t i = key & (m->cap - 1);
    for (; m->key[i]; i = (i + 1) & (m->cap - 1))
        if (m->key[i] == key && m->val[i] == val) return; /* already there */
    m->key[i] = key;
    m->val[i] = val;
    m->n++;
}

void engMultiEach(const engMulti *m, uint64_t key, void (*fn)(uint32_t val, void *ud), void *ud) {
    if (!m->cap) return;
    if (!key) key = 1;
    size_t i = key & (m->cap - 1);
    while (m->key[i]) {
        if (m->key[i] == key) fn(m->val[i], ud);
        i = (i + 1) & (m->cap - 1);
    }
}
