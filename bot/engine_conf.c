/* engine_conf.c - confidence of a hit, in [0,1]:
 *
 *   conf = 1 / (1 + exp(-(C0 + C_COV*cov + C_MARGIN*margin
 *                          + C_STR*min(strength/STR_FULL, 1) + C_PAT*pattern)))
 *
 * cov is the key feature: the idf-weighted share of the question's
 * informative words that the entry holds (a word in the question or
 * alternates counts fully, in keywords a bit less, only in the answer
 * half). Words the knowledge never uses count as rare words, so "how do I
 * reverse a list in python" covers little even though "python" and "list"
 * are known: that is how coding help (or the weather) abstains.
 * margin separates a clear winner from a tie between entries; strength
 * keeps one very common word ("python") from answering on its own; a
 * maintainer's pattern is a strong, deliberate signal (never below
 * PAT_FLOOR).
 * The constants were fitted by hand on the eval set's in-scope versus
 * out-of-scope queries (see `careerbot kb eval`); 0.5 is the answer
 * threshold, 0.2 the "did you mean" one. */
#include "engine_conf.h"

#include <math.h>

#include "engine_int.h"

#define C0 (-10.0)
#define C_COV 9.0
#define C_MARGIN 1.5
#define C_STR 4.0
#define C_PAT 6.0
#define PAT_FLOOR 0.92
#define STR_FULL 3.0
#define UNKNOWN_SHARE 0.8

double confFieldQuality(uint8_t fields) {
    if (fields & ENG_F_Q) return 1.0;
    if (fields & ENG_F_K) return 0.85;
    return 0.5;
}

double confUnknownWeight(double idf_max) {
    return UNKNOWN_SHARE * (idf_max > 1.0 ? idf_max : 1.0);
}

double confCompute(const confFeat *f) {
    double cov = f->cov < 0 ? 0 : f->cov > 1 ? 1 : f->cov;
    double m = f->margin < -1 ? -1 : f->margin > 1 ? 1 : f->margin;
    double st = f->strength / STR_FULL;
    if (st > 1) st = 1;
    if (st < 0) st = 0;
    double z = C0 + C_COV * cov + C_MARGIN * m + C_STR * st + (f->pattern ? C_PAT : 0);
    double c = 1.0 / (1.0 + exp(-z));
    if (f->pattern && c < PAT_FLOOR) c = PAT_FLOOR; /* a pattern is a deliberate match */
    return c < 0 ? 0 : c > 1 ? 1 : c;
}
