/* SPDX-License-Identifier: Apache-2.0 */
/* The object model's tables and its dispatcher, without the dlms layer: the class table against
 * the Blue Book's class ids, versions and attribute / method counts; every object's class in it;
 * logical names unique and found by the lookup index; the access rights of each client as
 * docs/dlms.md "Object model" lists them; and the Data-Access-Result of each way a request can be
 * wrong (an unknown class, a class that does not match, an attribute or method the class lacks,
 * no right, selective access where the class has none, a wrong type). Expected values are written
 * here from the standard and the documentation, not read back from the tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cosem/cosem_class.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/meter/meter.h"

#define T0 1795561200000LL /* 2026-11-24T23:00Z */
#define B(n) (1u << (n))

enum {
    PUB = MFW_COSEM_CLIENT_PUBLIC,
    MGMT = MFW_COSEM_CLIENT_MANAGEMENT,
    PRE = MFW_COSEM_CLIENT_PRE_ESTABLISHED
};

struct rig {
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_cosem_session ses[3];
    struct mfw_cosem_ctx ctx[3];
};

/* A meter without flash (no profile rows, nothing persisted) and its object model; with the
 * model options: an integrated breaker (then at most 85 A, the brochure's current ranges) and
 * 0..2 load-control relays. */
static struct rig *rig_new_opts(enum mfw_meter_model model, bool breaker, uint8_t relays)
{
    static const struct mfw_hal none;
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, model);
    cfg.breaker = breaker;
    if (breaker)
        cfg.i_max_a = 85.0;
    cfg.load_relays = relays;
    assert_int_equal(mfw_meter_init(&r->m, &cfg, &none, T0), MFW_OK);
    mfw_meter_tick(&r->m, T0);
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    assert_int_equal(mfw_cosem_init(&r->cosem, &r->m, &cc), MFW_OK);
    for (unsigned k = 0; k < 3; k++) {
        r->ses[k].client = (uint8_t)k;
        r->ses[k].client_sap = k == PUB ? 16 : k == MGMT ? 1 : 102;
        r->ctx[k].cosem = &r->cosem;
        r->ctx[k].ses = &r->ses[k];
    }
    return r;
}

static struct rig *rig_new(enum mfw_meter_model model)
{
    return rig_new_opts(model, false, 0);
}

/* Every object of the table visible: a 382M with breaker and two load relays. */
static struct rig *rig_full(void)
{
    return rig_new_opts(MFW_METER_382M, true, 2);
}

/* Blue Book (DLMS UA 1000-1) class id, version, attributes and methods of each class served. */
static const struct {
    uint16_t id;
    uint8_t version, attributes, methods;
} blue_book[] = {
    {1, 0, 2, 0},    /* Data */
    {3, 0, 3, 1},    /* Register: reset */
    {4, 0, 5, 1},    /* Extended register: reset */
    {5, 0, 9, 2},    /* Demand register: reset, next_period */
    {7, 1, 8, 2},    /* Profile generic: reset, capture */
    {8, 0, 9, 6},    /* Clock: adjust_to_quarter .. shift_time */
    {9, 0, 2, 1},    /* Script table: execute */
    {11, 0, 2, 2},   /* Special days table: insert, delete */
    {15, 2, 11, 6},  /* Association LN v2: + user_list, current_user */
    {17, 0, 2, 1},   /* SAP assignment: connect_logical_device */
    {18, 0, 7, 4},   /* Image transfer: initiate, block transfer, verify, activate */
    {19, 1, 9, 0},   /* IEC local port setup v1: default_mode .. pass_w5 */
    {20, 0, 10, 1},  /* Activity calendar: activate_passive_calendar */
    {22, 0, 4, 0},   /* Single action schedule */
    {23, 1, 9, 0},   /* IEC HDLC setup v1: comm_speed .. device_address */
    {40, 0, 7, 1},   /* Push setup v0: push */
    {41, 0, 6, 0},   /* TCP-UDP setup */
    {64, 0, 5, 2},   /* Security setup v0: security_activate, global_key_transfer */
    {70, 0, 4, 2},   /* Disconnect control: remote_disconnect, remote_reconnect */
    {71, 0, 11, 0},  /* Limiter */
    {111, 0, 19, 3}, /* Account: activate_account, close_account, reset_account */
    {112, 0, 11, 3}, /* Credit: update_amount, set_amount_to_value, invoke_credit */
    {113, 0, 13, 5}, /* Charge: update_unit_charge .. set_total_amount_remaining */
    {115, 0, 6, 1},  /* Token gateway: enter */
};

/* The firmware's objects (image transfer 0.0.44.0.0.255, active firmware identifier
 * 1.0.0.2.0.255, its checksum 1.0.0.2.8.255) exist only on a meter whose hal has an image port
 * or a checksum, which this rig's has not (test_image.c, firmware_qemu cover them). */
