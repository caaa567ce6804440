/* kb_parse.c - parse and validate one knowledge entry file: "---", front
 * matter, "---", Markdown answer. The front matter is YAML (kb_yaml.c,
 * libfyaml) or, when it starts with '{', JSON (jansson, strictly, as the
 * files were first written); both become one jansson tree checked by the
 * same validators. Every problem becomes a diagnostic at its
 * file:line:col; patterns are compiled with PCRE2 to validate them and its
 * error offset is mapped back into the string as written. Cross-file
 * checks (ids, related, duplicates) are in kb_cross.c. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/jsonloc.h"
#include "kb/kb_int.h"
#include "kb/kb_pattern.h"

#define KB_MAX_PATTERN 1024

static const char *const kbEntryFields[] = {"question", "summary", "alternates", "keywords",
                                            "patterns", "sources", "links",      "related",
                                            "updated"};
static const char *const kbSourceFields[] = {"title", "url", "publisher", "date"};
static const char *const kbLinkFields[] = {"title", "url"};

void kbEntryFree(kbEntry *e) {
    free(e->phrase_hash);
    free(e->id);
    free(e->topic);
    free(e->path);
    free(e->question);
    free(e->summary);
    kbStrsFree(&e->alternates);
    kbStrsFree(&e->keywords);
    kbStrsFree(&e->patterns);
    kbStrsFree(&e->related);
    for (size_t i = 0; i < e->nsources; i++) {
        free(e->sources[i].title);
        free(e->sources[i].url);
        free(e->sources[i].publisher);
        free(e->sources[i].date);
    }
    free(e->sources);
    for (size_t i = 0; i < e->nlinks; i++) {
        free(e->links[i].title);
        free(e->links[i].url);
    }
    free(e->links);
    free(e->updated);
    free(e->answer);
    memset(e, 0, sizeof(*e));
}

/* A line that is exactly "---" (trailing spaces and CR allowed). */
static int kbIsDelim(const char *s, const char *end) {
    if (end - s < 3 || memcmp(s, "---", 3) != 0) return 0;
    for (s += 3; s < end; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r') return 0;
    return 1;
}

/* A line meant as the closing '---' but mistyped: "--", "----", "- - -",
 * an em dash line, or "---" with text after it. */
static int kbNearDelim(const char *s, const char *e) {
    size_t dashes = 0, other = 0;
    for (const char *c = s; c < e; c++) {
        if (*c == '-') dashes++;
        else if ((unsigned char)*c == 0xE2 && c + 2 < e && (unsigned char)c[1] == 0x80 &&
                 ((unsigned char)c[2] == 0x94 || (unsigned char)c[2] == 0x93))
            dashes += 2, c += 2; /* an em or en dash: an editor turned "--" into it */
        else if (*c != ' ' && *c != '\t' && *c != '\r') other++;
    }
    return *s != ' ' && dashes >= 2 && dashes <= 6 && other == 0;
}

/* Find the front matter; *ans = offset of the answer, *ansline its line. */
static int kbSplit(const char *path, const char *data, size_t len, cbDiags *d, kbJson *fm,
                   size_t *ans, int *ansline) {
    const char *p = data, *end = data + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* BOM */
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl && memchr(p, '\r', (size_t)(end - p))) { /* old Mac OS: CR alone ends lines */
        cbDiagAdd(d, CB_DIAG_ERROR, path, 1, 1,
                  "the file's lines end with a carriage return alone (old Mac line endings): "
                  "save it with Unix (LF) or Windows (CRLF) line endings");
        return CB_ERR;
    }
    if (!kbIsDelim(p, nl ? nl : end)) {
        cbDiagAdd(d, CB_DIAG_ERROR, path, 1, 1,
                  "the file must start with a line '---', then the front matter (YAML), "
                  "then a line '---', then the answer");
        return CB_ERR;
    }
    const char *js = nl ? nl + 1 : end;
    int line = 2;
    for (const char *q = js; q < end; line++) {
        const char *e = memchr(q, '\n', (size_t)(end - q));
        if (kbIsDelim(q, e ? e : end)) {
            fm->path = path;
            fm->text = js;
            fm->len = (size_t)(q - js);
            fm->line0 = 1;
            *ans = e ? (size_t)(e + 1 - data) : len;
            *ansline = line + 1;
            return CB_OK;
        }
        if (!e) break;
        q = e + 1;
    }
    int near_line = 0;
    line = 2;
    for (const char *q = js; q < end && !near_line; line++) { /* a close mistyped? */
        const char *e = memchr(q, '\n', (size_t)(end - q));
        if (kbNearDelim(q, e ? e : end)) near_line = line;
        q = e ? e + 1 : end;
    }
    if (near_line) {
        cbDiagAdd(d, CB_DIAG_ERROR, path, near_line, 1,
                  "the line that closes the front matter must be exactly '---' (three dashes "
                  "and nothing else)");
        return CB_ERR;
    }
    cbDiagAdd(d, CB_DIAG_ERROR, path, 1, 1,
              "no closing '---' line after the front matter that starts here; "
              "add a line '---' after the front matter");
    return CB_ERR;
}

