/* engine_scaled.c - the confidence past the dense classifier's budget
 * (more entries than engDenseMax, see engine_train.c), where the index
 * keeps no per-entry model: the candidates are the best ENG_RR_TOP_K entries
 * by BM25F, and a small learned re-ranker (engine_rerank.c trains it when
 * the index is built) gives each the probability that it is the right
 * entry: a logistic model over features of the candidate and of the
 * question (below), fitted on the knowledge's own phrasings each scored
 * as if it were not in the index, so its output is calibrated on
 * questions the index did not see. Its weights come from that fit; none
 * is written here. Without a re-ranker (a knowledge with too few
 * phrasings to fit one) the confidence is the share of the candidates'
 * BM25F score mass, as before. A maintainer's pattern still lifts its
 * entry to at least pattern_confidence (engine_query.c, as on the dense
 * path). */
#include <math.h>
#include <string.h>

#include "match/engine_int.h"

#define SCALED_TEMP 1.0 /* the fallback: idf units per factor e of odds */

/* What the whole question says, the same for every candidate. */
typedef struct rrQuestion {
    double mass;     /* its informative weight (scr->mass) */
    double unknown;  /* share of it no entry matches */
    double oos;      /* out-of-scope evidence (engine_oos.c) */
    double touched;  /* log(1 + entries touched) */
    double nterms;   /* log(1 + distinct known terms) */
} rrQuestion;

/* Does the posting p of a term still count for its entry when the
 * phrasing of entry loo is left out? */
static double postImpact(const engPost *p, uint32_t loo) {
    return p->entry == loo ? p->impact_loo : p->impact;
}

static rrQuestion questionOf(const engIndex *ix, uint32_t loo, double oos) {
    const engScratch *s = ix->scr;
    rrQuestion q = {.mass = s->mass > 0 ? s->mass : 1, .oos = oos};
    double matched = 0;
    for (size_t i = 0; i < s->nq; i++) { /* a term only the left-out phrasing had is unknown */
        const engTerm *t = &ix->terms[s->qterm[i]];
        const engPost *p = &ix->posts[t->off];
        if (!(t->n == 1 && p->entry == loo && p->impact_loo <= 0)) matched += t->idf;
    }
    q.unknown = matched < q.mass ? 1 - matched / q.mass : 0;
    q.touched = log1p((double)s->ntouched);
    q.nterms = log1p((double)s->nq);
    return q;
}

/* Shares of the question's weight candidate c matches: in all, through
 * its question and alternates, through keywords only, through the answer
 * only (with entry loo's phrasing left out). */
static void fieldShares(const engIndex *ix, uint32_t c, uint32_t loo, double mass, double *f) {
    const engScratch *s = ix->scr;
    double qs = 0, ks = 0, as = 0;
    for (size_t i = 0; i < s->nq; i++) {
        const engPost *p = engFindPost(ix, s->qterm[i], c);
        if (!p || postImpact(p, loo) <= 0) continue;
        double w = ix->terms[s->qterm[i]].idf * s->qmult[i];
        int inq = (p->fields & ENG_F_Q) && (c != loo || (p->fields & ENG_F_Q2));
        if (inq) qs += w;
        else if (p->fields & ENG_F_K) ks += w;
        else as += w;
    }
    f[ENG_RR_COVER] = fmin(1, (qs + ks + as) / mass);
    f[ENG_RR_QFIELD] = fmin(1, qs / mass);
    f[ENG_RR_KFIELD] = fmin(1, ks / mass);
    f[ENG_RR_AFIELD] = fmin(1, as / mass);
}

/* Rank of c among cand[0..n) by the terms' score alone (0: best). */
static size_t termsRank(const engScratch *s, const uint32_t *cand, size_t n, uint32_t c) {
    size_t r = 0;
    for (size_t i = 0; i < n; i++)
        r += s->acc_terms[cand[i]] > s->acc_terms[c] ||
             (s->acc_terms[cand[i]] == s->acc_terms[c] && cand[i] < c);
    return r;
}

