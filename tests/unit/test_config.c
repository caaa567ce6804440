/* test_config.c - the config file parser (every error with its exact
 * line:column and advice), defaults, the example file, environment
 * overrides, channel allow/deny lists, and `config check` never printing a
 * secret, whether it comes from the environment or was pasted in the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/common.h"
#include "app/config.h"
#include "base/log.h"
#include "tproc.h"

static char tmpPath[64];

static void writeFile(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setupTmp(void **state) {
    (void)state;
    snprintf(tmpPath, sizeof tmpPath, "/tmp/cb_test_config_%d.conf", (int)getpid());
    return 0;
}

static int teardownTmp(void **state) {
    (void)state;
    unlink(tmpPath);
    return 0;
}

/* Parse text; returns the diagnostics (caller frees) and the result. */
static int parse(const char *text, cbConfig *c, cbDiags *d) {
    writeFile(tmpPath, text);
    cfgDefaults(c);
    cbDiagsInit(d);
    return cfgLoadFile(c, tmpPath, d);
}

typedef struct errCase {
    const char *text;
    int line, col;
    const char *needle;
} errCase;

static const errCase errCases[] = {
    {"[matching]\nanswer_treshold = 0.5\n", 2, 1, "did you mean 'matching.answer_threshold'"},
    {"[matching]\nanswer_threshold = abc\n", 2, 20, "number from 0 to 1"},
    {"[matching]\nanswer_threshold = 1.5\n", 2, 20, "number from 0 to 1"},
    {"[matching]\nsuggest_threshold = 0.6\nanswer_threshold = 0.5\n", 2, 21,
     "is above matching.answer_threshold"},
    {"[log]\nlevel = loud\n", 2, 9, "debug, info, warn or error"},
    {"[knowledge]\nwatch = maybe\n", 2, 9, "true or false"},
    {"[slack]\nbot_token = xoxb-123\n", 2, 1, "secrets come only from the environment (SLACK_BOT_TOKEN)"},
    {"[slack]\napp_token = x\n", 2, 1, "(SLACK_APP_TOKEN)"},
    {"[discord]\ntoken = abc\n", 2, 1, "(DISCORD_TOKEN)"},
    {"[log]\nlevel = info\nlevel = debug\n", 3, 1, "duplicate key 'log.level' (first set on line 2)"},
    {"answer = 1\n", 1, 1, "outside a section"},
    {"[slak]\n", 1, 2, "did you mean [slack]"},
    {"[discord]\nshard = 2/2\n", 2, 9, "0 <= ID < COUNT"},
    {"[discord]\nshard = two\n", 2, 9, "ID/COUNT"},
    {"[health]\nlisten = \"127.0.0.1\"\n", 2, 10, "HOST:PORT"},
    {"[health]\nlisten = 127.0.0.1:99999\n", 2, 10, "HOST:PORT"},
    {"[console]\nhistory_size = lots\n", 2, 16, "whole number of lines from 0 to 100000"},
    {"[knowledge]\ndir = \"unterminated\n", 2, 7, "unterminated quoted value"},
    {"[history]\nretention_days = -1\n", 2, 18, "whole number of days"},
    {"  [log]\n  format = xml\n", 2, 12, "logfmt or json"},
    {"[slack]\nallow_channels = C1,,C2\n", 2, 18, "empty item"},
    {"[slack]\nallow_channels = \"\xC3\xA7\" x\n", 2, 22, "after the closing quote"},
    {"[knowledge]\ndir = xoxb-1234-5678\n", 2, 7, "looks like a token"},
    {"[log]\nlevel = \xff\n", 2, 0, "invalid UTF-8"},
    {"[log\n", 1, 1, "without ']'"},
    {"[log]\njust some words\n", 2, 1, "expected 'key = value'"},
    {"[knowledge]\ndir =\n", 2, 6, "has no value"},
    {"[knowledge]\ndir = \"a\\qb\"\n", 2, 9, "unknown escape"},
};

