/* SPDX-License-Identifier: Apache-2.0 */
/* dlms_client: the client side of DLMS/COSEM (IEC 62056-5-3, DLMS UA 1000-2 "Green Book" 9.3/9.4)
 * on the same codec as the meter (axdr.h, acse.h, cursor.h): request builders and response
 * parsers, no I/O. Prefix dlmsc_ (DLMS client).
 *
 *   association  mfw_dlms_client_build_aarq (LN context; lowest level or LLS), mfw_dlms_client_parse_aare,
 *                mfw_dlms_client_build_rlrq, mfw_dlms_client_parse_rlre
 *   GET          Normal (with optional selective access: range / entry descriptor), Next,
 *                With-List; mfw_dlms_client_parse_get_response for all three answers, dlmsc_blocks for
 *                reassembling GET-Response-With-Datablock raw data into a buffer or a callback
 *   SET, ACTION  Normal; mfw_dlms_client_parse_set_response, mfw_dlms_client_parse_action_response
 *   errors       Exception-Response and Confirmed-Service-Error (mfw_dlms_client_parse_error), names of
 *                Data-Access-Result / Action-Result (mfw_dlms_client_dar_name)
 *   object list  mfw_dlms_client_object_next: one element of Association LN attribute 2
 *
 * Every builder writes into a wcursor (errors sticky there; the builders return MFW_OK or the
 * cursor's error). Every parser reads a whole APDU through a bounded rcursor and returns MFW_OK,
 * MFW_E_FORMAT (malformed, truncated, wrong tag) or MFW_E_ARG; parsed results hold views into the
 * caller's APDU (valid as long as it is). No heap, no globals, no stdio: this is src/ code and
 * builds for the firmware too (e.g. a meter reading an M-Bus/DLMS sub-meter). */
#ifndef METERFW_DLMS_DLMS_CLIENT_H
#define METERFW_DLMS_DLMS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/cursor.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/dlms/acse.h"
#include "meterfw/dlms/security.h"
#include "meterfw/dlms/xdlms.h"

/* The xDLMS APDU tags, service choices and Data-Access-Results are those of xdlms.h.
 * GET-Response choice 2 is the response with a data block. */
#define MFW_DLMS_CLIENT_GET_RESPONSE_DATABLOCK 2u

/* Invoke-Id-And-Priority (Green Book 9.5): bit 7 priority high, bit 6 confirmed, bits 0..3 the
 * invoke id. Gurux sends 0xC1 (high, confirmed, id 1); so do we by default. */
#define MFW_DLMS_CLIENT_INVOKE_DEFAULT 0xC1u

/* The conformance the Gurux client proposes (40 1E 1D): general-protection, block transfer with
 * get / set / action, multiple-references, get, set, selective-access, action. */
#define MFW_DLMS_CLIENT_CONFORMANCE_GURUX                                                          \
    (MFW_ACSE_CONF_GENERAL_PROTECTION | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_GET |                    \
     MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_SET | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_ACTION |            \
     MFW_ACSE_CONF_MULTIPLE_REFERENCES | MFW_ACSE_CONF_GET | MFW_ACSE_CONF_SET |                   \
     MFW_ACSE_CONF_SELECTIVE_ACCESS | MFW_ACSE_CONF_ACTION)

/* A COSEM attribute or method reference: class id, logical name, attribute / method index. */
struct mfw_dlms_client_ref {
    uint16_t class_id;
    uint8_t ln[6];
    int8_t index;
};

/* Selective access (Blue Book 4.3.6, Profile generic attribute 2). */
enum mfw_dlms_client_selector {
    MFW_DLMS_CLIENT_SEL_NONE = 0,
    MFW_DLMS_CLIENT_SEL_RANGE = 1, /* range_descriptor */
    MFW_DLMS_CLIENT_SEL_ENTRY = 2, /* entry_descriptor */
};

struct mfw_dlms_client_access {
    uint8_t selector; /* enum mfw_dlms_client_selector */
    /* range_descriptor: {restricting_object {class, LN, attr, data_index}, from, to,
     * selected_values (empty array = all columns)}; from/to are sent as octet-string(12) */
    struct mfw_dlms_client_ref restricting; /* usually the clock {8, 0.0.1.0.0.255, 2} */
    uint16_t data_index;
    struct mfw_cosem_datetime from, to;
    /* entry_descriptor: {from_entry, to_entry (0 = the last), from_selected_value,
     * to_selected_value (0 = the last column)}; entries and columns count from 1 */
    uint32_t from_entry, to_entry;
    uint16_t from_column, to_column;
};

