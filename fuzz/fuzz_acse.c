/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the ACSE parsers and the association policy (acse.h).
 * Checks the contract:
 *   - mfw_acse_parse_aarq / mfw_acse_parse_rlrq / mfw_acse_parse_initiate_request return MFW_OK or
 *     MFW_E_FORMAT, nothing else;
 *   - every view of a parsed AARQ/RLRQ lies inside the input;
 *   - a parsed AARQ goes through mfw_acse_accept under a policy with a public (lowest), an LLS and an
 *     HLS client, for several client SAPs and with ciphering allowed or not: the result is MFW_OK
 *     or MFW_E_STATE (a ciphered initiate, left to the security layer); an accepted association
 *     has a conformance inside both the proposal and the server's, a PDU limit no larger than
 *     either, for the LLS client the right password, and for the HLS client it is only pending
 *     (authentication-required, with a challenge of 8..64 bytes and a calling-AP-title);
 *   - the AARE of every decision encodes into a bounded buffer (starting 0x61 with a consistent
 *     length), and into a buffer one byte too small it gives MFW_E_NOSPACE without writing;
 *   - a parsed RLRQ gets an RLRE (with an InitiateResponse when it carried an InitiateRequest).
 * Each input is parsed as given and again with its outer BER length fixed up to the input size,
 * so that insertions and deletions reach the inner elements instead of dying at the length.
 *
 * Seeds: LLVMFuzzerInitialize writes the AARQs and RLRQs captured between the Gurux client and
 * server (tests/vectors/w_*_clock.txt: public, LLS, HLS-GMAC) into $MFW_FUZZ_SEED_DIR (when
 * set), after checking once that each of them parses. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"
#include "meterfw/dlms/acse.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t seed_public[] = {
    0x60, 0x1D, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xBE, 0x10, 0x04,
    0x0E, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x40, 0x1E, 0x1D, 0xFF, 0xFF};
static const uint8_t seed_lls[] = {0x60, 0x33, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08,
                                   0x01, 0x01, 0x8A, 0x02, 0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74,
                                   0x05, 0x08, 0x02, 0x01, 0xAC, 0x07, 0x80, 0x05, 0x47, 0x75, 0x72,
                                   0x75, 0x78, 0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06,
                                   0x5F, 0x1F, 0x04, 0x00, 0x40, 0x1E, 0x1D, 0xFF, 0xFF};
static const uint8_t seed_gmac[] = {
    0x60, 0x5D, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x03, 0xA6, 0x0A, 0x04,
    0x08, 0x47, 0x75, 0x72, 0x75, 0x78, 0x31, 0x32, 0x33, 0x8A, 0x02, 0x07, 0x80, 0x8B, 0x07, 0x60,
    0x85, 0x74, 0x05, 0x08, 0x02, 0x05, 0xAC, 0x12, 0x80, 0x10, 0x70, 0x38, 0x9C, 0xCE, 0x67, 0xB3,
    0x59, 0xAC, 0x56, 0xAB, 0x55, 0x2A, 0x15, 0x8A, 0x45, 0x22, 0xBE, 0x23, 0x04, 0x21, 0x21, 0x1F,
    0x30, 0x00, 0x00, 0x00, 0x01, 0xEA, 0x13, 0x8F, 0x2D, 0x9A, 0xF4, 0x2F, 0x0E, 0xC6, 0x16, 0xAA,
    0xC7, 0xFE, 0x11, 0x4D, 0x59, 0x6A, 0x00, 0x9D, 0x9C, 0x14, 0x5C, 0x27, 0x00, 0x7A, 0xF8};
static const uint8_t seed_rlrq[] = {0x62, 0x03, 0x80, 0x01, 0x00};
static const uint8_t seed_rlrq_gmac[] = {
    0x62, 0x28, 0x80, 0x01, 0x00, 0xBE, 0x23, 0x04, 0x21, 0x21, 0x1F, 0x30, 0x00, 0x00,
    0x00, 0x10, 0xC5, 0x37, 0x5D, 0xB7, 0x53, 0xC8, 0xAF, 0xF4, 0x28, 0x9D, 0x2E, 0x36,
    0xA5, 0xF9, 0xD6, 0x30, 0x3A, 0x97, 0x6F, 0xFB, 0x7A, 0x75, 0xD4, 0xA2, 0xA6, 0x90};

