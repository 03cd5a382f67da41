/* SPDX-License-Identifier: Apache-2.0 */
/* Event logs (eventlog.c) over the real store on the RAM flash emulator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flash_emu.h"
#include "meterfw/base/error.h"
#include "meterfw/base/persist.h"
#include "meterfw/meter/eventlog.h"
#include "meterfw/store/store.h"

#define SECTOR 4096u
#define SECTORS 256u
#define T0 (1710065250LL * 1000) /* 2024-03-10T10:07:30Z */

struct rig {
    uint8_t mem[SECTOR * SECTORS];
    struct flash_emu fe;
    struct mfw_hal hal;
    struct mfw_store_config cfg;
    struct mfw_store st;
    struct mfw_eventlog el;
};

static const uint8_t areas[MFW_EVENTLOG_COUNT] = {0, 1, 2, 3, 4, 5};

static struct rig *rig_new(void)
{
    static struct rig r;
    memset(&r, 0, sizeof r);
    assert_int_equal(flash_emu_init(&r.fe, r.mem, SECTOR, SECTORS, 4, 7), MFW_OK);
    flash_emu_erase_all(&r.fe);
    flash_emu_hal(&r.fe, &r.hal);
    r.cfg.sector_size = SECTOR;
    r.cfg.sector_count = SECTORS;
    r.cfg.prog_size = 4;
    r.cfg.n_areas = MFW_EVENTLOG_COUNT;
    for (unsigned k = 0; k < MFW_EVENTLOG_COUNT; k++)
        r.cfg.area[k] = (struct mfw_store_area_config){MFW_STORE_RING, 1, (uint16_t)(k * 3), 3,
                                                       MFW_EVENTLOG_ENTRY_SIZE};
    assert_int_equal(mfw_store_mount(&r.st, &r.cfg, &r.hal), MFW_OK);
    assert_int_equal(mfw_eventlog_init(&r.el, areas, 3), MFW_OK);
    assert_int_equal(mfw_eventlog_check_areas(&r.el, &r.st), MFW_OK);
    return &r;
}

static void rig_remount(struct rig *r)
{
    memset(&r->st, 0, sizeof r->st);
    assert_int_equal(mfw_store_mount(&r->st, &r->cfg, &r->hal), MFW_OK);
}

static void test_init_and_names(void **state)
{
    (void)state;
    struct mfw_eventlog el;
    static const uint8_t dup[MFW_EVENTLOG_COUNT] = {0, 1, 2, 3, 4, 0};
    static const uint8_t big[MFW_EVENTLOG_COUNT] = {0, 1, 2, 3, 4, MFW_STORE_AREAS_MAX};
    assert_int_equal(mfw_eventlog_init(&el, dup, 3), MFW_E_ARG);
    assert_int_equal(mfw_eventlog_init(&el, big, 3), MFW_E_ARG);
    assert_int_equal(mfw_eventlog_init(&el, areas, 0), MFW_E_ARG);
    assert_int_equal(mfw_eventlog_init(NULL, areas, 1), MFW_E_ARG);
    assert_int_equal(mfw_eventlog_init(&el, areas, 1), MFW_OK);
    assert_int_equal(el.counters.long_pf_threshold_s, MFW_EVENTLOG_LONG_PF_S);

    static const uint8_t std[6] = {0, 0, 99, 98, 0, 255}, pf[6] = {1, 0, 99, 97, 0, 255},
                         pq_code[6] = {0, 0, 96, 11, 4, 255};
    assert_memory_equal(mfw_eventlog_obis(MFW_EVENTLOG_STANDARD), std, 6);
    assert_memory_equal(mfw_eventlog_obis(MFW_EVENTLOG_POWER_FAILURE), pf, 6);
    assert_memory_equal(mfw_eventlog_code_obis(MFW_EVENTLOG_POWER_QUALITY), pq_code, 6);
    assert_null(mfw_eventlog_code_obis(MFW_EVENTLOG_POWER_FAILURE));
    assert_null(mfw_eventlog_obis(MFW_EVENTLOG_COUNT));
    assert_int_equal(mfw_eventlog_counted_code(0), MFW_EVENT_POWER_DOWN);
    assert_int_equal(mfw_eventlog_counted_code(MFW_EVENTLOG_COUNTED_CODES), 0);
}

