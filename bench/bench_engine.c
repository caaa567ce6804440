/* bench_engine.c - speed of the matcher: on the bundled knowledge (load +
 * index time, p50/p99 per query over the eval questions, autocomplete),
 * then on generated knowledge bases of 1k, 10k and 100k entries (built in
 * memory from a plausible vocabulary; each size in its own child process so
 * its peak RSS is its own), then the same generated knowledge of 10k and
 * 100k entries on disk: written as a CSV spreadsheet, turned into entry
 * files by `kb import` (kbImport), loaded with the real loader (kbLoad)
 * and indexed. Prints tables; not a test (targets, issue 13: 10k entries
 * p99 <= 1 ms, build <= 60 s, RSS <= 200 MB; 100k entries load; bundled
 * p99 <= 50 us). */
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/common.h"
#include "base/heap.h"
#include "kb/kb.h"
#include "kb/kb_export.h"
#include "match/engine.h"

#define MAXQ 4096

static int cmpD(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p) {
    if (!n) return 0;
    qsort(v, n, sizeof(*v), cmpD);
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i];
}

static long rssMb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

/* Time every query `rounds` times; p50/p99 in microseconds. */
static void timeQueries(const engIndex *ix, char **qs, size_t nq, int rounds, double *p50,
                        double *p99) {
    double *t = cbMalloc(nq * (size_t)rounds * sizeof(*t));
    size_t n = 0;
    engResult r;
    char err[CB_ERRLEN];
    for (int k = 0; k < rounds; k++)
        for (size_t i = 0; i < nq; i++) {
            double t0 = cbNowUs();
            engQuery(ix, qs[i], strlen(qs[i]), NULL, 5, &r, err);
            t[n++] = cbNowUs() - t0;
        }
    *p50 = pct(t, n, 0.50);
    *p99 = pct(t, n, 0.99);
    free(t);
}

static size_t loadEvalQueries(char **qs, size_t max) {
    size_t n = 0;
    const char *files[] = {"tests/eval/dev.jsonl", "tests/eval/fresh.jsonl"};
    for (size_t f = 0; f < CB_ARRAY_LEN(files); f++) {
        FILE *fp = fopen(files[f], "r");
        char line[4096];
        while (fp && n < max && fgets(line, sizeof(line), fp)) {
            json_t *o = json_loads(line, 0, NULL);
            const char *q = json_string_value(json_object_get(o, "q"));
            if (q) qs[n++] = cbStrdup(q);
            json_decref(o);
        }
        if (fp) fclose(fp);
    }
    return n;
}

static void benchBundled(const char *dir) {
    cbDiags d;
    cbDiagsInit(&d);
    double t0 = cbNowMs();
    kb *k = kbLoad(dir, &d);
    double tl = cbNowMs() - t0;
    cbDiagsFree(&d);
    if (!k) {
        printf("bundled knowledge in %s does not load (run `careerbot kb check`)\n", dir);
        return;
    }
    char err[CB_ERRLEN];
    t0 = cbNowMs();
    engIndex *ix = engBuild(k, NULL, err);
    double ti = cbNowMs() - t0;
    if (!ix) {
        printf("index build failed: %s\n", err);
        kbFree(k);
        return;
    }
    static char *qs[MAXQ];
    size_t nq = loadEvalQueries(qs, MAXQ);
    double p50 = 0, p99 = 0, c50, c99;
    if (nq) timeQueries(ix, qs, nq, 20, &p50, &p99);
    const char *parts[] = {"boot", "is a bootcamp w", "django or fl", "how do i get a j",
                           "salary for a sen", "cert", "stay cur", "open sou"};
    double ct[8 * 200];
    size_t cn = 0;
    const kbEntry *out[25];
    for (int r = 0; r < 200; r++)
        for (size_t i = 0; i < CB_ARRAY_LEN(parts); i++) {
            double s = cbNowUs();
            engComplete(ix, parts[i], strlen(parts[i]), 25, out);
            ct[cn++] = cbNowUs() - s;
        }
    c50 = pct(ct, cn, 0.5);
    c99 = pct(ct, cn, 0.99);
    printf("bundled knowledge: %zu entries, kbLoad %.1f ms, index %.2f ms\n", k->nentries, tl, ti);
    printf("  engQuery    %zu eval questions x 20: p50 %.1f us, p99 %.1f us (target p99 < 50 us)\n",
           nq, p50, p99);
    printf("  engComplete %zu partials x 200:      p50 %.1f us, p99 %.1f us (target p99 < 2000 us)\n",
           CB_ARRAY_LEN(parts), c50, c99);
    for (size_t i = 0; i < nq; i++) free(qs[i]);
    engFree(ix);
    kbFree(k);
}

