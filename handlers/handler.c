/* handler.c - decides what to answer (see handler.h): validates the input,
 * recognises commands, chit-chat and a "TOPIC:" filter, otherwise asks the
 * engine and turns its outcome into a platform-neutral reply. Every string
 * put in the reply is a copy, so a knowledge reload right after hndHandle
 * returns cannot leave the reply pointing into a freed kb. */
#include "handlers/handler.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "handlers/hnd_int.h"

#define HND_DEFAULT_HITS 10
#define HND_MAX_SHOW_ID 256
#define HND_TOPIC_PREFIX_MAX 80 /* "TOPIC:" prefixes longer than this are not topics */

static int hndSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char *hndTrim(const char *s, size_t *len) {
    size_t n = *len;
    while (n && hndSpace(*s)) s++, n--;
    while (n && hndSpace(s[n - 1])) n--;
    *len = n;
    return s;
}

static size_t hndMaxSuggestions(const hndContext *ctx) {
    size_t n = ctx->max_suggestions ? ctx->max_suggestions : 3;
    return n < ENG_MAX_TOP ? n : ENG_MAX_TOP;
}

static size_t hndMaxHits(const hndContext *ctx) {
    size_t n = ctx->max_hits ? ctx->max_hits : HND_DEFAULT_HITS;
    return n < ENG_MAX_TOP ? n : ENG_MAX_TOP;
}

static double hndFloor(const hndContext *ctx) {
    if (ctx->suggest_floor > 0) return ctx->suggest_floor;
    return engSuggestThreshold(ctx->k->ix) / 2; /* the knowledge's matching.json */
}

static void hndCopyEntry(const kb *k, const kbEntry *e, hndReply *out) {
    out->kind = REPLY_ANSWER;
    out->entry_id = cbStrdup(e->id);
    out->title = cbStrdup(e->question);
    out->summary = cbStrdup(e->summary);
    out->body = cbStrdup(e->answer);
    out->sources = cbCalloc(e->nsources, sizeof(*out->sources));
    for (size_t i = 0; i < e->nsources; i++) {
        const kbSource *s = &e->sources[i];
        out->sources[i] = (replySource){cbStrdup(s->title), cbStrdup(s->url),
                                        cbStrdup(s->publisher), cbStrdup(s->date)};
    }
    out->nsources = e->nsources;
    out->links = cbCalloc(e->nlinks, sizeof(*out->links));
    for (size_t i = 0; i < e->nlinks; i++)
        out->links[i] = (replyLink){cbStrdup(e->links[i].title), cbStrdup(e->links[i].url)};
    out->nlinks = e->nlinks;
    out->related = cbCalloc(e->related.n, sizeof(*out->related));
    for (size_t i = 0; i < e->related.n; i++) {
        const kbEntry *r = kbFindEntry(k, e->related.v[i]);
        if (!r) continue;
        out->related[out->nrelated++] = (replyRef){cbStrdup(r->id), cbStrdup(r->question), 0};
    }
}

/* The entry a message's other question asks for, next to the answer (a
 * choice, one click away), and not again among the related ones. */
static void hndAlsoAsked(const kbEntry *e, double confidence, hndReply *out) {
    out->suggestions = cbCalloc(1, sizeof(*out->suggestions));
    out->suggestions[out->nsuggestions++] =
        (replyRef){cbStrdup(e->id), cbStrdup(e->question), confidence};
    size_t kept = 0;
    for (size_t i = 0; i < out->nrelated; i++) {
        if (strcmp(out->related[i].id, e->id) != 0) {
            out->related[kept++] = out->related[i];
            continue;
        }
        free(out->related[i].id);
        free(out->related[i].question);
    }
    out->nrelated = kept;
}

void hndShow(const hndContext *ctx, const char *given, hndReply *out) {
    replyInit(out);
    size_t len = given ? strlen(given) : 0;
    if (len > HND_MAX_SHOW_ID || !cbValidUtf8(given ? given : "", len)) {
        hndError(out, "That is not an answer id. Type `topics` to browse what I know.");
        return;
    }
    char buf[HND_MAX_SHOW_ID + 1];
    const char *id = kbIdAsWritten(given ? given : "", len, buf, sizeof(buf));
    len = strlen(id);
    const kbEntry *e = len ? kbFindEntry(ctx->k->kb, id) : NULL;
    if (!e) {
        const kb *k = ctx->k->kb;
        const char **ids = cbCalloc(k->nentries + 1, sizeof(*ids));
        for (size_t i = 0; i < k->nentries; i++) ids[i] = k->entries[i].id;
        const char *close = cbClosestName(id, len, ids, k->nentries);
        if (close)
            hndError(out, "I have no answer with that id. Did you mean `show %s`?", close);
        else
            hndError(out, "I have no answer with that id; it may have been removed or renamed. "
                          "Type `topics` to browse what I know.");
        free(ids);
        return;
    }
    hndCopyEntry(ctx->k->kb, e, out);
    out->confidence = 1.0;
    out->hits = cbCalloc(1, sizeof(*out->hits));
    out->hits[0] = (replyHit){cbStrdup(e->id), 0.0, 1.0};
    out->nhits = 1;
}

