/* kb_topic.c - the two small JSON files of a knowledge dir: each topic's
 * _topic.json ({"title", "description"}) and the optional synonyms.json
 * (an array of groups of equivalent terms). Same rules as entries: every
 * problem at its file:line:col. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_load.h"

static const char *const kbTopicFields[] = {"title", "description"};

/* Read, check and parse a whole-file JSON document; NULL on error. */
static json_t *kbLoadJsonFile(kbLoader *L, const char *path, char **data, kbJson *j) {
    size_t len;
    *data = NULL;
    if (kbReadFile(path, L->d, data, &len) != CB_OK) return NULL;
    if (kbCheckText(path, *data, len, L->d) != CB_OK) return NULL;
    j->path = path;
    j->text = *data;
    j->len = len;
    j->line0 = 0;
    j->map = NULL;
    json_error_t err;
    json_t *root = json_loadb(*data, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) kbJsonSyntax(L->d, j, &err);
    return root;
}

void kbLoadTopicFile(kbLoader *L, const char *topic, const char *path) {
    char *data;
    kbJson j;
    json_t *root = kbLoadJsonFile(L, path, &data, &j);
    if (root && !json_is_object(root)) {
        kbDiagAt(L->d, CB_DIAG_ERROR, &j, "", 0,
                 "_topic.json must be an object {\"title\": ..., \"description\": ...}, got %s",
                 kbTypeName(root));
    } else if (root) {
        int bad = kbCheckKeys(L->d, &j, root, "", kbTopicFields, 2) > 0;
        char *title, *desc;
        if (kbGetStr(L->d, &j, root, "", "title", 1, &title) != CB_OK) bad = 1;
        if (kbGetStr(L->d, &j, root, "", "description", 1, &desc) != CB_OK) bad = 1;
        if (!bad) {
            if (L->nt == L->tcap) {
                L->tcap = L->tcap ? L->tcap * 2 : 16;
                L->topics = cbRealloc(L->topics, L->tcap * sizeof(kbTopic));
            }
            kbTopic *t = &L->topics[L->nt++];
            memset(t, 0, sizeof(*t));
            t->name = cbStrdup(topic);
            t->title = title;
            t->description = desc;
        } else {
            free(title);
            free(desc);
        }
    }
    json_decref(root);
    free(data);
}

/* One group: an array of >= 2 non-empty strings. */
static int kbSynGroup(kbLoader *L, const kbJson *j, json_t *g, size_t i, kbStrs *out) {
    char p[64];
    snprintf(p, sizeof(p), "/%zu", i);
    if (!json_is_array(g)) {
        kbDiagAt(L->d, CB_DIAG_ERROR, j, p, 0,
                 "each synonym group must be an array of strings, got %s", kbTypeName(g));
        return CB_ERR;
    }
    if (json_array_size(g) < 2) {
        kbDiagAt(L->d, CB_DIAG_ERROR, j, p, 0,
                 "a synonym group needs at least 2 terms, like [\"aws\", \"amazon web "
                 "services\"]");
        return CB_ERR;
    }
    int rc = CB_OK;
    out->v = cbCalloc(json_array_size(g), sizeof(char *));
    for (size_t k = 0; k < json_array_size(g); k++) {
        json_t *s = json_array_get(g, k);
        char pk[128];
        snprintf(pk, sizeof(pk), "%s/%zu", p, k);
        const char *v = json_is_string(s) ? json_string_value(s) : NULL;
        if (!v) {
            kbDiagAt(L->d, CB_DIAG_ERROR, j, pk, 0, "a synonym must be a string, got %s",
                     kbTypeName(s));
            rc = CB_ERR;
        } else if (!*v || strspn(v, " \t") == strlen(v)) {
            kbDiagAt(L->d, CB_DIAG_ERROR, j, pk, 0, "empty synonym; remove it");
            rc = CB_ERR;
        } else {
            out->v[out->n++] = cbStrdup(v);
        }
    }
    if (rc != CB_OK) kbStrsFree(out);
    return rc;
}

/* A term in two groups joins them silently in the matcher: warn at the
 * later one. Terms compare as the matcher sees them (case, punctuation). */
static void kbSynOverlap(kbLoader *L, const kbJson *j, json_t *root) {
    size_t n = json_array_size(root), nt = 0, cap = 0;
    struct kbTerm { char *key; size_t g, k; } *t = NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *g = json_array_get(root, i);
        for (size_t k = 0; json_is_array(g) && k < json_array_size(g); k++) {
            const char *v = json_string_value(json_array_get(g, k));
            if (!v) continue;
            if (nt == cap) {
                cap = cap ? cap * 2 : 64;
                t = cbRealloc(t, cap * sizeof(*t));
            }
            t[nt++] = (struct kbTerm){kbPhraseKey(v), i, k};
        }
    }
    for (size_t a = 0; a < nt; a++)
        for (size_t b = 0; b < a; b++) {
            if (t[a].g == t[b].g || !*t[a].key || strcmp(t[a].key, t[b].key) != 0) continue;
            char p[64], pb[64];
            snprintf(p, sizeof(p), "/%zu/%zu", t[a].g, t[a].k);
            snprintf(pb, sizeof(pb), "/%zu/%zu", t[b].g, t[b].k);
            int line, col;
            kbPosAt(j, pb, 0, &line, &col);
            kbDiagAt(L->d, CB_DIAG_WARNING, j, p, 0,
                     "'%s' is also in synonym group %zu (line %d); a term belongs to one group, "
                     "or the two groups become one",
                     t[a].key, t[b].g + 1, line);
            break;
        }
    for (size_t a = 0; a < nt; a++) free(t[a].key);
    free(t);
}

void kbLoadSynonyms(kbLoader *L, const char *path) {
    char *data;
    kbJson j;
    json_t *root = kbLoadJsonFile(L, path, &data, &j);
    if (root && !json_is_array(root)) {
        kbDiagAt(L->d, CB_DIAG_ERROR, &j, "", 0,
                 "synonyms.json must be an array of groups, like [[\"aws\", \"amazon web "
                 "services\"]], got %s",
                 kbTypeName(root));
    } else if (root) {
        size_t n = json_array_size(root);
        L->syn = cbCalloc(n ? n : 1, sizeof(kbStrs));
        for (size_t i = 0; i < n; i++) {
            kbStrs g = {0};
            if (kbSynGroup(L, &j, json_array_get(root, i), i, &g) == CB_OK) L->syn[L->nsyn++] = g;
        }
        kbSynOverlap(L, &j, root);
    }
    json_decref(root);
    free(data);
}
