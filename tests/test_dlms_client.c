/* SPDX-License-Identifier: Apache-2.0 */
/* The DLMS client (dlms_client.h) against the exchanges captured between the Gurux DLMS C client
 * and server (tests/vectors, README there; read by tests/support/vectors.h): every request we
 * build for the same content equals the Gurux client's TX APDU byte for byte (wrapper header
 * stripped), and every server answer there (AARE, GET-Response-Normal, the 9 blocks of the object
 * list, RLRE) decodes. Requests the captures do not contain (selective access, with-list, SET,
 * ACTION) are checked against encodings worked out by hand from the Green Book 9.5 ASN.1 and Blue
 * Book 4.3.6. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vectors.h"

#include "crypto_posix.h"
#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/dlms/acse.h"
#include "meterfw/dlms/dlms_client.h"

/* The captured APDUs (wrapper header stripped), loaded by load_vectors() before the tests; each
 * array has the size of its APDU, which the loader checks. */
/* w_public_clock.txt TX 1 and w_lls_clock.txt TX 1: the client's AARQs. */
static uint8_t aarq_public[31];
static uint8_t aarq_lls[53];
static uint8_t aarq_gmac[95]; /* w_gmac_clock.txt TX 1 */
/* RX 1 of each: the server's AAREs. */
static uint8_t aare_public[43];
static uint8_t aare_lls[43];
/* w_gmac_clock.txt RX 1: an AARE with responding AP title, mechanism, StoC and a ciphered
 * initiate response (glo-initiate-response 0x28), result-source-diagnostic 14. */
static uint8_t aare_gmac[107];
/* w_public_clock.txt: GET of the association view (TX 2) and of the clock (TX -2, the last but
 * one). */
static uint8_t get_objlist[13];
static uint8_t get_clock[13];
/* RX -2: the clock value, with the server's 18 stray bytes after it. */
static uint8_t resp_clock[36];
/* The release, the last TX and RX. */
static uint8_t rlrq_plain[5];
static uint8_t rlre_plain[5];
/* The object list comes in 9 GET-Response-With-Datablock APDUs, w_public_clock.txt RX 2..10. */
#define OBJLIST_BLOCKS 9

static int load_vectors(void **state)
{
    (void)state;
    static const struct vec_want v[] = {
        {"w_public_clock.txt", VEC_TX, 1, aarq_public, sizeof aarq_public},
        {"w_lls_clock.txt", VEC_TX, 1, aarq_lls, sizeof aarq_lls},
        {"w_gmac_clock.txt", VEC_TX, 1, aarq_gmac, sizeof aarq_gmac},
        {"w_public_clock.txt", VEC_RX, 1, aare_public, sizeof aare_public},
        {"w_lls_clock.txt", VEC_RX, 1, aare_lls, sizeof aare_lls},
        {"w_gmac_clock.txt", VEC_RX, 1, aare_gmac, sizeof aare_gmac},
        {"w_public_clock.txt", VEC_TX, 2, get_objlist, sizeof get_objlist},
        {"w_public_clock.txt", VEC_TX, -2, get_clock, sizeof get_clock},
        {"w_public_clock.txt", VEC_RX, -2, resp_clock, sizeof resp_clock},
        {"w_public_clock.txt", VEC_TX, -1, rlrq_plain, sizeof rlrq_plain},
        {"w_public_clock.txt", VEC_RX, -1, rlre_plain, sizeof rlre_plain},
    };
    if (vec_load_all(v, sizeof v / sizeof v[0]) != VEC_OK)
        return -1;
    return 0;
}

static const uint8_t ln_clock[6] = {0, 0, 1, 0, 0, 0xFF};
static const uint8_t ln_assoc[6] = {0, 0, 40, 0, 0, 0xFF};
static const uint8_t ln_lp1[6] = {1, 0, 99, 1, 0, 0xFF};

/* Block k (1..9) of the object list in a fresh exact-size heap block (ASan sees any over-read). */
static uint8_t *objlist_block(unsigned k, size_t *n)
{
    static uint8_t tmp[VEC_LINE_MAX];
    assert_int_equal(vec_apdu("w_public_clock.txt", VEC_RX, (int)k + 1, tmp, sizeof tmp, n),
                     VEC_OK);
    uint8_t *p = malloc(*n ? *n : 1);
    assert_non_null(p);
    memcpy(p, tmp, *n);
    return p;
}

static void assert_built(const uint8_t *want, size_t want_len, const uint8_t *got, size_t got_len)
{
    assert_int_equal(got_len, want_len);
    assert_memory_equal(got, want, want_len);
}

