/* SPDX-License-Identifier: Apache-2.0 */
/* hdlc: the HDLC data link layer of the 3-layer connection-oriented profile, IEC 62056-46
 * (DLMS UA 1000-2 "Green Book", HDLC based data link layer; ISO/IEC 13239), as the meter (the
 * secondary station) speaks it on a serial line, an optical port or HDLC tunnelled in TCP.
 *
 * Three parts, each usable on its own (meterctl's client uses the first two):
 *
 *  1. The frame format type 3 (IEC 62056-46 6.4.1 [M]):
 *
 *       7E | format (2) | destination (1, 2 or 4) | source (1..4) | control | HCS | info | FCS | 7E
 *       format = 1010 S LLL LLLLLLLL: type 0xA, S = segmentation, L = the bytes between the flags
 *
 *     HCS and FCS are CRC-16/X.25 (base/crc.h), low byte first; the HCS covers format..control
 *     and is present only with an information field; the FCS covers format..information. There is
 *     no octet stuffing: 0x7E occurs raw inside frames, so the receiver frames by the length field
 *     (struct mfw_hdlc_rx), never by looking for the next flag. Addresses use extended addressing:
 *     7 bits per byte, b0 = 1 on the last byte. A client address is one byte (SAP << 1 | 1: 0x21
 *     = public client 16, 0x03 = management client 1); a server address is the upper HDLC address
 *     (the logical device, 1 = management) alone in 1 byte, or upper and lower (the physical
 *     device address) in 2 bytes (7 + 7 bits) or 4 bytes (14 + 14 bits).
 *
 *  2. SNRM/UA parameter negotiation (IEC 62056-46 6.4.4.4.3.2 [M]): the information field
 *     81 80 L {id len value}..., ids 05/06 max_info_field_length transmit/receive, 07/08
 *     window_size transmit/receive, each value 1, 2 or 4 bytes big-endian; an absent field or
 *     parameter means 128 bytes and window 1.
 *
 *  3. The secondary station (struct mfw_hdlc): NDM / NRM / frame-reject condition, SNRM -> UA
 *     with the negotiated sizes, I-frames with V(S)/V(R) modulo 8, RR/RNR, DISC -> UA (or DM in
 *     NDM), FRMR on a frame error, segmentation of APDUs both ways with the LLC header
 *     (E6 E6 00 from the client, E6 E7 00 from the server, IEC 62056-46 8.1 [M]) in the first
 *     segment only, transmit windows of 1..7 frames. It is fed bytes (any split), never blocks,
 *     takes time as an argument (only for the inter-octet time-out) and owns no buffer: the
 *     caller gives one at init, which holds the APDU being received (with its LLC header) and,
 *     while a reply is being sent, the I-frame being transmitted.
 *
 * The session policy (the association, the inactivity time-out, when to close) is the link's
 * (link.h); this module reports what happened and builds what to send. */
#ifndef METERFW_LINK_HDLC_H
#define METERFW_LINK_HDLC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/cursor.h"
#include "meterfw/base/options.h"
#include "meterfw/base/time.h"

#define MFW_HDLC_FLAG 0x7Eu
#define MFW_HDLC_FORMAT_TYPE3 0xA0u /* high nibble of the first format byte */
#define MFW_HDLC_SEGMENTED 0x08u    /* the S bit, in the first format byte */
#define MFW_HDLC_LENGTH_MAX 2047u   /* the 11-bit frame length */
#define MFW_HDLC_INFO_LIMIT 2030u   /* the largest max_info_field_length (IC 23) [M] */
#define MFW_HDLC_LLC_LEN 3u         /* E6 E6 00 / E6 E7 00 */
#define MFW_HDLC_OVERHEAD_MAX 14u   /* 2 flags, format 2, addresses 4 + 1, control, HCS 2, FCS 2 */
#define MFW_HDLC_DEFAULT_INFO 128u  /* max_info_field_length when not negotiated */
#define MFW_HDLC_DEFAULT_WINDOW 1u  /* window_size when not negotiated */
#define MFW_HDLC_WINDOW_LIMIT 7u    /* N(S) and N(R) are modulo 8 */
#define MFW_HDLC_ALL_STATION_LOWER_1 0x7Fu   /* all-station lower address, 7 bits */
#define MFW_HDLC_ALL_STATION_LOWER_2 0x3FFFu /* all-station lower address, 14 bits */

/* Control field (ISO/IEC 13239 [M]; values as the Gurux stack and the capture
 * tests/vectors/h_public_clock.txt have them). P/F is bit 4; an I-frame is
 * N(R) << 5 | P/F | N(S) << 1, an S-frame N(R) << 5 | P/F | the code below. */
