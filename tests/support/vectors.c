/* SPDX-License-Identifier: Apache-2.0 */
#include "vectors.h"

#include "hexbytes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MFW_VECTORS_DIR
#error "MFW_VECTORS_DIR (the tests/vectors folder) comes from tests/support/CMakeLists.txt"
#endif

/* Characters of the longest text line accepted: "RX PDU: " and 3 per byte. */
#define TEXT_MAX (8u + 3u * VEC_LINE_MAX + 2u)

static const char *const kind_name[] = {"TX", "RX", "TX PDU", "RX PDU"};

/* Reads one line into text[TEXT_MAX + 1], without its LF and a CR before it: its length, or
 * TEXT_MAX + 1 when it is longer than TEXT_MAX (text then holds its start), or -1 at the end of
 * the file. */
static long read_line(FILE *f, char *text)
{
    size_t n = 0;
    int c;
    while ((c = getc(f)) != EOF && c != '\n') {
        if (n < TEXT_MAX)
            text[n] = (char)c;
        n++;
    }
    if (c == EOF && n == 0)
        return -1;
    if (n > TEXT_MAX) {
        text[TEXT_MAX] = '\0';
        return (long)TEXT_MAX + 1;
    }
    if (n > 0 && text[n - 1] == '\r')
        n--;
    text[n] = '\0';
    return (long)n;
}

/* The kind of a line ("TX: ..."), with *hex at its bytes; -1 for any other line. */
static int line_kind(const char *text, const char **hex)
{
    for (int k = VEC_RX_PDU; k >= VEC_TX; k--) {
        size_t l = strlen(kind_name[k]);
        if (strncmp(text, kind_name[k], l) == 0 && text[l] == ':' && text[l + 1] == ' ') {
            *hex = text + l + 2;
            return k;
        }
    }
    return -1;
}

/* "7E A0 07": pairs of hex digits separated by one space. */
static int decode(const char *hex, uint8_t *out, size_t cap, size_t *len, size_t *bad_col)
{
    size_t n = 0;
    const char *p = hex;
    while (*p != '\0') {
        int hi = hex_digit(p[0]), lo = hi < 0 ? -1 : hex_digit(p[1]);
        if (lo < 0 || (p[2] != ' ' && p[2] != '\0') || (p[2] == ' ' && p[3] == '\0')) {
            *bad_col = (size_t)(p - hex);
            return VEC_E_FORMAT;
        }
        if (n >= cap)
            return VEC_E_NOSPACE;
        out[n++] = (uint8_t)(hi << 4 | lo);
        p += p[2] == ' ' ? 3 : 2;
    }
    if (n == 0) {
        *bad_col = 0;
        return VEC_E_FORMAT;
    }
    *len = n;
    return VEC_OK;
}

int vec_line(const char *capture, enum vec_kind kind, int n, uint8_t *out, size_t cap, size_t *len)
{
    if (capture == NULL || out == NULL || len == NULL || (int)kind < VEC_TX ||
        (int)kind > VEC_RX_PDU || n == 0) {
        fprintf(stderr, "vectors: bad arguments (capture %s, n %d)\n",
                capture != NULL ? capture : "NULL", n);
        return VEC_E_ARG;
    }
    /* A name is a file of tests/vectors; a path (with a '/') is taken as it is. */
    char path[4096];
    int pl = strchr(capture, '/') != NULL
                 ? snprintf(path, sizeof path, "%s", capture)
                 : snprintf(path, sizeof path, "%s/%s", MFW_VECTORS_DIR, capture);
    if (pl < 0 || (size_t)pl >= sizeof path) {
        fprintf(stderr, "vectors: %s: path too long\n", capture);
        return VEC_E_ARG;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "vectors: cannot open %s\n", path);
        return VEC_E_OPEN;
    }
    char *text = malloc(TEXT_MAX + 1);
    if (text == NULL) {
        fclose(f);
        return VEC_E_OPEN;
    }
    /* The line wanted, counted from 1; for n < 0 first count the lines of the kind. */
    long want = n, count = 0;
    const char *hex;
    if (n < 0) {
        while (read_line(f, text) >= 0)
            count += line_kind(text, &hex) == (int)kind;
        want = count + n + 1;
        rewind(f);
    }
    int rc = VEC_E_NOLINE;
    long seen = 0, lineno = 0, l;
    while (want > 0 && (l = read_line(f, text)) >= 0) {
        lineno++;
        if (line_kind(text, &hex) != (int)kind || ++seen != want)
            continue;
        size_t col = 0;
        rc = l > (long)TEXT_MAX ? VEC_E_FORMAT : decode(hex, out, cap, len, &col);
        if (rc == VEC_E_FORMAT && l > (long)TEXT_MAX)
            fprintf(stderr, "vectors: %s:%ld: the %s line is longer than %u bytes\n", capture,
                    lineno, kind_name[kind], VEC_LINE_MAX);
        else if (rc == VEC_E_FORMAT)
            fprintf(stderr, "vectors: %s:%ld: not hex bytes at column %zu of the %s line\n",
                    capture, lineno, (size_t)(hex - text) + col + 1, kind_name[kind]);
        else if (rc == VEC_E_NOSPACE)
            fprintf(stderr, "vectors: %s:%ld: the %s line has more than %zu bytes\n", capture,
                    lineno, kind_name[kind], cap);
        break;
    }
    bool read_error = ferror(f) != 0;
    fclose(f);
    free(text);
    if (read_error) {
        fprintf(stderr, "vectors: cannot read %s\n", path);
        return VEC_E_OPEN;
    }
    if (rc == VEC_E_NOLINE)
        fprintf(stderr, "vectors: %s has no %s line %d (it has %ld)\n", capture, kind_name[kind], n,
                n < 0 ? count : seen);
    return rc;
}

