/* SPDX-License-Identifier: Apache-2.0 */
/* xDLMS GET / SET / ACTION: the requests the Gurux client sends (captured in
 * tests/vectors/w_*.txt, and seen in the interoperability runs of docs/dlms.md) decoded, and the
 * responses encoded and compared with bytes worked out by hand from the Green Book ASN.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hexbytes.h"

#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/cosem/selective_access.h"
#include "meterfw/dlms/xdlms.h"

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = hex_decode(s, out, cap);
    assert_true(n != HEX_BAD);
    return n;
}

static const uint8_t LN_ASSOC[6] = {0, 0, 40, 0, 0, 255};
static const uint8_t LN_CLOCK[6] = {0, 0, 1, 0, 0, 255};
static const uint8_t LN_SEL[6] = {1, 0, 99, 98, 0, 255};

/* w_public_clock.txt: GetAssociationView, then the clock, then GET next-data-block. */
static void get_requests_from_vectors(void **st)
{
    (void)st;
    uint8_t b[64];
    struct mfw_xdlms_get_req rq;
    size_t n = hex("C0 01 C1 00 0F 00 00 28 00 00 FF 02 00", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_get(b, n, &rq), MFW_OK);
    assert_int_equal(rq.kind, MFW_XDLMS_GET_NORMAL);
    assert_int_equal(rq.invoke, 0xC1);
    assert_int_equal(rq.n, 1);
    assert_int_equal(rq.ref[0].class_id, 15);
    assert_memory_equal(rq.ref[0].obis, LN_ASSOC, 6);
    assert_int_equal(rq.ref[0].id, 2);
    assert_false(rq.ref[0].has_selection);

    n = hex("C0 01 C1 00 08 00 00 01 00 00 FF 02 00", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_get(b, n, &rq), MFW_OK);
    assert_int_equal(rq.ref[0].class_id, 8);
    assert_memory_equal(rq.ref[0].obis, LN_CLOCK, 6);

    n = hex("C0 02 C1 00 00 00 01", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_get(b, n, &rq), MFW_OK);
    assert_int_equal(rq.kind, MFW_XDLMS_GET_NEXT);
    assert_int_equal(rq.block, 1);

    /* the interoperability runs (docs/dlms.md): the scaler_units in one GET-with-list */
    n = hex("C0 03 C1 02 00 03 01 01 15 19 00 FF 03 00 00 05 01 00 1F 04 00 FF 04 00", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_get(b, n, &rq), MFW_OK);
    assert_int_equal(rq.kind, MFW_XDLMS_GET_WITH_LIST);
    assert_int_equal(rq.n, 2);
    assert_int_equal(rq.ref[0].class_id, 3);
    assert_int_equal(rq.ref[0].id, 3);
    assert_int_equal(rq.ref[1].class_id, 5);
    assert_int_equal(rq.ref[1].id, 4);
}

static void selective_access_from_the_client(void **st)
{
    (void)st;
    uint8_t b[128];
    struct mfw_xdlms_get_req rq;
    /* by entry: rows 1..1, all columns */
    size_t n = hex("C0 01 C1 00 07 01 00 63 62 00 FF 02 01 02 02 04 06 00 00 00 01 06 00 00 00 01"
                   " 12 00 01 12 00 00",
                   b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_get(b, n, &rq), MFW_OK);
    assert_true(rq.ref[0].has_selection);
    assert_int_equal(rq.ref[0].selector, 2);
    assert_memory_equal(rq.ref[0].obis, LN_SEL, 6);
    struct mfw_selective_access_entry e;
    assert_int_equal(mfw_selective_access_parse_entry(&rq.ref[0].params, &e), MFW_OK);
    assert_int_equal(e.from_entry, 1);
    assert_int_equal(e.to_entry, 1);
    assert_int_equal(e.from_value, 1);
    assert_int_equal(e.to_value, 0);

    /* by range: clock 8/0.0.1.0.0.255/2, 2026-11-25 00:00:00 .. 17:30:13, deviation 0 */
    n = hex("C0 01 C1 00 07 01 00 63 62 00 FF 02 01 01 02 04 02 04 12 00 08 09 06 00 00 01 00 00 FF"
            " 0F 02 12 00 00 09 0C 07 EA 0B 19 03 00 00 00 00 00 00 00"
            " 09 0C 07 EA 0B 19 03 11 1E 0D 00 00 00 00 01 00",
            b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_get(b, n, &rq), MFW_OK);
    assert_int_equal(rq.ref[0].selector, 1);
    struct mfw_selective_access_range r;
    assert_int_equal(mfw_selective_access_parse_range(&rq.ref[0].params, &r), MFW_OK);
    assert_int_equal(r.class_id, 8);
    assert_memory_equal(r.obis, LN_CLOCK, 6);
    assert_int_equal(r.attr, 2);
    assert_int_equal(r.data_index, 0);
    assert_int_equal(r.n_selected, 0);
    struct mfw_rcursor rc;
    struct mfw_cosem_datetime dt;
    mfw_rcursor_init(&rc, r.to.p, r.to.len);
    assert_int_equal(mfw_axdr_get_datetime(&rc, &dt), MFW_OK);
    assert_int_equal(dt.hour, 17);
    assert_int_equal(dt.minute, 30);
    assert_int_equal(dt.second, 13);
    assert_int_equal(dt.deviation, 0);
}

