/* cmd_discord.c - `careerbot discord invite [--client-id ID]` prints the
 * URL that adds the bot to a server; `careerbot discord register [--guild
 * ID] [--kb DIR]`:
 * install the /faq command with a bulk overwrite (PUT
 * /applications/{app}/commands, or .../guilds/{guild}/commands, which
 * shows up at once and suits testing). The application id comes from
 * DISCORD_APPLICATION_ID or GET /applications/@me; topic choices come from
 * the knowledge base. Runs its own loop with http.h. A rejected token
 * (401/403) exits 78 with a clear line; the token is never printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cliopt.h"
#include "base/common.h"
#include "app/config.h"
#include "platform/discord/discord.h"
#include "net/http.h"
#include "base/log.h"
#include "net/loop.h"

typedef struct regState {
    cbLoop loop;
    const char *api, *guild; /* api: base URL without a trailing '/' */
    char *auth, *app_id, *url, *body;
    char *ua; /* "DiscordBot ($url, $version)" */
    json_t *defs;
    int rc;
} regState;

static void regFail(regState *r, const httpResponse *res, const char *step) {
    json_t *j = json_loads(res->body ? res->body : "", 0, NULL);
    const char *msg = json_string_value(json_object_get(j, "message"));
    char why[300];
    snprintf(why, sizeof why, "%s", msg ? msg : res->error ? res->error : "");
    logRedact(why);
    if (res->status == 401 || res->status == 403) {
        fprintf(stderr, "careerbot: Discord refused %s (%ld %s): check DISCORD_TOKEN%s\n", step,
                res->status, why, res->status == 403 && r->guild ? " and that the bot is in that guild" : "");
        r->rc = CB_EXIT_CONFIG;
    } else {
        fprintf(stderr, "careerbot: %s failed (HTTP %ld): %s\n", step, res->status, why);
        r->rc = CB_EXIT_FAIL;
    }
    json_decref(j);
    loopStop(&r->loop);
}

static void regOnPut(const httpResponse *res, void *ud) {
    regState *r = ud;
    if (res->status < 200 || res->status >= 300) {
        regFail(r, res, "the command registration");
        return;
    }
    json_t *got = json_loads(res->body, 0, NULL), *c;
    size_t i;
    json_array_foreach(got, i, c) {
        json_t *topic = json_array_get(json_object_get(c, "options"), 1);
        printf("registered /%s (id %s) %s%s: options question (autocomplete), topic (%zu choices), help\n",
               json_string_value(json_object_get(c, "name")), json_string_value(json_object_get(c, "id")),
               r->guild ? "in guild " : "globally", r->guild ? r->guild : "",
               json_array_size(json_object_get(topic, "choices")));
    }
    if (!r->guild) printf("note: global commands can take a while to appear; use --guild ID while testing\n");
    json_decref(got);
    r->rc = CB_EXIT_OK;
    loopStop(&r->loop);
}

static void regPut(regState *r) {
    r->url = r->guild ? cbSprintf("%s/applications/%s/guilds/%s/commands", r->api, r->app_id, r->guild)
                      : cbSprintf("%s/applications/%s/commands", r->api, r->app_id);
    r->body = json_dumps(r->defs, JSON_COMPACT);
    httpRequest req = {.method = "PUT", .url = r->url, .body = r->body, .authorization = r->auth,
                       .route = "PUT /applications/commands", .user_agent = r->ua};
    char err[CB_ERRLEN];
    if (httpSubmit(r->loop.http, &req, regOnPut, r, err) != CB_OK) {
        fprintf(stderr, "careerbot: %s\n", err);
        loopStop(&r->loop);
    }
}

static void regOnMe(const httpResponse *res, void *ud) {
    regState *r = ud;
    json_t *j = res->status == 200 ? json_loads(res->body, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(j, "id"));
    if (!id || !discordIsSnowflake(id)) {
        json_decref(j);
        regFail(r, res, "GET /applications/@me");
        return;
    }
    r->app_id = cbStrdup(id);
    json_decref(j);
    regPut(r);
}

static const cliOpt regOpts[] = {
    {"guild", "ID", "register in one guild (shows at once; for testing) instead of globally"},
    {"kb", "DIR", "knowledge directory, for the topic choices (default: $CAREERBOT_KB)"},
};

static const cliSpec regSpec = {
    .cmd = "discord register",
    .about = "Install the /faq command (bulk overwrite). Needs DISCORD_TOKEN; the application\n"
             "id comes from DISCORD_APPLICATION_ID or the API.",
    .opts = regOpts,
    .nopts = CB_ARRAY_LEN(regOpts),
};

/* What the bot needs in a channel (Discord's permission bits): View
 * Channel 1<<10, Send Messages 1<<11, Embed Links 1<<14, Read Message
 * History 1<<16. The same four the bot names when a channel refuses it. */
#define DISCORD_INVITE_PERMISSIONS ((1ULL << 10) | (1ULL << 11) | (1ULL << 14) | (1ULL << 16))

static const cliOpt inviteOpts[] = {
    {"client-id", "ID", "the application (client) id (default: $DISCORD_APPLICATION_ID)"},
    {"permissions", "N", "the permissions integer (default: View Channel, Send Messages, "
                         "Embed Links, Read Message History)"},
};

static const cliSpec inviteSpec = {
    .cmd = "discord invite",
    .about = "Print the URL that adds the bot to a server, with the scopes bot and\n"
             "applications.commands (for /faq) and the permissions it needs.",
    .opts = inviteOpts,
    .nopts = CB_ARRAY_LEN(inviteOpts),
};

