/* slack_events.c - the Slack transport's pure decisions, kept apart from
 * the connection code so they can be unit-tested without a socket: which
 * events deserve an answer (mentions and people's DMs, never bots, our own
 * messages or edits), mention stripping, a bounded memory of recent
 * envelope/event ids against redeliveries, and the thank-you rewrite of a
 * voted message. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "platform/slack/slack.h"
#include "render/action.h"

/* ---- duplicate detection: a ring of the last SLK_SEEN_MAX ids ---- */

static unsigned long long slkHash(const char *s) { /* FNV-1a */
    unsigned long long h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void slkSeenInit(slkSeen *s) {
    memset(s, 0, sizeof(*s));
}

void slkSeenFree(slkSeen *s) {
    for (size_t i = 0; i < SLK_SEEN_MAX; i++) free(s->ids[i]);
    memset(s, 0, sizeof(*s));
}

int slkSeenCheck(slkSeen *s, const char *id) {
    if (!id || !*id) return 0;
    unsigned long long h = slkHash(id);
    for (size_t i = 0; i < SLK_SEEN_MAX; i++)
        if (s->ids[i] && s->hash[i] == h && strcmp(s->ids[i], id) == 0) return 1;
    free(s->ids[s->next]);
    s->ids[s->next] = cbStrdup(id);
    s->hash[s->next] = h;
    s->next = (s->next + 1) % SLK_SEEN_MAX;
    return 0;
}

/* ---- events ---- */

char *slkStripMention(const char *text, const char *self_user) {
    cbBuf b;
    bufInit(&b, strlen(text) + 1);
    size_t ulen = self_user ? strlen(self_user) : 0;
    for (const char *p = text; *p;) {
        if (ulen && strncmp(p, "<@", 2) == 0 && strncmp(p + 2, self_user, ulen) == 0 &&
            (p[2 + ulen] == '>' || p[2 + ulen] == '|')) {
            const char *end = strchr(p + 2 + ulen, '>');
            if (end) {
                p = end + 1;
                continue;
            }
        }
        bufAppend(&b, p, 1);
        p++;
    }
    const char *s = bufStr(&b);
    size_t start = 0, end = b.len;
    while (start < end && isspace((unsigned char)s[start])) start++;
    while (end > start && isspace((unsigned char)s[end - 1])) end--;
    char *r = cbStrndup(s + start, end - start);
    bufFree(&b);
    return r;
}

static const char *slkStr(const json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : NULL;
}

/* Why ev gets no answer, or NULL when it deserves one (out filled). */
static const char *slkRule(const json_t *ev, const char *self_user, const char *self_bot,
                           slkEvent *out) {
    const char *type = slkStr(ev, "type"), *user = slkStr(ev, "user");
    const char *bot_id = slkStr(ev, "bot_id"), *subtype = slkStr(ev, "subtype");
    out->channel = slkStr(ev, "channel");
    out->user = user;
    if (!json_is_object(ev) || !type) return "not_an_event";
    if (strcmp(type, "app_mention") != 0 && strcmp(type, "message") != 0) return "event_type";
    if ((self_bot && bot_id && strcmp(bot_id, self_bot) == 0) ||
        (self_user && user && strcmp(user, self_user) == 0))
        return "own_message";
    if (bot_id || (subtype && strcmp(subtype, "bot_message") == 0)) return "bot_message";
    if (subtype) return "subtype";
    if (!out->channel || !user || !json_is_string(json_object_get(ev, "text")))
        return "incomplete";
    if (strcmp(type, "app_mention") == 0) {
        out->kind = SLK_MENTION;
        out->thread_ts = slkStr(ev, "thread_ts") ? slkStr(ev, "thread_ts") : slkStr(ev, "ts");
        return out->thread_ts ? NULL : "incomplete";
    }
    const char *ct = slkStr(ev, "channel_type");
    if (!ct || strcmp(ct, "im") != 0) return "not_a_dm";
    out->kind = SLK_DM;
    out->thread_ts = slkStr(ev, "thread_ts");
    return NULL;
}

void slkClassifyEvent(const json_t *ev, const char *self_user, const char *self_bot,
                      slkEvent *out) {
    memset(out, 0, sizeof(*out));
    out->why = slkRule(ev, self_user, self_bot, out);
    if (out->why) {
        out->kind = SLK_IGNORE;
        return;
    }
    out->text = slkStripMention(json_string_value(json_object_get(ev, "text")), self_user);
}

void slkEventFree(slkEvent *e) {
    free(e->text);
    e->text = NULL;
}

/* ---- buttons ---- */

static int slkIsVoteButton(const json_t *el) {
    return actionIsVote(actionDecode(json_string_value(json_object_get(el, "action_id")), NULL));
}

json_t *slkThankBlocks(const json_t *blocks) {
    json_t *out = json_array();
    size_t i;
    json_t *b;
    json_array_foreach(blocks, i, b) {
        const char *type = json_string_value(json_object_get(b, "type"));
        json_t *els = json_object_get(b, "elements");
        if (!type || strcmp(type, "actions") != 0 || !json_is_array(els)) {
            json_array_append(out, b);
            continue;
        }
        json_t *keep = json_array(), *el;
        size_t j;
        json_array_foreach(els, j, el) if (!slkIsVoteButton(el)) json_array_append(keep, el);
        if (json_array_size(keep)) {
            json_t *copy = json_copy(b);
            json_object_set_new(copy, "elements", keep);
            json_array_append_new(out, copy);
        } else {
            json_decref(keep);
        }
    }
    json_array_append_new(out, json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context", "elements",
                                         "type", "mrkdwn", "text",
                                         "Thanks for the feedback \xE2\x9C\x85"));
    return out;
}
