/* meter: the application core. This file holds the meter's life cycle (init and power-up,
 * tick, power-down) and the glue between the modules: metrology -> registers and tariffs ->
 * demand, profiles, billing -> event logs -> store. Each function of the meter is its own module
 * (clock.c, calendar.c, demand.c, billing.c, quality.c, profile.c, eventlog.c, pulse.c); this file
 * decides when each runs and what it is told. */
#include "meterfw/meter/meter.h"

#include <string.h>

#include "meter_state.h"
#include "meterfw/base/error.h"

/* The supply is failing when every phase is below the missing-voltage threshold for one whole
 * window: 200 ms, within the hold-up a meter's supply capacitor gives (Kamstrup TD §3.6.7 shuts
 * the processor down after 1 s below 160 V; we save at the first window). */

/* ---- configuration ------------------------------------------------------------------------- */

/* Sectors a ring needs to always keep `depth` entries: the store drops a whole sector at a time,
 * so one sector more than the entries need. Slot = seq + entry + CRC, rounded to the program
 * unit; 32 bytes are kept for the sector header (store.c: 28, rounded to 8). */
static uint16_t ring_sectors(const struct store_cfg *s, uint32_t entry_size, uint32_t depth)
{
    uint32_t slot = (4u + entry_size + 4u + s->prog_size - 1u) / s->prog_size * s->prog_size;
    uint32_t per = (s->sector_size - 32u) / slot;
    return (uint16_t)((depth + per - 1u) / per + 1u);
}

void meter_store_layout(struct meter_config *c, uint32_t lp1_days)
{
    /* NOR flash in 4 KiB sectors (a common serial flash), programmed in 8-byte units. The
     * state area takes one ~2.7 KB record per sector; 32 sectors share the checkpoint erases
     * (73 years to 100,000 cycles, bench/year.sh). */
    struct store_cfg *s = &c->store;
    memset(s, 0, sizeof(*s));
    s->sector_size = 4096;
    s->prog_size = 8;
    s->n_areas = AREA_COUNT;
    c->settings.lp1.depth = lp1_days * 96u; /* rows at 15 minutes */
    const struct {
        uint8_t kind;
        uint16_t entry;
        uint32_t depth; /* rings: entries kept; records: sectors */
    } a[AREA_COUNT] = {
        [AREA_CONFIG] = {STORE_RECORDS, METER_CONFIG_MAX, 4},
        [AREA_STATE] = {STORE_RECORDS, METER_STATE_MAX, 32},
        [AREA_LP1] = {STORE_RING, PROFILE_ENTRY_SIZE(4), c->settings.lp1.depth},
        [AREA_DAILY] = {STORE_RING, PROFILE_ENTRY_SIZE(20), PROFILE_DAILY_DEPTH},
        [AREA_BILLING] = {STORE_RING, PROFILE_ENTRY_SIZE(38), PROFILE_BILLING_DEPTH},
        [AREA_ANALYSIS] = {STORE_RING, PROFILE_ENTRY_SIZE(PROFILE_ANALYSIS_COLUMNS),
                           PROFILE_ANALYSIS_DEPTH},
    };
    uint16_t next = 0;
    for (unsigned k = 0; k < AREA_COUNT; k++) {
        uint8_t kind = k >= AREA_EVLOG0 ? STORE_RING : a[k].kind;
        uint16_t entry = k >= AREA_EVLOG0 ? EVENTLOG_ENTRY_SIZE : a[k].entry;
        uint16_t n = kind == STORE_RECORDS ? (uint16_t)a[k].depth
                                           : ring_sectors(s, entry, k >= AREA_EVLOG0
                                                                        ? EVENTLOG_DEPTH
                                                                        : a[k].depth);
        s->area[k] = (struct store_area_cfg){kind, 1, next, n, entry};
        next = (uint16_t)(next + n);
    }
    s->sector_count = next;
}

