/* SPDX-License-Identifier: Apache-2.0 */
/* The alarm registers (alarm.h): the bits of the events as the IDIS lists give them
 * (references/idis-objects.md section 7), the filter into the descriptor, the clear rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "meterfw/meter/alarm.h"
#include "meterfw/meter/eventlog.h"

static void bits_of_events(void **st)
{
    (void)st;
    uint32_t b[2];
    /* register 1: b0 clock invalid (6), b10 NV memory (14), b12 watchdog (15), b11 measurement
     * (16), b13 fraud (49 decryption failure) */
    mfw_alarm_bits(6, b);
    assert_true(b[0] == 1u << 0 && b[1] == 0);
    mfw_alarm_bits(14, b);
    assert_true(b[0] == 1u << 10);
    mfw_alarm_bits(15, b);
    assert_true(b[0] == 1u << 12);
    mfw_alarm_bits(16, b);
    assert_true(b[0] == 1u << 11);
    mfw_alarm_bits(49, b);
    assert_true(b[0] == 1u << 13);
    mfw_alarm_bits(42, b); /* strong field: fraud and the vendor bit 3 */
    assert_true(b[0] == ((1u << 13) | (1u << 3)));
    /* register 2: b0 power failure (1), b1 resume (2), b2..4 missing L1..L3 (82..84), b5..7
     * normal (85..87), b8 missing neutral (89), b13 key exchanged (48), b14..16 bad quality
     * (76..81 by phase), b31 disconnect failure (68) */
    mfw_alarm_bits(1, b);
    assert_true(b[1] == 1u << 0 && b[0] == 0);
    mfw_alarm_bits(2, b);
    assert_true(b[1] == 1u << 1);
    mfw_alarm_bits(83, b);
    assert_true(b[1] == 1u << 3);
    mfw_alarm_bits(87, b);
    assert_true(b[1] == 1u << 7);
    mfw_alarm_bits(89, b);
    assert_true(b[1] == 1u << 8);
    mfw_alarm_bits(48, b);
    assert_true(b[1] == 1u << 13);
    mfw_alarm_bits(77, b); /* undervoltage L2 */
    assert_true(b[1] == 1u << 15);
    mfw_alarm_bits(81, b); /* overvoltage L3 */
    assert_true(b[1] == 1u << 16);
    mfw_alarm_bits(68, b);
    assert_true(b[1] == 1u << 31);
    mfw_alarm_bits(62, b); /* a remote disconnection is no alarm */
    assert_true(b[0] == 0 && b[1] == 0);
}

static void filter_descriptor_and_clear(void **st)
{
    (void)st;
    struct mfw_alarm_config c;
    mfw_alarm_default_config(&c);
    c.filter[1] = 1u << 8; /* only the missing neutral reaches the descriptor */
    struct mfw_alarm a;
    mfw_alarm_init(&a);
    mfw_alarm_event(&a, &c, 1);  /* power failure */
    mfw_alarm_event(&a, &c, 89); /* missing neutral */
    assert_int_equal(a.reg[1], (1u << 0) | (1u << 8));
    assert_int_equal(a.descriptor[1], 1u << 8);
    assert_true(a.push_due);
    /* clearing keeps the bits the value has: writing back 1 << 0 clears only the neutral */
    assert_true(mfw_alarm_clear(&a, 1, false, 1u << 0));
    assert_int_equal(a.reg[1], 1u << 0);
    assert_int_equal(a.descriptor[1], 0); /* never a descriptor bit its register lost */
    /* a client cannot set a bit */
    assert_false(mfw_alarm_clear(&a, 1, false, UINT32_MAX));
    assert_int_equal(a.reg[1], 1u << 0);
    assert_true(mfw_alarm_clear(&a, 1, false, 0));
    assert_int_equal(a.reg[1], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bits_of_events),
        cmocka_unit_test(filter_descriptor_and_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
