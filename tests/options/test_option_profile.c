/* SPDX-License-Identifier: Apache-2.0 */
/* One test program built under every option profile (tests/options/minimal.h, maximal.h, and the defaults):
 * whatever the sizes, the core builds without a warning and works as a meter.
 *  - The largest model the profile allows (MFW_PHASES_MAX: 1 -> 162M, 3 -> 382M) runs three
 *    simulated days of a constant load on a flash that tears as NOR does, with a power cut
 *    without warning every few hours at a random flash operation: each energy stays within the
 *    checkpoint bound of the load's own figure and never above it, the tariffs add up to the
 *    totals, every stored row is in time order and below the registers. With the profile's
 *    depths (the minimal profile's: a day of load profile, 8 events per log) the rings wrap.
 *  - MFW_ASSOCIATIONS_MAX link sessions each associate (LLS) and read A+ over DLMS: the value
 *    is the register truncated to Wh; one session more is refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flash_emu.h"
#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_client.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/link/link.h"
#include "meterfw/link/wrapper.h"
#include "meterfw/meter/catalog.h"
#include "meterfw/meter/meter.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */
#define TICK_MS 60000LL
#define W_PER_PHASE 1000.0
#define VAR_PER_PHASE 200.0

#if MFW_PHASES_MAX >= 3
#define MODEL MFW_METER_382M
#else
#define MODEL MFW_METER_162M
#endif

struct rig {
    struct mfw_meter_config cfg;
    uint8_t *mem, *weak;
    struct flash_emu emu;
    struct mfw_hal hal;
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_dlms_server dlms;
    struct mfw_link link;
};

static struct rig *rig_new(void)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    mfw_meter_default_config(&r->cfg, MODEL);
    /* the LLS association (off by default) with the password "00000001" of the AARQ used */
    r->cfg.security.lls_enabled = true;
    memcpy(r->cfg.security.lls, "00000001", 8);
    r->cfg.security.lls_len = 8;
    mfw_meter_store_layout(&r->cfg, MFW_PROFILE_LP1_DEPTH / 96u);
    size_t size = (size_t)r->cfg.store.sector_size * r->cfg.store.sector_count;
    r->mem = malloc(size);
    r->weak = malloc(size);
    assert_non_null(r->mem);
    assert_non_null(r->weak);
    assert_int_equal(flash_emu_init(&r->emu, r->mem, r->cfg.store.sector_size,
                                    r->cfg.store.sector_count, r->cfg.store.prog_size, 77),
                     MFW_OK);
    flash_emu_harsh(&r->emu, r->weak, 32);
    flash_emu_erase_all(&r->emu);
    flash_emu_hal(&r->emu, &r->hal);
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, T0), MFW_OK);
    return r;
}

static void rig_free(struct rig *r)
{
    free(r->mem);
    free(r->weak);
    free(r);
}

static void block(struct mfw_meter *m, mfw_ms_t t)
{
    struct mfw_metrology_block b = {.duration_s = 60.0, .freq_hz = 50.0};
    for (unsigned p = 0; p < (unsigned)MODEL; p++) {
        b.ph[p].vrms = 230.0;
        b.ph[p].p = W_PER_PHASE;
        b.ph[p].q = VAR_PER_PHASE;
        b.ph[p].irms = hypot(W_PER_PHASE, VAR_PER_PHASE) / 230.0;
        b.ph[p].v_angle_deg = -120.0 * p;
    }
    mfw_meter_block(m, &b);
    mfw_meter_tick(m, t);
}

static void check_rows(struct mfw_meter *m)
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
            for (unsigned c = 0; c < row.n; c++) {
                const struct mfw_catalog_entry *e = mfw_catalog_find(p->config.column[c]);
                if (e->obis[3] != 8)
                    continue;
                struct mfw_catalog_value v;
                mfw_meter_read_quantity(m, e->id, &v);
                assert_true(row.v[c] <= v.exact);
            }
        }
    }
}

static void three_days_with_cuts(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    /* per minute, what the load puts in the totals (uWh): vector sum of the phases */
    const double ap_tick = MODEL * W_PER_PHASE * 60.0 / 3600.0 * 1e6;
    const double rp_tick = MODEL * VAR_PER_PHASE * 60.0 / 3600.0 * 1e6;
    /* meter.h: a cut loses at most max(checkpoint_wh, P x checkpoint_min_s) plus one tick */
    const double p_all = MODEL * (W_PER_PHASE + VAR_PER_PHASE);
    const double cp = r->cfg.checkpoint_wh, pm = p_all * r->cfg.checkpoint_min_s / 3600.0;
    const uint64_t bound = (uint64_t)(((cp > pm ? cp : pm) + p_all * 60.0 / 3600.0) * 1e6);
    uint64_t x = 0x5EED;
    double truth_ap = 0, truth_rp = 0; /* what was measured while the meter was up (uWh) */
    unsigned cuts = 0;
    for (uint32_t i = 1; i <= 3 * 1440; i++) {
        mfw_ms_t t = T0 + (mfw_ms_t)i * TICK_MS;
        if (i % 397 == 0) { /* a cut without warning at a random operation of the next ticks */
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            flash_emu_cut_after(&r->emu, 1 + x % 40);
        }
        block(&r->m, t);
        truth_ap += ap_tick;
        truth_rp += rp_tick;
        if (r->emu.dead) {
            flash_emu_power_on(&r->emu);
            assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, t), MFW_OK);
            cuts++;
            const uint64_t *g = r->m.registers.uwh[MFW_ENERGY_TOTAL];
            /* never above what was measured (1 uWh: the register is the measured energy
             * truncated), at most the bound below it */
            assert_true((double)g[MFW_EQ_AP] <= truth_ap + 1.0);
            assert_true((double)g[MFW_EQ_AP] + (double)bound >= truth_ap);
            assert_true((double)g[MFW_EQ_RP] <= truth_rp + 1.0);
            assert_true((double)g[MFW_EQ_RP] + (double)bound >= truth_rp);
            for (unsigned q = 0; q < 4; q++) {
                uint64_t sum = 0;
                for (unsigned k = 0; k < MFW_TARIFFS; k++)
                    sum += r->m.registers.tariff[k][q];
                assert_int_equal(sum, g[q]);
            }
            check_rows(&r->m);
            /* what the meter shows from now on is what it restored */
            truth_ap = (double)g[MFW_EQ_AP];
            truth_rp = (double)g[MFW_EQ_RP];
        }
    }
    check_rows(&r->m);
    assert_true(cuts >= 8);
    /* the rings wrapped when the profile's depths are shorter than three days */
    const struct mfw_profile *lp = &r->m.profiles[MFW_PROF_LP1];
    if (lp->config.depth < 3 * 96)
        assert_int_equal(mfw_profile_count(lp, &r->m.store), lp->config.depth);
    printf("  %s, %u cuts, %u state saves; sizeof meter %zu, object model %zu, DLMS server %zu, "
           "link %zu bytes\n",
           MODEL == MFW_METER_382M ? "382M" : "162M", cuts, (unsigned)r->m.saves,
           sizeof(struct mfw_meter), sizeof(struct mfw_cosem), sizeof(struct mfw_dlms_server),
           sizeof(struct mfw_link));
    rig_free(r);
}