static void test_errors_table(void **state) {
    (void)state;
    for (size_t i = 0; i < CB_ARRAY_LEN(errCases); i++) {
        const errCase *e = &errCases[i];
        cbConfig c;
        cbDiags d;
        int rc = parse(e->text, &c, &d);
        if (rc != CB_ERR || d.nerrors < 1 || d.v[0].line != e->line || d.v[0].col != e->col ||
            !strstr(d.v[0].msg, e->needle))
            fail_msg("case %zu (%s): rc=%d n=%zu first=%d:%d %s", i, e->text, rc, d.nerrors,
                     d.n ? d.v[0].line : -1, d.n ? d.v[0].col : -1, d.n ? d.v[0].msg : "-");
        assert_int_equal(d.nerrors, 1); /* one mistake, one error */
        assert_null(strstr(d.v[0].msg, "xoxb-")); /* never echoes a token */
        cbDiagsFree(&d);
        cfgFree(&c);
    }
}

static void test_all_errors_reported(void **state) {
    (void)state;
    cbConfig c;
    cbDiags d;
    assert_int_equal(parse("[log]\nlevel = loud\nformat = xml\n[nope]\nx = 1\n", &c, &d), CB_ERR);
    assert_int_equal(d.nerrors, 3); /* level, format, section; keys under [nope] skipped */
    cbDiagsFree(&d);
    cfgFree(&c);
}

static void test_full_file(void **state) {
    (void)state;
    cbConfig c;
    cbDiags d;
    const char *text = "# comment\n; another\n[knowledge]\ndir = \"/srv/kb # not a comment\"\n"
                       "watch = off\n[matching]\nanswer_threshold = 0.6 # inline comment\n"
                       "suggest_threshold = 0.25\nreview_threshold = 0.8\n[replies]\n"
                       "slash_ephemeral = false\n[slack]\nallow_channels = C1, C2 ,C3\n"
                       "deny_channels =\n[discord]\nshard = 1/4\ndeny_channels = 99\n"
                       "[history]\npath = /data/h.db\nretention_days = 30\n[log]\nlevel = warn\n"
                       "format = json\nquestion_text = yes\n[health]\nlisten = off\n";
    assert_int_equal(parse(text, &c, &d), CB_OK);
    assert_int_equal(d.n, 0);
    assert_string_equal(c.kb_dir, "/srv/kb # not a comment");
    assert_int_equal(c.watch_kb, 0);
    assert_true(c.answer_threshold == 0.6 && c.suggest_threshold == 0.25);
    assert_true(c.review_threshold == 0.8);
    assert_int_equal(c.slash_ephemeral, 0);
    assert_int_equal(c.slack_allow.n, 3);
    assert_string_equal(c.slack_allow.v[1], "C2");
    assert_int_equal(c.slack_deny.n, 0);
    assert_int_equal(c.discord_shard_id, 1);
    assert_int_equal(c.discord_shard_count, 4);
    assert_string_equal(c.discord_deny.v[0], "99");
    assert_string_equal(c.history_path, "/data/h.db");
    assert_int_equal(c.retention_days, 30);
    assert_string_equal(c.log_level, "warn");
    assert_string_equal(c.log_format, "json");
    assert_int_equal(c.log_question_text, 1);
    assert_string_equal(c.health_addr, "off");
    assert_string_equal(c.config_path, tmpPath);
    cbDiagsFree(&d);
    cfgFree(&c);
}

static void test_defaults_and_example(void **state) {
    (void)state;
    cbConfig c, def;
    cbDiags d;
    cfgDefaults(&def);
    assert_string_equal(def.history_path, "data/careerbot.db");
    assert_string_equal(def.health_addr, "127.0.0.1:8080");
    assert_int_equal(def.retention_days, 90);
    cfgDefaults(&c);
    cbDiagsInit(&d);
    /* The example documents every key with its default: reading it must
     * change nothing. */
    assert_int_equal(cfgLoadFile(&c, "config/careerbot.conf.example", &d), CB_OK);
    assert_int_equal(d.n, 0);
    assert_string_equal(c.kb_dir, def.kb_dir);
    assert_true(c.answer_threshold == def.answer_threshold);
    assert_true(c.suggest_threshold == def.suggest_threshold);
    assert_true(c.review_threshold == def.review_threshold);
    assert_string_equal(c.history_path, def.history_path);
    assert_string_equal(c.health_addr, def.health_addr);
    assert_string_equal(c.log_level, def.log_level);
    assert_int_equal(c.retention_days, def.retention_days);
    assert_string_equal(c.console_history, def.console_history);
    assert_int_equal(c.console_history_size, 1000);
    assert_int_equal(c.console_history_size, def.console_history_size);
    assert_string_equal(c.discord_project_url, def.discord_project_url);
    cbDiagsFree(&d);
    cfgFree(&c);
    cfgFree(&def);
}

