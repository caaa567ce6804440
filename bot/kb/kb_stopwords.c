/* kb_stopwords.c - knowledge/stopwords.txt: the words the matcher leaves
 * out of every question and phrasing because they carry no topic ("how",
 * "should", "i'm"). They steer matching, so they are knowledge data that a
 * maintainer edits, not a list in C:
 *
 *   # comment
 *   a about actually again also although am an and ...
 *
 * Words are separated by blanks or line breaks; ASCII case is folded. A
 * folder without the file gets the list the bot was built with: the
 * bundled knowledge/stopwords.txt, built into the binary with .incbin (as
 * kb_lint.c does with its data), so fixtures and imported folders match
 * as the bundled knowledge does. Mistakes are diagnostics with
 * file:line:column like every other file, and so is an entry keyword made
 * only of stop words, which the matcher could never see. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/common.h"
#include "base/hash.h"
#include "kb/kb_load.h"

/* The bundled file, NUL-terminated, in .rodata. */
__asm__(".section .rodata\n"
        ".global kbStopWordsData\n"
        "kbStopWordsData:\n"
        ".incbin \"knowledge/stopwords.txt\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char kbStopWordsData[];

#define STOP_MAX_WORDS 5000
#define STOP_MAX_WORD 63 /* bytes; the matcher cuts tokens at 64 */

/* The length of the character at p[0..n) when a word may hold it (an
 * ASCII letter, digit or apostrophe; beyond ASCII a letter, mark or
 * number, or a typographic apostrophe, which the matcher makes ASCII's);
 * else 0 ("fooâbar" is two words to the matcher). */
static size_t stopWordChar(const char *p, size_t n) {
    if ((unsigned char)*p < 0x80) return kbWordByte((unsigned char)*p) ? 1 : 0;
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, &cp);
    if (len <= 0) return 0;
    if (cp == 0x2019 || cp == 0x2018) return (size_t)len;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
        return (size_t)len;
    default:
        return 0;
    }
}

#define STOP_SET_SLOTS 16384 /* a power of two, over 3 x STOP_MAX_WORDS */

typedef struct stopParse {
    cbDiags *d;
    const char *path;
    kbStrs *out;
    int *lines;      /* per word kept (STOP_MAX_WORDS), for "already listed at line N" */
    int *cols;       /* and its column */
    uint32_t *slots; /* the words kept, as index + 1 (0: empty), by hash */
} stopParse;

/* The slot of word w in the set: where it is, or the empty one where it
 * would go (a linear set, so a long file of duplicates stays linear). */
static size_t stopSlot(const stopParse *sp, const char *w) {
    size_t k = (size_t)cbFnv1aStr(w) & (STOP_SET_SLOTS - 1);
    while (sp->slots[k] && strcmp(sp->out->v[sp->slots[k] - 1], w) != 0)
        k = (k + 1) & (STOP_SET_SLOTS - 1);
    return k;
}

/* Characters (UTF-8 sequences) in p[0..n): columns count characters, as
 * every other file's diagnostics do (jlocLineCol). */
