/* engine_query.c - answering a question with the index built by engine.c:
 * analyze (normalize, tokenize, fix typos, apply synonyms), score entries
 * with BM25F (the impacts of the query's terms, bigram and pattern
 * bonuses: the candidates, and the ranking when there is no model), then
 * rank and decide with the learned classifier (engine_model.h): its
 * calibrated probability is the confidence. A maintainer's pattern is an
 * explicit override: its entry comes first, at least as sure as
 * matching.json's pattern_confidence. Everything is bounded: the question
 * is cut to ENG_MAX_QUERY bytes (patterns see all of it) and patterns run
 * with PCRE2 match/depth limits (a limit error counts as no match). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/asking.h"
#include "match/engine_int.h"

#define BIGRAM_BONUS 0.5 /* times the smaller idf of the pair */
#define COMMON_DF 256 /* postings; see isCommon() */
#define TYPO_RANK 0.8  /* a corrected word ranks a little less */

void engTermsInit(engTerms *x) { memset(x, 0, sizeof(*x)); }

void engTermsFree(engTerms *x) {
    txtToksFree(&x->t);
    txtToksFree(&x->f);
    txtToksFree(&x->out);
    free(x->corrected);
    engTermsInit(x);
}

int engAnalyze(const engIndex *ix, const char *s, size_t len, int fix, engTerms *x, char *err) {
    txtToksReset(&x->t);
    txtToksReset(&x->f);
    if (txtAnalyze(ix->txt, s, len, &x->t, err) != CB_OK) return CB_ERR;
    if (!fix) {
        engCanon(ix, &x->t, NULL, x);
        return CB_OK;
    }
    uint8_t *corr = cbCalloc(x->t.n + 1, 1);
    for (size_t i = 0; i < x->t.n; i++) {
        const char *raw = txtRaw(&x->t, i), *fixd = NULL;
        if (engTermId(ix, txtStem(&x->t, i)) == ENG_NOTERM)
            fixd = engTypoCorrect(&ix->typo, raw, NULL);
        if (fixd && txtIsStop(ix->txt, fixd)) { /* misspelt filler: dropped like the word */
            x->f.nstop++;
            continue;
        }
        corr[x->f.n] = fixd != NULL; /* indexed like x->f */
        if (fixd) txtToksPush(ix->txt, &x->f, fixd, strlen(fixd), NULL);
        else txtToksPush(ix->txt, &x->f, raw, strlen(raw), txtStem(&x->t, i));
    }
    engCanon(ix, &x->f, corr, x);
    free(corr);
    return CB_OK;
}

/* The query's distinct terms with their weights. */
typedef struct qTerm {
    uint32_t id; /* ENG_NOTERM when unknown to the knowledge */
    uint32_t pos; /* index in the analyzed terms */
    float mult;  /* TYPO_RANK when corrected, else 1 */
} qTerm;

static size_t queryTerms(const engIndex *ix, const engTerms *x, qTerm *q) {
    size_t n = 0;
    for (size_t i = 0; i < x->out.n && n < ENG_MAX_QTERMS; i++) {
        uint32_t id = engTermId(ix, txtStem(&x->out, i));
        if (id == ENG_NOTERM) continue;
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++) dup = q[j].id == id;
        if (dup) continue;
        q[n++] = (qTerm){.id = id, .pos = (uint32_t)i, .mult = x->corrected[i] ? TYPO_RANK : 1.0f};
    }
    return n;
}

/* The idf of the question's known terms, plus the highest idf for each
 * word the knowledge never uses: what an entry would match in full. At
 * most the largest a training phrasing has (the model's evidence_cap): a
 * long post with a preamble is not asked to be matched on more than the
 * most detailed phrasing of the knowledge, or no entry could ever match
 * it well. */
static double questionMass(const engIndex *ix, const engTerms *x, const qTerm *q, size_t nq) {
    double m = 0;
    for (size_t i = 0; i < nq; i++) m += engTermWeight(ix, q[i].id);
    for (size_t i = 0; i < x->out.n; i++) {
        uint32_t id = engTermId(ix, txtStem(&x->out, i));
        if (id == ENG_NOTERM) m += engTermWeight(ix, id);
    }
    double cap = ix->model ? ix->model->evidence_cap : 0; /* no model yet: training */
    return cap > 0 && m > cap ? cap : m;
}

