/* text.c - normalization, tokens, stop words and stems (see text.h). The
 * PCRE2 pattern finds "word-ish chunks"; small rules in C then decide which
 * inner punctuation keeps a chunk whole (c++, ci/cd, node.js) and which
 * splits it (python/django, python.what). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "match/text.h"

#include <ctype.h>
#include <libstemmer.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "base/buf.h"
#include "base/common.h"
#include "base/hash.h"

/* A direct-mapped cache of stems: building an index stems the same words
 * again and again. Fixed size, so hostile queries cannot grow it. 4,096
 * slots: a fourth of 16,384's memory for 2.7% more start-up instructions
 * (callgrind, `ask` on the bundled knowledge), queries unchanged. */
#define STEM_CACHE 4096 /* a power of two; 0.2 MB */
#define STEM_CACHE_WORD 23
enum { STOP_UNKNOWN = 2 };
/* One word (as tokenized, before stemming): its stem, and whether it is a
 * stop word (0, 1, or STOP_UNKNOWN when only txtStemWord has seen it). */
typedef struct stemSlot {
    uint8_t wlen, slen, stop;
    char word[STEM_CACHE_WORD], stem[STEM_CACHE_WORD];
} stemSlot;

struct txtCtx {
    pcre2_code *chunk;
    struct sb_stemmer *stemmer;
    char **stop;        /* the stop words, normalized */
    size_t nstop;
    uint64_t *stophash; /* the set: a word's hash and index + 1 (0: empty) */
    uint32_t *stopidx;
    size_t stopmask; /* slots - 1, a power of two less one */
    stemSlot *cache;
    int pcre_only; /* tests: no ASCII fast path */
    char fold[4096]; /* txtAnalyze's folded copy of a short ASCII text */
};

/* A chunk: optional leading dot (".net"), a word character, then word
 * characters and the inner punctuation the C rules look at; or a currency
 * symbol (Unicode's Sc: $, €, £, ₹, ...), a word of its own, so an amount
 * says "money" to the matcher where synonyms.json maps the symbol. A
 * symbol right before a letter or '_' is a variable's sigil ("$PATH",
 * "$_POST"), not an amount, and is no chunk. */
static const char CHUNK_RE[] = "\\.?\\w[\\w'.+#/]*|\\p{Sc}(?![\\p{L}_])";

static uint64_t wordHash(const char *s, size_t n) {
    uint64_t h = cbFnv1a(s, n, 0);
    return h ? h : 1;
}

/* The slot of word w[0..n) in the stop set: where it is, or the empty
 * slot where it would go. */
static size_t stopSlot(const txtCtx *c, const char *w, size_t n, uint64_t h) {
    size_t k = h & c->stopmask;
    for (; c->stopidx[k]; k = (k + 1) & c->stopmask) {
        const char *s = c->stop[c->stopidx[k] - 1];
        if (c->stophash[k] == h && strlen(s) == n && memcmp(s, w, n) == 0) break;
    }
    return k;
}

static int isStopFast(const txtCtx *c, const char *w, size_t n) {
    return c->stopidx[stopSlot(c, w, n, wordHash(w, n))] != 0;
}

int txtIsStop(const txtCtx *c, const char *word) { return isStopFast(c, word, strlen(word)); }

const char *const *txtStopWords(const txtCtx *c, size_t *n) {
    *n = c->nstop;
    return (const char *const *)c->stop;
}

/* The stop words, normalized as questions are (case, accents, typographic
 * apostrophes), in a set at most half full; duplicates and words that
 * normalize to nothing or to more than one word are dropped. */
static void stopSetBuild(txtCtx *c, const char *const *stop, size_t nstop) {
    size_t cap = 16;
    while (cap < 2 * nstop + 2) cap *= 2;
    c->stopmask = cap - 1;
    c->stophash = cbCalloc(cap, sizeof(*c->stophash));
    c->stopidx = cbCalloc(cap, sizeof(*c->stopidx));
    c->stop = cbCalloc(nstop ? nstop : 1, sizeof(*c->stop));
    for (size_t i = 0; i < nstop; i++) {
        char *w, err[CB_ERRLEN];
        size_t n;
        if (txtNormalize(stop[i], strlen(stop[i]), &w, &n, err) != CB_OK) continue;
        if (!w || n == 0) {
            free(w);
            continue;
        }
        uint64_t h = wordHash(w, n);
        size_t k = stopSlot(c, w, n, h);
        if (n > TXT_MAX_TOKEN || strchr(w, ' ') || c->stopidx[k]) {
            free(w);
            continue;
        }
        c->stop[c->nstop++] = w;
        c->stophash[k] = h;
        c->stopidx[k] = (uint32_t)c->nstop;
    }
}

