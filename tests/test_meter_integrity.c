/* SPDX-License-Identifier: Apache-2.0 */
/* The meter's word after a fault (the integrity issue's findings, each a case that failed before):
 * a CRC-valid state record whose content is not sense (a demand ring position of 250 with 15
 * sub-periods: an out-of-bounds write before), another meter's state (a 162M taking over a 382M's
 * state), the state area gone or every state record damaged (the registers restarted at 0 while
 * the rows kept 97 kWh), an RTC behind the latest record (rows stored twice, out of order) or far
 * ahead of it, and a flash of random bytes (formatted silently). Loads are constant blocks, so the
 * energies are power x time by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flash_emu.h"
#include "meter/meter_state.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/meter.h"
#include "meterfw/store/store.h"

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL
#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */

struct rig {
    struct flash_emu emu;
    uint8_t *mem;
    size_t size;
    struct mfw_hal hal;
    struct mfw_meter_config cfg;
    struct mfw_meter m;
};

static struct rig *rig_new(enum mfw_meter_model model)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    mfw_meter_default_config(&r->cfg, model);
    r->size = (size_t)r->cfg.store.sector_size * r->cfg.store.sector_count;
    r->mem = malloc(r->size);
    assert_non_null(r->mem);
    assert_int_equal(flash_emu_init(&r->emu, r->mem, r->cfg.store.sector_size,
                                    r->cfg.store.sector_count, r->cfg.store.prog_size, 3),
                     MFW_OK);
    flash_emu_erase_all(&r->emu);
    flash_emu_hal(&r->emu, &r->hal);
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, T0), MFW_OK);
    return r;
}

static void rig_free(struct rig *r)
{
    free(r->mem);
    free(r);
}

/* w watts on each phase for [from, to) in 1-minute blocks. */
static void run(struct rig *r, mfw_ms_t from, mfw_ms_t to, double w)
{
    for (mfw_ms_t t = from; t < to; t += MIN_MS) {
        struct mfw_metrology_block b = {.duration_s = 60.0, .freq_hz = 50.0};
        for (unsigned p = 0; p < r->cfg.metro.phases; p++) {
            b.ph[p].vrms = 230.0;
            b.ph[p].irms = w / 230.0;
            b.ph[p].p = w;
            b.ph[p].v_angle_deg = -120.0 * p;
        }
        mfw_meter_block(&r->m, &b);
        mfw_meter_tick(&r->m, t + MIN_MS);
    }
}

static bool logged(struct mfw_meter *m, uint16_t code)
{
    uint32_t n = mfw_eventlog_count(&m->events, &m->store, MFW_EVENTLOG_STANDARD);
    for (uint32_t i = 0; i < n; i++) {
        struct mfw_eventlog_entry e;
        if (mfw_eventlog_read(&m->events, &m->store, MFW_EVENTLOG_STANDARD, i, &e) == MFW_OK &&
            e.code == code)
            return true;
    }
    return false;
}

static void rows_in_order(struct mfw_meter *m)
{
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++) {
        const struct mfw_profile *p = &m->profiles[k];
        uint32_t n = mfw_profile_count(p, &m->store);
        mfw_ms_t last = INT64_MIN;
        for (uint32_t i = 0; i < n; i++) {
            struct mfw_profile_row row;
            assert_int_equal(mfw_profile_read(p, &m->store, i, &row), MFW_OK);
            assert_true(row.time > last || (row.time == last && p->config.same_time_ok));
            last = row.time;
        }
    }
}

/* A CRC-valid STATE record of this meter whose demand ring position (250) is outside its 15
 * sub-periods: refused by name, the record before it is taken, NV memory error logged. */
