/* SPDX-License-Identifier: Apache-2.0 */
/* calendar: Blue Book IC 20 Activity calendar + IC 11 Special days table, tariff selection in
 * local time, and the persistent encoding of the whole state. See include/meterfw/meter/tou.h. */
#include "meterfw/meter/tou.h"

#include <string.h>

#include "meterfw/base/bytes.h"
#include "meterfw/base/civil.h"
#include "meterfw/base/error.h"

#define SEC_PER_DAY 86400

/* The encoding stores every count in one byte. */
_Static_assert(MFW_TOU_SEASONS_MAX <= 255 && MFW_TOU_WEEKS_MAX <= 255 && MFW_TOU_DAYS_MAX <= 255 &&
                   MFW_TOU_ACTIONS_MAX <= 255 && MFW_TOU_SPECIAL_DAYS_MAX <= 255 &&
                   MFW_TOU_NAME_MAX <= 255,
               "calendar sizes must fit a byte");
_Static_assert(MFW_TARIFFS >= 1 && MFW_TARIFFS <= 255, "tariff count");

/* ---- small helpers ------------------------------------------------------------------------ */

static bool name_eq(const struct mfw_tou_name *a, const struct mfw_tou_name *b)
{
    return a->len == b->len && a->len <= MFW_TOU_NAME_MAX && memcmp(a->b, b->b, a->len) == 0;
}

static int64_t local_key(int64_t days, unsigned h, unsigned m, unsigned s)
{
    return days * SEC_PER_DAY + (int64_t)h * 3600 + (int64_t)m * 60 + (int64_t)s;
}

static unsigned any0(uint8_t v)
{
    return v == MFW_TOU_ANY ? 0u : v;
}

static bool time_ok(const struct mfw_tou_time *t, bool wildcards)
{
    if (wildcards && t->hour == MFW_TOU_ANY && t->minute == MFW_TOU_ANY && t->second == MFW_TOU_ANY)
        return true;
    bool h = t->hour < 24 || (wildcards && t->hour == MFW_TOU_ANY);
    bool m = t->minute < 60 || (wildcards && t->minute == MFW_TOU_ANY);
    bool s = t->second < 60 || (wildcards && t->second == MFW_TOU_ANY);
    return h && m && s;
}

/* Season start: month 1..12, day 1..31 within the month's longest length, weekday ignored (but
 * must be a weekday or MFW_TOU_ANY), time fields in range or MFW_TOU_ANY (= 0). */
static bool season_start_ok(const struct mfw_tou_date_time *s)
{
    const struct mfw_tou_date *d = &s->date;
    if (d->month < 1 || d->month > 12 || d->day_of_month < 1 ||
        d->day_of_month > mfw_civil_days_in_month(2000, d->month))
        return false;
    if (d->day_of_week != MFW_TOU_ANY && (d->day_of_week < 1 || d->day_of_week > 7))
        return false;
    return time_ok(&s->time, true);
}

/* Local key of the most recent occurrence of a season start at or before now (false: none). */
static bool season_recent(const struct mfw_tou_season *s, int64_t now_key, int64_t year,
                          int64_t *key)
{
    const struct mfw_tou_date *d = &s->start.date;
    const struct mfw_tou_time *tm = &s->start.time;
    int64_t y = d->year == MFW_TOU_YEAR_ANY ? year : (int64_t)d->year;
    for (int pass = 0; pass < 2; pass++, y--) {
        unsigned dim = mfw_civil_days_in_month(y, d->month);
        unsigned day = d->day_of_month <= dim ? d->day_of_month : dim; /* Feb 29 in a common year */
        int64_t k = local_key(mfw_civil_days_from_date(y, d->month, day), any0(tm->hour),
                              any0(tm->minute), any0(tm->second));
        if (k <= now_key) {
            *key = k;
            return true;
        }
        if (d->year != MFW_TOU_YEAR_ANY)
            return false; /* a dated season that has not begun yet */
    }
    return false; /* not reached: last year's start is always before now */
}

static bool special_date_ok(const struct mfw_tou_date *d)
{
    bool m = d->month == MFW_TOU_ANY || (d->month >= 1 && d->month <= 12);
    bool dom = d->day_of_month == MFW_TOU_ANY || d->day_of_month == MFW_TOU_DOM_LAST ||
               d->day_of_month == MFW_TOU_DOM_2ND_LAST ||
               (d->day_of_month >= 1 && d->day_of_month <= 31);
    bool dow = d->day_of_week == MFW_TOU_ANY || (d->day_of_week >= 1 && d->day_of_week <= 7);
    return m && dom && dow;
}

