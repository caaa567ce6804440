/* engine_temperature.c - the softmax temperature and the weights of the
 * lexical evidence (engine_model.h: mdlPredictEv), chosen to minimize the
 * log loss of the out-of-fold logits (over every class, out of scope
 * included), so that a probability means what it says on questions the
 * model did not train on.
 *
 * The search is a few rounds of one-axis-at-a-time golden sections (the
 * loss is smooth in each): some 80 evaluations of the loss over every
 * example, a third of a training on one processor. The loss is a sum of
 * FIT_PARTS fixed parts (runs of examples) added in order, which a pool of
 * forked workers (base/jobs.h) computes side by side: the same figure, so
 * the same model, however many processors there are. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/jobs.h"
#include "match/engine_model.h"

#define TEMP_MIN 0.2
#define TEMP_MAX 5.0
#define BETA_MAX 8.0 /* weight of the lexical evidence: 0 (none) to this */
#define FIT_STEPS 12  /* golden-section steps per axis: the interval shrinks to 0.3% */
#define FIT_ROUNDS 2
#define FIT_PARTS 16 /* the loss's parts: more than there are workers */
#define MIN_PROB 1e-12 /* the loss of a gold class at probability 0 is finite */

typedef struct fitCtx {
    const double *z; /* out-of-fold logits, n x nc */
    const uint32_t *y;
    const mdlExample *ex;
    size_t n, nc;
    double *zz, *p; /* scratch, nc each (each process has its copy) */
    cbPool *pool;
} fitCtx;

/* The loss of part `part`'s examples at (log temperature, beta, gamma) =
 * v[0], v[1], v[2]: each example's logits plus its evidence (as
 * mdlPredictEv adds it), then minus the log of its class's probability. */
static double partLoss(void *ctx, size_t part, const double *v) {
    const fitCtx *c = ctx;
    size_t nc = c->nc, from = part * c->n / FIT_PARTS, to = (part + 1) * c->n / FIT_PARTS;
    double t = exp(v[0]), sum = 0;
    for (size_t i = from; i < to; i++) {
        mdlWithEvidence(c->z + i * nc, &c->ex[i], nc, v[1], v[2], t, c->zz);
        mdlSoftmax(c->zz, nc, t, NULL, c->p);
        sum -= log(c->p[c->y[i]] > MIN_PROB ? c->p[c->y[i]] : MIN_PROB);
    }
    return sum;
}

static double fitLoss(const fitCtx *c, const double *v) {
    return c->n ? cbPoolSum(c->pool, v) / (double)c->n : 0;
}

/* Minimize over v[k] in [lo, hi] with the other fixed: golden section. */
static void fitAxis(const fitCtx *c, double *v, int k, double lo, double hi) {
    const double g = 0.6180339887498949;
    double a = lo, b = hi, x1 = b - g * (b - a), x2 = a + g * (b - a);
    v[k] = x1;
    double f1 = fitLoss(c, v);
    v[k] = x2;
    double f2 = fitLoss(c, v);
    for (int i = 0; i < FIT_STEPS; i++) {
        if (f1 <= f2) {
            b = x2, x2 = x1, f2 = f1, x1 = b - g * (b - a);
            v[k] = x1;
            f1 = fitLoss(c, v);
        } else {
            a = x1, x1 = x2, f1 = f2, x2 = a + g * (b - a);
            v[k] = x2;
            f2 = fitLoss(c, v);
        }
    }
    v[k] = f1 <= f2 ? x1 : x2;
}

void mdlFitTemperature(mdlModel *m, const double *z, const uint32_t *y, const mdlExample *ex,
                       size_t n) {
    size_t nc = m->nclass;
    fitCtx c = {z, y, ex, n, nc, cbMalloc(nc * sizeof(double)), cbMalloc(nc * sizeof(double)),
                NULL};
    c.pool = cbPoolStart(FIT_PARTS, 3, partLoss, &c, 0);
    double v[3] = {0, 0, 0}; /* temperature 1, no evidence */
    for (int r = 0; r < FIT_ROUNDS; r++) {
        fitAxis(&c, v, 0, log(TEMP_MIN), log(TEMP_MAX));
        fitAxis(&c, v, 1, 0, BETA_MAX);
        fitAxis(&c, v, 2, 0, BETA_MAX);
    }
    cbPoolStop(c.pool);
    m->temp = exp(v[0]);
    m->beta = v[1];
    m->gamma = v[2];
    free(c.zz);
    free(c.p);
}
