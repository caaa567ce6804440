/* test_kb_csv.c - `kb import` of question/answer spreadsheets: the RFC
 * 4180 reader (quoted separators, doubled quotes, line breaks in a field,
 * CRLF, a BOM), our CSV and TSV and Azure question answering's columns,
 * every malformed line reported at its exact file:line:col with nothing
 * written, and export -> import -> export giving the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/common.h"
#include "base/csv.h"
#include "kb/kb.h"
#include "kb/kb_export.h"
#include "test_kb_util.h"

static void test_reader(void **state) {
    (void)state;
    static const char text[] = "a,\"b,\"\"c\"\"\r\nd\",\r\n\r\n\"\",x\n";
    csvTable t;
    size_t off;
    char err[CB_ERRLEN];
    assert_int_equal(csvParse(text, sizeof text - 1, ',', &t, &off, err), CB_OK);
    assert_int_equal(t.n, 2); /* the blank line is skipped */
    assert_int_equal(t.r[0].n, 3);
    assert_string_equal(t.r[0].f[1].s, "b,\"c\"\r\nd");
    assert_int_equal(t.r[0].f[1].off, 2);
    assert_string_equal(t.r[0].f[2].s, "");
    assert_int_equal(t.r[1].n, 2);
    assert_int_equal(t.r[1].f[0].len, 0);
    assert_string_equal(t.r[1].f[1].s, "x");
    csvFree(&t);
    static const struct { const char *in; size_t off; const char *msg; } bad[] = {
        {"a,\"open\nmore", 2, "unterminated quoted field"},
        {"a,\"q\"x\n", 5, "text after the closing quote"},
        {"a,b\"c\n", 3, "a quote inside an unquoted field"},
        {"a,b\rc\n", 3, "a carriage return without a line feed"},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(bad); i++) {
        assert_int_equal(csvParse(bad[i].in, strlen(bad[i].in), ',', &t, &off, err), CB_ERR);
        assert_int_equal(off, bad[i].off);
        assert_non_null(strstr(err, bad[i].msg));
        csvFree(&t);
    }
}

/* Import text (written to tmp/name) into tmp/out; CB_OK or CB_ERR. */
static int importText(const char *tmp, const char *name, const char *text, const char *base,
                      cbDiags *d, char *err) {
    char *file = cbSprintf("%s/%s", tmp, name), *out = cbSprintf("%s/out", tmp);
    ktWrite(file, text);
    kbImportOpts o = {.force = 1, .base = base};
    int rc = kbImportWith(file, out, &o, d, err);
    free(file);
    free(out);
    return rc;
}

static char *readOut(const char *tmp, const char *rel) {
    char *p = cbSprintf("%s/out/%s", tmp, rel), *s = ktRead(p);
    free(p);
    return s;
}

