/* redact.h - one scrubber for secrets, used by the logger (every line) and
 * by the history (every stored question): the bot's own tokens, registered
 * at start-up, and any string shaped like a Slack token (xoxb-/xoxp-/xoxa-/
 * xoxo-/xoxs-/xoxr-..., xapp-...) or a Discord bot token (three base64url
 * parts joined by dots), so a token a user pastes into a question is never
 * stored or logged. Each hit becomes "[redacted]"; text never grows. */
#ifndef CB_REDACT_H
#define CB_REDACT_H

void redactAddSecret(const char *secret); /* copies; ignores strings under 8 bytes */
void redactClearSecrets(void);
/* Replace secrets and token-shaped strings in s, in place (s may shorten).
 * Returns the number of replacements. */
int redactText(char *s);

#endif
