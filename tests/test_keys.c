/* SPDX-License-Identifier: Apache-2.0 */
/* The meter's security material and counters (meter/keys.c and the meter's security verbs) on an
 * emulated NOR flash:
 *  - the records survive a restart field by field (keys, titles, policy, LLS secret, counters),
 *    and a record that is not sense fails closed (no key, an exhausted counter);
 *  - the counter the meter sends never repeats: a power cut at every flash operation of a run
 *    that crosses 80 reservations and a sector change (the harsh NOR model of sim/flash_emu: any subset of the
 *    bits of a torn program, weak cells), then a power-up: every value sent after it is above
 *    every value sent before; and a received counter accepted before the cut is refused after;
 *  - key transfer (RFC 3394 4.1's wrapped key as the new unicast key), all or nothing, event 48;
 *    security_activate only stronger, event 47;
 *  - the server system title made from the serial number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto_posix.h"
#include "flash_emu.h"
#include "hexbytes.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/eventlog.h"
#include "meterfw/meter/keys.h"
#include "meterfw/meter/meter.h"

#define T0 1795561200000LL /* 2026-11-24T23:00Z */

struct rig {
    struct flash_emu emu;
    uint8_t *mem, *weak;
    size_t size;
    struct mfw_hal hal;
    struct mfw_meter_config cfg;
    struct mfw_meter m;
};

static void hex(const char *s, uint8_t *out, size_t n)
{
    assert_int_equal(hex_decode(s, out, n), n);
}

static struct rig *rig_new(void)
{
    struct rig *r = calloc(1, sizeof *r);
    assert_non_null(r);
    mfw_meter_default_config(&r->cfg, MFW_METER_382M);
    struct mfw_keys_config *k = &r->cfg.security;
    hex("000102030405060708090A0B0C0D0E0F", k->key[MFW_KEYS_UNICAST], 16); /* the capture's */
    hex("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF", k->key[MFW_KEYS_AUTHENTICATION], 16);
    hex("000102030405060708090A0B0C0D0E0F", k->key[MFW_KEYS_MASTER], 16); /* RFC 3394 4.1 KEK */
    k->have = 1u << MFW_KEYS_UNICAST | 1u << MFW_KEYS_AUTHENTICATION | 1u << MFW_KEYS_MASTER;
    k->policy = 1;
    r->size = (size_t)r->cfg.store.sector_size * r->cfg.store.sector_count;
    r->mem = malloc(r->size);
    r->weak = malloc(r->size);
    assert_non_null(r->mem);
    assert_non_null(r->weak);
    assert_int_equal(flash_emu_init(&r->emu, r->mem, r->cfg.store.sector_size,
                                    r->cfg.store.sector_count, r->cfg.store.prog_size, 7),
                     MFW_OK);
    flash_emu_erase_all(&r->emu);
    flash_emu_hal(&r->emu, &r->hal);
    r->hal.crypto = crypto_posix_port();
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, T0), MFW_OK);
    assert_true(r->m.persistent);
    return r;
}

static void rig_free(struct rig *r)
{
    free(r->mem);
    free(r->weak);
    free(r);
}

/* A restart of the meter on the same flash (the RTC a minute on). */
static void restart(struct rig *r)
{
    flash_emu_power_on(&r->emu);
    assert_int_equal(mfw_meter_init(&r->m, &r->cfg, &r->hal, r->m.rtc + 60000), MFW_OK);
}

static bool logged(struct mfw_meter *m, enum mfw_eventlog_id log, uint16_t code)
{
    uint32_t n = mfw_meter_eventlog_count(m, log);
    for (uint32_t i = 0; i < n; i++) {
        struct mfw_eventlog_entry e;
        if (mfw_meter_eventlog_read(m, log, i, &e) == MFW_OK && e.code == code)
            return true;
    }
    return false;
}

