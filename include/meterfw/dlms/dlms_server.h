/* SPDX-License-Identifier: Apache-2.0 */
/* dlms_server: the meter's DLMS/COSEM server application layer. One association per connection
 * (the port's connection id), each with its own GET and SET block-transfer state; APDUs in,
 * APDUs out; no I/O, no heap, no globals.
 *
 *   struct mfw_dlms_server s;
 *   mfw_dlms_server_default_config(&cfg);                     // defaults, see below
 *   mfw_dlms_server_init(&s, &cosem, &cfg);                   // the object model (cosem.h)
 *   n = mfw_dlms_server_apdu(&s, conn, client_sap, apdu, len, reply, cap, now);  // per APDU
 *   mfw_dlms_server_close(&s, conn);                    // the connection is gone
 *
 * Associations (docs/dlms.md "Associations", docs/security.md), the IDIS client model:
 *  - client SAP 16, the public client: lowest-level security, a read-only view of a few objects;
 *  - client SAP 1, the management client: HLS mechanism 5 (GMAC) with the meter's keys
 *    (meter/keys.h) in the LN context with ciphering, every APDU then ciphered as the security
 *    policy asks (glo- or general-glo-ciphering, answered in kind); or, only where the meter's
 *    security configuration enables it, LLS with the stored secret;
 *  - client SAP 102, the pre-established client: no AARQ, ciphered under the broadcast key,
 *    unconfirmed SET and ACTION only (clock synchronisation); nothing is ever answered.
 * Failed association attempts of a client lock that client out for a while (options.h
 * MFW_SECURITY_LOCKOUT_*; time is the meter's RTC of its last tick). Security failures are
 * logged in the fraud log (46 authentication, 49 deciphering, 50 replay), once per association
 * attempt. GET/SET/ACTION before an AARQ was accepted get an exception-response. */
#ifndef METERFW_DLMS_DLMS_SERVER_H
#define METERFW_DLMS_DLMS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"

#include "meterfw/base/time.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/security.h"
#include "meterfw/dlms/xdlms.h"

#define MFW_DLMS_SAP_PUBLIC 16u
#define MFW_DLMS_SAP_MANAGEMENT 1u
#define MFW_DLMS_SAP_PRE_ESTABLISHED 102u
struct mfw_dlms_server_config {
    uint16_t max_pdu; /* server-max-receive-pdu-size, 64..MFW_DLMS_SERVER_MAX_PDU */
};

struct mfw_dlms_server;

struct mfw_dlms_assoc {
    struct mfw_dlms_server *server;
    bool associated; /* established: services may run (an HLS association after pass 3) */
    bool pending;    /* HLS: AARE sent, reply_to_HLS_authentication due */
    /* security (suite 0) of this association */
    bool ciphered;  /* its APDUs are ciphered with the meter's keys */
    bool drop;      /* pass 3 failed: the association goes once the answer is out */
    uint8_t logged; /* security events logged in this association attempt (bits) */
    uint8_t client_title[MFW_SECURITY_TITLE_LEN];
    uint8_t ctos[MFW_SECURITY_CHALLENGE_MAX], stoc[MFW_SECURITY_CHALLENGE_MAX];
    uint8_t ctos_len, stoc_len;
    struct mfw_cosem_session ses;
    uint16_t max_send; /* largest APDU to send on this association */
    /* GET with blocks */
    bool get_active;
    bool get_list; /* the blocks come from list_buf */
    uint8_t get_invoke;
    uint32_t get_block; /* last block sent */
    struct mfw_cosem_stream st;
    bool hdr_done;
    uint32_t next_item;
    uint8_t pend[MFW_COSEM_ITEM_MAX];
    size_t pend_len, pend_off;
    uint8_t list_buf[MFW_DLMS_SERVER_LIST_BUF];
    size_t list_len, list_off;
    /* SET with blocks */
    bool set_active;
    uint32_t set_block;
    struct mfw_cosem_ref set_ref; /* params not kept: a SET with blocks has no selection */
    uint8_t set_buf[MFW_DLMS_SERVER_SET_BUF];
    size_t set_len;
    /* ACTION with parameter blocks (set_buf / set_len hold the parameters: a SET and an ACTION
     * with blocks exclude each other, any new SET or ACTION abandons the other) */
    bool act_active;
    uint32_t act_block;
    struct mfw_cosem_ref act_ref;
};

/* Failed association attempts of one client (public, management) and its lock-out. */
struct mfw_dlms_lockout {
    uint32_t failures; /* consecutive failures (a success clears them) */
    mfw_ms_t until;    /* the RTC time the lock-out ends (0: none) */
};

/* What the server counted (since init). */
struct mfw_dlms_server_stats {
    uint32_t ciphered_in, ciphered_out;
    uint32_t auth_failures, decipher_failures, replays;
    uint32_t lockouts, locked_out; /* lock-outs begun; AARQs refused while locked out */
    uint32_t pre_established;      /* unconfirmed services of the pre-established client run */
};

struct mfw_dlms_server {
    struct mfw_cosem *cosem; /* the object model the services run against */
    uint16_t max_pdu;
    struct mfw_dlms_assoc a[MFW_ASSOCIATIONS_MAX];
    struct mfw_dlms_lockout lockout[MFW_COSEM_CLIENT_COUNT];
    struct mfw_dlms_server_stats stats;
    struct mfw_cosem_session pre;           /* the pre-established association: always there */
    mfw_ms_t pre_logged[3];                 /* rate limit of its events (46, 49, 50) */
    uint8_t plain[MFW_DLMS_SERVER_MAX_PDU]; /* a deciphered request, wiped after use */
};

void mfw_dlms_server_default_config(struct mfw_dlms_server_config *cfg);
/* MFW_OK, or MFW_E_ARG for NULL / a bad max_pdu. */
int mfw_dlms_server_init(struct mfw_dlms_server *s, struct mfw_cosem *cosem,
                         const struct mfw_dlms_server_config *cfg);
/* One APDU of connection conn (< MFW_ASSOCIATIONS_MAX) from client SAP client_sap: the reply
 * APDU in out[cap] and its length (0: no reply). cap should be at least max_pdu. */
size_t mfw_dlms_server_apdu(struct mfw_dlms_server *s, unsigned conn, uint8_t client_sap,
                            const uint8_t *apdu, size_t len, uint8_t *out, size_t cap);
/* A push: the DataNotification plain[0..n) (mfw_xdlms_build_data_notification) ciphered as
 * general-glo-ciphering for the management client's head-end (DataNotification has no glo- tag,
 * Green Book 9.5 [M]): the unicast key, the server's title, the meter's next invocation counter,
 * the protection of the policy (at least authenticated). The APDU's length in out[cap], or 0
 * (no keys, no room, a counter that could not be reserved). */
size_t mfw_dlms_server_cipher_notification(struct mfw_dlms_server *s, const uint8_t *plain,
                                           size_t n, uint8_t *out, size_t cap);
/* The connection closed: its association and block states are dropped. */
void mfw_dlms_server_close(struct mfw_dlms_server *s, unsigned conn);

#endif /* METERFW_DLMS_DLMS_SERVER_H */
