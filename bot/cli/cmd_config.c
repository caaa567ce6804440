/* cmd_config.c - `careerbot config check [--config FILE] [--format text|github]
 * [FILE]`: read the config file the bot would read (FILE, else --config,
 * else $CAREERBOT_CONFIG, else /etc/careerbot/careerbot.conf when it
 * exists, else config/careerbot.conf.example), apply the
 * environment overrides, and print every problem as file:line:col. Exit 1
 * on errors, 0 with "config OK" otherwise. Secrets are only ever reported
 * as set or not set, never printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cliopt.h"
#include "base/common.h"
#include "app/config.h"

#define CFG_DEFAULT_FILE "config/careerbot.conf.example"

static const cliOpt configOpts[] = {
    {"config", "FILE", "the file to check (like FILE)"},
    {"format", "text|github", "text (file:line:col) or GitHub Actions annotations"},
};

static const cliSpec configSpec = {
    .cmd = "config check",
    .args = "[FILE]",
    .about = "Check a config file as the bot would read it (FILE, else --config, else\n"
             "$CAREERBOT_CONFIG, else " CLI_DEFAULT_CONFIG " when it exists, else\n"
             CFG_DEFAULT_FILE " when run from the sources, else no file: the\n"
             "defaults), with the environment applied. Exit 1 on errors.",
    .opts = configOpts,
    .nopts = CB_ARRAY_LEN(configOpts),
};

typedef struct configArgs {
    const char *flag, *format;
} configArgs;

static int configOnOpt(void *ud, int i, const char *v) {
    configArgs *a = ud;
    if (i == 0) {
        a->flag = v;
        return CB_OK;
    }
    if (strcmp(v, "text") != 0 && strcmp(v, "github") != 0) {
        fprintf(stderr, "careerbot config check: --format must be text or github\n");
        return CB_ERR;
    }
    a->format = v;
    return CB_OK;
}

static int usage(void) {
    cliPrintUsage(&configSpec, stderr);
    return CB_EXIT_USAGE;
}

static const char *setOrNot(const char *s) { return s && *s ? "set" : "not set"; }

static void printSummary(const cbConfig *c, const cbSecrets *s) {
    printf("config OK: %s\n", c->config_path ? c->config_path : "(defaults)");
    printf("  knowledge %s, history %s, health %s, log %s/%s\n", c->kb_dir, c->history_path,
           c->health_addr, c->log_level, c->log_format);
    printf("  SLACK_APP_TOKEN %s, SLACK_BOT_TOKEN %s, DISCORD_TOKEN %s, discord shard %d/%d\n",
           setOrNot(s->slack_app_token), setOrNot(s->slack_bot_token),
           setOrNot(s->discord_token), c->discord_shard_id, c->discord_shard_count);
}

static int check(const char *file, const char *format) {
    cbConfig c;
    cbSecrets s;
    cbDiags d;
    cfgDefaults(&c);
    cbDiagsInit(&d);
    if (file) cfgLoadFile(&c, file, &d);
    cfgApplyEnvDiags(&c, &d);
    if (!file) file = "(defaults)"; /* no file: what the bot would run with */
    struct stat st;
    if (d.nerrors == 0 && (stat(c.kb_dir, &st) != 0 || !S_ISDIR(st.st_mode)))
        cbDiagAdd(&d, CB_DIAG_WARNING, file, 0, 0,
                  "knowledge.dir '%s' is not a directory (yet); the bot will not start without it",
                  c.kb_dir);
    cbDiagsPrint(&d, format, stderr);
    int rc = d.nerrors ? CB_EXIT_FAIL : CB_EXIT_OK;
    if (rc == CB_EXIT_OK) {
        secretsFromEnv(&s);
        printSummary(&c, &s);
        secretsFree(&s);
    } else {
        fprintf(stderr, "%zu error%s in %s\n", d.nerrors, d.nerrors == 1 ? "" : "s", file);
    }
    cbDiagsFree(&d);
    cfgFree(&c);
    return rc;
}

int cmdConfig(int argc, char **argv) {
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        cliPrintUsage(&configSpec, stdout);
        return CB_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "check") != 0) return usage();
    configArgs a = {.format = "text"};
    int first;
    int rc = cliParse(&configSpec, argc - 1, argv + 1, configOnOpt, &a, &first);
    if (rc != CB_OK) return rc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    if (argc - 1 - first > 1) {
        fprintf(stderr, "careerbot config check: one FILE at most (got '%s' and '%s')\n",
                argv[1 + first], argv[2 + first]);
        return usage();
    }
    const char *file = first < argc - 1 ? argv[1 + first] : NULL;
    if (file && a.flag) {
        fprintf(stderr, "careerbot config check: name the file once, as FILE or --config "
                        "(got '%s' and --config '%s')\n", file, a.flag);
        return CB_EXIT_USAGE;
    }
    if (!file) file = cliConfigPath(a.flag);
    /* No file named and none found: the example beside the sources when
     * run from a checkout, else what the bot would run with (no file). */
    const char *env = getenv("CAREERBOT_CONFIG");
    if (!file && !(env && !*env) && access(CFG_DEFAULT_FILE, R_OK) == 0) file = CFG_DEFAULT_FILE;
    return check(file, a.format);
}
