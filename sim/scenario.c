/* SPDX-License-Identifier: Apache-2.0 */
/* scenario: the grid and the household over time. Grammar and model in docs/scenario.md.
 *
 * Parsing is bounded: each line is copied (at most SCN_LINE_MAX characters, longer is an error)
 * into a NUL-terminated buffer on the stack and split into words there, so nothing ever reads
 * past len and the input needs no terminator. No heap, no globals, no locale (own number, time
 * of day and ISO 8601 parsers).
 *
 * Evaluation is pure: scenario_at() depends only on the scenario and t. Periodic loads are
 * phased by a hash of (seed, load index), not by PRNG state. */
#include "scenario.h"

#include "meterfw/base/civil.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "meterfw/base/error.h"

#define SCN_LINE_MAX 200
#define SCN_WORDS_MAX 48
#define SCN_PI 3.14159265358979323846
#define SCN_ORDER_MAX (AFE_HARMONICS_MAX + 1)
#define SCN_MS_PER_MIN 60000LL
#define SCN_YEAR_DAYS 365.2425
/* Days since 1970-01-01 of the seasonal extremes: 1970-01-15 (household peak, mid-January) and
 * 1970-06-21 (PV peak, summer solstice). */
#define SCN_DAY_JAN15 14
#define SCN_DAY_JUN21 171
#define SCN_H0_SEASON 0.20 /* household: +20 % mid-January, -20 % mid-July */

enum scenario_load_kind {
    LOAD_FIXED = 0, /* "load": constant while on (window and/or cycling) */
    LOAD_H0 = 1,    /* "household": H0-like daily shape scaled to a yearly energy */
    LOAD_PV = 2,    /* "pv": half-sine export between from and to */
};

enum scenario_event_kind {
    EV_OUTAGE = 0,
    EV_SAG = 1,
    EV_SWELL = 2,
    EV_FREQ = 3,
    EV_RAMP = 4, /* frequency ramp: linear to value over duration, then permanent */
    EV_TEMP = 5, /* ambient temperature: permanent, or temporary with a duration */
    /* what the meter's board senses (scenario_inputs_at), not the grid */
    EV_COVER_MAIN = 6,
    EV_COVER_TERMINAL = 7,
    EV_FIELD = 8,
    EV_BUTTON = 9,
    EV_WELD = 10,
    /* the grid again: the neutral */
    EV_LOST_NEUTRAL = 11,
    EV_NEUTRAL_BYPASS = 12,
};

/* ---------------------------------------------------------------------------------------------
 * Calendar helpers */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* ---------------------------------------------------------------------------------------------
 * The H0-like household shape. Relative hourly knots (linear in between), shaped after the
 * BDEW H0 standard load profile: night base about 0.3 of the mean, a morning rise 6-9 h, a
 * cooking peak 11-13 h and the largest peak in the evening 17-21 h; Saturday and Sunday start
 * later and cook more at noon. APPROXIMATED, not the BDEW table. Absolute scale does not matter:
 * the parser normalises it (see h0_week_mean). */

static const double h0_knots[3][24] = {
    /* weekday */
    {0.45, 0.35, 0.30, 0.28, 0.28, 0.32, 0.55, 0.95, 1.05, 0.95, 0.95, 1.15,
     1.35, 1.20, 0.95, 0.90, 0.95, 1.25, 1.65, 1.85, 1.80, 1.55, 1.05, 0.70},
    /* Saturday */
    {0.55, 0.40, 0.32, 0.28, 0.28, 0.28, 0.35, 0.55, 0.90, 1.20, 1.30, 1.40,
     1.50, 1.30, 1.10, 1.05, 1.10, 1.35, 1.65, 1.80, 1.75, 1.55, 1.15, 0.80},
    /* Sunday */
    {0.60, 0.45, 0.35, 0.30, 0.28, 0.28, 0.30, 0.40, 0.70, 1.10, 1.35, 1.60,
     1.75, 1.40, 1.10, 1.05, 1.10, 1.30, 1.60, 1.75, 1.70, 1.50, 1.10, 0.75},
};

/* 0 weekday, 1 Saturday, 2 Sunday; 1970-01-01 (day 0) was a Thursday. */
static unsigned day_type(int64_t day)
{
    int64_t dow = floor_mod(day + 4, 7); /* 0 = Sunday */
    return dow == 0 ? 2u : dow == 6 ? 1u : 0u;
}

/* Shape at minute m of the day (0..1439), evaluated at the minute's midpoint. */
static double h0_shape(unsigned type, int64_t minute)
{
    double hf = ((double)minute + 0.5) / 60.0;
    unsigned i = (unsigned)hf;
    double fr = hf - (double)i;
    const double *k = h0_knots[type];
    return k[i] + (k[(i + 1u) % 24u] - k[i]) * fr;
}

/* Mean of the shape over a week on the same 1-minute grid scenario_at() uses. The household
 * scale is mean_W / this, so a whole number of weeks integrates exactly to mean_W * time; the
 * seasonal cosine averages to 1 over a year. A 365-day year is 52 weeks + 1 day, so the yearly
 * energy is the stated one within about 0.1 % (the odd day and the 365 vs 365.2425 cosine). */
static double h0_week_mean(void)
{
    double sum[3] = {0, 0, 0};
    for (unsigned t = 0; t < 3; t++)
        for (int64_t m = 0; m < 1440; m++)
            sum[t] += h0_shape(t, m);
    return (5.0 * sum[0] + sum[1] + sum[2]) / (7.0 * 1440.0);
}

static double h0_season(int64_t day)
{
    return 1.0 + SCN_H0_SEASON * cos(2.0 * SCN_PI * (double)(day - SCN_DAY_JAN15) / SCN_YEAR_DAYS);
}

static double pv_season(double amplitude, int64_t day)
{
    double c = cos(2.0 * SCN_PI * (double)(day - SCN_DAY_JUN21) / SCN_YEAR_DAYS);
    return 1.0 - amplitude * 0.5 * (1.0 - c);
}

/* ---------------------------------------------------------------------------------------------
 * Parser */

struct unit {
    const char *name;
    double factor;
};

static const struct unit U_VOLT[] = {{"V", 1.0}, {NULL, 0}};
static const struct unit U_HZ[] = {{"Hz", 1.0}, {NULL, 0}};
static const struct unit U_POWER[] = {{"W", 1.0}, {"kW", 1000.0}, {NULL, 0}};
static const struct unit U_ENERGY[] = {{"Wh", 0.001}, {"kWh", 1.0}, {"MWh", 1000.0}, {NULL, 0}};
static const struct unit U_DUR[] = {{"ms", 1.0},      {"s", 1000.0},     {"min", 60000.0},
                                    {"h", 3600000.0}, {"d", 86400000.0}, {NULL, 0}};
static const struct unit U_PCT[] = {{"%", 0.01}, {NULL, 0}};
static const struct unit U_TEMP[] = {{"C", 1.0}, {NULL, 0}};
static const struct unit U_AMP[] = {{"A", 1.0}, {NULL, 0}};
#define U_LOAD_AMPS 1e9 /* a marker factor: the load's quantity was in A */
static const struct unit U_LOAD[] = {{"W", 1.0}, {"kW", 1000.0}, {"A", U_LOAD_AMPS}, {NULL, 0}};

