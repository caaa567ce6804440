/* kb_import.c - `kb import FILE --out DIR`: rebuild knowledge files
 * from `kb export` JSON (or from a CSV/TSV spreadsheet, which
 * kb_import_csv.c first turns into the same document, with a position map
 * into the spreadsheet); entries are written with YAML front matter
 * (kb_yaml_emit.c). Problems found when the written files are loaded
 * back are reported at their place in FILE.json (the entry's field), never
 * at the files, which are not placed when there is an error. The structure of the JSON is checked first (with
 * file:line:col in FILE.json); the files are written to a temporary
 * sibling directory, loaded back with kbLoad to validate them, and only
 * then moved into place, so a failed import leaves nothing behind. */
#include <errno.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/common.h"
#include "base/jsonloc.h"
#include "kb/kb_export.h"
#include "kb/kb_int.h"

/* The file's bytes: what the loader takes in entry files (KB_MAX_BYTES,
 * 1 GiB: 100,000 rows of the bundled entries' size fit); a larger file is
 * refused before it is read. */
#define KB_MAX_IMPORT ((long)KB_MAX_BYTES)

static const char *const kbImpRoot[] = {"entries",   "topics",       "synonyms",
                                        "matching",  "out_of_scope", "redirects",
                                        "lookups",   "smalltalk",    "stopwords",
                                        "crisis",    "examples"};
static const char *const kbImpEntry[] = {"id",      "question", "summary", "alternates",
                                         "keywords", "patterns", "answer",  "sources",
                                         "links",    "related",  "updated"};
static const char *const kbImpTopic[] = {"name", "title", "description"};
/* Front-matter fields, in the order they are written. */
static const char *const kbFmOrder[] = {"question", "summary", "alternates", "keywords",
                                        "patterns", "sources", "links",      "related",
                                        "updated"};

static int kbRmOne(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static void kbRmTree(const char *dir) {
    nftw(dir, kbRmOne, 16, FTW_DEPTH | FTW_PHYS);
}

static int kbWriteFile(const char *path, const char *a, const char *b, const char *c,
                       char *err) {
    FILE *f = fopen(path, "wx");
    if (!f) return cbErr(err, "cannot create %s: %s", path, strerror(errno));
    fputs(a, f);
    if (b) fputs(b, f);
    if (c) fputs(c, f);
    if (fclose(f) != 0) return cbErr(err, "cannot write %s: %s", path, strerror(errno));
    return CB_OK;
}

static char *kbDump(json_t *v) {
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY |
                                JSON_REAL_PRECISION(15));
    return s ? s : cbStrdup("null");
}

/* A string member that must be a valid topic name or id. */
static const char *kbImpName(cbDiags *d, const kbJson *j, json_t *o, const char *ptr,
                             const char *key) {
    json_t *v = json_object_get(o, key);
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", ptr, key);
    const char *s = json_string_value(v);
    if (!v) {
        kbDiagAt(d, CB_DIAG_ERROR, j, ptr, 0, "missing required field '%s'", key);
        return NULL;
    }
    if (!s) {
        kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "'%s' must be a string, got %s", key, kbTypeName(v));
        return NULL;
    }
    int isid = strcmp(key, "id") == 0;
    if (kbReservedTopic(s)) {
        kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "%s '%.100s': the topic name '" KB_EXAMPLES_DIR
                 "' is reserved for the folder of training questions; pick another", key, s);
        return NULL;
    }
    if (isid ? !kbValidId(s) : !kbValidName(s)) {
        kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "%s '%.100s' must be %s", key, s,
                 isid ? "<topic>/<slug>, each of lowercase letters, digits and '-'"
                      : "lowercase letters, digits and '-'");
        return NULL;
    }
    return s;
}

/* An array member of root whose items are objects with known keys. */
static json_t *kbImpArray(cbDiags *d, const kbJson *j, json_t *root, const char *key,
                          const char *const *known, size_t nknown) {
    json_t *a = json_object_get(root, key);
    char p[64];
    snprintf(p, sizeof(p), "/%s", key);
    if (!json_is_array(a)) {
        if (a) kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "'%s' must be an array, got %s", key, kbTypeName(a));
        else kbDiagAt(d, CB_DIAG_ERROR, j, "", 0, "missing required field '%s'", key);
        return NULL;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *o = json_array_get(a, i);
        char pi[96];
        snprintf(pi, sizeof(pi), "%s/%zu", p, i);
        if (!json_is_object(o))
            kbDiagAt(d, CB_DIAG_ERROR, j, pi, 0, "'%s' item %zu must be an object, got %s", key,
                     i + 1, kbTypeName(o));
        else
            kbCheckKeys(d, j, o, pi, known, nknown);
    }
    return a;
}

/* Names must be unique (ignoring case): each later item is reported
 * against the first that has it (sorted, not compared pairwise: 100,000
 * entries). */
