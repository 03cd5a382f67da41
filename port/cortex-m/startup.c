/* SPDX-License-Identifier: Apache-2.0 */
/* Startup for a generic Cortex-M4F: vector table, Reset_Handler, default handlers, SystemInit.
 *
 * Written in C (no assembly): on ARMv7-M the hardware loads SP from vector 0 and stacks the
 * caller-saved registers on exception entry, so handlers are plain C functions.
 *
 * PORTER: the device interrupts are named IRQ0_Handler..IRQ81_Handler by their number. Rename
 * the ones you use to your vendor's names (or keep the numbers and #define the names, as
 * hal_board.h does for the ADC DMA interrupt), and set the count to your part's (82 covers an
 * STM32F407). Handlers are weak aliases of Default_Handler, the CMSIS convention: a board file
 * overrides one by defining a function of that name. */
#include <errno.h>
#include <stdint.h>

#include "hal_board.h"

/* Symbols from linker.ld. */
extern uint32_t _estack;
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss;
extern void (*__preinit_array_start[])(void);
extern void (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void);
void Reset_Handler(void);
void Default_Handler(void);
void SystemInit(void);

#define WEAK_DEFAULT __attribute__((weak, alias("Default_Handler")))

/* ARMv7-M system exceptions. */
void NMI_Handler(void) WEAK_DEFAULT;
void HardFault_Handler(void) WEAK_DEFAULT;
void MemManage_Handler(void) WEAK_DEFAULT;
void BusFault_Handler(void) WEAK_DEFAULT;
void UsageFault_Handler(void) WEAK_DEFAULT;
void SVC_Handler(void) WEAK_DEFAULT;
void DebugMon_Handler(void) WEAK_DEFAULT;
void PendSV_Handler(void) WEAK_DEFAULT;
/* SysTick_Handler is declared in hal_board.h, defined in hal_board.c. */