/* ---- generated knowledge ---- */
static const char *const BASE[] = {
    "python", "django", "flask", "fastapi", "career", "job", "salary", "senior", "junior",
    "bootcamp", "certification", "aws", "cloud", "interview", "resume", "portfolio", "open",
    "source", "remote", "freelance", "data", "science", "machine", "learning", "engineer",
    "developer", "backend", "frontend", "devops", "testing", "typing", "async", "sql",
    "database", "degree", "course", "mentor", "review", "promotion", "skills", "team", "lead",
    "startup", "company", "hiring", "market", "demand", "niche", "specialize", "generalist",
    "roadmap", "beginner", "switch", "experience", "project", "contribute", "github", "network",
    "conference", "meetup", "podcast", "newsletter", "release", "library", "framework", "api",
    "automation", "scripting", "security", "pandas", "numpy", "pytorch", "kubernetes", "docker",
};

static unsigned long long rngState = 88172645463325252ULL;
static unsigned long long rnd(void) {
    rngState ^= rngState << 13;
    rngState ^= rngState >> 7;
    rngState ^= rngState << 17;
    return rngState;
}
static double rndU(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

typedef struct genVocab {
    char **w;
    size_t n;
} genVocab;

static int isStop(const kbStrs *stop, const char *w) {
    for (size_t i = 0; i < stop->n; i++)
        if (strcmp(stop->v[i], w) == 0) return 1;
    return 0;
}

/* The words: BASE, then made of syllables, never a stop word ("mu" +
 * "st"), which as a keyword would only make kb check warn. */
static void vocabMake(genVocab *v, size_t n) {
    static const char *syl[] = {"ka", "lo", "ri", "te", "mu", "sa", "ven", "dor", "pli", "tra",
                                "on", "el", "qua", "bri", "st", "nu", "gar", "fe", "zo", "ph"};
    kbStrs stop;
    kbStopWordsBuiltIn(&stop);
    v->n = n;
    v->w = cbMalloc(n * sizeof(*v->w));
    for (size_t i = 0; i < n; i++) {
        if (i < CB_ARRAY_LEN(BASE)) {
            v->w[i] = cbStrdup(BASE[i]);
            continue;
        }
        char b[32];
        do {
            b[0] = '\0';
            int ns = 2 + (int)(rnd() % 3);
            for (int s = 0; s < ns; s++) strcat(b, syl[rnd() % CB_ARRAY_LEN(syl)]);
        } while (isStop(&stop, b));
        v->w[i] = cbStrdup(b);
    }
    kbStrsFree(&stop);
}

/* Zipf-like: frequent words early in the list. */
static const char *word(const genVocab *v) {
    double u = rndU();
    return v->w[(size_t)((double)v->n * u * u * u)];
}

static char *sentence(const genVocab *v, int nw, const char *prefix) {
    char *s = cbStrdup(prefix);
    for (int i = 0; i < nw; i++) {
        char *t = cbSprintf("%s%s%s", s, *s ? " " : "", word(v));
        free(s);
        s = t;
    }
    return s;
}

static kbStrs strs(const genVocab *v, size_t n, int nw) {
    kbStrs s = {cbMalloc(n * sizeof(char *)), n};
    for (size_t i = 0; i < n; i++) s.v[i] = sentence(v, nw + (int)(rnd() % 3), "");
    return s;
}

/* What the loader wants of an entry file besides the text: a source, a
 * link and a review date (today: no staleness warnings). */
static void genRefs(kbEntry *e, size_t i, const char *today) {
    e->sources = cbCalloc(1, sizeof(*e->sources));
    e->sources[0] = (kbSource){.title = cbSprintf("Source %zu", i),
                               .url = cbSprintf("https://example.org/s/%zu", i)};
    e->nsources = 1;
    e->links = cbCalloc(1, sizeof(*e->links));
    e->links[0] = (kbLink){.title = cbSprintf("Read more %zu", i),
                           .url = cbSprintf("https://example.org/l/%zu", i)};
    e->nlinks = 1;
    e->updated = cbStrdup(today);
}

static kb *genKb(size_t n, const genVocab *v) {
    kb *k = cbCalloc(1, sizeof(*k));
    k->entries = cbCalloc(n, sizeof(*k->entries));
    k->nentries = n;
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    strftime(today, sizeof(today), "%Y-%m-%d", gmtime_r(&now, &tm));
    for (size_t i = 0; i < n; i++) {
        kbEntry *e = &k->entries[i];
        e->topic = cbSprintf("topic%02zu", i % 20);
        e->id = cbSprintf("%s/entry-%06zu", e->topic, i);
        genRefs(e, i, today);
        e->question = sentence(v, 5 + (int)(rnd() % 4), "how do i");
        e->alternates = strs(v, 5, 5);
        e->keywords = strs(v, 4, 1);
        e->answer = sentence(v, 60 + (int)(rnd() % 40), "");
        e->summary = sentence(v, 12, "");
        if (i % 500 == 0) {
            e->patterns.v = cbMalloc(sizeof(char *));
            e->patterns.v[0] = cbSprintf("\\b%s\\s+%s\\b", word(v), word(v));
            e->patterns.n = 1;
        }
    }
    static char *g1[] = {"aws", "amazon web services"}, *g2[] = {"ml", "machine learning"},
                *g3[] = {"bootcamp", "coding school"};
    static kbStrs syn[] = {{g1, 2}, {g2, 2}, {g3, 2}};
    k->synonyms = syn;
    k->nsynonyms = CB_ARRAY_LEN(syn);
    return k;
}

static void genFree(kb *k) {
    for (size_t i = 0; i < k->nentries; i++) kbEntryFree(&k->entries[i]);
    free(k->entries);
    free(k);
}

/* Questions like users'; most paraphrase an entry (a word dropped, one
 * typo), the rest are random words. */
static size_t genQueries(const kb *k, const genVocab *v, char **qs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (rnd() % 10 < 3) {
            qs[i] = sentence(v, 4 + (int)(rnd() % 3), "what about");
            continue;
        }
        const kbEntry *e = &k->entries[rnd() % k->nentries];
        const char *src = e->alternates.n && rnd() % 2 ? e->alternates.v[0] : e->question;
        char *q = cbStrdup(src);
        size_t l = strlen(q);
        if (l > 12) { /* one transposition typo */
            size_t p = 9 + rnd() % (l - 11);
            if (q[p] != ' ' && q[p + 1] != ' ') {
                char c = q[p];
                q[p] = q[p + 1];
                q[p + 1] = c;
            }
        }
        qs[i] = q;
    }
    return n;
}

