/* diag.h - problems found in a file, each with file:line:col and what to
 * fix, for whoever reads files a person wrote: the knowledge base and the
 * config file. Collected in order, sorted, printed for a terminal or for
 * GitHub Actions. */
#ifndef CB_DIAG_H
#define CB_DIAG_H

#include <stdarg.h>
#include <stddef.h>

#define CB_DIAG_MAX_PER_FILE 100 /* then "too many problems in this file" */

typedef enum { CB_DIAG_ERROR = 0, CB_DIAG_WARNING = 1 } cbSeverity;

typedef struct cbDiag {
    cbSeverity severity;
    char *file; /* path as given (relative to cwd when the dir was relative) */
    int line;   /* 1-based; 0 when the problem is about the whole file */
    int col;    /* 1-based; 0 when unknown */
    char *msg;  /* what is wrong and what to fix */
} cbDiag;

typedef struct cbDiags {
    cbDiag *v;
    size_t n, cap;
    size_t nerrors, nwarnings;
} cbDiags;

void cbDiagsInit(cbDiags *d);
void cbDiagsFree(cbDiags *d);
void cbDiagAdd(cbDiags *d, cbSeverity sev, const char *file, int line, int col,
               const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Print "file:line:col: error: msg" lines (format "text") or GitHub
 * Actions annotations (format "github"). */
void cbDiagsPrint(const cbDiags *d, const char *format, void *stream /* FILE* */);
/* As cbDiagAdd, with a va_list. */
void cbDiagAddV(cbDiags *d, cbSeverity sev, const char *file, int line, int col, const char *fmt,
                va_list ap) __attribute__((format(printf, 6, 0)));
/* Sort diagnostics by file, then line, then column (stable). */
void cbDiagsSort(cbDiags *d);

#endif
