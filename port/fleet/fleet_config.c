/* SPDX-License-Identifier: Apache-2.0 */
/* fleet_config: the fleet file's parser and the per-meter draws (fleet_config.h). */
#include "fleet_config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "meterfw/base/error.h"

#define WORDS_MAX 10
#define WORD_MAX 40
#define LINE_MAX_LEN 400

/* The draw streams of one meter (fleet_config_uniform's k). */
enum { K_MODEL = 0, K_ANNUAL = 1, K_PV = 2, K_PV_SIZE = 3, K_SEED = 4, K_EVENT = 100 };

void fleet_config_default(struct fleet_config *c)
{
    memset(c, 0, sizeof *c);
    c->meters = 10;
    c->seed = 1;
    c->serial_base = 10000001;
    c->share_382m = 0.6;
    c->annual_min = 1500;
    c->annual_max = 6000;
    c->pv_share = 0.3;
    c->pv_min_kwp = 3;
    c->pv_max_kwp = 8;
    c->shape = FLEET_SHAPE_HOUSEHOLD;
    c->feeders = 10;
}

struct pctx {
    struct fleet_config *c;
    struct fleet_config_error *err;
    unsigned line;
    unsigned n;
    char w[WORDS_MAX][WORD_MAX + 1];
};

static int fail(struct pctx *p, int code, const char *fmt, ...)
{
    if (p->err != NULL) {
        p->err->line = p->line;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* A number that is the whole word, finite. */
static bool num(const char *s, double *out)
{
    if (*s == '\0')
        return false;
    char *end;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool whole(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10u + (uint64_t)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

static int want_words(struct pctx *p, unsigned n)
{
    if (p->n != n)
        return fail(p, MFW_E_FORMAT, "'%s' takes %u word(s), not %u", p->w[0], n - 1, p->n - 1);
    return MFW_OK;
}

/* "P %" at word k: a share in [0, 1]. */
static int share_at(struct pctx *p, unsigned k, double *out)
{
    double v;
    if (k + 1 >= p->n || !num(p->w[k], &v) || strcmp(p->w[k + 1], "%") != 0)
        return fail(p, MFW_E_FORMAT, "expected a share as 'P %%'");
    if (v < 0 || v > 100)
        return fail(p, MFW_E_RANGE, "a share must be between 0 and 100 %%");
    *out = v / 100.0;
    return MFW_OK;
}

/* "A to B UNIT" at word 1. */
static int range_at(struct pctx *p, const char *unit, double lo, double hi, double *a, double *b)
{
    if (p->n != 5 || strcmp(p->w[2], "to") != 0 || strcmp(p->w[4], unit) != 0 || !num(p->w[1], a) ||
        !num(p->w[3], b))
        return fail(p, MFW_E_FORMAT, "expected '%s A to B %s'", p->w[0], unit);
    if (*a < lo || *b > hi || *a > *b)
        return fail(p, MFW_E_RANGE, "%s must be %g..%g %s, the first not above the second", p->w[0],
                    lo, hi, unit);
    return MFW_OK;
}

/* "N UNIT" at word k: a duration in ms, > 0 and at most a year. */
static int duration_at(struct pctx *p, unsigned k, mfw_ms_t *out)
{
    static const struct {
        const char *name;
        double ms;
    } units[] = {{"ms", 1}, {"s", 1e3}, {"min", 6e4}, {"h", 3.6e6}, {"d", 8.64e7}};
    double v;
    if (k + 1 >= p->n || !num(p->w[k], &v))
        return fail(p, MFW_E_FORMAT, "expected a duration as 'N ms|s|min|h|d'");
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
        if (strcmp(p->w[k + 1], units[u].name) == 0) {
            double ms = v * units[u].ms;
            if (!(ms >= 1.0 && ms <= 366.0 * 8.64e7))
                return fail(p, MFW_E_RANGE, "a duration must be 1 ms to 366 d");
            *out = (mfw_ms_t)llround(ms);
            return MFW_OK;
        }
    return fail(p, MFW_E_FORMAT, "unknown duration unit '%s'", p->w[k + 1]);
}

static int d_at(struct pctx *p)
{
    struct fleet_config *c = p->c;
    if (p->n < 3)
        return fail(p, MFW_E_FORMAT, "expected 'at TIME outage|drift|silent|tamper ...'");
    if (c->n_events >= FLEET_EVENTS_MAX)
        return fail(p, MFW_E_RANGE, "at most %u events", FLEET_EVENTS_MAX);
    struct fleet_event e;
    memset(&e, 0, sizeof e);
    if (!isotime_parse(p->w[1], &e.at_ms))
        return fail(p, MFW_E_FORMAT, "'%s' is not a UTC time like 2026-12-01T10:00:00Z", p->w[1]);
    const char *what = p->w[2];
    int r;
    if (strcmp(what, "outage") == 0 && p->n == 8 && strcmp(p->w[3], "feeder") == 0) {
        /* at T outage feeder K for D */
        uint64_t k;
        if (!whole(p->w[4], FLEET_FEEDERS_MAX, &k) || strcmp(p->w[5], "for") != 0)
            return fail(p, MFW_E_FORMAT, "expected 'outage feeder K for DURATION'");
        if (k >= c->feeders)
            return fail(p, MFW_E_RANGE,
                        "feeder %llu: the fleet has feeders 0..%u (feeders "
                        "comes before the events)",
                        (unsigned long long)k, (unsigned)(c->feeders - 1));
        e.kind = FLEET_EV_OUTAGE_FEEDER;
        e.feeder = (uint32_t)k;
        r = duration_at(p, 6, &e.duration_ms);
    } else if (strcmp(what, "outage") == 0 || strcmp(what, "silent") == 0) {
        /* at T outage|silent P % for N UNIT */
        e.kind = what[0] == 'o' ? FLEET_EV_OUTAGE_SHARE : FLEET_EV_SILENT;
        r = p->n == 8 ? share_at(p, 3, &e.share)
                      : fail(p, MFW_E_FORMAT, "expected '%s P %% for N UNIT'", what);
        if (r == MFW_OK && strcmp(p->w[5], "for") != 0)
            r = fail(p, MFW_E_FORMAT, "expected '%s P %% for N UNIT'", what);
        if (r == MFW_OK)
            r = duration_at(p, 6, &e.duration_ms);
    } else if (strcmp(what, "drift") == 0) {
        /* at T drift P % PPM ppm */
        e.kind = FLEET_EV_DRIFT;
        r = p->n == 7 ? share_at(p, 3, &e.share)
                      : fail(p, MFW_E_FORMAT, "expected 'drift P %% PPM ppm'");
        if (r == MFW_OK && (!num(p->w[5], &e.ppm) || strcmp(p->w[6], "ppm") != 0))
            r = fail(p, MFW_E_FORMAT, "expected 'drift P %% PPM ppm'");
        if (r == MFW_OK && !(e.ppm >= -10000.0 && e.ppm <= 10000.0 && e.ppm != 0.0))
            r = fail(p, MFW_E_RANGE, "a drift must be -10000..10000 ppm, not 0");
    } else if (strcmp(what, "tamper") == 0) {
        /* at T tamper P % cover|terminal|field for N UNIT */
        static const char usage[] = "expected 'tamper P % cover|terminal|field for N UNIT'";
        e.kind = FLEET_EV_TAMPER;
        r = p->n == 9 ? share_at(p, 3, &e.share) : fail(p, MFW_E_FORMAT, "%s", usage);
        if (r == MFW_OK) {
            if (strcmp(p->w[5], "cover") == 0)
                e.input = FLEET_TAMPER_COVER;
            else if (strcmp(p->w[5], "terminal") == 0)
                e.input = FLEET_TAMPER_TERMINAL;
            else if (strcmp(p->w[5], "field") == 0)
                e.input = FLEET_TAMPER_FIELD;
            else
                r = fail(p, MFW_E_FORMAT, "unknown tamper input '%s' (cover, terminal, field)",
                         p->w[5]);
        }
        if (r == MFW_OK && strcmp(p->w[6], "for") != 0)
            r = fail(p, MFW_E_FORMAT, "%s", usage);
        if (r == MFW_OK)
            r = duration_at(p, 7, &e.duration_ms);
    } else {
        r = fail(p, MFW_E_FORMAT, "unknown event '%s' (outage, drift, silent, tamper)", what);
    }
    if (r != MFW_OK)
        return r;
    c->events[c->n_events++] = e;
    return MFW_OK;
}

static int directive(struct pctx *p)
{
    struct fleet_config *c = p->c;
    const char *d = p->w[0];
    uint64_t v;
    int r;
    if (strcmp(d, "meters") == 0 || strcmp(d, "seed") == 0 || strcmp(d, "serial-base") == 0 ||
        strcmp(d, "feeders") == 0) {
        if ((r = want_words(p, 2)) != MFW_OK)
            return r;
        uint64_t max = d[0] == 'm'                  ? FLEET_METERS_MAX
                       : d[0] == 'f'                ? FLEET_FEEDERS_MAX
                       : d[1] == 'e' && d[2] == 'e' ? 0xFFFFFFFFull
                                                    : FLEET_SERIAL_BASE_MAX;
        if (!whole(p->w[1], max, &v))
            return fail(p, MFW_E_RANGE, "%s must be a whole number up to %llu", d,
                        (unsigned long long)max);
        if (d[0] == 'm') {
            if (v == 0)
                return fail(p, MFW_E_RANGE, "meters must be at least 1");
            c->meters = (uint32_t)v;
        } else if (d[0] == 'f') {
            if (v == 0)
                return fail(p, MFW_E_RANGE, "feeders must be at least 1");
            if (c->n_events > 0)
                return fail(p, MFW_E_FORMAT, "feeders must come before the events");
            c->feeders = (uint32_t)v;
        } else if (d[1] == 'e' && d[2] == 'e') {
            c->seed = (uint32_t)v;
        } else {
            if (v == 0)
                return fail(p, MFW_E_RANGE, "serial-base must be at least 1");
            c->serial_base = v;
        }
        return MFW_OK;
    }
    if (strcmp(d, "share-382m") == 0 || strcmp(d, "pv-share") == 0) {
        if ((r = want_words(p, 3)) != MFW_OK)
            return r;
        return share_at(p, 1, d[0] == 's' ? &c->share_382m : &c->pv_share);
    }
    if (strcmp(d, "annual") == 0)
        return range_at(p, "kWh", 1.0, 100000.0, &c->annual_min, &c->annual_max);
    if (strcmp(d, "pv") == 0)
        return range_at(p, "kWp", 0.1, 100.0, &c->pv_min_kwp, &c->pv_max_kwp);
    if (strcmp(d, "shape") == 0) {
        if ((r = want_words(p, 2)) != MFW_OK)
            return r;
        if (strcmp(p->w[1], "household") == 0)
            c->shape = FLEET_SHAPE_HOUSEHOLD;
        else if (strcmp(p->w[1], "flat") == 0)
            c->shape = FLEET_SHAPE_FLAT;
        else
            return fail(p, MFW_E_FORMAT, "shape is household or flat");
        return MFW_OK;
    }
    if (strcmp(d, "head-end-title") == 0) {
        if ((r = want_words(p, 2)) != MFW_OK)
            return r;
        if (strlen(p->w[1]) != 16)
            return fail(p, MFW_E_FORMAT, "head-end-title is 8 bytes: 16 hex digits");
        for (unsigned k = 0; k < 16; k++) {
            char ch = p->w[1][k];
            int x = ch >= '0' && ch <= '9'   ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                    : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                             : -1;
            if (x < 0)
                return fail(p, MFW_E_FORMAT, "head-end-title is 8 bytes: 16 hex digits");
            c->head_end_title[k / 2] = (uint8_t)(k % 2 ? c->head_end_title[k / 2] | x : x << 4);
        }
        c->has_head_end_title = true;
        return MFW_OK;
    }
    if (strcmp(d, "at") == 0)
        return d_at(p);
    return fail(p, MFW_E_FORMAT, "unknown directive '%s'", d);
}

int fleet_config_parse(struct fleet_config *c, const char *text, size_t len,
                       struct fleet_config_error *err)
{
    struct pctx p;
    memset(&p, 0, sizeof p);
    p.c = c;
    p.err = err;
    if (err != NULL)
        memset(err, 0, sizeof *err);
    size_t i = 0;
    while (i < len) {
        p.line++;
        size_t start = i;
        while (i < len && text[i] != '\n')
            i++;
        size_t end = i;
        if (i < len)
            i++; /* the newline */
        if (end - start > LINE_MAX_LEN)
            return fail(&p, MFW_E_FORMAT, "line longer than %u characters", LINE_MAX_LEN);
        p.n = 0;
        size_t k = start;
        while (k < end) {
            char ch = text[k];
            if (ch == '#')
                break;
            if (ch == ' ' || ch == '\t' || ch == '\r') {
                k++;
                continue;
            }
            if (ch == '\0')
                return fail(&p, MFW_E_FORMAT, "a NUL character");
            if (p.n >= WORDS_MAX)
                return fail(&p, MFW_E_FORMAT, "more than %u words", WORDS_MAX);
            size_t wl = 0;
            while (k < end && text[k] != ' ' && text[k] != '\t' && text[k] != '\r' &&
                   text[k] != '#') {
                if (text[k] == '\0')
                    return fail(&p, MFW_E_FORMAT, "a NUL character");
                if (wl >= WORD_MAX)
                    return fail(&p, MFW_E_FORMAT, "a word longer than %u characters", WORD_MAX);
                p.w[p.n][wl++] = text[k++];
            }
            p.w[p.n][wl] = '\0';
            p.n++;
        }
        if (p.n == 0)
            continue;
        int r = directive(&p);
        if (r != MFW_OK)
            return r;
    }
    return MFW_OK;
}

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double fleet_config_uniform(uint32_t seed, uint64_t serial, uint32_t k)
{
    uint64_t z = splitmix64(splitmix64(seed) ^ serial);
    z = splitmix64(z ^ k);
    return (double)(z >> 11) * 0x1.0p-53;
}

void fleet_config_draw(const struct fleet_config *c, uint32_t i, struct fleet_draw *d)
{
    memset(d, 0, sizeof *d);
    uint64_t sn = c->serial_base + i;
    d->serial = sn;
    d->three_phase = fleet_config_uniform(c->seed, sn, K_MODEL) < c->share_382m;
    d->annual_kwh = c->annual_min +
                    (c->annual_max - c->annual_min) * fleet_config_uniform(c->seed, sn, K_ANNUAL);
    if (c->shape == FLEET_SHAPE_HOUSEHOLD && fleet_config_uniform(c->seed, sn, K_PV) < c->pv_share)
        d->pv_kwp = c->pv_min_kwp +
                    (c->pv_max_kwp - c->pv_min_kwp) * fleet_config_uniform(c->seed, sn, K_PV_SIZE);
    d->feeder = (uint32_t)(sn % c->feeders);
    d->scenario_seed = (uint32_t)(fleet_config_uniform(c->seed, sn, K_SEED) * 4294967296.0);
}

bool fleet_config_hits(const struct fleet_config *c, const struct fleet_event *e, uint32_t i)
{
    uint64_t sn = c->serial_base + i;
    if (e->kind == FLEET_EV_OUTAGE_FEEDER)
        return sn % c->feeders == e->feeder;
    uint32_t k = K_EVENT + (uint32_t)(e - c->events);
    return fleet_config_uniform(c->seed, sn, k) < e->share;
}
