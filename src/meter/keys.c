/* SPDX-License-Identifier: Apache-2.0 */
/* keys: security material and invocation counters (keys.h). */
#include "meterfw/meter/keys.h"

#include <string.h>

#include "meterfw/base/ct.h"
#include "meterfw/base/error.h"

#define CONFIG_MAGIC 0x4D46534Bu   /* "MFSK" */
#define COUNTERS_MAGIC 0x4D464943u /* "MFIC" */
#define RECORD_VERSION 1u
#define POLICY_MAX 3u

void mfw_keys_title_of_serial(uint8_t title[8], const char *serial)
{
    title[0] = 'M';
    title[1] = 'F';
    title[2] = 'W';
    uint64_t v = 0;
    bool digits = serial != NULL && serial[0] != '\0';
    for (size_t i = 0; digits && serial[i] != '\0' && i < 20; i++) {
        if (serial[i] < '0' || serial[i] > '9')
            digits = false;
        else
            v = v * 10u + (uint64_t)(serial[i] - '0');
    }
    for (unsigned k = 0; k < 5; k++) {
        if (digits)
            title[3 + k] = (uint8_t)(v >> (8 * (4 - k)));
        else
            title[3 + k] = serial != NULL && strlen(serial) > k ? (uint8_t)serial[k] : 0;
    }
}

void mfw_keys_default_config(struct mfw_keys_config *c, const char *serial)
{
    memset(c, 0, sizeof *c);
    c->policy = POLICY_MAX; /* authenticated and encrypted */
    mfw_keys_title_of_serial(c->server_title, serial);
}

int mfw_keys_validate(const struct mfw_keys_config *c)
{
    if (c == NULL || c->policy > POLICY_MAX || (c->have & ~((1u << MFW_KEYS_COUNT) - 1u)) != 0 ||
        c->lls_len > MFW_COSEM_SECRET_MAX || (c->lls_enabled && c->lls_len == 0) ||
        c->consumer_policy > POLICY_MAX || c->consumer_have > 3u ||
        (c->consumer_policy != 0 && c->consumer_have != 3u))
        return MFW_E_RANGE;
    return MFW_OK;
}

void mfw_keys_init(struct mfw_keys *k, const struct mfw_keys_config *c)
{
    memset(k, 0, sizeof *k);
    k->config = *c;
}

int mfw_keys_ic_next(struct mfw_keys_counters *n, uint32_t *ic, bool *persist)
{
    *persist = false;
    if (n->next == UINT32_MAX)
        return MFW_E_RANGE; /* the counter never wraps under one key (Green Book 9.2.7 [M]) */
    if (n->next >= n->reserved) {
        uint64_t r = (uint64_t)n->next + MFW_SECURITY_IC_RESERVE;
        n->reserved = r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
        *persist = true;
    }
    *ic = n->next++;
    return MFW_OK;
}

int mfw_keys_ic_check(const struct mfw_keys_counters *n, unsigned ctx, uint32_t ic)
{
    if (ctx >= MFW_KEYS_CTX_COUNT)
        return MFW_E_ARG;
    return ic > n->last[ctx] ? MFW_OK : MFW_E_RANGE;
}

int mfw_keys_ic_accept(struct mfw_keys_counters *n, unsigned ctx, uint32_t ic, bool *persist)
{
    *persist = false;
    if (ctx >= MFW_KEYS_CTX_COUNT)
        return MFW_E_ARG;
    if (ic <= n->last[ctx])
        return MFW_E_RANGE;
    if (ic > n->floor[ctx]) {
        uint64_t f = (uint64_t)ic + MFW_SECURITY_IC_RESERVE;
        n->floor[ctx] = f > UINT32_MAX ? UINT32_MAX : (uint32_t)f;
        *persist = true;
    }
    n->last[ctx] = ic;
    return MFW_OK;
}

/* ---- records ---- */

void mfw_keys_save_config(const struct mfw_keys_config *c, struct mfw_wcursor *w)
{
    mfw_persist_put_u32(w, CONFIG_MAGIC);
    mfw_persist_put_u32(w, RECORD_VERSION);
    mfw_persist_put_u32(w, c->policy);
    mfw_persist_put_u32(w, c->have);
    for (unsigned k = 0; k < MFW_KEYS_COUNT; k++)
        mfw_wcursor_bytes(w, c->key[k], MFW_KEYS_LEN);
    mfw_wcursor_bytes(w, c->server_title, MFW_KEYS_TITLE_LEN);
    mfw_wcursor_bytes(w, c->client_title, MFW_KEYS_TITLE_LEN);
    mfw_persist_put_bool(w, c->lls_enabled);
    mfw_persist_put_u32(w, c->lls_len);
    mfw_wcursor_bytes(w, c->lls, c->lls_len);
    /* the consumer context: appended, so that a record written before it still restores */
    mfw_persist_put_u32(w, c->consumer_policy);
    mfw_persist_put_u32(w, c->consumer_have);
    mfw_wcursor_bytes(w, c->consumer_ek, MFW_KEYS_LEN);
    mfw_wcursor_bytes(w, c->consumer_ak, MFW_KEYS_LEN);
}

