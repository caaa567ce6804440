/* render_slack.c - hndReply -> Slack Block Kit message ({"text", "blocks"}).
 *
 * Slack limits are enforced here so a message is never rejected: section
 * text <= 3000 chars (long answers are split over several sections at
 * paragraph/line/word boundaries), <= 50 blocks per message, button text
 * <= 75 chars, header text <= 150, action_id <= 255, context elements <= 10.
 * All text that reaches Slack has & < > escaped (Slack's only control
 * characters), and links are emitted only for http(s) URLs with '|', '<',
 * '>' and spaces percent-encoded, so neither user nor kb text can inject
 * <!everyone>, <!here>, <!channel> or a user mention. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "render/action.h"
#include "render/render.h"

#define RS_SECTION_MAX 3000
#define RS_MAX_BLOCKS 50
#define RS_BUTTON_MAX 75
#define RS_HEADER_MAX RENDER_SLACK_HEADER_MAX
#define RS_ACTION_ID_MAX 255
#define RS_CONTEXT_ELEMS 10
#define RS_CONTEXT_TEXT_MAX 2000
#define RS_ACTIONS_MAX 25 /* elements per actions block */
#define RS_FALLBACK_MAX 3000
#define RS_TAIL_BLOCKS 12 /* room kept after the body for context/actions */

/* Bytes in the UTF-8 sequence that starts with c (1 for stray bytes). */
static size_t rsSeqLen(unsigned char c) {
    if (c >= 0xF0) return 4;
    if (c >= 0xE0) return 3;
    if (c >= 0xC0) return 2;
    return 1;
}

static size_t rsEscCost(char c) {
    return c == '&' ? 5 : (c == '<' || c == '>') ? 4 : 1;
}

static void rsAppendEsc(cbBuf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '&') bufAppendStr(b, "&amp;");
        else if (s[i] == '<') bufAppendStr(b, "&lt;");
        else if (s[i] == '>') bufAppendStr(b, "&gt;");
        else bufAppend(b, s + i, 1);
    }
}

/* s escaped and cut so the result has at most limit characters (counting
 * each escape as its length); a cut ends at a word boundary when one is
 * near, with an ellipsis. Caller frees. */
static char *rsEscCut(const char *s, size_t limit) {
    size_t cost = 0, i = 0, n = strlen(s), last_space = 0;
    while (i < n) {
        size_t k = rsSeqLen((unsigned char)s[i]);
        if (i + k > n) k = n - i;
        size_t c = k == 1 ? rsEscCost(s[i]) : 1;
        if (cost + c > limit) break;
        if (s[i] == ' ') last_space = i;
        cost += c;
        i += k;
    }
    cbBuf b;
    bufInit(&b, (size_t)-1 / 2);
    if (i == n) {
        rsAppendEsc(&b, s, n);
        return bufDetach(&b);
    }
    /* Cut: make room for the ellipsis (1 char), back up one character. */
    while (cost + 1 > limit && i > 0) {
        size_t j = i - 1;
        while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80) j--;
        cost -= (i - j == 1) ? rsEscCost(s[j]) : 1;
        i = j;
    }
    if (last_space > 0 && last_space < i && last_space * 4 >= i * 3) i = last_space;
    while (i > 0 && s[i - 1] == ' ') i--;
    rsAppendEsc(&b, s, i);
    bufAppendStr(&b, "\xE2\x80\xA6"); /* … */
    return bufDetach(&b);
}

static json_t *rsText(const char *type, const char *s, size_t limit) {
    char *t = rsEscCut(s ? s : "", limit);
    json_t *o = json_pack("{s:s, s:s}", "type", type, "text", *t ? t : " ");
    free(t);
    if (strcmp(type, "plain_text") == 0) json_object_set_new(o, "emoji", json_true());
    return o;
}

/* The byte position to end a chunk of at most max bytes of escaped mrkdwn
 * s (n bytes): the last paragraph break, else line break, else space, else
 * any character boundary - never inside <...> or an &entity;. */
