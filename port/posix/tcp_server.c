/* tcp_server: meterd's IEC 62056-47 TCP endpoint (see tcp_server.h). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* when compiled into a test without meterd's definitions */
#endif

#include "tcp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock_posix.h"
#include "meterfw/base/error.h"

#define ACCEPTS_PER_STEP 64 /* bounds one step under a connection flood */

void tcp_server_default_config(struct tcp_server_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->host = NULL;
    cfg->port = TCP_SERVER_PORT_DEFAULT;
    cfg->max_conns = TCP_SERVER_CONNS_DEFAULT;
    cfg->idle_timeout_ms = TCP_SERVER_IDLE_MS_DEFAULT;
    cfg->rx_apdu_max = TCP_SERVER_APDU_DEFAULT;
    cfg->tx_apdu_max = TCP_SERVER_APDU_DEFAULT;
}

static int fail(char *err, size_t errcap, int code, const char *what, int e)
{
    if (err != NULL && errcap > 0)
        snprintf(err, errcap, "%s%s%s", what, e ? ": " : "", e ? strerror(e) : "");
    return code;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int tcp_server_open(struct tcp_server *srv, const struct tcp_server_config *cfg, char *err,
                    size_t errcap)
{
    if (srv == NULL)
        return fail(err, errcap, MFW_E_ARG, "no server", 0);
    memset(srv, 0, sizeof(*srv));
    srv->listen_fd = -1;
    for (unsigned i = 0; i < TCP_SERVER_CONNS_MAX; i++)
        srv->conns[i].fd = -1;
    if (cfg == NULL || cfg->max_conns < 1 || cfg->max_conns > TCP_SERVER_CONNS_MAX ||
        cfg->rx_apdu_max < 1 || cfg->rx_apdu_max > MFW_WRAPPER_LENGTH_MAX || cfg->tx_apdu_max < 1 ||
        cfg->tx_apdu_max > MFW_WRAPPER_LENGTH_MAX)
        return fail(err, errcap, MFW_E_ARG, "bad TCP server configuration", 0);
    srv->config = *cfg;

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(cfg->port);
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return fail(err, errcap, MFW_E_ARG, "not an IPv4 address", 0);

    /* Per connection: the APDU being received, the reply, the read chunk, and room for two
     * framed replies so that one can be queued while the other drains. */
    size_t out_cap = 2 * (MFW_WRAPPER_HEADER_LEN + cfg->tx_apdu_max);
    size_t per = cfg->rx_apdu_max + cfg->tx_apdu_max + TCP_SERVER_IN_CHUNK + out_cap;
    srv->mem = malloc(per * cfg->max_conns);
    if (srv->mem == NULL)
        return fail(err, errcap, MFW_E_NOSPACE, "out of memory for the TCP buffers", 0);
    for (unsigned i = 0; i < cfg->max_conns; i++) {
        struct tcp_conn *c = &srv->conns[i];
        uint8_t *p = srv->mem + per * i;
        c->rx_apdu = p;
        c->reply = p + cfg->rx_apdu_max;
        c->in = c->reply + cfg->tx_apdu_max;
        c->out = c->in + TCP_SERVER_IN_CHUNK;
        c->out_cap = out_cap;
        mfw_wrapper_init(&c->w, c->rx_apdu, cfg->rx_apdu_max);
    }

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        int e = errno;
        tcp_server_close(srv);
        return fail(err, errcap, MFW_E_IO, "socket", e);
    }
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 || set_nonblock(fd) < 0 ||
        bind(fd, (const struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(fd, (int)cfg->max_conns + 4) < 0) {
        int e = errno;
        char what[96];
        snprintf(what, sizeof what, "cannot listen on %s:%u", host, (unsigned)cfg->port);
        close(fd);
        tcp_server_close(srv);
        return fail(err, errcap, MFW_E_IO, what, e);
    }
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) < 0) {
        int e = errno;
        close(fd);
        tcp_server_close(srv);
        return fail(err, errcap, MFW_E_IO, "getsockname", e);
    }
    srv->listen_fd = fd;
    srv->port = ntohs(bound.sin_port);
    return MFW_OK;
}

uint16_t tcp_server_port(const struct tcp_server *srv)
{
    return srv->port;
}

unsigned tcp_server_conns(const struct tcp_server *srv)
{
    unsigned n = 0;
    for (unsigned i = 0; i < srv->config.max_conns; i++)
        n += srv->conns[i].fd >= 0;
    return n;
}

enum close_why { WHY_PEER, WHY_IDLE, WHY_PROTOCOL, WHY_ERROR, WHY_LOCAL };

