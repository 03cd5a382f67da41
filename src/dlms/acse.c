/* SPDX-License-Identifier: Apache-2.0 */
/* acse: AARQ/AARE/RLRQ/RLRE of DLMS/COSEM (IEC 62056-5-3 / Green Book 9.4 and 9.5).
 *
 * BER (ISO/IEC 8825-1) for the ACSE APDUs, A-XDR (IEC 61334-6) for the xDLMS APDUs in
 * user-information. Every read goes through a bounded rcursor: a BER length is checked against
 * what is left of its enclosing element before anything is looked at. */
#include "meterfw/dlms/acse.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"

/* 2.16.756.5.8 = joint-iso-ccitt(2) country(16) country-name(756) identified-organization(5)
 * DLMS-UA(8), BER: 60 85 74 05 08 (2*40+16 = 96 = 0x60; 756 = 0x85 0x74). Then 1 = application
 * context name, 2 = mechanism name, then the id (Green Book 9.4.2.2.2 and 9.4.2.2.3). */
static const uint8_t dlms_ua_oid[5] = {0x60, 0x85, 0x74, 0x05, 0x08};
#define OID_ARC_CONTEXT 1u
#define OID_ARC_MECHANISM 2u
#define DLMS_OID_LEN 7u

/* Tags of the AARQ/AARE/RLRQ/RLRE components (ACSE-1, context-specific class). */
#define T_PROTOCOL_VERSION 0x80u      /* [0] IMPLICIT BIT STRING */
#define T_APP_CONTEXT 0xA1u           /* [1] EXPLICIT OBJECT IDENTIFIER */
#define T_RESULT 0xA2u                /* AARE [2] EXPLICIT INTEGER */
#define T_RESULT_DIAG 0xA3u           /* AARE [3] EXPLICIT CHOICE */
#define T_CALLING_AP_TITLE 0xA6u      /* AARQ [6]; AARE responding-AP-title is [4] */
#define T_RESPONDING_AP_TITLE 0xA4u   /* AARE [4] */
#define T_CALLING_AE_QUALIFIER 0xA7u  /* AARQ [7] */
#define T_SENDER_ACSE_REQ 0x8Au       /* AARQ [10] IMPLICIT BIT STRING */
#define T_MECHANISM 0x8Bu             /* AARQ [11] IMPLICIT OBJECT IDENTIFIER */
#define T_CALLING_AUTH_VALUE 0xACu    /* AARQ [12] EXPLICIT Authentication-value */
#define T_RESPONDER_ACSE_REQ 0x88u    /* AARE [8] */
#define T_RESP_MECHANISM 0x89u        /* AARE [9] */
#define T_RESPONDING_AUTH_VALUE 0xAAu /* AARE [10] */
#define T_IMPLEMENTATION_INFO 0x9Du   /* [29] IMPLICIT GraphicString */
#define T_USER_INFO 0xBEu             /* [30] EXPLICIT Association-information */
#define T_RELEASE_REASON 0x80u        /* RLRQ/RLRE [0] IMPLICIT INTEGER */
#define T_OCTET_STRING 0x04u
#define T_OBJECT_IDENTIFIER 0x06u
#define T_INTEGER 0x02u
#define T_CONFORMANCE_1 0x5Fu /* [APPLICATION 31]: high-tag-number form 5F 1F */
#define T_CONFORMANCE_2 0x1Fu

/* ---- BER reading ---------------------------------------------------------------------------- */

struct ber_el {
    uint32_t tag; /* the first tag byte; high-tag-number forms carry the number in bits 8.. */
    struct mfw_rcursor v;
};

static void fail(struct mfw_rcursor *c)
{
    c->err = MFW_E_FORMAT;
}

/* X.690 8.1.3: short form, or 0x81..0x84 then that many length bytes; the indefinite form (0x80)
 * is not used by DLMS and is refused. A-XDR lengths (IEC 61334-6 8) have the same shape, so the
 * A-XDR reader does it (and also refuses a length past the end of the input). */
static size_t ber_len(struct mfw_rcursor *c)
{
    size_t n = 0;
    if (mfw_axdr_get_length(c, &n) != MFW_OK) {
        fail(c);
        return 0;
    }
    return n;
}

/* Reads one TLV; the parent advances past the whole element. False (and the cursor's error set)
 * if the tag, the length or the value runs past what is left. */
static bool ber_next(struct mfw_rcursor *c, struct ber_el *e)
{
    uint8_t b = mfw_rcursor_u8(c);
    e->tag = b;
    if ((b & 0x1Fu) == 0x1Fu) { /* X.690 8.1.2.4: tag number in base-128 bytes */
        uint32_t num = 0;
        unsigned i = 0;
        uint8_t x;
        do {
            x = mfw_rcursor_u8(c);
            if (++i > 3) {
                fail(c);
                return false;
            }
            num = num << 7 | (x & 0x7Fu);
        } while ((x & 0x80u) && !c->err);
        e->tag = (uint32_t)b | num << 8;
    }
    size_t n = ber_len(c);
    if (c->err)
        return false;
    e->v = mfw_rcursor_sub(c, n);
    return !c->err;
}

