/* report_cli.h - shared by `careerbot report` (cmd_report.c) and its
 * accept/dismiss subcommands (cmd_report_accept.c): the settings, the
 * history, the live knowledge the report asks questions of again, and the
 * report built from them. */
#ifndef CB_REPORT_CLI_H
#define CB_REPORT_CLI_H

#include "app/config.h"
#include "cli/cliopt.h"
#include "match/knowledge.h"
#include "ops/history.h"

typedef struct reportArgs {
    const char *db, *config, *since, *format, *kb, *entry, *as, *pos;
    long limit;
    double similarity;
    int alternates;   /* accept: as alternates, not examples */
    int out_of_scope; /* dismiss: also as out-of-scope examples */
} reportArgs;

typedef struct reportCtx {
    cbConfig cfg;
    histStore *h;
    knowledge *k;     /* the live knowledge (--kb, else the config's); NULL if it does not load */
    const char **ids; /* its entry ids */
} reportCtx;

extern const cliSpec reportAcceptSpec, reportDismissSpec;

/* Parse argv (argv[0] is the command word) by spec; accept and dismiss
 * take one ID. CB_OK, CLI_HELP or CB_ERR (after the usage). */
int reportParseArgs(const cliSpec *spec, int argc, char **argv, reportArgs *a);
/* Settings, history (CB_EXIT_* on failure, after a message), knowledge. */
int reportOpen(const reportArgs *a, reportCtx *c);
void reportClose(reportCtx *c);
/* The report over [since, now] with the live knowledge; CB_ERR + message. */
int reportBuild(reportCtx *c, const reportArgs *a, long long since, histReport *r);

/* report accept ID [--entry ID|--as ID] [--alternates] [--kb DIR] */
int cmdReportAccept(int argc, char **argv);
int cmdReportDismiss(int argc, char **argv); /* report dismiss ID [--out-of-scope] */

#endif
