/* SPDX-License-Identifier: Apache-2.0 */
/* fleet_keys: every meter's DLMS keys, derived from one fleet secret (docs/fleet.md "Keys").
 *
 *   key = HKDF-SHA256(salt = "meterfw-fleet-keys-v1", ikm = the fleet secret,
 *                     info = "<serial>:<name>", L = 16)          (RFC 5869)
 * for name in guek, gbek, ak, kek (the global unicast and broadcast encryption keys, the
 * authentication key and the master key, DLMS UA 1000-2 9.2.3.4). Mbed TLS computes it; a
 * head-end (or a test) recomputes it from the secret and the serial with any HKDF. A shard of the
 * fleet derives the same keys for the same serials, without coordination.
 *
 * The secret is read from a file that only its owner may read (as every key file, keyfile.h): its
 * first line, 32 to 128 hex digits (16 to 64 bytes). fleet_keys_create writes a new random one. */
#ifndef FLEET_KEYS_H
#define FLEET_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "meterfw/meter/keys.h"

#define FLEET_SECRET_MAX 64
#define FLEET_KEYS_SALT "meterfw-fleet-keys-v1"

struct fleet_secret {
    uint8_t b[FLEET_SECRET_MAX];
    size_t len;
};

/* Reads the secret file. 0, or -1 with the reason in err (not 0600, not hex, too short). */
int fleet_secret_load(const char *path, struct fleet_secret *s, char *err, size_t errcap);
/* A new random 32-byte secret (getrandom), written to path with mode 0600 (the file must not
 * exist). 0 or -1 with err. */
int fleet_secret_create(const char *path, struct fleet_secret *s, char *err, size_t errcap);

/* The four keys of the meter with this serial, in enum mfw_keys_id order. MFW_OK or MFW_E_IO. */
int fleet_keys_derive(const struct fleet_secret *s, const char *serial,
                      uint8_t key[MFW_KEYS_COUNT][MFW_KEYS_LEN]);

#endif /* FLEET_KEYS_H */
