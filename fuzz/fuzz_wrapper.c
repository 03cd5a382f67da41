/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the IEC 62056-47 wrapper decoder (mfw_wrapper_feed, wrapper.h).
 *
 * Input: byte 0 chooses the APDU buffer's capacity (1..64, small so that lengths above it are
 * common), byte 1 seeds the splits, the rest is the TCP byte stream. The stream is fed in pieces
 * of 1..16 bytes (from the seed); after an error the wrapper is reset and fed the rest, as if a
 * new connection carried it. Checks the contract:
 *   - *consumed never exceeds the piece; a 0 return used the whole piece;
 *   - a frame's APDU lies inside the buffer (apdu == buf, 1 <= len <= cap);
 *   - the sequence of frames and errors is exactly that of a straight reference parser over the
 *     whole stream at once: decoding is independent of how TCP split the bytes;
 *   - the APDU buffer is exact-size on the heap, so ASan sees any write past its end.
 *
 * Seeds: LLVMFuzzerInitialize writes the captured client frames of w_public_clock.txt, coalesced,
 * into $MFW_FUZZ_SEED_DIR (when set) and checks once that they decode. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/link/wrapper.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 4096

struct event {
    int kind; /* 1 frame, or the error code */
    uint16_t src, dst;
    size_t off, len; /* the APDU's place in the stream (frames) */
};

/* The reference: the whole stream at once, by the rules of wrapper.h. */
static size_t reference(const uint8_t *s, size_t n, size_t cap, struct event *ev)
{
    size_t pos = 0, k = 0;
    while (pos < n && k < MAX_EVENTS) {
        size_t left = n - pos;
        if (s[pos] != 0x00) {
            ev[k++] = (struct event){MFW_E_FORMAT, 0, 0, 0, 0};
            pos += 1;
            continue;
        }
        if (left < 2)
            break;
        if (s[pos + 1] != 0x01) {
            ev[k++] = (struct event){MFW_E_FORMAT, 0, 0, 0, 0};
            pos += 2;
            continue;
        }
        if (left < 8)
            break;
        size_t len = (size_t)(s[pos + 6] << 8 | s[pos + 7]);
        if (len > cap) {
            ev[k++] = (struct event){MFW_E_NOSPACE, 0, 0, 0, 0};
            pos += 8;
            continue;
        }
        if (left < 8 + len)
            break;
        if (len > 0)
            ev[k++] = (struct event){1, (uint16_t)(s[pos + 2] << 8 | s[pos + 3]),
                                     (uint16_t)(s[pos + 4] << 8 | s[pos + 5]), pos + 8, len};
        pos += 8 + len;
    }
    return k;
}

static int check(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t cap = 1 + data[0] % 64;
    uint64_t rng = 0x9E3779B97F4A7C15ull ^ data[1];
    const uint8_t *s = data + 2;
    size_t n = size - 2 < MAX_EVENTS ? size - 2 : MAX_EVENTS; /* >= 1 byte per event */

    static struct event want[MAX_EVENTS];
    size_t n_want = reference(s, n, cap, want), k = 0;

    uint8_t *buf = malloc(cap); /* exact size */
    if (buf == NULL)
        return 0;
    struct mfw_wrapper w;
    if (mfw_wrapper_init(&w, buf, cap) != MFW_OK)
        abort();
    size_t pos = 0;
    while (pos < n) {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        size_t piece = 1 + (size_t)((rng * 0x2545F4914F6CDD1Dull) >> 60); /* 1..16 */
        if (piece > n - pos)
            piece = n - pos;
        size_t end = pos + piece;
        while (pos < end) {
            size_t used = 0;
            struct mfw_wrapper_frame f;
            int r = mfw_wrapper_feed(&w, s + pos, end - pos, &used, &f);
            if (used > end - pos)
                abort();
            pos += used;
            if (r == 0) {
                if (pos != end)
                    abort();
            } else if (k >= n_want) {
                abort(); /* an event the reference does not have */
            } else if (r == 1) {
                if (f.apdu != buf || f.len < 1 || f.len > cap || want[k].kind != 1 ||
                    f.len != want[k].len || f.src_wport != want[k].src ||
                    f.dst_wport != want[k].dst || memcmp(f.apdu, s + want[k].off, f.len) != 0 ||
                    pos != want[k].off + want[k].len)
                    abort();
                k++;
            } else {
                if ((r != MFW_E_FORMAT && r != MFW_E_NOSPACE) || want[k].kind != r)
                    abort();
                /* sticky until reset */
                size_t again = 1;
                if (pos < end &&
                    (mfw_wrapper_feed(&w, s + pos, end - pos, &again, &f) != r || again != 0))
                    abort();
                mfw_wrapper_reset(&w);
                k++;
            }
        }
    }
    if (k != n_want)
        abort(); /* the split decoder missed an event of the reference */
    free(buf);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
    if (copy == NULL)
        return 0;
    if (size)
        memcpy(copy, data, size);
    check(copy, size);
    free(copy);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* cap 0x20 (byte 0 = 0x1F), split seed 7, then AARQ, GET, GET next block, RLRQ, and an
     * AARQ again that is one byte larger than cap would allow if byte 0 were smaller. */
    static const uint8_t seed[] = {
        0x1F, 0x07, 0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x1F, 0x60, 0x1D, 0xA1, 0x09, 0x06,
        0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00,
        0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x40, 0x1E, 0x1D, 0xFF, 0xFF, 0x00, 0x01, 0x00, 0x10,
        0x00, 0x01, 0x00, 0x0D, 0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xFF,
        0x02, 0x00, 0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x07, 0xC0, 0x02, 0xC1, 0x00, 0x00,
        0x00, 0x01, 0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, /* zero length: skipped */
        0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x05, 0x62, 0x03, 0x80, 0x01, 0x00,
    };
    static struct event ev[MAX_EVENTS];
    if (reference(seed + 2, sizeof seed - 2, 0x20, ev) != 4 || ev[3].kind != 1) {
        fprintf(stderr, "fuzz_wrapper: the seed does not decode\n");
        abort();
    }
    check(seed, sizeof seed);
    fuzz_seed_write("fuzz_wrapper", "wrapper-gurux.bin", seed, sizeof seed);
    return 0;
}
