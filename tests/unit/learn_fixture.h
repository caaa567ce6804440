/* learn_fixture.h - what the learned matcher's tests share: asking an
 * index, loading a folder, and a three-entry knowledge base in a
 * temporary directory (setupDir/teardownDir) that tests edit file by
 * file (test_engine_learn.c, test_engine_examples.c). */
#ifndef CB_TEST_LEARN_FIXTURE_H
#define CB_TEST_LEARN_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/common.h"
#include "match/engine.h"
#include "match/knowledge.h"

static inline engResult ask(const engIndex *ix, const char *q) {
    engResult r;
    char err[CB_ERRLEN];
    assert_int_equal(engQuery(ix, q, strlen(q), NULL, 5, &r, err), CB_OK);
    return r;
}

static inline knowledge *load(const char *dir, cbDiags *d) {
    engParams p;
    engDefaultParams(&p);
    cbDiagsInit(d);
    return knowledgeLoad(dir, &p, d);
}

/* ---- a knowledge base in a temporary directory ---- */

static char DIR_[64];

static inline void writeFile(const char *rel, const char *text) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", DIR_, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static inline char *entry(const char *question, const char *alternates) {
    return cbSprintf("---\n{\n  \"question\": \"%s\",\n  \"alternates\": [%s],\n"
                     "  \"sources\": [{\"title\": \"Docs\", \"url\": \"https://example.org/\"}],\n"
                     "  \"links\": [{\"title\": \"A\", \"url\": \"https://example.org/a\"},\n"
                     "            {\"title\": \"B\", \"url\": \"https://example.org/b\"}],\n"
                     "  \"updated\": \"2026-11-01\"\n}\n---\nAn answer.\n",
                     question, alternates);
}

static inline void writeEntry(const char *rel, const char *question, const char *alternates) {
    char *e = entry(question, alternates);
    writeFile(rel, e);
    free(e);
}

static inline int setupDir(void **state) {
    (void)state;
    setenv("CAREERBOT_TODAY", "2026-12-01", 1);
    snprintf(DIR_, sizeof(DIR_), "/tmp/cb-learn-%ld", (long)getpid());
    char path[128];
    mkdir(DIR_, 0700);
    snprintf(path, sizeof(path), "%s/jobs", DIR_);
    mkdir(path, 0700);
    writeFile("jobs/_topic.json", "{\"title\": \"Jobs\", \"description\": \"Getting hired.\"}\n");
    writeEntry("jobs/salary.md", "How much do Python developers earn?",
               "\"python developer salary\", \"what do python devs make\", "
               "\"how to negotiate a raise\", \"pay for a junior python dev\"");
    writeEntry("jobs/resume.md", "How do I write a developer resume?",
               "\"cv tips for programmers\", \"what to put on my resume\", "
               "\"one page or two page cv\", \"resume for a junior developer\"");
    writeEntry("jobs/remote.md", "How do I find remote Python work?",
               "\"remote python jobs\", \"work from home as a developer\", "
               "\"where to find remote roles\", \"remote junior python job\"");
    writeFile("out-of-scope.txt", "# declined\nhow do i fix a syntax error\ntell me a joke\n"
                                  "what is the weather tomorrow\nhow do i install numpy\n");
    return 0;
}

static inline int teardownDir(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", DIR_);
    return system(cmd) == 0 ? 0 : -1;
}

/* The first problem of severity sev about a file whose name ends with
 * name, or NULL. */
static inline const cbDiag *diagOf(const cbDiags *d, const char *name, cbSeverity sev) {
    for (size_t i = 0; i < d->n; i++) {
        size_t fl = strlen(d->v[i].file), nl = strlen(name);
        if (d->v[i].severity == sev && fl >= nl && strcmp(d->v[i].file + fl - nl, name) == 0)
            return &d->v[i];
    }
    return NULL;
}

#endif
