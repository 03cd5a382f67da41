/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the firmware image format of meterd's slots (image_slots_parse,
 * port/posix/image_slots.h): an uploaded image is input from the head-end.
 *
 * The input is the image, copied to the heap at its exact size (ASan sees a read past it).
 * Checked: a parsed image's identification (1..MFW_IMAGE_ID_MAX bytes), signed part and
 * signature lie inside the input, the signed part is the header, the identification and the
 * body its length field says, and the signature (length field first) ends exactly at the end;
 * anything else is MFW_E_FORMAT.
 * Seeds (LLVMFuzzerInitialize, into $MFW_FUZZ_SEED_DIR when set): a well-formed image with a
 * 70-byte stand-in signature. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_slots.h"
#include "meterfw/base/error.h"
#include "meterfw/base/options.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *b = malloc(size ? size : 1);
    check(b != NULL);
    if (size)
        memcpy(b, data, size);
    const uint8_t *id = NULL, *sig = NULL;
    size_t il = 0, sl = 0, sgl = 0;
    int rc = image_slots_parse(b, size, &id, &il, &sl, &sig, &sgl);
    check(rc == MFW_OK || rc == MFW_E_FORMAT);
    if (rc == MFW_OK) {
        check(memcmp(b, "MFWI", 4) == 0);
        check(il >= 1 && il <= MFW_IMAGE_ID_MAX && id == b + 5 && b[4] == il);
        const uint8_t *p = b + 5 + il;
        size_t body = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
        check(sl == 5 + il + 4 + body && sl + 2 <= size);
        check(sig == b + sl + 2 && sgl >= 1 && sgl == ((size_t)b[sl] | (size_t)b[sl + 1] << 8));
        check(sl + 2 + sgl == size);
    }
    free(b);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("MFW_FUZZ_SEED_DIR");
    if (dir == NULL)
        return 0;
    static uint8_t img[5 + 13 + 4 + 64 + 2 + 70];
    size_t k = 0;
    memcpy(img, "MFWI", 4);
    k = 4;
    img[k++] = 13;
    memcpy(img + k, "meterfw-0.2.0", 13);
    k += 13;
    img[k++] = 64;
    img[k++] = 0;
    img[k++] = 0;
    img[k++] = 0;
    for (int j = 0; j < 64; j++)
        img[k++] = (uint8_t)(j * 7);
    img[k++] = 70;
    img[k++] = 0;
    for (int j = 0; j < 70; j++)
        img[k++] = (uint8_t)(0x30 + j);
    char path[4096];
    if (snprintf(path, sizeof path, "%s/image", dir) >= (int)sizeof path)
        return 0;
    FILE *f = fopen(path, "wb");
    if (f != NULL) {
        fwrite(img, 1, k, f);
        fclose(f);
    }
    return 0;
}
