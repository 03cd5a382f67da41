/* SPDX-License-Identifier: Apache-2.0 */
/* Firmware update through the object model (meter/image.h, cosem_image.c): image transfer
 * 0.0.44.0.0.255 and the active firmware identifier 1.0.0.2.0.255 on a meter whose hal has an
 * image port. The port here is a test double over a RAM slot pair whose "signature" is a CRC-32
 * trailer (the real check, ECDSA P-256, is the port's: port/posix/image_slots.c). The A-XDR of
 * every request and expected answer is written out by hand from Blue Book IC 18 (firmware
 * reference section 3.1). Checked: the block size from the PDU, blocks out of order and resent,
 * the bit-string and the first missing block, verify with IDIS event 17 and the verified image's
 * info, activate, the power-up on trial that confirms itself (event 18, status 6, the new
 * identification), a damaged image (status 4, event 51 in the fraud log, no activation), the
 * public client's rights. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flash_emu.h"
#include "meterfw/base/crc.h"
#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/meter/eventlog.h"
#include "meterfw/meter/meter.h"

#define T0 1780315200000ll /* 2026-06-01T12:00:00Z */
#define SLOT 4096u
enum { PUB = MFW_COSEM_CLIENT_PUBLIC, MGMT = MFW_COSEM_CLIENT_MANAGEMENT };

static const uint8_t IT[6] = {0, 0, 44, 0, 0, 255};
static const uint8_t FWID[6] = {1, 0, 0, 2, 0, 255};

/* The test double: slots[active] runs, the other receives. An image is its identification, a
 * NUL, a body, and the CRC-32 of all that, little-endian. */
struct slots {
    uint8_t slot[2][SLOT];
    uint32_t size[2];
    unsigned active;
    bool trial, activated, confirm_fails;
    unsigned confirms;
};

static int p_begin(void *ctx, uint32_t size)
{
    struct slots *s = ctx;
    memset(s->slot[!s->active], 0xFF, SLOT);
    s->size[!s->active] = size;
    return MFW_OK;
}

static int p_write(void *ctx, uint32_t off, const uint8_t *d, size_t n)
{
    struct slots *s = ctx;
    if (off > SLOT || n > SLOT - off)
        return MFW_E_IO;
    memcpy(s->slot[!s->active] + off, d, n);
    return MFW_OK;
}

static int ident(const uint8_t *img, uint32_t size, uint8_t *id, size_t cap, size_t *n)
{
    if (size < 5)
        return MFW_E_FORMAT;
    uint32_t crc = (uint32_t)img[size - 4] | (uint32_t)img[size - 3] << 8 |
                   (uint32_t)img[size - 2] << 16 | (uint32_t)img[size - 1] << 24;
    if (mfw_crc32(img, size - 4) != crc)
        return MFW_E_AUTH;
    const uint8_t *z = memchr(img, 0, size - 4);
    if (z == NULL || (size_t)(z - img) > cap)
        return MFW_E_FORMAT;
    *n = (size_t)(z - img);
    memcpy(id, img, *n);
    return MFW_OK;
}

static int p_verify(void *ctx, uint32_t size, uint8_t *id, size_t cap, size_t *n)
{
    struct slots *s = ctx;
    return ident(s->slot[!s->active], size, id, cap, n);
}

static int p_activate(void *ctx)
{
    struct slots *s = ctx;
    s->activated = true;
    return MFW_OK;
}

static int p_running(void *ctx, uint8_t *id, size_t cap, size_t *n, bool *trial)
{
    struct slots *s = ctx;
    *trial = s->trial;
    return ident(s->slot[s->active], s->size[s->active], id, cap, n);
}

static int p_confirm(void *ctx)
{
    struct slots *s = ctx;
    s->confirms++;
    if (s->confirm_fails)
        return MFW_E_IO;
    s->trial = false;
    return MFW_OK;
}

/* An image: "id\0" + body + CRC-32. */
static uint32_t make_image(uint8_t *out, const char *id, uint32_t body)
{
    size_t n = strlen(id) + 1;
    memcpy(out, id, n);
    for (uint32_t k = 0; k < body; k++)
        out[n + k] = (uint8_t)(k * 7u + 3u);
    uint32_t len = (uint32_t)n + body;
    uint32_t crc = mfw_crc32(out, len);
    for (unsigned k = 0; k < 4; k++)
        out[len + k] = (uint8_t)(crc >> (8 * k));
    return len + 4;
}

