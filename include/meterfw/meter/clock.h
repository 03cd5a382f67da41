/* SPDX-License-Identifier: Apache-2.0 */
/* clock: the meter's time. UTC inside; local time (time zone + daylight saving) only at the edges
 * (display, tariff calendar, COSEM Clock IC 8 attributes).
 *
 * The port's RTC runs on its own (battery / supercap while the meter is without power); the
 * clock module never writes it. Meter time = RTC time + offset_ms: setting or shifting the
 * clock changes the offset, so the RTC stays monotonic and the change is an exact difference
 * (old and new meter time go into the RTC event log).
 *
 * Daylight saving follows the Blue Book IC 8 (Clock) attributes 5..8: daylight_savings_begin,
 * daylight_savings_end (date-times with wildcards), daylight_savings_deviation (minutes) and
 * daylight_savings_enabled. The default is the EU rule of directive 2000/84/EC art. 2 and 3:
 * summer time starts at 01:00 UTC on the last Sunday of March and ends at 01:00 UTC on the last
 * Sunday of October. */
#ifndef METERFW_METER_CLOCK_H
#define METERFW_METER_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/time.h"

/* COSEM date wildcards / special values (Blue Book 4.1.6.1 "date" [M]). */
#define MFW_CLOCK_NOT_SPECIFIED 0xFFu /* day_of_month / day_of_week not specified */
#define MFW_CLOCK_DOM_LAST 0xFEu      /* day_of_month: last day of the month */
#define MFW_CLOCK_DOM_2ND_LAST 0xFDu  /* day_of_month: second last day of the month */

/* Clock status bits, Blue Book IC 8 attribute 4 "status" (mfw_clock_status, unsigned8). */
#define MFW_CLOCK_STATUS_INVALID 0x01u   /* invalid value: the time is not known */
#define MFW_CLOCK_STATUS_DOUBTFUL 0x02u  /* doubtful value: the time may be wrong */
#define MFW_CLOCK_STATUS_DIFF_BASE 0x04u /* different clock base (never set: one crystal RTC) */
#define MFW_CLOCK_STATUS_INVALID_STATUS 0x08u /* invalid clock status (never set) */
#define MFW_CLOCK_STATUS_DST 0x80u            /* daylight saving active */

/* COSEM shift_time (IC 8 method 6): the argument is long, -900..900 seconds. */
#define MFW_CLOCK_SHIFT_MAX_S 900

/* One daylight-saving change point: a COSEM date-time with wildcards as written to
 * daylight_savings_begin / _end, reduced to what a yearly rule needs.
 *
 * Day selection (Blue Book "date": with both day_of_month and day_of_week given, the day is the
 * first day_of_week on or after day_of_month; 0xFE = last day, 0xFD = second last):
 *   day_of_month 1..31, day_of_week 0xFF : that day; 29..31 in a shorter month -> its last day.
 *   day_of_month 1..31, day_of_week 1..7 : the first such weekday on or after day_of_month
 *                                          (25 + Sunday = last Sunday of a 31-day month,
 *                                          8 + Sunday = second Sunday). day_of_month + 6 must
 *                                          stay inside the month in every year (<= 22 in Feb).
 *   day_of_month 0xFE / 0xFD, day_of_week 0xFF: the last / second last day of the month.
 *   day_of_month 0xFE / 0xFD, day_of_week 1..7: the last such weekday on or before the last /
 *                                          second last day (our choice for 0xFD + weekday).
 *   day_of_month 0xFF is rejected (a yearly rule needs a day); so is month 0xFF/0xFD/0xFE.
 *
 * hour:minute is LOCAL STANDARD time (UTC + utc_offset_min, without the deviation) for both
 * points. EU/CET: begin 02:00 standard, end 02:00 standard (= 03:00 on the summer-time wall
 * clock), both 01:00 UTC. A COSEM client that writes daylight_savings_end as the wall-clock time
 * (03:00) must be mapped by the cosem layer: end.hour:minute = written time - deviation. */
struct mfw_clock_dst_point {
    uint8_t month;        /* 1..12 */
    uint8_t day_of_month; /* 1..31, MFW_CLOCK_DOM_LAST, MFW_CLOCK_DOM_2ND_LAST */
    uint8_t day_of_week;  /* 1 = Monday .. 7 = Sunday, MFW_CLOCK_NOT_SPECIFIED */
    uint8_t hour;         /* 0..23, local standard time */
    uint8_t minute;       /* 0..59 */
};

struct mfw_clock_config {
    /* Local standard time = UTC + utc_offset_min (east positive; CET = +60), -720..+840.
     * COSEM IC 8 attribute 3 time_zone is "the deviation of local, normal time to UTC in
     * minutes"; common clients (Gurux) and IDIS meters use the opposite sign, i.e.
     * time_zone = -utc_offset_min (CET -> -60). This is an [M] from-memory convention: check it
     * against the head-end before certification. mfw_clock_cosem_time_zone() does the mapping. */
    int16_t utc_offset_min;
    bool dst_enabled;                     /* IC 8 attr 8 daylight_savings_enabled */
    int16_t dst_deviation_min;            /* IC 8 attr 7, -120..120 minutes (60 in the EU) */
    struct mfw_clock_dst_point dst_begin; /* IC 8 attr 5 */
    struct mfw_clock_dst_point dst_end;   /* IC 8 attr 6 (in local STANDARD time, see above) */
};

