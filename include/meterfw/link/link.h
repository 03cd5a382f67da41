/* SPDX-License-Identifier: Apache-2.0 */
/* link: the meter's link sessions. A session is one connection of a byte-stream transport (a TCP
 * connection today; an HDLC link over a UART next): it frames the bytes a port feeds it, hands
 * every complete APDU to the DLMS server as the association of the same number (session i <->
 * association i of struct mfw_dlms_server), frames the reply, and applies the close policy and
 * the time-outs. Time is an argument; nothing here blocks, reads a clock or keeps a pointer to the
 * caller's input. docs/link.md has the states, the policy and what a port does.
 *
 *   struct mfw_link l;                          // the caller owns it (sessions and buffers)
 *   mfw_link_init(&l, &dlms, &cfg);
 *   id = mfw_link_open(&l, MFW_LINK_WRAPPER, now, &evicted);    // a connection was accepted
 *   used = mfw_link_feed(&l, id, bytes, n, now, &out);          // bytes in, the reply out
 *   ... send out.tx[0..out.tx_len), then mfw_link_sent(&l, id, sent);
 *   ... out.close: close the transport, then mfw_link_close(&l, id)
 *   mfw_link_poll(&l, now);                     // the time-outs, now and then
 *   mfw_link_close(&l, id);                     // the transport is gone, for whatever reason
 *
 * One session holds at most one reply: until the port has sent it (mfw_link_sent), feed takes no
 * more bytes. So the port keeps what feed did not consume and feeds it again; memory stays
 * bounded and a client that does not read its replies is slowed down by the transport's own flow
 * control (TCP's window, the UART's handshake).
 *
 * Kinds: MFW_LINK_WRAPPER is the IEC 62056-47 wrapper over TCP (meterfw/link/wrapper.h): the
 * client SAP is the source wPort, a reply swaps the wPorts. MFW_LINK_HDLC is IEC 62056-46 HDLC
 * (meterfw/link/hdlc.h) tunnelled in a TCP connection, MFW_LINK_HDLC_LINE HDLC on a serial line,
 * MFW_LINK_OPTICAL the optical port: IEC 62056-21 mode E (meterfw/link/iec62056_21.h) at 300 Bd,
 * then HDLC on the line at the agreed rate; for the HDLC kinds the client SAP is the client's
 * HDLC address >> 1. Each kind has its framing state in the session's `framing` union, its
 * dispatch in link.c, and its own inactivity time-out (the wrapper: inactivity_time_out of the
 * TCP-UDP setup object, IC 41, 0.0.25.0.0.255 attribute 6; HDLC: inactivity_time_out of the IEC
 * HDLC setup object, IC 23, 0.0.22.0.0.255 attribute 8). A line kind also tells its port the
 * line's baud rate (out.baud), which changes when mode E switches to HDLC. */
#ifndef METERFW_LINK_LINK_H
#define METERFW_LINK_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/time.h"

#include "meterfw/dlms/dlms_server.h"
#include "meterfw/link/hdlc.h"
#include "meterfw/link/iec62056_21.h"
#include "meterfw/link/wrapper.h"

/* Room in front of a reply APDU for its framing, the largest over the kinds (the wrapper's
 * 8-byte header; HDLC's LLC header takes 3): the DLMS server writes the reply in place behind it. */
#define MFW_LINK_TX_HEADROOM MFW_WRAPPER_HEADER_LEN

/* The receive buffer of a session: the largest APDU accepted (with HDLC's LLC header), and, while
 * an HDLC reply is sent, the longest I-frame (hdlc.h). */
#define MFW_LINK_RX_BUF_A (MFW_LINK_RX_APDU_MAX + MFW_HDLC_LLC_LEN)
#define MFW_LINK_RX_BUF_B (MFW_HDLC_INFO_MAX + MFW_HDLC_OVERHEAD_MAX)
#define MFW_LINK_RX_BUF                                                                            \
    (MFW_LINK_RX_BUF_A > MFW_LINK_RX_BUF_B ? MFW_LINK_RX_BUF_A : MFW_LINK_RX_BUF_B)

enum mfw_link_kind {
    MFW_LINK_WRAPPER = 1, /* IEC 62056-47 wrapper over a TCP connection */
    MFW_LINK_HDLC,        /* IEC 62056-46 HDLC tunnelled in a TCP connection */
    MFW_LINK_HDLC_LINE,   /* HDLC on a serial line at comm_speed (IC 23 attribute 2) */
    MFW_LINK_OPTICAL,     /* IEC 62056-21 mode E at default_baud (IC 19), then HDLC on the line */
};

enum mfw_link_state {
    MFW_LINK_FREE = 0, /* no session in this slot */
    MFW_LINK_OPEN,     /* framing and serving; associated or not */
    MFW_LINK_CLOSING,  /* the link decided to close: send what is left, close the transport,
                          then mfw_link_close. Takes no more bytes; its association is released */
};

