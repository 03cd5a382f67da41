/* report: the registers and last readings of a meter as one JSON object (--report json). */
#ifndef METERD_REPORT_H
#define METERD_REPORT_H

#include <stdio.h>

#include "meterfw/meter.h"

struct report_info {
    const char *fidelity; /* "sample" or "fast" */
    mfw_ms_t start_ms, end_ms;
    const char *scenario;
};

/* Writes the object and a newline. Keys: model, serial, scenario, start, end, fidelity,
 * registers {total, L1[, L2, L3]} {A+, A-, R+, R-, RQ1..RQ4} {obis, value, unit}, with value in
 * Wh / varh (3 decimals, exact from uWh), and instantaneous {...}. */
void report_json(FILE *f, const struct meter *m, const struct report_info *ri);

#endif /* METERD_REPORT_H */
