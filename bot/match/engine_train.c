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

/* The examples: each entry's question and alternates, the questions of
 * examples/ that name an entry, then out-of-scope.txt's lines (class
 * nentries, with their section) and the questions of examples/ that name
 * none (with no section: the section model learns out-of-scope.txt's
 * kinds alone, trainSections). */
static size_t collectExamples(const kb *k, mdlExample *ex) {
    size_t n = 0;
    const uint32_t none = (uint32_t)k->nentries, nosection = (uint32_t)k->out_of_scope_sections.n;
    for (size_t e = 0; e < k->nentries; e++) {
        const kbEntry *en = &k->entries[e];
        if (en->question) ex[n++] = (mdlExample){.text = en->question, .label = (uint32_t)e};
        for (size_t a = 0; a < en->alternates.n; a++)
            if (en->alternates.v[a])
                ex[n++] = (mdlExample){.text = en->alternates.v[a], .label = (uint32_t)e};
    }
    for (size_t i = 0; i < k->train_q.n; i++) {
        const kbEntry *en = *k->train_ids.v[i] ? kbFindEntry(k, k->train_ids.v[i]) : NULL;
        if (en)
            ex[n++] = (mdlExample){.text = k->train_q.v[i], .label = (uint32_t)(en - k->entries),
                                   .unindexed = 1};
    }
    for (size_t i = 0; i < k->out_of_scope.n; i++)
        if (k->out_of_scope.v[i])
            ex[n++] = (mdlExample){.text = k->out_of_scope.v[i], .label = none,
                                   .section = k->out_of_scope_section ? k->out_of_scope_section[i] : 0};
    for (size_t i = 0; i < k->train_q.n; i++)
        if (!*k->train_ids.v[i])
            ex[n++] = (mdlExample){.text = k->train_q.v[i], .label = none, .section = nosection,
                                   .unindexed = 1};
    return n;
}

/* The cache keys of the main model (key 0), the section model (1) and
 * the mark that no dense model fits (2); or, scaled, the one key of the
 * scaled path's re-ranker: over the examples with their classes and
 * sections, the stop words, synonyms and lookup lists (they change the
 * analysis), the section names, every entry's keywords and answer (the
 * examples' evidence is BM25F over them), scaled also its patterns (a
 * feature of the re-ranker), and matching.json's values, with the classes
 * and folds.
 * Hashed in pieces (keyStep: a chunk of examples or entries a call), so
 * the reload of a big knowledge, which hashes every answer, is sliced. */
typedef struct keyJob {
    const kb *k;
    const mdlExample *ex;
    size_t n;
    int scaled;
    mdcHasher *h;
    int stage;   /* K_* */
    size_t next; /* the next example or entry */
} keyJob;

enum { K_EXAMPLES, K_SHARED, K_ENTRIES, K_END };
#define KEY_CHUNK 256 /* examples or entries hashed between two looks at the clock */

static void keyBegin(keyJob *kj, const kb *k, const mdlExample *ex, size_t n, int scaled) {
    *kj = (keyJob){.k = k, .ex = ex, .n = n, .scaled = scaled,
                   .h = mdcKeysBegin(n, k->nentries + 1, ENG_FOLDS)};
}

/* The stop words, the synonyms (a NULL ends a group), the lookup lists,
 * the section names. */
static void keyShared(mdcHasher *h, const kb *k) {
    kbStrs tmp;
    const kbStrs *stop = kbStopWords(k, &tmp);
    for (size_t w = 0; w < stop->n; w++) mdcKeysAddStr(h, stop->v[w]);
    mdcKeysAddStr(h, NULL);
    kbStrsFree(&tmp);
    for (size_t g = 0; g < k->nsynonyms; g++) {
        for (size_t m = 0; m < k->synonyms[g].n; m++) mdcKeysAddStr(h, k->synonyms[g].v[m]);
        mdcKeysAddStr(h, NULL);
    }
    for (size_t l = 0; l < k->nlookups; l++) {
        mdcKeysAddStr(h, k->lookups[l].name);
        for (size_t w = 0; w < k->lookups[l].words.n; w++) mdcKeysAddStr(h, k->lookups[l].words.v[w]);
        mdcKeysAddStr(h, NULL);
    }
    for (size_t s = 0; s < k->out_of_scope_sections.n; s++)
        mdcKeysAddStr(h, k->out_of_scope_sections.v[s]);
}

