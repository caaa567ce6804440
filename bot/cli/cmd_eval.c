/* cmd_eval.c - `careerbot kb eval`: measure the matcher on labelled
 * questions (JSON lines {"q": "...", "gold": ["topic/slug", ...]}, gold []
 * meaning "must abstain") and fail when quality drops below thresholds.
 *
 *   answered-correct = in-scope questions answered (ENG_ANSWER) with an
 *                      entry in gold / in-scope questions
 *   wrong            = questions answered with an entry not in gold
 *                      (in-scope or out-of-scope) / all questions
 *   out-of-scope abstained = out-of-scope questions not answered /
 *                      out-of-scope questions
 *   right or one click away = in-scope questions answered right, or whose
 *                      gold entry is among the "did you mean" choices
 *
 * The eval questions are never training examples (the classifier trains
 * on the knowledge only), so these figures are out of sample. It also
 * prints a reliability table (answers by confidence bucket: how many were
 * right) and the classifier's cross-validated figures on the knowledge's
 * own examples.
 *
 * A threshold table says what the figures would be if answers needed a
 * confidence of 0.5 ... 0.9, and the knowledge's own (the top hit's
 * confidence, as the engine compares it with answer_threshold): the
 * right/wrong trade a maintainer makes by editing matching.json, read off
 * the same run.
 *
 * It also refuses eval questions copied from an entry's question or
 * alternates (compared after folding case, punctuation and spaces): such a
 * test would measure nothing. Exit 0 ok, 1 below a threshold / bad lines /
 * copied questions / knowledge errors, 2 usage. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cliopt.h"
#include "base/common.h"
#include "match/engine.h"
#include "match/knowledge.h"

#define EVAL_MAX_FILE (16 * 1024 * 1024)
#define EVAL_MAX_GOLD 16

#define EVAL_DOUBT_MIN 2 /* collisions shown by `kb check` from this many examples */
#define EVAL_CHOICES 3 /* "did you mean" choices shown, as the handler shows them */
#define EVAL_NSTEPS 9
#define EVAL_NSWEEP (EVAL_NSTEPS + 1) /* the steps and the knowledge's own threshold */

/* The answer thresholds of the threshold table, with the knowledge's own. */
static const double SWEEP_STEPS[EVAL_NSTEPS] = {0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9};

typedef struct evalArgs {
    const char *kb;
    double min_correct, max_wrong, min_abstain, min_oneclick;
    int json;
    char **files;
    int nfiles;
} evalArgs;

typedef struct evalCase {
    char *q;
    char *gold[EVAL_MAX_GOLD];
    size_t ngold;
    char *where; /* file:line */
    int file;    /* index in the command line */
    int copied;  /* an entry's phrasing or an out-of-scope line: not measured */
} evalCase;

typedef struct evalStats {
    size_t n, in, oos, correct, wrong, oos_abstained, dym, bad_lines, copied;
    size_t top1, top3;   /* in-scope questions with a gold entry ranked first / in the top 3 */
    size_t oneclick;     /* in-scope: right, or gold among the did-you-mean choices */
    size_t asked, asked_right; /* answered from the asking part (engResult.asked_part) */
    size_t bucket_n[ENG_NBUCKETS], bucket_right[ENG_NBUCKETS]; /* top hit by confidence */
    /* per SWEEP threshold: questions whose top hit is that sure, right or
     * wrong, and out-of-scope ones among them */
    size_t sweep_right[EVAL_NSWEEP], sweep_wrong[EVAL_NSWEEP], sweep_oos[EVAL_NSWEEP];
    double sweep[EVAL_NSWEEP]; /* the table's thresholds, rising */
    int nsweep;
} evalStats;

static const cliOpt evalOpts[] = {
    {"kb", "DIR", "knowledge directory (default: $CAREERBOT_KB or ./knowledge)"},
    {"min-correct", "F", "in-scope questions answered with a right entry, at least (0.90)"},
    {"max-wrong", "F", "questions answered with a wrong entry, at most (0.03)"},
    {"min-abstain", "F", "out-of-scope questions not answered, at least (0.95)"},
    {"min-oneclick", "F", "in-scope questions answered right or offered as a choice, at least (0)"},
    {"json", NULL, "the figures as JSON"},
};

