/* meterfw compile-time options: sizes and defaults, in one place (lwIP's opt.h habit).
 * Every option can be overridden with -D on the compiler command line. */
#ifndef METERFW_BASE_OPTIONS_H
#define METERFW_BASE_OPTIONS_H

/* Most phases a meter instance can have (382M: 3; 162M uses 1). */
#ifndef MFW_PHASES_MAX
#define MFW_PHASES_MAX 3
#endif

/* Samples processed per inner block of the per-sample DSP (stack buffer of the reference sine). */
#ifndef MFW_METRO_CHUNK
#define MFW_METRO_CHUNK 64
#endif

/* Line cycles per measurement window. IEC 61000-4-30 class S aggregates 10 cycles at 50 Hz
 * (12 at 60 Hz) into one 200 ms value; we use the same window for power and energy. */
#ifndef MFW_WINDOW_CYCLES_50HZ
#define MFW_WINDOW_CYCLES_50HZ 10
#endif
#ifndef MFW_WINDOW_CYCLES_60HZ
#define MFW_WINDOW_CYCLES_60HZ 12
#endif

/* Valid line-frequency window; outside it the period is coerced to nominal (ADE9000 UG-1098 p.27
 * uses 40-70 Hz; we accept the 45-65 Hz the simulator produces plus margin). */
#ifndef MFW_FREQ_MIN_HZ
#define MFW_FREQ_MIN_HZ 40.0
#endif
#ifndef MFW_FREQ_MAX_HZ
#define MFW_FREQ_MAX_HZ 70.0
#endif

/* Size of the sine table of the synchronous (fundamental) demodulator: 2^MFW_SINE_BITS entries. */
#ifndef MFW_SINE_BITS
#define MFW_SINE_BITS 10
#endif

/* Default S0 output and test LED constant (imp/kWh) and S0 pulse timing (DIN 43864: pulse
 * duration >= 30 ms; we also keep a pause >= 30 ms so a counter never sees two pulses merge). */
#ifndef MFW_PULSE_IMP_PER_KWH
#define MFW_PULSE_IMP_PER_KWH 1000u
#endif
#ifndef MFW_S0_PULSE_MS
#define MFW_S0_PULSE_MS 30u
#endif
#ifndef MFW_S0_PAUSE_MS
#define MFW_S0_PAUSE_MS 30u
#endif
/* Test LED: shorter flash so that it can follow the highest power of a 100 A 3-phase meter. */
#ifndef MFW_LED_PULSE_MS
#define MFW_LED_PULSE_MS 10u
#endif
#ifndef MFW_LED_PAUSE_MS
#define MFW_LED_PAUSE_MS 10u
#endif

/* Creep (no-load) threshold: below this rms current a phase registers no energy.
 * Kamstrup 162M/382M TD 5512-1040 §4.5: registration stops below ~10 mA. The starting current
 * of IEC 62053-21 class 1 at Ib = 5 A is 0.004 Ib = 20 mA, so 10 mA leaves a 2:1 margin. */
#ifndef MFW_CREEP_CURRENT_A
#define MFW_CREEP_CURRENT_A 0.010
#endif

#endif /* METERFW_BASE_OPTIONS_H */
