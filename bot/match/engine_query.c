/* engine_query.c - answering a question with the index built by engine.c:
 * analyze (normalize, tokenize, fix typos, apply synonyms), add up the
 * BM25F impacts of the query's terms per entry, add the bigram and pattern
 * bonuses, keep the best entries and give each a confidence
 * (engine_conf.c). Everything is bounded: the question is cut to
 * ENG_MAX_QUERY bytes, patterns see at most ENG_PAT_SUBJECT bytes and run
 * with PCRE2 match/depth limits (a limit error counts as no match). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/engine_conf.h"
#include "match/engine_int.h"

#define ENG_PAT_SUBJECT 1024
#define ENG_MAX_QTERMS 256
#define BIGRAM_BONUS 0.5 /* times the smaller idf of the pair */
#define COMMON_DF 256 /* postings; see isCommon() */
#define TYPO_RANK 0.8  /* a corrected word ranks a little less... */
#define TYPO_COVER 0.5 /* ...and makes us much less sure: "pilot" is not "pivot" */

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
        if (fixd && txtIsStop(fixd)) { /* misspelt filler: dropped like the word */
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
    float w;     /* informativeness (idf) */
    float mult;  /* TYPO_RANK when corrected, else 1 */
    float cmult; /* TYPO_COVER when corrected, else 1 */
    int inf;     /* a known, informative word (idf >= INF_IDF, not a number) */
} qTerm;

typedef struct qInfo {
    double wsum;  /* total weight of the query's terms */
    double wknown; /* of which terms people ask with (in-vocabulary) */
    int coding;   /* a coding-help cue */
    int ninf;     /* informative known terms */
    int career;   /* a career-intent cue */
    int code;     /* marks of code in the raw text */
    int howto;    /* a how-to phrasing */
    int fact;     /* a question for a fact */
    int support;  /* a word of logistics/support */
    int tech;     /* a word of software work */
} qInfo;

static int sameTerm(const engTerms *x, const qTerm *a, uint32_t id, const char *name) {
    if (id != ENG_NOTERM) return a->id == id;
    return a->id == ENG_NOTERM && strcmp(name, txtStem(&x->out, a->pos)) == 0;
}

static size_t queryTerms(const engIndex *ix, const engTerms *x, qTerm *q, qInfo *qi) {
    size_t n = 0;
    memset(qi, 0, sizeof(*qi));
    for (size_t i = 0; i < x->out.n && n < ENG_MAX_QTERMS; i++) {
        uint32_t id = engTermId(ix, txtStem(&x->out, i));
        const char *name = txtStem(&x->out, i);
        int dup = 0;
        for (size_t j = 0; j < n && !dup; j++) dup = sameTerm(x, &q[j], id, name);
        if (dup) continue;
        double idf = id != ENG_NOTERM ? ix->terms[id].idf : 0;
        q[n] = (qTerm){.id = id, .pos = (uint32_t)i, .mult = 1.0f, .cmult = 1.0f};
        int known = id == ENG_NOTERM ? 0 : ix->terms[id].asked ? 2 : 1;
        q[n].w = (float)confTermWeight(name, known, idf, ix->idf_max);
        q[n].inf = id != ENG_NOTERM && idf >= confInformativeIdf(ix->idf_max) &&
                   !strpbrk(name, "0123456789");
        if (x->corrected[i]) q[n].mult = TYPO_RANK, q[n].cmult = TYPO_COVER;
        qi->coding |= confCodingCue(name);
        qi->career |= confCareerCue(name);
        qi->support |= confSupportCue(name);
        qi->tech |= confTechCue(name);
        qi->ninf += q[n].inf && ix->terms[id].asked;
        qi->wsum += q[n].w;
        if (known == 2) qi->wknown += q[n].w;
        n++;
    }
    for (size_t i = 0; i < x->f.n; i++) /* the words as asked, before synonyms */
        qi->tech |= confTechCue(txtStem(&x->f, i));
    return n;
}

enum { SEEN = 1, BIGRAM = 2, PATTERN = 4, ASKED = 8 }; /* ASKED: an informative term in a question or keyword */

static void touch(engScratch *s, uint32_t e) {
    if (s->flags[e] & SEEN) return;
    s->flags[e] = SEEN;
    s->acc[e] = s->cov[e] = 0;
    s->nmatch[e] = 0;
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
    s->acc[p->entry] += p->impact * q->mult;
    s->cov[p->entry] += (float)(q->w * q->cmult * confFieldQuality(p->fields));
    if (!q->inf) return;
    if (s->nmatch[p->entry] < UINT8_MAX) s->nmatch[p->entry]++;
    if (p->fields & (ENG_F_Q | ENG_F_K)) s->flags[p->entry] |= ASKED;
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
        size_t lo = 0, hi = ix->nbigrams;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (ix->bigrams[mid].key < key) lo = mid + 1;
            else hi = mid;
        }
        for (; lo < ix->nbigrams && ix->bigrams[lo].key == key; lo++)
            bigramHit(ix->bigrams[lo].entry, &b);
    }
}

