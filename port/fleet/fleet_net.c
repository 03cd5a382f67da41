/* SPDX-License-Identifier: Apache-2.0 */
/* fleet_net: one epoll loop over the listeners and connections of a fleet (fleet_net.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, epoll (Linux) */
#endif

#include "fleet_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock_posix.h"
#include "meterfw/base/error.h"

#define EVENTS_MAX 256
#define ACCEPTS_PER_STEP 64
#define SWEEP_MS 100 /* the links' time-outs, at least this often */

/* What an epoll event is: a listener or a connection (its fd). */
enum { TAG_CONN = 0, TAG_SHARED = 1, TAG_HDLC = 2, TAG_METER = 3 };

struct fleet_conn {
    int fd;
    int32_t meter; /* -1: a shared-port connection that has not named its meter yet */
    int session;
    uint8_t kind; /* MFW_LINK_WRAPPER or MFW_LINK_HDLC */
    bool peer_eof;
    uint32_t events; /* the epoll events asked for */
    int64_t opened;
    size_t in_len, in_off;
    uint8_t in[FLEET_NET_IN_CHUNK];
};

static uint64_t tag(unsigned t, uint32_t v)
{
    return (uint64_t)t << 32 | v;
}

static int fail(char *err, size_t cap, const char *fmt, ...)
{
    if (err != NULL && cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int listen_on(const char *host, uint16_t port, int backlog, int *fd_out, uint16_t *bound,
                     char *err, size_t errcap)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return fail(err, errcap, "%s is not an IPv4 address", host);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(err, errcap, "socket: %s", strerror(errno));
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (const struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, backlog) < 0) {
        int e = errno;
        close(fd);
        return fail(err, errcap, "cannot listen on %s:%u: %s", host, (unsigned)port, strerror(e));
    }
    struct sockaddr_in b;
    socklen_t blen = sizeof b;
    if (getsockname(fd, (struct sockaddr *)&b, &blen) < 0) {
        int e = errno;
        close(fd);
        return fail(err, errcap, "getsockname: %s", strerror(e));
    }
    *fd_out = fd;
    *bound = ntohs(b.sin_port);
    return 0;
}

static int ep_add(struct fleet_net *net, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(net->ep, EPOLL_CTL_ADD, fd, &ev);
}

int fleet_net_open(struct fleet_net *net, const struct fleet_net_config *cfg,
                   struct fleet_net_meter *meters, uint32_t n, int conn_cap, char *err,
                   size_t errcap)
{
    memset(net, 0, sizeof *net);
    net->config = *cfg;
    net->meters = meters;
    net->n = n;
    net->shared_fd = net->hdlc_fd = -1;
    for (uint32_t i = 0; i < n; i++) {
        meters[i].listen_fd = -1;
        for (unsigned s = 0; s < MFW_ASSOCIATIONS_MAX; s++)
            meters[i].sess_fd[s] = -1;
    }
    net->ep = epoll_create1(EPOLL_CLOEXEC);
    net->conn_cap = conn_cap;
    net->conn = calloc((size_t)conn_cap, sizeof *net->conn);
    net->open = calloc((size_t)conn_cap, sizeof *net->open);
    if (net->ep < 0 || net->conn == NULL || net->open == NULL) {
        fleet_net_close(net);
        return fail(err, errcap, "epoll or memory: %s", strerror(errno));
    }
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    if (cfg->shared && (listen_on(host, cfg->shared_port, 1024, &net->shared_fd, &net->shared_bound,
                                  err, errcap) != 0 ||
                        ep_add(net, net->shared_fd, EPOLLIN, tag(TAG_SHARED, 0)) != 0)) {
        fleet_net_close(net);
        return -1;
    }
    if (cfg->hdlc &&
        (listen_on(host, cfg->hdlc_port, 1024, &net->hdlc_fd, &net->hdlc_bound, err, errcap) != 0 ||
         ep_add(net, net->hdlc_fd, EPOLLIN, tag(TAG_HDLC, 0)) != 0)) {
        fleet_net_close(net);
        return -1;
    }
    for (uint32_t i = 0; cfg->per_meter && i < n; i++) {
        uint16_t port = cfg->base_port ? (uint16_t)(cfg->base_port + i) : 0;
        if (listen_on(host, port, 16, &meters[i].listen_fd, &meters[i].port, err, errcap) != 0 ||
            ep_add(net, meters[i].listen_fd, EPOLLIN, tag(TAG_METER, i)) != 0) {
            fleet_net_close(net);
            return -1;
        }
    }
    net->last_sweep = clock_mono_ms();
    return 0;
}