static const struct {
    const char *name;
    const uint8_t *p;
    size_t n;
} seeds[] = {
    {"aarq-public.bin", seed_public, sizeof(seed_public)},
    {"aarq-lls.bin", seed_lls, sizeof(seed_lls)},
    {"aarq-gmac.bin", seed_gmac, sizeof(seed_gmac)},
    {"rlrq.bin", seed_rlrq, sizeof(seed_rlrq)},
    {"rlrq-gmac.bin", seed_rlrq_gmac, sizeof(seed_rlrq_gmac)},
};

static const uint8_t password[] = {'G', 'u', 'r', 'u', 'x'};
static const struct mfw_acse_client clients[] = {
    {16,
     MFW_ACSE_MECH_LOWEST,
     {NULL, 0},
     MFW_ACSE_CONF_GET | MFW_ACSE_CONF_BLOCK_TRANSFER_WITH_GET},
    {17, MFW_ACSE_MECH_LLS, {password, sizeof(password)}, 0x003E9Dul},
    {1, MFW_ACSE_MECH_HLS_GMAC, {NULL, 0}, 0x003E9Dul},
};
static const uint8_t saps[] = {16, 17, 1, 99};

static void inside(const struct mfw_bytes *b, const uint8_t *buf, size_t len)
{
    if (b->len == 0)
        return;
    if (b->p == NULL || b->p < buf || b->len > len || b->p > buf + (len - b->len))
        abort();
}

static void build_aare(const struct mfw_acse_aare *a)
{
    static uint8_t out[512];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof(out));
    if (mfw_acse_build_aare(a, &w) != MFW_OK || w.len < 2 || out[0] != MFW_ACSE_TAG_AARE)
        abort();
    /* The outer length covers exactly the rest. */
    size_t body = out[1] < 0x80 ? out[1] : out[1] == 0x81 ? out[2] : (size_t)out[2] << 8 | out[3];
    size_t hdr = out[1] < 0x80 ? 2u : out[1] == 0x81 ? 3u : 4u;
    if (hdr + body != w.len)
        abort();
    size_t need = w.len;
    memset(out, 0xA5, sizeof(out));
    mfw_wcursor_init(&w, out, need - 1);
    if (mfw_acse_build_aare(a, &w) != MFW_E_NOSPACE || w.len != 0 || out[0] != 0xA5)
        abort();
}

static void check_aarq(const uint8_t *buf, size_t len)
{
    static struct mfw_acse_aarq q; /* not on the fuzzer's stack */
    int r = mfw_acse_parse_aarq(buf, len, &q);
    if (r != MFW_OK) {
        if (r != MFW_E_FORMAT)
            abort();
        return;
    }
    inside(&q.calling_ae_qualifier, buf, len);
    inside(&q.auth_value, buf, len);
    inside(&q.impl_info, buf, len);
    inside(&q.user_info, buf, len);
    inside(&q.ciphered, buf, len);
    if (q.has_initiate)
        inside(&q.initiate.dedicated_key, buf, len);
    for (int ciphered = 0; ciphered < 2; ciphered++) {
        struct mfw_acse_policy p = {clients, sizeof(clients) / sizeof(clients[0]), 256,
                                    ciphered != 0};
        for (size_t s = 0; s < sizeof(saps); s++) {
            static struct mfw_acse_aare a;
            r = mfw_acse_accept(&q, saps[s], &p, &a);
            if (r == MFW_E_STATE)
                continue;
            if (r != MFW_OK)
                abort();
            if (a.result == MFW_ACSE_RESULT_ACCEPTED) {
                const struct mfw_acse_initiate_req *ini = &q.initiate;
                uint32_t conf = a.initiate.conformance;
                if (!q.has_initiate || conf == 0 || (conf & ~ini->conformance) != 0 ||
                    a.max_send_pdu > ini->client_max_pdu || a.max_send_pdu > p.server_max_pdu ||
                    a.max_send_pdu < MFW_ACSE_MIN_PDU || ini->dlms_version < MFW_ACSE_DLMS_VERSION)
                    abort();
                if (saps[s] == 17 && (q.auth_value.len != sizeof(password) ||
                                      memcmp(q.auth_value.p, password, sizeof(password)) != 0))
                    abort();
                if (saps[s] == 99)
                    abort(); /* an unknown SAP */
                /* HLS is only pending here: challenge and title there, passes 3/4 to come */
                if (saps[s] == 1 &&
                    (a.diag != MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED || !a.has_mechanism ||
                     !q.has_auth_value || q.auth_value.len < MFW_ACSE_CHALLENGE_MIN ||
                     q.auth_value.len > MFW_ACSE_CHALLENGE_MAX || !q.has_calling_ap_title))
                    abort();
            }
            build_aare(&a);
        }
    }
}