static void records_survive_a_restart(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    struct mfw_meter *m = &r->m;
    /* a new meter stored its provisioned keys; the title comes from the serial (00000001) */
    assert_memory_equal(m->keys.config.server_title, "MFW\x00\x00\x00\x00\x01", 8);
    assert_non_null(mfw_meter_security_key(m, MFW_KEYS_UNICAST));
    assert_null(mfw_meter_security_key(m, MFW_KEYS_BROADCAST));
    uint32_t ic[3];
    for (int k = 0; k < 3; k++)
        assert_int_equal(mfw_meter_security_ic_next(m, &ic[k]), MFW_OK);
    assert_int_equal(ic[0], 0);
    assert_int_equal(ic[2], 2);
    assert_int_equal(mfw_meter_security_ic_accept(m, MFW_KEYS_CTX_UNICAST, 41), MFW_OK);
    assert_int_equal(mfw_meter_security_ic_accept(m, MFW_KEYS_CTX_UNICAST, 41), MFW_E_RANGE);
    assert_int_equal(mfw_meter_security_ic_check(m, MFW_KEYS_CTX_UNICAST, 42), MFW_OK);
    assert_int_equal(mfw_meter_security_set_lls(m, (const uint8_t *)"s3cret", 6), MFW_OK);
    assert_int_equal(mfw_meter_security_client_title(m, (const uint8_t *)"HES00001"), MFW_OK);
    assert_int_equal(mfw_meter_security_activate(m, 3), MFW_OK);
    restart(r);
    /* the keys file of the configuration is not what counts now: the store is */
    memset(r->cfg.security.key, 0x55, sizeof r->cfg.security.key);
    restart(r);
    assert_int_equal(m->keys.config.policy, 3);
    assert_int_equal(m->keys.config.lls_len, 6);
    assert_memory_equal(m->keys.config.lls, "s3cret", 6);
    assert_memory_equal(m->keys.config.client_title, "HES00001", 8);
    assert_memory_equal(mfw_meter_security_key(m, MFW_KEYS_AUTHENTICATION),
                        "\xD0\xD1\xD2\xD3\xD4\xD5\xD6\xD7\xD8\xD9\xDA\xDB\xDC\xDD\xDE\xDF", 16);
    /* the counters go on from their reservation (MFW_SECURITY_IC_RESERVE ahead of 0) and
     * floor (256 ahead of 41): values may be skipped, none reused or accepted twice */
    uint32_t next;
    assert_int_equal(mfw_meter_security_ic_next(m, &next), MFW_OK);
    assert_int_equal(next, MFW_SECURITY_IC_RESERVE);
    assert_int_equal(mfw_meter_security_ic_check(m, MFW_KEYS_CTX_UNICAST, 42), MFW_E_RANGE);
    assert_int_equal(m->keys.counters.last[MFW_KEYS_CTX_UNICAST], 41 + MFW_SECURITY_IC_RESERVE);
    assert_int_equal(
        mfw_meter_security_ic_check(m, MFW_KEYS_CTX_UNICAST, 42 + MFW_SECURITY_IC_RESERVE), MFW_OK);
    /* no state record and no log holds a key */
    static const uint8_t ak[4] = {0xD0, 0xD1, 0xD2, 0xD3};
    size_t sec_lo = (size_t)r->cfg.store.area[MFW_AREA_SECURITY].first_sector * 4096,
           sec_hi = sec_lo + (size_t)r->cfg.store.area[MFW_AREA_SECURITY].sectors * 4096;
    for (size_t i = 0; i + 4 <= r->size; i++)
        if (memcmp(r->mem + i, ak, 4) == 0)
            assert_true(i >= sec_lo && i < sec_hi);
    rig_free(r);
}

