/* SPDX-License-Identifier: Apache-2.0 */
/* dlms_server: associations, security and the GET / SET / ACTION services over the object model
 * (see dlms_server.h, docs/dlms.md "Associations" and "Services", docs/security.md). */
#include "meterfw/dlms/dlms_server.h"

#include <string.h>

#include "meterfw/base/ct.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/dlms/acse.h"
#include "meterfw/meter/eventlog.h"
#include "meterfw/meter/keys.h"

/* What each association may use (Green Book conformance block). The public client reads only. */
#define CONF_PUBLIC                                                                                \
    (MFW_ACSE_CONF_GET | MFW_ACSE_CONF_SELECTIVE_ACCESS | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_GET |  \
     MFW_ACSE_CONF_MULTIPLE_REFERENCES)
#define CONF_MANAGEMENT                                                                            \
    (CONF_PUBLIC | MFW_ACSE_CONF_SET | MFW_ACSE_CONF_ACTION |                                      \
     MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_SET | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_ACTION)
/* With HLS-GMAC also general-protection (bit 1): a client that proposes it then sends every APDU
 * as general-glo-ciphering (the Gurux client does, w_gmac_clock.txt). */
#define CONF_MANAGEMENT_HLS (CONF_MANAGEMENT | MFW_ACSE_CONF_GENERAL_PROTECTION)
/* The pre-established client: unconfirmed SET and ACTION. */
#define CONF_PRE_ESTABLISHED (MFW_ACSE_CONF_SET | MFW_ACSE_CONF_ACTION)

/* Bytes kept free in front of a block's raw data: the largest GET-Response-WithDataBlock header
 * (C4 02 invoke last block(4) 00 and a 3-byte length). */
#define BLOCK_HDR_MAX 12u

/* invoke-id-and-priority bit 6: service-class confirmed (Green Book 9.5 [M]; Gurux C1). */
#define INVOKE_CONFIRMED 0x40u

/* a->logged: the security events of one association attempt, each logged once */
enum { LOGGED_AUTH = 1u, LOGGED_DECIPHER = 2u, LOGGED_REPLAY = 4u };

void mfw_dlms_server_default_config(struct mfw_dlms_server_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->max_pdu = MFW_DLMS_SERVER_MAX_PDU;
}

static int hls_reply(void *ctx, const uint8_t *f, size_t n, uint8_t out[17]);

int mfw_dlms_server_init(struct mfw_dlms_server *s, struct mfw_cosem *cosem,
                         const struct mfw_dlms_server_config *cfg)
{
    if (s == NULL || cosem == NULL || cfg == NULL || cfg->max_pdu < 64 ||
        cfg->max_pdu > MFW_DLMS_SERVER_MAX_PDU)
        return MFW_E_ARG;
    memset(s, 0, sizeof *s);
    s->cosem = cosem;
    s->max_pdu = cfg->max_pdu;
    cosem->env.max_pdu = cfg->max_pdu; /* IC 18 image_block_size fits what the server takes */
    for (unsigned k = 0; k < MFW_ASSOCIATIONS_MAX; k++)
        s->a[k].server = s;
    s->pre.client = MFW_COSEM_CLIENT_PRE_ESTABLISHED;
    s->pre.client_sap = MFW_DLMS_SAP_PRE_ESTABLISHED;
    s->pre.context = MFW_ACSE_CTX_LN_CIPHERED;
    s->pre.status = 2;
    s->pre.conformance = CONF_PRE_ESTABLISHED;
    s->pre.dlms_version = MFW_ACSE_DLMS_VERSION;
    s->pre.server_max_pdu = s->max_pdu;
    for (unsigned k = 0; k < sizeof s->pre_logged / sizeof s->pre_logged[0]; k++)
        s->pre_logged[k] = INT64_MIN;
    return MFW_OK;
}

static void reset_blocks(struct mfw_dlms_assoc *a)
{
    a->get_active = false;
    a->get_list = false;
    a->set_active = false;
    a->act_active = false;
    a->pend_len = a->pend_off = 0;
    a->list_len = a->list_off = 0;
    a->set_len = 0;
}

/* The association goes: its challenges wiped, nothing of it left. */
static void drop(struct mfw_dlms_assoc *a)
{
    reset_blocks(a);
    a->associated = a->pending = a->ciphered = a->drop = false;
    mfw_ct_wipe(a->ctos, sizeof a->ctos);
    mfw_ct_wipe(a->stoc, sizeof a->stoc);
    a->ctos_len = a->stoc_len = 0;
    memset(&a->ses, 0, sizeof a->ses);
}

void mfw_dlms_server_close(struct mfw_dlms_server *s, unsigned conn)
{
    if (s == NULL || conn >= MFW_ASSOCIATIONS_MAX)
        return;
    drop(&s->a[conn]);
}

static struct mfw_cosem_ctx ctx_of(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a)
{
    struct mfw_cosem_ctx c = {s->cosem, &a->ses};
    return c;
}

/* ---- security: keys, counters, events, lock-out ---- */

static struct mfw_meter *meter_of(const struct mfw_dlms_server *s)
{
    return s->cosem->meter;
}

static const struct mfw_crypto_port *crypto_of(const struct mfw_dlms_server *s)
{
    const struct mfw_crypto_port *c = meter_of(s)->hal->crypto;
    return c != NULL && c->gcm_encrypt != NULL && c->gcm_decrypt != NULL ? c : NULL;
}

/* A copy of the keys of one direction (the block cipher key ek: unicast or broadcast; the
 * authentication key), so that a key transfer inside a request does not change the keys its
 * answer goes out under. false when the meter lacks one of them (or the crypto port). */
struct keyset {
    uint8_t ek[MFW_KEYS_LEN], ak[MFW_KEYS_LEN];
    struct mfw_security_keys k;
};

static bool keys_of(const struct mfw_dlms_server *s, bool broadcast, struct keyset *ks)
{
    const struct mfw_meter *m = meter_of(s);
    const uint8_t *ek =
        mfw_meter_security_key(m, broadcast ? MFW_KEYS_BROADCAST : MFW_KEYS_UNICAST);
    const uint8_t *ak = mfw_meter_security_key(m, MFW_KEYS_AUTHENTICATION);
    if (ek == NULL || ak == NULL || crypto_of(s) == NULL)
        return false;
    memcpy(ks->ek, ek, MFW_KEYS_LEN);
    memcpy(ks->ak, ak, MFW_KEYS_LEN);
    ks->k.ek = ks->ek;
    ks->k.ak = ks->ak;
    return true;
}

static void keys_wipe(struct keyset *ks)
{
    mfw_ct_wipe(ks, sizeof *ks);
}

/* One security event per association attempt and kind (the log is not flooded by one peer:
 * the lock-out bounds the attempts, docs/security.md). */
static void event(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, uint16_t code)
{
    uint8_t bit = code == MFW_EVENT_AUTH_FAILURE      ? LOGGED_AUTH
                  : code == MFW_EVENT_DECRYPT_FAILURE ? LOGGED_DECIPHER
                                                      : LOGGED_REPLAY;
    if (code == MFW_EVENT_AUTH_FAILURE)
        s->stats.auth_failures++;
    else if (code == MFW_EVENT_DECRYPT_FAILURE)
        s->stats.decipher_failures++;
    else
        s->stats.replays++;
    if (a->logged & bit)
        return;
    a->logged |= bit;
    (void)mfw_meter_security_event(meter_of(s), code);
}

