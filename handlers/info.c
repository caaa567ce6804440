/* info.c - the handler's informational replies: help, the topic list, one
 * topic's questions, and error replies. Built from the current knowledge
 * so examples and lists always name entries that exist. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "handlers/hnd_int.h"

#define HND_HELP_EXAMPLES 3

void hndError(hndReply *out, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    free(out->body);
    out->kind = REPLY_ERROR;
    out->body = cbStrdup(buf);
}

static unsigned char infoFold(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return (unsigned char)(c + 32);
    if (c == '-' || c == '_') return ' ';
    return c;
}

/* s (n bytes) as names compare: lowercase, '-' and '_' as spaces, each
 * run of spaces or tabs as one, none at either end; into out (cap bytes,
 * cut there). Its length. */
static size_t infoNorm(const char *s, size_t n, char *out, size_t cap) {
    size_t o = 0;
    int space = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char c = infoFold((unsigned char)s[i]);
        if (c == ' ' || c == '\t') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < cap) out[o++] = ' ';
        space = 0;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return o;
}

/* a names the blen bytes at b (infoNorm of both equal). */
static int infoSameName(const char *a, const char *b, size_t blen) {
    if (!a) return 0;
    char x[256], y[256];
    size_t nx = infoNorm(a, strlen(a), x, sizeof x), ny = infoNorm(b, blen, y, sizeof y);
    return nx == ny && nx > 0 && memcmp(x, y, nx) == 0;
}

const kbTopic *hndFindTopic(const kb *k, const char *name, size_t len) {
    if (len == 0) return NULL;
    for (size_t i = 0; i < k->ntopics; i++)
        if (infoSameName(k->topics[i].name, name, len) ||
            infoSameName(k->topics[i].title, name, len))
            return &k->topics[i];
    return NULL;
}

void hndAppendPlain(cbBuf *b, const char *s) {
    for (; s && *s; s++) {
        if (strchr("\\`*_[]<>~|", *s)) bufAppendStr(b, "\\");
        bufAppend(b, s, 1);
    }
}

void hndAppendTopicList(const kb *k, cbBuf *b, int with_details) {
    for (size_t i = 0; i < k->ntopics; i++) {
        const kbTopic *t = &k->topics[i];
        bufAppendStr(b, "- **");
        hndAppendPlain(b, t->title ? t->title : t->name);
        bufPrintf(b, "** (`%s`)", t->name);
        if (with_details) {
            if (t->description && *t->description) {
                bufAppendStr(b, ": ");
                hndAppendPlain(b, t->description);
            }
            bufPrintf(b, " (%zu question%s)", t->nentries, t->nentries == 1 ? "" : "s");
        }
        bufAppendStr(b, "\n");
    }
}

/* The first entry of topic t (entries are sorted by id), or NULL. */
static const kbEntry *infoFirstEntry(const kb *k, const kbTopic *t) {
    for (size_t i = 0; i < k->nentries; i++)
        if (strcmp(k->entries[i].topic, t->name) == 0) return &k->entries[i];
    return NULL;
}

void hndHelp(const hndContext *ctx, hndReply *out, replyKind kind) {
    const kb *k = ctx->k->kb;
    cbBuf b;
    bufInit(&b, HND_BODY_MAX);
    bufPrintf(&b,
              "I answer Python developers' career questions from a knowledge base curated "
              "by people (%zu answers in %zu topics), and every answer shows its sources.\n\n",
              k->nentries, k->ntopics);
    size_t shown = 0;
    for (size_t i = 0; i < k->ntopics && shown < HND_HELP_EXAMPLES; i++) {
        const kbEntry *e = infoFirstEntry(k, &k->topics[i]);
        if (!e) continue;
        if (shown++ == 0) bufAppendStr(&b, "**Try asking:**\n");
        bufAppendStr(&b, "- ");
        hndAppendPlain(&b, e->question);
        bufAppendStr(&b, "\n");
    }
    if (shown) bufAppendStr(&b, "\n");
    bufAppendStr(&b, "**Commands:**\n"
                     "- `topics`: the topics I know about\n"
                     "- `topic NAME`: the questions in one topic\n");
    if (!ctx->chat) bufAppendStr(&b, "- `show ID`: one answer, by its id\n");
    bufAppendStr(&b, "- `TOPIC: QUESTION`: search one topic only\n"
                     "- `help`: this message\n");
    replyFree(out);
    out->kind = kind;
    out->title = cbStrdup("What I can do");
    out->body = bufDetach(&b);
}

void hndTopics(const hndContext *ctx, hndReply *out) {
    cbBuf b;
    bufInit(&b, HND_BODY_MAX);
    hndAppendTopicList(ctx->k->kb, &b, 1);
    bufAppendStr(&b, "\nType `topic NAME` to see a topic's questions, or just ask me.\n");
    replyFree(out);
    out->kind = REPLY_INFO;
    out->title = cbStrdup("Topics");
    out->body = bufDetach(&b);
}

void hndTopicQuestions(const hndContext *ctx, const kbTopic *t, hndReply *out) {
    const kb *k = ctx->k->kb;
    cbBuf b;
    bufInit(&b, HND_BODY_MAX);
    if (t->description && *t->description) {
        hndAppendPlain(&b, t->description);
        bufAppendStr(&b, "\n\n");
    }
    size_t n = 0;
    for (size_t i = 0; i < k->nentries; i++) {
        const kbEntry *e = &k->entries[i];
        if (strcmp(e->topic, t->name) != 0) continue;
        bufAppendStr(&b, "- ");
        hndAppendPlain(&b, e->question);
        bufPrintf(&b, " (`%s`)\n", e->id);
        n++;
    }
    if (n == 0) bufAppendStr(&b, "No questions in this topic yet.\n");
    if (ctx->chat)
        bufPrintf(&b, "\nAsk me one of these, or ask `%s: your question` to search this topic "
                      "only.\n", t->name);
    else
        bufPrintf(&b, "\nType `show ID` to read one, or ask `%s: your question` to search this "
                      "topic only.\n", t->name);
    replyFree(out);
    out->kind = REPLY_INFO;
    out->title = cbStrdup(t->title ? t->title : t->name);
    out->topic = cbStrdup(t->name);
    out->body = bufDetach(&b);
}

/* The topic names closest to the unknown name (NULL when none is close). */
static const char *infoClosestTopic(const kb *k, const char *name, size_t len) {
    const char **names = cbCalloc(k->ntopics + 1, sizeof(*names));
    for (size_t i = 0; i < k->ntopics; i++) names[i] = k->topics[i].name;
    const char *best = cbClosestName(name, len, names, k->ntopics);
    free(names);
    return best;
}

void hndUnknownTopic(const hndContext *ctx, const char *name, size_t len, hndReply *out) {
    cbBuf b;
    bufInit(&b, HND_BODY_MAX);
    const char *close = infoClosestTopic(ctx->k->kb, name, len);
    if (close) bufPrintf(&b, "I don't know that topic. Did you mean `topic %s`? ", close);
    else bufAppendStr(&b, "I don't know that topic. ");
    bufAppendStr(&b, "These are the topics I know:\n\n");
    hndAppendTopicList(ctx->k->kb, &b, 0);
    bufAppendStr(&b, "\nAsk `topic NAME` with one of the names above.\n");
    replyFree(out);
    out->kind = REPLY_ERROR;
    out->body = bufDetach(&b);
}

