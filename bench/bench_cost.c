/* SPDX-License-Identifier: Apache-2.0 */
/* bench_cost: what the metrology path costs. Pre-generates SECONDS of sample sets from the
 * simulated front end (3-phase 230 V, 10 A at PF 0.9 with a 5th harmonic, 101 dB noise), then
 * times mfw_metrology_samples() over them alone.
 *   bench_cost FS SECONDS [PHASES]
 * Prints: sample sets, wall time of the metrology, real-time factor (simulated seconds per wall
 * second) with and without the simulator. Under valgrind --tool=callgrind
 * --toggle-collect=mfw_metrology_samples it gives the instructions of the metrology path alone
 * (bench/cost.sh divides them by the phase-samples). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "afe.h"
#include "meterfw/metrology/metrology.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_cost FS SECONDS [PHASES]\n");
        return 2;
    }
    uint32_t fs = (uint32_t)strtoul(argv[1], NULL, 10);
    double seconds = strtod(argv[2], NULL);
    uint8_t phases = argc > 3 ? (uint8_t)atoi(argv[3]) : 3;
    size_t n = (size_t)(seconds * fs);
    struct mfw_adc_frame *frames = malloc(n * sizeof(*frames));
    if (!frames || fs < 1000 || phases < 1 || phases > 3)
        return 2;
    struct afe afe;
    struct afe_config ac;
    afe_default_config(&ac, phases, fs, 100.0);
    ac.snr_db = 101.0;
    afe_init(&afe, &ac);
    struct afe_state st;
    afe_state_sine(&st, phases, 230.0, 10.0, 25.84, 50.0);
    for (unsigned p = 0; p < phases; p++) {
        st.ph[p].i.n_harmonics = 1;
        st.ph[p].i.h[0] = (struct afe_harmonic){5, 0.2, 0.0};
    }
    afe_set(&afe, &st);
    double t0 = now_s();
    afe_generate(&afe, frames, n);
    double t_gen = now_s() - t0;

    struct mfw_metrology mt;
    struct mfw_metrology_config cfg;
    mfw_metrology_default_config(&cfg, phases, fs, 50);
    for (unsigned p = 0; p < phases; p++) {
        cfg.cal[p].v_gain = afe_volts_per_code(&afe);
        cfg.cal[p].i_gain = afe_amps_per_code(&afe);
    }
    mfw_metrology_init(&mt, &cfg);
    const size_t block = fs / 100; /* 10 ms per call, as a DMA half-buffer would deliver */
    t0 = now_s();
    for (size_t k = 0; k < n; k += block)
        mfw_metrology_samples(&mt, frames + k, k + block <= n ? block : n - k);
    double t_metro = now_s() - t0;
    struct mfw_metrology_values v;
    mfw_metrology_read(&mt, &v);
    printf("fs %u Hz, %u phases, %zu sample sets (%.0f s): metrology %.3f s wall, "
           "real-time factor %.0f (with the simulator %.0f); P L1 %.2f W\n",
           fs, phases, n, seconds, t_metro, seconds / t_metro, seconds / (t_metro + t_gen),
           v.ph[0].p);
    free(frames);
    return 0;
}
