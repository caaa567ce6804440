/* engine.c - building the index (see engine.h): synonyms, terms, BM25F
 * postings, bigrams of the questions, the typo vocabulary and the
 * maintainers' patterns; at once (engBuild) or in slices (engBuildStep:
 * the running bot's reload). Queries are in engine_query.c.
 *
 * The classifier is trained by engine_train.c at the end of the build.
 *
 * BM25F: each (term, entry) pair gets a fixed impact, computed once here:
 *   tf~ = WQ * tfQ + WK * tfK + WA * tfA / (1 - B_A + B_A * len/avglen)
 *   impact = idf * tf~ / (K1 + tf~),  idf = ln(1 + (N - df + .5)/(df + .5))
 * where tfQ = 1 + (share of the question/alternates phrasings holding the
 * term), so a term in every phrasing weighs more than one in a single
 * alternate, and entries with many alternates are not favoured. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/common.h"
#include "base/radix.h"
#include "kb/kb_pattern.h"
#include "match/engine_int.h"

#define WQ 3.0
#define WK 2.0
#define WA 0.6
#define B_A 0.75
#define K1 1.2

#define PATTERN_CONF_FALLBACK 0.95 /* a pattern's confidence without matching.json */

void engDefaultParams(engParams *p) {
    p->answer_threshold = 0; /* from the knowledge's matching.json */
    p->suggest_threshold = 0;
    p->dict = ENG_DICT;
    p->cache_dir = NULL;
    p->cache_only = 0;
    p->model_only = 0;
    const char *dm = getenv("CAREERBOT_DENSE_MAX"); /* a knob: see engParams.dense_max */
    p->dense_max = dm && *dm ? strtoul(dm, NULL, 10) : 0;
}

double engAnswerThreshold(const engIndex *ix) { return ix->answer_thr; }
double engSuggestThreshold(const engIndex *ix) { return ix->suggest_thr; }

/* Params override matching.json, which overrides the fallbacks. */
static void setThresholds(engIndex *ix) {
    const kbMatching *m = &ix->k->matching;
    ix->answer_thr = ix->p.answer_threshold > 0   ? ix->p.answer_threshold
                     : m->answer_threshold > 0   ? m->answer_threshold
                                                 : ENG_FALLBACK_ANSWER;
    ix->suggest_thr = ix->p.suggest_threshold > 0 ? ix->p.suggest_threshold
                      : m->suggest_threshold > 0 ? m->suggest_threshold
                                                 : ENG_FALLBACK_SUGGEST;
    if (ix->suggest_thr > ix->answer_thr) ix->suggest_thr = ix->answer_thr;
    ix->pattern_conf = m->pattern_confidence > 0 ? m->pattern_confidence : PATTERN_CONF_FALLBACK;
    ix->pattern_floor = m->pattern_floor; /* 0 when unset: a pattern lifts any entry */
    ix->redirect_thr = m->redirect_threshold > 0 ? m->redirect_threshold : ENG_FALLBACK_REDIRECT;
    ix->asking_thr = m->asking_part_threshold > 0 ? m->asking_part_threshold : ENG_FALLBACK_ASKING;
    if (ix->asking_thr < ix->answer_thr) ix->asking_thr = ix->answer_thr;
}

void engLearnedInfo(const engIndex *ix, engLearned *out) {
    memset(out, 0, sizeof(*out));
    const mdlModel *m = ix->model;
    if (!m) return;
    *out = (engLearned){.trained = 1, .examples = m->noof, .features = m->nfeat,
                        .classes = m->nclass, .temperature = m->temp, .evidence_weight = m->beta,
                        .oos_evidence_weight = m->gamma, .train_ms = m->train_ms,
                        .oof = m->noof, .oof_right = m->oof_right, .ncollisions = m->ncoll,
                        .recal_steps = m->recal.n, .from_cache = m->from_cache};
    for (int b = 0; b < ENG_NBUCKETS && b < MDL_NBUCKETS; b++) {
        out->buckets[b].lo = m->buckets[b].lo;
        out->buckets[b].hi = m->buckets[b].hi;
        out->buckets[b].n = m->buckets[b].n;
        out->buckets[b].right = m->buckets[b].right;
    }
}

