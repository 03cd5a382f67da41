/* SPDX-License-Identifier: Apache-2.0 */
/* bench_accuracy: the accuracy of the metrology, in three parts.
 *  1. The ideal-sensor matrix (IEC 62053-21 / EN 50470-3 / IEC 62053-23 points on the simple
 *     front end with deliberate gain, phase and offset errors calibrated out at one point):
 *     what the algorithms do by themselves.
 *  2. The type test of the typical unit (sim/sensor_set.h: shunt, divider, sigma-delta chain
 *     from datasheets) calibrated by the production procedure (sim/production.h): the
 *     IEC 62053-21 Table 8 influences, self-heating, starting and no load under realistic noise
 *     and crosstalk, repeatability over noise seeds, and a CT for comparison.
 *  3. A Monte-Carlo of units drawn within their datasheet tolerances, each calibrated by the
 *     procedure, over -40..+70 C: each unit's worst error per band, worst and 99th percentile.
 *   bench_accuracy [--csv FILE] [--quick] [--units N] [--lot L] [--phases 1|3]
 *                  [--no-mc | --mc-only]
 * --quick: every 4th point of part 1, the short forms of parts 2 and 3 (a smoke run). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accuracy_cases.h"
#include "meterfw/base/error.h"
#include "type_test.h"

#define MAX_CASES 400
#define CSV_HEADER                                                                                 \
    "case,phases,current_a,pf,freq_hz,quantity,reference,measured,error_pct,limit_pct,unit,"       \
    "temperature_c\n"

static const char *qty_name(enum acc_quantity q)
{
    return q == ACC_ACTIVE ? "active" : "reactive";
}

struct opts {
    const char *csv_path;
    int stride;
    bool quick, mc, mc_only;
    unsigned units;
    uint64_t lot;
    uint8_t phases;
};

static int ideal_matrix(const struct opts *o, FILE *csv)
{
    static struct acc_case cases[MAX_CASES];
    size_t n = acc_cases(cases, MAX_CASES);
    if (n > MAX_CASES) {
        fprintf(stderr, "bench_accuracy: %zu cases, room for %d\n", n, MAX_CASES);
        return 1;
    }
    static struct acc_cal_cache cache;
    double worst_high = 0.0, worst_low = 0.0, worst_reactive = 0.0, worst_ratio = 0.0;
    unsigned failed = 0, run = 0;
    printf("== 1. ideal sensors: deliberate gain, phase and offset errors, one-point calibration "
           "==\n");
    printf("%-26s %2s %8s %7s %6s %-8s %14s %14s %9s %6s\n", "case", "ph", "I (A)", "PF", "f (Hz)",
           "quantity", "reference", "measured", "error %", "limit");
    for (size_t k = 0; k < n; k += (size_t)o->stride) {
        const struct acc_case *c = &cases[k];
        struct acc_result r;
        if (acc_run(c, &cache, &r) != 0) {
            fprintf(stderr, "bench_accuracy: case %zu failed to run\n", k);
            return 1;
        }
        run++;
        double e = fabs(r.error_pct);
        char limit[16];
        if (c->limit_pct > 0)
            snprintf(limit, sizeof(limit), "%.1f", c->limit_pct);
        else
            snprintf(limit, sizeof(limit), "start");
        printf("%-26s %2u %8.3f %7.3f %6.2f %-8s %14.6f %14.6f %+9.5f %6s\n", c->name, c->phases,
               c->i_a, r.pf, c->freq_hz, qty_name(c->quantity), r.reference, r.measured,
               r.error_pct, limit);
        if (csv)
            fprintf(csv, "%s,%u,%.4f,%.4f,%.3f,%s,%.6f,%.6f,%.6f,%s,ideal,23\n", c->name, c->phases,
                    c->i_a, r.pf, c->freq_hz, qty_name(c->quantity), r.reference, r.measured,
                    r.error_pct, c->limit_pct > 0 ? limit : "");
        if (c->limit_pct > 0) {
            if (e > c->limit_pct)
                failed++;
            if (e / c->limit_pct > worst_ratio)
                worst_ratio = e / c->limit_pct;
            if (c->quantity == ACC_REACTIVE) {
                if (e > worst_reactive)
                    worst_reactive = e;
            } else if (c->band == ACC_BAND_HIGH) {
                if (e > worst_high)
                    worst_high = e;
            } else if (e > worst_low) {
                worst_low = e;
            }
        }
    }
    uint64_t creep_uwh = 0, creep_ap = 0, start_all = 0, start_uwh = 0;
    /* IEC 62053-21 8.3.2 / EN 50470-3 8.3: no load at 115 % Un; run for the time of 10 pulses
     * at the starting current (3 x 230 V x 20 mA = 13.8 W: 1 Wh per 261 s): 2610 s. */
    double creep_s = o->quick ? 600.0 : 2610.0;
    if (acc_creep(3, creep_s, 90.0, 1.15 * 230.0, 0.0, &cache, &creep_uwh, &creep_ap) != 0 ||
        acc_creep(3, 261.0, 90.0, 230.0, 0.02, &cache, &start_all, &start_uwh) != 0) {
        fprintf(stderr, "bench_accuracy: creep run failed\n");
        return 1;
    }
    printf("%-26s no load, 115 %% Un, 90 dB SNR, %.0f s: %llu uWh registered, %llu S0 pulses\n",
           "B10 creep", creep_s, (unsigned long long)creep_uwh,
           (unsigned long long)(creep_uwh / 1000000));
    printf("%-26s 3 x 20 mA, 230 V, 90 dB SNR, 261 s: A+ %.4f Wh (expected %.4f)\n", "B10 starting",
           start_uwh / 1e6, 3 * 230.0 * 0.02 * 261.0 / 3600.0);
    if (csv)
        fprintf(csv, "B10 creep,3,0,0,50,active,0,%.6f,,,ideal,23\n", creep_uwh / 1e6);
    printf("summary: %u points, %u outside class limit; worst |error| above Itr %.5f %%, "
           "Imin..Itr %.5f %%, reactive %.5f %%; worst error/limit %.5f; creep %llu uWh\n\n",
           run, failed, worst_high, worst_low, worst_reactive, worst_ratio,
           (unsigned long long)creep_uwh);
    return failed || creep_uwh ? 1 : 0;
}

