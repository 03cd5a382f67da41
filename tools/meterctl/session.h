/* SPDX-License-Identifier: Apache-2.0 */
/* session: one DLMS/COSEM association over TCP with the IEC 62056-47 wrapper (client wPort =
 * client SAP, server wPort 1), or over HDLC (IEC 62056-46; hdlc_client.h) tunnelled in TCP or on a
 * serial line, built on the client codec of src/dlms/dlms_client.c (dlms_client.h).
 * Host code (POSIX sockets, heap); used by meterctl and bench_dlms.
 *
 * Every call returns MFW_OK or a negative code with a one-line reason in s->err:
 *   MFW_E_STATE  the meter refused (a Data-Access-Result, Action-Result, Exception-Response or a
 *                rejected AARE): s->err is its DLMS name, e.g. "read-write-denied"
 *   MFW_E_IO     the connection failed or timed out
 *   MFW_E_FORMAT the meter's answer did not parse
 *   other        a local problem (no room, bad argument) */
#ifndef METERCTL_SESSION_H
#define METERCTL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/dlms/dlms_client.h"
#include "meterfw/link/wrapper.h"

struct hdlc_client;

#define SESSION_APDU_MAX 0xFFFFu

/* HLS-GMAC and suite 0 ciphering of a management association (docs/meterctl.md "Security"). */
struct session_security {
    const struct mfw_crypto_port *crypto;
    uint8_t ek[16], ak[16], kek[16];
    bool have_kek;
    uint8_t title[8];        /* the client's system title */
    uint8_t server_title[8]; /* from the AARE */
    uint8_t sc;              /* the protection of each request: 0x30, 0x10 or 0x20 */
    uint32_t ic;             /* the invocation counter of the next request */
    bool general;            /* general-glo-ciphering (general-protection was negotiated) */
    bool on;                 /* the association is ciphered: every APDU goes through it */
    uint32_t server_ic;      /* the last counter the meter sent */
    bool have_server_ic;
};

struct session {
    int fd;
    uint16_t client_sap, server_sap;
    int timeout_ms;
    struct mfw_wrapper w;
    uint8_t *rx;      /* SESSION_APDU_MAX: the wrapper's APDU buffer */
    uint8_t *tx;      /* SESSION_APDU_MAX + header */
    uint8_t in[8192]; /* bytes read, not yet framed */
    size_t in_len, in_off;
    bool associated;
    uint16_t max_pdu;            /* the server's max receive PDU (from the AARE) */
    uint32_t conformance;        /* negotiated */
    uint8_t invoke;              /* Invoke-Id-And-Priority of the next request */
    bool trace;                  /* print every APDU in hex on stderr */
    struct session_security sec; /* HLS-GMAC: set up by session_associate_gmac */
    uint8_t *plain;              /* SESSION_APDU_MAX: a deciphered answer */
    uint64_t bytes_tx, bytes_rx, apdus_tx, apdus_rx;
    struct hdlc_client *hdlc; /* NULL: the wrapper */
    char ident[64];           /* mode E: the meter's identification line */
    char err[256];
};

/* How an HDLC session reaches the meter. */
struct session_hdlc {
    const char *device; /* NULL: TCP (HDLC tunnelled in TCP) to host:port; else a serial device */
    bool mode_e;        /* open the serial line with IEC 62056-21 mode E */
    uint32_t baud;      /* the serial line's HDLC rate (mode E: at most this) */
    uint16_t upper, lower; /* the server address: logical device, physical (0: none) */
    uint8_t addr_size;     /* 1, 2, 4 or 0 (the smallest that holds them) */
    uint8_t window;        /* proposed window (both ways), 1..7 */
    uint16_t info;         /* proposed information field length (both ways) */
};

/* Connects to host:port (IPv4 or a name). */
int session_connect(struct session *s, const char *host, uint16_t port, uint16_t client_sap,
                    int timeout_ms);
/* The same over HDLC: connects (TCP or the serial line), then SNRM / UA. */
int session_connect_hdlc(struct session *s, const struct session_hdlc *h, const char *host,
                         uint16_t port, uint16_t client_sap, int timeout_ms);
/* AARQ / AARE: lowest level (password NULL) or LLS. */
int session_associate(struct session *s, const char *password);
/* HLS-GMAC (mechanism 5) with s->sec filled (crypto, keys, title, sc, ic): AARQ with a random
 * CtoS and a ciphered InitiateRequest, AARE (pending), pass 3 (reply_to_HLS_authentication with
 * f(StoC)) and the check of the meter's f(CtoS); from then on session_exchange ciphers every
 * request and deciphers every answer (an exception-response in clear is passed on as it is). */
int session_associate_gmac(struct session *s);
/* One request APDU out, one response APDU in (*resp points into s->rx until the next call). */
int session_exchange(struct session *s, const uint8_t *req, size_t len, const uint8_t **resp,
                     size_t *resp_len);
/* RLRQ / RLRE. */
int session_release(struct session *s);
void session_close(struct session *s);

/* GET of one attribute, with blocks: the whole Data value to sink (per block) or, with sink
 * NULL, into a heap buffer *out / *out_len (free it). access may be NULL. */
int session_get(struct session *s, const struct mfw_dlms_client_ref *ref,
                const struct mfw_dlms_client_access *access, dlmsc_sink_fn sink, void *user,
                uint8_t **out, size_t *out_len);
/* SET-Request-Normal of an encoded Data value. */
int session_set(struct session *s, const struct mfw_dlms_client_ref *ref, const uint8_t *value,
                size_t len);
/* ACTION-Request-Normal; params NULL for none. *ret / *ret_len: the return data (heap), if any. */
int session_action(struct session *s, const struct mfw_dlms_client_ref *ref, const uint8_t *params,
                   size_t len, uint8_t **ret, size_t *ret_len);

/* The association's object list (0.0.40.0.0.255 attribute 2), read once. */
struct object_list {
    struct mfw_dlms_client_object *objs;
    size_t n;
};
int session_object_list(struct session *s, struct object_list *ol);
const struct mfw_dlms_client_object *object_list_find(const struct object_list *ol,
                                                      const uint8_t ln[6]);
void object_list_free(struct object_list *ol);

#endif /* METERCTL_SESSION_H */
