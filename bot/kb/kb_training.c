/* kb_training.c - knowledge/examples/: questions labelled with the entries
 * that answer them (or with none: out of scope), the matcher's training
 * data beyond each entry's own question and alternates.
 *
 * Alternates are the phrasings a maintainer curates inside an entry; a
 * file here holds questions the way people ask them: long stories, slang,
 * fragments, two questions in one. The classifier learns each as an
 * example of its entries (engine_train.c) and nothing else reads them: not
 * the lexical index, autocomplete or the phrasing checks, so a hundred-word
 * story neither bloats an entry nor skews BM25F.
 *
 * Format: `kb eval`'s, so a check set can be moved here once it has
 * served as one, one JSON object a line:
 *   {"q": "certs worth it for a junior?", "gold": ["certifications/value"]}
 *   {"q": "whats the weather in oslo", "gold": []}        (out of scope)
 * Other members (style, note) are for people and ignored. A question with
 * two ids is an example of each. Blank lines and lines starting with '#'
 * are skipped. Ids are checked once every entry is known
 * (kb_cross.c), each mistake an error at file:line:column. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/jsonloc.h"
#include "base/jsonpick.h"
#include "kb/kb_load.h"

/* One example: its text, and the id it teaches ("" for out of scope). */
static void trainPush(kbLoader *L, const char *q, const char *id, const char *path, int line,
                      int col) {
    size_t n = L->train_q.n;
    if (n == L->train_cap) { /* doubling: thousands of examples are read at every start */
        L->train_cap = n ? 2 * n : 256;
        L->train_q.v = cbRealloc(L->train_q.v, L->train_cap * sizeof(char *));
        L->train_ids.v = cbRealloc(L->train_ids.v, L->train_cap * sizeof(char *));
        L->train_where = cbRealloc(L->train_where, L->train_cap * sizeof(*L->train_where));
    }
    L->train_q.v[n] = cbStrdup(q);
    L->train_ids.v[n] = cbStrdup(id);
    L->train_where[n] = (kbTrainWhere){.path = path, .line = line, .col = col};
    L->train_q.n = L->train_ids.n = n + 1;
}

/* The file's path, kept for the positions of later errors. */
static const char *trainPath(kbLoader *L, const char *path) {
    L->train_files.v = cbRealloc(L->train_files.v, (L->train_files.n + 1) * sizeof(char *));
    return L->train_files.v[L->train_files.n++] = cbStrdup(path);
}

/* The column of the value at JSON pointer ptr in line j (as every
 * diagnostic counts it). */
static int trainCol(const kbJson *j, const char *ptr) {
    int line = 0, col = 0;
    kbPosAt(j, ptr, 0, &line, &col);
    return col > 0 ? col : 1;
}

static const char *skipBlank(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
    return p;
}

/* Where gold's array begins in line j (just inside its '['), or NULL: a
 * quoted "gold" followed by ':' and '[' is the member (the same word as a
 * value is followed by ',' or '}', and inside a string its quotes are
 * escaped). */
static const char *goldArray(const kbJson *j) {
    const char *t = j->text, *end = t + j->len;
    for (const char *g = t; (g = memmem(g, (size_t)(end - g), "\"gold\"", 6)) != NULL; g += 6) {
        const char *p = skipBlank(g + 6, end);
        if (p < end && *p == ':' && (p = skipBlank(p + 1, end)) < end && *p == '[') return p + 1;
    }
    return NULL;
}

/* The end of the JSON string that begins at p (just past its closing
 * quote), or NULL. */
static const char *stringEnd(const char *p, const char *end) {
    for (p++; p < end; p++) {
        if (*p == '\\') p++;
        else if (*p == '"') return p + 1;
    }
    return NULL;
}

/* The column of gold's element i in line j, counted in characters as
 * kbPosAt counts, found by walking the array's strings; kbPosAt's parse
 * of the line (ptr) when the walk meets anything else. Thousands of ids
 * are read at every start, and the parse was a twentieth of it. */
static int idCol(const kbJson *j, const char *ptr, size_t i) {
    const char *t = j->text, *end = t + j->len, *p = goldArray(j);
    for (size_t k = 0; p && k <= i; k++) {
        p = skipBlank(p, end);
        if (p >= end || *p != '"') break;
        if (k == i) {
            int col = 1;
            for (const char *c = t; c < p; c++) col += ((unsigned char)*c & 0xC0) != 0x80;
            return col;
        }
        p = stringEnd(p, end);
        if (p) p = skipBlank(p, end);
        if (!p || p >= end || *p != ',') break;
        p++;
    }
    return trainCol(j, ptr);
}

/* How many times s occurs in p[0..n). */
static size_t occurrences(const char *p, size_t n, const char *s) {
    size_t count = 0, sl = strlen(s);
    for (const char *at = p; (at = memmem(at, n - (size_t)(at - p), s, sl)) != NULL; at += sl) count++;
    return count;
}

