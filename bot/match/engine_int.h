/* engine_int.h - the engine's internals, shared by bot/match/engine*.c only:
 * the hash maps, the typo index, and the index layout. Not an interface
 * for other modules (use engine.h). */
#ifndef CB_ENGINE_INT_H
#define CB_ENGINE_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/radix.h"
#include "match/engine.h"
#include "match/engine_model.h"
#include "match/text.h"

/* ---- string -> uint32 map (open addressing, keys copied) ---- */
typedef struct engMap {
    uint64_t *h;    /* 0 = empty slot */
    uint32_t *val;
    uint32_t *koff; /* key offset in arena */
    size_t cap, n;
    char *arena;
    size_t alen, acap;
} engMap;

void engMapInit(engMap *m);
void engMapFree(engMap *m);
/* 1 and *val when found, else 0. */
int engMapGet(const engMap *m, const char *k, size_t n, uint32_t *val);
/* Insert k -> val unless present; returns the value stored for k. */
uint32_t engMapPut(engMap *m, const char *k, size_t n, uint32_t val);
/* The value slot of k (to update it), or NULL. */
uint32_t *engMapRef(engMap *m, const char *k, size_t n);
uint64_t engHash(const void *p, size_t n, uint64_t seed);

/* ---- uint64 -> many uint32 (for the typo deletes) ---- */
typedef struct engMulti {
    uint64_t *key; /* 0 = empty */
    uint32_t *val;
    size_t cap, n;
} engMulti;

void engMultiInit(engMulti *m);
void engMultiFree(engMulti *m);
/* Add val under key; a (key, val) pair already there is not added again
 * (a word's deletion variants repeat: "abc" minus a then b, or b then a). */
void engMultiAdd(engMulti *m, uint64_t key, uint32_t val);
/* Calls fn(val, ud) for each value under key. */
void engMultiEach(const engMulti *m, uint64_t key, void (*fn)(uint32_t val, void *ud), void *ud);

/* ---- typo correction: a SymSpell-style deletion index over the
 * knowledge's words (ASCII letters, 4..32 chars) ---- */
#define ENG_TYPO_MAXLEN 32
typedef struct engTypo {
    engMap words;   /* word -> id */
    char **w;       /* id -> word */
    uint32_t *freq; /* id -> occurrences in the knowledge */
    size_t n, cap;
    int indexed;    /* the vocabulary is complete: corrections may start */
    /* hash(deletion variant) -> word id, built at the first word that
     * needs a correction, not at every start (it was a tenth of one);
     * behind a pointer, so a query (const) can build it. */
    struct engTypoDels *dels;
    /* Real English words (never "corrected"): the word list is read the
     * first time a correction needs it, not at every start (parsing it is
     * a third of a start-up). Behind a pointer, so a query (const) can
     * fill it. */
    struct engDict *dict;
} engTypo;

void engTypoInit(engTypo *t);
void engTypoFree(engTypo *t);
void engTypoAddWord(engTypo *t, const char *w); /* counts occurrences */
void engTypoIndex(engTypo *t); /* the vocabulary is complete (deletions: when first needed) */
/* Name a word list (one word a line, e.g. /usr/share/dict/american-english):
 * its words are real words, left alone. It is read when first needed; a
 * file that cannot be read makes corrections stricter. */
void engTypoSetDict(engTypo *t, const char *path);
/* Read the word list and build the deletion index now, if not yet (a
 * correction does it first otherwise); how many of the two it did. */
size_t engTypoWarm(const engTypo *t);
/* 1 when the word list could be read (reads it now if not yet). */
int engTypoHasDict(const engTypo *t);
/* Max edit distance allowed for a query word of this length (0: none). */
int engTypoMaxDist(size_t len);
/* The best correction of w (not itself a known word), or NULL. */
const char *engTypoCorrect(const engTypo *t, const char *w, int *dist);
/* Optimal string alignment distance, or max+1 when above max. */
int engOsa(const char *a, size_t la, const char *b, size_t lb, int max);

/* ---- the index ---- */
/* question+alternates, keywords, answer; Q2: in two phrasings or more
 * (still in the question field with one of them left out) */
