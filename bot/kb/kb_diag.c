/* kb_diag.c - knowledge problems placed precisely inside front-matter
 * JSON (via jsonloc), jansson syntax errors turned into a fix in words, and
 * the "did you mean" helper. The list itself is base/diag.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/jsonloc.h"
#include "kb/kb_int.h"

void kbPosAt(const kbJson *j, const char *ptr, int key, int *line, int *col) {
    size_t off = 0;
    if (j->map) {
        if (kbPosMapOffset(j->map, ptr, key, &off) != CB_OK &&
            kbPosMapOffset(j->map, "", 0, &off) != CB_OK)
            off = 0;
    } else if (jlocFind(j->text, j->len, ptr, key, &off) != CB_OK) {
        off = 0;
    }
    jlocLineCol(j->text, j->len, off, line, col);
    *line += j->line0;
}

void kbDiagAt(cbDiags *d, cbSeverity sev, const kbJson *j, const char *ptr, int key,
              const char *fmt, ...) {
    int line, col;
    kbPosAt(j, ptr, key, &line, &col);
    va_list ap;
    va_start(ap, fmt);
    cbDiagAddV(d, sev, j->path, line, col, fmt, ap);
    va_end(ap);
}

/* A likely fix for the common mistakes, in words. */
static const char *kbJsonHint(const kbJson *j, const json_error_t *e, size_t off) {
    size_t p = off;
    while (p > 0 && strchr(" \t\r\n", j->text[p - 1])) p--;
    if (p > 0 && j->text[p - 1] == ',' && off < j->len && (j->text[off] == '}' || j->text[off] == ']'))
        return "remove the comma before it (JSON allows no trailing comma)";
    if ((strncmp(e->text, "'}' expected", 12) == 0 || strncmp(e->text, "']' expected", 12) == 0) &&
        off < j->len && (j->text[off] == '"' || j->text[off] == '{' || j->text[off] == '['))
        return "is a comma missing before it?";
    if (strstr(e->text, "duplicate object key")) return "each field may appear only once";
    return "check the quotes, commas and brackets";
}

/* jansson reports the position just after the offending token and names
 * the token ("near 'tru'"); point at the token's first character. */
void kbJsonSyntax(cbDiags *d, const kbJson *j, const json_error_t *e) {
    size_t off = e->position > 0 ? (size_t)e->position : 0;
    const char *near = strstr(e->text, " near '");
    if (near) {
        near += 7;
        size_t n = strlen(near);
        if (n > 0 && near[n - 1] == '\'') n--;
        if (n <= off && memcmp(j->text + off - n, near, n) == 0) off -= n;
    }
    if (off > j->len) off = j->len;
    int line, col;
    jlocLineCol(j->text, j->len, off, &line, &col);
    cbDiagAdd(d, CB_DIAG_ERROR, j->path, line + j->line0, col, "malformed JSON: %s; %s", e->text,
              kbJsonHint(j, e, off));
}

size_t kbEditDistance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 100 || lb > 100) return 100;
    size_t prev[101], cur[101];
    for (size_t k = 0; k <= lb; k++) prev[k] = k;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t k = 1; k <= lb; k++) {
            size_t sub = prev[k - 1] + (a[i - 1] != b[k - 1]);
            size_t del = prev[k] + 1, ins = cur[k - 1] + 1;
            cur[k] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

const char *kbClosest(const char *word, const char *const *cands, size_t n) {
    const char *best = NULL;
    size_t bestd = 100, wl = strlen(word);
    for (size_t i = 0; i < n; i++) {
        size_t dist = kbEditDistance(word, cands[i]);
        if (dist < bestd) {
            bestd = dist;
            best = cands[i];
        }
    }
    size_t limit = wl < 4 ? 1 : wl / 3 + 1; /* a typo, not another word */
    if (limit > 4) limit = 4;
    return best && bestd <= limit ? best : NULL;
}
