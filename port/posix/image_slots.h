/* SPDX-License-Identifier: Apache-2.0 */
/* image_slots: meterd's firmware image slots (hal.h struct mfw_image_port), a file-backed pair in
 * the state directory, so that image transfer (IC 18) runs the same state machine as on a
 * device (docs/firmware.md "Firmware update"):
 *   DIR/slot-a.img, DIR/slot-b.img  the two images (slot A without a file: the factory image,
 *                                   identification IMAGE_SLOTS_FACTORY_ID)
 *   DIR/slots                       "active A|B trial 0|1": which slot runs and whether it runs
 *                                   on trial (written atomically: a temporary file renamed)
 * An image (the format a signer makes, docs/firmware.md):
 *   "MFWI" | id_len u8 (1..32) | identification | body_len u32 LE | body |
 *   sig_len u16 LE | DER ECDSA P-256 signature (SEQUENCE {r, s}) over SHA-256 of all before sig_len
 * verified with Mbed TLS 2.28 (mbedtls_pk_verify) against the key given to meterd (--image-key):
 * the key of the running image's protected area on a device. An image that does not parse, is
 * unsigned or wrongly signed, or carries bytes after its signature is refused.
 * Boot: a slot on trial that the previous run did not confirm is rolled back at open. */
#ifndef METERD_IMAGE_SLOTS_H
#define METERD_IMAGE_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/hal/hal.h"

#define IMAGE_SLOTS_FACTORY_ID "meterfw-0.1.0"
#define IMAGE_SLOTS_MAX (1u << 20) /* 1 MiB per slot */

struct image_slots {
    char dir[4096];
    unsigned char key[4096]; /* the PEM public key, NUL-terminated */
    size_t key_len;          /* with the NUL (what mbedtls_pk_parse_public_key wants) */
    unsigned active;         /* 0 = A, 1 = B */
    bool trial;
    bool no_confirm;  /* --image-no-confirm: confirm fails, as a broken image's self-test */
    bool reboot;      /* activate asked for a reset: meterd re-initialises the meter */
    bool rolled_back; /* open found an unconfirmed trial and went back */
    uint32_t size;    /* the new image's size (begin) */
    struct mfw_image_port port;
};

/* Parses an image b[0..n) (the format above; no signature check): MFW_OK with its
 * identification, the length of the signed part and the signature's place, all inside b; or
 * MFW_E_FORMAT. */
int image_slots_parse(const uint8_t *b, size_t n, const uint8_t **id, size_t *id_len,
                      size_t *signed_len, const uint8_t **sig, size_t *sig_len);

/* Opens dir's slots with the key file (PEM); rolls back an unconfirmed trial. 0, or -1 with a
 * message. */
int image_slots_open(struct image_slots *s, const char *dir, const char *key_file, char *err,
                     size_t cap);

#endif /* METERD_IMAGE_SLOTS_H */