typedef struct discordArgs {
    const char *guild, *kb, *client_id, *perms;
} discordArgs;

static int discordOnOpt(void *ud, int i, const char *v) {
    discordArgs *a = ud;
    const char **slots[] = {&a->guild, &a->kb};
    *slots[i] = v;
    return CB_OK;
}

static int inviteOnOpt(void *ud, int i, const char *v) {
    discordArgs *a = ud;
    if (i == 0) a->client_id = v;
    else a->perms = v;
    return CB_OK;
}

static int discordInvite(int argc, char **argv) {
    discordArgs a = {0};
    int first;
    int rc = cliParse(&inviteSpec, argc, argv, inviteOnOpt, &a, &first);
    if (rc != CB_OK) return rc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    const char *id = a.client_id ? a.client_id : getenv("DISCORD_APPLICATION_ID");
    if (!id || !discordIsSnowflake(id)) {
        fprintf(stderr, "careerbot discord invite: give the application id (--client-id or "
                        "DISCORD_APPLICATION_ID): the number under General Information\n");
        return CB_EXIT_USAGE;
    }
    unsigned long long perms = DISCORD_INVITE_PERMISSIONS;
    if (a.perms) {
        char *end;
        perms = strtoull(a.perms, &end, 10);
        if (!*a.perms || *end || a.perms[0] == '-') {
            fprintf(stderr, "careerbot discord invite: --permissions wants a whole number\n");
            return CB_EXIT_USAGE;
        }
    }
    printf("https://discord.com/oauth2/authorize?client_id=%s&scope=bot%%20applications.commands"
           "&permissions=%llu\n", id, perms);
    return CB_EXIT_OK;
}

static int regUsage(void) {
    cliPrintUsage(&regSpec, stderr);
    return CB_EXIT_USAGE;
}

static int regRun(regState *r, const char *app_id) {
    char err[CB_ERRLEN];
    if (loopInit(&r->loop, NULL, err) != CB_OK) {
        fprintf(stderr, "careerbot: %s\n", err);
        return CB_EXIT_FAIL;
    }
    r->rc = CB_EXIT_FAIL;
    char *url = NULL;
    int queued = 1;
    if (app_id && *app_id && discordIsSnowflake(app_id)) {
        r->app_id = cbStrdup(app_id);
        regPut(r);
    } else {
        url = cbSprintf("%s/applications/@me", r->api);
        httpRequest req = {.method = "GET", .url = url, .authorization = r->auth,
                           .route = "GET /applications/@me", .user_agent = r->ua};
        if (httpSubmit(r->loop.http, &req, regOnMe, r, err) != CB_OK) {
            fprintf(stderr, "careerbot: %s\n", err);
            queued = 0;
        }
    }
    if (queued) loopRun(&r->loop);
    free(url);
    loopFree(&r->loop);
    return r->rc;
}

int cmdDiscord(int argc, char **argv) {
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: careerbot discord register|invite [OPTIONS]\n"
               "Install the /faq command, or print the invite URL; each takes --help.\n");
        return CB_EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "invite") == 0) return discordInvite(argc - 1, argv + 1);
    if (argc < 2 || strcmp(argv[1], "register") != 0) {
        if (argc < 2) fprintf(stderr, "careerbot discord: needs a command: register or invite\n");
        else fprintf(stderr, "careerbot discord: unknown command '%s' (register or invite)\n", argv[1]);
        fprintf(stderr, "usage: careerbot discord register|invite [OPTIONS]; each takes --help\n");
        return CB_EXIT_USAGE;
    }
    discordArgs da = {0};
    int first;
    int prc = cliParse(&regSpec, argc - 1, argv + 1, discordOnOpt, &da, &first);
    if (prc != CB_OK) return prc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    if (first < argc - 1) return regUsage();
    const char *guild = da.guild, *kbdir = da.kb;
    if (guild && !discordIsSnowflake(guild)) {
        fprintf(stderr, "careerbot: --guild wants a numeric guild id\n");
        return CB_EXIT_USAGE;
    }
    cbConfig cfg;
    cbSecrets sec = {0};
    cfgDefaults(&cfg);
    cfgApplyEnv(&cfg);
    secretsFromEnv(&sec);
    int rc = CB_EXIT_CONFIG;
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = NULL;
    if (!sec.discord_token || !*sec.discord_token) {
        fprintf(stderr, "careerbot: DISCORD_TOKEN is not set\n");
    } else if (!(k = kbLoad(cliKbDir(kbdir), &d))) {
        cbDiagsPrint(&d, "text", stderr);
        fprintf(stderr, "careerbot: the knowledge in %s does not load; fix it first (careerbot kb check)\n",
                cliKbDir(kbdir));
        rc = CB_EXIT_FAIL;
    } else {
        regState r = {.guild = guild, .defs = discordCommandDefs(k)};
        char *api = cbStrdup(cfg.discord_api_url && *cfg.discord_api_url ? cfg.discord_api_url
                                                                          : DISCORD_DEFAULT_API);
        for (size_t n = strlen(api); n > 0 && api[n - 1] == '/'; n--) api[n - 1] = '\0';
        r.api = api;
        r.auth = cbSprintf("Bot %s", sec.discord_token);
        r.ua = discordUserAgent(cfg.discord_project_url);
        rc = regRun(&r, sec.discord_app_id);
        json_decref(r.defs);
        free(r.auth);
        free(r.ua);
        free(r.app_id);
        free(r.url);
        free(r.body);
        free(api);
    }
    kbFree(k);
    cbDiagsFree(&d);
    secretsFree(&sec);
    cfgFree(&cfg);
    return rc;
}
