/* SPDX-License-Identifier: Apache-2.0 */
/* The meter-level power-cut campaign (issue: "storage that survives power loss"). A whole meter
 * on the emulated NOR flash runs a deterministic workload: DAYS days from 2026-03-20 in 60 s
 * fast-fidelity blocks (a varying import/export load, 15-minute profile, tariff switches, the
 * DST change of 03-29 and the end of the March billing period, a clock shift, a settings change,
 * and a 2-hour outage with power down and up). A reference run records, tick by tick, the flash
 * operations, the registers, the saved state and the profile and log rows. Then for each cut
 * point c (every operation, or random ones) the run is replayed from the nearest snapshot with
 * the flash dying at operation c (torn), the meter is powered up again on that flash, and:
 *  - the flash tears as NOR does (flash_emu_harsh: any subset of bits, weak cells);
 *  - every restored energy (A+, A-, R+, R-) is never more than was measured and at most the
 *    checkpoint bound less, their sum never below the last state saved before the cut, the
 *    tariffs add up to the totals, and every stored row of every profile shows no more energy
 *    than the registers (each energy column non-decreasing from row to row);
 *  - the load, daily and billing profiles, the analysis log and every event log hold the newest
 *    of the reference rows (same times, status and values; a ring that wrapped keeps its newest),
 *    no invented, duplicated or out-of-order row;
 *  - the configuration is the old or the new one;
 *  - the meter then runs on for 6 hours without a store error and its registers grow. */
#ifndef METERFW_BENCH_POWERCUT_H
#define METERFW_BENCH_POWERCUT_H

#include <stdint.h>

struct pc_result {
    uint64_t ops_total; /* flash operations of the whole reference run */
    uint64_t trials, failures;
    double bound_wh;         /* the checkpoint loss bound the run checked */
    double worst_loss_wh[4]; /* largest energy lost over all cuts: A+, A-, R+, R- (Wh, varh) */
    char first_failure[256];
};

/* random_cuts = 0: every operation is a cut point; else that many random ones (seeded). */
int pc_campaign(unsigned days, uint64_t random_cuts, uint64_t seed, struct pc_result *r);

#endif
