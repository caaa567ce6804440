/* kb_export_csv.c - `kb export --format csv|tsv`: one row per entry for
 * spreadsheet reviewers (RFC 4180: comma- or tab-separated, CRLF line
 * ends, a field quoted when it holds the separator, a quote or a line
 * break, quotes doubled). Columns: Id, Question, Summary, Answer,
 * Alternates, Keywords, Patterns, Sources, Links, Related, Updated; a list
 * is one item per line inside its cell, a source or link "Title <url>", a
 * source's publisher and date on indented lines after it ("  publisher:
 * X", "  date: Y"). `kb import` reads it back (kb_import_csv.c), so
 * export -> import -> export gives the same bytes; a value that one line
 * of a cell cannot carry (a line break in a list item) is refused. */
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "kb/kb_export.h"

static void kbCsvField(cbBuf *b, const char *s, char sep, int last) {
    s = s ? s : "";
    char special[] = {sep, '"', '\r', '\n', '\0'};
    if (strpbrk(s, special)) {
        bufAppendStr(b, "\"");
        for (const char *p = s; *p; p++) bufAppendStr(b, *p == '"' ? "\"\"" : (char[]){*p, 0});
        bufAppendStr(b, "\"");
    } else {
        bufAppendStr(b, s);
    }
    bufAppendStr(b, last ? "\r\n" : (char[]){sep, 0});
}

/* A value that must sit on one (non-blank) line of its cell. */
static int kbCsvOneLine(const kbEntry *e, const char *what, const char *s, char *err) {
    if (!s || (!strpbrk(s, "\r\n") && s[strspn(s, " \t")])) return CB_OK;
    return cbErr(err, "entry '%s': a %s is blank or holds a line break, which a list cell "
                      "cannot carry; export as JSON", e->id, what);
}

static int kbCsvList(cbBuf *b, const kbEntry *e, const char *what, const kbStrs *v, char sep,
                     char *err) {
    cbBuf c;
    bufInit(&c, 4 * KB_MAX_FILE);
    int rc = CB_OK;
    for (size_t i = 0; i < v->n && rc == CB_OK; i++) {
        rc = kbCsvOneLine(e, what, v->v[i], err);
        bufPrintf(&c, "%s%s", i ? "\n" : "", v->v[i]);
    }
    kbCsvField(b, bufStr(&c), sep, 0);
    bufFree(&c);
    return rc;
}

/* "Title <url>" lines; a source's publisher and date indented below it. */
static int kbCsvRefs(cbBuf *b, const kbEntry *e, int sources, char sep, char *err) {
    cbBuf c;
    bufInit(&c, 4 * KB_MAX_FILE);
    size_t n = sources ? e->nsources : e->nlinks;
    int rc = CB_OK;
    for (size_t i = 0; i < n && rc == CB_OK; i++) {
        const char *t = sources ? e->sources[i].title : e->links[i].title;
        const char *u = sources ? e->sources[i].url : e->links[i].url;
        const char *pub = sources ? e->sources[i].publisher : NULL;
        const char *date = sources ? e->sources[i].date : NULL;
        const char *vals[] = {t, u, pub, date};
        for (size_t k = 0; k < CB_ARRAY_LEN(vals) && rc == CB_OK; k++)
            rc = kbCsvOneLine(e, sources ? "source" : "link", vals[k], err);
        bufPrintf(&c, "%s%s", i ? "\n" : "", t);
        if (u) bufPrintf(&c, " <%s>", u);
        if (pub) bufPrintf(&c, "\n  publisher: %s", pub);
        if (date) bufPrintf(&c, "\n  date: %s", date);
    }
    kbCsvField(b, bufStr(&c), sep, 0);
    bufFree(&c);
    return rc;
}

static int kbCsvEntry(cbBuf *b, const kbEntry *e, char sep, char *err) {
    kbCsvField(b, e->id, sep, 0);
    kbCsvField(b, e->question, sep, 0);
    kbCsvField(b, e->summary, sep, 0);
    kbCsvField(b, e->answer, sep, 0);
    int rc = kbCsvList(b, e, "alternate", &e->alternates, sep, err);
    if (rc == CB_OK) rc = kbCsvList(b, e, "keyword", &e->keywords, sep, err);
    if (rc == CB_OK) rc = kbCsvList(b, e, "pattern", &e->patterns, sep, err);
    if (rc == CB_OK) rc = kbCsvRefs(b, e, 1, sep, err);
    if (rc == CB_OK) rc = kbCsvRefs(b, e, 0, sep, err);
    if (rc == CB_OK) rc = kbCsvList(b, e, "related id", &e->related, sep, err);
    kbCsvField(b, e->updated, sep, 1);
    return rc;
}

char *kbExportCsv(const kb *k, char sep, char *err) {
    static const char *const cols[] = {"Id",       "Question", "Summary", "Answer",
                                       "Alternates", "Keywords", "Patterns", "Sources",
                                       "Links",    "Related",  "Updated"};
    cbBuf b;
    bufInit(&b, (size_t)1 << 30);
    for (size_t i = 0; i < CB_ARRAY_LEN(cols); i++)
        bufPrintf(&b, "%s%s", cols[i], i + 1 < CB_ARRAY_LEN(cols) ? (char[]){sep, 0} : "\r\n");
    for (size_t i = 0; i < k->nentries; i++) {
        if (kbCsvEntry(&b, &k->entries[i], sep, err) != CB_OK) {
            bufFree(&b);
            return NULL;
        }
    }
    return bufDetach(&b);
}