/* IC 11 specialday_date against a civil date (wildcards per the COSEM date). */
static bool special_match(const struct mfw_tou_date *d, int64_t y, unsigned m, unsigned day,
                          unsigned wd)
{
    if (!special_date_ok(d))
        return false;
    if (d->year != MFW_TOU_YEAR_ANY && (int64_t)d->year != y)
        return false;
    if (d->month != MFW_TOU_ANY && d->month != m)
        return false;
    unsigned dim = mfw_civil_days_in_month(y, m);
    if (d->day_of_month == MFW_TOU_DOM_LAST) {
        if (day != dim)
            return false;
    } else if (d->day_of_month == MFW_TOU_DOM_2ND_LAST) {
        if (day + 1 != dim)
            return false;
    } else if (d->day_of_month != MFW_TOU_ANY && d->day_of_month != day) {
        return false;
    }
    return d->day_of_week == MFW_TOU_ANY || d->day_of_week == wd;
}

static const struct mfw_tou_week *find_week(const struct mfw_tou_calendar *c,
                                            const struct mfw_tou_name *n)
{
    unsigned nw = c->n_weeks < MFW_TOU_WEEKS_MAX ? c->n_weeks : MFW_TOU_WEEKS_MAX;
    for (unsigned i = 0; i < nw; i++)
        if (name_eq(&c->weeks[i].name, n))
            return &c->weeks[i];
    return NULL;
}

static const struct mfw_tou_day *find_day(const struct mfw_tou_calendar *c, uint8_t id)
{
    unsigned nd = c->n_days < MFW_TOU_DAYS_MAX ? c->n_days : MFW_TOU_DAYS_MAX;
    for (unsigned i = 0; i < nd; i++)
        if (c->days[i].day_id == id)
            return &c->days[i];
    return NULL;
}

/* ---- validation --------------------------------------------------------------------------- */

static int validate(const struct mfw_tou_calendar *c, bool xref)
{
    if (!c)
        return MFW_E_ARG;
    if (c->n_seasons > MFW_TOU_SEASONS_MAX || c->n_weeks > MFW_TOU_WEEKS_MAX ||
        c->n_days > MFW_TOU_DAYS_MAX || c->name.len > MFW_TOU_NAME_MAX)
        return MFW_E_RANGE;
    if (xref && (c->n_seasons == 0 || c->n_weeks == 0 || c->n_days == 0))
        return MFW_E_RANGE;
    for (unsigned i = 0; i < c->n_seasons; i++) {
        const struct mfw_tou_season *s = &c->seasons[i];
        if (s->name.len > MFW_TOU_NAME_MAX || s->week_name.len > MFW_TOU_NAME_MAX ||
            !season_start_ok(&s->start))
            return MFW_E_RANGE;
        if (xref && !find_week(c, &s->week_name))
            return MFW_E_RANGE;
    }
    for (unsigned i = 0; i < c->n_weeks; i++) {
        const struct mfw_tou_week *w = &c->weeks[i];
        if (w->name.len > MFW_TOU_NAME_MAX)
            return MFW_E_RANGE;
        for (unsigned j = 0; j < i; j++)
            if (name_eq(&c->weeks[j].name, &w->name))
                return MFW_E_RANGE; /* a duplicate name would make find_week ambiguous */
        if (xref)
            for (unsigned d = 0; d < 7; d++)
                if (!find_day(c, w->day_id[d]))
                    return MFW_E_RANGE;
    }
    for (unsigned i = 0; i < c->n_days; i++) {
        const struct mfw_tou_day *d = &c->days[i];
        if (d->n == 0 || d->n > MFW_TOU_ACTIONS_MAX)
            return MFW_E_RANGE;
        for (unsigned j = 0; j < i; j++)
            if (c->days[j].day_id == d->day_id)
                return MFW_E_RANGE;
        int64_t prev = -1;
        for (unsigned a = 0; a < d->n; a++) {
            const struct mfw_tou_day_action *x = &d->actions[a];
            if (!time_ok(&x->start, false) || x->script_selector < 1 ||
                x->script_selector > MFW_TARIFFS)
                return MFW_E_RANGE;
            int64_t k = local_key(0, x->start.hour, x->start.minute, x->start.second);
            if (k <= prev)
                return MFW_E_RANGE; /* actions must be strictly increasing in start time */
            prev = k;
        }
    }
    return MFW_OK;
}

