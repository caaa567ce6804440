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
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cliopt.h"
#include "base/common.h"
#include "kb/kb.h"
#include "kb/kb_export.h"
#include "render/render.h"

static void kbUsage(void) {
    fprintf(stderr,
            "usage: careerbot kb check [--kb DIR] [--format text|github] [--links [--timeout S]\n"
            "                          [--exclude PATTERN]...]\n"
            "       careerbot kb eval [--kb DIR] FILE.jsonl...\n"
            "       careerbot kb export [--kb DIR] [--format json|csv|tsv]\n"
            "       careerbot kb import FILE.json|FILE.csv|FILE.tsv --out DIR [--force]\n"
            "                           [--format json|csv|tsv] [--base DIR]\n"
            "       careerbot kb new TOPIC/SLUG [--kb DIR]\n"
            "each takes --help\n");
}

#define KB_MAX_EXCLUDE 64

typedef struct kbArgs {
    const char *kb, *format, *out, *pos, *base;
    int links, force, rules;
    double timeout_s;
    const char *exclude[KB_MAX_EXCLUDE];
    size_t nexclude;
    const cliSpec *spec;
} kbArgs;

#define KB_OPT_KB {"kb", "DIR", "knowledge directory (default: $CAREERBOT_KB or ./knowledge)"}
static const cliOpt checkOpts[] = {
    KB_OPT_KB,
    {"format", "text|github", "diagnostics as text (file:line:col) or GitHub annotations"},
    {"links", NULL, "also check that every link answers (HTTP, bounded)"},
    {"rules", NULL, "also enforce the house rules of knowledge/README.md (5 alternates, a "
                    "keyword, a related id, 2 links, 60-250 words, updated) as errors"},
    {"timeout", "SECONDS", "--links: give each request this long (default 15)"},
    {"exclude", "PATTERN", "--links: do not fetch URLs matching this glob or containing it "
                           "(repeatable)"},
};
static const cliOpt kbOnlyOpts[] = {KB_OPT_KB};
static const cliOpt exportOpts[] = {
    KB_OPT_KB,
    {"format", "json|csv|tsv", "one JSON document, or one row per entry for spreadsheets (kb "
                               "import reads all three)"},
};
static const cliOpt importOpts[] = {
    {"out", "DIR", "the knowledge directory to write"},
    {"force", NULL, "write into a directory that is not empty"},
    {"format", "json|csv|tsv", "the file's format (default: its extension, else JSON)"},
    {"base", "DIR", "CSV/TSV: take topics, synonyms.json, matching.json, out-of-scope.txt, "
                    "redirects.yaml, lookups.yaml, smalltalk.yaml and stopwords.txt from this "
                    "knowledge"},
};
static const cliSpec checkSpec = {"kb check", NULL,
                                  "Validate the knowledge files; every problem with file:line:col. "
                                  "Exit 1 on errors.",
                                  checkOpts, CB_ARRAY_LEN(checkOpts), NULL, 0};
static const cliSpec exportSpec = {"kb export", NULL,
                                   "Print the knowledge as one JSON document, or as CSV (one row "
                                   "per entry) for reviewers.",
                                   exportOpts, CB_ARRAY_LEN(exportOpts), NULL, 0};
static const cliSpec importSpec = {"kb import", "FILE",
                                   "Write knowledge files from kb export's JSON, or from a "
                                   "question/answer CSV or TSV with a header row (ours, or Azure "
                                   "question answering's: Question, Answer, Source, Metadata, "
                                   "QnaId...).",
                                   importOpts, CB_ARRAY_LEN(importOpts), NULL, 0};
static const cliSpec newSpec = {"kb new", "TOPIC/SLUG",
                                "Write a template entry that fails kb check until every placeholder "
                                "is replaced.",
                                kbOnlyOpts, CB_ARRAY_LEN(kbOnlyOpts), NULL, 0};

static int kbTimeoutOpt(kbArgs *a, const char *v) {
    char *end = NULL;
    a->timeout_s = strtod(v, &end);
    if (end == v || *end || !(a->timeout_s > 0 && a->timeout_s <= 600)) {
        fprintf(stderr, "careerbot kb check: --timeout must be seconds between 0 and 600\n");
        return CB_ERR;
    }
    return CB_OK;
}

