/* SPDX-License-Identifier: Apache-2.0 */
/* hdlc: IEC 62056-46 frames, SNRM/UA negotiation and the secondary station (see
 * include/meterfw/link/hdlc.h). Clauses are IEC 62056-46:2002 with Amd. 1 and the Green Book's
 * HDLC chapter (DLMS UA 1000-2 Ed. 8, 8.4) [M], on ISO/IEC 13239. */
#include "meterfw/link/hdlc.h"

#include <string.h>

#include "meterfw/base/crc.h"
#include "meterfw/base/error.h"

/* ---- addresses ------------------------------------------------------------------------------- */

size_t mfw_hdlc_address_encode(const struct mfw_hdlc_address *a, uint8_t out[4])
{
    unsigned size = a->size;
    if (size == 0)
        size = a->lower == 0 ? 1u : (a->upper < 0x80u && a->lower < 0x80u ? 2u : 4u);
    /* IEC 62056-46 6.4.2.2 [M]: extended addressing, 7 bits a byte, b0 = 1 on the last byte */
    switch (size) {
    case 1:
        if (a->upper >= 0x80u || a->lower != 0)
            return 0;
        out[0] = (uint8_t)(a->upper << 1 | 1u);
        return 1;
    case 2:
        if (a->upper >= 0x80u || a->lower >= 0x80u)
            return 0;
        out[0] = (uint8_t)(a->upper << 1);
        out[1] = (uint8_t)(a->lower << 1 | 1u);
        return 2;
    case 4:
        if (a->upper >= 0x4000u || a->lower >= 0x4000u)
            return 0;
        out[0] = (uint8_t)((a->upper >> 7) << 1);
        out[1] = (uint8_t)((a->upper & 0x7Fu) << 1);
        out[2] = (uint8_t)((a->lower >> 7) << 1);
        out[3] = (uint8_t)((a->lower & 0x7Fu) << 1 | 1u);
        return 4;
    default: return 0;
    }
}

bool mfw_hdlc_address_decode(const uint8_t *b, size_t len, struct mfw_hdlc_address *a)
{
    memset(a, 0, sizeof *a);
    switch (len) {
    case 1: a->upper = (uint16_t)(b[0] >> 1); break;
    case 2:
        a->upper = (uint16_t)(b[0] >> 1);
        a->lower = (uint16_t)(b[1] >> 1);
        break;
    case 4:
        a->upper = (uint16_t)((b[0] >> 1) << 7 | b[1] >> 1);
        a->lower = (uint16_t)((b[2] >> 1) << 7 | b[3] >> 1);
        break;
    default: return false;
    }
    a->size = (uint8_t)len;
    return true;
}

/* ---- the receiver ---------------------------------------------------------------------------- */

void mfw_hdlc_rx_init(struct mfw_hdlc_rx *rx, uint8_t *target, size_t cap)
{
    memset(rx, 0, sizeof *rx);
    rx->target = target;
    rx->cap = target != NULL ? cap : 0;
}

void mfw_hdlc_rx_target(struct mfw_hdlc_rx *rx, uint8_t *target, size_t cap)
{
    if (rx->state == MFW_HDLC_RX_INFO || rx->state == MFW_HDLC_RX_FCS ||
        rx->state == MFW_HDLC_RX_CLOSE)
        return; /* the frame in progress keeps its information field where it is */
    rx->target = target;
    rx->cap = target != NULL ? cap : 0;
}

bool mfw_hdlc_rx_in_frame(const struct mfw_hdlc_rx *rx)
{
    return rx->state >= MFW_HDLC_RX_FORMAT2;
}

void mfw_hdlc_rx_spoil(struct mfw_hdlc_rx *rx)
{
    if (rx->state >= MFW_HDLC_RX_INFO && rx->info_len > 0)
        rx->truncated = true;
}

/* Drops the frame in progress; the byte that broke it is not a flag (or it would be kept). */
static void rx_drop(struct mfw_hdlc_rx *rx, uint32_t *counter)
{
    (*counter)++;
    rx->state = MFW_HDLC_RX_HUNT;
}

static void rx_crc(struct mfw_hdlc_rx *rx, const uint8_t *p, size_t n)
{
    rx->crc = mfw_crc16_x25_update(rx->crc, p, n);
}

/* The header bytes between format and control (format .. control), the minimum length. */
static unsigned rx_header_len(const struct mfw_hdlc_rx *rx)
{
    return 2u + rx->dst_len + rx->src_len + 1u;
}

