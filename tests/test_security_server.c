/* SPDX-License-Identifier: Apache-2.0 */
/* The DLMS server with security suite 0 (HLS-GMAC, authenticated encryption) on a meter with
 * the keys and system titles of tests/vectors/w_gmac_clock.txt (the server title "ABCDEFGH").
 *
 * The captured exchange replayed: the Gurux client's frames go to our server as they were sent,
 * byte for byte, except pass 3, whose f(StoC) MACs the server's challenge: ours is fresh random
 * bytes (Gurux's server echoed CtoS), so the test computes f(StoC) over our StoC exactly as the
 * client does (security.h: title "Gurux123", the capture's IC 2) and sends it as the capture's
 * glo-action-request with IC 3. Our answers cannot equal Gurux's bytes (another challenge, other
 * objects, other counters), so each is checked by what a client does with it: it deciphers under
 * the server's title with the client's keys (the security layer, itself checked against the
 * capture in test_security.c), its counter grows, and its content is what the standard and our
 * object model say: the InitiateResponse by hand, f(CtoS) over the capture's CtoS, the object
 * list blocks equal to the object list the object model encodes, the clock equal to the
 * meter's, the RLRE's InitiateResponse.
 *
 * Then what must fail, each with its answer and its event in the fraud log (IDIS 46, 49, 50): a
 * wrong key, a wrong system title, a replayed AARQ, a wrong f(StoC), a tampered and a replayed
 * APDU inside the association, plain APDUs where the policy wants them ciphered, services before
 * pass 3, the lock-out after failed attempts; the pre-established client (SAP 102); key transfer
 * and security_activate through Security setup, ciphered; every object x attribute x method x
 * client against the object list each client reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hexbytes.h"
#include "vectors.h"

#include "crypto_posix.h"
#include "flash_emu.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/acse.h"
#include "meterfw/dlms/dlms_client.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/dlms/security.h"
#include "meterfw/dlms/xdlms.h"
#include "meterfw/meter/eventlog.h"
#include "meterfw/meter/meter.h"

#define CAP "w_gmac_clock.txt"
#define T0 1795561200000LL /* 2026-11-24T23:00Z */

static const uint8_t CLIENT_ST[8] = {'G', 'u', 'r', 'u', 'x', '1', '2', '3'};
static const uint8_t SERVER_ST[8] = {'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'};
static const uint8_t GUEK[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t AK[16] = {0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7,
                               0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF};
static const uint8_t GBEK[16] = {0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7,
                                 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF};
/* RFC 3394 4.1's KEK: its wrapped key 1FA68B0A... unwraps to 00112233445566778899AABBCCDDEEFF */
static const uint8_t KEK[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
static const uint8_t CTOS[16] = {0x70, 0x38, 0x9C, 0xCE, 0x67, 0xB3, 0x59, 0xAC,
                                 0x56, 0xAB, 0x55, 0x2A, 0x15, 0x8A, 0x45, 0x22};

struct rig {
    struct flash_emu emu;
    uint8_t *mem;
    struct mfw_hal hal;
    struct mfw_meter_config cfg;
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_dlms_server s;
    uint8_t out[2048];
    size_t n;
    /* the client's side */
    uint8_t ek[16], ak[16];
    struct mfw_security_keys keys;
    uint32_t ic;      /* the client's next invocation counter */
    uint32_t srv_ic;  /* the last server counter seen */
    uint8_t stoc[64]; /* the server's challenge of the last AARE */
    size_t stoc_len;
    uint8_t plain[8192];
    size_t pn;
};

static const struct mfw_crypto_port *cp(void)
{
    return crypto_posix_port();
}

static struct rig *rig_new_model(enum mfw_meter_model model)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    mfw_meter_default_config(&r->cfg, model);
    struct mfw_keys_config *k = &r->cfg.security;
    memcpy(k->key[MFW_KEYS_UNICAST], GUEK, 16);
    memcpy(k->key[MFW_KEYS_BROADCAST], GBEK, 16);
    memcpy(k->key[MFW_KEYS_AUTHENTICATION], AK, 16);
    memcpy(k->key[MFW_KEYS_MASTER], KEK, 16);
    k->have = 0x0F;
    memcpy(k->server_title, SERVER_ST, 8);
    memcpy(k->client_title, CLIENT_ST, 8);
    k->policy = MFW_SECURITY_POLICY_AUTHENTICATED_ENCRYPTED;
    size_t size = (size_t)r->cfg.store.sector_size * r->cfg.store.sector_count;
    r->mem = malloc(size);
    assert_non_null(r->mem);
    assert_int_equal(flash_emu_init(&r->emu, r->mem, r->cfg.store.sector_size,
                                    r->cfg.store.sector_count, r->cfg.store.prog_size, 1),
                     MFW_OK);
    flash_emu_erase_all(&r->emu);
    flash_emu_hal(&r->emu, &r->hal);
    r->hal.crypto = cp();
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, T0), MFW_OK);
    mfw_meter_tick(&r->m, T0);
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    assert_int_equal(mfw_cosem_init(&r->cosem, &r->m, &cc), MFW_OK);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    assert_int_equal(mfw_dlms_server_init(&r->s, &r->cosem, &dc), MFW_OK);
    memcpy(r->ek, GUEK, 16);
    memcpy(r->ak, AK, 16);
    r->keys.ek = r->ek;
    r->keys.ak = r->ak;
    r->ic = 1;
    return r;
}

static struct rig *rig_new(void)
{
    return rig_new_model(MFW_METER_382M);
}

