/* SPDX-License-Identifier: Apache-2.0 */
/* afe_link: the front end's sample frames (afe_link.h). */
#include "afe_link.h"

#include <string.h>

#include "meterfw/base/crc.h"

enum { RX_HUNT = 0, RX_SYNC1, RX_HEADER, RX_BODY };

#define HEADER_LEN 5u /* sync 2, type 1, len 2 */

void afe_link_rx_init(struct afe_link_rx *r)
{
    memset(r, 0, sizeof *r);
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned k = 8; k-- > 0;)
        v = (v << 8) | p[k];
    return v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (unsigned k = 0; k < 8; k++, v >>= 8)
        p[k] = (uint8_t)v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A signed 24-bit code, sign-extended. */
static int32_t get_s24(const uint8_t *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    return (int32_t)(u ^ 0x800000u) - 0x800000;
}

static void put_s24(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (uint8_t)u;
    p[1] = (uint8_t)(u >> 8);
    p[2] = (uint8_t)(u >> 16);
}

/* The channels of a set in frame order: V1 I1 IN, or V1 V2 V3 I1 I2 I3 IN. */
static int32_t *channel(struct mfw_adc_frame *f, unsigned channels, unsigned c)
{
    unsigned ph = (channels - 1u) / 2u;
    if (c < ph)
        return &f->v[c];
    if (c < 2u * ph)
        return &f->i[c - ph];
    return &f->i_n;
}

/* Checks and decodes the complete frame in r->buf (r->got bytes). */
static int decode(struct afe_link_rx *r, struct afe_link_frame *out)
{
    const uint8_t *b = r->buf;
    size_t len = (size_t)b[3] | (size_t)b[4] << 8;
    const uint8_t *p = b + HEADER_LEN;
    if (mfw_crc32(b + 2, 3u + len) != get_u32(p + len)) {
        r->crc_errors++;
        return AFE_LINK_E_CRC;
    }
    memset(out, 0, sizeof *out);
    out->type = b[2];
    if (out->type == AFE_LINK_END) {
        if (len != 8u) {
            r->length_errors++;
            return AFE_LINK_E_LENGTH;
        }
        out->t_ms = get_u64(p);
        r->frames++;
        return AFE_LINK_FRAME;
    }
    if (out->type != AFE_LINK_SAMPLES) {
        r->type_errors++;
        return AFE_LINK_E_TYPE;
    }
    if (len < AFE_LINK_SAMPLES_HEAD) {
        r->length_errors++;
        return AFE_LINK_E_LENGTH;
    }
    out->t_ms = get_u64(p);
    out->fs_hz = (uint16_t)(p[8] | p[9] << 8);
    out->channels = p[10];
    out->n = p[11];
    if ((out->channels != 3u && out->channels != AFE_LINK_CHANNELS_MAX) || out->n == 0 ||
        out->n > AFE_LINK_SETS_MAX ||
        len != AFE_LINK_SAMPLES_HEAD + (size_t)out->n * out->channels * 3u) {
        r->length_errors++;
        memset(out, 0, sizeof *out);
        return AFE_LINK_E_LENGTH;
    }
    const uint8_t *s = p + AFE_LINK_SAMPLES_HEAD;
    for (unsigned k = 0; k < out->n; k++)
        for (unsigned c = 0; c < out->channels; c++, s += 3)
            *channel(&out->sets[k], out->channels, c) = get_s24(s);
    r->frames++;
    return AFE_LINK_FRAME;
}

int afe_link_rx_byte(struct afe_link_rx *r, uint8_t b, struct afe_link_frame *out)
{
    switch (r->state) {
    case RX_HUNT:
        if (b == AFE_LINK_SYNC0) {
            r->buf[0] = b;
            r->state = RX_SYNC1;
        }
        return 0;
    case RX_SYNC1:
        if (b == AFE_LINK_SYNC1) {
            r->buf[1] = b;
            r->got = 2;
            r->state = RX_HEADER;
        } else if (b != AFE_LINK_SYNC0) {
            r->state = RX_HUNT;
        }
        return 0;
    case RX_HEADER: {
        r->buf[r->got++] = b;
        if (r->got < HEADER_LEN)
            return 0;
        size_t len = (size_t)r->buf[3] | (size_t)r->buf[4] << 8;
        if (len > AFE_LINK_PAYLOAD_MAX) {
            r->length_errors++;
            r->state = RX_HUNT;
            return AFE_LINK_E_LENGTH;
        }
        r->need = (uint16_t)(HEADER_LEN + len + 4u);
        r->state = RX_BODY;
        return 0;
    }
    default:
        r->buf[r->got++] = b; /* got < need <= sizeof buf: need is checked at the header */
        if (r->got < r->need)
            return 0;
        r->state = RX_HUNT;
        return decode(r, out);
    }
}

/* Type, length, payload in place at out + 2; adds sync and CRC. */
static size_t finish(uint8_t *out, uint8_t type, size_t len)
{
    out[0] = AFE_LINK_SYNC0;
    out[1] = AFE_LINK_SYNC1;
    out[2] = type;
    out[3] = (uint8_t)len;
    out[4] = (uint8_t)(len >> 8);
    uint32_t crc = mfw_crc32(out + 2, 3u + len);
    uint8_t *c = out + HEADER_LEN + len;
    for (unsigned k = 0; k < 4; k++, crc >>= 8)
        c[k] = (uint8_t)crc;
    return len + AFE_LINK_OVERHEAD;
}

size_t afe_link_encode_samples(uint8_t *out, size_t cap, uint64_t t_ms, uint16_t fs_hz,
                               uint8_t phases, const struct mfw_adc_frame *sets, size_t n)
{
    if ((phases != 1u && phases != 3u) || n == 0 || n > AFE_LINK_SETS_MAX || sets == NULL)
        return 0;
    unsigned channels = 2u * phases + 1u;
    size_t len = AFE_LINK_SAMPLES_HEAD + n * channels * 3u;
    if (out == NULL || cap < len + AFE_LINK_OVERHEAD)
        return 0;
    uint8_t *p = out + HEADER_LEN;
    put_u64(p, t_ms);
    p[8] = (uint8_t)fs_hz;
    p[9] = (uint8_t)(fs_hz >> 8);
    p[10] = (uint8_t)channels;
    p[11] = (uint8_t)n;
    uint8_t *s = p + AFE_LINK_SAMPLES_HEAD;
    for (size_t k = 0; k < n; k++) {
        struct mfw_adc_frame f = sets[k];
        for (unsigned c = 0; c < channels; c++, s += 3)
            put_s24(s, *channel(&f, channels, c));
    }
    return finish(out, AFE_LINK_SAMPLES, len);
}

size_t afe_link_encode_end(uint8_t *out, size_t cap, uint64_t t_ms)
{
    if (out == NULL || cap < AFE_LINK_OVERHEAD + 8u)
        return 0;
    put_u64(out + HEADER_LEN, t_ms);
    return finish(out, AFE_LINK_END, 8u);
}