int mfw_hdlc_rx_feed(struct mfw_hdlc_rx *rx, const uint8_t *bytes, size_t n, mfw_ms_t now,
                     size_t *consumed, struct mfw_hdlc_frame *f)
{
    if (consumed != NULL)
        *consumed = 0;
    if (rx == NULL || consumed == NULL || f == NULL || (bytes == NULL && n != 0))
        return MFW_E_ARG;
    size_t i = 0;
    while (i < n) {
        /* IEC 62056-46 [M] (inter_octet_time_out, IC 23 attribute 7): a longer silence inside a
         * frame ends it; the receiver hunts for a flag again. */
        if (rx->inter_octet_ms > 0 && mfw_hdlc_rx_in_frame(rx) &&
            now - rx->last_at > (mfw_ms_t)rx->inter_octet_ms) {
            rx->stats.inter_octet++;
            rx->state = MFW_HDLC_RX_HUNT;
        }
        rx->last_at = now;
        uint8_t b = bytes[i];
        switch (rx->state) {
        case MFW_HDLC_RX_HUNT:
            i++;
            if (b == MFW_HDLC_FLAG)
                rx->state = MFW_HDLC_RX_FLAG;
            else
                rx->stats.skipped++;
            break;
        case MFW_HDLC_RX_FLAG:
            i++;
            if (b == MFW_HDLC_FLAG)
                break; /* idle flags, or a flag shared by two frames (ISO/IEC 13239 [M]) */
            if ((b & 0xF0u) != MFW_HDLC_FORMAT_TYPE3) {
                rx_drop(rx, &rx->stats.bad_format); /* not frame format type 3 */
                break;
            }
            rx->hdr[0] = b;
            rx->hdr_len = 1;
            rx->segmented = (b & MFW_HDLC_SEGMENTED) != 0;
            rx->length = (uint16_t)((b & 0x07u) << 8);
            rx->crc = 0;
            rx_crc(rx, &b, 1);
            rx->state = MFW_HDLC_RX_FORMAT2;
            break;
        case MFW_HDLC_RX_FORMAT2:
            i++;
            rx->hdr[rx->hdr_len++] = b;
            rx->length = (uint16_t)(rx->length | b);
            rx->got = 2;
            rx_crc(rx, &b, 1);
            rx->dst_len = rx->src_len = 0;
            rx->info_len = 0;
            rx->truncated = false;
            rx->fcs_have = 0;
            /* the shortest frame: format 2, two 1-byte addresses, control, FCS 2 */
            if (rx->length < 7u)
                rx_drop(rx, &rx->stats.bad_format);
            else
                rx->state = MFW_HDLC_RX_DST;
            break;
        case MFW_HDLC_RX_DST:
        case MFW_HDLC_RX_SRC: {
            i++;
            rx->hdr[rx->hdr_len++] = b;
            rx->got++;
            rx_crc(rx, &b, 1);
            uint8_t *len = rx->state == MFW_HDLC_RX_DST ? &rx->dst_len : &rx->src_len;
            (*len)++;
            if (b & 1u) {
                /* an address is 1, 2 or 4 bytes (IEC 62056-46 6.4.2.2 [M]) */
                if (*len == 3)
                    rx_drop(rx, &rx->stats.bad_format);
                else
                    rx->state =
                        rx->state == MFW_HDLC_RX_DST ? MFW_HDLC_RX_SRC : MFW_HDLC_RX_CONTROL;
            } else if (*len >= 4) {
                rx_drop(rx, &rx->stats.bad_format);
            }
            if (rx->state != MFW_HDLC_RX_HUNT && rx->got + 3u > rx->length)
                rx_drop(rx, &rx->stats.bad_format); /* no room left for control and FCS */
            break;
        }
        case MFW_HDLC_RX_CONTROL: {
            i++;
            rx->hdr[rx->hdr_len++] = b;
            rx->got++;
            rx_crc(rx, &b, 1);
            unsigned min = rx_header_len(rx) + 2u; /* + FCS */
            if (rx->length == min)
                rx->state = MFW_HDLC_RX_FCS; /* no information field, no HCS */
            else if (rx->length >= min + 2u)
                rx->state = MFW_HDLC_RX_HCS;
            else
                rx_drop(rx, &rx->stats.bad_format);
            break;
        }
        case MFW_HDLC_RX_HCS:
        case MFW_HDLC_RX_FCS: {
            i++;
            rx->fcs[rx->fcs_have++] = b;
            rx->got++;
            if (rx->fcs_have < 2)
                break;
            /* the CRC goes on the line low byte first */
            uint16_t want = (uint16_t)(rx->fcs[0] | rx->fcs[1] << 8);
            rx->fcs_have = 0;
            if (want != rx->crc) {
                rx_drop(rx, rx->state == MFW_HDLC_RX_HCS ? &rx->stats.bad_hcs : &rx->stats.bad_fcs);
                break;
            }
            rx_crc(rx, rx->fcs, 2); /* the FCS covers the HCS too */
            if (rx->state == MFW_HDLC_RX_FCS)
                rx->state = MFW_HDLC_RX_CLOSE;
            else
                rx->state = rx->got + 2u == rx->length ? MFW_HDLC_RX_FCS : MFW_HDLC_RX_INFO;
            break;
        }
        case MFW_HDLC_RX_INFO: {
            /* the information field ends 2 bytes (the FCS) before the announced length */
            size_t need = (size_t)rx->length - 2u - rx->got, take = n - i < need ? n - i : need;
            if (!rx->truncated && rx->info_len + take <= rx->cap)
                memcpy(rx->target + rx->info_len, bytes + i, take);
            else
                rx->truncated = true;
            rx_crc(rx, bytes + i, take);
            rx->info_len += take;
            rx->got = (uint16_t)(rx->got + take);
            i += take;
            if (rx->got + 2u == rx->length)
                rx->state = MFW_HDLC_RX_FCS;
            break;
        }
        case MFW_HDLC_RX_CLOSE:
        default:
            if (b != MFW_HDLC_FLAG) {
                i++;
                rx_drop(rx, &rx->stats.bad_close); /* the length and the flags disagree */
                break;
            }
            i++; /* the closing flag; it may also open the next frame */
            rx->state = MFW_HDLC_RX_FLAG;
            memset(f, 0, sizeof *f);
            memcpy(f->dst, rx->hdr + 2, rx->dst_len);
            memcpy(f->src, rx->hdr + 2 + rx->dst_len, rx->src_len);
            f->dst_len = rx->dst_len;
            f->src_len = rx->src_len;
            f->control = rx->hdr[rx_header_len(rx) - 1u];
            f->segmented = rx->segmented;
            f->info_len = rx->info_len;
            f->truncated = rx->truncated;
            f->info = rx->truncated || rx->info_len == 0 ? NULL : rx->target;
            rx->stats.frames++;
            *consumed = i;
            return 1;
        }
    }
    *consumed = i;
    return 0;
}