static int stopChars(const char *p, size_t n) {
    int c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

/* One word at line:col: checked, folded, kept. */
static void stopWord(stopParse *sp, const char *p, size_t n, int line, int col) {
    for (size_t i = 0, len; i < n; i += len)
        if ((len = stopWordChar(p + i, n - i)) == 0) {
            cbDiagAdd(sp->d, CB_DIAG_ERROR, sp->path, line, col + stopChars(p, i),
                      "'%.*s' is not one word as questions are read: a stop word is "
                      "letters, digits and apostrophes (split it, or drop it)", (int)n, p);
            return;
        }
    if (n > STOP_MAX_WORD) {
        cbDiagAdd(sp->d, CB_DIAG_ERROR, sp->path, line, col,
                  "word longer than %d bytes; no question has such a word", STOP_MAX_WORD);
        return;
    }
    char *w = cbStrndup(p, n);
    for (char *c = w; *c; c++)
        if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    size_t k = stopSlot(sp, w);
    if (sp->slots[k]) {
        cbDiagAdd(sp->d, CB_DIAG_WARNING, sp->path, line, col,
                  "'%s' is already listed at line %d; delete one", w,
                  sp->lines[sp->slots[k] - 1]);
    } else if (sp->out->n >= STOP_MAX_WORDS) {
        cbDiagAdd(sp->d, CB_DIAG_ERROR, sp->path, line, col,
                  "more than %d stop words; keep only words that carry no topic",
                  STOP_MAX_WORDS);
    } else {
        sp->out->v = cbRealloc(sp->out->v, (sp->out->n + 1) * sizeof(char *));
        sp->lines[sp->out->n] = line;
        sp->cols[sp->out->n] = col;
        sp->out->v[sp->out->n++] = w;
        sp->slots[k] = (uint32_t)sp->out->n;
        return;
    }
    free(w);
}

/* One line (without its newline): the words before any '#'. */
static void stopLine(stopParse *sp, const char *p, size_t n, int line) {
    const char *hash = memchr(p, '#', n);
    if (hash) n = (size_t)(hash - p);
    int col = 1; /* the column of p[done] */
    size_t done = 0;
    for (size_t i = 0; i < n;) {
        while (i < n && strchr(" \t\r\f\v", p[i])) i++;
        size_t a = i;
        while (i < n && !strchr(" \t\r\f\v", p[i])) i++;
        if (i == a) continue;
        col += stopChars(p + done, a - done);
        done = a;
        stopWord(sp, p + a, i - a, line, col);
    }
}

/* A word that changes what is asked ("not", "worth"), if listed: a
 * warning at it (kb_check_data.txt's never_stop_word). */
static void stopNever(void *ud, const char *w, size_t n) {
    stopParse *sp = ud;
    char word[STOP_MAX_WORD + 1];
    if (n > STOP_MAX_WORD) return;
    memcpy(word, w, n);
    word[n] = '\0';
    size_t k = stopSlot(sp, word);
    if (!sp->slots[k]) return;
    cbDiagAdd(sp->d, CB_DIAG_WARNING, sp->path, sp->lines[sp->slots[k] - 1],
              sp->cols[sp->slots[k] - 1],
              "'%s' changes what is asked (\"worth it\" and \"not worth it\"), so the matcher "
              "must see it: take it out of the stop words", word);
}

void kbStopWordsParse(const char *path, const char *text, size_t len, cbDiags *d, kbStrs *out) {
    assert(out->n == 0);
    stopParse sp = {.d = d, .path = path, .out = out,
                    .lines = cbCalloc(STOP_MAX_WORDS, sizeof(int)),
                    .cols = cbCalloc(STOP_MAX_WORDS, sizeof(int)),
                    .slots = cbCalloc(STOP_SET_SLOTS, sizeof(uint32_t))};
    int line = 0;
    for (const char *p = text, *nl; p < text + len; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(text + len - p));
        if (!nl) nl = text + len;
        stopLine(&sp, p, (size_t)(nl - p), ++line);
    }
    kbEachNeverStopWord(stopNever, &sp);
    cbFreeN(3, sp.lines, sp.cols, sp.slots);
    if (!out->v) out->v = cbCalloc(1, sizeof(char *)); /* read: an empty list, not none */
}

void kbLoadStopWords(kbLoader *L, const char *path) {
    char *data;
    size_t len;
    if (kbReadFile(path, L->d, &data, &len) != CB_OK) return;
    kbStrsFree(&L->stop);
    if (kbCheckText(path, data, len, L->d) == CB_OK) {
        kbStopWordsParse(path, data, len, L->d, &L->stop);
        free(L->stop_path);
        L->stop_path = cbStrdup(path);
    }
    free(data);
}

