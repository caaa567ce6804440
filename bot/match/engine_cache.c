/* engine_cache.c - the trained classifier on disk (see engine_cache.h).
 *
 * File layout (host byte order; the key, made with the build id, never
 * matches another machine's build anyway):
 *   header  "CBMODEL\n", u32 version, u32 sections, key[32],
 *           u64 body bytes, u64 XXH3-64 of the body            (64 bytes)
 *   body    sections: u32 tag, u32 element size, u64 count, the elements
 * The sizes (classes, features, table capacity) come first; every other
 * section must have exactly the count those sizes give, so a reader
 * allocates only what a valid model needs and indexes nothing unchecked. */
#include "match/engine_cache.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* XXH3 compiled in (the header carries it): a checksum that keeps up with
 * reading the file (zlib's CRC-32 was a twentieth of a start-up). */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/common.h"
#include "base/log.h"

#define MDC_MAGIC "CBMODEL\n"
#define MDC_VERSION 9u /* 4: 16-bit weights, a scale per feature; 5: keys by id; 6: text order;
                        * 7: the probability map; 8: pairs of words as typed;
                        * 9: the length normalization */
#define MDC_HEADER 64
#define MDC_MAX_FILE (512u << 20) /* bytes; a dense model is at most 24 MB of weights */
#define MDC_KEEP 16               /* cache files kept in a directory (newest) */
#define MDC_RECORD_VERSION 1u /* of a record (mdcSaveRecord) */
#define MDC_NCALIB 5 /* calibration numbers: temperature, beta, evidence cap, gamma, length norm */
#define MDC_MAX_KNOTS (1u << 16)  /* of the probability map (one per 50 examples trained on) */
#define MDC_MAX_WEIGHT 1e3        /* |weight|, |bias|, an evidence weight: trained ones are under 20 */
#define MDC_MAX_IDF 64.0          /* ln(1 + examples) + 1 is under 25 */

enum { S_SIZES = 1, S_CALIB, S_BUCKETS, S_KEYS, S_KID /* unused since 5 */, S_IDF, S_RARE,
       S_ISWORD, S_BIAS, S_WEIGHTS, S_COLL, S_WSCALE, S_RECAL, S_NTAGS };
enum { Z_NCLASS, Z_NFEAT, Z_KCAP, Z_UNK, Z_EPOCHS, Z_FOLDS, Z_NOOF, Z_OOFRIGHT, Z_TRAINUS, Z_N };

typedef struct mdcBucket {
    double lo, hi;
    uint64_t n, right;
} mdcBucket;

typedef struct mdcColl {
    uint32_t from, to;
    uint64_t n, example; /* index into the examples */
} mdcColl;

/* ---- the key ---- */

typedef struct idCtx {
    uint8_t id[64];
    size_t n;
} idCtx;

/* The main program's GNU build id (the first object dl_iterate_phdr
 * reports). */
static int buildIdOf(struct dl_phdr_info *info, size_t size, void *ud) {
    (void)size;
    idCtx *c = ud;
    for (int i = 0; i < info->dlpi_phnum && !c->n; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE) continue;
        /* where the loader mapped the note: an address it gives as a number */
        const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr); // NOLINT(performance-no-int-to-ptr)
        const uint8_t *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)(const void *)p;
            size_t name = (nh->n_namesz + 3) & ~3u, desc = (nh->n_descsz + 3) & ~3u;
            const uint8_t *d = p + sizeof(*nh) + name;
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && d + nh->n_descsz <= end &&
                memcmp(p + sizeof(*nh), "GNU", 4) == 0 && nh->n_descsz <= sizeof(c->id)) {
                memcpy(c->id, d, nh->n_descsz);
                c->n = nh->n_descsz;
                break;
            }
            p = d + desc;
        }
    }
    return 1; /* the main program only */
}

/* Bytes standing for the running code: its build id, else the size and
 * time of the executable. */
