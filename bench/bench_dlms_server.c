/* SPDX-License-Identifier: Apache-2.0 */
/* bench_dlms_server: the DLMS/COSEM server's own cost, in process (no sockets, no client):
 * a meter on a RAM flash with a year of 15-minute load profile (35,040 rows), the management
 * association, then
 *   get:     N single GETs of A+ (1.0.1.8.0.255 attr 2) through mfw_dlms_server_apdu;
 *   profile: the whole year of the load profile by range, block after block.
 *   bench_dlms_server [get|profile|both] [N] [plain|cipher]
 * plain: the LLS management association; cipher: HLS-GMAC, every request and answer
 * authenticated and encrypted (suite 0, general-glo-ciphering, the posix crypto port). The
 * ciphered requests are made before the clock starts (each needs its own invocation counter),
 * so both modes time the server alone.
 * Prints the wall time per GET (median of 5) and per row. bench/dlms_cost.sh runs it under
 * valgrind --tool=callgrind --toggle-collect=mfw_dlms_server_apdu for instructions per GET and row. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto_posix.h"
#include "flash_emu.h"
#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_client.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/dlms/security.h"
#include "meterfw/meter/meter.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define MIN_MS 60000LL

static struct flash_emu emu;
static struct mfw_hal hal;
static struct mfw_meter m;
static struct mfw_cosem cosem;
static struct mfw_dlms_server srv;
static uint8_t out[4096];
static bool cipher; /* the HLS-GMAC association, every APDU ciphered */
static const uint8_t TITLE[8] = {'M', 'F', 'W', 'B', 'C', 'H', 'M', '1'};
static const uint8_t SERVER[8] = {'M', 'F', 'W', 0, 0, 0, 0, 1};
static const uint8_t GUEK[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t AK[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                               0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
static const struct mfw_security_keys KEYS = {GUEK, AK};
static uint32_t ic = 1; /* the client's next invocation counter */

/* A request as the association sends it: in clear, or general-glo-ciphered with the next
 * counter. The length. */
static size_t request(const uint8_t *p, size_t n, uint8_t *buf, size_t cap)
{
    if (!cipher) {
        memcpy(buf, p, n);
        return n;
    }
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, cap);
    if (mfw_security_cipher(crypto_posix_port(), &KEYS, MFW_SECURITY_GENERAL_GLO, TITLE, 0x30, ic++,
                            p, n, &w) != MFW_OK)
        abort();
    return w.len;
}

/* An answer as the client reads it: deciphered in place into out when ciphered. */
static size_t answer(size_t n)
{
    if (!cipher || n == 0 || out[0] != MFW_SECURITY_GENERAL_GLO)
        return n;
    struct mfw_security_apdu a;
    static uint8_t plain[4096];
    size_t pn = 0;
    if (mfw_security_parse(out, n, &a) != MFW_OK ||
        mfw_security_decipher(crypto_posix_port(), &KEYS, SERVER, &a, plain, sizeof plain, &pn) !=
            MFW_OK)
        return 0;
    memcpy(out, plain, pn);
    return pn;
}

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
    memcpy(cfg.security.key[MFW_KEYS_UNICAST], GUEK, 16);
    memcpy(cfg.security.key[MFW_KEYS_AUTHENTICATION], AK, 16);
    cfg.security.have = 1u << MFW_KEYS_UNICAST | 1u << MFW_KEYS_AUTHENTICATION;
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
    flash_emu_erase_all(&emu); /* a new meter's flash: blank */
    hal = (struct mfw_hal){.ctx = &emu,
                           .flash_read = f_read,
                           .flash_prog = f_prog,
                           .flash_erase = f_erase,
                           .crypto = crypto_posix_port()};
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
    const uint8_t ctos[16] = "0123456789ABCDEF";
    const struct mfw_dlms_client_aarq_params ap = {
        .mechanism = cipher ? MFW_ACSE_MECH_HLS_GMAC : MFW_ACSE_MECH_LLS,
        .password = cipher ? ctos : (const uint8_t *)"00000001",
        .password_len = cipher ? 16 : 8,
        .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
        .max_pdu = 0xFFFF,
        .calling_title = TITLE,
        .crypto = crypto_posix_port(),
        .keys = &KEYS,
        .sc = 0x30,
        .ic = ic++};
    if (mfw_dlms_client_build_aarq(&ap, &w) != MFW_OK)
        return 1;
    size_t n = mfw_dlms_server_apdu(&srv, 0, 1, req, w.len, out, sizeof out);
    struct mfw_acse_aare aare;
    if (n == 0 || mfw_dlms_client_parse_aare(out, n, &aare) != MFW_OK || aare.result != 0)
        return 1;
    if (!cipher)
        return 0;
    /* pass 3: reply_to_HLS_authentication with f(StoC) */
    uint8_t p3[15 + 17];
    memcpy(p3, "\xC3\x01\xC1\x00\x0F\x00\x00\x28\x00\x00\xFF\x01\x01\x09\x11", 15);
    if (mfw_security_hls_f(crypto_posix_port(), &KEYS, TITLE, ic++, aare.auth_value.p,
                           aare.auth_value.len, p3 + 15) != MFW_OK)
        return 1;
    size_t rn = request(p3, sizeof p3, req, sizeof req);
    n = answer(mfw_dlms_server_apdu(&srv, 0, 1, req, rn, out, sizeof out));
    if (n < 4 || out[0] != 0xC7 || out[3] != 0 || !srv.a[0].associated)
        return 1;
    return 0;
}

