/* SPDX-License-Identifier: Apache-2.0 */
/* crypto_posix: Mbed TLS GCM, nettle RFC 3394 key wrap, getrandom (crypto_posix.h). The GCM key
 * schedules of the last few keys are kept (a key expansion and GHASH table per call would cost
 * as much as ciphering a short APDU): a small cache in this file, host code, one process, one
 * thread; an entry replaced is freed and wiped (mbedtls_gcm_free zeroizes it). Key wrap
 * schedules live on the stack for one call and are wiped after it. */
#include "crypto_posix.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/aes.h>
#include <mbedtls/gcm.h>
#include <mbedtls/platform_util.h>
#include <nettle/aes.h>
#include <nettle/nist-keywrap.h>

#include "meterfw/base/error.h"

/* The cache: 4 key schedules, round robin. */
enum { GCM_CACHE = 4 };
static struct {
    bool used;
    uint8_t key[MFW_CRYPTO_KEY_LEN];
    mbedtls_gcm_context gcm;
} cache[GCM_CACHE];
static unsigned cache_next;

static mbedtls_gcm_context *gcm_of(const uint8_t key[16])
{
    for (unsigned k = 0; k < GCM_CACHE; k++)
        if (cache[k].used && memcmp(cache[k].key, key, MFW_CRYPTO_KEY_LEN) == 0)
            return &cache[k].gcm;
    unsigned k = cache_next;
    cache_next = (cache_next + 1) % GCM_CACHE;
    if (cache[k].used)
        mbedtls_gcm_free(&cache[k].gcm);
    mbedtls_platform_zeroize(cache[k].key, sizeof cache[k].key);
    cache[k].used = false;
    mbedtls_gcm_init(&cache[k].gcm);
    if (mbedtls_gcm_setkey(&cache[k].gcm, MBEDTLS_CIPHER_ID_AES, key, 128) != 0) {
        mbedtls_gcm_free(&cache[k].gcm);
        return NULL;
    }
    memcpy(cache[k].key, key, MFW_CRYPTO_KEY_LEN);
    cache[k].used = true;
    return &cache[k].gcm;
}

static int gcm_encrypt(void *ctx, const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[12])
{
    (void)ctx;
    mbedtls_gcm_context *g = gcm_of(key);
    if (g == NULL)
        return MFW_E_IO;
    int rc = mbedtls_gcm_crypt_and_tag(g, MBEDTLS_GCM_ENCRYPT, len, iv, MFW_CRYPTO_IV_LEN, aad,
                                       aad_len, in, out, MFW_CRYPTO_TAG_LEN, tag);
    return rc == 0 ? MFW_OK : MFW_E_IO;
}

static int gcm_decrypt(void *ctx, const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                       size_t aad_len, const uint8_t *in, size_t len, const uint8_t tag[12],
                       uint8_t *out)
{
    (void)ctx;
    mbedtls_gcm_context *g = gcm_of(key);
    /* mbedtls_gcm_auth_decrypt compares the tag in constant time and zeroes the output when it
     * does not match (gcm.c); we wipe it again in case the failure came from elsewhere */
    int rc = g == NULL ? MBEDTLS_ERR_GCM_BAD_INPUT
                       : mbedtls_gcm_auth_decrypt(g, len, iv, MFW_CRYPTO_IV_LEN, aad, aad_len, tag,
                                                  MFW_CRYPTO_TAG_LEN, in, out);
    if (rc == 0)
        return MFW_OK;
    if (len > 0)
        mbedtls_platform_zeroize(out, len);
    return rc == MBEDTLS_ERR_GCM_AUTH_FAILED ? MFW_E_AUTH : MFW_E_IO;
}

/* RFC 3394 2.2.3.1: the default initial value */
static const uint8_t KW_IV[8] = {0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6};

static int key_wrap(void *ctx, const uint8_t kek[16], const uint8_t key[16], uint8_t out[24])
{
    (void)ctx;
    struct aes128_ctx a;
    aes128_set_encrypt_key(&a, kek);
    aes128_keywrap(&a, KW_IV, MFW_CRYPTO_WRAPPED_LEN, out, key);
    mbedtls_platform_zeroize(&a, sizeof a);
    return MFW_OK;
}

static int key_unwrap(void *ctx, const uint8_t kek[16], const uint8_t in[24], uint8_t key[16])
{
    (void)ctx;
    struct aes128_ctx a;
    aes128_set_decrypt_key(&a, kek);
    /* nettle checks the integrity value with memeql_sec (constant time) */
    int ok = aes128_keyunwrap(&a, KW_IV, MFW_CRYPTO_KEY_LEN, key, in);
    mbedtls_platform_zeroize(&a, sizeof a);
    if (!ok) {
        mbedtls_platform_zeroize(key, MFW_CRYPTO_KEY_LEN);
        return MFW_E_AUTH;
    }
    return MFW_OK;
}

static int random_bytes(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    while (n > 0) {
        ssize_t k = getrandom(out, n, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return MFW_E_IO;
        out += k;
        n -= (size_t)k;
    }
    return MFW_OK;
}

/* AES-128-CBC of whole blocks (Mbed TLS); the schedule lives for one call and is wiped. */
static int aes_cbc_encrypt(void *ctx, const uint8_t key[16], const uint8_t iv[16],
                           const uint8_t *in, size_t len, uint8_t *out)
{
    (void)ctx;
    if (len % 16 != 0)
        return MFW_E_ARG;
    mbedtls_aes_context a;
    mbedtls_aes_init(&a);
    uint8_t v[16];
    memcpy(v, iv, sizeof v);
    int rc = mbedtls_aes_setkey_enc(&a, key, 128);
    if (rc == 0)
        rc = mbedtls_aes_crypt_cbc(&a, MBEDTLS_AES_ENCRYPT, len, v, in, out);
    mbedtls_aes_free(&a);
    mbedtls_platform_zeroize(v, sizeof v);
    return rc == 0 ? MFW_OK : MFW_E_IO;
}

static const struct mfw_crypto_port port = {
    .ctx = NULL,
    .gcm_encrypt = gcm_encrypt,
    .gcm_decrypt = gcm_decrypt,
    .key_wrap = key_wrap,
    .key_unwrap = key_unwrap,
    .aes_cbc_encrypt = aes_cbc_encrypt,
    .random = random_bytes,
};

const struct mfw_crypto_port *crypto_posix_port(void)
{
    return &port;
}