static size_t programId(uint8_t *out, size_t max) {
    idCtx c = {.n = 0};
    dl_iterate_phdr(buildIdOf, &c);
    if (!c.n) {
        struct stat st;
        if (stat("/proc/self/exe", &st) == 0) {
            long long v[3] = {(long long)st.st_size, (long long)st.st_mtim.tv_sec,
                              (long long)st.st_mtim.tv_nsec};
            memcpy(c.id, v, sizeof(v));
            c.n = sizeof(v);
        }
    }
    memcpy(out, c.id, c.n < max ? c.n : max);
    return c.n < max ? c.n : max;
}

/* The keys are XXH3-128 (two digests, 32 bytes, per key), not SHA-256:
 * a key tells a cache file made for this knowledge and this build from
 * the others, and an accidental collision of 256 bits is out of reach;
 * nothing trusts a file for its key (every section is checked). SHA-256
 * over the bundled knowledge's 2 MB of inputs was 23M instructions, a
 * tenth of a start-up; XXH3 is a few hundred thousand. */
static void hashBytes(XXH3_state_t *h, const void *p, size_t n) {
    uint64_t len = n;
    XXH3_128bits_update(h, &len, sizeof(len)); /* lengths first: no two inputs run together */
    XXH3_128bits_update(h, p, n);
}

struct mdcHasher {
    XXH3_state_t *h;
};

static XXH3_state_t *newState(void) {
    XXH3_state_t *h = XXH3_createState();
    if (!h) abort(); /* out of memory, as cbMalloc */
    return h;
}

mdcHasher *mdcKeysBegin(size_t n, size_t nclass, int folds) {
    mdcHasher *m = cbCalloc(1, sizeof(*m));
    XXH3_state_t *h = m->h = newState();
    XXH3_128bits_reset(h);
    uint8_t id[64];
    uint32_t version = MDC_VERSION;
    hashBytes(h, MDC_MAGIC, 8);
    hashBytes(h, &version, sizeof(version));
    hashBytes(h, id, programId(id, sizeof(id)));
    uint64_t dims[3] = {n, nclass, (uint64_t)folds};
    hashBytes(h, dims, sizeof(dims));
    return m;
}

void mdcKeysAdd(mdcHasher *m, const void *p, size_t n) { hashBytes(m->h, p, n); }

void mdcKeysAddStr(mdcHasher *m, const char *s) { hashBytes(m->h, s ? s : "", s ? strlen(s) : 0); }

void mdcKeysEnd(mdcHasher *m, size_t nkeys, uint8_t (*keys)[MDC_KEYLEN]) {
    XXH3_state_t *one = newState();
    for (size_t k = 0; k < nkeys; k++) /* the shared part hashed once */
        for (uint64_t half = 0; half < MDC_KEYLEN / sizeof(XXH128_canonical_t); half++) {
            uint64_t salt[2] = {k, half};
            XXH3_copyState(one, m->h);
            hashBytes(one, salt, sizeof(salt));
            XXH128_canonical_t c;
            XXH128_canonicalFromHash(&c, XXH3_128bits_digest(one));
            memcpy(keys[k] + half * sizeof(c), &c, sizeof(c));
        }
    XXH3_freeState(one);
    mdcKeysCancel(m);
}

void mdcKeysCancel(mdcHasher *m) {
    if (!m) return;
    XXH3_freeState(m->h);
    free(m);
}

/* ---- reading ----
 * Sections are read straight into the model's arrays (the file is never
 * held whole in memory: the weights are most of it), the checksum computed
 * on the way; nothing is trusted until the checksum and the checks pass. */

typedef struct mdcSrc {
    const uint8_t *mem; /* the bytes, or NULL: read fd */
    int fd;
    size_t len, off;    /* total bytes, bytes consumed */
    XXH3_state_t sum;   /* of the body read so far */
} mdcSrc;

