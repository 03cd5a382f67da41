/* SPDX-License-Identifier: Apache-2.0 */
/* meter: the application core. This file holds the meter's life cycle (init and power-up,
 * tick, power-down) and the glue between the modules: metrology -> registers and tariffs ->
 * demand, profiles, billing -> event logs -> store. Each function of the meter is its own module
 * (clock.c, calendar.c, demand.c, billing.c, quality.c, profile.c, eventlog.c, pulse.c); this file
 * decides when each runs and what it is told. */
#include "meterfw/meter/meter.h"

#include <math.h>
#include <string.h>

#include "meter_state.h"
#include "meterfw/base/ct.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/catalog.h"
#include "meterfw/meter/display.h"

/* The supply is failing when every phase is below the missing-voltage threshold for one whole
 * window: 200 ms, within the hold-up a meter's supply capacitor gives (Kamstrup TD §3.6.7 shuts
 * the processor down after 1 s below 160 V; we save at the first window). */

/* ---- configuration ------------------------------------------------------------------------- */

/* Sectors a ring needs to always keep `depth` entries: the store drops a whole sector at a time,
 * so one sector more than the entries need. Slot = seq + entry + CRC, rounded to the program
 * unit; 32 bytes are kept for the sector header (store.c: 28, rounded to 8). */
static uint16_t ring_sectors(const struct mfw_store_config *s, uint32_t entry_size, uint32_t depth)
{
    uint32_t slot = (4u + entry_size + 4u + s->prog_size - 1u) / s->prog_size * s->prog_size;
    uint32_t per = (s->sector_size - 32u) / slot;
    return (uint16_t)((depth + per - 1u) / per + 1u);
}

void mfw_meter_store_layout(struct mfw_meter_config *c, uint32_t lp1_days)
{
    /* NOR flash in 4 KiB sectors (a common serial flash), programmed in 8-byte units. The
     * state area takes one ~2.7 KB record per sector; 32 sectors share the checkpoint erases
     * (73 years to 100,000 cycles, bench/year.sh). */
    struct mfw_store_config *s = &c->store;
    memset(s, 0, sizeof(*s));
    s->sector_size = 4096;
    s->prog_size = 8;
    s->n_areas = MFW_AREA_COUNT;
    c->settings.lp1.depth = lp1_days * 96u; /* rows at 15 minutes */
    const struct {
        uint8_t kind;
        uint16_t entry;
        uint32_t depth; /* rings: entries kept; records: sectors */
    } a[MFW_AREA_COUNT] = {
        [MFW_AREA_CONFIG] = {MFW_STORE_RECORDS, MFW_METER_CONFIG_MAX, 4},
        [MFW_AREA_STATE] = {MFW_STORE_RECORDS, MFW_METER_STATE_MAX, 32},
        [MFW_AREA_LP1] = {MFW_STORE_RING, MFW_PROFILE_ENTRY_SIZE(4), c->settings.lp1.depth},
        [MFW_AREA_DAILY] = {MFW_STORE_RING, MFW_PROFILE_ENTRY_SIZE(MFW_PROFILE_DAILY_COLUMNS),
                            MFW_PROFILE_DAILY_DEPTH},
        [MFW_AREA_BILLING] = {MFW_STORE_RING, MFW_PROFILE_ENTRY_SIZE(MFW_PROFILE_BILLING_COLUMNS),
                              MFW_PROFILE_BILLING_DEPTH},
        [MFW_AREA_ANALYSIS] = {MFW_STORE_RING, MFW_PROFILE_ENTRY_SIZE(MFW_PROFILE_ANALYSIS_COLUMNS),
                               MFW_PROFILE_ANALYSIS_DEPTH},
        /* security: written when a key, the policy or a title changes */
        [MFW_AREA_SECURITY] = {MFW_STORE_RECORDS, MFW_KEYS_CONFIG_RECORD_MAX, 2},
        /* one record per MFW_SECURITY_IC_RESERVE ciphered APDUs: 4 sectors share the erases */
        [MFW_AREA_COUNTERS] = {MFW_STORE_RECORDS, MFW_KEYS_COUNTERS_RECORD_MAX, 4},
        /* one record per top-up and per MFW_PREPAY_RESERVE_WH charged: 3500 kWh a year at 50 Wh
         * is 70,000 records, about 250 erases per sector and year over 4 */
        [MFW_AREA_PREPAY] = {MFW_STORE_RECORDS, MFW_PREPAY_RECORD_MAX, 4},
    };
    uint16_t next = 0;
    for (unsigned k = 0; k < MFW_AREA_COUNT; k++) {
        bool evlog = k >= MFW_AREA_EVLOG0 && k < MFW_AREA_EVLOG0 + MFW_EVENTLOG_COUNT;
        uint8_t kind = evlog ? MFW_STORE_RING : a[k].kind;
        uint16_t entry = evlog ? MFW_EVENTLOG_ENTRY_SIZE : a[k].entry;
        uint16_t n = kind == MFW_STORE_RECORDS
                         ? (uint16_t)a[k].depth
                         : ring_sectors(s, entry, evlog ? MFW_EVENTLOG_DEPTH : a[k].depth);
        s->area[k] = (struct mfw_store_area_config){kind, 1, next, n, entry};
        next = (uint16_t)(next + n);
    }
    s->sector_count = next;
}

void mfw_meter_default_config(struct mfw_meter_config *c, enum mfw_meter_model model)
{
    memset(c, 0, sizeof(*c));
    c->model = model;
    memcpy(c->serial, "00000001", 9);
    c->u_nominal_v = 230.0;
    c->i_ref_a = 5.0;
    c->i_max_a = 100.0;
    c->pulse_imp_per_kwh = MFW_PULSE_IMP_PER_KWH;
    mfw_metrology_default_config(&c->metro, (uint8_t)model, 4000, 50);
    struct mfw_meter_settings *s = &c->settings;
    s->clock = mfw_clock_default_config();
    mfw_meter_default_tou(&s->tou);
    mfw_demand_default_config(&s->demand);
    mfw_billing_default_config(&s->billing);
    mfw_quality_default_config(&s->quality, (uint8_t)model);
    mfw_profile_config_lp1(&s->lp1);
    unsigned n_analysis = 0;
    const uint16_t *analysis = mfw_profile_analysis_default((unsigned)model, &n_analysis);
    mfw_profile_config_analysis(&s->analysis, analysis, n_analysis, 900, 0);
    s->disconnect_mode = 5;
    mfw_limiter_default_config(&s->limiter);
    mfw_loadctl_default_config(&s->loadctl);
    mfw_prepay_default_config(&s->prepay);
    mfw_neutral_default_config(&s->neutral, (uint8_t)model);
    mfw_tamper_default_config(&s->tamper);
    mfw_alarm_default_config(&s->alarm);
    s->schedule[MFW_SCHED_DISCONNECT].script =
        (struct mfw_script_ref){MFW_SCRIPT_DISCONNECT, MFW_SCRIPT_DISCONNECT_OPEN};
    s->schedule[MFW_SCHED_OUTPUT_A].script = (struct mfw_script_ref){MFW_SCRIPT_OUTPUT, 1};
    s->schedule[MFW_SCHED_OUTPUT_B].script = (struct mfw_script_ref){MFW_SCRIPT_OUTPUT, 2};
    mfw_meter_store_layout(c, MFW_PROFILE_LP1_DEPTH / 96u);
    mfw_keys_default_config(&c->security, NULL);
    memset(c->security.server_title, 0, sizeof c->security.server_title); /* from the serial */
    c->checkpoint_wh = 100;
    c->checkpoint_min_s = 60;
    c->checkpoint_max_s = 900;
    c->rtc_plausible_days = 3653;
}

int mfw_meter_validate_settings(const struct mfw_meter_settings *s, uint8_t phases)
{
    if (mfw_clock_config_validate(&s->clock) != MFW_OK ||
        mfw_tou_validate(&s->tou.active) != MFW_OK)
        return MFW_E_RANGE;
    struct mfw_demand d;
    struct mfw_billing b;
    struct mfw_quality q;
    struct mfw_profile p;
    if (mfw_demand_init(&d, &s->demand) != MFW_OK || mfw_billing_init(&b, &s->billing) != MFW_OK ||
        mfw_quality_init(&q, &s->quality) != MFW_OK || s->quality.phases != phases)
        return MFW_E_RANGE;
    if (mfw_profile_init(&p, &s->lp1, MFW_AREA_LP1, 0) != MFW_OK ||
        mfw_profile_init(&p, &s->analysis, MFW_AREA_ANALYSIS, 0) != MFW_OK ||
        s->analysis.n_columns > MFW_PROFILE_ANALYSIS_COLUMNS || s->lp1.n_columns > 4)
        return MFW_E_RANGE;
    if (s->disconnect_mode > MFW_DISC_MODE_MAX || mfw_limiter_validate(&s->limiter) != MFW_OK ||
        mfw_prepay_validate(&s->prepay) != MFW_OK || mfw_neutral_validate(&s->neutral) != MFW_OK ||
        mfw_tamper_validate(&s->tamper) != MFW_OK || s->substation.len > MFW_GRID_ID_MAX ||
        s->grid_line.len > MFW_GRID_ID_MAX)
        return MFW_E_RANGE;
    for (unsigned k = 0; k < MFW_SCHED_COUNT; k++) {
        struct mfw_billing sch;
        if (!mfw_script_valid(&s->schedule[k].script) ||
            mfw_billing_init(&sch, &s->schedule[k].times) != MFW_OK)
            return MFW_E_RANGE;
    }
    /* no column of a phase the meter does not have (a 162M has L1 only) */
    const struct mfw_profile_config *pc[2] = {&s->lp1, &s->analysis};
    for (unsigned i = 0; i < 2; i++)
        for (unsigned k = 0; k < pc[i]->n_columns; k++)
            if (mfw_catalog_phase(mfw_catalog_find(pc[i]->column[k])) > phases)
                return MFW_E_RANGE;
    return MFW_OK;
}

/* ---- persistence ---------------------------------------------------------------------------- */

static void save_state_now(struct mfw_meter *m, bool erase_ahead);

/* The energy the checkpoint rule follows: A+ + A- + R+ + R-, so that the loss bound of a cut
 * without warning holds for every energy, reactive too. */
static uint64_t checkpoint_energy(const struct mfw_meter *m)
{
    const uint64_t *t = m->registers.uwh[MFW_ENERGY_TOTAL];
    return t[MFW_EQ_AP] + t[MFW_EQ_AM] + t[MFW_EQ_RP] + t[MFW_EQ_RM];
}

static void save_state(struct mfw_meter *m)
{
    save_state_now(m, true);
}

/* erase_ahead: after the write, prepare the next sector if the next record will need one, so
 * that a power-fail save only programs (mfw_meter_power_down passes false: no erase then). */
static void save_state_now(struct mfw_meter *m, bool erase_ahead)
{
    if (!m->persistent)
        return;
    if (m->now > m->last_recorded)
        m->last_recorded = m->now;
    uint8_t buf[MFW_METER_STATE_MAX];
    size_t len;
    if (mfw_meter_state_encode(m, buf, sizeof(buf), &len) != MFW_OK ||
        mfw_store_record_write(&m->store, MFW_AREA_STATE, buf, len) != MFW_OK)
        m->store_errors++;
    else
        m->saves++;
    if (erase_ahead &&
        mfw_store_record_prepare(&m->store, MFW_AREA_STATE, MFW_METER_STATE_MAX) != MFW_OK)
        m->store_errors++;
    m->last_save = m->rtc;
    m->saved_uwh = checkpoint_energy(m);
}

static void save_config(struct mfw_meter *m)
{
    if (!m->persistent)
        return;
    uint8_t buf[MFW_METER_CONFIG_MAX];
    size_t len;
    if (mfw_meter_state_encode_settings(&m->settings, buf, sizeof(buf), &len) != MFW_OK ||
        mfw_store_record_write(&m->store, MFW_AREA_CONFIG, buf, len) != MFW_OK)
        m->store_errors++;
}

/* The SECURITY record (keys.h): the buffer that held keys is wiped. */
static int save_security(struct mfw_meter *m, const struct mfw_keys_config *c)
{
    if (!m->persistent)
        return MFW_OK;
    uint8_t buf[MFW_KEYS_CONFIG_RECORD_MAX];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_keys_save_config(c, &w);
    int rc = w.err != 0 ? MFW_E_NOSPACE
                        : mfw_store_record_write(&m->store, MFW_AREA_SECURITY, buf, w.len);
    mfw_ct_wipe(buf, sizeof buf);
    if (rc != MFW_OK)
        m->store_errors++;
    return rc;
}

