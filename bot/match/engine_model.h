/* engine_model.h - the learned part of the matcher (internal to
 * bot/match/engine*.c): a multinomial logistic regression over TF-IDF word
 * 1-2-grams (of the analyzed terms: stems, synonyms applied) and character
 * 3-5-grams (of the normalized words), trained on each entry's question
 * and alternates, with the knowledge's out-of-scope examples as one more
 * class; and its calibration, fitted on out-of-fold predictions.
 *
 * Features are hashed (64 bits) and given ids only for what the training
 * examples contain: a query's feature the examples never had weighs
 * nothing in any class, so it is skipped. */
#ifndef CB_ENGINE_MODEL_H
#define CB_ENGINE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "match/text.h"

typedef struct mdlFeat {
    uint32_t id;
    float v;
} mdlFeat;

/* A sparse feature vector, each block scaled by its norm (mdlVectorize). */
typedef struct mdlVec {
    mdlFeat *f;
    size_t n, cap;
} mdlVec;

/* Raw hashed features of a text before weighting (scratch). */
typedef struct mdlKeys {
    uint64_t *k;
    size_t n, cap;
} mdlKeys;

/* A training example: its text and class (an entry index, or nentries for
 * out of scope). */
typedef struct mdlExample {
    const char *text;
    uint32_t label;
    uint32_t section; /* out of scope: its out-of-scope.txt section (0: none) */
    uint8_t unindexed; /* from examples/: not in the index, so its evidence leaves nothing out */
    /* its lexical evidence (see mdlPredictEv), sparse: nev classes and
     * values, as if the example were not in the index; fits beta */
    uint32_t *ev_class;
    float *ev;
    uint32_t nev;
} mdlExample;

/* One reliability bucket (out-of-fold): answers with a confidence in
 * [lo, hi), how many, how many right. */
typedef struct mdlBucket {
    double lo, hi;
    size_t n, right;
} mdlBucket;

#define MDL_NBUCKETS 5

/* Two entries whose examples collide out of fold: `n` examples of `from`
 * went to `to` (the first one in `example`). */
typedef struct mdlCollision {
    uint32_t from, to;
    size_t n;
    const char *example;
} mdlCollision;

/* A monotone map of the best entry's probability to its out-of-fold
 * share of right answers (engine_recal.c): n knots, x rising strictly, y
 * never falling; none (n = 0): the probability as it is. */
typedef struct mdlRecal {
    double *x, *y;
    size_t n;
} mdlRecal;

typedef struct mdlModel {
    size_t nclass, nfeat; /* nclass = entries + 1 (the last: out of scope) */
    uint64_t *keys;       /* per feature: its hash */
    uint32_t *kid;        /* open addressing: feature hash -> id + 1 (0 = empty), kcap slots */
    size_t kcap;
    float *idf;           /* per feature */
    uint8_t *rare;        /* per feature: a term in one example only (counts as unknown) */
    uint8_t *isword;      /* per feature: 1 word block, 0 character block */
    uint16_t *cnt;        /* per feature: scratch counts for mdlVectorize (kept zero) */
    uint32_t unk;         /* the "unknown term" feature: terms the examples (nearly) never
                           * use, so a question about something else weighs toward none */
    /* The weights, nfeat x mdlStride(nclass), stored compactly (mdlQuantize):
     * w[f][c] = wscale[f] * wq[f * stride + c], 16-bit integers and a scale
     * per feature, half the memory of floats with the same answers. */
    int16_t *wq;
    float *wscale;        /* per feature */
    float *b;             /* nclass */
    double temp;          /* softmax temperature, fitted out of fold */
    double beta;          /* weight of the entries' lexical evidence (mdlPredictEv), fitted out of fold */
    double gamma;         /* weight of the out-of-scope lines' evidence, fitted with beta */
    double evidence_cap;  /* a question's weight counts up to this (engine_query.c) */
    double length_norm;   /* mdlVectorize divides by the norm to this power (1: cosine) */
    mdlRecal recal;       /* the best probability's worth out of fold (mdlRecalApply) */
    /* Out-of-fold figures, for `kb check` and `kb eval`. */
    size_t noof, oof_right;
    mdlBucket buckets[MDL_NBUCKETS];
    mdlCollision *coll;
    size_t ncoll;
    double train_ms; /* time spent training and calibrating */
    int epochs, folds; /* as trained (a big knowledge base gets fewer) */
    int from_cache;    /* read from the model cache (engine_cache.c), not trained now */
} mdlModel;

void mdlVecFree(mdlVec *v);
void mdlKeysFree(mdlKeys *k);

/* Hashed features of an analyzed text: terms (stems after synonyms) for
 * word 1-2-grams, norm (the normalized text) for pairs of words as typed
 * (stop words included) and character n-grams. Word features are tagged
 * so the two blocks are weighted apart. */
void mdlKeysOf(const txtToks *terms, const char *norm, size_t nlen, mdlKeys *out);

/* One more word-block term feature for name (a lookup list's: hashed
 * apart from every real term). */
void mdlKeysAddTerm(mdlKeys *out, const char *name);

