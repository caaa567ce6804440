/* engine_calib.c - training the matcher's classifier as a whole
 * (engine_model.h): the feature vocabulary and idf, then k-fold
 * cross-validation to get every example's prediction from a model that
 * did not see it (folds are drawn by a hash of the example's text, so
 * copies of one wording stay together), and the final fit on everything.
 * The folds and the final fit are independent: they run as jobs on as
 * many processors as there are (base/jobs.h, forked workers, the same
 * weights however many).
 *
 * From the out-of-fold predictions come:
 *   the temperature of the softmax and the weights of the lexical
 *   evidence (engine_temperature.c), so a probability means what it says
 *   on questions the model did not train on (a Platt scaling of the best
 *   entry's probability on top was tried: it made the model surer and
 *   doubled its wrong answers on real forum questions);
 *   a monotone map of the best entry's probability to how often such
 *   answers were right (engine_recal.c), and the reliability table
 *   (answers by mapped confidence, how many right, each fold's answers
 *   mapped by a map fitted without them);
 *   the collisions: entries whose examples go to another entry out of
 *   fold (what `kb check` shows maintainers). */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/jobs.h"
#include "match/engine_int.h"
#include "match/engine_model.h"

#define MDL_MAX_BYTES (48.0 * 1024 * 1024) /* the weights of a dense model */
#define MDL_MAX_WORK 6e9 /* multiply-adds to train it (about a second of CPU) */
#define MDL_JOBS_BYTES (96u << 20) /* the fits' weights at once: fewer workers for big models */
#define UNK_MIN_EXAMPLES 300 /* fewer: most terms are in one example; none is "rare" */

static const double BUCKET_EDGES[MDL_NBUCKETS + 1] = {0.0, 0.3, 0.5, 0.7, 0.9, 1.0000001};

/* Drop the features of one example only (df[f] < 2), keeping df in step:
 * a character n-gram or a word pair seen once can only memorize its
 * example, and a term seen once already counts as unknown (m->rare),
 * which a term with no id does too (mdlVectorize). On the bundled
 * knowledge 83k features became 36k: training a fifth faster, a model
 * file of 6.5 MB instead of 15, and out of fold as right (68.1% first
 * against 68.0%). */
static void dropSingletons(mdlModel *m, uint32_t *df) {
    size_t kept = 0;
    for (size_t f = 0; f < m->nfeat; f++)
        if (df[f] >= 2) m->keys[kept] = m->keys[f], df[kept] = df[f], kept++;
    m->nfeat = kept;
    int ok = mdlFeatIndex(m);
    assert(ok); /* distinct, non-zero keys: they were a table's */
    (void)ok;
    memset(m->rare, 0, kept ? kept : 1);
}

/* Feature ids for every key and the idf: ln((1 + n) / (1 + df)) + 1.
 * An example counts once per feature: seen[id] holds the last example
 * (plus one) that counted it, so no example's keys need sorting (sorting
 * each example's keys was 7% of a one-process training). */
static void buildVocab(mdlModel *m, const mdlKeys *keys, size_t n) {
    size_t dcap = 4096;
    uint32_t *df = cbCalloc(dcap, sizeof(*df)), *seen = cbCalloc(dcap, sizeof(*seen));
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < keys[i].n; j++) {
            uint32_t id = mdlFeatAdd(m, keys[i].k[j]);
            if (id >= dcap) {
                size_t nc = dcap * 2 > id ? dcap * 2 : (size_t)id + 1;
                df = cbRealloc(df, nc * sizeof(*df));
                seen = cbRealloc(seen, nc * sizeof(*seen));
                memset(df + dcap, 0, (nc - dcap) * sizeof(*df));
                memset(seen + dcap, 0, (nc - dcap) * sizeof(*seen));
                dcap = nc;
            }
            if (seen[id] == (uint32_t)i + 1) continue;
            seen[id] = (uint32_t)i + 1;
            df[id]++;
        }
    }
    free(seen);
    /* Terms in one example only stand for "a term the examples do not
     * use", as any unknown term of a question does: the model learns what
     * such words say (mostly: out of scope). */
    size_t nunk = 0;
    m->rare = cbCalloc(m->nfeat ? m->nfeat : 1, 1);
    for (size_t i = 0; i < n; i++) {
        int has = 0;
        for (size_t j = 0; j < keys[i].n; j++) {
            uint64_t key = keys[i].k[j];
            if (!mdlIsTerm(key)) continue;
            uint32_t id = mdlFeatAdd(m, key); /* already there */
            if (df[id] < 2 && n >= UNK_MIN_EXAMPLES) m->rare[id] = 1, has = 1;
        }
        nunk += (size_t)has;
    }
    if (n >= UNK_MIN_EXAMPLES) dropSingletons(m, df);
    m->unk = mdlFeatAdd(m, MDL_UNK_KEY);
    m->rare = cbRealloc(m->rare, m->nfeat);
    m->rare[m->unk] = 0;
    m->isword = cbCalloc(m->nfeat ? m->nfeat : 1, 1);
    m->cnt = cbCalloc(m->nfeat ? m->nfeat : 1, sizeof(*m->cnt));
    for (size_t f = 0; f < m->nfeat; f++) m->isword[f] = (m->keys[f] >> 63) != 0;
    m->idf = cbMalloc((m->nfeat ? m->nfeat : 1) * sizeof(*m->idf));
    for (size_t f = 0; f < m->nfeat; f++)
        m->idf[f] = (float)(log((1.0 + (double)n) / (1.0 + (f == m->unk ? nunk : df[f]))) + 1.0);
    free(df);
}

