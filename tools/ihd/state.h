/* SPDX-License-Identifier: Apache-2.0 */
/* What the in-home display knows (docs/ihd.md): the last telegram, the errors counted, today's
 * baseline, events, and two days of minute buckets in memory for when the database is out. One
 * mutex guards it all (and the store): the reader writes, the HTTP threads read. */
#ifndef IHD_STATE_H
#define IHD_STATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "p1.h"
#include "store.h"

#define IHD_EVENTS_MAX 64
#define IHD_RING_MINUTES (2 * 1440)
#define IHD_SCHEDULE_MAX 16
#define IHD_CHANGES_MAX 64

/* A growing text buffer for the JSON answers. */
struct ihd_buf {
    char *p;
    size_t len, cap;
    bool oom;
};
void ihd_buf_printf(struct ihd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal, quoted and escaped. */
void ihd_buf_json_str(struct ihd_buf *b, const char *s);
void ihd_buf_free(struct ihd_buf *b);

struct ihd_config {
    double price[IHD_STORE_TARIFFS + 1]; /* per kWh imported in tariff k (k = 1..4) */
    bool price_set[IHD_STORE_TARIFFS + 1];
    double export_price; /* per kWh exported */
    char currency[8];
    unsigned quiet_s; /* no telegram for this long: "no data from the meter since" */
    /* a daily tariff schedule (--schedule 07:00=1,21:00=2), local time of the telegrams */
    unsigned n_schedule;
    struct {
        unsigned minute; /* of the local day */
        unsigned tariff;
    } schedule[IHD_SCHEDULE_MAX];
};

struct ihd_event {
    int64_t t; /* UTC seconds (meter time when from a telegram) */
    char kind[12];
    char text[160];
};

struct ihd_state {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct ihd_config cfg;
    struct ihd_store *store;
    uint64_t seq; /* bumped on every change; the event stream waits on it */
    bool stopping;
    int64_t started_ms;

    char source[200];
    bool connected;
    char link_text[200];

    bool have; /* a good telegram was read */
    struct ihd_p1 last;
    struct ihd_sample sample;
    int64_t offset; /* local - UTC of the last telegram (CET 3600, CEST 7200) */
    int64_t last_rx_ms;

    uint64_t n_ok, n_crc, n_nocrc, n_frame, n_line, n_value, n_size, n_truncated, n_overflow;
    uint64_t garbage;
    char last_error[200];
    int64_t last_error_ms;

    int64_t day; /* local day number of the baseline */
    bool base_have;
    struct ihd_sample base;
    const char *base_from; /* "database", "midnight", "first telegram" */

    struct ihd_event ev[IHD_EVENTS_MAX];
    unsigned ev_n, ev_next;

    unsigned n_changes; /* tariff changes seen: local minute of day and the new tariff */
    struct {
        unsigned minute, tariff;
        int64_t t;
    } changes[IHD_CHANGES_MAX];

    struct ihd_bucket ring[IHD_RING_MINUTES]; /* closed minutes, oldest first from ring_next */
    unsigned ring_n, ring_next;
    struct ihd_bucket open_minute;
};

void ihd_state_init(struct ihd_state *st, const struct ihd_config *cfg, struct ihd_store *store,
                    int64_t now_ms);
void ihd_state_destroy(struct ihd_state *st);

/* The reader's news; each takes the lock itself. */
void ihd_state_telegram(struct ihd_state *st, const struct ihd_p1 *r, int64_t now_ms);
void ihd_state_drop(struct ihd_state *st, int err, int64_t now_ms); /* p1 error or rx event */
void ihd_state_garbage(struct ihd_state *st, uint64_t total);
void ihd_state_link(struct ihd_state *st, bool connected, const char *text, int64_t now_ms);
/* Commit the store now and then (the reader calls it about once a second). */
void ihd_state_tick(struct ihd_state *st, int64_t now_ms);

/* JSON answers; the caller holds no lock. */
void ihd_state_json_now(struct ihd_state *st, struct ihd_buf *b, int64_t now_ms);
/* range: "day", "week", "month", "year"; false for another. */
bool ihd_state_json_history(struct ihd_state *st, const char *range, struct ihd_buf *b);

#endif
