/* SPDX-License-Identifier: Apache-2.0 */
/* security: suite 0 ciphering of xDLMS APDUs and the HLS-GMAC f() (security.h). */
#include "meterfw/dlms/security.h"

#include <string.h>

#include "meterfw/base/ct.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"

#define TAG_LEN MFW_CRYPTO_TAG_LEN
#define KEY_LEN MFW_CRYPTO_KEY_LEN

static const struct {
    uint8_t plain, glo;
} tags[] = {
    {0x01, MFW_SECURITY_GLO_INITIATE_REQUEST},
    {0x08, MFW_SECURITY_GLO_INITIATE_RESPONSE},
    {0x0E, MFW_SECURITY_GLO_CONFIRMED_SERVICE_ERROR},
    {0xC0, MFW_SECURITY_GLO_GET_REQUEST},
    {0xC1, MFW_SECURITY_GLO_SET_REQUEST},
    {0xC3, MFW_SECURITY_GLO_ACTION_REQUEST},
    {0xC4, MFW_SECURITY_GLO_GET_RESPONSE},
    {0xC5, MFW_SECURITY_GLO_SET_RESPONSE},
    {0xC7, MFW_SECURITY_GLO_ACTION_RESPONSE},
};

uint8_t mfw_security_glo_tag(uint8_t plain_tag)
{
    for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++)
        if (tags[k].plain == plain_tag)
            return tags[k].glo;
    return 0;
}

uint8_t mfw_security_plain_tag(uint8_t glo_tag)
{
    for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++)
        if (tags[k].glo == glo_tag)
            return tags[k].plain;
    return 0;
}

bool mfw_security_is_ciphered(uint8_t tag)
{
    return tag == MFW_SECURITY_GENERAL_GLO || mfw_security_plain_tag(tag) != 0;
}

/* SC || IC || body: the suite 0 checks. */
static int content(struct mfw_rcursor *rc, struct mfw_security_apdu *out)
{
    out->sc = mfw_rcursor_u8(rc);
    out->ic = mfw_rcursor_u32be(rc);
    if (rc->err != 0)
        return MFW_E_FORMAT;
    out->body.len = mfw_rcursor_left(rc);
    out->body.p = mfw_rcursor_take(rc, out->body.len);
    /* suite 0 only; no compression (this implementation); some protection */
    if ((out->sc & MFW_SECURITY_SC_SUITE) != 0 || (out->sc & MFW_SECURITY_SC_COMPRESSION) ||
        (out->sc & MFW_SECURITY_SC_PROTECTION) == 0)
        return MFW_E_RANGE;
    if ((out->sc & MFW_SECURITY_SC_AUTHENTICATION) && out->body.len < TAG_LEN)
        return MFW_E_FORMAT;
    return MFW_OK;
}

int mfw_security_parse_content(const uint8_t *p, size_t len, struct mfw_security_apdu *out)
{
    if (out == NULL || (p == NULL && len != 0))
        return MFW_E_ARG;
    memset(out, 0, sizeof *out);
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, p, len);
    return content(&rc, out);
}

int mfw_security_parse(const uint8_t *apdu, size_t len, struct mfw_security_apdu *out)
{
    if (out == NULL || apdu == NULL || len == 0)
        return MFW_E_ARG;
    memset(out, 0, sizeof *out);
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, apdu, len);
    out->tag = mfw_rcursor_u8(&rc);
    if (!mfw_security_is_ciphered(out->tag))
        return MFW_E_FORMAT;
    size_t n = 0;
    if (out->tag == MFW_SECURITY_GENERAL_GLO) {
        /* general-glo-ciphering ::= SEQUENCE { system-title OCTET STRING, ciphered-content
         * OCTET STRING } (Green Book 9.5 [M]): the title of suite 0 is 8 bytes */
        if (mfw_axdr_get_length(&rc, &n) != MFW_OK || n != MFW_SECURITY_TITLE_LEN)
            return MFW_E_FORMAT;
        mfw_rcursor_bytes(&rc, out->title, MFW_SECURITY_TITLE_LEN);
        out->has_title = true;
    }
    if (rc.err != 0 || mfw_axdr_get_length(&rc, &n) != MFW_OK || n != mfw_rcursor_left(&rc))
        return MFW_E_FORMAT;
    return content(&rc, out);
}

