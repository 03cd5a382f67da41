/* SPDX-License-Identifier: Apache-2.0 */
/* The meter's LCD content: rotating list, value texts formatted by hand (no stdio in the core). */
#include "meterfw/meter/display.h"

#include <string.h>

#include "meterfw/base/error.h"

enum disp_kind {
    DK_ENERGY,   /* register, qty, phase (MFW_ENERGY_TOTAL for totals) */
    DK_VOLTAGE,  /* phase rms voltage */
    DK_CURRENT,  /* phase rms current */
    DK_P_IMPORT, /* phase active power, import part */
    DK_P_EXPORT, /* phase active power, export part */
    DK_TIME,
    DK_DATE,
    DK_TARIFF,
};

struct disp_def {
    char obis[12];
    uint8_t kind;
    uint8_t phase; /* 0..2, or MFW_ENERGY_TOTAL */
    uint8_t qty;   /* enum mfw_energy_qty for DK_ENERGY */
};

/* The catalogue, in display order. OBIS C: 1..4 totals, 21.. L1, 41.. L2, 61.. L3
 * (IEC 62056-6-1: C = 20 * phase + quantity); D = 8 energy, 7 instantaneous value. */
static const struct disp_def disp_catalogue[] = {
    {"1.8.0", DK_ENERGY, MFW_ENERGY_TOTAL, MFW_EQ_AP},
    {"2.8.0", DK_ENERGY, MFW_ENERGY_TOTAL, MFW_EQ_AM},
    {"3.8.0", DK_ENERGY, MFW_ENERGY_TOTAL, MFW_EQ_RP},
    {"4.8.0", DK_ENERGY, MFW_ENERGY_TOTAL, MFW_EQ_RM},
    {"21.8.0", DK_ENERGY, 0, MFW_EQ_AP},
    {"41.8.0", DK_ENERGY, 1, MFW_EQ_AP},
    {"61.8.0", DK_ENERGY, 2, MFW_EQ_AP},
    {"22.8.0", DK_ENERGY, 0, MFW_EQ_AM},
    {"42.8.0", DK_ENERGY, 1, MFW_EQ_AM},
    {"62.8.0", DK_ENERGY, 2, MFW_EQ_AM},
    {"32.7.0", DK_VOLTAGE, 0, 0},
    {"52.7.0", DK_VOLTAGE, 1, 0},
    {"72.7.0", DK_VOLTAGE, 2, 0},
    {"31.7.0", DK_CURRENT, 0, 0},
    {"51.7.0", DK_CURRENT, 1, 0},
    {"71.7.0", DK_CURRENT, 2, 0},
    {"21.7.0", DK_P_IMPORT, 0, 0},
    {"41.7.0", DK_P_IMPORT, 1, 0},
    {"61.7.0", DK_P_IMPORT, 2, 0},
    {"22.7.0", DK_P_EXPORT, 0, 0},
    {"42.7.0", DK_P_EXPORT, 1, 0},
    {"62.7.0", DK_P_EXPORT, 2, 0},
    {"0.9.1", DK_TIME, 0, 0},
    {"0.9.2", DK_DATE, 0, 0},
    {"0.0.96.14.0", DK_TARIFF, 0, 0},
};

#define DISP_N (sizeof disp_catalogue / sizeof disp_catalogue[0])
_Static_assert(DISP_N <= MFW_DISPLAY_ITEMS_MAX, "display list does not fit DISPLAY_ITEMS_MAX");
_Static_assert(DISP_N < 256, "item ids are uint8_t");

int mfw_display_init(struct mfw_display *d, enum mfw_meter_model model)
{
    if (d == NULL || (model != MFW_METER_162M && model != MFW_METER_382M))
        return MFW_E_ARG;
    memset(d, 0, sizeof *d);
    d->phases = model == MFW_METER_162M ? 1 : 3;
    d->ms_per_item = MFW_DISPLAY_MS_PER_ITEM;
    for (unsigned k = 0; k < DISP_N; k++) {
        const struct disp_def *e = &disp_catalogue[k];
        bool per_phase = e->kind != DK_TIME && e->kind != DK_DATE && e->kind != DK_TARIFF &&
                         e->phase != MFW_ENERGY_TOTAL;
        if (per_phase && e->phase >= d->phases)
            continue; /* a 162M has no L2/L3 */
        d->items[d->n_items++] = (uint8_t)k;
    }
    return MFW_OK;
}

