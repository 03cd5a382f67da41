/* SPDX-License-Identifier: Apache-2.0 */
/* security: DLMS/COSEM security suite 0 (IEC 62056-5-3 / Green Book 9.2.7 [M]): AES-GCM-128
 * authenticated encryption of xDLMS APDUs and the GMAC of HLS mechanism 5. This module builds
 * the security header, the IV, the AAD and the APDU forms; the cryptography itself is the port's
 * (hal.h struct mfw_crypto_port). Both sides use it: the meter (dlms_server.c) and the client
 * (dlms_client.c, meterctl). Layouts, checked byte for byte against tests/vectors/w_gmac_clock.txt
 * (tests/test_security.c):
 *
 *   security header = SC (1) || IC (4, big-endian invocation counter)
 *   SC = compression(0x80) | key_set(0x40: broadcast key) | E(0x20) | A(0x10) | suite (0x0F, 0)
 *   IV = the system title of the SENDER (8) || IC (4)
 *   A+E: body = GCM ciphertext || T,  AAD = SC || AK
 *   A:   body = plaintext || T,       AAD = SC || AK || plaintext   (GCM of an empty text)
 *   E:   body = GCM ciphertext (AES-CTR from IV || 00000002), no tag
 *   T = the first 12 bytes of the GCM tag; the key is the block cipher key (global unicast or
 *   broadcast); the authentication key AK never keys AES, it is only in the AAD.
 *
 *   service-specific (glo-):  TAG  L  SC IC body        L = A-XDR length of SC..end
 *   general-glo-ciphering:    DB   08 title(8)  L  SC IC body
 *
 * HLS mechanism 5 (pass 3 and 4, reply_to_HLS_authentication): f(challenge) = 10 || IC || T with
 * T = GCM(key, IV = the sender's title || IC, AAD = 10 || AK || challenge, empty text)[0..11]; the
 * client MACs StoC, the server CtoS. */
#ifndef METERFW_DLMS_SECURITY_H
#define METERFW_DLMS_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/bytes.h"
#include "meterfw/base/cursor.h"
#include "meterfw/hal/hal.h"

/* Security control byte (Green Book 9.2.7.2.4.1 [M]). */
#define MFW_SECURITY_SC_COMPRESSION 0x80u
#define MFW_SECURITY_SC_BROADCAST 0x40u /* key_set 1: the global broadcast key */
#define MFW_SECURITY_SC_ENCRYPTION 0x20u
#define MFW_SECURITY_SC_AUTHENTICATION 0x10u
#define MFW_SECURITY_SC_SUITE 0x0Fu
#define MFW_SECURITY_SC_PROTECTION (MFW_SECURITY_SC_ENCRYPTION | MFW_SECURITY_SC_AUTHENTICATION)

#define MFW_SECURITY_TITLE_LEN 8u
#define MFW_SECURITY_HEADER_LEN 5u /* SC || IC */
#define MFW_SECURITY_F_LEN 17u     /* f(challenge) = SC || IC || T */
/* What ciphering adds to an APDU at most: general-glo-ciphering with a 3-byte length
 * (DB 08 title 82 LL LL SC IC ... T): 1 + 1 + 8 + 3 + 5 + 12. */
#define MFW_SECURITY_OVERHEAD_MAX 30u
/* HLS challenges: 8..64 bytes (Green Book 9.2.7.4 [M]). */
#define MFW_SECURITY_CHALLENGE_MIN 8u
#define MFW_SECURITY_CHALLENGE_MAX 64u

/* The ciphered APDU tags (Green Book 9.5 [M]; Gurux enums.h). */
#define MFW_SECURITY_GLO_INITIATE_REQUEST 0x21u
#define MFW_SECURITY_GLO_INITIATE_RESPONSE 0x28u
#define MFW_SECURITY_GLO_CONFIRMED_SERVICE_ERROR 0x2Eu
#define MFW_SECURITY_GLO_GET_REQUEST 0xC8u
#define MFW_SECURITY_GLO_SET_REQUEST 0xC9u
#define MFW_SECURITY_GLO_ACTION_REQUEST 0xCBu
#define MFW_SECURITY_GLO_GET_RESPONSE 0xCCu
#define MFW_SECURITY_GLO_SET_RESPONSE 0xCDu
#define MFW_SECURITY_GLO_ACTION_RESPONSE 0xCFu
#define MFW_SECURITY_GENERAL_GLO 0xDBu

/* Security policy of Security setup version 0 (Blue Book 4.4.7 [M]): 0 nothing, 1 all messages
 * authenticated, 2 all encrypted, 3 all authenticated and encrypted. */
enum mfw_security_policy {
    MFW_SECURITY_POLICY_NONE = 0,
    MFW_SECURITY_POLICY_AUTHENTICATED = 1,
    MFW_SECURITY_POLICY_ENCRYPTED = 2,
    MFW_SECURITY_POLICY_AUTHENTICATED_ENCRYPTED = 3,
};