static void malformed_requests(void **st)
{
    (void)st;
    uint8_t b[64];
    struct mfw_xdlms_get_req rq;
    size_t n = hex("C0 01 C1 00 0F 00 00 28 00 00 FF 02 00", b, sizeof b);
    for (size_t k = 0; k < n; k++) /* every truncation */
        assert_int_equal(mfw_xdlms_parse_get(b, k, &rq), MFW_E_FORMAT);
    b[n] = 0x00; /* a trailing byte */
    assert_int_equal(mfw_xdlms_parse_get(b, n + 1, &rq), MFW_E_FORMAT);
    n = hex("C0 01 C1 00 0F 00 00 28 00 00 FF 02 02", b, sizeof b); /* presence byte 2 */
    assert_int_equal(mfw_xdlms_parse_get(b, n, &rq), MFW_E_FORMAT);
    n = hex("C0 07 C1", b, sizeof b); /* unknown choice */
    assert_int_equal(mfw_xdlms_parse_get(b, n, &rq), MFW_E_FORMAT);
    n = hex("C0 03 C1 00", b, sizeof b); /* an empty list */
    assert_int_equal(mfw_xdlms_parse_get(b, n, &rq), MFW_E_FORMAT);
    n = hex("C0 01 C1 00 07 01 00 63 62 00 FF 02 01 02 02 04 06 00", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_get(b, n, &rq), MFW_E_FORMAT); /* truncated parameters */
}

