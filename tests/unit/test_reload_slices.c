/* test_reload_slices.c - the knowledge read and indexed in slices (the
 * running bot's reload: kbLoadStep, engBuildStep, knowledgeJobStep,
 * app_reload.c). Done one step at a time, each gives exactly what the
 * load at once gives: the same entries and examples, the same problems at the same
 * positions (a broken and a warned-about knowledge too), the same
 * near-copy pairs, the same answers bit for bit; it really is many steps.
 * The app's sliced reload returns at once, keeps the old knowledge
 * answering while the loop turns, swaps the new one in after many loop
 * iterations (the old one freed in a turn of its own), does a reload asked for meanwhile
 * after it, keeps the old knowledge when the new one is broken, and a
 * stop drops a reload under way. No timing: a slice is one step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "app/process.h"
#include "base/common.h"
#include "base/log.h"
#include "kb/kb.h"
#include "kb/kb_int.h"
#include "match/engine.h"
#include "match/knowledge.h"
#include "ops/metrics.h"
#include "scaledkit.h"

/* The same problems, in the same order, at the same positions. */
static void assertSameDiags(const cbDiags *a, const cbDiags *b) {
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->nerrors, b->nerrors);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(a->v[i].file, b->v[i].file);
        assert_int_equal(a->v[i].line, b->v[i].line);
        assert_int_equal(a->v[i].col, b->v[i].col);
        assert_int_equal(a->v[i].severity, b->v[i].severity);
        assert_string_equal(a->v[i].msg, b->v[i].msg);
    }
}

static void assertSameKb(const kb *a, const kb *b) {
    assert_int_equal(a == NULL, b == NULL);
    if (!a) return;
    assert_int_equal(a->nentries, b->nentries);
    assert_int_equal(a->ntopics, b->ntopics);
    assert_int_equal(a->out_of_scope.n, b->out_of_scope.n);
    for (size_t i = 0; i < a->nentries; i++) {
        assert_string_equal(a->entries[i].id, b->entries[i].id);
        assert_string_equal(a->entries[i].question, b->entries[i].question);
        assert_string_equal(a->entries[i].answer, b->entries[i].answer);
        assert_int_equal(a->entries[i].alternates.n, b->entries[i].alternates.n);
    }
    assert_int_equal(a->train_q.n, b->train_q.n); /* examples/, and where each is */
    for (size_t i = 0; i < a->train_q.n; i++) {
        assert_string_equal(a->train_q.v[i], b->train_q.v[i]);
        assert_string_equal(a->train_ids.v[i], b->train_ids.v[i]);
        assert_string_equal(a->train_files.v[a->train_at[i].file],
                            b->train_files.v[b->train_at[i].file]);
        assert_int_equal(a->train_at[i].line, b->train_at[i].line);
    }
}

/* Each folder loaded at once and one step at a time. */
static void test_kb_steps_same(void **state) {
    (void)state;
    const char *dirs[] = {"knowledge", "tests/fixtures/kb/good", "tests/fixtures/kb/warn",
                          "tests/fixtures/kb/broken", "tests/fixtures/app-kb", "/nonexistent"};
    for (size_t i = 0; i < CB_ARRAY_LEN(dirs); i++) {
        cbDiags d1, d2;
        cbDiagsInit(&d1);
        cbDiagsInit(&d2);
        kbLoadOpts o1 = {.now = 1750000000}, o2 = {.now = 1750000000};
        kb *k1 = kbLoadWith(dirs[i], &o1, &d1);
        kbLoadJob *j = kbLoadBegin(dirs[i], &o2, &d2);
        size_t steps = 1;
        while (!kbLoadStep(j, -INFINITY)) steps++;
        kb *k2 = kbLoadEnd(j);
        print_message("%s: %zu steps, %zu problems\n", dirs[i], steps, d2.n);
        assertSameKb(k1, k2);
        assertSameDiags(&d1, &d2);
        assert_int_equal(o1.nentries, o2.nentries);
        /* a file a step (entries, and examples/ too), and the checks' */
        if (k1) assert_true(steps > k1->nentries);
        kbFree(k1);
        kbFree(k2);
        cbDiagsFree(&d1);
        cbDiagsFree(&d2);
    }
    assert_true(1);
}

/* Steps spent reading files (kbLoadStage "files") loading dir. */
static size_t fileSteps(const char *dir, size_t *nfiles) {
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {.now = 1750000000};
    kbLoadJob *j = kbLoadBegin(dir, &o, &d);
    size_t steps = 0;
    for (int done = 0; !done;) {
        steps += strcmp(kbLoadStage(j), "files") == 0;
        done = kbLoadStep(j, -INFINITY);
    }
    kb *k = kbLoadEnd(j);
    assert_non_null(k);
    *nfiles = k->train_files.n;
    kbFree(k);
    cbDiagsFree(&d);
    return steps;
}

