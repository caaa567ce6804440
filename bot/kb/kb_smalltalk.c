/* kb_smalltalk.c - knowledge/smalltalk.yaml: the bot's small talk. A
 * message that is only "hi", "thanks!" or "good bot" gets a short reply
 * instead of a search, and a greeting before a question ("hi, are
 * bootcamps worth it?") is skipped. Which words do that, and what the bot
 * says, are the maintainers' data like every other knowledge file:
 *
 *   greetings: [good morning, hello, hi]
 *   addressees: [there, bot]
 *   replies:
 *     - reply: "You're welcome!"
 *       phrases: [thanks, thank you]
 *     - command: help
 *       phrases: [what can you do]
 *     - reply: "Sorry about that."
 *       feedback: not-helpful
 *       phrases: [not helpful, wrong answer]
 *
 * "feedback: not-helpful" marks messages that tell the bot its last answer
 * did not help: where a transport knows which answer that was (the
 * console), it counts as a thumbs-down on it.
 * Everything is kept folded (kbSmalltalkFold) and the phrases sorted, so
 * the handler folds a message once and finds its reply by binary search.
 * A knowledge folder without the file (a test fixture, an imported outside
 * FAQ) gets the bundled file as it was at build time, built in with
 * .incbin, so the lists have one source. Mistakes are diagnostics with
 * file:line:column like every other file. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_load.h"

/* The bundled knowledge/smalltalk.yaml, NUL-terminated, in .rodata (the
 * path is relative to the repository root, where the Makefile compiles). */
__asm__(".section .rodata\n"
        ".global kbSmalltalkData\n"
        "kbSmalltalkData:\n"
        ".incbin \"knowledge/smalltalk.yaml\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char kbSmalltalkData[];

#define ST_BUILTIN "(built-in copy of knowledge/smalltalk.yaml)"
#define ST_MAX_REPLY 2000 /* bytes: a chat message, not an entry */
#define ST_MAX_REPLIES 100

static const char *const stKeys[] = {"greetings", "addressees", "replies"};
static const char *const stReplyKeys[] = {"reply", "command", "feedback", "phrases"};

/* A phrase as read, for the checks across replies. */
typedef struct stPhrase {
    char *phrase; /* folded */
    size_t reply; /* index into the replies */
    int not_helpful; /* its reply's "feedback: not-helpful" */
    size_t order; /* in the file */
    int line, col;
} stPhrase;

typedef struct stParse {
    cbDiags *d;
    const kbJson *j;
    kbSmalltalk *out;
    stPhrase *ph;
    size_t nph;
} stParse;

int kbSmalltalkFold(const char *s, size_t len, char *out, size_t cap) {
    size_t n = 0;
    int space = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!kbWordByte(c)) {
            space = 1;
            continue;
        }
        if (space && n > 0) out[n++] = ' ';
        space = 0;
        if (n + 2 >= cap) return 0;
        out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    out[n] = '\0';
    return 1;
}

/* s folded (a heap string), or NULL with an error at ptr. */
static char *stFoldItem(stParse *P, const char *ptr, const char *s, const char *what) {
    char buf[KB_SMALLTALK_MAX + 2];
    if (!kbSmalltalkFold(s, strlen(s), buf, sizeof(buf))) {
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, ptr, 0, "%s '%.30s...' is longer than %d bytes; "
                 "a message that long is never small talk, so it could never match: shorten "
                 "it", what, s, KB_SMALLTALK_MAX);
        return NULL;
    }
    if (!*buf) {
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, ptr, 0, "%s '%s' has no letters or digits, and "
                 "small talk is compared on words only: remove it", what, s);
        return NULL;
    }
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c >= 0x80) { /* "olá" folds to "ol": it would answer "ol", not "olá" */
            kbDiagAt(P->d, CB_DIAG_WARNING, P->j, ptr, 0, "%s '%s' has a letter outside a-z; "
                     "small talk compares only a-z, digits and apostrophes, so it is read as "
                     "'%s': write it without accents, or remove it", what, s, buf);
            break;
        }
    return cbStrdup(buf);
}