/* The COUNTERS record: the reservation and the floors (keys.h). A meter without a store keeps
 * its counters in RAM only. */
static int save_counters(struct mfw_meter *m, const struct mfw_keys_counters *c)
{
    if (!m->persistent)
        return MFW_OK;
    uint8_t buf[MFW_KEYS_COUNTERS_RECORD_MAX];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_keys_save_counters(c, &w);
    int rc = w.err != 0 ? MFW_E_NOSPACE
                        : mfw_store_record_write(&m->store, MFW_AREA_COUNTERS, buf, w.len);
    if (rc != MFW_OK)
        m->store_errors++;
    return rc;
}

static void image_power_up(struct mfw_meter *m);

static void log_event(struct mfw_meter *m, enum mfw_eventlog_id log, mfw_ms_t t, uint16_t code,
                      uint8_t phase, int64_t v1, int64_t v2)
{
    if (m->persistent && mfw_eventlog_add(&m->events, &m->store, log, t, code, phase, v1, v2) < 0)
        m->store_errors++;
    if (t > m->last_recorded)
        m->last_recorded = t;
    /* every event sets its alarm bits (alarm.h) */
    mfw_alarm_event(&m->alarm, &m->settings.alarm, code);
}

/* Power failures reported by the quality monitor: one power failure log entry per failure, the
 * phases of an all-phase outage together. */
static void log_quality(struct mfw_meter *m, const struct mfw_quality_event *e, size_t n)
{
    size_t k = 0;
    while (k < n) {
        const struct mfw_quality_event *q = &e[k];
        if (q->kind == MFW_QUALITY_EV_VOLTAGE) {
            /* v1 the magnitude (V x 100: the minimum of a sag or missing voltage, the maximum of a
             * swell, the episode's extreme away from Un for voltage normal), v2 the duration so
             * far (ms; s over DLMS) */
            bool high =
                q->code >= MFW_EVENT_OVERVOLTAGE_L1 && q->code < MFW_EVENT_OVERVOLTAGE_L1 + 3;
            double mag = high ? q->v_max : q->v_min;
            if (q->code >= MFW_EVENT_VOLTAGE_NORMAL_L1)
                mag = q->v_max - m->settings.quality.un_v > m->settings.quality.un_v - q->v_min
                          ? q->v_max
                          : q->v_min;
            log_event(m, MFW_EVENTLOG_POWER_QUALITY, q->time, q->code, (uint8_t)(q->phase + 1),
                      (int64_t)(mag * 100.0 + 0.5), q->duration_ms);
            k++;
            continue;
        }
        if (q->kind == MFW_QUALITY_EV_GRID) {
            /* v1 the frequency (Hz x 100) or the unbalance (% x 100) that started or ended it */
            log_event(m, MFW_EVENTLOG_POWER_QUALITY, q->time, q->code, 0,
                      (int64_t)(q->v_min * 100.0 + 0.5), 0);
            k++;
            continue;
        }
        uint8_t mask = (uint8_t)(1u << q->phase);
        size_t j = k + 1;
        while (j < n && e[j].kind == MFW_QUALITY_EV_POWER_FAILURE && e[j].start == q->start &&
               e[j].duration_ms == q->duration_ms) {
            mask |= (uint8_t)(1u << e[j].phase);
            j++;
        }
        if (m->persistent && q->duration_valid &&
            mfw_eventlog_power_failure(&m->events, &m->store, mask, q->start, q->duration_s) < 0)
            m->store_errors++;
        k = j;
    }
}

/* ---- relays, the breaker, scripts --------------------------------------------------------- */

/* Where the breaker's contact is: the HAL's sensor, or the command without one. */
static bool breaker_sensed(const struct mfw_meter *m)
{
    if (m->hal->relay_sensed)
        return m->hal->relay_sensed(m->hal->ctx, MFW_HAL_RELAY_BREAKER);
    return m->disc.closed;
}

/* The relays to the HAL: the breaker (a model with breaker) and the load relays, each told when
 * it changes (and all at the first call after a power-up: latching relays keep their position
 * without power, the meter tells them again anyway). */
static void apply_relays(struct mfw_meter *m)
{
    uint8_t want = 0, have = 1;
    if (m->config.breaker && m->disc.closed)
        want |= 1u << MFW_HAL_RELAY_BREAKER;
    for (unsigned k = 0; k < m->loadctl.relays; k++) {
        have |= (uint8_t)(1u << (MFW_HAL_RELAY_LOAD1 + k));
        if (mfw_loadctl_closed(&m->loadctl, k))
            want |= (uint8_t)(1u << (MFW_HAL_RELAY_LOAD1 + k));
    }
    if (!m->config.breaker)
        have &= (uint8_t)~1u;
    uint8_t changed = m->relays_told ? (uint8_t)(want ^ m->relays_set) : have;
    for (unsigned r = 0; r < 3; r++)
        if ((changed & have & (1u << r)) && m->hal->relay_set)
            m->hal->relay_set(m->hal->ctx, r, (want >> r) & 1u);
    m->relays_set = want;
    m->relays_told = true;
}

/* A transition of the breaker happened (tr != 0): its event in the disconnector log (v1: the
 * causes that hold it, v2: the control mode), the relay, the state saved at once (a
 * disconnected customer stays disconnected across a power cut). */
static void disc_done(struct mfw_meter *m, char tr, mfw_ms_t now)
{
    if (tr == 0)
        return;
    log_event(m, MFW_EVENTLOG_DISCONNECTOR, now, mfw_disconnector_event(tr), 0, m->disc.holds,
              m->disc.mode);
    apply_relays(m);
    save_state(m);
}

/* A local cause takes hold of the breaker / lets it go at `now`: the tick's time, also when a
 * measurement window of this tick found it (before m->now moves on: the command's time is what
 * the contact check counts from, so a window measured before it cannot count as current
 * through the open breaker). */
static void disc_hold_at(struct mfw_meter *m, uint8_t cause, bool auto_reconnect, mfw_ms_t now)
{
    if (m->config.breaker && !(m->disc.holds & cause))
        disc_done(m, mfw_disconnector_hold(&m->disc, cause, auto_reconnect, now), now);
}

static void disc_release_at(struct mfw_meter *m, uint8_t cause, mfw_ms_t now)
{
    if (m->config.breaker && (m->disc.holds & cause))
        disc_done(m, mfw_disconnector_release(&m->disc, cause, now), now);
}

static void disc_hold(struct mfw_meter *m, uint8_t cause, bool auto_reconnect)
{
    disc_hold_at(m, cause, auto_reconnect, m->now);
}

static void disc_release(struct mfw_meter *m, uint8_t cause)
{
    disc_release_at(m, cause, m->now);
}

/* A script (script.h) run by the meter's own functions or a client; cause: who holds the
 * breaker for a disconnect script. */
static int run_script(struct mfw_meter *m, uint8_t table, uint16_t selector, uint8_t cause)
{
    struct mfw_script_ref ref = {table, selector};
    if (!mfw_script_valid(&ref))
        return MFW_E_RANGE;
    switch (table) {
    case MFW_SCRIPT_NONE: return MFW_OK;
    case MFW_SCRIPT_BILLING: return mfw_meter_end_billing(m);
    case MFW_SCRIPT_DISCONNECT:
        if (!m->config.breaker)
            return MFW_E_RANGE;
        if (selector == MFW_SCRIPT_DISCONNECT_OPEN)
            disc_hold(m, cause, true);
        else
            disc_release(m, cause);
        return MFW_OK;
    case MFW_SCRIPT_OUTPUT: {
        int rc = mfw_loadctl_script(&m->loadctl, selector);
        if (rc == MFW_OK)
            apply_relays(m);
        return rc;
    }
    default: return MFW_E_RANGE;
    }
}

/* ---- life cycle ----------------------------------------------------------------------------- */

/* ---- restore ------------------------------------------------------------------------------- */

/* The STATE records from the newest down, one a call (at most 4 a sector of the area): MFW_OK
 * with the record in buf, another error for a record that does not read (the walk goes on past
 * it), MFW_E_STATE when there are no more. */
struct state_walk {
    uint32_t below; /* the next record is numbered below this */
    unsigned left;
};

static void state_walk_init(struct state_walk *w, const struct mfw_meter *m)
{
    w->below = UINT32_MAX;
    w->left = m->config.store.area[MFW_AREA_STATE].sectors * 4u;
}

static int state_walk_next(struct mfw_meter *m, struct state_walk *w, uint8_t *buf, size_t cap,
                           size_t *len)
{
    if (w->left == 0)
        return MFW_E_STATE;
    w->left--;
    uint32_t seq = 0;
    *len = 0;
    int rc = mfw_store_record_read_before(&m->store, MFW_AREA_STATE, w->below, buf, cap, len, &seq);
    if (rc != MFW_E_STATE)
        w->below = seq;
    return rc;
}

/* True (and *field) when the newest STATE record whose identity can be read is another meter's
 * (model, phases, serial). Read only. */
static bool another_meter(struct mfw_meter *m, const char **field)
{
    uint8_t buf[MFW_METER_STATE_MAX];
    struct state_walk w;
    state_walk_init(&w, m);
    for (;;) {
        size_t len;
        int rc = state_walk_next(m, &w, buf, sizeof buf, &len);
        if (rc == MFW_E_STATE)
            return false;
        if (rc != MFW_OK)
            continue;
        rc = mfw_meter_state_identity(m, buf, len, field);
        if (rc == MFW_OK)
            return false;
        if (rc == MFW_E_RANGE)
            return true;
    }
}

/* The newest STATE record that is this meter's and makes sense. A record of another meter (model,
 * phases, serial) stops the power-up; a record that is not sense is skipped for the one before. */
static int restore_state(struct mfw_meter *m, bool *have_state, bool *nv_error)
{
    uint8_t buf[MFW_METER_STATE_MAX];
    struct state_walk w;
    state_walk_init(&w, m);
    *have_state = false;
    for (;;) {
        size_t len;
        int rc = state_walk_next(m, &w, buf, sizeof buf, &len);
        if (rc == MFW_E_STATE)
            return MFW_OK; /* no (more) records */
        const char *field = NULL;
        if (rc == MFW_OK)
            rc = mfw_meter_state_decode(m, buf, len, &field);
        if (rc == MFW_OK) {
            *have_state = true;
            return MFW_OK;
        }
        if (field != NULL && (strcmp(field, "model") == 0 || strcmp(field, "phases") == 0 ||
                              strcmp(field, "serial number") == 0)) {
            m->restore.refused = field; /* another meter's state: not ours to take over */
            return MFW_E_RANGE;
        }
        if (m->restore.state_field == NULL)
            m->restore.state_field = field != NULL ? field : "state record";
        m->restore.records_skipped++;
        *nv_error = true;
    }
}

/* The latest time the meter recorded: the state's, the newest row of every profile and the newest
 * entry of every event log. Loads each profile's newest row time (rows never go back). */
static mfw_ms_t newest_recorded(struct mfw_meter *m, bool have_state, bool *have_rows)
{
    mfw_ms_t latest = have_state ? m->last_recorded : INT64_MIN;
    *have_rows = false;
    if (!m->persistent)
        return latest;
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++) {
        struct mfw_profile *p = &m->profiles[k];
        if (mfw_profile_load_last(p, &m->store) != MFW_OK)
            m->store_errors++;
        if (p->last_time != INT64_MIN) {
            *have_rows = true;
            if (p->last_time > latest)
                latest = p->last_time;
        }
    }
    for (unsigned l = 0; l < MFW_EVENTLOG_COUNT; l++) {
        uint32_t n = mfw_eventlog_count(&m->events, &m->store, (enum mfw_eventlog_id)l);
        struct mfw_eventlog_entry e;
        if (n > 0 && mfw_eventlog_read(&m->events, &m->store, (enum mfw_eventlog_id)l, n - 1, &e) ==
                         MFW_OK) {
            *have_rows = true;
            if (e.time > latest)
                latest = e.time;
        }
    }
    if (latest > m->last_recorded)
        m->last_recorded = latest;
    return latest == INT64_MIN ? 0 : latest;
}