struct pctx {
    struct scenario *s;
    struct scenario_error *err;
    uint8_t meter_phases;
    unsigned line;
    char *w[SCN_WORDS_MAX];
    unsigned n, i;
    int last_load; /* index of the last load/household/pv line, -1 none */
    bool have_household;
    double last_unit; /* the factor of the unit get_qty found last */
    bool has_now;     /* scenario_inject: the instant may be "now" ... */
    mfw_ms_t now;     /* ... which is this */
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(struct pctx *p, int code, const char *fmt, ...)
{
    p->err->line = p->line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
    va_end(ap);
    return code;
}

static const char *peek(const struct pctx *p)
{
    return p->i < p->n ? p->w[p->i] : NULL;
}
static const char *next(struct pctx *p)
{
    return p->i < p->n ? p->w[p->i++] : NULL;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Strict decimal: [+-]digits[.digits], at most 15 digits (exact in a double, no exponent, no
 * inf/nan, no locale). *end is the first character after the number. */
static bool parse_number(const char *s, double *v, const char **end)
{
    const char *q = s;
    bool neg = false;
    if (*q == '+' || *q == '-')
        neg = *q++ == '-';
    double x = 0.0, scale = 1.0;
    unsigned digits = 0;
    while (is_digit(*q)) {
        x = x * 10.0 + (*q++ - '0');
        digits++;
    }
    unsigned before = digits;
    if (*q == '.' && is_digit(q[1])) {
        q++;
        while (is_digit(*q)) {
            x = x * 10.0 + (*q++ - '0');
            scale *= 10.0;
            digits++;
        }
    }
    if (digits == 0 || before == 0 || digits > 15)
        return false;
    *v = (neg ? -x : x) / scale;
    *end = q;
    return true;
}

static const struct unit *find_unit(const struct unit *u, const char *name)
{
    for (; u->name != NULL; u++)
        if (strcmp(u->name, name) == 0)
            return u;
    return NULL;
}

static void unit_list(const struct unit *u, char *buf, size_t len)
{
    buf[0] = '\0';
    for (const struct unit *k = u; k->name != NULL; k++) {
        size_t l = strlen(buf);
        snprintf(buf + l, len - l, "%s%s", k == u ? "" : " or ", k->name);
    }
}

/* A number with a unit, attached ("45min", "20%") or as the next word ("45 min"). The value is
 * returned multiplied by the unit's factor. */
static int get_qty(struct pctx *p, const struct unit *units, bool need_unit, const char *what,
                   double *out)
{
    char ul[40];
    unit_list(units, ul, sizeof ul);
    const char *w = next(p);
    if (w == NULL)
        return fail(p, MFW_E_FORMAT, "missing %s", what);
    double v;
    const char *end;
    if (!parse_number(w, &v, &end))
        return fail(p, MFW_E_FORMAT, "%s: expected a number, got '%.24s'", what, w);
    const struct unit *u = NULL;
    if (*end != '\0') {
        u = find_unit(units, end);
        if (u == NULL)
            return fail(p, MFW_E_FORMAT, "%s: unit must be %s, got '%.16s'", what, ul, end);
    } else if (peek(p) != NULL && (u = find_unit(units, peek(p))) != NULL) {
        p->i++;
    } else if (need_unit) {
        return fail(p, MFW_E_FORMAT, "%s needs a unit (%s)", what, ul);
    }
    p->last_unit = u != NULL ? u->factor : 1.0;
    *out = v * (u != NULL ? u->factor : 1.0);
    return MFW_OK;
}

static int get_plain(struct pctx *p, const char *what, double *out)
{
    const char *w = next(p);
    const char *end;
    if (w == NULL)
        return fail(p, MFW_E_FORMAT, "missing %s", what);
    if (!parse_number(w, out, &end) || *end != '\0')
        return fail(p, MFW_E_FORMAT, "%s: expected a number, got '%.24s'", what, w);
    return MFW_OK;
}

static int expect(struct pctx *p, const char *word)
{
    const char *w = next(p);
    if (w == NULL || strcmp(w, word) != 0)
        return fail(p, MFW_E_FORMAT, "expected '%s', got '%.24s'", word, w ? w : "end of line");
    return MFW_OK;
}

static int get_duration(struct pctx *p, const char *what, mfw_ms_t *out)
{
    double ms;
    int r = get_qty(p, U_DUR, true, what, &ms);
    if (r != MFW_OK)
        return r;
    if (!(ms >= 1.0 && ms <= 366.0 * 86400000.0))
        return fail(p, MFW_E_RANGE, "%s must be between 1 ms and 366 d", what);
    *out = (mfw_ms_t)llround(ms);
    return MFW_OK;
}

/* Exactly n digits. */
static bool digits_n(const char *s, unsigned n, unsigned *v)
{
    unsigned x = 0;
    for (unsigned k = 0; k < n; k++) {
        if (!is_digit(s[k]))
            return false;
        x = x * 10u + (unsigned)(s[k] - '0');
    }
    *v = x;
    return true;
}

/* Time of day "HH:MM" or "HH:MM:SS", 00:00 .. 24:00, in seconds. */
static int get_clock(struct pctx *p, const char *what, uint32_t *out)
{
    const char *w = next(p);
    unsigned hh, mm, ss = 0;
    size_t l = w ? strlen(w) : 0;
    if (w == NULL || (l != 5 && l != 8) || !digits_n(w, 2, &hh) || w[2] != ':' ||
        !digits_n(w + 3, 2, &mm) || (l == 8 && (w[5] != ':' || !digits_n(w + 6, 2, &ss))))
        return fail(p, MFW_E_FORMAT, "%s: expected a time of day HH:MM[:SS], got '%.24s'", what,
                    w ? w : "end of line");
    if (hh > 24 || mm > 59 || ss > 59 || (hh == 24 && (mm != 0 || ss != 0)))
        return fail(p, MFW_E_RANGE, "%s: time of day must be 00:00 .. 24:00", what);
    *out = hh * 3600u + mm * 60u + ss;
    return MFW_OK;
}

/* ISO 8601 UTC, strictly "YYYY-MM-DDTHH:MM[:SS]Z". */
static int get_iso(struct pctx *p, mfw_ms_t *out)
{
    const char *w = next(p);
    unsigned y, mo, d, hh, mi, ss = 0;
    size_t l = w ? strlen(w) : 0;
    bool ok = w != NULL && (l == 17 || l == 20) && digits_n(w, 4, &y) && w[4] == '-' &&
              digits_n(w + 5, 2, &mo) && w[7] == '-' && digits_n(w + 8, 2, &d) && w[10] == 'T' &&
              digits_n(w + 11, 2, &hh) && w[13] == ':' && digits_n(w + 14, 2, &mi);
    if (ok && l == 20)
        ok = w[16] == ':' && digits_n(w + 17, 2, &ss) && w[19] == 'Z';
    else if (ok)
        ok = w[16] == 'Z';
    if (!ok)
        return fail(p, MFW_E_FORMAT, "expected a UTC time YYYY-MM-DDTHH:MM[:SS]Z, got '%.24s'",
                    w ? w : "end of line");
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mfw_civil_days_in_month(y, mo) || hh > 23 ||
        mi > 59 || ss > 59)
        return fail(p, MFW_E_RANGE, "'%.24s' is not a valid instant (1970..9999)", w);
    int64_t days = mfw_civil_days_from_date(y, mo, d);
    *out = (((days * 24 + hh) * 60 + mi) * 60 + ss) * (mfw_ms_t)1000;
    return MFW_OK;
}

/* Phase words (L1, L2, L3, all) anywhere in the rest of the line are taken out of it and give a
 * mask; 0 if there were none. A phase beyond the scenario's 3 is an error; the meter's phase
 * count is applied at the end of the parse. */
static int take_phases(struct pctx *p, uint8_t *mask)
{
    unsigned o = p->i;
    *mask = 0;
    for (unsigned k = p->i; k < p->n; k++) {
        const char *w = p->w[k];
        if (strcmp(w, "all") == 0)
            *mask |= 0x7u;
        else if (w[0] == 'L' && w[1] >= '1' && w[1] <= '3' && w[2] == '\0')
            *mask |= (uint8_t)(1u << (w[1] - '1'));
        else if (w[0] == 'L' && is_digit(w[1]))
            return fail(p, MFW_E_RANGE, "phase '%.8s' does not exist (L1, L2, L3)", w);
        else
            p->w[o++] = p->w[k];
    }
    p->n = o;
    return MFW_OK;
}

static int get_pf(struct pctx *p, struct scenario_load *l)
{
    double pf;
    int r = get_plain(p, "power factor", &pf);
    if (r != MFW_OK)
        return r;
    if (!(pf > 0.0 && pf <= 1.0))
        return fail(p, MFW_E_RANGE, "power factor must be in (0, 1]");
    l->pf = pf;
    const char *w = peek(p);
    if (w != NULL && (strcmp(w, "ind") == 0 || strcmp(w, "inductive") == 0)) {
        l->capacitive = false;
        p->i++;
    } else if (w != NULL && (strcmp(w, "cap") == 0 || strcmp(w, "capacitive") == 0)) {
        l->capacitive = true;
        p->i++;
    }
    return MFW_OK;
}

static int get_power(struct pctx *p, const char *what, double *w)
{
    int r = get_qty(p, U_POWER, true, what, w);
    if (r != MFW_OK)
        return r;
    if (!(fabs(*w) <= 100000.0))
        return fail(p, MFW_E_RANGE, "%s must be within +-100 kW", what);
    return MFW_OK;
}

static int get_window(struct pctx *p, struct scenario_load *l)
{
    int r = get_clock(p, "from", &l->from_s);
    if (r == MFW_OK)
        r = expect(p, "to");
    if (r == MFW_OK)
        r = get_clock(p, "to", &l->to_s);
    return r;
}

static struct scenario_load *new_load(struct pctx *p, int *r)
{
    if (p->s->n_loads >= SCENARIO_LOADS_MAX) {
        *r = fail(p, MFW_E_RANGE, "too many loads (at most %d)", SCENARIO_LOADS_MAX);
        return NULL;
    }
    struct scenario_load *l = &p->s->loads[p->s->n_loads];
    memset(l, 0, sizeof *l);
    l->pf = 1.0;
    l->phase_mask = 0x7u;
    p->last_load = p->s->n_loads;
    p->s->n_loads++;
    *r = MFW_OK;
    return l;
}

static int d_name(struct pctx *p)
{
    const char *w = next(p);
    if (w == NULL)
        return fail(p, MFW_E_FORMAT, "missing name");
    if (strlen(w) >= sizeof p->s->name)
        return fail(p, MFW_E_RANGE, "name longer than %zu characters", sizeof p->s->name - 1);
    memcpy(p->s->name, w, strlen(w) + 1);
    return MFW_OK;
}

static int d_phases(struct pctx *p)
{
    double v;
    int r = get_plain(p, "phases", &v);
    if (r != MFW_OK)
        return r;
    if (v != 1.0 && v != 3.0)
        return fail(p, MFW_E_RANGE, "phases must be 1 or 3");
    if ((uint8_t)v > p->meter_phases)
        return fail(p, MFW_E_RANGE, "scenario needs 3 phases, the meter has %u",
                    (unsigned)p->meter_phases);
    p->s->phases = (uint8_t)v;
    return MFW_OK;
}

static int d_voltage(struct pctx *p)
{
    uint8_t mask;
    double u;
    int r = take_phases(p, &mask);
    if (r == MFW_OK)
        r = get_qty(p, U_VOLT, false, "voltage", &u);
    if (r != MFW_OK)
        return r;
    if (!(u >= 0.0 && u <= 500.0))
        return fail(p, MFW_E_RANGE, "voltage must be between 0 and 500 V");
    for (unsigned k = 0; k < MFW_PHASES_MAX && k < 3; k++)
        if ((mask == 0 ? 0x7u : mask) & (1u << k))
            p->s->u_nominal[k] = u;
    return MFW_OK;
}

static int check_freq(struct pctx *p, double f)
{
    if (!(f >= 45.0 && f <= 65.0))
        return fail(p, MFW_E_RANGE, "frequency must be between 45 and 65 Hz");
    return MFW_OK;
}

static int d_frequency(struct pctx *p)
{
    double f;
    int r = get_qty(p, U_HZ, false, "frequency", &f);
    if (r == MFW_OK)
        r = check_freq(p, f);
    if (r == MFW_OK)
        p->s->freq_hz = f;
    return r;
}

static int check_temp(struct pctx *p, double t)
{
    if (!(t >= -60.0 && t <= 100.0))
        return fail(p, MFW_E_RANGE, "temperature must be between -60 and +100 C");
    return MFW_OK;
}

static int d_temperature(struct pctx *p)
{
    double t;
    int r = get_qty(p, U_TEMP, false, "temperature", &t);
    if (r == MFW_OK)
        r = check_temp(p, t);
    if (r == MFW_OK)
        p->s->temperature_c = t;
    return r;
}

static int get_count(struct pctx *p, const char *what, uint32_t *out)
{
    double v;
    int r = get_plain(p, what, &v);
    if (r != MFW_OK)
        return r;
    if (!(v >= 0.0 && v <= 4294967295.0) || v != floor(v))
        return fail(p, MFW_E_RANGE, "%s must be an integer 0 .. 4294967295", what);
    *out = (uint32_t)v;
    return MFW_OK;
}

static int d_sensors(struct pctx *p)
{
    const char *w = next(p);
    if (w != NULL && strcmp(w, "ideal") == 0) {
        p->s->sensors = SCENARIO_SENSORS_IDEAL;
        return MFW_OK;
    }
    if (w != NULL && strcmp(w, "typical") == 0) {
        p->s->sensors = SCENARIO_SENSORS_TYPICAL;
        return MFW_OK;
    }
    if (w != NULL && strcmp(w, "unit") == 0) {
        p->s->sensors = SCENARIO_SENSORS_UNIT;
        int r = expect(p, "lot");
        if (r == MFW_OK)
            r = get_count(p, "sensor lot", &p->s->sensor_lot);
        if (r == MFW_OK)
            r = get_count(p, "sensor unit", &p->s->sensor_unit);
        return r;
    }
    return fail(p, MFW_E_FORMAT, "sensors: expected ideal, typical or unit lot L N, got '%.24s'",
                w ? w : "end of line");
}

static const struct unit U_DB[] = {{"dB", 1.0}, {NULL, 0}};

static int d_noise(struct pctx *p)
{
    const char *w = peek(p);
    p->s->noise_set = true;
    if (w != NULL && strcmp(w, "off") == 0) {
        p->i++;
        p->s->noise_db = 0.0;
        return MFW_OK;
    }
    double db;
    int r = get_qty(p, U_DB, true, "noise (SNR below full scale)", &db);
    if (r == MFW_OK && !(db >= 40.0 && db <= 140.0))
        r = fail(p, MFW_E_RANGE, "noise SNR must be 40 .. 140 dB (or off)");
    if (r == MFW_OK)
        p->s->noise_db = db;
    return r;
}

static int d_utc_offset(struct pctx *p)
{
    double ms;
    int r = get_qty(p, U_DUR, true, "utc-offset", &ms);
    if (r != MFW_OK)
        return r;
    if (!(fabs(ms) <= 14.0 * 3600000.0) || fmod(ms, 60000.0) != 0.0)
        return fail(p, MFW_E_RANGE, "utc-offset must be whole minutes within +-14 h");
    p->s->utc_offset_s = (int32_t)(ms / 1000.0);
    return MFW_OK;
}

static int d_seed(struct pctx *p)
{
    double v;
    int r = get_plain(p, "seed", &v);
    if (r != MFW_OK)
        return r;
    if (!(v >= 0.0 && v <= 4294967295.0) || v != floor(v))
        return fail(p, MFW_E_RANGE, "seed must be an integer 0 .. 4294967295");
    p->s->seed = (uint32_t)v;
    return MFW_OK;
}

static int d_household(struct pctx *p)
{
    if (p->have_household)
        return fail(p, MFW_E_FORMAT, "only one household line is allowed");
    uint8_t mask;
    double kwh;
    int r = take_phases(p, &mask);
    if (r == MFW_OK)
        r = get_qty(p, U_ENERGY, true, "household energy per year", &kwh);
    if (r != MFW_OK)
        return r;
    if (!(kwh > 0.0 && kwh <= 1000000.0))
        return fail(p, MFW_E_RANGE, "household energy must be between 0 and 1000000 kWh");
    struct scenario_load *l = new_load(p, &r);
    if (l == NULL)
        return r;
    p->have_household = true;
    memcpy(l->name, "household", sizeof "household");
    l->kind = LOAD_H0;
    if (mask != 0)
        l->phase_mask = mask;
    l->pf = 0.95;
    while (r == MFW_OK && peek(p) != NULL) {
        if (strcmp(peek(p), "pf") == 0) {
            p->i++;
            r = get_pf(p, l);
        } else {
            return fail(p, MFW_E_FORMAT, "unexpected '%.24s' in household", peek(p));
        }
    }
    if (r != MFW_OK)
        return r;
    p->s->annual_kwh = kwh;
    l->watts = kwh * 1000.0 / (365.0 * 24.0); /* yearly mean, W */
    l->scale = l->watts / h0_week_mean();
    return MFW_OK;
}

static int d_load(struct pctx *p)
{
    const char *name = next(p);
    if (name == NULL)
        return fail(p, MFW_E_FORMAT, "missing load name");
    double first;
    const char *end;
    if (parse_number(name, &first, &end))
        return fail(p, MFW_E_FORMAT, "load needs a name before its power");
    if (strlen(name) >= sizeof p->s->loads[0].name)
        return fail(p, MFW_E_RANGE, "load name longer than 23 characters");
    uint8_t mask;
    double w;
    int r = take_phases(p, &mask);
    if (r == MFW_OK)
        r = get_qty(p, U_LOAD, true, "load power (W, kW) or current (A)", &w);
    if (r != MFW_OK)
        return r;
    const bool amps = p->last_unit == U_LOAD_AMPS;
    if (amps)
        w /= U_LOAD_AMPS;
    if (!amps && !(fabs(w) <= 100000.0))
        return fail(p, MFW_E_RANGE, "load power must be within +-100 kW");
    if (amps && !(fabs(w) <= 1000.0))
        return fail(p, MFW_E_RANGE, "load current must be within +-1000 A");
    struct scenario_load *l = new_load(p, &r);
    if (l == NULL)
        return r;
    memcpy(l->name, name, strlen(name) + 1);
    l->kind = LOAD_FIXED;
    l->in_amps = amps;
    l->amps = amps ? w : 0.0;
    l->watts = amps ? 0.0 : w;
    if (mask != 0)
        l->phase_mask = mask;
    while (r == MFW_OK && peek(p) != NULL) {
        const char *k = next(p);
        if (strcmp(k, "pf") == 0) {
            r = get_pf(p, l);
        } else if (strcmp(k, "dc") == 0) {
            double dc;
            r = get_qty(p, U_AMP, true, "dc", &dc);
            if (r == MFW_OK && !(fabs(dc) <= 1000.0))
                r = fail(p, MFW_E_RANGE, "dc must be within +-1000 A");
            if (r == MFW_OK)
                l->dc_a = dc;
        } else if (strcmp(k, "from") == 0) {
            r = get_window(p, l);
        } else if (strcmp(k, "every") == 0) {
            mfw_ms_t per = 0;
            double duty;
            r = get_duration(p, "period", &per);
            if (r == MFW_OK && per > 7 * MFW_MS_PER_DAY)
                r = fail(p, MFW_E_RANGE, "period must be at most 7 d");
            if (r == MFW_OK && per % 1000 != 0)
                r = fail(p, MFW_E_RANGE, "period must be whole seconds");
            if (r == MFW_OK)
                r = expect(p, "duty");
            if (r == MFW_OK)
                r = get_qty(p, U_PCT, true, "duty", &duty);
            if (r == MFW_OK && !(duty > 0.0 && duty <= 1.0))
                r = fail(p, MFW_E_RANGE, "duty must be in (0, 100] %%");
            if (r == MFW_OK) {
                l->period_s = (uint32_t)(per / 1000);
                l->duty = duty;
            }
        } else {
            return fail(p, MFW_E_FORMAT, "unexpected '%.24s' in load", k);
        }
    }
    return r;
}

static int d_pv(struct pctx *p)
{
    uint8_t mask;
    double w;
    int r = take_phases(p, &mask);
    if (r == MFW_OK)
        r = get_power(p, "pv peak power", &w);
    if (r != MFW_OK)
        return r;
    if (!(w > 0.0))
        return fail(p, MFW_E_RANGE, "pv peak power must be positive (it is exported)");
    if (peek(p) != NULL && strcmp(peek(p), "peak") == 0)
        p->i++;
    struct scenario_load *l = new_load(p, &r);
    if (l == NULL)
        return r;
    memcpy(l->name, "pv", sizeof "pv");
    l->kind = LOAD_PV;
    l->watts = -w;
    l->from_s = 6u * 3600u;
    l->to_s = 20u * 3600u;
    if (mask != 0)
        l->phase_mask = mask;
    while (r == MFW_OK && peek(p) != NULL) {
        const char *k = next(p);
        if (strcmp(k, "pf") == 0) {
            r = get_pf(p, l);
        } else if (strcmp(k, "from") == 0) {
            r = get_window(p, l);
            if (r == MFW_OK && l->from_s >= l->to_s)
                r = fail(p, MFW_E_RANGE, "pv: 'from' must be before 'to' (same day)");
        } else if (strcmp(k, "seasonal") == 0) {
            double a;
            r = get_qty(p, U_PCT, true, "seasonal", &a);
            if (r == MFW_OK && !(a >= 0.0 && a <= 1.0))
                r = fail(p, MFW_E_RANGE, "seasonal must be 0 .. 100 %%");
            if (r == MFW_OK)
                l->seasonal = a;
        } else {
            return fail(p, MFW_E_FORMAT, "unexpected '%.24s' in pv", k);
        }
    }
    return r;
}

/* "h:pct%" or "h:pct%@deg" words, appended to a harmonics list. */
static int get_harmonics(struct pctx *p, struct afe_harmonic *h, uint8_t *n)
{
    if (peek(p) == NULL)
        return fail(p, MFW_E_FORMAT, "harmonics: expected order:percent%%, e.g. 5:10%%");
    while (peek(p) != NULL) {
        const char *w = next(p);
        double order, pct, deg = 0.0;
        const char *q;
        if (!parse_number(w, &order, &q) || *q != ':' || !parse_number(q + 1, &pct, &q) ||
            *q != '%' ||
            (q[1] != '\0' && (q[1] != '@' || !parse_number(q + 2, &deg, &q) || *q != '\0')))
            return fail(p, MFW_E_FORMAT,
                        "harmonic '%.24s': expected order:percent%%[@degrees], e.g. 5:10%%", w);
        if (order != floor(order) || order < 2.0 || order > (double)SCN_ORDER_MAX)
            return fail(p, MFW_E_RANGE, "harmonic order must be 2 .. %d", SCN_ORDER_MAX);
        if (!(pct >= 0.0 && pct <= 100.0))
            return fail(p, MFW_E_RANGE, "harmonic amplitude must be 0 .. 100 %%");
        if (!(fabs(deg) <= 360.0))
            return fail(p, MFW_E_RANGE, "harmonic phase must be within +-360 degrees");
        if (*n >= 8)
            return fail(p, MFW_E_RANGE, "too many harmonics (at most 8 per line's target)");
        h[*n].order = (uint8_t)order;
        h[*n].amplitude = pct / 100.0;
        h[*n].phase_deg = deg;
        (*n)++;
    }
    return MFW_OK;
}

static int d_harmonics(struct pctx *p)
{
    if (p->last_load < 0)
        return fail(p, MFW_E_FORMAT, "harmonics must follow a load, household or pv line");
    struct scenario_load *l = &p->s->loads[p->last_load];
    return get_harmonics(p, l->h, &l->n_harmonics);
}

static int d_voltage_harmonics(struct pctx *p)
{
    return get_harmonics(p, p->s->v_h, &p->s->n_v_harmonics);
}

#define SCN_EVENTS_NAMED                                                                           \
    "outage, sag, swell, frequency, temperature, lost-neutral, neutral-bypass, cover, "            \
    "magnetic-field, button, welded-relay"

/* An event with only a duration (the board's: a cover open, a field, the button, a welded
 * contact; the neutral lost). The button's duration may be left out: 1 s. */
static int get_board_event(struct pctx *p, const char *kind, struct scenario_event *e)
{
    if (strcmp(kind, "cover") == 0) {
        const char *which = next(p);
        if (which == NULL || (strcmp(which, "meter") != 0 && strcmp(which, "terminal") != 0))
            return fail(p, MFW_E_FORMAT, "cover: expected 'meter' or 'terminal'");
        e->kind = which[0] == 'm' ? EV_COVER_MAIN : EV_COVER_TERMINAL;
        return get_duration(p, "cover open duration", &e->duration_ms);
    }
    if (strcmp(kind, "magnetic-field") == 0) {
        e->kind = EV_FIELD;
        return get_duration(p, "magnetic field duration", &e->duration_ms);
    }
    if (strcmp(kind, "button") == 0) {
        e->kind = EV_BUTTON;
        e->duration_ms = 1000;
        return peek(p) != NULL ? get_duration(p, "button press", &e->duration_ms) : MFW_OK;
    }
    if (strcmp(kind, "welded-relay") == 0) {
        e->kind = EV_WELD;
        return get_duration(p, "welded relay duration", &e->duration_ms);
    }
    if (strcmp(kind, "lost-neutral") == 0) {
        e->kind = EV_LOST_NEUTRAL;
        return get_duration(p, "lost neutral duration", &e->duration_ms);
    }
    if (strcmp(kind, "neutral-bypass") == 0) {
        e->kind = EV_NEUTRAL_BYPASS;
        int r = get_qty(p, U_PCT, true, "bypassed current", &e->value);
        if (r == MFW_OK && !(e->value > 0.0 && e->value <= 1.0))
            r = fail(p, MFW_E_RANGE, "bypassed current must be 0 .. 100 %% of the load's");
        return r == MFW_OK ? get_duration(p, "neutral bypass duration", &e->duration_ms) : r;
    }
    return fail(p, MFW_E_FORMAT, "unknown event '%.24s' (" SCN_EVENTS_NAMED ")", kind);
}

static int d_at(struct pctx *p)
{
    mfw_ms_t at = 0;
    int r;
    if (p->has_now && peek(p) != NULL && strcmp(peek(p), "now") == 0) {
        p->i++;
        at = p->now;
    } else {
        r = get_iso(p, &at);
        if (r != MFW_OK)
            return r;
    }
    const char *kind = next(p);
    if (kind == NULL)
        return fail(p, MFW_E_FORMAT, "missing event after the time (" SCN_EVENTS_NAMED ")");
    if (p->s->n_events >= SCENARIO_EVENTS_MAX)
        return fail(p, MFW_E_RANGE, "too many events (at most %d)", SCENARIO_EVENTS_MAX);
    struct scenario_event e;
    memset(&e, 0, sizeof e);
    e.at_ms = at;
    r = take_phases(p, &e.phase_mask);
    if (r != MFW_OK)
        return r;
    if (e.phase_mask == 0)
        e.phase_mask = 0x7u;
    if (strcmp(kind, "outage") == 0) {
        e.kind = EV_OUTAGE;
        r = get_duration(p, "outage duration", &e.duration_ms);
    } else if (strcmp(kind, "sag") == 0 || strcmp(kind, "swell") == 0) {
        bool sag = kind[1] == 'a';
        e.kind = sag ? EV_SAG : EV_SWELL;
        r = get_qty(p, U_PCT, true, sag ? "sag voltage" : "swell voltage", &e.value);
        if (r == MFW_OK && sag && !(e.value > 0.0 && e.value < 1.0))
            r = fail(p, MFW_E_RANGE, "sag voltage must be between 0 and 100 %% of nominal");
        if (r == MFW_OK && !sag && !(e.value > 1.0 && e.value <= 2.0))
            r = fail(p, MFW_E_RANGE, "swell voltage must be between 100 and 200 %% of nominal");
        if (r == MFW_OK)
            r = get_duration(p, sag ? "sag duration" : "swell duration", &e.duration_ms);
    } else if (strcmp(kind, "frequency") == 0 && peek(p) != NULL && strcmp(peek(p), "ramp") == 0) {
        p->i++;
        e.kind = EV_RAMP;
        r = get_qty(p, U_HZ, false, "frequency", &e.value);
        if (r == MFW_OK)
            r = check_freq(p, e.value);
        if (r == MFW_OK)
            r = expect(p, "over");
        if (r == MFW_OK)
            r = get_duration(p, "ramp duration", &e.duration_ms);
    } else if (strcmp(kind, "temperature") == 0) {
        e.kind = EV_TEMP;
        r = get_qty(p, U_TEMP, false, "temperature", &e.value);
        if (r == MFW_OK)
            r = check_temp(p, e.value);
        if (r == MFW_OK && peek(p) != NULL) {
            r = expect(p, "for");
            if (r == MFW_OK)
                r = get_duration(p, "temperature duration", &e.duration_ms);
        }
    } else if (strcmp(kind, "frequency") == 0) {
        e.kind = EV_FREQ;
        r = get_qty(p, U_HZ, false, "frequency", &e.value);
        if (r == MFW_OK)
            r = check_freq(p, e.value);
        if (r == MFW_OK && peek(p) != NULL) {
            r = expect(p, "for");
            if (r == MFW_OK)
                r = get_duration(p, "frequency duration", &e.duration_ms);
        }
    } else {
        r = get_board_event(p, kind, &e);
    }
    if (r != MFW_OK)
        return r;
    p->s->events[p->s->n_events++] = e;
    return MFW_OK;
}

struct directive {
    const char *word;
    int (*fn)(struct pctx *p);
};

static const struct directive directives[] = {
    {"name", d_name},
    {"phases", d_phases},
    {"voltage", d_voltage},
    {"frequency", d_frequency},
    {"utc-offset", d_utc_offset},
    {"seed", d_seed},
    {"household", d_household},
    {"load", d_load},
    {"pv", d_pv},
    {"harmonics", d_harmonics},
    {"voltage-harmonics", d_voltage_harmonics},
    {"at", d_at},
    {"temperature", d_temperature},
    {"sensors", d_sensors},
    {"noise", d_noise},
    {NULL, NULL},
};

/* One line (without its newline) into words, then its directive. */
static int parse_line(struct pctx *p, const char *text, size_t len)
{
    char buf[SCN_LINE_MAX + 1];
    if (len > SCN_LINE_MAX)
        return fail(p, MFW_E_FORMAT, "line longer than %d characters", SCN_LINE_MAX);
    if (len > 0 && text[len - 1] == '\r')
        len--;
    memcpy(buf, text, len);
    buf[len] = '\0';
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)buf[k];
        if (c == '#') {
            buf[k] = '\0';
            len = k;
            break;
        }
        if (c == '\t')
            buf[k] = ' ';
        else if (c < 0x20 || c >= 0x7f)
            return fail(p, MFW_E_FORMAT, "invalid character 0x%02x (ASCII text only)", c);
    }
    p->n = p->i = 0;
    for (char *q = buf; *q != '\0';) {
        while (*q == ' ')
            *q++ = '\0';
        if (*q == '\0')
            break;
        if (p->n >= SCN_WORDS_MAX)
            return fail(p, MFW_E_FORMAT, "more than %d words on a line", SCN_WORDS_MAX);
        p->w[p->n++] = q;
        while (*q != '\0' && *q != ' ')
            q++;
    }
    if (p->n == 0)
        return MFW_OK;
    const char *d = next(p);
    for (const struct directive *k = directives; k->word != NULL; k++) {
        if (strcmp(k->word, d) == 0) {
            int r = k->fn(p);
            if (r != MFW_OK)
                return r;
            if (peek(p) != NULL)
                return fail(p, MFW_E_FORMAT, "unexpected '%.24s' after %s", peek(p), d);
            return MFW_OK;
        }
    }
    return fail(p, MFW_E_FORMAT, "unknown directive '%.24s'", d);
}

