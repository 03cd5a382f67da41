/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the xDLMS request decoders (xdlms.h) and the whole DLMS server
 * (dlms_server.h + the COSEM object model) on one association of a meter on an emulated flash.
 *
 * Input: byte 0 selects the client (bit 0 set: public SAP 16, else management SAP 1 with LLS);
 * then frames of [length byte][APDU]. Each input starts on a fresh server: the AARQ of the client
 * is sent first, then every frame as an APDU of that association. The meter was run for six hours
 * once (so its profiles and logs have rows), and its settings and clock are put back before each
 * input, so an input replays alone.
 *
 * Checked, per APDU:
 *   - the decoders return MFW_OK or MFW_E_FORMAT, and views lie inside the input;
 *   - the server's answer fits the reply buffer, a GET answer fits the negotiated PDU size;
 *   - no crash, no sanitizer report (ASan/UBSan), under any sequence of GET/next/SET/ACTION;
 *   - a rejected request changes nothing: for anything but a SET or ACTION answered "success"
 *     (and for every answer to the public client) the meter's settings, clock offset, registers
 *     and profile / event log row counts are the same before and after. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/cosem/selective_access.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/dlms/xdlms.h"
#include "meterfw/meter/meter.h"
#include "seed_dir.h"
#include "sim/flash_emu.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1795561200000LL /* 2026-11-25 00:00 CET */
#define MIN_MS 60000LL

static const uint8_t aarq_public[] = {
    0x60, 0x1D, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xBE, 0x10, 0x04,
    0x0E, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x40, 0x1E, 0x1D, 0xFF, 0xFF};
/* LLS "00000001", client max PDU 256 (so that GETs go in blocks) */
static const uint8_t aarq_lls[] = {
    0x60, 0x36, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0x8A,
    0x02, 0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01, 0xAC, 0x0A,
    0x80, 0x08, '0',  '0',  '0',  '0',  '0',  '0',  '0',  '1',  0xBE, 0x10, 0x04, 0x0E,
    0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x40, 0x1E, 0x1D, 0x01, 0x00};

struct rig {
    struct flash_emu emu;
    uint8_t mem[256 * 4096];
    struct mfw_hal hal;
    struct mfw_meter_config cfg;
    struct mfw_meter m;
    struct mfw_meter_settings set0;
    int64_t offset0;
    struct mfw_cosem cosem;
    struct mfw_dlms_server s;
    uint8_t out[2048];
};

static struct rig *rig; /* the harness's own state (not firmware) */

static void run(struct mfw_meter *m, mfw_ms_t from, mfw_ms_t to)
{
    for (mfw_ms_t t = from; t < to; t += MIN_MS) {
        struct mfw_metrology_block b = {.duration_s = 60.0, .freq_hz = 50.0};
        for (int p = 0; p < 3; p++) {
            b.ph[p].vrms = 230.0;
            b.ph[p].irms = 2.0;
            b.ph[p].p = 460.0;
            b.ph[p].v_angle_deg = -120.0 * p;
        }
        mfw_meter_block(m, &b);
        mfw_meter_tick(m, t + MIN_MS);
    }
}

static void setup(void)
{
    rig = calloc(1, sizeof *rig);
    if (rig == NULL)
        abort();
    mfw_meter_default_config(&rig->cfg, MFW_METER_382M);
    /* the LLS association (off by default) with the password "00000001" of the AARQ used */
    rig->cfg.security.lls_enabled = true;
    memcpy(rig->cfg.security.lls, "00000001", 8);
    rig->cfg.security.lls_len = 8;
    if (flash_emu_init(&rig->emu, rig->mem, rig->cfg.store.sector_size, rig->cfg.store.sector_count,
                       rig->cfg.store.prog_size, 1) != MFW_OK)
        abort();
    flash_emu_erase_all(&rig->emu);
    flash_emu_hal(&rig->emu, &rig->hal);
    if (mfw_meter_init(&rig->m, &rig->cfg, &rig->hal, T0) != MFW_OK || !rig->m.persistent)
        abort();
    run(&rig->m, T0, T0 + 6 * 60 * MIN_MS);
    rig->set0 = rig->m.settings;
    rig->offset0 = rig->m.clock.offset_ms;
}

struct snap {
    struct mfw_meter_settings set;
    int64_t offset;
    struct mfw_meter_registers reg;
    uint32_t rows[MFW_PROF_COUNT + MFW_EVENTLOG_COUNT];
};