/* Device interrupts (PORTER: names and count from the device's reference manual). */
void IRQ0_Handler(void) WEAK_DEFAULT;
void IRQ1_Handler(void) WEAK_DEFAULT;
void IRQ2_Handler(void) WEAK_DEFAULT;
void IRQ3_Handler(void) WEAK_DEFAULT;
void IRQ4_Handler(void) WEAK_DEFAULT;
void IRQ5_Handler(void) WEAK_DEFAULT;
void IRQ6_Handler(void) WEAK_DEFAULT;
void IRQ7_Handler(void) WEAK_DEFAULT;
void IRQ8_Handler(void) WEAK_DEFAULT;
void IRQ9_Handler(void) WEAK_DEFAULT;
void IRQ10_Handler(void) WEAK_DEFAULT;
void IRQ11_Handler(void) WEAK_DEFAULT;
void IRQ12_Handler(void) WEAK_DEFAULT;
void IRQ13_Handler(void) WEAK_DEFAULT;
void IRQ14_Handler(void) WEAK_DEFAULT;
void IRQ15_Handler(void) WEAK_DEFAULT;
void IRQ16_Handler(void) WEAK_DEFAULT;
void IRQ17_Handler(void) WEAK_DEFAULT;
void IRQ18_Handler(void) WEAK_DEFAULT;
void IRQ19_Handler(void) WEAK_DEFAULT;
void IRQ20_Handler(void) WEAK_DEFAULT;
void IRQ21_Handler(void) WEAK_DEFAULT;
void IRQ22_Handler(void) WEAK_DEFAULT;
void IRQ23_Handler(void) WEAK_DEFAULT;
void IRQ24_Handler(void) WEAK_DEFAULT;
void IRQ25_Handler(void) WEAK_DEFAULT;
void IRQ26_Handler(void) WEAK_DEFAULT;
void IRQ27_Handler(void) WEAK_DEFAULT;
void IRQ28_Handler(void) WEAK_DEFAULT;
void IRQ29_Handler(void) WEAK_DEFAULT;
void IRQ30_Handler(void) WEAK_DEFAULT;
void IRQ31_Handler(void) WEAK_DEFAULT;
void IRQ32_Handler(void) WEAK_DEFAULT;
void IRQ33_Handler(void) WEAK_DEFAULT;
void IRQ34_Handler(void) WEAK_DEFAULT;
void IRQ35_Handler(void) WEAK_DEFAULT;
void IRQ36_Handler(void) WEAK_DEFAULT;
void IRQ37_Handler(void) WEAK_DEFAULT;
void IRQ38_Handler(void) WEAK_DEFAULT;
void IRQ39_Handler(void) WEAK_DEFAULT;
void IRQ40_Handler(void) WEAK_DEFAULT;
void IRQ41_Handler(void) WEAK_DEFAULT;
void IRQ42_Handler(void) WEAK_DEFAULT;
void IRQ43_Handler(void) WEAK_DEFAULT;
void IRQ44_Handler(void) WEAK_DEFAULT;
void IRQ45_Handler(void) WEAK_DEFAULT;
void IRQ46_Handler(void) WEAK_DEFAULT;
void IRQ47_Handler(void) WEAK_DEFAULT;
void IRQ48_Handler(void) WEAK_DEFAULT;
void IRQ49_Handler(void) WEAK_DEFAULT;
void IRQ50_Handler(void) WEAK_DEFAULT;
void IRQ51_Handler(void) WEAK_DEFAULT;
void IRQ52_Handler(void) WEAK_DEFAULT;
void IRQ53_Handler(void) WEAK_DEFAULT;
void IRQ54_Handler(void) WEAK_DEFAULT;
void IRQ55_Handler(void) WEAK_DEFAULT;
void IRQ56_Handler(void) WEAK_DEFAULT;
void IRQ57_Handler(void) WEAK_DEFAULT;
void IRQ58_Handler(void) WEAK_DEFAULT;
void IRQ59_Handler(void) WEAK_DEFAULT;
void IRQ60_Handler(void) WEAK_DEFAULT;
void IRQ61_Handler(void) WEAK_DEFAULT;
void IRQ62_Handler(void) WEAK_DEFAULT;
void IRQ63_Handler(void) WEAK_DEFAULT;
void IRQ64_Handler(void) WEAK_DEFAULT;
void IRQ65_Handler(void) WEAK_DEFAULT;
void IRQ66_Handler(void) WEAK_DEFAULT;
void IRQ67_Handler(void) WEAK_DEFAULT;
void IRQ68_Handler(void) WEAK_DEFAULT;
void IRQ69_Handler(void) WEAK_DEFAULT;
void IRQ70_Handler(void) WEAK_DEFAULT;
void IRQ71_Handler(void) WEAK_DEFAULT;
void IRQ72_Handler(void) WEAK_DEFAULT;
void IRQ73_Handler(void) WEAK_DEFAULT;
void IRQ74_Handler(void) WEAK_DEFAULT;
void IRQ75_Handler(void) WEAK_DEFAULT;
void IRQ76_Handler(void) WEAK_DEFAULT;
void IRQ77_Handler(void) WEAK_DEFAULT;
void IRQ78_Handler(void) WEAK_DEFAULT;
void IRQ79_Handler(void) WEAK_DEFAULT;
void IRQ80_Handler(void) WEAK_DEFAULT;
void IRQ81_Handler(void) WEAK_DEFAULT;

#define DEVICE_IRQS 82

typedef void (*vector_fn)(void);

/* The table proper: initial SP, then 15 system exception vectors, then the device IRQs. A struct
 * keeps the SP (an address) and the handlers (functions) apart, as ISO C wants. */
struct vector_table {
    uint32_t *initial_sp;
    vector_fn system[15];
    vector_fn irq[DEVICE_IRQS];
};

