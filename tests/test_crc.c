/* SPDX-License-Identifier: Apache-2.0 */
/* CRC-32 and CRC-16/X.25 against published check values (CRC RevEng catalogue) and an HDLC
 * frame of IEC 62056-46. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterfw/base/crc.h"

static const char check[] = "123456789";

/* RevEng: CRC-32/ISO-HDLC check=0xcbf43926 residue=0xdebb20e3 (0x2144df1c after xorout). */
static void test_crc32_check(void **state)
{
    (void)state;
    assert_int_equal(mfw_crc32(check, 9), 0xCBF43926u);
    assert_int_equal(mfw_crc32(NULL, 0), 0);
    assert_int_equal(mfw_crc32("The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
}

static void test_crc32_chaining(void **state)
{
    (void)state;
    for (size_t cut = 0; cut <= 9; cut++)
        assert_int_equal(mfw_crc32_update(mfw_crc32_update(0, check, cut), check + cut, 9 - cut),
                         0xCBF43926u);
}

static void test_crc32_residue(void **state)
{
    (void)state;
    uint8_t b[13];
    memcpy(b, check, 9);
    uint32_t c = mfw_crc32(check, 9);
    for (unsigned k = 0; k < 4; k++)
        b[9 + k] = (uint8_t)(c >> (8 * k)); /* appended little-endian, as Ethernet sends it */
    assert_int_equal(mfw_crc32(b, 13), 0x2144DF1Cu);
}

/* RevEng: CRC-16/IBM-SDLC (alias X-25) check=0x906e residue=0xf0b8 (0x0f47 after xorout). */
static void test_crc16_x25_check(void **state)
{
    (void)state;
    assert_int_equal(mfw_crc16_x25(check, 9), 0x906E);
    assert_int_equal(mfw_crc16_x25(NULL, 0), 0);
    uint8_t b[11];
    memcpy(b, check, 9);
    b[9] = 0x6E; /* FCS low byte first (ISO/IEC 13239) */
    b[10] = 0x90;
    assert_int_equal(mfw_crc16_x25(b, 11), 0x0F47);
    for (size_t cut = 0; cut <= 9; cut++)
        assert_int_equal(
            mfw_crc16_x25_update(mfw_crc16_x25_update(0, check, cut), check + cut, 9 - cut),
            0x906E);
}

/* IEC 62056-46 SNRM from client 0x21 to server 0x03: 7E A0 07 03 21 93 0F 01 7E.
 * The FCS over format+addresses+control is 0x010F, sent as 0F 01. */
static void test_crc16_hdlc_snrm(void **state)
{
    (void)state;
    static const uint8_t frame[] = {0xA0, 0x07, 0x03, 0x21, 0x93};
    assert_int_equal(mfw_crc16_x25(frame, sizeof frame), 0x010F);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_check),     cmocka_unit_test(test_crc32_chaining),
        cmocka_unit_test(test_crc32_residue),   cmocka_unit_test(test_crc16_x25_check),
        cmocka_unit_test(test_crc16_hdlc_snrm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