static void kbPatternError(cbDiags *d, const kbJson *j, size_t i, int code, size_t erroff) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof(msg));
    char p[64];
    snprintf(p, sizeof(p), "/patterns/%zu", i);
    size_t off = 0, raw;
    int line, col, found;
    if (j->map)
        found = kbPosMapStringByte(j->map, j->text, j->len, p, erroff, &raw);
    else
        found = jlocFind(j->text, j->len, p, 0, &off) == CB_OK
                    ? jlocStringByte(j->text, j->len, off, erroff, &raw)
                    : CB_ERR;
    if (found == CB_OK) {
        jlocLineCol(j->text, j->len, raw, &line, &col);
        line += j->line0;
    } else {
        kbPosAt(j, p, 0, &line, &col);
    }
    cbDiagAdd(d, CB_DIAG_ERROR, j->path, line, col, "invalid regex in 'patterns': %s", (char *)msg);
}

/* A fix written in the file's own syntax: YAML front matter (j->map) or
 * JSON. */
static const char *kbHint(const kbJson *j, const char *yaml, const char *json) {
    return j->map ? yaml : json;
}

/* "\\bdjango\\b" copied from a JSON example into YAML single quotes:
 * PCRE2 reads \\ as a backslash character, so the pattern looks for
 * "\bdjango" written out and never matches a question. */
static void kbLiteralBackslash(cbDiags *d, const kbJson *j, size_t i, const char *pat) {
    for (const char *c = pat; *c; c++) {
        if (c[0] != '\\') continue;
        if (c[1] == '\\' && c[2] && strchr("bBdDsSwW", c[2])) {
            char p[64];
            snprintf(p, sizeof(p), "/patterns/%zu", i);
            kbDiagAt(d, CB_DIAG_WARNING, j, p, 0,
                     "pattern has '\\\\%c', which looks for a backslash character, so it "
                     "matches almost no question: %s",
                     c[2],
                     kbHint(j, "in single quotes write one backslash, like '\\bword\\b'",
                            "in JSON write two backslashes, like \"\\\\bword\\\\b\""));
            return;
        }
        if (c[1]) c++; /* an escape: skip what it escapes */
    }
}

static int kbCheckPatterns(cbDiags *d, const kbJson *j, const kbStrs *pats) {
    int rc = CB_OK;
    for (size_t i = 0; i < pats->n; i++) {
        if (strlen(pats->v[i]) > KB_MAX_PATTERN) {
            char p[64];
            snprintf(p, sizeof(p), "/patterns/%zu", i);
            kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "pattern is longer than %d bytes; simplify it",
                     KB_MAX_PATTERN);
            rc = CB_ERR;
            continue;
        }
        const char *c = pats->v[i];
        while (*c && !cbControlLen(c)) c++;
        if (*c) { /* "\bword\b" in double quotes: YAML and JSON read \b as a backspace */
            char p[64];
            snprintf(p, sizeof(p), "/patterns/%zu", i);
            kbDiagAt(d, CB_DIAG_ERROR, j, p, 0,
                     "pattern holds a control character (%s), so it can never match; in "
                     "double quotes \\b is a backspace: %s",
                     *c == '\b' ? "a backspace" : *c == '\t' ? "a tab" : "not text",
                     kbHint(j, "write the pattern in single quotes, like '\\bword\\b'",
                            "write each backslash twice, like \"\\\\bword\\\\b\""));
            rc = CB_ERR;
            continue;
        }
        kbLiteralBackslash(d, j, i, pats->v[i]);
        int code;
        PCRE2_SIZE erroff;
        pcre2_code *re = kbPatternCompile(pats->v[i], &code, &erroff);
        if (!re) {
            kbPatternError(d, j, i, code, erroff);
            rc = CB_ERR;
        }
        pcre2_code_free(re);
    }
    return rc;
}

