/* engine_rerank.c - training the scaled path's re-ranker (engine_scaled.c
 * uses it), each time an index past the dense classifier's budget is
 * built: the knowledge's own phrasings (entries' questions and
 * alternates, out-of-scope.txt's lines) and the questions of examples/,
 * at most ENG_RR_MAX_PHRASINGS of them taken evenly, are each scored by
 * BM25F as if that phrasing were not in the index (leave one out, as the
 * dense path's calibration does; examples/ is in no index); the
 * best ENG_RR_TOP_K entries are the candidates, each an example labelled
 * 1 when it is the phrasing's entry (an out-of-scope line has none). A
 * logistic regression over the candidates' features (standardized, with a
 * small L2 penalty) is fitted by Newton's method, so its output is the
 * probability, on phrasings the index did not hold, that a candidate is
 * the right entry. The weights come from this fit; the constants here are
 * sizes and the solver's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/log.h"
#include "match/engine_cache.h"
#include "match/engine_int.h"

#define RR_L2 1.0        /* penalty on the standardized weights (not the intercept) */
#define RR_NEWTON 30     /* Newton steps at most */
#define RR_TOL 1e-7      /* stop when a step changes the loss by less, per example */
#define RR_MIN_POS 20    /* fewer right candidates than this: no re-ranker */
#define RR_DIM (ENG_RR_NFEAT + 1) /* the weights and the intercept (last) */
#define RR_KIND "CBRRANK\n" /* a re-ranker's record in the model cache */
#define RR_NREC (1 + 3 * ENG_RR_NFEAT + 7) /* trained, w, b, mean, sd, 4 counts, 2 figures */
#define RR_MAX_LABELS 8  /* right entries of one question of examples/ */

/* The examples: features, labels. */
typedef struct rrData {
    double (*x)[ENG_RR_NFEAT];
    uint8_t *y;
    size_t n, cap, phrasings, right_first;
} rrData;

static void rrReserve(rrData *d, size_t more) {
    if (d->n + more <= d->cap) return;
    d->cap = (d->n + more) * 2;
    d->x = cbRealloc(d->x, d->cap * sizeof(*d->x));
    d->y = cbRealloc(d->y, d->cap * sizeof(*d->y));
}

/* One phrasing of entry label (nentries: out of scope), the place-th of
 * its entry or of out-of-scope.txt: scored with it left out, its
 * candidates added as examples. place UINT32_MAX: a question of
 * examples/, which is in no index and is scored as it is. */
/* The right entries of a phrasing: its entry, or for a question of
 * examples/ every id of its line (a question with two is right for
 * both: one row per id would label each candidate 1 and 0 at once). */
typedef struct rrLabels {
    uint32_t v[RR_MAX_LABELS];
    size_t n;
} rrLabels;

static int rrRight(const rrLabels *l, uint32_t c) {
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i] == c) return 1;
    return 0;
}

static void rrPhrasing(const engIndex *ix, const char *text, const rrLabels *right, uint32_t place,
                       engTerms *x, rrData *d) {
    uint32_t label = right->v[0];
    char *norm = NULL;
    size_t nl = 0;
    if (engAnalyze(ix, text, strlen(text), 0, x, NULL) != CB_OK ||
        txtNormalize(text, strlen(text), &norm, &nl, NULL) != CB_OK)
        return;
    int oos = label >= ix->k->nentries, indexed = place != UINT32_MAX;
    uint32_t loo = oos || !indexed ? UINT32_MAX : label;
    engScoreExample(ix, x, loo, norm, nl);
    double oev = engOosEvidence(ix, x, oos && indexed ? text : NULL);
    uint32_t cand[ENG_RR_TOP_K];
    size_t n = engSelectTop(ix->scr, ENG_RR_TOP_K, cand);
    rrReserve(d, n);
    engRerankFeatures(ix, cand, n, loo, place, oev, d->x + d->n);
    for (size_t i = 0; i < n; i++) d->y[d->n + i] = (uint8_t)rrRight(right, cand[i]);
    d->right_first += n > 0 && rrRight(right, cand[0]);
    d->n += n;
    d->phrasings++;
    engScratchReset(ix);
    free(norm);
}

