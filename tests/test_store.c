/* store: unit tests over the NOR flash emulator, garbage flash, and the power-cut campaign: a
 * mixed workload is cut at EVERY program/erase operation, rebooted, checked against a model of
 * what may survive, continued, and checked again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flash_emu.h"
#include "meterfw/crc.h"
#include "meterfw/error.h"
#include "meterfw/store.h"

#define FLASH_MAX (64u * 1024u)

static uint8_t g_mem[FLASH_MAX];
static struct flash_emu g_emu;
static struct hal g_hal;
static struct store g_st;

static uint64_t rng_next(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1Dull;
}

static void flash_new(uint32_t sector_size, uint32_t sectors, uint32_t prog, uint64_t seed)
{
    assert_true(sector_size * sectors <= FLASH_MAX);
    assert_int_equal(flash_emu_init(&g_emu, g_mem, sector_size, sectors, prog, seed), MFW_OK);
    flash_emu_erase_all(&g_emu);
    memset(&g_hal, 0, sizeof g_hal);
    flash_emu_hal(&g_emu, &g_hal);
}

/* Areas: 0 counter RECORDS, 1 config RECORDS, 2 ring of 16-byte entries, 3 ring of 40-byte. */
static void layout(struct store_cfg *c, uint32_t sector_size, uint16_t prog)
{
    memset(c, 0, sizeof *c);
    c->sector_size = sector_size;
    c->sector_count = 16;
    c->prog_size = prog;
    c->n_areas = 4;
    c->area[0] = (struct store_area_cfg){STORE_RECORDS, 1, 0, 4, 64};
    c->area[1] = (struct store_area_cfg){STORE_RECORDS, 1, 4, 2, 100};
    c->area[2] = (struct store_area_cfg){STORE_RING, 1, 6, 3, 16};
    c->area[3] = (struct store_area_cfg){STORE_RING, 1, 9, 4, 40};
}

static void mount_ok(const struct store_cfg *c)
{
    assert_int_equal(store_mount(&g_st, c, &g_hal), MFW_OK);
}

/* Entry content of append attempt id on ring r: the id, then bytes derived from it. */
static void entry_fill(uint8_t *e, size_t n, uint32_t id, unsigned r)
{
    uint64_t x = ((uint64_t)id << 8 | r) * 0x9E3779B97F4A7C15ull + 1u;
    for (size_t k = 0; k < n; k++)
        e[k] = (uint8_t)rng_next(&x);
    memcpy(e, &id, sizeof id);
}

/* The attempt id an entry claims, or UINT32_MAX if its content is not that attempt's. */
static uint32_t entry_id(const uint8_t *e, size_t n, unsigned r)
{
    uint32_t id;
    uint8_t want[64];
    memcpy(&id, e, sizeof id);
    entry_fill(want, n, id, r);
    return memcmp(want, e, n) == 0 ? id : UINT32_MAX;
}

/* Counter record: value, then a pattern; the length varies with the value (8..64 bytes). */
static size_t counter_fill(uint8_t *b, uint32_t v)
{
    size_t len = 8u + (v * 7u) % 57u;
    for (size_t k = 0; k < len; k++)
        b[k] = (uint8_t)(v * 31u + k * 7u);
    memcpy(b, &v, sizeof v);
    return len;
}

static bool counter_parse(const uint8_t *b, size_t len, uint32_t *v)
{
    uint8_t want[64];
    if (len < 8)
        return false;
    memcpy(v, b, sizeof *v);
    return counter_fill(want, *v) == len && memcmp(want, b, len) == 0;
}

static size_t config_fill(uint8_t *b, unsigned which)
{
    size_t len = which ? 100u : 37u;
    for (size_t k = 0; k < len; k++)
        b[k] = (uint8_t)(which ? 0xA5u ^ k : 0x3Cu + k);
    return len;
}

/* ---------- basic behaviour ---------- */

