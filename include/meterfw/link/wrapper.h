/* SPDX-License-Identifier: Apache-2.0 */
/* wrapper: the IEC 62056-47 TCP/UDP wrapper sub-layer (IEC 62056-47:2006 5.3.2 "The wrapper
 * protocol data unit (WPDU)", same header for TCP; IEC 62056-4-7:2015; DLMS UA 1000-2 "Green
 * Book", TCP-UDP based communication profiles).
 *
 * On a TCP connection every xDLMS APDU travels in one wrapper frame:
 *
 *   +---------+-------------+------------------+--------+--------------+
 *   | version | source wPort| destination wPort| length | APDU         |
 *   | 2 bytes | 2 bytes     | 2 bytes          | 2 bytes| length bytes |
 *   +---------+-------------+------------------+--------+--------------+
 *
 * all big-endian; version is 0x0001; length counts the APDU only. The wPort of a client is its
 * client SAP (16 public client, 1 management, ...); the wPort of the server is the logical
 * device (1 = management logical device). A reply swaps the two wPorts.
 *
 * TCP is a byte stream: a frame may arrive in any number of pieces, and several frames may come
 * in one piece. struct mfw_wrapper is a bounded state machine fed those pieces; it copies the APDU
 * into a buffer the caller provides and never blocks. It holds no pointer to the input. */
#ifndef METERFW_LINK_WRAPPER_H
#define METERFW_LINK_WRAPPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/cursor.h"

#define MFW_WRAPPER_VERSION 0x0001u
#define MFW_WRAPPER_HEADER_LEN 8u
#define MFW_WRAPPER_LENGTH_MAX 0xFFFFu /* the length field is 16 bits */

/* Well-known wPorts (IEC 62056-47: the same numbers as the SAPs of the HDLC profile). */
#define MFW_WRAPPER_WPORT_MANAGEMENT_LD 1u /* server: the management logical device */
#define MFW_WRAPPER_WPORT_CLIENT_MANAGEMENT 1u
#define MFW_WRAPPER_WPORT_CLIENT_PUBLIC 16u

enum mfw_wrapper_state {
    MFW_WRAPPER_HEADER = 0, /* collecting the 8 header bytes */
    MFW_WRAPPER_APDU,       /* collecting `length` APDU bytes */
    MFW_WRAPPER_FAILED,     /* a protocol error: sticky until mfw_wrapper_reset */
};

/* A complete frame. apdu points into the wrapper's buffer and stays valid until the next
 * mfw_wrapper_feed or mfw_wrapper_reset on that wrapper. */
struct mfw_wrapper_frame {
    uint16_t src_wport, dst_wport;
    const uint8_t *apdu;
    size_t len; /* 1 .. cap */
};

struct mfw_wrapper {
    uint8_t state;                                  /* enum mfw_wrapper_state */
    uint8_t hdr_have;                               /* header bytes collected, 0..8 */
    uint8_t hdr[MFW_WRAPPER_HEADER_LEN];            /* the header so far */
    uint16_t version, src_wport, dst_wport, length; /* the decoded header of the current frame */
    uint8_t *buf;                                   /* the caller's APDU buffer */
    size_t cap;                                     /* its capacity: largest accepted APDU */
    size_t have;                                    /* APDU bytes collected */
    int err; /* the sticky error of MFW_WRAPPER_FAILED, else 0 */
    /* counters, for diagnostics; they wrap */
    uint32_t frames; /* complete frames delivered */
    uint32_t empty;  /* zero-length frames skipped */
    uint32_t errors; /* protocol errors (at most one per mfw_wrapper_reset) */
    uint32_t bytes;  /* input bytes consumed */
};

/* Prepares w over the APDU buffer buf[cap]; cap is the largest APDU accepted (the negotiated
 * server max-receive-pdu-size plus the ciphering margin, at most MFW_WRAPPER_LENGTH_MAX is useful).
 * Counters start at zero. MFW_OK, or MFW_E_ARG for a NULL w/buf or cap 0. */
int mfw_wrapper_init(struct mfw_wrapper *w, uint8_t *buf, size_t cap);

/* Back to the start of a frame (e.g. for a new connection); keeps buf, cap and the counters. */
void mfw_wrapper_reset(struct mfw_wrapper *w);

/* Feeds n bytes of the stream. Always sets *consumed to the number of bytes used from the front
 * of bytes (the caller feeds the rest again: frames coalesced in one read). Returns:
 *   1              a frame is complete in *out; *consumed may be less than n
 *   0              all n bytes were used, the frame is not complete yet
 *   MFW_E_FORMAT   a version other than 0x0001 (checked byte by byte, as soon as it is wrong):
 *                  the Green Book requires the connection to be closed
 *   MFW_E_NOSPACE  a length above cap: refused at the header, nothing of the APDU is buffered
 *   MFW_E_ARG      NULL pointers (bytes may be NULL when n is 0)
 * An error is sticky: every later call returns it with *consumed 0 until mfw_wrapper_reset, because
 * after a bad header the stream has no frame boundary left to resynchronise on.
 * A frame with length 0 carries no APDU: it is skipped (counted in `empty`) and never returned;
 * the stream stays in step, so there is no reason to drop the connection for it. */
int mfw_wrapper_feed(struct mfw_wrapper *w, const uint8_t *bytes, size_t n, size_t *consumed,
                     struct mfw_wrapper_frame *out);

/* Appends one frame (header and APDU) to c, e.g. a reply with src = the server's wPort and
 * dst = the client's wPort (the request's wPorts swapped). The arguments are in the order of the
 * header on the wire. MFW_OK; MFW_E_ARG for len 0, len > 0xFFFF or a NULL apdu; MFW_E_NOSPACE
 * (also left in c->err) when c has no room, in which case c->len is unchanged. */
int mfw_wrapper_encode(uint16_t src_wport, uint16_t dst_wport, const uint8_t *apdu, size_t len,
                       struct mfw_wcursor *c);

/* Appends only the 8-byte header of a frame whose APDU of len bytes the caller puts right after
 * it, e.g. a reply written in place behind MFW_WRAPPER_HEADER_LEN bytes of headroom (no copy of
 * the APDU). MFW_OK; MFW_E_ARG for len 0 or len > 0xFFFF; MFW_E_NOSPACE as mfw_wrapper_encode. */
int mfw_wrapper_encode_header(uint16_t src_wport, uint16_t dst_wport, size_t len,
                              struct mfw_wcursor *c);

/* true while a frame has begun and is not complete (header bytes or part of the APDU held), so a
 * session can bound how long a partial frame may take. false at a frame boundary and after an
 * error. */
bool mfw_wrapper_in_frame(const struct mfw_wrapper *w);

#endif /* METERFW_LINK_WRAPPER_H */
