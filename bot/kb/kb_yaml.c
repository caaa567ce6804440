/* kb_yaml.c - YAML front matter (as in Jekyll, Hugo, MkDocs) read with
 * libfyaml's event parser into the same jansson tree JSON front matter
 * gives, so one set of validators serves both. libfyaml marks every event
 * with its place in the text; we keep, for each JSON pointer ("/sources/1/url"),
 * the byte offset of its value and of its key, so every diagnostic keeps
 * file:line:col. YAML 1.2 core schema for plain scalars (so `updated:
 * 2026-11-24` and `no` stay strings, `42` is a number); quoted scalars are
 * always strings. Aliases and tags are refused: knowledge files need
 * neither, and refusing aliases rules out exponential expansion. */
#include <libfyaml.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/hash.h"
#include "base/jsonloc.h"
#include "kb/kb_int.h"

#define KB_YAML_MAX_DEPTH 32
#define KB_YAML_MAX_NODES 50000

typedef struct kbPos {
    char *ptr;
    size_t voff, koff; /* byte offsets in the front-matter text */
    int style;         /* enum fy_scalar_style of a scalar value, else -1 */
} kbPos;

static _Noreturn void kbYOom(const char *what) {
    fprintf(stderr, "careerbot: out of memory (%s)\n", what);
    abort();
}

/* The positions, with a hash index of the pointers once there are many
 * (an imported CSV's map has one per cell: 100,000 rows are a million
 * pointers; an entry file's has a few dozen, searched in order). */
#define KB_POS_HASHED 64
struct kbPosMap {
    kbPos *v;
    size_t n, cap;
    uint32_t *slot; /* index + 1 of the first kbPos of a pointer; 0: empty */
    size_t nslot;   /* 0 (no index yet), or a power of two, at least twice n */
};

void kbPosMapFree(kbPosMap *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) free(m->v[i].ptr);
    free(m->v);
    free(m->slot);
    free(m);
}

static size_t kbPosHash(const char *s) {
    uint64_t h = cbFnv1aStr(s);
    return (size_t)(h ^ (h >> 32));
}

/* The slot of ptr: where it is, or the empty one where it would go. */
static size_t kbPosSlot(const kbPosMap *m, const char *ptr) {
    size_t i = kbPosHash(ptr) & (m->nslot - 1);
    while (m->slot[i] && strcmp(m->v[m->slot[i] - 1].ptr, ptr) != 0) i = (i + 1) & (m->nslot - 1);
    return i;
}

static void kbPosIndex(kbPosMap *m, size_t at) {
    size_t i = kbPosSlot(m, m->v[at].ptr);
    if (!m->slot[i]) m->slot[i] = (uint32_t)at + 1; /* the first one stays found */
}

static void kbPosAdd(kbPosMap *m, const char *ptr, size_t voff, size_t koff, int style) {
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = cbRealloc(m->v, m->cap * sizeof(*m->v));
    }
    m->v[m->n++] = (kbPos){cbStrdup(ptr), voff, koff, style};
    if (m->n < KB_POS_HASHED) return;
    if (m->n * 2 > m->nslot) {
        free(m->slot);
        m->nslot = m->nslot ? m->nslot * 4 : 4 * KB_POS_HASHED;
        m->slot = cbCalloc(m->nslot, sizeof(*m->slot));
        for (size_t k = 0; k < m->n; k++) kbPosIndex(m, k);
    } else {
        kbPosIndex(m, m->n - 1);
    }
}

kbPosMap *kbPosMapNew(void) { return cbCalloc(1, sizeof(kbPosMap)); }

void kbPosMapPut(kbPosMap *m, const char *ptr, size_t off) { kbPosAdd(m, ptr, off, off, -1); }

static const kbPos *kbPosFind(const kbPosMap *m, const char *ptr) {
    if (!m->nslot) {
        for (size_t i = 0; i < m->n; i++)
            if (strcmp(m->v[i].ptr, ptr) == 0) return &m->v[i];
        return NULL;
    }
    size_t i = kbPosSlot(m, ptr);
    return m->slot[i] ? &m->v[m->slot[i] - 1] : NULL;
}