enum { ENG_F_Q = 1, ENG_F_K = 2, ENG_F_A = 4, ENG_F_Q2 = 8 };
#define ENG_MAX_QTERMS 256 /* distinct terms of a question considered */
#define ENG_FLAG_PATTERN 4 /* scratch flags: a maintainer's pattern matched (engine_query.c) */

typedef struct engPost {
    uint32_t entry;
    float impact; /* BM25F contribution of the term to the entry */
    float impact_loo; /* the same with one of the entry's phrasings left out (training) */
    uint8_t fields;
} engPost;

typedef struct engTerm {
    char *name;
    uint32_t df;
    float idf;
    uint8_t asked; /* in some question, alternate or keyword (not only answers) */
    size_t off, n; /* postings in ix->posts */
} engTerm;

typedef struct engPair {
    uint64_t key;
    uint32_t entry;
} engPair;

typedef struct engPattern {
    uint32_t entry;
    pcre2_code *code;
    pcre2_code *filter; /* a necessary condition, tried first (may be NULL) */
    char **lits;        /* one of these is in every match (NULL: unknown) */
    /* code / filter compiled to machine code: at its first match (under the
     * query lock), so a start-up does not pay for patterns it never runs */
    uint8_t code_jit, filter_jit;
} engPattern;

/* engine_prefilter.c: for "^(?!guard)(?=...).*rest", the regex "rest"
 * (unanchored, leading ".*" dropped), which matches whenever the pattern
 * does; NULL when the pattern cannot be split safely. Caller frees. */
char *engPatternFilter(const char *pattern);

/* engine_prefilter.c: literal strings (lower case, NULL-terminated) one of
 * which every match of the pattern contains; NULL when the scanner cannot
 * tell. engPlainLower: 1 when text has only ASCII and no capital letter
 * (what a normalized question mostly is). engPatternMayMatch: 0 only when
 * plain text holds none of the literals, so the pattern cannot match it;
 * 1 otherwise (lits NULL: always). */
char **engPatternLiterals(const char *pattern);
void engPatternLiteralsFree(char **lits);
int engPlainLower(const char *text);
int engPatternMayMatch(char *const *lits, const char *text, int plain);

/* A term of the lookup lists: its hash and the lists it is in (bits). */
typedef struct engLookupStem {
    uint64_t hash, lists;
} engLookupStem;

/* The first of n records of stride bytes, sorted by the uint64_t key each
 * starts with, whose key is not below key (n when none): the search the
 * sorted hash tables share (bigrams, lookup lists, out-of-scope terms, the
 * word list). */
static inline size_t engKeyLowerBound(const void *v, size_t n, size_t stride, uint64_t key) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t k;
        memcpy(&k, (const char *)v + mid * stride, sizeof(k));
        if (k < key) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* One term of one out-of-scope.txt line (engine_oos.c). */
typedef struct engOosPost {
    uint64_t hash; /* of the analyzed term */
    uint32_t line; /* index in kb.out_of_scope */
    float weight;  /* the term's idf (see engine_oos.c) */
} engOosPost;

/* One phrasing of the knowledge, word for word (engine_verbatim.c). */
typedef struct engVerbatim {
    uint64_t hash;  /* of its kbPhraseKey */
    uint32_t label; /* entry index, or nentries: an out-of-scope line */
    uint32_t line;  /* the out-of-scope line's index in kb.out_of_scope */
} engVerbatim;

/* engKeyLowerBound reads the key at offset 0 of these records. */
_Static_assert(offsetof(engPair, key) == 0, "engPair: key first");
_Static_assert(offsetof(engLookupStem, hash) == 0, "engLookupStem: hash first");
_Static_assert(offsetof(engOosPost, hash) == 0, "engOosPost: hash first");
_Static_assert(offsetof(engVerbatim, hash) == 0, "engVerbatim: hash first");

