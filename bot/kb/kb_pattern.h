/* kb_pattern.h - how an entry's `patterns` are compiled, in one place.
 * The parser checks them, kb check lints them and the engine runs them;
 * all three must read a pattern the same way (UTF-8, Unicode character
 * classes, case ignored), or a pattern kb check passes could match
 * differently in the bot. */
#ifndef CB_KB_PATTERN_H
#define CB_KB_PATTERN_H

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#define KB_PATTERN_OPTIONS (PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS)
/* What one match may cost in the bot: a hostile or careless pattern
 * gives up (no match) rather than stall the loop. kb check tries each
 * pattern on long text under the same limits. */
#define KB_PATTERN_MATCH_LIMIT 10000
#define KB_PATTERN_DEPTH_LIMIT 1000

/* pattern compiled as a maintainer's pattern; NULL with *code and *offset
 * (PCRE2's error code and where) when it does not compile. */
static inline pcre2_code *kbPatternCompile(const char *pattern, int *code, PCRE2_SIZE *offset) {
    return pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, KB_PATTERN_OPTIONS, code,
                         offset, NULL);
}

#endif