enum { SEEN = 1, BIGRAM = 2, PATTERN = ENG_FLAG_PATTERN };

static void touch(engScratch *s, uint32_t e) {
    if (s->flags[e] & SEEN) return;
    s->flags[e] = SEEN;
    s->acc[e] = 0;
    s->acc_terms[e] = 0;
    s->touched[s->ntouched++] = e;
}

typedef struct bigramCtx {
    engScratch *s;
    double bonus;
} bigramCtx;

static void bigramHit(uint32_t e, bigramCtx *b) {
    if (!(b->s->flags[e] & SEEN)) return; /* outside the topic filter */
    b->s->acc[e] += (float)b->bonus;
    b->s->flags[e] |= BIGRAM;
}

static void addPost(engScratch *s, const engPost *p, const qTerm *q) {
    float v = (p->entry == s->loo ? p->impact_loo : p->impact) * q->mult;
    s->acc[p->entry] += v;
    s->acc_terms[p->entry] += v;
}

/* A very common term ("python" in a big knowledge base) has long postings
 * and little weight. When the query has rarer terms, only the entries
 * those found get the common term's share: by binary search in its
 * postings (sorted by entry), or one pass when many entries were found. */
static int isCommon(const engIndex *ix, const engTerm *t) {
    return t->n > COMMON_DF && t->n * 32 > ix->k->nentries;
}

static void addCommon(const engIndex *ix, const engTerm *t, const qTerm *q) {
    engScratch *s = ix->scr;
    const engPost *p = &ix->posts[t->off];
    if (s->ntouched * 8 > t->n) {
        for (size_t j = 0; j < t->n; j++)
            if (s->flags[p[j].entry] & SEEN) addPost(s, &p[j], q);
        return;
    }
    for (size_t i = 0; i < s->ntouched; i++) {
        uint32_t e = s->touched[i];
        size_t lo = 0, hi = t->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (p[mid].entry < e) lo = mid + 1;
            else hi = mid;
        }
        if (lo < t->n && p[lo].entry == e) addPost(s, &p[lo], q);
    }
}

static void scoreTerms(const engIndex *ix, const qTerm *q, size_t nq, long topic) {
    engScratch *s = ix->scr;
    int rare = 0;
    for (size_t i = 0; i < nq; i++)
        rare |= q[i].id != ENG_NOTERM && !isCommon(ix, &ix->terms[q[i].id]);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nq; i++) {
            if (q[i].id == ENG_NOTERM) continue;
            const engTerm *t = &ix->terms[q[i].id];
            int common = rare && isCommon(ix, t);
            if (common != pass) continue; /* rare terms first, then common ones */
            if (common) {
                addCommon(ix, t, &q[i]);
                continue;
            }
            for (size_t j = 0; j < t->n; j++) {
                const engPost *p = &ix->posts[t->off + j];
                if (topic >= 0 && ix->topic[p->entry] != (uint32_t)topic) continue;
                touch(s, p->entry);
                addPost(s, p, &q[i]);
            }
        }
}

static void scoreBigrams(const engIndex *ix, const engTerms *x) {
    bigramCtx b = {ix->scr, 0};
    for (size_t i = 0; i + 1 < x->out.n; i++) {
        uint32_t a = engTermId(ix, txtStem(&x->out, i)), c = engTermId(ix, txtStem(&x->out, i + 1));
        if (a == ENG_NOTERM || c == ENG_NOTERM || a == c) continue;
        double ia = ix->terms[a].idf, ic = ix->terms[c].idf;
        b.bonus = BIGRAM_BONUS * (ia < ic ? ia : ic);
        uint64_t key = engPairHash(a, c);
        size_t lo = engKeyLowerBound(ix->bigrams, ix->nbigrams, sizeof(*ix->bigrams), key);
        for (; lo < ix->nbigrams && ix->bigrams[lo].key == key; lo++)
            bigramHit(ix->bigrams[lo].entry, &b);
    }
}

