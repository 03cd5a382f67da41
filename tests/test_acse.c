/* SPDX-License-Identifier: Apache-2.0 */
/* ACSE (AARQ/AARE/RLRQ/RLRE) against the exchanges captured between the Gurux DLMS C client and
 * server (tests/vectors, README there; read by tests/support/vectors.h): the client's AARQs are
 * what a real head-end sends; the server's AAREs are compared byte for byte where our policy
 * chooses the same content, and the differences are spelled out where it does not. The 8-byte
 * TCP wrapper header (00 01 src dst len) is stripped from every frame below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vectors.h"

#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"
#include "meterfw/dlms/acse.h"

/* The captured APDUs, loaded by load_vectors() before the tests; each array has the size of its
 * APDU, which the loader checks. */
/* w_public_clock.txt TX 1 (client SAP 16, no security). */
static uint8_t aarq_public[31];
/* w_public_clock.txt RX 1. */
static uint8_t aare_public[43];
/* w_lls_clock.txt TX 1 (client SAP 17, LLS password "Gurux"). */
static uint8_t aarq_lls[53];
/* w_lls_clock.txt RX 1. */
static uint8_t aare_lls[43];
/* w_gmac_clock.txt TX 1 (client SAP 1, LN with ciphering, HLS-GMAC). */
static uint8_t aarq_gmac[95];
/* w_gmac_clock.txt RX 1. */
static uint8_t aare_gmac[107];
/* w_public_clock.txt / w_lls_clock.txt, the last TX and RX. */
static uint8_t rlrq_plain[5];
static uint8_t rlre_plain[5];
/* w_gmac_clock.txt, the last TX: RLRQ with a ciphered InitiateRequest in user-information. */
static uint8_t rlrq_gmac[42];
/* w_gmac_clock.txt, the last RX: the server's RLRE. Its BER lengths are wrong (see
 * test_rlre_gmac_lengths): 63 24 and BE 22 announce 36 and 34 bytes, 40 and 35 follow. */
static uint8_t rlre_gmac[42];

static int load_vectors(void **state)
{
    (void)state;
    static const struct vec_want v[] = {
        {"w_public_clock.txt", VEC_TX, 1, aarq_public, sizeof aarq_public},
        {"w_public_clock.txt", VEC_RX, 1, aare_public, sizeof aare_public},
        {"w_lls_clock.txt", VEC_TX, 1, aarq_lls, sizeof aarq_lls},
        {"w_lls_clock.txt", VEC_RX, 1, aare_lls, sizeof aare_lls},
        {"w_gmac_clock.txt", VEC_TX, 1, aarq_gmac, sizeof aarq_gmac},
        {"w_gmac_clock.txt", VEC_RX, 1, aare_gmac, sizeof aare_gmac},
        {"w_public_clock.txt", VEC_TX, -1, rlrq_plain, sizeof rlrq_plain},
        {"w_public_clock.txt", VEC_RX, -1, rlre_plain, sizeof rlre_plain},
        {"w_gmac_clock.txt", VEC_TX, -1, rlrq_gmac, sizeof rlrq_gmac},
        {"w_gmac_clock.txt", VEC_RX, -1, rlre_gmac, sizeof rlre_gmac},
    };
    if (vec_load_all(v, sizeof v / sizeof v[0]) != VEC_OK)
        return -1;
    /* The LLS capture releases with the same plaintext RLRQ/RLRE. */
    uint8_t b[5];
    if (vec_apdu_exact("w_lls_clock.txt", VEC_TX, -1, b, sizeof b) != VEC_OK ||
        memcmp(b, rlrq_plain, sizeof b) != 0 ||
        vec_apdu_exact("w_lls_clock.txt", VEC_RX, -1, b, sizeof b) != VEC_OK ||
        memcmp(b, rlre_plain, sizeof b) != 0)
        return -1;
    return 0;
}

static const uint8_t password[] = {'G', 'u', 'r', 'u', 'x'};

/* Gurux's client proposes 40 1E 1D: general-protection; block-transfer-with-get-or-read,
 * -set-or-write, -action; multiple-references; get, set, selective-access, action. */
#define GURUX_PROPOSED                                                                             \
    (MFW_ACSE_CONF_GENERAL_PROTECTION | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_GET |                    \
     MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_SET | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_ACTION |            \
     MFW_ACSE_CONF_MULTIPLE_REFERENCES | MFW_ACSE_CONF_GET | MFW_ACSE_CONF_SET |                   \
     MFW_ACSE_CONF_SELECTIVE_ACCESS | MFW_ACSE_CONF_ACTION)

/* Our choice for the public client (IDIS: read-only): GET with blocks (the association view does
 * not fit one APDU) and selective access, attribute 0 with GET. No SET, no ACTION. */
#define PUBLIC_CONF                                                                                \
    (MFW_ACSE_CONF_GET | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_GET | MFW_ACSE_CONF_SELECTIVE_ACCESS |  \
     MFW_ACSE_CONF_ATTRIBUTE0_WITH_GET)