int kbPosMapOffset(const kbPosMap *m, const char *ptr, int key, size_t *off) {
    const kbPos *p = kbPosFind(m, ptr);
    if (!p) return CB_ERR;
    *off = key ? p->koff : p->voff;
    return CB_OK;
}

/* Raw offset of decoded byte `index` of the string at ptr (for PCRE2's
 * error offsets). Plain and single-quoted scalars are walked ('' is one
 * byte, a line break and its indentation fold to one); double-quoted ones
 * decode like JSON strings. CB_ERR for block scalars or on doubt. */
int kbPosMapStringByte(const kbPosMap *m, const char *text, size_t len, const char *ptr,
                       size_t index, size_t *out) {
    const kbPos *p = kbPosFind(m, ptr);
    if (!p) return CB_ERR;
    if (p->style == FYSS_DOUBLE_QUOTED)
        return p->voff > 0 ? jlocStringByte(text, len, p->voff, index, out) : CB_ERR;
    if (p->style != FYSS_PLAIN && p->style != FYSS_SINGLE_QUOTED) return CB_ERR;
    size_t i = p->voff + (p->style == FYSS_SINGLE_QUOTED), decoded = 0;
    while (i < len && decoded < index) {
        if (p->style == FYSS_SINGLE_QUOTED && text[i] == '\'' && i + 1 < len && text[i + 1] == '\'')
            i += 2;
        else if (text[i] == '\n' || text[i] == '\r')
            while (i < len && strchr(" \t\r\n", text[i])) i++;
        else
            i++;
        decoded++;
    }
    if (i > len) return CB_ERR;
    *out = i;
    return CB_OK;
}

/* ---- the YAML 1.2 core schema, for plain scalars ---- */

static int kbIsOneOf(const char *s, size_t n, const char *const *words, size_t nw) {
    for (size_t i = 0; i < nw; i++)
        if (strlen(words[i]) == n && memcmp(words[i], s, n) == 0) return 1;
    return 0;
}

static int kbIsInt(const char *s, size_t n) {
    size_t i = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    const char *digits = "0123456789";
    if (n > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
        digits = s[1] == 'o' ? "01234567" : "0123456789abcdefABCDEF";
        i = 2;
    }
    if (i >= n) return 0;
    for (; i < n; i++)
        if (!strchr(digits, s[i])) return 0;
    return 1;
}

static int kbIsFloat(const char *s, size_t n) {
    static const char *const special[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                                          "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"};
    if (kbIsOneOf(s, n, special, CB_ARRAY_LEN(special))) return 1;
    size_t i = (n > 0 && (s[0] == '-' || s[0] == '+')) ? 1 : 0, digits = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++, digits++;
    }
    if (!digits) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+')) i++;
        size_t e = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == e) return 0;
    }
    return i == n;
}

/* The type a plain scalar resolves to: 'n'ull, 'b'oolean, 'i'nteger,
 * 'f'loat or 's'tring. */
char kbYamlPlainType(const char *s, size_t n) {
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE"};
    if (kbIsOneOf(s, n, nulls, CB_ARRAY_LEN(nulls))) return 'n';
    if (kbIsOneOf(s, n, bools, CB_ARRAY_LEN(bools))) return 'b';
    if (kbIsInt(s, n)) return 'i';
    if (kbIsFloat(s, n)) return 'f';
    return 's';
}

static json_t *kbYamlScalar(const char *s, size_t n, int plain) {
    if (!plain) return json_stringn_nocheck(s, n);
    switch (kbYamlPlainType(s, n)) {
    case 'n': return json_null();
    case 'b': return json_boolean(s[0] == 't' || s[0] == 'T');
    case 'i': { /* libfyaml's text is not NUL-terminated */
        char num[32];
        if (n >= sizeof(num)) return json_real(0.0); /* too big for an integer anyway */
        memcpy(num, s, n);
        num[n] = '\0';
        return json_integer(strtoll(num, NULL, 0));
    }
    case 'f': return json_real(0.0); /* only its type matters to the validators */
    default: return json_stringn_nocheck(s, n);
    }
}