/* The keys of one direction: ek = the block cipher key (global unicast or broadcast), ak = the
 * authentication key; 16 bytes each. */
struct mfw_security_keys {
    const uint8_t *ek;
    const uint8_t *ak;
};

/* A ciphered APDU as it arrived, not deciphered yet. */
struct mfw_security_apdu {
    uint8_t tag;           /* MFW_SECURITY_GLO_* or MFW_SECURITY_GENERAL_GLO; 0 for bare content */
    bool has_title;        /* general-glo-ciphering: the sender's title is in the APDU */
    uint8_t title[8];      /* ... and here */
    uint8_t sc;            /* the security control byte */
    uint32_t ic;           /* the invocation counter */
    struct mfw_bytes body; /* after the security header: ciphertext or plaintext, then T */
};

/* The glo- tag of a plaintext APDU tag (C0 -> C8, C4 -> CC, 01 -> 21, ...), 0 if it has none. */
uint8_t mfw_security_glo_tag(uint8_t plain_tag);
/* The plaintext tag a glo- tag stands for (C8 -> C0, ...), 0 if none. */
uint8_t mfw_security_plain_tag(uint8_t glo_tag);
/* Whether tag starts a ciphered APDU this module reads (a glo- tag or general-glo-ciphering). */
bool mfw_security_is_ciphered(uint8_t tag);

/* Parses a whole ciphered APDU (a glo- tag or DB) that fills apdu exactly; views into apdu.
 * MFW_OK; MFW_E_FORMAT for a malformed APDU (lengths, a title of another length, a body too
 * short for its tag); MFW_E_RANGE for what suite 0 does not offer (another suite, compression,
 * no protection at all). */
int mfw_security_parse(const uint8_t *apdu, size_t len, struct mfw_security_apdu *out);
/* The same for bare content SC || IC || body (the glo-initiate of an AARQ, kept by acse.c). */
int mfw_security_parse_content(const uint8_t *p, size_t len, struct mfw_security_apdu *out);

/* Whether an SC gives the protection policy asks for (A for 1 and 3, E for 2 and 3). */
bool mfw_security_meets_policy(uint8_t sc, uint8_t policy);
/* The SC of suite 0 for a policy (A: 0x10, E: 0x20, A+E: 0x30), with key_set broadcast if asked;
 * at least the request's protection when request_sc is not 0 ("the meter answers in kind"). */
uint8_t mfw_security_sc_for(uint8_t policy, uint8_t request_sc, bool broadcast);

/* Deciphers a parsed APDU sent by title: the plaintext into out[cap] and its length. MFW_OK;
 * MFW_E_AUTH when the tag does not verify (out wiped); MFW_E_NOSPACE; MFW_E_ARG; MFW_E_IO. */
int mfw_security_decipher(const struct mfw_crypto_port *c, const struct mfw_security_keys *k,
                          const uint8_t title[8], const struct mfw_security_apdu *a, uint8_t *out,
                          size_t cap, size_t *len);

/* Appends the ciphered form of the plaintext p[0..n) to w: tag (a glo- tag, or
 * MFW_SECURITY_GENERAL_GLO which adds the sender's title), length, SC, IC, body. p may lie
 * anywhere, even inside w's buffer where the APDU goes (it is moved before it is ciphered in
 * place). tag 0 writes the bare content SC || IC || body (for an AARE's glo-initiate-response,
 * whose tag and length acse.c writes). MFW_OK, MFW_E_NOSPACE (the cursor unchanged), MFW_E_ARG,
 * MFW_E_IO. */
int mfw_security_cipher(const struct mfw_crypto_port *c, const struct mfw_security_keys *k,
                        uint8_t tag, const uint8_t title[8], uint8_t sc, uint32_t ic,
                        const uint8_t *p, size_t n, struct mfw_wcursor *w);
/* Bytes mfw_security_cipher adds to an n-byte plaintext. */
size_t mfw_security_overhead(uint8_t tag, uint8_t sc, size_t n);

/* HLS-GMAC f(challenge) = 10 || IC || T (17 bytes) under the sender's title and IC. MFW_OK,
 * MFW_E_ARG (a challenge outside 1..MFW_SECURITY_CHALLENGE_MAX), MFW_E_IO. */
int mfw_security_hls_f(const struct mfw_crypto_port *c, const struct mfw_security_keys *k,
                       const uint8_t title[8], uint32_t ic, const uint8_t *challenge, size_t n,
                       uint8_t out[17]);
/* Checks a received f(challenge) (17 bytes: SC 10, its IC, T) from title: MFW_OK or MFW_E_AUTH
 * (compared in constant time; any other length or SC is MFW_E_AUTH too). */
int mfw_security_hls_check(const struct mfw_crypto_port *c, const struct mfw_security_keys *k,
                           const uint8_t title[8], const uint8_t *challenge, size_t n,
                           const uint8_t *f, size_t f_len);

#endif /* METERFW_DLMS_SECURITY_H */
