/* SPDX-License-Identifier: Apache-2.0 */
/* image: the image transfer state machine (image.h). */
#include "meterfw/meter/image.h"

#include <string.h>

#include "meterfw/base/error.h"

void mfw_image_init(struct mfw_image *im, uint32_t block_size)
{
    memset(im, 0, sizeof *im);
    im->enabled = true;
    im->block_size = block_size < 16u ? 16u : block_size;
}

uint32_t mfw_image_block_size(uint32_t max_pdu)
{
    /* ACTION-Request-Normal (C3 01 id + 9-byte method descriptor + parameter flag) and the
     * structure {double-long-unsigned, octet-string with a 3-byte length}: 24 bytes; a glo-
     * ciphering header (tag, length, SC, IC: 8) and the 12-byte tag: 20 more (Green Book 9.2.7.2
     * [M]). 64 leaves room for the length forms. */
    uint32_t b = max_pdu > 80u ? (max_pdu - 64u) & ~15u : 16u;
    return b;
}

static bool have(const struct mfw_image *im, uint32_t n)
{
    /* Blue Book: bit n of image_transferred_blocks_status is block n, the first block the
     * leftmost bit (firmware reference 3.1, as Gurux's bitarray) */
    return (im->bits[n / 8u] & (0x80u >> (n % 8u))) != 0;
}

int mfw_image_initiate(struct mfw_image *im, const struct mfw_image_port *port, const uint8_t *id,
                       size_t id_len, uint32_t size)
{
    if (!im->enabled || port == NULL)
        return MFW_E_STATE;
    if (size == 0 || size > port->slot_size || id_len > sizeof im->id || (id == NULL && id_len))
        return MFW_E_RANGE;
    uint32_t blocks = size / im->block_size + (size % im->block_size != 0);
    if (blocks > MFW_IMAGE_BLOCKS_MAX)
        return MFW_E_RANGE;
    im->status = MFW_IMAGE_NOT_INITIATED;
    memset(im->bits, 0, sizeof im->bits);
    im->received = 0;
    im->signed_id_len = 0;
    if (port->begin(port->ctx, size) != MFW_OK)
        return MFW_E_IO;
    im->size = size;
    im->blocks = blocks;
    if (id_len)
        memcpy(im->id, id, id_len);
    im->id_len = (uint8_t)id_len;
    im->status = MFW_IMAGE_INITIATED;
    return MFW_OK;
}

int mfw_image_block(struct mfw_image *im, const struct mfw_image_port *port, uint32_t n,
                    const uint8_t *data, size_t len)
{
    if (port == NULL || im->status != MFW_IMAGE_INITIATED)
        return MFW_E_STATE;
    if (n >= im->blocks)
        return MFW_E_RANGE;
    uint32_t off = n * im->block_size;
    uint32_t want = im->size - off < im->block_size ? im->size - off : im->block_size;
    if (len != want || data == NULL)
        return MFW_E_RANGE;
    if (port->write(port->ctx, off, data, len) != MFW_OK)
        return MFW_E_IO;
    if (!have(im, n)) {
        im->bits[n / 8u] |= (uint8_t)(0x80u >> (n % 8u));
        im->received++;
    }
    return MFW_OK;
}

uint32_t mfw_image_first_missing(const struct mfw_image *im)
{
    for (uint32_t n = 0; n < im->blocks; n++)
        if (!have(im, n))
            return n;
    return im->blocks;
}

int mfw_image_verify(struct mfw_image *im, const struct mfw_image_port *port)
{
    if (port == NULL || im->status == MFW_IMAGE_NOT_INITIATED)
        return MFW_E_STATE;
    if (im->status == MFW_IMAGE_VERIFIED)
        return MFW_OK;
    if (im->status != MFW_IMAGE_INITIATED && im->status != MFW_IMAGE_VERIFY_FAILED)
        return MFW_E_STATE;
    if (im->received != im->blocks) {
        im->status = MFW_IMAGE_VERIFY_FAILED;
        return MFW_E_STATE;
    }
    im->status = MFW_IMAGE_VERIFYING;
    size_t n = 0;
    int rc = port->verify(port->ctx, im->size, im->signed_id, sizeof im->signed_id, &n);
    if (rc != MFW_OK || n > sizeof im->signed_id) {
        im->signed_id_len = 0;
        im->status = MFW_IMAGE_VERIFY_FAILED;
        return rc == MFW_OK ? MFW_E_FORMAT : rc;
    }
    im->signed_id_len = (uint8_t)n;
    im->status = MFW_IMAGE_VERIFIED;
    return MFW_OK;
}

int mfw_image_activate(struct mfw_image *im, const struct mfw_image_port *port)
{
    if (port == NULL || im->status != MFW_IMAGE_VERIFIED)
        return MFW_E_STATE;
    im->status = MFW_IMAGE_ACTIVATING;
    if (port->activate(port->ctx) != MFW_OK) {
        im->status = MFW_IMAGE_ACTIVATE_FAILED;
        return MFW_E_IO;
    }
    return MFW_OK;
}
