/* SPDX-License-Identifier: Apache-2.0 */
/* Board support for the MPS2 AN386 board (Cortex-M4F) as QEMU 7.2 emulates it
 * (qemu-system-arm -M mps2-an386): a board of the cortex-m port on which the image is a whole
 * meter (docs/firmware.md). The port's startup.c (vector table, Reset_Handler) is used unchanged:
 * the handlers below override its weak ones by name.
 *
 * What the board has, and what stands in for a meter's hardware:
 *   UART0 (0x40004000, RX IRQ 0)  the analog front end: sample frames (afe_link.h) from the host's
 *                                 simulated front end (port/posix/afefeed.c)
 *   UART1 (0x40005000)            the display: one text line per item shown
 *   UART2 (0x40006000, RX IRQ 4)  the DLMS/COSEM port: HDLC (IEC 62056-46) on the line; QEMU
 *                                 puts it on a TCP socket
 *   SysTick                       1 ms from the 25 MHz CPU clock
 *   the store's NOR flash         2 MiB of SSRAM2/3 at 0x20200000 (an386.ld STORE), given the
 *                                 NOR rules here: erase to 0xFF, programming only clears bits
 * Registers and IRQ numbers from QEMU's hw/arm/mps2.c and hw/char/cmsdk-apb-uart.c (the CMSDK
 * APB UART: DATA 0x00, STATE 0x04, CTRL 0x08, INTSTATUS/INTCLEAR 0x0C, BAUDDIV 0x10). */
#ifndef METERFW_PORT_AN386_BOARD_H
#define METERFW_PORT_AN386_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/hal/hal.h"

#define BOARD_CPU_HZ 25000000u /* mps2.c SYSCLK_FRQ: every CMSDK clock and SysTick */
#define BOARD_RING_AFE 1024u   /* bytes of sample frames between the interrupt and the loop */
#define BOARD_RING_HDLC 256u

/* The analog front end's design scale (the simulated front end's defaults, sim/afe.c
 * afe_default_config: 600 V peak and 1.2 x sqrt(2) x Imax peak at a full-scale 24-bit code). */
#define BOARD_AFE_V_FULL_SCALE 600.0
#define BOARD_AFE_CODES 8388607.0 /* 2^23 - 1 */

struct board_ring {
    volatile uint32_t head, tail; /* head: written by the interrupt, tail: by the loop */
    uint32_t size;
    uint8_t *buf;
};

struct board {
    volatile uint32_t ticks_ms; /* SysTick */
    struct board_ring afe, hdlc;
    uint8_t afe_buf[BOARD_RING_AFE], hdlc_buf[BOARD_RING_HDLC];
    volatile uint32_t
        afe_stalls; /* times the AFE ring was full: the line was held (flow control) */
    /* the store's flash */
    uint8_t *flash;
    uint32_t flash_size, sector_size, prog_size;
    uint32_t flash_violations; /* programs that would set a bit, misaligned or out of range */
    bool flash_fresh;          /* this boot erased the flash (a new part: first power-up) */
};

/* UARTs, SysTick, the flash (erased on the first boot of a QEMU run), interrupts on. */
void board_init(struct board *b);

/* Fills h with the board's functions (ctx = b): the flash in sector_size sectors of which
 * `sectors` are the store's, programmed in prog_size units. MFW_OK or MFW_E_RANGE when the store
 * does not fit the board's flash. */
int board_hal(struct board *b, struct mfw_hal *h, uint32_t sector_size, uint32_t sectors,
              uint32_t prog_size);

/* Milliseconds since board_init. */
uint32_t board_ms(const struct board *b);

/* The next received byte of the front end's or the DLMS port's line: true and *c, or false. */
bool board_afe_getc(struct board *b, uint8_t *c);
bool board_hdlc_getc(struct board *b, uint8_t *c);

/* Blocking writes to the DLMS port and the display. */
void board_hdlc_write(const uint8_t *p, size_t n);
void board_display_write(const char *s);

/* Sleeps until the next interrupt unless a byte is already waiting on either line. */
void board_idle(struct board *b);

/* The stack's high-water mark: board_init paints the free RAM between the end of .bss and the
 * stack pointer; board_stack_peak() is how much of it has been written since (bytes). */
uint32_t board_stack_peak(void);
uint32_t board_stack_size(void); /* the RAM from the end of .bss to the top of the stack */

/* Handlers in the vector table (startup.c): SysTick, UART0 RX, UART2 RX. */
void SysTick_Handler(void);
void IRQ0_Handler(void);
void IRQ4_Handler(void);

#endif /* METERFW_PORT_AN386_BOARD_H */
