/* SPDX-License-Identifier: Apache-2.0 */
/* The store's power-cut workload model (see store_model.h). */
#include "store_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"

void sm_rig_init(struct store_rig *rig, uint8_t *mem, size_t mem_size)
{
    uint8_t *weak = rig->weak;
    memset(rig, 0, sizeof *rig);
    rig->mem = mem;
    rig->mem_size = mem_size;
    rig->weak = weak;
}

int sm_flash_new(struct store_rig *rig, uint32_t sector_size, uint32_t sectors, uint32_t prog,
                 uint64_t seed)
{
    if ((uint64_t)sector_size * sectors > rig->mem_size ||
        flash_emu_init(&rig->emu, rig->mem, sector_size, sectors, prog, seed) != MFW_OK)
        return -1;
    if (rig->weak != NULL)
        flash_emu_harsh(&rig->emu, rig->weak, 32); /* the store's sector header: 28 bytes + pad */
    flash_emu_erase_all(&rig->emu);
    memset(&rig->hal, 0, sizeof rig->hal);
    flash_emu_hal(&rig->emu, &rig->hal);
    return 0;
}

uint64_t sm_rng_next(uint64_t *x)
{
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    return *x * 0x2545F4914F6CDD1Dull;
}

void sm_layout(struct mfw_store_config *c, uint32_t sector_size, uint16_t prog)
{
    memset(c, 0, sizeof *c);
    c->sector_size = sector_size;
    c->sector_count = 16;
    c->prog_size = prog;
    c->n_areas = 4;
    c->area[0] = (struct mfw_store_area_config){MFW_STORE_RECORDS, 1, 0, 4, 64};
    c->area[1] = (struct mfw_store_area_config){MFW_STORE_RECORDS, 1, 4, 2, 100};
    c->area[2] = (struct mfw_store_area_config){MFW_STORE_RING, 1, 6, 3, 16};
    c->area[3] = (struct mfw_store_area_config){MFW_STORE_RING, 1, 9, 4, 40};
}

void sm_entry_fill(uint8_t *e, size_t n, uint32_t id, unsigned r)
{
    uint64_t x = ((uint64_t)id << 8 | r) * 0x9E3779B97F4A7C15ull + 1u;
    for (size_t k = 0; k < n; k++)
        e[k] = (uint8_t)sm_rng_next(&x);
    memcpy(e, &id, sizeof id);
}

uint32_t sm_entry_id(const uint8_t *e, size_t n, unsigned r)
{
    uint32_t id;
    uint8_t want[64];
    memcpy(&id, e, sizeof id);
    sm_entry_fill(want, n, id, r);
    return memcmp(want, e, n) == 0 ? id : UINT32_MAX;
}

size_t sm_counter_fill(uint8_t *b, uint32_t v)
{
    size_t len = 8u + (v * 7u) % 57u;
    for (size_t k = 0; k < len; k++)
        b[k] = (uint8_t)(v * 31u + k * 7u);
    memcpy(b, &v, sizeof v);
    return len;
}

bool sm_counter_parse(const uint8_t *b, size_t len, uint32_t *v)
{
    uint8_t want[64];
    if (len < 8)
        return false;
    memcpy(v, b, sizeof *v);
    return sm_counter_fill(want, *v) == len && memcmp(want, b, len) == 0;
}

size_t sm_config_fill(uint8_t *b, unsigned which)
{
    size_t len = which ? 100u : 37u;
    for (size_t k = 0; k < len; k++)
        b[k] = (uint8_t)(which ? 0xA5u ^ k : 0x3Cu + k);
    return len;
}

/* ---------- the model of what may survive ---------- */

int sm_model_alloc(struct sm_model *m, uint32_t max_attempts)
{
    memset(m, 0, sizeof *m);
    m->max_attempts = max_attempts;
    m->ids = calloc(max_attempts, sizeof *m->ids);
    for (unsigned k = 0; k < 2; k++) {
        m->ring[k].ok_id = calloc(max_attempts, sizeof *m->ring[k].ok_id);
        m->ring[k].ok_seq = calloc(max_attempts, sizeof *m->ring[k].ok_seq);
    }
    if (!m->ids || !m->ring[0].ok_id || !m->ring[0].ok_seq || !m->ring[1].ok_id ||
        !m->ring[1].ok_seq) {
        sm_model_free(m);
        return -1;
    }
    sm_model_init(m);
    return 0;
}

