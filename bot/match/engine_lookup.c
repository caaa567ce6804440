/* engine_lookup.c - the knowledge's lookup lists (lookups.yaml) as
 * features of the classifier, as Rasa's lookup tables are: each word of a
 * list is analyzed like a question's (stem, synonyms), and a question or
 * example with any of those terms gets the list's feature besides its
 * own. The model learns the list's weight from the examples that use any
 * of its words, so a few lines teach it for every word of the list.
 *
 * Built once per index: a sorted array of (term hash, bit set of lists),
 * looked up by binary search for each analyzed term. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/engine_int.h"

static int cmpStem(const void *a, const void *b) {
    uint64_t x = ((const engLookupStem *)a)->hash, y = ((const engLookupStem *)b)->hash;
    return x < y ? -1 : x > y;
}

static void addStem(engIndex *ix, const char *stem, size_t list, size_t *cap) {
    if (ix->nlookup == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        ix->lookup = cbRealloc(ix->lookup, *cap * sizeof(*ix->lookup));
    }
    ix->lookup[ix->nlookup++] = (engLookupStem){engHash(stem, strlen(stem), 105), 1ULL << list};
}

void engBuildLookups(engIndex *ix) {
    const kb *k = ix->k;
    size_t cap = 0;
    engTerms x;
    engTermsInit(&x);
    for (size_t l = 0; l < k->nlookups && l < 64; l++)
        for (size_t w = 0; w < k->lookups[l].words.n; w++) {
            const char *word = k->lookups[l].words.v[w];
            if (engAnalyze(ix, word, strlen(word), 0, &x, NULL) != CB_OK) continue;
            for (size_t t = 0; t < x.out.n; t++) addStem(ix, txtStem(&x.out, t), l, &cap);
        }
    engTermsFree(&x);
    if (!ix->nlookup) return;
    qsort(ix->lookup, ix->nlookup, sizeof(*ix->lookup), cmpStem);
    size_t o = 0; /* one row per term, its lists or'ed */
    for (size_t i = 0; i < ix->nlookup; i++) {
        if (o && ix->lookup[o - 1].hash == ix->lookup[i].hash) ix->lookup[o - 1].lists |= ix->lookup[i].lists;
        else ix->lookup[o++] = ix->lookup[i];
    }
    ix->nlookup = o;
}

/* The lists term is in (0: none). */
static uint64_t listsOf(const engIndex *ix, const char *term) {
    uint64_t h = engHash(term, strlen(term), 105);
    size_t lo = engKeyLowerBound(ix->lookup, ix->nlookup, sizeof(*ix->lookup), h);
    return lo < ix->nlookup && ix->lookup[lo].hash == h ? ix->lookup[lo].lists : 0;
}

void engLookupKeys(const engIndex *ix, const txtToks *terms, mdlKeys *keys) {
    if (!ix->nlookup) return;
    uint64_t lists = 0;
    for (size_t i = 0; i < terms->n; i++) lists |= listsOf(ix, txtStem(terms, i));
    for (size_t l = 0; l < ix->k->nlookups && lists; l++)
        if (lists & (1ULL << l)) {
            mdlKeysAddTerm(keys, ix->k->lookups[l].name);
            lists &= ~(1ULL << l);
        }
}