static void conn_free(struct fleet_net *net, struct fleet_conn *c, bool link_close)
{
    if (c->meter >= 0) {
        struct fleet_net_meter *m = &net->meters[c->meter];
        if (m->sess_fd[c->session] == c->fd) {
            m->sess_fd[c->session] = -1;
            if (link_close)
                mfw_link_close(m->link, (unsigned)c->session);
        }
    }
    for (int k = 0; k < net->n_open; k++)
        if (net->open[k] == c->fd) {
            net->open[k] = net->open[--net->n_open];
            break;
        }
    net->conn[c->fd] = NULL;
    close(c->fd); /* also takes it out of the epoll set */
    net->stats.closed++;
    free(c);
}

/* The connection is bound to meter i: a session of its kind on that meter's link. */
static bool conn_bind(struct fleet_net *net, struct fleet_conn *c, uint32_t i, int64_t now)
{
    struct fleet_net_meter *m = &net->meters[i];
    if (m->silent)
        return false;
    int evicted = -1;
    int id = mfw_link_open(m->link, (enum mfw_link_kind)c->kind, now, &evicted);
    if (id < 0)
        return false;
    if (evicted >= 0 && m->sess_fd[evicted] >= 0) {
        struct fleet_conn *old = net->conn[m->sess_fd[evicted]];
        m->sess_fd[evicted] = -1; /* the slot is the new session's: no mfw_link_close */
        if (old != NULL)
            conn_free(net, old, false);
    }
    c->meter = (int32_t)i;
    c->session = id;
    m->sess_fd[id] = c->fd;
    return true;
}

/* A shared-port connection's first bytes: the meter they name, or -1 (not yet: 0; never: -2). */
static int32_t route(const struct fleet_net *net, const struct fleet_conn *c)
{
    const uint8_t *b = c->in + c->in_off;
    size_t n = c->in_len - c->in_off;
    uint32_t addr;
    if (c->kind == MFW_LINK_WRAPPER) {
        /* IEC 62056-47 5.3: version (2), source wPort (2), destination wPort (2), length (2) */
        if (n < 6)
            return -1;
        addr = (uint32_t)b[4] << 8 | b[5];
    } else {
        /* IEC 62056-46 6.3: flag, frame format (2), destination address of 1, 2 or 4 bytes
         * (each byte's bit 0 marks the last); the lower address is the physical device */
        if (n < 4)
            return -1;
        if (b[0] != 0x7E)
            return -2;
        size_t k = 3, len = 0;
        while (k + len < n && len < 4 && (b[k + len] & 1u) == 0)
            len++;
        if (k + len >= n)
            return len >= 4 ? -2 : -1;
        len++;
        if (len == 2)
            addr = b[k + 1] >> 1;
        else if (len == 4)
            addr = (uint32_t)(b[k + 2] >> 1) << 7 | (uint32_t)(b[k + 3] >> 1);
        else
            return -2; /* no lower address: no meter named */
    }
    if (addr < FLEET_NET_ADDRESS_BASE || addr - FLEET_NET_ADDRESS_BASE >= net->n)
        return -2;
    return (int32_t)(addr - FLEET_NET_ADDRESS_BASE);
}

