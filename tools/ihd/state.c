/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's live state and its JSON (state.h). */
#include "state.h"

#include "han.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ihd_buf_printf(struct ihd_buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if (b->p && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->len <= (size_t)n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

void ihd_buf_json_str(struct ihd_buf *b, const char *s)
{
    ihd_buf_printf(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            ihd_buf_printf(b, "\\%c", c);
        else if (c < 0x20 || c >= 0x7F)
            ihd_buf_printf(b, "\\u%04x", c);
        else
            ihd_buf_printf(b, "%c", c);
    }
    ihd_buf_printf(b, "\"");
}

void ihd_buf_free(struct ihd_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void ihd_state_init(struct ihd_state *st, const struct ihd_config *cfg, struct ihd_store *store,
                    int64_t now_ms)
{
    memset(st, 0, sizeof *st);
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    st->cfg = *cfg;
    st->store = store;
    st->started_ms = now_ms;
    st->offset = 3600;
    st->day = INT64_MIN;
}

void ihd_state_destroy(struct ihd_state *st)
{
    pthread_cond_destroy(&st->cv);
    pthread_mutex_destroy(&st->mu);
}

static void changed(struct ihd_state *st)
{
    st->seq++;
    pthread_cond_broadcast(&st->cv);
}

static void event(struct ihd_state *st, int64_t t, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void event(struct ihd_state *st, int64_t t, const char *kind, const char *fmt, ...)
{
    struct ihd_event *e = &st->ev[st->ev_next];
    st->ev_next = (st->ev_next + 1) % IHD_EVENTS_MAX;
    if (st->ev_n < IHD_EVENTS_MAX)
        st->ev_n++;
    e->t = t;
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    ihd_store_event(st->store, t, e->kind, e->text);
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static void sample_of(const struct ihd_p1 *r, int64_t now_ms, struct ihd_sample *s)
{
    memset(s, 0, sizeof *s);
    s->t = (r->have & IHD_P1_HAVE_TIME) ? r->time : floordiv(now_ms, 1000);
    for (int k = 1; k <= IHD_P1_TARIFFS; k++) {
        if (r->import_have & (1u << k))
            s->imp_wh += r->import_wh[k];
        if (r->export_have & (1u << k))
            s->exp_wh += r->export_wh[k];
        if (k <= IHD_STORE_TARIFFS && (r->import_have & (1u << k))) {
            s->t_have |= (uint16_t)(1u << k);
            s->imp_t[k] = r->import_wh[k];
            s->exp_t[k] = r->export_wh[k];
        }
    }
    /* a meter that says only the totals (Kamstrup HAN-P1: 1.8.0, 2.8.0) */
    if ((r->import_have & 1u) && !(r->import_have & ~1u))
        s->imp_wh = r->import_wh[0];
    if ((r->export_have & 1u) && !(r->export_have & ~1u))
        s->exp_wh = r->export_wh[0];
    s->p_imp_w = r->p_import_w;
    s->p_exp_w = r->p_export_w;
    for (int k = 0; k < 3; k++)
        if (r->u_have & (1u << k)) {
            if (s->u_min_mv == 0 || r->u_mv[k] < s->u_min_mv)
                s->u_min_mv = r->u_mv[k];
            if (r->u_mv[k] > s->u_max_mv)
                s->u_max_mv = r->u_mv[k];
        }
    s->tariff = r->tariff;
}

static void ring_push(struct ihd_state *st, const struct ihd_bucket *b)
{
    st->ring[st->ring_next] = *b;
    st->ring_next = (st->ring_next + 1) % IHD_RING_MINUTES;
    if (st->ring_n < IHD_RING_MINUTES)
        st->ring_n++;
}

static void hhmm(int64_t t, int64_t offset, char out[6])
{
    int64_t s = floordiv(t + offset, 60);
    int64_t m = s % 1440;
    if (m < 0)
        m += 1440;
    snprintf(out, 6, "%02d:%02d", (int)(m / 60), (int)(m % 60));
}

static void sag_events(struct ihd_state *st, const struct ihd_p1 *o, const struct ihd_p1 *r,
                       int64_t t)
{
    for (int k = 0; k < 3; k++) {
        if ((r->sag_have & o->sag_have & (1u << k)) && r->sags[k] > o->sags[k])
            event(st, t, "sag", "voltage sag on L%d (the meter's count %lld -> %lld)", k + 1,
                  (long long)o->sags[k], (long long)r->sags[k]);
        if ((r->swell_have & o->swell_have & (1u << k)) && r->swells[k] > o->swells[k])
            event(st, t, "swell", "voltage swell on L%d (the meter's count %lld -> %lld)", k + 1,
                  (long long)o->swells[k], (long long)r->swells[k]);
    }
    if ((r->have & o->have & IHD_P1_HAVE_FAIL_SHORT) && r->fail_short > o->fail_short)
        event(st, t, "failure", "power failure (the meter's count %lld -> %lld)",
              (long long)o->fail_short, (long long)r->fail_short);
    if ((r->have & o->have & IHD_P1_HAVE_FAIL_LONG) && r->fail_long > o->fail_long)
        event(st, t, "failure", "long power failure (the meter's count %lld -> %lld)",
              (long long)o->fail_long, (long long)r->fail_long);
}

void ihd_state_telegram(struct ihd_state *st, const struct ihd_p1 *in, int64_t now_ms)
{
    pthread_mutex_lock(&st->mu);
    /* A HAN list without registers (Kamstrup's 2-10 s lists) brings live values only: the
     * registers of the last reading that had them stay, and nothing goes into the history. */
    struct ihd_p1 merged = *in;
    const struct ihd_p1 *r = &merged;
    bool history = in->import_have || in->export_have;
    if (!history && st->have) {
        merged.import_have = st->last.import_have;
        merged.export_have = st->last.export_have;
        memcpy(merged.import_wh, st->last.import_wh, sizeof merged.import_wh);
        memcpy(merged.export_wh, st->last.export_wh, sizeof merged.export_wh);
        if (!(in->have & IHD_P1_HAVE_TARIFF) && (st->last.have & IHD_P1_HAVE_TARIFF)) {
            merged.have |= IHD_P1_HAVE_TARIFF;
            merged.tariff = st->last.tariff;
        }
    }
    struct ihd_sample s;
    sample_of(r, now_ms, &s);
    int64_t offset = (r->have & IHD_P1_HAVE_TIME) ? (r->dst ? 7200 : 3600) : st->offset;
    int64_t day = floordiv(s.t + offset, 86400);
    if (st->have) {
        sag_events(st, &st->last, r, s.t);
        if ((r->have & st->last.have & IHD_P1_HAVE_TARIFF) && r->tariff != st->last.tariff) {
            char at[6];
            hhmm(s.t, offset, at);
            event(st, s.t, "tariff", "tariff T%u -> T%u at %s", st->last.tariff, r->tariff, at);
            if (st->n_changes == IHD_CHANGES_MAX) {
                memmove(st->changes, st->changes + 1,
                        sizeof st->changes[0] * (IHD_CHANGES_MAX - 1));
                st->n_changes--;
            }
            int64_t m = floordiv(s.t + offset, 60) % 1440;
            st->changes[st->n_changes].minute = (unsigned)(m < 0 ? m + 1440 : m);
            st->changes[st->n_changes].tariff = r->tariff;
            st->changes[st->n_changes].t = s.t;
            st->n_changes++;
        }
    }
    /* today's baseline: the last reading before local midnight (as the plots' first point),
     * kept in the database for a restart within the day; else the day's first telegram */
    if (history && day != st->day) {
        int64_t midnight = day * 86400 - offset;
        if (st->have && st->sample.t < midnight && st->sample.t >= midnight - 86400) {
            st->base = st->sample;
            st->base_from = "the last reading before midnight";
            ihd_store_day(st->store, day, &st->base);
        } else if (ihd_store_baseline(st->store, day, &st->base) && st->base.t <= s.t) {
            st->base_from = "kept in the database";
        } else {
            st->base = s;
            st->base_from = "the first reading of the day";
            ihd_store_day(st->store, day, &st->base);
        }
        st->base_have = true;
        st->day = day;
    }
    if (history) {
        ihd_store_add(st->store, &s);
        if (st->open_minute.n && ihd_bucket_start(s.t, 60) != st->open_minute.t) {
            ring_push(st, &st->open_minute);
            st->open_minute.n = 0;
        }
        ihd_bucket_add(&st->open_minute, &s, 60);
    }
    st->last = *r;
    st->sample = s;
    st->offset = offset;
    st->have = true;
    st->last_rx_ms = now_ms;
    st->n_ok++;
    changed(st);
    pthread_mutex_unlock(&st->mu);
}

void ihd_state_drop(struct ihd_state *st, int err, int64_t now_ms)
{
    pthread_mutex_lock(&st->mu);
    const char *what;
    switch (err) {
    case IHD_P1_E_CRC: st->n_crc++, what = "CRC mismatch"; break;
    case IHD_P1_E_NOCRC: st->n_nocrc++, what = "no CRC"; break;
    case IHD_P1_E_FRAME: st->n_frame++, what = "not a telegram"; break;
    case IHD_P1_E_LINE: st->n_line++, what = "malformed line"; break;
    case IHD_P1_E_VALUE: st->n_value++, what = "value out of format"; break;
    case IHD_P1_E_SIZE: st->n_size++, what = "too long"; break;
    case IHD_HAN_E_HCS: st->n_crc++, what = "HDLC HCS mismatch"; break;
    case IHD_HAN_E_FCS: st->n_crc++, what = "HDLC FCS mismatch"; break;
    case IHD_HAN_E_FRAME: st->n_frame++, what = "not an HDLC frame"; break;
    case IHD_HAN_E_APDU: st->n_frame++, what = "not a data-notification"; break;
    case IHD_HAN_E_VALUE: st->n_value++, what = "HAN list malformed"; break;
    case IHD_HAN_E_CIPHERED:
        st->n_value++, what = "ciphered HAN push (the display has no consumer key)";
        break;
    case 2000 + IHD_HAN_RX_BAD: st->n_truncated++, what = "HDLC frame without its end"; break;
    case 1000 + IHD_P1_RX_TRUNCATED: st->n_truncated++, what = "cut short by the next one"; break;
    case 1000 + IHD_P1_RX_OVERFLOW: st->n_overflow++, what = "longer than 8 KiB"; break;
    default: what = "unknown"; break;
    }
    snprintf(st->last_error, sizeof st->last_error, "telegram dropped: %s", what);
    st->last_error_ms = now_ms;
    changed(st);
    pthread_mutex_unlock(&st->mu);
}

void ihd_state_garbage(struct ihd_state *st, uint64_t total)
{
    pthread_mutex_lock(&st->mu);
    if (total != st->garbage) {
        st->garbage = total;
        changed(st);
    }
    pthread_mutex_unlock(&st->mu);
}

void ihd_state_link(struct ihd_state *st, bool connected, const char *text, int64_t now_ms)
{
    (void)now_ms;
    pthread_mutex_lock(&st->mu);
    st->connected = connected;
    snprintf(st->link_text, sizeof st->link_text, "%s", text);
    changed(st);
    pthread_mutex_unlock(&st->mu);
}

void ihd_state_tick(struct ihd_state *st, int64_t now_ms)
{
    (void)now_ms;
    pthread_mutex_lock(&st->mu);
    bool was = st->store->ok;
    ihd_store_commit(st->store);
    if (was != st->store->ok)
        changed(st);
    pthread_mutex_unlock(&st->mu);
}

/* The next tariff change: from --schedule, else from the changes seen on earlier days at the
 * same local time, else not known (a P1 telegram carries only the active tariff). */
static void next_change(struct ihd_state *st, struct ihd_buf *b)
{
    int64_t m = floordiv(st->sample.t + st->offset, 60) % 1440;
    unsigned now_min = (unsigned)(m < 0 ? m + 1440 : m);
    unsigned best = 0, best_d = 1441, tariff = 0;
    const char *how = NULL;
    if (st->cfg.n_schedule) {
        for (unsigned k = 0; k < st->cfg.n_schedule; k++) {
            unsigned d = (st->cfg.schedule[k].minute + 1440 - now_min - 1) % 1440 + 1;
            if (st->cfg.schedule[k].tariff != st->last.tariff && d < best_d)
                best_d = d, best = st->cfg.schedule[k].minute, tariff = st->cfg.schedule[k].tariff;
        }
        how = "schedule";
    } else {
        for (unsigned k = 0; k < st->n_changes; k++) {
            unsigned d = (st->changes[k].minute + 1440 - now_min - 1) % 1440 + 1;
            if (st->changes[k].tariff != st->last.tariff && d < best_d)
                best_d = d, best = st->changes[k].minute, tariff = st->changes[k].tariff;
        }
        how = "learned";
    }
    if (best_d > 1440) {
        ihd_buf_printf(b, "null");
        return;
    }
    int64_t at = floordiv(st->sample.t, 60) * 60 + (int64_t)best_d * 60;
    ihd_buf_printf(b, "{\"tariff\":%u,\"hhmm\":\"%02u:%02u\",\"t\":%lld,\"how\":\"%s\"}", tariff,
                   best / 60, best % 60, (long long)at, how);
}

static void json_counts(struct ihd_state *st, struct ihd_buf *b)
{
    uint64_t bad = st->n_crc + st->n_nocrc + st->n_frame + st->n_line + st->n_value + st->n_size +
                   st->n_truncated + st->n_overflow;
    ihd_buf_printf(b,
                   "\"counts\":{\"ok\":%llu,\"dropped\":%llu,\"crc\":%llu,\"nocrc\":%llu,"
                   "\"frame\":%llu,\"line\":%llu,\"value\":%llu,\"size\":%llu,\"truncated\":%llu,"
                   "\"overflow\":%llu,\"garbage_bytes\":%llu},",
                   (unsigned long long)st->n_ok, (unsigned long long)bad,
                   (unsigned long long)st->n_crc, (unsigned long long)st->n_nocrc,
                   (unsigned long long)st->n_frame, (unsigned long long)st->n_line,
                   (unsigned long long)st->n_value, (unsigned long long)st->n_size,
                   (unsigned long long)st->n_truncated, (unsigned long long)st->n_overflow,
                   (unsigned long long)st->garbage);
    ihd_buf_printf(b, "\"last_error\":");
    if (st->last_error_ms) {
        ihd_buf_printf(b, "{\"text\":");
        ihd_buf_json_str(b, st->last_error);
        ihd_buf_printf(b, ",\"at_ms\":%lld},", (long long)st->last_error_ms);
    } else {
        ihd_buf_printf(b, "null,");
    }
}

static void json_today(struct ihd_state *st, struct ihd_buf *b)
{
    const struct ihd_sample *s = &st->sample, *o = &st->base;
    ihd_buf_printf(b,
                   "\"today\":{\"since\":%lld,\"baseline\":\"%s\",\"currency\":", (long long)o->t,
                   st->base_from ? st->base_from : "");
    ihd_buf_json_str(b, st->cfg.currency);
    ihd_buf_printf(b, ",\"tariffs\":[");
    double total = 0;
    bool first = true, priced = true;
    for (int k = 1; k <= IHD_STORE_TARIFFS; k++) {
        if (!(s->t_have & o->t_have & (1u << k)))
            continue;
        int64_t wh = s->imp_t[k] - o->imp_t[k], ewh = s->exp_t[k] - o->exp_t[k];
        ihd_buf_printf(b, "%s{\"tariff\":%d,\"import_wh\":%lld,\"export_wh\":%lld",
                       first ? "" : ",", k, (long long)wh, (long long)ewh);
        if (st->cfg.price_set[k]) {
            double c = (double)wh / 1000.0 * st->cfg.price[k];
            total += c;
            ihd_buf_printf(b, ",\"price\":%.4f,\"cost\":%.4f", st->cfg.price[k], c);
        } else {
            priced = false;
        }
        ihd_buf_printf(b, "}");
        first = false;
    }
    int64_t imp = s->imp_wh - o->imp_wh, exp = s->exp_wh - o->exp_wh;
    double credit = (double)exp / 1000.0 * st->cfg.export_price;
    ihd_buf_printf(b, "],\"import_wh\":%lld,\"export_wh\":%lld", (long long)imp, (long long)exp);
    if (!first && priced)
        ihd_buf_printf(b, ",\"cost\":%.4f", total);
    if (st->cfg.export_price > 0)
        ihd_buf_printf(b, ",\"export_price\":%.4f,\"credit\":%.4f", st->cfg.export_price, credit);
    ihd_buf_printf(b, "},");
}

void ihd_state_json_now(struct ihd_state *st, struct ihd_buf *b, int64_t now_ms)
{
    pthread_mutex_lock(&st->mu);
    const struct ihd_p1 *r = &st->last;
    bool quiet = !st->have || now_ms - st->last_rx_ms > (int64_t)st->cfg.quiet_s * 1000;
    ihd_buf_printf(b, "{\"seq\":%llu,\"now_ms\":%lld,\"started_ms\":%lld,\"source\":",
                   (unsigned long long)st->seq, (long long)now_ms, (long long)st->started_ms);
    ihd_buf_json_str(b, st->source);
    ihd_buf_printf(b, ",\"connected\":%s,\"link\":", st->connected ? "true" : "false");
    ihd_buf_json_str(b, st->link_text);
    ihd_buf_printf(b, ",\"quiet\":%s,\"quiet_after_s\":%u,\"have\":%s,\"last_rx_ms\":%lld,",
                   quiet ? "true" : "false", st->cfg.quiet_s, st->have ? "true" : "false",
                   (long long)st->last_rx_ms);
    json_counts(st, b);
    ihd_buf_printf(b,
                   "\"db\":{\"ok\":%s,\"readable\":%s,\"path\":", st->store->ok ? "true" : "false",
                   st->store->readable ? "true" : "false");
    ihd_buf_json_str(b, st->store->path);
    ihd_buf_printf(b, ",\"error\":");
    ihd_buf_json_str(b, st->store->ok ? "" : st->store->error);
    ihd_buf_printf(b, ",\"bytes\":%lld,\"rows\":%llu},", (long long)ihd_store_bytes(st->store),
                   (unsigned long long)st->store->rows);
    ihd_buf_printf(b, "\"events\":[");
    for (unsigned k = 0; k < st->ev_n; k++) {
        const struct ihd_event *e =
            &st->ev[(st->ev_next + IHD_EVENTS_MAX - 1 - k) % IHD_EVENTS_MAX]; /* newest first */
        ihd_buf_printf(b, "%s{\"t\":%lld,\"kind\":", k ? "," : "", (long long)e->t);
        ihd_buf_json_str(b, e->kind);
        ihd_buf_printf(b, ",\"text\":");
        ihd_buf_json_str(b, e->text);
        ihd_buf_printf(b, "}");
    }
    ihd_buf_printf(b, "]");
    if (!st->have) {
        ihd_buf_printf(b, "}");
        pthread_mutex_unlock(&st->mu);
        return;
    }
    ihd_buf_printf(b, ",\"meter\":");
    ihd_buf_json_str(b, r->ident);
    unsigned phases = (r->phase_have & 6u) ? 3 : 1;
    ihd_buf_printf(b,
                   ",\"time\":%lld,\"offset\":%lld,\"dst\":%s,\"phases\":%u,\"p_import_w\":%lld,"
                   "\"p_export_w\":%lld,",
                   (long long)st->sample.t, (long long)st->offset, r->dst ? "true" : "false",
                   phases, (long long)r->p_import_w, (long long)r->p_export_w);
    ihd_buf_printf(b, "\"phase\":[");
    for (unsigned k = 0; k < phases; k++) {
        ihd_buf_printf(b, "%s{\"l\":%u", k ? "," : "", k + 1);
        if (r->u_have & (1u << k))
            ihd_buf_printf(b, ",\"u_mv\":%lld", (long long)r->u_mv[k]);
        if (r->i_have & (1u << k))
            ihd_buf_printf(b, ",\"i_ma\":%lld", (long long)r->i_ma[k]);
        if (r->pl_have & (1u << k))
            ihd_buf_printf(b, ",\"p_import_w\":%lld,\"p_export_w\":%lld",
                           (long long)r->p_import_l_w[k], (long long)r->p_export_l_w[k]);
        if (r->sag_have & (1u << k))
            ihd_buf_printf(b, ",\"sags\":%lld", (long long)r->sags[k]);
        if (r->swell_have & (1u << k))
            ihd_buf_printf(b, ",\"swells\":%lld", (long long)r->swells[k]);
        ihd_buf_printf(b, "}");
    }
    ihd_buf_printf(b, "],\"tariff\":");
    if (r->have & IHD_P1_HAVE_TARIFF)
        ihd_buf_printf(b, "%u", r->tariff);
    else
        ihd_buf_printf(b, "null");
    ihd_buf_printf(b, ",\"next_tariff\":");
    if (r->have & IHD_P1_HAVE_TARIFF)
        next_change(st, b);
    else
        ihd_buf_printf(b, "null");
    ihd_buf_printf(b, ",\"import_wh\":%lld,\"export_wh\":%lld,", (long long)st->sample.imp_wh,
                   (long long)st->sample.exp_wh);
    if (st->base_have)
        json_today(st, b);
    else
        ihd_buf_printf(b, "\"today\":null,");
    ihd_buf_printf(b, "\"failures\":{");
    if (r->have & IHD_P1_HAVE_FAIL_SHORT)
        ihd_buf_printf(b, "\"short\":%lld,", (long long)r->fail_short);
    if (r->have & IHD_P1_HAVE_FAIL_LONG)
        ihd_buf_printf(b, "\"long\":%lld,", (long long)r->fail_long);
    ihd_buf_printf(b, "\"log\":[");
    for (unsigned k = 0; k < r->n_failures; k++)
        ihd_buf_printf(b, "%s{\"end\":%lld,\"duration_s\":%lld}", k ? "," : "",
                       (long long)r->failures[k].end, (long long)r->failures[k].duration);
    ihd_buf_printf(b, "]}}");
    pthread_mutex_unlock(&st->mu);
}

/* History from the memory ring (the database is out): the same rule as the store's query, the
 * energy of a bucket being its last registers less the last of the bucket before. */
static void ring_history(struct ihd_state *st, int64_t from, int64_t to, int64_t step,
                         int64_t offset, struct ihd_series *out)
{
    bool prev = false, open = false;
    int64_t prev_imp = 0, prev_exp = 0, g = 0, gi0 = 0, gi1 = 0, ge0 = 0, ge1 = 0, gp = 0;
    unsigned n = st->ring_n + (st->open_minute.n ? 1 : 0);
    for (unsigned k = 0; k <= n; k++) {
        const struct ihd_bucket *b = NULL;
        if (k < st->ring_n)
            b = &st->ring[(st->ring_next + IHD_RING_MINUTES - st->ring_n + k) % IHD_RING_MINUTES];
        else if (k < n)
            b = &st->open_minute;
        int64_t bg = b ? floordiv(b->t + offset, step) * step - offset : 0;
        if (open && (!b || bg != g)) {
            if (g >= from && g < to)
                ihd_series_push(out, g, gi1 - (prev ? prev_imp : gi0),
                                ge1 - (prev ? prev_exp : ge0), gp);
            prev = true, prev_imp = gi1, prev_exp = ge1, open = false;
        }
        if (!b || b->t >= to)
            break;
        if (!open) {
            open = true, g = bg, gi0 = b->imp_first, ge0 = b->exp_first, gp = 0;
        }
        gi1 = b->imp_last, ge1 = b->exp_last;
        if (b->p_max_w > gp)
            gp = b->p_max_w;
    }
}

bool ihd_state_json_history(struct ihd_state *st, const char *range, struct ihd_buf *b)
{
    int64_t step, days;
    if (strcmp(range, "day") == 0)
        step = 60, days = 1;
    else if (strcmp(range, "week") == 0)
        step = 900, days = 7;
    else if (strcmp(range, "month") == 0)
        step = 3600, days = 30;
    else if (strcmp(range, "year") == 0)
        step = 86400, days = 365;
    else
        return false;
    pthread_mutex_lock(&st->mu);
    int64_t now = st->have ? st->sample.t : floordiv(st->started_ms, 1000);
    int64_t to = (floordiv(now + st->offset, 86400) + 1) * 86400 - st->offset;
    int64_t from = to - days * 86400;
    struct ihd_series s = {0};
    const char *src = "database";
    ihd_store_commit(st->store); /* the open buckets too */
    if (!ihd_store_history(st->store, from, to, step, st->offset, &s)) {
        ihd_series_free(&s);
        ring_history(st, from, to, step, st->offset, &s);
        src = "memory";
    }
    ihd_buf_printf(b,
                   "{\"range\":\"%s\",\"step\":%lld,\"from\":%lld,\"to\":%lld,\"source\":\"%s\",",
                   range, (long long)step, (long long)from, (long long)to, src);
    ihd_buf_printf(b, "\"offset\":%lld,", (long long)st->offset);
    if (st->have)
        ihd_buf_printf(b, "\"asof\":%lld,", (long long)st->sample.t);
    int64_t ti = 0, te = 0;
    const char *names[4] = {"t", "import_wh", "export_wh", "pmax_w"};
    int64_t *cols[4] = {s.t, s.imp_wh, s.exp_wh, s.p_max_w};
    for (int c = 0; c < 4; c++) {
        ihd_buf_printf(b, "\"%s\":[", names[c]);
        for (unsigned k = 0; k < s.n; k++)
            ihd_buf_printf(b, "%s%lld", k ? "," : "", (long long)cols[c][k]);
        ihd_buf_printf(b, "],");
    }
    for (unsigned k = 0; k < s.n; k++)
        ti += s.imp_wh[k], te += s.exp_wh[k];
    ihd_buf_printf(b, "\"points\":%u,\"total_import_wh\":%lld,\"total_export_wh\":%lld}", s.n,
                   (long long)ti, (long long)te);
    ihd_series_free(&s);
    pthread_mutex_unlock(&st->mu);
    return true;
}