int scenario_parse(struct scenario *s, const char *text, size_t len, uint8_t phases,
                   struct scenario_error *err)
{
    struct scenario_error dummy;
    if (err == NULL)
        err = &dummy;
    memset(err, 0, sizeof *err);
    if (s == NULL || (text == NULL && len > 0) || (phases != 1 && phases != 3) ||
        phases > MFW_PHASES_MAX) {
        snprintf(err->msg, sizeof err->msg, "bad arguments");
        return MFW_E_ARG;
    }
    memset(s, 0, sizeof *s);
    s->phases = phases;
    for (unsigned k = 0; k < MFW_PHASES_MAX; k++)
        s->u_nominal[k] = 230.0;
    s->freq_hz = 50.0;
    s->seed = 1;
    s->temperature_c = 23.0; /* IEC 62052-11 reference */
    struct pctx p = {.s = s, .err = err, .meter_phases = phases, .last_load = -1};
    size_t pos = 0;
    while (pos < len) {
        p.line++;
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        int r = parse_line(&p, text + pos, e - pos);
        if (r != MFW_OK)
            return r;
        pos = e < len ? e + 1 : e;
    }
    /* A single-phase meter has every circuit of the household on its one phase: loads written
     * for L2/L3 move to L1. Grid settings and events for L2/L3 do not reach it (masked at
     * evaluation). */
    if (s->phases == 1)
        for (unsigned k = 0; k < s->n_loads; k++)
            s->loads[k].phase_mask = 1u;
    return MFW_OK;
}

