/* SPDX-License-Identifier: Apache-2.0 */
/* billing: the end-of-billing-period schedule, as the IDIS single action schedule
 * 0.0.15.0.0.255 (IC 22, Blue Book / IEC 62056-6-2 4.5.4) that runs the end-of-billing script
 * 0.0.10.0.1.255 (Script table IC 9), plus the billing period counter 0.0.0.1.0.255 and the time
 * stamp of the last billing 0.0.0.1.2.255 (the IDIS object list).
 *
 * execution_time is a list of (time, date) entries. Time is hh:mm:ss without wildcards (IC 22
 * types 1..3); the date may use wildcards. All instants are LOCAL wall-clock date-times
 * (struct mfw_local_time of meterfw/meter/clock.h): "00:00 on the 1st" means midnight on the wall clock,
 * whatever the DST state. Default: 00:00:00 local on day 1 of every month.
 *
 * A day matches an entry when every specified field matches (year, month, day_of_month,
 * day_of_week); MFW_CLOCK_DOM_LAST / MFW_CLOCK_DOM_2ND_LAST select the last / second last day of the
 * month. A fixed day_of_month 29..31 does not occur in a shorter month (no billing that month):
 * use MFW_CLOCK_DOM_LAST for "end of month".
 *
 * mfw_billing_due(prev, now) is true when a scheduled instant lies in (prev, now], and then counts
 * the billing. Several instants in one interval (the meter was off across them) give ONE
 * billing at power-up: the snapshot can only hold the registers as they are now, so IDIS meters
 * close one billing period for the whole outage (documented choice, see billing.c). The same
 * wall-clock instant never triggers twice in a row (the repeated hour at the end of DST, or a
 * clock set back by less than a period).
 */
#ifndef METERFW_METER_BILLING_H
#define METERFW_METER_BILLING_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/persist.h"

#include "meterfw/meter/clock.h"

#define MFW_BILLING_YEAR_ANY 0xFFFFu /* COSEM date: year not specified */
#define MFW_BILLING_ANY 0xFFu /* COSEM date: month / day_of_month / day_of_week not specified */

/* One execution_time element: {time, date} (Blue Book IC 22 attr 4). */
struct mfw_billing_entry {
    uint8_t hour, minute, second; /* 0..23, 0..59, 0..59: no wildcards */
    uint16_t year;                /* or MFW_BILLING_YEAR_ANY */
    uint8_t month;                /* 1..12 or MFW_BILLING_ANY (DST months 0xFE/0xFD: unsupported) */
    uint8_t day_of_month; /* 1..31, MFW_CLOCK_DOM_LAST, MFW_CLOCK_DOM_2ND_LAST or MFW_BILLING_ANY */
    uint8_t day_of_week;  /* 1 = Monday .. 7 = Sunday or MFW_BILLING_ANY */
};

struct mfw_billing_config {
    uint8_t entries; /* 0 = no scheduled billing (manual mfw_billing_trigger only) */
    struct mfw_billing_entry e[MFW_BILLING_ENTRIES_MAX];
};

struct mfw_billing {
    struct mfw_billing_config config;
    uint32_t counter; /* 0.0.0.1.0.255 billing period counter (VZ = counter % 100) */
    bool billed;      /* last_billing is valid */
    struct mfw_local_time last_billing; /* 0.0.0.1.2.255: local time the last billing ran */
    bool have_sched;                    /* last_sched_key is valid */
    int64_t last_sched_key; /* wall-clock key (ms) of the last scheduled instant billed */
};

/* 00:00:00 on day 1 of every month, every year, any weekday. */
void mfw_billing_default_config(struct mfw_billing_config *cfg);
/* MFW_OK, MFW_E_ARG (NULL), MFW_E_RANGE (a field outside the ranges above). */
int mfw_billing_init(struct mfw_billing *b, const struct mfw_billing_config *cfg);

/* True when a scheduled instant lies in the wall-clock interval (prev, now]: the billing is
 * counted (counter + 1, last_billing = *now) and the caller runs the end-of-billing script
 * (billing snapshot, mfw_demand_reset, ...). False otherwise, and for a NULL prev or now, or now not
 * after prev (the wall clock went back). Bounded: the search looks back at most 400 years. */
bool mfw_billing_due(struct mfw_billing *b, const struct mfw_local_time *prev,
                     const struct mfw_local_time *now);

/* A billing run outside the schedule (script executed by a client, or a button): counted the
 * same way. */
void mfw_billing_trigger(struct mfw_billing *b, const struct mfw_local_time *now);

/* The wall-clock key (ms since 1970-01-01 00:00 on the local wall clock) mfw_billing_due uses. */
int64_t mfw_billing_key(const struct mfw_local_time *t);

/* The running state (counter, last billing, last scheduled instant) in the STATE record, field by
 * field; restore checks each (a local time that is a real date, a key that is one) into b, which
 * holds its configuration: restore into a copy, r keeps the first bad field. */
void mfw_billing_save(const struct mfw_billing *b, struct mfw_wcursor *w);
void mfw_billing_restore(struct mfw_billing *b, struct mfw_persist_reader *r);

#endif /* METERFW_METER_BILLING_H */
