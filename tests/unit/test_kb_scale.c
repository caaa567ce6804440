/* test_kb_scale.c - a big knowledge folder loads, and the loader's bounds
 * say what they are: 25,000 entry files (more than the 20,000 files the
 * loader once stopped at) load; past a bound on files or on bytes the
 * load fails with "is this the right directory?" naming the bound; `kb
 * import` refuses a file over its size limit before reading it. The
 * near-copy check (kb_simjoin.c finds the pairs to compare instead of
 * trying all) finds exactly the pairs a comparison of every pair finds,
 * on entries built to be near copies of each other. Speed is measured by
 * `make bench` (bench_engine: 10,000 and 100,000 entries on disk), not
 * here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/common.h"
#include "kb/kb.h"
#include "kb/kb_export.h"
#include "test_kb_util.h"

#define NTOPICS 5
#define PER_TOPIC 5000 /* 25,000 entries: past the old bound of 20,000 files */

/* A folder of NTOPICS x PER_TOPIC tiny entries (JSON front matter). */
static int bigSetup(void **state) {
    char *dir = ktTempDir();
    for (int t = 0; t < NTOPICS; t++) {
        char *td = cbSprintf("%s/t%d", dir, t), *tj = cbSprintf("%s/_topic.json", td);
        mkdir(td, 0755);
        ktWrite(tj, "{\"title\": \"T\", \"description\": \"A topic.\"}\n");
        for (int i = 0; i < PER_TOPIC; i++) {
            char path[512], text[512];
            snprintf(path, sizeof(path), "%s/e%d.md", td, i);
            snprintf(text, sizeof(text),
                     "---\n{\"question\": \"What is item %d about, in group g%d?\", \"summary\": "
                     "\"Item %d.\", \"sources\": [{\"title\": \"S\", \"url\": "
                     "\"https://example.org/s\"}], \"links\": [{\"title\": \"L\", \"url\": "
                     "\"https://example.org/l\"}], \"updated\": \"2025-05-01\"}\n---\nAnswer %d.\n",
                     i, t, i, i);
            ktWrite(path, text);
        }
        free(td);
        free(tj);
    }
    *state = dir;
    return 0;
}

static int bigTeardown(void **state) {
    ktRmTree(*state);
    free(*state);
    return 0;
}

/* Load dir with bounds (0: the defaults); the first error's message, or
 * "" when it loaded (*n: its entries). */
static void loadWith(const char *dir, size_t max_files, size_t max_bytes, char *msg, size_t cap,
                     size_t *n) {
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {.now = ktDay("2025-06-01"), .max_files = max_files, .max_bytes = max_bytes};
    kb *k = kbLoadWith(dir, &o, &d);
    msg[0] = '\0';
    for (size_t i = 0; i < d.n && !msg[0]; i++)
        if (d.v[i].severity == CB_DIAG_ERROR) snprintf(msg, cap, "%s", d.v[i].msg);
    *n = k ? k->nentries : 0;
    assert_true(k ? d.nerrors == 0 : d.nerrors > 0);
    kbFree(k);
    cbDiagsFree(&d);
}

static void test_past_20000_files_loads(void **state) {
    char msg[512];
    size_t n = 0;
    loadWith(*state, 0, 0, msg, sizeof(msg), &n);
    assert_string_equal(msg, "");
    assert_int_equal(n, NTOPICS * PER_TOPIC);
    assert_true(KB_MAX_FILES >= 100000 + 100000 / 2); /* 100,000 entries with room */
}

static void test_file_bound_is_clear(void **state) {
    char msg[512];
    size_t n = 1;
    loadWith(*state, 20000, 0, msg, sizeof(msg), &n);
    assert_int_equal(n, 0);
    assert_string_equal(msg, "more than 20000 files in the knowledge folder (the bound); is "
                             "this the right directory?");
}

static void test_byte_bound_is_clear(void **state) {
    char msg[512];
    size_t n = 1;
    loadWith(*state, 0, 100000, msg, sizeof(msg), &n);
    assert_int_equal(n, 0);
    assert_string_equal(msg, "more than 100000 bytes of entry files in the knowledge folder "
                             "(the bound); is this the right directory?");
}

/* examples/ counts toward the same bound: a folder of many example files
 * is refused like one of many entries. */
static void test_byte_bound_counts_examples(void **state) {
    (void)state;
    char *tmp = ktTempDir(), *dir = cbSprintf("%s/kb", tmp), *ex = cbSprintf("%s/kb/examples", tmp);
    ktCopyTree("tests/fixtures/kb/good", dir);
    assert_int_equal(mkdir(ex, 0755), 0);
    char *file = cbSprintf("%s/a.jsonl", ex);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    for (int i = 0; i < 2000; i++) fprintf(f, "{\"q\": \"question number %d\", \"gold\": []}\n", i);
    fclose(f);
    char msg[512];
    size_t n = 1;
    loadWith(dir, 0, 50000, msg, sizeof(msg), &n);
    assert_int_equal(n, 0);
    assert_string_equal(msg, "more than 50000 bytes of entry and example files in the knowledge "
                             "folder (the bound); is this the right directory?");
    loadWith(dir, 0, 0, msg, sizeof(msg), &n); /* the default bound: it loads */
    assert_string_equal(msg, "");
    ktRmTree(tmp);
    cbFreeN(4, tmp, dir, ex, file);
}

