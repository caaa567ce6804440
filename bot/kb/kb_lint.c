/* kb_lint.c - checks that catch what loads fine but misleads: a pattern
 * that matches nearly anything (tried on unrelated sentences), and an
 * entry copied from another (its answer or question shares nearly all its
 * words). Thresholds and sentences are data: kb_check_data.txt, built into
 * the binary with .incbin so `kb check` and the bot need no file at run
 * time. Findings are warnings at the file:line:col of what to change.
 * Also, for `kb check`'s report rather than the loader's warnings, the
 * patterns that claim what the knowledge itself puts elsewhere
 * (kbPatternConflicts: a line of out-of-scope.txt, another entry's
 * question or alternate). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/hash.h"
#include "kb/kb_load.h"
#include "kb/kb_pattern.h"

/* The data file, NUL-terminated, in .rodata. */
__asm__(".section .rodata\n"
        ".global kbCheckData\n"
        "kbCheckData:\n"
        ".incbin \"bot/kb/kb_check_data.txt\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char kbCheckData[];

#define KB_LINT_MAX_SENTENCES 1000
#define KB_LINT_MATCH_LIMIT 100000

typedef struct kbLintData {
    double broad_share, answer_share, question_share, min_words;
    double rule_alternates, rule_keywords, rule_related, rule_links, rule_words_lo, rule_words_hi;
    double cross_budget; /* patterns x phrasings kbPatternConflicts tries, at most */
    char *sentences[KB_LINT_MAX_SENTENCES];
    size_t nsentences;
} kbLintData;

static void kbLintParse(kbLintData *ld) {
    memset(ld, 0, sizeof(*ld));
    ld->broad_share = ld->answer_share = ld->question_share = 2; /* off unless set */
    for (const char *p = kbCheckData; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char line[512];
        snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), p);
        p += n + (nl != NULL);
        double v;
        if (strncmp(line, "sentence: ", 10) == 0 && ld->nsentences < KB_LINT_MAX_SENTENCES)
            ld->sentences[ld->nsentences++] = cbStrdup(line + 10);
        else if (sscanf(line, "broad_pattern_share = %lf", &v) == 1) ld->broad_share = v;
        else if (sscanf(line, "copied_answer_share = %lf", &v) == 1) ld->answer_share = v;
        else if (sscanf(line, "copied_question_share = %lf", &v) == 1) ld->question_share = v;
        else if (sscanf(line, "copied_min_words = %lf", &v) == 1) ld->min_words = v;
        else if (sscanf(line, "pattern_cross_budget = %lf", &v) == 1) ld->cross_budget = v;
        else if (sscanf(line, "rule_min_alternates = %lf", &v) == 1) ld->rule_alternates = v;
        else if (sscanf(line, "rule_min_keywords = %lf", &v) == 1) ld->rule_keywords = v;
        else if (sscanf(line, "rule_min_related = %lf", &v) == 1) ld->rule_related = v;
        else if (sscanf(line, "rule_min_links = %lf", &v) == 1) ld->rule_links = v;
        else if (sscanf(line, "rule_min_answer_words = %lf", &v) == 1) ld->rule_words_lo = v;
        else if (sscanf(line, "rule_max_answer_words = %lf", &v) == 1) ld->rule_words_hi = v;
    }
}

static void kbLintFree(kbLintData *ld) {
    for (size_t i = 0; i < ld->nsentences; i++) free(ld->sentences[i]);
}

/* A pattern compiled for the checks: its JIT code when PCRE2 has it, and
 * a match limit, so a hostile pattern costs a bounded time. */
typedef struct kbLintRe {
    pcre2_code *re;
    pcre2_match_data *md;
    pcre2_match_context *mc;
} kbLintRe;

static int kbLintCompile(const char *pattern, kbLintRe *r) {
    int code;
    PCRE2_SIZE off;
    r->re = kbPatternCompile(pattern, &code, &off);
    if (!r->re) return CB_ERR; /* reported by the parser */
    (void)pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE); /* else interpreted */
    r->md = pcre2_match_data_create_from_pattern(r->re, NULL);
    r->mc = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(r->mc, KB_LINT_MATCH_LIMIT);
    return CB_OK;
}

