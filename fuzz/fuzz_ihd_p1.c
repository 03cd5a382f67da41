/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's P1 reader (tools/ihd/p1.c): arbitrary bytes through the stream splitter
 * in splits derived from the data, every telegram it cuts through the parser, and the whole
 * input parsed once as it is and once with its CRC digits fixed up, so that mutated lines get
 * past the CRC and reach the line and value parsers. Contracts: the splitter consumes at least
 * one byte per call unless it reports an event, never hands out more than IHD_P1_MAX + 6 bytes,
 * and a handed-out telegram starts with '/'; the parser returns a named error, an accepted
 * telegram has its CRC, its fields within their formats, and parses again to the same result. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ihd/p1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size); /* -Wmissing-prototypes */

static void check(const char *t, size_t n)
{
    struct ihd_p1 a, b;
    int e = ihd_p1_parse(t, n, &a);
    if (e > 0 || e < IHD_P1_E_SIZE)
        abort();
    if (e != IHD_P1_OK)
        return;
    const char *bang = memchr(t, '!', n);
    if (!bang || t[0] != '/' || (size_t)(t + n - bang) < 5)
        abort();
    char hex[5];
    static const char digits[] = "0123456789ABCDEF";
    uint16_t c = ihd_p1_crc16(t, (size_t)(bang + 1 - t));
    for (int k = 0; k < 4; k++)
        hex[k] = digits[(c >> (12 - 4 * k)) & 15];
    for (int k = 0; k < 4; k++) {
        char d = bang[1 + k];
        if (d >= 'a' && d <= 'f')
            d = (char)(d - 'a' + 'A');
        if (d != hex[k])
            abort();
    }
    if (memchr(a.ident, 0, sizeof a.ident) == NULL || a.n_failures > IHD_P1_FAILURES_MAX ||
        a.tariff > 9999 || a.version > 99 || a.phase_have > 7 || a.import_have >= (1u << 9))
        abort();
    for (int k = 0; k < 3; k++)
        if (a.u_mv[k] < 0 || a.i_ma[k] < 0 || a.p_import_l_w[k] < 0 || a.sags[k] < 0)
            abort();
    if (ihd_p1_parse(t, n, &b) != IHD_P1_OK || memcmp(&a, &b, sizeof a) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ihd_p1_rx rx;
    ihd_p1_rx_init(&rx);
    size_t off = 0, k = 0;
    while (off < size) {
        size_t chunk = 1 + (size_t)data[k++ % size] % 64;
        if (chunk > size - off)
            chunk = size - off;
        int ev;
        size_t used = ihd_p1_rx_feed(&rx, data + off, chunk, &ev);
        if (used > chunk || (used == 0 && ev == IHD_P1_RX_NONE))
            abort();
        if (ev == IHD_P1_RX_TELEGRAM) {
            if (rx.len > IHD_P1_MAX + 6 || rx.len == 0 || rx.buf[0] != '/')
                abort();
            check(rx.buf, rx.len);
        }
        off += used;
    }
    char *t = malloc(size ? size : 1); /* exact size: a read past the end is caught */
    if (!t)
        return 0;
    memcpy(t, data, size);
    check(t, size);
    const char *bang = size ? memchr(t, '!', size) : NULL;
    if (bang && t[0] == '/' && (size_t)(t + size - bang) >= 5) {
        static const char digits[] = "0123456789ABCDEF";
        uint16_t c = ihd_p1_crc16(t, (size_t)(bang + 1 - t));
        for (int d = 0; d < 4; d++)
            t[(bang - t) + 1 + d] = digits[(c >> (12 - 4 * d)) & 15];
        check(t, size);
    }
    free(t);
    return 0;
}