static void kbImpUnique(cbDiags *d, const kbJson *j, json_t *a, const char *key,
                        const char *what) {
    size_t n = 0;
    kbNameIdx *v = cbCalloc(json_array_size(a) + 1, sizeof(*v));
    for (size_t i = 0; i < json_array_size(a); i++) {
        const char *s = json_string_value(json_object_get(json_array_get(a, i), key));
        if (s) v[n++] = (kbNameIdx){s, i};
    }
    if (n) qsort(v, n, sizeof(*v), kbNameIdxCaseCmp);
    for (size_t x = 0, y; x < n; x = y)
        for (y = x + 1; y < n && strcasecmp(v[y].s, v[x].s) == 0; y++) {
            char p[96];
            snprintf(p, sizeof(p), "/%s/%zu/%s", what, v[y].i, key);
            kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "duplicate %s '%.100s' (item %zu has it too)", key,
                     v[y].s, v[x].i + 1);
        }
    free(v);
}

static int kbImpHasTopic(json_t *topics, const char *id) {
    size_t n = strcspn(id, "/");
    for (size_t i = 0; i < json_array_size(topics); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(topics, i), "name"));
        if (t && strlen(t) == n && strncmp(t, id, n) == 0) return 1;
    }
    return 0;
}

static void kbImpEntries(cbDiags *d, const kbJson *j, json_t *ents, json_t *topics) {
    for (size_t i = 0; i < json_array_size(ents); i++) {
        json_t *o = json_array_get(ents, i);
        if (!json_is_object(o)) continue;
        char p[64];
        snprintf(p, sizeof(p), "/entries/%zu", i);
        const char *id = kbImpName(d, j, o, p, "id");
        if (id && topics && !kbImpHasTopic(topics, id))
            kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "entry '%s' has no topic '%.*s' in \"topics\"", id,
                     (int)strcspn(id, "/"), id);
        json_t *ans = json_object_get(o, "answer");
        if (!json_is_string(ans))
            kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "'answer' must be a string (the Markdown answer)");
    }
    kbImpUnique(d, j, ents, "id", "entries");
}

/* Check the document's shape; CB_OK when files can be written from it. */
/* A name of examples/ as the loader reads them: <name>.jsonl, not
 * starting with a dot, no '/' or control character, at most 255 bytes. */
static int kbImpExampleName(const char *name) {
    size_t n = strlen(name);
    if (n <= 6 || n > 255 || name[0] == '.' || strcmp(name + n - 6, ".jsonl") != 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] == '/' || (unsigned char)name[i] < 0x20 || name[i] == 0x7f) return 0;
    return 1;
}

/* "examples": {"<name>.jsonl": "<its text>", ...} (examples/). */
static void kbImpCheckExamples(cbDiags *d, const kbJson *j, json_t *ex) {
    if (!ex) return;
    if (!json_is_object(ex)) {
        kbDiagAt(d, CB_DIAG_ERROR, j, "/examples", 0, "'examples' must be an object of file "
                 "names and texts ({\"chat.jsonl\": \"...\"}), got %s", kbTypeName(ex));
        return;
    }
    const char *name;
    json_t *text;
    json_object_foreach(ex, name, text) {
        char ptr[160];
        snprintf(ptr, sizeof(ptr), "/examples/%.140s", name);
        if (!kbImpExampleName(name))
            kbDiagAt(d, CB_DIAG_ERROR, j, ptr, 1, "'%.140s' is not a name for examples/: a file "
                     "name ending in .jsonl, not starting with '.', without '/'", name);
        else if (!json_is_string(text))
            kbDiagAt(d, CB_DIAG_ERROR, j, ptr, 0, "'%.140s' must be a string (the file's text), "
                     "got %s", name, kbTypeName(text));
    }
}