static void conn_close(struct tcp_server *srv, unsigned id, enum close_why why)
{
    struct tcp_conn *c = &srv->conns[id];
    if (c->fd < 0)
        return;
    close(c->fd);
    c->fd = -1;
    c->peer_eof = c->drop = false;
    c->in_len = c->in_off = c->out_len = c->out_off = 0;
    mfw_wrapper_reset(&c->w);
    uint32_t *n = why == WHY_PEER       ? &srv->stats.closed_peer
                  : why == WHY_IDLE     ? &srv->stats.closed_idle
                  : why == WHY_PROTOCOL ? &srv->stats.closed_protocol
                  : why == WHY_ERROR    ? &srv->stats.closed_error
                                        : &srv->stats.closed_local;
    (*n)++;
    if (srv->config.on_close)
        srv->config.on_close(srv->config.user, id);
}

int tcp_server_drop(struct tcp_server *srv, unsigned conn_id)
{
    if (srv == NULL || conn_id >= srv->config.max_conns || srv->conns[conn_id].fd < 0)
        return MFW_E_ARG;
    srv->conns[conn_id].drop = true;
    return MFW_OK;
}

static void do_accept(struct tcp_server *srv, int64_t now)
{
    for (int k = 0; k < ACCEPTS_PER_STEP; k++) {
        int fd = accept(srv->listen_fd, NULL, NULL);
        if (fd < 0)
            return; /* EAGAIN: no more; ECONNABORTED, EMFILE...: try again next step */
        unsigned id = 0;
        while (id < srv->config.max_conns && srv->conns[id].fd >= 0)
            id++;
        if (id == srv->config.max_conns || set_nonblock(fd) < 0) {
            close(fd); /* over the limit: the client sees the close at once */
            srv->stats.refused++;
            continue;
        }
        int one = 1; /* a reply is one send: do not hold it back for Nagle */
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct tcp_conn *c = &srv->conns[id];
        c->fd = fd;
        c->last_ms = now;
        c->peer_eof = c->drop = false;
        c->in_len = c->in_off = c->out_len = c->out_off = 0;
        mfw_wrapper_reset(&c->w);
        srv->stats.accepted++;
    }
}

/* Sends what is queued, as far as the socket takes it. false: the connection failed. */
static bool conn_flush(struct tcp_conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n > 0) {
            c->out_off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        return false; /* EPIPE, ECONNRESET, ... */
    }
    if (c->out_off == c->out_len)
        c->out_off = c->out_len = 0;
    return true;
}

static bool out_has_room(const struct tcp_server *srv, const struct tcp_conn *c)
{
    return c->out_cap - (c->out_len - c->out_off) >=
           MFW_WRAPPER_HEADER_LEN + srv->config.tx_apdu_max;
}

/* Frames the bytes read and dispatches complete APDUs while a reply has room to be queued.
 * false: the connection must be closed (*why says why). */
static bool conn_process(struct tcp_server *srv, unsigned id, int64_t now, int *dispatched,
                         enum close_why *why)
{
    struct tcp_conn *c = &srv->conns[id];
    while (c->in_off < c->in_len && out_has_room(srv, c) && !c->drop) {
        size_t used = 0;
        struct mfw_wrapper_frame f;
        int r = mfw_wrapper_feed(&c->w, c->in + c->in_off, c->in_len - c->in_off, &used, &f);
        c->in_off += used;
        if (r < 0) {
            *why = WHY_PROTOCOL; /* bad version: the Green Book closes the connection */
            return false;
        }
        if (r == 0)
            break;
        c->last_ms = now;
        srv->stats.apdus_in++;
        (*dispatched)++;
        size_t n = 0;
        if (srv->config.on_apdu)
            n = srv->config.on_apdu(srv->config.user, id, f.src_wport, f.dst_wport, f.apdu, f.len,
                                    c->reply, srv->config.tx_apdu_max);
        if (n > srv->config.tx_apdu_max) {
            *why = WHY_ERROR;
            return false;
        }
        if (n == 0)
            continue;
        if (c->out_off > 0) { /* compact: the room check counted the sent bytes as free */
            memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
            c->out_len -= c->out_off;
            c->out_off = 0;
        }
        struct mfw_wcursor wc;
        mfw_wcursor_init(&wc, c->out + c->out_len, c->out_cap - c->out_len);
        if (mfw_wrapper_encode(f.dst_wport, f.src_wport, c->reply, n, &wc) != MFW_OK) {
            *why = WHY_ERROR; /* cannot happen: out_has_room */
            return false;
        }
        c->out_len += wc.len;
        srv->stats.apdus_out++;
    }
    if (c->in_off == c->in_len || c->drop) /* after a drop, what follows is never framed */
        c->in_off = c->in_len = 0;
    return true;
}

