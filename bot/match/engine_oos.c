/* engine_oos.c - lexical evidence for "out of scope": how much of a
 * question one line of out-of-scope.txt holds word for word.
 *
 * Each entry's confidence weighs its lexical evidence (engine_query.c:
 * BM25F over its fields) besides the classifier's logits. Without a
 * counterpart, the out-of-scope class could win on its logits alone, and
 * a question that is exactly an out-of-scope line ("how old are you") lost
 * to an entry that shares its one informative word ("am I too old to
 * switch?"). So the class gets evidence of the same kind: the largest
 * share of the question's weight (questionMass: the idf of its known
 * terms, the highest idf for each unknown one) that a single line holds.
 * Its weight in the confidence (gamma) is fitted out of fold with the
 * temperature and beta (engine_calib.c), so the data says how much it
 * counts; a training line is scored without itself (leave one out).
 *
 * Built once per index: the lines' analyzed terms (stems, synonyms) as
 * (term hash, line) pairs sorted by hash, found by binary search for each
 * distinct term of a question. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/engine_int.h"

#define OOS_HASH_SEED 106
#define OOS_MAX_TERMS 256 /* distinct terms of a question looked up */

static int cmpPost(const void *a, const void *b) {
    const engOosPost *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

static uint64_t termHash(const char *stem) { return engHash(stem, strlen(stem), OOS_HASH_SEED); }

void engBuildOos(engIndex *ix) {
    const kb *k = ix->k;
    size_t cap = 0;
    engTerms x;
    engTermsInit(&x);
    for (size_t l = 0; l < k->out_of_scope.n; l++) {
        const char *s = k->out_of_scope.v[l];
        if (!s || engAnalyze(ix, s, strlen(s), 0, &x, NULL) != CB_OK) continue;
        for (size_t t = 0; t < x.out.n; t++) {
            if (ix->noos == cap) {
                cap = cap ? cap * 2 : 256;
                ix->oos = cbRealloc(ix->oos, cap * sizeof(*ix->oos));
            }
            const char *stem = txtStem(&x.out, t);
            double w = engTermWeight(ix, engTermId(ix, stem));
            ix->oos[ix->noos++] = (engOosPost){termHash(stem), (uint32_t)l, (float)w};
        }
    }
    engTermsFree(&x);
    if (!ix->noos) return;
    qsort(ix->oos, ix->noos, sizeof(*ix->oos), cmpPost);
    size_t o = 0; /* a term twice in a line counts once */
    for (size_t i = 0; i < ix->noos; i++)
        if (!o || ix->oos[o - 1].hash != ix->oos[i].hash || ix->oos[o - 1].line != ix->oos[i].line)
            ix->oos[o++] = ix->oos[i];
    ix->noos = o;
    ix->oos_mass = cbCalloc(k->out_of_scope.n, sizeof(*ix->oos_mass));
    for (size_t i = 0; i < ix->noos; i++) ix->oos_mass[ix->oos[i].line] += ix->oos[i].weight;
    ix->scr->oos_acc = cbCalloc(k->out_of_scope.n, sizeof(*ix->scr->oos_acc));
    ix->scr->oos_touched = cbCalloc(k->out_of_scope.n, sizeof(*ix->scr->oos_touched));
}

/* Add weight w to every line holding the term with hash h, except self. */
static void addTerm(const engIndex *ix, uint64_t h, double w, const char *self, size_t *nt) {
    engScratch *s = ix->scr;
    size_t lo = engKeyLowerBound(ix->oos, ix->noos, sizeof(*ix->oos), h);
    for (; lo < ix->noos && ix->oos[lo].hash == h; lo++) {
        uint32_t l = ix->oos[lo].line;
        if (self && ix->k->out_of_scope.v[l] == self) continue;
        if (s->oos_acc[l] == 0) s->oos_touched[(*nt)++] = l;
        s->oos_acc[l] += (float)w;
    }
}

double engOosEvidence(const engIndex *ix, const engTerms *x, const char *self) {
    engScratch *s = ix->scr;
    if (!ix->noos || s->mass <= 0) return 0;
    uint64_t seen[OOS_MAX_TERMS];
    size_t nseen = 0, nt = 0;
    for (size_t i = 0; i < x->out.n && nseen < OOS_MAX_TERMS; i++) {
        const char *stem = txtStem(&x->out, i);
        uint64_t h = termHash(stem);
        int dup = 0;
        for (size_t j = 0; j < nseen && !dup; j++) dup = seen[j] == h;
        if (dup) continue;
        seen[nseen++] = h;
        addTerm(ix, h, engTermWeight(ix, engTermId(ix, stem)), self, &nt);
    }
    double best = 0;
    for (size_t i = 0; i < nt; i++) {
        uint32_t l = s->oos_touched[i];
        double whole = s->mass > ix->oos_mass[l] ? s->mass : ix->oos_mass[l];
        double v = s->oos_acc[l] / whole;
        if (v > best) best = v;
        s->oos_acc[l] = 0;
    }
    return best < 1 ? best : 1;
}
