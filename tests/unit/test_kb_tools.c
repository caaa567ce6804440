/* test_kb_tools.c - the JSON locator (pointers to line:col, escapes inside
 * string literals), "did you mean", validators, export -> import ->
 * export byte-identical (fixture and ./knowledge), import refusing bad
 * input or a non-empty directory, and `kb new` templates that fail
 * `kb check` until edited. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

#include "base/common.h"
#include "base/jsonloc.h"
#include "kb/kb.h"
#include "kb/kb_export.h"
#include "kb/kb_int.h"
#include "test_kb_util.h"

static const char locDoc[] =
    "{\n"
    "  \"a\": [1, {\"b/c\": \"x\", \"t~\": [true, null]}],\n"
    "  \"s\": \"caf\\u00e9 \\\"q\\\" \\ud83d\\ude00!\",\n"
    "  \"é\": {\"\": 7, \"k\\n\": \"v\"}\n"
    "}\n";

typedef struct locCase {
    const char *ptr;
    int key, ok, line, col;
} locCase;

static const locCase locTab[] = {
    {"", 0, 1, 1, 1},          {"/a", 0, 1, 2, 8},        {"/a", 1, 1, 2, 3},
    {"/a/0", 0, 1, 2, 9},      {"/a/1", 0, 1, 2, 12},     {"/a/1/b~1c", 0, 1, 2, 20},
    {"/a/1/b~1c", 1, 1, 2, 13}, {"/a/1/t~0", 0, 1, 2, 31}, {"/a/1/t~0/1", 0, 1, 2, 38},
    {"/s", 0, 1, 3, 8},        {"/é", 0, 1, 4, 8},        {"/é/", 0, 1, 4, 13},
    {"/é/k\n", 0, 1, 4, 23},   {"/a/2", 0, 0, 0, 0},      {"/a/01", 0, 0, 0, 0},
    {"/nope", 0, 0, 0, 0},     {"/s/0", 0, 0, 0, 0},      {"/a/1/t~0/x", 0, 0, 0, 0},
    {"a", 0, 0, 0, 0},         {"/a/0", 1, 0, 0, 0},
};

static void test_jsonloc(void **state) {
    (void)state;
    for (size_t i = 0; i < CB_ARRAY_LEN(locTab); i++) {
        const locCase *c = &locTab[i];
        size_t off = 0;
        int rc = jlocFind(locDoc, strlen(locDoc), c->ptr, c->key, &off);
        if ((rc == CB_OK) != c->ok) fail_msg("'%s': rc %d", c->ptr, rc);
        if (!c->ok) continue;
        int line, col;
        jlocLineCol(locDoc, strlen(locDoc), off, &line, &col);
        if (line != c->line || col != c->col)
            fail_msg("'%s' key=%d: got %d:%d, want %d:%d", c->ptr, c->key, line, col, c->line,
                     c->col);
    }
    /* Decoded bytes of /s -> raw characters: "café \"q\" 😀!" */
    size_t s, raw;
    assert_int_equal(jlocFind(locDoc, strlen(locDoc), "/s", 0, &s), CB_OK);
    static const struct { size_t index; size_t rawcol; } bytes[] = {
        {0, 9}, {3, 12}, {4, 12}, {5, 18}, {6, 19}, {7, 21}, {8, 22}, {9, 24}, {10, 25},
        {13, 25}, {14, 37}, {15, 38},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(bytes); i++) {
        assert_int_equal(jlocStringByte(locDoc, strlen(locDoc), s, bytes[i].index, &raw), CB_OK);
        int line, col;
        jlocLineCol(locDoc, strlen(locDoc), raw, &line, &col);
        if (line != 3 || (size_t)col != bytes[i].rawcol)
            fail_msg("byte %zu: got %d:%d, want 3:%zu", bytes[i].index, line, col, bytes[i].rawcol);
    }
    assert_int_equal(jlocStringByte(locDoc, strlen(locDoc), s, 16, &raw), CB_ERR);
    /* Truncated or hostile text fails without reading past the end. */
    static const char *bad[] = {"{\"a\": [1", "{\"a\" 1}", "[[[[[[", "\"abc", "{\"a\\u12"};
    for (size_t i = 0; i < CB_ARRAY_LEN(bad); i++) {
        size_t off;
        assert_int_equal(jlocFind(bad[i], strlen(bad[i]), "/a/1", 0, &off), CB_ERR);
    }
    char esc[32] = "/";
    jlocEscape(esc, sizeof(esc), "a/b~c");
    assert_string_equal(esc, "/a~1b~0c");
}

/* Files saved in another encoding or line-ending style say so, rather
 * than "NUL byte" or "must start with '---'". */
