/* report_render.c - the maintainers' report as text (for a terminal), JSON
 * (everything, for pipelines) and CSV (one table with a "section" column:
 * day, group, entry, unasked, mentor; filter with grep or a spreadsheet). The HTML
 * page is report_html.c. Users' text reaches a maintainer's terminal or
 * spreadsheet here, so it goes out without control characters. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/common.h"
#include "ops/history.h"

static const char *whyName(histWhy w) {
    switch (w) {
    case HIST_WHY_CLICK: return "did_you_mean_click";
    case HIST_WHY_REPHRASE: return "rephrased_after_down_vote";
    case HIST_WHY_CLOSEST: return "closest_entry";
    case HIST_WHY_NONE: break;
    }
    return "none";
}

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *clusterJson(const histCluster *c) {
    json_t *ex = json_array(), *ids = json_array();
    for (size_t i = 0; i < c->nexamples; i++) json_array_append_new(ex, json_string(c->examples[i]));
    for (size_t i = 0; i < c->nqids; i++) json_array_append_new(ids, json_integer(c->qids[i]));
    return json_pack("{s:s,s:I,s:o,s:o,s:o,s:s,s:I,s:o,s:I,s:I,s:I,s:o,s:s}", "id", c->id, "count",
                     (json_int_t)c->count, "example", jstr(c->nexamples ? c->examples[0] : NULL),
                     "examples", ex, "target", jstr(c->target), "why", whyName(c->why), "evidence",
                     (json_int_t)c->evidence, "now_answered_by", jstr(c->now_entry),
                     "now_answered", (json_int_t)c->now_answered, "first", (json_int_t)c->first,
                     "last", (json_int_t)c->last, "question_ids", ids, "suggestion", c->suggestion);
}

static const char *trendName(const histEntryStat *e) {
    return e->recent > e->previous ? "up" : e->recent < e->previous ? "down" : "flat";
}

static json_t *entriesJson(const histReport *r) {
    json_t *a = json_array();
    for (size_t i = 0; i < r->nentries; i++) {
        const histEntryStat *e = &r->entries[i];
        json_array_append_new(
            a, json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "entry_id", e->entry_id, "answers",
                         (json_int_t)e->answers, "low_confidence", (json_int_t)e->low, "helpful",
                         (json_int_t)e->helpful, "not_helpful", (json_int_t)e->not_helpful,
                         "last_7_days", (json_int_t)e->recent, "previous_7_days",
                         (json_int_t)e->previous, "trend", trendName(e)));
    }
    return a;
}

static json_t *daysJson(const histReport *r) {
    json_t *a = json_array();
    for (size_t i = 0; i < r->ndays; i++) {
        const histDayStat *d = &r->days[i];
        long long all = d->answered + d->unanswered;
        json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:I,s:f}", "day", d->day, "platform",
                                           *d->platform ? d->platform : "unknown", "answered",
                                           (json_int_t)d->answered, "unanswered",
                                           (json_int_t)d->unanswered, "answer_rate",
                                           all ? (double)d->answered / (double)all : 0.0));
    }
    return a;
}

static json_t *mentorJson(const histReport *r) {
    json_t *a = json_array();
    for (size_t i = 0; i < r->nmentor; i++) {
        const histMentorAnswer *m = &r->mentor[i];
        json_array_append_new(a, json_pack("{s:s,s:I,s:s,s:o,s:o,s:o,s:s}", "id", m->id, "time",
                                           (json_int_t)m->time, "platform", m->platform ? m->platform : "",
                                           "question", jstr(m->question), "mentor", jstr(m->mentor),
                                           "answer", jstr(m->answer), "suggestion", m->suggestion));
    }
    return a;
}

char *histReportJson(const histReport *r) {
    json_t *open = json_array(), *fixed = json_array(), *unasked = json_array();
    for (size_t i = 0; i < r->nopen; i++) json_array_append_new(open, clusterJson(&r->open[i]));
    for (size_t i = 0; i < r->nfixed; i++) json_array_append_new(fixed, clusterJson(&r->fixed[i]));
    for (size_t i = 0; i < r->nunasked; i++) json_array_append_new(unasked, json_string(r->unasked[i]));
    json_t *root = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "since",
                             (json_int_t)r->since, "now", (json_int_t)r->now, "answered",
                             (json_int_t)r->answered, "unanswered", (json_int_t)r->unanswered,
                             "dismissed", (json_int_t)r->dismissed, "unanswered_groups", open,
                             "now_answered_groups", fixed, "entries", entriesJson(r),
                             "unasked_entries", unasked, "days", daysJson(r));
    json_object_set_new(root, "mentor_answers", mentorJson(r));
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}

/* ---- text ---- */

