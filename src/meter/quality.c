/* SPDX-License-Identifier: Apache-2.0 */
/* Voltage quality and power failure per phase. Rules and their sources are in quality.h:
 * thresholds EN 50160 +/-10 % Un and Kamstrup TD 5512-1040 §3.6.7 (voltage failure < 160 V for
 * >= 1 s), hysteresis IEC 61000-4-30 5.4.2.1 (2 % Udin), codes and OBIS of the IDIS event logs
 * and power quality objects, long power failure > 180 s (EN 50160, 0.0.96.7.20). */
#include "meterfw/meter/quality.h"

#include <math.h>

#include "meterfw/base/error.h"
#include "meterfw/base/persist.h"
#include "meterfw/meter/eventlog.h"

enum cond_dir { DIR_LOW, DIR_HIGH };

void mfw_quality_default_config(struct mfw_quality_config *cfg, uint8_t phases)
{
    *cfg = (struct mfw_quality_config){
        .phases = phases,
        .un_v = 230.0,
        .sag_v = 207.0,   /* -10 % Un */
        .swell_v = 253.0, /* +10 % Un */
        .missing_v = 160.0,
        .hysteresis_v = 4.6, /* 2 % of 230 V */
        .sag_time_ms = 0,
        .swell_time_ms = 0,
        .missing_time_ms = 1000,
        .long_failure_s = 180,
        .fn_hz = 50.0,
        .freq_dev_hz = 0.5,
        .freq_time_ms = 10000,
        .unbalance_pct = 2.0,
        .unbalance_time_ms = 600000,
    };
}

int mfw_quality_init(struct mfw_quality *q, const struct mfw_quality_config *cfg)
{
    if (!q || !cfg || cfg->phases == 0 || cfg->phases > MFW_PHASES_MAX)
        return MFW_E_ARG;
    /* Ordered thresholds, and a hysteresis that cannot carry an end threshold past the next
     * limit (a sag could otherwise never end below Un). Negated tests also reject NaN. */
    if (!(cfg->missing_v > 0.0 && cfg->missing_v < cfg->sag_v && cfg->sag_v < cfg->un_v &&
          cfg->un_v < cfg->swell_v && cfg->hysteresis_v >= 0.0 &&
          cfg->sag_v + cfg->hysteresis_v < cfg->un_v &&
          cfg->swell_v - cfg->hysteresis_v > cfg->un_v &&
          cfg->missing_v + cfg->hysteresis_v < cfg->un_v && cfg->fn_hz >= 40.0 &&
          cfg->fn_hz <= 70.0 && cfg->freq_dev_hz > 0.0 && cfg->freq_dev_hz < 10.0 &&
          cfg->unbalance_pct > 0.0 && cfg->unbalance_pct < 100.0 &&
          cfg->freq_time_ms <= 86400000u && cfg->unbalance_time_ms <= 86400000u))
        return MFW_E_RANGE;
    *q = (struct mfw_quality){.config = *cfg};
    return MFW_OK;
}

static void push(struct mfw_quality *q, struct mfw_quality_event *out, size_t cap, size_t *n,
                 const struct mfw_quality_event *ev)
{
    if (out && *n < cap)
        out[(*n)++] = *ev;
    else
        q->dropped++;
}

/* Advances one detector by one window [ws, now) whose relevant one-cycle extreme is x (lo for
 * DIR_LOW, hi for DIR_HIGH). Returns +1 when the condition qualified in this window, -1 when a
 * qualified condition ended (at ws), 0 otherwise. */
