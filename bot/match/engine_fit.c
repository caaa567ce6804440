/* engine_fit.c - logistic regression for the engine's confidence (see
 * engine_fit.h): Newton's method on the L2-penalized log-likelihood (a
 * 16x16 linear system per step, Gaussian elimination with partial
 * pivoting), operating point by intercept shift, k-fold cross-validation. */
#include "match/engine_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

#define D (ENG_NFEAT + 1)
#define FIT_ITERS 100
#define FIT_EPS 1e-9

static double linear(const double *x, const double *w) {
    double z = w[0];
    for (size_t i = 0; i < ENG_NFEAT; i++) z += w[1 + i] * x[i];
    return z;
}

/* Solve a x = b (D x D, destroyed); CB_ERR when singular. */
static int solve(double a[D][D], double *b, double *x) {
    for (size_t c = 0; c < D; c++) {
        size_t p = c;
        for (size_t r = c + 1; r < D; r++)
            if (fabs(a[r][c]) > fabs(a[p][c])) p = r;
        if (fabs(a[p][c]) < 1e-12) return CB_ERR;
        for (size_t j = 0; j < D; j++) {
            double t = a[c][j];
            a[c][j] = a[p][j];
            a[p][j] = t;
        }
        double t = b[c];
        b[c] = b[p];
        b[p] = t;
        for (size_t r = c + 1; r < D; r++) {
            double f = a[r][c] / a[c][c];
            for (size_t j = c; j < D; j++) a[r][j] -= f * a[c][j];
            b[r] -= f * b[c];
        }
    }
    for (size_t c = D; c-- > 0;) {
        double s = b[c];
        for (size_t j = c + 1; j < D; j++) s -= a[c][j] * x[j];
        x[c] = s / a[c][c];
    }
    return CB_OK;
}

/* One Newton step's gradient g and Hessian h (of the negative penalized
 * log-likelihood) at w. */
static void newtonSystem(const engFitRow *rows, size_t n, double l2, const double *w,
                         double h[D][D], double *g) {
    memset(h, 0, sizeof(double) * D * D);
    memset(g, 0, sizeof(double) * D);
    for (size_t i = 0; i < n; i++) {
        double x[D] = {1};
        memcpy(x + 1, rows[i].x, sizeof(rows[i].x));
        double p = 1.0 / (1.0 + exp(-linear(rows[i].x, w)));
        double r = p - rows[i].label, v = p * (1 - p);
        for (size_t a = 0; a < D; a++) {
            g[a] += r * x[a];
            for (size_t b = 0; b < D; b++) h[a][b] += v * x[a] * x[b];
        }
    }
    for (size_t a = 1; a < D; a++) {
        g[a] += l2 * w[a];
        h[a][a] += l2;
    }
    h[0][0] += 1e-9; /* the intercept is not penalized; keep the system regular */
}

int engFitLogistic(const engFitRow *rows, size_t n, double l2, double *coef, char *err) {
    if (!n) return cbErr(err, "no labelled questions to fit");
    memset(coef, 0, sizeof(double) * D);
    for (int it = 0; it < FIT_ITERS; it++) {
        double h[D][D], g[D], step[D];
        newtonSystem(rows, n, l2, coef, h, g);
        if (solve(h, g, step) != CB_OK) return cbErr(err, "singular system (add --l2)");
        double norm = 0;
        for (size_t a = 0; a < D; a++) {
            coef[a] -= step[a];
            norm += step[a] * step[a];
        }
        if (norm < FIT_EPS) break;
    }
    return CB_OK;
}

void engFitCount(const engFitRow *rows, size_t n, const double *coef, engFitStats *st) {
    for (size_t i = 0; i < n; i++) {
        int answered = engConfidence(rows[i].x, coef) >= 0.5;
        st->n++;
        st->in += rows[i].inscope != 0;
        st->oos += !rows[i].inscope;
        st->correct += answered && rows[i].label && rows[i].inscope;
        st->wrong += answered && !rows[i].label;
        st->oos_answered += answered && !rows[i].inscope;
    }
}

double engFitShift(const engFitRow *rows, size_t n, double max_wrong, double *coef) {
    double base = coef[0], best = 10.0;
    for (int step = 0; step <= 320; step++) { /* shifts -6.00 ... +10.00 by 0.05 */
        double s = -6.0 + 0.05 * step;
        engFitStats st = {0};
        coef[0] = base - s;
        engFitCount(rows, n, coef, &st);
        if (st.n && (double)st.wrong <= max_wrong * (double)st.n) {
            best = s;
            break;
        }
    }
    coef[0] = base - best;
    return best;
}

int engFitCv(const engFitRow *rows, size_t n, const int *fold, int k, double l2,
             double max_wrong, engFitStats *st, char *err) {
    engFitRow *train = cbMalloc((n ? n : 1) * sizeof(*train));
    engFitRow *test = cbMalloc((n ? n : 1) * sizeof(*test));
    int rc = CB_OK;
    for (int f = 0; f < k && rc == CB_OK; f++) {
        size_t ntr = 0, nte = 0;
        for (size_t i = 0; i < n; i++) {
            if (fold[i] == f) test[nte++] = rows[i];
            else train[ntr++] = rows[i];
        }
        if (!nte) continue;
        double coef[D] = {0};
        rc = engFitLogistic(train, ntr, l2, coef, err);
        if (rc != CB_OK) break;
        engFitShift(train, ntr, max_wrong, coef);
        engFitCount(test, nte, coef, st);
    }
    free(train);
    free(test);
    return rc;
}