/* The register a catalogue energy quantity is, or NULL. */
static uint64_t *register_of(struct mfw_meter *m, uint16_t id)
{
    struct mfw_meter_registers *g = &m->registers;
    if (id >= MFW_CAT_AP_T1 && id <= MFW_CAT_RM_T8) {
        unsigned k = id - MFW_CAT_AP_T1;
        return k % 8u < MFW_TARIFFS ? &g->tariff[k % 8u][k / 8u] : NULL;
    }
    if (id >= MFW_CAT_AP_L1 && id <= MFW_CAT_RM_L3) {
        static const enum mfw_energy_qty q[4] = {MFW_EQ_AP, MFW_EQ_AM, MFW_EQ_RP, MFW_EQ_RM};
        unsigned k = id - MFW_CAT_AP_L1, p = k % 3u;
        return p < m->config.metro.phases ? &g->uwh[p][q[k / 3u]] : NULL;
    }
    uint64_t *tot = g->uwh[MFW_ENERGY_TOTAL];
    switch (id) {
    case MFW_CAT_AP_TOTAL: return &tot[MFW_EQ_AP];
    case MFW_CAT_AM_TOTAL: return &tot[MFW_EQ_AM];
    case MFW_CAT_RP_TOTAL: return &tot[MFW_EQ_RP];
    case MFW_CAT_RM_TOTAL: return &tot[MFW_EQ_RM];
    case MFW_CAT_RQ1: return &tot[MFW_EQ_RQ1];
    case MFW_CAT_RQ2: return &tot[MFW_EQ_RQ2];
    case MFW_CAT_RQ3: return &tot[MFW_EQ_RQ3];
    case MFW_CAT_RQ4: return &tot[MFW_EQ_RQ4];
    default: return NULL;
    }
}

/* Registers are never below a stored row: a cut without warning loses the state record's last
 * checkpoint but never a row (a row is appended before the state that follows it), so each energy
 * column of the newest load, daily and billing row raises its register to what the row shows
 * (Wh truncated: a lower bound of what was measured). The tariffs then add up to the total again
 * (the energy the total gained goes to the tariff in force), and R+ / R- to their quadrants. */
static void raise_from_rows(struct mfw_meter *m, mfw_ms_t latest)
{
    static const unsigned profs[] = {MFW_PROF_BILLING, MFW_PROF_DAILY, MFW_PROF_LP1};
    struct mfw_meter_registers *g = &m->registers;
    for (unsigned i = 0; i < sizeof profs / sizeof profs[0]; i++) {
        const struct mfw_profile *p = &m->profiles[profs[i]];
        uint32_t n = mfw_profile_count(p, &m->store);
        struct mfw_profile_row row;
        if (n == 0 || mfw_profile_read(p, &m->store, n - 1u, &row) != MFW_OK)
            continue;
        for (unsigned k = 0; k < row.n && k < p->config.n_columns; k++) {
            const struct mfw_catalog_entry *e = mfw_catalog_find(p->config.column[k]);
            uint64_t *reg = e != NULL ? register_of(m, e->id) : NULL;
            if (reg == NULL || row.v[k] <= 0)
                continue;
            /* the row's integer x 10^(scaler + 6) uWh, exact (scaler -6 .. 3 keeps it so) */
            uint64_t uwh = (uint64_t)mfw_catalog_scale_int(e, row.v[k], e->scaler + 6);
            if (uwh > *reg) {
                *reg = uwh;
                m->restore.registers_raised++;
            }
        }
    }
    /* the tariff in force at the latest time recorded (a lost state has none of its own) */
    unsigned tariff = m->tariff;
    if (tariff < 1 || tariff > MFW_TARIFFS) {
        struct mfw_local_time lt;
        bool inconsistent = false;
        mfw_clock_local(&m->clock, latest, &lt);
        tariff = mfw_tou_tariff_checked(&m->settings.tou, &lt, &inconsistent);
    }
    uint64_t *tot = g->uwh[MFW_ENERGY_TOTAL];
    for (unsigned q = 0; q < 4; q++) {
        uint64_t sum = 0;
        for (unsigned t = 0; t < MFW_TARIFFS; t++)
            sum += g->tariff[t][q];
        if (sum > tot[q])
            tot[q] = sum;
        else
            g->tariff[tariff - 1u][q] += tot[q] - sum;
    }
    for (unsigned p = 0; p <= MFW_PHASES_MAX; p++) {
        uint64_t *u = g->uwh[p];
        if (u[MFW_EQ_RQ1] + u[MFW_EQ_RQ2] < u[MFW_EQ_RP])
            u[MFW_EQ_RQ1] += u[MFW_EQ_RP] - u[MFW_EQ_RQ1] - u[MFW_EQ_RQ2];
        if (u[MFW_EQ_RQ3] + u[MFW_EQ_RQ4] < u[MFW_EQ_RM])
            u[MFW_EQ_RQ4] += u[MFW_EQ_RM] - u[MFW_EQ_RQ3] - u[MFW_EQ_RQ4];
    }
}

/* Security at power-up: the SECURITY record, or for a new meter the configuration's initial keys
 * (then stored); the counters go on from their reservation and floors. A record that is not
 * sense fails closed: no key (nothing ciphered, no HLS) or an exhausted counter, never an older
 * record (an older reservation could repeat a counter, older keys undo a key change). */
static void restore_security(struct mfw_meter *m, bool *nv_error)
{
    struct mfw_keys_config init = m->config.security;
    static const uint8_t zero[MFW_KEYS_TITLE_LEN];
    if (memcmp(init.server_title, zero, sizeof zero) == 0)
        mfw_keys_title_of_serial(init.server_title, m->config.serial);
    mfw_keys_init(&m->keys, &init);
    mfw_ct_wipe(&init, sizeof init);
    if (!m->persistent)
        return;
    uint8_t buf[MFW_KEYS_CONFIG_RECORD_MAX];
    size_t len = 0;
    const char *field = NULL;
    int rc = mfw_store_record_read(&m->store, MFW_AREA_SECURITY, buf, sizeof buf, &len);
    if (rc == MFW_OK)
        rc = mfw_keys_restore_config(&m->keys.config, buf, len, &field);
    mfw_ct_wipe(buf, sizeof buf);
    if (rc == MFW_E_STATE) {
        save_security(m, &m->keys.config); /* a new meter: its provisioned keys */
    } else if (rc != MFW_OK) {
        mfw_ct_wipe(m->keys.config.key, sizeof m->keys.config.key);
        m->keys.config.have = 0;
        m->keys.config.lls_enabled = false;
        m->restore.security_field = field != NULL ? field : "security record";
        *nv_error = true;
    }
    rc = mfw_store_record_read(&m->store, MFW_AREA_COUNTERS, buf, sizeof buf, &len);
    if (rc == MFW_OK)
        rc = mfw_keys_restore_counters(&m->keys.counters, buf, len, &field);
    if (rc != MFW_OK && rc != MFW_E_STATE) {
        struct mfw_keys_counters *c = &m->keys.counters;
        c->next = c->reserved = UINT32_MAX;
        for (unsigned k = 0; k < MFW_KEYS_CTX_COUNT; k++)
            c->last[k] = c->floor[k] = UINT32_MAX;
        if (m->restore.security_field == NULL)
            m->restore.security_field = field != NULL ? field : "counters record";
        *nv_error = true;
    }
}

static int init_modules(struct mfw_meter *m, mfw_ms_t now, bool rtc_lost)
{
    const struct mfw_meter_settings *s = &m->settings;
    int rc = mfw_clock_init(&m->clock, &s->clock, rtc_lost);
    if (rc == MFW_OK)
        rc = mfw_demand_init(&m->demand, &s->demand);
    if (rc == MFW_OK)
        rc = mfw_billing_init(&m->billing, &s->billing);
    if (rc == MFW_OK)
        rc = mfw_quality_init(&m->quality, &s->quality);
    struct mfw_profile_config daily, billing;
    mfw_profile_config_daily(&daily);
    mfw_profile_config_billing(&billing);
    if (rc == MFW_OK)
        rc = mfw_profile_init(&m->profiles[MFW_PROF_LP1], &s->lp1, MFW_AREA_LP1, now);
    if (rc == MFW_OK)
        rc = mfw_profile_init(&m->profiles[MFW_PROF_DAILY], &daily, MFW_AREA_DAILY, now);
    if (rc == MFW_OK)
        rc = mfw_profile_init(&m->profiles[MFW_PROF_BILLING], &billing, MFW_AREA_BILLING, now);
    if (rc == MFW_OK)
        rc =
            mfw_profile_init(&m->profiles[MFW_PROF_ANALYSIS], &s->analysis, MFW_AREA_ANALYSIS, now);
    uint8_t areas[MFW_EVENTLOG_COUNT];
    for (unsigned k = 0; k < MFW_EVENTLOG_COUNT; k++)
        areas[k] = (uint8_t)(MFW_AREA_EVLOG0 + k);
    if (rc == MFW_OK)
        rc = mfw_eventlog_init(&m->events, areas, m->config.metro.phases);
    mfw_disconnector_init(&m->disc, s->disconnect_mode);
    mfw_limiter_init(&m->limiter, &s->limiter, now);
    mfw_loadctl_init(&m->loadctl, m->config.load_relays);
    mfw_prepay_init(&m->prepay);
    mfw_neutral_init(&m->neutral);
    mfw_tamper_init(&m->tamper);
    mfw_alarm_init(&m->alarm);
    for (unsigned k = 0; k < MFW_SCHED_COUNT && rc == MFW_OK; k++)
        rc = mfw_billing_init(&m->schedule[k], &s->schedule[k].times);
    return rc;
}

/* ---- prepayment records ---------------------------------------------------------------------- */

/* The PREPAY record of ledger l (prepayment.h). erase_ahead as save_state_now: the power-fail save
 * passes false. MFW_OK or the store's error (counted). */
static int save_prepay(struct mfw_meter *m, const struct mfw_prepay_ledger *l, bool erase_ahead)
{
    if (!m->persistent)
        return MFW_OK;
    uint8_t buf[MFW_PREPAY_RECORD_MAX];
    size_t len = 0;
    int rc = mfw_prepay_encode_record(l, buf, sizeof buf, &len);
    if (rc == MFW_OK)
        rc = mfw_store_record_write(&m->store, MFW_AREA_PREPAY, buf, len);
    if (rc == MFW_OK && erase_ahead &&
        mfw_store_record_prepare(&m->store, MFW_AREA_PREPAY, MFW_PREPAY_RECORD_MAX) != MFW_OK)
        m->store_errors++;
    if (rc != MFW_OK)
        m->store_errors++;
    return rc;
}

/* The ledger at power-up: the newest PREPAY record that is sense, then the energy charged from
 * the STATE record raised to its reservation. A refused newest record, or none where the state
 * knew an account, fails closed (prepayment.h) and is an NV memory error. */
static void restore_prepay(struct mfw_meter *m, bool *nv_error)
{
    if (!m->persistent)
        return;
    uint8_t buf[MFW_PREPAY_RECORD_MAX];
    uint32_t below = UINT32_MAX;
    bool fail_closed = false, found = false;
    for (unsigned left = m->config.store.area[MFW_AREA_PREPAY].sectors * 80u; left > 0; left--) {
        size_t len = 0;
        uint32_t seq = 0;
        int rc = mfw_store_record_read_before(&m->store, MFW_AREA_PREPAY, below, buf, sizeof buf,
                                              &len, &seq);
        if (rc == MFW_E_STATE)
            break;
        below = seq;
        const char *field = NULL;
        if (rc == MFW_OK)
            rc = mfw_prepay_decode_record(&m->prepay.l, buf, len, &field);
        if (rc == MFW_OK) {
            found = true;
            break;
        }
        fail_closed = true;
        if (m->restore.state_field == NULL)
            m->restore.state_field = field != NULL ? field : "prepayment record";
    }
    if (!found && m->prepay.state_status != MFW_PREPAY_NEW) {
        fail_closed = true; /* an account the state knew, and no record of it */
        m->prepay.l.status = m->prepay.state_status;
    }
    if (fail_closed)
        *nv_error = true;
    mfw_prepay_settle(&m->prepay, fail_closed);
    m->prepay.state_status = m->prepay.l.status;
}

static uint8_t profile_status(const struct mfw_meter *m, mfw_ms_t now)
{
    uint8_t st = m->lp_status;
    uint8_t cs = mfw_clock_status(&m->clock, now);
    if (cs & MFW_CLOCK_STATUS_INVALID)
        st |= MFW_PROFILE_ST_CLOCK_INVALID;
    if (cs & MFW_CLOCK_STATUS_DST)
        st |= MFW_PROFILE_ST_DST;
    return st;
}

static void calendar_events(struct mfw_meter *m, const struct mfw_local_time *prev,
                            const struct mfw_local_time *lt, mfw_ms_t now);