static int type_test(const struct opts *o, FILE *csv)
{
    static struct tt_unit u;
    struct sensor_set s;
    sensor_set_typical(&s, o->phases, TT_IMAX);
    struct production_bench bench;
    production_draw_bench(&bench, 1);
    if (tt_unit_init(&u, o->phases, 4000, 50, &s, 5, &bench) != MFW_OK) {
        fprintf(stderr, "bench_accuracy: production calibration failed (step %d)\n",
                u.production.failed_step);
        return 1;
    }
    printf("== 2. type test: the typical unit (%s), calibrated by the production procedure ==\n",
           o->phases == 3 ? "382M" : "162M");
    printf("production: %.1f s under load at the reference source, %.0f s in the chamber; bench "
           "errors U %+.4f %%, I %+.4f %%, angle %+.4f deg\n",
           u.production.seconds_electrical, u.production.seconds_chamber, bench.u_err * 100.0,
           bench.i_err * 100.0, bench.phi_err_deg);
    struct tt_row rows[32];
    size_t n = tt_influences(&u, rows, 32, o->quick);
    unsigned bad = 0;
    printf("%-56s %12s %10s %10s\n", "IEC 62053-21 Table 8 influence (variation)", "measured",
           "limit", "limit/10");
    for (size_t k = 0; k < n && k < 32; k++) {
        const struct tt_row *r = &rows[k];
        bool ok = fabs(r->value) <= r->limit / 10.0;
        bad += !ok;
        printf("%-56s %+9.5f %-3s %7.3f %-3s %7.4f %s\n", r->name, r->value, r->unit, r->limit,
               r->unit, r->limit / 10.0, ok ? "" : "  > limit/10");
        if (csv)
            fprintf(csv, "TT %s,%u,,,50,active,,,%.6f,%.4f,typical,23\n", r->name, o->phases,
                    r->value, r->limit);
    }
    double e_start;
    uint64_t creep;
    double start_s = o->quick ? 60.0 : 261.0, creep_s = o->quick ? 300.0 : 2610.0;
    if (tt_starting(&u, start_s, &e_start) != MFW_OK || tt_no_load(&u, creep_s, &creep) != MFW_OK)
        return 1;
    printf("starting current 0.004 Ib = 20 mA per phase, %.0f s, 88 dB noise, -120 dB "
           "crosstalk: error %+.3f %%\n",
           start_s, e_start);
    printf("no load, 115 %% Un, %.0f s, noise, 1/f, crosstalk, thermo-EMF: %llu uWh in any "
           "register\n",
           creep_s, (unsigned long long)creep);
    /* repeatability over noise seeds */
    static const struct {
        double i, phi;
    } rep[] = {{0.25, 0.0}, {0.5, 60.0}, {5.0, 0.0}};
    unsigned seeds = o->quick ? 5 : 20;
    for (unsigned k = 0; k < 3; k++) {
        struct tt_point pt = tt_point_at(rep[k].i, rep[k].phi, TT_ACTIVE);
        double mean, sd;
        if (tt_repeatability(&s, o->phases, &pt, seeds, &mean, &sd) != MFW_OK)
            return 1;
        printf("repeatability %5.2f A PF %.1f, %.0f s, %u noise seeds: mean %+.4f %%, sd %.4f "
               "%%\n",
               rep[k].i, cos(rep[k].phi * 3.14159265358979 / 180.0), pt.seconds, seeds, mean, sd);
    }
    /* a CT instead of the shunts, for comparison: its DC saturation in the half-wave test */
    {
        struct sensor_set ct = s;
        sensor_set_use_ct(&ct);
        static struct tt_unit c;
        if (tt_unit_init(&c, o->phases, 4000, 50, &ct, 5, &bench) != MFW_OK)
            return 1;
        struct tt_point pt = tt_point_at(0.5 * TT_IMAX, 0.0, TT_ACTIVE);
        struct tt_result a, b;
        tt_measure(&c, &pt, &a);
        pt.wave = TT_HALF_WAVE;
        tt_measure(&c, &pt, &b);
        printf("for comparison, a class 0.2 CT (plain core) instead of the shunt: sine 0.5 Imax "
               "%+.4f %%, half-wave Imax / sqrt2 %+.3f %% (the DC saturates the core)\n",
               a.error_pct, b.error_pct);
    }
    printf("type test: %u of %zu influences beyond a tenth of the class limit\n\n", bad, n);
    return bad ? 1 : 0;
}

