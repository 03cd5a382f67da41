/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 62056-47 wrapper framing (WPDU, IEC 62056-47:2006 5.3.2; Green Book TCP-UDP profile): a
 * byte-fed state machine for the receive side, and an encoder for the send side. See
 * include/meterfw/link/wrapper.h. */
#include "meterfw/link/wrapper.h"

#include <string.h>

#include "meterfw/base/error.h"

int mfw_wrapper_init(struct mfw_wrapper *w, uint8_t *buf, size_t cap)
{
    if (w == NULL || buf == NULL || cap == 0)
        return MFW_E_ARG;
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
    return MFW_OK;
}

void mfw_wrapper_reset(struct mfw_wrapper *w)
{
    w->state = MFW_WRAPPER_HEADER;
    w->hdr_have = 0;
    w->version = w->src_wport = w->dst_wport = w->length = 0;
    w->have = 0;
    w->err = MFW_OK;
}

static int fail(struct mfw_wrapper *w, int err)
{
    w->state = MFW_WRAPPER_FAILED;
    w->err = err;
    w->errors++;
    return err;
}

/* One header byte in. 0 to go on, or an error. Checks as early as the bytes allow, so a stream
 * that is not the wrapper (HDLC's 7E, an IEC 62056-21 '/') is refused at its first byte. */
static int header_byte(struct mfw_wrapper *w, uint8_t b)
{
    w->hdr[w->hdr_have++] = b;
    /* WPDU header: version 0x0001; any other value is a protocol error, and the TCP connection
     * is then closed (Green Book, TCP-UDP profile). */
    if (w->hdr_have == 1 && b != (uint8_t)(MFW_WRAPPER_VERSION >> 8))
        return fail(w, MFW_E_FORMAT);
    if (w->hdr_have == 2 && b != (uint8_t)(MFW_WRAPPER_VERSION & 0xFF))
        return fail(w, MFW_E_FORMAT);
    if (w->hdr_have < MFW_WRAPPER_HEADER_LEN)
        return 0;
    struct mfw_rcursor c;
    mfw_rcursor_init(&c, w->hdr, sizeof(w->hdr));
    w->version = mfw_rcursor_u16be(&c);
    w->src_wport = mfw_rcursor_u16be(&c);
    w->dst_wport = mfw_rcursor_u16be(&c);
    w->length = mfw_rcursor_u16be(&c);
    /* Larger than the buffer: refuse now rather than read (or skip) up to 64 KiB of it. */
    if (w->length > w->cap)
        return fail(w, MFW_E_NOSPACE);
    w->have = 0;
    w->hdr_have = 0;
    if (w->length == 0)
        w->empty++; /* nothing to deliver; the next byte starts a new header */
    else
        w->state = MFW_WRAPPER_APDU;
    return 0;
}

int mfw_wrapper_feed(struct mfw_wrapper *w, const uint8_t *bytes, size_t n, size_t *consumed,
                     struct mfw_wrapper_frame *out)
{
    if (consumed != NULL)
        *consumed = 0;
    if (w == NULL || consumed == NULL || out == NULL || (bytes == NULL && n != 0))
        return MFW_E_ARG;
    if (w->state == MFW_WRAPPER_FAILED)
        return w->err;
    size_t i = 0;
    while (i < n) {
        if (w->state == MFW_WRAPPER_HEADER) {
            int r = header_byte(w, bytes[i++]);
            if (r < 0) {
                *consumed = i;
                w->bytes += (uint32_t)i;
                return r;
            }
            continue;
        }
        /* MFW_WRAPPER_APDU: copy as much of the body as is here, bounded by length <= cap. */
        size_t need = (size_t)w->length - w->have, take = n - i < need ? n - i : need;
        memcpy(w->buf + w->have, bytes + i, take);
        w->have += take;
        i += take;
        if (w->have == w->length) {
            out->src_wport = w->src_wport;
            out->dst_wport = w->dst_wport;
            out->apdu = w->buf;
            out->len = w->have;
            w->state = MFW_WRAPPER_HEADER;
            w->frames++;
            *consumed = i;
            w->bytes += (uint32_t)i;
            return 1;
        }
    }
    *consumed = i;
    w->bytes += (uint32_t)i;
    return 0;
}

int mfw_wrapper_encode_header(uint16_t src_wport, uint16_t dst_wport, size_t len,
                              struct mfw_wcursor *c)
{
    if (c == NULL || len == 0 || len > MFW_WRAPPER_LENGTH_MAX)
        return MFW_E_ARG;
    if (c->err || c->cap - c->len < MFW_WRAPPER_HEADER_LEN) {
        c->err = MFW_E_NOSPACE;
        return MFW_E_NOSPACE;
    }
    /* IEC 62056-47:2006 5.3.2: version, source wPort, destination wPort, length; big-endian */
    mfw_wcursor_u16be(c, (uint16_t)MFW_WRAPPER_VERSION);
    mfw_wcursor_u16be(c, src_wport);
    mfw_wcursor_u16be(c, dst_wport);
    mfw_wcursor_u16be(c, (uint16_t)len);
    return c->err;
}

int mfw_wrapper_encode(uint16_t src_wport, uint16_t dst_wport, const uint8_t *apdu, size_t len,
                       struct mfw_wcursor *c)
{
    if (c == NULL || apdu == NULL || len == 0 || len > MFW_WRAPPER_LENGTH_MAX)
        return MFW_E_ARG;
    if (c->err || c->cap - c->len < MFW_WRAPPER_HEADER_LEN + len) {
        c->err = MFW_E_NOSPACE;
        return MFW_E_NOSPACE;
    }
    (void)mfw_wrapper_encode_header(src_wport, dst_wport, len, c);
    mfw_wcursor_bytes(c, apdu, len);
    return c->err;
}

bool mfw_wrapper_in_frame(const struct mfw_wrapper *w)
{
    return w->state == MFW_WRAPPER_APDU || (w->state == MFW_WRAPPER_HEADER && w->hdr_have > 0);
}
