/* SPDX-License-Identifier: Apache-2.0 */
/* Q15 sine table of the synchronous demodulator: mfw_sine_table_q15[k] = round(32767 sin(2 pi k / 1024)). */
#ifndef METERFW_SINE_TABLE_H
#define METERFW_SINE_TABLE_H

#include <stdint.h>

#include "meterfw/base/options.h"

#define MFW_SINE_SIZE (1u << MFW_SINE_BITS)
#define MFW_SINE_AMPLITUDE 32767

extern const int16_t mfw_sine_table_q15[MFW_SINE_SIZE];

#endif
