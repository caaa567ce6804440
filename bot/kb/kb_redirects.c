/* kb_redirects.c - knowledge/redirects.yaml: where to ask instead. Some
 * questions keep coming that no entry should answer (coding help, visas,
 * tax, employment law, a course's own support). out-of-scope.txt teaches
 * the matcher to recognise each kind, one "[section]" each; this file gives
 * the reply for a section, so the bot says where to ask rather than only
 * "I don't know":
 *
 *   coding-help:
 *     reply: |
 *       That's a coding question, and I only answer career questions. ...
 *
 * A section without a redirect is declined plainly. Every redirect must
 * name a section of out-of-scope.txt (else the matcher never picks it), and
 * mistakes are diagnostics with file:line:column like every other file. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_load.h"

#define REDIRECT_MAX_REPLY 2000 /* bytes: a chat message, not an entry */
#define REDIRECT_MAX 64

static const char *const kbRedirectFields[] = {"reply"};

static void redirectPush(kbLoader *L, const kbJson *j, const char *name, char *reply) {
    size_t i = L->nredirects++;
    L->redirects = cbRealloc(L->redirects, L->nredirects * sizeof(*L->redirects));
    L->redirect_line = cbRealloc(L->redirect_line, L->nredirects * sizeof(int));
    L->redirect_col = cbRealloc(L->redirect_col, L->nredirects * sizeof(int));
    L->redirects[i] = (kbRedirect){cbStrdup(name), reply, 0};
    char ptr[96];
    snprintf(ptr, sizeof(ptr), "/%s", name);
    kbPosAt(j, ptr, 1, &L->redirect_line[i], &L->redirect_col[i]);
    int col;
    snprintf(ptr, sizeof(ptr), "/%s/reply", name);
    kbPosAt(j, ptr, 0, &L->redirects[i].reply_line, &col);
}

/* One "section: {reply: ...}" member at ptr. */
static void redirectMember(kbLoader *L, const kbJson *j, const char *name, json_t *v) {
    char ptr[80];
    snprintf(ptr, sizeof(ptr), "/%s", name);
    if (!kbValidName(name) || strlen(name) > 63) {
        kbDiagAt(L->d, CB_DIAG_ERROR, j, ptr, 1, "'%s' is not a section name: use the name "
                 "of an out-of-scope.txt [section] (lowercase letters, digits and '-')", name);
        return;
    }
    if (!json_is_object(v)) {
        kbDiagAt(L->d, CB_DIAG_ERROR, j, ptr, 0, "'%s' must be a mapping with a 'reply', "
                 "got %s", name, kbTypeName(v));
        return;
    }
    char *reply = NULL;
    if (kbCheckKeys(L->d, j, v, ptr, kbRedirectFields, 1) > 0 ||
        kbGetStr(L->d, j, v, ptr, "reply", 1, &reply) != CB_OK)
        return;
    if (strlen(reply) > REDIRECT_MAX_REPLY) {
        char rptr[96];
        snprintf(rptr, sizeof(rptr), "%s/reply", ptr);
        kbDiagAt(L->d, CB_DIAG_ERROR, j, rptr, 0, "reply is %zu bytes; keep it under %d and "
                 "link to the place that has the details", strlen(reply), REDIRECT_MAX_REPLY);
        free(reply);
        return;
    }
    redirectPush(L, j, name, reply);
}

static void redirectVisit(void *ctx, const kbJson *j, json_t *root, const char *name, json_t *v) {
    (void)root;
    redirectMember(ctx, j, name, v);
}

void kbLoadRedirects(kbLoader *L, const char *path) {
    if (kbYamlMapFile(path, L->d, "must map section names to a reply, like:  coding-help: "
                      "{reply: \"Ask on ...\"}", REDIRECT_MAX, redirectVisit, L) == CB_OK)
        L->redirects_path = cbStrdup(path);
}

void kbCheckRedirects(kbLoader *L) {
    if (L->oos_broken) return; /* one error (the file's own), not one per redirect */
    if (L->nredirects > 1 && L->oos_sections.n <= 1) { /* emptied, or its [sections] lost */
        cbDiagAdd(L->d, CB_DIAG_ERROR, L->oos_path ? L->oos_path : L->redirects_path, 0, 0,
                  "%s, but redirects.yaml answers %zu of its sections ([%s], ...): was it %s by "
                  "mistake? Restore it from version control",
                  L->oos_path ? "out-of-scope.txt has no [sections]" : "there is no out-of-scope.txt",
                  L->nredirects, L->redirects[0].section, L->oos_path ? "emptied" : "deleted");
        return;
    }
    for (size_t i = 0; i < L->nredirects; i++) {
        const char *name = L->redirects[i].section;
        int found = 0;
        for (size_t s = 1; s < L->oos_sections.n && !found; s++)
            found = strcmp(L->oos_sections.v[s], name) == 0;
        if (found) continue;
        const char *close = L->oos_sections.n > 1
                                ? kbClosest(name, (const char *const *)L->oos_sections.v + 1,
                                            L->oos_sections.n - 1)
                                : NULL;
        if (close)
            cbDiagAdd(L->d, CB_DIAG_ERROR, L->redirects_path, L->redirect_line[i],
                      L->redirect_col[i], "no section [%s] in out-of-scope.txt; did you mean "
                      "'%s'?", name, close);
        else
            cbDiagAdd(L->d, CB_DIAG_ERROR, L->redirects_path, L->redirect_line[i],
                      L->redirect_col[i], "no section [%s] in out-of-scope.txt; add one there "
                      "with a few questions of this kind", name);
    }
}

void kbLoaderFreeDecline(kbLoader *L) {
    kbStrsFree(&L->oos);
    free(L->oos_line);
    free(L->oos_path);
    free(L->oos_section);
    kbStrsFree(&L->oos_sections);
    free(L->oos_section_line);
    for (size_t i = 0; i < L->nredirects; i++) {
        free(L->redirects[i].section);
        free(L->redirects[i].reply);
    }
    free(L->redirects);
    free(L->redirect_line);
    free(L->redirect_col);
    free(L->redirects_path);
    kbLookupsFree(L->lookups, L->nlookups);
}
