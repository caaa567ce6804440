/* kb_cross.c - checks that need the whole knowledge base: unique ids
 * (ignoring case), `related` ids that exist (with the closest id as a
 * hint), entries not reviewed for 12 months or dated in the future, two
 * entries claiming the same phrasing (a question or alternate that would
 * be ambiguous), then kb_lint.c's broad patterns and copied entries. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <utf8proc.h>

#include "base/buf.h"
#include "base/common.h"
#include "base/hash.h"
#include "base/radix.h"
#include "kb/kb_load.h"

int kbNameIdxCaseCmp(const void *a, const void *b) {
    const kbNameIdx *x = a, *y = b;
    int c = strcasecmp(x->s, y->s);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

int kbNameIdxCmp(const void *a, const void *b) {
    const kbNameIdx *x = a, *y = b;
    int c = strcmp(x->s, y->s);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Entry indices sorted by id (cmp), equal ids in file order. */
static kbNameIdx *kbSortedIds(const kbLoader *L, int (*cmp)(const void *, const void *)) {
    kbNameIdx *v = cbCalloc(L->n + 1, sizeof(*v));
    for (size_t i = 0; i < L->n; i++) v[i] = (kbNameIdx){L->ents[i].e.id, i};
    if (L->n) qsort(v, L->n, sizeof(*v), cmp);
    return v;
}

/* Each entry whose id an earlier one has (ignoring case) is reported
 * against the first of them. */
static void kbCheckIds(kbLoader *L) {
    kbNameIdx *v = kbSortedIds(L, kbNameIdxCaseCmp);
    for (size_t a = 0, b; a < L->n; a = b) {
        for (b = a + 1; b < L->n && strcasecmp(v[b].s, v[a].s) == 0; b++)
            cbDiagAdd(L->d, CB_DIAG_ERROR, L->ents[v[b].i].e.path, 0, 0,
                      "duplicate id '%s': %s has the same id (ids are compared ignoring "
                      "case); rename one of them",
                      v[b].s, L->ents[v[a].i].e.path);
    }
    free(v);
}

/* The index of the entry with id, or L->n. */
static size_t kbFindId(const kbLoader *L, const kbNameIdx *v, const char *id) {
    size_t lo = 0, hi = L->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(v[mid].s, id) < 0) lo = mid + 1;
        else hi = mid;
    }
    return lo < L->n && strcmp(v[lo].s, id) == 0 ? v[lo].i : L->n;
}

static int kbHasTopic(const kbLoader *L, const char *id) {
    const char *slash = strchr(id, '/');
    size_t n = slash ? (size_t)(slash - id) : strlen(id);
    for (size_t i = 0; i < L->n; i++)
        if (strncmp(L->ents[i].e.id, id, n) == 0 && L->ents[i].e.id[n] == '/') return 1;
    return 0;
}

/* The id an editor meant by rid when it differs only in case or is
 * written as the file's path ("Frameworks/FastAPI",
 * "knowledge/frameworks/fastapi.md"), or NULL. */
static const char *kbIdAsMeant(const kbLoader *L, const char *rid, const char **ids) {
    char want[256];
    kbIdAsWritten(rid, strlen(rid), want, sizeof(want));
    for (size_t i = 0; i < L->n; i++)
        if (*ids[i] && strcmp(ids[i], want) == 0) return ids[i];
    return NULL;
}

static void kbRelatedMissing(kbLoader *L, kbParsed *p, const char *ptr, const char *rid,
                             const char **ids) {
    const char *near = kbIdAsMeant(L, rid, ids);
    if (!near) near = kbClosest(rid, ids, L->n);
    if (near)
        kbDiagAt(L->d, CB_DIAG_ERROR, &p->fm, ptr, 0,
                 "'related' id '%s' does not exist; did you mean '%s'?", rid, near);
    else
        kbDiagAt(L->d, CB_DIAG_ERROR, &p->fm, ptr, 0,
                 "'related' id '%s' does not exist (ids are <topic>/<slug>%s)", rid,
                 kbHasTopic(L, rid) ? "" : "; no such topic");
}

