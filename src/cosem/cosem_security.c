/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_security: Security setup (Blue Book 4.4.7 [M], IC 64, version 0: security suite 0) of
 * the management logical device, 0.0.43.0.2.255 (references/idis-objects.md section 1 [U]: the
 * Beacon numbering). One security context: the keys the management client (SAP 1) and the
 * pre-established client (SAP 102, broadcast key) use, the meter's own (meter/keys.h).
 *   2 security_policy (enum, v0: 0 none, 1 authenticated, 2 encrypted, 3 both)
 *   3 security_suite (enum 0: AES-GCM-128 authenticated encryption, AES-128 key wrap)
 *   4 client_system_title (octet-string(8): the head-end's; zeros = any title may associate;
 *     written by the management client, a design choice [U]: v0 leaves it to the meter)
 *   5 server_system_title (octet-string(8))
 *   m1 security_activate(security_policy): only ever stronger (other-reason otherwise)
 *   m2 global_key_transfer(array {structure {key_id enum, key_wrapped octet-string}}): key_id 0
 *      global unicast, 1 broadcast, 2 authentication, 3 master key; each wrapped under the master
 *      key (RFC 3394, 24 bytes); all unwrapped before any is taken (other-reason if one fails);
 *      the answer goes out under the old keys, later APDUs use the new ones (design [U]).
 * No attribute shows a key.
 * The consumer channel's Security setup 0.0.43.0.1.255 (kind 1; references/idis-objects.md
 * section 13: the consumer information push has a security setup and suite-0 keys of its own,
 * delivered wrapped under the master key by global_key_transfer): attribute 2 its policy (0 or 3),
 * 4 zeros (the consumer's device has no title), m1 raises the policy, m2 takes key_id 0 (its
 * encryption key) and 2 (its authentication key). */
#include <string.h>

#include "cosem_class.h"
#include "meterfw/base/ct.h"
#include "meterfw/codec/axdr.h"

static int security_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                        struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_keys_config *k = &c->m->keys.config;
    static const uint8_t none[MFW_KEYS_TITLE_LEN];
    bool consumer = c->obj->kind == 1;
    switch (st->attr) {
    case 2: mfw_axdr_put_enum(w, consumer ? k->consumer_policy : k->policy); break;
    case 3: mfw_axdr_put_enum(w, 0); break; /* suite 0 */
    case 4: mfw_axdr_put_octets(w, consumer ? none : k->client_title, MFW_KEYS_TITLE_LEN); break;
    default: mfw_axdr_put_octets(w, k->server_title, MFW_KEYS_TITLE_LEN); break;
    }
    return MFW_DAR_SUCCESS;
}

static int security_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    if (attr != 4 || c->obj->kind == 1)
        return MFW_DAR_READ_WRITE_DENIED;
    uint8_t t[MFW_KEYS_TITLE_LEN];
    size_t n = 0;
    int r = mfw_axdr_get_octets(value, sizeof t, t, &n);
    if (r == MFW_E_NOSPACE || (r == MFW_OK && n != sizeof t))
        return MFW_DAR_OTHER_REASON;
    if (r != MFW_OK || mfw_rcursor_left(value) != 0)
        return MFW_DAR_TYPE_UNMATCHED;
    return mfw_cosem_class_result(mfw_meter_security_client_title(c->m, t));
}

/* global_key_transfer's parameters into ids / wrapped: MFW_DAR_SUCCESS or the result to send. */
static int parse_keys(struct mfw_rcursor *p, size_t *n, uint8_t ids[MFW_KEYS_COUNT],
                      uint8_t wrapped[MFW_KEYS_COUNT][24])
{
    uint32_t count = 0;
    if (p == NULL || mfw_axdr_get_array(p, &count) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    if (count == 0 || count > MFW_KEYS_COUNT)
        return MFW_DAR_OTHER_REASON;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t fields = 0;
        size_t len = 0;
        if (mfw_axdr_get_structure(p, &fields) != MFW_OK || fields != 2 ||
            mfw_axdr_get_enum(p, &ids[k]) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        int rc = mfw_axdr_get_octets(p, 24, wrapped[k], &len);
        if (rc == MFW_E_NOSPACE || (rc == MFW_OK && len != 24))
            return MFW_DAR_OTHER_REASON;
        if (rc != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (ids[k] >= MFW_KEYS_COUNT)
            return MFW_DAR_OTHER_REASON;
    }
    if (mfw_rcursor_left(p) != 0)
        return MFW_DAR_TYPE_UNMATCHED;
    *n = count;
    return MFW_DAR_SUCCESS;
}

static int security_action(const struct mfw_cosem_call *c, unsigned method,
                           struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)ret;
    (void)has_ret;
    if (method == 1) {
        uint8_t policy;
        if (params == NULL || !MFW_COSEM_READ_ONE(params, mfw_axdr_get_enum(params, &policy)))
            return MFW_DAR_TYPE_UNMATCHED;
        return mfw_cosem_class_result(c->obj->kind == 1
                                          ? mfw_meter_security_consumer_activate(c->m, policy)
                                          : mfw_meter_security_activate(c->m, policy));
    }
    size_t n = 0;
    uint8_t ids[MFW_KEYS_COUNT];
    uint8_t wrapped[MFW_KEYS_COUNT][24];
    int dar = parse_keys(params, &n, ids, wrapped);
    if (dar == MFW_DAR_SUCCESS)
        dar = mfw_cosem_class_result(
            c->obj->kind == 1 ? mfw_meter_security_consumer_transfer(c->m, n, ids, &wrapped[0][0])
                              : mfw_meter_security_transfer_keys(c->m, n, ids, &wrapped[0][0]));
    mfw_ct_wipe(wrapped, sizeof wrapped);
    return dar;
}

const struct mfw_cosem_class mfw_cosem_security_class = {
    .class_id = MFW_IC_SECURITY_SETUP,
    .version = 0,
    .attributes = 5,
    .methods = 2,
    .get_item = security_get,
    .set = security_set,
    .action = security_action,
};
