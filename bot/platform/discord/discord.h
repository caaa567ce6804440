/* discord.h - the Discord transport: the Gateway websocket (HELLO,
 * heartbeats, IDENTIFY/RESUME, reconnects) for MESSAGE_CREATE and
 * INTERACTION_CREATE events, and the REST API (channel messages,
 * interaction callbacks, webhooks) for replies.
 *
 * discordTransportNew() only allocates; start() fetches GET /gateway/bot
 * and connects. A token Discord rejects (REST 401, close 4004) or a fatal
 * close code (4010-4014) is final: one clear line, t->fatal set,
 * appFatal() (exit 78); never a retry loop.
 *
 * The discord* functions below are the transport's pure parts (close-code
 * policy, mention handling, the /faq command definition, the
 * gateway send limiter), declared here for the unit tests and for
 * `careerbot discord register`. */
#ifndef CB_DISCORD_H
#define CB_DISCORD_H

#include <jansson.h>
#include <stddef.h>

#include "base/common.h"
#include "kb/kb.h"
#include "platform/transport.h"

struct cbApp;

/* GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT */
#define DISCORD_INTENTS ((1 << 9) | (1 << 12) | (1 << 15))
#define DISCORD_DEFAULT_API "https://discord.com/api/v10"
/* Every REST call identifies the bot as Discord requires:
 * "DiscordBot ($url, $versionNumber)" (Reference: User Agent); the URL is
 * the config key discord.project_url (default CB_PROJECT_URL). */
#define DISCORD_USER_AGENT_FMT "DiscordBot (%s, " CB_VERSION ")"
/* That User-Agent for project_url (NULL or "": CB_PROJECT_URL); malloc'd. */
char *discordUserAgent(const char *project_url);
/* Discord's global limit: 50 requests per second per bot, all routes
 * together; interaction callbacks and their webhooks are not counted. Kept
 * proactively, counted from responses (see ratelimit.h), so network delay
 * cannot bunch 51 requests into one second at Discord. */
#define DISCORD_GLOBAL_PER_S 50
#define DISCORD_GLOBAL_WINDOW_MS 1000
#define DISCORD_MAX_MESSAGE (4u << 20) /* gateway messages; larger are dropped */

/* NULL (err filled) only when the loop has no REST client. */
cbTransport *discordTransportNew(struct cbApp *a, char *err);

/* ---- close codes (discord_util.c) ---- */
typedef enum {
    DISCORD_CLOSE_RESUME = 0, /* reconnect and RESUME the session */
    DISCORD_CLOSE_IDENTIFY,   /* reconnect with a fresh IDENTIFY (4007, 4009) */
    DISCORD_CLOSE_FATAL       /* stop: 4004, 4010-4014 */
} discordCloseAction;

/* What to do after the gateway closed with code; for FATAL, *why (if not
 * NULL) gets a sentence for the operator. */
discordCloseAction discordClosePolicy(int code, const char **why);

/* ---- messages (discord_util.c) ---- */
/* 1 if content mentions user_id as <@ID> or <@!ID>. */
int discordHasMention(const char *content, const char *user_id);
/* content with every <@ID>/<@!ID> of user_id removed, whitespace trimmed;
 * caller frees. */
char *discordStripMention(const char *content, const char *user_id);
/* 1 if s is a snowflake (1-20 digits): safe to put in a URL path. */
int discordIsSnowflake(const char *s);
/* 1 if s looks like an interaction token (URL-safe, 1-500 chars). */
int discordIsToken(const char *s);

/* ---- the /faq command (discord_util.c) ---- */
/* The application command definitions for a bulk overwrite: one chat
 * input command "faq" with options question (autocomplete), topic
 * (choices from k's topics, at most 25) and help (boolean). k may be NULL
 * (no topic choices). New reference. */
json_t *discordCommandDefs(const kb *k);
/* The request text for a /faq invocation's options array: "help",
 * "topic NAME", "NAME: QUESTION" or the question. Caller frees. */
char *discordFaqText(const json_t *options);
/* The focused option's value of an autocomplete interaction ("" if none);
 * *name gets the option's name. Borrowed from options. */
const char *discordFocusedValue(const json_t *options, const char **name);

/* ---- gateway send limit (discord_util.c) ---- */
/* A token bucket: 120 events per 60 s, of which `reserve` are kept for
 * heartbeats (and other priority sends). */
typedef struct discordBucket {
    double tokens;
    double cap;       /* 120 */
    double per_ms;    /* refill rate: cap / 60000 */
    double reserve;   /* tokens only priority sends may use */
    double last_ms;
} discordBucket;

void discordBucketInit(discordBucket *b, double cap, double window_ms, double reserve, double now_ms);
/* 1 and takes a token if a send may go now, else 0. */
int discordBucketTake(discordBucket *b, double now_ms, int priority);
/* ms until discordBucketTake(.., priority) would succeed (0 = now). */
double discordBucketWaitMs(discordBucket *b, double now_ms, int priority);

#endif
