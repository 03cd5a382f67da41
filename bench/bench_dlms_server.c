/* SPDX-License-Identifier: Apache-2.0 */
/* bench_dlms_server: the DLMS/COSEM server's own cost, in process (no sockets, no client):
 * a meter on a RAM flash with a year of 15-minute load profile (35,040 rows), the management
 * association, then
 *   get:     N single GETs of A+ (1.0.1.8.0.255 attr 2) through mfw_dlms_server_apdu;
 *   profile: the whole year of the load profile by range, block after block.
 *   bench_dlms_server [get|profile|both] [N]
 * Prints the wall time per GET (median of 5) and per row. bench/dlms_cost.sh runs it under
 * valgrind --tool=callgrind --toggle-collect=mfw_dlms_server_apdu for instructions per GET and row. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flash_emu.h"
#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_client.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/meter/meter.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define MIN_MS 60000LL

static struct flash_emu emu;
static struct mfw_hal hal;
static struct mfw_meter m;
static struct mfw_cosem cosem;
static struct mfw_dlms_server srv;
static uint8_t out[4096];

static int f_read(void *c, uint32_t a, void *b, size_t n)
{
    return flash_emu_read(c, a, b, n);
}
static int f_prog(void *c, uint32_t a, const void *b, size_t n)
{
    return flash_emu_prog(c, a, b, n);
}
static int f_erase(void *c, uint32_t s)
{
    return flash_emu_erase(c, s);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A year of a constant 1 kW per phase in 15-minute blocks: 35,040 load profile rows. */
static int setup(mfw_ms_t *end)
{
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, MFW_METER_382M);
    /* the LLS association (off by default) with the password "00000001" of the AARQ used */
    cfg.security.lls_enabled = true;
    memcpy(cfg.security.lls, "00000001", 8);
    cfg.security.lls_len = 8;
    mfw_meter_store_layout(&cfg, 366);
    size_t size = (size_t)cfg.store.sector_size * cfg.store.sector_count;
    uint8_t *mem = malloc(size);
    if (!mem || flash_emu_init(&emu, mem, cfg.store.sector_size, cfg.store.sector_count,
                               cfg.store.prog_size, 1) != MFW_OK)
        return 1;
    hal = (struct mfw_hal){
        .ctx = &emu, .flash_read = f_read, .flash_prog = f_prog, .flash_erase = f_erase};
    if (mfw_meter_init(&m, &cfg, &hal, T0) != MFW_OK)
        return 1;
    mfw_ms_t t = T0;
    for (int k = 0; k < 365 * 96; k++) {
        struct mfw_metrology_block b = {.duration_s = 900.0, .freq_hz = 50.0};
        for (int p = 0; p < 3; p++) {
            b.ph[p].vrms = 230.0;
            b.ph[p].irms = 1000.0 / 230.0;
            b.ph[p].p = 1000.0;
        }
        mfw_meter_block(&m, &b);
        t += 15 * MIN_MS;
        mfw_meter_tick(&m, t);
    }
    *end = t;
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    struct mfw_dlms_server_config sc;
    mfw_dlms_server_default_config(&sc);
    if (mfw_cosem_init(&cosem, &m, &cc) != MFW_OK ||
        mfw_dlms_server_init(&srv, &cosem, &sc) != MFW_OK)
        return 1;
    uint8_t req[256];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, req, sizeof req);
    const struct mfw_dlms_client_aarq_params ap = {.mechanism = MFW_ACSE_MECH_LLS,
                                                   .password = (const uint8_t *)"00000001",
                                                   .password_len = 8,
                                                   .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                                   .max_pdu = 0xFFFF};
    if (mfw_dlms_client_build_aarq(&ap, &w) != MFW_OK)
        return 1;
    size_t n = mfw_dlms_server_apdu(&srv, 0, 1, req, w.len, out, sizeof out);
    struct mfw_acse_aare aare;
    if (n == 0 || mfw_dlms_client_parse_aare(out, n, &aare) != MFW_OK || aare.result != 0)
        return 1;
    return 0;
}

static double bench_get(unsigned n)
{
    static const struct mfw_dlms_client_ref aplus = {3, {1, 0, 1, 8, 0, 255}, 2};
    uint8_t req[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, req, sizeof req);
    mfw_dlms_client_build_get(0xC1, &aplus, NULL, &w);
    /* the answer must be A+ itself: a GET-Response-Normal with a double-long-unsigned or
     * long64-unsigned value */
    size_t n1 = mfw_dlms_server_apdu(&srv, 0, 1, req, w.len, out, sizeof out);
    struct mfw_dlms_client_get_response g;
    if (n1 == 0 || mfw_dlms_client_parse_get_response(out, n1, &g) != MFW_OK || !g.result.is_data) {
        fprintf(stderr, "bench_dlms_server: GET A+ answered:");
        for (size_t k = 0; k < n1; k++)
            fprintf(stderr, " %02X", out[k]);
        fprintf(stderr, "\n");
        return -1.0;
    }
    const size_t want = n1;
    uint8_t first[64];
    memcpy(first, out, want < sizeof first ? want : sizeof first);
    double runs[5];
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        for (unsigned k = 0; k < n; k++)
            if (mfw_dlms_server_apdu(&srv, 0, 1, req, w.len, out, sizeof out) != want)
                return -1.0;
        runs[r] = (now_s() - t0) / n;
        if (memcmp(first, out, want < sizeof first ? want : sizeof first) != 0)
            return -1.0; /* every answer is the same A+ */
    }
    qsort(runs, 5, sizeof runs[0], cmp);
    return runs[2];
}