void meter_default_config(struct meter_config *c, enum meter_model model)
{
    memset(c, 0, sizeof(*c));
    c->model = model;
    memcpy(c->serial, "00000001", 9);
    c->u_nominal_v = 230.0;
    c->i_ref_a = 5.0;
    c->i_max_a = 100.0;
    c->pulse_imp_per_kwh = MFW_PULSE_IMP_PER_KWH;
    metrology_default_config(&c->metro, (uint8_t)model, 4000, 50);
    struct meter_settings *s = &c->settings;
    s->clock = clock_default_config();
    meter_default_tou(&s->tou);
    demand_default_config(&s->demand);
    billing_default_config(&s->billing);
    quality_default_config(&s->quality, (uint8_t)model);
    profile_config_lp1(&s->lp1);
    profile_config_analysis(&s->analysis, NULL, 0, 900, 0);
    meter_store_layout(c, PROFILE_LP1_DEPTH / 96u);
    c->checkpoint_wh = 100;
    c->checkpoint_min_s = 60;
    c->checkpoint_max_s = 900;
}

static int validate_settings(const struct meter_settings *s, uint8_t phases)
{
    if (clock_config_validate(&s->clock) != MFW_OK || tou_validate(&s->tou.active) != MFW_OK)
        return MFW_E_RANGE;
    struct demand d;
    struct billing b;
    struct quality q;
    struct profile p;
    if (demand_init(&d, &s->demand) != MFW_OK || billing_init(&b, &s->billing) != MFW_OK ||
        quality_init(&q, &s->quality) != MFW_OK || s->quality.phases != phases)
        return MFW_E_RANGE;
    if (profile_init(&p, &s->lp1, AREA_LP1, 0) != MFW_OK ||
        profile_init(&p, &s->analysis, AREA_ANALYSIS, 0) != MFW_OK ||
        s->analysis.n_columns > PROFILE_ANALYSIS_COLUMNS || s->lp1.n_columns > 4)
        return MFW_E_RANGE;
    return MFW_OK;
}

/* ---- persistence ---------------------------------------------------------------------------- */

static void save_state_now(struct meter *m, bool erase_ahead);

static void save_state(struct meter *m)
{
    save_state_now(m, true);
}

/* erase_ahead: after the write, prepare the next sector if the next record will need one, so
 * that a power-fail save only programs (meter_power_down passes false: no erase then). */
static void save_state_now(struct meter *m, bool erase_ahead)
{
    if (!m->persistent)
        return;
    uint8_t buf[METER_STATE_MAX];
    size_t len;
    if (meter_state_encode(m, buf, sizeof(buf), &len) != MFW_OK ||
        store_record_write(&m->store, AREA_STATE, buf, len) != MFW_OK)
        m->store_errors++;
    else
        m->saves++;
    if (erase_ahead && store_record_prepare(&m->store, AREA_STATE, METER_STATE_MAX) != MFW_OK)
        m->store_errors++;
    m->last_save = m->rtc;
    m->saved_uwh = m->reg.uwh[ENERGY_TOTAL][EQ_AP] + m->reg.uwh[ENERGY_TOTAL][EQ_AM];
}

static void save_config(struct meter *m)
{
    if (!m->persistent)
        return;
    uint8_t buf[METER_CONFIG_MAX];
    size_t len;
    if (meter_config_encode(&m->set, buf, sizeof(buf), &len) != MFW_OK ||
        store_record_write(&m->store, AREA_CONFIG, buf, len) != MFW_OK)
        m->store_errors++;
}

static void log_event(struct meter *m, enum event_log log, mfw_ms_t t, uint16_t code,
                      uint8_t phase, int64_t v1, int64_t v2)
{
    if (m->persistent && eventlog_add(&m->ev, &m->store, log, t, code, phase, v1, v2) < 0)
        m->store_errors++;
}

/* Power failures reported by the quality monitor: one power failure log entry per failure, the
 * phases of an all-phase outage together. */
