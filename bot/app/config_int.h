/* config_int.h - shared between the config parser (config.c) and the key
 * table with its value checks (config_keys.c). Not for other modules. */
#ifndef CB_CONFIG_INT_H
#define CB_CONFIG_INT_H

#include "app/config.h"
#include "base/diag.h"

#define CFG_NKEYS_MAX 32

typedef struct cfgPos {
    int line, col; /* where a key was set; line 0 = not set */
} cfgPos;

typedef struct cfgParser {
    cbConfig *c;
    cbDiags *d;               /* NULL: problems are logged instead */
    const char *file;         /* for diagnostics ("environment" for env vars) */
    int line;
    const char *linep;        /* start of the current line, for columns; may be NULL */
    char section[64];
    int section_ok;           /* 0 after an unknown section: skip its keys */
    cfgPos seen[CFG_NKEYS_MAX];
    int errors;
} cfgParser;

/* A problem at `at` (a pointer into the current line, or NULL). */
void cfgDiag(cfgParser *ps, cbSeverity sev, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define cfgErr(ps, at, ...) cfgDiag((ps), CB_DIAG_ERROR, (at), __VA_ARGS__)

int cfgSectionKnown(const char *section);
const char *cfgClosestSection(const char *section); /* NULL when nothing is close */
const char *cfgSectionNames(void);
/* 1 (after reporting) when key names a secret, which must come from env. */
int cfgRefuseSecretKey(cfgParser *ps, const char *key, const char *key_at);
/* Set "section.key" from val; key_at / val_at point into the line. */
void cfgApplyKey(cfgParser *ps, const char *key, const char *key_at, const char *val,
                 const char *val_at);
/* Cross-key checks once the file is read (suggest <= answer, ...). */
void cfgCheckRelations(cfgParser *ps);
void cfgListFree(cfgList *l);

#endif
