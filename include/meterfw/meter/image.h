/* SPDX-License-Identifier: Apache-2.0 */
/* image: the meter's side of a firmware update, the state machine of COSEM image transfer
 * (IC 18, 0.0.44.0.0.255; Blue Book 4.4.6 [M], firmware reference section 3): initiate, blocks
 * in any order with a bit per block, verify, activate. The bytes go to the port's other slot and
 * the signature is checked there (hal.h struct mfw_image_port); the core keeps which blocks came
 * and the status, in RAM (a power-up starts afresh, as a transfer the head-end re-initiates).
 *
 *   status (attribute 6): 0 not initiated, 1 initiated, 2 verification initiated, 3 verification
 *   successful, 4 verification failed, 5 activation initiated, 6 activation successful,
 *   7 activation failed. */
#ifndef METERFW_METER_IMAGE_H
#define METERFW_METER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/hal/hal.h"

enum mfw_image_status {
    MFW_IMAGE_NOT_INITIATED = 0,
    MFW_IMAGE_INITIATED = 1,
    MFW_IMAGE_VERIFYING = 2,
    MFW_IMAGE_VERIFIED = 3,
    MFW_IMAGE_VERIFY_FAILED = 4,
    MFW_IMAGE_ACTIVATING = 5,
    MFW_IMAGE_ACTIVATED = 6,
    MFW_IMAGE_ACTIVATE_FAILED = 7,
};

struct mfw_image {
    uint8_t status;        /* enum mfw_image_status */
    bool enabled;          /* attribute 5 */
    uint32_t block_size;   /* bytes per block, fitted to the server's PDU (mfw_image_init) */
    uint32_t size, blocks; /* the image being transferred */
    uint32_t received;     /* blocks received so far */
    uint8_t id[MFW_IMAGE_ID_MAX];
    uint8_t id_len;                          /* its image_identifier (initiate) */
    uint8_t bits[MFW_IMAGE_BLOCKS_MAX / 8u]; /* bit n (MSB first): block n received */
    uint8_t signed_id[MFW_IMAGE_ID_MAX];     /* the identification the verified image carries */
    uint8_t signed_id_len;
};

/* Not initiated, transfers enabled, block_size bytes per block (at least 16). */
void mfw_image_init(struct mfw_image *im, uint32_t block_size);

/* The block size that fits an ACTION image_block_transfer request in a PDU of max_pdu bytes
 * (the server's max receive PDU): the request's header and a ciphering header and tag (suite 0:
 * 5 + 12 bytes) take at most 64 bytes; a multiple of 16, at least 16. */
uint32_t mfw_image_block_size(uint32_t max_pdu);

/* image_transfer_initiate(identifier, size): a new transfer (the blocks of a former one are
 * forgotten) into the port's other slot. MFW_OK; MFW_E_STATE when disabled or without a port,
 * MFW_E_RANGE for a size 0, above the slot or above MFW_IMAGE_BLOCKS_MAX blocks, or an
 * identifier longer than MFW_IMAGE_ID_MAX; MFW_E_IO when the slot cannot be erased. */
int mfw_image_initiate(struct mfw_image *im, const struct mfw_image_port *port, const uint8_t *id,
                       size_t id_len, uint32_t size);

/* image_block_transfer(n, data): block n (block_size bytes, the last one the rest). Again the same
 * block is taken again (a head-end that resends). MFW_OK; MFW_E_STATE before initiate or after
 * verify started; MFW_E_RANGE for n >= blocks or a length that is not the block's. */
int mfw_image_block(struct mfw_image *im, const struct mfw_image_port *port, uint32_t n,
                    const uint8_t *data, size_t len);

/* The first block not yet received (attribute 4), blocks when all are in. */
uint32_t mfw_image_first_missing(const struct mfw_image *im);

/* image_verify: every block received and the port's check passed: MFW_OK, status 3; else status
 * 4 and MFW_E_STATE (blocks missing, or not initiated), MFW_E_AUTH (signature) or MFW_E_FORMAT. */
int mfw_image_verify(struct mfw_image *im, const struct mfw_image_port *port);

/* image_activate: the verified image boots on trial (the port resets). MFW_OK, status 5;
 * MFW_E_STATE unless verified (status 3). */
int mfw_image_activate(struct mfw_image *im, const struct mfw_image_port *port);

#endif /* METERFW_METER_IMAGE_H */
