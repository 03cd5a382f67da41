/* SPDX-License-Identifier: Apache-2.0 */
/* wmbus: wireless M-Bus telegrams of the radio module (wmbus.h). */
#include "meterfw/link/wmbus.h"

#include <math.h>
#include <string.h>

#include "meterfw/base/crc.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/catalog.h"

void mfw_wmbus_default_config(struct mfw_wmbus_config *c)
{
    memset(c, 0, sizeof *c);
    c->period_s = 60;
}

int mfw_wmbus_init(struct mfw_wmbus *w, const struct mfw_wmbus_config *c)
{
    if (w == NULL || c == NULL || c->period_s < 1 || c->period_s > 86400)
        return MFW_E_ARG;
    memset(w, 0, sizeof *w);
    w->config = *c;
    return MFW_OK;
}

static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t watts(struct mfw_meter *m, uint16_t id)
{
    struct mfw_catalog_value v;
    mfw_meter_read_quantity(m, id, &v);
    double x = v.state == MFW_CATALOG_MEASURED ? v.si : 0.0;
    if (!(x > 0.0))
        return 0;
    return x >= 4294967295.0 ? UINT32_MAX : (uint32_t)llround(x);
}

static uint32_t energy_10wh(const struct mfw_meter *m, enum mfw_energy_qty q)
{
    uint64_t v = mfw_meter_energy_uwh(m, MFW_ENERGY_TOTAL, q) / 10000000u;
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

int mfw_wmbus_frame(struct mfw_wmbus *w, uint8_t *out, size_t cap, size_t *len)
{
    if (w == NULL || w->meter == NULL || out == NULL || len == NULL)
        return MFW_E_ARG;
    struct mfw_meter *m = w->meter;
    uint8_t f[64]; /* the frame without CRCs: 10 + 1 + 4 + 32 */
    size_t k = 0;
    f[k++] = 0;    /* L, below */
    f[k++] = 0x44; /* SND-NR (EN 13757-4) */
    /* M: three letters of 5 bits, (c1 - 64) << 10 | (c2 - 64) << 5 | (c3 - 64), LE: "MFW", the
     * flag this firmware uses (keys.h) */
    uint16_t man = (uint16_t)(('M' - 64) << 10 | ('F' - 64) << 5 | ('W' - 64));
    f[k++] = (uint8_t)man;
    f[k++] = (uint8_t)(man >> 8);
    /* ID: the serial's last 8 characters as BCD, least significant byte first */
    uint8_t digits[8] = {0};
    size_t sn = 0;
    while (sn < sizeof m->config.serial - 1 && m->config.serial[sn] != '\0')
        sn++;
    for (size_t d = 0; d < 8 && d < sn; d++) {
        char c = m->config.serial[sn - 1 - d];
        digits[d] = (uint8_t)(c >= '0' && c <= '9' ? c - '0' : 0);
    }
    for (size_t b = 0; b < 4; b++)
        f[k++] = (uint8_t)(digits[2 * b] | digits[2 * b + 1] << 4);
    f[k++] = 0x01; /* version */
    f[k++] = 0x02; /* device type: electricity */
    f[k++] = 0x7A; /* CI: short transport layer header */
    f[k++] = w->access;
    f[k++] = 0x00; /* status */
    size_t cfg_at = k;
    k += 2;
    size_t plain_at = k;
    static const uint8_t dif_vif[4][3] = {
        {0x04, 0x04, 0}, {0x04, 0x84, 0x3C}, {0x04, 0x2B, 0}, {0x04, 0xAB, 0x3C}};
    uint32_t v[4] = {energy_10wh(m, MFW_EQ_AP), energy_10wh(m, MFW_EQ_AM),
                     watts(m, MFW_CAT_PP_TOTAL), watts(m, MFW_CAT_PM_TOTAL)};
    f[k++] = 0x2F; /* OMS: an encrypted payload begins 2F 2F */
    f[k++] = 0x2F;
    for (unsigned r = 0; r < 4; r++) {
        f[k++] = dif_vif[r][0];
        f[k++] = dif_vif[r][1];
        if (dif_vif[r][2] != 0)
            f[k++] = dif_vif[r][2];
        le32(f + k, v[r]);
        k += 4;
    }
    size_t blocks = (k - plain_at + 15) / 16;
    while (k < plain_at + 16 * blocks)
        f[k++] = 0x2F; /* idle filler */
    uint16_t cfg = 0;
    if (w->config.encrypt) {
        const struct mfw_crypto_port *cp = m->hal != NULL ? m->hal->crypto : NULL;
        if (cp == NULL || cp->aes_cbc_encrypt == NULL)
            return MFW_E_STATE;
        /* OMS Vol. 2 / EN 13757-7 mode 5: IV = M A (as on the air) and ACC eight times */
        uint8_t iv[16];
        memcpy(iv, f + 2, 8);
        memset(iv + 8, w->access, 8);
        int rc = cp->aes_cbc_encrypt(cp->ctx, w->config.key, iv, f + plain_at, 16 * blocks,
                                     f + plain_at);
        if (rc != MFW_OK)
            return rc;
        cfg = (uint16_t)(0x0500u | (unsigned)blocks << 4);
    }
    f[cfg_at] = (uint8_t)cfg;
    f[cfg_at + 1] = (uint8_t)(cfg >> 8);
    f[0] = (uint8_t)(k - 1); /* L: the bytes after it, without CRCs */
    /* format A: block 1 = 10 bytes, then blocks of 16, each followed by its CRC (high first) */
    size_t o = 0, i = 0;
    while (i < k) {
        size_t n = i == 0 ? 10 : (k - i < 16 ? k - i : 16);
        if (o + n + 2 > cap)
            return MFW_E_NOSPACE;
        memcpy(out + o, f + i, n);
        uint16_t crc = mfw_crc16_en13757(f + i, n);
        out[o + n] = (uint8_t)(crc >> 8);
        out[o + n + 1] = (uint8_t)crc;
        o += n + 2;
        i += n;
    }
    w->access++;
    *len = o;
    return MFW_OK;
}

/* ---- the module: one hex line per telegram ---- */

static int wmbus_attach(void *ctx, struct mfw_meter *m, mfw_ms_t now)
{
    struct mfw_wmbus *w = ctx;
    w->meter = m;
    mfw_ms_t p = (mfw_ms_t)w->config.period_s * 1000;
    w->next = (now / p + 1) * p;
    return MFW_OK;
}

static void wmbus_detach(void *ctx)
{
    struct mfw_wmbus *w = ctx;
    w->meter = NULL;
}

static size_t wmbus_input(void *ctx, const uint8_t *b, size_t n, mfw_ms_t now)
{
    (void)b;
    (void)now;
    struct mfw_wmbus *w = ctx;
    w->st.bytes_in += n;
    w->st.refused_in += (uint32_t)n; /* SND-NR: the meter does not listen (mode T1/C1) */
    return n;
}

static size_t wmbus_output(void *ctx, mfw_ms_t now, uint8_t *out, size_t cap)
{
    struct mfw_wmbus *w = ctx;
    if (w->meter == NULL || now < w->next)
        return 0;
    mfw_ms_t p = (mfw_ms_t)w->config.period_s * 1000;
    w->next = (now / p + 1) * p;
    if (w->meter->down)
        return 0;
    uint8_t f[MFW_WMBUS_FRAME_MAX];
    size_t n = 0;
    int rc = mfw_wmbus_frame(w, f, sizeof f, &n);
    if (rc != MFW_OK || 2 * n + 1 > cap) {
        w->st.last_error = rc != MFW_OK ? rc : MFW_E_NOSPACE;
        return 0;
    }
    static const char hex[] = "0123456789ABCDEF";
    for (size_t k = 0; k < n; k++) {
        out[2 * k] = (uint8_t)hex[f[k] >> 4];
        out[2 * k + 1] = (uint8_t)hex[f[k] & 15u];
    }
    out[2 * n] = '\n';
    w->st.frames_out++;
    w->st.bytes_out += 2 * n + 1;
    return 2 * n + 1;
}

static mfw_ms_t wmbus_next_due(const void *ctx)
{
    const struct mfw_wmbus *w = ctx;
    return w->meter == NULL ? INT64_MAX : w->next;
}

static void wmbus_status(const void *ctx, struct mfw_module_status *st)
{
    const struct mfw_wmbus *w = ctx;
    *st = w->st;
    st->enabled = true;
}

const struct mfw_module_ops mfw_wmbus_module = {
    .kind = MFW_MODULE_RADIO,
    .attach = wmbus_attach,
    .detach = wmbus_detach,
    .input = wmbus_input,
    .output = wmbus_output,
    .next_due = wmbus_next_due,
    .status = wmbus_status,
};
