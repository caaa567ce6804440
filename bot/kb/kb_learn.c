/* kb_learn.c - real traffic into training data. `careerbot report accept`
 * (and `report dismiss --out-of-scope`) append the questions users really
 * asked to knowledge/examples/accepted.jsonl, labelled with the entry
 * that answers them, or with none: out of scope. This is the active
 * learning of Rasa and Azure question answering: the classifier learns the
 * users' own wording, and nothing else changes (the entry's file, its
 * curated alternates, autocomplete and the lexical index stay as the
 * maintainers wrote them).
 *
 * A question that already teaches the same thing (the entry's question or
 * an alternate, an example with the same ids) is skipped. One that an
 * example teaches differently is skipped with a warning naming both
 * labels: two lines saying different things is what `kb check` warns of,
 * and which one is right is a person's call. A file that would pass
 * KB_MAX_FILE continues in accepted-2.jsonl, -3 and so on. The knowledge
 * is loaded again afterwards; if it does not load, the file is put back
 * as it was. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/common.h"
#include "kb/kb.h"
#include "kb/kb_export.h"
#include "kb/kb_int.h"

#define LEARN_FILE "accepted"   /* examples/accepted.jsonl, then accepted-2.jsonl ... */
#define LEARN_MAX_FILES 1000

/* Does an existing example teach key (ekeys: the examples' phrase keys,
 * made once)? Its ids, comma-separated (NULL: no example has the key),
 * and the first one's index into *first. */
static char *exampleIds(const kb *k, char *const *ekeys, const char *key, size_t *first) {
    char *ids = NULL;
    for (size_t i = 0; i < k->train_q.n; i++) {
        if (strcmp(ekeys[i], key) != 0) continue;
        const char *id = k->train_ids.v[i][0] ? k->train_ids.v[i] : "(out of scope)";
        char *more = ids ? cbSprintf("%s,%s", ids, id) : cbStrdup(id);
        if (!ids) *first = i;
        free(ids);
        ids = more;
    }
    return ids;
}

/* Is id one of the comma-separated ids? */
static int hasId(const char *ids, const char *id) {
    size_t n = strlen(id);
    for (const char *p = ids; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, id, n) == 0 && (p[n] == ',' || p[n] == '\0')) return 1;
    return 0;
}

static int isPhraseOf(const kbEntry *e, const char *key) {
    char *q = kbPhraseKey(e->question);
    int same = strcmp(q, key) == 0;
    free(q);
    for (size_t i = 0; !same && i < e->alternates.n; i++) {
        char *a = kbPhraseKey(e->alternates.v[i]);
        same = strcmp(a, key) == 0;
        free(a);
    }
    return same;
}

/* 1 when question q should be written as an example of id ("" out of
 * scope); 0 when it already is one; -1 when an example teaches it
 * otherwise (a warning at that example's line). */
static int worthAdding(const kb *k, char *const *ekeys, const kbEntry *e, const char *id,
                       const char *q, cbDiags *d) {
    char *key = kbPhraseKey(q);
    int add = *key != '\0' && !(e && isPhraseOf(e, key));
    size_t at = 0;
    char *ids = add ? exampleIds(k, ekeys, key, &at) : NULL;
    const char *want = *id ? id : "(out of scope)";
    if (ids && !hasId(ids, want)) {
        cbDiagAdd(d, CB_DIAG_WARNING, k->train_at ? k->train_files.v[k->train_at[at].file] : "examples/",
                  k->train_at ? k->train_at[at].line : 0, 1,
                  "\"%s\" is an example of '%s' here, so it was not added as one of '%s'; change "
                  "this line if '%s' is right", q, ids, want, want);
        add = -1;
    } else if (ids) {
        add = 0;
    }
    free(ids);
    free(key);
    return add;
}

/* One example line for q, or NULL (a warning) when q is not text JSON
 * can hold (invalid UTF-8). */
static char *exampleLine(const char *q, const char *id, cbDiags *d) {
    json_t *line = json_pack("{s:s, s:[]}", "q", q, "gold");
    if (!line) {
        cbDiagAdd(d, CB_DIAG_WARNING, "examples/", 0, 0,
                  "a question that is not valid UTF-8 text was not added");
        return NULL;
    }
    if (*id) json_array_append_new(json_object_get(line, "gold"), json_string(id));
    char *s = json_dumps(line, JSON_PRESERVE_ORDER);
    json_decref(line);
    return s;
}

/* The lines to append (one JSON object each) for the questions worth
 * adding; *added = how many, *skipped = how many were left out for a
 * person to decide (taught otherwise, not text). NULL when none. */
static char *newLines(const kb *k, const kbEntry *e, const char *id, const char *const *qs,
                      size_t n, size_t *added, size_t *skipped, cbDiags *d) {
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f) return NULL;
    char **ekeys = cbMalloc((k->train_q.n ? k->train_q.n : 1) * sizeof(*ekeys));
    for (size_t i = 0; i < k->train_q.n; i++) ekeys[i] = kbPhraseKey(k->train_q.v[i]);
    for (size_t i = 0; i < n; i++) {
        int dup = 0; /* the same question twice in qs */
        for (size_t j = 0; j < i && !dup && qs[i]; j++) dup = qs[j] && strcasecmp(qs[j], qs[i]) == 0;
        int worth = !qs[i] || !*qs[i] || dup ? 0 : worthAdding(k, ekeys, e, id, qs[i], d);
        char *s = worth > 0 ? exampleLine(qs[i], id, d) : NULL;
        if (s) fprintf(f, "%s\n", s), ++*added;
        else if (worth != 0) ++*skipped;
        free(s);
    }
    for (size_t i = 0; i < k->train_q.n; i++) free(ekeys[i]);
    free(ekeys);
    fclose(f);
    if (*added) return out;
    free(out);
    return NULL;
}

