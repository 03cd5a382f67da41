/* SPDX-License-Identifier: Apache-2.0 */
/* acse: the Association Control Service Element of DLMS/COSEM (IEC 62056-5-3, Green Book 9.4).
 *
 * AARQ, AARE, RLRQ and RLRE are BER-encoded (ISO 8650 / ITU-T X.227 with the DLMS profile); the
 * xDLMS InitiateRequest / InitiateResponse / ConfirmedServiceError carried in their
 * user-information are A-XDR. Everything is read through a bounded rcursor and written through a
 * wcursor: a length can never take a parser past its input.
 *
 * The parsed structs hold views (struct mfw_bytes) into the caller's input for the opaque,
 * variable-length fields (authentication value, calling-AE-qualifier, ciphered user-information):
 * they stay valid as long as that input does. Nothing is copied, nothing is allocated.
 *
 * See docs/acse.md for the fields, the acceptance policy and the conformance bits decoded from the
 * captured Gurux exchanges. */
#ifndef METERFW_DLMS_ACSE_H
#define METERFW_DLMS_ACSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/bytes.h"
#include "meterfw/base/cursor.h"

/* APDU tags (Green Book 9.5, COSEMpdu). */
#define MFW_ACSE_TAG_AARQ 0x60u
#define MFW_ACSE_TAG_AARE 0x61u
#define MFW_ACSE_TAG_RLRQ 0x62u
#define MFW_ACSE_TAG_RLRE 0x63u

/* xDLMS APDU tags inside user-information. */
#define MFW_ACSE_XDLMS_INITIATE_REQUEST 0x01u
#define MFW_ACSE_XDLMS_INITIATE_RESPONSE 0x08u
#define MFW_ACSE_XDLMS_CONFIRMED_SERVICE_ERROR 0x0Eu
#define MFW_ACSE_XDLMS_GLO_INITIATE_REQUEST 0x21u
#define MFW_ACSE_XDLMS_GLO_INITIATE_RESPONSE 0x28u

/* application-context-name: the last arc of 2.16.756.5.8.1.x (Green Book 9.4.2.2.2). */
enum mfw_acse_context {
    MFW_ACSE_CTX_UNKNOWN = 0, /* not a DLMS UA context name, or an arc we do not know */
    MFW_ACSE_CTX_LN = 1,
    MFW_ACSE_CTX_SN = 2,
    MFW_ACSE_CTX_LN_CIPHERED = 3,
    MFW_ACSE_CTX_SN_CIPHERED = 4,
};

/* mechanism-name: the last arc of 2.16.756.5.8.2.x (Green Book 9.4.2.2.3). Arcs 8..127 under the
 * DLMS UA prefix are kept as their number; anything else is MFW_ACSE_MECH_UNKNOWN. */
enum mfw_acse_mech {
    MFW_ACSE_MECH_LOWEST = 0,
    MFW_ACSE_MECH_LLS = 1,
    MFW_ACSE_MECH_HLS = 2, /* manufacturer specific */
    MFW_ACSE_MECH_HLS_MD5 = 3,
    MFW_ACSE_MECH_HLS_SHA1 = 4,
    MFW_ACSE_MECH_HLS_GMAC = 5,
    MFW_ACSE_MECH_HLS_SHA256 = 6,
    MFW_ACSE_MECH_HLS_ECDSA = 7,
    MFW_ACSE_MECH_UNKNOWN = 0xFF,
};

/* AARE result [2] (Association-result). */
enum mfw_acse_result {
    MFW_ACSE_RESULT_ACCEPTED = 0,
    MFW_ACSE_RESULT_REJECTED_PERMANENT = 1,
    MFW_ACSE_RESULT_REJECTED_TRANSIENT = 2,
};

/* AARE result-source-diagnostic [3]: which CHOICE carries the value. */
enum mfw_acse_diag_source {
    MFW_ACSE_DIAG_SOURCE_USER = 1,     /* acse-service-user [1] */
    MFW_ACSE_DIAG_SOURCE_PROVIDER = 2, /* acse-service-provider [2] */
};

/* acse-service-user diagnostic values. */
enum mfw_acse_user_diag {
    MFW_ACSE_DIAG_NULL = 0,
    MFW_ACSE_DIAG_NO_REASON_GIVEN = 1,
    MFW_ACSE_DIAG_APPLICATION_CONTEXT_NAME_NOT_SUPPORTED = 2,
    MFW_ACSE_DIAG_CALLING_AP_TITLE_NOT_RECOGNIZED = 3,
    MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED = 11,
    MFW_ACSE_DIAG_AUTH_MECH_NAME_REQUIRED = 12,
    MFW_ACSE_DIAG_AUTHENTICATION_FAILURE = 13,
    MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED = 14,
};