/* A SECURITY or COUNTERS record that passes its CRC but is not sense: fail closed. */
static void records_not_sense_fail_closed(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    uint8_t buf[MFW_KEYS_CONFIG_RECORD_MAX];
    struct mfw_wcursor w;
    struct mfw_keys_config bad = r->m.keys.config;
    bad.policy = 9;
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_keys_save_config(&bad, &w);
    assert_int_equal(mfw_store_record_write(&r->m.store, MFW_AREA_SECURITY, buf, w.len), MFW_OK);
    struct mfw_keys_counters c = r->m.keys.counters;
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_keys_save_counters(&c, &w);
    assert_int_equal(w.len, 24); /* magic, version, reservation, contexts, 2 floors */
    buf[15] = 9;                 /* the context count (big-endian u32 at 12): 2 expected */
    assert_int_equal(mfw_store_record_write(&r->m.store, MFW_AREA_COUNTERS, buf, w.len), MFW_OK);
    restart(r);
    assert_non_null(r->m.restore.security_field);
    assert_null(mfw_meter_security_key(&r->m, MFW_KEYS_UNICAST));
    uint32_t ic;
    assert_int_equal(mfw_meter_security_ic_next(&r->m, &ic), MFW_E_RANGE);
    assert_int_equal(mfw_meter_security_ic_check(&r->m, MFW_KEYS_CTX_UNICAST, 1000), MFW_E_RANGE);
    assert_true(logged(&r->m, MFW_EVENTLOG_STANDARD, MFW_EVENT_NV_MEMORY_ERROR));
    rig_free(r);
}

/* The sequence cut: ic_next and ic_accept until the flash dies or n steps are done; the values
 * sent (ic_next gave MFW_OK) and accepted into sent[] / acc[]. */
static unsigned run_counters(struct mfw_meter *m, unsigned n, uint32_t *max_sent, uint32_t *acc,
                             uint32_t client0)
{
    unsigned steps = 0;
    for (; steps < n; steps++) {
        uint32_t ic;
        if (mfw_meter_security_ic_next(m, &ic) != MFW_OK)
            break;
        assert_true(*max_sent == UINT32_MAX || ic > *max_sent); /* never a repeat, not even here */
        *max_sent = ic;
        if (steps % 3 == 0) {
            uint32_t c = client0 + steps;
            if (mfw_meter_security_ic_accept(m, MFW_KEYS_CTX_UNICAST, c) != MFW_OK)
                break;
            *acc = c;
        }
    }
    return steps;
}

static void counters_across_power_cuts(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    flash_emu_harsh(&r->emu, r->weak, 32);
    /* the flash as a power-up left it: each cut point starts from this copy */
    uint8_t *pristine = malloc(r->size);
    assert_non_null(pristine);
    memcpy(pristine, r->mem, r->size);
    struct mfw_meter fresh = r->m;
    /* a run without a cut: 80 reservations and 27 floors, more records than a sector of the
     * COUNTERS area holds (101 of 40 bytes): the run also opens (erases) the next sector */
    const unsigned steps = 80 * MFW_SECURITY_IC_RESERVE + 7;
    uint64_t ops0 = r->emu.ops;
    uint32_t max_sent = UINT32_MAX, acc = 0;
    assert_int_equal(run_counters(&r->m, steps, &max_sent, &acc, 1000), steps);
    uint64_t ops = r->emu.ops - ops0;
    assert_true(ops > 102 && ops < 200);
    unsigned cuts = 0;
    for (uint64_t k = 1; k <= ops; k++) {
        memcpy(r->mem, pristine, r->size);
        memset(r->weak, 0, r->size);
        r->m = fresh;
        r->m.hal = &r->hal;
        flash_emu_power_on(&r->emu);
        flash_emu_cut_after(&r->emu, k);
        max_sent = UINT32_MAX;
        acc = 0;
        unsigned done = run_counters(&r->m, steps, &max_sent, &acc, 1000);
        assert_true(done < steps); /* the cut stopped it */
        assert_true(r->emu.dead);
        cuts++;
        /* power-up on the torn flash, then the meter goes on */
        restart(r);
        uint32_t first;
        assert_int_equal(mfw_meter_security_ic_next(&r->m, &first), MFW_OK);
        assert_true(max_sent == UINT32_MAX || first > max_sent);
        if (acc != 0)
            assert_int_equal(mfw_meter_security_ic_check(&r->m, MFW_KEYS_CTX_UNICAST, acc),
                             MFW_E_RANGE);
        uint32_t again = first;
        unsigned more = run_counters(&r->m, 2 * MFW_SECURITY_IC_RESERVE, &again, &acc, 1u << 20);
        assert_int_equal(more, 2 * MFW_SECURITY_IC_RESERVE);
    }
    assert_int_equal(cuts, ops);
    print_message("  %u cut points (%u flash operations in %u steps)\n", cuts, (unsigned)ops,
                  steps);
    free(pristine);
    rig_free(r);
}