static const cliSpec evalSpec = {
    .cmd = "kb eval",
    .args = "FILE.jsonl...",
    .about = "Measure matching quality on question files; exit 1 below the targets.",
    .opts = evalOpts,
    .nopts = CB_ARRAY_LEN(evalOpts),
};

static void evalUsage(FILE *f) { cliPrintUsage(&evalSpec, f); }

static int evalNumber(const char *name, const char *v, double lo, double hi, double *out) {
    char *end;
    double x = strtod(v, &end);
    if (*v && !*end && x >= lo && x <= hi) {
        *out = x;
        return CB_OK;
    }
    fprintf(stderr, "careerbot kb eval: --%s wants a number from %g to %g, not '%s'\n", name, lo,
            hi, v);
    return CB_ERR;
}

static int evalOnOpt(void *ud, int i, const char *v) {
    evalArgs *a = ud;
    const char *name = evalOpts[i].name;
    switch (i) {
    case 0: a->kb = v; return CB_OK;
    case 1: return evalNumber(name, v, 0, 1, &a->min_correct);
    case 2: return evalNumber(name, v, 0, 1, &a->max_wrong);
    case 3: return evalNumber(name, v, 0, 1, &a->min_abstain);
    case 4: return evalNumber(name, v, 0, 1, &a->min_oneclick);
    default: a->json = 1; return CB_OK;
    }
}

/* CB_OK, CLI_HELP or CB_ERR (printed). */
static int evalParseArgs(int argc, char **argv, evalArgs *a) {
    *a = (evalArgs){.min_correct = 0.90, .max_wrong = 0.03, .min_abstain = 0.95};
    a->files = cbCalloc((size_t)argc + 1, sizeof(*a->files));
    int first;
    int rc = cliParse(&evalSpec, argc, argv, evalOnOpt, a, &first);
    if (rc != CB_OK) return rc;
    for (int i = first; i < argc; i++) a->files[a->nfiles++] = argv[i];
    if (a->nfiles) return CB_OK;
    fprintf(stderr, "careerbot kb eval: name at least one FILE.jsonl\n");
    evalUsage(stderr);
    return CB_ERR;
}

/* The whole file, at most EVAL_MAX_FILE bytes; NULL with a message. */
static char *readFile(const char *path, size_t *len) {
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "careerbot kb eval: %s is a directory; name the .jsonl files\n", path);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "careerbot kb eval: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    char *buf = cbMalloc(EVAL_MAX_FILE + 1);
    size_t n = fread(buf, 1, EVAL_MAX_FILE + 1, f);
    fclose(f);
    if (n > EVAL_MAX_FILE) {
        fprintf(stderr, "careerbot kb eval: %s is larger than %d bytes\n", path, EVAL_MAX_FILE);
        free(buf);
        return NULL;
    }
    if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* a BOM: not a question */
        memmove(buf, buf + 3, n - 3);
        n -= 3;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void caseFree(evalCase *c) {
    free(c->q);
    for (size_t i = 0; i < c->ngold; i++) free(c->gold[i]);
    free(c->where);
}

/* The column of "id" (quoted) in line, or 1. */
static int idColumn(const char *line, size_t len, const char *id) {
    char *quoted = cbSprintf("\"%s\"", id);
    const char *at = memmem(line, len, quoted, strlen(quoted));
    free(quoted);
    return at ? (int)(at - line) + 1 : 1;
}

/* An unknown gold id at its column, with the id it probably means. */
static void unknownId(const kb *k, cbDiags *d, const char *path, int lineno, const char *line,
                      size_t len, const char *id) {
    const char *near = kbClosestEntryId(k, id);
    int col = idColumn(line, len, id);
    if (near)
        cbDiagAdd(d, CB_DIAG_ERROR, path, lineno, col, "no entry has the id '%s'; did you mean "
                  "'%s'?", id, near);
    else
        cbDiagAdd(d, CB_DIAG_ERROR, path, lineno, col, "no entry has the id '%s' (ids are "
                  "<topic>/<slug>, as `kb export` lists them)", id);
}

/* One line into c; CB_ERR after a diagnostic at path:lineno[:col] with
 * the fix, in the words kb check uses for examples/ (the same format). */