int mfw_meter_init(struct mfw_meter *m, const struct mfw_meter_config *cfg,
                   const struct mfw_hal *hal, mfw_ms_t rtc_now)
{
    if (!m || !cfg || !hal)
        return MFW_E_ARG;
    if (cfg->model != MFW_METER_162M && cfg->model != MFW_METER_382M)
        return MFW_E_ARG;
    if (cfg->metro.phases != (uint8_t)cfg->model)
        return MFW_E_ARG;
    if (!(cfg->i_ref_a > 0.0) || !(cfg->i_max_a > cfg->i_ref_a) || !(cfg->u_nominal_v > 0.0))
        return MFW_E_RANGE;
    /* the brochure's current ranges: with breaker up to 85 A (5(65), 10(60), 5(85), 10(85) A);
     * 5(100) A only without */
    if ((cfg->breaker && cfg->i_max_a > 85.0) || cfg->load_relays > MFW_LOAD_RELAYS_MAX)
        return MFW_E_RANGE;
    if (mfw_meter_validate_settings(&cfg->settings, (uint8_t)cfg->model) != MFW_OK)
        return MFW_E_RANGE;
    memset(m, 0, sizeof(*m));
    m->config = *cfg;
    m->config.serial[sizeof(m->config.serial) - 1] = '\0';
    m->hal = hal;
    m->settings = cfg->settings;
    int rc = mfw_metrology_init(&m->metrology, &cfg->metro);
    if (rc == MFW_OK)
        rc = mfw_pulse_init(&m->s0, cfg->pulse_imp_per_kwh, MFW_S0_PULSE_MS, MFW_S0_PAUSE_MS);
    if (rc == MFW_OK)
        rc = mfw_pulse_init(&m->led, cfg->pulse_imp_per_kwh, MFW_LED_PULSE_MS, MFW_LED_PAUSE_MS);
    if (rc != MFW_OK)
        return rc;

    /* The store: configuration first, then the state. A meter whose flash fails still meters;
     * a flash that is not ours is not formatted (the port decides). */
    if (hal->flash_read && hal->flash_prog && hal->flash_erase) {
        rc = mfw_store_mount_readonly(&m->store, &cfg->store, hal);
        if (rc == MFW_E_FORMAT) {
            m->restore.refused = "flash: not a store of this meter's layout or format";
            return MFW_E_FORMAT;
        }
        /* another meter's state: refused before the store writes anything */
        if (rc == MFW_OK && another_meter(m, &m->restore.refused))
            return MFW_E_RANGE;
        if (rc == MFW_OK)
            rc = mfw_store_settle(&m->store);
        if (rc == MFW_OK)
            m->persistent = true;
        else
            m->store_errors++;
    }
    bool config_loaded = false, nv_error = false;
    if (m->persistent) {
        uint8_t buf[MFW_METER_CONFIG_MAX];
        size_t len = 0;
        rc = mfw_store_record_read(&m->store, MFW_AREA_CONFIG, buf, sizeof(buf), &len);
        struct mfw_meter_settings s;
        if (rc == MFW_OK)
            rc = mfw_meter_state_decode_settings(&s, buf, len, (uint8_t)cfg->model,
                                                 &m->restore.config_field);
        if (rc == MFW_OK) {
            m->settings = s;
            config_loaded = true;
        } else if (rc != MFW_E_STATE) { /* there was one, and it is not sense: defaults */
            if (m->restore.config_field == NULL)
                m->restore.config_field = "configuration record";
            nv_error = true;
        }
    }
    if (mfw_keys_validate(&cfg->security) != MFW_OK)
        return MFW_E_RANGE;
    restore_security(m, &nv_error);
    bool rtc_lost = hal->rtc_lost && hal->rtc_lost(hal->ctx);
    rc = init_modules(m, rtc_now, rtc_lost);
    if (rc != MFW_OK)
        return rc;
    bool have_state = false;
    if (m->persistent) {
        rc = restore_state(m, &have_state, &nv_error);
        if (rc != MFW_OK)
            return rc;
    }
    restore_prepay(m, &nv_error);
    if (m->disc.mode == 0 && m->disc.state != MFW_DISC_CONNECTED) {
        char tr;
        mfw_disconnector_set_mode(&m->disc, 0, rtc_now, &tr);
    }
    if (rtc_lost)
        m->clock.invalid = true;

    /* What the flash says the meter recorded last: the state's time, and (a cut without warning
     * loses the checkpoint, never a row) the newest row and event. */
    bool have_rows = false;
    mfw_ms_t latest = newest_recorded(m, have_state, &have_rows);
    m->restore.latest = have_state || have_rows ? latest : -1;
    if (!have_state && have_rows) {
        m->restore.state_lost = true;
        nv_error = true;
    }
    if (m->persistent && (have_state || have_rows))
        raise_from_rows(m, latest);

    /* Power-up. */
    mfw_ms_t now = mfw_clock_now(&m->clock, rtc_now);
    bool known = have_state || have_rows;
    if (known && !rtc_lost) {
        mfw_ms_t plausible = (mfw_ms_t)m->config.rtc_plausible_days * MFW_MS_PER_DAY;
        if (now < latest)
            m->restore.clock_behind = true;
        else if (now - latest > plausible)
            m->restore.clock_ahead = true;
        if (m->restore.clock_behind || m->restore.clock_ahead)
            m->clock.invalid = true; /* time never runs backwards unnoticed */
    }
    const bool time_known = known && !m->clock.invalid;
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, now, &lt);
    if (known) {
        /* The supply went: at the power-fail save (mfw_meter_power_down), or (a cut without
         * warning) at the latest time the meter recorded. Power down is logged now, with its own
         * time. */
        if (!m->quality.down)
            mfw_quality_power_down(&m->quality, latest);
        log_event(m, MFW_EVENTLOG_STANDARD, m->quality.down_time, MFW_EVENT_POWER_DOWN, 0, 0, 0);
        struct mfw_quality_event ev[MFW_QUALITY_EVENTS_MAX];
        size_t n = mfw_quality_power_up(&m->quality, now, time_known, ev, MFW_QUALITY_EVENTS_MAX);
        log_quality(m, ev, n);
        for (unsigned k = 0; k < MFW_PROF_COUNT; k++) {
            /* time behind the saved time (a lost RTC): realign the schedules to the clock; a row
             * is still never stored before the newest one (mfw_profile_capture) */
            if (now < m->now)
                mfw_profile_clock_changed(&m->profiles[k], now);
            /* AMR status "power down" marks the interval rows, not the billing snapshot */
            if (k != MFW_PROF_BILLING)
                mfw_profile_flag(&m->profiles[k], MFW_PROFILE_ST_POWER_DOWN);
        }
        if (now < m->now)
            mfw_demand_clock_change(&m->demand, now);
    }
    if (m->clock.invalid) {
        log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_CLOCK_INVALID, 0, latest, now);
        m->error_register |= MFW_METER_ERROR_CLOCK_INVALID;
    }
    if (nv_error) {
        /* IDIS event 14 and the error register; the rows until the next capture are not whole */
        log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_NV_MEMORY_ERROR, 0,
                  m->restore.records_skipped, m->restore.state_lost);
        m->error_register |= MFW_METER_ERROR_NV_MEMORY;
        for (unsigned k = 0; k < MFW_PROF_COUNT; k++)
            mfw_profile_flag(&m->profiles[k], MFW_PROFILE_ST_DATA_NOT_VALID);
        m->lp_status |= MFW_PROFILE_ST_DATA_NOT_VALID;
    }
    if (hal->watchdog_reset && hal->watchdog_reset(hal->ctx)) {
        /* IDIS event 15 and the error register: the last reset was the watchdog's */
        log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_WATCHDOG_ERROR, 0, 0, 0);
        m->error_register |= MFW_METER_ERROR_WATCHDOG;
    }
    log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_POWER_UP, 0, 0, 0);
    m->down = false;
    m->rtc = rtc_now;
    /* What the outage spanned, at the power-up time: a day change (daily row), billing instants
     * (one billing for all those missed while off), a summer-time change. Not with a clock that is
     * not known: its time is unknown. */
    if (have_state && time_known && now >= m->now) {
        struct mfw_local_time before;
        mfw_clock_local(&m->clock, m->now, &before);
        calendar_events(m, &before, &lt, now);
    }
    m->local = lt;
    m->now = now;
    m->tariff = mfw_tou_tariff_checked(&m->settings.tou, &lt, &m->tou_inconsistent);
    if (known && m->persistent) {
        /* the boundaries missed while off: one row now, flagged power down (profile.h) */
        uint8_t st = profile_status(m, now);
        if (mfw_profile_tick(&m->profiles[MFW_PROF_LP1], &m->store, now, st,
                             mfw_meter_read_quantity, m) > 0)
            m->lp_status = 0;
        mfw_profile_tick(&m->profiles[MFW_PROF_ANALYSIS], &m->store, now, st,
                         mfw_meter_read_quantity, m);
    }
    if (!config_loaded)
        save_config(m);
    if (m->now < m->last_recorded && !m->clock.invalid)
        m->now = m->last_recorded; /* cannot happen: a valid clock is not behind */
    m->store_errors_seen = m->store_errors;
    apply_relays(m); /* the breaker and the load relays where the state says */
    image_power_up(m);
    save_state(m);
    return MFW_OK;
}

void mfw_meter_samples(struct mfw_meter *m, const struct mfw_adc_frame *f, size_t n)
{
    if (!m->down)
        mfw_metrology_samples(&m->metrology, f, n);
}

void mfw_meter_block(struct mfw_meter *m, const struct mfw_metrology_block *b)
{
    if (!m->down)
        mfw_metrology_block(&m->metrology, b);
}

static void set_output(struct mfw_meter *m, enum mfw_hal_output out, bool on)
{
    if (m->hal->output_set)
        m->hal->output_set(m->hal->ctx, out, on);
}

static void billing_snapshot(struct mfw_meter *m, mfw_ms_t now)
{
    /* IDIS end-of-billing script 0.0.10.0.1.255: capture the billing profile (every energy
     * register and the maximum demands), then reset the demand and the min/max voltages. */
    if (m->persistent &&
        mfw_profile_capture(&m->profiles[MFW_PROF_BILLING], &m->store, now, profile_status(m, now),
                            mfw_meter_read_quantity, m) < 0)
        m->store_errors++;
    mfw_demand_reset(&m->demand, NULL);
    mfw_quality_reset_minmax(&m->quality);
    save_state(m);
}

/* What the local calendar brings between two ticks (or across a power failure): a summer-time
 * change (event 3), a new day (the daily profile row, captured at local midnight), the end of a
 * billing period (mfw_billing_due gives one billing for all the instants passed). */
static void calendar_events(struct mfw_meter *m, const struct mfw_local_time *prev,
                            const struct mfw_local_time *lt, mfw_ms_t now)
{
    if (prev->dst != lt->dst)
        log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_DST_CHANGE, 0, lt->dst, 0);
    if (m->persistent &&
        (prev->year != lt->year || prev->month != lt->month || prev->day != lt->day)) {
        mfw_ms_t midnight = mfw_clock_utc_of_local(&m->clock, lt->year, lt->month, lt->day, 0, 0);
        int rc = mfw_profile_capture(&m->profiles[MFW_PROF_DAILY], &m->store, midnight,
                                     profile_status(m, midnight), mfw_meter_read_quantity, m);
        if (rc < 0)
            m->store_errors++;
        else if (rc == MFW_OK)
            save_state(m); /* a capture also checkpoints what it captured */
    }
    if (mfw_billing_due(&m->billing, prev, lt))
        billing_snapshot(m, now);
}

/* ADC over-range (clipping) per phase: the window's energy is too low, never silently: an
 * over-current event at the start of an episode and one at its end (with its duration), and the
 * load profile row that holds it is flagged "data not valid". */
static void over_range(struct mfw_meter *m, const struct mfw_metrology_values *v, mfw_ms_t now)
{
    for (unsigned p = 0; p < m->config.metro.phases; p++) {
        const uint8_t bit = (uint8_t)(1u << p);
        const bool clipped = v->ph[p].clipped_i || v->ph[p].clipped_v;
        if (clipped) {
            m->lp_status |= MFW_PROFILE_ST_DATA_NOT_VALID;
            if (!(m->over_range & bit)) {
                m->over_range |= bit;
                m->over_range_since[p] = now;
                log_event(m, MFW_EVENTLOG_POWER_QUALITY, now,
                          (uint16_t)(MFW_EVENT_OVER_RANGE_L1 + p), (uint8_t)(p + 1),
                          (int64_t)(v->ph[p].irms * 1000.0f + 0.5f), 0);
            }
        } else if (m->over_range & bit) {
            m->over_range &= (uint8_t)~bit;
            log_event(m, MFW_EVENTLOG_POWER_QUALITY, now,
                      (uint16_t)(MFW_EVENT_OVER_RANGE_END_L1 + p), (uint8_t)(p + 1), 0,
                      now - m->over_range_since[p]);
        }
    }
}

