/* SPDX-License-Identifier: Apache-2.0 */
/* Alarm registers, filters and descriptors: see alarm.h for the bit map and the clear rule. */
#include "meterfw/meter/alarm.h"

#include "meterfw/base/error.h"

#include "meterfw/meter/eventlog.h"

void mfw_alarm_default_config(struct mfw_alarm_config *c)
{
    c->filter[0] = c->filter[1] = UINT32_MAX;
}

void mfw_alarm_init(struct mfw_alarm *a)
{
    a->reg[0] = a->reg[1] = 0;
    a->descriptor[0] = a->descriptor[1] = 0;
    a->push_due = false;
}

void mfw_alarm_bits(uint16_t code, uint32_t bits[2])
{
    bits[0] = bits[1] = 0;
    switch (code) {
    case MFW_EVENT_POWER_DOWN: bits[1] = MFW_ALARM2_POWER_FAILURE; return;
    case MFW_EVENT_POWER_UP: bits[1] = MFW_ALARM2_POWER_RESUME; return;
    case MFW_EVENT_CLOCK_INVALID: bits[0] = MFW_ALARM1_CLOCK_INVALID; return;
    case MFW_EVENT_REPLACE_BATTERY:
    case MFW_EVENT_BATTERY_LOW: bits[0] = MFW_ALARM1_REPLACE_BATTERY; return;
    case MFW_EVENT_PROGRAM_MEMORY_ERROR: bits[0] = MFW_ALARM1_PROGRAM_MEMORY; return;
    case MFW_EVENT_RAM_ERROR: bits[0] = MFW_ALARM1_RAM; return;
    case MFW_EVENT_NV_MEMORY_ERROR: bits[0] = MFW_ALARM1_NV_MEMORY; return;
    case MFW_EVENT_WATCHDOG_ERROR: bits[0] = MFW_ALARM1_WATCHDOG; return;
    case MFW_EVENT_MEASUREMENT_ERROR: bits[0] = MFW_ALARM1_MEASUREMENT; return;
    case MFW_EVENT_TERMINAL_COVER_REMOVED:
    case MFW_EVENT_METER_COVER_REMOVED:
        bits[0] = MFW_ALARM1_COVER_OPENED | MFW_ALARM1_FRAUD;
        return;
    case MFW_EVENT_MAGNETIC_FIELD: bits[0] = MFW_ALARM1_MAGNETIC_FIELD | MFW_ALARM1_FRAUD; return;
    case MFW_EVENT_CURRENT_MISMATCH:
        bits[0] = MFW_ALARM1_CURRENT_MISMATCH | MFW_ALARM1_FRAUD;
        return;
    case MFW_EVENT_AUTH_FAILURE:
    case MFW_EVENT_DECRYPT_FAILURE:
    case MFW_EVENT_REPLAY_ATTACK:
    case MFW_EVENT_VOLTAGE_LOSS_WITH_CURRENT: bits[0] = MFW_ALARM1_FRAUD; return;
    case MFW_EVENT_UNEXPECTED_EXPORT: bits[1] = MFW_ALARM2_CURRENT_REVERSAL; return;
    case MFW_EVENT_GLOBAL_KEY_CHANGED: bits[1] = MFW_ALARM2_KEY_EXCHANGED; return;
    case MFW_EVENT_LIMITER_EXCEEDED: bits[1] = MFW_ALARM2_LIMITER; return;
    case MFW_EVENT_DISC_FAILURE: bits[1] = MFW_ALARM2_DISCONNECT_FAILURE; return;
    case MFW_EVENT_PHASE_SEQUENCE_REVERSAL: bits[1] = MFW_ALARM2_PHASE_SEQUENCE; return;
    case MFW_EVENT_MISSING_NEUTRAL: bits[1] = MFW_ALARM2_MISSING_NEUTRAL; return;
    case MFW_EVENT_UNBALANCE: bits[1] = MFW_ALARM2_ASYMMETRY; return;
    case MFW_EVENT_FREQUENCY_DEVIATION: bits[1] = MFW_ALARM2_FREQUENCY; return;
    case MFW_EVENT_LOW_CREDIT: bits[1] = MFW_ALARM2_LOW_CREDIT; return;
    case MFW_EVENT_OUT_OF_CREDIT: bits[1] = MFW_ALARM2_OUT_OF_CREDIT; return;
    default: break;
    }
    if (code >= MFW_EVENT_UNDERVOLTAGE_L1 && code < MFW_EVENT_MISSING_VOLTAGE_L1)
        bits[1] = MFW_ALARM2_BAD_QUALITY_L1 << ((code - MFW_EVENT_UNDERVOLTAGE_L1) % 3u);
    else if (code >= MFW_EVENT_MISSING_VOLTAGE_L1 && code < MFW_EVENT_VOLTAGE_NORMAL_L1)
        bits[1] = MFW_ALARM2_MISSING_L1 << (code - MFW_EVENT_MISSING_VOLTAGE_L1);
    else if (code >= MFW_EVENT_VOLTAGE_NORMAL_L1 && code < MFW_EVENT_VOLTAGE_NORMAL_L1 + 3u)
        bits[1] = MFW_ALARM2_NORMAL_L1 << (code - MFW_EVENT_VOLTAGE_NORMAL_L1);
}

void mfw_alarm_raise(struct mfw_alarm *a, const struct mfw_alarm_config *c, unsigned reg,
                     uint32_t bits)
{
    if (reg > 1 || bits == 0)
        return;
    a->reg[reg] |= bits;
    uint32_t pass = bits & c->filter[reg];
    if (pass & ~a->descriptor[reg])
        a->push_due = true;
    a->descriptor[reg] |= pass;
}

void mfw_alarm_event(struct mfw_alarm *a, const struct mfw_alarm_config *c, uint16_t code)
{
    uint32_t bits[2];
    mfw_alarm_bits(code, bits);
    mfw_alarm_raise(a, c, 0, bits[0]);
    mfw_alarm_raise(a, c, 1, bits[1]);
}

bool mfw_alarm_clear(struct mfw_alarm *a, unsigned reg, bool descriptor, uint32_t value)
{
    if (reg > 1)
        return false;
    uint32_t *v = descriptor ? &a->descriptor[reg] : &a->reg[reg];
    uint32_t before = *v;
    *v &= value;
    if (!descriptor)
        a->descriptor[reg] &= *v; /* a descriptor never holds an alarm its register lost */
    return *v != before;
}

void mfw_alarm_save(const struct mfw_alarm *a, struct mfw_wcursor *w)
{
    for (unsigned k = 0; k < 2; k++) {
        mfw_persist_put_u32(w, a->reg[k]);
        mfw_persist_put_u32(w, a->descriptor[k]);
    }
    mfw_persist_put_bool(w, a->push_due);
}

void mfw_alarm_restore(struct mfw_alarm *a, struct mfw_persist_reader *r)
{
    for (unsigned k = 0; k < 2; k++) {
        a->reg[k] = mfw_persist_u32(r, "alarm.register", 0, UINT32_MAX);
        a->descriptor[k] = mfw_persist_u32(r, "alarm.descriptor", 0, UINT32_MAX);
        if (a->descriptor[k] & ~a->reg[k])
            mfw_persist_fail(r, "alarm: a descriptor bit its register does not have", MFW_E_RANGE);
    }
    a->push_due = mfw_persist_bool(r, "alarm.push_due");
}