/* JIT-compile re once; *jit becomes PAT_JIT_OK, or PAT_JIT_NONE when the
 * compile failed (the interpreter then runs it). 1 when this call did it. */
enum { PAT_JIT_NONE = 1, PAT_JIT_OK = 2 };
static size_t jitOnce(pcre2_code *re, uint8_t *jit) {
    if (!re || *jit) return 0;
    *jit = pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0 ? PAT_JIT_OK : PAT_JIT_NONE;
    return 1;
}

/* Match re (JIT-compiled first, once; the interpreter is the fallback).
 * JIT code goes straight to pcre2_jit_match, PCRE2's fast path: the text
 * is normalized valid UTF-8 and the context's match limit still holds;
 * pcre2_match's checks before it handed over cost ~120 instructions a
 * call, 38 calls a question in the bench. */
static int patternMatch(pcre2_code *re, uint8_t *jit, const char *norm, size_t len,
                        pcre2_match_data *md, pcre2_match_context *mc) {
    jitOnce(re, jit);
    if (*jit == PAT_JIT_OK) return pcre2_jit_match(re, (PCRE2_SPTR)norm, len, 0, 0, md, mc);
    return pcre2_match(re, (PCRE2_SPTR)norm, len, 0, PCRE2_NO_UTF_CHECK, md, mc);
}

size_t engWarm(const engIndex *ix) {
    pthread_mutex_lock(&ix->scr->mu); /* what it builds, queries build under this lock */
    size_t n = engTypoWarm(&ix->typo);
    for (size_t i = 0; i < ix->npats; i++) {
        n += jitOnce(ix->pats[i].filter, &ix->pats[i].filter_jit);
        n += jitOnce(ix->pats[i].code, &ix->pats[i].code_jit);
    }
    pthread_mutex_unlock(&ix->scr->mu);
    return n;
}

/* Maintainers' patterns against the normalized question; bounded. */
static void scorePatterns(const engIndex *ix, const char *norm, size_t len, long topic,
                          double bonus) {
    if (!ix->npats) return;
    int plain = engPlainLower(norm);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    for (size_t i = 0; i < ix->npats; i++) {
        uint32_t e = ix->pats[i].entry;
        if (topic >= 0 && ix->topic[e] != (uint32_t)topic) continue;
        if (ix->scr->flags[e] & PATTERN) continue;
        engPattern *p = &ix->pats[i];
        if (!engPatternMayMatch(p->lits, norm, plain)) continue; /* none of its words */
        if (p->filter && patternMatch(p->filter, &p->filter_jit, norm, len, md, ix->mctx) ==
                             PCRE2_ERROR_NOMATCH)
            continue; /* the necessary part is absent (a limit is no verdict) */
        int rc = patternMatch(p->code, &p->code_jit, norm, len, md, ix->mctx);
        if (rc < 0) continue; /* no match, or a match/depth limit: not a match */
        touch(ix->scr, e);
        ix->scr->acc[e] += (float)bonus;
        ix->scr->flags[e] |= PATTERN;
    }
    pcre2_match_data_free(md);
}

/* Is entry a ranked before entry b? Higher score, then lower index. */
static int better(const engScratch *s, uint32_t a, uint32_t b) {
    if (s->acc[a] != s->acc[b]) return s->acc[a] > s->acc[b];
    return a < b; /* ties: the earlier entry */
}

/* The best `top` touched entries, best first (insertion into a short list). */
size_t engSelectTop(const engScratch *s, size_t top, uint32_t *best) {
    size_t n = 0;
    for (size_t i = 0; i < s->ntouched; i++) {
        uint32_t e = s->touched[i];
        if (s->acc[e] <= 0) continue;
        if (n == top && !better(s, e, best[n - 1])) continue;
        size_t j = n < top ? n++ : n - 1;
        while (j > 0 && better(s, e, best[j - 1])) {
            best[j] = best[j - 1];
            j--;
        }
        best[j] = e;
    }
    return n;
}

