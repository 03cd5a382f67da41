/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's reader of the Nordic HAN push (docs/ihd.md "HAN"): HDLC frames
 * (IEC 62056-46 frame format type 3, flags 0x7E, no octet stuffing, length from the format
 * field) carrying a DLMS data-notification with a Kamstrup-style list (references:
 * consumer-formats.md section 2): a structure of the list version, then OBIS code and value
 * pairs, no scaler or unit. The values are read into the same struct as a P1 telegram. Bounded,
 * no heap. */
#ifndef IHD_HAN_H
#define IHD_HAN_H

#include <stddef.h>
#include <stdint.h>

#include "p1.h"

/* The longest frame taken (an 11-bit length field allows 2047). */
#define IHD_HAN_MAX 2048

enum ihd_han_error {
    IHD_HAN_E_FRAME = -20,    /* format, addresses or length wrong, no closing flag */
    IHD_HAN_E_HCS = -21,      /* header check sequence */
    IHD_HAN_E_FCS = -22,      /* frame check sequence */
    IHD_HAN_E_APDU = -23,     /* not LLC E6 E7 00 + data-notification */
    IHD_HAN_E_CIPHERED = -24, /* general-glo-ciphering: the display holds no consumer key */
    IHD_HAN_E_VALUE = -25,    /* the list's data malformed or of an unexpected type */
};

const char *ihd_han_strerror(int err);

/* CRC-16/X-25 (HDLC FCS-16, RFC 1662): reflected 0x8408, init and final xor 0xFFFF. */
uint16_t ihd_han_fcs16(const uint8_t *p, size_t n);

/* Parse one frame (format field .. FCS, without the flags). On success *list_id receives the
 * list version string (NUL-terminated, at most 31 characters). Energies (1.8.0, 2.8.0) are in
 * 10 Wh on the wire (Kamstrup), currents in 0.01 A, voltages in V; the date-time of the
 * notification, else the list's clock, is the reading's time (local time with the deviation when
 * given, else CET/CEST by the clock status's DST bit). */
int ihd_han_parse(const uint8_t *f, size_t n, struct ihd_p1 *out, char list_id[32]);

enum ihd_han_rx_event {
    IHD_HAN_RX_NONE = 0,
    IHD_HAN_RX_FRAME, /* rx->buf[0..rx->len) is a frame to parse */
    IHD_HAN_RX_BAD,   /* a frame without its closing flag, or an impossible length: dropped */
};

struct ihd_han_rx {
    uint8_t buf[IHD_HAN_MAX];
    size_t len, want;
    int state;
    uint64_t garbage; /* bytes outside any frame */
};

void ihd_han_rx_init(struct ihd_han_rx *rx);
size_t ihd_han_rx_feed(struct ihd_han_rx *rx, const uint8_t *in, size_t n, int *event);

#endif
