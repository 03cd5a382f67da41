/* SPDX-License-Identifier: Apache-2.0 */
/* tcp_server: meterd's endpoints: TCP for the wrapper profile (IEC 62056-47; IANA port 4059
 * dlms/cosem), optionally a second TCP port for HDLC tunnelled in TCP (IEC 62056-46 framing), and
 * optionally a serial line (serial_line.h: a pseudo-terminal or a device) carrying HDLC directly
 * or the optical port's IEC 62056-21 mode E. A byte mover and nothing more: it moves bytes
 * between sockets or the line and the core's link sessions (meterfw/link/link.h), which own the
 * framing, the session <-> association mapping, the time-outs and the close policy; each
 * listener opens sessions of its own kind.
 *
 * One listening IPv4 socket and up to MFW_ASSOCIATIONS_MAX connections (one bound, the link's),
 * all non-blocking and driven by poll(): tcp_server_poll does one bounded step and never blocks
 * longer than its timeout or the link's next deadline. Connection slot i is link session i:
 *   accept   mfw_link_open; no session for it (the link is full): the socket is closed at once, so
 *            the client sees the close instead of hanging in the backlog; a session evicted for
 *            it (mfw_link_config.evict): that connection's socket is closed
 *   recv     at most TCP_SERVER_IN_CHUNK bytes, and only when the previous ones were all fed
 *   feed     mfw_link_feed; what it did not take (a reply waits) stays for the next step
 *   send     the session's reply, as far as the socket takes it; mfw_link_sent
 *   close    when the link says close (after sending what it has), when the peer closes (after
 *            what was read is fed and answered) or resets, on a socket error (MSG_NOSIGNAL: never a
 *            SIGPIPE), or in tcp_server_close; each time mfw_link_close for its session.
 * When every session is taken and the link evicts one for a new connection, at most one
 * connection is accepted per step, so a new connection is served (its AARQ read) before the next
 * one can take a slot: a flood of connections cannot evict a client that has just arrived.
 *
 * The line has no connections: its session opens with the first byte that arrives while it has
 * none, and when the link closes it (DISC, a time-out) the line stays and the next byte opens the
 * next session, at the kind's idle rate again (mfw_link_line_baud: 300 Bd for mode E). Its bytes
 * go to the link one at a time with their simulated arrival times, and its replies go out at the
 * line's pace (serial_line.h); the line's rate follows out.baud once a reply is sent. */
#ifndef METERD_TCP_SERVER_H
#define METERD_TCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/link/link.h"
#include "serial_line.h"

#define TCP_SERVER_PORT_DEFAULT 4059u /* IANA "dlms/cosem" */
#define TCP_SERVER_IN_CHUNK 4096u     /* bytes read from a socket at a time */

struct tcp_server_config {
    const char *host;         /* IPv4 address to bind: "127.0.0.1" (NULL), "0.0.0.0" = any */
    uint16_t port;            /* 0 = an ephemeral port (read it back with tcp_server_port) */
    struct mfw_link *link;    /* the sessions (initialised before the first tcp_server_poll) */
    bool hdlc;                /* also HDLC in TCP (MFW_LINK_HDLC sessions) on hdlc_port */
    uint16_t hdlc_port;       /* 0 = ephemeral (tcp_server_hdlc_port) */
    struct serial_line *line; /* NULL, or an open line carrying sessions of line_kind */
    uint8_t line_kind;        /* MFW_LINK_OPTICAL or MFW_LINK_HDLC_LINE */
};

struct tcp_server_stats {
    uint32_t accepted, refused, evicted; /* refused: no session free; evicted: for a new one */
    uint32_t closed_peer;                /* the client closed or reset its side */
    uint32_t closed_link;                /* the link closed the session (its stats say why) */
    uint32_t closed_error;               /* a socket error */
    uint32_t closed_local;               /* tcp_server_close */
};

struct tcp_conn {
    int fd; /* -1: free slot (or the line's session) */
    bool peer_eof;
    size_t in_len, in_off; /* bytes read into in, and how many of them the link took */
    uint8_t in[TCP_SERVER_IN_CHUNK];
};

struct tcp_server {
    struct tcp_server_config config;
    int listen_fd; /* -1 when closed */
    uint16_t port; /* the bound port */
    int hdlc_fd;   /* the HDLC listener, -1 when none */
    uint16_t hdlc_port;
    int line_session;   /* the line's link session, -1 when it has none */
    int64_t line_tx_ns; /* when the line's current reply became ready, -1 when none */
    bool line_switched; /* the session changed the rate (mode E to HDLC) */
    bool hdlc_first;    /* which listener accepts first in the next step */
    struct tcp_conn conns[MFW_ASSOCIATIONS_MAX]; /* conns[i] carries link session i */
    struct tcp_server_stats stats;
};

/* The defaults: loopback, port 4059, no link. */
void tcp_server_default_config(struct tcp_server_config *cfg);

/* Binds and listens. MFW_OK; MFW_E_ARG for a bad cfg (no link, not an IPv4 address), MFW_E_IO
 * when the socket calls fail (the reason in err). On failure nothing is left open and
 * tcp_server_close is harmless. */
int tcp_server_open(struct tcp_server *srv, const struct tcp_server_config *cfg, char *err,
                    size_t errcap);

/* One step: waits up to timeout_ms (-1: until something happens or a time-out of the link is
 * due; 0: not at all) for activity, then sends, reads, feeds, applies the link's time-outs
 * (mfw_link_poll) and accepts. Returns the number of APDUs the link received (>= 0), or MFW_E_IO
 * if poll itself failed (not for EINTR, which returns 0). */
int tcp_server_poll(struct tcp_server *srv, int timeout_ms);

/* The bound ports (useful after port 0); the HDLC one is 0 without hdlc. */
uint16_t tcp_server_port(const struct tcp_server *srv);
uint16_t tcp_server_hdlc_port(const struct tcp_server *srv);

/* Open connections now. */
unsigned tcp_server_conns(const struct tcp_server *srv);

/* Closes every connection (mfw_link_close for each) and the listener. */
void tcp_server_close(struct tcp_server *srv);

#endif /* METERD_TCP_SERVER_H */
