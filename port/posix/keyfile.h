/* SPDX-License-Identifier: Apache-2.0 */
/* keyfile: the keys of a DLMS security context, read from a file that only its owner may read
 * (meterd --keys, meterctl -K; docs/security.md). One "name = value" a line, '#' comments:
 *
 *   guek = 000102030405060708090A0B0C0D0E0F   global unicast encryption key (also unicast-key)
 *   gbek = ...                                global broadcast encryption key (broadcast-key)
 *   ak = D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF     authentication key (authentication-key)
 *   kek = ...                                 master key, wraps the others (master-key)
 *   server-title = 4D46570000000001           the meter's system title (8 bytes)
 *   client-title = 4775727578313233           the client's system title (8 bytes)
 *   policy = 3                                0 none, 1 authenticated, 2 encrypted, 3 both
 *   lls-secret = 00000001                     meterd: enables LLS for SAP 1 (1..16 characters)
 *   consumer-ek = ...                         the consumer channel's encryption and
 *   consumer-ak = ...                         authentication keys (Security setup 0.0.43.0.1.255)
 *   wmbus-key = ...                           meterd: the wireless M-Bus key (TPL mode 5)
 *
 * A file is refused unless it is a regular file of mode 0600 or stricter (no access for group
 * and others): keys never come from a command line, which any user sees in ps. The same text,
 * lines separated by ';', can come from an environment variable (meterctl: METERCTL_KEYS). Every
 * buffer that held a key is wiped. */
#ifndef METERD_KEYFILE_H
#define METERD_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/meter/keys.h"

struct keyfile {
    uint8_t key[MFW_KEYS_COUNT][MFW_KEYS_LEN];
    uint8_t have; /* bit k: key k (enum mfw_keys_id) given */
    bool has_server_title, has_client_title;
    uint8_t server_title[MFW_KEYS_TITLE_LEN], client_title[MFW_KEYS_TITLE_LEN];
    int policy; /* -1: not given */
    char lls[MFW_COSEM_SECRET_MAX + 1];
    size_t lls_len;
    bool has_consumer_ek, has_consumer_ak, has_wmbus_key;
    uint8_t wmbus_key[MFW_KEYS_LEN]; /* meterd: the radio module's (TPL mode 5) key */
    uint8_t consumer_ek[MFW_KEYS_LEN], consumer_ak[MFW_KEYS_LEN];
};

/* Reads path into kf. 0, or -1 with a one-line reason in err (a mode that lets others read, a
 * line that does not parse with its number, a key that is not 32 hex digits). */
int keyfile_load(const char *path, struct keyfile *kf, char *err, size_t errcap);
/* The same from text (lines separated by newlines or ';'). */
int keyfile_parse(const char *text, struct keyfile *kf, char *err, size_t errcap);
/* The meter's initial security configuration from kf (keys, titles, policy, LLS). */
void keyfile_to_config(const struct keyfile *kf, struct mfw_keys_config *c);
void keyfile_wipe(struct keyfile *kf);

#endif /* METERD_KEYFILE_H */
