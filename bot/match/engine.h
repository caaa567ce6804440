/* engine.h - the matcher: from a question to ranked knowledge entries with
 * a calibrated confidence. Knows nothing about chat platforms.
 *
 * Text is normalized (NFKC + case folding with utf8proc, tokens with PCRE2
 * in UCP mode, stop words removed, Snowball stems), synonyms expanded,
 * typos corrected against the knowledge vocabulary. A classifier trained
 * on the knowledge when the index is built (each entry's question and
 * alternates are its examples, out-of-scope.txt the examples of "none")
 * ranks the entries; its probability, calibrated out of fold, is the
 * confidence, and matching.json's thresholds turn it into a decision.
 * BM25F over the entries' fields (question and alternates weigh most, then
 * keywords, then the answer) serves autocomplete and, when the knowledge is
 * too big for the classifier, the ranking. Maintainers' `patterns` are explicit overrides
 * and run with PCRE2 match and depth limits.
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

/* The per-entry classifier is trained while its weights take at most 48 MB
 * and its training about a second of CPU (fewer folds, then fewer epochs as
 * the knowledge grows; engine_calib.c), and never past this many entries
 * (engParams.dense_max): beyond, the scaled path ranks: BM25F finds the
 * candidates and a re-ranker learned from the knowledge's phrasings gives
 * each its probability (engine_scaled.c, engine_rerank.c). */
#define ENG_DENSE_MAX 2000

typedef struct engParams {
    /* Thresholds on the confidence; 0 (the default): the knowledge's
     * matching.json decides (else ENG_FALLBACK_ANSWER/_SUGGEST). Set them
     * to override (config matching.*, `ask --threshold`). */
    double answer_threshold;  /* confidence >= this answers */
    double suggest_threshold; /* confidence >= this is a "did you mean" */
    /* A list of real English words that typo correction leaves alone
     * ("pilot" is not a typo of "pivot"); default ENG_DICT (Debian's
     * wamerican). NULL or a missing file: corrections are stricter. */
    const char *dict;
    /* Where the trained classifier is kept between runs (engine_cache.c):
     * a build whose training set is unchanged reads it instead of
     * training. NULL (the default): no cache. See engCacheDir. */
    const char *cache_dir;
    /* With cache_dir: a model the cache does not hold is not trained now;
     * the index is built without it and engNeedsTraining says so (the
     * running bot then trains in another process, app_train.c). */
    int cache_only;
    /* Past this many entries there is no dense classifier (the scaled
     * path); 0: ENG_DENSE_MAX. engDefaultParams takes
     * $CAREERBOT_DENSE_MAX when set (a debugging and measuring knob:
     * CAREERBOT_DENSE_MAX=1 puts any knowledge on the scaled path). */
    size_t dense_max;
    /* 1: the model decides alone, even on a question that is word for
     * word one of the knowledge's phrasings (engine_verbatim.c), as
     * `kb check` needs to find what the model did not learn. */
    int model_only;
} engParams;

/* The model cache directory: configured (the config's
 * knowledge.cache_dir, "off": none), else $CAREERBOT_KNOWLEDGE_CACHE_DIR,
 * else $XDG_CACHE_HOME/careerbot, else $HOME/.cache/careerbot; NULL: none.
 * The result may live in buf. */
const char *engCacheDir(const char *configured, char *buf, size_t buflen);

#define ENG_DICT "/usr/share/dict/american-english"

void engDefaultParams(engParams *p);

#define ENG_FALLBACK_ANSWER 0.7 /* for a knowledge without matching.json */
#define ENG_FALLBACK_SUGGEST 0.2
#define ENG_FALLBACK_ASKING 0.95 /* a message's asking part alone (engResult.asked_part) */
#define ENG_FALLBACK_REDIRECT 0.5 /* the section model's, for a redirect */

typedef struct engHit {
    const kbEntry *entry; /* borrowed from the kb */
    double score;         /* BM25F score (lexical evidence; 0 when no word matched) */
    double confidence;    /* calibrated probability that this entry is the answer */
    int pattern;          /* a maintainer's pattern matched */
} engHit;

typedef struct engResult {
    engOutcome outcome;
    engHit hits[ENG_MAX_TOP]; /* best first */
    size_t nhits;
    /* Not answered, out of scope as sure as the answer threshold (and
     * surer than any entry), and of a kind the knowledge declines by name
     * (an out-of-scope.txt "[section]", as sure as redirect_threshold):
     * that section's name (borrowed from the kb) and probability; else
     * NULL and 0. */
    const char *decline_section;
    double decline_confidence;
    /* 1: the whole message was not answered, but the sentences that ask
     * (asking.h), read alone, give the entry it ranks first matching.json's
     * asking_part_threshold: answered with it at their confidence. */
    int asked_part;
    /* An answered message with two or more questions: the entry one of
     * the others, read alone, is sure of (and the message ranks too), and
     * that confidence; else NULL and 0. */
    const kbEntry *also_asked;
    double also_confidence;
} engResult;

typedef struct engIndex engIndex;

