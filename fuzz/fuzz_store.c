/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the store over an arbitrary flash image (src/store/store.c). The input is
 * the NOR flash of the 4-area layout of the store's tests (tests/support/store_model.c sm_layout:
 * 16 sectors of 512 bytes, 8-byte programs), cut to that size or padded with erased bytes, on
 * sim/flash_emu. Each input is mounted as it is and, when that changes it, again with every CRC
 * fixed up (sector headers, records, ring slots), so that mutants get past the checksums.
 * Invariants:
 *   - mount returns MFW_OK or MFW_E_FORMAT, and a refused flash is left byte for byte unchanged,
 *     without one program or erase;
 *   - every read stays in bounds (exact-size buffers: ASan), the newest record reads back,
 *     walking back with mfw_store_record_read_before (as far as a meter's power-up: 4 records a
 *     sector) the sequence numbers strictly go down, a ring never counts more entries than its
 *     sectors hold, entries 0..count-1 read as MFW_OK or MFW_E_CRC and past the end as
 *     MFW_E_RANGE;
 *   - then appends (across a sector) to both rings and records to both records areas: each one
 *     reads back at once, and again after a remount, which must succeed;
 *   - the NOR rules hold throughout: flash_emu counts no violation and no byte programmed twice.
 * Seeds: flash images of a store at work (a few records and entries, wrapped areas, a cleared
 * ring, power cuts in the middle of writes), written to $MFW_FUZZ_SEED_DIR when it is set. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/crc.h"
#include "meterfw/base/error.h"
#include "meterfw/store/store.h"
#include "seed_dir.h"
#include "sim/flash_emu.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECTOR 512u
#define SECTORS 16u
#define PROG 8u
#define IMAGE (SECTOR * SECTORS)
#define HDR 32u /* the sector header (28 bytes) rounded up to PROG */

static struct mfw_store_config cfg;
static struct mfw_store st;
static struct flash_emu emu;
static struct mfw_hal hal;
static uint8_t mem[IMAGE], before[IMAGE];

/* The layout of tests/support/store_model.c sm_layout(c, 512, 8). */
static void layout(struct mfw_store_config *c)
{
    memset(c, 0, sizeof *c);
    c->sector_size = SECTOR;
    c->sector_count = SECTORS;
    c->prog_size = PROG;
    c->n_areas = 4;
    c->area[0] = (struct mfw_store_area_config){MFW_STORE_RECORDS, 1, 0, 4, 64};
    c->area[1] = (struct mfw_store_area_config){MFW_STORE_RECORDS, 1, 4, 2, 100};
    c->area[2] = (struct mfw_store_area_config){MFW_STORE_RING, 1, 6, 3, 16};
    c->area[3] = (struct mfw_store_area_config){MFW_STORE_RING, 1, 9, 4, 40};
}

static uint32_t round_up(uint32_t v)
{
    return (v + PROG - 1u) / PROG * PROG;
}

static uint32_t slot_size(unsigned a)
{
    return round_up(4u + cfg.area[a].entry_size + 4u);
}

static uint32_t slots_per_sector(unsigned a)
{
    return (SECTOR - HDR) / slot_size(a);
}

/* Entry k of a harness write to area a: bytes derived from (a, k, tag). */
static void fill(uint8_t *b, size_t n, unsigned a, uint32_t k, uint32_t tag)
{
    uint32_t x = (a + 1u) * 0x9E3779B9u ^ k * 0x85EBCA6Bu ^ tag * 0xC2B2AE35u;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        b[i] = (uint8_t)(x >> 24);
    }
}

static void flash_on(const uint8_t *image)
{
    memcpy(mem, image, IMAGE);
    if (flash_emu_init(&emu, mem, SECTOR, SECTORS, PROG, 1) != MFW_OK)
        abort();
    memset(&hal, 0, sizeof hal);
    flash_emu_hal(&emu, &hal);
}

static void nor_ok(void)
{
    if (emu.violations != 0 || emu.reprogrammed != 0)
        abort(); /* a program that sets a bit, is misaligned or out of range, or goes twice */
}

/* ---- CRC fix-up (docs/store.md "On-flash format"). */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const uint8_t *p)
{
    return get16(p) | get16(p + 2) << 16;
}

static bool blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xFFu)
            return false;
    return true;
}

/* Every sector header with the magic, every record with its magic and a length that fits, and
 * every ring slot that is not blank gets the CRC it needs. */
static void fix_crcs(uint8_t *img)
{
    for (unsigned a = 0; a < cfg.n_areas; a++)
        for (unsigned i = 0; i < cfg.area[a].sectors; i++) {
            uint8_t *s = img + (cfg.area[a].first_sector + i) * SECTOR;
            if (get32(s) == 0x3153464Du)
                put32(s + 24, mfw_crc32(s, 24));
            if (cfg.area[a].kind == MFW_STORE_RECORDS) {
                for (uint32_t off = HDR; off + 12u <= SECTOR;) {
                    uint32_t len = get16(s + off + 2), sz = round_up(8u + len + 4u);
                    if (get16(s + off) != 0x5243u || len > cfg.area[a].entry_size ||
                        sz > SECTOR - off)
                        break;
                    put32(s + off + sz - 4u, mfw_crc32(s + off, 8u + len));
                    off += sz;
                }
            } else {
                uint32_t ss = slot_size(a);
                for (uint32_t p = 0; p < slots_per_sector(a); p++) {
                    uint8_t *slot = s + HDR + p * ss;
                    if (!blank(slot, ss))
                        put32(slot + ss - 4u, mfw_crc32(slot, 4u + cfg.area[a].entry_size));
                }
            }
        }
}

