/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's history (tools/ihd/store.c, state.c): the downsampler against readings
 * generated here with known integer registers. A bucket's energy is the last register of its
 * minute (hour, day) less the last of the one before, computed here from the generated arrays;
 * the raw readings come back exactly; raw is pruned after two days; a damaged file and a
 * read-only one are told apart; the memory ring plots the same as the database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/ihd/state.h"
#include "tools/ihd/store.h"

static const char *db_path = "test_ihd_store.db";

static void remove_db(void)
{
    char p[64];
    unlink(db_path);
    snprintf(p, sizeof p, "%s-wal", db_path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db_path);
    unlink(p);
}

/* 2026-06-03 06:30:00 CEST, a multiple of 60 */
#define T0 1780461000

/* The generated house: power changes every 7 s in a saw-tooth; the registers in W*s, Wh
 * truncated; export during the middle third of every hour. */
#define N_MAX (3 * 3600)
static struct ihd_sample gen[N_MAX];

static void generate(unsigned n, int64_t period)
{
    int64_t ws_i = 3600 * 1000000LL, ws_e = 3600 * 5000LL;
    for (unsigned k = 0; k < n; k++) {
        struct ihd_sample *s = &gen[k];
        memset(s, 0, sizeof *s);
        s->t = T0 + (int64_t)k * period;
        int64_t p = 200 + (int64_t)((k / 7) % 40) * 90;
        bool pv = ((s->t - T0) % 3600) >= 1200 && ((s->t - T0) % 3600) < 2400;
        s->p_imp_w = pv ? 0 : p;
        s->p_exp_w = pv ? p / 2 : 0;
        if (k) {
            ws_i += s->p_imp_w * period;
            ws_e += s->p_exp_w * period;
        }
        s->imp_wh = ws_i / 3600;
        s->exp_wh = ws_e / 3600;
        s->t_have = 1u << 2;
        s->imp_t[2] = s->imp_wh;
        s->exp_t[2] = s->exp_wh;
        s->tariff = 2;
        s->u_min_mv = 229000;
        s->u_max_mv = 231000;
    }
}

/* The energy of each bucket of `step` from the generated readings, by the rule. */
static unsigned expect(unsigned n, int64_t step, int64_t offset, int64_t *t, int64_t *ei,
                       int64_t *ee)
{
    unsigned m = 0;
    for (unsigned k = 0; k < n; k++) {
        int64_t g = ((gen[k].t + offset) / step) * step - offset;
        if (m == 0 || t[m - 1] != g) {
            t[m] = g;
            /* the first bucket: last - first; later ones: last - last of the one before */
            int64_t prev_i = m ? gen[k - 1].imp_wh : gen[0].imp_wh;
            int64_t prev_e = m ? gen[k - 1].exp_wh : gen[0].exp_wh;
            ei[m] = -prev_i;
            ee[m] = -prev_e;
            m++;
        }
        if (k + 1 == n || ((gen[k + 1].t + offset) / step) * step - offset != g) {
            ei[m - 1] += gen[k].imp_wh;
            ee[m - 1] += gen[k].exp_wh;
        }
    }
    return m;
}

static int64_t et[N_MAX], ei[N_MAX], ee[N_MAX];

static void check_history(struct ihd_store *s, unsigned n, int64_t step, int64_t offset)
{
    struct ihd_series h = {0};
    int64_t from = ((T0 + offset) / 86400) * 86400 - offset;
    assert_true(ihd_store_history(s, from, from + 2 * 86400, step, offset, &h));
    unsigned m = expect(n, step, offset, et, ei, ee);
    assert_int_equal(h.n, m);
    int64_t sum = 0;
    for (unsigned k = 0; k < m; k++) {
        assert_int_equal(h.t[k], et[k]);
        assert_int_equal(h.imp_wh[k], ei[k]);
        assert_int_equal(h.exp_wh[k], ee[k]);
        sum += h.imp_wh[k];
    }
    assert_int_equal(sum, gen[n - 1].imp_wh - gen[0].imp_wh);
    ihd_series_free(&h);
}

