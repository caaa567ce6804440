/* kb_export.h - the kb maintainer tools beyond loading: JSON export and
 * import (export -> import -> export is byte-identical), `kb new`
 * templates, and the --links checker (libcurl multi). Used by cmd_kb.c
 * and the tests. */
#ifndef CB_KB_EXPORT_H
#define CB_KB_EXPORT_H

#include "kb/kb.h"

/* The knowledge's text files that travel in the export verbatim, as
 * strings: out-of-scope.txt ("out_of_scope"), redirects.yaml
 * ("redirects"), lookups.yaml ("lookups"), smalltalk.yaml ("smalltalk"),
 * stopwords.txt ("stopwords"). */
typedef struct kbTextFile {
    const char *file, *key;
} kbTextFile;
#define KB_NTEXT_FILES 6
extern const kbTextFile kbTextFiles[KB_NTEXT_FILES];

/* {"entries": [...], "topics": [...], "synonyms": [...], "matching": {...},
 * "out_of_scope": "...", "redirects": "...", "lookups": "...", "smalltalk":
 * "...", "stopwords": "...", "crisis": "..."} with 2-space indentation and
 * a final newline; entries sorted by id; the last seven only when the files
 * exist
 * (kbTextFiles as their text, verbatim). Caller frees. NULL when one of
 * those files can no longer be read. */
char *kbExportJson(const kb *k);
/* One row per entry (RFC 4180, a header row; sep ',' for CSV or '\t' for
 * TSV) for spreadsheet reviewers, read back by kbImportWith; see
 * kb_export_csv.c. Caller frees; NULL with err when a value cannot be
 * carried (a line break inside a list item, title or URL). */
char *kbExportCsv(const kb *k, char sep, char *err);

/* Write the knowledge files described by the export JSON in file into
 * out_dir, then load them back to validate. Refuses a non-empty existing
 * out_dir unless force (then it is replaced). All or nothing: on CB_ERR
 * nothing is left behind; problems are in d and/or err. */
int kbImport(const char *file, const char *out_dir, int force, cbDiags *d, char *err);

typedef struct kbImportOpts {
    int force;          /* replace a non-empty out_dir */
    const char *format; /* "json", "csv" or "tsv"; NULL: by file's extension (JSON otherwise) */
    const char *base;   /* CSV/TSV: topics, synonyms, matching.json and out-of-scope.txt from
                         * this knowledge dir (NULL: topics named after their folder) */
} kbImportOpts;
/* kbImport of a `kb export` JSON document or of a question/answer CSV or
 * TSV file (header row, RFC 4180 quoting; see kb_import_csv.c). Every
 * problem is reported at its file:line:col in file. */
int kbImportWith(const char *file, const char *out_dir, const kbImportOpts *o, cbDiags *d,
                 char *err);

/* Write a template entry dir/<topic>/<slug>.md (and the topic's
 * _topic.json if missing) whose placeholders fail `kb check` until
 * replaced. *path = the file written (caller frees). */
int kbNewEntry(const char *dir, const char *id, char **path, char *err);
/* 1 if id is a well-formed TOPIC/SLUG for kbNewEntry; kbNewIdReserved: 1
 * if its topic is a reserved name (examples/, the training questions). */
int kbNewIdValid(const char *id);
int kbNewIdReserved(const char *id);

/* kbNewEntry with the question and alternates already filled in (the
 * other fields stay placeholders, so `kb check` asks for them). answer
 * (may be NULL): a draft of the answer (a mentor's words) put in the body
 * under a placeholder line asking to rewrite it. */
int kbNewEntryDraft(const char *dir, const char *id, const char *question,
                    const char *const *alts, size_t n, const char *answer, char **path, char *err);

/* Add alternates to entry id of the knowledge in dir: the entry is
 * exported, the new phrasings appended (those already there as question or
 * alternate, ignoring case, are skipped), and its file written back by the
 * same writer as `kb import` (keeping a JSON front matter JSON), then the
 * knowledge is loaded again to check
 * it (on failure the old file is put back). *added = how many were new
 * (0: nothing written); *path = the entry's file (caller frees). */
int kbAddAlternates(const char *dir, const char *id, const char *const *alts, size_t n,
                    size_t *added, char **path, cbDiags *d, char *err);

/* What kbAddExamples did: lines written (0: nothing written); questions
 * left out for a person to decide (an example teaches them otherwise, or
 * they are not text; a warning each in notes); the file written (caller
 * frees; NULL when none). */
typedef struct kbLearned {
    size_t added, skipped;
    char *path;
} kbLearned;

/* Add questions users asked to examples/accepted.jsonl as training
 * examples of entry id (NULL: out of scope), kb_learn.c: those already
 * taught the same way (the entry's question or alternates, an example
 * with those ids, ignoring case and punctuation) are left as they are;
 * the file is replaced whole (a temporary file renamed over it) under a
 * lock, and the knowledge loaded again to check it (on failure the file
 * is put back; the problems in d). */
int kbAddExamples(const char *dir, const char *id, const char *const *qs, size_t n,
                  kbLearned *out, cbDiags *notes, cbDiags *d, char *err);

/* ---- link checking ---- */
typedef struct kbLinkStats {
    size_t checked;  /* distinct URLs fetched */
    size_t ok, dead, slow;
    size_t warned;   /* 403 or 429: the site refused an automated check */
    size_t excluded; /* matched an --exclude pattern: not fetched */
} kbLinkStats;

typedef struct kbLinkOpts {
    long connect_timeout_ms; /* default 5000 */
    long timeout_ms;         /* per request, default 15000 ($CAREERBOT_LINK_TIMEOUT_MS) */
    long slow_ms;            /* an answer slower than this is reported slow; default 5000 */
    long retry_after_max_ms; /* a 429 asking to wait longer is not retried; default 30000 */
    int max_parallel;        /* default 16 */
    int per_host;            /* requests to one host at once; default 4 */
    long max_redirects;      /* default 5 */
    const char *const *exclude; /* fnmatch(3) patterns of URLs not to fetch */
    size_t nexclude;
    /* Called as URLs finish (done of total), e.g. for a progress line. */
    void (*progress)(size_t done, size_t total, void *ud);
    void *progress_ud;
} kbLinkOpts;

void kbLinkOptsDefault(kbLinkOpts *o);
/* Check every source and link URL of k (each distinct URL fetched once):
 * dead ones become errors at the url's file:line:col; 403 and 429 (after
 * waiting out a Retry-After of at most retry_after_max_ms, once) and slow
 * answers become warnings. Fills *st (may be NULL); returns how many
 * distinct URLs are dead. */
size_t kbCheckLinks(const kb *k, const kbLinkOpts *o, cbDiags *d, kbLinkStats *st);

#endif