static void test_blank_mounts_empty(void **state)
{
    (void)state;
    static const uint16_t progs[] = {1, 8, 256};
    for (unsigned v = 0; v < 3; v++) {
        uint32_t ss = progs[v] == 256 ? 2048u : 512u;
        struct store_cfg c;
        flash_new(ss, 16, progs[v], 1);
        layout(&c, ss, progs[v]);
        mount_ok(&c);
        uint8_t buf[128];
        size_t len = 99;
        assert_int_equal(store_record_read(&g_st, 0, buf, sizeof buf, &len), MFW_E_STATE);
        assert_int_equal(store_ring_count(&g_st, 2), 0);
        assert_int_equal(store_ring_read(&g_st, 2, 0, buf), MFW_E_RANGE);
        assert_int_equal(g_emu.progs + g_emu.erases, 0); /* mount never writes */
    }
}

static void test_bad_config(void **state)
{
    (void)state;
    struct store_cfg c;
    flash_new(512, 16, 8, 1);
    layout(&c, 512, 8);
    c.prog_size = 3;
    assert_int_equal(store_mount(&g_st, &c, &g_hal), MFW_E_ARG);
    layout(&c, 512, 8);
    c.area[1].sectors = 1;
    assert_int_equal(store_mount(&g_st, &c, &g_hal), MFW_E_ARG);
    layout(&c, 512, 8);
    c.area[1].first_sector = 3; /* overlaps area 0 */
    assert_int_equal(store_mount(&g_st, &c, &g_hal), MFW_E_ARG);
    layout(&c, 512, 8);
    c.area[3].sectors = 8; /* past the end */
    assert_int_equal(store_mount(&g_st, &c, &g_hal), MFW_E_ARG);
    layout(&c, 512, 8);
    c.area[2].entry_size = 600; /* does not fit a sector */
    assert_int_equal(store_mount(&g_st, &c, &g_hal), MFW_E_ARG);
}

static void records_round_trip(uint32_t ss, uint16_t prog)
{
    struct store_cfg c;
    flash_new(ss, 16, prog, 2);
    layout(&c, ss, prog);
    mount_ok(&c);
    uint8_t b[128], r[128];
    size_t len;
    /* Many writes: several rounds over the 4 sectors, every one read back, newest wins. */
    for (uint32_t v = 1; v <= 200; v++) {
        size_t n = counter_fill(b, v);
        assert_int_equal(store_record_write(&g_st, 0, b, n), MFW_OK);
        assert_int_equal(store_record_read(&g_st, 0, r, sizeof r, &len), MFW_OK);
        assert_int_equal(len, n);
        assert_memory_equal(r, b, n);
        if (v % 37 == 0) { /* survives remount */
            mount_ok(&c);
            assert_int_equal(store_record_read(&g_st, 0, r, sizeof r, &len), MFW_OK);
            assert_int_equal(len, n);
            assert_memory_equal(r, b, n);
        }
    }
    for (uint32_t s = 0; s < 4; s++)
        assert_true(g_emu.erase_count[s] >= 2); /* round robin with erase */
    for (uint32_t s = 4; s < 16; s++)
        assert_int_equal(g_emu.erase_count[s], 0); /* nothing outside the area */
    /* Too large: refused, nothing changes. */
    assert_int_equal(store_record_write(&g_st, 0, b, 65), MFW_E_RANGE);
    assert_int_equal(store_record_read(&g_st, 0, r, 3, &len), MFW_E_NOSPACE);
    /* Empty record is a record. */
    assert_int_equal(store_record_write(&g_st, 1, NULL, 0), MFW_OK);
    mount_ok(&c);
    assert_int_equal(store_record_read(&g_st, 1, r, sizeof r, &len), MFW_OK);
    assert_int_equal(len, 0);
    assert_int_equal(g_emu.violations, 0);
    assert_int_equal(g_emu.reprogrammed, 0);
}

static void test_records(void **state)
{
    (void)state;
    records_round_trip(512, 1);
    records_round_trip(512, 8);
    records_round_trip(2048, 256);
}

