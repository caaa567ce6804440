/* kb_load.c - walk a knowledge directory: topic dirs with _topic.json,
 * entry files, synonyms.json, unexpected files. Each file is parsed by
 * kb_parse.c / kb_topic.c; the whole-base checks (unique ids, related ids,
 * duplicate phrasings, staleness) are in kb_cross.c. Nothing is kept unless
 * everything is valid (kbLoad is all or nothing). The walk can be done in
 * slices (kbLoadBegin/Step/End: a file at a time until a deadline), so the
 * running bot's loop serves between them while a big knowledge loads. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "base/common.h"
#include "kb/kb_load.h"

static int kbNameCmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in dir (no dot files); NULL and an error if unreadable. */
static char **kbListDir(kbLoader *L, const char *dir, size_t *n) {
    DIR *dh = opendir(dir);
    if (!dh) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, dir, 0, 0, "cannot open the directory");
        return NULL;
    }
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    struct dirent *de;
    while ((de = readdir(dh)) != NULL) {
        if (de->d_name[0] == '.') continue;
        if (++L->nfiles > L->max_files) {
            if (L->nfiles == L->max_files + 1)
                cbDiagAdd(L->d, CB_DIAG_ERROR, dir, 0, 0, "more than %zu files in the knowledge "
                          "folder (the bound); is this the right directory?", L->max_files);
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            v = cbRealloc(v, cap * sizeof(char *));
        }
        v[(*n)++] = cbStrdup(de->d_name);
    }
    closedir(dh);
    if (*n) qsort(v, *n, sizeof(char *), kbNameCmp);
    return v ? v : cbCalloc(1, sizeof(char *));
}

