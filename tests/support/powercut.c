/* SPDX-License-Identifier: Apache-2.0 */
#include "powercut.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash_emu.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/catalog.h"
#include "meterfw/meter/meter.h"

#define T_START 1773964800000LL /* 2026-03-20T00:00:00Z */
#define TICK_MS 60000LL
#define SNAPSHOT_TICKS 120u /* a snapshot every 2 simulated hours */
#define AFTER_TICKS 120u    /* the meter runs on for 2 hours after each reboot */

struct rig {
    struct flash_emu emu;
    uint8_t *mem;
    uint8_t *weak; /* the harsh NOR model's weak cells (flash_emu_harsh) */
    size_t mem_size;
    struct mfw_hal hal;
    struct mfw_meter_config cfg;
    struct mfw_meter m;
};

struct snapshot {
    uint32_t tick; /* state after this many ticks */
    uint8_t *mem;
    struct flash_emu emu;
    struct mfw_meter m;
};

/* The energies the campaign follows: A+, A-, R+, R- totals. */
#define ENERGIES 4

struct tick_ref {
    uint64_t ops;             /* flash operations after the tick */
    uint64_t truth[ENERGIES]; /* the registers (uWh) after the tick */
    uint64_t saved;           /* A+ + A- + R+ + R- of the last completed state save */
    /* Rows and entries by their store sequence numbers, which count every append of the ring
     * since the flash was new (a ring that wrapped keeps counting; a cut append consumes none):
     * total = the number appended so far, lo = the first one the buffer exposes. */
    uint32_t rows[4], rows_lo[4]; /* each profile (MFW_PROF_*) */
    uint32_t ev[MFW_EVENTLOG_COUNT], ev_lo[MFW_EVENTLOG_COUNT];
};

struct workload {
    uint32_t ticks;
    uint32_t shift_tick, settings_tick, outage_tick, outage_ticks;
};

static int r_read(void *ctx, uint32_t a, void *b, size_t n)
{
    return flash_emu_read(&((struct rig *)ctx)->emu, a, b, n);
}
static int r_prog(void *ctx, uint32_t a, const void *b, size_t n)
{
    return flash_emu_prog(&((struct rig *)ctx)->emu, a, b, n);
}
static int r_erase(void *ctx, uint32_t s)
{
    return flash_emu_erase(&((struct rig *)ctx)->emu, s);
}

static mfw_ms_t tick_time(uint32_t i)
{
    return T_START + (mfw_ms_t)i * TICK_MS;
}

/* Load per phase (W): 300 W base, +1500 W from 16:00 to 20:00 UTC, and phase L2 exporting
 * 1000 W (PV) from 10:00 to 13:00 UTC; reactive 20 % of active. */
static void load(uint32_t i, struct mfw_metrology_block *b, uint8_t phases)
{
    mfw_ms_t t = tick_time(i);
    int hour = (int)((t / 3600000LL) % 24);
    memset(b, 0, sizeof(*b));
    b->duration_s = 60.0;
    b->freq_hz = 50.0;
    for (unsigned p = 0; p < phases; p++) {
        double w = 300.0 + (hour >= 16 && hour < 20 ? 1500.0 : 0.0);
        if (p == 1 && hour >= 10 && hour < 13)
            w = -1000.0;
        b->ph[p].vrms = 230.0;
        b->ph[p].p = w;
        b->ph[p].q = 0.2 * fabs(w);
        b->ph[p].irms = hypot(b->ph[p].p, b->ph[p].q) / 230.0;
        b->ph[p].v_angle_deg = -120.0 * p;
    }
}

/* The settings change: a passive calendar (all T4) activated at midnight three days later. */
static void new_settings(const struct mfw_meter *m, struct mfw_meter_settings *s, uint32_t tick)
{
    *s = m->settings;
    s->tou.passive = s->tou.active;
    struct mfw_tou_calendar *c = &s->tou.passive;
    for (unsigned d = 0; d < c->n_days; d++)
        for (unsigned a = 0; a < c->days[d].n; a++)
            c->days[d].actions[a].script_selector = 4;
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, tick_time(tick) + 3 * 86400000LL, &lt);
    struct mfw_tou_date_time when = {{(uint16_t)lt.year, lt.month, lt.day, MFW_TOU_ANY}, {0, 0, 0}};
    mfw_tou_set_activation(&s->tou, &when);
}