static void set_and_action_requests(void **st)
{
    (void)st;
    uint8_t b[64];
    struct mfw_xdlms_set_req sq;
    /* SET clock time to 2026-11-25 12:00:00, deviation -60, status 0 */
    size_t n = hex("C1 01 C1 00 08 00 00 01 00 00 FF 02 00"
                   " 09 0C 07 EA 0B 19 03 0C 00 00 00 FF C4 00",
                   b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_set(b, n, &sq), MFW_OK);
    assert_int_equal(sq.kind, MFW_XDLMS_SET_NORMAL);
    assert_int_equal(sq.ref[0].id, 2);
    assert_int_equal(sq.value[0].len, 14);
    assert_int_equal(sq.value[0].p[0], 0x09);
    /* with-first-datablock: last, block 1, 3 raw bytes */
    n = hex("C1 02 C1 00 08 00 00 01 00 00 FF 03 00 01 00 00 00 01 03 10 FF C4", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_set(b, n, &sq), MFW_OK);
    assert_int_equal(sq.kind, MFW_XDLMS_SET_FIRST_BLOCK);
    assert_true(sq.last_block);
    assert_int_equal(sq.block, 1);
    assert_int_equal(sq.raw.len, 3);
    /* with-list: two values */
    n = hex("C1 04 C1 02 00 08 00 00 01 00 00 FF 07 00 00 08 00 00 01 00 00 FF 08 00"
            " 02 0F 3C 03 01",
            b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_set(b, n, &sq), MFW_OK);
    assert_int_equal(sq.n, 2);
    assert_int_equal(sq.value[1].len, 2);
    n = hex("C1 04 C1 02 00 08 00 00 01 00 00 FF 07 00 00 08 00 00 01 00 00 FF 08 00 01 0F 3C", b,
            sizeof b); /* one value for two references */
    assert_int_equal(mfw_xdlms_parse_set(b, n, &sq), MFW_E_FORMAT);

    struct mfw_xdlms_action_req aq;
    n = hex("C3 01 C1 00 08 00 00 01 00 00 FF 06 01 10 00 0A", b, sizeof b); /* shift_time(10) */
    assert_int_equal(mfw_xdlms_parse_action(b, n, &aq), MFW_OK);
    assert_int_equal(aq.ref.class_id, 8);
    assert_int_equal(aq.ref.id, 6);
    assert_true(aq.has_params);
    assert_int_equal(aq.params.len, 3);
    n = hex("C3 01 C1 00 07 01 00 63 01 00 FF 01 00", b, sizeof b); /* reset, no parameters */
    assert_int_equal(mfw_xdlms_parse_action(b, n, &aq), MFW_OK);
    assert_false(aq.has_params);
    n = hex("C3 01 C1 00 07 01 00 63 01 00 FF 01 01", b, sizeof b); /* parameters missing */
    assert_int_equal(mfw_xdlms_parse_action(b, n, &aq), MFW_E_FORMAT);
    /* with-first-pblock: not last, block 1, 2 raw bytes */
    n = hex("C3 04 C1 00 09 00 00 0A 00 01 FF 01 00 00 00 00 01 02 12 00", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_action(b, n, &aq), MFW_OK);
    assert_int_equal(aq.kind, MFW_XDLMS_ACTION_WITH_FIRST_PBLOCK);
    assert_int_equal(aq.ref.class_id, 9);
    assert_int_equal(aq.ref.id, 1);
    assert_false(aq.last_block);
    assert_int_equal(aq.block, 1);
    assert_int_equal(aq.raw.len, 2);
    assert_int_equal(aq.raw.p[0], 0x12);
    for (size_t k = 0; k < n; k++) /* every truncation */
        assert_int_equal(mfw_xdlms_parse_action(b, k, &aq), MFW_E_FORMAT);
    /* with-pblock: last, block 2, 1 raw byte */
    n = hex("C3 06 C1 01 00 00 00 02 01 01", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_action(b, n, &aq), MFW_OK);
    assert_int_equal(aq.kind, MFW_XDLMS_ACTION_WITH_PBLOCK);
    assert_true(aq.last_block);
    assert_int_equal(aq.block, 2);
    assert_int_equal(aq.raw.len, 1);
    /* raw length beyond the APDU, a last-block byte of 2, a trailing byte, with-list, next-pblock */
    n = hex("C3 06 C1 01 00 00 00 02 02 01", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_action(b, n, &aq), MFW_E_FORMAT);
    n = hex("C3 06 C1 02 00 00 00 02 01 01", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_action(b, n, &aq), MFW_E_FORMAT);
    n = hex("C3 06 C1 01 00 00 00 02 01 01 00", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_action(b, n, &aq), MFW_E_FORMAT);
    n = hex("C3 03 C1 01 00 09 00 00 0A 00 01 FF 01 01 01 12 00 01", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_action(b, n, &aq), MFW_E_FORMAT);
    n = hex("C3 02 C1 00 00 00 01", b, sizeof b);
    assert_int_equal(mfw_xdlms_parse_action(b, n, &aq), MFW_E_FORMAT);
}

static void check(const struct mfw_wcursor *w, const char *expect)
{
    uint8_t b[64];
    size_t n = hex(expect, b, sizeof b);
    assert_int_equal(w->err, 0);
    assert_int_equal(w->len, n);
    assert_memory_equal(w->p, b, n);
}

