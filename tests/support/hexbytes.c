/* SPDX-License-Identifier: Apache-2.0 */
#include "hexbytes.h"

int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

size_t hex_decode(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
            continue;
        int d = hex_digit(*s);
        if (d < 0)
            return HEX_BAD;
        if (hi < 0) {
            hi = d;
            continue;
        }
        if (n >= cap)
            return HEX_BAD;
        out[n++] = (uint8_t)(hi << 4 | d);
        hi = -1;
    }
    return hi < 0 ? n : HEX_BAD;
}