static void hndCopyHits(const hndContext *ctx, const engResult *res, hndReply *out) {
    size_t n = res->nhits < hndMaxHits(ctx) ? res->nhits : hndMaxHits(ctx);
    out->hits = cbCalloc(n, sizeof(*out->hits));
    for (size_t i = 0; i < n; i++)
        out->hits[i] = (replyHit){cbStrdup(res->hits[i].entry->id), res->hits[i].score,
                                  res->hits[i].confidence};
    out->nhits = n;
}

/* Up to max_suggestions hits at or above floor (the first hit always when
 * always_first). */
static void hndSuggest(const hndContext *ctx, const engResult *res, int always_first,
                       hndReply *out) {
    size_t max = hndMaxSuggestions(ctx);
    double floor = hndFloor(ctx);
    out->suggestions = cbCalloc(max, sizeof(*out->suggestions));
    for (size_t i = 0; i < res->nhits && out->nsuggestions < max; i++) {
        const engHit *h = &res->hits[i];
        if (h->confidence < floor && !(always_first && i == 0)) break;
        out->suggestions[out->nsuggestions++] =
            (replyRef){cbStrdup(h->entry->id), cbStrdup(h->entry->question), h->confidence};
    }
}

/* A declined question of a kind redirects.yaml knows (even when some
 * entries are close enough for "did you mean"): say where to ask instead,
 * and still offer the close entries. 1 if it was one. */
static int hndRedirect(const hndContext *ctx, const engResult *res, hndReply *out) {
    const kbRedirect *r = kbFindRedirect(ctx->k->kb, res->decline_section);
    if (!r) return 0;
    out->redirect = cbStrdup(r->section);
    cbBuf b;
    bufInit(&b, HND_BODY_MAX);
    bufAppendStr(&b, r->reply);
    if (out->nsuggestions)
        bufAppendStr(&b, "\n\nIf you meant one of the career questions below, pick it.");
    out->title = cbStrdup("Where to ask instead");
    out->body = bufDetach(&b);
    return 1;
}

static void hndAbstain(const hndContext *ctx, const engResult *res, const kbTopic *topic,
                       hndReply *out) {
    out->kind = REPLY_ABSTAIN;
    hndSuggest(ctx, res, 0, out);
    if (hndRedirect(ctx, res, out)) return;
    cbBuf b;
    bufInit(&b, HND_BODY_MAX);
    if (topic) {
        bufAppendStr(&b, "I don't know the answer to that in **");
        hndAppendPlain(&b, topic->title);
        bufAppendStr(&b, "** yet.");
    } else {
        bufAppendStr(&b, "I don't know the answer to that yet.");
    }
    if (out->nsuggestions) bufAppendStr(&b, " Maybe one of the questions below is close.");
    bufAppendStr(&b, "\n\nThese are the topics I know about:\n\n");
    hndAppendTopicList(ctx->k->kb, &b, 0);
    bufAppendStr(&b, "\nTry `topics` for details, or rephrase your question.\n");
    out->title = cbStrdup("I don't know that one");
    out->body = bufDetach(&b);
}

static void hndQuestion(const hndContext *ctx, const char *s, size_t len, const kbTopic *topic,
                        hndReply *out) {
    engResult res;
    char err[CB_ERRLEN];
    size_t top = hndMaxHits(ctx) > hndMaxSuggestions(ctx) ? hndMaxHits(ctx) : hndMaxSuggestions(ctx);
    if (engQueryNormalized(ctx->k->ix, s, len, topic ? topic->name : NULL, top, &res,
                           &out->normalized, err) != CB_OK) {
        hndError(out, "I couldn't read that question (%s). Please rephrase it.", err);
        return;
    }
    out->topic = topic ? cbStrdup(topic->name) : NULL;
    hndCopyHits(ctx, &res, out);
    if (res.outcome == ENG_ANSWER && res.nhits > 0) {
        hndCopyEntry(ctx->k->kb, res.hits[0].entry, out);
        out->confidence = res.hits[0].confidence;
        if (res.also_asked) hndAlsoAsked(res.also_asked, res.also_confidence, out);
    } else if (res.outcome == ENG_DID_YOU_MEAN && res.nhits > 0 &&
               !kbFindRedirect(ctx->k->kb, res.decline_section)) {
        out->kind = REPLY_DID_YOU_MEAN;
        hndSuggest(ctx, &res, 1, out);
        out->title = cbStrdup("Did you mean...");
        /* the terminal renderer adds how to pick one */
        out->body = cbStrdup(ctx->chat ? "I'm not sure I understood. Did you mean one of these? "
                                         "Pick one below, or rephrase your question."
                                       : "I'm not sure I understood. Did you mean one of these? "
                                         "Pick one, or rephrase your question.");
    } else {
        hndAbstain(ctx, &res, topic, out);
    }
}