static size_t rsSplitAt(const char *s, size_t n, size_t max) {
    if (n <= max) return n;
    size_t para = 0, line = 0, space = 0, safe = 0;
    int in_link = 0, in_ent = 0;
    for (size_t i = 0; i < max; i++) {
        char c = s[i];
        if (c == '<') in_link = 1;
        else if (c == '>') in_link = 0;
        else if (c == '&') in_ent = 1;
        else if (c == ';') in_ent = 0;
        if (in_link || in_ent) continue;
        if (((unsigned char)s[i + 1] & 0xC0) != 0x80) safe = i + 1;
        if (c == '\n' && i > 0 && s[i - 1] == '\n') para = i + 1;
        else if (c == '\n') line = i + 1;
        else if (c == ' ') space = i + 1;
    }
    size_t floor = max / 2;
    if (para > floor) return para;
    if (line > floor) return line;
    if (space > floor) return space;
    return safe ? safe : max; /* a giant link: cut anyway (still valid JSON) */
}

/* Append the body as mrkdwn sections, at most max_blocks of them. */
/* A code block split between sections is closed at the end of one and
 * opened again at the start of the next (RS_FENCE bytes each side), so
 * each section renders on its own. */
#define RS_FENCE 4 /* "\n```" or "```\n" */

static void rsBody(json_t *blocks, const char *md, size_t max_blocks) {
    char *mk = renderMarkdownToMrkdwn(md ? md : "");
    size_t n = strlen(mk), off = 0, used = 0;
    int reopen = 0; /* the last section closed a code block that goes on */
    while (off < n && used < max_blocks) {
        if (!reopen)
            while (off < n && (mk[off] == '\n' || mk[off] == ' ')) off++;
        if (off >= n) break;
        size_t room = RS_SECTION_MAX - (used + 1 == max_blocks ? 4 : 0) - 2 * RS_FENCE;
        size_t k = rsSplitAt(mk + off, n - off, room);
        int open_at_end = off + k < n && (reopen ^ renderInsideFence(mk + off, k));
        char *chunk = cbSprintf("%s%.*s%s%s", reopen ? "```\n" : "", (int)k, mk + off,
                                used + 1 == max_blocks && off + k < n ? "\xE2\x80\xA6" : "",
                                open_at_end ? "\n```" : "");
        reopen = open_at_end;
        json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section",
                                                "text", "type", "mrkdwn", "text", chunk));
        free(chunk);
        off += k;
        used++;
    }
    free(mk);
}

/* A URL safe inside <url|text>: http(s) only (NULL otherwise, so no
 * "<!everyone|x>"), with & escaped and | < > space percent-encoded. */
static char *rsSafeUrl(const char *url) {
    if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return NULL;
    cbBuf b;
    bufInit(&b, 8192);
    for (const char *p = url; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int ok;
        if (c == '&') ok = bufAppendStr(&b, "&amp;");
        else if (c == '|' || c == '<' || c == '>' || c <= 0x20 || c == 0x7F)
            ok = bufPrintf(&b, "%%%02X", c);
        else ok = bufAppend(&b, p, 1);
        if (ok != CB_OK) {
            bufFree(&b);
            return NULL;
        }
    }
    return bufDetach(&b);
}

/* "<url|title>" or the escaped title alone; caller frees. */
static char *rsLink(const char *title, const char *url, size_t title_limit) {
    char *t = rsEscCut(title && *title ? title : (url ? url : ""), title_limit);
    char *u = rsSafeUrl(url);
    char *r = u ? cbSprintf("<%s|%s>", u, t) : cbStrdup(t);
    free(t);
    free(u);
    return r;
}

static json_t *rsMrkdwnElem(const char *s) {
    return json_pack("{s:s, s:s}", "type", "mrkdwn", "text", s);
}

/* Add elem to the current context block in *ctx, opening a new block in
 * blocks when the current one has RS_CONTEXT_ELEMS elements. */
