/* SPDX-License-Identifier: Apache-2.0 */
/* xdlms: the xDLMS services with logical name referencing (IEC 62056-5-3 / DLMS UA 1000-2 Green
 * Book 9.3 and 9.5): GET, SET and ACTION requests decoded, their responses encoded, plus the
 * exception-response and the confirmed-service-error.
 *
 * Requests are decoded through a bounded rcursor into structs that hold views into the caller's
 * buffer (values, raw blocks, selective access parameters): nothing is copied or allocated. A
 * decoder returns MFW_OK or MFW_E_FORMAT (malformed, truncated, trailing bytes) and never reads
 * outside the APDU. Encoders write through a wcursor; its error is sticky (MFW_E_NOSPACE).
 *
 * Wire forms (A-XDR of the Green Book ASN.1; OPTIONAL = a 00/01 presence byte):
 *   Get-Request       C0 01 invoke descriptor [selection]              normal
 *                     C0 02 invoke block-number(u32)                   next
 *                     C0 03 invoke n {descriptor [selection]}*n         with-list
 *   Get-Response      C4 01 invoke result                              normal
 *                     C4 02 invoke last(bool) block(u32) 00 raw / 01 dar   with-datablock
 *                     C4 03 invoke n result*n                          with-list
 *     result = 00 Data | 01 data-access-result(enum)
 *   Set-Request       C1 01 invoke descriptor [sel] Data               normal
 *                     C1 02 invoke descriptor [sel] last block raw     with-first-datablock
 *                     C1 03 invoke last block raw                      with-datablock
 *                     C1 04 invoke n {descr [sel]}*n m Data*m          with-list
 *   Set-Response      C5 01 invoke result / 02 invoke block / 03 invoke result block /
 *                     05 invoke n result*n
 *   Action-Request    C3 01 invoke method-descriptor [Data]            normal
 *                     C3 04 invoke method-descriptor last block raw    with-first-pblock
 *                     C3 06 invoke last block raw                      with-pblock
 *   Action-Response   C7 01 invoke result [Get-Data-Result]            normal
 *                     C7 04 invoke block                               next-pblock (block ack)
 *     raw (DataBlock-SA raw-data) = length + octets [M]
 *   descriptor        class(u16) instance(6 octets) attribute(int8)
 *   selection         selector(u8) Data
 *   Data-Notification 0F long-invoke(u32) date-time(00 | 0C + 12 bytes) Data
 *   exception-response  D8 state-error service-error
 *   confirmed-service-error 0E service(choice) ServiceError(choice, value) */
#ifndef METERFW_DLMS_XDLMS_H
#define METERFW_DLMS_XDLMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"

#include "meterfw/base/cursor.h"
#include "meterfw/cosem/cosem_ref.h"

/* xDLMS APDU tags (Green Book 9.5). */
#define MFW_XDLMS_GET_REQUEST 0xC0u
#define MFW_XDLMS_SET_REQUEST 0xC1u
#define MFW_XDLMS_ACTION_REQUEST 0xC3u
#define MFW_XDLMS_GET_RESPONSE 0xC4u
#define MFW_XDLMS_SET_RESPONSE 0xC5u
#define MFW_XDLMS_ACTION_RESPONSE 0xC7u
#define MFW_XDLMS_EXCEPTION_RESPONSE 0xD8u
#define MFW_XDLMS_CONFIRMED_SERVICE_ERROR 0x0Eu
#define MFW_XDLMS_DATA_NOTIFICATION 0x0Fu