int mfw_tou_validate(const struct mfw_tou_calendar *cal)
{
    return validate(cal, true);
}

int mfw_tou_validate_parts(const struct mfw_tou_calendar *cal)
{
    return validate(cal, false);
}

/* ---- state -------------------------------------------------------------------------------- */

static const struct mfw_tou_date_time never = {
    .date = {.year = MFW_TOU_YEAR_ANY,
             .month = MFW_TOU_ANY,
             .day_of_month = MFW_TOU_ANY,
             .day_of_week = MFW_TOU_ANY},
    .time = {.hour = MFW_TOU_ANY, .minute = MFW_TOU_ANY, .second = MFW_TOU_ANY},
};

void mfw_tou_init(struct mfw_tou *t)
{
    memset(t, 0, sizeof *t);
    t->passive_activation = never;
    t->passive_pending = false;
    t->last_activation_utc = -1;
}

int mfw_tou_set_passive(struct mfw_tou *t, const struct mfw_tou_calendar *cal)
{
    if (!t)
        return MFW_E_ARG;
    int r = mfw_tou_validate(cal);
    if (r == MFW_OK)
        t->passive = *cal;
    return r;
}

static bool is_never(const struct mfw_tou_date_time *w)
{
    return w->date.year == MFW_TOU_YEAR_ANY && w->date.month == MFW_TOU_ANY &&
           w->date.day_of_month == MFW_TOU_ANY && w->date.day_of_week == MFW_TOU_ANY &&
           w->time.hour == MFW_TOU_ANY && w->time.minute == MFW_TOU_ANY &&
           w->time.second == MFW_TOU_ANY;
}

/* Blue Book IC 20 attr 10 [M]: all fields "not specified" deactivates the automatism; partial
 * wildcards are not allowed. So a pending activation is always one complete local date-time. */
static bool activation_ok(const struct mfw_tou_date_time *w)
{
    const struct mfw_tou_date *d = &w->date;
    if (d->year == MFW_TOU_YEAR_ANY || d->month < 1 || d->month > 12 || d->day_of_month < 1 ||
        d->day_of_month > mfw_civil_days_in_month(d->year, d->month))
        return false;
    if (d->day_of_week != MFW_TOU_ANY &&
        d->day_of_week !=
            mfw_civil_weekday(mfw_civil_days_from_date(d->year, d->month, d->day_of_month)))
        return false;
    return time_ok(&w->time, false);
}

int mfw_tou_set_activation(struct mfw_tou *t, const struct mfw_tou_date_time *when)
{
    if (!t || !when)
        return MFW_E_ARG;
    if (is_never(when)) {
        t->passive_activation = *when;
        t->passive_pending = false;
        return MFW_OK;
    }
    if (!activation_ok(when))
        return MFW_E_RANGE;
    t->passive_activation = *when;
    t->passive_pending = true;
    return MFW_OK;
}

int mfw_tou_activate_now(struct mfw_tou *t, mfw_ms_t utc)
{
    if (!t)
        return MFW_E_ARG;
    if (mfw_tou_validate(&t->passive) != MFW_OK)
        return MFW_E_STATE;
    /* IC 20 m1: the passive calendar is copied into the active one; the passive one stays. */
    t->active = t->passive;
    t->passive_pending = false;
    t->last_activation_utc = utc;
    return MFW_OK;
}

int mfw_tou_tick(struct mfw_tou *t, const struct mfw_local_time *lt, mfw_ms_t utc, bool *activated)
{
    if (activated)
        *activated = false;
    if (!t || !lt)
        return MFW_E_ARG;
    if (!t->passive_pending)
        return MFW_OK;
    const struct mfw_tou_date_time *w = &t->passive_activation;
    if (!activation_ok(w)) { /* a hand-made or decoded struct: drop what cannot be reached */
        t->passive_pending = false;
        return MFW_E_STATE;
    }
    int64_t now = local_key(mfw_civil_days_from_date(lt->year, lt->month, lt->day), lt->hour,
                            lt->minute, lt->second);
    int64_t at =
        local_key(mfw_civil_days_from_date(w->date.year, w->date.month, w->date.day_of_month),
                  w->time.hour, w->time.minute, w->time.second);
    if (now < at)
        return MFW_OK;
    /* Reached (or passed while the meter was off): activate once. */
    int r = mfw_tou_activate_now(t, utc);
    if (r != MFW_OK) {
        t->passive_pending = false;
        return r;
    }
    if (activated)
        *activated = true;
    return MFW_OK;
}