/* The next n bytes into dst (NULL: skip them); 0 when there are fewer. */
static int srcRead(mdcSrc *s, void *dst, size_t n, int body) {
    if (n > s->len - s->off) return 0;
    uint8_t tmp[4096] = {0};
    for (size_t done = 0; done < n;) {
        size_t k = n - done;
        uint8_t *to = dst ? (uint8_t *)dst + done : tmp;
        if (!dst && k > sizeof(tmp)) k = sizeof(tmp);
        if (s->mem) {
            memcpy(to, s->mem + s->off + done, k);
        } else {
            ssize_t r = read(s->fd, to, k);
            if (r <= 0) return 0;
            k = (size_t)r;
        }
        if (body) XXH3_64bits_update(&s->sum, to, k);
        done += k;
    }
    s->off += n;
    return 1;
}

static int whyf(char *why, size_t n, const char *msg) {
    snprintf(why, n, "%s", msg);
    return 0;
}

/* The header: magic (MDC_MAGIC, or a record's kind) and version. */
static int headerOk(mdcSrc *s, const char *magic, uint32_t want, const uint8_t key[MDC_KEYLEN],
                    uint64_t *sum, char *why, size_t wn) {
    uint8_t h[MDC_HEADER];
    if (!srcRead(s, h, sizeof(h), 0) || memcmp(h, magic, 8) != 0)
        return whyf(why, wn, "not a model cache file");
    uint32_t version;
    uint64_t body;
    memcpy(&version, h + 8, 4);
    memcpy(&body, h + 48, 8);
    memcpy(sum, h + 56, 8);
    if (version != want) return whyf(why, wn, "another format version");
    if (key && memcmp(h + 16, key, MDC_KEYLEN) != 0) return whyf(why, wn, "another key");
    if (body != s->len - MDC_HEADER) return whyf(why, wn, "truncated or padded");
    return 1;
}

/* The sizes section, first in the body: the model's dimensions. */
static int readSizes(mdcSrc *s, uint64_t *z, char *why, size_t wn) {
    uint32_t h[4];
    if (!srcRead(s, h, 16, 1) || h[0] != S_SIZES || h[1] != 8 || h[2] != Z_N || h[3] != 0 ||
        !srcRead(s, z, Z_N * 8, 1))
        return whyf(why, wn, "no sizes section first");
    if (z[Z_NCLASS] < 2 || z[Z_NCLASS] > (1u << 20) || z[Z_NFEAT] == 0 || z[Z_NFEAT] > (1u << 26) ||
        z[Z_KCAP] > (1u << 28) || (z[Z_UNK] >= z[Z_NFEAT] && z[Z_UNK] != UINT32_MAX) ||
        z[Z_NFEAT] * mdlStride((size_t)z[Z_NCLASS]) * 2 > MDC_MAX_FILE)
        return whyf(why, wn, "sizes out of range");
    uint64_t bytes = z[Z_NFEAT] * (18 + 2 * mdlStride((size_t)z[Z_NCLASS])) +
                     z[Z_NCLASS] * 4;
    if (bytes > s->len - s->off) return whyf(why, wn, "sizes larger than the file");
    return 1;
}

static mdlModel *modelAlloc(const uint64_t *z) {
    mdlModel *m = cbCalloc(1, sizeof(*m));
    m->nclass = (size_t)z[Z_NCLASS];
    m->nfeat = (size_t)z[Z_NFEAT];
    /* z[Z_KCAP], the trained table's size, is not needed: the table is rebuilt */
    m->unk = (uint32_t)z[Z_UNK];
    m->epochs = (int)z[Z_EPOCHS];
    m->folds = (int)z[Z_FOLDS];
    m->noof = (size_t)z[Z_NOOF];
    m->oof_right = (size_t)z[Z_OOFRIGHT];
    m->train_ms = (double)z[Z_TRAINUS] / 1000.0;
    m->from_cache = 1;
    m->temp = NAN; /* until the calibration section */
    m->keys = cbCalloc(m->nfeat, sizeof(*m->keys)); /* the table: built once they are checked */
    m->idf = cbCalloc(m->nfeat, sizeof(*m->idf));
    m->rare = cbCalloc(m->nfeat, 1);
    m->isword = cbCalloc(m->nfeat, 1);
    m->cnt = cbCalloc(m->nfeat, sizeof(*m->cnt));
    m->b = cbCalloc(m->nclass, sizeof(*m->b));
    m->wq = cbCallocLarge(m->nfeat * mdlStride(m->nclass), sizeof(*m->wq));
    m->wscale = cbCalloc(m->nfeat, sizeof(*m->wscale));
    return m;
}