/* One tick of the workload: the 60 s that end at tick_time(i + 1). */
static void step(struct rig *r, const struct workload *w, uint32_t i)
{
    mfw_ms_t t = tick_time(i + 1);
    if (i >= w->outage_tick && i < w->outage_tick + w->outage_ticks) {
        if (i == w->outage_tick)
            mfw_meter_power_down(&r->m, tick_time(i));
        if (i + 1 == w->outage_tick + w->outage_ticks)
            mfw_meter_init(&r->m, &r->cfg, &r->hal, t);
        return;
    }
    struct mfw_metrology_block b;
    load(i, &b, r->cfg.metro.phases);
    mfw_meter_block(&r->m, &b);
    mfw_meter_tick(&r->m, t);
    if (i == w->shift_tick)
        mfw_meter_clock_shift(&r->m, t, 300);
    if (i == w->settings_tick) {
        struct mfw_meter_settings s;
        new_settings(&r->m, &s, i);
        mfw_meter_apply_settings(&r->m, &s);
    }
}

static int rig_init(struct rig *r)
{
    memset(r, 0, sizeof(*r));
    mfw_meter_default_config(&r->cfg, MFW_METER_382M);
    r->mem_size = (size_t)r->cfg.store.sector_size * r->cfg.store.sector_count;
    r->mem = malloc(r->mem_size);
    if (!r->mem)
        return MFW_E_NOSPACE;
    r->weak = malloc(r->mem_size);
    if (!r->weak)
        return MFW_E_NOSPACE;
    int rc = flash_emu_init(&r->emu, r->mem, r->cfg.store.sector_size, r->cfg.store.sector_count,
                            r->cfg.store.prog_size, 12345);
    if (rc != MFW_OK)
        return rc;
    flash_emu_harsh(&r->emu, r->weak, 32); /* cuts tear as NOR does: any bits, weak cells */
    flash_emu_erase_all(&r->emu);          /* a new meter's flash: blank */
    r->hal = (struct mfw_hal){
        .ctx = r, .flash_read = r_read, .flash_prog = r_prog, .flash_erase = r_erase};
    return mfw_meter_init(&r->m, &r->cfg, &r->hal, T_START);
}

/* Appends so far to a ring area: the next sequence number. */
static uint32_t ring_total(const struct mfw_store *s, unsigned area)
{
    return mfw_store_ring_first_seq(s, area) + mfw_store_ring_count(s, area);
}

static void record(const struct rig *r, struct tick_ref *t)
{
    const struct mfw_meter *m = &r->m;
    t->ops = r->emu.ops;
    for (unsigned q = 0; q < ENERGIES; q++)
        t->truth[q] = m->registers.uwh[MFW_ENERGY_TOTAL][q];
    t->saved = m->saved_uwh;
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++) {
        t->rows[k] = ring_total(&m->store, m->profiles[k].area);
        t->rows_lo[k] = t->rows[k] - mfw_profile_count(&m->profiles[k], &m->store);
    }
    for (unsigned k = 0; k < MFW_EVENTLOG_COUNT; k++) {
        t->ev[k] = ring_total(&m->store, m->events.area[k]);
        t->ev_lo[k] = t->ev[k] - mfw_eventlog_count(&m->events, &m->store, (enum mfw_eventlog_id)k);
    }
}

struct reference {
    struct workload w;
    struct tick_ref start;
    struct tick_ref *tick; /* [ticks] */
    struct snapshot *snap; /* every SNAPSHOT_TICKS */
    uint32_t n_snap;
    /* every row and entry the reference run appended, by sequence number (rows[k][j] is the
     * row of sequence number j), collected tick by tick: a ring that wraps loses none here */
    struct mfw_profile_row *rows[MFW_PROF_COUNT];
    uint32_t n_rows[MFW_PROF_COUNT], cap_rows[MFW_PROF_COUNT];
    struct mfw_eventlog_entry *ev[MFW_EVENTLOG_COUNT];
    uint32_t n_ev[MFW_EVENTLOG_COUNT], cap_ev[MFW_EVENTLOG_COUNT];
    struct mfw_tou tou_old, tou_new;
};