/* examples/ is read a file a step, as topics are: a big folder of
 * examples does not stall the loop in one step. */
static void test_examples_a_file_a_step(void **state) {
    (void)state;
    char dir[64], cmd[320];
    snprintf(dir, sizeof dir, "/tmp/cb-slices-%ld", (long)getpid());
    snprintf(cmd, sizeof cmd, "rm -rf %s && cp -r knowledge %s && rm -rf %s/examples", dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    size_t with_files = 0, without_files = 0;
    size_t with = fileSteps("knowledge", &with_files), without = fileSteps(dir, &without_files);
    assert_true(with_files > 1);
    assert_int_equal(without_files, 0);
    assert_true(with >= without + with_files); /* one step per examples file at least */
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

typedef struct pairs {
    size_t v[512][2];
    double jac[512];
    size_t n;
} pairs;

static void onPair(void *ud, size_t x, size_t y, double jaccard) {
    pairs *p = ud;
    if (p->n < 512) p->v[p->n][0] = x, p->v[p->n][1] = y, p->jac[p->n++] = jaccard;
}

/* The near-copy join one step at a time finds exactly the pairs the join
 * at once finds (word sets of a small vocabulary, every tenth a near copy
 * of the one before), the same number of them, with the same shares. */
static void test_join_steps_same(void **state) {
    (void)state;
    enum { N = 400, W = 30 };
    kbWords *w = cbCalloc(N, sizeof(*w));
    uint64_t seed = 7;
    for (size_t i = 0; i < N; i++) {
        w[i].v = cbCalloc(W, sizeof(uint64_t));
        for (size_t k = 0; k < W; k++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            w[i].v[k] = i % 10 == 9 && k < W - 2 ? w[i - 1].v[k] : (seed >> 33) % 5000 + 1;
        }
        w[i].n = W; /* sorted and distinct, as kbWordSet's */
        for (size_t a = 1; a < W; a++)
            for (size_t b = a; b > 0 && w[i].v[b - 1] > w[i].v[b]; b--) {
                uint64_t t = w[i].v[b];
                w[i].v[b] = w[i].v[b - 1];
                w[i].v[b - 1] = t;
            }
        size_t o = 0;
        for (size_t k = 0; k < W; k++)
            if (!o || w[i].v[o - 1] != w[i].v[k]) w[i].v[o++] = w[i].v[k];
        w[i].n = o;
    }
    pairs *a = cbCalloc(1, sizeof(*a)), *b = cbCalloc(1, sizeof(*b));
    kbSimilarPairs(w, N, 0.7, 5, onPair, a);
    kbSimJob *j = kbSimilarBegin(w, N, 0.7, 5, onPair, b);
    size_t steps = 1;
    while (!kbSimilarStep(j, -INFINITY)) steps++;
    kbSimilarEnd(j);
    assert_true(a->n >= N / 10 - 1); /* the planted copies at least */
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->v[i][0], b->v[i][0]);
        assert_int_equal(a->v[i][1], b->v[i][1]);
        assert_true(a->jac[i] == b->jac[i]);
    }
    assert_true(steps > 2 * N); /* counted, ranked a set at a time, then probed */
    kbSimilarCancel(kbSimilarBegin(w, N, 0.7, 5, onPair, b)); /* dropped before any step */
    for (size_t i = 0; i < N; i++) free(w[i].v);
    cbFreeN(3, w, a, b);
}

/* A job dropped half way frees what it read. */
static void test_kb_cancel(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadJob *j = kbLoadBegin("knowledge", NULL, &d);
    for (int i = 0; i < 40; i++) assert_int_equal(kbLoadStep(j, -INFINITY), 0);
    kbLoadCancel(j);
    cbDiagsFree(&d);
}

static const char *const questions[] = {
    "are bootcamps worth it", "django or flask for a first job", "how do I learn python fast",
    "what is the weather on mars", "bootcmp worth", "jobs", "should i get a certification",
};

static void assertSameAnswers(const engIndex *a, const engIndex *b) {
    char err[CB_ERRLEN];
    for (size_t i = 0; i < CB_ARRAY_LEN(questions); i++) {
        engResult ra, rb;
        const char *q = questions[i];
        assert_int_equal(engQuery(a, q, strlen(q), NULL, 10, &ra, err), CB_OK);
        assert_int_equal(engQuery(b, q, strlen(q), NULL, 10, &rb, err), CB_OK);
        assert_int_equal(ra.outcome, rb.outcome);
        assert_int_equal(ra.nhits, rb.nhits);
        for (size_t h = 0; h < ra.nhits; h++) {
            assert_string_equal(ra.hits[h].entry->id, rb.hits[h].entry->id);
            assert_true(ra.hits[h].confidence == rb.hits[h].confidence);
            assert_true(ra.hits[h].score == rb.hits[h].score);
        }
    }
}

