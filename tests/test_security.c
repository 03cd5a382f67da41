/* SPDX-License-Identifier: Apache-2.0 */
/* The suite 0 security layer (src/dlms/security.c) against the exchange the Gurux client and
 * server had with HLS-GMAC and authenticated encryption (tests/vectors/w_gmac_clock.txt; keys
 * and system titles in tests/vectors/README.md): every ciphered APDU of the capture parses,
 * deciphers under the SENDER's system title to the plaintext the client printed (TX PDU / RX PDU
 * lines), and ciphering that plaintext again with the same SC and IC gives the captured bytes;
 * the two HLS f() values of pass 3 and 4 verify; and what an attacker may change (a bit of the
 * ciphertext, the tag, the SC, the title, the IC) fails. Then the two forms the capture does not
 * have (authentication only, encryption only), against Mbed TLS used directly: AES-CTR from
 * IV || 00000002 for E (Green Book 9.2.3.4.6 [M]: GCM's ciphertext is CTR from inc32(J0)) and
 * GCM with the plaintext in the AAD for A. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/aes.h>
#include <mbedtls/gcm.h>

#include "hexbytes.h"
#include "vectors.h"

#include "crypto_posix.h"
#include "meterfw/base/error.h"
#include "meterfw/dlms/acse.h"
#include "meterfw/dlms/security.h"

#define CAP "w_gmac_clock.txt"

static const uint8_t CLIENT_ST[8] = {0x47, 0x75, 0x72, 0x75, 0x78, 0x31, 0x32, 0x33}; /* Gurux123 */
static const uint8_t SERVER_ST[8] = {0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48}; /* ABCDEFGH */
static const uint8_t GUEK[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t AK[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                               0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
static const struct mfw_security_keys KEYS = {GUEK, AK};

static uint8_t apdu[VEC_LINE_MAX], plain[VEC_LINE_MAX], want[VEC_LINE_MAX], out[VEC_LINE_MAX];

static size_t load(enum vec_kind kind, int n, uint8_t *buf)
{
    size_t len = 0;
    int rc = kind == VEC_TX || kind == VEC_RX ? vec_apdu(CAP, kind, n, buf, VEC_LINE_MAX, &len)
                                              : vec_line(CAP, kind, n, buf, VEC_LINE_MAX, &len);
    assert_int_equal(rc, VEC_OK);
    return len;
}

/* Deciphers the APDU of a TX/RX line under title; the plaintext in plain. */
static size_t decipher(enum vec_kind kind, int n, const uint8_t title[8],
                       struct mfw_security_apdu *a)
{
    size_t len = load(kind, n, apdu);
    assert_int_equal(mfw_security_parse(apdu, len, a), MFW_OK);
    size_t pn = 0;
    assert_int_equal(
        mfw_security_decipher(crypto_posix_port(), &KEYS, title, a, plain, sizeof plain, &pn),
        MFW_OK);
    /* ciphered again with its tag, SC and IC: the captured APDU, byte for byte */
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof out);
    assert_int_equal(
        mfw_security_cipher(crypto_posix_port(), &KEYS, a->tag, title, a->sc, a->ic, plain, pn, &w),
        MFW_OK);
    assert_int_equal(w.len, len);
    assert_memory_equal(out, apdu, len);
    assert_int_equal(mfw_security_overhead(a->tag, a->sc, pn), len - pn);
    return pn;
}

/* The AARQ's glo-initiate-request (kept by acse.c as SC || IC || C || T) and the AARE's
 * glo-initiate-response: the InitiateRequest and InitiateResponse that docs/acse.md decodes. */
static void initiate_in_aarq_and_aare(void **st)
{
    (void)st;
    size_t len = load(VEC_TX, 1, apdu);
    struct mfw_acse_aarq q;
    assert_int_equal(mfw_acse_parse_aarq(apdu, len, &q), MFW_OK);
    assert_int_equal(q.user_info_kind, MFW_ACSE_UI_GLO);
    assert_memory_equal(q.calling_ap_title, CLIENT_ST, 8);
    struct mfw_security_apdu a;
    assert_int_equal(mfw_security_parse_content(q.ciphered.p, q.ciphered.len, &a), MFW_OK);
    assert_int_equal(a.sc, 0x30);
    assert_int_equal(a.ic, 1);
    size_t pn;
    const struct mfw_crypto_port *c = crypto_posix_port();
    assert_int_equal(
        mfw_security_decipher(c, &KEYS, q.calling_ap_title, &a, plain, sizeof plain, &pn), MFW_OK);
    size_t wn = hex_decode("01 00 00 00 06 5F 1F 04 00 40 1E 1D FF FF", want, sizeof want);
    assert_int_equal(pn, wn);
    assert_memory_equal(plain, want, wn);
    /* the server's title is not the sender's: the tag fails, nothing is left */
    assert_int_equal(mfw_security_decipher(c, &KEYS, SERVER_ST, &a, plain, sizeof plain, &pn),
                     MFW_E_AUTH);
    for (size_t i = 0; i < wn; i++)
        assert_int_equal(plain[i], 0);
    /* the bare content again (tag 0) */
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof out);
    assert_int_equal(mfw_security_cipher(c, &KEYS, 0, CLIENT_ST, 0x30, 1, want, wn, &w), MFW_OK);
    assert_int_equal(w.len, q.ciphered.len);
    assert_memory_equal(out, q.ciphered.p, w.len);
    /* AARE: BE 23 04 21 28 1F | 30 00000000 | C T, under the server's title */
    len = load(VEC_RX, 1, apdu);
    static const uint8_t ui[] = {0xBE, 0x23, 0x04, 0x21, 0x28, 0x1F};
    const uint8_t *p = NULL;
    for (size_t i = 0; i + sizeof ui <= len; i++)
        if (memcmp(apdu + i, ui, sizeof ui) == 0)
            p = apdu + i + sizeof ui;
    assert_non_null(p);
    assert_int_equal(mfw_security_parse_content(p, 0x1F, &a), MFW_OK);
    assert_int_equal(a.ic, 0);
    assert_int_equal(mfw_security_decipher(c, &KEYS, SERVER_ST, &a, plain, sizeof plain, &pn),
                     MFW_OK);
    wn = hex_decode("08 00 06 5F 1F 04 00 40 1E 1D 02 00 00 07", want, sizeof want);
    assert_int_equal(pn, wn);
    assert_memory_equal(plain, want, wn);
}