/* ---- special days (IC 11) ----------------------------------------------------------------- */

static bool date_eq(const struct mfw_tou_date *a, const struct mfw_tou_date *b)
{
    return a->year == b->year && a->month == b->month && a->day_of_month == b->day_of_month &&
           a->day_of_week == b->day_of_week;
}

int mfw_tou_special_insert(struct mfw_tou *t, const struct mfw_tou_special_day *e)
{
    if (!t || !e)
        return MFW_E_ARG;
    if (!special_date_ok(&e->date))
        return MFW_E_RANGE;
    unsigned n = t->n_special < MFW_TOU_SPECIAL_DAYS_MAX ? t->n_special : MFW_TOU_SPECIAL_DAYS_MAX;
    unsigned replaced = 0;
    for (unsigned i = 0; i < n; i++)
        if (t->special[i].index == e->index || date_eq(&t->special[i].date, &e->date))
            replaced++;
    if (n - replaced >= MFW_TOU_SPECIAL_DAYS_MAX)
        return MFW_E_NOSPACE;
    /* Blue Book IC 11 insert [M]: an entry with the same index or date is overwritten. */
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++)
        if (!(t->special[i].index == e->index || date_eq(&t->special[i].date, &e->date)))
            t->special[k++] = t->special[i];
    unsigned pos = k;
    while (pos > 0 && t->special[pos - 1].index > e->index) {
        t->special[pos] = t->special[pos - 1];
        pos--;
    }
    t->special[pos] = *e;
    t->n_special = (uint8_t)(k + 1);
    return MFW_OK;
}

int mfw_tou_special_delete(struct mfw_tou *t, uint16_t index)
{
    if (!t)
        return MFW_E_ARG;
    unsigned n = t->n_special < MFW_TOU_SPECIAL_DAYS_MAX ? t->n_special : MFW_TOU_SPECIAL_DAYS_MAX;
    for (unsigned i = 0; i < n; i++) {
        if (t->special[i].index != index)
            continue;
        memmove(&t->special[i], &t->special[i + 1], (n - i - 1) * sizeof t->special[0]);
        memset(&t->special[n - 1], 0, sizeof t->special[0]);
        t->n_special = (uint8_t)(n - 1);
        return MFW_OK;
    }
    return MFW_E_RANGE;
}

/* ---- tariff lookup ------------------------------------------------------------------------ */

enum eval { EV_OK, EV_NONE, EV_BAD };

/* The action in force on local day `days` at second-of-day sod, or EV_NONE when that day's
 * profile has no action at or before sod. */
static enum eval eval_day(const struct mfw_tou *t, int64_t days, int64_t sod, uint8_t *tariff)
{
    const struct mfw_tou_calendar *c = &t->active;
    struct mfw_civil_date cd = mfw_civil_date_from_days(days);
    unsigned wd = mfw_civil_weekday(days);
    int64_t now = days * SEC_PER_DAY + sod;

    /* Season: the latest start at or before now (IC 20 season_profile). */
    const struct mfw_tou_season *season = NULL;
    int64_t best = 0;
    unsigned ns = c->n_seasons < MFW_TOU_SEASONS_MAX ? c->n_seasons : MFW_TOU_SEASONS_MAX;
    for (unsigned i = 0; i < ns; i++) {
        int64_t k;
        if (!season_start_ok(&c->seasons[i].start))
            return EV_BAD;
        if (season_recent(&c->seasons[i], now, cd.year, &k) && (!season || k > best)) {
            season = &c->seasons[i];
            best = k;
        }
    }
    if (!season)
        return EV_BAD;
    const struct mfw_tou_week *week = find_week(c, &season->week_name);
    if (!week)
        return EV_BAD;