/* The management client: everything LN the meter serves. */
#define MANAGEMENT_CONF                                                                            \
    (MFW_ACSE_CONF_GET | MFW_ACSE_CONF_SET | MFW_ACSE_CONF_ACTION |                                \
     MFW_ACSE_CONF_SELECTIVE_ACCESS | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_GET |                      \
     MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_SET | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_ACTION |            \
     MFW_ACSE_CONF_MULTIPLE_REFERENCES | MFW_ACSE_CONF_ATTRIBUTE0_WITH_GET |                       \
     MFW_ACSE_CONF_DATA_NOTIFICATION)

static const struct mfw_acse_client clients[] = {
    {16, MFW_ACSE_MECH_LOWEST, {NULL, 0}, PUBLIC_CONF},
    {17, MFW_ACSE_MECH_LLS, {password, sizeof(password)}, MANAGEMENT_CONF},
    {1, MFW_ACSE_MECH_HLS_GMAC, {NULL, 0}, MANAGEMENT_CONF},
};
static const struct mfw_acse_policy policy = {clients, 3, 512, false};

static int accept_bytes(const uint8_t *aarq, size_t n, uint8_t sap, const struct mfw_acse_policy *p,
                        struct mfw_acse_aare *a, uint8_t *out, size_t cap, size_t *out_len)
{
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(aarq, n, &q), MFW_OK);
    int r = mfw_acse_accept(&q, sap, p, a);
    if (r != MFW_OK)
        return r;
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    assert_int_equal(mfw_acse_build_aare(a, &w), MFW_OK);
    *out_len = w.len;
    return MFW_OK;
}

/* ---- parsing the captured AARQs ------------------------------------------------------------- */

static void check_gurux_initiate(const struct mfw_acse_aarq *q)
{
    /* 01 00 00 00 06 5F1F 04 00 40 1E 1D FF FF: no dedicated key, response-allowed default
     * (TRUE), no QoS, version 6, conformance 40 1E 1D, client-max-receive-pdu-size 65535. */
    assert_int_equal(q->user_info_kind, MFW_ACSE_UI_INITIATE);
    assert_true(q->has_initiate);
    assert_int_equal(q->user_info.len, 14);
    assert_false(q->initiate.has_dedicated_key);
    assert_true(q->initiate.response_allowed);
    assert_false(q->initiate.has_qos);
    assert_int_equal(q->initiate.dlms_version, 6);
    assert_int_equal(q->initiate.conformance, 0x401E1D);
    assert_int_equal(q->initiate.conformance, GURUX_PROPOSED);
    assert_int_equal(q->initiate.client_max_pdu, 0xFFFF);
}

static void test_parse_public(void **state)
{
    (void)state;
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(aarq_public, sizeof(aarq_public), &q), MFW_OK);
    assert_false(q.has_protocol_version);
    assert_true(q.protocol_version1);
    assert_int_equal(q.context, MFW_ACSE_CTX_LN);
    assert_false(q.has_calling_ap_title);
    assert_false(q.has_calling_ae_qualifier);
    assert_false(q.authentication);
    assert_false(q.has_mechanism);
    assert_false(q.has_auth_value);
    assert_false(q.has_impl_info);
    assert_ptr_equal(q.user_info.p, aarq_public + 17);
    check_gurux_initiate(&q);
}

static void test_parse_lls(void **state)
{
    (void)state;
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(aarq_lls, sizeof(aarq_lls), &q), MFW_OK);
    assert_int_equal(q.context, MFW_ACSE_CTX_LN);
    assert_true(q.authentication); /* 8A 02 07 80 */
    assert_true(q.has_mechanism);
    assert_int_equal(q.mechanism, MFW_ACSE_MECH_LLS); /* 8B 07 60 85 74 05 08 02 01 */
    assert_true(q.has_auth_value);
    assert_int_equal(q.auth_value_choice, 0); /* AC 07 80 05: charstring */
    assert_int_equal(q.auth_value.len, 5);
    assert_memory_equal(q.auth_value.p, "Gurux", 5);
    assert_false(q.has_calling_ap_title);
    check_gurux_initiate(&q);
}

static void test_parse_gmac(void **state)
{
    (void)state;
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(aarq_gmac, sizeof(aarq_gmac), &q), MFW_OK);
    assert_int_equal(q.context, MFW_ACSE_CTX_LN_CIPHERED); /* ...08 01 03 */
    assert_true(q.has_calling_ap_title);
    assert_memory_equal(q.calling_ap_title, "Gurux123", 8); /* A6 0A 04 08 */
    assert_true(q.authentication);
    assert_int_equal(q.mechanism, MFW_ACSE_MECH_HLS_GMAC);
    assert_int_equal(q.auth_value_choice, 0);
    assert_int_equal(q.auth_value.len, 16); /* CtoS */
    assert_memory_equal(q.auth_value.p, aarq_gmac + 42, 16);
    assert_int_equal(q.auth_value.p[0], 0x70);
    /* BE 23 04 21 | 21 1F | 30 | 00 00 00 01 | 14 bytes ciphertext + 12 bytes GMAC tag. */
    assert_int_equal(q.user_info_kind, MFW_ACSE_UI_GLO);
    assert_false(q.has_initiate);
    assert_int_equal(q.user_info.len, 33);
    assert_int_equal(q.ciphered.len, 31);
    assert_int_equal(q.ciphered.p[0], 0x30); /* SC: authenticated and encrypted, suite 0 */
    assert_memory_equal(q.ciphered.p + 1, "\x00\x00\x00\x01", 4);
    assert_ptr_equal(q.ciphered.p + q.ciphered.len, aarq_gmac + sizeof(aarq_gmac));
}