txtCtx *txtNew(const char *const *stop, size_t nstop, char *err) {
    txtCtx *c = cbCalloc(1, sizeof(*c));
    int ec;
    PCRE2_SIZE eo;
    c->chunk = pcre2_compile((PCRE2_SPTR)CHUNK_RE, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
                             &ec, &eo, NULL);
    c->stemmer = sb_stemmer_new("english", NULL);
    if (!c->chunk || !c->stemmer) {
        txtFree(c);
        cbErr(err, "cannot set up the text analyzer (PCRE2 or libstemmer)");
        return NULL;
    }
    pcre2_jit_compile(c->chunk, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    c->cache = cbCalloc(STEM_CACHE, sizeof(*c->cache));
    stopSetBuild(c, stop, nstop);
    return c;
}

void txtFree(txtCtx *c) {
    if (!c) return;
    if (c->chunk) pcre2_code_free(c->chunk);
    if (c->stemmer) sb_stemmer_delete(c->stemmer);
    free(c->cache);
    for (size_t i = 0; i < c->nstop; i++) free(c->stop[i]);
    cbFreeN(3, c->stop, c->stophash, c->stopidx);
    free(c);
}

void txtToksInit(txtToks *t) { memset(t, 0, sizeof(*t)); }
void txtToksReset(txtToks *t) { t->blen = t->n = t->nstop = 0; }
void txtToksFree(txtToks *t) {
    free(t->buf);
    free(t->raw);
    free(t->stem);
    txtToksInit(t);
}

static uint32_t arenaPut(txtToks *t, const char *s, size_t n) {
    if (t->blen + n + 1 > t->bcap) {
        t->bcap = (t->blen + n + 1) * 2 + 64;
        t->buf = cbRealloc(t->buf, t->bcap);
    }
    uint32_t off = (uint32_t)t->blen;
    memcpy(t->buf + off, s, n);
    t->buf[off + n] = '\0';
    t->blen += n + 1;
    return off;
}

size_t txtUtf8Cut(const char *s, size_t len, size_t max) {
    if (len <= max) return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

/* The cache slot of w[0..len) (a word short enough to be cached). */
static stemSlot *stemSlotOf(const txtCtx *c, const char *w, size_t len) {
    return &c->cache[wordHash(w, len) & (STEM_CACHE - 1)];
}

static int stemCacheHit(const stemSlot *sl, const char *w, size_t len) {
    return sl->wlen == len && memcmp(sl->word, w, len) == 0;
}

size_t txtStemWord(txtCtx *c, const char *w, size_t len, char *dst, size_t cap) {
    assert(cap > 0);
    int ascii = len > 0;
    for (size_t i = 0; i < len && ascii; i++) ascii = isalpha((unsigned char)w[i]) || w[i] == '\'';
    const char *src = w;
    size_t n = len;
    if (ascii) {
        stemSlot *sl = NULL;
        if (len < STEM_CACHE_WORD) {
            sl = stemSlotOf(c, w, len);
            if (stemCacheHit(sl, w, len)) {
                n = sl->slen < cap - 1 ? sl->slen : cap - 1;
                memcpy(dst, sl->stem, n);
                src = dst;
            }
        }
        const sb_symbol *st = src == dst ? NULL
                              : sb_stemmer_stem(c->stemmer, (const sb_symbol *)w, (int)len);
        if (st) {
            n = (size_t)sb_stemmer_length(c->stemmer);
            if (n > cap - 1) n = cap - 1;
            memcpy(dst, st, n);
            src = dst;
            if (sl && n < STEM_CACHE_WORD) {
                memcpy(sl->word, w, len);
                sl->wlen = (uint8_t)len;
                memcpy(sl->stem, st, n);
                sl->slen = (uint8_t)n;
                sl->stop = STOP_UNKNOWN;
            }
        }
    }
    if (src != dst) {
        if (n > cap - 1) n = txtUtf8Cut(src, n, cap - 1);
        memcpy(dst, src, n);
    }
    dst[n] = '\0';
    return n;
}

static void toksGrow(txtToks *t) {
    if (t->n < t->ncap) return;
    t->ncap = t->ncap ? t->ncap * 2 : 16;
    t->raw = cbRealloc(t->raw, t->ncap * sizeof(*t->raw));
    t->stem = cbRealloc(t->stem, t->ncap * sizeof(*t->stem));
}

/* Append raw[0..rawlen) with its stem, both already cut to size. */
static void pushCut(txtToks *t, const char *raw, size_t rawlen, const char *stem, size_t sl) {
    toksGrow(t);
    t->raw[t->n] = arenaPut(t, raw, rawlen);
    t->stem[t->n] = arenaPut(t, stem, sl);
    t->n++;
}

void txtToksPushTerm(txtToks *t, const char *term, size_t len) {
    toksGrow(t);
    len = txtUtf8Cut(term, len, TXT_MAX_TOKEN);
    t->raw[t->n] = t->stem[t->n] = arenaPut(t, term, len);
    t->n++;
}

void txtToksPush(txtCtx *c, txtToks *t, const char *raw, size_t rawlen, const char *stem) {
    rawlen = txtUtf8Cut(raw, rawlen, TXT_MAX_TOKEN);
    char sb[TXT_MAX_TOKEN + 1];
    size_t sl;
    if (stem) {
        sl = txtUtf8Cut(stem, strlen(stem), TXT_MAX_TOKEN);
        memcpy(sb, stem, sl);
        sb[sl] = '\0';
    } else {
        sl = txtStemWord(c, raw, rawlen, sb, sizeof(sb));
    }
    pushCut(t, raw, rawlen, sb, sl);
}

/* One final token: drop stop words, stem, append. Short words are
 * looked up in the stem cache first (one hash for both answers). */
static void emitWord(txtCtx *c, txtToks *t, const char *s, size_t n) {
    while (n > 0 && (s[n - 1] == '\'' || s[n - 1] == '.')) n--;
    if (n == 0) return;
    size_t wl = txtUtf8Cut(s, n, TXT_MAX_TOKEN);
    stemSlot *sl = wl < STEM_CACHE_WORD ? stemSlotOf(c, s, wl) : NULL;
    if (sl && stemCacheHit(sl, s, wl) && sl->stop != STOP_UNKNOWN) {
        if (sl->stop) t->nstop++;
        else pushCut(t, s, wl, sl->stem, sl->slen);
        return;
    }
    char w[TXT_MAX_TOKEN + 1];
    memcpy(w, s, wl);
    w[wl] = '\0';
    int stop = isStopFast(c, w, wl);
    char sb[TXT_MAX_TOKEN + 1];
    size_t stl = stop ? 0 : txtStemWord(c, w, wl, sb, sizeof(sb));
    if (sl && stl < STEM_CACHE_WORD) {
        memcpy(sl->word, w, wl);
        sl->wlen = (uint8_t)wl;
        memcpy(sl->stem, sb, stl);
        sl->slen = (uint8_t)stl;
        sl->stop = (uint8_t)stop;
    }
    if (stop) t->nstop++;
    else pushCut(t, s, wl, sb, stl);
}

/* "c++", "c#", "notepad++" keep their +/# suffix; "python+django" splits. */
static void tokPlus(txtCtx *c, txtToks *t, const char *s, size_t n) {
    size_t k = n;
    while (k > 0 && (s[k - 1] == '+' || s[k - 1] == '#')) k--;
    size_t start = 0;
    for (size_t i = 0; i < k; i++) {
        if (s[i] != '+' && s[i] != '#') continue;
        emitWord(c, t, s + start, i - start);
        start = i + 1;
    }
    if (start >= k) return; /* nothing left before the suffix */
    size_t suffix = n - k <= 2 ? n - k : 0;
    emitWord(c, t, s + start, k - start + suffix);
}

static int allDigits(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != '.' && !isdigit((unsigned char)s[i])) return 0;
    return 1;
}

/* Dots: ".net", "node.js", "asp.net", "3.12" stay whole; "python.what"
 * splits (a segment after a dot longer than 3 chars is a new word). */
static void tokDots(txtCtx *c, txtToks *t, const char *s, size_t n) {
    while (n > 0 && s[n - 1] == '.') n--;
    if (n == 0) return;
    if (s[0] == '.') {
        if (n > 1 && !memchr(s + 1, '.', n - 1)) return tokPlus(c, t, s, n);
        s++, n--;
    }
    int whole = memchr(s, '.', n) != NULL && s[0] != '.';
    size_t seg = 0;
    for (size_t i = 0; i <= n && whole; i++) {
        if (i < n && s[i] != '.') continue;
        size_t sl = i - seg;
        int ok = seg == 0 ? sl > 0 : sl >= 1 && sl <= 3;
        for (size_t j = seg; j < i && ok && seg > 0; j++) ok = isalnum((unsigned char)s[j]);
        whole = ok;
        seg = i + 1;
    }
    if (whole || allDigits(s, n)) return tokPlus(c, t, s, n);
    seg = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') continue;
        if (i > seg) tokPlus(c, t, s + seg, i - seg);
        seg = i + 1;
    }
}

