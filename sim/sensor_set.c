/* SPDX-License-Identifier: Apache-2.0 */
/* sensor_set: the typical unit and the Monte-Carlo of units (sensor_set.h). Every number says
 * where it comes from: [V] seen in the source named, [M] an engineering default not re-checked
 * against a source, [C] computed from the cited inputs (docs/sensors.md lists the sources). */
#include "sensor_set.h"

#include <math.h>
#include <string.h>

#define SS_PI 3.14159265358979323846
#define FSC 8388607.0 /* 2^23 - 1: a 24-bit converter */

/* Standard shunt values (Vishay WSMS5515: 100, 160, 200, 250, 300, 500 uOhm; Microhm Mn-Cu:
 * 120, 175, 200, 250 ... 1000 uOhm [V]). The design takes the largest that keeps 1.2 Imax
 * inside the current channel's full scale (a 20 % over-range margin [M]). */
static double shunt_for(double imax_a, double fs_volts)
{
    static const double values[] = {100e-6, 120e-6, 150e-6, 160e-6, 175e-6,
                                    200e-6, 250e-6, 300e-6, 500e-6};
    double limit = fs_volts / (1.2 * sqrt(2.0) * imax_a), r = values[0];
    for (unsigned k = 0; k < sizeof values / sizeof values[0]; k++)
        if (values[k] <= limit)
            r = values[k];
    return r;
}

/* ADE9153A-class converter channels (ADE9153A data sheet Rev. 0, p.1 [V]: 88 dB SNR, current
 * channel A +-26.04 mV peak at its highest gain; ADE7753 p.9: +-0.5 V on a voltage input [V]). */
static void adc_typical(struct sd_params *a, double fs_volts)
{
    memset(a, 0, sizeof *a);
    a->fs_volts = fs_volts;
    a->gain_error = 0.0; /* the typical unit is centred; a drawn one is off by sigma 0.3 % */
    a->tc1_ppm = 10.0;   /* ADE9000: +-25 ppm/K max whole channel [V]; typical 10 [M] */
    a->tc2_ppm = -0.03;  /* the reference's bow [M] */
    a->offset_v = 50e-6; /* [M] */
    a->offset_tc_v_per_k = 0.1e-6; /* [M] */
    a->inl3_ppm = 10.0;            /* 24-bit metering converters +-(5..20) ppm FSR [M] */
    a->inl2_ppm = 5.0;             /* [M] */
    a->snr_db = 88.0;              /* ADE9153A [V] */
    a->flicker_hz = 1.0;           /* chopper-stabilised inputs: below 1 Hz (STPM3x, ADE) [M] */
    a->aaf_r_ohm = 1000.0;         /* 1 kOhm / 33 nF anti-alias RC [M]: 0.59 deg at 50 Hz [C] */
    a->aaf_c_f = 33e-9;
    a->sinc_order = 4; /* ADE9000: sinc4 to 32 ksps, then a low-pass to the output rate [V] */
    a->sinc_rate_hz = 32000.0;
    a->lpf_order = 6;       /* ADE7912/13 AN-1374: 6th order, 3.338 kHz at 8 kHz output [V] */
    a->lpf_bw_frac = 0.417; /* 3.338 / 8 [C] */
}

static void shunt_typical(struct shunt_params *s, double imax_a, double fs_volts)
{
    memset(s, 0, sizeof *s);
    s->r23_ohm = shunt_for(imax_a, fs_volts);
    /* Totoku CMW manganin grades AA/A: a23 -4..+8 / -10..+20 ppm/K, b -0.7..0 / -1.0..0 ppm/K^2
     * [V]; +5 and -0.6 fit ADI AN-1335's uncompensated meter (-0.25 % at -40 C, -0.35 % at
     * +85 C, flat near +10 C) [C] */
    s->alpha_ppm = 5.0;
    s->beta_ppm = -0.6;
    s->cu_tcr_ppm =
        20.0;        /* copper inside good 4-terminal taps (WSMS5515, Isabellenhuette FAQ) [M] */
    s->l_h = 2.5e-9; /* self 2 nH (< 3 nH: BVD, BVE, BVR [V]) + loop mutual 0.5 nH [M] */
    s->rth_k_per_w = 8.0;    /* element to terminal < 10 K/W (Isabellenhuette BVD) [V] */
    s->tau_element_s = 20.0; /* [M] */
    /* terminals and case: 15 K at 100 A from cable and contact losses [M], ~ I^2 */
    s->case_k_per_a2 = 15.0 / (100.0 * 100.0);
    s->tau_case_s = 1800.0;   /* [M] */
    s->emf_v_per_k = 1.5e-6;  /* manganin/Cu <= 1 uV/K (GSE), 2 uV/K (JIS CMW) [V] */
    s->emf_dt_k_per_a = 0.05; /* 5 K between the joints at 100 A [M] */
}