/* The bundled knowledge indexed at once and one step at a time (the
 * scaled path: its re-ranker trained in a step), the same answers. */
static void test_engine_steps_same(void **state) {
    (void)state;
    kb *k = kitLoadKb("knowledge");
    assert_non_null(k);
    engParams p = kitScaledParams();
    char err[CB_ERRLEN];
    engIndex *a = engBuild(k, &p, err);
    assert_non_null(a);
    engBuildJob *j = engBuildBegin(k, &p, err);
    assert_non_null(j);
    size_t steps = 1;
    int rc;
    while ((rc = engBuildStep(j, -INFINITY, err)) == 0) steps++;
    assert_int_equal(rc, 1);
    engIndex *b = engBuildEnd(j, err);
    assert_non_null(b);
    assert_true(steps > 2 * k->nentries); /* entries, then their patterns */
    assertSameAnswers(a, b);
    engScaled sa, sb;
    engScaledInfo(a, &sa);
    engScaledInfo(b, &sb);
    assert_true(sa.trained && sb.trained);
    assert_true(sa.logloss == sb.logloss);
    j = engBuildBegin(k, &p, err); /* dropped half way */
    for (size_t i = 0; i < k->nentries / 2; i++) assert_int_equal(engBuildStep(j, -INFINITY, err), 0);
    engBuildCancel(j);
    engFree(a);
    engFree(b);
    kbFree(k);
}

/* A pattern that does not compile fails the sliced build as the whole. */
static void test_job_failures(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    knowledgeJob *j = knowledgeJobStart("tests/fixtures/kb/broken", NULL, &d);
    while (!knowledgeJobStep(j, -INFINITY)) {
    }
    assert_null(knowledgeJobEnd(j));
    assert_true(d.nerrors > 0);
    cbDiagsFree(&d);
    cbDiagsInit(&d);
    kb *k = kbLoad("tests/fixtures/kb/good", &d);
    assert_non_null(k);
    cbDiagsFree(&d);
    kbStrs *ps = &k->entries[0].patterns;
    if (ps->n == 0) {
        ps->v = cbRealloc(ps->v, sizeof(*ps->v));
        ps->v[0] = NULL;
        ps->n = 1;
    }
    free(ps->v[0]);
    ps->v[0] = cbStrdup("(unclosed");
    char err[CB_ERRLEN] = "";
    assert_null(engBuild(k, NULL, err));
    assert_non_null(strstr(err, "does not compile"));
    engBuildJob *b = engBuildBegin(k, NULL, err);
    assert_non_null(b);
    int rc;
    while ((rc = engBuildStep(b, -INFINITY, err)) == 0) {
    }
    assert_int_equal(rc, CB_ERR);
    assert_non_null(strstr(err, "does not compile"));
    engBuildCancel(b);
    kbFree(k);
}

/* ---- the app's sliced reload ---- */

typedef struct fix {
    cbApp app;
    uv_loop_t uv;
    char dir[64];
} fix;

static int sh(const char *fmt, const char *a) {
    char cmd[512];
    snprintf(cmd, sizeof(cmd), fmt, a, a);
    return system(cmd) == 0 ? 0 : -1;
}

static int setupApp(void **state) {
    setenv("CAREERBOT_TODAY", "2025-06-01", 1);
    logInit(LOG_ERROR, 0, NULL);
    fix *f = cbCalloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/cb-slices-XXXXXX");
    if (!mkdtemp(f->dir) || sh("cp -r tests/fixtures/app-kb/. %s/", f->dir) != 0) return -1;
    cfgDefaults(&f->app.cfg);
    free(f->app.cfg.kb_dir);
    f->app.cfg.kb_dir = cbStrdup(f->dir);
    free(f->app.cfg.cache_dir);
    f->app.cfg.cache_dir = cbStrdup("off");
    metricsReset();
    if (uv_loop_init(&f->uv) != 0) return -1;
    f->app.loop.uv = &f->uv;
    if (appReload(&f->app) != CB_OK) return -1; /* at start-up: at once */
    f->app.reload_sliced = 1;
    f->app.reload_slice_ms = -1; /* a step a slice */
    *state = f;
    return 0;
}

