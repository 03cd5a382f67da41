/* Clean-shutdown record of a meter: see snapshot.h for the layout. */
#include "meterfw/snapshot.h"

#include "meterfw/bytes.h"
#include "meterfw/crc.h"
#include "meterfw/error.h"

#define ROWS (MFW_PHASES_MAX + 1u)

static const uint8_t snapshot_magic[4] = {'M', 'F', 'W', 'S'};

int snapshot_save(const struct meter *m, uint8_t *buf, size_t cap, size_t *len)
{
    if (m == NULL || len == NULL || (buf == NULL && cap > 0))
        return MFW_E_ARG;
    *len = SNAPSHOT_SIZE;
    if (buf == NULL || cap < SNAPSHOT_SIZE)
        return MFW_E_NOSPACE;

    uint8_t *p = buf;
    for (unsigned k = 0; k < 4; k++)
        p[k] = snapshot_magic[k];
    bytes_put_le16(p + 4, SNAPSHOT_VERSION);
    p[6] = (uint8_t)m->cfg.model;
    bytes_put_le32(p + 7, SNAPSHOT_PAYLOAD_SIZE);
    p += SNAPSHOT_HEADER_SIZE;

    bytes_put_le64(p, (uint64_t)m->now); /* int64 -> two's complement, defined in C11 */
    p[8] = (uint8_t)ROWS;
    p[9] = (uint8_t)EQ_COUNT;
    p += 10;
    for (unsigned r = 0; r < ROWS; r++) {
        for (unsigned q = 0; q < EQ_COUNT; q++) {
            bytes_put_le64(p, m->reg.uwh[r][q]);
            p += 8;
        }
    }
    bytes_put_le32(p, crc32(buf, (size_t)(p - buf)));
    return MFW_OK;
}

int snapshot_load(struct meter *m, const uint8_t *buf, size_t len)
{
    if (m == NULL || (buf == NULL && len > 0))
        return MFW_E_ARG;
    if (len < SNAPSHOT_HEADER_SIZE + 4u)
        return MFW_E_FORMAT;
    for (unsigned k = 0; k < 4; k++)
        if (buf[k] != snapshot_magic[k])
            return MFW_E_FORMAT;
    uint32_t plen = bytes_get_le32(buf + 7);
    /* The record must be exactly header + payload + CRC: a truncated or padded file is not ours.
     * (Compare without adding to plen, which could overflow size_t on a 32-bit target.) */
    if (len - SNAPSHOT_HEADER_SIZE - 4u != plen)
        return MFW_E_FORMAT;
    size_t body = SNAPSHOT_HEADER_SIZE + (size_t)plen;
    if (crc32(buf, body) != bytes_get_le32(buf + body))
        return MFW_E_CRC;
    if (bytes_get_le16(buf + 4) != SNAPSHOT_VERSION)
        return MFW_E_VERSION;

    const uint8_t *p = buf + SNAPSHOT_HEADER_SIZE;
    if (buf[6] != (uint8_t)m->cfg.model || plen != SNAPSHOT_PAYLOAD_SIZE || p[8] != ROWS ||
        p[9] != EQ_COUNT)
        return MFW_E_FORMAT;

    /* Everything checked: only now touch the meter, so a failed load changes nothing. */
    uint64_t t = bytes_get_le64(p);
    /* uint64 -> int64 without implementation-defined conversion */
    m->now = t <= (uint64_t)INT64_MAX ? (mfw_ms_t)t : -(mfw_ms_t)(~t) - 1;
    p += 10;
    for (unsigned r = 0; r < ROWS; r++) {
        for (unsigned q = 0; q < EQ_COUNT; q++) {
            m->reg.uwh[r][q] = bytes_get_le64(p);
            p += 8;
        }
    }
    return MFW_OK;
}