/* Why a session closed (or is closing). */
enum mfw_link_close_reason {
    MFW_LINK_CLOSE_NONE = 0,
    MFW_LINK_CLOSE_VERSION,        /* a wrapper version other than 0x0001 (Green Book: close) */
    MFW_LINK_CLOSE_OVERSIZE,       /* an APDU longer than the server-max-receive-pdu-size */
    MFW_LINK_CLOSE_INACTIVITY,     /* no complete frame for the inactivity time-out */
    MFW_LINK_CLOSE_FRAME_TIMEOUT,  /* a frame begun and not completed in frame_timeout_ms */
    MFW_LINK_CLOSE_NOT_ASSOCIATED, /* no association for associate_timeout_ms */
    MFW_LINK_CLOSE_EVICTED,        /* its slot went to a new connection (config.evict) */
    MFW_LINK_CLOSE_REPLY,          /* the DLMS server returned more than the reply buffer */
    MFW_LINK_CLOSE_TRANSPORT,      /* mfw_link_close on an open session: peer gone, error, stop */
    MFW_LINK_CLOSE_NOT_OPEN,       /* what feed and output say of a free slot or a bad id */
    MFW_LINK_CLOSE_DISCONNECT,     /* HDLC: the client's DISC, confirmed by the UA in out.tx */
    MFW_LINK_CLOSE_REASONS
};

struct mfw_link_config {
    /* Close a session that has no association this long after its open or the end of its
     * association (a connection that never sends an AARQ does not hold a slot). 0 = never. */
    uint32_t associate_timeout_ms;
    /* Close a session whose frame has begun and is not complete this long after its first byte
     * (a partial frame does not hold a slot up to the inactivity time-out). 0 = never. */
    uint32_t frame_timeout_ms;
    /* When every slot is taken, mfw_link_open evicts the non-associated session idle longest:
     * first among those that never completed a frame, only one open for evict_grace_ms at least,
     * and at most one eviction per evict_grace_ms. Sessions that never framed anything turn over
     * oldest first, one per grace time: a newcomer keeps its slot for the grace time times the
     * slots, and a flood of connections cannot push an honest one out before its AARQ. */
    bool evict;
    uint32_t evict_grace_ms;
};

/* What a session asks of its port after a call. */
struct mfw_link_out {
    const uint8_t *tx; /* bytes to send, in the session; valid until the next call on this id */
    size_t tx_len;     /* 0: nothing to send */
    bool close;        /* send tx, then close the transport and call mfw_link_close */
    uint8_t reason;    /* enum mfw_link_close_reason, when close */
    uint32_t baud;     /* a line kind: the line's rate once tx is sent (Bd); 0 for TCP kinds */
};

struct mfw_link_session {
    uint8_t state;            /* enum mfw_link_state */
    uint8_t kind;             /* enum mfw_link_kind */
    uint8_t reason;           /* enum mfw_link_close_reason, while CLOSING */
    bool associated;          /* its DLMS association is established (read after every APDU) */
    bool framed;              /* it has completed a frame (eviction takes the others first) */
    mfw_ms_t opened_at;       /* mfw_link_open */
    mfw_ms_t last_rx;         /* open, or the last complete frame with an APDU (inactivity) */
    mfw_ms_t frame_at;        /* the first byte of the frame in progress (frame_timeout_ms) */
    mfw_ms_t unassociated_at; /* open, or the end of its last association (associate_timeout) */
    union {
        struct mfw_wrapper wrapper; /* MFW_LINK_WRAPPER */
        struct {
            union {
                struct mfw_hdlc station;    /* every HDLC kind (the optical port's after mode E) */
                struct mfw_iec62056_21 iec; /* MFW_LINK_OPTICAL before the switch */
            } u;
            bool in_hdlc;    /* MFW_LINK_OPTICAL: mode E switched to HDLC */
            bool in_readout; /* MFW_LINK_OPTICAL: a mode C data readout is being sent */
            struct mfw_iec62056_21_readout readout;
        } hdlc;
    } framing;
    const uint8_t *tx_frame; /* what the port sends: tx (a wrapper frame) or the framing's frame */
    size_t tx_len, tx_off;   /* its length, and how many bytes the port has sent */
    mfw_ms_t tx_at;          /* tx_held: not before then (IEC 62056-21 reaction time) */
    bool tx_held;
    uint32_t baud;               /* a line kind: the line's rate now */
    uint8_t rx[MFW_LINK_RX_BUF]; /* the APDU being received (the framing's buffer) */
    uint8_t tx[MFW_LINK_TX_HEADROOM + MFW_LINK_TX_APDU_MAX]; /* the reply, framed in place */
};