static void test_aarq_public(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    struct mfw_dlms_client_aarq_params p = {.mechanism = MFW_ACSE_MECH_LOWEST,
                                            .password = NULL,
                                            .password_len = 0,
                                            .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                            .max_pdu = 0xFFFF};
    assert_int_equal(mfw_dlms_client_build_aarq(&p, &w), MFW_OK);
    assert_built(aarq_public, sizeof(aarq_public), buf, w.len);
    /* and our own server side reads it back as the same request */
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(buf, w.len, &q), MFW_OK);
    assert_int_equal(q.context, MFW_ACSE_CTX_LN);
    assert_int_equal(q.initiate.conformance, MFW_DLMS_CLIENT_CONFORMANCE_GURUX);
    assert_int_equal(q.initiate.client_max_pdu, 0xFFFF);
}

static void test_aarq_lls(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    static const uint8_t pw[] = {'G', 'u', 'r', 'u', 'x'};
    struct mfw_dlms_client_aarq_params p = {.mechanism = MFW_ACSE_MECH_LLS,
                                            .password = pw,
                                            .password_len = sizeof(pw),
                                            .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                            .max_pdu = 0xFFFF};
    assert_int_equal(mfw_dlms_client_build_aarq(&p, &w), MFW_OK);
    assert_built(aarq_lls, sizeof(aarq_lls), buf, w.len);
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(buf, w.len, &q), MFW_OK);
    assert_int_equal(q.mechanism, MFW_ACSE_MECH_LLS);
    assert_int_equal(q.auth_value.len, 5);
    assert_memory_equal(q.auth_value.p, pw, 5);
}

/* HLS-GMAC: the capture's AARQ byte for byte from its title, CtoS, keys, SC 30 and IC 1
 * (tests/vectors/README.md), its InitiateRequest ciphered as glo-initiate-request. */
static void test_aarq_gmac(void **state)
{
    (void)state;
    static const uint8_t title[8] = {'G', 'u', 'r', 'u', 'x', '1', '2', '3'};
    static const uint8_t ctos[16] = {0x70, 0x38, 0x9C, 0xCE, 0x67, 0xB3, 0x59, 0xAC,
                                     0x56, 0xAB, 0x55, 0x2A, 0x15, 0x8A, 0x45, 0x22};
    static const uint8_t ek[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                   0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
    static const uint8_t ak[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                                   0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
    const struct mfw_security_keys keys = {ek, ak};
    struct mfw_dlms_client_aarq_params p = {.mechanism = MFW_ACSE_MECH_HLS_GMAC,
                                            .password = ctos,
                                            .password_len = sizeof ctos,
                                            .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                            .max_pdu = 0xFFFF,
                                            .calling_title = title,
                                            .crypto = crypto_posix_port(),
                                            .keys = &keys,
                                            .sc = 0x30,
                                            .ic = 1};
    uint8_t buf[256];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(mfw_dlms_client_build_aarq(&p, &w), MFW_OK);
    assert_built(aarq_gmac, sizeof(aarq_gmac), buf, w.len);
    /* a challenge out of 8..64, no title: refused */
    p.password_len = 7;
    assert_int_equal(mfw_dlms_client_build_aarq(&p, &w), MFW_E_ARG);
    p.password_len = 16;
    p.calling_title = NULL;
    assert_int_equal(mfw_dlms_client_build_aarq(&p, &w), MFW_E_ARG);
}

static void test_aarq_long_password_and_args(void **state)
{
    (void)state;
    uint8_t buf[256];
    uint8_t pw[127];
    memset(pw, 'x', sizeof(pw));
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    struct mfw_dlms_client_aarq_params p = {.mechanism = MFW_ACSE_MECH_LLS,
                                            .password = pw,
                                            .password_len = sizeof(pw),
                                            .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                            .max_pdu = 1024};
    assert_int_equal(mfw_dlms_client_build_aarq(&p, &w), MFW_OK);
    /* 127 + 2 bytes in [12] push the AARQ over 127 bytes: 60 81 nn */
    assert_int_equal(buf[0], 0x60);
    assert_int_equal(buf[1], 0x81);
    assert_int_equal(buf[2], w.len - 3);
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(buf, w.len, &q), MFW_OK);
    assert_int_equal(q.auth_value.len, 127);
    assert_int_equal(q.initiate.client_max_pdu, 1024);
    /* refused arguments */
    p.password_len = 128;
    assert_int_equal(mfw_dlms_client_build_aarq(&p, &w), MFW_E_ARG);
    p.password_len = 0;
    assert_int_equal(mfw_dlms_client_build_aarq(&p, &w), MFW_E_ARG);
    p.mechanism = MFW_ACSE_MECH_HLS_GMAC;
    assert_int_equal(mfw_dlms_client_build_aarq(&p, &w), MFW_E_ARG);
    /* no room: the cursor's error */
    uint8_t small[10];
    mfw_wcursor_init(&w, small, sizeof(small));
    struct mfw_dlms_client_aarq_params q2 = {.mechanism = MFW_ACSE_MECH_LOWEST,
                                             .password = NULL,
                                             .password_len = 0,
                                             .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                             .max_pdu = 0xFFFF};
    assert_int_equal(mfw_dlms_client_build_aarq(&q2, &w), MFW_E_NOSPACE);
}

static void test_aare(void **state)
{
    (void)state;
    struct mfw_acse_aare a;
    assert_int_equal(mfw_dlms_client_parse_aare(aare_public, sizeof(aare_public), &a), MFW_OK);
    assert_int_equal(a.context, MFW_ACSE_CTX_LN);
    assert_int_equal(a.result, MFW_ACSE_RESULT_ACCEPTED);
    assert_int_equal(a.diag_source, MFW_ACSE_DIAG_SOURCE_USER);
    assert_int_equal(a.diag, 0);
    assert_int_equal(a.user_info_kind, MFW_ACSE_AARE_UI_INITIATE);
    assert_int_equal(a.initiate.dlms_version, 6);
    assert_int_equal(a.initiate.conformance, MFW_ACSE_CONF_GET | MFW_ACSE_CONF_SET); /* 00 00 18 */
    assert_int_equal(a.initiate.server_max_pdu, 0x200);
    assert_int_equal(a.initiate.vaa_name, MFW_ACSE_VAA_NAME_LN);
    assert_int_equal(a.max_send_pdu, 0x200);
    assert_false(a.has_mechanism);

    assert_int_equal(mfw_dlms_client_parse_aare(aare_lls, sizeof(aare_lls), &a), MFW_OK);
    assert_int_equal(a.initiate.conformance, 0x001E1D);

    assert_int_equal(mfw_dlms_client_parse_aare(aare_gmac, sizeof(aare_gmac), &a), MFW_OK);
    assert_int_equal(a.context, MFW_ACSE_CTX_LN_CIPHERED);
    assert_int_equal(a.diag, MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED);
    assert_string_equal(mfw_dlms_client_aare_diag_name(a.diag_source, a.diag),
                        "authentication-required");
    assert_true(a.has_responding_ap_title);
    assert_memory_equal(a.responding_ap_title, "ABCDEFGH", 8);
    assert_true(a.has_mechanism);
    assert_int_equal(a.mechanism, MFW_ACSE_MECH_HLS_GMAC);
    assert_int_equal(a.auth_value.len, 16);
    assert_int_equal(a.user_info_kind, MFW_ACSE_AARE_UI_RAW);
    assert_int_equal(a.user_info_raw.p[0], MFW_ACSE_XDLMS_GLO_INITIATE_RESPONSE);

    /* every truncation is refused, in an exact-size block */
    for (size_t n = 0; n < sizeof(aare_public); n++) {
        uint8_t *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, aare_public, n);
        assert_int_equal(mfw_dlms_client_parse_aare(p, n, &a), MFW_E_FORMAT);
        free(p);
    }
}