/* The command word w (case-insensitive) at the start of s, followed by the
 * end or whitespace; sets *rest and *rlen to the trimmed remainder. */
static int hndWord(const char *s, size_t len, const char *w, const char **rest, size_t *rlen) {
    size_t n = strlen(w);
    if (len < n || strncasecmp(s, w, n) != 0 || (len > n && !hndSpace(s[n]))) return 0;
    *rlen = len - n;
    *rest = hndTrim(s + n, rlen);
    return 1;
}

static int hndHasSpace(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (hndSpace(s[i])) return 1;
    return 0;
}

/* "show" without an id: how to use it, with an id to try. */
static void hndShowUsage(const hndContext *ctx, hndReply *out) {
    const kb *k = ctx->k->kb;
    hndError(out, "`show` needs an answer id, for example `show %s`. `topic NAME` lists a "
                  "topic's questions with their ids.",
             k->nentries ? k->entries[0].id : "topic/question");
    out->kind = REPLY_INFO;
}

/* An entry id alone ("<topic>/<slug>", e.g. the value of an autocomplete
 * choice) shows that entry, as "show ID" does; 1 if it was one. */
static int hndBareId(const hndContext *ctx, const char *s, size_t len, hndReply *out) {
    if (!len || hndHasSpace(s, len) || !memchr(s, '/', len)) return 0;
    char *id = cbStrndup(s, len);
    int found = kbFindEntry(ctx->k->kb, id) != NULL;
    if (found) hndShow(ctx, id, out);
    free(id);
    return found;
}

/* Commands: help, topics, topic NAME, show ID, or an entry id alone; 1
 * when s was a command (out filled). */
static int hndCommand(const hndContext *ctx, const char *s, size_t len, hndReply *out) {
    const char *rest;
    size_t rlen;
    if (len && s[0] == '/') s++, len--;
    while (len && (s[len - 1] == '?' || s[len - 1] == '!' || s[len - 1] == '.') &&
           !hndHasSpace(s, len))
        len--; /* "help?" "topics." */
    if (hndWord(s, len, "help", &rest, &rlen) && rlen == 0) {
        hndHelp(ctx, out, REPLY_INFO);
        return 1;
    }
    if ((hndWord(s, len, "topics", &rest, &rlen) || hndWord(s, len, "topic", &rest, &rlen)) &&
        rlen == 0) {
        hndTopics(ctx, out);
        return 1;
    }
    if (hndWord(s, len, "topic", &rest, &rlen)) {
        const kbTopic *t = hndFindTopic(ctx->k->kb, rest, rlen);
        if (t) hndTopicQuestions(ctx, t, out);
        else if (rest[rlen - 1] != '?') hndUnknownTopic(ctx, rest, rlen, out);
        else return 0; /* "topic modelling jobs in python?" is a question */
        return 1;
    }
    if (hndWord(s, len, "show", &rest, &rlen) && rlen == 0) {
        hndShowUsage(ctx, out);
        return 1;
    }
    if (hndWord(s, len, "show", &rest, &rlen) && !hndHasSpace(rest, rlen)) {
        char *id = cbStrndup(rest, rlen);
        int is_id = memchr(rest, '/', rlen) || kbFindEntry(ctx->k->kb, id);
        if (is_id) hndShow(ctx, id, out);
        free(id);
        return is_id;
    }
    return hndBareId(ctx, s, len, out);
}

/* "TOPIC: QUESTION" with a known topic: the topic, question in *q and *qlen. */
static const kbTopic *hndTopicPrefix(const hndContext *ctx, const char *s, size_t len,
                                     const char **q, size_t *qlen) {
    size_t lim = len < HND_TOPIC_PREFIX_MAX ? len : HND_TOPIC_PREFIX_MAX;
    const char *colon = memchr(s, ':', lim);
    if (!colon) return NULL;
    size_t plen = (size_t)(colon - s);
    const char *p = hndTrim(s, &plen);
    const kbTopic *t = hndFindTopic(ctx->k->kb, p, plen);
    if (!t) return NULL;
    *qlen = len - (size_t)(colon + 1 - s);
    *q = hndTrim(colon + 1, qlen);
    return t;
}

