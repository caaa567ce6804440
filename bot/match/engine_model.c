/* engine_model.c - features and the softmax classifier of the matcher
 * (see engine_model.h); the out-of-fold calibration is in
 * engine_calib.c.
 *
 * Features, as in a TF-IDF + logistic regression text classifier:
 *   word block   each analyzed term (stem, synonyms applied), each pair
 *                of adjacent terms, and each pair of adjacent words as
 *                typed, stop words included: "was your" and "should i"
 *                tell a poll of others from a question for oneself,
 *                which the terms alone (stop words dropped) cannot;
 *   char block   the byte 3-, 4- and 5-grams of each normalized word as
 *                typed, padded with spaces (" cert", "certs", "rts "):
 *                typos, plurals and unknown forms share most n-grams.
 * Each feature weighs (1 + ln tf) * idf; each block is L2-normalized and
 * scaled by 1/sqrt(2), so a vector has norm 1.
 *
 * Training: stochastic gradient descent on the softmax cross-entropy with
 * an L2 penalty (exact, applied lazily through a global scale), an order
 * drawn from each example's text (epochOrder) and a decreasing step,
 * MDL_EPOCHS passes (fewer for a big knowledge base, see engine_calib.c).
 * Deterministic: the same knowledge gives the same model, and an edit
 * moves only the examples it touches in that order. */
#include "match/engine_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/engine_int.h"

#define WORD_TAG (1ULL << 63) /* set on word-block keys */
#define UNI_TAG (1ULL << 62)  /* set on single-term keys (word block) */
#define NGRAM_MIN 3
#define NGRAM_MAX 5
#define WORD_MAXLEN 24 /* bytes of a word used for character n-grams */

void mdlVecFree(mdlVec *v) {
    free(v->f);
    memset(v, 0, sizeof(*v));
}

void mdlKeysFree(mdlKeys *k) {
    free(k->k);
    memset(k, 0, sizeof(*k));
}

static void keyPush(mdlKeys *k, uint64_t key) {
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 256;
        k->k = cbRealloc(k->k, k->cap * sizeof(*k->k));
    }
    k->k[k->n++] = key;
}

static uint64_t wordKey(const void *p, size_t n, uint64_t seed) {
    return engHash(p, n, seed) | WORD_TAG;
}

int mdlIsTerm(uint64_t key) { return (key & (WORD_TAG | UNI_TAG)) == (WORD_TAG | UNI_TAG); }

static uint64_t charKey(const void *p, size_t n) {
    uint64_t h = engHash(p, n, 103) & ~WORD_TAG;
    return h ? h : 1;
}

static int wordByte(unsigned char c) {
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '#';
}

/* The next word of the normalized text at or after *at (a run of
 * wordByte bytes): its start, and its length cut to WORD_MAXLEN into
 * *len; *at moves past it. NULL when no word is left. */
static const char *nextWord(const char *norm, size_t nlen, size_t *at, size_t *len) {
    size_t i = *at;
    while (i < nlen && !wordByte((unsigned char)norm[i])) i++;
    if (i >= nlen) return NULL;
    size_t j = i;
    while (j < nlen && wordByte((unsigned char)norm[j])) j++;
    *len = j - i < WORD_MAXLEN ? j - i : WORD_MAXLEN;
    *at = j;
    return norm + i;
}

/* Character n-grams of each word of the normalized text (stop words
 * included: "how do i" is a sign of a coding question), padded with
 * spaces. */
static void charKeys(const char *norm, size_t nlen, mdlKeys *out) {
    char w[WORD_MAXLEN + 2];
    size_t at = 0, l = 0;
    for (const char *word; (word = nextWord(norm, nlen, &at, &l)) != NULL;) {
        w[0] = ' ';
        memcpy(w + 1, word, l);
        w[l + 1] = ' ';
        for (size_t n = NGRAM_MIN; n <= NGRAM_MAX; n++)
            for (size_t s = 0; s + n <= l + 2; s++) keyPush(out, charKey(w + s, n));
    }
}

/* Pairs of adjacent words as typed, stop words included ("was your",
 * "should i"): how a question asks, which the terms (stop words dropped)
 * do not keep. Word block, not single terms. */
