/* SPDX-License-Identifier: Apache-2.0 */
/* The contract between the portable core and the hardware (DESIGN.md "hal"). A port fills one
 * struct mfw_hal per meter: a context pointer and function pointers, as littlefs's struct lfs_config,
 * never weak symbols or link-time hooks. The core only calls what is set; a NULL member means the
 * hardware does not have that function. */
#ifndef METERFW_HAL_HAL_H
#define METERFW_HAL_HAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Digital outputs the meter drives. */
enum mfw_hal_output {
    MFW_HAL_OUT_S0 = 0,  /* S0 pulse output, DIN 43864 */
    MFW_HAL_OUT_LED = 1, /* metrology test LED */
};

/* Bits of hal.inputs(), each set while its condition holds: the meter cover is open (removed),
 * the terminal cover is open, the field sensor senses a strong (DC) magnetic field, the push
 * button is pressed. */
enum mfw_hal_input {
    MFW_HAL_IN_MAIN_COVER = 1u << 0,
    MFW_HAL_IN_TERMINAL_COVER = 1u << 1,
    MFW_HAL_IN_MAGNETIC_FIELD = 1u << 2,
    MFW_HAL_IN_BUTTON = 1u << 3,
};

/* The relays of hal.relay_set / relay_sensed: the supply breaker (the disconnector, in a model
 * with breaker) and the load-control relays 1 and 2 (by model option). */
enum mfw_hal_relay {
    MFW_HAL_RELAY_BREAKER = 0,
    MFW_HAL_RELAY_LOAD1 = 1,
    MFW_HAL_RELAY_LOAD2 = 2,
};

/* The cryptography a port provides (DESIGN.md: "never write cryptography yourself"): AES-128-GCM
 * with the 12-byte tag of DLMS security suite 0, AES-128 key wrap (RFC 3394) for key transfer,
 * and random bytes for HLS challenges. The core builds every security header, IV, AAD and key
 * choice itself (src/dlms/security.c) and calls only these. Keys are passed on every call (16
 * bytes each): a port may cache their schedules, the core never hands over key handles. Every
 * function returns MFW_OK (0), MFW_E_AUTH (a tag or an unwrap check that does not verify: the
 * output is then wiped) or MFW_E_IO (the port failed). The posix port implements it on Mbed TLS
 * and nettle (port/posix/crypto_port.c). */
#define MFW_CRYPTO_KEY_LEN 16u
#define MFW_CRYPTO_IV_LEN 12u
#define MFW_CRYPTO_TAG_LEN 12u
#define MFW_CRYPTO_WRAPPED_LEN 24u /* RFC 3394: a 128-bit key wrapped is 192 bits */
struct mfw_crypto_port {
    void *ctx;
    /* GCM-AE (NIST SP 800-38D): out[0..len) = ciphertext of in (in == out allowed), tag = the
     * first 12 bytes of the authentication tag over aad and the ciphertext. len 0 is GMAC. */
    int (*gcm_encrypt)(void *ctx, const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out,
                       uint8_t tag[12]);
    /* GCM-AD: checks the 12-byte tag in constant time; MFW_OK and out = plaintext, or MFW_E_AUTH
     * and out[0..len) wiped. in == out allowed. */
    int (*gcm_decrypt)(void *ctx, const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                       size_t aad_len, const uint8_t *in, size_t len, const uint8_t tag[12],
                       uint8_t *out);
    /* RFC 3394 with the default IV A6A6A6A6A6A6A6A6: a 16-byte key wrapped under kek into 24
     * bytes, and back (MFW_E_AUTH when the integrity check fails: a wrong kek or a tampered
     * input; key is then wiped). */
    int (*key_wrap)(void *ctx, const uint8_t kek[16], const uint8_t key[16], uint8_t out[24]);
    int (*key_unwrap)(void *ctx, const uint8_t kek[16], const uint8_t in[24], uint8_t key[16]);
    /* AES-128-CBC encryption (NIST SP 800-38A) of len bytes, len a multiple of 16, without
     * padding: the wireless M-Bus TPL security mode 5 (EN 13757-7 / OMS). NULL: not offered. */
    int (*aes_cbc_encrypt)(void *ctx, const uint8_t key[16], const uint8_t iv[16],
                           const uint8_t *in, size_t len, uint8_t *out);
    /* n bytes from a cryptographically secure source (HLS challenges). */
    int (*random)(void *ctx, uint8_t *out, size_t n);
};