/* Every proper prefix of every captured AARQ/RLRQ is malformed. */
static void test_truncated(void **state)
{
    (void)state;
    static const struct {
        const uint8_t *p;
        size_t n;
    } v[] = {{aarq_public, sizeof(aarq_public)},
             {aarq_lls, sizeof(aarq_lls)},
             {aarq_gmac, sizeof(aarq_gmac)}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        for (size_t n = 0; n < v[i].n; n++) {
            struct mfw_acse_aarq q;
            assert_int_equal(mfw_acse_parse_aarq(v[i].p, n, &q), MFW_E_FORMAT);
        }
    for (size_t n = 0; n < sizeof(rlrq_gmac); n++) {
        struct mfw_acse_rlrq r;
        assert_int_equal(mfw_acse_parse_rlrq(rlrq_gmac, n, &r), MFW_E_FORMAT);
    }
    /* A consistent inner truncation too: shorten the InitiateRequest by one byte and fix up the
     * three enclosing lengths. */
    uint8_t b[sizeof(aarq_public)];
    memcpy(b, aarq_public, sizeof(b));
    b[1]--, b[14]--, b[16]--;
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(b, sizeof(b) - 1, &q), MFW_E_FORMAT);
}

/* Unknown optional elements (called-AP-title [2], a high-tag-number element, a long-form
 * length) are skipped; known ones with long-form lengths are read. */
static void test_unknown_elements(void **state)
{
    (void)state;
    uint8_t b[128];
    size_t n = 0;
    static const uint8_t called_title[] = {0xA2, 0x0A, 0x04, 0x08, 'A', 'B',
                                           'C',  'D',  'E',  'F',  'G', 'H'};
    static const uint8_t high_tag[] = {0xBF, 0x81, 0x00, 0x81, 0x03, 0x01, 0x02, 0x03};
    static const uint8_t impl[] = {0x9D, 0x82, 0x00, 0x03, 'm', 'f', 'w'};
    b[n++] = 0x60;
    b[n++] = 0x81; /* long-form outer length, filled below */
    size_t len_at = n++;
    memcpy(b + n, aarq_lls + 2, 11); /* application-context-name */
    n += 11;
    memcpy(b + n, called_title, sizeof(called_title));
    n += sizeof(called_title);
    memcpy(b + n, aarq_lls + 13, 22); /* acse-requirements, mechanism, authentication value */
    n += 22;
    memcpy(b + n, high_tag, sizeof(high_tag));
    n += sizeof(high_tag);
    memcpy(b + n, impl, sizeof(impl));
    n += sizeof(impl);
    b[n++] = 0xBE; /* user-information with long-form lengths */
    b[n++] = 0x81;
    b[n++] = 0x11;
    b[n++] = 0x04;
    b[n++] = 0x81;
    b[n++] = 0x0E;
    memcpy(b + n, aarq_lls + 39, 14);
    n += 14;
    b[len_at] = (uint8_t)(n - 3);
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(b, n, &q), MFW_OK);
    assert_int_equal(q.context, MFW_ACSE_CTX_LN);
    assert_int_equal(q.mechanism, MFW_ACSE_MECH_LLS);
    assert_memory_equal(q.auth_value.p, "Gurux", 5);
    assert_true(q.has_impl_info);
    assert_int_equal(q.impl_info.len, 3);
    assert_memory_equal(q.impl_info.p, "mfw", 3);
    check_gurux_initiate(&q);

    /* Each of those lengths one too long is caught. */
    b[len_at]++;
    assert_int_equal(mfw_acse_parse_aarq(b, n, &q), MFW_E_FORMAT);
    b[len_at]--;
    /* A component twice is malformed. */
    uint8_t d[sizeof(aarq_public) + 11];
    memcpy(d, aarq_public, 13);
    memcpy(d + 13, aarq_public + 2, 11);
    memcpy(d + 24, aarq_public + 13, sizeof(aarq_public) - 13);
    d[1] = (uint8_t)(sizeof(d) - 2);
    assert_int_equal(mfw_acse_parse_aarq(d, sizeof(d), &q), MFW_E_FORMAT);
    /* Trailing bytes after the APDU, an indefinite length, a missing context name. */
    uint8_t t[sizeof(aarq_public) + 1];
    memcpy(t, aarq_public, sizeof(aarq_public));
    t[sizeof(aarq_public)] = 0;
    assert_int_equal(mfw_acse_parse_aarq(t, sizeof(t), &q), MFW_E_FORMAT);
    memcpy(t, aarq_public, sizeof(aarq_public));
    t[1] = 0x80;
    assert_int_equal(mfw_acse_parse_aarq(t, sizeof(aarq_public), &q), MFW_E_FORMAT);
    static const uint8_t no_ctx[] = {0x60, 0x00};
    assert_int_equal(mfw_acse_parse_aarq(no_ctx, sizeof(no_ctx), &q), MFW_E_FORMAT);
    assert_int_equal(mfw_acse_parse_aarq(NULL, 0, &q), MFW_E_FORMAT);
    assert_int_equal(mfw_acse_parse_aarq(aarq_public, sizeof(aarq_public), NULL), MFW_E_ARG);
}