static void take(struct snap *s)
{
    struct mfw_meter *m = &rig->m;
    s->set = m->settings;
    s->offset = m->clock.offset_ms;
    s->reg = m->registers;
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++)
        s->rows[k] = mfw_profile_count(&m->profiles[k], &m->store);
    for (unsigned k = 0; k < MFW_EVENTLOG_COUNT; k++)
        s->rows[MFW_PROF_COUNT + k] =
            mfw_eventlog_count(&m->events, &m->store, (enum mfw_eventlog_id)k);
}

static void decoders(const uint8_t *p, size_t n)
{
    static struct mfw_xdlms_get_req g;
    static struct mfw_xdlms_set_req s;
    struct mfw_xdlms_action_req a;
    int r = mfw_xdlms_parse_get(p, n, &g);
    if (r != MFW_OK && r != MFW_E_FORMAT)
        abort();
    if (r == MFW_OK && g.kind != MFW_XDLMS_GET_NEXT) {
        for (unsigned i = 0; i < g.n; i++) {
            const struct mfw_bytes *b = &g.ref[i].params;
            if (b->len > 0 && (b->p < p || b->p + b->len > p + n))
                abort();
            struct mfw_selective_access_range rg;
            struct mfw_selective_access_entry en;
            if (g.ref[i].has_selection) {
                int x = mfw_selective_access_parse_range(b, &rg),
                    y = mfw_selective_access_parse_entry(b, &en);
                if ((x != MFW_OK && x != MFW_E_FORMAT) || (y != MFW_OK && y != MFW_E_FORMAT))
                    abort();
            }
        }
    }
    r = mfw_xdlms_parse_set(p, n, &s);
    if (r != MFW_OK && r != MFW_E_FORMAT)
        abort();
    if (r == MFW_OK && s.raw.len > 0 && (s.raw.p < p || s.raw.p + s.raw.len > p + n))
        abort();
    r = mfw_xdlms_parse_action(p, n, &a);
    if (r != MFW_OK && r != MFW_E_FORMAT)
        abort();
}

/* Did this answer report a change that was allowed to happen? */
static bool success_write(const uint8_t *o, size_t n)
{
    if (n >= 4 && o[0] == MFW_XDLMS_SET_RESPONSE && (o[1] == 1 || o[1] == 3))
        return o[3] == MFW_DAR_SUCCESS;
    if (n >= 4 && o[0] == MFW_XDLMS_SET_RESPONSE && o[1] == 5) {
        for (size_t k = 4; k < n; k++)
            if (o[k] == MFW_DAR_SUCCESS)
                return true;
        return false;
    }
    if (n >= 4 && o[0] == MFW_XDLMS_ACTION_RESPONSE)
        return o[3] == MFW_DAR_SUCCESS;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (rig == NULL)
        setup();
    if (size == 0)
        return 0;
    struct mfw_meter *m = &rig->m;
    /* the same starting point for every input */
    if (memcmp(&m->settings, &rig->set0, sizeof m->settings) != 0 &&
        mfw_meter_apply_settings(m, &rig->set0) != MFW_OK)
        abort();
    if (m->clock.offset_ms != rig->offset0)
        m->clock.offset_ms = rig->offset0;
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    if (mfw_cosem_init(&rig->cosem, m, &cc) != MFW_OK ||
        mfw_dlms_server_init(&rig->s, &rig->cosem, &dc) != MFW_OK)
        abort();
    bool pub = data[0] & 1;
    uint8_t sap = pub ? 16 : 1;
    size_t n = pub ? mfw_dlms_server_apdu(&rig->s, 0, sap, aarq_public, sizeof aarq_public,
                                          rig->out, sizeof rig->out)
                   : mfw_dlms_server_apdu(&rig->s, 0, sap, aarq_lls, sizeof aarq_lls, rig->out,
                                          sizeof rig->out);
    if (n == 0 || !rig->s.a[0].associated)
        abort();
    size_t max = rig->s.a[0].max_send;
    static struct snap before, after;
    for (size_t pos = 1; pos < size;) {
        size_t len = data[pos++];
        if (len > size - pos)
            len = size - pos;
        const uint8_t *apdu = data + pos;
        pos += len;
        if (len == 0)
            continue;
        decoders(apdu, len);
        take(&before);
        n = mfw_dlms_server_apdu(&rig->s, 0, sap, apdu, len, rig->out, sizeof rig->out);
        if (n > sizeof rig->out)
            abort();
        if (n > 0 && rig->out[0] == MFW_XDLMS_GET_RESPONSE && n > max)
            abort();
        take(&after);
        if ((pub || !success_write(rig->out, n)) &&
            (memcmp(&before.set, &after.set, sizeof before.set) != 0 ||
             before.offset != after.offset ||
             memcmp(&before.reg, &after.reg, sizeof before.reg) != 0 ||
             memcmp(before.rows, after.rows, sizeof before.rows) != 0))
            abort();
    }
    mfw_dlms_server_close(&rig->s, 0);
    return 0;
}

