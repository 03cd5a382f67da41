/* SPDX-License-Identifier: Apache-2.0 */
/* keys: the meter's security material and invocation counters for DLMS security suite 0
 * (docs/security.md). What the dlms layer's security code (src/dlms/security.c) keys its GCM with
 * and what Security setup (IC 64) shows and changes, owned by the meter and persisted by it in
 * two record areas of the store (meter.c):
 *  - SECURITY: the policy, the global keys (unicast, broadcast, authentication, master), the
 *    server and client system titles, and the LLS secret if the LLS association is enabled;
 *    written when one of them changes. Keys are never in a log, an attribute or a STATE record.
 *  - COUNTERS: the invocation counter reservation and the floors of the received counters.
 *
 * The counter the meter sends never repeats, power loss included: before it sends a value at or
 * above `reserved` it persists reserved + MFW_SECURITY_IC_RESERVE, and at power-up it goes on
 * from the persisted reservation. A cut can so skip up to MFW_SECURITY_IC_RESERVE values, never
 * reuse one (the store gives the old record or the new one, and no value of the new reservation
 * is sent before its record is complete). A received counter must be greater than the last one
 * accepted in its context; the floor works the same way: before accepting a value above it, the
 * meter persists value + MFW_SECURITY_IC_RESERVE, and at power-up the last accepted value is the
 * floor (a client then reads 0.0.43.1.x.255 and goes on above it). */
#ifndef METERFW_METER_KEYS_H
#define METERFW_METER_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/persist.h"

#include "meterfw/base/cursor.h"

#define MFW_KEYS_LEN 16u
#define MFW_KEYS_TITLE_LEN 8u

/* key_id of Security setup global_key_transfer (Blue Book 4.4.7 [M]). */
enum mfw_keys_id {
    MFW_KEYS_UNICAST = 0,        /* global unicast encryption key (GUEK) */
    MFW_KEYS_BROADCAST = 1,      /* global broadcast encryption key (GBEK) */
    MFW_KEYS_AUTHENTICATION = 2, /* authentication key (AK) */
    MFW_KEYS_MASTER = 3,         /* master key (KEK): wraps the others for key transfer */
    MFW_KEYS_COUNT
};

/* The received-counter contexts: requests under the unicast key (management client) and under
 * the broadcast key (pre-established client). */
enum mfw_keys_context { MFW_KEYS_CTX_UNICAST = 0, MFW_KEYS_CTX_BROADCAST = 1, MFW_KEYS_CTX_COUNT };

/* The persisted security configuration (SECURITY record). */
struct mfw_keys_config {
    uint8_t policy; /* Security setup v0 security_policy, 0..3 (security.h) */
    uint8_t have;   /* bit k: key k is set */
    uint8_t key[MFW_KEYS_COUNT][MFW_KEYS_LEN];
    uint8_t server_title[MFW_KEYS_TITLE_LEN];
    uint8_t client_title[MFW_KEYS_TITLE_LEN]; /* IC 64 attribute 4: the client's, last seen */
    bool lls_enabled; /* the management client may also associate with LLS (off by default) */
    uint8_t lls_len;
    uint8_t lls[MFW_COSEM_SECRET_MAX];
    /* The consumer channel's own security context (Security setup 0.0.43.0.1.255; IDIS S5: the
     * consumer information push has suite-0 keys of its own, delivered wrapped under the master
     * key): its policy (0 none, 3 authenticated and encrypted, only ever stronger) and keys
     * (consumer_have bit 0: the encryption key, bit 1: the authentication key). */
    uint8_t consumer_policy;
    uint8_t consumer_have;
    uint8_t consumer_ek[MFW_KEYS_LEN], consumer_ak[MFW_KEYS_LEN];
};

/* The counters (COUNTERS record: reserved and floor; next and last are their RAM side). */
struct mfw_keys_counters {
    uint32_t next;     /* the next IC the meter sends */
    uint32_t reserved; /* persisted: no IC >= reserved is sent before a higher one is stored */
    uint32_t last[MFW_KEYS_CTX_COUNT];  /* the last received IC accepted */
    uint32_t floor[MFW_KEYS_CTX_COUNT]; /* persisted: every IC accepted is <= floor */
};

struct mfw_keys {
    struct mfw_keys_config config;
    struct mfw_keys_counters counters;
};

/* Policy 3 (authenticated and encrypted), no key, server title "MFW" + 5 bytes of the serial
 * number (mfw_keys_title_of_serial), LLS off. */
void mfw_keys_default_config(struct mfw_keys_config *c, const char *serial);
/* The server system title of a serial number: "MFW" (the FLAG id of this firmware, a design
 * choice [U]) then the low 40 bits of the serial's decimal value, big-endian (IDIS: FLAG id + 5
 * bytes of type and serial [M]). A serial that is not decimal digits gives its first 5 bytes. */
void mfw_keys_title_of_serial(uint8_t title[8], const char *serial);
/* MFW_OK, or MFW_E_RANGE for a policy above 3, an LLS secret enabled but empty or too long. */
int mfw_keys_validate(const struct mfw_keys_config *c);
void mfw_keys_init(struct mfw_keys *k, const struct mfw_keys_config *c);

/* The counter functions work on a copy of the counters that the meter persists before it takes
 * it (meter.c): what is not stored is not used. */
/* The server's next IC into *ic. *persist: the reservation moved (store the counters before
 * sending *ic). MFW_E_RANGE when the counter is exhausted (it never wraps: a new key is due). */
int mfw_keys_ic_next(struct mfw_keys_counters *n, uint32_t *ic, bool *persist);
/* A received IC: MFW_OK if it is above the last accepted one of ctx, else MFW_E_RANGE. */
int mfw_keys_ic_check(const struct mfw_keys_counters *n, unsigned ctx, uint32_t ic);
/* Accepts it (after its tag verified). *persist: the floor moved (store the counters first). */
int mfw_keys_ic_accept(struct mfw_keys_counters *n, unsigned ctx, uint32_t ic, bool *persist);

/* The records, field by field (persist.h); restore checks every field (a policy of v0, known
 * key bits, an LLS secret of 1..MFW_COSEM_SECRET_MAX when enabled; counters with floors and a
 * reservation) into c or k, which change only when everything checks. */
void mfw_keys_save_config(const struct mfw_keys_config *c, struct mfw_wcursor *w);
int mfw_keys_restore_config(struct mfw_keys_config *c, const uint8_t *buf, size_t len,
                            const char **field);
void mfw_keys_save_counters(const struct mfw_keys_counters *k, struct mfw_wcursor *w);
/* At power-up: next = reserved and last = floor (what may have been used or accepted). */
int mfw_keys_restore_counters(struct mfw_keys_counters *k, const uint8_t *buf, size_t len,
                              const char **field);

/* Bytes of the records at most. */
#define MFW_KEYS_CONFIG_RECORD_MAX 256u
#define MFW_KEYS_COUNTERS_RECORD_MAX 64u

#endif /* METERFW_METER_KEYS_H */