static void responses_by_hand(void **st)
{
    (void)st;
    uint8_t buf[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_get_normal_dar(&w, 0xC1, MFW_DAR_READ_WRITE_DENIED);
    check(&w, "C4 01 C1 01 03");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_get_normal_data_begin(&w, 0xC1);
    mfw_axdr_put_u8(&w, 7);
    check(&w, "C4 01 C1 00 11 07");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_get_block_begin(&w, 0xC1, false, 1, 0x1DA);
    check(&w, "C4 02 C1 00 00 00 00 01 00 82 01 DA"); /* as in w_public_clock.txt */
    assert_int_equal(mfw_xdlms_get_block_overhead(0x1DA), 12);
    assert_int_equal(mfw_xdlms_get_block_overhead(0x10), 10);
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_get_block_dar(&w, 0xC1, 3, MFW_DAR_LONG_GET_ABORTED);
    check(&w, "C4 02 C1 01 00 00 00 03 01 0F");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_get_list_begin(&w, 0xC1, 2);
    check(&w, "C4 03 C1 02");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_set_normal(&w, 0xC1, MFW_DAR_TYPE_UNMATCHED);
    check(&w, "C5 01 C1 0C");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_set_block_ack(&w, 0xC1, 2);
    check(&w, "C5 02 C1 00 00 00 02");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_set_last_block(&w, 0xC1, 0, 3);
    check(&w, "C5 03 C1 00 00 00 00 03");
    const uint8_t res[2] = {0, 3};
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_set_list(&w, 0xC1, res, 2);
    check(&w, "C5 05 C1 02 00 03");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_action_normal(&w, 0xC1, 0, false);
    check(&w, "C7 01 C1 00 00");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_action_normal(&w, 0xC1, 0, true);
    mfw_axdr_put_u8(&w, 1);
    check(&w, "C7 01 C1 00 01 00 11 01");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_action_next_pblock(&w, 0xC1, 2);
    check(&w, "C7 04 C1 00 00 00 02");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_exception(&w, MFW_XDLMS_STATE_SERVICE_NOT_ALLOWED,
                            MFW_XDLMS_SERVICE_OPERATION_NOT_POSSIBLE);
    check(&w, "D8 01 01");
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_xdlms_put_confirmed_error(&w, 5, 0);
    check(&w, "0E 05 03 00");
}

/* DataNotification by hand: 0F, invoke 4 bytes, date-time absent (00) or 0C + 12 bytes, Data. */
static void data_notification(void **st)
{
    (void)st;
    uint8_t buf[64];
    struct mfw_wcursor w;
    const uint8_t body_u8[] = {0x11, 0x07}; /* unsigned 7 */
    mfw_wcursor_init(&w, buf, sizeof buf);
    assert_int_equal(mfw_xdlms_build_data_notification(0x80000005u, NULL, body_u8, 2, &w), MFW_OK);
    check(&w, "0F 80 00 00 05 00 11 07");
    /* 2026-11-25 (Wednesday) 16:26:30.00, deviation -60, status 0x80 (DST bit) */
    struct mfw_cosem_datetime dt = {.year = 2026,
                                    .month = 11,
                                    .day = 25,
                                    .day_of_week = 3,
                                    .hour = 16,
                                    .minute = 26,
                                    .second = 30,
                                    .hundredths = 0,
                                    .deviation = -60,
                                    .mfw_clock_status = 0x80};
    /* body: structure {octet-string "AB", double-long-unsigned 1000} */
    const uint8_t body_st[] = {0x02, 0x02, 0x09, 0x02, 0x41, 0x42, 0x06, 0x00, 0x00, 0x03, 0xE8};
    mfw_wcursor_init(&w, buf, sizeof buf);
    assert_int_equal(mfw_xdlms_build_data_notification(1, &dt, body_st, sizeof body_st, &w),
                     MFW_OK);
    check(&w, "0F 00 00 00 01 0C 07 EA 0B 19 03 10 1A 1E 00 FF C4 80"
              " 02 02 09 02 41 42 06 00 00 03 E8");
    /* too small a buffer: the sticky error */
    mfw_wcursor_init(&w, buf, 10);
    assert_int_equal(mfw_xdlms_build_data_notification(1, &dt, body_st, sizeof body_st, &w),
                     MFW_E_NOSPACE);
    mfw_wcursor_init(&w, buf, sizeof buf);
    assert_int_equal(mfw_xdlms_build_data_notification(1, NULL, NULL, 0, &w), MFW_E_ARG);
    assert_int_equal(mfw_xdlms_build_data_notification(1, NULL, body_u8, 0, &w), MFW_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_requests_from_vectors),
        cmocka_unit_test(selective_access_from_the_client),
        cmocka_unit_test(malformed_requests),
        cmocka_unit_test(set_and_action_requests),
        cmocka_unit_test(responses_by_hand),
        cmocka_unit_test(data_notification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