/* Per-query work arrays (one query at a time, behind mu). */
typedef struct engScratch {
    pthread_mutex_t mu;
    float *acc;
    float *acc_terms; /* per entry: acc from the terms alone (no bigram or pattern bonus) */
    uint32_t loo;     /* engExampleEvidence: the entry whose phrasing is scored, else UINT32_MAX */
    double mass;      /* the question's informative weight: idf of its terms (see questionMass) */
    double mass_max;  /* the largest of the training phrasings' (engExampleEvidence) */
    uint8_t *flags;
    uint32_t *touched;
    size_t ntouched;
    /* the classifier's work: features, probabilities (entries + 1),
     * confidences and candidates (entries), the topic filter */
    mdlKeys keys;
    mdlVec vec;
    double *prob, *conf;
    uint32_t *cand;
    uint8_t *allow;
    /* the question's distinct known terms, their weights (a corrected
     * word ranks less) and its out-of-scope evidence, kept by a query on
     * the scaled path for the re-ranker (engine_scaled.c) */
    uint32_t qterm[ENG_MAX_QTERMS];
    float qmult[ENG_MAX_QTERMS];
    size_t nq;
    double oos_ev;
    float *oos_acc;         /* per out-of-scope line: weight of the question it holds */
    uint32_t *oos_touched;  /* the lines with oos_acc > 0 */
} engScratch;

struct engIndex {
    const kb *k;
    engParams p;
    txtCtx *txt;
    engMap termmap; /* term -> id */
    engTerm *terms;
    size_t nterms, capterms;
    engPost *posts;
    size_t nposts;
    engMap synmap;  /* stems joined by ' ' -> canonical id */
    engMap synfirst; /* one stem -> SYN_MULTI (a multi-word synonym starts
                      * with it) | canonical id + 1 (it is a synonym alone) */
    char **canon;   /* canonical terms */
    size_t ncanon, syn_maxlen;
    engTypo typo;
    engPair *bigrams; /* (hash(term a, term b), entry), sorted, unique */
    size_t nbigrams, capbigrams;
    uint32_t *topic;  /* entry -> topic id */
    char **topics;    /* topic id -> name */
    size_t ntopics;
    engPattern *pats;
    size_t npats, cappats;
    pcre2_match_context *mctx;
    double idf_max;
    char **words; /* sorted surface words, for completion */
    uint32_t *word_term; /* term id of words[i] alone, or UINT32_MAX */
    uint32_t *word_freq; /* occurrences of words[i] in the knowledge */
    size_t nwords;
    engScratch *scr;
    mdlModel *model; /* NULL when the knowledge is too big for it (engine_train.c) */
    mdlModel *sections; /* out-of-scope.txt's sections; NULL with fewer than two */
    engLookupStem *lookup; /* lookups.yaml's terms, sorted (engine_lookup.c) */
    size_t nlookup;
    engOosPost *oos; /* out-of-scope.txt's terms, sorted (engine_oos.c) */
    size_t noos;
    float *oos_mass; /* per line: the weight of its terms */
    engVerbatim *verbatim; /* the phrasings' keys, sorted (engine_verbatim.c) */
    size_t nverbatim, capverbatim;
    struct engRerank *rerank; /* the scaled path's re-ranker (engine_rerank.c), or NULL */
    int needs_training; /* cache_only and a cache miss: model NULL for now */
    /* Each entry's phrasings as term lists (engine_phrase.c): entry e's
     * are ph_first[e] .. ph_first[e + 1]; phrasing p's distinct terms
     * ph_term[ph_off[p] .. ph_off[p + 1]), their idf summed in ph_mass[p];
     * ph_qpos: per term, its place in the question + 1 (while marked). */
    uint32_t *ph_first, *ph_off, *ph_term;
    size_t ph_capent, nph, ph_cap, ph_termcap;
    float *ph_mass;
    uint16_t *ph_qpos;
    double answer_thr, suggest_thr, pattern_conf, redirect_thr, asking_thr; /* in force */
    double pattern_floor; /* matching.json's: a pattern lifts an entry at least this sure */
};

/* engine_lookup.c: the lookup lists' terms (after the synonyms), and the
 * list features of analyzed terms, added to keys. */
void engBuildLookups(engIndex *ix);
void engLookupKeys(const engIndex *ix, const txtToks *terms, mdlKeys *keys);

/* engine_train.c: train the classifier on the knowledge (ix->model). */
int engTrain(engIndex *ix, char *err);
/* engTrain in steps (the running bot's reload): Begin collects the
 * examples; each Step hashes a chunk of the model cache's key (every
 * answer of a big knowledge), the last one reads or trains the models:
 * 0 more to do, 1 done, CB_ERR with err. Free drops the job. */
