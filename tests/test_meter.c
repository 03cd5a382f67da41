/* SPDX-License-Identifier: Apache-2.0 */
/* The meter as a whole, on an emulated NOR flash: tariffs from the default calendar, billing,
 * power failure and restore, a cut without warning, clock changes, a lost RTC, and a passive
 * calendar taking over at midnight. Loads are constant, fed as fast-fidelity blocks, so every
 * expected energy is power x time, worked out by hand in the comments. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flash_emu.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/catalog.h"
#include "meterfw/meter/meter.h"

/* the largest state record meter_state.h allows */
#define METER_STATE_BYTES_MAX 3072u
#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
/* 2026-06-03 is a Wednesday (2026-11-25, a Wednesday, is 175 days = 25 weeks later); summer
 * time: local = UTC + 2 h, so local midnight of 06-03 is 2026-06-02T22:00Z. */
#define T_0603_LOCAL_MIDNIGHT 1780437600000LL

struct rig {
    struct flash_emu emu;
    uint8_t mem[256 * 4096];
    struct mfw_hal hal;
    struct mfw_meter_config cfg;
    struct mfw_meter m;
    bool rtc_lost;
};

static bool rig_rtc_lost(void *ctx)
{
    return ((struct rig *)ctx)->rtc_lost;
}

static int rig_read(void *ctx, uint32_t a, void *b, size_t n)
{
    return flash_emu_read(&((struct rig *)ctx)->emu, a, b, n);
}
static int rig_prog(void *ctx, uint32_t a, const void *b, size_t n)
{
    return flash_emu_prog(&((struct rig *)ctx)->emu, a, b, n);
}
static int rig_erase(void *ctx, uint32_t s)
{
    return flash_emu_erase(&((struct rig *)ctx)->emu, s);
}

static struct rig *rig_new(mfw_ms_t t0)
{
    struct rig *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    mfw_meter_default_config(&r->cfg, MFW_METER_382M);
    assert_int_equal(flash_emu_init(&r->emu, r->mem, r->cfg.store.sector_size,
                                    r->cfg.store.sector_count, r->cfg.store.prog_size, 1),
                     MFW_OK);
    flash_emu_erase_all(&r->emu); /* a new meter's flash: blank */
    r->hal = (struct mfw_hal){.ctx = r,
                              .flash_read = rig_read,
                              .flash_prog = rig_prog,
                              .flash_erase = rig_erase,
                              .rtc_lost = rig_rtc_lost};
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, t0), MFW_OK);
    assert_true(r->m.persistent);
    return r;
}

/* A balanced load of w watts per phase at PF 1 (w < 0: export), in blocks of 60 s. */
static void run(struct mfw_meter *m, mfw_ms_t from, mfw_ms_t to, double w)
{
    for (mfw_ms_t t = from; t < to; t += MIN_MS) {
        struct mfw_metrology_block b = {.duration_s = 60.0, .freq_hz = 50.0};
        for (int p = 0; p < 3; p++) {
            b.ph[p].vrms = 230.0;
            b.ph[p].irms = fabs(w) / 230.0;
            b.ph[p].p = w;
            b.ph[p].v_angle_deg = -120.0 * p;
        }
        mfw_meter_block(m, &b);
        mfw_meter_tick(m, t + MIN_MS);
    }
}

static double wh(const struct mfw_meter *m, unsigned tariff_index, unsigned q)
{
    return (double)m->registers.tariff[tariff_index][q] / 1e6;
}

static int column_of(const struct mfw_profile *p, uint16_t id)
{
    for (unsigned k = 0; k < p->config.n_columns; k++)
        if (p->config.column[k] == id)
            return (int)k;
    return -1;
}

/* A summer Wednesday at 3 kW: T1 07:00-21:00 local (14 h = 42 kWh), T2 the other 10 h (30 kWh). */
static void tariffs_follow_the_default_calendar(void **st)
{
    (void)st;
    struct rig *r = rig_new(T_0603_LOCAL_MIDNIGHT);
    run(&r->m, T_0603_LOCAL_MIDNIGHT, T_0603_LOCAL_MIDNIGHT + 24 * HOUR_MS, 1000.0);
    assert_true(fabs(wh(&r->m, 0, 0) - 42000.0) < 1e-3);
    assert_true(fabs(wh(&r->m, 1, 0) - 30000.0) < 1e-3);
    assert_true(wh(&r->m, 2, 0) == 0.0);
    assert_int_equal(r->m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP], 72000000000ull);
    /* the daily profile captured local midnight of 06-04 with A+ = 72 kWh */
    const struct mfw_profile *daily = &r->m.profiles[MFW_PROF_DAILY];
    assert_int_equal(mfw_profile_count(daily, &r->m.store), 1);
    struct mfw_profile_row row;
    assert_int_equal(mfw_profile_read(daily, &r->m.store, 0, &row), MFW_OK);
    assert_true(row.time == T_0603_LOCAL_MIDNIGHT + 24 * HOUR_MS);
    assert_true(row.v[column_of(daily, MFW_CAT_AP_TOTAL)] == 72000);
    /* 96 load-profile rows, the last at 22:00Z with 72 kWh */
    const struct mfw_profile *lp = &r->m.profiles[MFW_PROF_LP1];
    assert_int_equal(mfw_profile_count(lp, &r->m.store), 96);
    assert_int_equal(mfw_profile_read(lp, &r->m.store, 95, &row), MFW_OK);
    assert_true(row.v[column_of(lp, MFW_CAT_AP_TOTAL)] == 72000);
    free(r);
}

