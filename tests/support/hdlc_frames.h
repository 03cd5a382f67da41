/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: HDLC frames (IEC 62056-46 frame format type 3) built and checked by the tests
 * themselves, with a CRC-16/X.25 computed bit by bit from its definition (reflected polynomial
 * 0x8408, init FFFF, xorout FFFF, check("123456789") = 906E), not with the project's table-driven
 * src/base/crc.c nor its encoder src/link/hdlc.c:
 *
 *   7E | A S L L | destination | source | control | HCS lo hi | information | FCS lo hi | 7E
 *
 * the length L (11 bits) counts the bytes between the flags; the HCS covers format..control and is
 * there only with an information field; the FCS covers format..information. */
#ifndef METERFW_TEST_HDLC_FRAMES_H
#define METERFW_TEST_HDLC_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CRC-16/X.25, bit by bit. */
uint16_t tf_crc(const uint8_t *p, size_t n);

/* Builds a frame to dst[dl] from the 1-byte src into out (room for n + 15 bytes): its length. */
size_t tf_build(uint8_t *out, const uint8_t *dst, size_t dl, uint8_t src, uint8_t control,
                bool segmented, const uint8_t *info, size_t n);

/* A frame as the meter sends it: 1-byte destination (the client), srclen-byte source. */
struct tf_frame {
    uint8_t dst, src[4], control;
    bool segmented;
    const uint8_t *info; /* into the parsed bytes */
    size_t n;
};

/* Parses one whole frame p[len] (both flags) with a srclen-byte source address. Returns NULL when
 * it is right (flags, type 3, length, address extension bits, HCS, FCS), else what is wrong. */
const char *tf_parse(const uint8_t *p, size_t len, size_t srclen, struct tf_frame *f);

/* The length of the frame that starts at p[0] = 7E (from its length field), 0 if p[0..2] is not a
 * frame start or n is too short. */
size_t tf_span(const uint8_t *p, size_t n);

#endif
