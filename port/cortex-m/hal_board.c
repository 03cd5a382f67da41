/* SPDX-License-Identifier: Apache-2.0 */
/* HAL skeleton for a generic Cortex-M4F meter board. See hal_board.h and README.md.
 *
 * Everything here is written the way a real port is shaped (register accesses, interrupt
 * handlers, error returns), but registers marked PLACEHOLDER point at invented addresses.
 * A porter replaces them with the MCU's peripherals, keeping the function contracts of
 * include/meterfw/hal/hal.h. Nothing in this file is part of the portable core: statics and
 * interrupt handlers are fine here and only here. */
#include "hal_board.h"

#include <string.h>

#include "meterfw/base/error.h"

/* ---- registers ------------------------------------------------------------------------------ */
#define REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ARMv7-M architectural registers (real on every Cortex-M4). */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define NVIC_ISER(n) REG32(0xE000E100u + 4u * (n))
#define NVIC_IPR8(n) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (n)))
#define DEMCR REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CYCCNT REG32(0xE0001004u)

/* PLACEHOLDER GPIO port: set/reset register (write 1 to bit n sets, bit n+16 clears) and input
 * data register. Pins below are placeholders too. */
#define GPIO_OUT_BSRR REG32(0x40020018u) /* PLACEHOLDER */
#define GPIO_IN_IDR REG32(0x40020410u)   /* PLACEHOLDER */
#define PIN_S0 0u                        /* S0 opto-coupler (DIN 43864 open collector) */
#define PIN_LED 1u                       /* metrology test LED */
#define PIN_RELAY_COIL(r) (4u + (r))     /* relay driver; a latching relay wants a pulse */
#define PIN_RELAY_SENSE(r) (0u + (r))    /* auxiliary contact, input */
#define PIN_MAIN_COVER 4u                /* inputs, active high after the board's filter */
#define PIN_TERMINAL_COVER 5u
#define PIN_FIELD 6u
#define PIN_BUTTON 7u

/* PLACEHOLDER DMA stream that moves ADC sets: interrupt status, flag clear, config. */
#define DMA_ISR REG32(0x40026400u)       /* PLACEHOLDER */
#define DMA_IFCR REG32(0x40026408u)      /* PLACEHOLDER */
#define DMA_CR REG32(0x40026410u)        /* PLACEHOLDER */
#define DMA_NDTR REG32(0x40026414u)      /* PLACEHOLDER */
#define DMA_PAR REG32(0x40026418u)       /* PLACEHOLDER */
#define DMA_MAR REG32(0x4002641Cu)       /* PLACEHOLDER */
#define DMA_FLAG_HT (1u << 4)            /* half transfer */
#define DMA_FLAG_TC (1u << 5)            /* transfer complete */
#define DMA_FLAG_TE (1u << 3)            /* transfer error */
#define DMA_CR_EN_CIRC_HT_TC 0x0000051Fu /* PLACEHOLDER: enable, circular, HT+TC irq, 32-bit */
#define ADC_DR_ADDR 0x4001204Cu          /* PLACEHOLDER: ADC (or SPI) data register */

/* PLACEHOLDER flash controller: key register, control, status. */
#define FLASH_KEYR REG32(0x40023C04u) /* PLACEHOLDER */
#define FLASH_SR REG32(0x40023C0Cu)   /* PLACEHOLDER */
#define FLASH_CR REG32(0x40023C10u)   /* PLACEHOLDER */
#define FLASH_KEY1 0x45670123u
#define FLASH_KEY2 0xCDEF89ABu
#define FLASH_SR_BSY (1u << 16)
#define FLASH_SR_ERR 0x000000F2u /* PLACEHOLDER: program/erase/protection error bits */
#define FLASH_CR_PG (1u << 0)
#define FLASH_CR_SER (1u << 1)
#define FLASH_CR_SNB(s) ((uint32_t)(s) << 3)
#define FLASH_CR_STRT (1u << 16)
#define FLASH_CR_LOCK (1u << 31)

