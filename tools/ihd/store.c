/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's history in SQLite (store.h, docs/ihd.md "Storage"). */
#include "store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t ihd_bucket_start(int64_t t, int64_t step)
{
    int64_t r = t % step;
    return t - (r < 0 ? r + step : r);
}

void ihd_bucket_add(struct ihd_bucket *b, const struct ihd_sample *s, int64_t step)
{
    if (b->n == 0) {
        memset(b, 0, sizeof *b);
        b->t = ihd_bucket_start(s->t, step);
        b->imp_first = s->imp_wh;
        b->exp_first = s->exp_wh;
        b->u_min_mv = s->u_min_mv;
        b->u_max_mv = s->u_max_mv;
    }
    b->imp_last = s->imp_wh;
    b->exp_last = s->exp_wh;
    if (s->p_imp_w > b->p_max_w)
        b->p_max_w = s->p_imp_w;
    b->p_sum_w += s->p_imp_w;
    if (s->u_min_mv && (b->u_min_mv == 0 || s->u_min_mv < b->u_min_mv))
        b->u_min_mv = s->u_min_mv;
    if (s->u_max_mv > b->u_max_mv)
        b->u_max_mv = s->u_max_mv;
    b->n++;
}

void ihd_series_free(struct ihd_series *s)
{
    free(s->t);
    free(s->imp_wh);
    free(s->exp_wh);
    free(s->p_max_w);
    memset(s, 0, sizeof *s);
}

static bool grow(int64_t **p, unsigned cap)
{
    int64_t *q = realloc(*p, cap * sizeof **p);
    if (!q)
        return false;
    *p = q;
    return true;
}

bool ihd_series_push(struct ihd_series *s, int64_t t, int64_t imp, int64_t exp, int64_t pmax)
{
    if (s->n == s->cap) {
        unsigned cap = s->cap ? 2 * s->cap : 256;
        if (!grow(&s->t, cap) || !grow(&s->imp_wh, cap) || !grow(&s->exp_wh, cap) ||
            !grow(&s->p_max_w, cap))
            return false;
        s->cap = cap;
    }
    s->t[s->n] = t;
    s->imp_wh[s->n] = imp;
    s->exp_wh[s->n] = exp;
    s->p_max_w[s->n] = pmax;
    s->n++;
    return true;
}

static void fail(struct ihd_store *s, const char *what)
{
    snprintf(s->error, sizeof s->error, "database %s: %s: %s", s->path, what,
             s->db ? sqlite3_errmsg(s->db) : "cannot open");
    s->ok = false;
}

static bool exec(struct ihd_store *s, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        sqlite3_free(msg);
        return false;
    }
    return true;
}

/* Every table's rowid is its time (or day), so each is its own index. raw: one row a minute,
 * its readings packed (see pack()); minute and quarter: buckets; day: the registers at the start
 * of each local day (today's baseline). */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;"
    "INSERT OR IGNORE INTO meta VALUES('schema', '2');"
    "CREATE TABLE IF NOT EXISTS raw(t INTEGER PRIMARY KEY, n INTEGER, imp0 INTEGER,"
    " exp0 INTEGER, data BLOB);"
    "CREATE TABLE IF NOT EXISTS minute(t INTEGER PRIMARY KEY, imp0 INTEGER, imp1 INTEGER,"
    " exp0 INTEGER, exp1 INTEGER, pmax INTEGER, umin INTEGER, umax INTEGER);"
    "CREATE TABLE IF NOT EXISTS quarter(t INTEGER PRIMARY KEY, imp0 INTEGER, imp1 INTEGER,"
    " exp0 INTEGER, exp1 INTEGER, pmax INTEGER, umin INTEGER, umax INTEGER);"
    "CREATE TABLE IF NOT EXISTS day(d INTEGER PRIMARY KEY, t INTEGER, imp INTEGER, exp INTEGER,"
    " i1 INTEGER, i2 INTEGER, i3 INTEGER, i4 INTEGER, e1 INTEGER, e2 INTEGER, e3 INTEGER,"
    " e4 INTEGER);"
    "CREATE TABLE IF NOT EXISTS event(id INTEGER PRIMARY KEY, t INTEGER, kind TEXT, text TEXT);";

/* LEB128 and zigzag: a reading a second costs about 8 bytes (time step, two register steps, two
 * powers, the tariff) instead of a 40-byte row. */
static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7Fu;
        v >>= 7;
        p[n++] = (uint8_t)(b | (v ? 0x80u : 0));
    } while (v);
    return n;
}

