/* SPDX-License-Identifier: Apache-2.0 */
/* bench_m4: what the metrology costs on a Cortex-M4F, run in QEMU's mps2-an386 with
 * deterministic instruction counting (bench/cost.sh: qemu-system-arm -icount shift=0,sleep=off:
 * one guest instruction is one ns of virtual time, and the FPGAIO counter, 25 MHz, ticks once per
 * 40 instructions). The image makes one second of sample sets with the simulated front end
 * (sim/afe.c: the workload of bench_cost, 230 V, 10 A at PF 0.9 with 20 % 5th harmonic, 101 dB
 * noise; 50 whole cycles, so it repeats seamlessly), then feeds it 20 times to the metrology in
 * 10 ms blocks (a DMA half-buffer, port/cortex-m), timing every call: all calls (instructions
 * per phase-sample), the calls that closed a window against those that did not (the window's
 * own cost), and the longest call (the worst-case latency of the ADC interrupt).
 * Arguments through semihosting: "PHASES FS" (default "3 4000"). Prints one line and exits. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "afe.h"
#include "meterfw/metrology/metrology.h"

#define FPGAIO_COUNTER (*(volatile uint32_t *)0x40028018u) /* mps2 FPGAIO, 25 MHz */
#define INSTR_PER_TICK 40u                                 /* icount shift=0 */
#define SYS_WRITE0 0x04
#define SYS_GET_CMDLINE 0x15
#define SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026
#define FS_MAX 8000u
#define REPEATS 20u

static int semihost(int op, const void *arg)
{
    int r;
    __asm__ volatile("mov r0, %1\n\tmov r1, %2\n\tbkpt 0xab\n\tmov %0, r0"
                     : "=r"(r)
                     : "r"(op), "r"(arg)
                     : "r0", "r1", "memory");
    return r;
}

static char line[256];
static size_t line_n;

static void put(const char *s)
{
    while (*s && line_n + 1 < sizeof line)
        line[line_n++] = *s++;
    line[line_n] = '\0';
}

