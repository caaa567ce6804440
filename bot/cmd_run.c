/* cmd_run.c - placeholder for `careerbot run` until the transports land. */
#include <stdio.h>

#include "cli.h"
#include "common.h"

int cmdRun(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "careerbot: the bot is not built yet\n");
    return CB_EXIT_FAIL;
}
