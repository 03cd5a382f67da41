/* SPDX-License-Identifier: Apache-2.0 */
/* tcp_server: meterd's TCP endpoint, sockets to link sessions and back (see tcp_server.h). */
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

/* A listening socket on host:port: MFW_OK with *fd and the *bound port. */
static int listen_on(const char *host, uint16_t port, int *fd_out, uint16_t *bound_port, char *err,
                     size_t errcap)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return fail(err, errcap, MFW_E_ARG, "not an IPv4 address", 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return fail(err, errcap, MFW_E_IO, "socket", errno);
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 || set_nonblock(fd) < 0 ||
        bind(fd, (const struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(fd, (int)(2 * MFW_ASSOCIATIONS_MAX + 16)) < 0) {
        int e = errno;
        char what[96];
        snprintf(what, sizeof what, "cannot listen on %s:%u", host, (unsigned)port);
        close(fd);
        return fail(err, errcap, MFW_E_IO, what, e);
    }
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    if (getsockname(fd, (struct sockaddr *)&bound, &blen) < 0) {
        int e = errno;
        close(fd);
        return fail(err, errcap, MFW_E_IO, "getsockname", e);
    }
    *fd_out = fd;
    *bound_port = ntohs(bound.sin_port);
    return MFW_OK;
}

int tcp_server_open(struct tcp_server *srv, const struct tcp_server_config *cfg, char *err,
                    size_t errcap)
{
    if (srv == NULL)
        return fail(err, errcap, MFW_E_ARG, "no server", 0);
    memset(srv, 0, sizeof(*srv));
    srv->listen_fd = srv->hdlc_fd = -1;
    srv->line_session = -1;
    srv->line_tx_ns = -1;
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++)
        srv->conns[i].fd = -1;
    if (cfg == NULL || cfg->link == NULL ||
        (cfg->line != NULL && cfg->line_kind != MFW_LINK_OPTICAL &&
         cfg->line_kind != MFW_LINK_HDLC_LINE))
        return fail(err, errcap, MFW_E_ARG, "bad TCP server configuration", 0);
    srv->config = *cfg;
    const char *host = cfg->host ? cfg->host : "127.0.0.1";
    int rc = listen_on(host, cfg->port, &srv->listen_fd, &srv->port, err, errcap);
    if (rc == MFW_OK && cfg->hdlc)
        rc = listen_on(host, cfg->hdlc_port, &srv->hdlc_fd, &srv->hdlc_port, err, errcap);
    if (rc != MFW_OK) {
        tcp_server_close(srv);
        return rc;
    }
    return MFW_OK;
}

uint16_t tcp_server_port(const struct tcp_server *srv)
{
    return srv->port;
}

uint16_t tcp_server_hdlc_port(const struct tcp_server *srv)
{
    return srv->hdlc_fd >= 0 ? srv->hdlc_port : 0;
}

unsigned tcp_server_conns(const struct tcp_server *srv)
{
    unsigned n = 0;
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++)
        n += srv->conns[i].fd >= 0;
    return n;
}

enum close_why { WHY_KEEP, WHY_PEER, WHY_LINK, WHY_ERROR, WHY_LOCAL };

static void conn_close(struct tcp_server *srv, unsigned id, enum close_why why)
{
    struct tcp_conn *c = &srv->conns[id];
    if (c->fd < 0)
        return;
    close(c->fd);
    c->fd = -1;
    c->peer_eof = false;
    c->in_len = c->in_off = 0;
    uint32_t *n = why == WHY_PEER    ? &srv->stats.closed_peer
                  : why == WHY_LINK  ? &srv->stats.closed_link
                  : why == WHY_ERROR ? &srv->stats.closed_error
                                     : &srv->stats.closed_local;
    (*n)++;
    mfw_link_close(srv->config.link, id); /* the association goes with the connection */
}

/* A session evicted for a new one (its slot is the new one's already): only the transport is
 * left to close, without mfw_link_close. */
static void evicted_session(struct tcp_server *srv, int evicted)
{
    if (evicted < 0)
        return;
    if (evicted == srv->line_session) {
        srv->line_session = -1; /* the line stays; its next byte opens a new session */
        srv->line_tx_ns = -1;
    } else if (srv->conns[evicted].fd >= 0) {
        close(srv->conns[evicted].fd);
        srv->conns[evicted].fd = -1;
        srv->conns[evicted].in_len = srv->conns[evicted].in_off = 0;
    }
    srv->stats.evicted++;
}

/* Accepts on listener fd, sessions of kind. Returns false when it stopped for an eviction (at most
 * one per step, see tcp_server.h). */