/* The interrupt handlers need the instance; the port has exactly one. */
static struct board *isr_board;

/* ---- critical sections, idle ---------------------------------------------------------------- */
uint32_t board_lock(void)
{
    uint32_t key;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(key)::"memory");
    return key;
}

void board_unlock(uint32_t key)
{
    __asm__ volatile("msr primask, %0" ::"r"(key) : "memory");
}

void board_idle(void)
{
    __asm__ volatile("wfi");
}

/* ---- clock: SysTick, 1 ms ------------------------------------------------------------------- */
void SysTick_Handler(void)
{
    if (isr_board)
        isr_board->ticks_ms++;
}

mfw_ms_t board_now(const struct board *b)
{
    /* One 32-bit load is atomic; the wrap after 49.7 days is handled by the caller's meter
     * clock re-basing utc_base_ms (PORTER: or extend the counter to 64 bits under lock, or read
     * an RTC with sub-seconds instead). */
    uint32_t key = board_lock();
    mfw_ms_t now = b->utc_base_ms + (mfw_ms_t)b->ticks_ms;
    board_unlock(key);
    return now;
}

void board_set_utc(struct board *b, mfw_ms_t now)
{
    uint32_t key = board_lock();
    b->utc_base_ms = now - (mfw_ms_t)b->ticks_ms;
    board_unlock(key);
}

/* ---- ADC: DMA half/full-transfer interrupt --------------------------------------------------- */
/* Raw code -> signed 24-bit code in int32. PORTER: an external sigma-delta AFE (ADS131M0x,
 * ATM90E3x raw, ...) usually delivers 24-bit two's complement, left-justified in 32 bits; an
 * internal 12/16-bit SAR ADC delivers unsigned codes around mid-scale (subtract it; metrology
 * removes any remaining DC per window). */
static int32_t adc_code(int32_t raw)
{
    return raw / 256; /* arithmetic: keeps the sign of a left-justified 24-bit code */
}

/* Convert one half of the DMA buffer into struct mfw_adc_frame and hand it on. Channel order in
 * the DMA buffer: V1..V3, I1..I3, IN (PORTER: match your AFE's sequence). */
static void adc_deliver(struct board *b, unsigned half)
{
    int32_t(*raw)[BOARD_ADC_CHANNELS] = &b->dma_raw[half * BOARD_ADC_FRAMES];
    for (unsigned k = 0; k < BOARD_ADC_FRAMES; k++) {
        struct mfw_adc_frame *f = &b->frames[k];
        for (unsigned p = 0; p < MFW_PHASES_MAX; p++) {
            f->v[p] = adc_code(raw[k][p]);
            f->i[p] = adc_code(raw[k][MFW_PHASES_MAX + p]);
        }
        f->i_n = adc_code(raw[k][2u * MFW_PHASES_MAX]);
    }
    uint32_t t0 = DWT_CYCCNT;
    if (b->on_frames)
        b->on_frames(b->user, b->frames, BOARD_ADC_FRAMES);
    uint32_t dt = DWT_CYCCNT - t0;
    b->adc_cycles_last = dt;
    if (dt > b->adc_cycles_max)
        b->adc_cycles_max = dt;
}

void BOARD_ADC_DMA_IRQHandler(void)
{
    struct board *b = isr_board;
    uint32_t flags = DMA_ISR & (DMA_FLAG_HT | DMA_FLAG_TC | DMA_FLAG_TE);
    DMA_IFCR = flags;
    /* The DMA wrote dma_raw behind the compiler's back (no data cache on an M4, so a compiler
     * barrier is enough; PORTER: on an M7 invalidate the D-cache lines of that half). */
    __asm__ volatile("" ::: "memory");
    if (!b)
        return;
    /* Both flags at once: we were late by a whole half and the DMA is already overwriting the
     * older one. Count it (metrology then sees a gap; the meter can raise an event). */
    if ((flags & DMA_FLAG_HT) && (flags & DMA_FLAG_TC))
        b->adc_overruns++;
    if (flags & DMA_FLAG_HT)
        adc_deliver(b, 0);
    if (flags & DMA_FLAG_TC)
        adc_deliver(b, 1);
    if (flags & DMA_FLAG_TE)
        b->adc_overruns++; /* PORTER: restart the stream */
}