/* depth: greetings stripped so far ("hi hi hi ..." must not recurse deep). */
static void hndText(const hndContext *ctx, const char *s, size_t len, int depth, hndReply *out) {
    if (hndCommand(ctx, s, len, out)) return;
    const kbSmalltalkPhrase *chat = hndChitchat(ctx->k->kb, s, len);
    if (chat && !chat->reply) {
        hndHelp(ctx, out, REPLY_CHITCHAT);
        return;
    }
    if (chat) {
        out->kind = REPLY_CHITCHAT;
        out->body = cbStrdup(chat->reply);
        out->not_helpful = chat->not_helpful;
        return;
    }
    size_t g = depth < 2 ? hndGreetingPrefix(ctx->k->kb, s, len) : 0;
    if (g) { /* a greeting, then a question: answer the question */
        hndText(ctx, s + g, len - g, depth + 1, out);
        return;
    }
    const char *q;
    size_t qlen;
    const kbTopic *t = hndTopicPrefix(ctx, s, len, &q, &qlen);
    if (t && qlen == 0) hndTopicQuestions(ctx, t, out);
    else if (t) hndQuestion(ctx, q, qlen, t, out);
    else hndQuestion(ctx, s, len, NULL, out);
}

/* The length of a broadcast ping at s: Discord's and the console's
 * "@everyone" / "@here", Slack's "<!everyone>", "<!here>", "<!channel>"
 * (also with a "|label"). They are addressed to people, not words of the
 * question ("@everyone" alone was asked as the word "everyone"). */
static size_t hndPingAt(const char *s, size_t len) {
    static const char *const at[] = {"@everyone", "@here", "@channel"};
    for (size_t i = 0; i < CB_ARRAY_LEN(at); i++) {
        size_t n = strlen(at[i]);
        if (len >= n && strncasecmp(s, at[i], n) == 0 &&
            (n == len || !((unsigned char)s[n] >= 0x80 || isalnum((unsigned char)s[n]))))
            return n;
    }
    if (len < 3 || s[0] != '<' || s[1] != '!') return 0;
    const char *end = memchr(s, '>', len);
    return end && (size_t)(end - s) <= 40 ? (size_t)(end - s) + 1 : 0;
}

/* s without broadcast pings (hndPingAt) at word starts; a copy. */
static char *hndDropPings(const char *s, size_t len, size_t *out_len) {
    char *o = cbMalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t p = (i == 0 || isspace((unsigned char)s[i - 1])) ? hndPingAt(s + i, len - i) : 0;
        if (p) i += p;
        else o[n++] = s[i++];
    }
    o[n] = '\0';
    *out_len = n;
    return o;
}

void hndHandle(const hndContext *ctx, const hndRequest *req, hndReply *out) {
    replyInit(out);
    size_t len = req->text ? req->len : 0;
    const char *s = req->text ? req->text : "";
    if (len > HND_MAX_QUESTION) {
        hndError(out, "That message is too long (%zu bytes). I can read questions of up to "
                      "%d bytes; please ask a shorter question.", len, HND_MAX_QUESTION);
        return;
    }
    if (!cbValidUtf8(s, len)) {
        hndError(out, "I couldn't read that message: it is not valid UTF-8 text (or it "
                      "contains NUL bytes). Please type it again.");
        return;
    }
    char *clean = hndDropPings(s, len, &len);
    s = hndTrim(clean, &len);
    const char *rest;
    size_t rlen;
    if (hndWord(s, len, "/faq", &rest, &rlen)) s = rest, len = rlen;
    if (len == 0) {
        hndError(out, "Ask me a question about your Python career, for example *Are "
                      "bootcamps worth it?* Type `help` to see what I can do, or `topics` "
                      "for what I know about.");
        free(clean);
        return;
    }
    /* Before anything else: someone who may be in crisis gets where to
     * find help now, not career advice (knowledge/crisis.yaml). */
    const char *crisis = kbCrisisReply(ctx->k->kb, s, len);
    if (crisis) {
        out->kind = REPLY_CHITCHAT;
        out->body = cbStrdup(crisis);
        free(clean);
        return;
    }
    hndContext c = *ctx;
    c.chat = req->platform != PLATFORM_CONSOLE;
    hndText(&c, s, len, 0, out);
    free(clean);
}