/* Pass 3 as glo-action-request (CB), pass 4 as glo-action-response (CF), their f() values. */
static void hls_pass_3_and_4(void **st)
{
    (void)st;
    struct mfw_security_apdu a;
    size_t pn = decipher(VEC_TX, 2, CLIENT_ST, &a);
    assert_int_equal(a.tag, MFW_SECURITY_GLO_ACTION_REQUEST);
    assert_int_equal(a.ic, 3);
    size_t wn = load(VEC_TX_PDU, 1, want);
    assert_int_equal(pn, wn);
    assert_memory_equal(plain, want, wn);
    /* ACTION {15, 0.0.40.0.0.255, 1} with octet-string(17) f(StoC) */
    assert_int_equal(pn, 15 + 17);
    assert_memory_equal(plain, "\xC3\x01\xC1\x00\x0F\x00\x00\x28\x00\x00\xFF\x01\x01\x09\x11", 15);
    uint8_t f_stoc[17];
    memcpy(f_stoc, plain + 15, 17);
    /* StoC is the AARE's responding-authentication-value AA 12 80 10 <16 bytes> */
    uint8_t stoc[16];
    assert_int_equal(hex_decode("70389CCE67B359AC56AB552A158A4522", stoc, 16), 16);
    const struct mfw_crypto_port *c = crypto_posix_port();
    /* the client MACs StoC under its own title and the IC inside f (2) */
    assert_int_equal(mfw_security_hls_check(c, &KEYS, CLIENT_ST, stoc, 16, f_stoc, 17), MFW_OK);
    uint8_t f[17];
    assert_int_equal(mfw_security_hls_f(c, &KEYS, CLIENT_ST, 2, stoc, 16, f), MFW_OK);
    assert_memory_equal(f, f_stoc, 17);
    assert_int_equal(mfw_security_hls_check(c, &KEYS, SERVER_ST, stoc, 16, f_stoc, 17), MFW_E_AUTH);
    f_stoc[16] ^= 1;
    assert_int_equal(mfw_security_hls_check(c, &KEYS, CLIENT_ST, stoc, 16, f_stoc, 17), MFW_E_AUTH);
    assert_int_equal(mfw_security_hls_check(c, &KEYS, CLIENT_ST, stoc, 16, f_stoc, 16), MFW_E_AUTH);
    /* pass 4: C7 01 C1 00 01 00 09 11 f(CtoS), under the server's title */
    pn = decipher(VEC_RX, 2, SERVER_ST, &a);
    assert_int_equal(a.tag, MFW_SECURITY_GLO_ACTION_RESPONSE);
    wn = load(VEC_RX_PDU, 1, want);
    assert_int_equal(pn, wn);
    assert_memory_equal(plain, want, wn);
    /* CtoS (the AARQ's calling-authentication-value) equals StoC in this capture (Gurux draws
     * both from the same fixed-seed generator): only the title and the IC tell them apart */
    assert_int_equal(mfw_security_hls_check(c, &KEYS, SERVER_ST, stoc, 16, plain + 8, 17), MFW_OK);
    assert_int_equal(mfw_security_hls_check(c, &KEYS, CLIENT_ST, stoc, 16, plain + 8, 17),
                     MFW_E_AUTH);
}

