/* SPDX-License-Identifier: Apache-2.0 */
/* pulse: the S0 output (DIN 43864) and the metrology test LED. Energy in, pulses out at a
 * constant (imp/kWh). The sub-pulse remainder is kept exactly, and pulses that arrive faster than
 * the output can show them are owed, never dropped. */
#ifndef METERFW_METER_PULSE_H
#define METERFW_METER_PULSE_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/persist.h"
#include "meterfw/base/time.h"

struct mfw_pulse_output {
    uint64_t uwh_per_pulse; /* 1e9 / constant */
    uint64_t acc_uwh;       /* energy not yet turned into a pulse (< uwh_per_pulse) */
    uint32_t owed;          /* whole pulses due but not yet shown */
    uint16_t on_ms, off_ms; /* minimum pulse and pause durations */
    bool on;
    bool started;     /* edge_ms is valid */
    mfw_ms_t edge_ms; /* time of the last edge */
    uint64_t count;   /* pulses shown since init */
};

/* imp_per_kwh > 0 and must divide 1e9 for an exact constant (1000, 10000, 500, ... all do). */
int mfw_pulse_init(struct mfw_pulse_output *p, uint32_t imp_per_kwh, uint16_t on_ms,
                   uint16_t off_ms);
void mfw_pulse_add(struct mfw_pulse_output *p, uint64_t uwh);
/* Advances the output to `now` and returns the level it should have. Call at least every few ms
 * of the pulse width for accurate timing (mfw_meter_tick does). */
bool mfw_pulse_update(struct mfw_pulse_output *p, mfw_ms_t now);
/* The count, the remainder and the owed pulses in the STATE record (the output goes on across a
 * power cut: no pulse lost, none repeated but what a cut without warning loses with the
 * registers); restore into p initialised with its constant. A pulse on at power-down is over. */
void mfw_pulse_save(const struct mfw_pulse_output *p, struct mfw_wcursor *w);
void mfw_pulse_restore(struct mfw_pulse_output *p, struct mfw_persist_reader *r);

#endif /* METERFW_METER_PULSE_H */
