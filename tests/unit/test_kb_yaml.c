/* test_kb_yaml.c - YAML front matter: comments, regexes without doubled
 * backslashes, block scalars and flow lists load; every mistake (a YAML
 * syntax error, a bad type, a broken regex, a duplicate field, an alias, a
 * tag) is reported at its file:line:col; what `kb import` writes reads
 * back to the same strings, however awkward; JSON front matter still
 * loads beside YAML in one folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb.h"
#include "kb/kb_export.h"
#include "kb/kb_int.h"
#include "test_kb_util.h"

#define REST                                                                                    \
    "sources:\n  - title: T\n    url: https://a.org/\nlinks:\n  - {title: L, url: 'https://b.org/'}\n" \
    "updated: 2025-01-01\n"

static void test_yaml_loads(void **state) {
    (void)state;
    static const char doc[] =
        "---\n"
        "# a comment, as maintainers write them\n"
        "question: Is pytest worth learning?   # trailing comment\n"
        "summary: >\n"
        "  Yes: most Python teams use it,\n"
        "  and it shows employers you test.\n"
        "alternates: [should I learn pytest, \"pytest or unittest\"]\n"
        "keywords:\n  - pytest\n"
        "patterns:\n"
        "  - \\bpy ?test\\b.*\\bworth\\b\n"
        "  - '\\bunit ?tests?\\b'\n" REST "---\n"
        "The answer.\n";
    cbDiags d;
    cbDiagsInit(&d);
    kbEntry e;
    int rc = kbParseEntry("y.md", doc, sizeof(doc) - 1, &d, &e);
    if (rc != CB_OK || d.n) cbDiagsPrint(&d, "text", stderr);
    assert_int_equal(rc, CB_OK);
    assert_int_equal(d.n, 0);
    assert_string_equal(e.question, "Is pytest worth learning?");
    assert_string_equal(e.summary, "Yes: most Python teams use it, and it shows employers you test.");
    assert_int_equal(e.alternates.n, 2);
    assert_string_equal(e.alternates.v[1], "pytest or unittest");
    assert_string_equal(e.patterns.v[0], "\\bpy ?test\\b.*\\bworth\\b"); /* one backslash each */
    assert_string_equal(e.patterns.v[1], "\\bunit ?tests?\\b");
    assert_string_equal(e.updated, "2025-01-01"); /* a string, not a YAML 1.1 date */
    assert_string_equal(e.links[0].url, "https://b.org/");
    assert_int_equal(e.question_line, 3);
    assert_int_equal(e.patterns_line, 10);
    assert_int_equal(e.sources[0].url_line, 15);
    assert_int_equal(e.sources[0].url_col, 10);
    assert_int_equal(e.answer_line, 20);
    kbEntryFree(&e);
    cbDiagsFree(&d);
}

typedef struct yCase {
    const char *name, *fm; /* front matter between the '---' lines */
    int line, col;
    const char *text;
} yCase;

