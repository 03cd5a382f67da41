/* snapshot: round trip, layout, and that every damaged or truncated record is refused with the
 * meter left exactly as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meterfw/bytes.h"
#include "meterfw/crc.h"
#include "meterfw/error.h"
#include "meterfw/meter.h"
#include "meterfw/snapshot.h"

static const struct hal no_hal;

static void make_meter(struct meter *m, enum meter_model model)
{
    struct meter_config cfg;
    meter_default_config(&cfg, model);
    assert_int_equal(meter_init(m, &cfg, &no_hal), MFW_OK);
}

/* Distinct, byte-order-revealing values in every register. */
static void fill(struct meter *m, mfw_ms_t now)
{
    for (unsigned r = 0; r <= MFW_PHASES_MAX; r++)
        for (unsigned q = 0; q < EQ_COUNT; q++)
            m->reg.uwh[r][q] = 0x0102030405060708ull * (r * EQ_COUNT + q + 1) + r;
    m->now = now;
}

static void test_round_trip(void **state)
{
    (void)state;
    static struct meter a, b;
    make_meter(&a, METER_382M);
    make_meter(&b, METER_382M);
    uint8_t buf[SNAPSHOT_SIZE];
    size_t len = 0;
    const mfw_ms_t times[] = {1767571200000LL, 0, -1, INT64_MAX, INT64_MIN};
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
        fill(&a, times[k]);
        assert_int_equal(snapshot_save(&a, buf, sizeof buf, &len), MFW_OK);
        assert_int_equal(len, SNAPSHOT_SIZE);
        assert_int_equal(snapshot_load(&b, buf, len), MFW_OK);
        assert_memory_equal(&a.reg, &b.reg, sizeof a.reg);
        assert_true(a.now == b.now);
    }
}

static void test_layout(void **state)
{
    (void)state;
    static struct meter a;
    make_meter(&a, METER_382M);
    fill(&a, 0x1122334455667788LL);
    uint8_t buf[SNAPSHOT_SIZE];
    size_t len;
    assert_int_equal(snapshot_save(&a, buf, sizeof buf, &len), MFW_OK);
    assert_memory_equal(buf, "MFWS", 4);
    assert_int_equal(buf[4], 1); /* version 1, little-endian */
    assert_int_equal(buf[5], 0);
    assert_int_equal(buf[6], METER_382M);
    assert_int_equal(bytes_get_le32(buf + 7), SNAPSHOT_PAYLOAD_SIZE);
    assert_int_equal(buf[11], 0x88); /* time, little-endian */
    assert_int_equal(buf[18], 0x11);
    assert_int_equal(buf[19], MFW_PHASES_MAX + 1);
    assert_int_equal(buf[20], EQ_COUNT);
    assert_int_equal(buf[21], 0x08); /* L1 A+ = 0x0102030405060708: low byte first */
    assert_int_equal(buf[28], 0x01);
    assert_int_equal(bytes_get_le32(buf + len - 4), crc32(buf, len - 4));
    /* 4 rows x 8 quantities x 8 bytes + 10 + header 11 + CRC 4 */
    assert_int_equal(SNAPSHOT_SIZE, 11 + 10 + 256 + 4);
}

static void test_every_corrupted_byte_rejected(void **state)
{
    (void)state;
    static struct meter a, b, before;
    make_meter(&a, METER_382M);
    make_meter(&b, METER_382M);
    fill(&a, 1767571200000LL);
    b.reg.uwh[0][0] = 42; /* b has its own state, which must survive */
    b.now = 7;
    memcpy(&before, &b, sizeof b);
    uint8_t good[SNAPSHOT_SIZE], bad[SNAPSHOT_SIZE];
    size_t len;
    assert_int_equal(snapshot_save(&a, good, sizeof good, &len), MFW_OK);
    static const uint8_t flips[] = {0x01, 0x80, 0xFF};
    for (size_t k = 0; k < len; k++) {
        for (size_t f = 0; f < sizeof flips; f++) {
            memcpy(bad, good, len);
            bad[k] ^= flips[f];
            int rc = snapshot_load(&b, bad, len);
            if (rc == MFW_OK)
                fail_msg("byte %zu ^ 0x%02x accepted", k, flips[f]);
            assert_true(rc == MFW_E_FORMAT || rc == MFW_E_CRC);
            assert_memory_equal(&b, &before, sizeof b);
        }
    }
}

static void test_truncated_and_padded(void **state)
{
    (void)state;
    static struct meter a, b, before;
    make_meter(&a, METER_382M);
    make_meter(&b, METER_382M);
    fill(&a, 5);
    memcpy(&before, &b, sizeof b);
    uint8_t buf[SNAPSHOT_SIZE + 8];
    size_t len;
    assert_int_equal(snapshot_save(&a, buf, sizeof buf, &len), MFW_OK);
    for (size_t n = 0; n < len; n++) {
        assert_int_equal(snapshot_load(&b, buf, n), MFW_E_FORMAT);
        assert_memory_equal(&b, &before, sizeof b);
    }
    memset(buf + len, 0, 8);
    assert_int_equal(snapshot_load(&b, buf, len + 1), MFW_E_FORMAT);
    assert_int_equal(snapshot_load(&b, NULL, 0), MFW_E_FORMAT);
    assert_memory_equal(&b, &before, sizeof b);
}

static void test_nospace(void **state)
{
    (void)state;
    static struct meter a;
    make_meter(&a, METER_162M);
    uint8_t buf[SNAPSHOT_SIZE];
    memset(buf, 0xA5, sizeof buf);
    size_t len = 0;
    assert_int_equal(snapshot_save(&a, buf, sizeof buf - 1, &len), MFW_E_NOSPACE);
    assert_int_equal(len, SNAPSHOT_SIZE); /* tells the size it needs */
    for (size_t k = 0; k < sizeof buf; k++)
        assert_int_equal(buf[k], 0xA5); /* untouched */
    assert_int_equal(snapshot_save(&a, NULL, 0, &len), MFW_E_NOSPACE);
    assert_int_equal(snapshot_save(NULL, buf, sizeof buf, &len), MFW_E_ARG);
}

/* A record with a good CRC but an unknown version or another model is refused by name. */
static void test_version_and_model(void **state)
{
    (void)state;
    static struct meter a, b, c, before;
    make_meter(&a, METER_382M);
    make_meter(&b, METER_382M);
    make_meter(&c, METER_162M);
    fill(&a, 99);
    uint8_t buf[SNAPSHOT_SIZE];
    size_t len;
    assert_int_equal(snapshot_save(&a, buf, sizeof buf, &len), MFW_OK);

    memcpy(&before, &c, sizeof c);
    assert_int_equal(snapshot_load(&c, buf, len), MFW_E_FORMAT); /* 382M record, 162M meter */
    assert_memory_equal(&c, &before, sizeof c);

    bytes_put_le16(buf + 4, 2);
    bytes_put_le32(buf + len - 4, crc32(buf, len - 4));
    memcpy(&before, &b, sizeof b);
    assert_int_equal(snapshot_load(&b, buf, len), MFW_E_VERSION);
    assert_memory_equal(&b, &before, sizeof b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_every_corrupted_byte_rejected),
        cmocka_unit_test(test_truncated_and_padded),
        cmocka_unit_test(test_nospace),
        cmocka_unit_test(test_version_and_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