static void log_quality(struct meter *m, const struct quality_event *e, size_t n)
{
    size_t k = 0;
    while (k < n) {
        const struct quality_event *q = &e[k];
        if (q->kind == QUALITY_EV_VOLTAGE) {
            log_event(m, EVLOG_POWER_QUALITY, q->time, q->code, (uint8_t)(q->phase + 1),
                      (int64_t)(q->v_min * 100.0 + 0.5), q->duration_ms);
            k++;
            continue;
        }
        uint8_t mask = (uint8_t)(1u << q->phase);
        size_t j = k + 1;
        while (j < n && e[j].kind == QUALITY_EV_POWER_FAILURE && e[j].start == q->start &&
               e[j].duration_ms == q->duration_ms) {
            mask |= (uint8_t)(1u << e[j].phase);
            j++;
        }
        if (m->persistent && q->duration_valid &&
            eventlog_power_failure(&m->ev, &m->store, mask, q->start, q->duration_s) < 0)
            m->store_errors++;
        k = j;
    }
}

/* ---- life cycle ----------------------------------------------------------------------------- */

static int init_modules(struct meter *m, mfw_ms_t now, bool rtc_lost)
{
    const struct meter_settings *s = &m->set;
    int rc = clock_init(&m->clock, &s->clock, rtc_lost);
    if (rc == MFW_OK)
        rc = demand_init(&m->demand, &s->demand);
    if (rc == MFW_OK)
        rc = billing_init(&m->billing, &s->billing);
    if (rc == MFW_OK)
        rc = quality_init(&m->quality, &s->quality);
    struct profile_config daily, billing;
    profile_config_daily(&daily);
    profile_config_billing(&billing);
    if (rc == MFW_OK)
        rc = profile_init(&m->prof[PROF_LP1], &s->lp1, AREA_LP1, now);
    if (rc == MFW_OK)
        rc = profile_init(&m->prof[PROF_DAILY], &daily, AREA_DAILY, now);
    if (rc == MFW_OK)
        rc = profile_init(&m->prof[PROF_BILLING], &billing, AREA_BILLING, now);
    if (rc == MFW_OK)
        rc = profile_init(&m->prof[PROF_ANALYSIS], &s->analysis, AREA_ANALYSIS, now);
    uint8_t areas[EVLOG_COUNT];
    for (unsigned k = 0; k < EVLOG_COUNT; k++)
        areas[k] = (uint8_t)(AREA_EVLOG0 + k);
    if (rc == MFW_OK)
        rc = eventlog_init(&m->ev, areas, m->cfg.metro.phases);
    return rc;
}


static uint8_t profile_status(const struct meter *m, mfw_ms_t now)
{
    uint8_t st = m->lp_status;
    uint8_t cs = clock_status(&m->clock, now);
    if (cs & CLOCK_STATUS_INVALID)
        st |= PROFILE_ST_CLOCK_INVALID;
    if (cs & CLOCK_STATUS_DST)
        st |= PROFILE_ST_DST;
    return st;
}


static void calendar_events(struct meter *m, const struct local_time *prev,
                            const struct local_time *lt, mfw_ms_t now);