static const yCase yTab[] = {
    {"syntax: indentation", "question: Q\n  alternates: [a]\n" REST, 2, 11, "malformed YAML"},
    {"syntax: unclosed quote", "question: 'Q\n" REST, 0, 0, "malformed YAML"},
    {"syntax: unclosed flow", "question: Q\nalternates: [a, b\n" REST, 0, 0, "malformed YAML"},
    /* libfyaml's messages in plain words (kb_yaml_messages.txt), its own after */
    {"plain: colon in a value", "question: Django vs Flask: which first?\n" REST, 2, 26,
     "a ': ' inside the text makes YAML read a second field: put the whole text in single "
     "quotes"},
    {"plain: apostrophe", "question: Q\nalternates:\n  - 'i've used flask'\n" REST, 4, 8,
     "an apostrophe inside single quotes is written twice ('it''s')"},
    {"plain: unclosed quote", "question: Q\nalternates:\n  - 'django vs flask\n  - b\n" REST, 4,
     5, "a text in single quotes is not closed on its line: end it with ' (an apostrophe"},
    {"plain: bracket item", "question: Q\nalternates:\n  - [django] vs flask\n" REST, 4, 14,
     "put the item in single quotes (the YAML parser says: invalid scalar"},
    {"bad type: number", "question: 42\n" REST, 2, 11,
     "'question' must be a text, got a number; put it in quotes to make it text"},
    {"colon in an item", "question: Q\nalternates:\n  - pay: how much\n" REST, 4, 5,
     "but item 1 is fields ('name: value' lines); a ': ' inside makes YAML read it as a field: put the whole text "
     "in single quotes"},
    {"bad type: list", "question: Q\nalternates: just one\n" REST, 3, 13,
     "'alternates' must be a list ('- item' lines, or [a, b]; [] for none), got a text"},
    {"bad type: null", "question:\n" REST, 2, 1,
     "'question' must be a text, got nothing (an empty value): write the text after the ':'"},
    {"bad type: item", "question: Q\nkeywords:\n  - ok\n  - true\n" REST, 5, 5,
     "but item 2 is yes/no (true or false); put it in quotes to make it text"},
    {"empty item", "question: Q\nkeywords:\n  - ok\n  -\n  - fine\n" REST, 5, 3,
     "but item 2 is nothing (an empty value)"},
    {"empty item after a comment", "question: Q\nkeywords:\n  - ok # see - above\n  -\n" REST, 5,
     3, "but item 2 is nothing (an empty value)"},
    {"empty nested field",
     "question: Q\nsources:\n  - title: T\n    url:\nlinks:\n  - {title: L, url: 'https://b.org/'}\n"
     "updated: 2025-01-01\n", 5, 5,
     "'url' must be a text, got nothing (an empty value)"},
    {"broken regex: plain", "question: Q\npatterns:\n  - \\bfoo(bar\n" REST, 4, 14,
     "missing closing parenthesis"},
    {"broken regex: single", "question: Q\npatterns: ['\\bit''s(x']\n" REST, 3, 22,
     "missing closing parenthesis"},
    {"broken regex: double", "question: Q\npatterns: [\"\\\\bx[\"]\n" REST, 3, 18,
     "missing terminating ]"},
    {"duplicate field", "question: Q\nquestion: R\n" REST, 3, 1, "duplicate field 'question'"},
    {"pattern in double quotes", "question: Q\npatterns:\n  - \"\\bfoo\\b\"\n" REST, 4, 5,
     "pattern holds a control character (a backspace), so it can never match"},
    {"item indented too far", "question: Q\nalternates:\n  - one\n    - two\n  - three\n" REST, 5, 5,
     "this line joins list item 1"},
    {"item lost its dash", "question: Q\nkeywords:\n  - one\n  - two\n    three\n" REST, 6, 5,
     "this line joins list item 2"},
    {"joined after a blank line", "question: Q\nkeywords:\n  - one\n\n    two\n" REST, 6, 5,
     "this line joins list item 1"},
    {"alias", "question: &q Q\nalternates: [*q]\n" REST, 3, 14, "aliases (*name)"},
    {"tag", "question: !!str Q\n" REST, 2, 11, "tags (!name)"},
    {"alias as a key", "question: Q\nalternates: [{*k: v}]\n" REST, 3, 15,
     "a field name must be a plain word"}, /* fuzz: once freed its event twice */
    {"list as a key", "question: Q\n? [a]\n: b\n" REST, 0, 0, "a field name must be a plain word"},
    {"unknown field", "question: Q\nqestions: [a]\n" REST, 3, 1, "did you mean 'question'?"},
    {"not a mapping", "- question\n" REST, 0, 0, "malformed YAML"},
    {"a list", "[question, Q]\n", 2, 1, "must be fields like 'question: ...'"},
    {"empty", "# nothing yet\n", 2, 1, "got nothing (an empty value)"},
    {"summary too long",
     "question: Q\nsummary: one two three four five six seven eight nine ten one two three four "
     "five six seven eight nine ten one two three four five six seven eight nine ten one two "
     "three four five six seven eight nine ten eleven\n" REST,
     3, 10, "'summary' has 41 words"},
};

/* A pattern copied with JSON's doubled backslashes into YAML single
 * quotes looks for a backslash character: a warning in the file's own
 * syntax; a backslash escaped on purpose is not one. */