static void ring_basic(uint32_t ss, uint16_t prog)
{
    struct store_cfg c;
    flash_new(ss, 16, prog, 3);
    layout(&c, ss, prog);
    mount_ok(&c);
    const unsigned ring = 3;
    const uint32_t es = 40, sps = g_st.a[ring].slots_per_sector;
    assert_true(sps >= 1);
    const uint32_t cap = store_ring_capacity(&g_st, ring);
    assert_int_equal(cap, 3 * sps);
    uint8_t e[64], r[64];
    const uint32_t total = 5 * sps + 3;
    for (uint32_t id = 0; id < total; id++) {
        entry_fill(e, es, id, ring);
        assert_int_equal(store_ring_append(&g_st, ring, e), MFW_OK);
        uint32_t n = store_ring_count(&g_st, ring);
        /* Keeps at least capacity, drops a whole sector at a time. */
        uint32_t appended = id + 1;
        uint32_t expect_n = appended <= 4 * sps ? appended : cap + (appended - 4 * sps - 1) % sps + 1;
        assert_int_equal(n, expect_n);
        assert_int_equal(store_ring_first_seq(&g_st, ring), appended - n);
        if (id % 7 == 0 || id + 1 == total) {
            for (int pass = 0; pass < 2; pass++) {
                for (uint32_t i = 0; i < n; i++) {
                    assert_int_equal(store_ring_read(&g_st, ring, i, r), MFW_OK);
                    assert_int_equal(entry_id(r, es, ring), appended - n + i);
                }
                assert_int_equal(store_ring_read(&g_st, ring, n, r), MFW_E_RANGE);
                mount_ok(&c); /* same after remount */
                assert_int_equal(store_ring_count(&g_st, ring), n);
            }
        }
    }
    /* Clear: empty, seqs keep counting, survives remount, ring usable. */
    uint32_t next = store_ring_first_seq(&g_st, ring) + store_ring_count(&g_st, ring);
    assert_int_equal(store_ring_clear(&g_st, ring), MFW_OK);
    assert_int_equal(store_ring_count(&g_st, ring), 0);
    mount_ok(&c);
    assert_int_equal(store_ring_count(&g_st, ring), 0);
    assert_int_equal(store_ring_first_seq(&g_st, ring), next);
    entry_fill(e, es, 777, ring);
    assert_int_equal(store_ring_append(&g_st, ring, e), MFW_OK);
    mount_ok(&c);
    assert_int_equal(store_ring_count(&g_st, ring), 1);
    assert_int_equal(store_ring_read(&g_st, ring, 0, r), MFW_OK);
    assert_int_equal(entry_id(r, es, ring), 777);
    /* Other rings untouched. */
    assert_int_equal(store_ring_count(&g_st, 2), 0);
    assert_int_equal(g_emu.violations, 0);
    assert_int_equal(g_emu.reprogrammed, 0);
    /* Wrong kinds and ranges. */
    assert_int_equal(store_ring_append(&g_st, 0, e), MFW_E_ARG);
    assert_int_equal(store_record_write(&g_st, 2, e, 4), MFW_E_ARG);
    assert_int_equal(store_ring_append(&g_st, 9, e), MFW_E_ARG);
}

static void test_ring(void **state)
{
    (void)state;
    ring_basic(512, 1);
    ring_basic(512, 8);
    ring_basic(2048, 256);
}

/* Reading entry i costs O(log n) flash reads, not a scan. */
static void test_ring_read_is_logarithmic(void **state)
{
    (void)state;
    struct store_cfg c;
    flash_new(512, 16, 1, 4);
    layout(&c, 512, 1);
    mount_ok(&c);
    uint8_t e[16];
    for (uint32_t id = 0; id < 60; id++) {
        entry_fill(e, 16, id, 2);
        assert_int_equal(store_ring_append(&g_st, 2, e), MFW_OK);
    }
    uint32_t n = store_ring_count(&g_st, 2);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t before = g_emu.reads;
        assert_int_equal(store_ring_read(&g_st, 2, i, e), MFW_OK);
        assert_int_equal(entry_id(e, 16, 2), 60 - n + i);
        assert_true(g_emu.reads - before <= 12);
    }
}