static void rig_free(struct rig *r)
{
    free(r->mem);
    free(r);
}

static size_t send(struct rig *r, unsigned conn, uint8_t sap, const uint8_t *apdu, size_t len)
{
    r->n = mfw_dlms_server_apdu(&r->s, conn, sap, apdu, len, r->out, sizeof r->out);
    return r->n;
}

/* A frame of the capture, as the client sent it. */
static size_t send_captured(struct rig *r, int tx)
{
    static uint8_t apdu[VEC_LINE_MAX];
    size_t len = 0;
    assert_int_equal(vec_apdu(CAP, VEC_TX, tx, apdu, sizeof apdu, &len), VEC_OK);
    return send(r, 0, 1, apdu, len);
}

/* The client side: plaintext p ciphered as tag (glo- or general-glo) with the client's next
 * counter, sent on connection 0 from sap. */
static size_t send_ciphered(struct rig *r, uint8_t sap, uint8_t tag, uint8_t sc, const uint8_t *p,
                            size_t n)
{
    uint8_t apdu[1200];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, apdu, sizeof apdu);
    assert_int_equal(mfw_security_cipher(cp(), &r->keys, tag, CLIENT_ST, sc, r->ic++, p, n, &w),
                     MFW_OK);
    return send(r, 0, sap, apdu, w.len);
}

static size_t send_hex_ciphered(struct rig *r, uint8_t tag, const char *hex)
{
    uint8_t p[512];
    size_t n = hex_decode(hex, p, sizeof p);
    assert_true(n != HEX_BAD);
    return send_ciphered(r, 1, tag, 0x30, p, n);
}

/* The answer deciphered as the client does: under the server's title, a counter above the last
 * one; the plaintext in r->plain. */
static void open_answer(struct rig *r, uint8_t want_tag)
{
    struct mfw_security_apdu a;
    assert_true(r->n > 0);
    assert_int_equal(r->out[0], want_tag);
    assert_int_equal(mfw_security_parse(r->out, r->n, &a), MFW_OK);
    if (a.has_title)
        assert_memory_equal(a.title, SERVER_ST, 8);
    assert_int_equal(a.sc, 0x30); /* the policy's: authenticated and encrypted */
    assert_true(a.ic > r->srv_ic || (a.ic == 0 && r->srv_ic == 0));
    r->srv_ic = a.ic;
    assert_int_equal(
        mfw_security_decipher(cp(), &r->keys, SERVER_ST, &a, r->plain, sizeof r->plain, &r->pn),
        MFW_OK);
}

static void expect_plain(struct rig *r, const char *hex)
{
    uint8_t b[64];
    size_t k = hex_decode(hex, b, sizeof b);
    assert_int_equal(r->n, k);
    assert_memory_equal(r->out, b, k);
}

static uint32_t fraud_count(struct rig *r, uint16_t code)
{
    uint32_t n = mfw_meter_eventlog_count(&r->m, MFW_EVENTLOG_FRAUD), c = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct mfw_eventlog_entry e;
        assert_int_equal(mfw_meter_eventlog_read(&r->m, MFW_EVENTLOG_FRAUD, i, &e), MFW_OK);
        c += e.code == code;
    }
    return c;
}

/* Builds a GMAC AARQ as the Gurux client does (its bytes: test_dlms_client.c checks the builder
 * against TX 1) with this key, title and counter, and sends it. */
static size_t send_aarq(struct rig *r, unsigned conn, const uint8_t *ek, const uint8_t *title,
                        uint32_t ic)
{
    struct mfw_security_keys k = {ek, AK};
    struct mfw_dlms_client_aarq_params p = {.mechanism = MFW_ACSE_MECH_HLS_GMAC,
                                            .password = CTOS,
                                            .password_len = sizeof CTOS,
                                            .conformance = MFW_DLMS_CLIENT_CONFORMANCE_GURUX,
                                            .max_pdu = 0xFFFF,
                                            .calling_title = title,
                                            .crypto = cp(),
                                            .keys = &k,
                                            .sc = 0x30,
                                            .ic = ic};
    uint8_t buf[256];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof buf);
    assert_int_equal(mfw_dlms_client_build_aarq(&p, &w), MFW_OK);
    return send(r, conn, 1, buf, w.len);
}

/* The AARE of an accepted GMAC AARQ: pending (diagnostic 14), the server's title, mechanism 5,
 * a fresh StoC, a glo-initiate-response that deciphers to the InitiateResponse by hand. */
