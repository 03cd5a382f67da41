/* SPDX-License-Identifier: Apache-2.0 */
/* control: meterd's control pipe (--control FIFO). meterd creates the named pipe (or uses one
 * that is there), reads it without blocking, and hands each complete line to its caller: an
 * event to inject into the running scenario (scenario_inject), e.g.
 *     echo 'magnetic-field 60 s' > FIFO
 * A line longer than CONTROL_LINE_MAX is dropped whole (reported as such); a NUL byte ends
 * nothing and is passed on in the line (the scenario parser refuses it). The pipe is removed when
 * meterd stops. */
#ifndef METERD_CONTROL_H
#define METERD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

#define CONTROL_LINE_MAX 200 /* docs/scenario.md: a line is at most 200 characters */

struct control {
    int fd;
    bool created;  /* meterd made the pipe: it removes it */
    bool overflow; /* the line being read is too long: dropped up to its newline */
    size_t n;
    char buf[CONTROL_LINE_MAX + 1];
    char path[4096];
};

/* Creates (mode 0600) or opens the pipe. false with err filled on failure (a path that exists
 * and is not a FIFO is not touched). */
bool control_open(struct control *c, const char *path, char *err, size_t errcap);

/* Reads what is there; calls line(ctx, text, len) for each complete line (without its newline),
 * or line(ctx, NULL, 0) for a line dropped as too long. Never blocks. */
void control_poll(struct control *c, void (*line)(void *ctx, const char *text, size_t len),
                  void *ctx);

/* The line splitter of control_poll on bytes already read (also the fuzz harness's way in):
 * complete lines go to line(), a partial one waits in c for the next bytes. */
void control_feed(struct control *c, const char *bytes, size_t n,
                  void (*line)(void *ctx, const char *text, size_t len), void *ctx);

/* Closes the pipe and removes it if meterd created it. */
void control_close(struct control *c);

#endif /* METERD_CONTROL_H */