struct csv_ctx {
    FILE *f;
    uint8_t phases;
};

static void mc_row(void *ctx, unsigned unit, double ambient_c, const struct tt_point *pt,
                   const struct tt_result *r, enum tt_band band)
{
    const struct csv_ctx *c = ctx;
    (void)band;
    if (!c->f)
        return;
    double pf = pt->quantity == TT_ACTIVE ? cos(pt->phi_deg * 3.14159265358979 / 180.0)
                                          : sin(pt->phi_deg * 3.14159265358979 / 180.0);
    fprintf(c->f, "MC,%u,%.4f,%.4f,%.3f,%s,%.6f,%.6f,%.6f,,%u,%.1f\n", c->phases, pt->i_a, pf,
            pt->freq_hz, pt->quantity == TT_ACTIVE ? "active" : "reactive", r->reference,
            r->measured, r->error_pct, unit, ambient_c);
}

static int monte_carlo(const struct opts *o, FILE *csv)
{
    unsigned units = o->units;
    struct tt_mc_unit *mc = calloc(units, sizeof *mc);
    double *x = calloc(units, sizeof *x);
    if (!mc || !x)
        return 1;
    struct csv_ctx ctx = {csv, o->phases};
    printf("== 3. Monte-Carlo: %u units of lot %llu (%s), sensors drawn within their datasheet "
           "tolerances, each calibrated by the procedure (bench errors drawn per unit), "
           "-40..+70 C ==\n",
           units, (unsigned long long)o->lot, o->phases == 3 ? "382M" : "162M");
    if (tt_monte_carlo(o->phases, units, o->lot, o->quick, mc, mc_row, &ctx) != MFW_OK) {
        fprintf(stderr, "bench_accuracy: Monte-Carlo failed\n");
        return 1;
    }
    static const char *band[TT_BANDS] = {"active, Itr..Imax (PF 1, 0.5 ind, 0.8 cap)",
                                         "active, Imin..Itr (PF 1)",
                                         "reactive (sin phi 1, 0.5), Imin..Imax"};
    static const double goal[TT_BANDS] = {0.1, 0.2, 0.2};
    int bad = 0;
    printf("%-46s %10s %10s %8s\n", "each unit's worst |error| over temperature", "worst",
           "99th pct", "goal");
    for (unsigned b = 0; b < TT_BANDS; b++) {
        double worst = 0.0, at = 0.0;
        for (unsigned k = 0; k < units; k++) {
            x[k] = mc[k].worst[b];
            if (x[k] > worst) {
                worst = x[k];
                at = mc[k].worst_at_c[b];
            }
        }
        double p99 = tt_quantile(x, units, 0.99);
        bad |= worst > goal[b];
        printf("%-46s %8.4f %% %8.4f %% %6.2f %%   (worst at %+.0f C)\n", band[b], worst, p99,
               goal[b], at);
    }
    double worst_tc = 0.0;
    for (unsigned k = 0; k < units; k++) {
        x[k] = mc[k].worst_tc;
        worst_tc = x[k] > worst_tc ? x[k] : worst_tc;
    }
    if (!o->quick) {
        printf("%-46s %7.5f %%/K %7.5f %%/K %5.3f %%/K\n", "temperature coefficient (20 K windows)",
               worst_tc, tt_quantile(x, units, 0.99), 0.005);
        bad |= worst_tc > 0.005;
    }
    printf("\n");
    free(mc);
    free(x);
    return bad;
}