/* The "url" of a source or link: valid http(s), position remembered. */
static int kbGetUrl(cbDiags *d, const kbJson *j, json_t *o, const char *p, int required,
                    char **url, int *line, int *col) {
    if (kbGetStr(d, j, o, p, "url", required, url) != CB_OK) return CB_ERR;
    if (!*url) return CB_OK;
    char pu[128];
    snprintf(pu, sizeof(pu), "%s/url", p);
    kbPosAt(j, pu, 0, line, col);
    if (strlen(*url) > KB_MAX_URL) { /* Slack refuses a whole reply over a line this long */
        kbDiagAt(d, CB_DIAG_ERROR, j, pu, 0,
                 "the URL is %zu characters; the limit is %d: shorten it (drop tracking "
                 "parameters, or link the page that holds it)",
                 strlen(*url), KB_MAX_URL);
        free(*url);
        *url = NULL;
        return CB_ERR;
    }
    if (kbValidUrl(*url)) return CB_OK;
    const char *odd = strpbrk(*url, "\"<>\\`");
    if (odd && strncmp(*url, "http", 4) == 0)
        kbDiagAt(d, CB_DIAG_ERROR, j, pu, 0,
                 "'%.200s' holds '%c', which is never part of a web address (copied along with "
                 "it?): remove it, or write it as %%%02X if the page really has it",
                 *url, *odd, (unsigned char)*odd);
    else
        kbDiagAt(d, CB_DIAG_ERROR, j, pu, 0,
                 "'%.200s' is not a valid URL; use a full http(s) address like "
                 "https://example.org/page",
                 *url);
    free(*url);
    *url = NULL;
    return CB_ERR;
}

/* Common shape check for "sources" and "links": an array of objects. */
static json_t *kbObjArray(cbDiags *d, const kbJson *j, json_t *root, const char *key,
                          const char *shape, int *rc) {
    json_t *a = json_object_get(root, key);
    char p[64];
    snprintf(p, sizeof(p), "/%s", key);
    if (a && !json_is_array(a)) {
        if (j->map)
            kbDiagAt(d, CB_DIAG_ERROR, j, p, 0,
                     "'%s' must be a list of '- title: ...' items with 'url: ...' under each, "
                     "got %s", key, kbTypeNameIn(j, a));
        else
            kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "'%s' must be an array of objects %s, got %s", key,
                     shape, kbTypeName(a));
        *rc = CB_ERR;
        return NULL;
    }
    if (json_array_size(a) > KB_MAX_ITEMS) {
        kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "'%s' has %zu items; the limit is %d", key,
                 json_array_size(a), KB_MAX_ITEMS);
        *rc = CB_ERR;
        return NULL;
    }
    for (size_t i = 0; a && i < json_array_size(a); i++) {
        json_t *o = json_array_get(a, i);
        if (json_is_object(o)) continue;
        char pi[128];
        jlocIndex(pi, sizeof(pi), p, i);
        if (j->map)
            kbDiagAt(d, CB_DIAG_ERROR, j, pi, 0,
                     "'%s' item %zu must be '- title: ...' with 'url: ...' under it, got %s", key,
                     i + 1, kbTypeNameIn(j, o));
        else
            kbDiagAt(d, CB_DIAG_ERROR, j, pi, 0, "'%s' item %zu must be an object %s, got %s", key,
                     i + 1, shape, kbTypeName(o));
        *rc = CB_ERR;
    }
    return a; /* items that are not objects are skipped by the callers */
}