/* Request / response CHOICE indices. */
enum mfw_xdlms_get_kind {
    MFW_XDLMS_GET_NORMAL = 1,
    MFW_XDLMS_GET_NEXT = 2,
    MFW_XDLMS_GET_WITH_LIST = 3
};
enum mfw_xdlms_set_kind {
    MFW_XDLMS_SET_NORMAL = 1,
    MFW_XDLMS_SET_FIRST_BLOCK = 2,
    MFW_XDLMS_SET_BLOCK = 3,
    MFW_XDLMS_SET_WITH_LIST = 4,
    MFW_XDLMS_SET_WITH_LIST_FIRST_BLOCK = 5,
};
enum mfw_xdlms_set_resp_kind {
    MFW_XDLMS_SET_RESP_NORMAL = 1,
    MFW_XDLMS_SET_RESP_BLOCK = 2,
    MFW_XDLMS_SET_RESP_LAST_BLOCK = 3,
    MFW_XDLMS_SET_RESP_LAST_BLOCK_WITH_LIST = 4,
    MFW_XDLMS_SET_RESP_WITH_LIST = 5,
};
enum mfw_xdlms_action_kind {
    MFW_XDLMS_ACTION_NORMAL = 1,
    MFW_XDLMS_ACTION_NEXT_PBLOCK = 2, /* not accepted: no response is ever sent in blocks */
    MFW_XDLMS_ACTION_WITH_LIST = 3,   /* not accepted */
    MFW_XDLMS_ACTION_WITH_FIRST_PBLOCK = 4,
    MFW_XDLMS_ACTION_WITH_LIST_FIRST_PBLOCK = 5, /* not accepted */
    MFW_XDLMS_ACTION_WITH_PBLOCK = 6,
};
/* Action-Response CHOICE indices. */
enum mfw_xdlms_action_resp_kind {
    MFW_XDLMS_ACTION_RESP_NORMAL = 1,
    MFW_XDLMS_ACTION_RESP_WITH_PBLOCK = 2,
    MFW_XDLMS_ACTION_RESP_WITH_LIST = 3,
    MFW_XDLMS_ACTION_RESP_NEXT_PBLOCK = 4,
};

/* exception-response fields (Green Book 9.5, ExceptionResponse). */
enum mfw_xdlms_state_error {
    MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED = 1,
    MFW_XDLMS_STATE_SERVICE_UNKNOWN = 2
};
enum mfw_xdlms_service_error {
    MFW_XDLMS_SERVICE_OPERATION_NOT_POSSIBLE = 1,
    MFW_XDLMS_SERVICE_NOT_SUPPORTED = 2,
    MFW_XDLMS_SERVICE_OTHER_REASON = 3,
    MFW_XDLMS_SERVICE_PDU_TOO_LONG = 4,
    MFW_XDLMS_SERVICE_DECIPHERING_ERROR = 5,        /* Green Book 9.5 [M] */
    MFW_XDLMS_SERVICE_INVOCATION_COUNTER_ERROR = 6, /* followed by the expected counter (u32) */
};

struct mfw_xdlms_get_req {
    uint8_t kind;   /* enum mfw_xdlms_get_kind */
    uint8_t invoke; /* invoke-id-and-priority, echoed */
    uint32_t block; /* NEXT: the block number acknowledged */
    uint8_t n;      /* NORMAL: 1; WITH_LIST: number of refs */
    struct mfw_cosem_ref ref[MFW_XDLMS_LIST_MAX];
};

struct mfw_xdlms_set_req {
    uint8_t kind; /* enum mfw_xdlms_set_kind */
    uint8_t invoke;
    uint8_t n; /* references (1 unless with-list) */
    struct mfw_cosem_ref ref[MFW_XDLMS_LIST_MAX];
    struct mfw_bytes value[MFW_XDLMS_LIST_MAX]; /* NORMAL / WITH_LIST: one whole Data each */
    bool last_block;                            /* block kinds */
    uint32_t block;
    struct mfw_bytes raw; /* block kinds: the raw-data octets of this block */
};

struct mfw_xdlms_action_req {
    uint8_t kind; /* NORMAL, WITH_FIRST_PBLOCK or WITH_PBLOCK */
    uint8_t invoke;
    struct mfw_cosem_ref ref; /* NORMAL, WITH_FIRST_PBLOCK */
    bool has_params;          /* NORMAL */
    struct mfw_bytes params;  /* NORMAL: one whole Data */
    bool last_block;          /* pblock kinds (DataBlock-SA) */
    uint32_t block;
    struct mfw_bytes raw; /* pblock kinds: this block's part of the parameters' Data */
};