static void test_literal_backslash(void **state) {
    (void)state;
    static const struct {
        const char *doc, *hint;
        int line, col;
    } cases[] = {
        {"---\nquestion: Q\npatterns:\n  - '\\\\bdjango\\\\b'\n" REST "---\nA.\n",
         "in single quotes write one backslash, like '\\bword\\b'", 4, 5},
        {"---\n{\"question\": \"Q\", \"patterns\": [\"\\\\\\\\bdjango\"],\n"
         " \"sources\": [{\"title\": \"T\", \"url\": \"https://a.org/\"}]}\n---\nA.\n",
         "in JSON write two backslashes, like \"\\\\bword\\\\b\"", 2, 32},
        {"---\nquestion: Q\npatterns:\n  - 'C:\\\\\\\\ or \\(\\bx\\b\\)'\n" REST "---\nA.\n", NULL, 0,
         0},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        cbDiags d;
        cbDiagsInit(&d);
        kbEntry e;
        assert_int_equal(kbParseEntry("y.md", cases[i].doc, strlen(cases[i].doc), &d, &e), CB_OK);
        const cbDiag *w = NULL;
        for (size_t k = 0; k < d.n; k++)
            if (strstr(d.v[k].msg, "looks for a backslash character")) w = &d.v[k];
        if (!cases[i].hint) {
            assert_null(w);
        } else {
            if (!w) cbDiagsPrint(&d, "text", stderr);
            assert_non_null(w);
            assert_int_equal(w->severity, CB_DIAG_WARNING);
            assert_non_null(strstr(w->msg, cases[i].hint));
            assert_int_equal(w->line, cases[i].line);
            assert_int_equal(w->col, cases[i].col);
        }
        kbEntryFree(&e);
        cbDiagsFree(&d);
    }
    /* A backspace in JSON front matter: the fix in JSON's syntax. */
    static const char bs[] = "---\n{\"question\": \"Q\", \"patterns\": [\"\\bx\"],\n"
                             " \"sources\": [{\"title\": \"T\", \"url\": \"https://a.org/\"}]}\n"
                             "---\nA.\n";
    cbDiags d;
    cbDiagsInit(&d);
    kbEntry e;
    assert_int_equal(kbParseEntry("y.md", bs, strlen(bs), &d, &e), CB_ERR);
    assert_int_equal(d.nerrors, 1);
    int found = 0;
    for (size_t k = 0; k < d.n; k++)
        found |= strstr(d.v[k].msg, "write each backslash twice, like \"\\\\bword\\\\b\"") != NULL;
    assert_true(found);
    kbEntryFree(&e);
    cbDiagsFree(&d);
}

/* " #word" after a plain value is a YAML comment: the text is cut
 * there, so it is warned at the '#'; a comment written as one ("# note")
 * and a quoted '#' are not. */
static void test_hash_cut(void **state) {
    (void)state;
    static const char doc[] = "---\nquestion: Django or Flask? #1 question\nalternates:\n"
                              "  - django vs flask #career\n  - flask or django   # a note\n"
                              "  - 'c# or python'\n  - f#\n" REST "---\nA.\n";
    cbDiags d;
    cbDiagsInit(&d);
    kbEntry e;
    assert_int_equal(kbParseEntry("y.md", doc, strlen(doc), &d, &e), CB_OK);
    assert_string_equal(e.question, "Django or Flask?");
    assert_string_equal(e.alternates.v[2], "c# or python");
    assert_string_equal(e.alternates.v[3], "f#");
    size_t n = 0;
    for (size_t k = 0; k < d.n; k++) {
        if (!strstr(d.v[k].msg, "is read as a comment and dropped")) continue;
        assert_int_equal(d.v[k].severity, CB_DIAG_WARNING);
        if (n == 0) {
            assert_true(d.v[k].line == 2 && d.v[k].col == 28);
            assert_non_null(strstr(d.v[k].msg, "'#1 question' is read"));
        } else {
            assert_true(d.v[k].line == 4 && d.v[k].col == 21);
            assert_non_null(strstr(d.v[k].msg, "'#career' is read"));
        }
        n++;
    }
    assert_int_equal(n, 2);
    kbEntryFree(&e);
    cbDiagsFree(&d);
}