/* Where a section's elements go in m (and how many there must be), or
 * NULL for a section read elsewhere or unknown. */
static void *sectionDst(mdlModel *m, uint32_t tag, uint32_t *esize, uint64_t *count) {
    switch (tag) {
    case S_KEYS: *esize = 8, *count = m->nfeat; return m->keys;
    case S_IDF: *esize = 4, *count = m->nfeat; return m->idf;
    case S_RARE: *esize = 1, *count = m->nfeat; return m->rare;
    case S_ISWORD: *esize = 1, *count = m->nfeat; return m->isword;
    case S_BIAS: *esize = 4, *count = m->nclass; return m->b;
    case S_WEIGHTS: *esize = 2, *count = m->nfeat * mdlStride(m->nclass); return m->wq;
    case S_WSCALE: *esize = 4, *count = m->nfeat; return m->wscale;
    default: return NULL;
    }
}

typedef struct mdcRest { /* what sections other than the arrays carry */
    mdcBucket buckets[MDL_NBUCKETS];
    mdcColl *coll;
    size_t ncoll;
    uint32_t seen; /* bit per tag */
} mdcRest;

/* The probability map: its knots' x, then their y. */
static int readRecal(mdcSrc *s, mdlRecal *r, uint32_t esize, uint64_t count, char *why,
                     size_t wn) {
    if (esize != 8 || count % 2 || count / 2 > MDC_MAX_KNOTS || r->x) /* r->x: a second map */
        return whyf(why, wn, "bad probability map");
    size_t n = (size_t)(count / 2);
    r->x = cbMalloc((n ? n : 1) * sizeof(*r->x));
    r->y = cbMalloc((n ? n : 1) * sizeof(*r->y));
    r->n = n;
    return srcRead(s, r->x, n * 8, 1) && srcRead(s, r->y, n * 8, 1);
}

static int readSection(mdcSrc *s, mdlModel *m, mdcRest *r, char *why, size_t wn) {
    uint32_t tag, esize, want = 0;
    uint64_t count, need = 0;
    uint8_t h[16];
    if (!srcRead(s, h, 16, 1)) return whyf(why, wn, "a section header is cut short");
    memcpy(&tag, h, 4);
    memcpy(&esize, h + 4, 4);
    memcpy(&count, h + 8, 8);
    if (esize == 0 || esize > 64 || count > (s->len - s->off) / esize)
        return whyf(why, wn, "a section is longer than the file");
    size_t bytes = (size_t)(esize * count);
    void *dst = sectionDst(m, tag, &want, &need);
    if (tag < 32) r->seen |= 1u << tag;
    if (dst && (esize != want || count != need))
        return whyf(why, wn, "a section does not match the model's sizes");
    if (tag == S_CALIB && (esize != 8 || count < 1)) return whyf(why, wn, "bad calibration");
    if (tag == S_BUCKETS && (esize != sizeof(mdcBucket) || count != MDL_NBUCKETS))
        return whyf(why, wn, "bad reliability table");
    if (tag == S_COLL && esize != sizeof(mdcColl)) return whyf(why, wn, "bad collisions");
    if (tag == S_CALIB) { /* temperature, evidence weights and cap; more are skipped */
        double c[MDC_NCALIB] = {0};
        size_t k = count < MDC_NCALIB ? (size_t)count : MDC_NCALIB;
        if (!srcRead(s, c, k * 8, 1) || !srcRead(s, NULL, bytes - k * 8, 1)) return 0;
        m->temp = c[0];
        m->beta = c[1];
        m->evidence_cap = c[2];
        m->gamma = c[3];
        m->length_norm = c[4];
        return 1;
    }
    if (tag == S_BUCKETS) return srcRead(s, r->buckets, bytes, 1);
    if (tag == S_RECAL) return readRecal(s, &m->recal, esize, count, why, wn);
    if (tag == S_COLL) {
        free(r->coll);
        r->coll = cbMalloc(bytes ? bytes : 1);
        r->ncoll = (size_t)count;
        return srcRead(s, r->coll, bytes, 1);
    }
    return srcRead(s, dst, bytes, 1); /* dst NULL: an unknown section, skipped */
}