static int parseLine(const kb *k, const char *line, size_t len, evalCase *c, cbDiags *d,
                     const char *path, int lineno) {
    json_error_t je;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        kbJsonLineError(d, path, lineno, line, len, &je);
        return CB_ERR;
    }
    json_t *q = json_object_get(o, "q"), *gold = json_object_get(o, "gold");
    size_t before = d->nerrors;
    if (!json_is_object(o) || !json_is_string(q) ||
        strspn(json_string_value(q), " \t\r\n") == strlen(json_string_value(q)))
        cbDiagAdd(d, CB_DIAG_ERROR, path, lineno, 1, "each line must be {\"q\": \"a question\", "
                  "\"gold\": [\"topic/slug\"]} with a question that is not blank");
    else if (!json_is_array(gold) || json_array_size(gold) > EVAL_MAX_GOLD)
        cbDiagAdd(d, CB_DIAG_ERROR, path, lineno, 1, "\"gold\" must list at most %d entry ids "
                  "([] for a question the bot must decline)", EVAL_MAX_GOLD);
    for (size_t i = 0; d->nerrors == before && i < json_array_size(gold); i++) {
        const char *id = json_string_value(json_array_get(gold, i));
        if (!id) cbDiagAdd(d, CB_DIAG_ERROR, path, lineno, 1, "an id is a string like "
                           "\"topic/slug\" (item %zu of \"gold\")", i + 1);
        else if (!kbFindEntry(k, id)) unknownId(k, d, path, lineno, line, len, id);
        else c->gold[c->ngold++] = cbStrdup(id);
    }
    if (d->nerrors == before) c->q = cbStrdup(json_string_value(q));
    json_decref(o);
    return d->nerrors == before ? CB_OK : CB_ERR;
}

/* All the cases of one file appended to *v; bad lines reported. */
static int loadCases(const kb *k, const char *path, int file, evalCase **v, size_t *n,
                     evalStats *st) {
    size_t len;
    char *buf = readFile(path, &len);
    if (!buf) return CB_ERR;
    int lineno = 0;
    for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(buf + len - p));
        if (!nl) nl = buf + len;
        lineno++;
        size_t ll = (size_t)(nl - p);
        size_t sp = strspn(p, " \t\r");
        if (sp >= ll) continue; /* blank line */
        evalCase c = {0};
        cbDiags d;
        cbDiagsInit(&d);
        if (parseLine(k, p, ll, &c, &d, path, lineno) != CB_OK) {
            cbDiagsPrint(&d, "text", stderr);
            cbDiagsFree(&d);
            st->bad_lines++;
            caseFree(&c);
            continue;
        }
        cbDiagsFree(&d);
        c.where = cbSprintf("%s:%d", path, lineno);
        c.file = file;
        *v = cbRealloc(*v, (*n + 1) * sizeof(**v));
        (*v)[(*n)++] = c;
    }
    free(buf);
    return CB_OK;
}

/* The copy check compares phrasings as the knowledge's duplicate check
 * and the matcher do (kbPhraseKey). */
static char *foldText(const char *s) { return kbPhraseKey(s ? s : ""); }

/* Eval questions equal to an entry's question or alternate, an
 * out-of-scope line or an example of examples/: listed, counted. */
