/* test_cli.c - the command line as operators use it (GNU conventions):
 * every command and subcommand answers --help (and -h) on stdout with exit
 * 0 and nothing on stderr; `run --help` lists every config key's
 * environment variable; options take --name=value as well as --name value;
 * an unknown option is exit 2 with the usage on stderr; `discord invite`
 * prints the invite URL; `healthcheck` with nothing listening fails; the
 * environment's settings are checked like the file's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "tproc.h"

#define WAIT_MS 20000

typedef struct cliRun {
    int rc;
    char *out, *err;
} cliRun;

/* Run build/san/careerbot with args (NULL-terminated) and env. */
static cliRun runBot(const char *const *args, char *const *env) {
    char *bin = tpBuildPath("san/careerbot");
    char *argv[16] = {bin};
    int n = 1;
    for (; args[n - 1] && n < 15; n++) argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    tpProc p;
    cliRun r = {.rc = -1};
    if (tpSpawn(&p, argv, env, 0) == 0) {
        r.rc = tpWait(&p, WAIT_MS);
        if (r.rc < 0) r.rc = tpStop(&p, 1000);
        r.out = tpReadFile(p.out_path);
        r.err = tpReadFile(p.err_path);
        tpCleanup(&p);
    }
    free(bin);
    return r;
}

static void runFree(cliRun *r) {
    free(r->out);
    free(r->err);
}

static void test_every_command_has_help(void **state) {
    (void)state;
    static const char *const cmds[][4] = {
        {NULL},
        {"run", NULL},
        {"ask", NULL},
        {"kb", NULL},
        {"kb", "check", NULL},
        {"kb", "eval", NULL},
        {"kb", "export", NULL},
        {"kb", "import", NULL},
        {"kb", "new", NULL},
        {"report", NULL},
        {"report", "accept", NULL},
        {"report", "dismiss", NULL},
        {"history", NULL},
        {"history", "export", NULL},
        {"config", NULL},
        {"config", "check", NULL},
        {"discord", NULL},
        {"discord", "register", NULL},
        {"discord", "invite", NULL},
        {"healthcheck", NULL},
    };
    char *env[] = {"CAREERBOT_CONFIG=", NULL};
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        for (int form = 0; form < 2; form++) {
            const char *args[8];
            int n = 0;
            for (; n < 3 && cmds[i][n]; n++) args[n] = cmds[i][n];
            args[n++] = form ? "-h" : "--help";
            args[n] = NULL;
            cliRun r = runBot(args, env);
            char want[64];
            snprintf(want, sizeof want, "usage: careerbot%s%s", cmds[i][0] ? " " : "",
                     cmds[i][0] ? cmds[i][0] : "");
            if (r.rc != 0 || strncmp(r.out, want, strlen(want)) != 0 || r.err[0])
                fail_msg("'%s %s %s': rc %d, stdout '%.80s', stderr '%.200s'",
                         cmds[i][0] ? cmds[i][0] : "", cmds[i][0] && cmds[i][1] ? cmds[i][1] : "",
                         args[n - 1], r.rc, r.out, r.err);
            runFree(&r);
        }
    }
    const char *kbHelp[] = {"kb", "help", NULL}; /* as `careerbot help` is */
    cliRun r = runBot(kbHelp, env);
    assert_int_equal(r.rc, 0);
    assert_true(strncmp(r.out, "usage: careerbot kb", 19) == 0);
    runFree(&r);
}

static void test_run_help_lists_env(void **state) {
    (void)state;
    const char *args[] = {"run", "--help", NULL};
    cliRun r = runBot(args, NULL);
    assert_int_equal(r.rc, 0);
    const char *want[] = {"CAREERBOT_MATCHING_ANSWER_THRESHOLD", "CAREERBOT_LIMITS_USER_COOLDOWN",
                          "CAREERBOT_HEALTH_LISTEN", "CAREERBOT_LOG_QUESTION_TEXT",
                          "SLACK_APP_TOKEN", "/etc/careerbot/careerbot.conf"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(r.out, want[i])) fail_msg("run --help lacks %s", want[i]);
    runFree(&r);
}

static void test_equals_form_and_errors(void **state) {
    (void)state;
    const char *ask[] = {"ask", "--kb=tests/fixtures/app-kb", "--top=2", "--json",
                         "are bootcamps worth it", NULL};
    cliRun r = runBot(ask, NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "\"answered\": true"));
    runFree(&r);
    const char *check[] = {"kb", "check", "--kb=tests/fixtures/app-kb", "--format=github", NULL};
    r = runBot(check, NULL);
    assert_int_equal(r.rc, 0);
    runFree(&r);
    const char *bad[][4] = {{"report", "--nope", NULL},
                            {"kb", "export", "--kb", NULL},
                            {"healthcheck", "--frob=1", NULL},
                            {"run", "--console", "extra", NULL},
                            {"discord", "invite", "--client-id=abc", NULL},
                            {"discord", NULL},
                            {"discord", "frob", NULL},
                            {"--version", "extra", NULL}};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = runBot(bad[i], NULL);
        if (r.rc != 2 || !strstr(r.err, "careerbot") || r.out[0] || !strchr(r.err, '\n'))
            fail_msg("case %zu: rc %d stdout '%s' stderr '%s'", i, r.rc, r.out, r.err);
        if (i >= 5 && !strstr(r.err, i == 7 ? "takes no argument" : "register or invite"))
            fail_msg("case %zu: stderr does not say what is wrong: '%s'", i, r.err);
        runFree(&r);
    }
}

