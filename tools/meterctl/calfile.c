/* SPDX-License-Identifier: Apache-2.0 */
/* calfile: passive calendar text files (see calfile.h and docs/meterctl.md).
 *
 *   name     TOU2027                     calendar_name_passive (text, up to 32 bytes)
 *   script   0.0.10.0.100.255            script of the day actions that follow (default this one)
 *   day      1 00:00=1 07:00=2 22:00=1   day_id, then start_time=script_selector (tariff)
 *   week     normal 1 1 1 1 1 2 2        week name, day_id for Monday .. Sunday
 *   season   winter *-01-01T00:00 normal season name, season_start (date-time, * wildcards),
 *                                        week name
 *   activate 2027-01-01T00:00:00Z        activate_passive_calendar_time
 *
 * '#' starts a comment. Blue Book IC 20: day_profile_table = array {day_id unsigned,
 * day_schedule array {start_time octet-string(4), script_logical_name octet-string(6),
 * script_selector long-unsigned}}; week_profile_table = array {name octet-string, monday ..
 * sunday unsigned}; season_profile = array {name octet-string, season_start octet-string(12),
 * week_name octet-string}. */
#include "calfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/cursor.h"
#include "meterfw/codec/axdr.h"
#include "notation.h"

#define CF_MAX 64
#define CF_ACTIONS_MAX 32
#define CF_NAME_MAX 32

struct cf_day {
    unsigned id, n;
    uint8_t time[CF_ACTIONS_MAX][4];
    uint8_t script[CF_ACTIONS_MAX][6];
    uint16_t sel[CF_ACTIONS_MAX];
};
struct cf_week {
    char name[CF_NAME_MAX + 1];
    unsigned day[7];
};
struct cf_season {
    char name[CF_NAME_MAX + 1];
    struct mfw_cosem_datetime start;
    char week[CF_NAME_MAX + 1];
};

static int cf_err(char *err, size_t cap, unsigned line, const char *fmt, ...)
{
    int n = snprintf(err, cap, "%u: ", line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < cap)
        vsnprintf(err + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Decimal digits only (no blank, sign or wrap-around, as strtoul and sscanf %u allow), up to
 * max; *s moves past them. -1 if there are none or the number is above max. */
static int decimal(const char **s, unsigned long max, unsigned long *out)
{
    const char *p = *s;
    unsigned long v = 0;
    for (; *p >= '0' && *p <= '9'; p++)
        v = v > max ? v : v * 10u + (unsigned long)(*p - '0'); /* stops growing past max */
    if (p == *s || v > max)
        return -1;
    *s = p;
    *out = v;
    return 0;
}

/* A whole token that is a decimal number 0..max. */
static int decimal_token(const char *t, unsigned long max, unsigned long *out)
{
    return t == NULL || decimal(&t, max, out) || *t != '\0' ? -1 : 0;
}

/* HH:MM[:SS]=SELECTOR */
static int day_action(const char *a, unsigned long *h, unsigned long *m, unsigned long *sec,
                      unsigned long *sel)
{
    *sec = 0;
    if (decimal(&a, 23, h) || *a++ != ':' || decimal(&a, 59, m))
        return -1;
    if (*a == ':' && (a++, decimal(&a, 59, sec)))
        return -1;
    return *a++ == '=' ? decimal_token(a, 0xFFFF, sel) : -1;
}

static int copy_name(char *dst, const char *src)
{
    if (strlen(src) > CF_NAME_MAX || strlen(src) == 0)
        return -1;
    strcpy(dst, src);
    return 0;
}

static int finish(struct mfw_wcursor *w, struct calfile *cf, int which, int8_t attr)
{
    if (w->err)
        return -1;
    cf->buf[which] = malloc(w->len);
    if (!cf->buf[which])
        return -1;
    memcpy(cf->buf[which], w->p, w->len);
    cf->len[which] = w->len;
    cf->attr[which] = attr;
    return 0;
}

int calfile_parse(const char *path, struct calfile *cf, char *err, size_t errcap)
{
    memset(cf, 0, sizeof(*cf));
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errcap, "cannot open %s", path);
        return -1;
    }
    int rc = calfile_parse_stream(f, cf, err, errcap);
    fclose(f);
    return rc;
}