/* Slashes: "python/django" splits; "ci/cd", "ui/ux", "ml/ai" (two short
 * sides) give the whole and its sides, so "ml/ai certs" finds what "ml"
 * and "ai" find as well as an entry that spells "ci/cd". */
static void tokChunk(txtCtx *c, txtToks *t, const char *s, size_t n) {
    while (n > 0 && (s[n - 1] == '/' || s[n - 1] == '\'' || s[n - 1] == '.')) n--;
    const char *sl = memchr(s, '/', n);
    if (!sl) return tokDots(c, t, s, n);
    size_t left = (size_t)(sl - s), right = n - left - 1;
    if (left >= 1 && left <= 3 && right >= 1 && right <= 3 && !memchr(sl + 1, '/', right))
        tokPlus(c, t, s, n);
    size_t seg = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '/') continue;
        if (i > seg) tokDots(c, t, s + seg, i - seg);
        seg = i + 1;
    }
}

static int asciiWord(unsigned char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* The chunk pattern by hand for pure ASCII text (where UCP \w is
 * [A-Za-z0-9_]): same matches, without a PCRE2 call per word. */
static void tokenizeAscii(txtCtx *c, const char *s, size_t len, txtToks *t) {
    size_t i = 0;
    while (i < len) {
        unsigned char ch = (unsigned char)s[i];
        int dot = ch == '.' && i + 1 < len && asciiWord((unsigned char)s[i + 1]);
        if (ch == '$') { /* ASCII's one currency symbol (\\p{Sc}), unless a sigil */
            unsigned char next = i + 1 < len ? (unsigned char)s[i + 1] : 0;
            int sigil = (next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') || next == '_';
            if (!sigil) tokChunk(c, t, s + i, 1);
            i++;
            continue;
        }
        if (!dot && !asciiWord(ch)) {
            i++;
            continue;
        }
        size_t j = i + (dot ? 2 : 1);
        while (j < len && (asciiWord((unsigned char)s[j]) || strchr("'.+#/", s[j]))) j++;
        tokChunk(c, t, s + i, j - i);
        i = j;
    }
}

/* 1 when no character beyond ASCII can be part of a chunk: each is a
 * symbol, punctuation other than a connector, a space, a control or a
 * format character (never \w, which is letters, numbers and '_'), so it
 * separates chunks like an ASCII space does and tokenizeAscii finds the
 * same chunks ("->", curly quotes and dashes a normalized answer keeps).
 * Marks, letters, numbers, currency symbols (chunks of their own) and
 * unassigned code points: 0. */
static int noWordBeyondAscii(const char *s, size_t len) {
    for (size_t i = 0; i < len;) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) return 0;
        switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS: case UTF8PROC_CATEGORY_PE:
        case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF: case UTF8PROC_CATEGORY_PO:
        case UTF8PROC_CATEGORY_SM: case UTF8PROC_CATEGORY_SK:
        case UTF8PROC_CATEGORY_SO: case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL:
        case UTF8PROC_CATEGORY_ZP: case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF:
            break;
        default:
            return 0;
        }
        i += (size_t)n;
    }
    return 1;
}

