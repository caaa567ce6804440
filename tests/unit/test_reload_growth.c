/* test_reload_growth.c - no step of the running bot's sliced reload grows
 * with the knowledge, but the few named here. The reload (knowledgeJob:
 * files, checks, hand-over, index, the model cache's key) and the freeing
 * of the old knowledge (knowledgeFreeStep) are run one step at a time on a
 * generated knowledge of N and of 4N entries, and the steps each stage
 * took are counted: a stage done in pieces takes more steps on the bigger
 * knowledge; one that went back to a single block (the postings, the
 * bigrams' sort, the hand-over's release, the key's hashing ...) takes
 * one step at both sizes, and this test fails. No timing: a slice is one
 * step (a deadline already past). The stages still done as one block,
 * whose work does not grow with the entries or is small, are listed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/common.h"
#include "match/knowledge.h"
#include "scaledkit.h"

#define MAX_STAGES 48
#define SMALL 150 /* entries; the big knowledge has 4 times as many */

/* Still one block each (README, "Nor does reading and indexing a big
 * knowledge"): the checks that find errors, the kb's hand-over (the
 * entries moved and sorted by id), the synonyms, the vocabulary tables. */
static const char *const oneBlock[] = {"checks: errors", "kb: hand-over", "index: synonyms",
                                      "index: vocabulary"};

/* Must be seen, done in pieces (so a renamed stage does not pass unseen). */
static const char *const sliced[] = {
    "files",           "checks: keywords",  "checks: phrasings",        "checks: phrasings sorted",
    "checks: phrasings freed", "checks: copies", "kb: release", "index: entries", "index: counts",
    "index: offsets",  "index: postings",   "index: bigrams",           "index: phrasings",
    "index: patterns", "index: model",      "warm: typos"};

typedef struct stageCount {
    const char *name[MAX_STAGES];
    size_t steps[MAX_STAGES];
    size_t n;
    size_t free_steps; /* the knowledge freed a step at a time */
} stageCount;

static uint64_t rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* A made-up word of 2-4 syllables (so the vocabulary grows with the
 * entries, as real knowledge's does). */
static void word(FILE *f, uint64_t *s) {
    static const char *const syl[] = {"ka", "lo", "ven", "tra", "pli", "zo", "mu", "ri",
                                      "sa", "fe", "dor", "nu", "qua", "bri", "el", "ph"};
    for (uint64_t k = 0, n = 2 + rnd(s) % 3; k < n; k++) fputs(syl[rnd(s) % 16], f);
}

static void words(FILE *f, uint64_t *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i) fputc(' ', f);
        word(f, s);
    }
}

static void writeEntry(const char *dir, size_t i, uint64_t *s) {
    char path[256];
    snprintf(path, sizeof(path), "%s/topic%zu/entry-%zu.md", dir, i % 4, i);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("---\nquestion: how do i ", f);
    words(f, s, 5);
    fputs("\nalternates:\n", f);
    for (int a = 0; a < 4; a++) {
        fputs("  - ", f);
        words(f, s, 5);
        fputc('\n', f);
    }
    fputs("keywords:\n  - ", f);
    words(f, s, 2);
    fputs("\nsummary: ", f);
    words(f, s, 8);
    fprintf(f, "\nsources:\n  - title: Source %zu\n    url: https://example.org/s/%zu\n", i, i);
    fputs("updated: 2025-05-01\n---\n\n", f);
    words(f, s, 60);
    fputc('\n', f);
    fclose(f);
}

/* A knowledge of n entries in 4 topics under a new temporary folder. */
static void makeKnowledge(char *dir, size_t n) {
    strcpy(dir, "/tmp/cb-growth-XXXXXX");
    assert_non_null(mkdtemp(dir));
    uint64_t s = 42;
    for (int t = 0; t < 4; t++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/topic%d", dir, t);
        assert_int_equal(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/topic%d/_topic.json", dir, t);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "{\"title\": \"Topic %d\", \"description\": \"Made up.\"}\n", t);
        fclose(f);
    }
    for (size_t i = 0; i < n; i++) writeEntry(dir, i, &s);
}

static void removeTree(const char *dir) {
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void countStep(stageCount *c, const char *stage) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->name[i], stage) == 0) {
            c->steps[i]++;
            return;
        }
    assert_true(c->n < MAX_STAGES);
    c->name[c->n] = stage;
    c->steps[c->n++] = 1;
}

static size_t stepsOf(const stageCount *c, const char *stage) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->name[i], stage) == 0) return c->steps[i];
    return 0;
}

/* The reload of a knowledge of n entries, a step at a time, counted by
 * the stage each step began in; then its freeing, a step at a time. The
 * scaled path with a model cache (the key is hashed; the re-ranker, not
 * in the cache, is trained in the last step, as the running bot does
 * right after its child trained), then the typo tables warmed. */
