/* csv.c - RFC 4180 records with the offset of every field (see csv.h).
 * Written here rather than with libcsv (Debian's libcsv-dev): libcsv
 * reports no positions at all (a field callback gets the value only; the
 * offset of a parse error is only the count of bytes it took, and an
 * unterminated quote is a bare -1 from csv_fini), it drops blank lines and
 * trims spaces around unquoted fields unless told otherwise, and its one
 * error code does not say which mistake was made. Getting "line:col: what
 * to do" out of it means feeding it one byte per call and shadowing its
 * state machine, which is this parser. */
#include "base/csv.h"

#include <stdlib.h>
#include <string.h>

#include "base/common.h"

typedef struct csvReader {
    const char *t;
    size_t len, i;
    char sep;
    size_t *erroff;
    char *err;
} csvReader;

static int csvFail(csvReader *r, size_t off, const char *msg) {
    *r->erroff = off;
    return cbErr(r->err, "%s", msg);
}

static void csvPush(csvRecord *rec, char *s, size_t len, size_t off) {
    if (rec->n % 16 == 0) rec->f = cbRealloc(rec->f, (rec->n + 16) * sizeof(*rec->f));
    rec->f[rec->n++] = (csvField){s, len, off};
}

/* A quoted field from its opening quote: the value with "" made one ". */
static int csvQuoted(csvReader *r, csvRecord *rec) {
    size_t start = r->i++, n = 0;
    char *v = cbMalloc(r->len - start); /* never longer than what is left */
    for (;;) {
        if (r->i >= r->len) {
            free(v);
            return csvFail(r, start, "unterminated quoted field; close it with \"");
        }
        char c = r->t[r->i];
        if (c == '"' && r->i + 1 < r->len && r->t[r->i + 1] == '"') {
            v[n++] = '"';
            r->i += 2;
        } else if (c == '"') {
            r->i++;
            break;
        } else {
            v[n++] = c;
            r->i++;
        }
    }
    v[n] = '\0';
    csvPush(rec, v, n, start);
    if (r->i < r->len && r->t[r->i] != r->sep && r->t[r->i] != '\n' && r->t[r->i] != '\r')
        return csvFail(r, r->i, "text after the closing quote; a quote inside a quoted field "
                                "is written twice (\"\")");
    return CB_OK;
}

static int csvUnquoted(csvReader *r, csvRecord *rec) {
    size_t start = r->i;
    while (r->i < r->len && r->t[r->i] != r->sep && r->t[r->i] != '\n' && r->t[r->i] != '\r') {
        if (r->t[r->i] == '"')
            return csvFail(r, r->i, "a quote inside an unquoted field; put the whole field in "
                                    "double quotes and write this quote twice (\"\")");
        r->i++;
    }
    csvPush(rec, cbStrndup(r->t + start, r->i - start), r->i - start, start);
    return CB_OK;
}

/* After a field: a separator (another field follows), or the end of the
 * record (CRLF, LF or the end of the text). 1 = more fields. */
static int csvAfterField(csvReader *r, int *more) {
    *more = 0;
    if (r->i >= r->len) return CB_OK;
    char c = r->t[r->i];
    if (c == r->sep) {
        r->i++;
        *more = 1;
    } else if (c == '\n') {
        r->i++;
    } else if (r->i + 1 < r->len && r->t[r->i + 1] == '\n') {
        r->i += 2; /* CRLF */
    } else {
        return csvFail(r, r->i, "a carriage return without a line feed; save the file with LF "
                                "or CRLF line ends");
    }
    return CB_OK;
}

static int csvRecordAt(csvReader *r, csvRecord *rec) {
    rec->off = r->i;
    for (int more = 1; more;) {
        if (rec->n == CSV_MAX_FIELDS) {
            *r->erroff = r->i;
            return cbErr(r->err, "more than %d fields in one record", CSV_MAX_FIELDS);
        }
        int rc = r->i < r->len && r->t[r->i] == '"' ? csvQuoted(r, rec) : csvUnquoted(r, rec);
        rec->end = r->i;
        if (rc != CB_OK || csvAfterField(r, &more) != CB_OK) return CB_ERR;
    }
    return CB_OK;
}

int csvParse(const char *text, size_t len, char sep, csvTable *t, size_t *erroff, char *err) {
    memset(t, 0, sizeof(*t));
    csvReader r = {text, len, 0, sep, erroff, err};
    *erroff = 0;
    while (r.i < len) {
        if (text[r.i] == '\n' || (text[r.i] == '\r' && r.i + 1 < len && text[r.i + 1] == '\n')) {
            r.i += text[r.i] == '\r' ? 2 : 1; /* a blank line */
            continue;
        }
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 64;
            t->r = cbRealloc(t->r, t->cap * sizeof(*t->r));
        }
        csvRecord *rec = &t->r[t->n++];
        memset(rec, 0, sizeof(*rec));
        if (csvRecordAt(&r, rec) != CB_OK) { /* keep only the whole records before it */
            for (size_t k = 0; k < rec->n; k++) free(rec->f[k].s);
            free(rec->f);
            t->n--;
            return CB_ERR;
        }
    }
    return CB_OK;
}

void csvFree(csvTable *t) {
    for (size_t i = 0; i < t->n; i++) {
        for (size_t k = 0; k < t->r[i].n; k++) free(t->r[i].f[k].s);
        free(t->r[i].f);
    }
    free(t->r);
    memset(t, 0, sizeof(*t));
}