/* ---- GPIO: S0 and LED ---------------------------------------------------------------------- */
static void pin_write(unsigned pin, bool on)
{
    GPIO_OUT_BSRR = on ? (1u << pin) : (1u << (pin + 16u));
}

static bool pin_read(unsigned pin)
{
    return (GPIO_IN_IDR >> pin) & 1u;
}

static void hal_output_set(void *ctx, enum mfw_hal_output out, bool on)
{
    struct board *b = ctx;
    switch (out) {
    case MFW_HAL_OUT_S0: pin_write(PIN_S0, on); break;
    case MFW_HAL_OUT_LED: pin_write(PIN_LED, on); break;
    default: return;
    }
    if (on)
        b->outputs |= 1u << (unsigned)out;
    else
        b->outputs &= ~(1u << (unsigned)out);
}

/* ---- relays and inputs --------------------------------------------------------------------- */
static void hal_relay_set(void *ctx, unsigned relay, bool closed)
{
    struct board *b = ctx;
    if (relay >= BOARD_RELAYS)
        return;
    /* PORTER: a bistable (latching) disconnector needs a 20..100 ms pulse on the set or reset
     * coil, not a level: start the pulse here and end it from SysTick. */
    pin_write(PIN_RELAY_COIL(relay), closed);
    b->relay_closed[relay] = closed;
}

static bool hal_relay_sensed(void *ctx, unsigned relay)
{
    (void)ctx;
    if (relay >= BOARD_RELAYS)
        return false;
    return pin_read(PIN_RELAY_SENSE(relay));
}

static uint32_t hal_inputs(void *ctx)
{
    (void)ctx;
    uint32_t in = GPIO_IN_IDR;
    uint32_t bits = 0;
    if (in & (1u << PIN_MAIN_COVER))
        bits |= MFW_HAL_IN_MAIN_COVER;
    if (in & (1u << PIN_TERMINAL_COVER))
        bits |= MFW_HAL_IN_TERMINAL_COVER;
    if (in & (1u << PIN_FIELD))
        bits |= MFW_HAL_IN_MAGNETIC_FIELD;
    if (in & (1u << PIN_BUTTON))
        bits |= MFW_HAL_IN_BUTTON;
    return bits;
}

/* ---- flash driver (internal flash, memory-mapped read) ------------------------------------- */
static bool flash_range_ok(const struct board *b, uint32_t addr, size_t len)
{
    uint32_t size = b->flash_sector_size * b->flash_sectors;
    return addr <= size && len <= size - addr;
}

static bool flash_wait(void)
{
    /* PORTER: bound this by time (a sector erase takes up to ~2 s on an STM32F4). */
    while (FLASH_SR & FLASH_SR_BSY) {
    }
    return (FLASH_SR & FLASH_SR_ERR) == 0;
}

static int hal_flash_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    const struct board *b = ctx;
    if (!flash_range_ok(b, addr, len))
        return MFW_E_IO;
    memcpy(buf, (const void *)(uintptr_t)(b->flash_base + addr), len);
    return MFW_OK;
}

/* NOR semantics (hal.h): programming only clears bits. Byte-wide programming works at any
 * alignment and supply voltage; PORTER: use word/double-word writes (and the ECC granularity
 * of parts like STM32L4/G4) for speed. Executing from the same flash bank stalls the CPU while
 * it programs: put the store in another bank, or run this from RAM. */
static int hal_flash_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    const struct board *b = ctx;
    if (!flash_range_ok(b, addr, len))
        return MFW_E_IO;
    const uint8_t *src = buf;
    volatile uint8_t *dst = (volatile uint8_t *)(uintptr_t)(b->flash_base + addr);
    int rc = MFW_OK;
    FLASH_KEYR = FLASH_KEY1;
    FLASH_KEYR = FLASH_KEY2;
    FLASH_CR = FLASH_CR_PG;
    for (size_t k = 0; k < len; k++) {
        dst[k] = src[k];
        if (!flash_wait()) {
            rc = MFW_E_IO;
            break;
        }
    }
    FLASH_CR = FLASH_CR_LOCK;
    return rc;
}

