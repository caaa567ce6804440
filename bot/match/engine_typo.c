/* engine_typo.c - typo correction against the knowledge vocabulary: a
 * bounded optimal-string-alignment (Damerau) distance and a SymSpell-style
 * deletion index. Only lowercase ASCII words of 4..32 letters are
 * corrected, into knowledge words of 4 letters or more; the distance
 * allowed is 1 for 4-7 letters, 2 for 8 or more, never for 3 or fewer (too
 * many short words are one edit apart). The deletion index is built at
 * the first word that needs a correction (queries that correct hold the
 * engine's lock), so a start-up does not pay for it.
 *
 * A real English word is never a typo: "pilot" must not become "pivot",
 * nor "draw" "raw". With a word list (Debian's wamerican) such words are
 * left alone; without one, a correction must be the only candidate at its
 * distance (an ambiguous word is more likely a word we do not know). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/radix.h"
#include "match/engine_int.h"

/* The word list as the sorted 64-bit hashes of its words (searched by
 * bisection): 0.6 MB for Debian's 100,000 words where a map of the words
 * took 7.7 MB; two words sharing a hash are about 1 in 10^9 lists. */
struct engDict {
    char *path;
    int tried, has;
    uint64_t *hash;
    size_t n, cap;
    FILE *f;          /* being read (engTypoWarmStep), or NULL */
    cbRadixJob *sort; /* the hashes being sorted, or NULL */
};

struct engTypoDels {
    int built;
    size_t next; /* the next word to add (engTypoWarmStep) */
    engMulti m;
};

#define TYPO_WARM_LINES 2048 /* word-list lines read in one piece */
#define TYPO_WARM_WORDS 128  /* words' deletions added in one piece */

void engTypoInit(engTypo *t) {
    memset(t, 0, sizeof(*t));
    engMapInit(&t->words);
}

void engTypoFree(engTypo *t) {
    for (size_t i = 0; i < t->n; i++) free(t->w[i]);
    free(t->w);
    free(t->freq);
    engMapFree(&t->words);
    if (t->dels) {
        engMultiFree(&t->dels->m);
        free(t->dels);
    }
    if (t->dict) {
        if (t->dict->f) fclose(t->dict->f);
        cbRadixFree(t->dict->sort);
        free(t->dict->hash);
        free(t->dict->path);
        free(t->dict);
    }
    engTypoInit(t);
}

int engTypoMaxDist(size_t len) {
    if (len < 4 || len > ENG_TYPO_MAXLEN) return 0;
    return len >= 8 ? 2 : 1;
}

static int lowerAlpha(const char *w, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (w[i] < 'a' || w[i] > 'z') return 0;
    return n > 0;
}

void engTypoAddWord(engTypo *t, const char *w) {
    size_t n = strlen(w);
    if (n < 4 || n > ENG_TYPO_MAXLEN || !lowerAlpha(w, n)) return;
    uint32_t id = engMapPut(&t->words, w, n, (uint32_t)t->n);
    if (id < t->n) {
        t->freq[id]++;
        return;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->w = cbRealloc(t->w, t->cap * sizeof(*t->w));
        t->freq = cbRealloc(t->freq, t->cap * sizeof(*t->freq));
    }
    t->w[t->n] = cbStrndup(w, n);
    t->freq[t->n] = 1;
    t->n++;
}

/* A dictionary line as a lowercase ASCII word of 4..32 letters, or 0. */
static size_t dictWord(const char *line, char *w) {
    size_t n = 0;
    for (; line[n] && line[n] != '\n' && line[n] != '\r'; n++) {
        char ch = line[n];
        if (n >= ENG_TYPO_MAXLEN) return 0;
        if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        if (ch < 'a' || ch > 'z') return 0; /* "can't", "café": skip */
        w[n] = ch;
    }
    return n >= 4 ? n : 0;
}