/* Our server's rejections, as mfw_acse_build_aare writes them, decode with their reason. */
static void test_aare_rejected_roundtrip(void **state)
{
    (void)state;
    struct mfw_acse_aare in;
    memset(&in, 0, sizeof(in));
    in.context = MFW_ACSE_CTX_LN;
    in.result = MFW_ACSE_RESULT_REJECTED_PERMANENT;
    in.diag_source = MFW_ACSE_DIAG_SOURCE_USER;
    in.diag = MFW_ACSE_DIAG_AUTHENTICATION_FAILURE;
    in.user_info_kind = MFW_ACSE_AARE_UI_ERROR;
    in.initiate_error = MFW_ACSE_INIT_ERR_OTHER;
    uint8_t buf[128];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(mfw_acse_build_aare(&in, &w), MFW_OK);
    struct mfw_acse_aare out;
    assert_int_equal(mfw_dlms_client_parse_aare(buf, w.len, &out), MFW_OK);
    assert_int_equal(out.result, MFW_ACSE_RESULT_REJECTED_PERMANENT);
    assert_int_equal(out.diag, MFW_ACSE_DIAG_AUTHENTICATION_FAILURE);
    assert_string_equal(mfw_dlms_client_aare_diag_name(out.diag_source, out.diag),
                        "authentication-failure");
    assert_int_equal(out.user_info_kind, MFW_ACSE_AARE_UI_ERROR);
    assert_int_equal(out.initiate_error, MFW_ACSE_INIT_ERR_OTHER);
}

