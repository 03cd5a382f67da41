/* SPDX-License-Identifier: Apache-2.0 */
/* The crypto port of the posix port (port/posix/crypto_posix.c) against published vectors:
 * AES-128-GCM test cases 1 to 4 of McGrew and Viega, "The Galois/Counter Mode of Operation
 * (GCM)", Appendix B (the vectors NIST SP 800-38D refers to), with the tag cut to the 12 bytes of
 * DLMS security suite 0 (IEC 62056-5-3 / Green Book 9.2.3.4.6 [M]); AES key wrap of RFC 3394
 * section 4.1 (128-bit key data with a 128-bit KEK). Then what a forged input must give: MFW_E_AUTH
 * and a wiped output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hexbytes.h"

#include "crypto_posix.h"
#include "meterfw/base/ct.h"
#include "meterfw/base/error.h"

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = hex_decode(s, out, cap);
    assert_true(n != HEX_BAD);
    return n;
}

struct gcm_case {
    const char *key, *iv, *p, *a, *c, *t;
};

/* McGrew-Viega GCM spec, Appendix B, test cases 1-4 (128-bit key, 96-bit IV); t is the full
 * 16-byte tag as published, of which DLMS sends the first 12. */
static const struct gcm_case cases[] = {
    {"00000000000000000000000000000000", "000000000000000000000000", "", "", "",
     "58e2fccefa7e3061367f1d57a4e7455a"},
    {"00000000000000000000000000000000", "000000000000000000000000",
     "00000000000000000000000000000000", "", "0388dace60b6a392f328c2b971b2fe78",
     "ab6e47d42cec13bdf53a67b21257bddf"},
    {"feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
     "",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
     "4d5c2af327cd64a62cf35abd2ba6fab4"},
    {"feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
     "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
     "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
     "5bc94fbc3221a5db94fae95ae7121a47"},
};

static void gcm_vectors(void **st)
{
    (void)st;
    const struct mfw_crypto_port *c = crypto_posix_port();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint8_t key[16], iv[12], p[64], a[32], want_c[64], want_t[16], out[64], tag[12], back[64];
        assert_int_equal(hex(cases[k].key, key, 16), 16);
        assert_int_equal(hex(cases[k].iv, iv, 12), 12);
        size_t pn = hex(cases[k].p, p, sizeof p), an = hex(cases[k].a, a, sizeof a);
        assert_int_equal(hex(cases[k].c, want_c, sizeof want_c), pn);
        assert_int_equal(hex(cases[k].t, want_t, 16), 16);
        assert_int_equal(c->gcm_encrypt(c->ctx, key, iv, a, an, p, pn, out, tag), MFW_OK);
        assert_memory_equal(out, want_c, pn);
        assert_memory_equal(tag, want_t, 12);
        assert_int_equal(c->gcm_decrypt(c->ctx, key, iv, a, an, out, pn, tag, back), MFW_OK);
        assert_memory_equal(back, p, pn);
        /* in place, as the DLMS server ciphers its replies */
        memcpy(back, p, pn);
        assert_int_equal(c->gcm_encrypt(c->ctx, key, iv, a, an, back, pn, back, tag), MFW_OK);
        assert_memory_equal(back, want_c, pn);
        /* a flipped tag bit, a flipped ciphertext or AAD bit: MFW_E_AUTH, nothing left */
        uint8_t bad[12];
        memcpy(bad, want_t, 12);
        bad[11] ^= 0x01;
        memset(back, 0x55, sizeof back);
        assert_int_equal(c->gcm_decrypt(c->ctx, key, iv, a, an, want_c, pn, bad, back), MFW_E_AUTH);
        for (size_t i = 0; i < pn; i++)
            assert_int_equal(back[i], 0);
        if (pn > 0) {
            want_c[pn / 2] ^= 0x80;
            assert_int_equal(c->gcm_decrypt(c->ctx, key, iv, a, an, want_c, pn, want_t, back),
                             MFW_E_AUTH);
            want_c[pn / 2] ^= 0x80;
        }
        if (an > 0) {
            a[0] ^= 0x01;
            assert_int_equal(c->gcm_decrypt(c->ctx, key, iv, a, an, want_c, pn, want_t, back),
                             MFW_E_AUTH);
            a[0] ^= 0x01;
        }
        iv[0] ^= 0x01; /* another IV (another system title or counter) */
        assert_int_equal(c->gcm_decrypt(c->ctx, key, iv, a, an, want_c, pn, want_t, back),
                         MFW_E_AUTH);
    }
}

/* RFC 3394 4.1: 128 bits of key data with a 128-bit KEK. */
static void key_wrap_vector(void **st)
{
    (void)st;
    const struct mfw_crypto_port *c = crypto_posix_port();
    uint8_t kek[16], key[16], want[24], out[24], back[16];
    hex("000102030405060708090A0B0C0D0E0F", kek, 16);
    hex("00112233445566778899AABBCCDDEEFF", key, 16);
    hex("1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5", want, 24);
    assert_int_equal(c->key_wrap(c->ctx, kek, key, out), MFW_OK);
    assert_memory_equal(out, want, 24);
    assert_int_equal(c->key_unwrap(c->ctx, kek, want, back), MFW_OK);
    assert_memory_equal(back, key, 16);
    /* RFC 3394 2.2.3: the integrity check fails for a wrong KEK or any changed bit */
    for (unsigned bit = 0; bit < 24 * 8; bit += 13) {
        uint8_t t[24];
        memcpy(t, want, 24);
        t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        memset(back, 0x55, 16);
        assert_int_equal(c->key_unwrap(c->ctx, kek, t, back), MFW_E_AUTH);
        assert_true(mfw_ct_equal(back, (const uint8_t[16]){0}, 16));
    }
    kek[15] ^= 1;
    assert_int_equal(c->key_unwrap(c->ctx, kek, want, back), MFW_E_AUTH);
}

static void random_and_helpers(void **st)
{
    (void)st;
    const struct mfw_crypto_port *c = crypto_posix_port();
    uint8_t a[16], b[16], z[16] = {0};
    assert_int_equal(c->random(c->ctx, a, sizeof a), MFW_OK);
    assert_int_equal(c->random(c->ctx, b, sizeof b), MFW_OK);
    /* two 128-bit draws are equal, or zero, with probability 2^-128 */
    assert_false(mfw_ct_equal(a, b, 16));
    assert_false(mfw_ct_equal(a, z, 16));
    mfw_ct_wipe(a, sizeof a);
    assert_true(mfw_ct_equal(a, z, 16));
    assert_true(mfw_ct_equal("abc", "abc", 3));
    assert_false(mfw_ct_equal("abc", "abd", 3));
    assert_true(mfw_ct_equal("x", "y", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gcm_vectors),
        cmocka_unit_test(key_wrap_vector),
        cmocka_unit_test(random_and_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