int calfile_parse_stream(FILE *f, struct calfile *cf, char *err, size_t errcap)
{
    memset(cf, 0, sizeof(*cf));
    static struct cf_day days[CF_MAX];
    static struct cf_week weeks[CF_MAX];
    static struct cf_season seasons[CF_MAX];
    unsigned nd = 0, nw = 0, ns = 0, line = 0;
    char name[CF_NAME_MAX + 1] = "";
    bool has_name = false, has_act = false;
    struct mfw_cosem_datetime act;
    uint8_t script[6] = {0, 0, 10, 0, 100, 255}; /* the tariffication script table */
    char *text = NULL; /* a whole line, however long: a comment never spills into a next one */
    size_t text_cap = 0;
    int rc = 0;
    while (rc == 0 && getline(&text, &text_cap, f) != -1) {
        line++;
        char *hash = strchr(text, '#');
        if (hash)
            *hash = '\0';
        char *save = NULL;
        char *kw = strtok_r(text, " \t\r\n", &save);
        if (!kw)
            continue;
        if (strcmp(kw, "name") == 0) {
            char *v = strtok_r(NULL, " \t\r\n", &save);
            if (!v || copy_name(name, v) || strtok_r(NULL, " \t\r\n", &save))
                rc = cf_err(err, errcap, line, "name: one word of 1..%d bytes", CF_NAME_MAX);
            has_name = true;
        } else if (strcmp(kw, "script") == 0) {
            char *v = strtok_r(NULL, " \t\r\n", &save);
            if (!v || obis_parse(v, script))
                rc = cf_err(err, errcap, line, "script: an OBIS code, e.g. 0.0.10.0.100.255");
        } else if (strcmp(kw, "day") == 0) {
            char *v = strtok_r(NULL, " \t\r\n", &save);
            unsigned long id;
            if (decimal_token(v, 255, &id)) {
                rc = cf_err(err, errcap, line, "day: a day_id 0..255 first");
                break;
            }
            if (nd == CF_MAX) {
                rc = cf_err(err, errcap, line, "more than %d day profiles", CF_MAX);
                break;
            }
            for (unsigned i = 0; i < nd; i++)
                if (days[i].id == id)
                    rc = cf_err(err, errcap, line, "day %lu defined twice", id);
            struct cf_day *d = &days[nd];
            memset(d, 0, sizeof(*d));
            d->id = (unsigned)id;
            char *a;
            while (rc == 0 && (a = strtok_r(NULL, " \t\r\n", &save))) {
                unsigned long h, m, sec, sel;
                if (d->n == CF_ACTIONS_MAX) {
                    rc = cf_err(err, errcap, line, "more than %d actions", CF_ACTIONS_MAX);
                    break;
                }
                if (day_action(a, &h, &m, &sec, &sel)) {
                    rc = cf_err(err, errcap, line, "day: '%s' is not HH:MM[:SS]=SELECTOR", a);
                    break;
                }
                if (d->n && (h * 3600 + m * 60 + sec) <=
                                (unsigned)(d->time[d->n - 1][0] * 3600 + d->time[d->n - 1][1] * 60 +
                                           d->time[d->n - 1][2])) {
                    rc = cf_err(err, errcap, line, "day: start times must increase ('%s')", a);
                    break;
                }
                d->time[d->n][0] = (uint8_t)h;
                d->time[d->n][1] = (uint8_t)m;
                d->time[d->n][2] = (uint8_t)sec;
                d->time[d->n][3] = 0;
                memcpy(d->script[d->n], script, 6);
                d->sel[d->n] = (uint16_t)sel;
                d->n++;
            }
            if (rc == 0 && d->n == 0)
                rc = cf_err(err, errcap, line, "day %lu has no actions", id);
            nd++;
        } else if (strcmp(kw, "week") == 0) {
            char *v = strtok_r(NULL, " \t\r\n", &save);
            if (nw == CF_MAX || !v || copy_name(weeks[nw].name, v)) {
                rc = cf_err(err, errcap, line, "week: a name of 1..%d bytes, then 7 day ids",
                            CF_NAME_MAX);
                break;
            }
            for (int i = 0; i < 7 && rc == 0; i++) {
                unsigned long id = 0;
                if (decimal_token(strtok_r(NULL, " \t\r\n", &save), 255, &id))
                    rc = cf_err(err, errcap, line, "week %s: 7 day ids (Monday..Sunday)", v);
                weeks[nw].day[i] = (unsigned)id;
            }
            if (rc == 0 && strtok_r(NULL, " \t\r\n", &save))
                rc = cf_err(err, errcap, line, "week %s: more than 7 day ids", v);
            nw++;
        } else if (strcmp(kw, "season") == 0) {
            char *v = strtok_r(NULL, " \t\r\n", &save);
            char *st = strtok_r(NULL, " \t\r\n", &save);
            char *wk = strtok_r(NULL, " \t\r\n", &save);
            if (ns == CF_MAX || !v || !st || !wk || copy_name(seasons[ns].name, v) ||
                copy_name(seasons[ns].week, wk) || strtok_r(NULL, " \t\r\n", &save)) {
                rc = cf_err(err, errcap, line, "season: NAME START WEEK");
                break;
            }
            if (iso_parse(st, &seasons[ns].start)) {
                rc = cf_err(err, errcap, line, "season %s: '%s' is not a date-time", v, st);
                break;
            }
            ns++;
        } else if (strcmp(kw, "activate") == 0) {
            char *v = strtok_r(NULL, " \t\r\n", &save);
            if (!v || iso_parse(v, &act))
                rc = cf_err(err, errcap, line, "activate: an ISO date-time");
            has_act = true;
        } else {
            rc = cf_err(err, errcap, line, "unknown keyword '%s'", kw);
        }
    }
    free(text);
    if (rc)
        return rc;
    /* references */
    for (unsigned i = 0; i < nw; i++)
        for (int k = 0; k < 7; k++) {
            bool found = false;
            for (unsigned j = 0; j < nd; j++)
                found |= days[j].id == weeks[i].day[k];
            if (!found)
                return cf_err(err, errcap, line, "week %s names day %u, which is not defined",
                              weeks[i].name, weeks[i].day[k]);
        }
    for (unsigned i = 0; i < ns; i++) {
        bool found = false;
        for (unsigned j = 0; j < nw; j++)
            found |= strcmp(weeks[j].name, seasons[i].week) == 0;
        if (!found)
            return cf_err(err, errcap, line, "season %s names week %s, which is not defined",
                          seasons[i].name, seasons[i].week);
    }
    if (nd == 0 || nw == 0 || ns == 0)
        return cf_err(err, errcap, line, "a calendar needs at least one day, week and season");

    uint8_t *tmp = malloc(65536);
    if (!tmp)
        return cf_err(err, errcap, line, "out of memory");
    struct mfw_wcursor w;
    int bad = 0;
    mfw_wcursor_init(&w, tmp, 65536);
    mfw_axdr_put_array_header(&w, nd);
    for (unsigned i = 0; i < nd; i++) {
        mfw_axdr_put_structure_header(&w, 2);
        mfw_axdr_put_u8(&w, (uint8_t)days[i].id);
        mfw_axdr_put_array_header(&w, days[i].n);
        for (unsigned k = 0; k < days[i].n; k++) {
            mfw_axdr_put_structure_header(&w, 3);
            mfw_axdr_put_octets(&w, days[i].time[k], 4);
            mfw_axdr_put_octets(&w, days[i].script[k], 6);
            mfw_axdr_put_u16(&w, days[i].sel[k]);
        }
    }
    bad |= finish(&w, cf, CALFILE_DAYS, 9);
    mfw_wcursor_init(&w, tmp, 65536);
    mfw_axdr_put_array_header(&w, nw);
    for (unsigned i = 0; i < nw; i++) {
        mfw_axdr_put_structure_header(&w, 8);
        mfw_axdr_put_octets(&w, (const uint8_t *)weeks[i].name, strlen(weeks[i].name));
        for (int k = 0; k < 7; k++)
            mfw_axdr_put_u8(&w, (uint8_t)weeks[i].day[k]);
    }
    bad |= finish(&w, cf, CALFILE_WEEKS, 8);
    mfw_wcursor_init(&w, tmp, 65536);
    mfw_axdr_put_array_header(&w, ns);
    for (unsigned i = 0; i < ns; i++) {
        mfw_axdr_put_structure_header(&w, 3);
        mfw_axdr_put_octets(&w, (const uint8_t *)seasons[i].name, strlen(seasons[i].name));
        mfw_axdr_put_datetime_octets(&w, &seasons[i].start);
        mfw_axdr_put_octets(&w, (const uint8_t *)seasons[i].week, strlen(seasons[i].week));
    }
    bad |= finish(&w, cf, CALFILE_SEASONS, 7);
    if (has_name) {
        mfw_wcursor_init(&w, tmp, 65536);
        mfw_axdr_put_octets(&w, (const uint8_t *)name, strlen(name));
        bad |= finish(&w, cf, CALFILE_NAME, 6);
    }
    if (has_act) {
        mfw_wcursor_init(&w, tmp, 65536);
        mfw_axdr_put_datetime_octets(&w, &act);
        bad |= finish(&w, cf, CALFILE_ACTIVATE, 10);
    }
    free(tmp);
    cf->n_days = nd;
    cf->n_weeks = nw;
    cf->n_seasons = ns;
    if (bad) {
        calfile_free(cf);
        return cf_err(err, errcap, line, "calendar too large");
    }
    return 0;
}

void calfile_free(struct calfile *cf)
{
    for (int i = 0; i < CALFILE_N; i++) {
        free(cf->buf[i]);
        cf->buf[i] = NULL;
    }
}