static mfw_ms_t rtc_now(const struct mfw_dlms_server *s)
{
    return meter_of(s)->rtc;
}

static bool locked_out(const struct mfw_dlms_server *s, unsigned client)
{
    const struct mfw_dlms_lockout *l = &s->lockout[client];
    return l->until != 0 && rtc_now(s) < l->until;
}

/* A failed association attempt of client: after MFW_SECURITY_LOCKOUT_FAILURES in a row the
 * client is locked out for MFW_SECURITY_LOCKOUT_MS, doubled by each failure after, at most
 * MFW_SECURITY_LOCKOUT_MAX_MS. */
static void failed(struct mfw_dlms_server *s, unsigned client)
{
    struct mfw_dlms_lockout *l = &s->lockout[client];
    if (l->failures < UINT32_MAX)
        l->failures++;
    if (l->failures < MFW_SECURITY_LOCKOUT_FAILURES)
        return;
    uint32_t extra = l->failures - MFW_SECURITY_LOCKOUT_FAILURES;
    uint64_t ms = MFW_SECURITY_LOCKOUT_MS;
    for (uint32_t k = 0; k < extra && ms < MFW_SECURITY_LOCKOUT_MAX_MS; k++)
        ms *= 2;
    if (ms > MFW_SECURITY_LOCKOUT_MAX_MS)
        ms = MFW_SECURITY_LOCKOUT_MAX_MS;
    l->until = rtc_now(s) + (mfw_ms_t)ms;
    if (l->until == 0)
        l->until = 1;
    s->stats.lockouts++;
}

static void succeeded(struct mfw_dlms_server *s, unsigned client)
{
    s->lockout[client].failures = 0;
    s->lockout[client].until = 0;
}

/* ---- association ---- */

static void reject(struct mfw_acse_aare *re, uint8_t result, uint8_t diag)
{
    memset(re, 0, sizeof *re);
    re->context = MFW_ACSE_CTX_LN;
    re->result = result;
    re->diag_source = MFW_ACSE_DIAG_SOURCE_USER;
    re->diag = diag;
}

/* The glo-initiate-request of a GMAC AARQ (context 3): checked, deciphered under the client's
 * title into rq->initiate, its counter accepted. MFW_OK; otherwise the AARE is rejected (*re)
 * and the failure logged. */
static int aarq_initiate(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a,
                         struct mfw_acse_aarq *rq, struct mfw_acse_aare *re, uint8_t *sc)
{
    struct mfw_meter *m = meter_of(s);
    struct mfw_security_apdu sa;
    struct keyset ks;
    if (!keys_of(s, false, &ks)) {
        reject(re, MFW_ACSE_RESULT_REJECTED_PERMANENT, MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED);
        return MFW_E_STATE;
    }
    int rc = mfw_security_parse_content(rq->ciphered.p, rq->ciphered.len, &sa);
    if (rc == MFW_OK && ((sa.sc & MFW_SECURITY_SC_BROADCAST) ||
                         !mfw_security_meets_policy(sa.sc, m->keys.config.policy)))
        rc = MFW_E_RANGE;
    if (rc == MFW_OK && mfw_meter_security_ic_check(m, MFW_KEYS_CTX_UNICAST, sa.ic) != MFW_OK) {
        event(s, a, MFW_EVENT_REPLAY_ATTACK);
        rc = MFW_E_RANGE;
    } else if (rc == MFW_OK) {
        size_t n = 0;
        rc = mfw_security_decipher(crypto_of(s), &ks.k, rq->calling_ap_title, &sa, s->plain,
                                   sizeof s->plain, &n);
        if (rc == MFW_OK)
            rc = mfw_meter_security_ic_accept(m, MFW_KEYS_CTX_UNICAST, sa.ic);
        if (rc == MFW_OK)
            rc = mfw_acse_parse_initiate_request(s->plain, n, &rq->initiate);
        else
            event(s, a, MFW_EVENT_DECRYPT_FAILURE);
        mfw_ct_wipe(s->plain, n);
        rq->has_initiate = rc == MFW_OK;
    } else {
        event(s, a, MFW_EVENT_DECRYPT_FAILURE);
    }
    keys_wipe(&ks);
    *sc = sa.sc;
    if (rc != MFW_OK)
        reject(re, MFW_ACSE_RESULT_REJECTED_PERMANENT, MFW_ACSE_DIAG_NO_REASON_GIVEN);
    return rc;
}

/* HLS pass 2: StoC drawn, the InitiateResponse ciphered under the server's title into ui
 * (28 L SC IC C T). MFW_OK or an error (then the AARE is a rejection). */
static int aare_hls(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a,
                    const struct mfw_acse_aarq *rq, struct mfw_acse_aare *re, uint8_t sc,
                    bool cipher_ui, uint8_t *ui, size_t cap)
{
    struct mfw_meter *m = meter_of(s);
    const struct mfw_crypto_port *c = crypto_of(s);
    struct keyset ks;
    if (c == NULL || c->random == NULL || !keys_of(s, false, &ks))
        return MFW_E_STATE;
    /* a fresh challenge from the port's random source: never an echo (docs/acse.md) */
    a->stoc_len = 16;
    int rc = c->random(c->ctx, a->stoc, a->stoc_len);
    if (rc == MFW_OK && rq->auth_value.len == a->stoc_len &&
        mfw_ct_equal(rq->auth_value.p, a->stoc, a->stoc_len))
        rc = MFW_E_STATE; /* CtoS equal to StoC: a reflected challenge */
    a->ctos_len = (uint8_t)rq->auth_value.len;
    memcpy(a->ctos, rq->auth_value.p, a->ctos_len);
    memcpy(a->client_title, rq->calling_ap_title, MFW_SECURITY_TITLE_LEN);
    uint32_t ic = 0;
    if (rc == MFW_OK && cipher_ui)
        rc = mfw_meter_security_ic_next(m, &ic);
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, ui, cap);
    if (rc == MFW_OK && cipher_ui) {
        uint8_t plain[32];
        struct mfw_wcursor p;
        mfw_wcursor_init(&p, plain, sizeof plain);
        rc = mfw_acse_build_initiate_response(&re->initiate, &p);
        /* glo-initiate-response [40] IMPLICIT OCTET STRING: tag, A-XDR length, SC IC C T */
        uint8_t rsc = mfw_security_sc_for(m->keys.config.policy, sc, false);
        mfw_wcursor_u8(&w, MFW_SECURITY_GLO_INITIATE_RESPONSE);
        mfw_axdr_put_length(&w, mfw_security_overhead(0, rsc, p.len) + p.len);
        if (rc == MFW_OK)
            rc = mfw_security_cipher(c, &ks.k, 0, m->keys.config.server_title, rsc, ic, plain,
                                     p.len, &w);
    }
    keys_wipe(&ks);
    if (rc != MFW_OK)
        return rc;
    re->has_responding_ap_title = true;
    memcpy(re->responding_ap_title, m->keys.config.server_title, MFW_SECURITY_TITLE_LEN);
    re->has_auth_value = true;
    re->auth_value.p = a->stoc;
    re->auth_value.len = a->stoc_len;
    if (cipher_ui) {
        re->user_info_kind = MFW_ACSE_AARE_UI_RAW;
        re->user_info_raw.p = ui;
        re->user_info_raw.len = w.len;
    }
    return MFW_OK;
}

