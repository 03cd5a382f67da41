/* ISO 8601 UTC text <-> ms since the epoch (H. Hinnant's days_from_civil / civil_from_days). */
#include "isotime.h"

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

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

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
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
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
        mi > 59 || sec > 59)
        return false;
    int64_t days = days_from_civil((int64_t)y, mo, d);
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
    int64_t days = t / MFW_MS_PER_DAY, ms = t % MFW_MS_PER_DAY;
    if (ms < 0) {
        ms += MFW_MS_PER_DAY;
        days--;
    }
    int64_t y;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
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