static int kbImpCheck(cbDiags *d, const kbJson *j, json_t *root) {
    size_t before = d->nerrors;
    if (!json_is_object(root)) {
        kbDiagAt(d, CB_DIAG_ERROR, j, "", 0,
                 "expected the object written by 'kb export' ({\"entries\": ...}), got %s",
                 kbTypeName(root));
        return CB_ERR;
    }
    kbCheckKeys(d, j, root, "", kbImpRoot, CB_ARRAY_LEN(kbImpRoot));
    json_t *topics = kbImpArray(d, j, root, "topics", kbImpTopic, CB_ARRAY_LEN(kbImpTopic));
    for (size_t i = 0; topics && i < json_array_size(topics); i++) {
        json_t *o = json_array_get(topics, i);
        char p[64];
        snprintf(p, sizeof(p), "/topics/%zu", i);
        if (json_is_object(o)) kbImpName(d, j, o, p, "name");
    }
    kbImpUnique(d, j, topics, "name", "topics");
    json_t *ents = kbImpArray(d, j, root, "entries", kbImpEntry, CB_ARRAY_LEN(kbImpEntry));
    kbImpEntries(d, j, ents, topics);
    json_t *syn = json_object_get(root, "synonyms");
    if (syn && !json_is_array(syn))
        kbDiagAt(d, CB_DIAG_ERROR, j, "/synonyms", 0, "'synonyms' must be an array of arrays, got %s",
                 kbTypeName(syn));
    json_t *m = json_object_get(root, "matching");
    if (m && !json_is_object(m))
        kbDiagAt(d, CB_DIAG_ERROR, j, "/matching", 0,
                 "'matching' must be an object (matching.json), got %s", kbTypeName(m));
    for (size_t i = 0; i < KB_NTEXT_FILES; i++) {
        json_t *t = json_object_get(root, kbTextFiles[i].key);
        char ptr[32];
        snprintf(ptr, sizeof(ptr), "/%s", kbTextFiles[i].key);
        if (t && !json_is_string(t))
            kbDiagAt(d, CB_DIAG_ERROR, j, ptr, 0, "'%s' must be a string (the text of %s), got %s",
                     kbTextFiles[i].key, kbTextFiles[i].file, kbTypeName(t));
    }
    kbImpCheckExamples(d, j, json_object_get(root, "examples"));
    return d->nerrors == before ? CB_OK : CB_ERR;
}

static int kbImpWriteTopics(const char *tmp, json_t *topics, char *err) {
    for (size_t i = 0; i < json_array_size(topics); i++) {
        json_t *t = json_array_get(topics, i), *o = json_object();
        const char *name = json_string_value(json_object_get(t, "name"));
        char *dir = cbSprintf("%s/%s", tmp, name);
        int rc = mkdir(dir, 0755) == 0 ? CB_OK : cbErr(err, "cannot create %s: %s", dir, strerror(errno));
        if (json_object_get(t, "title")) json_object_set(o, "title", json_object_get(t, "title"));
        if (json_object_get(t, "description"))
            json_object_set(o, "description", json_object_get(t, "description"));
        char *s = kbDump(o), *path = cbSprintf("%s/_topic.json", dir);
        if (rc == CB_OK) rc = kbWriteFile(path, s, "\n", NULL, err);
        free(s);
        free(path);
        free(dir);
        json_decref(o);
        if (rc != CB_OK) return rc;
    }
    return CB_OK;
}

/* Write entry e as tmp/<id>.md: YAML front matter (what import writes), or
 * JSON as the older files have it (json_fm), so rewriting one of those
 * changes only what changed. */
static int kbImpWriteEntryAs(const char *tmp, json_t *e, int json_fm, char *err) {
    json_t *fm = json_object();
    for (size_t k = 0; k < CB_ARRAY_LEN(kbFmOrder); k++) {
        json_t *v = json_object_get(e, kbFmOrder[k]);
        int empty = json_is_array(v) && json_array_size(v) == 0;
        if (!v || json_is_null(v) || (empty && strcmp(kbFmOrder[k], "sources") != 0)) continue;
        json_object_set(fm, kbFmOrder[k], v);
    }
    char *s = json_fm ? kbDump(fm) : kbYamlFrontMatter(fm, kbFmOrder, CB_ARRAY_LEN(kbFmOrder));
    char *path = cbSprintf("%s/%s.md", tmp, json_string_value(json_object_get(e, "id")));
    char *head = json_fm ? cbSprintf("---\n%s\n---\n", s) : cbSprintf("---\n%s---\n\n", s);
    int rc = kbWriteFile(path, head, json_string_value(json_object_get(e, "answer")), "\n", err);
    free(head);
    free(path);
    free(s);
    json_decref(fm);
    return rc;
}

static int kbImpWriteEntry(const char *tmp, json_t *e, char *err) {
    return kbImpWriteEntryAs(tmp, e, 0, err);
}

static int kbImpWriteJson(const char *tmp, const char *name, json_t *v, char *err) {
    char *s = kbDump(v), *path = cbSprintf("%s/%s", tmp, name);
    int rc = kbWriteFile(path, s, "\n", NULL, err);
    free(s);
    free(path);
    return rc;
}

/* examples/, each file verbatim (names checked by kbImpCheckExamples). */
static int kbImpWriteExamples(const char *tmp, json_t *ex, char *err) {
    if (json_object_size(ex) == 0) return CB_OK;
    char *dir = cbSprintf("%s/examples", tmp);
    int rc = mkdir(dir, 0755) == 0 ? CB_OK : cbErr(err, "cannot create %s: %s", dir, strerror(errno));
    const char *name;
    json_t *text;
    json_object_foreach(ex, name, text) {
        if (rc != CB_OK) break;
        char *path = cbSprintf("%s/%s", dir, name);
        rc = kbWriteFile(path, json_string_value(text), NULL, NULL, err);
        free(path);
    }
    free(dir);
    return rc;
}