/* After the checksum: what the numbers must satisfy to be used safely. */
static const char *modelCheck(mdlModel *m, const mdcRest *r, const mdlExample *ex, size_t n) {
    const uint32_t need = 1u << S_KEYS | 1u << S_IDF | 1u << S_RARE |
                          1u << S_ISWORD | 1u << S_BIAS | 1u << S_WEIGHTS | 1u << S_CALIB |
                          1u << S_BUCKETS | 1u << S_WSCALE | 1u << S_RECAL;
    if ((r->seen & need) != need) return "a section is missing";
    if (!mdlRecalValid(&m->recal)) return "a probability map that is not monotone in [0, 1]";
    if (!(m->temp >= 1e-3 && m->temp <= 1e3)) return "a temperature out of range";
    if (!(m->length_norm > 0 && m->length_norm <= 1)) return "a length normalization out of range";
    if (!(m->beta >= 0 && m->beta <= MDC_MAX_WEIGHT && m->gamma >= 0 &&
          m->gamma <= MDC_MAX_WEIGHT && m->evidence_cap >= 0 && isfinite(m->evidence_cap)))
        return "a calibration number out of range";
    for (size_t c = 0; c < m->nclass; c++)
        if (!(fabsf(m->b[c]) <= MDC_MAX_WEIGHT)) return "a bias out of range";
    if (!mdlFeatIndex(m)) return "a broken feature table"; /* a key 0 or twice */
    for (size_t f = 0; f < m->nfeat; f++) {
        if (m->isword[f] > 1) return "a feature in no block";
        if (!(m->wscale[f] >= 0 && (double)m->wscale[f] * MDL_Q_MAX <= MDC_MAX_WEIGHT))
            return "a weight scale out of range";
        if (!(m->idf[f] >= 0 && m->idf[f] <= MDC_MAX_IDF)) return "an idf out of range";
    }
    m->coll = cbCalloc(r->ncoll ? r->ncoll : 1, sizeof(*m->coll));
    for (size_t i = 0; i < r->ncoll; i++, m->ncoll++) {
        const mdcColl *c = &r->coll[i];
        if (c->from >= m->nclass || c->to >= m->nclass || c->example >= n)
            return "collisions out of range";
        m->coll[i] = (mdlCollision){c->from, c->to, (size_t)c->n, ex[c->example].text};
    }
    for (int b = 0; b < MDL_NBUCKETS; b++)
        m->buckets[b] = (mdlBucket){r->buckets[b].lo, r->buckets[b].hi, (size_t)r->buckets[b].n,
                                    (size_t)r->buckets[b].right};
    return NULL;
}

static mdlModel *parseFrom(mdcSrc *s, const uint8_t key[MDC_KEYLEN], const mdlExample *ex,
                           size_t n, char *why, size_t wn) {
    uint64_t sum, z[Z_N];
    XXH3_64bits_reset(&s->sum);
    if (!headerOk(s, MDC_MAGIC, MDC_VERSION, key, &sum, why, wn) || !readSizes(s, z, why, wn))
        return NULL;
    mdlModel *m = modelAlloc(z);
    mdcRest r = {.seen = 0};
    int ok = 1;
    while (ok && s->off < s->len) ok = readSection(s, m, &r, why, wn);
    if (ok && XXH3_64bits_digest(&s->sum) != sum) ok = whyf(why, wn, "checksum mismatch");
    const char *bad = ok ? modelCheck(m, &r, ex, n) : NULL;
    if (bad) ok = whyf(why, wn, bad);
    free(r.coll);
    if (ok) return m;
    mdlFree(m);
    return NULL;
}