static int kbParseSource(cbDiags *d, const kbJson *j, json_t *o, size_t i, kbSource *s) {
    char p[64];
    snprintf(p, sizeof(p), "/sources/%zu", i);
    int rc = kbCheckKeys(d, j, o, p, kbSourceFields, CB_ARRAY_LEN(kbSourceFields)) ? CB_ERR
                                                                                  : CB_OK;
    if (kbGetStr(d, j, o, p, "title", 1, &s->title) != CB_OK) rc = CB_ERR;
    int seed = s->title && strncmp(s->title, KB_SEED_TITLE, strlen(KB_SEED_TITLE)) == 0;
    if (!seed && !json_object_get(o, "url")) {
        kbDiagAt(d, CB_DIAG_ERROR, j, p, 0,
                 "missing required field 'url' in this source (only the seed article '%s' "
                 "may have no url)",
                 KB_SEED_TITLE);
        rc = CB_ERR;
    } else if (kbGetUrl(d, j, o, p, 0, &s->url, &s->url_line, &s->url_col) != CB_OK) {
        rc = CB_ERR;
    }
    if (kbGetStr(d, j, o, p, "publisher", 0, &s->publisher) != CB_OK) rc = CB_ERR;
    if (kbGetStr(d, j, o, p, "date", 0, &s->date) != CB_OK) rc = CB_ERR;
    if (s->date && !kbValidPartialDate(s->date)) {
        char pd[80];
        snprintf(pd, sizeof(pd), "%s/date", p);
        kbDiagAt(d, CB_DIAG_ERROR, j, pd, 0,
                 "'%.40s' is not a date; write when the source was published as YYYY, YYYY-MM "
                 "or YYYY-MM-DD (users see it next to the source)",
                 s->date);
        rc = CB_ERR;
    }
    return rc;
}


#define KB_HINT_ITEM_YAML "a list item '- title: ...' with 'url: ...' under it"
#define KB_HINT_ITEM_JSON "{\"title\": ..., \"url\": ...}"

static int kbParseSources(cbDiags *d, const kbJson *j, json_t *root, kbEntry *e) {
    int rc = CB_OK;
    json_t *a = kbObjArray(d, j, root, "sources", "{\"title\", \"url\"}", &rc);
    if (!a && json_object_get(root, "sources")) return rc;
    if (json_array_size(a) == 0) {
        kbDiagAt(d, CB_DIAG_ERROR, j, a ? "/sources" : "", 0,
                 "%s: every entry needs at least one source, %s",
                 a ? "'sources' is empty" : "missing required field 'sources'",
                 kbHint(j, KB_HINT_ITEM_YAML, KB_HINT_ITEM_JSON));
        return CB_ERR;
    }
    e->sources = cbCalloc(json_array_size(a), sizeof(kbSource));
    e->nsources = json_array_size(a);
    for (size_t i = 0; i < e->nsources; i++) {
        json_t *o = json_array_get(a, i);
        if (json_is_object(o) && kbParseSource(d, j, o, i, &e->sources[i]) != CB_OK) rc = CB_ERR;
    }
    return rc;
}

static int kbParseLinks(cbDiags *d, const kbJson *j, json_t *root, kbEntry *e) {
    int rc = CB_OK;
    json_t *a = kbObjArray(d, j, root, "links", "{\"title\", \"url\"}", &rc);
    if (!a) return rc;
    e->links = cbCalloc(json_array_size(a) + 1, sizeof(kbLink));
    e->nlinks = json_array_size(a);
    for (size_t i = 0; i < e->nlinks; i++) {
        json_t *o = json_array_get(a, i);
        kbLink *l = &e->links[i];
        if (!json_is_object(o)) continue;
        char p[64];
        snprintf(p, sizeof(p), "/links/%zu", i);
        if (kbCheckKeys(d, j, o, p, kbLinkFields, CB_ARRAY_LEN(kbLinkFields))) rc = CB_ERR;
        if (kbGetStr(d, j, o, p, "title", 1, &l->title) != CB_OK) rc = CB_ERR;
        if (kbGetUrl(d, j, o, p, 1, &l->url, &l->url_line, &l->url_col) != CB_OK) rc = CB_ERR;
        for (size_t k = 0; l->url && k < i; k++)
            if (e->links[k].url && strcmp(e->links[k].url, l->url) == 0) {
                kbDiagAt(d, CB_DIAG_ERROR, j, p, 0,
                         "'links' item %zu goes to the same address as item %zu; remove one", i + 1,
                         k + 1);
                rc = CB_ERR;
                break;
            }
    }
    return rc;
}