static void check_aare(struct rig *r)
{
    struct mfw_acse_aare a;
    assert_int_equal(mfw_dlms_client_parse_aare(r->out, r->n, &a), MFW_OK);
    assert_int_equal(a.context, MFW_ACSE_CTX_LN_CIPHERED);
    assert_int_equal(a.result, MFW_ACSE_RESULT_ACCEPTED);
    assert_int_equal(a.diag, MFW_ACSE_DIAG_AUTHENTICATION_REQUIRED);
    assert_true(a.has_responding_ap_title);
    assert_memory_equal(a.responding_ap_title, SERVER_ST, 8);
    assert_int_equal(a.mechanism, MFW_ACSE_MECH_HLS_GMAC);
    assert_int_equal(a.auth_value.len, 16);
    assert_false(memcmp(a.auth_value.p, CTOS, 16) == 0); /* not an echo of CtoS */
    memcpy(r->stoc, a.auth_value.p, 16);
    r->stoc_len = 16;
    assert_int_equal(a.user_info_kind, MFW_ACSE_AARE_UI_RAW);
    /* 28 L SC IC C T */
    assert_int_equal(a.user_info_raw.p[0], MFW_SECURITY_GLO_INITIATE_RESPONSE);
    assert_int_equal(a.user_info_raw.p[1], a.user_info_raw.len - 2);
    struct mfw_security_apdu sa;
    assert_int_equal(
        mfw_security_parse_content(a.user_info_raw.p + 2, a.user_info_raw.len - 2, &sa), MFW_OK);
    r->srv_ic = sa.ic;
    assert_int_equal(
        mfw_security_decipher(cp(), &r->keys, SERVER_ST, &sa, r->plain, sizeof r->plain, &r->pn),
        MFW_OK);
    /* InitiateResponse: no QoS, DLMS 6, conformance 40 1E 1D (the proposal, all of it offered to
     * the management client with HLS), server max PDU 1024, vaa-name 0007 */
    static const uint8_t ir[] = {0x08, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00,
                                 0x40, 0x1E, 0x1D, 0x04, 0x00, 0x00, 0x07};
    assert_int_equal(r->pn, sizeof ir);
    assert_memory_equal(r->plain, ir, sizeof ir);
}

/* Pass 3: ACTION {15, 0.0.40.0.0.255, 1} octet-string f(StoC) as the capture's glo-action-request
 * (invoke C1), f over our StoC with the client's IC f_ic; the answer's f(CtoS) checked. */
static void pass_3(struct rig *r, uint32_t f_ic, bool good)
{
    uint8_t p[15 + 17];
    memcpy(p, "\xC3\x01\xC1\x00\x0F\x00\x00\x28\x00\x00\xFF\x01\x01\x09\x11", 15);
    assert_int_equal(
        mfw_security_hls_f(cp(), &r->keys, CLIENT_ST, f_ic, r->stoc, r->stoc_len, p + 15), MFW_OK);
    if (!good)
        p[31] ^= 1;
    send_ciphered(r, 1, MFW_SECURITY_GLO_ACTION_REQUEST, 0x30, p, sizeof p);
    open_answer(r, MFW_SECURITY_GLO_ACTION_RESPONSE);
    if (!good) { /* read-write-denied, no data */
        assert_int_equal(r->pn, 5);
        assert_memory_equal(r->plain, "\xC7\x01\xC1\x03\x00", 5);
        return;
    }
    /* C7 01 C1 00 01 00 09 11 f(CtoS): f over the capture's CtoS under the server's title */
    assert_int_equal(r->pn, 8 + 17);
    assert_memory_equal(r->plain, "\xC7\x01\xC1\x00\x01\x00\x09\x11", 8);
    assert_int_equal(mfw_security_hls_check(cp(), &r->keys, SERVER_ST, CTOS, 16, r->plain + 8, 17),
                     MFW_OK);
}

/* The object list the object model encodes for the management client: the reference the
 * blocks of the ciphered GET must reassemble to. */
static size_t object_list_of(struct rig *r, uint8_t *buf, size_t cap)
{
    struct mfw_cosem_session ses = {0};
    ses.client = MFW_COSEM_CLIENT_MANAGEMENT;
    ses.mechanism = 5; /* HLS-GMAC, as the captured association: the switches writable too */
    struct mfw_cosem_ctx c = {&r->cosem, &ses};
    struct mfw_cosem_ref ref = {0};
    ref.class_id = 15;
    memcpy(ref.obis, (const uint8_t[6]){0, 0, 40, 0, 0, 255}, 6);
    ref.id = 2;
    struct mfw_cosem_stream st;
    assert_int_equal(mfw_cosem_get_open(&c, &ref, &st), 0);
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, cap);
    mfw_cosem_get_header(&c, &st, &w);
    for (uint32_t i = 0; i < st.items; i++)
        assert_int_equal(mfw_cosem_get_item(&c, &st, i, &w), 0);
    assert_int_equal(w.err, 0);
    return w.len;
}