static int bench_profile(mfw_ms_t end, unsigned *rows, size_t *bytes, double *seconds)
{
    struct mfw_dlms_client_access acc = {.selector = MFW_DLMS_CLIENT_SEL_RANGE,
                                         .restricting = {8, {0, 0, 1, 0, 0, 255}, 2}};
    mfw_cosem_datetime_from_ms(&acc.from, T0, 0, 0);
    mfw_cosem_datetime_from_ms(&acc.to, end, 0, 0);
    static const struct mfw_dlms_client_ref lp = {7, {1, 0, 99, 1, 0, 255}, 2};
    uint8_t req[128];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, req, sizeof req);
    mfw_dlms_client_build_get(0xC1, &lp, &acc, &w);
    size_t n = mfw_dlms_server_apdu(&srv, 0, 1, req, w.len, out, sizeof out);
    double t0 = now_s();
    *bytes = 0;
    uint32_t count = 0;
    bool first = true;
    for (;;) {
        struct mfw_dlms_client_get_response r;
        if (n == 0 || mfw_dlms_client_parse_get_response(out, n, &r) != MFW_OK) {
            fprintf(stderr, "bench_dlms_server: profile answer (%zu bytes):", n);
            for (size_t k = 0; k < n && k < 32; k++)
                fprintf(stderr, " %02X", out[k]);
            fprintf(stderr, "\n");
            return 1;
        }
        *bytes += n;
        if (r.type != MFW_DLMS_CLIENT_GET_RESPONSE_DATABLOCK || !r.raw_ok) {
            fprintf(stderr, "bench_dlms_server: profile answer type %u, raw %d, data %d, dar %u\n",
                    r.type, r.raw_ok, r.result.is_data, r.result.dar);
            return 1;
        }
        if (first) { /* the buffer's array header: 01 82 nn nn (or 83/84) */
            struct mfw_rcursor rc;
            mfw_rcursor_init(&rc, r.raw, r.raw_len);
            /* the count (A-XDR length, up to 0x84), not checked against this block's bytes */
            size_t c = 0;
            uint8_t tag = mfw_rcursor_u8(&rc), l0 = mfw_rcursor_u8(&rc);
            if (l0 < 0x80)
                c = l0;
            for (unsigned k = 0; l0 > 0x80 && k < (unsigned)(l0 - 0x80) && k < 4; k++)
                c = c << 8 | mfw_rcursor_u8(&rc);
            if (tag != MFW_AXDR_ARRAY || rc.err || l0 == 0x80 || l0 > 0x84) {
                fprintf(stderr, "bench_dlms_server: the buffer does not start with an array:");
                for (size_t k = 0; k < r.raw_len && k < 16; k++)
                    fprintf(stderr, " %02X", r.raw[k]);
                fprintf(stderr, "\n");
                return 1;
            }
            count = (uint32_t)c;
            first = false;
        }
        if (r.last_block)
            break;
        mfw_wcursor_init(&w, req, sizeof req);
        mfw_dlms_client_build_get_next(0xC1, r.block_number, &w);
        n = mfw_dlms_server_apdu(&srv, 0, 1, req, w.len, out, sizeof out);
    }
    *seconds = now_s() - t0;
    *rows = count;
    return 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "both";
    unsigned n = argc > 2 ? (unsigned)atoi(argv[2]) : 20000;
    mfw_ms_t end;
    if (setup(&end) != 0) {
        fprintf(stderr, "bench_dlms_server: set-up failed\n");
        return 1;
    }
    if (strcmp(what, "profile") != 0) {
        double t = bench_get(n);
        if (t < 0)
            return 1;
        printf("single GET of A+ (1.0.1.8.0.255 attr 2): %.2f us server time (median of 5 x %u)\n",
               t * 1e6, n);
    }
    if (strcmp(what, "get") != 0) {
        unsigned rows;
        size_t bytes;
        double s;
        if (bench_profile(end, &rows, &bytes, &s) != 0) {
            fprintf(stderr, "bench_dlms_server: profile read failed\n");
            return 1;
        }
        printf("load profile by range: %u rows, %zu APDU bytes, %.3f s server time, %.0f rows/s\n",
               rows, bytes, s, rows / s);
    }
    return 0;
}