static int hal_flash_erase(void *ctx, uint32_t sector)
{
    const struct board *b = ctx;
    if (sector >= b->flash_sectors)
        return MFW_E_IO;
    /* PORTER: map the store's sector index to the device's sector number. */
    uint32_t device_sector = 7u + sector; /* PLACEHOLDER: sector 7 = 0x08060000 on STM32F4 */
    int rc = MFW_OK;
    FLASH_KEYR = FLASH_KEY1;
    FLASH_KEYR = FLASH_KEY2;
    FLASH_CR = FLASH_CR_SER | FLASH_CR_SNB(device_sector);
    FLASH_CR |= FLASH_CR_STRT;
    if (!flash_wait())
        rc = MFW_E_IO;
    FLASH_CR = FLASH_CR_LOCK;
    return rc;
}

/* ---- bring-up ------------------------------------------------------------------------------ */
static void board_clock_init(void)
{
    /* PORTER: PLL to BOARD_HCLK_HZ, flash wait states, peripheral clock enables (GPIO, DMA,
     * ADC or SPI to the AFE). SystemInit (startup.c) only enables the FPU. */
}

static void board_adc_init(struct board *b)
{
    /* PORTER: configure the AFE/ADC for BOARD_ADC_FS_HZ sample sets, channel sequence as in
     * adc_deliver(), triggered by a timer (not free-running) so fs is crystal-accurate. */
    DMA_PAR = ADC_DR_ADDR;
    DMA_MAR = (uint32_t)(uintptr_t)&b->dma_raw[0][0];
    DMA_NDTR = 2u * BOARD_ADC_FRAMES * BOARD_ADC_CHANNELS;
    DMA_CR = DMA_CR_EN_CIRC_HT_TC;
    /* Above every other device interrupt (lower number = higher priority); SysTick stays at 0
     * since it only increments a counter. PORTER: only the top bits exist (4 on an STM32F4). */
    NVIC_IPR8(BOARD_ADC_DMA_IRQn) = 0x10u;
    NVIC_ISER(BOARD_ADC_DMA_IRQn / 32u) = 1u << (BOARD_ADC_DMA_IRQn % 32u);
}

void board_init(struct board *b, board_frames_fn on_frames, void *user)
{
    memset(b, 0, sizeof *b);
    b->on_frames = on_frames;
    b->user = user;
    b->flash_base = BOARD_STORE_BASE;
    b->flash_sector_size = BOARD_STORE_SECTOR;
    b->flash_sectors = BOARD_STORE_SECTORS;
    isr_board = b;

    board_clock_init();
    /* PORTER: GPIO modes for PIN_S0, PIN_LED, relay coils (outputs) and covers, field sensor,
     * button, relay sense (inputs with the board's pull-ups). */
    pin_write(PIN_S0, false);
    pin_write(PIN_LED, false);

    /* DWT cycle counter for the interrupt budget (ARMv7-M C1.8). */
    DEMCR |= DEMCR_TRCENA;
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;

    /* SysTick: 1 ms from the core clock (ARMv7-M: CLKSOURCE=processor, TICKINT, ENABLE). */
    SYST_RVR = BOARD_HCLK_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 0x7u;

    board_adc_init(b);
}

void board_hal(struct board *b, struct mfw_hal *h)
{
    memset(h, 0, sizeof *h);
    h->ctx = b;
    h->flash_read = hal_flash_read;
    h->flash_prog = hal_flash_prog;
    h->flash_erase = hal_flash_erase;
    h->output_set = hal_output_set;
    h->relay_set = hal_relay_set;
    h->relay_sensed = hal_relay_sensed;
    h->inputs = hal_inputs;
    h->crypto = NULL; /* PORTER: the MCU's AES engine, or Mbed TLS built for the target */
}