static void test_version_mismatch(void **state)
{
    (void)state;
    struct store_cfg c;
    flash_new(512, 16, 8, 5);
    layout(&c, 512, 8);
    mount_ok(&c);
    uint8_t b[64];
    size_t n = counter_fill(b, 5), len;
    assert_int_equal(store_record_write(&g_st, 0, b, n), MFW_OK);
    entry_fill(b, 16, 1, 2);
    assert_int_equal(store_ring_append(&g_st, 2, b), MFW_OK);
    c.area[0].version = 2;
    c.area[2].version = 2;
    mount_ok(&c);
    assert_int_equal(store_record_read(&g_st, 0, b, sizeof b, &len), MFW_E_STATE);
    assert_int_equal(store_ring_count(&g_st, 2), 0);
    assert_int_equal(g_st.stats.version_mismatch, 2);
    /* The new version writes over it (erasing first) and stays. */
    n = counter_fill(b, 6);
    assert_int_equal(store_record_write(&g_st, 0, b, n), MFW_OK);
    mount_ok(&c);
    assert_int_equal(store_record_read(&g_st, 0, b, sizeof b, &len), MFW_OK);
    uint32_t v;
    assert_true(counter_parse(b, len, &v));
    assert_int_equal(v, 6);
    assert_int_equal(g_emu.violations, 0);
}

/* ---------- the model of what may survive, shared by the garbage and power-cut tests ---------- */

#define MAX_ATTEMPTS 4096

struct ring_model {
    unsigned area;
    size_t es;
    uint32_t n_ok;                 /* attempts known to be in the store, in order */
    uint32_t ok_id[MAX_ATTEMPTS];  /* their ids */
    uint32_t ok_seq[MAX_ATTEMPTS]; /* their sequence numbers */
    bool inflight;                 /* an attempt that failed (cut): may or may not be there */
    uint32_t inflight_id;
    uint32_t cuts;                 /* each cut may cost one slot of capacity */
    uint32_t cleared_below;        /* index into ok_*: entries before it were cleared */
};

struct model {
    uint32_t next_id;
    bool counter_ok;
    uint32_t counter;              /* last completed counter value */
    bool counter_inflight;
    uint32_t counter_next;         /* value being written when cut */
    int config_ok;                 /* -1 none, else which */
    int config_inflight;           /* -1 none */
    struct ring_model ring[2];
};

static void model_init(struct model *m)
{
    memset(m, 0, sizeof *m);
    m->config_ok = -1;
    m->config_inflight = -1;
    m->ring[0].area = 2;
    m->ring[0].es = 16;
    m->ring[1].area = 3;
    m->ring[1].es = 40;
}

static int fails; /* failures of the current check (the campaign counts cut points with any) */

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            if (fails++ < 1)                                                                     \
                fprintf(stderr, "  check failed: %s (line %d)\n", #cond, __LINE__);             \
        }                                                                                        \
    } while (0)

/* Checks the mounted store against the model and folds the in-flight outcomes into it (what is
 * there now must stay). strict_content: only allow written data (garbage tests relax counts). */
