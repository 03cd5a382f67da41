/* SPDX-License-Identifier: Apache-2.0 */
/* Prepayment in kWh (prepayment.h): the credits worked out by hand in uWh, top-ups applied once,
 * the reservation rule, the thresholds, the friendly periods, the emergency credit, the record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/prepayment.h"

#define WH 1000000LL /* uWh */

static void active(struct mfw_prepay *p, struct mfw_prepay_config *c)
{
    mfw_prepay_default_config(c);
    mfw_prepay_init(p);
    assert_int_equal(mfw_prepay_activate(p, 1000), MFW_OK);
}

/* Charges d the way the meter does: reservation first when asked. */
static void charge(struct mfw_prepay *p, uint64_t d, unsigned *records)
{
    uint64_t floor = 0;
    if (mfw_prepay_charge(p, d, &floor)) {
        assert_true(floor >= p->consumed_uwh + d);
        (*records)++;
        p->l.floor_uwh = floor; /* as if stored */
    }
    mfw_prepay_take(p, d, floor);
}

static void credits_by_hand(void **st)
{
    (void)st;
    struct mfw_prepay p;
    struct mfw_prepay_config c;
    active(&p, &c);
    uint8_t why = 9;
    assert_int_equal(mfw_prepay_topup(&p, &c, 7, 5000, 2000, &why), MFW_OK);
    assert_int_equal(why, 0);
    unsigned rec = 0;
    charge(&p, 1234567800, &rec); /* 1234.5678 Wh */
    /* 5000 Wh - 1234.5678 Wh = 3765.4322 Wh = 3765432200 uWh */
    assert_int_equal(mfw_prepay_token_uwh(&p), 3765432200LL);
    assert_int_equal(mfw_prepay_available_uwh(&p), 3765432200LL);
    /* an account that is not active charges nothing */
    struct mfw_prepay q;
    mfw_prepay_init(&q);
    charge(&q, 1000 * WH, &rec);
    assert_int_equal(q.consumed_uwh, 0);
    /* export never adds credit: the charge only takes A+ (an unsigned amount) and the credit
     * only changes by a top-up; a closed account keeps its figures */
    assert_int_equal(mfw_prepay_close(&p, 3000), MFW_OK);
    charge(&p, 1000 * WH, &rec);
    assert_int_equal(mfw_prepay_token_uwh(&p), 3765432200LL);
}

static void topups_applied_once(void **st)
{
    (void)st;
    struct mfw_prepay p;
    struct mfw_prepay_config c;
    active(&p, &c);
    uint8_t why;
    assert_int_equal(mfw_prepay_topup(&p, &c, 100, 1000, 0, &why), MFW_OK);
    /* the same id again: refused, nothing added */
    assert_int_equal(mfw_prepay_topup(&p, &c, 100, 1000, 0, &why), MFW_E_RANGE);
    assert_int_equal(why, MFW_PREPAY_REFUSED_DUPLICATE);
    assert_int_equal(mfw_prepay_token_uwh(&p), 1000 * WH);
    /* amounts: 0 and above the largest top-up are refused */
    assert_int_equal(mfw_prepay_topup(&p, &c, 101, 0, 0, &why), MFW_E_RANGE);
    assert_int_equal(why, MFW_PREPAY_REFUSED_AMOUNT);
    assert_int_equal(mfw_prepay_topup(&p, &c, 101, c.max_topup_wh + 1, 0, &why), MFW_E_RANGE);
    /* fill the list: ids 101 .. 100 + MFW_PREPAY_TOKENS_MAX - 1 (with 100: full) */
    for (uint32_t id = 101; id < 100 + MFW_PREPAY_TOKENS_MAX; id++)
        assert_int_equal(mfw_prepay_topup(&p, &c, id, 1, 0, &why), MFW_OK);
    assert_int_equal(p.l.n_ids, MFW_PREPAY_TOKENS_MAX);
    /* full: an id older than every remembered one is refused (it may have been applied and
     * forgotten), a newer one goes in and pushes the oldest (100) out */
    assert_int_equal(mfw_prepay_topup(&p, &c, 99, 1, 0, &why), MFW_E_RANGE);
    assert_int_equal(why, MFW_PREPAY_REFUSED_OLD);
    assert_int_equal(mfw_prepay_topup(&p, &c, 500, 1, 0, &why), MFW_OK);
    assert_int_equal(mfw_prepay_topup(&p, &c, 100, 1, 0, &why), MFW_E_RANGE);
    assert_int_equal(why, MFW_PREPAY_REFUSED_OLD);
    /* 1000 Wh + (MFW_PREPAY_TOKENS_MAX - 1) x 1 Wh + 1 Wh */
    assert_int_equal(mfw_prepay_token_uwh(&p), (1000 + MFW_PREPAY_TOKENS_MAX) * WH);
    assert_int_equal(p.l.topups, MFW_PREPAY_TOKENS_MAX + 1);
    /* id 0 is no id */
    assert_int_equal(mfw_prepay_topup(&p, &c, 0, 1, 0, &why), MFW_E_RANGE);
    /* closed: refused */
    mfw_prepay_close(&p, 0);
    assert_int_equal(mfw_prepay_topup(&p, &c, 900, 1, 0, &why), MFW_E_RANGE);
    assert_int_equal(why, MFW_PREPAY_REFUSED_CLOSED);
}