/* The entries the classifier may choose (the topic filter), or NULL. */
static const uint8_t *allowed(const engIndex *ix, long topic) {
    if (topic < 0) return NULL;
    uint8_t *a = ix->scr->allow;
    for (size_t e = 0; e < ix->k->nentries; e++) a[e] = ix->topic[e] == (uint32_t)topic;
    return a;
}

/* The classifier's probabilities into ix->scr->prob (entries, then out of
 * scope), from the analyzed terms (typos fixed) and the normalized text. */
static void classify(const engIndex *ix, const engTerms *x, const char *norm, size_t nl,
                     long topic) {
    engScratch *s = ix->scr;
    mdlKeysOf(&x->out, norm, nl, &s->keys);
    engLookupKeys(ix, &x->out, &s->keys);
    mdlVectorize(ix->model, &s->keys, &s->vec);
    engEvidence(ix, s->conf, ix->model->nclass); /* conf is free until modelConfidence */
    s->conf[ix->model->nclass - 1] = engOosEvidence(ix, x, NULL);
    mdlPredictEv(ix->model, &s->vec, allowed(ix, topic), s->conf, s->prob);
}

/* Does the question have a word the classifier learned? */
static int learnedWord(const engIndex *ix, const engTerms *x, const char *norm, size_t nl) {
    if (!ix->model) return 0;
    engScratch *s = ix->scr;
    mdlKeysOf(&x->out, norm, nl, &s->keys);
    return mdlKnowsTerm(ix->model, &s->keys);
}

/* Touched entry e's evidence: its terms' score over the question's
 * weight, at most 1. */
static double evidenceOf(const engScratch *s, uint32_t e) {
    double v = s->mass > 0 ? s->acc_terms[e] / s->mass : 0;
    return v < 1 ? v : 1;
}

void engEvidence(const engIndex *ix, double *ev, size_t nclass) {
    const engScratch *s = ix->scr;
    memset(ev, 0, nclass * sizeof(*ev));
    for (size_t i = 0; i < s->ntouched; i++) ev[s->touched[i]] = evidenceOf(s, s->touched[i]);
}

/* Score a training phrasing's terms as if it were not in entry loo's
 * postings, and set the question's weight; its terms into q, how many. */
static size_t scoreLeftOut(const engIndex *ix, const engTerms *x, uint32_t loo, qTerm *q) {
    engScratch *s = ix->scr;
    size_t nq = queryTerms(ix, x, q);
    s->ntouched = 0;
    s->loo = loo;
    scoreTerms(ix, q, nq, -1);
    s->loo = UINT32_MAX;
    s->mass = questionMass(ix, x, q, nq);
    return nq;
}

size_t engExampleEvidence(const engIndex *ix, const engTerms *x, uint32_t label, const char *self,
                          uint32_t **ent, float **val) {
    engScratch *s = ix->scr;
    qTerm q[ENG_MAX_QTERMS];
    (void)scoreLeftOut(ix, x, label, q);
    if (s->mass > s->mass_max) s->mass_max = s->mass;
    *ent = cbMalloc((s->ntouched + 1) * sizeof(**ent));
    *val = cbMalloc((s->ntouched + 1) * sizeof(**val));
    size_t n = 0;
    double oos = engOosEvidence(ix, x, self);
    if (oos > 0) (*ent)[n] = (uint32_t)ix->k->nentries, (*val)[n++] = (float)oos;
    for (size_t i = 0; i < s->ntouched; i++) {
        uint32_t e = s->touched[i];
        double v = evidenceOf(s, e);
        if (v > 0) (*ent)[n] = e, (*val)[n++] = (float)v;
        s->flags[e] = 0;
    }
    s->ntouched = 0;
    return n;
}

/* Is entry a surer than entry b (confidence, then the probability before
 * the map made them equal, if any, then the earlier entry)? */
static int surer(const double *conf, const double *raw, uint32_t a, uint32_t b) {
    if (conf[a] != conf[b]) return conf[a] > conf[b];
    if (raw && raw[a] != raw[b]) return raw[a] > raw[b];
    return a < b;
}

