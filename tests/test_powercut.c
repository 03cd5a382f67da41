/* SPDX-License-Identifier: Apache-2.0 */
/* The power-cut campaign of bench_powercut in its short form: one simulated day (with a clock
 * shift, a settings change and a 2-hour outage), the power cut at every flash program and erase
 * operation in turn, each followed by a reboot and the checks of bench/powercut.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "powercut.h"

static void every_operation_of_a_day(void **st)
{
    (void)st;
    struct pc_result r;
    assert_int_equal(pc_campaign(1, 0, 1, &r), 0);
    printf("  %llu cut points, %llu failures, worst loss A+ %.1f Wh, A- %.1f Wh, R+ %.1f varh, "
           "R- %.1f varh (bound %.1f)%s%s\n",
           (unsigned long long)r.trials, (unsigned long long)r.failures, r.worst_loss_wh[0],
           r.worst_loss_wh[1], r.worst_loss_wh[2], r.worst_loss_wh[3], r.bound_wh,
           r.failures ? ": " : "", r.failures ? r.first_failure : "");
    assert_true(r.trials > 1000);
    assert_true(r.trials + 100 > r.ops_total); /* every operation after the first boot */
    assert_int_equal(r.failures, 0);
    for (unsigned q = 0; q < 4; q++)
        assert_true(r.worst_loss_wh[q] <= r.bound_wh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_operation_of_a_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