    /* IC 11: a special day overrides the week profile; the lowest matching index wins. */
    const struct mfw_tou_special_day *sp = NULL;
    unsigned nsp =
        t->n_special < MFW_TOU_SPECIAL_DAYS_MAX ? t->n_special : MFW_TOU_SPECIAL_DAYS_MAX;
    for (unsigned i = 0; i < nsp; i++)
        if (special_match(&t->special[i].date, cd.year, cd.month, cd.day, wd) &&
            (!sp || t->special[i].index < sp->index))
            sp = &t->special[i];
    const struct mfw_tou_day *day = find_day(c, sp ? sp->day_id : week->day_id[wd - 1]);
    if (!day)
        return EV_BAD;

    /* The action with the latest start at or before the time of day. */
    const struct mfw_tou_day_action *act = NULL;
    int64_t astart = -1;
    unsigned na = day->n < MFW_TOU_ACTIONS_MAX ? day->n : MFW_TOU_ACTIONS_MAX;
    for (unsigned i = 0; i < na; i++) {
        const struct mfw_tou_day_action *x = &day->actions[i];
        if (!time_ok(&x->start, false))
            return EV_BAD;
        int64_t k = local_key(0, x->start.hour, x->start.minute, x->start.second);
        if (k <= sod && k > astart) {
            act = x;
            astart = k;
        }
    }
    if (!act)
        return EV_NONE;
    if (act->script_selector < 1 || act->script_selector > MFW_TARIFFS)
        return EV_BAD;
    *tariff = (uint8_t)act->script_selector;
    return EV_OK;
}

uint8_t mfw_tou_tariff_checked(const struct mfw_tou *t, const struct mfw_local_time *lt,
                               bool *inconsistent)
{
    uint8_t tariff = MFW_TOU_FALLBACK_TARIFF;
    enum eval r = EV_BAD;
    if (t && lt && lt->month >= 1 && lt->month <= 12 && lt->day >= 1 &&
        lt->day <= mfw_civil_days_in_month(lt->year, lt->month) && lt->hour < 24 &&
        lt->minute < 60 && lt->second < 60) {
        int64_t days = mfw_civil_days_from_date(lt->year, lt->month, lt->day);
        int64_t sod = local_key(0, lt->hour, lt->minute, lt->second);
        r = eval_day(t, days, sod, &tariff);
        /* Before the first switch of the day the previous day's last action stays in force:
         * evaluate the previous day at its last second (its own season, week, special day). */
        if (r == EV_NONE)
            r = eval_day(t, days - 1, SEC_PER_DAY - 1, &tariff);
    }
    if (r != EV_OK)
        tariff = MFW_TOU_FALLBACK_TARIFF;
    if (inconsistent)
        *inconsistent = r != EV_OK;
    return tariff;
}

uint8_t mfw_tou_tariff(const struct mfw_tou *t, const struct mfw_local_time *lt)
{
    return mfw_tou_tariff_checked(t, lt, NULL);
}

/* ---- persistent encoding ------------------------------------------------------------------ */

#define TOU_MAGIC0 'T'
#define TOU_MAGIC1 'O'
#define TOU_MAGIC2 'U'
#define TOU_VERSION 1u

struct wr {
    uint8_t *p;
    size_t cap, n;
    bool over;
};

static void w_bytes(struct wr *w, const void *src, size_t n)
{
    if (w->over || w->cap - w->n < n) {
        w->over = true;
        return;
    }
    memcpy(w->p + w->n, src, n);
    w->n += n;
}

static void w8(struct wr *w, uint8_t v)
{
    w_bytes(w, &v, 1);
}

static void w16(struct wr *w, uint16_t v)
{
    uint8_t b[2];
    mfw_bytes_put_le16(b, v);
    w_bytes(w, b, 2);
}

static void w_name(struct wr *w, const struct mfw_tou_name *n)
{
    w8(w, n->len);
    w_bytes(w, n->b, n->len);
}

static void w_date(struct wr *w, const struct mfw_tou_date *d)
{
    w16(w, d->year);
    w8(w, d->month);
    w8(w, d->day_of_month);
    w8(w, d->day_of_week);
}

static void w_time(struct wr *w, const struct mfw_tou_time *t)
{
    w8(w, t->hour);
    w8(w, t->minute);
    w8(w, t->second);
}