static void model_check(struct model *m, bool relaxed)
{
    uint8_t b[128];
    size_t len = 0;
    /* Counter: the last completed value or the one being written; never older, never garbage. */
    int r = store_record_read(&g_st, 0, b, sizeof b, &len);
    if (r == MFW_OK) {
        uint32_t v;
        bool ok = counter_parse(b, len, &v);
        CHECK(ok);
        if (ok && !relaxed)
            CHECK((m->counter_ok && v == m->counter) || (m->counter_inflight && v == m->counter_next));
        if (ok && relaxed)
            CHECK(v >= 1 && v <= m->counter_next);
        if (ok) {
            m->counter = v;
            m->counter_ok = true;
        }
    } else {
        CHECK(r == MFW_E_STATE && (relaxed || !m->counter_ok));
    }
    m->counter_inflight = false;
    /* Config: old or new. */
    r = store_record_read(&g_st, 1, b, sizeof b, &len);
    if (r == MFW_OK) {
        uint8_t w[128];
        int which = -1;
        for (int k = 0; k < 2; k++)
            if (config_fill(w, (unsigned)k) == len && memcmp(w, b, len) == 0)
                which = k;
        CHECK(which >= 0);
        if (!relaxed)
            CHECK(which == m->config_ok || which == m->config_inflight);
        m->config_ok = which;
    } else {
        CHECK(r == MFW_E_STATE && (relaxed || m->config_ok < 0));
    }
    m->config_inflight = -1;
    /* Rings: a contiguous run of the attempts that ends with the last completed one (or the
     * in-flight one), at least min(completed, capacity - cuts) long, content exact, seqs as
     * recorded when the append completed. */
    for (unsigned k = 0; k < 2; k++) {
        struct ring_model *rm = &m->ring[k];
        uint32_t n = store_ring_count(&g_st, rm->area);
        uint32_t first = store_ring_first_seq(&g_st, rm->area);
        uint32_t cap = store_ring_capacity(&g_st, rm->area);
        uint32_t ids[MAX_ATTEMPTS];
        uint32_t got = 0;
        for (uint32_t i = 0; i < n && i < MAX_ATTEMPTS; i++) {
            r = store_ring_read(&g_st, rm->area, i, b);
            if (relaxed && r != MFW_OK)
                continue;
            CHECK(r == MFW_OK);
            uint32_t id = entry_id(b, rm->es, k + 2);
            CHECK(id != UINT32_MAX);
            if (relaxed) { /* an entry that reads must be one that was written, at its seq */
                bool found = false;
                for (uint32_t j = 0; j < rm->n_ok; j++)
                    if (rm->ok_id[j] == id && rm->ok_seq[j] == first + i)
                        found = true;
                CHECK(found);
                continue;
            }
            ids[got++] = id;
        }
        if (relaxed)
            continue;
        bool with_inflight = got > 0 && rm->inflight && ids[got - 1] == rm->inflight_id;
        uint32_t avail = rm->n_ok - rm->cleared_below + (with_inflight ? 1u : 0u);
        CHECK(got <= avail);
        if (got > avail)
            got = avail;
        uint32_t need = rm->n_ok - rm->cleared_below;
        uint32_t keep = cap > rm->cuts ? cap - rm->cuts : 0;
        CHECK(got >= (need < keep ? need : keep));
        /* ids must be the last `got` of ok_id[cleared_below..] (+ inflight). */
        uint32_t start = rm->n_ok + (with_inflight ? 1u : 0u) - got;
        for (uint32_t i = 0; i < got; i++) {
            uint32_t j = start + i;
            uint32_t want = j < rm->n_ok ? rm->ok_id[j] : rm->inflight_id;
            CHECK(ids[i] == want);
            if (j < rm->n_ok)
                CHECK(rm->ok_seq[j] == first + i); /* no duplicates, nothing renumbered */
        }
        if (with_inflight) {
            rm->ok_id[rm->n_ok] = rm->inflight_id;
            rm->ok_seq[rm->n_ok] = first + got - 1;
            rm->n_ok++;
        }
        rm->inflight = false;
        if (got < rm->n_ok - rm->cleared_below)
            rm->cleared_below = rm->n_ok - got; /* dropped by capacity: gone for good */
    }
}

