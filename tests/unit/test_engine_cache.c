/* test_engine_cache.c - the trained classifier kept on disk
 * (engine_cache.c): a second build of the same knowledge reads the model
 * instead of training and answers exactly as the trained one (same hits,
 * same confidences, same learned figures); an edit to a training example
 * or a synonym misses the cache and trains again; a corrupt, truncated or
 * foreign file is ignored with a log line and replaced; no cache dir, no
 * file; the directory resolution (config, env, XDG, "off"); the weights'
 * 16-bit storage within half a step of the trained floats. The scaled
 * path's re-ranker (the knowledge forced past the dense classifier) is
 * kept the same way: read, not trained, by a second build; retrained after
 * an edit; a corrupt record ignored; a cache_only build leaves a miss to
 * another process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/common.h"
#include "base/log.h"
#include "match/engine.h"
#include "match/engine_cache.h"
#include "match/engine_model.h"
#include "match/knowledge.h"

typedef struct fix {
    char kb[64], cache[64];
    char *log;
    size_t loglen;
    FILE *logf;
} fix;

static int sh(const char *fmt, const char *a, const char *b) {
    char cmd[512];
    snprintf(cmd, sizeof(cmd), fmt, a, b);
    return system(cmd) == 0 ? 0 : -1;
}

static int setup(void **state) {
    setenv("CAREERBOT_TODAY", "2025-06-01", 1);
    fix *f = cbCalloc(1, sizeof(*f));
    snprintf(f->kb, sizeof(f->kb), "/tmp/cb-mdc-kb-XXXXXX");
    snprintf(f->cache, sizeof(f->cache), "/tmp/cb-mdc-cache-XXXXXX");
    if (!mkdtemp(f->kb) || !mkdtemp(f->cache)) return -1;
    if (sh("cp -r tests/fixtures/app-kb/. %s/%s", f->kb, "") != 0) return -1;
    f->logf = open_memstream(&f->log, &f->loglen);
    logInit(LOG_INFO, 0, f->logf);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fix *f = *state;
    logInit(LOG_INFO, 0, NULL);
    fclose(f->logf);
    free(f->log);
    sh("rm -rf %s %s", f->kb, f->cache);
    free(f);
    return 0;
}

static knowledge *loadWith(const fix *f, const char *cache, size_t dense_max, int cache_only) {
    engParams p;
    engDefaultParams(&p);
    p.cache_dir = cache;
    p.dense_max = dense_max;
    p.cache_only = cache_only;
    cbDiags d;
    cbDiagsInit(&d);
    knowledge *k = knowledgeLoad(f->kb, &p, &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    cbDiagsFree(&d);
    assert_non_null(k);
    return k;
}

static knowledge *load(const fix *f, const char *cache) { return loadWith(f, cache, 0, 0); }

/* The knowledge on the scaled path (no dense classifier). */
static knowledge *loadScaled(const fix *f, const char *cache) { return loadWith(f, cache, 1, 0); }

static int fromCache(const knowledge *k) {
    engLearned L;
    engLearnedInfo(k->ix, &L);
    assert_true(L.trained);
    return L.from_cache;
}

/* The model files in dir: how many, and the path of one. */
static int modelFiles(const char *dir, char *path, size_t n) {
    DIR *d = opendir(dir);
    int count = 0;
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strncmp(de->d_name, "model-", 6) == 0) {
            count++;
            snprintf(path, n, "%s/%s", dir, de->d_name);
        }
    if (d) closedir(d);
    return count;
}

static const char *const questions[] = {
    "are bootcamps worth it", "django or flask for a first job", "how do I learn python fast",
    "what is the weather on mars", "bootcmp worth", "jobs",
};

