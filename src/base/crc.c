/* SPDX-License-Identifier: Apache-2.0 */
/* CRC-32 (IEEE 802.3) and CRC-16/X.25 (HDLC FCS, IEC 62056-46), nibble-table driven. */
#include "meterfw/base/crc.h"

/* crc32_nib[n] = n shifted out of a reflected CRC-32 register four times (poly 0xEDB88320). */
static const uint32_t crc32_nib[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
    0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

/* crc16_nib[n]: the same for the reflected CCITT polynomial 0x8408. */
static const uint16_t crc16_nib[16] = {
    0x0000u, 0x1081u, 0x2102u, 0x3183u, 0x4204u, 0x5285u, 0x6306u, 0x7387u,
    0x8408u, 0x9489u, 0xA50Au, 0xB58Bu, 0xC60Cu, 0xD68Du, 0xE70Eu, 0xF78Fu,
};

uint32_t mfw_crc32_update(uint32_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint32_t c = crc ^ 0xFFFFFFFFu; /* undo the final xor of the previous call (init on 0) */
    for (size_t k = 0; k < len; k++) {
        c ^= p[k];
        c = (c >> 4) ^ crc32_nib[c & 0x0Fu];
        c = (c >> 4) ^ crc32_nib[c & 0x0Fu];
    }
    return c ^ 0xFFFFFFFFu;
}

uint32_t mfw_crc32(const void *buf, size_t len)
{
    return mfw_crc32_update(0, buf, len);
}

uint16_t mfw_crc16_x25_update(uint16_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint16_t c = (uint16_t)(crc ^ 0xFFFFu);
    for (size_t k = 0; k < len; k++) {
        c = (uint16_t)(c ^ p[k]);
        c = (uint16_t)((c >> 4) ^ crc16_nib[c & 0x0Fu]);
        c = (uint16_t)((c >> 4) ^ crc16_nib[c & 0x0Fu]);
    }
    return (uint16_t)(c ^ 0xFFFFu);
}

uint16_t mfw_crc16_x25(const void *buf, size_t len)
{
    return mfw_crc16_x25_update(0, buf, len);
}

uint16_t mfw_crc16_arc_update(uint16_t crc, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint16_t c = crc;
    for (size_t k = 0; k < len; k++) {
        c = (uint16_t)(c ^ p[k]);
        for (unsigned b = 0; b < 8; b++) /* bitwise: the telegram is short, no table needed */
            c = (uint16_t)((c & 1u) ? (c >> 1) ^ 0xA001u : c >> 1);
    }
    return c;
}

uint16_t mfw_crc16_arc(const void *buf, size_t len)
{
    return mfw_crc16_arc_update(0, buf, len);
}

uint16_t mfw_crc16_en13757(const void *buf, size_t len)
{
    const uint8_t *p = buf;
    uint16_t c = 0;
    for (size_t k = 0; k < len; k++) {
        c = (uint16_t)(c ^ ((unsigned)p[k] << 8));
        for (unsigned b = 0; b < 8; b++)
            c = (uint16_t)((c & 0x8000u) ? ((unsigned)c << 1) ^ 0x3D65u : (unsigned)c << 1);
    }
    return (uint16_t)~c;
}