static void rsContextAdd(json_t *blocks, json_t **ctx, json_t *elem) {
    if (!*ctx || json_array_size(*ctx) >= RS_CONTEXT_ELEMS) {
        *ctx = json_array();
        json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "context", "elements", *ctx));
    }
    json_array_append_new(*ctx, elem);
}

static void rsSources(json_t *blocks, const hndReply *r) {
    json_t *ctx = NULL;
    for (size_t i = 0; i < r->nsources && i < 2 * RS_CONTEXT_ELEMS; i++) {
        const replySource *s = &r->sources[i];
        char *line = NULL;
        for (int bare = 0; bare < 2 && !line; bare++) { /* too long with the link: without */
            char *link = rsLink(s->title, bare ? NULL : s->url, 300);
            cbBuf b;
            bufInit(&b, (size_t)1 << 16);
            bufPrintf(&b, "Source: %s", link);
            free(link);
            if (s->publisher && *s->publisher) {
                char *p = rsEscCut(s->publisher, 200);
                bufPrintf(&b, " \xE2\x80\x94 %s", p); /* — */
                free(p);
            }
            if (s->date && *s->date) {
                char *d = rsEscCut(s->date, 40);
                bufPrintf(&b, ", %s", d);
                free(d);
            }
            if (bare || b.len <= RS_CONTEXT_TEXT_MAX) line = bufDetach(&b);
            else bufFree(&b);
        }
        rsContextAdd(blocks, &ctx, rsMrkdwnElem(line));
        free(line);
    }
    ctx = NULL;
    for (size_t i = 0; i < r->nlinks && i < 2 * RS_CONTEXT_ELEMS; i++) {
        char *link = rsLink(r->links[i].title, r->links[i].url, 300);
        if (strlen(link) + 11 > RS_CONTEXT_TEXT_MAX) { /* the link does not fit: its title */
            free(link);
            link = rsLink(r->links[i].title, NULL, 300);
        }
        char *t = cbSprintf("Read more: %s", link);
        rsContextAdd(blocks, &ctx, rsMrkdwnElem(t));
        free(t);
        free(link);
    }
}

/* A button, or NULL when its action_id would be too long or is already in
 * the message (Slack rejects a message with duplicate action_ids). */
static json_t *rsButton(json_t *used, const char *label, const char *action, const char *style) {
    if (!action || strlen(action) > RS_ACTION_ID_MAX || json_object_get(used, action)) return NULL;
    json_object_set_new(used, action, json_true());
    json_t *b = json_pack("{s:s, s:o, s:s, s:s}", "type", "button", "text",
                          rsText("plain_text", label, RS_BUTTON_MAX), "action_id", action,
                          "value", action);
    if (style) json_object_set_new(b, "style", json_string(style));
    return b;
}

/* Append an actions block holding elems (if any); takes the reference. */
static void rsActions(json_t *blocks, json_t *elems) {
    if (json_array_size(elems) == 0) {
        json_decref(elems);
        return;
    }
    json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "actions", "elements", elems));
}

/* "show:<id>" buttons for refs; a new array (possibly empty). */
static json_t *rsRefButtons(json_t *used, const replyRef *refs, size_t n) {
    json_t *elems = json_array();
    for (size_t i = 0; i < n && json_array_size(elems) < RS_ACTIONS_MAX; i++) {
        if (!refs[i].id) continue;
        char *action = actionEncode(ACTION_SHOW, refs[i].id);
        json_t *b = rsButton(used, refs[i].question ? refs[i].question : refs[i].id, action, NULL);
        if (b) json_array_append_new(elems, b);
        free(action);
    }
    return elems;
}

