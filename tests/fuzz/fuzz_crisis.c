/* fuzz_crisis.c - libFuzzer target: arbitrary bytes as a knowledge
 * folder's crisis.yaml through kbCrisisParse, which must never crash, hang
 * or leak; a failure always says why and keeps nothing, positions lie
 * inside the input, and what it keeps is what the handler relies on:
 * patterns only with a reply, and the reply matched against the input
 * itself (any bytes) under the match limits without harm. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kb/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cbDiags d;
    cbDiagsInit(&d);
    kbCrisis c;
    int rc = kbCrisisParse("fuzz/crisis.yaml", (const char *)data, size, &d, &c);
    if (rc != 0 && d.nerrors == 0) abort(); /* a failure always says why */
    if (rc != 0 && (c.nre || c.reply)) abort();
    if (rc == 0 && c.nre && !c.reply) abort();
    for (size_t i = 0; i < d.n; i++)
        if (d.v[i].line < 0 || (size_t)d.v[i].line > size + 2) abort();
    kb k;
    memset(&k, 0, sizeof(k));
    k.crisis = c;
    const char *reply = kbCrisisReply(&k, (const char *)data, size);
    if (reply && reply != c.reply) abort();
    kbCrisisFree(&c);
    cbDiagsFree(&d);
    return 0;
}
