/* kb_int.h - internals shared by the knowledge loader's files (kb.c,
 * kb_diag.c, kb_parse.c, kb_load.c, kb_export.c, kb_links.c): positions
 * in front-matter JSON, field validators, and the helpers that turn every
 * mistake into a "file:line:col: what to fix" diagnostic. Not for other
 * modules: they use kb.h. */
#ifndef CB_KB_INT_H
#define CB_KB_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/kb.h"

/* Where each value of YAML front matter is (kb_yaml.c). */
typedef struct kbPosMap kbPosMap;

/* A piece of JSON or YAML text inside a file, for locating values. */
typedef struct kbJson {
    const char *path; /* the file */
    const char *text; /* the JSON or YAML text (not NUL-terminated) */
    size_t len;
    int line0; /* file line of the text's first line, minus 1 */
    kbPosMap *map;       /* YAML: positions by JSON pointer; NULL for JSON */
} kbJson;

/* Parse YAML front matter j into a jansson tree (plain scalars resolved
 * with the YAML 1.2 core schema) and a position map (caller frees both).
 * CB_ERR with a positioned diagnostic on a syntax error, an alias or a tag. */
int kbYamlParse(const kbJson *j, cbDiags *d, json_t **root, kbPosMap **map);
void kbPosMapFree(kbPosMap *m);
/* A whole YAML file that maps names to values (redirects.yaml,
 * lookups.yaml): read, checked (UTF-8, syntax, a mapping of at most max
 * members; else an error saying `shape`, e.g. "must map list names to
 * ..."), then member(ctx, j, root, name, value) for each member in order.
 * CB_OK when every member was visited. */
typedef void (*kbYamlMember)(void *ctx, const kbJson *j, json_t *root, const char *name,
                             json_t *value);
int kbYamlMapFile(const char *path, cbDiags *d, const char *shape, size_t max,
                  kbYamlMember member, void *ctx);
/* A map filled by hand (kb_import_csv.c: pointers of the document built
 * from a CSV file to the offsets of its cells); "" should be there. */
kbPosMap *kbPosMapNew(void);
void kbPosMapPut(kbPosMap *m, const char *ptr, size_t off);
/* Offset in the text of the value (key=0) or key (key=1) at pointer ptr. */
int kbPosMapOffset(const kbPosMap *m, const char *ptr, int key, size_t *off);
/* Offset in the text of decoded byte index of the string at ptr. */
int kbPosMapStringByte(const kbPosMap *m, const char *text, size_t len, const char *ptr,
                       size_t index, size_t *out);
/* 'n'ull, 'b'oolean, 'i'nteger, 'f'loat or 's'tring: how YAML 1.2 reads
 * the plain scalar s (for writing: what must be quoted). */
char kbYamlPlainType(const char *s, size_t n);
/* YAML front matter (no "---" lines) for the export-shaped entry object
 * e, fields in keys[] order; caller frees. */
char *kbYamlFrontMatter(json_t *e, const char *const *keys, size_t nkeys);

#define KB_PLACEHOLDER "TODO(kb new)" /* marks template text from `kb new` */
#define KB_MAX_ITEMS 200              /* items in one front-matter array */
#define KB_MAX_URL 2048               /* characters of a source or link URL (a reply line must fit
                                       * Slack's 3,000) */

/* Line and column in the file of the value (key=0) or key (key=1) at JSON
 * pointer ptr; falls back to the start of the JSON when not found. */
