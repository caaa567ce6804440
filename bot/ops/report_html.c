/* report_html.c - the maintainers' report as ONE self-contained HTML page:
 * inline CSS and inline SVG charts (answer rate per day and platform, the
 * most asked open groups, votes per entry), no script, no network, so it
 * can be mailed, attached to an issue or opened from disk. Every chart
 * mark carries its number in a data-value attribute (and a <title> for a
 * tooltip), so tests and scrapers read the same figures a person sees. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/common.h"
#include "ops/history.h"

#define HTML_CHART_W 720
#define HTML_BAR_H 22
#define HTML_LABEL_W 260
#define HTML_MAX_BARS 12
#define HTML_MAX_PLATFORMS 6

static const char *const htmlColors[HTML_MAX_PLATFORMS] = {"#2563eb", "#db2777", "#059669",
                                                           "#d97706", "#7c3aed", "#475569"};

static const char *htmlCss =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#1f2937;"
    "background:#f8fafc}main{max-width:980px;margin:0 auto;padding:24px}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}"
    ".cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #e2e8f0;"
    "border-radius:8px;padding:12px 16px;min-width:140px}.card b{display:block;font-size:26px}"
    "section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:16px;"
    "margin-top:16px}table{border-collapse:collapse;width:100%}td,th{text-align:left;"
    "padding:6px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top}th{font-size:13px;"
    "color:#64748b}code{background:#f1f5f9;padding:1px 4px;border-radius:4px;font-size:13px}"
    ".ex{color:#334155;font-style:italic}.muted{color:#64748b}.up{color:#059669}"
    ".down{color:#dc2626}svg text{font-size:12px;fill:#334155}.legend span{margin-right:14px}"
    ".sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}";

/* s as HTML text, control characters dropped (not valid in HTML). */
static void esc(FILE *f, const char *s) {
    for (; s && *s; s++) {
        size_t n = cbControlLen(s);
        if (n) {
            if (*s == '\n' || *s == '\t') fputc(' ', f);
            s += n - 1;
            continue;
        }
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* s escaped for an attribute (caller frees). */
static char *escDup(const char *s) {
    char *out = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&out, &n);
    if (!m) return cbStrdup("");
    esc(m, s);
    fclose(m);
    return out;
}

/* At most max characters of s (UTF-8 aware), with an ellipsis. */
static void escShort(FILE *f, const char *s, size_t max) {
    size_t n = 0, chars = 0;
    while (s && s[n] && chars < max) {
        n++;
        while (((unsigned char)s[n] & 0xC0) == 0x80) n++;
        chars++;
    }
    char *cut = cbStrndup(s ? s : "", n);
    esc(f, cut);
    if (s && s[n]) fputs("…", f);
    free(cut);
}

/* ---- answer rate per day ---- */

typedef struct htmlSeries {
    const char *platform;
    long long answered[400], all[400];
} htmlSeries;

/* Distinct days (sorted already) and platforms of r->days. */
static size_t htmlDays(const histReport *r, const char **days, size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < r->ndays; i++)
        if ((!n || strcmp(days[n - 1], r->days[i].day) != 0) && n < max) days[n++] = r->days[i].day;
    return n;
}

static size_t htmlSeriesOf(const histReport *r, const char **days, size_t ndays, htmlSeries *s) {
    size_t ns = 1; /* series 0: all platforms */
    s[0].platform = "all";
    for (size_t i = 0; i < r->ndays; i++) {
        const histDayStat *d = &r->days[i];
        const char *p = *d->platform ? d->platform : "unknown";
        size_t k = 1;
        while (k < ns && strcmp(s[k].platform, p) != 0) k++;
        if (k == ns && ns < HTML_MAX_PLATFORMS) s[ns++].platform = p;
        size_t day = 0;
        while (day < ndays && strcmp(days[day], d->day) != 0) day++;
        if (day == ndays) continue;
        size_t targets[] = {0, k};
        for (size_t t = 0; t < 2 && (t == 0 || k < ns); t++) {
            s[targets[t]].answered[day] += d->answered;
            s[targets[t]].all[day] += d->answered + d->unanswered;
        }
    }
    return ns;
}