static void kbFreeNames(char **v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static char *kbJoin(const char *dir, const char *name) {
    size_t n = strlen(dir);
    return cbSprintf("%s%s%s", dir, n && dir[n - 1] == '/' ? "" : "/", name);
}

static int kbEndsWith(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The length of the slug when name is an entry saved under another
 * extension than .md - ".MD", ".markdown", ".mdown" or ".md.txt" (an
 * editor's "Save as"), in any case - else 0. Backups (~, .bak) are not. */
static size_t kbMisnamedEntry(const char *name) {
    static const char *const exts[] = {".md.txt", ".markdown", ".mdown", ".md"};
    size_t n = strlen(name);
    for (size_t i = 0; i < CB_ARRAY_LEN(exts); i++) {
        size_t e = strlen(exts[i]);
        if (n > e && strcasecmp(name + n - e, exts[i]) == 0) return n - e;
    }
    return 0;
}

/* topic/slug of an entry file name that was not read (its error said why). */
static void kbNoteUnread(kbLoader *L, const char *topic, const char *name) {
    if (!kbEndsWith(name, ".md") || strlen(name) <= 3) return;
    L->unread.v = cbRealloc(L->unread.v, (L->unread.n + 1) * sizeof(char *));
    L->unread.v[L->unread.n++] = cbSprintf("%s/%.*s", topic, (int)(strlen(name) - 3), name);
}

static void kbLoadEntryFile(kbLoader *L, const char *topic, const char *name,
                            const char *path) {
    char *slug = cbStrndup(name, strlen(name) - 3);
    if (!kbValidName(slug))
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, 0, 0,
                  "file name '%s' must be lowercase letters, digits and '-', ending in '.md' "
                  "(the id is <topic>/<slug>)",
                  name);
    L->nentries++;
    char *data;
    size_t len;
    if (L->nbytes > L->max_bytes || kbReadFile(path, L->d, &data, &len) != CB_OK) {
        kbNoteUnread(L, topic, name);
        free(slug);
        return;
    }
    if ((L->nbytes += len) > L->max_bytes) { /* reported once; no file is read after */
        int mib = L->max_bytes >= (1u << 20);
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, 0, 0, "more than %zu %s of entry files in the "
                  "knowledge folder (the bound); is this the right directory?",
                  mib ? L->max_bytes >> 20 : L->max_bytes, mib ? "MiB" : "bytes");
        free(data);
        free(slug);
        return;
    }
    if (L->n == L->cap) {
        L->cap = L->cap ? L->cap * 2 : 32;
        L->ents = cbRealloc(L->ents, L->cap * sizeof(*L->ents));
        L->datas = cbRealloc(L->datas, L->cap * sizeof(*L->datas));
    }
    kbParsed *p = &L->ents[L->n];
    kbParseEntryAt(path, data, len, L->d, p);
    L->datas[L->n++] = data;
    if (!p->e.path) p->e.path = cbStrdup(path);
    p->fm.path = p->e.path; /* path is freed by the caller */
    p->e.id = cbSprintf("%s/%s", topic, slug);
    p->e.topic = cbStrdup(topic);
    /* A misnamed file is most often a copy ("salary copy.md"): its own
     * syntax is checked, but not its phrasings against the others, whose
     * warnings (one per alternate it shares) would bury the name's error. */
    if (!kbValidName(slug)) p->ok = 0;
    free(slug);
}

/* A FIFO, socket or device: never opened (reading a FIFO blocks). */
static void kbNotRegular(kbLoader *L, const char *path, const struct stat *st) {
    cbDiagAdd(L->d, CB_DIAG_ERROR, path, 0, 0,
              "not a regular file (%s); skipped: remove it from the knowledge folder",
              S_ISFIFO(st->st_mode) ? "a FIFO" : S_ISSOCK(st->st_mode) ? "a socket"
                                                                      : "a device or other");
}

/* The walk, resumable (kbLoadStep): the knowledge folder's names, and
 * those of the topic directory being read. */
struct kbLoadJob {
    kbLoader L;
    kbLoadOpts *o;
    size_t before; /* errors in d before the load */
    char **root;   /* the knowledge folder's names; the next is root[ri] */
    size_t nroot, ri;
    char **names;  /* the topic being read (NULL: none); the next is names[ti] */
    size_t n, ti;
    char *topic, *tpath;
    int has_topic;
    int examples;  /* the folder being read is examples/ (no topic) */
    int phase;       /* after the walk: the checks (L_CHECKS...) */
    int warnings;    /* the checks that can only warn run */
    kbStopKwJob *stopkw;    /* the stop-word keywords check, under way */
    kbPhraseJob *phrasings; /* the shared-phrasings check, under way */
    kbLintJob *lint; /* kb_lint.c's, under way */
    kb *k;           /* handed over (L_BUILD), until kbLoadEnd returns it */
};

/* After the walk and the checks, the hand-over: the kb built from the
 * parsed entries (moved, sorted by id), then what the parser kept (the
 * files' bytes, the position maps) freed a chunk of entries at a time. */
enum { L_WALK, L_CHECKS, L_KEYWORDS, L_PHRASINGS, L_LINT, L_BUILD, L_RELEASE, L_DONE };

#define KB_RELEASE_CHUNK 256 /* entries' parser state freed between two looks at the clock */

static void kbTopicBegin(kbLoadJob *j, const char *topic, const char *path) {
    kbLoader *L = &j->L;
    if (!kbValidName(topic))
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, 0, 0,
                  "topic directory name '%s' must be lowercase letters, digits and '-'", topic);
    L->ntopics++;
    j->names = kbListDir(L, path, &j->n);
    if (!j->names) return;
    j->ti = 0;
    j->has_topic = 0;
    j->topic = cbStrdup(topic);
    j->tpath = cbStrdup(path);
}

/* One name in examples/: a *.jsonl file is read (kb_training.c). */
static void kbExampleFile(kbLoader *L, const char *dir, const char *name) {
    char *fp = kbJoin(dir, name);
    struct stat st;
    if (stat(fp, &st) != 0)
        cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0, "cannot read (broken link?)");
    else if (S_ISDIR(st.st_mode))
        cbDiagAdd(L->d, CB_DIAG_WARNING, fp, 0, 0,
                  "folders inside examples/ are not read; put <name>.jsonl files directly in it");
    else if (!S_ISREG(st.st_mode)) kbNotRegular(L, fp, &st);
    else if (kbEndsWith(name, ".jsonl")) kbLoadTrainingFile(L, fp);
    else if (strcmp(name, "README.md") == 0) { /* the maintainers' notes */
    } else if (strcmp(name, "_topic.json") == 0 || kbEndsWith(name, ".md"))
        cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0,
                  "examples/ holds training questions (<name>.jsonl), not entries: the topic "
                  "name 'examples' is reserved; move the entries to another topic folder");
    else
        cbDiagAdd(L->d, CB_DIAG_WARNING, fp, 0, 0,
                  "unexpected file, ignored (examples/ holds <name>.jsonl files)");
    free(fp);
}

