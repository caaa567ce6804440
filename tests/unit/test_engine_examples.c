/* test_engine_examples.c - knowledge/examples/ as the matcher's training
 * data: labelled questions move an answer (to their entry, or to a
 * decline) on the next load with no other step; each mistake in a file
 * is an error at its line (the id's column for an unknown id, with the
 * closest id); a question two lines teach differently is a warning; the
 * name 'examples' is no topic; a question in words only examples use
 * reaches the classifier. */
#include "learn_fixture.h"

/* examples/ is training data like alternates: labelled questions move a
 * question no entry words to the entry they name, or (no id) to a
 * decline, on the next load with no other step; without the file the
 * ranking is as before. */
static double confidenceIn(const engResult *r, const char *id) {
    for (size_t i = 0; i < r->nhits; i++)
        if (strcmp(r->hits[i].entry->id, id) == 0) return r->hits[i].confidence;
    return 0;
}

static engResult askFresh(const char *q, knowledge **k) {
    cbDiags d;
    *k = load(DIR_, &d);
    if (!*k) cbDiagsPrint(&d, "text", stderr);
    assert_non_null(*k);
    cbDiagsFree(&d);
    return ask((*k)->ix, q);
}

/* The fixture's examples/ folder, made. */
static void examplesDir(char *dir, size_t n) {
    snprintf(dir, n, "%s/examples", DIR_);
    mkdir(dir, 0700);
}

static void testExamplesRetrain(void **state) {
    (void)state;
    const char *q = "could i do a four day week as a developer";
    char dir[128], path[160];
    examplesDir(dir, sizeof(dir));
    knowledge *k;
    engResult r = askFresh(q, &k);
    assert_string_not_equal(r.hits[0].entry->id, "jobs/remote");
    double before = confidenceIn(&r, "jobs/remote");
    knowledgeFree(k);
    writeFile("examples/moved.jsonl",
              "# a four-day week is the remote entry's here\n\n"
              "{\"q\": \"four day week as a developer\", \"gold\": [\"jobs/remote\"]}\n"
              "{\"q\": \"is a four day week possible in tech\", \"gold\": [\"jobs/remote\"], "
              "\"style\": \"x\"}\n"
              "{\"q\": \"developer jobs with a four day week\", \"gold\": [\"jobs/remote\"]}\n");
    r = askFresh(q, &k);
    assert_int_equal(k->kb->train_q.n, 3);
    assert_string_equal(r.hits[0].entry->id, "jobs/remote");
    double taught = confidenceIn(&r, "jobs/remote");
    assert_true(taught > before + 0.2);
    knowledgeFree(k);
    writeFile("examples/moved.jsonl",
              "{\"q\": \"four day week as a developer\", \"gold\": []}\n"
              "{\"q\": \"is a four day week possible in tech\", \"gold\": []}\n"
              "{\"q\": \"developer jobs with a four day week\", \"gold\": []}\n");
    r = askFresh(q, &k);
    assert_int_not_equal(r.outcome, ENG_ANSWER);
    assert_true(confidenceIn(&r, "jobs/remote") < before);
    knowledgeFree(k);
    snprintf(path, sizeof(path), "%s/moved.jsonl", dir);
    unlink(path);
    rmdir(dir);
    r = askFresh(q, &k);
    assert_true(confidenceIn(&r, "jobs/remote") == before); /* the same training as at first */
    knowledgeFree(k);
}

/* A question in words no entry uses but examples do: the index knows
 * none of them, the classifier does, and answers it (before, such a
 * question never reached the classifier: no hit at all). */
static void testExamplesOwnWords(void **state) {
    (void)state;
    const char *q = "which ergonomic keyboard and trackball";
    char dir[128], path[160];
    examplesDir(dir, sizeof(dir));
    knowledge *k;
    engResult r = askFresh(q, &k);
    assert_int_equal(r.nhits, 0); /* no word of it is the knowledge's */
    knowledgeFree(k);
    writeFile("examples/desk.jsonl",
              "{\"q\": \"an ergonomic keyboard for my home desk\", \"gold\": [\"jobs/remote\"]}\n"
              "{\"q\": \"trackball or ergonomic keyboard at home\", \"gold\": [\"jobs/remote\"]}\n"
              "{\"q\": \"keyboard and trackball for the home office\", \"gold\": [\"jobs/remote\"]}\n");
    r = askFresh(q, &k);
    assert_true(r.nhits > 0);
    assert_string_equal(r.hits[0].entry->id, "jobs/remote");
    knowledgeFree(k);
    snprintf(path, sizeof(path), "%s/desk.jsonl", dir);
    unlink(path);
    rmdir(dir);
}

/* The first error about file name whose line is line, or NULL. */
static const cbDiag *errorAtLine(const cbDiags *d, const char *name, int line) {
    for (size_t i = 0; i < d->n; i++) {
        size_t fl = strlen(d->v[i].file), nl = strlen(name);
        if (d->v[i].severity == CB_DIAG_ERROR && d->v[i].line == line && fl >= nl &&
            strcmp(d->v[i].file + fl - nl, name) == 0)
            return &d->v[i];
    }
    return NULL;
}

/* Each mistake in an examples/ file is an error at its line (the id's
 * column for an unknown id, with the closest id), the load fails, and a
 * file that is not .jsonl is a warning. */
