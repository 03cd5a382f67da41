/* SPDX-License-Identifier: Apache-2.0 */
/* The disconnector against the Disconnect control state machine as the standard tables it
 * (Blue Book 4.5.8 / IDIS, references/idis-objects.md section 8): the table below is written
 * from the transitions a-h and the control modes 0-6, not from the code; the causes that hold
 * the breaker, the reconnection when they end, the contact check (a welded contact). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/disconnector.h"
#include "meterfw/meter/eventlog.h"

#define D MFW_DISC_DISCONNECTED
#define C MFW_DISC_CONNECTED
#define R MFW_DISC_READY

/* expect[mode][state] = the transition of each trigger, in the order remote_disconnect,
 * remote_reconnect, manual_disconnect, manual_reconnect, local_disconnect, local_reconnect;
 * '.' = none. States in the order disconnected, connected, ready. From the table: mode 1 allows
 * b c f g / d e; 2 b c f g / a e; 3 b c g / d e; 4 b c g / a e; 5 b c f g / d e h; 6 b c g /
 * d e h; 0 nothing. a, d leave disconnected; b, f, g leave connected; c, e, h leave ready. */
static const char *const expect[7][3] = {
    {"......", "......", "......"}, /* 0 */
    {".d....", "b.f.g.", "c..e.."}, /* 1 */
    {".a....", "b.f.g.", "c..e.."}, /* 2 */
    {".d....", "b...g.", "c..e.."}, /* 3 */
    {".a....", "b...g.", "c..e.."}, /* 4 */
    {".d....", "b.f.g.", "c..e.h"}, /* 5 */
    {".d....", "b...g.", "c..e.h"}, /* 6 */
};

/* Where each transition leads (the state diagram). */
static uint8_t target(char tr)
{
    switch (tr) {
    case 'a':
    case 'e':
    case 'h': return C;
    case 'b':
    case 'c': return D;
    default: return R; /* d, f, g */
    }
}

static void every_mode_state_and_trigger(void **st)
{
    (void)st;
    static const uint8_t states[3] = {D, C, R};
    for (uint8_t mode = 0; mode <= 6; mode++)
        for (unsigned s = 0; s < 3; s++)
            for (unsigned t = 0; t < 6; t++) {
                uint8_t to = 99;
                char tr =
                    mfw_disconnector_transition(mode, states[s], (enum mfw_disc_trigger)t, &to);
                char want = expect[mode][s][t];
                if (want == '.') {
                    assert_int_equal(tr, 0);
                    assert_int_equal(to, states[s]);
                } else {
                    assert_int_equal(tr, want);
                    assert_int_equal(to, target(want));
                }
            }
    assert_int_equal(mfw_disconnector_transition(7, C, MFW_DISC_REMOTE_DISCONNECT, NULL), 0);
}

static void event_codes(void **st)
{
    (void)st;
    /* IDIS disconnector log codes (references/idis-objects.md 6.1) */
    assert_int_equal(mfw_disconnector_event('a'), 63);
    assert_int_equal(mfw_disconnector_event('b'), 62);
    assert_int_equal(mfw_disconnector_event('c'), 62);
    assert_int_equal(mfw_disconnector_event('d'), 59);
    assert_int_equal(mfw_disconnector_event('e'), 61);
    assert_int_equal(mfw_disconnector_event('f'), 60);
    assert_int_equal(mfw_disconnector_event('g'), 64);
    assert_int_equal(mfw_disconnector_event('h'), 69);
    assert_int_equal(mfw_disconnector_event(0), 0);
}

static void the_contact_follows_the_state(void **st)
{
    (void)st;
    struct mfw_disconnector d;
    mfw_disconnector_init(&d, 1);
    assert_int_equal(d.state, C);
    assert_true(d.closed);
    /* mode 1: remote disconnect (b), remote reconnect to ready (d), the button (e) */
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_REMOTE_DISCONNECT, 1000), 'b');
    assert_false(d.closed);
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_REMOTE_RECONNECT, 2000), 'd');
    assert_int_equal(d.state, R);
    assert_false(d.closed); /* ready is still open */
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_MANUAL_RECONNECT, 3000), 'e');
    assert_true(d.closed);
    /* the same trigger again: nothing */
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_MANUAL_RECONNECT, 3100), 0);
}