/* The best `top` entries by conf (over cand[0..n)), best first. */
static size_t selectSure(const double *conf, const double *raw, const uint32_t *cand, size_t n,
                         size_t top, uint32_t *best) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t e = cand[i];
        if (k == top && !surer(conf, raw, e, best[k - 1])) continue;
        size_t j = k < top ? k++ : k - 1;
        while (j > 0 && surer(conf, raw, e, best[j - 1])) {
            best[j] = best[j - 1];
            j--;
        }
        best[j] = e;
    }
    return k;
}

/* Confidence per entry: the classifier's probability as its out-of-fold
 * worth says (mdlRecalApply), over every entry of the topic. */
static size_t modelConfidence(const engIndex *ix, long topic, double *conf, uint32_t *cand) {
    const engScratch *s = ix->scr;
    size_t n = 0;
    for (size_t e = 0; e < ix->k->nentries; e++) {
        if (topic >= 0 && ix->topic[e] != (uint32_t)topic) continue;
        conf[e] = mdlRecalApply(&ix->model->recal, s->prob[e]);
        cand[n++] = (uint32_t)e;
    }
    return n;
}

/* What maintainers said outright, on either path: an entry whose question
 * or alternate the question is word for word (engine_verbatim.c) is at
 * least pattern_conf sure (when the topic filter lets it in); so is an
 * entry whose pattern matched, but on a question longer than any phrasing
 * of the knowledge (its weight at the model's evidence_cap) only when the
 * confidence already ranks that entry first. A pattern is written against
 * questions like the knowledge's; in a long post it meets its words on
 * the way to something else ("I use FastAPI every day... how do I start
 * contributing to open source?"), and the entry the whole question points
 * to stays first. Nor does a pattern lift an entry the classifier gives
 * less than matching.json's pattern_floor: a pattern written for "is
 * freelancing worth it" also matches "taxes as a freelance developer", and
 * a classifier that learned the out-of-scope examples knows better. The
 * new candidate count. */
static size_t liftOverrides(const engIndex *ix, const engVerbatim *ph, long topic, double *conf,
                            uint32_t *cand, size_t n) {
    const engScratch *s = ix->scr;
    double cap = ix->model ? ix->model->evidence_cap : 0;
    uint32_t only = UINT32_MAX; /* the entry ranked first, as fillHits ranks them */
    if (n && cap > 0 && s->mass >= cap) (void)selectSure(conf, s->prob, cand, n, 1, &only);
    for (size_t i = 0; i < n; i++) {
        uint32_t e = cand[i];
        if (only != UINT32_MAX && e != only) continue;
        if ((s->flags[e] & SEEN) && (s->flags[e] & PATTERN) && conf[e] < ix->pattern_conf &&
            conf[e] >= ix->pattern_floor)
            conf[e] = ix->pattern_conf;
    }
    if (!ph || ph->label >= ix->k->nentries) return n;
    uint32_t e = ph->label;
    if (topic >= 0 && ix->topic[e] != (uint32_t)topic) return n;
    size_t i = 0;
    while (i < n && cand[i] != e) i++;
    if (i == n) conf[e] = 0, cand[n++] = e; /* the scaled path's candidates missed it */
    if (conf[e] < ix->pattern_conf) conf[e] = ix->pattern_conf;
    return n;
}

static void fillHits(const engIndex *ix, const engVerbatim *ph, long topic, size_t top,
                     engResult *out) {
    engScratch *s = ix->scr;
    double *conf = s->conf;
    size_t n = ix->model ? modelConfidence(ix, topic, conf, s->cand)
                         : engScaledConfidence(ix, conf, s->cand);
    n = liftOverrides(ix, ph, topic, conf, s->cand, n);
    uint32_t best[ENG_MAX_TOP];
    size_t k = selectSure(conf, ix->model ? s->prob : NULL, s->cand, n, top ? top : 1, best);
    for (size_t i = 0; i < k; i++) {
        uint32_t e = best[i];
        double sc = (s->flags[e] & SEEN) ? s->acc[e] : 0;
        out->hits[out->nhits++] = (engHit){.entry = &ix->k->entries[e], .score = sc,
                                           .confidence = conf[e],
                                           .pattern = (s->flags[e] & SEEN) && (s->flags[e] & PATTERN)};
    }
    double c = out->nhits ? out->hits[0].confidence : 0;
    out->outcome = out->nhits && c >= ix->answer_thr    ? ENG_ANSWER
                   : out->nhits && c >= ix->suggest_thr ? ENG_DID_YOU_MEAN
                                                        : ENG_ABSTAIN;
    if (out->nhits > top) out->nhits = top;
}

