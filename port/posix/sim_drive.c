/* SPDX-License-Identifier: Apache-2.0 */
#include "sim_drive.h"

#include <string.h>

#include "meterfw/base/error.h"

int sim_drive_init(struct sim_drive *d, const struct scenario *sc, enum meterd_fidelity fid,
                   struct mfw_meter_config *cfg, mfw_ms_t start, const struct meterd_sensors *sens,
                   uint64_t seed)
{
    memset(d, 0, sizeof *d);
    d->sc = sc;
    d->fidelity = fid;
    d->phases = cfg->metro.phases;
    d->fs_hz = cfg->metro.fs_hz;
    d->t = start;
    d->state_until = start;
    d->ideal = sens == NULL || sens->ideal;
    d->fast_ambient_c = sc->temperature_c;
    struct afe_config ac;
    afe_default_config(&ac, d->phases, d->fs_hz, cfg->i_max_a);
    ac.f_nominal_hz = cfg->metro.f_nominal_hz;
    ac.seed = seed ^ 0x6D65746572ull;
    if (!d->ideal) {
        ac.sensors_on = true;
        ac.sensors = sens->set;
    }
    if (sens != NULL && sens->noise_set) {
        /* the scenario's noise: the ideal front end's white noise, or every converter's SNR
         * (off also takes the 1/f noise) */
        ac.snr_db = sens->noise_db;
        for (unsigned k = 0; k <= MFW_PHASES_MAX; k++) {
            struct sensor_phase *p = k < MFW_PHASES_MAX ? &ac.sensors.ph[k] : &ac.sensors.neutral;
            p->v_adc.snr_db = p->i_adc.snr_db = sens->noise_db;
            if (sens->noise_db == 0.0)
                p->v_adc.flicker_hz = p->i_adc.flicker_hz = 0.0;
        }
    }
    int rc = afe_init(&d->afe, &ac);
    if (rc != MFW_OK)
        return rc;
    if (d->ideal) {
        /* Nominal calibration: the meter is told the AFE's scale (no sensor errors simulated). */
        for (unsigned k = 0; k < MFW_PHASES_MAX; k++) {
            cfg->metro.cal[k].v_gain = (float)afe_volts_per_code(&d->afe);
            cfg->metro.cal[k].i_gain = (float)afe_amps_per_code(&d->afe);
        }
        cfg->metro.i_n_gain = (float)afe_amps_per_code(&d->afe);
        return MFW_OK;
    }
    /* The meter's production: the unit on the line, its constants from its own samples. */
    struct production_plan plan;
    production_default_plan(&plan, cfg->i_max_a);
    plan.un_v = cfg->u_nominal_v;
    plan.iref_a = cfg->i_ref_a;
    plan.points_a[0] = 0.05 * cfg->i_ref_a; /* Imin, Itr of EN 50470-3 class B */
    plan.points_a[1] = 0.1 * cfg->i_ref_a;
    plan.points_a[2] = 10.0 * cfg->i_ref_a < cfg->i_max_a ? 10.0 * cfg->i_ref_a : 0.0;
    struct production_bench bench;
    production_draw_bench(&bench, seed);
    return production_calibrate(&d->afe, &cfg->metro, &plan, &bench, &d->production);
}

double sim_drive_temperature(const struct sim_drive *d)
{
    if (d->fidelity == FIDELITY_FAST || d->ideal)
        return d->fast_ambient_c;
    return afe_temperature_reading(&d->afe);
}

void sim_drive_power(struct sim_drive *d, const struct mfw_meter_config *cfg,
                     const struct mfw_hal *hal)
{
    d->config = cfg;
    d->hal = hal;
}

void sim_drive_board(struct sim_drive *d, struct board *b)
{
    d->board = b;
}

void sim_drive_rescan(struct sim_drive *d)
{
    d->state_until = d->t;
}

/* The scenario at t, with the board's part: its inputs and weld from the board events, and no
 * load current behind an open breaker. */
static void state_at(struct sim_drive *d, mfw_ms_t t, struct afe_state *st)
{
    scenario_at(d->sc, t, st);
    struct board *b = d->board;
    if (b == NULL)
        return;
    uint32_t in = scenario_inputs_at(d->sc, t);
    b->inputs = in & (MFW_HAL_IN_MAIN_COVER | MFW_HAL_IN_TERMINAL_COVER |
                      MFW_HAL_IN_MAGNETIC_FIELD | MFW_HAL_IN_BUTTON);
    b->welded = (in & SCENARIO_IN_WELDED) != 0;
    b->changed = false;
    if (b->has_relay[MFW_HAL_RELAY_BREAKER] && !board_relay_closed(b, MFW_HAL_RELAY_BREAKER)) {
        for (unsigned p = 0; p < MFW_PHASES_MAX; p++)
            memset(&st->ph[p].i, 0, sizeof st->ph[p].i);
        st->neutral_explicit = true;
        memset(&st->n, 0, sizeof st->n);
    }
}