static void rateLine(FILE *f, const htmlSeries *s, size_t ndays, const char **days, double x0,
                     double dx, double y0, double h, const char *color) {
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
    for (size_t i = 0; i < ndays; i++)
        if (s->all[i])
            fprintf(f, "%.1f,%.1f ", x0 + dx * (double)i,
                    y0 + h - h * (double)s->answered[i] / (double)s->all[i]);
    fputs("\"/>\n", f);
    for (size_t i = 0; i < ndays; i++) {
        if (!s->all[i]) continue;
        double rate = (double)s->answered[i] / (double)s->all[i];
        char *plat = escDup(s->platform), *day = escDup(days[i]);
        fprintf(f, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\""
                   " data-platform=\"%s\" data-day=\"%s\" data-value=\"%.3f\"><title>",
                x0 + dx * (double)i, y0 + h - h * rate, color, plat, day, rate);
        fprintf(f, "%s %s: %lld of %lld answered</title></circle>\n", day, plat, s->answered[i],
                s->all[i]);
        free(plat);
        free(day);
    }
}

static void chartRate(FILE *f, const histReport *r) {
    static htmlSeries s[HTML_MAX_PLATFORMS];
    memset(s, 0, sizeof s);
    const char *days[400];
    size_t nd = htmlDays(r, days, 400), ns = htmlSeriesOf(r, days, nd, s);
    double x0 = 44, y0 = 12, w = HTML_CHART_W - 64, h = 180;
    double dx = nd > 1 ? w / (double)(nd - 1) : 0;
    fprintf(f, "<svg id=\"chart-answer-rate\" data-chart=\"answer-rate\" role=\"img\""
               " aria-label=\"answer rate per day\" width=\"%d\" height=\"230\" viewBox=\"0 0 %d 230\">\n",
            HTML_CHART_W, HTML_CHART_W);
    for (int pct = 0; pct <= 100; pct += 25) {
        double y = y0 + h - h * pct / 100.0;
        fprintf(f, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e2e8f0\"/>"
                   "<text x=\"4\" y=\"%.1f\">%d%%</text>\n", x0, x0 + w, y, y, y + 4, pct);
    }
    for (size_t i = 0; i < nd; i += nd > 8 ? (nd + 7) / 8 : 1) { /* MM-DD */
        fprintf(f, "<text x=\"%.1f\" y=\"222\" text-anchor=\"middle\">", x0 + dx * (double)i);
        esc(f, strlen(days[i]) == 10 ? days[i] + 5 : days[i]);
        fputs("</text>\n", f);
    }
    for (size_t k = 0; k < ns; k++) rateLine(f, &s[k], nd, days, x0, dx, y0, h, htmlColors[k]);
    fputs("</svg>\n<p class=\"legend\">", f);
    for (size_t k = 0; k < ns; k++) {
        fprintf(f, "<span><i class=\"sw\" style=\"background:%s\"></i>", htmlColors[k]);
        esc(f, s[k].platform);
        fputs("</span>", f);
    }
    fputs("</p>\n", f);
}

/* ---- bars ---- */

static void chartOpen(FILE *f, const histReport *r) {
    size_t n = r->nopen < HTML_MAX_BARS ? r->nopen : HTML_MAX_BARS;
    long long max = 1;
    for (size_t i = 0; i < n; i++) max = r->open[i].count > max ? r->open[i].count : max;
    fprintf(f, "<svg id=\"chart-open-groups\" data-chart=\"open-groups\" role=\"img\""
               " aria-label=\"most asked open questions\" width=\"%d\" height=\"%zu\">\n",
            HTML_CHART_W, n * HTML_BAR_H + 8);
    for (size_t i = 0; i < n; i++) {
        const histCluster *c = &r->open[i];
        double w = (HTML_CHART_W - HTML_LABEL_W - 50) * (double)c->count / (double)max;
        double y = 4 + (double)i * HTML_BAR_H;
        fprintf(f, "<text x=\"0\" y=\"%.0f\">", y + 15);
        escShort(f, c->nexamples ? c->examples[0] : c->id, 36);
        fprintf(f, "</text><rect class=\"bar\" x=\"%d\" y=\"%.0f\" width=\"%.1f\" height=\"%d\""
                   " fill=\"#f59e0b\" data-group=\"%s\" data-value=\"%lld\"><title>%lld questions"
                   "</title></rect><text x=\"%.1f\" y=\"%.0f\">%lld</text>\n",
                HTML_LABEL_W, y, w, HTML_BAR_H - 6, c->id, c->count, c->count,
                HTML_LABEL_W + w + 6, y + 15, c->count);
    }
    fputs("</svg>\n", f);
}

