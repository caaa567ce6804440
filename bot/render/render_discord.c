/* render_discord.c - an hndReply as a Discord message: one embed (title,
 * Markdown description, Sources/Links fields, confidence footer, color) and
 * button components (related questions, "did you mean" choices, votes).
 *
 * Discord rejects a message that breaks any embed or component limit, so
 * every string is measured in UTF-16 code units (what Discord counts; never
 * fewer than code points) and cut at a word boundary with an ellipsis. The
 * embed as a whole stays under 6000 units. allowed_mentions {"parse": []}
 * is always set, and "@everyone"/"@here" get a zero-width space after the
 * "@" as defence in depth. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "render/action.h"
#include "render/render.h"

#define RD_TITLE_MAX 256
#define RD_DESC_MAX RENDER_DISCORD_DESC_MAX
#define RD_FIELD_NAME_MAX 256
#define RD_FIELD_VALUE_MAX 1024
#define RD_FOOTER_MAX 2048
#define RD_TOTAL_MAX 6000
#define RD_LABEL_MAX 80
#define RD_CUSTOM_ID_MAX 100
#define RD_ROW_BUTTONS 5
#define RD_ROWS 5
#define RD_ELLIPSIS "\xE2\x80\xA6" /* U+2026, one unit */
#define RD_ZWSP "\xE2\x80\x8B"     /* U+200B */

enum { RD_STYLE_PRIMARY = 1, RD_STYLE_SECONDARY = 2, RD_STYLE_SUCCESS = 3, RD_STYLE_DANGER = 4 };

/* ---- text measuring and cutting ---- */

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t rdSeqLen(unsigned char c) {
    if (c >= 0xF0) return 4;
    if (c >= 0xE0) return 3;
    if (c >= 0xC0) return 2;
    return 1;
}

/* UTF-16 code units of valid UTF-8 s[0..n). */
static size_t rdUnits(const char *s, size_t n) {
    size_t u = 0;
    for (size_t i = 0; i < n;) {
        size_t l = rdSeqLen((unsigned char)s[i]);
        u += l == 4 ? 2 : 1;
        i += l;
    }
    return u;
}

/* Bytes of the longest prefix of s[0..n) within max units, on a character
 * boundary. */
static size_t rdPrefixBytes(const char *s, size_t n, size_t max) {
    size_t u = 0, i = 0;
    while (i < n) {
        size_t l = rdSeqLen((unsigned char)s[i]);
        size_t cu = l == 4 ? 2 : 1;
        if (u + cu > max || i + l > n) break;
        u += cu;
        i += l;
    }
    return i;
}

/* If the kept prefix ends inside a Markdown link "[text](url", move the
 * cut to before the '[' so no half link is shown. */
static size_t rdAvoidHalfLink(const char *s, size_t cut) {
    for (size_t i = cut; i > 0; i--) {
        char c = s[i - 1];
        if (c == ')' || c == '\n') return cut;
        if (c == '[') return i - 1;
    }
    return cut;
}

/* A new string: s cut to at most max units. A cut text ends on a word
 * boundary (when one is in the second half) followed by an ellipsis. */
static char *rdCut(const char *s, size_t max) {
    size_t n = strlen(s);
    if (rdUnits(s, n) <= max) return cbStrdup(s);
    if (max == 0) return cbStrdup("");
    size_t cut = rdPrefixBytes(s, n, max - 1);
    size_t word = cut;
    while (word > 0 && s[word - 1] != ' ' && s[word - 1] != '\n' && s[word - 1] != '\t') word--;
    if (word > cut / 2) cut = word;
    cut = rdAvoidHalfLink(s, cut);
    while (cut > 0 && strchr(" \t\n,;:-", s[cut - 1])) cut--;
    char *out = cbMalloc(cut + sizeof(RD_ELLIPSIS));
    memcpy(out, s, cut);
    memcpy(out + cut, RD_ELLIPSIS, sizeof(RD_ELLIPSIS));
    return out;
}

/* A copy of s that is valid UTF-8 (bad bytes become U+FFFD) and in which
 * "@everyone" and "@here" cannot ping. NULL in, "" out. */