/* ---- the encoder ----------------------------------------------------------------------------- */

static bool address_len_ok(size_t n)
{
    return n == 1 || n == 2 || n == 4;
}

int mfw_hdlc_encode(struct mfw_wcursor *w, const uint8_t *dst, size_t dst_len, const uint8_t *src,
                    size_t src_len, uint8_t control, bool segmented, const uint8_t *info,
                    size_t info_len)
{
    if (w == NULL || dst == NULL || src == NULL || !address_len_ok(dst_len) ||
        !address_len_ok(src_len) || (info == NULL && info_len > 0))
        return MFW_E_ARG;
    size_t hdr = 2 + dst_len + src_len + 1;
    size_t length = hdr + (info_len > 0 ? 2 + info_len : 0) + 2;
    if (length > MFW_HDLC_LENGTH_MAX)
        return MFW_E_ARG;
    if (w->err || w->cap - w->len < length + 2) {
        w->err = MFW_E_NOSPACE;
        return MFW_E_NOSPACE;
    }
    uint8_t *start = w->p + w->len;
    mfw_wcursor_u8(w, MFW_HDLC_FLAG);
    /* IEC 62056-46 6.4.1 [M]: format type 3 (1010), the segmentation bit, the 11-bit length */
    mfw_wcursor_u8(w, (uint8_t)(MFW_HDLC_FORMAT_TYPE3 | (segmented ? MFW_HDLC_SEGMENTED : 0) |
                                ((length >> 8) & 0x07u)));
    mfw_wcursor_u8(w, (uint8_t)(length & 0xFFu));
    mfw_wcursor_bytes(w, dst, dst_len);
    mfw_wcursor_bytes(w, src, src_len);
    mfw_wcursor_u8(w, control);
    /* HCS over format .. control, present only with an information field; FCS over format ..
     * the last information byte, HCS included; both CRC-16/X.25, low byte first */
    uint16_t crc = mfw_crc16_x25(start + 1, hdr);
    if (info_len > 0) {
        mfw_wcursor_u8(w, (uint8_t)(crc & 0xFFu));
        mfw_wcursor_u8(w, (uint8_t)(crc >> 8));
        mfw_wcursor_bytes(w, info, info_len);
        crc = mfw_crc16_x25(start + 1, hdr + 2 + info_len);
    }
    mfw_wcursor_u8(w, (uint8_t)(crc & 0xFFu));
    mfw_wcursor_u8(w, (uint8_t)(crc >> 8));
    mfw_wcursor_u8(w, MFW_HDLC_FLAG);
    return w->err;
}