static size_t checkCopies(const kb *k, evalCase *v, size_t n) {
    size_t bad = 0;
    char **train = cbMalloc((k->train_q.n ? k->train_q.n : 1) * sizeof(*train));
    for (size_t t = 0; t < k->train_q.n; t++) train[t] = foldText(k->train_q.v[t]);
    for (size_t i = 0; i < n; i++) {
        size_t before = bad;
        char *q = foldText(v[i].q);
        for (size_t e = 0; e < k->nentries; e++) {
            const kbEntry *en = &k->entries[e];
            for (size_t a = 0; a <= en->alternates.n; a++) {
                const char *src = a == 0 ? en->question : en->alternates.v[a - 1];
                char *t = foldText(src ? src : "");
                if (*q && strcmp(q, t) == 0) {
                    fprintf(stderr, "%s: error: eval question \"%s\" is copied from %s (%s); "
                            "eval questions must be new wordings\n", v[i].where, v[i].q, en->id,
                            a == 0 ? "question" : "alternates");
                    bad++;
                }
                free(t);
            }
        }
        for (size_t o = 0; o < k->out_of_scope.n; o++) {
            char *t = foldText(k->out_of_scope.v[o]);
            if (*q && strcmp(q, t) == 0) {
                fprintf(stderr, "%s: error: eval question \"%s\" is copied from %s:%d; eval "
                        "questions must not be training examples\n", v[i].where, v[i].q,
                        k->out_of_scope_path ? k->out_of_scope_path : "out-of-scope.txt",
                        k->out_of_scope_line ? k->out_of_scope_line[o] : 0);
                bad++;
            }
            free(t);
        }
        for (size_t t = 0; t < k->train_q.n; t++)
            if (*q && strcmp(q, train[t]) == 0) { /* a question with two ids is one copy */
                fprintf(stderr, "%s: error: eval question \"%s\" is an example at %s:%d; "
                        "eval questions must not be training examples\n", v[i].where, v[i].q,
                        k->train_at ? k->train_files.v[k->train_at[t].file] : "examples/",
                        k->train_at ? k->train_at[t].line : 0);
                bad++;
                break;
            }
        v[i].copied = bad > before;
        free(q);
    }
    for (size_t t = 0; t < k->train_q.n; t++) free(train[t]);
    free(train);
    size_t questions = 0; /* a question copied twice (a phrasing and a line) is one */
    for (size_t i = 0; i < n; i++) questions += (size_t)v[i].copied;
    return questions;
}

static int inGold(const evalCase *c, const char *id) {
    for (size_t i = 0; i < c->ngold; i++)
        if (strcmp(c->gold[i], id) == 0) return 1;
    return 0;
}

static const char *outcomeName(engOutcome o) {
    return o == ENG_ANSWER ? "answer" : o == ENG_DID_YOU_MEAN ? "did-you-mean" : "abstain";
}

static json_t *missJson(const evalCase *c, const engResult *r) {
    json_t *gold = json_array(), *top = json_array();
    for (size_t i = 0; i < c->ngold; i++) json_array_append_new(gold, json_string(c->gold[i]));
    for (size_t i = 0; i < r->nhits && i < 3; i++)
        json_array_append_new(top, json_pack("{s:s, s:f}", "id", r->hits[i].entry->id,
                                             "confidence", r->hits[i].confidence));
    return json_pack("{s:s, s:s, s:o, s:s, s:o, s:b}", "where", c->where, "q", c->q, "gold", gold,
                     "outcome", outcomeName(r->outcome), "top", top, "asked_part", r->asked_part);
}

/* A question on one line, without control characters (a newline in it
 * must not start a line that reads like another MISS). */
static void printQuestion(const char *q) {
    while (*q) {
        size_t n = cbControlLen(q);
        putchar(n ? ' ' : *q);
        q += n ? n : 1;
    }
}

static void printMiss(const evalCase *c, const engResult *r) {
    printf("MISS %s\n  q:    ", c->where);
    printQuestion(c->q);
    printf("\n  gold: ");
    for (size_t i = 0; i < c->ngold; i++) printf("%s%s", i ? ", " : "", c->gold[i]);
    printf("%s\n  got:  %s", c->ngold ? "" : "(abstain)", outcomeName(r->outcome));
    if (r->nhits) printf(" %s (%.2f)", r->hits[0].entry->id, r->hits[0].confidence);
    printf("\n  top:  ");
    for (size_t i = 0; i < r->nhits && i < 3; i++)
        printf("%s%s %.2f", i ? ", " : "", r->hits[i].entry->id, r->hits[i].confidence);
    printf("%s\n", r->nhits ? "" : "(none)");
}