static uint64_t zigzag(int64_t v)
{
    return v < 0 ? ((uint64_t)(-(v + 1)) << 1) | 1u : (uint64_t)v << 1;
}

static int64_t unzigzag(uint64_t u)
{
    return (u & 1u) ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1);
}

static bool get_varint(const uint8_t *p, size_t n, size_t *k, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*k >= n)
            return false;
        uint8_t b = p[(*k)++];
        x |= (uint64_t)(b & 0x7Fu) << shift;
        if (!(b & 0x80u)) {
            *v = x;
            return true;
        }
    }
    return false;
}

void ihd_store_open(struct ihd_store *s, const char *path)
{
    memset(s, 0, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        fail(s, "open");
        return;
    }
    sqlite3_busy_timeout(s->db, 200);
    /* A damaged file is found now, not at the first plot: quick_check reads every page. */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        fail(s, "damaged or not a database");
        return;
    }
    const unsigned char *r = sqlite3_column_text(st, 0);
    bool good = r && strcmp((const char *)r, "ok") == 0;
    sqlite3_finalize(st);
    if (!good) {
        fail(s, "damaged (quick_check)");
        return;
    }
    s->readable = true;
    if (sqlite3_db_readonly(s->db, "main") == 1) {
        snprintf(s->error, sizeof s->error,
                 "database %s: read-only: the history is shown, nothing new is kept", s->path);
        return;
    }
    if (!exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") || !exec(s, schema)) {
        fail(s, "schema");
        return;
    }
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT max(t) FROM minute", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        s->last_t = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO raw VALUES(?,?,?,?,?)", -1, &s->st_raw,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO minute VALUES(?,?,?,?,?,?,?,?)", -1,
                           &s->st_minute, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO quarter VALUES(?,?,?,?,?,?,?,?)", -1,
                           &s->st_quarter, NULL) != SQLITE_OK) {
        fail(s, "prepare");
        return;
    }
    s->ok = true;
}

static bool put_bucket(struct ihd_store *s, sqlite3_stmt *st, const struct ihd_bucket *b)
{
    int64_t v[8] = {b->t,        b->imp_first, b->imp_last, b->exp_first,
                    b->exp_last, b->p_max_w,   b->u_min_mv, b->u_max_mv};
    sqlite3_reset(st);
    for (int k = 0; k < 8; k++)
        sqlite3_bind_int64(st, k + 1, v[k]);
    (void)s;
    return sqlite3_step(st) == SQLITE_DONE;
}

/* One reading into the open minute: step from the reading before (the minute's start for the
 * first), register steps, powers, tariff. */
static void pack(struct ihd_store *s, const struct ihd_sample *x, int64_t minute)
{
    if (s->blob_n == 0) {
        s->blob_t = minute;
        s->blob_len = 0;
        s->blob_imp0 = s->prev_imp = x->imp_wh;
        s->blob_exp0 = s->prev_exp = x->exp_wh;
        s->prev_t = minute;
    }
    uint8_t tmp[64];
    size_t n = 0;
    n += put_varint(tmp + n, zigzag(x->t - s->prev_t));
    n += put_varint(tmp + n, zigzag(x->imp_wh - s->prev_imp));
    n += put_varint(tmp + n, zigzag(x->exp_wh - s->prev_exp));
    n += put_varint(tmp + n, zigzag(x->p_imp_w));
    n += put_varint(tmp + n, zigzag(x->p_exp_w));
    n += put_varint(tmp + n, x->tariff);
    if (s->blob_len + n > sizeof s->blob) {
        s->raw_dropped++;
        return;
    }
    memcpy(s->blob + s->blob_len, tmp, n);
    s->blob_len += n;
    s->blob_n++;
    s->prev_t = x->t;
    s->prev_imp = x->imp_wh;
    s->prev_exp = x->exp_wh;
}

static bool put_raw(struct ihd_store *s)
{
    sqlite3_stmt *st = s->st_raw;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, s->blob_t);
    sqlite3_bind_int64(st, 2, s->blob_n);
    sqlite3_bind_int64(st, 3, s->blob_imp0);
    sqlite3_bind_int64(st, 4, s->blob_exp0);
    sqlite3_bind_blob(st, 5, s->blob, (int)s->blob_len, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_DONE;
}

static bool begin(struct ihd_store *s)
{
    if (s->in_tx)
        return true;
    if (!exec(s, "BEGIN"))
        return false;
    s->in_tx = true;
    return true;
}