/* ---- building the tree from events ---- */

typedef struct kbYB {
    struct fy_parser *p;
    kbPosMap *map;
    cbDiags *d;
    const kbJson *j;
    size_t nodes;
    size_t seen_end; /* where the last event with a place in the text ended */
    int item;        /* the value being read is a list item (else a field's value) */
    int failed;      /* a problem was reported: stop */
} kbYB;

static void kbYErr(kbYB *b, size_t off, const char *msg) {
    if (b->failed) return;
    b->failed = 1;
    int line, col;
    jlocLineCol(b->j->text, b->j->len, off > b->j->len ? b->j->len : off, &line, &col);
    cbDiagAdd(b->d, CB_DIAG_ERROR, b->j->path, line + b->j->line0, col, "%s", msg);
}

/* A plain value followed on its line by "#" and a word ("Django or
 * Flask? #1 question", "- django vs flask #career"): YAML reads the rest
 * as a comment and drops it, which is seldom what the editor meant. A
 * comment written as one ("# note", a space after the #) is not warned. */
static void kbYHashCut(kbYB *b, struct fy_event *ev) {
    const struct fy_mark *e = fy_event_end_mark(ev);
    if (!e || fy_token_scalar_style(ev->scalar.value) != FYSS_PLAIN) return;
    const char *t = b->j->text;
    size_t i = e->input_pos, n = b->j->len;
    if (i >= n || (t[i] != ' ' && t[i] != '\t')) return;
    while (i < n && (t[i] == ' ' || t[i] == '\t')) i++;
    if (i + 1 >= n || t[i] != '#' || strchr(" \t\r\n#", t[i + 1])) return;
    size_t end = i;
    while (end < n && t[end] != '\n' && t[end] != '\r') end++;
    int line, col;
    jlocLineCol(t, n, i, &line, &col);
    cbDiagAdd(b->d, CB_DIAG_WARNING, b->j->path, line + b->j->line0, col,
              "'%.*s' is read as a comment and dropped (a ' #' starts one in YAML): if it is "
              "part of the text, put the whole value in single quotes",
              (int)(end - i > 60 ? 60 : end - i), t + i);
}

static size_t kbEvOff(struct fy_event *ev) {
    const struct fy_mark *m = fy_event_start_mark(ev);
    if (!m) return 0;
    size_t off = m->input_pos;
    if (ev->type == FYET_SCALAR) {
        enum fy_scalar_style st = fy_token_scalar_style(ev->scalar.value);
        if ((st == FYSS_SINGLE_QUOTED || st == FYSS_DOUBLE_QUOTED) && off > 0) off--; /* the quote */
    }
    return off;
}

/* kbEvOff, and an alias at its '*' (libfyaml marks the name). */
static size_t kbYOff(const kbYB *b, struct fy_event *ev) {
    size_t off = kbEvOff(ev);
    if (ev->type == FYET_ALIAS && off > 0 && off <= b->j->len && b->j->text[off - 1] == '*') off--;
    return off;
}

static struct fy_event *kbYNext(kbYB *b) {
    struct fy_event *ev = b->failed ? NULL : fy_parser_parse(b->p);
    const struct fy_mark *e = ev ? fy_event_end_mark(ev) : NULL;
    if (e && e->input_pos <= b->j->len) b->seen_end = e->input_pos;
    return ev;
}

/* An empty value ("  -" alone, "url:" with nothing after it) has no
 * place of its own in libfyaml's events: a field's is its name (koff),
 * a list item's its '-', the first one after the last thing read. */
