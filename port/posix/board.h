/* SPDX-License-Identifier: Apache-2.0 */
/* board: meterd's struct hal, the virtual meter's hardware: the file-backed NOR flash
 * (flash_file.h) and an RTC whose backup can be flat (--rtc-lost). No outputs, relays or inputs
 * (NULL: the meter does without). */
#ifndef METERD_BOARD_H
#define METERD_BOARD_H

#include <stdbool.h>

#include "flash_file.h"
#include "meterfw/hal/hal.h"

struct board {
    struct flash_file flash;
    bool rtc_lost; /* what hal.rtc_lost() answers: the RTC backup was flat at this power-up */
    /* the temperature sensor beside the shunts (deg C); NULL = none */
    double (*temperature)(const void *ctx);
    const void *temperature_ctx;
};

/* Fills h (zeroed first) with the board's functions; ctx = b. */
void board_hal(struct board *b, struct mfw_hal *h);

#endif /* METERD_BOARD_H */
