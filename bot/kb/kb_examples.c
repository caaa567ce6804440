/* kb_examples.c - the two knowledge files that steer matching rather than
 * answer anything:
 *
 *   out-of-scope.txt  questions the bot must decline, one a line ('#'
 *                     starts a comment line), in sections started by a
 *                     "[name]" line ("[coding-help]"): the matcher learns
 *                     each section as one more class, next to the entries'
 *                     questions and alternates, so it knows what kind of
 *                     question it declines (redirects.yaml then says where
 *                     to ask instead). Plain text, so anyone can add a line.
 *   matching.json     the decision thresholds on the calibrated
 *                     confidence: {"answer_threshold": 0.5,
 *                     "suggest_threshold": 0.2, "pattern_confidence": 0.95,
 *                     "redirect_threshold": 0.5, (how sure the section model
 *                     must be of a declined question's kind to use its
 *                     redirects.yaml reply) "asking_part_threshold": 0.9}
 *                     (how sure the sentences that ask, read alone, must be
 *                     to answer a message the whole of which is not),
 *                     "pattern_floor": 0.2 (how sure the classifier must be
 *                     of an entry for its pattern to lift it; unset: any),
 *                     "length_normalization": 0.7 (a question's features
 *                     are divided by their norm to this power: at 1, the
 *                     unset value, a word in a long question weighs less
 *                     than in a short one, so a preamble dilutes what the
 *                     question asks; below 1 it dilutes less).
 *
 * Mistakes are diagnostics with file:line:column like every other file. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_load.h"

#define OOS_MAX_LINE 500 /* bytes of one out-of-scope question */
#define OOS_MAX_LINES 20000

#define OOS_MAX_SECTIONS 64

static void oosPush(kbLoader *L, const char *s, size_t n, int line) {
    if (L->oos.n % 64 == 0) {
        L->oos.v = cbRealloc(L->oos.v, (L->oos.n + 64) * sizeof(*L->oos.v));
        L->oos_line = cbRealloc(L->oos_line, (L->oos.n + 64) * sizeof(*L->oos_line));
        L->oos_section = cbRealloc(L->oos_section, (L->oos.n + 64) * sizeof(*L->oos_section));
    }
    L->oos_line[L->oos.n] = line;
    L->oos_section[L->oos.n] = (uint32_t)(L->oos_sections.n - 1);
    L->oos.v[L->oos.n++] = cbStrndup(s, n);
}

static void sectionPush(kbLoader *L, const char *name, int line) {
    L->oos_sections.v = cbRealloc(L->oos_sections.v, (L->oos_sections.n + 1) * sizeof(char *));
    L->oos_section_line = cbRealloc(L->oos_section_line,
                                    (L->oos_sections.n + 1) * sizeof(*L->oos_section_line));
    L->oos_section_line[L->oos_sections.n] = line;
    L->oos_sections.v[L->oos_sections.n++] = cbStrdup(name);
}

/* "[name]" starts a section (p[0] is '['); errors say how to write one. */
static void sectionLine(kbLoader *L, const char *path, const char *p, size_t n, int line,
                        int col) {
    char name[64];
    size_t len = n >= 2 && p[n - 1] == ']' ? n - 2 : 0;
    if (len == 0 || len >= sizeof(name)) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, line, col, "a section line is a name in brackets, "
                  "like [coding-help] (lowercase letters, digits and '-', at most 63)");
        return;
    }
    memcpy(name, p + 1, len);
    name[len] = 0;
    if (!kbValidName(name)) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, line, col + 1, "section name '%s' may only use "
                  "lowercase letters, digits and '-'", name);
        return;
    }
    for (size_t i = 0; i < L->oos_sections.n; i++)
        if (strcmp(L->oos_sections.v[i], name) == 0) {
            cbDiagAdd(L->d, CB_DIAG_ERROR, path, line, col + 1, "section [%s] already starts "
                      "at line %d; add these questions there", name, L->oos_section_line[i]);
            return;
        }
    if (L->oos_sections.n >= OOS_MAX_SECTIONS) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, line, col, "more than %d sections; merge some",
                  OOS_MAX_SECTIONS - 1);
        return;
    }
    sectionPush(L, name, line);
}

/* One line (without its newline): trimmed, checked, kept. */
static void oosLine(kbLoader *L, const char *path, const char *p, size_t n, int line) {
    size_t a = 0;
    while (a < n && (p[a] == ' ' || p[a] == '\t')) a++;
    while (n > a && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r')) n--;
    if (a == n || p[a] == '#') return;
    if (p[a] == '[') {
        sectionLine(L, path, p + a, n - a, line, (int)a + 1);
        return;
    }
    if (n - a > OOS_MAX_LINE) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, line, OOS_MAX_LINE + 1,
                  "question longer than %d bytes; shorten it", OOS_MAX_LINE);
        return;
    }
    if (L->oos.n >= OOS_MAX_LINES) {
        cbDiagAdd(L->d, CB_DIAG_ERROR, path, line, 1, "more than %d questions; split the file's "
                  "work into fewer, more typical questions", OOS_MAX_LINES);
        return;
    }
    oosPush(L, p + a, n - a, line);
}