static bool fw_object(const uint8_t ln[6])
{
    static const uint8_t it[6] = {0, 0, 44, 0, 0, 255}, fw[6] = {1, 0, 0, 2, 0, 255},
                         sum[6] = {1, 0, 0, 2, 8, 255};
    return memcmp(ln, it, 6) == 0 || memcmp(ln, fw, 6) == 0 || memcmp(ln, sum, 6) == 0;
}

static void class_table(void **st)
{
    (void)st;
    size_t n = sizeof blue_book / sizeof blue_book[0];
    assert_int_equal(mfw_cosem_objects_class_count, n);
    for (size_t k = 0; k < n; k++) {
        const struct mfw_cosem_class *c = mfw_cosem_objects_classes[k];
        assert_int_equal(c->class_id, blue_book[k].id); /* ascending, one row each */
        assert_int_equal(c->version, blue_book[k].version);
        assert_int_equal(c->attributes, blue_book[k].attributes);
        assert_int_equal(c->methods, blue_book[k].methods);
        assert_non_null(c->get_item);
        assert_true(c->attributes <= 31 && c->methods <= 31); /* the rights are 32-bit masks */
        assert_ptr_equal(mfw_cosem_objects_class(c->class_id), c);
    }
    assert_null(mfw_cosem_objects_class(72)); /* M-Bus client: not served */
    /* selective access: the Profile generic buffer only (Blue Book 4.3.6) */
    assert_int_equal(mfw_cosem_objects_class(7)->selective, B(2));
    for (size_t k = 0; k < n; k++)
        if (blue_book[k].id != 7)
            assert_int_equal(mfw_cosem_objects_classes[k]->selective, 0);
}

static bool in_class_table(const struct mfw_cosem_class *c)
{
    for (unsigned k = 0; k < mfw_cosem_objects_class_count; k++)
        if (mfw_cosem_objects_classes[k] == c)
            return true;
    return false;
}

/* Every object's class is a row of the class table, and a class has the operation for every
 * right an object of it grants. */
static void objects_in_class_table(void **st)
{
    (void)st;
    unsigned n = mfw_cosem_object_count();
    assert_true(n > 100);
    struct mfw_cosem_object buf;
    for (unsigned i = 0; i < n; i++) {
        const struct mfw_cosem_object *o = mfw_cosem_objects_get(i, &buf);
        assert_non_null(o);
        assert_true(in_class_table(o->cls));
        assert_non_null(o->rights);
        uint16_t cls;
        uint8_t ver, ln[6];
        assert_true(mfw_cosem_object_info(i, &cls, &ver, ln));
        assert_int_equal(cls, o->cls->class_id);
        assert_int_equal(ver, o->cls->version);
        assert_memory_equal(ln, o->obis, 6);
        for (unsigned c = 0; c < MFW_COSEM_CLIENT_COUNT; c++) {
            const struct mfw_cosem_client_rights *r = &o->rights->client[c];
            assert_false(r->write & B(1)); /* logical_name is never written */
            if (r->write & ((2u << o->cls->attributes) - 1u))
                assert_non_null(o->cls->set);
            if (r->methods & ((2u << o->cls->methods) - 1u))
                assert_non_null(o->cls->action);
        }
    }
    assert_null(mfw_cosem_objects_get(n, &buf));
    assert_false(mfw_cosem_object_info(n, &(uint16_t){0}, &(uint8_t){0}, (uint8_t[6]){0}));
}

/* Logical names are unique (Blue Book: one logical name per object of a logical device), and the
 * lookup index finds each object by its class and name. */
static void logical_names_unique_and_found(void **st)
{
    (void)st;
    struct rig *r = rig_full();
    unsigned n = mfw_cosem_object_count();
    for (unsigned i = 0; i < n; i++) {
        uint16_t ci, cj;
        uint8_t v, li[6], lj[6];
        mfw_cosem_object_info(i, &ci, &v, li);
        if (fw_object(li)) {
            assert_false(mfw_cosem_visible(&r->cosem, i, MGMT));
            continue;
        }
        for (unsigned j = i + 1; j < n; j++) {
            mfw_cosem_object_info(j, &cj, &v, lj);
            assert_true(memcmp(li, lj, 6) != 0);
        }
        unsigned idx = n;
        assert_int_equal(mfw_cosem_find(&r->cosem, MGMT, ci, li, &idx), MFW_OK);
        assert_int_equal(idx, i);
        assert_int_equal(mfw_cosem_find(&r->cosem, MGMT, (uint16_t)(ci + 100), li, &idx),
                         MFW_E_RANGE);
    }
    unsigned idx;
    /* names between and beyond the table's */
    assert_int_equal(
        mfw_cosem_find(&r->cosem, MGMT, 3, (const uint8_t[6]){1, 0, 1, 8, 9, 255}, &idx),
        MFW_E_RANGE);
    assert_int_equal(mfw_cosem_find(&r->cosem, MGMT, 1, (const uint8_t[6]){0, 0, 0, 0, 0, 0}, &idx),
                     MFW_E_RANGE);
    assert_int_equal(
        mfw_cosem_find(&r->cosem, MGMT, 1, (const uint8_t[6]){255, 255, 255, 255, 255, 255}, &idx),
        MFW_E_RANGE);
    free(r);
}

