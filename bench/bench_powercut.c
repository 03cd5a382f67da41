/* SPDX-License-Identifier: Apache-2.0 */
/* bench_powercut [DAYS] [CUTS] [SEED]: the meter-level power-cut campaign (bench/powercut.h).
 * CUTS = 0 cuts at every flash operation. Defaults: 30 days (a month), 10000 random cuts. */
#include <stdio.h>
#include <stdlib.h>

#include "powercut.h"

int main(int argc, char **argv)
{
    unsigned days = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 30;
    unsigned long long cuts = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000;
    unsigned long long seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    struct pc_result r;
    if (days == 0 || pc_campaign(days, cuts, seed, &r) != 0) {
        fprintf(stderr, "usage: bench_powercut [DAYS>0] [CUTS] [SEED]\n");
        return 2;
    }
    printf("power-cut campaign: %u days, %llu flash operations, %llu cut points (%s), "
           "%llu failures\n",
           days, (unsigned long long)r.ops_total, (unsigned long long)r.trials,
           cuts ? "random" : "every operation", (unsigned long long)r.failures);
    printf("energy lost at a cut, worst: A+ %.1f Wh, A- %.1f Wh, R+ %.1f varh, R- %.1f varh "
           "(bound %.1f each)\n",
           r.worst_loss_wh[0], r.worst_loss_wh[1], r.worst_loss_wh[2], r.worst_loss_wh[3],
           r.bound_wh);
    if (r.failures)
        printf("first failure: %s\n", r.first_failure);
    return r.failures ? 1 : 0;
}