/* The weighted vector of keys under m (unknown features skipped): each
 * block's tf-idf values divided by the block's norm to the power
 * m->length_norm (1: every question as long as any other). */
void mdlVectorize(const mdlModel *m, const mdlKeys *k, mdlVec *out);

/* Train on n examples (keys[i] their features, vectorized with
 * length_norm, see mdlVectorize): vocabulary, idf, weights,
 * then the temperature and the reliability figures out of fold (folds
 * folds; 0 or 1: none, temperature 1). NULL when there are fewer than two
 * classes, or when the dense weights (features x classes) would take more
 * than 48 MB or training more than 6e9 multiply-adds even with fewer folds
 * and epochs (engine_calib.c's budgets): the caller then ranks without a
 * model. */
mdlModel *mdlTrain(const mdlKeys *keys, const mdlExample *ex, size_t n, size_t nclass,
                   int folds, double length_norm);
void mdlFree(mdlModel *m);

/* Class probabilities of x (nclass values into p), with the fitted
 * temperature. allow: NULL, or 1 per class that may be chosen (others get
 * 0; the out-of-scope class is always allowed). */
void mdlPredict(const mdlModel *m, const mdlVec *x, const uint8_t *allow, double *p);
/* The same with per-class evidence ev (nclass values in [0, 1], NULL for
 * none): the softmax of z / temp + beta * ev, gamma * ev for the last
 * class (out of scope). */
void mdlPredictEv(const mdlModel *m, const mdlVec *x, const uint8_t *allow, const double *ev,
                  double *p);

/* Fit r on n out-of-fold answers: each one's probability and whether it
 * was right (too few: no map). */
void mdlRecalFit(const double *conf, const uint8_t *right, size_t n, mdlRecal *r);
/* p as the map says, never more than p (r NULL or empty: p). */
double mdlRecalApply(const mdlRecal *r, double p);
/* 1 if r's knots are in [0, 1], x rising strictly and y never falling. */
int mdlRecalValid(const mdlRecal *r);
void mdlRecalFree(mdlRecal *r);

/* Training internals shared with engine_calib.c. */
#define MDL_EPOCHS 10
#define MDL_LR 1.0
#define MDL_LR_DECAY 0.5 /* the step shrinks as 1 / (1 + decay * epochs done) */
#define MDL_L2 1e-4
/* Weight rows are padded to a multiple of 8 classes (vector code). */
size_t mdlStride(size_t nc);
/* Store the trained float weights w (nfeat x mdlStride(nclass)) into
 * m->wq and m->wscale: each feature's row as integers in [-32767, 32767]
 * times its largest magnitude / 32767 (error at most half a step). */
void mdlQuantize(mdlModel *m, const float *w);
#define MDL_Q_MAX 32767 /* the largest stored weight magnitude (m->wq) */
/* Fit w (nfeat x mdlStride(nc)) and b by SGD on the examples idx[0..n) of
 * x/y, visited each epoch in an order drawn from okey[i], a key of example
 * i's own content (mdlOrderKeys). */
void mdlFit(const mdlVec *x, const uint32_t *y, const uint64_t *okey, const uint32_t *idx,
            size_t n, size_t nc, size_t nfeat, int epochs, float *w, float *b);
/* Each example's order key: a hash of its text and its class y[i]. */
uint64_t *mdlOrderKeys(const mdlExample *ex, const uint32_t *y, size_t n);
/* The logits of v under w, b (m gives the sizes). */
void mdlLogits(const mdlModel *m, const mdlVec *v, const float *w, const float *b, double *z);
/* engine_temperature.c: m->temp, m->beta and m->gamma that minimize the
 * log loss of the out-of-fold logits z (n x m->nclass) of the examples
 * ex with classes y. */
void mdlFitTemperature(mdlModel *m, const double *z, const uint32_t *y, const mdlExample *ex,
                       size_t n);
/* An example's logits z (nc) plus its lexical evidence at weights beta
 * (entries) and gamma (out of scope, the last class) and temperature t,
 * as mdlPredictEv adds it, into zz (training: out-of-fold logits). */
void mdlWithEvidence(const double *z, const mdlExample *ex, size_t nc, double beta, double gamma,
                     double t, double *zz);
/* Softmax of z / temp over the allowed classes (allow NULL: all). */
void mdlSoftmax(const double *z, size_t nc, double temp, const uint8_t *allow, double *p);
/* engine_model.c: give the training keys feature ids (training only: a
 * model read from the cache has no room for more). */
uint32_t mdlFeatAdd(mdlModel *m, uint64_t key);
/* Build m->kid from m->keys (nfeat of them, read from the cache): 0 when
 * a key is 0 or twice there. */
int mdlFeatIndex(mdlModel *m);
/* 1 if key is a single term's (word unigram). */
int mdlIsTerm(uint64_t key);
/* 1 when one of k's word terms is a feature the model learned (not
 * rare, not the unknown-term one): the question has a word the examples
 * taught, though perhaps no entry uses it. */
int mdlKnowsTerm(const mdlModel *m, const mdlKeys *k);
#define MDL_UNK_KEY (0xC000000000000001ULL) /* word block, term, never a hash */

#endif
