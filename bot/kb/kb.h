/* kb.h - the knowledge base: loading and validating the maintainers' files.
 *
 * Layout on disk (see knowledge/README.md):
 *   knowledge/<topic>/_topic.json   {"title": ..., "description": ...}
 *   knowledge/<topic>/<slug>.md     JSON front matter between two "---"
 *                                   lines, then the answer in Markdown
 *   knowledge/synonyms.json         [["aws", "amazon web services"], ...]
 *   knowledge/out-of-scope.txt      questions to decline, one a line,
 *                                   in [sections] by kind
 *   knowledge/redirects.yaml        where to ask instead, per section
 *   knowledge/lookups.yaml          word lists the matcher uses as features
 *   knowledge/matching.json         decision thresholds (kb_examples.c)
 *   knowledge/smalltalk.yaml        greetings, thanks, ... and their replies
 *   knowledge/examples/<name>.jsonl      questions labelled with their entries,
 *                                   training data only (kb_training.c)
 *
 * kbLoad() reads everything or nothing: it returns a complete, validated
 * knowledge base, or NULL with every problem in the diagnostics list (each
 * with file:line:column and what to fix). The caller keeps serving its old
 * kb when NULL comes back. A kb is immutable once loaded; kbFree() frees it
 * and everything it owns (all strings below are owned by the kb). */
#ifndef CB_KB_H
#define CB_KB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

/* ---- the model ---- */
typedef struct kbSource {
    char *title;
    char *url;       /* may be NULL only for the seed article (see README) */
    char *publisher; /* optional */
    char *date;      /* optional */
    int url_line, url_col; /* position of the url value in the file (0 = unknown) */
} kbSource;

typedef struct kbLink {
    char *title;
    char *url;
    int url_line, url_col; /* position of the url value in the file (0 = unknown) */
} kbLink;

typedef struct kbStrs {
    char **v;
    size_t n;
} kbStrs;

typedef struct kbEntry {
    char *id;    /* "<topic>/<slug>" */
    char *topic; /* "<topic>" */
    char *path;  /* the file it came from */
    char *question;
    char *summary;   /* plain text, at most KB_MAX_SUMMARY_WORDS; NULL if absent */
    kbStrs alternates;
    kbStrs keywords;
    kbStrs patterns;  /* PCRE2 sources; compiled by the engine */
    kbSource *sources;
    size_t nsources;
    kbLink *links;
    size_t nlinks;
    kbStrs related; /* ids, checked to exist */
    char *updated;  /* "YYYY-MM-DD" or NULL */
    char *answer;   /* Markdown, trimmed, never empty */
    int answer_line; /* line of the file where the answer starts */
    /* Positions, for diagnostics found after loading (patterns, links). */
    int question_line, alternates_line, patterns_line, links_line;
    /* kbPhraseHash of each phrasing's key (the question, then each
     * alternate), kept by the loader's shared-phrasings check so the
     * index does not fold them again; NULL when that check did not run. */
    uint64_t *phrase_hash;
} kbEntry;

typedef struct kbTopic {
    char *name; /* directory name */
    char *title;
    char *description;
    size_t nentries;
} kbTopic;

/* matching.json: decision thresholds on the calibrated confidence (0 when
 * the file does not set one: the engine's fallback then applies). */
typedef struct kbMatching {
    double answer_threshold;
    double suggest_threshold;
    double pattern_confidence; /* the confidence a maintainer's pattern gives */
    double pattern_floor;      /* ...to an entry the classifier gives at least this (0: any) */
    double redirect_threshold; /* a declined question's kind, this sure, gets its redirect */
    double asking_part_threshold; /* the sentences that ask, read alone, this sure: answered */
    double length_normalization;  /* a question's features over its norm to this power (0: 1) */
} kbMatching;

/* redirects.yaml: where to ask instead, for a kind of question the bot
 * declines (kb_redirects.c): the reply for an out-of-scope.txt section. */
typedef struct kbRedirect {
    char *section;  /* the out-of-scope.txt section it answers */
    char *reply;    /* Markdown, the entries' subset */
    int reply_line; /* where redirects.yaml has it */
} kbRedirect;

