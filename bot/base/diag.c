/* diag.c - a list of problems found in a file (the knowledge base, the
 * config): every problem with its file:line:col, sorted, printed GCC-style
 * (so editors jump to them) or as GitHub Actions annotations. Problems of
 * one file are capped (CB_DIAG_MAX_PER_FILE), so a hostile file cannot make
 * the list grow without bound. */
#include "base/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

void cbDiagsInit(cbDiags *d) {
    memset(d, 0, sizeof(*d));
}

void cbDiagsFree(cbDiags *d) {
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
    }
    free(d->v);
    cbDiagsInit(d);
}

/* Diagnostics of one file are added together; past CB_DIAG_MAX_PER_FILE
 * in a row the rest are dropped (a hostile file cannot make the list, or
 * the time spent locating positions, grow without bound). Returns how many
 * of the last diagnostics are about file, at most the limit. */
static size_t cbDiagRun(const cbDiags *d, const char *file) {
    size_t same = 0;
    while (same < d->n && same < CB_DIAG_MAX_PER_FILE &&
           strcmp(d->v[d->n - 1 - same].file, file) == 0)
        same++;
    return same;
}

static void cbDiagPush(cbDiags *d, cbSeverity sev, const char *file, int line, int col,
                       const char *msg) {
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = cbRealloc(d->v, d->cap * sizeof(*d->v));
    }
    cbDiag *g = &d->v[d->n++];
    g->severity = sev;
    g->file = cbStrdup(file);
    g->line = line < 0 ? 0 : line;
    g->col = col < 0 ? 0 : col;
    g->msg = cbStrdup(msg);
    if (sev == CB_DIAG_ERROR) d->nerrors++;
    else d->nwarnings++;
}

void cbDiagAddV(cbDiags *d, cbSeverity sev, const char *file, int line, int col,
                       const char *fmt, va_list ap) {
    if (!file) file = "";
    size_t run = cbDiagRun(d, file);
    if (run >= CB_DIAG_MAX_PER_FILE) {
        if (sev == CB_DIAG_ERROR) d->nerrors++; /* still counted, so the load fails */
        return;
    }
    if (run == CB_DIAG_MAX_PER_FILE - 1) { /* as severe as the problem it stands for */
        cbDiagPush(d, sev, file, 0, 0,
                   "too many problems in this file; fix these and run the check again");
        return;
    }
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    cbDiagPush(d, sev, file, line, col, msg);
}

void cbDiagAdd(cbDiags *d, cbSeverity sev, const char *file, int line, int col,
               const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cbDiagAddV(d, sev, file, line, col, fmt, ap);
    va_end(ap);
}

static int cbDiagCmp(const void *pa, const void *pb) {
    const cbDiag *a = pa, *b = pb;
    int c = strcmp(a->file, b->file);
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    if (a->col != b->col) return a->col < b->col ? -1 : 1;
    return 0;
}

typedef struct cbDiagIx {
    cbDiag g;
    size_t ix;
} cbDiagIx;

static int cbDiagIxCmp(const void *pa, const void *pb) {
    const cbDiagIx *a = pa, *b = pb;
    int c = cbDiagCmp(&a->g, &b->g);
    if (c) return c;
    return a->ix < b->ix ? -1 : a->ix > b->ix; /* stable: keep the order found */
}

void cbDiagsSort(cbDiags *d) {
    if (d->n < 2) return;
    cbDiagIx *t = cbMalloc(d->n * sizeof(*t));
    for (size_t i = 0; i < d->n; i++) t[i] = (cbDiagIx){d->v[i], i};
    qsort(t, d->n, sizeof(*t), cbDiagIxCmp);
    for (size_t i = 0; i < d->n; i++) d->v[i] = t[i].g;
    free(t);
}

/* GitHub workflow commands: data escapes % CR LF; properties also : and ,. */
static void cbGhEscape(FILE *f, const char *s, int prop) {
    for (; *s; s++) {
        if (*s == '%') fputs("%25", f);
        else if (*s == '\r') fputs("%0D", f);
        else if (*s == '\n') fputs("%0A", f);
        else if (prop && *s == ':') fputs("%3A", f);
        else if (prop && *s == ',') fputs("%2C", f);
        else fputc(*s, f);
    }
}

static void cbDiagPrintGithub(FILE *f, const cbDiag *g) {
    fprintf(f, "::%s file=", g->severity == CB_DIAG_ERROR ? "error" : "warning");
    cbGhEscape(f, g->file, 1);
    if (g->line > 0) fprintf(f, ",line=%d", g->line);
    if (g->line > 0 && g->col > 0) fprintf(f, ",col=%d", g->col);
    fputs("::", f);
    cbGhEscape(f, g->msg, 0);
    fputc('\n', f);
}

void cbDiagsPrint(const cbDiags *d, const char *format, void *stream) {
    FILE *f = stream;
    int github = format && strcmp(format, "github") == 0;
    for (size_t i = 0; i < d->n; i++) {
        const cbDiag *g = &d->v[i];
        if (github) {
            cbDiagPrintGithub(f, g);
            continue;
        }
        fputs(g->file, f);
        if (g->line > 0) fprintf(f, ":%d", g->line);
        if (g->line > 0 && g->col > 0) fprintf(f, ":%d", g->col);
        fprintf(f, ": %s: %s\n", g->severity == CB_DIAG_ERROR ? "error" : "warning", g->msg);
    }
}