/* ---- Association ---- */

struct mfw_dlms_client_aarq_params {
    uint8_t mechanism;       /* MFW_ACSE_MECH_LOWEST, MFW_ACSE_MECH_LLS or MFW_ACSE_MECH_HLS_GMAC */
    const uint8_t *password; /* LLS secret; HLS: the challenge CtoS (8..64 bytes) */
    size_t password_len;     /* 1..127 */
    uint32_t conformance;    /* proposed, ACSE_CONF_* (e.g. MFW_DLMS_CLIENT_CONFORMANCE_GURUX) */
    uint16_t max_pdu;        /* client-max-receive-pdu-size (Gurux: 0xFFFF) */
    /* HLS-GMAC: the client's system title (calling-AP-title), and, for the LN context with
     * ciphering, the keys, SC and invocation counter of the glo-initiate-request; crypto NULL:
     * the plain LN context with a plain InitiateRequest (a meter with policy "none"). */
    const uint8_t *calling_title; /* 8 bytes */
    const struct mfw_crypto_port *crypto;
    const struct mfw_security_keys *keys;
    uint8_t sc;
    uint32_t ic;
};

/* AARQ with application context LN (2.16.756.5.8.1.1) and a plaintext InitiateRequest; with LLS
 * also sender-acse-requirements, mechanism-name 2.16.756.5.8.2.1 and the password as the
 * calling-authentication-value charstring. Byte for byte what the Gurux client sends. With
 * HLS-GMAC: LN with ciphering (2.16.756.5.8.1.3), calling-AP-title, mechanism 2.16.756.5.8.2.5,
 * CtoS and the InitiateRequest as glo-initiate-request (w_gmac_clock.txt, byte for byte).
 * MFW_OK, MFW_E_ARG (bad mechanism / password / title), MFW_E_NOSPACE, MFW_E_IO (crypto). */
int mfw_dlms_client_build_aarq(const struct mfw_dlms_client_aarq_params *p, struct mfw_wcursor *w);

/* Parses an AARE (0x61) that fills buf exactly into struct mfw_acse_aare (acse.h): context, result,
 * diag_source/diag, responding AP title, mechanism, responding authentication value and the
 * user-information: an InitiateResponse (.initiate: negotiated conformance, server max PDU,
 * vaa-name; user_info_kind MFW_ACSE_AARE_UI_INITIATE), a ConfirmedServiceError (.initiate_error,
 * MFW_ACSE_AARE_UI_ERROR), or anything else (MFW_ACSE_AARE_UI_RAW, .user_info_raw). The fields mfw_acse_accept
 * fills for the server (client_mechanism, max_send_pdu) are set to the mechanism and the server's
 * max PDU. Unknown elements are skipped. */
int mfw_dlms_client_parse_aare(const uint8_t *buf, size_t len, struct mfw_acse_aare *out);

/* RLRQ with reason normal and no user-information: 62 03 80 01 00. */
int mfw_dlms_client_build_rlrq(struct mfw_wcursor *w);
/* Parses an RLRE (0x63) into struct mfw_acse_rlre (reason; user-information kept raw). */
int mfw_dlms_client_parse_rlre(const uint8_t *buf, size_t len, struct mfw_acse_rlre *out);

/* ---- GET ---- */

/* GET-Request-Normal; access may be NULL (no selective access). */
int mfw_dlms_client_build_get(uint8_t invoke, const struct mfw_dlms_client_ref *attr,
                              const struct mfw_dlms_client_access *access, struct mfw_wcursor *w);
/* GET-Request-Next for block_number (the number of the block last received). */
int mfw_dlms_client_build_get_next(uint8_t invoke, uint32_t block_number, struct mfw_wcursor *w);
/* GET-Request-With-List of n attributes (access[i] may be NULL; access itself may be NULL). */
int mfw_dlms_client_build_get_list(uint8_t invoke, const struct mfw_dlms_client_ref *attrs,
                                   const struct mfw_dlms_client_access *const *access, size_t n,
                                   struct mfw_wcursor *w);