void txtTokenize(txtCtx *c, const char *norm, size_t len, txtToks *t) {
    if (!c->pcre_only && noWordBeyondAscii(norm, len)) return tokenizeAscii(c, norm, len, t);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    PCRE2_SIZE off = 0;
    while (off < len) {
        /* the text was validated once: no UTF check per call (that is
         * quadratic on a long answer) */
        int rc = pcre2_match(c->chunk, (PCRE2_SPTR)norm, len, off, PCRE2_NO_UTF_CHECK, md, NULL);
        if (rc < 0) break;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (ov[1] <= ov[0]) break; /* cannot happen: a chunk has a \w */
        tokChunk(c, t, norm + ov[0], ov[1] - ov[0]);
        off = ov[1];
    }
    pcre2_match_data_free(md);
}

void txtPcreOnly(txtCtx *c, int on) { c->pcre_only = on; }

/* Drop combining marks that follow a Latin, Greek or Cyrillic letter
 * (café -> cafe, naïve -> naive), keep them elsewhere (they are part of
 * the letters in e.g. Devanagari). */
static utf8proc_ssize_t stripLatinMarks(utf8proc_int32_t *cp, utf8proc_ssize_t n) {
    utf8proc_ssize_t m = 0;
    utf8proc_int32_t base = 0;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        utf8proc_category_t cat = utf8proc_category(cp[i]);
        if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
            cat == UTF8PROC_CATEGORY_ME) {
            if (base < 0x0530) continue;
        } else {
            base = cp[i];
        }
        cp[m++] = cp[i];
    }
    return m;
}

