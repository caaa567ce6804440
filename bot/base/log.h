/* log.h - one line per event, logfmt (default) or JSON, with levels.
 *
 * Callers write the key/value part as a logfmt format: logEvent(LOG_INFO,
 * "slack.connected", "attempt=%d url=%s", n, url). Free text values may go
 * in double quotes: "reason=\"%s\"". The logger formats each value on its
 * own and then escapes it ('"', '\\', newlines, control characters), so a
 * value can never add a field or a line. In JSON mode (built with jansson)
 * a value that is exactly one numeric conversion (%d, %zu, %.3f ...) and not
 * quoted is a JSON number; everything else is a string. Invalid UTF-8
 * bytes are written as '?'.
 *
 * Secrets: every token the bot reads is registered with logAddSecret() at
 * start-up; any occurrence in a formatted line is replaced by "[redacted]"
 * before it is written, and so is anything shaped like a Slack or Discord
 * token (base/redact.h, the scrubber the history uses too). This is a
 * second line of defence: code must still never pass a token to the logger. */
#ifndef CB_LOG_H
#define CB_LOG_H

#include <stdio.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF } logLevel;

void logInit(logLevel level, int json, FILE *out); /* defaults: INFO, logfmt, stderr */
void logSetLevel(logLevel level);
logLevel logGetLevel(void);
int logLevelFromName(const char *name, logLevel *out); /* CB_OK / CB_ERR */
void logAddSecret(const char *secret);                  /* copies; ignores short strings */
void logClearSecrets(void);
/* Replace registered secrets and token-shaped strings in s (in place, may
 * shorten). Also used for
 * error messages that may echo server text. */
void logRedact(char *s);

void logEvent(logLevel level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