/* A declined question that the main classifier finds out of scope (as
 * sure as the answer threshold, surer than any entry): the section the
 * section classifier finds for it, when that one is as sure as
 * matching.json's redirect_threshold and a named one (see
 * engResult.decline_section). Reuses the vector classify()
 * made (the section model has its own features: vectorized again). */
static void declineSection(const engIndex *ix, engResult *out) {
    const mdlModel *m = ix->model, *sm = ix->sections;
    if (!m || !sm || out->outcome == ENG_ANSWER) return;
    double oos = ix->scr->prob[m->nclass - 1];
    double top = out->nhits ? out->hits[0].confidence : 0;
    if (oos < ix->answer_thr || oos <= top) return;
    mdlVectorize(sm, &ix->scr->keys, &ix->scr->vec);
    double *p = ix->scr->prob; /* the entries' are copied into hits already */
    mdlPredict(sm, &ix->scr->vec, NULL, p);
    size_t best = 1;
    for (size_t c = 2; c < sm->nclass; c++)
        if (p[c] > p[best]) best = c;
    if (p[best] < ix->redirect_thr) return;
    out->decline_section = ix->k->out_of_scope_sections.v[best];
    out->decline_confidence = p[best];
}

/* A question that is word for word a line of out-of-scope.txt: declined
 * as its author said, with the line's section (when it has a name) and no
 * choices. */
static void declineVerbatim(const engIndex *ix, const engVerbatim *ph, engResult *out) {
    const kb *k = ix->k;
    uint32_t sec = k->out_of_scope_section ? k->out_of_scope_section[ph->line] : 0;
    const char *name = sec < k->out_of_scope_sections.n ? k->out_of_scope_sections.v[sec] : NULL;
    out->outcome = ENG_ABSTAIN;
    out->nhits = 0;
    out->decline_section = name && *name ? name : NULL;
    out->decline_confidence = out->decline_section ? 1.0 : 0.0;
}

/* Score and rank; the caller holds the scratch lock. */
/* A pattern's bonus: more than every term of the question could give. */
static double patternBonus(const engIndex *ix, const qTerm *q, size_t nq) {
    double bonus = 1.0;
    for (size_t i = 0; i < nq; i++) bonus += ix->terms[q[i].id].idf;
    return bonus;
}

/* The question's terms, for the scaled path's re-ranker (engine_scaled.c). */
static void keepTerms(engScratch *s, const qTerm *q, size_t nq) {
    for (size_t i = 0; i < nq; i++) s->qterm[i] = q[i].id, s->qmult[i] = q[i].mult;
    s->nq = nq;
}

void engScoreExample(const engIndex *ix, const engTerms *x, uint32_t loo, const char *norm,
                     size_t nl) {
    qTerm q[ENG_MAX_QTERMS];
    size_t nq = scoreLeftOut(ix, x, loo, q);
    keepTerms(ix->scr, q, nq);
    if (norm) scorePatterns(ix, norm, nl, -1, patternBonus(ix, q, nq));
}

void engScratchReset(const engIndex *ix) {
    for (size_t i = 0; i < ix->scr->ntouched; i++) ix->scr->flags[ix->scr->touched[i]] = 0;
    ix->scr->ntouched = 0;
}

/* The hits for one text, the whole message or its asking part (askedPart);
 * with_section also names a decline's out-of-scope section, which only the
 * whole message's result shows. */
