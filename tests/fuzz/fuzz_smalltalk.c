/* fuzz_smalltalk.c - libFuzzer target: arbitrary bytes as a knowledge
 * folder's smalltalk.yaml through kbSmalltalkParse, which must never
 * crash, hang or leak; a failure always says why, positions lie inside
 * the input, and what it keeps is what the handler relies on: phrases
 * folded, non-empty, within the small-talk limit, sorted, each once;
 * addressees single words. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"

static void checkKept(const kbSmalltalk *s) {
    char f[KB_SMALLTALK_MAX + 2];
    for (size_t i = 0; i < s->nphrases; i++) {
        const char *p = s->phrases[i].phrase;
        if (!*p || strlen(p) > KB_SMALLTALK_MAX) abort();
        if (!kbSmalltalkFold(p, strlen(p), f, sizeof(f)) || strcmp(f, p) != 0) abort();
        if (i > 0 && strcmp(s->phrases[i - 1].phrase, p) >= 0) abort();
    }
    for (size_t i = 0; i < s->addressees.n; i++)
        if (!*s->addressees.v[i] || strchr(s->addressees.v[i], ' ')) abort();
    for (size_t i = 0; i < s->greetings.n; i++)
        if (!*s->greetings.v[i]) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cbDiags d;
    cbDiagsInit(&d);
    kbSmalltalk s;
    int rc = kbSmalltalkParse("fuzz/smalltalk.yaml", (const char *)data, size, &d, &s);
    if (rc != 0 && d.nerrors == 0) abort(); /* a failure always says why */
    if (rc != 0 && (s.nphrases || s.nreplies || s.greetings.n || s.addressees.n)) abort();
    for (size_t i = 0; i < d.n; i++)
        if (d.v[i].line < 0 || (size_t)d.v[i].line > size + 2) abort();
    checkKept(&s);
    kbSmalltalkFree(&s);
    cbDiagsFree(&d);
    return 0;
}