/* A window that is not sense: a value that is not finite, or voltage without a frequency lock.
 * The measurement system's self-diagnosis (IDIS event 16, error register bit 11). */
/* A window that is not sense: a value that is not finite at once; no frequency lock while a
 * voltage is present only when it lasts MFW_METER_UNLOCKED_MS (the first window after a
 * power-up, and the short one a flush closes, have had no time to lock: no fault). */
#define MFW_METER_UNLOCKED_MS 5000
static bool measurement_fault(struct mfw_meter *m, const struct mfw_metrology_values *v,
                              mfw_ms_t now)
{
    bool voltage = false;
    for (unsigned p = 0; p < m->config.metro.phases; p++) {
        const struct mfw_phase_values *ph = &v->ph[p];
        if (!isfinite(ph->vrms) || !isfinite(ph->irms) || !isfinite(ph->p) || !isfinite(ph->q))
            return true;
        if (ph->voltage_present)
            voltage = true;
    }
    if (!isfinite(v->freq_hz))
        return true;
    if (!voltage || v->freq_locked) {
        m->unlocked = false;
        return false;
    }
    if (!m->unlocked) {
        m->unlocked = true;
        m->unlocked_since = now;
    }
    return now - m->unlocked_since >= MFW_METER_UNLOCKED_MS;
}

/* The grid behind the meter: the neutral (neutral.h), an export where none is expected
 * (tamper.h). */
static void grid_window(struct mfw_meter *m, const struct mfw_metrology_values *v, mfw_ms_t now)
{
    const struct mfw_meter_settings *s = &m->settings;
    struct mfw_neutral_result nr;
    mfw_neutral_window(&m->neutral, &s->neutral, m->config.metro.phases, v, now, &nr);
    if (nr.fault) {
        /* event 89 with the low phase; the alarm (register 2 bit 8) whose push carries the
         * substation and grid-line identifiers; the breaker if so configured */
        log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_MISSING_NEUTRAL, nr.phase,
                  (int64_t)(nr.u0_v * 100.0 + 0.5), m->neutral.faults);
        if (s->neutral.disconnect)
            disc_hold_at(m, MFW_DISC_CAUSE_NEUTRAL, s->neutral.auto_reconnect, now);
    }
    if (nr.restored) {
        log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_NEUTRAL_RESTORED, 0, 0, 0);
        disc_release_at(m, MFW_DISC_CAUSE_NEUTRAL, now);
    }
    if (nr.mismatch || nr.mismatch_gone) {
        /* v1 / v2: the phase and neutral currents, mA */
        log_event(m, MFW_EVENTLOG_FRAUD, now,
                  nr.mismatch ? MFW_EVENT_CURRENT_MISMATCH : MFW_EVENT_CURRENT_MISMATCH_GONE, 1,
                  (int64_t)(v->ph[0].irms * 1000.0 + 0.5), (int64_t)(v->i_n * 1000.0 + 0.5));
        if (nr.mismatch)
            mfw_tamper_begin(&m->tamper, MFW_TAMPER_METROLOGY, now);
        else
            mfw_tamper_end(&m->tamper, MFW_TAMPER_METROLOGY, now);
    }
    if (mfw_tamper_power(&m->tamper, &s->tamper, v->p, now))
        log_event(m, MFW_EVENTLOG_FRAUD, now, MFW_EVENT_UNEXPECTED_EXPORT, 0,
                  (int64_t)(-v->p + 0.5), 0);
    bool fault = measurement_fault(m, v, now);
    if (fault && !m->measurement_fault) {
        log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_MEASUREMENT_ERROR, 0, 0, 0);
        m->error_register |= MFW_METER_ERROR_MEASUREMENT;
    }
    m->measurement_fault = fault;
}

static void on_window(struct mfw_meter *m, const struct mfw_metrology_values *v, mfw_ms_t now)
{
    m->now_values = *v;
    m->have_values = true;
    over_range(m, v, now);
    /* the temperature for the next window's compensation */
    int32_t milli_c;
    if (m->hal->temperature && m->hal->temperature(m->hal->ctx, &milli_c) == MFW_OK)
        mfw_metrology_set_temperature(&m->metrology, (float)milli_c / 1000.0f);
    struct mfw_quality_event ev[MFW_QUALITY_EVENTS_MAX];
    size_t n = mfw_quality_window(&m->quality, v, now, ev, MFW_QUALITY_EVENTS_MAX);
    log_quality(m, ev, n);
    grid_window(m, v, now);
    mfw_profile_accumulate(&m->profiles[MFW_PROF_ANALYSIS], mfw_meter_read_quantity, m,
                           v->duration_s);
}

/* The prepayment's part of a tick: the credit's episodes, the breaker held while it is used up
 * (outside a friendly period). */
static void prepay_tick(struct mfw_meter *m, const struct mfw_local_time *lt)
{
    const struct mfw_prepay_config *c = &m->settings.prepay;
    bool special = mfw_tou_special_day(&m->settings.tou, lt);
    bool friendly = mfw_prepay_friendly(c, lt->hour, lt->minute, lt->weekday, special);
    struct mfw_prepay_result r;
    mfw_prepay_tick(&m->prepay, c, friendly, &r);
    int64_t avail_wh = mfw_prepay_available_uwh(&m->prepay) / 1000000;
    if (r.low)
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_LOW_CREDIT, 0, avail_wh, 0);
    if (r.out)
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_OUT_OF_CREDIT, 0, avail_wh, 0);
    if (r.hold)
        disc_hold(m, MFW_DISC_CAUSE_PREPAYMENT, c->reconnect_auto);
    else
        disc_release(m, MFW_DISC_CAUSE_PREPAYMENT);
}

/* The emergency credit invoked (the button or a client): stored first. */
static int invoke_emergency(struct mfw_meter *m)
{
    struct mfw_prepay p = m->prepay;
    int rc = mfw_prepay_invoke_emergency(&p, &m->settings.prepay);
    if (rc != MFW_OK)
        return rc;
    if (save_prepay(m, &p.l, true) != MFW_OK)
        return MFW_E_IO;
    m->prepay = p;
    log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_EMERGENCY_CREDIT, 0,
              (int64_t)(p.l.emergency_uwh / 1000000u), 0);
    return MFW_OK;
}

/* The push button: the emergency credit when it can be had, then the breaker: ready ->
 * connected (e), connected -> ready (f, modes 1, 2, 5). */
static void button_pressed(struct mfw_meter *m, const struct mfw_local_time *lt)
{
    if (m->prepay.low && invoke_emergency(m) == MFW_OK)
        prepay_tick(m, lt);
    if (!m->config.breaker)
        return;
    enum mfw_disc_trigger t =
        m->disc.state == MFW_DISC_READY ? MFW_DISC_MANUAL_RECONNECT : MFW_DISC_MANUAL_DISCONNECT;
    disc_done(m, mfw_disconnector_trigger(&m->disc, t, m->now), m->now);
}

/* A phase current above the creep threshold: current flows through the meter. */
static bool current_flows(const struct mfw_meter *m)
{
    if (!m->have_values)
        return false;
    for (unsigned p = 0; p < m->config.metro.phases; p++)
        if (m->now_values.ph[p].irms > m->config.metro.creep_current_a)
            return true;
    return false;
}

/* Every tick, after the calendar: the load relays, the schedules, the limiter, the credit, the
 * inputs, the breaker's contact, the self-diagnosis. */
static void revenue_tick(struct mfw_meter *m, const struct mfw_local_time *prev,
                         const struct mfw_local_time *lt, mfw_ms_t now)
{
    const struct mfw_meter_settings *s = &m->settings;
    mfw_loadctl_tick(&m->loadctl, &s->loadctl, m->tariff, now);
    for (unsigned k = 0; k < MFW_SCHED_COUNT; k++)
        if (s->schedule[k].times.entries > 0 && mfw_billing_due(&m->schedule[k], prev, lt))
            run_script(m, s->schedule[k].script.table, s->schedule[k].script.selector,
                       MFW_DISC_CAUSE_SCRIPT);
    /* the limiter on its monitored value, in that quantity's stored unit */
    const struct mfw_catalog_entry *e = mfw_catalog_find(s->limiter.monitored);
    struct mfw_catalog_value cv;
    mfw_meter_read_quantity(m, s->limiter.monitored, &cv);
    int valid = 0;
    int64_t x = mfw_catalog_scale_value(e, &cv, &valid);
    struct mfw_limiter_result lr;
    mfw_limiter_step(&m->limiter, &s->limiter, (double)x, valid != 0, now, &lr);
    if (lr.threshold_changed)
        log_event(m, MFW_EVENTLOG_DISCONNECTOR, now, MFW_EVENT_LIMITER_CHANGED, 0,
                  m->limiter.active, 0);
    if (lr.exceeded || lr.ok) {
        log_event(m, MFW_EVENTLOG_DISCONNECTOR, now,
                  lr.exceeded ? MFW_EVENT_LIMITER_EXCEEDED : MFW_EVENT_LIMITER_OK, 0,
                  m->limiter.active, x);
        const struct mfw_script_ref *a = lr.exceeded ? &s->limiter.over : &s->limiter.under;
        run_script(m, a->table, a->selector, MFW_DISC_CAUSE_LIMITER);
    }
    prepay_tick(m, lt);
    /* the covers, the field sensor, the button */
    if (m->hal->inputs) {
        uint32_t in = m->hal->inputs(m->hal->ctx);
        uint16_t codes[3];
        unsigned n = mfw_tamper_inputs(&m->tamper, in & 0x7u, now, codes);
        for (unsigned k = 0; k < n; k++)
            log_event(m, MFW_EVENTLOG_FRAUD, now, codes[k], 0, 0, 0);
        bool pressed = (in & MFW_HAL_IN_BUTTON) != 0;
        if (pressed && !m->button)
            button_pressed(m, lt);
        m->button = pressed;
    }
    apply_relays(m);
    /* the breaker's contact against its command; current through an open breaker */
    if (m->config.breaker) {
        bool flows = current_flows(m);
        if (mfw_disconnector_check(&m->disc, breaker_sensed(m), flows, now)) {
            log_event(m, MFW_EVENTLOG_DISCONNECTOR, now, MFW_EVENT_DISC_FAILURE, 0, m->disc.closed,
                      breaker_sensed(m));
            save_state(m);
        }
        if (!m->disc.closed && !m->disc.check_due && flows)
            mfw_alarm_raise(&m->alarm, &s->alarm, 1, MFW_ALARM2_UNEXPECTED_CONSUMPTION);
        if (!breaker_sensed(m))
            m->lp_status |= MFW_METER_LP_DISCONNECTED; /* the row says why it registered nothing */
    }
    /* NV memory: a store error since the last look (once until the error register is cleared) */
    if (m->store_errors > m->store_errors_seen) {
        m->store_errors_seen = m->store_errors;
        if (!(m->error_register & MFW_METER_ERROR_NV_MEMORY)) {
            m->error_register |= MFW_METER_ERROR_NV_MEMORY;
            log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_NV_MEMORY_ERROR, 0, m->store_errors,
                      0);
        }
    }
}

static bool supply_failing(const struct mfw_meter *m, const struct mfw_metrology_values *v)
{
    for (unsigned p = 0; p < m->config.metro.phases; p++)
        if (v->ph[p].vrms >= m->settings.quality.missing_v)
            return false;
    return true;
}