static void test_discord_invite(void **state) {
    (void)state;
    const char *args[] = {"discord", "invite", "--client-id=123456789012345678", NULL};
    cliRun r = runBot(args, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "https://discord.com/oauth2/authorize?client_id=123456789012345678"
                               "&scope=bot%20applications.commands&permissions=84992\n");
    runFree(&r);
    const char *env_args[] = {"discord", "invite", "--permissions", "2048", NULL};
    char *env[] = {"DISCORD_APPLICATION_ID=223456789012345678", NULL};
    r = runBot(env_args, env);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "client_id=223456789012345678&"));
    assert_non_null(strstr(r.out, "&permissions=2048\n"));
    runFree(&r);
}

static void test_healthcheck_nothing_listening(void **state) {
    (void)state;
    char url[64];
    snprintf(url, sizeof url, "--url=http://127.0.0.1:%d/readyz", tpFreePort());
    const char *args[] = {"healthcheck", url, NULL};
    cliRun r = runBot(args, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "careerbot healthcheck"));
    runFree(&r);
    const char *off[] = {"healthcheck", NULL};
    char *env[] = {"CAREERBOT_CONFIG=", "CAREERBOT_HEALTH_LISTEN=off", NULL};
    r = runBot(off, env);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "off"));
    runFree(&r);
}

/* The environment is checked like the file: a bad value stops `run`
 * with exit 78 and the variable named; a CAREERBOT_ name careerbot does
 * not read gets a warning with the closest one. */
static void test_environment_checked(void **state) {
    (void)state;
    const char *run[] = {"run", "--console", "--kb", "tests/fixtures/app-kb", NULL};
    char *bad[] = {"CAREERBOT_MATCHING_ANSWER_THRESHOLD=abc", "CAREERBOT_CONFIG=", NULL};
    cliRun r = runBot(run, bad);
    assert_int_equal(r.rc, 78);
    assert_non_null(strstr(r.err, "CAREERBOT_MATCHING_ANSWER_THRESHOLD"));
    assert_non_null(strstr(r.err, "not 'abc'"));
    runFree(&r);
    /* A knowledge that does not load at start: no "old knowledge" to speak of. */
    const char *nokb[] = {"run", "--console", "--kb", "/nonexistent-careerbot-kb", NULL};
    char *plain[] = {"CAREERBOT_CONFIG=", NULL};
    r = runBot(nokb, plain);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "knowledge.load_failed"));
    assert_null(strstr(r.err, "stays live"));
    runFree(&r);
    const char *check[] = {"config", "check", "config/careerbot.conf.example", NULL};
    char *typo[] = {"CAREERBOT_MATCHING_ANSWER_TRESHOLD=0.6", NULL};
    r = runBot(check, typo);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.err, "CAREERBOT_MATCHING_ANSWER_TRESHOLD is not a setting careerbot "
                                  "reads; did you mean CAREERBOT_MATCHING_ANSWER_THRESHOLD?"));
    runFree(&r);
}

/* config check names what it checks: CAREERBOT_CONFIG set but empty means
 * no file (as for run), so the defaults are checked, not the example; two
 * files, or a file and --config, are a usage error that says so. */
static void test_config_check_files(void **state) {
    (void)state;
    /* tproc unsets a variable given empty: a shell sets it empty. */
    char *bin = tpBuildPath("san/careerbot"), out[] = "/tmp/careerbot-cfg-XXXXXX";
    int fd = mkstemp(out);
    assert_true(fd >= 0);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "CAREERBOT_CONFIG= %s config check > %s 2>&1", bin, out);
    assert_int_equal(system(cmd), 0);
    char *text = tpReadFile(out);
    if (!strstr(text, "config OK: (defaults)")) fail_msg("checked something else:\n%s", text);
    free(text);
    unlink(out);
    free(bin);
    char *nofile[] = {"CAREERBOT_CONFIG=", NULL};
    cliRun r;
    const char *two[] = {"config", "check", "a.conf", "b.conf", NULL};
    r = runBot(two, nofile);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "one FILE at most (got 'a.conf' and 'b.conf')"));
    runFree(&r);
    const char *both[] = {"config", "check", "--config", "a.conf", "b.conf", NULL};
    r = runBot(both, nofile);
    assert_int_equal(r.rc, 2);
    assert_non_null(strstr(r.err, "name the file once"));
    runFree(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_command_has_help),
        cmocka_unit_test(test_run_help_lists_env),
        cmocka_unit_test(test_equals_form_and_errors),
        cmocka_unit_test(test_discord_invite),
        cmocka_unit_test(test_healthcheck_nothing_listening),
        cmocka_unit_test(test_environment_checked),
        cmocka_unit_test(test_config_check_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