static void captured_exchange(void **st)
{
    (void)st;
    struct rig *r = rig_new_model(MFW_METER_162M);
    /* TX 1, the captured AARQ byte for byte (IC 1) */
    send_captured(r, 1);
    check_aare(r);
    assert_int_equal(r->srv_ic, 0);
    /* pass 3 with the capture's counters (f: IC 2, the APDU: IC 3) */
    r->ic = 3;
    pass_3(r, 2, true);
    /* TX 3: GET object list (general-glo, IC 5); TX 4..12: GET-Request-Next of blocks 1..9
     * (IC 6..14). A 162M's object list (177 objects, docs/dlms.md, in blocks of the 1024-byte
     * PDU less the ciphering) takes no more blocks than Gurux's did (a 382M's 227 take more than
     * the capture has): the captured requests are sent until the last block came, and the blocks
     * reassemble to the object list the object model encodes. */
    static uint8_t want[32768], got[32768];
    size_t wn = object_list_of(r, want, sizeof want), gn = 0;
    int tx = 3;
    for (bool last = false; !last; tx++) {
        assert_true(tx <= 12);
        send_captured(r, tx);
        assert_true(r->n <= 1024);
        open_answer(r, MFW_SECURITY_GENERAL_GLO);
        /* C4 02 C1 last block(u32) 00 length raw */
        assert_memory_equal(r->plain, "\xC4\x02\xC1", 3);
        last = r->plain[3] != 0;
        uint32_t block = (uint32_t)r->plain[4] << 24 | (uint32_t)r->plain[5] << 16 |
                         (uint32_t)r->plain[6] << 8 | r->plain[7];
        assert_int_equal(block, (uint32_t)(tx - 2));
        assert_int_equal(r->plain[8], 0);
        struct mfw_rcursor rc;
        size_t raw = 0;
        mfw_rcursor_init(&rc, r->plain + 9, r->pn - 9);
        assert_int_equal(mfw_axdr_get_length(&rc, &raw), MFW_OK);
        assert_int_equal(raw, mfw_rcursor_left(&rc));
        assert_true(gn + raw <= sizeof got);
        memcpy(got + gn, r->plain + 9 + rc.pos, raw);
        gn += raw;
    }
    assert_true(tx > 5); /* in blocks */
    assert_int_equal(gn, wn);
    assert_memory_equal(got, want, gn);
    /* the next captured GET-Request-Next finds no transfer in progress: C4 02 .. 01 16 */
    send_captured(r, tx);
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_int_equal(r->plain[r->pn - 2], 1);
    assert_int_equal(r->plain[r->pn - 1], MFW_DAR_NO_LONG_GET_IN_PROGRESS);
    /* TX 13: GET clock (IC 15): the meter's time, as a client decodes it */
    send_captured(r, 13);
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_memory_equal(r->plain, "\xC4\x01\xC1\x00\x09\x0C", 6);
    struct mfw_rcursor rc;
    struct mfw_cosem_datetime dt;
    mfw_ms_t t;
    mfw_rcursor_init(&rc, r->plain + 4, r->pn - 4);
    assert_int_equal(mfw_axdr_get_datetime(&rc, &dt), MFW_OK);
    assert_int_equal(mfw_cosem_datetime_to_ms(&dt, 0, &t), MFW_OK);
    assert_true(t == r->m.now);
    /* the public client reads the last counter accepted: 15 */
    uint8_t get_ic[] = {0xC0, 0x01, 0xC1, 0x00, 0x01, 0, 0, 43, 1, 0, 255, 0x02, 0x00};
    assert_int_equal(r->m.keys.counters.last[MFW_KEYS_CTX_UNICAST], 15);
    /* TX 14: the captured RLRQ (glo-initiate-request, IC 16): an RLRE with a glo-initiate-
     * response, well-formed BER (not the capture's, whose lengths are short, docs/acse.md) */
    send_captured(r, 14);
    struct mfw_acse_rlre rl;
    assert_int_equal(mfw_dlms_client_parse_rlre(r->out, r->n, &rl), MFW_OK);
    assert_int_equal(r->out[1], r->n - 2);
    assert_memory_equal(r->out + 2, "\x80\x01\x00\xBE", 4);
    assert_int_equal(r->out[6], r->n - 7);
    assert_int_equal(r->out[8], r->n - 9);
    assert_int_equal(r->out[9], MFW_SECURITY_GLO_INITIATE_RESPONSE);
    struct mfw_security_apdu sa;
    assert_int_equal(mfw_security_parse_content(r->out + 11, r->n - 11, &sa), MFW_OK);
    assert_true(sa.ic > r->srv_ic);
    assert_int_equal(
        mfw_security_decipher(cp(), &r->keys, SERVER_ST, &sa, r->plain, sizeof r->plain, &r->pn),
        MFW_OK);
    assert_memory_equal(r->plain, "\x08\x00\x06\x5F\x1F\x04\x00\x40\x1E\x1D\x04\x00\x00\x07", 14);
    /* released: a ciphered GET is not served any more */
    send_hex_ciphered(r, MFW_SECURITY_GLO_GET_REQUEST, "C0 01 C1 00 08 00 00 01 00 00 FF 02 00");
    expect_plain(r, "D8 01 01");
    send(r, 0, 16,
         (const uint8_t *)"\x60\x1D\xA1\x09\x06\x07\x60\x85\x74\x05\x08\x01\x01\xBE\x10"
                          "\x04\x0E\x01\x00\x00\x00\x06\x5F\x1F\x04\x00\x40\x1E\x1D\xFF"
                          "\xFF",
         31);
    send(r, 0, 16, get_ic, sizeof get_ic);
    /* double-long-unsigned 16: the RLRQ's counter */
    expect_plain(r, "C4 01 C1 00 06 00 00 00 10");
    assert_int_equal(
        fraud_count(r, MFW_EVENT_DECRYPT_FAILURE) + fraud_count(r, 46) + fraud_count(r, 50), 0);
    rig_free(r);
}

