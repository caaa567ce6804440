/* cliopt.h - option parsing for every subcommand, on getopt_long: long
 * options as "--name VALUE" or "--name=VALUE", "--" ends the options, and
 * "--help" (or -h) prints the command's usage to stdout. A command
 * describes its options once (a table with the help text); the same table
 * drives the parser, the usage text and the man page's wording. */
#ifndef CB_CLIOPT_H
#define CB_CLIOPT_H

#include <stdio.h>

typedef struct cliOpt {
    const char *name; /* long name without "--" */
    const char *arg;  /* the value's name in the usage ("DIR"), NULL for a flag */
    const char *help; /* one line */
} cliOpt;

typedef struct cliSpec {
    const char *cmd;      /* "kb check" */
    const char *args;     /* positional arguments in the synopsis ("[FILE]"), may be NULL */
    const char *about;    /* what the command does (may hold newlines) */
    const cliOpt *opts;   /* without --help, which every command has */
    int nopts;
    const char *epilog;   /* printed after the options (environment ...), may be NULL */
    int stop_at_operand;  /* 1: the first operand ends the options (ask QUESTION...) */
} cliSpec;

/* Called for each option found: index into spec->opts and its value (NULL
 * for a flag). Return CB_OK, or CB_ERR after printing what is wrong. */
typedef int cliOnOpt(void *ud, int index, const char *value);

#define CLI_HELP 1 /* cliParse: --help was printed; exit 0 */

/* Parse argv (argv[0] is the command word). Returns CB_OK with *first set
 * to the index of the first operand (argc when none), CLI_HELP, or CB_ERR
 * after printing the problem and the usage on stderr (exit CB_EXIT_USAGE). */
int cliParse(const cliSpec *s, int argc, char **argv, cliOnOpt *on, void *ud, int *first);
void cliPrintUsage(const cliSpec *s, FILE *f);

#endif