#define MFW_HDLC_PF 0x10u
#define MFW_HDLC_RR 0x01u
#define MFW_HDLC_RNR 0x05u
#define MFW_HDLC_SNRM 0x83u
#define MFW_HDLC_DISC 0x43u
#define MFW_HDLC_UA 0x63u
#define MFW_HDLC_DM 0x0Fu
#define MFW_HDLC_FRMR 0x87u
#define MFW_HDLC_UI 0x03u

/* FRMR reason bits, third octet of its information field (ISO/IEC 13239 5.5.3.4.2 [M]). */
#define MFW_HDLC_FRMR_W 0x01u /* undefined or not implemented control field */
#define MFW_HDLC_FRMR_X 0x02u /* an information field where none is permitted (with W) */
#define MFW_HDLC_FRMR_Y 0x04u /* information field longer than the negotiated maximum */
#define MFW_HDLC_FRMR_Z 0x08u /* invalid N(R) */

/* ---- 1. frames ------------------------------------------------------------------------------- */

/* A server address: upper (the logical device) and lower (the physical device) HDLC address, as
 * 1 (upper only), 2 (7 + 7 bits) or 4 (14 + 14 bits) bytes. */
struct mfw_hdlc_address {
    uint16_t upper;
    uint16_t lower; /* 0 when size is 1 */
    uint8_t size;   /* 1, 2 or 4 */
};

/* Encodes a server address in a->size bytes (0: the smallest that holds it: 1 byte if lower is 0,
 * else 2 when both are below 0x80, else 4) into out[4]: the number of bytes, or 0 when the values
 * do not fit the size. */
size_t mfw_hdlc_address_encode(const struct mfw_hdlc_address *a, uint8_t out[4]);
/* Decodes 1, 2 or 4 address bytes (as a frame carries them); false for another length. */
bool mfw_hdlc_address_decode(const uint8_t *bytes, size_t len, struct mfw_hdlc_address *a);

/* A received frame. info points into the receiver's buffer and stays valid until the next feed
 * (or until the buffer is written otherwise). */
struct mfw_hdlc_frame {
    uint8_t dst[4], src[4]; /* the address bytes as received */
    uint8_t dst_len, src_len;
    uint8_t control;
    bool segmented; /* the S bit */
    const uint8_t *info;
    size_t info_len;
    bool truncated; /* the information field did not fit the buffer: not stored (info NULL),
                       info_len is its length on the line */
};

enum mfw_hdlc_rx_state {
    MFW_HDLC_RX_HUNT = 0, /* skipping bytes until a flag */
    MFW_HDLC_RX_FLAG,     /* after a flag: more flags, or the first format byte */
    MFW_HDLC_RX_FORMAT2,  /* the second format byte */
    MFW_HDLC_RX_DST,      /* destination address bytes */
    MFW_HDLC_RX_SRC,      /* source address bytes */
    MFW_HDLC_RX_CONTROL,
    MFW_HDLC_RX_HCS,
    MFW_HDLC_RX_INFO,
    MFW_HDLC_RX_FCS,
    MFW_HDLC_RX_CLOSE, /* the closing flag */
};

struct mfw_hdlc_rx_stats {
    uint32_t frames;      /* complete valid frames */
    uint32_t bad_format;  /* not type 3, a length too short, an address of 3 or more than 4 bytes */
    uint32_t bad_hcs;     /* header check sequence wrong */
    uint32_t bad_fcs;     /* frame check sequence wrong */
    uint32_t bad_close;   /* no flag where the length says the frame ends */
    uint32_t inter_octet; /* partial frames dropped for the inter-octet time-out */
    uint32_t skipped;     /* bytes outside frames (idle line, garbage) */
};

/* The byte-fed receiver: hunts for a flag, reads the format, takes exactly the announced length,
 * checks HCS and FCS and the closing flag, and delivers only valid frames. A bad frame is
 * dropped silently (IEC 62056-46: no answer to a frame with a bad FCS [M]) and counted, and the
 * receiver hunts for the next flag. The information field goes to a target buffer the caller
 * sets (mfw_hdlc_rx_target), the rest of the frame into the receiver itself. */
struct mfw_hdlc_rx {
    uint8_t state; /* enum mfw_hdlc_rx_state */
    uint8_t hdr[12];
    uint8_t hdr_len;          /* format .. control bytes held in hdr */
    uint8_t dst_len, src_len; /* address bytes so far */
    uint8_t fcs[2], fcs_have; /* HCS or FCS bytes of the field being read */
    bool segmented;           /* S bit of the frame in progress */
    bool truncated;           /* its information field overflows the target */
    uint16_t length;          /* L: bytes between the flags */
    uint16_t got;             /* bytes of it so far */
    uint16_t crc;             /* CRC-16/X.25 (finished form) over the frame so far */
    uint8_t *target;          /* where the information field goes */
    size_t cap;               /* its room */
    size_t info_len;          /* information bytes so far */
    uint32_t inter_octet_ms;  /* 0 = none: a longer gap inside a frame drops it */
    mfw_ms_t last_at;         /* the last byte fed */
    struct mfw_hdlc_rx_stats stats;
};