/* 1 if id names an entry file whose reading failed (already an error). */
static int kbUnread(const kbLoader *L, const char *id) {
    for (size_t i = 0; i < L->unread.n; i++)
        if (strcmp(L->unread.v[i], id) == 0) return 1;
    return 0;
}

/* The first item of v equal to v[at] (at when none before it). */
static size_t kbFirstOf(const kbStrs *v, size_t at) {
    for (size_t i = 0; i < at; i++)
        if (strcmp(v->v[i], v->v[at]) == 0) return i;
    return at;
}

static void kbCheckRelated(kbLoader *L) {
    const char **ids = cbCalloc(L->n + 1, sizeof(char *));
    for (size_t i = 0; i < L->n; i++) ids[i] = L->ents[i].e.id;
    kbNameIdx *v = kbSortedIds(L, kbNameIdxCmp);
    for (size_t i = 0; i < L->n; i++) {
        kbParsed *p = &L->ents[i];
        for (size_t r = 0; p->ok && r < p->e.related.n; r++) {
            const char *rid = p->e.related.v[r];
            char ptr[64];
            snprintf(ptr, sizeof(ptr), "/related/%zu", r);
            size_t k = kbFindId(L, v, rid), first = kbFirstOf(&p->e.related, r);
            if (first < r) {
                kbDiagAt(L->d, CB_DIAG_ERROR, &p->fm, ptr, 0,
                         "'related' lists '%s' twice (items %zu and %zu); remove this one", rid,
                         first + 1, r + 1);
            } else if (k == i) {
                kbDiagAt(L->d, CB_DIAG_ERROR, &p->fm, ptr, 0,
                         "'related' lists this entry itself ('%s'); remove it", rid);
            } else if (k == L->n && !kbUnread(L, rid)) {
                ids[i] = ""; /* never suggest the entry itself */
                kbRelatedMissing(L, p, ptr, rid, ids);
                ids[i] = p->e.id;
            }
        }
    }
    free(v);
    free(ids);
}

static void kbCheckStale(kbLoader *L) {
    time_t now = (time_t)L->now;
    struct tm tm;
    gmtime_r(&now, &tm);
    char cutoff[32];
    snprintf(cutoff, sizeof(cutoff), "%04d-%02d-%02d", tm.tm_year + 1900 - 1, tm.tm_mon + 1,
             tm.tm_mday);
    char today[32];
    snprintf(today, sizeof(today), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday);
    for (size_t i = 0; i < L->n; i++) {
        kbParsed *p = &L->ents[i];
        if (!p->ok || !p->e.updated) continue;
        if (strcmp(p->e.updated, today) > 0)
            kbDiagAt(L->d, CB_DIAG_WARNING, &p->fm, "/updated", 0,
                     "updated %s is in the future (today is %s); use the day you last "
                     "reviewed the entry",
                     p->e.updated, today);
        else if (strcmp(p->e.updated, cutoff) < 0)
            kbDiagAt(L->d, CB_DIAG_WARNING, &p->fm, "/updated", 0,
                     "updated %s is more than 12 months ago; review the entry and bump the date",
                     p->e.updated);
    }
}

#define KB_PHRASE_FOLD \
    (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK)

/* s folded as utf8proc_map(KB_PHRASE_FOLD) folds it whole, into b, piece
 * by piece: ASCII folds to itself (A-Z to a-z), is never a mark, and no
 * character composes with it, so only the runs of other bytes go through
 * utf8proc (whole answers through it were a sixth of a start-up). CB_ERR
 * when s is not UTF-8. */
static int kbPhraseFold(const char *s, cbBuf *b) {
    for (const char *p = s; *p;) {
        const char *q = p;
        while (*q && (unsigned char)*q < 0x80) q++;
        size_t o = b->len;
        bufAppend(b, p, (size_t)(q - p));
        for (char *c = b->p ? b->p + o : NULL; c && *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + ('a' - 'A'));
        for (p = q; *q && (unsigned char)*q >= 0x80;) q++;
        if (q == p) continue;
        utf8proc_uint8_t *f = NULL;
        utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)p, q - p, &f, KB_PHRASE_FOLD);
        if (n >= 0) bufAppend(b, f, (size_t)n);
        free(f);
        if (n < 0) return CB_ERR;
        p = q;
    }
    return CB_OK;
}