/* A line's object. Thousands of lines are read at every start, so when
 * "q" and "gold" each occur once in the text (no duplicate of either can
 * hide there), jpickLoad checks the whole line as json_loadb does but
 * builds only those two (7-9 ms less at a cached start on the bundled
 * knowledge); otherwise, and on any syntax error, json_loadb with
 * duplicate members rejected, whose error *e says where. */
static json_t *trainParse(const char *p, size_t n, json_error_t *e) {
    static const jpickKey want[] = {{"q", NULL}, {"gold", NULL}, {NULL, NULL}};
    char err[CB_ERRLEN];
    json_t *root = NULL;
    if (occurrences(p, n, "\"q\"") == 1 && occurrences(p, n, "\"gold\"") == 1)
        root = jpickLoad(p, n, want, err);
    return root ? root : json_loadb(p, n, JSON_REJECT_DUPLICATES, e);
}

static int blank(const char *s) { return s[strspn(s, " \t\r\n")] == '\0'; }

/* When field (q or gold) is missing: the key that was probably meant
 * ("question", "glod": near it by edit distance, or starting with its
 * letter for "q"), or NULL. Other keys are the writer's own (src, style). */
static const char *trainMeant(json_t *root, const char *field) {
    const char *key, *const want[] = {field};
    json_t *v;
    json_object_foreach(root, key, v) {
        (void)v;
        if (strcmp(key, "q") == 0 || strcmp(key, "gold") == 0) continue;
        if (kbClosest(key, want, 1) || (field[0] == 'q' && (key[0] == 'q' || key[0] == 'Q')))
            return key;
    }
    return NULL;
}

static void trainMissing(kbLoader *L, const kbJson *j, json_t *root, const char *field,
                         const char *what) {
    char ptr[80] = "";
    const char *meant = json_object_get(root, field) ? NULL : trainMeant(root, field);
    if (meant) {
        snprintf(ptr, sizeof(ptr), "/");
        jlocEscape(ptr, sizeof(ptr), meant);
        kbDiagAt(L->d, CB_DIAG_ERROR, j, ptr, 1, "no \"%s\" on this line: is '%.40s' meant to be "
                 "\"%s\"? (the keys are \"q\" and \"gold\")", field, meant, field);
        return;
    }
    snprintf(ptr, sizeof(ptr), "%s%s", json_object_get(root, field) ? "/" : "",
             json_object_get(root, field) ? field : "");
    kbDiagAt(L->d, CB_DIAG_ERROR, j, ptr, 0, "\"%s\" %s", field, what);
}

static void trainLine(kbLoader *L, const char *path, const char *p, size_t n, int line) {
    size_t a = 0;
    while (a < n && (p[a] == ' ' || p[a] == '\t' || p[a] == '\r')) a++;
    if (a == n || p[a] == '#') return;
    kbJson j = {.path = path, .text = p, .len = n, .line0 = line - 1};
    json_error_t e;
    json_t *root = trainParse(p, n, &e);
    if (!root) {
        kbJsonSyntax(L->d, &j, &e);
        return;
    }
    json_t *q = json_object_get(root, "q"), *gold = json_object_get(root, "gold");
    if (!json_is_object(root)) {
        kbDiagAt(L->d, CB_DIAG_ERROR, &j, "", 0, "each line must be an object like "
                 "{\"q\": \"a question\", \"gold\": [\"topic/slug\"]}");
    } else if (!json_is_string(q) || blank(json_string_value(q))) {
        trainMissing(L, &j, root, "q", "must be the question, a string that is not blank");
    } else if (!json_is_array(gold)) {
        trainMissing(L, &j, root, "gold",
                     "must list the ids of the entries that answer it ([] for a question the "
                     "bot must decline)");
    } else if (json_array_size(gold) == 0) {
        trainPush(L, json_string_value(q), "", path, line, trainCol(&j, "/gold"));
    } else {
        for (size_t i = 0; i < json_array_size(gold); i++) {
            json_t *id = json_array_get(gold, i);
            char ptr[48];
            snprintf(ptr, sizeof(ptr), "/gold/%zu", i);
            if (!json_is_string(id) || !*json_string_value(id))
                kbDiagAt(L->d, CB_DIAG_ERROR, &j, ptr, 0, "an id is a string like \"topic/slug\"");
            else
                trainPush(L, json_string_value(q), json_string_value(id), path, line,
                          idCol(&j, ptr, i));
        }
    }
    json_decref(root);
}

void kbTrainingParse(kbLoader *L, const char *path, const char *data, size_t len) {
    if (kbCheckText(path, data, len, L->d) != CB_OK) return;
    const char *kept = trainPath(L, path);
    int line = 0, lines = 0;
    for (const char *p = data, *nl; p < data + len; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(data + len - p));
        if (!nl) nl = data + len;
        trainLine(L, kept, p, (size_t)(nl - p), ++line);
        const char *c = p; /* the data is not NUL-terminated: bounded by the line */
        while (c < nl && (*c == ' ' || *c == '\t' || *c == '\r')) c++;
        lines += c < nl && *c != '#';
    }
    if (!lines) /* emptied by mistake, it drops what it taught without a word */
        cbDiagAdd(L->d, CB_DIAG_WARNING, path, 0, 0,
                  "no questions in this file: it teaches the matcher nothing (delete it if "
                  "that is meant, or restore it from version control)");
}