/* lookups.yaml: a named word list the matcher uses as one feature
 * (kb_lookups.c). */
typedef struct kbLookup {
    char *name;
    kbStrs words;
} kbLookup;

/* smalltalk.yaml: what the bot says to "hi", "thanks", "good bot"
 * (kb_smalltalk.c); without the file, the copy built into the binary.
 * Phrases, greetings and addressees are kept folded (kbSmalltalkFold). */
#define KB_SMALLTALK_MAX 80 /* bytes: a longer message is never small talk */
typedef struct kbSmalltalkPhrase {
    char *phrase;      /* folded */
    const char *reply; /* one of kbSmalltalk.replies; NULL: the help text */
    int not_helpful;   /* its reply says "feedback: not-helpful": the message also
                        * tells the bot its last answer did not help */
    int line, col;     /* where smalltalk.yaml lists it */
} kbSmalltalkPhrase;

typedef struct kbSmalltalk {
    char **replies; /* the texts, in file order; NULL for "command: help" */
    size_t nreplies;
    kbSmalltalkPhrase *phrases; /* sorted by phrase (strcmp), each once */
    size_t nphrases;
    kbStrs greetings;  /* may open a question; longest first */
    kbStrs addressees; /* single words: "hi there", "thanks bot" */
    int builtin;       /* the built-in copy (no smalltalk.yaml in the folder) */
} kbSmalltalk;

/* crisis.yaml: messages that may come from someone in crisis, answered
 * with where to find help, before anything else (kb_crisis.c); without
 * the file, the copy built into the binary. */
typedef struct kbCrisis {
    struct pcre2_real_code_8 **re; /* the patterns, compiled (case ignored) */
    size_t nre;
    char *reply; /* Markdown */
    int builtin;
} kbCrisis;

/* Where example i of kb.train_q is: train_files.v[file], line. */
typedef struct kbExampleAt {
    uint32_t file;
    int line;
} kbExampleAt;

typedef struct kb {
    char *dir;
    kbEntry *entries; /* sorted by id */
    size_t nentries;
    kbTopic *topics; /* sorted by name */
    size_t ntopics;
    kbStrs *synonyms; /* groups of equivalent terms, as written */
    size_t nsynonyms;
    /* out-of-scope.txt: questions to decline, one a line (the matcher
     * learns them as one more class), with their line numbers. */
    kbStrs out_of_scope;
    int *out_of_scope_line;
    char *out_of_scope_path; /* NULL when there is no such file */
    /* "[name]" lines in out-of-scope.txt start a section: each is its own
     * class for the matcher, so a declined question is known to be, say,
     * a coding question. Section 0 is "" (questions before any section);
     * out_of_scope_section[i] is question i's. */
    uint32_t *out_of_scope_section;
    kbStrs out_of_scope_sections;
    kbRedirect *redirects; /* redirects.yaml, in file order */
    size_t nredirects;
    kbLookup *lookups; /* lookups.yaml, in file order */
    size_t nlookups;
    /* stopwords.txt: words the matcher leaves out of every text (ASCII
     * case folded, in file order); the built-in list when the folder has
     * no such file (stopwords_path NULL). v is NULL only in a kb made
     * without the loader: read it with kbStopWords. */
    kbStrs stopwords;
    char *stopwords_path;
    kbMatching matching;
    kbSmalltalk smalltalk;
    kbCrisis crisis;
    /* examples/<name>.jsonl (kb_training.c): questions the matcher learns, one
     * per id they name; train_ids.v[i] is train_q.v[i]'s entry id, ""
     * for out of scope. Nothing but training reads them. */
    kbStrs train_q;
    kbStrs train_ids;
    kbStrs train_files;    /* the examples' files, as the loader named them */
    kbExampleAt *train_at; /* per example: where it is (for messages) */
} kb;

/* Load and validate dir. Returns NULL if there is any error (all of them
 * are in d, sorted by file then line); warnings alone do not fail the load.
 * "Today" for the staleness warnings is $CAREERBOT_TODAY (YYYY-MM-DD) when
 * set, else the wall clock. */
