/* SPDX-License-Identifier: Apache-2.0 */
#include "meterfw/base/civil.h"

#define MS_PER_DAY 86400000LL

int64_t mfw_civil_days_from_date(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);                       /* [0, 399] */
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + (int64_t)doe - 719468;
}

struct mfw_civil_date mfw_civil_date_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    struct mfw_civil_date c;
    c.day = doy - (153 * mp + 2) / 5 + 1;
    c.month = mp < 10 ? mp + 3 : mp - 9;
    c.year = (int64_t)yoe + era * 400 + (c.month <= 2);
    return c;
}

unsigned mfw_civil_weekday(int64_t days)
{
    int64_t w = (days + 3) % 7; /* 0 = Monday */
    return (unsigned)(w < 0 ? w + 7 : w) + 1;
}

int64_t mfw_civil_days_of_ms(int64_t ms, int64_t *ms_of_day)
{
    int64_t days = ms / MS_PER_DAY, rem = ms % MS_PER_DAY;
    if (rem < 0) {
        rem += MS_PER_DAY;
        days--;
    }
    if (ms_of_day)
        *ms_of_day = rem;
    return days;
}

unsigned mfw_civil_days_in_month(int64_t y, unsigned m)
{
    static const uint8_t dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}