bool mfw_security_meets_policy(uint8_t sc, uint8_t policy)
{
    bool a = (sc & MFW_SECURITY_SC_AUTHENTICATION) != 0, e = (sc & MFW_SECURITY_SC_ENCRYPTION) != 0;
    switch (policy) {
    case MFW_SECURITY_POLICY_NONE: return true;
    case MFW_SECURITY_POLICY_AUTHENTICATED: return a;
    case MFW_SECURITY_POLICY_ENCRYPTED: return e;
    case MFW_SECURITY_POLICY_AUTHENTICATED_ENCRYPTED: return a && e;
    default: return false;
    }
}

uint8_t mfw_security_sc_for(uint8_t policy, uint8_t request_sc, bool broadcast)
{
    uint8_t sc = request_sc & MFW_SECURITY_SC_PROTECTION;
    if (policy == MFW_SECURITY_POLICY_AUTHENTICATED || policy == MFW_SECURITY_POLICY_NONE)
        sc |= MFW_SECURITY_SC_AUTHENTICATION; /* never send without at least a tag */
    if (policy == MFW_SECURITY_POLICY_ENCRYPTED)
        sc |= MFW_SECURITY_SC_ENCRYPTION;
    if (policy == MFW_SECURITY_POLICY_AUTHENTICATED_ENCRYPTED)
        sc |= MFW_SECURITY_SC_PROTECTION;
    return (uint8_t)(sc | (broadcast ? MFW_SECURITY_SC_BROADCAST : 0));
}

static void iv_of(uint8_t iv[12], const uint8_t title[8], uint32_t ic)
{
    memcpy(iv, title, MFW_SECURITY_TITLE_LEN);
    iv[8] = (uint8_t)(ic >> 24);
    iv[9] = (uint8_t)(ic >> 16);
    iv[10] = (uint8_t)(ic >> 8);
    iv[11] = (uint8_t)ic;
}

static bool usable(const struct mfw_crypto_port *c, const struct mfw_security_keys *k)
{
    return c != NULL && c->gcm_encrypt != NULL && c->gcm_decrypt != NULL && k != NULL &&
           k->ek != NULL && k->ak != NULL;
}

int mfw_security_decipher(const struct mfw_crypto_port *c, const struct mfw_security_keys *k,
                          const uint8_t title[8], const struct mfw_security_apdu *a, uint8_t *out,
                          size_t cap, size_t *len)
{
    if (!usable(c, k) || title == NULL || a == NULL || len == NULL || (out == NULL && cap != 0))
        return MFW_E_ARG;
    *len = 0;
    bool auth = (a->sc & MFW_SECURITY_SC_AUTHENTICATION) != 0;
    bool enc = (a->sc & MFW_SECURITY_SC_ENCRYPTION) != 0;
    size_t n = auth ? a->body.len - TAG_LEN : a->body.len;
    if ((auth && a->body.len < TAG_LEN) || (!auth && !enc))
        return MFW_E_ARG;
    if (n > cap)
        return MFW_E_NOSPACE;
    uint8_t iv[12];
    iv_of(iv, title, a->ic);
    const uint8_t *t = a->body.p + n;
    int rc;
    if (auth && enc) {
        uint8_t aad[1 + KEY_LEN];
        aad[0] = a->sc;
        memcpy(aad + 1, k->ak, KEY_LEN);
        rc = c->gcm_decrypt(c->ctx, k->ek, iv, aad, sizeof aad, a->body.p, n, t, out);
        mfw_ct_wipe(aad, sizeof aad);
    } else if (auth) {
        /* authentication only: the AAD is SC || AK || plaintext and the GCM text is empty; the
         * AAD is built in out (which must hold it), then the plaintext moved to its start */
        if (cap < 1u + KEY_LEN + n)
            return MFW_E_NOSPACE;
        memmove(out + 1 + KEY_LEN, a->body.p, n);
        out[0] = a->sc;
        memcpy(out + 1, k->ak, KEY_LEN);
        rc = c->gcm_decrypt(c->ctx, k->ek, iv, out, 1u + KEY_LEN + n, NULL, 0, t, NULL);
        memmove(out, out + 1 + KEY_LEN, n);
        mfw_ct_wipe(out + n, 1u + KEY_LEN);
    } else {
        /* encryption only: GCM's ciphertext is AES-CTR from inc32(J0), its own inverse; the tag
         * is computed and dropped (there is none to check) */
        uint8_t tag[TAG_LEN];
        rc = c->gcm_encrypt(c->ctx, k->ek, iv, NULL, 0, a->body.p, n, out, tag);
    }
    if (rc != MFW_OK) {
        if (n > 0)
            mfw_ct_wipe(out, n);
        return rc == MFW_E_AUTH ? MFW_E_AUTH : MFW_E_IO;
    }
    *len = n;
    return MFW_OK;
}