/* Same hits, scores and confidences for every question. */
static void assertSameAnswers(const knowledge *a, const knowledge *b) {
    char err[CB_ERRLEN];
    for (size_t i = 0; i < CB_ARRAY_LEN(questions); i++) {
        engResult ra, rb;
        const char *q = questions[i];
        assert_int_equal(engQuery(a->ix, q, strlen(q), NULL, 10, &ra, err), CB_OK);
        assert_int_equal(engQuery(b->ix, q, strlen(q), NULL, 10, &rb, err), CB_OK);
        assert_int_equal(ra.outcome, rb.outcome);
        assert_int_equal(ra.nhits, rb.nhits);
        for (size_t h = 0; h < ra.nhits; h++) {
            assert_string_equal(ra.hits[h].entry->id, rb.hits[h].entry->id);
            assert_true(ra.hits[h].confidence == rb.hits[h].confidence); /* bit for bit */
            assert_true(ra.hits[h].score == rb.hits[h].score);
        }
    }
    engLearned la, lb;
    engLearnedInfo(a->ix, &la);
    engLearnedInfo(b->ix, &lb);
    assert_int_equal(la.features, lb.features);
    assert_true(la.temperature == lb.temperature);
    assert_int_equal(la.oof_right, lb.oof_right);
    assert_int_equal(la.ncollisions, lb.ncollisions);
    for (size_t i = 0; i < la.ncollisions; i++) {
        const kbEntry *fa, *ta, *fb, *tb;
        size_t na, nb;
        const char *ea, *eb;
        assert_true(engCollision(a->ix, i, &fa, &ta, &na, &ea));
        assert_true(engCollision(b->ix, i, &fb, &tb, &nb, &eb));
        assert_string_equal(fa->id, fb->id);
        assert_string_equal(ea, eb);
    }
}

static void test_hit_answers_like_training(void **state) {
    fix *f = *state;
    knowledge *fresh = load(f, NULL); /* no cache at all */
    assert_false(fromCache(fresh));
    char path[512];
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 0);
    knowledge *first = load(f, f->cache); /* trains, writes */
    assert_false(fromCache(first));
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 1);
    knowledge *second = load(f, f->cache); /* reads */
    assert_true(fromCache(second));
    assertSameAnswers(fresh, second);
    assertSameAnswers(first, second);
    knowledgeFree(fresh);
    knowledgeFree(first);
    knowledgeFree(second);
}

/* Training spreads its folds and its temperature search over forked
 * workers (base/jobs.h): one process or several, the same model. */
static void test_workers_same_model(void **state) {
    fix *f = *state;
    setenv("CAREERBOT_TRAIN_WORKERS", "1", 1);
    knowledge *one = load(f, NULL);
    setenv("CAREERBOT_TRAIN_WORKERS", "3", 1);
    knowledge *three = load(f, NULL);
    unsetenv("CAREERBOT_TRAIN_WORKERS");
    engLearned L;
    engLearnedInfo(one->ix, &L);
    assert_true(L.oof > 0); /* cross-validated: the folds were jobs */
    engLearned L3;
    engLearnedInfo(three->ix, &L3);
    assert_true(L.evidence_weight == L3.evidence_weight);
    assert_true(L.oos_evidence_weight == L3.oos_evidence_weight);
    for (size_t b = 0; b < ENG_NBUCKETS; b++) assert_int_equal(L.buckets[b].right, L3.buckets[b].right);
    assertSameAnswers(one, three);
    knowledgeFree(one);
    knowledgeFree(three);
}

/* The bundled knowledge has enough examples for a probability map
 * (engine_recal.c): read back from the cache, it maps every confidence
 * bit for bit as the trained one. */
