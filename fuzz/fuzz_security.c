/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the ciphered-APDU path of the DLMS server (security suite 0,
 * src/dlms/security.c and dlms_server.c) with valid keys, so that fuzzing reaches past the tag
 * check into the deciphered services. Each input starts on a fresh server: a management
 * association with HLS-GMAC and the keys of tests/vectors/w_gmac_clock.txt (the harness is the
 * client: AARQ with a ciphered initiate, pass 3 over the server's StoC), then frames of
 * [length byte][mode byte][bytes]:
 *   mode 0: the bytes as a raw APDU from the management client (the security header, lengths,
 *           titles, tags, counters: the parser and every refusal);
 *   mode 1: the bytes are a plaintext APDU, ciphered by the harness as general-glo-ciphering
 *           with the keys and the next counter (SC 30): the services behind the tag check;
 *   mode 2: the same as a service-specific glo- APDU (the glo- tag of its first byte, else C8);
 *   mode 3: the bytes as a raw APDU from the pre-established client (SAP 102);
 *   mode 4: plaintext ciphered under the broadcast key (SC 70) from SAP 102;
 *   any other: like mode 0 with the SC byte of the next ciphered frame forced to the byte.
 * The contract checked: every answer fits the output and the client's PDU; the pre-established
 * client is never answered; a ciphered answer parses, comes from the server's title with a
 * counter above every earlier one, and deciphers with the client's keys (or, after a key
 * transfer the input made, with the meter's new ones); the meter's counter never goes back.
 * The crypto port is the posix one (Mbed TLS, nettle) with its random source replaced by a
 * counter, so that every input replays exactly. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_client.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/dlms/security.h"
#include "meterfw/meter/meter.h"
#include "port/posix/crypto_posix.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1795561200000LL

static const uint8_t CLIENT_ST[8] = {'G', 'u', 'r', 'u', 'x', '1', '2', '3'};
static const uint8_t SERVER_ST[8] = {'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'};
static const uint8_t GUEK[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t AK[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                               0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
static const uint8_t GBEK[16] = {0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7,
                                 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF};
static const uint8_t CTOS[16] = {0x70, 0x38, 0x9C, 0xCE, 0x67, 0xB3, 0x59, 0xAC,
                                 0x56, 0xAB, 0x55, 0x2A, 0x15, 0x8A, 0x45, 0x22};

struct rig {
    struct mfw_crypto_port port; /* the posix port, a counter for random */
    uint64_t random_state;
    struct mfw_hal hal;
    struct mfw_meter_config cfg;
    struct mfw_meter m;
    struct mfw_keys keys0;
    struct mfw_meter_settings set0;
    int64_t offset0;
    struct mfw_cosem cosem;
    struct mfw_dlms_server s;
    uint8_t out[2048], apdu[1200], plain[2048];
    uint8_t ek[16], ak[16];
    uint32_t ic, srv_ic;
    bool have_srv_ic;
};

static struct rig *rig; /* the harness's own state (not firmware) */

static int counter_random(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        rig->random_state = rig->random_state * 6364136223846793005ull + 1442695040888963407ull;
        out[i] = (uint8_t)(rig->random_state >> 56);
    }
    return MFW_OK;
}

static void setup(void)
{
    rig = calloc(1, sizeof *rig);
    if (rig == NULL)
        abort();
    rig->port = *crypto_posix_port();
    rig->port.random = counter_random;
    rig->hal.crypto = &rig->port; /* no flash: the counters live in RAM (keys.h) */
    mfw_meter_default_config(&rig->cfg, MFW_METER_382M);
    struct mfw_keys_config *k = &rig->cfg.security;
    memcpy(k->key[MFW_KEYS_UNICAST], GUEK, 16);
    memcpy(k->key[MFW_KEYS_BROADCAST], GBEK, 16);
    memcpy(k->key[MFW_KEYS_AUTHENTICATION], AK, 16);
    memcpy(k->key[MFW_KEYS_MASTER], GUEK, 16);
    k->have = 0x0F;
    memcpy(k->server_title, SERVER_ST, 8);
    memcpy(k->client_title, CLIENT_ST, 8);
    k->policy = 3;
    if (mfw_meter_init(&rig->m, &rig->cfg, &rig->hal, T0) != MFW_OK)
        abort();
    mfw_meter_tick(&rig->m, T0);
    rig->keys0 = rig->m.keys;
    rig->set0 = rig->m.settings;
    rig->offset0 = rig->m.clock.offset_ms;
}

static size_t send(uint8_t sap, const uint8_t *apdu, size_t len)
{
    size_t n = mfw_dlms_server_apdu(&rig->s, 0, sap, apdu, len, rig->out, sizeof rig->out);
    if (n > sizeof rig->out)
        abort();
    return n;
}

/* The client's side of an answer: a ciphered one must be the server's and decipher. */
static void check_answer(size_t n)
{
    if (n == 0 || !mfw_security_is_ciphered(rig->out[0]))
        return;
    if (n > rig->s.a[0].max_send && rig->s.a[0].max_send != 0)
        abort();
    struct mfw_security_apdu a;
    if (mfw_security_parse(rig->out, n, &a) != MFW_OK)
        abort();
    if ((a.has_title && memcmp(a.title, SERVER_ST, 8) != 0) ||
        (rig->have_srv_ic && a.ic <= rig->srv_ic))
        abort();
    rig->srv_ic = a.ic;
    rig->have_srv_ic = true;
    struct mfw_security_keys k = {rig->ek, rig->ak};
    size_t pn;
    if (mfw_security_decipher(&rig->port, &k, SERVER_ST, &a, rig->plain, sizeof rig->plain, &pn) ==
        MFW_OK)
        return;
    /* a key transfer of this input took effect: the answers after it are under the new keys */
    const uint8_t *ek = mfw_meter_security_key(&rig->m, MFW_KEYS_UNICAST);
    const uint8_t *ak = mfw_meter_security_key(&rig->m, MFW_KEYS_AUTHENTICATION);
    if (ek == NULL || ak == NULL)
        abort();
    memcpy(rig->ek, ek, 16);
    memcpy(rig->ak, ak, 16);
    if (mfw_security_decipher(&rig->port, &k, SERVER_ST, &a, rig->plain, sizeof rig->plain, &pn) !=
        MFW_OK)
        abort();
}

static size_t send_ciphered(uint8_t sap, uint8_t tag, uint8_t sc, const uint8_t *p, size_t n,
                            bool broadcast)
{
    struct mfw_security_keys k = {broadcast ? GBEK : rig->ek, rig->ak};
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, rig->apdu, sizeof rig->apdu);
    if (mfw_security_cipher(&rig->port, &k, tag, CLIENT_ST, sc, rig->ic++, p, n, &w) != MFW_OK)
        return 0;
    return send(sap, rig->apdu, w.len);
}

/* The management association: AARQ (IC 1), pass 3 (f with IC 2, the APDU with IC 3). */
static void associate(void)
{
    struct mfw_security_keys k = {rig->ek, rig->ak};
    struct mfw_dlms_client_aarq_params p = {.mechanism = MFW_ACSE_MECH_HLS_GMAC,
                                            .password = CTOS,
                                            .password_len = sizeof CTOS,
                                            .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                            .max_pdu = 0xFFFF,
                                            .calling_title = CLIENT_ST,
                                            .crypto = &rig->port,
                                            .keys = &k,
                                            .sc = 0x30,
                                            .ic = rig->ic++};
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, rig->apdu, sizeof rig->apdu);
    if (mfw_dlms_client_build_aarq(&p, &w) != MFW_OK)
        abort();
    size_t n = send(1, rig->apdu, w.len);
    struct mfw_acse_aare a;
    if (n == 0 || mfw_dlms_client_parse_aare(rig->out, n, &a) != MFW_OK ||
        a.result != MFW_ACSE_RESULT_ACCEPTED || a.auth_value.len != 16)
        abort();
    uint8_t stoc[16], req[15 + 17];
    memcpy(stoc, a.auth_value.p, 16);
    memcpy(req, "\xC3\x01\xC1\x00\x0F\x00\x00\x28\x00\x00\xFF\x01\x01\x09\x11", 15);
    if (mfw_security_hls_f(&rig->port, &k, CLIENT_ST, rig->ic++, stoc, 16, req + 15) != MFW_OK)
        abort();
    n = send_ciphered(1, MFW_SECURITY_GLO_ACTION_REQUEST, 0x30, req, sizeof req, false);
    check_answer(n);
    if (!rig->s.a[0].associated)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (rig == NULL)
        setup();
    struct mfw_meter *m = &rig->m;
    /* the same starting point for every input: keys, counters, settings, clock */
    m->keys = rig->keys0;
    if (memcmp(&m->settings, &rig->set0, sizeof m->settings) != 0 &&
        mfw_meter_apply_settings(m, &rig->set0) != MFW_OK)
        abort();
    m->clock.offset_ms = rig->offset0;
    rig->random_state = 1;
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    if (mfw_cosem_init(&rig->cosem, m, &cc) != MFW_OK ||
        mfw_dlms_server_init(&rig->s, &rig->cosem, &dc) != MFW_OK)
        abort();
    memcpy(rig->ek, GUEK, 16);
    memcpy(rig->ak, AK, 16);
    rig->ic = 1;
    rig->have_srv_ic = false;
    associate();
    int force_sc = -1;
    for (size_t pos = 0; pos + 2 <= size;) {
        size_t len = data[pos];
        uint8_t mode = data[pos + 1];
        pos += 2;
        if (len > size - pos)
            len = size - pos;
        const uint8_t *b = data + pos;
        pos += len;
        if (len == 0)
            continue;
        uint32_t before = m->keys.counters.next;
        size_t n = 0;
        uint8_t sc = force_sc >= 0 ? (uint8_t)force_sc : 0x30;
        force_sc = -1;
        switch (mode) {
        case 0: n = send(1, b, len); break;
        case 1: n = send_ciphered(1, MFW_SECURITY_GENERAL_GLO, sc, b, len, false); break;
        case 2: {
            uint8_t tag = mfw_security_glo_tag(b[0]);
            n = send_ciphered(1, tag != 0 ? tag : MFW_SECURITY_GLO_GET_REQUEST, sc, b, len, false);
            break;
        }
        case 3: n = send(MFW_DLMS_SAP_PRE_ESTABLISHED, b, len); break;
        case 4:
            n = send_ciphered(MFW_DLMS_SAP_PRE_ESTABLISHED, MFW_SECURITY_GENERAL_GLO,
                              (uint8_t)(sc | MFW_SECURITY_SC_BROADCAST), b, len, true);
            break;
        default:
            force_sc = mode;
            n = send(1, b, len);
            break;
        }
        if ((mode == 3 || mode == 4) && n != 0)
            abort(); /* the pre-established client gets no answer, ever */
        if (m->keys.counters.next < before)
            abort(); /* the meter's counter never goes back */
        check_answer(n);
    }
    mfw_dlms_server_close(&rig->s, 0);
    return 0;
}