static int kbImpWrite(const char *tmp, json_t *root, char *err) {
    if (mkdir(tmp, 0755) != 0) return cbErr(err, "cannot create %s: %s", tmp, strerror(errno));
    if (kbImpWriteTopics(tmp, json_object_get(root, "topics"), err) != CB_OK) return CB_ERR;
    json_t *ents = json_object_get(root, "entries");
    for (size_t i = 0; i < json_array_size(ents); i++)
        if (kbImpWriteEntry(tmp, json_array_get(ents, i), err) != CB_OK) return CB_ERR;
    json_t *syn = json_object_get(root, "synonyms"), *m = json_object_get(root, "matching");
    if (json_array_size(syn) > 0 && kbImpWriteJson(tmp, "synonyms.json", syn, err) != CB_OK)
        return CB_ERR;
    if (m && kbImpWriteJson(tmp, "matching.json", m, err) != CB_OK) return CB_ERR;
    int rc = CB_OK;
    for (size_t i = 0; i < KB_NTEXT_FILES && rc == CB_OK; i++) {
        const char *text = json_string_value(json_object_get(root, kbTextFiles[i].key));
        if (!text) continue;
        char *path = cbSprintf("%s/%s", tmp, kbTextFiles[i].file);
        rc = kbWriteFile(path, text, NULL, NULL, err); /* verbatim: its text is its own */
        free(path);
    }
    return rc == CB_OK ? kbImpWriteExamples(tmp, json_object_get(root, "examples"), err) : rc;
}

/* The top-level field of written entry file path that holds line
 * ("answer" after the second '---'); "" when unknown. */
static void kbImpFieldAt(const char *path, int line, char *field, size_t cap) {
    field[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f) return;
    char *l = NULL;
    size_t lcap = 0;
    int n = 0, dashes = 0;
    while (getline(&l, &lcap, f) > 0 && ++n <= line) {
        if (strncmp(l, "---", 3) == 0 && dashes < 2) {
            if (++dashes == 2) snprintf(field, cap, "answer");
        } else if (dashes == 1 && l[0] != ' ' && l[0] != '#' && strchr(l, ':')) {
            snprintf(field, cap, "%.*s", (int)strcspn(l, ":"), l);
        }
    }
    free(l);
    fclose(f);
}

/* msg with every "<tmp>/<topic>/<slug>.md[:line]" said as "entry
 * '<topic>/<slug>'": temporary paths never reach a message. */
static char *kbImpScrub(const char *msg, const char *tmp) {
    cbBuf b;
    bufInit(&b, 4 * strlen(msg) + 64);
    size_t tl = strlen(tmp);
    for (const char *p = msg; *p;) {
        const char *hit = strstr(p, tmp);
        if (!hit) {
            bufAppendStr(&b, p);
            break;
        }
        bufAppend(&b, p, (size_t)(hit - p));
        const char *id = hit + tl + (hit[tl] == '/'), *end = strstr(id, ".md");
        size_t idn = end ? (size_t)(end - id) : strcspn(id, " :;,)");
        bufPrintf(&b, "entry '%.*s'", (int)idn, id);
        p = id + idn + (end ? 3 : 0);
        if (*p == ':') p += 1 + strspn(p + 1, "0123456789");
    }
    return bufDetach(&b);
}

/* Where in FILE.json (j) the written file g->file came from; byid maps
 * each entry's id to its index in "entries". */
static void kbImpPointer(const cbDiag *g, const char *rel, json_t *root, json_t *byid, char *ptr,
                         size_t cap) {
    json_t *ents = json_object_get(root, "entries"), *topics = json_object_get(root, "topics");
    snprintf(ptr, cap, "%s", strcmp(rel, "synonyms.json") == 0 ? "/synonyms"
                             : strcmp(rel, "matching.json") == 0 ? "/matching"
                                                                 : "");
    for (size_t i = 0; i < KB_NTEXT_FILES; i++)
        if (strcmp(rel, kbTextFiles[i].file) == 0) snprintf(ptr, cap, "/%s", kbTextFiles[i].key);
    size_t rn = strlen(rel);
    if (rn > 3 && strcmp(rel + rn - 3, ".md") == 0) {
        json_t *at = json_object_getn(byid, rel, rn - 3);
        if (at) {
            size_t i = (size_t)json_integer_value(at);
            char field[64];
            kbImpFieldAt(g->file, g->line, field, sizeof(field));
            if (*field && json_object_get(json_array_get(ents, i), field))
                snprintf(ptr, cap, "/entries/%zu/%s", i, field);
            else
                snprintf(ptr, cap, "/entries/%zu", i);
        }
    }
    for (size_t i = 0; i < json_array_size(topics); i++) {
        const char *t = json_string_value(json_object_get(json_array_get(topics, i), "name"));
        if (t && strncmp(rel, t, strlen(t)) == 0 && strcmp(rel + strlen(t), "/_topic.json") == 0)
            snprintf(ptr, cap, "/topics/%zu", i);
    }
}