void mfw_meter_tick(struct mfw_meter *m, mfw_ms_t rtc_now)
{
    if (m->down)
        return;
    mfw_ms_t now = mfw_clock_now(&m->clock, rtc_now);
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, now, &lt);
    const struct mfw_local_time prev = m->local;
    m->rtc = rtc_now;

    /* 1. the measurement window that completed, if any */
    struct mfw_metrology_values v;
    if (mfw_metrology_read(&m->metrology, &v)) {
        if (supply_failing(m, &v)) {
            m->now = now;
            if (m->config.metro.phases == 1 && mfw_neutral_voltage_loss(&m->settings.neutral, &v)) {
                /* 162M: the voltage went while current flows, a neutral cut with the load fed
                 * through earth: logged in the power-fail time (neutral.h) */
                log_event(m, MFW_EVENTLOG_FRAUD, now, MFW_EVENT_VOLTAGE_LOSS_WITH_CURRENT, 1,
                          (int64_t)(v.ph[0].irms * 1000.0 + 0.5), 0);
                log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_MISSING_NEUTRAL, 1, 0, 0);
            }
            mfw_meter_power_down(m, rtc_now);
            return;
        }
        on_window(m, &v, now);
    }

    /* 2. energy into the registers, at the tariff in force while it was measured */
    struct mfw_energy_delta d;
    mfw_metrology_drain(&m->metrology, &d);
    for (unsigned s = 0; s <= MFW_PHASES_MAX; s++)
        for (unsigned q = 0; q < MFW_EQ_COUNT; q++)
            m->registers.uwh[s][q] += d.uwh[s][q];
    const uint64_t *t = d.uwh[MFW_ENERGY_TOTAL];
    uint64_t *tr = m->registers.tariff[m->tariff - 1];
    tr[0] += t[MFW_EQ_AP];
    tr[1] += t[MFW_EQ_AM];
    tr[2] += t[MFW_EQ_RP];
    tr[3] += t[MFW_EQ_RM];
    mfw_demand_add(&m->demand, 0, t[MFW_EQ_AP]);
    mfw_demand_add(&m->demand, 1, t[MFW_EQ_AM]);
    mfw_pulse_add(&m->s0, t[MFW_EQ_AP]);
    mfw_pulse_add(&m->led, t[MFW_EQ_AP]);
    /* the A+ energy is charged against the credit; its reservation is stored first (prepayment.h) */
    uint64_t floor = 0;
    if (mfw_prepay_charge(&m->prepay, t[MFW_EQ_AP], &floor)) {
        struct mfw_prepay_ledger l = m->prepay.l;
        l.floor_uwh = floor;
        save_prepay(m, &l, true);
    }
    mfw_prepay_take(&m->prepay, t[MFW_EQ_AP], floor);

    /* 3. time of use: passive calendar activation, then the tariff from now on */
    bool activated = false;
    if (mfw_tou_tick(&m->settings.tou, &lt, now, &activated) == MFW_OK && activated) {
        log_event(m, MFW_EVENTLOG_STANDARD, now, MFW_EVENT_TOU_ACTIVATED, 0, 0, 0);
        save_config(m);
    }
    m->tariff = mfw_tou_tariff_checked(&m->settings.tou, &lt, &m->tou_inconsistent);

    /* 4. demand periods; the day, summer-time and billing boundaries passed */
    mfw_demand_tick(&m->demand, now);
    m->now = now;
    calendar_events(m, &prev, &lt, now);
    m->local = lt;
    revenue_tick(m, &prev, &lt, now);

    /* 5. profiles: load profile and analysis log on their periods */
    bool captured = false;
    if (m->persistent) {
        uint8_t st = profile_status(m, now);
        int wrote = mfw_profile_tick(&m->profiles[MFW_PROF_LP1], &m->store, now, st,
                                     mfw_meter_read_quantity, m);
        if (wrote > 0) {
            m->lp_status = 0;
            captured = true; /* a capture also checkpoints what it captured */
        } else if (wrote < 0)
            m->store_errors++;
        if (mfw_profile_tick(&m->profiles[MFW_PROF_ANALYSIS], &m->store, now,
                             st & ~MFW_PROFILE_ST_POWER_DOWN, mfw_meter_read_quantity, m) < 0)
            m->store_errors++;
        /* after a power-up: is what the flash holds in time order? a bounded step per tick */
        for (unsigned k = 0; k < MFW_PROF_COUNT; k++)
            mfw_profile_order_step(&m->profiles[k], &m->store, MFW_PROFILE_ORDER_ROWS_PER_TICK);
    }
    /* 6. outputs */
    bool s0 = m->s0.on, led = m->led.on;
    if (mfw_pulse_update(&m->s0, now) != s0)
        set_output(m, MFW_HAL_OUT_S0, m->s0.on);
    if (mfw_pulse_update(&m->led, now) != led)
        set_output(m, MFW_HAL_OUT_LED, m->led.on);
    /* the alarm push (IDIS push setup on alarm, 0.0.25.9.0.255 with B = 4): a new alarm that
     * passed the filter into a descriptor since the last push makes it due; the WAN module sends
     * it with the alarm registers (cosem_push.c) */
    if (m->alarm.push_due) {
        m->alarm.push_due = false;
        (void)mfw_meter_push_trigger(m, MFW_PUSH_ALARM); /* no destination: nowhere to send */
    }
    m->now = now;
    m->local = lt;

    /* 7. checkpoint: bounds what a cut without warning can lose */
    uint64_t e = checkpoint_energy(m);
    mfw_ms_t since = rtc_now - m->last_save;
    if (captured || since >= (mfw_ms_t)m->config.checkpoint_max_s * 1000 ||
        (e - m->saved_uwh >= (uint64_t)m->config.checkpoint_wh * 1000000u &&
         since >= (mfw_ms_t)m->config.checkpoint_min_s * 1000))
        save_state(m);
}

void mfw_meter_power_down(struct mfw_meter *m, mfw_ms_t rtc_now)
{
    if (m->down)
        return;
    mfw_ms_t now = mfw_clock_now(&m->clock, rtc_now);
    /* the energy of the open window reaches the registers before the save */
    mfw_metrology_flush(&m->metrology);
    struct mfw_metrology_values v;
    mfw_metrology_read(&m->metrology, &v);
    struct mfw_energy_delta d;
    mfw_metrology_drain(&m->metrology, &d);
    for (unsigned s = 0; s <= MFW_PHASES_MAX; s++)
        for (unsigned q = 0; q < MFW_EQ_COUNT; q++)
            m->registers.uwh[s][q] += d.uwh[s][q];
    uint64_t *tr = m->registers.tariff[m->tariff - 1];
    tr[0] += d.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP];
    tr[1] += d.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AM];
    tr[2] += d.uwh[MFW_ENERGY_TOTAL][MFW_EQ_RP];
    tr[3] += d.uwh[MFW_ENERGY_TOTAL][MFW_EQ_RM];
    mfw_prepay_take(&m->prepay, d.uwh[MFW_ENERGY_TOTAL][MFW_EQ_AP], 0);
    mfw_quality_power_down(&m->quality, now);
    m->rtc = rtc_now;
    m->now = now;
    m->down = true;
    if (m->prepay.l.status == MFW_PREPAY_ACTIVE) {
        /* nothing more is charged: the record takes the exact figure (no credit lost in a power
         * failure the meter saw coming), programmed into the sector erased ahead */
        struct mfw_prepay_ledger l = m->prepay.l;
        l.floor_uwh = m->prepay.consumed_uwh;
        if (save_prepay(m, &l, false) == MFW_OK)
            m->prepay.l.floor_uwh = l.floor_uwh;
    }
    /* The power-fail save: one state record, programmed into the sector erased ahead; the power
     * down event is logged from it at power-up. */
    save_state_now(m, false);
}

void mfw_meter_flush(struct mfw_meter *m, mfw_ms_t rtc_now)
{
    if (m->down)
        return;
    mfw_metrology_flush(&m->metrology);
    mfw_meter_tick(m, rtc_now);
    save_state(m);
}

/* ---- commands ------------------------------------------------------------------------------- */

static void clock_changed(struct mfw_meter *m, const struct mfw_clock_change *c, mfw_ms_t rtc_now)
{
    /* IDIS standard event codes 4 "clock adjusted (old date/time)", stamped with the time before
     * the change, and 5 "(new date/time)", stamped with the time after it: in the standard log
     * (references/idis-objects.md 6.1) and in the RTC log with both times as values. */
    for (unsigned k = 0; k < 2; k++) {
        enum mfw_eventlog_id log = k == 0 ? MFW_EVENTLOG_STANDARD : MFW_EVENTLOG_RTC;
        log_event(m, log, c->old_utc, MFW_EVENT_CLOCK_ADJUSTED_OLD, 0, c->old_utc, c->new_utc);
        log_event(m, log, c->new_utc, MFW_EVENT_CLOCK_ADJUSTED_NEW, 0, c->old_utc, c->new_utc);
    }
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++)
        mfw_profile_clock_changed(&m->profiles[k], c->new_utc);
    m->lp_status |= MFW_PROFILE_ST_CLOCK_ADJUSTED;
    mfw_demand_clock_change(&m->demand, c->new_utc);
    m->rtc = rtc_now;
    m->now = c->new_utc;
    mfw_clock_local(&m->clock, m->now, &m->local);
    save_state(m);
}

int mfw_meter_clock_set(struct mfw_meter *m, mfw_ms_t rtc_now, mfw_ms_t new_utc)
{
    struct mfw_clock_change c;
    int rc = mfw_clock_set(&m->clock, rtc_now, new_utc, &c);
    if (rc == MFW_OK)
        clock_changed(m, &c, rtc_now);
    return rc;
}

int mfw_meter_clock_shift(struct mfw_meter *m, mfw_ms_t rtc_now, int32_t seconds)
{
    struct mfw_clock_change c;
    int rc = mfw_clock_shift(&m->clock, rtc_now, seconds, &c);
    if (rc == MFW_OK)
        clock_changed(m, &c, rtc_now);
    return rc;
}

int mfw_meter_apply_settings(struct mfw_meter *m, const struct mfw_meter_settings *s)
{
    int rc = mfw_meter_validate_settings(s, m->config.metro.phases);
    if (rc != MFW_OK)
        return rc;
    bool lp_changed = memcmp(&s->lp1, &m->settings.lp1, sizeof(s->lp1)) != 0;
    bool an_changed = memcmp(&s->analysis, &m->settings.analysis, sizeof(s->analysis)) != 0;
    /* IDIS event 19 "passive TOU programmed": the passive calendar or its activation time */
    bool tou_programmed =
        memcmp(&s->tou.passive, &m->settings.tou.passive, sizeof(s->tou.passive)) != 0 ||
        memcmp(&s->tou.passive_activation, &m->settings.tou.passive_activation,
               sizeof(s->tou.passive_activation)) != 0;
    /* a load relay's tariffs written take effect at once, as a change of the tariff would
     * (loadctl.h): the next tick finds the tariff "changed" */
    bool relays_changed = memcmp(s->loadctl.tariff_on, m->settings.loadctl.tariff_on,
                                 sizeof s->loadctl.tariff_on) != 0;
    if (m->persistent && lp_changed &&
        mfw_profile_set_config(&m->profiles[MFW_PROF_LP1], &m->store, &s->lp1, m->now) != MFW_OK)
        return MFW_E_IO;
    if (m->persistent && an_changed &&
        mfw_profile_set_config(&m->profiles[MFW_PROF_ANALYSIS], &m->store, &s->analysis, m->now) !=
            MFW_OK)
        return MFW_E_IO;
    m->settings = *s;
    mfw_clock_set_config(&m->clock, &s->clock);
    m->demand.config = s->demand;
    m->billing.config = s->billing;
    m->quality.config = s->quality;
    if (relays_changed)
        m->loadctl.tariff = 0;
    for (unsigned k = 0; k < MFW_SCHED_COUNT; k++)
        m->schedule[k].config = s->schedule[k].times;
    char tr = 0;
    if (m->disc.mode != s->disconnect_mode &&
        mfw_disconnector_set_mode(&m->disc, s->disconnect_mode, m->now, &tr) == MFW_OK)
        disc_done(m, tr, m->now);
    /* a new active limiter threshold is logged (67) by the limiter's next step */
    if (tou_programmed)
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_TOU_PROGRAMMED, 0, 0, 0);
    log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_PARAMETERS_CHANGED, 0, 0, 0);
    save_config(m);
    return MFW_OK;
}

int mfw_meter_end_billing(struct mfw_meter *m)
{
    if (m->down)
        return MFW_E_STATE;
    mfw_billing_trigger(&m->billing, &m->local);
    billing_snapshot(m, m->now);
    return MFW_OK;
}

int mfw_meter_clear_log(struct mfw_meter *m, enum mfw_eventlog_id log)
{
    if ((unsigned)log >= MFW_EVENTLOG_COUNT)
        return MFW_E_ARG;
    if (!m->persistent)
        return MFW_E_STATE;
    int rc = mfw_eventlog_clear(&m->events, &m->store, log, m->now);
    save_state(m);
    return rc < 0 ? rc : MFW_OK;
}

int mfw_meter_profile_clear(struct mfw_meter *m, enum mfw_meter_profile_id p)
{
    if ((unsigned)p >= MFW_PROF_COUNT)
        return MFW_E_ARG;
    if (!m->persistent)
        return MFW_E_STATE;
    int rc = mfw_profile_clear(&m->profiles[p], &m->store);
    if (rc != MFW_OK)
        return rc;
    log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_PROFILE_CLEARED, 0, 0, 0);
    return MFW_OK;
}

