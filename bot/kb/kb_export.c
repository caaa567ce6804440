/* kb_export.c - `kb export`: the whole knowledge base as one JSON document
 * (entries sorted by id with keys in a fixed order, topics, synonyms,
 * matching.json as an object, out-of-scope.txt and the other data files
 * and examples/ as their text, verbatim),
 * so it can be diffed, processed by scripts, or rebuilt by `kb import`
 * (kb_import.c) into a knowledge that answers the same. The output is
 * canonical: export -> import -> export gives the same bytes. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/common.h"
#include "kb/kb_export.h"
#include "kb/kb_int.h"

static json_t *kbStrsJson(const kbStrs *s) {
    json_t *a = json_array();
    for (size_t i = 0; i < s->n; i++) json_array_append_new(a, json_string(s->v[i]));
    return a;
}

static void kbSetStr(json_t *o, const char *key, const char *v) {
    if (v) json_object_set_new(o, key, json_string(v));
}

static json_t *kbSourcesJson(const kbEntry *e) {
    json_t *a = json_array();
    for (size_t i = 0; i < e->nsources; i++) {
        const kbSource *s = &e->sources[i];
        json_t *o = json_object();
        kbSetStr(o, "title", s->title);
        kbSetStr(o, "url", s->url);
        kbSetStr(o, "publisher", s->publisher);
        kbSetStr(o, "date", s->date);
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *kbLinksJson(const kbEntry *e) {
    json_t *a = json_array();
    for (size_t i = 0; i < e->nlinks; i++) {
        json_t *o = json_object();
        kbSetStr(o, "title", e->links[i].title);
        kbSetStr(o, "url", e->links[i].url);
        json_array_append_new(a, o);
    }
    return a;
}

json_t *kbEntryJson(const kbEntry *e) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(e->id));
    json_object_set_new(o, "question", json_string(e->question));
    json_object_set_new(o, "summary", e->summary ? json_string(e->summary) : json_null());
    json_object_set_new(o, "alternates", kbStrsJson(&e->alternates));
    json_object_set_new(o, "keywords", kbStrsJson(&e->keywords));
    json_object_set_new(o, "patterns", kbStrsJson(&e->patterns));
    json_object_set_new(o, "answer", json_string(e->answer));
    json_object_set_new(o, "sources", kbSourcesJson(e));
    json_object_set_new(o, "links", kbLinksJson(e));
    json_object_set_new(o, "related", kbStrsJson(&e->related));
    json_object_set_new(o, "updated", e->updated ? json_string(e->updated) : json_null());
    return o;
}

/* The text of file name in k's directory: CB_OK with *text (NULL when
 * there is no such file), CB_ERR when it is there and cannot be read. */
static int kbExportFile(const kb *k, const char *name, char **text) {
    char *path = cbSprintf("%s/%s", k->dir, name);
    struct stat st;
    *text = NULL;
    int rc = CB_OK;
    if (stat(path, &st) == 0 || errno != ENOENT) {
        cbDiags d;
        cbDiagsInit(&d);
        size_t len;
        rc = kbReadFile(path, &d, text, &len);
        cbDiagsFree(&d);
    }
    free(path);
    return rc;
}

const kbTextFile kbTextFiles[KB_NTEXT_FILES] = {{"out-of-scope.txt", "out_of_scope"},
                                               {"redirects.yaml", "redirects"},
                                               {"lookups.yaml", "lookups"},
                                               {"smalltalk.yaml", "smalltalk"},
                                               {"stopwords.txt", "stopwords"},
                                               {"crisis.yaml", "crisis"}};

/* matching.json, out-of-scope.txt, redirects.yaml, lookups.yaml,
 * smalltalk.yaml and stopwords.txt, which steer matching, declines and
 * small talk: a knowledge imported without them would answer
 * differently. The text files travel verbatim (comments too). */
static int kbExportSteering(const kb *k, json_t *root) {
    char *m;
    if (kbExportFile(k, "matching.json", &m) != CB_OK) return CB_ERR;
    json_t *mj = m ? json_loads(m, JSON_REJECT_DUPLICATES, NULL) : NULL;
    int rc = m && !mj ? CB_ERR : CB_OK; /* changed since it was loaded */
    if (mj) json_object_set_new(root, "matching", mj);
    free(m);
    for (size_t i = 0; i < KB_NTEXT_FILES && rc == CB_OK; i++) {
        char *text;
        if (kbExportFile(k, kbTextFiles[i].file, &text) != CB_OK) return CB_ERR;
        json_t *tj = text ? json_string(text) : NULL;
        if (text && !tj) rc = CB_ERR;
        if (tj) json_object_set_new(root, kbTextFiles[i].key, tj);
        free(text);
    }
    return rc;
}

static int kbNameCmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* examples/: its .jsonl files by name, in name order, their text verbatim
 * (comments and the members people keep, such as "style", travel too). */
static int kbExportExamples(const kb *k, json_t *root) {
    char *dir = cbSprintf("%s/examples", k->dir);
    DIR *dh = opendir(dir);
    free(dir);
    if (!dh) return CB_OK;
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dh)) != NULL) {
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.' || len <= 6 || strcmp(de->d_name + len - 6, ".jsonl") != 0) continue;
        names = cbRealloc(names, (n + 1) * sizeof(*names));
        names[n++] = cbStrdup(de->d_name);
    }
    closedir(dh);
    if (n) qsort(names, n, sizeof(*names), kbNameCmp);
    json_t *files = json_object();
    int rc = CB_OK;
    for (size_t i = 0; i < n; i++) {
        char *name = cbSprintf("examples/%s", names[i]), *text = NULL;
        if (rc == CB_OK) rc = kbExportFile(k, name, &text);
        json_t *tj = text ? json_string(text) : NULL;
        if (text && !tj) rc = CB_ERR;
        if (tj) json_object_set_new(files, names[i], tj);
        cbFreeN(3, text, name, names[i]);
    }
    free(names);
    if (rc == CB_OK && json_object_size(files)) json_object_set(root, "examples", files);
    json_decref(files);
    return rc;
}

char *kbExportJson(const kb *k) {
    json_t *root = json_object(), *ents = json_array(), *topics = json_array(),
           *syn = json_array();
    for (size_t i = 0; i < k->nentries; i++) json_array_append_new(ents, kbEntryJson(&k->entries[i]));
    for (size_t i = 0; i < k->ntopics; i++) {
        json_t *t = json_object();
        json_object_set_new(t, "name", json_string(k->topics[i].name));
        json_object_set_new(t, "title", json_string(k->topics[i].title));
        json_object_set_new(t, "description", json_string(k->topics[i].description));
        json_array_append_new(topics, t);
    }
    for (size_t i = 0; i < k->nsynonyms; i++) json_array_append_new(syn, kbStrsJson(&k->synonyms[i]));
    json_object_set_new(root, "entries", ents);
    json_object_set_new(root, "topics", topics);
    json_object_set_new(root, "synonyms", syn);
    if (kbExportSteering(k, root) != CB_OK || kbExportExamples(k, root) != CB_OK) {
        json_decref(root);
        return NULL;
    }
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(root);
    assert(s); /* only fails on out-of-memory or invalid UTF-8, which the loader rejects */
    char *out = cbSprintf("%s\n", s);
    free(s);
    return out;
}