bool mfw_display_step(struct mfw_display *d, mfw_ms_t now)
{
    if (!d->started || now < d->last_switch || d->ms_per_item == 0 || d->n_items == 0) {
        d->started = true;
        d->last_switch = now;
        return false;
    }
    mfw_ms_t steps = (now - d->last_switch) / (mfw_ms_t)d->ms_per_item;
    if (steps == 0)
        return false;
    /* Keep the cadence (last_switch on the grid) rather than drifting by the caller's period. */
    d->last_switch += steps * (mfw_ms_t)d->ms_per_item;
    d->index = (uint8_t)(((mfw_ms_t)d->index + steps) % d->n_items);
    return true;
}

/* ---- text helpers: bounded, no stdio ---- */

static void put_str(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    for (; k + 1 < cap && src[k] != '\0'; k++)
        dst[k] = src[k];
    dst[k] = '\0';
}

static const uint64_t pow10_u64[] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
};

/* `scaled` is the value times 10^decimals. Writes MFW_DISPLAY_DIGITS digit cells (the value modulo
 * 10^MFW_DISPLAY_DIGITS) with a '.' before the last `decimals` digits. zero_pad: leading cells '0'
 * (a counter); else ' ', keeping one '0' before the point. out needs MFW_DISPLAY_DIGITS + 2. */
static void fmt_fixed(char *out, uint64_t scaled, unsigned decimals, bool zero_pad)
{
    char digits[MFW_DISPLAY_DIGITS];
    uint64_t v = scaled % pow10_u64[MFW_DISPLAY_DIGITS];
    for (unsigned k = MFW_DISPLAY_DIGITS; k-- > 0;) {
        digits[k] = (char)('0' + v % 10u);
        v /= 10u;
    }
    unsigned int_cells = MFW_DISPLAY_DIGITS - decimals;
    size_t o = 0;
    bool leading = !zero_pad;
    for (unsigned k = 0; k < MFW_DISPLAY_DIGITS; k++) {
        if (k == int_cells)
            out[o++] = '.';
        bool last_int = k + 1 == int_cells;
        if (leading && digits[k] == '0' && k < int_cells && !last_int) {
            out[o++] = ' ';
        } else {
            leading = false;
            out[o++] = digits[k];
        }
    }
    out[o] = '\0';
}

/* Energy in uWh as kWh, truncated: 3 decimals while it fits 8 cells, then fewer. */
static void fmt_energy(char *out, uint64_t uwh)
{
    uint64_t wh = uwh / 1000000u; /* kWh * 10^3, truncated: never shows unregistered energy */
    unsigned dec = 3;
    while (dec > 0 && wh >= pow10_u64[MFW_DISPLAY_DIGITS]) {
        wh /= 10u;
        dec--;
    }
    fmt_fixed(out, wh, dec, true);
}

/* A measured value, rounded to `decimals`, space padded; negative or NaN shows as 0. */
static void fmt_measured(char *out, double x, unsigned decimals)
{
    double s = x * (double)pow10_u64[decimals] + 0.5;
    uint64_t v;
    if (!(s > 0.0)) /* also NaN */
        v = 0;
    else if (s >= (double)pow10_u64[MFW_DISPLAY_DIGITS])
        v = pow10_u64[MFW_DISPLAY_DIGITS] - 1u; /* saturate: an LCD shows 9s, not a wrapped value */
    else
        v = (uint64_t)s;
    fmt_fixed(out, v, decimals, false);
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + (v / 10u) % 10u);
    p[1] = (char)('0' + v % 10u);
}

/* Local time (the meter's clock: time zone and summer time), as the LCD shows it. */
static void fmt_time_date(char *out, const struct mfw_local_time *lt, bool date)
{
    if (date) {
        int64_t yy = lt->year % 100;
        put2(out, (unsigned)(yy < 0 ? yy + 100 : yy));
        out[2] = '-';
        put2(out + 3, lt->month);
        out[5] = '-';
        put2(out + 6, lt->day);
    } else {
        put2(out, lt->hour);
        out[2] = ':';
        put2(out + 3, lt->minute);
        out[5] = ':';
        put2(out + 6, lt->second);
    }
    out[8] = '\0';
}