static int kbParseUpdated(cbDiags *d, const kbJson *j, json_t *root, kbEntry *e) {
    if (kbGetStr(d, j, root, "", "updated", 0, &e->updated) != CB_OK) return CB_ERR;
    if (!e->updated) {
        kbDiagAt(d, CB_DIAG_WARNING, j, "", 0,
                 "no 'updated' date; add %s (the day you last checked this entry)",
                 kbHint(j, "a line 'updated: YYYY-MM-DD'", "\"updated\": \"YYYY-MM-DD\""));
        return CB_OK;
    }
    if (kbValidDate(e->updated)) return CB_OK;
    kbDiagAt(d, CB_DIAG_ERROR, j, "/updated", 0, "%.40s is not a date; use YYYY-MM-DD", e->updated);
    free(e->updated);
    e->updated = NULL;
    return CB_ERR;
}

/* Markdown markers a plain-text summary must not carry (chat platforms
 * show it as is, escaped). */
static const char *kbSummaryMarkup(const char *s) {
    static const char *const marks[] = {"**", "__", "`", "](", "~~", "<http"};
    for (size_t i = 0; i < CB_ARRAY_LEN(marks); i++)
        if (strstr(s, marks[i])) return marks[i];
    return NULL;
}

/* "summary": optional but checked: one paragraph of plain text, at most
 * KB_MAX_SUMMARY_WORDS words; a warning when missing. */
static int kbParseSummary(cbDiags *d, const kbJson *j, json_t *root, kbEntry *e) {
    if (kbGetStr(d, j, root, "", "summary", 0, &e->summary) != CB_OK) return CB_ERR;
    if (!e->summary) {
        kbDiagAt(d, CB_DIAG_WARNING, j, "", 0,
                 "no 'summary'; add the short answer in plain text (at most %d words) that "
                 "chat platforms show first",
                 KB_MAX_SUMMARY_WORDS);
        return CB_OK;
    }
    size_t n = strlen(e->summary); /* a YAML block scalar ends with a line break */
    while (n > 0 && strchr(" \t\r\n", e->summary[n - 1])) e->summary[--n] = '\0';
    size_t words = kbWordCount(e->summary);
    const char *mark = kbSummaryMarkup(e->summary);
    int rc = CB_ERR;
    if (words > KB_MAX_SUMMARY_WORDS)
        kbDiagAt(d, CB_DIAG_ERROR, j, "/summary", 0,
                 "'summary' has %zu words; keep it to at most %d (the full answer is one click "
                 "away)",
                 words, KB_MAX_SUMMARY_WORDS);
    else if (strpbrk(e->summary, "\r\n"))
        kbDiagAt(d, CB_DIAG_ERROR, j, "/summary", 0, "'summary' must be one paragraph (no line breaks)");
    else if (mark)
        kbDiagAt(d, CB_DIAG_ERROR, j, "/summary", 0,
                 "'summary' is plain text shown as written; remove the Markdown '%s'", mark);
    else
        rc = CB_OK;
    if (rc != CB_OK) {
        free(e->summary);
        e->summary = NULL;
    }
    return rc;
}

static int kbLineOf(const kbJson *j, const char *ptr) {
    int line, col;
    kbPosAt(j, ptr, 0, &line, &col);
    return line;
}

static int kbParseFields(cbDiags *d, const kbJson *j, json_t *root, kbEntry *e) {
    int rc = CB_OK;
    if (kbCheckKeys(d, j, root, "", kbEntryFields, CB_ARRAY_LEN(kbEntryFields))) rc = CB_ERR;
    if (kbGetStr(d, j, root, "", "question", 1, &e->question) != CB_OK) rc = CB_ERR;
    if (kbParseSummary(d, j, root, e) != CB_OK) rc = CB_ERR;
    if (kbGetStrs(d, j, root, "alternates", &e->alternates) != CB_OK) rc = CB_ERR;
    if (kbGetStrs(d, j, root, "keywords", &e->keywords) != CB_OK) rc = CB_ERR;
    if (kbGetStrs(d, j, root, "patterns", &e->patterns) != CB_OK) rc = CB_ERR;
    else if (kbCheckPatterns(d, j, &e->patterns) != CB_OK) rc = CB_ERR;
    if (kbParseSources(d, j, root, e) != CB_OK) rc = CB_ERR;
    if (kbParseLinks(d, j, root, e) != CB_OK) rc = CB_ERR;
    if (kbGetStrs(d, j, root, "related", &e->related) != CB_OK) rc = CB_ERR;
    if (kbParseUpdated(d, j, root, e) != CB_OK) rc = CB_ERR;
    if (rc == CB_OK && e->nlinks == 0)
        kbDiagAt(d, CB_DIAG_WARNING, j, json_object_get(root, "links") ? "/links" : "", 0,
                 "no 'links'; add at least one, %s, for further reading",
                 kbHint(j, KB_HINT_ITEM_YAML, KB_HINT_ITEM_JSON));
    e->question_line = kbLineOf(j, "/question");
    e->alternates_line = json_object_get(root, "alternates") ? kbLineOf(j, "/alternates") : 0;
    e->patterns_line = json_object_get(root, "patterns") ? kbLineOf(j, "/patterns") : 0;
    e->links_line = json_object_get(root, "links") ? kbLineOf(j, "/links") : 0;
    return rc;
}

