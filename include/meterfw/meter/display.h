/* SPDX-License-Identifier: Apache-2.0 */
/* display: what the meter's LCD shows, core logic only (no I/O; a port draws the frame).
 *
 * A rotating display list as a meter shows it: each item is an OBIS code, a value text as the
 * digit cells show it, a unit and the indicator flags (phases present, energy direction arrow,
 * quadrant, active tariff).
 *
 * Value texts (8 digit cells; a '.' or ':' is a segment between cells, so it adds a character):
 *  - energy registers in kWh with 3 decimals, zero padded like a counter: "00123.456". The value
 *    is TRUNCATED, never rounded up, as a mechanical register shows it: the display must never
 *    show energy that has not been registered yet. Above 99999.999 kWh the point moves right
 *    (2, 1, 0 decimals) so no leading digit is lost; above 99999999 kWh the counter rolls over.
 *  - instantaneous values space padded, ROUNDED to the nearest last digit (they are
 *    measurements, not registers): voltage in V with 1 decimal, current in A with 2, active
 *    power in kW with 3. P+ / P- items show the import / export part of the phase power (the
 *    other is 0.000). Before the first measurement window the value is "--------".
 *  - 0.9.1 time "hh:mm:ss" and 0.9.2 date "YY-MM-DD", both in UTC (the unit says "UTC"; local
 *    time and DST come with the clock issue).
 *  - 0.0.96.14.0 active tariff "T1".."T8" (the meter's time-of-use calendar).
 */
#ifndef METERFW_METER_DISPLAY_H
#define METERFW_METER_DISPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/options.h"

#include "meterfw/base/time.h"
#include "meterfw/meter/meter.h"

#define MFW_DISPLAY_DIGITS 8
enum mfw_display_arrow {
    MFW_DISPLAY_ARROW_NONE = 0,   /* no phase above the creep threshold */
    MFW_DISPLAY_ARROW_IMPORT = 1, /* total P >= 0 */
    MFW_DISPLAY_ARROW_EXPORT = 2, /* total P < 0 */
};

/* One rendered screen. All texts NUL-terminated. */
struct mfw_display_frame {
    char obis[16];  /* e.g. "1.8.0", "0.0.96.14.0" */
    char value[16]; /* e.g. "00123.456", "   230.1", "12:34:56", "T1" */
    char unit[8];   /* e.g. "kWh", "V", "A", "kW", "UTC", "" */
    uint8_t item;   /* index in the list, 0-based */
    uint8_t n_items;
    uint8_t phases;                     /* 1 or 3: how many phase indicators the LCD has */
    bool phase_present[MFW_PHASES_MAX]; /* voltage present on L1/L2/L3 */
    enum mfw_display_arrow arrow;
    uint8_t quadrant; /* 1..4 of the total P,Q (metrology.h definitions; |Q| below
                       * MFW_DISPLAY_Q_ZERO_VAR counts as 0); 0 with no arrow */
    uint8_t tariff;   /* active tariff 1..8 */
    /* revenue annunciators: the breaker (a model with breaker): its Disconnect control state
     * (Blue Book IC 70: 0 disconnected, 1 connected, 2 ready for reconnection) + 1, 0 without
     * breaker; the load relays 1, 2 closed; the credit low / used up (prepayment active); an
     * alarm latched (alarm register 1 or 2 not 0) */
    uint8_t breaker;
    uint8_t n_relays;
    bool relay[2];
    bool credit_low, credit_out;
    bool alarm;
};

struct mfw_display {
    uint8_t items[MFW_DISPLAY_ITEMS_MAX]; /* ids in the display catalogue (display.c) */
    uint8_t n_items;
    uint8_t index; /* item shown now */
    uint8_t phases;
    uint32_t ms_per_item; /* MFW_DISPLAY_MS_PER_ITEM */
    mfw_ms_t last_switch; /* time the shown item came up */
    bool started;         /* last_switch is valid */
};

/* The standard list of a model: energies (totals, then per phase), voltages, currents, P+ and
 * P- per phase, time, date, tariff. A 162M has no L2/L3 items. MFW_OK or MFW_E_ARG. */
int mfw_display_init(struct mfw_display *d, enum mfw_meter_model model);

/* Rotates the list: one item per ms_per_item of `now`; the first call starts the clock. If time
 * jumps, it moves on by the whole items elapsed. A step back in time restarts the item's time.
 * Returns true if the shown item changed. */
bool mfw_display_step(struct mfw_display *d, mfw_ms_t now);

/* Renders the shown item of meter m at time now. */
void mfw_display_render(const struct mfw_display *d, const struct mfw_meter *m, mfw_ms_t now,
                        struct mfw_display_frame *out);

#endif /* METERFW_METER_DISPLAY_H */