static void test_initiate_request_options(void **state)
{
    (void)state;
    /* dedicated key of 16 bytes, response-allowed FALSE, QoS 3. */
    uint8_t b[64];
    size_t n = 0;
    b[n++] = 0x01;
    b[n++] = 0x01;
    b[n++] = 0x10;
    for (int i = 0; i < 16; i++)
        b[n++] = (uint8_t)i;
    b[n++] = 0x01;
    b[n++] = 0x00;
    b[n++] = 0x01;
    b[n++] = 0x03;
    static const uint8_t tail[] = {0x06, 0x5F, 0x1F, 0x04, 0x00, 0x00, 0x10, 0x14, 0x04, 0x00};
    memcpy(b + n, tail, sizeof(tail));
    n += sizeof(tail);
    struct mfw_acse_initiate_req r;
    assert_int_equal(mfw_acse_parse_initiate_request(b, n, &r), MFW_OK);
    assert_true(r.has_dedicated_key);
    assert_int_equal(r.dedicated_key.len, 16);
    assert_int_equal(r.dedicated_key.p[15], 15);
    assert_false(r.response_allowed);
    assert_true(r.has_qos);
    assert_int_equal(r.qos, 3);
    assert_int_equal(r.conformance, PUBLIC_CONF & ~MFW_ACSE_CONF_ATTRIBUTE0_WITH_GET);
    assert_int_equal(r.client_max_pdu, 1024);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(mfw_acse_parse_initiate_request(b, k, &r), MFW_E_FORMAT);
    b[1] = 2; /* a presence flag other than 0/1 */
    assert_int_equal(mfw_acse_parse_initiate_request(b, n, &r), MFW_E_FORMAT);
}

/* ---- conformance ------------------------------------------------------------------------------ */

static void test_conformance_bits(void **state)
{
    (void)state;
    /* Bit 0 is the MSB of the first byte: 0x40 in the first byte is bit 1. */
    assert_int_equal(MFW_ACSE_CONF_GENERAL_PROTECTION, 0x400000);
    assert_int_equal(MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_GET, 0x001000);
    assert_int_equal(MFW_ACSE_CONF_GET, 0x000010);
    assert_int_equal(MFW_ACSE_CONF_SET, 0x000008);
    assert_int_equal(MFW_ACSE_CONF_ACTION, 0x000001);
    /* Gurux server answers: public 00 00 18 = get + set; LLS 00 1E 1D = the proposal without
     * general-protection. */
    assert_int_equal(MFW_ACSE_CONF_GET | MFW_ACSE_CONF_SET, 0x000018);
    assert_int_equal(GURUX_PROPOSED & ~MFW_ACSE_CONF_GENERAL_PROTECTION, 0x001E1D);
    assert_int_equal(mfw_acse_negotiate(0x401E1D, 0xFFFFFF), 0x401E1D);
    assert_int_equal(mfw_acse_negotiate(0xFFFFFFFFu, 0xFFFFFFFFu), 0xFFFFFF);
    assert_int_equal(mfw_acse_negotiate(0x401E1D, PUBLIC_CONF), 0x001014);
    assert_int_equal(mfw_acse_negotiate(0x401E1D, MANAGEMENT_CONF), 0x001E1D);
}

/* ---- AARE -------------------------------------------------------------------------------------- */

static void test_aare_public(void **state)
{
    (void)state;
    uint8_t out[128];
    size_t n = 0;
    struct mfw_acse_aare a;
    assert_int_equal(
        accept_bytes(aarq_public, sizeof(aarq_public), 16, &policy, &a, out, sizeof(out), &n),
        MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_ACCEPTED);
    assert_int_equal(a.client_mechanism, MFW_ACSE_MECH_LOWEST);
    assert_int_equal(a.max_send_pdu, 512);
    /* Same length and bytes as Gurux's AARE except the negotiated conformance (bytes 36..38):
     * Gurux grants 00 00 18 (get, set) to the public client, and then answers its GET of the
     * association view with get-response-with-datablock (C4 02) although it did not grant
     * block-transfer-with-get-or-read. We grant 00 10 14: block-transfer-with-get-or-read, get,
     * selective-access (IDIS: the public client reads, never writes). */
    assert_int_equal(n, sizeof(aare_public));
    assert_memory_equal(out, aare_public, 36);
    assert_memory_equal(out + 36, "\x00\x10\x14", 3);
    assert_memory_equal(out + 39, aare_public + 39, sizeof(aare_public) - 39);

    /* With Gurux's public conformance the AARE is the captured one, byte for byte. */
    static const struct mfw_acse_client gurux_public[] = {
        {16, MFW_ACSE_MECH_LOWEST, {NULL, 0}, MFW_ACSE_CONF_GET | MFW_ACSE_CONF_SET}};
    static const struct mfw_acse_policy gp = {gurux_public, 1, 512, false};
    assert_int_equal(
        accept_bytes(aarq_public, sizeof(aarq_public), 16, &gp, &a, out, sizeof(out), &n), MFW_OK);
    assert_int_equal(n, sizeof(aare_public));
    assert_memory_equal(out, aare_public, sizeof(aare_public));
}