static void rank(const engIndex *ix, const engTerms *x, const char *text, size_t len, long topic,
                 size_t top, int with_section, engResult *out) {
    qTerm q[ENG_MAX_QTERMS];
    size_t nq = queryTerms(ix, x, q);
    ix->scr->ntouched = 0;
    ix->scr->mass = questionMass(ix, x, q, nq);
    /* The classifier weighs every entry's evidence and the topic filter
     * only masks its answer (mdlSoftmax): an entry of another topic that
     * fits better keeps the filtered ones as unlikely as they are. The
     * scaled path (no classifier) takes its candidates from the topic. */
    scoreTerms(ix, q, nq, ix->model ? -1 : topic);
    scoreBigrams(ix, x);
    if (!ix->model) { /* the scaled path's re-ranker reads them */
        keepTerms(ix->scr, q, nq);
        ix->scr->oos_ev = engOosEvidence(ix, x, NULL);
    }
    char *norm = NULL;
    size_t nl = 0;
    if (txtNormalize(text, len, &norm, &nl, NULL) == CB_OK)
        scorePatterns(ix, norm, nl, topic, patternBonus(ix, q, nq));
    const engVerbatim *ph = engVerbatimFind(ix, text, len);
    /* Nothing the knowledge knows and no pattern: no hit at all. What it
     * knows is its entries' words (the index) and, with a classifier, the
     * words its training examples taught (examples/ is not indexed: a
     * question in words only examples use is still the classifier's). */
    if (ix->scr->ntouched > 0 || learnedWord(ix, x, norm, norm ? nl : 0)) {
        if (ix->model) classify(ix, x, norm, norm ? nl : 0, topic);
        fillHits(ix, ph, topic, top, out);
        if (with_section) declineSection(ix, out);
    }
    if (ph && ph->label == ix->k->nentries) declineVerbatim(ix, ph, out);
    free(norm);
    for (size_t i = 0; i < ix->scr->ntouched; i++) ix->scr->flags[ix->scr->touched[i]] = 0;
}

#define ENG_MAX_QUESTIONS 4 /* questions of one message read one by one (askedPart) */
/* Words a question needs to be read on its own: "django? fastapi?" and
 * "placement stats? reviews?" list the options of one question. */
#define ENG_MIN_QUESTION_WORDS 3

static size_t wordCount(const char *s, size_t n) {
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += (s[i] != ' ' && s[i] != '\t' && s[i] != '\n') && (i == 0 || s[i - 1] == ' ' ||
                                                             s[i - 1] == '\t' || s[i - 1] == '\n');
    return w;
}

/* One text read alone for askedPart: its best hit (in alone), or NULL. */
static const engHit *askedAlone(const engIndex *ix, const char *s, size_t n, long topic,
                                size_t top, engResult *alone) {
    char err[CB_ERRLEN];
    engTerms x;
    engTermsInit(&x);
    memset(alone, 0, sizeof(*alone));
    if (engAnalyze(ix, s, n, 1, &x, err) == CB_OK)
        rank(ix, &x, s, n, topic, top, 0, alone); /* its section is never shown */
    engTermsFree(&x);
    return alone->nhits ? &alone->hits[0] : NULL;
}

/* Answer out with its first entry when h (a part read alone) agrees with
 * it at asking_part_threshold; 1 if so. */
static int askedAgrees(const engIndex *ix, const engHit *h, engResult *out) {
    if (!h || h->confidence < ix->asking_thr || h->entry != out->hits[0].entry) return 0;
    if (out->outcome != ENG_ANSWER || h->confidence > out->hits[0].confidence)
        out->hits[0].confidence = h->confidence;
    out->hits[0].pattern |= h->pattern;
    out->outcome = ENG_ANSWER;
    out->decline_section = NULL;
    out->decline_confidence = 0;
    out->asked_part = 1;
    return 1;
}

/* A message with two or more questions, answered with one entry: the
 * entry another of its questions alone is sure of (asking_part_threshold),
 * if the whole message ranks it too, as the reply's "you also asked". */