mdlModel *mdcParse(const uint8_t *data, size_t len, const uint8_t key[MDC_KEYLEN],
                   const mdlExample *ex, size_t n, char *why, size_t whylen) {
    mdcSrc s = {.mem = data, .fd = -1, .len = len};
    return parseFrom(&s, key, ex, n, why, whylen);
}

static char *cachePath(const char *dir, const uint8_t key[MDC_KEYLEN]) {
    char hex[2 * 12 + 1];
    for (int i = 0; i < 12; i++) snprintf(hex + 2 * i, 3, "%02x", key[i]);
    return cbSprintf("%s/model-%s.bin", dir, hex);
}

mdlModel *mdcLoad(const char *dir, const uint8_t key[MDC_KEYLEN], const mdlExample *ex, size_t n) {
    char *path = cachePath(dir, key);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    mdlModel *m = NULL;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        char why[128] = "too big";
        mdcSrc s = {.mem = NULL, .fd = fd, .len = (size_t)st.st_size};
        if (st.st_size <= MDC_MAX_FILE) m = parseFrom(&s, key, ex, n, why, sizeof(why));
        if (!m) logEvent(LOG_WARN, "model.cache_ignored", "file=%s why=\"%s\" msg=\"training instead\"",
                         path, why);
    }
    if (fd >= 0) close(fd);
    free(path);
    return m;
}

/* ---- writing ---- */

typedef struct mdcOut {
    uint8_t *p;
    size_t n, cap;
} mdcOut;

static void put(mdcOut *o, const void *p, size_t n) {
    if (o->n + n > o->cap) {
        o->cap = (o->n + n) * 2;
        o->p = cbRealloc(o->p, o->cap);
    }
    if (n) memcpy(o->p + o->n, p, n);
    o->n += n;
}

static void putSection(mdcOut *o, uint32_t tag, uint32_t esize, uint64_t count, const void *p) {
    put(o, &tag, 4);
    put(o, &esize, 4);
    put(o, &count, 8);
    put(o, p, (size_t)(esize * count));
}

static void putModel(mdcOut *o, const mdlModel *m, const mdlExample *ex, size_t n) {
    uint64_t z[Z_N] = {m->nclass, m->nfeat, m->kcap, m->unk, (uint64_t)m->epochs,
                       (uint64_t)m->folds, m->noof, m->oof_right,
                       (uint64_t)(m->train_ms > 0 ? m->train_ms * 1000.0 : 0)};
    putSection(o, S_SIZES, 8, Z_N, z);
    const double calib[MDC_NCALIB] = {m->temp, m->beta, m->evidence_cap, m->gamma, m->length_norm};
    putSection(o, S_CALIB, 8, MDC_NCALIB, calib);
    mdcBucket bk[MDL_NBUCKETS];
    for (int b = 0; b < MDL_NBUCKETS; b++)
        bk[b] = (mdcBucket){m->buckets[b].lo, m->buckets[b].hi, m->buckets[b].n, m->buckets[b].right};
    putSection(o, S_BUCKETS, sizeof(mdcBucket), MDL_NBUCKETS, bk);
    putSection(o, S_KEYS, 8, m->nfeat, m->keys);
    putSection(o, S_IDF, 4, m->nfeat, m->idf);
    putSection(o, S_RARE, 1, m->nfeat, m->rare);
    putSection(o, S_ISWORD, 1, m->nfeat, m->isword);
    putSection(o, S_BIAS, 4, m->nclass, m->b);
    putSection(o, S_WEIGHTS, 2, m->nfeat * mdlStride(m->nclass), m->wq);
    putSection(o, S_WSCALE, 4, m->nfeat, m->wscale);
    double *knots = cbMalloc((2 * m->recal.n + 1) * sizeof(*knots));
    for (size_t i = 0; i < m->recal.n; i++) knots[i] = m->recal.x[i], knots[m->recal.n + i] = m->recal.y[i];
    putSection(o, S_RECAL, 8, 2 * m->recal.n, knots);
    free(knots);
    mdcColl *c = cbCalloc(m->ncoll ? m->ncoll : 1, sizeof(*c));
    size_t nc = 0;
    for (size_t i = 0; i < m->ncoll; i++)
        for (size_t e = 0; e < n; e++)
            if (ex[e].text == m->coll[i].example) {
                c[nc++] = (mdcColl){m->coll[i].from, m->coll[i].to, m->coll[i].n, e};
                break;
            }
    putSection(o, S_COLL, sizeof(*c), nc, c);
    free(c);
}