/* ---- negotiation ----------------------------------------------------------------------------- */

void mfw_hdlc_params_default(struct mfw_hdlc_params *p)
{
    p->info_tx = p->info_rx = MFW_HDLC_DEFAULT_INFO;
    p->window_tx = p->window_rx = MFW_HDLC_DEFAULT_WINDOW;
}

int mfw_hdlc_params_decode(const uint8_t *info, size_t len, struct mfw_hdlc_params *p)
{
    struct mfw_hdlc_params v;
    mfw_hdlc_params_default(&v);
    if (len > 0) {
        /* IEC 62056-46 6.4.4.4.3.2 [M]: format identifier 81, group identifier 80, group length */
        if (info == NULL || len < 3 || info[0] != 0x81u || info[1] != 0x80u ||
            (size_t)info[2] > len - 3)
            return MFW_E_FORMAT;
        size_t end = 3u + info[2];
        for (size_t k = 3; k < end;) {
            if (end - k < 2)
                return MFW_E_FORMAT;
            uint8_t id = info[k], n = info[k + 1];
            k += 2;
            if (n > 4 || n > end - k)
                return MFW_E_FORMAT;
            uint32_t value = 0;
            for (uint8_t j = 0; j < n; j++)
                value = value << 8 | info[k + j];
            k += n;
            switch (id) {
            case 0x05:
            case 0x06:
                if (value < 1 || value > 0xFFFFu)
                    return MFW_E_FORMAT;
                if (id == 0x05)
                    v.info_tx = (uint16_t)value;
                else
                    v.info_rx = (uint16_t)value;
                break;
            case 0x07:
            case 0x08:
                if (value < 1 || value > MFW_HDLC_WINDOW_LIMIT)
                    return MFW_E_FORMAT;
                if (id == 0x07)
                    v.window_tx = (uint8_t)value;
                else
                    v.window_rx = (uint8_t)value;
                break;
            default: break; /* a parameter we do not know: skipped */
            }
        }
    }
    *p = v;
    return MFW_OK;
}

static void put_param(struct mfw_wcursor *w, uint8_t id, uint32_t value, unsigned size)
{
    mfw_wcursor_u8(w, id);
    mfw_wcursor_u8(w, (uint8_t)size);
    for (unsigned k = size; k-- > 0;)
        mfw_wcursor_u8(w, (uint8_t)(value >> (8 * k)));
}

void mfw_hdlc_params_encode(const struct mfw_hdlc_params *p, struct mfw_wcursor *w)
{
    uint8_t *len = NULL;
    mfw_wcursor_u8(w, 0x81);
    mfw_wcursor_u8(w, 0x80);
    len = mfw_wcursor_reserve(w, 1);
    size_t start = w->len;
    put_param(w, 0x05, p->info_tx, p->info_tx < 256 ? 1u : 2u);
    put_param(w, 0x06, p->info_rx, p->info_rx < 256 ? 1u : 2u);
    put_param(w, 0x07, p->window_tx, 4);
    put_param(w, 0x08, p->window_rx, 4);
    if (len != NULL)
        *len = (uint8_t)(w->len - start);
}

/* ---- the station ----------------------------------------------------------------------------- */

void mfw_hdlc_default_config(struct mfw_hdlc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->logical = 1;
    cfg->physical = 0x10;
    cfg->max_info_tx = cfg->max_info_rx = MFW_HDLC_DEFAULT_INFO;
    cfg->window_tx = cfg->window_rx = MFW_HDLC_DEFAULT_WINDOW;
}

static void set_target(struct mfw_hdlc *h)
{
    mfw_hdlc_rx_target(&h->rx, h->buf + h->have, h->cap - h->have);
}

static void drop_reply(struct mfw_hdlc *h)
{
    h->stream = NULL;
    h->total = 0;
    h->nseg = h->seg_acked = h->seg_next = 0;
    h->burst_left = 0;
    if (h->pending == MFW_HDLC_SEND_I)
        h->pending = MFW_HDLC_SEND_NONE;
}

