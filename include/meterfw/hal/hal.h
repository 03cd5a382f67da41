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

/* Bits of hal.inputs(): covers, field sensor, push button. */
enum mfw_hal_input {
    MFW_HAL_IN_MAIN_COVER = 1u << 0,
    MFW_HAL_IN_TERMINAL_COVER = 1u << 1,
    MFW_HAL_IN_MAGNETIC_FIELD = 1u << 2,
    MFW_HAL_IN_BUTTON = 1u << 3,
};

struct mfw_crypto_port; /* AES-GCM, key wrap, CMAC: defined with the security layer */

struct mfw_hal {
    void *ctx;
    /* NOR flash: erase sets a sector to 0xFF, program only clears bits. Return 0 or MFW_E_IO. */
    int (*flash_read)(void *ctx, uint32_t addr, void *buf, size_t len);
    int (*flash_prog)(void *ctx, uint32_t addr, const void *buf, size_t len);
    int (*flash_erase)(void *ctx, uint32_t sector);
    /* Drive a digital output (S0, LED). */
    void (*output_set)(void *ctx, enum mfw_hal_output out, bool on);
    /* Disconnector and load-control relays. */
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
    const struct mfw_crypto_port *crypto;
};

#endif /* METERFW_HAL_HAL_H */
