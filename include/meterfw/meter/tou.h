/* SPDX-License-Identifier: Apache-2.0 */
/* calendar: time-of-use tariff selection as the Blue Book describes it:
 *   IC 20 Activity calendar (0.0.13.0.0.255): active and passive calendars made of a season
 *     profile (attr 3 / 7), a week profile table (attr 4 / 8) and a day profile table
 *     (attr 5 / 9), the passive calendar's activation time (attr 10) and the method
 *     activate_passive_calendar (m1);
 *   IC 11 Special days table (0.0.11.0.0.255): entries {index, date with wildcards, day_id}
 *     that override the week profile, methods insert (m1) and delete (m2).
 * Day actions run the tariffication script (Script table 0.0.10.0.100.255) with
 * script_selector = tariff 1..8; the script's logical name is always that one, so only the
 * selector is kept here (the cosem layer adds the name).
 *
 * All lookups are in LOCAL time (struct mfw_local_time from mfw_clock_local): a 06:00 switch happens at
 * 06:00 on the wall clock, whatever the DST state.
 *
 * Sizes are compile-time options (override with -D):
 *   MFW_TOU_SEASONS_MAX 4, MFW_TOU_WEEKS_MAX 4, MFW_TOU_DAYS_MAX 8, MFW_TOU_ACTIONS_MAX 8 (per day profile),
 *   MFW_TOU_SPECIAL_DAYS_MAX 32, MFW_TOU_NAME_MAX 8 (bytes of an octet-string name), MFW_TARIFFS 8.
 * Each count must fit a byte (the encoding stores it in one). */
#ifndef METERFW_METER_TOU_H
#define METERFW_METER_TOU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"

#include "meterfw/base/time.h"
#include "meterfw/meter/clock.h"

/* Wildcards of a COSEM date (Blue Book "date" [M]). */
#define MFW_TOU_YEAR_ANY 0xFFFFu
#define MFW_TOU_ANY 0xFFu          /* month, day_of_month, day_of_week, hour, minute, second */
#define MFW_TOU_DOM_LAST 0xFEu     /* day_of_month: last day of the month */
#define MFW_TOU_DOM_2ND_LAST 0xFDu /* day_of_month: second last day of the month */

/* Tariff used when the calendar cannot answer (see mfw_tou_tariff_checked). */
#define MFW_TOU_FALLBACK_TARIFF 1u

/* A COSEM octet-string name (season, week or calendar name). Bytes past len are zero. */
struct mfw_tou_name {
    uint8_t len; /* 0..MFW_TOU_NAME_MAX */
    uint8_t b[MFW_TOU_NAME_MAX];
};

struct mfw_tou_date {
    uint16_t year;        /* or MFW_TOU_YEAR_ANY */
    uint8_t month;        /* 1..12 or MFW_TOU_ANY */
    uint8_t day_of_month; /* 1..31, MFW_TOU_DOM_LAST, MFW_TOU_DOM_2ND_LAST or MFW_TOU_ANY */
    uint8_t day_of_week;  /* 1 = Monday .. 7 = Sunday or MFW_TOU_ANY */
};

struct mfw_tou_time {
    uint8_t hour, minute, second; /* 0..23, 0..59, 0..59 (MFW_TOU_ANY only where documented) */
};

struct mfw_tou_date_time {
    struct mfw_tou_date date;
    struct mfw_tou_time time;
};

/* IC 20 season_profile element {season_profile_name, season_start, week_name}. season_start:
 * year MFW_TOU_YEAR_ANY (every year) or a given year (once), month 1..12, day_of_month 1..31 (a
 * 29..31 that a month lacks = its last day); day_of_week is ignored; time fields MFW_TOU_ANY = 0. */
struct mfw_tou_season {
    struct mfw_tou_name name;
    struct mfw_tou_date_time start;
    struct mfw_tou_name week_name;
};

/* IC 20 week_profile_table element {week_profile_name, monday .. sunday day_id}. */
struct mfw_tou_week {
    struct mfw_tou_name name;
    uint8_t day_id[7]; /* [0] = Monday .. [6] = Sunday */
};