/* One workload step (deterministic from step). MFW_OK or the store's error. */
static int model_step(struct model *m, uint32_t step)
{
    uint64_t x = (uint64_t)step * 0xD1B54A32D192ED03ull + 7u;
    unsigned pick = (unsigned)(rng_next(&x) % 10u);
    uint8_t b[128];
    if (pick < 4 || pick == 9) {
        struct ring_model *rm = &m->ring[pick == 9 ? 1 : pick % 2];
        uint32_t id = m->next_id++;
        entry_fill(b, rm->es, id, rm->area);
        int r = store_ring_append(&g_st, rm->area, b);
        if (r == MFW_OK) {
            rm->ok_id[rm->n_ok] = id;
            rm->ok_seq[rm->n_ok] = store_ring_first_seq(&g_st, rm->area) +
                                   store_ring_count(&g_st, rm->area) - 1u;
            rm->n_ok++;
        } else {
            rm->inflight = true;
            rm->inflight_id = id;
            rm->cuts++;
        }
        return r;
    }
    if (pick < 8) {
        uint32_t v = m->counter_next + 1u;
        m->counter_next = v;
        size_t n = counter_fill(b, v);
        int r = store_record_write(&g_st, 0, b, n);
        if (r == MFW_OK) {
            m->counter = v;
            m->counter_ok = true;
        } else {
            m->counter_inflight = true;
        }
        return r;
    }
    int which = m->config_ok == 0 ? 1 : 0;
    size_t n = config_fill(b, (unsigned)which);
    int r = store_record_write(&g_st, 1, b, n);
    if (r == MFW_OK)
        m->config_ok = which;
    else
        m->config_inflight = which;
    return r;
}

/* ---------- garbage flash ---------- */

static void test_garbage_flash(void **state)
{
    (void)state;
    struct store_cfg c;
    layout(&c, 512, 8);
    uint64_t x = 12345;
    uint8_t b[128];
    size_t len;
    /* Pure random bytes, all zeros: empty, no crash, and usable after. */
    for (int t = 0; t < 50; t++) {
        flash_new(512, 16, 8, (uint64_t)t);
        for (uint32_t k = 0; k < 512u * 16u; k++)
            g_mem[k] = t == 0 ? 0 : (uint8_t)rng_next(&x);
        mount_ok(&c);
        assert_int_equal(store_record_read(&g_st, 0, b, sizeof b, &len), MFW_E_STATE);
        assert_int_equal(store_ring_count(&g_st, 2), 0);
        assert_int_equal(store_ring_count(&g_st, 3), 0);
        entry_fill(b, 16, 1, 2);
        assert_int_equal(store_ring_append(&g_st, 2, b), MFW_OK);
        size_t n = counter_fill(b, 3);
        assert_int_equal(store_record_write(&g_st, 0, b, n), MFW_OK);
        mount_ok(&c);
        assert_int_equal(store_ring_count(&g_st, 2), 1);
        assert_int_equal(store_record_read(&g_st, 0, b, sizeof b, &len), MFW_OK);
        assert_int_equal(g_emu.violations, 0);
    }
    /* A real image damaged: bit flips, random runs, sectors copied over others. Whatever reads
     * back must be something that was written (at its sequence number). */
    static struct model m;
    for (int t = 0; t < 300; t++) {
        flash_new(512, 16, 8, (uint64_t)t);
        mount_ok(&c);
        model_init(&m);
        for (uint32_t s = 0; s < 250; s++)
            assert_int_equal(model_step(&m, s), MFW_OK);
        unsigned kind = (unsigned)(rng_next(&x) % 3u);
        for (int d = 0; d < 1 + (int)(rng_next(&x) % 6u); d++) {
            uint32_t at = (uint32_t)(rng_next(&x) % (512u * 16u));
            if (kind == 0) {
                g_mem[at] ^= (uint8_t)(1u << (rng_next(&x) % 8u));
            } else if (kind == 1) {
                uint32_t run = (uint32_t)(rng_next(&x) % 64u);
                for (uint32_t k = 0; k < run && at + k < 512u * 16u; k++)
                    g_mem[at + k] = (uint8_t)rng_next(&x);
            } else {
                uint32_t from = (uint32_t)(rng_next(&x) % 16u), to = (uint32_t)(rng_next(&x) % 16u);
                memmove(g_mem + to * 512u, g_mem + from * 512u, 512u);
            }
        }
        fails = 0;
        if (store_mount(&g_st, &c, &g_hal) != MFW_OK)
            continue;
        model_check(&m, true);
        if (fails)
            fprintf(stderr, "garbage case %d kind %u\n", t, kind);
        assert_int_equal(fails, 0);
        /* And it stays usable: writes go through and read back. */
        size_t n = counter_fill(b, 100000);
        assert_int_equal(store_record_write(&g_st, 0, b, n), MFW_OK);
        assert_int_equal(store_record_read(&g_st, 0, b, sizeof b, &len), MFW_OK);
        uint32_t v;
        assert_true(counter_parse(b, len, &v));
        assert_int_equal(v, 100000);
        entry_fill(b, 40, 99999, 3);
        assert_int_equal(store_ring_append(&g_st, 3, b), MFW_OK);
        uint32_t cnt = store_ring_count(&g_st, 3);
        assert_int_equal(store_ring_read(&g_st, 3, cnt - 1, b), MFW_OK);
        assert_int_equal(entry_id(b, 40, 3), 99999);
        assert_int_equal(g_emu.violations, 0);
    }
}