static void test_release(void **state)
{
    (void)state;
    uint8_t buf[16];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(mfw_dlms_client_build_rlrq(&w), MFW_OK);
    assert_built(rlrq_plain, sizeof(rlrq_plain), buf, w.len);
    struct mfw_acse_rlre r;
    assert_int_equal(mfw_dlms_client_parse_rlre(rlre_plain, sizeof(rlre_plain), &r), MFW_OK);
    assert_true(r.has_reason);
    assert_int_equal(r.reason, MFW_ACSE_RELEASE_NORMAL);
    static const uint8_t empty[] = {0x63, 0x00};
    assert_int_equal(mfw_dlms_client_parse_rlre(empty, sizeof(empty), &r), MFW_OK);
    assert_false(r.has_reason);
    assert_int_equal(mfw_dlms_client_parse_rlre(rlre_plain, 4, &r), MFW_E_FORMAT);
    assert_int_equal(mfw_dlms_client_parse_rlre(rlrq_plain, 5, &r), MFW_E_FORMAT);
}

static void test_get_requests(void **state)
{
    (void)state;
    uint8_t buf[64];
    struct mfw_wcursor w;
    struct mfw_dlms_client_ref clock = {8, {0}, 2}, assoc = {15, {0}, 2};
    memcpy(clock.ln, ln_clock, 6);
    memcpy(assoc.ln, ln_assoc, 6);
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(mfw_dlms_client_build_get(MFW_DLMS_CLIENT_INVOKE_DEFAULT, &clock, NULL, &w),
                     MFW_OK);
    assert_built(get_clock, sizeof(get_clock), buf, w.len);
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(mfw_dlms_client_build_get(MFW_DLMS_CLIENT_INVOKE_DEFAULT, &assoc, NULL, &w),
                     MFW_OK);
    assert_built(get_objlist, sizeof(get_objlist), buf, w.len);
    /* TX 3..10: GET-Request-Next for blocks 1..8 (C0 02 C1 00000001 ...) */
    for (uint32_t b = 1; b <= 8; b++) {
        uint8_t want[7];
        assert_int_equal(
            vec_apdu_exact("w_public_clock.txt", VEC_TX, (int)b + 2, want, sizeof want), VEC_OK);
        assert_int_equal(want[6], b);
        mfw_wcursor_init(&w, buf, sizeof(buf));
        assert_int_equal(mfw_dlms_client_build_get_next(MFW_DLMS_CLIENT_INVOKE_DEFAULT, b, &w),
                         MFW_OK);
        assert_built(want, sizeof(want), buf, w.len);
    }
    /* no room */
    mfw_wcursor_init(&w, buf, 12);
    assert_int_equal(mfw_dlms_client_build_get(MFW_DLMS_CLIENT_INVOKE_DEFAULT, &clock, NULL, &w),
                     MFW_E_NOSPACE);
}

/* Selective access on the load profile (Blue Book 4.3.6; Gurux cl_readRowsByRange/ByEntry build
 * the same structure): by range from 2026-01-01 00:00 to 2026-01-02 00:00 (UTC, deviation 0) with
 * the clock as restricting object, all columns; by entry 1..96, all columns. */
static void test_get_selective(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct mfw_wcursor w;
    struct mfw_dlms_client_ref lp = {7, {0}, 2};
    memcpy(lp.ln, ln_lp1, 6);
    struct mfw_dlms_client_access a;
    memset(&a, 0, sizeof(a));
    a.selector = MFW_DLMS_CLIENT_SEL_RANGE;
    a.restricting.class_id = 8;
    memcpy(a.restricting.ln, ln_clock, 6);
    a.restricting.index = 2;
    assert_int_equal(mfw_cosem_datetime_from_ms(&a.from, 1767225600000LL, 0, 0), MFW_OK);
    assert_int_equal(mfw_cosem_datetime_from_ms(&a.to, 1767312000000LL, 0, 0), MFW_OK);
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(mfw_dlms_client_build_get(MFW_DLMS_CLIENT_INVOKE_DEFAULT, &lp, &a, &w),
                     MFW_OK);
    static const uint8_t want_range[] = {
        0xC0, 0x01, 0xC1, 0x00, 0x07, 0x01, 0x00, 0x63, 0x01, 0x00,
        0xFF, 0x02, 0x01, 0x01, /* access-selection present, selector 1 */
        0x02, 0x04,             /* range_descriptor */
        0x02, 0x04, 0x12, 0x00, 0x08, 0x09, 0x06, 0x00, 0x00, 0x01,
        0x00, 0x00, 0xFF, 0x0F, 0x02, 0x12, 0x00, 0x00, /* restricting object, data_index 0 */
        0x09, 0x0C, 0x07, 0xEA, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xEA, 0x01, 0x02,
        0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00}; /* selected_values: all */
    assert_built(want_range, sizeof(want_range), buf, w.len);

    memset(&a, 0, sizeof(a));
    a.selector = MFW_DLMS_CLIENT_SEL_ENTRY;
    a.from_entry = 1;
    a.to_entry = 96;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(mfw_dlms_client_build_get(MFW_DLMS_CLIENT_INVOKE_DEFAULT, &lp, &a, &w),
                     MFW_OK);
    static const uint8_t want_entry[] = {0xC0, 0x01, 0xC1, 0x00, 0x07, 0x01, 0x00, 0x63,
                                         0x01, 0x00, 0xFF, 0x02, 0x01, 0x02, 0x02, 0x04,
                                         0x06, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00, 0x00,
                                         0x00, 0x60, 0x12, 0x00, 0x00, 0x12, 0x00, 0x00};
    assert_built(want_entry, sizeof(want_entry), buf, w.len);

    a.selector = 7;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(mfw_dlms_client_build_get(MFW_DLMS_CLIENT_INVOKE_DEFAULT, &lp, &a, &w),
                     MFW_E_ARG);
}