int scenario_inject(struct scenario *s, mfw_ms_t now, const char *text, size_t len,
                    struct scenario_error *err)
{
    struct scenario_error dummy;
    if (err == NULL)
        err = &dummy;
    memset(err, 0, sizeof *err);
    static const char prefix[] = "at now ";
    char buf[SCN_LINE_MAX + 1];
    size_t pn = sizeof prefix - 1u;
    if (s == NULL || (text == NULL && len > 0)) {
        snprintf(err->msg, sizeof err->msg, "bad arguments");
        return MFW_E_ARG;
    }
    if (len > 0 && text[len - 1] == '\r')
        len--;
    if (len == 0 || len > SCN_LINE_MAX - pn) {
        snprintf(err->msg, sizeof err->msg, "an event of 1 .. %u characters",
                 (unsigned)(SCN_LINE_MAX - pn));
        return MFW_E_FORMAT;
    }
    if (len >= 3 && memcmp(text, "at ", 3) == 0)
        pn = 0; /* an event with its own instant */
    memcpy(buf, prefix, pn);
    memcpy(buf + pn, text, len);
    struct scenario copy = *s; /* a refused line changes nothing */
    struct pctx p = {.s = &copy,
                     .err = err,
                     .meter_phases = s->phases,
                     .last_load = -1,
                     .has_now = true,
                     .now = now};
    p.line = 1;
    int r = parse_line(&p, buf, pn + len);
    if (r == MFW_OK && copy.n_events == s->n_events) {
        snprintf(err->msg, sizeof err->msg, "no event");
        return MFW_E_FORMAT;
    }
    if (r == MFW_OK)
        *s = copy;
    return r;
}

