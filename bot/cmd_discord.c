/* cmd_discord.c - placeholder until its owner lands the real command; prints that
 * the command is not built yet and exits 1. Replace this whole file. */
#include <stdio.h>

#include "cli.h"
#include "common.h"

int cmdDiscord(int argc, char **argv) {
    (void)argc;
    fprintf(stderr, "careerbot: '%s' is not built yet\n", argv[0]);
    return CB_EXIT_FAIL;
}
