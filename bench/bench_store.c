/* bench_store: the store's long power-cut campaign and the wear projection of the default meter
 * layout.
 *
 *   bench_store [cuts] [steps]     defaults: 10000 random cut points over a 3000-step workload
 *
 * 1. Campaign: the workload of tests/test_store.c (two RECORDS areas: a growing counter and a
 *    configuration alternating between two contents; two rings of 16- and 40-byte entries) on a
 *    16 x 512-byte flash with prog_size 8, cut at random program/erase operations; after each cut
 *    a second cut during the recovery, then power on, mount and check everything (the model and
 *    its checks are a copy of the unit test's), continue, remount, check.
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
#include "meterfw/error.h"
#include "meterfw/store.h"

#define FLASH_MAX (2048u * 1024u)

static uint8_t g_mem[FLASH_MAX];
static struct flash_emu g_emu;
static struct hal g_hal;
static struct store g_st;

static int flash_new(uint32_t sector_size, uint32_t sectors, uint32_t prog, uint64_t seed)
{
    if (sector_size * sectors > FLASH_MAX ||
        flash_emu_init(&g_emu, g_mem, sector_size, sectors, prog, seed) != MFW_OK)
        return -1;
    flash_emu_erase_all(&g_emu);
    memset(&g_hal, 0, sizeof g_hal);
    flash_emu_hal(&g_emu, &g_hal);
    return 0;
}

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1Dull;
}

static void layout(struct store_cfg *c, uint32_t sector_size, uint16_t prog)
{
    memset(c, 0, sizeof *c);
    c->sector_size = sector_size;
    c->sector_count = 16;
    c->prog_size = prog;
    c->n_areas = 4;
    c->area[0] = (struct store_area_cfg){STORE_RECORDS, 1, 0, 4, 64};
    c->area[1] = (struct store_area_cfg){STORE_RECORDS, 1, 4, 2, 100};
    c->area[2] = (struct store_area_cfg){STORE_RING, 1, 6, 3, 16};
    c->area[3] = (struct store_area_cfg){STORE_RING, 1, 9, 4, 40};
}

static void entry_fill(uint8_t *e, size_t n, uint32_t id, unsigned r)
{
    uint64_t x = ((uint64_t)id << 8 | r) * 0x9E3779B97F4A7C15ull + 1u;
    for (size_t k = 0; k < n; k++)
        e[k] = (uint8_t)rng_next(&x);
    memcpy(e, &id, sizeof id);
}

/* The attempt id an entry claims, or UINT32_MAX if its content is not that attempt's. */
static uint32_t entry_id(const uint8_t *e, size_t n, unsigned r)
{
    uint32_t id;
    uint8_t want[64];
    memcpy(&id, e, sizeof id);
    entry_fill(want, n, id, r);
    return memcmp(want, e, n) == 0 ? id : UINT32_MAX;
}

/* Counter record: value, then a pattern; the length varies with the value (8..64 bytes). */
static size_t counter_fill(uint8_t *b, uint32_t v)
{
    size_t len = 8u + (v * 7u) % 57u;
    for (size_t k = 0; k < len; k++)
        b[k] = (uint8_t)(v * 31u + k * 7u);
    memcpy(b, &v, sizeof v);
    return len;
}

static bool counter_parse(const uint8_t *b, size_t len, uint32_t *v)
{
    uint8_t want[64];
    if (len < 8)
        return false;
    memcpy(v, b, sizeof *v);
    return counter_fill(want, *v) == len && memcmp(want, b, len) == 0;
}

static size_t config_fill(uint8_t *b, unsigned which)
{
    size_t len = which ? 100u : 37u;
    for (size_t k = 0; k < len; k++)
        b[k] = (uint8_t)(which ? 0xA5u ^ k : 0x3Cu + k);
    return len;
}

/* ---------- the model of what may survive, shared by the garbage and power-cut tests ---------- */

#define MAX_ATTEMPTS 8192