/* ---------------------------------------------------------------------------------------------
 * Evaluation */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Start of the first on-time of a cycling load, ms: deterministic from seed and load index, so
 * two fridges do not switch in step. */
static int64_t cycle_offset(const struct scenario *s, unsigned idx, int64_t period_ms)
{
    uint64_t h = mix64(((uint64_t)s->seed << 32) ^ (0x9E3779B97F4A7C15ull * (idx + 1u)));
    return (int64_t)(h % (uint64_t)period_ms);
}

static int64_t on_ms(const struct scenario_load *l)
{
    return llround(l->duty * (double)l->period_s * 1000.0);
}

static bool window_on(const struct scenario_load *l, int64_t local_ms)
{
    if (l->from_s == l->to_s)
        return true;
    int64_t sod = floor_mod(local_ms, MFW_MS_PER_DAY);
    int64_t f = (int64_t)l->from_s * 1000, to = (int64_t)l->to_s * 1000;
    return f < to ? (sod >= f && sod < to) : (sod >= f || sod < to);
}

static bool cycle_on(const struct scenario *s, unsigned idx, const struct scenario_load *l,
                     mfw_ms_t t)
{
    if (l->period_s == 0)
        return true;
    int64_t per = (int64_t)l->period_s * 1000;
    return floor_mod(t - cycle_offset(s, idx, per), per) < on_ms(l);
}

