/* cmd_report.c - `careerbot report [--since DATE] [--format text|json|csv|
 * html] [--json] [--limit N] [--kb DIR] [--db PATH] [--config FILE]`, its
 * subcommands `accept` and `dismiss` (cmd_report_accept.c), and `careerbot
 * history export`. The database is --db, else $CAREERBOT_HISTORY_PATH,
 * else the config's history.path, else data/careerbot.db; the knowledge
 * the open questions are asked of again is --kb, else the config's. Both
 * read while the bot runs (WAL). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/common.h"
#include "cli/cli.h"
#include "cli/cliopt.h"
#include "cli/report_cli.h"
#include "handlers/handler.h"

static const cliOpt reportOpts[] = {
    {"since", "DATE", "only since DATE (YYYY-MM-DD) or the last N whole days (30d; 0d = today)"},
    {"db", "PATH", "the history database (default: $CAREERBOT_HISTORY_PATH, history.path)"},
    {"config", "FILE", "the config file (history.path, thresholds, report.similarity)"},
    {"json", NULL, "the same as --format json"},
    {"limit", "N", "at most N groups and entries per section (default 20)"},
    {"format", "F", "text (default), json, csv or html (one self-contained page)"},
    {"kb", "DIR", "the live knowledge the open questions are asked again (default: the config's)"},
    {"similarity", "X", "group questions at least this alike, 0..1 (default: report.similarity)"},
};

static const cliSpec reportSpec = {
    .cmd = "report",
    .args = "[accept|dismiss ID]",
    .about = "What users asked: open questions grouped by meaning with real examples, each asked\n"
             "again of the live knowledge, with the entry it means and the command that applies\n"
             "it; per-entry answers, votes and trend; the answer rate per day and platform.",
    .opts = reportOpts,
    .nopts = CB_ARRAY_LEN(reportOpts),
};

static const cliSpec exportSpec = {
    .cmd = "history export",
    .about = "The history (questions kept for review, votes) as JSON lines.",
    .opts = reportOpts,
    .nopts = 3, /* --since, --db, --config */
};

static const cliOpt decideOpts[] = {
    {"db", "PATH", "the history database"},
    {"config", "FILE", "the config file"},
    {"kb", "DIR", "the knowledge checkout to change (default: the config's)"},
    {"entry", "ID", "add the questions to this entry instead of the one suggested"},
    {"as", "TOPIC/SLUG", "the group means no entry yet: write a new entry draft here"},
    {"alternates", NULL, "add the questions as the entry's alternates (curated phrasings:\n"
                         "indexed, offered by autocomplete) instead of training examples"},
};

static const cliOpt dismissOpts[] = {
    {"db", "PATH", "the history database"},
    {"config", "FILE", "the config file"},
    {"kb", "DIR", "the knowledge checkout to change (default: the config's)"},
    {"out-of-scope", NULL, "also teach the matcher to decline these questions: they are\n"
                           "added to examples/accepted.jsonl as out of scope"},
};

const cliSpec reportAcceptSpec = {
    .cmd = "report accept",
    .args = "ID",
    .about = "Teach the matcher the questions of report group ID: they are added to\n"
             "examples/accepted.jsonl as examples of the entry they mean (or --entry ID; the\n"
             "entry's file is not touched), or as its alternates with --alternates, or a new\n"
             "entry is drafted (--as); then kb check runs, and the bot retrains on the next\n"
             "reload.",
    .opts = decideOpts,
    .nopts = CB_ARRAY_LEN(decideOpts),
};

const cliSpec reportDismissSpec = {
    .cmd = "report dismiss",
    .args = "ID",
    .about = "Record that report group ID is not worth an entry: it no longer comes back.\n"
             "With --out-of-scope its questions also teach the matcher to decline such ones.",
    .opts = dismissOpts,
    .nopts = CB_ARRAY_LEN(dismissOpts),
};

/* One callback for every table: options are told apart by name. */
static int onOpt(void *ud, const cliOpt *o, const char *v) {
    reportArgs *a = ud;
    char *end = NULL;
    const char *n = o->name;
    if (strcmp(n, "since") == 0) a->since = v;
    else if (strcmp(n, "db") == 0) a->db = v;
    else if (strcmp(n, "config") == 0) a->config = v;
    else if (strcmp(n, "json") == 0) a->format = "json";
    else if (strcmp(n, "format") == 0) a->format = v;
    else if (strcmp(n, "kb") == 0) a->kb = v;
    else if (strcmp(n, "entry") == 0) a->entry = v;
    else if (strcmp(n, "as") == 0) a->as = v;
    else if (strcmp(n, "alternates") == 0) a->alternates = 1;
    else if (strcmp(n, "out-of-scope") == 0) a->out_of_scope = 1;
    else if (strcmp(n, "limit") == 0) a->limit = strtol(v, &end, 10);
    else if (strcmp(n, "similarity") == 0) a->similarity = strtod(v, &end);
    if (end && (!*v || *end || a->limit < 0 || a->similarity < 0 || a->similarity > 1)) {
        fprintf(stderr, "careerbot report: --%s does not take '%s'\n", n, v);
        return CB_ERR;
    }
    if (a->format && strcmp(a->format, "text") != 0 && strcmp(a->format, "json") != 0 &&
        strcmp(a->format, "csv") != 0 && strcmp(a->format, "html") != 0) {
        fprintf(stderr, "careerbot report: --format is text, json, csv or html, not '%s'\n", v);
        return CB_ERR;
    }
    return CB_OK;
}