/* The topic's next file. */
static void kbTopicFile(kbLoadJob *j) {
    kbLoader *L = &j->L;
    const char *name = j->names[j->ti++];
    if (j->examples) {
        kbExampleFile(L, j->tpath, name);
        return;
    }
    char *fp = kbJoin(j->tpath, name);
    struct stat st;
    if (stat(fp, &st) != 0) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0, "cannot read (broken link?)");
        kbNoteUnread(L, j->topic, name);
    } else if (S_ISDIR(st.st_mode)) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0,
                  "directories inside a topic are not allowed; entries go directly in "
                  "<topic>/");
    } else if (!S_ISREG(st.st_mode)) {
        kbNotRegular(L, fp, &st);
        kbNoteUnread(L, j->topic, name);
    } else if (strcmp(name, "_topic.json") == 0) {
        j->has_topic = 1;
        kbLoadTopicFile(L, j->topic, fp);
    } else if (kbEndsWith(name, ".md") && strlen(name) > 3) {
        kbLoadEntryFile(L, j->topic, name, fp);
    } else if (kbMisnamedEntry(name)) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0,
                  "an entry saved as '%s' is never loaded: rename it to '%.*s.md' (entries "
                  "end in .md, lowercase)",
                  name, (int)kbMisnamedEntry(name), name);
    } else {
        cbDiagAdd(L->d, CB_DIAG_WARNING, fp, 0, 0,
                  "unexpected file, ignored (entries are <slug>.md, lowercase)");
    }
    free(fp);
}

static void kbTopicEnd(kbLoadJob *j) {
    if (!j->has_topic && !j->examples)
        cbDiagAdd(j->L.d, CB_DIAG_ERROR, j->tpath, 0, 0,
                  "topic directory has no _topic.json; create it with "
                  "{\"title\": \"...\", \"description\": \"...\"}");
    kbFreeNames(j->names, j->n);
    j->names = NULL;
    cbFreeN(2, j->topic, j->tpath);
    j->topic = j->tpath = NULL;
    j->examples = 0;
}

static void kbLoadRootFile(kbLoader *L, const char *name, const char *fp) {
    if (strcmp(name, "README.md") == 0) return;
    if (strcmp(name, "synonyms.json") == 0) {
        kbLoadSynonyms(L, fp);
    } else if (strcmp(name, "out-of-scope.txt") == 0) {
        kbLoadOutOfScope(L, fp);
    } else if (strcmp(name, "matching.json") == 0) {
        kbLoadMatching(L, fp);
    } else if (strcmp(name, "redirects.yaml") == 0) {
        kbLoadRedirects(L, fp);
    } else if (strcmp(name, "lookups.yaml") == 0) {
        kbLoadLookups(L, fp);
    } else if (strcmp(name, "crisis.yaml") == 0) {
        kbLoadCrisis(L, fp);
    } else if (strcmp(name, "smalltalk.yaml") == 0) {
        kbLoadSmalltalk(L, fp);
    } else if (strcmp(name, "stopwords.txt") == 0) {
        kbLoadStopWords(L, fp);
    } else if (kbEndsWith(name, ".md")) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0,
                  "entry file outside a topic directory; move it to <topic>/%s", name);
        L->nentries++;
    } else {
        cbDiagAdd(L->d, CB_DIAG_WARNING, fp, 0, 0,
                  "unexpected file, ignored (expected topic directories, synonyms.json, "
                  "out-of-scope.txt, redirects.yaml, lookups.yaml, matching.json, "
                  "smalltalk.yaml, crisis.yaml, stopwords.txt, README.md)");
    }
}

/* examples/ is walked like a topic, a file a step (a file is at most
 * KB_MAX_FILE bytes, so a step reads at most that). */
static void kbExamplesBegin(kbLoadJob *j, const char *path) {
    j->names = kbListDir(&j->L, path, &j->n);
    if (!j->names) return;
    j->ti = 0;
    j->examples = 1;
    j->tpath = cbStrdup(path);
}

/* The knowledge folder's next name: a topic directory begins (examples/
 * is read), a root file is read. */