void engTypoSetDict(engTypo *t, const char *path) {
    if (!path) return;
    t->dict = cbCalloc(1, sizeof(*t->dict));
    t->dict->path = cbStrdup(path);
}

static uint64_t dictHash(const char *w, size_t n) { return engHash(w, n, 11); }

/* Is w[0..n) a word of the list (read by engTypoHasDict)? */
static int dictHas(const struct engDict *d, const char *w, size_t n) {
    uint64_t h = dictHash(w, n);
    size_t lo = engKeyLowerBound(d->hash, d->n, sizeof(*d->hash), h);
    return lo < d->n && d->hash[lo] == h;
}

/* One piece of reading the word list: opened, a chunk of lines read, or
 * a chunk of the hashes sorted; 1 when it is read (or cannot be). */
static int dictPiece(struct engDict *d) {
    if (d->tried) return 1;
    if (d->sort) {
        if (!cbRadixStep(d->sort, -INFINITY)) return 0;
        cbRadixFree(d->sort);
        d->sort = NULL;
        d->has = d->tried = 1;
        return 1;
    }
    if (!d->f && !(d->f = fopen(d->path, "r"))) {
        d->tried = 1;
        return 1;
    }
    char line[256], w[ENG_TYPO_MAXLEN + 1];
    for (size_t i = 0; i < TYPO_WARM_LINES; i++) {
        if (!fgets(line, sizeof(line), d->f)) {
            fclose(d->f);
            d->f = NULL;
            d->sort = cbRadixBegin(d->hash, d->n, sizeof(*d->hash), 0);
            return 0;
        }
        size_t l = dictWord(line, w);
        if (!l) continue;
        if (d->n == d->cap) {
            d->cap = d->cap ? d->cap * 2 : 65536;
            d->hash = cbRealloc(d->hash, d->cap * sizeof(*d->hash));
        }
        d->hash[d->n++] = dictHash(w, l);
    }
    return 0;
}

int engTypoHasDict(const engTypo *t) {
    struct engDict *d = t->dict;
    if (!d) return 0;
    while (!dictPiece(d)) {
    }
    return d->has;
}

/* Add every variant of w[0..n) with up to depth letters deleted. */
static void addDeletes(engMulti *m, char *w, size_t n, int depth, uint32_t id) {
    engMultiAdd(m, engHash(w, n, 7), id);
    if (depth == 0 || n <= 1) return;
    char v[ENG_TYPO_MAXLEN + 1];
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && w[i] == w[i - 1]) continue; /* same variant as deleting w[i-1] */
        memcpy(v, w, i);
        memcpy(v + i, w + i + 1, n - i - 1);
        addDeletes(m, v, n - 1, depth - 1, id);
    }
}

void engTypoIndex(engTypo *t) {
    if (!t->dels) t->dels = cbCalloc(1, sizeof(*t->dels));
    t->indexed = 1;
}

/* One piece of the deletion index: a chunk of words' variants; 1 when
 * every word's are in. */
static int delsPiece(const engTypo *t) {
    struct engTypoDels *d = t->dels;
    size_t end = t->n - d->next > TYPO_WARM_WORDS ? d->next + TYPO_WARM_WORDS : t->n;
    for (size_t i = d->next; i < end; i++) {
        size_t n = strlen(t->w[i]);
        /* A query word of 8+ letters (distance 2) can reach words of 6+. */
        addDeletes(&d->m, t->w[i], n, n >= 6 ? 2 : 1, (uint32_t)i);
    }
    d->next = end;
    d->built = end == t->n;
    return d->built;
}

/* The deletion index of every word, built once. */
static const engMulti *typoDels(const engTypo *t) {
    while (!t->dels->built && !delsPiece(t)) {
    }
    return &t->dels->m;
}