static void put_u(uint64_t v)
{
    char b[24];
    int n = 0;
    do {
        b[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    char o[24];
    for (int k = 0; k < n; k++)
        o[k] = b[n - 1 - k];
    o[n] = '\0';
    put(o);
}

/* v / d with one decimal */
static void put_q(uint64_t v, uint64_t d)
{
    uint64_t x = (v * 10u + d / 2u) / d;
    put_u(x / 10u);
    put(".");
    put_u(x % 10u);
}

static unsigned parse_u(const char **s, unsigned dflt)
{
    while (**s == ' ')
        (*s)++;
    if (**s < '0' || **s > '9')
        return dflt;
    unsigned v = 0;
    while (**s >= '0' && **s <= '9')
        v = v * 10u + (unsigned)(*(*s)++ - '0');
    return v;
}

static struct afe afe;
static struct mfw_metrology mt;
static struct mfw_adc_frame frames[FS_MAX];

int main(void);
int main(void)
{
    static char cmd[64];
    struct {
        char *buf;
        int len;
    } cl = {cmd, (int)sizeof cmd};
    const char *p = cmd;
    if (semihost(SYS_GET_CMDLINE, &cl) != 0)
        cmd[0] = '\0';
    /* the command line starts with the image's name */
    while (*p && *p != ' ')
        p++;
    unsigned phases = parse_u(&p, 3), fs = parse_u(&p, 4000);
    if ((phases != 1 && phases != 3) || fs < 1000 || fs > FS_MAX || fs % 100u)
        phases = 3, fs = 4000;

    struct afe_config ac;
    afe_default_config(&ac, (uint8_t)phases, fs, 100.0);
    ac.snr_db = 101.0;
    afe_init(&afe, &ac);
    struct afe_state st;
    afe_state_sine(&st, (uint8_t)phases, 230.0, 10.0, 25.84, 50.0);
    for (unsigned k = 0; k < phases; k++) {
        st.ph[k].i.n_harmonics = 1;
        st.ph[k].i.h[0] = (struct afe_harmonic){5, 0.2, 0.0};
    }
    afe_set(&afe, &st);
    afe_generate(&afe, frames, fs); /* one second: 50 whole cycles */

    struct mfw_metrology_config cfg;
    mfw_metrology_default_config(&cfg, (uint8_t)phases, fs, 50);
    for (unsigned k = 0; k < phases; k++) {
        cfg.cal[k].v_gain = (float)afe_volts_per_code(&afe);
        cfg.cal[k].i_gain = (float)afe_amps_per_code(&afe);
    }
    mfw_metrology_init(&mt, &cfg);

    /* the timer's own cost, to take out of every call */
    uint32_t t0 = FPGAIO_COUNTER, t1 = FPGAIO_COUNTER;
    const uint32_t overhead = t1 - t0;
    const unsigned block = fs / 100u;
    uint64_t all = 0, win = 0, plain = 0, n_win = 0, n_plain = 0, worst = 0, windows = 0;
    for (unsigned r = 0; r < REPEATS; r++) {
        for (unsigned k = 0; k < fs; k += block) {
            uint32_t seq = mt.values.seq;
            t0 = FPGAIO_COUNTER;
            mfw_metrology_samples(&mt, frames + k, block);
            t1 = FPGAIO_COUNTER;
            uint64_t d = (uint64_t)(t1 - t0 - overhead) * INSTR_PER_TICK;
            all += d;
            if (d > worst)
                worst = d;
            if (mt.values.seq != seq) {
                win += d;
                n_win++;
                windows += mt.values.seq - seq;
            } else {
                plain += d;
                n_plain++;
            }
        }
    }
    const uint64_t phase_samples = (uint64_t)REPEATS * fs * phases;
    /* a window's own work: a call that closed one, less a call that did not */
    const uint64_t per_win = n_win && n_plain ? win / n_win - plain / n_plain : 0;
    put("M4 phases ");
    put_u(phases);
    put(" fs ");
    put_u(fs);
    put(": instructions ");
    put_u(all);
    put(" phase-samples ");
    put_u(phase_samples);
    put(" per-phase-sample ");
    put_q(all, phase_samples);
    put(" windows ");
    put_u(windows);
    put(" per-window ");
    put_u(per_win);
    put(" block-mean ");
    put_u(plain / (n_plain ? n_plain : 1));
    put(" worst-block ");
    put_u(worst);
    put("\n");
    semihost(SYS_WRITE0, line);
    semihost(SYS_EXIT, (const void *)(uintptr_t)ADP_STOPPED_APPLICATION_EXIT);
    for (;;) {
    }
}

/* ---- start-up: the vector table, .data/.bss, the FPU ------------------------------------------ */

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
void bench_reset(void);
void bench_fault(void);

void bench_fault(void)
{
    semihost(SYS_WRITE0, "bench_m4: fault\n");
    semihost(SYS_EXIT, (const void *)(uintptr_t)0x20023);
    for (;;) {
    }
}

void bench_reset(void)
{
    for (uint32_t *s = &_sidata, *d = &_sdata; d < &_edata;)
        *d++ = *s++;
    for (uint32_t *d = &_sbss; d < &_ebss;)
        *d++ = 0;
    /* CP10 and CP11 full access (ARMv7-M CPACR), before any FPU instruction */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    main();
    bench_fault();
}

/* ARMv7-M: the initial stack pointer, then Reset, NMI, HardFault ... SysTick */
struct bench_vectors {
    uint32_t *initial_sp;
    void (*handler[15])(void);
};
__attribute__((section(".isr_vector"), used)) static const struct bench_vectors vectors = {
    &_estack,
    {bench_reset, bench_fault, bench_fault, bench_fault, bench_fault, bench_fault, 0, 0, 0, 0,
     bench_fault, bench_fault, 0, bench_fault, bench_fault}};
