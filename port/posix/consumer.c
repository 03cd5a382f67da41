/* SPDX-License-Identifier: Apache-2.0 */
/* consumer: module ends on a pseudo-terminal and TCP (consumer.h). */
#define _GNU_SOURCE
#include "consumer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int open_pty(struct consumer_end *e, char *err, size_t errcap)
{
    int fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0) {
        snprintf(err, errcap, "pseudo-terminal: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    const char *name = ptsname(fd);
    if (name == NULL || strlen(name) >= sizeof e->pty_path) {
        snprintf(err, errcap, "pseudo-terminal: no name");
        close(fd);
        return -1;
    }
    snprintf(e->pty_path, sizeof e->pty_path, "%s", name);
    /* held open by meterd: a reader that comes and goes never makes the master see a hang-up */
    int slave = open(e->pty_path, O_RDWR | O_NOCTTY);
    if (slave < 0) {
        snprintf(err, errcap, "pseudo-terminal %s: %s", e->pty_path, strerror(errno));
        close(fd);
        return -1;
    }
    struct termios t;
    if (tcgetattr(slave, &t) == 0) {
        cfmakeraw(&t); /* bytes as they are: no CR/LF translation of the telegram */
        (void)tcsetattr(slave, TCSANOW, &t);
    }
    set_nonblock(fd);
    e->pty_fd = fd;
    e->pty_slave = slave;
    return 0;
}

static int open_tcp(struct consumer_end *e, uint16_t port, char *err, size_t errcap)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errcap, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        snprintf(err, errcap, "TCP port %u: %s", (unsigned)port, strerror(errno));
        close(fd);
        return -1;
    }
    e->listen_fd = fd;
    e->port = ntohs(a.sin_port);
    return 0;
}

int consumer_open(struct consumer *c, unsigned slot, bool pty, bool tcp, uint16_t port, char *err,
                  size_t errcap)
{
    memset(c, 0, sizeof *c);
    c->slot = slot;
    struct consumer_end *e = &c->end;
    e->listen_fd = e->pty_fd = e->pty_slave = -1;
    for (unsigned k = 0; k < CONSUMER_CLIENTS; k++)
        e->clients[k] = -1;
    if (pty && open_pty(e, err, errcap) != 0)
        return -1;
    if (tcp && open_tcp(e, port, err, errcap) != 0) {
        consumer_close(c);
        return -1;
    }
    return 0;
}

static void drop_client(struct consumer_end *e, unsigned k)
{
    close(e->clients[k]);
    e->clients[k] = -1;
}

void consumer_poll(struct consumer *c, struct mfw_modules *ms, int64_t now)
{
    struct consumer_end *e = &c->end;
    if (e->listen_fd >= 0) {
        for (;;) {
            int fd = accept4(e->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                break;
            unsigned k = 0;
            while (k < CONSUMER_CLIENTS && e->clients[k] >= 0)
                k++;
            if (k == CONSUMER_CLIENTS) {
                close(fd); /* full: the client sees the close */
                continue;
            }
            e->clients[k] = fd;
        }
    }
    /* what comes back goes to the module (which refuses it: nothing here changes the meter) */
    uint8_t in[512];
    for (unsigned k = 0; k < CONSUMER_CLIENTS; k++) {
        if (e->clients[k] < 0)
            continue;
        ssize_t n = recv(e->clients[k], in, sizeof in, MSG_DONTWAIT);
        if (n > 0)
            (void)mfw_module_input(ms, c->slot, in, (size_t)n, now);
        else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            drop_client(e, k);
    }
    if (e->pty_fd >= 0) {
        ssize_t n = read(e->pty_fd, in, sizeof in);
        if (n > 0)
            (void)mfw_module_input(ms, c->slot, in, (size_t)n, now);
    }
    for (;;) {
        size_t n = mfw_module_output(ms, c->slot, now, c->buf, sizeof c->buf);
        if (n == 0)
            break;
        for (unsigned k = 0; k < CONSUMER_CLIENTS; k++) {
            if (e->clients[k] < 0)
                continue;
            ssize_t w = send(e->clients[k], c->buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w != (ssize_t)n) { /* a partial telegram would corrupt the stream: drop it */
                e->dropped++;
                drop_client(e, k);
            }
        }
        if (e->pty_fd >= 0) {
            ssize_t w = write(e->pty_fd, c->buf, n);
            if (w != (ssize_t)n)
                e->dropped++;
        }
    }
}

void consumer_close(struct consumer *c)
{
    struct consumer_end *e = &c->end;
    for (unsigned k = 0; k < CONSUMER_CLIENTS; k++)
        if (e->clients[k] >= 0)
            drop_client(e, k);
    if (e->listen_fd >= 0)
        close(e->listen_fd);
    if (e->pty_slave >= 0)
        close(e->pty_slave);
    if (e->pty_fd >= 0)
        close(e->pty_fd);
    e->listen_fd = e->pty_fd = e->pty_slave = -1;
}

bool consumer_send_once(const char *host, uint16_t port, const uint8_t *p, size_t n)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return false;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct timeval tv = {2, 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    size_t off = 0;
    while (ok && off < n) {
        ssize_t w = send(fd, p + off, n - off, MSG_NOSIGNAL);
        if (w <= 0)
            ok = false;
        else
            off += (size_t)w;
    }
    close(fd);
    return ok;
}
