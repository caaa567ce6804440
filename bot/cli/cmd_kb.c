/* cmd_kb.c - `careerbot kb check|eval|export|import|new`: the maintainers'
 * commands for the knowledge files. check prints every diagnostic and a
 * summary (exit 1 on any error); eval is the engine's (cmd_eval.c);
 * export/import are in kb_export.c; new writes a template entry that fails
 * `kb check` until every placeholder is replaced. Usage errors exit 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "base/common.h"
#include "kb/kb.h"
#include "kb/kb_export.h"

static void kbUsage(void) {
    fprintf(stderr,
            "usage: careerbot kb check [--kb DIR] [--format text|github] [--links]\n"
            "       careerbot kb eval [--kb DIR] FILE.jsonl...\n"
            "       careerbot kb export [--kb DIR]\n"
            "       careerbot kb import FILE.json --out DIR [--force]\n"
            "       careerbot kb new TOPIC/SLUG [--kb DIR]\n");
}

typedef struct kbArgs {
    const char *kb, *format, *out, *pos;
    int links, force;
} kbArgs;

/* "--name VALUE" or "--name=VALUE"; advances *i. 1 matched, -1 missing value. */
static int kbOptVal(int argc, char **argv, int *i, const char *name, const char **out) {
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0) return 0;
    if (argv[*i][n] == '=') {
        *out = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0') return 0;
    if (*i + 1 >= argc) return -1;
    *out = argv[++*i];
    return 1;
}

/* Parse options; allowed: the options this subcommand accepts. CB_ERR on
 * anything else (after printing what is wrong). */
static int kbParseArgs(int argc, char **argv, const char *allowed, kbArgs *a) {
    memset(a, 0, sizeof(*a));
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        int r = 0;
        if (strstr(allowed, "kb") && (r = kbOptVal(argc, argv, &i, "--kb", &a->kb))) {
        } else if (strstr(allowed, "format") &&
                   (r = kbOptVal(argc, argv, &i, "--format", &a->format))) {
        } else if (strstr(allowed, "out") && (r = kbOptVal(argc, argv, &i, "--out", &a->out))) {
        } else if (strstr(allowed, "links") && strcmp(s, "--links") == 0) {
            a->links = r = 1;
        } else if (strstr(allowed, "force") && strcmp(s, "--force") == 0) {
            a->force = r = 1;
        } else if (s[0] != '-' && strstr(allowed, "pos") && !a->pos) {
            a->pos = s;
            r = 1;
        }
        if (r == 1) continue;
        fprintf(stderr, r < 0 ? "careerbot kb %s: option '%s' needs a value\n"
                              : "careerbot kb %s: unexpected argument '%s'\n",
                argv[0], s);
        return CB_ERR;
    }
    if (a->format && strcmp(a->format, "text") != 0 && strcmp(a->format, "github") != 0) {
        fprintf(stderr, "careerbot kb check: --format must be text or github\n");
        return CB_ERR;
    }
    return CB_OK;
}

static int kbCmdCheck(int argc, char **argv) {
    kbArgs a;
    if (kbParseArgs(argc, argv, "kb format links", &a) != CB_OK) {
        kbUsage();
        return CB_EXIT_USAGE;
    }
    kbDiags d;
    kbDiagsInit(&d);
    kbLoadOpts o = {0};
    kb *k = kbLoadWith(cliKbDir(a.kb), &o, &d);
    if (k && a.links) {
        kbLinkOpts lo;
        kbLinkOptsDefault(&lo);
        kbCheckLinks(k, &lo, &d);
        kbDiagsSort(&d);
    }
    kbDiagsPrint(&d, a.format ? a.format : "text", stdout);
    if (!k && a.links) fprintf(stderr, "careerbot kb check: links not checked; fix the errors first\n");
    printf("%zu entries in %zu topics: %zu errors, %zu warnings\n", o.nentries, o.ntopics,
           d.nerrors, d.nwarnings);
    int rc = d.nerrors ? CB_EXIT_FAIL : CB_EXIT_OK;
    kbFree(k);
    kbDiagsFree(&d);
    return rc;
}

static int kbCmdExport(int argc, char **argv) {
    kbArgs a;
    if (kbParseArgs(argc, argv, "kb", &a) != CB_OK) {
        kbUsage();
        return CB_EXIT_USAGE;
    }
    kbDiags d;
    kbDiagsInit(&d);
    kb *k = kbLoad(cliKbDir(a.kb), &d);
    int rc = CB_EXIT_FAIL;
    if (!k) {
        kbDiagsPrint(&d, "text", stderr);
        fprintf(stderr, "careerbot kb export: the knowledge has errors; fix them first\n");
    } else {
        char *s = kbExportJson(k);
        fputs(s, stdout);
        rc = ferror(stdout) ? CB_EXIT_FAIL : CB_EXIT_OK;
        free(s);
    }
    kbFree(k);
    kbDiagsFree(&d);
    return rc;
}

static int kbCmdImport(int argc, char **argv) {
    kbArgs a;
    if (kbParseArgs(argc, argv, "out force pos", &a) != CB_OK || !a.pos || !a.out) {
        if (!a.pos || !a.out) fprintf(stderr, "careerbot kb import: needs FILE.json and --out DIR\n");
        kbUsage();
        return CB_EXIT_USAGE;
    }
    kbDiags d;
    kbDiagsInit(&d);
    char err[CB_ERRLEN];
    int rc = kbImport(a.pos, a.out, a.force, &d, err);
    kbDiagsPrint(&d, "text", stderr);
    if (rc != CB_OK) fprintf(stderr, "careerbot kb import: %s\n", err);
    else printf("wrote %s\n", a.out);
    kbDiagsFree(&d);
    return rc == CB_OK ? CB_EXIT_OK : CB_EXIT_FAIL;
}

static int kbCmdNew(int argc, char **argv) {
    kbArgs a;
    if (kbParseArgs(argc, argv, "kb pos", &a) != CB_OK || !a.pos) {
        if (!a.pos) fprintf(stderr, "careerbot kb new: needs TOPIC/SLUG\n");
        kbUsage();
        return CB_EXIT_USAGE;
    }
    char err[CB_ERRLEN];
    char *path = NULL;
    if (kbNewEntry(cliKbDir(a.kb), a.pos, &path, err) != CB_OK) {
        fprintf(stderr, "careerbot kb new: %s\n", err);
        return CB_EXIT_FAIL;
    }
    printf("wrote %s: replace every \"%s\" placeholder, then run 'careerbot kb check'\n",
           path, "TODO(kb new)");
    free(path);
    return CB_EXIT_OK;
}

int cmdKb(int argc, char **argv) {
    if (argc < 2) {
        kbUsage();
        return CB_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "check") == 0) return kbCmdCheck(argc - 1, argv + 1);
    if (strcmp(sub, "eval") == 0) return cmdKbEval(argc - 1, argv + 1);
    if (strcmp(sub, "export") == 0) return kbCmdExport(argc - 1, argv + 1);
    if (strcmp(sub, "import") == 0) return kbCmdImport(argc - 1, argv + 1);
    if (strcmp(sub, "new") == 0) return kbCmdNew(argc - 1, argv + 1);
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        kbUsage();
        return CB_EXIT_OK;
    }
    fprintf(stderr, "careerbot kb: unknown subcommand '%s'\n", sub);
    kbUsage();
    return CB_EXIT_USAGE;
}
