/* SPDX-License-Identifier: Apache-2.0 */
/* sensor_file: a sensor set (sensor_set.h) from a text file, for meterd --sensors FILE.
 *
 *   # a unit with a warm shunt and a noisy converter
 *   base typical                 # or: base unit lot 7 12 (a Monte-Carlo unit); default typical
 *   shunt.alpha_ppm = 12         # every phase ...
 *   L2.i_adc.snr_db = 80         # ... or one: L1, L2, L3, N (the neutral channel)
 *   current = ct                 # shunt or ct (sensor_set_use_ct's class 0.2 CT)
 *   clock.ppm = 15
 *
 * One `key = value` per line, values plain decimals ([+-]digits[.digits], at most 15 digits),
 * each key with its unit in its name and a range (docs/sensors.md lists them). `base` comes
 * first if at all. Lines of at most 200 characters; ASCII; `#` starts a comment. The parser
 * reads through the length it is given, never past it, needs no terminator, uses no heap. */
#ifndef METERFW_SIM_SENSOR_FILE_H
#define METERFW_SIM_SENSOR_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "sensor_set.h"

struct sensor_file_error {
    unsigned line;
    char msg[120];
};

/* MFW_OK, MFW_E_FORMAT (malformed), MFW_E_RANGE (a value out of its range), MFW_E_ARG. */
int sensor_file_parse(struct sensor_set *s, uint8_t phases, double imax_a, const char *text,
                      size_t len, struct sensor_file_error *err);

#endif /* METERFW_SIM_SENSOR_FILE_H */