static void test_hit_keeps_the_map(void **state) {
    fix *f = *state;
    char cache[64];
    snprintf(cache, sizeof(cache), "/tmp/cb-mdc-map-XXXXXX");
    assert_non_null(mkdtemp(cache));
    engParams p;
    engDefaultParams(&p);
    p.cache_dir = cache;
    knowledge *k[2];
    for (int i = 0; i < 2; i++) {
        cbDiags d;
        cbDiagsInit(&d);
        k[i] = knowledgeLoad("knowledge", &p, &d);
        cbDiagsFree(&d);
        assert_non_null(k[i]);
        assert_int_equal(fromCache(k[i]), i);
    }
    engLearned la, lb;
    engLearnedInfo(k[0]->ix, &la);
    engLearnedInfo(k[1]->ix, &lb);
    assert_true(la.recal_steps > 0);
    assert_int_equal(la.recal_steps, lb.recal_steps);
    assert_memory_equal(la.buckets, lb.buckets, sizeof(la.buckets));
    assertSameAnswers(k[0], k[1]);
    knowledgeFree(k[0]);
    knowledgeFree(k[1]);
    sh("rm -rf %s%s", cache, "");
    (void)f;
}

static void appendTo(const char *dir, const char *file, const char *text) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *fp = fopen(path, "a");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void replaceIn(const char *dir, const char *file, const char *from, const char *to) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char buf[16384];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    char *at = strstr(buf, from);
    assert_non_null(at);
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "%.*s%s%s", (int)(at - buf), buf, to, at + strlen(from));
    fclose(fp);
}

/* An edit to what training reads misses (a new example; an answer, which
 * the examples' lexical evidence reads); an edit to what it does not (the
 * date an entry was updated) hits. */
static void test_edit_misses(void **state) {
    fix *f = *state;
    knowledgeFree(load(f, f->cache));
    char path[512];
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 1);
    replaceIn(f->kb, "learning/bootcamps.md", "\"updated\": \"2025-05-01\"",
              "\"updated\": \"2025-05-02\"");
    knowledge *k = load(f, f->cache);
    assert_true(fromCache(k)); /* not something training reads */
    knowledgeFree(k);
    appendTo(f->kb, "learning/bootcamps.md", "\nAn extra sentence in the answer.\n");
    k = load(f, f->cache);
    assert_false(fromCache(k)); /* the evidence reads the answers: trained again */
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 2);
    knowledgeFree(k);
    appendTo(f->kb, "out-of-scope.txt", "what is the weather on mars\n");
    k = load(f, f->cache);
    assert_false(fromCache(k)); /* a new example: trained again */
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 3);
    knowledgeFree(k);
    k = load(f, f->cache);
    assert_true(fromCache(k));
    knowledgeFree(k);
}

static void rewrite(const char *path, long at, const char *bytes, size_t n, int truncate_here) {
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    if (truncate_here) {
        assert_int_equal(ftruncate(fileno(fp), at), 0);
    } else {
        fseek(fp, at, SEEK_SET);
        fwrite(bytes, 1, n, fp);
    }
    fclose(fp);
}

/* A load with the cache file spoiled: it ignores the file, saying why in
 * the log (model.cache_ignored), and trains a model that answers as the
 * good one. */
static void assertIgnored(fix *f, const knowledge *good, const char *why) {
    fflush(f->logf);
    size_t before = f->loglen;
    knowledge *k = load(f, f->cache);
    fflush(f->logf);
    assert_false(fromCache(k));
    assert_non_null(strstr(f->log + before, "model.cache_ignored"));
    assert_non_null(strstr(f->log + before, why));
    assertSameAnswers(good, k);
    knowledgeFree(k);
}

/* A flipped byte, a cut file, another key in the header: ignored with a
 * log line, trained again (same answers), the file written anew. */
static void test_corrupt_ignored(void **state) {
    fix *f = *state;
    knowledge *good = load(f, f->cache);
    char path[512];
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    const struct { long at; const char *bytes; int cut; const char *why; } cases[] = {
        {st.st_size / 2, "\x7f\x7f\x7f\x7f", 0, "checksum mismatch"},
        {st.st_size - 100, NULL, 1, "truncated"},
        {20, "\x01\x02", 0, "another key"},
        {0, "XXXX", 0, "not a model cache file"},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        rewrite(path, cases[i].at, cases[i].bytes, cases[i].bytes ? strlen(cases[i].bytes) : 0,
                cases[i].cut);
        assertIgnored(f, good, cases[i].why);
        knowledge *k = load(f, f->cache); /* the file was written again */
        assert_true(fromCache(k));
        knowledgeFree(k);
    }
    knowledgeFree(good);
}