static int stListed(const kbStrs *s, const char *w) {
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], w) == 0) return 1;
    return 0;
}

/* Longest first (stable), so "good morning" is tried before "good". */
static void stLongestFirst(kbStrs *s) {
    for (size_t i = 1; i < s->n; i++) {
        char *w = s->v[i];
        size_t k = i;
        for (; k > 0 && strlen(s->v[k - 1]) < strlen(w); k--) s->v[k] = s->v[k - 1];
        s->v[k] = w;
    }
}

/* greetings: or addressees: (one word each), folded, each once. */
static void stWords(stParse *P, json_t *root, const char *key, const char *what, int one_word,
                    kbStrs *out) {
    kbStrs raw;
    if (kbGetStrsAt(P->d, P->j, root, "", key, &raw) != CB_OK) return;
    out->v = cbCalloc(raw.n ? raw.n : 1, sizeof(char *));
    for (size_t i = 0; i < raw.n; i++) {
        char ptr[64];
        snprintf(ptr, sizeof(ptr), "/%s/%zu", key, i);
        char *w = stFoldItem(P, ptr, raw.v[i], what);
        if (!w) continue;
        if (one_word && strchr(w, ' '))
            kbDiagAt(P->d, CB_DIAG_ERROR, P->j, ptr, 0, "%s '%s' is more than one word; list "
                     "single words such as \"there\" or \"bot\"", what, raw.v[i]);
        else if (stListed(out, w))
            kbDiagAt(P->d, CB_DIAG_WARNING, P->j, ptr, 0, "%s '%s' is listed twice; remove "
                     "one", what, raw.v[i]);
        else {
            out->v[out->n++] = w;
            continue;
        }
        free(w);
    }
    kbStrsFree(&raw);
}

/* Each of a reply's phrases, folded, with its place (checked across
 * replies by stCross). */
static void stPhrases(stParse *P, const char *ptr, const kbStrs *ph, size_t reply,
                      int not_helpful) {
    for (size_t i = 0; i < ph->n; i++) {
        char p[96];
        snprintf(p, sizeof(p), "%s/phrases/%zu", ptr, i);
        char *f = stFoldItem(P, p, ph->v[i], "phrase");
        if (!f) continue;
        P->ph = cbRealloc(P->ph, (P->nph + 1) * sizeof(*P->ph));
        stPhrase *s = &P->ph[P->nph];
        *s = (stPhrase){f, reply, not_helpful, P->nph, 0, 0};
        kbPosAt(P->j, p, 0, &s->line, &s->col);
        P->nph++;
    }
}

/* reply: text, or command: help (*text stays NULL); CB_ERR after a
 * diagnostic. */
static int stReplyText(stParse *P, json_t *item, const char *ptr, char **text) {
    char *cmd = NULL, p[96];
    if (kbGetStr(P->d, P->j, item, ptr, "reply", 0, text) != CB_OK ||
        kbGetStr(P->d, P->j, item, ptr, "command", 0, &cmd) != CB_OK) {
        free(cmd);
        return CB_ERR;
    }
    int rc = CB_ERR;
    if (!*text == !cmd) {
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, ptr, 0, "give a reply either as 'reply: \"text\"' "
                 "or as 'command: help', %s", cmd ? "not both" : "one of them");
    } else if (cmd && strcmp(cmd, "help") != 0) {
        snprintf(p, sizeof(p), "%s/command", ptr);
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, p, 0, "unknown command '%s'; the only one is "
                 "'help' (answer as the help command does)", cmd);
    } else if (*text && strlen(*text) > ST_MAX_REPLY) {
        snprintf(p, sizeof(p), "%s/reply", ptr);
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, p, 0, "reply is %zu bytes; keep small talk under "
                 "%d", strlen(*text), ST_MAX_REPLY);
    } else {
        rc = CB_OK;
    }
    free(cmd);
    if (rc != CB_OK) free(*text), *text = NULL;
    return rc;
}