/* An element that must contain exactly one inner TLV of tag `tag`. */
static bool ber_inner(struct ber_el *outer, uint32_t tag, struct ber_el *inner)
{
    if (!ber_next(&outer->v, inner) || inner->tag != tag || mfw_rcursor_left(&outer->v) != 0) {
        fail(&outer->v);
        return false;
    }
    return true;
}

static struct mfw_bytes rest(struct mfw_rcursor *c)
{
    struct mfw_bytes b;
    b.len = mfw_rcursor_left(c);
    b.p = mfw_rcursor_take(c, b.len);
    return b;
}

/* BIT STRING whose first bit is the only one we need (protocol-version version1, sender-acse-
 * requirements authentication): X.690 8.6.2, first byte = unused bits in the last byte. */
static bool bit0(struct ber_el *e, bool *out)
{
    size_t n = mfw_rcursor_left(&e->v);
    uint8_t unused = mfw_rcursor_u8(&e->v);
    if (n == 0 || unused > 7 || (n == 1 && unused != 0))
        return false;
    *out = n >= 2 && (mfw_rcursor_u8(&e->v) & 0x80u);
    return true;
}

/* The id x of 2.16.756.5.8.kind.x, or -1 for any other OID (or an x of more than one byte). */
static int dlms_oid_arc(const struct mfw_bytes *oid, unsigned kind)
{
    if (oid->len != DLMS_OID_LEN || memcmp(oid->p, dlms_ua_oid, sizeof(dlms_ua_oid)) != 0 ||
        oid->p[5] != kind || (oid->p[6] & 0x80u))
        return -1;
    return oid->p[6];
}

/* Context-specific tags [0]..[30] seen so far: a component twice is malformed (X.680: a SEQUENCE
 * component appears once). Returns false on a repeat. */
static bool once(uint32_t *seen, uint32_t tag)
{
    if (tag > 0xFFu || (tag & 0xC0u) != 0x80u)
        return true; /* not a single-byte context-specific tag: nothing to track */
    uint32_t bit = 1ul << (tag & 0x1Fu);
    if (*seen & bit)
        return false;
    *seen |= bit;
    return true;
}

/* ---- xDLMS InitiateRequest (A-XDR) ----------------------------------------------------------- */

static void read_conformance(struct mfw_rcursor *c, uint32_t *conf)
{
    /* Green Book 9.5: Conformance is BER-encoded even inside A-XDR: 5F 1F, length 4, 0 unused
     * bits, then the 24 bits. */
    if (mfw_rcursor_u8(c) != T_CONFORMANCE_1 || mfw_rcursor_u8(c) != T_CONFORMANCE_2 ||
        mfw_rcursor_u8(c) != 4 || mfw_rcursor_u8(c) != 0)
        fail(c);
    uint32_t v = (uint32_t)mfw_rcursor_u8(c) << 16;
    v |= (uint32_t)mfw_rcursor_u8(c) << 8;
    v |= mfw_rcursor_u8(c);
    *conf = v;
}

static int parse_initiate(struct mfw_rcursor *c, struct mfw_acse_initiate_req *r)
{
    memset(r, 0, sizeof(*r));
    if (mfw_rcursor_u8(c) != MFW_ACSE_XDLMS_INITIATE_REQUEST)
        return MFW_E_FORMAT;
    /* dedicated-key OCTET STRING OPTIONAL: A-XDR presence flag, then length + bytes. */
    uint8_t f = mfw_rcursor_u8(c);
    if (f == 1) {
        r->has_dedicated_key = true;
        r->dedicated_key.len = ber_len(c);
        r->dedicated_key.p = mfw_rcursor_take(c, r->dedicated_key.len);
    } else if (f != 0) {
        return MFW_E_FORMAT;
    }
    /* response-allowed BOOLEAN DEFAULT TRUE: 0 = the default, 1 = a value follows. */
    f = mfw_rcursor_u8(c);
    r->response_allowed = true;
    if (f == 1)
        r->response_allowed = mfw_rcursor_u8(c) != 0;
    else if (f != 0)
        return MFW_E_FORMAT;
    /* proposed-quality-of-service [0] IMPLICIT Integer8 OPTIONAL. */
    f = mfw_rcursor_u8(c);
    if (f == 1) {
        r->has_qos = true;
        r->qos = (int8_t)mfw_rcursor_u8(c);
    } else if (f != 0) {
        return MFW_E_FORMAT;
    }
    r->dlms_version = mfw_rcursor_u8(c);
    read_conformance(c, &r->conformance);
    r->client_max_pdu = mfw_rcursor_u16be(c);
    if (c->err || mfw_rcursor_left(c) != 0)
        return MFW_E_FORMAT;
    return MFW_OK;
}

