/* scaledkit.h - what the tests of the scaled path (engine_scaled.c, the
 * re-ranker) share: a knowledge loaded without its diagnostics, and index
 * parameters that put any knowledge on the scaled path. Header only. */
#ifndef CB_TESTS_SCALEDKIT_H
#define CB_TESTS_SCALEDKIT_H

#include "base/diag.h"
#include "kb/kb.h"
#include "match/engine.h"

/* The knowledge in dir, its diagnostics dropped; NULL when it does not load. */
static inline kb *kitLoadKb(const char *dir) {
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(dir, &d);
    cbDiagsFree(&d);
    return k;
}

/* The defaults, with the scaled path whatever CAREERBOT_DENSE_MAX says. */
static inline engParams kitScaledParams(void) {
    engParams p;
    engDefaultParams(&p);
    p.dense_max = 1;
    return p;
}

#endif