static void failures_and_events(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    uint8_t bad[16];
    memcpy(bad, GUEK, 16);
    bad[5] ^= 0x40;
    /* a wrong key: rejected (result 1), deciphering failure 49, no counter taken */
    send_aarq(r, 0, bad, CLIENT_ST, 1);
    struct mfw_acse_aare a;
    assert_int_equal(mfw_dlms_client_parse_aare(r->out, r->n, &a), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_REJECTED_PERMANENT);
    assert_int_equal(fraud_count(r, MFW_EVENT_DECRYPT_FAILURE), 1);
    assert_int_equal(r->m.keys.counters.last[MFW_KEYS_CTX_UNICAST], 0);
    /* a wrong system title: not the head-end's (Security setup attribute 4): refused before
     * anything is deciphered, calling-AP-title-not-recognized, an authentication failure 46 */
    uint8_t title[8];
    memcpy(title, CLIENT_ST, 8);
    title[7] = '4';
    static uint8_t apdu[VEC_LINE_MAX];
    size_t len = 0;
    assert_int_equal(vec_apdu(CAP, VEC_TX, 1, apdu, sizeof apdu, &len), VEC_OK);
    apdu[24] = '4'; /* calling-AP-title's last byte (A6 0A 04 08 at 13, the title at 17) */
    assert_memory_equal(apdu + 13, "\xA6\x0A\x04\x08Gurux124", 12);
    send(r, 0, 1, apdu, len);
    assert_int_equal(mfw_dlms_client_parse_aare(r->out, r->n, &a), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_REJECTED_PERMANENT);
    assert_int_equal(a.diag, MFW_ACSE_DIAG_CALLING_AP_TITLE_NOT_RECOGNIZED);
    assert_int_equal(fraud_count(r, MFW_EVENT_AUTH_FAILURE), 1);
    assert_int_equal(fraud_count(r, MFW_EVENT_DECRYPT_FAILURE), 1);
    /* with no head-end title provisioned (zeros) any title may associate: the tag then fails
     * for a title that is not the one the client ciphered with (49) */
    memset(r->m.keys.config.client_title, 0, 8);
    send(r, 0, 1, apdu, len);
    assert_int_equal(mfw_dlms_client_parse_aare(r->out, r->n, &a), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_REJECTED_PERMANENT);
    assert_int_equal(fraud_count(r, MFW_EVENT_DECRYPT_FAILURE), 2);
    memcpy(r->m.keys.config.client_title, CLIENT_ST, 8);
    /* three failures in a row: the management client is locked out for 10 s, even with the
     * right keys (its AARQ is not even looked at), and the public client is not */
    assert_int_equal(r->s.stats.lockouts, 1);
    send_captured(r, 1);
    assert_int_equal(mfw_dlms_client_parse_aare(r->out, r->n, &a), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_REJECTED_TRANSIENT);
    assert_int_equal(r->s.stats.locked_out, 1);
    assert_int_equal(r->m.keys.counters.last[MFW_KEYS_CTX_UNICAST], 0);
    send(r, 1, 16,
         (const uint8_t *)"\x60\x1D\xA1\x09\x06\x07\x60\x85\x74\x05\x08\x01\x01\xBE\x10"
                          "\x04\x0E\x01\x00\x00\x00\x06\x5F\x1F\x04\x00\x40\x1E\x1D\xFF"
                          "\xFF",
         31);
    assert_int_equal(r->out[17], 0); /* A2 03 02 01 00: accepted */
    mfw_dlms_server_close(&r->s, 1);
    mfw_meter_tick(&r->m, T0 + MFW_SECURITY_LOCKOUT_MS);
    /* the right one (IC 1 accepted, pass 3 not done), then the same AARQ again: a replay, 50;
     * a fourth failure: locked out again, twice as long */
    send_captured(r, 1);
    check_aare(r);
    send_captured(r, 1);
    assert_int_equal(mfw_dlms_client_parse_aare(r->out, r->n, &a), MFW_OK);
    assert_int_equal(a.result, MFW_ACSE_RESULT_REJECTED_PERMANENT);
    assert_int_equal(fraud_count(r, MFW_EVENT_REPLAY_ATTACK), 1);
    assert_int_equal(r->s.stats.lockouts, 2);
    mfw_meter_tick(&r->m, T0 + 3 * MFW_SECURITY_LOCKOUT_MS);
    /* a wrong f(StoC): read-write-denied, 46, the association dropped; locked out for 40 s */
    r->ic = 3;
    send_aarq(r, 0, GUEK, CLIENT_ST, r->ic++);
    check_aare(r);
    pass_3(r, r->ic, false);
    assert_int_equal(fraud_count(r, MFW_EVENT_AUTH_FAILURE), 2);
    send_hex_ciphered(r, MFW_SECURITY_GLO_GET_REQUEST, "C0 01 C1 00 08 00 00 01 00 00 FF 02 00");
    expect_plain(r, "D8 01 01");
    assert_int_equal(r->s.stats.lockouts, 3);
    mfw_meter_tick(&r->m, T0 + 7 * MFW_SECURITY_LOCKOUT_MS);
    /* an association; before pass 3 only pass 3 is served (a ciphered exception) */
    send_aarq(r, 0, GUEK, CLIENT_ST, r->ic++);
    check_aare(r);
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO, "C0 01 C1 00 08 00 00 01 00 00 FF 02 00");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_int_equal(r->pn, 3);
    assert_memory_equal(r->plain, "\xD8\x01\x01", 3);
    pass_3(r, r->ic, true);
    assert_int_equal(r->s.lockout[MFW_COSEM_CLIENT_MANAGEMENT].failures, 0);
    /* a tampered APDU: deciphering-error in clear, 49 */
    uint8_t p[] = {0xC0, 0x01, 0xC1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x02, 0x00};
    uint8_t ap[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, ap, sizeof ap);
    uint32_t ic = r->ic++;
    assert_int_equal(mfw_security_cipher(cp(), &r->keys, MFW_SECURITY_GLO_GET_REQUEST, CLIENT_ST,
                                         0x30, ic, p, sizeof p, &w),
                     MFW_OK);
    ap[10] ^= 0x01;
    send(r, 0, 1, ap, w.len);
    expect_plain(r, "D8 01 05");
    assert_int_equal(fraud_count(r, MFW_EVENT_DECRYPT_FAILURE), 3);
    /* the same APDU intact: its counter was not taken by the failure, it is served */
    ap[10] ^= 0x01;
    send(r, 0, 1, ap, w.len);
    open_answer(r, MFW_SECURITY_GLO_GET_RESPONSE);
    assert_memory_equal(r->plain, "\xC4\x01\xC1\x00\x09\x0C", 6);
    /* and again: a replay, invocation-counter-error with the counter expected next */
    send(r, 0, 1, ap, w.len);
    assert_int_equal(r->n, 7);
    assert_memory_equal(r->out, "\xD8\x01\x06", 3);
    uint32_t next = (uint32_t)r->out[3] << 24 | (uint32_t)r->out[4] << 16 |
                    (uint32_t)r->out[5] << 8 | r->out[6];
    assert_int_equal(next, ic + 1);
    assert_int_equal(fraud_count(r, MFW_EVENT_REPLAY_ATTACK), 2);
    /* logged once per association attempt: a second replay counts, is not logged */
    send(r, 0, 1, ap, w.len);
    assert_int_equal(fraud_count(r, MFW_EVENT_REPLAY_ATTACK), 2);
    assert_int_equal(r->s.stats.replays, 3);
    /* a plain GET where the policy asks for ciphering; authentication only (policy 3 wants
     * both); the broadcast key set; another title in general-glo-ciphering */
    send(r, 0, 1, p, sizeof p);
    expect_plain(r, "D8 01 01");
    send_ciphered(r, 1, MFW_SECURITY_GLO_GET_REQUEST, 0x10, p, sizeof p);
    expect_plain(r, "D8 01 05");
    send_ciphered(r, 1, MFW_SECURITY_GLO_GET_REQUEST, 0x70, p, sizeof p);
    expect_plain(r, "D8 01 05");
    mfw_wcursor_init(&w, ap, sizeof ap);
    assert_int_equal(mfw_security_cipher(cp(), &r->keys, MFW_SECURITY_GENERAL_GLO, title, 0x30,
                                         r->ic++, p, sizeof p, &w),
                     MFW_OK);
    send(r, 0, 1, ap, w.len);
    expect_plain(r, "D8 01 05");
    /* the public client on another connection: ciphered APDUs are not its */
    send(r, 1, 16,
         (const uint8_t *)"\x60\x1D\xA1\x09\x06\x07\x60\x85\x74\x05\x08\x01\x01\xBE\x10"
                          "\x04\x0E\x01\x00\x00\x00\x06\x5F\x1F\x04\x00\x40\x1E\x1D\xFF"
                          "\xFF",
         31);
    mfw_wcursor_init(&w, ap, sizeof ap);
    assert_int_equal(mfw_security_cipher(cp(), &r->keys, MFW_SECURITY_GLO_GET_REQUEST, CLIENT_ST,
                                         0x30, r->ic++, p, sizeof p, &w),
                     MFW_OK);
    r->n = mfw_dlms_server_apdu(&r->s, 1, 16, ap, w.len, r->out, sizeof r->out);
    expect_plain(r, "D8 01 02");
    rig_free(r);
}

