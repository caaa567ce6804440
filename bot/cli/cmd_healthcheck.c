/* cmd_healthcheck.c - `careerbot healthcheck [--live] [--url URL]
 * [--config FILE]`: probe the running bot's health listener (/readyz, or
 * /livez with --live) and exit 0 on 200, 1 otherwise. The address is the
 * config's health.listen (with its environment override); a wildcard
 * listen address is probed on loopback. It lets the Docker image do its
 * HEALTHCHECK without curl. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/config.h"
#include "base/common.h"
#include "cli/cli.h"
#include "cli/cliopt.h"
#include "net/netlib.h"

#define HC_TIMEOUT_MS 5000L
#define HC_MAX_BODY 4096

static const cliOpt hcOpts[] = {
    {"live", NULL, "probe /livez (the loop runs) instead of /readyz (ready to answer)"},
    {"url", "URL", "probe this URL instead of the one health.listen gives"},
    {"config", "FILE", "the config file that holds health.listen"},
};

static const cliSpec hcSpec = {
    .cmd = "healthcheck",
    .about = "Probe the running bot's health listener; exit 0 when it answers 200, else 1.\n"
             "The address is health.listen (default 127.0.0.1:8080; CAREERBOT_HEALTH_LISTEN).",
    .opts = hcOpts,
    .nopts = CB_ARRAY_LEN(hcOpts),
};

typedef struct hcArgs {
    int live;
    const char *url, *config;
} hcArgs;

static int hcOnOpt(void *ud, int i, const char *v) {
    hcArgs *a = ud;
    if (i == 0) a->live = 1;
    else if (i == 1) a->url = v;
    else a->config = v;
    return CB_OK;
}

static size_t hcCollect(char *p, size_t size, size_t n, void *ud) {
    char *body = ud;
    size_t have = strlen(body), add = size * n;
    if (have + add >= HC_MAX_BODY) add = HC_MAX_BODY - 1 - have;
    memcpy(body + have, p, add);
    body[have + add] = '\0';
    return size * n;
}

/* The URL from health.listen: a wildcard host is probed on loopback. */
static char *hcUrlFromConfig(const hcArgs *a) {
    cbConfig c;
    cfgDefaults(&c);
    const char *file = cliConfigPath(a->config);
    if (file) {
        cbDiags d;
        cbDiagsInit(&d);
        cfgLoadFile(&c, file, &d); /* problems: the defaults stay */
        cbDiagsFree(&d);
    }
    cfgApplyEnv(&c);
    char *url = NULL;
    const char *listen = c.health_addr ? c.health_addr : "127.0.0.1:8080";
    const char *colon = strrchr(listen, ':');
    if (strcmp(listen, "off") != 0 && colon) {
        char host[256];
        snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
        if (strcmp(host, "0.0.0.0") == 0 || host[0] == '\0') snprintf(host, sizeof host, "127.0.0.1");
        if (strcmp(host, "[::]") == 0) snprintf(host, sizeof host, "[::1]");
        url = cbSprintf("http://%s:%s%s", host, colon + 1, a->live ? "/livez" : "/readyz");
    }
    cfgFree(&c);
    return url;
}

int cmdHealthcheck(int argc, char **argv) {
    hcArgs a = {0};
    int first;
    int rc = cliParse(&hcSpec, argc, argv, hcOnOpt, &a, &first);
    if (rc != CB_OK) return rc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    char *url = a.url ? cbStrdup(a.url) : hcUrlFromConfig(&a);
    if (!url) {
        fprintf(stderr, "careerbot healthcheck: health.listen is off; nothing to probe\n");
        return CB_EXIT_FAIL;
    }
    char err[CB_ERRLEN];
    if (netlibLoad(NETLIB_CURL, err) != CB_OK) {
        fprintf(stderr, "careerbot healthcheck: %s\n", err);
        free(url);
        return CB_EXIT_FAIL;
    }
    CURL *c = curl_easy_init();
    char body[HC_MAX_BODY] = "";
    long status = 0;
    CURLcode cc = CURLE_FAILED_INIT;
    if (c) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, HC_TIMEOUT_MS);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, hcCollect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
        cc = curl_easy_perform(c);
        if (cc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
    }
    if (cc != CURLE_OK) fprintf(stderr, "careerbot healthcheck: %s: %s\n", url, curl_easy_strerror(cc));
    else printf("%ld %s", status, body[0] ? body : "\n");
    free(url);
    return status == 200 ? CB_EXIT_OK : CB_EXIT_FAIL;
}