int mfw_meter_clock_adjust(struct mfw_meter *m, uint32_t step_s)
{
    if (step_s == 0)
        return MFW_E_ARG;
    int64_t step = (int64_t)step_s * 1000;
    int64_t off = (int64_t)m->local.offset_min * 60000;
    int64_t local = m->now + off;
    int64_t q = local / step * step;
    if (local - q >= step / 2)
        q += step;
    return mfw_meter_clock_set(m, m->rtc, q - off);
}

int mfw_meter_clock_preset(struct mfw_meter *m, mfw_ms_t time, mfw_ms_t from, mfw_ms_t to)
{
    if (from > to)
        return MFW_E_RANGE;
    m->clock_preset.set = true;
    m->clock_preset.time = time;
    m->clock_preset.from = from;
    m->clock_preset.to = to;
    return MFW_OK;
}

int mfw_meter_clock_adjust_to_preset(struct mfw_meter *m)
{
    if (!m->clock_preset.set)
        return MFW_E_STATE;
    m->clock_preset.set = false;
    if (m->now < m->clock_preset.from || m->now > m->clock_preset.to)
        return MFW_E_RANGE;
    return mfw_meter_clock_set(m, m->rtc, m->clock_preset.time);
}

int mfw_meter_demand_reset(struct mfw_meter *m)
{
    if (m->down)
        return MFW_E_STATE;
    mfw_demand_restart(&m->demand, m->now);
    return MFW_OK;
}

int mfw_meter_demand_next_period(struct mfw_meter *m)
{
    if (m->down)
        return MFW_E_STATE;
    mfw_demand_clock_change(&m->demand, m->now);
    return MFW_OK;
}

int mfw_meter_demand_configure(struct mfw_meter *m, uint32_t period_s, uint8_t number_of_periods)
{
    struct mfw_meter_settings s = m->settings;
    s.demand.period_s = period_s;
    s.demand.number_of_periods = number_of_periods;
    int rc =
        mfw_meter_apply_settings(m, &s); /* validated there: period divides a day, n in range */
    if (rc == MFW_OK)
        mfw_demand_restart(&m->demand, m->now);
    return rc;
}

uint32_t mfw_meter_profile_count(const struct mfw_meter *m, enum mfw_meter_profile_id p)
{
    if (!m->persistent || (unsigned)p >= MFW_PROF_COUNT)
        return 0;
    return mfw_profile_count(&m->profiles[p], &m->store);
}

int mfw_meter_profile_read(struct mfw_meter *m, enum mfw_meter_profile_id p, uint32_t index,
                           struct mfw_profile_row *row)
{
    if (!m->persistent || (unsigned)p >= MFW_PROF_COUNT)
        return MFW_E_STATE;
    return mfw_profile_read(&m->profiles[p], &m->store, index, row);
}

int mfw_meter_profile_find(struct mfw_meter *m, enum mfw_meter_profile_id p, mfw_ms_t from,
                           mfw_ms_t to, uint32_t *first, uint32_t *n, bool *in_order)
{
    *first = 0;
    *n = 0;
    *in_order = true;
    if (!m->persistent || (unsigned)p >= MFW_PROF_COUNT)
        return MFW_OK;
    struct mfw_profile *pr = &m->profiles[p];
    if (!mfw_profile_in_order(pr)) {
        /* not known to be in time order: the whole buffer is the candidate, the caller filters */
        *in_order = false;
        *n = mfw_profile_count(pr, &m->store);
        return MFW_OK;
    }
    return mfw_profile_find(pr, &m->store, from, to, first, n);
}

int mfw_meter_display_list(const struct mfw_meter *m, struct mfw_display *d)
{
    if (m == NULL || d == NULL)
        return MFW_E_ARG;
    return mfw_display_init(d, m->config.model);
}

void mfw_meter_display_item(const struct mfw_meter *m, const struct mfw_display *d, mfw_ms_t now,
                            struct mfw_display_frame *f)
{
    mfw_display_render(d, m, now, f);
}

uint32_t mfw_meter_eventlog_count(const struct mfw_meter *m, enum mfw_eventlog_id log)
{
    if (!m->persistent || (unsigned)log >= MFW_EVENTLOG_COUNT)
        return 0;
    return mfw_eventlog_count(&m->events, &m->store, log);
}

int mfw_meter_eventlog_read(struct mfw_meter *m, enum mfw_eventlog_id log, uint32_t index,
                            struct mfw_eventlog_entry *e)
{
    if (!m->persistent || (unsigned)log >= MFW_EVENTLOG_COUNT)
        return MFW_E_STATE;
    return mfw_eventlog_read(&m->events, &m->store, log, index, e);
}

int mfw_meter_module_changed(struct mfw_meter *m, unsigned slot, uint8_t kind, const char *ident)
{
    if (m == NULL || slot >= MFW_MODULE_SLOTS)
        return MFW_E_ARG;
    struct mfw_meter_module *mod = &m->modules[slot];
    uint8_t was = mod->kind;
    size_t n = 0;
    if (kind != 0 && ident != NULL)
        for (; n < MFW_MODULE_IDENT_MAX && ident[n] != '\0'; n++)
            mod->ident[n] = ident[n] >= 0x20 && ident[n] < 0x7F ? ident[n] : '?';
    memset(mod->ident + n, 0, sizeof mod->ident - n);
    mod->kind = kind;
    /* the meter keeps working whatever is fitted; the change is the standard log's */
    if (was != kind) {
        if (was != 0)
            log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_MODULE_REMOVED, 0, slot, was);
        if (kind != 0)
            log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_MODULE_FITTED, 0, slot, kind);
    }
    return MFW_OK;
}

int mfw_meter_consumer_text(struct mfw_meter *m, const uint8_t *text, size_t n)
{
    if (m == NULL || (text == NULL && n > 0))
        return MFW_E_ARG;
    if (n > MFW_CONSUMER_TEXT_MAX)
        return MFW_E_RANGE;
    for (size_t k = 0; k < n; k++)
        if (text[k] == '\r' || text[k] == '\n') /* DSMR 5.0.2 7.2: no CR or LF in the text */
            return MFW_E_RANGE;
    if (n > 0)
        memcpy(m->consumer_text, text, n);
    m->consumer_text_len = (uint16_t)n;
    return MFW_OK;
}

int mfw_meter_push_configure(struct mfw_meter *m, unsigned id, const struct mfw_push_setup *s)
{
    if (m == NULL || s == NULL || id >= MFW_PUSH_COUNT)
        return MFW_E_ARG;
    size_t n = 0;
    while (n < sizeof s->destination && s->destination[n] != '\0') {
        if (s->destination[n] < 0x21 || s->destination[n] > 0x7E)
            return MFW_E_RANGE;
        n++;
    }
    if (n == sizeof s->destination || s->window_start_min >= 1440 || s->window_end_min >= 1440 ||
        s->retries > 10)
        return MFW_E_RANGE;
    m->push[id] = *s;
    return MFW_OK;
}

int mfw_meter_push_trigger(struct mfw_meter *m, unsigned id)
{
    if (m == NULL || id >= MFW_PUSH_COUNT)
        return MFW_E_ARG;
    if (m->push[id].destination[0] == '\0')
        return MFW_E_STATE; /* nowhere to send it */
    m->push_pending = (uint8_t)(m->push_pending | (1u << id));
    return MFW_OK;
}

void mfw_meter_push_take(struct mfw_meter *m, unsigned id)
{
    if (m != NULL && id < MFW_PUSH_COUNT)
        m->push_pending = (uint8_t)(m->push_pending & ~(1u << id));
}

int mfw_meter_consumer_enable(struct mfw_meter *m, bool on)
{
    if (m == NULL)
        return MFW_E_ARG;
    if (m->consumer_disabled == !on)
        return MFW_OK;
    m->consumer_disabled = !on;
    log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_PARAMETERS_CHANGED, 0, 0, 0);
    return MFW_OK;
}

uint64_t mfw_meter_energy_uwh(const struct mfw_meter *m, unsigned phase, enum mfw_energy_qty q)
{
    if (phase > MFW_PHASES_MAX || (unsigned)q >= MFW_EQ_COUNT)
        return 0;
    return m->registers.uwh[phase][q];
}

/* ---- security (keys.h) ---------------------------------------------------------------------- */

const uint8_t *mfw_meter_security_key(const struct mfw_meter *m, enum mfw_keys_id id)
{
    if ((unsigned)id >= MFW_KEYS_COUNT || !(m->keys.config.have & (1u << id)))
        return NULL;
    return m->keys.config.key[id];
}

int mfw_meter_security_ic_next(struct mfw_meter *m, uint32_t *ic)
{
    struct mfw_keys_counters c = m->keys.counters;
    bool persist = false;
    int rc = mfw_keys_ic_next(&c, ic, &persist);
    if (rc != MFW_OK)
        return rc;
    if (persist && save_counters(m, &c) != MFW_OK)
        return MFW_E_IO; /* nothing sent under a reservation that is not stored */
    m->keys.counters = c;
    return MFW_OK;
}

int mfw_meter_security_ic_check(const struct mfw_meter *m, unsigned ctx, uint32_t ic)
{
    return mfw_keys_ic_check(&m->keys.counters, ctx, ic);
}

int mfw_meter_security_ic_accept(struct mfw_meter *m, unsigned ctx, uint32_t ic)
{
    struct mfw_keys_counters c = m->keys.counters;
    bool persist = false;
    int rc = mfw_keys_ic_accept(&c, ctx, ic, &persist);
    if (rc != MFW_OK)
        return rc;
    if (persist && save_counters(m, &c) != MFW_OK)
        return MFW_E_IO;
    m->keys.counters = c;
    return MFW_OK;
}

int mfw_meter_security_activate(struct mfw_meter *m, uint8_t policy)
{
    uint8_t old = m->keys.config.policy;
    /* v0 policy bits: 1 authenticated, 2 encrypted; stronger = keeps every bit it had */
    if (policy > 3 || (policy & old) != old)
        return MFW_E_RANGE;
    if (policy == old)
        return MFW_OK;
    struct mfw_keys_config c = m->keys.config;
    c.policy = policy;
    int rc = save_security(m, &c);
    if (rc == MFW_OK) {
        m->keys.config.policy = policy;
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_PARAMETERS_CHANGED, 0, old, policy);
    }
    mfw_ct_wipe(&c, sizeof c);
    return rc == MFW_OK ? MFW_OK : MFW_E_IO;
}

int mfw_meter_security_transfer_keys(struct mfw_meter *m, size_t n, const uint8_t *ids,
                                     const uint8_t *wrapped)
{
    const struct mfw_crypto_port *cp = m->hal->crypto;
    const uint8_t *kek = mfw_meter_security_key(m, MFW_KEYS_MASTER);
    if (n == 0 || n > MFW_KEYS_COUNT || ids == NULL || wrapped == NULL)
        return MFW_E_ARG;
    unsigned seen = 0;
    for (size_t k = 0; k < n; k++) {
        if (ids[k] >= MFW_KEYS_COUNT || (seen & (1u << ids[k])))
            return MFW_E_ARG;
        seen |= 1u << ids[k];
    }
    if (cp == NULL || cp->key_unwrap == NULL || kek == NULL)
        return MFW_E_STATE; /* no master key, no crypto: no key can be transferred */
    struct mfw_keys_config c = m->keys.config;
    int rc = MFW_OK;
    for (size_t k = 0; k < n && rc == MFW_OK; k++) {
        rc = cp->key_unwrap(cp->ctx, kek, wrapped + 24 * k, c.key[ids[k]]);
        c.have |= (uint8_t)(1u << ids[k]);
    }
    if (rc == MFW_OK)
        rc = save_security(m, &c) == MFW_OK ? MFW_OK : MFW_E_IO;
    else
        rc = rc == MFW_E_AUTH ? MFW_E_AUTH : MFW_E_IO;
    if (rc == MFW_OK) {
        mfw_ct_wipe(m->keys.config.key, sizeof m->keys.config.key);
        m->keys.config = c;
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_GLOBAL_KEY_CHANGED, 0, (int64_t)seen,
                  0);
    }
    mfw_ct_wipe(&c, sizeof c);
    return rc;
}

