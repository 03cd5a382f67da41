/* The meter's two persistent records (inside the store, which adds CRC, sequence and version):
 *  - STATE: registers, clock offset, the running state of demand, billing, voltage quality,
 *    profile schedules and event counters, the time of the last tick.
 *  - CONFIG: the settings (struct mfw_meter_settings).
 * Each record is a header (magic, format version, the size of every part) and the parts. The
 * parts are memory images of plain-data structs: a record is only read back by a firmware whose
 * structs have the same sizes (any difference is MFW_E_VERSION, and the meter then starts from
 * its defaults rather than misreading). Decoding fills a temporary and copies it only whole. */
#ifndef METERFW_METER_STATE_H
#define METERFW_METER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "meterfw/meter/meter.h"

#define MFW_METER_STATE_MAX 3072u
#define MFW_METER_CONFIG_MAX 4000u

int mfw_meter_state_encode(const struct mfw_meter *m, uint8_t *buf, size_t cap, size_t *len);
int mfw_meter_state_decode(struct mfw_meter *m, const uint8_t *buf, size_t len);
int mfw_meter_state_encode_settings(const struct mfw_meter_settings *s, uint8_t *buf, size_t cap,
                                    size_t *len);
int mfw_meter_state_decode_settings(struct mfw_meter_settings *s, const uint8_t *buf, size_t len);

#endif
