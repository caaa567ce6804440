/* kb_crisis.c - knowledge/crisis.yaml: messages that may come from
 * someone in crisis (thoughts of suicide or self-harm), answered with
 * where to find help now, before small talk and before any matching.
 *
 * Why: a career bot that offers "did you mean: rejections" to "I want to
 * end it all after 200 rejections" fails the person asking, and a
 * classifier trained on career questions cannot be trusted to notice.
 * The patterns and the reply are the maintainers' data like every other
 * knowledge file, with file:line:column diagnostics; a folder without the
 * file (a test fixture, an imported outside FAQ) gets the bundled copy,
 * built in with .incbin, so the check is never off by accident. An empty
 * file turns it off. Patterns run under the bot's match limits. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_load.h"
#include "kb/kb_pattern.h"

__asm__(".section .rodata\n"
        ".global kbCrisisData\n"
        "kbCrisisData:\n"
        ".incbin \"knowledge/crisis.yaml\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char kbCrisisData[];

#define CRISIS_BUILTIN "(built-in copy of knowledge/crisis.yaml)"
#define CRISIS_MAX_REPLY 2000 /* bytes: a chat message */
#define CRISIS_MAX_PATTERNS 100

static const char *const crisisKeys[] = {"patterns", "reply"};

/* The patterns, compiled, each at its place for a diagnostic. */
static int crisisPatterns(cbDiags *d, const kbJson *j, json_t *root, kbCrisis *out) {
    kbStrs pats;
    if (kbGetStrs(d, j, root, "patterns", &pats) != CB_OK) return CB_ERR;
    int rc = CB_OK;
    if (pats.n > CRISIS_MAX_PATTERNS) {
        kbDiagAt(d, CB_DIAG_ERROR, j, "/patterns", 0, "more than %d patterns; merge some",
                 CRISIS_MAX_PATTERNS);
        rc = CB_ERR;
    }
    out->re = cbCalloc(pats.n + 1, sizeof(pcre2_code *));
    for (size_t i = 0; rc == CB_OK && i < pats.n; i++) {
        int code;
        PCRE2_SIZE off;
        pcre2_code *re = kbPatternCompile(pats.v[i], &code, &off);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof(msg));
            char ptr[48];
            snprintf(ptr, sizeof(ptr), "/patterns/%zu", i);
            kbDiagAt(d, CB_DIAG_ERROR, j, ptr, 0, "invalid regex in 'patterns': %s (at "
                     "character %zu of the pattern)", (char *)msg, (size_t)off + 1);
            rc = CB_ERR;
            continue;
        }
        out->re[out->nre++] = re;
    }
    kbStrsFree(&pats);
    return rc;
}

int kbCrisisParse(const char *path, const char *data, size_t len, cbDiags *d, kbCrisis *out) {
    memset(out, 0, sizeof(*out));
    size_t before = d->nerrors;
    kbJson j = {.path = path, .text = data, .len = len};
    json_t *root = NULL;
    kbPosMap *map = NULL;
    if (kbCheckText(path, data, len, d) == CB_OK && kbYamlParse(&j, d, &root, &map) == CB_OK) {
        j.map = map;
        if (json_is_object(root)) {
            kbCheckKeys(d, &j, root, "", crisisKeys, CB_ARRAY_LEN(crisisKeys));
            crisisPatterns(d, &j, root, out);
            if (kbGetStr(d, &j, root, "", "reply", out->nre > 0, &out->reply) == CB_OK &&
                out->reply && strlen(out->reply) > CRISIS_MAX_REPLY)
                kbDiagAt(d, CB_DIAG_ERROR, &j, "/reply", 0, "the reply is %zu bytes; keep it "
                         "under %d", strlen(out->reply), CRISIS_MAX_REPLY);
        } else if (!json_is_null(root)) { /* null: an empty file, the check off */
            kbDiagAt(d, CB_DIAG_ERROR, &j, "", 0, "crisis.yaml must have 'patterns:' (a list) "
                     "and 'reply:' (the text)");
        }
    }
    json_decref(root);
    kbPosMapFree(map);
    if (d->nerrors == before) return CB_OK;
    kbCrisisFree(out);
    return CB_ERR;
}

void kbCrisisFree(kbCrisis *c) {
    for (size_t i = 0; i < c->nre; i++) pcre2_code_free(c->re[i]);
    free(c->re);
    free(c->reply);
    memset(c, 0, sizeof(*c));
}

void kbLoadCrisis(kbLoader *L, const char *path) {
    L->has_crisis = 1;
    char *data;
    size_t len;
    if (kbReadFile(path, L->d, &data, &len) != CB_OK) return;
    kbCrisisParse(path, data, len, L->d, &L->crisis);
    free(data);
}

void kbLoadCrisisBuiltin(kbLoader *L) {
    if (L->has_crisis) return;
    if (kbCrisisParse(CRISIS_BUILTIN, kbCrisisData, strlen(kbCrisisData), L->d, &L->crisis) ==
        CB_OK)
        L->crisis.builtin = 1;
}

const char *kbCrisisReply(const kb *k, const char *s, size_t len) {
    if (!k || !k->crisis.nre || !k->crisis.reply) return NULL;
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(mc, KB_PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(mc, KB_PATTERN_DEPTH_LIMIT);
    const char *reply = NULL;
    for (size_t i = 0; i < k->crisis.nre && !reply; i++) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(k->crisis.re[i], NULL);
        if (pcre2_match(k->crisis.re[i], (PCRE2_SPTR)s, len, 0, 0, md, mc) >= 0)
            reply = k->crisis.reply;
        pcre2_match_data_free(md);
    }
    pcre2_match_context_free(mc);
    return reply;
}
