/* SPDX-License-Identifier: Apache-2.0 */
/* loadctl: the load-control relays (one or two, by model option: the brochure), which switch a
 * load of the customer's (a water heater, a heat pump) for the utility's load control.
 *
 * What switches a relay, the latest command winning:
 *  - the activity calendar: each relay has a set of tariffs in which it is on (tariff_on, bit
 *    t-1 for tariff t; 0 = the calendar leaves it alone); at every change of the active tariff
 *    (the calendar's tariff scripts) a relay with a set follows it, as a ripple-control receiver
 *    follows its tariff; a set written (0.k.96.50.1.255) takes effect at once, as such a change;
 *  - a script of 0.0.10.0.103.255 "set output signals" (script.h): on, off, shed, restore, run
 *    by a client (remote on / off), a single action schedule (0.0.15.0.3.255, 0.1.15.0.3.255) or
 *    the limiter's actions (demand response: shed while over the threshold);
 *  - a timed on, "on for N minutes" (0.k.96.50.0.255, written by a client): on now, and when the
 *    time is up back to what the calendar says (off without a set).
 * A shed relay is open whatever the others say, until restored.
 *
 * State: the status word 0.0.96.3.2.255 "state of the output control signals" (bit k-1 =
 * relay k closed, as the relay reports it; Blue Book OBIS [V: Gurux OBISCodes.txt]), on the
 * display and capturable in the profiles. */
#ifndef METERFW_METER_LOADCTL_H
#define METERFW_METER_LOADCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/persist.h"
#include "meterfw/base/time.h"

/* At least one slot, so a model without load relays still compiles its (empty) arrays. */
#define MFW_LOADCTL_SLOTS (MFW_LOAD_RELAYS_MAX > 0 ? MFW_LOAD_RELAYS_MAX : 1)

struct mfw_loadctl_config {
    uint8_t tariff_on[MFW_LOADCTL_SLOTS]; /* bit t-1: on in tariff t; 0 = not by the calendar */
};

struct mfw_loadctl {
    uint8_t relays;                        /* the model's relays, 0..MFW_LOAD_RELAYS_MAX */
    bool wanted[MFW_LOADCTL_SLOTS];        /* what the last command said */
    bool shed;                             /* demand response: every relay open */
    mfw_ms_t timer_end[MFW_LOADCTL_SLOTS]; /* a timed on ends here (0: none) */
    uint8_t tariff;                        /* the tariff of the last tick (0: none yet) */
};

void mfw_loadctl_default_config(struct mfw_loadctl_config *c);
void mfw_loadctl_init(struct mfw_loadctl *l, uint8_t relays);

/* Relay k (0-based) as commanded: wanted and not shed. */
bool mfw_loadctl_closed(const struct mfw_loadctl *l, unsigned k);
/* A script of "set output signals" (1..6, script.h): MFW_OK, MFW_E_RANGE for another selector or
 * a relay the model does not have. */
int mfw_loadctl_script(struct mfw_loadctl *l, uint16_t selector);
/* Relay k on for `minutes` from now (1..1440), or off and the timer cancelled (0). */
int mfw_loadctl_timed(struct mfw_loadctl *l, unsigned k, uint32_t minutes, mfw_ms_t now);
/* Minutes left of relay k's timed on, rounded up (0: none). */
uint32_t mfw_loadctl_minutes_left(const struct mfw_loadctl *l, unsigned k, mfw_ms_t now);
/* Each tick with the active tariff: a tariff change switches the relays with a set, a timer that
 * ran out ends. */
void mfw_loadctl_tick(struct mfw_loadctl *l, const struct mfw_loadctl_config *c, uint8_t tariff,
                      mfw_ms_t now);

void mfw_loadctl_save(const struct mfw_loadctl *l, struct mfw_wcursor *w);
void mfw_loadctl_restore(struct mfw_loadctl *l, struct mfw_persist_reader *r);

#endif /* METERFW_METER_LOADCTL_H */