static bool conn_flush(struct fleet_net *net, struct fleet_conn *c)
{
    struct mfw_link *l = net->meters[c->meter].link;
    for (;;) {
        struct mfw_link_out out;
        mfw_link_output(l, (unsigned)c->session, &out);
        if (out.tx_len == 0)
            return true;
        ssize_t n = send(c->fd, out.tx, out.tx_len, MSG_NOSIGNAL);
        if (n > 0) {
            (void)mfw_link_sent(l, (unsigned)c->session, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

/* What to wait for: input only when the previous bytes were all fed (else a level-triggered
 * EPOLLIN fires without end), output while a reply waits. */
static void set_events(struct fleet_net *net, struct fleet_conn *c, bool out)
{
    uint32_t want =
        (c->in_len == 0 && !c->peer_eof ? (uint32_t)EPOLLIN : 0u) | (out ? (uint32_t)EPOLLOUT : 0u);
    if (want == c->events)
        return;
    c->events = want;
    struct epoll_event ev = {.events = want, .data.u64 = tag(TAG_CONN, (uint32_t)c->fd)};
    (void)epoll_ctl(net->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Reads (if the previous bytes were all fed), routes, feeds and sends. false: close it. */
static bool conn_serve(struct fleet_net *net, struct fleet_conn *c, int64_t now)
{
    if (c->in_len == 0 && !c->peer_eof) {
        ssize_t n = recv(c->fd, c->in, sizeof c->in, 0);
        if (n > 0) {
            c->in_len = (size_t)n;
            c->in_off = 0;
        } else if (n == 0) {
            c->peer_eof = true;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return false;
        }
    }
    if (c->meter < 0) {
        int32_t i = route(net, c);
        if (i == -1 && !c->peer_eof) {
            if (c->in_len < sizeof c->in)
                return true; /* more bytes will name it (the buffer keeps them: no second read
                              * until fed, so a split header waits for the rest below) */
            return false;
        }
        if (i < 0 || !conn_bind(net, c, (uint32_t)i, now)) {
            net->stats.unrouted++;
            return false;
        }
        net->stats.routed++;
    }
    struct mfw_link *l = net->meters[c->meter].link;
    unsigned id = (unsigned)c->session;
    if (!conn_flush(net, c))
        return false;
    struct mfw_link_out out;
    uint32_t before = l->stats.apdus_in;
    for (;;) {
        c->in_off += mfw_link_feed(l, id, c->in + c->in_off, c->in_len - c->in_off, now, &out);
        if (c->in_off == c->in_len)
            c->in_off = c->in_len = 0;
        if (out.tx_len == 0)
            break;
        if (!conn_flush(net, c))
            return false;
        mfw_link_output(l, id, &out);
        if (out.tx_len > 0 || c->in_len == 0)
            break;
    }
    net->stats.apdus += l->stats.apdus_in - before;
    if (out.close) {
        (void)conn_flush(net, c);
        return false;
    }
    set_events(net, c, out.tx_len > 0);
    return !(c->peer_eof && c->in_len == 0 && out.tx_len == 0);
}

/* A shared connection's header that came in two reads: read more into the same buffer. */
static bool conn_read_more(struct fleet_conn *c)
{
    if (c->meter >= 0 || c->peer_eof || c->in_len >= sizeof c->in)
        return true;
    ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
    if (n > 0)
        c->in_len += (size_t)n;
    else if (n == 0)
        c->peer_eof = true;
    else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return false;
    return true;
}

static void do_accept(struct fleet_net *net, int lfd, unsigned t, uint32_t meter, int64_t now)
{
    for (int k = 0; k < ACCEPTS_PER_STEP; k++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        if (fd >= net->conn_cap || (t == TAG_METER && net->meters[meter].silent)) {
            close(fd);
            net->stats.refused++;
            continue;
        }
        struct fleet_conn *c = calloc(1, sizeof *c);
        if (c == NULL) {
            close(fd);
            net->stats.refused++;
            continue;
        }
        c->fd = fd;
        c->meter = -1;
        c->kind = t == TAG_HDLC ? MFW_LINK_HDLC : MFW_LINK_WRAPPER;
        c->opened = now;
        c->events = EPOLLIN;
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        net->conn[fd] = c;
        net->open[net->n_open++] = fd;
        if (ep_add(net, fd, EPOLLIN, tag(TAG_CONN, (uint32_t)fd)) != 0 ||
            (t == TAG_METER && !conn_bind(net, c, meter, now))) {
            net->stats.refused++;
            conn_free(net, c, true);
            continue;
        }
        net->stats.accepted++;
    }
}

/* The links' time-outs; shared connections that never named a meter. */
static void sweep(struct fleet_net *net, int64_t now)
{
    for (int k = 0; k < net->n_open; k++) {
        struct fleet_conn *c = net->conn[net->open[k]];
        bool close_it;
        if (c->meter < 0) {
            close_it = now - c->opened > FLEET_NET_ROUTE_TIMEOUT_MS;
        } else {
            struct mfw_link *l = net->meters[c->meter].link;
            (void)mfw_link_poll(l, now);
            struct mfw_link_out out;
            mfw_link_output(l, (unsigned)c->session, &out);
            close_it = out.close;
            if (close_it)
                (void)conn_flush(net, c);
        }
        if (close_it) {
            conn_free(net, c, true);
            k--; /* the last one moved here */
        }
    }
}

int fleet_net_poll(struct fleet_net *net, int timeout_ms)
{
    struct epoll_event ev[EVENTS_MAX];
    int r = epoll_wait(net->ep, ev, EVENTS_MAX, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    int64_t now = clock_mono_ms();
    uint64_t apdus = net->stats.apdus;
    for (int k = 0; k < r; k++) {
        unsigned t = (unsigned)(ev[k].data.u64 >> 32);
        uint32_t v = (uint32_t)ev[k].data.u64;
        if (t == TAG_SHARED)
            do_accept(net, net->shared_fd, TAG_SHARED, 0, now);
        else if (t == TAG_HDLC)
            do_accept(net, net->hdlc_fd, TAG_HDLC, 0, now);
        else if (t == TAG_METER)
            do_accept(net, net->meters[v].listen_fd, TAG_METER, v, now);
        else {
            struct fleet_conn *c = (int)v < net->conn_cap ? net->conn[v] : NULL;
            if (c == NULL)
                continue;
            bool ok = conn_read_more(c) && conn_serve(net, c, now);
            if (!ok)
                conn_free(net, c, true);
        }
    }
    if (now - net->last_sweep >= SWEEP_MS) {
        net->last_sweep = now;
        sweep(net, now);
    }
    return (int)(net->stats.apdus - apdus);
}

void fleet_net_silence(struct fleet_net *net, uint32_t i, bool silent)
{
    struct fleet_net_meter *m = &net->meters[i];
    m->silent = silent;
    if (!silent)
        return;
    for (unsigned s = 0; s < MFW_ASSOCIATIONS_MAX; s++)
        if (m->sess_fd[s] >= 0 && net->conn[m->sess_fd[s]] != NULL)
            conn_free(net, net->conn[m->sess_fd[s]], true);
}

void fleet_net_close(struct fleet_net *net)
{
    while (net->n_open > 0)
        conn_free(net, net->conn[net->open[net->n_open - 1]], true);
    if (net->shared_fd >= 0)
        close(net->shared_fd);
    if (net->hdlc_fd >= 0)
        close(net->hdlc_fd);
    net->shared_fd = net->hdlc_fd = -1;
    for (uint32_t i = 0; i < net->n && net->meters != NULL; i++)
        if (net->meters[i].listen_fd >= 0) {
            close(net->meters[i].listen_fd);
            net->meters[i].listen_fd = -1;
        }
    if (net->ep >= 0)
        close(net->ep);
    net->ep = -1;
    free(net->conn);
    free(net->open);
    net->conn = NULL;
    net->open = NULL;
}