int meter_init(struct meter *m, const struct meter_config *cfg, const struct hal *hal,
               mfw_ms_t rtc_now)
{
    if (!m || !cfg || !hal)
        return MFW_E_ARG;
    if (cfg->model != METER_162M && cfg->model != METER_382M)
        return MFW_E_ARG;
    if (cfg->metro.phases != (uint8_t)cfg->model)
        return MFW_E_ARG;
    if (!(cfg->i_ref_a > 0.0) || !(cfg->i_max_a > cfg->i_ref_a) || !(cfg->u_nominal_v > 0.0))
        return MFW_E_RANGE;
    if (validate_settings(&cfg->settings, (uint8_t)cfg->model) != MFW_OK)
        return MFW_E_RANGE;
    memset(m, 0, sizeof(*m));
    m->cfg = *cfg;
    m->cfg.serial[sizeof(m->cfg.serial) - 1] = '\0';
    m->hal = hal;
    m->set = cfg->settings;
    int rc = metrology_init(&m->mt, &cfg->metro);
    if (rc == MFW_OK)
        rc = pulse_init(&m->s0, cfg->pulse_imp_per_kwh, MFW_S0_PULSE_MS, MFW_S0_PAUSE_MS);
    if (rc == MFW_OK)
        rc = pulse_init(&m->led, cfg->pulse_imp_per_kwh, MFW_LED_PULSE_MS, MFW_LED_PAUSE_MS);
    if (rc != MFW_OK)
        return rc;

    /* The store: configuration first, then the state. A meter whose flash fails still meters. */
    bool have_state = false;
    uint8_t buf[METER_CONFIG_MAX > METER_STATE_MAX ? METER_CONFIG_MAX : METER_STATE_MAX];
    size_t len = 0;
    if (hal->flash_read && hal->flash_prog && hal->flash_erase) {
        if (store_mount(&m->store, &cfg->store, hal) == MFW_OK)
            m->persistent = true;
        else
            m->store_errors++;
    }
    bool config_loaded = false;
    if (m->persistent &&
        store_record_read(&m->store, AREA_CONFIG, buf, sizeof(buf), &len) == MFW_OK) {
        struct meter_settings s;
        if (meter_config_decode(&s, buf, len) == MFW_OK &&
            validate_settings(&s, (uint8_t)cfg->model) == MFW_OK) {
            m->set = s;
            config_loaded = true;
        }
    }
    bool rtc_lost = hal->rtc_lost && hal->rtc_lost(hal->ctx);
    rc = init_modules(m, rtc_now, rtc_lost);
    if (rc != MFW_OK)
        return rc;
    if (m->persistent &&
        store_record_read(&m->store, AREA_STATE, buf, sizeof(buf), &len) == MFW_OK &&
        meter_state_decode(m, buf, len) == MFW_OK)
        have_state = true;
    if (rtc_lost)
        m->clock.invalid = true;

    /* Power-up. */
    mfw_ms_t now = clock_now(&m->clock, rtc_now);
    struct local_time lt;
    clock_local(&m->clock, now, &lt);
    if (have_state) {
        /* The time the supply went: saved by meter_power_down, or (a cut without warning) the
         * last checkpoint, the latest time known. */
        /* Power down is logged now, with its own time: the power-fail save wrote only the state
         * (meter_power_down), or there was no warning and the last checkpoint is the latest
         * time known. */
        if (!m->quality.down)
            quality_power_down(&m->quality, m->now);
        log_event(m, EVLOG_STANDARD, m->quality.down_time, EV_POWER_DOWN, 0, 0, 0);
        struct quality_event ev[QUALITY_EVENTS_MAX];
        size_t n = quality_power_up(&m->quality, now, !rtc_lost, ev, QUALITY_EVENTS_MAX);
        log_quality(m, ev, n);
        for (unsigned k = 0; k < PROF_COUNT; k++) {
            /* time behind the saved time (a lost RTC): realign the schedules to the clock */
            if (now < m->now)
                profile_clock_changed(&m->prof[k], now);
            /* AMR status "power down" marks the interval rows, not the billing snapshot */
            if (k != PROF_BILLING)
                profile_flag(&m->prof[k], PROFILE_ST_POWER_DOWN);
        }
        if (now < m->now)
            demand_clock_change(&m->demand, now);
    }
    if (rtc_lost)
        log_event(m, EVLOG_STANDARD, now, EV_CLOCK_INVALID, 0, 0, 0);
    log_event(m, EVLOG_STANDARD, now, EV_POWER_UP, 0, 0, 0);
    m->down = false;
    m->rtc = rtc_now;
    /* What the outage spanned, at the power-up time: a day change (daily row), billing instants
     * (one billing for all those missed while off), a summer-time change. Not with a lost RTC:
     * its time is unknown. */
    if (have_state && !rtc_lost && now >= m->now) {
        struct local_time before;
        clock_local(&m->clock, m->now, &before);
        calendar_events(m, &before, &lt, now);
    }
    m->local = lt;
    m->now = now;
    m->tariff = tou_tariff_checked(&m->set.tou, &lt, &m->tou_inconsistent);
    if (have_state && m->persistent) {
        /* the boundaries missed while off: one row now, flagged power down (profile.h) */
        uint8_t st = profile_status(m, now);
        if (profile_tick(&m->prof[PROF_LP1], &m->store, now, st, meter_read_quantity, m) > 0)
            m->lp_status = 0;
        profile_tick(&m->prof[PROF_ANALYSIS], &m->store, now, st, meter_read_quantity, m);
    }
    if (!config_loaded)
        save_config(m);
    save_state(m);
    return MFW_OK;
}

