/* cmd_report_accept.c - one step from a report suggestion to the
 * knowledge: `careerbot report accept ID` adds the group's real questions
 * as training examples of the entry they mean (or of --entry) to
 * examples/accepted.jsonl (kb_learn.c: the matcher learns the users' own
 * wording, the entry file stays as curated), or with --alternates as the
 * entry's alternates, through the same writer as `kb import`, so the
 * diff of the entry file is the new lines;
 * a group that means no entry becomes a new entry draft (`kb new`, with
 * the question and alternates filled in) at --as TOPIC/SLUG. `kb check`
 * runs afterwards. `careerbot report dismiss ID` records that the group
 * is not worth an entry, so the report stops showing it (with
 * --out-of-scope its questions are also added as examples to decline).
 * Both record the decision in the history with the questions it covered.
 * ID is the
 * group's id in the report ("q123"), or any of its questions' ids, or a
 * question a human mentor answered ("h7": --as drafts an entry whose body
 * is the mentor's answer, for a maintainer to rewrite). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "cli/cli.h"
#include "cli/report_cli.h"
#include "kb/kb_export.h"

/* The group holding question ID in the all-time report; NULL after a
 * message. */
static const histCluster *findGroup(reportCtx *c, const reportArgs *a, histReport *r) {
    if (reportBuild(c, a, 0, r) != CB_OK) return NULL;
    const histCluster *g = histReportFind(r, a->pos);
    if (!g) fprintf(stderr, "careerbot: no group of the report holds '%s' (see `careerbot report`)\n",
                    a->pos);
    return g;
}

/* What `careerbot kb check --kb dir` prints and returns. */
static int runKbCheck(const char *dir) {
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {0};
    kb *k = kbLoadWith(dir, &o, &d);
    cbDiagsPrint(&d, "text", stdout);
    printf("kb check: %zu entries in %zu topics: %zu errors, %zu warnings\n", o.nentries,
           o.ntopics, d.nerrors, d.nwarnings);
    int rc = d.nerrors ? CB_EXIT_FAIL : CB_EXIT_OK;
    kbFree(k);
    cbDiagsFree(&d);
    return rc;
}

/* The group's questions into the knowledge: as examples of entry (NULL:
 * out of scope) in examples/, or as the entry's alternates. *added: how
 * many were new; *skipped: how many were left for a person to decide (an
 * example teaches them otherwise: warnings say where). */
static int teach(const reportCtx *c, const histCluster *g, const char *entry, int alternates,
                 size_t *added, size_t *skipped) {
    char err[CB_ERRLEN];
    kbLearned got = {0, 0, NULL};
    cbDiags d, notes;
    cbDiagsInit(&d);
    cbDiagsInit(&notes);
    const char *const *qs = (const char *const *)g->examples;
    int rc = alternates ? kbAddAlternates(c->cfg.kb_dir, entry, qs, g->nexamples, &got.added,
                                          &got.path, &d, err)
                        : kbAddExamples(c->cfg.kb_dir, entry, qs, g->nexamples, &got, &notes, &d, err);
    cbDiagsPrint(&notes, "text", stderr);
    const char *what = entry ? entry : "out of scope";
    if (rc != CB_OK) {
        cbDiagsPrint(&d, "text", stderr);
        fprintf(stderr, "careerbot: %s\n", err);
    } else if (got.added && alternates) {
        printf("%s: %zu alternate%s added to %s\n", got.path, got.added,
               got.added == 1 ? "" : "s", entry);
    } else if (got.added) {
        printf("%s: %zu example%s of %s added (the entry files are unchanged; the bot retrains "
               "on its next reload)\n", got.path, got.added, got.added == 1 ? "" : "s", what);
    } else if (!got.skipped) {
        printf("nothing to add: every question of group %s already teaches %s (accepted "
               "before?); no decision recorded\n", g->id, what);
    }
    if (got.skipped)
        printf("%zu question%s of group %s left for you to decide (see the warnings above)\n",
               got.skipped, got.skipped == 1 ? "" : "s", g->id);
    *added = got.added;
    *skipped = got.skipped;
    cbDiagsFree(&d);
    cbDiagsFree(&notes);
    free(got.path);
    return rc;
}

static int draftNew(const reportCtx *c, const histCluster *g, const char *id) {
    char err[CB_ERRLEN], *path = NULL;
    int rc = kbNewEntryDraft(c->cfg.kb_dir, id, g->examples[0],
                             (const char *const *)g->examples + 1, g->nexamples - 1, NULL, &path, err);
    if (rc != CB_OK) fprintf(stderr, "careerbot: %s\n", err);
    else printf("%s: a new entry draft; write its answer and sources, then run kb check\n", path);
    free(path);
    return rc;
}

static int acceptGroup(reportCtx *c, const reportArgs *a, const histCluster *g) {
    const char *entry = a->entry ? a->entry : a->as ? NULL : g->target;
    if (entry && (!c->k || !kbFindEntry(c->k->kb, entry))) {
        fprintf(stderr, "careerbot: no entry '%s' in %s (accept only adds to entries that exist;"
                        " --as TOPIC/SLUG drafts a new one)\n", entry, c->cfg.kb_dir);
        return CB_EXIT_FAIL;
    }
    if (!entry && !a->as) {
        fprintf(stderr, "careerbot: group %s means no entry yet; name the new one with --as "
                        "TOPIC/SLUG, or add to an entry with --entry ID\n", g->id);
        return CB_EXIT_USAGE;
    }
    if (!g->nexamples) return CB_EXIT_FAIL;
    size_t added = 1, skipped = 0;
    int rc = entry ? teach(c, g, entry, a->alternates, &added, &skipped) : draftNew(c, g, a->as);
    if (rc != CB_OK) return CB_EXIT_FAIL;
    if (skipped) { /* the group stays in the report until they are decided */
        printf("no decision recorded: accept %s again once the warnings are settled\n", g->id);
        return added ? runKbCheck(c->cfg.kb_dir) : CB_EXIT_OK;
    }
    if (!added) return CB_EXIT_OK; /* a decision already covers these questions */
    char err[CB_ERRLEN];
    if (histDecide(c->h, "accept", entry ? entry : a->as, g->qids, g->nqids, err) != CB_OK)
        fprintf(stderr, "careerbot: %s\n", err);
    int check = runKbCheck(c->cfg.kb_dir);
    return entry ? check : CB_EXIT_OK; /* a draft fails the check until it is written */
}

