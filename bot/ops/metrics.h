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
/* A hand-off to mentors: "requested", "relayed", "cancelled", "expired"
 * or "limited" (refused by mentor.daily_limit). */
void metricsHandoff(const char *platform, const char *event);
void metricsHistoryRows(size_t n);
void metricsHistoryError(void);
/* An autocomplete request (Discord's /faq question option). */
void metricsAutocomplete(const char *platform);
/* action: "warned" (told to slow down) or "silenced" (said nothing). */
void metricsCooldown(const char *platform, const char *action);
/* Seconds from a question's event to the platform accepting its reply
 * (histogram careerbot_reply_latency_seconds{platform}). */
void metricsReplyLatency(const char *platform, double seconds);
/* A reply the platform did not accept (after retries). */
void metricsReplyFailed(const char *platform);
/* The connected gauge of a platform (set when /metrics is read). */
void metricsPlatformConnected(const char *platform, int connected);
/* Create every series of a configured platform at zero, so dashboards and
 * alerts see them from the start (rate() needs a first sample). */
void metricsDeclarePlatform(const char *platform);
/* The careerbot_* exposition text (deterministic, for tests); caller frees. */
char *metricsRender(void);
/* What GET /metrics serves: metricsRender() plus process_* (CPU seconds,
 * resident memory, start time, open and max fds, from /proc) and
 * careerbot_build_info{version}. Caller frees. */
char *metricsRenderAll(void);
/* The version shown in careerbot_build_info (copied; default "unknown"). */
void metricsSetVersion(const char *version);

#endif