/* The end of June: billing at 00:00 local 07-01 = 2026-06-30T22:00Z. 3 kW from 21:00Z: the
 * snapshot holds 3 kWh and a maximum demand of 3000 W; demand starts again afterwards. */
static void billing_at_month_end(void **st)
{
    (void)st;
    const mfw_ms_t t0 = 1782853200000LL; /* 2026-06-30T21:00:00Z */
    struct rig *r = rig_new(t0);
    run(&r->m, t0, t0 + 2 * HOUR_MS, 1000.0);
    const struct mfw_profile *bp = &r->m.profiles[MFW_PROF_BILLING];
    assert_int_equal(mfw_profile_count(bp, &r->m.store), 1);
    struct mfw_profile_row row;
    assert_int_equal(mfw_profile_read(bp, &r->m.store, 0, &row), MFW_OK);
    assert_true(row.time == t0 + HOUR_MS);
    assert_true(row.v[column_of(bp, MFW_CAT_AP_TOTAL)] == 3000);
    const struct mfw_catalog_entry *md = mfw_catalog_find(MFW_CAT_MAXDEM_AP);
    double scale = pow(10.0, md->scaler);
    assert_true(fabs(row.v[column_of(bp, MFW_CAT_MAXDEM_AP)] * scale - 3000.0) < 1e-6);
    assert_int_equal(r->m.billing.counter, 1);
    /* after the reset, the new maximum comes from the hour after midnight: 3000 W again */
    assert_true(mfw_demand_maximum(&r->m.demand, 0).valid);
    free(r);
}

/* Power down at 1 h, back at 3 h: registers restored, one power failure of 7200 s on all three
 * phases, power down and power up in the standard log, the next load-profile row flagged. */
static void power_failure_and_restore(void **st)
{
    (void)st;
    const mfw_ms_t t0 = T_0603_LOCAL_MIDNIGHT;
    struct rig *r = rig_new(t0);
    run(&r->m, t0, t0 + HOUR_MS, 1000.0);
    /* the power-fail save only programs (the state area was erased ahead): its energy budget is
     * the programming of one event-log slot and one state record, no sector erase */
    uint64_t erases = r->emu.erases, bytes = r->emu.bytes_programmed;
    mfw_meter_power_down(&r->m, t0 + HOUR_MS);
    assert_true(r->m.down);
    assert_true(r->emu.erases == erases);
    assert_true(r->emu.bytes_programmed - bytes <= 64 + METER_STATE_BYTES_MAX);
    mfw_meter_tick(&r->m, t0 + HOUR_MS + MIN_MS); /* ignored */
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, t0 + 3 * HOUR_MS), MFW_OK);
    assert_int_equal(r->m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP], 3000000000ull);
    struct mfw_eventlog_entry e;
    assert_int_equal(mfw_eventlog_count(&r->m.events, &r->m.store, MFW_EVENTLOG_POWER_FAILURE), 1);
    assert_int_equal(
        mfw_eventlog_read(&r->m.events, &r->m.store, MFW_EVENTLOG_POWER_FAILURE, 0, &e), MFW_OK);
    assert_true(e.v1 == t0 + HOUR_MS);
    assert_int_equal(e.v2, 7200);
    assert_int_equal(e.phase, 7);
    uint32_t n = mfw_eventlog_count(&r->m.events, &r->m.store, MFW_EVENTLOG_STANDARD);
    bool down = false, up = false;
    for (uint32_t k = 0; k < n; k++) {
        assert_int_equal(mfw_eventlog_read(&r->m.events, &r->m.store, MFW_EVENTLOG_STANDARD, k, &e),
                         MFW_OK);
        down |= e.code == MFW_EVENT_POWER_DOWN && e.time == t0 + HOUR_MS;
        up |= e.code == MFW_EVENT_POWER_UP && e.time == t0 + 3 * HOUR_MS;
    }
    assert_true(down && up);
    /* rows 00:15 .. 01:00, then at power-up the missed boundary 03:00 (flagged, 3 kWh, nothing
     * measured while off), then 03:15 at 3.75 kWh, not flagged */
    run(&r->m, t0 + 3 * HOUR_MS, t0 + 3 * HOUR_MS + 15 * MIN_MS, 1000.0);
    const struct mfw_profile *lp = &r->m.profiles[MFW_PROF_LP1];
    struct mfw_profile_row row;
    assert_int_equal(mfw_profile_count(lp, &r->m.store), 6);
    assert_int_equal(mfw_profile_read(lp, &r->m.store, 4, &row), MFW_OK);
    assert_true(row.time == t0 + 3 * HOUR_MS);
    assert_true(row.status & MFW_PROFILE_ST_POWER_DOWN);
    assert_true(row.v[column_of(lp, MFW_CAT_AP_TOTAL)] == 3000);
    assert_int_equal(mfw_profile_read(lp, &r->m.store, 5, &row), MFW_OK);
    assert_false(row.status & MFW_PROFILE_ST_POWER_DOWN);
    assert_true(row.v[column_of(lp, MFW_CAT_AP_TOTAL)] == 3750);
    free(r);
}