void kbLoadStopWordsBuiltin(kbLoader *L) {
    if (!L->stop.v) kbStopWordsBuiltIn(&L->stop);
}

void kbStopWordsBuiltIn(kbStrs *out) {
    cbDiags d;
    cbDiagsInit(&d);
    memset(out, 0, sizeof(*out));
    kbStopWordsParse("stopwords.txt (built in)", kbStopWordsData, strlen(kbStopWordsData), &d,
                     out);
    /* The words that parsed: a slip in the bundled file (testStopWordsFile
     * checks it has none) must not take the bot down. */
    cbDiagsFree(&d);
}

const kbStrs *kbStopWords(const kb *k, kbStrs *tmp) {
    memset(tmp, 0, sizeof(*tmp));
    if (k->stopwords.v) return &k->stopwords;
    kbStopWordsBuiltIn(tmp);
    return tmp;
}

static int stopStrCmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* 1 when every word of keyword kw (ASCII letters, digits and apostrophes,
 * case folded) is in sorted[0..n), and it has one. */
static int stopOnly(const char *kw, char *const *sorted, size_t n) {
    char w[STOP_MAX_WORD + 1];
    size_t len = 0, words = 0;
    for (const char *p = kw;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c && kbWordByte(c)) {
            if (len < STOP_MAX_WORD) w[len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            continue;
        }
        if (c >= 0x80 || (c && strchr("/.+#", c)))
            return 0; /* beyond ASCII, or a chunk the matcher keeps ("q/a", "c++"): it decides */
        if (len) {
            w[len] = 0;
            const char *key = w;
            if (!bsearch(&key, sorted, n, sizeof(*sorted), stopStrCmp)) return 0;
            words++, len = 0;
        }
        if (!c) return words > 0;
    }
}

#define STOP_KW_CHUNK 256 /* entries checked between two looks at the clock */

struct kbStopKwJob {
    kbLoader *L;
    char **sorted;  /* the stop words, sorted (not owned) */
    size_t nsorted;
    size_t next; /* the next entry to check */
};

kbStopKwJob *kbStopKeywordsBegin(kbLoader *L) {
    kbStopKwJob *j = cbCalloc(1, sizeof(*j));
    j->L = L;
    const kbStrs *stop = &L->stop; /* the file's, or the built-in list */
    j->sorted = cbCalloc(stop->n + 1, sizeof(*j->sorted));
    memcpy(j->sorted, stop->v, stop->n * sizeof(*j->sorted));
    j->nsorted = stop->n;
    qsort(j->sorted, j->nsorted, sizeof(*j->sorted), stopStrCmp);
    return j;
}

/* Each keyword of entry p made only of stop words: a warning at it. */
static void stopCheckEntry(kbStopKwJob *j, kbParsed *p) {
    for (size_t k = 0; p->ok && k < p->e.keywords.n; k++) {
        if (!stopOnly(p->e.keywords.v[k], j->sorted, j->nsorted)) continue;
        char ptr[64];
        snprintf(ptr, sizeof(ptr), "/keywords/%zu", k);
        kbDiagAt(j->L->d, CB_DIAG_WARNING, &p->fm, ptr, 0,
                 "keyword '%s' is only stop words (stopwords.txt), so the matcher never "
                 "sees it; use another word, or take it out of stopwords.txt",
                 p->e.keywords.v[k]);
    }
}

int kbStopKeywordsStep(kbStopKwJob *j, double deadline) {
    kbLoader *L = j->L;
    do {
        size_t end = j->next + STOP_KW_CHUNK < L->n ? j->next + STOP_KW_CHUNK : L->n;
        for (; j->next < end; j->next++) stopCheckEntry(j, &L->ents[j->next]);
    } while (j->next < L->n && cbNowMs() < deadline);
    return j->next >= L->n;
}

void kbStopKeywordsCancel(kbStopKwJob *j) {
    if (!j) return;
    free(j->sorted);
    free(j);
}
