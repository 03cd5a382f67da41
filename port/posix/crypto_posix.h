/* SPDX-License-Identifier: Apache-2.0 */
/* crypto_posix: the crypto port (hal.h struct mfw_crypto_port) of the posix port. AES-128-GCM
 * from Mbed TLS (Debian libmbedtls-dev 2.28, -lmbedcrypto), AES key wrap (RFC 3394) from nettle
 * (Debian nettle-dev, nist-keywrap.h: Debian's Mbed TLS is built without MBEDTLS_NIST_KW_C),
 * random bytes from getrandom(2). No state: ctx is unused, the port is one const struct. The
 * tests and meterctl link it too (library meterd_crypto). */
#ifndef METERD_CRYPTO_POSIX_H
#define METERD_CRYPTO_POSIX_H

#include "meterfw/hal/hal.h"

/* The port, for struct mfw_hal.crypto. */
const struct mfw_crypto_port *crypto_posix_port(void);

#endif /* METERD_CRYPTO_POSIX_H */