size_t mfw_security_overhead(uint8_t tag, uint8_t sc, size_t n)
{
    size_t body = n + ((sc & MFW_SECURITY_SC_AUTHENTICATION) ? TAG_LEN : 0u);
    size_t content = MFW_SECURITY_HEADER_LEN + body;
    if (tag == 0)
        return content - n;
    size_t l = content < 0x80u ? 1u : content <= 0xFFu ? 2u : content <= 0xFFFFu ? 3u : 5u;
    size_t h = 1u + l + (tag == MFW_SECURITY_GENERAL_GLO ? 1u + MFW_SECURITY_TITLE_LEN : 0u);
    return h + content - n;
}

int mfw_security_cipher(const struct mfw_crypto_port *c, const struct mfw_security_keys *k,
                        uint8_t tag, const uint8_t title[8], uint8_t sc, uint32_t ic,
                        const uint8_t *p, size_t n, struct mfw_wcursor *w)
{
    if (!usable(c, k) || title == NULL || w == NULL || (p == NULL && n != 0) ||
        (tag != 0 && !mfw_security_is_ciphered(tag)) ||
        (sc & (MFW_SECURITY_SC_SUITE | MFW_SECURITY_SC_COMPRESSION)) != 0 ||
        (sc & MFW_SECURITY_SC_PROTECTION) == 0)
        return MFW_E_ARG;
    if (w->err != 0)
        return w->err;
    bool auth = (sc & MFW_SECURITY_SC_AUTHENTICATION) != 0;
    bool enc = (sc & MFW_SECURITY_SC_ENCRYPTION) != 0;
    size_t total = n + mfw_security_overhead(tag, sc, n);
    /* authentication only builds its AAD in place: 1 + 16 bytes before the plaintext where the
     * tag's 12 go, so 5 bytes more than the APDU */
    if (total + (auth && !enc ? 1u + KEY_LEN - TAG_LEN : 0u) > w->cap - w->len)
        return MFW_E_NOSPACE;
    size_t content = MFW_SECURITY_HEADER_LEN + n + (auth ? TAG_LEN : 0u);
    size_t start = w->len;
    /* the header first into a small buffer (the plaintext may sit where it goes) */
    uint8_t hdr[1 + 5 + 1 + MFW_SECURITY_TITLE_LEN + MFW_SECURITY_HEADER_LEN];
    struct mfw_wcursor h;
    mfw_wcursor_init(&h, hdr, sizeof hdr);
    if (tag != 0) {
        mfw_wcursor_u8(&h, tag);
        if (tag == MFW_SECURITY_GENERAL_GLO) {
            mfw_axdr_put_length(&h, MFW_SECURITY_TITLE_LEN);
            mfw_wcursor_bytes(&h, title, MFW_SECURITY_TITLE_LEN);
        }
        mfw_axdr_put_length(&h, content);
    }
    mfw_wcursor_u8(&h, sc);
    mfw_wcursor_u32be(&h, ic);
    uint8_t *dst = w->p + start;
    uint8_t *body = dst + h.len;
    if (n > 0)
        memmove(body, p, n);
    uint8_t iv[12];
    iv_of(iv, title, ic);
    uint8_t t[TAG_LEN];
    int rc;
    if (auth && enc) {
        uint8_t aad[1 + KEY_LEN];
        aad[0] = sc;
        memcpy(aad + 1, k->ak, KEY_LEN);
        rc = c->gcm_encrypt(c->ctx, k->ek, iv, aad, sizeof aad, body, n, body, t);
        mfw_ct_wipe(aad, sizeof aad);
    } else if (auth) {
        /* authentication only: AAD = SC || AK || plaintext, built where the body goes (the
         * plaintext moved 17 bytes on: 5 bytes beyond the APDU, checked above), then put back */
        memmove(body + 1 + KEY_LEN, body, n);
        body[0] = sc;
        memcpy(body + 1, k->ak, KEY_LEN);
        rc = c->gcm_encrypt(c->ctx, k->ek, iv, body, 1u + KEY_LEN + n, NULL, 0, NULL, t);
        memmove(body, body + 1 + KEY_LEN, n);
        mfw_ct_wipe(body + n, 1u + KEY_LEN);
    } else {
        rc = c->gcm_encrypt(c->ctx, k->ek, iv, NULL, 0, body, n, body, t);
    }
    if (rc != MFW_OK) {
        if (n > 0)
            mfw_ct_wipe(body, n);
        return MFW_E_IO;
    }
    memcpy(dst, hdr, h.len);
    w->len = start + h.len + n;
    if (auth)
        mfw_wcursor_bytes(w, t, TAG_LEN);
    return w->err != 0 ? w->err : MFW_OK;
}

