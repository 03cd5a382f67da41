/* meter: the application core. This file holds the energy registers and the glue between
 * metrology, pulse outputs and time; later functions of the meter (tariffs, profiles, logs,
 * events, control) get a file each beside it. */
#include "meterfw/meter.h"

#include <string.h>

#include "meterfw/error.h"

void meter_default_config(struct meter_config *c, enum meter_model model)
{
    memset(c, 0, sizeof(*c));
    c->model = model;
    memcpy(c->serial, "00000001", 9);
    c->u_nominal_v = 230.0;
    c->i_ref_a = 5.0;
    c->i_max_a = 100.0;
    c->pulse_imp_per_kwh = MFW_PULSE_IMP_PER_KWH;
    metrology_default_config(&c->metro, (uint8_t)model, 4000, 50);
}

int meter_init(struct meter *m, const struct meter_config *cfg, const struct hal *hal)
{
    if (!m || !cfg || !hal)
        return MFW_E_ARG;
    if (cfg->model != METER_162M && cfg->model != METER_382M)
        return MFW_E_ARG;
    if (cfg->metro.phases != (uint8_t)cfg->model)
        return MFW_E_ARG;
    if (!(cfg->i_ref_a > 0.0) || !(cfg->i_max_a > cfg->i_ref_a) || !(cfg->u_nominal_v > 0.0))
        return MFW_E_RANGE;
    memset(m, 0, sizeof(*m));
    m->cfg = *cfg;
    m->cfg.serial[sizeof(m->cfg.serial) - 1] = '\0';
    m->hal = hal;
    int rc = metrology_init(&m->mt, &cfg->metro);
    if (rc != MFW_OK)
        return rc;
    rc = pulse_init(&m->s0, cfg->pulse_imp_per_kwh, MFW_S0_PULSE_MS, MFW_S0_PAUSE_MS);
    if (rc != MFW_OK)
        return rc;
    return pulse_init(&m->led, cfg->pulse_imp_per_kwh, MFW_LED_PULSE_MS, MFW_LED_PAUSE_MS);
}

void meter_samples(struct meter *m, const struct adc_frame *f, size_t n)
{
    metrology_samples(&m->mt, f, n);
}

void meter_block(struct meter *m, const struct metrology_block *b)
{
    metrology_block(&m->mt, b);
}

static void set_output(struct meter *m, enum hal_output out, bool on)
{
    if (m->hal->output_set)
        m->hal->output_set(m->hal->ctx, out, on);
}

void meter_tick(struct meter *m, mfw_ms_t now)
{
    struct energy_delta d;
    if (metrology_read(&m->mt, &m->now_values))
        m->have_values = true;
    metrology_drain(&m->mt, &d);
    for (unsigned s = 0; s <= MFW_PHASES_MAX; s++)
        for (unsigned q = 0; q < EQ_COUNT; q++)
            m->reg.uwh[s][q] += d.uwh[s][q];
    pulse_add(&m->s0, d.uwh[ENERGY_TOTAL][EQ_AP]);
    pulse_add(&m->led, d.uwh[ENERGY_TOTAL][EQ_AP]);
    bool s0 = m->s0.on, led = m->led.on;
    if (pulse_update(&m->s0, now) != s0)
        set_output(m, HAL_OUT_S0, m->s0.on);
    if (pulse_update(&m->led, now) != led)
        set_output(m, HAL_OUT_LED, m->led.on);
    m->now = now;
}

void meter_flush(struct meter *m, mfw_ms_t now)
{
    metrology_flush(&m->mt);
    meter_tick(m, now);
}

uint64_t meter_energy_uwh(const struct meter *m, unsigned phase, enum energy_qty q)
{
    if (phase > MFW_PHASES_MAX || (unsigned)q >= EQ_COUNT)
        return 0;
    return m->reg.uwh[phase][q];
}