static bool cal_sizes_ok(const struct mfw_tou_calendar *c)
{
    if (c->n_seasons > MFW_TOU_SEASONS_MAX || c->n_weeks > MFW_TOU_WEEKS_MAX ||
        c->n_days > MFW_TOU_DAYS_MAX || c->name.len > MFW_TOU_NAME_MAX)
        return false;
    for (unsigned i = 0; i < c->n_seasons; i++)
        if (c->seasons[i].name.len > MFW_TOU_NAME_MAX ||
            c->seasons[i].week_name.len > MFW_TOU_NAME_MAX)
            return false;
    for (unsigned i = 0; i < c->n_weeks; i++)
        if (c->weeks[i].name.len > MFW_TOU_NAME_MAX)
            return false;
    for (unsigned i = 0; i < c->n_days; i++)
        if (c->days[i].n > MFW_TOU_ACTIONS_MAX)
            return false;
    return true;
}

static void w_cal(struct wr *w, const struct mfw_tou_calendar *c)
{
    w_name(w, &c->name);
    w8(w, c->n_seasons);
    w8(w, c->n_weeks);
    w8(w, c->n_days);
    for (unsigned i = 0; i < c->n_seasons; i++) {
        w_name(w, &c->seasons[i].name);
        w_date(w, &c->seasons[i].start.date);
        w_time(w, &c->seasons[i].start.time);
        w_name(w, &c->seasons[i].week_name);
    }
    for (unsigned i = 0; i < c->n_weeks; i++) {
        w_name(w, &c->weeks[i].name);
        w_bytes(w, c->weeks[i].day_id, 7);
    }
    for (unsigned i = 0; i < c->n_days; i++) {
        const struct mfw_tou_day *d = &c->days[i];
        w8(w, d->day_id);
        w8(w, d->n);
        for (unsigned a = 0; a < d->n; a++) {
            w_time(w, &d->actions[a].start);
            w16(w, d->actions[a].script_selector);
        }
    }
}

int mfw_tou_encode(const struct mfw_tou *t, uint8_t *buf, size_t cap, size_t *len)
{
    if (!t || (!buf && cap) || !len)
        return MFW_E_ARG;
    if (!cal_sizes_ok(&t->active) || !cal_sizes_ok(&t->passive) ||
        t->n_special > MFW_TOU_SPECIAL_DAYS_MAX)
        return MFW_E_RANGE;
    struct wr w = {.p = buf, .cap = cap, .n = 0, .over = false};
    const uint8_t magic[4] = {TOU_MAGIC0, TOU_MAGIC1, TOU_MAGIC2, TOU_VERSION};
    w_bytes(&w, magic, 4);
    w_cal(&w, &t->active);
    w_cal(&w, &t->passive);
    w_date(&w, &t->passive_activation.date);
    w_time(&w, &t->passive_activation.time);
    w8(&w, t->passive_pending ? 1 : 0);
    uint8_t b8[8];
    mfw_bytes_put_le64(b8, (uint64_t)t->last_activation_utc);
    w_bytes(&w, b8, 8);
    w8(&w, t->n_special);
    for (unsigned i = 0; i < t->n_special; i++) {
        w16(&w, t->special[i].index);
        w_date(&w, &t->special[i].date);
        w8(&w, t->special[i].day_id);
    }
    if (w.over)
        return MFW_E_NOSPACE;
    *len = w.n;
    return MFW_OK;
}

/* A bounded reader: past the end it returns zeros and remembers that the input was short. */
struct rd {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
};

static bool r_bytes(struct rd *r, void *dst, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = true;
        memset(dst, 0, n);
        return false;
    }
    memcpy(dst, r->p + r->pos, n);
    r->pos += n;
    return true;
}

static uint8_t r8(struct rd *r)
{
    uint8_t v;
    r_bytes(r, &v, 1);
    return v;
}

static uint16_t r16(struct rd *r)
{
    uint8_t b[2];
    r_bytes(r, b, 2);
    return mfw_bytes_get_le16(b);
}

/* A count or length above its maximum marks the input bad (and is clamped so nothing overruns). */
static uint8_t r_count(struct rd *r, unsigned max)
{
    uint8_t v = r8(r);
    if (v > max) {
        r->bad = true;
        return 0;
    }
    return v;
}