static void noteCollision(mdlModel *m, uint32_t from, uint32_t to, const char *text) {
    for (size_t i = 0; i < m->ncoll; i++)
        if (m->coll[i].from == from && m->coll[i].to == to) {
            m->coll[i].n++;
            return;
        }
    m->coll = cbRealloc(m->coll, (m->ncoll + 1) * sizeof(*m->coll));
    m->coll[m->ncoll++] = (mdlCollision){from, to, 1, text};
}

static int cmpColl(const void *a, const void *b) {
    const mdlCollision *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return x->from != y->from ? (x->from < y->from ? -1 : 1) : (x->to > y->to) - (x->to < y->to);
}

/* Each example's out-of-fold answer (the best entry's probability into
 * conf, whether it is the example's into right), and the collisions. */
static void oofAnswers(mdlModel *m, const double *z, const uint32_t *y, const mdlExample *ex,
                       size_t n, double *p, double *conf, uint8_t *right) {
    size_t nc = m->nclass, oos = nc - 1;
    double *zz = cbMalloc(nc * sizeof(*zz));
    for (size_t i = 0; i < n; i++) {
        mdlWithEvidence(z + i * nc, &ex[i], nc, m->beta, m->gamma, m->temp, zz);
        mdlSoftmax(zz, nc, m->temp, NULL, p);
        size_t best = 0;
        for (size_t c = 1; c < oos; c++)
            if (p[c] > p[best]) best = c;
        right[i] = best == y[i];
        conf[i] = p[best];
        m->noof++;
        m->oof_right += right[i];
        if (y[i] != oos && !right[i] && p[best] > p[y[i]]) noteCollision(m, y[i], (uint32_t)best, ex[i].text);
    }
    free(zz);
    if (m->ncoll) qsort(m->coll, m->ncoll, sizeof(*m->coll), cmpColl);
}

static void countInBucket(mdlModel *m, double conf, int right) {
    for (int b = 0; b < MDL_NBUCKETS; b++)
        if (conf >= BUCKET_EDGES[b] && conf < BUCKET_EDGES[b + 1]) {
            m->buckets[b].n++;
            m->buckets[b].right += (size_t)right;
        }
}

/* The map from probability to worth (mdlRecalFit), fitted on every
 * out-of-fold answer; the reliability table from maps each fitted without
 * one fold and applied to it, so the table judges the map on answers it
 * was not fitted on. */
static void recalibrate(mdlModel *m, const double *conf, const uint8_t *right, const int *fold,
                        size_t n, int folds) {
    for (int b = 0; b < MDL_NBUCKETS; b++)
        m->buckets[b] = (mdlBucket){BUCKET_EDGES[b], BUCKET_EDGES[b + 1] > 1 ? 1 : BUCKET_EDGES[b + 1], 0, 0};
    double *c = cbMalloc((n ? n : 1) * sizeof(*c));
    uint8_t *r = cbMalloc(n ? n : 1);
    mdlRecal held = {NULL, NULL, 0};
    for (int f = 0; f < folds; f++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (fold[i] != f) c[k] = conf[i], r[k++] = right[i];
        mdlRecalFit(c, r, k, &held);
        for (size_t i = 0; i < n; i++)
            if (fold[i] == f) countInBucket(m, mdlRecalApply(&held, conf[i]), right[i]);
    }
    mdlRecalFree(&held);
    mdlRecalFit(conf, right, n, &m->recal);
    free(c);
    free(r);
}

