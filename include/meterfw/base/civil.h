/* SPDX-License-Identifier: Apache-2.0 */
/* civil: proleptic Gregorian dates <-> days since 1970-01-01 (H. Hinnant, "chrono-compatible
 * low-level date algorithms": days_from_civil / civil_from_days), and weekday. Valid over the
 * whole range an int64 day count and a uint32-sized year can hold; no tables, no globals. */
#ifndef METERFW_BASE_CIVIL_H
#define METERFW_BASE_CIVIL_H

#include <stdint.h>

struct mfw_civil_date {
    int64_t year;
    unsigned month; /* 1..12 */
    unsigned day;   /* 1..31 */
};

int64_t mfw_civil_days_from_date(int64_t y, unsigned m, unsigned d);
struct mfw_civil_date mfw_civil_date_from_days(int64_t days);
/* ISO weekday of a day count: 1 = Monday .. 7 = Sunday (1970-01-01 was a Thursday, 4). */
unsigned mfw_civil_weekday(int64_t days);
/* Days in a month of a proleptic Gregorian year (m = 1..12). */
unsigned mfw_civil_days_in_month(int64_t y, unsigned m);
/* Floor division of ms since the epoch into days and ms of the day (correct before 1970). */
int64_t mfw_civil_days_of_ms(int64_t ms, int64_t *ms_of_day);

#endif /* METERFW_BASE_CIVIL_H */