static void take_snapshot(struct reference *ref, const struct rig *r, uint32_t tick)
{
    struct snapshot *s = &ref->snap[ref->n_snap++];
    s->tick = tick;
    s->mem = malloc(r->mem_size);
    if (s->mem)
        memcpy(s->mem, r->mem, r->mem_size);
    s->emu = r->emu;
    s->m = r->m;
}

static void restore(struct rig *r, const struct snapshot *s)
{
    memcpy(r->mem, s->mem, r->mem_size);
    r->emu = s->emu;
    r->emu.mem = r->mem;
    r->emu.weak = r->weak;
    memset(r->weak, 0, r->mem_size); /* snapshots are of the cut-free run: no weak cell */
    r->m = s->m;
    r->m.hal = &r->hal;
    r->m.store.hal = &r->hal;
}

/* Grows *p (n_have of size `size`, capacity *cap) to hold n elements; false when out of memory. */
static bool grow(void **p, uint32_t *cap, uint32_t n, size_t size)
{
    if (n <= *cap)
        return true;
    uint32_t c = *cap ? *cap : 64u;
    while (c < n)
        c *= 2u;
    void *q = realloc(*p, (size_t)c * size);
    if (q == NULL)
        return false;
    *p = q;
    *cap = c;
    return true;
}

/* The rows and entries the tick just appended, into the reference by sequence number. */
static int collect(struct reference *ref, struct rig *r, const struct tick_ref *t)
{
    struct mfw_meter *m = &r->m;
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++) {
        if (!grow((void **)&ref->rows[k], &ref->cap_rows[k], t->rows[k], sizeof(*ref->rows[k])))
            return MFW_E_NOSPACE;
        uint32_t n = mfw_profile_count(&m->profiles[k], &m->store);
        for (uint32_t j = ref->n_rows[k]; j < t->rows[k]; j++) {
            memset(&ref->rows[k][j], 0, sizeof ref->rows[k][j]);
            if (t->rows[k] - j <= n &&
                mfw_profile_read(&m->profiles[k], &m->store, n - (t->rows[k] - j),
                                 &ref->rows[k][j]) != MFW_OK)
                return MFW_E_IO;
        }
        ref->n_rows[k] = t->rows[k];
    }
    for (unsigned l = 0; l < MFW_EVENTLOG_COUNT; l++) {
        if (!grow((void **)&ref->ev[l], &ref->cap_ev[l], t->ev[l], sizeof(*ref->ev[l])))
            return MFW_E_NOSPACE;
        const enum mfw_eventlog_id id = (enum mfw_eventlog_id)l;
        uint32_t n = mfw_eventlog_count(&m->events, &m->store, id);
        for (uint32_t j = ref->n_ev[l]; j < t->ev[l]; j++) {
            memset(&ref->ev[l][j], 0, sizeof ref->ev[l][j]);
            if (t->ev[l] - j <= n &&
                mfw_eventlog_read(&m->events, &m->store, id, n - (t->ev[l] - j), &ref->ev[l][j]) !=
                    MFW_OK)
                return MFW_E_IO;
        }
        ref->n_ev[l] = t->ev[l];
    }
    return MFW_OK;
}

static bool rows_equal(const struct mfw_profile_row *a, const struct mfw_profile_row *b)
{
    if (a->time != b->time || a->status != b->status || a->n != b->n)
        return false;
    return memcmp(a->v, b->v, sizeof(a->v[0]) * a->n) == 0;
}

static bool events_equal(const struct mfw_eventlog_entry *a, const struct mfw_eventlog_entry *b)
{
    return a->time == b->time && a->code == b->code && a->phase == b->phase && a->v1 == b->v1 &&
           a->v2 == b->v2;
}

/* ---- one cut --------------------------------------------------------------------------------- */

static int fail(struct pc_result *res, uint64_t cut, const char *what)
{
    if (res->failures++ == 0)
        snprintf(res->first_failure, sizeof(res->first_failure), "cut at op %llu: %s",
                 (unsigned long long)cut, what);
    return 1;
}

/* The rows after the reboot against the reference run's, by sequence number. `must` rows were
 * surely appended before the cut, `may` if the append in flight made it; the buffer exposed rows
 * from lo on. After the reboot the buffer holds rows [total - n, total): none lost that the
 * buffer exposed before (unless its depth pushes them out now), every sure row there and equal
 * to the reference's, the one in flight the reference's or the reboot's, then the reboot's own
 * rows, later in time; nothing invented, repeated or out of order. */