static int kbOnOpt(void *ud, int i, const char *v) {
    kbArgs *a = ud;
    const char *name = a->spec->opts[i].name;
    if (strcmp(name, "kb") == 0) a->kb = v;
    else if (strcmp(name, "format") == 0) a->format = v;
    else if (strcmp(name, "out") == 0) a->out = v;
    else if (strcmp(name, "base") == 0) a->base = v;
    else if (strcmp(name, "links") == 0) a->links = 1;
    else if (strcmp(name, "rules") == 0) a->rules = 1;
    else if (strcmp(name, "timeout") == 0) return kbTimeoutOpt(a, v);
    else if (strcmp(name, "exclude") == 0 && a->nexclude < KB_MAX_EXCLUDE) a->exclude[a->nexclude++] = v;
    else if (strcmp(name, "exclude") == 0) return CB_ERR;
    else a->force = 1;
    int data = a->spec == &exportSpec || a->spec == &importSpec;
    if (a->format && !data && strcmp(a->format, "text") != 0 && strcmp(a->format, "github") != 0) {
        fprintf(stderr, "careerbot kb check: --format must be text or github\n");
        return CB_ERR;
    }
    if (a->format && data && strcmp(a->format, "json") != 0 && strcmp(a->format, "csv") != 0 &&
        strcmp(a->format, "tsv") != 0) {
        fprintf(stderr, "careerbot %s: --format must be json, csv or tsv\n", a->spec->cmd);
        return CB_ERR;
    }
    return CB_OK;
}

/* Parse options and at most one operand (when the command takes one).
 * CB_OK, CLI_HELP, or CB_ERR after printing what is wrong. */
static int kbParseArgs(const cliSpec *spec, int argc, char **argv, kbArgs *a) {
    memset(a, 0, sizeof(*a));
    a->spec = spec;
    int first;
    int rc = cliParse(spec, argc, argv, kbOnOpt, a, &first);
    if (rc != CB_OK) return rc;
    if (first < argc && spec->args) a->pos = argv[first++];
    if (first < argc) {
        fprintf(stderr, "careerbot %s: unexpected argument '%s'\n", spec->cmd, argv[first]);
        cliPrintUsage(spec, stderr);
        return CB_ERR;
    }
    return CB_OK;
}

/* The exit code for a parse that did not return CB_OK. */
static int kbParseExit(int rc) { return rc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE; }

/* What Slack or Discord cannot show as written in an answer or a
 * redirect's reply: warnings at the line of the file. */
static void kbCheckMarkdown(const kb *k, cbDiags *d) {
    static const struct { const char *what, *msg; } says[] = {
        {"table", "a table: Slack and Discord show it as a monospace block that wraps on "
                  "phones; a list usually reads better"},
        {"image", "an image: chat platforms show it as a link, not the picture"},
        {"html", "raw HTML: every platform shows the tags as text; use Markdown"},
        {"link-text", "a link whose text is the address of another site than it goes to: "
                      "readers trust the text; make the text the real address or words"},
        {"link-url", "a link whose address is not a full http(s) address, so it is shown "
                     "as text: write it like [text](https://example.org/page)"},
        {"link-broken", "a link Markdown could not read, shown with its brackets: close its "
                        "parenthesis and leave no space in the address, like "
                        "[text](https://example.org/page)"},
        {"marks", "'**' or '__' that closes nothing, shown as typed: add the closing marks "
                  "after the words to make bold, or remove them"},
        {"fence", "a code block (```) that is never closed: everything after it is shown as "
                  "code; add a line ``` where the code ends"}};
    for (size_t i = 0; i < k->nentries + k->nredirects; i++) {
        const kbRedirect *r = i < k->nentries ? NULL : &k->redirects[i - k->nentries];
        const char *md = r ? r->reply : k->entries[i].answer;
        char *path = r ? cbSprintf("%s/redirects.yaml", k->dir) : cbStrdup(k->entries[i].path);
        int line0 = r ? r->reply_line : k->entries[i].answer_line;
        renderMdIssue v[16];
        size_t n = r && !r->reply_line ? 0 : renderMarkdownIssues(md, v, CB_ARRAY_LEN(v));
        for (size_t j = 0; j < n; j++)
            for (size_t s = 0; s < CB_ARRAY_LEN(says); s++)
                if (strcmp(v[j].what, says[s].what) == 0)
                    cbDiagAdd(d, CB_DIAG_WARNING, path, line0 + v[j].line - 1, 1, "%s",
                              says[s].msg);
        free(path);
    }
}