/* Entry e's fields the evidence reads (and, scaled, its patterns). */
static void keyEntry(mdcHasher *h, const kbEntry *en, int scaled) {
    mdcKeysAddStr(h, en->id);
    for (size_t w = 0; w < en->keywords.n; w++) mdcKeysAddStr(h, en->keywords.v[w]);
    mdcKeysAddStr(h, en->answer);
    for (size_t i = 0; scaled && i < en->patterns.n; i++) mdcKeysAddStr(h, en->patterns.v[i]);
    if (scaled) mdcKeysAddStr(h, NULL);
}

/* One chunk; 1 when only keyEnd is left. */
static int keyStep(keyJob *kj) {
    if (kj->stage == K_EXAMPLES) {
        size_t end = kj->n - kj->next > KEY_CHUNK ? kj->next + KEY_CHUNK : kj->n;
        for (size_t i = kj->next; i < end; i++) {
            mdcKeysAdd(kj->h, &kj->ex[i].label, sizeof(kj->ex[i].label));
            mdcKeysAddStr(kj->h, kj->ex[i].text);
        }
        kj->next = end;
        if (end == kj->n) {
            kj->stage = K_SHARED;
            kj->next = 0;
        }
    } else if (kj->stage == K_SHARED) {
        keyShared(kj->h, kj->k);
        kj->stage = K_ENTRIES;
    } else if (kj->stage == K_ENTRIES) {
        size_t ne = kj->k->nentries;
        size_t end = ne - kj->next > KEY_CHUNK ? kj->next + KEY_CHUNK : ne;
        for (size_t e = kj->next; e < end; e++) keyEntry(kj->h, &kj->k->entries[e], kj->scaled);
        kj->next = end;
        if (end == ne) kj->stage = K_END;
    }
    return kj->stage == K_END;
}

/* matching.json's length_normalization (unset: 1, cosine), as training
 * reads it. */
static double lengthNorm(const kb *k) {
    return k->matching.length_normalization > 0 ? k->matching.length_normalization : 1.0;
}

/* The numbers (matching.json's, each example's section and origin), then
 * the keys. */
static void keyEnd(keyJob *kj, size_t nkeys, uint8_t (*key)[MDC_KEYLEN]) {
    const kb *k = kj->k;
    if (kj->scaled) mdcKeysAddStr(kj->h, "the scaled path's re-ranker");
    mdcKeysAddStr(kj->h, "features of two examples or more"); /* what the vocabulary keeps */
    double *nums = cbMalloc((4 + 2 * kj->n) * sizeof(*nums));
    size_t nn = 0;
    nums[nn++] = k->matching.answer_threshold;
    nums[nn++] = k->matching.suggest_threshold;
    nums[nn++] = k->matching.pattern_confidence;
    nums[nn++] = lengthNorm(k); /* unset and 1 train the same model */
    for (size_t i = 0; i < kj->n; i++) {
        nums[nn++] = kj->ex[i].section;
        nums[nn++] = kj->ex[i].unindexed; /* its evidence differs (trainFresh) */
    }
    mdcKeysAdd(kj->h, nums, nn * sizeof(*nums));
    free(nums);
    mdcKeysEnd(kj->h, nkeys, key);
    kj->h = NULL;
}

static void trainingKeys(const kb *k, const mdlExample *ex, size_t n, int scaled, size_t nkeys,
                         uint8_t (*key)[MDC_KEYLEN]) {
    keyJob kj;
    keyBegin(&kj, k, ex, n, scaled);
    while (!keyStep(&kj)) {
    }
    keyEnd(&kj, nkeys, key);
}

/* The section classifier, from the main one's out-of-scope examples
 * (ex/keys from first on): needs two named sections or more. */
static mdlModel *trainSections(const kb *k, const mdlExample *ex, const mdlKeys *keys,
                               size_t first, size_t n) {
    if (k->out_of_scope_sections.n < 3 || n <= first) return NULL; /* "" and one named */
    mdlExample *sx = cbMalloc((n - first) * sizeof(*sx));
    size_t ns = 0; /* out-of-scope.txt's lines, which come before examples/' (no section) */
    while (first + ns < n && ex[first + ns].section < k->out_of_scope_sections.n) {
        /* no evidence: it is about entries, not sections */
        sx[ns] = (mdlExample){.text = ex[first + ns].text, .label = ex[first + ns].section};
        ns++;
    }
    if (ns == 0) {
        free(sx);
        return NULL;
    }
    mdlModel *m = mdlTrain(keys + first, sx, ns, k->out_of_scope_sections.n, ENG_FOLDS,
                           lengthNorm(k));
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
        /* an entry's own phrasing is scored as if it were not in the index;
         * an example of examples/ never was */
        uint32_t loo = ex[i].unindexed ? UINT32_MAX : ex[i].label;
        ok[m].nev = (uint32_t)engExampleEvidence(ix, &x, loo, s, &ok[m].ev_class, &ok[m].ev);
        m++;
    }
    engTermsFree(&x);
    ix->model = mdlTrain(keys, ok, m, ix->k->nentries + 1, ENG_FOLDS, lengthNorm(ix->k));
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