/* A problem at line fline of out-of-scope.txt: where that line starts
 * inside the "out_of_scope" string of FILE.json (JSON input only). */
static void kbImpOosPos(const kbJson *j, json_t *root, int fline, int *line, int *col) {
    const char *s = json_string_value(json_object_get(root, "out_of_scope"));
    size_t off, raw, index = 0;
    if (!s || j->map || fline < 2 || jlocFind(j->text, j->len, "/out_of_scope", 0, &off) != CB_OK)
        return;
    for (int l = 1; l < fline && s[index]; index++)
        if (s[index] == '\n') l++;
    if (jlocStringByte(j->text, j->len, off, index, &raw) != CB_OK) return;
    jlocLineCol(j->text, j->len, raw, line, col);
    *line += j->line0;
}

/* Load what was written and report its problems at their place in
 * FILE.json: the files were never placed, so no message names them. */
static int kbImpVerify(const char *tmp, const kbJson *j, json_t *root, cbDiags *d) {
    cbDiags td;
    cbDiagsInit(&td);
    kb *k = kbLoad(tmp, &td);
    json_t *ents = json_object_get(root, "entries"), *byid = json_object();
    for (size_t i = 0; td.n && i < json_array_size(ents); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(ents, i), "id"));
        if (id && !json_object_get(byid, id)) json_object_set_new(byid, id, json_integer((json_int_t)i));
    }
    size_t tl = strlen(tmp);
    for (size_t i = 0; i < td.n; i++) {
        const cbDiag *g = &td.v[i];
        const char *rel = strncmp(g->file, tmp, tl) == 0 ? g->file + tl + (g->file[tl] == '/') : g->file;
        char ptr[128];
        kbImpPointer(g, rel, root, byid, ptr, sizeof(ptr));
        int line, col;
        kbPosAt(j, ptr, 0, &line, &col);
        if (strcmp(ptr, "/out_of_scope") == 0) kbImpOosPos(j, root, g->line, &line, &col);
        char *msg = kbImpScrub(g->msg, tmp);
        size_t rn = strlen(rel);
        if (rn > 3 && strcmp(rel + rn - 3, ".md") == 0)
            cbDiagAdd(d, g->severity, j->path, line, col, "entry '%.*s': %s", (int)(rn - 3), rel, msg);
        else if (strncmp(rel, "examples/", 9) == 0 && g->line > 0) /* its own line: one a question */
            cbDiagAdd(d, g->severity, j->path, line, col, "%s:%d:%d: %s", rel, g->line, g->col, msg);
        else
            cbDiagAdd(d, g->severity, j->path, line, col, "%s: %s", rel, msg);
        free(msg);
    }
    cbDiagsFree(&td);
    json_decref(byid);
    int rc = k ? CB_OK : CB_ERR;
    kbFree(k);
    return rc;
}

/* 1 if path is a directory with something in it, 0 if empty or absent,
 * -1 if it is not a directory. */
static int kbDirState(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    if (!S_ISDIR(st.st_mode)) return -1;
    DIR *dh = opendir(path);
    if (!dh) return -1;
    struct dirent *de;
    int full = 0;
    while (!full && (de = readdir(dh)) != NULL)
        full = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(dh);
    return full;
}

/* 1 if the import writes (and so replaces) what is at rel in the
 * knowledge: an entry or a topic's _topic.json inside a topic folder
 * (depth 1), or a data file at the top. */
static int kbImpManaged(const char *name, int depth) {
    size_t n = strlen(name);
    if (depth == 1) return strcmp(name, "_topic.json") == 0 || (n > 3 && !strcmp(name + n - 3, ".md"));
    if (depth == 2) return n > 6 && !strcmp(name + n - 6, ".jsonl"); /* in examples/ */
    if (strcmp(name, "synonyms.json") == 0 || strcmp(name, "matching.json") == 0) return 1;
    for (size_t i = 0; i < KB_NTEXT_FILES; i++)
        if (strcmp(name, kbTextFiles[i].file) == 0) return 1;
    return 0;
}

/* Move from the replaced folder (old) into the new one (out) what the
 * import does not write: the maintainers' README.md, notes, dot files
 * (.git), anything in a folder the loader does not read. Topic folders
 * are walked; the rest moves whole unless out already has that name.
 * The number of things that could not be moved (they stay in old). */
/* How many files in topic folder dir the import would not have written
 * (its notes); entries and _topic.json are the import's to drop. */