/* NULL with err filled on failure (e.g. a pattern that does not compile). */
engIndex *engBuild(const kb *k, const engParams *p, char *err);
void engFree(engIndex *ix);
/* engBuild in slices, for a caller whose loop must keep serving (the bot's
 * reload): engBuildBegin (NULL with err on failure), then engBuildStep
 * until it returns 1 (it works until cbNowMs() reaches deadline, at least
 * one step: an entry indexed, an entry's patterns compiled, or one of the
 * whole-index phases; 0: more is left; CB_ERR with err: the build failed,
 * cancel the job), then engBuildEnd for the index (it finishes what is
 * left; NULL with err on failure), the same as engBuild's. engBuildCancel
 * drops a job. k must outlive the job. */
typedef struct engBuildJob engBuildJob;
engBuildJob *engBuildBegin(const kb *k, const engParams *p, char *err);
int engBuildStep(engBuildJob *j, double deadline, char *err);
engIndex *engBuildEnd(engBuildJob *j, char *err);
void engBuildCancel(engBuildJob *j);
/* What the job's next step does, for logs ("index: entries" ...). */
const char *engBuildStage(const engBuildJob *j);
/* 1 when the index was built with cache_only and the model was not in the
 * cache: it has no classifier yet (do not serve it; train, then build again). */
int engNeedsTraining(const engIndex *ix);
const kb *engKb(const engIndex *ix);

/* Build now what the index otherwise builds when a question first needs it:
 * the typo deletion table and the English word list (at the first word to
 * correct), each pattern's JIT code (at its first match), so that no question
 * waits for them. A long-running bot calls it before an index goes live; a
 * one-shot command (ask) does not. How many of those it built (0: none was
 * left). */
size_t engWarm(const engIndex *ix);
/* The typo tables of engWarm in pieces (the running bot's reload warms a
 * new index in slices before the swap, where engWarm then has only the
 * patterns' JIT left): the word list a chunk of lines at a time, then
 * sorted, then the deletion index a chunk of words at a time, until
 * cbNowMs() reaches deadline (at least one piece); 1 when they are built. */
int engWarmStep(const engIndex *ix, double deadline);

/* Rank entries for text (any bytes; invalid UTF-8 is an error, not a crash).
 * topic: NULL or a topic name to search only that topic. top: at most
 * ENG_MAX_TOP hits returned. CB_OK or CB_ERR with err filled. */
/* engQuery, and text's engNormalize form into *normalized (caller frees;
 * NULL when engNormalize's would be) from the same analysis: a question
 * is analyzed once, not twice. */
int engQueryNormalized(const engIndex *ix, const char *text, size_t len, const char *topic,
                       size_t top, engResult *out, char **normalized, char *err);
int engQuery(const engIndex *ix, const char *text, size_t len, const char *topic,
             size_t top, engResult *out, char *err);

/* Autocomplete: up to max entries whose question best matches a partial
 * query (prefix of the last word allowed). Fills out[] with borrowed
 * entries, returns how many. Must be fast (Discord wants < 100 ms). */
size_t engComplete(const engIndex *ix, const char *partial, size_t len, size_t max,
                   const kbEntry **out);

/* The thresholds in force (after params and matching.json). */
double engAnswerThreshold(const engIndex *ix);
double engSuggestThreshold(const engIndex *ix);

/* What the classifier learned, for `kb check` and `kb eval`: figures from
 * cross-validation on the knowledge's own examples (each predicted by a
 * model that did not train on it). trained 0: no classifier (too many
 * entries, or none). */
#define ENG_NBUCKETS 5
typedef struct engLearned {
    int trained;
    int from_cache; /* the model was read from the cache (trained by an earlier run) */
    size_t examples, features, classes;
    double temperature, train_ms;
    double evidence_weight; /* beta: how much the lexical evidence counts (0: not at all) */
    double oos_evidence_weight; /* gamma: the same for the out-of-scope lines' */
    size_t oof, oof_right; /* examples predicted out of fold, right first */
    struct {
        double lo, hi;
        size_t n, right;
    } buckets[ENG_NBUCKETS]; /* out-of-fold answers by confidence (mapped by a map
                              * fitted without their fold) */
    size_t recal_steps; /* knots of the map from probability to out-of-fold worth (0: none) */
    size_t ncollisions;
} engLearned;
void engLearnedInfo(const engIndex *ix, engLearned *out);
/* The scaled path's re-ranker (no dense classifier): what it was trained
 * on. trained 0: none (a dense classifier, or too few phrasings to learn
 * from: the confidence is then the share of the BM25F score mass). */
typedef struct engScaled {
    int trained;
    size_t phrasings; /* scored each as if it were not in the index */
    size_t examples, positives; /* candidates, and those that were the right entry */
    size_t right_first; /* phrasings whose entry BM25F ranked first */
    double logloss, train_ms; /* per candidate, fitted; CPU of the training */
    int from_cache; /* read from the model cache, not trained by this build */
} engScaled;
void engScaledInfo(const engIndex *ix, engScaled *out);
/* Entries past which the index keeps no dense classifier (params, else
 * ENG_DENSE_MAX). */
size_t engDenseMax(const engIndex *ix);

/* Collision i (most frequent first): examples of entry `from` that went to
 * entry `to` out of fold, how many, and one of them. 0 when i is past the
 * end. */
int engCollision(const engIndex *ix, size_t i, const kbEntry **from, const kbEntry **to,
                 size_t *n, const char **example);

/* The normalized form of a question (tokens joined by spaces), as used for
 * grouping unanswered questions in the history. Caller frees. NULL when
 * text is not valid UTF-8 (or holds a NUL byte). */
char *engNormalize(const engIndex *ix, const char *text, size_t len);

#endif