void mfw_display_render(const struct mfw_display *d, const struct mfw_meter *m, mfw_ms_t now,
                        struct mfw_display_frame *out)
{
    memset(out, 0, sizeof *out);
    out->n_items = d->n_items;
    out->item = d->index;
    out->phases = d->phases;
    out->tariff = m->tariff;
    out->breaker = m->config.breaker ? (uint8_t)(m->disc.state + 1u) : 0;
    out->n_relays = m->loadctl.relays < 2 ? m->loadctl.relays : 2;
    for (unsigned k = 0; k < out->n_relays; k++)
        out->relay[k] = mfw_loadctl_closed(&m->loadctl, k);
    out->credit_low = m->config.breaker && m->prepay.low;
    out->credit_out = m->config.breaker && m->prepay.out;
    out->alarm = m->alarm.reg[0] != 0 || m->alarm.reg[1] != 0;

    const struct mfw_metrology_values *v = &m->now_values;
    bool any_flow = false;
    for (unsigned k = 0; k < d->phases && k < MFW_PHASES_MAX; k++) {
        out->phase_present[k] = m->have_values && v->ph[k].voltage_present;
        if (m->have_values && v->ph[k].voltage_present && !v->ph[k].creep)
            any_flow = true;
    }
    if (any_flow) {
        /* Quadrants as metrology.h defines them: Q1 P>=0,Q>=0; Q2 P<0,Q>=0; Q3 P<0,Q<0;
         * Q4 P>=0,Q<0. */
        bool imp = !(v->p < 0.0);
        /* A reactive power within the noise is 0 (Q1 or Q2), so a resistive load does not
         * flicker between Q1 and Q4. */
        bool ind = !(v->q < 0.0) || -v->q < MFW_DISPLAY_Q_ZERO_VAR;
        out->arrow = imp ? MFW_DISPLAY_ARROW_IMPORT : MFW_DISPLAY_ARROW_EXPORT;
        out->quadrant = imp ? (ind ? 1 : 4) : (ind ? 2 : 3);
    }

    if (d->n_items == 0)
        return;
    const struct disp_def *e = &disp_catalogue[d->items[d->index]];
    put_str(out->obis, sizeof out->obis, e->obis);

    const char *unit = "";
    bool measured = e->kind == DK_VOLTAGE || e->kind == DK_CURRENT || e->kind == DK_P_IMPORT ||
                    e->kind == DK_P_EXPORT;
    if (measured && !m->have_values) {
        put_str(out->value, sizeof out->value, "--------");
    } else {
        const struct mfw_phase_values *ph = &v->ph[e->phase < MFW_PHASES_MAX ? e->phase : 0];
        switch ((enum disp_kind)e->kind) {
        case DK_ENERGY:
            fmt_energy(out->value, mfw_meter_energy_uwh(m, e->phase, (enum mfw_energy_qty)e->qty));
            unit = e->qty == MFW_EQ_AP || e->qty == MFW_EQ_AM ? "kWh" : "kvarh";
            break;
        case DK_VOLTAGE:
            fmt_measured(out->value, ph->vrms, 1);
            unit = "V";
            break;
        case DK_CURRENT:
            fmt_measured(out->value, ph->irms, 2);
            unit = "A";
            break;
        case DK_P_IMPORT: /* W = kW * 10^3: the 3 decimals of kW */
            fmt_measured(out->value, ph->p > 0.0 ? ph->p / 1000.0 : 0.0, 3);
            unit = "kW";
            break;
        case DK_P_EXPORT:
            fmt_measured(out->value, ph->p < 0.0 ? -ph->p / 1000.0 : 0.0, 3);
            unit = "kW";
            break;
        case DK_TIME:
        case DK_DATE: {
            struct mfw_local_time lt;
            mfw_clock_local(&m->clock, now, &lt);
            fmt_time_date(out->value, &lt, e->kind == DK_DATE);
            unit = lt.dst ? "DST" : "";
            break;
        }
        case DK_TARIFF:
            out->value[0] = 'T';
            out->value[1] = (char)('0' + m->tariff % 10u);
            out->value[2] = '\0';
            break;
        }
    }
    put_str(out->unit, sizeof out->unit, unit);
}