/* Example i's fold: a hash of its text, so copies of one wording stay
 * together. */
static int *foldsOf(const mdlExample *ex, size_t n, int folds) {
    int *fold = cbMalloc((n ? n : 1) * sizeof(*fold));
    for (size_t i = 0; i < n; i++)
        fold[i] = (int)(engHash(ex[i].text, strlen(ex[i].text), 7) % (uint64_t)folds);
    return fold;
}

/* The fits of a training, as jobs (base/jobs.h) that may run in forked
 * processes: job 0 the final fit on every example (into w and b), job
 * 1 + f the fit without fold f, whose examples' logits go to z
 * (n x nclass). z, w and b are shared memory; each job writes all of its
 * part, so a job run again by the caller writes the same. */
typedef struct fitJobs {
    const mdlModel *m;
    const mdlVec *x;
    const uint32_t *y;
    const uint64_t *okey;
    const int *fold; /* NULL: no cross-validation */
    size_t n;
    double *z;
    float *w, *b;
} fitJobs;

static void fitJob(void *ctx, size_t job) {
    const fitJobs *J = ctx;
    size_t n = J->n, nc = J->m->nclass, k = 0, wlen = (J->m->nfeat ? J->m->nfeat : 1) * mdlStride(nc);
    float *w = cbCallocLarge(wlen, sizeof(*w)), *b = cbMalloc(nc * sizeof(*b));
    uint32_t *idx = cbMalloc((n ? n : 1) * sizeof(*idx));
    int f = (int)job - 1;
    for (size_t i = 0; i < n; i++)
        if (job == 0 || J->fold[i] != f) idx[k++] = (uint32_t)i;
    mdlFit(J->x, J->y, J->okey, idx, k, nc, J->m->nfeat, J->m->epochs, w, b);
    if (job == 0) {
        memcpy(J->w, w, wlen * sizeof(*w));
        memcpy(J->b, b, nc * sizeof(*b));
    } else {
        for (size_t i = 0; i < n; i++)
            if (J->fold[i] == f) mdlLogits(J->m, &J->x[i], w, b, J->z + i * nc);
    }
    free(w);
    free(b);
    free(idx);
}

/* The final fit into J->w and J->b and, with folds, every example's
 * out-of-fold logits into J->z: the folds and the final fit are
 * independent, and run on as many processors as there are (the same
 * weights however many), when the outputs are in shared memory. */
static void fitAll(fitJobs *J, int folds, int shared) {
    size_t njobs = 1 + (J->fold ? (size_t)folds : 0);
    size_t wbytes = (J->m->nfeat ? J->m->nfeat : 1) * mdlStride(J->m->nclass) * sizeof(float);
    size_t most = MDL_JOBS_BYTES / wbytes; /* each process holds its weights */
    int workers = cbJobWorkers();
    if ((size_t)workers > most) workers = most ? (int)most : 1;
    cbJobsRun(njobs, fitJob, J, shared ? workers : 1);
}

/* Memory for a training's outputs (z, w, b of zlen, wlen, blen bytes):
 * shared with forked workers when the system allows it (1), else the
 * process's own (0). */
static int outAlloc(fitJobs *J, size_t zlen, size_t wlen, size_t blen) {
    J->z = zlen ? cbSharedAlloc(zlen) : NULL;
    J->w = cbSharedAlloc(wlen);
    J->b = cbSharedAlloc(blen);
    if ((J->z || !zlen) && J->w && J->b) return 1;
    cbSharedFree(J->z, zlen), cbSharedFree(J->w, wlen), cbSharedFree(J->b, blen);
    J->z = zlen ? cbCallocLarge(zlen, 1) : NULL;
    J->w = cbCallocLarge(wlen, 1);
    J->b = cbCalloc(blen, 1);
    return 0;
}