void kbPosAt(const kbJson *j, const char *ptr, int key, int *line, int *col);
void kbDiagAt(cbDiags *d, cbSeverity sev, const kbJson *j, const char *ptr, int key,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Report a jansson parse error at its place in the file. */
void kbJsonSyntax(cbDiags *d, const kbJson *j, const json_error_t *e);

/* Edit distance (bytes), capped at 100. */
size_t kbEditDistance(const char *a, const char *b);
/* The candidate closest to word if it is plausibly a typo of it, else NULL. */
const char *kbClosest(const char *word, const char *const *cands, size_t n);

/* "a string", "an array", ... for "must be X, got Y" messages. */
const char *kbTypeName(const json_t *v);
/* The same in YAML's words (text, list, nothing) when j is YAML. */
const char *kbTypeNameIn(const kbJson *j, const json_t *v);
size_t kbWordCount(const char *s); /* runs of non-blank characters */
int kbValidDate(const char *s);  /* real calendar date YYYY-MM-DD */
int kbValidPartialDate(const char *s); /* YYYY, YYYY-MM or a real YYYY-MM-DD */
int kbValidUrl(const char *s);   /* http(s)://host[...] */
int kbValidName(const char *s);  /* [a-z0-9-]+ */
int kbValidId(const char *s);    /* <name>/<name>, its topic not reserved */
/* The folder of training questions (kb_training.c): no topic takes its
 * name. kbReservedTopic: 1 when id (or a topic name) is in it. */
#define KB_EXAMPLES_DIR "examples"
int kbReservedTopic(const char *id);

/* The `kb export` document (entries, topics, ...) built from a CSV or TSV
 * file j (sep ',' or '\t'; j->text without a BOM; j->map receives where
 * each entry and field came from), with topics, synonyms, matching and
 * out_of_scope taken from base (an export document, may be NULL). NULL
 * with positioned diagnostics in d when the file is malformed
 * (kb_import_csv.c). */
json_t *kbCsvDocument(const kbJson *j, char sep, json_t *base, kbPosMap *map, cbDiags *d);

/* One entry as `kb export` writes it (kb_export.c); caller decrefs. */
json_t *kbEntryJson(const kbEntry *e);

/* Read a whole file (at most KB_MAX_FILE bytes, else an error). CB_OK with
 * *data (NUL-terminated, caller frees) or CB_ERR with a diagnostic. */
int kbReadFile(const char *path, cbDiags *d, char **data, size_t *len);
/* NUL bytes and invalid UTF-8, reported at line:col of the first bad byte. */
int kbCheckText(const char *path, const char *data, size_t len, cbDiags *d);

/* Report members of obj (at pointer ptr) not in known[], suggesting the
 * closest known name. Returns how many were unknown. */
size_t kbCheckKeys(cbDiags *d, const kbJson *j, json_t *obj, const char *ptr,
                   const char *const *known, size_t n);
/* String member key of obj (at pointer ptr). CB_OK with *out (copy, NULL if
 * absent and not required), else CB_ERR with a diagnostic. Empty strings
 * and `kb new` placeholders are errors. what: name used in messages. */
int kbGetStr(cbDiags *d, const kbJson *j, json_t *obj, const char *ptr, const char *key,
             int required, char **out);
/* Array-of-strings member (absent = empty). */
int kbGetStrs(cbDiags *d, const kbJson *j, json_t *obj, const char *key, kbStrs *out);
/* The same for obj at pointer ptr ("" = the document's root). */
int kbGetStrsAt(cbDiags *d, const kbJson *j, json_t *obj, const char *ptr, const char *key,
                kbStrs *out);

/* Entry parse with the front matter kept for later positions. */
typedef struct kbParsed {
    kbEntry e;
    kbJson fm; /* points into the caller's data; fm.map is owned (kbPosMapFree) */
    int ok;
} kbParsed;
int kbParseEntryAt(const char *path, const char *data, size_t len, cbDiags *d, kbParsed *p);

/* A text's distinct words as sorted 64-bit hashes (kb_lint.c), so sets
 * of words are compared as integers. */
typedef struct kbWords {
    uint64_t *v;
    size_t n;
} kbWords;
/* Each pair of sets w[y], w[x] (y < x; both of at least min words) that
 * share more than t of their words (Jaccard), with that share: found(ud,
 * x, y, jaccard), x ascending. Exact, and near-linear on knowledge-like
 * text (kb_simjoin.c); t >= 1: none. */
typedef void (*kbSimilarFn)(void *ud, size_t x, size_t y, double jaccard);
void kbSimilarPairs(const kbWords *w, size_t n, double t, double min, kbSimilarFn found,
                    void *ud);
/* The same in slices (w must live until End): Step indexes the sets and
 * probes with them (at least one step: a set's words counted or ranked,
 * the postings, a probe) until cbNowMs() reaches deadline, 1 when every
 * set is probed; End does the rest and frees. */
typedef struct kbSimJob kbSimJob;
kbSimJob *kbSimilarBegin(const kbWords *w, size_t n, double t, double min, kbSimilarFn found,
                         void *ud);
int kbSimilarStep(kbSimJob *j, double deadline);
void kbSimilarEnd(kbSimJob *j);
void kbSimilarCancel(kbSimJob *j); /* frees, probing no more */

/* kb_cross.c: a name with its position, to sort: duplicates are then
 * neighbours and a name is found by a search, not by comparing every pair
 * (100,000 entries). qsort comparators by name ignoring case
 * (kbNameIdxCaseCmp) or exactly (kbNameIdxCmp), then by position. */
typedef struct kbNameIdx {
    const char *s;
    size_t i;
} kbNameIdx;
int kbNameIdxCaseCmp(const void *a, const void *b);
int kbNameIdxCmp(const void *a, const void *b);

#endif