/* UTF-16 code units, as Discord counts an embed's length. */
static size_t kbUtf16Len(const char *s) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += ((*p & 0xC0) != 0x80) + ((*p & 0xF8) == 0xF0); /* 4 bytes: a surrogate pair */
    return n;
}

/* What the platforms cut: an answer longer than a Discord embed holds
 * (the renderer ends it with "..."), a question longer than Slack's
 * header (the answer's title). Warnings at the line. */
static void kbCheckLengths(const kb *k, cbDiags *d) {
    for (size_t i = 0; i < k->nentries; i++) {
        const kbEntry *e = &k->entries[i];
        char *md = renderMarkdownToDiscord(e->answer);
        size_t n = kbUtf16Len(md);
        free(md);
        if (n > RENDER_DISCORD_DESC_MAX)
            cbDiagAdd(d, CB_DIAG_WARNING, e->path, e->answer_line, 1,
                      "the answer is %zu characters on Discord, which shows %d and cuts the rest: "
                      "shorten it, or split it into two entries",
                      n, RENDER_DISCORD_DESC_MAX);
        n = kbUtf16Len(e->question);
        if (n > RENDER_SLACK_HEADER_MAX)
            cbDiagAdd(d, CB_DIAG_WARNING, e->path, e->question_line, 1,
                      "the question is %zu characters; it is the answer's title, and Slack "
                      "shows %d: shorten it (other wordings go in 'alternates')",
                      n, RENDER_SLACK_HEADER_MAX);
    }
}

/* "checking links: 12/40" rewritten in place on a terminal. */
static void kbProgress(size_t done, size_t total, void *ud) {
    (void)ud;
    fprintf(stderr, "\rchecking links: %zu/%zu", done, total);
    if (done == total) fputs("\r\033[K", stderr); /* done: clear the line */
    fflush(stderr);
}

static void kbCheckLinksCmd(const kb *k, const kbArgs *a, cbDiags *d, kbLinkStats *st) {
    kbLinkOpts lo;
    kbLinkOptsDefault(&lo);
    if (a->timeout_s > 0) {
        lo.timeout_ms = (long)(a->timeout_s * 1000);
        if (lo.connect_timeout_ms > lo.timeout_ms) lo.connect_timeout_ms = lo.timeout_ms;
    }
    lo.exclude = a->exclude;
    lo.nexclude = a->nexclude;
    if (isatty(fileno(stderr))) lo.progress = kbProgress; /* not when piped */
    kbCheckLinks(k, &lo, d, st);
    cbDiagsSort(d);
}

static int kbCmdCheck(int argc, char **argv) {
    kbArgs a;
    int prc = kbParseArgs(&checkSpec, argc, argv, &a);
    if (prc != CB_OK) return kbParseExit(prc);
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {0};
    kb *k = kbLoadWith(cliKbDir(a.kb), &o, &d);
    if (k) {
        kbCheckMarkdown(k, &d);
        kbCheckLengths(k, &d);
        if (a.rules) kbRulesCheck(k, &d);
        cbDiagsSort(&d);
    }
    kbLinkStats st = {0};
    if (k && a.links) kbCheckLinksCmd(k, &a, &d, &st);
    cbDiagsPrint(&d, a.format ? a.format : "text", stdout);
    if (k && !d.nerrors && (!a.format || strcmp(a.format, "text") == 0)) evalPrintDoubts(k, 10);
    if (!k && a.links) fprintf(stderr, "careerbot kb check: links not checked; fix the errors first\n");
    if (k && a.links)
        printf("links: %zu checked, %zu ok, %zu dead, %zu slow, %zu not checkable (403/429), "
               "%zu excluded\n",
               st.checked, st.ok, st.dead, st.slow, st.warned, st.excluded);
    printf("%zu entr%s in %zu topic%s: %zu error%s, %zu warning%s\n", o.nentries,
           o.nentries == 1 ? "y" : "ies", o.ntopics, o.ntopics == 1 ? "" : "s", d.nerrors,
           d.nerrors == 1 ? "" : "s", d.nwarnings, d.nwarnings == 1 ? "" : "s");
    int rc = d.nerrors ? CB_EXIT_FAIL : CB_EXIT_OK;
    kbFree(k);
    cbDiagsFree(&d);
    return rc;
}