void meter_samples(struct meter *m, const struct adc_frame *f, size_t n)
{
    if (!m->down)
        metrology_samples(&m->mt, f, n);
}

void meter_block(struct meter *m, const struct metrology_block *b)
{
    if (!m->down)
        metrology_block(&m->mt, b);
}

static void set_output(struct meter *m, enum hal_output out, bool on)
{
    if (m->hal->output_set)
        m->hal->output_set(m->hal->ctx, out, on);
}

static void billing_snapshot(struct meter *m, mfw_ms_t now)
{
    /* IDIS end-of-billing script 0.0.10.0.1.255: capture the billing profile (every energy
     * register and the maximum demands), then reset the demand and the min/max voltages. */
    if (m->persistent &&
        profile_capture(&m->prof[PROF_BILLING], &m->store, now,
                        profile_status(m, now), meter_read_quantity, m) < 0)
        m->store_errors++;
    demand_reset(&m->demand, NULL);
    quality_reset_minmax(&m->quality);
    save_state(m);
}

/* What the local calendar brings between two ticks (or across a power failure): a summer-time
 * change (event 3), a new day (the daily profile row, captured at local midnight), the end of a
 * billing period (billing_due gives one billing for all the instants passed). */
static void calendar_events(struct meter *m, const struct local_time *prev,
                            const struct local_time *lt, mfw_ms_t now)
{
    if (prev->dst != lt->dst)
        log_event(m, EVLOG_STANDARD, now, EV_DST_CHANGE, 0, lt->dst, 0);
    if (m->persistent &&
        (prev->year != lt->year || prev->month != lt->month || prev->day != lt->day)) {
        mfw_ms_t midnight = clock_utc_of_local(&m->clock, lt->year, lt->month, lt->day, 0, 0);
        if (profile_capture(&m->prof[PROF_DAILY], &m->store, midnight,
                            profile_status(m, midnight), meter_read_quantity, m) < 0)
            m->store_errors++;
    }
    if (billing_due(&m->billing, prev, lt))
        billing_snapshot(m, now);
}

static void on_window(struct meter *m, const struct metrology_values *v, mfw_ms_t now)
{
    m->now_values = *v;
    m->have_values = true;
    struct quality_event ev[QUALITY_EVENTS_MAX];
    size_t n = quality_window(&m->quality, v, now, ev, QUALITY_EVENTS_MAX);
    log_quality(m, ev, n);
    profile_accumulate(&m->prof[PROF_ANALYSIS], meter_read_quantity, m, v->duration_s);
}

static bool supply_failing(const struct meter *m, const struct metrology_values *v)
{
    for (unsigned p = 0; p < m->cfg.metro.phases; p++)
        if (v->ph[p].vrms >= m->set.quality.missing_v)
            return false;
    return true;
}