static int teardownApp(void **state) {
    fix *f = *state;
    appReloadStop(&f->app);
    uv_run(&f->uv, UV_RUN_NOWAIT); /* the handle's close */
    int rc = uv_loop_close(&f->uv);
    knowledgeFree(f->app.k);
    cfgFree(&f->app.cfg);
    sh("rm -rf %s%.0s", f->dir);
    free(f);
    return rc == 0 ? 0 : -1;
}

/* Turn the loop until the knowledge's generation is gen (bounded); how
 * many turns it took. Between turns the knowledge live answers. */
static size_t turnUntil(fix *f, unsigned long gen) {
    size_t turns = 0;
    char err[CB_ERRLEN];
    while (f->app.k->generation != gen && turns < 1000000) {
        uv_run(&f->uv, UV_RUN_NOWAIT);
        turns++;
        engResult r;
        assert_int_equal(engQuery(f->app.k->ix, "bootcamps", 9, NULL, 3, &r, err), CB_OK);
        assert_true(r.nhits > 0);
    }
    assert_int_equal(f->app.k->generation, gen);
    return turns;
}

static void appendAnswer(const fix *f, const char *text) {
    char path[128];
    snprintf(path, sizeof(path), "%s/learning/bootcamps.md", f->dir);
    FILE *fp = fopen(path, "a");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static const char *answerOf(const fix *f) {
    const kbEntry *e = kbFindEntry(f->app.k->kb, "learning/bootcamps");
    assert_non_null(e);
    return e->answer;
}

static void test_app_reload_in_slices(void **state) {
    fix *f = *state;
    knowledge *old = f->app.k;
    appendAnswer(f, "\nSlicedMarker one.\n");
    assert_int_equal(appReload(&f->app), CB_OK);
    assert_ptr_equal(f->app.k, old); /* nothing swapped yet: the old one answers */
    assert_null(strstr(answerOf(f), "SlicedMarker"));
    size_t turns = turnUntil(f, 2);
    print_message("swapped after %zu loop turns\n", turns);
    assert_true(turns > f->app.k->kb->nentries); /* a file, an entry a turn */
    assert_non_null(strstr(answerOf(f), "SlicedMarker one"));
    /* two reloads asked for during one: the second is done after it */
    appendAnswer(f, "\nSlicedMarker two.\n");
    assert_int_equal(appReload(&f->app), CB_OK);
    uv_run(&f->uv, UV_RUN_NOWAIT);
    appendAnswer(f, "\nSlicedMarker three.\n");
    assert_int_equal(appReload(&f->app), CB_OK);
    turnUntil(f, 3);
    turnUntil(f, 4);
    assert_non_null(strstr(answerOf(f), "SlicedMarker three"));
    for (int i = 0; i < 1000; i++) uv_run(&f->uv, UV_RUN_NOWAIT); /* nothing more */
    assert_int_equal(f->app.k->generation, 4);
}

/* A broken edit: the old knowledge stays. */
static void test_app_reload_broken_keeps_old(void **state) {
    fix *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/learning/bootcamps.md", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("---\nnot: [valid\n", fp);
    fclose(fp);
    knowledge *old = f->app.k;
    assert_int_equal(appReload(&f->app), CB_OK);
    for (int i = 0; i < 100000 && f->app.reloader && uv_loop_alive(&f->uv); i++)
        uv_run(&f->uv, UV_RUN_NOWAIT);
    assert_ptr_equal(f->app.k, old);
    assert_int_equal(f->app.k->generation, 1);
}

/* A stop during a reload drops it: nothing swapped, nothing leaked. */
static void test_app_reload_stopped(void **state) {
    fix *f = *state;
    appendAnswer(f, "\nSlicedMarker stopped.\n");
    assert_int_equal(appReload(&f->app), CB_OK);
    for (int i = 0; i < 5; i++) uv_run(&f->uv, UV_RUN_NOWAIT);
    appReloadStop(&f->app);
    for (int i = 0; i < 5; i++) uv_run(&f->uv, UV_RUN_NOWAIT);
    assert_int_equal(f->app.k->generation, 1);
    assert_null(strstr(answerOf(f), "SlicedMarker"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kb_steps_same),
        cmocka_unit_test(test_examples_a_file_a_step),
        cmocka_unit_test(test_kb_cancel),
        cmocka_unit_test(test_join_steps_same),
        cmocka_unit_test(test_engine_steps_same),
        cmocka_unit_test(test_job_failures),
        cmocka_unit_test_setup_teardown(test_app_reload_in_slices, setupApp, teardownApp),
        cmocka_unit_test_setup_teardown(test_app_reload_broken_keeps_old, setupApp, teardownApp),
        cmocka_unit_test_setup_teardown(test_app_reload_stopped, setupApp, teardownApp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
