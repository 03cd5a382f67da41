/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the emulated board's sample frames (port/cortex-m/an386/afe_link.h):
 * the decoder the image runs on its front end's UART is input from outside the meter.
 *
 * The input is the byte stream. The decoder is on the heap at its exact size, so ASan sees any
 * write past its receive buffer. Checked on every byte:
 *   - the result is 0, AFE_LINK_FRAME or one of the three errors, and each is counted once;
 *   - a frame decodes to a well-formed value (type, channels 3 or 7, 1..AFE_LINK_SETS_MAX sets,
 *     every code a signed 24-bit number), and encoding it again gives exactly the bytes of the
 *     stream it came from (its last `len` bytes): nothing is invented, dropped or reordered.
 * Seeds (LLVMFuzzerInitialize, into $MFW_FUZZ_SEED_DIR when set): a 162M and a 382M SAMPLES
 * frame and an END frame, concatenated and alone. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afe_link.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static int in24(int32_t v)
{
    return v >= -8388608 && v <= 8388607;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct afe_link_rx *rx = malloc(sizeof *rx);
    struct afe_link_frame *fr = malloc(sizeof *fr);
    uint8_t *again = malloc(AFE_LINK_FRAME_MAX);
    check(rx != NULL && fr != NULL && again != NULL);
    afe_link_rx_init(rx);
    uint32_t frames = 0, errors = 0;
    for (size_t k = 0; k < size; k++) {
        int r = afe_link_rx_byte(rx, data[k], fr);
        check(r == 0 || r == AFE_LINK_FRAME || r == AFE_LINK_E_CRC || r == AFE_LINK_E_LENGTH ||
              r == AFE_LINK_E_TYPE);
        if (r < 0)
            errors++;
        if (r != AFE_LINK_FRAME)
            continue;
        frames++;
        size_t len;
        if (fr->type == AFE_LINK_END) {
            len = afe_link_encode_end(again, AFE_LINK_FRAME_MAX, fr->t_ms);
        } else {
            check(fr->type == AFE_LINK_SAMPLES);
            check(fr->channels == 3 || fr->channels == 7);
            check(fr->n >= 1 && fr->n <= AFE_LINK_SETS_MAX);
            unsigned ph = fr->channels == 3 ? 1u : 3u;
            for (unsigned s = 0; s < fr->n; s++) {
                for (unsigned p = 0; p < ph; p++)
                    check(in24(fr->sets[s].v[p]) && in24(fr->sets[s].i[p]));
                check(in24(fr->sets[s].i_n));
            }
            len = afe_link_encode_samples(again, AFE_LINK_FRAME_MAX, fr->t_ms, fr->fs_hz,
                                          (uint8_t)ph, fr->sets, fr->n);
        }
        check(len > 0 && len <= k + 1);
        check(memcmp(again, data + k + 1 - len, len) == 0);
    }
    check(rx->frames == frames);
    check(rx->crc_errors + rx->length_errors + rx->type_errors == errors);
    free(again);
    free(fr);
    free(rx);
    return 0;
}

static void write_seed(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return;
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return;
    fwrite(p, 1, n, f);
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("MFW_FUZZ_SEED_DIR");
    if (dir == NULL)
        return 0;
    static struct mfw_adc_frame sets[4];
    for (int k = 0; k < 4; k++)
        for (int p = 0; p < 3; p++) {
            sets[k].v[p] = 1000 * k - 8388608 * (k == 3);
            sets[k].i[p] = -77 * k + p;
            sets[k].i_n = 8388607 - k;
        }
    static uint8_t all[3 * AFE_LINK_FRAME_MAX];
    size_t n1 =
        afe_link_encode_samples(all, AFE_LINK_FRAME_MAX, 1780315200000ull, 4000, 1, sets, 4);
    size_t n2 =
        afe_link_encode_samples(all + n1, AFE_LINK_FRAME_MAX, 1780315200001ull, 4000, 3, sets, 4);
    size_t n3 = afe_link_encode_end(all + n1 + n2, AFE_LINK_FRAME_MAX, 1780315201000ull);
    write_seed(dir, "samples-162m", all, n1);
    write_seed(dir, "samples-382m", all + n1, n2);
    write_seed(dir, "end", all + n1 + n2, n3);
    write_seed(dir, "stream", all, n1 + n2 + n3);
    return 0;
}