/* A cut without warning (no power_down, no save): a fresh meter on the same flash restores at
 * most the checkpoint bound less than was measured, and never more. At 3 kW the bound is
 * max(100 Wh, 3 kW x 60 s = 50 Wh) + one 60 s block (50 Wh) = 150 Wh. */
static void sudden_cut_loses_at_most_the_bound(void **st)
{
    (void)st;
    const mfw_ms_t t0 = T_0603_LOCAL_MIDNIGHT;
    for (int minutes = 1; minutes <= 90; minutes += 7) {
        struct rig *r = rig_new(t0);
        mfw_ms_t cut = t0 + HOUR_MS + minutes * MIN_MS;
        run(&r->m, t0, cut, 1000.0);
        uint64_t truth = r->m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP];
        struct mfw_meter *fresh = calloc(1, sizeof(*fresh));
        assert_non_null(fresh);
        assert_int_equal(mfw_meter_init(fresh, &r->cfg, &r->hal, cut), MFW_OK);
        uint64_t restored = fresh->registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP];
        assert_true(restored <= truth);
        assert_true(truth - restored <= 150000000ull);
        free(fresh);
        free(r);
    }
}

/* Setting the clock: old and new time in the RTC log, codes 4/5, the next LP row flagged. */
static void clock_set_is_logged(void **st)
{
    (void)st;
    const mfw_ms_t t0 = T_0603_LOCAL_MIDNIGHT;
    struct rig *r = rig_new(t0);
    run(&r->m, t0, t0 + 30 * MIN_MS, 500.0);
    mfw_ms_t rtc = t0 + 30 * MIN_MS;
    assert_int_equal(mfw_meter_clock_set(&r->m, rtc, rtc + 20 * MIN_MS), MFW_OK);
    struct mfw_eventlog_entry e;
    assert_int_equal(mfw_eventlog_count(&r->m.events, &r->m.store, MFW_EVENTLOG_RTC), 2);
    assert_int_equal(mfw_eventlog_read(&r->m.events, &r->m.store, MFW_EVENTLOG_RTC, 0, &e), MFW_OK);
    assert_int_equal(e.code, MFW_EVENT_CLOCK_ADJUSTED_OLD);
    assert_true(e.time == rtc); /* code 4 carries the old time, code 5 the new one */
    assert_true(e.v1 == rtc && e.v2 == rtc + 20 * MIN_MS);
    assert_int_equal(mfw_eventlog_read(&r->m.events, &r->m.store, MFW_EVENTLOG_RTC, 1, &e), MFW_OK);
    assert_int_equal(e.code, MFW_EVENT_CLOCK_ADJUSTED_NEW);
    assert_true(e.time == rtc + 20 * MIN_MS);
    assert_true(r->m.now == rtc + 20 * MIN_MS);
    assert_int_equal(mfw_meter_clock_shift(&r->m, rtc, 901), MFW_E_RANGE);
    run(&r->m, rtc, rtc + 15 * MIN_MS, 500.0); /* meter time 00:50Z .. 01:05Z local */
    const struct mfw_profile *lp = &r->m.profiles[MFW_PROF_LP1];
    struct mfw_profile_row row;
    assert_int_equal(
        mfw_profile_read(lp, &r->m.store, mfw_profile_count(lp, &r->m.store) - 1, &row), MFW_OK);
    assert_true(row.status & MFW_PROFILE_ST_CLOCK_ADJUSTED);
    free(r);
}

/* A flat RTC backup: the clock is invalid (status bit 0x01) until it is set, and every load-profile
 * row written meanwhile says so (0x02); rows never go back before the newest stored one. */
