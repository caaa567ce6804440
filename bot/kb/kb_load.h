/* kb_load.h - the loader's working state, shared by kb_load.c (directory
 * walk), kb_topic.c (_topic.json, synonyms.json), kb_cross.c (checks
 * across files) and kb.c (building the final kb). Internal to the kb
 * module. */
#ifndef CB_KB_LOAD_H
#define CB_KB_LOAD_H

#include "kb/kb_int.h"

/* Where an example of examples/ is (kb_training.c): path is one of
 * kbLoader.train_files. */
typedef struct kbTrainWhere {
    const char *path;
    int line, col;
} kbTrainWhere;

typedef struct kbLoader {
    const char *dir;
    cbDiags *d;
    long long now;     /* wall time for staleness */
    kbParsed *ents;    /* every entry file read (ok or not) */
    char **datas;      /* their contents: ents[i].fm points into datas[i] */
    size_t n, cap;
    kbTopic *topics;   /* valid _topic.json files */
    size_t nt, tcap;
    kbStrs *syn;       /* synonym groups */
    size_t nsyn;
    kbStrs unread;     /* ids of entry files that could not be read (their error is
                        * reported): a 'related' naming one is not another error */
    kbStrs oos;        /* out-of-scope.txt questions (kb_examples.c) */
    int oos_broken;    /* out-of-scope.txt is there but could not be read (an error
                        * says why): its sections are unknown, not missing */
    int *oos_line;
    char *oos_path;
    uint32_t *oos_section; /* per question: index into oos_sections */
    kbStrs oos_sections;   /* [0] = "" (before any "[name]" line) */
    int *oos_section_line;
    kbRedirect *redirects; /* redirects.yaml (kb_redirects.c) */
    size_t nredirects;
    int *redirect_line, *redirect_col;
    char *redirects_path;
    kbLookup *lookups; /* lookups.yaml (kb_lookups.c) */
    size_t nlookups;
    kbStrs stop;     /* stopwords.txt (kb_stopwords.c); v NULL until read or built in */
    char *stop_path;
    kbMatching matching; /* matching.json (kb_examples.c) */
    kbStrs train_q;      /* examples/<name>.jsonl questions (kb_training.c) */
    kbStrs train_ids;    /* the id each teaches, "" for out of scope */
    kbTrainWhere *train_where;
    size_t train_cap;    /* room in train_q, train_ids and train_where */
    kbStrs train_files;  /* the files' paths */
    kbSmalltalk smalltalk; /* smalltalk.yaml (kb_smalltalk.c) */
    int has_smalltalk;     /* the folder has one (else the built-in copy) */
    char *smalltalk_path;  /* its path, when it has one */
    kbCrisis crisis;       /* crisis.yaml (kb_crisis.c) */
    int has_crisis;        /* the folder has one (else the built-in copy) */
    size_t nfiles;     /* directory entries seen (bounded by max_files) */
    size_t nbytes;     /* bytes of entry files read (bounded by max_bytes) */
    size_t max_files, max_bytes;
    size_t nentries, ntopics; /* found, for the summary line */
} kbLoader;

void kbLoadTopicFile(kbLoader *L, const char *topic, const char *path);
void kbLoadSynonyms(kbLoader *L, const char *path);
void kbLoadOutOfScope(kbLoader *L, const char *path);
void kbLoadMatching(kbLoader *L, const char *path);
/* One examples/<name>.jsonl file (kb_training.c); an unknown id of example i,
 * reported with the closest of ids (kb_cross.c checks them). */
void kbLoadTrainingFile(kbLoader *L, const char *path);
/* The same, from the file's text (len bytes; the fuzz target's way in). */
void kbTrainingParse(kbLoader *L, const char *path, const char *data, size_t len);
void kbTrainingUnknownId(kbLoader *L, size_t i, const char *const *ids, size_t nids);
/* A warning for a question that two lines of examples/ (asked the same
 * way, kbPhraseKey) teach as examples of different ids. */