static void check_rlrq(const uint8_t *buf, size_t len)
{
    static struct mfw_acse_rlrq q;
    int r = mfw_acse_parse_rlrq(buf, len, &q);
    if (r != MFW_OK) {
        if (r != MFW_E_FORMAT)
            abort();
        return;
    }
    inside(&q.user_info, buf, len);
    inside(&q.ciphered, buf, len);
    struct mfw_acse_rlre e;
    memset(&e, 0, sizeof(e));
    e.has_reason = true;
    e.reason = MFW_ACSE_RELEASE_NORMAL;
    if (q.has_initiate) {
        e.user_info_kind = MFW_ACSE_AARE_UI_INITIATE;
        e.initiate.dlms_version = MFW_ACSE_DLMS_VERSION;
        e.initiate.conformance = mfw_acse_negotiate(q.initiate.conformance, 0x003E9Dul);
        e.initiate.server_max_pdu = 256;
        e.initiate.vaa_name = MFW_ACSE_VAA_NAME_LN;
    }
    uint8_t out[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, sizeof(out));
    if (mfw_acse_build_rlre(&e, &w) != MFW_OK || out[0] != MFW_ACSE_TAG_RLRE ||
        out[1] + 2u != w.len)
        abort();
}

static void check_initiate(const uint8_t *buf, size_t len)
{
    struct mfw_acse_initiate_req ini;
    int r = mfw_acse_parse_initiate_request(buf, len, &ini);
    if (r == MFW_OK)
        inside(&ini.dedicated_key, buf, len);
    else if (r != MFW_E_FORMAT)
        abort();
}

static void check(uint8_t *buf, size_t len)
{
    check_aarq(buf, len);
    check_rlrq(buf, len);
    check_initiate(buf, len);
    /* Again with the outer length made consistent (short form only). */
    if (len >= 2 && len - 2 < 0x80 && buf[1] != (uint8_t)(len - 2)) {
        buf[1] = (uint8_t)(len - 2);
        check_aarq(buf, len);
        check_rlrq(buf, len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
    if (copy == NULL)
        return 0;
    if (size)
        memcpy(copy, data, size);
    check(copy, size);
    free(copy);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        struct mfw_acse_aarq q;
        struct mfw_acse_rlrq r;
        int ok = seeds[i].p[0] == MFW_ACSE_TAG_AARQ
                     ? mfw_acse_parse_aarq(seeds[i].p, seeds[i].n, &q)
                     : mfw_acse_parse_rlrq(seeds[i].p, seeds[i].n, &r);
        if (ok != MFW_OK) {
            fprintf(stderr, "fuzz_acse: the seed %s does not parse\n", seeds[i].name);
            abort();
        }
    }
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
        fuzz_seed_write("fuzz_acse", seeds[i].name, seeds[i].p, seeds[i].n);
    return 0;
}