/* The pre-established client, SAP 102: unconfirmed SET of the clock under the broadcast key. */
static void pre_established(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    struct mfw_security_keys bk = {GBEK, AK};
    /* SET-Request-Normal, invoke 01 (unconfirmed): Clock time = 2026-11-25 12:00:00 UTC */
    uint8_t p[] = {0xC1, 0x01, 0x01, 0x00, 0x08, 0,    0,    1,    0,
                   0,    255,  0x02, 0x00, 0x09, 0x0C, 0x07, 0xEA, 0x0B,
                   0x19, 0x03, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    mfw_ms_t want = 1795608000000LL; /* 2026-11-25T12:00:00Z, a Wednesday (3) */
    uint8_t ap[128];
    struct mfw_wcursor w;
    uint32_t ic = 1;
    /* the management key, a confirmed request, a plain request: ignored, nothing answered */
    mfw_wcursor_init(&w, ap, sizeof ap);
    assert_int_equal(mfw_security_cipher(cp(), &r->keys, MFW_SECURITY_GENERAL_GLO, CLIENT_ST, 0x30,
                                         ic++, p, sizeof p, &w),
                     MFW_OK);
    assert_int_equal(send(r, 0, 102, ap, w.len), 0);
    p[2] = 0xC1;
    mfw_wcursor_init(&w, ap, sizeof ap);
    assert_int_equal(mfw_security_cipher(cp(), &bk, MFW_SECURITY_GENERAL_GLO, CLIENT_ST, 0x70, ic++,
                                         p, sizeof p, &w),
                     MFW_OK);
    assert_int_equal(send(r, 0, 102, ap, w.len), 0);
    p[2] = 0x01;
    assert_int_equal(send(r, 0, 102, p, sizeof p), 0);
    assert_true(r->m.now < want - 3600000);
    assert_int_equal(r->s.stats.pre_established, 0);
    /* general-glo-ciphering, SC 70 (A+E, broadcast key set): done, nothing answered */
    mfw_wcursor_init(&w, ap, sizeof ap);
    assert_int_equal(mfw_security_cipher(cp(), &bk, MFW_SECURITY_GENERAL_GLO, CLIENT_ST, 0x70, ic,
                                         p, sizeof p, &w),
                     MFW_OK);
    assert_int_equal(send(r, 3, 102, ap, w.len), 0);
    assert_int_equal(r->s.stats.pre_established, 1);
    assert_true(r->m.now == want);
    /* the same APDU again: a replay, ignored, logged (50) */
    mfw_meter_clock_shift(&r->m, r->m.rtc, -900);
    assert_int_equal(send(r, 0, 102, ap, w.len), 0);
    assert_true(r->m.now == want - 900000);
    assert_int_equal(fraud_count(r, MFW_EVENT_REPLAY_ATTACK), 1);
    /* glo-set-request: the title from Security setup (the head-end's); shift_time by ACTION */
    uint8_t sh[] = {0xC3, 0x01, 0x01, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x06, 0x01, 0x10, 0x00, 0x3C};
    mfw_wcursor_init(&w, ap, sizeof ap);
    assert_int_equal(mfw_security_cipher(cp(), &bk, MFW_SECURITY_GLO_ACTION_REQUEST, CLIENT_ST,
                                         0x70, ++ic, sh, sizeof sh, &w),
                     MFW_OK);
    assert_int_equal(send(r, 0, 102, ap, w.len), 0);
    assert_true(r->m.now == want - 900000 + 60000);
    /* its rights: the clock only (the time zone is not its to write) */
    uint8_t tz[] = {0xC1, 0x01, 0x01, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x03, 0x00, 0x10, 0x00, 0x00};
    int16_t before = r->m.settings.clock.utc_offset_min;
    mfw_wcursor_init(&w, ap, sizeof ap);
    assert_int_equal(mfw_security_cipher(cp(), &bk, MFW_SECURITY_GENERAL_GLO, CLIENT_ST, 0x70, ++ic,
                                         tz, sizeof tz, &w),
                     MFW_OK);
    assert_int_equal(send(r, 0, 102, ap, w.len), 0);
    assert_int_equal(r->m.settings.clock.utc_offset_min, before);
    /* the public client reads the broadcast context's counter */
    assert_int_equal(r->m.keys.counters.last[MFW_KEYS_CTX_BROADCAST], ic);
    rig_free(r);
}

/* Associates as management client (the capture's AARQ and pass 3). */
static void associate(struct rig *r)
{
    send_aarq(r, 0, r->ek, CLIENT_ST, r->ic++);
    check_aare(r);
    pass_3(r, r->ic, true);
}

static void key_transfer_and_policy(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    associate(r);
    /* global_key_transfer: {0 (unicast), RFC 3394 4.1's wrapped key}; the answer still under
     * the old key, then the new one */
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO,
                      "C3 01 C1 00 40 00 00 2B 00 02 FF 02 01 01 01 02 02 16 00 09 18"
                      " 1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_int_equal(r->pn, 5);
    assert_memory_equal(r->plain, "\xC7\x01\xC1\x00\x00", 5);
    uint8_t nk[16];
    hex_decode("00112233445566778899AABBCCDDEEFF", nk, 16);
    assert_memory_equal(mfw_meter_security_key(&r->m, MFW_KEYS_UNICAST), nk, 16);
    /* event 48 in the standard log */
    uint32_t n = mfw_meter_eventlog_count(&r->m, MFW_EVENTLOG_STANDARD);
    struct mfw_eventlog_entry e;
    assert_int_equal(mfw_meter_eventlog_read(&r->m, MFW_EVENTLOG_STANDARD, n - 1, &e), MFW_OK);
    assert_int_equal(e.code, MFW_EVENT_GLOBAL_KEY_CHANGED);
    /* the old key fails now (49), the new one works */
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO, "C0 01 C1 00 08 00 00 01 00 00 FF 02 00");
    expect_plain(r, "D8 01 05");
    memcpy(r->ek, nk, 16);
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO, "C0 01 C1 00 08 00 00 01 00 00 FF 02 00");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_memory_equal(r->plain, "\xC4\x01\xC1\x00\x09\x0C", 6);
    /* a key wrapped under another KEK: other-reason (250), nothing changes */
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO,
                      "C3 01 C1 00 40 00 00 2B 00 02 FF 02 01 01 01 02 02 16 02 09 18"
                      " 1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE4");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_memory_equal(r->plain, "\xC7\x01\xC1\xFA\x00", 5);
    assert_memory_equal(mfw_meter_security_key(&r->m, MFW_KEYS_AUTHENTICATION), AK, 16);
    /* security_activate: weaker (1) refused, the same (3) accepted; attribute 2 reads 3 */
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO, "C3 01 C1 00 40 00 00 2B 00 02 FF 01 01 16 01");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_memory_equal(r->plain, "\xC7\x01\xC1\xFA\x00", 5);
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO, "C0 01 C1 00 40 00 00 2B 00 02 FF 02 00");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_int_equal(r->pn, 6);
    assert_memory_equal(r->plain, "\xC4\x01\xC1\x00\x16\x03", 6);
    /* attributes 4, 5: the titles; no attribute shows a key */
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO, "C0 01 C1 00 40 00 00 2B 00 02 FF 05 00");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_memory_equal(r->plain,
                        "\xC4\x01\xC1\x00\x09\x08"
                        "ABCDEFGH",
                        14);
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO, "C0 01 C1 00 40 00 00 2B 00 02 FF 04 00");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_memory_equal(r->plain,
                        "\xC4\x01\xC1\x00\x09\x08"
                        "Gurux123",
                        14);
    /* Association LN: context 3, mechanism 5, associated, the security setup's name */
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO, "C0 01 C1 00 0F 00 00 28 00 00 FF 04 00");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_memory_equal(r->plain, "\xC4\x01\xC1\x00\x09\x07\x60\x85\x74\x05\x08\x01\x03", 13);
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO, "C0 01 C1 00 0F 00 00 28 00 00 FF 08 00");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_memory_equal(r->plain, "\xC4\x01\xC1\x00\x16\x02", 6);
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO, "C0 01 C1 00 0F 00 00 28 00 00 FF 09 00");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_memory_equal(r->plain, "\xC4\x01\xC1\x00\x09\x06\x00\x00\x2B\x00\x02\xFF", 12);
    /* change_HLS_secret: the authentication key wrapped under the master key */
    send_hex_ciphered(r, MFW_SECURITY_GENERAL_GLO,
                      "C3 01 C1 00 0F 00 00 28 00 00 FF 02 01 09 18"
                      " 1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5");
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_memory_equal(r->plain, "\xC7\x01\xC1\x00\x00", 5);
    assert_memory_equal(mfw_meter_security_key(&r->m, MFW_KEYS_AUTHENTICATION), nk, 16);
    rig_free(r);
}