static size_t kbCarryLeft(const char *dir) {
    DIR *dh = opendir(dir);
    if (!dh) return 0;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dh)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
            (de->d_name[0] == '.' || !kbImpManaged(de->d_name, 1)))
            n++;
    closedir(dh);
    return n;
}

static size_t kbCarryOver(const char *old, const char *out, int depth) {
    DIR *dh = opendir(old);
    if (!dh) return 1;
    size_t failed = 0;
    struct dirent *de;
    while ((de = readdir(dh)) != NULL) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
        char *from = cbSprintf("%s/%s", old, name), *to = cbSprintf("%s/%s", out, name);
        struct stat st, dst;
        int walk = depth == 0 && name[0] != '.' && lstat(from, &st) == 0 && S_ISDIR(st.st_mode);
        if (walk && strcmp(name, "examples") == 0) {
            /* its .jsonl files are the import's, like entries; the rest
             * (a README, notes) is carried like a topic's */
            if (lstat(to, &dst) != 0) failed += rename(from, to) != 0;
            else failed += kbCarryOver(from, to, 2);
        } else if (walk && lstat(to, &dst) != 0) {
            /* a topic the import dropped: a folder of notes without its
             * _topic.json would not load, so what is left there stays in
             * old (counted, the caller keeps old) */
            failed += kbCarryLeft(from);
        } else if (walk) {
            failed += kbCarryOver(from, to, 1);
        } else if ((name[0] == '.' || !kbImpManaged(name, depth)) && lstat(to, &dst) != 0) {
            if (rename(from, to) != 0) failed++;
        }
        free(from);
        free(to);
    }
    closedir(dh);
    return failed;
}

/* Put tmp in out's place. A folder that was there is moved aside, what
 * the import does not write is carried into the new one, and only then
 * is the rest (the replaced entries) removed. */
static int kbImpPlace(const char *tmp, const char *out, char *err) {
    int st = kbDirState(out);
    if (st == 0) {
        rmdir(out); /* an empty dir: replace it */
        if (rename(tmp, out) == 0) return CB_OK;
        return cbErr(err, "cannot move %s to %s: %s", tmp, out, strerror(errno));
    }
    char *old = cbSprintf("%s.old-%ld", out, (long)getpid());
    int rc = CB_OK;
    if (rename(out, old) != 0) {
        rc = cbErr(err, "cannot move %s aside: %s", out, strerror(errno));
    } else if (rename(tmp, out) != 0) {
        rc = cbErr(err, "cannot move %s to %s: %s", tmp, out, strerror(errno));
        rename(old, out);
    } else if (kbCarryOver(old, out, 0) > 0) {
        rc = cbErr(err, "imported into %s, but some of its other files could not be moved back "
                        "(or were in a topic folder the import dropped); they are in %s", out,
                   old);
    } else {
        kbRmTree(old);
    }
    free(old);
    return rc;
}

/* The bytes of file, at most KB_MAX_IMPORT (*data: caller frees). */
static int kbImpSlurp(const char *file, char **data, size_t *len, char *err) {
    FILE *f = fopen(file, "rb");
    if (!f) return cbErr(err, "cannot read %s: %s", file, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && st.st_size >= KB_MAX_IMPORT) { /* not read at all */
        fclose(f);
        return cbErr(err, "%s is %lld bytes; the limit is %ld MiB (what the knowledge loader "
                     "takes in entry files)", file, (long long)st.st_size, KB_MAX_IMPORT >> 20);
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = cbMalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            if (cap >= (size_t)KB_MAX_IMPORT) break;
            cap *= 2;
            buf = cbRealloc(buf, cap);
        }
    }
    fclose(f);
    *data = buf;
    *len = n;
    if (n >= (size_t)KB_MAX_IMPORT)
        return cbErr(err, "%s is larger than %ld MiB (what the knowledge loader takes in entry "
                     "files)", file, KB_MAX_IMPORT >> 20);
    return CB_OK;
}

static json_t *kbImpParseJson(kbJson *j, cbDiags *d, char *err) {
    json_error_t je;
    json_t *root = json_loadb(j->text, j->len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        kbJsonSyntax(d, j, &je);
        cbErr(err, "%s is not valid JSON", j->path);
    }
    return root;
}

/* A CSV or TSV file: UTF-8 (a BOM is skipped; positions count from after
 * it, as editors do), then the document kb_import_csv.c builds. */
static json_t *kbImpParseCsv(kbJson *j, char sep, json_t *base, cbDiags *d, char *err) {
    if (j->len >= 3 && memcmp(j->text, "\xEF\xBB\xBF", 3) == 0) {
        j->text += 3;
        j->len -= 3;
    }
    json_t *root = NULL;
    if (kbCheckText(j->path, j->text, j->len, d) == CB_OK) {
        j->map = kbPosMapNew();
        root = kbCsvDocument(j, sep, base, j->map, d);
    }
    if (!root) cbErr(err, "%s has errors; nothing was written", j->path);
    return root;
}