/* docs/dlms.md "Object model": what the management client may write and invoke beyond reading
 * everything (the Association LN secret, 7, is write-only). Every other object: read only. */
static const struct {
    uint8_t obis[6];
    uint32_t write, methods;
} management[] = {
    {{0, 0, 96, 13, 0, 255}, B(2), 0},       /* the consumer message (docs/consumer.md) */
    {{0, 0, 96, 128, 10, 255}, B(2), 0},     /* the consumer channel on/off */
    {{0, 0, 43, 0, 1, 255}, 0, B(1) | B(2)}, /* consumer Security setup: activate, key transfer */
    {{0, 0, 25, 9, 0, 255}, B(3) | B(4) | B(5) | B(6) | B(7), B(1)}, /* push setups */
    {{0, 1, 25, 9, 0, 255}, B(3) | B(4) | B(5) | B(6) | B(7), B(1)},
    {{0, 4, 25, 9, 0, 255}, B(3) | B(4) | B(5) | B(6) | B(7), B(1)},
    {{0, 7, 25, 9, 0, 255}, B(3) | B(4) | B(5) | B(6) | B(7), B(1)},
    {{0, 0, 40, 0, 0, 255}, B(7), B(1) | B(2)}, /* reply_to_HLS_authentication, change_HLS_secret */
    {{0, 0, 43, 0, 2, 255}, B(4), B(1) | B(2)}, /* client title; activate, key transfer */
    {{0, 0, 1, 0, 0, 255},
     B(2) | B(3) | B(5) | B(6) | B(7) | B(8),
     B(1) | B(2) | B(3) | B(4) | B(5) | B(6)},
    {{1, 0, 99, 1, 0, 255}, B(4), B(1)},
    {{1, 0, 99, 2, 0, 255}, 0, B(1)},
    {{0, 0, 98, 1, 0, 255}, 0, B(1)},
    {{1, 0, 99, 1, 1, 255}, B(3) | B(4), B(1)},
    {{0, 0, 99, 98, 0, 255}, 0, B(1)},
    {{0, 0, 99, 98, 1, 255}, 0, B(1)},
    {{0, 0, 99, 98, 2, 255}, 0, B(1)},
    {{0, 0, 99, 98, 4, 255}, 0, B(1)},
    {{0, 0, 99, 98, 6, 255}, 0, B(1)},
    {{1, 0, 99, 97, 0, 255}, 0, B(1)},
    {{0, 0, 13, 0, 0, 255}, B(6) | B(7) | B(8) | B(9) | B(10), B(1)},
    {{0, 0, 11, 0, 0, 255}, 0, B(1) | B(2)},
    {{0, 0, 10, 0, 1, 255}, 0, B(1)},
    {{0, 0, 15, 0, 0, 255}, B(4), 0},
    {{1, 0, 1, 4, 0, 255}, B(8) | B(9), B(1) | B(2)},
    {{1, 0, 2, 4, 0, 255}, B(8) | B(9), B(1) | B(2)},
    /* revenue protection and grid functions (docs/dlms.md "Revenue protection objects") */
    {{0, 0, 96, 3, 10, 255}, B(4), B(1) | B(2)}, /* control_mode; remote_(dis|re)connect */
    {{0, 0, 10, 0, 106, 255}, 0, B(1)},          /* disconnector scripts: execute */
    {{0, 0, 15, 0, 1, 255}, B(2) | B(4), 0},     /* disconnector schedule */
    {{0, 0, 17, 0, 0, 255},
     B(2) | B(4) | B(5) | B(6) | B(7) | B(8) | B(9) | B(11),
     0},                                                /* limiter: all but 3 and 10 */
    {{0, 0, 19, 0, 0, 255}, B(16), B(1) | B(2) | B(3)}, /* account */
    {{0, 0, 19, 10, 1, 255}, B(6), B(3)},               /* emergency credit: invoke_credit */
    {{0, 0, 19, 40, 0, 255}, 0, B(1)},                  /* token gateway: enter */
    {{0, 0, 96, 50, 20, 255}, B(2), 0},                 /* friendly periods */
    {{0, 0, 96, 50, 21, 255}, B(2), 0},                 /* reconnection after a top-up */
    {{0, 0, 96, 50, 22, 255}, B(2), 0},                 /* ... after a neutral fault */
    {{0, 0, 10, 0, 103, 255}, 0, B(1)},                 /* load relay scripts */
    {{0, 0, 15, 0, 3, 255}, B(2) | B(4), 0},            /* load relay schedule A */
    {{0, 1, 15, 0, 3, 255}, B(2) | B(4), 0},            /* ... B */
    {{0, 1, 96, 50, 0, 255}, B(2), 0},                  /* relay 1 on for N minutes */
    {{0, 1, 96, 50, 1, 255}, B(2), 0},                  /* relay 1 tariffs */
    {{0, 2, 96, 50, 0, 255}, B(2), 0},
    {{0, 2, 96, 50, 1, 255}, B(2), 0},
    {{1, 0, 12, 31, 0, 255}, B(2), 0}, /* voltage quality thresholds */
    {{1, 0, 12, 35, 0, 255}, B(2), 0},
    {{1, 0, 12, 39, 0, 255}, B(2), 0},
    {{1, 0, 12, 43, 0, 255}, B(2), 0},
    {{1, 0, 12, 44, 0, 255}, B(2), 0},
    {{1, 0, 12, 45, 0, 255}, B(2), 0},
    {{1, 0, 12, 128, 0, 255}, B(2), 0},
    {{1, 0, 0, 6, 4, 255}, B(2), 0},
    {{0, 0, 96, 50, 10, 255}, B(2), 0}, /* neutral fault rule */
    {{0, 0, 96, 50, 1, 255}, B(2), 0},  /* substation */
    {{0, 0, 96, 50, 2, 255}, B(2), 0},  /* grid line */
    {{0, 0, 96, 50, 12, 255}, B(2), 0}, /* export expected */
    {{0, 0, 97, 98, 0, 255}, B(2), 0},  /* alarm registers, filters, descriptors */
    {{0, 0, 97, 98, 1, 255}, B(2), 0},
    {{0, 0, 97, 98, 10, 255}, B(2), 0},
    {{0, 0, 97, 98, 11, 255}, B(2), 0},
    {{0, 0, 97, 98, 20, 255}, B(2), 0},
    {{0, 0, 97, 98, 21, 255}, B(2), 0},
    {{0, 0, 97, 97, 0, 255}, B(2), 0}, /* error register */
};
/* The public client's view: read-only, the secret not at all (IDIS: LDN, the invocation
 * counters, the clock, the association and SAP lists). */
