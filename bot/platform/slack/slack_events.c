/* slack_events.c - the Slack transport's pure decisions, kept apart from
 * the connection code so they can be unit-tested without a socket: which
 * events deserve an answer (mentions and people's DMs, never bots, our own
 * messages or edits), mention stripping, a time-bounded memory of
 * envelope/event ids against redeliveries, and the thank-you rewrite of a
 * voted message. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "base/hash.h"
#include "base/jsonpick.h"
#include "platform/slack/slack.h"
#include "render/action.h"

/* ---- duplicate detection: ids remembered for SLK_SEEN_TTL_MS ----
 * A ring of (64-bit hash, second) in arrival order, oldest first, indexed
 * by a chained hash table; it starts small and doubles up to SLK_SEEN_MAX.
 * Full: the oldest id is forgotten early (counted in evicted_early). A
 * 64-bit hash stands for the id: at 2^20 ids a false "seen" has a chance
 * of about 3e-8. */

struct slkSeenEnt {
    unsigned long long h;
    uint32_t sec;  /* when it was added, seconds since t0 */
    uint32_t next; /* next in its bucket: ring index + 1, 0 = end */
};

static unsigned long long slkHash(const char *s) { /* FNV-1a + a splitmix64 finish */
    unsigned long long h = cbFnv1aStr(s);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

void slkSeenInit(slkSeen *s) {
    memset(s, 0, sizeof(*s));
    s->t0 = -1;
}

void slkSeenFree(slkSeen *s) {
    free(s->ring);
    free(s->bucket);
    memset(s, 0, sizeof(*s));
}

static uint32_t *slkBucket(slkSeen *s, unsigned long long h) {
    return &s->bucket[h & (s->cap - 1)];
}

/* Forget the oldest id. */
static void slkSeenDropOldest(slkSeen *s) {
    uint32_t idx = (uint32_t)s->head + 1;
    for (uint32_t *p = slkBucket(s, s->ring[s->head].h); *p; p = &s->ring[*p - 1].next)
        if (*p == idx) {
            *p = s->ring[s->head].next;
            break;
        }
    s->head = (s->head + 1) & (s->cap - 1);
    s->n--;
}

/* Twice the room (or the first), keeping the order. */
static void slkSeenGrow(slkSeen *s) {
    size_t cap = s->cap ? s->cap * 2 : SLK_SEEN_FIRST;
    struct slkSeenEnt *ring = cbCalloc(cap, sizeof(*ring));
    uint32_t *bucket = cbCalloc(cap, sizeof(*bucket));
    for (size_t i = 0; i < s->n; i++) {
        ring[i] = s->ring[(s->head + i) & (s->cap - 1)];
        uint32_t *b = &bucket[ring[i].h & (cap - 1)];
        ring[i].next = *b;
        *b = (uint32_t)i + 1;
    }
    free(s->ring);
    free(s->bucket);
    s->ring = ring;
    s->bucket = bucket;
    s->cap = cap;
    s->head = 0;
}

static uint32_t slkSeenSec(slkSeen *s, double now_ms) {
    if (s->t0 < 0) s->t0 = now_ms;
    double d = (now_ms - s->t0) / 1000.0;
    return d > 0 ? (uint32_t)d : 0;
}

static void slkSeenExpire(slkSeen *s, uint32_t now) {
    uint32_t ttl = SLK_SEEN_TTL_MS / 1000;
    while (s->n && now - s->ring[s->head].sec > ttl) slkSeenDropOldest(s);
}

int slkSeenHas(slkSeen *s, const char *id, double now_ms) {
    if (!id || !*id || !s->n) return 0;
    slkSeenExpire(s, slkSeenSec(s, now_ms));
    unsigned long long h = slkHash(id);
    for (uint32_t i = s->n ? *slkBucket(s, h) : 0; i; i = s->ring[i - 1].next)
        if (s->ring[i - 1].h == h) return 1;
    return 0;
}

void slkSeenAdd(slkSeen *s, const char *id, double now_ms) {
    if (!id || !*id) return;
    uint32_t now = slkSeenSec(s, now_ms);
    slkSeenExpire(s, now);
    if (s->n == s->cap && s->cap < SLK_SEEN_MAX) slkSeenGrow(s);
    if (s->n == s->cap) {
        slkSeenDropOldest(s);
        s->evicted_early++;
    }
    size_t i = (s->head + s->n) & (s->cap - 1);
    unsigned long long h = slkHash(id);
    uint32_t *b = slkBucket(s, h);
    s->ring[i] = (struct slkSeenEnt){.h = h, .sec = now, .next = *b};
    *b = (uint32_t)i + 1;
    s->n++;
}

int slkSeenCheck(slkSeen *s, const char *id, double now_ms) {
    if (slkSeenHas(s, id, now_ms)) return 1;
    slkSeenAdd(s, id, now_ms);
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

/* The plain text of a Slack control sequence "<...>" (inner: what is
 * between the brackets) into b: a link's label, else its URL ("label
 * (url)" when they differ, so a relayed answer keeps it); a channel's
 * "#name"; a special mention as "@here" (the handler drops pings); a
 * user or group mention by its label when it has one, else nothing. */
/* A sequence's label as typed: Slack escapes &, < and > in it too. */
/* One of Slack's three escapes at s (n bytes left) decoded into b: the
 * bytes it took, 0 when s holds none. */
static size_t slkUnescape(cbBuf *b, const char *s, size_t n) {
    static const struct { const char *esc, *ch; } tab[] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}};
    for (size_t k = 0; k < CB_ARRAY_LEN(tab); k++) {
        size_t len = strlen(tab[k].esc);
        if (n >= len && strncmp(s, tab[k].esc, len) == 0) {
            bufAppendStr(b, tab[k].ch);
            return len;
        }
    }
    return 0;
}