int mfw_acse_parse_initiate_request(const uint8_t *buf, size_t len,
                                    struct mfw_acse_initiate_req *out)
{
    if (out == NULL || (buf == NULL && len != 0))
        return MFW_E_ARG;
    struct mfw_rcursor c;
    mfw_rcursor_init(&c, buf, len);
    return parse_initiate(&c, out);
}

/* user-information [30]: Association-information ::= OCTET STRING in the DLMS profile, holding
 * one xDLMS APDU. */
struct user_info {
    uint8_t kind;
    struct mfw_bytes raw, ciphered;
    bool has_initiate;
    struct mfw_acse_initiate_req initiate;
};

static int parse_user_info(struct ber_el *e, struct user_info *u)
{
    struct ber_el os;
    if (!ber_inner(e, T_OCTET_STRING, &os))
        return MFW_E_FORMAT;
    struct mfw_rcursor apdu = os.v;
    u->raw = rest(&os.v);
    if (u->raw.len == 0)
        return MFW_E_FORMAT;
    switch (u->raw.p[0]) {
    case MFW_ACSE_XDLMS_INITIATE_REQUEST:
        u->kind = MFW_ACSE_UI_INITIATE;
        if (parse_initiate(&apdu, &u->initiate) != MFW_OK)
            return MFW_E_FORMAT;
        u->has_initiate = true;
        break;
    case MFW_ACSE_XDLMS_GLO_INITIATE_REQUEST: {
        /* glo-initiate-request [33] IMPLICIT OCTET STRING: A-XDR length, then SC (1), IC (4),
         * ciphertext and tag. Kept for the security layer. */
        (void)mfw_rcursor_u8(&apdu);
        size_t n = ber_len(&apdu);
        if (apdu.err || n != mfw_rcursor_left(&apdu) || n < 5)
            return MFW_E_FORMAT;
        u->kind = MFW_ACSE_UI_GLO;
        u->ciphered = rest(&apdu);
        break;
    }
    default: u->kind = MFW_ACSE_UI_OTHER; break;
    }
    return MFW_OK;
}

/* ---- AARQ -------------------------------------------------------------------------------------- */

static bool parse_aarq_element(struct ber_el *e, struct mfw_acse_aarq *q, bool *seen_context)
{
    struct ber_el in;
    switch (e->tag) {
    case T_PROTOCOL_VERSION: q->has_protocol_version = true; return bit0(e, &q->protocol_version1);
    case T_APP_CONTEXT: {
        if (!ber_inner(e, T_OBJECT_IDENTIFIER, &in))
            return false;
        struct mfw_bytes oid = rest(&in.v);
        int arc = dlms_oid_arc(&oid, OID_ARC_CONTEXT);
        q->context = (arc >= MFW_ACSE_CTX_LN && arc <= MFW_ACSE_CTX_SN_CIPHERED)
                         ? (uint8_t)arc
                         : MFW_ACSE_CTX_UNKNOWN;
        *seen_context = true;
        return true;
    }
    case T_CALLING_AP_TITLE:
        /* DLMS: AP-title-form2 carried as an OCTET STRING of the 8-byte system title. */
        if (!ber_inner(e, T_OCTET_STRING, &in) || mfw_rcursor_left(&in.v) != 8)
            return false;
        mfw_rcursor_bytes(&in.v, q->calling_ap_title, 8);
        q->has_calling_ap_title = true;
        return true;
    case T_CALLING_AE_QUALIFIER:
        q->has_calling_ae_qualifier = true;
        q->calling_ae_qualifier = rest(&e->v);
        return true;
    case T_SENDER_ACSE_REQ: return bit0(e, &q->authentication);
    case T_MECHANISM: {
        struct mfw_bytes oid = rest(&e->v);
        int arc = dlms_oid_arc(&oid, OID_ARC_MECHANISM);
        q->has_mechanism = true;
        q->mechanism = arc >= 0 ? (uint8_t)arc : MFW_ACSE_MECH_UNKNOWN;
        return true;
    }
    case T_CALLING_AUTH_VALUE:
        /* Authentication-value ::= CHOICE { charstring [0] IMPLICIT GraphicString, bitstring [1]
         * IMPLICIT BIT STRING, external [2] IMPLICIT EXTERNAL, other [3] IMPLICIT SEQUENCE }. */
        if (!ber_next(&e->v, &in) || mfw_rcursor_left(&e->v) != 0 || in.tag > 0xFFu ||
            (in.tag & 0xC0u) != 0x80u || (in.tag & 0x1Fu) > 3)
            return false;
        q->has_auth_value = true;
        q->auth_value_choice = (uint8_t)(in.tag & 0x1Fu);
        q->auth_value = rest(&in.v);
        return true;
    case T_IMPLEMENTATION_INFO:
        q->has_impl_info = true;
        q->impl_info = rest(&e->v);
        return true;
    case T_USER_INFO: {
        struct user_info u;
        memset(&u, 0, sizeof(u));
        if (parse_user_info(e, &u) != MFW_OK)
            return false;
        q->user_info_kind = u.kind;
        q->user_info = u.raw;
        q->ciphered = u.ciphered;
        q->has_initiate = u.has_initiate;
        q->initiate = u.initiate;
        return true;
    }
    default:
        /* Called-AP-title, called-AE-qualifier, invocation ids, ... : already skipped by their
         * BER length; nothing of them matters to a DLMS server. */
        return true;
    }
}