char *kbPhraseKey(const char *s) {
    cbBuf b;
    bufInit(&b, SIZE_MAX);
    if (kbPhraseFold(s, &b) != CB_OK) {
        bufFree(&b);
        return cbStrdup(s);
    }
    const char *f = bufStr(&b);
    size_t n = b.len, o = 0;
    char *k = cbMalloc(n + 1);
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)f[i];
        if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
            c == '#') {
            if (space && o) k[o++] = ' ';
            k[o++] = (char)c;
            space = 0;
        } else {
            space = 1;
        }
    }
    k[o] = '\0';
    bufFree(&b);
    return k;
}

typedef struct kbPhrase {
    char *key;
    uint64_t hash; /* of key: sorted by it first, so most comparisons are of integers */
    size_t ent;
    char ptr[48];
} kbPhrase;

static int kbPhraseCmp(const void *a, const void *b) {
    const kbPhrase *x = a, *y = b;
    if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    return x->ent < y->ent ? -1 : x->ent > y->ent;
}

static void kbPhraseWarn(kbLoader *L, const kbPhrase *a, const kbPhrase *b) {
    const kbParsed *pa = &L->ents[a->ent], *pb = &L->ents[b->ent];
    int line, col;
    kbPosAt(&pb->fm, b->ptr, 0, &line, &col);
    kbDiagAt(L->d, CB_DIAG_WARNING, &pa->fm, a->ptr, 0,
             "same phrasing as %s:%d (%s): \"%s\"; keep it in one entry only", pb->e.path, line,
             pb->e.id, a->key);
}

/* Two entries claiming the same phrasing: every phrasing's key (an entry
 * at a time, kbPhrasingsStep), then the keys sorted and the equal ones of
 * two entries reported (kbPhrasingsEnd). */
struct kbPhraseJob {
    kbLoader *L;
    kbPhrase *v;
    size_t n, cap, next; /* the next entry */
    cbRadixJob *sort;    /* P_SORT */
    int stage;           /* P_* */
};

/* Collect each entry's phrasings, sort them by hash (base/radix.c, in
 * chunks), warn, free the keys a chunk at a time. */
enum { P_COLLECT, P_SORT, P_FREE, P_DONE };
#define KB_PHRASE_FREE_CHUNK 512

kbPhraseJob *kbPhrasingsBegin(kbLoader *L) {
    kbPhraseJob *j = cbCalloc(1, sizeof(*j));
    j->L = L;
    return j;
}

uint64_t kbPhraseHash(const char *key) {
    uint64_t h = *key ? cbFnv1aStr(key) : 0;
    return h || !*key ? h : 1;
}

/* A small-talk phrase that is also entry i's question, an alternate or a
 * keyword ("salary"): small talk is answered before any search, so that
 * message never reaches the entry. Warned at the phrase. */
static void kbSmalltalkClaims(kbLoader *L, size_t i) {
    const kbEntry *e = &L->ents[i].e;
    if (!L->smalltalk_path || !L->smalltalk.nphrases) return;
    size_t n = e->alternates.n + 1 + e->keywords.n;
    for (size_t a = 0; a < n; a++) {
        const char *s = a == 0 ? e->question
                        : a <= e->alternates.n ? e->alternates.v[a - 1]
                                               : e->keywords.v[a - 1 - e->alternates.n];
        char folded[KB_SMALLTALK_MAX + 1];
        if (!kbSmalltalkFold(s, strlen(s), folded, sizeof(folded))) continue;
        const kbSmalltalkPhrase *ph = kbSmalltalkFind(&L->smalltalk, folded);
        if (!ph) continue;
        char ptr[48];
        if (a == 0) snprintf(ptr, sizeof(ptr), "/question");
        else if (a <= e->alternates.n) snprintf(ptr, sizeof(ptr), "/alternates/%zu", a - 1);
        else snprintf(ptr, sizeof(ptr), "/keywords/%zu", a - 1 - e->alternates.n);
        int line, col;
        kbPosAt(&L->ents[i].fm, ptr, 0, &line, &col);
        cbDiagAdd(L->d, CB_DIAG_WARNING, L->smalltalk_path, ph->line, ph->col,
                  "phrase '%s' is also %s of %s (%s:%d): small talk is answered before any "
                  "search, so a user asking just that never gets the entry; remove the phrase",
                  ph->phrase, ptr[1] == 'q' ? "the question" : ptr[1] == 'a' ? "an alternate"
                                                                             : "a keyword",
                  e->id, e->path, line);
    }
}