static void key_transfer_and_policy(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    struct mfw_meter *m = &r->m;
    /* RFC 3394 4.1: 00112233445566778899AABBCCDDEEFF wrapped under 000102..0F */
    uint8_t wrapped[1][24];
    hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5", wrapped[0], 24);
    uint8_t id = MFW_KEYS_BROADCAST;
    assert_int_equal(mfw_meter_security_transfer_keys(m, 1, &id, wrapped[0]), MFW_OK);
    uint8_t want[16];
    hex("00112233445566778899AABBCCDDEEFF", want, 16);
    assert_memory_equal(mfw_meter_security_key(m, MFW_KEYS_BROADCAST), want, 16);
    assert_true(logged(m, MFW_EVENTLOG_STANDARD, MFW_EVENT_GLOBAL_KEY_CHANGED));
    /* two keys, the second tampered: neither is taken */
    uint8_t two[2][24], ids[2] = {MFW_KEYS_UNICAST, MFW_KEYS_AUTHENTICATION};
    memcpy(two[0], wrapped[0], 24);
    memcpy(two[1], wrapped[0], 24);
    two[1][23] ^= 1;
    uint8_t guek[16];
    memcpy(guek, mfw_meter_security_key(m, MFW_KEYS_UNICAST), 16);
    assert_int_equal(mfw_meter_security_transfer_keys(m, 2, ids, two[0]), MFW_E_AUTH);
    assert_memory_equal(mfw_meter_security_key(m, MFW_KEYS_UNICAST), guek, 16);
    ids[1] = MFW_KEYS_UNICAST; /* the same key twice */
    assert_int_equal(mfw_meter_security_transfer_keys(m, 2, ids, two[0]), MFW_E_ARG);
    restart(r);
    assert_memory_equal(mfw_meter_security_key(m, MFW_KEYS_BROADCAST), want, 16);
    /* security_activate: 1 -> 3 stronger; then 2 (drops authentication) and 0 refused */
    assert_int_equal(mfw_meter_security_activate(m, 3), MFW_OK);
    assert_true(logged(m, MFW_EVENTLOG_STANDARD, MFW_EVENT_PARAMETERS_CHANGED));
    assert_int_equal(mfw_meter_security_activate(m, 2), MFW_E_RANGE);
    assert_int_equal(mfw_meter_security_activate(m, 0), MFW_E_RANGE);
    assert_int_equal(mfw_meter_security_activate(m, 4), MFW_E_RANGE);
    assert_int_equal(m->keys.config.policy, 3);
    /* only 46, 49, 50 (fraud) and 47, 48 (standard) are security events */
    assert_int_equal(mfw_meter_security_event(m, MFW_EVENT_REPLAY_ATTACK), MFW_OK);
    assert_true(logged(m, MFW_EVENTLOG_FRAUD, MFW_EVENT_REPLAY_ATTACK));
    assert_int_equal(mfw_meter_security_event(m, MFW_EVENT_POWER_UP), MFW_E_ARG);
    /* without a master key nothing can be transferred */
    struct mfw_keys_config c;
    mfw_keys_default_config(&c, "1");
    assert_int_equal(c.policy, 3);
    assert_int_equal(mfw_keys_validate(&c), MFW_OK);
    c.lls_enabled = true; /* without a secret */
    assert_int_equal(mfw_keys_validate(&c), MFW_E_RANGE);
    rig_free(r);
}

/* The consumer channel's context (Security setup 0.0.43.0.1.255): its keys by
 * global_key_transfer under the master key (RFC 3394 4.1's vector), policy 0 -> 3 only with both
 * keys and only stronger, kept across a restart; a SECURITY record written before the consumer
 * context existed (without its fields) still restores, with none. */