int mfw_acse_parse_aarq(const uint8_t *buf, size_t len, struct mfw_acse_aarq *out)
{
    if (out == NULL || (buf == NULL && len != 0))
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    out->protocol_version1 = true; /* DEFAULT { version1 } */
    out->mechanism = MFW_ACSE_MECH_LOWEST;
    struct mfw_rcursor c;
    mfw_rcursor_init(&c, buf, len);
    struct ber_el apdu;
    if (!ber_next(&c, &apdu) || apdu.tag != MFW_ACSE_TAG_AARQ || mfw_rcursor_left(&c) != 0)
        return MFW_E_FORMAT;
    bool seen_context = false;
    uint32_t seen = 0;
    while (mfw_rcursor_left(&apdu.v) != 0) {
        struct ber_el e;
        if (!ber_next(&apdu.v, &e) || !once(&seen, e.tag) ||
            !parse_aarq_element(&e, out, &seen_context) || e.v.err)
            return MFW_E_FORMAT;
    }
    /* application-context-name is the one mandatory component (ACSE-1 AARQ-apdu). */
    if (apdu.v.err || !seen_context)
        return MFW_E_FORMAT;
    return MFW_OK;
}

/* ---- RLRQ ------------------------------------------------------------------------------------- */

int mfw_acse_parse_rlrq(const uint8_t *buf, size_t len, struct mfw_acse_rlrq *out)
{
    if (out == NULL || (buf == NULL && len != 0))
        return MFW_E_ARG;
    memset(out, 0, sizeof(*out));
    struct mfw_rcursor c;
    mfw_rcursor_init(&c, buf, len);
    struct ber_el apdu;
    if (!ber_next(&c, &apdu) || apdu.tag != MFW_ACSE_TAG_RLRQ || mfw_rcursor_left(&c) != 0)
        return MFW_E_FORMAT;
    uint32_t seen = 0;
    while (mfw_rcursor_left(&apdu.v) != 0) {
        struct ber_el e;
        if (!ber_next(&apdu.v, &e) || !once(&seen, e.tag))
            return MFW_E_FORMAT;
        if (e.tag == T_RELEASE_REASON) {
            /* Release-request-reason INTEGER {normal(0), urgent(1), user-defined(30)}: one
             * content byte for every value that fits (X.690 8.3.2 minimal form). */
            uint8_t r = mfw_rcursor_u8(&e.v);
            if (e.v.err || mfw_rcursor_left(&e.v) != 0 || r >= 0x80u)
                return MFW_E_FORMAT;
            out->has_reason = true;
            out->reason = r;
        } else if (e.tag == T_USER_INFO) {
            struct user_info u;
            memset(&u, 0, sizeof(u));
            if (parse_user_info(&e, &u) != MFW_OK)
                return MFW_E_FORMAT;
            out->user_info_kind = u.kind;
            out->user_info = u.raw;
            out->ciphered = u.ciphered;
            out->has_initiate = u.has_initiate;
            out->initiate = u.initiate;
        }
    }
    return apdu.v.err ? MFW_E_FORMAT : MFW_OK;
}

/* ---- Policy ----------------------------------------------------------------------------------- */

uint32_t mfw_acse_negotiate(uint32_t proposed, uint32_t server_supported)
{
    return proposed & server_supported & MFW_ACSE_CONF_MASK;
}

/* Compares a presented password with the stored one in a time that depends on the lengths only,
 * never on the position of the first differing byte. */
static bool secret_equal(const struct mfw_bytes *stored, const struct mfw_bytes *given)
{
    unsigned diff = stored->len != given->len;
    for (size_t i = 0; i < stored->len; i++)
        diff |= (unsigned)(stored->p[i] ^ (i < given->len ? given->p[i] : 0u));
    return diff == 0;
}

