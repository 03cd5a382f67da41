/* The meter-level power-cut campaign (issue: "storage that survives power loss"). A whole meter
 * on the emulated NOR flash runs a deterministic workload: DAYS days from 2026-03-20 in 60 s
 * fast-fidelity blocks (a varying import/export load, 15-minute profile, tariff switches, the
 * DST change of 03-29 and the end of the March billing period, a clock shift, a settings change,
 * and a 2-hour outage with power down and up). A reference run records, tick by tick, the flash
 * operations, the registers, the saved state and the profile and log rows. Then for each cut
 * point c (every operation, or random ones) the run is replayed from the nearest snapshot with
 * the flash dying at operation c (torn), the meter is powered up again on that flash, and:
 *  - the restored energy is exactly the last state saved before the cut (or the one being
 *    saved, if that write completed), never more than was measured, and at most the checkpoint
 *    bound less;
 *  - the load profile, daily profile and every event log are an intact prefix of the reference
 *    rows (same times, status and values), no invented or duplicated row;
 *  - the configuration is the old or the new one;
 *  - the meter then runs on for 6 hours without a store error and its registers grow. */
#ifndef METERFW_BENCH_POWERCUT_H
#define METERFW_BENCH_POWERCUT_H

#include <stdint.h>

struct pc_result {
    uint64_t ops_total; /* flash operations of the whole reference run */
    uint64_t trials, failures;
    double bound_wh;      /* the checkpoint loss bound the run checked */
    double worst_loss_wh; /* largest energy lost over all cuts */
    char first_failure[256];
};

/* random_cuts = 0: every operation is a cut point; else that many random ones (seeded). */
int pc_campaign(unsigned days, uint64_t random_cuts, uint64_t seed, struct pc_result *r);

#endif