#define LEARN_HEAD "# Questions users asked, labelled by `careerbot report accept` and " \
                   "`report dismiss --out-of-scope`.\n"

/* examples/accepted.jsonl, or the first accepted-N.jsonl with room for
 * more bytes; *old its content (NULL: a new file). */
static char *learnFile(const char *dir, size_t more, char **old, size_t *oldlen, cbDiags *d) {
    for (int i = 1; i <= LEARN_MAX_FILES; i++) {
        char *path = i == 1 ? cbSprintf("%s/examples/%s.jsonl", dir, LEARN_FILE)
                            : cbSprintf("%s/examples/%s-%d.jsonl", dir, LEARN_FILE, i);
        struct stat st;
        *old = NULL, *oldlen = 0;
        if (stat(path, &st) != 0) return path; /* a new file */
        if ((size_t)st.st_size + more + 1 <= KB_MAX_FILE && kbReadFile(path, d, old, oldlen) == CB_OK)
            return path;
        free(path);
    }
    return NULL;
}

/* path's new content, old then text, written to a temporary file beside
 * it and renamed over it: a failed write (a full disk) leaves the file as
 * it was, and the running bot's watcher never reads half of it. */
static int replaceFile(const char *path, const char *old, size_t oldlen, const char *text,
                       size_t len) {
    char *tmp = cbSprintf("%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok = f != NULL;
    if (f) {
        ok = fwrite(old, 1, oldlen, f) == oldlen && fwrite(text, 1, len, f) == len;
        ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
        ok = fclose(f) == 0 && ok;
    }
    ok = ok && rename(tmp, path) == 0;
    if (!ok) unlink(tmp);
    free(tmp);
    return ok ? CB_OK : CB_ERR;
}

/* Append lines to path (after old, with a newline between if old lacks
 * one; a new file starts with a comment saying where it comes from). */
static int appendLines(const char *path, const char *old, size_t oldlen, const char *lines) {
    char *text = old ? cbSprintf("%s%s", oldlen && old[oldlen - 1] != '\n' ? "\n" : "", lines)
                     : cbSprintf("%s%s", LEARN_HEAD, lines);
    int rc = replaceFile(path, old ? old : "", oldlen, text, strlen(text));
    free(text);
    return rc;
}

/* The knowledge loads with the new lines; else path is put back as it
 * was (old, or no file) and the load's problems are in d. */
static int checkOrRestore(const char *dir, const char *path, const char *old, size_t oldlen,
                          cbDiags *d, char *err) {
    cbDiags again;
    cbDiagsInit(&again);
    kb *k = kbLoad(dir, &again);
    int rc = CB_OK;
    if (!k) {
        for (size_t i = 0; i < again.n; i++)
            if (again.v[i].severity == CB_DIAG_ERROR)
                cbDiagAdd(d, CB_DIAG_ERROR, again.v[i].file, again.v[i].line, again.v[i].col, "%s",
                          again.v[i].msg);
        if (old) replaceFile(path, old, oldlen, "", 0);
        else unlink(path);
        rc = cbErr(err, "%s does not pass the checks with the new examples; left as it was", path);
    }
    kbFree(k);
    cbDiagsFree(&again);
    return rc;
}

/* Append lines to the examples file with room (its path into *path),
 * then load the knowledge again. Under an exclusive lock on examples/:
 * two accepts at once take turns instead of one losing the other's. */
static int writeChecked(const char *dir, const char *lines, char **path, cbDiags *d, char *err) {
    if (strlen(LEARN_HEAD) + strlen(lines) > KB_MAX_FILE)
        return cbErr(err, "the questions take more than %d KiB, the bound of a knowledge file; "
                     "accept them in smaller groups", KB_MAX_FILE / 1024);
    char *examples = cbSprintf("%s/examples", dir), *old = NULL;
    size_t oldlen = 0;
    int made = mkdir(examples, 0755) == 0 || errno == EEXIST;
    int lock = made ? open(examples, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(examples);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) {
        if (lock >= 0) close(lock);
        return cbErr(err, "cannot use %s/examples: %s", dir, strerror(errno));
    }
    char *file = learnFile(dir, strlen(lines) + strlen(LEARN_HEAD), &old, &oldlen, d);
    int rc = file ? CB_OK : cbErr(err, "cannot make room for examples in %s/examples", dir);
    if (file && appendLines(file, old, oldlen, lines) != CB_OK)
        rc = cbErr(err, "cannot write %s: %s (left as it was)", file, strerror(errno));
    else if (file)
        rc = checkOrRestore(dir, file, old, oldlen, d, err);
    *path = file;
    close(lock); /* the lock goes with it */
    free(old);
    return rc;
}

int kbAddExamples(const char *dir, const char *id, const char *const *qs, size_t n,
                  kbLearned *out, cbDiags *notes, cbDiags *d, char *err) {
    *out = (kbLearned){0, 0, NULL};
    kb *k = kbLoad(dir, d);
    if (!k) return cbErr(err, "the knowledge in %s has errors; fix them first (kb check)", dir);
    const kbEntry *e = id ? kbFindEntry(k, id) : NULL;
    if (id && !e) {
        kbFree(k);
        return cbErr(err, "no entry '%s' in %s", id, dir);
    }
    char *lines = newLines(k, e, id ? id : "", qs, n, &out->added, &out->skipped, notes);
    kbFree(k);
    if (!lines) return CB_OK;
    int rc = writeChecked(dir, lines, &out->path, d, err);
    if (rc != CB_OK) out->added = 0;
    free(lines);
    return rc;
}
