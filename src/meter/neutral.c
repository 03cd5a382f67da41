/* SPDX-License-Identifier: Apache-2.0 */
/* Neutral faults: the 382M's displacement and zero-sequence rules, the 162M's current mismatch and
 * voltage loss with current. See neutral.h for the rules and their sources. */
#include "meterfw/meter/neutral.h"

#include <math.h>
#include <string.h>

#include "meterfw/base/error.h"

#define PI 3.14159265358979323846

void mfw_neutral_default_config(struct mfw_neutral_config *c, uint8_t phases)
{
    memset(c, 0, sizeof *c);
    c->enabled = true;
    /* Kamstrup TD 5512-1040 §3.6.10: VLHiTh 253 V, VLLoTh = 230 V - VNTh 40 V, Time 60 s */
    c->high_v = 253.0;
    c->low_v = 190.0;
    c->time_ms = 60000;
    c->zero_seq_v = 0.0;
    c->zero_seq_time_ms = 5000;
    c->clear_time_ms = 60000;
    c->disconnect = phases >= 3;
    c->auto_reconnect = false;
    /* 162M: earth leakage / bypass well above measurement noise and a 30 mA RCD's trip level,
     * relative to the load for large currents (the shunts' tolerances add up) */
    c->mismatch_a = 0.5;
    c->mismatch_ratio = 0.0625;
    c->mismatch_time_ms = 10000;
    c->loss_current_a = 0.5;
}

static bool finite_in(double x, double lo, double hi)
{
    return x >= lo && x <= hi; /* false for NaN */
}

int mfw_neutral_validate(const struct mfw_neutral_config *c)
{
    const uint32_t day = 86400000u;
    if (!finite_in(c->low_v, 1.0, 1000.0) || !finite_in(c->high_v, 1.0, 1000.0) ||
        !(c->low_v < c->high_v) || !finite_in(c->zero_seq_v, 0.0, 1000.0) ||
        !finite_in(c->mismatch_a, 0.0, 1000.0) || !finite_in(c->mismatch_ratio, 0.0, 0.99) ||
        !finite_in(c->loss_current_a, 0.0, 1000.0) || c->time_ms > day ||
        c->zero_seq_time_ms > day || c->clear_time_ms > day || c->mismatch_time_ms > day)
        return MFW_E_RANGE;
    return MFW_OK;
}

void mfw_neutral_init(struct mfw_neutral *n)
{
    memset(n, 0, sizeof *n);
}

double mfw_neutral_zero_sequence(const struct mfw_metrology_values *v, uint8_t phases)
{
    double re = 0.0, im = 0.0;
    for (unsigned p = 0; p < phases && p < MFW_PHASES_MAX; p++) {
        double a = v->ph[p].v_angle_deg * (PI / 180.0);
        re += v->ph[p].v1 * cos(a);
        im += v->ph[p].v1 * sin(a);
    }
    return hypot(re, im) / 3.0;
}

/* A condition that must hold for `ms` without a break: true when it has. */
static bool held(bool cond, bool *pending, mfw_ms_t *since, mfw_ms_t now, uint32_t ms)
{
    if (!cond) {
        *pending = false;
        return false;
    }
    if (!*pending) {
        *pending = true;
        *since = now;
    }
    if (now - *since < (mfw_ms_t)ms)
        return false;
    *pending = false;
    return true;
}

void mfw_neutral_window(struct mfw_neutral *n, const struct mfw_neutral_config *c, uint8_t phases,
                        const struct mfw_metrology_values *v, mfw_ms_t now,
                        struct mfw_neutral_result *out)
{
    memset(out, 0, sizeof *out);
    if (!c->enabled) {
        n->rule_pending = n->zs_pending = n->mm_pending = false;
        return;
    }
    if (phases >= 3) {
        unsigned high = 0, low = 0, low_phase = 0;
        for (unsigned p = 0; p < 3 && p < MFW_PHASES_MAX; p++) {
            if (v->ph[p].vrms > c->high_v)
                high++;
            else if (v->ph[p].vrms < c->low_v) {
                low++;
                low_phase = p + 1;
            }
        }
        bool rule = high >= 2 && low >= 1;
        out->u0_v = mfw_neutral_zero_sequence(v, phases);
        bool zs = c->zero_seq_v > 0.0 && out->u0_v > c->zero_seq_v;
        if (!n->fault) {
            bool by_rule = held(rule, &n->rule_pending, &n->rule_since, now, c->time_ms);
            bool by_zs = held(zs, &n->zs_pending, &n->zs_since, now, c->zero_seq_time_ms);
            if (by_rule || by_zs) {
                n->fault = true;
                n->faults++;
                n->rule_pending = n->zs_pending = false;
                out->fault = true;
                out->phase = by_rule ? (uint8_t)low_phase : 0;
            }
        } else if (held(!rule && !zs, &n->rule_pending, &n->rule_since, now, c->clear_time_ms)) {
            n->fault = false;
            out->restored = true;
        }
        return;
    }
    /* 162M: the phase current against the neutral current */
    double il = v->ph[0].irms, in = v->i_n;
    double d = fabs(il - in), big = il > in ? il : in;
    bool mm = d > c->mismatch_a && d > c->mismatch_ratio * big;
    if (held(n->mismatch ? !mm : mm, &n->mm_pending, &n->mm_since, now, c->mismatch_time_ms)) {
        n->mismatch = !n->mismatch;
        out->mismatch = n->mismatch;
        out->mismatch_gone = !n->mismatch;
    }
}

bool mfw_neutral_voltage_loss(const struct mfw_neutral_config *c,
                              const struct mfw_metrology_values *v)
{
    return c->enabled && v->ph[0].irms > c->loss_current_a;
}

void mfw_neutral_save(const struct mfw_neutral *n, struct mfw_wcursor *w)
{
    mfw_persist_put_bool(w, n->fault);
    mfw_persist_put_bool(w, n->rule_pending);
    mfw_persist_put_i64(w, n->rule_since);
    mfw_persist_put_bool(w, n->zs_pending);
    mfw_persist_put_i64(w, n->zs_since);
    mfw_persist_put_bool(w, n->mismatch);
    mfw_persist_put_bool(w, n->mm_pending);
    mfw_persist_put_i64(w, n->mm_since);
    mfw_persist_put_u32(w, n->faults);
}

void mfw_neutral_restore(struct mfw_neutral *n, struct mfw_persist_reader *r)
{
    n->fault = mfw_persist_bool(r, "neutral.fault");
    n->rule_pending = mfw_persist_bool(r, "neutral.rule_pending");
    n->rule_since = mfw_persist_i64(r, "neutral.rule_since", 0, MFW_PERSIST_TIME_MAX);
    n->zs_pending = mfw_persist_bool(r, "neutral.zs_pending");
    n->zs_since = mfw_persist_i64(r, "neutral.zs_since", 0, MFW_PERSIST_TIME_MAX);
    n->mismatch = mfw_persist_bool(r, "neutral.mismatch");
    n->mm_pending = mfw_persist_bool(r, "neutral.mm_pending");
    n->mm_since = mfw_persist_i64(r, "neutral.mm_since", 0, MFW_PERSIST_TIME_MAX);
    n->faults = mfw_persist_u32(r, "neutral.faults", 0, UINT32_MAX);
    if (n->fault && n->faults == 0)
        mfw_persist_fail(r, "neutral: a fault never counted", MFW_E_RANGE);
}