static void lost_rtc_marks_rows_until_set(void **st)
{
    (void)st;
    const mfw_ms_t t0 = T_0603_LOCAL_MIDNIGHT;
    struct rig *r = rig_new(t0);
    run(&r->m, t0, t0 + HOUR_MS, 500.0);
    mfw_meter_power_down(&r->m, t0 + HOUR_MS);
    const struct mfw_profile *lp = &r->m.profiles[MFW_PROF_LP1];
    struct mfw_profile_row row;
    /* 1. The RTC restarted at 2000-01-01, behind the rows: no row is written at a time before the
     * newest one (4 rows of the first hour stay the newest), until the clock is set. */
    r->rtc_lost = true;
    const mfw_ms_t rtc = 946684800000LL;
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, rtc), MFW_OK);
    assert_true(mfw_clock_status(&r->m.clock, r->m.now) & MFW_CLOCK_STATUS_INVALID);
    uint32_t rows = mfw_profile_count(lp, &r->m.store);
    assert_int_equal(rows, 4);
    run(&r->m, rtc, rtc + 30 * MIN_MS, 500.0);
    assert_int_equal(mfw_profile_count(lp, &r->m.store), rows);
    assert_int_equal(mfw_meter_clock_set(&r->m, rtc + 30 * MIN_MS, t0 + 5 * HOUR_MS), MFW_OK);
    assert_false(mfw_clock_status(&r->m.clock, r->m.now) & MFW_CLOCK_STATUS_INVALID);
    run(&r->m, rtc + 30 * MIN_MS, rtc + 60 * MIN_MS, 500.0);
    assert_int_equal(mfw_profile_count(lp, &r->m.store), rows + 2);
    assert_int_equal(
        mfw_profile_read(lp, &r->m.store, mfw_profile_count(lp, &r->m.store) - 1, &row), MFW_OK);
    assert_int_equal(row.time, t0 + 5 * HOUR_MS + 30 * MIN_MS);
    assert_false(row.status & MFW_PROFILE_ST_CLOCK_INVALID);
    /* 2. Flat again, and the RTC comes back after the newest row: the rows go on, each flagged
     * clock invalid, until the clock is set. */
    mfw_meter_power_down(&r->m, rtc + 60 * MIN_MS);
    const mfw_ms_t later = t0 + 8 * HOUR_MS;
    const int64_t offset = r->m.clock.offset_ms; /* meter time = RTC + offset (clock.h) */
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, later - offset), MFW_OK);
    assert_int_equal(r->m.now, later);
    assert_true(mfw_clock_status(&r->m.clock, r->m.now) & MFW_CLOCK_STATUS_INVALID);
    run(&r->m, later - offset, later - offset + 30 * MIN_MS, 500.0);
    assert_int_equal(
        mfw_profile_read(lp, &r->m.store, mfw_profile_count(lp, &r->m.store) - 1, &row), MFW_OK);
    assert_int_equal(row.time, later + 30 * MIN_MS);
    assert_true(row.status & MFW_PROFILE_ST_CLOCK_INVALID);
    assert_int_equal(mfw_meter_clock_set(&r->m, later - offset + 30 * MIN_MS, later + 30 * MIN_MS),
                     MFW_OK);
    run(&r->m, later - offset + 30 * MIN_MS, later - offset + 60 * MIN_MS, 500.0);
    assert_int_equal(
        mfw_profile_read(lp, &r->m.store, mfw_profile_count(lp, &r->m.store) - 1, &row), MFW_OK);
    assert_false(row.status & MFW_PROFILE_ST_CLOCK_INVALID);
    free(r);
}

/* A passive calendar (everything T5) activated at 00:00 local 06-04: the energy of 06-03 is in
 * T1/T2 as by default, everything after midnight in T5; event 9 logged. */