static int cond_step(struct mfw_quality_cond *c, enum cond_dir dir, double thr, double hyst,
                     uint32_t time_ms, double lo, double hi, mfw_ms_t ws, mfw_ms_t now)
{
    double x = dir == DIR_LOW ? lo : hi;
    if (!c->active) {
        bool in = dir == DIR_LOW ? x < thr : x > thr;
        if (!in)
            return 0;
        *c = (struct mfw_quality_cond){.active = true,
                                       .start = ws,
                                       .v_min = lo,
                                       .v_max = hi,
                                       .count = c->count,
                                       .last_duration_ms = c->last_duration_ms,
                                       .last_magnitude_v = c->last_magnitude_v};
    } else {
        /* Once in, it stays in until past the threshold plus the hysteresis. */
        bool stay = dir == DIR_LOW ? x < thr + hyst : x > thr - hyst;
        if (!stay) {
            bool was = c->qualified;
            c->active = false;
            c->qualified = false;
            if (!was)
                return 0; /* too short for the time threshold: not logged, not counted */
            c->last_duration_ms = ws - c->start;
            c->last_magnitude_v = dir == DIR_LOW ? c->v_min : c->v_max;
            return -1;
        }
        if (lo < c->v_min)
            c->v_min = lo;
        if (hi > c->v_max)
            c->v_max = hi;
    }
    if (!c->qualified && now - c->start >= (mfw_ms_t)time_ms) {
        c->qualified = true;
        c->count++;
        return 1;
    }
    return 0;
}

static struct mfw_quality_event start_event(const struct mfw_quality_cond *c, unsigned code_l1,
                                            unsigned p, mfw_ms_t now)
{
    return (struct mfw_quality_event){
        .kind = MFW_QUALITY_EV_VOLTAGE,
        .code = (uint8_t)(code_l1 + p),
        .phase = (uint8_t)p,
        .time = c->start,
        .start = c->start,
        .duration_ms = now - c->start,
        .duration_s = (uint32_t)((now - c->start) / MFW_MS_PER_S),
        .duration_valid = true,
        .v_min = c->v_min,
        .v_max = c->v_max,
    };
}

/* Counts a power failure of phase p lasting dur_ms (valid) and fills its record. */
static struct mfw_quality_event failure_record(struct mfw_quality *q, unsigned p, mfw_ms_t start,
                                               mfw_ms_t end, bool valid, double vmin, double vmax)
{
    struct mfw_quality_phase *ph = &q->ph[p];
    int64_t dur = valid && end >= start ? end - start : 0;
    uint32_t dur_s = (uint32_t)(dur / MFW_MS_PER_S);
    /* EN 50160: long interruption > 3 min; 0.0.96.7.20 holds the threshold. */
    bool is_long = valid && dur > (int64_t)q->config.long_failure_s * MFW_MS_PER_S;
    ph->failures++;
    if (is_long) {
        ph->long_failures++;
        ph->last_long_s = dur_s;
    }
    return (struct mfw_quality_event){
        .kind = MFW_QUALITY_EV_POWER_FAILURE,
        .code = 0,
        .phase = (uint8_t)p,
        .time = end,
        .start = start,
        .duration_ms = dur,
        .duration_s = dur_s,
        .duration_valid = valid && end >= start,
        .long_failure = is_long,
        .v_min = vmin,
        .v_max = vmax,
    };
}

static bool any_qualified(const struct mfw_quality_phase *ph)
{
    return ph->sag.qualified || ph->swell.qualified || ph->missing.qualified;
}

static void open_episode(struct mfw_quality_phase *ph, const struct mfw_quality_cond *c)
{
    if (!ph->episode) {
        ph->episode = true;
        ph->ep_start = c->start;
        ph->ep_min = c->v_min;
        ph->ep_max = c->v_max;
        return;
    }
    if (c->start < ph->ep_start)
        ph->ep_start = c->start;
    if (c->v_min < ph->ep_min)
        ph->ep_min = c->v_min;
    if (c->v_max > ph->ep_max)
        ph->ep_max = c->v_max;
}

static struct mfw_quality_event normal_event(const struct mfw_quality_phase *ph, unsigned p,
                                             mfw_ms_t end)
{
    return (struct mfw_quality_event){
        .kind = MFW_QUALITY_EV_VOLTAGE,
        .code = (uint8_t)(MFW_QUALITY_CODE_NORMAL_L1 + p),
        .phase = (uint8_t)p,
        .time = end,
        .start = ph->ep_start,
        .duration_ms = end - ph->ep_start,
        .duration_s = (uint32_t)((end - ph->ep_start) / MFW_MS_PER_S),
        .duration_valid = true,
        .v_min = ph->ep_min,
        .v_max = ph->ep_max,
    };
}

/* A grid detector: the condition must hold (or, while on, be absent) for ms without a break to
 * change the state; true when it changed. */