/* Every general-glo-ciphering request (TX 3..13) and response (RX 3..13). The client's TX PDU
 * line is the plaintext of its request; the server's RX PDU line is Gurux's reassembly buffer,
 * whose tail is this block's raw data (tests/vectors/README.md). */
static void general_glo_ciphering(void **st)
{
    (void)st;
    struct mfw_security_apdu a;
    uint32_t last_c = 3, last_s = 3;
    for (int k = 3; k <= 13; k++) {
        size_t pn = decipher(VEC_TX, k, CLIENT_ST, &a);
        assert_int_equal(a.tag, MFW_SECURITY_GENERAL_GLO);
        assert_true(a.has_title);
        assert_memory_equal(a.title, CLIENT_ST, 8);
        assert_true(a.ic > last_c); /* gaps allowed, never a repeat */
        last_c = a.ic;
        size_t wn = load(VEC_TX_PDU, k - 1, want);
        assert_int_equal(pn, wn);
        assert_memory_equal(plain, want, wn);
        pn = decipher(VEC_RX, k, SERVER_ST, &a);
        assert_memory_equal(a.title, SERVER_ST, 8);
        assert_true(a.ic > last_s);
        last_s = a.ic;
        wn = load(VEC_RX_PDU, k - 1, want);
        assert_true(pn >= 4);
        if (k == 3 || k == 13) { /* block 1 and the clock: the whole line */
            assert_int_equal(pn, wn);
            assert_memory_equal(plain, want, wn);
        } else { /* GET-Response-With-Datablock: its raw data is the tail of the line */
            assert_int_equal(plain[0], 0xC4);
            assert_int_equal(plain[1], 0x02);
            size_t raw = pn - (plain[10] == 0x82 ? 13 : plain[10] == 0x81 ? 12 : 11);
            assert_true(raw <= wn);
            assert_memory_equal(plain + pn - raw, want + wn - raw, raw);
        }
    }
    assert_int_equal(last_c, 15);
    assert_int_equal(last_s, 14);
}

