/* engine_train.c - the matcher's training set, taken from the knowledge
 * each time an index is built (so an edit, a hot reload or `kb import`
 * retrains with no manual step): each entry's question and alternates are
 * examples of that entry, each line of out-of-scope.txt an example of
 * "out of scope", analyzed exactly as questions are (engAnalyze: stems,
 * synonyms, lookup lists), with its lexical evidence (BM25F, as if it
 * were not in the index), then handed to the classifier (engine_model.h).
 *
 * A second, small classifier learns the out-of-scope.txt sections from
 * their lines alone (ix->sections): when a question is declined, it says
 * which kind it is, so the bot can say where to ask instead
 * (redirects.yaml). It never changes a decision: the main classifier keeps
 * one "out of scope" class, whose examples are every section's.
 *
 * Both models are kept in the model cache (engine_cache.c) under a key of
 * everything training reads (trainingKeys: what is added to training must
 * be added there too); a build whose key has both files reads them. So is
 * the scaled path's re-ranker, and the mark that no dense model fits a
 * knowledge (so a reload does not try again): a start-up or a reload of an
 * unchanged knowledge trains nothing, and the bot's reloads leave a miss
 * to a child process (cache_only, app_train.c), whichever the path.
 *
 * The classifier is a dense softmax over every entry while it fits its
 * budgets (engine_calib.c) and up to engDenseMax entries; beyond, the
 * index keeps no per-entry model: BM25F finds the candidates and the
 * scaled path's re-ranker, trained here too (engine_rerank.c), gives
 * their confidence (engine_scaled.c). */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/log.h"
#include "match/engine_cache.h"
#include "match/engine_int.h"

#define ENG_FOLDS 4 /* cross-validation folds for the calibration */
#define NODENSE_KIND "CBNODENS" /* the cache's mark: no dense model fits this knowledge */

/* The examples: each entry's question and alternates, then
 * out-of-scope.txt's lines (class nentries, with their section). */
static size_t collectExamples(const kb *k, mdlExample *ex) {
    size_t n = 0;
    for (size_t e = 0; e < k->nentries; e++) {
        const kbEntry *en = &k->entries[e];
        if (en->question) ex[n++] = (mdlExample){.text = en->question, .label = (uint32_t)e};
        for (size_t a = 0; a < en->alternates.n; a++)
            if (en->alternates.v[a])
                ex[n++] = (mdlExample){.text = en->alternates.v[a], .label = (uint32_t)e};
    }
    for (size_t i = 0; i < k->out_of_scope.n; i++)
        if (k->out_of_scope.v[i])
            ex[n++] = (mdlExample){.text = k->out_of_scope.v[i], .label = (uint32_t)k->nentries,
                                   .section = k->out_of_scope_section ? k->out_of_scope_section[i] : 0};
    return n;
}

static void addExtra(const char ***v, size_t *n, size_t *cap, const char *s) {
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *v = cbRealloc(*v, *cap * sizeof(**v));
    }
    (*v)[(*n)++] = s;
}

/* The cache keys of the main model (key 0), the section model (1) and
 * the mark that no dense model fits (2); or, scaled, the one key of the
 * scaled path's re-ranker: over the examples with their classes and
 * sections, the synonyms and lookup lists (they change the analysis), the
 * section names, every entry's keywords and answer (the examples'
 * evidence is BM25F over them), scaled also its patterns (a feature of
 * the re-ranker), and matching.json's values, with the classes and folds. */