static void test_review_warning(void **state) {
    (void)state;
    cbConfig c;
    cbDiags d;
    assert_int_equal(parse("[matching]\nanswer_threshold = 0.5\nreview_threshold = 0.3\n", &c,
                           &d), CB_OK);
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(d.nwarnings, 1);
    assert_int_equal(d.v[0].line, 3);
    assert_int_equal(d.v[0].col, 20);
    cbDiagsFree(&d);
    cfgFree(&c);
}

static void test_env_overrides(void **state) {
    (void)state;
    cbConfig c;
    cbDiags d;
    assert_int_equal(parse("[knowledge]\ndir = fromfile\n[log]\nlevel = warn\n", &c, &d), CB_OK);
    setenv("CAREERBOT_KB", "/env/kb", 1);
    setenv("CAREERBOT_LOG_LEVEL", "debug", 1);
    setenv("CAREERBOT_LOG_FORMAT", "json", 1);
    setenv("CAREERBOT_HEALTH_LISTEN", "127.0.0.1:9999", 1);
    setenv("CAREERBOT_HISTORY_PATH", "/env/h.db", 1);
    setenv("CAREERBOT_DISCORD_SHARD", "1/2", 1);
    setenv("SLACK_API_URL", "http://127.0.0.1:1/api/", 1);
    setenv("DISCORD_API_URL", "http://127.0.0.1:2/api", 1);
    assert_int_equal(cfgApplyEnvDiags(&c, &d), CB_OK);
    assert_string_equal(c.kb_dir, "/env/kb");
    assert_string_equal(c.log_level, "debug");
    assert_string_equal(c.log_format, "json");
    assert_string_equal(c.health_addr, "127.0.0.1:9999");
    assert_string_equal(c.history_path, "/env/h.db");
    assert_int_equal(c.discord_shard_id, 1);
    assert_int_equal(c.discord_shard_count, 2);
    assert_string_equal(c.slack_api_url, "http://127.0.0.1:1/api/");
    assert_string_equal(c.discord_api_url, "http://127.0.0.1:2/api");
    setenv("CAREERBOT_DISCORD_SHARD", "5/2", 1); /* bad: reported, value kept */
    assert_int_equal(cfgApplyEnvDiags(&c, &d), CB_ERR);
    assert_int_equal(d.nerrors, 1);
    assert_non_null(strstr(d.v[0].msg, "CAREERBOT_DISCORD_SHARD"));
    assert_int_equal(c.discord_shard_id, 1);
    const char *vars[] = {"CAREERBOT_KB", "CAREERBOT_LOG_LEVEL", "CAREERBOT_LOG_FORMAT",
                          "CAREERBOT_HEALTH_LISTEN", "CAREERBOT_HISTORY_PATH",
                          "CAREERBOT_DISCORD_SHARD", "SLACK_API_URL", "DISCORD_API_URL"};
    for (size_t i = 0; i < CB_ARRAY_LEN(vars); i++) unsetenv(vars[i]);
    cbDiagsFree(&d);
    cfgFree(&c);
}

