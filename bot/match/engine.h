/* engine.h - the matcher: from a question to ranked knowledge entries with
 * a calibrated confidence. Knows nothing about chat platforms.
 *
 * Text is normalized (NFKC + case folding with utf8proc, tokens with PCRE2
 * in UCP mode, stop words removed, Snowball stems), synonyms expanded,
 * typos corrected against the knowledge vocabulary, then entries ranked with
 * BM25F over their fields (question and alternates weigh most, then
 * keywords, then the answer), with bonuses for bigram matches and for
 * maintainers' `patterns`, which run with PCRE2 match and depth limits.
 *
 * An index borrows its kb (never frees it): free the index first. */
#ifndef CB_ENGINE_H
#define CB_ENGINE_H

#include <stddef.h>

#include "kb/kb.h"

#define ENG_MAX_TOP 25
#define ENG_MAX_QUERY 4096 /* bytes of a question considered; the rest is ignored */

typedef enum {
    ENG_ANSWER = 0,      /* top hit is confident enough to answer */
    ENG_DID_YOU_MEAN,    /* not confident, but some entries are close */
    ENG_ABSTAIN          /* nothing close */
} engOutcome;

typedef struct engParams {
    double answer_threshold;  /* confidence >= this answers (default 0.5) */
    double suggest_threshold; /* confidence >= this is a "did you mean" (default 0.2) */
    /* A list of real English words that typo correction leaves alone
     * ("pilot" is not a typo of "pivot"); default ENG_DICT (Debian's
     * wamerican). NULL or a missing file: corrections are stricter. */
    const char *dict;
} engParams;

#define ENG_DICT "/usr/share/dict/american-english"

void engDefaultParams(engParams *p);

typedef struct engHit {
    const kbEntry *entry; /* borrowed from the kb */
    double score;         /* raw ranking score */
    double confidence;    /* calibrated, in [0,1] */
    /* What the confidence was computed from (for `ask --json` and eval). */
    double coverage;      /* share of the question's informative words matched, [0,1] */
    double margin;        /* (score - best other score) / score, [-1,1] */
    double strength;      /* informativeness matched, in idf units */
    int pattern;          /* a maintainer's pattern matched */
    double feat[32];      /* the confidence features (ENG_NFEAT used, see engFeatName) */
} engHit;

/* The confidence is a logistic regression over ENG_NFEAT features of a hit
 * (engine_conf.c); `kb eval --fit` refits it from labelled questions. */
#define ENG_NFEAT 25
const char *engFeatName(size_t i);
/* The confidence of a hit with these features under coefficients coef
 * (coef[0] the intercept, coef[1 + i] feature i), with the engine's rules
 * on top (a maintainer's pattern, a near-exact phrasing). */
double engConfidence(const double *feat, const double *coef);
/* The engine's own coefficients (ENG_NFEAT + 1 values). */
const double *engCoefficients(void);

typedef struct engResult {
    engOutcome outcome;
    engHit hits[ENG_MAX_TOP]; /* best first */
    size_t nhits;
} engResult;

typedef struct engIndex engIndex;

/* NULL with err filled on failure (e.g. a pattern that does not compile). */
engIndex *engBuild(const kb *k, const engParams *p, char *err);
void engFree(engIndex *ix);
const kb *engKb(const engIndex *ix);

/* Rank entries for text (any bytes; invalid UTF-8 is an error, not a crash).
 * topic: NULL or a topic name to search only that topic. top: at most
 * ENG_MAX_TOP hits returned. CB_OK or CB_ERR with err filled. */
int engQuery(const engIndex *ix, const char *text, size_t len, const char *topic,
             size_t top, engResult *out, char *err);

/* Autocomplete: up to max entries whose question best matches a partial
 * query (prefix of the last word allowed). Fills out[] with borrowed
 * entries, returns how many. Must be fast (Discord wants < 100 ms). */
size_t engComplete(const engIndex *ix, const char *partial, size_t len, size_t max,
                   const kbEntry **out);

/* The normalized form of a question (tokens joined by spaces), as used for
 * grouping unanswered questions in the history. Caller frees. NULL when
 * text is not valid UTF-8 (or holds a NUL byte). */
char *engNormalize(const engIndex *ix, const char *text, size_t len);

#endif