/* The bytes of path (n), read whole. */
static uint8_t *slurp(const char *path, size_t *n) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *n = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = cbMalloc(*n);
    assert_int_equal(fread(b, 1, *n, fp), *n);
    fclose(fp);
    return b;
}

/* Where the elements of section tag start in a model file. */
static size_t sectionAt(const uint8_t *b, size_t n, uint32_t tag) {
    for (size_t off = 64; off + 16 <= n;) {
        uint32_t t, es;
        uint64_t count;
        memcpy(&t, b + off, 4);
        memcpy(&es, b + off + 4, 4);
        memcpy(&count, b + off + 8, 8);
        if (t == tag) return off + 16;
        off += 16 + es * count;
    }
    fail_msg("no section %u", tag);
    return 0;
}

/* A file whose checksum fits but whose numbers are out of range (a NaN
 * idf, an infinite bias, a weight scale of 1e30: found by fuzz_modelcache,
 * they made every probability NaN) is ignored with the reason logged, and
 * the model trained again. */
static void test_non_finite_ignored(void **state) {
    fix *f = *state;
    knowledge *good = load(f, f->cache);
    char path[512];
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 1);
    const struct { uint32_t tag; float v; const char *why; } cases[] = {
        {6 /* S_IDF */, NAN, "an idf out"}, {9 /* S_BIAS */, INFINITY, "a bias out"},
        {6, -1.0f, "an idf out"}, {12 /* S_WSCALE */, 1e30f, "a weight scale out"},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        size_t n;
        uint8_t *b = slurp(path, &n);
        memcpy(b + sectionAt(b, n, cases[i].tag), &cases[i].v, 4);
        uint64_t sum = XXH3_64bits(b + 64, n - 64);
        memcpy(b + 56, &sum, 8);
        FILE *fp = fopen(path, "wb");
        assert_non_null(fp);
        assert_int_equal(fwrite(b, 1, n, fp), n);
        fclose(fp);
        free(b);
        assertIgnored(f, good, cases[i].why);
    }
    knowledgeFree(good);
}

/* An unwritable cache dir only costs a training (logged). */
static void test_unwritable_dir(void **state) {
    fix *f = *state;
    char dir[128];
    snprintf(dir, sizeof(dir), "%s/file", f->cache);
    appendTo(f->cache, "file", "not a directory");
    fflush(f->logf);
    size_t before = f->loglen;
    knowledge *k = load(f, dir);
    fflush(f->logf);
    assert_false(fromCache(k));
    assert_non_null(strstr(f->log + before, "model.cache_unwritten"));
    knowledgeFree(k);
}

static void test_parse_garbage(void **state) {
    (void)state;
    char why[128];
    uint8_t junk[256];
    for (size_t i = 0; i < sizeof(junk); i++) junk[i] = (uint8_t)(i * 37);
    memcpy(junk, "CBMODEL\n", 8);
    assert_null(mdcParse(junk, sizeof(junk), NULL, NULL, 0, why, sizeof(why)));
    assert_null(mdcParse(junk, 10, NULL, NULL, 0, why, sizeof(why)));
    assert_null(mdcParse(junk, 0, NULL, NULL, 0, why, sizeof(why)));
}

/* Each stored weight is within half a step (its row's largest magnitude
 * / 32767) of the float it stands for; the largest keeps its value and
 * sign; a row of zeros stays zeros. */