int engCollision(const engIndex *ix, size_t i, const kbEntry **from, const kbEntry **to,
                 size_t *n, const char **example) {
    if (!ix->model || i >= ix->model->ncoll) return 0;
    const mdlCollision *c = &ix->model->coll[i];
    *from = &ix->k->entries[c->from];
    *to = &ix->k->entries[c->to];
    *n = c->n;
    *example = c->example;
    return 1;
}

const kb *engKb(const engIndex *ix) { return ix->k; }

int engNeedsTraining(const engIndex *ix) { return ix->needs_training; }

uint64_t engPairHash(uint32_t a, uint32_t b) {
    uint32_t v[2] = {a, b};
    return engHash(v, sizeof(v), 3);
}

uint32_t engTermId(const engIndex *ix, const char *term) {
    uint32_t id;
    return engMapGet(&ix->termmap, term, strlen(term), &id) ? id : ENG_NOTERM;
}

double engTermWeight(const engIndex *ix, uint32_t id) {
    return id == ENG_NOTERM ? ix->idf_max : ix->terms[id].idf;
}

long engTopicId(const engIndex *ix, const char *name) {
    for (size_t i = 0; i < ix->ntopics; i++)
        if (strcasecmp(ix->topics[i], name) == 0) return (long)i;
    return -1;
}

static uint32_t termAdd(engIndex *ix, const char *name) {
    size_t n = strlen(name);
    uint32_t id = engMapPut(&ix->termmap, name, n, (uint32_t)ix->nterms);
    if (id < ix->nterms) return id;
    if (ix->nterms == ix->capterms) {
        ix->capterms = ix->capterms ? ix->capterms * 2 : 1024;
        ix->terms = cbRealloc(ix->terms, ix->capterms * sizeof(*ix->terms));
    }
    ix->terms[id] = (engTerm){.name = cbStrndup(name, n)};
    ix->nterms++;
    return id;
}

/* Stems of t joined by sep into dst (cap bytes); 0 when it does not fit. */
static size_t joinStems(const txtToks *t, size_t from, size_t n, char sep, char *dst, size_t cap) {
    size_t len = 0;
    for (size_t i = from; i < from + n; i++) {
        size_t l = strlen(txtStem(t, i));
        if (len + l + 2 > cap) return 0;
        if (i > from) dst[len++] = sep;
        memcpy(dst + len, txtStem(t, i), l);
        len += l;
    }
    dst[len] = '\0';
    return len;
}

static int buildSynonyms(engIndex *ix, char *err) {
    const kb *k = ix->k;
    txtToks t;
    txtToksInit(&t);
    char key[512];
    for (size_t g = 0; g < k->nsynonyms; g++) {
        long canon = -1;
        for (size_t m = 0; m < k->synonyms[g].n; m++) {
            const char *s = k->synonyms[g].v[m];
            txtToksReset(&t);
            if (txtAnalyze(ix->txt, s, strlen(s), &t, err) != CB_OK) {
                txtToksFree(&t);
                return cbErr(err, "synonym group %zu, \"%s\": not valid UTF-8", g + 1, s);
            }
            for (size_t i = 0; i < t.n; i++) engTypoAddWord(&ix->typo, txtRaw(&t, i));
            if (t.n == 0) continue;
            if (canon < 0) {
                if (!joinStems(&t, 0, t.n, '_', key, sizeof(key))) continue;
                ix->canon = cbRealloc(ix->canon, (ix->ncanon + 1) * sizeof(*ix->canon));
                ix->canon[ix->ncanon] = cbStrdup(key);
                canon = (long)ix->ncanon++;
            }
            size_t kl = joinStems(&t, 0, t.n, ' ', key, sizeof(key));
            if (!kl) continue;
            engMapPut(&ix->synmap, key, kl, (uint32_t)canon);
            if (t.n > ix->syn_maxlen) ix->syn_maxlen = t.n;
            const char *first = txtStem(&t, 0);
            engMapPut(&ix->synfirst, first, strlen(first), 0);
            uint32_t *v = engMapRef(&ix->synfirst, first, strlen(first));
            if (t.n > 1) *v |= ENG_SYN_MULTI;
            else if (!(*v & ~ENG_SYN_MULTI)) *v |= (uint32_t)canon + 1;
        }
    }
    txtToksFree(&t);
    return CB_OK;
}