static void nonsense_state_is_refused(void **st)
{
    (void)st;
    struct rig *r = rig_new(MFW_METER_382M);
    struct mfw_meter_settings s = r->m.settings;
    s.demand.period_s = 60;
    s.demand.number_of_periods = 15;
    assert_int_equal(mfw_meter_apply_settings(&r->m, &s), MFW_OK);
    run(r, T0, T0 + HOUR_MS, 1000.0);
    mfw_meter_power_down(&r->m, T0 + HOUR_MS);
    const uint64_t ap = r->m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP];
    /* 3 x 1 kW x 1 h */
    assert_true(ap >= 2999999000u && ap <= 3000000000u);
    struct mfw_meter crafted = r->m;
    crafted.demand.hist_pos = 250;
    crafted.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP] += 1000000000u; /* and 1 kWh more */
    crafted.registers.tariff[crafted.tariff - 1][0] += 1000000000u;
    uint8_t buf[MFW_METER_STATE_MAX];
    size_t len = 0;
    assert_int_equal(mfw_meter_state_encode(&crafted, buf, sizeof buf, &len), MFW_OK);
    assert_int_equal(mfw_store_record_write(&r->m.store, MFW_AREA_STATE, buf, len), MFW_OK);
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, T0 + 2 * HOUR_MS), MFW_OK);
    assert_non_null(r->m.restore.state_field);
    assert_string_equal(r->m.restore.state_field, "demand.hist_pos");
    assert_int_equal(r->m.restore.records_skipped, 1);
    assert_false(r->m.restore.state_lost);
    /* the registers of the record before: not the crafted kWh */
    assert_int_equal(r->m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP], ap);
    assert_true(r->m.error_register & MFW_METER_ERROR_NV_MEMORY);
    assert_true(logged(&r->m, MFW_EVENT_NV_MEMORY_ERROR));
    run(r, T0 + 2 * HOUR_MS, T0 + 3 * HOUR_MS, 1000.0); /* and it runs (ASan/UBSan watch) */
    rig_free(r);
}

/* A 162M started on a 382M's flash, or another serial number: refused, the flash untouched. */
static void another_meters_state_is_refused(void **st)
{
    (void)st;
    struct rig *r = rig_new(MFW_METER_382M);
    run(r, T0, T0 + HOUR_MS, 500.0);
    mfw_meter_power_down(&r->m, T0 + HOUR_MS);
    uint8_t *before = malloc(r->size);
    assert_non_null(before);
    memcpy(before, r->mem, r->size);
    struct mfw_meter_config other;
    mfw_meter_default_config(&other, MFW_METER_162M);
    other.store = r->cfg.store; /* the same flash layout, to reach the state record */
    assert_int_equal(mfw_meter_init(&r->m, &other, &r->hal, T0 + 2 * HOUR_MS), MFW_E_RANGE);
    assert_string_equal(r->m.restore.refused, "model");
    assert_memory_equal(before, r->mem, r->size);
    struct mfw_meter_config renamed = r->cfg;
    memcpy(renamed.serial, "00000002", 9);
    assert_int_equal(mfw_meter_init(&r->m, &renamed, &r->hal, T0 + 2 * HOUR_MS), MFW_E_RANGE);
    assert_string_equal(r->m.restore.refused, "serial number");
    assert_memory_equal(before, r->mem, r->size);
    /* its own config still starts */
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, T0 + 2 * HOUR_MS), MFW_OK);
    free(before);
    rig_free(r);
}

/* Erases the sectors of the STATE area in the emulated flash (as a damaged flash would). */
static void wipe_state_area(struct rig *r)
{
    const struct mfw_store_area_config *a = &r->cfg.store.area[MFW_AREA_STATE];
    memset(r->mem + (size_t)a->first_sector * r->cfg.store.sector_size, 0xFF,
           (size_t)a->sectors * r->cfg.store.sector_size);
}

/* Flips one bit in the payload of every STATE record (CRC failures). */
static unsigned flip_state_records(struct rig *r)
{
    const struct mfw_store_area_config *a = &r->cfg.store.area[MFW_AREA_STATE];
    unsigned flipped = 0;
    for (unsigned s = 0; s < a->sectors; s++) {
        uint8_t *sec = r->mem + (size_t)(a->first_sector + s) * r->cfg.store.sector_size;
        /* store.c: a 32-byte sector header, then records {magic "CR" (0x43 0x52 LE 0x5243)...} */
        for (uint32_t off = 32; off + 64 < r->cfg.store.sector_size; off += 8)
            if (sec[off] == 0x43 && sec[off + 1] == 0x52) {
                sec[off + 40] ^= 0x10;
                flipped++;
                break;
            }
    }
    return flipped;
}

/* No usable STATE record (the area erased, or every record damaged): the registers come from the
 * newest stored rows, never lower, with NV memory error, the error register bit, and the next
 * rows flagged "data not valid". */