static kb *loadOut(const char *tmp) {
    char *out = cbSprintf("%s/out", tmp);
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(out, &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    cbDiagsFree(&d);
    free(out);
    return k;
}

#define SRC "\"Python docs <https://docs.python.org/3/>\n  publisher: PSF\""
#define LINKS "\"Tutorial <https://docs.python.org/3/tutorial/>\nPyPI <https://pypi.org/>\""

static void test_import_csv(void **state) {
    (void)state;
    char *tmp = ktTempDir();
    /* a BOM, columns in another order and case, CRLF, a quoted comma, a
     * doubled quote, a line break inside an answer */
    static const char csv[] =
        "\xEF\xBB\xBFquestion,ID,Answer,Alternates,Keywords,Sources,Links,Summary,Updated\r\n"
        "\"Is it worth it, really?\",career/worth,\"Say \"\"yes\"\".\r\n\r\nThen **why**.\","
        "\"is it worth it\nworth it?\",worth," SRC "," LINKS ",Yes.,2026-01-02\r\n";
    cbDiags d;
    cbDiagsInit(&d);
    char err[CB_ERRLEN] = "";
    if (importText(tmp, "faq.csv", csv, NULL, &d, err) != CB_OK) {
        cbDiagsPrint(&d, "text", stderr);
        fail_msg("%s", err);
    }
    char *md = readOut(tmp, "career/worth.md"), *topic = readOut(tmp, "career/_topic.json");
    assert_string_equal(md, "---\nquestion: Is it worth it, really?\nsummary: Yes.\n"
                            "alternates:\n  - is it worth it\n  - worth it?\nkeywords:\n  - worth\n"
                            "sources:\n  - title: Python docs\n    url: https://docs.python.org/3/\n"
                            "    publisher: PSF\nlinks:\n  - title: Tutorial\n"
                            "    url: https://docs.python.org/3/tutorial/\n  - title: PyPI\n"
                            "    url: https://pypi.org/\nupdated: 2026-01-02\n---\n\n"
                            "Say \"yes\".\r\n\r\nThen **why**.\n");
    assert_non_null(strstr(topic, "\"title\": \"Career\""));
    kb *k = loadOut(tmp);
    assert_non_null(k); /* kb check passes on what was written */
    kbFree(k);
    /* The header row alone (a spreadsheet saved empty) would replace every
     * entry with none: refused, and the folder is as it was. */
    cbDiagsFree(&d);
    cbDiagsInit(&d);
    assert_int_equal(importText(tmp, "empty.csv", "Id,Question,Answer\r\n", NULL, &d, err), CB_ERR);
    assert_non_null(strstr(err, "has no entries; nothing was written"));
    char *still = readOut(tmp, "career/worth.md");
    assert_string_equal(still, md);
    free(still);
    free(md);
    free(topic);
    cbDiagsFree(&d);
    ktRmTree(tmp);
    free(tmp);
}

/* Azure question answering's TSV: rows sharing a QnaId are one entry,
 * Metadata's topic names the folder, Source is the entry's source. */
static void test_import_azure_tsv(void **state) {
    (void)state;
    char *tmp = ktTempDir();
    static const char tsv[] =
        "Question\tAnswer\tSource\tMetadata\tSuggestedQuestions\tIsContextOnly\tPrompts\tQnaId\n"
        "How do I get my first job?\tBuild two projects.\thttps://example.org/jobs\t"
        "topic:Job Search|audience:new\t[]\tfalse\t[]\t7\n"
        "first job tips\tBuild two projects.\thttps://example.org/jobs\ttopic:Job Search\t[]\t"
        "false\t[]\t7\n"
        "Is a degree needed?\t\"No; it helps.\tSkills count.\"\thttps://example.org/deg\t\t[]\t"
        "\t\t8\n";
    cbDiags d;
    cbDiagsInit(&d);
    char err[CB_ERRLEN] = "";
    if (importText(tmp, "kb.tsv", tsv, NULL, &d, err) != CB_OK) {
        cbDiagsPrint(&d, "text", stderr);
        fail_msg("%s", err);
    }
    kb *k = loadOut(tmp);
    assert_non_null(k);
    assert_int_equal(k->nentries, 2);
    const kbEntry *e = kbFindEntry(k, "job-search/how-do-i-get-my-first-job");
    assert_non_null(e);
    assert_int_equal(e->alternates.n, 1);
    assert_string_equal(e->alternates.v[0], "first job tips");
    assert_string_equal(e->sources[0].url, "https://example.org/jobs");
    e = kbFindEntry(k, "imported/is-a-degree-needed");
    assert_non_null(e);
    assert_string_equal(e->answer, "No; it helps.\tSkills count.");
    kbFree(k);
    /* the metadata key that is not kept is said, at its cell */
    size_t i;
    for (i = 0; i < d.n && !strstr(d.v[i].msg, "metadata 'audience' is not kept"); i++) {}
    assert_true(i < d.n);
    assert_int_equal(d.v[i].line, 2);
    assert_int_equal(d.v[i].col, 73);
    cbDiagsFree(&d);
    ktRmTree(tmp);
    free(tmp);
}

typedef struct badCase {
    const char *name, *file, *text;
    int line, col;
    const char *msg;
} badCase;

static const badCase bads[] = {
    {"unterminated quote", "faq.csv",
     "Question,Answer\r\nWhat next?,fine\r\nWhy?,\"it never\r\nends\r\n", 3, 6,
     "unterminated quoted field; close it with \""},
    {"too many fields", "faq.csv", "Question,Answer\nA?,b\nC?,d,e\n", 3, 6,
     "3 fields where the header has 2; a field holding the separator"},
    {"too few fields", "faq.tsv", "Question\tAnswer\tSummary\nA?\tb\n", 2, 5,
     "2 fields where the header has 3; add the missing ones"},
    {"bad UTF-8", "faq.csv", "Question,Answer\nA?,caf\xC3(\n", 2, 7,
     "invalid UTF-8 (byte 0xC3); save the file as UTF-8"},
    {"missing header column", "faq.csv", "Question,Summary\nA?,b\n", 1, 1,
     "missing column 'Answer'; the header must name at least Question and Answer"},
    {"unknown column", "faq.csv", "Question,Answer,Keywrds\nA?,b,c\n", 1, 17,
     "unknown column 'Keywrds'; did you mean 'Keywords'?"},
    {"quote in a bare field", "faq.csv", "Question,Answer\nA?,say \"hi\"\n", 2, 8,
     "a quote inside an unquoted field"},
    {"empty answer", "faq.csv", "Question,Answer\nA?,\n", 2, 4, "empty Answer; every row needs one"},
    {"bad id", "faq.csv", "Id,Question,Answer\nNot An Id,A?,b\n", 2, 1, "must be <topic>/<slug>"},
    {"multi-turn", "faq.tsv", "Question\tAnswer\tPrompts\nA?\tb\t\"[{\"\"qnaId\"\": 2}]\"\n", 2, 6,
     "follow-up prompts (multi-turn) are not supported"},
    {"a source without url, at its cell", "faq.csv",
     "Id,Question,Answer,Sources\nt/a,A?,An answer,\n"
     "t/b,B?,Another,Somebody said so\n", 3, 16, "missing required field 'url' in this source"},
};

/* Nothing written: no out dir, no temporary sibling left. */
static void assertNothingWritten(const char *tmp) {
    DIR *dh = opendir(tmp);
    struct dirent *de;
    while ((de = readdir(dh)) != NULL)
        if (strncmp(de->d_name, "out", 3) == 0) fail_msg("%s/%s was written", tmp, de->d_name);
    closedir(dh);
}

static void test_import_errors(void **state) {
    (void)state;
    for (size_t i = 0; i < CB_ARRAY_LEN(bads); i++) {
        const badCase *c = &bads[i];
        char *tmp = ktTempDir(), *file = cbSprintf("%s/%s", tmp, c->file);
        cbDiags d;
        cbDiagsInit(&d);
        char err[CB_ERRLEN] = "";
        assert_int_equal(importText(tmp, c->file, c->text, NULL, &d, err), CB_ERR);
        size_t k;
        for (k = 0; k < d.n && !(strstr(d.v[k].msg, c->msg) && d.v[k].severity == CB_DIAG_ERROR);
             k++) {}
        if (k == d.n) {
            cbDiagsPrint(&d, "text", stderr);
            fail_msg("case '%s': no '%s' (err '%s')", c->name, c->msg, err);
        }
        if (d.v[k].line != c->line || d.v[k].col != c->col)
            fail_msg("case '%s': at %d:%d, want %d:%d", c->name, d.v[k].line, d.v[k].col, c->line,
                     c->col);
        for (k = 0; k < d.n; k++) { /* the input file, never a temporary one */
            assert_string_equal(d.v[k].file, file);
            assert_null(strstr(d.v[k].msg, ".import-"));
        }
        assert_null(strstr(err, ".import-"));
        assertNothingWritten(tmp);
        cbDiagsFree(&d);
        ktRmTree(tmp);
        free(file);
        free(tmp);
    }
}

static char *exportAs(const char *dir, char sep) {
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(dir, &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    assert_non_null(k);
    char err[CB_ERRLEN] = "";
    char *s = sep == 'j' ? kbExportJson(k) : kbExportCsv(k, sep, err);
    if (!s) fail_msg("export of %s: %s", dir, err);
    kbFree(k);
    cbDiagsFree(&d);
    return s;
}

/* CSV and TSV: export -> import -> export is byte-identical; with --base
 * the whole knowledge (topics, synonyms, steering files) comes back. */
static void roundTrip(const char *src) {
    static const struct { char sep; const char *name; } fmts[] = {{',', "k.csv"}, {'\t', "k.tsv"}};
    for (size_t f = 0; f < CB_ARRAY_LEN(fmts); f++) {
        char *tmp = ktTempDir(), *out = cbSprintf("%s/out", tmp);
        char *text = exportAs(src, fmts[f].sep);
        cbDiags d;
        cbDiagsInit(&d);
        char err[CB_ERRLEN] = "";
        if (importText(tmp, fmts[f].name, text, NULL, &d, err) != CB_OK) {
            cbDiagsPrint(&d, "text", stderr);
            fail_msg("import of %s as %s: %s", src, fmts[f].name, err);
        }
        char *again = exportAs(out, fmts[f].sep);
        assert_string_equal(text, again);
        free(again);
        assert_int_equal(importText(tmp, fmts[f].name, text, src, &d, err), CB_OK);
        char *json = exportAs(src, 'j'), *json2 = exportAs(out, 'j');
        assert_string_equal(json, json2);
        free(json);
        free(json2);
        cbDiagsFree(&d);
        ktRmTree(tmp);
        free(text);
        free(out);
        free(tmp);
    }
}

static void test_round_trip(void **state) {
    (void)state;
    roundTrip("tests/fixtures/kb/good");
    struct stat st;
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = stat("knowledge", &st) == 0 ? kbLoad("knowledge", &d) : NULL;
    cbDiagsFree(&d);
    if (k) roundTrip("knowledge"); /* unless ./knowledge is mid-edit with errors */
    kbFree(k);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_import_csv),
        cmocka_unit_test(test_import_azure_tsv),
        cmocka_unit_test(test_import_errors),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