/* One request through session id; the reply APDU (the wrapper header checked) in out. */
static size_t exchange(struct rig *r, unsigned id, const uint8_t *apdu, size_t n, uint8_t *out,
                       size_t cap)
{
    uint8_t frame[600];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, frame, sizeof frame);
    assert_int_equal(mfw_wrapper_encode(1, 1, apdu, n, &w), MFW_OK); /* SAP 1 -> LD 1 */
    struct mfw_link_out o;
    assert_int_equal(mfw_link_feed(&r->link, id, frame, w.len, T0, &o), w.len);
    assert_false(o.close);
    assert_true(o.tx_len > 8 && o.tx_len - 8 <= cap);
    /* IEC 62056-47: version 1, the wPorts swapped (1 -> 1), the length */
    assert_int_equal(o.tx[0] << 8 | o.tx[1], 1);
    assert_int_equal((size_t)(o.tx[6] << 8 | o.tx[7]), o.tx_len - 8);
    memcpy(out, o.tx + 8, o.tx_len - 8);
    size_t len = o.tx_len - 8;
    assert_int_equal(mfw_link_sent(&r->link, id, o.tx_len), MFW_OK);
    return len;
}

static void every_association_reads(void **state)
{
    (void)state;
    struct rig *r = rig_new();
    for (uint32_t i = 1; i <= 120; i++)
        block(&r->m, T0 + (mfw_ms_t)i * TICK_MS);
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    struct mfw_link_config lc;
    mfw_link_default_config(&lc);
    assert_int_equal(mfw_cosem_init(&r->cosem, &r->m, &cc), MFW_OK);
    assert_int_equal(mfw_dlms_server_init(&r->dlms, &r->cosem, &dc), MFW_OK);
    assert_int_equal(mfw_link_init(&r->link, &r->dlms, &lc), MFW_OK);
    /* 2 h of the load: A+ = phases x 1000 W x 2 h (to the uWh, but for the sub-uWh carry of
     * each of the 120 blocks), and a GET reads it truncated to the Wh */
    const uint64_t reg = r->m.registers.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP];
    const double analytic = MODEL * W_PER_PHASE * 2.0 * 1e6;
    assert_true(fabs((double)reg - analytic) <= 120.0);
    const uint64_t want = reg / 1000000u;
    for (unsigned a = 0; a < MFW_ASSOCIATIONS_MAX; a++) {
        int id = mfw_link_open(&r->link, MFW_LINK_WRAPPER, T0, NULL);
        assert_int_equal(id, (int)a);
        uint8_t apdu[256], reply[512];
        struct mfw_wcursor w;
        mfw_wcursor_init(&w, apdu, sizeof apdu);
        const struct mfw_dlms_client_aarq_params ap = {.mechanism = MFW_ACSE_MECH_LLS,
                                                       .password = (const uint8_t *)"00000001",
                                                       .password_len = 8,
                                                       .conformance =
                                                           MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                                       .max_pdu = 0xFFFF};
        assert_int_equal(mfw_dlms_client_build_aarq(&ap, &w), MFW_OK);
        size_t n = exchange(r, (unsigned)id, apdu, w.len, reply, sizeof reply);
        struct mfw_acse_aare re;
        assert_int_equal(mfw_dlms_client_parse_aare(reply, n, &re), MFW_OK);
        assert_int_equal(re.result, MFW_ACSE_RESULT_ACCEPTED);
        /* GET 1.0.1.8.0.255 attribute 2 (class 3) */
        static const uint8_t get[] = {0xC0, 0x01, 0xC1, 0x00, 0x03, 1, 0, 1, 8, 0, 255, 0x02, 0x00};
        n = exchange(r, (unsigned)id, get, sizeof get, reply, sizeof reply);
        assert_int_equal(n, 4 + 9);
        assert_int_equal(reply[4], 0x15); /* long64-unsigned */
        uint64_t v = 0;
        for (unsigned k = 0; k < 8; k++)
            v = v << 8 | reply[5 + k];
        assert_int_equal(v, want);
    }
    assert_int_equal(mfw_link_open(&r->link, MFW_LINK_WRAPPER, T0, NULL), MFW_E_NOSPACE);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(three_days_with_cuts),
        cmocka_unit_test(every_association_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