static void rawPairs(const char *norm, size_t nlen, mdlKeys *out) {
    char pair[2 * WORD_MAXLEN + 2];
    size_t at = 0, l = 0, pl = 0; /* pl: the previous word, at pair[0..pl) */
    for (const char *word; (word = nextWord(norm, nlen, &at, &l)) != NULL;) {
        if (pl) {
            pair[pl] = '\x01';
            memcpy(pair + pl + 1, word, l);
            keyPush(out, wordKey(pair, pl + 1 + l, 105) & ~UNI_TAG);
        }
        memcpy(pair, word, l);
        pl = l;
    }
}

void mdlKeysOf(const txtToks *terms, const char *norm, size_t nlen, mdlKeys *out) {
    out->n = 0;
    char pair[2 * TXT_MAX_TOKEN + 8];
    for (size_t i = 0; i < terms->n; i++) {
        const char *a = txtStem(terms, i);
        size_t al = strlen(a);
        keyPush(out, wordKey(a, al, 101) | UNI_TAG);
        if (i + 1 >= terms->n) continue;
        const char *b = txtStem(terms, i + 1);
        size_t bl = strlen(b);
        if (al + bl + 1 >= sizeof(pair)) continue;
        snprintf(pair, sizeof(pair), "%s\x01%s", a, b); /* "a b" with a separator no term has */
        keyPush(out, wordKey(pair, al + bl + 1, 102) & ~UNI_TAG);
    }
    if (norm) {
        rawPairs(norm, nlen, out);
        charKeys(norm, nlen, out);
    }
}

void mdlKeysAddTerm(mdlKeys *out, const char *name) {
    keyPush(out, wordKey(name, strlen(name), 104) | UNI_TAG);
}

/* ---- feature ids ---- */

static size_t slotOf(const mdlModel *m, uint64_t key) {
    size_t i = (size_t)(key ^ (key >> 29)) & (m->kcap - 1);
    while (m->kid[i] && m->keys[m->kid[i] - 1] != key) i = (i + 1) & (m->kcap - 1);
    return i;
}

static uint32_t featId(const mdlModel *m, uint64_t key) {
    if (!m->kcap) return UINT32_MAX;
    size_t i = slotOf(m, key);
    return m->kid[i] ? m->kid[i] - 1 : UINT32_MAX;
}

/* A table of kcap slots for the nfeat keys (kcap at least twice nfeat, so
 * a probe always ends); the keys array holds kcap / 2 features (training:
 * mdlFeatAdd). */
static void featGrow(mdlModel *m, size_t kcap) {
    m->kcap = kcap;
    free(m->kid);
    m->kid = cbCalloc(m->kcap, sizeof(*m->kid));
    m->keys = cbRealloc(m->keys, m->kcap / 2 * sizeof(*m->keys));
    for (size_t f = 0; f < m->nfeat; f++) m->kid[slotOf(m, m->keys[f])] = (uint32_t)f + 1;
}

uint32_t mdlFeatAdd(mdlModel *m, uint64_t key) {
    if ((m->nfeat + 1) * 2 > m->kcap) featGrow(m, m->kcap ? m->kcap * 2 : 4096);
    size_t i = slotOf(m, key);
    if (!m->kid[i]) {
        m->keys[m->nfeat] = key;
        m->kid[i] = (uint32_t)++m->nfeat;
    }
    return m->kid[i] - 1;
}

int mdlFeatIndex(mdlModel *m) {
    m->kcap = 4096;
    while (m->nfeat * 2 > m->kcap) m->kcap *= 2;
    free(m->kid);
    m->kid = cbCalloc(m->kcap, sizeof(*m->kid));
    for (size_t f = 0; f < m->nfeat; f++) {
        size_t i = slotOf(m, m->keys[f]);
        if (!m->keys[f] || m->kid[i]) return 0;
        m->kid[i] = (uint32_t)f + 1;
    }
    return 1; /* keys stays nfeat long: a loaded model gets no new feature */
}

static void vecPush(mdlVec *v, uint32_t id, float val) {
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 128;
        v->f = cbRealloc(v->f, v->cap * sizeof(*v->f));
    }
    v->f[v->n++] = (mdlFeat){id, val};
}



int mdlKnowsTerm(const mdlModel *m, const mdlKeys *k) {
    for (size_t i = 0; i < k->n; i++) {
        if (!mdlIsTerm(k->k[i])) continue;
        uint32_t id = featId(m, k->k[i]);
        if (id != UINT32_MAX && id != m->unk && !m->rare[id]) return 1;
    }
    return 0;
}