/* What must not pass: every change an attacker can make is refused before any plaintext. */
static void tampering(void **st)
{
    (void)st;
    const struct mfw_crypto_port *c = crypto_posix_port();
    size_t len = load(VEC_TX, 13, apdu); /* the clock GET: DB 08 title 1E 30 IC C(13) T(12) */
    struct mfw_security_apdu a;
    size_t pn;
    /* every bit after the title's length, one at a time */
    for (size_t i = 10; i < len; i++) {
        for (unsigned b = 0; b < 8; b += 3) {
            apdu[i] ^= (uint8_t)(1u << b);
            int rc = mfw_security_parse(apdu, len, &a);
            if (rc == MFW_OK)
                rc = mfw_security_decipher(c, &KEYS, a.title, &a, plain, sizeof plain, &pn);
            assert_true(rc != MFW_OK);
            apdu[i] ^= (uint8_t)(1u << b);
        }
    }
    /* a title in the APDU that is not the sender's */
    apdu[2] ^= 0x01;
    assert_int_equal(mfw_security_parse(apdu, len, &a), MFW_OK);
    assert_int_equal(mfw_security_decipher(c, &KEYS, a.title, &a, plain, sizeof plain, &pn),
                     MFW_E_AUTH);
    apdu[2] ^= 0x01;
    /* another key */
    uint8_t k2[16];
    memcpy(k2, GUEK, 16);
    k2[0] ^= 0x80;
    struct mfw_security_keys other = {k2, AK};
    assert_int_equal(mfw_security_parse(apdu, len, &a), MFW_OK);
    assert_int_equal(mfw_security_decipher(c, &other, CLIENT_ST, &a, plain, sizeof plain, &pn),
                     MFW_E_AUTH);
    other = (struct mfw_security_keys){GUEK, k2};
    assert_int_equal(mfw_security_decipher(c, &other, CLIENT_ST, &a, plain, sizeof plain, &pn),
                     MFW_E_AUTH);
    /* what suite 0 here does not offer: another suite, compression, no protection: refused as
     * such (MFW_E_RANGE) before any cryptography */
    static const uint8_t bad_sc[] = {0x31, 0xB0, 0x00, 0x01};
    for (size_t k = 0; k < sizeof bad_sc; k++) {
        uint8_t save = apdu[11];
        apdu[11] = bad_sc[k];
        assert_int_equal(mfw_security_parse(apdu, len, &a), MFW_E_RANGE);
        apdu[11] = save;
    }
    /* malformed: a length that is not the rest, a title of 7, truncations, a plain tag */
    for (size_t n = 1; n < len; n++)
        assert_int_not_equal(mfw_security_parse(apdu, n, &a), MFW_OK);
    apdu[10]++;
    assert_int_equal(mfw_security_parse(apdu, len, &a), MFW_E_FORMAT);
    apdu[10]--;
    apdu[1] = 7;
    assert_int_equal(mfw_security_parse(apdu, len, &a), MFW_E_FORMAT);
    apdu[1] = 8;
    apdu[0] = 0xC0;
    assert_int_equal(mfw_security_parse(apdu, len, &a), MFW_E_FORMAT);
    apdu[0] = 0xDB;
    /* a tag shorter than 12 bytes after the header */
    assert_int_equal(
        mfw_security_parse_content((const uint8_t *)"\x30\x00\x00\x00\x01\x01\x02", 7, &a),
        MFW_E_FORMAT);
    /* no room: nothing written, the cursor unchanged */
    assert_int_equal(mfw_security_parse(apdu, len, &a), MFW_OK);
    assert_int_equal(mfw_security_decipher(c, &KEYS, CLIENT_ST, &a, plain, 12, &pn), MFW_E_NOSPACE);
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, len - 1);
    assert_int_equal(mfw_security_decipher(c, &KEYS, CLIENT_ST, &a, plain, sizeof plain, &pn),
                     MFW_OK);
    assert_int_equal(
        mfw_security_cipher(c, &KEYS, MFW_SECURITY_GENERAL_GLO, CLIENT_ST, 0x30, 15, plain, pn, &w),
        MFW_E_NOSPACE);
    assert_int_equal(w.len, 0);
}

