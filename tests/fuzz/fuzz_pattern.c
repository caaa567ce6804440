/* fuzz_pattern.c - libFuzzer target for the pattern prefilters
 * (engine_prefilter.c): the input is "PATTERN\nSUBJECT". Neither may
 * crash or leak, and whenever the pattern compiles and matches the
 * subject, the filter must match it too and, for a plain lower-case
 * subject, the subject must hold one of the pattern's literals (otherwise
 * abort: a wrong prefilter would silently drop a maintainer's pattern). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_pattern.h"
#include "match/engine_int.h"

static pcre2_code *compile(const char *re) {
    int ec;
    PCRE2_SIZE eo;
    return kbPatternCompile(re, &ec, &eo); /* as the bot compiles them */
}

/* 1 match, 0 no match, -1 an error or a limit (no verdict). */
static int run(const pcre2_code *c, const char *s, pcre2_match_context *mc) {
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    int rc = pcre2_match(c, (PCRE2_SPTR)s, strlen(s), 0, 0, md, mc);
    pcre2_match_data_free(md);
    return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return 0;
    char *in = cbStrndup((const char *)data, size);
    if (strlen(in) != size) { /* NUL bytes: not a pattern a kb file can hold */
        free(in);
        return 0;
    }
    char *nl = strchr(in, '\n'), *subject = nl ? nl + 1 : "";
    if (nl) *nl = '\0';
    char *f = engPatternFilter(in);
    pcre2_code *full = f ? compile(in) : NULL, *filter = f ? compile(f) : NULL;
    if (full && filter) {
        pcre2_match_context *mc = pcre2_match_context_create(NULL);
        pcre2_set_match_limit(mc, 100000);
        pcre2_set_depth_limit(mc, 1000);
        if (run(full, subject, mc) == 1 && run(filter, subject, mc) == 0) abort();
        pcre2_match_context_free(mc);
    }
    char **lits = engPatternLiterals(in);
    pcre2_code *whole = lits ? compile(in) : NULL;
    if (whole && !engPatternMayMatch(lits, subject, engPlainLower(subject))) {
        pcre2_match_context *mc = pcre2_match_context_create(NULL);
        pcre2_set_match_limit(mc, 100000);
        pcre2_set_depth_limit(mc, 1000);
        if (run(whole, subject, mc) == 1) abort();
        pcre2_match_context_free(mc);
    }
    pcre2_code_free(whole);
    engPatternLiteralsFree(lits);
    pcre2_code_free(full);
    pcre2_code_free(filter);
    free(f);
    free(in);
    return 0;
}