static void test_yaml_errors(void **state) {
    (void)state;
    for (size_t i = 0; i < CB_ARRAY_LEN(yTab); i++) {
        const yCase *c = &yTab[i];
        char *doc = cbSprintf("---\n%s---\nThe answer.\n", c->fm);
        cbDiags d;
        cbDiagsInit(&d);
        kbEntry e;
        int rc = kbParseEntry("y.md", doc, strlen(doc), &d, &e);
        size_t k;
        for (k = 0; k < d.n; k++)
            if (d.v[k].severity == CB_DIAG_ERROR && strstr(d.v[k].msg, c->text) &&
                (c->line == 0 ? d.v[k].line >= 2 && d.v[k].col >= 1
                              : d.v[k].line == c->line && d.v[k].col == c->col))
                break;
        if (rc != CB_ERR || k == d.n) {
            cbDiagsPrint(&d, "text", stderr);
            fail_msg("case '%s': rc %d, no error '%s' at %d:%d", c->name, rc, c->text, c->line,
                     c->col);
        }
        kbEntryFree(&e);
        cbDiagsFree(&d);
        free(doc);
    }
}

/* A fix is given in the file's own syntax: YAML words for YAML front
 * matter, JSON for JSON. */
static void test_hints_in_the_files_syntax(void **state) {
    (void)state;
    const char *docs[] = {"---\nquestion: Q\nsummary: S.\nsources:\n  - title: T\n"
                          "    url: https://a.org/\n---\nA.\n",
                          "---\n{\"question\": \"Q\", \"summary\": \"S.\", \"sources\": "
                          "[{\"title\": \"T\", \"url\": \"https://a.org/\"}]}\n---\nA.\n"};
    const char *want[][2] = {{"add a line 'updated: YYYY-MM-DD'", "'- title: ...' with 'url: ...'"},
                             {"add \"updated\": \"YYYY-MM-DD\"", "{\"title\": ..., \"url\": ...}"}};
    for (size_t i = 0; i < 2; i++) {
        cbDiags d;
        cbDiagsInit(&d);
        kbEntry e;
        assert_int_equal(kbParseEntry("h.md", docs[i], strlen(docs[i]), &d, &e), CB_OK);
        for (size_t w = 0; w < 2; w++) {
            size_t k = 0;
            while (k < d.n && !strstr(d.v[k].msg, want[i][w])) k++;
            if (k == d.n) {
                cbDiagsPrint(&d, "text", stderr);
                fail_msg("doc %zu: no hint '%s'", i, want[i][w]);
            }
        }
        kbEntryFree(&e);
        cbDiagsFree(&d);
    }
}

/* A source URL longer than a chat reply's line can hold is an error
 * (Slack refuses the whole reply), at the URL. */
static void test_url_too_long(void **state) {
    (void)state;
    char *path = cbMalloc(2100);
    memset(path, 'a', 2099);
    path[2099] = '\0';
    char *doc = cbSprintf("---\nquestion: Q\nsummary: S.\nsources:\n  - title: T\n"
                          "    url: https://a.org/%s\nupdated: 2025-01-01\n---\nA.\n", path);
    cbDiags d;
    cbDiagsInit(&d);
    kbEntry e;
    assert_int_equal(kbParseEntry("u.md", doc, strlen(doc), &d, &e), CB_ERR);
    size_t k = 0;
    while (k < d.n && !strstr(d.v[k].msg, "the URL is 2113 characters; the limit is 2048")) k++;
    if (k == d.n) cbDiagsPrint(&d, "text", stderr);
    assert_true(k < d.n);
    assert_int_equal(d.v[k].line, 6);
    assert_int_equal(d.v[k].col, 10);
    kbEntryFree(&e);
    cbDiagsFree(&d);
    free(doc);
    free(path);
}