static int kbCmdExport(int argc, char **argv) {
    kbArgs a;
    int prc = kbParseArgs(&exportSpec, argc, argv, &a);
    if (prc != CB_OK) return kbParseExit(prc);
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(cliKbDir(a.kb), &d);
    int rc = CB_EXIT_FAIL;
    if (!k) {
        cbDiagsPrint(&d, "text", stderr);
        fprintf(stderr, "careerbot kb export: the knowledge has errors; fix them first\n");
    } else {
        char err[CB_ERRLEN] = "matching.json or out-of-scope.txt changed while it was read; "
                              "run it again";
        char sep = !a.format ? 'j' : strcmp(a.format, "csv") == 0 ? ',' : strcmp(a.format, "tsv") == 0 ? '\t' : 'j';
        char *s = sep == 'j' ? kbExportJson(k) : kbExportCsv(k, sep, err);
        if (s) fputs(s, stdout);
        else fprintf(stderr, "careerbot kb export: %s\n", err);
        rc = s && !ferror(stdout) ? CB_EXIT_OK : CB_EXIT_FAIL;
        free(s);
    }
    kbFree(k);
    cbDiagsFree(&d);
    return rc;
}

static int kbCmdImport(int argc, char **argv) {
    kbArgs a;
    int prc = kbParseArgs(&importSpec, argc, argv, &a);
    if (prc != CB_OK) return kbParseExit(prc);
    if (!a.pos || !a.out) {
        fprintf(stderr, "careerbot kb import: needs FILE (.json, .csv or .tsv) and --out DIR\n");
        cliPrintUsage(&importSpec, stderr);
        return CB_EXIT_USAGE;
    }
    cbDiags d;
    cbDiagsInit(&d);
    char err[CB_ERRLEN];
    kbImportOpts o = {.force = a.force, .format = a.format, .base = a.base};
    int rc = kbImportWith(a.pos, a.out, &o, &d, err);
    cbDiagsPrint(&d, "text", stderr);
    if (rc != CB_OK) fprintf(stderr, "careerbot kb import: %s\n", err);
    else printf("wrote %s\n", a.out);
    cbDiagsFree(&d);
    return rc == CB_OK ? CB_EXIT_OK : CB_EXIT_FAIL;
}

static int kbCmdNew(int argc, char **argv) {
    kbArgs a;
    int prc = kbParseArgs(&newSpec, argc, argv, &a);
    if (prc != CB_OK) return kbParseExit(prc);
    if (!a.pos) {
        fprintf(stderr, "careerbot kb new: needs TOPIC/SLUG\n");
        cliPrintUsage(&newSpec, stderr);
        return CB_EXIT_USAGE;
    }
    char err[CB_ERRLEN];
    char *path = NULL;
    if (!kbNewIdValid(a.pos)) { /* a malformed argument is a usage error (2) */
        if (kbNewIdReserved(a.pos))
            fprintf(stderr, "careerbot kb new: '%s': the topic name 'examples' is reserved for "
                            "the folder of training questions; pick another topic\n", a.pos);
        else
            fprintf(stderr, "careerbot kb new: '%s' is not TOPIC/SLUG (lowercase letters, digits "
                            "and '-', e.g. frameworks/django-vs-flask)\n", a.pos);
        cliPrintUsage(&newSpec, stderr);
        return CB_EXIT_USAGE;
    }
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
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        printf("usage: careerbot kb check|eval|export|import|new [OPTIONS]\n"
               "The maintainers' commands for the knowledge files; each takes --help.\n");
        return CB_EXIT_OK;
    }
    fprintf(stderr, "careerbot kb: unknown subcommand '%s'\n", sub);
    kbUsage();
    return CB_EXIT_USAGE;
}