int mfw_meter_security_consumer_transfer(struct mfw_meter *m, size_t n, const uint8_t *ids,
                                         const uint8_t *wrapped)
{
    if (m == NULL || n == 0 || n > 2 || ids == NULL || wrapped == NULL)
        return MFW_E_ARG;
    unsigned seen = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned bit = ids[k] == 0 ? 1u : ids[k] == 2 ? 2u : 0u;
        if (bit == 0 || (seen & bit))
            return MFW_E_ARG;
        seen |= bit;
    }
    const struct mfw_crypto_port *cp = m->hal->crypto;
    const uint8_t *kek = mfw_meter_security_key(m, MFW_KEYS_MASTER);
    if (cp == NULL || cp->key_unwrap == NULL || kek == NULL)
        return MFW_E_STATE;
    struct mfw_keys_config c = m->keys.config;
    int rc = MFW_OK;
    for (size_t k = 0; k < n && rc == MFW_OK; k++)
        rc = cp->key_unwrap(cp->ctx, kek, wrapped + 24 * k,
                            ids[k] == 0 ? c.consumer_ek : c.consumer_ak);
    c.consumer_have = (uint8_t)(c.consumer_have | seen);
    if (rc == MFW_OK)
        rc = save_security(m, &c) == MFW_OK ? MFW_OK : MFW_E_IO;
    else
        rc = rc == MFW_E_AUTH ? MFW_E_AUTH : MFW_E_IO;
    if (rc == MFW_OK) {
        mfw_ct_wipe(&m->keys.config, sizeof m->keys.config);
        m->keys.config = c;
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_GLOBAL_KEY_CHANGED, 0,
                  (int64_t)(seen << 8), 0); /* v1: the consumer keys, bits 8 and 9 */
    }
    mfw_ct_wipe(&c, sizeof c);
    return rc;
}

int mfw_meter_security_consumer_activate(struct mfw_meter *m, uint8_t policy)
{
    if (m == NULL)
        return MFW_E_ARG;
    const struct mfw_keys_config *k = &m->keys.config;
    if ((policy != 0 && policy != 3) || policy < k->consumer_policy ||
        (policy == 3 && k->consumer_have != 3u))
        return MFW_E_RANGE;
    if (policy == k->consumer_policy)
        return MFW_OK;
    struct mfw_keys_config c = m->keys.config;
    c.consumer_policy = policy;
    int rc = save_security(m, &c);
    if (rc == MFW_OK) {
        m->keys.config.consumer_policy = policy;
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_PARAMETERS_CHANGED, 0, 0, 0);
    }
    mfw_ct_wipe(&c, sizeof c);
    return rc;
}

int mfw_meter_security_client_title(struct mfw_meter *m, const uint8_t title[8])
{
    if (memcmp(m->keys.config.client_title, title, MFW_KEYS_TITLE_LEN) == 0)
        return MFW_OK;
    struct mfw_keys_config c = m->keys.config;
    memcpy(c.client_title, title, MFW_KEYS_TITLE_LEN);
    int rc = save_security(m, &c);
    if (rc == MFW_OK) {
        memcpy(m->keys.config.client_title, title, MFW_KEYS_TITLE_LEN);
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_PARAMETERS_CHANGED, 0, 0, 0);
    }
    mfw_ct_wipe(&c, sizeof c);
    return rc == MFW_OK ? MFW_OK : MFW_E_IO;
}

int mfw_meter_security_set_lls(struct mfw_meter *m, const uint8_t *secret, size_t len)
{
    if (secret == NULL || len == 0 || len > MFW_COSEM_SECRET_MAX)
        return MFW_E_RANGE;
    struct mfw_keys_config c = m->keys.config;
    mfw_ct_wipe(c.lls, sizeof c.lls);
    memcpy(c.lls, secret, len);
    c.lls_len = (uint8_t)len;
    int rc = save_security(m, &c);
    if (rc == MFW_OK) {
        m->keys.config = c;
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_PARAMETERS_CHANGED, 0, 0, 0);
    }
    mfw_ct_wipe(&c, sizeof c);
    return rc == MFW_OK ? MFW_OK : MFW_E_IO;
}

/* ---- firmware update (image.h) ---- */

/* A new image that runs on trial has come this far (its store mounted, its state restored): its
 * self-test passed, it confirms itself and logs "firmware activated" (IDIS event 18); one that
 * cannot confirm is rolled back by the port at the next boot. */
static void image_power_up(struct mfw_meter *m)
{
    mfw_image_init(&m->image, 16);
    m->image_port = m->hal->image;
    m->legal_checksum = m->hal->legal_checksum;
    m->hal_ctx = m->hal->ctx;
    const struct mfw_image_port *p = m->image_port;
    uint8_t id[MFW_IMAGE_ID_MAX];
    size_t n = 0;
    bool trial = false;
    if (p == NULL || p->running(p->ctx, id, sizeof id, &n, &trial) != MFW_OK || !trial)
        return;
    if (p->confirm(p->ctx) == MFW_OK) {
        m->image.status = MFW_IMAGE_ACTIVATED;
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_FW_ACTIVATED, 0, 0, 0);
    }
}

int mfw_meter_image_initiate(struct mfw_meter *m, const uint8_t *id, size_t id_len, uint32_t size,
                             uint32_t block_size)
{
    m->image.block_size = block_size < 16u ? 16u : block_size; /* a new transfer: the PDU's */
    return mfw_image_initiate(&m->image, m->image_port, id, id_len, size);
}

int mfw_meter_image_block(struct mfw_meter *m, uint32_t n, const uint8_t *data, size_t len)
{
    return mfw_image_block(&m->image, m->image_port, n, data, len);
}

int mfw_meter_image_verify(struct mfw_meter *m)
{
    int rc = mfw_image_verify(&m->image, m->image_port);
    if (rc == MFW_OK)
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_FW_READY, 0, 0, 0);
    else if (m->image.status == MFW_IMAGE_VERIFY_FAILED)
        /* IDIS 51 "firmware verification failed", with the fraud detection codes 40..51 [M] */
        log_event(m, MFW_EVENTLOG_FRAUD, m->now, MFW_EVENT_FW_VERIFICATION_FAILED, 0, 0, 0);
    return rc;
}

int mfw_meter_image_activate(struct mfw_meter *m)
{
    if (m->image.status == MFW_IMAGE_INITIATED && mfw_meter_image_verify(m) != MFW_OK)
        return MFW_E_STATE; /* activate without a verify: the meter verifies first [M] */
    save_state(m);          /* the registers as they are before the reset */
    return mfw_image_activate(&m->image, m->image_port);
}

int mfw_meter_legal_checksum(const struct mfw_meter *m, uint32_t *crc, uint32_t *len)
{
    if (m->legal_checksum == NULL)
        return MFW_E_STATE;
    return m->legal_checksum(m->hal_ctx, crc, len);
}

int mfw_meter_image_running(const struct mfw_meter *m, uint8_t *id, size_t cap, size_t *len)
{
    const struct mfw_image_port *p = m->image_port;
    bool trial = false;
    if (p == NULL)
        return MFW_E_STATE;
    return p->running(p->ctx, id, cap, len, &trial);
}

int mfw_meter_security_event(struct mfw_meter *m, uint16_t code)
{
    switch (code) {
    case MFW_EVENT_AUTH_FAILURE:
    case MFW_EVENT_DECRYPT_FAILURE:
    case MFW_EVENT_REPLAY_ATTACK:
        log_event(m, MFW_EVENTLOG_FRAUD, m->now, code, 0, 0, 0);
        return MFW_OK;
    case MFW_EVENT_PARAMETERS_CHANGED:
    case MFW_EVENT_GLOBAL_KEY_CHANGED:
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, code, 0, 0, 0);
        return MFW_OK;
    default: return MFW_E_ARG;
    }
}

/* ---- revenue protection and grid functions (meter.h) ---------------------------------------- */

int mfw_meter_disconnect_remote(struct mfw_meter *m, bool reconnect)
{
    if (!m->config.breaker)
        return MFW_E_ARG;
    if (m->down)
        return MFW_E_STATE;
    enum mfw_disc_trigger t = reconnect ? MFW_DISC_REMOTE_RECONNECT : MFW_DISC_REMOTE_DISCONNECT;
    char tr = mfw_disconnector_trigger(&m->disc, t, m->now);
    disc_done(m, tr, m->now);
    if (tr != 0)
        return MFW_OK;
    /* no transition: success when the breaker already is where the method leads */
    uint8_t st = m->disc.state;
    if (!reconnect && st == MFW_DISC_DISCONNECTED && m->disc.mode != 0)
        return MFW_OK;
    if (reconnect && m->disc.holds == 0 &&
        (st == MFW_DISC_CONNECTED ||
         (st == MFW_DISC_READY &&
          mfw_disconnector_transition(m->disc.mode, MFW_DISC_DISCONNECTED, t, NULL) == 'd')))
        return MFW_OK;
    return MFW_E_STATE;
}

bool mfw_meter_disconnect_output(const struct mfw_meter *m)
{
    return m->config.breaker ? breaker_sensed(m) : true;
}

int mfw_meter_script(struct mfw_meter *m, uint8_t table, uint16_t selector)
{
    if (m->down)
        return MFW_E_STATE;
    int rc = run_script(m, table, selector, MFW_DISC_CAUSE_SCRIPT);
    if (rc == MFW_OK && table != MFW_SCRIPT_BILLING)
        save_state(m);
    return rc;
}

int mfw_meter_load_timed(struct mfw_meter *m, unsigned k, uint32_t minutes)
{
    int rc = mfw_loadctl_timed(&m->loadctl, k, minutes, m->now);
    if (rc == MFW_OK) {
        apply_relays(m);
        save_state(m);
    }
    return rc;
}

int mfw_meter_topup(struct mfw_meter *m, uint32_t id, uint32_t wh, uint8_t *why)
{
    *why = 0;
    if (!m->config.breaker)
        return MFW_E_ARG;
    struct mfw_prepay p = m->prepay;
    m->prepay.token_id = id;
    m->prepay.token_wh = wh;
    m->prepay.token_time = m->now;
    m->prepay.token_status = 6; /* Blue Book token_status: validation result failure */
    int rc = mfw_prepay_topup(&p, &m->settings.prepay, id, wh, m->now, why);
    if (rc != MFW_OK) {
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_TOPUP_REFUSED, 0, id, *why);
        return rc;
    }
    p.token_id = id;
    p.token_wh = wh;
    p.token_time = m->now;
    p.token_status = 3; /* token execution result OK */
    /* stored first: a cut either loses the top-up and its id, or keeps both */
    if (save_prepay(m, &p.l, true) != MFW_OK)
        return MFW_E_IO;
    m->prepay = p;
    log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_TOPUP, 0, id, wh);
    save_state(m);
    return MFW_OK;
}

int mfw_meter_prepay_emergency(struct mfw_meter *m)
{
    if (!m->config.breaker)
        return MFW_E_ARG;
    return invoke_emergency(m);
}

int mfw_meter_prepay_account(struct mfw_meter *m, unsigned method)
{
    if (!m->config.breaker)
        return MFW_E_ARG;
    struct mfw_prepay p = m->prepay;
    int rc = method == 1   ? mfw_prepay_activate(&p, m->now)
             : method == 2 ? mfw_prepay_close(&p, m->now)
             : method == 3 ? mfw_prepay_reset(&p)
                           : MFW_E_ARG;
    if (rc != MFW_OK)
        return rc;
    if (save_prepay(m, &p.l, true) != MFW_OK)
        return MFW_E_IO;
    bool changed = p.l.status != m->prepay.l.status || method == 3;
    m->prepay = p;
    if (changed && method != 3)
        log_event(m, MFW_EVENTLOG_STANDARD, m->now,
                  method == 1 ? MFW_EVENT_ACCOUNT_ACTIVATED : MFW_EVENT_ACCOUNT_CLOSED, 0, 0, 0);
    if (method == 3)
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_PARAMETERS_CHANGED, 0, 0, 0);
    if (p.l.status != MFW_PREPAY_ACTIVE)
        disc_release(m, MFW_DISC_CAUSE_PREPAYMENT);
    save_state(m);
    return MFW_OK;
}

int mfw_meter_alarm_clear(struct mfw_meter *m, unsigned reg, bool descriptor, uint32_t value)
{
    if (reg > 1)
        return MFW_E_ARG;
    if (mfw_alarm_clear(&m->alarm, reg, descriptor, value)) {
        if (!descriptor)
            log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_ALARM_REGISTER_CLEARED, 0, reg,
                      value);
        else if (m->alarm.descriptor[0] == 0 && m->alarm.descriptor[1] == 0)
            m->alarm.push_due = false;
        save_state(m);
    }
    return MFW_OK;
}

int mfw_meter_error_clear(struct mfw_meter *m, uint32_t value)
{
    uint32_t before = m->error_register;
    m->error_register &= value;
    if (m->error_register != before) {
        log_event(m, MFW_EVENTLOG_STANDARD, m->now, MFW_EVENT_ERROR_REGISTER_CLEARED, 0, before,
                  m->error_register);
        m->measurement_fault = false; /* a fault still there is found (and logged) again */
        save_state(m);
    }
    return MFW_OK;
}