typedef struct engTrainJob engTrainJob;
engTrainJob *engTrainBegin(engIndex *ix);
int engTrainStep(engTrainJob *j, char *err);
void engTrainFree(engTrainJob *j);
/* engine_scaled.c: without a classifier, the confidence of the
 * candidates (conf[e]): the best ENG_RR_TOP_K entries BM25F touched, each
 * with the re-ranker's probability (without one: the BM25F share of every
 * entry touched); fills cand with them, returns how many. */
size_t engScaledConfidence(const engIndex *ix, double *conf, uint32_t *cand);

/* ---- the scaled path's re-ranker (engine_scaled.c, engine_rerank.c) ---- */
#define ENG_RR_TOP_K ENG_MAX_TOP /* candidates re-ranked, from BM25F */
#define ENG_RR_MAX_PHRASINGS 6000 /* phrasings it trains on at most (bounds its time) */
/* A candidate's features: its terms' BM25F score, the gap to the best,
 * the margin over the best other, first by score, log(1 + rank), the
 * score over the question's weight (the evidence), the shares of that
 * weight it matches in all / through its question and alternates /
 * keywords only / the answer only, a pattern matched; of the question:
 * the share of its weight no entry matches, its out-of-scope evidence,
 * log(1 + entries touched), log(1 + its terms); the BM25F share; and how
 * the question matches the candidate's best phrasing (Dice of their
 * weights, the share of the phrasing it holds: engine_phrase.c). */
enum {
    ENG_RR_SCORE, ENG_RR_GAP, ENG_RR_MARGIN, ENG_RR_FIRST, ENG_RR_RANK, ENG_RR_EVIDENCE,
    ENG_RR_COVER, ENG_RR_QFIELD, ENG_RR_KFIELD, ENG_RR_AFIELD, ENG_RR_PATTERN, ENG_RR_UNKNOWN,
    ENG_RR_OOS, ENG_RR_TOUCHED, ENG_RR_NTERMS, ENG_RR_SOFTMAX, ENG_RR_PHBOTH, ENG_RR_PHCOVER,
    ENG_RR_NFEAT
};
typedef struct engRerank {
    double w[ENG_RR_NFEAT], b; /* over standardized features; the intercept */
    double mean[ENG_RR_NFEAT], sd[ENG_RR_NFEAT];
    size_t phrasings, examples, positives, right_first;
    double logloss, train_ms;
    int from_cache; /* read from the model cache (trained by an earlier run) */
} engRerank;
/* Train ix->rerank (left NULL when there is too little to learn from). */
int engRerankTrain(engIndex *ix, char *err);
/* The re-ranker kept in the model cache dir under key (MDC_KEYLEN bytes),
 * "none" (too little to learn from) included: CB_OK when read (ix->rerank
 * set, or left NULL for "none"), CB_ERR on a miss or a file that does not
 * check (logged). engRerankSave writes ix->rerank (or "none"). */
int engRerankLoad(engIndex *ix, const char *dir, const uint8_t *key);
void engRerankSave(const engIndex *ix, const char *dir, const uint8_t *key);
/* Features of cand[0..n) (best first by BM25F) for the question in the
 * scratch; loo: the entry whose phrasing is scored left out (training),
 * else UINT32_MAX, loo_ph: that phrasing's place among the entry's;
 * oos: the question's out-of-scope evidence. */
void engRerankFeatures(const engIndex *ix, const uint32_t *cand, size_t n, uint32_t loo,
                       uint32_t loo_ph, double oos, double (*f)[ENG_RR_NFEAT]);
double engRerankProb(const engRerank *r, const double *f);

/* A text as canonical terms (synonyms applied). corrected[i] != 0 when the
 * term came from a typo correction. Term strings live in ts->buf. */
typedef struct engTerms {
    txtToks t;        /* scratch: as analyzed */
    txtToks f;        /* scratch: typos fixed */
    txtToks out;      /* canonical terms: raw = stem = the term */
    uint8_t *corrected;
    size_t ccap;
} engTerms;

void engTermsInit(engTerms *x);
void engTermsFree(engTerms *x);
/* Normalize, tokenize, (typo-correct when fix), canonicalize. */
int engAnalyze(const engIndex *ix, const char *s, size_t len, int fix, engTerms *x, char *err);
/* Apply synonyms to t (stems) into x->out. */
void engCanon(const engIndex *ix, const txtToks *t, const uint8_t *corr, engTerms *x);
/* engNormalize's string from analyzed (not typo-fixed) tokens t. */
char *engCanonJoin(const engIndex *ix, const txtToks *t);