/* The synonym starting at token i of t: its canonical id and length in
 * tokens (0 when none). One map lookup for most words. */
static size_t synAt(const engIndex *ix, const txtToks *t, size_t i, size_t stlen, uint32_t *cid) {
    uint32_t v;
    if (!engMapGet(&ix->synfirst, txtStem(t, i), stlen, &v)) return 0;
    size_t maxl = ix->syn_maxlen < t->n - i ? ix->syn_maxlen : t->n - i;
    char key[512];
    for (size_t l = (v & ENG_SYN_MULTI) ? maxl : 1; l >= 2; l--) {
        size_t kl = joinStems(t, i, l, ' ', key, sizeof(key));
        if (kl && engMapGet(&ix->synmap, key, kl, cid)) return l;
    }
    if (!(v & ~ENG_SYN_MULTI)) return 0;
    *cid = (v & ~ENG_SYN_MULTI) - 1;
    return 1;
}

void engCanon(const engIndex *ix, const txtToks *t, const uint8_t *corr, engTerms *x) {
    txtToksReset(&x->out);
    if (x->ccap < t->n + 1) {
        x->ccap = t->n + 16;
        x->corrected = cbRealloc(x->corrected, x->ccap);
    }
    for (size_t i = 0; i < t->n;) {
        uint32_t cid = 0;
        const char *term = txtStem(t, i);
        size_t tl = strlen(term);
        size_t best = synAt(ix, t, i, tl, &cid);
        if (best) {
            term = ix->canon[cid];
            tl = strlen(term);
        }
        uint8_t c = 0;
        for (size_t j = i; j < i + (best ? best : 1); j++) c |= corr ? corr[j] : 0;
        x->corrected[x->out.n] = c;
        txtToksPushTerm(&x->out, term, tl);
        i += best ? best : 1;
    }
}

/* One (term, entry) pair while building. */
typedef struct buildRow {
    uint32_t term, entry;
    uint16_t q, k, a; /* phrasings / keywords holding it; count in the answer */
    uint32_t last;    /* serial of the last string that bumped q or k */
} buildRow;

typedef struct buildState {
    buildRow *rows;
    size_t nrows, caprows;
    uint32_t *alen;  /* answer length in terms, per entry */
    uint16_t *nq;    /* phrasings with at least one term, per entry */
    engTerms x;
    uint32_t *seen;  /* term -> index+1 of its row for the current entry */
    size_t seencap;
    uint32_t serial; /* of the string being indexed */
    size_t next;     /* the postings: the next row or term of the pass */
    size_t off;      /* the postings: where the next term's begin */
    double avg;      /* the answers' mean length in terms */
} buildState;

static buildRow *rowFor(engIndex *ix, buildState *b, uint32_t term, uint32_t entry) {
    if (term >= b->seencap) {
        size_t nc = (ix->capterms > term ? ix->capterms : term + 1) * 2;
        b->seen = cbRealloc(b->seen, nc * sizeof(*b->seen));
        memset(b->seen + b->seencap, 0, (nc - b->seencap) * sizeof(*b->seen));
        b->seencap = nc;
    }
    uint32_t r = b->seen[term];
    if (r && b->rows[r - 1].entry == entry) return &b->rows[r - 1];
    if (b->nrows == b->caprows) {
        b->caprows = b->caprows ? b->caprows * 2 : 4096;
        b->rows = cbRealloc(b->rows, b->caprows * sizeof(*b->rows));
    }
    b->rows[b->nrows] = (buildRow){.term = term, .entry = entry};
    b->seen[term] = (uint32_t)++b->nrows;
    return &b->rows[b->nrows - 1];
}

static void incr(uint16_t *v) {
    if (*v < UINT16_MAX) (*v)++;
}