/* IC 20 day_profile_action {start_time, script_logical_name, script_selector}. */
struct mfw_tou_day_action {
    struct mfw_tou_time start;
    uint16_t script_selector; /* = tariff 1..MFW_TARIFFS */
};

/* IC 20 day_profile element {day_id, day_schedule}; actions sorted by start, strictly. */
struct mfw_tou_day {
    uint8_t day_id;
    uint8_t n;
    struct mfw_tou_day_action actions[MFW_TOU_ACTIONS_MAX];
};

struct mfw_tou_calendar {
    struct mfw_tou_name name; /* calendar_name */
    uint8_t n_seasons, n_weeks, n_days;
    struct mfw_tou_season seasons[MFW_TOU_SEASONS_MAX];
    struct mfw_tou_week weeks[MFW_TOU_WEEKS_MAX];
    struct mfw_tou_day days[MFW_TOU_DAYS_MAX];
};

/* IC 11 spec_day_entry {index, specialday_date, day_id}. date: any wildcards; year/month/day
 * MFW_TOU_ANY match anything, MFW_TOU_DOM_LAST / _2ND_LAST the last / second last day, a day_of_week
 * other than MFW_TOU_ANY must match too. day_id refers to a day profile of the ACTIVE calendar. */
struct mfw_tou_special_day {
    uint16_t index;
    struct mfw_tou_date date;
    uint8_t day_id;
};

/* The meter's time-of-use state: IC 20 + IC 11. The caller owns it. */
struct mfw_tou {
    struct mfw_tou_calendar active, passive;
    /* IC 20 attr 10 activate_passive_calendar_time, local time. All fields not specified =
     * no activation (Blue Book: partial wildcards are not allowed [M]). */
    struct mfw_tou_date_time passive_activation;
    bool passive_pending;         /* the activation above has not happened yet */
    mfw_ms_t last_activation_utc; /* when passive last became active (0.0.96.2.7.255), or -1 */
    uint8_t n_special;
    struct mfw_tou_special_day
        special[MFW_TOU_SPECIAL_DAYS_MAX]; /* sorted by index, unique index */
};

/* Empty calendars, no special days, no pending activation. */
void mfw_tou_init(struct mfw_tou *t);

/* MFW_OK, or MFW_E_RANGE for a calendar that cannot be used: no season / week / day profile,
 * counts or name lengths beyond the options, a season referring to a missing week name, a week
 * referring to a missing day_id, duplicate week names or day_ids, a day profile with no action,
 * actions not strictly increasing in start time, times out of range, a tariff outside
 * 1..MFW_TARIFFS, a bad season start. MFW_E_ARG for NULL. */
int mfw_tou_validate(const struct mfw_tou_calendar *cal);
/* The same checks without the cross references (season -> week, week -> day): for a COSEM
 * client writing attributes 6..9 one at a time, which leaves the passive calendar half-written
 * in between. mfw_tou_activate_now / mfw_tou_tick check the full mfw_tou_validate before activating. */
int mfw_tou_validate_parts(const struct mfw_tou_calendar *cal);

/* Write the whole passive calendar: mfw_tou_validate, then copy. On error nothing changes. */
int mfw_tou_set_passive(struct mfw_tou *t, const struct mfw_tou_calendar *cal);
/* Write IC 20 attr 10. all-wildcard = cancel; a complete, valid local date-time (day_of_week
 * MFW_TOU_ANY or the date's weekday) = pending; anything else MFW_E_RANGE, nothing changes. */
int mfw_tou_set_activation(struct mfw_tou *t, const struct mfw_tou_date_time *when);