static void test_add_read_order_depth(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct mfw_eventlog_entry e;
    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_STANDARD), 0);
    assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_STANDARD, 0, &e), MFW_E_RANGE);
    assert_int_equal(
        mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_FRAUD, T0, MFW_EVENT_MAGNETIC_FIELD, 0, 0, 0),
        MFW_OK);
    assert_int_equal(mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_FRAUD, T0 + 1,
                                      MFW_EVENT_MAGNETIC_FIELD, 4, 0, 0),
                     MFW_E_ARG);
    assert_int_equal(mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_COUNT, T0, 1, 0, 0, 0),
                     MFW_E_ARG);

    /* 250 events in the standard log: the newest 200 are exposed, oldest first. */
    for (uint32_t k = 0; k < 250; k++)
        assert_int_equal(
            mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_STANDARD, T0 + (mfw_ms_t)k * 1000,
                             k % 2 ? MFW_EVENT_POWER_UP : MFW_EVENT_POWER_DOWN, 0, (int64_t)k, -1),
            MFW_OK);
    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_STANDARD), MFW_EVENTLOG_DEPTH);
    for (uint32_t i = 0; i < MFW_EVENTLOG_DEPTH; i++) {
        assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_STANDARD, i, &e), MFW_OK);
        uint32_t k = 50 + i;
        assert_int_equal(e.time, T0 + (mfw_ms_t)k * 1000);
        assert_int_equal(e.code, k % 2 ? MFW_EVENT_POWER_UP : MFW_EVENT_POWER_DOWN);
        assert_int_equal(e.v1, k);
        assert_int_equal(e.v2, -1);
        assert_int_equal(e.phase, 0);
    }
    assert_int_equal(
        mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_STANDARD, MFW_EVENTLOG_DEPTH, &e),
        MFW_E_RANGE);
    assert_int_equal(r->el.counters.logged[MFW_EVENTLOG_STANDARD], 250);
    assert_int_equal(r->el.counters.last_code[MFW_EVENTLOG_STANDARD], MFW_EVENT_POWER_UP);
    assert_int_equal(mfw_eventlog_code_count(&r->el, MFW_EVENT_POWER_DOWN), 125);
    assert_int_equal(mfw_eventlog_code_count(&r->el, MFW_EVENT_POWER_UP), 125);
    assert_int_equal(mfw_eventlog_code_count(&r->el, MFW_EVENT_MAGNETIC_FIELD), 1);
    assert_int_equal(mfw_eventlog_code_count(&r->el, MFW_EVENT_TOU_PROGRAMMED),
                     0); /* not counted */

    /* Keeps overwriting the oldest far past the ring's capacity. */
    for (uint32_t k = 250; k < 2000; k++)
        assert_int_equal(mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_STANDARD,
                                          T0 + (mfw_ms_t)k * 1000, MFW_EVENT_PARAMETERS_CHANGED, 0,
                                          (int64_t)k, 0),
                         MFW_OK);
    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_STANDARD), MFW_EVENTLOG_DEPTH);
    assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_STANDARD, 0, &e), MFW_OK);
    assert_int_equal(e.v1, 1800);
    assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_STANDARD, 199, &e), MFW_OK);
    assert_int_equal(e.v1, 1999);
    /* The other logs are untouched. */
    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_FRAUD), 1);
    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_RTC), 0);
}

static void test_rtc_pq_entries(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct mfw_eventlog_entry e;
    const mfw_ms_t old_t = T0, new_t = T0 + 3600000 + 250;
    assert_int_equal(mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_RTC, old_t,
                                      MFW_EVENT_CLOCK_ADJUSTED_OLD, 0, old_t, new_t),
                     MFW_OK);
    assert_int_equal(mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_RTC, new_t,
                                      MFW_EVENT_CLOCK_ADJUSTED_NEW, 0, old_t, new_t),
                     MFW_OK);
    assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_RTC, 1, &e), MFW_OK);
    assert_int_equal(e.code, MFW_EVENT_CLOCK_ADJUSTED_NEW);
    assert_int_equal(e.time, new_t);
    assert_int_equal(e.v1, old_t);
    assert_int_equal(e.v2, new_t);
    /* Sag on L2: 184.5 V for 12 s. */
    assert_int_equal(mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_POWER_QUALITY, T0,
                                      MFW_EVENT_UNDERVOLTAGE_L1 + 1, 2, 18450, 12),
                     MFW_OK);
    assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_POWER_QUALITY, 0, &e), MFW_OK);
    assert_int_equal(e.code, 77);
    assert_int_equal(e.phase, 2);
    assert_int_equal(e.v1, 18450);
    assert_int_equal(e.v2, 12);
    assert_int_equal(mfw_eventlog_code_count(&r->el, 77), 1);
}

