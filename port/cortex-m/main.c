/* meterfw firmware entry: one meter per image. The port owns the instance (static storage here),
 * the core only ever gets a pointer to it (DESIGN.md: "one in a firmware image is the product").
 *
 * Two contexts touch the instance:
 *   - the ADC DMA interrupt feeds sample sets (adc_frames -> metrology_samples), bounded time;
 *   - the main loop takes completed windows and energy out under a short critical section.
 *
 * TODO(meter): when struct meter exists, replace struct metrology by struct meter:
 *   static struct meter meter;                 instead of metro
 *   meter_init(&meter, &config, &hal)          instead of metrology_default_config + _init
 *   meter_samples(&meter, f, n)                in adc_frames()
 *   meter_tick(&meter, board_now(&board))      in the main loop, instead of read + drain
 * Only this file changes; the board, startup and build stay as they are. */
#include <stdbool.h>
#include <stdint.h>

#include "hal_board.h"
#include "meterfw/error.h"
#include "meterfw/hal.h"
#include "meterfw/metrology.h"

static struct board board;
static struct hal hal;
static struct metrology metro; /* TODO(meter): static struct meter meter; */

/* What the main loop last took out; meter_tick will own registers, tariffs and profiles. */
static struct metrology_values last_values;
static struct energy_delta last_delta;
static uint64_t a_plus_total_uwh; /* stand-in for the meter's A+ register */

/* ADC-complete handler: runs in the DMA interrupt, once per half-buffer. */
static void adc_frames(void *user, const struct adc_frame *f, size_t n)
{
    struct metrology *mt = user;
    metrology_samples(mt, f, n); /* TODO(meter): meter_samples(&meter, f, n) */
}

int main(void)
{
    board_hal(&board, &hal); /* TODO(meter): passed to meter_init(&meter, &config, &hal) */

    /* TODO(meter): meter_init() takes the configuration and calibration from the store. */
    struct metrology_config cfg;
    metrology_default_config(&cfg, BOARD_PHASES, BOARD_ADC_FS_HZ, 50);
    if (metrology_init(&metro, &cfg) != MFW_OK) {
        for (;;) {
            /* impossible configuration: a build error in practice; the watchdog resets */
        }
    }

    board_init(&board, adc_frames, &metro);

    for (;;) {
        /* TODO(meter): meter_tick(&meter, board_now(&board)) replaces this block. */
        uint32_t key = board_lock();
        bool fresh = metrology_read(&metro, &last_values);
        if (fresh)
            metrology_drain(&metro, &last_delta);
        board_unlock(key);
        if (fresh)
            a_plus_total_uwh += last_delta.uwh[ENERGY_TOTAL][EQ_AP];
        board_idle();
    }
}
