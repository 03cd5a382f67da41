/* SPDX-License-Identifier: Apache-2.0 */
/* Where the in-home display reads the consumer channel from: "tcp:HOST:PORT", a serial device
 * or pseudo-terminal path (115200 8N1 raw, DSMR 5.0.2 6.1), or "-" (standard input, to its end). */
#ifndef IHD_INPUT_H
#define IHD_INPUT_H

#include <stddef.h>

/* Open the source; returns a file descriptor, or -1 with a reason in err. */
int ihd_input_open(const char *spec, char *err, size_t n);

#endif