static void consumer_context(void **st)
{
    (void)st;
    struct rig *r = rig_new();
    struct mfw_meter *m = &r->m;
    uint8_t wrapped[2][24], ids[2] = {0, 2}, want[16];
    hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5", wrapped[0], 24);
    memcpy(wrapped[1], wrapped[0], 24);
    hex("00112233445566778899AABBCCDDEEFF", want, 16);
    assert_int_equal(mfw_meter_security_consumer_activate(m, 3), MFW_E_RANGE); /* no keys */
    assert_int_equal(mfw_meter_security_consumer_transfer(m, 1, ids, wrapped[0]), MFW_OK);
    assert_int_equal(m->keys.config.consumer_have, 1);
    assert_memory_equal(m->keys.config.consumer_ek, want, 16);
    assert_int_equal(mfw_meter_security_consumer_activate(m, 3), MFW_E_RANGE); /* no AK */
    uint8_t bad = 1; /* the broadcast key's id: not the consumer context's */
    assert_int_equal(mfw_meter_security_consumer_transfer(m, 1, &bad, wrapped[0]), MFW_E_ARG);
    wrapped[1][0] ^= 1; /* tampered: neither taken */
    assert_int_equal(mfw_meter_security_consumer_transfer(m, 2, ids, wrapped[0]), MFW_E_AUTH);
    assert_int_equal(m->keys.config.consumer_have, 1);
    wrapped[1][0] ^= 1;
    assert_int_equal(mfw_meter_security_consumer_transfer(m, 2, ids, wrapped[0]), MFW_OK);
    assert_int_equal(mfw_meter_security_consumer_activate(m, 2), MFW_E_RANGE); /* 0 or 3 */
    assert_int_equal(mfw_meter_security_consumer_activate(m, 3), MFW_OK);
    assert_int_equal(mfw_meter_security_consumer_activate(m, 0), MFW_E_RANGE); /* weaker */
    restart(r);
    assert_int_equal(m->keys.config.consumer_policy, 3);
    assert_int_equal(m->keys.config.consumer_have, 3);
    assert_memory_equal(m->keys.config.consumer_ak, want, 16);
    assert_int_equal(m->keys.config.policy, 1); /* the management context untouched */
    /* the record as it was before the consumer context: the same fields, without the last 40
     * bytes (2 x u32 + 2 x 16) */
    uint8_t buf[MFW_KEYS_CONFIG_RECORD_MAX];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof buf);
    mfw_keys_save_config(&m->keys.config, &w);
    struct mfw_keys_config c;
    const char *field = NULL;
    assert_int_equal(mfw_keys_restore_config(&c, buf, w.len - 40, &field), MFW_OK);
    assert_int_equal(c.consumer_have, 0);
    assert_int_equal(c.consumer_policy, 0);
    assert_int_equal(mfw_keys_restore_config(&c, buf, w.len, &field), MFW_OK);
    assert_int_equal(c.consumer_have, 3);
    assert_int_not_equal(mfw_keys_restore_config(&c, buf, w.len - 20, &field), MFW_OK);
    rig_free(r);
}

static void titles(void **st)
{
    (void)st;
    uint8_t t[8];
    mfw_keys_title_of_serial(t, "12345678");
    /* 12345678 = 0x0000BC614E in 40 bits */
    assert_memory_equal(t, "MFW\x00\x00\xBC\x61\x4E", 8);
    mfw_keys_title_of_serial(t, "AB-7");
    assert_memory_equal(t, "MFWAB-7\x00", 8);
    mfw_keys_title_of_serial(t, "1099511627776"); /* 2^40: the low 40 bits are 0 */
    assert_memory_equal(t, "MFW\x00\x00\x00\x00\x00", 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_survive_a_restart),
        cmocka_unit_test(records_not_sense_fail_closed),
        cmocka_unit_test(counters_across_power_cuts),
        cmocka_unit_test(key_transfer_and_policy),
        cmocka_unit_test(titles),
        cmocka_unit_test(consumer_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
