/* SPDX-License-Identifier: Apache-2.0 */
/* control: meterd's control pipe (control.h). */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool control_open(struct control *c, const char *path, char *err, size_t errcap)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    int n = snprintf(c->path, sizeof c->path, "%s", path);
    if (n <= 0 || (size_t)n >= sizeof c->path) {
        snprintf(err, errcap, "--control: path too long");
        return false;
    }
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (!S_ISFIFO(sb.st_mode)) {
            snprintf(err, errcap, "--control %s: exists and is not a named pipe", path);
            return false;
        }
    } else if (mkfifo(path, 0600) != 0) {
        snprintf(err, errcap, "--control %s: %s", path, strerror(errno));
        return false;
    } else {
        c->created = true;
    }
    /* read-write: the pipe always has a writer (meterd), so a writer that closes is no EOF */
    c->fd = open(path, O_RDWR | O_NONBLOCK);
    if (c->fd < 0) {
        snprintf(err, errcap, "--control %s: %s", path, strerror(errno));
        if (c->created)
            unlink(path);
        return false;
    }
    return true;
}

void control_feed(struct control *c, const char *bytes, size_t n,
                  void (*line)(void *ctx, const char *text, size_t len), void *ctx)
{
    for (size_t k = 0; k < n; k++) {
        char ch = bytes[k];
        if (ch == '\n') {
            if (c->overflow)
                line(ctx, NULL, 0);
            else
                line(ctx, c->buf, c->n);
            c->n = 0;
            c->overflow = false;
        } else if (c->overflow) {
            continue;
        } else if (c->n >= CONTROL_LINE_MAX) {
            c->overflow = true;
        } else {
            c->buf[c->n++] = ch;
        }
    }
}

void control_poll(struct control *c, void (*line)(void *ctx, const char *text, size_t len),
                  void *ctx)
{
    if (c->fd < 0)
        return;
    char chunk[512];
    for (;;) {
        ssize_t got = read(c->fd, chunk, sizeof chunk);
        if (got <= 0)
            return; /* EAGAIN: nothing more now */
        control_feed(c, chunk, (size_t)got, line, ctx);
    }
}

void control_close(struct control *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->created)
        unlink(c->path);
    c->created = false;
}
