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
#include <sys/stat.h>
#include <unistd.h>

#include "base/common.h"
#include "kb/kb.h"
#include "kb/kb_export.h"
#include "kb/kb_int.h"

#define LEARN_FILE "accepted"   /* examples/accepted.jsonl, then accepted-2.jsonl ... */
#define LEARN_MAX_FILES 1000

/* Does an existing example teach key? Its ids, comma-separated (NULL:
 * no example has the key), and the first one's index into *first. */
static char *exampleIds(const kb *k, const char *key, size_t *first) {
    char *ids = NULL;
    for (size_t i = 0; i < k->train_q.n; i++) {
        char *other = kbPhraseKey(k->train_q.v[i]);
        int same = strcmp(other, key) == 0;
        free(other);
        if (!same) continue;
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

/* 1 when question qs should be written as an example of id ("" out of
 * scope); 0 when it already is one, or is taught otherwise (a warning). */
static int worthAdding(const kb *k, const kbEntry *e, const char *id, const char *q, cbDiags *d) {
    char *key = kbPhraseKey(q);
    int add = *key != '\0' && !(e && isPhraseOf(e, key));
    size_t at = 0;
    char *ids = add ? exampleIds(k, key, &at) : NULL;
    const char *want = *id ? id : "(out of scope)";
    if (ids && !hasId(ids, want))
        cbDiagAdd(d, CB_DIAG_WARNING, k->train_at ? k->train_files.v[k->train_at[at].file] : "examples/",
                  k->train_at ? k->train_at[at].line : 0, 1,
                  "\"%s\" is an example of '%s' here, so it was not added as one of '%s'; change "
                  "this line if '%s' is right", q, ids, want, want);
    if (ids) add = 0;
    free(ids);
    free(key);
    return add;
}

/* The lines to append (one JSON object each) for the questions worth
 * adding; *added = how many. NULL when none. */
static char *newLines(const kb *k, const kbEntry *e, const char *id, const char *const *qs,
                      size_t n, size_t *added, cbDiags *d) {
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!qs[i] || !*qs[i] || !worthAdding(k, e, id, qs[i], d)) continue;
        int dup = 0; /* the same question twice in qs */
        for (size_t j = 0; j < i && !dup; j++) dup = qs[j] && strcasecmp(qs[j], qs[i]) == 0;
        if (dup) continue;
        json_t *line = json_pack("{s:s, s:[]}", "q", qs[i], "gold");
        if (*id) json_array_append_new(json_object_get(line, "gold"), json_string(id));
        char *s = json_dumps(line, JSON_PRESERVE_ORDER);
        json_decref(line);
        if (s) fprintf(f, "%s\n", s), ++*added;
        free(s);
    }
    fclose(f);
    if (*added) return out;
    free(out);
    return NULL;
}

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

static int writeAll(const char *path, const char *a, size_t alen, const char *b, size_t blen) {
    FILE *f = fopen(path, "wb");
    if (!f) return CB_ERR;
    size_t w = fwrite(a, 1, alen, f) + fwrite(b, 1, blen, f);
    return fclose(f) == 0 && w == alen + blen ? CB_OK : CB_ERR;
}

/* Append lines to path (after old, with a newline between if old lacks
 * one; a new file starts with a comment saying where it comes from). */
static int appendLines(const char *path, const char *old, size_t oldlen, const char *lines) {
    const char *head = "# Questions users asked, labelled by `careerbot report accept` and "
                       "`report dismiss --out-of-scope`.\n";
    char *text = old ? cbSprintf("%s%s", oldlen && old[oldlen - 1] != '\n' ? "\n" : "", lines)
                     : cbSprintf("%s%s", head, lines);
    int rc = writeAll(path, old ? old : "", oldlen, text, strlen(text));
    free(text);
    return rc;
}

/* Append lines to the examples file with room (its path into *path),
 * then load the knowledge again; if it does not load, the file is put
 * back as it was. */
static int writeChecked(const char *dir, const char *lines, char **path, cbDiags *d, char *err) {
    char *examples = cbSprintf("%s/examples", dir), *old = NULL;
    size_t oldlen = 0;
    int made = mkdir(examples, 0755) == 0 || errno == EEXIST;
    free(examples);
    char *file = made ? learnFile(dir, strlen(lines), &old, &oldlen, d) : NULL;
    if (!file) return cbErr(err, "cannot make room for examples in %s/examples", dir);
    *path = file;
    int rc = CB_OK;
    if (appendLines(file, old, oldlen, lines) != CB_OK)
        rc = cbErr(err, "cannot write %s: %s", file, strerror(errno));
    kb *again = rc == CB_OK ? kbLoad(dir, d) : NULL;
    if (rc == CB_OK && !again) {
        if (old) writeAll(file, old, oldlen, "", 0);
        else unlink(file);
        rc = cbErr(err, "%s does not pass the checks with the new examples; left as it was", file);
    }
    kbFree(again);
    free(old);
    return rc;
}

int kbAddExamples(const char *dir, const char *id, const char *const *qs, size_t n,
                  size_t *added, char **path, cbDiags *notes, cbDiags *d, char *err) {
    *added = 0;
    *path = NULL;
    kb *k = kbLoad(dir, d);
    if (!k) return cbErr(err, "the knowledge in %s has errors; fix them first (kb check)", dir);
    const kbEntry *e = id ? kbFindEntry(k, id) : NULL;
    if (id && !e) {
        kbFree(k);
        return cbErr(err, "no entry '%s' in %s", id, dir);
    }
    char *lines = newLines(k, e, id ? id : "", qs, n, added, notes);
    kbFree(k);
    if (!lines) return CB_OK;
    int rc = writeChecked(dir, lines, path, d, err);
    if (rc != CB_OK) *added = 0;
    free(lines);
    return rc;
}