static void countReload(size_t n, stageCount *c) {
    char dir[64], cache[64];
    makeKnowledge(dir, n);
    strcpy(cache, "/tmp/cb-growth-cache-XXXXXX");
    assert_non_null(mkdtemp(cache));
    engParams p = kitScaledParams();
    p.cache_dir = cache;
    cbDiags d;
    cbDiagsInit(&d);
    knowledgeJob *j = knowledgeJobStart(dir, &p, &d);
    size_t bound = 100 * n + 100000;
    for (size_t i = 0;; i++) {
        assert_true(i < bound);
        const char *stage = knowledgeJobStage(j);
        if (knowledgeJobStep(j, -INFINITY)) break;
        countStep(c, stage);
    }
    knowledge *k = knowledgeJobEnd(j);
    if (!k && d.n) print_message("%s: %s\n", d.v[0].file, d.v[0].msg);
    assert_non_null(k);
    assert_int_equal(k->kb->nentries, n);
    assert_false(engNeedsTraining(k->ix));
    assert_int_equal(engWarm(k->ix), 0); /* the typo tables were warmed by the job */
    c->free_steps = 1;
    while (!knowledgeFreeStep(k, -INFINITY)) {
        c->free_steps++;
        assert_true(c->free_steps < bound);
    }
    cbDiagsFree(&d);
    removeTree(dir);
    removeTree(cache);
}

static int isOneBlock(const char *stage) {
    for (size_t i = 0; i < CB_ARRAY_LEN(oneBlock); i++)
        if (strcmp(oneBlock[i], stage) == 0) return 1;
    return 0;
}

static void test_steps_grow_with_the_knowledge(void **state) {
    (void)state;
    stageCount *small = cbCalloc(1, sizeof(*small)), *big = cbCalloc(1, sizeof(*big));
    countReload(SMALL, small);
    countReload(4 * SMALL, big);
    for (size_t i = 0; i < big->n; i++)
        print_message("%-26s %6zu steps at %d entries, %6zu at %d\n", big->name[i],
                      stepsOf(small, big->name[i]), SMALL, big->steps[i], 4 * SMALL);
    print_message("%-26s %6zu steps at %d entries, %6zu at %d\n", "freed", small->free_steps, SMALL,
                  big->free_steps, 4 * SMALL);
    for (size_t i = 0; i < CB_ARRAY_LEN(sliced); i++) {
        if (!stepsOf(big, sliced[i])) print_message("stage never seen: %s\n", sliced[i]);
        assert_true(stepsOf(big, sliced[i]) > 0);
    }
    for (size_t i = 0; i < big->n; i++) {
        if (isOneBlock(big->name[i])) continue;
        if (big->steps[i] <= stepsOf(small, big->name[i]))
            print_message("one block again: %s\n", big->name[i]);
        assert_true(big->steps[i] > stepsOf(small, big->name[i]));
    }
    assert_true(big->free_steps > small->free_steps);
    cbFreeN(2, small, big);
}

/* A reload dropped one and four steps into each stage, and at every step
 * of the sort of the phrasings' keys (its records own their keys), frees
 * all it holds, once: ASan fails this test on a leak or a double free (a
 * sort dropped half way must not lose or repeat a key: 2 * SMALL entries
 * have more phrasings than a sort's chunk). */
static void test_cancel_in_every_stage(void **state) {
    (void)state;
    char dir[64], cache[64];
    makeKnowledge(dir, 2 * SMALL);
    strcpy(cache, "/tmp/cb-growth-cache-XXXXXX");
    assert_non_null(mkdtemp(cache));
    engParams p = kitScaledParams();
    p.cache_dir = cache;
    size_t first[MAX_STAGES], nfirst = 0, steps = 0;
    stageCount *seen = cbCalloc(1, sizeof(*seen));
    cbDiags d;
    cbDiagsInit(&d);
    knowledgeJob *j = knowledgeJobStart(dir, &p, &d);
    for (int done = 0; !done; steps++) {
        const char *stage = knowledgeJobStage(j);
        if (!stepsOf(seen, stage) && nfirst < MAX_STAGES) first[nfirst++] = steps;
        countStep(seen, stage);
        done = knowledgeJobStep(j, -INFINITY);
    }
    knowledgeFree(knowledgeJobEnd(j));
    size_t sorting = 0; /* the sort of the phrasings' keys begins */
    for (size_t s = 0; s < nfirst; s++)
        if (strcmp(seen->name[s], "checks: phrasings sorted") == 0) sorting = first[s];
    assert_true(sorting > 0 && stepsOf(seen, "checks: phrasings sorted") > 4);
    for (size_t s = 0; s < 2 * nfirst + stepsOf(seen, "checks: phrasings sorted"); s++) {
        size_t at = s < 2 * nfirst ? first[s / 2] + (s % 2 ? 4 : 1) : sorting + s - 2 * nfirst;
        j = knowledgeJobStart(dir, &p, &d);
        for (size_t i = 0; i < at && !knowledgeJobStep(j, -INFINITY); i++) {
        }
        knowledgeJobCancel(j);
    }
    print_message("dropped in %zu stages\n", nfirst);
    assert_true(nfirst >= CB_ARRAY_LEN(sliced));
    cbDiagsFree(&d);
    free(seen);
    removeTree(dir);
    removeTree(cache);
}

int main(void) {
    setenv("CAREERBOT_TODAY", "2025-06-01", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_grow_with_the_knowledge),
        cmocka_unit_test(test_cancel_in_every_stage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
