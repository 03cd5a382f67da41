/* SPDX-License-Identifier: Apache-2.0 */
/* The emulated board's sample frames (port/cortex-m/an386/afe_link.h): the encoder against
 * frames written out by hand from the format (their CRC-32 computed independently, by zlib's
 * crc32), the decoder on them, on corrupted and oversized frames and on noise between frames,
 * and a round trip at the extremes of the 24-bit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "afe_link.h"

/* END at t = 0x0102030405060708: A5 5A, type 02, length 0008, t little-endian, CRC-32 over
 * type..payload = 0xE0D27A95 (zlib.crc32), little-endian. */
static const uint8_t end_frame[] = {0xa5, 0x5a, 0x02, 0x08, 0x00, 0x08, 0x07, 0x06, 0x05,
                                    0x04, 0x03, 0x02, 0x01, 0x95, 0x7a, 0xd2, 0xe0};
/* SAMPLES at 2026-06-01T12:00:00Z (1780315200000 ms = 0x019E830E1A00), 4000 Hz, 3 channels, one
 * set: V1 = 1, I1 = -1, IN = 2^23 - 1; CRC-32 0x8013589C. */
static const uint8_t samples_frame[] = {0xa5, 0x5a, 0x01, 0x15, 0x00, 0x00, 0x1a, 0x0e, 0x83, 0x9e,
                                        0x01, 0x00, 0x00, 0xa0, 0x0f, 0x03, 0x01, 0x01, 0x00, 0x00,
                                        0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x9c, 0x58, 0x13, 0x80};

static struct afe_link_rx rx;
static struct afe_link_frame fr;

/* Feeds n bytes; returns the last nonzero result (and how many there were in *count). */
static int feed(const uint8_t *p, size_t n, int *count)
{
    int last = 0, c = 0;
    for (size_t k = 0; k < n; k++) {
        int r = afe_link_rx_byte(&rx, p[k], &fr);
        if (r != 0) {
            last = r;
            c++;
        }
    }
    if (count != NULL)
        *count = c;
    return last;
}

static void encodes_by_hand(void **state)
{
    (void)state;
    uint8_t out[AFE_LINK_FRAME_MAX];
    assert_int_equal(afe_link_encode_end(out, sizeof out, 0x0102030405060708ull), sizeof end_frame);
    assert_memory_equal(out, end_frame, sizeof end_frame);
    struct mfw_adc_frame s;
    memset(&s, 0, sizeof s);
    s.v[0] = 1;
    s.i[0] = -1;
    s.i_n = 8388607;
    assert_int_equal(afe_link_encode_samples(out, sizeof out, 1780315200000ull, 4000, 1, &s, 1),
                     sizeof samples_frame);
    assert_memory_equal(out, samples_frame, sizeof samples_frame);
    /* out of range: no frame */
    assert_int_equal(afe_link_encode_samples(out, sizeof out, 0, 4000, 2, &s, 1), 0);
    assert_int_equal(afe_link_encode_samples(out, sizeof out, 0, 4000, 1, &s, 0), 0);
    assert_int_equal(
        afe_link_encode_samples(out, sizeof out, 0, 4000, 1, &s, AFE_LINK_SETS_MAX + 1u), 0);
    assert_int_equal(afe_link_encode_samples(out, sizeof samples_frame - 1u, 0, 4000, 1, &s, 1), 0);
}

static void decodes_by_hand(void **state)
{
    (void)state;
    afe_link_rx_init(&rx);
    int n;
    assert_int_equal(feed(samples_frame, sizeof samples_frame, &n), AFE_LINK_FRAME);
    assert_int_equal(n, 1);
    assert_int_equal(fr.type, AFE_LINK_SAMPLES);
    assert_true(fr.t_ms == 1780315200000ull);
    assert_int_equal(fr.fs_hz, 4000);
    assert_int_equal(fr.channels, 3);
    assert_int_equal(fr.n, 1);
    assert_int_equal(fr.sets[0].v[0], 1);
    assert_int_equal(fr.sets[0].i[0], -1);
    assert_int_equal(fr.sets[0].i_n, 8388607);
    assert_int_equal(feed(end_frame, sizeof end_frame, &n), AFE_LINK_FRAME);
    assert_int_equal(fr.type, AFE_LINK_END);
    assert_true(fr.t_ms == 0x0102030405060708ull);
    assert_int_equal(rx.frames, 2);
}

