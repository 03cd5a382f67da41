/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the scenario parser: arbitrary bytes (no NUL terminator) into
 * scenario_parse(); whatever parses is evaluated at a few instants, so the model's arithmetic on
 * odd values (tiny PF, huge harmonics, events at the edges of time) runs under the sanitizers. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy: ASan flags any read past the end. */
    char *text = malloc(size ? size : 1);
    if (text == NULL)
        return 0;
    if (size)
        memcpy(text, data, size);
    static struct scenario s; /* large; not on the fuzzer's stack */
    struct scenario_error err;
    uint8_t phases = (size & 1u) ? 1u : 3u;
    int r = scenario_parse(&s, text, size, phases, &err);
    if (r == MFW_OK) {
        /* 2026-01-01, the first event, and instants around midnight and a year on. */
        mfw_ms_t t[6] = {1767225600000LL,
                         0,
                         1767225600000LL + 86400000LL - 1,
                         1767225600000LL + 365LL * 86400000LL,
                         1000,
                         -1};
        if (s.n_events > 0)
            t[1] = s.events[0].at_ms;
        for (unsigned k = 0; k < 6; k++) {
            struct afe_state st;
            struct afe_quantities b;
            scenario_at(&s, t[k], &st);
            afe_state_quantities(&st, s.phases, 1.0, &b);
            mfw_ms_t n = scenario_next_change(&s, t[k]);
            if (n <= t[k])
                abort(); /* the contract: strictly after t */
            scenario_at(&s, n, &st);
        }
    } else if (r != MFW_E_FORMAT && r != MFW_E_RANGE) {
        abort();
    }
    free(text);
    return 0;
}