int vec_apdu(const char *capture, enum vec_kind kind, int n, uint8_t *out, size_t cap, size_t *len)
{
    if (kind != VEC_TX && kind != VEC_RX) {
        fprintf(stderr, "vectors: vec_apdu reads TX and RX lines (wrapper frames) only\n");
        return VEC_E_ARG;
    }
    uint8_t *frame = malloc(VEC_LINE_MAX);
    if (frame == NULL)
        return VEC_E_OPEN;
    size_t fl = 0;
    int rc = vec_line(capture, kind, n, frame, VEC_LINE_MAX, &fl);
    if (rc == VEC_OK) {
        /* IEC 62056-47 5.2: version (2), source wPort (2), destination wPort (2), length (2). */
        size_t announced = fl >= 8 ? (size_t)(frame[6] << 8 | frame[7]) : 0;
        if (fl < 8 || frame[0] != 0x00 || frame[1] != 0x01 || announced != fl - 8) {
            fprintf(stderr,
                    "vectors: %s: %s %d is not a wrapper frame of version 1 whose length "
                    "field counts the bytes that follow\n",
                    capture, kind_name[kind], n);
            rc = VEC_E_FORMAT;
        } else if (fl - 8 > cap) {
            fprintf(stderr, "vectors: %s: the APDU of %s %d has %zu bytes, more than %zu\n",
                    capture, kind_name[kind], n, fl - 8, cap);
            rc = VEC_E_NOSPACE;
        } else {
            memcpy(out, frame + 8, fl - 8);
            *len = fl - 8;
        }
    }
    free(frame);
    return rc;
}

int vec_apdu_exact(const char *capture, enum vec_kind kind, int n, uint8_t *out, size_t size)
{
    size_t len = 0;
    int rc = vec_apdu(capture, kind, n, out, size, &len);
    if (rc == VEC_E_NOSPACE || (rc == VEC_OK && len != size)) {
        fprintf(stderr, "vectors: %s: the APDU of %s %d is not %zu bytes long\n", capture,
                kind_name[kind], n, size);
        return VEC_E_LENGTH;
    }
    return rc;
}

const char *vec_error_name(int rc)
{
    switch (rc) {
    case VEC_OK: return "VEC_OK";
    case VEC_E_ARG: return "VEC_E_ARG";
    case VEC_E_OPEN: return "VEC_E_OPEN";
    case VEC_E_NOLINE: return "VEC_E_NOLINE";
    case VEC_E_FORMAT: return "VEC_E_FORMAT";
    case VEC_E_NOSPACE: return "VEC_E_NOSPACE";
    case VEC_E_LENGTH: return "VEC_E_LENGTH";
    default: return "?";
    }
}

int vec_load_all(const struct vec_want *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc =
            vec_apdu_exact(want[i].capture, want[i].kind, want[i].n, want[i].out, want[i].size);
        if (rc != VEC_OK)
            return rc;
    }
    return VEC_OK;
}
