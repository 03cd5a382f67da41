/* SPDX-License-Identifier: Apache-2.0 */
/* clock_posix: the only place meterd reads real clocks. */
#ifndef METERD_CLOCK_POSIX_H
#define METERD_CLOCK_POSIX_H

#include <stdint.h>

#include "meterfw/base/time.h"

/* Milliseconds of CLOCK_MONOTONIC: for pacing, never jumps. */
int64_t clock_mono_ms(void);
/* UTC ms of CLOCK_REALTIME: only for the default start time. */
mfw_ms_t clock_utc_ms(void);
/* Sleeps up to ms (returns early on a signal, so Ctrl-C is seen at once). */
void clock_sleep_ms(int64_t ms);

#endif /* METERD_CLOCK_POSIX_H */
