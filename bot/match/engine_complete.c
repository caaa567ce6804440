/* engine_complete.c - autocomplete for Discord's /faq option (entries
 * whose question fits a partial query, the last word possibly unfinished)
 * and the normalized form of a question used to group unanswered ones in
 * the history. Both reuse the analysis of engine_query.c. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/engine_int.h"

#define COMPLETE_MAX_INPUT 512 /* Discord sends at most 100 characters */
#define COMPLETE_PREFIX_WORDS 16 /* words tried for an unfinished last word */

/* Index of the first word >= prefix in the sorted word list. */
static size_t lowerBound(const engIndex *ix, const char *prefix) {
    size_t lo = 0, hi = ix->nwords;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(ix->words[mid], prefix) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void addTerm(const engIndex *ix, uint32_t id, float mult) {
    engScratch *s = ix->scr;
    const engTerm *t = &ix->terms[id];
    for (size_t j = 0; j < t->n; j++) {
        const engPost *p = &ix->posts[t->off + j];
        if (!(s->flags[p->entry] & 1)) {
            s->flags[p->entry] = 1;
            s->acc[p->entry] = 0;
            s->touched[s->ntouched++] = p->entry;
        }
        /* the question and alternates matter most when completing */
        s->acc[p->entry] += p->impact * mult * (p->fields & ENG_F_Q ? 2.0f : 1.0f);
    }
}

static void addText(const engIndex *ix, engTerms *x, const char *s, size_t n, int fix,
                    float mult) {
    if (engAnalyze(ix, s, n, fix, x, NULL) != CB_OK) return;
    for (size_t i = 0; i < x->out.n; i++) {
        uint32_t id = engTermId(ix, txtStem(&x->out, i));
        if (id != ENG_NOTERM) addTerm(ix, id, mult);
    }
}

/* Score the partial as typed, then with its unfinished last word replaced
 * by the most frequent knowledge words it starts (so "machine lear" can
 * meet the synonym "machine learning"). */
static void completeScore(const engIndex *ix, const char *partial, size_t len, size_t cut,
                          const char *last) {
    engTerms x;
    engTermsInit(&x);
    addText(ix, &x, partial, len, 1, 1.0f);
    size_t pl = strlen(last), cand[COMPLETE_PREFIX_WORDS], nc = 0;
    uint64_t total = 0;
    for (size_t i = lowerBound(ix, last), k = 0;
         pl && i < ix->nwords && k < 4 * COMPLETE_PREFIX_WORDS &&
         strncmp(ix->words[i], last, pl) == 0;
         i++, k++) {
        uint32_t f = ix->word_freq[i];
        size_t j = nc < COMPLETE_PREFIX_WORDS ? nc++ : nc;
        while (j > 0 && ix->word_freq[cand[j - 1]] < f) {
            if (j < COMPLETE_PREFIX_WORDS) cand[j] = cand[j - 1];
            j--;
        }
        if (j < COMPLETE_PREFIX_WORDS) cand[j] = i;
    }
    for (size_t i = 0; i < nc; i++) total += ix->word_freq[cand[i]];
    char buf[COMPLETE_MAX_INPUT + TXT_MAX_TOKEN + 2];
    for (size_t i = 0; i < nc; i++) {
        size_t wl = strlen(ix->words[cand[i]]);
        memcpy(buf, partial, cut);
        memcpy(buf + cut, ix->words[cand[i]], wl);
        addText(ix, &x, buf, cut + wl, 0, (float)ix->word_freq[cand[i]] / (float)total);
    }
    engTermsFree(&x);
}

size_t engComplete(const engIndex *ix, const char *partial, size_t len, size_t max,
                   const kbEntry **out) {
    if (max == 0 || !partial) return 0;
    if (max > ENG_MAX_TOP) max = ENG_MAX_TOP;
    len = txtUtf8Cut(partial, len, COMPLETE_MAX_INPUT);
    if (!cbValidUtf8(partial, len)) return 0;
    size_t cut = len; /* the unfinished last word starts after the last space */
    while (cut > 0 && partial[cut - 1] != ' ' && partial[cut - 1] != '\t') cut--;
    char last[TXT_MAX_TOKEN + 1] = "";
    char *norm;
    size_t nl;
    if (cut < len && txtNormalize(partial + cut, len - cut, &norm, &nl, NULL) == CB_OK) {
        nl = txtUtf8Cut(norm, nl, TXT_MAX_TOKEN);
        memcpy(last, norm, nl);
        last[nl] = '\0';
        free(norm);
    }
    uint32_t best[ENG_MAX_TOP];
    pthread_mutex_lock(&ix->scr->mu);
    ix->scr->ntouched = 0;
    completeScore(ix, partial, len, cut, last);
    size_t n = engSelectTop(ix->scr, max, best);
    for (size_t i = 0; i < ix->scr->ntouched; i++) ix->scr->flags[ix->scr->touched[i]] = 0;
    pthread_mutex_unlock(&ix->scr->mu);
    for (size_t i = 0; i < n; i++) out[i] = &ix->k->entries[best[i]];
    if (n == 0 && cut == 0 && len == 0) /* nothing typed yet: the first entries */
        for (; n < max && n < ix->k->nentries; n++) out[n] = &ix->k->entries[n];
    return n;
}

char *engCanonJoin(const engIndex *ix, const txtToks *t) {
    engTerms x;
    engTermsInit(&x);
    engCanon(ix, t, NULL, &x);
    size_t cap = 1;
    for (size_t i = 0; i < x.out.n; i++) cap += strlen(txtStem(&x.out, i)) + 1;
    char *s = cbMalloc(cap), *p = s;
    for (size_t i = 0; i < x.out.n; i++) {
        size_t l = strlen(txtStem(&x.out, i));
        if (i) *p++ = ' ';
        memcpy(p, txtStem(&x.out, i), l);
        p += l;
    }
    *p = '\0';
    engTermsFree(&x);
    return s;
}

char *engNormalize(const engIndex *ix, const char *text, size_t len) {
    if (!text) return NULL;
    len = txtUtf8Cut(text, len, ENG_MAX_QUERY);
    engTerms x;
    engTermsInit(&x);
    pthread_mutex_lock(&ix->scr->mu); /* the analyzer is shared */
    int rc = engAnalyze(ix, text, len, 0, &x, NULL);
    char *s = rc == CB_OK ? engCanonJoin(ix, &x.t) : NULL;
    pthread_mutex_unlock(&ix->scr->mu);
    engTermsFree(&x);
    return s;
}