static size_t on_aarq(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, uint8_t sap,
                      const uint8_t *apdu, size_t len, struct mfw_wcursor *w)
{
    struct mfw_meter *m = meter_of(s);
    const struct mfw_keys_config *kc = &m->keys.config;
    struct mfw_acse_aarq rq;
    struct mfw_acse_aare re;
    memset(&re, 0, sizeof re);
    drop(a);
    a->logged = 0;
    unsigned client =
        sap == MFW_DLMS_SAP_MANAGEMENT ? MFW_COSEM_CLIENT_MANAGEMENT : MFW_COSEM_CLIENT_PUBLIC;
    int rc = mfw_acse_parse_aarq(apdu, len, &rq);
    bool lls =
        rc == MFW_OK && kc->lls_enabled && rq.authentication && rq.mechanism == MFW_ACSE_MECH_LLS;
    /* the management client: HLS-GMAC, or LLS where the meter enables it */
    const struct mfw_acse_client clients[2] = {
        {MFW_DLMS_SAP_PUBLIC, MFW_ACSE_MECH_LOWEST, {NULL, 0}, CONF_PUBLIC},
        {MFW_DLMS_SAP_MANAGEMENT,
         lls ? MFW_ACSE_MECH_LLS : MFW_ACSE_MECH_HLS_GMAC,
         {kc->lls, kc->lls_len},
         lls ? CONF_MANAGEMENT : CONF_MANAGEMENT_HLS},
    };
    bool hls = rc == MFW_OK && sap == MFW_DLMS_SAP_MANAGEMENT && !lls;
    /* the ciphered context only for HLS with keys; plain HLS only with policy "none" */
    const struct mfw_acse_policy pol = {clients, 2, s->max_pdu, hls};
    uint8_t sc = 0;
    uint8_t ui[64];
    if (sap == MFW_DLMS_SAP_MANAGEMENT && locked_out(s, client)) {
        /* refused without looking further: a lock-out (rejected-transient: try later) */
        s->stats.locked_out++;
        reject(&re, MFW_ACSE_RESULT_REJECTED_TRANSIENT, MFW_ACSE_DIAG_NO_REASON_GIVEN);
        rc = MFW_E_STATE;
    } else if (rc != MFW_OK) {
        reject(&re, MFW_ACSE_RESULT_REJECTED_PERMANENT, MFW_ACSE_DIAG_NO_REASON_GIVEN);
    } else if (hls && rq.context == MFW_ACSE_CTX_LN_CIPHERED && rq.authentication &&
               rq.mechanism == MFW_ACSE_MECH_HLS_GMAC && rq.user_info_kind == MFW_ACSE_UI_GLO) {
        static const uint8_t none[MFW_SECURITY_TITLE_LEN];
        if (!rq.has_calling_ap_title) { /* the IV of the initiate needs the client's title */
            reject(&re, MFW_ACSE_RESULT_REJECTED_PERMANENT,
                   MFW_ACSE_DIAG_CALLING_AP_TITLE_NOT_RECOGNIZED);
            rc = MFW_E_STATE;
        } else if (memcmp(kc->client_title, none, sizeof none) != 0 &&
                   !mfw_ct_equal(kc->client_title, rq.calling_ap_title, sizeof none)) {
            /* a head-end title is provisioned (Security setup attribute 4): only it may
             * associate; another is an authentication failure of the calling party */
            reject(&re, MFW_ACSE_RESULT_REJECTED_PERMANENT,
                   MFW_ACSE_DIAG_CALLING_AP_TITLE_NOT_RECOGNIZED);
            event(s, a, MFW_EVENT_AUTH_FAILURE);
            failed(s, client);
            rc = MFW_E_STATE;
        } else if ((rc = aarq_initiate(s, a, &rq, &re, &sc)) != MFW_OK && rc != MFW_E_STATE) {
            failed(s, client); /* (MFW_E_STATE: the meter has no keys, not the client's fault) */
        }
    } else if (hls && rq.authentication && rq.mechanism == MFW_ACSE_MECH_HLS_GMAC &&
               kc->policy != MFW_SECURITY_POLICY_NONE &&
               (rq.context == MFW_ACSE_CTX_LN || rq.user_info_kind != MFW_ACSE_UI_GLO)) {
        /* the policy asks for ciphering: neither the plain LN context nor a plain initiate */
        reject(&re, MFW_ACSE_RESULT_REJECTED_PERMANENT,
               MFW_ACSE_DIAG_APPLICATION_CONTEXT_NAME_NOT_SUPPORTED);
        rc = MFW_E_STATE;
    }
    if (rc == MFW_OK) {
        rc = mfw_acse_accept(&rq, sap, &pol, &re);
        if (rc != MFW_OK) /* a ciphered initiate where none can be deciphered */
            reject(&re, MFW_ACSE_RESULT_REJECTED_PERMANENT, MFW_ACSE_DIAG_NO_REASON_GIVEN);
        else if (re.result != MFW_ACSE_RESULT_ACCEPTED && sap == MFW_DLMS_SAP_MANAGEMENT &&
                 re.diag == MFW_ACSE_DIAG_AUTHENTICATION_FAILURE) {
            event(s, a, MFW_EVENT_AUTH_FAILURE); /* a wrong password or challenge */
            failed(s, client);
        }
    }
    if (rc == MFW_OK && re.result == MFW_ACSE_RESULT_ACCEPTED && hls) {
        if (crypto_of(s) == NULL || mfw_meter_security_key(m, MFW_KEYS_UNICAST) == NULL ||
            mfw_meter_security_key(m, MFW_KEYS_AUTHENTICATION) == NULL) {
            reject(&re, MFW_ACSE_RESULT_REJECTED_PERMANENT,
                   MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED);
        } else if (aare_hls(s, a, &rq, &re, sc, rq.user_info_kind == MFW_ACSE_UI_GLO, ui,
                            sizeof ui) != MFW_OK) {
            /* (a plain initiate, with policy "none": a plain InitiateResponse) */
            reject(&re, MFW_ACSE_RESULT_REJECTED_PERMANENT, MFW_ACSE_DIAG_NO_REASON_GIVEN);
        }
    }
    if (mfw_acse_build_aare(&re, w) != MFW_OK) {
        drop(a);
        return 0;
    }
    if (re.result == MFW_ACSE_RESULT_ACCEPTED) {
        a->ses.client =
            sap == MFW_DLMS_SAP_MANAGEMENT ? MFW_COSEM_CLIENT_MANAGEMENT : MFW_COSEM_CLIENT_PUBLIC;
        a->ses.client_sap = sap;
        a->ses.mechanism = re.client_mechanism;
        a->ses.context = re.context;
        a->ses.conformance = re.initiate.conformance;
        a->ses.dlms_version = MFW_ACSE_DLMS_VERSION;
        a->ses.client_max_pdu = rq.has_initiate ? rq.initiate.client_max_pdu : 0;
        a->ses.server_max_pdu = s->max_pdu;
        a->max_send =
            re.max_send_pdu != 0 && re.max_send_pdu < s->max_pdu ? re.max_send_pdu : s->max_pdu;
        if (hls) {
            a->pending = true;
            a->ciphered = re.context == MFW_ACSE_CTX_LN_CIPHERED;
            a->ses.status = 1;
            a->ses.hls_reply = hls_reply;
            a->ses.hls_ctx = a;
        } else {
            a->associated = true;
            a->ses.status = 2;
            if (lls)
                succeeded(s, client);
        }
    } else {
        drop(a);
    }
    return w->len;
}

