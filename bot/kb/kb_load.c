/* kb_load.c - walk a knowledge directory: topic dirs with _topic.json,
 * entry files, synonyms.json, unexpected files. Each file is parsed by
 * kb_parse.c / kb_topic.c; the whole-base checks (unique ids, related ids,
 * duplicate phrasings, staleness) are in kb_cross.c. Nothing is kept unless
 * everything is valid (kbLoad is all or nothing). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    free(slug);
}

/* A FIFO, socket or device: never opened (reading a FIFO blocks). */
static void kbNotRegular(kbLoader *L, const char *path, const struct stat *st) {
    cbDiagAdd(L->d, CB_DIAG_ERROR, path, 0, 0,
              "not a regular file (%s); skipped: remove it from the knowledge folder",
              S_ISFIFO(st->st_mode) ? "a FIFO" : S_ISSOCK(st->st_mode) ? "a socket"
                                                                      : "a device or other");
}

static void kbLoadTopicDir(kbLoader *L, const char *topic, const char *path) {
    if (!kbValidName(topic))
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, 0, 0,
                  "topic directory name '%s' must be lowercase letters, digits and '-'", topic);
    L->ntopics++;
    size_t n;
    char **names = kbListDir(L, path, &n);
    if (!names) return;
    int has_topic = 0;
    for (size_t i = 0; i < n; i++) {
        char *fp = kbJoin(path, names[i]);
        struct stat st;
        if (stat(fp, &st) != 0) {
            cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0, "cannot read (broken link?)");
        } else if (S_ISDIR(st.st_mode)) {
            cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0,
                      "directories inside a topic are not allowed; entries go directly in "
                      "<topic>/");
        } else if (!S_ISREG(st.st_mode)) {
            kbNotRegular(L, fp, &st);
        } else if (strcmp(names[i], "_topic.json") == 0) {
            has_topic = 1;
            kbLoadTopicFile(L, topic, fp);
        } else if (kbEndsWith(names[i], ".md") && strlen(names[i]) > 3) {
            kbLoadEntryFile(L, topic, names[i], fp);
        } else {
            cbDiagAdd(L->d, CB_DIAG_WARNING, fp, 0, 0,
                      "unexpected file, ignored (entries are <slug>.md, lowercase)");
        }
        free(fp);
    }
    if (!has_topic)
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, 0, 0,
                  "topic directory has no _topic.json; create it with "
                  "{\"title\": \"...\", \"description\": \"...\"}");
    kbFreeNames(names, n);
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
    } else if (kbEndsWith(name, ".md")) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0,
                  "entry file outside a topic directory; move it to <topic>/%s", name);
        L->nentries++;
    } else {
        cbDiagAdd(L->d, CB_DIAG_WARNING, fp, 0, 0,
                  "unexpected file, ignored (expected topic directories, synonyms.json, "
                  "out-of-scope.txt, redirects.yaml, lookups.yaml, matching.json, README.md)");
    }
}

static void kbWalk(kbLoader *L) {
    size_t n;
    char **names = kbListDir(L, L->dir, &n);
    if (!names) return;
    for (size_t i = 0; i < n; i++) {
        char *fp = kbJoin(L->dir, names[i]);
        struct stat st;
        if (stat(fp, &st) != 0) cbDiagAdd(L->d, CB_DIAG_ERROR, fp, 0, 0, "cannot read (broken link?)");
        else if (S_ISDIR(st.st_mode)) kbLoadTopicDir(L, names[i], fp);
        else if (!S_ISREG(st.st_mode)) kbNotRegular(L, fp, &st);
        else kbLoadRootFile(L, names[i], fp);
        free(fp);
    }
    kbFreeNames(names, n);
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

static void kbLoaderFree(kbLoader *L) {
    for (size_t i = 0; i < L->n; i++) {
        kbEntryFree(&L->ents[i].e);
        kbPosMapFree(L->ents[i].fm.map);
        free(L->datas[i]);
    }
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
    kbLoaderFreeDecline(L);
}

kb *kbLoadWith(const char *dir, kbLoadOpts *o, cbDiags *d) {
    kbLoader L;
    memset(&L, 0, sizeof(L));
    L.dir = dir;
    L.d = d;
    L.max_files = o && o->max_files ? o->max_files : KB_MAX_FILES;
    L.max_bytes = o && o->max_bytes ? o->max_bytes : KB_MAX_BYTES;
    size_t before = d->nerrors;
    L.now = kbNow(o, d);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        cbDiagAdd(d, CB_DIAG_ERROR, dir, 0, 0, "not a directory (set --kb DIR or CAREERBOT_KB)");
    else
        kbWalk(&L);
    kbCrossErrors(&L);
    kbCheckRedirects(&L); /* its problems are in redirects.yaml: the order is kept */
    if (!(o && o->problems_on_failure) || d->nerrors > before) kbCrossWarnings(&L);
    if (o) {
        o->nentries = L.nentries;
        o->ntopics = L.ntopics;
    }
    kb *k = d->nerrors == before ? kbBuild(&L) : NULL;
    kbLoaderFree(&L);
    cbDiagsSort(d);
    return k;
}

kb *kbLoad(const char *dir, cbDiags *d) {
    return kbLoadWith(dir, NULL, d);
}