static void test_saved_wrong(void **state) {
    (void)state;
    static const char utf8[] = "---\nquestion: Caf\xc3\xa9?\n---\nAnswer.\n";
    char u16[2 * sizeof(utf8)];
    size_t n = 0;
    for (size_t i = 0; i + 1 < sizeof(utf8); i++) { /* UTF-16LE, no BOM: é is 0xE9 0x00 */
        unsigned char c = (unsigned char)utf8[i];
        if (c == 0xc3) {
            u16[n++] = (char)0xE9, u16[n++] = 0, i++;
            continue;
        }
        u16[n++] = (char)c, u16[n++] = 0;
    }
    cbDiags d;
    cbDiagsInit(&d);
    assert_int_equal(kbCheckText("u.md", u16, n, &d), CB_ERR);
    assert_int_equal(d.n, 1);
    assert_non_null(strstr(d.v[0].msg, "the file is saved as UTF-16"));
    cbDiagsFree(&d);
    cbDiagsInit(&d); /* one stray NUL is still that */
    assert_int_equal(kbCheckText("n.md", "---\nq\0x\n", 8, &d), CB_ERR);
    assert_non_null(strstr(d.v[0].msg, "NUL byte in the file; remove it"));
    assert_true(d.v[0].line == 2 && d.v[0].col == 2);
    cbDiagsFree(&d);
    static const char cr[] = "---\rquestion: Q?\r---\rAnswer.\r";
    cbDiagsInit(&d);
    kbEntry e;
    assert_int_equal(kbParseEntry("cr.md", cr, strlen(cr), &d, &e), CB_ERR);
    assert_non_null(strstr(d.v[0].msg, "carriage return alone (old Mac line endings)"));
    kbEntryFree(&e);
    cbDiagsFree(&d);
    /* a closing line mistyped ("--", an em dash): at that line */
    static const char *const closes[] = {"--", "----", "\xe2\x80\x94", "--- "};
    for (size_t i = 0; i < CB_ARRAY_LEN(closes); i++) {
        char *doc = cbSprintf("---\nquestion: Q?\nkeywords: [a]\n%s\nAnswer.\n", closes[i]);
        cbDiagsInit(&d);
        int rc = kbParseEntry("c.md", doc, strlen(doc), &d, &e);
        if (i == 3) { /* trailing blanks are allowed: a real close (then no sources) */
            for (size_t k = 0; k < d.n; k++) assert_null(strstr(d.v[k].msg, "exactly '---'"));
        } else {
            assert_int_equal(rc, CB_ERR);
            assert_true(d.v[0].line == 4 && d.v[0].col == 1);
            assert_non_null(strstr(d.v[0].msg, "must be exactly '---'"));
        }
        kbEntryFree(&e);
        cbDiagsFree(&d);
        free(doc);
    }
}

/* crisis.yaml: mistakes at their place; an empty file turns it off. */
static void test_crisis_file(void **state) {
    (void)state;
    static const struct {
        const char *yaml;
        int line, col;
        const char *msg;
    } bad[] = {
        {"patterns:\n  - '\\bok\\b'\n  - '(unclosed'\nreply: Help.\n", 3, 5,
         "invalid regex in 'patterns': missing closing parenthesis"},
        {"patterns: ['x']\nreplly: Help.\n", 2, 1, "did you mean 'reply'?"},
        {"patterns: ['x']\n", 1, 1, "missing required field 'reply'"},
        {"- x\n", 1, 1, "crisis.yaml must have 'patterns:'"},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(bad); i++) {
        cbDiags d;
        cbDiagsInit(&d);
        kbCrisis c;
        assert_int_equal(kbCrisisParse("c.yaml", bad[i].yaml, strlen(bad[i].yaml), &d, &c), CB_ERR);
        assert_true(c.nre == 0 && !c.reply);
        if (d.n < 1 || d.v[0].line != bad[i].line || d.v[0].col != bad[i].col ||
            !strstr(d.v[0].msg, bad[i].msg)) {
            cbDiagsPrint(&d, "text", stderr);
            fail_msg("case %zu: wanted %d:%d '%s'", i, bad[i].line, bad[i].col, bad[i].msg);
        }
        cbDiagsFree(&d);
    }
    cbDiags d;
    cbDiagsInit(&d);
    kbCrisis c;
    assert_int_equal(kbCrisisParse("c.yaml", "# off\n", 6, &d, &c), CB_OK);
    assert_true(c.nre == 0 && !c.reply && d.n == 0);
    kbCrisisFree(&c);
    cbDiagsFree(&d);
}

