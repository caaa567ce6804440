/* kb_simjoin.c - the pairs of word sets that share more than a share t of
 * their words (Jaccard), for the near-copy check (kb_lint.c), without
 * comparing every pair: 100,000 entries are 5e9 pairs, and the loader
 * runs the check at every load.
 *
 * Prefix filtering (AllPairs, with PPJoin's positional filter; Xiao et
 * al., "Efficient similarity joins for near duplicate detection", 2008):
 * with every set's words in one global order (rarest in the knowledge
 * first), two sets whose Jaccard is at least t share a word among the
 * first |x| - ceil(t|x|) + 1 words of each (their prefixes). Each set is
 * probed against the earlier sets holding one of its prefix words, of a
 * size within t of its own; a pair is dropped as soon as the words left
 * after a shared one cannot reach the overlap t needs, or when the prefix
 * that ends first (every shared word up to its end is counted) misses
 * more words than t allows; the rest are verified by merging what follows
 * the last shared prefix word. The result is exact: every pair above t is
 * found, no other. The index (a set at a time) and the probes can be made
 * a few at a time (kbSimilarStep),
 * so the running bot's reload keeps its loop serving. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_int.h"

typedef struct sjPost {
    uint32_t set, pos, size; /* a set with the word in its prefix, at this position; its size */
} sjPost;

typedef struct sjIndex {
    size_t n;
    double t;
    size_t *off;      /* set i's words are tok[off[i] .. off[i + 1]) */
    uint32_t *tok;    /* as ranks in the global order, rarest first */
    size_t *poff;     /* rank r's prefix postings: post[poff[r] .. poff[r + 1]) */
    sjPost *post;     /* sets ascending */
    int32_t *cnt;     /* probe scratch per earlier set: shared prefix words, -1 dropped */
    uint32_t *stamp;  /* the probing set + 1 that set cnt */
    uint32_t *li, *lj; /* where the last shared prefix word is in x and in y */
    uint32_t *last;   /* the rank a set's prefix ends with */
    uint32_t *cand;   /* the earlier sets met by the probe */
} sjIndex;

/* ---- word ranks: distinct hashes counted in a growing hash table ---- */

typedef struct sjWord {
    uint64_t h;
    uint32_t df, rank;
    int used;
} sjWord;

typedef struct sjTable {
    sjWord *v;
    size_t cap, n;
} sjTable;

static sjWord *sjSlot(sjTable *tb, uint64_t h) {
    size_t i = (size_t)(h ^ (h >> 29)) & (tb->cap - 1);
    while (tb->v[i].used && tb->v[i].h != h) i = (i + 1) & (tb->cap - 1);
    return &tb->v[i];
}

static void sjCount(sjTable *tb, uint64_t h) {
    if ((tb->n + 1) * 2 > tb->cap) {
        sjTable big = {cbCalloc(tb->cap * 2, sizeof(sjWord)), tb->cap * 2, tb->n};
        for (size_t i = 0; i < tb->cap; i++)
            if (tb->v[i].used) *sjSlot(&big, tb->v[i].h) = tb->v[i];
        free(tb->v);
        *tb = big;
    }
    sjWord *w = sjSlot(tb, h);
    if (!w->used) *w = (sjWord){.h = h, .used = 1}, tb->n++;
    w->df++;
}

static int sjByRarity(const void *a, const void *b, void *table) {
    const sjWord *v = table, *x = &v[*(const size_t *)a], *y = &v[*(const size_t *)b];
    if (x->df != y->df) return x->df < y->df ? -1 : 1;
    return (x->h > y->h) - (x->h < y->h);
}