void engRerankFeatures(const engIndex *ix, const uint32_t *cand, size_t n, uint32_t loo,
                       uint32_t loo_ph, double oos, double (*f)[ENG_RR_NFEAT]) {
    const engScratch *s = ix->scr;
    rrQuestion q = questionOf(ix, loo, oos);
    double best = 0, sum = 0;
    for (size_t i = 0; i < n; i++) best = fmax(best, s->acc_terms[cand[i]]);
    for (size_t i = 0; i < n; i++) sum += exp(s->acc_terms[cand[i]] - best);
    sum += exp(-best); /* "none of them": a score of 0 */
    engPhraseMark(ix, 1);
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cand[i];
        double sc = s->acc_terms[c], other = 0;
        for (size_t j = 0; j < n; j++)
            if (j != i) other = fmax(other, s->acc_terms[cand[j]]);
        size_t r = termsRank(s, cand, n, c);
        double *v = f[i];
        v[ENG_RR_SCORE] = sc;
        v[ENG_RR_GAP] = best - sc;
        v[ENG_RR_MARGIN] = sc - other;
        v[ENG_RR_FIRST] = r == 0;
        v[ENG_RR_RANK] = log1p((double)r);
        v[ENG_RR_EVIDENCE] = fmin(1, sc / q.mass);
        fieldShares(ix, c, loo, q.mass, v);
        v[ENG_RR_PATTERN] = (s->flags[c] & ENG_FLAG_PATTERN) != 0;
        v[ENG_RR_UNKNOWN] = q.unknown;
        v[ENG_RR_OOS] = q.oos;
        v[ENG_RR_TOUCHED] = q.touched;
        v[ENG_RR_NTERMS] = q.nterms;
        v[ENG_RR_SOFTMAX] = exp(sc - best) / sum;
        engPhraseMatch(ix, c, c == loo ? loo_ph : UINT32_MAX, q.mass, &v[ENG_RR_PHBOTH],
                       &v[ENG_RR_PHCOVER]);
    }
    engPhraseMark(ix, 0);
}

double engRerankProb(const engRerank *r, const double *f) {
    double z = r->b;
    for (int k = 0; k < ENG_RR_NFEAT; k++) z += r->w[k] * (f[k] - r->mean[k]) / r->sd[k];
    return 1 / (1 + exp(-z));
}

/* Before the re-ranker: a softmax of the BM25F scores over every entry
 * touched, with "none of them" as a score of 0. */
static size_t softmaxConfidence(const engIndex *ix, double *conf, uint32_t *cand) {
    const engScratch *s = ix->scr;
    size_t n = 0;
    double mx = 0, sum = 0;
    for (size_t i = 0; i < s->ntouched; i++) {
        uint32_t e = s->touched[i];
        if (s->acc[e] <= 0) continue;
        cand[n++] = e;
        if (s->acc[e] > mx) mx = s->acc[e];
    }
    for (size_t i = 0; i < n; i++) sum += conf[cand[i]] = exp((s->acc[cand[i]] - mx) / SCALED_TEMP);
    sum += exp(-mx / SCALED_TEMP);
    for (size_t i = 0; i < n; i++) conf[cand[i]] /= sum;
    return n;
}

size_t engScaledConfidence(const engIndex *ix, double *conf, uint32_t *cand) {
    const engScratch *s = ix->scr;
    size_t n;
    if (!ix->rerank) {
        n = softmaxConfidence(ix, conf, cand);
    } else {
        n = engSelectTop(s, ENG_RR_TOP_K, cand);
        double f[ENG_RR_TOP_K][ENG_RR_NFEAT];
        engRerankFeatures(ix, cand, n, UINT32_MAX, UINT32_MAX, s->oos_ev, f);
        for (size_t i = 0; i < n; i++) conf[cand[i]] = engRerankProb(ix->rerank, f[i]);
    }
    return n;
}

size_t engDenseMax(const engIndex *ix) {
    return ix->p.dense_max ? ix->p.dense_max : ENG_DENSE_MAX;
}

void engScaledInfo(const engIndex *ix, engScaled *out) {
    memset(out, 0, sizeof(*out));
    const engRerank *r = ix->rerank;
    if (!r) return;
    *out = (engScaled){.trained = 1, .phrasings = r->phrasings, .examples = r->examples,
                       .positives = r->positives, .right_first = r->right_first,
                       .logloss = r->logloss, .train_ms = r->train_ms,
                       .from_cache = r->from_cache};
}
