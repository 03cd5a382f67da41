/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's reader of DSMR 5.0.2 P1 telegrams (docs/ihd.md): a bounded stream
 * splitter (ihd_p1_rx) that cuts telegrams out of a byte stream, and a parser (ihd_p1_parse)
 * that checks a telegram's CRC-16/ARC and reads the objects of DSMR 5.0.2 table 6-3 into
 * integers. No heap; every read is bounded by the telegram's length. */
#ifndef IHD_P1_H
#define IHD_P1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest telegram taken: a full DSMR 5.0.2 telegram with a 2048-character text message
 * and four M-Bus channels is under 4 KiB. */
#define IHD_P1_MAX 8192
/* At most this many characters of the identification after '/' are kept. */
#define IHD_P1_IDENT_MAX 63
/* The power failure log 1-0:99.97.0 holds at most 10 entries (DSMR 5.0.2 table 6-3). */
#define IHD_P1_FAILURES_MAX 10
/* Tariff registers 1-0:1.8.1 .. 1-0:1.8.8 (DSMR uses 1 and 2; index 0 is the total 1.8.0). */
#define IHD_P1_TARIFFS 8

enum ihd_p1_error {
    IHD_P1_OK = 0,
    IHD_P1_E_FRAME = -1, /* no '/' at the start or no '!' */
    IHD_P1_E_NOCRC = -2, /* '!' not followed by four hex digits */
    IHD_P1_E_CRC = -3,   /* the CRC does not match */
    IHD_P1_E_LINE = -4,  /* a line that is neither an OBIS line nor empty, or is not closed */
    IHD_P1_E_VALUE = -5, /* a known object with a value out of its format or unit */
    IHD_P1_E_SIZE = -6,  /* longer than IHD_P1_MAX */
};

const char *ihd_p1_strerror(int err);

/* CRC-16/ARC: reflected poly 0xA001, init 0, no final xor (DSMR 5.0.2 6.2). */
uint16_t ihd_p1_crc16(const void *buf, size_t len);

/* What a telegram said; a field counts only if its bit in `have` is set. Energies in Wh, powers
 * in W, voltages in mV, currents in mA: integers, exact to the telegram's resolution. */
enum {
    IHD_P1_HAVE_TIME = 1u << 0,
    IHD_P1_HAVE_TARIFF = 1u << 1,
    IHD_P1_HAVE_P_IMPORT = 1u << 2,
    IHD_P1_HAVE_P_EXPORT = 1u << 3,
    IHD_P1_HAVE_FAIL_SHORT = 1u << 4,
    IHD_P1_HAVE_FAIL_LONG = 1u << 5,
    IHD_P1_HAVE_FAIL_LOG = 1u << 6,
    IHD_P1_HAVE_VERSION = 1u << 7,
};

struct ihd_p1_failure {
    int64_t end;      /* UTC seconds, when the failure ended */
    int64_t duration; /* seconds */
};

struct ihd_p1 {
    char ident[IHD_P1_IDENT_MAX + 1]; /* after '/', NUL-terminated */
    uint32_t have;
    unsigned version;                  /* 1-3:0.2.8, e.g. 50 */
    int64_t time;                      /* 0-0:1.0.0 in UTC seconds */
    bool dst;                          /* its S flag */
    unsigned tariff;                   /* 0-0:96.14.0 */
    uint16_t import_have, export_have; /* bit k: import_wh[k] present (k = 0 total, 1..8) */
    int64_t import_wh[IHD_P1_TARIFFS + 1];
    int64_t export_wh[IHD_P1_TARIFFS + 1];
    int64_t p_import_w, p_export_w; /* 1-0:1.7.0, 1-0:2.7.0 */
    uint8_t phase_have;             /* bit k: phase k+1 said its voltage or power */
    uint8_t u_have, i_have, pl_have, sag_have, swell_have; /* per phase, bit k = Lk+1 */
    int64_t u_mv[3], i_ma[3];
    int64_t p_import_l_w[3], p_export_l_w[3];
    int64_t sags[3], swells[3];
    int64_t fail_short, fail_long;
    unsigned n_failures;
    struct ihd_p1_failure failures[IHD_P1_FAILURES_MAX];
    unsigned lines;   /* data lines read */
    unsigned unknown; /* OBIS lines the display does not use */
};

/* Parse one whole telegram, '/' through the CRC digits (a final CR LF may follow). On failure
 * the return is an ihd_p1_error and *out is left zeroed. */
int ihd_p1_parse(const char *t, size_t len, struct ihd_p1 *out);

/* Local time of a TST "YYMMDDhhmmssX" to UTC: CET (W, +1 h) or CEST (S, +2 h) as the Dutch and
 * Danish meters mean it. Returns false on a malformed or impossible date. */
bool ihd_p1_tst(const char *s, size_t n, int64_t *utc, bool *dst);

/* The stream splitter: fed any bytes, returns telegrams ('/' .. '!' + trailer digits). */
enum ihd_p1_rx_event {
    IHD_P1_RX_NONE = 0,
    IHD_P1_RX_TELEGRAM,  /* rx->buf[0..rx->len) is a telegram to parse */
    IHD_P1_RX_TRUNCATED, /* a telegram was cut by a new '/': dropped */
    IHD_P1_RX_OVERFLOW,  /* a telegram longer than IHD_P1_MAX: dropped */
};

struct ihd_p1_rx {
    char buf[IHD_P1_MAX + 8];
    size_t len;
    int state;
    uint64_t garbage; /* bytes outside any telegram that are not line ends or blanks */
};

void ihd_p1_rx_init(struct ihd_p1_rx *rx);
/* Consume bytes up to and including the first that completes an event; returns how many were
 * consumed and sets *event. Call again with the rest. */
size_t ihd_p1_rx_feed(struct ihd_p1_rx *rx, const uint8_t *in, size_t n, int *event);

#endif
