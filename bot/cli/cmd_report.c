/* cmd_report.c - `careerbot report [--since DATE] [--json] [--limit N]
 * [--db PATH] [--config FILE]` and `careerbot history export [--since DATE]
 * [--db PATH] [--config FILE]`. The database is --db, else
 * $CAREERBOT_HISTORY_PATH, else the config's history.path, else
 * data/careerbot.db. Both read while the bot runs (WAL). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cliopt.h"
#include "base/common.h"
#include "app/config.h"
#include "ops/history.h"

typedef struct reportArgs {
    const char *db, *config, *since;
    int json;
    long limit;
} reportArgs;

static const cliOpt reportOpts[] = {
    {"since", "DATE", "only since DATE (YYYY-MM-DD) or the last N days (30d)"},
    {"db", "PATH", "the history database (default: $CAREERBOT_HISTORY_PATH, history.path)"},
    {"config", "FILE", "the config file (for history.path and the thresholds)"},
    {"json", NULL, "one JSON document instead of text"},
    {"limit", "N", "at most N rows per section"},
};

static const cliSpec reportSpec = {
    .cmd = "report",
    .about = "What the bot could not answer, the entries voted down and the answers given at\n"
             "low confidence, each with a suggestion for the knowledge maintainers.",
    .opts = reportOpts,
    .nopts = CB_ARRAY_LEN(reportOpts),
};

static const cliSpec exportSpec = {
    .cmd = "history export",
    .about = "The history (questions kept for review, votes) as JSON lines.",
    .opts = reportOpts,
    .nopts = 3, /* --since, --db, --config */
};

static int reportOnOpt(void *ud, int i, const char *v) {
    reportArgs *a = ud;
    char *end;
    switch (i) {
    case 0: a->since = v; break;
    case 1: a->db = v; break;
    case 2: a->config = v; break;
    case 3: a->json = 1; break;
    default:
        a->limit = strtol(v, &end, 10);
        if (!*v || *end || a->limit < 0) {
            fprintf(stderr, "careerbot report: --limit wants a whole number, not '%s'\n", v);
            return CB_ERR;
        }
    }
    return CB_OK;
}

/* CB_OK, CLI_HELP or CB_ERR (after the usage). */
static int parseArgs(const cliSpec *spec, int argc, char **argv, reportArgs *a) {
    memset(a, 0, sizeof *a);
    int first;
    int rc = cliParse(spec, argc, argv, reportOnOpt, a, &first);
    if (rc == CB_OK && first < argc) {
        fprintf(stderr, "careerbot %s: unexpected argument '%s'\n", spec->cmd, argv[first]);
        cliPrintUsage(spec, stderr);
        return CB_ERR;
    }
    return rc;
}

/* The settings (for the db path and the "moderate" threshold); CB_ERR
 * after printing the config's problems. */
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
    return CB_OK;
}

/* Open the history for reading; NULL (after a message) when it is absent. */
static histStore *openForReading(const cbConfig *c) {
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

static int sinceOf(const reportArgs *a, long long *since) {
    *since = 0;
    if (!a->since) return CB_OK;
    if (histParseSince(a->since, cbWallTime(), since) == CB_OK) return CB_OK;
    fprintf(stderr, "careerbot: --since takes YYYY-MM-DD or a number of days like 30d, not '%s'\n",
            a->since);
    return CB_ERR;
}

int cmdReport(int argc, char **argv) {
    reportArgs a;
    cbConfig c;
    long long since;
    int prc = parseArgs(&reportSpec, argc, argv, &a);
    if (prc != CB_OK) return prc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    if (sinceOf(&a, &since) != CB_OK) return CB_EXIT_USAGE;
    if (loadSettings(&a, &c) != CB_OK) return cfgFree(&c), CB_EXIT_CONFIG;
    histStore *h = openForReading(&c);
    int rc = CB_EXIT_FAIL;
    histReport r;
    char err[CB_ERRLEN];
    histReportOptions o = {.since = since, .limit = (size_t)a.limit,
                           .moderate = c.suggest_threshold};
    if (h && histReportBuild(h, &o, &r, err) == CB_OK) {
        if (a.json) {
            char *s = histReportJson(&r);
            printf("%s\n", s);
            free(s);
        } else {
            histReportText(&r, stdout);
        }
        histReportFree(&r);
        rc = CB_EXIT_OK;
    } else if (h) {
        fprintf(stderr, "careerbot: %s\n", err);
    }
    histClose(h);
    cfgFree(&c);
    return rc;
}

int cmdHistory(int argc, char **argv) {
    reportArgs a;
    cbConfig c;
    long long since;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cliPrintUsage(&exportSpec, stdout);
        return CB_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "export") != 0) {
        cliPrintUsage(&exportSpec, stderr);
        return CB_EXIT_USAGE;
    }
    int prc = parseArgs(&exportSpec, argc - 1, argv + 1, &a);
    if (prc != CB_OK) return prc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    if (sinceOf(&a, &since) != CB_OK) return CB_EXIT_USAGE;
    if (loadSettings(&a, &c) != CB_OK) return cfgFree(&c), CB_EXIT_CONFIG;
    histStore *h = openForReading(&c);
    int rc = CB_EXIT_FAIL;
    char err[CB_ERRLEN];
    if (h && histExport(h, since, stdout, err) == CB_OK) rc = CB_EXIT_OK;
    else if (h) fprintf(stderr, "careerbot: %s\n", err);
    histClose(h);
    cfgFree(&c);
    return rc;
}
