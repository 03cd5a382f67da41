/* SPDX-License-Identifier: Apache-2.0 */
/* S0 output (DIN 43864) and test LED: one pulse per 1/constant kWh of energy.
 * DIN 43864 asks for a pulse of at least 30 ms; we also hold a pause of at least off_ms so that
 * two pulses never merge at the counter. When energy arrives faster than on+off allows, the
 * pulses are owed and shown as soon as timing permits: none is ever dropped, so the pulse count
 * always equals floor(energy / uwh_per_pulse) once the output has caught up. */
#include "meterfw/meter/pulse.h"

#include "meterfw/base/error.h"

#define UWH_PER_KWH 1000000000ull

int mfw_pulse_init(struct mfw_pulse_output *p, uint32_t imp_per_kwh, uint16_t on_ms,
                   uint16_t off_ms)
{
    if (!p || imp_per_kwh == 0 || UWH_PER_KWH % imp_per_kwh != 0 || on_ms == 0)
        return MFW_E_ARG;
    *p = (struct mfw_pulse_output){
        .uwh_per_pulse = UWH_PER_KWH / imp_per_kwh,
        .on_ms = on_ms,
        .off_ms = off_ms,
    };
    return MFW_OK;
}

void mfw_pulse_add(struct mfw_pulse_output *p, uint64_t uwh)
{
    p->acc_uwh += uwh;
    uint64_t whole = p->acc_uwh / p->uwh_per_pulse;
    p->acc_uwh -= whole * p->uwh_per_pulse;
    p->owed = (whole > UINT32_MAX - p->owed) ? UINT32_MAX : p->owed + (uint32_t)whole;
}

bool mfw_pulse_update(struct mfw_pulse_output *p, mfw_ms_t now)
{
    if (!p->started) {
        p->started = true;
        p->edge_ms = now - p->off_ms; /* ready to pulse at once */
    }
    if (p->on) {
        if (now - p->edge_ms >= p->on_ms) {
            p->on = false;
            p->edge_ms = now;
        }
    } else if (p->owed > 0 && now - p->edge_ms >= p->off_ms) {
        p->on = true;
        p->edge_ms = now;
        p->owed--;
        p->count++;
    }
    return p->on;
}

void mfw_pulse_save(const struct mfw_pulse_output *p, struct mfw_wcursor *w)
{
    mfw_persist_put_u64(w, p->count);
    mfw_persist_put_u64(w, p->acc_uwh);
    mfw_persist_put_u32(w, p->owed);
}

void mfw_pulse_restore(struct mfw_pulse_output *p, struct mfw_persist_reader *r)
{
    p->count = mfw_persist_u64(r, "pulse.count", 0, UINT64_MAX);
    /* the remainder below one pulse: never a whole pulse kept back */
    p->acc_uwh = mfw_persist_u64(r, "pulse.remainder", 0, p->uwh_per_pulse - 1u);
    p->owed = mfw_persist_u32(r, "pulse.owed", 0, UINT32_MAX);
    p->on = false;
    p->started = false;
}