/* acse-service-provider diagnostic values. */
enum mfw_acse_provider_diag {
    MFW_ACSE_PDIAG_NULL = 0,
    MFW_ACSE_PDIAG_NO_REASON_GIVEN = 1,
    MFW_ACSE_PDIAG_NO_COMMON_ACSE_VERSION = 2,
};

/* initiateError values of the xDLMS ConfirmedServiceError (ServiceError initiate [6]). */
enum mfw_acse_initiate_error {
    MFW_ACSE_INIT_ERR_OTHER = 0,
    MFW_ACSE_INIT_ERR_DLMS_VERSION_TOO_LOW = 1,
    MFW_ACSE_INIT_ERR_INCOMPATIBLE_CONFORMANCE = 2,
    MFW_ACSE_INIT_ERR_PDU_SIZE_TOO_SHORT = 3,
    MFW_ACSE_INIT_ERR_REFUSED_BY_VDE_HANDLER = 4,
};

/* RLRQ reason [0] (Release-request-reason) and RLRE reason [0] (Release-response-reason). */
enum mfw_acse_release_reason {
    MFW_ACSE_RELEASE_NORMAL = 0,
    MFW_ACSE_RELEASE_URGENT = 1,       /* RLRQ; in an RLRE, 1 is not-finished */
    MFW_ACSE_RELEASE_NOT_FINISHED = 1, /* RLRE */
    MFW_ACSE_RELEASE_USER_DEFINED = 30,
};

/* Conformance block (Green Book 9.5, Conformance ::= [APPLICATION 31] IMPLICIT BIT STRING (SIZE
 * 24)). Bit n of the ASN.1 BIT STRING is the MSB-first bit n of the three bytes on the wire, so in
 * a uint32_t holding the bytes big-endian (b0 << 16 | b1 << 8 | b2) bit n is 1 << (23 - n). */
#define MFW_ACSE_CONF_BIT(n) (1ul << (23 - (n)))
#define MFW_ACSE_CONF_RESERVED_ZERO MFW_ACSE_CONF_BIT(0)
#define MFW_ACSE_CONF_GENERAL_PROTECTION MFW_ACSE_CONF_BIT(1)
#define MFW_ACSE_CONF_GENERAL_BLOCK_TRANSFER MFW_ACSE_CONF_BIT(2)
#define MFW_ACSE_CONF_READ MFW_ACSE_CONF_BIT(3)              /* SN */
#define MFW_ACSE_CONF_WRITE MFW_ACSE_CONF_BIT(4)             /* SN */
#define MFW_ACSE_CONF_UNCONFIRMED_WRITE MFW_ACSE_CONF_BIT(5) /* SN */
#define MFW_ACSE_CONF_DELTA_VALUE_ENCODING MFW_ACSE_CONF_BIT(6)
#define MFW_ACSE_CONF_RESERVED_SEVEN MFW_ACSE_CONF_BIT(7)
#define MFW_ACSE_CONF_ATTRIBUTE0_WITH_SET MFW_ACSE_CONF_BIT(8)
#define MFW_ACSE_CONF_PRIORITY_MGMT MFW_ACSE_CONF_BIT(9)
#define MFW_ACSE_CONF_ATTRIBUTE0_WITH_GET MFW_ACSE_CONF_BIT(10)
#define MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_GET                                                      \
    MFW_ACSE_CONF_BIT(11) /* block-transfer-with-get-or-read */
#define MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_SET                                                      \
    MFW_ACSE_CONF_BIT(12) /* block-transfer-with-set-or-write */
#define MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_ACTION MFW_ACSE_CONF_BIT(13)
#define MFW_ACSE_CONF_MULTIPLE_REFERENCES MFW_ACSE_CONF_BIT(14)
#define MFW_ACSE_CONF_INFORMATION_REPORT MFW_ACSE_CONF_BIT(15) /* SN */
#define MFW_ACSE_CONF_DATA_NOTIFICATION MFW_ACSE_CONF_BIT(16)
#define MFW_ACSE_CONF_ACCESS MFW_ACSE_CONF_BIT(17)
#define MFW_ACSE_CONF_PARAMETERIZED_ACCESS MFW_ACSE_CONF_BIT(18) /* SN */
#define MFW_ACSE_CONF_GET MFW_ACSE_CONF_BIT(19)
#define MFW_ACSE_CONF_SET MFW_ACSE_CONF_BIT(20)
#define MFW_ACSE_CONF_SELECTIVE_ACCESS MFW_ACSE_CONF_BIT(21)
#define MFW_ACSE_CONF_EVENT_NOTIFICATION MFW_ACSE_CONF_BIT(22)
#define MFW_ACSE_CONF_ACTION MFW_ACSE_CONF_BIT(23)
#define MFW_ACSE_CONF_MASK 0xFFFFFFul

