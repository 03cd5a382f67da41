/* SPDX-License-Identifier: Apache-2.0 */
/* bench_store: the store's long power-cut campaign and the wear projection of the default meter
 * layout.
 *
 *   bench_store [cuts] [steps]     defaults: 10000 random cut points over a 3000-step workload
 *   bench_store --replay CUT CUT2 SEED [steps]
 *                                  one cut point again, as a failure line of the campaign names it
 *
 * 1. Campaign: the workload of tests/test_store.c (two RECORDS areas: a growing counter and a
 *    configuration alternating between two contents; two rings of 16- and 40-byte entries) on a
 *    16 x 512-byte flash with prog_size 8, cut at random program/erase operations; after each cut
 *    a second cut during the recovery, then power on, mount and check everything (the model and
 *    its checks are the unit test's: bench/store_model.c), continue, remount, check.
 * 2. Wear: the default meter layout on a 2 MiB flash of 4 KiB sectors, one year of writes
 *    simulated on the flash emulator; erases per sector per year per area, the worst sector and
 *    the years until 100,000 cycles.
 * Host only. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flash_emu.h"
#include "meterfw/base/error.h"
#include "meterfw/store/store.h"
#include "store_model.h"

#define FLASH_MAX (2048u * 1024u)
#define MAX_ATTEMPTS 8192 /* successful appends per ring the model can track */

static uint8_t g_mem[FLASH_MAX];
static uint8_t g_weak[FLASH_MAX]; /* cuts tear as NOR does: any bits, weak cells (flash_emu.h) */
static struct store_rig g_rig;

/* ---------- 1. power-cut campaign ---------- */

static int campaign(uint32_t cuts, uint32_t steps)
{
    static struct sm_model m;
    if (sm_model_alloc(&m, MAX_ATTEMPTS) != 0) {
        printf("campaign: out of memory\n");
        return 1;
    }
    struct mfw_store_config c;
    sm_layout(&c, 512, 8);
    struct sm_campaign cp = {.report_limit = UINT32_MAX};
    sm_cut_run(&g_rig, &m, &c, steps, 0, 0, 1, &cp);
    uint64_t n = cp.total_ops, x = 0xC0FFEEull;
    clock_t t0 = clock();
    for (uint32_t k = 0; k < cuts; k++)
        sm_cut_run(&g_rig, &m, &c, steps, 1 + sm_rng_next(&x) % n, 1 + sm_rng_next(&x) % 60u,
                   sm_rng_next(&x), &cp);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    sm_model_free(&m);
    printf("## Power-cut campaign\n\n");
    printf("| workload | flash ops | cut points tried | second cuts | failures | time |\n");
    printf("|---|---:|---:|---:|---:|---:|\n");
    printf("| %u steps, 4 areas, prog_size 8 | %llu | %u | %u | %u | %.1f s |\n\n", (unsigned)steps,
           (unsigned long long)n, (unsigned)cp.tried, (unsigned)cp.tried, (unsigned)cp.failed,
           secs);
    return cp.failed == 0 ? 0 : 1;
}

/* ---------- 2. wear of the default meter layout ---------- */

enum { A_STATE, A_CONFIG, A_LP1, A_DAILY, A_BILLING, A_ANALYSIS, A_EVENT0 };
#define N_EVENT_LOGS 6
#define N_AREAS (A_EVENT0 + N_EVENT_LOGS)

static const char *const area_name[N_AREAS] = {
    "state (records)", "config (records)", "LP1 15-min profile", "daily profile",
    "billing",         "analysis log",     "event log 1",        "event log 2",
    "event log 3",     "event log 4",      "event log 5",        "event log 6",
};

/* The default layout of a meter: 2 MiB NOR flash, 4 KiB sectors, prog_size 8 (a typical SPI NOR
 * programs any byte count; 8 keeps internal-flash MCUs possible). */