void mdlVectorize(const mdlModel *m, const mdlKeys *k, mdlVec *out) {
    out->n = 0;
    size_t unk = 0;
    for (size_t i = 0; i < k->n; i++) { /* count each feature (no sort: O(n)) */
        uint32_t id = featId(m, k->k[i]);
        if (mdlIsTerm(k->k[i]) && (id == UINT32_MAX || m->rare[id])) {
            unk++; /* a term the examples (nearly) never use */
            continue;
        }
        if (id == UINT32_MAX) continue;
        if (m->cnt[id]++ == 0) vecPush(out, id, 0);
    }
    if (unk && m->unk != UINT32_MAX) {
        vecPush(out, m->unk, 0);
        m->cnt[m->unk] = (uint16_t)(unk < UINT16_MAX ? unk : UINT16_MAX);
    }
    double sq[2] = {0, 0};
    for (size_t i = 0; i < out->n; i++) {
        uint32_t id = out->f[i].id;
        float v = (float)((1.0 + log((double)m->cnt[id])) * m->idf[id]);
        out->f[i].v = v;
        sq[m->isword[id]] += (double)v * v;
        m->cnt[id] = 0;
    }
    float scale[2];
    for (int b = 0; b < 2; b++) {
        double norm = sqrt(sq[b]);
        if (m->length_norm != 1.0) norm = pow(norm, m->length_norm);
        scale[b] = sq[b] > 0 ? (float)(M_SQRT1_2 / norm) : 0;
    }
    for (size_t i = 0; i < out->n; i++) out->f[i].v *= scale[m->isword[out->f[i].id]];
}

/* ---- training ---- */

/* The examples' order in epoch ep: by a hash of each example's own key
 * (its text and label) and the epoch. It depends on no other example, so
 * a knowledge edit moves only the examples it adds or removes; a shuffle
 * of positions made every edit reorder all of them, and answers moved by
 * one to three points of the eval sets for an unrelated edit. */
typedef struct ordItem {
    uint64_t key;
    uint32_t i;
} ordItem;

