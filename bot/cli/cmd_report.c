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
#include "base/common.h"
#include "app/config.h"
#include "ops/history.h"

typedef struct reportArgs {
    const char *db, *config, *since;
    int json;
    long limit;
} reportArgs;

static int parseArgs(int argc, char **argv, int first, int allow_report, reportArgs *a) {
    memset(a, 0, sizeof *a);
    for (int i = first; i < argc; i++) {
        const char *s = argv[i];
        int has = i + 1 < argc;
        if (strcmp(s, "--db") == 0 && has) a->db = argv[++i];
        else if (strcmp(s, "--config") == 0 && has) a->config = argv[++i];
        else if (strcmp(s, "--since") == 0 && has) a->since = argv[++i];
        else if (allow_report && strcmp(s, "--json") == 0) a->json = 1;
        else if (allow_report && strcmp(s, "--limit") == 0 && has) a->limit = atol(argv[++i]);
        else return CB_ERR;
    }
    return a->limit < 0 ? CB_ERR : CB_OK;
}

/* The settings (for the db path and the "moderate" threshold); CB_ERR
 * after printing the config's problems. */
static int loadSettings(const reportArgs *a, cbConfig *c) {
    cfgDefaults(c);
    const char *file = a->config;
    const char *env = getenv("CAREERBOT_CONFIG");
    if (!file && env && *env) file = env;
    if (file) {
        kbDiags d;
        kbDiagsInit(&d);
        int rc = cfgLoadFile(c, file, &d);
        kbDiagsPrint(&d, "text", stderr);
        kbDiagsFree(&d);
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
    if (parseArgs(argc, argv, 1, 1, &a) != CB_OK) {
        fprintf(stderr, "usage: careerbot report [--since DATE] [--json] [--limit N] "
                        "[--db PATH] [--config FILE]\n");
        return CB_EXIT_USAGE;
    }
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
    if (argc < 2 || strcmp(argv[1], "export") != 0 || parseArgs(argc, argv, 2, 0, &a) != CB_OK) {
        fprintf(stderr, "usage: careerbot history export [--since DATE] [--db PATH] "
                        "[--config FILE]\n");
        return CB_EXIT_USAGE;
    }
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