void meter_tick(struct meter *m, mfw_ms_t rtc_now)
{
    if (m->down)
        return;
    mfw_ms_t now = clock_now(&m->clock, rtc_now);
    struct local_time lt;
    clock_local(&m->clock, now, &lt);
    const struct local_time prev = m->local;
    m->rtc = rtc_now;

    /* 1. the measurement window that completed, if any */
    struct metrology_values v;
    if (metrology_read(&m->mt, &v)) {
        if (supply_failing(m, &v)) {
            m->now = now;
            meter_power_down(m, rtc_now);
            return;
        }
        on_window(m, &v, now);
    }

    /* 2. energy into the registers, at the tariff in force while it was measured */
    struct energy_delta d;
    metrology_drain(&m->mt, &d);
    for (unsigned s = 0; s <= MFW_PHASES_MAX; s++)
        for (unsigned q = 0; q < EQ_COUNT; q++)
            m->reg.uwh[s][q] += d.uwh[s][q];
    const uint64_t *t = d.uwh[ENERGY_TOTAL];
    uint64_t *tr = m->reg.tariff[m->tariff - 1];
    tr[0] += t[EQ_AP];
    tr[1] += t[EQ_AM];
    tr[2] += t[EQ_RP];
    tr[3] += t[EQ_RM];
    demand_add(&m->demand, 0, t[EQ_AP]);
    demand_add(&m->demand, 1, t[EQ_AM]);
    pulse_add(&m->s0, t[EQ_AP]);
    pulse_add(&m->led, t[EQ_AP]);

    /* 3. time of use: passive calendar activation, then the tariff from now on */
    bool activated = false;
    if (tou_tick(&m->set.tou, &lt, now, &activated) == MFW_OK && activated) {
        log_event(m, EVLOG_STANDARD, now, EV_TOU_ACTIVATED, 0, 0, 0);
        save_config(m);
    }
    m->tariff = tou_tariff_checked(&m->set.tou, &lt, &m->tou_inconsistent);

    /* 4. demand periods; the day, summer-time and billing boundaries passed */
    demand_tick(&m->demand, now);
    calendar_events(m, &prev, &lt, now);

    /* 5. profiles: load profile and analysis log on their periods */
    if (m->persistent) {
        uint8_t st = profile_status(m, now);
        int wrote = profile_tick(&m->prof[PROF_LP1], &m->store, now, st, meter_read_quantity, m);
        if (wrote > 0)
            m->lp_status = 0;
        else if (wrote < 0)
            m->store_errors++;
        if (profile_tick(&m->prof[PROF_ANALYSIS], &m->store, now, st & ~PROFILE_ST_POWER_DOWN,
                         meter_read_quantity, m) < 0)
            m->store_errors++;
    }
    /* 6. outputs */
    bool s0 = m->s0.on, led = m->led.on;
    if (pulse_update(&m->s0, now) != s0)
        set_output(m, HAL_OUT_S0, m->s0.on);
    if (pulse_update(&m->led, now) != led)
        set_output(m, HAL_OUT_LED, m->led.on);
    m->now = now;
    m->local = lt;

    /* 7. checkpoint: bounds what a cut without warning can lose */
    uint64_t e = m->reg.uwh[ENERGY_TOTAL][EQ_AP] + m->reg.uwh[ENERGY_TOTAL][EQ_AM];
    mfw_ms_t since = rtc_now - m->last_save;
    if (since >= (mfw_ms_t)m->cfg.checkpoint_max_s * 1000 ||
        (e - m->saved_uwh >= (uint64_t)m->cfg.checkpoint_wh * 1000000u &&
         since >= (mfw_ms_t)m->cfg.checkpoint_min_s * 1000))
        save_state(m);
}

void meter_power_down(struct meter *m, mfw_ms_t rtc_now)
{
    if (m->down)
        return;
    mfw_ms_t now = clock_now(&m->clock, rtc_now);
    /* the energy of the open window reaches the registers before the save */
    metrology_flush(&m->mt);
    struct metrology_values v;
    metrology_read(&m->mt, &v);
    struct energy_delta d;
    metrology_drain(&m->mt, &d);
    for (unsigned s = 0; s <= MFW_PHASES_MAX; s++)
        for (unsigned q = 0; q < EQ_COUNT; q++)
            m->reg.uwh[s][q] += d.uwh[s][q];
    uint64_t *tr = m->reg.tariff[m->tariff - 1];
    tr[0] += d.uwh[ENERGY_TOTAL][EQ_AP];
    tr[1] += d.uwh[ENERGY_TOTAL][EQ_AM];
    tr[2] += d.uwh[ENERGY_TOTAL][EQ_RP];
    tr[3] += d.uwh[ENERGY_TOTAL][EQ_RM];
    quality_power_down(&m->quality, now);
    m->rtc = rtc_now;
    m->now = now;
    m->down = true;
    /* The power-fail save: one state record, programmed into the sector erased ahead; the power
     * down event is logged from it at power-up. */
    save_state_now(m, false);
}