static void test_aare_lls(void **state)
{
    (void)state;
    uint8_t out[128];
    size_t n = 0;
    struct mfw_acse_aare a;
    /* Our management conformance ANDed with the proposal gives Gurux's 00 1E 1D: equal bytes.
     * Both leave out general-protection, proposed by the client: it belongs to ciphered
     * contexts. LLS adds no responder-acse-requirements/mechanism-name to the AARE (only HLS,
     * which needs the responding-authentication-value StoC). */
    assert_int_equal(
        accept_bytes(aarq_lls, sizeof(aarq_lls), 17, &policy, &a, out, sizeof(out), &n), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_ACCEPTED);
    assert_int_equal(a.client_mechanism, MFW_ACSE_MECH_LLS);
    assert_int_equal(n, sizeof(aare_lls));
    assert_memory_equal(out, aare_lls, sizeof(aare_lls));
}

/* The HLS fields of the encoder against the GMAC AARE (pass 2: accepted with
 * authentication-required, server system title, StoC, a glo-initiate-response made by the
 * security layer). Note that Gurux's StoC equals the client's CtoS (70 38 9C ... 45 22): a
 * server challenge must be fresh random bytes, not an echo. */
static void test_aare_gmac_fields(void **state)
{
    (void)state;
    struct mfw_acse_aare a;
    memset(&a, 0, sizeof(a));
    a.context = MFW_ACSE_CTX_LN_CIPHERED;
    a.result = MFW_ACSE_RESULT_ACCEPTED;
    a.diag_source = MFW_ACSE_DIAG_SOURCE_USER;
    a.diag = MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED;
    a.has_responding_ap_title = true;
    memcpy(a.responding_ap_title, "ABCDEFGH", 8);
    a.has_mechanism = true;
    a.mechanism = MFW_ACSE_MECH_HLS_GMAC;
    a.has_auth_value = true;
    a.auth_value.p = aare_gmac + 54;
    a.auth_value.len = 16;
    a.user_info_kind = MFW_ACSE_AARE_UI_RAW;
    a.user_info_raw.p = aare_gmac + 74;
    a.user_info_raw.len = 33;
    uint8_t out[128];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof(out));
    assert_int_equal(mfw_acse_build_aare(&a, &w), MFW_OK);
    assert_int_equal(w.len, sizeof(aare_gmac));
    assert_memory_equal(out, aare_gmac, sizeof(aare_gmac));
    assert_memory_equal(aare_gmac + 54, aarq_gmac + 42, 16); /* the echoed challenge */

    /* All or nothing: every smaller buffer gets MFW_E_NOSPACE and no byte. */
    for (size_t cap = 0; cap < sizeof(aare_gmac); cap++) {
        memset(out, 0xEE, sizeof(out));
        mfw_wcursor_init(&w, out, cap);
        assert_int_equal(mfw_acse_build_aare(&a, &w), MFW_E_NOSPACE);
        assert_int_equal(w.len, 0);
        assert_int_equal(out[0], 0xEE);
    }
    a.context = 5;
    mfw_wcursor_init(&w, out, sizeof(out));
    assert_int_equal(mfw_acse_build_aare(&a, &w), MFW_E_ARG);
}