__attribute__((section(".isr_vector"), used)) const struct vector_table vector_table = {
    .initial_sp = &_estack,
    .system =
        {
            Reset_Handler,
            NMI_Handler,
            HardFault_Handler,
            MemManage_Handler,
            BusFault_Handler,
            UsageFault_Handler,
            0,
            0,
            0,
            0, /* reserved */
            SVC_Handler,
            DebugMon_Handler,
            0, /* reserved */
            PendSV_Handler,
            SysTick_Handler,
        },
    .irq =
        {
            IRQ0_Handler,  IRQ1_Handler,  IRQ2_Handler,  IRQ3_Handler,  IRQ4_Handler,
            IRQ5_Handler,  IRQ6_Handler,  IRQ7_Handler,  IRQ8_Handler,  IRQ9_Handler,
            IRQ10_Handler, IRQ11_Handler, IRQ12_Handler, IRQ13_Handler, IRQ14_Handler,
            IRQ15_Handler, IRQ16_Handler, IRQ17_Handler, IRQ18_Handler, IRQ19_Handler,
            IRQ20_Handler, IRQ21_Handler, IRQ22_Handler, IRQ23_Handler, IRQ24_Handler,
            IRQ25_Handler, IRQ26_Handler, IRQ27_Handler, IRQ28_Handler, IRQ29_Handler,
            IRQ30_Handler, IRQ31_Handler, IRQ32_Handler, IRQ33_Handler, IRQ34_Handler,
            IRQ35_Handler, IRQ36_Handler, IRQ37_Handler, IRQ38_Handler, IRQ39_Handler,
            IRQ40_Handler, IRQ41_Handler, IRQ42_Handler, IRQ43_Handler, IRQ44_Handler,
            IRQ45_Handler, IRQ46_Handler, IRQ47_Handler, IRQ48_Handler, IRQ49_Handler,
            IRQ50_Handler, IRQ51_Handler, IRQ52_Handler, IRQ53_Handler, IRQ54_Handler,
            IRQ55_Handler, IRQ56_Handler, IRQ57_Handler, IRQ58_Handler, IRQ59_Handler,
            IRQ60_Handler, IRQ61_Handler, IRQ62_Handler, IRQ63_Handler, IRQ64_Handler,
            IRQ65_Handler, IRQ66_Handler, IRQ67_Handler, IRQ68_Handler, IRQ69_Handler,
            IRQ70_Handler, IRQ71_Handler, IRQ72_Handler, IRQ73_Handler, IRQ74_Handler,
            IRQ75_Handler, IRQ76_Handler, IRQ77_Handler, IRQ78_Handler, IRQ79_Handler,
            IRQ80_Handler, IRQ81_Handler,
        },
};

/* ARMv7-M System Control Block: Coprocessor Access Control Register. */
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

/* Runs before .data and .bss exist: touch no variables. The FPU must be on before the first
 * floating-point instruction, and the compiler may use s-registers in any hard-float code. */
void SystemInit(void)
{
    SCB_CPACR |= (0xFu << 20); /* CP10, CP11: full access (ARMv7-M B3.2.20) */
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    /* PORTER: vendor early init (VTOR if the image is not at the boot address, watchdog). The
     * clock tree is set up later, by board_init(). */
}

void Reset_Handler(void)
{
    SystemInit();

    /* .data: initial values from flash to RAM. .bss: zero. */
    const uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;)
        *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;

    /* Static constructors: none in C meterfw, kept for a porter's vendor code. */
    for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; f++)
        (*f)();
    for (void (**f)(void) = __init_array_start; f < __init_array_end; f++)
        (*f)();

    (void)main();
    /* main() never returns on a meter; if it does, stop here rather than run off into flash. */
    for (;;) {
    }
}

/* Unexpected interrupt or fault: hang so the watchdog resets the meter and a debugger can see
 * where (PORTER: record the stacked PC/LR and the fault status registers for the event log). */
void Default_Handler(void)
{
    for (;;) {
    }
}

/* C library glue. newlib's libm wrappers (sqrt, hypot, ...) set errno on domain errors through
 * __errno(); the core is built with -fno-math-errno and never reads it. newlib's own __errno
 * would pull in its 96-byte reentrancy struct (impure_data): one private int is enough on a
 * single-threaded meter. This is the only libc hook the port provides: no _write, _sbrk, ... */
int *__errno(void)
{
    static int libm_errno;
    return &libm_errno;
}