/* 'j'son, ',' (CSV) or '\t' (TSV): --format, else the file's extension. */
static char kbImpFormat(const char *file, const char *format) {
    const char *dot = strrchr(file, '.');
    const char *f = format ? format : dot ? dot + 1 : "";
    if (strcasecmp(f, "csv") == 0) return ',';
    if (strcasecmp(f, "tsv") == 0 || strcasecmp(f, "tab") == 0) return '\t';
    return 'j';
}

/* The --base knowledge as an export document, for what a CSV lacks. */
static int kbImpBase(const char *dir, json_t **base, char *err) {
    cbDiags bd;
    cbDiagsInit(&bd);
    kb *k = kbLoad(dir, &bd);
    cbDiagsFree(&bd);
    if (!k) return cbErr(err, "the knowledge in %s (--base) has errors; run 'careerbot kb check "
                              "--kb %s' and fix them first", dir, dir);
    char *s = kbExportJson(k);
    kbFree(k);
    *base = s ? json_loads(s, 0, NULL) : NULL;
    free(s);
    return *base ? CB_OK : cbErr(err, "cannot read the knowledge in %s (--base)", dir);
}

/* Copy file from to to (bytes as they are). */
static int kbCopyFile(const char *from, const char *to, char *err) {
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wbx") : NULL;
    int rc = in && out ? CB_OK : cbErr(err, "cannot copy %s: %s", from, strerror(errno));
    char buf[65536];
    size_t n;
    while (rc == CB_OK && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) rc = cbErr(err, "cannot write %s: %s", to, strerror(errno));
    if (in) fclose(in);
    if (out && fclose(out) != 0 && rc == CB_OK)
        rc = cbErr(err, "cannot write %s: %s", to, strerror(errno));
    return rc;
}

/* A document with no "examples" (an export from before examples/ existed,
 * a CSV without --base) keeps the folder's: its .jsonl files are copied
 * into tmp before the imported knowledge is checked, so an id the import
 * dropped is an error there and nothing is written. */
static int kbImpKeepExamples(const char *tmp, const char *out_dir, json_t *root, char *err) {
    if (json_object_get(root, "examples")) return CB_OK;
    char *from = cbSprintf("%s/examples", out_dir), *to = cbSprintf("%s/examples", tmp);
    DIR *dh = opendir(from);
    int rc = CB_OK, made = 0;
    struct dirent *de;
    while (dh && rc == CB_OK && (de = readdir(dh)) != NULL) {
        char *src = cbSprintf("%s/%s", from, de->d_name), *dst = cbSprintf("%s/%s", to, de->d_name);
        struct stat st;
        if (de->d_name[0] != '.' && kbImpManaged(de->d_name, 2) && stat(src, &st) == 0 &&
            S_ISREG(st.st_mode)) {
            if (!made && mkdir(to, 0755) != 0 && errno != EEXIST)
                rc = cbErr(err, "cannot create %s: %s", to, strerror(errno));
            made = 1;
            if (rc == CB_OK) rc = kbCopyFile(src, dst, err);
        }
        cbFreeN(2, src, dst);
    }
    if (dh) closedir(dh);
    cbFreeN(2, from, to);
    return rc;
}

/* Write what root describes into out_dir through a temporary sibling,
 * loaded back first: problems are reported at their place in j. */
static int kbImpApply(const kbJson *j, json_t *root, const char *out_dir, cbDiags *d, char *err) {
    if (kbImpCheck(d, j, root) != CB_OK)
        return cbErr(err, "%s has errors; nothing was written", j->path);
    size_t n = strlen(out_dir);
    while (n > 1 && out_dir[n - 1] == '/') n--;
    char *tmp = cbSprintf("%.*s.import-%ld", (int)n, out_dir, (long)getpid());
    int rc = kbImpWrite(tmp, root, err);
    if (rc == CB_OK) rc = kbImpKeepExamples(tmp, out_dir, root, err);
    if (rc == CB_OK && kbImpVerify(tmp, j, root, d) != CB_OK)
        rc = cbErr(err, "the imported knowledge does not pass the checks; nothing was written");
    if (rc == CB_OK && json_array_size(json_object_get(root, "entries")) == 0) /* a header row */
        rc = cbErr(err, "%s has no entries; nothing was written (an import replaces every entry "
                        "in the folder)", j->path);
    if (rc == CB_OK) rc = kbImpPlace(tmp, out_dir, err);
    if (rc != CB_OK) kbRmTree(tmp);
    free(tmp);
    return rc;
}

