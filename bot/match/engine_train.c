/* engine_train.c - the matcher's training set, taken from the knowledge
 * each time an index is built (so an edit, a hot reload or `kb import`
 * retrains with no manual step): each entry's question and alternates are
 * examples of that entry, each line of out-of-scope.txt an example of
 * "out of scope", analyzed exactly as questions are (engAnalyze: stems,
 * synonyms), then handed to the classifier (engine_model.h).
 *
 * A second, small classifier learns the out-of-scope.txt sections from
 * their lines alone (ix->sections): when a question is declined, it says
 * which kind it is, so the bot can say where to ask instead
 * (redirects.yaml). It never changes a decision: the main classifier keeps
 * one "out of scope" class, whose examples are every section's.
 *
 * The classifier is a dense softmax over every entry while it fits its
 * budgets (engine_calib.c) and up to ENG_DENSE_MAX entries; beyond, the
 * index keeps no model: entries are ranked by BM25F and the confidence
 * comes from the scaled scorer (engine_scaled.c). */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/engine_int.h"

#define ENG_FOLDS 4 /* cross-validation folds for the calibration */

static void addExample(engIndex *ix, engTerms *x, const char *s, uint32_t label,
                       mdlExample *ex, mdlKeys *keys, size_t *n) {
    if (!s) return;
    char *norm = NULL;
    size_t nl = 0;
    if (engAnalyze(ix, s, strlen(s), 0, x, NULL) != CB_OK ||
        txtNormalize(s, strlen(s), &norm, &nl, NULL) != CB_OK)
        return;
    memset(&keys[*n], 0, sizeof(keys[*n]));
    mdlKeysOf(&x->out, norm, nl, &keys[*n]);
    engLookupKeys(ix, &x->out, &keys[*n]);
    free(norm);
    ex[*n] = (mdlExample){.text = s, .label = label};
    ex[*n].nev = (uint32_t)engExampleEvidence(ix, x, label, &ex[*n].ev_class, &ex[*n].ev);
    (*n)++;
}

/* The section classifier, from the main one's out-of-scope examples
 * (ex/keys from first on): needs two named sections or more. */
static void trainSections(engIndex *ix, const mdlExample *ex, const mdlKeys *keys, size_t first,
                          size_t n) {
    const kb *k = ix->k;
    if (k->out_of_scope_sections.n < 3 || n <= first) return; /* "" and one named */
    mdlExample *sx = cbMalloc((n - first) * sizeof(*sx));
    for (size_t i = first; i < n; i++) {
        sx[i - first] = ex[i];
        sx[i - first].nev = 0; /* its evidence is about entries, not sections */
    }
    ix->sections = mdlTrain(keys + first, sx, n - first, k->out_of_scope_sections.n, ENG_FOLDS);
    free(sx);
}

int engTrain(engIndex *ix, char *err) {
    const kb *k = ix->k;
    (void)err;
    if (k->nentries == 0 || k->nentries > ENG_DENSE_MAX) return CB_OK;
    size_t cap = k->out_of_scope.n;
    for (size_t e = 0; e < k->nentries; e++) cap += 1 + k->entries[e].alternates.n;
    mdlExample *ex = cbMalloc(cap * sizeof(*ex));
    mdlKeys *keys = cbMalloc(cap * sizeof(*keys));
    size_t n = 0;
    engTerms x;
    engTermsInit(&x);
    for (size_t e = 0; e < k->nentries; e++) {
        const kbEntry *en = &k->entries[e];
        addExample(ix, &x, en->question, (uint32_t)e, ex, keys, &n);
        for (size_t a = 0; a < en->alternates.n; a++)
            addExample(ix, &x, en->alternates.v[a], (uint32_t)e, ex, keys, &n);
    }
    size_t first = n;
    for (size_t i = 0; i < k->out_of_scope.n; i++) {
        size_t before = n;
        addExample(ix, &x, k->out_of_scope.v[i], (uint32_t)k->nentries, ex, keys, &n);
        if (n > before && k->out_of_scope_section) ex[before].section = k->out_of_scope_section[i];
    }
    engTermsFree(&x);
    ix->model = mdlTrain(keys, ex, n, k->nentries + 1, ENG_FOLDS);
    if (ix->model) ix->model->evidence_cap = ix->scr->mass_max;
    for (size_t i = first; i < n; i++) ex[i].label = ex[i].section;
    trainSections(ix, ex, keys, first, n);
    for (size_t i = 0; i < n; i++) {
        mdlKeysFree(&keys[i]);
        free(ex[i].ev_class);
        free(ex[i].ev);
    }
    free(keys);
    free(ex);
    return CB_OK;
}