static void test_validators(void **state) {
    (void)state;
    static const struct { const char *s; int ok; } dates[] = {
        {"2024-02-29", 1}, {"2023-02-29", 0}, {"2026-02-30", 0}, {"2000-02-29", 1},
        {"1900-02-29", 0}, {"2025-04-31", 0}, {"2025-12-31", 1}, {"2025-13-01", 0},
        {"2025-1-01", 0},  {"25-01-01", 0},   {"2025-01-00", 0}, {"2025/01/01", 0},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(dates); i++)
        if (kbValidDate(dates[i].s) != dates[i].ok) fail_msg("date %s", dates[i].s);
    static const struct { const char *s; int ok; } partial[] = {
        {"2026", 1},    {"2026-02", 1}, {"2026-02-28", 1}, {"2026-13", 0}, {"last year", 0},
        {"2026-99-99", 0}, {"26", 0},  {"2026-2", 0},     {"1850", 0},    {"2026-02-30", 0},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(partial); i++)
        if (kbValidPartialDate(partial[i].s) != partial[i].ok) fail_msg("date %s", partial[i].s);
    static const struct { const char *s; int ok; } urls[] = {
        {"https://example.org", 1},     {"http://a.b/c?d=e#f", 1}, {"https://127.0.0.1:8080/x", 1},
        {"ftp://example.org", 0},       {"https://", 0},          {"https://exa mple.org", 0},
        {"www.example.org", 0},         {"https:/example.org", 0}, {"https://localhost/", 0},
        {"HTTPS://example.org", 0},     {"", 0},
        /* what browsers and curl take beyond RFC 3986, after the host */
        {"https://docs.pytest.org/?filter[tag]=python", 1}, {"https://example.org/a|b^c{d}", 1},
        {"https://example.org/%zz#a#b", 1}, {"https://ex\xc3\xa4mple.com/k\xc3\xb6ln", 1},
        {"https://user:pw@example.org:8443/", 1}, {"https://example.org:/x", 1},
        /* hosts curl refuses */
        {"https://ex&ample.com/", 0},   {"https://ex(ample).com/", 0},
        {"https://example.com%2F.evil.com/", 0}, {"https://[v1.abc]/", 0},
        {"https://[::1]/", 0},          {"https://example.org:99999/", 0},
        {"https://example.org:80a/", 0}, {"https://@/", 0},
        /* copied along with the address, or a host with an empty label */
        {"https://example.org/>", 0}, {"https://example.org/\"", 0}, {"https://example.org/a\\", 0},
        {"https://example.org/`x`", 0}, {"https://<example.org>", 0}, {"https://flask..com/", 0},
        {"https://-bad-.com/", 0}, {"https://.example.org/", 0}, {"https://example.org./", 1},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(urls); i++)
        if (kbValidUrl(urls[i].s) != urls[i].ok) fail_msg("url %s", urls[i].s);
    static const char *fields[] = {"question", "alternates", "keywords", "patterns"};
    assert_string_equal(kbClosest("qestion", fields, 4), "question");
    assert_string_equal(kbClosest("keyword", fields, 4), "keywords");
    assert_string_equal(kbClosest("Patterns", fields, 4), "patterns");
    assert_null(kbClosest("answer", fields, 4));
    assert_int_equal(kbEditDistance("kitten", "sitting"), 3);
    assert_true(kbValidId("a-1/b-2") && !kbValidId("a/B") && !kbValidId("/b") && !kbValidId("a/"));
    char *k = kbPhraseKey("  How do I  learn DJANGO?? ");
    assert_string_equal(k, "how do i learn django");
    free(k);
}

/* kbPhraseKey as it is defined: the whole text through utf8proc, then
 * runs of anything but letters, digits, '+', '#' and non-ASCII made one
 * space (kbPhraseKey folds in pieces and must give the same key). */
static char *phraseKeyWhole(const char *s) {
    utf8proc_uint8_t *f = NULL;
    if (utf8proc_map((const utf8proc_uint8_t *)s, 0, &f,
                     UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                         UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK) < 0)
        return strdup(s);
    char *k = calloc(1, strlen((char *)f) + 1);
    size_t o = 0;
    int space = 0;
    for (const utf8proc_uint8_t *p = f; *p; p++) {
        int keep = *p >= 0x80 || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                   *p == '+' || *p == '#';
        if (keep && space && o) k[o++] = ' ';
        if (keep) k[o++] = (char)*p;
        space = !keep;
    }
    free(f);
    return k;
}

static void test_phrase_key_pieces(void **state) {
    (void)state;
    static const char *const tricky[] = {
        "a", "Q", " ", "<", "9", "+", "#", "\t", "\n", "-", "\xc3\xa9", "\xcc\x81", "\xcc\x88",
        "\xcd\x85", "\xcc\xb8", "\xef\xbc\xa1", "\xef\xac\x81", "\xe2\x91\xa0", "\xe2\x80\x9c",
        "\xe2\x80\x94", "\xc2\xa0", "\xc2\xad", "\xe1\x84\x80", "\xe1\x85\xa1", "\xe1\x86\xa8",
        "\xe0\xa4\x95", "\xe0\xa5\x8d", "\xc3\x9f", "\xc4\xb0", "\xce\xa3", "\xd0\x99",
        "\xcc\x86", "\xef\xb7\xba", "\xc7\x84", "\xc2\xbd", "\xe0\xad\x87", "\xe0\xac\xbe",
        "\xe2\x82\xac", "\xff", "\xc3",
    };
    unsigned seed = 4242;
    for (int k = 0; k < 20000; k++) {
        char s[40 * 4 + 1];
        size_t len = 0, n = (seed = seed * 1103515245u + 12345u) >> 16 & 31;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *c = tricky[(seed >> 16) % (sizeof(tricky) / sizeof(tricky[0]))];
            memcpy(s + len, c, strlen(c));
            len += strlen(c);
        }
        s[len] = '\0';
        char *got = kbPhraseKey(s), *want = phraseKeyWhole(s);
        if (strcmp(got, want) != 0) fail_msg("'%s': pieces '%s', whole '%s'", s, got, want);
        free(got);
        free(want);
    }
}

