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
 * All lookups are in LOCAL time (struct local_time from clock_local): a 06:00 switch happens at
 * 06:00 on the wall clock, whatever the DST state.
 *
 * Sizes are compile-time options (override with -D):
 *   CAL_SEASONS_MAX 4, CAL_WEEKS_MAX 4, CAL_DAYS_MAX 8, CAL_ACTIONS_MAX 8 (per day profile),
 *   CAL_SPECIAL_DAYS_MAX 32, CAL_NAME_MAX 8 (bytes of an octet-string name), MFW_TARIFFS 8.
 * Each count must fit a byte (the encoding stores it in one). */
#ifndef METERFW_METER_TOU_H
#define METERFW_METER_TOU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/meter/clock.h"
#include "meterfw/base/time.h"

#ifndef CAL_SEASONS_MAX
#define CAL_SEASONS_MAX 4
#endif
#ifndef CAL_WEEKS_MAX
#define CAL_WEEKS_MAX 4
#endif
#ifndef CAL_DAYS_MAX
#define CAL_DAYS_MAX 8
#endif
#ifndef CAL_ACTIONS_MAX
#define CAL_ACTIONS_MAX 8
#endif
#ifndef CAL_SPECIAL_DAYS_MAX
#define CAL_SPECIAL_DAYS_MAX 32
#endif
#ifndef CAL_NAME_MAX
#define CAL_NAME_MAX 8
#endif
#ifndef MFW_TARIFFS
#define MFW_TARIFFS 8
#endif

/* Wildcards of a COSEM date (Blue Book "date" [M]). */
#define CAL_YEAR_ANY 0xFFFFu
#define CAL_ANY 0xFFu       /* month, day_of_month, day_of_week, hour, minute, second */
#define CAL_DOM_LAST 0xFEu  /* day_of_month: last day of the month */
#define CAL_DOM_2ND_LAST 0xFDu /* day_of_month: second last day of the month */

/* Tariff used when the calendar cannot answer (see tou_tariff_checked). */
#define TOU_FALLBACK_TARIFF 1u

/* A COSEM octet-string name (season, week or calendar name). Bytes past len are zero. */
struct cal_name {
    uint8_t len; /* 0..CAL_NAME_MAX */
    uint8_t b[CAL_NAME_MAX];
};

struct cal_date {
    uint16_t year;         /* or CAL_YEAR_ANY */
    uint8_t month;         /* 1..12 or CAL_ANY */
    uint8_t day_of_month;  /* 1..31, CAL_DOM_LAST, CAL_DOM_2ND_LAST or CAL_ANY */
    uint8_t day_of_week;   /* 1 = Monday .. 7 = Sunday or CAL_ANY */
};

struct cal_time {
    uint8_t hour, minute, second; /* 0..23, 0..59, 0..59 (CAL_ANY only where documented) */
};

struct cal_date_time {
    struct cal_date date;
    struct cal_time time;
};

/* IC 20 season_profile element {season_profile_name, season_start, week_name}. season_start:
 * year CAL_YEAR_ANY (every year) or a given year (once), month 1..12, day_of_month 1..31 (a
 * 29..31 that a month lacks = its last day); day_of_week is ignored; time fields CAL_ANY = 0. */
struct cal_season {
    struct cal_name name;
    struct cal_date_time start;
    struct cal_name week_name;
};

/* IC 20 week_profile_table element {week_profile_name, monday .. sunday day_id}. */
struct cal_week {
    struct cal_name name;
    uint8_t day_id[7]; /* [0] = Monday .. [6] = Sunday */
};

/* IC 20 day_profile_action {start_time, script_logical_name, script_selector}. */
struct cal_day_action {
    struct cal_time start;
    uint16_t script_selector; /* = tariff 1..MFW_TARIFFS */
};

/* IC 20 day_profile element {day_id, day_schedule}; actions sorted by start, strictly. */
struct cal_day {
    uint8_t day_id;
    uint8_t n;
    struct cal_day_action actions[CAL_ACTIONS_MAX];
};

struct calendar {
    struct cal_name name; /* calendar_name */
    uint8_t n_seasons, n_weeks, n_days;
    struct cal_season seasons[CAL_SEASONS_MAX];
    struct cal_week weeks[CAL_WEEKS_MAX];
    struct cal_day days[CAL_DAYS_MAX];
};

/* IC 11 spec_day_entry {index, specialday_date, day_id}. date: any wildcards; year/month/day
 * CAL_ANY match anything, CAL_DOM_LAST / _2ND_LAST the last / second last day, a day_of_week
 * other than CAL_ANY must match too. day_id refers to a day profile of the ACTIVE calendar. */
struct special_day {
    uint16_t index;
    struct cal_date date;
    uint8_t day_id;
};

/* The meter's time-of-use state: IC 20 + IC 11. The caller owns it. */
struct tou {
    struct calendar active, passive;
    /* IC 20 attr 10 activate_passive_calendar_time, local time. All fields not specified =
     * no activation (Blue Book: partial wildcards are not allowed [M]). */
    struct cal_date_time passive_activation;
    bool passive_pending;   /* the activation above has not happened yet */
    mfw_ms_t last_activation_utc; /* when passive last became active (0.0.96.2.7.255), or -1 */
    uint8_t n_special;
    struct special_day special[CAL_SPECIAL_DAYS_MAX]; /* sorted by index, unique index */
};

