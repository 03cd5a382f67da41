/* SPDX-License-Identifier: Apache-2.0 */
/* tamper: attempts on the meter installation, as the fraud detection log and the Blue Book's
 * tamper objects record them (references/idis-objects.md sections 6.1, 11; OBIS 0.0.96.20.x
 * [V: Gurux OBISCodes.txt]).
 *
 *   item                 start / end code       counter, time stamp, duration, cumulative
 *   meter cover open     44 / 45                0.0.96.20.0 / .1 / .2 / .3
 *   terminal cover open  40 / 41                0.0.96.20.5 / .6 / .7 / .8
 *   strong magnetic field 42 / 43               0.0.96.20.15 / .16 / .17 / .18
 *   metrology tamper     54 / 55 (current mismatch, neutral.h)  0.0.96.20.25 / .26 / .27 / .28
 *
 * The covers and the field sensor are HAL inputs (hal.inputs); an item starts on the input's
 * rising edge and ends on its falling edge, both logged at the tick that sees them. The time
 * stamp is the start of the current (or last) occurrence, the duration that of the current one
 * while it lasts and of the last one after, the cumulative duration all of them.
 *
 * Magnetic immunity: the 162M/382M measure current with shunts, which a magnet does not
 * influence (the brochure); the field sensor only tells that someone tried. Nothing in the
 * metrology reads it, and tests/test_tamper.c shows the energy unchanged while the event is
 * logged.
 *
 * Reverse energy where it is not expected (a customer without generation, export_expected
 * false): the total active power below -reverse_w for reverse_time_ms is event 52 (unexpected
 * export) in the fraud log, once per episode (it ends after the same time at or above zero). */
#ifndef METERFW_METER_TAMPER_H
#define METERFW_METER_TAMPER_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/persist.h"
#include "meterfw/base/time.h"

enum mfw_tamper_item_id {
    MFW_TAMPER_METER_COVER = 0,
    MFW_TAMPER_TERMINAL_COVER,
    MFW_TAMPER_MAGNETIC_FIELD,
    MFW_TAMPER_METROLOGY,
    MFW_TAMPER_ITEMS
};

struct mfw_tamper_config {
    bool export_expected;     /* generation behind the meter: export is not a tamper */
    double reverse_w;         /* 10 W: above the creep power of a phase (2.3 W) */
    uint32_t reverse_time_ms; /* 60 s */
};

struct mfw_tamper_item {
    bool active;
    uint32_t count;           /* occurrences */
    mfw_ms_t start;           /* start of the current or last occurrence (0: none yet) */
    int64_t last_duration_ms; /* of the last finished occurrence */
    int64_t cumulative_ms;    /* of the finished ones */
};

struct mfw_tamper {
    struct mfw_tamper_item item[MFW_TAMPER_ITEMS];
    uint32_t inputs;        /* the HAL inputs of the last tick (enum mfw_hal_input) */
    bool reverse;           /* an unexpected export episode is on (logged) */
    bool reverse_pending;   /* the power is past the threshold (or back), timing */
    mfw_ms_t reverse_since; /* when that began */
};

void mfw_tamper_default_config(struct mfw_tamper_config *c);
/* MFW_OK or MFW_E_RANGE (a threshold that is not positive and finite, a time over a day). */
int mfw_tamper_validate(const struct mfw_tamper_config *c);
void mfw_tamper_init(struct mfw_tamper *t);

/* The event codes of the input changes between the last inputs and these, at now, in
 * codes[0..n) (at most 3: the covers and the field); starts and ends the items. */
unsigned mfw_tamper_inputs(struct mfw_tamper *t, uint32_t inputs, mfw_ms_t now, uint16_t codes[3]);
/* An item other than the inputs' starts or ends (the metrology tamper). */
void mfw_tamper_begin(struct mfw_tamper *t, enum mfw_tamper_item_id id, mfw_ms_t now);
void mfw_tamper_end(struct mfw_tamper *t, enum mfw_tamper_item_id id, mfw_ms_t now);
/* One measurement window's total active power p_w at now: true when an unexpected export
 * episode is found (the caller logs 52). */
bool mfw_tamper_power(struct mfw_tamper *t, const struct mfw_tamper_config *c, double p_w,
                      mfw_ms_t now);
/* The item's duration of the current (active) or last occurrence, and the cumulative one, at
 * now (ms). */
int64_t mfw_tamper_duration_ms(const struct mfw_tamper_item *i, mfw_ms_t now);
int64_t mfw_tamper_cumulative_ms(const struct mfw_tamper_item *i, mfw_ms_t now);

/* The items, the inputs last seen and the export episode in the STATE record; restore checks
 * each (an active item has a start, durations not negative). */
void mfw_tamper_save(const struct mfw_tamper *t, struct mfw_wcursor *w);
void mfw_tamper_restore(struct mfw_tamper *t, struct mfw_persist_reader *r);

#endif /* METERFW_METER_TAMPER_H */
