/* kb_lookups.c - knowledge/lookups.yaml: named word lists the matcher uses
 * as one feature each, as Rasa's lookup tables do. A question that uses
 * any word of a list gets that list's feature, so what the examples teach
 * about one word carries over to all of them: a few out-of-scope lines
 * about a nurse's or a teacher's career teach "another profession" for
 * every profession in the list, which no single word could.
 *
 *   other-professions: [nurse, nursing, pharmacist, teacher, ...]
 *
 * Items are single words (as typed; the matcher stems them like
 * questions). The lists steer matching only through what the model learns
 * from the examples: a list no example uses weighs nothing. Mistakes are
 * diagnostics with file:line:column like every other file. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_load.h"

#define LOOKUP_MAX 64 /* lists */

/* Every item one word (no blank inside). */
static int lookupWords(kbLoader *L, const kbJson *j, const char *name, const kbStrs *w) {
    int ok = 1;
    for (size_t i = 0; i < w->n; i++)
        if (strpbrk(w->v[i], " \t\r\n")) {
            char ptr[96];
            snprintf(ptr, sizeof(ptr), "/%s/%zu", name, i);
            kbDiagAt(L->d, CB_DIAG_ERROR, j, ptr, 0, "'%s' is not one word; list each word on "
                     "its own (phrases are not supported)", w->v[i]);
            ok = 0;
        }
    return ok;
}

static void lookupMember(kbLoader *L, const kbJson *j, json_t *root, const char *name) {
    char ptr[80];
    snprintf(ptr, sizeof(ptr), "/%s", name);
    if (!kbValidName(name) || strlen(name) > 63) {
        kbDiagAt(L->d, CB_DIAG_ERROR, j, ptr, 1, "list name '%s' may only use lowercase "
                 "letters, digits and '-' (at most 63)", name);
        return;
    }
    kbStrs w;
    if (kbGetStrs(L->d, j, root, name, &w) != CB_OK) return;
    if (!lookupWords(L, j, name, &w)) {
        kbStrsFree(&w);
        return;
    }
    L->lookups = cbRealloc(L->lookups, (L->nlookups + 1) * sizeof(*L->lookups));
    L->lookups[L->nlookups++] = (kbLookup){cbStrdup(name), w};
}

static void lookupVisit(void *ctx, const kbJson *j, json_t *root, const char *name, json_t *v) {
    (void)v;
    lookupMember(ctx, j, root, name);
}

void kbLoadLookups(kbLoader *L, const char *path) {
    kbYamlMapFile(path, L->d, "must map list names to lists of words, like:  "
                  "other-professions: [nurse, teacher]", LOOKUP_MAX, lookupVisit, L);
}

void kbLookupsFree(kbLookup *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        kbStrsFree(&v[i].words);
    }
    free(v);
}