/* A user's text (a question, a mentor's answer): control characters
 * dropped (base/common.h cbControlLen), line breaks and tabs as spaces. */
static void putUserText(FILE *f, const char *s) {
    while (s && *s) {
        size_t n = cbControlLen(s);
        if (*s == '\t' || *s == '\n' || *s == '\r') fputc(' ', f);
        else if (!n) fputc(*s, f);
        s += n ? n : 1;
    }
}

static void printHeader(FILE *f, const histReport *r) {
    if (!r->since) {
        fprintf(f, "History (all time)");
    } else {
        char day[32];
        time_t t = (time_t)r->since;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(day, sizeof day, "%Y-%m-%d", &tm);
        fprintf(f, "History since %s", day);
    }
    long long all = r->answered + r->unanswered;
    if (!all) {
        fprintf(f, ": no questions yet.\n");
        return;
    }
    fprintf(f, ": %lld answers, %lld unanswered questions (answer rate %.0f%%).\n", r->answered,
            r->unanswered, 100.0 * (double)r->answered / (double)all);
}

static void printClusters(FILE *f, const char *title, const histCluster *c, size_t n) {
    fprintf(f, "\n%s\n", title);
    if (!n) fprintf(f, "  none\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  [%s] %lld question%s", c[i].id, c[i].count, c[i].count == 1 ? "" : "s");
        if (c[i].target && !c[i].now_entry) fprintf(f, ", they mean %s", c[i].target);
        fprintf(f, "\n");
        for (size_t k = 0; k < c[i].nexamples; k++) {
            fputs("      \"", f);
            putUserText(f, c[i].examples[k]);
            fputs("\"\n", f);
        }
        fputs("      -> ", f);
        putUserText(f, c[i].suggestion);
        fputc('\n', f);
    }
}

static void printMentor(FILE *f, const histReport *r) {
    fprintf(f, "\nAnswered by mentors (suggested entries):\n");
    if (!r->nmentor) fprintf(f, "  none\n");
    for (size_t i = 0; i < r->nmentor; i++) {
        const histMentorAnswer *m = &r->mentor[i];
        fprintf(f, "  [%s] \"", m->id);
        putUserText(f, m->question);
        fputs("\"\n      ", f);
        putUserText(f, m->mentor ? m->mentor : "a mentor");
        fputs(": \"", f);
        putUserText(f, m->answer);
        fputs("\"\n      -> ", f);
        putUserText(f, m->suggestion);
        fputc('\n', f);
    }
}

static void printEntries(FILE *f, const histReport *r) {
    fprintf(f, "\nEntries (answers, 👍/👎, last 7 days vs the 7 before):\n");
    if (!r->nentries) fprintf(f, "  none\n");
    for (size_t i = 0; i < r->nentries; i++) {
        const histEntryStat *e = &r->entries[i];
        fprintf(f, "  %-40s %5lld answers  %3lld 👍 %3lld 👎  %lld vs %lld (%s)\n", e->entry_id,
                e->answers, e->helpful, e->not_helpful, e->recent, e->previous, trendName(e));
    }
    fprintf(f, "\nEntries nobody asked about:");
    if (!r->nunasked) fprintf(f, " none");
    for (size_t i = 0; i < r->nunasked; i++) fprintf(f, "%s %s", i ? "," : "", r->unasked[i]);
    fprintf(f, "\n");
}

void histReportText(const histReport *r, void *stream) {
    FILE *f = stream;
    printHeader(f, r);
    printClusters(f, "Open questions (most asked first):", r->open, r->nopen);
    printClusters(f, "Answered now by the live knowledge:", r->fixed, r->nfixed);
    if (r->dismissed) fprintf(f, "  (%lld questions hidden by dismissals)\n", r->dismissed);
    printMentor(f, r);
    printEntries(f, r);
    fprintf(f, "\nAnswer rate per day and platform:\n");
    if (!r->ndays) fprintf(f, "  none\n");
    for (size_t i = 0; i < r->ndays; i++) {
        const histDayStat *d = &r->days[i];
        long long all = d->answered + d->unanswered;
        fprintf(f, "  %s %-8s %5lld of %5lld (%3.0f%%)\n", d->day, *d->platform ? d->platform : "unknown",
                d->answered, all, all ? 100.0 * (double)d->answered / (double)all : 0.0);
    }
}

