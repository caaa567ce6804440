/* report_groups.c - from open questions to groups a maintainer acts on:
 * each question is asked again of the live knowledge (a question fixed
 * since is no longer open), questions that mean the same thing are grouped
 * (report_cluster.h), and each group gets the entry it means (what users
 * taught by clicking a did-you-mean choice or rephrasing after a 👎, else
 * the closest entry when moderately confident, else none: a new entry),
 * real example questions and the command that applies the suggestion. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/common.h"
#include "ops/report_int.h"

typedef struct rpTally { /* votes for one entry within a group */
    const char *id;
    long long n;
    histWhy why;
} rpTally;

void rpClusterFree(histCluster *c) {
    free(c->id);
    free(c->qids);
    for (size_t i = 0; i < c->nexamples; i++) free(c->examples[i]);
    free(c->examples);
    free(c->target);
    free(c->now_entry);
    free(c->suggestion);
    memset(c, 0, sizeof *c);
}

static void rerunAll(rpQuestions *qs, const histReportOptions *o) {
    if (!o->rerun) return;
    for (size_t i = 0; i < qs->n; i++) {
        rpQuestion *q = &qs->v[i];
        char *entry = NULL;
        double conf = 0;
        if (q->dismissed || !o->rerun(o->rerun_ud, q->text, &entry, &conf) || !entry) {
            free(entry);
            continue;
        }
        int same_as_voted = strcmp(q->outcome, "voted_down") == 0 && q->entry_id &&
                            strcmp(q->entry_id, entry) == 0;
        if (same_as_voted) free(entry); /* still the answer the user 👎'd */
        else q->now_entry = entry;
    }
}

static void tallyAdd(rpTally *t, size_t *n, const char *id, histWhy why) {
    for (size_t i = 0; i < *n; i++)
        if (strcmp(t[i].id, id) == 0) {
            t[i].n++;
            if (why > t[i].why) t[i].why = why;
            return;
        }
    t[(*n)++] = (rpTally){id, 1, why};
}

static const rpTally *tallyBest(const rpTally *t, size_t n) {
    const rpTally *best = NULL;
    for (size_t i = 0; i < n; i++)
        if (!best || t[i].n > best->n || (t[i].n == best->n && strcmp(t[i].id, best->id) < 0))
            best = &t[i];
    return best;
}

/* What users taught first; else the closest moderately confident entry. */
static void chooseTarget(histCluster *c, rpQuestion **m, size_t n, const histReportOptions *o) {
    rpTally *taught = cbCalloc(n, sizeof *taught), *close = cbCalloc(n, sizeof *close);
    size_t nt = 0, nc = 0;
    for (size_t i = 0; i < n; i++) {
        if (m[i]->target && rpIsLive(o, m[i]->target)) tallyAdd(taught, &nt, m[i]->target, m[i]->why);
        const char *near = strcmp(m[i]->outcome, "answer") == 0 ? m[i]->entry_id : m[i]->top_id;
        double conf = strcmp(m[i]->outcome, "answer") == 0 ? m[i]->confidence : m[i]->top_confidence;
        if (near && conf >= o->moderate && strcmp(m[i]->outcome, "voted_down") != 0 &&
            rpIsLive(o, near))
            tallyAdd(close, &nc, near, HIST_WHY_CLOSEST);
    }
    const rpTally *best = nt ? tallyBest(taught, nt) : nc ? tallyBest(close, nc) : NULL;
    if (best) {
        c->target = cbStrdup(best->id);
        c->why = best->why;
        c->evidence = best->n;
    }
    free(taught);
    free(close);
}

static void nowAnswered(histCluster *c, rpQuestion **m, size_t n) {
    rpTally *t = cbCalloc(n, sizeof *t);
    size_t nt = 0;
    for (size_t i = 0; i < n; i++)
        if (m[i]->now_entry) {
            tallyAdd(t, &nt, m[i]->now_entry, HIST_WHY_NONE);
            c->now_answered++;
        }
    const rpTally *best = tallyBest(t, nt);
    if (best && c->now_answered * 2 >= c->count) c->now_entry = cbStrdup(best->id);
    free(t);
}

/* Up to HIST_EXAMPLES distinct texts, latest first. */
static void examples(histCluster *c, rpQuestion **m, size_t n) {
    c->examples = cbCalloc(HIST_EXAMPLES, sizeof *c->examples);
    for (size_t i = n; i-- > 0 && c->nexamples < HIST_EXAMPLES;) {
        int seen = 0;
        for (size_t k = 0; k < c->nexamples && !seen; k++)
            seen = strcasecmp(c->examples[k], m[i]->text) == 0;
        if (!seen) c->examples[c->nexamples++] = cbStrdup(m[i]->text);
    }
}