/* Entry i's phrasings' keys, their hashes kept on the entry too (the
 * index's verbatim table reads them: engine_verbatim.c). */
static void kbPhrasingsOf(kbPhraseJob *j, size_t i) {
    kbEntry *e = &j->L->ents[i].e;
    if (!j->L->ents[i].ok) return;
    kbSmalltalkClaims(j->L, i);
    free(e->phrase_hash);
    e->phrase_hash = cbMalloc((e->alternates.n + 1) * sizeof(*e->phrase_hash));
    for (size_t a = 0; a <= e->alternates.n; a++) {
        if (j->n == j->cap) {
            j->cap = j->cap ? j->cap * 2 : 64;
            j->v = cbRealloc(j->v, j->cap * sizeof(*j->v));
        }
        kbPhrase *p = &j->v[j->n++];
        p->key = kbPhraseKey(a == 0 ? e->question : e->alternates.v[a - 1]);
        p->hash = kbPhraseHash(p->key);
        e->phrase_hash[a] = p->hash;
        p->ent = i;
        if (a == 0) snprintf(p->ptr, sizeof(p->ptr), "/question");
        else snprintf(p->ptr, sizeof(p->ptr), "/alternates/%zu", a - 1);
    }
}

/* The keys sorted by hash: each run of one hash put in kbPhraseCmp's
 * order (the radix sort kept the entries' order; a run of two keys is a
 * repeat or, rarely, a collision), then each phrasing two entries share
 * reported in both. */
static void kbPhrasingsWarn(kbPhraseJob *j) {
    kbPhrase *v = j->v;
    size_t n = j->n;
    for (size_t i = 0, r; i < n; i = r) {
        for (r = i + 1; r < n && v[r].hash == v[i].hash;) r++;
        if (r - i > 2) qsort(v + i, r - i, sizeof(*v), kbPhraseCmp);
        else if (r - i == 2 && kbPhraseCmp(&v[i], &v[i + 1]) > 0) {
            kbPhrase t = v[i];
            v[i] = v[i + 1];
            v[i + 1] = t;
        }
    }
    for (size_t i = 1; i < n; i++) {
        if (v[i].hash != v[i - 1].hash || strcmp(v[i].key, v[i - 1].key) != 0 || !*v[i].key)
            continue;
        if (v[i].ent == v[i - 1].ent) continue; /* repeated within one entry: harmless */
        kbPhraseWarn(j->L, &v[i - 1], &v[i]);
        kbPhraseWarn(j->L, &v[i], &v[i - 1]);
    }
}

/* The first phrasing in v (sorted by hash, then key) equal to key, or NULL. */
static const kbPhrase *kbPhraseFind(const kbPhrase *v, size_t n, const char *key, uint64_t h) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].hash < h) lo = mid + 1;
        else hi = mid;
    }
    for (; lo < n && v[lo].hash == h; lo++)
        if (strcmp(v[lo].key, key) == 0) return &v[lo];
    return NULL;
}

/* A line of out-of-scope.txt that is also an entry's phrasing: asked
 * word for word it is answered (the entry's phrasing wins), so the line
 * does nothing but contradict the entry. */