static size_t kbYEmptyAt(const kbYB *b, size_t koff) {
    if (!b->item) return koff;
    const char *t = b->j->text;
    for (size_t i = b->seen_end; i < b->j->len; i++) {
        if (t[i] == '#') { /* a comment runs to the end of its line: no '-' of ours in it */
            while (i + 1 < b->j->len && t[i + 1] != '\n') i++;
            continue;
        }
        if (t[i] == '-' && (i + 1 == b->j->len || t[i + 1] == ' ' || t[i + 1] == '\n' ||
                            t[i + 1] == '\r'))
            return i;
    }
    return b->seen_end;
}

static json_t *kbYValue(kbYB *b, struct fy_event *ev, const char *ptr, size_t koff, int depth);

static json_t *kbYMapping(kbYB *b, const char *ptr, int depth) {
    json_t *obj = json_object();
    struct fy_event *ev;
    while ((ev = kbYNext(b)) != NULL && ev->type != FYET_MAPPING_END) {
        size_t koff = kbYOff(b, ev);
        if (ev->type != FYET_SCALAR) {
            kbYErr(b, koff, "a field name must be a plain word like 'question', not a list "
                                  "or a mapping");
            fy_parser_event_free(b->p, ev);
            ev = NULL; /* freed: not again below */
            break;
        }
        size_t n;
        const char *k = fy_token_get_text(ev->scalar.value, &n);
        char *key = cbStrndup(k ? k : "", k ? n : 0);
        fy_parser_event_free(b->p, ev);
        char cp[700];
        snprintf(cp, sizeof(cp), "%s/", ptr);
        jlocEscape(cp, sizeof(cp), key);
        if (json_object_get(obj, key)) {
            char *msg = cbSprintf("duplicate field '%.100s'; each field may appear only once", key);
            kbYErr(b, koff, msg);
            free(msg);
        }
        ev = kbYNext(b);
        b->item = 0;
        json_t *v = ev ? kbYValue(b, ev, cp, koff, depth + 1) : NULL;
        if (v && !b->failed) json_object_set_new(obj, key, v);
        else json_decref(v);
        free(key);
        if (b->failed) return obj;
    }
    if (ev) fy_parser_event_free(b->p, ev);
    return obj;
}

/* A plain list item that runs onto another line: YAML joins the lines,
 * so "  - a" followed by "    - b" (one item indented too far) or by
 * "    b" (its '- ' lost) is the one item "a - b". Always a slip in a
 * knowledge file's lists; reported at the line that joined. */
static void kbYJoinedItem(kbYB *b, struct fy_event *ev, size_t index) {
    const struct fy_mark *s = fy_event_start_mark(ev), *e = fy_event_end_mark(ev);
    if (ev->type != FYET_SCALAR || fy_token_scalar_style(ev->scalar.value) != FYSS_PLAIN || !s ||
        !e || e->input_pos > b->j->len || s->input_pos >= e->input_pos)
        return;
    const char *nl = memchr(b->j->text + s->input_pos, '\n', e->input_pos - s->input_pos);
    if (!nl) return;
    size_t at = (size_t)(nl + 1 - b->j->text); /* the first line with text after the break */
    while (at < e->input_pos && strchr(" \t\r\n", b->j->text[at])) at++;
    char *msg = cbSprintf("this line joins list item %zu: each item goes on its own line, "
                          "indented like the others and starting with '- ' (quote an item "
                          "that is too long for one line)", index + 1);
    kbYErr(b, at, msg);
    free(msg);
}

static json_t *kbYSequence(kbYB *b, const char *ptr, int depth) {
    json_t *arr = json_array();
    struct fy_event *ev;
    while ((ev = kbYNext(b)) != NULL && ev->type != FYET_SEQUENCE_END) {
        kbYJoinedItem(b, ev, json_array_size(arr));
        char cp[700];
        jlocIndex(cp, sizeof(cp), ptr, json_array_size(arr));
        b->item = 1;
        json_t *v = kbYValue(b, ev, cp, 0, depth + 1);
        if (!v || b->failed) {
            json_decref(v);
            return arr;
        }
        json_array_append_new(arr, v);
    }
    if (ev) fy_parser_event_free(b->p, ev);
    return arr;
}

