/* kb_export_csv.c - `kb export --format csv`: one row per entry for
 * spreadsheet reviewers (RFC 4180: comma-separated, CRLF line ends, a
 * field quoted when it holds a comma, a quote or a line break, quotes
 * doubled). Columns: Id, Question, Summary, Answer, Alternates, Keywords,
 * Sources, Links, Related, Updated; a list is one item per line inside its
 * cell, a source or link "Title <url>". Review copy only: kb import reads
 * the JSON export. */
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "kb/kb_export.h"

static void kbCsvField(cbBuf *b, const char *s, int last) {
    s = s ? s : "";
    if (strpbrk(s, ",\"\r\n")) {
        bufAppendStr(b, "\"");
        for (const char *p = s; *p; p++) bufAppendStr(b, *p == '"' ? "\"\"" : (char[]){*p, 0});
        bufAppendStr(b, "\"");
    } else {
        bufAppendStr(b, s);
    }
    bufAppendStr(b, last ? "\r\n" : ",");
}

static void kbCsvList(cbBuf *b, const kbStrs *v) {
    cbBuf c;
    bufInit(&c, 4 * KB_MAX_FILE);
    for (size_t i = 0; i < v->n; i++) bufPrintf(&c, "%s%s", i ? "\n" : "", v->v[i]);
    kbCsvField(b, bufStr(&c), 0);
    bufFree(&c);
}

static void kbCsvRefs(cbBuf *b, const kbEntry *e, int sources) {
    cbBuf c;
    bufInit(&c, 4 * KB_MAX_FILE);
    size_t n = sources ? e->nsources : e->nlinks;
    for (size_t i = 0; i < n; i++) {
        const char *t = sources ? e->sources[i].title : e->links[i].title;
        const char *u = sources ? e->sources[i].url : e->links[i].url;
        bufPrintf(&c, "%s%s", i ? "\n" : "", t);
        if (u) bufPrintf(&c, " <%s>", u);
    }
    kbCsvField(b, bufStr(&c), 0);
    bufFree(&c);
}

char *kbExportCsv(const kb *k) {
    cbBuf b;
    bufInit(&b, (size_t)1 << 30);
    bufAppendStr(&b, "Id,Question,Summary,Answer,Alternates,Keywords,Sources,Links,Related,Updated\r\n");
    for (size_t i = 0; i < k->nentries; i++) {
        const kbEntry *e = &k->entries[i];
        kbCsvField(&b, e->id, 0);
        kbCsvField(&b, e->question, 0);
        kbCsvField(&b, e->summary, 0);
        kbCsvField(&b, e->answer, 0);
        kbCsvList(&b, &e->alternates);
        kbCsvList(&b, &e->keywords);
        kbCsvRefs(&b, e, 1);
        kbCsvRefs(&b, e, 0);
        kbCsvList(&b, &e->related);
        kbCsvField(&b, e->updated, 1);
    }
    return bufDetach(&b);
}
