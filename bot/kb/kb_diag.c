/* kb_diag.c - the knowledge diagnostics list: collect every problem with
 * its file:line:col, sort them, print them GCC-style (so editors jump to
 * them) or as GitHub Actions annotations, and place them precisely inside
 * front-matter JSON (via jsonloc). Also the "did you mean" helper. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/jsonloc.h"
#include "kb/kb_int.h"

void kbDiagsInit(kbDiags *d) {
    memset(d, 0, sizeof(*d));
}

void kbDiagsFree(kbDiags *d) {
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    free(d->v);
    kbDiagsInit(d);
}

/* Diagnostics of one file are added together; past KB_MAX_DIAGS_PER_FILE
 * in a row the rest are dropped (a hostile file cannot make the list, or
 * the time spent locating positions, grow without bound). Returns how many
 * of the last diagnostics are about file, at most the limit. */
static size_t kbDiagRun(const kbDiags *d, const char *file) {
    size_t same = 0;
    while (same < d->n && same < KB_MAX_DIAGS_PER_FILE &&
           strcmp(d->v[d->n - 1 - same].file, file) == 0)
        same++;
    return same;
}

static void kbDiagPush(kbDiags *d, kbSeverity sev, const char *file, int line, int col,
                       const char *msg) {
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = cbRealloc(d->v, d->cap * sizeof(*d->v));
    }
    kbDiag *g = &d->v[d->n++];
    g->severity = sev;
    g->file = cbStrdup(file);
    g->line = line < 0 ? 0 : line;
    g->col = col < 0 ? 0 : col;
    g->msg = cbStrdup(msg);
    if (sev == KB_ERROR) d->nerrors++;
    else d->nwarnings++;
}

static void kbDiagAddV(kbDiags *d, kbSeverity sev, const char *file, int line, int col,
                       const char *fmt, va_list ap) {
    if (!file) file = "";
    size_t run = kbDiagRun(d, file);
    if (run >= KB_MAX_DIAGS_PER_FILE) {
        if (sev == KB_ERROR) d->nerrors++; /* still counted, so the load fails */
        return;
    }
    if (run == KB_MAX_DIAGS_PER_FILE - 1) {
        kbDiagPush(d, KB_ERROR, file, 0, 0,
                   "too many problems in this file; fix these and run the check again");
        return;
    }
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    kbDiagPush(d, sev, file, line, col, msg);
}

void kbDiagAdd(kbDiags *d, kbSeverity sev, const char *file, int line, int col,
               const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    kbDiagAddV(d, sev, file, line, col, fmt, ap);
    va_end(ap);
}

void kbPosAt(const kbJson *j, const char *ptr, int key, int *line, int *col) {
    size_t off = 0;
    if (j->map) {
        if (kbPosMapOffset(j->map, ptr, key, &off) != CB_OK &&
            kbPosMapOffset(j->map, "", 0, &off) != CB_OK)
            off = 0;
    } else if (jlocFind(j->text, j->len, ptr, key, &off) != CB_OK) {
        off = 0;
    }
    jlocLineCol(j->text, j->len, off, line, col);
    *line += j->line0;
}