/* The xDLMS version this implementation speaks (DLMS UA: 6). */
#define MFW_ACSE_DLMS_VERSION 6u
/* HLS challenges CtoS / StoC: 8..64 bytes (Green Book 9.2.7.4 [M]). */
#define MFW_ACSE_CHALLENGE_MIN 8u
#define MFW_ACSE_CHALLENGE_MAX 64u
/* Smallest client-max-receive-pdu-size we accept (Green Book: an APDU must at least fit 12). */
#define MFW_ACSE_MIN_PDU 12u
/* vaa-name of the InitiateResponse: 0x0007 for LN referencing, 0xFA00 for SN. */
#define MFW_ACSE_VAA_NAME_LN 0x0007u
#define MFW_ACSE_VAA_NAME_SN 0xFA00u

/* xDLMS InitiateRequest (A-XDR, Green Book 9.5). */
struct mfw_acse_initiate_req {
    bool has_dedicated_key;
    struct mfw_bytes dedicated_key;
    bool response_allowed; /* DEFAULT TRUE */
    bool has_qos;
    int8_t qos; /* proposed-quality-of-service */
    uint8_t dlms_version;
    uint32_t conformance; /* 24 bits, ACSE_CONF_* */
    uint16_t client_max_pdu;
};

/* xDLMS InitiateResponse. */
struct mfw_acse_initiate_resp {
    bool has_qos;
    int8_t qos; /* negotiated-quality-of-service */
    uint8_t dlms_version;
    uint32_t conformance;
    uint16_t server_max_pdu; /* server-max-receive-pdu-size */
    uint16_t vaa_name;       /* MFW_ACSE_VAA_NAME_LN */
};

/* What the user-information [30] octet string of an AARQ or RLRQ held. */
enum mfw_acse_user_info_kind {
    MFW_ACSE_UI_NONE = 0,     /* no user-information */
    MFW_ACSE_UI_INITIATE = 1, /* a plaintext InitiateRequest, parsed into .initiate */
    MFW_ACSE_UI_GLO = 2,   /* a glo-initiate-request (0x21): .ciphered = SC | IC | ciphertext | T */
    MFW_ACSE_UI_OTHER = 3, /* another xDLMS APDU (e.g. general-glo-ciphering); only .user_info */
};

struct mfw_acse_aarq {
    bool has_protocol_version;
    bool protocol_version1; /* version1 offered (true when the field is absent: the default) */
    uint8_t context;        /* enum mfw_acse_context */
    bool has_calling_ap_title;
    uint8_t calling_ap_title[8]; /* the client system title */
    bool has_calling_ae_qualifier;
    struct mfw_bytes calling_ae_qualifier; /* the contents of [7] (e.g. a certificate), raw */
    bool authentication;                   /* sender-acse-requirements bit 0 */
    bool has_mechanism;
    uint8_t mechanism; /* enum mfw_acse_mech */
    bool has_auth_value;
    uint8_t auth_value_choice; /* 0 charstring (GraphicString), 1 bitstring, 2 external, 3 other */
    struct mfw_bytes auth_value; /* LLS password or HLS challenge CtoS */
    bool has_impl_info;
    struct mfw_bytes impl_info;
    uint8_t user_info_kind;     /* enum mfw_acse_user_info_kind */
    struct mfw_bytes user_info; /* the whole xDLMS APDU inside the octet string */
    struct mfw_bytes ciphered;  /* MFW_ACSE_UI_GLO: the contents after tag and length */
    bool has_initiate;          /* .initiate is valid (plaintext, or deciphered by the caller) */
    struct mfw_acse_initiate_req initiate;
};

/* What mfw_acse_build_aare puts into user-information [30]. */
enum mfw_acse_aare_ui_kind {
    MFW_ACSE_AARE_UI_NONE = 0,
    MFW_ACSE_AARE_UI_INITIATE = 1, /* .initiate as an InitiateResponse */
    MFW_ACSE_AARE_UI_ERROR = 2,    /* ConfirmedServiceError initiateError .initiate_error */
    MFW_ACSE_AARE_UI_RAW = 3,      /* .user_info_raw verbatim (e.g. a glo-initiate-response) */
};

struct mfw_acse_aare {
    uint8_t context;     /* enum mfw_acse_context, 1..4 */
    uint8_t result;      /* enum mfw_acse_result */
    uint8_t diag_source; /* enum mfw_acse_diag_source */
    uint8_t diag;        /* enum mfw_acse_user_diag or acse_provider_diag */
    bool has_responding_ap_title;
    uint8_t responding_ap_title[8]; /* the server system title */
    bool has_mechanism;             /* adds responder-acse-requirements (authentication) */
    uint8_t mechanism;              /* enum mfw_acse_mech, 0..127 */
    bool has_auth_value;
    struct mfw_bytes auth_value; /* responding-authentication-value (charstring), HLS StoC */
    uint8_t user_info_kind;      /* enum mfw_acse_aare_ui_kind */
    struct mfw_acse_initiate_resp initiate;
    uint8_t initiate_error; /* enum mfw_acse_initiate_error */
    struct mfw_bytes user_info_raw;
    /* Not encoded: the negotiated outcome for the association, set by mfw_acse_accept. */
    uint8_t client_mechanism; /* the mechanism that authenticated the client */
    uint16_t max_send_pdu;    /* min(client-max-receive-pdu-size, server max): our APDU limit */
};

