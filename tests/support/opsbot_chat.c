/* opsbot_chat.c - the operations tests' conversation helpers (see
 * opsbot.h): mentions sent through the fakes, the replies the bot made as
 * the fakes logged them, and knowledge edits in the bot's private copy. */
#include "opsbot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPS_POLL_MS 20

static const char *opsS(const json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

static int opsEq(const char *a, const char *b) {
    return a && b && strcmp(a, b) == 0;
}

/* ---- Slack ---- */

int opsSlackMention(opsBot *b, const char *text, const char *channel, char *ts, size_t tslen) {
    json_t *q = json_pack("{s:s, s:s, s:s}", "cmd", "mention", "text", text, "channel", channel);
    char *body = json_dumps(q, JSON_COMPACT);
    json_decref(q);
    json_t *r = opsCmd(&b->slack, "%s", body ? body : "{}");
    free(body);
    const char *got = opsS(r, "ts");
    int rc = got ? 0 : -1;
    snprintf(ts, tslen, "%s", got ? got : "");
    json_decref(r);
    return rc;
}

/* Index in the log of the nth accepted chat.postMessage in thread ts, or -1. */
static long opsSlackPostIndex(opsFake *f, const char *ts, size_t nth) {
    size_t i;
    json_t *e;
    json_array_foreach(f->log, i, e) {
        const json_t *pb = json_object_get(e, "body");
        if (!opsEq(opsS(e, "kind"), "post") || !opsEq(opsS(pb, "method"), "chat.postMessage") ||
            !opsEq(opsS(pb, "thread_ts"), ts))
            continue;
        if (nth-- == 0) return (long)i;
    }
    return -1;
}

size_t opsSlackReplies(opsBot *b, const char *ts) {
    opsFetchLog(&b->slack);
    size_t n = 0;
    while (opsSlackPostIndex(&b->slack, ts, n) >= 0) n++;
    return n;
}

/* The request body that produced the post at index at (JSON text). */
static char *opsSlackRequestBefore(opsFake *f, long at, const char *ts) {
    for (long j = at; j-- > 0;) {
        json_t *h = json_array_get(f->log, (size_t)j);
        const json_t *hb = json_object_get(h, "body");
        if (opsEq(opsS(h, "kind"), "http") && opsEq(opsS(h, "path"), "/api/chat.postMessage") &&
            opsEq(opsS(hb, "thread_ts"), ts))
            return json_dumps(hb, JSON_COMPACT);
    }
    return NULL;
}

char *opsSlackWaitReply(opsBot *b, const char *ts, double ms) {
    double end = opsNow() + ms;
    do {
        opsFetchLog(&b->slack);
        long at = opsSlackPostIndex(&b->slack, ts, 0);
        if (at >= 0) return opsSlackRequestBefore(&b->slack, at, ts);
        opsSleep(OPS_POLL_MS);
    } while (opsNow() < end);
    return NULL;
}

int opsSlackReplyTs(opsBot *b, const char *ts, char *out, size_t n) {
    opsFetchLog(&b->slack);
    long at = opsSlackPostIndex(&b->slack, ts, 0);
    if (at < 0) return 0;
    const char *rts = opsS(json_object_get(json_array_get(b->slack.log, (size_t)at), "body"), "ts");
    snprintf(out, n, "%s", rts ? rts : "");
    return rts != NULL;
}

/* ---- Discord ---- */

void opsDiscordMention(opsBot *b, const char *id, const char *question) {
    char content[512];
    snprintf(content, sizeof(content), "<@%s> %s", OPS_DISCORD_BOT, question);
    json_t *q = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "cmd", "message", "id", id, "channel_id",
                          OPS_CHANNEL, "guild_id", OPS_GUILD, "content", content, "mention", 1);
    char *body = json_dumps(q, JSON_COMPACT);
    json_decref(q);
    json_decref(opsCmd(&b->discord, "%s", body ? body : "{}"));
    free(body);
}

size_t opsDiscordReplies(opsBot *b, const char *id, char **last) {
    opsFetchLog(&b->discord);
    if (last) *last = NULL;
    size_t n = 0, i;
    json_t *e;
    json_array_foreach(b->discord.log, i, e) {
        const json_t *body = json_object_get(e, "body");
        const json_t *ref = json_object_get(body, "message_reference");
        if (!opsEq(opsS(e, "kind"), "http") || !opsEq(opsS(e, "method"), "POST") ||
            !opsS(e, "path") || !strstr(opsS(e, "path"), "/channels/" OPS_CHANNEL "/messages") ||
            !opsEq(opsS(ref, "message_id"), id))
            continue;
        n++;
        if (last) {
            free(*last);
            *last = json_dumps(body, JSON_COMPACT);
        }
    }
    return n;
}

char *opsDiscordWaitReply(opsBot *b, const char *id, size_t n, double ms) {
    double end = opsNow() + ms;
    do {
        char *last = NULL;
        if (opsDiscordReplies(b, id, &last) >= n) return last;
        free(last);
        opsSleep(OPS_POLL_MS);
    } while (opsNow() < end);
    return NULL;
}

/* ---- knowledge edits ---- */

int opsWriteKb(opsBot *b, const char *rel, const char *text) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", b->kb, rel);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) == 0 ? rc : -1;
}

int opsRewriteAnswer(opsBot *b, const char *rel, const char *body) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", b->kb, rel);
    char *s = tpReadFile(path);
    char *second = strlen(s) > 3 ? strstr(s + 3, "\n---\n") : NULL;
    if (!second) {
        free(s);
        return -1;
    }
    second[5] = '\0';
    size_t n = strlen(s) + strlen(body) + 2;
    char *out = malloc(n);
    if (!out) {
        free(s);
        return -1;
    }
    snprintf(out, n, "%s%s\n", s, body);
    int rc = opsWriteKb(b, rel, out);
    free(out);
    free(s);
    return rc;
}