static int check_prefix_rows(struct rig *r, unsigned prof, const struct mfw_profile_row *ref,
                             uint32_t must, uint32_t may, uint32_t lo)
{
    const struct mfw_profile *p = &r->m.profiles[prof];
    uint32_t n = mfw_profile_count(p, &r->m.store);
    uint32_t total = ring_total(&r->m.store, p->area);
    uint32_t depth = p->config.depth;
    if (total < must)
        return -6; /* a sure row missing at the end */
    uint32_t first = total - n;
    uint32_t pushed = total > depth ? total - depth : 0;
    if (first > (lo > pushed ? lo : pushed))
        return -1; /* a row the buffer held is gone */
    mfw_ms_t last = INT64_MIN;
    for (uint32_t k = 0; k < n; k++) {
        struct mfw_profile_row row;
        if (mfw_profile_read(p, &r->m.store, k, &row) != MFW_OK)
            return -2;
        uint32_t j = first + k;
        if (j < must && !rows_equal(&row, &ref[j]))
            return -3;
        /* the one in flight: the reference row, or a row of the reboot later in time */
        if (j >= must && j < may && !rows_equal(&row, &ref[j]) && row.time <= last)
            return -4;
        if (row.time < last || (row.time == last && !p->config.same_time_ok))
            return -5;
        last = row.time;
    }
    return 0;
}

/* Every stored row of every profile shows no more energy than the registers now, and each energy
 * column never decreases from one row to the next. */
static int rows_below_registers(struct rig *r)
{
    struct mfw_meter *m = &r->m;
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++) {
        const struct mfw_profile *p = &m->profiles[k];
        uint32_t n = mfw_profile_count(p, &m->store);
        int64_t prev[MFW_PROFILE_COLUMNS_MAX];
        for (uint32_t i = 0; i < n; i++) {
            struct mfw_profile_row row;
            if (mfw_profile_read(p, &m->store, i, &row) != MFW_OK)
                return -1;
            for (unsigned c = 0; c < row.n; c++) {
                const struct mfw_catalog_entry *e = mfw_catalog_find(p->config.column[c]);
                if (e == NULL || e->obis[3] != 8) /* D = 8: an energy register */
                    continue;
                struct mfw_catalog_value v;
                mfw_meter_read_quantity(m, e->id, &v);
                if (v.state != MFW_CATALOG_EXACT || row.v[c] > v.exact)
                    return -2;
                if (i > 0 && row.v[c] < prev[c])
                    return -3;
                prev[c] = row.v[c];
            }
        }
    }
    return 0;
}

static bool same_passive(const struct mfw_tou *a, const struct mfw_tou *b)
{
    static struct mfw_tou ta, tb;
    uint8_t ea[MFW_TOU_ENCODED_MAX], eb[MFW_TOU_ENCODED_MAX];
    size_t la = 0, lb = 0;
    mfw_tou_init(&ta);
    mfw_tou_init(&tb);
    ta.active = ta.passive = a->passive;
    tb.active = tb.passive = b->passive;
    return mfw_tou_encode(&ta, ea, sizeof(ea), &la) == MFW_OK &&
           mfw_tou_encode(&tb, eb, sizeof(eb), &lb) == MFW_OK && la == lb &&
           memcmp(ea, eb, la) == 0;
}