static void passive_calendar_takes_over_at_midnight(void **st)
{
    (void)st;
    const mfw_ms_t t0 = T_0603_LOCAL_MIDNIGHT;
    struct rig *r = rig_new(t0);
    struct mfw_meter_settings s = r->m.settings;
    struct mfw_tou_calendar *c = &s.tou.passive;
    memset(c, 0, sizeof(*c));
    c->n_seasons = 1;
    c->seasons[0].start =
        (struct mfw_tou_date_time){{MFW_TOU_YEAR_ANY, 1, 1, MFW_TOU_ANY}, {0, 0, 0}};
    c->seasons[0].week_name = (struct mfw_tou_name){1, {'W'}};
    c->n_weeks = 1;
    c->weeks[0] = (struct mfw_tou_week){{1, {'W'}}, {9, 9, 9, 9, 9, 9, 9}};
    c->n_days = 1;
    c->days[0].day_id = 9;
    c->days[0].n = 1;
    c->days[0].actions[0] = (struct mfw_tou_day_action){{0, 0, 0}, 5};
    assert_int_equal(mfw_tou_set_activation(
                         &s.tou, &(struct mfw_tou_date_time){{2026, 6, 4, MFW_TOU_ANY}, {0, 0, 0}}),
                     MFW_OK);
    assert_int_equal(mfw_meter_apply_settings(&r->m, &s), MFW_OK);
    run(&r->m, t0, t0 + 30 * HOUR_MS, 1000.0);
    assert_true(fabs(wh(&r->m, 0, 0) - 42000.0) < 1e-3);
    assert_true(fabs(wh(&r->m, 1, 0) - 30000.0) < 1e-3);
    assert_true(fabs(wh(&r->m, 4, 0) - 18000.0) < 1e-3); /* 6 h x 3 kW */
    uint32_t n = mfw_eventlog_count(&r->m.events, &r->m.store, MFW_EVENTLOG_STANDARD);
    bool activated = false;
    struct mfw_eventlog_entry e;
    for (uint32_t k = 0; k < n; k++) {
        assert_int_equal(mfw_eventlog_read(&r->m.events, &r->m.store, MFW_EVENTLOG_STANDARD, k, &e),
                         MFW_OK);
        activated |= e.code == MFW_EVENT_TOU_ACTIVATED && e.time == t0 + 24 * HOUR_MS;
    }
    assert_true(activated);
    /* the new settings survive a restart */
    mfw_meter_power_down(&r->m, t0 + 30 * HOUR_MS);
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, t0 + 31 * HOUR_MS), MFW_OK);
    assert_int_equal(r->m.tariff, 5);
    free(r);
}

/* One block of 60 s: phase voltages u[], powers w[] (PF 1). */
static void block(struct mfw_meter *m, mfw_ms_t end, const double u[3], const double w[3])
{
    struct mfw_metrology_block b = {.duration_s = 60.0, .freq_hz = 50.0};
    for (int p = 0; p < 3; p++) {
        b.ph[p].vrms = u[p];
        b.ph[p].irms = fabs(w[p]) / u[p];
        b.ph[p].p = w[p];
        b.ph[p].v_angle_deg = -120.0 * p;
    }
    mfw_meter_block(m, &b);
    mfw_meter_tick(m, end);
}

/* The analysis log's default columns are averages over the period: 10 min at 230 V / 1 kW then
 * 5 min at 239 V / 2 kW per phase give U = (10 x 230 + 5 x 239) / 15 = 233 V and
 * P+ = (10 x 1000 + 5 x 2000) / 15 = 1333.33 W in the 00:15 row; frequency 50 Hz. */
static void analysis_log_averages(void **st)
{
    (void)st;
    const mfw_ms_t t0 = T_0603_LOCAL_MIDNIGHT;
    struct rig *r = rig_new(t0);
    const double u1[3] = {230, 230, 230}, w1[3] = {1000, 1000, 1000};
    const double u2[3] = {239, 239, 239}, w2[3] = {2000, 2000, 2000};
    for (int k = 1; k <= 15; k++)
        block(&r->m, t0 + k * MIN_MS, k <= 10 ? u1 : u2, k <= 10 ? w1 : w2);
    const struct mfw_profile *an = &r->m.profiles[MFW_PROF_ANALYSIS];
    assert_int_equal(mfw_profile_count(an, &r->m.store), 1);
    struct mfw_profile_row row;
    assert_int_equal(mfw_profile_read(an, &r->m.store, 0, &row), MFW_OK);
    assert_true(row.time == t0 + 15 * MIN_MS);
    const struct mfw_catalog_entry *cu = mfw_catalog_find(MFW_CAT_U_L1),
                                   *cp = mfw_catalog_find(MFW_CAT_PP_L2);
    const struct mfw_catalog_entry *cf = mfw_catalog_find(MFW_CAT_FREQUENCY);
    assert_true(fabs(row.v[column_of(an, MFW_CAT_U_L1)] * pow(10.0, cu->scaler) - 233.0) < 0.051);
    assert_true(fabs(row.v[column_of(an, MFW_CAT_PP_L2)] * pow(10.0, cp->scaler) - 1333.333) <
                pow(10.0, cp->scaler) * 0.51 + 1e-9);
    assert_true(fabs(row.v[column_of(an, MFW_CAT_FREQUENCY)] * pow(10.0, cf->scaler) - 50.0) <
                1e-9);
    free(r);
}

/* A sag on L2 to 190 V for 3 minutes: undervoltage L2 (77) when it starts, voltage normal L2
 * (86) when it ends, with its duration 180 s and minimum 190.00 V. */