static int sjU32Cmp(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Each set's words (sets under min words: none) as ranks, rarest first,
 * in three passes a set at a time (a job's slices): the words counted,
 * ranked, each set's mapped to ranks and sorted. */
typedef struct sjRanker {
    sjTable tb;
    const kbWords *w;
    double min;
    size_t next, total, nw;
    int pass; /* 0: counting, 1: mapping, 2: done */
} sjRanker;

static void sjRankerInit(sjRanker *rk, sjIndex *ix, const kbWords *w, double min) {
    *rk = (sjRanker){.tb = {cbCalloc(1024, sizeof(sjWord)), 1024, 0}, .w = w, .min = min};
    ix->off = cbCalloc(ix->n + 1, sizeof(*ix->off));
}

/* The ranks of the words counted, and the sets' room. */
static void sjRank(sjRanker *rk, sjIndex *ix) {
    sjTable *tb = &rk->tb;
    ix->off[ix->n] = rk->total;
    size_t *order = cbMalloc((tb->n ? tb->n : 1) * sizeof(*order)), k = 0; /* slots */
    for (size_t i = 0; i < tb->cap; i++)
        if (tb->v[i].used) order[k++] = i;
    qsort_r(order, k, sizeof(*order), sjByRarity, tb->v);
    for (size_t r = 0; r < k; r++) tb->v[order[r]].rank = (uint32_t)r;
    free(order);
    rk->nw = k;
    ix->tok = cbMalloc((rk->total ? rk->total : 1) * sizeof(*ix->tok));
}

/* One set: counted (pass 0) or mapped (pass 1); 1 when the passes are done. */
static int sjRankStep(sjRanker *rk, sjIndex *ix) {
    if (rk->next == ix->n) {
        if (rk->pass == 0) sjRank(rk, ix);
        rk->next = 0;
        if (++rk->pass == 2) free(rk->tb.v);
        return rk->pass == 2;
    }
    size_t i = rk->next++;
    const kbWords *w = &rk->w[i];
    if (rk->pass == 0) {
        ix->off[i] = rk->total;
        if ((double)w->n < rk->min) return 0;
        for (size_t j = 0; j < w->n; j++) sjCount(&rk->tb, w->v[j]);
        rk->total += w->n;
        return 0;
    }
    uint32_t *t = ix->tok + ix->off[i];
    size_t sz = ix->off[i + 1] - ix->off[i];
    for (size_t j = 0; j < sz; j++) t[j] = sjSlot(&rk->tb, w->v[j])->rank;
    qsort(t, sz, sizeof(*t), sjU32Cmp);
    return 0;
}

/* |x| - ceil(t|x|) + 1 words, at most |x| (t = 0: every word). */
static size_t sjPrefixLen(size_t sz, double t) {
    size_t need = (size_t)ceil(t * (double)sz - 1e-9);
    if (need == 0) return sz;
    return sz - (need < sz ? need : sz) + 1;
}

static size_t sjSize(const sjIndex *ix, size_t i) { return ix->off[i + 1] - ix->off[i]; }

/* The inverted index of the prefixes (nw distinct words). */
static void sjPostings(sjIndex *ix, size_t nw) {
    ix->poff = cbCalloc(nw + 2, sizeof(*ix->poff));
    for (size_t i = 0; i < ix->n; i++)
        for (size_t j = 0; j < sjPrefixLen(sjSize(ix, i), ix->t); j++)
            ix->poff[ix->tok[ix->off[i] + j] + 2]++;
    for (size_t r = 2; r < nw + 2; r++) ix->poff[r] += ix->poff[r - 1];
    ix->post = cbMalloc((ix->poff[nw + 1] ? ix->poff[nw + 1] : 1) * sizeof(*ix->post));
    for (size_t i = 0; i < ix->n; i++)
        for (size_t j = 0; j < sjPrefixLen(sjSize(ix, i), ix->t); j++)
            ix->post[ix->poff[ix->tok[ix->off[i] + j] + 1]++] =
                (sjPost){(uint32_t)i, (uint32_t)j, (uint32_t)sjSize(ix, i)};
    size_t n = ix->n + 1;
    ix->cnt = cbCalloc(n, sizeof(*ix->cnt));
    ix->stamp = cbCalloc(n, sizeof(*ix->stamp));
    ix->li = cbCalloc(n, sizeof(*ix->li));
    ix->lj = cbCalloc(n, sizeof(*ix->lj));
    ix->cand = cbCalloc(n, sizeof(*ix->cand));
    ix->last = cbCalloc(n, sizeof(*ix->last));
    for (size_t i = 0; i < ix->n; i++) {
        size_t pl = sjPrefixLen(sjSize(ix, i), ix->t);
        ix->last[i] = pl ? ix->tok[ix->off[i] + pl - 1] : 0;
    }
}

/* The overlap sets of sizes sx and sy need to reach Jaccard t. */
static double sjNeed(size_t sx, size_t sy, double t) {
    return ceil(t / (1 + t) * (double)(sx + sy) - 1e-9);
}

/* Sizes within t of each other (Jaccard is at most the smaller over the larger). */
static int sjSizesFit(size_t sx, size_t sy, double t) {
    size_t lo = sx < sy ? sx : sy, hi = sx < sy ? sy : sx;
    return (double)lo >= t * (double)hi - 1e-9;
}

/* Prefix word i of x (of size sx) met in the prefix of p->set at
 * p->pos: count it, or drop that set when the words after it cannot
 * bring the overlap to what t needs. */
static void sjMeet(sjIndex *ix, uint32_t x, size_t sx, size_t i, const sjPost *p, size_t *ncand) {
    uint32_t y = p->set;
    size_t sy = p->size;
    if (!sjSizesFit(sx, sy, ix->t)) return;
    if (ix->stamp[y] != x + 1) {
        ix->stamp[y] = x + 1;
        ix->cnt[y] = 0;
        ix->cand[(*ncand)++] = y;
    }
    if (ix->cnt[y] < 0) return;
    size_t rx = sx - i - 1, ry = sy - p->pos - 1;
    if ((double)ix->cnt[y] + 1 + (double)(rx < ry ? rx : ry) < sjNeed(sx, sy, ix->t)) {
        ix->cnt[y] = -1;
        return;
    }
    ix->cnt[y]++;
    ix->li[y] = (uint32_t)i;
    ix->lj[y] = p->pos;
}

/* Can x and y still reach t, after the probe? Every word of the prefix
 * that ends first (at the smaller rank) that the other set holds is in
 * the other's prefix too, so it was counted: that prefix's words not
 * counted are missing from the overlap. */
static int sjPrefixesFit(const sjIndex *ix, uint32_t x, uint32_t y) {
    size_t sx = sjSize(ix, x), sy = sjSize(ix, y);
    int xfirst = ix->last[x] <= ix->last[y];
    size_t sz = xfirst ? sx : sy, pl = sjPrefixLen(sz, ix->t);
    return (double)(sz - pl + (size_t)ix->cnt[y]) >= sjNeed(sx, sy, ix->t);
}

/* The Jaccard of x and y when above t (else 0): the shared prefix words
 * counted, plus the merge of what follows the last one in each. */
static double sjVerify(const sjIndex *ix, uint32_t x, uint32_t y) {
    size_t sx = sjSize(ix, x), sy = sjSize(ix, y), both = (size_t)ix->cnt[y];
    const uint32_t *a = ix->tok + ix->off[x], *b = ix->tok + ix->off[y];
    size_t i = ix->li[y] + 1, j = ix->lj[y] + 1;
    double need = sjNeed(sx, sy, ix->t);
    while (i < sx && j < sy) {
        size_t left = sx - i < sy - j ? sx - i : sy - j;
        if ((double)(both + left) < need) return 0;
        uint32_t p = a[i], q = b[j];
        both += p == q;
        i += p <= q;
        j += p >= q;
    }
    double jac = (double)both / (double)(sx + sy - both);
    return jac > ix->t ? jac : 0;
}

/* Probe with set x against the earlier sets; found(ud, x, y) for each y
 * above t. */
static void sjProbe(sjIndex *ix, uint32_t x, kbSimilarFn found, void *ud) {
    size_t sx = sjSize(ix, x), pl = sjPrefixLen(sx, ix->t), ncand = 0;
    for (size_t i = 0; i < pl; i++) {
        uint32_t r = ix->tok[ix->off[x] + i];
        for (size_t k = ix->poff[r]; k < ix->poff[r + 1] && ix->post[k].set < x; k++)
            sjMeet(ix, x, sx, i, &ix->post[k], &ncand);
    }
    for (size_t c = 0; c < ncand; c++) {
        uint32_t y = ix->cand[c];
        double jac = ix->cnt[y] > 0 && sjPrefixesFit(ix, x, y) ? sjVerify(ix, x, y) : 0;
        if (jac > 0) found(ud, x, y, jac);
    }
}

struct kbSimJob {
    sjIndex ix;
    sjRanker rk;  /* ranking the words (until rk.pass == 2) */
    int indexed;  /* the prefixes' postings are built */
    size_t next;  /* the next set to probe with */
    kbSimilarFn found;
    void *ud;
};

kbSimJob *kbSimilarBegin(const kbWords *w, size_t n, double t, double min, kbSimilarFn found,
                         void *ud) {
    kbSimJob *j = cbCalloc(1, sizeof(*j));
    j->found = found;
    j->ud = ud;
    j->rk.pass = 2;
    j->indexed = 1;
    if (t >= 1 || n == 0) return j; /* nothing shares more than all its words */
    j->ix = (sjIndex){.n = n, .t = t > 0 ? t : 0};
    sjRankerInit(&j->rk, &j->ix, w, min);
    j->indexed = 0;
    return j;
}

int kbSimilarStep(kbSimJob *j, double deadline) {
    do {
        if (j->rk.pass < 2) {
            sjRankStep(&j->rk, &j->ix);
        } else if (!j->indexed) {
            sjPostings(&j->ix, j->rk.nw);
            j->indexed = 1;
        } else if (j->next < j->ix.n) {
            sjProbe(&j->ix, (uint32_t)j->next++, j->found, j->ud);
        } else {
            return 1;
        }
    } while (cbNowMs() < deadline);
    return j->indexed && j->next >= j->ix.n;
}

void kbSimilarCancel(kbSimJob *j) {
    if (!j) return;
    if (j->rk.pass < 2) free(j->rk.tb.v);
    sjIndex *ix = &j->ix;
    free(ix->off);
    free(ix->tok);
    free(ix->poff);
    free(ix->post);
    free(ix->cnt);
    free(ix->stamp);
    free(ix->li);
    free(ix->lj);
    free(ix->cand);
    free(ix->last);
    free(j);
}

void kbSimilarEnd(kbSimJob *j) {
    while (!kbSimilarStep(j, INFINITY)) {
    }
    kbSimilarCancel(j);
}

void kbSimilarPairs(const kbWords *w, size_t n, double t, double min, kbSimilarFn found,
                    void *ud) {
    kbSimilarEnd(kbSimilarBegin(w, n, t, min, found, ud));
}