/* ---------- power cuts ---------- */

struct campaign {
    uint32_t tried, failed;
    uint64_t total_ops;
};

/* Runs `steps` workload steps with a cut at operation `cut` (0 = none); then power on, mount,
 * check; if cut2, up to 80 more steps cut after cut2 operations, power on, mount, check; then 80
 * more steps; check; remount; check. Returns the flash ops of the cut-free run
 * (when cut == 0) and counts a failure if any check failed. */
static void cut_run(const struct store_cfg *c, uint32_t ss, uint16_t prog, uint32_t steps,
                    uint64_t cut, uint64_t cut2, uint64_t seed, struct campaign *cp)
{
    static struct model m;
    flash_new(ss, 16, prog, seed);
    model_init(&m);
    fails = 0;
    assert_int_equal(store_mount(&g_st, c, &g_hal), MFW_OK);
    flash_emu_cut_after(&g_emu, cut);
    uint32_t s = 0;
    for (; s < steps; s++)
        if (model_step(&m, s) != MFW_OK)
            break;
    if (cut == 0) {
        cp->total_ops = g_emu.ops;
        CHECK(s == steps);
    }
    flash_emu_power_on(&g_emu);
    CHECK(store_mount(&g_st, c, &g_hal) == MFW_OK);
    model_check(&m, false);
    if (cut2 != 0) {
        /* A second cut while recovering from the first (a torn sector open followed by a cut
         * in the next erase is what makes a 2-sector RECORDS area lose its newest record). */
        flash_emu_cut_after(&g_emu, cut2);
        for (uint32_t k = 0; k < 80; k++)
            if (model_step(&m, s + 500u + k) != MFW_OK)
                break;
        flash_emu_power_on(&g_emu);
        CHECK(store_mount(&g_st, c, &g_hal) == MFW_OK);
        model_check(&m, false);
    }
    /* A cut store remains usable: continue the workload, check, remount, check. */
    for (uint32_t k = 0; k < 80; k++)
        CHECK(model_step(&m, s + 1000u + k) == MFW_OK);
    model_check(&m, false);
    CHECK(store_mount(&g_st, c, &g_hal) == MFW_OK);
    model_check(&m, false);
    CHECK(g_emu.violations == 0);
    CHECK(g_emu.reprogrammed == 0);
    if (cut != 0) {
        cp->tried++;
        if (fails) {
            cp->failed++;
            if (cp->failed <= 5)
                fprintf(stderr, "  cut at op %llu (prog %u) failed\n", (unsigned long long)cut,
                        (unsigned)prog);
        }
    }
}

static void campaign_every_op(uint32_t ss, uint16_t prog, uint32_t steps, struct campaign *cp)
{
    struct store_cfg c;
    layout(&c, ss, prog);
    cut_run(&c, ss, prog, steps, 0, 0, 1, cp);
    uint64_t n = cp->total_ops;
    for (uint64_t k = 1; k <= n; k++)
        cut_run(&c, ss, prog, steps, k, 0, k * 7919u, cp);
}