/* Dismiss: the report stops showing the group; --out-of-scope first
 * teaches the matcher to decline its questions. */
static int dismissGroup(reportCtx *c, const reportArgs *a, const histCluster *g) {
    char err[CB_ERRLEN];
    size_t added = 0, skipped = 0;
    if (a->out_of_scope && teach(c, g, NULL, 0, &added, &skipped) != CB_OK) return CB_EXIT_FAIL;
    if (histDecide(c->h, "dismiss", NULL, g->qids, g->nqids, err) != CB_OK) {
        fprintf(stderr, "careerbot: %s\n", err);
        return CB_EXIT_FAIL;
    }
    printf("dismissed %s (%lld questions); the report no longer shows it\n", g->id, g->count);
    return added ? runKbCheck(c->cfg.kb_dir) : CB_EXIT_OK;
}

/* A mentor's answer "hN": --as drafts an entry with the question and the
 * answer; --entry adds the question as an alternate; dismiss drops it. */
static int decideMentor(reportCtx *c, const reportArgs *a, const histMentorAnswer *m, int accept) {
    char err[CB_ERRLEN], *path = NULL;
    int rc = CB_OK;
    if (accept && !a->as && !a->entry) {
        fprintf(stderr, "careerbot: %s was answered by a mentor: name the new entry with --as "
                        "TOPIC/SLUG (or add the question to an entry with --entry ID)\n", m->id);
        return CB_EXIT_USAGE;
    }
    if (accept && a->entry && (!c->k || !kbFindEntry(c->k->kb, a->entry))) {
        fprintf(stderr, "careerbot: no entry '%s' in %s\n", a->entry, c->cfg.kb_dir);
        return CB_EXIT_FAIL;
    }
    if (accept && a->entry) {
        char *q[] = {m->question};
        histCluster g = {.id = m->id, .examples = q, .nexamples = 1};
        size_t added = 0, skipped = 0; /* a hand-off is decided once (the report lists it
                                        * until then), so its decision is recorded even when
                                        * the entry had the words */
        rc = teach(c, &g, a->entry, a->alternates, &added, &skipped);
    } else if (accept) {
        rc = kbNewEntryDraft(c->cfg.kb_dir, a->as, m->question, NULL, 0, m->answer, &path, err);
        if (rc != CB_OK) fprintf(stderr, "careerbot: %s\n", err);
        else printf("%s: a new entry draft with the mentor's answer; rewrite it in the bot's words, "
                    "add sources, then run kb check\n", path);
        free(path);
    }
    if (!accept && a->out_of_scope) {
        char *q[] = {m->question};
        histCluster g = {.id = m->id, .examples = q, .nexamples = 1};
        size_t added = 0, skipped = 0;
        rc = teach(c, &g, NULL, 0, &added, &skipped);
    }
    if (rc != CB_OK) return CB_EXIT_FAIL;
    const char *what = accept ? "accept" : "dismiss", *entry = accept ? (a->entry ? a->entry : a->as) : NULL;
    if (histDecideHandoff(c->h, what, entry, m->handoff, err) != CB_OK) {
        fprintf(stderr, "careerbot: %s\n", err);
        return CB_EXIT_FAIL;
    }
    if (!accept) printf("dismissed %s; the report no longer shows it\n", m->id);
    return a->entry || a->out_of_scope ? runKbCheck(c->cfg.kb_dir) : CB_EXIT_OK;
}

static int decide(int argc, char **argv, int accept) {
    reportArgs a;
    int prc = reportParseArgs(accept ? &reportAcceptSpec : &reportDismissSpec, argc, argv, &a);
    if (prc != CB_OK) return prc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    reportCtx c;
    int rc = reportOpen(&a, &c);
    histReport r;
    memset(&r, 0, sizeof r);
    const histMentorAnswer *m = NULL;
    if (rc == CB_EXIT_OK && a.pos[0] == 'h') { /* a mentor's answer */
        rc = reportBuild(&c, &a, 0, &r) == CB_OK ? CB_EXIT_OK : CB_EXIT_FAIL;
        m = rc == CB_EXIT_OK ? histReportFindMentor(&r, a.pos) : NULL;
        if (rc == CB_EXIT_OK && !m)
            fprintf(stderr, "careerbot: no mentor answer '%s' in the report\n", a.pos);
        rc = m ? decideMentor(&c, &a, m, accept) : CB_EXIT_FAIL;
        histReportFree(&r);
        reportClose(&c);
        return rc;
    }
    const histCluster *g = rc == CB_EXIT_OK ? findGroup(&c, &a, &r) : NULL;
    if (rc == CB_EXIT_OK && !g) {
        rc = CB_EXIT_FAIL;
    } else if (g && accept) {
        rc = acceptGroup(&c, &a, g);
    } else if (g) {
        rc = dismissGroup(&c, &a, g);
    }
    histReportFree(&r);
    reportClose(&c);
    return rc;
}

int cmdReportAccept(int argc, char **argv) { return decide(argc, argv, 1); }
int cmdReportDismiss(int argc, char **argv) { return decide(argc, argv, 0); }