static const uint8_t public_view[][6] = {
    {0, 0, 40, 0, 0, 255}, {0, 0, 41, 0, 0, 255}, {0, 0, 42, 0, 0, 255},
    {0, 0, 43, 1, 0, 255}, {0, 0, 43, 1, 3, 255}, {0, 0, 1, 0, 0, 255},
};
static const uint8_t ASSOCIATION[6] = {0, 0, 40, 0, 0, 255};
static const uint8_t CLOCK_LN[6] = {0, 0, 1, 0, 0, 255};

static void rights_per_client(void **st)
{
    (void)st;
    struct rig *r = rig_full();
    unsigned n = mfw_cosem_object_count(), seen[2] = {0, 0};
    for (unsigned i = 0; i < n; i++) {
        uint16_t cls;
        uint8_t ver, ln[6];
        mfw_cosem_object_info(i, &cls, &ver, ln);
        const struct mfw_cosem_class *c = mfw_cosem_objects_class(cls);
        uint32_t write = 0, methods = 0;
        for (size_t k = 0; k < sizeof management / sizeof management[0]; k++)
            if (memcmp(management[k].obis, ln, 6) == 0) {
                write = management[k].write;
                methods = management[k].methods;
            }
        bool pub = false;
        for (size_t k = 0; k < sizeof public_view / sizeof public_view[0]; k++)
            pub = pub || memcmp(public_view[k], ln, 6) == 0;
        bool secret_of = memcmp(ln, ASSOCIATION, 6) == 0;
        if (fw_object(ln))
            continue;
        assert_true(mfw_cosem_visible(&r->cosem, i, MGMT));
        assert_int_equal(mfw_cosem_visible(&r->cosem, i, PUB), pub);
        seen[MGMT]++;
        seen[PUB] += pub;
        for (unsigned a = 0; a <= c->attributes + 1u; a++) {
            uint8_t want = MFW_COSEM_NO_ACCESS;
            if (a >= 1 && a <= c->attributes)
                want = (uint8_t)((secret_of && a == 7 ? 0 : MFW_COSEM_READ) |
                                 (write & B(a) ? MFW_COSEM_WRITE : 0));
            assert_int_equal(mfw_cosem_attribute_access(i, a, MGMT), want);
            want = pub && a >= 1 && a <= c->attributes && !(secret_of && a == 7)
                       ? MFW_COSEM_READ
                       : MFW_COSEM_NO_ACCESS;
            assert_int_equal(mfw_cosem_attribute_access(i, a, PUB), want);
        }
        for (unsigned k = 0; k <= c->methods + 1u; k++) {
            assert_int_equal(mfw_cosem_method_access(i, k, MGMT),
                             k >= 1 && k <= c->methods && (methods & B(k)) != 0);
            assert_false(mfw_cosem_method_access(i, k, PUB));
        }
        /* the pre-established client synchronises the clock and nothing else: time (2) by an
         * unconfirmed SET, adjust_to_quarter (1), adjust_to_minute (3), shift_time (6) */
        bool clock = memcmp(ln, CLOCK_LN, 6) == 0;
        assert_int_equal(mfw_cosem_visible(&r->cosem, i, PRE), clock);
        for (unsigned a = 0; a <= c->attributes + 1u; a++)
            assert_int_equal(mfw_cosem_attribute_access(i, a, PRE),
                             clock && a == 2 ? MFW_COSEM_WRITE : MFW_COSEM_NO_ACCESS);
        for (unsigned k = 0; k <= c->methods + 1u; k++)
            assert_int_equal(mfw_cosem_method_access(i, k, PRE),
                             clock && (k == 1 || k == 3 || k == 6));
    }
    assert_int_equal(seen[MGMT], 246); /* docs/dlms.md: 246 on a 382M with every option */
    assert_int_equal(seen[PUB], 6);
    free(r);
}