/* Every key has its CAREERBOT_SECTION_KEY variable, checked like the file. */
static void test_env_every_key(void **state) {
    (void)state;
    char name[96];
    cfgEnvName("matching.answer_threshold", name, sizeof name);
    assert_string_equal(name, "CAREERBOT_MATCHING_ANSWER_THRESHOLD");
    assert_true(cfgKeyCount() > 15);
    assert_null(cfgKeyName(cfgKeyCount()));
    cbConfig c;
    cfgDefaults(&c);
    assert_float_equal(c.user_cooldown, 2, 1e-9);
    cbDiags d;
    cbDiagsInit(&d);
    setenv("CAREERBOT_MATCHING_ANSWER_THRESHOLD", "0.6", 1);
    setenv("CAREERBOT_LIMITS_USER_COOLDOWN", "5.5", 1);
    setenv("CAREERBOT_LIMITS_CHANNEL_COOLDOWN", "1", 1);
    setenv("CAREERBOT_SLACK_DENY_CHANNELS", "C1,C2", 1);
    setenv("CAREERBOT_REPLIES_SLASH_EPHEMERAL", "no", 1);
    assert_int_equal(cfgApplyEnvDiags(&c, &d), CB_OK);
    assert_float_equal(c.answer_threshold, 0.6, 1e-9);
    assert_float_equal(c.user_cooldown, 5.5, 1e-9);
    assert_float_equal(c.channel_cooldown, 1, 1e-9);
    assert_int_equal(c.slack_deny.n, 2);
    assert_int_equal(c.slash_ephemeral, 0);
    setenv("CAREERBOT_LIMITS_USER_COOLDOWN", "-1", 1); /* bad: reported, value kept */
    assert_int_equal(cfgApplyEnvDiags(&c, &d), CB_ERR);
    assert_non_null(strstr(d.v[d.n - 1].msg, "CAREERBOT_LIMITS_USER_COOLDOWN"));
    assert_float_equal(c.user_cooldown, 5.5, 1e-9);
    const char *vars[] = {"CAREERBOT_MATCHING_ANSWER_THRESHOLD", "CAREERBOT_LIMITS_USER_COOLDOWN",
                          "CAREERBOT_LIMITS_CHANNEL_COOLDOWN", "CAREERBOT_SLACK_DENY_CHANNELS",
                          "CAREERBOT_REPLIES_SLASH_EPHEMERAL"};
    for (size_t i = 0; i < CB_ARRAY_LEN(vars); i++) unsetenv(vars[i]);
    cbDiagsFree(&d);
    cfgFree(&c);
}

/* discord.project_url: the URL of the Discord User-Agent, from the file or
 * CAREERBOT_DISCORD_PROJECT_URL; nothing that would break "DiscordBot
 * ($url, $version)" is taken. */
static void test_project_url(void **state) {
    (void)state;
    cbConfig c;
    cbDiags d;
    assert_int_equal(parse("[discord]\nshard = 0/1\n", &c, &d), CB_OK);
    assert_string_equal(c.discord_project_url, CB_PROJECT_URL);
    cfgFree(&c);
    cbDiagsFree(&d);
    assert_int_equal(parse("[discord]\nproject_url = https://example.org/our-bot\n", &c, &d), CB_OK);
    assert_string_equal(c.discord_project_url, "https://example.org/our-bot");
    setenv("CAREERBOT_DISCORD_PROJECT_URL", "https://example.net/x", 1);
    assert_int_equal(cfgApplyEnvDiags(&c, &d), CB_OK);
    assert_string_equal(c.discord_project_url, "https://example.net/x");
    const char *bad[] = {"example.org", "https://a b", "https://a,b", "https://a)b"};
    for (size_t i = 0; i < CB_ARRAY_LEN(bad); i++) {
        setenv("CAREERBOT_DISCORD_PROJECT_URL", bad[i], 1);
        assert_int_equal(cfgApplyEnvDiags(&c, &d), CB_ERR);
        assert_non_null(strstr(d.v[d.n - 1].msg, "discord.project_url"));
        assert_string_equal(c.discord_project_url, "https://example.net/x");
    }
    unsetenv("CAREERBOT_DISCORD_PROJECT_URL");
    cfgFree(&c);
    cbDiagsFree(&d);
}