/* A walk over every phrasing in order: the entries' questions and
 * alternates, then out-of-scope.txt's lines, then the questions of
 * examples/. */
typedef struct rrWalk {
    size_t e, base; /* the entry reached, and the index of its question */
} rrWalk;

/* Example i's entry (nentries: out of scope); UINT32_MAX for an id that
 * names no entry. */
static uint32_t rrExampleLabel(const kb *k, size_t i) {
    const char *id = k->train_ids.v[i];
    const kbEntry *en = *id ? kbFindEntry(k, id) : NULL;
    return en ? (uint32_t)(en - k->entries) : *id ? UINT32_MAX : (uint32_t)k->nentries;
}

/* Every id of example i's line (its examples are consecutive). */
static void rrLineLabels(const kb *k, size_t i, rrLabels *l) {
    const kbExampleAt *at = k->train_at;
    size_t from = i, to = i + 1;
    while (at && from > 0 && at[from - 1].file == at[i].file && at[from - 1].line == at[i].line)
        from--;
    while (at && to < k->train_q.n && at[to].file == at[i].file && at[to].line == at[i].line) to++;
    l->n = 0;
    l->v[l->n++] = rrExampleLabel(k, i); /* its own first */
    for (size_t j = from; j < to && l->n < RR_MAX_LABELS; j++) {
        uint32_t c = rrExampleLabel(k, j);
        if (j != i && c != UINT32_MAX) l->v[l->n++] = c;
    }
}

/* Phrasing i (never less than the last asked): its text, its right
 * entries and *place as rrPhrasing takes them; NULL for an example of an
 * entry that is gone. */
static const char *rrNth(const kb *k, rrWalk *w, size_t i, rrLabels *right, uint32_t *place) {
    while (w->e < k->nentries && i > w->base + k->entries[w->e].alternates.n)
        w->base += 1 + k->entries[w->e++].alternates.n;
    right->n = 1;
    if (w->e < k->nentries) {
        const kbEntry *en = &k->entries[w->e];
        size_t j = i - w->base;
        right->v[0] = (uint32_t)w->e, *place = (uint32_t)j;
        return j ? en->alternates.v[j - 1] : en->question;
    }
    i -= w->base;
    if (i < k->out_of_scope.n) {
        right->v[0] = (uint32_t)k->nentries, *place = (uint32_t)i;
        return k->out_of_scope.v[i];
    }
    i -= k->out_of_scope.n;
    *place = UINT32_MAX;
    rrLineLabels(k, i, right);
    return right->v[0] != UINT32_MAX ? k->train_q.v[i] : NULL;
}

/* At most ENG_RR_MAX_PHRASINGS phrasings, evenly spread over all. */
static void rrCollect(const engIndex *ix, rrData *d) {
    const kb *k = ix->k;
    size_t total = k->out_of_scope.n + k->train_q.n;
    for (size_t e = 0; e < k->nentries; e++) total += 1 + k->entries[e].alternates.n;
    size_t want = total < ENG_RR_MAX_PHRASINGS ? total : ENG_RR_MAX_PHRASINGS;
    engTerms x;
    engTermsInit(&x);
    rrWalk w = {0, 0};
    for (size_t taken = 0; taken < want; taken++) {
        rrLabels right;
        uint32_t place;
        const char *t = rrNth(k, &w, (size_t)((double)taken * (double)total / (double)want),
                              &right, &place);
        if (t) rrPhrasing(ix, t, &right, place, &x, d);
    }
    engTermsFree(&x);
}

/* ---- the fit ---- */

static void rrStandardize(const rrData *d, engRerank *r) {
    for (int k = 0; k < ENG_RR_NFEAT; k++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < d->n; i++) m += d->x[i][k];
        m /= (double)d->n;
        for (size_t i = 0; i < d->n; i++) v += (d->x[i][k] - m) * (d->x[i][k] - m);
        v /= (double)d->n;
        r->mean[k] = m;
        r->sd[k] = v > 1e-18 ? sqrt(v) : 1; /* a constant feature: weight 0 by the penalty */
    }
}