/* Firmware images (COSEM image transfer, IC 18; docs/firmware.md "Firmware update"): two slots,
 * the running image's and the other one, which receives a new image. The port owns the slots,
 * the image format and its signature check (ECDSA P-256 with the key of the running image's
 * protected area: never in the core, DESIGN.md "never write cryptography yourself"), and the
 * boot: a new image boots once on trial and is rolled back at the next boot unless it confirmed
 * itself. Every function returns MFW_OK or a negative MFW_E_* code. */
struct mfw_image_port {
    void *ctx;
    uint32_t slot_size; /* the largest image the other slot takes, bytes */
    /* Erases the other slot for a new image of size bytes. */
    int (*begin)(void *ctx, uint32_t size);
    /* len bytes of the new image at offset (within the size given to begin). */
    int (*write)(void *ctx, uint32_t offset, const uint8_t *data, size_t len);
    /* Checks the size bytes in the other slot: format, digest and signature. MFW_OK and the
     * image's identification (id[0..*id_len), at most cap bytes); MFW_E_AUTH for an unsigned or
     * wrongly signed image, MFW_E_FORMAT for one that is not an image. */
    int (*verify)(void *ctx, uint32_t size, uint8_t *id, size_t cap, size_t *id_len);
    /* Boots the verified other slot on trial: the port resets the meter (now or once the reply
     * is out). */
    int (*activate)(void *ctx);
    /* The running image's identification; *trial: it runs on trial, not yet confirmed. */
    int (*running)(void *ctx, uint8_t *id, size_t cap, size_t *id_len, bool *trial);
    /* The running image (on trial) passed its self-test: keep it. */
    int (*confirm)(void *ctx);
};

struct mfw_hal {
    void *ctx;
    /* NOR flash: erase sets a sector to 0xFF, program only clears bits. Return 0 or MFW_E_IO. */
    int (*flash_read)(void *ctx, uint32_t addr, void *buf, size_t len);
    int (*flash_prog)(void *ctx, uint32_t addr, const void *buf, size_t len);
    int (*flash_erase)(void *ctx, uint32_t sector);
    /* Drive a digital output (S0, LED). */
    void (*output_set)(void *ctx, enum mfw_hal_output out, bool on);
    /* Disconnector and load-control relays (enum mfw_hal_relay): relay_set commands the contact,
     * relay_sensed reports where the contact actually is (an auxiliary contact of the breaker:
     * a welded contact reads closed whatever it was told). relay_sensed NULL: no sensor, the
     * meter judges the contact by the current that flows. */
    void (*relay_set)(void *ctx, unsigned relay, bool closed);
    bool (*relay_sensed)(void *ctx, unsigned relay);
    /* True if the RTC lost its time while the meter was without power (flat backup): the meter
     * then marks its clock invalid until it is set. NULL = the RTC never loses time. */
    bool (*rtc_lost)(void *ctx);
    /* Covers, field sensor, button: a set of enum mfw_hal_input bits. */
    uint32_t (*inputs)(void *ctx);
    /* The temperature sensor beside the shunts (an AFE's, ADE9000 TEMP_RSLT; ADE7932's beside
     * the shunt), in milli-degrees Celsius: 0, or MFW_E_IO for a failed reading (the metrology
     * keeps the last one). Read once per measurement window; the metrology compensates the
     * sensors' temperature drift with it. NULL = no sensor: no temperature compensation. */
    int (*temperature)(void *ctx, int32_t *milli_c);
    /* True if the last reset was the watchdog's (asked once at each power-up): the meter logs
     * event 15 and sets the error register's watchdog bit. NULL = never. */
    bool (*watchdog_reset)(void *ctx);
    const struct mfw_crypto_port *crypto;
    /* The checksum of the legally relevant part of the running software (WELMEC 7.2 P2, P5;
     * docs/welmec.md): CRC-32 (base/crc.h) of its code and constants, computed now, and their
     * length. NULL: none (1.0.0.2.8.255 is not shown). */
    int (*legal_checksum)(void *ctx, uint32_t *crc, uint32_t *len);
    /* Firmware images; NULL: no firmware update (the image transfer object is not shown). */
    const struct mfw_image_port *image;
};

#endif /* METERFW_HAL_HAL_H */
