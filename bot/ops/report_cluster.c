/* report_cluster.c - the default question featurizer (stems and character
 * 3-grams, hashed, weighted, L2-normalized; cosine similarity) and greedy
 * single-link grouping bounded in work: each text is compared with at most
 * RC_LINK_MEMBERS members of each group, so n texts in g groups cost
 * O(n * g * RC_LINK_MEMBERS) comparisons of short sparse vectors. */
#include "ops/report_cluster.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/hash.h"
#include "kb/kb.h"
#include "match/text.h"

#define RC_LINK_MEMBERS 8
#define RC_WORD_WEIGHT 1.0  /* a shared stem */
#define RC_GRAM_WEIGHT 0.35 /* a shared character 3-gram: "devs"/"developers" */

typedef struct rcFeat {
    uint64_t h;
    double w;
} rcFeat;

typedef struct rcVec {
    rcFeat *v;
    size_t n, cap;
} rcVec;


static void rcPush(rcVec *v, uint64_t h, double w) {
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 32;
        v->v = cbRealloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = (rcFeat){h, w};
}

static int rcCmp(const void *a, const void *b) {
    uint64_t x = ((const rcFeat *)a)->h, y = ((const rcFeat *)b)->h;
    return x < y ? -1 : x > y;
}

/* Sort, merge equal features (weights add), normalize to length 1. */
static void rcFinish(rcVec *v) {
    if (!v->n) return;
    qsort(v->v, v->n, sizeof *v->v, rcCmp);
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (k && v->v[k - 1].h == v->v[i].h) v->v[k - 1].w += v->v[i].w;
        else v->v[k++] = v->v[i];
    }
    v->n = k;
    double norm = 0;
    for (size_t i = 0; i < k; i++) norm += v->v[i].w * v->v[i].w;
    norm = sqrt(norm);
    for (size_t i = 0; i < k; i++) v->v[i].w /= norm;
}

/* Character 3-grams of "^word$" (on bytes: good enough for grouping). */
static void rcGrams(rcVec *v, const char *word) {
    char buf[TXT_MAX_TOKEN + 3];
    size_t n = strlen(word);
    if (n > TXT_MAX_TOKEN) n = TXT_MAX_TOKEN;
    snprintf(buf, sizeof buf, "^%.*s$", (int)n, word);
    for (size_t i = 0; i + 3 <= n + 2; i++) rcPush(v, cbFnv1a(buf + i, 3, 2), RC_GRAM_WEIGHT);
}

static void *rcMake(void *ud, const char *text) {
    txtCtx *c = ud;
    txtToks t;
    txtToksInit(&t);
    char err[CB_ERRLEN];
    rcVec *v = cbCalloc(1, sizeof *v);
    if (text && txtAnalyze(c, text, strlen(text), &t, err) == CB_OK) {
        for (size_t i = 0; i < t.n; i++) {
            const char *stem = txtStem(&t, i);
            rcPush(v, cbFnv1a(stem, strlen(stem), 1), RC_WORD_WEIGHT);
            rcGrams(v, txtRaw(&t, i));
        }
    }
    txtToksFree(&t);
    rcFinish(v);
    if (v->n) return v;
    free(v->v);
    free(v);
    return NULL;
}

static double rcCosine(void *ud, const void *pa, const void *pb) {
    (void)ud;
    const rcVec *a = pa, *b = pb;
    double dot = 0;
    for (size_t i = 0, j = 0; i < a->n && j < b->n;) {
        if (a->v[i].h == b->v[j].h) dot += a->v[i++].w * b->v[j++].w;
        else if (a->v[i].h < b->v[j].h) i++;
        else j++;
    }
    return dot;
}

static void rcRelease(void *ud, void *p) {
    (void)ud;
    rcVec *v = p;
    if (!v) return;
    free(v->v);
    free(v);
}

static void rcDestroy(void *ud) { txtFree(ud); }

int rcDefaultFeaturizer(rcFeaturizer *f, char *err) {
    memset(f, 0, sizeof *f);
    kbStrs stop;
    kbStopWordsBuiltIn(&stop);
    txtCtx *c = txtNew((const char *const *)stop.v, stop.n, err);
    kbStrsFree(&stop);
    if (!c) return CB_ERR;
    *f = (rcFeaturizer){.ud = c, .make = rcMake, .similarity = rcCosine, .release = rcRelease,
                        .destroy = rcDestroy};
    return CB_OK;
}

void rcFeaturizerFree(rcFeaturizer *f) {
    if (f && f->destroy) f->destroy(f->ud);
    if (f) memset(f, 0, sizeof *f);
}

typedef struct rcGroup {
    size_t members[RC_LINK_MEMBERS];
    size_t n;
} rcGroup;

/* The group whose linked members are most similar to feats[i]; *best gets
 * the similarity (-1 when there is no group). */
static size_t rcNearest(const rcFeaturizer *f, void **feats, const rcGroup *g, size_t ng,
                        size_t i, double *best) {
    size_t at = 0;
    *best = -1;
    for (size_t k = 0; k < ng && feats[i]; k++)
        for (size_t m = 0; m < g[k].n; m++) {
            void *other = feats[g[k].members[m]];
            double s = other ? f->similarity(f->ud, feats[i], other) : 0;
            if (s > *best) {
                *best = s;
                at = k;
            }
        }
    return at;
}

size_t rcCluster(const rcFeaturizer *f, const char *const *texts, size_t n, double threshold,
                 size_t *cluster_of) {
    void **feats = cbCalloc(n ? n : 1, sizeof *feats);
    rcGroup *g = cbCalloc(n ? n : 1, sizeof *g);
    size_t ng = 0;
    for (size_t i = 0; i < n; i++) feats[i] = f->make(f->ud, texts[i]);
    for (size_t i = 0; i < n; i++) {
        double best;
        size_t k = rcNearest(f, feats, g, ng, i, &best);
        if (best < threshold || !feats[i]) k = ng++;
        cluster_of[i] = k;
        if (g[k].n < RC_LINK_MEMBERS) g[k].members[g[k].n++] = i;
    }
    for (size_t i = 0; i < n; i++) f->release(f->ud, feats[i]);
    free(feats);
    free(g);
    return ng;
}