static unsigned visible_count(struct rig *r)
{
    unsigned visible = 0;
    for (unsigned i = 0; i < mfw_cosem_object_count(); i++)
        visible += mfw_cosem_visible(&r->cosem, i, MGMT);
    return visible;
}

/* The model options add their objects (docs/dlms.md): the breaker 11 (disconnect control, its
 * script table and schedule, the five payment objects, friendly periods, two reconnection
 * policies), the first load relay 6 (the relay scripts, two schedules, its timer and tariffs, the
 * relay status register), the second 2 (its timer and tariffs). */
static void model_options_view(void **st)
{
    (void)st;
    static const struct {
        enum mfw_meter_model model;
        bool breaker;
        uint8_t relays;
        unsigned want;
    } cases[] = {
        {MFW_METER_382M, false, 0, 227}, {MFW_METER_382M, true, 0, 238},
        {MFW_METER_382M, false, 1, 233}, {MFW_METER_382M, true, 2, 246},
        {MFW_METER_162M, false, 0, 177}, {MFW_METER_162M, true, 2, 196},
    };
    static const uint8_t DISCONNECT[6] = {0, 0, 96, 3, 10, 255};
    static const uint8_t RELAY2[6] = {0, 2, 96, 50, 0, 255};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        struct rig *r = rig_new_opts(cases[k].model, cases[k].breaker, cases[k].relays);
        assert_int_equal(visible_count(r), cases[k].want);
        unsigned idx;
        assert_int_equal(mfw_cosem_find(&r->cosem, MGMT, 70, DISCONNECT, &idx) == MFW_OK,
                         cases[k].breaker);
        assert_int_equal(mfw_cosem_find(&r->cosem, MGMT, 1, RELAY2, &idx) == MFW_OK,
                         cases[k].relays >= 2);
        /* the public client never sees a switch */
        assert_int_equal(mfw_cosem_find(&r->cosem, PUB, 70, DISCONNECT, &idx), MFW_E_RANGE);
        free(r);
    }
}

static struct mfw_cosem_ref ref_of(uint16_t cls, const uint8_t ln[6], int id);

/* Every readable attribute of every object of a meter with every option reads as one well-formed
 * A-XDR value (Blue Book 4.1.2: the value of an attribute is one Data), whole or in items. */
static void every_attribute_reads(void **st)
{
    (void)st;
    struct rig *r = rig_full();
    static uint8_t buf[64 * 1024];
    unsigned read = 0;
    for (unsigned i = 0; i < mfw_cosem_object_count(); i++) {
        if (!mfw_cosem_visible(&r->cosem, i, MGMT))
            continue; /* not on this meter (image transfer without an image port) */
        uint16_t cls;
        uint8_t ver, ln[6];
        mfw_cosem_object_info(i, &cls, &ver, ln);
        const struct mfw_cosem_class *c = mfw_cosem_objects_class(cls);
        for (unsigned a = 2; a <= c->attributes; a++) {
            if (!(mfw_cosem_attribute_access(i, a, MGMT) & MFW_COSEM_READ))
                continue;
            struct mfw_cosem_ref ref = ref_of(cls, ln, (int)a);
            struct mfw_cosem_stream s;
            assert_int_equal(mfw_cosem_get_open(&r->ctx[MGMT], &ref, &s), 0);
            struct mfw_wcursor w;
            mfw_wcursor_init(&w, buf, sizeof buf);
            mfw_cosem_get_header(&r->ctx[MGMT], &s, &w);
            for (uint32_t k = 0; k < s.items; k++)
                assert_int_equal(mfw_cosem_get_item(&r->ctx[MGMT], &s, k, &w), 0);
            assert_int_equal(w.err, 0);
            struct mfw_rcursor rc;
            mfw_rcursor_init(&rc, buf, w.len);
            assert_int_equal(mfw_axdr_skip(&rc, 8), MFW_OK);
            assert_int_equal(mfw_rcursor_left(&rc), 0);
            read++;
        }
    }
    assert_true(read > 246);
    free(r);
}

