/* SPDX-License-Identifier: Apache-2.0 */
/* Board support for the generic Cortex-M4F port: the one place a porter adapts meterfw to a PCB.
 *
 * struct board holds everything the hardware side of one meter needs (ADC DMA buffers, the
 * millisecond clock, flash geometry, output and relay state). main.c owns the single instance in
 * static storage; the core never sees it, only the struct mfw_hal that board_hal() fills.
 *
 * Every register address in hal_board.c marked PLACEHOLDER is not a real peripheral of any part:
 * replace it with your MCU's (or include the vendor CMSIS device header and use its names).
 * Architectural Cortex-M registers (SysTick, NVIC, SCB) are real and marked ARMv7-M. */
#ifndef METERFW_PORT_HAL_BOARD_H
#define METERFW_PORT_HAL_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"
#include "meterfw/hal/hal.h"
#include "meterfw/metrology/metrology.h"

/* ---- PORTER: board constants ------------------------------------------------------------- */
#define BOARD_HCLK_HZ 168000000u /* core clock after SystemInit / board_clock_init */
#define BOARD_ADC_FS_HZ 4000u    /* sample sets per second the AFE delivers */
#define BOARD_PHASES 3u          /* 3 for a 382M-like meter, 1 for a 162M-like meter */
/* Sample sets per DMA half-buffer: 40 at 4 kHz = one interrupt every 10 ms, half a 50 Hz
 * cycle. Bigger halves mean fewer interrupts but a longer mfw_metrology_samples() call each. */
#define BOARD_ADC_FRAMES 40u
/* Raw ADC channels per sample set in DMA order: V1..V3, I1..I3, IN. */
#define BOARD_ADC_CHANNELS (2u * MFW_PHASES_MAX + 1u)
#define BOARD_RELAYS 2u /* relay 0: main disconnector, 1: auxiliary load control */

/* Internal flash sectors given to the store (src/store), below the end of FLASH in linker.ld.
 * Addresses the core passes to hal.flash_* are offsets into this area. */
#define BOARD_STORE_BASE 0x08060000u /* PLACEHOLDER: the last 128K of a 512K part */
#define BOARD_STORE_SECTOR 0x20000u  /* erase granularity */
#define BOARD_STORE_SECTORS 1u

/* Device interrupt number of the DMA stream that moves ADC sets, and its vector name in
 * startup.c (IRQ<n>_Handler). PLACEHOLDER: 56 is DMA2 stream 0 on an STM32F4; both lines must
 * agree. */
#define BOARD_ADC_DMA_IRQn 56u
#define BOARD_ADC_DMA_IRQHandler IRQ56_Handler

/* Called from the ADC DMA interrupt with n converted sample sets; runs at interrupt priority. */
typedef void (*board_frames_fn)(void *user, const struct mfw_adc_frame *f, size_t n);

struct board {
    /* ADC: circular DMA destination in two halves. The DMA (or an SPI-DMA chain from an external
     * sigma-delta AFE) writes raw codes here while the CPU converts the other half. */
    int32_t dma_raw[2u * BOARD_ADC_FRAMES][BOARD_ADC_CHANNELS];
    struct mfw_adc_frame frames[BOARD_ADC_FRAMES]; /* the half being handed to on_frames */
    board_frames_fn on_frames;
    void *user;
    volatile uint32_t adc_overruns; /* both halves were ready at once: a half was lost */
    /* Interrupt budget, measured with the DWT cycle counter: cycles spent in on_frames for the
     * last half-buffer and the worst so far (read them with a debugger; README.md). */
    volatile uint32_t adc_cycles_last, adc_cycles_max;

    /* Clock: SysTick counts milliseconds; utc_base_ms is UTC at tick 0 (set from the RTC or by
     * the meter's clock object). */
    volatile uint32_t ticks_ms;
    mfw_ms_t utc_base_ms;

    /* Flash area of the store. */
    uint32_t flash_base, flash_sector_size, flash_sectors;

    /* Outputs and relays as last commanded (bit n = enum mfw_hal_output n). */
    uint32_t outputs;
    bool relay_closed[BOARD_RELAYS];
};

/* Clocks, GPIO, SysTick (1 ms), ADC + DMA; then enables the interrupts. on_frames gets every
 * half-buffer of sample sets. */
void board_init(struct board *b, board_frames_fn on_frames, void *user);

/* Fills h with this board's functions and b as their context. */
void board_hal(struct board *b, struct mfw_hal *h);

/* UTC now in ms: utc_base_ms + ticks. Only the port reads a clock; the core gets `now`. */
mfw_ms_t board_now(const struct board *b);
void board_set_utc(struct board *b, mfw_ms_t now);

/* Critical section against the ADC and SysTick interrupts (PRIMASK). Keep it to copies. */
uint32_t board_lock(void);
void board_unlock(uint32_t key);

/* Sleep until the next interrupt. */
void board_idle(void);

/* Interrupt handlers this file defines (vector slots in startup.c). */
void SysTick_Handler(void);
void BOARD_ADC_DMA_IRQHandler(void);

#endif /* METERFW_PORT_HAL_BOARD_H */
