/* engine_scaled.c - the confidence past ENG_DENSE_MAX entries, where the
 * index keeps no classifier: the entries BM25F touched are the candidates,
 * ranked by their score; the confidence is the share of the candidates'
 * score mass the entry holds (a softmax of BM25F scores), so one clear
 * winner is sure and a near tie is a "did you mean". */
#include <math.h>

#include "match/engine_int.h"

#define SCALED_TEMP 1.0 /* idf units per factor e of odds */

size_t engScaledConfidence(const engIndex *ix, double *conf, uint32_t *cand) {
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
    sum += exp(-mx / SCALED_TEMP); /* "none of them": a score of 0 */
    for (size_t i = 0; i < n; i++) {
        double c = conf[cand[i]] / sum;
        if ((s->flags[cand[i]] & 4) && c < ix->pattern_conf) c = ix->pattern_conf;
        conf[cand[i]] = c;
    }
    return n;
}
