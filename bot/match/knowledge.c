/* knowledge.c - load a kb and build its index as one unit (see
 * knowledge.h): at once, or in slices (knowledgeJob: the files a few at a
 * time, then the index an entry or a phase at a time). */
#include "match/knowledge.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

struct knowledgeJob {
    char *dir;
    engParams p;
    cbDiags *d;
    kbLoadJob *load; /* reading the files, or NULL */
    kb *k;           /* read: being indexed */
    engBuildJob *build;
    engIndex *ix;    /* built: its typo tables being warmed (engWarmStep) */
    int built, failed;
};

knowledge *knowledgeLoad(const char *dir, const engParams *p, cbDiags *d) {
    return knowledgeLoadWith(dir, p, NULL, d);
}

static knowledge *knowledgeOf(const char *dir, kb *k, engIndex *ix, const char *err, cbDiags *d) {
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

knowledge *knowledgeLoadWith(const char *dir, const engParams *p, kbLoadOpts *o, cbDiags *d) {
    kb *k = kbLoadWith(dir, o, d);
    if (!k) return NULL;
    char err[CB_ERRLEN];
    return knowledgeOf(dir, k, engBuild(k, p, err), err, d);
}

knowledgeJob *knowledgeJobStart(const char *dir, const engParams *p, cbDiags *d) {
    knowledgeJob *j = cbCalloc(1, sizeof(*j));
    j->dir = cbStrdup(dir);
    if (p) j->p = *p;
    else engDefaultParams(&j->p);
    j->d = d;
    j->load = kbLoadBegin(j->dir, NULL, d);
    return j;
}

/* One step of work: files, then the checks, then the index. */
static void jobWork(knowledgeJob *j, double deadline) {
    char err[CB_ERRLEN] = "";
    if (j->load) {
        if (!kbLoadStep(j->load, deadline)) return;
        kbLoadJob *l = j->load;
        j->load = NULL;
        if (!(j->k = kbLoadEnd(l))) j->failed = 1; /* done in the steps: nothing left */
        return;
    }
    if (j->ix) { /* built: warm (not an index its caller trains again elsewhere) */
        j->built = engNeedsTraining(j->ix) || engWarmStep(j->ix, deadline);
        return;
    }
    if (!j->build) {
        if (!(j->build = engBuildBegin(j->k, &j->p, err))) j->failed = 1;
    } else {
        int rc = engBuildStep(j->build, deadline, err);
        if (rc == 1) {
            j->ix = engBuildEnd(j->build, err); /* done: nothing left to build */
            j->build = NULL;
            j->failed = !j->ix;
        }
        if (rc == CB_ERR) {
            engBuildCancel(j->build);
            j->build = NULL;
            j->failed = 1;
        }
    }
    if (j->failed) cbDiagAdd(j->d, CB_DIAG_ERROR, j->dir, 0, 0, "cannot build the search index: %s", err);
}

static int jobDone(const knowledgeJob *j) { return j->failed || j->built; }

const char *knowledgeJobStage(const knowledgeJob *j) {
    if (j->load) return kbLoadStage(j->load);
    if (jobDone(j)) return "done";
    if (j->ix) return "warm: typos";
    return j->build ? engBuildStage(j->build) : "index: synonyms";
}

int knowledgeJobStep(knowledgeJob *j, double deadline) {
    do {
        if (jobDone(j)) return 1;
        jobWork(j, deadline);
    } while (cbNowMs() < deadline);
    return jobDone(j);
}

knowledge *knowledgeJobEnd(knowledgeJob *j) {
    while (!knowledgeJobStep(j, INFINITY)) {
    }
    knowledge *kn = NULL;
    if (!j->failed) {
        char err[CB_ERRLEN] = "";
        kn = knowledgeOf(j->dir, j->k, j->ix, err, j->d);
        j->k = NULL;
        j->ix = NULL;
    }
    knowledgeJobCancel(j);
    return kn;
}

void knowledgeJobCancel(knowledgeJob *j) {
    if (!j) return;
    kbLoadCancel(j->load);
    engBuildCancel(j->build);
    engFree(j->ix);
    kbFree(j->k);
    free(j->dir);
    free(j);
}

int knowledgeFreeStep(knowledge *k, double deadline) {
    if (!k) return 1;
    do {
        size_t n = k->kb ? k->kb->nentries : 0;
        if (k->derived_free) {
            k->derived_free(k->derived);
            k->derived_free = NULL;
            k->derived = NULL;
        } else if (k->ix) {
            engFree(k->ix);
            k->ix = NULL;
        } else if (n) {
            kbFreeEntries(k->kb, n > KNOWLEDGE_FREE_CHUNK ? n - KNOWLEDGE_FREE_CHUNK : 0);
        } else {
            kbFree(k->kb);
            free(k);
            return 1;
        }
    } while (cbNowMs() < deadline);
    return 0;
}

void knowledgeFree(knowledge *k) {
    if (!k) return;
    if (k->derived_free) k->derived_free(k->derived);
    engFree(k->ix);
    kbFree(k->kb);
    free(k);
}
