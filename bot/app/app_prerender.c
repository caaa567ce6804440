/* app_prerender.c - every entry's answer rendered once per knowledge load
 * (see appPrerenderAdd in app.h), so a chat reply only splices its own
 * fields (channel, thread, ids) into a payload made in advance instead of
 * building and serializing Block Kit or embed JSON for every message.
 *
 * An answer's rendering depends on the entry (what hndShow copies), the
 * confidence band shown ("high", "medium", "low": replyConfidenceBand) and
 * the transport's way of rendering; so each way gets entries x bands
 * payloads, built from hndShow's reply with a confidence taken in each
 * band. The payloads hang on the knowledge they were rendered from
 * (knowledge.derived) and are freed with it, so a reload swaps them with
 * the knowledge and nothing can pair an entry with another knowledge's
 * payload. */
#include <stdlib.h>
#include <string.h>

#include "app/process.h"
#include "base/common.h"
#include "base/log.h"
#include "handlers/handler.h"

#define PRE_MAX_BANDS 4
#define PRE_GRID 20 /* confidences 1, 0.95 ... 0 tried to find each band */

typedef struct preWay {
    const appRenderer *how;
    char **text; /* nentries x nbands */
    size_t *len;
} preWay;

typedef struct appPre {
    size_t nentries;
    const char *band[PRE_MAX_BANDS]; /* replyConfidenceBand's strings */
    double conf[PRE_MAX_BANDS];      /* a confidence in each band */
    size_t nbands;
    preWay way[APP_MAX_RENDERERS];
    size_t nways;
} appPre;

static void preFree(void *v) {
    appPre *p = v;
    for (size_t i = 0; i < p->nways; i++) {
        for (size_t j = 0; j < p->nentries * p->nbands; j++) free(p->way[i].text[j]);
        free(p->way[i].text);
        free(p->way[i].len);
    }
    free(p);
}

/* The bands replyConfidenceBand can name, each with a confidence in it. */
static void preBands(appPre *p) {
    for (int g = PRE_GRID; g >= 0 && p->nbands < PRE_MAX_BANDS; g--) {
        double c = (double)g / PRE_GRID;
        const char *b = replyConfidenceBand(c);
        int seen = 0;
        for (size_t i = 0; i < p->nbands; i++) seen |= p->band[i] == b;
        if (seen) continue;
        p->band[p->nbands] = b;
        p->conf[p->nbands++] = c;
    }
}

static void preRenderWay(knowledge *k, appPre *p, const appRenderer *how) {
    preWay *w = &p->way[p->nways++];
    size_t n = p->nentries * p->nbands;
    *w = (preWay){.how = how, .text = cbCalloc(n ? n : 1, sizeof(char *)),
                  .len = cbCalloc(n ? n : 1, sizeof(size_t))};
    hndContext ctx = {.k = k};
    for (size_t e = 0; e < p->nentries; e++) {
        hndReply r;
        hndShow(&ctx, k->kb->entries[e].id, &r);
        for (size_t b = 0; b < p->nbands && r.kind == REPLY_ANSWER; b++) {
            r.confidence = p->conf[b];
            char *t = how->render(&r);
            w->text[e * p->nbands + b] = t;
            w->len[e * p->nbands + b] = t ? strlen(t) : 0;
        }
        replyFree(&r);
    }
}

static appPre *preOf(const knowledge *k) {
    return k && k->derived_free == preFree ? k->derived : NULL;
}

void appPrerenderBuild(cbApp *a, knowledge *k) {
    if (!k || (k->derived && k->derived_free != preFree)) return; /* someone else's */
    if (k->derived_free) k->derived_free(k->derived);
    double t0 = cbNowMs();
    appPre *p = cbCalloc(1, sizeof(*p));
    p->nentries = k->kb->nentries;
    preBands(p);
    for (size_t i = 0; i < a->nprerender; i++) preRenderWay(k, p, a->prerender[i]);
    k->derived = p;
    k->derived_free = preFree;
    if (a->nprerender)
        logEvent(LOG_DEBUG, "knowledge.prerendered", "entries=%zu ways=%zu ms=%.1f", p->nentries,
                 p->nways, cbNowMs() - t0);
}

void appPrerenderAdd(cbApp *a, const appRenderer *how) {
    for (size_t i = 0; i < a->nprerender; i++)
        if (a->prerender[i] == how) return;
    if (a->nprerender == APP_MAX_RENDERERS) return; /* those replies are rendered each time */
    a->prerender[a->nprerender++] = how;
    appPre *p = preOf(a->k);
    if (p) preRenderWay(a->k, p, how);
    else appPrerenderBuild(a, a->k);
}

const char *appPrerendered(cbApp *a, const appRenderer *how, const hndReply *r, size_t *len) {
    /* an answer with a "you also asked" choice is not the entry's usual payload */
    if (!a->k || r->kind != REPLY_ANSWER || !r->entry_id || r->nsuggestions) return NULL;
    appPre *p = preOf(a->k);
    if (!p) {
        appPrerenderBuild(a, a->k);
        if (!(p = preOf(a->k))) return NULL;
    }
    const kbEntry *e = kbFindEntry(a->k->kb, r->entry_id);
    const char *band = replyConfidenceBand(r->confidence);
    for (size_t i = 0; e && i < p->nways; i++) {
        if (p->way[i].how != how) continue;
        for (size_t b = 0; b < p->nbands; b++) {
            if (p->band[b] != band) continue;
            size_t at = (size_t)(e - a->k->kb->entries) * p->nbands + b;
            *len = p->way[i].len[at];
            return p->way[i].text[at];
        }
    }
    return NULL;
}

char *appPrerenderedWith(cbApp *a, const appRenderer *how, const hndReply *r, const char *fields) {
    size_t len = 0, flen = fields ? strlen(fields) : 0;
    const char *pre = appPrerendered(a, how, r, &len);
    if (!pre || len < 2 || pre[len - 1] != '}' || flen < 2 || fields[0] != '{') return NULL;
    if (flen == 2) return cbStrndup(pre, len); /* "{}": nothing to add */
    char *out = cbMalloc(len + flen);
    memcpy(out, pre, len - 1);
    size_t n = len - 1;
    if (pre[len - 2] != '{') out[n++] = ','; /* else the payload was "{}" */
    memcpy(out + n, fields + 1, flen - 1);
    out[n + flen - 1] = '\0';
    return out;
}