static bool prune(struct ihd_store *s)
{
    char sql[200];
    snprintf(sql, sizeof sql, "DELETE FROM raw WHERE t < %lld; DELETE FROM minute WHERE t < %lld;",
             (long long)(s->last_t - IHD_RAW_KEEP_S), (long long)(s->last_t - IHD_MINUTE_KEEP_S));
    return exec(s, sql);
}

bool ihd_store_add(struct ihd_store *s, const struct ihd_sample *x)
{
    if (!s->ok)
        return false;
    if (!begin(s)) {
        fail(s, "begin");
        return false;
    }
    int64_t m = ihd_bucket_start(x->t, 60);
    if (s->blob_n && m != s->blob_t) {
        if (!put_raw(s)) {
            fail(s, "raw");
            return false;
        }
        s->blob_n = 0;
    }
    pack(s, x, m);
    if (s->minute.n && ihd_bucket_start(x->t, 60) != s->minute.t) {
        if (!put_bucket(s, s->st_minute, &s->minute)) {
            fail(s, "minute");
            return false;
        }
        s->minute.n = 0;
    }
    ihd_bucket_add(&s->minute, x, 60);
    if (s->quarter.n && ihd_bucket_start(x->t, 900) != s->quarter.t) {
        if (!put_bucket(s, s->st_quarter, &s->quarter)) {
            fail(s, "quarter");
            return false;
        }
        s->quarter.n = 0;
    }
    ihd_bucket_add(&s->quarter, x, 900);
    if (x->t > s->last_t)
        s->last_t = x->t;
    if (s->last_t - s->pruned_t >= 3600) {
        if (!prune(s)) {
            fail(s, "prune");
            return false;
        }
        s->pruned_t = s->last_t;
    }
    s->rows++;
    if (++s->pending >= 4096)
        return ihd_store_commit(s);
    return true;
}

bool ihd_store_commit(struct ihd_store *s)
{
    if (!s->ok || !s->in_tx)
        return s->ok;
    if ((s->blob_n && !put_raw(s)) || (s->minute.n && !put_bucket(s, s->st_minute, &s->minute)) ||
        (s->quarter.n && !put_bucket(s, s->st_quarter, &s->quarter))) {
        fail(s, "bucket");
        return false;
    }
    if (!exec(s, "COMMIT")) {
        fail(s, "commit");
        exec(s, "ROLLBACK");
        s->in_tx = false;
        return false;
    }
    s->in_tx = false;
    s->pending = 0;
    return true;
}

void ihd_store_close(struct ihd_store *s)
{
    ihd_store_commit(s);
    sqlite3_finalize(s->st_raw);
    sqlite3_finalize(s->st_minute);
    sqlite3_finalize(s->st_quarter);
    s->st_raw = s->st_minute = s->st_quarter = NULL;
    sqlite3_close(s->db);
    s->db = NULL;
    s->ok = s->readable = false;
}

bool ihd_store_history(struct ihd_store *s, int64_t from, int64_t to, int64_t step, int64_t offset,
                       struct ihd_series *out)
{
    if (!s->readable)
        return false;
    const char *table = step < 900 ? "minute" : "quarter";
    /* The bucket before `from` is read too, for the first point's energy (LAG). */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "WITH q AS (SELECT ((t + ?3) / ?4) * ?4 - ?3 AS g, imp0, imp1, exp0, exp1, pmax"
             " FROM %s WHERE t >= COALESCE((SELECT max(t) FROM %s WHERE t < ?1), ?1)"
             " AND t < ?2),"
             " b AS (SELECT g, min(imp0) AS i0, max(imp1) AS i1, min(exp0) AS e0,"
             " max(exp1) AS e1, max(pmax) AS pm FROM q GROUP BY g),"
             " d AS (SELECT g, i1 - COALESCE(LAG(i1) OVER w, i0) AS ei,"
             " e1 - COALESCE(LAG(e1) OVER w, e0) AS ee, pm FROM b WINDOW w AS (ORDER BY g))"
             " SELECT g, ei, ee, pm FROM d WHERE g >= ?1 ORDER BY g",
             table, table);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    sqlite3_bind_int64(st, 3, offset);
    sqlite3_bind_int64(st, 4, step);
    int rc;
    bool ok = true;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (!ihd_series_push(out, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                             sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3))) {
            ok = false;
            break;
        }
    sqlite3_finalize(st);
    return ok && (rc == SQLITE_DONE || rc == SQLITE_ROW);
}

