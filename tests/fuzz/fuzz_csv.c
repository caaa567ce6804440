/* fuzz_csv.c - libFuzzer target: arbitrary bytes as a question/answer
 * spreadsheet, comma- and tab-separated, through the RFC 4180 reader
 * (csvParse) and the import's mapping to entries (kbCsvDocument). Neither
 * may crash, hang or leak; every field and error offset lies inside the
 * input, a failure always says why, and positions are real lines. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/csv.h"
#include "kb/kb_int.h"

static void checkReader(const char *text, size_t size, char sep) {
    csvTable t;
    size_t off = 0;
    char err[CB_ERRLEN] = "";
    int rc = csvParse(text, size, sep, &t, &off, err);
    if (rc != CB_OK && (!err[0] || off > size)) abort();
    for (size_t i = 0; i < t.n; i++) {
        if (t.r[i].n == 0 || t.r[i].n > CSV_MAX_FIELDS || t.r[i].end > size) abort();
        for (size_t k = 0; k < t.r[i].n; k++) {
            const csvField *f = &t.r[i].f[k];
            if (f->off > size || f->len > size || strlen(f->s) > f->len) abort();
        }
    }
    csvFree(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    checkReader(text, size, ',');
    checkReader(text, size, '\t');
    cbDiags d;
    cbDiagsInit(&d);
    if (kbCheckText("fuzz.csv", text, size, &d) == CB_OK) {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++) lines += text[i] == '\n';
        kbPosMap *map = kbPosMapNew();
        kbJson j = {"fuzz.csv", text, size, 0, map};
        json_t *root = kbCsvDocument(&j, size % 2 ? ',' : '\t', NULL, map, &d);
        if (!root && d.nerrors == 0) abort();
        for (size_t i = 0; i < d.n; i++) /* line 0: "too many problems in this file" */
            if (d.v[i].line < 0 || (size_t)d.v[i].line > lines) abort();
        json_decref(root);
        kbPosMapFree(map);
    }
    cbDiagsFree(&d);
    return 0;
}
