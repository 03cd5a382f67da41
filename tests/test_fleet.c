/* SPDX-License-Identifier: Apache-2.0 */
/* fleetd's parts (port/fleet): the fleet file's parser (its refusals name the line), the flash of
 * a fleet in one sparse file (NOR rules, regions that do not touch each other, a hole reads as
 * erased, a meter's store on it survives a remount), and the keys (HKDF-SHA256 of the secret:
 * the expected bytes were computed with Python's hmac module, independently of Mbed TLS). */
#define _POSIX_C_SOURCE 200809L /* mkstemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fleet_config.h"
#include "fleet_flash.h"
#include "fleet_keys.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/meter.h"
#include "meterfw/store/store.h"

static int parse(struct fleet_config *c, const char *text, struct fleet_config_error *e)
{
    fleet_config_default(c);
    return fleet_config_parse(c, text, strlen(text), e);
}

static void config_parses_and_refuses(void **state)
{
    (void)state;
    struct fleet_config c;
    struct fleet_config_error e;
    assert_int_equal(parse(&c,
                           "# a fleet\nmeters 50\nseed 7\nserial-base 40000001\n"
                           "share-382m 25 %\nannual 1000 to 2000 kWh\nfeeders 5\n"
                           "at 2026-11-30T10:00:00Z outage feeder 2 for 30 min\n"
                           "at 2026-11-30T10:00:00Z drift 10 % -20 ppm\n"
                           "at 2026-11-30T10:00:00Z silent 5 % for 1 h\n"
                           "at 2026-11-30T11:00:00Z tamper 20 % terminal for 90 min\n",
                           &e),
                     MFW_OK);
    assert_int_equal(c.meters, 50);
    assert_int_equal(c.serial_base, 40000001);
    assert_true(c.share_382m == 0.25);
    assert_int_equal(c.n_events, 4);
    assert_int_equal(c.events[0].kind, FLEET_EV_OUTAGE_FEEDER);
    assert_int_equal(c.events[0].feeder, 2);
    assert_int_equal(c.events[0].duration_ms, 30 * 60000);
    assert_true(c.events[1].ppm == -20.0 && c.events[1].share == 0.10);
    assert_int_equal(c.events[2].duration_ms, 3600000);
    assert_int_equal(c.events[3].kind, FLEET_EV_TAMPER);
    assert_int_equal(c.events[3].input, FLEET_TAMPER_TERMINAL);
    assert_true(c.events[3].share == 0.20);
    assert_int_equal(c.events[3].duration_ms, 90 * 60000);
    /* a share's draw: stream 100 + the event's index, below the share */
    for (uint32_t i = 0; i < 50; i++)
        assert_int_equal(fleet_config_hits(&c, &c.events[3], i),
                         fleet_config_uniform(c.seed, 40000001 + i, 103) < 0.20);
    /* feeder of serial S is S mod F; the outage hits exactly feeder 2 */
    for (uint32_t i = 0; i < 50; i++)
        assert_int_equal(fleet_config_hits(&c, &c.events[0], i), (40000001 + i) % 5 == 2);

    static const struct {
        const char *text;
        unsigned line;
        int rc;
    } bad[] = {
        {"meters 0\n", 1, MFW_E_RANGE},
        {"\nfeeders 4\nat 2026-11-30T10:00:00Z outage feeder 4 for 1 h\n", 3, MFW_E_RANGE},
        {"at 2026-11-30T10:00:00Z outage feeder 1 for 1 h\nfeeders 4\n", 2, MFW_E_FORMAT},
        {"share-382m 101 %\n", 1, MFW_E_RANGE},
        {"annual 5000 to 1000 kWh\n", 1, MFW_E_RANGE},
        {"at 2026-13-01T00:00:00Z silent 1 % for 1 h\n", 1, MFW_E_FORMAT},
        {"at 2026-11-30T10:00:00Z tamper 5 %\n", 1, MFW_E_FORMAT},
        {"\nat 2026-11-30T10:00:00Z tamper 5 % lid for 1 h\n", 2, MFW_E_FORMAT},
        {"at 2026-11-30T10:00:00Z tamper 5 % cover 1 h\n", 1, MFW_E_FORMAT},
        {"at 2026-11-30T10:00:00Z tamper 5 % cover during 1 h\n", 1, MFW_E_FORMAT},
        {"at 2026-11-30T10:00:00Z tamper 120 % field for 1 h\n", 1, MFW_E_RANGE},
        {"at 2026-11-30T10:00:00Z tamper 5 % field for 0 s\n", 1, MFW_E_RANGE},
        {"at 2026-11-30T10:00:00Z drift 5 % 0 ppm\n", 1, MFW_E_RANGE},
        {"head-end-title 4D4657\n", 1, MFW_E_FORMAT},
        {"serial-base 99999999999\n", 1, MFW_E_RANGE},
        {"bogus 1\n", 1, MFW_E_FORMAT},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(parse(&c, bad[k].text, &e), bad[k].rc);
        assert_int_equal(e.line, bad[k].line);
        assert_true(e.msg[0] != '\0');
    }
}