/* Example i's standardized features, 1 last (the intercept's). */
static void rrRow(const rrData *d, const engRerank *r, size_t i, double *z) {
    for (int k = 0; k < ENG_RR_NFEAT; k++) z[k] = (d->x[i][k] - r->mean[k]) / r->sd[k];
    z[ENG_RR_NFEAT] = 1;
}

/* The penalized log loss at w; with g and h, its gradient and Hessian. */
static double rrLoss(const rrData *d, const engRerank *r, const double *w, double *g, double *h) {
    double loss = 0, z[RR_DIM];
    if (g) memset(g, 0, RR_DIM * sizeof(*g));
    if (h) memset(h, 0, RR_DIM * RR_DIM * sizeof(*h));
    for (size_t i = 0; i < d->n; i++) {
        rrRow(d, r, i, z);
        double a = 0;
        for (int k = 0; k < RR_DIM; k++) a += w[k] * z[k];
        double p = 1 / (1 + exp(-a));
        loss += d->y[i] ? log1p(exp(-a)) : log1p(exp(a));
        if (!g) continue;
        for (int k = 0; k < RR_DIM; k++) {
            g[k] += (p - d->y[i]) * z[k];
            for (int l = 0; l <= k; l++) h[k * RR_DIM + l] += p * (1 - p) * z[k] * z[l];
        }
    }
    for (int k = 0; k < ENG_RR_NFEAT; k++) {
        loss += RR_L2 / 2 * w[k] * w[k];
        if (g) g[k] += RR_L2 * w[k], h[k * RR_DIM + k] += RR_L2;
    }
    for (int k = 0; h && k < RR_DIM; k++)
        for (int l = k + 1; l < RR_DIM; l++) h[k * RR_DIM + l] = h[l * RR_DIM + k];
    return loss;
}

/* Solve h s = g by Cholesky (h is positive definite: the penalty, and the
 * intercept's curvature); CB_ERR when it is not, numerically. */
static int rrSolve(double *h, const double *g, double *s) {
    for (int j = 0; j < RR_DIM; j++) {
        for (int k = 0; k < j; k++) h[j * RR_DIM + j] -= h[j * RR_DIM + k] * h[j * RR_DIM + k];
        if (h[j * RR_DIM + j] <= 1e-12) return CB_ERR;
        h[j * RR_DIM + j] = sqrt(h[j * RR_DIM + j]);
        for (int i = j + 1; i < RR_DIM; i++) {
            for (int k = 0; k < j; k++) h[i * RR_DIM + j] -= h[i * RR_DIM + k] * h[j * RR_DIM + k];
            h[i * RR_DIM + j] /= h[j * RR_DIM + j];
        }
    }
    for (int i = 0; i < RR_DIM; i++) { /* L y = g, then L' s = y */
        s[i] = g[i];
        for (int k = 0; k < i; k++) s[i] -= h[i * RR_DIM + k] * s[k];
        s[i] /= h[i * RR_DIM + i];
    }
    for (int i = RR_DIM - 1; i >= 0; i--) {
        for (int k = i + 1; k < RR_DIM; k++) s[i] -= h[k * RR_DIM + i] * s[k];
        s[i] /= h[i * RR_DIM + i];
    }
    return CB_OK;
}

/* Newton's method from the base rate, halving a step that does not
 * lower the loss. */
static void rrFit(const rrData *d, size_t pos, engRerank *r) {
    double w[RR_DIM] = {0}, g[RR_DIM], h[RR_DIM * RR_DIM], s[RR_DIM], t[RR_DIM];
    w[ENG_RR_NFEAT] = log((double)pos / (double)(d->n - pos));
    double loss = rrLoss(d, r, w, NULL, NULL);
    for (int it = 0; it < RR_NEWTON; it++) {
        rrLoss(d, r, w, g, h);
        if (rrSolve(h, g, s) != CB_OK) break;
        double step = 1, next = loss;
        for (int half = 0; half < 30; half++, step /= 2) {
            for (int k = 0; k < RR_DIM; k++) t[k] = w[k] - step * s[k];
            if ((next = rrLoss(d, r, t, NULL, NULL)) < loss) break;
        }
        if (next >= loss) break;
        memcpy(w, t, sizeof(w));
        double gain = loss - next;
        loss = next;
        if (gain < RR_TOL * (double)d->n) break;
    }
    memcpy(r->w, w, ENG_RR_NFEAT * sizeof(*w));
    r->b = w[ENG_RR_NFEAT];
    r->logloss = loss / (double)d->n;
}