static const char *whyWords(histWhy w) {
    switch (w) {
    case HIST_WHY_CLICK: return "users picked it among the did-you-mean choices";
    case HIST_WHY_REPHRASE: return "after a 👎, the rephrased question was answered by it";
    case HIST_WHY_CLOSEST: return "the closest entry, moderately confident";
    case HIST_WHY_NONE: break;
    }
    return "nothing in the knowledge is close";
}

static char *suggest(const histCluster *c) {
    if (c->now_entry)
        return cbSprintf("now answered by %s (%lld of %lld questions): nothing to do", c->now_entry,
                         c->now_answered, c->count);
    if (c->target)
        return cbSprintf("teach %s as examples of %s (%s: %lld question%s): careerbot report "
                         "accept %s",
                         c->nexamples > 1 ? "these questions" : "this question", c->target,
                         whyWords(c->why), c->evidence, c->evidence == 1 ? "" : "s", c->id);
    return cbSprintf("write a new entry (%s): careerbot report accept %s --as TOPIC/SLUG drafts "
                     "one; or, if no entry should answer it: careerbot report dismiss %s "
                     "--out-of-scope",
                     whyWords(HIST_WHY_NONE), c->id, c->id);
}

static void buildCluster(histCluster *c, rpQuestion **m, size_t n, const histReportOptions *o) {
    c->count = (long long)n;
    c->qids = cbCalloc(n, sizeof *c->qids);
    for (size_t i = 0; i < n; i++) c->qids[c->nqids++] = m[i]->id;
    c->id = cbSprintf("q%lld", m[0]->id);
    c->first = m[0]->time;
    c->last = m[n - 1]->time;
    examples(c, m, n);
    chooseTarget(c, m, n, o);
    nowAnswered(c, m, n);
    c->suggestion = suggest(c);
}

static int clusterCmp(const void *a, const void *b) {
    const histCluster *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return x->last < y->last ? 1 : x->last > y->last ? -1 : 0;
}

static void keep(histCluster *src, size_t n, size_t limit, histCluster **dst, size_t *nd) {
    if (n) qsort(src, n, sizeof *src, clusterCmp);
    *dst = src;
    *nd = n < limit ? n : limit;
    for (size_t i = *nd; i < n; i++) rpClusterFree(&src[i]);
}

/* Members of group g (in id order) into m; 1 if one was dismissed. */
static size_t members(rpQuestions *qs, const size_t *of, size_t g, rpQuestion **m, int *dismissed) {
    size_t n = 0;
    *dismissed = 0;
    for (size_t i = 0; i < qs->n; i++)
        if (of[i] == g) {
            m[n++] = &qs->v[i];
            *dismissed |= qs->v[i].dismissed;
        }
    return n;
}

int rpGroup(rpQuestions *qs, const histReportOptions *o, histReport *r, char *err) {
    rcFeaturizer own;
    const rcFeaturizer *f = o->features;
    if (!f && rcDefaultFeaturizer(&own, err) != CB_OK) return CB_ERR;
    if (!f) f = &own;
    rerunAll(qs, o);
    const char **texts = cbCalloc(qs->n ? qs->n : 1, sizeof *texts);
    size_t *of = cbCalloc(qs->n ? qs->n : 1, sizeof *of);
    for (size_t i = 0; i < qs->n; i++) texts[i] = qs->v[i].text;
    size_t ng = rcCluster(f, texts, qs->n, o->similarity, of);
    histCluster *open = cbCalloc(ng ? ng : 1, sizeof *open), *fixed = cbCalloc(ng ? ng : 1, sizeof *fixed);
    size_t nopen = 0, nfixed = 0;
    rpQuestion **m = cbCalloc(qs->n ? qs->n : 1, sizeof(rpQuestion *));
    for (size_t g = 0; g < ng; g++) {
        int dismissed;
        size_t n = members(qs, of, g, m, &dismissed);
        if (dismissed) {
            r->dismissed += (long long)n;
            continue;
        }
        histCluster c = {0};
        buildCluster(&c, m, n, o);
        if (c.now_entry) fixed[nfixed++] = c;
        else open[nopen++] = c;
    }
    keep(open, nopen, o->limit, &r->open, &r->nopen);
    keep(fixed, nfixed, o->limit, &r->fixed, &r->nfixed);
    free(m);
    free(texts);
    free(of);
    if (f == &own) rcFeaturizerFree(&own);
    return CB_OK;
}
