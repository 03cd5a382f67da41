/* SPDX-License-Identifier: Apache-2.0 */
/* serial_line: a pseudo-terminal with a simulated baud rate, or a serial device (see
 * serial_line.h). */
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname */
#endif

#include "serial_line.h"

#include "line_termios.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int64_t serial_line_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int line_fail(char *err, size_t cap, const char *what, const char *path)
{
    if (err != NULL && cap > 0)
        snprintf(err, cap, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

static void set_rate(struct serial_line *sl, uint32_t baud)
{
    sl->baud = baud;
    sl->byte_ns = baud > 0 ? (int64_t)10 * 1000000000 / baud : 0;
}

int serial_line_open(struct serial_line *sl, const char *spec, uint32_t baud, char *err,
                     size_t errcap)
{
    memset(sl, 0, sizeof *sl);
    sl->fd = sl->slave_fd = -1;
    set_rate(sl, baud);
    if (strcmp(spec, "pty") == 0) {
        int m = posix_openpt(O_RDWR | O_NOCTTY);
        if (m < 0)
            return line_fail(err, errcap, "posix_openpt", "");
        const char *name = NULL;
        if (grantpt(m) != 0 || unlockpt(m) != 0 || (name = ptsname(m)) == NULL ||
            strlen(name) >= sizeof sl->path) {
            close(m);
            return line_fail(err, errcap, "pseudo-terminal", name ? name : "");
        }
        snprintf(sl->path, sizeof sl->path, "%s", name);
        int s = open(sl->path, O_RDWR | O_NOCTTY);
        if (s < 0 || line_termios_raw(s, baud, false, TCSANOW) != 0) {
            int e = errno;
            if (s >= 0)
                close(s);
            close(m);
            errno = e;
            return line_fail(err, errcap, "cannot set up", sl->path);
        }
        sl->fd = m;
        sl->slave_fd = s;
        sl->simulated = true;
    } else {
        int fd = open(spec, O_RDWR | O_NOCTTY);
        if (fd < 0)
            return line_fail(err, errcap, "cannot open", spec);
        if (!isatty(fd) || line_termios_raw(fd, baud, false, TCSANOW) != 0) {
            int e = errno;
            close(fd);
            errno = e ? e : ENOTTY;
            return line_fail(err, errcap, "not a serial port", spec);
        }
        snprintf(sl->path, sizeof sl->path, "%s", spec);
        sl->fd = fd;
    }
    int fl = fcntl(sl->fd, F_GETFL, 0);
    if (fl < 0 || fcntl(sl->fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
        fcntl(sl->fd, F_SETFD, FD_CLOEXEC) < 0) {
        serial_line_close(sl);
        return line_fail(err, errcap, "fcntl", spec);
    }
    if (sl->slave_fd >= 0)
        (void)fcntl(sl->slave_fd, F_SETFD, FD_CLOEXEC);
    return 0;
}

void serial_line_close(struct serial_line *sl)
{
    if (sl->fd >= 0)
        close(sl->fd);
    if (sl->slave_fd >= 0)
        close(sl->slave_fd);
    sl->fd = sl->slave_fd = -1;
}

const char *serial_line_path(const struct serial_line *sl)
{
    return sl->path;
}

int serial_line_set(struct serial_line *sl, uint32_t baud, bool seven_e1)
{
    if (baud == sl->baud)
        return 0;
    set_rate(sl, baud);
    sl->stats.rate_changes++;
    if (!sl->simulated && sl->fd >= 0)
        return line_termios_raw(sl->fd, baud, seven_e1, TCSANOW);
    return 0;
}

bool serial_line_wants_input(const struct serial_line *sl)
{
    return sl->fd >= 0 && sl->in_off == sl->in_len;
}

int serial_line_read(struct serial_line *sl, int64_t now_ns)
{
    if (!serial_line_wants_input(sl))
        return 0;
    ssize_t n = read(sl->fd, sl->in, sizeof sl->in);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == EIO ? 0 : -1;
    sl->in_len = (size_t)n;
    sl->in_off = 0;
    sl->stats.bytes_in += (uint64_t)n;
    /* the first of them ends a character time after now, or after the previous one */
    int64_t first = now_ns + sl->byte_ns;
    if (sl->in_due_ns < first)
        sl->in_due_ns = first;
    return 0;
}

bool serial_line_next(const struct serial_line *sl, int64_t now_ns, uint8_t *b, int64_t *at_ns)
{
    if (sl->in_off >= sl->in_len)
        return false;
    if (sl->simulated && sl->in_due_ns > now_ns)
        return false;
    *b = sl->in[sl->in_off];
    *at_ns = sl->simulated ? sl->in_due_ns : now_ns;
    return true;
}

void serial_line_take(struct serial_line *sl)
{
    if (sl->in_off < sl->in_len) {
        sl->in_off++;
        sl->in_due_ns += sl->byte_ns;
    }
}

static int64_t line_free(const struct serial_line *sl, int64_t start_ns)
{
    return sl->out_end_ns > start_ns ? sl->out_end_ns : start_ns;
}

size_t serial_line_room(const struct serial_line *sl, int64_t now_ns, int64_t start_ns)
{
    if (!sl->simulated)
        return SIZE_MAX;
    int64_t from = line_free(sl, start_ns);
    if (now_ns <= from || sl->byte_ns <= 0)
        return 0;
    return (size_t)((now_ns - from) / sl->byte_ns);
}

size_t serial_line_write(struct serial_line *sl, const uint8_t *p, size_t n, int64_t now_ns,
                         int64_t start_ns)
{
    (void)now_ns;
    if (sl->fd < 0 || n == 0)
        return 0;
    ssize_t k = write(sl->fd, p, n);
    if (k <= 0)
        return 0; /* full (EAGAIN): again later */
    sl->stats.bytes_out += (uint64_t)k;
    if (sl->simulated)
        sl->out_end_ns = line_free(sl, start_ns) + (int64_t)k * sl->byte_ns;
    return (size_t)k;
}

bool serial_line_deadline(const struct serial_line *sl, bool tx_pending, int64_t start_ns,
                          int64_t *at_ns)
{
    bool have = false;
    if (sl->in_off < sl->in_len) {
        *at_ns = sl->simulated ? sl->in_due_ns : 0;
        have = true;
    }
    if (tx_pending) {
        int64_t t = sl->simulated ? line_free(sl, start_ns) + sl->byte_ns : 0;
        if (!have || t < *at_ns)
            *at_ns = t;
        have = true;
    }
    return have;
}