/* Total power of a load at t (W, signed: export < 0), before the split over phases. */
static double load_power(const struct scenario *s, unsigned idx, mfw_ms_t t)
{
    const struct scenario_load *l = &s->loads[idx];
    int64_t local = t + (int64_t)s->utc_offset_s * 1000;
    int64_t minute = floor_div(local, SCN_MS_PER_MIN);
    int64_t day = floor_div(minute, 1440);
    int64_t mod = minute - day * 1440;
    switch (l->kind) {
    case LOAD_H0: return l->scale * h0_shape(day_type(day), mod) * h0_season(day);
    case LOAD_PV: {
        double sod = ((double)mod + 0.5) * 60.0;
        double f = (double)l->from_s, to = (double)l->to_s;
        if (sod <= f || sod >= to)
            return 0.0;
        return l->watts * sin(SCN_PI * (sod - f) / (to - f)) * pv_season(l->seasonal, day);
    }
    default: return window_on(l, local) && cycle_on(s, idx, l, t) ? l->watts : 0.0;
    }
}

/* The permanent frequency in force at t: the base, the latest step at or before t, or a ramp
 * (linear from the permanent frequency before it to its value over its duration, then its
 * value). *slope: Hz/s at t (a ramp's). Ramps nest at most SCN_RAMP_DEPTH deep. */