/* Decoders: buf holds the whole APDU, tag included. */
int mfw_xdlms_parse_get(const uint8_t *buf, size_t len, struct mfw_xdlms_get_req *out);
int mfw_xdlms_parse_set(const uint8_t *buf, size_t len, struct mfw_xdlms_set_req *out);
int mfw_xdlms_parse_action(const uint8_t *buf, size_t len, struct mfw_xdlms_action_req *out);

/* Encoders. The *_begin functions write the fixed part; the caller then writes the Data. */
void mfw_xdlms_put_get_normal_data_begin(struct mfw_wcursor *w, uint8_t invoke); /* C4 01 id 00 */
void mfw_xdlms_put_get_normal_dar(struct mfw_wcursor *w, uint8_t invoke, uint8_t dar);
/* C4 02 id last block 00 len: then the caller writes len raw bytes. */
void mfw_xdlms_put_get_block_begin(struct mfw_wcursor *w, uint8_t invoke, bool last, uint32_t block,
                                   size_t raw_len);
void mfw_xdlms_put_get_block_dar(struct mfw_wcursor *w, uint8_t invoke, uint32_t block,
                                 uint8_t dar);
void mfw_xdlms_put_get_list_begin(struct mfw_wcursor *w, uint8_t invoke,
                                  uint8_t n); /* C4 03 id n */
void mfw_xdlms_put_set_normal(struct mfw_wcursor *w, uint8_t invoke, uint8_t result);
void mfw_xdlms_put_set_block_ack(struct mfw_wcursor *w, uint8_t invoke, uint32_t block);
void mfw_xdlms_put_set_last_block(struct mfw_wcursor *w, uint8_t invoke, uint8_t result,
                                  uint32_t block);
void mfw_xdlms_put_set_list(struct mfw_wcursor *w, uint8_t invoke, const uint8_t *results,
                            uint8_t n);
/* C7 01 id result, then 00 (no data) or 01 00 Data (the caller writes the Data). */
void mfw_xdlms_put_action_normal(struct mfw_wcursor *w, uint8_t invoke, uint8_t result,
                                 bool with_data);
/* C7 04 id block: Action-Response-Next-Pblock, the acknowledgement of a parameter block. */
void mfw_xdlms_put_action_next_pblock(struct mfw_wcursor *w, uint8_t invoke, uint32_t block);
void mfw_xdlms_put_exception(struct mfw_wcursor *w, uint8_t state_error, uint8_t service_error);
/* 0E service ServiceError: service = 5 (read, for GET), 6 (write, for SET and ACTION); the
 * ServiceError CHOICE [3] service with value 0 (other), 1 (pdu-size), 2 (service-unsupported). */
void mfw_xdlms_put_confirmed_error(struct mfw_wcursor *w, uint8_t service, uint8_t value);

/* DataNotification (Green Book 9.5 [M]), for push: 0F long-invoke-id-and-priority(u32, big-endian)
 * date-time (A-XDR OCTET STRING: 00 when dt is NULL, else 0C + the 12 bytes of Blue Book 4.1.6.1)
 * notification-body (one Data: body_data, body_len bytes, already A-XDR encoded by the caller and
 * copied as they are). MFW_OK; MFW_E_ARG for a NULL w or body_data or an empty body; else the
 * cursor's sticky error (MFW_E_NOSPACE), with the cursor's bytes then unspecified. */
struct mfw_cosem_datetime;
int mfw_xdlms_build_data_notification(uint32_t invoke, const struct mfw_cosem_datetime *dt,
                                      const uint8_t *body_data, size_t body_len,
                                      struct mfw_wcursor *w);
/* Header bytes of a GET-Response-WithDataBlock carrying raw_len raw bytes. */
size_t mfw_xdlms_get_block_overhead(size_t raw_len);

#endif /* METERFW_DLMS_XDLMS_H */