static int onReportOpt(void *ud, int i, const char *v) { return onOpt(ud, &reportOpts[i], v); }
static int onDecideOpt(void *ud, int i, const char *v) { return onOpt(ud, &decideOpts[i], v); }
static int onDismissOpt(void *ud, int i, const char *v) { return onOpt(ud, &dismissOpts[i], v); }

int reportParseArgs(const cliSpec *spec, int argc, char **argv, reportArgs *a) {
    memset(a, 0, sizeof *a);
    int first;
    int rc = cliParse(spec, argc, argv,
                      spec->opts == decideOpts    ? onDecideOpt
                      : spec->opts == dismissOpts ? onDismissOpt
                                                  : onReportOpt,
                      a, &first);
    if (rc != CB_OK) return rc;
    int want = spec->args && strcmp(spec->args, "ID") == 0; /* accept, dismiss */
    if (want && first < argc) a->pos = argv[first++];
    if (first < argc || (want && !a->pos) || (a->entry && a->as)) {
        if (first < argc)
            fprintf(stderr, "careerbot %s: unexpected argument '%s'\n", spec->cmd, argv[first]);
        cliPrintUsage(spec, stderr);
        return CB_ERR;
    }
    return CB_OK;
}

/* The settings (db path, thresholds, knowledge dir); CB_ERR after printing
 * the config's problems. */
static int loadSettings(const reportArgs *a, cbConfig *c) {
    cfgDefaults(c);
    const char *file = cliConfigPath(a->config);
    if (file) {
        cbDiags d;
        cbDiagsInit(&d);
        int rc = cfgLoadFile(c, file, &d);
        cbDiagsPrint(&d, "text", stderr);
        cbDiagsFree(&d);
        if (rc != CB_OK) return CB_ERR;
    }
    cfgApplyEnv(c);
    if (a->db) {
        free(c->history_path);
        c->history_path = cbStrdup(a->db);
    }
    if (a->kb) {
        free(c->kb_dir);
        c->kb_dir = cbStrdup(a->kb);
    }
    return CB_OK;
}

/* Open the history; NULL (after a message) when it is absent. */
static histStore *openHistory(const cbConfig *c) {
    if (access(c->history_path, F_OK) != 0) {
        fprintf(stderr, "careerbot: no history at %s yet (the bot creates it; see --db)\n",
                c->history_path);
        return NULL;
    }
    char err[CB_ERRLEN];
    histStore *h = histOpen(c->history_path, NULL, err);
    if (!h) fprintf(stderr, "careerbot: %s\n", err);
    return h;
}

/* The live knowledge, or NULL with a warning: the report still runs,
 * without asking the questions again. */
static knowledge *loadKnowledge(const cbConfig *c) {
    engParams p;
    engDefaultParams(&p);
    char cache[4096];
    p.cache_dir = engCacheDir(c->cache_dir, cache, sizeof(cache));
    p.answer_threshold = c->answer_threshold;
    p.suggest_threshold = c->suggest_threshold;
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts lo = {.problems_on_failure = 1}; /* warnings are shown only on a failure */
    knowledge *k = knowledgeLoadWith(c->kb_dir, &p, &lo, &d);
    if (!k) {
        cbDiagsPrint(&d, "text", stderr);
        fprintf(stderr, "careerbot: the knowledge in %s does not load; the report does not ask "
                        "the open questions again\n", c->kb_dir);
    }
    cbDiagsFree(&d);
    return k;
}

int reportOpen(const reportArgs *a, reportCtx *c) {
    memset(c, 0, sizeof *c);
    if (loadSettings(a, &c->cfg) != CB_OK) return CB_EXIT_CONFIG;
    c->h = openHistory(&c->cfg);
    if (!c->h) return CB_EXIT_FAIL;
    c->k = loadKnowledge(&c->cfg);
    if (c->k) {
        c->ids = cbCalloc(c->k->kb->nentries + 1, sizeof *c->ids);
        for (size_t i = 0; i < c->k->kb->nentries; i++) c->ids[i] = c->k->kb->entries[i].id;
    }
    return CB_EXIT_OK;
}

