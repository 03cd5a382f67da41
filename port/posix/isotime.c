/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 8601 UTC text <-> ms since the epoch (date arithmetic in src/base/civil.c). */
#include "isotime.h"

#include "meterfw/base/civil.h"

static bool digits(const char *s, unsigned n, unsigned *out)
{
    unsigned v = 0;
    for (unsigned k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return false;
        v = v * 10 + (unsigned)(s[k] - '0');
    }
    *out = v;
    return true;
}

bool isotime_parse(const char *s, mfw_ms_t *out)
{
    unsigned y, mo, d, h, mi, sec = 0;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi))
        return false;
    const char *p = s + 16;
    if (*p == ':') {
        if (!digits(p + 1, 2, &sec))
            return false;
        p += 3;
    }
    if (p[0] != 'Z' || p[1] != '\0')
        return false;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mfw_civil_days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 59)
        return false;
    int64_t days = mfw_civil_days_from_date((int64_t)y, mo, d);
    *out = ((days * 24 + h) * 60 + mi) * 60000LL + (int64_t)sec * 1000;
    return true;
}

/* n decimal digits of v, zero padded (v < 10^n by construction) */
static char *put_digits(char *p, unsigned v, unsigned n)
{
    for (unsigned k = n; k-- > 0;) {
        p[k] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

void isotime_format(mfw_ms_t t, char out[ISOTIME_LEN])
{
    int64_t ms;
    struct mfw_civil_date cd = mfw_civil_date_from_days(mfw_civil_days_of_ms(t, &ms));
    int64_t y = cd.year;
    unsigned mo = cd.month, d = cd.day;
    if (y < 0 || y > 9999)
        y = y < 0 ? 0 : 9999; /* out of the ISO 4-digit range: clamp, never overflow the buffer */
    unsigned s = (unsigned)(ms / 1000), frac = (unsigned)(ms % 1000);
    char *p = put_digits(out, (unsigned)y, 4);
    *p++ = '-';
    p = put_digits(p, mo, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, s / 3600, 2);
    *p++ = ':';
    p = put_digits(p, s / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, s % 60, 2);
    if (frac) {
        *p++ = '.';
        p = put_digits(p, frac, 3);
    }
    *p++ = 'Z';
    *p = '\0';
}