/* The dense classifier: from the cache (key: its keys, when computed;
 * NULL: computed here), else trained here, or (cache_only) left to
 * another process (needs_training). ix->model stays NULL when it does not
 * fit the budgets (which the cache remembers too). */
static void denseModel(engIndex *ix, const mdlExample *ex, size_t n, uint8_t (*key)[MDC_KEYLEN]) {
    uint8_t own[3][MDC_KEYLEN];
    const char *dir = ix->p.cache_dir;
    if (dir) {
        if (!key) trainingKeys(ix->k, ex, n, 0, 3, key = own);
        double none;
        if (mdcLoadRecord(dir, key[2], NODENSE_KIND, &none, 1) == CB_OK) return; /* too big */
        loadCached(ix, dir, (const uint8_t(*)[MDC_KEYLEN])key, ex, n);
        if (ix->model) return;
        if (ix->p.cache_only) {
            ix->needs_training = 1; /* the caller trains elsewhere */
            return;
        }
    }
    trainFresh(ix, ex, n);
    if (dir) saveCached(ix, dir, (const uint8_t(*)[MDC_KEYLEN])key, ex, n);
}

/* The scaled path's re-ranker: from the cache (key as denseModel's),
 * else trained here, or (cache_only) left to another process. */
static int scaledModel(engIndex *ix, const mdlExample *ex, size_t n, uint8_t (*key)[MDC_KEYLEN],
                       char *err) {
    uint8_t own[1][MDC_KEYLEN];
    const char *dir = ix->p.cache_dir;
    if (dir) {
        if (!key) trainingKeys(ix->k, ex, n, 1, 1, key = own);
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

/* Training (or the models from the cache) as a job: the examples, their
 * cache keys hashed a chunk a step, then the models. */
struct engTrainJob {
    engIndex *ix;
    mdlExample *ex;
    size_t n;
    int dense;     /* the knowledge may have a dense model (engDenseMax) */
    int hashing;   /* kj is under way */
    keyJob kj;     /* the cache keys, when there is a cache */
};

engTrainJob *engTrainBegin(engIndex *ix) {
    engTrainJob *j = cbCalloc(1, sizeof(*j));
    const kb *k = ix->k;
    j->ix = ix;
    size_t cap = k->out_of_scope.n + k->train_q.n;
    for (size_t e = 0; e < k->nentries; e++) cap += 1 + k->entries[e].alternates.n;
    j->ex = cbMalloc((cap ? cap : 1) * sizeof(*j->ex));
    j->n = collectExamples(k, j->ex);
    j->dense = k->nentries <= engDenseMax(ix);
    if (k->nentries && ix->p.cache_dir) {
        keyBegin(&j->kj, k, j->ex, j->n, !j->dense);
        j->hashing = 1;
    }
    return j;
}

/* The models, the keys (when there is a cache) being known. */
static int trainModels(engTrainJob *j, uint8_t (*key)[MDC_KEYLEN], char *err) {
    engIndex *ix = j->ix;
    if (j->dense) denseModel(ix, j->ex, j->n, key);
    /* past engDenseMax, or over the dense model's budgets (engine_calib.c):
     * the scaled path (its keys differ from the dense model's) */
    if (ix->model || ix->needs_training) return CB_OK;
    return scaledModel(ix, j->ex, j->n, j->dense ? NULL : key, err);
}

int engTrainStep(engTrainJob *j, char *err) {
    if (j->ix->k->nentries == 0) return 1;
    if (j->hashing && !keyStep(&j->kj)) return 0;
    uint8_t key[3][MDC_KEYLEN];
    if (j->hashing) {
        keyEnd(&j->kj, j->dense ? 3 : 1, key);
        j->hashing = 0;
    }
    return trainModels(j, j->ix->p.cache_dir ? key : NULL, err) == CB_OK ? 1 : CB_ERR;
}

void engTrainFree(engTrainJob *j) {
    if (!j) return;
    if (j->hashing) mdcKeysCancel(j->kj.h);
    free(j->ex);
    free(j);
}

int engTrain(engIndex *ix, char *err) {
    engTrainJob *j = engTrainBegin(ix);
    int rc;
    while ((rc = engTrainStep(j, err)) == 0) {
    }
    engTrainFree(j);
    return rc == 1 ? CB_OK : CB_ERR;
}