/* Top-1/top-3 counts, "one click away", reliability buckets. */
static void noteRanks(const engIndex *ix, const evalCase *c, const engResult *r, evalStats *st) {
    int first = r->nhits && inGold(c, r->hits[0].entry->id), in3 = first;
    for (size_t h = 1; h < r->nhits && h < 3; h++) in3 |= inGold(c, r->hits[h].entry->id);
    if (c->ngold) st->top1 += first, st->top3 += in3;
    int click = r->outcome == ENG_ANSWER && first;
    /* As the handler lists choices (handler.c hndSuggest): a did-you-mean
     * always shows its first, and any decline shows those from half of
     * suggest_threshold up. */
    double floor = engSuggestThreshold(ix) / 2;
    int declined = r->outcome == ENG_DID_YOU_MEAN || r->outcome == ENG_ABSTAIN;
    for (size_t h = 0; declined && h < r->nhits && h < EVAL_CHOICES; h++)
        if ((h == 0 && r->outcome == ENG_DID_YOU_MEAN) || r->hits[h].confidence >= floor)
            click |= inGold(c, r->hits[h].entry->id);
    if (c->ngold) st->oneclick += click;
    if (!r->nhits) return;
    double conf = r->hits[0].confidence;
    for (int t = 0; t < st->nsweep; t++) {
        if (conf < st->sweep[t]) continue;
        if (first && c->ngold) st->sweep_right[t]++;
        else st->sweep_wrong[t]++;
        if (!c->ngold) st->sweep_oos[t]++;
    }
    for (int b = ENG_NBUCKETS - 1; b >= 0; b--)
        if (b == 0 || conf >= (double[]){0, 0.3, 0.5, 0.7, 0.9}[b]) {
            st->bucket_n[b]++;
            st->bucket_right[b] += first && c->ngold;
            break;
        }
}

/* Run every case; misses go to stdout (text) or into misses (JSON). */
static void runCases(const engIndex *ix, const evalCase *v, size_t n, evalStats *st,
                     json_t *misses) {
    for (size_t i = 0; i < n; i++) {
        const evalCase *c = &v[i];
        assert(c->q != NULL); /* every loaded case has its question */
        if (c->copied) continue; /* reported; a copy would only flatter the figures */
        engResult r;
        char err[CB_ERRLEN];
        if (engQuery(ix, c->q, strlen(c->q), NULL, 3, &r, err) != CB_OK) {
            fprintf(stderr, "%s: error: %s\n", c->where, err);
            st->bad_lines++;
            continue;
        }
        st->n++;
        int answered = r.outcome == ENG_ANSWER && r.nhits > 0;
        int right = answered && inGold(c, r.hits[0].entry->id);
        noteRanks(ix, c, &r, st);
        if (c->ngold) st->in++;
        else st->oos++;
        if (c->ngold && right) st->correct++;
        if (answered && !right) st->wrong++;
        if (!c->ngold && !answered) st->oos_abstained++;
        if (r.outcome == ENG_DID_YOU_MEAN) st->dym++;
        st->asked += (size_t)(answered && r.asked_part);
        st->asked_right += (size_t)(right && r.asked_part);
        int miss = c->ngold ? !right : answered;
        if (!miss) continue;
        if (misses) json_array_append_new(misses, missJson(c, &r));
        else printMiss(c, &r);
    }
}

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : 1.0; }

/* The table's rows: the steps, and own (the knowledge's answer
 * threshold) in its place unless it is one of them, so one row is always
 * the main figures. */
static void sweepRows(evalStats *st, double own) {
    st->nsweep = 0;
    int placed = 0;
    for (int t = 0; t < EVAL_NSTEPS; t++) {
        if (!placed && own <= SWEEP_STEPS[t]) {
            placed = 1;
            if (own < SWEEP_STEPS[t] - 1e-9) st->sweep[st->nsweep++] = own;
        }
        st->sweep[st->nsweep++] = SWEEP_STEPS[t];
    }
    if (!placed) st->sweep[st->nsweep++] = own;
}

/* Answered-correct, wrong and out-of-scope declined at st->sweep[t]. */
static void sweepAt(const evalStats *st, int t, double *c, double *w, double *o) {
    *c = ratio(st->sweep_right[t], st->in);
    *w = st->n ? (double)st->sweep_wrong[t] / (double)st->n : 0;
    *o = 1.0 - (st->oos ? (double)st->sweep_oos[t] / (double)st->oos : 0);
}

