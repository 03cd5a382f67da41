/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: a DSMR 5.0.2 P1 telegram reader written from the standard (6.2: "/" ident CR LF
 * CR LF, lines "OBIS(value)..." CR LF, "!" CRC CR LF; CRC-16 0x8005 over "/" .. "!"), with its own
 * CRC (MSB-first on bit-reversed bytes, not the core's reflected loop). Checked against the
 * published example telegram (dsmr_parser's TELEGRAM_V5) in tests/test_p1.c. */
#ifndef METERFW_TEST_P1_DECODE_H
#define METERFW_TEST_P1_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define P1D_LINES 96
#define P1D_VALUE 512

struct p1d_line {
    char obis[24];         /* "1-0:1.8.1" */
    char value[P1D_VALUE]; /* everything after the OBIS, e.g. "(000004.426*kWh)" */
};

struct p1d {
    char ident[64]; /* the identification line without "/" */
    unsigned crc_sent, crc_computed;
    size_t n;
    struct p1d_line line[P1D_LINES];
};

/* CRC-16/ARC written the other way round (see above). */
uint16_t p1d_crc(const uint8_t *p, size_t n);
/* Decodes one telegram from t[n]: 0 and d filled; -1 malformed; -2 CRC mismatch (d filled). */
int p1d_decode(const char *t, size_t n, struct p1d *d);
/* The value of a line ("(...)..."), NULL when the telegram has no such OBIS. */
const char *p1d_get(const struct p1d *d, const char *obis);

#endif