static void test_gmac_policy(void **state)
{
    (void)state;
    struct mfw_acse_aarq q;
    struct mfw_acse_aare a;
    assert_int_equal(mfw_acse_parse_aarq(aarq_gmac, sizeof(aarq_gmac), &q), MFW_OK);
    /* This issue: no ciphering, so context 3 is refused and the AARE names LN. */
    assert_int_equal(mfw_acse_accept(&q, 1, &policy, &a), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_REJECTED_PERMANENT);
    assert_int_equal(a.diag_source, MFW_ACSE_DIAG_SOURCE_USER);
    assert_int_equal(a.diag, MFW_ACSE_DIAG_APPLICATION_CONTEXT_NAME_NOT_SUPPORTED);
    uint8_t out[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof(out));
    assert_int_equal(mfw_acse_build_aare(&a, &w), MFW_OK);
    static const uint8_t want[] = {0x61, 0x17, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74,
                                   0x05, 0x08, 0x01, 0x01, 0xA2, 0x03, 0x02, 0x01, 0x01,
                                   0xA3, 0x05, 0xA1, 0x03, 0x02, 0x01, 0x02};
    assert_int_equal(w.len, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
    /* Allowed: the HLS client needs the security layer. */
    struct mfw_acse_policy p = policy;
    p.allow_ciphered = true;
    assert_int_equal(mfw_acse_accept(&q, 1, &p, &a), MFW_E_STATE);
    /* The same AARQ to the public client: mechanism 5 is not that association's. */
    assert_int_equal(mfw_acse_accept(&q, 16, &p, &a), MFW_OK);
    assert_int_equal(a.diag, MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED);
    /* A ciphered context with a lowest-level client: the initiate must be deciphered first. */
    static const struct mfw_acse_client c16[] = {
        {16, MFW_ACSE_MECH_LOWEST, {NULL, 0}, PUBLIC_CONF}};
    struct mfw_acse_policy p16 = {c16, 1, 512, true};
    q.authentication = false;
    assert_int_equal(mfw_acse_accept(&q, 16, &p16, &a), MFW_E_STATE);
    /* ... and once deciphered (as the security layer will), it is accepted in context 3. */
    q.has_initiate = true;
    assert_int_equal(mfw_acse_parse_initiate_request(aarq_public + 17, 14, &q.initiate), MFW_OK);
    assert_int_equal(mfw_acse_accept(&q, 16, &p16, &a), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_ACCEPTED);
    assert_int_equal(a.context, MFW_ACSE_CTX_LN_CIPHERED);
}

static void expect_reject(const uint8_t *aarq, size_t n, uint8_t sap, uint8_t diag)
{
    uint8_t out[128];
    size_t len;
    struct mfw_acse_aare a;
    assert_int_equal(accept_bytes(aarq, n, sap, &policy, &a, out, sizeof(out), &len), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_REJECTED_PERMANENT);
    assert_int_equal(a.diag_source, MFW_ACSE_DIAG_SOURCE_USER);
    assert_int_equal(a.diag, diag);
    /* result [2] = 1 and acse-service-user [1] = diag, as encoded. */
    static const uint8_t hdr[] = {0xA2, 0x03, 0x02, 0x01, 0x01, 0xA3, 0x05, 0xA1, 0x03, 0x02, 0x01};
    assert_memory_equal(out + 13, hdr, sizeof(hdr));
    assert_int_equal(out[24], diag);
}

static void test_wrong_password(void **state)
{
    (void)state;
    uint8_t b[sizeof(aarq_lls)];
    memcpy(b, aarq_lls, sizeof(b));
    b[34] = 'X'; /* "GuruX" */
    expect_reject(b, sizeof(b), 17, MFW_ACSE_DIAG_AUTHENTICATION_FAILURE);
    /* A shorter password (same prefix): fix up the lengths. */
    uint8_t s[sizeof(aarq_lls) - 1];
    memcpy(s, aarq_lls, 34);
    memcpy(s + 34, aarq_lls + 35, sizeof(aarq_lls) - 35);
    s[1]--, s[27]--, s[29]--;
    expect_reject(s, sizeof(s), 17, MFW_ACSE_DIAG_AUTHENTICATION_FAILURE);
    /* The right password as a bitstring [1] instead of a charstring [0]. */
    memcpy(b, aarq_lls, sizeof(b));
    b[28] = 0x81;
    expect_reject(b, sizeof(b), 17, MFW_ACSE_DIAG_AUTHENTICATION_FAILURE);
    /* No authentication value at all. */
    uint8_t m[sizeof(aarq_lls) - 9];
    memcpy(m, aarq_lls, 26);
    memcpy(m + 26, aarq_lls + 35, sizeof(aarq_lls) - 35);
    m[1] = (uint8_t)(sizeof(m) - 2);
    expect_reject(m, sizeof(m), 17, MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED);
    /* The public AARQ (no authentication) to the LLS client. */
    expect_reject(aarq_public, sizeof(aarq_public), 17, MFW_ACSE_DIAG_AUTH_MECH_NAME_REQUIRED);
}

static void test_unknown_mechanism(void **state)
{
    (void)state;
    uint8_t b[sizeof(aarq_lls)];
    memcpy(b, aarq_lls, sizeof(b));
    b[25] = 0x07; /* HLS-ECDSA: known to DLMS, not to this meter */
    expect_reject(b, sizeof(b), 17, MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED);
    b[25] = 0x55; /* an arc nobody defined */
    expect_reject(b, sizeof(b), 17, MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED);
    memcpy(b, aarq_lls, sizeof(b));
    b[21] = 0x06; /* not the DLMS UA arc at all */
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(b, sizeof(b), &q), MFW_OK);
    assert_int_equal(q.mechanism, MFW_ACSE_MECH_UNKNOWN);
    expect_reject(b, sizeof(b), 17, MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED);
    /* LLS to the public client. */
    expect_reject(aarq_lls, sizeof(aarq_lls), 16, MFW_ACSE_DIAG_AUTH_MECH_NAME_NOT_RECOGNISED);
    /* An unknown client SAP, an unknown application context (SN). */
    expect_reject(aarq_public, sizeof(aarq_public), 99, MFW_ACSE_DIAG_NO_REASON_GIVEN);
    uint8_t sn[sizeof(aarq_public)];
    memcpy(sn, aarq_public, sizeof(sn));
    sn[12] = MFW_ACSE_CTX_SN;
    expect_reject(sn, sizeof(sn), 16, MFW_ACSE_DIAG_APPLICATION_CONTEXT_NAME_NOT_SUPPORTED);
}

