/* main.c - the careerbot entry point: global options (--help, --version)
 * and dispatch to the subcommands in cli.h. An unknown command or option
 * prints usage and exits 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/common.h"
#include "base/heap.h"

/* GnuTLS comes in only as a dependency of libcurl's (librtmp, libldap) and
 * is never used: its load-time initialization (ASN.1 tables, p11-kit
 * modules) costs ~0.7 MB of RSS and start-up time for nothing. GnuTLS
 * skips it when the program defines this hook (its documented
 * GNUTLS_SKIP_GLOBAL_INIT, written out here to need no GnuTLS headers;
 * the linker exports it, see the Makefile); whoever does use GnuTLS
 * calls gnutls_global_init() itself. */
int _gnutls_global_init_skip(void); // NOLINT(bugprone-reserved-identifier)
int _gnutls_global_init_skip(void) { return 1; } // NOLINT(bugprone-reserved-identifier)

typedef struct cliCommand {
    const char *name;
    int (*fn)(int argc, char **argv);
} cliCommand;

static const cliCommand commands[] = {
    {"run", cmdRun},         {"ask", cmdAsk},       {"kb", cmdKb},
    {"report", cmdReport},   {"history", cmdHistory}, {"config", cmdConfig},
    {"discord", cmdDiscord}, {"healthcheck", cmdHealthcheck},
};

void cliUsage(void *stream) {
    FILE *f = stream;
    fprintf(f,
            "usage: careerbot [COMMAND] [OPTIONS]\n"
            "\n"
            "Answers Python developers' career questions from a curated knowledge base,\n"
            "in Slack, Discord, or the console (when no platform tokens are set).\n"
            "\n"
            "commands (each takes --help; options also as --name=value):\n"
            "  run [--console] [--config FILE] [--kb DIR]   run the bot (the default)\n"
            "  ask [--kb DIR] [--json] [--top N] [QUESTION] answer one question, or one per stdin line\n"
            "  kb check [--kb DIR] [--links] [--format text|github]\n"
            "                                               validate the knowledge files\n"
            "  kb eval [--kb DIR] FILE.jsonl...             measure matching quality\n"
            "  kb export [--kb DIR]                         print the knowledge as JSON\n"
            "  kb import FILE.json --out DIR                write knowledge files from JSON\n"
            "  kb new TOPIC/SLUG [--kb DIR]                 write a template entry\n"
            "  report [--since DATE] [--json]               what the bot could not answer\n"
            "  history export [--since DATE]                the history as JSON lines\n"
            "  config check [FILE]                          validate a config file\n"
            "  discord register [--guild ID]                install the /faq command\n"
            "  discord invite [--client-id ID]              print the URL that adds the bot to a server\n"
            "  healthcheck [--live] [--url URL]             probe the running bot (exit 0 when ready)\n"
            "\n"
            "options: --help, --version\n"
            "config file: --config FILE, else $CAREERBOT_CONFIG, else " CLI_DEFAULT_CONFIG "\n");
    cliPrintEnv(f);
}

const char *cliKbDir(const char *flag_value) {
    if (flag_value && *flag_value) return flag_value;
    const char *env = getenv("CAREERBOT_KB");
    if (env && *env) return env;
    return "knowledge";
}

/* What reached stdout really got there: a full disk or a closed file
 * turns a command that printed its output into a failure, with a message
 * (`history export > backup.jsonl` must not say it worked when it did not). */
static int outputWritten(int rc) {
    int e = fflush(stdout) == 0 ? 0 : errno;
    if (!e && !ferror(stdout)) return rc;
    if (e)
        fprintf(stderr, "careerbot: cannot write the output: %s\n", strerror(e));
    else /* an earlier flush failed and lost what it held */
        fprintf(stderr, "careerbot: cannot write the output: a write failed (disk full, or the "
                        "file closed?)\n");
    return rc == CB_EXIT_OK ? CB_EXIT_FAIL : rc;
}

static int runCommand(int argc, char **argv) {
    if (argc < 2) return cmdRun(argc - 1 + 1, (char *[]){"run", NULL});
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        cliUsage(stdout);
        return CB_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        if (argc > 2) {
            fprintf(stderr, "careerbot: --version takes no argument ('%s')\n", argv[2]);
            return CB_EXIT_USAGE;
        }
        printf("careerbot %s\n", CAREERBOT_VERSION);
        return CB_EXIT_OK;
    }
    if (cmd[0] == '-') /* options of the default command: careerbot --console */
        return cmdRun(argc, argv);
    for (size_t i = 0; i < CB_ARRAY_LEN(commands); i++)
        if (strcmp(cmd, commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "careerbot: unknown command '%s'\n\n", cmd);
    cliUsage(stderr);
    return CB_EXIT_USAGE;
}

int main(int argc, char **argv) {
    heapStartupBegin(); /* the run command ends it once the bot is up */
    return outputWritten(runCommand(argc, argv));
}