/* A file over the import limit is refused by its size, not read (a
 * sparse file: nothing is written to the disk). */
static void test_import_limit(void **state) {
    (void)state;
    char *tmp = ktTempDir();
    char *file = cbSprintf("%s/big.csv", tmp), *out = cbSprintf("%s/out", tmp);
    int fd = open(file, O_CREAT | O_WRONLY, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)KB_MAX_BYTES + 1), 0);
    close(fd);
    cbDiags d;
    cbDiagsInit(&d);
    char err[CB_ERRLEN] = "";
    assert_int_equal(kbImport(file, out, 0, &d, err), CB_ERR);
    assert_non_null(strstr(err, "bytes; the limit is 1024 MiB"));
    assert_int_equal(access(out, F_OK), -1);
    cbDiagsFree(&d);
    ktRmTree(tmp);
    free(file);
    free(out);
    free(tmp);
}

/* ---- near copies: as a comparison of every pair would find them ---- */

#define NCOPY 120
#define VOCAB 24

static unsigned long long lcg = 12345;
static unsigned rnd(void) {
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(lcg >> 33);
}

/* Answers drawn from a small vocabulary, many of them an earlier one
 * with a word or two changed: pairs on both sides of the 0.85 share. */
static void copyAnswers(unsigned char sets[NCOPY][VOCAB]) {
    for (int i = 0; i < NCOPY; i++) {
        if (i > 0 && rnd() % 2) {
            memcpy(sets[i], sets[rnd() % (unsigned)i], VOCAB);
            for (unsigned c = rnd() % 3; c > 0; c--) sets[i][rnd() % VOCAB] ^= 1;
        } else {
            for (int w = 0; w < VOCAB; w++) sets[i][w] = rnd() % 3 == 0;
        }
    }
}

/* Above the data's copied_answer_share (0.85) with copied_min_words (5)
 * words each; "done", in every answer, is one more shared word. */
static int isCopy(const unsigned char *a, const unsigned char *b) {
    int both = 1, any = 1, na = 1, nb = 1;
    for (int w = 0; w < VOCAB; w++) {
        both += a[w] && b[w];
        any += a[w] || b[w];
        na += a[w];
        nb += b[w];
    }
    return na >= 5 && nb >= 5 && (double)both / any > 0.85;
}

static void test_copies_as_every_pair(void **state) {
    (void)state;
    static unsigned char sets[NCOPY][VOCAB];
    copyAnswers(sets);
    char *dir = ktTempDir(), *td = cbSprintf("%s/t", dir), *tj = cbSprintf("%s/_topic.json", td);
    mkdir(td, 0755);
    ktWrite(tj, "{\"title\": \"T\", \"description\": \"A topic.\"}\n");
    for (int i = 0; i < NCOPY; i++) {
        char path[512], text[2048] = "", words[1024] = "";
        for (int w = 0; w < VOCAB; w++)
            if (sets[i][w]) snprintf(words + strlen(words), sizeof(words) - strlen(words), "w%c%c ",
                                     'a' + w, 'a' + w);
        snprintf(path, sizeof(path), "%s/e%03d.md", td, i); /* loaded in this order */
        snprintf(text, sizeof(text),
                 "---\n{\"question\": \"Question %d?\", \"summary\": \"S.\", \"sources\": [{\"title\": "
                 "\"S\", \"url\": \"https://example.org/s\"}], \"links\": [{\"title\": \"L\", \"url\": "
                 "\"https://example.org/l\"}], \"updated\": \"2025-05-01\"}\n---\n%sdone.\n",
                 i, words);
        ktWrite(path, text);
    }
    size_t expected = 0, found = 0;
    for (int i = 0; i < NCOPY; i++)
        for (int k = 0; k < i; k++) expected += (size_t)isCopy(sets[i], sets[k]);
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {.now = ktDay("2025-06-01")};
    kb *k = kbLoadWith(dir, &o, &d);
    assert_non_null(k);
    for (size_t i = 0; i < d.n; i++) found += strstr(d.v[i].msg, "this answer is nearly a copy") != NULL;
    assert_true(expected >= 20); /* the set-up makes many */
    assert_int_equal(found, expected);
    kbFree(k);
    cbDiagsFree(&d);
    ktRmTree(dir);
    free(dir);
    free(td);
    free(tj);
}

int main(void) {
    const struct CMUnitTest big[] = {
        cmocka_unit_test(test_past_20000_files_loads),
        cmocka_unit_test(test_file_bound_is_clear),
        cmocka_unit_test(test_byte_bound_is_clear),
    };
    const struct CMUnitTest small[] = {
        cmocka_unit_test(test_import_limit),
        cmocka_unit_test(test_byte_bound_counts_examples),
        cmocka_unit_test(test_copies_as_every_pair),
    };
    int rc = cmocka_run_group_tests(small, NULL, NULL);
    return rc | cmocka_run_group_tests(big, bigSetup, bigTeardown);
}
