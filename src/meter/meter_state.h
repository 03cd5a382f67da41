/* SPDX-License-Identifier: Apache-2.0 */
/* The meter's two persistent records (inside the store, which adds CRC, sequence and version):
 *  - STATE: who the meter is (model, phases, serial), the registers, the clock offset and its
 *    flags, the latest time the meter recorded, and the running state of demand, billing,
 *    voltage quality, the event counters and the profile schedules;
 *  - CONFIG: the settings (struct mfw_meter_settings).
 * Each is a magic, a format version and its fields one by one (persist.h): no memory image of a
 * struct. Decoding checks every field, by the module that owns it, against the meter it is
 * restored into: another model, phase count or serial, an index past its array, a count that
 * contradicts another, registers whose tariffs do not add up to the total, a time out of range;
 * the first failure is named (*field, a string literal) and the meter is left unchanged. */
#ifndef METERFW_METER_STATE_H
#define METERFW_METER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "meterfw/meter/meter.h"

#define MFW_METER_STATE_MAX 3072u
#define MFW_METER_CONFIG_MAX 4000u

int mfw_meter_state_encode(const struct mfw_meter *m, uint8_t *buf, size_t cap, size_t *len);
/* MFW_OK, MFW_E_FORMAT (truncated, another magic), MFW_E_VERSION (another format version),
 * MFW_E_RANGE (a field out of its domain or not this meter's) with *field set. */
int mfw_meter_state_decode(struct mfw_meter *m, const uint8_t *buf, size_t len, const char **field);
/* Whose the record is: MFW_OK if it is a STATE record of this meter (model, phases, serial),
 * MFW_E_RANGE with *field ("model", "phases", "serial number") if it is another meter's, anything
 * else if it cannot tell (not a record, another format version, truncated). Reads nothing else. */
int mfw_meter_state_identity(const struct mfw_meter *m, const uint8_t *buf, size_t len,
                             const char **field);
int mfw_meter_state_encode_settings(const struct mfw_meter_settings *s, uint8_t *buf, size_t cap,
                                    size_t *len);
/* The fields, then the settings' own checks (mfw_meter_validate_settings) for a meter of
 * `phases`; s is written only when everything checks. */
int mfw_meter_state_decode_settings(struct mfw_meter_settings *s, const uint8_t *buf, size_t len,
                                    uint8_t phases, const char **field);

#endif