static void phase_typical(struct sensor_phase *p, double imax_a)
{
    memset(p, 0, sizeof *p);
    p->current_kind = SENSOR_SHUNT;
    adc_typical(&p->i_adc, 26.04e-3);
    adc_typical(&p->v_adc, 0.5);
    /* V-I timing mismatch 0.02 deg at 50 Hz (ADE7953: +-0.05 deg, 45-65 Hz [V]) */
    p->i_adc.delay_s = 0.02 / 360.0 / 50.0;
    shunt_typical(&p->shunt, imax_a, p->i_adc.fs_volts);
    /* 5 x 200 kOhm thick film 1206 + 1 kOhm: ratio 1001, 230 mV at 230 V [M]; ratio drift
     * TCR(top) - TCR(bottom) +20 ppm/K for one lot (tracking < 50 ppm/K, resistor.com [V]);
     * VCR -3 ppm/V per top resistor (low-value chips < 10 ppm/V, resistor.com [V]) */
    p->divider =
        (struct divider_params){.ratio = 1001.0, .tc_ppm = 20.0, .vcr_ppm_per_v = -3.0, .n_top = 5};
    p->xt_db = -120.0; /* MCP3913: -122 dB; MCP3903: -115 dB [V] */
    p->xt_phase_deg = 0.0;
}

static void design_from(struct sensor_set *s)
{
    const struct sensor_phase *p = &s->ph[0];
    s->design_v_per_code = p->divider.ratio * p->v_adc.fs_volts / FSC;
    s->design_a_per_code = p->i_adc.fs_volts / p->shunt.r23_ohm / FSC;
    s->design_self_heat_k = p->shunt.rth_k_per_w * p->shunt.r23_ohm;
    s->design_self_heat_tau = p->shunt.tau_element_s;
    s->design_clock_tc2_ppm = s->clock.b_ppm_per_k2;
    s->design_clock_turnover_c = s->clock.turnover_c;
}

void sensor_set_typical(struct sensor_set *s, uint8_t phases, double imax_a)
{
    memset(s, 0, sizeof *s);
    s->phases = phases;
    s->imax_a = imax_a;
    for (unsigned k = 0; k < MFW_PHASES_MAX; k++)
        phase_typical(&s->ph[k], imax_a);
    phase_typical(&s->neutral, imax_a);
    /* 24.576 MHz crystal (ADE9000: CLKIN/24 = 1.024 Msps), +-20 ppm, parabola -0.035 ppm/K^2,
     * 1 ps rms jitter [M]; the typical unit is on frequency */
    s->clock = (struct sensor_clock){0.0, -0.035, 25.0, 1e-12};
    /* ADE9000 temperature sensor +-3 C [V]; 1 % slope, 0.25 C resolution [M]; typical: exact */
    s->tsense = (struct sensor_tsense){0.0, 0.0, 0.25};
    design_from(s);
}

/* ---- the Monte-Carlo ------------------------------------------------------------------------- */

