/* cmd_ask.c - `careerbot ask [--kb DIR] [--json] [--top N] [--threshold F]
 * [QUESTION...]`: answer one question (the words after the options), or one
 * per stdin line, without any chat platform. Text mode prints what the
 * console would show; --json prints exactly one line per question, a shape
 * other tools (eval scripts) parse:
 *   {"query": ..., "answered": bool, "outcome": ..., ["redirect": SECTION,]
 *    ["also_asked": ID,] "results": [{"id", "score", "confidence"}, ...]}
 * ("also_asked": an answered message's other question's entry)
 * Stdin lines are read with a hard limit (ASK_MAX_LINE); longer lines are
 * cut there (the handler then refuses them as too long) and the rest of
 * the line is skipped, so a huge paste cannot exhaust memory. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/config.h"
#include "base/buf.h"
#include "base/redact.h"
#include "cli/cli.h"
#include "base/common.h"
#include "cli/cliopt.h"
#include "handlers/handler.h"
#include "render/render.h"
#include "render/wrap.h"

#define ASK_MAX_LINE (4 * 1024 * 1024) /* bytes kept of one stdin line */
#define ASK_DEFAULT_TOP 5

typedef struct askOpts {
    const char *kb_dir;
    int json;
    size_t top;
    double threshold; /* < 0: the engine's default */
    int qarg;         /* argv index of the first question word, 0 if none */
} askOpts;

typedef struct askCtx {
    const knowledge *k;
    const askOpts *o;
    int color;
    size_t width; /* wrap to this many columns (0: do not) */
} askCtx;

static const cliOpt askOpts_[] = {
    {"kb", "DIR", "knowledge directory (default: $CAREERBOT_KB or ./knowledge)"},
    {"json", NULL, "one JSON line per question: query, answered, outcome, results"},
    {"top", "N", "at most N ranked results in --json (default 5)"},
    {"threshold", "F", "confidence needed to answer (0-1, default: the engine's)"},
};

static const cliSpec askSpec = {
    .cmd = "ask",
    .args = "[QUESTION...]",
    .about = "Answers QUESTION, or one question per line of stdin when none is given.",
    .opts = askOpts_,
    .nopts = CB_ARRAY_LEN(askOpts_),
    .stop_at_operand = 1, /* the question's words are not options */
};

static int askOnOpt(void *ud, int i, const char *v) {
    askOpts *o = ud;
    char *end;
    if (i == 0) {
        o->kb_dir = v;
    } else if (i == 1) {
        o->json = 1;
    } else if (i == 2) {
        long n = strtol(v, &end, 10);
        if (*v == '\0' || *end || n < 1 || n > ENG_MAX_TOP) {
            fprintf(stderr, "careerbot ask: --top must be a number from 1 to %d\n", ENG_MAX_TOP);
            return CB_ERR;
        }
        o->top = (size_t)n;
    } else {
        o->threshold = strtod(v, &end);
        if (*v == '\0' || *end || !(o->threshold >= 0 && o->threshold <= 1)) {
            fprintf(stderr, "careerbot ask: --threshold must be a number from 0 to 1\n");
            return CB_ERR;
        }
    }
    return CB_OK;
}

/* CB_EXIT_OK to go on, or the exit code (usage errors: 2; --help: -1). */
static int askParse(int argc, char **argv, askOpts *o) {
    *o = (askOpts){.top = ASK_DEFAULT_TOP, .threshold = -1};
    int first;
    int rc = cliParse(&askSpec, argc, argv, askOnOpt, o, &first);
    if (rc == CLI_HELP) return -1;
    if (rc != CB_OK) return CB_EXIT_USAGE;
    o->qarg = first < argc ? first : 0;
    return CB_EXIT_OK;
}

/* s[0..len) as valid UTF-8 for JSON: invalid bytes and NULs become U+FFFD. */
static char *askUtf8(const char *s, size_t len) {
    cbBuf b;
    bufInit(&b, 3 * len + 1);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (i + k <= len && cbValidUtf8(s + i, k)) {
            bufAppend(&b, s + i, k);
            i += k;
        } else {
            bufAppendStr(&b, "\xEF\xBF\xBD");
            i++;
        }
    }
    return bufDetach(&b);
}

static double askFinite(double x) {
    return isfinite(x) ? x : 0.0; /* JSON has no NaN or infinity */
}