static void reservation(void **st)
{
    (void)st;
    struct mfw_prepay p;
    struct mfw_prepay_config c;
    active(&p, &c);
    const uint64_t R = (uint64_t)MFW_PREPAY_RESERVE_WH * WH;
    uint64_t floor = 0;
    /* the first charge passes the reservation 0: a record with consumed + d + R first */
    assert_true(mfw_prepay_charge(&p, 10 * WH, &floor));
    assert_int_equal(floor, 10 * WH + R);
    mfw_prepay_take(&p, 10 * WH, floor);
    /* within the reservation: no record */
    assert_false(mfw_prepay_charge(&p, R, &floor));
    mfw_prepay_take(&p, R, floor);
    assert_int_equal(p.consumed_uwh, 10 * WH + R);
    /* one uWh more passes it */
    assert_true(mfw_prepay_charge(&p, 1, &floor));
    assert_int_equal(floor, 10 * WH + R + 1 + R);
    /* a day of 3 kW in 10 ms ticks: one record per R, the charge always within the stored
     * reservation before it is taken */
    active(&p, &c);
    unsigned rec = 0;
    uint64_t per_tick = 3000ull * WH / 360000ull; /* 3 kW x 10 ms */
    for (unsigned k = 0; k < 360000u; k++) {
        charge(&p, per_tick, &rec);
        assert_true(p.consumed_uwh <= p.l.floor_uwh);
    }
    /* 3000 Wh / R records, give or take the last */
    unsigned want = (unsigned)(3000u / MFW_PREPAY_RESERVE_WH);
    assert_true(rec >= want && rec <= want + 1);
}

static void thresholds_and_disconnection(void **st)
{
    (void)st;
    struct mfw_prepay p;
    struct mfw_prepay_config c;
    active(&p, &c);
    c.low_credit_wh = 1000;
    uint8_t why;
    mfw_prepay_topup(&p, &c, 1, 1500, 0, &why);
    struct mfw_prepay_result r;
    unsigned rec = 0;
    mfw_prepay_tick(&p, &c, false, &r);
    assert_false(r.low || r.out || r.hold);
    charge(&p, 500 * WH, &rec); /* 1000 Wh left: at the threshold is low */
    mfw_prepay_tick(&p, &c, false, &r);
    assert_true(r.low);
    assert_false(r.out || r.hold);
    mfw_prepay_tick(&p, &c, false, &r); /* once per crossing */
    assert_false(r.low);
    charge(&p, 1000 * WH, &rec); /* 0 Wh: out, disconnect */
    mfw_prepay_tick(&p, &c, false, &r);
    assert_true(r.out && r.hold);
    /* in a friendly period the supply is kept, and the credit goes below 0 */
    mfw_prepay_tick(&p, &c, true, &r);
    assert_false(r.hold || r.out);
    charge(&p, 200 * WH, &rec);
    assert_int_equal(mfw_prepay_token_uwh(&p), -200 * WH);
    mfw_prepay_tick(&p, &c, false, &r); /* the period ends: disconnect (no new event) */
    assert_true(r.hold);
    assert_false(r.out);
    /* a top-up pays the debt: 500 Wh - 200 Wh = 300 Wh, below the low threshold still */
    mfw_prepay_topup(&p, &c, 2, 500, 0, &why);
    mfw_prepay_tick(&p, &c, false, &r);
    assert_false(r.hold);
    assert_int_equal(mfw_prepay_token_uwh(&p), 300 * WH);
    assert_true(p.low);
    assert_false(p.out);
}

static void friendly_periods(void **st)
{
    (void)st;
    struct mfw_prepay_config c;
    mfw_prepay_default_config(&c); /* 18:00 .. 08:00, weekends, holidays */
    /* a Wednesday (3) */
    assert_false(mfw_prepay_friendly(&c, 17, 59, 3, false));
    assert_true(mfw_prepay_friendly(&c, 18, 0, 3, false));
    assert_true(mfw_prepay_friendly(&c, 0, 0, 3, false));
    assert_true(mfw_prepay_friendly(&c, 7, 59, 3, false));
    assert_false(mfw_prepay_friendly(&c, 8, 0, 3, false));
    assert_false(mfw_prepay_friendly(&c, 12, 0, 5, false)); /* Friday noon */
    assert_true(mfw_prepay_friendly(&c, 12, 0, 6, false));  /* Saturday */
    assert_true(mfw_prepay_friendly(&c, 12, 0, 7, false));  /* Sunday */
    assert_true(mfw_prepay_friendly(&c, 12, 0, 3, true));   /* a holiday */
    c.friendly_weekends = c.friendly_holidays = false;
    c.friendly_from_h = c.friendly_to_h = 0; /* no window */
    assert_false(mfw_prepay_friendly(&c, 12, 0, 6, true));
    assert_false(mfw_prepay_friendly(&c, 0, 0, 3, false));
    /* a window within a day */
    c.friendly_from_h = 11;
    c.friendly_from_m = 30;
    c.friendly_to_h = 13;
    assert_false(mfw_prepay_friendly(&c, 11, 29, 3, false));
    assert_true(mfw_prepay_friendly(&c, 11, 30, 3, false));
    assert_false(mfw_prepay_friendly(&c, 13, 0, 3, false));
}