static void askedAlso(const engIndex *ix, const engHit *h, engResult *out) {
    if (!h || h->confidence < ix->asking_thr || h->entry == out->hits[0].entry) return;
    if (out->also_asked && h->confidence <= out->also_confidence) return;
    for (size_t i = 1; i < out->nhits; i++)
        if (out->hits[i].entry == h->entry) {
            out->also_asked = h->entry;
            out->also_confidence = h->confidence;
            return;
        }
}

/* A second look at a message: the sentences that ask, read alone,
 * together and, when there are two or more ("is X legit? and is Y as
 * good?"), each on its own, since two questions split the message's
 * probability between two entries. A message not answered whose first
 * entry is at least a "did you mean" choice is answered with that entry
 * when a look gives it matching.json's asking_part_threshold (above the
 * answer threshold: two looks are two chances to be wrong), at that
 * confidence. Agreement guards it: a bare "what next?" is sure of
 * something the whole message would not offer. An answered message's
 * other questions name their own entry (askedAlso). The caller holds the
 * scratch lock. */
static void askedPart(const engIndex *ix, const char *text, size_t len, long topic, size_t top,
                      engResult *out) {
    if (!out->nhits) return;
    int open = out->outcome != ENG_ANSWER && out->hits[0].confidence >= ix->suggest_thr;
    engResult alone;
    size_t n = 0;
    char *part = open ? askingPart(text, len, &n) : NULL;
    if (part) askedAgrees(ix, askedAlone(ix, part, n, topic, top, &alone), out);
    free(part);
    size_t at[ENG_MAX_QUESTIONS], qn[ENG_MAX_QUESTIONS];
    size_t found = askingSentences(text, len, at, qn, ENG_MAX_QUESTIONS), k = 0;
    for (size_t q = 0; q < found; q++) /* keep the questions, not the options listed */
        if (wordCount(text + at[q], qn[q]) >= ENG_MIN_QUESTION_WORDS) at[k] = at[q], qn[k++] = qn[q];
    if (k < 2 || (!open && out->outcome != ENG_ANSWER)) return;
    for (size_t q = 0; q < k; q++) {
        const engHit *h = askedAlone(ix, text + at[q], qn[q], topic, top, &alone);
        if (open) askedAgrees(ix, h, out);
        askedAlso(ix, h, out);
    }
    if (out->outcome != ENG_ANSWER || out->also_asked == out->hits[0].entry) {
        out->also_asked = NULL;
        out->also_confidence = 0;
    }
}

int engQueryNormalized(const engIndex *ix, const char *text, size_t len, const char *topic,
                       size_t top, engResult *out, char **normalized, char *err) {
    memset(out, 0, sizeof(*out));
    out->outcome = ENG_ABSTAIN;
    if (normalized) *normalized = NULL;
    const char *given = text;
    if (!text) text = "", len = 0;
    if (top > ENG_MAX_TOP) top = ENG_MAX_TOP;
    len = txtUtf8Cut(text, len, ENG_MAX_QUERY);
    if (!cbValidUtf8(text, len))
        return cbErr(err, "the question is not valid UTF-8 text (or contains a NUL byte)");
    long tid = -1;
    if (topic && *topic && (tid = engTopicId(ix, topic)) < 0) { /* no such topic */
        if (normalized) *normalized = engNormalize(ix, given, len);
        return CB_OK;
    }
    engTerms x;
    engTermsInit(&x);
    pthread_mutex_lock(&ix->scr->mu); /* the analyzer and the scratch are shared */
    if (engAnalyze(ix, text, len, 1, &x, err) != CB_OK) {
        pthread_mutex_unlock(&ix->scr->mu);
        engTermsFree(&x);
        return CB_ERR;
    }
    if (normalized && given) *normalized = engCanonJoin(ix, &x.t); /* x.t: as analyzed */
    rank(ix, &x, text, len, tid, top, 1, out);
    askedPart(ix, text, len, tid, top, out);
    pthread_mutex_unlock(&ix->scr->mu);
    engTermsFree(&x);
    return CB_OK;
}

int engQuery(const engIndex *ix, const char *text, size_t len, const char *topic, size_t top,
             engResult *out, char *err) {
    return engQueryNormalized(ix, text, len, topic, top, out, NULL, err);
}