static void slkLabel(cbBuf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        size_t k = slkUnescape(b, s + i, n - i);
        if (k) i += k;
        else bufAppend(b, s + i++, 1);
    }
}

static void slkPlainSeq(cbBuf *b, const char *inner, size_t n) {
    const char *bar = memchr(inner, '|', n);
    size_t head = bar ? (size_t)(bar - inner) : n;
    const char *label = bar ? bar + 1 : NULL;
    size_t llen = bar ? n - head - 1 : 0;
    if (inner[0] == '#') {
        if (llen) bufAppendStr(b, "#"), slkLabel(b, label, llen);
        else bufAppend(b, inner, head); /* <#C123> or <#C123|>: no name given */
    } else if (inner[0] == '!' && !label) {
        bufAppendStr(b, "@");
        bufAppend(b, inner + 1, head - 1);
    } else if (inner[0] == '@' || inner[0] == '!') {
        if (label) slkLabel(b, label, llen);
    } else if (label && (llen != head || memcmp(label, inner, head) != 0)) {
        slkLabel(b, label, llen);
        bufAppendStr(b, " (");
        bufAppend(b, inner, head);
        bufAppendStr(b, ")");
    } else {
        bufAppend(b, inner, head);
    }
}

/* 1 if "<" at p opens a control sequence (a mention, a channel, a
 * special mention or a link); Slack escapes a typed '<' as &lt;. */
static int slkSeqAt(const char *p) {
    return strchr("@#!", p[1]) || strncmp(p + 1, "http://", 7) == 0 ||
           strncmp(p + 1, "https://", 8) == 0 || strncmp(p + 1, "mailto:", 7) == 0;
}

char *slkPlainText(const char *text) {
    cbBuf b;
    const char *stop = text + strlen(text);
    bufInit(&b, (size_t)(stop - text) + 1);
    for (const char *p = text; *p;) {
        const char *end = *p == '<' && p[1] && slkSeqAt(p) ? strchr(p, '>') : NULL;
        size_t k;
        if (end) {
            slkPlainSeq(&b, p + 1, (size_t)(end - p - 1));
            p = end + 1;
        } else if ((k = slkUnescape(&b, p, (size_t)(stop - p))) > 0) {
            p += k;
        } else {
            bufAppend(&b, p++, 1);
        }
    }
    return bufDetach(&b);
}

/* What the transport reads of an events_api envelope; the rest of it (the
 * message's blocks, authorizations, team and app ids) is checked, not kept. */
static const jpickKey slkProfileKeys[] = {{"display_name", NULL}, {"real_name", NULL}, {NULL, NULL}};
static const jpickKey slkEventKeys[] = {
    {"type", NULL},      {"user", NULL},     {"bot_id", NULL},       {"subtype", NULL},
    {"channel", NULL},   {"text", NULL},     {"thread_ts", NULL},    {"ts", NULL},
    {"channel_type", NULL}, {"user_profile", slkProfileKeys}, {NULL, NULL}};
static const jpickKey slkPayloadKeys[] = {{"event_id", NULL}, {"event", slkEventKeys}, {NULL, NULL}};
static const jpickKey slkEnvelopeKeys[] = {{"type", NULL},          {"envelope_id", NULL},
                                           {"retry_attempt", NULL}, {"reason", NULL},
                                           {"payload", slkPayloadKeys}, {NULL, NULL}};

json_t *slkParseMessage(const char *data, size_t len, char *err) {
    json_t *m = jpickLoad(data, len, slkEnvelopeKeys, err);
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!type || strcmp(type, "events_api") == 0 || strcmp(type, "hello") == 0 ||
        strcmp(type, "disconnect") == 0)
        return m;
    json_decref(m); /* slash commands and interactions read more: all of it */
    json_error_t je;
    m = json_loadb(data, len, 0, &je);
    if (!m) cbErr(err, "%s", je.text);
    return m;
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
    const char *ct = slkStr(ev, "channel_type"), *ts = slkStr(ev, "ts");
    out->thread_ts = slkStr(ev, "thread_ts");
    if (ct && strcmp(ct, "im") != 0 && out->thread_ts && (!ts || strcmp(ts, out->thread_ts) != 0)) {
        out->kind = SLK_THREAD; /* not a question: the transport checks for a hand-off */
        return NULL;
    }
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
    char *raw = slkStripMention(json_string_value(json_object_get(ev, "text")), self_user);
    char *plain = slkPlainText(raw); /* what the user typed, as the handler and mentors read it */
    out->text = slkStripMention(plain, NULL); /* trimmed again: a mention may have led */
    free(raw);
    free(plain);
    json_t *profile = json_object_get(ev, "user_profile");
    out->name = slkStr(profile, "display_name") ? slkStr(profile, "display_name")
                                                : slkStr(profile, "real_name");
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
