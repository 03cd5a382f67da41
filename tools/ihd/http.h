/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's web server on localhost (libmicrohttpd): the page and uPlot as files,
 * /api/now and /api/history as JSON, /api/stream as server-sent events (docs/ihd.md "API"). */
#ifndef IHD_HTTP_H
#define IHD_HTTP_H

#include <stdbool.h>

#include "state.h"

struct MHD_Daemon;
struct ihd_http {
    struct MHD_Daemon *d;
    struct ihd_state *st;
    char web[512];   /* the page's files */
    char uplot[512]; /* uPlot's dist folder, where npm put it */
    unsigned port;   /* the port bound */
};

/* Listen on 127.0.0.1:port (0: any free port, h->port says which). */
bool ihd_http_start(struct ihd_http *h, struct ihd_state *st, unsigned port, const char *web,
                    const char *uplot, char *err, size_t n);
void ihd_http_stop(struct ihd_http *h);

#endif