static void test_get_list_set_action_requests(void **state)
{
    (void)state;
    uint8_t buf[128];
    struct mfw_wcursor w;
    struct mfw_dlms_client_ref refs[2] = {{8, {0}, 2}, {3, {1, 0, 1, 8, 0, 0xFF}, 3}};
    memcpy(refs[0].ln, ln_clock, 6);
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(mfw_dlms_client_build_get_list(0xC2, refs, NULL, 2, &w), MFW_OK);
    static const uint8_t want_list[] = {0xC0, 0x03, 0xC2, 0x02, 0x00, 0x08, 0x00, 0x00,
                                        0x01, 0x00, 0x00, 0xFF, 0x02, 0x00, 0x00, 0x03,
                                        0x01, 0x00, 0x01, 0x08, 0x00, 0xFF, 0x03, 0x00};
    assert_built(want_list, sizeof(want_list), buf, w.len);

    /* SET clock time: C1 01 invoke descriptor 00 value */
    struct mfw_cosem_datetime dt;
    assert_int_equal(mfw_cosem_datetime_from_ms(&dt, 1767225600000LL, 0, 0), MFW_OK);
    uint8_t val[16];
    struct mfw_wcursor vw;
    mfw_wcursor_init(&vw, val, sizeof(val));
    mfw_axdr_put_datetime_octets(&vw, &dt);
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(
        mfw_dlms_client_build_set(MFW_DLMS_CLIENT_INVOKE_DEFAULT, &refs[0], NULL, val, vw.len, &w),
        MFW_OK);
    static const uint8_t want_set[] = {0xC1, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00,
                                       0x00, 0xFF, 0x02, 0x00, 0x09, 0x0C, 0x07, 0xEA, 0x01,
                                       0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_built(want_set, sizeof(want_set), buf, w.len);

    /* ACTION: register reset (m1, parameter integer 0), and activate_passive_calendar without */
    struct mfw_dlms_client_ref reset = {3, {1, 0, 1, 8, 0, 0xFF}, 1};
    static const uint8_t zero[] = {0x0F, 0x00};
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(
        mfw_dlms_client_build_action(MFW_DLMS_CLIENT_INVOKE_DEFAULT, &reset, zero, 2, &w), MFW_OK);
    static const uint8_t want_act[] = {0xC3, 0x01, 0xC1, 0x00, 0x03, 0x01, 0x00, 0x01,
                                       0x08, 0x00, 0xFF, 0x01, 0x01, 0x0F, 0x00};
    assert_built(want_act, sizeof(want_act), buf, w.len);
    struct mfw_dlms_client_ref act = {20, {0, 0, 13, 0, 0, 0xFF}, 1};
    mfw_wcursor_init(&w, buf, sizeof(buf));
    assert_int_equal(
        mfw_dlms_client_build_action(MFW_DLMS_CLIENT_INVOKE_DEFAULT, &act, NULL, 0, &w), MFW_OK);
    static const uint8_t want_act2[] = {0xC3, 0x01, 0xC1, 0x00, 0x14, 0x00, 0x00,
                                        0x0D, 0x00, 0x00, 0xFF, 0x01, 0x00};
    assert_built(want_act2, sizeof(want_act2), buf, w.len);
}

static void test_get_response_clock(void **state)
{
    (void)state;
    struct mfw_dlms_client_get_response r;
    assert_int_equal(mfw_dlms_client_parse_get_response(resp_clock, sizeof(resp_clock), &r),
                     MFW_OK);
    assert_int_equal(r.type, MFW_XDLMS_GET_NORMAL);
    assert_int_equal(r.invoke, 0xC1);
    assert_true(r.result.is_data);
    assert_int_equal(r.result.data_len, 14);
    assert_int_equal(r.trailing_len, 18); /* 09 0F, a second copy of the value, 09 0F */
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, r.result.data, r.result.data_len);
    struct mfw_cosem_datetime dt;
    assert_int_equal(mfw_axdr_get_datetime(&rc, &dt), MFW_OK);
    assert_int_equal(dt.year, 2026);
    assert_int_equal(dt.month, 11);
    assert_int_equal(dt.day, 25);
    assert_int_equal(dt.hour, 16);
    assert_int_equal(dt.minute, 26);
    assert_int_equal(dt.second, 30);
    /* the value alone through the block reassembler */
    uint8_t out[32];
    struct mfw_dlms_client_blocks b;
    mfw_dlms_client_blocks_init(&b, out, sizeof(out), NULL, NULL);
    assert_int_equal(mfw_dlms_client_blocks_feed(&b, &r), 1);
    assert_int_equal(b.len, 14);
    assert_memory_equal(out, resp_clock + 4, 14);
    /* truncations: the value is cut, never read past */
    for (size_t n = 0; n < 18; n++) {
        uint8_t *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, resp_clock, n);
        assert_int_equal(mfw_dlms_client_parse_get_response(p, n, &r), MFW_E_FORMAT);
        free(p);
    }
}

