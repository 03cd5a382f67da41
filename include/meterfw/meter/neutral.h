/* SPDX-License-Identifier: Apache-2.0 */
/* neutral: a lost or bypassed neutral, from what the meter measures (references/metrology.md 4.2,
 * 4.3, 4.4).
 *
 * 382M, the displacement rule (Kamstrup 162M/382M Technical Description 5512-1040 §3.6.10 [V]):
 * with the neutral lost behind an unbalanced load the star point floats towards the heavier
 * phases, so the lightly loaded phases rise and a heavily loaded one falls. A fault is two
 * phases above high_v (VLHiTh, 253 V) and one below low_v (230 V - VNTh 40 V = 190 V), all for
 * time_ms (60 s). A symmetric load keeps the star point where it is (V_N = 0): nothing to detect,
 * and the rule cannot fire on it. Optionally earlier: the zero-sequence voltage
 * |U1 + U2 + U3| / 3 of the fundamental phasors is the star point's displacement itself (the
 * supply's own unbalance aside); above zero_seq_v for zero_seq_time_ms is a fault too (off with
 * zero_seq_v = 0).
 *
 * 162M: one phase has no star point to watch. It compares the phase and neutral currents: a
 * difference above max(mismatch_a, mismatch_ratio x the larger) for mismatch_time_ms is current
 * that returns another way (earth leakage, a neutral bypass: a tamper, fraud log 54 / 55), and a
 * voltage lost while a current above loss_current_a flows is a neutral cut with the load fed
 * through earth (fraud log 56, and the neutral fault 89). The meter's supply is that voltage, so
 * it sees this in the window in which its supply fails and logs it in its power-fail time.
 *
 * On a fault (382M): event 89 in the standard log with the phase below low_v, the alarm (register 2
 * bit 8, whose push carries the substation and grid-line identifiers), and, if disconnect is set
 * and the meter has a breaker, a local disconnection. The fault is over when the rule has not
 * held for clear_time_ms (event 98). With the breaker open the meter's own voltage inputs make
 * a balanced star: it cannot tell whether the neutral is back, so an automatic reconnection
 * (auto_reconnect, after the fault has been over for clear_time_ms) is a retry: a neutral still
 * lost is found again and disconnects again. Without auto_reconnect the breaker stays ready for
 * the customer's button or a remote reconnection. */
#ifndef METERFW_METER_NEUTRAL_H
#define METERFW_METER_NEUTRAL_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/persist.h"
#include "meterfw/base/time.h"
#include "meterfw/metrology/metrology.h"

struct mfw_neutral_config {
    bool enabled;
    double high_v, low_v; /* 253 V, 190 V */
    uint32_t time_ms;     /* 60 s */
    double zero_seq_v;    /* 0 = off */
    uint32_t zero_seq_time_ms;
    uint32_t clear_time_ms; /* 60 s */
    bool disconnect;        /* open the breaker on a fault (model with breaker) */
    bool auto_reconnect;    /* reconnect (h) when the fault is over */
    /* 162M */
    double mismatch_a, mismatch_ratio;
    uint32_t mismatch_time_ms;
    double loss_current_a;
};

/* What one window changed. */
struct mfw_neutral_result {
    bool fault;         /* a neutral fault was found (log 89) */
    bool restored;      /* the fault is over (log 98) */
    uint8_t phase;      /* the low phase of a fault, 1..3 (0: the zero-sequence rule) */
    bool mismatch;      /* a current mismatch began (log 54) */
    bool mismatch_gone; /* ... ended (log 55) */
    double u0_v;        /* the zero-sequence voltage of the window */
};

struct mfw_neutral {
    bool fault;        /* a fault is on */
    bool rule_pending; /* the rule holds (or, during a fault, does not), timing */
    mfw_ms_t rule_since;
    bool zs_pending;
    mfw_ms_t zs_since;
    bool mismatch; /* a current mismatch is on */
    bool mm_pending;
    mfw_ms_t mm_since;
    uint32_t faults; /* neutral faults found */
};

/* Defaults of a model: the Kamstrup rule, zero-sequence off, disconnect on, manual reconnection;
 * 162M: mismatch above 0.5 A and 6.25 % for 10 s, voltage loss with more than 0.5 A. */
void mfw_neutral_default_config(struct mfw_neutral_config *c, uint8_t phases);
/* MFW_OK or MFW_E_RANGE (thresholds not finite and ordered: 0 < low_v < high_v, ratio in
 * [0, 1), times over a day). */
int mfw_neutral_validate(const struct mfw_neutral_config *c);
void mfw_neutral_init(struct mfw_neutral *n);

/* One window of `phases` phases ending at now. */
void mfw_neutral_window(struct mfw_neutral *n, const struct mfw_neutral_config *c, uint8_t phases,
                        const struct mfw_metrology_values *v, mfw_ms_t now,
                        struct mfw_neutral_result *out);
/* 162M: the window in which the supply fails shows a current above loss_current_a. */
bool mfw_neutral_voltage_loss(const struct mfw_neutral_config *c,
                              const struct mfw_metrology_values *v);
/* The zero-sequence voltage |U1 + U2 + U3| / 3 of a window's fundamental phasors (V). */
double mfw_neutral_zero_sequence(const struct mfw_metrology_values *v, uint8_t phases);

void mfw_neutral_save(const struct mfw_neutral *n, struct mfw_wcursor *w);
void mfw_neutral_restore(struct mfw_neutral *n, struct mfw_persist_reader *r);

#endif /* METERFW_METER_NEUTRAL_H */