static char *rdSafe(const char *s) {
    cbBuf b;
    bufInit(&b, (size_t)1 << 30);
    size_t n = s ? strlen(s) : 0;
    for (size_t i = 0; i < n;) {
        size_t l = rdSeqLen((unsigned char)s[i]);
        if (i + l > n || !cbValidUtf8(s + i, l) || ((unsigned char)s[i] >= 0x80 && l == 1)) {
            bufAppendStr(&b, "\xEF\xBF\xBD");
            i++;
            continue;
        }
        bufAppend(&b, s + i, l);
        if (s[i] == '@' && (strncmp(s + i + 1, "everyone", 8) == 0 || strncmp(s + i + 1, "here", 4) == 0))
            bufAppendStr(&b, RD_ZWSP);
        i += l;
    }
    return bufDetach(&b);
}

char *renderDiscordSafe(const char *s) { return rdSafe(s); }

/* rdSafe then rdCut. */
static char *rdText(const char *s, size_t max) {
    char *safe = rdSafe(s);
    char *out = rdCut(safe, max);
    free(safe);
    return out;
}

static size_t rdStrUnits(const char *s) { return rdUnits(s, strlen(s)); }

/* Knowledge text (a source's title, its publisher) as Markdown text: cut
 * first (a cut never leaves a lone backslash), then its Markdown
 * characters escaped, so "a](https://x) [b" cannot make a link of its own
 * and "*" or "__" do not format. */
static char *rdMdText(const char *s, size_t max) {
    char *t = rdText(s, max), *md = renderTextToDiscord(t);
    free(t);
    return md;
}

/* A URL as the destination of a Markdown link: parentheses and spaces
 * percent-encoded, so a ')' in it does not end the link early. */
static char *rdLinkUrl(const char *url) {
    char *safe = rdSafe(url);
    cbBuf b;
    bufInit(&b, (size_t)1 << 30);
    for (const char *p = safe; *p; p++) {
        if (*p == '(') bufAppendStr(&b, "%28");
        else if (*p == ')') bufAppendStr(&b, "%29");
        else if (*p == ' ') bufAppendStr(&b, "%20");
        else bufAppend(&b, p, 1);
    }
    free(safe);
    return bufDetach(&b);
}

/* ---- embed ---- */

static const char *rdDefaultTitle(replyKind k) {
    switch (k) {
    case REPLY_ANSWER: return "Answer";
    case REPLY_DID_YOU_MEAN: return "Did you mean\xE2\x80\xA6?";
    case REPLY_ABSTAIN: return "I don't have an answer for that yet";
    case REPLY_CHITCHAT: return NULL;
    case REPLY_INFO: return "careerbot";
    case REPLY_ERROR: return "Sorry, I can't use that";
    }
    return NULL;
}

static int rdColor(replyKind k) {
    switch (k) {
    case REPLY_ANSWER: return 0x5865F2;       /* blurple */
    case REPLY_DID_YOU_MEAN: return 0xFEE75C; /* yellow */
    case REPLY_ERROR: return 0xED4245;        /* red */
    default: return 0x99AAB5;                 /* grey */
    }
}

/* Bullet lines for sources or links, cut to fit max units with
 * "…and N more" when not all fit. titles/urls have n items. */
static char *rdList(size_t n, const char *const *titles, const char *const *urls,
                    const char *const *extra, size_t max) {
    cbBuf b;
    bufInit(&b, (size_t)1 << 24);
    for (size_t i = 0; i < n; i++) {
        char *t = rdMdText(titles[i] && *titles[i] ? titles[i] : (urls[i] ? urls[i] : "source"), 200);
        char *u = urls[i] && *urls[i] ? rdLinkUrl(urls[i]) : NULL;
        if (u && rdStrUnits(u) + 300 > max) { /* a URL the field cannot hold: the title alone */
            free(u);
            u = NULL;
        }
        char *line = u ? cbSprintf("\xE2\x80\xA2 [%s](%s)", t, u) : cbSprintf("\xE2\x80\xA2 %s", t);
        free(u);
        if (extra && extra[i] && *extra[i]) {
            char *ex = rdMdText(extra[i], 120), *with = cbSprintf("%s \xE2\x80\x94 %s", line, ex);
            free(ex);
            free(line);
            line = with;
        }
        free(t);
        char more[64];
        snprintf(more, sizeof more, "\n" RD_ELLIPSIS "and %zu more", n - i - 1);
        size_t need = rdStrUnits(line) + (b.len ? 1 : 0) + (i + 1 < n ? rdStrUnits(more) : 0);
        if (rdStrUnits(bufStr(&b)) + need > max) {
            snprintf(more, sizeof more, "%s" RD_ELLIPSIS "and %zu more", b.len ? "\n" : "", n - i);
            bufAppendStr(&b, more);
            free(line);
            break;
        }
        if (b.len) bufAppendStr(&b, "\n");
        bufAppendStr(&b, line);
        free(line);
    }
    return bufDetach(&b);
}