int engRerankTrain(engIndex *ix, char *err) {
    (void)err;
    double t0 = cbNowMs();
    rrData d = {0};
    rrCollect(ix, &d);
    size_t pos = 0;
    for (size_t i = 0; i < d.n; i++) pos += d.y[i];
    if (pos >= RR_MIN_POS && pos < d.n) { /* else: the BM25F share (engine_scaled.c) */
        engRerank *r = cbCalloc(1, sizeof(*r));
        rrStandardize(&d, r);
        rrFit(&d, pos, r);
        r->phrasings = d.phrasings;
        r->examples = d.n;
        r->positives = pos;
        r->right_first = d.right_first;
        r->train_ms = cbNowMs() - t0;
        ix->rerank = r;
    }
    free(d.x);
    free(d.y);
    return CB_OK;
}

/* ---- in the model cache (a record: engine_cache.h) ---- */

void engRerankSave(const engIndex *ix, const char *dir, const uint8_t *key) {
    double v[RR_NREC] = {0};
    const engRerank *r = ix->rerank;
    if (r) {
        double *p = v;
        *p++ = 1;
        memcpy(p, r->w, sizeof(r->w));
        p += ENG_RR_NFEAT;
        *p++ = r->b;
        memcpy(p, r->mean, sizeof(r->mean));
        p += ENG_RR_NFEAT;
        memcpy(p, r->sd, sizeof(r->sd));
        p += ENG_RR_NFEAT;
        const double rest[6] = {(double)r->phrasings, (double)r->examples, (double)r->positives,
                                (double)r->right_first, r->logloss, r->train_ms};
        memcpy(p, rest, sizeof(rest));
    }
    char msg[CB_ERRLEN];
    if (mdcSaveRecord(dir, key, RR_KIND, v, RR_NREC, msg) != CB_OK)
        logEvent(LOG_WARN, "model.cache_unwritten", "msg=\"%s\"", msg);
}

/* A count as stored: a whole number in [0, 2^53]. */
static int rrCount(double v, size_t *out) {
    if (!(v >= 0 && v <= 9007199254740992.0) || v != floor(v)) return 0;
    *out = (size_t)v;
    return 1;
}

int engRerankLoad(engIndex *ix, const char *dir, const uint8_t *key) {
    double v[RR_NREC];
    if (mdcLoadRecord(dir, key, RR_KIND, v, RR_NREC) != CB_OK) return CB_ERR;
    if (v[0] == 0) return CB_OK; /* none: too little to learn from */
    engRerank *r = cbCalloc(1, sizeof(*r));
    const double *p = v + 1;
    memcpy(r->w, p, sizeof(r->w));
    p += ENG_RR_NFEAT;
    r->b = *p++;
    memcpy(r->mean, p, sizeof(r->mean));
    p += ENG_RR_NFEAT;
    memcpy(r->sd, p, sizeof(r->sd));
    p += ENG_RR_NFEAT;
    int ok = v[0] == 1 && rrCount(p[0], &r->phrasings) && rrCount(p[1], &r->examples) &&
             rrCount(p[2], &r->positives) && rrCount(p[3], &r->right_first);
    for (int k = 0; k < ENG_RR_NFEAT && ok; k++) ok = r->sd[k] > 0;
    if (!ok) { /* the checksum passed: only a foreign writer gets here */
        logEvent(LOG_WARN, "model.cache_ignored", "why=\"a re-ranker out of range\" msg=\"training instead\"");
        free(r);
        return CB_ERR;
    }
    r->logloss = p[4];
    r->train_ms = p[5];
    r->from_cache = 1;
    ix->rerank = r;
    return CB_OK;
}