/* The answer: trimmed Markdown after the closing "---". */
static int kbParseAnswer(const char *path, const char *data, size_t len, size_t ans,
                         int ansline, cbDiags *d, kbEntry *e) {
    size_t a = ans, b = len;
    int first = ansline;
    while (a < b && strchr(" \t\r\n", data[a])) {
        if (data[a] == '\n') ansline++;
        a++;
    }
    while (b > a && strchr(" \t\r\n", data[b - 1])) b--;
    if (a == b) {
        cbDiagAdd(d, CB_DIAG_ERROR, path, first, 1,
                  "empty answer: write the answer in Markdown after the second '---' line");
        return CB_ERR;
    }
    if (memmem(data + a, b - a, KB_PLACEHOLDER, strlen(KB_PLACEHOLDER))) {
        cbDiagAdd(d, CB_DIAG_ERROR, path, ansline, 1,
                  "the answer still has the template text from 'kb new'; replace it");
        return CB_ERR;
    }
    e->answer = cbStrndup(data + a, b - a);
    e->answer_line = ansline;
    return CB_OK;
}

/* JSON when the first thing in it is '{' (the files' first format, read
 * strictly by jansson), else YAML. NULL after reporting a syntax error. */
static json_t *kbFrontMatter(cbDiags *d, kbJson *fm) {
    size_t i = 0;
    while (i < fm->len && strchr(" \t\r\n", fm->text[i])) i++;
    if (i < fm->len && fm->text[i] == '{') {
        json_error_t err;
        json_t *root = json_loadb(fm->text, fm->len, JSON_REJECT_DUPLICATES, &err);
        if (!root) kbJsonSyntax(d, fm, &err);
        return root;
    }
    json_t *root = NULL;
    kbPosMap *map = NULL;
    kbYamlParse(fm, d, &root, &map);
    fm->map = map;
    return root;
}

int kbParseEntryAt(const char *path, const char *data, size_t len, cbDiags *d, kbParsed *p) {
    memset(p, 0, sizeof(*p));
    size_t before = d->nerrors, ans;
    int ansline;
    if (len > KB_MAX_FILE) {
        cbDiagAdd(d, CB_DIAG_ERROR, path, 0, 0, "file is %zu bytes; the limit is 256 KiB", len);
        return CB_ERR;
    }
    if (kbCheckText(path, data, len, d) != CB_OK) return CB_ERR;
    if (kbSplit(path, data, len, d, &p->fm, &ans, &ansline) != CB_OK) return CB_ERR;
    json_t *root = kbFrontMatter(d, &p->fm);
    if (root && !json_is_object(root)) {
        if (p->fm.map)
            kbDiagAt(d, CB_DIAG_ERROR, &p->fm, "", 0,
                     "the front matter must be fields like 'question: ...' one per line, got %s",
                     kbTypeNameIn(&p->fm, root));
        else
            kbDiagAt(d, CB_DIAG_ERROR, &p->fm, "", 0,
                     "the front matter must be a JSON object {...}, got %s", kbTypeName(root));
    } else if (root) {
        kbParseFields(d, &p->fm, root, &p->e);
    }
    json_decref(root);
    kbParseAnswer(path, data, len, ans, ansline, d, &p->e);
    p->e.path = cbStrdup(path);
    p->ok = d->nerrors == before;
    if (!p->ok) kbEntryFree(&p->e);
    return p->ok ? CB_OK : CB_ERR;
}

int kbParseEntry(const char *path, const char *data, size_t len, cbDiags *d, kbEntry *out) {
    kbParsed p;
    int rc = kbParseEntryAt(path, data, len, d, &p);
    kbPosMapFree(p.fm.map);
    *out = p.e;
    return rc;
}