static void sag_in_the_power_quality_log(void **st)
{
    (void)st;
    const mfw_ms_t t0 = T_0603_LOCAL_MIDNIGHT;
    struct rig *r = rig_new(t0);
    const double ok[3] = {230, 230, 230}, sag[3] = {230, 190, 230}, w[3] = {500, 500, 500};
    for (int k = 1; k <= 10; k++)
        block(&r->m, t0 + k * MIN_MS, k >= 4 && k <= 6 ? sag : ok, w);
    uint32_t n = mfw_eventlog_count(&r->m.events, &r->m.store, MFW_EVENTLOG_POWER_QUALITY);
    assert_int_equal(n, 2);
    struct mfw_eventlog_entry e;
    assert_int_equal(
        mfw_eventlog_read(&r->m.events, &r->m.store, MFW_EVENTLOG_POWER_QUALITY, 0, &e), MFW_OK);
    assert_int_equal(e.code, 77);
    assert_int_equal(e.phase, 2);
    assert_true(e.time == t0 + 3 * MIN_MS); /* logged with its start: the block 00:03-00:04 */
    assert_int_equal(
        mfw_eventlog_read(&r->m.events, &r->m.store, MFW_EVENTLOG_POWER_QUALITY, 1, &e), MFW_OK);
    assert_int_equal(e.code, 86);
    assert_int_equal(e.v1, 19000);
    assert_int_equal(e.v2, 180000);
    free(r);
}

/* Samples of L1..L3 at u_rms and i_rms (PF 1, 50 Hz, 4000 Hz) as the ADC gives them with the
 * meter's default calibration (1 V and 1 A per code: a 24-bit code range of +-8388607 A):
 * i_peak beyond that clips. */
static void sine_frames(struct mfw_meter *m, mfw_ms_t *t, double seconds, double u, double i)
{
    static struct mfw_adc_frame f[40];
    for (int blk = 0; blk < (int)(seconds * 100.0 + 0.5); blk++) {
        for (int k = 0; k < 40; k++) {
            double th = 2.0 * 3.14159265358979323846 * 50.0 * (double)(*t % 1000 * 4 + k) / 4000.0;
            for (int p = 0; p < 3; p++) {
                double a = th - p * 2.0 * 3.14159265358979323846 / 3.0;
                double v = u * sqrt(2.0) * sin(a), c = i * sqrt(2.0) * sin(a);
                f[k].v[p] = (int32_t)lround(v);
                f[k].i[p] = (int32_t)lround(c > 8388607.0    ? 8388607.0
                                            : c < -8388607.0 ? -8388607.0
                                                             : c);
            }
            f[k].i_n = 0;
        }
        mfw_meter_samples(m, f, 40);
        *t += 10;
        mfw_meter_tick(m, *t);
    }
}

static int rig_temperature(void *ctx, int32_t *milli_c)
{
    (void)ctx;
    *milli_c = 45250; /* 45.25 deg C */
    return MFW_OK;
}

/* A current beyond the ADC's range is never a silent under-registration: the power quality log
 * gets an over-current event (240 + phase) when it starts and one (244 + phase) with its
 * duration when it ends, and the load profile row of that quarter hour says "data not valid".
 * The HAL's temperature reaches the metrology and the catalogue. */
static void over_range_is_logged_and_flagged(void **st)
{
    (void)st;
    const mfw_ms_t t0 = T_0603_LOCAL_MIDNIGHT;
    struct rig *r = rig_new(t0);
    r->hal.temperature = rig_temperature;
    mfw_ms_t t = t0;
    sine_frames(&r->m, &t, 2.0, 230.0, 5.0e6); /* 7.1e6 peak: inside the range */
    sine_frames(&r->m, &t, 3.0, 230.0, 7.0e6); /* 9.9e6 peak: clipped */
    sine_frames(&r->m, &t, 2.0, 230.0, 5.0e6);
    uint32_t n = mfw_eventlog_count(&r->m.events, &r->m.store, MFW_EVENTLOG_POWER_QUALITY);
    assert_int_equal(n, 6); /* start and end on each phase */
    struct mfw_eventlog_entry e;
    for (uint32_t k = 0; k < 3; k++) {
        assert_int_equal(
            mfw_eventlog_read(&r->m.events, &r->m.store, MFW_EVENTLOG_POWER_QUALITY, k, &e),
            MFW_OK);
        assert_int_equal(e.code, 240 + k);
        assert_int_equal(e.phase, k + 1);
        assert_true(e.time >= t0 + 2000 && e.time <= t0 + 2250); /* the first clipped window */
        assert_true(e.v1 < 7000000000LL);                        /* mA: read below 7e6 A */
    }
    for (uint32_t k = 0; k < 3; k++) {
        assert_int_equal(
            mfw_eventlog_read(&r->m.events, &r->m.store, MFW_EVENTLOG_POWER_QUALITY, 3 + k, &e),
            MFW_OK);
        assert_int_equal(e.code, 244 + k);
        assert_true(llabs(e.v2 - 3000) <= 250); /* 3 s of clipping, to a window */
    }
    assert_true(r->m.lp_status & MFW_PROFILE_ST_DATA_NOT_VALID);
    struct mfw_catalog_value cv;
    mfw_meter_read_quantity(&r->m, MFW_CAT_TEMPERATURE, &cv);
    assert_int_equal(cv.state, MFW_CATALOG_MEASURED);
    assert_true(fabs(cv.si - 45.25) < 1e-4);
    assert_true(r->m.metrology.temperature == 45.25f);
    free(r);
}