static void test_power_failure(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct mfw_eventlog_entry e;
    /* Short failure of L1: counted, not logged. */
    assert_int_equal(mfw_eventlog_power_failure(&r->el, &r->st, 0x1, T0, 10), 0);
    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_POWER_FAILURE), 0);
    /* Long failure of all three phases: logged with start and duration. */
    assert_int_equal(mfw_eventlog_power_failure(&r->el, &r->st, 0x7, T0 + 60000, 600), 1);
    /* Exactly the threshold is not long (long = longer than 180 s, as quality.c counts it);
     * one second more is: a long failure of L3 only. */
    assert_int_equal(mfw_eventlog_power_failure(&r->el, &r->st, 0x4, T0 + 1800000, 180), 0);
    assert_int_equal(mfw_eventlog_power_failure(&r->el, &r->st, 0x4, T0 + 3600000, 181), 1);
    assert_int_equal(mfw_eventlog_power_failure(&r->el, &r->st, 0, T0, 1), MFW_E_ARG);
    assert_int_equal(mfw_eventlog_power_failure(&r->el, &r->st, 8, T0, 1), MFW_E_ARG);

    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_POWER_FAILURE), 2);
    assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_POWER_FAILURE, 0, &e), MFW_OK);
    assert_int_equal(e.time, T0 + 60000 + 600000);
    assert_int_equal(e.v1, T0 + 60000);
    assert_int_equal(e.v2, 600);
    assert_int_equal(e.phase, 0x7);
    assert_int_equal(e.flags, MFW_EVENTLOG_F_PHASE_MASK);
    assert_int_equal(e.code, MFW_EVENT_POWER_DOWN);
    assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_POWER_FAILURE, 1, &e), MFW_OK);
    assert_int_equal(e.phase, 0x4);
    assert_int_equal(e.v2, 181);

    const struct mfw_eventlog_counters *c = &r->el.counters;
    assert_int_equal(c->power_failures[MFW_EVENTLOG_PF_ANY], 4);
    assert_int_equal(c->power_failures[MFW_EVENTLOG_PF_L1], 2);
    assert_int_equal(c->power_failures[MFW_EVENTLOG_PF_L1 + 1], 1);
    assert_int_equal(c->power_failures[MFW_EVENTLOG_PF_L1 + 2], 3);
    assert_int_equal(c->power_failures[MFW_EVENTLOG_PF_ALL], 1);
    assert_int_equal(c->long_power_failures[MFW_EVENTLOG_PF_ANY], 2);
    assert_int_equal(c->long_power_failures[MFW_EVENTLOG_PF_L1], 1);
    assert_int_equal(c->long_power_failures[MFW_EVENTLOG_PF_L1 + 2], 2);
    assert_int_equal(c->long_power_failures[MFW_EVENTLOG_PF_ALL], 1);

    /* Single-phase meter: L1 is all phases. */
    struct mfw_eventlog one;
    assert_int_equal(mfw_eventlog_init(&one, areas, 1), MFW_OK);
    assert_int_equal(mfw_eventlog_power_failure(&one, &r->st, 0x1, T0, 5), 0);
    assert_int_equal(one.counters.power_failures[MFW_EVENTLOG_PF_ALL], 1);
}