/* Every object x attribute x method x client: what the object list tells each client equals
 * what the dispatcher lets it do (GET, SET and ACTION refused exactly where the list says no
 * access), for the public and the management client through the server. */
static void rights_against_the_object_list(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    for (unsigned client = 0; client < 2; client++) {
        struct mfw_cosem_session ses = {0};
        ses.client = (uint8_t)client;
        struct mfw_cosem_ctx c = {&r->cosem, &ses};
        struct mfw_cosem_ref ref = {0};
        ref.class_id = 15;
        memcpy(ref.obis, (const uint8_t[6]){0, 0, 40, 0, 0, 255}, 6);
        ref.id = 2;
        struct mfw_cosem_stream s;
        assert_int_equal(mfw_cosem_get_open(&c, &ref, &s), 0);
        static uint8_t buf[32768];
        struct mfw_wcursor w;
        mfw_wcursor_init(&w, buf, sizeof buf);
        mfw_cosem_get_header(&c, &s, &w);
        for (uint32_t i = 0; i < s.items; i++)
            assert_int_equal(mfw_cosem_get_item(&c, &s, i, &w), 0);
        struct mfw_rcursor rc;
        mfw_rcursor_init(&rc, buf, w.len);
        uint32_t count;
        assert_int_equal(mfw_dlms_client_object_list_begin(&rc, &count), MFW_OK);
        unsigned seen = 0;
        for (unsigned idx = 0; idx < mfw_cosem_object_count(); idx++)
            seen += mfw_cosem_visible(&r->cosem, idx, (uint8_t)client);
        assert_int_equal(count, seen);
        assert_int_equal(count, client == 0 ? 6 : 227); /* docs/dlms.md: a 382M, no options */
        for (uint32_t i = 0; i < count; i++) {
            struct mfw_dlms_client_object o;
            assert_int_equal(mfw_dlms_client_object_next(&rc, &o), MFW_OK);
            struct mfw_cosem_ref x = {0};
            x.class_id = o.class_id;
            memcpy(x.obis, o.ln, 6);
            for (unsigned k = 0; k < o.n_attrs; k++) {
                x.id = o.attrs[k].id;
                bool rd = o.attrs[k].access & 1, wr = o.attrs[k].access & 2;
                struct mfw_cosem_stream t;
                int g = mfw_cosem_get_open(&c, &x, &t);
                assert_true(rd ? g != MFW_DAR_READ_WRITE_DENIED : g == MFW_DAR_READ_WRITE_DENIED);
                if (!wr) /* a SET refused before its value is looked at */
                    assert_int_equal(mfw_cosem_set(&c, &x, (const uint8_t *)"\x00", 1),
                                     MFW_DAR_READ_WRITE_DENIED);
            }
            for (unsigned k = 0; k < o.n_methods; k++) {
                x.id = o.methods[k].id;
                if (o.methods[k].access)
                    continue; /* (running every method would change the meter) */
                uint8_t ret[32];
                struct mfw_wcursor rw;
                mfw_wcursor_init(&rw, ret, sizeof ret);
                bool has = false;
                assert_int_equal(mfw_cosem_action(&c, &x, NULL, 0, &rw, &has),
                                 MFW_DAR_READ_WRITE_DENIED);
            }
        }
    }
    rig_free(r);
}

