/* cliopt.c - getopt_long behind a table per command (see cliopt.h). */
#include "cli/cliopt.h"

#include <getopt.h>
#include <string.h>

#include "base/common.h"

#define CLI_MAX_OPTS 24

void cliPrintUsage(const cliSpec *s, FILE *f) {
    fprintf(f, "usage: careerbot %s [OPTIONS]%s%s\n", s->cmd, s->args ? " " : "",
            s->args ? s->args : "");
    if (s->about) fprintf(f, "%s\n", s->about);
    fprintf(f, "\noptions:\n");
    for (int i = 0; i < s->nopts; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", s->opts[i].name, s->opts[i].arg ? "=" : "",
                 s->opts[i].arg ? s->opts[i].arg : "");
        fprintf(f, "  %-24s %s\n", left, s->opts[i].help);
    }
    fprintf(f, "  %-24s %s\n", "-h, --help", "show this help and exit");
    if (s->epilog) fprintf(f, "\n%s", s->epilog);
}

static void usageError(const cliSpec *s, const char *what, const char *arg) {
    fprintf(stderr, "careerbot %s: %s '%s'\n", s->cmd, what, arg);
    cliPrintUsage(s, stderr);
}

int cliParse(const cliSpec *s, int argc, char **argv, cliOnOpt *on, void *ud, int *first) {
    struct option lo[CLI_MAX_OPTS + 2];
    int n = s->nopts < CLI_MAX_OPTS ? s->nopts : CLI_MAX_OPTS;
    for (int i = 0; i < n; i++)
        lo[i] = (struct option){s->opts[i].name, s->opts[i].arg ? required_argument : no_argument,
                                NULL, 1000 + i};
    lo[n] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 0; /* glibc: start over (another command may have parsed) */
    opterr = 0;
    const char *shortopts = s->stop_at_operand ? "+:h" : ":h";
    int c;
    while ((c = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
        const char *at = argv[optind - 1];
        if (c == 'h') {
            cliPrintUsage(s, stdout);
            return CLI_HELP;
        }
        if (c == ':') {
            usageError(s, "this option needs a value:", at);
            return CB_ERR;
        }
        if (c == '?') {
            usageError(s, "unknown option", at);
            return CB_ERR;
        }
        if (on(ud, c - 1000, optarg) != CB_OK) {
            cliPrintUsage(s, stderr);
            return CB_ERR;
        }
    }
    *first = optind;
    return CB_OK;
}
