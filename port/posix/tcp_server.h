/* tcp_server: the meter's TCP endpoint for the wrapper profile (IEC 62056-47 / 62056-4-7, DLMS UA
 * 1000-2 Green Book "TCP-UDP based communication profiles"; IANA port 4059 dlms/cosem).
 *
 * One listening IPv4 socket and up to max_conns connections, all non-blocking and driven by
 * poll(): tcp_server_poll does one bounded step (accept, read, frame, dispatch, write, time-outs)
 * and never blocks longer than its timeout. Each connection has its own struct mfw_wrapper (see
 * meterfw/link/wrapper.h) and buffers; every complete APDU goes to on_apdu, whose reply APDU the server
 * wraps (the request's wPorts swapped) and sends, keeping what the socket did not take.
 *
 * What closes a connection (on_close is then called with its conn_id, exactly once):
 *   - a wrapper protocol error: a version other than 0x0001 (Green Book: close the connection), or
 *     an APDU length above rx_apdu_max;
 *   - the inactivity time-out: no complete frame from the client for idle_timeout_ms (the
 *     inactivity_time_out of the TCP-UDP setup object, IC 41; 0 = never). A client that trickles
 *     a frame byte by byte does not keep the connection open;
 *   - the client closing or resetting its side (after the replies already queued are sent);
 *   - a send or receive error (EPIPE, ECONNRESET, ...): MSG_NOSIGNAL, so never a SIGPIPE;
 *   - on_apdu returning more than reply_cap (a bug in the callback), or tcp_server_drop.
 * A connection beyond max_conns is accepted and closed at once (the client sees the close
 * instead of hanging in the backlog); the others are not affected. */
#ifndef METERD_TCP_SERVER_H
#define METERD_TCP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/link/wrapper.h"

#define TCP_SERVER_PORT_DEFAULT 4059u /* IANA "dlms/cosem" */
#define TCP_SERVER_CONNS_MAX 32u      /* bound of max_conns (the size of the table) */
#define TCP_SERVER_CONNS_DEFAULT 8u
#define TCP_SERVER_IDLE_MS_DEFAULT 120000u /* 120 s */
#define TCP_SERVER_APDU_DEFAULT 2048u      /* largest APDU in either direction, by default */
#define TCP_SERVER_IN_CHUNK 4096u          /* bytes read from a socket at a time */

/* A complete APDU from connection conn_id. Write the reply APDU (not the wrapper header) into
 * reply[reply_cap] and return its length; 0 = no reply. Called from tcp_server_poll only; it may
 * call tcp_server_drop, but not tcp_server_close. */
typedef size_t (*tcp_apdu_fn)(void *user, unsigned conn_id, uint16_t client_wport,
                              uint16_t server_wport, const uint8_t *apdu, size_t len,
                              uint8_t *reply, size_t reply_cap);
/* Connection conn_id is gone (whatever the reason); its conn_id may be reused afterwards. */
typedef void (*tcp_close_fn)(void *user, unsigned conn_id);

struct tcp_server_config {
    const char *host;         /* IPv4 address to bind: "127.0.0.1" (NULL), "0.0.0.0" = any */
    uint16_t port;            /* 0 = an ephemeral port (read it back with tcp_server_port) */
    unsigned max_conns;       /* 1..TCP_SERVER_CONNS_MAX */
    uint32_t idle_timeout_ms; /* 0 = no inactivity time-out */
    size_t rx_apdu_max;       /* largest APDU accepted from a client (1..0xFFFF) */
    size_t tx_apdu_max;       /* reply_cap given to on_apdu (1..0xFFFF) */
    tcp_apdu_fn on_apdu;      /* NULL: APDUs are dropped */
    tcp_close_fn on_close;    /* may be NULL */
    void *user;
};

struct tcp_server_stats {
    uint32_t accepted, refused; /* refused: over max_conns */
    uint32_t closed_peer, closed_idle, closed_protocol, closed_error, closed_local;
    uint32_t apdus_in, apdus_out;
};

struct tcp_conn {
    int fd; /* -1: free slot */
    bool peer_eof, drop;
    int64_t last_ms; /* monotonic ms of the accept or of the last complete frame */
    struct mfw_wrapper w;
    uint8_t *rx_apdu; /* rx_apdu_max: the wrapper's buffer */
    uint8_t *reply;   /* tx_apdu_max: on_apdu writes here */
    uint8_t *in;      /* TCP_SERVER_IN_CHUNK: bytes read, not yet framed */
    size_t in_len, in_off;
    uint8_t *out; /* out_cap: framed replies not yet taken by the socket */
    size_t out_len, out_off, out_cap;
};

struct tcp_server {
    struct tcp_server_config config;
    int listen_fd; /* -1 when closed */
    uint16_t port; /* the bound port */
    uint8_t *mem;  /* all connection buffers, one allocation */
    struct tcp_conn conns[TCP_SERVER_CONNS_MAX];
    struct tcp_server_stats stats;
};

/* The defaults: loopback, port 4059, 8 connections, 120 s, 2048-byte APDUs, no callbacks. */
void tcp_server_default_config(struct tcp_server_config *cfg);

/* Binds and listens. MFW_OK; MFW_E_ARG for a bad cfg, MFW_E_IO when the socket calls fail (the
 * reason in err), MFW_E_NOSPACE when the buffers cannot be allocated. On failure nothing is left
 * open and tcp_server_close is harmless. */
int tcp_server_open(struct tcp_server *srv, const struct tcp_server_config *cfg, char *err,
                    size_t errcap);

/* One step: waits up to timeout_ms (-1: until something happens or a time-out is due; 0: not at
 * all) for activity, then accepts, reads, dispatches complete APDUs, writes and applies the
 * inactivity time-outs. Returns the number of APDUs dispatched (>= 0), or MFW_E_IO if poll
 * itself failed (not for EINTR, which returns 0). */
int tcp_server_poll(struct tcp_server *srv, int timeout_ms);

/* The bound port (useful after port 0). */
uint16_t tcp_server_port(const struct tcp_server *srv);

/* Open connections now. */
unsigned tcp_server_conns(const struct tcp_server *srv);

/* Closes conn_id after the replies already queued are sent (e.g. the association layer aborts
 * it). May be called from on_apdu. MFW_OK, or MFW_E_ARG if conn_id is not open. */
int tcp_server_drop(struct tcp_server *srv, unsigned conn_id);

/* Closes every connection (on_close for each) and the listener; frees the buffers. */
void tcp_server_close(struct tcp_server *srv);

#endif /* METERD_TCP_SERVER_H */