/* Pass 3 and 4 (Association LN reply_to_HLS_authentication, cosem_association.c): f(StoC) of
 * the client under its title, then f(CtoS) under the server's with the server's next counter. */
static int hls_reply(void *ctx, const uint8_t *f, size_t n, uint8_t out[17])
{
    struct mfw_dlms_assoc *a = ctx;
    struct mfw_dlms_server *s = a->server;
    struct mfw_meter *m = meter_of(s);
    struct keyset ks;
    int rc = MFW_E_AUTH;
    if (a->pending && keys_of(s, false, &ks)) {
        rc = mfw_security_hls_check(crypto_of(s), &ks.k, a->client_title, a->stoc, a->stoc_len, f,
                                    n);
        uint32_t ic = 0;
        if (rc == MFW_OK)
            rc = mfw_meter_security_ic_next(m, &ic);
        if (rc == MFW_OK)
            rc = mfw_security_hls_f(crypto_of(s), &ks.k, m->keys.config.server_title, ic, a->ctos,
                                    a->ctos_len, out);
        keys_wipe(&ks);
    }
    if (rc != MFW_OK) {
        /* a wrong f(StoC), or pass 3 on an association not waiting for it: the answer goes out,
         * then the association */
        event(s, a, MFW_EVENT_AUTH_FAILURE);
        failed(s, MFW_COSEM_CLIENT_MANAGEMENT);
        a->drop = true;
        return MFW_E_AUTH;
    }
    a->pending = false;
    a->associated = true;
    a->ses.status = 2;
    succeeded(s, MFW_COSEM_CLIENT_MANAGEMENT);
    mfw_ct_wipe(a->stoc, sizeof a->stoc);
    return MFW_OK;
}

/* RLRQ: a ciphered association's RLRQ carries a glo-initiate-request (w_gmac_clock.txt), answered
 * with a glo-initiate-response in the RLRE; the association goes in any case. */
static size_t on_rlrq(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, uint8_t sap,
                      const uint8_t *apdu, size_t len, struct mfw_wcursor *w)
{
    struct mfw_meter *m = meter_of(s);
    struct mfw_acse_rlrq rq;
    struct mfw_acse_rlre re;
    memset(&re, 0, sizeof re);
    if (mfw_acse_parse_rlrq(apdu, len, &rq) != MFW_OK)
        return 0;
    re.has_reason = true;
    re.reason = MFW_ACSE_RELEASE_NORMAL;
    re.user_info_kind = MFW_ACSE_AARE_UI_NONE;
    uint8_t ui[64];
    struct keyset ks;
    if (a->associated && a->ciphered && a->ses.client_sap == sap &&
        rq.user_info_kind == MFW_ACSE_UI_GLO && keys_of(s, false, &ks)) {
        struct mfw_security_apdu sa;
        size_t n = 0;
        uint32_t ic = 0;
        int rc = mfw_security_parse_content(rq.ciphered.p, rq.ciphered.len, &sa);
        if (rc == MFW_OK && mfw_meter_security_ic_check(m, MFW_KEYS_CTX_UNICAST, sa.ic) != MFW_OK) {
            event(s, a, MFW_EVENT_REPLAY_ATTACK);
            rc = MFW_E_RANGE;
        } else if (rc == MFW_OK) {
            rc = mfw_security_decipher(crypto_of(s), &ks.k, a->client_title, &sa, s->plain,
                                       sizeof s->plain, &n);
            mfw_ct_wipe(s->plain, n);
            if (rc != MFW_OK)
                event(s, a, MFW_EVENT_DECRYPT_FAILURE);
            else
                rc = mfw_meter_security_ic_accept(m, MFW_KEYS_CTX_UNICAST, sa.ic);
        }
        if (rc == MFW_OK)
            rc = mfw_meter_security_ic_next(m, &ic);
        if (rc == MFW_OK) {
            struct mfw_acse_initiate_resp ir = {false,
                                                0,
                                                MFW_ACSE_DLMS_VERSION,
                                                a->ses.conformance,
                                                s->max_pdu,
                                                MFW_ACSE_VAA_NAME_LN};
            uint8_t plain[32];
            struct mfw_wcursor p, u;
            mfw_wcursor_init(&p, plain, sizeof plain);
            mfw_wcursor_init(&u, ui, sizeof ui);
            uint8_t rsc = mfw_security_sc_for(m->keys.config.policy, sa.sc, false);
            rc = mfw_acse_build_initiate_response(&ir, &p);
            mfw_wcursor_u8(&u, MFW_SECURITY_GLO_INITIATE_RESPONSE);
            mfw_axdr_put_length(&u, mfw_security_overhead(0, rsc, p.len) + p.len);
            if (rc == MFW_OK)
                rc = mfw_security_cipher(crypto_of(s), &ks.k, 0, m->keys.config.server_title, rsc,
                                         ic, plain, p.len, &u);
            if (rc == MFW_OK) {
                re.user_info_kind = MFW_ACSE_AARE_UI_RAW;
                re.user_info_raw.p = ui;
                re.user_info_raw.len = u.len;
            }
        }
        keys_wipe(&ks);
    }
    drop(a);
    if (mfw_acse_build_rlre(&re, w) != MFW_OK)
        return 0;
    return w->len;
}

/* ---- GET ---- */

/* Copies the next bytes of the open GET into buf[cap]: the pending item first, then the header,
 * then item after item. *done when everything is out. MFW_OK or an error (an item that does not
 * fit MFW_COSEM_ITEM_MAX, a store failure). */
static int fill(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, uint8_t *buf, size_t cap,
                size_t *n, bool *done)
{
    struct mfw_cosem_ctx c = ctx_of(s, a);
    *n = 0;
    *done = false;
    if (a->get_list) {
        size_t k = a->list_len - a->list_off;
        if (k > cap)
            k = cap;
        memcpy(buf, a->list_buf + a->list_off, k);
        a->list_off += k;
        *n = k;
        *done = a->list_off == a->list_len;
        return MFW_OK;
    }
    for (;;) {
        if (a->pend_off < a->pend_len) {
            if (*n == cap)
                return MFW_OK;
            size_t k = a->pend_len - a->pend_off;
            if (k > cap - *n)
                k = cap - *n;
            memcpy(buf + *n, a->pend + a->pend_off, k);
            a->pend_off += k;
            *n += k;
            continue;
        }
        struct mfw_wcursor w;
        mfw_wcursor_init(&w, a->pend, sizeof a->pend);
        if (!a->hdr_done) {
            mfw_cosem_get_header(&c, &a->st, &w);
            a->hdr_done = true;
        } else if (a->next_item < a->st.items) {
            int r = mfw_cosem_get_item(&c, &a->st, a->next_item, &w);
            a->next_item++;
            if (r != MFW_DAR_SUCCESS)
                return MFW_E_IO;
        } else {
            *done = true;
            return MFW_OK;
        }
        if (w.err != 0)
            return MFW_E_NOSPACE;
        a->pend_len = w.len;
        a->pend_off = 0;
    }
}