static struct fy_token *kbYTag(struct fy_event *ev) {
    if (ev->type == FYET_SCALAR) return ev->scalar.tag;
    if (ev->type == FYET_MAPPING_START) return ev->mapping_start.tag;
    if (ev->type == FYET_SEQUENCE_START) return ev->sequence_start.tag;
    return NULL;
}

/* The node that starts with ev (consumed here). */
static json_t *kbYValue(kbYB *b, struct fy_event *ev, const char *ptr, size_t koff, int depth) {
    size_t off = fy_event_start_mark(ev) ? kbYOff(b, ev) : kbYEmptyAt(b, koff);
    enum fy_event_type t = ev->type;
    json_t *v = NULL;
    if (++b->nodes > KB_YAML_MAX_NODES || depth > KB_YAML_MAX_DEPTH)
        kbYErr(b, off, "the front matter is too large or too deeply nested");
    else if (t == FYET_ALIAS)
        kbYErr(b, off, "aliases (*name) are not supported here; write the value out");
    else if (kbYTag(ev)) {
        const struct fy_mark *m = fy_token_start_mark(kbYTag(ev));
        kbYErr(b, m ? m->input_pos : off, "tags (!name) are not supported here; remove it");
    }
    if (b->failed) {
        fy_parser_event_free(b->p, ev);
        return NULL;
    }
    int style = -1;
    if (t == FYET_SCALAR) {
        size_t n;
        const char *s = fy_token_get_text(ev->scalar.value, &n);
        style = (int)fy_token_scalar_style(ev->scalar.value);
        v = kbYamlScalar(s ? s : "", s ? n : 0, style == FYSS_PLAIN);
        kbYHashCut(b, ev);
    }
    /* A list or mapping under a field is shown at its field name (a block
     * list starts on the next line). */
    int keyed = *ptr && (t == FYET_MAPPING_START || t == FYET_SEQUENCE_START) && koff;
    kbPosAdd(b->map, ptr, keyed ? koff : off, koff, style);
    fy_parser_event_free(b->p, ev);
    if (t == FYET_MAPPING_START) v = kbYMapping(b, ptr, depth);
    else if (t == FYET_SEQUENCE_START) v = kbYSequence(b, ptr, depth);
    else if (!v) kbYErr(b, off, "unexpected YAML here");
    return v;
}

/* The plain-words table (kb_yaml_messages.txt), NUL-terminated, in
 * .rodata. */