static void r_name(struct rd *r, struct mfw_tou_name *n)
{
    memset(n, 0, sizeof *n);
    n->len = r_count(r, MFW_TOU_NAME_MAX);
    r_bytes(r, n->b, n->len);
}

static void r_date(struct rd *r, struct mfw_tou_date *d)
{
    d->year = r16(r);
    d->month = r8(r);
    d->day_of_month = r8(r);
    d->day_of_week = r8(r);
}

static void r_time(struct rd *r, struct mfw_tou_time *t)
{
    t->hour = r8(r);
    t->minute = r8(r);
    t->second = r8(r);
}

static void r_cal(struct rd *r, struct mfw_tou_calendar *c)
{
    r_name(r, &c->name);
    c->n_seasons = r_count(r, MFW_TOU_SEASONS_MAX);
    c->n_weeks = r_count(r, MFW_TOU_WEEKS_MAX);
    c->n_days = r_count(r, MFW_TOU_DAYS_MAX);
    for (unsigned i = 0; i < c->n_seasons && !r->bad; i++) {
        r_name(r, &c->seasons[i].name);
        r_date(r, &c->seasons[i].start.date);
        r_time(r, &c->seasons[i].start.time);
        r_name(r, &c->seasons[i].week_name);
    }
    for (unsigned i = 0; i < c->n_weeks && !r->bad; i++) {
        r_name(r, &c->weeks[i].name);
        r_bytes(r, c->weeks[i].day_id, 7);
    }
    for (unsigned i = 0; i < c->n_days && !r->bad; i++) {
        struct mfw_tou_day *d = &c->days[i];
        d->day_id = r8(r);
        d->n = r_count(r, MFW_TOU_ACTIONS_MAX);
        for (unsigned a = 0; a < d->n && !r->bad; a++) {
            r_time(r, &d->actions[a].start);
            d->actions[a].script_selector = r16(r);
        }
    }
}

int mfw_tou_decode(struct mfw_tou *t, const uint8_t *buf, size_t len)
{
    if (!t || (!buf && len))
        return MFW_E_ARG;
    /* Decode into a temporary (zeroed, so unused slots and name padding are zero); *t changes
     * only when the whole record is well formed. About 1.5 KB of stack with the defaults. */
    struct mfw_tou tmp;
    memset(&tmp, 0, sizeof tmp);
    struct rd r = {.p = buf, .len = len, .pos = 0, .bad = false};
    uint8_t magic[4];
    r_bytes(&r, magic, 4);
    if (r.bad || magic[0] != TOU_MAGIC0 || magic[1] != TOU_MAGIC1 || magic[2] != TOU_MAGIC2 ||
        magic[3] != TOU_VERSION)
        return MFW_E_FORMAT;
    r_cal(&r, &tmp.active);
    r_cal(&r, &tmp.passive);
    r_date(&r, &tmp.passive_activation.date);
    r_time(&r, &tmp.passive_activation.time);
    uint8_t pending = r8(&r);
    if (pending > 1)
        return MFW_E_FORMAT;
    tmp.passive_pending = pending == 1;
    uint8_t b8[8];
    r_bytes(&r, b8, 8);
    tmp.last_activation_utc = (int64_t)mfw_bytes_get_le64(b8);
    tmp.n_special = r_count(&r, MFW_TOU_SPECIAL_DAYS_MAX);
    for (unsigned i = 0; i < tmp.n_special && !r.bad; i++) {
        tmp.special[i].index = r16(&r);
        r_date(&r, &tmp.special[i].date);
        tmp.special[i].day_id = r8(&r);
        /* struct mfw_tou keeps the special days sorted by a unique index */
        if (i > 0 && tmp.special[i].index <= tmp.special[i - 1].index)
            r.bad = true;
    }
    if (r.bad || r.pos != len)
        return MFW_E_FORMAT;
    *t = tmp;
    return MFW_OK;
}

bool mfw_tou_special_day(const struct mfw_tou *t, const struct mfw_local_time *lt)
{
    unsigned n = t->n_special < MFW_TOU_SPECIAL_DAYS_MAX ? t->n_special : MFW_TOU_SPECIAL_DAYS_MAX;
    for (unsigned i = 0; i < n; i++)
        if (special_match(&t->special[i].date, lt->year, lt->month, lt->day, lt->weekday))
            return true;
    return false;
}
