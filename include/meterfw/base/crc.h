/* SPDX-License-Identifier: Apache-2.0 */
/* crc: the checksums of the meter's records and links.
 *
 *  - CRC-32/ISO-HDLC (IEEE 802.3, zlib): reflected, poly 0x04C11DB7 (0xEDB88320 reflected),
 *    init 0xFFFFFFFF, xorout 0xFFFFFFFF; check("123456789") = 0xCBF43926. Guards stored records.
 *  - CRC-16/X.25 (CRC-16/IBM-SDLC): reflected, poly 0x1021 (0x8408 reflected), init 0xFFFF,
 *    xorout 0xFFFF; check("123456789") = 0x906E. The HDLC frame check sequence of
 *    IEC 62056-46 (ISO/IEC 13239 4.2.5.1); it goes on the line low byte first.
 *
 * Both use 16-entry nibble tables in .rodata (64 + 32 bytes): no mutable state, small enough for
 * the smallest MCU, about four times faster than bit-by-bit.
 */
#ifndef METERFW_BASE_CRC_H
#define METERFW_BASE_CRC_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC-32 over more bytes, zlib style: crc is the finished CRC of the bytes so far
 * (0 for none), the result is the finished CRC of all of them. So
 * mfw_crc32_update(mfw_crc32_update(0, a, na), b, nb) == mfw_crc32(a||b). buf may be NULL when len is 0. */
uint32_t mfw_crc32_update(uint32_t crc, const void *buf, size_t len);
uint32_t mfw_crc32(const void *buf, size_t len);

/* Same chaining convention for CRC-16/X.25 (start from 0). */
uint16_t mfw_crc16_x25_update(uint16_t crc, const void *buf, size_t len);
uint16_t mfw_crc16_x25(const void *buf, size_t len);

/* CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0, no final XOR; check("123456789") = 0xBB3D),
 * the CRC of the DSMR 5.0.2 P1 telegram (6.2). Chains: mfw_crc16_arc_update(mfw_crc16_arc(a), b)
 * is the CRC of a||b. */
uint16_t mfw_crc16_arc_update(uint16_t crc, const void *buf, size_t len);
uint16_t mfw_crc16_arc(const void *buf, size_t len);

/* CRC-16/EN-13757 (poly 0x3D65, MSB first, init 0, final complement; check("123456789") =
 * 0xC2B7), the wireless M-Bus data link layer's (EN 13757-4), sent high byte first. */
uint16_t mfw_crc16_en13757(const void *buf, size_t len);

#endif /* METERFW_BASE_CRC_H */