/* The verbs the object model uses (meter.h), times worked out by hand: local time is UTC + 2 h in
 * June, so T_0603_LOCAL_MIDNIGHT + 7 min 29 s is 00:07:29 local. */
static void verbs_of_the_object_model(void **st)
{
    (void)st;
    const mfw_ms_t t0 = T_0603_LOCAL_MIDNIGHT;
    struct rig *r = rig_new(t0);
    struct mfw_meter *m = &r->m;
    run(m, t0, t0 + 7 * MIN_MS, 500.0);
    /* adjust to the minute, the quarter: the nearest boundary, half a step rounds up */
    mfw_meter_tick(m, t0 + 7 * MIN_MS + 29000);
    assert_int_equal(mfw_meter_eventlog_count(m, MFW_EVENTLOG_RTC), 0);
    assert_int_equal(mfw_meter_clock_adjust(m, 60), MFW_OK);
    assert_true(m->now == t0 + 7 * MIN_MS); /* 00:07:29 -> 00:07:00 */
    assert_int_equal(mfw_meter_eventlog_count(m, MFW_EVENTLOG_RTC), 2);
    mfw_meter_tick(m, t0 + 7 * MIN_MS + 59000); /* the clock is 29 s behind the RTC: 00:07:30 */
    assert_true(m->now == t0 + 7 * MIN_MS + 30000);
    assert_int_equal(mfw_meter_clock_adjust(m, 60), MFW_OK);
    assert_true(m->now == t0 + 8 * MIN_MS); /* 00:07:30 -> 00:08:00 */
    assert_int_equal(mfw_meter_clock_adjust(m, 900), MFW_OK);
    assert_true(m->now == t0 + 15 * MIN_MS); /* 00:08 is past 00:07:30: -> 00:15 */
    assert_int_equal(mfw_meter_clock_adjust(m, 0), MFW_E_ARG);
    assert_true(m->now == t0 + 15 * MIN_MS);
    assert_int_equal(mfw_meter_eventlog_count(m, MFW_EVENTLOG_RTC), 6);

    /* demand: a period that does not divide a day changes nothing; 1800 s x 2 is taken */
    struct mfw_demand_config before = m->settings.demand;
    assert_true(mfw_meter_demand_configure(m, 1000, 1) != MFW_OK);
    assert_memory_equal(&before, &m->settings.demand, sizeof before);
    assert_int_equal(mfw_meter_demand_configure(m, 1800, 2), MFW_OK);
    assert_int_equal(m->settings.demand.period_s, 1800);
    assert_int_equal(m->settings.demand.number_of_periods, 2);
    assert_int_equal(m->demand.config.period_s, 1800);
    assert_int_equal(mfw_meter_demand_reset(m), MFW_OK);
    assert_int_equal(mfw_meter_demand_next_period(m), MFW_OK);

    /* profile clear: the rows go, the standard log says so with code 254. The RTC runs 7:01
     * behind the clock now: 20 more minutes cross the load profile's 00:30 */
    run(m, t0 + 8 * MIN_MS, t0 + 28 * MIN_MS, 500.0);
    assert_true(mfw_meter_profile_count(m, MFW_PROF_LP1) > 0);
    struct mfw_profile_row row;
    assert_int_equal(mfw_meter_profile_read(m, MFW_PROF_LP1, 0, &row), MFW_OK);
    assert_int_equal(mfw_meter_profile_clear(m, MFW_PROF_LP1), MFW_OK);
    assert_int_equal(mfw_meter_profile_count(m, MFW_PROF_LP1), 0);
    assert_true(mfw_meter_profile_read(m, MFW_PROF_LP1, 0, &row) != MFW_OK);
    uint32_t n = mfw_meter_eventlog_count(m, MFW_EVENTLOG_STANDARD);
    struct mfw_eventlog_entry e;
    assert_int_equal(mfw_meter_eventlog_read(m, MFW_EVENTLOG_STANDARD, n - 1, &e), MFW_OK);
    assert_int_equal(e.code, 254);
    assert_int_equal(mfw_meter_profile_clear(m, MFW_PROF_COUNT), MFW_E_ARG);
    uint32_t first = 7, k = 7;
    bool in_order = false;
    assert_int_equal(
        mfw_meter_profile_find(m, MFW_PROF_LP1, t0, t0 + HOUR_MS, &first, &k, &in_order), MFW_OK);
    assert_int_equal(k, 0);
    assert_true(in_order); /* an empty buffer is in order */

    /* while the supply is down the demand verbs refuse */
    mfw_meter_power_down(m, t0 + 29 * MIN_MS);
    assert_int_equal(mfw_meter_demand_reset(m), MFW_E_STATE);
    assert_int_equal(mfw_meter_demand_next_period(m), MFW_E_STATE);
    free(r);

    /* a meter without flash: no rows, nothing to read or clear */
    static struct mfw_meter bare;
    struct mfw_meter_config cfg;
    static const struct mfw_hal none;
    mfw_meter_default_config(&cfg, MFW_METER_162M);
    assert_int_equal(mfw_meter_init(&bare, &cfg, &none, t0), MFW_OK);
    assert_false(bare.persistent);
    assert_int_equal(mfw_meter_profile_count(&bare, MFW_PROF_LP1), 0);
    assert_int_equal(mfw_meter_eventlog_count(&bare, MFW_EVENTLOG_STANDARD), 0);
    assert_int_equal(mfw_meter_profile_read(&bare, MFW_PROF_LP1, 0, &row), MFW_E_STATE);
    assert_int_equal(mfw_meter_eventlog_read(&bare, MFW_EVENTLOG_STANDARD, 0, &e), MFW_E_STATE);
    assert_int_equal(mfw_meter_profile_clear(&bare, MFW_PROF_LP1), MFW_E_STATE);
}