/* A 162M has L1 only: its object list has 177 objects (docs/dlms.md), no L2 / L3 quantity. */
static void single_phase_view(void **st)
{
    (void)st;
    struct rig *r = rig_new(MFW_METER_162M);
    unsigned idx;
    assert_int_equal(visible_count(r), 177);
    assert_int_equal(
        mfw_cosem_find(&r->cosem, MGMT, 3, (const uint8_t[6]){1, 0, 32, 7, 0, 255}, &idx),
        MFW_OK); /* voltage L1 */
    assert_int_equal(
        mfw_cosem_find(&r->cosem, MGMT, 3, (const uint8_t[6]){1, 0, 52, 7, 0, 255}, &idx),
        MFW_E_RANGE); /* voltage L2 */
    assert_int_equal(
        mfw_cosem_find(&r->cosem, MGMT, 3, (const uint8_t[6]){1, 0, 61, 8, 0, 255}, &idx),
        MFW_E_RANGE); /* A+ L3 */
    free(r);
}

static struct mfw_cosem_ref ref_of(uint16_t cls, const uint8_t ln[6], int id)
{
    struct mfw_cosem_ref ref;
    memset(&ref, 0, sizeof ref);
    ref.class_id = cls;
    memcpy(ref.obis, ln, 6);
    ref.id = (int8_t)id;
    return ref;
}

static int get(struct rig *r, unsigned client, uint16_t cls, const uint8_t ln[6], int id)
{
    struct mfw_cosem_ref ref = ref_of(cls, ln, id);
    struct mfw_cosem_stream st;
    return mfw_cosem_get_open(&r->ctx[client], &ref, &st);
}

static int set(struct rig *r, unsigned client, uint16_t cls, const uint8_t ln[6], int id,
               const uint8_t *v, size_t n)
{
    struct mfw_cosem_ref ref = ref_of(cls, ln, id);
    return mfw_cosem_set(&r->ctx[client], &ref, v, n);
}

static int act(struct rig *r, unsigned client, uint16_t cls, const uint8_t ln[6], int id,
               const uint8_t *p, size_t n)
{
    struct mfw_cosem_ref ref = ref_of(cls, ln, id);
    uint8_t ret[64];
    struct mfw_wcursor w;
    bool has_ret = true;
    mfw_wcursor_init(&w, ret, sizeof ret);
    int dar = mfw_cosem_action(&r->ctx[client], &ref, p, n, &w, &has_ret);
    assert_false(has_ret); /* no method returns data */
    return dar;
}

static const uint8_t CLOCK[6] = {0, 0, 1, 0, 0, 255};
static const uint8_t LP1[6] = {1, 0, 99, 1, 0, 255};
static const uint8_t APLUS[6] = {1, 0, 1, 8, 0, 255};