/* ---- reads */

static void read_records(unsigned a, bool walk)
{
    const size_t es = cfg.area[a].entry_size;
    uint8_t *buf = malloc(es); /* exact size: ASan sees a read past the record */
    if (buf == NULL)
        abort();
    size_t len = 0;
    int r = mfw_store_record_read(&st, a, buf, es, &len);
    if (st.a[a].has_record ? r != MFW_OK || len > es : r != MFW_E_STATE)
        abort();
    if (r == MFW_OK && len > 0 &&
        mfw_store_record_read(&st, a, buf, len - 1u, &len) != MFW_E_NOSPACE)
        abort();
    /* Walking back as far as a meter's power-up does (4 records a sector; each step reads the
     * whole area): sequence numbers strictly go down, so a walk ends. */
    uint32_t below = UINT32_MAX, seq = 0;
    for (unsigned step = 0; walk && step < 4u * cfg.area[a].sectors; step++) {
        r = mfw_store_record_read_before(&st, a, below, buf, es, &len, &seq);
        if (r == MFW_E_STATE)
            break;
        if (r != MFW_OK || seq >= below || len > es)
            abort();
        below = seq;
    }
    free(buf);
}

static void read_ring(unsigned a)
{
    const size_t es = cfg.area[a].entry_size;
    uint8_t *e = malloc(es);
    if (e == NULL)
        abort();
    uint32_t n = mfw_store_ring_count(&st, a);
    /* No invented entries: never more than the area's slots. */
    if (n > cfg.area[a].sectors * slots_per_sector(a) ||
        mfw_store_ring_capacity(&st, a) != (cfg.area[a].sectors - 1u) * slots_per_sector(a))
        abort();
    (void)mfw_store_ring_first_seq(&st, a);
    for (uint32_t i = 0; i < n; i++) {
        int r = mfw_store_ring_read(&st, a, i, e);
        if (r != MFW_OK && r != MFW_E_CRC)
            abort();
    }
    if (mfw_store_ring_read(&st, a, n, e) != MFW_E_RANGE ||
        mfw_store_ring_read(&st, a, UINT32_MAX, e) != MFW_E_RANGE)
        abort();
    free(e);
}

/* walk: also walk back from the newest record */
static void read_all(bool walk)
{
    for (unsigned a = 0; a < cfg.n_areas; a++) {
        if (cfg.area[a].kind == MFW_STORE_RECORDS)
            read_records(a, walk);
        else
            read_ring(a);
    }
    nor_ok();
}

/* ---- writes that must read back */

#define APPENDS_MAX 32u

struct written {
    bool record_ok[4];
    size_t record_len[4];
    uint8_t record[4][128];
    uint32_t appended[4]; /* entries appended to the ring, each fill(.., k, 1) */
};

static bool record_is(unsigned a, const uint8_t *want, size_t n)
{
    uint8_t buf[128];
    size_t len = 0;
    uint32_t seq = 0;
    if (mfw_store_record_read(&st, a, buf, sizeof buf, &len) != MFW_OK || len != n ||
        memcmp(buf, want, n) != 0)
        return false;
    /* what a meter restores: the newest record of all */
    return mfw_store_record_read_before(&st, a, UINT32_MAX, buf, sizeof buf, &len, &seq) ==
               MFW_OK &&
           len == n && memcmp(buf, want, n) == 0;
}

/* The newest k entries of ring a are the last k of the `total` appended. */
static bool ring_ends_with(unsigned a, uint32_t total, uint32_t k)
{
    uint8_t e[64], want[64];
    const size_t es = cfg.area[a].entry_size;
    uint32_t n = mfw_store_ring_count(&st, a);
    if (n < k)
        return false;
    for (uint32_t j = 0; j < k; j++) {
        fill(want, es, a, total - 1u - j, 1);
        if (mfw_store_ring_read(&st, a, n - 1u - j, e) != MFW_OK || memcmp(e, want, es) != 0)
            return false;
    }
    return true;
}

