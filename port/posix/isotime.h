/* SPDX-License-Identifier: Apache-2.0 */
/* isotime: UTC instants as ISO 8601 text ("2026-01-05T00:00:00Z") for the command line and the
 * report. Pure arithmetic on the proleptic Gregorian calendar (no timegm, no TZ). */
#ifndef METERD_ISOTIME_H
#define METERD_ISOTIME_H

#include <stdbool.h>
#include <stddef.h>

#include "meterfw/base/time.h"

#define ISOTIME_LEN 25 /* "YYYY-MM-DDTHH:MM:SS.mmmZ" + NUL */

/* Strict YYYY-MM-DDTHH:MM[:SS]Z, years 1970..9999, real calendar dates. */
bool isotime_parse(const char *s, mfw_ms_t *out);
/* "YYYY-MM-DDTHH:MM:SSZ", or with ".mmm" when the milliseconds are not 0. */
void isotime_format(mfw_ms_t t, char out[ISOTIME_LEN]);

#endif /* METERD_ISOTIME_H */