#define ENG_NOTERM UINT32_MAX
#define ENG_SYN_MULTI 0x80000000u
uint32_t engTermId(const engIndex *ix, const char *term);
/* A term's weight in a question's mass: its idf, or the highest idf for
 * a term the entries never use (id ENG_NOTERM). */
double engTermWeight(const engIndex *ix, uint32_t id);
/* The posting of term t for entry e, NULL when e does not hold t. */
const engPost *engFindPost(const engIndex *ix, uint32_t t, uint32_t e);
uint64_t engPairHash(uint32_t a, uint32_t b);
/* The best `top` entries touched in the scratch (score > 0), best first. */
size_t engSelectTop(const engScratch *s, size_t top, uint32_t *best);
/* The topic id of a name (case-insensitive), or -1. */
long engTopicId(const engIndex *ix, const char *name);

/* engine_query.c: the lexical evidence the classifier's confidence weighs
 * besides its own logits (mdlPredictEv): the share of the question's
 * informative weight each touched entry matches (its BM25F score from the
 * terms over the idf of the question's terms, a word the knowledge never
 * uses counting as the rarest), into ev (entries; the rest 0).
 * engExampleEvidence gives the same for a training example of entry label
 * (nentries: out of scope; UINT32_MAX: a question of examples/, which is in
 * no entry's phrasings) as if that phrasing were not in the index, as a
 * sparse list the caller frees (*ent, *val, count returned); its text self
 * is left out of the out-of-scope evidence (class nentries, engine_oos.c),
 * which engEvidence leaves to its caller. */
void engEvidence(const engIndex *ix, double *ev, size_t nclass);
/* The scratch as a query of x leaves it, for the re-ranker's training:
 * x's terms scored with entry loo's phrasing left out (UINT32_MAX: none),
 * the maintainers' patterns on norm (may be NULL), no bigrams; its terms
 * kept. engScratchReset clears it for the next. */
void engScoreExample(const engIndex *ix, const engTerms *x, uint32_t loo, const char *norm,
                     size_t nl);
void engScratchReset(const engIndex *ix);
size_t engExampleEvidence(const engIndex *ix, const engTerms *x, uint32_t label, const char *self,
                          uint32_t **ent, float **val);

/* engine_phrase.c: the phrasings' terms, kept while indexing (Entry:
 * entry e's phrasings start; Add: one phrasing's terms, NULL for none;
 * Finish: after the postings, their weights), and how a question (the
 * scratch's terms, marked with Mark(1) before and Mark(0) after) matches
 * candidate c's best phrasing: Dice of the two weights (mass: the
 * question's) and the share of the phrasing the question holds, the
 * phrasing skip (its place in the entry) left out. */
void engPhraseEntry(engIndex *ix, uint32_t e);
void engPhraseAdd(engIndex *ix, const txtToks *terms);
void engPhraseFinish(engIndex *ix);
void engPhraseFree(engIndex *ix);
void engPhraseMark(const engIndex *ix, int on);
void engPhraseMatch(const engIndex *ix, uint32_t c, uint32_t skip, double mass, double *both,
                    double *cover);

/* engine_oos.c: the out-of-scope lines' terms (after the scratch exists),
 * and the out-of-scope evidence of analyzed terms x: the largest share of
 * the question's weight (scr->mass, set first) one line holds, in [0, 1];
 * self: a line's text to leave out (a training example), or NULL. */
void engBuildOos(engIndex *ix);
double engOosEvidence(const engIndex *ix, const engTerms *x, const char *self);

/* engine_verbatim.c: the phrasings' keys, entry e's question and alternates
 * as each entry is indexed (so the build's slices share the work), then
 * the out-of-scope lines and the sort (a job: step it until sorted, free
 * it), then the table (one record a key: engVerbatimFinish); and the one
 * a question says word for word: NULL when none, when two labels share
 * it, or with engParams.model_only. */
void engVerbatimAddEntry(engIndex *ix, uint32_t e);
cbRadixJob *engVerbatimSort(engIndex *ix);
void engVerbatimFinish(engIndex *ix);
const engVerbatim *engVerbatimFind(const engIndex *ix, const char *text, size_t len);

#endif