/* Reads once (bounded) if the previous bytes are all framed. false: close (*why). */
static bool conn_read(struct tcp_conn *c, enum close_why *why)
{
    if (c->in_len != 0 || c->peer_eof)
        return true;
    for (;;) {
        ssize_t n = recv(c->fd, c->in, TCP_SERVER_IN_CHUNK, 0);
        if (n > 0) {
            c->in_len = (size_t)n;
            c->in_off = 0;
            return true;
        }
        if (n == 0) {
            c->peer_eof = true;
            return true;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return true;
        *why = errno == ECONNRESET ? WHY_PEER : WHY_ERROR;
        return false;
    }
}

static int next_deadline_ms(const struct tcp_server *srv, int64_t now, int timeout_ms)
{
    uint32_t idle = srv->config.idle_timeout_ms;
    if (idle == 0)
        return timeout_ms;
    int64_t t = timeout_ms < 0 ? INT32_MAX : timeout_ms;
    for (unsigned i = 0; i < srv->config.max_conns; i++) {
        const struct tcp_conn *c = &srv->conns[i];
        if (c->fd < 0)
            continue;
        int64_t left = c->last_ms + idle - now;
        if (left < t)
            t = left < 0 ? 0 : left;
    }
    return t >= INT32_MAX ? -1 : (int)t;
}

int tcp_server_poll(struct tcp_server *srv, int timeout_ms)
{
    if (srv == NULL || srv->listen_fd < 0)
        return MFW_E_ARG;
    struct pollfd pf[1 + TCP_SERVER_CONNS_MAX];
    unsigned slot[1 + TCP_SERVER_CONNS_MAX];
    nfds_t n = 0;
    pf[n++] = (struct pollfd){.fd = srv->listen_fd, .events = POLLIN};
    bool ready = false; /* bytes already read but held back: no waiting */
    for (unsigned i = 0; i < srv->config.max_conns; i++) {
        struct tcp_conn *c = &srv->conns[i];
        if (c->fd < 0)
            continue;
        short ev = 0;
        if (!c->peer_eof && !c->drop && c->in_len == 0)
            ev |= POLLIN;
        if (c->out_len > c->out_off)
            ev |= POLLOUT;
        if (c->in_len > 0 && !c->drop && out_has_room(srv, c))
            ready = true;
        slot[n] = i;
        pf[n++] = (struct pollfd){.fd = c->fd, .events = ev};
    }
    int64_t now = clock_mono_ms();
    int wait_ms = ready ? 0 : next_deadline_ms(srv, now, timeout_ms);
    int r = poll(pf, n, wait_ms);
    if (r < 0)
        return errno == EINTR ? 0 : MFW_E_IO;
    now = clock_mono_ms();

    int dispatched = 0;
    for (nfds_t k = 1; k < n; k++) {
        unsigned id = slot[k];
        struct tcp_conn *c = &srv->conns[id];
        enum close_why why = WHY_ERROR;
        short re = pf[k].revents;
        if (re & POLLNVAL) {
            conn_close(srv, id, WHY_ERROR);
            continue;
        }
        if ((re & POLLOUT) && !conn_flush(c)) {
            conn_close(srv, id, WHY_ERROR);
            continue;
        }
        if ((re & (POLLIN | POLLHUP | POLLERR)) && !conn_read(c, &why)) {
            conn_close(srv, id, why);
            continue;
        }
        if (!conn_process(srv, id, now, &dispatched, &why)) {
            (void)conn_flush(c); /* what was answered before the error still goes out */
            conn_close(srv, id, why);
            continue;
        }
        if (!conn_flush(c)) { /* send the replies at once; POLLOUT only for the rest */
            conn_close(srv, id, WHY_ERROR);
            continue;
        }
        bool idle = c->out_len == 0 && c->in_len == 0;
        if ((c->peer_eof || c->drop) && idle)
            conn_close(srv, id, c->drop ? WHY_LOCAL : WHY_PEER);
    }
    /* New connections after the existing ones were served: a new one is polled next step. */
    if (pf[0].revents & POLLIN)
        do_accept(srv, now);

    uint32_t idle_ms = srv->config.idle_timeout_ms;
    for (unsigned i = 0; idle_ms != 0 && i < srv->config.max_conns; i++) {
        struct tcp_conn *c = &srv->conns[i];
        if (c->fd >= 0 && now - c->last_ms >= (int64_t)idle_ms)
            conn_close(srv, i, WHY_IDLE);
    }
    return dispatched;
}

void tcp_server_close(struct tcp_server *srv)
{
    if (srv == NULL)
        return;
    for (unsigned i = 0; i < srv->config.max_conns && i < TCP_SERVER_CONNS_MAX; i++)
        conn_close(srv, i, WHY_LOCAL);
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    srv->listen_fd = -1;
    free(srv->mem);
    srv->mem = NULL;
}