/* Empty calendars, no special days, no pending activation. */
void tou_init(struct tou *t);

/* MFW_OK, or MFW_E_RANGE for a calendar that cannot be used: no season / week / day profile,
 * counts or name lengths beyond the options, a season referring to a missing week name, a week
 * referring to a missing day_id, duplicate week names or day_ids, a day profile with no action,
 * actions not strictly increasing in start time, times out of range, a tariff outside
 * 1..MFW_TARIFFS, a bad season start. MFW_E_ARG for NULL. */
int tou_validate(const struct calendar *cal);
/* The same checks without the cross references (season -> week, week -> day): for a COSEM
 * client writing attributes 6..9 one at a time, which leaves the passive calendar half-written
 * in between. tou_activate_now / tou_tick check the full tou_validate before activating. */
int tou_validate_parts(const struct calendar *cal);

/* Write the whole passive calendar: tou_validate, then copy. On error nothing changes. */
int tou_set_passive(struct tou *t, const struct calendar *cal);
/* Write IC 20 attr 10. all-wildcard = cancel; a complete, valid local date-time (day_of_week
 * CAL_ANY or the date's weekday) = pending; anything else MFW_E_RANGE, nothing changes. */
int tou_set_activation(struct tou *t, const struct cal_date_time *when);

/* Tariff 1..MFW_TARIFFS in force at local time lt (lt->weekday is recomputed from the date):
 *  - season: the one whose start most recently came at or before lt (a yearly start after lt
 *    in this year counts from the previous year, so January belongs to the last season of the
 *    year before); equal starts: the first in the table;
 *  - week profile: by the season's week_name;
 *  - day_id: the first special day (lowest index) matching the date, else the week's weekday;
 *  - action: the latest start <= time of day; before the first action of the day the last
 *    action of the previous day (its own season, week and special day) stays in force.
 * When a lookup fails (empty calendar, missing week name or day_id, tariff out of range, no
 * action on the day and the day before) the answer is TOU_FALLBACK_TARIFF and *inconsistent
 * (may be NULL) is set true; otherwise it is set false. */
uint8_t tou_tariff_checked(const struct tou *t, const struct local_time *lt, bool *inconsistent);
uint8_t tou_tariff(const struct tou *t, const struct local_time *lt);

/* Once per tick, before tou_tariff: when a pending activation time is reached (lt >= the
 * activation local date-time), copy passive -> active, clear passive_pending, record utc in
 * last_activation_utc, set *activated (the meter logs IDIS event 9 "passive TOU activated").
 * If the passive calendar fails tou_validate at that moment, the activation is dropped
 * (pending cleared, active unchanged) and MFW_E_STATE is returned. The passive calendar stays
 * as it was (Blue Book keeps both; a later activation activates it again). */
int tou_tick(struct tou *t, const struct local_time *lt, mfw_ms_t utc, bool *activated);
/* IC 20 method 1 activate_passive_calendar: the same, now. MFW_E_STATE (nothing changes) when
 * the passive calendar fails tou_validate. Clears a pending activation. */
int tou_activate_now(struct tou *t, mfw_ms_t utc);

/* IC 11 method 1 insert(entry): an entry with the same index or the same date is overwritten
 * (Blue Book [M]); MFW_E_NOSPACE when full, MFW_E_RANGE for a bad date (month 1..12, day 1..31,
 * CAL_DOM_LAST / _2ND_LAST, weekday 1..7, each or CAL_ANY). */
int tou_special_insert(struct tou *t, const struct special_day *entry);
/* IC 11 method 2 delete(index): MFW_E_RANGE when no entry has that index. */
int tou_special_delete(struct tou *t, uint16_t index);

/* Persistent binary form of a struct tou (little endian, version byte, every count and length
 * bounded by the options above). TOU_ENCODED_MAX bytes are always enough. */
#define TOU_CAL_ENCODED_MAX                                                                    \
    (1 + CAL_NAME_MAX + 3 + CAL_SEASONS_MAX * (2 * (1 + CAL_NAME_MAX) + 8) +                   \
     CAL_WEEKS_MAX * (1 + CAL_NAME_MAX + 7) + CAL_DAYS_MAX * (2 + CAL_ACTIONS_MAX * 5))
#define TOU_ENCODED_MAX                                                                        \
    (4 + 2 * TOU_CAL_ENCODED_MAX + 8 + 1 + 8 + 1 + CAL_SPECIAL_DAYS_MAX * 8)
/* MFW_E_NOSPACE if cap is too small, MFW_E_RANGE if a count or length exceeds the options. */
int tou_encode(const struct tou *t, uint8_t *buf, size_t cap, size_t *len);
/* MFW_E_FORMAT for anything but exactly one well-formed record (magic, version, counts, lengths,
 * booleans, trailing bytes); *t changes only on MFW_OK. Semantic checks are tou_validate's. */
int tou_decode(struct tou *t, const uint8_t *buf, size_t len);

#endif /* METERFW_METER_TOU_H */