/* Seeds: byte 0 = client, then [len][APDU]... */
static const uint8_t seed_get_clock[] = {0x00, 13,   0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00,
                                         0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00};
static const uint8_t seed_objlist[] = {
    0x00, 13,   0xC0, 0x01, 0xC1, 0x00, 0x0F, 0x00, 0x00, 0x28, 0x00, 0x00, 0xFF, 0x02, 0x00, 7,
    0xC0, 0x02, 0xC1, 0x00, 0x00, 0x00, 0x01, 7,    0xC0, 0x02, 0xC1, 0x00, 0x00, 0x00, 0x02};
static const uint8_t seed_public_list[] = {0x01, 13,   0xC0, 0x01, 0xC1, 0x00, 0x0F, 0x00,
                                           0x00, 0x28, 0x00, 0x00, 0xFF, 0x02, 0x00};
static const uint8_t seed_entry[] = {
    0x00, 32,   0xC0, 0x01, 0xC1, 0x00, 0x07, 0x01, 0x00, 0x63, 0x01, 0x00, 0xFF, 0x02,
    0x01, 0x02, 0x02, 0x04, 0x06, 0x00, 0x00, 0x00, 0x01, 0x06, 0x00, 0x00, 0x00, 0x05,
    0x12, 0x00, 0x01, 0x12, 0x00, 0x00, 7,    0xC0, 0x02, 0xC1, 0x00, 0x00, 0x00, 0x01};
static const uint8_t seed_range[] = {
    0x00, 62,   0xC0, 0x01, 0xC1, 0x00, 0x07, 0x01, 0x00, 0x63, 0x01, 0x00, 0xFF, 0x02,
    0x01, 0x01, 0x02, 0x04, 0x02, 0x04, 0x12, 0x00, 0x08, 0x09, 0x06, 0x00, 0x00, 0x01,
    0x00, 0x00, 0xFF, 0x0F, 0x02, 0x12, 0x00, 0x00, 0x09, 0x0C, 0x07, 0xEA, 0x0B, 0x19,
    0x03, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xC4, 0x00, 0x09, 0x0C, 0x07, 0xEA, 0x0B, 0x19,
    0x03, 0x03, 0x00, 0x00, 0x00, 0xFF, 0xC4, 0x00, 0x01, 0x00};
static const uint8_t seed_writes[] = {
    0x00, 16,   0xC1, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF, 0x03,
    0x00, 0x10, 0xFF, 0x88, 16,   0xC3, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00,
    0x00, 0xFF, 0x06, 0x01, 0x10, 0x00, 0x0A, 15,   0xC3, 0x01, 0xC1, 0x00, 0x07, 0x01,
    0x00, 0x63, 0x01, 0x00, 0xFF, 0x01, 0x01, 0x0F, 0x00, 18,   0xC1, 0x01, 0xC1, 0x00,
    0x14, 0x00, 0x00, 0x0D, 0x00, 0x00, 0xFF, 0x06, 0x00, 0x09, 0x03, 0x4E, 0x45, 0x57};

static const struct {
    const char *name;
    const uint8_t *p;
    size_t n;
} seeds[] = {
    {"get-clock.bin", seed_get_clock, sizeof seed_get_clock},
    {"objlist-blocks.bin", seed_objlist, sizeof seed_objlist},
    {"public-objlist.bin", seed_public_list, sizeof seed_public_list},
    {"lp1-entry.bin", seed_entry, sizeof seed_entry},
    {"lp1-range.bin", seed_range, sizeof seed_range},
    {"writes.bin", seed_writes, sizeof seed_writes},
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        fuzz_seed_write("fuzz_xdlms", seeds[i].name, seeds[i].p, seeds[i].n);
    return 0;
}
