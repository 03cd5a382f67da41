/* SPDX-License-Identifier: Apache-2.0 */
/* bytes: fixed-width little-endian integers in byte buffers, independent of the host's byte
 * order and alignment. The caller checks the room; these only read or write the bytes. */
#ifndef METERFW_BASE_BYTES_H
#define METERFW_BASE_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* A view of bytes owned by someone else (a request buffer, a stored record): never copied. */
struct mfw_bytes {
    const uint8_t *p;
    size_t len;
};

void mfw_bytes_put_le16(uint8_t *p, uint16_t v);
void mfw_bytes_put_le32(uint8_t *p, uint32_t v);
void mfw_bytes_put_le64(uint8_t *p, uint64_t v);
uint16_t mfw_bytes_get_le16(const uint8_t *p);
uint32_t mfw_bytes_get_le32(const uint8_t *p);
uint64_t mfw_bytes_get_le64(const uint8_t *p);

#endif /* METERFW_BASE_BYTES_H */