static void voteBar(FILE *f, const histEntryStat *e, double y, double scale) {
    double up = scale * (double)e->helpful, down = scale * (double)e->not_helpful;
    char *id = escDup(e->entry_id);
    fprintf(f, "<text x=\"0\" y=\"%.0f\">", y + 15);
    escShort(f, e->entry_id, 36);
    fprintf(f, "</text><rect class=\"bar up\" x=\"%d\" y=\"%.0f\" width=\"%.1f\" height=\"%d\""
               " fill=\"#10b981\" data-entry=\"%s\" data-vote=\"helpful\" data-value=\"%lld\">"
               "<title>%lld helpful</title></rect>",
            HTML_LABEL_W, y, up, HTML_BAR_H - 6, id, e->helpful, e->helpful);
    fprintf(f, "<rect class=\"bar down\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%d\""
               " fill=\"#ef4444\" data-entry=\"%s\" data-vote=\"not_helpful\" data-value=\"%lld\">"
               "<title>%lld not helpful</title></rect><text x=\"%.1f\" y=\"%.0f\">%lld up, %lld down</text>\n",
            HTML_LABEL_W + up, y, down, HTML_BAR_H - 6, id, e->not_helpful, e->not_helpful,
            HTML_LABEL_W + up + down + 6, y + 15, e->helpful, e->not_helpful);
    free(id);
}

static void chartVotes(FILE *f, const histReport *r) {
    const histEntryStat *v[HTML_MAX_BARS];
    size_t n = 0;
    long long max = 1;
    for (size_t i = 0; i < r->nentries && n < HTML_MAX_BARS; i++) {
        const histEntryStat *e = &r->entries[i];
        if (!e->helpful && !e->not_helpful) continue;
        v[n++] = e;
        if (e->helpful + e->not_helpful > max) max = e->helpful + e->not_helpful;
    }
    fprintf(f, "<svg id=\"chart-votes\" data-chart=\"votes\" role=\"img\" aria-label=\"votes per"
               " entry\" width=\"%d\" height=\"%zu\">\n", HTML_CHART_W, n * HTML_BAR_H + 8);
    double scale = (HTML_CHART_W - HTML_LABEL_W - 90) / (double)max;
    for (size_t i = 0; i < n; i++) voteBar(f, v[i], 4 + (double)i * HTML_BAR_H, scale);
    fputs("</svg>\n", f);
}

/* ---- tables ---- */

static void groupRows(FILE *f, const histCluster *c, size_t n) {
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "<tr data-group=\"%s\"><td><code>%s</code></td><td>%lld</td><td>", c[i].id,
                c[i].id, c[i].count);
        for (size_t k = 0; k < c[i].nexamples; k++) {
            fputs("<div class=\"ex\">“", f);
            esc(f, c[i].examples[k]);
            fputs("”</div>", f);
        }
        fputs("</td><td>", f);
        esc(f, c[i].suggestion);
        fputs("</td></tr>\n", f);
    }
    if (!n) fputs("<tr><td colspan=\"4\" class=\"muted\">none</td></tr>\n", f);
}

static void groupTable(FILE *f, const char *title, const histCluster *c, size_t n) {
    fprintf(f, "<section><h2>%s</h2><table><tr><th>id</th><th>asked</th><th>real questions</th>"
               "<th>what to do</th></tr>\n", title);
    groupRows(f, c, n);
    fputs("</table></section>\n", f);
}

