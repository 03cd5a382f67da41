/* SPDX-License-Identifier: Apache-2.0 */
/* The report's numbers on cJSON (port/posix/jsonnum.h): what cJSON prints must be exactly the
 * decimal the integers stand for. The expected text is written here by integer arithmetic
 * (digits, a point, the remainder), never through a double, and compared after dropping the
 * trailing zeros a JSON number may omit (1234.500 = 1234.5). */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonnum.h"

/* Drops trailing fractional zeros and a bare point; "-0" is 0. */
static void canon(char *s)
{
    if (strchr(s, '.') != NULL) {
        size_t n = strlen(s);
        while (n > 0 && s[n - 1] == '0')
            s[--n] = '\0';
        if (n > 0 && s[n - 1] == '.')
            s[--n] = '\0';
    }
    if (strcmp(s, "-0") == 0)
        strcpy(s, "0");
}

/* Prints item (and frees it) and checks it against the exact text want. */
static void expect_text(cJSON *item, const char *want)
{
    assert_non_null(item);
    char *got = cJSON_PrintUnformatted(item);
    cJSON_Delete(item);
    assert_non_null(got);
    char a[128], b[128];
    assert_true(strlen(got) < sizeof a && strlen(want) < sizeof b);
    strcpy(a, got);
    strcpy(b, want);
    cJSON_free(got);
    canon(a);
    canon(b);
    if (strcmp(a, b) != 0)
        fail_msg("printed %s, the exact value is %s", a, b);
}

/* The exact text of mwh / 1000. */
static void mwh_text(uint64_t mwh, char out[64])
{
    snprintf(out, 64, "%" PRIu64 ".%03" PRIu64, mwh / 1000u, mwh % 1000u);
}

static void expect_wh(uint64_t mwh)
{
    char want[64];
    mwh_text(mwh, want);
    expect_text(jsonnum_decimal(false, mwh, -3), want);
}

static void test_energy_examples(void **state)
{
    (void)state;
    /* 123456789.123456 Wh in uWh: the register truncates to mWh, the report prints that. */
    uint64_t uwh = 123456789123456u;
    expect_text(jsonnum_decimal(false, uwh / 1000u, -3), "123456789.123");
    expect_wh(0);
    expect_wh(1);
    expect_wh(999);
    expect_wh(1000);
    expect_wh(334753269);    /* a month of the household */
    expect_wh(600059999999); /* a year at 3 x 100 A */
    expect_wh(999999999999999u);
    /* From 10^15 mWh (10^12 Wh) on, past DBL_DIG: raw text, still exact. */
    expect_wh(1000000000000000u);
    expect_wh(1000000000000001u);
    expect_wh(9007199254740993u); /* 2^53 + 1: no double holds it */
    expect_wh(UINT64_MAX / 1000u);
    expect_wh(UINT64_MAX);
}

/* Every magnitude, 20000 values each: a random count of digits, random digits. */
static void test_energy_sweep(void **state)
{
    (void)state;
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (unsigned digits = 1; digits <= 20; digits++) {
        for (unsigned k = 0; k < 20000; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            uint64_t v = x;
            if (digits < 20) {
                uint64_t lim = 1;
                for (unsigned d = 0; d < digits; d++)
                    lim *= 10u;
                v = x % lim;
            }
            expect_wh(v);
        }
    }
}

/* The exact text of (neg ? -1 : 1) x digits x 10^e. */
static void exact_text(bool neg, uint64_t digits, int e, char out[64])
{
    uint64_t scale = 1;
    for (int k = 0; k < (e < 0 ? -e : e); k++)
        scale *= 10u;
    if (digits == 0)
        snprintf(out, 64, "0");
    else if (e >= 0)
        snprintf(out, 64, "%s%" PRIu64 "%.*s", neg ? "-" : "", digits, e, "0000000000000000000");
    else {
        char frac[24]; /* the remainder in 20 digits, of which the last -e are the decimals */
        snprintf(frac, sizeof frac, "%020" PRIu64, digits % scale);
        snprintf(out, 64, "%s%" PRIu64 ".%s", neg ? "-" : "", digits / scale, frac + 20 + e);
    }
}

/* Every exponent of a profile value (v x 10^scaler), 2000 random values each, both signs. */
static void test_scaled_sweep(void **state)
{
    (void)state;
    uint64_t x = 0x2545F4914F6CDD1Du;
    for (int e = -19; e <= 19; e++) {
        for (unsigned k = 0; k < 2000; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            uint64_t lim = 1;
            for (unsigned d = 0; d < 1 + x % 19; d++)
                lim *= 10u;
            uint64_t v = (x >> 8) % lim;
            bool neg = k & 1;
            char want[64];
            exact_text(neg, v, e, want);
            expect_text(jsonnum_decimal(neg, v, e), want);
        }
    }
}

static void test_scaled_and_integers(void **state)
{
    (void)state;
    expect_text(jsonnum_decimal(true, 12345, -2), "-123.45");
    expect_text(jsonnum_decimal(true, 0, -3), "0");
    expect_text(jsonnum_decimal(false, 5, 3), "5000");
    expect_text(jsonnum_decimal(true, 7, 0), "-7");
    expect_text(jsonnum_decimal(false, 123, 19), "1230000000000000000000");
    expect_text(jsonnum_decimal(false, 999999999999999u, 0), "999999999999999");
    expect_text(jsonnum_decimal(false, 1, 15), "1000000000000000");
    expect_text(jsonnum_decimal(false, 1, -4), "0.0001");
    expect_text(jsonnum_decimal(false, 1, -5), "0.00001"); /* never 1e-05 */
    expect_text(jsonnum_decimal(false, 1, -19), "0.0000000000000000001");
    expect_text(jsonnum_decimal(false, UINT64_MAX, -19), "1.8446744073709551615");
    assert_null(jsonnum_decimal(false, 1, 20));
    assert_null(jsonnum_decimal(false, 1, -20));

    expect_text(jsonnum_uint(0), "0");
    expect_text(jsonnum_uint(4294967295u), "4294967295");
    expect_text(jsonnum_uint(UINT64_MAX), "18446744073709551615");
    expect_text(jsonnum_int(-1), "-1");
    expect_text(jsonnum_int(1767225600000), "1767225600000"); /* a time in ms */
    expect_text(jsonnum_int(INT64_MAX), "9223372036854775807");
    expect_text(jsonnum_int(INT64_MIN), "-9223372036854775808");
}

static void expect_measured(double v, int decimals)
{
    char want[400];
    snprintf(want, sizeof want, "%.*f", decimals, v);
    expect_text(jsonnum_measured(v, decimals), want);
}

static void test_measured(void **state)
{
    (void)state;
    expect_measured(230.125, 2);
    expect_measured(49.99951, 3);
    expect_measured(-1234.56, 1);
    expect_measured(-0.04, 1); /* "-0.0": zero */
    expect_measured(0.9999, 3);
    expect_measured(1e20, 1);       /* past 15 digits: raw text */
    expect_measured(0.00001234, 8); /* below 1e-4: plain digits, no exponent */
    expect_measured(123456789012.345678, 3);
    expect_text(jsonnum_measured(NAN, 3), "null");
    expect_text(jsonnum_measured(INFINITY, 1), "null");
    expect_text(jsonnum_measured(-INFINITY, 1), "null");
    assert_null(jsonnum_measured(1.0, 18));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_energy_examples), cmocka_unit_test(test_energy_sweep),
        cmocka_unit_test(test_scaled_sweep),    cmocka_unit_test(test_scaled_and_integers),
        cmocka_unit_test(test_measured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
