/* test_kb_lint.c - the kb check findings for what loads but misleads, each
 * at its file:line:col: a pattern that matches nearly anything (tried on
 * the unrelated sentences in bot/kb/kb_check_data.txt), the patterns that
 * claim a line of out-of-scope.txt or another entry's phrasing (for kb
 * check's report, not a load warning), an `updated` date
 * in the future, a term in two synonym groups, an entry copied from
 * another (answer or question), and a FIFO in the folder (an error, not a
 * hang). Each case also has its negative: the specific pattern, today's
 * date, disjoint groups, different answers stay quiet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/common.h"
#include "kb/kb.h"
#include "test_kb_util.h"

#define SRC "sources:\n  - title: T\n    url: https://example.org/t\n"
#define LINKS "links:\n  - title: L\n    url: https://example.org/l\n"

/* A temp folder with topic t and the given entries ("slug", "file text"). */
static char *kbDir(const char *const *files, size_t n) {
    char *dir = ktTempDir();
    char *t = cbSprintf("%s/t", dir);
    mkdir(t, 0755);
    char *tj = cbSprintf("%s/_topic.json", t);
    ktWrite(tj, "{\"title\": \"T\", \"description\": \"Test topic.\"}\n");
    for (size_t i = 0; i + 1 < n; i += 2) {
        char *f = cbSprintf("%s/%s.md", t, files[i]);
        ktWrite(f, files[i + 1]);
        free(f);
    }
    free(tj);
    free(t);
    return dir;
}

/* Load dir on 2025-06-01; the warnings containing text, as "file:line:col". */
static size_t warnings(const char *dir, const char *text, char *first, size_t cap) {
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {.now = ktDay("2025-06-01")};
    kb *k = kbLoadWith(dir, &o, &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    assert_non_null(k);
    size_t n = 0;
    for (size_t i = 0; i < d.n; i++) {
        if (d.v[i].severity != CB_DIAG_WARNING || !strstr(d.v[i].msg, text)) continue;
        const char *base = strrchr(d.v[i].file, '/');
        if (!n++ && first) snprintf(first, cap, "%s:%d:%d", base ? base + 1 : d.v[i].file,
                                    d.v[i].line, d.v[i].col);
    }
    kbFree(k);
    cbDiagsFree(&d);
    return n;
}

/* The entries files (kbDir's pairs) give n warnings holding text, the
 * first at where ("file:line:col"). */
static void expectWarnings(const char *const *files, size_t nfiles, const char *text, size_t n,
                           const char *where) {
    char *dir = kbDir(files, nfiles);
    char first[256] = "";
    assert_int_equal(warnings(dir, text, first, sizeof(first)), n);
    assert_string_equal(first, where);
    ktRmTree(dir);
    free(dir);
}

static void test_broad_pattern(void **state) {
    (void)state;
    const char *files[] = {
        "broad", "---\nquestion: Is a broad pattern caught?\nsummary: Yes.\npatterns:\n"
                 "  - '\\bpcep\\b'\n  - '\\b(the|a|is|how|do)\\b'\n" SRC LINKS
                 "updated: 2025-05-01\n---\nIt is.\n",
        "narrow", "---\nquestion: Is a narrow pattern fine?\nsummary: Yes.\npatterns:\n"
                  "  - '\\bpython\\b.*\\b(career|salary)\\b'\n" SRC LINKS
                  "updated: 2025-05-01\n---\nIt is fine.\n"};
    /* the second pattern, not the first */
    expectWarnings(files, CB_ARRAY_LEN(files), "matches nearly anything", 1, "broad.md:6:5");
}

/* A pattern that gives up under the bot's match limits on long text (a
 * repeat inside a repeat) is warned at its line; an ordinary one, even
 * with .* between words, is not. */
static void test_slow_pattern(void **state) {
    (void)state;
    const char *files[] = {
        "slow", "---\nquestion: Is a pattern that backtracks caught?\nsummary: Yes.\n"
                "alternates: [does a catastrophic regex get a warning]\npatterns:\n"
                "  - '\\bpcep\\b.*\\bworth\\b'\n  - '^(\\w+\\s?)*$'\n  - '(a|aa)+$'\n" SRC LINKS
                "updated: 2025-05-01\n---\nIt is.\n",
        "fine", "---\nquestion: Is a careful pattern fine?\nsummary: Yes.\npatterns:\n"
                "  - '\\bpython\\b.*\\b(career|salary)\\b.*\\?'\n" SRC LINKS
                "updated: 2025-05-01\n---\nIt is fine.\n"};
    /* the second and third patterns, not the first */
    expectWarnings(files, CB_ARRAY_LEN(files), "gives up on long questions", 2, "slow.md:7:5");
}

/* kbPatternConflicts (for kb check's report): a pattern that claims a line
 * of out-of-scope.txt, or another entry's alternate, is reported with the
 * line and the entry; a pattern that claims neither is not; the load
 * itself warns about none of them (they are not the running bot's log). */
typedef struct claims {
    char seen[4][160];
    size_t n;
} claims;

static void onClaim(void *ud, const kbEntry *e, size_t p, const char *line, const kbEntry *other) {
    claims *c = ud;
    if (c->n < 4)
        snprintf(c->seen[c->n], sizeof(c->seen[0]), "%s/%zu %s <- %s", e->id, p,
                 other ? other->id : "oos", line);
    c->n++;
}

static void test_pattern_conflicts(void **state) {
    (void)state;
    const char *files[] = {
        "remote", "---\nquestion: Can a Python developer work remotely?\nsummary: Yes.\n"
                  "alternates:\n  - remote python jobs\npatterns:\n"
                  "  - '\\bremote\\b.*\\bdevelopers?\\b'\n  - '\\bpcep\\b'\n" SRC LINKS
                  "updated: 2025-05-01\n---\nOften.\n",
        "reviews", "---\nquestion: How do I take code review feedback?\nsummary: Calmly.\n"
                   "alternates:\n  - my code reviews are harsh\npatterns:\n"
                   "  - '\\bcode reviews?\\b'\n" SRC LINKS "updated: 2025-05-01\n---\nCalmly.\n",
        "colleagues", "---\nquestion: How do I handle a difficult coworker?\nsummary: Talk.\n"
                      "alternates:\n  - a senior keeps belittling me in code reviews\n" SRC LINKS
                      "updated: 2025-05-01\n---\nTalk to them.\n"};
    char *dir = kbDir(files, CB_ARRAY_LEN(files));
    char *oos = cbSprintf("%s/out-of-scope.txt", dir);
    ktWrite(oos, "# declined\n[hiring]\nis netflix hiring remote developers\nwhat is a monad\n");
    assert_int_equal(warnings(dir, "this pattern matches", NULL, 0), 0);
    cbDiags d;
    cbDiagsInit(&d);
    kbLoadOpts o = {.now = ktDay("2025-06-01")};
    kb *k = kbLoadWith(dir, &o, &d);
    assert_non_null(k);
    claims c = {.n = 0};
    assert_int_equal(kbPatternConflicts(k, onClaim, &c), 2);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.seen[0], "t/remote/0 oos <- is netflix hiring remote developers");
    assert_string_equal(c.seen[1],
                        "t/reviews/0 t/colleagues <- a senior keeps belittling me in code reviews");
    kbFree(k);
    cbDiagsFree(&d);
    free(oos);
    ktRmTree(dir);
    free(dir);
}

