/* engine.c - the matcher (see engine.h). Temporary skeleton: builds an
 * index that finds nothing, so the program links while the real ranking
 * lands. */
#include "engine.h"

#include <stdlib.h>

#include "common.h"

struct engIndex {
    const kb *k;
    engParams p;
};

void engDefaultParams(engParams *p) {
    p->answer_threshold = 0.5;
    p->suggest_threshold = 0.2;
}

engIndex *engBuild(const kb *k, const engParams *p, char *err) {
    (void)err;
    engIndex *ix = cbCalloc(1, sizeof(*ix));
    ix->k = k;
    if (p) ix->p = *p; else engDefaultParams(&ix->p);
    return ix;
}

void engFree(engIndex *ix) { free(ix); }

const kb *engKb(const engIndex *ix) { return ix->k; }

int engQuery(const engIndex *ix, const char *text, size_t len, const char *topic, size_t top,
             engResult *out, char *err) {
    (void)ix; (void)topic; (void)top;
    out->outcome = ENG_ABSTAIN;
    out->nhits = 0;
    if (!cbValidUtf8(text, len)) return cbErr(err, "the question is not valid UTF-8 text");
    return CB_OK;
}

size_t engComplete(const engIndex *ix, const char *partial, size_t len, size_t max,
                   const kbEntry **out) {
    (void)ix; (void)partial; (void)len; (void)max; (void)out;
    return 0;
}

char *engNormalize(const engIndex *ix, const char *text, size_t len) {
    (void)ix;
    return cbStrndup(text, len);
}