/* Sends the next block (or, for the first one, a normal response when everything fits). */
static size_t send_get(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, bool first,
                       uint8_t *out, size_t cap)
{
    size_t room = (a->max_send < cap ? a->max_send : cap);
    if (room <= BLOCK_HDR_MAX + 1) { /* a client PDU too small for any block */
        struct mfw_wcursor e;
        mfw_wcursor_init(&e, out, cap);
        a->get_active = false;
        mfw_xdlms_put_get_normal_dar(&e, a->get_invoke, MFW_DAR_OTHER_REASON);
        return e.err == 0 ? e.len : 0;
    }
    size_t n;
    bool done;
    uint8_t *data = out + BLOCK_HDR_MAX;
    int rc = fill(s, a, data, room - BLOCK_HDR_MAX, &n, &done);
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    if (rc != MFW_OK) {
        a->get_active = false;
        if (first) {
            mfw_xdlms_put_get_normal_dar(&w, a->get_invoke, MFW_DAR_OTHER_REASON);
        } else {
            mfw_xdlms_put_get_block_dar(&w, a->get_invoke, a->get_block + 1,
                                        MFW_DAR_LONG_GET_ABORTED);
        }
        return w.len;
    }
    if (first && done) {
        if (a->get_list) {
            mfw_wcursor_u8(&w, MFW_XDLMS_GET_RESPONSE);
            mfw_wcursor_u8(&w, MFW_XDLMS_GET_WITH_LIST);
            mfw_wcursor_u8(&w, a->get_invoke);
        } else {
            mfw_xdlms_put_get_normal_data_begin(&w, a->get_invoke);
        }
        memmove(out + w.len, data, n);
        a->get_active = false;
        return w.len + n;
    }
    a->get_block++;
    size_t hdr = mfw_xdlms_get_block_overhead(n);
    mfw_xdlms_put_get_block_begin(&w, a->get_invoke, done, a->get_block, n);
    if (w.len != hdr)
        return 0;
    memmove(out + hdr, data, n);
    a->get_active = !done;
    return hdr + n;
}

static size_t on_get(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, const uint8_t *apdu,
                     size_t len, uint8_t *out, size_t cap)
{
    struct mfw_xdlms_get_req rq;
    memset(&rq, 0, sizeof rq); /* not a static const zero: that is as big again in flash */
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    if (mfw_xdlms_parse_get(apdu, len, &rq) != MFW_OK) {
        mfw_xdlms_put_confirmed_error(&w, 5, 0);
        return w.len;
    }
    struct mfw_cosem_ctx c = ctx_of(s, a);
    if (rq.kind == MFW_XDLMS_GET_NEXT) {
        if (!a->get_active) {
            mfw_xdlms_put_get_block_dar(&w, rq.invoke, rq.block, MFW_DAR_NO_LONG_GET_IN_PROGRESS);
            return w.len;
        }
        if (rq.block != a->get_block) {
            a->get_active = false;
            mfw_xdlms_put_get_block_dar(&w, rq.invoke, rq.block, MFW_DAR_LONG_GET_ABORTED);
            return w.len;
        }
        a->get_invoke = rq.invoke;
        return send_get(s, a, false, out, cap);
    }
    /* a new GET abandons a long GET in progress */
    reset_blocks(a);
    a->get_invoke = rq.invoke;
    a->get_block = 0;
    if (rq.kind == MFW_XDLMS_GET_NORMAL) {
        int dar = mfw_cosem_get_open(&c, &rq.ref[0], &a->st);
        if (dar != MFW_DAR_SUCCESS) {
            mfw_xdlms_put_get_normal_dar(&w, rq.invoke, (uint8_t)dar);
            return w.len;
        }
        a->hdr_done = false;
        a->next_item = 0;
        a->get_active = true;
        return send_get(s, a, true, out, cap);
    }
    /* with-list: every result built whole into list_buf */
    struct mfw_wcursor lw;
    mfw_wcursor_init(&lw, a->list_buf, sizeof a->list_buf);
    mfw_axdr_put_length(&lw, rq.n);
    for (unsigned i = 0; i < rq.n; i++) {
        struct mfw_cosem_stream st;
        size_t mark = lw.len;
        int dar = mfw_cosem_get_open(&c, &rq.ref[i], &st);
        if (dar == MFW_DAR_SUCCESS) {
            mfw_wcursor_u8(&lw, 0);
            mfw_cosem_get_header(&c, &st, &lw);
            for (uint32_t k = 0; k < st.items && lw.err == 0 && dar == MFW_DAR_SUCCESS; k++)
                dar = mfw_cosem_get_item(&c, &st, k, &lw);
            if (lw.err != 0 || dar != MFW_DAR_SUCCESS) {
                lw.err = 0;
                lw.len = mark;
                dar = MFW_DAR_OTHER_REASON; /* too large for a list answer */
            }
        }
        if (dar != MFW_DAR_SUCCESS) {
            mfw_wcursor_u8(&lw, 1);
            mfw_wcursor_u8(&lw, (uint8_t)dar);
        }
    }
    if (lw.err != 0) {
        mfw_xdlms_put_confirmed_error(&w, 5, 1); /* pdu-size */
        return w.len;
    }
    a->list_len = lw.len;
    a->list_off = 0;
    a->get_list = true;
    a->get_active = true;
    return send_get(s, a, true, out, cap);
}

/* ---- SET ---- */

