/* engine_fit.h - fitting the engine's confidence (engine_conf.c) from
 * labelled questions: an L2-regularized logistic regression (Newton's
 * method) over the features of each question's top hit, the choice of an
 * operating point (an intercept shift so that the default threshold 0.5
 * keeps wrong answers under a target), and k-fold cross-validation. Used
 * by `careerbot kb eval --fit`; pure arithmetic, no index needed. */
#ifndef CB_ENGINE_FIT_H
#define CB_ENGINE_FIT_H

#include <stddef.h>

#include "match/engine.h"

typedef struct engFitRow {
    double x[ENG_NFEAT]; /* features of the top hit (engHit.feat) */
    int label;           /* 1: the top hit is a gold entry */
    int inscope;         /* the question has gold entries */
    int group;           /* e.g. the file it came from (for CV by group) */
} engFitRow;

typedef struct engFitStats {
    size_t n, in, oos, correct, wrong, oos_answered;
} engFitStats;

/* Fit coef (ENG_NFEAT + 1 values, coef[0] the unpenalized intercept)
 * maximizing the log-likelihood minus l2/2 * |w|^2. CB_OK, or CB_ERR with
 * err filled (no rows, a singular system). */
int engFitLogistic(const engFitRow *rows, size_t n, double l2, double *coef, char *err);
/* Count outcomes when a row is answered iff engConfidence(x, coef) >= 0.5. */
void engFitCount(const engFitRow *rows, size_t n, const double *coef, engFitStats *st);
/* The smallest intercept shift (subtracted from coef[0], on a 0.05 grid in
 * [-6, 10]) with wrong / n <= max_wrong; coef is updated in place. Returns
 * the shift. */
double engFitShift(const engFitRow *rows, size_t n, double max_wrong, double *coef);
/* Cross-validation: rows in fold f = fold[i] are predicted by a model fit
 * (and shifted) on the other folds; held-out counts summed into st. */
int engFitCv(const engFitRow *rows, size_t n, const int *fold, int k, double l2,
             double max_wrong, engFitStats *st, char *err);

#endif