static void mentorTable(FILE *f, const histReport *r) {
    fputs("<section><h2>Answered by mentors</h2><table><tr><th>id</th><th>question</th>"
          "<th>mentor's answer</th><th>what to do</th></tr>\n", f);
    for (size_t i = 0; i < r->nmentor; i++) {
        const histMentorAnswer *m = &r->mentor[i];
        fprintf(f, "<tr data-mentor=\"%s\"><td><code>%s</code></td><td>", m->id, m->id);
        esc(f, m->question);
        fputs("</td><td><div class=\"ex\">", f);
        esc(f, m->answer);
        fputs("</div><span class=\"muted\">\xE2\x80\x94 ", f);
        esc(f, m->mentor ? m->mentor : "a mentor");
        fputs("</span></td><td>", f);
        esc(f, m->suggestion);
        fputs("</td></tr>\n", f);
    }
    if (!r->nmentor) fputs("<tr><td colspan=\"4\" class=\"muted\">none</td></tr>\n", f);
    fputs("</table></section>\n", f);
}

static void entryTable(FILE *f, const histReport *r) {
    fputs("<section><h2>Entries</h2><table><tr><th>entry</th><th>answers</th><th>below review"
          "</th><th>helpful</th><th>not helpful</th><th>last 7 days (7 before)</th></tr>\n", f);
    for (size_t i = 0; i < r->nentries; i++) {
        const histEntryStat *e = &r->entries[i];
        const char *cls = e->recent > e->previous ? "up" : e->recent < e->previous ? "down" : "muted";
        fputs("<tr><td><code>", f);
        esc(f, e->entry_id);
        fprintf(f, "</code></td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td>"
                   "<td class=\"%s\">%lld (%lld)</td></tr>\n", e->answers, e->low, e->helpful,
                e->not_helpful, cls, e->recent, e->previous);
    }
    fputs("</table><h2>Entries nobody asked about</h2><p>", f);
    for (size_t i = 0; i < r->nunasked; i++) {
        fputs(i ? ", <code>" : "<code>", f);
        esc(f, r->unasked[i]);
        fputs("</code>", f);
    }
    fprintf(f, "%s</p></section>\n", r->nunasked ? "" : "<span class=\"muted\">none</span>");
}

static void header(FILE *f, const histReport *r) {
    char since[32] = "all time", now[32];
    struct tm tm;
    time_t t = (time_t)r->since;
    if (r->since && gmtime_r(&t, &tm)) strftime(since, sizeof since, "since %Y-%m-%d", &tm);
    t = (time_t)r->now;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M UTC", &tm);
    long long all = r->answered + r->unanswered;
    fprintf(f, "<h1>careerbot: what users asked</h1><p class=\"muted\">%s, made %s</p>\n"
               "<div class=\"cards\"><div class=\"card\"><b id=\"answer-rate\">%.0f%%</b>answer"
               " rate</div><div class=\"card\"><b>%lld</b>answers</div><div class=\"card\"><b>%lld"
               "</b>unanswered</div><div class=\"card\"><b>%zu</b>open groups</div><div class="
               "\"card\"><b>%zu</b>answered now</div></div>\n",
            since, now, all ? 100.0 * (double)r->answered / (double)all : 0.0, r->answered,
            r->unanswered, r->nopen, r->nfixed);
}

void histReportHtml(const histReport *r, void *stream) {
    FILE *f = stream;
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
               "<title>careerbot report</title><style>%s</style></head><body><main>\n", htmlCss);
    header(f, r);
    fputs("<section><h2>Answer rate per day</h2>\n", f);
    chartRate(f, r);
    fputs("</section><section><h2>Most asked open questions</h2>\n", f);
    chartOpen(f, r);
    fputs("</section>\n", f);
    groupTable(f, "Open questions", r->open, r->nopen);
    groupTable(f, "Answered now by the live knowledge", r->fixed, r->nfixed);
    mentorTable(f, r);
    fputs("<section><h2>Votes per entry</h2>\n", f);
    chartVotes(f, r);
    fputs("</section>\n", f);
    entryTable(f, r);
    fputs("</main></body></html>\n", f);
}