static void kbLintReFree(kbLintRe *r) {
    pcre2_match_context_free(r->mc);
    pcre2_match_data_free(r->md);
    pcre2_code_free(r->re);
}

static int kbLintHit(const kbLintRe *r, const char *s) {
    return s && pcre2_match(r->re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, r->md, r->mc) >= 0;
}

/* How many sentences pattern r matches; *first = the first one. */
static size_t kbLintMatches(const kbLintData *ld, const kbLintRe *r, const char **first) {
    size_t hits = 0;
    *first = NULL;
    for (size_t i = 0; i < ld->nsentences; i++)
        if (kbLintHit(r, ld->sentences[i]) && !hits++) *first = ld->sentences[i];
    return hits;
}

/* Long text for the bot's match limits: the entry's own phrasings run
 * together (about 2 KB, under the bot's 4 KiB of a question) ending in
 * '?', and a run of one letter ending in '!': what makes a repeat inside
 * a repeat try every way to split the text. */
#define KB_LINT_PROBE_BYTES 2000
static char *kbLintProbe(const kbEntry *e) {
    size_t cap = KB_LINT_PROBE_BYTES + 256, n = 0;
    char *s = cbMalloc(cap);
    for (size_t a = 0; n < KB_LINT_PROBE_BYTES; a = (a + 1) % (e->alternates.n + 1)) {
        const char *t = a ? e->alternates.v[a - 1] : e->question;
        size_t tl = strlen(t);
        if (!tl || n + tl + 2 >= cap) break;
        memcpy(s + n, t, tl);
        n += tl;
        s[n++] = ' ';
    }
    s[n] = '\0';
    return s;
}