void kbCheckTrainingConflicts(kbLoader *L);
void kbLoaderFreeTraining(kbLoader *L);
/* Each example's file (an index into L->train_files) and line, for the
 * kb (kb.train_at); caller frees. */
kbExampleAt *kbTrainPlaces(const kbLoader *L);
void kbLoadRedirects(kbLoader *L, const char *path);
void kbLoadLookups(kbLoader *L, const char *path);
void kbLookupsFree(kbLookup *v, size_t n);
/* smalltalk.yaml, read from path (kbLoadSmalltalk), or, when the folder
 * has none, the copy built into the binary (kbLoadSmalltalkBuiltin, after
 * the walk). */
void kbLoadSmalltalk(kbLoader *L, const char *path);
void kbLoadCrisis(kbLoader *L, const char *path);
void kbLoadCrisisBuiltin(kbLoader *L); /* when the folder has no crisis.yaml */
void kbLoadSmalltalkBuiltin(kbLoader *L);
/* stopwords.txt, read from path (kbLoadStopWords), or, when the folder
 * has none, the list built into the binary (kbLoadStopWordsBuiltin, after
 * the walk; stop_path stays NULL). */
void kbLoadStopWords(kbLoader *L, const char *path);
void kbLoadStopWordsBuiltin(kbLoader *L);
/* A warning for each entry keyword made only of stop words (after the
 * walk), in slices: Step checks entries (at least a chunk) until
 * cbNowMs() reaches deadline, 1 when done; Cancel frees the job (done or
 * not). */
typedef struct kbStopKwJob kbStopKwJob;
kbStopKwJob *kbStopKeywordsBegin(kbLoader *L);
int kbStopKeywordsStep(kbStopKwJob *j, double deadline);
void kbStopKeywordsCancel(kbStopKwJob *j);
/* Every redirect names an out-of-scope.txt section (after both loaded). */
void kbCheckRedirects(kbLoader *L);
void kbLoaderFreeDecline(kbLoader *L);
/* kb_cross.c: the whole-base checks that find errors (ids, related ids),
 * and those that can only warn (staleness, phrasings, kb_lint.c). */
void kbCrossErrors(kbLoader *L);
void kbCrossWarnings(kbLoader *L);
/* kbCrossWarnings in pieces, for a load in slices: staleness; two
 * entries claiming one phrasing (Begin; Step makes the phrasings' keys,
 * an entry's at a time, sorts them a chunk at a time, warns, frees them a
 * chunk at a time, until cbNowMs() reaches deadline (at least one piece),
 * 1 when done; End does what is left and frees; Cancel drops the job). */
void kbCrossStale(kbLoader *L);
typedef struct kbPhraseJob kbPhraseJob;
kbPhraseJob *kbPhrasingsBegin(kbLoader *L);
int kbPhrasingsStep(kbPhraseJob *j, double deadline);
void kbPhrasingsEnd(kbPhraseJob *j);
void kbPhrasingsCancel(kbPhraseJob *j);
const char *kbPhrasingsStage(const kbPhraseJob *j); /* for logs and tests */
/* Each word kb_check_data.txt says changes what is asked ("not",
 * "worth"), so stopwords.txt must not list it: fn(ud, word, its length). */
void kbEachNeverStopWord(void (*fn)(void *ud, const char *w, size_t n), void *ud);
/* Broad patterns and copied entries (kb_lint.c, data in kb_check_data.txt). */
void kbLintCheck(kbLoader *L);
/* The same in slices: Begin checks the patterns and indexes the texts;
 * Step joins (at least one probe) until cbNowMs() reaches deadline, 1 when
 * done; End finishes, adds the warnings and frees; Cancel drops the job
 * (no warnings). */
typedef struct kbLintJob kbLintJob;
kbLintJob *kbLintBegin(kbLoader *L);
int kbLintStep(kbLintJob *j, double deadline);
void kbLintEnd(kbLintJob *j);
void kbLintCancel(kbLintJob *j);
/* Move the loader's entries, topics and synonyms into a new kb. */
kb *kbBuild(kbLoader *L);

#endif
