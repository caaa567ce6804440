/* engine_recal.c - the last step of the matcher's calibration (see
 * engine_model.h, mdlRecal): a monotone map from the classifier's top
 * probability to how often answers at that probability were right out of
 * fold.
 *
 * Why: the temperature (engine_calib.c) minimizes the log loss over every
 * class, which leaves the top of the scale too sure: out of fold, the
 * answers the softmax gave 0.9 or more were 92% right. An isotonic
 * regression (pool adjacent violators) of "was the best entry right" on
 * the best entry's probability says what each probability is worth.
 * Blocks of fewer than RECAL_MIN_BLOCK examples are pooled with a
 * neighbour so one lucky run of examples does not make a step; the map
 * runs straight between the blocks' centres. It never goes down, so it
 * keeps the entries' order (where it makes two equal, the matcher orders
 * them by the probability they had).
 *
 * The map only ever lowers a probability (min(p, map(p))): out-of-fold
 * examples are the knowledge's own short phrasings, and real questions are
 * harder, so a map that made the model surer in the middle of the scale
 * would answer more of them wrongly (a Platt scaling that did so doubled
 * the wrong answers on real forum questions). */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/engine_model.h"

#define RECAL_MIN_BLOCK 50     /* examples a step of the map stands on, at least */
#define RECAL_MIN_EXAMPLES 200 /* fewer out-of-fold answers: no map, the softmax as it is */

typedef struct recalPoint {
    double p;
    int right;
} recalPoint;

typedef struct recalBlock {
    double lo, hi; /* the probabilities it spans */
    double right;  /* how many of its examples were right */
    size_t n;
} recalBlock;

static int cmpPoint(const void *a, const void *b) {
    const recalPoint *x = a, *y = b;
    return x->p < y->p ? -1 : x->p > y->p ? 1 : x->right - y->right;
}

static double blockMean(const recalBlock *b) {
    return b->right / (double)b->n;
}

static void pool(recalBlock *into, const recalBlock *from) {
    if (from->lo < into->lo) into->lo = from->lo;
    if (from->hi > into->hi) into->hi = from->hi;
    into->right += from->right;
    into->n += from->n;
}

/* Pool adjacent violators over points sorted by p: blocks whose means
 * rise strictly, and whose spans of p do not touch (examples with one
 * probability are one block), so their centres rise strictly too. How
 * many blocks. */
static size_t poolViolators(const recalPoint *pt, size_t n, recalBlock *bl) {
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        bl[nb++] = (recalBlock){pt[i].p, pt[i].p, pt[i].right, 1};
        while (nb > 1 && (blockMean(&bl[nb - 2]) >= blockMean(&bl[nb - 1]) ||
                          bl[nb - 2].hi >= bl[nb - 1].lo)) {
            pool(&bl[nb - 2], &bl[nb - 1]);
            nb--;
        }
    }
    return nb;
}

/* Pool every block smaller than min into a neighbour (the next one, the
 * previous for the last): the means still rise. How many blocks. */
static size_t poolSmall(recalBlock *bl, size_t nb, size_t min) {
    size_t i = 0;
    while (nb > 1 && i < nb) {
        if (bl[i].n >= min) {
            i++;
            continue;
        }
        size_t a = i + 1 < nb ? i : i - 1; /* pool blocks a and a + 1 */
        pool(&bl[a], &bl[a + 1]);
        memmove(&bl[a + 1], &bl[a + 2], (nb - a - 2) * sizeof(*bl));
        nb--;
        i = a; /* the pooled block may still be small */
    }
    return nb;
}

void mdlRecalFit(const double *conf, const uint8_t *right, size_t n, mdlRecal *out) {
    mdlRecalFree(out);
    if (n < RECAL_MIN_EXAMPLES) return;
    recalPoint *pt = cbMalloc(n * sizeof(*pt));
    for (size_t i = 0; i < n; i++) pt[i] = (recalPoint){conf[i], right[i] != 0};
    qsort(pt, n, sizeof(*pt), cmpPoint);
    recalBlock *bl = cbMalloc(n * sizeof(*bl));
    size_t nb = poolSmall(bl, poolViolators(pt, n, bl), RECAL_MIN_BLOCK);
    out->x = cbMalloc(nb * sizeof(*out->x));
    out->y = cbMalloc(nb * sizeof(*out->y));
    for (size_t b = 0; b < nb; b++) {
        out->x[b] = (bl[b].lo + bl[b].hi) / 2;
        out->y[b] = blockMean(&bl[b]);
    }
    out->n = nb;
    free(bl);
    free(pt);
}

double mdlRecalApply(const mdlRecal *r, double p) {
    if (!r || r->n == 0) return p;
    double v;
    if (p <= r->x[0]) {
        v = r->y[0];
    } else if (p >= r->x[r->n - 1]) {
        v = r->y[r->n - 1];
    } else {
        size_t lo = 0, hi = r->n - 1; /* x[lo] < p < x[hi] */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (r->x[mid] <= p) lo = mid;
            else hi = mid;
        }
        double span = r->x[hi] - r->x[lo];
        v = span > 0 ? r->y[lo] + (r->y[hi] - r->y[lo]) * (p - r->x[lo]) / span : r->y[hi];
    }
    return v < p ? v : p;
}

int mdlRecalValid(const mdlRecal *r) {
    for (size_t i = 0; i < r->n; i++) {
        if (!(r->x[i] >= 0 && r->x[i] <= 1 && r->y[i] >= 0 && r->y[i] <= 1)) return 0;
        if (i && !(r->x[i] > r->x[i - 1] && r->y[i] >= r->y[i - 1])) return 0;
    }
    return 1;
}

void mdlRecalFree(mdlRecal *r) {
    free(r->x);
    free(r->y);
    *r = (mdlRecal){NULL, NULL, 0};
}