/* Collects the blocks through the sink, for comparison with buffer mode. */
struct collect {
    uint8_t buf[8192];
    size_t len;
    unsigned calls;
};
static int collect_sink(void *user, const uint8_t *p, size_t n)
{
    struct collect *c = user;
    if (n > sizeof(c->buf) - c->len)
        return MFW_E_NOSPACE;
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    c->calls++;
    return 0;
}

static void test_object_list_blocks(void **state)
{
    (void)state;
    size_t nblocks = OBJLIST_BLOCKS;
    static uint8_t whole[8192];
    static struct collect col;
    memset(&col, 0, sizeof(col));
    struct mfw_dlms_client_blocks b, s;
    mfw_dlms_client_blocks_init(&b, whole, sizeof(whole), NULL, NULL);
    mfw_dlms_client_blocks_init(&s, NULL, 0, collect_sink, &col);
    for (size_t i = 0; i < nblocks; i++) {
        size_t n;
        uint8_t *apdu = objlist_block((unsigned)i + 1, &n);
        struct mfw_dlms_client_get_response r;
        assert_int_equal(mfw_dlms_client_parse_get_response(apdu, n, &r), MFW_OK);
        assert_int_equal(r.type, MFW_DLMS_CLIENT_GET_RESPONSE_DATABLOCK);
        assert_int_equal(r.block_number, i + 1);
        assert_true(r.raw_ok);
        assert_int_equal(r.last_block, i + 1 == nblocks);
        int want = i + 1 == nblocks ? 1 : 0;
        assert_int_equal(mfw_dlms_client_blocks_feed(&b, &r), want);
        assert_int_equal(mfw_dlms_client_blocks_feed(&s, &r), want);
        /* what we send next is exactly the Gurux client's next request */
        if (!r.last_block) {
            uint8_t req[16];
            struct mfw_wcursor w;
            mfw_wcursor_init(&w, req, sizeof(req));
            assert_int_equal(mfw_dlms_client_build_get_next(r.invoke, r.block_number, &w), MFW_OK);
            uint8_t want_req[7]; /* TX 3..10 */
            assert_int_equal(
                vec_apdu_exact("w_public_clock.txt", VEC_TX, (int)i + 3, want_req, sizeof want_req),
                VEC_OK);
            assert_built(want_req, sizeof(want_req), req, w.len);
        }
        /* every truncation of a block is refused */
        for (size_t k = 0; k < n; k += 7) {
            uint8_t *p = malloc(k ? k : 1);
            assert_non_null(p);
            memcpy(p, apdu, k);
            assert_int_equal(mfw_dlms_client_parse_get_response(p, k, &r), MFW_E_FORMAT);
            free(p);
        }
        free(apdu);
    }
    assert_true(b.done);
    assert_int_equal(b.blocks, 9);
    assert_int_equal(col.calls, 9);
    assert_int_equal(col.len, b.len);
    assert_memory_equal(col.buf, whole, b.len);

    /* the whole object list: 52 objects */
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, whole, b.len);
    uint32_t count;
    assert_int_equal(mfw_dlms_client_object_list_begin(&rc, &count), MFW_OK);
    assert_int_equal(count, 52);
    struct mfw_dlms_client_object o;
    unsigned clocks = 0, profiles = 0;
    for (uint32_t i = 0; i < count; i++) {
        assert_int_equal(mfw_dlms_client_object_next(&rc, &o), MFW_OK);
        if (i == 0) {
            assert_int_equal(o.class_id, 15);
            assert_int_equal(o.version, 2);
            assert_memory_equal(o.ln, ln_assoc, 6);
            assert_int_equal(o.n_attrs, 11);
            assert_int_equal(o.n_methods, 6);
            assert_int_equal(o.attrs[0].id, 1);
            assert_int_equal(o.attrs[0].access, 1);
            assert_false(o.attrs[0].selectors);
        }
        if (o.class_id == 8) {
            clocks++;
            assert_memory_equal(o.ln, ln_clock, 6);
            assert_int_equal(o.n_attrs, 9);
            assert_int_equal(o.n_methods, 6);
        }
        if (o.class_id == 7)
            profiles++;
        if (i == count - 1) {
            static const uint8_t ln_ipv6[6] = {0, 0, 25, 7, 0, 0xFF};
            assert_int_equal(o.class_id, 48);
            assert_memory_equal(o.ln, ln_ipv6, 6);
            assert_int_equal(o.n_attrs, 10);
            assert_int_equal(o.n_methods, 2);
        }
    }
    assert_int_equal(clocks, 1);
    assert_true(profiles >= 1);
    assert_int_equal(mfw_rcursor_left(&rc), 0);
    assert_int_equal(rc.err, 0);
}

