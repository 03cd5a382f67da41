/* SPDX-License-Identifier: Apache-2.0 */
/* bench_accuracy: the IEC 62053-21 / EN 50470-3 / IEC 62053-23 test matrix on the simulated front
 * end, sensor errors calibrated out. Prints reference and measured energy, error and class limit
 * per point, optional CSV, and a summary line.
 *   bench_accuracy [--csv FILE] [--quick]     (--quick: every 4th point, for a smoke run) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accuracy_cases.h"

#define MAX_CASES 400

static const char *qty_name(enum acc_quantity q)
{
    return q == ACC_ACTIVE ? "active" : "reactive";
}

int main(int argc, char **argv)
{
    const char *csv_path = NULL;
    int stride = 1;
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--csv") && k + 1 < argc) {
            csv_path = argv[++k];
        } else if (!strcmp(argv[k], "--quick")) {
            stride = 4;
        } else {
            fprintf(stderr, "usage: bench_accuracy [--csv FILE] [--quick]\n");
            return 2;
        }
    }
    static struct acc_case cases[MAX_CASES];
    size_t n = acc_cases(cases, MAX_CASES);
    if (n > MAX_CASES) {
        fprintf(stderr, "bench_accuracy: %zu cases, room for %d\n", n, MAX_CASES);
        return 1;
    }
    FILE *csv = NULL;
    if (csv_path) {
        csv = fopen(csv_path, "w");
        if (!csv) {
            perror(csv_path);
            return 1;
        }
        fprintf(csv, "case,phases,current_a,pf,freq_hz,quantity,reference,measured,error_pct,"
                     "limit_pct\n");
    }
    static struct acc_cal_cache cache;
    double worst_high = 0.0, worst_low = 0.0, worst_reactive = 0.0, worst_ratio = 0.0;
    unsigned failed = 0, run = 0;
    printf("%-26s %2s %8s %7s %6s %-8s %14s %14s %9s %6s\n", "case", "ph", "I (A)", "PF", "f (Hz)",
           "quantity", "reference", "measured", "error %", "limit");
    for (size_t k = 0; k < n; k += (size_t)stride) {
        const struct acc_case *c = &cases[k];
        struct acc_result r;
        if (acc_run(c, &cache, &r) != 0) {
            fprintf(stderr, "bench_accuracy: case %zu failed to run\n", k);
            return 1;
        }
        run++;
        double pf = r.pf;
        double e = fabs(r.error_pct);
        char limit[16];
        if (c->limit_pct > 0)
            snprintf(limit, sizeof(limit), "%.1f", c->limit_pct);
        else
            snprintf(limit, sizeof(limit), "start");
        printf("%-26s %2u %8.3f %7.3f %6.2f %-8s %14.6f %14.6f %+9.5f %6s\n", c->name, c->phases,
               c->i_a, pf, c->freq_hz, qty_name(c->quantity), r.reference, r.measured, r.error_pct,
               limit);
        if (csv)
            fprintf(csv, "%s,%u,%.4f,%.4f,%.3f,%s,%.6f,%.6f,%.6f,%s\n", c->name, c->phases, c->i_a,
                    pf, c->freq_hz, qty_name(c->quantity), r.reference, r.measured, r.error_pct,
                    c->limit_pct > 0 ? limit : "");
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
    if (acc_creep(3, 2610.0, 90.0, 1.15 * 230.0, 0.0, &cache, &creep_uwh, &creep_ap) != 0 ||
        acc_creep(3, 261.0, 90.0, 230.0, 0.02, &cache, &start_all, &start_uwh) != 0) {
        fprintf(stderr, "bench_accuracy: creep run failed\n");
        return 1;
    }
    printf("%-26s no load, 115 %% Un, 90 dB SNR, 2610 s: %llu uWh registered, %llu S0 pulses\n",
           "B10 creep", (unsigned long long)creep_uwh, (unsigned long long)(creep_uwh / 1000000));
    printf("%-26s 3 x 20 mA, 230 V, 90 dB SNR, 261 s: A+ %.4f Wh (expected %.4f)\n", "B10 starting",
           start_uwh / 1e6, 3 * 230.0 * 0.02 * 261.0 / 3600.0);
    if (csv) {
        fprintf(csv, "B10 creep,3,0,0,50,active,0,%.6f,,\n", creep_uwh / 1e6);
        fclose(csv);
    }
    printf("summary: %u points, %u outside class limit; worst |error| above Itr %.5f %%, "
           "Imin..Itr %.5f %%, reactive %.5f %%; worst error/limit %.5f; creep %llu uWh\n",
           run, failed, worst_high, worst_low, worst_reactive, worst_ratio,
           (unsigned long long)creep_uwh);
    return failed || creep_uwh ? 1 : 0;
}
