/* SPDX-License-Identifier: Apache-2.0 */
/* Civil dates: day counts checked against dates worked out by hand from the calendar rules
 * (365-day years, leap every 4th except centuries not divisible by 400). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/civil.h"

static void known_days(void **st)
{
    (void)st;
    assert_int_equal(mfw_civil_days_from_date(1970, 1, 1), 0);
    assert_int_equal(mfw_civil_days_from_date(1969, 12, 31), -1);
    /* 1970..1999: 30 years, 7 leap years (72..96) -> 10957 days to 2000-01-01; +31 +29 */
    assert_int_equal(mfw_civil_days_from_date(2000, 1, 1), 10957);
    assert_int_equal(mfw_civil_days_from_date(2000, 3, 1), 10957 + 31 + 29);
    /* 2000-01-01 .. 2026-01-01: 26 years, leap 2000,04,..,24 = 7 -> 9497 days; Jan..Oct of 2026
     * = 304 days; + 24 -> 2026-11-25 */
    assert_int_equal(mfw_civil_days_from_date(2026, 11, 25), 10957 + 9497 + 304 + 24);
    struct mfw_civil_date c = mfw_civil_date_from_days(10957 + 31 + 28);
    assert_true(c.year == 2000 && c.month == 2 && c.day == 29);
    c = mfw_civil_date_from_days(-1);
    assert_true(c.year == 1969 && c.month == 12 && c.day == 31);
}

static void weekdays_and_months(void **st)
{
    (void)st;
    assert_int_equal(mfw_civil_weekday(0), 4);                                      /* Thursday */
    assert_int_equal(mfw_civil_weekday(mfw_civil_days_from_date(2026, 11, 25)), 3); /* Wednesday */
    assert_int_equal(mfw_civil_weekday(-1), 3);
    assert_int_equal(mfw_civil_days_in_month(2000, 2), 29);
    assert_int_equal(mfw_civil_days_in_month(1900, 2), 28);
    assert_int_equal(mfw_civil_days_in_month(2024, 2), 29);
    assert_int_equal(mfw_civil_days_in_month(2026, 4), 30);
    assert_int_equal(mfw_civil_days_in_month(2026, 13), 0);
    int64_t ms;
    assert_int_equal(mfw_civil_days_of_ms(-1, &ms), -1);
    assert_int_equal(ms, 86399999);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_days),
        cmocka_unit_test(weekdays_and_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
