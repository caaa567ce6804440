/* render_terminal.c - hndReply -> text for a terminal (`careerbot ask` and
 * the console): title, the body as plain text, "did you mean" choices
 * numbered with their ids, sources (title, publisher, date, url), links,
 * related entries with ids to type `show ID` (numbered too where the reader
 * can pick by number, see RENDER_TERM_PICK), and the confidence band.
 * Every string from the kb or the user has its control characters dropped,
 * so nothing can move the cursor or retitle the terminal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "render/render.h"

#define RT_MAX (4 * 1024 * 1024) /* bytes of rendered text */
#define RT_BOLD "\x1b[1m"
#define RT_DIM "\x1b[2m"
#define RT_CYAN "\x1b[36m"
#define RT_RESET "\x1b[0m"

typedef struct rtOut {
    cbBuf b;
    int color;
    int pick; /* choices are picked by number */
} rtOut;

/* Text without control characters (tabs and line breaks become spaces). */
static void rtText(rtOut *o, const char *s) {
    while (s && *s) {
        size_t n = cbControlLen(s);
        if (*s == '\t' || *s == '\n') bufAppendStr(&o->b, " ");
        else if (!n) bufAppend(&o->b, s, 1);
        s += n ? n : 1;
    }
}

static void rtStyle(rtOut *o, const char *ansi) {
    if (o->color) bufAppendStr(&o->b, ansi);
}

static void rtHeading(rtOut *o, const char *s) {
    bufAppendStr(&o->b, "\n");
    rtStyle(o, RT_BOLD);
    bufAppendStr(&o->b, s);
    rtStyle(o, RT_RESET);
    bufAppendStr(&o->b, "\n");
}

/* "  prefix question [id]" with an optional confidence. */
static void rtRef(rtOut *o, const char *prefix, const replyRef *r, int with_conf) {
    bufPrintf(&o->b, "  %s", prefix);
    rtText(o, r->question);
    bufAppendStr(&o->b, "  ");
    rtStyle(o, RT_CYAN);
    bufAppendStr(&o->b, "[");
    rtText(o, r->id);
    bufAppendStr(&o->b, "]");
    rtStyle(o, RT_RESET);
    if (with_conf) {
        rtStyle(o, RT_DIM);
        bufPrintf(&o->b, " (%s, %.2f)", replyConfidenceBand(r->confidence), r->confidence);
        rtStyle(o, RT_RESET);
    }
    bufAppendStr(&o->b, "\n");
}

static void rtSuggestions(rtOut *o, const hndReply *r) {
    if (!r->nsuggestions) return;
    rtHeading(o, r->kind == REPLY_DID_YOU_MEAN ? "Did you mean:"
                 : r->kind == REPLY_ANSWER  ? "You also asked:"
                                            : "Maybe one of these:");
    for (size_t i = 0; i < r->nsuggestions; i++) {
        char num[32];
        snprintf(num, sizeof(num), "%zu. ", i + 1);
        rtRef(o, num, &r->suggestions[i], 1);
    }
    bufAppendStr(&o->b, o->pick ? "Type its number or `show ID` to read one.\n"
                                : "Type `show ID` to read one.\n");
}

static void rtSources(rtOut *o, const hndReply *r) {
    if (!r->nsources) return;
    rtHeading(o, "Sources:");
    for (size_t i = 0; i < r->nsources; i++) {
        const replySource *s = &r->sources[i];
        bufAppendStr(&o->b, "  \xE2\x80\xA2 "); /* • */
        rtText(o, s->title);
        if (s->publisher && *s->publisher) {
            bufAppendStr(&o->b, " \xE2\x80\x94 "); /* — */
            rtText(o, s->publisher);
        }
        if (s->date && *s->date) {
            bufAppendStr(&o->b, ", ");
            rtText(o, s->date);
        }
        if (s->url && *s->url) {
            bufAppendStr(&o->b, "\n    ");
            rtText(o, s->url);
        }
        bufAppendStr(&o->b, "\n");
    }
}

static void rtLinks(rtOut *o, const hndReply *r) {
    if (!r->nlinks) return;
    rtHeading(o, "Links:");
    for (size_t i = 0; i < r->nlinks; i++) {
        bufAppendStr(&o->b, "  \xE2\x80\xA2 ");
        rtText(o, r->links[i].title);
        bufAppendStr(&o->b, "\n    ");
        rtText(o, r->links[i].url);
        bufAppendStr(&o->b, "\n");
    }
}

static void rtRelated(rtOut *o, const hndReply *r) {
    if (!r->nrelated) return;
    rtHeading(o, o->pick ? "Related (type its number or `show ID`):" : "Related (type `show ID`):");
    for (size_t i = 0; i < r->nrelated; i++) {
        char num[32];
        snprintf(num, sizeof(num), "%zu. ", r->nsuggestions + i + 1);
        rtRef(o, o->pick ? num : "\xE2\x80\xA2 ", &r->related[i], 0);
    }
}

char *renderTerminal(const hndReply *r, unsigned flags) {
    rtOut o = {.color = (flags & RENDER_TERM_COLOR) != 0, .pick = (flags & RENDER_TERM_PICK) != 0};
    bufInit(&o.b, RT_MAX);
    if (r->title && *r->title) {
        rtStyle(&o, RT_BOLD);
        rtText(&o, r->title);
        rtStyle(&o, RT_RESET);
        bufAppendStr(&o.b, "\n");
        if (r->kind == REPLY_ANSWER) bufAppendStr(&o.b, "\n");
    }
    char *body = renderMarkdownToPlain(r->body ? r->body : "", o.color);
    bufAppendStr(&o.b, body);
    bufAppendStr(&o.b, "\n");
    free(body);
    rtSuggestions(&o, r);
    rtSources(&o, r);
    rtLinks(&o, r);
    rtRelated(&o, r);
    if (r->kind == REPLY_ANSWER) {
        bufAppendStr(&o.b, "\n");
        rtStyle(&o, RT_DIM);
        bufPrintf(&o.b, "Confidence: %s (%.2f)", replyConfidenceBand(r->confidence), r->confidence);
        if (r->entry_id) {
            bufAppendStr(&o.b, " \xC2\xB7 id: "); /* · */
            rtText(&o, r->entry_id);
        }
        rtStyle(&o, RT_RESET);
        bufAppendStr(&o.b, "\n");
    }
    return bufDetach(&o.b);
}
