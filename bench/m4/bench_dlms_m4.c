/* SPDX-License-Identifier: Apache-2.0 */
/* bench_dlms_m4: what the DLMS server costs on a Cortex-M4F, in QEMU's mps2-an386 with
 * deterministic instruction counting (bench/cost.sh: -icount shift=0,sleep=off, the FPGAIO
 * counter at 25 MHz ticks once per 40 instructions), with the firmware's options
 * (port/cortex-m/meterfw_opts.h: two associations, 512-byte PDUs).
 *
 * A 162M fills a day (2026-06-01, a constant 2300 W) through the fast path (mfw_meter_block,
 * the analytic quantities of sim/afe.c, a block a minute) into its store on a RAM flash; then the
 * object model and the DLMS server answer the management client (SAP 1, LLS) as over a link:
 * the AARQ, a GET of the clock (0.0.1.0.0.255 attribute 2), and the load profile of the day by
 * range (1.0.99.1.0.255 attribute 2, 96 rows): its first block and each next block, timed one by
 * one. Prints one line through semihosting and exits. Not a product image. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "afe.h"
#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/meter/meter.h"
#include "meterfw/store/store.h"

#define FPGAIO_COUNTER (*(volatile uint32_t *)0x40028018u)
#define INSTR_PER_TICK 40u
#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define FLASH_BYTES (3u << 20)

static int semihost(int op, const void *arg)
{
    int r;
    __asm__ volatile("mov r0, %1\n\tmov r1, %2\n\tbkpt 0xab\n\tmov %0, r0"
                     : "=r"(r)
                     : "r"(op), "r"(arg)
                     : "r0", "r1", "memory");
    return r;
}

static char line[512];
static size_t line_n;

static void put(const char *s)
{
    while (*s && line_n + 1 < sizeof line)
        line[line_n++] = *s++;
    line[line_n] = '\0';
}

static void put_u(uint64_t v)
{
    char b[24];
    int n = 0;
    do {
        b[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n)
        line[line_n < sizeof line - 1 ? line_n++ : line_n] = b[--n];
    line[line_n] = '\0';
}

static uint8_t flash[FLASH_BYTES];
static uint32_t sector_size;

static int f_read(void *ctx, uint32_t a, void *buf, size_t n)
{
    (void)ctx;
    if (a > FLASH_BYTES || n > FLASH_BYTES - a)
        return MFW_E_IO;
    memcpy(buf, flash + a, n);
    return MFW_OK;
}

static int f_prog(void *ctx, uint32_t a, const void *buf, size_t n)
{
    (void)ctx;
    if (a > FLASH_BYTES || n > FLASH_BYTES - a)
        return MFW_E_IO;
    const uint8_t *d = buf;
    for (size_t k = 0; k < n; k++)
        flash[a + k] &= d[k];
    return MFW_OK;
}

static int f_erase(void *ctx, uint32_t s)
{
    (void)ctx;
    if ((uint64_t)(s + 1u) * sector_size > FLASH_BYTES)
        return MFW_E_IO;
    memset(flash + (size_t)s * sector_size, 0xFF, sector_size);
    return MFW_OK;
}

static struct mfw_hal hal;
static struct mfw_meter_config cfg;
static struct mfw_meter meter;
static struct mfw_cosem cosem;
static struct mfw_dlms_server dlms;
static uint8_t out[MFW_DLMS_SERVER_MAX_PDU];

static void fail(const char *why)
{
    put("bench_dlms_m4: ");
    put(why);
    put("\n");
    semihost(SYS_WRITE0, line);
    semihost(SYS_EXIT, (const void *)(uintptr_t)0x20023);
    for (;;) {
    }
}

/* One APDU through the server: its instructions (the counter's own cost taken out). */
static uint32_t overhead;
static uint64_t timed(const uint8_t *apdu, size_t n, size_t *reply)
{
    uint32_t t0 = FPGAIO_COUNTER;
    *reply = mfw_dlms_server_apdu(&dlms, 0, MFW_COSEM_CLIENT_MANAGEMENT, apdu, n, out, sizeof out);
    uint32_t t1 = FPGAIO_COUNTER;
    return (uint64_t)(t1 - t0 - overhead) * INSTR_PER_TICK;
}

/* 2026-06-01T00:00:00Z */
#define T0 1780272000000ll