/* Authentication only (SC 10) and encryption only (SC 20), against Mbed TLS used directly. */
static void authentication_only_and_encryption_only(void **st)
{
    (void)st;
    const struct mfw_crypto_port *c = crypto_posix_port();
    static const uint8_t p[] = {0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00,
                                0x01, 0x00, 0x00, 0xFF, 0x02, 0x00};
    uint8_t iv[12];
    memcpy(iv, CLIENT_ST, 8);
    memcpy(iv + 8, "\x00\x00\x01\x00", 4);
    /* A: C8 L 10 IC P T with T = GCM(GUEK, IV, AAD = 10 || AK || P, empty) */
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof out);
    assert_int_equal(mfw_security_cipher(c, &KEYS, MFW_SECURITY_GLO_GET_REQUEST, CLIENT_ST, 0x10,
                                         256, p, sizeof p, &w),
                     MFW_OK);
    assert_int_equal(w.len, 2 + 5 + sizeof p + 12);
    assert_memory_equal(out, "\xC8\x1E\x10\x00\x00\x01\x00", 7);
    assert_memory_equal(out + 7, p, sizeof p);
    uint8_t aad[1 + 16 + sizeof p], tag[16];
    aad[0] = 0x10;
    memcpy(aad + 1, AK, 16);
    memcpy(aad + 17, p, sizeof p);
    mbedtls_gcm_context g;
    mbedtls_gcm_init(&g);
    assert_int_equal(mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, GUEK, 128), 0);
    assert_int_equal(mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, 0, iv, 12, aad, sizeof aad,
                                               NULL, NULL, 16, tag),
                     0);
    mbedtls_gcm_free(&g);
    assert_memory_equal(out + 7 + sizeof p, tag, 12);
    struct mfw_security_apdu a;
    size_t pn;
    assert_int_equal(mfw_security_parse(out, w.len, &a), MFW_OK);
    assert_int_equal(mfw_security_decipher(c, &KEYS, CLIENT_ST, &a, plain, sizeof plain, &pn),
                     MFW_OK);
    assert_int_equal(pn, sizeof p);
    assert_memory_equal(plain, p, pn);
    out[8] ^= 1; /* the plaintext is authenticated */
    assert_int_equal(mfw_security_decipher(c, &KEYS, CLIENT_ST, &a, plain, sizeof plain, &pn),
                     MFW_E_AUTH);
    /* E: C8 L 20 IC C, C = P xor AES-CTR(GUEK, IV || 00000002) */
    mfw_wcursor_init(&w, out, sizeof out);
    assert_int_equal(mfw_security_cipher(c, &KEYS, MFW_SECURITY_GLO_GET_REQUEST, CLIENT_ST, 0x20,
                                         256, p, sizeof p, &w),
                     MFW_OK);
    assert_int_equal(w.len, 2 + 5 + sizeof p);
    mbedtls_aes_context aes;
    mbedtls_aes_init(&aes);
    assert_int_equal(mbedtls_aes_setkey_enc(&aes, GUEK, 128), 0);
    uint8_t nonce[16], stream[16], ctr[sizeof p];
    memcpy(nonce, iv, 12);
    memcpy(nonce + 12, "\x00\x00\x00\x02", 4);
    size_t off = 0;
    assert_int_equal(mbedtls_aes_crypt_ctr(&aes, sizeof p, &off, nonce, stream, p, ctr), 0);
    mbedtls_aes_free(&aes);
    assert_memory_equal(out + 7, ctr, sizeof p);
    assert_int_equal(mfw_security_parse(out, w.len, &a), MFW_OK);
    assert_int_equal(mfw_security_decipher(c, &KEYS, CLIENT_ST, &a, plain, sizeof plain, &pn),
                     MFW_OK);
    assert_memory_equal(plain, p, sizeof p);
}

static void tags_and_policy(void **st)
{
    (void)st;
    assert_int_equal(mfw_security_glo_tag(0xC0), 0xC8);
    assert_int_equal(mfw_security_glo_tag(0xC4), 0xCC);
    assert_int_equal(mfw_security_glo_tag(0xC7), 0xCF);
    assert_int_equal(mfw_security_glo_tag(0x01), 0x21);
    assert_int_equal(mfw_security_glo_tag(0x08), 0x28);
    assert_int_equal(mfw_security_glo_tag(0x0F), 0); /* DataNotification: general-glo only */
    assert_int_equal(mfw_security_glo_tag(0xD8), 0);
    assert_int_equal(mfw_security_plain_tag(0xCB), 0xC3);
    assert_int_equal(mfw_security_plain_tag(0xDB), 0);
    assert_true(mfw_security_is_ciphered(0xDB));
    assert_false(mfw_security_is_ciphered(0xC0));
    assert_true(mfw_security_meets_policy(0x30, 3));
    assert_false(mfw_security_meets_policy(0x10, 3));
    assert_false(mfw_security_meets_policy(0x20, 1));
    assert_true(mfw_security_meets_policy(0x20, 2));
    assert_true(mfw_security_meets_policy(0x10, 0));
    assert_false(mfw_security_meets_policy(0x30, 4));
    assert_int_equal(mfw_security_sc_for(3, 0x10, false), 0x30);
    assert_int_equal(mfw_security_sc_for(1, 0x30, false), 0x30); /* in kind */
    assert_int_equal(mfw_security_sc_for(1, 0, true), 0x50);
    assert_int_equal(mfw_security_sc_for(0, 0, false), 0x10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(initiate_in_aarq_and_aare),
        cmocka_unit_test(hls_pass_3_and_4),
        cmocka_unit_test(general_glo_ciphering),
        cmocka_unit_test(tampering),
        cmocka_unit_test(authentication_only_and_encryption_only),
        cmocka_unit_test(tags_and_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