void kbLoadTrainingFile(kbLoader *L, const char *path) {
    char *data;
    size_t len;
    if (L->nbytes > L->max_bytes || kbReadFile(path, L->d, &data, &len) != CB_OK) return;
    if ((L->nbytes += len) > L->max_bytes) { /* the entries' bound counts these too */
        int mib = L->max_bytes >= (1u << 20);
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, 0, 0, "more than %zu %s of entry and example files "
                  "in the knowledge folder (the bound); is this the right directory?",
                  mib ? L->max_bytes >> 20 : L->max_bytes, mib ? "MiB" : "bytes");
        free(data);
        return;
    }
    kbTrainingParse(L, path, data, len);
    free(data);
}

void kbTrainingUnknownId(kbLoader *L, size_t i, const char *const *ids, size_t nids) {
    const char *id = L->train_ids.v[i];
    const kbTrainWhere *w = &L->train_where[i];
    const char *near = kbClosest(id, ids, nids);
    if (near)
        cbDiagAdd(L->d, CB_DIAG_ERROR, w->path, w->line, w->col,
                  "no entry has the id '%s'; did you mean '%s'?", id, near);
    else
        cbDiagAdd(L->d, CB_DIAG_ERROR, w->path, w->line, w->col,
                  "no entry has the id '%s' (ids are <topic>/<slug>, as `kb export` lists them)",
                  id);
}

/* One example's folded question (kbPhraseKey) and index, for the sort. */
typedef struct trainKey {
    char *key;
    size_t i;
} trainKey;

static int trainKeyCmp(const void *a, const void *b) {
    const trainKey *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* The ids of the line example i is on ("a,b"; examples of one line are
 * consecutive), and where that line ends (its last example + 1). */
static char *lineIds(const kbLoader *L, size_t i, size_t *end) {
    const kbTrainWhere *w = &L->train_where[i];
    char *ids = cbStrdup(L->train_ids.v[i]);
    for (*end = i + 1; *end < L->train_ids.n && L->train_where[*end].path == w->path &&
                       L->train_where[*end].line == w->line;
         ++*end) {
        char *more = cbSprintf("%s,%s", ids, L->train_ids.v[*end]);
        free(ids);
        ids = more;
    }
    return ids;
}

void kbCheckTrainingConflicts(kbLoader *L) {
    size_t n = L->train_q.n;
    if (n < 2) return;
    trainKey *v = cbMalloc(n * sizeof(*v));
    for (size_t i = 0; i < n; i++) v[i] = (trainKey){kbPhraseKey(L->train_q.v[i]), i};
    qsort(v, n, sizeof(*v), trainKeyCmp);
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && strcmp(v[b].key, v[a].key) == 0; b++) {
        }
        size_t end;
        char *first = lineIds(L, v[a].i, &end);
        for (size_t k = a + 1; k < b; k++) {
            const kbTrainWhere *w = &L->train_where[v[k].i], *w0 = &L->train_where[v[a].i];
            if (w->path == w0->path && w->line == w0->line) continue; /* one line's ids */
            char *ids = lineIds(L, v[k].i, &end);
            if (strcmp(ids, first) != 0)
                cbDiagAdd(L->d, CB_DIAG_WARNING, w->path, w->line, 1,
                          "this question is also in %s:%d, as an example of '%s'; here of '%s'. "
                          "Keep the right one", w0->path, w0->line, first, ids);
            free(ids);
            break; /* one warning for a question */
        }
        free(first);
    }
    for (size_t i = 0; i < n; i++) free(v[i].key);
    free(v);
}

kbExampleAt *kbTrainPlaces(const kbLoader *L) {
    size_t n = L->train_where ? L->train_q.n : 0;
    kbExampleAt *at = cbCalloc(n ? n : 1, sizeof(*at));
    uint32_t f = 0;
    for (size_t i = 0; i < n; i++) {
        const kbTrainWhere *w = &L->train_where[i];
        if (f >= L->train_files.n || L->train_files.v[f] != w->path) /* files come in order */
            for (f = 0; f < L->train_files.n && L->train_files.v[f] != w->path; f++) {
            }
        at[i] = (kbExampleAt){f, w->line};
    }
    return at;
}

void kbLoaderFreeTraining(kbLoader *L) {
    kbStrsFree(&L->train_q);
    kbStrsFree(&L->train_ids);
    kbStrsFree(&L->train_files);
    free(L->train_where);
    L->train_where = NULL;
    L->train_cap = 0;
}