static void rsFeedback(json_t *blocks, json_t *used, const hndReply *r, const renderOpts *o) {
    if (!r->entry_id) return;
    json_t *elems = json_array();
    struct { const char *label, *style; int on; actionKind kind; } btn[] = {
        {"Full answer", "primary", renderSummaryFirst(r, o), ACTION_FULL},
        {"\xF0\x9F\x91\x8D Helpful", NULL, o->show_votes, ACTION_VOTE_UP},
        {"\xF0\x9F\x91\x8E Not helpful", NULL, o->show_votes, ACTION_VOTE_DOWN},
        {"Share in channel", "primary", o->show_share, ACTION_SHARE},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(btn); i++) {
        if (!btn[i].on) continue;
        char *action = actionEncode(btn[i].kind, r->entry_id);
        json_t *b = rsButton(used, btn[i].label, action, btn[i].style);
        if (b) json_array_append_new(elems, b);
        free(action);
    }
    rsActions(blocks, elems);
}

/* "Ask a mentor" (anonymous) and "... (show my name)" for a hand-off. */
static void rsMentor(json_t *blocks, const renderOpts *o) {
    if (o->mentor_token) json_array_append_new(blocks, renderSlackMentorButtons(o->mentor_token));
}

/* The summary as the whole body: one section (<= 40 words fits). */
static void rsSummary(json_t *blocks, const hndReply *r) {
    char *mk = renderTextToMrkdwn(r->summary);
    char *t = cbStrndup(mk, rsSplitAt(mk, strlen(mk), RS_SECTION_MAX));
    json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text",
                                            "type", "mrkdwn", "text", t));
    free(t);
    free(mk);
}

/* The plain-text notification fallback (escaped: Slack parses it too). */
static char *rsFallback(const hndReply *r, int summary) {
    char *plain = summary ? cbStrdup(r->summary) : renderMarkdownToPlain(r->body ? r->body : "", 0);
    char *joined = r->title && *r->title ? cbSprintf("%s\n%s", r->title, plain) : cbStrdup(plain);
    char *t = rsEscCut(joined, RS_FALLBACK_MAX);
    free(plain);
    free(joined);
    return t;
}

json_t *renderSlack(const hndReply *r, const renderOpts *o) {
    static const renderOpts none = {0};
    if (!o) o = &none;
    int summary = renderSummaryFirst(r, o);
    json_t *blocks = json_array(), *used = json_object();
    if (r->title && *r->title)
        json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "header", "text",
                                                rsText("plain_text", r->title, RS_HEADER_MAX)));
    if (summary) rsSummary(blocks, r);
    else rsBody(blocks, r->body, RS_MAX_BLOCKS - RS_TAIL_BLOCKS - json_array_size(blocks));
    if (json_array_size(blocks) == 0) /* Slack rejects a message without blocks */
        json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section", "text",
                                                rsText("mrkdwn", "\xE2\x80\xA6", 10)));
    rsActions(blocks, rsRefButtons(used, r->suggestions, r->nsuggestions));
    if (!summary) rsSources(blocks, r); /* with the full answer */
    if (r->kind == REPLY_ANSWER) {
        char *band = cbSprintf("Confidence: *%s*", replyConfidenceBand(r->confidence));
        json_array_append_new(blocks, json_pack("{s:s, s:[o]}", "type", "context", "elements",
                                                rsMrkdwnElem(band)));
        free(band);
    }
    json_t *related = summary ? json_array() : rsRefButtons(used, r->related, r->nrelated);
    if (json_array_size(related))
        json_array_append_new(blocks, json_pack("{s:s, s:[o]}", "type", "context", "elements",
                                                rsMrkdwnElem("Related questions:")));
    rsActions(blocks, related);
    rsFeedback(blocks, used, r, o);
    rsMentor(blocks, o);
    json_decref(used);
    while (json_array_size(blocks) > RS_MAX_BLOCKS) /* unreachable by construction */
        json_array_remove(blocks, json_array_size(blocks) - 1);
    char *fallback = rsFallback(r, summary);
    json_t *msg = json_pack("{s:s, s:o}", "text", *fallback ? fallback : " ", "blocks", blocks);
    free(fallback);
    if (o->ephemeral) json_object_set_new(msg, "response_type", json_string("ephemeral"));
    return msg;
}