kb *kbLoad(const char *dir, cbDiags *d);
void kbFree(kb *k);
void kbStrsFree(kbStrs *s);
/* The stop words built into the binary (the bundled knowledge's
 * stopwords.txt at build time), for a folder without the file and for
 * tools with no knowledge loaded. The caller frees out with kbStrsFree. */
void kbStopWordsBuiltIn(kbStrs *out);
/* k's stop words: &k->stopwords, or, for a kb made without the loader,
 * the built-in list in *tmp (the caller frees tmp with kbStrsFree). */
const kbStrs *kbStopWords(const kb *k, kbStrs *tmp);
/* The loader's parser of a stopwords.txt text (len bytes): its words into
 * out (which must be empty; an empty list, not NULL, when there are none),
 * ASCII case folded, duplicates dropped; problems go to d as path's. */
void kbStopWordsParse(const char *path, const char *text, size_t len, cbDiags *d, kbStrs *out);
/* Patterns that claim what the knowledge puts elsewhere (kb_lint.c, for
 * `kb check`'s report): for each pattern p of entry e, the first line of
 * out-of-scope.txt it matches (other NULL: the bot would answer what the
 * knowledge declines) and the first question or alternate of another
 * entry it matches (questions like it would get e instead). Past the
 * pattern_cross_budget of kb_check_data.txt, phrasings are sampled
 * evenly. Returns how many were reported. */
/* The house rules of a curated knowledge (kb_check_data.txt's rule_*
 * thresholds: alternates, keywords, related ids, links, answer words, an
 * 'updated' date) as errors at each entry's file:line. Returns how many. */
size_t kbRulesCheck(const kb *k, cbDiags *d);

typedef void (*kbConflictFn)(void *ud, const kbEntry *e, size_t p, const char *line,
                             const kbEntry *other);
size_t kbPatternConflicts(const kb *k, kbConflictFn fn, void *ud);
/* Free k's entries from the last down to keep (nentries becomes keep): a
 * big kb freed a chunk at a time (the running bot's old knowledge). */
void kbFreeEntries(kb *k, size_t keep);

/* What a knowledge directory may hold, in all: past either bound the load
 * fails with "is this the right directory?" (a mistaken --kb, such as a
 * home directory, is refused instead of read). 250,000 directory entries
 * leave room for 100,000 entries and more; 1 GiB of entry files is 4 KiB
 * an entry at 250,000 (the bundled entries average 5 KiB, generated ones
 * 1.2 KiB). Each file is also at most KB_MAX_FILE bytes. */
#define KB_MAX_FILES 250000
#define KB_MAX_BYTES ((size_t)1 << 30)

/* kbLoad with options. */
typedef struct kbLoadOpts {
    long long now; /* in: wall time (UTC seconds) for staleness; 0 = as kbLoad */
    /* in: 1 when the caller reads the problems only if the load fails (ask,
     * eval): the whole-base checks that can only warn (staleness, shared
     * phrasings, broad patterns, copies) then run only when it fails, so
     * the problems it reports are the same and a good load skips them. */
    int problems_on_failure;
    /* in: smaller bounds than KB_MAX_FILES / KB_MAX_BYTES (0: those) */
    size_t max_files, max_bytes;
    size_t nentries, ntopics; /* out: what was found, even when the load fails */
} kbLoadOpts;
kb *kbLoadWith(const char *dir, kbLoadOpts *o, cbDiags *d);

/* kbLoadWith in slices, for a caller whose loop must keep serving (the
 * bot's reload): kbLoadBegin lists the folder; kbLoadStep reads files (at
 * least one) until cbNowMs() reaches deadline, 1 when every file is read;
 * kbLoadEnd reads what is left, runs the whole-base checks and returns
 * what kbLoadWith would (the same kb, the same problems in d), freeing
 * the job. kbLoadCancel drops a job. o and d must outlive the job. */
typedef struct kbLoadJob kbLoadJob;
kbLoadJob *kbLoadBegin(const char *dir, kbLoadOpts *o, cbDiags *d);
int kbLoadStep(kbLoadJob *j, double deadline);
kb *kbLoadEnd(kbLoadJob *j);
void kbLoadCancel(kbLoadJob *j);
/* What the job's next step does, for logs ("files", "checks: copies" ...). */
const char *kbLoadStage(const kbLoadJob *j);

