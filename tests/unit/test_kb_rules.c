/* test_kb_rules.c - editorial rules for the curated knowledge base and the
 * eval set. The loader (kb.c) checks that files are well formed; this test
 * checks what a maintainer could get wrong while still producing a valid
 * file: the house rules (`kb check --rules`: answer length, alternates,
 * keywords, related, links, updated), sources, required ids missing, and
 * eval queries that were
 * copied from an entry's question or alternates (which would make the eval
 * measure memorisation instead of matching). Runs from the repo root on the
 * real ./knowledge and the tests/eval JSONL files. */
#include <ctype.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/common.h"
#include "kb/kb.h"

#define KB_DIR "knowledge"
#define EVAL_GLOB "tests/eval/*.jsonl"
#define MIN_ENTRIES 40
#define MIN_EVAL_IN_SCOPE 200
#define MIN_EVAL_PER_ID 6
#define MIN_EVAL_OUT_OF_SCOPE 50
#define MAX_EVAL_LINE 8192
#define MAX_PROBLEMS_SHOWN 40

/* The only source allowed without a url (see knowledge/README.md). */
static const char *SEED_TITLE = "Python developer career growth: key takeaways (2026 article)";

static const char *REQUIRED_IDS[] = {
    "frameworks/backend-frameworks", "frameworks/django-vs-flask", "frameworks/fastapi",
    "frameworks/ml-libraries", "bootcamps/worth-it", "bootcamps/choosing",
    "bootcamps/online-courses", "certifications/value", "certifications/cloud",
    "certifications/python", "certifications/ml", "staying-current/overview",
    "staying-current/newsletters-podcasts", "staying-current/meetups-conferences",
    "experience/without-a-job", "experience/open-source", "experience/portfolio-projects",
    "career/demand", "career/specialize-or-generalize", "career/high-paying-niches",
    "career/salary", "career/mlops", "career/code-reviews", "career/senior-roles",
    "career/devops-python", "career/cybersecurity-python",
};

/* ---- helpers (tested below on their own) ---- */

/* Lower-case ASCII letters, drop ASCII punctuation, collapse whitespace.
 * Bytes >= 0x80 (UTF-8) are kept as they are. Caller frees. */
static char *normQuery(const char *s) {
    char *out = cbMalloc(strlen(s) + 1);
    size_t o = 0;
    int pending_space = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x80 && ispunct(c)) continue;
        if (isspace(c)) {
            pending_space = o > 0;
            continue;
        }
        if (pending_space) out[o++] = ' ';
        pending_space = 0;
        out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
    return out;
}

static int isHttpUrl(const char *u) {
    return u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) &&
           strlen(u) > 10 && !strpbrk(u, " \t\n");
}

/* Problems are collected so one run reports every bad entry, not just the
 * first; the test fails at the end if there were any. */
typedef struct problems {
    size_t n;
} problems;