static void keys_are_hkdf_of_the_secret(void **state)
{
    (void)state;
    struct fleet_secret s;
    s.len = 32;
    for (unsigned k = 0; k < 32; k++)
        s.b[k] = (uint8_t)k;
    uint8_t key[MFW_KEYS_COUNT][MFW_KEYS_LEN];
    assert_int_equal(fleet_keys_derive(&s, "40000001", key), MFW_OK);
    /* HKDF-SHA256(salt "meterfw-fleet-keys-v1", ikm 00..1f, info "40000001:guek" / ":ak") */
    static const uint8_t guek[16] = {0x9b, 0xf3, 0xa7, 0xc7, 0x8f, 0x89, 0xe0, 0xc8,
                                     0x08, 0x1d, 0xa6, 0xa9, 0x3e, 0xef, 0x82, 0xa0};
    static const uint8_t ak[16] = {0xec, 0x84, 0x31, 0xea, 0x6f, 0x79, 0x64, 0x26,
                                   0x10, 0xa7, 0x8a, 0x64, 0x3e, 0x1c, 0xc3, 0x64};
    assert_memory_equal(key[MFW_KEYS_UNICAST], guek, 16);
    assert_memory_equal(key[MFW_KEYS_AUTHENTICATION], ak, 16);
    uint8_t other[MFW_KEYS_COUNT][MFW_KEYS_LEN];
    assert_int_equal(fleet_keys_derive(&s, "40000002", other), MFW_OK);
    assert_memory_not_equal(key, other, sizeof key);
}