static bool grid_step(struct mfw_quality_grid *g, bool cond, uint32_t ms, mfw_ms_t now)
{
    bool change = g->on ? !cond : cond;
    if (!change) {
        g->pending = false;
        return false;
    }
    if (!g->pending) {
        g->pending = true;
        g->since = now;
    }
    if (now - g->since < (mfw_ms_t)ms)
        return false;
    g->pending = false;
    g->on = !g->on;
    if (g->on)
        g->count++;
    return true;
}

static struct mfw_quality_event grid_event(const struct mfw_quality_grid *g, unsigned on_code,
                                           unsigned off_code, mfw_ms_t now)
{
    return (struct mfw_quality_event){
        .kind = MFW_QUALITY_EV_GRID,
        .code = (uint8_t)(g->on ? on_code : off_code),
        .phase = 0,
        .time = now,
        .start = now,
        .duration_valid = true,
        .v_min = g->last,
        .v_max = g->last,
    };
}

size_t mfw_quality_window(struct mfw_quality *q, const struct mfw_metrology_values *v, mfw_ms_t now,
                          struct mfw_quality_event *out, size_t cap)
{
    size_t n = 0;
    const struct mfw_quality_config *cfg = &q->config;
    mfw_ms_t ws = now - (mfw_ms_t)(v->duration_s * 1000.0 + 0.5); /* window start */
    for (unsigned p = 0; p < cfg->phases; p++) {
        struct mfw_quality_phase *ph = &q->ph[p];
        double vr = v->ph[p].vrms;
        double lo = v->vrms_cycle_min[p], hi = v->vrms_cycle_max[p];
        if (lo == 0.0 && hi == 0.0) /* no completed cycle in the window: use its rms */
            lo = hi = vr;

        mfw_ms_t miss_start = ph->missing.start;
        double miss_min = ph->missing.v_min, miss_max = ph->missing.v_max;
        int s_sag = cond_step(&ph->sag, DIR_LOW, cfg->sag_v, cfg->hysteresis_v, cfg->sag_time_ms,
                              lo, hi, ws, now);
        int s_swell = cond_step(&ph->swell, DIR_HIGH, cfg->swell_v, cfg->hysteresis_v,
                                cfg->swell_time_ms, lo, hi, ws, now);
        /* Missing voltage: the whole window (its highest cycle) below the threshold. */
        int s_miss = cond_step(&ph->missing, DIR_LOW, cfg->missing_v, cfg->hysteresis_v,
                               cfg->missing_time_ms, hi, hi, ws, now);

        struct mfw_quality_event ev;
        if (s_sag > 0) {
            ev = start_event(&ph->sag, MFW_QUALITY_CODE_UNDER_L1, p, now);
            push(q, out, cap, &n, &ev);
            open_episode(ph, &ph->sag);
        }
        if (s_swell > 0) {
            ev = start_event(&ph->swell, MFW_QUALITY_CODE_OVER_L1, p, now);
            push(q, out, cap, &n, &ev);
            open_episode(ph, &ph->swell);
        }
        if (s_miss > 0) {
            ev = start_event(&ph->missing, MFW_QUALITY_CODE_MISSING_L1, p, now);
            push(q, out, cap, &n, &ev);
            open_episode(ph, &ph->missing);
        }
        if (s_miss < 0) {
            /* Power failure log 1.0.99.97.0.255: {phase, start, duration}. */
            ev = failure_record(q, p, miss_start, ws, true, miss_min, miss_max);
            q->failures_any++;
            if (ev.long_failure) {
                q->long_any++;
                q->last_long_any_s = ev.duration_s;
            }
            push(q, out, cap, &n, &ev);
        }
        if (ph->episode) {
            if (!any_qualified(ph)) {
                ev = normal_event(ph, p, ws);
                push(q, out, cap, &n, &ev);
                ph->episode = false;
            } else {
                if (lo < ph->ep_min)
                    ph->ep_min = lo;
                if (hi > ph->ep_max)
                    ph->ep_max = hi;
            }
        }
        /* Min / max of the 200 ms rms (IEC 61000-4-30 class S 10-cycle value); windows without
         * voltage are the power failure log's business, not a minimum voltage. */
        if (vr >= cfg->missing_v) {
            if (!ph->minmax_valid || vr < ph->v_min) {
                ph->v_min = vr;
                ph->v_min_time = now;
            }
            if (!ph->minmax_valid || vr > ph->v_max) {
                ph->v_max = vr;
                ph->v_max_time = now;
            }
            ph->minmax_valid = true;
        }
    }
    /* the grid: frequency deviation, voltage unbalance */
    struct mfw_quality_event ev;
    if (v->freq_locked) {
        q->freq.last = v->freq_hz;
        bool off = fabs(v->freq_hz - cfg->fn_hz) > cfg->freq_dev_hz;
        if (grid_step(&q->freq, off, cfg->freq_time_ms, now)) {
            ev = grid_event(&q->freq, MFW_EVENT_FREQUENCY_DEVIATION, MFW_EVENT_FREQUENCY_NORMAL,
                            now);
            push(q, out, cap, &n, &ev);
        }
    }
    if (cfg->phases >= 3) {
        bool all = true;
        for (unsigned p = 0; p < 3 && p < MFW_PHASES_MAX; p++)
            if (!(v->ph[p].vrms >= cfg->missing_v))
                all = false;
        if (all) {
            double u = mfw_quality_unbalance_pct(v, cfg->phases);
            q->unbalance.last = u < 999.0 ? u : 999.0; /* a reversed sequence: V+ near 0 */
            if (grid_step(&q->unbalance, q->unbalance.last > cfg->unbalance_pct,
                          cfg->unbalance_time_ms, now)) {
                ev = grid_event(&q->unbalance, MFW_EVENT_UNBALANCE, MFW_EVENT_UNBALANCE_GONE, now);
                push(q, out, cap, &n, &ev);
            }
        }
    }
    return n;
}

