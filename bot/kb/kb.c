/* kb.c - the loaded knowledge base: building it from a loader that found
 * no errors (entries sorted by id, topics by name, with entry counts),
 * freeing it, and lookups. Loading itself is in kb_load.c. */
#include "kb/kb.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/common.h"
#include "kb/kb_load.h"

static int kbEntryCmp(const void *a, const void *b) {
    return strcmp(((const kbEntry *)a)->id, ((const kbEntry *)b)->id);
}

static int kbTopicCmp(const void *a, const void *b) {
    return strcmp(((const kbTopic *)a)->name, ((const kbTopic *)b)->name);
}

/* The out-of-scope sections (at least section 0, "") and the redirects. */
static void kbBuildDecline(kbLoader *L, kb *k) {
    if (L->oos_sections.n == 0) {
        L->oos_sections.v = cbCalloc(1, sizeof(char *));
        L->oos_sections.v[L->oos_sections.n++] = cbStrdup("");
    }
    k->out_of_scope_sections = L->oos_sections;
    k->out_of_scope_section = L->oos_section;
    k->redirects = L->redirects;
    k->nredirects = L->nredirects;
    memset(&L->oos_sections, 0, sizeof(L->oos_sections));
    L->oos_section = NULL;
    L->redirects = NULL;
    L->nredirects = 0;
    k->lookups = L->lookups;
    k->nlookups = L->nlookups;
    L->lookups = NULL;
    L->nlookups = 0;
    k->stopwords = L->stop; /* the file's, or the built-in list (kbLoadStopWordsBuiltin) */
    k->stopwords_path = L->stop_path;
    memset(&L->stop, 0, sizeof(L->stop));
    L->stop_path = NULL;
}

kb *kbBuild(kbLoader *L) {
    kb *k = cbCalloc(1, sizeof(*k));
    k->dir = cbStrdup(L->dir);
    k->entries = cbCalloc(L->n ? L->n : 1, sizeof(kbEntry));
    for (size_t i = 0; i < L->n; i++) {
        assert(L->ents[i].ok);
        k->entries[k->nentries++] = L->ents[i].e;
        memset(&L->ents[i].e, 0, sizeof(kbEntry));
    }
    if (k->nentries) qsort(k->entries, k->nentries, sizeof(kbEntry), kbEntryCmp);
    k->topics = L->topics ? L->topics : cbCalloc(1, sizeof(kbTopic));
    k->ntopics = L->nt;
    L->topics = NULL;
    L->nt = 0;
    if (k->ntopics) qsort(k->topics, k->ntopics, sizeof(kbTopic), kbTopicCmp);
    for (size_t i = 0; i < k->nentries; i++) {
        kbTopic *t = (kbTopic *)kbFindTopic(k, k->entries[i].topic);
        if (t) t->nentries++;
    }
    k->synonyms = L->syn ? L->syn : cbCalloc(1, sizeof(kbStrs));
    k->nsynonyms = L->nsyn;
    L->syn = NULL;
    L->nsyn = 0;
    k->out_of_scope = L->oos;
    k->out_of_scope_line = L->oos_line;
    k->out_of_scope_path = L->oos_path;
    k->matching = L->matching;
    memset(&L->oos, 0, sizeof(L->oos));
    L->oos_line = NULL;
    L->oos_path = NULL;
    kbBuildDecline(L, k);
    k->train_at = kbTrainPlaces(L);
    k->train_q = L->train_q;
    k->train_ids = L->train_ids;
    memset(&L->train_q, 0, sizeof(L->train_q));
    memset(&L->train_ids, 0, sizeof(L->train_ids));
    L->train_cap = 0; /* train_where keeps its room; a push would grow it again */
    k->train_files = L->train_files;
    memset(&L->train_files, 0, sizeof(L->train_files));
    k->smalltalk = L->smalltalk;
    memset(&L->smalltalk, 0, sizeof(L->smalltalk));
    k->crisis = L->crisis;
    memset(&L->crisis, 0, sizeof(L->crisis));
    return k;
}

void kbFreeEntries(kb *k, size_t keep) {
    while (k->nentries > keep) kbEntryFree(&k->entries[--k->nentries]);
}

void kbFree(kb *k) {
    if (!k) return;
    kbFreeEntries(k, 0);
    free(k->entries);
    for (size_t i = 0; i < k->ntopics; i++) {
        free(k->topics[i].name);
        free(k->topics[i].title);
        free(k->topics[i].description);
    }
    free(k->topics);
    for (size_t i = 0; i < k->nsynonyms; i++) kbStrsFree(&k->synonyms[i]);
    free(k->synonyms);
    kbStrsFree(&k->out_of_scope);
    kbStrsFree(&k->train_q);
    kbStrsFree(&k->train_ids);
    kbStrsFree(&k->train_files);
    free(k->train_at);
    free(k->out_of_scope_line);
    free(k->out_of_scope_path);
    free(k->out_of_scope_section);
    kbStrsFree(&k->out_of_scope_sections);
    for (size_t i = 0; i < k->nredirects; i++) {
        free(k->redirects[i].section);
        free(k->redirects[i].reply);
    }
    free(k->redirects);
    kbLookupsFree(k->lookups, k->nlookups);
    kbSmalltalkFree(&k->smalltalk);
    kbCrisisFree(&k->crisis);
    kbStrsFree(&k->stopwords);
    free(k->stopwords_path);
    free(k->dir);
    free(k);
}

const kbRedirect *kbFindRedirect(const kb *k, const char *section) {
    for (size_t i = 0; k && section && i < k->nredirects; i++)
        if (strcmp(k->redirects[i].section, section) == 0) return &k->redirects[i];
    return NULL;
}

int kbWordByte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '\'';
}

const kbEntry *kbFindEntry(const kb *k, const char *id) {
    if (!k || !id) return NULL;
    size_t lo = 0, hi = k->nentries;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(k->entries[mid].id, id);
        if (c == 0) return &k->entries[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

const char *kbIdAsWritten(const char *id, size_t len, char *buf, size_t cap) {
    while (len && strchr("[(`'\"<", id[0])) id++, len--;
    while (len && strchr("])`'\">.,", id[len - 1])) len--;
    if (len > 10 && strncasecmp(id, "knowledge/", 10) == 0) id += 10, len -= 10;
    if (len > 3 && strncasecmp(id + len - 3, ".md", 3) == 0) len -= 3;
    if (len >= cap) len = cap - 1;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)((id[i] >= 'A' && id[i] <= 'Z') ? id[i] + 32 : id[i]);
    buf[len] = '\0';
    return buf;
}

const char *kbClosestEntryId(const kb *k, const char *id) {
    if (!k || !id || !k->nentries) return NULL;
    const char **ids = cbMalloc(k->nentries * sizeof(*ids));
    for (size_t i = 0; i < k->nentries; i++) ids[i] = k->entries[i].id;
    const char *near = kbClosest(id, ids, k->nentries);
    free(ids);
    return near;
}

void kbJsonLineError(cbDiags *d, const char *path, int line, const char *text, size_t len,
                     const json_error_t *e) {
    kbJson j = {.path = path, .text = text, .len = len, .line0 = line - 1};
    kbJsonSyntax(d, &j, e);
}

const kbTopic *kbFindTopic(const kb *k, const char *name) {
    if (!k || !name) return NULL;
    for (size_t i = 0; i < k->ntopics; i++)
        if (strcasecmp(k->topics[i].name, name) == 0) return &k->topics[i];
    return NULL;
}