void sm_model_free(struct sm_model *m)
{
    free(m->ids);
    for (unsigned k = 0; k < 2; k++) {
        free(m->ring[k].ok_id);
        free(m->ring[k].ok_seq);
    }
    memset(m, 0, sizeof *m);
}

void sm_model_init(struct sm_model *m)
{
    uint32_t max = m->max_attempts;
    uint32_t *ids = m->ids;
    uint32_t *ok_id[2] = {m->ring[0].ok_id, m->ring[1].ok_id};
    uint32_t *ok_seq[2] = {m->ring[0].ok_seq, m->ring[1].ok_seq};
    memset(m, 0, sizeof *m);
    m->max_attempts = max;
    m->ids = ids;
    memset(ids, 0, max * sizeof *ids);
    for (unsigned k = 0; k < 2; k++) {
        m->ring[k].ok_id = ok_id[k];
        m->ring[k].ok_seq = ok_seq[k];
        memset(ok_id[k], 0, max * sizeof *ok_id[k]);
        memset(ok_seq[k], 0, max * sizeof *ok_seq[k]);
    }
    m->config_ok = -1;
    m->config_inflight = -1;
    m->ring[0].area = 2;
    m->ring[0].es = 16;
    m->ring[1].area = 3;
    m->ring[1].es = 40;
}

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            if (rig->fails++ < 1)                                                                  \
                fprintf(stderr, "  check failed: %s (line %d)\n", #cond, __LINE__);                \
        }                                                                                          \
    } while (0)

