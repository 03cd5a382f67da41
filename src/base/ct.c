/* SPDX-License-Identifier: Apache-2.0 */
/* ct: constant-time comparison and wiping (ct.h). */
#include "meterfw/base/ct.h"

bool mfw_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (uint8_t)(x[i] ^ y[i]);
    return diff == 0;
}

void mfw_ct_wipe(void *p, size_t n)
{
    volatile uint8_t *q = p;
    for (size_t i = 0; i < n; i++)
        q[i] = 0;
}
