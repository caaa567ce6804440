/* fuzz_examples.c - libFuzzer target: arbitrary bytes as a knowledge
 * examples/<name>.jsonl through kbTrainingParse (one JSON object a line:
 * {"q": ..., "gold": [...]}). Nothing may crash, hang or leak; every kept
 * example has a non-empty question and an id ("" for out of scope), sits
 * on a line of the input at a column inside it, and every problem lies on
 * a line of the input (or is the diagnostics' cap, at line 0). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cbDiags d;
    cbDiagsInit(&d);
    kbLoader L;
    memset(&L, 0, sizeof(L));
    L.d = &d;
    kbTrainingParse(&L, "fuzz/examples/x.jsonl", (const char *)data, size);
    size_t lines = 1;
    for (size_t i = 0; i < size; i++) lines += data[i] == '\n';
    if (L.train_q.n != L.train_ids.n) abort();
    for (size_t i = 0; i < L.train_q.n; i++) {
        const kbTrainWhere *w = &L.train_where[i];
        if (!L.train_q.v[i] || !*L.train_q.v[i] || !L.train_ids.v[i]) abort();
        if (w->line < 1 || (size_t)w->line > lines || w->col < 1 || (size_t)w->col > size + 1)
            abort();
        if (strcmp(w->path, "fuzz/examples/x.jsonl") != 0) abort();
    }
    for (size_t i = 0; i < d.n; i++) { /* line 0: the cap's "too many problems" */
        if (d.v[i].line < 0 || (size_t)d.v[i].line > lines) abort();
        if (d.v[i].line == 0 && d.v[i].col != 0) abort();
    }
    kbLoaderFreeTraining(&L);
    cbDiagsFree(&d);
    return 0;
}