static bool do_accept(struct tcp_server *srv, int lfd, enum mfw_link_kind kind, int64_t now)
{
    for (int k = 0; k < ACCEPTS_PER_STEP; k++) {
        mfw_ms_t when;
        if (!mfw_link_can_open(srv->config.link, now, &when) && when >= 0)
            return false; /* every session too young to evict: the rest wait in the backlog */
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            return true; /* EAGAIN: no more; ECONNABORTED, EMFILE...: try again next step */
        int evicted = -1;
        int id =
            set_nonblock(fd) < 0 ? MFW_E_IO : mfw_link_open(srv->config.link, kind, now, &evicted);
        if (id < 0) {
            close(fd); /* no session for it: the client sees the close at once */
            srv->stats.refused++;
            continue;
        }
        evicted_session(srv, evicted);
        int one = 1; /* a reply is one send: do not hold it back for Nagle */
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct tcp_conn *c = &srv->conns[id];
        c->fd = fd;
        c->peer_eof = false;
        c->in_len = c->in_off = 0;
        srv->stats.accepted++;
        if (evicted >= 0)
            return false; /* the next connection waits: this one is served first */
    }
    return true;
}

/* ---- the serial line ------------------------------------------------------------------------- */

static bool line_seven_e1(const struct tcp_server *srv)
{
    /* IEC 62056-21: the optical port's opening runs at 7E1; HDLC at 8N1 (IEC 62056-46) */
    return srv->config.line_kind == MFW_LINK_OPTICAL && !srv->line_switched;
}

/* The line's session is gone: back to the kind's idle rate. */
static void line_release(struct tcp_server *srv)
{
    if (srv->line_session >= 0)
        mfw_link_close(srv->config.link, (unsigned)srv->line_session);
    srv->line_session = -1;
    srv->line_tx_ns = -1;
    srv->line_switched = false;
    struct serial_line *sl = srv->config.line;
    (void)serial_line_set(sl, mfw_link_line_baud(srv->config.link, srv->config.line_kind), true);
}

/* Sends what the line's session has, as far as the line has carried it by now; then follows its
 * rate and its close. */
static void line_send(struct tcp_server *srv, int64_t now_ns)
{
    struct serial_line *sl = srv->config.line;
    struct mfw_link *l = srv->config.link;
    if (srv->line_session < 0)
        return;
    unsigned id = (unsigned)srv->line_session;
    for (;;) {
        struct mfw_link_out out;
        mfw_link_output(l, id, &out);
        if (out.tx_len == 0) {
            srv->line_tx_ns = -1;
            if (out.baud != 0 && out.baud != sl->baud) {
                srv->line_switched = true;
                (void)serial_line_set(sl, out.baud, line_seven_e1(srv));
            }
            if (out.close) {
                srv->stats.closed_link++;
                line_release(srv);
            }
            return;
        }
        if (srv->line_tx_ns < 0)
            srv->line_tx_ns = now_ns; /* the reply is ready now: the line starts on it */
        size_t room = serial_line_room(sl, now_ns, srv->line_tx_ns);
        size_t n = room < out.tx_len ? room : out.tx_len;
        n = serial_line_write(sl, out.tx, n, now_ns, srv->line_tx_ns);
        if (n == 0)
            return; /* the line is busy with what went before */
        (void)mfw_link_sent(l, id, n);
    }
}

/* Hands the bytes that have arrived by now to the line's session, one at a time at their arrival
 * instants, opening a session for the first one. */
static void line_receive(struct tcp_server *srv, int64_t now_ns)
{
    struct serial_line *sl = srv->config.line;
    struct mfw_link *l = srv->config.link;
    uint8_t b;
    int64_t at_ns;
    while (serial_line_next(sl, now_ns, &b, &at_ns)) {
        mfw_ms_t at = at_ns / 1000000;
        if (srv->line_session < 0) {
            int evicted = -1;
            int id = mfw_link_open(l, (enum mfw_link_kind)srv->config.line_kind, at, &evicted);
            if (id < 0) {
                serial_line_take(sl); /* no session for it: the byte is lost, as on a busy meter */
                srv->stats.refused++;
                continue;
            }
            evicted_session(srv, evicted);
            srv->line_session = id;
            srv->line_switched = false;
            srv->stats.accepted++;
        }
        struct mfw_link_out out;
        size_t used = mfw_link_feed(l, (unsigned)srv->line_session, &b, 1, at, &out);
        if (used == 1)
            serial_line_take(sl);
        if (out.tx_len > 0 || out.close || used == 0) {
            line_send(srv, now_ns);
            if (srv->line_session >= 0) {
                mfw_link_output(l, (unsigned)srv->line_session, &out);
                if (out.tx_len > 0 || used == 0)
                    return; /* a reply on the line: the rest waits until it is sent */
            }
        }
    }
}