/* Green Book 9.5 Data-Access-Result / Action-Result of each way a request can be wrong. */
static void results_of_the_dispatcher(void **st)
{
    (void)st;
    struct rig *r = rig_new(MFW_METER_382M);
    /* object-undefined (4): no such class, the class does not match the name, no such attribute
     * or method, an object this client does not see */
    assert_int_equal(get(r, MGMT, 70, (const uint8_t[6]){0, 0, 96, 3, 10, 255}, 2), 4);
    assert_int_equal(get(r, MGMT, 1, CLOCK, 2), 4);
    assert_int_equal(get(r, MGMT, 8, CLOCK, 0), 4);
    assert_int_equal(get(r, MGMT, 8, CLOCK, 10), 4);
    assert_int_equal(get(r, MGMT, 8, CLOCK, -1), 4);
    assert_int_equal(get(r, PUB, 3, APLUS, 2), 4);
    assert_int_equal(set(r, MGMT, 8, CLOCK, 10, (const uint8_t[]){0x11, 0}, 2), 4);
    assert_int_equal(act(r, MGMT, 8, CLOCK, 7, NULL, 0), 4);
    assert_int_equal(act(r, MGMT, 8, CLOCK, 0, NULL, 0), 4);
    assert_int_equal(act(r, MGMT, 1, (const uint8_t[6]){0, 0, 96, 14, 0, 255}, 1, NULL, 0), 4);
    /* read-write-denied (3): the secret, a read-only attribute, the public client's writes and
     * methods, a method not offered (Profile generic capture, m2), a register reset (refused) */
    assert_int_equal(get(r, PUB, 15, ASSOCIATION, 7), 3);
    assert_int_equal(get(r, MGMT, 15, ASSOCIATION, 7), 3);
    assert_int_equal(set(r, PUB, 8, CLOCK, 3, (const uint8_t[]){0x10, 0xFF, 0x88}, 3), 3);
    assert_int_equal(set(r, MGMT, 8, CLOCK, 4, (const uint8_t[]){0x11, 0}, 2), 3);
    assert_int_equal(
        set(r, MGMT, 8, CLOCK, 1, (const uint8_t[]){0x09, 0x06, 0, 0, 1, 0, 0, 255}, 8), 3);
    assert_int_equal(set(r, MGMT, 3, APLUS, 2, (const uint8_t[]){0x15, 0, 0, 0, 0, 0, 0, 0, 0}, 9),
                     3);
    assert_int_equal(act(r, PUB, 8, CLOCK, 1, NULL, 0), 3);
    assert_int_equal(act(r, MGMT, 3, APLUS, 1, (const uint8_t[]){0x0F, 0}, 2), 3);
    assert_int_equal(act(r, MGMT, 7, LP1, 2, NULL, 0), 3); /* capture: not offered */
    /* other-reason (250): selective access where the class has none, an unknown selector */
    struct mfw_cosem_ref ref = ref_of(8, CLOCK, 2);
    struct mfw_cosem_stream s;
    ref.has_selection = true;
    ref.selector = 1;
    assert_int_equal(mfw_cosem_get_open(&r->ctx[MGMT], &ref, &s), 250);
    ref = ref_of(7, LP1, 3);
    ref.has_selection = true;
    ref.selector = 2;
    assert_int_equal(mfw_cosem_get_open(&r->ctx[MGMT], &ref, &s), 250);
    ref = ref_of(7, LP1, 2);
    ref.has_selection = true;
    ref.selector = 3;
    assert_int_equal(mfw_cosem_get_open(&r->ctx[MGMT], &ref, &s), 250);
    ref = ref_of(7, LP1, 4);
    ref.has_selection = true;
    ref.selector = 1;
    assert_int_equal(mfw_cosem_set(&r->ctx[MGMT], &ref, (const uint8_t[]){0x06, 0, 0, 3, 0x84}, 5),
                     250);
    /* type-unmatched (12): a time_zone that is not a long, a reset with a long-unsigned */
    assert_int_equal(set(r, MGMT, 8, CLOCK, 3, (const uint8_t[]){0x11, 0}, 2), 12);
    assert_int_equal(act(r, MGMT, 7, LP1, 1, (const uint8_t[]){0x12, 0, 0}, 3), 12);
    /* temporary-failure (2): a reset with no store to clear */
    assert_int_equal(act(r, MGMT, 7, LP1, 1, (const uint8_t[]){0x0F, 0}, 2), 2);
    free(r);
}

/* The switches need HLS-GMAC (docs/dlms.md "Revenue protection objects"): the management client
 * associated with LLS reads Disconnect control but neither invokes remote_disconnect nor writes
 * control_mode nor tops up credit (read-write-denied, 3, and nothing changes); with HLS-GMAC
 * remote_disconnect succeeds (transition b: control_state 0). A setting that switches nothing
 * (the clock's time zone) stays writable under LLS. */
static void switches_need_hls(void **st)
{
    (void)st;
    struct rig *r = rig_full();
    static const uint8_t DC[6] = {0, 0, 96, 3, 10, 255};
    static const uint8_t TOKEN[6] = {0, 0, 19, 40, 0, 255};
    static const uint8_t ZERO[] = {0x0F, 0x00};  /* integer(0) */
    static const uint8_t MODE1[] = {0x16, 0x01}; /* enum 1 */
    static const uint8_t TOK[] = {0x09, 0x08, 0, 0, 0, 1, 0, 0, 0, 20};
    r->ses[MGMT].mechanism = 1; /* LLS */
    assert_int_equal(act(r, MGMT, 70, DC, 1, ZERO, sizeof ZERO), 3);
    assert_int_equal(set(r, MGMT, 70, DC, 4, MODE1, sizeof MODE1), 3);
    assert_int_equal(act(r, MGMT, 115, TOKEN, 1, TOK, sizeof TOK), 3);
    assert_int_equal(r->m.disc.state, 1); /* still connected */
    assert_int_equal(set(r, MGMT, 8, (const uint8_t[6]){0, 0, 1, 0, 0, 255}, 3,
                         (const uint8_t[]){0x10, 0xFF, 0xC4}, 3),
                     0); /* time_zone -60 */
    unsigned idx;        /* still in its view, to read */
    assert_int_equal(mfw_cosem_find(&r->cosem, MGMT, 70, DC, &idx), MFW_OK);
    r->ses[MGMT].mechanism = 5; /* HLS-GMAC */
    assert_int_equal(act(r, MGMT, 70, DC, 1, ZERO, sizeof ZERO), 0);
    assert_int_equal(r->m.disc.state, 0);
    free(r);
}