static size_t on_set(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, const uint8_t *apdu,
                     size_t len, uint8_t *out, size_t cap)
{
    struct mfw_xdlms_set_req rq;
    memset(&rq, 0, sizeof rq);
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    if (mfw_xdlms_parse_set(apdu, len, &rq) != MFW_OK) {
        mfw_xdlms_put_confirmed_error(&w, 6, 0);
        return w.len;
    }
    struct mfw_cosem_ctx c = ctx_of(s, a);
    a->act_active = false; /* a SET abandons an ACTION with blocks (they share set_buf) */
    switch (rq.kind) {
    case MFW_XDLMS_SET_NORMAL:
        a->set_active = false;
        mfw_xdlms_put_set_normal(
            &w, rq.invoke, (uint8_t)mfw_cosem_set(&c, &rq.ref[0], rq.value[0].p, rq.value[0].len));
        return w.len;
    case MFW_XDLMS_SET_WITH_LIST: {
        uint8_t res[MFW_XDLMS_LIST_MAX];
        a->set_active = false;
        for (unsigned i = 0; i < rq.n; i++)
            res[i] = (uint8_t)mfw_cosem_set(&c, &rq.ref[i], rq.value[i].p, rq.value[i].len);
        mfw_xdlms_put_set_list(&w, rq.invoke, res, rq.n);
        return w.len;
    }
    case MFW_XDLMS_SET_FIRST_BLOCK:
    case MFW_XDLMS_SET_BLOCK: {
        bool firstb = rq.kind == MFW_XDLMS_SET_FIRST_BLOCK;
        if (firstb) {
            a->set_active = false;
            if (rq.block != 1 || rq.ref[0].has_selection) {
                mfw_xdlms_put_set_last_block(&w, rq.invoke, MFW_DAR_OTHER_REASON, rq.block);
                return w.len;
            }
            a->set_ref = rq.ref[0];
            a->set_ref.params.p = NULL;
            a->set_ref.params.len = 0;
            a->set_len = 0;
            a->set_block = 0;
            a->set_active = true;
        }
        if (!a->set_active) {
            mfw_xdlms_put_set_last_block(&w, rq.invoke, MFW_DAR_NO_LONG_SET_IN_PROGRESS, rq.block);
            return w.len;
        }
        if (rq.block != a->set_block + 1 || rq.raw.len > sizeof a->set_buf - a->set_len) {
            a->set_active = false;
            mfw_xdlms_put_set_last_block(&w, rq.invoke, MFW_DAR_LONG_SET_ABORTED, rq.block);
            return w.len;
        }
        memcpy(a->set_buf + a->set_len, rq.raw.p, rq.raw.len);
        a->set_len += rq.raw.len;
        a->set_block = rq.block;
        if (!rq.last_block) {
            mfw_xdlms_put_set_block_ack(&w, rq.invoke, rq.block);
            return w.len;
        }
        a->set_active = false;
        mfw_xdlms_put_set_last_block(
            &w, rq.invoke, (uint8_t)mfw_cosem_set(&c, &a->set_ref, a->set_buf, a->set_len),
            rq.block);
        return w.len;
    }
    default: mfw_xdlms_put_confirmed_error(&w, 6, 2); return w.len;
    }
}

/* ---- ACTION ---- */

static size_t on_action(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, const uint8_t *apdu,
                        size_t len, uint8_t *out, size_t cap)
{
    struct mfw_xdlms_action_req rq;
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    if (mfw_xdlms_parse_action(apdu, len, &rq) != MFW_OK) {
        mfw_xdlms_put_confirmed_error(&w, 6, 0);
        return w.len;
    }
    struct mfw_cosem_ctx c = ctx_of(s, a);
    a->set_active = false; /* an ACTION abandons a SET with blocks (they share set_buf) */
    const struct mfw_cosem_ref *ref = &rq.ref;
    const uint8_t *params = rq.has_params ? rq.params.p : NULL;
    size_t plen = rq.params.len;
    if (rq.kind == MFW_XDLMS_ACTION_NORMAL) {
        a->act_active = false;
    } else {
        /* Parameters in blocks (Green Book 9.3, Action-Request-With-First-Pblock / -With-Pblock
         * [M]): each block but the last is acknowledged with Action-Response-Next-Pblock; the
         * method runs on the last, answered Action-Response-Normal. Results: long-action-aborted
         * (15) for a block out of sequence or parameters beyond MFW_DLMS_SERVER_SET_BUF,
         * no-long-action-in-progress (16) for a block with no transfer. */
        if (!(a->ses.conformance & MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_ACTION)) {
            a->act_active = false;
            mfw_xdlms_put_exception(&w, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                                    MFW_XDLMS_SERVICE_NOT_SUPPORTED);
            return w.len;
        }
        if (rq.kind == MFW_XDLMS_ACTION_WITH_FIRST_PBLOCK) {
            a->act_active = false;
            if (rq.block != 1) {
                mfw_xdlms_put_action_normal(&w, rq.invoke, MFW_DAR_OTHER_REASON, false);
                return w.len;
            }
            a->act_ref = rq.ref;
            a->set_len = 0;
            a->act_block = 0;
            a->act_active = true;
        }
        if (!a->act_active) {
            mfw_xdlms_put_action_normal(&w, rq.invoke, MFW_DAR_NO_LONG_GET_IN_PROGRESS, false);
            return w.len;
        }
        if (rq.block != a->act_block + 1 || rq.raw.len > sizeof a->set_buf - a->set_len) {
            a->act_active = false;
            mfw_xdlms_put_action_normal(&w, rq.invoke, MFW_DAR_LONG_GET_ABORTED, false);
            return w.len;
        }
        if (rq.raw.len > 0)
            memcpy(a->set_buf + a->set_len, rq.raw.p, rq.raw.len);
        a->set_len += rq.raw.len;
        a->act_block = rq.block;
        if (!rq.last_block) {
            mfw_xdlms_put_action_next_pblock(&w, rq.invoke, rq.block);
            return w.len;
        }
        a->act_active = false;
        ref = &a->act_ref;
        params = a->set_len > 0 ? a->set_buf : NULL;
        plen = a->set_len;
        if (params != NULL) { /* the parameters must be exactly one Data */
            struct mfw_rcursor pc;
            mfw_rcursor_init(&pc, params, plen);
            if (mfw_axdr_skip(&pc, MFW_AXDR_DEPTH_DEFAULT) != MFW_OK ||
                mfw_rcursor_left(&pc) != 0) {
                mfw_xdlms_put_action_normal(&w, rq.invoke, MFW_DAR_TYPE_UNMATCHED, false);
                return w.len;
            }
        }
    }
    uint8_t ret[64];
    struct mfw_wcursor rw;
    mfw_wcursor_init(&rw, ret, sizeof ret);
    bool has_ret = false;
    int r = mfw_cosem_action(&c, ref, params, plen, &rw, &has_ret);
    has_ret = has_ret && rw.err == 0;
    mfw_xdlms_put_action_normal(&w, rq.invoke, (uint8_t)r, has_ret);
    if (has_ret)
        mfw_wcursor_bytes(&w, ret, rw.len);
    return w.len;
}

/* ---- dispatch ---- */

/* A plaintext GET, SET or ACTION of association a (deciphered or not): the answer in out[cap]. */
static size_t service(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, const uint8_t *apdu,
                      size_t len, uint8_t *out, size_t cap)
{
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    uint8_t tag = apdu[0];
    uint32_t need = tag == MFW_XDLMS_GET_REQUEST   ? MFW_ACSE_CONF_GET
                    : tag == MFW_XDLMS_SET_REQUEST ? MFW_ACSE_CONF_SET
                                                   : MFW_ACSE_CONF_ACTION;
    if (!(a->ses.conformance & need)) {
        mfw_xdlms_put_exception(&w, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                                MFW_XDLMS_SERVICE_NOT_SUPPORTED);
        return w.len;
    }
    if (tag == MFW_XDLMS_GET_REQUEST)
        return on_get(s, a, apdu, len, out, cap);
    if (tag == MFW_XDLMS_SET_REQUEST)
        return on_set(s, a, apdu, len, out, cap);
    return on_action(s, a, apdu, len, out, cap);
}