static void lost_state_restored_from_rows(void **st)
{
    (void)st;
    for (int variant = 0; variant < 2; variant++) {
        struct rig *r = rig_new(MFW_METER_382M);
        /* 2 days of 3 x 1 kW, then 10 minutes more (not yet in a load profile row) */
        run(r, T0, T0 + 2 * DAY_MS + 10 * MIN_MS, 1000.0);
        mfw_meter_power_down(&r->m, T0 + 2 * DAY_MS + 10 * MIN_MS);
        if (variant == 0)
            wipe_state_area(r);
        else
            assert_true(flip_state_records(r) >= 2);
        assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, T0 + 2 * DAY_MS + HOUR_MS),
                         MFW_OK);
        assert_true(r->m.restore.state_lost);
        /* the newest load profile row is 2 days at 3 kW = 144 kWh (the row at 00:00 on day 3) */
        const uint64_t ap = r->m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP];
        assert_true(ap >= 143999000000u && ap <= 144000000000u);
        assert_true(r->m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP] / 1000000u >= 143999u);
        uint64_t tsum = 0;
        for (unsigned t = 0; t < MFW_TARIFFS; t++)
            tsum += r->m.registers.tariff[t][0];
        assert_int_equal(tsum, ap);
        assert_true(r->m.error_register & MFW_METER_ERROR_NV_MEMORY);
        assert_true(logged(&r->m, MFW_EVENT_NV_MEMORY_ERROR));
        run(r, T0 + 2 * DAY_MS + HOUR_MS, T0 + 2 * DAY_MS + 2 * HOUR_MS, 1000.0);
        const struct mfw_profile *lp = &r->m.profiles[MFW_PROF_LP1];
        uint32_t n = mfw_profile_count(lp, &r->m.store);
        struct mfw_profile_row row;
        bool flagged = false;
        for (uint32_t i = n - 4; i < n; i++) {
            assert_int_equal(mfw_profile_read(lp, &r->m.store, i, &row), MFW_OK);
            if (row.time > T0 + 2 * DAY_MS + HOUR_MS &&
                (row.status & MFW_PROFILE_ST_DATA_NOT_VALID))
                flagged = true;
        }
        assert_true(flagged);
        rows_in_order(&r->m);
        rig_free(r);
    }
}

/* An RTC 9 days behind the latest record: invalid clock, event 6, no row before the newest one
 * (none stored twice or out of order) until the clock is set. */
static void rtc_behind_is_noticed(void **st)
{
    (void)st;
    struct rig *r = rig_new(MFW_METER_382M);
    run(r, T0, T0 + 2 * DAY_MS, 500.0);
    mfw_meter_power_down(&r->m, T0 + 2 * DAY_MS);
    const struct mfw_profile *lp = &r->m.profiles[MFW_PROF_LP1];
    uint32_t rows = mfw_profile_count(lp, &r->m.store);
    uint32_t daily = mfw_profile_count(&r->m.profiles[MFW_PROF_DAILY], &r->m.store);
    const mfw_ms_t back = T0 + 2 * DAY_MS - 9 * DAY_MS;
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, back), MFW_OK);
    assert_true(r->m.restore.clock_behind);
    assert_true(mfw_clock_status(&r->m.clock, r->m.now) & MFW_CLOCK_STATUS_INVALID);
    assert_true(r->m.error_register & MFW_METER_ERROR_CLOCK_INVALID);
    assert_true(logged(&r->m, MFW_EVENT_CLOCK_INVALID));
    run(r, back, back + 2 * DAY_MS, 500.0); /* two days of the repeated time */
    assert_int_equal(mfw_profile_count(lp, &r->m.store), rows);
    assert_int_equal(mfw_profile_count(&r->m.profiles[MFW_PROF_DAILY], &r->m.store), daily);
    rows_in_order(&r->m);
    /* set to the truth: rows resume after the newest one */
    const mfw_ms_t truth = T0 + 2 * DAY_MS + 2 * DAY_MS;
    assert_int_equal(mfw_meter_clock_set(&r->m, back + 2 * DAY_MS, truth), MFW_OK);
    run(r, back + 2 * DAY_MS, back + 2 * DAY_MS + HOUR_MS, 500.0);
    assert_int_equal(mfw_profile_count(lp, &r->m.store), rows + 4);
    rows_in_order(&r->m);
    rig_free(r);
}