/* What kb import writes reads back to the same string. */
static void test_yaml_emit_round_trip(void **state) {
    (void)state;
    static const char *const awkward[] = {
        "plain words", "yes", "No", "42", "3.5", "null", "~", "true", "2026-11-24",
        "a: b", "# not a comment", "x #y", "it's", "'quoted'", "\"double\"", "-dash", "- item",
        "? key", "[flow]", "{map}", "*alias", "&anchor", "!tag", "%directive", "@at", "`tick",
        "|pipe", ">fold", "trailing space ", " leading space", "ends with colon:", "tab\there",
        "line\nbreak", "\\bregex\\b", "caf\xC3\xA9 \xE2\x80\x94 ok", "nel\xC2\x85", "bom\xEF\xBB\xBF",
        "ls\xE2\x80\xA8", "...", "---", "C++", "50%",
    };
    static const char *const keys[] = {"question", "patterns"};
    for (size_t i = 0; i < CB_ARRAY_LEN(awkward); i++) {
        json_t *e = json_pack("{s:s, s:[s]}", "question", awkward[i], "patterns", awkward[i]);
        char *fm = kbYamlFrontMatter(e, keys, 2);
        json_decref(e);
        kbJson j = {"e.md", fm, strlen(fm), 0, NULL};
        cbDiags d;
        cbDiagsInit(&d);
        json_t *root = NULL;
        kbPosMap *map = NULL;
        int rc = kbYamlParse(&j, &d, &root, &map);
        if (rc != CB_OK) cbDiagsPrint(&d, "text", stderr);
        assert_int_equal(rc, CB_OK);
        const char *q = json_string_value(json_object_get(root, "question"));
        const char *p = json_string_value(json_array_get(json_object_get(root, "patterns"), 0));
        if (!q || !p || strcmp(q, awkward[i]) != 0 || strcmp(p, awkward[i]) != 0)
            fail_msg("'%s' came back as '%s' / '%s' from:\n%s", awkward[i], q ? q : "(none)",
                     p ? p : "(none)", fm);
        json_decref(root);
        kbPosMapFree(map);
        cbDiagsFree(&d);
        free(fm);
    }
}

/* A folder with a JSON entry and a YAML entry loads; export -> import
 * writes YAML; the import exports to the same bytes. */
static void test_json_and_yaml_together(void **state) {
    (void)state;
    char *tmp = ktTempDir();
    char *dir = cbSprintf("%s/kb", tmp);
    ktCopyTree("tests/fixtures/kb/good", dir);
    char *y = cbSprintf("%s/learning/yaml-entry.md", dir);
    ktWrite(y, "---\nquestion: A YAML entry?\nsummary: It loads.\nkeywords: [yaml]\n" REST
               "---\nIt loads beside the JSON ones.\n");
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(dir, &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    assert_non_null(k);
    assert_non_null(kbFindEntry(k, "learning/yaml-entry"));
    assert_non_null(kbFindEntry(k, "frameworks/django-vs-flask")); /* JSON */
    char *json = kbExportJson(k);
    kbFree(k);
    char *file = cbSprintf("%s/export.json", tmp), *out = cbSprintf("%s/out", tmp);
    ktWrite(file, json);
    char err[CB_ERRLEN] = "";
    assert_int_equal(kbImport(file, out, 0, &d, err), CB_OK);
    char *f = cbSprintf("%s/frameworks/django-vs-flask.md", out);
    char *text = ktRead(f);
    assert_true(strncmp(text, "---\nquestion: Should I learn Django or Flask first?\n", 52) == 0);
    assert_non_null(strstr(text, "\npatterns:\n  - '\\b(django|flask)\\b.*\\b(first|start|begin)'\n"));
    cbDiagsFree(&d);
    cbDiagsInit(&d);
    k = kbLoad(out, &d);
    assert_non_null(k);
    char *again = kbExportJson(k);
    assert_string_equal(json, again);
    kbFree(k);
    cbDiagsFree(&d);
    ktRmTree(tmp);
    free(again);
    free(text);
    free(f);
    free(file);
    free(out);
    free(json);
    free(y);
    free(dir);
    free(tmp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_loads),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_literal_backslash),
        cmocka_unit_test(test_hash_cut),
        cmocka_unit_test(test_hints_in_the_files_syntax),
        cmocka_unit_test(test_url_too_long),
        cmocka_unit_test(test_yaml_emit_round_trip),
        cmocka_unit_test(test_json_and_yaml_together),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