#define SCN_RAMP_DEPTH 8
static double permanent_frequency(const struct scenario *s, mfw_ms_t t, double *slope,
                                  unsigned depth)
{
    double f = s->freq_hz;
    mfw_ms_t best = INT64_MIN;
    const struct scenario_event *last = NULL;
    for (unsigned k = 0; k < s->n_events; k++) {
        const struct scenario_event *e = &s->events[k];
        bool perm = (e->kind == EV_FREQ && e->duration_ms == 0) || e->kind == EV_RAMP;
        if (!perm || e->at_ms > t || e->at_ms < best)
            continue;
        best = e->at_ms;
        last = e;
    }
    *slope = 0.0;
    if (last == NULL)
        return f;
    if (last->kind == EV_RAMP && t - last->at_ms < last->duration_ms && depth < SCN_RAMP_DEPTH) {
        double s0;
        double f0 = permanent_frequency(s, last->at_ms - 1, &s0, depth + 1);
        *slope = (last->value - f0) / ((double)last->duration_ms / 1000.0);
        return f0 + *slope * (double)(t - last->at_ms) / 1000.0;
    }
    return last->value;
}

static double frequency_at(const struct scenario *s, mfw_ms_t t, double *slope)
{
    double f = permanent_frequency(s, t, slope, 0);
    mfw_ms_t best_tmp = INT64_MIN;
    double f_tmp = 0.0;
    for (unsigned k = 0; k < s->n_events; k++) {
        const struct scenario_event *e = &s->events[k];
        if (e->kind != EV_FREQ || e->duration_ms == 0 || e->at_ms > t)
            continue;
        if (t - e->at_ms < e->duration_ms && e->at_ms >= best_tmp) {
            best_tmp = e->at_ms;
            f_tmp = e->value;
        }
    }
    if (best_tmp != INT64_MIN) {
        *slope = 0.0;
        return f_tmp;
    }
    return f;
}

/* The ambient temperature at t, as the frequency: the latest permanent change, a temporary one
 * overriding it for its duration. */
static double temperature_at(const struct scenario *s, mfw_ms_t t)
{
    double c = s->temperature_c, c_tmp = 0.0;
    mfw_ms_t best = INT64_MIN, best_tmp = INT64_MIN;
    for (unsigned k = 0; k < s->n_events; k++) {
        const struct scenario_event *e = &s->events[k];
        if (e->kind != EV_TEMP || e->at_ms > t)
            continue;
        if (e->duration_ms == 0) {
            if (e->at_ms >= best) {
                best = e->at_ms;
                c = e->value;
            }
        } else if (t - e->at_ms < e->duration_ms && e->at_ms >= best_tmp) {
            best_tmp = e->at_ms;
            c_tmp = e->value;
        }
    }
    return best_tmp != INT64_MIN ? c_tmp : c;
}

/* Accumulated phasors of one phase current: rms, angle in the afe.h sin convention. */
struct phasors {
    double re[SCN_ORDER_MAX + 1], im[SCN_ORDER_MAX + 1];
};

static void add_polar(struct phasors *ph, unsigned h, double rms, double ang)
{
    ph->re[h] += rms * cos(ang);
    ph->im[h] += rms * sin(ang);
}

static void phasors_to_wave(const struct phasors *ph, struct afe_wave *w)
{
    memset(w, 0, sizeof *w);
    double i1 = hypot(ph->re[1], ph->im[1]);
    double a1 = atan2(ph->im[1], ph->re[1]);
    w->rms = i1;
    w->phase_deg = a1 * (180.0 / SCN_PI);
    /* Harmonics are stored relative to the fundamental; with (next to) no fundamental left
     * (loads cancelling exactly) they are dropped, a documented simplification. */
    if (!(i1 > 1e-9))
        return;
    for (unsigned h = 2; h <= SCN_ORDER_MAX && w->n_harmonics < AFE_HARMONICS_MAX; h++) {
        double m = hypot(ph->re[h], ph->im[h]);
        if (m == 0.0)
            continue;
        struct afe_harmonic *x = &w->h[w->n_harmonics++];
        x->order = (uint8_t)h;
        x->amplitude = m / i1;
        x->phase_deg =
            afe_wrap180((atan2(ph->im[h], ph->re[h]) - (double)h * a1) * (180.0 / SCN_PI));
    }
}

static unsigned popcount3(unsigned m)
{
    return (m & 1u) + ((m >> 1) & 1u) + ((m >> 2) & 1u);
}

/* A lost neutral behind the meter's phases (3 phases): the loads, constant impedances Y_k =
 * I_k / U_k at the fundamental, form a star whose point floats to U_N = sum(Y_k U_k) / sum(Y_k)
 * (Millman's theorem); each phase then sees U_k - U_N and carries Y_k (U_k - U_N), and the
 * neutral carries nothing (the currents sum to 0). A symmetric load keeps U_N = 0: nothing
 * changes. No load: nothing to displace the star point (the meter's own inputs are a balanced
 * star). On one phase the neutral cut at the meter leaves it no voltage while the load goes on
 * drawing its current through earth (neutral.h: voltage loss with current flowing). Harmonics
 * keep their share of their fundamental. */
static void lose_neutral(struct afe_state *out, struct phasors *cur, unsigned np)
{
    if (np == 1) {
        out->ph[0].v.rms = 0.0;
        out->ph[0].v.n_harmonics = 0;
        out->neutral_explicit = true;
        memset(&out->n, 0, sizeof out->n);
        return;
    }
    double ur[3], ui[3], yr[3] = {0}, yi[3] = {0}, syr = 0, syi = 0, nr = 0, ni = 0;
    for (unsigned k = 0; k < np; k++) {
        double a = out->ph[k].v.phase_deg * (SCN_PI / 180.0), u = out->ph[k].v.rms;
        ur[k] = u * cos(a);
        ui[k] = u * sin(a);
        double d = ur[k] * ur[k] + ui[k] * ui[k];
        if (d > 0.0) { /* Y = I / U */
            yr[k] = (cur[k].re[1] * ur[k] + cur[k].im[1] * ui[k]) / d;
            yi[k] = (cur[k].im[1] * ur[k] - cur[k].re[1] * ui[k]) / d;
        }
        syr += yr[k];
        syi += yi[k];
        nr += yr[k] * ur[k] - yi[k] * ui[k];
        ni += yr[k] * ui[k] + yi[k] * ur[k];
    }
    double sd = syr * syr + syi * syi;
    if (!(sd > 1e-18))
        return;
    double unr = (nr * syr + ni * syi) / sd, uni = (ni * syr - nr * syi) / sd;
    for (unsigned k = 0; k < np; k++) {
        double vr = ur[k] - unr, vi = ui[k] - uni;
        double u0 = hypot(ur[k], ui[k]), u1 = hypot(vr, vi);
        double shift = atan2(vi, vr) - atan2(ui[k], ur[k]);
        double g = u0 > 0.0 ? u1 / u0 : 0.0;
        out->ph[k].v.rms = u1;
        out->ph[k].v.phase_deg = afe_wrap180(atan2(vi, vr) * (180.0 / SCN_PI));
        /* every current order turns with its fundamental: order h by h x shift */
        for (unsigned h = 1; h <= SCN_ORDER_MAX; h++) {
            double c = cos((double)h * shift), sn = sin((double)h * shift);
            double re = cur[k].re[h] * g, im = cur[k].im[h] * g;
            cur[k].re[h] = re * c - im * sn;
            cur[k].im[h] = re * sn + im * c;
        }
    }
}

