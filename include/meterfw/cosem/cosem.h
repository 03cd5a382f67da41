/* SPDX-License-Identifier: Apache-2.0 */
/* cosem: the meter's COSEM object model. A table of objects (interface class, logical name, what
 * they map to, access rights) plus one file per interface class behind a table of class operations
 * (Blue Book attribute and method semantics) over struct mfw_meter, reached only through the
 * meter's mfw_meter_* verbs: nothing here holds a second copy of the meter's data.
 *
 *   struct mfw_cosem cosem;                        // the object model of one meter; caller owns it
 *   mfw_cosem_default_config(&cfg);                // what TCP-UDP setup shows
 *   mfw_cosem_init(&cosem, &meter, &cfg);
 *   mfw_dlms_server_init(&server, &cosem, &dcfg);  // the dlms layer answers requests through it
 *
 * Objects: the fixed table of src/cosem/cosem_objects.c, then one Register (IC 3), Demand register
 * (IC 5, current average demand) or Extended register (IC 4, maximum demand) per quantity of the
 * catalogue (catalog.h) that the meter's phases provide. The object index space is
 * [0, mfw_cosem_object_count()); docs/dlms.md lists the objects, docs/cosem.md how to add a class.
 *
 * Reading (GET) is streamed, so that a large attribute (a profile buffer, the object list) is
 * never encoded whole in RAM: mfw_cosem_get_open() checks the reference and the selective access and
 * fills a struct mfw_cosem_stream; the value is then mfw_cosem_get_header() followed by items 0..items-1
 * (mfw_cosem_get_item), each a bounded piece (one profile row, one object list element, or the whole
 * value of a small attribute). The dlms server encodes the items into blocks as the client asks.
 *
 * Access: three kinds of client (IDIS, references/idis-objects.md section 1).
 * MFW_COSEM_CLIENT_PUBLIC (SAP 16, lowest level) sees a few objects read-only;
 * MFW_COSEM_CLIENT_MANAGEMENT (SAP 1, HLS-GMAC, or LLS where enabled) sees everything, with the
 * write and method rights in docs/dlms.md; MFW_COSEM_CLIENT_PRE_ESTABLISHED (SAP 102, no
 * association exchange, broadcast key) may only synchronise the clock. The rights are checked
 * on every GET, SET and ACTION. Results are Data-Access-Result / Action-Result values
 * (cosem_ref.h). A rejected SET or ACTION changes nothing. */
#ifndef METERFW_COSEM_COSEM_H
#define METERFW_COSEM_COSEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"

#include "meterfw/base/cursor.h"
#include "meterfw/cosem/cosem_ref.h"
#include "meterfw/cosem/port_setup.h"
#include "meterfw/meter/meter.h"

enum mfw_cosem_client {
    MFW_COSEM_CLIENT_PUBLIC = 0,
    MFW_COSEM_CLIENT_MANAGEMENT = 1,
    MFW_COSEM_CLIENT_PRE_ESTABLISHED = 2,
    MFW_COSEM_CLIENT_COUNT
};

/* Access modes in the object list (Blue Book IC 15 attribute_access_mode). */
enum mfw_cosem_access {
    MFW_COSEM_NO_ACCESS = 0,
    MFW_COSEM_READ = 1,
    MFW_COSEM_WRITE = 2,
    MFW_COSEM_READ_WRITE = 3
};

/* Interface classes implemented (the class table of src/cosem/cosem_objects.c). */
enum mfw_cosem_class_id {
    MFW_IC_DATA = 1,
    MFW_IC_REGISTER = 3,
    MFW_IC_EXTENDED_REGISTER = 4,
    MFW_IC_DEMAND_REGISTER = 5,
    MFW_IC_PROFILE_GENERIC = 7,
    MFW_IC_CLOCK = 8,
    MFW_IC_SCRIPT_TABLE = 9,
    MFW_IC_SPECIAL_DAYS_TABLE = 11,
    MFW_IC_ASSOCIATION_LN = 15,
    MFW_IC_IMAGE_TRANSFER = 18,
    MFW_IC_SAP_ASSIGNMENT = 17,
    MFW_IC_IEC_LOCAL_PORT_SETUP = 19,
    MFW_IC_ACTIVITY_CALENDAR = 20,
    MFW_IC_SINGLE_ACTION_SCHEDULE = 22,
    MFW_IC_IEC_HDLC_SETUP = 23,
    MFW_IC_TCP_UDP_SETUP = 41,
    MFW_IC_PUSH_SETUP = 40,
    MFW_IC_SECURITY_SETUP = 64,
    MFW_IC_DISCONNECT_CONTROL = 70,
    MFW_IC_LIMITER = 71,
    MFW_IC_ACCOUNT = 111,
    MFW_IC_CREDIT = 112,
    MFW_IC_CHARGE = 113,
    MFW_IC_TOKEN_GATEWAY = 115,
};

struct mfw_cosem_config {
    uint16_t tcp_port; /* shown by TCP-UDP setup 0.0.25.0.0.255 */
    uint16_t inactivity_s;
    uint8_t max_conns;
    /* the serial ports (IC 23, IC 19); hdlc.window_tx 0: mfw_port_setup_default for the meter */
    struct mfw_port_setup ports;
};

/* The server-side settings some objects show (TCP-UDP setup). The secrets (the LLS secret, the
 * keys) are the meter's (meter/keys.h), not the object model's. */
struct mfw_cosem_env {
    uint16_t tcp_port;           /* IC 41 attr 2 */
    uint16_t inactivity_s;       /* IC 41 attr 6 */
    uint8_t max_conns;           /* IC 41 attr 5 */
    uint16_t mss;                /* IC 41 attr 4 */
    struct mfw_port_setup ports; /* IC 23 and IC 19: what the link's HDLC sessions use */
    uint16_t max_pdu; /* the DLMS server's max receive PDU (IC 18 image_block_size fits it) */
};