static void outFree(fitJobs *J, size_t zlen, size_t wlen, size_t blen, int shared) {
    if (shared) {
        cbSharedFree(J->z, zlen), cbSharedFree(J->w, wlen), cbSharedFree(J->b, blen);
        return;
    }
    free(J->z);
    free(J->w);
    free(J->b);
}

/* Calibration from the out-of-fold logits z (n x nclass). */
static void calibrate(mdlModel *m, const double *z, const uint32_t *y, const mdlExample *ex,
                      const int *fold, size_t n, int folds) {
    double *p = cbMalloc(m->nclass * sizeof(*p)), *conf = cbMalloc((n ? n : 1) * sizeof(*conf));
    uint8_t *right = cbMalloc(n ? n : 1);
    mdlFitTemperature(m, z, y, ex, n);
    oofAnswers(m, z, y, ex, n, p, conf, right);
    recalibrate(m, conf, right, fold, n, folds);
    free(right);
    free(conf);
    free(p);
}

/* Fit the budgets: the dense weights in memory, and training (every fold
 * and the final fit) in time, giving up folds, then epochs, as the
 * knowledge grows (m->folds, m->epochs). 0 when even the least does not. */
static int mdlPlan(mdlModel *m, const mdlKeys *keys, size_t n, int folds) {
    double nnz = 0;
    for (size_t i = 0; i < n; i++) nnz += (double)keys[i].n;
    double ncp = (double)mdlStride(m->nclass);
    if ((double)m->nfeat * ncp * sizeof(float) > MDL_MAX_BYTES) return 0;
    static const int plan[][2] = {{0, MDL_EPOCHS}, {2, MDL_EPOCHS}, {2, MDL_EPOCHS / 2},
                                  {-1, MDL_EPOCHS / 2}};
    for (size_t i = 0; i < sizeof(plan) / sizeof(plan[0]); i++) {
        int f = plan[i][0] == 0 ? folds : plan[i][0] < 0 ? 0 : plan[i][0];
        if (f > folds) f = folds;
        double work = nnz * ncp * plan[i][1] * (f >= 2 ? f + 1 : 1);
        if (work <= MDL_MAX_WORK) {
            m->folds = f >= 2 ? f : 0;
            m->epochs = plan[i][1];
            return 1;
        }
    }
    return 0;
}

mdlModel *mdlTrain(const mdlKeys *keys, const mdlExample *ex, size_t n, size_t nclass,
                   int folds, double length_norm) {
    if (nclass < 2) return NULL;
    double t0 = cbNowMs();
    mdlModel *m = cbCalloc(1, sizeof(*m));
    m->nclass = nclass;
    m->temp = 1.0;
    m->length_norm = length_norm;
    buildVocab(m, keys, n);
    if (!mdlPlan(m, keys, n, folds)) {
        mdlFree(m);
        return NULL; /* too big for a dense model: the caller ranks by BM25F */
    }
    folds = m->folds;
    mdlVec *x = cbCalloc(n ? n : 1, sizeof(*x));
    uint32_t *y = cbMalloc((n ? n : 1) * sizeof(*y));
    for (size_t i = 0; i < n; i++) {
        mdlVectorize(m, &keys[i], &x[i]);
        y[i] = ex[i].label < nclass ? ex[i].label : (uint32_t)nclass - 1;
    }
    uint64_t *okey = mdlOrderKeys(ex, y, n);
    int cv = folds >= 2 && n >= (size_t)folds;
    int *fold = cv ? foldsOf(ex, n, folds) : NULL;
    size_t zlen = cv ? n * nclass * sizeof(double) : 0;
    size_t wlen = (m->nfeat ? m->nfeat : 1) * mdlStride(nclass) * sizeof(float);
    size_t blen = nclass * sizeof(float);
    fitJobs J = {m, x, y, okey, fold, n, NULL, NULL, NULL};
    int shared = outAlloc(&J, zlen, wlen, blen);
    fitAll(&J, folds, shared);
    if (cv) calibrate(m, J.z, y, ex, fold, n, folds);
    m->b = cbMalloc(blen);
    memcpy(m->b, J.b, blen);
    mdlQuantize(m, J.w); /* what answers use, trained or read from the cache */
    outFree(&J, zlen, wlen, blen, shared);
    free(fold);
    free(okey);
    for (size_t i = 0; i < n; i++) mdlVecFree(&x[i]);
    free(x);
    free(y);
    m->train_ms = cbNowMs() - t0;
    return m;
}
