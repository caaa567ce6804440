/* cli.h - the careerbot subcommands. main.c parses the command word and
 * hands the remaining arguments (argv[0] = the command word) to one of
 * these; each returns the process exit code (CB_EXIT_*). Each command lives
 * in the module that owns its concern (cmd_*.c). */
#ifndef CB_CLI_H
#define CB_CLI_H

#include <stddef.h>

int cmdRun(int argc, char **argv);     /* careerbot [run] [--console] [--config F] [--kb DIR] */
int cmdAsk(int argc, char **argv);     /* careerbot ask [--kb DIR] [--json] [--top N] [Q] */
int cmdKb(int argc, char **argv);      /* careerbot kb check|eval|export|import|new ... */
int cmdKbEval(int argc, char **argv);  /* careerbot kb eval [--kb DIR] FILE.jsonl ... */
struct kb;
/* `kb check`: the entry pairs whose examples the matcher confuses out of
 * fold (at most max lines on stdout; nothing when none). cmd_eval.c. */
void evalPrintDoubts(const struct kb *k, size_t max);
int cmdReport(int argc, char **argv);  /* careerbot report [--since DATE] [--json] */
int cmdHistory(int argc, char **argv); /* careerbot history export [--since DATE] */
int cmdConfig(int argc, char **argv);  /* careerbot config check [FILE] */
int cmdDiscord(int argc, char **argv); /* careerbot discord register [--guild ID] */

/* Shared option helper: the knowledge dir from --kb, CAREERBOT_KB, or
 * ./knowledge (in that order of precedence). */
const char *cliKbDir(const char *flag_value);

void cliUsage(void *stream /* FILE* */);
/* The environment the bot reads: tokens, and every config key as
 * CAREERBOT_SECTION_KEY (for --help). */
void cliPrintEnv(void *stream /* FILE* */);
/* The config file to read: flag, else $CAREERBOT_CONFIG (set but empty:
 * none), else CLI_DEFAULT_CONFIG when it exists, else NULL. */
const char *cliConfigPath(const char *flag_value);
int cmdHealthcheck(int argc, char **argv); /* careerbot healthcheck [--live] [--url URL] */

#define CLI_DEFAULT_CONFIG "/etc/careerbot/careerbot.conf"

#define CAREERBOT_VERSION CB_VERSION

#endif