/* Back to the disconnected mode (or a fresh link after SNRM): nothing received, nothing to send. */
static void reset_link(struct mfw_hdlc *h)
{
    drop_reply(h);
    h->vs = h->vr = h->va = 0;
    h->peer_busy = false;
    h->have = 0;
    set_target(h);
}

int mfw_hdlc_init(struct mfw_hdlc *h, const struct mfw_hdlc_config *cfg, uint8_t *buf, size_t cap)
{
    if (h == NULL || cfg == NULL || buf == NULL || cap < 64u + MFW_HDLC_OVERHEAD_MAX ||
        cfg->window_tx < 1 || cfg->window_tx > MFW_HDLC_WINDOW_LIMIT || cfg->window_rx < 1 ||
        cfg->window_rx > MFW_HDLC_WINDOW_LIMIT || cfg->max_info_tx < 32 ||
        cfg->max_info_tx > MFW_HDLC_INFO_LIMIT || cfg->max_info_rx < 32 ||
        cfg->max_info_rx > MFW_HDLC_INFO_LIMIT)
        return MFW_E_ARG;
    memset(h, 0, sizeof *h);
    h->config = *cfg;
    h->buf = buf;
    h->cap = cap;
    mfw_hdlc_rx_init(&h->rx, buf, cap);
    h->rx.inter_octet_ms = cfg->inter_octet_ms;
    h->mode = MFW_HDLC_NDM;
    mfw_hdlc_params_default(&h->link);
    reset_link(h);
    return MFW_OK;
}

bool mfw_hdlc_in_frame(const struct mfw_hdlc *h)
{
    return mfw_hdlc_rx_in_frame(&h->rx);
}

/* Is the destination this station? 1 byte: the upper address alone; 2 or 4 bytes: upper and
 * lower, the lower one ours or the all-station address (a hand-held unit on the optical port need
 * not know the physical address) [M: ISO/IEC 13239 all-station address]. */
static bool ours(const struct mfw_hdlc *h, const struct mfw_hdlc_frame *f)
{
    struct mfw_hdlc_address a;
    if (!mfw_hdlc_address_decode(f->dst, f->dst_len, &a) || a.upper != h->config.logical)
        return false;
    if (a.size == 1)
        return true;
    uint16_t all = a.size == 2 ? MFW_HDLC_ALL_STATION_LOWER_1 : MFW_HDLC_ALL_STATION_LOWER_2;
    return a.lower == h->config.physical || a.lower == all;
}

static uint8_t mod8(int v)
{
    return (uint8_t)((unsigned)v & 7u);
}

/* The negotiation of IEC 62056-46 6.4.4.4.3.2 [M]: each side speaks for itself, and the UA
 * answers no more than the SNRM proposed nor more than the meter allows: what the meter transmits
 * is at most what the client receives, and the reverse. The transmit length is also bounded by the
 * buffer the I-frames are built in. */
static void negotiate(struct mfw_hdlc *h, const struct mfw_hdlc_params *client)
{
    const struct mfw_hdlc_config *c = &h->config;
    struct mfw_hdlc_params *l = &h->link;
    size_t room = h->cap - MFW_HDLC_OVERHEAD_MAX;
    l->info_tx = c->max_info_tx < client->info_rx ? c->max_info_tx : client->info_rx;
    if (l->info_tx > room)
        l->info_tx = (uint16_t)room;
    l->info_rx = c->max_info_rx < client->info_tx ? c->max_info_rx : client->info_tx;
    l->window_tx = c->window_tx < client->window_rx ? c->window_tx : client->window_rx;
    l->window_rx = c->window_rx < client->window_tx ? c->window_rx : client->window_tx;
}

static void frame_reject(struct mfw_hdlc *h, uint8_t control, uint8_t why)
{
    /* ISO/IEC 13239 5.5.3.4.2 [M]: the rejected control field; V(S), C/R (0: a command was
     * rejected) and V(R); the reason bits. The station then stays in the frame reject condition
     * until SNRM or DISC. */
    h->frmr[0] = control;
    h->frmr[1] = (uint8_t)(h->vs << 1 | h->vr << 5);
    h->frmr[2] = why;
    h->mode = MFW_HDLC_FRMR_CONDITION;
    drop_reply(h);
    h->have = 0;
    h->pending = MFW_HDLC_SEND_FRMR;
}