static void emergency_credit(void **st)
{
    (void)st;
    struct mfw_prepay p;
    struct mfw_prepay_config c;
    active(&p, &c);
    c.low_credit_wh = 1000;
    c.emergency_wh = 2000;
    uint8_t why;
    unsigned rec = 0;
    mfw_prepay_topup(&p, &c, 1, 3000, 0, &why);
    /* above the low threshold: not selectable */
    assert_int_equal(mfw_prepay_invoke_emergency(&p, &c), MFW_E_STATE);
    charge(&p, 3500 * WH, &rec); /* token -500 Wh */
    assert_true(mfw_prepay_emergency_selectable(&p, &c));
    assert_int_equal(mfw_prepay_invoke_emergency(&p, &c), MFW_OK);
    /* available = -500 + 2000 = 1500 Wh */
    assert_int_equal(mfw_prepay_available_uwh(&p), 1500 * WH);
    assert_int_equal(mfw_prepay_invoke_emergency(&p, &c), MFW_E_STATE); /* once */
    /* a top-up of 3000 Wh: token 2500 Wh, the emergency credit used (500 Wh) paid back, the rest
     * lapses */
    mfw_prepay_topup(&p, &c, 2, 3000, 0, &why);
    assert_false(p.l.emergency);
    assert_int_equal(mfw_prepay_available_uwh(&p), 2500 * WH);
}

static void record_round_trip_and_refusals(void **st)
{
    (void)st;
    struct mfw_prepay p;
    struct mfw_prepay_config c;
    active(&p, &c);
    uint8_t why;
    mfw_prepay_topup(&p, &c, 41, 1234, 5555, &why);
    mfw_prepay_topup(&p, &c, 42, 766, 6666, &why);
    p.l.floor_uwh = 777 * WH;
    uint8_t buf[MFW_PREPAY_RECORD_MAX];
    size_t len = 0;
    assert_int_equal(mfw_prepay_encode_record(&p.l, buf, sizeof buf, &len), MFW_OK);
    struct mfw_prepay_ledger l;
    const char *field = "x";
    assert_int_equal(mfw_prepay_decode_record(&l, buf, len, &field), MFW_OK);
    assert_null(field);
    assert_int_equal(l.purchased_uwh, 2000 * WH);
    assert_int_equal(l.floor_uwh, 777 * WH);
    assert_int_equal(l.n_ids, 2);
    assert_int_equal(l.ids[0], 41);
    assert_int_equal(l.ids[1], 42);
    assert_int_equal(l.last_topup_time, 6666);
    assert_int_equal(l.status, MFW_PREPAY_ACTIVE);
    /* a status that is none: refused by name, l untouched */
    struct mfw_prepay_ledger keep = l;
    uint8_t bad[MFW_PREPAY_RECORD_MAX];
    memcpy(bad, buf, len);
    bad[11] = 7; /* the status, after magic and version (4 + 4 bytes, big-endian u32) */
    assert_int_not_equal(mfw_prepay_decode_record(&l, bad, len, &field), MFW_OK);
    assert_string_equal(field, "prepayment.status");
    assert_memory_equal(&l, &keep, sizeof l);
    /* truncated */
    assert_int_not_equal(mfw_prepay_decode_record(&l, buf, len - 1, &field), MFW_OK);
    /* settle: the state's energy charged below the reservation is raised to it */
    struct mfw_prepay q;
    mfw_prepay_init(&q);
    q.l = keep;
    q.consumed_uwh = 500 * WH;
    mfw_prepay_settle(&q, false);
    assert_int_equal(q.consumed_uwh, 777 * WH);
    assert_int_equal(mfw_prepay_token_uwh(&q), (2000 - 777) * WH);
    /* fail closed: the credit capped at 0 */
    q.consumed_uwh = 500 * WH;
    mfw_prepay_settle(&q, true);
    assert_int_equal(mfw_prepay_token_uwh(&q), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(credits_by_hand),
        cmocka_unit_test(topups_applied_once),
        cmocka_unit_test(reservation),
        cmocka_unit_test(thresholds_and_disconnection),
        cmocka_unit_test(friendly_periods),
        cmocka_unit_test(emergency_credit),
        cmocka_unit_test(record_round_trip_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
