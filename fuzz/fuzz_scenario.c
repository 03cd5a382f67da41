/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the scenario parser: arbitrary bytes (no NUL terminator) into
 * scenario_parse(); whatever parses is evaluated at a few instants, so the model's arithmetic on
 * odd values (tiny PF, huge harmonics, events at the edges of time) runs under the sanitizers.
 * Then every line of the input is injected as an event (scenario_inject, meterd --control) into
 * the scenario (or an empty one), each in an exact-size copy, and the result evaluated too. */
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
    if (r != MFW_OK && scenario_parse(&s, "", 0, phases, &err) != MFW_OK)
        abort();
    for (size_t pos = 0; pos < size;) {
        size_t e = pos;
        while (e < size && text[e] != '\n')
            e++;
        char *line = malloc(e - pos ? e - pos : 1);
        if (line == NULL)
            break;
        memcpy(line, text + pos, e - pos);
        unsigned before = s.n_events;
        r = scenario_inject(&s, 1767225600000LL, line, e - pos, &err);
        free(line);
        if (r == MFW_OK) {
            if (s.n_events != before + 1u)
                abort(); /* one line, one event */
            struct afe_state st;
            scenario_at(&s, 1767225600000LL, &st);
            (void)scenario_inputs_at(&s, 1767225600000LL);
        } else if (r != MFW_E_FORMAT && r != MFW_E_RANGE) {
            abort();
        } else if (s.n_events != before) {
            abort(); /* a refused line changes nothing */
        }
        pos = e + 1;
    }
    free(text);
    return 0;
}