static void askJson(const char *q, size_t len, const hndReply *r, size_t top) {
    char *query = askUtf8(q, len);
    json_t *results = json_array();
    for (size_t i = 0; i < r->nhits && i < top; i++)
        json_array_append_new(results, json_pack("{s:s, s:f, s:f}", "id", r->hits[i].id, "score",
                                                 askFinite(r->hits[i].score), "confidence",
                                                 askFinite(r->hits[i].confidence)));
    json_t *o = json_pack("{s:s, s:b, s:s, s:o}", "query", query, "answered",
                          r->kind == REPLY_ANSWER, "outcome", replyOutcomeName(r->kind),
                          "results", results);
    free(query);
    if (r->redirect) json_object_set_new(o, "redirect", json_string(r->redirect));
    if (r->kind == REPLY_ANSWER && r->nsuggestions)
        json_object_set_new(o, "also_asked", json_string(r->suggestions[0].id));
    char *line = json_dumps(o, JSON_REAL_PRECISION(6));
    json_decref(o);
    assert(line != NULL);
    puts(line);
    free(line);
}

/* One question, scrubbed of secrets and token-shaped strings first (as the
 * bot does, app.c): neither the reply nor the JSON echo of the query shows
 * a token someone pasted. */
static void askOne(const askCtx *c, const char *raw, size_t raw_len) {
    char *q = cbMalloc(raw_len + 1);
    memcpy(q, raw, raw_len);
    q[raw_len] = '\0';
    size_t len = redactBytes(q, raw_len, NULL);
    hndContext ctx = {.k = c->k, .max_suggestions = 3, .max_hits = c->o->top};
    hndRequest req = {.platform = PLATFORM_CONSOLE, .text = q, .len = len, .user = "cli"};
    hndReply r;
    hndHandle(&ctx, &req, &r);
    if (c->o->json) {
        askJson(q, len, &r, c->o->top);
    } else {
        char *raw = renderTerminal(&r, c->color ? RENDER_TERM_COLOR : 0), *t = wrapText(raw, c->width);
        free(raw);
        fputs(t, stdout);
        free(t);
    }
    replyFree(&r);
    free(q);
    fflush(stdout);
}

/* Read one line into b (without its newline), keeping at most b->max bytes
 * and skipping the rest. 0 at end of input. */
static int askReadLine(FILE *in, cbBuf *b) {
    bufReset(b);
    int c, any = 0;
    while ((c = getc_unlocked(in)) != EOF) {
        any = 1;
        if (c == '\n') break;
        char ch = (char)c;
        if (b->len < b->max) bufAppend(b, &ch, 1);
    }
    if (b->len && b->p[b->len - 1] == '\r') b->p[--b->len] = '\0';
    return any;
}

static void askLines(const askCtx *c) {
    cbBuf line;
    bufInit(&line, ASK_MAX_LINE);
    size_t n = 0;
    while (askReadLine(stdin, &line)) {
        if (!c->o->json && n++) fputs("\n", stdout);
        askOne(c, bufStr(&line), line.len);
    }
    bufFree(&line);
}

int cmdAsk(int argc, char **argv) {
    askOpts o;
    int rc = askParse(argc, argv, &o);
    if (rc != CB_EXIT_OK) return rc < 0 ? CB_EXIT_OK : rc;
    engParams p;
    engDefaultParams(&p);
    char cache[4096];
    p.cache_dir = engCacheDir(NULL, cache, sizeof(cache));
    if (o.threshold >= 0) p.answer_threshold = o.threshold;
    if (p.suggest_threshold > p.answer_threshold) p.suggest_threshold = p.answer_threshold;
    cbDiags d;
    cbDiagsInit(&d);
    const char *dir = cliKbDir(o.kb_dir);
    kbLoadOpts lo = {.problems_on_failure = 1}; /* warnings are shown only on a failure */
    knowledge *k = knowledgeLoadWith(dir, &p, &lo, &d);
    if (!k) {
        cbDiagsPrint(&d, "text", stderr);
        fprintf(stderr, "careerbot ask: cannot load the knowledge in %s\n", dir);
        cbDiagsFree(&d);
        return CB_EXIT_FAIL;
    }
    cbDiagsFree(&d);
    cbSecrets secrets; /* the bot's own tokens are scrubbed even where no shape gives them away */
    secretsFromEnv(&secrets);
    const char *nc = getenv("NO_COLOR");
    askCtx c = {.k = k, .o = &o, .color = isatty(STDOUT_FILENO) && !(nc && *nc) && !o.json,
                .width = o.json ? 0 : wrapWidthFor(STDOUT_FILENO)};
    if (o.qarg) {
        cbBuf q;
        bufInit(&q, ASK_MAX_LINE);
        for (int i = o.qarg; i < argc; i++) {
            if (i > o.qarg) bufAppendStr(&q, " ");
            bufAppendStr(&q, argv[i]);
        }
        askOne(&c, bufStr(&q), q.len);
        bufFree(&q);
    } else {
        askLines(&c);
    }
    knowledgeFree(k);
    secretsFree(&secrets);
    return CB_EXIT_OK;
}
