/* SPDX-License-Identifier: Apache-2.0 */
/* line_termios: a serial line's (or pseudo-terminal's) raw mode and rate, shared by meterd's
 * serial_line.c and meterctl's hdlc_client.c. */
#ifndef LINE_TERMIOS_H
#define LINE_TERMIOS_H

#include <stdbool.h>
#include <stdint.h>

/* Raw mode (no echo, no line editing, no translation of CR or NL, no signals), 8N1, or 7E1 as
 * IEC 62056-21 talks before an HDLC switch, at baud (300..115200 of the standard rates; 0 keeps the
 * line's rate; any other rate fails). how: TCSANOW, or TCSADRAIN to let what is written go first. 0 or -1 (errno). */
int line_termios_raw(int fd, uint32_t baud, bool seven_e1, int how);

#endif
