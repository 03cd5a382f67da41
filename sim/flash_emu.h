/* SPDX-License-Identifier: Apache-2.0 */
/* flash_emu: a RAM-backed NOR flash for tests and the posix port, with power cuts.
 *
 * NOR rules enforced: erase sets a sector to 0xFF; program only clears bits and works in units of
 * prog_size bytes at prog_size-aligned addresses. A program that would set a bit (0 -> 1), is
 * misaligned or out of range is a violation: counted, nothing written, MFW_E_IO returned.
 * Programming a byte that is no longer 0xFF with anything but 0x00 (the allowed "mark dead") is
 * counted in reprogrammed (not refused: real NOR allows it, but the store promises never to).
 *
 * Programming a byte again with the value it already holds (settling the cells of a torn program
 * after a cut) is counted in settled, not in reprogrammed.
 *
 * Power cut: program and erase calls are counted (ops, from 1). When ops reaches cut_at_op
 * (0 = never) that operation is TORN. The default (gentle) model: a program writes a random-length
 * prefix of its bytes and maybe one more byte with a random subset of its bits cleared; an erase
 * sets a random-length prefix of the sector to 0xFF. The harsh model (flash_emu_harsh), as NOR
 * cells really fail: a torn program leaves ANY subset of the bits it was clearing cleared, and
 * some of them WEAK; a torn erase leaves any subset of the sector's cleared bits erased, with the
 * sector's first header_bytes (the store's sector header) untouched half the time, and some bits
 * weak. A weak bit reads as a random 0 or 1 on every read until it is programmed to 0 or its
 * sector is erased. The shape of each tear is drawn from the seed: prefix, random subset, random
 * subset with weak bits, all done but weak. From a cut on the device is dead: every call (reads
 * too) fails with MFW_E_IO until flash_emu_power_on(). Deterministic for a seed.
 *
 * Host only. The memory is the caller's (an array, or an mmap'ed file). */
#ifndef METERFW_SIM_FLASH_EMU_H
#define METERFW_SIM_FLASH_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/hal/hal.h"

#ifndef FLASH_EMU_SECTORS_MAX
#define FLASH_EMU_SECTORS_MAX 4096
#endif

struct flash_emu {
    uint8_t *mem; /* sector_size * sector_count bytes, the caller's */
    uint32_t sector_size;
    uint32_t sector_count;
    uint32_t prog_size;
    uint64_t ops;          /* program + erase calls so far */
    uint64_t cut_at_op;    /* 0 = never cut */
    bool dead;             /* a cut happened; everything fails until power on */
    uint64_t rng;          /* xorshift64* state */
    uint32_t violations;   /* 0 -> 1 programs, misaligned or out-of-range calls */
    uint32_t reprogrammed; /* bytes programmed again after they had been programmed */
    uint32_t settled;      /* bytes programmed again with the value they hold */
    uint8_t *weak;         /* harsh model: a mask of weak bits, one byte per flash byte */
    uint32_t header_bytes; /* harsh model: bytes a torn erase leaves intact half the time */
    uint32_t tears;        /* torn operations so far */
    uint64_t progs, erases, bytes_programmed, reads;
    uint32_t erase_count[FLASH_EMU_SECTORS_MAX]; /* per sector */
};

/* MFW_E_ARG if the geometry is bad (sector_count > FLASH_EMU_SECTORS_MAX, prog_size not a
 * power of two dividing sector_size). The memory is left as it is (call flash_emu_erase_all for a
 * blank chip). */
int flash_emu_init(struct flash_emu *f, uint8_t *mem, uint32_t sector_size, uint32_t sector_count,
                   uint32_t prog_size, uint64_t seed);
void flash_emu_erase_all(struct flash_emu *f); /* 0xFF everywhere; not counted */
/* The harsh model of a torn operation (see above); weak: one byte per flash byte, the caller's,
 * zeroed here; NULL goes back to the gentle model. header_bytes: e.g. 32, the store's header. */
void flash_emu_harsh(struct flash_emu *f, uint8_t *weak, uint32_t header_bytes);
/* Bits of the flash that are weak now (harsh model). */
uint64_t flash_emu_weak_bits(const struct flash_emu *f);
/* Cut after n more program/erase operations (the n-th is torn); 0 = never. */
void flash_emu_cut_after(struct flash_emu *f, uint64_t n);
/* Power back: the device works again, no cut is pending. Counters are kept. */
void flash_emu_power_on(struct flash_emu *f);
/* Fills the flash members of h (ctx = f); other members are left as they are. */
void flash_emu_hal(struct flash_emu *f, struct mfw_hal *h);

/* The HAL functions themselves (ctx is a struct flash_emu *). */
int flash_emu_read(void *ctx, uint32_t addr, void *buf, size_t len);
int flash_emu_prog(void *ctx, uint32_t addr, const void *buf, size_t len);
int flash_emu_erase(void *ctx, uint32_t sector);

#endif /* METERFW_SIM_FLASH_EMU_H */
