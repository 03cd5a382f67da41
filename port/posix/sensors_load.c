/* SPDX-License-Identifier: Apache-2.0 */
#include "sensors_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "sim/sensor_file.h"

/* A sensor set is a few dozen lines; anything much larger is a wrong file. */
#define SENSORS_FILE_MAX (64 * 1024)

static bool load_file(struct meterd_sensors *m, const char *path, uint8_t phases, double imax_a,
                      char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errcap,
                 "--sensors: '%s' is neither ideal nor typical nor a readable file: %s", path,
                 strerror(errno));
        return false;
    }
    char *text = malloc(SENSORS_FILE_MAX + 1);
    if (text == NULL) {
        fclose(f);
        snprintf(err, errcap, "out of memory");
        return false;
    }
    size_t len = fread(text, 1, SENSORS_FILE_MAX + 1, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad || len > SENSORS_FILE_MAX) {
        snprintf(err, errcap, "%s: %s", path, bad ? "read error" : "file too large");
        free(text);
        return false;
    }
    struct sensor_file_error e;
    int rc = sensor_file_parse(&m->set, phases, imax_a, text, len, &e);
    free(text);
    if (rc != MFW_OK) {
        e.msg[sizeof e.msg - 1] = '\0';
        snprintf(err, errcap, "%s:%u: %s", path, e.line, e.msg[0] ? e.msg : mfw_strerror(rc));
        return false;
    }
    return true;
}

bool meterd_load_sensors(struct meterd_sensors *m, const char *spec, const struct scenario *sc,
                         uint8_t phases, double imax_a, char *err, size_t errcap)
{
    memset(m, 0, sizeof *m);
    m->noise_set = sc->noise_set;
    m->noise_db = sc->noise_db;
    if (spec == NULL) { /* the scenario's choice, else a typical unit */
        switch (sc->sensors) {
        case SCENARIO_SENSORS_IDEAL: spec = "ideal"; break;
        case SCENARIO_SENSORS_UNIT:
            sensor_set_draw(&m->set, phases, imax_a, sc->sensor_lot, sc->sensor_unit);
            m->name = "unit (scenario)";
            return true;
        default: spec = "typical"; break;
        }
    }
    m->name = spec;
    if (strcmp(spec, "ideal") == 0) {
        m->ideal = true;
        return true;
    }
    if (strcmp(spec, "typical") == 0) {
        sensor_set_typical(&m->set, phases, imax_a);
        return true;
    }
    return load_file(m, spec, phases, imax_a, err, errcap);
}
