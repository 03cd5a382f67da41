/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: a reader of the Nordic HAN push written from the documents (Kamstrup HAN-NVE
 * interface description: an IEC 62056-46 frame 7E A0 LL dst src ctrl HCS info FCS 7E, CRC-16/X-25
 * sent LSB first, LLC E6 E7 00, data-notification 0F, 4 bytes invoke id, date-time 0C + 12, a
 * structure of the list version then OBIS/value pairs), with its own CRC (bitwise, not the
 * core's nibble table). Checked against the Kamstrup frame of amshan's suite in tests/test_han.c. */
#ifndef METERFW_TEST_HAN_DECODE_H
#define METERFW_TEST_HAN_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HAND_ITEMS 40

struct hand_item {
    uint8_t obis[6];
    uint8_t type;  /* the A-XDR tag of the value: 06, 12, 0A, 09 */
    uint64_t u;    /* 06 / 12 */
    char text[40]; /* 0A */
    uint8_t octets[16];
    size_t len;
};

struct hand {
    uint8_t dst, src, control;
    bool hcs_ok, fcs_ok;
    size_t frame_len;    /* bytes from flag to flag inclusive */
    const uint8_t *info; /* the information field (inside the frame given) */
    size_t info_len;
    uint32_t invoke;
    uint8_t datetime[12];
    char version[40];
    size_t n; /* pairs */
    struct hand_item item[HAND_ITEMS];
};

uint16_t hand_crc(const uint8_t *p, size_t n);
/* The frame at f[n] (the first 7E .. 7E): 0 decoded; -1 malformed; -2 a CRC wrong (hcs_ok /
 * fcs_ok say which). With apdu_too false only the frame is read (a ciphered APDU). */
int hand_frame(const uint8_t *f, size_t n, struct hand *h, bool apdu_too);
/* The data-notification APDU p[n] into h (the list). 0 or -1. */
int hand_apdu(const uint8_t *p, size_t n, struct hand *h);
/* The item of an OBIS code A.B.C.D.E.F, NULL if absent. */
const struct hand_item *hand_get(const struct hand *h, uint8_t a, uint8_t b, uint8_t c, uint8_t d,
                                 uint8_t e);

#endif