static int cmpOrd(const void *a, const void *b) {
    const ordItem *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static uint64_t mix64(uint64_t z) { /* splitmix64's finalizer */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void epochOrder(const uint32_t *idx, const uint64_t *okey, size_t n, int ep, ordItem *tmp,
                       uint32_t *ord) {
    uint64_t salt = (uint64_t)(ep + 1) * 0x9E3779B97F4A7C15ULL;
    for (size_t r = 0; r < n; r++) tmp[r] = (ordItem){mix64(okey[idx[r]] ^ salt), idx[r]};
    qsort(tmp, n, sizeof(*tmp), cmpOrd);
    for (size_t r = 0; r < n; r++) ord[r] = tmp[r].i;
}

size_t mdlStride(size_t nc) { return (nc + 7) & ~(size_t)7; }

/* acc[0..ncp) += a * wr[0..ncp), ncp a multiple of 8: chunks of a known
 * length, which the compiler turns into vector instructions at -O2. */
static void axpy(float *restrict acc, const float *restrict wr, float a, size_t ncp) {
    for (size_t c = 0; c < ncp; c += 8)
        for (size_t k = 0; k < 8; k++) acc[c + k] += a * wr[c + k];
}

/* A row of ncp floats is several cache lines, and a question's rows are
 * scattered over megabytes: asking for the rows a few features ahead
 * overlaps their misses (the loop waited on memory). */
#define MDL_PREFETCH 4
static void prefetchRow(const float *row, size_t ncp) {
    for (size_t c = 0; c < ncp; c += 16) __builtin_prefetch(row + c);
}

/* z[c] = b[c] + scale * sum_f x_f w[f][c], then softmax in place.
 * Always inlined, so each of mdlFit's builds has its own (see below). */
static inline __attribute__((always_inline)) void forward(const mdlVec *v, const float *w,
                                                          const float *b, double scale, size_t nc,
                                                          float *acc, double *z) {
    size_t ncp = mdlStride(nc);
    memset(acc, 0, ncp * sizeof(*acc));
    for (size_t k = 0; k < v->n; k++) {
        if (k + MDL_PREFETCH < v->n) prefetchRow(w + (size_t)v->f[k + MDL_PREFETCH].id * ncp, ncp);
        axpy(acc, w + (size_t)v->f[k].id * ncp, v->f[k].v, ncp);
    }
    double mx = -INFINITY, sum = 0;
    for (size_t c = 0; c < nc; c++) {
        z[c] = acc[c] * scale + b[c];
        if (z[c] > mx) mx = z[c];
    }
    for (size_t c = 0; c < nc; c++) sum += (z[c] = exp(z[c] - mx));
    for (size_t c = 0; c < nc; c++) z[c] /= sum;
}

uint64_t *mdlOrderKeys(const mdlExample *ex, const uint32_t *y, size_t n) {
    uint64_t *k = cbMalloc((n ? n : 1) * sizeof(*k));
    for (size_t i = 0; i < n; i++)
        k[i] = engHash(ex[i].text, strlen(ex[i].text), 13) ^ mix64((uint64_t)y[i] + 1);
    return k;
}

/* Training is most of a start-up without the cache: on x86-64 it is also
 * compiled for AVX2, picked at load time where the CPU has it (the same
 * operations in the same order, element by element: the same weights).
 * GCC only: clang 14 names the dispatcher mdlFit.ifunc, which other files
 * cannot call (the fuzz build is clang's). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MDL_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MDL_VECTOR_CLONES
#endif

MDL_VECTOR_CLONES
void mdlFit(const mdlVec *x, const uint32_t *y, const uint64_t *okey, const uint32_t *idx,
            size_t n, size_t nc, size_t nfeat, int epochs, float *w, float *b) {
    size_t ncp = mdlStride(nc);
    memset(w, 0, nfeat * ncp * sizeof(*w));
    memset(b, 0, nc * sizeof(*b));
    if (!n) return;
    uint32_t *ord = cbMalloc(n * sizeof(*ord)), *act = cbMalloc(nc * sizeof(*act));
    ordItem *tmp = cbMalloc(n * sizeof(*tmp));
    double *p = cbMalloc(nc * sizeof(*p)), *g = cbMalloc(nc * sizeof(*g)), scale = 1.0;
    float *acc = cbMalloc(ncp * sizeof(*acc)), *gf = cbCalloc(ncp, sizeof(*gf));
    const double l2 = MDL_L2, lr0 = MDL_LR;
    size_t t = 0;
    for (int ep = 0; ep < epochs; ep++) {
        epochOrder(idx, okey, n, ep, tmp, ord);
        for (size_t r = 0; r < n; r++, t++) {
            const mdlVec *v = &x[ord[r]];
            double lr = lr0 / (1.0 + MDL_LR_DECAY * (double)t / (double)n);
            forward(v, w, b, scale, nc, acc, p);
            size_t na = 0;
            for (size_t c = 0; c < nc; c++) {
                g[c] = p[c] - (c == y[ord[r]]);
                gf[c] = 0;
                if (fabs(g[c]) > 1e-5) act[na++] = (uint32_t)c, gf[c] = (float)g[c];
            }
            scale *= 1.0 - lr * l2;
            if (scale < 1e-3) { /* fold the scale into the weights */
                for (size_t i = 0; i < nfeat * ncp; i++) w[i] = (float)(w[i] * scale);
                scale = 1.0;
            }
            for (size_t a = 0; a < na; a++) b[act[a]] -= (float)(lr * g[act[a]]);
            for (size_t k = 0; k < v->n; k++) {
                float *wr = w + (size_t)v->f[k].id * ncp;
                double s = lr * v->f[k].v / scale;
                if (na * 4 > nc) { /* most classes move: one vector pass */
                    axpy(wr, gf, (float)-s, ncp);
                    continue;
                }
                for (size_t a = 0; a < na; a++) wr[act[a]] -= (float)(s * g[act[a]]);
            }
        }
    }
    for (size_t i = 0; i < nfeat * ncp; i++) w[i] = (float)(w[i] * scale);
    free(ord);
    free(tmp);
    free(act);
    free(p);
    free(g);
    free(acc);
    free(gf);
}

