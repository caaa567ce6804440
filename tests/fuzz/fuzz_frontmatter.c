/* fuzz_frontmatter.c - libFuzzer target: arbitrary bytes as one knowledge
 * entry file (front matter + answer) through kbParseEntry, which must
 * never crash, hang or leak, whatever the input; positions it reports
 * must lie inside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kb/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cbDiags d;
    cbDiagsInit(&d);
    kbEntry e;
    int rc = kbParseEntry("fuzz/entry.md", (const char *)data, size, &d, &e);
    if (rc == 0 && (!e.question || !e.answer || e.nsources == 0)) abort();
    if (rc != 0 && d.nerrors == 0) abort(); /* a failure always says why */
    for (size_t i = 0; i < d.n; i++)
        if (d.v[i].line < 0 || (size_t)d.v[i].line > size + 2) abort();
    kbEntryFree(&e);
    cbDiagsFree(&d);
    return 0;
}