struct rig {
    struct slots s;
    struct mfw_image_port port;
    struct flash_emu fe;
    uint8_t *mem;
    struct mfw_hal hal;
    struct mfw_meter_config cfg;
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_cosem_session ses[2];
    struct mfw_cosem_ctx ctx[2];
};

static void rig_boot(struct rig *r, mfw_ms_t t)
{
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, t), MFW_OK);
    mfw_meter_tick(&r->m, t);
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    assert_int_equal(mfw_cosem_init(&r->cosem, &r->m, &cc), MFW_OK);
    for (unsigned k = 0; k < 2; k++) {
        r->ses[k].client = (uint8_t)k;
        r->ses[k].client_sap = k == PUB ? 16 : 1;
        r->ses[k].mechanism = k == MGMT ? 5 : 0; /* HLS-GMAC: a firmware update is a switch */
        r->ctx[k].cosem = &r->cosem;
        r->ctx[k].ses = &r->ses[k];
    }
}

static struct rig *rig_new(void)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->s.size[0] = make_image(r->s.slot[0], "meterfw-0.1.0", 100);
    r->port = (struct mfw_image_port){&r->s,    SLOT,       p_begin,   p_write,
                                      p_verify, p_activate, p_running, p_confirm};
    mfw_meter_default_config(&r->cfg, MFW_METER_162M);
    uint32_t ss = r->cfg.store.sector_size, sc = r->cfg.store.sector_count;
    r->mem = malloc((size_t)ss * sc);
    assert_non_null(r->mem);
    assert_int_equal(flash_emu_init(&r->fe, r->mem, ss, sc, r->cfg.store.prog_size, 1), MFW_OK);
    flash_emu_erase_all(&r->fe);
    flash_emu_hal(&r->fe, &r->hal);
    r->hal.image = &r->port;
    assert_int_equal(mfw_store_format(&r->cfg.store, &r->hal), MFW_OK);
    rig_boot(r, T0);
    return r;
}

static void rig_free(struct rig *r)
{
    free(r->mem);
    free(r);
}

static struct mfw_cosem_ref ref_of(uint16_t cls, const uint8_t ln[6], int id)
{
    struct mfw_cosem_ref ref;
    memset(&ref, 0, sizeof ref);
    ref.class_id = cls;
    memcpy(ref.obis, ln, 6);
    ref.id = (int8_t)id;
    return ref;
}

/* GET of a one-item attribute into out: its length, or -DAR. */
static int get(struct rig *r, unsigned client, uint16_t cls, const uint8_t ln[6], int id,
               uint8_t *out, size_t cap)
{
    struct mfw_cosem_ref ref = ref_of(cls, ln, id);
    struct mfw_cosem_stream st;
    int dar = mfw_cosem_get_open(&r->ctx[client], &ref, &st);
    if (dar != 0)
        return -dar;
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, out, cap);
    mfw_cosem_get_header(&r->ctx[client], &st, &w);
    for (uint32_t i = 0; i < st.items; i++)
        assert_int_equal(mfw_cosem_get_item(&r->ctx[client], &st, i, &w), 0);
    assert_false(w.err);
    return (int)w.len;
}

static int act(struct rig *r, unsigned client, int method, const uint8_t *p, size_t n)
{
    struct mfw_cosem_ref ref = ref_of(MFW_IC_IMAGE_TRANSFER, IT, method);
    uint8_t ret[16];
    struct mfw_wcursor w;
    bool has_ret = false;
    mfw_wcursor_init(&w, ret, sizeof ret);
    return mfw_cosem_action(&r->ctx[client], &ref, p, n, &w, &has_ret);
}

static int status(struct rig *r)
{
    uint8_t b[8];
    assert_int_equal(get(r, MGMT, 18, IT, 6, b, sizeof b), 2);
    assert_int_equal(b[0], 0x16); /* enum */
    return b[1];
}

/* initiate: structure {octet-string id, double-long-unsigned size} */
static int initiate(struct rig *r, const char *id, uint32_t size)
{
    uint8_t p[64];
    size_t n = strlen(id), k = 0;
    p[k++] = 0x02;
    p[k++] = 0x02;
    p[k++] = 0x09;
    p[k++] = (uint8_t)n;
    memcpy(p + k, id, n);
    k += n;
    p[k++] = 0x06;
    for (int s = 24; s >= 0; s -= 8)
        p[k++] = (uint8_t)(size >> s);
    return act(r, MGMT, 1, p, k);
}

