/* SPDX-License-Identifier: Apache-2.0 */
/* Time in meterfw is an argument: UTC milliseconds since 1970-01-01T00:00:00Z, provided by the
 * caller. Only a port reads a real clock. */
#ifndef METERFW_BASE_TIME_H
#define METERFW_BASE_TIME_H

#include <stdint.h>

typedef int64_t mfw_ms_t;

#define MFW_MS_PER_S 1000
#define MFW_MS_PER_DAY 86400000LL

#endif /* METERFW_BASE_TIME_H */