void reportClose(reportCtx *c) {
    histClose(c->h);
    free(c->ids);
    knowledgeFree(c->k);
    cfgFree(&c->cfg);
    memset(c, 0, sizeof *c);
}

/* histRerunFn: the handler answers as the bot would now. */
static int rerun(void *ud, const char *question, char **entry_id, double *confidence) {
    const knowledge *k = ud;
    hndContext ctx = {.k = k, .max_suggestions = 3};
    hndRequest req = {.platform = PLATFORM_CONSOLE, .text = question, .len = strlen(question)};
    hndReply r;
    hndHandle(&ctx, &req, &r);
    int ok = r.kind == REPLY_ANSWER && r.entry_id;
    if (ok) {
        *entry_id = cbStrdup(r.entry_id);
        *confidence = r.confidence;
    }
    replyFree(&r);
    return ok;
}

int reportBuild(reportCtx *c, const reportArgs *a, long long since, histReport *r) {
    histReportOptions o;
    histReportDefaults(&o);
    o.since = since;
    if (a->limit) o.limit = (size_t)a->limit;
    if (a->similarity > 0) o.similarity = a->similarity;
    else o.similarity = c->cfg.report_similarity;
    if (c->cfg.suggest_threshold > 0) o.moderate = c->cfg.suggest_threshold;
    else if (c->k) o.moderate = engSuggestThreshold(c->k->ix); /* matching.json's */
    o.review = c->cfg.review_threshold;
    if (c->k) {
        o.entries = c->ids;
        o.nentries = c->k->kb->nentries;
        o.rerun = rerun;
        o.rerun_ud = c->k;
    }
    char err[CB_ERRLEN];
    if (histReportBuild(c->h, &o, r, err) == CB_OK) return CB_OK;
    fprintf(stderr, "careerbot: %s\n", err);
    return CB_ERR;
}

static int sinceOf(const reportArgs *a, long long *since) {
    *since = 0;
    if (!a->since) return CB_OK;
    if (histParseSince(a->since, cbWallTime(), since) == CB_OK) return CB_OK;
    fprintf(stderr, "careerbot: --since takes YYYY-MM-DD or a number of days like 30d (0d = "
                    "today), not '%s'\n", a->since);
    return CB_ERR;
}

static void printReport(const histReport *r, const char *format) {
    if (strcmp(format, "json") == 0) {
        char *s = histReportJson(r);
        printf("%s\n", s);
        free(s);
    } else if (strcmp(format, "csv") == 0) {
        histReportCsv(r, stdout);
    } else if (strcmp(format, "html") == 0) {
        histReportHtml(r, stdout);
    } else {
        histReportText(r, stdout);
    }
}

int cmdReport(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "accept") == 0) return cmdReportAccept(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "dismiss") == 0) return cmdReportDismiss(argc - 1, argv + 1);
    reportArgs a;
    long long since;
    int prc = reportParseArgs(&reportSpec, argc, argv, &a);
    if (prc != CB_OK) return prc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    if (sinceOf(&a, &since) != CB_OK) return CB_EXIT_USAGE;
    reportCtx c;
    int rc = reportOpen(&a, &c);
    histReport r;
    if (rc == CB_EXIT_OK && reportBuild(&c, &a, since, &r) == CB_OK) {
        printReport(&r, a.format ? a.format : "text");
        histReportFree(&r);
    } else if (rc == CB_EXIT_OK) {
        rc = CB_EXIT_FAIL;
    }
    reportClose(&c);
    return rc;
}

int cmdHistory(int argc, char **argv) {
    reportArgs a;
    long long since;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cliPrintUsage(&exportSpec, stdout);
        return CB_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "export") != 0) {
        cliPrintUsage(&exportSpec, stderr);
        return CB_EXIT_USAGE;
    }
    int prc = reportParseArgs(&exportSpec, argc - 1, argv + 1, &a);
    if (prc != CB_OK) return prc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    if (sinceOf(&a, &since) != CB_OK) return CB_EXIT_USAGE;
    cbConfig c;
    if (loadSettings(&a, &c) != CB_OK) return cfgFree(&c), CB_EXIT_CONFIG;
    histStore *h = openHistory(&c);
    int rc = CB_EXIT_FAIL;
    char err[CB_ERRLEN];
    if (h && histExport(h, since, stdout, err) == CB_OK) rc = CB_EXIT_OK;
    else if (h) fprintf(stderr, "careerbot: %s\n", err);
    histClose(h);
    cfgFree(&c);
    return rc;
}