static bool is_service(uint8_t tag)
{
    return tag == MFW_XDLMS_GET_REQUEST || tag == MFW_XDLMS_SET_REQUEST ||
           tag == MFW_XDLMS_ACTION_REQUEST;
}

/* While HLS is pending the only service is pass 3: ACTION-Request-Normal on Association LN
 * 0.0.40.0.0.255 method 1 (Green Book 9.2.7.4 [M]). */
static bool is_pass_3(const uint8_t *p, size_t n)
{
    static const uint8_t head[] = {MFW_XDLMS_ACTION_REQUEST, MFW_XDLMS_ACTION_NORMAL};
    static const uint8_t ref[] = {0x00, MFW_IC_ASSOCIATION_LN, 0, 0, 40, 0, 0, 255, 1};
    return n >= 3 + sizeof ref && memcmp(p, head, 2) == 0 && memcmp(p + 3, ref, sizeof ref) == 0;
}

static size_t exception(uint8_t *out, size_t cap, uint8_t state, uint8_t service_error)
{
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    mfw_xdlms_put_exception(&w, state, service_error);
    return w.err == 0 ? w.len : 0;
}

/* A ciphered APDU (glo- or general-glo-ciphering) of association a: checked (form, title, key
 * set, policy, counter), deciphered, served, and the answer ciphered in the request's form. A
 * deciphering failure or a replay gets an exception-response in clear (service-error 5, or 6
 * with the counter expected next) and is logged. */
static size_t ciphered(struct mfw_dlms_server *s, struct mfw_dlms_assoc *a, uint8_t sap,
                       const uint8_t *apdu, size_t len, uint8_t *out, size_t cap)
{
    struct mfw_meter *m = meter_of(s);
    if (!(a->associated || a->pending) || a->ses.client_sap != sap)
        return exception(out, cap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                         MFW_XDLMS_SERVICE_OPERATION_NOT_POSSIBLE);
    if (!a->ciphered)
        return exception(out, cap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                         MFW_XDLMS_SERVICE_NOT_SUPPORTED);
    s->stats.ciphered_in++;
    struct mfw_security_apdu sa;
    int rc = mfw_security_parse(apdu, len, &sa);
    /* the title of a general-glo request is its sender's: it must be this association's; the
     * unicast key set only; at least the policy's protection */
    if (rc == MFW_OK &&
        ((sa.has_title && !mfw_ct_equal(sa.title, a->client_title, MFW_SECURITY_TITLE_LEN)) ||
         (sa.sc & MFW_SECURITY_SC_BROADCAST) ||
         !mfw_security_meets_policy(sa.sc, m->keys.config.policy)))
        rc = MFW_E_RANGE;
    if (rc != MFW_OK) {
        event(s, a, MFW_EVENT_DECRYPT_FAILURE);
        return exception(out, cap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                         MFW_XDLMS_SERVICE_DECIPHERING_ERROR);
    }
    if (mfw_meter_security_ic_check(m, MFW_KEYS_CTX_UNICAST, sa.ic) != MFW_OK) {
        event(s, a, MFW_EVENT_REPLAY_ATTACK);
        size_t n = exception(out, cap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                             MFW_XDLMS_SERVICE_INVOCATION_COUNTER_ERROR);
        struct mfw_wcursor w;
        mfw_wcursor_init(&w, out + n, cap - n);
        uint32_t last = m->keys.counters.last[MFW_KEYS_CTX_UNICAST];
        mfw_wcursor_u32be(&w, last == UINT32_MAX ? last : last + 1u);
        return w.err == 0 ? n + w.len : 0;
    }
    struct keyset ks;
    size_t pn = 0;
    if (!keys_of(s, false, &ks))
        return exception(out, cap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                         MFW_XDLMS_SERVICE_OPERATION_NOT_POSSIBLE);
    const struct mfw_crypto_port *c = crypto_of(s);
    rc = mfw_security_decipher(c, &ks.k, a->client_title, &sa, s->plain, sizeof s->plain, &pn);
    if (rc != MFW_OK) {
        keys_wipe(&ks);
        if (rc == MFW_E_NOSPACE)
            return exception(out, cap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                             MFW_XDLMS_SERVICE_PDU_TOO_LONG);
        event(s, a, MFW_EVENT_DECRYPT_FAILURE);
        return exception(out, cap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                         MFW_XDLMS_SERVICE_DECIPHERING_ERROR);
    }
    size_t n = 0;
    if (mfw_meter_security_ic_accept(m, MFW_KEYS_CTX_UNICAST, sa.ic) != MFW_OK) {
        /* the floor could not be stored: the request is not taken */
        n = exception(out, cap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                      MFW_XDLMS_SERVICE_OTHER_REASON);
        goto done;
    }
    bool general = sa.tag == MFW_SECURITY_GENERAL_GLO;
    bool kind_ok = pn > 0 && (general ? is_service(s->plain[0])
                                      : s->plain[0] == mfw_security_plain_tag(sa.tag) &&
                                            is_service(s->plain[0]));
    /* the plaintext answer goes behind room for the ciphering, within the client's PDU */
    size_t room = cap < a->max_send ? cap : a->max_send;
    if (room <= MFW_SECURITY_OVERHEAD_MAX + 16u) {
        n = exception(out, cap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                      MFW_XDLMS_SERVICE_PDU_TOO_LONG);
        goto done;
    }
    uint8_t *resp = out + MFW_SECURITY_OVERHEAD_MAX;
    size_t rcap = room - MFW_SECURITY_OVERHEAD_MAX;
    size_t rn;
    if (!kind_ok)
        rn =
            exception(resp, rcap, MFW_XDLMS_STATE_SERVICE_UNKNOWN, MFW_XDLMS_SERVICE_NOT_SUPPORTED);
    else if (a->pending && !is_pass_3(s->plain, pn))
        rn = exception(resp, rcap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                       MFW_XDLMS_SERVICE_OPERATION_NOT_POSSIBLE);
    else
        rn = service(s, a, s->plain, pn, resp, rcap);
    if (rn == 0)
        goto done;
    /* the answer in kind: general-glo for general-glo, the glo- tag of the response otherwise
     * (an exception-response has none: it goes in clear) */
    uint8_t rtag = general ? MFW_SECURITY_GENERAL_GLO : mfw_security_glo_tag(resp[0]);
    uint32_t ic = 0;
    if (rtag == 0 || mfw_meter_security_ic_next(m, &ic) != MFW_OK) {
        if (rtag != 0)
            rn = exception(resp, rcap, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                           MFW_XDLMS_SERVICE_OTHER_REASON);
        memmove(out, resp, rn);
        n = rn;
        goto done;
    }
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, room);
    rc = mfw_security_cipher(c, &ks.k, rtag, m->keys.config.server_title,
                             mfw_security_sc_for(m->keys.config.policy, sa.sc, false), ic, resp, rn,
                             &w);
    n = rc == MFW_OK ? w.len : 0;
    if (rc == MFW_OK)
        s->stats.ciphered_out++;
done:
    mfw_ct_wipe(s->plain, pn);
    keys_wipe(&ks);
    if (a->drop)
        drop(a);
    return n;
}

/* A rate limit for the pre-established client's events: it has no association attempt to count
 * them by, so at most one of each kind a minute of the meter's RTC. */