/* N(R) acknowledges our I-frames up to N(R)-1: valid when V(A) <= N(R) <= V(S) modulo 8. */
static bool acknowledge(struct mfw_hdlc *h, uint8_t nr)
{
    uint8_t k = mod8(nr - h->va), out = mod8(h->vs - h->va);
    if (k > out)
        return false;
    h->va = nr;
    if (h->total > 0) {
        h->seg_acked += k;
        if (h->seg_acked >= h->nseg)
            drop_reply(h); /* every segment acknowledged */
    }
    return true;
}

/* After a poll: the reply's unacknowledged segments (go back to the first of them: whatever the
 * client polls for without having acknowledged was lost), or an RR. */
static void answer_poll(struct mfw_hdlc *h)
{
    if (h->total > 0 && !h->peer_busy && h->seg_acked < h->nseg) {
        if (h->seg_next != h->seg_acked)
            h->stats.retransmits++;
        h->seg_next = h->seg_acked;
        h->vs = mod8(h->base + (int)h->seg_next);
        uint32_t left = h->nseg - h->seg_next;
        h->burst_left = (uint8_t)(left < h->link.window_tx ? left : h->link.window_tx);
        h->pending = MFW_HDLC_SEND_I;
    } else {
        h->pending = MFW_HDLC_SEND_RR;
    }
}

/* One I-frame in NRM. ev is set for a whole APDU. */
static void on_i(struct mfw_hdlc *h, const struct mfw_hdlc_frame *f, struct mfw_hdlc_event *ev)
{
    bool poll = (f->control & MFW_HDLC_PF) != 0;
    uint8_t ns = (uint8_t)((f->control >> 1) & 7u), nr = (uint8_t)(f->control >> 5);
    if (f->info_len > h->link.info_rx) {
        frame_reject(h, f->control, MFW_HDLC_FRMR_Y);
        return;
    }
    if (!acknowledge(h, nr)) {
        frame_reject(h, f->control, MFW_HDLC_FRMR_Z);
        return;
    }
    if (ns != h->vr) {
        /* Out of sequence (ISO/IEC 13239 NRM [M]): the information is dropped; a repeat of the
         * last frame means our answer was lost, so a poll gets the unacknowledged I-frames again,
         * or an RR saying which N(S) is expected. */
        h->stats.out_of_sequence++;
        if (poll)
            answer_poll(h);
        return;
    }
    h->vr = mod8(h->vr + 1);
    h->stats.i_in++;
    if (h->total > 0) {
        /* a new request: the client is done with the old answer; frames of it that it never
         * acknowledged are forgotten, so the next N(S) is the one it expects */
        drop_reply(h);
        h->vs = h->va;
    }
    if (f->truncated) {
        /* longer than the buffer: the APDU exceeds what the meter accepts */
        h->have = 0;
        set_target(h);
        ev->kind = MFW_HDLC_EV_OVERSIZE;
        return;
    }
    h->have += f->info_len;
    if (f->segmented) {
        if (poll)
            h->pending = MFW_HDLC_SEND_RR; /* IEC 62056-46 [M]: each polled segment gets an RR */
        return;
    }
    /* The last segment: the LLC header E6 E6 00 (destination LSAP, source LSAP, quality) opens
     * the APDU (IEC 62056-46 8.1 [M]); anything else is dropped. */
    size_t n = h->have;
    h->have = 0;
    if (n <= MFW_HDLC_LLC_LEN || h->buf[0] != 0xE6u || h->buf[1] != 0xE6u || h->buf[2] != 0x00u) {
        if (poll)
            h->pending = MFW_HDLC_SEND_RR;
        return;
    }
    ev->kind = MFW_HDLC_EV_APDU;
    ev->client_sap = (uint8_t)(h->client >> 1);
    ev->apdu = h->buf + MFW_HDLC_LLC_LEN;
    ev->len = n - MFW_HDLC_LLC_LEN;
    /* the answer goes when mfw_hdlc_reply gives it; without a poll it waits for one */
    if (poll)
        h->pending = MFW_HDLC_SEND_RR; /* replaced by the I-frames of a reply */
}

