/* report_int.h - shared by the report's modules: the open questions as
 * loaded from the history (history_report.c) and turned into groups
 * (report_groups.c). Not for other modules. */
#ifndef CB_REPORT_INT_H
#define CB_REPORT_INT_H

#include "ops/history.h"

typedef struct rpQuestion {
    long long id, time;
    char *text, *outcome, *entry_id, *top_id;
    double confidence, top_confidence;
    char *target; /* from implicit feedback: the entry the question meant */
    histWhy why;
    char *now_entry; /* re-run: answered now by this entry */
    int dismissed;
} rpQuestion;

typedef struct rpQuestions {
    rpQuestion *v; /* by id, ascending */
    size_t n;
} rpQuestions;

/* report_groups.c: implicit targets already set; re-run, group, suggest. */
int rpGroup(rpQuestions *qs, const histReportOptions *o, histReport *r, char *err);
void rpClusterFree(histCluster *c);
rpQuestion *rpFind(rpQuestions *qs, long long id);
/* 1 if id is in the live knowledge (or the knowledge is not known). */
int rpIsLive(const histReportOptions *o, const char *id);

#endif
