/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the meter's persistent records (src/meter/meter_state.c): arbitrary bytes
 * as the STATE record, and as the CONFIG record, of a meter's flash; the meter then powers up on
 * that flash (mfw_meter_init: the records are decoded and checked field by field) and runs for a
 * simulated day with a load, through a power failure and back, so that a bad value that got past
 * the checks reaches the code that would use it (ASan/UBSan watch). Invariants: a record of
 * another meter or with a field out of its domain is refused (named), an accepted one encodes
 * again, and the registers never go down while the meter runs. Seeds: the records of a default
 * meter, written to $MFW_FUZZ_SEED_DIR when it is set. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter/meter_state.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/meter.h"
#include "meterfw/store/store.h"
#include "seed_dir.h"
#include "sim/flash_emu.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */

static struct mfw_meter_config cfg;
static struct mfw_meter meter;
static uint8_t *mem;
static struct flash_emu emu;
static struct mfw_hal hal;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    mfw_meter_default_config(&cfg, MFW_METER_382M);
    mfw_meter_store_layout(&cfg, 2); /* a small load profile: a small flash to reset per input */
    size_t size = (size_t)cfg.store.sector_size * cfg.store.sector_count;
    mem = malloc(size);
    if (mem == NULL || flash_emu_init(&emu, mem, cfg.store.sector_size, cfg.store.sector_count,
                                      cfg.store.prog_size, 1) != MFW_OK)
        abort();
    flash_emu_erase_all(&emu);
    flash_emu_hal(&emu, &hal);
    if (mfw_meter_init(&meter, &cfg, &hal, T0) != MFW_OK)
        abort();
    for (unsigned q = 0; q < 4; q++) {
        meter.registers.uwh[MFW_ENERGY_TOTAL][q] = 1000003ull * (q + 1);
        meter.registers.tariff[0][q] = 1000003ull * (q + 1);
    }
    meter.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_RQ1] = 1000003ull * 3;
    meter.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_RQ4] = 1000003ull * 4;
    uint8_t buf[MFW_METER_CONFIG_MAX];
    size_t n;
    if (mfw_meter_state_encode(&meter, buf, sizeof buf, &n) != MFW_OK)
        abort();
    fuzz_seed_write("fuzz_meter_state", "state-valid.bin", buf, n);
    if (mfw_meter_state_encode_settings(&meter.settings, buf, sizeof buf, &n) != MFW_OK)
        abort();
    fuzz_seed_write("fuzz_meter_state", "config-valid.bin", buf, n);
    return 0;
}

static uint64_t total(const struct mfw_meter *m)
{
    uint64_t s = 0;
    for (unsigned q = 0; q < MFW_EQ_COUNT; q++)
        s += m->registers.uwh[MFW_ENERGY_TOTAL][q];
    return s;
}

/* A day in 10-minute blocks of 2 kW with a power failure in the middle. */
static void run_day(struct mfw_meter *m)
{
    mfw_ms_t t = T0 + 60000;
    uint64_t before = total(m);
    for (unsigned k = 0; k < 144; k++, t += 600000) {
        if (k == 70) {
            mfw_meter_power_down(m, t);
            if (mfw_meter_init(m, &cfg, &hal, t + 3600000) != MFW_OK)
                abort(); /* its own flash, just written: always its own */
            t += 3600000;
        }
        struct mfw_metrology_block b = {.duration_s = 600.0, .freq_hz = 50.0};
        for (unsigned p = 0; p < 3; p++) {
            b.ph[p].vrms = 230.0;
            b.ph[p].irms = 2000.0 / 3.0 / 230.0;
            b.ph[p].p = 2000.0 / 3.0;
            b.ph[p].q = 100.0;
            b.ph[p].v_angle_deg = -120.0 * p;
        }
        mfw_meter_block(m, &b);
        mfw_meter_tick(m, t + 600000);
        if (total(m) < before)
            abort(); /* registers never go down */
        before = total(m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MFW_METER_CONFIG_MAX)
        return 0;
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees any overread */
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    for (int which = 0; which < 2; which++) {
        /* a new meter's flash with the input as its newest STATE (or CONFIG) record */
        flash_emu_erase_all(&emu);
        struct mfw_store st;
        if (mfw_store_mount(&st, &cfg.store, &hal) != MFW_OK ||
            mfw_store_record_write(&st, which == 0 ? MFW_AREA_STATE : MFW_AREA_CONFIG, copy,
                                   size) != MFW_OK)
            continue;
        int rc = mfw_meter_init(&meter, &cfg, &hal, T0);
        if (rc == MFW_E_RANGE) {
            if (meter.restore.refused == NULL)
                abort(); /* a refusal always names what */
            continue;
        }
        if (rc != MFW_OK)
            abort();
        if (meter.restore.state_field != NULL && meter.restore.records_skipped == 0)
            abort();
        uint8_t again[MFW_METER_STATE_MAX];
        size_t n = 0;
        if (mfw_meter_state_encode(&meter, again, sizeof again, &n) != MFW_OK)
            abort(); /* whatever was accepted must be savable again */
        /* the record was taken: its values now drive the meter */
        if ((which == 0 && meter.restore.state_field == NULL) ||
            (which == 1 && meter.restore.config_field == NULL))
            run_day(&meter);
    }
    free(copy);
    return 0;
}