static char *normUnicode(const char *s, size_t len, size_t *outlen, char *err) {
    const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                                  UTF8PROC_CASEFOLD | UTF8PROC_STRIPCC | UTF8PROC_IGNORE |
                                  UTF8PROC_LUMP;
    utf8proc_ssize_t n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                                            NULL, 0, opt);
    if (n < 0) {
        cbErr(err, "cannot normalize the text: %s", utf8proc_errmsg(n));
        return NULL;
    }
    utf8proc_int32_t *buf = cbMalloc(((size_t)n + 1) * sizeof(*buf));
    n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, buf, n, opt);
    if (n >= 0) n = stripLatinMarks(buf, n);
    if (n >= 0) n = utf8proc_reencode(buf, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0) {
        free(buf);
        cbErr(err, "cannot normalize the text: %s", utf8proc_errmsg(n));
        return NULL;
    }
    *outlen = (size_t)n;
    return (char *)buf; /* reencode wrote NUL-terminated UTF-8 in place */
}

/* normUnicode(s) piece by piece: an ASCII character decomposes to itself
 * (A-Z folded), is never a mark, no character composes with it, and a mark
 * after it is stripped as at the start of a text (a base below U+0530), so
 * only the runs of other bytes go through utf8proc: a long answer with a
 * few curly quotes costs a few small calls, not one over all of it. */
static char *normPieces(const char *s, size_t len, size_t *outlen, char *err) {
    cbBuf b;
    bufInit(&b, SIZE_MAX);
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && (unsigned char)s[j] < 0x80) j++;
        size_t o = b.len;
        bufAppend(&b, s + i, j - i);
        for (size_t k = o; k < b.len; k++)
            if (b.p[k] >= 'A' && b.p[k] <= 'Z') b.p[k] = (char)(b.p[k] + ('a' - 'A'));
        for (i = j; j < len && (unsigned char)s[j] >= 0x80;) j++;
        if (j == i) continue;
        size_t n;
        char *piece = normUnicode(s + i, j - i, &n, err);
        if (!piece) {
            bufFree(&b);
            return NULL;
        }
        bufAppend(&b, piece, n);
        free(piece);
        i = j;
    }
    *outlen = b.len;
    return bufDetach(&b);
}

/* ASCII without NUL: NFKC is the identity and folding is A-Z -> a-z, so
 * fold s into d (len bytes, then a NUL) in one pass. 0 (d undefined) when
 * s has another byte: then the full path applies. */
static int asciiFold(const char *s, size_t len, char *d) {
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == 0 || ch >= 0x80) return 0;
        d[i] = ch < 0x20 || ch == 0x7f ? ' ' : ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : (char)ch;
    }
    d[len] = '\0';
    return 1;
}

int txtNormalize(const char *s, size_t len, char **out, size_t *outlen, char *err) {
    *out = NULL;
    *outlen = 0;
    char *d = cbMalloc(len + 1);
    if (asciiFold(s, len, d)) {
        *out = d;
        *outlen = len;
        return CB_OK;
    }
    free(d);
    if (!cbValidUtf8(s, len))
        return cbErr(err, "the text is not valid UTF-8 (or contains a NUL byte)");
    *out = normPieces(s, len, outlen, err);
    return *out ? CB_OK : CB_ERR;
}

int txtAnalyze(txtCtx *c, const char *s, size_t len, txtToks *t, char *err) {
    if (len < sizeof(c->fold)) { /* short ASCII (most texts): no heap copy */
        if (asciiFold(s, len, c->fold)) {
            txtTokenize(c, c->fold, len, t);
            return CB_OK;
        }
    }
    char *norm;
    size_t nlen;
    if (txtNormalize(s, len, &norm, &nlen, err) != CB_OK) return CB_ERR;
    txtTokenize(c, norm, nlen, t);
    free(norm);
    return CB_OK;
}