static void problem(problems *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(problems *p, const char *fmt, ...) {
    if (p->n++ < MAX_PROBLEMS_SHOWN) {
        va_list ap;
        va_start(ap, fmt);
        fputs("  problem: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
}

/* ---- fixture: the real knowledge base ---- */

static int setupKb(void **state) {
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(KB_DIR, &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    cbDiagsFree(&d);
    *state = k;
    return k ? 0 : -1;
}

static int teardownKb(void **state) {
    kbFree(*state);
    return 0;
}

/* ---- helper tests (table-driven) ---- */

static void test_helpers_normalize(void **state) {
    (void)state;
    static const struct { const char *in, *out; } cases[] = {
        {"Django vs Flask?", "django vs flask"},
        {"  is  FastAPI,   worth it!! ", "is fastapi worth it"},
        {"what's new", "whats new"},
        {"café\tTIME", "café time"},
        {"", ""},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        char *n = normQuery(cases[i].in);
        assert_string_equal(n, cases[i].out);
        free(n);
    }
    assert_true(isHttpUrl("https://docs.djangoproject.com/"));
    assert_false(isHttpUrl("ftp://example.org/"));
    assert_false(isHttpUrl("https://"));
    assert_false(isHttpUrl(NULL));
}

/* ---- knowledge rules ---- */

static void test_kb_entry_count(void **state) {
    const kb *k = *state;
    assert_true(k->nentries >= MIN_ENTRIES);
}

static void test_kb_required_ids(void **state) {
    const kb *k = *state;
    problems p = {0};
    for (size_t i = 0; i < CB_ARRAY_LEN(REQUIRED_IDS); i++)
        if (!kbFindEntry(k, REQUIRED_IDS[i])) problem(&p, "missing required entry %s", REQUIRED_IDS[i]);
    assert_int_equal(p.n, 0);
}

static void checkSources(const kbEntry *e, problems *p) {
    if (e->nsources < 1) problem(p, "%s: needs at least one source", e->path);
    for (size_t i = 0; i < e->nsources; i++) {
        const kbSource *s = &e->sources[i];
        if (!s->title || !*s->title) problem(p, "%s: source %zu has no title", e->path, i + 1);
        if (s->url && !isHttpUrl(s->url))
            problem(p, "%s: source %zu url is not http(s): %s", e->path, i + 1, s->url);
        if (!s->url && (!s->title || strcmp(s->title, SEED_TITLE) != 0))
            problem(p, "%s: source %zu has no url (only the seed article may omit it)", e->path,
                    i + 1);
    }
}

static void checkEntry(const kbEntry *e, problems *p) {
    checkSources(e, p);
    for (size_t i = 0; i < e->nlinks; i++)
        if (!isHttpUrl(e->links[i].url) || !e->links[i].title || !*e->links[i].title)
            problem(p, "%s: link %zu needs a title and an http(s) url", e->path, i + 1);
    if (!e->question || !*e->question) problem(p, "%s: needs a question", e->path);
}

/* The house rules (counts, words, updated) are `kb check --rules`'s, one
 * definition for this test and a knowledge repository's CI. */
static void test_kb_entry_rules(void **state) {
    const kb *k = *state;
    problems p = {0};
    for (size_t i = 0; i < k->nentries; i++) checkEntry(&k->entries[i], &p);
    cbDiags d;
    cbDiagsInit(&d);
    size_t broken = kbRulesCheck(k, &d);
    if (broken) cbDiagsPrint(&d, "text", stderr);
    cbDiagsFree(&d);
    if (p.n) fprintf(stderr, "%zu problem(s) in %s\n", p.n, KB_DIR);
    assert_int_equal(p.n, 0);
    assert_int_equal(broken, 0);
}

static void test_kb_topics_described(void **state) {
    const kb *k = *state;
    problems p = {0};
    for (size_t i = 0; i < k->nentries; i++) {
        const kbTopic *t = kbFindTopic(k, k->entries[i].topic);
        if (!t || !t->title || !*t->title || !t->description || !*t->description)
            problem(&p, "%s: topic %s lacks a titled _topic.json", k->entries[i].path,
                    k->entries[i].topic);
    }
    assert_int_equal(p.n, 0);
}

/* ---- eval set ---- */

typedef struct evalStats {
    size_t in_scope, out_of_scope, lines;
    size_t per_required[CB_ARRAY_LEN(REQUIRED_IDS)];
} evalStats;

static int sameAsEntryText(const kb *k, const char *nq, const char **which) {
    for (size_t i = 0; i < k->nentries; i++) {
        const kbEntry *e = &k->entries[i];
        for (size_t j = 0; j <= e->alternates.n; j++) {
            const char *t = j == 0 ? e->question : e->alternates.v[j - 1];
            char *nt = normQuery(t);
            int same = strcmp(nt, nq) == 0;
            free(nt);
            if (same) {
                *which = e->id;
                return 1;
            }
        }
    }
    return 0;
}

static void countGold(const kb *k, json_t *gold, evalStats *st, const char *where, problems *p) {
    size_t gi;
    json_t *g;
    json_array_foreach(gold, gi, g) {
        const char *id = json_string_value(g);
        if (!id || !kbFindEntry(k, id)) {
            problem(p, "%s: gold id %s does not exist", where, id ? id : "(not a string)");
            continue;
        }
        for (size_t r = 0; r < CB_ARRAY_LEN(REQUIRED_IDS); r++)
            if (strcmp(id, REQUIRED_IDS[r]) == 0) st->per_required[r]++;
    }
}

static void evalLine(const kb *k, const char *line, const char *where, evalStats *st,
                     problems *p) {
    json_error_t jerr;
    json_t *o = json_loads(line, 0, &jerr);
    const char *q = o ? json_string_value(json_object_get(o, "q")) : NULL;
    json_t *gold = o ? json_object_get(o, "gold") : NULL;
    if (!q || !json_is_array(gold)) {
        problem(p, "%s: want {\"q\": \"...\", \"gold\": [...]}", where);
        json_decref(o);
        return;
    }
    st->lines++;
    char *nq = normQuery(q);
    const char *id = NULL;
    if (sameAsEntryText(k, nq, &id))
        problem(p, "%s: query \"%s\" copies the question/an alternate of %s", where, q, id);
    free(nq);
    if (json_array_size(gold) == 0) st->out_of_scope++;
    else st->in_scope++;
    countGold(k, gold, st, where, p);
    json_decref(o);
}

static void evalFile(const kb *k, const char *path, evalStats *st, problems *p) {
    FILE *f = fopen(path, "r");
    if (!f) {
        problem(p, "%s: cannot open", path);
        return;
    }
    char line[MAX_EVAL_LINE];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (strspn(line, " \t\r\n") == strlen(line)) continue;
        char where[512];
        snprintf(where, sizeof where, "%s:%d", path, lineno);
        evalLine(k, line, where, st, p);
    }
    fclose(f);
}

static void test_eval_set(void **state) {
    const kb *k = *state;
    glob_t g;
    assert_int_equal(glob(EVAL_GLOB, 0, NULL, &g), 0);
    evalStats st;
    memset(&st, 0, sizeof st);
    problems p = {0};
    for (size_t i = 0; i < g.gl_pathc; i++) evalFile(k, g.gl_pathv[i], &st, &p);
    globfree(&g);
    for (size_t r = 0; r < CB_ARRAY_LEN(REQUIRED_IDS); r++)
        if (st.per_required[r] < MIN_EVAL_PER_ID)
            problem(&p, "eval: %s has %zu queries (want >= %d)", REQUIRED_IDS[r],
                    st.per_required[r], MIN_EVAL_PER_ID);
    fprintf(stderr, "eval: %zu queries, %zu in scope, %zu out of scope\n", st.lines, st.in_scope,
            st.out_of_scope);
    assert_int_equal(p.n, 0);
    assert_true(st.in_scope >= MIN_EVAL_IN_SCOPE);
    assert_true(st.out_of_scope >= MIN_EVAL_OUT_OF_SCOPE);
}

int main(void) {
    const struct CMUnitTest helpers[] = {
        cmocka_unit_test(test_helpers_normalize),
    };
    const struct CMUnitTest rules[] = {
        cmocka_unit_test(test_kb_entry_count),
        cmocka_unit_test(test_kb_required_ids),
        cmocka_unit_test(test_kb_entry_rules),
        cmocka_unit_test(test_kb_topics_described),
        cmocka_unit_test(test_eval_set),
    };
    int failed = cmocka_run_group_tests_name("kb_rules_helpers", helpers, NULL, NULL);
    failed += cmocka_run_group_tests_name("kb_rules", rules, setupKb, teardownKb);
    return failed ? 1 : 0;
}