bool ihd_store_day(struct ihd_store *s, int64_t day, const struct ihd_sample *o)
{
    if (!s->ok)
        return false;
    if (!begin(s)) {
        fail(s, "begin");
        return false;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO day VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1,
                           &st, NULL) != SQLITE_OK) {
        fail(s, "day");
        return false;
    }
    sqlite3_bind_int64(st, 1, day);
    sqlite3_bind_int64(st, 2, o->t);
    sqlite3_bind_int64(st, 3, o->imp_wh);
    sqlite3_bind_int64(st, 4, o->exp_wh);
    for (int k = 1; k <= IHD_STORE_TARIFFS; k++)
        if (o->t_have & (1u << k)) {
            sqlite3_bind_int64(st, 4 + k, o->imp_t[k]);
            sqlite3_bind_int64(st, 8 + k, o->exp_t[k]);
        }
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok)
        fail(s, "day");
    return ok;
}

bool ihd_store_baseline(struct ihd_store *s, int64_t day, struct ihd_sample *o)
{
    if (!s->readable)
        return false;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            s->db, "SELECT t, imp, exp, i1, i2, i3, i4, e1, e2, e3, e4 FROM day WHERE d = ?", -1,
            &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_int64(st, 1, day);
    bool got = sqlite3_step(st) == SQLITE_ROW;
    if (got) {
        memset(o, 0, sizeof *o);
        o->t = sqlite3_column_int64(st, 0);
        o->imp_wh = sqlite3_column_int64(st, 1);
        o->exp_wh = sqlite3_column_int64(st, 2);
        for (int k = 1; k <= IHD_STORE_TARIFFS; k++)
            if (sqlite3_column_type(st, 2 + k) != SQLITE_NULL) {
                o->t_have |= (uint16_t)(1u << k);
                o->imp_t[k] = sqlite3_column_int64(st, 2 + k);
                o->exp_t[k] = sqlite3_column_int64(st, 6 + k);
            }
    }
    sqlite3_finalize(st);
    return got;
}

int ihd_store_raw(struct ihd_store *s, int64_t from, int64_t to, struct ihd_raw *out, int max)
{
    if (!s->readable)
        return -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            s->db, "SELECT t, n, imp0, exp0, data FROM raw WHERE t >= ? AND t < ? ORDER BY t", -1,
            &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, ihd_bucket_start(from, 60));
    sqlite3_bind_int64(st, 2, to);
    int got = 0;
    while (got < max && sqlite3_step(st) == SQLITE_ROW) {
        int64_t t = sqlite3_column_int64(st, 0), imp = sqlite3_column_int64(st, 2),
                exp = sqlite3_column_int64(st, 3);
        const uint8_t *p = sqlite3_column_blob(st, 4);
        size_t n = (size_t)sqlite3_column_bytes(st, 4), k = 0;
        int64_t rows = sqlite3_column_int64(st, 1);
        for (int64_t r = 0; r < rows && got < max; r++) {
            uint64_t v[6];
            for (int f = 0; f < 6; f++)
                if (!get_varint(p, n, &k, &v[f])) {
                    sqlite3_finalize(st);
                    return -1; /* a damaged blob */
                }
            t += unzigzag(v[0]);
            imp += unzigzag(v[1]);
            exp += unzigzag(v[2]);
            if (t < from || t >= to)
                continue;
            out[got].t = t;
            out[got].imp_wh = imp;
            out[got].exp_wh = exp;
            out[got].p_imp_w = unzigzag(v[3]);
            out[got].p_exp_w = unzigzag(v[4]);
            out[got].tariff = (unsigned)v[5];
            got++;
        }
    }
    sqlite3_finalize(st);
    return got;
}

bool ihd_store_event(struct ihd_store *s, int64_t t, const char *kind, const char *text)
{
    if (!s->ok)
        return false;
    if (!begin(s)) {
        fail(s, "begin");
        return false;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO event(t, kind, text) VALUES(?,?,?)", -1, &st,
                           NULL) != SQLITE_OK) {
        fail(s, "event");
        return false;
    }
    sqlite3_bind_int64(st, 1, t);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok)
        fail(s, "event");
    return ok;
}

int64_t ihd_store_bytes(struct ihd_store *s)
{
    if (!s->db)
        return -1;
    int64_t pages = -1, size = -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA page_count", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        pages = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        size = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return pages < 0 || size < 0 ? -1 : pages * size;
}
