/* metrics.h - process-wide counters and a latency histogram, rendered in
 * the Prometheus text format for GET /metrics. Single-threaded (the loop),
 * so plain counters suffice. */
#ifndef CB_METRICS_H
#define CB_METRICS_H

#include <stddef.h>

void metricsReset(void);
/* outcome: "answered", "abstained", "did_you_mean", "chitchat", "info", "error" */
void metricsQuestion(const char *platform, const char *outcome, double latency_seconds);
void metricsReconnect(const char *platform, int resumed);
void metricsRateLimitWait(const char *platform);
void metricsReload(int ok);
void metricsKnowledgeEntries(size_t n);
void metricsVote(const char *platform, int helpful);
void metricsHistoryRows(size_t n);
void metricsHistoryError(void);
/* action: "warned" (told to slow down) or "silenced" (said nothing). */
void metricsCooldown(const char *platform, const char *action);
/* The exposition text; caller frees. */
char *metricsRender(void);

#endif
