/* slack_chat.c - the fake Slack's chat.postMessage, chat.update and
 * response_url endpoints, with the checks the real Slack makes (and a few
 * it leaves to good manners): JSON body, channel, text or blocks, Block Kit
 * limits, unique action ids, unfurl_links off, and no <!everyone>, <!here>
 * or <!channel>. Every problem is logged as a "violation". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slack_fake.h"

static size_t fslChars(const char *s) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) n += (*p & 0xC0) != 0x80;
    return n;
}

static const char *fslText(const json_t *t, size_t limit, const char *what, char *buf, size_t n) {
    const char *s = json_string_value(json_object_get(t, "text"));
    if (!s || !*s) return snprintf(buf, n, "%s without text", what), buf;
    if (fslChars(s) > limit) return snprintf(buf, n, "%s text over %zu chars", what, limit), buf;
    return NULL;
}

static const char *fslButton(const json_t *b, json_t *ids, char *buf, size_t n) {
    const char *e = fslText(json_object_get(b, "text"), 75, "button", buf, n);
    if (e) return e;
    const char *id = json_string_value(json_object_get(b, "action_id"));
    if (!id || strlen(id) > 255) return "button action_id missing or over 255 chars";
    if (json_object_get(ids, id)) return snprintf(buf, n, "duplicate action_id %s", id), buf;
    json_object_set_new(ids, id, json_true());
    const char *v = json_string_value(json_object_get(b, "value"));
    if (v && strlen(v) > 2000) return "button value over 2000 chars";
    return NULL;
}

static const char *fslBlock(const json_t *b, json_t *ids, char *buf, size_t n) {
    const char *type = json_string_value(json_object_get(b, "type"));
    json_t *els = json_object_get(b, "elements"), *e;
    size_t i;
    const char *err = NULL;
    if (!type) return "block without type";
    if (strcmp(type, "header") == 0) return fslText(json_object_get(b, "text"), 150, "header", buf, n);
    if (strcmp(type, "section") == 0) return fslText(json_object_get(b, "text"), 3000, "section", buf, n);
    if (strcmp(type, "divider") == 0) return NULL;
    if (strcmp(type, "context") == 0) {
        if (json_array_size(els) < 1 || json_array_size(els) > 10) return "context with 0 or > 10 elements";
        json_array_foreach(els, i, e) if (!err) err = fslText(e, 3000, "context element", buf, n);
        return err;
    }
    if (strcmp(type, "actions") == 0) {
        if (json_array_size(els) < 1 || json_array_size(els) > 25) return "actions with 0 or > 25 elements";
        json_array_foreach(els, i, e) if (!err) err = fslButton(e, ids, buf, n);
        return err;
    }
    return snprintf(buf, n, "unexpected block type %s", type), buf;
}

const char *fslValidateMessage(const json_t *msg, char *buf, size_t buflen) {
    static const char *hostile[] = {"<!everyone>", "<!here>", "<!channel>", "<!everyone|",
                                    "<!here|", "<!channel|"};
    json_t *blocks = json_object_get(msg, "blocks"), *b;
    const char *text = json_string_value(json_object_get(msg, "text"));
    if (!json_is_object(msg)) return "message is not a JSON object";
    if ((!text || !*text) && !blocks) return "no_text: neither text nor blocks";
    if (!text || !*text) return "blocks without a text fallback";
    if (blocks && (!json_is_array(blocks) || json_array_size(blocks) > 50))
        return "blocks not an array of at most 50";
    char *all = json_dumps(msg, JSON_COMPACT);
    for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
        if (strstr(all, hostile[i])) {
            snprintf(buf, buflen, "message contains %s", hostile[i]);
            free(all);
            return buf;
        }
    free(all);
    json_t *ids = json_object();
    const char *err = NULL;
    size_t i;
    json_array_foreach(blocks, i, b) if (!err) err = fslBlock(b, ids, buf, buflen);
    json_decref(ids);
    return err;
}

/* The body as a JSON object, or NULL after logging a violation. */
static json_t *fslBody(fsServer *s, const fsRequest *req) {
    const char *ct = fsHeader(req, "content-type");
    if (!ct || strncmp(ct, "application/json", 16) != 0)
        fsLogf(s, "violation", "%s with content-type %s", req->path, ct ? ct : "(none)");
    json_t *j = json_loadb(req->body, req->body_len, 0, NULL);
    if (!json_is_object(j)) {
        fsLogf(s, "violation", "%s body is not a JSON object", req->path);
        json_decref(j);
        return NULL;
    }
    return j;
}