/* Tariff 1..MFW_TARIFFS in force at local time lt (lt->weekday is recomputed from the date):
 *  - season: the one whose start most recently came at or before lt (a yearly start after lt
 *    in this year counts from the previous year, so January belongs to the last season of the
 *    year before); equal starts: the first in the table;
 *  - week profile: by the season's week_name;
 *  - day_id: the first special day (lowest index) matching the date, else the week's weekday;
 *  - action: the latest start <= time of day; before the first action of the day the last
 *    action of the previous day (its own season, week and special day) stays in force.
 * When a lookup fails (empty calendar, missing week name or day_id, tariff out of range, no
 * action on the day and the day before) the answer is MFW_TOU_FALLBACK_TARIFF and *inconsistent
 * (may be NULL) is set true; otherwise it is set false. */
uint8_t mfw_tou_tariff_checked(const struct mfw_tou *t, const struct mfw_local_time *lt,
                               bool *inconsistent);
uint8_t mfw_tou_tariff(const struct mfw_tou *t, const struct mfw_local_time *lt);

/* Once per tick, before mfw_tou_tariff: when a pending activation time is reached (lt >= the
 * activation local date-time), copy passive -> active, clear passive_pending, record utc in
 * last_activation_utc, set *activated (the meter logs IDIS event 9 "passive TOU activated").
 * If the passive calendar fails mfw_tou_validate at that moment, the activation is dropped
 * (pending cleared, active unchanged) and MFW_E_STATE is returned. The passive calendar stays
 * as it was (Blue Book keeps both; a later activation activates it again). */
int mfw_tou_tick(struct mfw_tou *t, const struct mfw_local_time *lt, mfw_ms_t utc, bool *activated);
/* IC 20 method 1 activate_passive_calendar: the same, now. MFW_E_STATE (nothing changes) when
 * the passive calendar fails mfw_tou_validate. Clears a pending activation. */
int mfw_tou_activate_now(struct mfw_tou *t, mfw_ms_t utc);

/* IC 11 method 1 insert(entry): an entry with the same index or the same date is overwritten
 * (Blue Book [M]); MFW_E_NOSPACE when full, MFW_E_RANGE for a bad date (month 1..12, day 1..31,
 * MFW_TOU_DOM_LAST / _2ND_LAST, weekday 1..7, each or MFW_TOU_ANY). */
int mfw_tou_special_insert(struct mfw_tou *t, const struct mfw_tou_special_day *entry);
/* IC 11 method 2 delete(index): MFW_E_RANGE when no entry has that index. */
int mfw_tou_special_delete(struct mfw_tou *t, uint16_t index);
/* Whether the local date is one of the special days table's (a holiday: the prepayment's
 * friendly periods). */
bool mfw_tou_special_day(const struct mfw_tou *t, const struct mfw_local_time *lt);

/* Persistent binary form of a struct mfw_tou (little endian, version byte, every count and length
 * bounded by the options above). MFW_TOU_ENCODED_MAX bytes are always enough. */
#define MFW_TOU_CAL_ENCODED_MAX                                                                    \
    (1 + MFW_TOU_NAME_MAX + 3 + MFW_TOU_SEASONS_MAX * (2 * (1 + MFW_TOU_NAME_MAX) + 8) +           \
     MFW_TOU_WEEKS_MAX * (1 + MFW_TOU_NAME_MAX + 7) +                                              \
     MFW_TOU_DAYS_MAX * (2 + MFW_TOU_ACTIONS_MAX * 5))
#define MFW_TOU_ENCODED_MAX                                                                        \
    (4 + 2 * MFW_TOU_CAL_ENCODED_MAX + 8 + 1 + 8 + 1 + MFW_TOU_SPECIAL_DAYS_MAX * 8)
/* MFW_E_NOSPACE if cap is too small, MFW_E_RANGE if a count or length exceeds the options. */
int mfw_tou_encode(const struct mfw_tou *t, uint8_t *buf, size_t cap, size_t *len);
/* MFW_E_FORMAT for anything but exactly one well-formed record (magic, version, counts, lengths,
 * booleans, trailing bytes); *t changes only on MFW_OK. Semantic checks are mfw_tou_validate's. */
int mfw_tou_decode(struct mfw_tou *t, const uint8_t *buf, size_t len);

#endif /* METERFW_METER_TOU_H */