/* What the dispatcher answers itself: logical_name (attribute 1) of every object, an octet-string
 * of 6; and the stream's header for an array attribute. */
static void logical_names_and_headers(void **st)
{
    (void)st;
    struct rig *r = rig_full();
    uint8_t buf[MFW_COSEM_ITEM_MAX];
    struct mfw_wcursor w;
    for (unsigned i = 0; i < mfw_cosem_object_count(); i++) {
        uint16_t cls;
        uint8_t ver, ln[6];
        mfw_cosem_object_info(i, &cls, &ver, ln);
        if (fw_object(ln))
            continue;
        struct mfw_cosem_ref ref = ref_of(cls, ln, 1);
        struct mfw_cosem_stream s;
        assert_int_equal(mfw_cosem_get_open(&r->ctx[MGMT], &ref, &s), 0);
        assert_false(s.array);
        assert_int_equal(s.items, 1);
        mfw_wcursor_init(&w, buf, sizeof buf);
        mfw_cosem_get_header(&r->ctx[MGMT], &s, &w);
        assert_int_equal(mfw_cosem_get_item(&r->ctx[MGMT], &s, 0, &w), 0);
        uint8_t want[8] = {0x09, 0x06};
        memcpy(want + 2, ln, 6);
        assert_int_equal(w.len, 8);
        assert_memory_equal(buf, want, 8);
    }
    /* LP1 capture_objects: clock, AMR status, A+, A-, R+, R-: an array of 6, then item 0 the
     * clock {8, 0.0.1.0.0.255, 2, 0} */
    struct mfw_cosem_ref ref = ref_of(7, LP1, 3);
    struct mfw_cosem_stream s;
    assert_int_equal(mfw_cosem_get_open(&r->ctx[MGMT], &ref, &s), 0);
    assert_true(s.array);
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_cosem_get_header(&r->ctx[MGMT], &s, &w);
    assert_int_equal(mfw_cosem_get_item(&r->ctx[MGMT], &s, 0, &w), 0);
    static const uint8_t capture[] = {0x01, 0x06, 0x02, 0x04, 0x12, 0x00, 0x08, 0x09, 0x06, 0x00,
                                      0x00, 0x01, 0x00, 0x00, 0xFF, 0x0F, 0x02, 0x12, 0x00, 0x00};
    assert_int_equal(w.len, sizeof capture);
    assert_memory_equal(buf, capture, sizeof capture);
    /* the public object list: 6 elements */
    ref = ref_of(15, ASSOCIATION, 2);
    assert_int_equal(mfw_cosem_get_open(&r->ctx[PUB], &ref, &s), 0);
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_cosem_get_header(&r->ctx[PUB], &s, &w);
    assert_int_equal(w.len, 2);
    assert_memory_equal(buf, "\x01\x06", 2);
    free(r);
}

/* The object model's and the server's configuration checks. */
static void init_arguments(void **st)
{
    (void)st;
    static struct mfw_meter m;
    static struct mfw_cosem c;
    static struct mfw_dlms_server s;
    static const struct mfw_hal none;
    struct mfw_meter_config mc;
    mfw_meter_default_config(&mc, MFW_METER_162M);
    assert_int_equal(mfw_meter_init(&m, &mc, &none, T0), MFW_OK);
    struct mfw_cosem_config cfg;
    mfw_cosem_default_config(&cfg);
    assert_int_equal(cfg.tcp_port, 4059);
    assert_int_equal(mfw_cosem_init(NULL, &m, &cfg), MFW_E_ARG);
    assert_int_equal(mfw_cosem_init(&c, NULL, &cfg), MFW_E_ARG);
    assert_int_equal(mfw_cosem_init(&c, &m, NULL), MFW_E_ARG);
    assert_int_equal(mfw_cosem_init(&c, &m, &cfg), MFW_OK);
    assert_int_equal(c.env.mss, 1460);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    assert_int_equal(mfw_dlms_server_init(&s, NULL, &dc), MFW_E_ARG);
    assert_int_equal(mfw_dlms_server_init(&s, &c, &dc), MFW_OK);
    assert_ptr_equal(s.cosem, &c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(class_table),
        cmocka_unit_test(objects_in_class_table),
        cmocka_unit_test(logical_names_unique_and_found),
        cmocka_unit_test(rights_per_client),
        cmocka_unit_test(single_phase_view),
        cmocka_unit_test(model_options_view),
        cmocka_unit_test(every_attribute_reads),
        cmocka_unit_test(switches_need_hls),
        cmocka_unit_test(results_of_the_dispatcher),
        cmocka_unit_test(logical_names_and_headers),
        cmocka_unit_test(init_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
