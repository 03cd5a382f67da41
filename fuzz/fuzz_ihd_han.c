/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's HAN reader (tools/ihd/han.c): arbitrary bytes through the HDLC frame
 * splitter in data-derived pieces, every frame parsed; the input also parsed as one frame as it
 * is and with its length, HCS and FCS fixed up, so mutated lists reach the A-XDR walker.
 * Contracts: the splitter consumes at least one byte per call unless it reports an event and
 * never hands out a frame longer than its buffer or shorter than 9 bytes; the parser returns
 * OK or a named error, and an accepted frame's fields stay within their types' ranges. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ihd/han.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* -Wmissing-prototypes */

static void check(const uint8_t *f, size_t n)
{
    struct ihd_p1 r;
    char list[32];
    int e = ihd_han_parse(f, n, &r, list);
    if (e != 0 && (e < IHD_HAN_E_VALUE || e > IHD_HAN_E_FRAME))
        abort();
    if (e != 0)
        return;
    if (!memchr(list, 0, sizeof list) || !memchr(r.ident, 0, sizeof r.ident) ||
        r.import_have > 1u || r.export_have > 1u || r.p_import_w < 0 || r.p_import_w > 0xFFFFFFFFLL)
        abort();
    for (int k = 0; k < 3; k++)
        if (r.u_mv[k] < 0 || r.i_ma[k] < 0)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ihd_han_rx rx;
    ihd_han_rx_init(&rx);
    size_t off = 0, k = 0;
    while (off < size) {
        size_t chunk = 1 + (size_t)data[k++ % size] % 64;
        if (chunk > size - off)
            chunk = size - off;
        int ev;
        size_t used = ihd_han_rx_feed(&rx, data + off, chunk, &ev);
        if (used > chunk || (used == 0 && ev == IHD_HAN_RX_NONE))
            abort();
        if (ev == IHD_HAN_RX_FRAME) {
            if (rx.len < 9 || rx.len > IHD_HAN_MAX)
                abort();
            check(rx.buf, rx.len);
        }
        off += used;
    }
    if (size > IHD_HAN_MAX)
        return 0;
    uint8_t *f = malloc(size ? size : 1);
    if (!f)
        return 0;
    memcpy(f, data, size);
    check(f, size);
    if (size >= 9) {
        /* length, HCS (after two one-byte addresses and the control) and FCS made right */
        f[0] = (uint8_t)(0xA0u | ((size >> 8) & 7u));
        f[1] = (uint8_t)size;
        f[2] |= 1u;
        f[3] |= 1u;
        uint16_t h = ihd_han_fcs16(f, 5);
        f[5] = (uint8_t)h;
        f[6] = (uint8_t)(h >> 8);
        uint16_t c = ihd_han_fcs16(f, size - 2);
        f[size - 2] = (uint8_t)c;
        f[size - 1] = (uint8_t)(c >> 8);
        check(f, size);
    }
    free(f);
    return 0;
}