/* The meter's supply at state st: some phase at or above `min_v`. */
static bool supply_at(const struct sim_drive *d, const struct afe_state *st, double min_v)
{
    for (unsigned p = 0; p < d->phases; p++)
        if (st->ph[p].v.rms >= min_v)
            return true;
    return false;
}

/* Below this the meter's supply fails; back at it plus the hysteresis (no flapping at the edge). */
static double fail_v(const struct mfw_meter *m)
{
    return m->settings.quality.missing_v;
}

static double back_v(const struct mfw_meter *m)
{
    return m->settings.quality.missing_v + m->settings.quality.hysteresis_v;
}

/* The meter is down at d->t. Passes simulated time without meter calls until the supply is back
 * (then powers up: true) or target is reached (false). */
static bool wait_for_supply(struct sim_drive *d, struct mfw_meter *m, mfw_ms_t target)
{
    double need = back_v(m);
    while (d->t < target) {
        struct afe_state st;
        state_at(d, d->t, &st);
        if (supply_at(d, &st, need)) {
            d->saves_before += m->saves;
            d->store_errors_before += m->store_errors;
            int rc = d->config && d->hal ? mfw_meter_init(m, d->config, d->hal, d->t) : MFW_E_STATE;
            if (rc != MFW_OK) {
                d->error = rc;
                return false;
            }
            d->power_ups++;
            if (d->on_power_up != NULL)
                d->on_power_up(d->on_power_up_ctx, m);
            d->state_until = d->t; /* sample: the AFE takes the state at once */
            return true;
        }
        mfw_ms_t next = scenario_next_change(d->sc, d->t);
        d->t = next > d->t && next < target ? next : target;
    }
    return false;
}

/* Samples for [d->t, to) into the meter, the front end's state taken at every change of the
 * scenario in between (to the millisecond). */
static void feed(struct sim_drive *d, struct mfw_meter *m, mfw_ms_t to)
{
    while (d->t < to) {
        /* and at once after an injected event or a relay that moved (sim_drive_rescan, the
         * board's changed flag) */
        if (d->t >= d->state_until || (d->board != NULL && d->board->changed)) {
            struct afe_state st;
            state_at(d, d->t, &st);
            afe_set(&d->afe, &st);
            d->state_until = scenario_next_change(d->sc, d->t);
        }
        mfw_ms_t end = d->state_until < to ? d->state_until : to;
        size_t n = afe_samples_for(&d->afe, (double)(end - d->t) / 1000.0);
        while (n > 0) {
            size_t k = n < 2 * SIM_CHUNK_FRAMES_MAX ? n : 2 * SIM_CHUNK_FRAMES_MAX;
            afe_generate(&d->afe, d->frames, k);
            mfw_meter_samples(m, d->frames, k);
            n -= k;
        }
        d->t = end;
    }
}

static void advance_sample(struct sim_drive *d, struct mfw_meter *m, mfw_ms_t target)
{
    while (d->error == MFW_OK) {
        if (m->down) {
            mfw_ms_t before = d->t;
            bool up = wait_for_supply(d, m, target);
            afe_skip(&d->afe, (double)(d->t - before) / 1000.0); /* the sensors cool down */
            if (!up)
                return;
        }
        if (d->t + SIM_CHUNK_MS > target)
            return;
        feed(d, m, d->t + SIM_CHUNK_MS);
        mfw_meter_tick(m, d->t); /* a window with no supply: the meter powers itself down */
    }
}

static void advance_fast(struct sim_drive *d, struct mfw_meter *m, mfw_ms_t target)
{
    while (d->t < target && d->error == MFW_OK) {
        if (m->down && !wait_for_supply(d, m, target))
            return;
        struct afe_state st;
        state_at(d, d->t, &st);
        d->fast_ambient_c = 23.0 + st.ambient_offset_c;
        if (!supply_at(d, &st, fail_v(m))) {
            /* the supply's power-fail warning: the meter saves and stops at this instant */
            mfw_meter_power_down(m, d->t);
            continue;
        }
        mfw_ms_t next = scenario_next_change(d->sc, d->t);
        if (next <= d->t || next > d->t + SIM_FAST_BLOCK_MAX_MS)
            next = d->t + SIM_FAST_BLOCK_MAX_MS;
        if (next > target)
            next = target;
        struct afe_quantities q;
        struct mfw_metrology_block b;
        afe_state_quantities(&st, d->phases, (double)(next - d->t) / 1000.0, &q);
        afe_quantities_block(&q, &b);
        mfw_meter_block(m, &b);
        d->t = next;
        mfw_meter_tick(m, d->t);
    }
}

void sim_drive_advance(struct sim_drive *d, struct mfw_meter *m, mfw_ms_t target)
{
    if (d->fidelity == FIDELITY_FAST)
        advance_fast(d, m, target);
    else
        advance_sample(d, m, target);
}