/* A frame for this station: what it changes, what to send, the event. */
static void on_frame(struct mfw_hdlc *h, const struct mfw_hdlc_frame *f, struct mfw_hdlc_event *ev)
{
    uint8_t c = f->control;
    bool poll = (c & MFW_HDLC_PF) != 0;
    uint8_t u = (uint8_t)(c & ~MFW_HDLC_PF);
    ev->kind = MFW_HDLC_EV_FRAME;
    h->stats.frames_in++;
    if (u == MFW_HDLC_SNRM) {
        /* Mode setting (IEC 62056-46 6.4.4.4.3.2 [M]): in any mode; resets the sequence numbers
         * and ends an association of the previous link. A field we cannot read is refused: DM. */
        struct mfw_hdlc_params client;
        h->stats.snrm++;
        if (f->truncated || mfw_hdlc_params_decode(f->info, f->info_len, &client) != MFW_OK) {
            h->pending = MFW_HDLC_SEND_DM;
            return;
        }
        negotiate(h, &client);
        h->mode = MFW_HDLC_NRM;
        h->client = f->src[0];
        reset_link(h);
        h->pending = MFW_HDLC_SEND_UA_PARAMS;
        ev->kind = MFW_HDLC_EV_CONNECT;
        ev->client_sap = (uint8_t)(h->client >> 1);
        return;
    }
    if (u == MFW_HDLC_DISC) {
        h->stats.disc++;
        if (h->mode == MFW_HDLC_NDM) {
            h->pending = MFW_HDLC_SEND_DM; /* already disconnected */
            return;
        }
        /* IEC 62056-46 [M]: DISC in NRM is confirmed by UA; the link is then in NDM. */
        h->mode = MFW_HDLC_NDM;
        reset_link(h);
        h->pending = MFW_HDLC_SEND_UA;
        ev->kind = MFW_HDLC_EV_DISCONNECT;
        return;
    }
    if (h->mode == MFW_HDLC_NDM) {
        /* ISO/IEC 13239 [M]: in NDM a command other than a mode setting gets DM when polled */
        if (poll)
            h->pending = MFW_HDLC_SEND_DM;
        return;
    }
    if (h->mode == MFW_HDLC_FRMR_CONDITION) {
        if (poll)
            h->pending = MFW_HDLC_SEND_FRMR; /* repeated until SNRM or DISC */
        return;
    }
    if (f->src[0] != h->client)
        return; /* another client on the line: not its link */
    if ((c & 1u) == 0) {
        on_i(h, f, ev);
        return;
    }
    uint8_t s = (uint8_t)(c & 0x0Fu);
    if (s == MFW_HDLC_RR || s == MFW_HDLC_RNR) {
        if (f->info_len > 0) {
            frame_reject(h, c, MFW_HDLC_FRMR_W | MFW_HDLC_FRMR_X);
            return;
        }
        if (!acknowledge(h, (uint8_t)(c >> 5))) {
            frame_reject(h, c, MFW_HDLC_FRMR_Z);
            return;
        }
        if (s == MFW_HDLC_RR) {
            h->stats.rr_in++;
            h->peer_busy = false;
        } else {
            h->stats.rnr_in++;
            h->peer_busy = true; /* no I-frames until an RR */
        }
        if (poll)
            answer_poll(h);
        return;
    }
    if (u == MFW_HDLC_UI)
        return;                          /* no unconfirmed services here */
    frame_reject(h, c, MFW_HDLC_FRMR_W); /* an undefined or unimplemented control field */
}

int mfw_hdlc_feed(struct mfw_hdlc *h, const uint8_t *bytes, size_t n, mfw_ms_t now,
                  size_t *consumed, struct mfw_hdlc_event *ev)
{
    if (consumed != NULL)
        *consumed = 0;
    if (h == NULL || consumed == NULL || ev == NULL || (bytes == NULL && n != 0))
        return MFW_E_ARG;
    memset(ev, 0, sizeof *ev);
    size_t i = 0;
    while (i < n) {
        size_t used = 0;
        struct mfw_hdlc_frame f;
        int r = mfw_hdlc_rx_feed(&h->rx, bytes + i, n - i, now, &used, &f);
        i += used;
        if (r != 1)
            break;
        /* IEC 62056-46 [M]: frames for another station are ignored; a client address is one byte
         * (the Gurux stack enforces it too: "DLMS CCT test requires that client size is one
         * byte") */
        if (!ours(h, &f) || f.src_len != 1) {
            h->stats.not_ours++;
            set_target(h);
            continue;
        }
        memcpy(h->srv, f.dst, f.dst_len);
        h->srv_len = f.dst_len;
        h->reply_to = f.src[0];
        on_frame(h, &f, ev);
        set_target(h);
        *consumed = i;
        return 1;
    }
    *consumed = i;
    return 0;
}