static void test_clear_and_counters(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct mfw_eventlog_entry e;
    for (uint32_t k = 0; k < 30; k++)
        assert_int_equal(mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_DISCONNECTOR,
                                          T0 + (mfw_ms_t)k, MFW_EVENT_DISC_REMOTE_DISCONNECT, 0, 0,
                                          0),
                         MFW_OK);
    assert_int_equal(mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_FRAUD, T0,
                                      MFW_EVENT_METER_COVER_REMOVED, 0, 0, 0),
                     MFW_OK);
    assert_int_equal(mfw_eventlog_clear(&r->el, &r->st, MFW_EVENTLOG_DISCONNECTOR, T0 + 5000),
                     MFW_OK);
    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_DISCONNECTOR), 1);
    assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_DISCONNECTOR, 0, &e), MFW_OK);
    assert_int_equal(e.code, MFW_EVENT_LOG_CLEARED);
    assert_int_equal(e.time, T0 + 5000);
    assert_int_equal(e.v1, 30);
    /* Counters survive the clear and count the clear entry; the other logs are untouched. */
    assert_int_equal(r->el.counters.logged[MFW_EVENTLOG_DISCONNECTOR], 31);
    assert_int_equal(r->el.counters.last_code[MFW_EVENTLOG_DISCONNECTOR], MFW_EVENT_LOG_CLEARED);
    assert_int_equal(mfw_eventlog_code_count(&r->el, MFW_EVENT_DISC_REMOTE_DISCONNECT), 30);
    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_FRAUD), 1);
    /* Clearing an empty log logs the clear too. */
    assert_int_equal(mfw_eventlog_clear(&r->el, &r->st, MFW_EVENTLOG_RTC, T0), MFW_OK);
    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_RTC), 1);

    /* Counters round-trip through their persisted form, field by field. */
    uint8_t buf[512];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_eventlog_save(&r->el, &w);
    assert_int_equal(w.err, 0);
    struct mfw_eventlog fresh;
    assert_int_equal(mfw_eventlog_init(&fresh, areas, 3), MFW_OK);
    struct mfw_persist_reader pr;
    mfw_persist_reader_init(&pr, buf, w.len);
    mfw_eventlog_restore(&fresh, &pr);
    assert_int_equal(mfw_persist_end(&pr), MFW_OK);
    assert_memory_equal(&fresh.counters, &r->el.counters, sizeof fresh.counters);
    /* Truncated: a format error. */
    mfw_persist_reader_init(&pr, buf, w.len - 1);
    mfw_eventlog_restore(&fresh, &pr);
    assert_int_equal(mfw_persist_end(&pr), MFW_E_FORMAT);
    /* A CRC is no proof of sense: fields out of their domain are refused by name. The layout
     * (persist.h, big-endian u32s): per log {logged, last_code}; the last code of log 0 at 4. */
    buf[4 + 2] = 0x01; /* last_code 256 + ...: not an unsigned8 event code */
    mfw_persist_reader_init(&pr, buf, w.len);
    mfw_eventlog_restore(&fresh, &pr);
    assert_int_equal(mfw_persist_end(&pr), MFW_E_RANGE);
    assert_string_equal(pr.field, "eventlog.last_code");
}

static void test_survives_remount(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    struct mfw_eventlog_entry e;
    for (uint32_t k = 0; k < 300; k++)
        assert_int_equal(mfw_eventlog_add(&r->el, &r->st,
                                          (enum mfw_eventlog_id)(k % MFW_EVENTLOG_COUNT),
                                          T0 + (mfw_ms_t)k * 1000, MFW_EVENT_PARAMETERS_CHANGED, 0,
                                          (int64_t)k, 0),
                         MFW_OK);
    assert_int_equal(mfw_eventlog_power_failure(&r->el, &r->st, 0x2, T0 + 400000, 3600), 1);
    rig_remount(r);
    for (unsigned log = 0; log < MFW_EVENTLOG_COUNT; log++) {
        uint32_t expect = log == MFW_EVENTLOG_POWER_FAILURE ? 51 : 50;
        assert_int_equal(mfw_eventlog_count(&r->el, &r->st, (enum mfw_eventlog_id)log), expect);
        for (uint32_t i = 0; i < 50; i++) {
            assert_int_equal(mfw_eventlog_read(&r->el, &r->st, (enum mfw_eventlog_id)log, i, &e),
                             MFW_OK);
            assert_int_equal(e.v1, i * MFW_EVENTLOG_COUNT + log);
        }
    }
    assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_POWER_FAILURE, 50, &e), MFW_OK);
    assert_int_equal(e.v1, T0 + 400000);
    assert_int_equal(e.v2, 3600);
    assert_int_equal(e.phase, 0x2);
    /* Logging goes on after the remount. */
    assert_int_equal(mfw_eventlog_add(&r->el, &r->st, MFW_EVENTLOG_STANDARD, T0 + 999000,
                                      MFW_EVENT_POWER_UP, 0, 7, 0),
                     MFW_OK);
    assert_int_equal(mfw_eventlog_count(&r->el, &r->st, MFW_EVENTLOG_STANDARD), 51);
    assert_int_equal(mfw_eventlog_read(&r->el, &r->st, MFW_EVENTLOG_STANDARD, 50, &e), MFW_OK);
    assert_int_equal(e.v1, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_and_names),     cmocka_unit_test(test_add_read_order_depth),
        cmocka_unit_test(test_rtc_pq_entries),     cmocka_unit_test(test_power_failure),
        cmocka_unit_test(test_clear_and_counters), cmocka_unit_test(test_survives_remount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