static void fslPostOk(fslState *st, fsServer *s, json_t *body, fsResponse *res) {
    const char *channel = json_string_value(json_object_get(body, "channel"));
    const char *thread = json_string_value(json_object_get(body, "thread_ts"));
    char ts[40];
    snprintf(ts, sizeof(ts), "1700000000.%06lu", ++st->seq);
    if (st->lean) { /* benchmark: the bot's work, not the fake's, is measured */
        fsReplyf(res, 200, "{\"ok\":true,\"channel\":\"%s\",\"ts\":\"%s\"}", channel, ts);
        fslRecordReply(st, s, thread);
        return;
    }
    json_t *m = json_pack("{s:s, s:O?, s:O?, s:s, s:s, s:s}", "type", "message", "text",
                          json_object_get(body, "text"), "blocks", json_object_get(body, "blocks"),
                          "user", FSL_BOT_USER, "bot_id", FSL_BOT_ID, "ts", ts);
    if (thread) json_object_set_new(m, "thread_ts", json_string(thread));
    json_object_set(st->messages, ts, m);
    json_t *r = json_pack("{s:b, s:s, s:s, s:O}", "ok", 1, "channel", channel, "ts", ts, "message", m);
    char *text = json_dumps(r, JSON_COMPACT);
    fsReplyJson(res, 200, text);
    free(text);
    json_decref(r);
    json_decref(m);
    fsLogf(s, "post", "{\"method\":\"chat.postMessage\",\"channel\":\"%s\",\"ts\":\"%s\",\"thread_ts\":\"%s\"}",
           channel, ts, thread ? thread : "");
    fslRecordReply(st, s, thread);
}

static void fslUpdateOk(fslState *st, fsServer *s, json_t *body, fsResponse *res) {
    const char *channel = json_string_value(json_object_get(body, "channel"));
    const char *ts = json_string_value(json_object_get(body, "ts"));
    json_t *m = ts ? json_object_get(st->messages, ts) : NULL;
    if (!m) {
        fsLogf(s, "violation", "chat.update of unknown ts %s", ts ? ts : "(none)");
        fsReplyJson(res, 200, "{\"ok\":false,\"error\":\"message_not_found\"}");
        return;
    }
    json_object_set(m, "text", json_object_get(body, "text"));
    json_object_set(m, "blocks", json_object_get(body, "blocks"));
    json_t *r = json_pack("{s:b, s:s, s:s, s:O?}", "ok", 1, "channel", channel, "ts", ts, "text",
                          json_object_get(body, "text"));
    char *text = json_dumps(r, JSON_COMPACT);
    fsReplyJson(res, 200, text);
    free(text);
    json_decref(r);
    fsLogf(s, "post", "{\"method\":\"chat.update\",\"channel\":\"%s\",\"ts\":\"%s\"}", channel, ts);
}

void fslChat(fslState *st, fsServer *s, const fsRequest *req, fsResponse *res, int post) {
    json_t *body = fslBody(s, req);
    char buf[256];
    const char *err = NULL;
    if (!body) {
        fsReplyJson(res, 200, "{\"ok\":false,\"error\":\"invalid_arguments\"}");
        return;
    }
    if (!json_string_value(json_object_get(body, "channel"))) err = "channel_not_found";
    const char *why = st->lean ? NULL : fslValidateMessage(body, buf, sizeof(buf));
    if (why) {
        fsLogf(s, "violation", "%s: %s", req->path, why);
        err = "invalid_blocks";
    }
    if (post && !json_is_false(json_object_get(body, "unfurl_links")))
        fsLogf(s, "violation", "chat.postMessage without unfurl_links: false");
    if (err) fsReplyf(res, 200, "{\"ok\":false,\"error\":\"%s\"}", err);
    else if (post) fslPostOk(st, s, body, res);
    else fslUpdateOk(st, s, body, res);
    json_decref(body);
}

void fslResponseUrl(fslState *st, fsServer *s, const fsRequest *req, fsResponse *res) {
    (void)st;
    json_t *body = fslBody(s, req);
    char buf[256];
    if (!body) {
        fsReplyJson(res, 400, "{\"ok\":false,\"error\":\"invalid_payload\"}");
        return;
    }
    const char *why = fslValidateMessage(body, buf, sizeof(buf));
    if (why) fsLogf(s, "violation", "response_url: %s", why);
    if (fsHeader(req, "authorization")) fsLogf(s, "violation", "response_url called with a token");
    fsLogf(s, "post", "{\"method\":\"response_url\",\"path\":\"%s\"}", req->path);
    fsReplyJson(res, 200, "{\"ok\":true}");
    json_decref(body);
}