static void flash_regions_follow_nor_rules(void **state)
{
    (void)state;
    char path[] = "test_fleet_flash.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    struct fleet_flash_file f;
    char err[256];
    assert_int_equal(fleet_flash_file_open(&f, path, 8 * 4096, 3, err, sizeof err), 0);
    struct fleet_flash a, b;
    assert_int_equal(fleet_flash_init(&a, &f, 0, 4096, 8, 8), MFW_OK);
    assert_int_equal(fleet_flash_init(&b, &f, 1, 4096, 8, 8), MFW_OK);
    assert_int_equal(fleet_flash_init(&b, &f, 3, 4096, 8, 8), MFW_E_ARG); /* no region 3 */
    assert_int_equal(fleet_flash_init(&b, &f, 1, 4096, 8, 8), MFW_OK);
    uint8_t buf[64], ff[64];
    memset(ff, 0xFF, sizeof ff);
    assert_int_equal(fleet_flash_read(&a, 4096 - 32, buf, 64), MFW_OK);
    assert_memory_equal(buf, ff, 64); /* a hole is erased flash */
    uint8_t data[16] = {0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0, 1, 2, 3, 4, 5, 6, 7};
    assert_int_equal(fleet_flash_prog(&a, 8, data, 16), MFW_OK);
    assert_int_equal(fleet_flash_read(&a, 8, buf, 16), MFW_OK);
    assert_memory_equal(buf, data, 16);
    /* a bit back to 1, a misaligned program, out of range: refused and counted */
    uint8_t up[8] = {0xFF, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0};
    assert_int_equal(fleet_flash_prog(&a, 8, up, 8), MFW_E_IO);
    assert_int_equal(fleet_flash_prog(&a, 12, data, 8), MFW_E_IO);
    assert_int_equal(fleet_flash_prog(&a, 8 * 4096, data, 8), MFW_E_IO);
    assert_int_equal(a.violations, 3);
    /* clearing more bits is a program */
    uint8_t down[8] = {0x02, 0x30, 0x50, 0x70, 0x90, 0xB0, 0xD0, 0xF0};
    assert_int_equal(fleet_flash_prog(&a, 8, down, 8), MFW_OK);
    /* the neighbour region is untouched, and so is the file's byte behind it: region 1 */
    assert_int_equal(fleet_flash_read(&b, 0, buf, 64), MFW_OK);
    assert_memory_equal(buf, ff, 64);
    assert_int_equal(fleet_flash_prog(&b, 0, data, 16), MFW_OK);
    assert_int_equal(fleet_flash_read(&a, 8, buf, 8), MFW_OK);
    assert_memory_equal(buf, down, 8);
    /* erase: the sector reads 0xFF again */
    assert_int_equal(fleet_flash_erase(&a, 0), MFW_OK);
    assert_int_equal(fleet_flash_read(&a, 0, buf, 64), MFW_OK);
    assert_memory_equal(buf, ff, 64);
    assert_int_equal(fleet_flash_erase(&a, 8), MFW_E_IO);
    assert_int_equal(fleet_flash_file_close(&f), 0);
    /* reopened with another size: another fleet, refused */
    assert_int_equal(fleet_flash_file_open(&f, path, 8 * 4096, 4, err, sizeof err), -1);
    unlink(path);
}

static int s_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    return fleet_flash_read(ctx, addr, buf, len);
}

static void a_meter_keeps_its_state_in_its_region(void **state)
{
    (void)state;
    char path[] = "test_fleet_store.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, MFW_METER_162M);
    memcpy(cfg.serial, "40000001", 9);
    uint64_t region = (uint64_t)cfg.store.sector_size * cfg.store.sector_count;
    struct fleet_flash_file f;
    char err[256];
    assert_int_equal(fleet_flash_file_open(&f, path, region, 2, err, sizeof err), 0);
    static struct fleet_flash fl;
    assert_int_equal(fleet_flash_init(&fl, &f, 1, cfg.store.sector_size, cfg.store.sector_count,
                                      cfg.store.prog_size),
                     MFW_OK);
    struct mfw_hal hal;
    memset(&hal, 0, sizeof hal);
    fleet_flash_hal(&fl, &hal);
    static struct mfw_meter m;
    const mfw_ms_t t0 = 1796083200000; /* 2026-12-01 */
    assert_int_equal(mfw_meter_init(&m, &cfg, &hal, t0), MFW_OK);
    assert_true(m.persistent);
    mfw_meter_flush(&m, t0 + 60000);
    uint32_t saves = m.saves;
    assert_true(saves > 0);
    /* a power-up on the same region finds the meter; its neighbour region is still blank */
    assert_int_equal(mfw_meter_init(&m, &cfg, &hal, t0 + 120000), MFW_OK);
    assert_true(m.restore.latest >= t0 + 60000);
    static struct fleet_flash other;
    assert_int_equal(fleet_flash_init(&other, &f, 0, cfg.store.sector_size, cfg.store.sector_count,
                                      cfg.store.prog_size),
                     MFW_OK);
    uint8_t buf[256], ff[256];
    memset(ff, 0xFF, sizeof ff);
    for (uint32_t s = 0; s < cfg.store.sector_count; s++) {
        assert_int_equal(s_read(&other, s * cfg.store.sector_size, buf, sizeof buf), MFW_OK);
        assert_memory_equal(buf, ff, sizeof buf);
    }
    assert_int_equal(fleet_flash_file_close(&f), 0);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_parses_and_refuses),
        cmocka_unit_test(keys_are_hkdf_of_the_secret),
        cmocka_unit_test(flash_regions_follow_nor_rules),
        cmocka_unit_test(a_meter_keeps_its_state_in_its_region),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