int main(void);
int main(void)
{
    mfw_meter_default_config(&cfg, MFW_METER_162M);
    memcpy(cfg.serial, "00000386", 9);
    cfg.security.lls_enabled = true;
    cfg.security.lls_len = 8;
    memcpy(cfg.security.lls, "an386dev", 8);
    sector_size = cfg.store.sector_size;
    if ((uint64_t)cfg.store.sector_size * cfg.store.sector_count > FLASH_BYTES)
        fail("the store does not fit");
    memset(flash, 0xFF, sizeof flash);
    hal.flash_read = f_read;
    hal.flash_prog = f_prog;
    hal.flash_erase = f_erase;
    if (mfw_store_format(&cfg.store, &hal) != MFW_OK ||
        mfw_meter_init(&meter, &cfg, &hal, T0) != MFW_OK)
        fail("the meter does not start");
    /* a day at 2300 W, a block a minute */
    struct afe_state st;
    afe_state_sine(&st, 1, 230.0, 10.0, 0.0, 50.0);
    struct afe_quantities q;
    struct mfw_metrology_block b;
    afe_state_quantities(&st, 1, 60.0, &q);
    afe_quantities_block(&q, &b);
    for (int64_t t = T0; t < T0 + 86400000ll + 60000; t += 60000) {
        mfw_meter_block(&meter, &b);
        mfw_meter_tick(&meter, t + 60000);
    }
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    if (mfw_cosem_init(&cosem, &meter, &cc) != MFW_OK ||
        mfw_dlms_server_init(&dlms, &cosem, &dc) != MFW_OK)
        fail("the DLMS server does not start");

    uint32_t a = FPGAIO_COUNTER, z = FPGAIO_COUNTER;
    overhead = z - a;
    /* meterctl's AARQ of the management client with LLS "an386dev" (captured with -v) */
    static const uint8_t aarq[] = {
        0x60, 0x36, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0x8A,
        0x02, 0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01, 0xAC, 0x0A,
        0x80, 0x08, 0x61, 0x6E, 0x33, 0x38, 0x36, 0x64, 0x65, 0x76, 0xBE, 0x10, 0x04, 0x0E,
        0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x40, 0x1E, 0x1D, 0xFF, 0xFF};
    static const uint8_t get_clock[] = {0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00,
                                        0x01, 0x00, 0x00, 0xFF, 0x02, 0x00};
    /* GET 1.0.99.1.0.255 attribute 2 by range on the clock, 2026-06-01 00:00 .. 06-02 00:00
     * (deviation 0) */
    static const uint8_t get_lp[] = {
        0xC0, 0x01, 0xC1, 0x00, 0x07, 0x01, 0x00, 0x63, 0x01, 0x00, 0xFF, 0x02, 0x01,
        0x01, 0x02, 0x04, 0x02, 0x04, 0x12, 0x00, 0x08, 0x09, 0x06, 0x00, 0x00, 0x01,
        0x00, 0x00, 0xFF, 0x0F, 0x02, 0x12, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xEA, 0x06,
        0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xEA,
        0x06, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00};
    size_t n;
    uint64_t c_aarq = timed(aarq, sizeof aarq, &n);
    if (n < 3 || out[0] != 0x61)
        fail("AARQ refused");
    uint64_t c_get = timed(get_clock, sizeof get_clock, &n);
    if (n < 4 || out[0] != 0xC4)
        fail("GET clock failed");
    uint64_t c_first = timed(get_lp, sizeof get_lp, &n);
    if (n < 4 || out[0] != 0xC4 || out[1] != 0x02)
        fail("the profile is not in blocks");
    uint64_t blocks = 1, c_next = 0, worst = c_first, bytes = n;
    uint8_t next[] = {0xC0, 0x02, 0xC1, 0x00, 0x00, 0x00, 0x01};
    while (out[3] == 0x00 && blocks < 1000) { /* last-block FALSE */
        uint64_t c = timed(next, sizeof next, &n);
        if (n < 4 || out[0] != 0xC4 || out[1] != 0x02)
            fail("next block failed");
        c_next += c;
        if (c > worst)
            worst = c;
        bytes += n;
        blocks++;
        uint32_t bn =
            ((uint32_t)next[3] << 24 | (uint32_t)next[4] << 16 | (uint32_t)next[5] << 8 | next[6]) +
            1u;
        next[3] = (uint8_t)(bn >> 24);
        next[4] = (uint8_t)(bn >> 16);
        next[5] = (uint8_t)(bn >> 8);
        next[6] = (uint8_t)bn;
    }
    put("M4 DLMS 162M: aarq ");
    put_u(c_aarq);
    put(" get-clock ");
    put_u(c_get);
    put(" profile-day rows ");
    put_u(mfw_meter_profile_count(&meter, MFW_PROF_LP1));
    put(" blocks ");
    put_u(blocks);
    put(" bytes ");
    put_u(bytes);
    put(" first-block ");
    put_u(c_first);
    put(" next-block-mean ");
    put_u(blocks > 1 ? c_next / (blocks - 1) : 0);
    put(" worst-block ");
    put_u(worst);
    put("\n");
    semihost(SYS_WRITE0, line);
    semihost(SYS_EXIT, (const void *)(uintptr_t)ADP_STOPPED_APPLICATION_EXIT);
    for (;;) {
    }
}

/* ---- start-up, as bench_m4.c ---------------------------------------------------------------- */
extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
void bench_reset(void);
void bench_fault(void);

void bench_fault(void)
{
    semihost(SYS_WRITE0, "bench_dlms_m4: fault\n");
    semihost(SYS_EXIT, (const void *)(uintptr_t)0x20023);
    for (;;) {
    }
}

void bench_reset(void)
{
    for (uint32_t *s = &_sidata, *d = &_sdata; d < &_edata;)
        *d++ = *s++;
    for (uint32_t *d = &_sbss; d < &_ebss;)
        *d++ = 0;
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CP10, CP11 (ARMv7-M CPACR) */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    main();
    bench_fault();
}

struct bench_vectors {
    uint32_t *initial_sp;
    void (*handler[15])(void);
};
__attribute__((section(".isr_vector"), used)) static const struct bench_vectors vectors = {
    &_estack,
    {bench_reset, bench_fault, bench_fault, bench_fault, bench_fault, bench_fault, 0, 0, 0, 0,
     bench_fault, bench_fault, 0, bench_fault, bench_fault}};