struct ring_model {
    unsigned area;
    size_t es;
    uint32_t n_ok;                 /* attempts known to be in the store, in order */
    uint32_t ok_id[MAX_ATTEMPTS];  /* their ids */
    uint32_t ok_seq[MAX_ATTEMPTS]; /* their sequence numbers */
    bool inflight;                 /* an attempt that failed (cut): may or may not be there */
    uint32_t inflight_id;
    uint32_t cuts;                 /* each cut may cost one slot of capacity */
    uint32_t cleared_below;        /* index into ok_*: entries before it were cleared */
};

struct model {
    uint32_t next_id;
    bool counter_ok;
    uint32_t counter;              /* last completed counter value */
    bool counter_inflight;
    uint32_t counter_next;         /* value being written when cut */
    int config_ok;                 /* -1 none, else which */
    int config_inflight;           /* -1 none */
    struct ring_model ring[2];
};

static void model_init(struct model *m)
{
    memset(m, 0, sizeof *m);
    m->config_ok = -1;
    m->config_inflight = -1;
    m->ring[0].area = 2;
    m->ring[0].es = 16;
    m->ring[1].area = 3;
    m->ring[1].es = 40;
}

static int fails; /* failures of the current check (the campaign counts cut points with any) */

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            if (fails++ < 1)                                                                     \
                fprintf(stderr, "  check failed: %s (line %d)\n", #cond, __LINE__);             \
        }                                                                                        \
    } while (0)

/* Checks the mounted store against the model and folds the in-flight outcomes into it (what is
 * there now must stay). strict_content: only allow written data (garbage tests relax counts). */
static void model_check(struct model *m, bool relaxed)
{
    uint8_t b[128];
    size_t len = 0;
    /* Counter: the last completed value or the one being written; never older, never garbage. */
    int r = store_record_read(&g_st, 0, b, sizeof b, &len);
    if (r == MFW_OK) {
        uint32_t v;
        bool ok = counter_parse(b, len, &v);
        CHECK(ok);
        if (ok && !relaxed)
            CHECK((m->counter_ok && v == m->counter) || (m->counter_inflight && v == m->counter_next));
        if (ok && relaxed)
            CHECK(v >= 1 && v <= m->counter_next);
        if (ok) {
            m->counter = v;
            m->counter_ok = true;
        }
    } else {
        CHECK(r == MFW_E_STATE && (relaxed || !m->counter_ok));
    }
    m->counter_inflight = false;
    /* Config: old or new. */
    r = store_record_read(&g_st, 1, b, sizeof b, &len);
    if (r == MFW_OK) {
        uint8_t w[128];
        int which = -1;
        for (int k = 0; k < 2; k++)
            if (config_fill(w, (unsigned)k) == len && memcmp(w, b, len) == 0)
                which = k;
        CHECK(which >= 0);
        if (!relaxed)
            CHECK(which == m->config_ok || which == m->config_inflight);
        m->config_ok = which;
    } else {
        CHECK(r == MFW_E_STATE && (relaxed || m->config_ok < 0));
    }
    m->config_inflight = -1;
    /* Rings: a contiguous run of the attempts that ends with the last completed one (or the
     * in-flight one), at least min(completed, capacity - cuts) long, content exact, seqs as
     * recorded when the append completed. */
    for (unsigned k = 0; k < 2; k++) {
        struct ring_model *rm = &m->ring[k];
        uint32_t n = store_ring_count(&g_st, rm->area);
        uint32_t first = store_ring_first_seq(&g_st, rm->area);
        uint32_t cap = store_ring_capacity(&g_st, rm->area);
        uint32_t ids[MAX_ATTEMPTS];
        uint32_t got = 0;
        for (uint32_t i = 0; i < n && i < MAX_ATTEMPTS; i++) {
            r = store_ring_read(&g_st, rm->area, i, b);
            if (relaxed && r != MFW_OK)
                continue;
            CHECK(r == MFW_OK);
            uint32_t id = entry_id(b, rm->es, k + 2);
            CHECK(id != UINT32_MAX);
            if (relaxed) { /* an entry that reads must be one that was written, at its seq */
                bool found = false;
                for (uint32_t j = 0; j < rm->n_ok; j++)
                    if (rm->ok_id[j] == id && rm->ok_seq[j] == first + i)
                        found = true;
                CHECK(found);
                continue;
            }
            ids[got++] = id;
        }
        if (relaxed)
            continue;
        bool with_inflight = got > 0 && rm->inflight && ids[got - 1] == rm->inflight_id;
        uint32_t avail = rm->n_ok - rm->cleared_below + (with_inflight ? 1u : 0u);
        CHECK(got <= avail);
        if (got > avail)
            got = avail;
        uint32_t need = rm->n_ok - rm->cleared_below;
        uint32_t keep = cap > rm->cuts ? cap - rm->cuts : 0;
        CHECK(got >= (need < keep ? need : keep));
        /* ids must be the last `got` of ok_id[cleared_below..] (+ inflight). */
        uint32_t start = rm->n_ok + (with_inflight ? 1u : 0u) - got;
        for (uint32_t i = 0; i < got; i++) {
            uint32_t j = start + i;
            uint32_t want = j < rm->n_ok ? rm->ok_id[j] : rm->inflight_id;
            CHECK(ids[i] == want);
            if (j < rm->n_ok)
                CHECK(rm->ok_seq[j] == first + i); /* no duplicates, nothing renumbered */
        }
        if (with_inflight) {
            rm->ok_id[rm->n_ok] = rm->inflight_id;
            rm->ok_seq[rm->n_ok] = first + got - 1;
            rm->n_ok++;
        }
        rm->inflight = false;
        if (got < rm->n_ok - rm->cleared_below)
            rm->cleared_below = rm->n_ok - got; /* dropped by capacity: gone for good */
    }
}