static void testExamplesErrors(void **state) {
    (void)state;
    char dir[128], path[160];
    snprintf(dir, sizeof(dir), "%s/examples", DIR_);
    mkdir(dir, 0700);
    writeFile("examples/bad.jsonl", "{\"q\": \"cv tips\", \"gold\": [\"jobs/resum\"]}\n"
                                    "{\"q\": \"cv tips\", \"gold\": \"jobs/resume\"}\n"
                                    "{\"q\": \"unterminated\n"
                                    "# a comment\n"
                                    "{\"gold\": []}\n"
                                    "{\"q\": \"\", \"gold\": [\"nowhere\"]}\n"
                                    "[\"q\", \"gold\"]\n"
                                    /* the id's column found by a search, after "gold" ... */
                                    "{\"gold\": [\"jobs/remote\", \"jobs/resum\"], \"q\": \"\u00e9t\u00e9 \\\"jobs/resum\\\"\"}\n"
                                    /* ... or by parsing the line when escaped */
                                    "{\"q\": \"x\", \"gold\": [\"jobs\\/resum\"]}\n"
                                    /* "gold" as a value, the id in another array first */
                                    "{\"q\": \"gold\", \"see\": [\"jobs/resum\"], \"gold\": [\"jobs/resum\"]}\n"
                                    /* a key misspelt: named, other keys are free */
                                    "{\"question\": \"cv?\", \"src\": \"me\", \"gold\": []}\n"
                                    "{\"q\": \"cv?\", \"style\": [], \"glod\": []}\n");
    writeFile("examples/notes.txt", "not read\n");
    writeFile("examples/emptied.jsonl", "# only a comment\n\n");
    cbDiags d;
    knowledge *k = load(DIR_, &d);
    assert_null(k);
    static const struct {
        int line, col;
        const char *msg;
    } want[] = {{1, 27, "did you mean 'jobs/resume'"}, {2, 0, "\"gold\" must list"},
                {3, 0, ""}, {5, 0, "\"q\" must be the question"},
                {6, 0, "\"q\" must be the question"}, {7, 0, "must be an object"},
                {8, 26, "did you mean 'jobs/resume'"}, {9, 21, "did you mean 'jobs/resume'"},
                {10, 47, "did you mean 'jobs/resume'"},
                {11, 2, "no \"q\" on this line: is 'question' meant to be \"q\"?"},
                {12, 27, "no \"gold\" on this line: is 'glod' meant to be \"gold\"?"}};
    for (size_t i = 0; i < CB_ARRAY_LEN(want); i++) {
        const cbDiag *e = errorAtLine(&d, "examples/bad.jsonl", want[i].line);
        if (!e || (want[i].col && e->col != want[i].col) || !strstr(e->msg, want[i].msg)) {
            cbDiagsPrint(&d, "text", stderr);
            fail_msg("line %d: wanted '%s'", want[i].line, want[i].msg);
        }
    }
    assert_null(errorAtLine(&d, "examples/bad.jsonl", 4));
    assert_int_equal(d.nerrors, CB_ARRAY_LEN(want));
    assert_non_null(diagOf(&d, "examples/notes.txt", CB_DIAG_WARNING));
    const cbDiag *emptied = diagOf(&d, "examples/emptied.jsonl", CB_DIAG_WARNING);
    assert_non_null(emptied);
    assert_non_null(strstr(emptied->msg, "no questions in this file"));
    cbDiagsFree(&d);
    snprintf(path, sizeof(path), "%s/emptied.jsonl", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/bad.jsonl", dir);
    unlink(path);
    /* one question taught as two entries' (case and punctuation aside): a
     * warning at the second line; the same ids twice, or one line's two
     * ids, are none */
    writeFile("examples/c.jsonl", "{\"q\": \"remote jobs pls\", \"gold\": [\"jobs/remote\"]}\n"
                                  "{\"q\": \"Remote jobs, pls!\", \"gold\": [\"jobs/salary\"]}\n"
                                  "{\"q\": \"x y\", \"gold\": [\"jobs/remote\", \"jobs/salary\"]}\n"
                                  "{\"q\": \"x y\", \"gold\": [\"jobs/remote\", \"jobs/salary\"]}\n");
    knowledge *kc = load(DIR_, &d);
    assert_non_null(kc);
    knowledgeFree(kc);
    const cbDiag *w = diagOf(&d, "examples/c.jsonl", CB_DIAG_WARNING);
    assert_non_null(w);
    assert_int_equal(w->line, 2);
    assert_non_null(strstr(w->msg, "'jobs/remote'"));
    size_t about = 0;
    for (size_t i = 0; i < d.n; i++) about += strstr(d.v[i].file, "examples/c.jsonl") != NULL;
    assert_int_equal(about, 1);
    cbDiagsFree(&d);
    snprintf(path, sizeof(path), "%s/c.jsonl", dir);
    unlink(path);
    /* 'examples' is no topic: an entry there is an error; a folder, a warning */
    writeFile("examples/foo.md", "---\nquestion: Q?\n---\nA.\n");
    snprintf(path, sizeof(path), "%s/sub", dir);
    mkdir(path, 0700);
    assert_null(load(DIR_, &d));
    const cbDiag *e = diagOf(&d, "examples/foo.md", CB_DIAG_ERROR);
    assert_non_null(e);
    assert_non_null(strstr(e->msg, "reserved"));
    assert_non_null(diagOf(&d, "examples/sub", CB_DIAG_WARNING));
    cbDiagsFree(&d);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/foo.md", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/notes.txt", dir);
    unlink(path);
    rmdir(dir);
}


int main(void) {
    const struct CMUnitTest temp[] = {
        cmocka_unit_test(testExamplesRetrain),
        cmocka_unit_test(testExamplesOwnWords),
        cmocka_unit_test(testExamplesErrors),
    };
    return cmocka_run_group_tests_name("examples/", temp, setupDir, teardownDir);
}