static void vocabFree(genVocab *v) {
    for (size_t i = 0; i < v->n; i++) free(v->w[i]);
    free(v->w);
}

/* The vocabulary of the generated knowledge of n entries (the random
 * state seeded for n: the same knowledge every run and in every child). */
static void vocabFor(size_t n, genVocab *v) {
    rngState = 88172645463325252ULL ^ n;
    vocabMake(v, 3000 + n / 5);
}

/* Query timing on an index; prints p50, p99 and the peak RSS. */
static void benchQueries(const engIndex *ix, const kb *k, const genVocab *v) {
    static char *qs[2000];
    size_t nq = genQueries(k, v, qs, CB_ARRAY_LEN(qs));
    double p50, p99;
    timeQueries(ix, qs, nq, k->nentries >= 100000 ? 1 : 3, &p50, &p99);
    printf("  %9.1f  %9.1f  %8ld\n", p50, p99, rssMb());
    fflush(stdout);
    for (size_t i = 0; i < nq; i++) free(qs[i]);
}

static void benchSize(size_t n) {
    genVocab v;
    vocabFor(n, &v);
    kb *k = genKb(n, &v);
    char err[CB_ERRLEN];
    double t0 = cbNowMs();
    engIndex *ix = engBuild(k, NULL, err);
    double ti = cbNowMs() - t0;
    if (!ix) {
        printf("%8zu  index build failed: %s\n", n, err);
        return;
    }
    printf("%8zu  %10.1f", n, ti);
    benchQueries(ix, k, &v);
    engFree(ix);
    genFree(k);
    vocabFree(&v);
}

/* ---- the same knowledge on disk ---- */

/* Write the generated knowledge of n entries as a CSV file (what
 * `kb export --format csv` writes). */
static int writeCsv(size_t n, const char *path) {
    genVocab v;
    vocabFor(n, &v);
    kb *k = genKb(n, &v);
    char err[CB_ERRLEN];
    char *csv = kbExportCsv(k, ',', err);
    FILE *f = csv ? fopen(path, "wb") : NULL;
    int rc = f && fputs(csv, f) >= 0 ? CB_OK : CB_ERR;
    if (f && fclose(f) != 0) rc = CB_ERR;
    if (rc != CB_OK) printf("%8zu  cannot write %s: %s\n", n, path, csv ? "I/O error" : err);
    free(csv);
    genFree(k);
    vocabFree(&v);
    return rc;
}

/* `kb import FILE.csv --out dir`: the entry files (one child process). */
static void benchImport(size_t n, const char *csv, const char *dir) {
    cbDiags d;
    cbDiagsInit(&d);
    char err[CB_ERRLEN];
    double t0 = cbNowMs();
    int rc = kbImport(csv, dir, 0, &d, err);
    double ms = cbNowMs() - t0;
    if (rc != CB_OK) printf("%8zu  kb import failed: %s (%s)\n", n, err, d.n ? d.v[0].msg : "");
    else printf("%8zu  %10.0f  %8ld  %5zu", n, ms, rssMb(), d.n);
    fflush(stdout);
    cbDiagsFree(&d);
    _exit(rc == CB_OK ? 0 : 1);
}