static void test_downsampler_exact(void **state)
{
    (void)state;
    remove_db();
    struct ihd_store s;
    ihd_store_open(&s, db_path);
    assert_true(s.ok);
    unsigned n = 3 * 3600;
    generate(n, 1);
    for (unsigned k = 0; k < n; k++) {
        assert_true(ihd_store_add(&s, &gen[k]));
        if (k == n / 2)
            assert_true(ihd_store_commit(&s)); /* an open bucket committed, then grown */
    }
    assert_true(ihd_store_commit(&s));
    check_history(&s, n, 60, 7200);   /* 180 minutes */
    check_history(&s, n, 900, 7200);  /* 12 quarters */
    check_history(&s, n, 3600, 7200); /* 06:30 .. 09:30: 4 hours, the first and last partial */
    check_history(&s, n, 86400, 7200);
    /* the raw readings come back as they went in */
    static struct ihd_raw raw[N_MAX];
    int got = ihd_store_raw(&s, T0 + 59, T0 + 3661, raw, N_MAX);
    assert_int_equal(got, 3602);
    for (int k = 0; k < got; k++) {
        const struct ihd_sample *g = &gen[59 + k];
        assert_int_equal(raw[k].t, g->t);
        assert_int_equal(raw[k].imp_wh, g->imp_wh);
        assert_int_equal(raw[k].exp_wh, g->exp_wh);
        assert_int_equal(raw[k].p_imp_w, g->p_imp_w);
        assert_int_equal(raw[k].p_exp_w, g->p_exp_w);
        assert_int_equal(raw[k].tariff, 2);
    }
    ihd_store_close(&s);
    /* and again after a reopen */
    ihd_store_open(&s, db_path);
    assert_true(s.ok);
    check_history(&s, n, 60, 7200);
    ihd_store_close(&s);
}

static void test_prune_and_size(void **state)
{
    (void)state;
    remove_db();
    struct ihd_store s;
    ihd_store_open(&s, db_path);
    assert_true(s.ok);
    /* four days, a reading every 10 s */
    unsigned n = 4 * 8640;
    static struct ihd_sample big[4 * 8640];
    int64_t wh = 0;
    for (unsigned k = 0; k < n; k++) {
        memset(&big[k], 0, sizeof big[k]);
        big[k].t = T0 + (int64_t)k * 10;
        big[k].p_imp_w = 1000;
        big[k].imp_wh = wh;
        if (k % 36 == 35)
            wh += 10; /* 1000 W x 360 s = 100 Wh: 10 Wh every 36 s */
        assert_true(ihd_store_add(&s, &big[k]));
    }
    assert_true(ihd_store_commit(&s));
    static struct ihd_raw raw[9000];
    /* raw is kept two days behind the newest reading (pruned once an hour) */
    assert_int_equal(ihd_store_raw(&s, T0, T0 + 86400, raw, 9000), 0);
    int64_t last = big[n - 1].t;
    assert_int_equal(ihd_store_raw(&s, last - 86400, last + 1, raw, 9000), 8641);
    assert_int_equal(raw[8640].t, last);
    assert_int_equal(raw[8640].imp_wh, big[n - 1].imp_wh);
    /* minute buckets are kept 35 days: the first day is still plotted */
    struct ihd_series h = {0};
    assert_true(ihd_store_history(&s, T0, T0 + 86400, 60, 0, &h));
    assert_int_equal(h.n, 1440);
    ihd_series_free(&h);
    ihd_store_close(&s);
}

static void test_day_baseline(void **state)
{
    (void)state;
    remove_db();
    struct ihd_store s;
    ihd_store_open(&s, db_path);
    struct ihd_sample b = {0}, o;
    b.t = T0;
    b.imp_wh = 1234567;
    b.exp_wh = 89;
    b.t_have = (1u << 1) | (1u << 2);
    b.imp_t[1] = 1000000;
    b.imp_t[2] = 234567;
    b.exp_t[2] = 89;
    assert_true(ihd_store_day(&s, 20607, &b));
    ihd_store_close(&s);
    ihd_store_open(&s, db_path);
    assert_false(ihd_store_baseline(&s, 20606, &o));
    assert_true(ihd_store_baseline(&s, 20607, &o));
    assert_int_equal(o.t, T0);
    assert_int_equal(o.imp_wh, 1234567);
    assert_int_equal(o.t_have, (1u << 1) | (1u << 2));
    assert_int_equal(o.imp_t[1], 1000000);
    assert_int_equal(o.imp_t[2], 234567);
    assert_int_equal(o.exp_t[2], 89);
    ihd_store_close(&s);
}

