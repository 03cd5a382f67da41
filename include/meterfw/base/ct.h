/* SPDX-License-Identifier: Apache-2.0 */
/* ct: the two helpers security code needs beside the crypto port: a comparison whose time does
 * not depend on where two byte strings differ (a tag, a challenge response, a password), and a
 * wipe of secrets that the compiler may not remove as a dead store (a key, a plaintext that
 * failed its tag). */
#ifndef METERFW_BASE_CT_H
#define METERFW_BASE_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* true when a[0..n) == b[0..n); the time depends on n only. */
bool mfw_ct_equal(const void *a, const void *b, size_t n);
/* Sets p[0..n) to 0 through a volatile pointer (C11 has no memset_s for freestanding builds). */
void mfw_ct_wipe(void *p, size_t n);

#endif /* METERFW_BASE_CT_H */