void sm_model_check(struct store_rig *rig, struct sm_model *m, bool relaxed)
{
    struct mfw_store *st = &rig->st;
    uint8_t b[128];
    size_t len = 0;
    /* Counter: the last completed value or the one being written; never older, never garbage. */
    int r = mfw_store_record_read(st, 0, b, sizeof b, &len);
    if (r == MFW_OK) {
        uint32_t v;
        bool ok = sm_counter_parse(b, len, &v);
        CHECK(ok);
        if (ok && !relaxed)
            CHECK((m->counter_ok && v == m->counter) ||
                  (m->counter_inflight && v == m->counter_next));
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
    r = mfw_store_record_read(st, 1, b, sizeof b, &len);
    if (r == MFW_OK) {
        uint8_t w[128];
        int which = -1;
        for (int k = 0; k < 2; k++)
            if (sm_config_fill(w, (unsigned)k) == len && memcmp(w, b, len) == 0)
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
        struct sm_ring *rm = &m->ring[k];
        uint32_t n = mfw_store_ring_count(st, rm->area);
        uint32_t first = mfw_store_ring_first_seq(st, rm->area);
        uint32_t cap = mfw_store_ring_capacity(st, rm->area);
        uint32_t *ids = m->ids;
        uint32_t got = 0;
        for (uint32_t i = 0; i < n && i < m->max_attempts; i++) {
            r = mfw_store_ring_read(st, rm->area, i, b);
            if (relaxed && r != MFW_OK)
                continue;
            CHECK(r == MFW_OK);
            uint32_t id = sm_entry_id(b, rm->es, k + 2);
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
        uint32_t lost = rm->cuts + rm->mounts;
        uint32_t keep = cap > lost ? cap - lost : 0;
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
            CHECK(rm->n_ok < m->max_attempts); /* the model's arrays are large enough */
            if (rm->n_ok < m->max_attempts) {
                rm->ok_id[rm->n_ok] = rm->inflight_id;
                rm->ok_seq[rm->n_ok] = first + got - 1;
                rm->n_ok++;
            }
        }
        rm->inflight = false;
        if (got < rm->n_ok - rm->cleared_below)
            rm->cleared_below = rm->n_ok - got; /* dropped by capacity: gone for good */
    }
}

int sm_model_step(struct store_rig *rig, struct sm_model *m, uint32_t step)
{
    struct mfw_store *st = &rig->st;
    uint64_t x = (uint64_t)step * 0xD1B54A32D192ED03ull + 7u;
    unsigned pick = (unsigned)(sm_rng_next(&x) % 10u);
    uint8_t b[128];
    if (pick < 4 || pick == 9) {
        struct sm_ring *rm = &m->ring[pick == 9 ? 1 : pick % 2];
        uint32_t id = m->next_id++;
        sm_entry_fill(b, rm->es, id, rm->area);
        int r = mfw_store_ring_append(st, rm->area, b);
        if (r == MFW_OK) {
            CHECK(rm->n_ok < m->max_attempts); /* the model's arrays are large enough */
            if (rm->n_ok < m->max_attempts) {
                rm->ok_id[rm->n_ok] = id;
                rm->ok_seq[rm->n_ok] = mfw_store_ring_first_seq(st, rm->area) +
                                       mfw_store_ring_count(st, rm->area) - 1u;
                rm->n_ok++;
            }
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
        size_t n = sm_counter_fill(b, v);
        int r = mfw_store_record_write(st, 0, b, n);
        if (r == MFW_OK) {
            m->counter = v;
            m->counter_ok = true;
        } else {
            m->counter_inflight = true;
        }
        return r;
    }
    int which = m->config_ok == 0 ? 1 : 0;
    size_t n = sm_config_fill(b, (unsigned)which);
    int r = mfw_store_record_write(st, 1, b, n);
    if (r == MFW_OK)
        m->config_ok = which;
    else
        m->config_inflight = which;
    return r;
}

int sm_mount(struct store_rig *rig, struct sm_model *m, const struct mfw_store_config *c)
{
    for (unsigned k = 0; k < 2; k++)
        m->ring[k].mounts++;
    return mfw_store_mount(&rig->st, c, &rig->hal);
}

/* ---------- power-cut runs ---------- */

int sm_cut_run(struct store_rig *rig, struct sm_model *m, const struct mfw_store_config *c,
               uint32_t steps, uint64_t cut, uint64_t cut2, uint64_t seed, struct sm_campaign *cp)
{
    rig->fails = 0;
    if (sm_flash_new(rig, c->sector_size, c->sector_count, c->prog_size, seed) != 0) {
        CHECK(!"flash geometry");
        return MFW_E_ARG;
    }
    sm_model_init(m);
    int mounted = sm_mount(rig, m, c);
    CHECK(mounted == MFW_OK);
    flash_emu_cut_after(&rig->emu, cut);
    uint32_t s = 0;
    for (; s < steps; s++)
        if (sm_model_step(rig, m, s) != MFW_OK)
            break;
    if (cut == 0) {
        cp->total_ops = rig->emu.ops;
        CHECK(s == steps);
    }
    flash_emu_power_on(&rig->emu);
    CHECK(sm_mount(rig, m, c) == MFW_OK);
    sm_model_check(rig, m, false);
    if (cut2 != 0) {
        /* A second cut while recovering from the first (a torn sector open followed by a cut
         * in the next erase is what makes a 2-sector RECORDS area lose its newest record). */
        flash_emu_cut_after(&rig->emu, cut2);
        for (uint32_t k = 0; k < 80; k++)
            if (sm_model_step(rig, m, s + 500u + k) != MFW_OK)
                break;
        flash_emu_power_on(&rig->emu);
        CHECK(sm_mount(rig, m, c) == MFW_OK);
        sm_model_check(rig, m, false);
    }
    /* A cut store remains usable: continue the workload, check, remount, check. */
    for (uint32_t k = 0; k < 80; k++)
        CHECK(sm_model_step(rig, m, s + 1000u + k) == MFW_OK);
    sm_model_check(rig, m, false);
    CHECK(sm_mount(rig, m, c) == MFW_OK);
    sm_model_check(rig, m, false);
    CHECK(rig->emu.violations == 0);
    CHECK(rig->emu.reprogrammed == 0);
    if (cut != 0) {
        cp->tried++;
        if (rig->fails) {
            cp->failed++;
            if (cp->failed <= cp->report_limit)
                fprintf(stderr,
                        "  FAILED: cut at op %llu, second cut after %llu, seed %llu (prog %u)\n",
                        (unsigned long long)cut, (unsigned long long)cut2, (unsigned long long)seed,
                        (unsigned)c->prog_size);
        }
    }
    return mounted;
}