static int reject(struct mfw_acse_aare *a, uint8_t source, uint8_t diag)
{
    a->result = MFW_ACSE_RESULT_REJECTED_PERMANENT;
    a->diag_source = source;
    a->diag = diag;
    return MFW_OK;
}

int mfw_acse_accept(const struct mfw_acse_aarq *q, uint8_t client_sap,
                    const struct mfw_acse_policy *policy, struct mfw_acse_aare *a)
{
    if (q == NULL || policy == NULL || a == NULL || (policy->n_clients && !policy->clients) ||
        policy->server_max_pdu < MFW_ACSE_MIN_PDU)
        return MFW_E_ARG;
    memset(a, 0, sizeof(*a));
    /* Echo a context we know; otherwise name the one we offer (Green Book 9.4.2.2.2: a rejected
     * AARE carries the server's application-context-name). */
    a->context = (q->context >= MFW_ACSE_CTX_LN && q->context <= MFW_ACSE_CTX_SN_CIPHERED)
                     ? q->context
                     : MFW_ACSE_CTX_LN;
    a->user_info_kind = MFW_ACSE_AARE_UI_NONE;

    /* ACSE provider: protocol-version must include version1 (X.227 7.1.4.1). */
    if (!q->protocol_version1)
        return reject(a, MFW_ACSE_DIAG_SOURCE_PROVIDER, MFW_ACSE_PDIAG_NO_COMMON_ACSE_VERSION);

    const struct mfw_acse_client *cl = NULL;
    for (size_t i = 0; i < policy->n_clients; i++)
        if (policy->clients[i].sap == client_sap) {
            cl = &policy->clients[i];
            break;
        }
    if (cl == NULL)
        return reject(a, MFW_ACSE_DIAG_SOURCE_USER, MFW_ACSE_DIAG_NO_REASON_GIVEN);
    if (cl->mechanism > MFW_ACSE_MECH_HLS_ECDSA ||
        (cl->mechanism == MFW_ACSE_MECH_LLS && (cl->secret.len == 0 || cl->secret.p == NULL)))
        return MFW_E_ARG;

    /* Application context: LN; LN with ciphering only if the policy allows it. */
    if (!(q->context == MFW_ACSE_CTX_LN ||
          (q->context == MFW_ACSE_CTX_LN_CIPHERED && policy->allow_ciphered))) {
        a->context = MFW_ACSE_CTX_LN;
        return reject(a, MFW_ACSE_DIAG_SOURCE_USER,
                      MFW_ACSE_DIAG_APPLICATION_CONTEXT_NAME_NOT_SUPPORTED);
    }

    /* Authentication mechanism: without the authentication functional unit the association is
     * lowest level whatever else the AARQ holds. */
    if (q->authentication && !q->has_mechanism)
        return reject(a, MFW_ACSE_DIAG_SOURCE_USER, MFW_ACSE_DIAG_AUTH_MECH_NAME_REQUIRED);
    uint8_t mech = q->authentication ? q->mechanism : (uint8_t)MFW_ACSE_MECH_LOWEST;
    if (cl->mechanism != MFW_ACSE_MECH_LOWEST && mech == MFW_ACSE_MECH_LOWEST)
        return reject(a, MFW_ACSE_DIAG_SOURCE_USER, MFW_ACSE_DIAG_AUTH_MECH_NAME_REQUIRED);
    if (mech != cl->mechanism)
        return reject(a, MFW_ACSE_DIAG_SOURCE_USER, MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED);
    if (mech >= MFW_ACSE_MECH_HLS) {
        /* HLS pass 1 (Green Book 9.2.7.4 [M]): the client's challenge CtoS, 8..64 bytes, as the
         * calling-authentication-value charstring; GMAC needs the client's system title too (its
         * IV). Pass 2 (StoC in the AARE) and passes 3 and 4 are the security layer's. */
        if (!q->has_auth_value)
            return reject(a, MFW_ACSE_DIAG_SOURCE_USER, MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED);
        if (q->auth_value_choice != 0 || q->auth_value.len < MFW_ACSE_CHALLENGE_MIN ||
            q->auth_value.len > MFW_ACSE_CHALLENGE_MAX)
            return reject(a, MFW_ACSE_DIAG_SOURCE_USER, MFW_ACSE_DIAG_AUTHENTICATION_FAILURE);
        if (mech == MFW_ACSE_MECH_HLS_GMAC && !q->has_calling_ap_title)
            return reject(a, MFW_ACSE_DIAG_SOURCE_USER,
                          MFW_ACSE_DIAG_CALLING_AP_TITLE_NOT_RECOGNIZED);
    }
    if (mech == MFW_ACSE_MECH_LLS) {
        if (!q->has_auth_value)
            return reject(a, MFW_ACSE_DIAG_SOURCE_USER, MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED);
        /* Evaluate the comparison before looking at the CHOICE, so that the time spent does not
         * tell a wrong password from a wrong encoding. */
        bool same = secret_equal(&cl->secret, &q->auth_value);
        if (!same || q->auth_value_choice != 0)
            return reject(a, MFW_ACSE_DIAG_SOURCE_USER, MFW_ACSE_DIAG_AUTHENTICATION_FAILURE);
    }

    /* user-information: the xDLMS InitiateRequest. */
    if (!q->has_initiate) {
        if (q->context == MFW_ACSE_CTX_LN_CIPHERED &&
            (q->user_info_kind == MFW_ACSE_UI_GLO || q->user_info_kind == MFW_ACSE_UI_OTHER))
            return MFW_E_STATE; /* decipher into q->initiate first */
        return reject(a, MFW_ACSE_DIAG_SOURCE_USER, MFW_ACSE_DIAG_NO_REASON_GIVEN);
    }
    const struct mfw_acse_initiate_req *ini = &q->initiate;
    uint32_t conf = mfw_acse_negotiate(ini->conformance, cl->conformance);
    int err = -1;
    if (ini->dlms_version < MFW_ACSE_DLMS_VERSION)
        err = MFW_ACSE_INIT_ERR_DLMS_VERSION_TOO_LOW;
    else if (conf == 0)
        err = MFW_ACSE_INIT_ERR_INCOMPATIBLE_CONFORMANCE;
    else if (ini->client_max_pdu < MFW_ACSE_MIN_PDU)
        err = MFW_ACSE_INIT_ERR_PDU_SIZE_TOO_SHORT;
    if (err >= 0) {
        /* Green Book 9.3.2: an unacceptable InitiateRequest gives a rejected AARE whose
         * user-information is a ConfirmedServiceError initiateError. */
        a->user_info_kind = MFW_ACSE_AARE_UI_ERROR;
        a->initiate_error = (uint8_t)err;
        return reject(a, MFW_ACSE_DIAG_SOURCE_USER, MFW_ACSE_DIAG_NO_REASON_GIVEN);
    }

    a->result = MFW_ACSE_RESULT_ACCEPTED;
    a->diag_source = MFW_ACSE_DIAG_SOURCE_USER;
    a->diag = MFW_ACSE_DIAG_NULL;
    if (mech >= MFW_ACSE_MECH_HLS) {
        /* HLS pass 2: accepted, authentication-required: the association is pending until the
         * client's reply_to_HLS_authentication (w_gmac_clock.txt AARE: A3 05 A1 03 02 01 0E) */
        a->diag = MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED;
        a->has_mechanism = true;
        a->mechanism = mech;
    }
    a->user_info_kind = MFW_ACSE_AARE_UI_INITIATE;
    a->initiate.dlms_version = MFW_ACSE_DLMS_VERSION;
    a->initiate.conformance = conf;
    a->initiate.server_max_pdu = policy->server_max_pdu;
    a->initiate.vaa_name = MFW_ACSE_VAA_NAME_LN;
    a->client_mechanism = mech;
    a->max_send_pdu =
        ini->client_max_pdu < policy->server_max_pdu ? ini->client_max_pdu : policy->server_max_pdu;
    return MFW_OK;
}

