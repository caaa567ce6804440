/* fuzz_stopwords.c - libFuzzer target: arbitrary bytes as a knowledge
 * stopwords.txt through kbStopWordsParse, then the words it keeps into a
 * text analyzer (txtNew) that reads a question with them. Nothing may
 * crash, hang or leak; every kept word is one non-empty word of at most
 * 63 bytes, listed once; every problem lies on a line of the input (or
 * is the diagnostics' cap, at line 0). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb.h"
#include "match/text.h"

static void checkWords(const kbStrs *w) {
    for (size_t i = 0; i < w->n; i++) {
        size_t n = strlen(w->v[i]);
        if (n == 0 || n > 63 || strpbrk(w->v[i], " \t\r\n#")) abort();
        for (size_t k = 0; k < i; k++)
            if (strcmp(w->v[i], w->v[k]) == 0) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cbDiags d;
    cbDiagsInit(&d);
    kbStrs w = {0};
    kbStopWordsParse("fuzz/stopwords.txt", (const char *)data, size, &d, &w);
    if (!w.v) abort(); /* read: a list, maybe empty */
    checkWords(&w);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
    for (size_t i = 0; i < d.n; i++) { /* line 0: the cap's "too many problems" */
        if (d.v[i].line < 0 || (size_t)d.v[i].line > lines) abort();
        if (d.v[i].line == 0 && d.v[i].col != 0) abort();
    }
    char err[CB_ERRLEN];
    txtCtx *c = txtNew((const char *const *)w.v, w.n, err);
    if (!c) abort();
    size_t n;
    const char *const *kept = txtStopWords(c, &n);
    if (n > w.n) abort();
    for (size_t i = 0; i < n; i++)
        if (!txtIsStop(c, kept[i])) abort();
    txtToks t;
    txtToksInit(&t);
    static const char q[] = "Should I learn Django or Flask first? I'm new to python.";
    if (txtAnalyze(c, q, sizeof(q) - 1, &t, err) != CB_OK) abort();
    for (size_t i = 0; i < t.n; i++)
        if (txtIsStop(c, txtRaw(&t, i))) abort(); /* a stop word was kept */
    txtToksFree(&t);
    txtFree(c);
    kbStrsFree(&w);
    cbDiagsFree(&d);
    return 0;
}
