/* SPDX-License-Identifier: Apache-2.0 */
/* sensors_load: what --sensors names (ideal, typical or a sensor-set FILE, sim/sensor_file.h),
 * with the scenario's own choice (sensors / noise directives) where the option is not given. */
#ifndef METERD_SENSORS_LOAD_H
#define METERD_SENSORS_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/scenario.h"
#include "sim/sensor_set.h"

struct meterd_sensors {
    bool ideal;            /* the simple front end, no sensor errors, nominal calibration */
    struct sensor_set set; /* otherwise: this unit, calibrated at its production */
    const char *name;      /* for the messages: "ideal", "typical", "unit lot L N" or the file */
    bool noise_set;        /* the scenario's noise directive: the converters' SNR, 0 = off */
    double noise_db;
};

/* spec: NULL (not given), "ideal", "typical" or a file. false with a message on bad input. */
bool meterd_load_sensors(struct meterd_sensors *m, const char *spec, const struct scenario *sc,
                         uint8_t phases, double imax_a, char *err, size_t errcap);

#endif /* METERD_SENSORS_LOAD_H */