static void kbRootItem(kbLoadJob *j) {
    kbLoader *L = &j->L;
    const char *name = j->root[j->ri++];
    char *fp = kbJoin(L->dir, name);
    struct stat st;
    if (stat(fp, &st) != 0) cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0, "cannot read (broken link?)");
    else if (S_ISDIR(st.st_mode) && strcmp(name, "examples") == 0) kbExamplesBegin(j, fp);
    else if (S_ISDIR(st.st_mode)) kbTopicBegin(j, name, fp);
    else if (!S_ISREG(st.st_mode)) kbNotRegular(L, fp, &st);
    else kbLoadRootFile(L, name, fp);
    free(fp);
}

/* "Today" as wall time: opts, $CAREERBOT_TODAY, or the clock. */
static long long kbNow(const kbLoadOpts *o, cbDiags *d) {
    if (o && o->now) return o->now;
    const char *env = getenv("CAREERBOT_TODAY");
    if (env && *env) {
        struct tm tm = {0};
        if (kbValidDate(env) && strptime(env, "%Y-%m-%d", &tm)) return (long long)timegm(&tm);
        cbDiagAdd(d, CB_DIAG_WARNING, "CAREERBOT_TODAY", 0, 0,
                  "'%.20s' is not a date (YYYY-MM-DD); using the clock", env);
    }
    return cbWallTime();
}

/* The parsed entries from the end down to keep (their entry, what is
 * left of it after the hand-over, their position map, their file). */
static void kbLoaderRelease(kbLoader *L, size_t keep) {
    while (L->n > keep) {
        size_t i = --L->n;
        kbEntryFree(&L->ents[i].e);
        kbPosMapFree(L->ents[i].fm.map);
        free(L->datas[i]);
    }
}

static void kbLoaderFree(kbLoader *L) {
    kbLoaderRelease(L, 0);
    free(L->ents);
    free(L->datas);
    for (size_t i = 0; i < L->nt; i++) {
        free(L->topics[i].name);
        free(L->topics[i].title);
        free(L->topics[i].description);
    }
    free(L->topics);
    for (size_t i = 0; i < L->nsyn; i++) kbStrsFree(&L->syn[i]);
    free(L->syn);
    kbStrsFree(&L->stop);
    kbStrsFree(&L->unread);
    free(L->stop_path);
    kbLoaderFreeDecline(L);
    kbLoaderFreeTraining(L);
    kbSmalltalkFree(&L->smalltalk);
    free(L->smalltalk_path);
    kbCrisisFree(&L->crisis);
}

kbLoadJob *kbLoadBegin(const char *dir, kbLoadOpts *o, cbDiags *d) {
    kbLoadJob *j = cbCalloc(1, sizeof(*j));
    kbLoader *L = &j->L;
    j->o = o;
    L->dir = dir;
    L->d = d;
    L->max_files = o && o->max_files ? o->max_files : KB_MAX_FILES;
    L->max_bytes = o && o->max_bytes ? o->max_bytes : KB_MAX_BYTES;
    j->before = d->nerrors;
    L->now = kbNow(o, d);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        cbDiagAdd(d, CB_DIAG_ERROR, dir, 0, 0, "not a directory (set --kb DIR or CAREERBOT_KB)");
    else
        j->root = kbListDir(L, dir, &j->nroot);
    return j;
}

/* After the walk, one step: the checks that find errors and staleness
 * (at once), the stop-word keywords', the shared phrasings' and
 * kb_lint.c's (a few entries or probes at a time). */
