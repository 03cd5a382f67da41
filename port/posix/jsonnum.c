/* SPDX-License-Identifier: Apache-2.0 */
#include "jsonnum.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

cJSON *jsonnum_decimal(bool negative, uint64_t digits, int exp10)
{
    if (exp10 < -19 || exp10 > 19)
        return NULL;
    if (digits == 0)
        return cJSON_CreateNumber(0);
    /* 10^|exp10|: a uint64_t up to 10^19, and an exact double (10^k = 2^k 5^k, 5^19 < 2^53) */
    uint64_t scale = 1;
    for (int k = 0; k < (exp10 < 0 ? -exp10 : exp10); k++)
        scale *= 10u;
    if (exp10 >= 0 && digits <= (JSONNUM_EXACT_LIMIT - 1) / scale) {
        double d = (double)(digits * scale);
        return cJSON_CreateNumber(negative ? -d : d);
    }
    /* "%1.15g" writes an exponent below 1e-4 (C11 7.21.6.1); keep those in plain digits too. */
    unsigned ndigits = 0;
    for (uint64_t r = digits; r != 0; r /= 10u)
        ndigits++;
    if (exp10 < 0 && digits < JSONNUM_EXACT_LIMIT && (int)ndigits + exp10 - 1 >= -4) {
        double d = (double)digits / (double)scale;
        return cJSON_CreateNumber(negative ? -d : d);
    }
    /* Past 15 significant digits: the exact decimal text (at most 20 digits, a point, 19
     * decimals or 19 zeros). */
    char text[64];
    int n;
    if (exp10 >= 0)
        n = snprintf(text, sizeof text, "%s%" PRIu64 "%.*s", negative ? "-" : "", digits, exp10,
                     "0000000000000000000");
    else
        n = snprintf(text, sizeof text, "%s%" PRIu64 ".%0*" PRIu64, negative ? "-" : "",
                     digits / scale, -exp10, digits % scale);
    if (n < 0 || (size_t)n >= sizeof text)
        return NULL;
    return cJSON_CreateRaw(text);
}

cJSON *jsonnum_uint(uint64_t v)
{
    return jsonnum_decimal(false, v, 0);
}

cJSON *jsonnum_int(int64_t v)
{
    return jsonnum_decimal(v < 0, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 0);
}

cJSON *jsonnum_measured(double v, int decimals)
{
    if (!isfinite(v))
        return cJSON_CreateNull();
    if (decimals < 0 || decimals > 17)
        return NULL;
    /* DBL_MAX has 309 integer digits. */
    char text[340];
    int n = snprintf(text, sizeof text, "%.*f", decimals, v);
    if (n < 0 || (size_t)n >= sizeof text)
        return NULL;
    /* Significant digits of the text: from the first non-zero digit on. */
    unsigned sig = 0;
    bool started = false;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            continue;
        started = started || *p != '0';
        sig += started;
    }
    double d = strtod(text, NULL);
    if (sig <= 15 && (d == 0 || fabs(d) >= 1e-4)) /* as in jsonnum_decimal: no exponent */
        return cJSON_CreateNumber(d);
    return cJSON_CreateRaw(text);
}