static void write_some(struct written *w, bool clear)
{
    memset(w, 0, sizeof *w);
    for (unsigned a = 0; a < cfg.n_areas; a++) {
        const size_t es = cfg.area[a].entry_size;
        if (cfg.area[a].kind == MFW_STORE_RING) {
            if (clear && a == 2) {
                int r = mfw_store_ring_clear(&st, a);
                if (r != MFW_OK && r != MFW_E_RANGE)
                    abort();
                if (r == MFW_OK && mfw_store_ring_count(&st, a) != 0)
                    abort();
            }
            /* one sector and one more: the head fills and the next sector opens */
            uint8_t e[64];
            for (uint32_t k = 0; k <= slots_per_sector(a) && k < APPENDS_MAX; k++) {
                fill(e, es, a, k, 1);
                int r = mfw_store_ring_append(&st, a, e);
                if (r == MFW_E_RANGE)
                    break; /* sequence numbers used up (a flash that says so) */
                if (r != MFW_OK)
                    abort();
                w->appended[a] = k + 1u;
                if (!ring_ends_with(a, w->appended[a], 1))
                    abort();
            }
            if (!ring_ends_with(a, w->appended[a], w->appended[a]))
                abort();
        } else {
            const size_t lens[2] = {a == 0 ? 5u : 0u, es};
            for (unsigned k = 0; k < 2; k++) {
                fill(w->record[a], lens[k], a, k, 2);
                int r = mfw_store_record_write(&st, a, w->record[a], lens[k]);
                if (r == MFW_E_RANGE)
                    break;
                if (r != MFW_OK || !record_is(a, w->record[a], lens[k]))
                    abort();
                w->record_ok[a] = true;
                w->record_len[a] = lens[k];
                if (k == 0 && mfw_store_record_prepare(&st, a, es) != MFW_OK)
                    abort();
            }
        }
        nor_ok();
    }
}

static void one_image(const uint8_t *image, bool clear)
{
    flash_on(image);
    memcpy(before, mem, IMAGE);
    int r = mfw_store_mount(&st, &cfg, &hal);
    if (r == MFW_E_FORMAT) {
        /* not ours: left as it is */
        if (memcmp(before, mem, IMAGE) != 0 || emu.progs != 0 || emu.erases != 0)
            abort();
        return;
    }
    if (r != MFW_OK)
        abort();
    nor_ok();
    read_all(true);
    struct written w;
    write_some(&w, clear);
    /* a power-up: what was written is still there */
    if (mfw_store_mount(&st, &cfg, &hal) != MFW_OK)
        abort();
    nor_ok();
    for (unsigned a = 0; a < cfg.n_areas; a++) {
        if (cfg.area[a].kind == MFW_STORE_RECORDS && w.record_ok[a] &&
            !record_is(a, w.record[a], w.record_len[a]))
            abort();
        if (cfg.area[a].kind == MFW_STORE_RING && !ring_ends_with(a, w.appended[a], w.appended[a]))
            abort();
    }
    read_all(false); /* the newest records were just read back */
}

/* ---- seeds: a store at work */

/* steps of a workload on a blank flash; a power cut at operation cut (0: none), then power on */
static void workload(uint32_t steps, uint64_t cut, bool clear)
{
    flash_emu_erase_all(&emu);
    if (mfw_store_mount(&st, &cfg, &hal) != MFW_OK)
        abort();
    flash_emu_cut_after(&emu, cut);
    uint8_t b[128];
    for (uint32_t k = 0; k < steps; k++) {
        unsigned a = k % 4u;
        const size_t es = cfg.area[a].entry_size;
        fill(b, es, a, k, 3);
        int r = cfg.area[a].kind == MFW_STORE_RING
                    ? mfw_store_ring_append(&st, a, b)
                    : mfw_store_record_write(&st, a, b, 8u + k % (es - 7u));
        if (r == MFW_E_IO)
            break; /* the cut */
        if (r != MFW_OK)
            abort();
        if (clear && k == steps / 2u && mfw_store_ring_clear(&st, 3) != MFW_OK)
            abort();
    }
    flash_emu_power_on(&emu);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    layout(&cfg);
    static uint8_t blank_image[IMAGE];
    memset(blank_image, 0xFF, sizeof blank_image);
    flash_on(blank_image);
    static const struct {
        const char *name;
        uint32_t steps;
        uint64_t cut;
        bool clear;
    } seeds[] = {
        {"store-few.bin", 12, 0, false},          {"store-wrapped.bin", 400, 0, false},
        {"store-cleared.bin", 90, 0, true},       {"store-cut-record.bin", 60, 47, false},
        {"store-cut-erase.bin", 300, 211, false},
    };
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        workload(seeds[k].steps, seeds[k].cut, seeds[k].clear);
        static uint8_t image[IMAGE];
        memcpy(image, mem, IMAGE);
        /* once: a store's own image mounts, reads and takes writes */
        one_image(image, false);
        fuzz_seed_write("fuzz_store", seeds[k].name, image, IMAGE);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t image[IMAGE], fixed[IMAGE];
    memset(image, 0xFF, IMAGE); /* padded with erased bytes */
    if (size > 0)
        memcpy(image, data, size < IMAGE ? size : IMAGE);
    bool clear = size % 3u == 1u;
    one_image(image, clear);
    memcpy(fixed, image, IMAGE);
    fix_crcs(fixed);
    if (memcmp(fixed, image, IMAGE) != 0)
        one_image(fixed, clear);
    return 0;
}