/* ---- BER writing ------------------------------------------------------------------------------ */

/* Every encoder below sizes the APDU first and writes only if it fits, so a caller never sees a
 * half-written APDU. Lengths up to 0xFFFF (0x82 form). */
#define ENC_MAX 0xFFFFu

static size_t len_size(size_t n)
{
    return n < 0x80u ? 1u : n <= 0xFFu ? 2u : 3u;
}

static size_t tlv_size(size_t n)
{
    return 1u + len_size(n) + n;
}

static void put_tl(struct mfw_wcursor *w, uint8_t tag, size_t n)
{
    mfw_wcursor_u8(w, tag);
    mfw_axdr_put_length(w, n); /* the same definite length as BER (X.690 8.1.3) */
}

static bool room(const struct mfw_wcursor *w, size_t n)
{
    return w->err == 0 && n <= w->cap - w->len;
}

static bool bytes_ok(const struct mfw_bytes *b)
{
    return (b->p != NULL || b->len == 0) && b->len <= ENC_MAX;
}

static size_t initiate_response_size(const struct mfw_acse_initiate_resp *r)
{
    return 1u + (r->has_qos ? 2u : 1u) + 1u + 7u + 2u + 2u;
}

static void put_initiate_response(struct mfw_wcursor *w, const struct mfw_acse_initiate_resp *r)
{
    mfw_wcursor_u8(w, MFW_ACSE_XDLMS_INITIATE_RESPONSE);
    if (r->has_qos) { /* negotiated-quality-of-service [0] IMPLICIT Integer8 OPTIONAL */
        mfw_wcursor_u8(w, 1);
        mfw_wcursor_u8(w, (uint8_t)r->qos);
    } else {
        mfw_wcursor_u8(w, 0);
    }
    mfw_wcursor_u8(w, r->dlms_version);
    mfw_wcursor_u8(w, T_CONFORMANCE_1);
    mfw_wcursor_u8(w, T_CONFORMANCE_2);
    mfw_wcursor_u8(w, 4);
    mfw_wcursor_u8(w, 0);
    mfw_wcursor_u8(w, (uint8_t)(r->conformance >> 16));
    mfw_wcursor_u8(w, (uint8_t)(r->conformance >> 8));
    mfw_wcursor_u8(w, (uint8_t)r->conformance);
    mfw_wcursor_u16be(w, r->server_max_pdu);
    mfw_wcursor_u16be(w, r->vaa_name);
}