int engWarmStep(const engIndex *ix, double deadline) {
    const engTypo *t = &ix->typo;
    if (!t->indexed) return 1;
    int done;
    pthread_mutex_lock(&ix->scr->mu); /* as engWarm: queries build under this lock */
    do {
        if (t->dict && !t->dict->tried) done = dictPiece(t->dict) && t->dels->built;
        else done = t->dels->built || delsPiece(t);
    } while (!done && cbNowMs() < deadline);
    pthread_mutex_unlock(&ix->scr->mu);
    return done;
}

size_t engTypoWarm(const engTypo *t) {
    if (!t->indexed) return 0;
    size_t n = 0;
    if (t->dict && !t->dict->tried) {
        (void)engTypoHasDict(t);
        n++;
    }
    if (!t->dels->built) {
        (void)typoDels(t);
        n++;
    }
    return n;
}

int engOsa(const char *a, size_t la, const char *b, size_t lb, int max) {
    if (la > ENG_TYPO_MAXLEN + 2 || lb > ENG_TYPO_MAXLEN + 2) return max + 1;
    if ((la > lb ? la - lb : lb - la) > (size_t)max) return max + 1;
    int d[ENG_TYPO_MAXLEN + 3][ENG_TYPO_MAXLEN + 3];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int rowmin = max + 1;
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
            if (v < rowmin) rowmin = v;
        }
        if (rowmin > max) return max + 1;
    }
    return d[la][lb] > max ? max + 1 : d[la][lb];
}

typedef struct typoSearch {
    const engTypo *t;
    const engMulti *dels;
    const char *q;
    size_t qn;
    int max;
    uint32_t best;
    int bestd;
    int ties; /* other candidates at the best distance */
} typoSearch;

/* Better: smaller distance, then more frequent, then alphabetical. */
static void typoConsider(uint32_t id, void *ud) {
    typoSearch *s = ud;
    const char *w = s->t->w[id];
    int d = engOsa(s->q, s->qn, w, strlen(w), s->max);
    if (d > s->max || d == 0) return;
    if (s->best != UINT32_MAX && id == s->best) return;
    if (s->best != UINT32_MAX) {
        if (d > s->bestd) return;
        if (d == s->bestd) {
            s->ties++;
            uint32_t fb = s->t->freq[s->best], fw = s->t->freq[id];
            if (fw < fb || (fw == fb && strcmp(w, s->t->w[s->best]) >= 0)) return;
        }
    }
    if (s->best == UINT32_MAX || d < s->bestd) s->ties = 0;
    s->best = id;
    s->bestd = d;
}

static void searchDeletes(typoSearch *s, char *w, size_t n, int depth) {
    engMultiEach(s->dels, engHash(w, n, 7), typoConsider, s);
    if (depth == 0 || n <= 1) return;
    char v[ENG_TYPO_MAXLEN + 1];
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && w[i] == w[i - 1]) continue;
        memcpy(v, w, i);
        memcpy(v + i, w + i + 1, n - i - 1);
        searchDeletes(s, v, n - 1, depth - 1);
    }
}

const char *engTypoCorrect(const engTypo *t, const char *w, int *dist) {
    size_t n = strlen(w);
    int max = engTypoMaxDist(n);
    uint32_t id;
    if (!t->indexed || max == 0 || !lowerAlpha(w, n) || engMapGet(&t->words, w, n, &id))
        return NULL;
    int hasdict = engTypoHasDict(t);
    if (hasdict && dictHas(t->dict, w, n)) return NULL; /* a real word */
    typoSearch s = {t, typoDels(t), w, n, max, UINT32_MAX, max + 1, 0};
    char buf[ENG_TYPO_MAXLEN + 1];
    assert(n <= ENG_TYPO_MAXLEN); /* engTypoMaxDist() is 0 for longer words */
    memcpy(buf, w, n);
    buf[n] = '\0';
    searchDeletes(&s, buf, n, max);
    if (s.best == UINT32_MAX) return NULL;
    if (!hasdict && s.ties > 0) return NULL; /* ambiguous: likely a word we do not know */
    if (dist) *dist = s.bestd;
    return t->w[s.best];
}
