/* snapshot: the clean-shutdown state of a meter as one self-checking record.
 *
 * What a meter must keep across a planned power-down: every energy register and the time of the
 * last tick. (The power-loss-safe store of a later issue keeps the same content in flash; this
 * record is what a port writes on a clean shutdown.)
 *
 * Layout, all integers little-endian:
 *   off  size
 *    0    4   magic "MFWS"
 *    4    2   format version (SNAPSHOT_VERSION)
 *    6    1   model (enum meter_model)
 *    7    4   payload length L
 *   11    L   payload, version 1:
 *               8  time of the last tick, int64 UTC ms (two's complement)
 *               1  rows R  = MFW_PHASES_MAX + 1 (L1..Ln, then the totals)
 *               1  quantities Q = EQ_COUNT (A+, A-, R+, R-, RQ1..RQ4)
 *             8*R*Q registers in uWh / uvarh, uint64, row by row
 * 11+L    4   CRC-32 (IEEE 802.3) over bytes 0 .. 11+L-1
 */
#ifndef METERFW_SNAPSHOT_H
#define METERFW_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "meterfw/meter.h"

#define SNAPSHOT_VERSION 1u
#define SNAPSHOT_HEADER_SIZE 11u
#define SNAPSHOT_PAYLOAD_SIZE (8u + 2u + 8u * (MFW_PHASES_MAX + 1u) * EQ_COUNT)
/* Bytes of a whole record of this build. */
#define SNAPSHOT_SIZE (SNAPSHOT_HEADER_SIZE + SNAPSHOT_PAYLOAD_SIZE + 4u)

/* Writes the record of m into buf. *len = SNAPSHOT_SIZE on MFW_OK, and also on MFW_E_NOSPACE
 * (cap too small; buf is then untouched), so a caller can learn the size. MFW_E_ARG on NULL. */
int snapshot_save(const struct meter *m, uint8_t *buf, size_t cap, size_t *len);

/* Restores the registers and the last tick time of m from a record of exactly len bytes.
 * Checks, in this order: size and magic (MFW_E_FORMAT), CRC (MFW_E_CRC), version
 * (MFW_E_VERSION), then that the record fits this meter: same model, same table shape and
 * payload length (MFW_E_FORMAT). A failed load changes nothing in m. */
int snapshot_load(struct meter *m, const uint8_t *buf, size_t len);

#endif /* METERFW_SNAPSHOT_H */
