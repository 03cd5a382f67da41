/* SPDX-License-Identifier: Apache-2.0 */
/* Profile generic engine (profile.c) and the catalogue (catalog.c), over the real store on the
 * RAM flash emulator. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flash_emu.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/catalog.h"
#include "meterfw/meter/profile.h"
#include "meterfw/store/store.h"

#define SECTOR 4096u
#define SECTORS 256u

enum { MFW_AREA_LP1 = 0, AREA_WIDE = 1, AREA_SMALL = 2 };

/* 2024-03-10T10:07:30Z = 1710065250 s. */
#define T_100730 (1710065250LL * 1000)
#define MIN_MS (60LL * 1000)

struct rig {
    uint8_t mem[SECTOR * SECTORS];
    struct flash_emu fe;
    struct mfw_hal hal;
    struct mfw_store_config cfg;
    struct mfw_store st;
};

/* The meter's reader, as the meter reads (meter_read.c): energy registers EXACT from uWh
 * integers (truncated to the scaler), everything else MEASURED from a table of SI values (NaN:
 * not available). */
struct values {
    double v[MFW_CAT_COUNT];
    uint64_t uwh[MFW_CAT_COUNT];
    bool missing[MFW_CAT_COUNT];
    unsigned reads;
};

static bool is_energy_register(const struct mfw_catalog_entry *e)
{
    return e->kind == MFW_CATALOG_INSTANT &&
           (e->unit == MFW_COSEM_UNIT_WH || e->unit == MFW_COSEM_UNIT_VARH);
}

static void read_values(void *ctx, uint16_t id, struct mfw_catalog_value *out)
{
    struct values *vals = ctx;
    vals->reads++;
    const struct mfw_catalog_entry *e = mfw_catalog_find(id);
    out->state = MFW_CATALOG_NONE;
    if (e == NULL || vals->missing[id])
        return;
    if (is_energy_register(e)) {
        out->state = MFW_CATALOG_EXACT;
        out->exact = mfw_catalog_scale_int(e, (int64_t)vals->uwh[id], -6);
    } else if (!isnan(vals->v[id])) {
        out->state = MFW_CATALOG_MEASURED;
        out->si = vals->v[id];
    }
}

static struct rig *rig_new(void)
{
    static struct rig r; /* 1 MiB: not on the stack */
    memset(&r, 0, sizeof r);
    assert_int_equal(flash_emu_init(&r.fe, r.mem, SECTOR, SECTORS, 4, 1), MFW_OK);
    flash_emu_erase_all(&r.fe);
    flash_emu_hal(&r.fe, &r.hal);
    r.cfg.sector_size = SECTOR;
    r.cfg.sector_count = SECTORS;
    r.cfg.prog_size = 4;
    r.cfg.n_areas = 3;
    r.cfg.area[MFW_AREA_LP1] = (struct mfw_store_area_config){MFW_STORE_RING, 1, 0, 60,
                                                              (uint16_t)MFW_PROFILE_ENTRY_SIZE(4)};
    r.cfg.area[AREA_WIDE] =
        (struct mfw_store_area_config){MFW_STORE_RING, 1, 60, 40, (uint16_t)MFW_PROFILE_ENTRY_MAX};
    r.cfg.area[AREA_SMALL] = (struct mfw_store_area_config){MFW_STORE_RING, 1, 100, 3,
                                                            (uint16_t)MFW_PROFILE_ENTRY_SIZE(4)};
    assert_int_equal(mfw_store_mount(&r.st, &r.cfg, &r.hal), MFW_OK);
    return &r;
}

static void rig_remount(struct rig *r)
{
    memset(&r->st, 0, sizeof r->st);
    assert_int_equal(mfw_store_mount(&r->st, &r->cfg, &r->hal), MFW_OK);
}

/* ---- catalogue ---- */