/* feedback: not-helpful (the only value), or nothing: 1, 0; -1 after a
 * diagnostic. */
static int stFeedback(stParse *P, json_t *item, const char *ptr) {
    char *fb = NULL, p[96];
    if (kbGetStr(P->d, P->j, item, ptr, "feedback", 0, &fb) != CB_OK) return -1;
    int rc = fb != NULL;
    if (fb && strcmp(fb, "not-helpful") != 0) {
        snprintf(p, sizeof(p), "%s/feedback", ptr);
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, p, 0, "unknown feedback '%s'; the only one is "
                 "'not-helpful' (the message says the last answer did not help)", fb);
        rc = -1;
    }
    free(fb);
    return rc;
}

/* One item of replies: at /replies/i. */
static void stReply(stParse *P, json_t *item, size_t i) {
    char ptr[48];
    snprintf(ptr, sizeof(ptr), "/replies/%zu", i);
    if (!json_is_object(item)) {
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, ptr, 0, "a reply must be a mapping with 'reply' "
                 "(or 'command: help') and 'phrases', got %s", kbTypeName(item));
        return;
    }
    char *text = NULL;
    kbStrs ph;
    int not_helpful = 0;
    if (kbCheckKeys(P->d, P->j, item, ptr, stReplyKeys, CB_ARRAY_LEN(stReplyKeys)) > 0 ||
        stReplyText(P, item, ptr, &text) != CB_OK || (not_helpful = stFeedback(P, item, ptr)) < 0 ||
        kbGetStrsAt(P->d, P->j, item, ptr, "phrases", &ph) != CB_OK) {
        free(text);
        return;
    }
    if (ph.n == 0) {
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, ptr, 0, "this reply has no 'phrases'; list the "
                 "messages it answers, like  phrases: [thanks, thank you]");
        free(text);
    } else {
        kbSmalltalk *o = P->out;
        o->replies = cbRealloc(o->replies, (o->nreplies + 1) * sizeof(char *));
        o->replies[o->nreplies] = text;
        stPhrases(P, ptr, &ph, o->nreplies++, not_helpful);
    }
    kbStrsFree(&ph);
}

static int stPhraseCmp(const void *a, const void *b) {
    const stPhrase *x = a, *y = b;
    int c = strcmp(x->phrase, y->phrase);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* A phrase listed twice: a warning under one reply, an error under two
 * (which reply would it get?). The first of each is kept, sorted. */
static void stCross(stParse *P) {
    kbSmalltalk *o = P->out;
    if (P->nph) qsort(P->ph, P->nph, sizeof(*P->ph), stPhraseCmp);
    o->phrases = cbCalloc(P->nph ? P->nph : 1, sizeof(*o->phrases));
    const stPhrase *first = NULL;
    for (size_t i = 0; i < P->nph; i++) {
        stPhrase *s = &P->ph[i];
        if (first && strcmp(first->phrase, s->phrase) == 0) {
            int same = first->reply == s->reply;
            cbDiagAdd(P->d, same ? CB_DIAG_WARNING : CB_DIAG_ERROR, P->j->path, s->line, s->col,
                      same ? "phrase '%s' is listed twice for this reply (line %d); remove one"
                           : "phrase '%s' is already a phrase of another reply (line %d); a "
                             "phrase belongs to one reply: remove it from one of them",
                      s->phrase, first->line);
            free(s->phrase);
            continue;
        }
        first = s;
        const char *r = o->replies[s->reply];
        o->phrases[o->nphrases++] =
            (kbSmalltalkPhrase){s->phrase, r, s->not_helpful, s->line, s->col};
    }
    free(P->ph);
    P->ph = NULL;
    P->nph = 0;
}

static void stDocument(stParse *P, json_t *root) {
    if (json_is_null(root)) return; /* empty, or only comments: no small talk */
    if (!json_is_object(root)) {
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, "", 0, "smalltalk.yaml must map 'greetings', "
                 "'addressees' and 'replies', like:  greetings: [hi, hello]");
        return;
    }
    kbCheckKeys(P->d, P->j, root, "", stKeys, CB_ARRAY_LEN(stKeys));
    stWords(P, root, "greetings", "greeting", 0, &P->out->greetings);
    stLongestFirst(&P->out->greetings);
    stWords(P, root, "addressees", "addressee", 1, &P->out->addressees);
    json_t *r = json_object_get(root, "replies");
    if (r && !json_is_array(r))
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, "/replies", 0, "'replies' must be a list of "
                 "replies (\"- reply: ...\" lines), got %s", kbTypeName(r));
    else if (json_array_size(r) > ST_MAX_REPLIES)
        kbDiagAt(P->d, CB_DIAG_ERROR, P->j, "/replies", 0, "'replies' has %zu items; the limit "
                 "is %d", json_array_size(r), ST_MAX_REPLIES);
    else
        for (size_t i = 0; i < json_array_size(r); i++) stReply(P, json_array_get(r, i), i);
    stCross(P);
}