/* One workload step (deterministic from step). MFW_OK or the store's error. */
static int model_step(struct model *m, uint32_t step)
{
    uint64_t x = (uint64_t)step * 0xD1B54A32D192ED03ull + 7u;
    unsigned pick = (unsigned)(rng_next(&x) % 10u);
    uint8_t b[128];
    if (pick < 4 || pick == 9) {
        struct ring_model *rm = &m->ring[pick == 9 ? 1 : pick % 2];
        uint32_t id = m->next_id++;
        entry_fill(b, rm->es, id, rm->area);
        int r = store_ring_append(&g_st, rm->area, b);
        if (r == MFW_OK) {
            rm->ok_id[rm->n_ok] = id;
            rm->ok_seq[rm->n_ok] = store_ring_first_seq(&g_st, rm->area) +
                                   store_ring_count(&g_st, rm->area) - 1u;
            rm->n_ok++;
        } else {
            rm->inflight = true;
            rm->inflight_id = id;
            rm->cuts++;
        }
        return r;
    }
    if (pick < 8) {
        uint32_t v = m->counter_next + 1u;
        m->counter_next = v;
        size_t n = counter_fill(b, v);
        int r = store_record_write(&g_st, 0, b, n);
        if (r == MFW_OK) {
            m->counter = v;
            m->counter_ok = true;
        } else {
            m->counter_inflight = true;
        }
        return r;
    }
    int which = m->config_ok == 0 ? 1 : 0;
    size_t n = config_fill(b, (unsigned)which);
    int r = store_record_write(&g_st, 1, b, n);
    if (r == MFW_OK)
        m->config_ok = which;
    else
        m->config_inflight = which;
    return r;
}

/* ---------- 1. power-cut campaign ---------- */

struct campaign {
    uint32_t tried, failed;
    uint64_t total_ops, cut_ops_sum;
};