static void pairAdd(engIndex *ix, uint64_t key, uint32_t e) {
    if (ix->nbigrams == ix->capbigrams) {
        ix->capbigrams = ix->capbigrams ? ix->capbigrams * 2 : 1024;
        ix->bigrams = cbRealloc(ix->bigrams, ix->capbigrams * sizeof(*ix->bigrams));
    }
    ix->bigrams[ix->nbigrams++] = (engPair){key, e};
}

/* The pairs sorted by key (base/radix.c, stable: entry order is kept
 * within a key, they were added entry by entry): drop duplicates. */
static void pairsDedupe(engIndex *ix) {
    size_t n = ix->nbigrams, o = 0;
    for (size_t i = 0; i < n; i++)
        if (o == 0 || ix->bigrams[o - 1].key != ix->bigrams[i].key ||
            ix->bigrams[o - 1].entry != ix->bigrams[i].entry)
            ix->bigrams[o++] = ix->bigrams[i];
    ix->nbigrams = o;
}

/* Index one field string: field ENG_F_Q, ENG_F_K or ENG_F_A. */
static int indexText(engIndex *ix, buildState *b, uint32_t e, const char *s, int field,
                     char *err) {
    if (!s) {
        if (field == ENG_F_Q) engPhraseAdd(ix, NULL); /* keeps the phrasings' places */
        return CB_OK;
    }
    if (engAnalyze(ix, s, strlen(s), 0, &b->x, err) != CB_OK)
        return cbErr(err, "%s: %s", ix->k->entries[e].id, err);
    const txtToks *o = &b->x.out;
    b->serial++;
    /* Typos are corrected toward the words people ask with (questions,
     * keywords, synonyms), not every word of the answers: "game" must not
     * become "same", nor "draw" "raw". */
    for (size_t i = 0; i < b->x.t.n && field != ENG_F_A; i++)
        engTypoAddWord(&ix->typo, txtRaw(&b->x.t, i));
    uint32_t prev = ENG_NOTERM;
    for (size_t i = 0; i < o->n; i++) {
        uint32_t t = termAdd(ix, txtStem(o, i));
        buildRow *r = rowFor(ix, b, t, e);
        assert(r != NULL);
        if (field == ENG_F_A) incr(&r->a);
        /* q and k count strings, not occurrences: bump once per string */
        uint16_t *c = field == ENG_F_Q ? &r->q : field == ENG_F_K ? &r->k : NULL;
        if (c && r->last != b->serial) incr(c);
        r->last = b->serial;
        if (field == ENG_F_Q && prev != ENG_NOTERM) pairAdd(ix, engPairHash(prev, t), e);
        prev = t;
    }
    if (field == ENG_F_Q) engPhraseAdd(ix, o);
    if (field == ENG_F_A) b->alen[e] += (uint32_t)o->n;
    if (field == ENG_F_Q && o->n > 0) b->nq[e]++;
    return CB_OK;
}

static int indexEntry(engIndex *ix, buildState *b, uint32_t e, char *err) {
    const kbEntry *en = &ix->k->entries[e];
    engPhraseEntry(ix, e);
    if (indexText(ix, b, e, en->question, ENG_F_Q, err) != CB_OK) return CB_ERR;
    for (size_t i = 0; i < en->alternates.n; i++)
        if (indexText(ix, b, e, en->alternates.v[i], ENG_F_Q, err) != CB_OK) return CB_ERR;
    for (size_t i = 0; i < en->keywords.n; i++)
        if (indexText(ix, b, e, en->keywords.v[i], ENG_F_K, err) != CB_OK) return CB_ERR;
    engVerbatimAddEntry(ix, e);
    return indexText(ix, b, e, en->answer, ENG_F_A, err);
}

/* From rows to postings grouped by term, with their BM25F impacts, in
 * three passes (each a chunk of ENG_BUILD_CHUNK rows or terms a call, 1
 * when the pass is done, so the reload's loop serves between them): the
 * terms' document frequencies, their offsets and idf, the postings. */
#define ENG_BUILD_CHUNK 4096

static size_t chunkEnd(size_t from, size_t n) {
    return n - from > ENG_BUILD_CHUNK ? from + ENG_BUILD_CHUNK : n;
}