static json_t *sweepJson(const evalStats *st) {
    json_t *arr = json_array();
    for (int t = 0; t < st->nsweep; t++) {
        double c, w, o;
        sweepAt(st, t, &c, &w, &o);
        json_array_append_new(arr, json_pack("{s:f, s:f, s:f, s:f}", "answer_threshold",
                                             st->sweep[t], "answered_correct", c, "wrong", w,
                                             "out_of_scope_abstained", o));
    }
    return arr;
}

static void printSweep(const evalStats *st) {
    printf("\nif answers needed this confidence (right / wrong / out-of-scope declined):\n");
    for (int t = 0; t < st->nsweep; t++) {
        double c, w, o;
        sweepAt(st, t, &c, &w, &o);
        printf("  %-5g %5.1f%%  %5.1f%%  %5.1f%%\n", st->sweep[t], 100 * c, 100 * w, 100 * o);
    }
    printf("  (today's confidences recounted; with answer_threshold set to a row's value a few\n"
           "  answers can differ, as the second look at the sentences that ask depends on it)\n");
}

/* Print the metrics; 1 when every threshold is met. */
/* problems: a file unread, a bad line, a copy, nothing to measure: the
 * figures are shown, but the eval does not pass (in --json either). */
static int report(const evalArgs *a, const evalStats *st, json_t *misses, int problems) {
    double c = ratio(st->correct, st->in), w = st->n ? (double)st->wrong / (double)st->n : 0,
           o = ratio(st->oos_abstained, st->oos);
    double oc = ratio(st->oneclick, st->in);
    int ok = !problems && c >= a->min_correct && w <= a->max_wrong && o >= a->min_abstain &&
             oc >= a->min_oneclick;
    if (a->json) {
        json_t *j = json_pack(
            "{s:f, s:f, s:f, s:f, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:O, "
            "s:b}",
            "answered_correct", c, "wrong", w, "out_of_scope_abstained", o, "right_or_one_click",
            oc, "counts", "queries",
            (json_int_t)st->n, "in_scope", (json_int_t)st->in, "out_of_scope",
            (json_int_t)st->oos, "correct", (json_int_t)st->correct, "wrong",
            (json_int_t)st->wrong, "oos_abstained", (json_int_t)st->oos_abstained,
            "did_you_mean", (json_int_t)st->dym, "bad_lines", (json_int_t)st->bad_lines,
            "copied", (json_int_t)st->copied, "asked_part", (json_int_t)st->asked,
            "asked_part_right", (json_int_t)st->asked_right, "misses", misses, "pass", ok);
        json_object_set_new(j, "threshold_sweep", sweepJson(st));
        char *s = json_dumps(j, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
        json_decref(j);
        return ok;
    }
    printf("\nqueries %zu: in-scope %zu, out-of-scope %zu, did-you-mean %zu\n", st->n, st->in,
           st->oos, st->dym);
    printf("answered-correct        %6.1f%%  (%zu/%zu, need >= %.1f%%)%s\n", 100 * c, st->correct,
           st->in, 100 * a->min_correct, c >= a->min_correct ? "" : "  FAIL");
    printf("wrong                   %6.1f%%  (%zu/%zu, need <= %.1f%%)%s\n", 100 * w, st->wrong,
           st->n, 100 * a->max_wrong, w <= a->max_wrong ? "" : "  FAIL");
    printf("out-of-scope abstained  %6.1f%%  (%zu/%zu, need >= %.1f%%)%s\n", 100 * o,
           st->oos_abstained, st->oos, 100 * a->min_abstain, o >= a->min_abstain ? "" : "  FAIL");
    printf("right or one click away %6.1f%%  (%zu/%zu: answered right, or among the did-you-mean "
           "choices)%s\n", 100 * oc, st->oneclick, st->in, oc >= a->min_oneclick ? "" : "  FAIL");
    printf("ranked first %.1f%%, in the top 3 %.1f%% (in-scope)\n", 100 * ratio(st->top1, st->in),
           100 * ratio(st->top3, st->in));
    printf("answered from the sentences that ask, after context: %zu (%zu right)\n", st->asked,
           st->asked_right);
    printf("\nreliability (top hit's confidence: questions, right):\n");
    static const char *const names[ENG_NBUCKETS] = {"< 0.3", "0.3-0.5", "0.5-0.7", "0.7-0.9",
                                                     ">= 0.9"};
    for (int b = 0; b < ENG_NBUCKETS; b++) {
        if (!st->bucket_n[b]) {
            printf("  %-8s %5zu      -\n", names[b], st->bucket_n[b]);
            continue;
        }
        printf("  %-8s %5zu  %5.1f%% right\n", names[b], st->bucket_n[b],
               100 * ratio(st->bucket_right[b], st->bucket_n[b]));
    }
    printSweep(st);
    return ok;
}

/* The classifier's own cross-validated figures on the knowledge. */
static void printLearned(const engIndex *ix) {
    engLearned L;
    engLearnedInfo(ix, &L);
    if (!L.trained) {
        engScaled s;
        engScaledInfo(ix, &s);
        printf("\nno classifier (more than %zu entries, or over its budget): the scaled path\n",
               engDenseMax(ix));
        if (!s.trained) {
            printf("BM25F ranks; the confidence is the share of the BM25F score mass\n");
            return;
        }
        printf("BM25F candidates re-ranked by a logistic model trained on %zu phrasings left out "
               "of the index (%zu candidates, %zu right; BM25F put the right entry first for "
               "%.1f%%), log loss %.3f, in %.0f ms%s\n", s.phrasings, s.examples, s.positives,
               100 * ratio(s.right_first, s.phrasings), s.logloss, s.train_ms,
               s.from_cache ? " (read from the model cache)" : "");
        return;
    }
    printf("\nclassifier: %zu examples, %zu features, %zu classes (entries + out of scope), "
           "trained in %.0f ms%s\n", L.examples, L.features, L.classes, L.train_ms,
           L.from_cache ? " (by an earlier run: read from the model cache)" : "");
    printf("cross-validated on the knowledge's examples: %.1f%% right first (%zu/%zu), "
           "temperature %.2f, lexical evidence weights %.2f (entries) and %.2f (out of scope)\n",
           100 * ratio(L.oof_right, L.oof), L.oof_right, L.oof, L.temperature, L.evidence_weight,
           L.oos_evidence_weight);
    if (L.recal_steps)
        printf("confidence: the probability as answers at it were right out of fold (a map of %zu "
               "steps, never surer); each fold mapped without itself:\n", L.recal_steps);
    for (int b = 0; b < ENG_NBUCKETS; b++)
        printf("  confidence %.1f-%.1f: %5zu examples, %5.1f%% right\n", L.buckets[b].lo,
               L.buckets[b].hi, L.buckets[b].n, 100 * ratio(L.buckets[b].right, L.buckets[b].n));
}

/* Lines of out-of-scope.txt the trained model alone would still answer
 * (ix built with model_only): the bot declines the line as written, but one
 * line alone did not teach the model that kind of question. */
static void printOosAnswered(const kb *k, const engIndex *ix, size_t max) {
    size_t shown = 0;
    for (size_t i = 0; i < k->out_of_scope.n; i++) {
        const char *q = k->out_of_scope.v[i];
        engResult r;
        char err[CB_ERRLEN];
        if (!q || engQuery(ix, q, strlen(q), NULL, 1, &r, err) != CB_OK) continue;
        if (r.outcome != ENG_ANSWER || !r.nhits) continue;
        if (!shown++)
            printf("out-of-scope lines the model alone still answers (declined as written, but "
                   "one line does not teach it that kind of question):\n");
        if (shown <= max)
            printf("  \"%s\" -> %s (%.2f)\n", q, r.hits[0].entry->id, r.hits[0].confidence);
    }
    if (shown > max) printf("  ... and %zu more\n", shown - max);
    if (shown)
        printf("  (add a few lines of the same kind, narrow a pattern that catches them, or "
               "reword the entry's alternates that pull them)\n");
}

typedef struct conflictShow {
    size_t shown, max;
} conflictShow;

static void printConflict(void *ud, const kbEntry *e, size_t p, const char *line,
                          const kbEntry *other) {
    conflictShow *c = ud;
    if (!c->shown++)
        printf("patterns that claim what the knowledge puts elsewhere (questions like these "
               "would get the pattern's entry):\n");
    if (c->shown > c->max) return;
    if (other)
        printf("  %s pattern %zu matches \"%s\", a phrasing of %s\n", e->id, p + 1, line,
               other->id);
    else
        printf("  %s pattern %zu matches \"%s\", an out-of-scope.txt line\n", e->id, p + 1, line);
}

/* Patterns that match out-of-scope.txt lines or other entries' phrasings. */
static void printPatternConflicts(const kb *k, size_t max) {
    conflictShow c = {0, max};
    (void)kbPatternConflicts(k, printConflict, &c);
    if (c.shown > max) printf("  ... and %zu more\n", c.shown - max);
    if (c.shown)
        printf("  (make the pattern require words only its entry's questions use, or move the "
               "phrasing to its entry; patterns override the matcher, so a broad one answers "
               "what it should not)\n");
}

void evalPrintDoubts(const kb *k, size_t max) {
    printPatternConflicts(k, max);
    engParams p;
    engDefaultParams(&p);
    p.model_only = 1; /* what the model learned, not the phrasings it was given */
    char cache[4096];
    p.cache_dir = engCacheDir(NULL, cache, sizeof(cache));
    char err[CB_ERRLEN];
    engIndex *ix = engBuild(k, &p, err);
    if (!ix) return; /* the check itself reports what is wrong */
    const kbEntry *from, *to;
    size_t n, shown = 0;
    const char *ex;
    for (size_t i = 0; shown < max && engCollision(ix, i, &from, &to, &n, &ex); i++) {
        if (n < EVAL_DOUBT_MIN) break;
        if (!shown++)
            printf("entries the matcher confuses (examples of one that a model trained "
                   "without them gives to the other):\n");
        printf("  %s -> %s: %zu example%s, e.g. \"%s\"\n", from->id, to->id, n,
               n == 1 ? "" : "s", ex);
    }
    if (shown)
        printf("  (reword or move those examples, or merge the entries; `kb eval` has the "
               "figures)\n");
    printOosAnswered(k, ix, max);
    engFree(ix);
}

static int evalRun(const evalArgs *a, const knowledge *kn) {
    evalStats st = {0};
    sweepRows(&st, engAnswerThreshold(kn->ix));
    evalCase *v = NULL;
    size_t n = 0;
    int rc = CB_EXIT_OK;
    for (int i = 0; i < a->nfiles; i++)
        if (loadCases(kn->kb, a->files[i], i, &v, &n, &st) != CB_OK) rc = CB_EXIT_FAIL;
    st.copied = checkCopies(kn->kb, v, n);
    json_t *misses = a->json ? json_array() : NULL;
    runCases(kn->ix, v, n, &st, misses);
    if (!st.n) fprintf(stderr, "careerbot kb eval: no questions to measure in the files given\n");
    int problems = rc != CB_EXIT_OK || st.bad_lines || st.copied || !st.n;
    if (!report(a, &st, misses, problems)) rc = CB_EXIT_FAIL;
    if (!a->json) printLearned(kn->ix);
    if (st.bad_lines || st.copied)
        fprintf(stderr, "careerbot kb eval: %zu malformed line(s), %zu copied question(s) (left "
                        "out of the figures)\n", st.bad_lines, st.copied);
    json_decref(misses);
    for (size_t i = 0; i < n; i++) caseFree(&v[i]);
    free(v);
    return rc;
}

int cmdKbEval(int argc, char **argv) {
    evalArgs a;
    int prc = evalParseArgs(argc, argv, &a);
    if (prc != CB_OK) {
        free(a.files);
        return prc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    }
    cbDiags d;
    cbDiagsInit(&d);
    engParams p;
    engDefaultParams(&p);
    char cache[4096];
    p.cache_dir = engCacheDir(NULL, cache, sizeof(cache));
    kbLoadOpts lo = {.problems_on_failure = 1}; /* warnings are shown only on a failure */
    knowledge *kn = knowledgeLoadWith(cliKbDir(a.kb), &p, &lo, &d);
    if (!kn) {
        cbDiagsPrint(&d, "text", stderr);
        fprintf(stderr, "careerbot kb eval: cannot load the knowledge in %s\n", cliKbDir(a.kb));
    }
    cbDiagsFree(&d);
    int rc = kn ? evalRun(&a, kn) : CB_EXIT_FAIL;
    knowledgeFree(kn);
    free(a.files);
    return rc;
}