static void test_catalog_table(void **state)
{
    (void)state;
    assert_true(mfw_catalog_count() > 80);
    assert_int_equal(mfw_catalog_count(), MFW_CAT_COUNT);
    for (unsigned k = 0; k < mfw_catalog_count(); k++) {
        const struct mfw_catalog_entry *e = mfw_catalog_find((uint16_t)k);
        assert_non_null(e);
        assert_int_equal(e->id, k);
        assert_non_null(e->name);
        assert_true(e->kind == MFW_CATALOG_AVERAGE || e->kind == MFW_CATALOG_INSTANT);
        assert_int_equal(e->obis[5], 255);
        /* OBIS codes are unique and find_obis finds the same row. */
        assert_ptr_equal(mfw_catalog_find_obis(e->obis), e);
        if (e->unit == MFW_COSEM_UNIT_WH || e->unit == MFW_COSEM_UNIT_VARH)
            assert_int_equal(e->kind, MFW_CATALOG_INSTANT);
        if (e->unit == MFW_COSEM_UNIT_V && e->obis[3] == 7)
            assert_int_equal(e->kind, MFW_CATALOG_AVERAGE);
    }
    assert_null(mfw_catalog_find(MFW_CAT_COUNT));
    static const uint8_t u1[6] = {1, 0, 32, 7, 0, 255}, i1[6] = {1, 0, 31, 7, 0, 255},
                         ap3[6] = {1, 0, 1, 8, 3, 255}, none[6] = {1, 0, 99, 99, 0, 255};
    assert_int_equal(mfw_catalog_find_obis(u1)->id, MFW_CAT_U_L1);
    assert_int_equal(mfw_catalog_find_obis(u1)->unit, MFW_COSEM_UNIT_V);
    assert_int_equal(mfw_catalog_find_obis(u1)->scaler, -1);
    assert_int_equal(mfw_catalog_find_obis(i1)->id, MFW_CAT_I_L1);
    assert_int_equal(mfw_catalog_find_obis(ap3)->id, MFW_CAT_AP_T3);
    assert_null(mfw_catalog_find_obis(none));
    assert_null(mfw_catalog_find_obis(NULL));
}

static void test_catalog_scale(void **state)
{
    (void)state;
    const struct mfw_catalog_entry *u = mfw_catalog_find(MFW_CAT_U_L1);     /* scaler -1 */
    const struct mfw_catalog_entry *i = mfw_catalog_find(MFW_CAT_I_L1);     /* scaler -3 */
    const struct mfw_catalog_entry *w = mfw_catalog_find(MFW_CAT_AP_TOTAL); /* scaler 0 */
    int valid;
    assert_int_equal(mfw_catalog_scale(u, 233.3333, &valid), 2333);
    assert_int_equal(valid, 1);
    assert_int_equal(mfw_catalog_scale(u, 2.25, NULL), 23); /* half away from zero */
    assert_int_equal(mfw_catalog_scale(u, -2.25, NULL), -23);
    assert_int_equal(mfw_catalog_scale(i, 5.0004, NULL), 5000);
    assert_int_equal(mfw_catalog_scale(w, 1e12, NULL), 1000000000000LL);
    assert_int_equal(mfw_catalog_scale(w, 1e30, NULL), INT64_MAX);
    assert_int_equal(mfw_catalog_scale(w, -1e30, NULL), INT64_MIN);
    assert_int_equal(mfw_catalog_scale(w, NAN, &valid), 0);
    assert_int_equal(valid, 0);
    /* Integer registers: truncated, never rounded up, no floating point. */
    assert_int_equal(mfw_catalog_scale_int(w, 4497609000, -6), 4497); /* uWh -> Wh */
    assert_int_equal(mfw_catalog_scale_int(w, 999999, -6), 0);
    assert_int_equal(mfw_catalog_scale_int(i, 5000, -3), 5000);              /* mA -> mA */
    assert_int_equal(mfw_catalog_scale_int(u, 2333, -1), 2333);              /* dV -> dV */
    assert_int_equal(mfw_catalog_scale_int(u, 233, 0), 2330);                /* V -> dV: exact */
    assert_int_equal(mfw_catalog_scale_int(w, INT64_MAX / 5, 1), INT64_MAX); /* saturates */
    assert_int_equal(mfw_catalog_scale_int(w, -1999999, -6), -1);            /* toward zero */
    struct mfw_catalog_value ex = {MFW_CATALOG_EXACT, 42, NAN}, none = {MFW_CATALOG_NONE, 7, 1.0};
    assert_int_equal(mfw_catalog_scale_value(w, &ex, &valid), 42);
    assert_int_equal(valid, 1);
    assert_int_equal(mfw_catalog_scale_value(w, &none, &valid), 0);
    assert_int_equal(valid, 0);
}

/* ---- configuration and alignment ---- */

/* The capture periods a profile takes: whole minutes dividing an hour, whole hours dividing a
 * day; the lists written out by hand. */