static int mkdirs(const char *dir) {
    char *p = cbStrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) break;
        *s = '/';
    }
    int rc = mkdir(p, 0700) == 0 || errno == EEXIST ? CB_OK : CB_ERR;
    free(p);
    return rc;
}

typedef struct mdcFile {
    double t;
    char *path;
} mdcFile;

static int cmpMtime(const void *a, const void *b) {
    const mdcFile *x = a, *y = b;
    return x->t < y->t ? 1 : x->t > y->t ? -1 : 0;
}

/* Keep the newest MDC_KEEP model files: each knowledge edit leaves one. */
static void prune(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    mdcFile f[4 * MDC_KEEP] = {{0, NULL}};
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < CB_ARRAY_LEN(f)) {
        size_t l = strlen(de->d_name);
        if (strncmp(de->d_name, "model-", 6) != 0 || l < 10 || strcmp(de->d_name + l - 4, ".bin") != 0)
            continue;
        char *path = cbSprintf("%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) == 0) {
            f[n].t = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
            f[n++].path = path;
        } else {
            free(path);
        }
    }
    closedir(d);
    qsort(f, n, sizeof(f[0]), cmpMtime);
    for (size_t i = 0; i < n; i++) {
        if (i >= MDC_KEEP) unlink(f[i].path);
        free(f[i].path);
    }
}

static int writeAll(int fd, const uint8_t *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return CB_ERR;
        p += w;
        n -= (size_t)w;
    }
    return CB_OK;
}

/* Fill o's header (its first MDC_HEADER bytes) and write it as key's
 * file in dir, atomically; then keep the newest files. */