static void trainingKeys(const kb *k, const mdlExample *ex, size_t n, int scaled, size_t nkeys,
                         uint8_t (*key)[MDC_KEYLEN]) {
    const char **extra = NULL;
    size_t nx = 0, cap = 0;
    for (size_t g = 0; g < k->nsynonyms; g++) {
        for (size_t m = 0; m < k->synonyms[g].n; m++) addExtra(&extra, &nx, &cap, k->synonyms[g].v[m]);
        addExtra(&extra, &nx, &cap, NULL); /* the end of a group */
    }
    for (size_t l = 0; l < k->nlookups; l++) {
        addExtra(&extra, &nx, &cap, k->lookups[l].name);
        for (size_t w = 0; w < k->lookups[l].words.n; w++)
            addExtra(&extra, &nx, &cap, k->lookups[l].words.v[w]);
        addExtra(&extra, &nx, &cap, NULL);
    }
    for (size_t s = 0; s < k->out_of_scope_sections.n; s++)
        addExtra(&extra, &nx, &cap, k->out_of_scope_sections.v[s]);
    for (size_t e = 0; e < k->nentries; e++) { /* the evidence is BM25F over every field */
        addExtra(&extra, &nx, &cap, k->entries[e].id);
        for (size_t w = 0; w < k->entries[e].keywords.n; w++)
            addExtra(&extra, &nx, &cap, k->entries[e].keywords.v[w]);
        addExtra(&extra, &nx, &cap, k->entries[e].answer);
        for (size_t i = 0; scaled && i < k->entries[e].patterns.n; i++)
            addExtra(&extra, &nx, &cap, k->entries[e].patterns.v[i]);
        if (scaled) addExtra(&extra, &nx, &cap, NULL);
    }
    if (scaled) addExtra(&extra, &nx, &cap, "the scaled path's re-ranker");
    double *nums = cbMalloc((3 + n) * sizeof(*nums));
    size_t nn = 0;
    nums[nn++] = k->matching.answer_threshold;
    nums[nn++] = k->matching.suggest_threshold;
    nums[nn++] = k->matching.pattern_confidence;
    for (size_t i = 0; i < n; i++) nums[nn++] = ex[i].section;
    mdcInputs in = {.ex = ex, .n = n, .nclass = k->nentries + 1, .folds = ENG_FOLDS,
                    .extra = extra, .nextra = nx, .nums = nums, .nnums = nn};
    mdcKeys(&in, nkeys, key);
    free(extra);
    free(nums);
}

/* The section classifier, from the main one's out-of-scope examples
 * (ex/keys from first on): needs two named sections or more. */
static mdlModel *trainSections(const kb *k, const mdlExample *ex, const mdlKeys *keys,
                               size_t first, size_t n) {
    if (k->out_of_scope_sections.n < 3 || n <= first) return NULL; /* "" and one named */
    mdlExample *sx = cbMalloc((n - first) * sizeof(*sx));
    for (size_t i = first; i < n; i++) /* no evidence: it is about entries, not sections */
        sx[i - first] = (mdlExample){.text = ex[i].text, .label = ex[i].section};
    mdlModel *m = mdlTrain(keys + first, sx, n - first, k->out_of_scope_sections.n, ENG_FOLDS);
    free(sx);
    return m;
}

static int wantsSections(const kb *k) { return k->out_of_scope_sections.n >= 3; }

/* Train both models on ex[0..n): each example analyzed exactly as a
 * question is (one that does not analyze is left out). */
static void trainFresh(engIndex *ix, const mdlExample *ex, size_t n) {
    mdlKeys *keys = cbCalloc(n ? n : 1, sizeof(*keys));
    mdlExample *ok = cbMalloc((n ? n : 1) * sizeof(*ok));
    size_t m = 0, first = 0;
    engTerms x;
    engTermsInit(&x);
    for (size_t i = 0; i < n; i++) {
        const char *s = ex[i].text;
        char *norm = NULL;
        size_t nl = 0;
        if (engAnalyze(ix, s, strlen(s), 0, &x, NULL) != CB_OK ||
            txtNormalize(s, strlen(s), &norm, &nl, NULL) != CB_OK)
            continue;
        if (ex[i].label < ix->k->nentries) first = m + 1; /* entries come first */
        mdlKeysOf(&x.out, norm, nl, &keys[m]);
        engLookupKeys(ix, &x.out, &keys[m]);
        free(norm);
        ok[m] = ex[i];
        ok[m].nev = (uint32_t)engExampleEvidence(ix, &x, ex[i].label, s, &ok[m].ev_class,
                                                 &ok[m].ev);
        m++;
    }
    engTermsFree(&x);
    ix->model = mdlTrain(keys, ok, m, ix->k->nentries + 1, ENG_FOLDS);
    if (ix->model) ix->model->evidence_cap = ix->scr->mass_max; /* the phrasings' largest */
    if (ix->model) ix->sections = trainSections(ix->k, ok, keys, first, m);
    for (size_t i = 0; i < m; i++) {
        mdlKeysFree(&keys[i]);
        free(ok[i].ev_class);
        free(ok[i].ev);
    }
    free(keys);
    free(ok);
}

