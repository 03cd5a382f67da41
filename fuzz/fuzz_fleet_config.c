/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the fleet file parser (fleetd --config, port/fleet/fleet_config.h):
 * arbitrary bytes (no NUL terminator) into fleet_config_parse(); a file that parses draws a few
 * meters and asks every event which of them it hits, so odd shares and ranges run through the
 * draws under the sanitizers. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet_config.h"
#include "meterfw/base/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1); /* exact size: ASan flags a read past the end */
    if (text == NULL)
        return 0;
    if (size)
        memcpy(text, data, size);
    static struct fleet_config c;
    fleet_config_default(&c);
    struct fleet_config_error err;
    int r = fleet_config_parse(&c, text, size, &err);
    if (r == MFW_OK) {
        if (c.meters == 0 || c.feeders == 0 || c.n_events > FLEET_EVENTS_MAX)
            abort();
        for (uint32_t i = 0; i < 8 && i < c.meters; i++) {
            struct fleet_draw d;
            fleet_config_draw(&c, i, &d);
            if (d.feeder >= c.feeders || !(d.annual_kwh >= c.annual_min) ||
                !(d.annual_kwh <= c.annual_max) || !isfinite(d.pv_kwp))
                abort();
            for (uint32_t e = 0; e < c.n_events; e++)
                (void)fleet_config_hits(&c, &c.events[e], i);
        }
    } else if (r != MFW_E_FORMAT && r != MFW_E_RANGE) {
        abort();
    } else if (err.msg[0] == '\0') {
        abort(); /* every refusal says why */
    }
    free(text);
    return 0;
}
