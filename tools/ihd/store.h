/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's history (docs/ihd.md "Storage"): readings in SQLite, raw for two days
 * (one row a minute, its readings packed in a blob), one-minute buckets for 35 days, quarter-hour
 * buckets and the registers at each local midnight for good; plots read the buckets. When
 * the database cannot be opened or written, the store says why and the display goes on from
 * memory (state.c keeps two days of minute buckets of its own). */
#ifndef IHD_STORE_H
#define IHD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "p1.h"

/* Raw readings kept this long behind the newest, minute buckets this long, quarters for ever. */
#define IHD_RAW_KEEP_S (2 * 86400)
#define IHD_MINUTE_KEEP_S (35 * 86400)

/* One bucket of readings: the registers at its first and last reading, so that the energy in
 * a bucket is the difference of the last registers of it and of the bucket before (exact, as
 * the registers are integers), or last - first for the very first bucket. */
struct ihd_bucket {
    int64_t t; /* start, UTC seconds, a multiple of the step */
    int64_t imp_first, imp_last, exp_first, exp_last; /* Wh */
    int64_t p_max_w, p_sum_w;                         /* import power: maximum, sum */
    int64_t u_min_mv, u_max_mv;                       /* over all phases said */
    uint32_t n;                                       /* readings */
};

/* Tariff registers kept per reading (DSMR 5.0.2 has two; index 0 is unused). */
#define IHD_STORE_TARIFFS 4

/* What one reading brings to the history: registers summed over the tariffs, and each. */
struct ihd_sample {
    int64_t t;
    int64_t imp_wh, exp_wh;
    int64_t imp_t[IHD_STORE_TARIFFS + 1], exp_t[IHD_STORE_TARIFFS + 1];
    uint16_t t_have; /* bit k: imp_t[k], exp_t[k] said */
    int64_t p_imp_w, p_exp_w;
    int64_t u_min_mv, u_max_mv; /* 0 when the telegram says no voltage */
    unsigned tariff;
};

/* The packed readings of one minute: at most this many bytes (60 readings of at most 31). */
#define IHD_RAW_BLOB_MAX 2048

/* One raw reading as stored (decoded by ihd_store_raw). */
struct ihd_raw {
    int64_t t, imp_wh, exp_wh, p_imp_w, p_exp_w;
    unsigned tariff;
};

/* Start a bucket of `step` seconds at s (when it is empty), or add s to it. */
void ihd_bucket_add(struct ihd_bucket *b, const struct ihd_sample *s, int64_t step);
/* The start of the bucket of `step` seconds that holds t. */
int64_t ihd_bucket_start(int64_t t, int64_t step);

/* A plot series: points at t[k] with the energy in bucket k (Wh). */
struct ihd_series {
    unsigned n, cap;
    int64_t *t;
    int64_t *imp_wh, *exp_wh;
    int64_t *p_max_w;
};
void ihd_series_free(struct ihd_series *s);
/* Append a point; false when out of memory. */
bool ihd_series_push(struct ihd_series *s, int64_t t, int64_t imp, int64_t exp, int64_t pmax);

struct sqlite3;
struct sqlite3_stmt;
struct ihd_store {
    struct sqlite3 *db;
    struct sqlite3_stmt *st_raw, *st_minute, *st_quarter; /* prepared once */
    bool ok;                                              /* open and writable */
    bool readable;    /* open: history can be read even when it cannot be written */
    char error[1024]; /* why not, for the page */
    char path[512];
    bool in_tx;
    unsigned pending; /* rows since the last commit */
    struct ihd_bucket minute, quarter;
    /* the open minute of raw readings */
    uint8_t blob[IHD_RAW_BLOB_MAX];
    size_t blob_len;
    unsigned blob_n;
    int64_t blob_t, blob_imp0, blob_exp0, prev_t, prev_imp, prev_exp;
    uint64_t raw_dropped; /* readings that did not fit their minute (more than 60 a minute) */
    int64_t last_t;       /* newest reading stored */
    int64_t pruned_t;     /* last prune */
    uint64_t rows;        /* readings stored since start */
};

/* Open (creating the schema) or say why not in store->error; never fails the program. A path
 * beginning "file:" is an SQLite URI (e.g. "file:x.db?mode=ro" for a read-only archive). */
void ihd_store_open(struct ihd_store *s, const char *path);
void ihd_store_close(struct ihd_store *s);
/* Add a reading. Returns false (and sets ok = false, error) when the database refused it. */
bool ihd_store_add(struct ihd_store *s, const struct ihd_sample *x);
/* Commit what was added, the open buckets included. */
bool ihd_store_commit(struct ihd_store *s);
/* Buckets of `step` (60, 900, 3600 or 86400 s; the last two from quarters) with t in
 * [from, to), shifted by `offset` seconds for local days (step 86400). */
bool ihd_store_history(struct ihd_store *s, int64_t from, int64_t to, int64_t step, int64_t offset,
                       struct ihd_series *out);
/* A local day's baseline (the registers of the last reading before its midnight, or of its
 * first reading), kept and read back by day number (days since 1970-01-01, local). */
bool ihd_store_day(struct ihd_store *s, int64_t day, const struct ihd_sample *base);
bool ihd_store_baseline(struct ihd_store *s, int64_t day, struct ihd_sample *out);
/* The raw readings with t in [from, to), at most max of them; returns how many, or -1. */
int ihd_store_raw(struct ihd_store *s, int64_t from, int64_t to, struct ihd_raw *out, int max);
/* Events: power failures, sags, swells, tariff changes, errors (kind, text). */
bool ihd_store_event(struct ihd_store *s, int64_t t, const char *kind, const char *text);
/* The database file's size in bytes (page count x page size), or -1. */
int64_t ihd_store_bytes(struct ihd_store *s);

#endif