/* An unacceptable InitiateRequest: rejected-permanent, no-reason-given, and a
 * ConfirmedServiceError initiateError (0E 01 06 err) in user-information. */
static void test_initiate_errors(void **state)
{
    (void)state;
    static const struct {
        size_t at;
        uint8_t v, err;
    } cases[] = {
        {21, 5, MFW_ACSE_INIT_ERR_DLMS_VERSION_TOO_LOW},        /* proposed-dlms-version-number 5 */
        {26, 0x80, MFW_ACSE_INIT_ERR_INCOMPATIBLE_CONFORMANCE}, /* only reserved-zero proposed */
        {29, 0x00, MFW_ACSE_INIT_ERR_PDU_SIZE_TOO_SHORT},       /* client max PDU 0x00FF -> below */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t b[sizeof(aarq_public)];
        memcpy(b, aarq_public, sizeof(b));
        b[cases[i].at] = cases[i].v;
        if (cases[i].err == MFW_ACSE_INIT_ERR_INCOMPATIBLE_CONFORMANCE)
            b[27] = b[28] = 0;
        if (cases[i].err == MFW_ACSE_INIT_ERR_PDU_SIZE_TOO_SHORT)
            b[30] = 11;
        uint8_t out[128];
        size_t n = 0;
        struct mfw_acse_aare a;
        assert_int_equal(accept_bytes(b, sizeof(b), 16, &policy, &a, out, sizeof(out), &n), MFW_OK);
        assert_int_equal(a.result, MFW_ACSE_RESULT_REJECTED_PERMANENT);
        assert_int_equal(a.diag, MFW_ACSE_DIAG_NO_REASON_GIVEN);
        const uint8_t want[] = {0xBE, 0x06, 0x04, 0x04, 0x0E, 0x01, 0x06, cases[i].err};
        assert_int_equal(n, 25 + sizeof(want));
        assert_int_equal(out[1], n - 2);
        assert_memory_equal(out + 25, want, sizeof(want));
    }
    /* 12 bytes is the smallest accepted PDU size. */
    uint8_t b[sizeof(aarq_public)];
    memcpy(b, aarq_public, sizeof(b));
    b[29] = 0;
    b[30] = 12;
    uint8_t out[128];
    size_t n = 0;
    struct mfw_acse_aare a;
    assert_int_equal(accept_bytes(b, sizeof(b), 16, &policy, &a, out, sizeof(out), &n), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_ACCEPTED);
    assert_int_equal(a.max_send_pdu, 12);
}

static void test_protocol_version(void **state)
{
    (void)state;
    /* 80 02 07 80 (version1) is accepted; 80 02 06 40 (version2 only) is refused by the ACSE
     * provider with no-common-acse-version. */
    uint8_t b[sizeof(aarq_public) + 4];
    b[0] = 0x60;
    b[1] = (uint8_t)(sizeof(b) - 2);
    b[2] = 0x80, b[3] = 0x02, b[4] = 0x07, b[5] = 0x80;
    memcpy(b + 6, aarq_public + 2, sizeof(aarq_public) - 2);
    struct mfw_acse_aarq q;
    struct mfw_acse_aare a;
    assert_int_equal(mfw_acse_parse_aarq(b, sizeof(b), &q), MFW_OK);
    assert_true(q.has_protocol_version && q.protocol_version1);
    assert_int_equal(mfw_acse_accept(&q, 16, &policy, &a), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_ACCEPTED);
    b[4] = 0x06, b[5] = 0x40;
    assert_int_equal(mfw_acse_parse_aarq(b, sizeof(b), &q), MFW_OK);
    assert_false(q.protocol_version1);
    assert_int_equal(mfw_acse_accept(&q, 16, &policy, &a), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_REJECTED_PERMANENT);
    assert_int_equal(a.diag_source, MFW_ACSE_DIAG_SOURCE_PROVIDER);
    assert_int_equal(a.diag, MFW_ACSE_PDIAG_NO_COMMON_ACSE_VERSION);
    uint8_t out[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof(out));
    assert_int_equal(mfw_acse_build_aare(&a, &w), MFW_OK);
    assert_memory_equal(out + 18, "\xA3\x05\xA2\x03\x02\x01\x02", 7);
}

/* ---- RLRQ / RLRE ------------------------------------------------------------------------------ */