/* splitmix64 (Steele, Lea, Flood 2014) */
static uint64_t mix(uint64_t *st)
{
    uint64_t z = (*st += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uni(uint64_t *st, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(mix(st) >> 11) * (1.0 / 9007199254740992.0));
}

static double gauss(uint64_t *st)
{
    double u1 = ((double)(mix(st) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = (double)(mix(st) >> 11) * (1.0 / 9007199254740992.0);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * SS_PI * u2);
}

static double clip(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* What a lot shares: the alloy melt, the reference's design (docs/sensors.md, the spread). */
struct lot_draw {
    double alpha_z; /* alloy a23: 70 % of its variance is the lot's */
    double beta;    /* alloy b: the lot's, uniform -1.0..-0.3 ppm/K^2 (CMW, AN-1335) */
};

static void adc_draw(struct sd_params *a, uint64_t *st, double tc_z)
{
    a->gain_error = 0.003 * gauss(st);         /* sigma 0.3 % [M] */
    a->tc1_ppm = 10.0 + 8.0 * tc_z;            /* sigma 8 ppm/K: +-25 max is 3 sigma [C] */
    a->tc2_ppm = uni(st, -0.05, 0.0);          /* [M] */
    a->offset_v = 50e-6 * gauss(st);           /* sigma 50 uV [M] */
    a->offset_tc_v_per_k = 0.2e-6 * gauss(st); /* sigma 0.2 uV/K [M] */
    a->inl3_ppm = uni(st, 5.0, 20.0) * (mix(st) & 1 ? 1.0 : -1.0); /* [M] */
    a->inl2_ppm = uni(st, -10.0, 10.0);                            /* [M] */
    a->snr_db = uni(st, 86.0, 90.0);                               /* ADE9153A class [V] */
    a->flicker_hz = uni(st, 0.1, 10.0);                            /* chopped .. non-chopped [M] */
    a->aaf_c_f = 33e-9 * (1.0 + 0.02 * gauss(st)); /* C sigma 2 % (of a +-5 % part) [M] */
}

static void phase_draw(struct sensor_phase *p, const struct lot_draw *lot, uint64_t *st)
{
    /* shared reference: the V and I channels' drift correlated rho = 0.9 [C] */
    double zr = gauss(st), zv = gauss(st), zi = gauss(st);
    adc_draw(&p->v_adc, st, sqrt(0.9) * zr + sqrt(0.1) * zv);
    adc_draw(&p->i_adc, st, sqrt(0.9) * zr + sqrt(0.1) * zi);
    p->i_adc.delay_s = 0.02 * gauss(st) / 360.0 / 50.0; /* V-I sigma 0.02 deg (ADE7953) [C] */
    struct shunt_params *s = &p->shunt;
    s->r23_ohm *= 1.0 + uni(st, -0.05, 0.05); /* +-5 % (WSMS5515, BVD) [V] */
    s->alpha_ppm =
        clip(5.0 + 5.0 * (sqrt(0.7) * lot->alpha_z + sqrt(0.3) * gauss(st)), -10.0, 20.0);
    s->beta_ppm = lot->beta;
    s->cu_tcr_ppm = uni(st, 0.0, 60.0);                  /* Kelvin tap position [M] */
    s->l_h = uni(st, 1e-9, 3e-9) + uni(st, 0.0, 1.5e-9); /* self (BVD..BVN) + mutual [V]/[M] */
    s->rth_k_per_w = uni(st, 4.0, 10.0);                 /* BVE 5930 from 3, BVD < 10 K/W [V] */
    s->case_k_per_a2 *= uni(st, 0.7, 1.3);               /* [M] */
    s->emf_v_per_k = uni(st, 0.5e-6, 2e-6) * (mix(st) & 1 ? 1.0 : -1.0); /* [V] range */
    struct divider_params *d = &p->divider;
    d->ratio *= 1.0 + 0.0033 * gauss(st);   /* 6 parts of +-1 %: sigma 0.33 % [C] */
    d->tc_ppm = 20.0 + 15.0 * gauss(st);    /* same-lot thick film, sigma 15 ppm/K [C] */
    d->vcr_ppm_per_v = uni(st, -10.0, 0.0); /* resistor.com, DigiKey [V] range */
    p->xt_db = uni(st, -125.0, -110.0);     /* MCP3913 / MCP3903 [V] range */
    p->xt_phase_deg = uni(st, -180.0, 180.0);
}

void sensor_set_draw(struct sensor_set *s, uint8_t phases, double imax_a, uint64_t lot,
                     uint64_t unit)
{
    sensor_set_typical(s, phases, imax_a);
    uint64_t ls = lot * 0x2545F4914F6CDD1Dull + 1u, st = (lot << 32) ^ unit ^ 0x5DEECE66Dull;
    struct lot_draw ld = {.alpha_z = gauss(&ls), .beta = uni(&ls, -1.0, -0.3)};
    for (unsigned k = 0; k < MFW_PHASES_MAX; k++)
        phase_draw(&s->ph[k], &ld, &st);
    phase_draw(&s->neutral, &ld, &st);
    /* crystal: initial sigma 7 ppm, parabola -0.035 +- 0.003 ppm/K^2 [M] */
    s->clock.ppm = 7.0 * gauss(&st);
    s->clock.b_ppm_per_k2 = -0.035 + 0.003 * gauss(&st);
    /* temperature sensor: offset uniform +-3 C (ADE9000 [V]), slope sigma 1 % [M] */
    s->tsense.offset_c = uni(&st, -3.0, 3.0);
    s->tsense.gain_error = 0.01 * gauss(&st);
    /* the design (what the firmware knows) stays the typical one */
}

void sensor_set_use_ct(struct sensor_set *s)
{
    for (unsigned k = 0; k < MFW_PHASES_MAX; k++) {
        struct sensor_phase *p = &s->ph[k];
        p->current_kind = SENSOR_CT;
        /* 2500:1 into a burden of the shunt's equivalent (same full scale); class 0.2 limits
         * (miniaturect.com: ratio 0.4 % at 1 % In, 0.2 % from 5 %; phase 30'/15'/10') with the
         * typical unit at about half of them, secondary leading [V] limits / [M] unit */
        const double arcmin = SS_PI / 180.0 / 60.0;
        p->ct = (struct ct_params){
            .turns = 2500.0,
            .burden_ohm = p->shunt.r23_ohm * 2500.0,
            .i_rated_a = s->imax_a,
            .at_frac = {0.01, 0.05, 0.2, 1.0, 1.2},
            .ratio_err = {-0.002, -0.001, -0.0006, -0.0005, -0.0005},
            .phase_lead_rad = {15.0 * arcmin, 8.0 * arcmin, 5.0 * arcmin, 4.0 * arcmin,
                               4.0 * arcmin},
            .dc_sat_a = 1.0,         /* a plain core: a few A of DC saturate it [M] */
            .wind_tc_per_k = 0.0039, /* copper secondary +0.39 %/K [M] */
        };
    }
}