static int header(struct mfw_persist_reader *r, uint32_t magic)
{
    mfw_persist_expect(r, "magic", magic);
    if (r->err != MFW_OK)
        return MFW_E_FORMAT;
    mfw_persist_expect(r, "format version", RECORD_VERSION);
    return r->err != MFW_OK ? MFW_E_VERSION : MFW_OK;
}

int mfw_keys_restore_config(struct mfw_keys_config *c, const uint8_t *buf, size_t len,
                            const char **field)
{
    struct mfw_persist_reader r;
    mfw_persist_reader_init(&r, buf, len);
    *field = NULL;
    int rc = header(&r, CONFIG_MAGIC);
    if (rc != MFW_OK) {
        *field = r.field;
        return rc;
    }
    struct mfw_keys_config t;
    memset(&t, 0, sizeof t);
    t.policy = (uint8_t)mfw_persist_u32(&r, "security: policy", 0, POLICY_MAX);
    t.have = (uint8_t)mfw_persist_u32(&r, "security: keys present", 0, (1u << MFW_KEYS_COUNT) - 1);
    for (unsigned k = 0; k < MFW_KEYS_COUNT; k++)
        mfw_rcursor_bytes(&r.rc, t.key[k], MFW_KEYS_LEN);
    mfw_rcursor_bytes(&r.rc, t.server_title, MFW_KEYS_TITLE_LEN);
    mfw_rcursor_bytes(&r.rc, t.client_title, MFW_KEYS_TITLE_LEN);
    t.lls_enabled = mfw_persist_bool(&r, "security: LLS enabled");
    t.lls_len =
        (uint8_t)mfw_persist_u32(&r, "security: LLS secret length", 0, MFW_COSEM_SECRET_MAX);
    mfw_rcursor_bytes(&r.rc, t.lls, t.lls_len);
    if (r.err == MFW_OK && r.rc.err == 0 && mfw_rcursor_left(&r.rc) > 0) {
        t.consumer_policy =
            (uint8_t)mfw_persist_u32(&r, "security: consumer policy", 0, POLICY_MAX);
        t.consumer_have = (uint8_t)mfw_persist_u32(&r, "security: consumer keys present", 0, 3);
        mfw_rcursor_bytes(&r.rc, t.consumer_ek, MFW_KEYS_LEN);
        mfw_rcursor_bytes(&r.rc, t.consumer_ak, MFW_KEYS_LEN);
    }
    if (r.rc.err != 0)
        mfw_persist_fail(&r, "security: truncated", MFW_E_FORMAT);
    if (r.err == MFW_OK && mfw_keys_validate(&t) != MFW_OK)
        mfw_persist_fail(&r, "security: LLS enabled without a secret", MFW_E_RANGE);
    rc = mfw_persist_end(&r);
    if (rc == MFW_OK)
        *c = t;
    else
        *field = r.field;
    mfw_ct_wipe(&t, sizeof t);
    return rc;
}

void mfw_keys_save_counters(const struct mfw_keys_counters *k, struct mfw_wcursor *w)
{
    mfw_persist_put_u32(w, COUNTERS_MAGIC);
    mfw_persist_put_u32(w, RECORD_VERSION);
    mfw_persist_put_u32(w, k->reserved);
    mfw_persist_put_u32(w, MFW_KEYS_CTX_COUNT);
    for (unsigned c = 0; c < MFW_KEYS_CTX_COUNT; c++)
        mfw_persist_put_u32(w, k->floor[c]);
}

int mfw_keys_restore_counters(struct mfw_keys_counters *k, const uint8_t *buf, size_t len,
                              const char **field)
{
    struct mfw_persist_reader r;
    mfw_persist_reader_init(&r, buf, len);
    *field = NULL;
    int rc = header(&r, COUNTERS_MAGIC);
    if (rc != MFW_OK) {
        *field = r.field;
        return rc;
    }
    struct mfw_keys_counters t;
    memset(&t, 0, sizeof t);
    t.reserved = mfw_persist_u32(&r, "counters: reservation", 0, UINT32_MAX);
    mfw_persist_expect(&r, "counters: contexts", MFW_KEYS_CTX_COUNT);
    for (unsigned c = 0; c < MFW_KEYS_CTX_COUNT; c++)
        t.floor[c] = mfw_persist_u32(&r, "counters: floor", 0, UINT32_MAX);
    rc = mfw_persist_end(&r);
    if (rc != MFW_OK) {
        *field = r.field;
        return rc;
    }
    t.next = t.reserved;
    for (unsigned c = 0; c < MFW_KEYS_CTX_COUNT; c++)
        t.last[c] = t.floor[c];
    *k = t;
    return MFW_OK;
}