static void test_rlrq(void **state)
{
    (void)state;
    struct mfw_acse_rlrq r;
    assert_int_equal(mfw_acse_parse_rlrq(rlrq_plain, sizeof(rlrq_plain), &r), MFW_OK);
    assert_true(r.has_reason);
    assert_int_equal(r.reason, MFW_ACSE_RELEASE_NORMAL);
    assert_int_equal(r.user_info_kind, MFW_ACSE_UI_NONE);
    assert_int_equal(mfw_acse_parse_rlrq(rlrq_gmac, sizeof(rlrq_gmac), &r), MFW_OK);
    assert_int_equal(r.reason, MFW_ACSE_RELEASE_NORMAL);
    assert_int_equal(r.user_info_kind, MFW_ACSE_UI_GLO);
    assert_int_equal(r.ciphered.len, 31);
    assert_memory_equal(r.ciphered.p, "\x30\x00\x00\x00\x10", 5);
    static const uint8_t empty[] = {0x62, 0x00};
    assert_int_equal(mfw_acse_parse_rlrq(empty, sizeof(empty), &r), MFW_OK);
    assert_false(r.has_reason);
    static const uint8_t twice[] = {0x62, 0x06, 0x80, 0x01, 0x00, 0x80, 0x01, 0x01};
    assert_int_equal(mfw_acse_parse_rlrq(twice, sizeof(twice), &r), MFW_E_FORMAT);
    assert_int_equal(mfw_acse_parse_rlrq(aarq_public, sizeof(aarq_public), &r), MFW_E_FORMAT);
    for (size_t n = 0; n < sizeof(rlrq_plain); n++)
        assert_int_equal(mfw_acse_parse_rlrq(rlrq_plain, n, &r), MFW_E_FORMAT);
}

static void test_rlre(void **state)
{
    (void)state;
    struct mfw_acse_rlre r;
    memset(&r, 0, sizeof(r));
    r.has_reason = true;
    r.reason = MFW_ACSE_RELEASE_NORMAL;
    uint8_t out[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof(out));
    assert_int_equal(mfw_acse_build_rlre(&r, &w), MFW_OK);
    assert_int_equal(w.len, sizeof(rlre_plain));
    assert_memory_equal(out, rlre_plain, sizeof(rlre_plain));
    mfw_wcursor_init(&w, out, sizeof(rlre_plain) - 1);
    assert_int_equal(mfw_acse_build_rlre(&r, &w), MFW_E_NOSPACE);
    assert_int_equal(w.len, 0);
}

/* Gurux's ciphered RLRE announces 63 24 (36) and BE 22 (34) but carries 40 and 35 bytes: its
 * octet string 04 21 (33 bytes) is right, the two enclosing lengths are not. Ours, with the same
 * glo-initiate-response, is 63 28 ... BE 23, otherwise identical. */
static void test_rlre_gmac_lengths(void **state)
{
    (void)state;
    struct mfw_acse_rlre r;
    memset(&r, 0, sizeof(r));
    r.has_reason = true;
    r.user_info_kind = MFW_ACSE_AARE_UI_RAW;
    r.user_info_raw.p = rlre_gmac + 9;
    r.user_info_raw.len = 33;
    uint8_t out[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof(out));
    assert_int_equal(mfw_acse_build_rlre(&r, &w), MFW_OK);
    assert_int_equal(w.len, sizeof(rlre_gmac));
    assert_int_equal(out[1], 0x28);
    assert_int_equal(rlre_gmac[1], 0x24);
    assert_int_equal(out[6], 0x23);
    assert_int_equal(rlre_gmac[6], 0x22);
    assert_memory_equal(out + 2, rlre_gmac + 2, 4);
    assert_memory_equal(out + 7, rlre_gmac + 7, sizeof(rlre_gmac) - 7);
    /* An RLRE with an InitiateResponse (answer to an RLRQ carrying an InitiateRequest). */
    r.user_info_kind = MFW_ACSE_AARE_UI_INITIATE;
    r.initiate.dlms_version = 6;
    r.initiate.conformance = 0x001E1D;
    r.initiate.server_max_pdu = 512;
    r.initiate.vaa_name = MFW_ACSE_VAA_NAME_LN;
    mfw_wcursor_init(&w, out, sizeof(out));
    assert_int_equal(mfw_acse_build_rlre(&r, &w), MFW_OK);
    /* 63 15 80 01 00 BE 10 04 0E + the InitiateResponse of the LLS AARE. */
    assert_int_equal(w.len, 23);
    assert_memory_equal(out, "\x63\x15\x80\x01\x00\xBE\x10\x04\x0E", 9);
    assert_memory_equal(out + 9, aare_lls + 29, 14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_public),
        cmocka_unit_test(test_parse_lls),
        cmocka_unit_test(test_parse_gmac),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_unknown_elements),
        cmocka_unit_test(test_initiate_request_options),
        cmocka_unit_test(test_conformance_bits),
        cmocka_unit_test(test_aare_public),
        cmocka_unit_test(test_aare_lls),
        cmocka_unit_test(test_aare_gmac_fields),
        cmocka_unit_test(test_gmac_policy),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_unknown_mechanism),
        cmocka_unit_test(test_initiate_errors),
        cmocka_unit_test(test_protocol_version),
        cmocka_unit_test(test_rlrq),
        cmocka_unit_test(test_rlre),
        cmocka_unit_test(test_rlre_gmac_lengths),
    };
    return cmocka_run_group_tests(tests, load_vectors, NULL);
}