/* 1 when pattern r gives up (a limit, not a miss) on a probe. */
static int kbLintGivesUp(const kbLintRe *r, const char *entry_text) {
    static const char letters[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(mc, KB_PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(mc, KB_PATTERN_DEPTH_LIMIT);
    char *asked = cbSprintf("%s?", entry_text); /* the text, then a character it lacks */
    const char *probes[] = {entry_text, letters, asked};
    int gave_up = 0;
    for (size_t t = 0; t < CB_ARRAY_LEN(probes) && !gave_up; t++) {
        int rc = pcre2_match(r->re, (PCRE2_SPTR)probes[t], PCRE2_ZERO_TERMINATED, 0, 0, r->md, mc);
        gave_up = rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
                  rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
    }
    free(asked);
    pcre2_match_context_free(mc);
    return gave_up;
}

/* Entry i's patterns. */
static void kbLintPatternsOf(kbLoader *L, const kbLintData *ld, size_t i) {
    kbParsed *p = &L->ents[i];
    char *probe = NULL;
    for (size_t k = 0; p->ok && k < p->e.patterns.n; k++) {
        kbLintRe r;
        if (kbLintCompile(p->e.patterns.v[k], &r) != CB_OK) continue;
        char ptr[64];
        snprintf(ptr, sizeof(ptr), "/patterns/%zu", k);
        if (!probe) probe = kbLintProbe(&p->e);
        if (kbLintGivesUp(&r, probe))
            kbDiagAt(L->d, CB_DIAG_WARNING, &p->fm, ptr, 0,
                     "this pattern gives up on long questions (it hits the bot's match limit), "
                     "so it stops matching there: a repeat inside a repeat, like (\\w+\\s?)* "
                     "or (a|aa)+, tries every way to split the text; rewrite it without one");
        const char *first;
        size_t hits = kbLintMatches(ld, &r, &first);
        if (ld->nsentences && (double)hits / (double)ld->nsentences > ld->broad_share)
            kbDiagAt(L->d, CB_DIAG_WARNING, &p->fm, ptr, 0,
                     "this pattern matches nearly anything: %zu of %zu unrelated sentences, "
                     "such as \"%s\"; make it require words only this question uses",
                     hits, ld->nsentences, first);
        kbLintReFree(&r);
    }
    free(probe);
}

/* ---- copies ---- */

/* A text's distinct words as sorted hashes: comparing entries is then a
 * matter of integers, not of strings (the loader does it at every load,
 * so start-up pays for it), and kbSimilarPairs (kb_simjoin.c) finds the
 * pairs to compare without trying every one. */
static int kbU64Cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The distinct words of s (phrase-key normalized), as sorted hashes. */
static kbWords kbWordSet(const char *s) {
    char *k = kbPhraseKey(s);
    kbWords w = {cbCalloc(strlen(k) / 2 + 2, sizeof(uint64_t)), 0};
    for (char *save = NULL, *t = strtok_r(k, " ", &save); t; t = strtok_r(NULL, " ", &save))
        w.v[w.n++] = cbFnv1aStr(t);
    free(k);
    if (w.n) qsort(w.v, w.n, sizeof(uint64_t), kbU64Cmp);
    size_t o = 0;
    for (size_t i = 0; i < w.n; i++)
        if (!o || w.v[o - 1] != w.v[i]) w.v[o++] = w.v[i];
    w.n = o;
    return w;
}

/* A pair of entries (later x, earlier y) whose answers (a) or questions
 * (q) share more than the data's share of their words (else 0). */
typedef struct kbCopy {
    size_t x, y;
    double a, q;
} kbCopy;

typedef struct kbCopies {
    kbCopy *v;
    size_t n, cap;
    int answers; /* what the pairs being found are about */
} kbCopies;

static void kbCopyFound(void *ud, size_t x, size_t y, double jaccard) {
    kbCopies *c = ud;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->v = cbRealloc(c->v, c->cap * sizeof(*c->v));
    }
    c->v[c->n++] = (kbCopy){x, y, c->answers ? jaccard : 0, c->answers ? 0 : jaccard};
}

static int kbCopyCmp(const void *a, const void *b) {
    const kbCopy *p = a, *q = b;
    if (p->x != q->x) return p->x < q->x ? -1 : 1;
    return (p->y > q->y) - (p->y < q->y);
}

/* The answer's copy first: a pair is reported once. */
static void kbCopyWarn(kbLoader *L, const kbCopy *c) {
    const kbParsed *p = &L->ents[c->x], *o = &L->ents[c->y];
    if (c->a > 0)
        cbDiagAdd(L->d, CB_DIAG_WARNING, p->e.path, p->e.answer_line, 1,
                  "this answer is nearly a copy of %s's (%s:%d): %.0f%% of their words "
                  "are shared; merge the entries or make each answer its own",
                  o->e.id, o->e.path, o->e.answer_line, c->a * 100);
    else
        kbDiagAt(L->d, CB_DIAG_WARNING, &p->fm, "/question", 0,
                 "this question is nearly the same as %s's (%s:%d): %.0f%% of their "
                 "words are shared; merge the entries or ask each its own question",
                 o->e.id, o->e.path, o->e.question_line, c->q * 100);
}

/* The lint checks under way: the patterns are checked at once, then the
 * near-copy joins (answers, then questions) a few probes at a time. */
struct kbLintJob {
    kbLoader *L;
    size_t next; /* the next entry whose patterns and words are taken */
    kbLintData ld;
    kbWords *ans, *qs;
    kbCopies c;
    kbSimJob *join; /* the join under way (c.answers: of the answers) */
};

kbLintJob *kbLintBegin(kbLoader *L) {
    kbLintJob *j = cbCalloc(1, sizeof(*j));
    j->L = L;
    kbLintParse(&j->ld);
    j->ans = cbCalloc(L->n + 1, sizeof(kbWords));
    j->qs = cbCalloc(L->n + 1, sizeof(kbWords));
    j->c.answers = 1;
    return j;
}

int kbLintStep(kbLintJob *j, double deadline) {
    kbLoader *L = j->L;
    if (j->next < L->n) { /* each entry's patterns, and its words */
        do {
            size_t i = j->next++;
            kbLintPatternsOf(L, &j->ld, i);
            if (!L->ents[i].ok) continue;
            j->ans[i] = kbWordSet(L->ents[i].e.answer);
            j->qs[i] = kbWordSet(L->ents[i].e.question);
        } while (j->next < L->n && cbNowMs() < deadline);
        if (j->next < L->n) return 0;
        j->join = kbSimilarBegin(j->ans, L->n, j->ld.answer_share, j->ld.min_words, kbCopyFound,
                                 &j->c);
        return 0;
    }
    while (j->join) {
        if (!kbSimilarStep(j->join, deadline)) return 0;
        kbSimilarEnd(j->join);
        j->join = NULL;
        if (!j->c.answers) break;
        j->c.answers = 0;
        j->join = kbSimilarBegin(j->qs, j->L->n, j->ld.question_share, j->ld.min_words,
                                 kbCopyFound, &j->c);
        if (cbNowMs() >= deadline) return 0;
    }
    return 1;
}

void kbLintEnd(kbLintJob *j) {
    while (!kbLintStep(j, INFINITY)) {
    }
    kbLoader *L = j->L;
    kbCopies *c = &j->c;
    if (c->n) qsort(c->v, c->n, sizeof(*c->v), kbCopyCmp);
    for (size_t i = 0; i < c->n; i++) {
        kbCopy m = c->v[i];
        for (; i + 1 < c->n && c->v[i + 1].x == m.x && c->v[i + 1].y == m.y; i++) {
            m.a += c->v[i + 1].a;
            m.q += c->v[i + 1].q;
        }
        kbCopyWarn(L, &m);
    }
    free(c->v);
    for (size_t i = 0; i < L->n; i++) {
        free(j->ans[i].v);
        free(j->qs[i].v);
    }
    free(j->ans);
    free(j->qs);
    kbLintFree(&j->ld);
    free(j);
}

void kbLintCancel(kbLintJob *j) {
    if (!j) return;
    j->next = j->L->n; /* no more entries */
    kbSimilarCancel(j->join);
    j->join = NULL;
    j->c.n = 0;
    kbLintEnd(j);
}

void kbLintCheck(kbLoader *L) { kbLintEnd(kbLintBegin(L)); }

/* ---- patterns against the knowledge's own phrasings ---- */

/* Every how many phrasings a pattern is tried on: all of them while the
 * knowledge's patterns x phrasings fit the budget (a generated knowledge
 * of 100,000 entries would take minutes). */
static size_t kbConflictStride(const kb *k, double budget) {
    double npat = 0, nphr = 0;
    for (size_t i = 0; i < k->nentries; i++) {
        npat += (double)k->entries[i].patterns.n;
        nphr += 1.0 + (double)k->entries[i].alternates.n;
    }
    if (budget <= 0 || npat * nphr <= budget) return 1;
    return (size_t)ceil(npat * nphr / budget);
}

/* The first out-of-scope.txt line pattern r matches, or SIZE_MAX. */
static size_t kbFirstOosClaim(const kb *k, const kbLintRe *r) {
    for (size_t x = 0; x < k->out_of_scope.n; x++)
        if (kbLintHit(r, k->out_of_scope.v[x])) return x;
    return SIZE_MAX;
}

/* The first phrasing of an entry other than e (every stride-th of the
 * knowledge's phrasings) that pattern r matches; NULL when none. */
static const char *kbFirstEntryClaim(const kb *k, size_t e, size_t stride, const kbLintRe *r,
                                     const kbEntry **other) {
    size_t seen = 0;
    for (size_t o = 0; o < k->nentries; o++) {
        const kbEntry *x = &k->entries[o];
        for (size_t a = 0; a <= x->alternates.n; a++) {
            const char *s = a == 0 ? x->question : x->alternates.v[a - 1];
            if (seen++ % stride || o == e || !kbLintHit(r, s)) continue;
            *other = x;
            return s;
        }
    }
    return NULL;
}

size_t kbPatternConflicts(const kb *k, kbConflictFn fn, void *ud) {
    kbLintData ld;
    kbLintParse(&ld);
    size_t stride = kbConflictStride(k, ld.cross_budget), n = 0;
    kbLintFree(&ld);
    for (size_t e = 0; e < k->nentries; e++)
        for (size_t p = 0; p < k->entries[e].patterns.n; p++) {
            kbLintRe r;
            if (kbLintCompile(k->entries[e].patterns.v[p], &r) != CB_OK) continue;
            size_t x = kbFirstOosClaim(k, &r);
            if (x != SIZE_MAX) {
                n++;
                fn(ud, &k->entries[e], p, k->out_of_scope.v[x], NULL);
            }
            const kbEntry *other = NULL;
            const char *s = kbFirstEntryClaim(k, e, stride, &r, &other);
            if (s) {
                n++;
                fn(ud, &k->entries[e], p, s, other);
            }
            kbLintReFree(&r);
        }
    return n;
}

/* ---- stop words that change a question ---- */

void kbEachNeverStopWord(void (*fn)(void *ud, const char *w, size_t n), void *ud) {
    static const char key[] = "never_stop_word:";
    for (const char *p = kbCheckData; *p;) {
        const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
        if (strncmp(p, key, sizeof(key) - 1) == 0)
            for (const char *t = p + sizeof(key) - 1; t < end;) {
                t += strspn(t, " ");
                size_t n = strcspn(t, " \n");
                if (n) fn(ud, t, n);
                t += n ? n : 1;
            }
        p = nl ? nl + 1 : end;
    }
}

/* ---- house rules (kb check --rules) ---- */

/* One list field under its rule: at the field's line, or the question's
 * when the field is absent. */
static void kbRuleCount(cbDiags *d, const kbEntry *e, int line, const char *field, size_t n,
                        double min, const char *why) {
    if ((double)n >= min) return;
    cbDiagAdd(d, CB_DIAG_ERROR, e->path, line ? line : e->question_line, 1,
              "'%s' has %zu item%s; the house rule is at least %g: %s", field, n,
              n == 1 ? "" : "s", min, why);
}

size_t kbRulesCheck(const kb *k, cbDiags *d) {
    kbLintData ld;
    kbLintParse(&ld);
    size_t before = d->nerrors;
    for (size_t i = 0; i < k->nentries; i++) {
        const kbEntry *e = &k->entries[i];
        kbRuleCount(d, e, e->alternates_line, "alternates", e->alternates.n, ld.rule_alternates,
                    "the matcher learns an entry from its phrasings; add the ways people ask it");
        kbRuleCount(d, e, 0, "keywords", e->keywords.n, ld.rule_keywords,
                    "add the words that name the subject");
        kbRuleCount(d, e, 0, "related", e->related.n, ld.rule_related,
                    "add the ids of entries a reader may want next");
        kbRuleCount(d, e, e->links_line, "links", e->nlinks, ld.rule_links,
                    "add further reading, - title: ... with url: ...");
        size_t w = kbWordCount(e->answer);
        if ((double)w < ld.rule_words_lo || (double)w > ld.rule_words_hi)
            cbDiagAdd(d, CB_DIAG_ERROR, e->path, e->answer_line, 1,
                      "the answer has %zu words; the house rule is %g to %g: %s", w,
                      ld.rule_words_lo, ld.rule_words_hi,
                      (double)w < ld.rule_words_lo ? "say what to do and why"
                                                   : "cut it, or split it into two entries");
        if (!e->updated)
            cbDiagAdd(d, CB_DIAG_ERROR, e->path, e->question_line, 1,
                      "no 'updated' date; the house rule requires one: add a line "
                      "'updated: YYYY-MM-DD' (the day you last checked this entry)");
    }
    kbLintFree(&ld);
    return d->nerrors - before;
}