/* The load profile's period changed to 300 s 20 s after a save, and the supply cut without warning
 * before the next checkpoint: the configuration record says 300 s, the older state a next capture
 * of 00:15 (the 900 s period). The rows of 00:05 and 00:10 must still come (found by the kill
 * campaign, tests/system/meterd_kill.sh). */
static void period_change_then_cut(void **st)
{
    (void)st;
    struct rig *r = rig_new(MFW_METER_382M);
    run(r, T0, T0 + MIN_MS, 500.0); /* 00:01: ticked, saved at power-up */
    struct mfw_meter_settings s = r->m.settings;
    s.lp1.capture_period_s = 300;
    assert_int_equal(mfw_meter_apply_settings(&r->m, &s), MFW_OK);
    /* the cut: the meter starts again on the flash as it is, at 00:01:54 */
    const mfw_ms_t up = T0 + MIN_MS + 54000;
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, up), MFW_OK);
    const struct mfw_profile *lp = &r->m.profiles[MFW_PROF_LP1];
    assert_int_equal(lp->config.capture_period_s, 300);
    run(r, up, up + 9 * MIN_MS, 500.0); /* to 00:10:54 */
    assert_int_equal(mfw_profile_count(lp, &r->m.store), 2);
    struct mfw_profile_row row;
    assert_int_equal(mfw_profile_read(lp, &r->m.store, 0, &row), MFW_OK);
    assert_true(row.time == T0 + 5 * MIN_MS);
    assert_int_equal(mfw_profile_read(lp, &r->m.store, 1, &row), MFW_OK);
    assert_true(row.time == T0 + 10 * MIN_MS);
    rig_free(r);
}

/* An RTC 20 years after the latest record: not believed (the backup cannot run that long). */
static void rtc_far_ahead_is_noticed(void **st)
{
    (void)st;
    struct rig *r = rig_new(MFW_METER_382M);
    run(r, T0, T0 + HOUR_MS, 500.0);
    mfw_meter_power_down(&r->m, T0 + HOUR_MS);
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, T0 + 20LL * 366 * DAY_MS), MFW_OK);
    assert_true(r->m.restore.clock_ahead);
    assert_true(mfw_clock_status(&r->m.clock, r->m.now) & MFW_CLOCK_STATUS_INVALID);
    /* a year later is plausible: a meter kept in store */
    mfw_meter_power_down(&r->m, T0 + 20LL * 366 * DAY_MS);
    struct rig *q = rig_new(MFW_METER_382M);
    run(q, T0, T0 + HOUR_MS, 500.0);
    mfw_meter_power_down(&q->m, T0 + HOUR_MS);
    assert_int_equal(mfw_meter_init(&q->m, &q->cfg, &q->hal, T0 + 366 * DAY_MS), MFW_OK);
    assert_false(q->m.restore.clock_ahead);
    assert_false(mfw_clock_status(&q->m.clock, q->m.now) & MFW_CLOCK_STATUS_INVALID);
    rig_free(q);
    rig_free(r);
}

/* Random bytes, or zeros, are no meter's flash: refused and untouched; formatted on request. */
static void foreign_flash_is_not_formatted(void **st)
{
    (void)st;
    struct rig *r = rig_new(MFW_METER_382M);
    uint64_t x = 12345;
    for (int fill = 0; fill < 2; fill++) {
        for (size_t k = 0; k < r->size; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            r->mem[k] = fill == 0 ? (uint8_t)x : 0;
        }
        uint8_t *before = malloc(r->size);
        assert_non_null(before);
        memcpy(before, r->mem, r->size);
        assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, T0), MFW_E_FORMAT);
        assert_non_null(r->m.restore.refused);
        assert_memory_equal(before, r->mem, r->size);
        free(before);
    }
    assert_int_equal(mfw_store_format(&r->cfg.store, &r->hal), MFW_OK);
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, T0), MFW_OK);
    assert_int_equal(r->m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP], 0);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nonsense_state_is_refused),
        cmocka_unit_test(another_meters_state_is_refused),
        cmocka_unit_test(lost_state_restored_from_rows),
        cmocka_unit_test(rtc_behind_is_noticed),
        cmocka_unit_test(rtc_far_ahead_is_noticed),
        cmocka_unit_test(period_change_then_cut),
        cmocka_unit_test(foreign_flash_is_not_formatted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