struct mfw_link_stats {
    uint32_t opened, refused, apdus_in, apdus_out;
    uint32_t closed[MFW_LINK_CLOSE_REASONS]; /* sessions closed, by reason (evictions too) */
};

struct mfw_link {
    struct mfw_dlms_server *dlms; /* session i is its association i */
    struct mfw_link_config config;
    struct mfw_link_stats stats;
    uint32_t evictions;     /* so far */
    mfw_ms_t last_evict_at; /* the last one */
    struct mfw_link_session sessions[MFW_ASSOCIATIONS_MAX];
};

/* The defaults of options.h: MFW_LINK_ASSOCIATE_TIMEOUT_MS, MFW_LINK_FRAME_TIMEOUT_MS,
 * MFW_LINK_EVICT, MFW_LINK_EVICT_GRACE_MS. */
void mfw_link_default_config(struct mfw_link_config *cfg);

/* Every slot free. dlms must be initialised; its max_pdu (the server-max-receive-pdu-size its
 * AAREs announce) bounds a received APDU and its TCP-UDP setup object's inactivity_time_out is
 * the wrapper's. MFW_OK; MFW_E_ARG for NULL or a max_pdu above MFW_LINK_RX_APDU_MAX. */
int mfw_link_init(struct mfw_link *l, struct mfw_dlms_server *dlms,
                  const struct mfw_link_config *cfg);

/* A new connection of this kind at now: its session id (0 .. MFW_ASSOCIATIONS_MAX-1, also its
 * association), or MFW_E_NOSPACE when every slot is taken (the port refuses the connection), or
 * MFW_E_ARG. With config.evict and evicted not NULL, a full table evicts a session instead: the
 * non-associated open one with the oldest last_rx, first among those that never completed a
 * frame, only one open at least config.evict_grace_ms, and not within config.evict_grace_ms of
 * the last eviction; *evicted is its id (the id returned;
 * close that transport now, without mfw_link_close), else -1. Associated sessions are never
 * evicted. */
int mfw_link_open(struct mfw_link *l, enum mfw_link_kind kind, mfw_ms_t now, int *evicted);

/* Whether mfw_link_open (with evicted) would find a slot at now: true; false with *when the
 * instant one becomes evictable (a port leaves new connections in its backlog until then), or
 * with *when -1 when none can (every session associated, or no eviction: refuse them). */
bool mfw_link_can_open(const struct mfw_link *l, mfw_ms_t now, mfw_ms_t *when);

/* Bytes of session id's stream at now. Returns how many it used from the front of bytes: all of
 * them, or fewer when a reply is waiting to be sent or the session closed; the port feeds the rest
 * again after mfw_link_sent. Complete APDUs go to mfw_dlms_server_apdu. out (may be NULL) says
 * what to send and whether to close, as mfw_link_output. A session past one of its time-outs
 * closes before it takes a byte. A session that is not open takes nothing. */
size_t mfw_link_feed(struct mfw_link *l, unsigned id, const uint8_t *bytes, size_t len,
                     mfw_ms_t now, struct mfw_link_out *out);

/* What session id has to send and whether it must close. A free slot or a bad id: nothing to
 * send, close with MFW_LINK_CLOSE_NOT_OPEN. */
void mfw_link_output(const struct mfw_link *l, unsigned id, struct mfw_link_out *out);

/* The port sent n more bytes of out.tx. MFW_OK; MFW_E_ARG for a bad id or n above what waits. */
int mfw_link_sent(struct mfw_link *l, unsigned id, size_t n);

/* Applies the time-outs at now: returns how many sessions this call closed (their output then
 * says close). Call it at the deadline of mfw_link_next_deadline, or at least once a second. */
unsigned mfw_link_poll(struct mfw_link *l, mfw_ms_t now);

/* The earliest instant a time-out of an open session falls due, in *at; false when none can. */
bool mfw_link_next_deadline(const struct mfw_link *l, mfw_ms_t *at);

/* The transport of session id is gone (the peer closed or reset it, an error, the port stops, or
 * the port closed it because out.close said so): the association is released and the slot is
 * free again. Harmless on a free slot or a bad id. */
void mfw_link_close(struct mfw_link *l, unsigned id);

/* Sessions that are not free (open or closing). */
unsigned mfw_link_count(const struct mfw_link *l);

/* The rate of a line of this kind while it has no session (IC 23 comm_speed for MFW_LINK_HDLC_LINE,
 * IC 19 default_baud for MFW_LINK_OPTICAL); 0 for the TCP kinds. A port sets its line to it at
 * start and whenever the line's session closes. */
uint32_t mfw_link_line_baud(const struct mfw_link *l, enum mfw_link_kind kind);

#endif /* METERFW_LINK_LINK_H */