/* A Get-Data-Result: data (a view of one whole Data value, validated by mfw_axdr_skip) or a
 * Data-Access-Result. */
struct mfw_dlms_client_result {
    bool is_data;
    uint8_t dar;         /* enum mfw_dar when !is_data */
    const uint8_t *data; /* is_data: the Data value */
    size_t data_len;
};

struct mfw_dlms_client_get_response {
    uint8_t
        type; /* MFW_XDLMS_GET_NORMAL, MFW_DLMS_CLIENT_GET_RESPONSE_DATABLOCK or MFW_XDLMS_GET_WITH_LIST */
    uint8_t invoke;
    /* normal: the result (its data is the Data value; bytes after it, as some servers send, are
     * in trailing_len and not part of data) */
    struct mfw_dlms_client_result result;
    size_t trailing_len;
    /* with-datablock: last-block, block-number and raw-data (or result.dar when !raw_ok) */
    bool last_block;
    uint32_t block_number;
    bool raw_ok;
    const uint8_t *raw;
    size_t raw_len;
    /* with-list: count results; read them with mfw_dlms_client_next_result from list/list_len */
    uint32_t count;
    const uint8_t *list;
    size_t list_len;
};

/* Parses a GET-Response (0xC4). An Exception-Response or Confirmed-Service-Error is MFW_E_STATE
 * (parse it with mfw_dlms_client_parse_error); anything else not a GET-Response is MFW_E_FORMAT. */
int mfw_dlms_client_parse_get_response(const uint8_t *apdu, size_t len,
                                       struct mfw_dlms_client_get_response *out);
/* One Get-Data-Result of a with-list response (or of any Get-Data-Result sequence). */
int mfw_dlms_client_next_result(struct mfw_rcursor *rc, struct mfw_dlms_client_result *out);

/* Reassembly of a long GET (Green Book 9.4.6.3.5 "GET service with block transfer"): the raw-data
 * of the blocks, concatenated, is one Data value. Either into buf[cap] (sink NULL) or to sink,
 * called once per block with its raw data (a non-zero return from sink aborts: it is returned). */
typedef int (*dlmsc_sink_fn)(void *user, const uint8_t *p, size_t n);

struct mfw_dlms_client_blocks {
    uint8_t *buf;
    size_t cap, len; /* buffer mode: bytes collected */
    dlmsc_sink_fn sink;
    void *user;
    uint32_t expect; /* the block number expected next (1, 2, ...) */
    uint32_t blocks; /* blocks received */
    uint64_t total;  /* raw bytes received */
    bool done;
    bool has_dar; /* the server sent a Data-Access-Result instead of a block */
    uint8_t dar;
};

void mfw_dlms_client_blocks_init(struct mfw_dlms_client_blocks *b, uint8_t *buf, size_t cap,
                                 dlmsc_sink_fn sink, void *user);
/* Feeds one parsed GET response of the transfer. The first may be a GET-Response-Normal (the
 * value fits one APDU): its Data value is delivered whole. Returns 1 when the value is complete,
 * 0 when the next block is needed (send mfw_dlms_client_build_get_next(invoke, r->block_number)),
 * MFW_E_STATE with has_dar/dar when the server answered a Data-Access-Result, MFW_E_FORMAT for a
 * block out of sequence or a with-list answer, MFW_E_NOSPACE when buf is full, or the sink's
 * non-zero return. */
int mfw_dlms_client_blocks_feed(struct mfw_dlms_client_blocks *b,
                                const struct mfw_dlms_client_get_response *r);

/* ---- SET, ACTION ---- */

/* SET-Request-Normal; value is one encoded Data value (copied verbatim). */
int mfw_dlms_client_build_set(uint8_t invoke, const struct mfw_dlms_client_ref *attr,
                              const struct mfw_dlms_client_access *access, const uint8_t *value,
                              size_t value_len, struct mfw_wcursor *w);
/* ACTION-Request-Normal; params NULL = no method-invocation-parameters. */
int mfw_dlms_client_build_action(uint8_t invoke, const struct mfw_dlms_client_ref *method,
                                 const uint8_t *params, size_t params_len, struct mfw_wcursor *w);