static char *rdSourcesText(const hndReply *r, size_t max) {
    const char **t = cbCalloc(r->nsources + 1, sizeof *t), **u = cbCalloc(r->nsources + 1, sizeof *u);
    char **ex = cbCalloc(r->nsources + 1, sizeof *ex);
    for (size_t i = 0; i < r->nsources; i++) {
        const replySource *s = &r->sources[i];
        t[i] = s->title;
        u[i] = s->url;
        if (s->publisher && s->date) ex[i] = cbSprintf("%s, %s", s->publisher, s->date);
        else if (s->publisher || s->date) ex[i] = cbStrdup(s->publisher ? s->publisher : s->date);
    }
    char *out = rdList(r->nsources, t, u, (const char *const *)ex, max);
    for (size_t i = 0; i < r->nsources; i++) free(ex[i]);
    free(ex);
    free(t);
    free(u);
    return out;
}

static char *rdLinksText(const hndReply *r, size_t max) {
    const char **t = cbCalloc(r->nlinks + 1, sizeof *t), **u = cbCalloc(r->nlinks + 1, sizeof *u);
    for (size_t i = 0; i < r->nlinks; i++) {
        t[i] = r->links[i].title;
        u[i] = r->links[i].url;
    }
    char *out = rdList(r->nlinks, t, u, NULL, max);
    free(t);
    free(u);
    return out;
}

/* Add field {name, value} to fields and return the units it used. */
static size_t rdAddField(json_t *fields, const char *name, char *value) {
    size_t used = rdStrUnits(name) + rdStrUnits(value);
    json_array_append_new(fields, json_pack("{s:s,s:s,s:b}", "name", name, "value", value,
                                            "inline", 0));
    free(value);
    return used;
}

/* Description text: the body, or for replies without one, a line that
 * says what happened (Discord rejects empty embeds). */
static const char *rdBodyOrDefault(const hndReply *r) {
    if (r->body && *r->body) return r->body;
    switch (r->kind) {
    case REPLY_DID_YOU_MEAN: return "I'm not sure what you mean. Pick one of the questions below.";
    case REPLY_ABSTAIN: return "I don't have an answer for that yet. Try `help` to see the topics.";
    case REPLY_ERROR: return "Something was wrong with that request.";
    default: return "(no text)";
    }
}

static json_t *rdEmbed(const hndReply *r, int summary) {
    json_t *e = json_object();
    size_t used = 0;
    const char *title = r->title && *r->title ? r->title : rdDefaultTitle(r->kind);
    if (title) {
        char *t = rdText(title, RD_TITLE_MAX);
        used += rdStrUnits(t);
        json_object_set_new(e, "title", json_string(t));
        free(t);
    }
    if (r->kind == REPLY_ANSWER) {
        char *f = cbSprintf("Confidence: %s", replyConfidenceBand(r->confidence));
        used += rdStrUnits(f);
        json_object_set_new(e, "footer", json_pack("{s:s}", "text", f));
        free(f);
    }
    json_t *fields = json_array(); /* with the full answer, not under a summary */
    if (r->nsources && !summary)
        used += rdAddField(fields, "Sources", rdSourcesText(r, RD_FIELD_VALUE_MAX));
    if (r->nlinks && !summary) used += rdAddField(fields, "Links", rdLinksText(r, RD_FIELD_VALUE_MAX));
    if (json_array_size(fields)) json_object_set_new(e, "fields", fields);
    else json_decref(fields);
    assert(used < RD_TOTAL_MAX - 100);
    size_t room = RD_TOTAL_MAX - used;
    char *md = summary ? renderTextToDiscord(r->summary) : renderMarkdownToDiscord(rdBodyOrDefault(r));
    size_t lim = room < RD_DESC_MAX ? room : RD_DESC_MAX;
    char *d = rdText(md, lim);
    if (renderInsideFence(d, strlen(d))) { /* cut inside a code block: close it */
        free(d);
        char *cut = rdText(md, lim - 4);
        d = renderInsideFence(cut, strlen(cut)) ? cbSprintf("%s\n```", cut) : cbStrdup(cut);
        free(cut);
    }
    free(md);
    if (!*d) {
        free(d);
        d = cbStrdup(RD_ELLIPSIS);
    }
    json_object_set_new(e, "description", json_string(d));
    free(d);
    json_object_set_new(e, "color", json_integer(rdColor(r->kind)));
    return e;
}