/* Seeds: [len][mode][bytes]... */
static const uint8_t seed_get_clock[] = {13,   1,    0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00,
                                         0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00};
static const uint8_t seed_objlist[] = {13,   1,    0xC0, 0x01, 0xC1, 0x00, 0x0F, 0x00, 0x00,
                                       0x28, 0x00, 0x00, 0xFF, 0x02, 0x00, 7,    1,    0xC0,
                                       0x02, 0xC1, 0x00, 0x00, 0x00, 0x01, 7,    2,    0xC0,
                                       0x02, 0xC1, 0x00, 0x00, 0x00, 0x02};
static const uint8_t seed_set_action[] = {
    16,   1,    0xC1, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x03,
    0x00, 0x10, 0xFF, 0x88, 16,   2,    0xC3, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00, 0x01,
    0x00, 0x00, 0xFF, 0x06, 0x01, 0x10, 0x00, 0x0A, 15,   2,    0xC3, 0x01, 0xC1, 0x00,
    0x40, 0x00, 0x00, 0x2B, 0x00, 0x02, 0xFF, 0x01, 0x01, 0x16, 0x03};
static const uint8_t seed_key_transfer[] = {
    45,   1,    0xC3, 0x01, 0xC1, 0x00, 0x40, 0x00, 0x00, 0x2B, 0x00, 0x02, 0xFF, 0x02, 0x01, 0x01,
    0x01, 0x02, 0x02, 0x16, 0x00, 0x09, 0x18, 0x1F, 0xA6, 0x8B, 0x0A, 0x81, 0x12, 0xB4, 0x47, 0xAE,
    0xF3, 0x4B, 0xD8, 0xFB, 0x5A, 0x7B, 0x82, 0x9D, 0x3E, 0x86, 0x23, 0x71, 0xD2, 0xCF, 0xE5, 13,
    1,    0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00};
