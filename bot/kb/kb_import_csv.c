/* kb_import_csv.c - `kb import FILE.csv|FILE.tsv`: a question/answer
 * spreadsheet turned into the document `kb export` writes, so the rest of
 * the import (checks, the YAML writer, the load-back, all or nothing) is
 * the JSON import's. A header row names the columns, in any order, case
 * ignored:
 *   ours (what `kb export --format csv` writes): Id, Question, Summary,
 *     Answer, Alternates, Keywords, Patterns, Sources, Links, Related,
 *     Updated; a list is one item per line of its cell, a source or link
 *     "Title <url>", a source's publisher and date on indented lines after
 *     it ("  publisher: X", "  date: Y");
 *   Azure question answering's export: Source (one URL), Metadata
 *     ("topic:job-search|key:value"), QnaId (rows sharing one are one entry,
 *     the later rows' questions its alternates), SuggestedQuestions
 *     (ignored: unreviewed), IsContextOnly and Prompts (multi-turn, refused
 *     unless empty).
 * Question and Answer are required. Without an Id column an entry's id is
 * its Metadata topic (else "imported") and a slug of its question. Topics,
 * synonyms, matching.json, out-of-scope.txt, redirects.yaml, lookups.yaml,
 * smalltalk.yaml and stopwords.txt come from --base, else
 * topics are named after their folder. Every problem is reported at its
 * cell (file:line:col), through the position map kbPosAt reads. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/common.h"
#include "base/csv.h"
#include "base/jsonloc.h"
#include "kb/kb_export.h"
#include "kb/kb_int.h"

enum {
    COL_ID, COL_QUESTION, COL_SUMMARY, COL_ANSWER, COL_ALTERNATES, COL_KEYWORDS, COL_PATTERNS,
    COL_SOURCES, COL_LINKS, COL_RELATED, COL_UPDATED, COL_SOURCE, COL_METADATA, COL_QNAID,
    COL_SUGGESTED, COL_CONTEXT, COL_PROMPTS, COL_N
};
static const char *const kbCsvCol[COL_N] = {
    "Id",      "Question", "Summary", "Answer", "Alternates", "Keywords",           "Patterns",
    "Sources", "Links",    "Related", "Updated", "Source",    "Metadata",           "QnaId",
    "SuggestedQuestions",  "IsContextOnly",      "Prompts"};
/* The export field our columns fill, in the export's order. */
static const struct { const char *field; int col; char kind; } kbCsvFields[] = {
    {"question", COL_QUESTION, 's'}, {"summary", COL_SUMMARY, 's'},
    {"alternates", COL_ALTERNATES, 'l'}, {"keywords", COL_KEYWORDS, 'l'},
    {"patterns", COL_PATTERNS, 'l'}, {"answer", COL_ANSWER, 's'},
    {"sources", COL_SOURCES, 'r'}, {"links", COL_LINKS, 'r'},
    {"related", COL_RELATED, 'l'}, {"updated", COL_UPDATED, 's'}};

typedef struct kbCsv {
    const kbJson *j;
    cbDiags *d;
    kbPosMap *map;
    int col[COL_N]; /* field index of each column in a record, -1 when absent */
    size_t ncols;
    json_t *ents;   /* entries built so far */
    json_t *qna;    /* QnaId -> its entry's index */
    json_t *taken;  /* generated ids */
    size_t before;  /* errors in d before this file */
} kbCsv;