void meter_flush(struct meter *m, mfw_ms_t rtc_now)
{
    if (m->down)
        return;
    metrology_flush(&m->mt);
    meter_tick(m, rtc_now);
    save_state(m);
}

/* ---- commands ------------------------------------------------------------------------------- */

static void clock_changed(struct meter *m, const struct clock_change *c, mfw_ms_t rtc_now)
{
    log_event(m, EVLOG_RTC, c->new_utc, EV_CLOCK_ADJUSTED_OLD, 0, c->old_utc, c->new_utc);
    log_event(m, EVLOG_RTC, c->new_utc, EV_CLOCK_ADJUSTED_NEW, 0, c->old_utc, c->new_utc);
    log_event(m, EVLOG_STANDARD, c->new_utc, EV_CLOCK_ADJUSTED_NEW, 0, c->old_utc, c->new_utc);
    for (unsigned k = 0; k < PROF_COUNT; k++)
        profile_clock_changed(&m->prof[k], c->new_utc);
    m->lp_status |= PROFILE_ST_CLOCK_ADJUSTED;
    demand_clock_change(&m->demand, c->new_utc);
    m->rtc = rtc_now;
    m->now = c->new_utc;
    clock_local(&m->clock, m->now, &m->local);
    save_state(m);
}

int meter_clock_set(struct meter *m, mfw_ms_t rtc_now, mfw_ms_t new_utc)
{
    struct clock_change c;
    int rc = clock_set(&m->clock, rtc_now, new_utc, &c);
    if (rc == MFW_OK)
        clock_changed(m, &c, rtc_now);
    return rc;
}

int meter_clock_shift(struct meter *m, mfw_ms_t rtc_now, int32_t seconds)
{
    struct clock_change c;
    int rc = clock_shift(&m->clock, rtc_now, seconds, &c);
    if (rc == MFW_OK)
        clock_changed(m, &c, rtc_now);
    return rc;
}

int meter_apply_settings(struct meter *m, const struct meter_settings *s)
{
    int rc = validate_settings(s, m->cfg.metro.phases);
    if (rc != MFW_OK)
        return rc;
    bool lp_changed = memcmp(&s->lp1, &m->set.lp1, sizeof(s->lp1)) != 0;
    bool an_changed = memcmp(&s->analysis, &m->set.analysis, sizeof(s->analysis)) != 0;
    if (m->persistent && lp_changed &&
        profile_set_config(&m->prof[PROF_LP1], &m->store, &s->lp1, m->now) != MFW_OK)
        return MFW_E_IO;
    if (m->persistent && an_changed &&
        profile_set_config(&m->prof[PROF_ANALYSIS], &m->store, &s->analysis, m->now) != MFW_OK)
        return MFW_E_IO;
    m->set = *s;
    clock_set_config(&m->clock, &s->clock);
    m->demand.cfg = s->demand;
    m->billing.cfg = s->billing;
    m->quality.cfg = s->quality;
    log_event(m, EVLOG_STANDARD, m->now, EV_PARAMETERS_CHANGED, 0, 0, 0);
    save_config(m);
    return MFW_OK;
}

int meter_end_billing(struct meter *m)
{
    if (m->down)
        return MFW_E_STATE;
    billing_trigger(&m->billing, &m->local);
    billing_snapshot(m, m->now);
    return MFW_OK;
}

int meter_clear_log(struct meter *m, enum event_log log)
{
    if ((unsigned)log >= EVLOG_COUNT)
        return MFW_E_ARG;
    if (!m->persistent)
        return MFW_E_STATE;
    int rc = eventlog_clear(&m->ev, &m->store, log, m->now);
    save_state(m);
    return rc < 0 ? rc : MFW_OK;
}

uint64_t meter_energy_uwh(const struct meter *m, unsigned phase, enum energy_qty q)
{
    if (phase > MFW_PHASES_MAX || (unsigned)q >= EQ_COUNT)
        return 0;
    return m->reg.uwh[phase][q];
}