/* block: structure {double-long-unsigned n, octet-string value} (length in 0x82 form) */
static int block(struct rig *r, uint32_t bn, const uint8_t *d, size_t len)
{
    static uint8_t p[2048];
    size_t k = 0;
    p[k++] = 0x02;
    p[k++] = 0x02;
    p[k++] = 0x06;
    for (int s = 24; s >= 0; s -= 8)
        p[k++] = (uint8_t)(bn >> s);
    p[k++] = 0x09;
    p[k++] = 0x82;
    p[k++] = (uint8_t)(len >> 8);
    p[k++] = (uint8_t)len;
    memcpy(p + k, d, len);
    return act(r, MGMT, 2, p, k + len);
}

static const uint8_t zero_i8[] = {0x0F, 0x00}; /* integer(0) */

static bool logged(struct rig *r, enum mfw_eventlog_id log, uint16_t code)
{
    uint32_t n = mfw_meter_eventlog_count(&r->m, log);
    for (uint32_t k = 0; k < n; k++) {
        struct mfw_eventlog_entry e;
        if (mfw_meter_eventlog_read(&r->m, log, k, &e) == MFW_OK && e.code == code)
            return true;
    }
    return false;
}

static void transfer_verify_activate_confirm(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    uint8_t b[600];
    /* the running image's identification, to the public client too */
    static const uint8_t id0[] = {0x09, 13,  'm', 'e', 't', 'e', 'r', 'f',
                                  'w',  '-', '0', '.', '1', '.', '0'};
    assert_int_equal(get(r, PUB, 1, FWID, 2, b, sizeof b), sizeof id0);
    assert_memory_equal(b, id0, sizeof id0);
    /* block size: the host's 1024-byte PDU less 64, a multiple of 16: 960 = 0x3C0 */
    static const uint8_t bs[] = {0x06, 0x00, 0x00, 0x03, 0xC0};
    assert_int_equal(get(r, MGMT, 18, IT, 2, b, sizeof b), sizeof bs);
    assert_memory_equal(b, bs, sizeof bs);
    static const uint8_t enabled[] = {0x03, 0x01};
    assert_int_equal(get(r, MGMT, 18, IT, 5, b, sizeof b), 2);
    assert_memory_equal(b, enabled, 2);
    assert_int_equal(status(r), 0);

    static uint8_t img[SLOT];
    uint32_t size = make_image(img, "meterfw-0.2.0", 2000); /* 14 + 2000 + 4 = 2018 bytes */
    assert_int_equal(size, 2018);
    /* in an LLS association of the same client the methods are refused (docs/security.md) */
    r->ses[MGMT].mechanism = 1;
    assert_int_equal(initiate(r, "MFW0.2.0", size), MFW_DAR_READ_WRITE_DENIED);
    assert_int_equal(status(r), 0);
    r->ses[MGMT].mechanism = 5;
    assert_int_equal(initiate(r, "MFW0.2.0", size), MFW_DAR_SUCCESS);
    assert_int_equal(status(r), 1);
    /* 3 blocks: 960, 960, 98; the last first, then block 0 twice */
    assert_int_equal(block(r, 2, img + 1920, 98), MFW_DAR_SUCCESS);
    assert_int_equal(block(r, 0, img, 960), MFW_DAR_SUCCESS);
    assert_int_equal(block(r, 0, img, 960), MFW_DAR_SUCCESS);
    /* a wrong length, a block past the end */
    assert_int_equal(block(r, 1, img + 960, 959), MFW_DAR_OTHER_REASON);
    assert_int_equal(block(r, 3, img, 10), MFW_DAR_OTHER_REASON);
    /* bit-string of 3 bits, blocks 0 and 2: 1 0 1 -> 0xA0; the first missing is 1 */
    static const uint8_t bits[] = {0x04, 0x03, 0xA0};
    assert_int_equal(get(r, MGMT, 18, IT, 3, b, sizeof b), sizeof bits);
    assert_memory_equal(b, bits, sizeof bits);
    static const uint8_t first[] = {0x06, 0, 0, 0, 1};
    assert_int_equal(get(r, MGMT, 18, IT, 4, b, sizeof b), sizeof first);
    assert_memory_equal(b, first, sizeof first);
    /* nothing to activate yet (the info is empty) */
    static const uint8_t empty[] = {0x01, 0x00};
    assert_int_equal(get(r, MGMT, 18, IT, 7, b, sizeof b), 2);
    assert_memory_equal(b, empty, 2);
    assert_int_equal(block(r, 1, img + 960, 960), MFW_DAR_SUCCESS);
    static const uint8_t first3[] = {0x06, 0, 0, 0, 3};
    assert_int_equal(get(r, MGMT, 18, IT, 4, b, sizeof b), sizeof first3);
    assert_memory_equal(b, first3, sizeof first3);
    /* the public client may not act */
    assert_int_not_equal(act(r, PUB, 3, zero_i8, 2), MFW_DAR_SUCCESS);
    assert_int_equal(act(r, MGMT, 3, zero_i8, 2), MFW_DAR_SUCCESS);
    assert_int_equal(status(r), 3);
    assert_true(logged(r, MFW_EVENTLOG_STANDARD, MFW_EVENT_FW_READY));
    /* array {structure {2018, "meterfw-0.2.0", ""}} */
    static const uint8_t info[] = {0x01, 0x01, 0x02, 0x03, 0x06, 0x00, 0x00, 0x07, 0xE2,
                                   0x09, 13,   'm',  'e',  't',  'e',  'r',  'f',  'w',
                                   '-',  '0',  '.',  '2',  '.',  '0',  0x09, 0x00};
    assert_int_equal(get(r, MGMT, 18, IT, 7, b, sizeof b), sizeof info);
    assert_memory_equal(b, info, sizeof info);
    assert_int_equal(act(r, MGMT, 4, zero_i8, 2), MFW_DAR_SUCCESS);
    assert_true(r->s.activated);
    assert_int_equal(status(r), 5);

    /* the port boots the new image on trial; the meter comes up, confirms it, logs 18 */
    r->s.active = 1;
    r->s.trial = true;
    rig_boot(r, T0 + 60000);
    assert_int_equal(r->s.confirms, 1);
    assert_false(r->s.trial);
    assert_int_equal(status(r), 6);
    assert_true(logged(r, MFW_EVENTLOG_STANDARD, MFW_EVENT_FW_ACTIVATED));
    static const uint8_t id1[] = {0x09, 13,  'm', 'e', 't', 'e', 'r', 'f',
                                  'w',  '-', '0', '.', '2', '.', '0'};
    assert_int_equal(get(r, PUB, 1, FWID, 2, b, sizeof b), sizeof id1);
    assert_memory_equal(b, id1, sizeof id1);
    rig_free(r);
}

