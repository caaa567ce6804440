/* kb_yaml_emit.c - write an entry's front matter as YAML, the way a
 * maintainer would: block style, one field per line, lists as "- item",
 * strings plain when YAML reads them back unchanged, single-quoted
 * otherwise (patterns always: a regex keeps its backslashes as written),
 * double-quoted with escapes only for line breaks and control characters.
 * Used by `kb import`; kb_yaml.c reads it back to the same values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/common.h"
#include "kb/kb_int.h"

/* Bytes a YAML scalar may not carry unescaped: C0/C1 controls, DEL, BOM,
 * line and paragraph separators. */
static int kbYNeedsEscape(const unsigned char *s) {
    for (; *s; s++) {
        if (*s < 0x20 || *s == 0x7F) return 1;
        if (s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) return 1;
        if (s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) return 1;
        if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9)) return 1;
    }
    return 0;
}

/* Whether s can be written plain (unquoted) after "key: " or "- " and read
 * back as the same string. Conservative: anything doubtful is quoted. */
static int kbYPlainOk(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || strchr("-?:,[]{}#&*!|>'\"%@`. \t", s[0]) || strchr(" \t:", s[n - 1]))
        return 0;
    if (strstr(s, ": ") || strstr(s, " #") || kbYNeedsEscape((const unsigned char *)s)) return 0;
    static const char *const yaml11[] = {"yes", "no", "on", "off", "y", "n"};
    for (size_t i = 0; i < CB_ARRAY_LEN(yaml11); i++)
        if (strcasecmp(s, yaml11[i]) == 0) return 0; /* booleans to YAML 1.1 tools */
    return kbYamlPlainType(s, n) == 's';
}

static void kbYDouble(cbBuf *b, const char *s) {
    bufAppendStr(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') bufPrintf(b, "\\%c", *p);
        else if (*p == '\n') bufAppendStr(b, "\\n");
        else if (*p == '\t') bufAppendStr(b, "\\t");
        else if (*p == '\r') bufAppendStr(b, "\\r");
        else if (*p < 0x20 || *p == 0x7F) bufPrintf(b, "\\x%02X", *p);
        else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) bufPrintf(b, "\\x%02X", *++p);
        else if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) bufAppendStr(b, "\\uFEFF"), p += 2;
        else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xA8) bufAppendStr(b, "\\L"), p += 2;
        else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xA9) bufAppendStr(b, "\\P"), p += 2;
        else bufAppend(b, (const char *)p, 1);
    }
    bufAppendStr(b, "\"");
}

static void kbYScalar(cbBuf *b, const char *s, int quote) {
    if (kbYNeedsEscape((const unsigned char *)s)) {
        kbYDouble(b, s);
    } else if (!quote && kbYPlainOk(s)) {
        bufAppendStr(b, s);
    } else {
        bufAppendStr(b, "'");
        for (const char *p = s; *p; p++) bufAppendStr(b, *p == '\'' ? "''" : (char[]){*p, 0});
        bufAppendStr(b, "'");
    }
}

/* A list item that is an object: "- title: ...\n    url: ...". */
static void kbYObjectItem(cbBuf *b, json_t *o) {
    static const char *const order[] = {"title", "url", "publisher", "date"};
    int first = 1;
    for (size_t i = 0; i < CB_ARRAY_LEN(order); i++) {
        const char *v = json_string_value(json_object_get(o, order[i]));
        if (!v) continue;
        bufPrintf(b, "%s%s: ", first ? "  - " : "    ", order[i]);
        kbYScalar(b, v, 0);
        bufAppendStr(b, "\n");
        first = 0;
    }
    if (first) bufAppendStr(b, "  - {}\n");
}

static void kbYField(cbBuf *b, const char *key, json_t *v) {
    int quote = strcmp(key, "patterns") == 0;
    if (json_is_string(v)) {
        bufPrintf(b, "%s: ", key);
        kbYScalar(b, json_string_value(v), quote);
        bufAppendStr(b, "\n");
        return;
    }
    if (!json_is_array(v)) return;
    if (json_array_size(v) == 0) {
        bufPrintf(b, "%s: []\n", key);
        return;
    }
    bufPrintf(b, "%s:\n", key);
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *it = json_array_get(v, i);
        if (json_is_object(it)) {
            kbYObjectItem(b, it);
        } else if (json_is_string(it)) {
            bufAppendStr(b, "  - ");
            kbYScalar(b, json_string_value(it), quote);
            bufAppendStr(b, "\n");
        }
    }
}

char *kbYamlFrontMatter(json_t *e, const char *const *keys, size_t nkeys) {
    cbBuf b;
    bufInit(&b, 4 * KB_MAX_FILE); /* the front matter of one file, with room for quoting */
    for (size_t k = 0; k < nkeys; k++) {
        json_t *v = json_object_get(e, keys[k]);
        if (v && !json_is_null(v)) kbYField(&b, keys[k], v);
    }
    return bufDetach(&b);
}