static void test_quantize(void **state) {
    (void)state;
    mdlModel m = {.nclass = 3, .nfeat = 3};
    size_t ncp = mdlStride(m.nclass);
    float w[3 * 8] = {0};
    const float row0[3] = {0.75f, -1.5f, 0.001f}, row2[3] = {-3e-7f, 2e-9f, 0};
    memcpy(w, row0, sizeof(row0));
    memcpy(w + 2 * ncp, row2, sizeof(row2));
    mdlQuantize(&m, w);
    assert_true(m.wscale[1] == 0);
    for (size_t c = 0; c < ncp; c++) assert_int_equal(m.wq[ncp + c], 0);
    assert_int_equal(m.wq[1], -32767);
    assert_true(m.wq[1] * m.wscale[0] == -1.5f);
    for (size_t f = 0; f < m.nfeat; f++)
        for (size_t c = 0; c < ncp; c++) {
            double got = (double)m.wq[f * ncp + c] * m.wscale[f];
            assert_true(fabs(got - w[f * ncp + c]) <= 0.5001 * m.wscale[f]);
        }
    free(m.wq);
    free(m.wscale);
}

/* The norm of v's values. */
static double vecNorm(const mdlVec *v) {
    double sq = 0;
    for (size_t i = 0; i < v->n; i++) sq += (double)v->f[i].v * v->f[i].v;
    return sqrt(sq);
}

/* matching.json's length_normalization, as mdlVectorize applies it: at 1
 * every text's vector has one norm, however many features it has (a
 * preamble dilutes what the question asks); at p a block of raw norm r
 * keeps r^(1-p) of it, so a longer text weighs more. */
static void test_vectorize_length_norm(void **state) {
    (void)state;
    mdlModel m = {.nclass = 2, .length_norm = 1.0};
    mdlKeys shortText = {0}, longText = {0};
    for (uint64_t i = 1; i <= 64; i++) {
        uint64_t key = i * 0x9E3779B97F4A7C15ULL;
        mdlFeatAdd(&m, key);
        longText.k = cbRealloc(longText.k, (size_t)i * sizeof(*longText.k));
        longText.k[longText.n++] = key;
    }
    shortText.k = longText.k; /* its first four */
    shortText.n = 4;
    m.idf = cbCalloc(m.nfeat, sizeof(*m.idf));
    m.rare = cbCalloc(m.nfeat, 1);
    m.isword = cbCalloc(m.nfeat, 1); /* one block: character n-grams */
    m.cnt = cbCalloc(m.nfeat, sizeof(*m.cnt));
    for (size_t f = 0; f < m.nfeat; f++) m.idf[f] = 1;
    mdlVec a = {0}, b = {0};
    mdlVectorize(&m, &shortText, &a);
    mdlVectorize(&m, &longText, &b);
    assert_int_equal(a.n, 4);
    assert_int_equal(b.n, 64);
    assert_true(fabs(vecNorm(&a) - M_SQRT1_2) < 1e-6 && fabs(vecNorm(&b) - M_SQRT1_2) < 1e-6);
    m.length_norm = 0.7;
    mdlVectorize(&m, &shortText, &a);
    mdlVectorize(&m, &longText, &b);
    assert_true(fabs(vecNorm(&a) - M_SQRT1_2 * pow(2.0, 0.3)) < 1e-5); /* raw norm sqrt(4) */
    assert_true(fabs(vecNorm(&b) - M_SQRT1_2 * pow(8.0, 0.3)) < 1e-5); /* raw norm sqrt(64) */
    mdlVecFree(&a);
    mdlVecFree(&b);
    free(longText.k);
    mdlModel *heap = cbMalloc(sizeof(*heap));
    *heap = m;
    mdlFree(heap);
}

