/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the sensor-set file parser (meterd --sensors FILE): arbitrary bytes (no
 * NUL terminator) into sensor_file_parse(); a set that parses drives the front end for a few
 * sample sets, so odd values (zero resistances' neighbours, huge drifts) run under the
 * sanitizers through the whole chain. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "afe.h"
#include "meterfw/base/error.h"
#include "sensor_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1); /* exact size: ASan flags a read past the end */
    if (text == NULL)
        return 0;
    if (size)
        memcpy(text, data, size);
    static struct sensor_set s;
    static struct afe a;
    static struct mfw_adc_frame f[16];
    struct sensor_file_error err;
    uint8_t phases = (size & 1u) ? 1u : 3u;
    int r = sensor_file_parse(&s, phases, 100.0, text, size, &err);
    if (r == MFW_OK) {
        struct afe_config c;
        afe_default_config(&c, phases, 4000, 100.0);
        c.sensors_on = true;
        c.sensors = s;
        if (afe_init(&a, &c) == MFW_OK) {
            struct afe_state st;
            afe_state_sine(&st, phases, 230.0, 50.0, 30.0, 50.0);
            afe_set(&a, &st);
            afe_generate(&a, f, 16);
            afe_skip(&a, 10.0);
            (void)afe_temperature_reading(&a);
        }
    } else if (r != MFW_E_FORMAT && r != MFW_E_RANGE) {
        abort();
    }
    free(text);
    return 0;
}