static void kbCsvDiag(kbCsv *c, cbSeverity sev, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void kbCsvDiag(kbCsv *c, cbSeverity sev, size_t off, const char *fmt, ...) {
    int line, col;
    jlocLineCol(c->j->text, c->j->len, off, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    cbDiagAddV(c->d, sev, c->j->path, line, col, fmt, ap);
    va_end(ap);
}

static int kbCsvHeader(kbCsv *c, const csvRecord *h) {
    for (int i = 0; i < COL_N; i++) c->col[i] = -1;
    c->ncols = h->n;
    for (size_t k = 0; k < h->n; k++) {
        const char *name = h->f[k].s;
        int i = 0;
        while (i < COL_N && strcasecmp(name, kbCsvCol[i]) != 0) i++;
        const char *hint = i == COL_N ? kbClosest(name, kbCsvCol, COL_N) : NULL;
        if (!*name)
            kbCsvDiag(c, CB_DIAG_ERROR, h->f[k].off, "a column without a name; name it or remove it");
        else if (hint)
            kbCsvDiag(c, CB_DIAG_ERROR, h->f[k].off, "unknown column '%.100s'; did you mean '%s'?",
                      name, hint);
        else if (i == COL_N)
            kbCsvDiag(c, CB_DIAG_ERROR, h->f[k].off,
                      "unknown column '%.100s'; rename or remove it (the columns are Id, Question, "
                      "Summary, Answer, Alternates, Keywords, Patterns, Sources, Links, Related, "
                      "Updated, and Azure's Source, Metadata, QnaId, SuggestedQuestions, "
                      "IsContextOnly, Prompts)", name);
        else if (c->col[i] >= 0)
            kbCsvDiag(c, CB_DIAG_ERROR, h->f[k].off, "column '%s' appears twice; keep one", kbCsvCol[i]);
        else
            c->col[i] = (int)k;
    }
    static const int required[] = {COL_QUESTION, COL_ANSWER};
    for (size_t r = 0; r < CB_ARRAY_LEN(required); r++)
        if (c->col[required[r]] < 0)
            kbCsvDiag(c, CB_DIAG_ERROR, h->off,
                      "missing column '%s'; the header must name at least Question and Answer",
                      kbCsvCol[required[r]]);
    return c->d->nerrors == c->before ? CB_OK : CB_ERR;
}

static const char *kbCsvCell(const kbCsv *c, const csvRecord *r, int col) {
    return c->col[col] >= 0 ? r->f[c->col[col]].s : "";
}

static size_t kbCsvOff(const kbCsv *c, const csvRecord *r, int col) {
    return c->col[col] >= 0 ? r->f[c->col[col]].off : r->off;
}

/* Each non-blank line of cell s (a trailing CR dropped) to fn. */
static void kbCsvLines(const char *s, void (*fn)(void *ud, const char *line, size_t n), void *ud) {
    while (*s) {
        size_t n = strcspn(s, "\n"), m = n;
        if (m > 0 && s[m - 1] == '\r') m--;
        if (strspn(s, " \t\r") < m) fn(ud, s, m);
        s += n + (s[n] == '\n');
    }
}

static void kbCsvAddLine(void *ud, const char *line, size_t n) {
    json_array_append_new(ud, json_stringn(line, n));
}

static json_t *kbCsvHostTitle(const char *url, size_t n) {
    const char *h = strstr(url, "://");
    h = h && (size_t)(h - url) < n ? h + 3 : url;
    size_t hn = strcspn(h, "/?#\n");
    if (hn > n - (size_t)(h - url)) hn = n - (size_t)(h - url);
    return json_stringn(h, hn);
}

typedef struct kbCsvRefs {
    kbCsv *c;
    size_t off; /* the cell */
    json_t *a;
    int sources; /* publisher and date lines allowed */
} kbCsvRefs;

/* "Title <url>", a bare URL, or a title alone (the seed article). */
static void kbCsvRefLine(void *ud, const char *line, size_t n) {
    kbCsvRefs *r = ud;
    static const char *const attrs[] = {"  publisher: ", "  date: "};
    for (size_t a = 0; r->sources && a < CB_ARRAY_LEN(attrs); a++) {
        size_t an = strlen(attrs[a]);
        if (n < an || strncmp(line, attrs[a], an) != 0) continue;
        json_t *last = json_array_get(r->a, json_array_size(r->a) - 1);
        if (!last) {
            kbCsvDiag(r->c, CB_DIAG_ERROR, r->off, "'%.*s' before any source; put it on the "
                      "line after its source", (int)(an - 3), attrs[a] + 2);
            return;
        }
        json_object_set_new(last, a ? "date" : "publisher", json_stringn(line + an, n - an));
        return;
    }
    json_t *o = json_object();
    size_t lt = n;
    while (lt > 1 && !(line[lt - 1] == '<' && line[lt - 2] == ' ')) lt--;
    int bare = (strncmp(line, "https://", 8) == 0 || strncmp(line, "http://", 7) == 0) &&
               !memchr(line, ' ', n);
    if (n > 2 && line[n - 1] == '>' && lt > 1) {
        json_object_set_new(o, "title", json_stringn(line, lt - 2));
        json_object_set_new(o, "url", json_stringn(line + lt, n - lt - 1));
    } else if (bare) {
        json_object_set_new(o, "title", kbCsvHostTitle(line, n));
        json_object_set_new(o, "url", json_stringn(line, n));
    } else {
        json_object_set_new(o, "title", json_stringn(line, n));
    }
    json_array_append_new(r->a, o);
}

/* Azure's Source: one URL, or a word such as "Editorial" (no source). */
static void kbCsvAzureSource(kbCsv *c, const csvRecord *r, json_t *e) {
    const char *s = kbCsvCell(c, r, COL_SOURCE);
    if (!*s) return;
    size_t n = strlen(s);
    if (!kbValidUrl(s)) {
        kbCsvDiag(c, CB_DIAG_WARNING, kbCsvOff(c, r, COL_SOURCE),
                  "Source '%.100s' is not a URL and is not kept; name the entry's sources in a "
                  "Sources column (\"Title <url>\", one a line)", s);
        return;
    }
    json_t *o = json_object();
    json_object_set_new(o, "title", kbCsvHostTitle(s, n));
    json_object_set_new(o, "url", json_string(s));
    json_array_append_new(json_object_get(e, "sources"), o);
}

/* A cell into field f of entry e ('s'tring, 'l'ist, 'r'eferences). */
static void kbCsvSetField(kbCsv *c, json_t *e, const char *f, char kind, const char *s, size_t off) {
    if (kind == 's') {
        if (*s) json_object_set_new(e, f, json_string(s));
        return;
    }
    json_t *a = json_array();
    if (kind == 'l') {
        size_t commas = 0;
        for (const char *p = s; (p = strchr(p, ',')) != NULL; p++) commas++;
        if (commas >= 2 && !strchr(s, '\n') && (strcmp(f, "alternates") == 0 ||
                                                 strcmp(f, "keywords") == 0))
            kbCsvDiag(c, CB_DIAG_WARNING, off, "this %s cell is one line with %zu commas, so it "
                      "is one item: a list cell has one item a line (Alt+Enter in a "
                      "spreadsheet); split it if these are several", f, commas);
        kbCsvLines(s, kbCsvAddLine, a);
    } else {
        kbCsvRefs refs = {c, off, a, strcmp(f, "sources") == 0};
        kbCsvLines(s, kbCsvRefLine, &refs);
    }
    json_object_set_new(e, f, a);
}

/* Lowercase ASCII letters and digits of s joined by '-', at most max. */
static void kbCsvSlug(const char *s, char *out, size_t max) {
    size_t n = 0;
    int gap = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n + 2 < max; p++) {
        unsigned char ch = (unsigned char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            if (gap && n) out[n++] = '-';
            out[n++] = (char)ch;
            gap = 0;
        } else {
            gap = 1;
        }
    }
    out[n] = '\0';
}

/* Azure's Metadata "key:value|key:value": topic (or category) names the
 * entry's topic; other keys are not kept (a warning). */
static void kbCsvMetadata(kbCsv *c, const csvRecord *r, char *topic, size_t cap) {
    const char *s = kbCsvCell(c, r, COL_METADATA);
    while (*s) {
        size_t n = strcspn(s, "|"), k = strcspn(s, ":");
        if (k < n && ((k == 5 && strncasecmp(s, "topic", 5) == 0) ||
                      (k == 8 && strncasecmp(s, "category", 8) == 0))) {
            char *v = cbStrndup(s + k + 1, n - k - 1);
            kbCsvSlug(v, topic, cap);
            free(v);
        } else if (n > 0) {
            kbCsvDiag(c, CB_DIAG_WARNING, kbCsvOff(c, r, COL_METADATA),
                      "metadata '%.*s' is not kept (only topic or category is used: it names the "
                      "entry's topic)", (int)(k < n ? k : n), s);
        }
        s += n + (s[n] == '|');
    }
}

/* An id for a row without an Id column: TOPIC/slug-of-the-question. */
static json_t *kbCsvNewId(kbCsv *c, const csvRecord *r, const char *question) {
    char topic[64] = "", slug[64];
    kbCsvMetadata(c, r, topic, sizeof topic);
    kbCsvSlug(question, slug, sizeof slug - 8);
    char *id = cbSprintf("%s/%s", *topic ? topic : "imported", *slug ? slug : "entry");
    for (int k = 2; json_object_get(c->taken, id); k++) {
        char *again = cbSprintf("%s/%s-%d", *topic ? topic : "imported", *slug ? slug : "entry", k);
        free(id);
        id = again;
    }
    json_object_set_new(c->taken, id, json_true());
    json_t *v = json_string(id);
    free(id);
    return v;
}

/* Azure's multi-turn columns: only empty (or "[]", "false") is accepted. */
static int kbCsvMultiTurn(kbCsv *c, const csvRecord *r) {
    const char *ctx = kbCsvCell(c, r, COL_CONTEXT), *pr = kbCsvCell(c, r, COL_PROMPTS);
    int bad = 0;
    if (*ctx && strcasecmp(ctx, "false") != 0) {
        kbCsvDiag(c, CB_DIAG_ERROR, kbCsvOff(c, r, COL_CONTEXT),
                  "context-only answers (multi-turn) are not supported; make it a plain entry "
                  "and empty this cell");
        bad = 1;
    }
    if (*pr && strcmp(pr, "[]") != 0) {
        kbCsvDiag(c, CB_DIAG_ERROR, kbCsvOff(c, r, COL_PROMPTS),
                  "follow-up prompts (multi-turn) are not supported; list those entries in "
                  "Related instead and empty this cell");
        bad = 1;
    }
    return bad ? CB_ERR : CB_OK;
}

/* Rows that share an Azure QnaId are one entry: a later row's question is
 * an alternate of the first. 1 when r was such a row. */
static int kbCsvSameQna(kbCsv *c, const csvRecord *r) {
    const char *id = kbCsvCell(c, r, COL_QNAID), *q = kbCsvCell(c, r, COL_QUESTION);
    json_t *at = *id ? json_object_get(c->qna, id) : NULL;
    if (!at) {
        if (*id) json_object_set_new(c->qna, id, json_integer((json_int_t)json_array_size(c->ents)));
        return 0;
    }
    json_t *e = json_array_get(c->ents, (size_t)json_integer_value(at));
    if (*q) json_array_append_new(json_object_get(e, "alternates"), json_string(q));
    return 1;
}

static int kbCsvRowShape(kbCsv *c, const csvRecord *r) {
    if (r->n > c->ncols)
        kbCsvDiag(c, CB_DIAG_ERROR, r->f[c->ncols].off,
                  "%zu fields where the header has %zu; a field holding the separator or a line "
                  "break must be in double quotes", r->n, c->ncols);
    else if (r->n < c->ncols)
        kbCsvDiag(c, CB_DIAG_ERROR, r->end,
                  "%zu fields where the header has %zu; add the missing ones (an empty field is "
                  "fine)", r->n, c->ncols);
    return r->n == c->ncols ? CB_OK : CB_ERR;
}

static int kbCsvRequired(kbCsv *c, const csvRecord *r) {
    int rc = CB_OK;
    static const int need[] = {COL_QUESTION, COL_ANSWER};
    for (size_t i = 0; i < CB_ARRAY_LEN(need); i++) {
        if (*kbCsvCell(c, r, need[i])) continue;
        kbCsvDiag(c, CB_DIAG_ERROR, kbCsvOff(c, r, need[i]), "empty %s; every row needs one",
                  kbCsvCol[need[i]]);
        rc = CB_ERR;
    }
    if (c->col[COL_ID] >= 0 && !*kbCsvCell(c, r, COL_ID)) {
        kbCsvDiag(c, CB_DIAG_ERROR, kbCsvOff(c, r, COL_ID),
                  "empty Id; write the entry's <topic>/<slug>, e.g. career/salary");
        rc = CB_ERR;
    }
    return rc;
}

static void kbCsvRow(kbCsv *c, const csvRecord *r) {
    if (kbCsvRowShape(c, r) != CB_OK) return;
    size_t blank = 0;
    while (blank < r->n && r->f[blank].len == 0) blank++;
    if (blank == r->n || kbCsvSameQna(c, r)) return; /* a row of empty cells; an alternate */
    if (kbCsvMultiTurn(c, r) != CB_OK || kbCsvRequired(c, r) != CB_OK) return;
    size_t i = json_array_size(c->ents);
    char ptr[96];
    json_t *e = json_object();
    json_object_set_new(e, "id", c->col[COL_ID] >= 0 ? json_string(kbCsvCell(c, r, COL_ID))
                                                     : kbCsvNewId(c, r, kbCsvCell(c, r, COL_QUESTION)));
    snprintf(ptr, sizeof ptr, "/entries/%zu", i);
    kbPosMapPut(c->map, ptr, r->off);
    snprintf(ptr, sizeof ptr, "/entries/%zu/id", i);
    kbPosMapPut(c->map, ptr, kbCsvOff(c, r, c->col[COL_ID] >= 0 ? COL_ID : COL_QUESTION));
    for (size_t k = 0; k < CB_ARRAY_LEN(kbCsvFields); k++) {
        int col = kbCsvFields[k].col;
        size_t off = kbCsvOff(c, r, col);
        kbCsvSetField(c, e, kbCsvFields[k].field, kbCsvFields[k].kind, kbCsvCell(c, r, col), off);
        snprintf(ptr, sizeof ptr, "/entries/%zu/%s", i, kbCsvFields[k].field);
        kbPosMapPut(c->map, ptr, col == COL_SOURCES && c->col[col] < 0 ? kbCsvOff(c, r, COL_SOURCE) : off);
    }
    kbCsvAzureSource(c, r, e);
    json_array_append_new(c->ents, e);
}

/* The topics the entries use: base's when it has them, else named after
 * their folder ("job-search": "Job search"); base's others too. */
static json_t *kbCsvTopics(kbCsv *c, json_t *base) {
    json_t *out = json_array(), *seen = json_object(), *bt = json_object_get(base, "topics");
    for (size_t i = 0; i < json_array_size(bt); i++) {
        json_t *t = json_array_get(bt, i);
        json_array_append(out, t);
        json_object_set_new(seen, json_string_value(json_object_get(t, "name")), json_true());
    }
    for (size_t i = 0; i < json_array_size(c->ents); i++) {
        const char *id = json_string_value(json_object_get(json_array_get(c->ents, i), "id"));
        char name[128], ptr[64], entry_id[64];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(id, "/"), id);
        if (!kbValidName(name) || json_object_get(seen, name)) continue;
        json_object_set_new(seen, name, json_true());
        char *title = cbStrdup(name);
        title[0] = (char)(title[0] >= 'a' && title[0] <= 'z' ? title[0] - 32 : title[0]);
        for (char *p = title; *p; p++) *p = *p == '-' ? ' ' : *p;
        char *desc = cbSprintf("%s questions, imported.", title);
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "name", name, "title", title,
                                             "description", desc));
        size_t off = 0; /* a made-up topic is placed at its first entry's id */
        snprintf(entry_id, sizeof entry_id, "/entries/%zu/id", i);
        kbPosMapOffset(c->map, entry_id, 0, &off);
        snprintf(ptr, sizeof ptr, "/topics/%zu", json_array_size(out) - 1);
        kbPosMapPut(c->map, ptr, off);
        free(title);
        free(desc);
    }
    json_decref(seen);
    return out;
}