static int trial(struct reference *ref, struct rig *r, uint64_t cut, struct pc_result *res)
{
    const struct workload *w = &ref->w;
    /* the tick during which operation `cut` happens */
    uint32_t lo = 0, hi = w->ticks - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (ref->tick[mid].ops >= cut)
            hi = mid;
        else
            lo = mid + 1;
    }
    uint32_t i = lo;
    const struct tick_ref *before = i ? &ref->tick[i - 1] : &ref->start;
    const struct tick_ref *after = &ref->tick[i];
    uint32_t s = 0;
    while (s + 1 < ref->n_snap && ref->snap[s + 1].tick <= i)
        s++;
    restore(r, &ref->snap[s]);
    for (uint32_t k = ref->snap[s].tick; k < i; k++)
        step(r, w, k);
    flash_emu_cut_after(&r->emu, cut - r->emu.ops);
    step(r, w, i);
    if (!r->emu.dead)
        return fail(res, cut, "the flash did not die in the expected tick");
    /* power back, boot */
    flash_emu_power_on(&r->emu);
    mfw_ms_t t = tick_time(i + 1);
    if (mfw_meter_init(&r->m, &r->cfg, &r->hal, t) != MFW_OK)
        return fail(res, cut, "meter_init failed after the cut");
    const struct mfw_meter *m = &r->m;
    const uint64_t *reg = m->registers.uwh[MFW_ENERGY_TOTAL];
    uint64_t restored = 0;
    for (unsigned q = 0; q < ENERGIES; q++) {
        restored += reg[q];
        /* never more than was measured; at most the checkpoint bound less, for every energy */
        if (reg[q] > after->truth[q])
            return fail(res, cut, "restored more energy than was measured");
        double loss = (double)(before->truth[q] > reg[q] ? before->truth[q] - reg[q] : 0) / 1e6;
        if (loss > res->worst_loss_wh[q])
            res->worst_loss_wh[q] = loss;
        if (loss > res->bound_wh)
            return fail(res, cut, "lost more than the checkpoint bound");
    }
    /* never below the last state saved before the cut */
    if (restored < before->saved) {
        char why[200];
        snprintf(why, sizeof why, "restored less than the last saved state (%s, %u skipped)",
                 m->restore.state_field ? m->restore.state_field : "-",
                 (unsigned)m->restore.records_skipped);
        return fail(res, cut, why);
    }
    /* the tariffs add up to the total */
    for (unsigned q = 0; q < 4; q++) {
        uint64_t sum = 0;
        for (unsigned k = 0; k < MFW_TARIFFS; k++)
            sum += m->registers.tariff[k][q];
        if (sum != reg[q])
            return fail(res, cut, "the tariffs do not add up to the total");
    }
    /* every stored row shows no more than the registers, and the rows never decrease */
    if (rows_below_registers(r) != 0)
        return fail(res, cut, "a stored row shows more energy than the registers");
    static const char *const prefix_fail[MFW_PROF_COUNT] = {
        [MFW_PROF_LP1] = "load profile is not an intact prefix",
        [MFW_PROF_DAILY] = "daily profile is not an intact prefix",
        [MFW_PROF_BILLING] = "billing profile is not an intact prefix",
        [MFW_PROF_ANALYSIS] = "analysis log is not an intact prefix",
    };
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++)
        if (check_prefix_rows(r, k, ref->rows[k], before->rows[k], after->rows[k],
                              before->rows_lo[k]) != 0)
            return fail(res, cut, prefix_fail[k]);
    /* event logs: every entry surely logged before the cut still there, as it was (the ones the
     * reboot logs come after them) */
    for (unsigned l = 0; l < MFW_EVENTLOG_COUNT; l++) {
        const enum mfw_eventlog_id id = (enum mfw_eventlog_id)l;
        uint32_t n = mfw_eventlog_count(&m->events, &r->m.store, id);
        uint32_t total = ring_total(&r->m.store, m->events.area[l]);
        uint32_t first = total - n;
        uint32_t pushed = total > MFW_EVENTLOG_DEPTH ? total - MFW_EVENTLOG_DEPTH : 0;
        uint32_t held = before->ev_lo[l] > pushed ? before->ev_lo[l] : pushed;
        if (total < before->ev[l] || first > held)
            return fail(res, cut, "an event log lost entries");
        for (uint32_t j = held; j < before->ev[l]; j++) {
            struct mfw_eventlog_entry e;
            if (mfw_eventlog_read(&m->events, &r->m.store, id, j - first, &e) != MFW_OK ||
                !events_equal(&e, &ref->ev[l][j]))
                return fail(res, cut, "an event log is not an intact prefix");
        }
    }
    /* the passive calendar is the one of before or after the settings change (compared by
     * their canonical encoding: struct padding differs between copies) */
    bool cfg_ok = same_passive(&m->settings.tou, &ref->tou_old) ||
                  same_passive(&m->settings.tou, &ref->tou_new);
    if (!cfg_ok)
        return fail(res, cut, "configuration is neither the old nor the new one");
    /* it goes on: 2 hours more without a store error, registers growing */
    uint32_t errors = r->m.store_errors;
    for (uint32_t k = i + 1; k < i + 1 + AFTER_TICKS && k < w->ticks; k++)
        step(r, w, k);
    if (r->m.store_errors != errors)
        return fail(res, cut, "store errors after the reboot");
    uint64_t now_sum = 0;
    for (unsigned q = 0; q < ENERGIES; q++)
        now_sum += r->m.registers.uwh[MFW_ENERGY_TOTAL][q];
    if (now_sum < restored) {
        char why[200];
        snprintf(why, sizeof why, "registers went backwards after the reboot (%s, %u skipped)",
                 r->m.restore.state_field ? r->m.restore.state_field : "-",
                 (unsigned)r->m.restore.records_skipped);
        return fail(res, cut, why);
    }
    return 0;
}