static void test_power_cut_every_op(void **state)
{
    (void)state;
    static const struct {
        uint32_t ss;
        uint16_t prog;
        uint32_t steps;
    } v[] = {{512, 8, 600}, {512, 1, 300}, {2048, 256, 300}};
    uint32_t tried = 0, failed = 0;
    for (unsigned k = 0; k < sizeof v / sizeof v[0]; k++) {
        struct campaign cp = {0};
        campaign_every_op(v[k].ss, v[k].prog, v[k].steps, &cp);
        printf("power cut, prog_size %3u: %u steps = %llu flash ops; cut at every op: "
               "%u tried, %u failed\n",
               (unsigned)v[k].prog, (unsigned)v[k].steps, (unsigned long long)cp.total_ops,
               (unsigned)cp.tried, (unsigned)cp.failed);
        tried += cp.tried;
        failed += cp.failed;
    }
    printf("power cut total: %u cut points tried, %u failures\n", (unsigned)tried,
           (unsigned)failed);
    assert_int_equal(failed, 0);
}

/* Random cut points in a longer workload (the rings wrap many times). */
static void test_power_cut_random(void **state)
{
    (void)state;
    struct store_cfg c;
    layout(&c, 512, 8);
    struct campaign cp = {0};
    const uint32_t steps = 1200;
    cut_run(&c, 512, 8, steps, 0, 0, 1, &cp);
    uint64_t n = cp.total_ops, x = 20240601;
    for (int k = 0; k < 3000; k++)
        cut_run(&c, 512, 8, steps, 1 + rng_next(&x) % n, 1 + rng_next(&x) % 60u, rng_next(&x),
                &cp);
    printf("power cut, %u steps = %llu flash ops; random cut points, each followed by a second "
           "cut during recovery: %u tried, %u failed\n",
           (unsigned)steps, (unsigned long long)n, (unsigned)cp.tried, (unsigned)cp.failed);
    assert_int_equal(cp.failed, 0);
}

/* The emulator itself: NOR rules, tearing, death after a cut. */
static void test_flash_emu(void **state)
{
    (void)state;
    flash_new(256, 4, 8, 9);
    uint8_t b[16];
    memset(b, 0x0F, sizeof b);
    assert_int_equal(flash_emu_prog(&g_emu, 0, b, 8), MFW_OK);
    memset(b, 0xF0, sizeof b);
    assert_int_equal(flash_emu_prog(&g_emu, 0, b, 8), MFW_E_IO); /* 0 -> 1 */
    assert_int_equal(g_emu.violations, 1);
    assert_int_equal(flash_emu_prog(&g_emu, 4, b, 8), MFW_E_IO); /* misaligned */
    assert_int_equal(flash_emu_prog(&g_emu, 1020, b, 8), MFW_E_IO); /* out of range */
    assert_int_equal(g_emu.violations, 3);
    memset(b, 0, sizeof b);
    assert_int_equal(flash_emu_prog(&g_emu, 0, b, 8), MFW_OK); /* zeroing is allowed */
    assert_int_equal(g_emu.reprogrammed, 0);
    flash_emu_cut_after(&g_emu, 1);
    assert_int_equal(flash_emu_erase(&g_emu, 0), MFW_E_IO);
    assert_true(g_emu.dead);
    assert_int_equal(flash_emu_read(&g_emu, 0, b, 1), MFW_E_IO);
    flash_emu_power_on(&g_emu);
    assert_int_equal(flash_emu_read(&g_emu, 0, b, 1), MFW_OK);
    assert_int_equal(flash_emu_erase(&g_emu, 0), MFW_OK);
    assert_int_equal(g_emu.erase_count[0], 2);
    for (uint32_t k = 0; k < 256; k++)
        assert_int_equal(g_mem[k], 0xFF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flash_emu),
        cmocka_unit_test(test_blank_mounts_empty),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_ring),
        cmocka_unit_test(test_ring_read_is_logarithmic),
        cmocka_unit_test(test_version_mismatch),
        cmocka_unit_test(test_garbage_flash),
        cmocka_unit_test(test_power_cut_every_op),
        cmocka_unit_test(test_power_cut_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