json_t *kbCsvDocument(const kbJson *j, char sep, json_t *base, kbPosMap *map, cbDiags *d) {
    kbCsv c = {.j = j, .d = d, .map = map, .before = d->nerrors};
    kbPosMapPut(map, "", 0);
    csvTable t = {0};
    size_t erroff;
    char err[CB_ERRLEN];
    const char *eol = memchr(j->text, '\n', j->len);
    size_t hl = eol ? (size_t)(eol - j->text) : j->len;
    if (sep == ',' && !memchr(j->text, ',', hl) && memchr(j->text, ';', hl)) {
        /* a spreadsheet set to a European locale saves "CSV" with ';' */
        kbCsvDiag(&c, CB_DIAG_ERROR, 0, "the header separates its columns with ';', not ',' "
                  "(a spreadsheet in a European language does that): save the file as CSV "
                  "with commas, or as TSV (tab-separated, .tsv)");
        return NULL;
    }
    if (csvParse(j->text, j->len, sep, &t, &erroff, err) != CB_OK)
        kbCsvDiag(&c, CB_DIAG_ERROR, erroff, "%s", err);
    else if (t.n == 0)
        kbCsvDiag(&c, CB_DIAG_ERROR, 0, "empty file; the first line names the columns, e.g. "
                  "Question%cAnswer", sep);
    if (d->nerrors > c.before || kbCsvHeader(&c, &t.r[0]) != CB_OK) {
        csvFree(&t);
        return NULL;
    }
    c.ents = json_array();
    c.qna = json_object();
    c.taken = json_object();
    for (size_t i = 1; i < t.n; i++) kbCsvRow(&c, &t.r[i]);
    csvFree(&t);
    json_t *root = NULL;
    if (d->nerrors == c.before) {
        root = json_object();
        json_object_set_new(root, "entries", c.ents);
        json_object_set_new(root, "topics", kbCsvTopics(&c, base));
        json_t *syn = json_object_get(base, "synonyms");
        json_object_set_new(root, "synonyms", syn ? json_incref(syn) : json_array());
        if (json_object_get(base, "matching"))
            json_object_set(root, "matching", json_object_get(base, "matching"));
        for (size_t i = 0; i < KB_NTEXT_FILES; i++)
            if (json_object_get(base, kbTextFiles[i].key))
                json_object_set(root, kbTextFiles[i].key, json_object_get(base, kbTextFiles[i].key));
        if (json_object_get(base, "examples")) /* examples/ is not in the sheet */
            json_object_set(root, "examples", json_object_get(base, "examples"));
    } else {
        json_decref(c.ents);
    }
    json_decref(c.qna);
    json_decref(c.taken);
    return root;
}