static void test_damaged_and_read_only(void **state)
{
    (void)state;
    remove_db();
    FILE *f = fopen(db_path, "wb");
    assert_non_null(f);
    fputs("SQLite format 3", f);
    fputc(0, f);
    for (int k = 0; k < 500; k++)
        fputs("not a database ", f);
    fclose(f);
    struct ihd_store s;
    ihd_store_open(&s, db_path);
    assert_false(s.ok);
    assert_false(s.readable);
    assert_non_null(strstr(s.error, "not a database"));
    generate(10, 1);
    assert_false(ihd_store_add(&s, &gen[0]));
    ihd_store_close(&s);

    remove_db();
    ihd_store_open(&s, db_path);
    generate(600, 1);
    for (unsigned k = 0; k < 600; k++)
        ihd_store_add(&s, &gen[k]);
    ihd_store_close(&s);
    char uri[128];
    snprintf(uri, sizeof uri, "file:%s?mode=ro", db_path);
    ihd_store_open(&s, uri);
    assert_false(s.ok);
    assert_true(s.readable);
    assert_non_null(strstr(s.error, "read-only"));
    assert_false(ihd_store_add(&s, &gen[0]));
    check_history(&s, 600, 60, 7200);
    ihd_store_close(&s);
}

/* The state's memory ring answers the same history as the database would. */
static void test_memory_ring(void **state)
{
    (void)state;
    remove_db();
    FILE *f = fopen(db_path, "wb");
    assert_non_null(f);
    fputs("garbage garbage garbage garbage garbage garbage garbage garbage garbage garbage", f);
    fclose(f);
    static struct ihd_store s;
    ihd_store_open(&s, db_path);
    assert_false(s.readable);
    struct ihd_config cfg = {0};
    cfg.quiet_s = 5;
    static struct ihd_state st;
    ihd_state_init(&st, &cfg, &s, (int64_t)T0 * 1000);
    unsigned n = 2 * 3600;
    generate(n, 1);
    for (unsigned k = 0; k < n; k++) {
        struct ihd_p1 r;
        memset(&r, 0, sizeof r);
        r.have = IHD_P1_HAVE_TIME | IHD_P1_HAVE_P_IMPORT | IHD_P1_HAVE_P_EXPORT;
        r.time = gen[k].t;
        r.dst = true;
        r.import_have = r.export_have = 1u << 2;
        r.import_wh[2] = gen[k].imp_wh;
        r.export_wh[2] = gen[k].exp_wh;
        r.p_import_w = gen[k].p_imp_w;
        ihd_state_telegram(&st, &r, (int64_t)gen[k].t * 1000);
    }
    struct ihd_buf b = {0};
    assert_true(ihd_state_json_history(&st, "day", &b));
    assert_false(b.oom);
    unsigned m = expect(n, 60, 7200, et, ei, ee);
    char want[128];
    snprintf(want, sizeof want, "\"points\":%u,\"total_import_wh\":%lld,\"total_export_wh\":%lld",
             m, (long long)(gen[n - 1].imp_wh - gen[0].imp_wh),
             (long long)(gen[n - 1].exp_wh - gen[0].exp_wh));
    assert_non_null(strstr(b.p, "\"source\":\"memory\""));
    if (!strstr(b.p, want))
        fail_msg("%s not in %.300s", want, b.p);
    /* the minute after the first: its energy as computed here */
    snprintf(want, sizeof want, "\"import_wh\":[%lld,%lld,", (long long)ei[0], (long long)ei[1]);
    assert_non_null(strstr(b.p, want));
    ihd_buf_free(&b);
    assert_false(ihd_state_json_history(&st, "century", &b));
    ihd_buf_free(&b);
    ihd_state_destroy(&st);
    ihd_store_close(&s);
    remove_db();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_downsampler_exact), cmocka_unit_test(test_prune_and_size),
        cmocka_unit_test(test_day_baseline),      cmocka_unit_test(test_damaged_and_read_only),
        cmocka_unit_test(test_memory_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