/* ---- the campaign ---------------------------------------------------------------------------- */

static void free_reference(struct reference *ref)
{
    for (uint32_t k = 0; k < ref->n_snap; k++)
        free(ref->snap[k].mem);
    free(ref->snap);
    free(ref->tick);
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++)
        free(ref->rows[k]);
    for (unsigned l = 0; l < MFW_EVENTLOG_COUNT; l++)
        free(ref->ev[l]);
}

int pc_campaign(unsigned days, uint64_t random_cuts, uint64_t seed, struct pc_result *res)
{
    memset(res, 0, sizeof(*res));
    struct rig *r = calloc(1, sizeof(*r));
    struct reference *ref = calloc(1, sizeof(*ref));
    if (!r || !ref)
        return MFW_E_NOSPACE;
    int rc = rig_init(r);
    if (rc != MFW_OK)
        return rc;
    struct workload *w = &ref->w;
    w->ticks = days * 1440u;
    w->shift_tick = w->ticks / 4;
    w->settings_tick = w->ticks / 2;
    w->outage_tick = w->ticks * 3 / 4;
    w->outage_ticks = 120;
    ref->tick = calloc(w->ticks, sizeof(*ref->tick));
    ref->snap = calloc(w->ticks / SNAPSHOT_TICKS + 2, sizeof(*ref->snap));
    if (!ref->tick || !ref->snap)
        return MFW_E_NOSPACE;
    /* the loss bound: the checkpoint energy, or the largest power for the minimum interval,
     * plus one tick of the largest power (3 x 1800 W + reactive 20 %, all energies counted) */
    double p_max = 3.0 * 1800.0 * 1.2;
    double cp = r->cfg.checkpoint_wh, pm = p_max * r->cfg.checkpoint_min_s / 3600.0;
    res->bound_wh = (cp > pm ? cp : pm) + p_max * TICK_MS / 3600000.0;

    ref->tou_old = r->m.settings.tou;
    record(r, &ref->start);
    for (uint32_t i = 0; i < w->ticks; i++) {
        if (i % SNAPSHOT_TICKS == 0)
            take_snapshot(ref, r, i);
        step(r, w, i);
        record(r, &ref->tick[i]);
        if (collect(ref, r, &ref->tick[i]) != MFW_OK) {
            snprintf(res->first_failure, sizeof(res->first_failure),
                     "the reference run's rows could not be read");
            res->failures = 1;
            break;
        }
        if (i == w->settings_tick)
            ref->tou_new = r->m.settings.tou;
    }
    res->ops_total = r->emu.ops;
    if (r->m.store_errors != 0 || res->failures != 0) {
        if (res->failures == 0)
            snprintf(res->first_failure, sizeof(res->first_failure),
                     "the reference run had %u store errors", r->m.store_errors);
        res->failures = 1;
        free_reference(ref);
        free(r->mem);
        free(r);
        free(ref);
        return MFW_OK;
    }

    uint64_t first = ref->start.ops + 1, last = res->ops_total;
    uint64_t x = seed | 1;
    uint64_t n = random_cuts ? random_cuts : last - first + 1;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t cut;
        if (random_cuts) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            cut = first + x % (last - first + 1);
        } else {
            cut = first + k;
        }
        trial(ref, r, cut, res);
        res->trials++;
    }
    free_reference(ref);
    free(r->mem);
    free(r->weak);
    free(r);
    free(ref);
    return MFW_OK;
}
