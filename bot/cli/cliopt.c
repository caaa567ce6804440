/* cliopt.c - getopt_long behind a table per command (see cliopt.h), and
 * what every command shares: the environment list for --help and the
 * config file to read. */
#include "cli/cliopt.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/config.h"
#include "base/common.h"
#include "cli/cli.h"

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

void cliPrintEnv(void *stream) {
    FILE *f = stream;
    fprintf(f, "\nenvironment:\n"
               "  SLACK_APP_TOKEN, SLACK_BOT_TOKEN   Slack tokens (xapp-, xoxb-)\n"
               "  DISCORD_TOKEN, DISCORD_APPLICATION_ID\n"
               "  CAREERBOT_CONFIG                   the config file\n"
               "  CAREERBOT_KB                       the knowledge directory\n"
               "  SLACK_API_URL, DISCORD_API_URL     API base URLs (tests)\n"
               "  every config key, overriding the file:\n");
    for (size_t i = 0; i < cfgKeyCount(); i++) {
        char env[96];
        cfgEnvName(cfgKeyName(i), env, sizeof env);
        fprintf(f, "    %-40s %s\n", env, cfgKeyName(i));
    }
}

const char *cliConfigPath(const char *flag_value) {
    if (flag_value && *flag_value) return flag_value;
    const char *env = getenv("CAREERBOT_CONFIG");
    if (env) return *env ? env : NULL; /* set but empty: no file */
    return access(CLI_DEFAULT_CONFIG, F_OK) == 0 ? CLI_DEFAULT_CONFIG : NULL;
}