struct mfw_acse_rlrq {
    bool has_reason;
    uint8_t reason; /* enum mfw_acse_release_reason */
    uint8_t user_info_kind;
    struct mfw_bytes user_info;
    struct mfw_bytes ciphered;
    bool has_initiate;
    struct mfw_acse_initiate_req initiate;
};

struct mfw_acse_rlre {
    bool has_reason;
    uint8_t reason;
    uint8_t user_info_kind; /* MFW_ACSE_AARE_UI_NONE, _INITIATE or _RAW */
    struct mfw_acse_initiate_resp initiate;
    struct mfw_bytes user_info_raw;
};

/* One client association the meter offers (the client SAP comes from the HDLC or wrapper
 * address, not from the AARQ). */
struct mfw_acse_client {
    uint8_t sap;             /* client SAP, e.g. 16 public, 1 management */
    uint8_t mechanism;       /* MFW_ACSE_MECH_LOWEST, _LLS or _HLS_GMAC in this implementation */
    struct mfw_bytes secret; /* LLS password */
    uint32_t conformance;    /* the services this association supports */
};

struct mfw_acse_policy {
    const struct mfw_acse_client *clients;
    size_t n_clients;
    uint16_t server_max_pdu; /* server-max-receive-pdu-size */
    bool allow_ciphered;     /* accept application context 3 (LN with ciphering) */
};

/* Parses an AARQ APDU (tag 0x60) that fills buf exactly. Unknown elements are skipped by their
 * BER length. Returns MFW_OK, MFW_E_FORMAT (malformed; *out is then unspecified) or MFW_E_ARG.
 * *out holds views into buf. */
int mfw_acse_parse_aarq(const uint8_t *buf, size_t len, struct mfw_acse_aarq *out);

/* Parses a plaintext xDLMS InitiateRequest (tag 0x01, A-XDR) that fills buf exactly: the security
 * layer calls it on a deciphered glo-initiate-request. MFW_OK, MFW_E_FORMAT or MFW_E_ARG. */
int mfw_acse_parse_initiate_request(const uint8_t *buf, size_t len,
                                    struct mfw_acse_initiate_req *out);

/* Decides on an AARQ from client SAP client_sap under policy, filling *out (AARE fields plus the
 * negotiated outcome). Returns MFW_OK when *out holds a decision (accepted or rejected: see
 * out->result); MFW_E_STATE when the decision needs the security layer (the InitiateRequest is
 * ciphered and has not been deciphered into aarq->initiate); MFW_E_ARG on NULL or a policy with a
 * client of an unknown mechanism. An HLS client accepted is pending (diag 14 authentication-
 * required, has_mechanism): the caller adds its system title, StoC and a ciphered
 * user-information, and finishes the association with passes 3 and 4. */
int mfw_acse_accept(const struct mfw_acse_aarq *aarq, uint8_t client_sap,
                    const struct mfw_acse_policy *policy, struct mfw_acse_aare *out);

/* Encodes an AARE (tag 0x61). Nothing is written unless the whole APDU fits: MFW_OK,
 * MFW_E_NOSPACE (no room; the cursor is left as it was), MFW_E_ARG (a field out of its domain). */
int mfw_acse_build_aare(const struct mfw_acse_aare *aare, struct mfw_wcursor *w);

/* Encodes an xDLMS InitiateResponse (tag 0x08) alone: the security layer ciphers it. */
int mfw_acse_build_initiate_response(const struct mfw_acse_initiate_resp *r, struct mfw_wcursor *w);

/* Parses an RLRQ APDU (tag 0x62) that fills buf exactly. MFW_OK, MFW_E_FORMAT or MFW_E_ARG. */
int mfw_acse_parse_rlrq(const uint8_t *buf, size_t len, struct mfw_acse_rlrq *out);

/* Encodes an RLRE (tag 0x63), all-or-nothing as mfw_acse_build_aare. */
int mfw_acse_build_rlre(const struct mfw_acse_rlre *rlre, struct mfw_wcursor *w);

/* The negotiated conformance block: the AND of what the client proposed and what the server
 * supports, limited to 24 bits. */
uint32_t mfw_acse_negotiate(uint32_t proposed, uint32_t server_supported);

#endif /* METERFW_DLMS_ACSE_H */