/* ---- CSV (RFC 4180 quoting) ---- */

static const char *const csvColumns[] = {
    "section", "id",          "day",      "platform", "entry",        "count",  "answered",
    "unanswered", "helpful", "not_helpful", "evidence", "now_answered", "status", "text"};

typedef struct csvRec { /* one row; unused fields stay empty or 0 */
    const char *section, *id, *day, *platform, *entry, *status, *text;
    long long count, answered, unanswered, helpful, not_helpful, evidence, now_answered;
} csvRec;

/* A field, quoted; users' text without control characters, and one that
 * starts like a formula (= + - @) led by an apostrophe so that a
 * spreadsheet shows it instead of running it (OWASP "CSV injection"). */
static void csvField(FILE *f, const char *s, int last) {
    fputc('"', f);
    if (s && strchr("=+-@", *s) && *s) fputc('\'', f);
    while (s && *s) {
        size_t n = cbControlLen(s);
        if (*s == '"') fputs("\"\"", f);
        else if (n) fputc(' ', f); /* line breaks included */
        else fputc(*s, f);
        s += n ? n : 1;
    }
    fputc('"', f);
    fputc(last ? '\n' : ',', f);
}

static void csvRow(FILE *f, const csvRec *r) {
    const char *text[] = {r->section, r->id, r->day, r->platform, r->entry};
    long long num[] = {r->count,       r->answered, r->unanswered, r->helpful,
                       r->not_helpful, r->evidence, r->now_answered};
    for (size_t i = 0; i < CB_ARRAY_LEN(text); i++) csvField(f, text[i], 0);
    for (size_t i = 0; i < CB_ARRAY_LEN(num); i++) fprintf(f, "%lld,", num[i]);
    csvField(f, r->status, 0);
    csvField(f, r->text, 1);
}

static void csvClusters(FILE *f, const histCluster *c, size_t n) {
    for (size_t i = 0; i < n; i++)
        csvRow(f, &(csvRec){.section = "group", .id = c[i].id,
                            .entry = c[i].now_entry ? c[i].now_entry : c[i].target,
                            .count = c[i].count, .evidence = c[i].evidence,
                            .now_answered = c[i].now_answered,
                            .status = c[i].now_entry ? "now_answered" : "open",
                            .text = c[i].nexamples ? c[i].examples[0] : ""});
}

void histReportCsv(const histReport *r, void *stream) {
    FILE *f = stream;
    for (size_t i = 0; i < CB_ARRAY_LEN(csvColumns); i++)
        fprintf(f, "%s%c", csvColumns[i], i + 1 < CB_ARRAY_LEN(csvColumns) ? ',' : '\n');
    for (size_t i = 0; i < r->ndays; i++) {
        const histDayStat *d = &r->days[i];
        csvRow(f, &(csvRec){.section = "day", .day = d->day,
                            .platform = *d->platform ? d->platform : "unknown",
                            .count = d->answered + d->unanswered, .answered = d->answered,
                            .unanswered = d->unanswered});
    }
    csvClusters(f, r->open, r->nopen);
    csvClusters(f, r->fixed, r->nfixed);
    for (size_t i = 0; i < r->nentries; i++) {
        const histEntryStat *e = &r->entries[i];
        csvRow(f, &(csvRec){.section = "entry", .entry = e->entry_id, .count = e->answers,
                            .answered = e->answers, .helpful = e->helpful,
                            .not_helpful = e->not_helpful, .status = trendName(e)});
    }
    for (size_t i = 0; i < r->nunasked; i++)
        csvRow(f, &(csvRec){.section = "unasked", .entry = r->unasked[i]});
    for (size_t i = 0; i < r->nmentor; i++) { /* the question; the answer is in --json */
        const histMentorAnswer *m = &r->mentor[i];
        csvRow(f, &(csvRec){.section = "mentor", .id = m->id, .platform = m->platform,
                            .status = "answered_by_mentor", .text = m->question});
    }
}