static void cut_run(const struct store_cfg *c, uint32_t steps, uint64_t cut, uint64_t cut2,
                    uint64_t seed, struct campaign *cp)
{
    static struct model m;
    flash_new(512, 16, 8, seed);
    model_init(&m);
    fails = 0;
    CHECK(store_mount(&g_st, c, &g_hal) == MFW_OK);
    flash_emu_cut_after(&g_emu, cut);
    uint32_t s = 0;
    for (; s < steps; s++)
        if (model_step(&m, s) != MFW_OK)
            break;
    if (cut == 0)
        cp->total_ops = g_emu.ops;
    flash_emu_power_on(&g_emu);
    CHECK(store_mount(&g_st, c, &g_hal) == MFW_OK);
    model_check(&m, false);
    if (cut2 != 0) {
        flash_emu_cut_after(&g_emu, cut2);
        for (uint32_t k = 0; k < 80; k++)
            if (model_step(&m, s + 500u + k) != MFW_OK)
                break;
        flash_emu_power_on(&g_emu);
        CHECK(store_mount(&g_st, c, &g_hal) == MFW_OK);
        model_check(&m, false);
    }
    for (uint32_t k = 0; k < 80; k++)
        CHECK(model_step(&m, s + 1000u + k) == MFW_OK);
    model_check(&m, false);
    CHECK(store_mount(&g_st, c, &g_hal) == MFW_OK);
    model_check(&m, false);
    CHECK(g_emu.violations == 0);
    CHECK(g_emu.reprogrammed == 0);
    if (cut != 0) {
        cp->tried++;
        if (fails) {
            cp->failed++;
            fprintf(stderr, "  FAILED: cut at op %llu, second cut after %llu, seed %llu\n",
                    (unsigned long long)cut, (unsigned long long)cut2, (unsigned long long)seed);
        }
    }
}

static int campaign(uint32_t cuts, uint32_t steps)
{
    struct store_cfg c;
    layout(&c, 512, 8);
    struct campaign cp = {0};
    cut_run(&c, steps, 0, 0, 1, &cp);
    uint64_t n = cp.total_ops, x = 0xC0FFEEull;
    clock_t t0 = clock();
    for (uint32_t k = 0; k < cuts; k++)
        cut_run(&c, steps, 1 + rng_next(&x) % n, 1 + rng_next(&x) % 60u, rng_next(&x), &cp);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    printf("## Power-cut campaign\n\n");
    printf("| workload | flash ops | cut points tried | second cuts | failures | time |\n");
    printf("|---|---:|---:|---:|---:|---:|\n");
    printf("| %u steps, 4 areas, prog_size 8 | %llu | %u | %u | %u | %.1f s |\n\n",
           (unsigned)steps, (unsigned long long)n, (unsigned)cp.tried, (unsigned)cp.tried,
           (unsigned)cp.failed, secs);
    return cp.failed == 0 ? 0 : 1;
}

/* ---------- 2. wear of the default meter layout ---------- */

enum { A_STATE, A_CONFIG, A_LP1, A_DAILY, A_BILLING, A_ANALYSIS, A_EVENT0 };
#define N_EVENT_LOGS 6
#define N_AREAS (A_EVENT0 + N_EVENT_LOGS)

static const char *const area_name[N_AREAS] = {
    "state (records)", "config (records)", "LP1 15-min profile", "daily profile", "billing",
    "analysis log", "event log 1", "event log 2", "event log 3", "event log 4", "event log 5",
    "event log 6",
};

/* The default layout of a meter: 2 MiB NOR flash, 4 KiB sectors, prog_size 8 (a typical SPI NOR
 * programs any byte count; 8 keeps internal-flash MCUs possible). */
static void meter_layout(struct store_cfg *c)
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
        {STORE_RECORDS, 8, 1024}, /* registers and meter state: every 15 min + power failure */
        {STORE_RECORDS, 4, 1024}, /* configuration: rarely */
        {STORE_RING, 56, 48},     /* LP1: 72 entries/sector, capacity 55*72 = 3960 = 41.25 d */
        {STORE_RING, 9, 64},      /* daily: 56/sector, capacity 448 days */
        {STORE_RING, 2, 128},     /* billing (monthly): 29/sector, capacity 29 months */
        {STORE_RING, 36, 136},    /* analysis: 16 x 8-byte values + 8; 28/sector, 10.2 days */
        {STORE_RING, 3, 32},      /* event logs: 101/sector, capacity 202 >= 200 */
        {STORE_RING, 3, 32},
        {STORE_RING, 3, 32},
        {STORE_RING, 3, 32},
        {STORE_RING, 3, 32},
        {STORE_RING, 3, 32},
    };
    for (unsigned k = 0; k < N_AREAS; k++) {
        c->area[k] = (struct store_area_cfg){a[k].kind, 1, at, a[k].sectors, a[k].entry};
        at = (uint16_t)(at + a[k].sectors);
    }
}

