/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: HDLC frames built and checked independently of src/link (see hdlc_frames.h). */
#include "hdlc_frames.h"

#include <string.h>

uint16_t tf_crc(const uint8_t *p, size_t n)
{
    uint16_t c = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = (c & 1) ? (uint16_t)((c >> 1) ^ 0x8408) : (uint16_t)(c >> 1);
    }
    return (uint16_t)(c ^ 0xFFFF);
}

size_t tf_build(uint8_t *out, const uint8_t *dst, size_t dl, uint8_t src, uint8_t control,
                bool segmented, const uint8_t *info, size_t n)
{
    size_t k = 0, hdr = 2 + dl + 1 + 1, len = hdr + (n ? 2 + n : 0) + 2;
    out[k++] = 0x7E;
    out[k++] = (uint8_t)(0xA0 | (segmented ? 0x08 : 0) | (len >> 8));
    out[k++] = (uint8_t)len;
    memcpy(out + k, dst, dl);
    k += dl;
    out[k++] = src;
    out[k++] = control;
    if (n) {
        uint16_t h = tf_crc(out + 1, hdr);
        out[k++] = (uint8_t)h;
        out[k++] = (uint8_t)(h >> 8);
        memcpy(out + k, info, n);
        k += n;
    }
    uint16_t f = tf_crc(out + 1, k - 1);
    out[k++] = (uint8_t)f;
    out[k++] = (uint8_t)(f >> 8);
    out[k++] = 0x7E;
    return k;
}

const char *tf_parse(const uint8_t *p, size_t len, size_t srclen, struct tf_frame *f)
{
    memset(f, 0, sizeof *f);
    if (len < 9 || p[0] != 0x7E || p[len - 1] != 0x7E)
        return "no flags";
    if ((p[1] & 0xF0) != 0xA0)
        return "not frame format type 3";
    if ((size_t)(((p[1] & 7) << 8) | p[2]) != len - 2)
        return "the length field is not the bytes between the flags";
    f->segmented = (p[1] & 0x08) != 0;
    f->dst = p[3];
    if ((f->dst & 1) != 1)
        return "destination is not one byte";
    if (srclen < 1 || srclen > 4)
        return "bad source length";
    memcpy(f->src, p + 4, srclen);
    for (size_t k = 0; k + 1 < srclen; k++)
        if (f->src[k] & 1)
            return "source address ends early";
    if ((f->src[srclen - 1] & 1) != 1)
        return "source address does not end where expected";
    size_t hdr = 2 + 1 + srclen + 1;
    f->control = p[hdr];
    uint16_t fcs = tf_crc(p + 1, len - 4);
    if (p[len - 3] != (fcs & 0xFF) || p[len - 2] != (fcs >> 8))
        return "FCS";
    if (len - 2 == hdr + 2)
        return NULL; /* no information field */
    if (len - 2 < hdr + 2 + 2)
        return "too short for an HCS";
    uint16_t hcs = tf_crc(p + 1, hdr);
    if (p[1 + hdr] != (hcs & 0xFF) || p[2 + hdr] != (hcs >> 8))
        return "HCS";
    f->info = p + 3 + hdr;
    f->n = len - 2 - hdr - 2 - 2;
    return NULL;
}

size_t tf_span(const uint8_t *p, size_t n)
{
    if (n < 3 || p[0] != 0x7E || (p[1] & 0xF0) != 0xA0)
        return 0;
    size_t len = (size_t)(((p[1] & 7) << 8) | p[2]) + 2;
    return len <= n ? len : 0;
}
