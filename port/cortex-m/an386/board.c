/* SPDX-License-Identifier: Apache-2.0 */
/* The MPS2 AN386 board in QEMU (board.h): UARTs with receive rings, SysTick, the store's
 * NOR flash in SSRAM. The port's own state lives in the caller's struct board; the one static
 * here is the pointer the interrupt handlers need to find it (port code, not the core). */
#include "board.h"

#include <string.h>

#include "meterfw/base/error.h"

#define REG32(a) (*(volatile uint32_t *)(a))

/* CMSDK APB UART (QEMU hw/char/cmsdk-apb-uart.c) */
#define UART0 0x40004000u
#define UART1 0x40005000u
#define UART2 0x40006000u
#define UART_DATA(u) REG32((u) + 0x00u)
#define UART_STATE(u) REG32((u) + 0x04u)
#define UART_CTRL(u) REG32((u) + 0x08u)
#define UART_INT(u) REG32((u) + 0x0Cu) /* INTSTATUS read, INTCLEAR write-1-to-clear */
#define UART_BAUDDIV(u) REG32((u) + 0x10u)
#define STATE_TXFULL 0x1u
#define STATE_RXFULL 0x2u
#define CTRL_TX_EN 0x1u
#define CTRL_RX_EN 0x2u
#define CTRL_RX_INTEN 0x8u
#define INT_RX 0x2u
#define BAUDDIV_115200 217u /* 25 MHz / 115200 */

/* ARMv7-M: SysTick (B3.3), NVIC ISER (B3.4) */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define NVIC_ISER0 REG32(0xE000E100u)
#define IRQ_UART0_RX 0u /* mps2.c: UART n RX = IRQ 2n (n = 0..2) */
#define IRQ_UART2_RX 4u

extern uint8_t _store_flash_start[], _store_flash_end[];
extern uint32_t _ebss, _estack;

#define STACK_PAINT 0xA5C3A5C3u

/* The flash's "this QEMU run has erased it" mark, in the last 16 bytes of the STORE region
 * (outside every sector the store uses): RAM is zero at QEMU's start, a new NOR part is erased. */
#define FLASH_MARK 0x4E4F5221u /* "NOR!" */

static struct board *the_board; /* for the interrupt handlers */

static void uart_init(uint32_t u, bool rx_int)
{
    UART_BAUDDIV(u) = BAUDDIV_115200;
    UART_CTRL(u) = CTRL_TX_EN | CTRL_RX_EN | (rx_int ? CTRL_RX_INTEN : 0u);
}

static void ring_init(struct board_ring *r, uint8_t *buf, uint32_t size)
{
    r->head = r->tail = 0;
    r->buf = buf;
    r->size = size;
}

/* The RX interrupt: clear the flag first, then take every byte the UART holds (a byte that
 * arrives after the clear raises it again). With the ring full the byte stays in the UART:
 * QEMU then delivers nothing more (the line is held, as RTS would), and the loop takes it when
 * the ring is empty (board_*_getc). */
static void uart_rx_isr(uint32_t u, struct board_ring *r, volatile uint32_t *stalls)
{
    UART_INT(u) = INT_RX;
    while (UART_STATE(u) & STATE_RXFULL) {
        uint32_t h = r->head;
        if (h - r->tail >= r->size) {
            if (stalls != NULL)
                (*stalls)++;
            return;
        }
        r->buf[h % r->size] = (uint8_t)UART_DATA(u);
        r->head = h + 1u;
    }
}

static bool ring_getc(struct board_ring *r, uint32_t u, uint8_t *c)
{
    uint32_t t = r->tail;
    if (t != r->head) {
        *c = r->buf[t % r->size];
        r->tail = t + 1u;
        return true;
    }
    /* empty: a byte the interrupt left in the UART while the ring was full */
    uint32_t key;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(key)::"memory");
    bool got = false;
    if (r->head == r->tail && (UART_STATE(u) & STATE_RXFULL)) {
        *c = (uint8_t)UART_DATA(u);
        got = true;
    }
    __asm__ volatile("msr primask, %0" ::"r"(key) : "memory");
    return got;
}

void SysTick_Handler(void)
{
    if (the_board != NULL)
        the_board->ticks_ms++;
}

void IRQ0_Handler(void)
{
    if (the_board != NULL)
        uart_rx_isr(UART0, &the_board->afe, &the_board->afe_stalls);
}

void IRQ4_Handler(void)
{
    if (the_board != NULL)
        uart_rx_isr(UART2, &the_board->hdlc, NULL);
}

/* Paints from the end of .bss to 64 bytes below the stack pointer (this frame and its caller's
 * are live). */
static void stack_paint(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uintptr_t a = (uintptr_t)&_ebss; a + 64u < sp; a += 4u)
        *(volatile uint32_t *)a = STACK_PAINT;
}

uint32_t board_stack_size(void)
{
    return (uint32_t)((uintptr_t)&_estack - (uintptr_t)&_ebss);
}