static int wear(void)
{
    struct store_cfg c;
    meter_layout(&c);
    if (flash_new(c.sector_size, c.sector_count, c.prog_size, 42) != 0 ||
        store_mount(&g_st, &c, &g_hal) != MFW_OK) {
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
        r |= store_record_write(&g_st, A_STATE, buf, 1024), writes[A_STATE]++;
        if (q % 96u == 50u) /* one power failure a day: a state save on the way down */
            r |= store_record_write(&g_st, A_STATE, buf, 1024), writes[A_STATE]++;
        r |= store_ring_append(&g_st, A_LP1, buf), writes[A_LP1]++;
        r |= store_ring_append(&g_st, A_ANALYSIS, buf), writes[A_ANALYSIS]++;
        if (q % 96u == 0)
            r |= store_ring_append(&g_st, A_DAILY, buf), writes[A_DAILY]++;
        if (q % (96u * 30u) == 0)
            r |= store_ring_append(&g_st, A_BILLING, buf), writes[A_BILLING]++;
        if (q % (96u * 365u / 24u) == 0)
            r |= store_record_write(&g_st, A_CONFIG, buf, 1024), writes[A_CONFIG]++;
        for (unsigned e = 0; e < N_EVENT_LOGS; e++)
            if ((q * 20u + e * 7u) % 96u < 20u)
                r |= store_ring_append(&g_st, A_EVENT0 + e, buf), writes[A_EVENT0 + e]++;
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
        const struct store_area_cfg *ac = &c.area[k];
        uint64_t sum = 0;
        uint32_t worst = 0;
        for (uint32_t s = ac->first_sector; s < ac->first_sector + ac->sectors; s++) {
            sum += g_emu.erase_count[s];
            if (g_emu.erase_count[s] > worst)
                worst = g_emu.erase_count[s];
        }
        char kept[32];
        if (ac->kind == STORE_RING)
            snprintf(kept, sizeof kept, "%u", (unsigned)store_ring_capacity(&g_st, k));
        else
            snprintf(kept, sizeof kept, "newest");
        char years[32];
        if (worst)
            snprintf(years, sizeof years, "%.0f", 100000.0 / worst);
        else
            snprintf(years, sizeof years, "unlimited");
        printf("| %s | %u | %u | %s | %u | %.1f | %u | %s |\n", area_name[k],
               (unsigned)ac->sectors, (unsigned)ac->entry_size, kept, (unsigned)writes[k],
               (double)sum / ac->sectors, (unsigned)worst, years);
        if (worst > worst_all) {
            worst_all = worst;
            worst_area = k;
        }
    }
    printf("\n| | erases/year | years to 100,000 cycles | 20-year requirement |\n");
    printf("|---|---:|---:|---|\n");
    printf("| worst sector (%s) | %u | %.0f | %s |\n\n", area_name[worst_area],
           (unsigned)worst_all, worst_all ? 100000.0 / worst_all : 1e9,
           worst_all * 20u <= 100000u ? "met" : "NOT MET");
    printf("store stats: %u programs, %u erases, %u bytes programmed in the year\n\n",
           (unsigned)g_st.stats.progs, (unsigned)g_st.stats.erases,
           (unsigned)g_st.stats.bytes_programmed);
    return worst_all * 20u <= 100000u ? 0 : 1;
}

int main(int argc, char **argv)
{
    uint32_t cuts = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 10000u;
    uint32_t steps = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 3000u;
    int rc = wear();
    rc |= campaign(cuts, steps);
    return rc;
}
