/* SPDX-License-Identifier: Apache-2.0 */
/* jsonnum: exact numbers for the JSON report, as cJSON items (Debian libcjson-dev).
 *
 * cJSON keeps a number as a double and prints it with "%1.15g" (with "%1.17g" only when the 15
 * digits do not read back). A decimal of at most 15 significant digits (DBL_DIG, C11 5.2.4.2.2)
 * survives decimal -> nearest double -> "%1.15g" unchanged, so a value built from an integer
 * below 10^15 as digits / 10^k (both exact doubles, one correctly rounded division) prints as
 * exactly that decimal, trailing zeros dropped (1234.500 is written 1234.5). A wider value is
 * handed to cJSON as raw number text written by integer arithmetic (so is one below 10^-4,
 * which "%1.15g" would write with an exponent): no value is ever rounded.
 * Energies stay truncated like a register because the caller truncates the integer (uWh to mWh)
 * before it gets here. */
#ifndef METERD_JSONNUM_H
#define METERD_JSONNUM_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Values below this many units print through a double; from here on as raw text. */
#define JSONNUM_EXACT_LIMIT 1000000000000000ull /* 10^15 */

/* (negative ? -1 : 1) x digits x 10^exp10, exactly; -19 <= exp10 <= 19, else NULL. NULL also
 * when cJSON cannot allocate. A negative zero is written 0. */
cJSON *jsonnum_decimal(bool negative, uint64_t digits, int exp10);

/* The same for the integers of the report. */
cJSON *jsonnum_uint(uint64_t v);
cJSON *jsonnum_int(int64_t v);

/* A measurement (floating point, never a billing value) rounded to `decimals` places as
 * printf("%.*f") rounds it; null when v is not finite (JSON has no NaN or infinity). */
cJSON *jsonnum_measured(double v, int decimals);

#endif /* METERD_JSONNUM_H */