uint32_t board_stack_peak(void)
{
    uintptr_t a = (uintptr_t)&_ebss, top = (uintptr_t)&_estack;
    while (a < top && *(const volatile uint32_t *)a == STACK_PAINT)
        a += 4u;
    return (uint32_t)(top - a);
}

void board_init(struct board *b)
{
    stack_paint();
    memset(b, 0, sizeof *b);
    ring_init(&b->afe, b->afe_buf, sizeof b->afe_buf);
    ring_init(&b->hdlc, b->hdlc_buf, sizeof b->hdlc_buf);
    b->flash = _store_flash_start;
    b->flash_size = (uint32_t)(_store_flash_end - _store_flash_start) - 16u;
    volatile uint32_t *mark = (volatile uint32_t *)((uintptr_t)_store_flash_end - 16u);
    if (*mark != FLASH_MARK) {
        memset(b->flash, 0xFF, b->flash_size); /* a new part comes erased */
        *mark = FLASH_MARK;
        b->flash_fresh = true;
    }
    the_board = b;
    uart_init(UART0, true);
    uart_init(UART1, false);
    uart_init(UART2, true);
    SYST_RVR = BOARD_CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 0x7u; /* CLKSOURCE = CPU clock, TICKINT, ENABLE */
    NVIC_ISER0 = (1u << IRQ_UART0_RX) | (1u << IRQ_UART2_RX);
    __asm__ volatile("cpsie i" ::: "memory");
}

uint32_t board_ms(const struct board *b)
{
    return b->ticks_ms;
}

bool board_afe_getc(struct board *b, uint8_t *c)
{
    return ring_getc(&b->afe, UART0, c);
}

bool board_hdlc_getc(struct board *b, uint8_t *c)
{
    return ring_getc(&b->hdlc, UART2, c);
}

static void uart_write(uint32_t u, const uint8_t *p, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        while (UART_STATE(u) & STATE_TXFULL) {
        }
        UART_DATA(u) = p[k];
    }
}

void board_hdlc_write(const uint8_t *p, size_t n)
{
    uart_write(UART2, p, n);
}

void board_display_write(const char *s)
{
    uart_write(UART1, (const uint8_t *)s, strlen(s));
}

void board_idle(struct board *b)
{
    /* WFI with PRIMASK set still wakes on a pending interrupt (ARMv7-M B1.5.19): nothing that
     * arrives between the look and the sleep is slept through. */
    __asm__ volatile("cpsid i" ::: "memory");
    if (b->afe.head == b->afe.tail && b->hdlc.head == b->hdlc.tail &&
        !(UART_STATE(UART0) & STATE_RXFULL) && !(UART_STATE(UART2) & STATE_RXFULL))
        __asm__ volatile("wfi" ::: "memory");
    __asm__ volatile("cpsie i" ::: "memory");
}

/* ---- the store's flash: NOR rules (erase to 0xFF, programming only clears bits) ---------- */

static bool in_flash(const struct board *b, uint32_t addr, size_t len)
{
    return addr <= b->flash_size && len <= b->flash_size - addr;
}

static int f_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    struct board *b = ctx;
    if (!in_flash(b, addr, len) || (buf == NULL && len > 0))
        return MFW_E_IO;
    memcpy(buf, b->flash + addr, len);
    return MFW_OK;
}

static int f_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    struct board *b = ctx;
    const uint8_t *d = buf;
    if (!in_flash(b, addr, len) || addr % b->prog_size != 0 || len % b->prog_size != 0 ||
        (d == NULL && len > 0)) {
        b->flash_violations++;
        return MFW_E_IO;
    }
    uint8_t *m = b->flash + addr;
    for (size_t k = 0; k < len; k++)
        if ((m[k] & d[k]) != d[k]) { /* would set a bit: a NOR cell cannot */
            b->flash_violations++;
            return MFW_E_IO;
        }
    for (size_t k = 0; k < len; k++)
        m[k] &= d[k];
    return MFW_OK;
}

static int f_erase(void *ctx, uint32_t sector)
{
    struct board *b = ctx;
    if (sector >= b->flash_size / b->sector_size)
        return MFW_E_IO;
    memset(b->flash + (size_t)sector * b->sector_size, 0xFF, b->sector_size);
    return MFW_OK;
}

int board_hal(struct board *b, struct mfw_hal *h, uint32_t sector_size, uint32_t sectors,
              uint32_t prog_size)
{
    memset(h, 0, sizeof *h);
    if (sector_size == 0 || prog_size == 0 || sectors > b->flash_size / sector_size)
        return MFW_E_RANGE;
    b->sector_size = sector_size;
    b->prog_size = prog_size;
    b->flash_size = sector_size * sectors;
    h->ctx = b;
    h->flash_read = f_read;
    h->flash_prog = f_prog;
    h->flash_erase = f_erase;
    return MFW_OK;
}