static void test_future_date(void **state) {
    (void)state;
    const char *files[] = {
        "future", "---\nquestion: Dated ahead?\nsummary: Yes.\n" SRC LINKS
                  "updated: 2025-06-02\n---\nA date after today.\n",
        "today", "---\nquestion: Dated today?\nsummary: Yes.\n" SRC LINKS
                 "updated: 2025-06-01\n---\nToday is fine.\n"};
    char *dir = kbDir(files, CB_ARRAY_LEN(files));
    char where[256] = "";
    assert_int_equal(warnings(dir, "is in the future (today is 2025-06-01)", where, sizeof(where)), 1);
    assert_string_equal(where, "future.md:10:10");
    ktRmTree(dir);
    free(dir);
}

static void test_synonym_in_two_groups(void **state) {
    (void)state;
    const char *files[] = {"a", "---\nquestion: Q?\nsummary: S.\n" SRC LINKS
                                "updated: 2025-05-01\n---\nAn answer.\n"};
    char *dir = kbDir(files, CB_ARRAY_LEN(files));
    char *syn = cbSprintf("%s/synonyms.json", dir);
    ktWrite(syn, "[\n  [\"ml\", \"machine learning\"],\n  [\"ai\", \"artificial intelligence\"],\n"
                 "  [\"ML\", \"statistics\"]\n]\n");
    char where[256] = "";
    assert_int_equal(warnings(dir, "is also in synonym group 1 (line 2)", where, sizeof(where)), 1);
    assert_string_equal(where, "synonyms.json:4:4");
    ktWrite(syn, "[[\"ml\", \"machine learning\"], [\"ai\", \"artificial intelligence\"]]\n");
    assert_int_equal(warnings(dir, "synonym group", NULL, 0), 0);
    ktRmTree(dir);
    free(syn);
    free(dir);
}

#define ANSWER "Bootcamps suit people who need structure, deadlines and a cohort; they cost " \
               "money and weeks of full-time work, and they do not replace a portfolio of " \
               "projects that show what you can build on your own."

static void test_copied_entry(void **state) {
    (void)state;
    const char *files[] = {
        "a-original", "---\nquestion: Is a coding bootcamp worth the money?\nsummary: S.\n" SRC LINKS
                      "updated: 2025-05-01\n---\n" ANSWER "\n",
        "b-copy", "---\nquestion: Should I pay for a bootcamp?\nsummary: S.\n" SRC LINKS
                  "updated: 2025-05-01\n---\n\n" ANSWER " Really.\n",
        "c-asked-again", "---\nquestion: Is a coding bootcamp worth the money really?\nsummary: S.\n"
                         SRC LINKS "updated: 2025-05-01\n---\nA different answer about "
                         "something else entirely, written in other words.\n",
        "d-own", "---\nquestion: How do I pick an online course?\nsummary: S.\n" SRC LINKS
                 "updated: 2025-05-01\n---\nLook at the syllabus, the projects and who teaches it.\n"};
    char *dir = kbDir(files, CB_ARRAY_LEN(files));
    char where[256] = "";
    assert_int_equal(warnings(dir, "this answer is nearly a copy of t/a-original's", where, sizeof(where)), 1);
    assert_string_equal(where, "b-copy.md:13:1");
    assert_int_equal(warnings(dir, "this question is nearly the same as t/a-original's", where,
                              sizeof(where)), 1);
    assert_string_equal(where, "c-asked-again.md:2:11");
    ktRmTree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broad_pattern),
        cmocka_unit_test(test_slow_pattern),
        cmocka_unit_test(test_pattern_conflicts),
        cmocka_unit_test(test_future_date),
        cmocka_unit_test(test_synonym_in_two_groups),
        cmocka_unit_test(test_copied_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