/* ---- components ---- */

typedef struct rdRows {
    json_t *rows;  /* array of action rows */
    json_t *row;   /* current row's components, or NULL */
    size_t nrows_max;
} rdRows;

/* 1 if a button with this custom_id is already there (Discord rejects
 * duplicates). */
static int rdHasId(const json_t *rows, const char *id) {
    size_t i, j;
    json_t *row, *btn;
    json_array_foreach(rows, i, row) {
        json_array_foreach(json_object_get(row, "components"), j, btn) {
            if (strcmp(json_string_value(json_object_get(btn, "custom_id")), id) == 0) return 1;
        }
    }
    return 0;
}

static void rdButton(rdRows *rr, int style, const char *label, actionKind kind, const char *id) {
    if (!id || !*id) return;
    char *cid = actionEncode(kind, id);
    if (strlen(cid) > RD_CUSTOM_ID_MAX || !cbValidUtf8(cid, strlen(cid)) || rdHasId(rr->rows, cid)) {
        free(cid);
        return;
    }
    if (!rr->row || json_array_size(rr->row) >= RD_ROW_BUTTONS) {
        if (json_array_size(rr->rows) >= rr->nrows_max) {
            free(cid);
            return;
        }
        rr->row = json_array();
        json_array_append_new(rr->rows, json_pack("{s:i,s:o}", "type", 1, "components", rr->row));
    }
    char *l = rdText(label && *label ? label : id, RD_LABEL_MAX);
    json_array_append_new(rr->row, json_pack("{s:i,s:i,s:s,s:s}", "type", 2, "style", style,
                                             "label", *l ? l : "?", "custom_id", cid));
    free(l);
    free(cid);
}

static json_t *rdComponents(const hndReply *r, const renderOpts *o) {
    int votes = o && o->show_votes && r->kind == REPLY_ANSWER && r->entry_id;
    int summary = renderSummaryFirst(r, o);
    const char *mentor = o ? o->mentor_token : NULL;
    size_t kept = (votes || summary ? 1 : 0) + (mentor ? 1 : 0); /* rows kept for the buttons below */
    rdRows rr = {.rows = json_array(), .row = NULL, .nrows_max = RD_ROWS - kept};
    for (size_t i = 0; i < r->nsuggestions; i++)
        rdButton(&rr, RD_STYLE_PRIMARY, r->suggestions[i].question, ACTION_SHOW, r->suggestions[i].id);
    for (size_t i = 0; !summary && i < r->nrelated; i++)
        rdButton(&rr, RD_STYLE_SECONDARY, r->related[i].question, ACTION_SHOW, r->related[i].id);
    if (votes || summary) {
        rr.row = NULL; /* "Full answer" and the votes get their own row */
        rr.nrows_max = RD_ROWS - (mentor ? 1 : 0);
        if (summary) rdButton(&rr, RD_STYLE_PRIMARY, "Full answer", ACTION_FULL, r->entry_id);
    }
    if (votes) {
        rdButton(&rr, RD_STYLE_SUCCESS, "Helpful", ACTION_VOTE_UP, r->entry_id);
        rdButton(&rr, RD_STYLE_DANGER, "Not helpful", ACTION_VOTE_DOWN, r->entry_id);
    }
    if (mentor) /* a hand-off to a human mentor: its own row */
        json_array_append_new(rr.rows, renderDiscordMentorRow(mentor));
    return rr.rows;
}

json_t *renderDiscord(const hndReply *r, const renderOpts *o) {
    json_t *msg = json_object();
    json_object_set_new(msg, "embeds", json_pack("[o]", rdEmbed(r, renderSummaryFirst(r, o))));
    json_object_set_new(msg, "components", rdComponents(r, o));
    json_object_set_new(msg, "allowed_mentions", json_pack("{s:[]}", "parse"));
    if (o && o->ephemeral) json_object_set_new(msg, "flags", json_integer(64));
    return msg;
}
