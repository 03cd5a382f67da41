/* SPDX-License-Identifier: Apache-2.0 */
/* The store's power-cut workload model, shared by tests/test_store.c (every-op and random cut
 * campaigns, garbage flash) and bench/bench_store.c (the long random campaign).
 *
 * A rig is one emulated NOR flash and the store mounted on it. The workload (sm_layout) has
 * four areas on 16 sectors: 0 a counter RECORDS area, 1 a config RECORDS area alternating
 * between two contents, 2 a ring of 16-byte entries, 3 a ring of 40-byte entries. sm_model_step
 * runs one deterministic step of it and tracks what may survive a cut; sm_model_check checks the
 * mounted store against that and counts failed checks in rig->fails. Host only. */
#ifndef METERFW_BENCH_STORE_MODEL_H
#define METERFW_BENCH_STORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash_emu.h"
#include "meterfw/hal/hal.h"
#include "meterfw/store/store.h"

struct store_rig {
    uint8_t *mem; /* the flash contents, the caller's */
    size_t mem_size;
    uint8_t *weak; /* mem_size bytes, the caller's: set, a fresh flash tears as NOR does
                    * (flash_emu_harsh); NULL: the gentle model */
    struct flash_emu emu;
    struct mfw_hal hal;
    struct mfw_store st;
    int fails; /* failed checks since the caller last cleared it */
};

/* Binds the rig to mem (mem_size bytes); no flash yet. */
void sm_rig_init(struct store_rig *rig, uint8_t *mem, size_t mem_size);
/* A fresh erased flash of sectors x sector_size on the rig; -1 if it does not fit mem or the
 * geometry is refused. */
int sm_flash_new(struct store_rig *rig, uint32_t sector_size, uint32_t sectors, uint32_t prog,
                 uint64_t seed);

uint64_t sm_rng_next(uint64_t *x); /* xorshift64* */

/* The workload's 4-area layout on 16 sectors of sector_size. */
void sm_layout(struct mfw_store_config *c, uint32_t sector_size, uint16_t prog);

/* Entry content of append attempt id on ring r: the id, then bytes derived from it (n <= 64). */
void sm_entry_fill(uint8_t *e, size_t n, uint32_t id, unsigned r);
/* The attempt id an entry claims, or UINT32_MAX if its content is not that attempt's. */
uint32_t sm_entry_id(const uint8_t *e, size_t n, unsigned r);
/* Counter record: value, then a pattern; the length varies with the value (8..64 bytes). */
size_t sm_counter_fill(uint8_t *b, uint32_t v);
bool sm_counter_parse(const uint8_t *b, size_t len, uint32_t *v);
/* Config record `which` (0: 37 bytes, 1: 100 bytes). */
size_t sm_config_fill(uint8_t *b, unsigned which);

/* ---------- the model of what may survive ---------- */

struct sm_ring {
    unsigned area;
    size_t es;
    uint32_t n_ok;    /* attempts known to be in the store, in order */
    uint32_t *ok_id;  /* their ids (max_attempts) */
    uint32_t *ok_seq; /* their sequence numbers (max_attempts) */
    bool inflight;    /* an attempt that failed (cut): may or may not be there */
    uint32_t inflight_id;
    uint32_t cuts;          /* each cut may cost one slot of capacity, */
    uint32_t mounts;        /* and so may each mount (store.h) */
    uint32_t cleared_below; /* index into ok_*: entries before it were cleared */
};

struct sm_model {
    uint32_t max_attempts; /* size of each ring's ok_id/ok_seq and of ids */
    uint32_t *ids;         /* sm_model_check's scratch (max_attempts) */
    uint32_t next_id;
    bool counter_ok;
    uint32_t counter; /* last completed counter value */
    bool counter_inflight;
    uint32_t counter_next; /* value being written when cut */
    int config_ok;         /* -1 none, else which */
    int config_inflight;   /* -1 none */
    struct sm_ring ring[2];
};

/* Allocates the model's arrays for up to max_attempts successful appends per ring; -1 if out of
 * memory. sm_model_free releases them. */
int sm_model_alloc(struct sm_model *m, uint32_t max_attempts);
void sm_model_free(struct sm_model *m);
/* Resets the model to an empty store (keeps the arrays). */
void sm_model_init(struct sm_model *m);
/* Checks the mounted store against the model and folds the in-flight outcomes into it (what is
 * there now must stay). relaxed: only require that what reads back was written (garbage flash).
 * Failed checks go to rig->fails (the first one is printed). */
void sm_model_check(struct store_rig *rig, struct sm_model *m, bool relaxed);
/* Mounts the rig's store (counted: each mount may spend a slot of every ring). */
int sm_mount(struct store_rig *rig, struct sm_model *m, const struct mfw_store_config *c);
/* One workload step (deterministic from step). MFW_OK or the store's error. */
int sm_model_step(struct store_rig *rig, struct sm_model *m, uint32_t step);

/* ---------- power-cut runs ---------- */

struct sm_campaign {
    uint32_t tried, failed;
    uint64_t total_ops;    /* flash ops of the cut-free run */
    uint32_t report_limit; /* failures printed to stderr: the first report_limit */
};

/* On a fresh flash of c's geometry (seeded): mount, run `steps` workload steps with a cut at
 * operation `cut` (0 = none); then power on, mount, check; if cut2, up to 80 more steps cut
 * after cut2 operations, power on, mount, check; then 80 more steps; check; remount; check.
 * When cut == 0 sets cp->total_ops; else counts the cut point in cp->tried and, if any check
 * failed, in cp->failed. Returns the first mount's result. */
int sm_cut_run(struct store_rig *rig, struct sm_model *m, const struct mfw_store_config *c,
               uint32_t steps, uint64_t cut, uint64_t cut2, uint64_t seed, struct sm_campaign *cp);

#endif