void kbLoadOutOfScope(kbLoader *L, const char *path) {
    char *data;
    size_t len;
    if (kbReadFile(path, L->d, &data, &len) != CB_OK) {
        L->oos_broken = 1;
        return;
    }
    L->oos_broken = kbCheckText(path, data, len, L->d) != CB_OK;
    if (!L->oos_broken) {
        int line = 0;
        sectionPush(L, "", 0);
        for (char *p = data, *nl; p < data + len; p = nl + 1) {
            nl = memchr(p, '\n', (size_t)(data + len - p));
            if (!nl) nl = data + len;
            oosLine(L, path, p, (size_t)(nl - p), ++line);
        }
        L->oos_path = cbStrdup(path);
    }
    free(data);
}

static const char *const kbMatchingFields[] = {"answer_threshold", "suggest_threshold",
                                               "pattern_confidence", "redirect_threshold",
                                               "asking_part_threshold", "pattern_floor",
                                               "length_normalization"};

/* Member key of root, a number in (0, 1]; absent leaves *out alone. */
static int matchingNum(kbLoader *L, const kbJson *j, json_t *root, const char *key, double *out) {
    json_t *v = json_object_get(root, key);
    if (!v) return CB_OK;
    char ptr[64];
    snprintf(ptr, sizeof(ptr), "/%s", key);
    if (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 1) {
        kbDiagAt(L->d, CB_DIAG_ERROR, j, ptr, 0, "'%s' must be a number above 0 and at most 1", key);
        return CB_ERR;
    }
    *out = json_number_value(v);
    return CB_OK;
}

void kbLoadMatching(kbLoader *L, const char *path) {
    char *data;
    size_t len;
    if (kbReadFile(path, L->d, &data, &len) != CB_OK) return;
    kbJson j = {.path = path, .text = data, .len = len};
    json_error_t e;
    int text = kbCheckText(path, data, len, L->d) == CB_OK;
    json_t *root = text ? json_loadb(data, len, JSON_REJECT_DUPLICATES, &e) : NULL;
    if (text && !root) kbJsonSyntax(L->d, &j, &e);
    if (root && !json_is_object(root)) {
        kbDiagAt(L->d, CB_DIAG_ERROR, &j, "", 0, "matching.json must be an object like "
                 "{\"answer_threshold\": 0.5, \"suggest_threshold\": 0.2}");
    } else if (root) {
        kbMatching m = {0};
        int bad = kbCheckKeys(L->d, &j, root, "", kbMatchingFields,
                              CB_ARRAY_LEN(kbMatchingFields)) > 0;
        bad |= matchingNum(L, &j, root, "answer_threshold", &m.answer_threshold) != CB_OK;
        bad |= matchingNum(L, &j, root, "suggest_threshold", &m.suggest_threshold) != CB_OK;
        bad |= matchingNum(L, &j, root, "pattern_confidence", &m.pattern_confidence) != CB_OK;
        bad |= matchingNum(L, &j, root, "redirect_threshold", &m.redirect_threshold) != CB_OK;
        bad |= matchingNum(L, &j, root, "asking_part_threshold", &m.asking_part_threshold) != CB_OK;
        bad |= matchingNum(L, &j, root, "pattern_floor", &m.pattern_floor) != CB_OK;
        bad |= matchingNum(L, &j, root, "length_normalization", &m.length_normalization) != CB_OK;
        if (!bad && m.answer_threshold > 0 && m.suggest_threshold > m.answer_threshold)
            kbDiagAt(L->d, CB_DIAG_ERROR, &j, "/suggest_threshold", 0,
                     "'suggest_threshold' (%g) is above 'answer_threshold' (%g)",
                     m.suggest_threshold, m.answer_threshold);
        else if (!bad && m.asking_part_threshold > 0 &&
                 m.asking_part_threshold < m.answer_threshold)
            kbDiagAt(L->d, CB_DIAG_ERROR, &j, "/asking_part_threshold", 0,
                     "'asking_part_threshold' (%g) is below 'answer_threshold' (%g): a second "
                     "look must be at least as sure as the first",
                     m.asking_part_threshold, m.answer_threshold);
        else if (!bad && m.pattern_confidence > 0 && m.answer_threshold > 0 &&
                 m.pattern_confidence < m.answer_threshold)
            kbDiagAt(L->d, CB_DIAG_ERROR, &j, "/pattern_confidence", 0,
                     "'pattern_confidence' (%g) is below 'answer_threshold' (%g): a pattern or "
                     "an entry's own phrasing would never be answered",
                     m.pattern_confidence, m.answer_threshold);
        else if (!bad && m.pattern_floor > 0 && m.answer_threshold > 0 &&
                 m.pattern_floor >= m.answer_threshold)
            kbDiagAt(L->d, CB_DIAG_ERROR, &j, "/pattern_floor", 0,
                     "'pattern_floor' (%g) is not below 'answer_threshold' (%g): a pattern would "
                     "only ever lift what is answered already",
                     m.pattern_floor, m.answer_threshold);
        else if (!bad)
            L->matching = m;
    }
    json_decref(root);
    free(data);
}