static int postingsCount(engIndex *ix, buildState *b) {
    size_t N = ix->k->nentries;
    if (b->next == 0) {
        double avg = 0;
        for (size_t e = 0; e < N; e++) avg += b->alen[e];
        b->avg = N && avg > 0 ? avg / (double)N : 1.0;
    }
    size_t end = chunkEnd(b->next, b->nrows);
    for (size_t r = b->next; r < end; r++) ix->terms[b->rows[r].term].df++;
    b->next = end == b->nrows ? 0 : end;
    return end == b->nrows;
}

static int postingsOffsets(engIndex *ix, buildState *b) {
    size_t N = ix->k->nentries, end = chunkEnd(b->next, ix->nterms);
    if (b->next == 0) ix->idf_max = 0;
    for (size_t t = b->next; t < end; t++) {
        engTerm *tm = &ix->terms[t];
        tm->off = b->off;
        b->off += tm->df;
        tm->idf = (float)log1p(((double)N - tm->df + 0.5) / (tm->df + 0.5));
        if (tm->idf > ix->idf_max) ix->idf_max = tm->idf;
    }
    b->next = end == ix->nterms ? 0 : end;
    return end == ix->nterms;
}

static int postingsFill(engIndex *ix, buildState *b) {
    if (!ix->posts) {
        ix->posts = cbMalloc((b->nrows ? b->nrows : 1) * sizeof(*ix->posts));
        ix->nposts = b->nrows;
    }
    size_t end = chunkEnd(b->next, b->nrows);
    for (size_t r = b->next; r < end; r++) {
        const buildRow *w = &b->rows[r];
        engTerm *tm = &ix->terms[w->term];
        double tfq = w->q ? 1.0 + (double)w->q / (b->nq[w->entry] ? b->nq[w->entry] : 1) : 0;
        double tfk = w->k > 2 ? 2 : w->k;
        double tfa = w->a / (1 - B_A + B_A * b->alen[w->entry] / b->avg);
        double tf = WQ * tfq + WK * tfk + WA * tfa;
        uint16_t nq = b->nq[w->entry];
        double tfq1 = w->q > 1 && nq > 1 ? 1.0 + (double)(w->q - 1) / (nq - 1) : 0;
        double tf1 = WQ * tfq1 + WK * tfk + WA * tfa;
        uint8_t f = (uint8_t)((w->q ? ENG_F_Q : 0) | (w->q > 1 ? ENG_F_Q2 : 0) | (w->k ? ENG_F_K : 0) |
                              (w->a ? ENG_F_A : 0));
        if (w->q || w->k) tm->asked = 1;
        ix->posts[tm->off + tm->n++] =
            (engPost){.entry = w->entry, .impact = (float)(tm->idf * tf / (K1 + tf)),
                      .impact_loo = (float)(tm->idf * tf1 / (K1 + tf1)), .fields = f};
    }
    b->next = end;
    return end == b->nrows;
}

const engPost *engFindPost(const engIndex *ix, uint32_t t, uint32_t e) {
    const engTerm *tm = &ix->terms[t];
    const engPost *p = &ix->posts[tm->off];
    size_t lo = 0, hi = tm->n;
    while (lo < hi) { /* postings of a term are sorted by entry */
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid].entry < e) lo = mid + 1;
        else hi = mid;
    }
    return lo < tm->n && p[lo].entry == e ? &p[lo] : NULL;
}

/* Misspelt chat filler ("shoud", "realy", "pleae") is corrected to the
 * stop word it is and then dropped, instead of weighing like a word the
 * knowledge does not know. */
static void addStopWordsToTypo(engIndex *ix) {
    size_t n;
    const char *const *stop = txtStopWords(ix->txt, &n);
    for (size_t i = 0; i < n; i++) engTypoAddWord(&ix->typo, stop[i]);
}

/* The pattern's prefilter (engine_prefilter.c), compiled like it; NULL
 * when there is none or it does not compile (the full pattern then runs). */
static pcre2_code *compileFilter(const char *pattern) {
    char *f = engPatternFilter(pattern);
    if (!f) return NULL;
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *c = kbPatternCompile(f, &ec, &eo);
    free(f);
    return c;
}