double mfw_quality_unbalance_pct(const struct mfw_metrology_values *v, uint8_t phases)
{
    if (phases < 3 || MFW_PHASES_MAX < 3)
        return 0.0;
    /* Fortescue with a = 1 /120 deg: V+ = (V1 + a V2 + a^2 V3) / 3, V- = (V1 + a^2 V2 + a V3) / 3
     * (the factor 1/3 cancels in the ratio); L2 lags L1 by 120 deg in a positive sequence */
    const double k = 3.14159265358979323846 / 180.0;
    double pr = 0.0, pi = 0.0, nr = 0.0, ni = 0.0;
    for (unsigned p = 0; p < 3 && p < MFW_PHASES_MAX; p++) {
        double ang = v->ph[p].v_angle_deg, mag = v->ph[p].v1;
        double rot = 120.0 * (double)p; /* a^p for V+, a^(2p) = a^-p for V- */
        pr += mag * cos((ang + rot) * k);
        pi += mag * sin((ang + rot) * k);
        nr += mag * cos((ang - rot) * k);
        ni += mag * sin((ang - rot) * k);
    }
    double pos = hypot(pr, pi);
    return pos > 0.0 ? 100.0 * hypot(nr, ni) / pos : 0.0;
}

void mfw_quality_power_down(struct mfw_quality *q, mfw_ms_t now)
{
    q->down = true;
    q->down_time = now;
}

size_t mfw_quality_power_up(struct mfw_quality *q, mfw_ms_t now, bool rtc_valid,
                            struct mfw_quality_event *out, size_t cap)
{
    if (!q->down)
        return 0;
    size_t n = 0;
    bool any_long = false;
    uint32_t long_s = 0;
    for (unsigned p = 0; p < q->config.phases; p++) {
        struct mfw_quality_phase *ph = &q->ph[p];
        /* A missing voltage already under way on this phase started the failure earlier. */
        mfw_ms_t start = ph->missing.active && ph->missing.start < q->down_time ? ph->missing.start
                                                                                : q->down_time;
        struct mfw_quality_event ev;
        if (ph->episode) {
            /* Close the logged condition so that the log stays balanced; the meter was off, so
             * the episode ends at power down (the last instant anything was measured). */
            ev = normal_event(ph, p, q->down_time);
            push(q, out, cap, &n, &ev);
            ph->episode = false;
        }
        /* The outage was a missing voltage on this phase (count it unless already counted). */
        if (!ph->missing.qualified)
            ph->missing.count++;
        ev = failure_record(q, p, start, now, rtc_valid, 0.0, 0.0);
        ph->missing.last_duration_ms = ev.duration_ms;
        ph->missing.last_magnitude_v = 0.0;
        if (ev.long_failure) {
            any_long = true;
            long_s = ev.duration_s > long_s ? ev.duration_s : long_s;
        }
        push(q, out, cap, &n, &ev);
        /* Fresh detectors: the windows after power-up measure anew. */
        ph->sag.active = ph->sag.qualified = false;
        ph->swell.active = ph->swell.qualified = false;
        ph->missing.active = ph->missing.qualified = false;
    }
    /* One outage of the whole meter: one failure in all phases and one in any phase. */
    q->failures_all++;
    q->failures_any++;
    if (any_long) {
        q->long_all++;
        q->long_any++;
        q->last_long_all_s = long_s;
        q->last_long_any_s = long_s;
    }
    q->down = false;
    return n;
}