int kbSmalltalkParse(const char *path, const char *data, size_t len, cbDiags *d,
                     kbSmalltalk *out) {
    memset(out, 0, sizeof(*out));
    size_t before = d->nerrors;
    if (kbCheckText(path, data, len, d) != CB_OK) return CB_ERR;
    kbJson j = {.path = path, .text = data, .len = len};
    json_t *root = NULL;
    kbPosMap *map = NULL;
    if (kbYamlParse(&j, d, &root, &map) == CB_OK) {
        j.map = map;
        stParse P = {.d = d, .j = &j, .out = out};
        stDocument(&P, root);
    }
    json_decref(root);
    kbPosMapFree(map);
    if (d->nerrors == before) return CB_OK;
    kbSmalltalkFree(out);
    return CB_ERR;
}

void kbSmalltalkFree(kbSmalltalk *s) {
    for (size_t i = 0; i < s->nreplies; i++) free(s->replies[i]);
    free(s->replies);
    for (size_t i = 0; i < s->nphrases; i++) free(s->phrases[i].phrase);
    free(s->phrases);
    kbStrsFree(&s->greetings);
    kbStrsFree(&s->addressees);
    memset(s, 0, sizeof(*s));
}

static int stFindCmp(const void *key, const void *p) {
    return strcmp(key, ((const kbSmalltalkPhrase *)p)->phrase);
}

const kbSmalltalkPhrase *kbSmalltalkFind(const kbSmalltalk *s, const char *folded) {
    if (!folded || !s->nphrases) return NULL;
    return bsearch(folded, s->phrases, s->nphrases, sizeof(kbSmalltalkPhrase), stFindCmp);
}

const kbSmalltalkPhrase *kbFindSmalltalk(const kb *k, const char *folded) {
    return k ? kbSmalltalkFind(&k->smalltalk, folded) : NULL;
}

void kbLoadSmalltalk(kbLoader *L, const char *path) {
    L->has_smalltalk = 1;
    free(L->smalltalk_path);
    L->smalltalk_path = cbStrdup(path);
    char *data;
    size_t len;
    if (kbReadFile(path, L->d, &data, &len) != CB_OK) return;
    kbSmalltalkParse(path, data, len, L->d, &L->smalltalk);
    free(data);
}

void kbLoadSmalltalkBuiltin(kbLoader *L) {
    if (L->has_smalltalk) return;
    if (kbSmalltalkParse(ST_BUILTIN, kbSmalltalkData, strlen(kbSmalltalkData), L->d,
                         &L->smalltalk) == CB_OK)
        L->smalltalk.builtin = 1;
}