/* Compile entry e's patterns. */
static int buildPatternsOf(engIndex *ix, size_t e, char *err) {
    const kb *k = ix->k;
    const kbStrs *ps = &k->entries[e].patterns;
    for (size_t i = 0; i < ps->n; i++) {
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *c = kbPatternCompile(ps->v[i], &ec, &eo);
        if (!c) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ec, msg, sizeof(msg));
            return cbErr(err, "%s: pattern %zu (\"%s\") does not compile: %s at offset %zu",
                         k->entries[e].id, i + 1, ps->v[i], (const char *)msg, (size_t)eo);
        }
        if (ix->npats == ix->cappats) {
            ix->cappats = ix->cappats ? ix->cappats * 2 : 64;
            ix->pats = cbRealloc(ix->pats, ix->cappats * sizeof(*ix->pats));
        }
        ix->pats[ix->npats++] = (engPattern){.entry = (uint32_t)e, .code = c,
                                             .filter = compileFilter(ps->v[i]),
                                             .lits = engPatternLiterals(ps->v[i])};
    }
    return CB_OK;
}

static void buildTopics(engIndex *ix) {
    const kb *k = ix->k;
    ix->topic = cbCalloc(k->nentries, sizeof(*ix->topic));
    for (size_t e = 0; e < k->nentries; e++) {
        const char *name = k->entries[e].topic ? k->entries[e].topic : "";
        long t = engTopicId(ix, name);
        if (t < 0) {
            ix->topics = cbRealloc(ix->topics, (ix->ntopics + 1) * sizeof(*ix->topics));
            ix->topics[ix->ntopics] = cbStrdup(name);
            t = (long)ix->ntopics++;
        }
        ix->topic[e] = (uint32_t)t;
    }
}

static int cmpStrp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted words of the knowledge (for completion), each with the term it
 * stands for when alone. */
static void buildWords(engIndex *ix) {
    const engTypo *t = &ix->typo;
    ix->words = cbMalloc((t->n ? t->n : 1) * sizeof(*ix->words));
    for (size_t i = 0; i < t->n; i++) ix->words[i] = t->w[i];
    ix->nwords = t->n;
    qsort(ix->words, ix->nwords, sizeof(*ix->words), cmpStrp);
    ix->word_term = cbMalloc((t->n ? t->n : 1) * sizeof(*ix->word_term));
    ix->word_freq = cbMalloc((t->n ? t->n : 1) * sizeof(*ix->word_freq));
    engTerms x;
    engTermsInit(&x);
    for (size_t i = 0; i < ix->nwords; i++) {
        ix->word_term[i] = ENG_NOTERM;
        uint32_t id = 0;
        engMapGet(&t->words, ix->words[i], strlen(ix->words[i]), &id);
        ix->word_freq[i] = t->freq[id];
        if (engAnalyze(ix, ix->words[i], strlen(ix->words[i]), 0, &x, NULL) == CB_OK &&
            x.out.n == 1)
            ix->word_term[i] = engTermId(ix, txtStem(&x.out, 0));
    }
    engTermsFree(&x);
}

/* Classes of the models (entries + 1, or the sections'), for scratch. */
static size_t nclassMax(const engIndex *ix) {
    size_t n = ix->k->nentries + 1, ns = ix->k->out_of_scope_sections.n;
    return n > ns ? n : ns;
}