static void meter_layout(struct mfw_store_config *c)
{
    memset(c, 0, sizeof *c);
    c->sector_size = 4096;
    c->sector_count = 512;
    c->prog_size = 8;
    c->n_areas = N_AREAS;
    uint16_t at = 0;
    /* kind, version, first, sectors, entry size */
    static const struct {
        uint8_t kind;
        uint16_t sectors, entry;
    } a[N_AREAS] = {
        {MFW_STORE_RECORDS, 8, 1024}, /* registers and meter state: every 15 min + power failure */
        {MFW_STORE_RECORDS, 4, 1024}, /* configuration: rarely */
        {MFW_STORE_RING, 56, 48},     /* LP1: 72 entries/sector, capacity 55*72 = 3960 = 41.25 d */
        {MFW_STORE_RING, 9, 64},      /* daily: 56/sector, capacity 448 days */
        {MFW_STORE_RING, 2, 128},     /* billing (monthly): 29/sector, capacity 29 months */
        {MFW_STORE_RING, 36, 136},    /* analysis: 16 x 8-byte values + 8; 28/sector, 10.2 days */
        {MFW_STORE_RING, 3, 32},      /* event logs: 101/sector, capacity 202 >= 200 */
        {MFW_STORE_RING, 3, 32},      {MFW_STORE_RING, 3, 32}, {MFW_STORE_RING, 3, 32},
        {MFW_STORE_RING, 3, 32},      {MFW_STORE_RING, 3, 32},
    };
    for (unsigned k = 0; k < N_AREAS; k++) {
        c->area[k] = (struct mfw_store_area_config){a[k].kind, 1, at, a[k].sectors, a[k].entry};
        at = (uint16_t)(at + a[k].sectors);
    }
}