void mdlQuantize(mdlModel *m, const float *w) {
    size_t ncp = mdlStride(m->nclass), nf = m->nfeat ? m->nfeat : 1;
    free(m->wq);
    free(m->wscale);
    m->wq = cbCallocLarge(nf * ncp, sizeof(*m->wq));
    m->wscale = cbCalloc(nf, sizeof(*m->wscale));
    for (size_t f = 0; f < m->nfeat; f++) {
        const float *wr = w + f * ncp;
        float mx = 0;
        for (size_t c = 0; c < ncp; c++) mx = fmaxf(mx, fabsf(wr[c]));
        if (!(mx > 0) || !isfinite(mx)) continue; /* an all-zero row stays zero */
        float step = mx / MDL_Q_MAX;
        m->wscale[f] = step;
        int16_t *q = m->wq + f * ncp;
        for (size_t c = 0; c < ncp; c++) {
            long v = lrintf(wr[c] / step);
            q[c] = (int16_t)(v > MDL_Q_MAX ? MDL_Q_MAX : v < -MDL_Q_MAX ? -MDL_Q_MAX : v);
        }
    }
}

/* acc[0..ncp) += a * q[0..ncp), the row's integers (see axpy). */
static void axpyQ(float *restrict acc, const int16_t *restrict q, float a, size_t ncp) {
    for (size_t c = 0; c < ncp; c += 8)
        for (size_t k = 0; k < 8; k++) acc[c + k] += a * (float)q[c + k];
}

/* The logits of v under the model's stored weights. */
static void logitsQ(const mdlModel *m, const mdlVec *v, double *z) {
    size_t nc = m->nclass, ncp = mdlStride(nc);
    float *acc = cbCalloc(ncp, sizeof(*acc));
    for (size_t k = 0; k < v->n; k++) {
        uint32_t f = v->f[k].id;
        axpyQ(acc, m->wq + (size_t)f * ncp, v->f[k].v * m->wscale[f], ncp);
    }
    for (size_t c = 0; c < nc; c++) z[c] = m->b[c] + (double)acc[c];
    free(acc);
}

void mdlLogits(const mdlModel *m, const mdlVec *v, const float *w, const float *b, double *z) {
    size_t nc = m->nclass, ncp = mdlStride(nc);
    float *acc = cbCalloc(ncp, sizeof(*acc));
    for (size_t k = 0; k < v->n; k++) axpy(acc, w + (size_t)v->f[k].id * ncp, v->f[k].v, ncp);
    for (size_t c = 0; c < nc; c++) z[c] = b[c] + (double)acc[c];
    free(acc);
}

void mdlSoftmax(const double *z, size_t nc, double temp, const uint8_t *allow, double *p) {
    double mx = -INFINITY, sum = 0;
    for (size_t c = 0; c < nc; c++)
        if (z[c] > mx) mx = z[c];
    for (size_t c = 0; c < nc; c++) {
        p[c] = exp((z[c] - mx) / temp);
        sum += p[c];
    }
    /* Over every class, then the ones outside allow set to 0 without
     * spreading their mass: a question that belongs to another topic's
     * entry leaves the allowed ones as unlikely as they were, so the
     * topic filter declines it instead of answering with the best of a
     * wrong few. */
    for (size_t c = 0; c < nc; c++) p[c] = !allow || c == nc - 1 || allow[c] ? p[c] / sum : 0;
}

void mdlWithEvidence(const double *z, const mdlExample *ex, size_t nc, double beta, double gamma,
                     double t, double *zz) {
    memcpy(zz, z, nc * sizeof(*zz));
    for (uint32_t k = 0; k < ex->nev; k++) {
        uint32_t c = ex->ev_class[k];
        if (c < nc) zz[c] += (c + 1 < nc ? beta : gamma) * t * ex->ev[k];
    }
}

void mdlPredictEv(const mdlModel *m, const mdlVec *x, const uint8_t *allow, const double *ev,
                  double *p) {
    double *z = cbMalloc(m->nclass * sizeof(*z));
    logitsQ(m, x, z);
    for (size_t c = 0; ev && c < m->nclass; c++)
        z[c] += (c + 1 < m->nclass ? m->beta : m->gamma) * m->temp * ev[c];
    mdlSoftmax(z, m->nclass, m->temp, allow, p);
    free(z);
}

void mdlPredict(const mdlModel *m, const mdlVec *x, const uint8_t *allow, double *p) {
    mdlPredictEv(m, x, allow, NULL, p);
}

void mdlFree(mdlModel *m) {
    if (!m) return;
    free(m->keys);
    free(m->kid);
    free(m->idf);
    free(m->rare);
    free(m->isword);
    free(m->cnt);
    free(m->wq);
    free(m->wscale);
    free(m->b);
    free(m->coll);
    mdlRecalFree(&m->recal);
    free(m);
}