static void kbCheckStep(kbLoadJob *j, double deadline) {
    kbLoader *L = &j->L;
    if (j->phase == L_CHECKS) {
        kbCrossErrors(L);
        if (!L->nentries && j->root && L->d->nerrors == j->before) /* read, and nothing in it */
            cbDiagAdd(L->d, CB_DIAG_WARNING, L->dir, 0, 0,
                      "no entries in this folder: is it the knowledge folder (--kb DIR)? An "
                      "entry is <topic>/<slug>.md; `careerbot kb new TOPIC/SLUG` writes one");
        kbCheckRedirects(L); /* its problems are in redirects.yaml: the order is kept */
        kbLoadSmalltalkBuiltin(L); /* when the folder has no smalltalk.yaml */
        kbLoadCrisisBuiltin(L);
        kbLoadStopWordsBuiltin(L); /* likewise stopwords.txt */
        kbLoadOpts *o = j->o;
        j->warnings = !(o && o->problems_on_failure) || L->d->nerrors > j->before;
        if (j->warnings) kbCrossStale(L);
        if (j->warnings) kbCheckTrainingConflicts(L);
        j->phase = j->warnings ? L_KEYWORDS : L_BUILD;
    } else if (j->phase == L_KEYWORDS) {
        if (!j->stopkw) j->stopkw = kbStopKeywordsBegin(L);
        if (!kbStopKeywordsStep(j->stopkw, deadline)) return;
        kbStopKeywordsCancel(j->stopkw); /* done: only frees */
        j->stopkw = NULL;
        j->phase = L_PHRASINGS;
    } else if (j->phase == L_PHRASINGS) {
        if (!j->phrasings) j->phrasings = kbPhrasingsBegin(L);
        if (!kbPhrasingsStep(j->phrasings, deadline)) return;
        kbPhrasingsEnd(j->phrasings); /* the sort: one slice */
        j->phrasings = NULL;
        j->phase = L_LINT;
    } else {
        if (!j->lint) j->lint = kbLintBegin(L);
        if (!kbLintStep(j->lint, deadline)) return;
        kbLintEnd(j->lint);
        j->lint = NULL;
        j->phase = L_BUILD;
    }
}

/* The hand-over (one step), then the parser's state a chunk at a time. */
static void kbHandOverStep(kbLoadJob *j) {
    kbLoader *L = &j->L;
    if (j->phase == L_BUILD) {
        if (L->d->nerrors == j->before) j->k = kbBuild(L);
        j->phase = L_RELEASE;
        return;
    }
    kbLoaderRelease(L, L->n > KB_RELEASE_CHUNK ? L->n - KB_RELEASE_CHUNK : 0);
    if (L->n == 0) j->phase = L_DONE;
}

const char *kbLoadStage(const kbLoadJob *j) {
    static const char *const name[] = {"files",          "checks: errors",    "checks: keywords",
                                       "checks: phrasings", "checks: copies", "kb: hand-over",
                                       "kb: release",    "kb: done"};
    if (j->phase == L_PHRASINGS && j->phrasings) return kbPhrasingsStage(j->phrasings);
    return name[j->phase];
}

int kbLoadStep(kbLoadJob *j, double deadline) {
    do {
        if (j->names && j->ti < j->n) kbTopicFile(j);
        else if (j->names) kbTopicEnd(j);
        else if (j->root && j->ri < j->nroot) kbRootItem(j);
        else if (j->phase == L_WALK) j->phase = L_CHECKS;
        else if (j->phase >= L_BUILD && j->phase != L_DONE) kbHandOverStep(j);
        else if (j->phase != L_DONE) kbCheckStep(j, deadline);
        else return 1;
    } while (cbNowMs() < deadline);
    return j->phase == L_DONE;
}

static void kbJobFree(kbLoadJob *j) {
    if (j->names) kbTopicEnd(j);
    if (j->root) kbFreeNames(j->root, j->nroot);
    kbStopKeywordsCancel(j->stopkw);
    kbPhrasingsCancel(j->phrasings);
    kbLintCancel(j->lint);
    kbFree(j->k);
    kbLoaderFree(&j->L);
    free(j);
}

kb *kbLoadEnd(kbLoadJob *j) {
    while (!kbLoadStep(j, INFINITY)) {
    }
    kbLoader *L = &j->L;
    cbDiags *d = L->d;
    if (j->o) {
        j->o->nentries = L->nentries;
        j->o->ntopics = L->ntopics;
    }
    kb *k = j->k;
    j->k = NULL;
    kbJobFree(j);
    cbDiagsSort(d);
    return k;
}

void kbLoadCancel(kbLoadJob *j) {
    if (j) kbJobFree(j);
}

kb *kbLoadWith(const char *dir, kbLoadOpts *o, cbDiags *d) {
    return kbLoadEnd(kbLoadBegin(dir, o, d));
}

kb *kbLoad(const char *dir, cbDiags *d) {
    return kbLoadWith(dir, NULL, d);
}
