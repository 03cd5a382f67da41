/* SPDX-License-Identifier: Apache-2.0 */
/* Little-endian put/get, byte by byte (no unaligned access, no host byte order). */
#include "meterfw/base/bytes.h"

void mfw_bytes_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void mfw_bytes_put_le32(uint8_t *p, uint32_t v)
{
    for (unsigned k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

void mfw_bytes_put_le64(uint8_t *p, uint64_t v)
{
    for (unsigned k = 0; k < 8; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

uint16_t mfw_bytes_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t mfw_bytes_get_le32(const uint8_t *p)
{
    uint32_t v = 0;
    for (unsigned k = 4; k-- > 0;)
        v = (v << 8) | p[k];
    return v;
}

uint64_t mfw_bytes_get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned k = 8; k-- > 0;)
        v = (v << 8) | p[k];
    return v;
}