/* A push: a DataNotification ciphered as general-glo-ciphering under the server's title. */
static void data_notification(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    /* 0F long-invoke 00000005, no date-time, body unsigned 7 (docs/dlms.md, by hand) */
    uint8_t dn[16];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, dn, sizeof dn);
    assert_int_equal(mfw_xdlms_build_data_notification(5, NULL, (const uint8_t *)"\x11\x07", 2, &w),
                     MFW_OK);
    assert_int_equal(w.len, 8);
    r->n = mfw_dlms_server_cipher_notification(&r->s, dn, w.len, r->out, sizeof r->out);
    /* DB 08 title 1D(5 + 8 + 12) 30 IC C T */
    assert_int_equal(r->n, 2 + 8 + 1 + 5 + 8 + 12);
    open_answer(r, MFW_SECURITY_GENERAL_GLO);
    assert_int_equal(r->pn, 8);
    assert_memory_equal(r->plain, "\x0F\x00\x00\x00\x05\x00\x11\x07", 8);
    uint32_t first = r->srv_ic;
    r->n = mfw_dlms_server_cipher_notification(&r->s, dn, w.len, r->out, sizeof r->out);
    open_answer(r, MFW_SECURITY_GENERAL_GLO); /* the next counter */
    assert_int_equal(r->srv_ic, first + 1);
    assert_int_equal(mfw_dlms_server_cipher_notification(&r->s, dn, w.len, r->out, 20), 0);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(captured_exchange),
        cmocka_unit_test(failures_and_events),
        cmocka_unit_test(pre_established),
        cmocka_unit_test(key_transfer_and_policy),
        cmocka_unit_test(rights_against_the_object_list),
        cmocka_unit_test(data_notification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
