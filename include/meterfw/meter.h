/* meter: the application. Owns the energy registers and every function of the meter; all state of
 * one meter is one struct meter, owned by the caller, so a process can hold a fleet.
 *
 *   struct meter m;
 *   meter_default_config(&cfg, METER_382M);
 *   meter_init(&m, &cfg, &hal);
 *   meter_samples(&m, frames, n);   // ADC sample sets in: metrology only, bounded time
 *   meter_tick(&m, now_ms);         // every ~10-20 ms: registers, pulses, display
 */
#ifndef METERFW_METER_H
#define METERFW_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/hal.h"
#include "meterfw/metrology.h"
#include "meterfw/pulse.h"
#include "meterfw/time.h"

enum meter_model {
    METER_162M = 1, /* direct 1-phase 2-wire */
    METER_382M = 3, /* direct 3-phase 4-wire */
};

struct meter_config {
    enum meter_model model;
    char serial[17];           /* NUL-terminated, e.g. "12345678" */
    double u_nominal_v;        /* 230 */
    double i_ref_a, i_max_a;   /* current range Iref(Imax), e.g. 5(100) A */
    uint32_t pulse_imp_per_kwh;
    struct metrology_config metro; /* phases, sample rate, summation, creep, calibration */
};

/* Cumulative energy registers in uWh / uvarh, per phase and total (index ENERGY_TOTAL). */
struct meter_registers {
    uint64_t uwh[MFW_PHASES_MAX + 1][EQ_COUNT];
};

struct meter {
    struct meter_config cfg;
    const struct hal *hal;
    struct metrology mt;
    struct meter_registers reg;
    struct metrology_values now_values; /* latest window */
    bool have_values;
    struct pulse_output s0;  /* A+ total on the S0 output */
    struct pulse_output led; /* A+ total on the test LED */
    mfw_ms_t now;            /* time of the last tick */
};

/* Defaults for a model: 230 V, 5(100) A, 4000 Hz, 50 Hz, 1000 imp/kWh, vector summation, creep
 * 10 mA, unity calibration. */
void meter_default_config(struct meter_config *c, enum meter_model model);
int meter_init(struct meter *m, const struct meter_config *cfg, const struct hal *hal);
void meter_samples(struct meter *m, const struct adc_frame *f, size_t n);
/* Fast fidelity: a block of cycles with known quantities instead of samples. */
void meter_block(struct meter *m, const struct metrology_block *b);
void meter_tick(struct meter *m, mfw_ms_t now);
/* Closes the metrology's open window and ticks, so no measured energy stays outside the
 * registers: call before saving state at a planned shutdown. */
void meter_flush(struct meter *m, mfw_ms_t now);

/* Register value in whole Wh/varh (what a 1-decimal-kWh display and OBIS x.8.0 with scaler 0
 * show) and in uWh. phase = ENERGY_TOTAL for totals. */
uint64_t meter_energy_uwh(const struct meter *m, unsigned phase, enum energy_qty q);

#endif /* METERFW_METER_H */