static void test_dir_resolution(void **state) {
    (void)state;
    char buf[256];
    unsetenv("CAREERBOT_KNOWLEDGE_CACHE_DIR");
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    assert_string_equal(engCacheDir("auto", buf, sizeof(buf)), "/x/cache/careerbot");
    assert_string_equal(engCacheDir(NULL, buf, sizeof(buf)), "/x/cache/careerbot");
    assert_string_equal(engCacheDir("/srv/c", buf, sizeof(buf)), "/srv/c");
    assert_null(engCacheDir("off", buf, sizeof(buf)));
    setenv("CAREERBOT_KNOWLEDGE_CACHE_DIR", "off", 1);
    assert_null(engCacheDir(NULL, buf, sizeof(buf)));
    setenv("CAREERBOT_KNOWLEDGE_CACHE_DIR", "/e/c", 1);
    assert_string_equal(engCacheDir("auto", buf, sizeof(buf)), "/e/c");
    unsetenv("CAREERBOT_KNOWLEDGE_CACHE_DIR");
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/home/u", 1);
    assert_string_equal(engCacheDir(NULL, buf, sizeof(buf)), "/home/u/.cache/careerbot");
    setenv("HOME", "relative", 1);
    assert_null(engCacheDir(NULL, buf, sizeof(buf)));
}

/* The re-ranker's figures, whether read or trained; from_cache said. */
static int scaledFromCache(const knowledge *k, engScaled *s) {
    engLearned L;
    engLearnedInfo(k->ix, &L);
    assert_false(L.trained); /* no dense classifier */
    engScaledInfo(k->ix, s);
    assert_true(s->trained); /* a re-ranker, not the BM25F share */
    return s->from_cache;
}

/* Read instead of trained by the second build, with the same figures and
 * bit-for-bit the same answers as one trained without any cache. */
static void test_scaled_hit(void **state) {
    fix *f = *state;
    engScaled a, b, c;
    knowledge *fresh = loadScaled(f, NULL);
    assert_false(scaledFromCache(fresh, &a));
    knowledge *first = loadScaled(f, f->cache); /* trains, writes */
    assert_false(scaledFromCache(first, &b));
    char path[512];
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 1);
    knowledge *second = loadScaled(f, f->cache);
    assert_true(scaledFromCache(second, &c));
    assert_int_equal(a.phrasings, c.phrasings);
    assert_int_equal(a.examples, c.examples);
    assert_int_equal(a.positives, c.positives);
    assert_int_equal(a.right_first, c.right_first);
    assert_true(a.logloss == c.logloss);
    assertSameAnswers(fresh, second);
    knowledge *dense = load(f, f->cache); /* the dense model is another file */
    assert_false(fromCache(dense));
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 2);
    knowledgeFree(dense);
    knowledgeFree(fresh);
    knowledgeFree(first);
    knowledgeFree(second);
}

/* What the re-ranker learns from changes: trained again; the date an
 * entry was updated does not. */
static void test_scaled_edit_misses(void **state) {
    fix *f = *state;
    engScaled s;
    knowledgeFree(loadScaled(f, f->cache));
    replaceIn(f->kb, "learning/bootcamps.md", "\"updated\": \"2025-05-01\"",
              "\"updated\": \"2025-05-02\"");
    knowledge *k = loadScaled(f, f->cache);
    assert_true(scaledFromCache(k, &s));
    knowledgeFree(k);
    appendTo(f->kb, "learning/bootcamps.md", "\nAn extra sentence in the answer.\n");
    k = loadScaled(f, f->cache);
    assert_false(scaledFromCache(k, &s));
    knowledgeFree(k);
    appendTo(f->kb, "out-of-scope.txt", "what is the weather on mars\n");
    k = loadScaled(f, f->cache);
    assert_false(scaledFromCache(k, &s));
    knowledgeFree(k);
    k = loadScaled(f, f->cache);
    assert_true(scaledFromCache(k, &s));
    knowledgeFree(k);
}

/* A corrupt or cut record: ignored with a log line, trained again, the
 * same answers, written anew. */