static void damaged_image_is_refused(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    static uint8_t img[SLOT];
    uint32_t size = make_image(img, "evil", 500);
    img[100] ^= 0x01; /* one bit after the signing */
    /* activate before everything is in: refused, nothing activated */
    assert_int_equal(initiate(r, "X", size), MFW_DAR_SUCCESS);
    assert_int_equal(act(r, MGMT, 4, zero_i8, 2), MFW_DAR_TEMPORARY_FAILURE);
    assert_int_equal(status(r), 4);
    assert_int_equal(initiate(r, "X", size), MFW_DAR_SUCCESS);
    assert_int_equal(block(r, 0, img, size), MFW_DAR_SUCCESS);
    assert_int_not_equal(act(r, MGMT, 3, zero_i8, 2), MFW_DAR_SUCCESS);
    assert_int_equal(status(r), 4);
    assert_true(logged(r, MFW_EVENTLOG_FRAUD, MFW_EVENT_FW_VERIFICATION_FAILED));
    assert_false(logged(r, MFW_EVENTLOG_STANDARD, MFW_EVENT_FW_READY));
    assert_int_equal(act(r, MGMT, 4, zero_i8, 2), MFW_DAR_TEMPORARY_FAILURE);
    assert_false(r->s.activated);
    /* an image larger than the slot, and a block before any initiate on a new boot */
    assert_int_equal(initiate(r, "X", SLOT + 1), MFW_DAR_OTHER_REASON);
    rig_boot(r, T0 + 1000);
    assert_int_equal(block(r, 0, img, 10), MFW_DAR_TEMPORARY_FAILURE);
    rig_free(r);
}

static void unconfirmed_trial_logs_nothing(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    /* a trial boot whose confirm fails: no event 18, the port rolls back at the next boot */
    r->s.trial = true;
    r->s.confirm_fails = true;
    rig_boot(r, T0 + 1000);
    assert_int_equal(r->s.confirms, 1);
    assert_false(logged(r, MFW_EVENTLOG_STANDARD, MFW_EVENT_FW_ACTIVATED));
    assert_int_equal(status(r), 0);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transfer_verify_activate_confirm),
        cmocka_unit_test(damaged_image_is_refused),
        cmocka_unit_test(unconfirmed_trial_logs_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