/* One meter instance's clock. The caller owns it. */
struct mfw_clock {
    struct mfw_clock_config config;
    int64_t offset_ms; /* meter time = RTC time + offset_ms */
    bool invalid;      /* status 0x01: time unknown (RTC lost while without power) */
    bool doubtful;     /* status 0x02: time may be wrong (the meter may set it) */
};

/* The old and the new meter time of one change, for the RTC event log (IDIS events 4/5). */
struct mfw_clock_change {
    mfw_ms_t old_utc;
    mfw_ms_t new_utc;
};

/* Local (wall-clock) time of an instant. */
struct mfw_local_time {
    int64_t year;
    uint8_t month;      /* 1..12 */
    uint8_t day;        /* 1..31 */
    uint8_t hour;       /* 0..23 */
    uint8_t minute;     /* 0..59 */
    uint8_t second;     /* 0..59 */
    uint16_t ms;        /* 0..999 */
    uint8_t weekday;    /* ISO: 1 = Monday .. 7 = Sunday */
    bool dst;           /* daylight saving in force */
    int16_t offset_min; /* local - UTC in minutes, including the DST deviation */
};

/* CET with the EU rule (2000/84/EC): utc_offset 60, deviation 60, begin March last Sunday 02:00
 * standard, end October last Sunday 02:00 standard (03:00 summer time), i.e. 01:00 UTC both. */
struct mfw_clock_config mfw_clock_default_config(void);
/* MFW_OK or MFW_E_RANGE (offset, deviation, or a DST point outside the rules above) / MFW_E_ARG. */
int mfw_clock_config_validate(const struct mfw_clock_config *cfg);

/* cfg NULL = mfw_clock_default_config(). rtc_lost: the RTC did not keep running (backup exhausted),
 * so the clock starts invalid until mfw_clock_set. Offset 0. MFW_E_RANGE on a bad config. */
int mfw_clock_init(struct mfw_clock *c, const struct mfw_clock_config *cfg, bool rtc_lost);
/* Replace the zone/DST configuration (time itself unchanged). MFW_E_RANGE: nothing changes. */
int mfw_clock_set_config(struct mfw_clock *c, const struct mfw_clock_config *cfg);

/* Meter time (UTC ms) for a reading of the port's RTC. */
mfw_ms_t mfw_clock_now(const struct mfw_clock *c, mfw_ms_t rtc_ms);
/* Set the meter time to new_utc (IC 8 attr 2 write). Clears invalid and doubtful. out (may be
 * NULL) gets the old and the new meter time. MFW_E_RANGE if new_utc is before 1970 or after
 * 9999-12-31 (COSEM date-time years are 16 bit; we keep the civil range sane). */
int mfw_clock_set(struct mfw_clock *c, mfw_ms_t rtc_ms, mfw_ms_t new_utc,
                  struct mfw_clock_change *out);
/* IC 8 method 6 shift_time(seconds), -900..900 else MFW_E_RANGE and nothing changes. Clears
 * doubtful but NOT invalid: a relative correction of an unknown time leaves it unknown. */
int mfw_clock_shift(struct mfw_clock *c, mfw_ms_t rtc_ms, int32_t seconds,
                    struct mfw_clock_change *out);

/* IC 8 attribute 4 at meter time utc: CLOCK_STATUS_* bits. */
uint8_t mfw_clock_status(const struct mfw_clock *c, mfw_ms_t utc);
/* Daylight saving in force at utc (false when disabled or the deviation is 0). */
bool mfw_clock_dst_active(const struct mfw_clock *c, mfw_ms_t utc);
/* Local time of utc. */
void mfw_clock_local(const struct mfw_clock *c, mfw_ms_t utc, struct mfw_local_time *out);
/* UTC instant of a local wall-clock time (calendar boundaries: tariff switches, activation at
 * midnight). Fields past their range normalise arithmetically (day 32 = next month's 1st).
 *  - Non-existent local time (the hour skipped when the clock jumps forward): the instant of the
 *    jump, i.e. a switch at 02:30 on the spring day takes effect when the clock shows 03:00.
 *  - Ambiguous local time (the hour that repeats when the clock goes back): the FIRST
 *    occurrence (the earlier UTC instant, still on summer time), so a switch happens once. */
mfw_ms_t mfw_clock_utc_of_local(const struct mfw_clock *c, int64_t year, unsigned month,
                                unsigned day, unsigned hour, unsigned minute);
/* UTC instants of the DST begin and end of a (local standard time) year. MFW_E_STATE if DST is
 * disabled, MFW_E_RANGE for a bad config. */
int mfw_clock_dst_instants(const struct mfw_clock_config *cfg, int64_t year, mfw_ms_t *begin,
                           mfw_ms_t *end);
/* COSEM IC 8 attr 3 time_zone from our offset: -utc_offset_min (see clock_config, [M]). */
int16_t mfw_clock_cosem_time_zone(const struct mfw_clock_config *cfg);

#endif /* METERFW_METER_CLOCK_H */