/* a raw general-glo GET of the capture (its counter 15 is above the association's) */
static const uint8_t seed_raw[] = {
    41,   0,    0xDB, 0x08, 0x47, 0x75, 0x72, 0x75, 0x78, 0x31, 0x32, 0x33, 0x1E, 0x30, 0x00,
    0x00, 0x00, 0x0F, 0xAF, 0xC0, 0x36, 0xD5, 0xF2, 0x26, 0x25, 0xE7, 0x7A, 0xDB, 0xE1, 0x46,
    0xDC, 0x76, 0x21, 0xAE, 0x97, 0x95, 0xD4, 0xBB, 0xED, 0x66, 0x36, 0x93, 0xEA, 41,   0,
    0xDB, 0x08, 0x47, 0x75, 0x72, 0x75, 0x78, 0x31, 0x32, 0x33, 0x1E, 0x30, 0x00, 0x00, 0x00,
    0x0F, 0xAF, 0xC0, 0x36, 0xD5, 0xF2, 0x26, 0x25, 0xE7, 0x7A, 0xDB, 0xE1, 0x46, 0xDC, 0x76,
    0x21, 0xAE, 0x97, 0x95, 0xD4, 0xBB, 0xED, 0x66, 0x36, 0x93, 0xEA};
static const uint8_t seed_pre[] = {27,   4,    0xC1, 0x01, 0x01, 0x00, 0x08, 0x00, 0x00, 0x01,
                                   0x00, 0x00, 0xFF, 0x02, 0x00, 0x09, 0x0C, 0x07, 0xEA, 0x0B,
                                   0x19, 0x03, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

static const struct {
    const char *name;
    const uint8_t *p;
    size_t n;
} seeds[] = {
    {"get-clock.bin", seed_get_clock, sizeof seed_get_clock},
    {"objlist-blocks.bin", seed_objlist, sizeof seed_objlist},
    {"set-action.bin", seed_set_action, sizeof seed_set_action},
    {"key-transfer.bin", seed_key_transfer, sizeof seed_key_transfer},
    {"raw-capture.bin", seed_raw, sizeof seed_raw},
    {"pre-established.bin", seed_pre, sizeof seed_pre},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        fuzz_seed_write("fuzz_security", seeds[i].name, seeds[i].p, seeds[i].n);
    return 0;
}