/* A 162M has L1 only: its default analysis log columns are L1's, and a profile column of L2 or
 * L3 is refused (OBIS C 41..60 is L2, 61..80 L3: IEC 62056-6-1); a 382M takes them. */
static void single_phase_columns(void **st)
{
    (void)st;
    struct mfw_meter_config c1, c3;
    mfw_meter_default_config(&c1, MFW_METER_162M);
    mfw_meter_default_config(&c3, MFW_METER_382M);
    assert_int_equal(mfw_meter_validate_settings(&c1.settings, 1), MFW_OK);
    assert_int_equal(mfw_meter_validate_settings(&c3.settings, 3), MFW_OK);
    for (unsigned k = 0; k < c1.settings.analysis.n_columns; k++) {
        const struct mfw_catalog_entry *e = mfw_catalog_find(c1.settings.analysis.column[k]);
        assert_non_null(e);
        assert_false(e->obis[2] >= 41 && e->obis[2] <= 80);
    }
    struct mfw_meter_settings s = c1.settings;
    s.analysis.column[0] = MFW_CAT_U_L2; /* 1.0.52.7.0.255 */
    assert_int_equal(mfw_meter_validate_settings(&s, 1), MFW_E_RANGE);
    s = c1.settings;
    s.lp1.column[0] = MFW_CAT_AP_L3; /* 1.0.61.8.0.255 */
    assert_int_equal(mfw_meter_validate_settings(&s, 1), MFW_E_RANGE);
    s = c3.settings;
    s.analysis.column[0] = MFW_CAT_U_L2;
    assert_int_equal(mfw_meter_validate_settings(&s, 3), MFW_OK);
}

/* Power factor while exporting: PF = |P| / S in [0, 1] (catalog.h), the direction is in P+ and
 * P-. 3 x 1000 W exported at unity: PF 1, total and per phase, not -1. */
static void power_factor_when_exporting(void **st)
{
    (void)st;
    struct rig *r = rig_new(T_0603_LOCAL_MIDNIGHT);
    run(&r->m, T_0603_LOCAL_MIDNIGHT, T_0603_LOCAL_MIDNIGHT + 2 * MIN_MS, -1000.0);
    static const uint16_t ids[] = {MFW_CAT_PF_TOTAL, MFW_CAT_PF_L1, MFW_CAT_PF_L2, MFW_CAT_PF_L3};
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        struct mfw_catalog_value v;
        mfw_meter_read_quantity(&r->m, ids[k], &v);
        assert_int_equal(v.state, MFW_CATALOG_MEASURED);
        assert_true(fabs(v.si - 1.0) < 1e-9);
    }
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_phase_columns),
        cmocka_unit_test(power_factor_when_exporting),
        cmocka_unit_test(tariffs_follow_the_default_calendar),
        cmocka_unit_test(billing_at_month_end),
        cmocka_unit_test(power_failure_and_restore),
        cmocka_unit_test(sudden_cut_loses_at_most_the_bound),
        cmocka_unit_test(clock_set_is_logged),
        cmocka_unit_test(lost_rtc_marks_rows_until_set),
        cmocka_unit_test(passive_calendar_takes_over_at_midnight),
        cmocka_unit_test(analysis_log_averages),
        cmocka_unit_test(sag_in_the_power_quality_log),
        cmocka_unit_test(over_range_is_logged_and_flagged),
        cmocka_unit_test(verbs_of_the_object_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