/* The object model of one meter. */
struct mfw_cosem {
    struct mfw_meter *meter;
    struct mfw_cosem_env env;
    /* the object indices sorted by logical name, built by mfw_cosem_init: a request finds its
     * object by bisection, not by a scan of the table */
    uint16_t by_name[MFW_COSEM_OBJECTS_MAX];
};

/* The association a request comes through (what IC 15 attributes 3..9 show). */
struct mfw_cosem_session {
    uint8_t client; /* enum mfw_cosem_client */
    uint8_t client_sap;
    uint8_t mechanism; /* enum mfw_acse_mech */
    uint8_t context;   /* application context: 1 LN, 3 LN with ciphering */
    uint8_t status;    /* association_status: 1 pending (HLS pass 3 due), 2 associated */
    uint32_t conformance;
    uint8_t dlms_version; /* negotiated DLMS version (6) */
    uint16_t client_max_pdu, server_max_pdu;
    /* HLS pass 3 and 4 (Association LN reply_to_HLS_authentication): the dlms server checks
     * f(StoC) (n bytes) and writes f(CtoS) into out[17]: MFW_OK, or MFW_E_AUTH (the association
     * is then dropped). NULL when the association has no HLS to finish. */
    int (*hls_reply)(void *ctx, const uint8_t *f, size_t n, uint8_t out[17]);
    void *hls_ctx;
};

/* A request: the object model and the association it comes through. */
struct mfw_cosem_ctx {
    struct mfw_cosem *cosem;
    const struct mfw_cosem_session *ses;
};

/* A GET in progress. */
struct mfw_cosem_stream {
    uint16_t obj;
    uint8_t attr;
    uint8_t kind;   /* the class's own: what the items are */
    bool array;     /* the items are the elements of an array: the header is its count */
    uint32_t items; /* items after the header */
    uint32_t first; /* rows: index of item 0 */
    uint64_t cols;  /* rows: selected columns (bit k = column k) */
    uint8_t ncols;  /* rows: number of selected columns */
    /* rows of a buffer not in time order, read by range: items are the rows in [from, to] of
     * [first, first + span), found by a scan; the scan's place is kept between items */
    bool filter;
    mfw_ms_t from, to;
    uint32_t span;
    uint32_t scan_item, scan_index; /* the item found last, and its row */
};

/* Largest encoded item (one profile row, one object list element, one small attribute). */
#define MFW_COSEM_ITEM_MAX 640u

void mfw_cosem_default_config(struct mfw_cosem_config *cfg);
/* Binds the object model to meter m. MFW_OK, or MFW_E_ARG for NULL. */
int mfw_cosem_init(struct mfw_cosem *c, struct mfw_meter *m, const struct mfw_cosem_config *cfg);

/* Objects in the index space (fixed table + catalogue). */
unsigned mfw_cosem_object_count(void);
/* The object's class, version, logical name; false past the end. */
bool mfw_cosem_object_info(unsigned idx, uint16_t *class_id, uint8_t *version, uint8_t obis[6]);
/* Whether client sees the object on c's meter (phases) in its object list. */
bool mfw_cosem_visible(const struct mfw_cosem *c, unsigned idx, uint8_t client);
/* Finds class_id + obis visible to client: MFW_OK and *idx, or MFW_E_RANGE. */
int mfw_cosem_find(const struct mfw_cosem *c, uint8_t client, uint16_t class_id,
                   const uint8_t obis[6], unsigned *idx);
/* The access mode (enum mfw_cosem_access) of attribute attr and whether method may be invoked,
 * for client, as the object list shows them; none for an attribute or method the class lacks. */
uint8_t mfw_cosem_attribute_access(unsigned idx, unsigned attr, uint8_t client);
bool mfw_cosem_method_access(unsigned idx, unsigned method, uint8_t client);

/* Opens a GET of ref (attribute, optional selective access). MFW_DAR_SUCCESS and *st, or the
 * data-access-result to send. */
int mfw_cosem_get_open(const struct mfw_cosem_ctx *c, const struct mfw_cosem_ref *ref,
                       struct mfw_cosem_stream *st);
/* The bytes before item 0 (an array header, or nothing). */
void mfw_cosem_get_header(const struct mfw_cosem_ctx *c, struct mfw_cosem_stream *st,
                          struct mfw_wcursor *w);
/* Item i (< st->items). MFW_DAR_SUCCESS, or MFW_DAR_HARDWARE_FAULT when the store cannot be read (the
 * wcursor then holds a partial item). */
int mfw_cosem_get_item(const struct mfw_cosem_ctx *c, struct mfw_cosem_stream *st, uint32_t i,
                       struct mfw_wcursor *w);

/* SET of one attribute to value (one whole A-XDR Data). The data-access-result; on anything but
 * MFW_DAR_SUCCESS nothing changed. */
int mfw_cosem_set(const struct mfw_cosem_ctx *c, const struct mfw_cosem_ref *ref,
                  const uint8_t *value, size_t len);

/* ACTION: invokes method ref->id with params (NULL when absent). The action-result; *has_ret
 * tells whether ret holds return parameters (one Data). Nothing changes on a failure. */
int mfw_cosem_action(const struct mfw_cosem_ctx *c, const struct mfw_cosem_ref *ref,
                     const uint8_t *params, size_t len, struct mfw_wcursor *ret, bool *has_ret);

#endif /* METERFW_COSEM_COSEM_H */