/* Sends what the session has to send, as far as the socket takes it. false: the socket failed. */
static bool conn_flush(struct tcp_server *srv, unsigned id)
{
    struct mfw_link *l = srv->config.link;
    for (;;) {
        struct mfw_link_out out;
        mfw_link_output(l, id, &out);
        if (out.tx_len == 0)
            return true;
        ssize_t n = send(srv->conns[id].fd, out.tx, out.tx_len, MSG_NOSIGNAL);
        if (n > 0) {
            (void)mfw_link_sent(l, id, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return true;
        return false; /* EPIPE, ECONNRESET, ... */
    }
}

/* Reads once (bounded) if the previous bytes were all fed. false: close (*why). */
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

/* One connection's step after poll: send, read, feed while the session takes bytes and the socket
 * takes the replies. WHY_KEEP, or why it must close. */
static enum close_why conn_serve(struct tcp_server *srv, unsigned id, short revents, int64_t now)
{
    struct tcp_conn *c = &srv->conns[id];
    struct mfw_link *l = srv->config.link;
    enum close_why why = WHY_ERROR;
    if ((revents & POLLOUT) && !conn_flush(srv, id))
        return WHY_ERROR;
    if ((revents & (POLLIN | POLLHUP | POLLERR)) && !conn_read(c, &why))
        return why;
    struct mfw_link_out out;
    for (;;) {
        c->in_off += mfw_link_feed(l, id, c->in + c->in_off, c->in_len - c->in_off, now, &out);
        if (c->in_off == c->in_len)
            c->in_off = c->in_len = 0;
        if (out.tx_len == 0)
            break;
        if (!conn_flush(srv, id)) /* send the reply at once; POLLOUT only for the rest */
            return WHY_ERROR;
        mfw_link_output(l, id, &out);
        if (out.tx_len > 0 || c->in_len == 0)
            break; /* the socket is full, or everything read is answered */
    }
    if (out.close) {
        (void)conn_flush(srv, id); /* what the session still has goes out, if the socket takes it */
        return WHY_LINK;
    }
    if (c->peer_eof && c->in_len == 0 && out.tx_len == 0)
        return WHY_PEER; /* the client is gone, and everything it sent is answered */
    return WHY_KEEP;
}

int tcp_server_poll(struct tcp_server *srv, int timeout_ms)
{
    if (srv == NULL || srv->listen_fd < 0)
        return MFW_E_ARG;
    struct mfw_link *l = srv->config.link;
    struct serial_line *sl = srv->config.line;
    struct pollfd pf[3 + MFW_ASSOCIATIONS_MAX];
    unsigned slot[3 + MFW_ASSOCIATIONS_MAX];
    nfds_t n = 0;
    /* New connections only when the link can take one now, or can never (they are refused at
     * once); while its sessions are too young to evict, they wait in the backlog until then. */
    mfw_ms_t open_at;
    bool take = mfw_link_can_open(l, clock_mono_ms(), &open_at) || open_at < 0;
    short lev = take ? POLLIN : 0;
    pf[n++] = (struct pollfd){.fd = srv->listen_fd, .events = lev};
    nfds_t hdlc_at = 0, line_at = 0, first_conn;
    if (srv->hdlc_fd >= 0) {
        hdlc_at = n;
        pf[n++] = (struct pollfd){.fd = srv->hdlc_fd, .events = lev};
    }
    if (sl != NULL) {
        if (sl->baud == 0) /* the idle rate, once the link knows its settings */
            (void)serial_line_set(sl, mfw_link_line_baud(l, srv->config.line_kind), true);
        line_at = n;
        pf[n++] = (struct pollfd){.fd = sl->fd, .events = serial_line_wants_input(sl) ? POLLIN : 0};
    }
    first_conn = n;
    bool ready = false; /* a connection can go on without new input: no waiting */
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++) {
        struct tcp_conn *c = &srv->conns[i];
        if (c->fd < 0)
            continue;
        struct mfw_link_out out;
        mfw_link_output(l, i, &out);
        short ev = 0;
        if (!c->peer_eof && c->in_len == 0)
            ev |= POLLIN;
        if (out.tx_len > 0)
            ev |= POLLOUT;
        else if (c->in_len > 0 || out.close)
            ready = true; /* bytes held back that the session takes now, or a close to do */
        slot[n] = i;
        pf[n++] = (struct pollfd){.fd = c->fd, .events = ev};
    }
    int64_t now = clock_mono_ms();
    int wait_ms = timeout_ms;
    mfw_ms_t due = 0;
    bool timed = mfw_link_next_deadline(l, &due); /* activity only moves deadlines later */
    if (sl != NULL) {
        /* the line's next byte in or out, at its simulated instant (rounded up to the ms) */
        struct mfw_link_out out = {0};
        if (srv->line_session >= 0)
            mfw_link_output(l, (unsigned)srv->line_session, &out);
        int64_t at_ns, now_ns = serial_line_now_ns();
        if (out.close && out.tx_len == 0)
            ready = true;
        if (serial_line_deadline(sl, out.tx_len > 0,
                                 srv->line_tx_ns >= 0 ? srv->line_tx_ns : now_ns, &at_ns)) {
            int64_t left = at_ns <= now_ns ? 0 : (at_ns - now_ns + 999999) / 1000000;
            if (left == 0)
                ready = true;
            else if (wait_ms < 0 || left < wait_ms)
                wait_ms = (int)left;
        }
    }
    if (!take && (!timed || open_at < due)) { /* wake up when a session becomes evictable */
        due = open_at;
        timed = true;
    }
    if (ready) {
        wait_ms = 0;
    } else if (timed) { /* wake up for the link's next time-out */
        int64_t left = due - now < 0 ? 0 : due - now;
        if (wait_ms < 0 || left < wait_ms)
            wait_ms = left > INT32_MAX ? INT32_MAX : (int)left;
    }
    int r = poll(pf, n, wait_ms);
    if (r < 0)
        return errno == EINTR ? 0 : MFW_E_IO;
    now = clock_mono_ms();

    uint32_t apdus = l->stats.apdus_in;
    for (nfds_t k = first_conn; k < n; k++) {
        unsigned id = slot[k];
        enum close_why why =
            pf[k].revents & POLLNVAL ? WHY_ERROR : conn_serve(srv, id, pf[k].revents, now);
        if (why != WHY_KEEP)
            conn_close(srv, id, why);
    }
    if (sl != NULL) {
        int64_t now_ns = serial_line_now_ns();
        if (pf[line_at].revents & (POLLIN | POLLHUP | POLLERR))
            (void)serial_line_read(sl, now_ns);
        line_send(srv, now_ns);
        line_receive(srv, now_ns);
        line_send(srv, now_ns);
    }
    /* The time-outs (IC 41 inactivity_time_out and the link's own): those sessions close. */
    if (timed && now >= due && mfw_link_poll(l, now) > 0) {
        for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++) {
            struct mfw_link_out out;
            mfw_link_output(l, i, &out);
            if (srv->conns[i].fd >= 0 && out.close)
                conn_close(srv, i, WHY_LINK);
        }
        if (sl != NULL)
            line_send(srv, serial_line_now_ns()); /* a released reply, or a close */
    }
    /* New connections after the existing ones were served: a new one is polled next step. At
     * most one eviction per step, over both listeners. */
    bool w = (pf[0].revents & POLLIN) != 0, h = hdlc_at > 0 && (pf[hdlc_at].revents & POLLIN);
    /* turn about: the listener that did not accept last goes first, so that one port's flood
     * cannot starve the other */
    uint32_t before = srv->stats.accepted;
    bool hdlc_first = h && (srv->hdlc_first || !w);
    int first = hdlc_first ? srv->hdlc_fd : srv->listen_fd;
    if ((hdlc_first || w) &&
        do_accept(srv, first, hdlc_first ? MFW_LINK_HDLC : MFW_LINK_WRAPPER, now)) {
        if (hdlc_first && w)
            (void)do_accept(srv, srv->listen_fd, MFW_LINK_WRAPPER, now);
        else if (!hdlc_first && h)
            (void)do_accept(srv, srv->hdlc_fd, MFW_LINK_HDLC, now);
    }
    if (srv->stats.accepted != before)
        srv->hdlc_first = !hdlc_first;
    return (int)(l->stats.apdus_in - apdus);
}

void tcp_server_close(struct tcp_server *srv)
{
    if (srv == NULL)
        return;
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++)
        conn_close(srv, i, WHY_LOCAL);
    if (srv->line_session >= 0 && srv->config.link != NULL)
        mfw_link_close(srv->config.link, (unsigned)srv->line_session);
    srv->line_session = -1;
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    if (srv->hdlc_fd >= 0)
        close(srv->hdlc_fd);
    srv->listen_fd = srv->hdlc_fd = -1;
}