static void test_scaled_corrupt_ignored(void **state) {
    fix *f = *state;
    engScaled s;
    knowledge *good = loadScaled(f, f->cache);
    char path[512];
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 1);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    const struct { long at; const char *bytes; int cut; const char *why; } cases[] = {
        {st.st_size - 20, "\x7f\x7f\x7f\x7f", 0, "checksum mismatch"},
        {st.st_size - 8, NULL, 1, "truncated"},
        {20, "\x01\x02", 0, "another key"},
        {0, "CBMODEL\n", 0, "not a model cache file"},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        rewrite(path, cases[i].at, cases[i].bytes, cases[i].bytes ? strlen(cases[i].bytes) : 0,
                cases[i].cut);
        fflush(f->logf);
        size_t before = f->loglen;
        knowledge *k = loadScaled(f, f->cache);
        fflush(f->logf);
        assert_false(scaledFromCache(k, &s));
        assert_non_null(strstr(f->log + before, "model.cache_ignored"));
        assert_non_null(strstr(f->log + before, cases[i].why));
        assertSameAnswers(good, k);
        knowledgeFree(k);
        k = loadScaled(f, f->cache);
        assert_true(scaledFromCache(k, &s));
        knowledgeFree(k);
    }
    knowledgeFree(good);
}

/* cache_only (the running bot's reloads): a miss is not trained here but
 * reported (engNeedsTraining), for another process; a hit is served. */
static void test_scaled_cache_only(void **state) {
    fix *f = *state;
    engScaled s;
    knowledge *k = loadWith(f, f->cache, 1, 1);
    assert_true(engNeedsTraining(k->ix));
    engScaledInfo(k->ix, &s);
    assert_false(s.trained);
    knowledgeFree(k);
    knowledgeFree(loadScaled(f, f->cache)); /* what the child does */
    k = loadWith(f, f->cache, 1, 1);
    assert_false(engNeedsTraining(k->ix));
    assert_true(scaledFromCache(k, &s));
    knowledgeFree(k);
}

/* A record's bytes: the right ones check; any change, cut or other kind
 * does not. */
static void test_parse_record(void **state) {
    fix *f = *state;
    const double v[3] = {1, 2.5, -3};
    uint8_t key[MDC_KEYLEN] = {7};
    char err[CB_ERRLEN], why[128], path[512];
    assert_int_equal(mdcSaveRecord(f->cache, key, "CBTESTRC", v, 3, err), CB_OK);
    assert_int_equal(modelFiles(f->cache, path, sizeof(path)), 1);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    uint8_t buf[256];
    size_t n = fread(buf, 1, sizeof(buf), fp);
    fclose(fp);
    double got[3];
    assert_int_equal(mdcParseRecord(buf, n, key, "CBTESTRC", got, 3, why, sizeof(why)), CB_OK);
    assert_memory_equal(got, v, sizeof(v));
    assert_int_equal(mdcLoadRecord(f->cache, key, "CBTESTRC", got, 3), CB_OK);
    assert_int_equal(mdcLoadRecord(f->cache, key, "CBOTHER\n", got, 3), CB_ERR);
    assert_int_equal(mdcParseRecord(buf, n, key, "CBTESTRC", got, 2, why, sizeof(why)), CB_ERR);
    assert_int_equal(mdcParseRecord(buf, n - 1, key, "CBTESTRC", got, 3, why, sizeof(why)), CB_ERR);
    for (size_t i = 0; i < n; i++) {
        if (i >= 12 && i < 16) continue; /* the section count: informative only */
        buf[i] ^= 0x40;
        assert_int_equal(mdcParseRecord(buf, n, key, "CBTESTRC", got, 3, why, sizeof(why)), CB_ERR);
        buf[i] ^= 0x40;
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hit_keeps_the_map, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non_finite_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hit_answers_like_training, setup, teardown),
        cmocka_unit_test_setup_teardown(test_workers_same_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_misses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scaled_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scaled_edit_misses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scaled_corrupt_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scaled_cache_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_record, setup, teardown),
        cmocka_unit_test(test_parse_garbage),
        cmocka_unit_test(test_quantize),
        cmocka_unit_test(test_vectorize_length_norm),
        cmocka_unit_test(test_dir_resolution),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