/* Both models from the cache, or neither. */
static void loadCached(engIndex *ix, const char *dir, const uint8_t key[3][MDC_KEYLEN],
                       const mdlExample *ex, size_t n) {
    ix->model = mdcLoad(dir, key[0], ex, n);
    if (!ix->model || !wantsSections(ix->k)) return;
    ix->sections = mdcLoad(dir, key[1], ex, n);
    if (ix->sections) return;
    mdlFree(ix->model);
    ix->model = NULL;
}

/* The models, or (none fits the budgets) the mark that says so. */
static void saveCached(const engIndex *ix, const char *dir, const uint8_t key[3][MDC_KEYLEN],
                       const mdlExample *ex, size_t n) {
    char msg[CB_ERRLEN];
    const double none = 1;
    int rc = ix->model ? mdcSave(dir, key[0], ix->model, ex, n, msg)
                       : mdcSaveRecord(dir, key[2], NODENSE_KIND, &none, 1, msg);
    if (rc == CB_OK && ix->sections) rc = mdcSave(dir, key[1], ix->sections, ex, n, msg);
    if (rc != CB_OK) logEvent(LOG_WARN, "model.cache_unwritten", "msg=\"%s\"", msg);
}

/* The dense classifier: from the cache, else trained here, or (cache_only)
 * left to another process (needs_training). ix->model stays NULL when it
 * does not fit the budgets (which the cache remembers too). */
static void denseModel(engIndex *ix, const mdlExample *ex, size_t n) {
    uint8_t key[3][MDC_KEYLEN];
    const char *dir = ix->p.cache_dir;
    if (dir) {
        trainingKeys(ix->k, ex, n, 0, 3, key);
        double none;
        if (mdcLoadRecord(dir, key[2], NODENSE_KIND, &none, 1) == CB_OK) return; /* too big */
        loadCached(ix, dir, key, ex, n);
        if (ix->model) return;
        if (ix->p.cache_only) {
            ix->needs_training = 1; /* the caller trains elsewhere */
            return;
        }
    }
    trainFresh(ix, ex, n);
    if (dir) saveCached(ix, dir, key, ex, n);
}

/* The scaled path's re-ranker: from the cache, else trained here, or
 * (cache_only) left to another process, as the dense model. */
static int scaledModel(engIndex *ix, const mdlExample *ex, size_t n, char *err) {
    uint8_t key[1][MDC_KEYLEN];
    const char *dir = ix->p.cache_dir;
    if (dir) {
        trainingKeys(ix->k, ex, n, 1, 1, key);
        if (engRerankLoad(ix, dir, key[0]) == CB_OK) return CB_OK;
        if (ix->p.cache_only) {
            ix->needs_training = 1;
            return CB_OK;
        }
    }
    int rc = engRerankTrain(ix, err);
    if (dir && rc == CB_OK) engRerankSave(ix, dir, key[0]);
    return rc;
}

int engTrain(engIndex *ix, char *err) {
    const kb *k = ix->k;
    if (k->nentries == 0) return CB_OK;
    size_t cap = k->out_of_scope.n;
    for (size_t e = 0; e < k->nentries; e++) cap += 1 + k->entries[e].alternates.n;
    mdlExample *ex = cbMalloc((cap ? cap : 1) * sizeof(*ex));
    size_t n = collectExamples(k, ex);
    if (k->nentries <= engDenseMax(ix)) denseModel(ix, ex, n);
    /* past engDenseMax, or over the dense model's budgets (engine_calib.c):
     * the scaled path */
    int rc = ix->model || ix->needs_training ? CB_OK : scaledModel(ix, ex, n, err);
    free(ex);
    return rc;
}