void mfw_hdlc_reply(struct mfw_hdlc *h, uint8_t *apdu, size_t len)
{
    drop_reply(h);
    if (apdu == NULL || len == 0 || h->mode != MFW_HDLC_NRM)
        return;
    /* IEC 62056-46 8.1 [M]: E6 E7 00 (the response LSAP has b0 set) before the APDU, in the
     * first segment only; the stream is cut into segments of the negotiated length. */
    uint8_t *s = apdu - MFW_HDLC_LLC_LEN;
    s[0] = 0xE6;
    s[1] = 0xE7;
    s[2] = 0x00;
    h->stream = s;
    h->total = len + MFW_HDLC_LLC_LEN;
    h->nseg = (uint32_t)((h->total + h->link.info_tx - 1u) / h->link.info_tx);
    h->seg_acked = h->seg_next = 0;
    h->base = h->vs;
    if (h->pending == MFW_HDLC_SEND_RR) /* the request polled: the answer goes now */
        answer_poll(h);
}

/* Builds a control frame (no information field but the UA's or FRMR's) in h->ctl. */
static size_t control_frame(struct mfw_hdlc *h, uint8_t control, const uint8_t *info, size_t n)
{
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, h->ctl, sizeof h->ctl);
    if (mfw_hdlc_encode(&w, &h->reply_to, 1, h->srv, h->srv_len, control, false, info, n) != MFW_OK)
        return 0;
    h->stats.frames_out++;
    return w.len;
}

size_t mfw_hdlc_output(struct mfw_hdlc *h, const uint8_t **frame)
{
    if (h == NULL || frame == NULL)
        return 0;
    *frame = h->ctl;
    uint8_t pending = h->pending;
    if (pending != MFW_HDLC_SEND_I)
        h->pending = MFW_HDLC_SEND_NONE;
    switch (pending) {
    case MFW_HDLC_SEND_UA_PARAMS: {
        uint8_t info[32];
        struct mfw_wcursor p;
        mfw_wcursor_init(&p, info, sizeof info);
        mfw_hdlc_params_encode(&h->link, &p);
        return control_frame(h, MFW_HDLC_UA | MFW_HDLC_PF, info, p.len);
    }
    case MFW_HDLC_SEND_UA:
        /* a bare UA: the negotiation is over (the Gurux server repeats it; not needed) */
        return control_frame(h, MFW_HDLC_UA | MFW_HDLC_PF, NULL, 0);
    case MFW_HDLC_SEND_DM:
        h->stats.dm_out++;
        return control_frame(h, MFW_HDLC_DM | MFW_HDLC_PF, NULL, 0);
    case MFW_HDLC_SEND_FRMR:
        h->stats.frmr_out++;
        return control_frame(h, MFW_HDLC_FRMR | MFW_HDLC_PF, h->frmr, sizeof h->frmr);
    case MFW_HDLC_SEND_RR:
        h->stats.rr_out++;
        return control_frame(h, (uint8_t)(h->vr << 5 | MFW_HDLC_PF | MFW_HDLC_RR), NULL, 0);
    case MFW_HDLC_SEND_I: break;
    default: return 0;
    }
    if (h->burst_left == 0 || h->seg_next >= h->nseg) {
        h->pending = MFW_HDLC_SEND_NONE;
        return 0;
    }
    /* One I-frame of the reply: segment seg_next, N(S) = V(S), N(R) = V(R), S set on all but the
     * last segment, F on the last frame of the burst (the window is full or the reply ends). */
    size_t off = (size_t)h->seg_next * h->link.info_tx;
    size_t n = h->total - off < h->link.info_tx ? h->total - off : h->link.info_tx;
    bool more = h->seg_next + 1u < h->nseg;
    bool last = h->burst_left == 1 || !more;
    uint8_t control = (uint8_t)(h->vr << 5 | (last ? MFW_HDLC_PF : 0) | h->vs << 1);
    mfw_hdlc_rx_spoil(&h->rx); /* the frame is built over the receive buffer */
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, h->buf, h->cap);
    if (mfw_hdlc_encode(&w, &h->client, 1, h->srv, h->srv_len, control, more, h->stream + off, n) !=
        MFW_OK) {
        drop_reply(h);
        return 0;
    }
    h->seg_next++;
    h->vs = mod8(h->vs + 1);
    h->burst_left--;
    if (h->burst_left == 0)
        h->pending = MFW_HDLC_SEND_NONE;
    h->stats.i_out++;
    h->stats.frames_out++;
    *frame = h->buf;
    return w.len;
}