/* Maintainers' patterns against the normalized question; bounded. */
static void scorePatterns(const engIndex *ix, const char *norm, size_t len, long topic,
                          double bonus) {
    if (!ix->npats) return;
    len = txtUtf8Cut(norm, len, ENG_PAT_SUBJECT);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    for (size_t i = 0; i < ix->npats; i++) {
        uint32_t e = ix->pats[i].entry;
        if (topic >= 0 && ix->topic[e] != (uint32_t)topic) continue;
        if (ix->scr->flags[e] & PATTERN) continue;
        if (ix->pats[i].filter && pcre2_match(ix->pats[i].filter, (PCRE2_SPTR)norm, len, 0,
                                              PCRE2_NO_UTF_CHECK, md,
                                              ix->mctx) == PCRE2_ERROR_NOMATCH)
            continue; /* the necessary part is absent (a limit is no verdict) */
        int rc = pcre2_match(ix->pats[i].code, (PCRE2_SPTR)norm, len, 0, PCRE2_NO_UTF_CHECK, md,
                             ix->mctx);
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

/* How nearly the query says one of e's phrasings (question or an
 * alternate): the best weighted Jaccard similarity of their term sets. */
static double phraseSim(const engIndex *ix, uint32_t e, const qTerm *q, size_t nq) {
    double qsum = 0, best = 0;
    for (size_t i = 0; i < nq; i++) qsum += confPhraseWeight(q[i].w);
    for (uint32_t p = ix->ent_phr[e]; p < ix->ent_phr[e + 1]; p++) {
        double inter = 0, extra = 0;
        for (uint32_t k = ix->phr_off[p]; k < ix->phr_off[p + 1]; k++) {
            uint32_t t = ix->phr_terms[k];
            size_t i = 0;
            while (i < nq && q[i].id != t) i++;
            if (i < nq) inter += confPhraseWeight(q[i].w) * q[i].cmult;
            else extra += confPhraseWeight(ix->terms[t].idf);
        }
        double u = qsum + extra;
        if (u > 0 && inter / u > best) best = inter / u;
    }
    return best;
}

/* Entries other than e scoring at least CONF_AMBIG_SHARE of e's score. */
static int closeCount(const engScratch *s, uint32_t e) {
    double lim = s->acc[e] * CONF_AMBIG_SHARE;
    int n = 0;
    for (size_t i = 0; i < s->ntouched; i++)
        n += s->touched[i] != e && s->acc[s->touched[i]] >= lim;
    return n;
}

/* The fields of entry e holding term t (with bit 0x80 set), 0 if none. */
static uint8_t holds(const engIndex *ix, uint32_t t, uint32_t e) {
    const engPost *p = engFindPost(ix, t, e);
    return p ? (uint8_t)(p->fields | 0x80) : 0;
}

/* The query's weight that e does not hold: in all, and its largest term;
 * and the share of it in e's question or alternates. */
static void missed(const engIndex *ix, uint32_t e, const qTerm *q, size_t nq, double wsum,
                   confFeat *f) {
    for (size_t i = 0; i < nq; i++) {
        uint8_t fl = q[i].id != ENG_NOTERM ? holds(ix, q[i].id, e) : 0;
        if (wsum > 0 && (fl & ENG_F_Q)) f->covq += q[i].w * q[i].cmult / wsum;
        if (fl) continue;
        f->miss += q[i].w;
        double r = ix->idf_max > 0 ? q[i].w / ix->idf_max : 0;
        if (r > f->maxmiss) f->maxmiss = r;
    }
}

static confFeat hitFeat(const engIndex *ix, uint32_t e, double m, const qTerm *q, size_t nq,
                        const qInfo *qi, long topic) {
    const engScratch *s = ix->scr;
    double self = ix->self[e];
    confFeat f = {
        .cov = qi->wsum > 0 ? s->cov[e] / qi->wsum : 0,
        .margin = m < -1 ? -1 : m,
        .strength = s->cov[e],
        .pattern = (s->flags[e] & PATTERN) != 0,
        .coding = qi->coding,
        .ninf = qi->ninf,
        .nmatch = s->nmatch[e],
        .asked = (s->flags[e] & ASKED) != 0,
        .phrase = phraseSim(ix, e, q, nq),
        .covk = qi->wknown > 0 ? s->cov[e] / qi->wknown : 0,
        .selfrel = self > 0 ? s->acc[e] / self : 0,
        .score = s->acc[e],
        .nclose = closeCount(s, e),
        .topic = topic >= 0,
        .code = qi->code,
        .howto = qi->howto,
        .fact = qi->fact,
        .support = qi->support,
        .tech = qi->tech,
        .career = qi->career,
    };
    missed(ix, e, q, nq, qi->wsum, &f);
    return f;
}

static void fillHits(const engIndex *ix, const uint32_t *best, size_t n, size_t top,
                     const qTerm *q, size_t nq, const qInfo *qi, long topic, engResult *out) {
    const engScratch *s = ix->scr;
    double s1 = n ? s->acc[best[0]] : 0, s2 = n > 1 ? s->acc[best[1]] : 0;
    double prev = 1.0;
    for (size_t i = 0; i < n && i < (top ? top : 1); i++) {
        uint32_t e = best[i];
        double sc = s->acc[e];
        double m = sc > 0 ? (i == 0 ? (s1 - s2) / s1 : (sc - s1) / sc) : -1;
        confFeat f = hitFeat(ix, e, m, q, nq, qi, topic);
        uint32_t other = i == 0 ? (n > 1 ? best[1] : e) : best[0];
        f.covgap = qi->wsum > 0 && other != e ? (s->cov[e] - s->cov[other]) / qi->wsum : f.cov;
        double c = confCompute(&f);
        if (c > prev) c = prev; /* a lower-ranked hit is never more certain */
        prev = c;
        engHit *h = &out->hits[out->nhits++];
        *h = (engHit){&ix->k->entries[e], sc, c, f.cov, f.margin, f.strength, f.pattern, {0}};
        confVector(&f, h->feat);
    }
    double c = out->nhits ? out->hits[0].confidence : 0;
    out->outcome = out->nhits && c >= ix->p.answer_threshold    ? ENG_ANSWER
                   : out->nhits && c >= ix->p.suggest_threshold ? ENG_DID_YOU_MEAN
                                                                : ENG_ABSTAIN;
    if (out->nhits > top) out->nhits = top;
}

/* Score and rank; the caller holds the scratch lock. */
static void rank(const engIndex *ix, const engTerms *x, const char *text, size_t len, long topic,
                 size_t top, engResult *out) {
    qTerm q[ENG_MAX_QTERMS];
    qInfo qi;
    size_t nq = queryTerms(ix, x, q, &qi);
    size_t marks = txtCodeMarks(text, len);
    qi.code = marks > 8 ? 8 : (int)marks;
    ix->scr->ntouched = 0;
    scoreTerms(ix, q, nq, topic);
    scoreBigrams(ix, x);
    char *norm;
    size_t nl;
    if (txtNormalize(text, len, &norm, &nl, NULL) == CB_OK) {
        qi.howto = txtHowTo(norm, nl);
        qi.fact = txtFactQuestion(norm, nl);
        double bonus = 1.0;
        for (size_t i = 0; i < nq; i++) bonus += q[i].id != ENG_NOTERM ? q[i].w : 0;
        scorePatterns(ix, norm, nl, topic, bonus);
        free(norm);
    }
    uint32_t best[ENG_MAX_TOP];
    size_t n = engSelectTop(ix->scr, ENG_MAX_TOP, best);
    fillHits(ix, best, n, top, q, nq, &qi, topic, out);
    for (size_t i = 0; i < ix->scr->ntouched; i++) ix->scr->flags[ix->scr->touched[i]] = 0;
}

int engQuery(const engIndex *ix, const char *text, size_t len, const char *topic, size_t top,
             engResult *out, char *err) {
    memset(out, 0, sizeof(*out));
    out->outcome = ENG_ABSTAIN;
    if (!text) text = "", len = 0;
    if (top > ENG_MAX_TOP) top = ENG_MAX_TOP;
    len = txtUtf8Cut(text, len, ENG_MAX_QUERY);
    if (!cbValidUtf8(text, len))
        return cbErr(err, "the question is not valid UTF-8 text (or contains a NUL byte)");
    long tid = -1;
    if (topic && *topic && (tid = engTopicId(ix, topic)) < 0) return CB_OK; /* no such topic */
    engTerms x;
    engTermsInit(&x);
    pthread_mutex_lock(&ix->scr->mu); /* the analyzer and the scratch are shared */
    if (engAnalyze(ix, text, len, 1, &x, err) != CB_OK) {
        pthread_mutex_unlock(&ix->scr->mu);
        engTermsFree(&x);
        return CB_ERR;
    }
    rank(ix, &x, text, len, tid, top, out);
    pthread_mutex_unlock(&ix->scr->mu);
    engTermsFree(&x);
    return CB_OK;
}