static void buildScratch(engIndex *ix) {
    size_t n = ix->k->nentries ? ix->k->nentries : 1;
    engScratch *s = cbCalloc(1, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    s->acc = cbCalloc(n, sizeof(*s->acc));
    s->acc_terms = cbCalloc(n, sizeof(*s->acc_terms));
    s->loo = UINT32_MAX;
    s->flags = cbCalloc(n, sizeof(*s->flags));
    s->touched = cbCalloc(n, sizeof(*s->touched));
    size_t nsec = ix->k->out_of_scope_sections.n;
    s->prob = cbCalloc(n + 1 > nsec ? n + 1 : nsec, sizeof(*s->prob));
    s->conf = cbCalloc(nclassMax(ix), sizeof(*s->conf));
    s->cand = cbCalloc(n, sizeof(*s->cand));
    s->allow = cbCalloc(n, sizeof(*s->allow));
    ix->scr = s;
}

/* The build, in phases; the entries' and the patterns' a few at a time
 * (engBuildStep), so a caller's loop can serve between slices. */
enum { B_ENTRIES, B_DF, B_OFFSETS, B_POSTINGS, B_PAIRS, B_VERBATIM, B_VOCAB, B_PATTERNS, B_TRAIN,
       B_DONE };

struct engBuildJob {
    engIndex *ix;
    buildState b;
    cbRadixJob *sort;  /* sorting the bigrams (B_PAIRS), the phrasings' keys (B_VERBATIM) */
    engTrainJob *train; /* B_TRAIN */
    size_t next; /* the next entry (B_ENTRIES, B_PATTERNS) */
    int phase;
};

static void buildStateFree(buildState *b) {
    engTermsFree(&b->x);
    free(b->rows);
    free(b->alen);
    free(b->nq);
    free(b->seen);
    memset(b, 0, sizeof(*b));
}

void engBuildCancel(engBuildJob *j) {
    if (!j) return;
    buildStateFree(&j->b);
    cbRadixFree(j->sort);
    engTrainFree(j->train);
    engFree(j->ix);
    free(j);
}

engBuildJob *engBuildBegin(const kb *k, const engParams *p, char *err) {
    engBuildJob *j = cbCalloc(1, sizeof(*j));
    engIndex *ix = j->ix = cbCalloc(1, sizeof(*ix));
    ix->k = k;
    if (p) ix->p = *p;
    else engDefaultParams(&ix->p);
    engMapInit(&ix->termmap);
    engMapInit(&ix->synmap);
    engMapInit(&ix->synfirst);
    engTypoInit(&ix->typo);
    engTermsInit(&j->b.x);
    kbStrs tmp;
    const kbStrs *stop = kbStopWords(k, &tmp);
    ix->txt = txtNew((const char *const *)stop->v, stop->n, err);
    kbStrsFree(&tmp);
    if (!ix->txt || buildSynonyms(ix, err) != CB_OK) {
        engBuildCancel(j);
        return NULL;
    }
    engBuildLookups(ix);
    size_t n = k->nentries;
    j->b.alen = cbCalloc(n ? n : 1, sizeof(*j->b.alen));
    j->b.nq = cbCalloc(n ? n : 1, sizeof(*j->b.nq));
    ix->pattern_conf = PATTERN_CONF_FALLBACK;
    return j;
}

/* One phase, or (entries, patterns) as many of its entries as fit before
 * deadline; CB_ERR on an entry or a pattern that does not build. */
static int buildPhase(engBuildJob *j, double deadline, char *err) {
    engIndex *ix = j->ix;
    size_t n = ix->k->nentries;
    switch (j->phase) {
    case B_ENTRIES:
    case B_PATTERNS:
        do {
            if (j->next == n) break;
            uint32_t e = (uint32_t)j->next++;
            if ((j->phase == B_ENTRIES ? indexEntry(ix, &j->b, e, err)
                                       : buildPatternsOf(ix, e, err)) != CB_OK)
                return CB_ERR;
        } while (cbNowMs() < deadline);
        if (j->next < n) return CB_OK;
        j->next = 0;
        break;
    case B_DF:
        if (!postingsCount(ix, &j->b)) return CB_OK;
        break;
    case B_OFFSETS:
        if (!postingsOffsets(ix, &j->b)) return CB_OK;
        break;
    case B_POSTINGS:
        if (!postingsFill(ix, &j->b)) return CB_OK;
        engPhraseFinish(ix);
        buildStateFree(&j->b);
        j->sort = cbRadixBegin(ix->bigrams, ix->nbigrams, sizeof(*ix->bigrams),
                               offsetof(engPair, key));
        break;
    case B_PAIRS:
    case B_VERBATIM:
        if (!cbRadixStep(j->sort, -INFINITY)) return CB_OK; /* a chunk a call */
        cbRadixFree(j->sort);
        j->sort = NULL;
        if (j->phase == B_PAIRS) {
            pairsDedupe(ix);
            j->sort = engVerbatimSort(ix);
        } else {
            engVerbatimFinish(ix);
        }
        break;
    case B_VOCAB:
        addStopWordsToTypo(ix);
        engTypoIndex(&ix->typo);
        engTypoSetDict(&ix->typo, ix->p.dict); /* optional; read when first needed */
        buildTopics(ix);
        buildWords(ix);
        buildScratch(ix);
        engBuildOos(ix);
        setThresholds(ix);
        ix->mctx = pcre2_match_context_create(NULL);
        pcre2_set_match_limit(ix->mctx, KB_PATTERN_MATCH_LIMIT);
        pcre2_set_depth_limit(ix->mctx, KB_PATTERN_DEPTH_LIMIT);
        break;
    default: { /* B_TRAIN: the model cache's key hashed a chunk a call */
        if (!j->train) j->train = engTrainBegin(ix);
        int rc = engTrainStep(j->train, err);
        if (rc != 1) return rc;
        engTrainFree(j->train);
        j->train = NULL;
        break;
    }
    }
    j->phase++;
    return CB_OK;
}

const char *engBuildStage(const engBuildJob *j) {
    static const char *const name[] = {"index: entries", "index: counts", "index: offsets",
                                       "index: postings", "index: bigrams", "index: phrasings",
                                       "index: vocabulary", "index: patterns", "index: model",
                                       "index: done"};
    return name[j->phase];
}

int engBuildStep(engBuildJob *j, double deadline, char *err) {
    do {
        if (j->phase == B_DONE) return 1;
        if (buildPhase(j, deadline, err) != CB_OK) return CB_ERR;
    } while (cbNowMs() < deadline);
    return j->phase == B_DONE;
}

engIndex *engBuildEnd(engBuildJob *j, char *err) {
    int rc;
    while ((rc = engBuildStep(j, INFINITY, err)) == 0) {
    }
    if (rc != 1) {
        engBuildCancel(j);
        return NULL;
    }
    engIndex *ix = j->ix;
    free(j);
    return ix;
}

engIndex *engBuild(const kb *k, const engParams *p, char *err) {
    engBuildJob *j = engBuildBegin(k, p, err);
    return j ? engBuildEnd(j, err) : NULL;
}

void engFree(engIndex *ix) {
    if (!ix) return;
    txtFree(ix->txt);
    for (size_t i = 0; i < ix->nterms; i++) free(ix->terms[i].name);
    free(ix->terms);
    free(ix->posts);
    engMapFree(&ix->termmap);
    engMapFree(&ix->synmap);
    engMapFree(&ix->synfirst);
    for (size_t i = 0; i < ix->ncanon; i++) free(ix->canon[i]);
    free(ix->canon);
    engTypoFree(&ix->typo);
    free(ix->bigrams);
    mdlFree(ix->model);
    mdlFree(ix->sections);
    engPhraseFree(ix);
    free(ix->rerank);
    free(ix->lookup);
    free(ix->oos);
    free(ix->oos_mass);
    free(ix->verbatim);
    free(ix->topic);
    for (size_t i = 0; i < ix->ntopics; i++) free(ix->topics[i]);
    free(ix->topics);
    for (size_t i = 0; i < ix->npats; i++) {
        pcre2_code_free(ix->pats[i].code);
        pcre2_code_free(ix->pats[i].filter); /* NULL is fine */
        engPatternLiteralsFree(ix->pats[i].lits);
    }
    free(ix->pats);
    if (ix->mctx) pcre2_match_context_free(ix->mctx);
    free(ix->words);
    free(ix->word_term);
    free(ix->word_freq);
    if (ix->scr) {
        pthread_mutex_destroy(&ix->scr->mu);
        free(ix->scr->acc);
        free(ix->scr->acc_terms);
        free(ix->scr->flags);
        free(ix->scr->touched);
        mdlKeysFree(&ix->scr->keys);
        mdlVecFree(&ix->scr->vec);
        free(ix->scr->prob);
        free(ix->scr->conf);
        free(ix->scr->cand);
        free(ix->scr->allow);
        free(ix->scr->oos_acc);
        free(ix->scr->oos_touched);
        free(ix->scr);
    }
    free(ix);
}