static void test_channels(void **state) {
    (void)state;
    cfgList allow = {.n = 0}, deny = {.n = 0}, none = {.n = 0};
    allow.v[allow.n++] = "C1";
    allow.v[allow.n++] = "C2";
    deny.v[deny.n++] = "C2";
    deny.v[deny.n++] = "C9";
    const struct {
        const cfgList *a, *d;
        const char *ch;
        int want;
    } cases[] = {
        {&none, &none, "C5", 1}, {&allow, &none, "C1", 1}, {&allow, &none, "C5", 0},
        {&none, &deny, "C9", 0}, {&none, &deny, "C1", 1},  {&allow, &deny, "C2", 0},
        {&allow, &deny, "C1", 1}, {&allow, &none, NULL, 0}, {&none, &none, NULL, 1},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++)
        assert_int_equal(cfgChannelAllowed(cases[i].a, cases[i].d, cases[i].ch), cases[i].want);
}

/* Run cmdConfig with stdout+stderr captured into one file; returns its text. */
static char *runCheck(int *rc, const char *file) {
    char out[64];
    snprintf(out, sizeof out, "/tmp/cb_test_config_out_%d", (int)getpid());
    fflush(stdout);
    fflush(stderr);
    int save1 = dup(1), save2 = dup(2);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0 && save1 >= 0 && save2 >= 0);
    dup2(fd, 1);
    dup2(fd, 2);
    char *argv[] = {"config", "check", (char *)file, NULL};
    *rc = cmdConfig(3, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(save1, 1);
    dup2(save2, 2);
    close(fd);
    close(save1);
    close(save2);
    char *text = tpReadFile(out);
    unlink(out);
    return text;
}

static void test_check_hides_secrets(void **state) {
    (void)state;
    setenv("SLACK_BOT_TOKEN", "xoxb-envsecret-0123456789", 1);
    setenv("DISCORD_TOKEN", "discord-env-secret-value", 1);
    writeFile(tmpPath, "[slack]\nbot_token = xoxb-filesecret-42\n[knowledge]\ndir = .\n");
    int rc;
    char *text = runCheck(&rc, tmpPath);
    assert_int_equal(rc, CB_EXIT_FAIL);
    assert_non_null(strstr(text, ":2:1: error:"));
    assert_non_null(strstr(text, "SLACK_BOT_TOKEN"));
    assert_null(strstr(text, "filesecret"));
    assert_null(strstr(text, "envsecret"));
    free(text);
    writeFile(tmpPath, "[knowledge]\ndir = .\n");
    text = runCheck(&rc, tmpPath);
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(text, "config OK"));
    assert_non_null(strstr(text, "SLACK_BOT_TOKEN set"));
    assert_null(strstr(text, "envsecret"));
    assert_null(strstr(text, "discord-env-secret"));
    free(text);
    unsetenv("SLACK_BOT_TOKEN");
    unsetenv("DISCORD_TOKEN");
}

static void test_secrets_from_env(void **state) {
    (void)state;
    setenv("SLACK_APP_TOKEN", "xapp-1-abcdef", 1);
    setenv("SLACK_BOT_TOKEN", "", 1); /* empty counts as unset */
    unsetenv("DISCORD_TOKEN");
    setenv("DISCORD_APPLICATION_ID", "1234", 1);
    cbSecrets s;
    secretsFromEnv(&s);
    assert_string_equal(s.slack_app_token, "xapp-1-abcdef");
    assert_null(s.slack_bot_token);
    assert_null(s.discord_token);
    assert_string_equal(s.discord_app_id, "1234");
    char line[] = "token=xapp-1-abcdef end";
    logRedact(line); /* registered with the logger */
    assert_null(strstr(line, "xapp-1-abcdef"));
    secretsFree(&s);
    logClearSecrets();
    unsetenv("SLACK_APP_TOKEN");
    unsetenv("SLACK_BOT_TOKEN");
    unsetenv("DISCORD_APPLICATION_ID");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors_table),     cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_full_file),        cmocka_unit_test(test_defaults_and_example),
        cmocka_unit_test(test_review_warning),   cmocka_unit_test(test_env_overrides),
        cmocka_unit_test(test_env_every_key),    cmocka_unit_test(test_project_url),
        cmocka_unit_test(test_channels),         cmocka_unit_test(test_check_hides_secrets),
        cmocka_unit_test(test_secrets_from_env),
    };
    return cmocka_run_group_tests(tests, setupTmp, teardownTmp);
}