void mfw_hdlc_rx_init(struct mfw_hdlc_rx *rx, uint8_t *target, size_t cap);
/* Where the information field of the next frame goes (a frame in progress keeps its target). */
void mfw_hdlc_rx_target(struct mfw_hdlc_rx *rx, uint8_t *target, size_t cap);
/* Feeds n bytes received at now. Returns 1 with a valid frame in *f (*consumed: the bytes up to
 * and including its closing flag, which may also open the next frame), or 0 when all n bytes
 * were used without completing a frame, or MFW_E_ARG. */
int mfw_hdlc_rx_feed(struct mfw_hdlc_rx *rx, const uint8_t *bytes, size_t n, mfw_ms_t now,
                     size_t *consumed, struct mfw_hdlc_frame *f);
/* True while a frame has begun (past its first format byte) and is not complete. */
bool mfw_hdlc_rx_in_frame(const struct mfw_hdlc_rx *rx);
/* The frame in progress loses its information field (the target was overwritten): it is dropped
 * as truncated when it completes. */
void mfw_hdlc_rx_spoil(struct mfw_hdlc_rx *rx);

/* Appends one frame to w: flag, format (type 3, the S bit, the length), dst, src, control, the HCS
 * and info when info_len > 0, the FCS, flag. Addresses are 1..4 bytes as they go on the line.
 * MFW_OK; MFW_E_ARG for an address of another length, info NULL with info_len > 0, or a frame
 * longer than MFW_HDLC_LENGTH_MAX; MFW_E_NOSPACE (also in w->err) with w->len unchanged. */
int mfw_hdlc_encode(struct mfw_wcursor *w, const uint8_t *dst, size_t dst_len, const uint8_t *src,
                    size_t src_len, uint8_t control, bool segmented, const uint8_t *info,
                    size_t info_len);

/* ---- 2. negotiation -------------------------------------------------------------------------- */

/* What one station says of itself: the longest information field it transmits and receives, and
 * how many frames it transmits and receives before an acknowledgement. */
struct mfw_hdlc_params {
    uint16_t info_tx, info_rx;
    uint8_t window_tx, window_rx;
};

/* The defaults of an absent parameter: 128 bytes, window 1. */
void mfw_hdlc_params_default(struct mfw_hdlc_params *p);
/* Decodes an SNRM or UA information field (len 0: every default). Unknown parameter ids are
 * skipped. MFW_OK; MFW_E_FORMAT for a field that is not 81 80 L ..., a value longer than 4 bytes,
 * a length past the field, a window outside 1..7 or an information length below 1. */
int mfw_hdlc_params_decode(const uint8_t *info, size_t len, struct mfw_hdlc_params *p);
/* Appends 81 80 L and the four parameters: 05 and 06 on 1 byte below 256 else 2, 07 and 08 on 4
 * bytes (as the Gurux stack writes them, the capture's UA). */
void mfw_hdlc_params_encode(const struct mfw_hdlc_params *p, struct mfw_wcursor *w);

/* ---- 3. the secondary station ---------------------------------------------------------------- */

/* The station's own settings: its address and limits (the IEC HDLC setup object, IC 23). */
struct mfw_hdlc_config {
    uint16_t logical;        /* upper HDLC address answered (1, the management LD) */
    uint16_t physical;       /* lower HDLC address answered (IC 23 attribute 9) */
    uint16_t max_info_tx;    /* IC 23 attribute 5: at most what the buffer allows */
    uint16_t max_info_rx;    /* IC 23 attribute 6 */
    uint8_t window_tx;       /* IC 23 attribute 3, 1..7 */
    uint8_t window_rx;       /* IC 23 attribute 4, 1..7 */
    uint32_t inter_octet_ms; /* IC 23 attribute 7 on a serial line; 0 on TCP */
};

enum mfw_hdlc_mode {
    MFW_HDLC_NDM = 0,        /* normal disconnected mode: only SNRM connects */
    MFW_HDLC_NRM,            /* normal response mode: connected */
    MFW_HDLC_FRMR_CONDITION, /* a frame was rejected: FRMR to everything but SNRM and DISC */
};

/* What a feed stopped for. */
enum mfw_hdlc_event_kind {
    MFW_HDLC_EV_NONE = 0,
    MFW_HDLC_EV_FRAME,      /* a valid frame for this station (activity); maybe output */
    MFW_HDLC_EV_APDU,       /* a whole APDU (LLC header stripped): answer with mfw_hdlc_reply */
    MFW_HDLC_EV_CONNECT,    /* SNRM accepted: a new link, any association of the old one ends */
    MFW_HDLC_EV_DISCONNECT, /* DISC in NRM: the UA is the last frame, then the link is down */
    MFW_HDLC_EV_OVERSIZE,   /* the client's APDU is longer than the buffer */
};