/* Parse one entry file already in memory (any bytes: this is the fuzzing
 * entry point). Fills *out (free it with kbEntryFree) and returns CB_OK,
 * or CB_ERR with the problems in d (out is then left empty). Checks only
 * what one file can tell: not its id, not whether `related` ids exist. */
int kbParseEntry(const char *path, const char *data, size_t len, cbDiags *d, kbEntry *out);
void kbEntryFree(kbEntry *e);


#define KB_MAX_SUMMARY_WORDS 40 /* a summary is two lines in a chat, not a page */
#define KB_MAX_FILE (256 * 1024) /* bytes; larger knowledge files are errors */
#define KB_SEED_TITLE "Python developer career growth" /* source without a URL */

/* A phrasing's key: folded as questions are (NFKC, case, accents), words
 * of letters, digits, '+' and '#' joined by one space. Two phrasings with
 * the same key say the same words (duplicate checks, eval copies, and the
 * matcher's word-for-word phrasings). A heap string. */
char *kbPhraseKey(const char *s);
/* A key's 64-bit hash (FNV-1a); 0 for the empty key, and only for it. */
uint64_t kbPhraseHash(const char *key);

/* The redirect for an out-of-scope section, or NULL. */
const kbRedirect *kbFindRedirect(const kb *k, const char *section);
/* An ASCII byte that is part of a word in the knowledge's word lists
 * (small talk, stop words): a letter, a digit or an apostrophe. */
int kbWordByte(unsigned char c);
const kbEntry *kbFindEntry(const kb *k, const char *id);
/* An id as people copy it ("[topic/slug]", "`topic/slug`", "TOPIC/SLUG",
 * "knowledge/topic/slug.md") written as an id ("topic/slug") into buf
 * (cap bytes, cut to fit); ids are lowercase ASCII, so folding loses
 * nothing. Returns buf. */
const char *kbIdAsWritten(const char *id, size_t len, char *buf, size_t cap);
/* The entry id nearest to id by edit distance (a typo's fix), or NULL. */
const char *kbClosestEntryId(const kb *k, const char *id);
/* A JSON syntax error e in text (one line of a JSON Lines file, its
 * number line) as a diagnostic at path:line:column, with the fix kb check
 * gives (a trailing comma, a missing one, single quotes...). */
void kbJsonLineError(cbDiags *d, const char *path, int line, const char *text, size_t len,
                     const json_error_t *e);
const kbTopic *kbFindTopic(const kb *k, const char *name); /* by name, case-insensitive */

/* Small talk (kb_smalltalk.c). Fold s[0..len) as small talk is compared:
 * ASCII letters lower-cased, digits and apostrophes kept, any other bytes
 * one word break, no space at either end. 0 when it needs cap bytes or
 * more (with the NUL), else 1. */
int kbSmalltalkFold(const char *s, size_t len, char *out, size_t cap);
/* The phrase equal to folded, or NULL. */
const kbSmalltalkPhrase *kbFindSmalltalk(const kb *k, const char *folded);
const kbSmalltalkPhrase *kbSmalltalkFind(const kbSmalltalk *s, const char *folded);
/* Parse a smalltalk.yaml's bytes (any bytes: the fuzzing entry point)
 * named path in diagnostics. CB_OK with *out filled (kbSmalltalkFree),
 * else CB_ERR with every problem in d (out left empty). */
int kbSmalltalkParse(const char *path, const char *data, size_t len, cbDiags *d,
                     kbSmalltalk *out);
void kbSmalltalkFree(kbSmalltalk *s);

/* Crisis messages (kb_crisis.c): the reply when s[0..len) matches one of
 * crisis.yaml's patterns, else NULL. */
const char *kbCrisisReply(const kb *k, const char *s, size_t len);
/* Parse a crisis.yaml's bytes named path in diagnostics (the fuzzing entry
 * point); CB_OK with *out filled (kbCrisisFree), else CB_ERR. */
int kbCrisisParse(const char *path, const char *data, size_t len, cbDiags *d, kbCrisis *out);
void kbCrisisFree(kbCrisis *c);

#endif
