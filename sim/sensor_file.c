/* SPDX-License-Identifier: Apache-2.0 */
/* sensor_file: see sensor_file.h. Table-driven: each key names a double of struct sensor_phase or
 * struct sensor_set, the factor from the file's unit to the struct's SI unit, and the range in
 * the file's unit. */
#include "sensor_file.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "meterfw/base/error.h"

#define LINE_MAX_CHARS 200

enum scope { PHASE, SET };

struct key {
    const char *name;
    enum scope scope;
    size_t offset;
    double factor; /* file unit -> struct unit */
    double lo, hi; /* in the file's unit */
};

#define PH(field) PHASE, offsetof(struct sensor_phase, field)
#define ST(field) SET, offsetof(struct sensor_set, field)

static const struct key keys[] = {
    {"shunt.r23_uohm", PH(shunt.r23_ohm), 1e-6, 10.0, 10000.0},
    {"shunt.alpha_ppm", PH(shunt.alpha_ppm), 1.0, -200.0, 200.0},
    {"shunt.beta_ppm", PH(shunt.beta_ppm), 1.0, -10.0, 10.0},
    {"shunt.cu_tcr_ppm", PH(shunt.cu_tcr_ppm), 1.0, -500.0, 5000.0},
    {"shunt.l_nh", PH(shunt.l_h), 1e-9, 0.0, 100.0},
    {"shunt.rth_k_per_w", PH(shunt.rth_k_per_w), 1.0, 0.0, 100.0},
    {"shunt.tau_element_s", PH(shunt.tau_element_s), 1.0, 0.0, 10000.0},
    {"shunt.case_k_per_a2", PH(shunt.case_k_per_a2), 1.0, 0.0, 1.0},
    {"shunt.tau_case_s", PH(shunt.tau_case_s), 1.0, 0.0, 100000.0},
    {"shunt.emf_uv_per_k", PH(shunt.emf_v_per_k), 1e-6, -100.0, 100.0},
    {"shunt.emf_dt_k_per_a", PH(shunt.emf_dt_k_per_a), 1.0, 0.0, 10.0},
    {"divider.ratio", PH(divider.ratio), 1.0, 1.0, 1e6},
    {"divider.tc_ppm", PH(divider.tc_ppm), 1.0, -1000.0, 1000.0},
    {"divider.vcr_ppm_per_v", PH(divider.vcr_ppm_per_v), 1.0, -1000.0, 1000.0},
    {"xt_db", PH(xt_db), 1.0, -200.0, 0.0},
    {"xt_phase_deg", PH(xt_phase_deg), 1.0, -360.0, 360.0},
#define ADC_KEYS(ch)                                                                               \
    {#ch ".fs_mv", PH(ch.fs_volts), 1e-3, 1.0, 10000.0},                                           \
        {#ch ".gain_error_pct", PH(ch.gain_error), 0.01, -20.0, 20.0},                             \
        {#ch ".tc1_ppm", PH(ch.tc1_ppm), 1.0, -1000.0, 1000.0},                                    \
        {#ch ".tc2_ppm", PH(ch.tc2_ppm), 1.0, -10.0, 10.0},                                        \
        {#ch ".offset_uv", PH(ch.offset_v), 1e-6, -100000.0, 100000.0},                            \
        {#ch ".offset_tc_uv_per_k", PH(ch.offset_tc_v_per_k), 1e-6, -1000.0, 1000.0},              \
        {#ch ".inl3_ppm", PH(ch.inl3_ppm), 1.0, -1000.0, 1000.0},                                  \
        {#ch ".inl2_ppm", PH(ch.inl2_ppm), 1.0, -1000.0, 1000.0},                                  \
        {#ch ".snr_db", PH(ch.snr_db), 1.0, 0.0, 160.0},                                           \
        {#ch ".flicker_hz", PH(ch.flicker_hz), 1.0, 0.0, 1000.0},                                  \
        {#ch ".aaf_r_ohm", PH(ch.aaf_r_ohm), 1.0, 0.0, 1e6},                                       \
        {#ch ".aaf_c_nf", PH(ch.aaf_c_f), 1e-9, 0.0, 1e6},                                         \
    {                                                                                              \
#ch ".delay_us", PH(ch.delay_s), 1e-6, -1000.0, 1000.0                                     \
    }
    ADC_KEYS(v_adc),
    ADC_KEYS(i_adc),
#undef ADC_KEYS
    {"clock.ppm", ST(clock.ppm), 1.0, -1000.0, 1000.0},
    {"clock.b_ppm_per_k2", ST(clock.b_ppm_per_k2), 1.0, -1.0, 1.0},
    {"clock.turnover_c", ST(clock.turnover_c), 1.0, -60.0, 100.0},
    {"clock.jitter_ps", ST(clock.jitter_s), 1e-12, 0.0, 1e6},
    {"tsense.offset_c", ST(tsense.offset_c), 1.0, -50.0, 50.0},
    {"tsense.gain_error_pct", ST(tsense.gain_error), 0.01, -50.0, 50.0},
    {"tsense.resolution_c", ST(tsense.resolution_c), 1.0, 0.0, 10.0},
};

struct ctx {
    struct sensor_set *s;
    uint8_t phases;
    double imax;
    struct sensor_file_error *err;
    unsigned line;
    bool any_key;
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(struct ctx *c, int code, const char *fmt, ...)
{
    c->err->line = c->line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err->msg, sizeof c->err->msg, fmt, ap);
    va_end(ap);
    return code;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Strict decimal, the whole word: [+-]digits[.digits], at most 15 digits. */
static bool number(const char *w, double *v)
{
    const char *q = w;
    bool neg = false;
    if (*q == '+' || *q == '-')
        neg = *q++ == '-';
    double x = 0.0, scale = 1.0;
    unsigned digits = 0, before;
    while (is_digit(*q)) {
        x = x * 10.0 + (*q++ - '0');
        digits++;
    }
    before = digits;
    if (*q == '.' && is_digit(q[1])) {
        q++;
        while (is_digit(*q)) {
            x = x * 10.0 + (*q++ - '0');
            scale *= 10.0;
            digits++;
        }
    }
    if (*q != '\0' || before == 0 || digits > 15)
        return false;
    *v = (neg ? -x : x) / scale;
    return true;
}

static bool whole(const char *w, uint64_t max, uint64_t *v)
{
    double d;
    if (!number(w, &d) || d < 0.0 || d != (double)(uint64_t)d || d > (double)max)
        return false;
    *v = (uint64_t)d;
    return true;
}

/* The phases a key applies to: L1..L3 (bits 0..2), N (bit 3), none given = all phases. */
static int target(struct ctx *c, const char **key, unsigned *mask)
{
    const char *k = *key;
    *mask = (1u << c->phases) - 1u;
    if (k[0] == 'L' && k[1] >= '1' && k[1] <= '3' && k[2] == '.') {
        unsigned p = (unsigned)(k[1] - '1');
        if (p >= c->phases)
            return fail(c, MFW_E_RANGE, "phase L%u: this meter has %u", p + 1, c->phases);
        *mask = 1u << p;
        *key = k + 3;
    } else if (k[0] == 'N' && k[1] == '.') {
        *mask = 1u << 3;
        *key = k + 2;
    }
    return MFW_OK;
}

static struct sensor_phase *phase_of(struct ctx *c, unsigned bit)
{
    return bit == 3 ? &c->s->neutral : &c->s->ph[bit];
}

static int assign(struct ctx *c, const char *key, const char *val)
{
    unsigned mask;
    int r = target(c, &key, &mask);
    if (r != MFW_OK)
        return r;
    if (strcmp(key, "current") == 0) {
        if (mask & (1u << 3))
            return fail(c, MFW_E_RANGE, "the neutral channel is a shunt");
        bool ct = strcmp(val, "ct") == 0;
        if (!ct && strcmp(val, "shunt") != 0)
            return fail(c, MFW_E_FORMAT, "current: shunt or ct, got '%.24s'", val);
        struct sensor_set tmp = *c->s;
        sensor_set_use_ct(&tmp);
        for (unsigned b = 0; b < 3; b++)
            if (mask & (1u << b)) {
                c->s->ph[b].current_kind = ct ? SENSOR_CT : SENSOR_SHUNT;
                c->s->ph[b].ct = tmp.ph[b].ct;
            }
        return MFW_OK;
    }
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const struct key *d = &keys[k];
        if (strcmp(d->name, key) != 0)
            continue;
        double v;
        if (!number(val, &v))
            return fail(c, MFW_E_FORMAT, "%s: expected a number, got '%.24s'", key, val);
        if (!(v >= d->lo && v <= d->hi))
            return fail(c, MFW_E_RANGE, "%s must be between %g and %g", key, d->lo, d->hi);
        if (d->scope == SET) {
            if (mask != (1u << c->phases) - 1u)
                return fail(c, MFW_E_FORMAT, "%s belongs to the meter, not a phase", key);
            memcpy((char *)c->s + d->offset, &(double){v * d->factor}, sizeof(double));
        } else {
            for (unsigned b = 0; b < 4; b++)
                if (mask & (1u << b))
                    memcpy((char *)phase_of(c, b) + d->offset, &(double){v * d->factor},
                           sizeof(double));
        }
        return MFW_OK;
    }
    return fail(c, MFW_E_FORMAT, "unknown key '%.40s'", key);
}

/* "base typical" or "base unit lot L N". */
static int base(struct ctx *c, char **w, unsigned n)
{
    if (c->any_key)
        return fail(c, MFW_E_FORMAT, "base must come before the keys");
    if (n == 2 && strcmp(w[1], "typical") == 0) {
        sensor_set_typical(c->s, c->phases, c->imax);
        return MFW_OK;
    }
    uint64_t lot, unit;
    if (n == 5 && strcmp(w[1], "unit") == 0 && strcmp(w[2], "lot") == 0) {
        if (!whole(w[3], UINT32_MAX, &lot) || !whole(w[4], UINT32_MAX, &unit))
            return fail(c, MFW_E_RANGE, "base unit lot L N: whole numbers 0..4294967295");
        sensor_set_draw(c->s, c->phases, c->imax, lot, unit);
        return MFW_OK;
    }
    return fail(c, MFW_E_FORMAT, "base: typical, or unit lot L N");
}

static int line(struct ctx *c, const char *text, size_t len)
{
    char buf[LINE_MAX_CHARS + 1];
    if (len > LINE_MAX_CHARS)
        return fail(c, MFW_E_FORMAT, "line longer than %d characters", LINE_MAX_CHARS);
    if (len > 0 && text[len - 1] == '\r')
        len--;
    memcpy(buf, text, len);
    buf[len] = '\0';
    for (size_t k = 0; k < len; k++) {
        unsigned char ch = (unsigned char)buf[k];
        if (ch == '#') {
            buf[k] = '\0';
            break;
        }
        if (ch == '\t' || ch == '=')
            buf[k] = ' ';
        else if (ch < 0x20 || ch >= 0x7f)
            return fail(c, MFW_E_FORMAT, "invalid character 0x%02x (ASCII text only)", ch);
    }
    char *w[6];
    unsigned n = 0;
    for (char *q = buf; *q != '\0';) {
        while (*q == ' ')
            *q++ = '\0';
        if (*q == '\0')
            break;
        if (n >= 6)
            return fail(c, MFW_E_FORMAT, "too many words");
        w[n++] = q;
        while (*q != '\0' && *q != ' ')
            q++;
    }
    if (n == 0)
        return MFW_OK;
    if (strcmp(w[0], "base") == 0)
        return base(c, w, n);
    if (n != 2)
        return fail(c, MFW_E_FORMAT, "expected 'key = value'");
    c->any_key = true;
    return assign(c, w[0], w[1]);
}

int sensor_file_parse(struct sensor_set *s, uint8_t phases, double imax_a, const char *text,
                      size_t len, struct sensor_file_error *err)
{
    struct sensor_file_error dummy;
    if (err == NULL)
        err = &dummy;
    memset(err, 0, sizeof *err);
    if (s == NULL || (text == NULL && len > 0) || (phases != 1 && phases != 3) ||
        phases > MFW_PHASES_MAX || !(imax_a > 0.0)) {
        snprintf(err->msg, sizeof err->msg, "bad arguments");
        return MFW_E_ARG;
    }
    sensor_set_typical(s, phases, imax_a);
    struct ctx c = {.s = s, .phases = phases, .imax = imax_a, .err = err};
    size_t pos = 0;
    while (pos < len) {
        c.line++;
        size_t e = pos;
        while (e < len && text[e] != '\n')
            e++;
        int r = line(&c, text + pos, e - pos);
        if (r != MFW_OK)
            return r;
        pos = e < len ? e + 1 : e;
    }
    return MFW_OK;
}