/* jlocIndex writes what snprintf("%s/%zu") writes, cut the same way. */
static void test_jloc_index(void **state) {
    (void)state;
    const char *ptrs[] = {"", "/a", "/sources/12", "/a~1b/very/long/pointer/to/cut"};
    const size_t idx[] = {0, 7, 10, 12345, SIZE_MAX};
    for (size_t c = 0; c < 48; c++)
        for (size_t p = 0; p < 4; p++)
            for (size_t i = 0; i < 5; i++) {
                char want[64] = "untouched", got[64] = "untouched";
                if (c) snprintf(want, c, "%s/%zu", ptrs[p], idx[i]);
                jlocIndex(got, c, ptrs[p], idx[i]);
                assert_string_equal(got, want);
            }
}

static char *exportDir(const char *dir) {
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(dir, &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    assert_non_null(k);
    char *s = kbExportJson(k);
    kbFree(k);
    cbDiagsFree(&d);
    return s;
}

/* export -> import -> export must give the same bytes. */
static void roundTrip(const char *src) {
    char *tmp = ktTempDir();
    char *json = exportDir(src), *file = cbSprintf("%s/export.json", tmp),
         *out = cbSprintf("%s/out", tmp);
    ktWrite(file, json);
    cbDiags d;
    cbDiagsInit(&d);
    char err[CB_ERRLEN] = "";
    int rc = kbImport(file, out, 0, &d, err);
    if (rc != CB_OK) {
        cbDiagsPrint(&d, "text", stderr);
        fail_msg("import of %s: %s", src, err);
    }
    char *again = exportDir(out);
    assert_string_equal(json, again);
    /* a second import into the now non-empty dir needs --force */
    assert_int_equal(kbImport(file, out, 0, &d, err), CB_ERR);
    assert_non_null(strstr(err, "--force"));
    /* --force replaces the entries and data files, and keeps what the
     * import does not write: the maintainers' README.md, dot files, notes
     * in a topic folder. An entry the import does not hold is gone. */
    char *readme = cbSprintf("%s/README.md", out), *git = cbSprintf("%s/.git", out),
         *head = cbSprintf("%s/.git/HEAD", out);
    json_t *root = json_loads(json, 0, NULL);
    const char *id0 = json_string_value(json_object_get(json_array_get(json_object_get(root, "entries"), 0), "id"));
    char *note = cbSprintf("%s/%.*s/NOTES.txt", out, (int)strcspn(id0, "/"), id0);
    char *stray = cbSprintf("%s/%.*s/stray-entry.md", out, (int)strcspn(id0, "/"), id0);
    json_decref(root);
    ktWrite(readme, "# our guide\n");
    assert_int_equal(mkdir(git, 0755), 0);
    ktWrite(head, "ref: refs/heads/main\n");
    ktWrite(note, "notes\n");
    ktWrite(stray, "---\nquestion: Q?\nsummary: S.\n---\nA.\n");
    assert_int_equal(kbImport(file, out, 1, &d, err), CB_OK);
    const char *kept[] = {readme, head, note};
    for (size_t i = 0; i < 3; i++)
        if (access(kept[i], F_OK) != 0) fail_msg("--force lost %s", kept[i]);
    assert_int_equal(access(stray, F_OK), -1);
    free(readme), free(git), free(head), free(note), free(stray);
    free(again);
    again = exportDir(out);
    assert_string_equal(json, again);
    cbDiagsFree(&d);
    ktRmTree(tmp);
    free(again);
    free(json);
    free(file);
    free(out);
    free(tmp);
}

/* examples/ under kb import --force: a document without "examples" (an
 * export from before the folder existed) keeps the folder's files,
 * checked against the imported entries; one with it replaces the .jsonl
 * files and keeps the rest (a README); an example naming an entry the
 * import drops is an error at its file and line, and nothing is written. */
static char *exportWithout(const char *dir, const char *drop_prefix, int drop_examples) {
    char *json = exportDir(dir);
    json_t *root = json_loads(json, 0, NULL), *ents = json_object_get(root, "entries"), *keep = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(ents, i, e) {
        const char *id = json_string_value(json_object_get(e, "id"));
        if (!drop_prefix || strcmp(id, drop_prefix) != 0) json_array_append(keep, e);
    }
    json_object_set_new(root, "entries", keep);
    if (drop_examples) json_object_del(root, "examples");
    free(json);
    json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return json;
}

static void test_import_keeps_examples(void **state) {
    (void)state;
    char *tmp = ktTempDir(), *out = cbSprintf("%s/out", tmp), *file = cbSprintf("%s/doc.json", tmp);
    ktCopyTree("tests/fixtures/kb/good", out);
    char *exdir = cbSprintf("%s/examples", out), *ex = cbSprintf("%s/examples/a.jsonl", out),
         *readme = cbSprintf("%s/examples/README.md", out), *other = cbSprintf("%s/examples/b.jsonl", out);
    char *json = exportDir(out);
    json_t *root = json_loads(json, 0, NULL);
    const char *id0 = json_string_value(json_object_get(json_array_get(json_object_get(root, "entries"), 0), "id"));
    char *line = cbSprintf("{\"q\": \"a question as someone asks it\", \"gold\": [\"%s\"]}\n", id0);
    assert_int_equal(mkdir(exdir, 0755), 0);
    ktWrite(ex, line);
    ktWrite(readme, "# where these came from\n");
    cbDiags d;
    cbDiagsInit(&d);
    char err[CB_ERRLEN] = "";
    char *doc = exportWithout(out, NULL, 1); /* no "examples" */
    ktWrite(file, doc);
    free(doc);
    assert_int_equal(kbImport(file, out, 1, &d, err), CB_OK);
    char *got = ktRead(ex);
    assert_string_equal(got, line);
    free(got);
    assert_int_equal(access(readme, F_OK), 0);
    /* with "examples": its files replace the folder's .jsonl files */
    doc = exportDir(out);
    ktWrite(file, doc);
    free(doc);
    ktWrite(other, line);
    assert_int_equal(kbImport(file, out, 1, &d, err), CB_OK);
    assert_int_equal(access(other, F_OK), -1);
    assert_int_equal(access(ex, F_OK), 0);
    assert_int_equal(access(readme, F_OK), 0);
    /* no "examples", and the entry the folder's example names is dropped */
    doc = exportWithout(out, id0, 1);
    ktWrite(file, doc);
    free(doc);
    assert_int_equal(kbImport(file, out, 1, &d, err), CB_ERR);
    int named = 0;
    for (size_t i = 0; i < d.n; i++) named |= strstr(d.v[i].msg, "examples/a.jsonl:1:") != NULL;
    if (!named) cbDiagsPrint(&d, "text", stderr);
    assert_true(named);
    got = ktRead(ex); /* nothing was written */
    assert_string_equal(got, line);
    free(got);
    json_decref(root);
    cbDiagsFree(&d);
    ktRmTree(tmp);
    cbFreeN(9, tmp, out, file, exdir, ex, readme, other, json, line);
}

/* An import that drops a topic whose folder holds a maintainer's notes
 * does not recreate the folder without its _topic.json (the knowledge
 * would not load): the notes stay in the old folder, which is kept and
 * named, and what was imported loads. */
static void test_import_drops_a_topic_with_notes(void **state) {
    (void)state;
    char *tmp = ktTempDir(), *out = cbSprintf("%s/out", tmp), *file = cbSprintf("%s/less.json", tmp);
    ktCopyTree("tests/fixtures/kb/good", out);
    char *note = cbSprintf("%s/learning/NOTES.txt", out);
    ktWrite(note, "ideas\n");
    char *json = exportDir("tests/fixtures/kb/good");
    json_t *root = json_loads(json, 0, NULL), *ents = json_object_get(root, "entries"), *keep = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(ents, i, e)
        if (strncmp(json_string_value(json_object_get(e, "id")), "learning/", 9) != 0) {
            json_object_del(e, "related"); /* may name the dropped topic's entries */
            json_array_append(keep, e);
        }
    json_object_set_new(root, "entries", keep);
    json_t *topics = json_object_get(root, "topics"), *tkeep = json_array();
    json_array_foreach(topics, i, e)
        if (strcmp(json_string_value(json_object_get(e, "name")), "learning") != 0)
            json_array_append(tkeep, e);
    json_object_set_new(root, "topics", tkeep);
    char *less = json_dumps(root, JSON_INDENT(1));
    ktWrite(file, less);
    cbDiags d;
    cbDiagsInit(&d);
    char err[CB_ERRLEN] = "";
    assert_int_equal(kbImport(file, out, 1, &d, err), CB_ERR);
    if (!strstr(err, "topic folder the import dropped")) { cbDiagsPrint(&d, "text", stderr); fail_msg("err: %s", err); }
    char *kept = strstr(err, "they are in ");
    assert_non_null(kept);
    char *old_note = cbSprintf("%s/learning/NOTES.txt", kept + strlen("they are in "));
    assert_int_equal(access(old_note, F_OK), 0); /* nothing lost */
    char *dropped = cbSprintf("%s/learning", out);
    assert_int_equal(access(dropped, F_OK), -1); /* no folder without _topic.json */
    cbDiags d2;
    cbDiagsInit(&d2);
    kb *k = kbLoad(out, &d2);
    if (!k) cbDiagsPrint(&d2, "text", stderr);
    assert_non_null(k);
    kbFree(k);
    cbDiagsFree(&d2);
    cbDiagsFree(&d);
    char *oldroot = cbStrndup(kept + strlen("they are in "), strlen(kept + strlen("they are in ")));
    ktRmTree(oldroot);
    free(oldroot), free(dropped), free(old_note), free(less), free(json), free(note);
    json_decref(root);
    ktRmTree(tmp);
    free(out), free(file), free(tmp);
}

static void test_export_import_fixture(void **state) {
    (void)state;
    char *json = exportDir("tests/fixtures/kb/good");
    /* keys in the documented order, entries sorted by id */
    const char *keys[] = {"\"id\"",     "\"question\"", "\"summary\"", "\"alternates\"", "\"keywords\"",
                          "\"patterns\"", "\"answer\"",  "\"sources\"",    "\"links\"",
                          "\"related\"",  "\"updated\""};
    const char *p = json;
    for (size_t i = 0; i < CB_ARRAY_LEN(keys); i++) {
        const char *q = strstr(p, keys[i]);
        if (!q) {
            fail_msg("key %s out of order", keys[i]);
            return;
        }
        p = q;
    }
    const char *a = strstr(json, "frameworks/django-vs-flask"), *b = strstr(json, "learning/bootcamps");
    assert_true(a && b && a < b);
    assert_non_null(strstr(json, "\"topics\": ["));
    assert_non_null(strstr(json, "\"coding school\""));
    assert_non_null(strstr(json, "\"summary\": \"Start with the one your target jobs ask for.\""));
    free(json);
    roundTrip("tests/fixtures/kb/good");
}

static void test_export_import_real(void **state) {
    (void)state;
    struct stat st;
    if (stat("knowledge", &st) != 0) {
        skip();
        return;
    }
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad("knowledge", &d);
    kbFree(k);
    cbDiagsFree(&d);
    if (!k) {
        skip(); /* ./knowledge is being edited and has errors: not this test's business */
        return;
    }
    roundTrip("knowledge");
}

/* smalltalk.yaml travels verbatim (comments too) and only when the folder
 * has one: a folder without it stays without it (the built-in copy). */
static void test_export_import_smalltalk(void **state) {
    (void)state;
    char *tmp = ktTempDir(), *src = cbSprintf("%s/src", tmp);
    char *cmd = cbSprintf("cp -r tests/fixtures/kb/good %s", src);
    assert_int_equal(system(cmd), 0);
    char *path = cbSprintf("%s/smalltalk.yaml", src);
    ktWrite(path, "# ours\ngreetings: [ahoy]\nreplies:\n  - reply: \"Ahoy!\"\n    phrases: [ahoy]\n");
    char *json = exportDir(src);
    assert_non_null(strstr(json, "\"smalltalk\": \"# ours\\ngreetings: [ahoy]\\nreplies:"));
    free(json);
    roundTrip(src); /* export -> import -> export: the same bytes */
    assert_int_equal(unlink(path), 0);
    json = exportDir(src);
    assert_null(strstr(json, "\"smalltalk\""));
    free(json);
    ktRmTree(tmp);
    cbFreeN(4, tmp, src, cmd, path);
}

typedef struct impCase {
    const char *name, *json;
    int line, col;
    const char *text;
} impCase;

static const impCase impTab[] = {
    {"syntax", "{\"entries\": [}", 1, 14, "malformed JSON"},
    {"not object", "[1]", 1, 1, "expected the object written by 'kb export'"},
    {"out_of_scope not text", "{\"topics\": [], \"entries\": [],\n \"out_of_scope\": [\"a\"]}", 2, 18,
     "'out_of_scope' must be a string"},
    {"redirects not text", "{\"topics\": [], \"entries\": [],\n \"redirects\": {\"a\": 1}}", 2, 15,
     "'redirects' must be a string (the text of redirects.yaml)"},
    {"smalltalk not text", "{\"topics\": [], \"entries\": [],\n \"smalltalk\": [\"hi\"]}", 2, 15,
     "'smalltalk' must be a string (the text of smalltalk.yaml)"},
    {"smalltalk invalid",
     "{\"topics\": [], \"entries\": [],\n \"smalltalk\": \"replies:\\n  - reply: Hi\\n    phrse: [hi]\\n\"}",
     0, 0, "did you mean 'phrases'?"},
    {"matching not object", "{\"topics\": [], \"entries\": [], \"matching\": 0.5}", 1, 43,
     "'matching' must be an object"},
    {"matching value",
     "{\"topics\": [], \"entries\": [],\n \"matching\": {\"answer_threshold\": 7}}", 2, 14,
     "matching.json: 'answer_threshold' must be a number above 0 and at most 1"},
    {"no topics", "{\"entries\": []}", 1, 1, "missing required field 'topics'"},
    {"dup id",
     "{\"topics\": [{\"name\": \"t\", \"title\": \"T\", \"description\": \"D\"}],\n"
     " \"entries\": [{\"id\": \"t/a\", \"answer\": \"x\"},\n"
     "              {\"id\": \"t/A\", \"answer\": \"y\"}]}",
     3, 22, "duplicate id 't/A'"},
    {"bad id",
     "{\"topics\": [], \"entries\": [{\"id\": \"../etc\", \"answer\": \"x\"}]}", 1, 35,
     "must be <topic>/<slug>"},
    {"unknown topic",
     "{\"topics\": [], \"entries\": [{\"id\": \"t/a\", \"answer\": \"x\"}]}", 1, 28,
     "no topic 't'"},
    {"unknown key", "{\"topics\": [], \"entries\": [], \"synonym\": []}", 1, 31,
     "did you mean 'synonyms'?"},
    {"invalid entry",
     "{\"topics\": [{\"name\": \"t\", \"title\": \"T\", \"description\": \"D\"}],\n"
     " \"entries\": [{\"id\": \"t/a\", \"question\": \"Q\", \"answer\": \"x\", \"sources\": []}]}",
     2, 71, "entry 't/a': 'sources' is empty"}, /* at the field in the input, not a file */
    {"bad source item, shared phrasing",
     "{\"topics\": [{\"name\": \"t\", \"title\": \"T\", \"description\": \"D\"}],\n"
     " \"entries\": [{\"id\": \"t/a\", \"question\": \"Q\", \"answer\": \"x\", \"sources\": [{\"title\": \"s\", \"url\": \"https://a.org/\"}]},\n"
     "  {\"id\": \"t/b\", \"question\": \"R\", \"answer\": \"y\", \"sources\": [\"nope\"]},\n"
     "  {\"id\": \"t/c\", \"question\": \"S\", \"alternates\": [\"q\"], \"answer\": \"z\", \"sources\": [{\"title\": \"s\", \"url\": \"https://a.org/\"}]}]}",
     3, 60, "entry 't/b': 'sources' item 1 must be '- title: ...' with 'url: ...' under it"},
};

static void test_import_errors(void **state) {
    (void)state;
    char *tmp = ktTempDir();
    char *file = cbSprintf("%s/in.json", tmp), *out = cbSprintf("%s/out", tmp);
    for (size_t i = 0; i < CB_ARRAY_LEN(impTab); i++) {
        const impCase *c = &impTab[i];
        ktWrite(file, c->json);
        cbDiags d;
        cbDiagsInit(&d);
        char err[CB_ERRLEN] = "";
        assert_int_equal(kbImport(file, out, 0, &d, err), CB_ERR);
        size_t k;
        for (k = 0; k < d.n; k++)
            if (strstr(d.v[k].msg, c->text) && (c->line == 0 || (d.v[k].line == c->line &&
                                                                  d.v[k].col == c->col)))
                break;
        if (k == d.n) {
            cbDiagsPrint(&d, "text", stderr);
            fail_msg("case '%s': err '%s'", c->name, err);
        }
        for (k = 0; k < d.n; k++) { /* every problem points at the input, none at a temp file */
            assert_string_equal(d.v[k].file, file);
            assert_null(strstr(d.v[k].msg, ".import-"));
            assert_null(strstr(d.v[k].msg, tmp));
        }
        struct stat st;
        assert_int_not_equal(stat(out, &st), 0); /* nothing left behind */
        cbDiagsFree(&d);
    }
    ktRmTree(tmp);
    free(file);
    free(out);
    free(tmp);
}

/* A problem in out-of-scope.txt is reported at its line inside the
 * "out_of_scope" string of the JSON, and nothing is written. */
static void test_import_out_of_scope_line(void **state) {
    (void)state;
    char *tmp = ktTempDir(), *file = cbSprintf("%s/in.json", tmp), *out = cbSprintf("%s/out", tmp);
    char longq[600];
    memset(longq, 'x', sizeof longq - 1);
    longq[sizeof longq - 1] = '\0';
    char *json = cbSprintf("{\"topics\": [], \"entries\": [],\n"
                           " \"out_of_scope\": \"# a comment\\nhow do i sort a dict\\n%s\\n\"}\n", longq);
    ktWrite(file, json);
    cbDiags d;
    cbDiagsInit(&d);
    char err[CB_ERRLEN] = "";
    assert_int_equal(kbImport(file, out, 0, &d, err), CB_ERR);
    size_t k;
    for (k = 0; k < d.n && !strstr(d.v[k].msg, "out-of-scope.txt: question longer than"); k++) {}
    if (k == d.n) cbDiagsPrint(&d, "text", stderr);
    assert_true(k < d.n);
    assert_string_equal(d.v[k].file, file);
    assert_int_equal(d.v[k].line, 2);
    assert_int_equal(d.v[k].col, 54); /* the third line of the text starts there */
    struct stat st;
    assert_int_not_equal(stat(out, &st), 0);
    cbDiagsFree(&d);
    ktRmTree(tmp);
    free(json);
    free(tmp);
    free(file);
    free(out);
}

static void test_kb_new(void **state) {
    (void)state;
    char *tmp = ktTempDir();
    ktCopyTree("tests/fixtures/kb/good", tmp);
    char err[CB_ERRLEN];
    char *path = NULL;
    assert_int_equal(kbNewEntry(tmp, "Bad/Id", &path, err), CB_ERR);
    assert_int_equal(kbNewEntry(tmp, "career/switching-roles", &path, err), CB_OK);
    char *want = cbSprintf("%s/career/switching-roles.md", tmp);
    assert_string_equal(path, want);
    free(path);
    assert_int_equal(kbNewEntry(tmp, "career/switching-roles", &path, err), CB_ERR);
    assert_non_null(strstr(err, "already exists"));
    cbDiags d;
    cbDiagsInit(&d);
    assert_null(kbLoad(tmp, &d)); /* the template fails until edited */
    size_t inEntry = 0, inTopic = 0, url = 0;
    for (size_t i = 0; i < d.n; i++) {
        if (d.v[i].severity != CB_DIAG_ERROR) continue;
        assert_non_null(strstr(d.v[i].msg, "template text from 'kb new'"));
        assert_true(d.v[i].line > 0);
        inEntry += strstr(d.v[i].file, "switching-roles.md") != NULL;
        inTopic += strstr(d.v[i].file, "career/_topic.json") != NULL;
        url += strstr(d.v[i].msg, "'url'") != NULL;
    }
    assert_int_equal(inTopic, 2);
    assert_int_equal(url, 2);      /* the source's and the link's */
    assert_true(inEntry >= 10);    /* every field of the template */
    cbDiagsFree(&d);
    /* The new entry in an existing topic does not touch its _topic.json. */
    assert_int_equal(kbNewEntry(tmp, "learning/mentors", &path, err), CB_OK);
    free(path);
    char *t = ktRead("tests/fixtures/kb/good/learning/_topic.json");
    char *tpath = cbSprintf("%s/learning/_topic.json", tmp);
    char *t2 = ktRead(tpath);
    assert_string_equal(t, t2);
    free(t);
    free(t2);
    free(tpath);
    free(want);
    ktRmTree(tmp);
    free(tmp);
}

/* Records and fields of an RFC 4180 text; fields of record r, column c
 * copied into out when asked. A quote outside a quoted field fails. */
static int csvCount(const char *s, size_t *records, size_t *fields_first, size_t r, size_t c,
                    char *out, size_t cap) {
    size_t rec = 0, col = 0, o = 0;
    *fields_first = 0;
    while (*s) {
        int quoted = *s == '"';
        if (quoted) s++;
        for (;;) {
            if (!*s) return quoted ? -1 : 0;
            if (quoted && s[0] == '"' && s[1] == '"') s++;
            else if (quoted && *s == '"') { s++; break; }
            else if (!quoted && (*s == ',' || *s == '\r')) break;
            else if (!quoted && *s == '"') return -1;
            if (rec == r && col == c && o + 1 < cap) out[o++] = *s;
            s++;
        }
        if (*s == ',') { col++; s++; continue; }
        if (s[0] != '\r' || s[1] != '\n') return -1;
        s += 2;
        if (rec == 0) *fields_first = col + 1;
        rec++;
        col = 0;
    }
    if (out && cap) out[o] = '\0';
    *records = rec;
    return 0;
}

static void test_export_csv(void **state) {
    (void)state;
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad("tests/fixtures/kb/good", &d);
    assert_non_null(k);
    char err[CB_ERRLEN];
    char *csv = kbExportCsv(k, ',', err);
    static const char head[] = "Id,Question,Summary,Answer,Alternates,Keywords,Patterns,Sources,"
                               "Links,Related,Updated\r\n";
    assert_true(strncmp(csv, head, sizeof head - 1) == 0);
    size_t recs = 0, cols = 0;
    char cell[512];
    assert_int_equal(csvCount(csv, &recs, &cols, 1, 7, cell, sizeof cell), 0);
    assert_int_equal(recs, 1 + k->nentries);
    assert_int_equal(cols, 11);
    assert_string_equal(k->entries[0].id, "frameworks/django-vs-flask");
    /* Sources of the first entry: one per line, "Title <url>" */
    assert_non_null(strstr(cell, "\nDjango documentation <https://docs.djangoproject.com/"));
    assert_int_equal(csvCount(csv, &recs, &cols, 1, 3, cell, sizeof cell), 0);
    assert_true(strncmp(cell, "**Start with", 12) == 0); /* the answer, quoted whole */
    free(csv);
    kbFree(k);
    cbDiagsFree(&d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonloc),
        cmocka_unit_test(test_validators),
        cmocka_unit_test(test_saved_wrong),
        cmocka_unit_test(test_crisis_file),
        cmocka_unit_test(test_phrase_key_pieces),
        cmocka_unit_test(test_jloc_index),
        cmocka_unit_test(test_export_import_fixture),
        cmocka_unit_test(test_import_drops_a_topic_with_notes),
        cmocka_unit_test(test_import_keeps_examples),
        cmocka_unit_test(test_export_import_real),
        cmocka_unit_test(test_export_import_smalltalk),
        cmocka_unit_test(test_import_errors),
        cmocka_unit_test(test_kb_new),
        cmocka_unit_test(test_import_out_of_scope_line),
        cmocka_unit_test(test_export_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