/* SET-Response-Normal (C5 01 invoke result): *dar. MFW_E_STATE for an error APDU. */
int mfw_dlms_client_parse_set_response(const uint8_t *apdu, size_t len, uint8_t *invoke,
                                       uint8_t *dar);

/* ACTION-Response-Normal: the Action-Result and the optional return parameters. */
struct mfw_dlms_client_action_response {
    uint8_t invoke;
    uint8_t result; /* Action-Result, enum mfw_dar values */
    bool has_return;
    struct mfw_dlms_client_result ret;
};
int mfw_dlms_client_parse_action_response(const uint8_t *apdu, size_t len,
                                          struct mfw_dlms_client_action_response *out);

/* ---- Errors ---- */

/* An Exception-Response (D8 state-error service-error [IC]) or a Confirmed-Service-Error
 * (0E service error-type value). */
struct mfw_dlms_client_error {
    uint8_t tag;           /* MFW_XDLMS_EXCEPTION_RESPONSE or MFW_XDLMS_CONFIRMED_SERVICE_ERROR */
    uint8_t state_error;   /* exception: 1 service-not-allowed, 2 service-unknown */
    uint8_t service_error; /* exception: 1 operation-not-possible, 2 service-not-supported,
                              3 other-reason, 4 pdu-too-long, 5 deciphering-error,
                              6 invocation-counter-error */
    uint32_t invocation_counter; /* service_error 6 */
    uint8_t service;    /* confirmed-service-error: the service (1 initiate, 5 read, ...) */
    uint8_t error_type; /* the ServiceError choice (0 application-reference .. 6 initiate ..) */
    uint8_t value;      /* its enumerated value */
};
int mfw_dlms_client_parse_error(const uint8_t *apdu, size_t len, struct mfw_dlms_client_error *out);

/* "read-write-denied", "object-undefined", ... ; "unknown" for values not defined. Never NULL. */
const char *mfw_dlms_client_dar_name(uint8_t dar);
/* The same for an Action-Result (15 long-action-aborted, 16 no-long-action-in-progress). */
const char *mfw_dlms_client_action_result_name(uint8_t result);
/* "service-not-allowed/operation-not-possible"-style text is the caller's; these name the parts. */
const char *mfw_dlms_client_state_error_name(uint8_t v);
const char *mfw_dlms_client_service_error_name(uint8_t v);
/* AARE diagnostics: "authentication-failure", ... (source 1 user, 2 provider). */
const char *mfw_dlms_client_aare_diag_name(uint8_t source, uint8_t diag);

/* ---- Association LN attribute 2: object_list ---- */

#define MFW_DLMS_CLIENT_OBJ_ATTRS_MAX 32u
#define MFW_DLMS_CLIENT_OBJ_METHODS_MAX 16u

/* One object_list_element {class_id, version, logical_name, access_rights {attribute_access[],
 * method_access[]}}. Access modes: attributes 0 no-access, 1 read-only, 2 write-only,
 * 3 read-and-write (+4.. authenticated variants); methods 0 no-access, 1 access (boolean in
 * version 0 associations, enum from version 1). Items beyond the MAX counts are skipped but
 * counted in n_attrs_total / n_methods_total. */
struct mfw_dlms_client_object {
    uint16_t class_id;
    uint8_t version;
    uint8_t ln[6];
    uint8_t n_attrs, n_methods;
    uint16_t n_attrs_total, n_methods_total;
    struct {
        int8_t id;
        uint8_t access;
        bool selectors; /* access_selectors not null */
    } attrs[MFW_DLMS_CLIENT_OBJ_ATTRS_MAX];
    struct {
        int8_t id;
        uint8_t access;
    } methods[MFW_DLMS_CLIENT_OBJ_METHODS_MAX];
};

/* Reads the header of the object list (the array count). */
int mfw_dlms_client_object_list_begin(struct mfw_rcursor *rc, uint32_t *count);
/* Reads one element. MFW_OK or MFW_E_FORMAT. */
int mfw_dlms_client_object_next(struct mfw_rcursor *rc, struct mfw_dlms_client_object *out);

#endif /* METERFW_DLMS_DLMS_CLIENT_H */
