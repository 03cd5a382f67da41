/* SPDX-License-Identifier: Apache-2.0 */
/* report: the registers and last readings of a meter as one JSON object (--report json). */
#ifndef METERD_REPORT_H
#define METERD_REPORT_H

#include <stdio.h>

#include "board.h"
#include "flash_emu.h"
#include "meterfw/meter/meter.h"

struct report_info {
    const char *fidelity;      /* "sample" or "fast" */
    mfw_ms_t start_ms, end_ms; /* simulated RTC at start and at the end */
    const char *scenario;
    const struct flash_emu *flash; /* erase/program counters of this run (NULL: none) */
    uint32_t power_ups;            /* power-ups after an outage in this run */
    uint32_t saves_before, store_errors_before; /* of the meter's earlier power-ups this run */
    const struct board *board; /* the relays, inputs and S0 line (NULL: no "board" key) */
};

/* Writes the object and a newline (cJSON, formatted) and returns 0; or writes nothing and
 * returns -1, with a message on stderr, when the report cannot be built (out of memory) or
 * written. Keys: model, serial, scenario, start, end, fidelity, registers {total, L1[, L2, L3]}
 * {A+, A-, R+, R-, RQ1..RQ4} {obis, value, unit}, with value in Wh / varh (exact from uWh
 * truncated to mWh: at most 3 decimals), tariffs {T1..T8} {A+, A-, R+, R-}, clock,
 * active_tariff, demand, billing (with the billing profile's rows), load_profile, daily, events
 * (every log with its entries and the power failure counters), store, power_ups,
 * instantaneous {...} (null before the first window), and board {breaker, load1, load2 ("closed"
 * / "open", a relay the model has), welded, inputs, s0_pulses, disconnect_control_state,
 * alarm_register_1, alarm_register_2, error_register, credit_wh (a model with breaker)}. README "The virtual meter" lists them.
 * m is not const: reading profiles and logs reads the flash through m->store. */
int report_json(FILE *f, struct mfw_meter *m, const struct report_info *ri);

#endif /* METERD_REPORT_H */