void mfw_quality_reset_minmax(struct mfw_quality *q)
{
    for (unsigned p = 0; p < MFW_PHASES_MAX; p++)
        q->ph[p].minmax_valid = false;
}

/* A voltage a meter for 230 V can hold as a measured value: the ADC range is about 1.5 x Un. */
#define PERSIST_V_MAX 2000.0
/* Durations: up to 100 years. */
#define PERSIST_DURATION_MAX (100LL * 366 * 86400000LL)

static void save_cond(const struct mfw_quality_cond *c, struct mfw_wcursor *w)
{
    mfw_persist_put_bool(w, c->active);
    mfw_persist_put_bool(w, c->qualified);
    mfw_persist_put_i64(w, c->start);
    mfw_persist_put_f64(w, c->v_min);
    mfw_persist_put_f64(w, c->v_max);
    mfw_persist_put_u32(w, c->count);
    mfw_persist_put_i64(w, c->last_duration_ms);
    mfw_persist_put_f64(w, c->last_magnitude_v);
}

static void restore_cond(struct mfw_quality_cond *c, struct mfw_persist_reader *r)
{
    c->active = mfw_persist_bool(r, "quality.cond.active");
    c->qualified = mfw_persist_bool(r, "quality.cond.qualified");
    c->start = mfw_persist_i64(r, "quality.cond.start", 0, MFW_PERSIST_TIME_MAX);
    c->v_min = mfw_persist_f64(r, "quality.cond.v_min", 0.0, PERSIST_V_MAX);
    c->v_max = mfw_persist_f64(r, "quality.cond.v_max", 0.0, PERSIST_V_MAX);
    c->count = mfw_persist_u32(r, "quality.cond.count", 0, UINT32_MAX);
    c->last_duration_ms = mfw_persist_i64(r, "quality.cond.last_duration", 0, PERSIST_DURATION_MAX);
    c->last_magnitude_v = mfw_persist_f64(r, "quality.cond.last_magnitude", 0.0, PERSIST_V_MAX);
    if (c->qualified && !c->active)
        mfw_persist_fail(r, "quality.cond: qualified but not active", MFW_E_RANGE);
}

void mfw_quality_save(const struct mfw_quality *q, struct mfw_wcursor *w)
{
    for (unsigned p = 0; p < q->config.phases; p++) {
        const struct mfw_quality_phase *ph = &q->ph[p];
        save_cond(&ph->sag, w);
        save_cond(&ph->swell, w);
        save_cond(&ph->missing, w);
        mfw_persist_put_bool(w, ph->episode);
        mfw_persist_put_i64(w, ph->ep_start);
        mfw_persist_put_f64(w, ph->ep_min);
        mfw_persist_put_f64(w, ph->ep_max);
        mfw_persist_put_bool(w, ph->minmax_valid);
        mfw_persist_put_f64(w, ph->v_min);
        mfw_persist_put_f64(w, ph->v_max);
        mfw_persist_put_i64(w, ph->v_min_time);
        mfw_persist_put_i64(w, ph->v_max_time);
        mfw_persist_put_u32(w, ph->failures);
        mfw_persist_put_u32(w, ph->long_failures);
        mfw_persist_put_u32(w, ph->last_long_s);
    }
    mfw_persist_put_u32(w, q->failures_all);
    mfw_persist_put_u32(w, q->long_all);
    mfw_persist_put_u32(w, q->failures_any);
    mfw_persist_put_u32(w, q->long_any);
    mfw_persist_put_u32(w, q->last_long_all_s);
    mfw_persist_put_u32(w, q->last_long_any_s);
    mfw_persist_put_bool(w, q->down);
    mfw_persist_put_i64(w, q->down_time);
    mfw_persist_put_u32(w, q->dropped);
    const struct mfw_quality_grid *g[2] = {&q->freq, &q->unbalance};
    for (unsigned k = 0; k < 2; k++) {
        mfw_persist_put_bool(w, g[k]->on);
        mfw_persist_put_bool(w, g[k]->pending);
        mfw_persist_put_i64(w, g[k]->since);
        mfw_persist_put_u32(w, g[k]->count);
        mfw_persist_put_f64(w, g[k]->last);
    }
}

