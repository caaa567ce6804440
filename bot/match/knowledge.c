/* knowledge.c - load a kb and build its index as one unit (see knowledge.h). */
#include "match/knowledge.h"

#include <stdlib.h>

#include "base/common.h"

knowledge *knowledgeLoad(const char *dir, const engParams *p, cbDiags *d) {
    return knowledgeLoadWith(dir, p, NULL, d);
}

knowledge *knowledgeLoadWith(const char *dir, const engParams *p, kbLoadOpts *o, cbDiags *d) {
    kb *k = kbLoadWith(dir, o, d);
    if (!k) return NULL;
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(k, p, err);
    if (!ix) {
        cbDiagAdd(d, CB_DIAG_ERROR, dir, 0, 0, "cannot build the search index: %s", err);
        kbFree(k);
        return NULL;
    }
    knowledge *kn = cbCalloc(1, sizeof(*kn));
    kn->kb = k;
    kn->ix = ix;
    return kn;
}

void knowledgeFree(knowledge *k) {
    if (!k) return;
    if (k->derived_free) k->derived_free(k->derived);
    engFree(k->ix);
    kbFree(k->kb);
    free(k);
}
