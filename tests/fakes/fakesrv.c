/* fakesrv.c - fake platform server library on libwebsockets (see
 * fakesrv.h). Skeleton: the implementation lands next. */
#include "fakesrv.h"

#include <stdio.h>

fsServer *fsStart(int port, const fsHandlers *h, void *ud) {
    (void)port, (void)h, (void)ud;
    fprintf(stderr, "fakesrv: not implemented yet\n");
    return NULL;
}