struct mfw_hdlc_event {
    uint8_t kind;        /* enum mfw_hdlc_event_kind */
    uint8_t client_sap;  /* the client address >> 1 (APDU, CONNECT) */
    const uint8_t *apdu; /* APDU: in the station's buffer, valid until mfw_hdlc_reply */
    size_t len;
};

struct mfw_hdlc_stats {
    uint32_t frames_in, frames_out, i_in, i_out, rr_in, rr_out, rnr_in;
    uint32_t snrm, disc, dm_out, frmr_out, retransmits, out_of_sequence, not_ours;
};

enum mfw_hdlc_pending {
    MFW_HDLC_SEND_NONE = 0,
    MFW_HDLC_SEND_UA_PARAMS, /* UA to SNRM, with the negotiated parameters */
    MFW_HDLC_SEND_UA,        /* UA to DISC, no information field */
    MFW_HDLC_SEND_DM,
    MFW_HDLC_SEND_FRMR,
    MFW_HDLC_SEND_RR,
    MFW_HDLC_SEND_I, /* I-frames of the reply, from seg_next, burst_left of them */
};

struct mfw_hdlc {
    struct mfw_hdlc_config config;
    struct mfw_hdlc_rx rx;
    uint8_t *buf; /* the caller's: LLC + APDU received, and the I-frame being sent */
    size_t cap;
    uint8_t mode;     /* enum mfw_hdlc_mode */
    uint8_t client;   /* the client address byte of the link (NRM) */
    uint8_t reply_to; /* the source address of the last frame for us (control frames go there) */
    uint8_t srv[4], srv_len;     /* our address as the client last sent it (replies) */
    struct mfw_hdlc_params link; /* negotiated, from the meter's side */
    uint8_t vs, vr, va;          /* send, receive and acknowledged state variables */
    bool peer_busy;              /* RNR received */
    size_t have;                 /* bytes of the APDU being received (LLC included) */
    /* the reply being sent: the LLC header and the APDU, in segments of link.info_tx */
    const uint8_t *stream;
    size_t total; /* 0: no reply */
    uint32_t nseg, seg_acked, seg_next;
    uint8_t base;       /* N(S) of segment 0 */
    uint8_t burst_left; /* I-frames still to go in this burst */
    uint8_t pending;    /* enum mfw_hdlc_pending */
    uint8_t frmr[3];    /* the FRMR information field */
    uint8_t ctl[48];    /* a control frame (UA, RR, DM, FRMR) being sent */
    struct mfw_hdlc_stats stats;
};

/* Defaults: logical 1, physical 0x10, 128/128 bytes, window 1/1, no inter-octet time-out. */
void mfw_hdlc_default_config(struct mfw_hdlc_config *cfg);
/* In NDM, over buf[cap]: it must hold the largest APDU accepted plus its LLC header, and the
 * longest I-frame sent (max_info_tx + MFW_HDLC_OVERHEAD_MAX; a smaller buffer lowers what the UA
 * offers). MFW_OK; MFW_E_ARG for NULL, cap below 64 + MFW_HDLC_OVERHEAD_MAX, windows outside
 * 1..7 or an information length below 32 or above MFW_HDLC_INFO_LIMIT. */
int mfw_hdlc_init(struct mfw_hdlc *h, const struct mfw_hdlc_config *cfg, uint8_t *buf, size_t cap);
/* Feeds bytes received at now. Stops after every valid frame addressed to this station and
 * returns 1 with the event (*consumed up to that frame's end: feed the rest again after handling
 * it and sending the output), or 0 when all n bytes were used; MFW_E_ARG. Frames for another
 * address are skipped silently. */
int mfw_hdlc_feed(struct mfw_hdlc *h, const uint8_t *bytes, size_t n, mfw_ms_t now,
                  size_t *consumed, struct mfw_hdlc_event *ev);
/* The answer to the last MFW_HDLC_EV_APDU: apdu[len] with MFW_HDLC_LLC_LEN writable bytes in front
 * of it (the LLC header goes there); it must stay in place until the client has acknowledged
 * every segment or a new event arrives. len 0: no answer (the poll gets an RR). */
void mfw_hdlc_reply(struct mfw_hdlc *h, uint8_t *apdu, size_t len);
/* The next frame to send, in the station (*frame, valid until the next call on h), or 0 when
 * there is nothing to send until the client polls again. Call it after every event and after the
 * previous frame has been sent, until it returns 0. */
size_t mfw_hdlc_output(struct mfw_hdlc *h, const uint8_t **frame);
/* True while a frame has begun and is not complete. */
bool mfw_hdlc_in_frame(const struct mfw_hdlc *h);

#endif /* METERFW_LINK_HDLC_H */