static void causes_hold_the_breaker(void **st)
{
    (void)st;
    struct mfw_disconnector d;
    mfw_disconnector_init(&d, 5);
    /* credit used up: local disconnection g, the button cannot undo it */
    assert_int_equal(mfw_disconnector_hold(&d, MFW_DISC_CAUSE_PREPAYMENT, true, 0), 'g');
    assert_int_equal(d.state, R);
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_MANUAL_RECONNECT, 10), 0);
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_REMOTE_RECONNECT, 10), 0);
    /* a second cause while open: no new transition */
    assert_int_equal(mfw_disconnector_hold(&d, MFW_DISC_CAUSE_LIMITER, true, 20), 0);
    /* one ends: still held */
    assert_int_equal(mfw_disconnector_release(&d, MFW_DISC_CAUSE_LIMITER, 30), 0);
    assert_int_equal(d.state, R);
    /* the last ends, with automatic reconnection: h (mode 5 allows it) */
    assert_int_equal(mfw_disconnector_release(&d, MFW_DISC_CAUSE_PREPAYMENT, 40), 'h');
    assert_int_equal(d.state, C);
    assert_true(d.closed);

    /* mode 1 has no h: the breaker stays ready for the button */
    mfw_disconnector_init(&d, 1);
    assert_int_equal(mfw_disconnector_hold(&d, MFW_DISC_CAUSE_NEUTRAL, true, 0), 'g');
    assert_int_equal(mfw_disconnector_release(&d, MFW_DISC_CAUSE_NEUTRAL, 10), 0);
    assert_int_equal(d.state, R);
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_MANUAL_RECONNECT, 20), 'e');

    /* a cause that wants the customer (no automatic reconnection), ending after one that does */
    mfw_disconnector_init(&d, 6);
    assert_int_equal(mfw_disconnector_hold(&d, MFW_DISC_CAUSE_PREPAYMENT, false, 0), 'g');
    assert_int_equal(mfw_disconnector_hold(&d, MFW_DISC_CAUSE_LIMITER, true, 0), 0);
    assert_int_equal(mfw_disconnector_release(&d, MFW_DISC_CAUSE_PREPAYMENT, 10), 0);
    assert_int_equal(mfw_disconnector_release(&d, MFW_DISC_CAUSE_LIMITER, 20), 0);
    assert_int_equal(d.state, R);

    /* a manual disconnection is the customer's: a cause ending does not undo it */
    mfw_disconnector_init(&d, 5);
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_MANUAL_DISCONNECT, 0), 'f');
    assert_int_equal(mfw_disconnector_hold(&d, MFW_DISC_CAUSE_LIMITER, true, 5), 0);
    assert_int_equal(mfw_disconnector_release(&d, MFW_DISC_CAUSE_LIMITER, 10), 0);
    assert_int_equal(d.state, R);

    /* mode 0: always connected; setting mode 0 connects */
    mfw_disconnector_init(&d, 0);
    assert_int_equal(mfw_disconnector_hold(&d, MFW_DISC_CAUSE_LIMITER, true, 0), 0);
    assert_int_equal(d.state, C);
    mfw_disconnector_init(&d, 4);
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_REMOTE_DISCONNECT, 0), 'b');
    char tr = 1;
    assert_int_equal(mfw_disconnector_set_mode(&d, 0, 10, &tr), MFW_OK);
    assert_int_equal(tr, 'a');
    assert_int_equal(d.state, C);
    assert_int_equal(mfw_disconnector_set_mode(&d, 7, 10, &tr), MFW_E_RANGE);
}

static void welded_contact(void **st)
{
    (void)st;
    struct mfw_disconnector d;
    mfw_disconnector_init(&d, 2);
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_REMOTE_DISCONNECT, 1000), 'b');
    /* before the check time nothing is judged, even with current */
    assert_false(mfw_disconnector_check(&d, true, true, 1000 + MFW_DISCONNECT_CHECK_MS - 1));
    /* the sensor says closed after the check time: a failure, once */
    assert_true(mfw_disconnector_check(&d, true, true, 1000 + MFW_DISCONNECT_CHECK_MS));
    assert_false(mfw_disconnector_check(&d, true, true, 5000));
    /* a new command starts a new check; this time the contact follows */
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_REMOTE_RECONNECT, 6000), 'a');
    assert_false(mfw_disconnector_check(&d, true, true, 6000 + MFW_DISCONNECT_CHECK_MS));
    /* no sensor (sensed = commanded), but current through the open breaker */
    assert_int_equal(mfw_disconnector_trigger(&d, MFW_DISC_REMOTE_DISCONNECT, 8000), 'b');
    assert_false(mfw_disconnector_check(&d, false, false, 8000 + MFW_DISCONNECT_CHECK_MS));
    assert_false(mfw_disconnector_check(&d, false, false, 9000));
    assert_true(mfw_disconnector_check(&d, false, true, 9200));
}

static void save_and_restore(void **st)
{
    (void)st;
    struct mfw_disconnector d, e;
    mfw_disconnector_init(&d, 5);
    mfw_disconnector_hold(&d, MFW_DISC_CAUSE_NEUTRAL, true, 1234);
    uint8_t buf[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_disconnector_save(&d, &w);
    assert_int_equal(w.err, 0);
    mfw_disconnector_init(&e, 5);
    struct mfw_persist_reader r;
    mfw_persist_reader_init(&r, buf, w.len);
    mfw_disconnector_restore(&e, &r);
    assert_int_equal(mfw_persist_end(&r), MFW_OK);
    assert_int_equal(e.state, R);
    assert_false(e.closed);
    assert_int_equal(e.holds, MFW_DISC_CAUSE_NEUTRAL);
    assert_true(e.by_local);
    assert_int_equal(e.commanded_at, 1234);
    /* a record whose contact contradicts its state is refused */
    buf[4] = 1; /* closed = true (the second field: 4 bytes of state, then this bool) */
    mfw_persist_reader_init(&r, buf, w.len);
    mfw_disconnector_restore(&e, &r);
    assert_int_not_equal(mfw_persist_end(&r), MFW_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_mode_state_and_trigger),
        cmocka_unit_test(event_codes),
        cmocka_unit_test(the_contact_follows_the_state),
        cmocka_unit_test(causes_hold_the_breaker),
        cmocka_unit_test(welded_contact),
        cmocka_unit_test(save_and_restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
