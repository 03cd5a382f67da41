/* SPDX-License-Identifier: Apache-2.0 */
/* The bounded cursor: big-endian values as written by hand, and every overrun caught without a
 * byte touched outside the buffer (ASan would see it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"

static void reads_big_endian_and_stops_at_the_end(void **st)
{
    (void)st;
    const uint8_t b[] = {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x01, 0x02, 0x03};
    struct mfw_rcursor c;
    mfw_rcursor_init(&c, b, sizeof b);
    assert_int_equal(mfw_rcursor_u8(&c), 0x12);
    assert_int_equal(mfw_rcursor_u16be(&c), 0x3456);
    assert_int_equal(mfw_rcursor_u32be(&c), 0x789ABCDE);
    assert_int_equal(mfw_rcursor_left(&c), 4);
    struct mfw_rcursor sub = mfw_rcursor_sub(&c, 2);
    assert_int_equal(mfw_rcursor_u16be(&sub), 0xF001);
    assert_int_equal(mfw_rcursor_u8(&sub), 0); /* past the sub-cursor's end */
    assert_int_equal(sub.err, MFW_E_FORMAT);
    assert_int_equal(c.err, MFW_OK);
    assert_int_equal(mfw_rcursor_u32be(&c), 0); /* only 2 left */
    assert_int_equal(c.err, MFW_E_FORMAT);
    assert_null(mfw_rcursor_take(&c, 1)); /* sticky */
    mfw_rcursor_init(&c, b, 8);
    assert_true(mfw_rcursor_u64be(&c) == 0x123456789ABCDEF0ull);
}

static void writes_big_endian_and_refuses_overflow(void **st)
{
    (void)st;
    uint8_t b[7];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, b, sizeof b);
    mfw_wcursor_u16be(&w, 0x0102);
    mfw_wcursor_u32be(&w, 0x03040506);
    uint8_t *mark = mfw_wcursor_reserve(&w, 1);
    assert_non_null(mark);
    *mark = 0x07;
    assert_int_equal(w.len, 7);
    const uint8_t want[7] = {1, 2, 3, 4, 5, 6, 7};
    assert_memory_equal(b, want, 7);
    mfw_wcursor_u8(&w, 8);
    assert_int_equal(w.err, MFW_E_NOSPACE);
    assert_int_equal(w.len, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_big_endian_and_stops_at_the_end),
        cmocka_unit_test(writes_big_endian_and_refuses_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