static void pre_event(struct mfw_dlms_server *s, unsigned k, uint16_t code)
{
    mfw_ms_t now = rtc_now(s);
    if (code == MFW_EVENT_DECRYPT_FAILURE)
        s->stats.decipher_failures++;
    else
        s->stats.replays++;
    if (s->pre_logged[k] != INT64_MIN && now - s->pre_logged[k] < 60000)
        return;
    s->pre_logged[k] = now;
    (void)mfw_meter_security_event(meter_of(s), code);
}

/* The pre-established client (SAP 102): no association exchange, the broadcast key, unconfirmed
 * SET and ACTION only (IDIS; MCS301 manual p.129 [M]), never an answer. The request must be
 * ciphered with at least authentication whatever the policy. Its title: general-glo-ciphering
 * carries it, else the client title of Security setup (the head-end's). */
static void pre_established(struct mfw_dlms_server *s, const uint8_t *apdu, size_t len)
{
    struct mfw_meter *m = meter_of(s);
    struct mfw_security_apdu sa;
    struct keyset ks;
    if (!mfw_security_is_ciphered(apdu[0]) || !keys_of(s, true, &ks))
        return;
    int rc = mfw_security_parse(apdu, len, &sa);
    if (rc == MFW_OK &&
        (!(sa.sc & MFW_SECURITY_SC_BROADCAST) || !(sa.sc & MFW_SECURITY_SC_AUTHENTICATION) ||
         !mfw_security_meets_policy(sa.sc, m->keys.config.policy)))
        rc = MFW_E_RANGE;
    size_t pn = 0;
    if (rc != MFW_OK) {
        pre_event(s, 1, MFW_EVENT_DECRYPT_FAILURE);
    } else if (mfw_meter_security_ic_check(m, MFW_KEYS_CTX_BROADCAST, sa.ic) != MFW_OK) {
        pre_event(s, 2, MFW_EVENT_REPLAY_ATTACK);
    } else {
        const uint8_t *title = sa.has_title ? sa.title : m->keys.config.client_title;
        rc = mfw_security_decipher(crypto_of(s), &ks.k, title, &sa, s->plain, sizeof s->plain, &pn);
        if (rc != MFW_OK)
            pre_event(s, 1, MFW_EVENT_DECRYPT_FAILURE);
        else if (mfw_meter_security_ic_accept(m, MFW_KEYS_CTX_BROADCAST, sa.ic) == MFW_OK &&
                 pn >= 3 &&
                 (sa.tag == MFW_SECURITY_GENERAL_GLO ||
                  s->plain[0] == mfw_security_plain_tag(sa.tag)) &&
                 (s->plain[0] == MFW_XDLMS_SET_REQUEST ||
                  s->plain[0] == MFW_XDLMS_ACTION_REQUEST) &&
                 s->plain[1] == 1 /* SET / ACTION normal */ && !(s->plain[2] & INVOKE_CONFIRMED)) {
            /* unconfirmed: served with the pre-established client's rights, nothing answered */
            struct mfw_cosem_ctx c = {s->cosem, &s->pre};
            struct mfw_xdlms_set_req sr;
            struct mfw_xdlms_action_req ar;
            if (s->plain[0] == MFW_XDLMS_SET_REQUEST &&
                mfw_xdlms_parse_set(s->plain, pn, &sr) == MFW_OK) {
                (void)mfw_cosem_set(&c, &sr.ref[0], sr.value[0].p, sr.value[0].len);
                s->stats.pre_established++;
            } else if (s->plain[0] == MFW_XDLMS_ACTION_REQUEST &&
                       mfw_xdlms_parse_action(s->plain, pn, &ar) == MFW_OK) {
                uint8_t ret[64];
                struct mfw_wcursor rw;
                mfw_wcursor_init(&rw, ret, sizeof ret);
                bool has_ret = false;
                (void)mfw_cosem_action(&c, &ar.ref, ar.has_params ? ar.params.p : NULL,
                                       ar.params.len, &rw, &has_ret);
                s->stats.pre_established++;
            }
        }
    }
    mfw_ct_wipe(s->plain, pn);
    keys_wipe(&ks);
}

size_t mfw_dlms_server_apdu(struct mfw_dlms_server *s, unsigned conn, uint8_t client_sap,
                            const uint8_t *apdu, size_t len, uint8_t *out, size_t cap)
{
    if (s == NULL || apdu == NULL || out == NULL || len == 0 || conn >= MFW_ASSOCIATIONS_MAX)
        return 0;
    struct mfw_dlms_assoc *a = &s->a[conn];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    uint8_t tag = apdu[0];
    if (client_sap == MFW_DLMS_SAP_PRE_ESTABLISHED) {
        pre_established(s, apdu, len);
        return 0;
    }
    if (tag == MFW_ACSE_TAG_AARQ)
        return on_aarq(s, a, client_sap, apdu, len, &w);
    if (tag == MFW_ACSE_TAG_RLRQ)
        return on_rlrq(s, a, client_sap, apdu, len, &w);
    if (tag == MFW_SECURITY_GLO_GET_REQUEST || tag == MFW_SECURITY_GLO_SET_REQUEST ||
        tag == MFW_SECURITY_GLO_ACTION_REQUEST || tag == MFW_SECURITY_GENERAL_GLO)
        return ciphered(s, a, client_sap, apdu, len, out, cap);
    if (!is_service(tag)) {
        mfw_xdlms_put_exception(&w, MFW_XDLMS_STATE_SERVICE_UNKNOWN,
                                MFW_XDLMS_SERVICE_NOT_SUPPORTED);
        return w.len;
    }
    /* Green Book: no xDLMS service before the association is established (but pass 3 of an
     * HLS association in the plain context); in a ciphered association with a policy, none in
     * clear */
    bool plain_pass_3 = a->pending && !a->ciphered && is_pass_3(apdu, len);
    if ((!a->associated && !plain_pass_3) || a->ses.client_sap != client_sap ||
        (a->ciphered && meter_of(s)->keys.config.policy != MFW_SECURITY_POLICY_NONE)) {
        mfw_xdlms_put_exception(&w, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                                MFW_XDLMS_SERVICE_OPERATION_NOT_POSSIBLE);
        return w.len;
    }
    size_t n = service(s, a, apdu, len, out, cap);
    if (a->drop)
        drop(a);
    return n;
}

size_t mfw_dlms_server_cipher_notification(struct mfw_dlms_server *s, const uint8_t *plain,
                                           size_t n, uint8_t *out, size_t cap)
{
    struct keyset ks;
    if (s == NULL || plain == NULL || n == 0 || out == NULL || !keys_of(s, false, &ks))
        return 0;
    struct mfw_meter *m = meter_of(s);
    uint32_t ic = 0;
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    int rc = mfw_meter_security_ic_next(m, &ic);
    if (rc == MFW_OK)
        rc = mfw_security_cipher(
            crypto_of(s), &ks.k, MFW_SECURITY_GENERAL_GLO, m->keys.config.server_title,
            mfw_security_sc_for(m->keys.config.policy, 0, false), ic, plain, n, &w);
    keys_wipe(&ks);
    return rc == MFW_OK ? w.len : 0;
}