void scenario_at(const struct scenario *s, mfw_ms_t t, struct afe_state *out)
{
    static const double vang[3] = {0.0, -120.0, 120.0};
    memset(out, 0, sizeof *out);
    out->freq_hz = frequency_at(s, t, &out->drift_hz_per_s);
    out->neutral_explicit = false;
    out->ambient_offset_c = temperature_at(s, t) - 23.0;
    unsigned np = s->phases <= MFW_PHASES_MAX && s->phases <= 3 ? s->phases : 1;
    unsigned all = (1u << np) - 1u;
    double factor[3] = {1.0, 1.0, 1.0};
    for (unsigned k = 0; k < s->n_events; k++) {
        const struct scenario_event *e = &s->events[k];
        if ((e->kind != EV_OUTAGE && e->kind != EV_SAG && e->kind != EV_SWELL) || t < e->at_ms ||
            t - e->at_ms >= e->duration_ms)
            continue;
        double v = e->kind == EV_OUTAGE ? 0.0 : e->value;
        for (unsigned ph = 0; ph < np; ph++)
            if (e->phase_mask & (1u << ph))
                factor[ph] *= v;
    }
    struct phasors cur[3];
    memset(cur, 0, sizeof cur);
    for (unsigned ph = 0; ph < np; ph++) {
        struct afe_wave *v = &out->ph[ph].v;
        v->rms = s->u_nominal[ph] * factor[ph];
        v->phase_deg = vang[ph];
        v->n_harmonics = s->n_v_harmonics <= 8 ? s->n_v_harmonics : 8;
        for (unsigned k = 0; k < v->n_harmonics; k++)
            v->h[k] = s->v_h[k];
    }
    for (unsigned k = 0; k < s->n_loads && k < SCENARIO_LOADS_MAX; k++) {
        const struct scenario_load *l = &s->loads[k];
        unsigned mask = l->phase_mask & all;
        if (mask == 0 || !(l->pf > 0.0 && l->pf <= 1.0))
            continue;
        double pw = load_power(s, k, t);
        bool on = l->in_amps
                      ? window_on(l, t + (int64_t)s->utc_offset_s * 1000) && cycle_on(s, k, l, t)
                      : pw != 0.0;
        if (!on || (l->in_amps && l->amps == 0.0 && l->dc_a == 0.0))
            continue;
        double share = l->in_amps ? l->amps : pw / (double)popcount3(mask);
        double phi = acos(l->pf) * (l->capacitive ? -1.0 : 1.0);
        double flip = share < 0.0 ? SCN_PI : 0.0; /* export: the whole waveform inverted */
        for (unsigned ph = 0; ph < np; ph++) {
            double un = s->u_nominal[ph];
            if (!(mask & (1u << ph)) || !(un > 0.0) || factor[ph] == 0.0)
                continue;
            /* I = P/(Un*PF) at nominal voltage; constant impedance: it follows the voltage.
             * A load in amps is a constant current (while its phase has voltage), and so is
             * its DC. */
            double irms = l->in_amps ? fabs(share) : fabs(share) / (un * l->pf) * factor[ph];
            out->ph[ph].i.dc += l->dc_a;
            double base = vang[ph] * (SCN_PI / 180.0) - phi;
            add_polar(&cur[ph], 1, irms, base + flip);
            for (unsigned h = 0; h < l->n_harmonics && h < 8; h++) {
                unsigned o = l->h[h].order;
                if (o < 2 || o > SCN_ORDER_MAX)
                    continue;
                add_polar(&cur[ph], o, irms * l->h[h].amplitude,
                          (double)o * base + l->h[h].phase_deg * (SCN_PI / 180.0) + flip);
            }
        }
    }
    /* the neutral: lost (a floating star point) or partly bypassed */
    bool lost = false;
    double bypass = 0.0;
    for (unsigned k = 0; k < s->n_events; k++) {
        const struct scenario_event *e = &s->events[k];
        if (t < e->at_ms || t - e->at_ms >= e->duration_ms)
            continue;
        if (e->kind == EV_LOST_NEUTRAL)
            lost = true;
        else if (e->kind == EV_NEUTRAL_BYPASS && e->value > bypass)
            bypass = e->value;
    }
    if (lost)
        lose_neutral(out, cur, np);
    if (bypass > 0.0 && !lost) {
        /* the meter's neutral carries (1 - bypass) of the return current; the rest goes round
         * it (earth, a bypass): Kirchhoff's -(sum of the phase currents), scaled */
        struct phasors n;
        memset(&n, 0, sizeof n);
        for (unsigned ph = 0; ph < np; ph++)
            for (unsigned h = 1; h <= SCN_ORDER_MAX; h++) {
                n.re[h] -= cur[ph].re[h] * (1.0 - bypass);
                n.im[h] -= cur[ph].im[h] * (1.0 - bypass);
            }
        out->neutral_explicit = true;
        phasors_to_wave(&n, &out->n);
    }
    for (unsigned ph = 0; ph < np; ph++) {
        double dc = out->ph[ph].i.dc;
        phasors_to_wave(&cur[ph], &out->ph[ph].i);
        out->ph[ph].i.dc = dc;
    }
}

uint32_t scenario_inputs_at(const struct scenario *s, mfw_ms_t t)
{
    uint32_t in = 0;
    for (unsigned k = 0; k < s->n_events && k < SCENARIO_EVENTS_MAX; k++) {
        const struct scenario_event *e = &s->events[k];
        if (t < e->at_ms || t - e->at_ms >= e->duration_ms)
            continue;
        switch (e->kind) {
        case EV_COVER_MAIN: in |= SCENARIO_IN_METER_COVER; break;
        case EV_COVER_TERMINAL: in |= SCENARIO_IN_TERMINAL_COVER; break;
        case EV_FIELD: in |= SCENARIO_IN_MAGNETIC_FIELD; break;
        case EV_BUTTON: in |= SCENARIO_IN_BUTTON; break;
        case EV_WELD: in |= SCENARIO_IN_WELDED; break;
        default: break;
        }
    }
    return in;
}

static void earliest(mfw_ms_t *best, mfw_ms_t t, mfw_ms_t cand)
{
    if (cand > t && cand < *best)
        *best = cand;
}

mfw_ms_t scenario_next_change(const struct scenario *s, mfw_ms_t t)
{
    int64_t off = (int64_t)s->utc_offset_s * 1000; /* whole minutes (parser) */
    int64_t local = t + off;
    /* The household shape and PV are constant within a local minute. */
    mfw_ms_t best = (floor_div(local, SCN_MS_PER_MIN) + 1) * SCN_MS_PER_MIN - off;
    int64_t day0 = floor_div(local, MFW_MS_PER_DAY) * MFW_MS_PER_DAY; /* local midnight */
    for (unsigned k = 0; k < s->n_loads && k < SCENARIO_LOADS_MAX; k++) {
        const struct scenario_load *l = &s->loads[k];
        if (l->kind != LOAD_FIXED)
            continue;
        if (l->from_s != l->to_s) {
            uint32_t edges[2] = {l->from_s, l->to_s};
            for (unsigned e = 0; e < 2; e++) {
                int64_t c = day0 + (int64_t)edges[e] * 1000;
                if (c <= local)
                    c += MFW_MS_PER_DAY;
                earliest(&best, t, c - off);
            }
        }
        if (l->period_s > 0) {
            int64_t per = (int64_t)l->period_s * 1000;
            int64_t on = on_ms(l);
            if (on > 0 && on < per) {
                int64_t pos = floor_mod(t - cycle_offset(s, k, per), per);
                earliest(&best, t, pos < on ? t - pos + on : t - pos + per);
            }
        }
    }
    for (unsigned k = 0; k < s->n_events; k++) {
        const struct scenario_event *e = &s->events[k];
        earliest(&best, t, e->at_ms);
        if (e->duration_ms > 0)
            earliest(&best, t, e->at_ms + e->duration_ms);
    }
    return best;
}
