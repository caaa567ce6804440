/* config.h - the bot's settings: defaults, then the config file (--config
 * or CAREERBOT_CONFIG; an INI-style file, see config/careerbot.conf.example),
 * then environment variables. Secrets (tokens) come only from the
 * environment and are kept apart from the rest so nothing prints them. */
#ifndef CB_CONFIG_H
#define CB_CONFIG_H

#include <stddef.h>

#include "base/diag.h"

#define CFG_MAX_LIST 64

typedef struct cfgList {
    char *v[CFG_MAX_LIST];
    size_t n;
} cfgList;

typedef struct cbConfig {
    char *kb_dir;             /* knowledge.dir, CAREERBOT_KB; default ./knowledge */
    char *cache_dir;          /* knowledge.cache_dir: the trained model between runs;
                               * "auto" (default: $XDG_CACHE_HOME/careerbot), "off" or a path */
    int watch_kb;             /* knowledge.watch: inotify reload; default 1 */
    double answer_threshold;  /* matching.answer_threshold; 0: knowledge/matching.json */
    double suggest_threshold; /* matching.suggest_threshold; 0: knowledge/matching.json */
    double review_threshold;  /* matching.review_threshold: answers below it are kept for review; default 0.7 */
    int slash_ephemeral;      /* replies.slash_ephemeral; default 1 */
    double user_cooldown;     /* limits.user_cooldown: seconds between answers to one user; default 2 */
    double channel_cooldown;  /* limits.channel_cooldown: seconds between answers in one channel; default 0 (off) */
    cfgList slack_allow, slack_deny;     /* slack.allow_channels / deny_channels */
    double slack_ping_interval; /* slack.ping_interval: ping a link silent this long (s); default 5 */
    double slack_ping_timeout;  /* slack.ping_timeout: reconnect a link silent this long (s); default 10 */
    char *slack_mentors_channel;   /* slack.mentors_channel: hand-offs go there; NULL: none */
    char *discord_mentors_channel; /* discord.mentors_channel; NULL: none */
    int mentor_daily_limit;   /* mentor.daily_limit: hand-offs per user per UTC day; default 3, 0: off */
    cfgList discord_allow, discord_deny; /* discord.allow_channels / deny_channels */
    int discord_shard_id, discord_shard_count; /* discord.shard = "0/1" */
    char *history_path;       /* history.path; default data/careerbot.db */
    int retention_days;       /* history.retention_days; default 90 */
    double report_similarity; /* report.similarity: questions this alike are one group; default 0.5 */
    int log_question_text;    /* log.question_text; default 0 */
    char *log_level;          /* log.level; default info */
    char *log_format;         /* log.format: logfmt | json */
    char *health_addr;        /* health.listen: "127.0.0.1:8080"; "off" disables */
    char *console_history;    /* console.history: the terminal's line history file; "" = the
                               * XDG state dir's careerbot/console_history; "off" disables */
    int console_history_size; /* console.history_size: lines kept; default 1000; 0 disables */
    char *slack_api_url;      /* SLACK_API_URL, default https://slack.com/api/ */
    char *discord_api_url;    /* DISCORD_API_URL, default https://discord.com/api/v10 */
    char *discord_project_url; /* discord.project_url: the URL in the User-Agent
                                * "DiscordBot ($url, $version)"; default CB_PROJECT_URL */
    char *config_path;        /* the file read, or NULL */
} cbConfig;

typedef struct cbSecrets { /* from the environment only */
    char *slack_app_token;  /* SLACK_APP_TOKEN (xapp-) */
    char *slack_bot_token;  /* SLACK_BOT_TOKEN (xoxb-) */
    char *discord_token;    /* DISCORD_TOKEN */
    char *discord_app_id;   /* DISCORD_APPLICATION_ID (not secret, but env) */
} cbSecrets;

void cfgDefaults(cbConfig *c);
/* Read path into c (on top of what is there). Problems go to d with
 * line:column; returns CB_ERR if there was any error. */
int cfgLoadFile(cbConfig *c, const char *path, cbDiags *d);
void cfgApplyEnv(cbConfig *c); /* environment overrides; bad values are logged and ignored */
/* Every key "section.key" may be set as CAREERBOT_SECTION_KEY. */
void cfgEnvName(const char *key, char *out, size_t n);
size_t cfgKeyCount(void);
const char *cfgKeyName(size_t i); /* NULL past the end */
/* The same, with bad values (e.g. CAREERBOT_DISCORD_SHARD=abc) reported in
 * d (file "environment", line 0); CB_ERR if any. */
int cfgApplyEnvDiags(cbConfig *c, cbDiags *d);
void cfgFree(cbConfig *c);
int cfgChannelAllowed(const cfgList *allow, const cfgList *deny, const char *channel);

void secretsFromEnv(cbSecrets *s); /* also registers them with logAddSecret */
void secretsFree(cbSecrets *s);

#endif