int mfw_acse_build_initiate_response(const struct mfw_acse_initiate_resp *r, struct mfw_wcursor *w)
{
    if (r == NULL || w == NULL || r->conformance > MFW_ACSE_CONF_MASK)
        return MFW_E_ARG;
    if (!room(w, initiate_response_size(r)))
        return MFW_E_NOSPACE;
    put_initiate_response(w, r);
    return MFW_OK;
}

/* ConfirmedServiceError ::= CHOICE { initiateError [1] ServiceError, ... };
 * ServiceError ::= CHOICE { ..., initiate [6] IMPLICIT ENUMERATED, ... } (Green Book 9.5). */
#define SERVICE_ERROR_SIZE 4u
static void put_service_error(struct mfw_wcursor *w, uint8_t err)
{
    mfw_wcursor_u8(w, MFW_ACSE_XDLMS_CONFIRMED_SERVICE_ERROR);
    mfw_wcursor_u8(w, 1); /* initiateError */
    mfw_wcursor_u8(w, 6); /* initiate */
    mfw_wcursor_u8(w, err);
}

static void put_oid(struct mfw_wcursor *w, uint8_t tag, unsigned kind, uint8_t id)
{
    put_tl(w, tag, DLMS_OID_LEN);
    mfw_wcursor_bytes(w, dlms_ua_oid, sizeof(dlms_ua_oid));
    mfw_wcursor_u8(w, (uint8_t)kind);
    mfw_wcursor_u8(w, id);
}