static void test_blocks_errors(void **state)
{
    (void)state;
    size_t n;
    uint8_t *apdu = objlist_block(2, &n);
    struct mfw_dlms_client_get_response r;
    assert_int_equal(mfw_dlms_client_parse_get_response(apdu, n, &r), MFW_OK);
    uint8_t buf[1024];
    struct mfw_dlms_client_blocks b;
    mfw_dlms_client_blocks_init(&b, buf, sizeof(buf), NULL, NULL);
    assert_int_equal(mfw_dlms_client_blocks_feed(&b, &r), MFW_E_FORMAT); /* block 2 before 1 */
    mfw_dlms_client_blocks_init(&b, buf, 100, NULL, NULL);
    free(apdu);
    apdu = objlist_block(1, &n);
    assert_int_equal(mfw_dlms_client_parse_get_response(apdu, n, &r), MFW_OK);
    assert_int_equal(mfw_dlms_client_blocks_feed(&b, &r), MFW_E_NOSPACE); /* 474 bytes into 100 */
    free(apdu);
    /* a data-access-result in a block: C4 02 C1 01 00000002 01 0E */
    static const uint8_t dar_block[] = {0xC4, 0x02, 0xC1, 0x01, 0, 0, 0, 2, 0x01, 0x0E};
    assert_int_equal(mfw_dlms_client_parse_get_response(dar_block, sizeof(dar_block), &r), MFW_OK);
    assert_false(r.raw_ok);
    mfw_dlms_client_blocks_init(&b, buf, sizeof(buf), NULL, NULL);
    assert_int_equal(mfw_dlms_client_blocks_feed(&b, &r), MFW_E_STATE);
    assert_true(b.has_dar);
    assert_string_equal(mfw_dlms_client_dar_name(b.dar), "data-block-unavailable");
    /* a normal answer with a data-access-result */
    static const uint8_t denied[] = {0xC4, 0x01, 0xC1, 0x01, 0x03};
    assert_int_equal(mfw_dlms_client_parse_get_response(denied, sizeof(denied), &r), MFW_OK);
    assert_false(r.result.is_data);
    assert_int_equal(r.result.dar, MFW_DAR_READ_WRITE_DENIED);
    mfw_dlms_client_blocks_init(&b, buf, sizeof(buf), NULL, NULL);
    assert_int_equal(mfw_dlms_client_blocks_feed(&b, &r), MFW_E_STATE);
    assert_string_equal(mfw_dlms_client_dar_name(b.dar), "read-write-denied");
}