void mfw_quality_restore(struct mfw_quality *q, struct mfw_persist_reader *r)
{
    for (unsigned p = 0; p < q->config.phases; p++) {
        struct mfw_quality_phase *ph = &q->ph[p];
        restore_cond(&ph->sag, r);
        restore_cond(&ph->swell, r);
        restore_cond(&ph->missing, r);
        ph->episode = mfw_persist_bool(r, "quality.episode");
        ph->ep_start = mfw_persist_i64(r, "quality.ep_start", 0, MFW_PERSIST_TIME_MAX);
        ph->ep_min = mfw_persist_f64(r, "quality.ep_min", 0.0, PERSIST_V_MAX);
        ph->ep_max = mfw_persist_f64(r, "quality.ep_max", 0.0, PERSIST_V_MAX);
        ph->minmax_valid = mfw_persist_bool(r, "quality.minmax_valid");
        ph->v_min = mfw_persist_f64(r, "quality.v_min", 0.0, PERSIST_V_MAX);
        ph->v_max = mfw_persist_f64(r, "quality.v_max", 0.0, PERSIST_V_MAX);
        ph->v_min_time = mfw_persist_i64(r, "quality.v_min_time", 0, MFW_PERSIST_TIME_MAX);
        ph->v_max_time = mfw_persist_i64(r, "quality.v_max_time", 0, MFW_PERSIST_TIME_MAX);
        if (ph->minmax_valid && ph->v_min > ph->v_max)
            mfw_persist_fail(r, "quality: minimum above maximum", MFW_E_RANGE);
        ph->failures = mfw_persist_u32(r, "quality.failures", 0, UINT32_MAX);
        ph->long_failures = mfw_persist_u32(r, "quality.long_failures", 0, ph->failures);
        ph->last_long_s = mfw_persist_u32(r, "quality.last_long_s", 0, UINT32_MAX);
    }
    q->failures_all = mfw_persist_u32(r, "quality.failures_all", 0, UINT32_MAX);
    q->long_all = mfw_persist_u32(r, "quality.long_all", 0, q->failures_all);
    q->failures_any = mfw_persist_u32(r, "quality.failures_any", 0, UINT32_MAX);
    q->long_any = mfw_persist_u32(r, "quality.long_any", 0, q->failures_any);
    q->last_long_all_s = mfw_persist_u32(r, "quality.last_long_all_s", 0, UINT32_MAX);
    q->last_long_any_s = mfw_persist_u32(r, "quality.last_long_any_s", 0, UINT32_MAX);
    q->down = mfw_persist_bool(r, "quality.down");
    q->down_time = mfw_persist_i64(r, "quality.down_time", 0, MFW_PERSIST_TIME_MAX);
    q->dropped = mfw_persist_u32(r, "quality.dropped", 0, UINT32_MAX);
    struct mfw_quality_grid *g[2] = {&q->freq, &q->unbalance};
    for (unsigned k = 0; k < 2; k++) {
        g[k]->on = mfw_persist_bool(r, "quality.grid.on");
        g[k]->pending = mfw_persist_bool(r, "quality.grid.pending");
        g[k]->since = mfw_persist_i64(r, "quality.grid.since", 0, MFW_PERSIST_TIME_MAX);
        g[k]->count = mfw_persist_u32(r, "quality.grid.count", 0, UINT32_MAX);
        g[k]->last = mfw_persist_f64(r, "quality.grid.last", 0.0, 1000.0);
        if (g[k]->on && g[k]->count == 0)
            mfw_persist_fail(r, "quality: a grid episode never counted", MFW_E_RANGE);
    }
}