static void drops_bad_frames_and_resyncs(void **state)
{
    (void)state;
    afe_link_rx_init(&rx);
    uint8_t bad[sizeof samples_frame];
    memcpy(bad, samples_frame, sizeof bad);
    bad[18] ^= 0x01; /* one bit of V1 */
    assert_int_equal(feed(bad, sizeof bad, NULL), AFE_LINK_E_CRC);
    /* noise with a lone sync byte, then a good frame */
    static const uint8_t noise[] = {0x00, 0xa5, 0x00, 0xa5, 0xa5, 0x13};
    assert_int_equal(feed(noise, sizeof noise, NULL), 0);
    assert_int_equal(feed(end_frame, sizeof end_frame, NULL), AFE_LINK_FRAME);
    /* a length above the maximum is refused at the header, before any payload */
    static const uint8_t big[] = {0xa5, 0x5a, 0x01, 0xff, 0xff};
    assert_int_equal(feed(big, sizeof big, NULL), AFE_LINK_E_LENGTH);
    /* SAMPLES whose length does not match its counts (n = 2 with one set), CRC made right */
    uint8_t lie[sizeof samples_frame];
    memcpy(lie, samples_frame, sizeof lie);
    lie[16] = 2;
    /* CRC-32 of the changed frame (zlib.crc32): 0x6B24E39F */
    lie[26] = 0x9f;
    lie[27] = 0xe3;
    lie[28] = 0x24;
    lie[29] = 0x6b;
    assert_int_equal(feed(lie, sizeof lie, NULL), AFE_LINK_E_LENGTH);
    assert_int_equal(feed(samples_frame, sizeof samples_frame, NULL), AFE_LINK_FRAME);
    assert_int_equal(rx.crc_errors, 1);
    assert_int_equal(rx.length_errors, 2);
    assert_int_equal(rx.frames, 2);
}

static void round_trip_three_phases(void **state)
{
    (void)state;
    static struct mfw_adc_frame in[AFE_LINK_SETS_MAX];
    for (unsigned k = 0; k < AFE_LINK_SETS_MAX; k++) {
        for (unsigned p = 0; p < 3; p++) {
            in[k].v[p] = (int32_t)(k * 104729u + p * 7u) % 8388608 - (k % 2 ? 8388608 : 0);
            in[k].i[p] = -(int32_t)(k * 7919u + p);
        }
        in[k].i_n = k == 0 ? -8388608 : (int32_t)k;
    }
    static uint8_t buf[AFE_LINK_FRAME_MAX];
    size_t len = afe_link_encode_samples(buf, sizeof buf, 42, 4000, 3, in, AFE_LINK_SETS_MAX);
    assert_int_equal(len, AFE_LINK_FRAME_MAX);
    afe_link_rx_init(&rx);
    assert_int_equal(feed(buf, len, NULL), AFE_LINK_FRAME);
    assert_int_equal(fr.channels, 7);
    assert_int_equal(fr.n, AFE_LINK_SETS_MAX);
    for (unsigned k = 0; k < AFE_LINK_SETS_MAX; k++) {
        for (unsigned p = 0; p < 3; p++) {
            assert_int_equal(fr.sets[k].v[p], in[k].v[p]);
            assert_int_equal(fr.sets[k].i[p], in[k].i[p]);
        }
        assert_int_equal(fr.sets[k].i_n, in[k].i_n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encodes_by_hand),
        cmocka_unit_test(decodes_by_hand),
        cmocka_unit_test(drops_bad_frames_and_resyncs),
        cmocka_unit_test(round_trip_three_phases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