int mfw_acse_build_aare(const struct mfw_acse_aare *a, struct mfw_wcursor *w)
{
    if (a == NULL || w == NULL)
        return MFW_E_ARG;
    if (a->context < MFW_ACSE_CTX_LN || a->context > MFW_ACSE_CTX_SN_CIPHERED ||
        a->result > MFW_ACSE_RESULT_REJECTED_TRANSIENT ||
        (a->diag_source != MFW_ACSE_DIAG_SOURCE_USER &&
         a->diag_source != MFW_ACSE_DIAG_SOURCE_PROVIDER) ||
        a->diag >= 0x80u || (a->has_mechanism && a->mechanism >= 0x80u) ||
        (a->has_auth_value && !bytes_ok(&a->auth_value)) ||
        a->user_info_kind > MFW_ACSE_AARE_UI_RAW ||
        (a->user_info_kind == MFW_ACSE_AARE_UI_RAW && !bytes_ok(&a->user_info_raw)) ||
        (a->user_info_kind == MFW_ACSE_AARE_UI_INITIATE &&
         a->initiate.conformance > MFW_ACSE_CONF_MASK))
        return MFW_E_ARG;

    size_t ui = 0;
    switch (a->user_info_kind) {
    case MFW_ACSE_AARE_UI_INITIATE: ui = initiate_response_size(&a->initiate); break;
    case MFW_ACSE_AARE_UI_ERROR: ui = SERVICE_ERROR_SIZE; break;
    case MFW_ACSE_AARE_UI_RAW: ui = a->user_info_raw.len; break;
    default: break;
    }
    size_t body = tlv_size(tlv_size(DLMS_OID_LEN))   /* application-context-name */
                  + tlv_size(tlv_size(1))            /* result */
                  + tlv_size(tlv_size(tlv_size(1))); /* result-source-diagnostic */
    if (a->has_responding_ap_title)
        body += tlv_size(tlv_size(8));
    if (a->has_mechanism)
        body += tlv_size(2) + tlv_size(DLMS_OID_LEN);
    if (a->has_auth_value)
        body += tlv_size(tlv_size(a->auth_value.len));
    if (a->user_info_kind != MFW_ACSE_AARE_UI_NONE)
        body += tlv_size(tlv_size(ui));
    if (body > ENC_MAX)
        return MFW_E_ARG;
    if (!room(w, tlv_size(body)))
        return MFW_E_NOSPACE;

    put_tl(w, MFW_ACSE_TAG_AARE, body);
    put_tl(w, T_APP_CONTEXT, tlv_size(DLMS_OID_LEN));
    put_oid(w, T_OBJECT_IDENTIFIER, OID_ARC_CONTEXT, a->context);
    put_tl(w, T_RESULT, 3); /* [2] EXPLICIT Association-result INTEGER */
    put_tl(w, T_INTEGER, 1);
    mfw_wcursor_u8(w, a->result);
    put_tl(w, T_RESULT_DIAG, 5); /* [3] EXPLICIT CHOICE { acse-service-user [1], -provider [2] } */
    put_tl(w, (uint8_t)(0xA0u | a->diag_source), 3);
    put_tl(w, T_INTEGER, 1);
    mfw_wcursor_u8(w, a->diag);
    if (a->has_responding_ap_title) {
        put_tl(w, T_RESPONDING_AP_TITLE, tlv_size(8));
        put_tl(w, T_OCTET_STRING, 8);
        mfw_wcursor_bytes(w, a->responding_ap_title, 8);
    }
    if (a->has_mechanism) {
        /* responder-acse-requirements [8] IMPLICIT BIT STRING { authentication (0) }: one bit
         * used, 7 unused. Then mechanism-name [9] IMPLICIT OBJECT IDENTIFIER. */
        put_tl(w, T_RESPONDER_ACSE_REQ, 2);
        mfw_wcursor_u8(w, 7);
        mfw_wcursor_u8(w, 0x80);
        put_oid(w, T_RESP_MECHANISM, OID_ARC_MECHANISM, a->mechanism);
    }
    if (a->has_auth_value) { /* [10] EXPLICIT Authentication-value, charstring [0] */
        put_tl(w, T_RESPONDING_AUTH_VALUE, tlv_size(a->auth_value.len));
        put_tl(w, 0x80, a->auth_value.len);
        mfw_wcursor_bytes(w, a->auth_value.p, a->auth_value.len);
    }
    if (a->user_info_kind != MFW_ACSE_AARE_UI_NONE) {
        put_tl(w, T_USER_INFO, tlv_size(ui));
        put_tl(w, T_OCTET_STRING, ui);
        if (a->user_info_kind == MFW_ACSE_AARE_UI_INITIATE)
            put_initiate_response(w, &a->initiate);
        else if (a->user_info_kind == MFW_ACSE_AARE_UI_ERROR)
            put_service_error(w, a->initiate_error);
        else
            mfw_wcursor_bytes(w, a->user_info_raw.p, a->user_info_raw.len);
    }
    return w->err ? MFW_E_NOSPACE : MFW_OK;
}

int mfw_acse_build_rlre(const struct mfw_acse_rlre *r, struct mfw_wcursor *w)
{
    if (r == NULL || w == NULL)
        return MFW_E_ARG;
    if ((r->has_reason && r->reason >= 0x80u) || r->user_info_kind > MFW_ACSE_AARE_UI_RAW ||
        r->user_info_kind == MFW_ACSE_AARE_UI_ERROR ||
        (r->user_info_kind == MFW_ACSE_AARE_UI_RAW && !bytes_ok(&r->user_info_raw)) ||
        (r->user_info_kind == MFW_ACSE_AARE_UI_INITIATE &&
         r->initiate.conformance > MFW_ACSE_CONF_MASK))
        return MFW_E_ARG;
    size_t ui = r->user_info_kind == MFW_ACSE_AARE_UI_INITIATE
                    ? initiate_response_size(&r->initiate)
                : r->user_info_kind == MFW_ACSE_AARE_UI_RAW ? r->user_info_raw.len
                                                            : 0u;
    size_t body = r->has_reason ? tlv_size(1) : 0u;
    if (r->user_info_kind != MFW_ACSE_AARE_UI_NONE)
        body += tlv_size(tlv_size(ui));
    if (body > ENC_MAX)
        return MFW_E_ARG;
    if (!room(w, tlv_size(body)))
        return MFW_E_NOSPACE;
    put_tl(w, MFW_ACSE_TAG_RLRE, body);
    if (r->has_reason) { /* reason [0] IMPLICIT Release-response-reason */
        put_tl(w, T_RELEASE_REASON, 1);
        mfw_wcursor_u8(w, r->reason);
    }
    if (r->user_info_kind != MFW_ACSE_AARE_UI_NONE) {
        put_tl(w, T_USER_INFO, tlv_size(ui));
        put_tl(w, T_OCTET_STRING, ui);
        if (r->user_info_kind == MFW_ACSE_AARE_UI_INITIATE)
            put_initiate_response(w, &r->initiate);
        else
            mfw_wcursor_bytes(w, r->user_info_raw.p, r->user_info_raw.len);
    }
    return w->err ? MFW_E_NOSPACE : MFW_OK;
}