int mfw_security_hls_f(const struct mfw_crypto_port *c, const struct mfw_security_keys *k,
                       const uint8_t title[8], uint32_t ic, const uint8_t *challenge, size_t n,
                       uint8_t out[17])
{
    if (!usable(c, k) || title == NULL || out == NULL || challenge == NULL || n == 0 ||
        n > MFW_SECURITY_CHALLENGE_MAX)
        return MFW_E_ARG;
    uint8_t aad[1 + KEY_LEN + MFW_SECURITY_CHALLENGE_MAX];
    aad[0] = MFW_SECURITY_SC_AUTHENTICATION;
    memcpy(aad + 1, k->ak, KEY_LEN);
    memcpy(aad + 1 + KEY_LEN, challenge, n);
    uint8_t iv[12];
    iv_of(iv, title, ic);
    int rc = c->gcm_encrypt(c->ctx, k->ek, iv, aad, 1u + KEY_LEN + n, NULL, 0, NULL, out + 5);
    mfw_ct_wipe(aad, sizeof aad);
    if (rc != MFW_OK)
        return MFW_E_IO;
    out[0] = MFW_SECURITY_SC_AUTHENTICATION;
    out[1] = (uint8_t)(ic >> 24);
    out[2] = (uint8_t)(ic >> 16);
    out[3] = (uint8_t)(ic >> 8);
    out[4] = (uint8_t)ic;
    return MFW_OK;
}

int mfw_security_hls_check(const struct mfw_crypto_port *c, const struct mfw_security_keys *k,
                           const uint8_t title[8], const uint8_t *challenge, size_t n,
                           const uint8_t *f, size_t f_len)
{
    if (f == NULL || f_len != MFW_SECURITY_F_LEN)
        return MFW_E_AUTH;
    uint32_t ic = (uint32_t)f[1] << 24 | (uint32_t)f[2] << 16 | (uint32_t)f[3] << 8 | f[4];
    uint8_t want[MFW_SECURITY_F_LEN];
    int rc = mfw_security_hls_f(c, k, title, ic, challenge, n, want);
    if (rc != MFW_OK)
        return rc;
    bool same = mfw_ct_equal(want, f, MFW_SECURITY_F_LEN);
    mfw_ct_wipe(want, sizeof want);
    return same ? MFW_OK : MFW_E_AUTH;
}
