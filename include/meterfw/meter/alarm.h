/* SPDX-License-Identifier: Apache-2.0 */
/* alarm: the alarm registers 1 and 2 (0.0.97.98.0/1.255), their filters (0.0.97.98.10/11.255)
 * and descriptors (0.0.97.98.20/21.255), as IDIS meters keep them (Blue Book OBIS "alarm
 * register / filter / descriptor object" [V: Gurux OBISCodes.txt]; the bit map
 * references/idis-objects.md section 7 [U]: AM130 AlarmBitsRegister2, T210-D, Connexo).
 *
 * Every event the meter logs sets the alarm bits of its code (mfw_alarm_bits); a bit stays set
 * (latched) until a client clears it. A client clears by writing: the register keeps the bits
 * the written value has and loses the others (register &= value), so writing 0 clears all (as
 * head-end systems do, e.g. OSGP's ClearAlarmRegister) and writing back what was read clears
 * exactly that, never an alarm that came after the read; a client cannot set a bit. The
 * descriptor collects the new alarms that pass the filter (the ones a push on alarm reports),
 * cleared the same way.
 *
 * Bits (register 1 / register 2), [U] where a vendor list gives them, "vendor" where the IDIS
 * lists have no bit and this meter chose a free one:
 *   1: b0 clock invalid, b1 replace battery, b2 cover opened (vendor), b3 strong magnetic field
 *      (vendor), b4 phase / neutral current mismatch (vendor), b8 program memory, b9 RAM, b10 NV
 *      memory, b11 measurement system, b12 watchdog, b13 fraud attempt (covers, field, failed
 *      association, decryption, replay, current mismatch, voltage loss with current)
 *   2: b0 total power failure, b1 power resume, b2-4 missing voltage L1-L3, b5-7 voltage normal
 *      L1-L3, b8 missing neutral, b9 phase asymmetry (voltage unbalance), b10 current reversal
 *      (unexpected export), b11 wrong phase sequence, b12 unexpected consumption (current
 *      through an open breaker), b13 key exchanged, b14-16 bad voltage quality L1-L3 (sag,
 *      swell), b23 limiter threshold exceeded (vendor), b24 low credit (vendor), b25 out of
 *      credit (vendor), b26 frequency deviation (vendor), b31 disconnect / reconnect failure. */
#ifndef METERFW_METER_ALARM_H
#define METERFW_METER_ALARM_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/persist.h"

enum mfw_alarm_bit1 {
    MFW_ALARM1_CLOCK_INVALID = 1u << 0,
    MFW_ALARM1_REPLACE_BATTERY = 1u << 1,
    MFW_ALARM1_COVER_OPENED = 1u << 2,
    MFW_ALARM1_MAGNETIC_FIELD = 1u << 3,
    MFW_ALARM1_CURRENT_MISMATCH = 1u << 4,
    MFW_ALARM1_PROGRAM_MEMORY = 1u << 8,
    MFW_ALARM1_RAM = 1u << 9,
    MFW_ALARM1_NV_MEMORY = 1u << 10,
    MFW_ALARM1_MEASUREMENT = 1u << 11,
    MFW_ALARM1_WATCHDOG = 1u << 12,
    MFW_ALARM1_FRAUD = 1u << 13,
};

enum mfw_alarm_bit2 {
    MFW_ALARM2_POWER_FAILURE = 1u << 0,
    MFW_ALARM2_POWER_RESUME = 1u << 1,
    MFW_ALARM2_MISSING_L1 = 1u << 2, /* L2, L3: << 3, << 4 */
    MFW_ALARM2_NORMAL_L1 = 1u << 5,  /* << 6, << 7 */
    MFW_ALARM2_MISSING_NEUTRAL = 1u << 8,
    MFW_ALARM2_ASYMMETRY = 1u << 9,
    MFW_ALARM2_CURRENT_REVERSAL = 1u << 10,
    MFW_ALARM2_PHASE_SEQUENCE = 1u << 11,
    MFW_ALARM2_UNEXPECTED_CONSUMPTION = 1u << 12,
    MFW_ALARM2_KEY_EXCHANGED = 1u << 13,
    MFW_ALARM2_BAD_QUALITY_L1 = 1u << 14, /* << 15, << 16 */
    MFW_ALARM2_LIMITER = 1u << 23,
    MFW_ALARM2_LOW_CREDIT = 1u << 24,
    MFW_ALARM2_OUT_OF_CREDIT = 1u << 25,
    MFW_ALARM2_FREQUENCY = 1u << 26,
};
/* Bit 31 (an enumerator must fit an int). */
#define MFW_ALARM2_DISCONNECT_FAILURE 0x80000000u

struct mfw_alarm_config {
    uint32_t filter[2]; /* 0.0.97.98.10/11.255: the alarms that reach the descriptor */
};

struct mfw_alarm {
    uint32_t reg[2];        /* 0.0.97.98.0/1.255, latched */
    uint32_t descriptor[2]; /* 0.0.97.98.20/21.255: new filtered alarms, not yet cleared */
    bool push_due;          /* a bit reached a descriptor since the last push */
};

/* Every alarm passes the filter (a head-end narrows it). */
void mfw_alarm_default_config(struct mfw_alarm_config *c);
void mfw_alarm_init(struct mfw_alarm *a);

/* The alarm bits of an event code (the map above): bits[0] of register 1, bits[1] of register 2. */
void mfw_alarm_bits(uint16_t code, uint32_t bits[2]);
/* Raises bits of register reg (0 or 1): latched, and into its descriptor where the filter lets
 * them. */
void mfw_alarm_raise(struct mfw_alarm *a, const struct mfw_alarm_config *c, unsigned reg,
                     uint32_t bits);
/* An event was logged: raises its bits. */
void mfw_alarm_event(struct mfw_alarm *a, const struct mfw_alarm_config *c, uint16_t code);
/* A client's write of register reg (descriptor: false / true): keeps the bits value has. True
 * when any bit was cleared. */
bool mfw_alarm_clear(struct mfw_alarm *a, unsigned reg, bool descriptor, uint32_t value);

/* The registers and descriptors in the STATE record (any 32-bit values; the descriptor within
 * its register). */
void mfw_alarm_save(const struct mfw_alarm *a, struct mfw_wcursor *w);
void mfw_alarm_restore(struct mfw_alarm *a, struct mfw_persist_reader *r);

#endif /* METERFW_METER_ALARM_H */
