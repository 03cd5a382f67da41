/* SPDX-License-Identifier: Apache-2.0 */
/* meterfw firmware entry: one meter per image. The port owns the instance (static storage here),
 * the core only ever gets a pointer to it (DESIGN.md: "one in a firmware image is the product").
 *
 * Two contexts touch the instance:
 *   - the ADC DMA interrupt feeds sample sets (mfw_meter_samples: metrology only, bounded time);
 *   - the main loop runs mfw_meter_tick (registers, pulses, display) under a short critical section,
 *     so a window that completes in the interrupt is taken out whole. */
#include <stdbool.h>
#include <stdint.h>

#include "hal_board.h"
#include "meterfw/base/error.h"
#include "meterfw/hal/hal.h"
#include "meterfw/meter/meter.h"

static struct board board;
static struct mfw_hal hal;
static struct mfw_meter meter;

/* ADC-complete handler: runs in the DMA interrupt, once per half-buffer. */
static void adc_frames(void *user, const struct mfw_adc_frame *f, size_t n)
{
    mfw_meter_samples(user, f, n);
}

int main(void)
{
    board_hal(&board, &hal);

    /* The configuration and state come from the store (mfw_meter_init mounts it through the HAL's
     * flash functions); PORTER: the calibration constants belong to the factory data. */
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, BOARD_PHASES == 1 ? MFW_METER_162M : MFW_METER_382M);
    cfg.metro.fs_hz = BOARD_ADC_FS_HZ;
    if (mfw_meter_init(&meter, &cfg, &hal, board_now(&board)) != MFW_OK) {
        for (;;) {
            /* impossible configuration: a build error in practice; the watchdog resets */
        }
    }

    board_init(&board, adc_frames, &meter);

    for (;;) {
        uint32_t key = board_lock();
        mfw_meter_tick(&meter, board_now(&board));
        board_unlock(key);
        board_idle();
    }
}
