/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: the HAN push reader (han_decode.h). */
#include "han_decode.h"

#include <string.h>

uint16_t hand_crc(const uint8_t *p, size_t n)
{
    uint16_t c = 0xFFFF;
    for (size_t k = 0; k < n; k++) {
        c ^= p[k];
        for (unsigned b = 0; b < 8; b++)
            c = (uint16_t)((c & 1u) ? ((unsigned)c >> 1) ^ 0x8408u : (unsigned)c >> 1);
    }
    return (uint16_t)~c;
}

int hand_apdu(const uint8_t *p, size_t n, struct hand *h)
{
    size_t k = 0;
#define NEED(x)                                                                                    \
    do {                                                                                           \
        if (k + (x) > n)                                                                           \
            return -1;                                                                             \
    } while (0)
    NEED(5 + 13 + 2);
    if (p[k++] != 0x0F)
        return -1;
    h->invoke = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
    k = 5;
    if (p[k] == 0x09) /* some meters tag the date-time as a Data */
        k++;
    if (p[k++] != 0x0C)
        return -1;
    memcpy(h->datetime, p + k, 12);
    k += 12;
    NEED(2);
    if (p[k++] != 0x02)
        return -1;
    unsigned count = p[k++];
    if (count < 1 || count % 2 != 1)
        return -1;
    NEED(2);
    if (p[k++] != 0x0A)
        return -1;
    size_t vl = p[k++];
    NEED(vl);
    if (vl >= sizeof h->version)
        return -1;
    memcpy(h->version, p + k, vl);
    h->version[vl] = '\0';
    k += vl;
    h->n = 0;
    for (unsigned i = 0; i < (count - 1) / 2; i++) {
        while (k < n && p[k] == 0x00) /* null-data between elements (seen in real frames) */
            k++;
        if (h->n >= HAND_ITEMS)
            return -1;
        struct hand_item *it = &h->item[h->n++];
        memset(it, 0, sizeof *it);
        NEED(8);
        if (p[k] != 0x09 || p[k + 1] != 6)
            return -1;
        memcpy(it->obis, p + k + 2, 6);
        k += 8;
        NEED(1);
        it->type = p[k++];
        switch (it->type) {
        case 0x06:
            NEED(4);
            it->u = (uint64_t)p[k] << 24 | (uint64_t)p[k + 1] << 16 | (uint64_t)p[k + 2] << 8 |
                    p[k + 3];
            k += 4;
            break;
        case 0x12:
            NEED(2);
            it->u = (uint64_t)p[k] << 8 | p[k + 1];
            k += 2;
            break;
        case 0x0A:
        case 0x09:
            NEED(1);
            it->len = p[k++];
            NEED(it->len);
            if (it->type == 0x0A) {
                if (it->len >= sizeof it->text)
                    return -1;
                memcpy(it->text, p + k, it->len);
            } else {
                if (it->len > sizeof it->octets)
                    return -1;
                memcpy(it->octets, p + k, it->len);
            }
            k += it->len;
            break;
        default: return -1;
        }
    }
    return k == n ? 0 : -1;
#undef NEED
}

int hand_frame(const uint8_t *f, size_t n, struct hand *h, bool apdu_too)
{
    memset(h, 0, sizeof *h);
    if (n < 9 || f[0] != 0x7E || (f[1] & 0xF0) != 0xA0)
        return -1;
    size_t len = ((size_t)(f[1] & 0x07) << 8) | f[2]; /* 11-bit length between the flags */
    if (len + 2 > n || f[len + 1] != 0x7E || len < 7)
        return -1;
    h->frame_len = len + 2;
    h->dst = f[3];
    h->src = f[4];
    h->control = f[5];
    if (!(h->dst & 1) || !(h->src & 1))
        return -1; /* 1-byte addresses (the lowest bit ends an address) */
    uint16_t hcs = (uint16_t)(f[6] | f[7] << 8), fcs = (uint16_t)(f[len - 1] | f[len] << 8);
    h->hcs_ok = hand_crc(f + 1, 5) == hcs;
    h->fcs_ok = hand_crc(f + 1, len - 2) == fcs;
    if (!h->hcs_ok || !h->fcs_ok)
        return -2;
    h->info = f + 8;
    h->info_len = len - 2 - 7;
    if (h->info_len < 3 || h->info[0] != 0xE6 || h->info[1] != 0xE7 || h->info[2] != 0x00)
        return -1;
    if (!apdu_too)
        return 0;
    return hand_apdu(h->info + 3, h->info_len - 3, h);
}

const struct hand_item *hand_get(const struct hand *h, uint8_t a, uint8_t b, uint8_t c, uint8_t d,
                                 uint8_t e)
{
    const uint8_t want[6] = {a, b, c, d, e, 255};
    for (size_t k = 0; k < h->n; k++)
        if (memcmp(h->item[k].obis, want, 6) == 0)
            return &h->item[k];
    return NULL;
}