__asm__(".section .rodata\n"
        ".global kbYamlMessages\n"
        "kbYamlMessages:\n"
        ".incbin \"bot/kb/kb_yaml_messages.txt\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char kbYamlMessages[];

/* What libfyaml's msg means, in the table's words: a pointer into the
 * table and its length, or NULL. */
static const char *kbYPlain(const char *msg, int *len) {
    for (const char *p = kbYamlMessages; *p;) {
        const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
        const char *arrow = *p == '#' ? NULL : strstr(p, " => ");
        if (arrow && arrow < end && strncmp(msg, p, (size_t)(arrow - p)) == 0) {
            *len = (int)(end - arrow - 4);
            return arrow + 4;
        }
        p = nl ? nl + 1 : end;
    }
    return NULL;
}

/* libfyaml's first collected error, at its position (a collected error's
 * line and column count from 1, unlike a token's mark), in plain words
 * when the table has them. */
static void kbYSyntax(kbYB *b, struct fy_diag *dg) {
    void *it = NULL;
    struct fy_diag_error *e = fy_diag_errors_iterate(dg, &it);
    int line = e && e->line >= 1 ? e->line : 1, col = e && e->column >= 1 ? e->column : 1;
    const char *msg = e && e->msg ? e->msg : "cannot parse";
    int n = 0;
    const char *plain = kbYPlain(msg, &n);
    if (plain)
        cbDiagAdd(b->d, CB_DIAG_ERROR, b->j->path, line + b->j->line0, col,
                  "malformed YAML: %.*s (the YAML parser says: %s)", n, plain, msg);
    else
        cbDiagAdd(b->d, CB_DIAG_ERROR, b->j->path, line + b->j->line0, col,
                  "malformed YAML: %s; check the indentation, the ': ' after each field name "
                  "and the quotes",
                  msg);
    b->failed = 1;
}

static json_t *kbYDocument(kbYB *b) {
    json_t *root = NULL;
    struct fy_event *ev;
    while (!b->failed && (ev = fy_parser_parse(b->p)) != NULL) {
        enum fy_event_type t = ev->type;
        if (t == FYET_STREAM_START || t == FYET_DOCUMENT_START || t == FYET_DOCUMENT_END ||
            t == FYET_STREAM_END) {
            fy_parser_event_free(b->p, ev);
            continue;
        }
        if (root) {
            kbYErr(b, kbEvOff(ev), "more than one document in the front matter");
            fy_parser_event_free(b->p, ev);
            break;
        }
        root = kbYValue(b, ev, "", 0, 0);
    }
    return root;
}

int kbYamlParse(const kbJson *j, cbDiags *d, json_t **root, kbPosMap **map) {
    *root = NULL;
    *map = cbCalloc(1, sizeof(kbPosMap));
    /* libfyaml's defaults, taken once: they ask isatty(stderr) (a system
     * call a file) for a colour setting that is overridden anyway. */
    static struct fy_diag_cfg base;
    static int have_base;
    if (!have_base) {
        fy_diag_cfg_default(&base);
        base.fp = NULL;
        base.colorize = false;
        base.output_fn = NULL;
        have_base = 1;
    }
    struct fy_diag_cfg dc = base;
    struct fy_diag *dg = fy_diag_create(&dc);
    if (!dg) kbYOom("libfyaml diag");
    fy_diag_set_collect_errors(dg, true);
    struct fy_parse_cfg cfg = {
        .flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE, .diag = dg};
    struct fy_parser *p = fy_parser_create(&cfg);
    if (!p) kbYOom("libfyaml parser");
    kbYB b = {.p = p, .map = *map, .d = d, .j = j};
    if (fy_parser_set_string(p, j->text, j->len) != 0) kbYOom("libfyaml input");
    json_t *r = kbYDocument(&b);
    if (!b.failed && fy_parser_get_stream_error(p)) kbYSyntax(&b, dg);
    fy_parser_destroy(p);
    fy_diag_destroy(dg);
    if (b.failed) {
        json_decref(r);
        return CB_ERR;
    }
    if (!r) r = json_null(); /* empty front matter */
    *root = r;
    return CB_OK;
}

int kbYamlMapFile(const char *path, cbDiags *d, const char *shape, size_t max,
                  kbYamlMember member, void *ctx) {
    char *data;
    size_t len;
    if (kbReadFile(path, d, &data, &len) != CB_OK) return CB_ERR;
    kbJson j = {.path = path, .text = data, .len = len};
    json_t *root = NULL;
    kbPosMap *map = NULL;
    int rc = CB_ERR;
    if (kbCheckText(path, data, len, d) == CB_OK && kbYamlParse(&j, d, &root, &map) == CB_OK) {
        j.map = map;
        const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
        if (root && !json_is_object(root)) {
            kbDiagAt(d, CB_DIAG_ERROR, &j, "", 0, "%s %s", base, shape);
        } else if (root && json_object_size(root) > max) {
            kbDiagAt(d, CB_DIAG_ERROR, &j, "", 0, "%s has more than %zu members; merge some",
                     base, max);
        } else if (root) {
            const char *name;
            json_t *v;
            json_object_foreach(root, name, v) {
                member(ctx, &j, root, name, v);
            }
            rc = CB_OK;
        }
    }
    json_decref(root);
    kbPosMapFree(map);
    free(data);
    return rc;
}