int main(int argc, char **argv)
{
    struct opts o = {.stride = 1, .mc = true, .units = 100, .lot = 1, .phases = 3};
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--csv") && k + 1 < argc) {
            o.csv_path = argv[++k];
        } else if (!strcmp(argv[k], "--quick")) {
            o.stride = 4;
            o.quick = true;
            o.units = 3;
        } else if (!strcmp(argv[k], "--units") && k + 1 < argc) {
            o.units = (unsigned)strtoul(argv[++k], NULL, 10);
        } else if (!strcmp(argv[k], "--lot") && k + 1 < argc) {
            o.lot = strtoull(argv[++k], NULL, 10);
        } else if (!strcmp(argv[k], "--phases") && k + 1 < argc) {
            o.phases = (uint8_t)atoi(argv[++k]);
        } else if (!strcmp(argv[k], "--no-mc")) {
            o.mc = false;
        } else if (!strcmp(argv[k], "--mc-only")) {
            o.mc_only = true;
        } else {
            fprintf(stderr, "usage: bench_accuracy [--csv FILE] [--quick] [--units N] [--lot L] "
                            "[--phases 1|3] [--no-mc | --mc-only]\n");
            return 2;
        }
    }
    if ((o.phases != 1 && o.phases != 3) || o.units < 1) {
        fprintf(stderr, "bench_accuracy: --phases 1 or 3, --units at least 1\n");
        return 2;
    }
    FILE *csv = NULL;
    if (o.csv_path) {
        csv = fopen(o.csv_path, "w");
        if (!csv) {
            perror(o.csv_path);
            return 1;
        }
        fputs(CSV_HEADER, csv);
    }
    int rc = 0;
    if (!o.mc_only) {
        rc |= ideal_matrix(&o, csv);
        rc |= type_test(&o, csv);
    }
    if (o.mc)
        rc |= monte_carlo(&o, csv);
    if (csv)
        fclose(csv);
    return rc ? 1 : 0;
}