int kbImportWith(const char *file, const char *out_dir, const kbImportOpts *o, cbDiags *d,
                 char *err) {
    int st = kbDirState(out_dir);
    if (st < 0) return cbErr(err, "%s exists and is not a directory", out_dir);
    if (st > 0 && !o->force)
        return cbErr(err, "%s exists and is not empty; use --force to replace it", out_dir);
    char sep = kbImpFormat(file, o->format);
    if (sep == 'j' && o->base)
        return cbErr(err, "--base is for CSV and TSV files (a JSON export has everything)");
    json_t *base = NULL, *root = NULL;
    if (o->base && kbImpBase(o->base, &base, err) != CB_OK) return CB_ERR;
    char *data = NULL;
    size_t len = 0;
    int rc = kbImpSlurp(file, &data, &len, err);
    kbJson j = {file, data, len, 0, NULL};
    if (rc == CB_OK) root = sep == 'j' ? kbImpParseJson(&j, d, err) : kbImpParseCsv(&j, sep, base, d, err);
    rc = root ? kbImpApply(&j, root, out_dir, d, err) : CB_ERR;
    kbPosMapFree(j.map);
    json_decref(root);
    json_decref(base);
    free(data);
    return rc;
}

int kbImport(const char *file, const char *out_dir, int force, cbDiags *d, char *err) {
    kbImportOpts o = {.force = force};
    return kbImportWith(file, out_dir, &o, d, err);
}

/* ---- adding alternates to one entry (`careerbot report accept`) ---- */

static int kbHasPhrase(const kbEntry *e, json_t *alts, const char *s) {
    if (strcasecmp(e->question, s) == 0) return 1;
    for (size_t i = 0; i < json_array_size(alts); i++)
        if (strcasecmp(json_string_value(json_array_get(alts, i)), s) == 0) return 1;
    return 0;
}

/* Write e's JSON into a sibling temp dir, then move the file over the
 * entry's own (same file system: rename is atomic). */
static int kbReplaceEntry(const char *dir, const kbEntry *e, json_t *ej, int json_fm, char *err) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    char *tmp = cbSprintf("%.*s.accept-%ld", (int)n, dir, (long)getpid());
    char *tdir = cbSprintf("%s/%s", tmp, e->topic), *file = cbSprintf("%s/%s.md", tmp, e->id);
    int rc = CB_OK;
    if (mkdir(tmp, 0755) != 0 || mkdir(tdir, 0755) != 0)
        rc = cbErr(err, "cannot create %s: %s", tdir, strerror(errno));
    if (rc == CB_OK) rc = kbImpWriteEntryAs(tmp, ej, json_fm, err);
    if (rc == CB_OK && rename(file, e->path) != 0)
        rc = cbErr(err, "cannot replace %s: %s", e->path, strerror(errno));
    kbRmTree(tmp);
    free(tmp);
    free(tdir);
    free(file);
    return rc;
}

static int kbRestore(const char *path, const char *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return CB_ERR;
    size_t w = fwrite(data, 1, len, f);
    return fclose(f) == 0 && w == len ? CB_OK : CB_ERR;
}

/* Append the new phrasings to ej's alternates; returns how many. */
static size_t kbAppendNew(const kbEntry *e, json_t *ej, const char *const *alts, size_t n) {
    json_t *a = json_object_get(ej, "alternates");
    size_t added = 0;
    for (size_t i = 0; i < n; i++) {
        if (!alts[i] || !*alts[i] || kbHasPhrase(e, a, alts[i])) continue;
        json_array_append_new(a, json_string(alts[i]));
        added++;
    }
    return added;
}

int kbAddAlternates(const char *dir, const char *id, const char *const *alts, size_t n,
                    size_t *added, char **path, cbDiags *d, char *err) {
    *added = 0;
    *path = NULL;
    kb *k = kbLoad(dir, d);
    if (!k) return cbErr(err, "the knowledge in %s has errors; fix them first (kb check)", dir);
    const kbEntry *e = kbFindEntry(k, id);
    if (!e) {
        kbFree(k);
        return cbErr(err, "no entry '%s' in %s", id, dir);
    }
    json_t *ej = kbEntryJson(e);
    *added = kbAppendNew(e, ej, alts, n);
    *path = cbStrdup(e->path);
    char *old = NULL;
    size_t oldlen = 0;
    int rc = *added ? kbReadFile(e->path, d, &old, &oldlen) : CB_OK;
    /* the front matter stays in the format the file has */
    int json_fm = old && strncmp(old + strspn(old, "-\r\n \t"), "{", 1) == 0;
    if (*added && rc == CB_OK) rc = kbReplaceEntry(dir, e, ej, json_fm, err);
    json_decref(ej);
    kbFree(k);
    if (*added && rc == CB_OK) {
        kb *again = kbLoad(dir, d);
        if (!again) {
            kbRestore(*path, old, oldlen);
            rc = cbErr(err, "%s does not pass the checks with the new alternates; left as it was",
                       *path);
        }
        kbFree(again);
    }
    free(old);
    return rc;
}