static int wear(void)
{
    struct mfw_store_config c;
    meter_layout(&c);
    if (sm_flash_new(&g_rig, c.sector_size, c.sector_count, c.prog_size, 42) != 0 ||
        mfw_store_mount(&g_rig.st, &c, &g_rig.hal) != MFW_OK) {
        printf("wear: cannot set up the layout\n");
        return 1;
    }
    /* Assumed write rates per year (pessimistic where the issue leaves it open):
     * state 1024 B every 15 min plus one per power failure (365 failures a year);
     * config 24 a year; LP1 every 15 min; daily; billing monthly; analysis every 15 min;
     * each event log 20 events a day (a busy meter: voltage quality, communication, ...). */
    static uint8_t buf[1024];
    const uint32_t quarters = 365u * 96u;
    uint32_t writes[N_AREAS] = {0};
    int r = MFW_OK;
    for (uint32_t q = 0; q < quarters && r == MFW_OK; q++) {
        memset(buf, (int)(q & 0xFFu), sizeof buf);
        memcpy(buf, &q, sizeof q);
        r |= mfw_store_record_write(&g_rig.st, A_STATE, buf, 1024), writes[A_STATE]++;
        if (q % 96u == 50u) /* one power failure a day: a state save on the way down */
            r |= mfw_store_record_write(&g_rig.st, A_STATE, buf, 1024), writes[A_STATE]++;
        r |= mfw_store_ring_append(&g_rig.st, A_LP1, buf), writes[A_LP1]++;
        r |= mfw_store_ring_append(&g_rig.st, A_ANALYSIS, buf), writes[A_ANALYSIS]++;
        if (q % 96u == 0)
            r |= mfw_store_ring_append(&g_rig.st, A_DAILY, buf), writes[A_DAILY]++;
        if (q % (96u * 30u) == 0)
            r |= mfw_store_ring_append(&g_rig.st, A_BILLING, buf), writes[A_BILLING]++;
        if (q % (96u * 365u / 24u) == 0)
            r |= mfw_store_record_write(&g_rig.st, A_CONFIG, buf, 1024), writes[A_CONFIG]++;
        for (unsigned e = 0; e < N_EVENT_LOGS; e++)
            if ((q * 20u + e * 7u) % 96u < 20u)
                r |= mfw_store_ring_append(&g_rig.st, A_EVENT0 + e, buf), writes[A_EVENT0 + e]++;
    }
    if (r != MFW_OK) {
        printf("wear: a write failed (%d)\n", r);
        return 1;
    }
    printf("## Wear: default meter layout, one simulated year\n\n");
    printf("2 MiB NOR, 512 sectors of 4 KiB, prog_size 8; %u of 512 sectors used.\n\n",
           (unsigned)(c.area[N_AREAS - 1].first_sector + c.area[N_AREAS - 1].sectors));
    printf("| area | sectors | entry B | kept (capacity) | writes/year | erases/sector/year "
           "(mean) | worst sector | years to 100k cycles |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    uint32_t worst_all = 0;
    unsigned worst_area = 0;
    for (unsigned k = 0; k < N_AREAS; k++) {
        const struct mfw_store_area_config *ac = &c.area[k];
        uint64_t sum = 0;
        uint32_t worst = 0;
        for (uint32_t s = ac->first_sector; s < ac->first_sector + ac->sectors; s++) {
            sum += g_rig.emu.erase_count[s];
            if (g_rig.emu.erase_count[s] > worst)
                worst = g_rig.emu.erase_count[s];
        }
        char kept[32];
        if (ac->kind == MFW_STORE_RING)
            snprintf(kept, sizeof kept, "%u", (unsigned)mfw_store_ring_capacity(&g_rig.st, k));
        else
            snprintf(kept, sizeof kept, "newest");
        char years[32];
        if (worst)
            snprintf(years, sizeof years, "%.0f", 100000.0 / worst);
        else
            snprintf(years, sizeof years, "unlimited");
        printf("| %s | %u | %u | %s | %u | %.1f | %u | %s |\n", area_name[k], (unsigned)ac->sectors,
               (unsigned)ac->entry_size, kept, (unsigned)writes[k], (double)sum / ac->sectors,
               (unsigned)worst, years);
        if (worst > worst_all) {
            worst_all = worst;
            worst_area = k;
        }
    }
    printf("\n| | erases/year | years to 100,000 cycles | 20-year requirement |\n");
    printf("|---|---:|---:|---|\n");
    printf("| worst sector (%s) | %u | %.0f | %s |\n\n", area_name[worst_area], (unsigned)worst_all,
           worst_all ? 100000.0 / worst_all : 1e9, worst_all * 20u <= 100000u ? "met" : "NOT MET");
    printf("store stats: %u programs, %u erases, %u bytes programmed in the year\n\n",
           (unsigned)g_rig.st.stats.progs, (unsigned)g_rig.st.stats.erases,
           (unsigned)g_rig.st.stats.bytes_programmed);
    return worst_all * 20u <= 100000u ? 0 : 1;
}

/* One cut point of the campaign again, with its checks' messages. */
static int replay(uint64_t cut, uint64_t cut2, uint64_t seed, uint32_t steps)
{
    static struct sm_model m;
    if (sm_model_alloc(&m, MAX_ATTEMPTS) != 0)
        return 1;
    struct mfw_store_config c;
    sm_layout(&c, 512, 8);
    struct sm_campaign cp = {.report_limit = UINT32_MAX};
    sm_cut_run(&g_rig, &m, &c, steps, cut, cut2, seed, &cp);
    sm_model_free(&m);
    printf("replay: cut %llu, second cut %llu, seed %llu: %s\n", (unsigned long long)cut,
           (unsigned long long)cut2, (unsigned long long)seed, cp.failed ? "FAILED" : "ok");
    return cp.failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "--replay") == 0) {
        g_rig.weak = g_weak;
        sm_rig_init(&g_rig, g_mem, sizeof g_mem);
        return replay(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10),
                      strtoull(argv[4], NULL, 10),
                      argc > 5 ? (uint32_t)strtoul(argv[5], NULL, 10) : 3000u);
    }
    uint32_t cuts = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 10000u;
    uint32_t steps = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 3000u;
    g_rig.weak = g_weak;
    sm_rig_init(&g_rig, g_mem, sizeof g_mem);
    int rc = wear();
    rc |= campaign(cuts, steps);
    return rc;
}