static void test_capture_periods(void **state)
{
    (void)state;
    static const uint32_t ok[] = {60,   120,  180,  240,   300,   360,   600,   720,   900,  1200,
                                  1800, 3600, 7200, 10800, 14400, 21600, 28800, 43200, 86400};
    static const uint32_t bad[] = {1,    30,   59,    90,    420,    840,    2400,  3000,
                                   5400, 9000, 18000, 36000, 172800, 604800, 86401, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_true(mfw_profile_period_ok(ok[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(mfw_profile_period_ok(bad[i]));
    unsigned n = 0; /* and no other period of a day or less */
    for (uint32_t s = 1; s <= 86400u; s++)
        n += mfw_profile_period_ok(s) ? 1u : 0u;
    assert_int_equal(n, sizeof ok / sizeof ok[0]);
}

static void test_alignment_and_period_change(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct values vals = {0};
    struct mfw_profile p;
    struct mfw_profile_config cfg;
    mfw_profile_config_lp1(&cfg);
    assert_int_equal(mfw_profile_init(&p, &cfg, MFW_AREA_LP1, T_100730), MFW_OK);
    assert_int_equal(mfw_profile_check_area(&p, &r->st), MFW_OK);
    const mfw_ms_t t1015 = T_100730 + 7 * MIN_MS + 30000;
    assert_int_equal(p.next_capture_ms, t1015);
    assert_false(mfw_profile_due(&p, t1015 - 1));
    assert_int_equal(mfw_profile_tick(&p, &r->st, t1015 - 1, 0, read_values, &vals), 0);
    assert_true(mfw_profile_due(&p, t1015));
    assert_int_equal(mfw_profile_tick(&p, &r->st, t1015 + 200, 0, read_values, &vals), 1);
    assert_int_equal(mfw_profile_count(&p, &r->st), 1);
    struct mfw_profile_row row;
    assert_int_equal(mfw_profile_read(&p, &r->st, 0, &row), MFW_OK);
    assert_int_equal(row.time, t1015);
    assert_int_equal(p.next_capture_ms, t1015 + 15 * MIN_MS);

    /* Bad configurations change nothing. */
    struct mfw_profile_config bad = cfg;
    bad.capture_period_s = 7 * 60; /* does not divide a day */
    assert_int_equal(mfw_profile_set_config(&p, &r->st, &bad, t1015 + 2 * MIN_MS), MFW_E_RANGE);
    bad = cfg;
    bad.column[2] = MFW_CAT_COUNT;
    assert_int_equal(mfw_profile_set_config(&p, &r->st, &bad, t1015 + 2 * MIN_MS), MFW_E_ARG);
    bad = cfg;
    bad.n_columns = MFW_PROFILE_COLUMNS_MAX + 1;
    assert_int_equal(mfw_profile_set_config(&p, &r->st, &bad, t1015 + 2 * MIN_MS), MFW_E_ARG);
    assert_int_equal(mfw_profile_count(&p, &r->st), 1);
    assert_int_equal(p.config.capture_period_s, 900);

    /* Same objects and period, other depth: the buffer stays. */
    struct mfw_profile_config deeper = cfg;
    deeper.depth = 4000;
    assert_int_equal(mfw_profile_set_config(&p, &r->st, &deeper, t1015 + 2 * MIN_MS), MFW_OK);
    assert_int_equal(mfw_profile_count(&p, &r->st), 1);
    assert_int_equal(p.config.depth, 4000);

    /* Period 5 min at 10:17: buffer cleared, next capture 10:20. */
    struct mfw_profile_config five = cfg;
    five.capture_period_s = 300;
    assert_int_equal(mfw_profile_set_config(&p, &r->st, &five, t1015 + 2 * MIN_MS), MFW_OK);
    assert_int_equal(mfw_profile_count(&p, &r->st), 0);
    assert_int_equal(p.next_capture_ms, t1015 + 5 * MIN_MS);
    assert_int_equal(mfw_profile_tick(&p, &r->st, t1015 + 5 * MIN_MS, 0, read_values, &vals), 1);
    assert_int_equal(mfw_profile_read(&p, &r->st, 0, &row), MFW_OK);
    assert_int_equal(row.time, t1015 + 5 * MIN_MS);

    /* Changing the capture objects clears too. */
    struct mfw_profile_config other = five;
    other.column[3] = MFW_CAT_RQ1;
    assert_int_equal(mfw_profile_set_config(&p, &r->st, &other, t1015 + 6 * MIN_MS), MFW_OK);
    assert_int_equal(mfw_profile_count(&p, &r->st), 0);
}

static void test_averages_and_instants(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct values vals = {0};
    struct mfw_profile p;
    struct mfw_profile_config cfg;
    static const uint16_t ids[] = {MFW_CAT_U_L1, MFW_CAT_AP_TOTAL, MFW_CAT_PP_TOTAL,
                                   MFW_CAT_TEMPERATURE};
    assert_int_equal(mfw_profile_config_analysis(&cfg, ids, 4, 900, 100), MFW_OK);
    const mfw_ms_t t0 = T_100730 - 7 * MIN_MS - 30000; /* 10:00:00 */
    assert_int_equal(mfw_profile_init(&p, &cfg, AREA_WIDE, t0), MFW_OK);

    /* 230 V for 600 s then 240 V for 300 s, in 200 ms windows; P+ 1000 W then 4000 W;
     * temperature available only in the second part. */
    vals.v[MFW_CAT_TEMPERATURE] = NAN;
    for (unsigned k = 0; k < 3000; k++) {
        vals.v[MFW_CAT_U_L1] = 230.0;
        vals.v[MFW_CAT_PP_TOTAL] = 1000.0;
        mfw_profile_accumulate(&p, read_values, &vals, 0.2);
    }
    vals.v[MFW_CAT_TEMPERATURE] = 21.5;
    for (unsigned k = 0; k < 1500; k++) {
        vals.v[MFW_CAT_U_L1] = 240.0;
        vals.v[MFW_CAT_PP_TOTAL] = 4000.0;
        mfw_profile_accumulate(&p, read_values, &vals, 0.2);
    }
    vals.uwh[MFW_CAT_AP_TOTAL] = 123456600000u; /* 123456.6 Wh at capture */
    vals.v[MFW_CAT_U_L1] = 999.0; /* the instantaneous value must not leak into the average */
    vals.reads = 0;
    assert_int_equal(mfw_profile_tick(&p, &r->st, t0 + 15 * MIN_MS, 0, read_values, &vals), 1);
    assert_int_equal(vals.reads, 1); /* only the INSTANT column is read at capture */
    struct mfw_profile_row row;
    assert_int_equal(mfw_profile_read(&p, &r->st, 0, &row), MFW_OK);
    assert_int_equal(row.n, 4);
    assert_int_equal(row.status, 0);
    assert_int_equal(row.v[0], 2333);   /* 233.333 V, scaler -1 */
    assert_int_equal(row.v[1], 123456); /* Wh, scaler 0, truncated: never more than measured */
    assert_int_equal(row.v[2], 2000);   /* (1000*600 + 4000*300) / 900 */
    assert_int_equal(row.v[3], 215);    /* mean over the time it was available */

    /* The next interval starts from empty accumulators: no time at all -> data not valid. */
    assert_int_equal(mfw_profile_tick(&p, &r->st, t0 + 30 * MIN_MS, 0, read_values, &vals), 1);
    assert_int_equal(mfw_profile_read(&p, &r->st, 1, &row), MFW_OK);
    assert_int_equal(row.status, MFW_PROFILE_ST_DATA_NOT_VALID);
    assert_int_equal(row.v[0], 0);

    /* Status bits: passed at capture, flagged during the interval, cleared after the row. */
    mfw_profile_accumulate(&p, read_values, &vals, 1.0);
    mfw_profile_flag(&p, MFW_PROFILE_ST_POWER_DOWN);
    assert_int_equal(
        mfw_profile_tick(&p, &r->st, t0 + 45 * MIN_MS, MFW_PROFILE_ST_DST, read_values, &vals), 1);
    assert_int_equal(mfw_profile_read(&p, &r->st, 2, &row), MFW_OK);
    assert_int_equal(row.status, MFW_PROFILE_ST_POWER_DOWN | MFW_PROFILE_ST_DST);
    assert_int_equal(row.v[0], 9990);
    mfw_profile_accumulate(&p, read_values, &vals, 1.0);
    assert_int_equal(mfw_profile_tick(&p, &r->st, t0 + 60 * MIN_MS, 0, read_values, &vals), 1);
    assert_int_equal(mfw_profile_read(&p, &r->st, 3, &row), MFW_OK);
    assert_int_equal(row.status, 0);

    /* An INSTANT value that is not available marks the row. */
    vals.missing[MFW_CAT_AP_TOTAL] = true;
    mfw_profile_accumulate(&p, read_values, &vals, 1.0);
    assert_int_equal(mfw_profile_tick(&p, &r->st, t0 + 75 * MIN_MS, 0, read_values, &vals), 1);
    assert_int_equal(mfw_profile_read(&p, &r->st, 4, &row), MFW_OK);
    assert_int_equal(row.status, MFW_PROFILE_ST_DATA_NOT_VALID);
}

static void test_missed_boundaries_and_clock_change(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct values vals = {0};
    struct mfw_profile p;
    struct mfw_profile_config cfg;
    mfw_profile_config_lp1(&cfg);
    assert_int_equal(mfw_profile_init(&p, &cfg, MFW_AREA_LP1, T_100730), MFW_OK);
    /* Off from 10:07:30 to 13:52:10: one row at 13:45, none for the missed quarters. */
    const mfw_ms_t t1345 = T_100730 + 3 * 60 * MIN_MS + 37 * MIN_MS + 30000;
    mfw_profile_flag(&p, MFW_PROFILE_ST_POWER_DOWN);
    assert_int_equal(
        mfw_profile_tick(&p, &r->st, t1345 + 7 * MIN_MS + 10000, 0, read_values, &vals), 1);
    assert_int_equal(mfw_profile_count(&p, &r->st), 1);
    struct mfw_profile_row row;
    assert_int_equal(mfw_profile_read(&p, &r->st, 0, &row), MFW_OK);
    assert_int_equal(row.time, t1345);
    assert_true(row.status & MFW_PROFILE_ST_POWER_DOWN);
    assert_int_equal(p.next_capture_ms, t1345 + 15 * MIN_MS);

    /* Clock set back by an hour: realigned to the new clock; rows never go back, so the quarters
     * the clock repeats are not stored again, and the first row after the newest one carries the
     * clock adjusted flag. */
    mfw_profile_clock_changed(&p, t1345 + 8 * MIN_MS - 60 * MIN_MS);
    assert_int_equal(p.next_capture_ms, t1345 + 15 * MIN_MS - 60 * MIN_MS);
    for (mfw_ms_t t = p.next_capture_ms; t <= t1345; t += 15 * MIN_MS)
        assert_int_equal(mfw_profile_tick(&p, &r->st, t, 0, read_values, &vals), 0);
    assert_int_equal(mfw_profile_count(&p, &r->st), 1);
    assert_int_equal(mfw_profile_tick(&p, &r->st, t1345 + 15 * MIN_MS, 0, read_values, &vals), 1);
    assert_int_equal(mfw_profile_read(&p, &r->st, 1, &row), MFW_OK);
    assert_int_equal(row.time, t1345 + 15 * MIN_MS);
    assert_true(row.status & MFW_PROFILE_ST_CLOCK_ADJUSTED);

    /* Capture on demand (period 0: daily profile triggered by the meter). */
    struct mfw_profile d;
    struct mfw_profile_config dcfg;
    mfw_profile_config_daily(&dcfg);
    assert_int_equal(dcfg.n_columns, 20);
    assert_int_equal(mfw_profile_init(&d, &dcfg, AREA_WIDE, T_100730), MFW_OK);
    assert_false(mfw_profile_due(&d, T_100730 + 86400000LL * 10));
    assert_int_equal(mfw_profile_tick(&d, &r->st, T_100730 + 86400000LL, 0, read_values, &vals), 0);
    vals.uwh[MFW_CAT_AP_T8] = 77999999u; /* 77.999999 Wh: the row shows 77 */
    assert_int_equal(mfw_profile_capture(&d, &r->st, T_100730 + 5000, 0, read_values, &vals),
                     MFW_OK);
    assert_int_equal(mfw_profile_read(&d, &r->st, 0, &row), MFW_OK);
    assert_int_equal(row.n, 20);
    assert_int_equal(row.v[11], 77);
    assert_int_equal(row.status, 0); /* no AVERAGE columns: nothing to be invalid */
    assert_int_equal(mfw_profile_capture(&d, &r->st, -1000, 0, read_values, &vals), MFW_E_RANGE);
}

static void test_fixed_configs(void **state)
{
    (void)state;
    struct mfw_profile_config c;
    mfw_profile_config_lp1(&c);
    assert_int_equal(c.n_columns, 4);
    assert_int_equal(c.capture_period_s, 900);
    assert_true(c.depth >= 40u * 96u);
    assert_int_equal(c.column[0], MFW_CAT_AP_TOTAL);
    assert_int_equal(c.column[3], MFW_CAT_RM_TOTAL);
    mfw_profile_config_billing(&c);
    assert_int_equal(c.n_columns, 38);
    assert_int_equal(c.capture_period_s, 0);
    assert_int_equal(mfw_profile_config_analysis(&c, NULL, 0, 600, 10), MFW_OK);
    assert_int_equal(c.n_columns, MFW_PROFILE_ANALYSIS_COLUMNS);
    assert_int_equal(c.depth, 10);
    assert_int_equal(mfw_profile_config_analysis(&c, NULL, 0, 900, 0), MFW_OK);
    assert_int_equal(c.depth, MFW_PROFILE_ANALYSIS_DEPTH);
    uint16_t many[MFW_PROFILE_ANALYSIS_COLUMNS + 1];
    for (unsigned k = 0; k < MFW_PROFILE_ANALYSIS_COLUMNS + 1; k++)
        many[k] = (uint16_t)k;
    assert_int_equal(
        mfw_profile_config_analysis(&c, many, MFW_PROFILE_ANALYSIS_COLUMNS + 1, 600, 10),
        MFW_E_ARG);
    assert_int_equal(mfw_profile_config_analysis(&c, many, MFW_PROFILE_ANALYSIS_COLUMNS, 7, 10),
                     MFW_E_RANGE);
    many[0] = 0xFFFF;
    assert_int_equal(mfw_profile_config_analysis(&c, many, 2, 600, 10), MFW_E_ARG);
    assert_int_equal(mfw_profile_entry_size(4), 40);
    assert_int_equal(mfw_profile_entry_size(20), 168);
    assert_int_equal(mfw_profile_entry_size(38), 312);
    assert_int_equal(mfw_profile_entry_size(16), 136);
}

/* ---- depth, find, remount ---- */

static uint32_t reads_of_one_row(struct rig *r, const struct mfw_profile *p, uint32_t index)
{
    struct mfw_profile_row row;
    uint64_t before = r->fe.reads;
    assert_int_equal(mfw_profile_read(p, &r->st, index, &row), MFW_OK);
    return (uint32_t)(r->fe.reads - before);
}

static void test_forty_days_find_and_remount(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct values vals = {0};
    struct mfw_profile p;
    struct mfw_profile_config cfg;
    mfw_profile_config_lp1(&cfg);
    const mfw_ms_t t0 = T_100730;
    assert_int_equal(mfw_profile_init(&p, &cfg, MFW_AREA_LP1, t0), MFW_OK);
    assert_int_equal(mfw_profile_check_area(&p, &r->st), MFW_OK);
    const mfw_ms_t first = p.next_capture_ms;
    const uint32_t total = MFW_PROFILE_LP1_DEPTH + 100u;
    for (uint32_t k = 0; k < total; k++) {
        mfw_ms_t now = first + (mfw_ms_t)k * 15 * MIN_MS;
        vals.uwh[MFW_CAT_AP_TOTAL] = (uint64_t)k * 1000000u;
        vals.uwh[MFW_CAT_AM_TOTAL] = (uint64_t)k * 2000000u;
        assert_int_equal(mfw_profile_tick(&p, &r->st, now, 0, read_values, &vals), 1);
        if (k == MFW_PROFILE_LP1_DEPTH - 1) {
            /* 40 days, all readable. */
            assert_int_equal(mfw_profile_count(&p, &r->st), MFW_PROFILE_LP1_DEPTH);
            struct mfw_profile_row row;
            for (uint32_t i = 0; i < MFW_PROFILE_LP1_DEPTH; i += 37) {
                assert_int_equal(mfw_profile_read(&p, &r->st, i, &row), MFW_OK);
                assert_int_equal(row.time, first + (mfw_ms_t)i * 15 * MIN_MS);
                assert_int_equal(row.v[0], i);
            }
        }
    }
    /* Beyond the depth the oldest are dropped: exposed = the newest 3840. */
    assert_int_equal(mfw_profile_count(&p, &r->st), MFW_PROFILE_LP1_DEPTH);
    const uint32_t skip = total - MFW_PROFILE_LP1_DEPTH;
    const mfw_ms_t base = first + (mfw_ms_t)skip * 15 * MIN_MS;
    struct mfw_profile_row row;
    assert_int_equal(mfw_profile_read(&p, &r->st, 0, &row), MFW_OK);
    assert_int_equal(row.time, base);
    assert_int_equal(row.v[0], skip);
    assert_int_equal(row.v[1], 2 * skip);
    assert_int_equal(mfw_profile_read(&p, &r->st, MFW_PROFILE_LP1_DEPTH - 1, &row), MFW_OK);
    assert_int_equal(row.v[0], total - 1);
    assert_int_equal(mfw_profile_read(&p, &r->st, MFW_PROFILE_LP1_DEPTH, &row), MFW_E_RANGE);

    /* mfw_profile_find against brute force, on and between boundaries. */
    const mfw_ms_t q = 15 * MIN_MS;
    const mfw_ms_t last = base + (mfw_ms_t)(MFW_PROFILE_LP1_DEPTH - 1) * q;
    const mfw_ms_t probes[][2] = {
        {base, last},
        {base - 1, last + 1},
        {base - 100 * q, base - q},
        {last + 1, last + 100 * q},
        {base + 10 * q, base + 10 * q},
        {base + 10 * q + 1, base + 11 * q - 1},
        {base + 10 * q - 1, base + 20 * q + 1},
        {base + 1000 * q + 7, base + 2000 * q},
        {base + 3000 * q, base + 100 * q},
        {INT64_MIN, INT64_MAX},
        {last, last},
        {base + 96 * q * 7, base + 96 * q * 8 - 1}, /* one day */
    };
    uint32_t max_row_reads = reads_of_one_row(r, &p, 0);
    for (uint32_t i = 1; i < MFW_PROFILE_LP1_DEPTH; i += 191) {
        uint32_t n = reads_of_one_row(r, &p, i);
        if (n > max_row_reads)
            max_row_reads = n;
    }
    for (size_t k = 0; k < sizeof probes / sizeof probes[0]; k++) {
        mfw_ms_t from = probes[k][0], to = probes[k][1];
        uint32_t e_first = MFW_PROFILE_LP1_DEPTH, e_n = 0;
        for (uint32_t i = 0; i < MFW_PROFILE_LP1_DEPTH; i++) {
            mfw_ms_t t = base + (mfw_ms_t)i * q;
            if (t >= from && t <= to) {
                if (e_n == 0)
                    e_first = i;
                e_n++;
            }
        }
        uint32_t f = 0, n = 0;
        uint64_t before = r->fe.reads;
        assert_int_equal(mfw_profile_find(&p, &r->st, from, to, &f, &n), MFW_OK);
        uint64_t reads = r->fe.reads - before;
        assert_int_equal(n, e_n);
        if (e_n > 0)
            assert_int_equal(f, e_first);
        /* Two bisections over 3840 rows: at most 2 x 13 row reads, far from a scan. */
        assert_true(reads <= 26u * max_row_reads);
        assert_true(reads / max_row_reads < 100u);
    }
    print_message("find: <= 26 row reads, one row read = <= %u flash reads\n", max_row_reads);

    /* Remount: positions and rows are all there again. */
    rig_remount(r);
    assert_int_equal(mfw_profile_count(&p, &r->st), MFW_PROFILE_LP1_DEPTH);
    assert_int_equal(mfw_profile_read(&p, &r->st, 0, &row), MFW_OK);
    assert_int_equal(row.time, base);
    assert_int_equal(mfw_profile_read(&p, &r->st, MFW_PROFILE_LP1_DEPTH - 1, &row), MFW_OK);
    assert_int_equal(row.time, last);
    uint32_t f = 0, n = 0;
    assert_int_equal(mfw_profile_find(&p, &r->st, base + 5 * q, base + 9 * q, &f, &n), MFW_OK);
    assert_int_equal(f, 5);
    assert_int_equal(n, 5);
    /* And capture goes on after the remount. */
    assert_int_equal(mfw_profile_tick(&p, &r->st, last + q, 0, read_values, &vals), 1);
    assert_int_equal(mfw_profile_read(&p, &r->st, MFW_PROFILE_LP1_DEPTH - 1, &row), MFW_OK);
    assert_int_equal(row.time, last + q);

    /* Clear. */
    assert_int_equal(mfw_profile_clear(&p, &r->st), MFW_OK);
    assert_int_equal(mfw_profile_count(&p, &r->st), 0);
    assert_int_equal(mfw_profile_find(&p, &r->st, base, last, &f, &n), MFW_OK);
    assert_int_equal(n, 0);
    rig_remount(r);
    assert_int_equal(mfw_profile_count(&p, &r->st), 0);
}

static void test_small_ring_and_foreign_rows(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct values vals = {0};
    struct mfw_profile p;
    struct mfw_profile_config cfg;
    mfw_profile_config_lp1(&cfg);
    assert_int_equal(mfw_profile_init(&p, &cfg, AREA_SMALL, T_100730), MFW_OK);
    /* 3 sectors cannot keep 3840 rows. */
    assert_int_equal(mfw_profile_check_area(&p, &r->st), MFW_E_NOSPACE);
    cfg.depth = mfw_store_ring_capacity(&r->st, AREA_SMALL);
    assert_int_equal(mfw_profile_init(&p, &cfg, AREA_SMALL, T_100730), MFW_OK);
    assert_int_equal(mfw_profile_check_area(&p, &r->st), MFW_OK);
    uint32_t cap = cfg.depth;
    for (uint32_t k = 0; k < 3 * cap; k++) {
        vals.uwh[MFW_CAT_AP_TOTAL] = (uint64_t)k * 1000000u;
        assert_int_equal(mfw_profile_tick(&p, &r->st, p.next_capture_ms, 0, read_values, &vals), 1);
        uint32_t n = mfw_profile_count(&p, &r->st);
        assert_int_equal(n, k + 1 < cap ? k + 1 : cap);
        struct mfw_profile_row row;
        assert_int_equal(mfw_profile_read(&p, &r->st, 0, &row), MFW_OK);
        assert_int_equal(row.v[0], k + 1 - n); /* the oldest kept */
    }
    /* A profile with another capture list does not read these rows as its own. */
    struct mfw_profile other;
    struct mfw_profile_config ocfg = cfg;
    ocfg.column[0] = MFW_CAT_RQ1;
    assert_int_equal(mfw_profile_init(&other, &ocfg, AREA_SMALL, T_100730), MFW_OK);
    struct mfw_profile_row row;
    assert_int_equal(mfw_profile_read(&other, &r->st, 0, &row), MFW_E_VERSION);
    /* The LP1 entry does not fit a ring of smaller entries. */
    struct mfw_profile wide;
    struct mfw_profile_config bcfg;
    mfw_profile_config_billing(&bcfg);
    bcfg.depth = 10;
    assert_int_equal(mfw_profile_init(&wide, &bcfg, AREA_SMALL, T_100730), MFW_OK);
    assert_int_equal(mfw_profile_capture(&wide, &r->st, T_100730, 0, read_values, &vals),
                     MFW_E_NOSPACE);
}

/* The sizing table of docs/profiles.md holds with the real store. */
static void test_area_sizing(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    static const struct {
        uint16_t sectors, entry;
        uint32_t depth;
    } rows[] = {
        {47, (uint16_t)MFW_PROFILE_ENTRY_SIZE(4), MFW_PROFILE_LP1_DEPTH},
        {19, (uint16_t)MFW_PROFILE_ENTRY_SIZE(20), MFW_PROFILE_DAILY_DEPTH},
        {4, (uint16_t)MFW_PROFILE_ENTRY_SIZE(38), MFW_PROFILE_BILLING_DEPTH},
        {53, (uint16_t)MFW_PROFILE_ENTRY_SIZE(16), MFW_PROFILE_ANALYSIS_DEPTH},
    };
    r->cfg.n_areas = 4;
    uint16_t at = 0;
    for (unsigned k = 0; k < 4; k++) {
        r->cfg.area[k] =
            (struct mfw_store_area_config){MFW_STORE_RING, 1, at, rows[k].sectors, rows[k].entry};
        at = (uint16_t)(at + rows[k].sectors);
    }
    assert_int_equal(mfw_store_mount(&r->st, &r->cfg, &r->hal), MFW_OK);
    for (unsigned k = 0; k < 4; k++) {
        assert_true(mfw_store_ring_capacity(&r->st, k) >= rows[k].depth);
        /* one sector fewer would not do */
        uint32_t per = mfw_store_ring_capacity(&r->st, k) / (rows[k].sectors - 1u);
        assert_true((uint32_t)(rows[k].sectors - 2u) * per < rows[k].depth);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_table),
        cmocka_unit_test(test_catalog_scale),
        cmocka_unit_test(test_capture_periods),
        cmocka_unit_test(test_alignment_and_period_change),
        cmocka_unit_test(test_averages_and_instants),
        cmocka_unit_test(test_missed_boundaries_and_clock_change),
        cmocka_unit_test(test_fixed_configs),
        cmocka_unit_test(test_forty_days_find_and_remount),
        cmocka_unit_test(test_small_ring_and_foreign_rows),
        cmocka_unit_test(test_area_sizing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