static double bench_get(unsigned n)
{
    static const struct mfw_dlms_client_ref aplus = {3, {1, 0, 1, 8, 0, 255}, 2};
    uint8_t get[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, get, sizeof get);
    mfw_dlms_client_build_get(0xC1, &aplus, NULL, &w);
    /* every request made first: ciphered, each has its own counter */
    enum { REQ = 64 };
    uint8_t *reqs = malloc((size_t)(5 * n + 1) * REQ);
    size_t *lens = malloc((size_t)(5 * n + 1) * sizeof *lens);
    if (reqs == NULL || lens == NULL)
        return -1.0;
    for (unsigned k = 0; k < 5 * n + 1; k++)
        lens[k] = request(get, w.len, reqs + (size_t)k * REQ, REQ);
    /* the answer must be A+ itself: a GET-Response-Normal with a double-long-unsigned or
     * long64-unsigned value */
    size_t n1 = answer(mfw_dlms_server_apdu(&srv, 0, 1, reqs, lens[0], out, sizeof out));
    struct mfw_dlms_client_get_response g;
    if (n1 == 0 || mfw_dlms_client_parse_get_response(out, n1, &g) != MFW_OK || !g.result.is_data) {
        fprintf(stderr, "bench_dlms_server: GET A+ answered:");
        for (size_t k = 0; k < n1; k++)
            fprintf(stderr, " %02X", out[k]);
        fprintf(stderr, "\n");
        return -1.0;
    }
    uint8_t first[64];
    size_t fl = n1 < sizeof first ? n1 : sizeof first;
    memcpy(first, out, fl);
    double runs[5];
    size_t want = 0;
    for (int r = 0; r < 5; r++) {
        double t0 = now_s();
        for (unsigned k = 0; k < n; k++) {
            size_t i = 1 + (size_t)r * n + k;
            size_t got = mfw_dlms_server_apdu(&srv, 0, 1, reqs + i * REQ, lens[i], out, sizeof out);
            if (got == 0 || (want != 0 && got != want))
                return -1.0;
            want = got;
        }
        runs[r] = (now_s() - t0) / n;
        if (answer(want) != n1 || memcmp(first, out, fl) != 0)
            return -1.0; /* every answer is the same A+ */
    }
    free(reqs);
    free(lens);
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
    uint8_t get[128], req[256];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, get, sizeof get);
    mfw_dlms_client_build_get(0xC1, &lp, &acc, &w);
    /* the GET-Request-Next of blocks 1, 2, ... made first (ciphered: a counter each), so the
     * clock times the server only */
    enum { NEXT_MAX = 8192, REQ = 64 };
    uint8_t *nexts = malloc((size_t)NEXT_MAX * REQ);
    size_t *lens = malloc(NEXT_MAX * sizeof *lens);
    if (nexts == NULL || lens == NULL)
        return 1;
    size_t rl = request(get, w.len, req, sizeof req);
    for (unsigned k = 0; k < NEXT_MAX; k++) {
        uint8_t nx[16];
        struct mfw_wcursor nw;
        mfw_wcursor_init(&nw, nx, sizeof nx);
        mfw_dlms_client_build_get_next(0xC1, k + 1, &nw);
        lens[k] = request(nx, nw.len, nexts + (size_t)k * REQ, REQ);
    }
    double spent = 0, t0 = now_s();
    size_t n = mfw_dlms_server_apdu(&srv, 0, 1, req, rl, out, sizeof out);
    spent += now_s() - t0;
    *bytes = 0;
    uint32_t count = 0, block = 0;
    bool first = true;
    for (;;) {
        *bytes += n;
        n = answer(n);
        struct mfw_dlms_client_get_response r;
        if (n == 0 || mfw_dlms_client_parse_get_response(out, n, &r) != MFW_OK) {
            fprintf(stderr, "bench_dlms_server: profile answer (%zu bytes):", n);
            for (size_t k = 0; k < n && k < 32; k++)
                fprintf(stderr, " %02X", out[k]);
            fprintf(stderr, "\n");
            return 1;
        }
        if (r.type != MFW_DLMS_CLIENT_GET_RESPONSE_DATABLOCK || !r.raw_ok ||
            r.block_number != ++block) {
            fprintf(stderr, "bench_dlms_server: profile answer type %u, raw %d, block %u\n", r.type,
                    r.raw_ok, (unsigned)r.block_number);
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
                fprintf(stderr, "bench_dlms_server: the buffer does not start with an array\n");
                return 1;
            }
            count = (uint32_t)c;
            first = false;
        }
        if (r.last_block)
            break;
        if (block > NEXT_MAX)
            return 1;
        size_t i = block - 1u;
        t0 = now_s();
        n = mfw_dlms_server_apdu(&srv, 0, 1, nexts + i * REQ, lens[i], out, sizeof out);
        spent += now_s() - t0;
    }
    free(nexts);
    free(lens);
    *seconds = spent;
    *rows = count;
    return 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "both";
    unsigned n = argc > 2 ? (unsigned)atoi(argv[2]) : 20000;
    cipher = argc > 3 && strcmp(argv[3], "cipher") == 0;
    mfw_ms_t end;
    if (setup(&end) != 0) {
        fprintf(stderr, "bench_dlms_server: set-up failed\n");
        return 1;
    }
    if (strcmp(what, "profile") != 0) {
        double t = bench_get(n);
        if (t < 0)
            return 1;
        printf("%s single GET of A+ (1.0.1.8.0.255 attr 2): %.2f us server time (median of 5 x "
               "%u)\n",
               cipher ? "ciphered" : "plain", t * 1e6, n);
    }
    if (strcmp(what, "get") != 0) {
        unsigned rows;
        size_t bytes;
        double s;
        if (bench_profile(end, &rows, &bytes, &s) != 0) {
            fprintf(stderr, "bench_dlms_server: profile read failed\n");
            return 1;
        }
        printf("%s load profile by range: %u rows, %zu APDU bytes, %.3f s server time, %.0f "
               "rows/s\n",
               cipher ? "ciphered" : "plain", rows, bytes, s, rows / s);
    }
    return 0;
}