void kbDiagAt(kbDiags *d, kbSeverity sev, const kbJson *j, const char *ptr, int key,
              const char *fmt, ...) {
    int line, col;
    kbPosAt(j, ptr, key, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    kbDiagAddV(d, sev, j->path, line, col, fmt, ap);
    va_end(ap);
}

/* A likely fix for the common mistakes, in words. */
static const char *kbJsonHint(const kbJson *j, const json_error_t *e, size_t off) {
    size_t p = off;
    while (p > 0 && strchr(" \t\r\n", j->text[p - 1])) p--;
    if (p > 0 && j->text[p - 1] == ',' && off < j->len && (j->text[off] == '}' || j->text[off] == ']'))
        return "remove the comma before it (JSON allows no trailing comma)";
    if ((strncmp(e->text, "'}' expected", 12) == 0 || strncmp(e->text, "']' expected", 12) == 0) &&
        off < j->len && (j->text[off] == '"' || j->text[off] == '{' || j->text[off] == '['))
        return "is a comma missing before it?";
    if (strstr(e->text, "duplicate object key")) return "each field may appear only once";
    return "check the quotes, commas and brackets";
}

/* jansson reports the position just after the offending token and names
 * the token ("near 'tru'"); point at the token's first character. */
void kbJsonSyntax(kbDiags *d, const kbJson *j, const json_error_t *e) {
    size_t off = e->position > 0 ? (size_t)e->position : 0;
    const char *near = strstr(e->text, " near '");
    if (near) {
        near += 7;
        size_t n = strlen(near);
        if (n > 0 && near[n - 1] == '\'') n--;
        if (n <= off && memcmp(j->text + off - n, near, n) == 0) off -= n;
    }
    if (off > j->len) off = j->len;
    int line, col;
    jlocLineCol(j->text, j->len, off, &line, &col);
    kbDiagAdd(d, KB_ERROR, j->path, line + j->line0, col, "malformed JSON: %s; %s", e->text,
              kbJsonHint(j, e, off));
}

static int kbDiagCmp(const void *pa, const void *pb) {
    const kbDiag *a = pa, *b = pb;
    int c = strcmp(a->file, b->file);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return 0;
}

typedef struct kbDiagIx {
    kbDiag g;
    size_t ix;
} kbDiagIx;

static int kbDiagIxCmp(const void *pa, const void *pb) {
    const kbDiagIx *a = pa, *b = pb;
    int c = kbDiagCmp(&a->g, &b->g);
    if (c) return c;
    return a->ix < b->ix ? -1 : a->ix > b->ix; /* stable: keep the order found */
}

void kbDiagsSort(kbDiags *d) {
    if (d->n < 2) return;
    kbDiagIx *t = cbMalloc(d->n * sizeof(*t));
    for (size_t i = 0; i < d->n; i++) t[i] = (kbDiagIx){d->v[i], i};
    qsort(t, d->n, sizeof(*t), kbDiagIxCmp);
    for (size_t i = 0; i < d->n; i++) d->v[i] = t[i].g;
    free(t);
}

/* GitHub workflow commands: data escapes % CR LF; properties also : and ,. */
static void kbGhEscape(FILE *f, const char *s, int prop) {
    for (; *s; s++) {
        if (*s == '%') fputs("%25", f);
        else if (*s == '\r') fputs("%0D", f);
        else if (*s == '\n') fputs("%0A", f);
        else if (prop && *s == ':') fputs("%3A", f);
        else if (prop && *s == ',') fputs("%2C", f);
        else fputc(*s, f);
    }
}

static void kbDiagPrintGithub(FILE *f, const kbDiag *g) {
    fprintf(f, "::%s file=", g->severity == KB_ERROR ? "error" : "warning");
    kbGhEscape(f, g->file, 1);
    if (g->line > 0) fprintf(f, ",line=%d", g->line);
    if (g->line > 0 && g->col > 0) fprintf(f, ",col=%d", g->col);
    fputs("::", f);
    kbGhEscape(f, g->msg, 0);
    fputc('\n', f);
}

void kbDiagsPrint(const kbDiags *d, const char *format, void *stream) {
    FILE *f = stream;
    int github = format && strcmp(format, "github") == 0;
    for (size_t i = 0; i < d->n; i++) {
        const kbDiag *g = &d->v[i];
        if (github) {
            kbDiagPrintGithub(f, g);
            continue;
        }
        fputs(g->file, f);
        if (g->line > 0) fprintf(f, ":%d", g->line);
        if (g->line > 0 && g->col > 0) fprintf(f, ":%d", g->col);
        fprintf(f, ": %s: %s\n", g->severity == KB_ERROR ? "error" : "warning", g->msg);
    }
}

size_t kbEditDistance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 100 || lb > 100) return 100;
    size_t prev[101], cur[101];
    for (size_t k = 0; k <= lb; k++) prev[k] = k;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t k = 1; k <= lb; k++) {
            size_t sub = prev[k - 1] + (a[i - 1] != b[k - 1]);
            size_t del = prev[k] + 1, ins = cur[k - 1] + 1;
            cur[k] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

const char *kbClosest(const char *word, const char *const *cands, size_t n) {
    const char *best = NULL;
    size_t bestd = 100, wl = strlen(word);
    for (size_t i = 0; i < n; i++) {
        size_t dist = kbEditDistance(word, cands[i]);
        if (dist < bestd) {
            bestd = dist;
            best = cands[i];
        }
    }
    size_t limit = wl < 4 ? 1 : wl / 3 + 1; /* a typo, not another word */
    if (limit > 4) limit = 4;
    return best && bestd <= limit ? best : NULL;
}