/* kbLoad + engBuild of the files, then queries (another child). */
static void benchLoad(size_t n, const char *dir) {
    cbDiags d;
    cbDiagsInit(&d);
    double t0 = cbNowMs();
    kb *k = kbLoad(dir, &d);
    double tl = cbNowMs() - t0;
    if (!k) printf("  load failed: %s\n", d.n ? d.v[0].msg : "?");
    cbDiagsFree(&d);
    if (!k) _exit(1);
    char err[CB_ERRLEN];
    t0 = cbNowMs();
    engIndex *ix = engBuild(k, NULL, err);
    double ti = cbNowMs() - t0;
    if (!ix) printf("  index build failed: %s\n", err);
    else printf("  %9.0f  %9.0f", tl, ti);
    genVocab v;
    vocabFor(n, &v);
    if (ix) benchQueries(ix, k, &v);
    _exit(ix ? 0 : 1);
}

static int runChild(void (*fn)(size_t, const char *, const char *), size_t n, const char *a,
                    const char *b) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) fn(n, a, b);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0) return CB_ERR;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? CB_OK : CB_ERR;
}

static void importChild(size_t n, const char *csv, const char *dir) { benchImport(n, csv, dir); }
static void loadChild(size_t n, const char *dir, const char *unused) {
    (void)unused;
    benchLoad(n, dir);
}

static int rmOne(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static void benchDisk(size_t n) {
    char tmp[] = "/tmp/careerbot-bench-XXXXXX";
    if (!mkdtemp(tmp)) {
        printf("%8zu  cannot create a temporary directory\n", n);
        return;
    }
    char *csv = cbSprintf("%s/kb.csv", tmp), *dir = cbSprintf("%s/kb", tmp);
    if (writeCsv(n, csv) == CB_OK && runChild(importChild, n, csv, dir) == CB_OK)
        runChild(loadChild, n, dir, NULL);
    printf("\n");
    nftw(tmp, rmOne, 16, FTW_DEPTH | FTW_PHYS);
    free(csv);
    free(dir);
}

static void benchMemory(void) {
    printf("\ngenerated knowledge (in memory; 5 alternates, 4 keywords, ~80-word answers)\n");
    printf("%8s  %10s  %9s  %9s  %8s\n", "entries", "index ms", "p50 us", "p99 us", "RSS MB");
    size_t sizes[] = {1000, 10000, 100000};
    for (size_t i = 0; i < CB_ARRAY_LEN(sizes); i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            benchSize(sizes[i]);
            _exit(0);
        }
        int st;
        if (pid > 0) waitpid(pid, &st, 0);
    }
}

/* bench_engine [KNOWLEDGE_DIR [disk|bundled]]: "disk" runs only the
 * on-disk part, "bundled" only the given knowledge (a quick A/B of two
 * knowledge folders); bench_engine csv N FILE writes the generated
 * knowledge of N entries as a CSV file (for `careerbot kb import FILE
 * --out DIR` by hand). */
int main(int argc, char **argv) {
    heapStartupBegin(); /* the heap as the program has it (bot/cli/main.c) */
    if (argc == 4 && strcmp(argv[1], "csv") == 0)
        return writeCsv(strtoul(argv[2], NULL, 10), argv[3]) == CB_OK ? 0 : 1;
    const char *dir = argc > 1 ? argv[1] : "knowledge";
    if (argc > 2 && strcmp(argv[2], "bundled") == 0) {
        benchBundled(dir);
        return 0;
    }
    int disk_only = argc > 2 && strcmp(argv[2], "disk") == 0;
    if (!disk_only) {
        benchBundled(dir);
        benchMemory();
    }
    printf("\ngenerated knowledge on disk (kb import of a CSV into entry files, then kbLoad + "
           "index; import and load each in its own process)\n");
    printf("%8s  %10s  %8s  %5s  %9s  %9s  %9s  %9s  %8s\n", "entries", "import ms", "RSS MB",
           "diags", "load ms", "index ms", "p50 us", "p99 us", "RSS MB");
    size_t disk[] = {10000, 100000};
    for (size_t i = 0; i < CB_ARRAY_LEN(disk); i++) benchDisk(disk[i]);
    printf("targets (issue 13): 10k entries p99 <= 1000 us, build <= 60 s, RSS <= 200 MB; "
           "100k entries load\n");
    return 0;
}