static void kbPhrasingsVsOutOfScope(kbPhraseJob *j) {
    kbLoader *L = j->L;
    for (size_t i = 0; i < L->oos.n && L->oos_path; i++) {
        char *key = kbPhraseKey(L->oos.v[i]);
        const kbPhrase *p = *key ? kbPhraseFind(j->v, j->n, key, kbPhraseHash(key)) : NULL;
        if (p) {
            const kbParsed *pe = &L->ents[p->ent];
            int line, col;
            kbPosAt(&pe->fm, p->ptr, 0, &line, &col);
            cbDiagAdd(L->d, CB_DIAG_WARNING, L->oos_path, L->oos_line ? L->oos_line[i] : 0, 1,
                      "the same phrasing as %s:%d (%s): a question cannot be both declined and "
                      "answered; remove it here or from the entry",
                      pe->e.path, line, pe->e.id);
        }
        free(key);
    }
}

/* One piece of the current stage. */
static void kbPhrasingsPiece(kbPhraseJob *j) {
    if (j->stage == P_COLLECT) {
        if (j->next < j->L->n) {
            kbPhrasingsOf(j, j->next++);
            return;
        }
        j->sort = cbRadixBegin(j->v, j->n, sizeof(*j->v), offsetof(kbPhrase, hash));
        j->stage = P_SORT;
    } else if (j->stage == P_SORT) {
        if (!cbRadixStep(j->sort, -INFINITY)) return; /* a chunk */
        cbRadixFree(j->sort);
        j->sort = NULL;
        kbPhrasingsWarn(j);
        kbPhrasingsVsOutOfScope(j);
        j->stage = P_FREE;
    } else if (j->stage == P_FREE) {
        for (size_t c = 0; c < KB_PHRASE_FREE_CHUNK && j->n; c++) free(j->v[--j->n].key);
        if (!j->n) j->stage = P_DONE;
    }
}

int kbPhrasingsStep(kbPhraseJob *j, double deadline) {
    do {
        if (j->stage == P_DONE) return 1;
        kbPhrasingsPiece(j);
    } while (cbNowMs() < deadline);
    return j->stage == P_DONE;
}

const char *kbPhrasingsStage(const kbPhraseJob *j) {
    static const char *const name[] = {"checks: phrasings", "checks: phrasings sorted",
                                       "checks: phrasings freed", "checks: phrasings done"};
    return name[j->stage];
}

void kbPhrasingsCancel(kbPhraseJob *j) {
    if (!j) return;
    if (j->sort) { /* the keys are owned: sorted to the end, each once again */
        while (!cbRadixStep(j->sort, INFINITY)) {
        }
        cbRadixFree(j->sort);
    }
    for (size_t i = 0; i < j->n; i++) free(j->v[i].key);
    free(j->v);
    free(j);
}

void kbPhrasingsEnd(kbPhraseJob *j) {
    while (!kbPhrasingsStep(j, INFINITY)) {
    }
    kbPhrasingsCancel(j);
}

/* Every id an example of examples/ teaches names an entry (one whose
 * file could not be read is already an error). */
static void kbCheckTrainingIds(kbLoader *L) {
    if (!L->train_ids.n) return;
    const char **ids = cbCalloc(L->n + 1, sizeof(char *));
    for (size_t i = 0; i < L->n; i++) ids[i] = L->ents[i].e.id;
    kbNameIdx *v = kbSortedIds(L, kbNameIdxCmp);
    for (size_t i = 0; i < L->train_ids.n; i++) {
        const char *id = L->train_ids.v[i];
        if (*id && kbFindId(L, v, id) == L->n && !kbUnread(L, id))
            kbTrainingUnknownId(L, i, ids, L->n);
    }
    free(v);
    free(ids);
}

void kbCrossErrors(kbLoader *L) {
    kbCheckIds(L);
    kbCheckRelated(L);
    kbCheckTrainingIds(L);
}

void kbCrossStale(kbLoader *L) { kbCheckStale(L); }

void kbCrossWarnings(kbLoader *L) {
    kbCheckStale(L);
    kbCheckTrainingConflicts(L);
    kbPhrasingsEnd(kbPhrasingsBegin(L));
    kbLintCheck(L);
}
