/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for meterd's control pipe (port/posix/control.h): arbitrary bytes, in chunks
 * whose sizes the first byte chooses, through the line splitter; every line it hands on is at
 * most CONTROL_LINE_MAX long and is injected into a scenario as meterd does (scenario_inject),
 * which must answer OK, a format or a range error, and change nothing when it refuses. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "meterfw/base/error.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scenario sc; /* large; not on the fuzzer's stack */

static void on_line(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    if (text == NULL)
        return; /* a line dropped as too long */
    if (len > CONTROL_LINE_MAX)
        abort();
    /* an exact-size copy: ASan flags a read past the line */
    char *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return;
    memcpy(copy, text, len);
    unsigned before = sc.n_events;
    struct scenario_error err;
    int r = scenario_inject(&sc, 1796083200000LL, copy, len, &err);
    free(copy);
    if (r == MFW_OK ? sc.n_events != before + 1u
                    : (r != MFW_E_FORMAT && r != MFW_E_RANGE) || sc.n_events != before)
        abort();
    struct afe_state st;
    scenario_at(&sc, 1796083200000LL, &st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t chunk = (size_t)data[0] % 64u + 1u;
    if (scenario_parse(&sc, "load k 2300 W\n", 14, (data[0] & 0x80u) ? 1 : 3, NULL) != MFW_OK)
        abort();
    static struct control c;
    memset(&c, 0, sizeof c);
    c.fd = -1;
    const char *p = (const char *)data + 1;
    size_t left = size - 1;
    while (left > 0) {
        size_t n = left < chunk ? left : chunk;
        control_feed(&c, p, n, on_line, NULL);
        p += n;
        left -= n;
    }
    if (c.n > CONTROL_LINE_MAX)
        abort();
    return 0;
}