static void test_other_responses(void **state)
{
    (void)state;
    /* GET-Response-With-List: {data u32 5, dar object-undefined} */
    static const uint8_t list[] = {0xC4, 0x03, 0xC2, 0x02, 0x00, 0x06, 0, 0, 0, 5, 0x01, 0x04};
    struct mfw_dlms_client_get_response r;
    assert_int_equal(mfw_dlms_client_parse_get_response(list, sizeof(list), &r), MFW_OK);
    assert_int_equal(r.type, MFW_XDLMS_GET_WITH_LIST);
    assert_int_equal(r.count, 2);
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, r.list, r.list_len);
    struct mfw_dlms_client_result res;
    assert_int_equal(mfw_dlms_client_next_result(&rc, &res), MFW_OK);
    assert_true(res.is_data);
    assert_int_equal(res.data_len, 5);
    assert_int_equal(mfw_dlms_client_next_result(&rc, &res), MFW_OK);
    assert_false(res.is_data);
    assert_string_equal(mfw_dlms_client_dar_name(res.dar), "object-undefined");
    assert_int_equal(mfw_dlms_client_parse_get_response(list, sizeof(list) - 1, &r), MFW_E_FORMAT);

    uint8_t inv, dar;
    static const uint8_t set_ok[] = {0xC5, 0x01, 0xC1, 0x00};
    static const uint8_t set_denied[] = {0xC5, 0x01, 0xC1, 0x03};
    assert_int_equal(mfw_dlms_client_parse_set_response(set_ok, sizeof(set_ok), &inv, &dar),
                     MFW_OK);
    assert_int_equal(dar, 0);
    assert_int_equal(mfw_dlms_client_parse_set_response(set_denied, 4, &inv, &dar), MFW_OK);
    assert_string_equal(mfw_dlms_client_dar_name(dar), "read-write-denied");
    assert_int_equal(mfw_dlms_client_parse_set_response(set_ok, 3, &inv, &dar), MFW_E_FORMAT);

    struct mfw_dlms_client_action_response a;
    static const uint8_t act_ok[] = {0xC7, 0x01, 0xC1, 0x00, 0x00};
    static const uint8_t act_ret[] = {0xC7, 0x01, 0xC1, 0x00, 0x01, 0x00, 0x11, 0x07};
    static const uint8_t act_bare[] = {0xC7, 0x01, 0xC1, 0x0B};
    assert_int_equal(mfw_dlms_client_parse_action_response(act_ok, sizeof(act_ok), &a), MFW_OK);
    assert_false(a.has_return);
    assert_int_equal(mfw_dlms_client_parse_action_response(act_ret, sizeof(act_ret), &a), MFW_OK);
    assert_true(a.has_return);
    assert_int_equal(a.ret.data_len, 2);
    assert_int_equal(mfw_dlms_client_parse_action_response(act_bare, sizeof(act_bare), &a), MFW_OK);
    assert_string_equal(mfw_dlms_client_action_result_name(a.result), "object-unavailable");
    assert_string_equal(mfw_dlms_client_action_result_name(15), "long-action-aborted");

    /* Exception-Response: service-not-allowed / operation-not-possible; invocation counter */
    static const uint8_t exc[] = {0xD8, 0x01, 0x01};
    static const uint8_t exc_ic[] = {0xD8, 0x01, 0x06, 0x00, 0x00, 0x01, 0x00};
    struct mfw_dlms_client_error e;
    assert_int_equal(mfw_dlms_client_parse_get_response(exc, sizeof(exc), &r), MFW_E_STATE);
    assert_int_equal(mfw_dlms_client_parse_set_response(exc, sizeof(exc), &inv, &dar), MFW_E_STATE);
    assert_int_equal(mfw_dlms_client_parse_action_response(exc, sizeof(exc), &a), MFW_E_STATE);
    assert_int_equal(mfw_dlms_client_parse_error(exc, sizeof(exc), &e), MFW_OK);
    assert_string_equal(mfw_dlms_client_state_error_name(e.state_error), "service-not-allowed");
    assert_string_equal(mfw_dlms_client_service_error_name(e.service_error),
                        "operation-not-possible");
    assert_int_equal(mfw_dlms_client_parse_error(exc_ic, sizeof(exc_ic), &e), MFW_OK);
    assert_int_equal(e.invocation_counter, 256);
    assert_int_equal(mfw_dlms_client_parse_error(exc_ic, 5, &e), MFW_E_FORMAT);
    static const uint8_t cse[] = {0x0E, 0x05, 0x06, 0x01};
    assert_int_equal(mfw_dlms_client_parse_error(cse, sizeof(cse), &e), MFW_OK);
    assert_int_equal(e.tag, MFW_XDLMS_CONFIRMED_SERVICE_ERROR);
    assert_int_equal(e.value, 1);

    assert_string_equal(mfw_dlms_client_dar_name(MFW_DAR_TYPE_UNMATCHED), "type-unmatched");
    assert_string_equal(mfw_dlms_client_dar_name(MFW_DAR_OTHER_REASON), "other-reason");
    assert_string_equal(mfw_dlms_client_dar_name(5), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aarq_public),
        cmocka_unit_test(test_aarq_lls),
        cmocka_unit_test(test_aarq_gmac),
        cmocka_unit_test(test_aarq_long_password_and_args),
        cmocka_unit_test(test_aare),
        cmocka_unit_test(test_aare_rejected_roundtrip),
        cmocka_unit_test(test_release),
        cmocka_unit_test(test_get_requests),
        cmocka_unit_test(test_get_selective),
        cmocka_unit_test(test_get_list_set_action_requests),
        cmocka_unit_test(test_get_response_clock),
        cmocka_unit_test(test_object_list_blocks),
        cmocka_unit_test(test_blocks_errors),
        cmocka_unit_test(test_other_responses),
    };
    return cmocka_run_group_tests(tests, load_vectors, NULL);
}