static int saveOut(const char *dir, const uint8_t key[MDC_KEYLEN], const char *magic,
                   uint32_t version, uint32_t nsec, mdcOut *o, char *err) {
    uint64_t body = o->n - MDC_HEADER, sum = XXH3_64bits(o->p + MDC_HEADER, (size_t)body);
    memcpy(o->p, magic, 8);
    memcpy(o->p + 8, &version, 4);
    memcpy(o->p + 12, &nsec, 4);
    memcpy(o->p + 16, key, MDC_KEYLEN);
    memcpy(o->p + 48, &body, 8);
    memcpy(o->p + 56, &sum, 8);
    char *path = cachePath(dir, key), *tmp = cbSprintf("%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = fd >= 0 && writeAll(fd, o->p, o->n) == CB_OK ? CB_OK : CB_ERR;
    if (fd >= 0 && close(fd) != 0) rc = CB_ERR;
    if (rc == CB_OK && rename(tmp, path) != 0) rc = CB_ERR;
    if (rc != CB_OK) {
        cbErr(err, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    } else {
        prune(dir);
    }
    cbFreeN(2, path, tmp);
    return rc;
}

int mdcSave(const char *dir, const uint8_t key[MDC_KEYLEN], const mdlModel *m,
            const mdlExample *ex, size_t n, char *err) {
    if (mkdirs(dir) != CB_OK) return cbErr(err, "cannot make %s: %s", dir, strerror(errno));
    mdcOut o = {0};
    uint8_t head[MDC_HEADER] = {0};
    put(&o, head, sizeof(head));
    putModel(&o, m, ex, n);
    int rc = saveOut(dir, key, MDC_MAGIC, MDC_VERSION, S_NTAGS - 2 /* all but S_KID */, &o, err);
    free(o.p);
    return rc;
}

/* ---- records: a few numbers under a key ---- */

int mdcSaveRecord(const char *dir, const uint8_t key[MDC_KEYLEN], const char kind[8],
                  const double *v, size_t n, char *err) {
    if (mkdirs(dir) != CB_OK) return cbErr(err, "cannot make %s: %s", dir, strerror(errno));
    mdcOut o = {0};
    uint8_t head[MDC_HEADER] = {0};
    put(&o, head, sizeof(head));
    put(&o, v, n * sizeof(*v));
    int rc = saveOut(dir, key, kind, MDC_RECORD_VERSION, 1, &o, err);
    free(o.p);
    return rc;
}

/* Why a record's bytes do not check, or NULL. */
static const char *recordCheck(mdcSrc *s, const uint8_t key[MDC_KEYLEN], const char kind[8],
                               double *v, size_t n, char *why, size_t wn) {
    uint64_t sum;
    XXH3_64bits_reset(&s->sum);
    if (!headerOk(s, kind, MDC_RECORD_VERSION, key, &sum, why, wn)) return why;
    if (s->len - MDC_HEADER != n * sizeof(*v)) return "another size";
    if (!srcRead(s, v, n * sizeof(*v), 1) || XXH3_64bits_digest(&s->sum) != sum)
        return "checksum mismatch";
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i])) return "a number that is not finite";
    return NULL;
}

int mdcParseRecord(const uint8_t *data, size_t len, const uint8_t key[MDC_KEYLEN],
                   const char kind[8], double *v, size_t n, char *why, size_t whylen) {
    mdcSrc s = {.mem = data, .fd = -1, .len = len};
    const char *bad = recordCheck(&s, key, kind, v, n, why, whylen);
    if (!bad) return CB_OK;
    if (bad != why) snprintf(why, whylen, "%s", bad);
    return CB_ERR;
}

int mdcLoadRecord(const char *dir, const uint8_t key[MDC_KEYLEN], const char kind[8], double *v,
                  size_t n) {
    char *path = cachePath(dir, key);
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = CB_ERR;
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        char why[128] = "too big";
        size_t len = (size_t)st.st_size, want = MDC_HEADER + n * sizeof(*v);
        uint8_t *buf = len <= want ? cbMalloc(len ? len : 1) : NULL;
        if (buf && (size_t)read(fd, buf, len) != len) snprintf(why, sizeof(why), "cannot be read");
        else if (buf) rc = mdcParseRecord(buf, len, key, kind, v, n, why, sizeof(why));
        if (rc != CB_OK) logEvent(LOG_WARN, "model.cache_ignored", "file=%s why=\"%s\" msg=\"training instead\"",
                                  path, why);
        free(buf);
    }
    if (fd >= 0) close(fd);
    free(path);
    return rc;
}

const char *engCacheDir(const char *configured, char *buf, size_t buflen) {
    const char *c = configured && *configured && strcmp(configured, "auto") != 0
                        ? configured
                        : getenv("CAREERBOT_KNOWLEDGE_CACHE_DIR");
    if (c && *c && strcmp(c, "auto") != 0) {
        if (strcmp(c, "off") == 0) return NULL;
        snprintf(buf, buflen, "%s", c);
        return buf;
    }
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (x && *x == '/') snprintf(buf, buflen, "%s/careerbot", x);
    else if (home && *home == '/') snprintf(buf, buflen, "%s/.cache/careerbot", home);
    else return NULL;
    return buf;
}
