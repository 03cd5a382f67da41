/* SPDX-License-Identifier: Apache-2.0 */
/* flash_emu: RAM-backed NOR flash with power cuts (flash_emu.h). */
#include "flash_emu.h"

#include <string.h>

#include "meterfw/base/error.h"

static uint64_t rnd(struct flash_emu *f)
{
    /* xorshift64* (Vigna 2016): small, deterministic, good enough for cut shapes. */
    uint64_t x = f->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    f->rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n]. */
static uint64_t rnd_upto(struct flash_emu *f, uint64_t n)
{
    return rnd(f) % (n + 1u);
}

int flash_emu_init(struct flash_emu *f, uint8_t *mem, uint32_t sector_size, uint32_t sector_count,
                   uint32_t prog_size, uint64_t seed)
{
    if (f == NULL || mem == NULL || sector_count == 0 || sector_count > FLASH_EMU_SECTORS_MAX ||
        prog_size == 0 || (prog_size & (prog_size - 1u)) != 0 || sector_size % prog_size != 0 ||
        sector_size == 0)
        return MFW_E_ARG;
    memset(f, 0, sizeof *f);
    f->mem = mem;
    f->sector_size = sector_size;
    f->sector_count = sector_count;
    f->prog_size = prog_size;
    f->rng = seed ^ 0x9E3779B97F4A7C15ull;
    if (f->rng == 0)
        f->rng = 1;
    return MFW_OK;
}

void flash_emu_erase_all(struct flash_emu *f)
{
    memset(f->mem, 0xFF, (size_t)f->sector_size * f->sector_count);
    if (f->weak != NULL)
        memset(f->weak, 0, (size_t)f->sector_size * f->sector_count);
}

void flash_emu_harsh(struct flash_emu *f, uint8_t *weak, uint32_t header_bytes)
{
    f->weak = weak;
    f->header_bytes = header_bytes < f->sector_size ? header_bytes : f->sector_size;
    if (weak != NULL)
        memset(weak, 0, (size_t)f->sector_size * f->sector_count);
}

uint64_t flash_emu_weak_bits(const struct flash_emu *f)
{
    uint64_t n = 0;
    if (f->weak == NULL)
        return 0;
    for (size_t k = 0; k < (size_t)f->sector_size * f->sector_count; k++)
        for (uint8_t w = f->weak[k]; w != 0; w &= (uint8_t)(w - 1u))
            n++;
    return n;
}

void flash_emu_cut_after(struct flash_emu *f, uint64_t n)
{
    f->cut_at_op = n == 0 ? 0 : f->ops + n;
}

void flash_emu_power_on(struct flash_emu *f)
{
    f->dead = false;
    f->cut_at_op = 0;
}

static bool in_range(const struct flash_emu *f, uint32_t addr, size_t len)
{
    uint64_t size = (uint64_t)f->sector_size * f->sector_count;
    return (uint64_t)addr <= size && len <= size - addr;
}

int flash_emu_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    struct flash_emu *f = ctx;
    if (f->dead)
        return MFW_E_IO;
    if (!in_range(f, addr, len) || (buf == NULL && len > 0)) {
        f->violations++;
        return MFW_E_IO;
    }
    f->reads++;
    if (len > 0)
        memcpy(buf, f->mem + addr, len);
    if (f->weak != NULL) { /* a weak cell reads as it likes, every time */
        uint8_t *b = buf;
        for (size_t k = 0; k < len; k++) {
            uint8_t w = f->weak[addr + k];
            if (w != 0)
                b[k] = (uint8_t)((b[k] & (uint8_t)~w) | ((uint8_t)rnd(f) & w));
        }
    }
    return MFW_OK;
}

/* Counts an operation; true if this one is the torn one. */
static bool op_is_cut(struct flash_emu *f)
{
    f->ops++;
    if (f->cut_at_op != 0 && f->ops == f->cut_at_op) {
        f->dead = true;
        return true;
    }
    return false;
}

/* A torn program, harsh model: of the bits the program clears, any subset is cleared, and of
 * those some are weak; the shape is drawn per tear. */
static void tear_program_harsh(struct flash_emu *f, uint8_t *m, uint8_t *w, const uint8_t *d,
                               size_t len)
{
    unsigned shape = (unsigned)(rnd(f) % 4u);
    size_t prefix = (size_t)rnd_upto(f, len);
    for (size_t k = 0; k < len; k++) {
        uint8_t clear = (uint8_t)(m[k] & (uint8_t)~d[k]); /* bits this program takes to 0 */
        if (clear == 0)
            continue;
        uint8_t done, weak = 0;
        switch (shape) {
        case 0: /* a prefix of the bytes, then nothing */ done = k < prefix ? clear : 0; break;
        case 1: /* any subset of the bits */ done = clear & (uint8_t)rnd(f); break;
        case 2: /* any subset, some of them weak */
            done = clear & (uint8_t)rnd(f);
            weak = clear & (uint8_t)rnd(f) & (uint8_t)rnd(f);
            break;
        default: /* every bit reached 0, but some only just */
            done = clear;
            weak = clear & (uint8_t)rnd(f) & (uint8_t)rnd(f) & (uint8_t)rnd(f);
            break;
        }
        m[k] &= (uint8_t)~done;
        w[k] = (uint8_t)((w[k] & (uint8_t)~clear) | weak);
    }
}

int flash_emu_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    struct flash_emu *f = ctx;
    const uint8_t *d = buf;
    if (f->dead)
        return MFW_E_IO;
    if (!in_range(f, addr, len) || addr % f->prog_size != 0 || len % f->prog_size != 0 ||
        (d == NULL && len > 0)) {
        f->violations++;
        return MFW_E_IO;
    }
    uint8_t *m = f->mem + addr;
    uint8_t *w = f->weak != NULL ? f->weak + addr : NULL;
    bool all_zero = true;
    for (size_t k = 0; k < len; k++) {
        /* would set a bit: NOR cannot (a weak bit may read 1 or 0: programming a 1 over it is
         * no request to set it) */
        uint8_t known = (uint8_t)(m[k] | (w != NULL ? w[k] : 0));
        if ((known & d[k]) != d[k]) {
            f->violations++;
            return MFW_E_IO;
        }
        if (d[k] != 0)
            all_zero = false;
    }
    if (!all_zero)
        for (size_t k = 0; k < len; k++) {
            if (m[k] == 0xFFu || d[k] == 0xFFu)
                continue;
            /* the same value (a weak cell may read either way: it does not count) */
            if (((m[k] ^ d[k]) & (uint8_t) ~(w != NULL ? w[k] : 0)) == 0)
                f->settled++;
            else
                f->reprogrammed++;
        }
    if (op_is_cut(f)) {
        f->tears++;
        if (w != NULL) {
            tear_program_harsh(f, m, w, d, len);
        } else {
            size_t r = (size_t)rnd_upto(f, len);
            for (size_t k = 0; k < r; k++)
                m[k] = d[k];
            if (r < len && (rnd(f) & 1u)) /* a cell half programmed: some of its 0 bits made it */
                m[r] &= (uint8_t) ~((uint8_t)~d[r] & (uint8_t)rnd(f));
        }
        f->progs++;
        return MFW_E_IO;
    }
    for (size_t k = 0; k < len; k++) {
        m[k] &= d[k];
        if (w != NULL)
            w[k] &= d[k]; /* a programmed 0 is a solid 0 */
    }
    f->progs++;
    f->bytes_programmed += len;
    return MFW_OK;
}

/* A torn erase, harsh model: any subset of the sector's cleared bits erased (the header bytes
 * left alone half the time), some bits weak; the shape is drawn per tear. */
static void tear_erase_harsh(struct flash_emu *f, uint8_t *m, uint8_t *w)
{
    unsigned shape = (unsigned)(rnd(f) % 4u);
    size_t from = (rnd(f) & 1u) ? f->header_bytes : 0; /* header intact or not */
    size_t prefix = (size_t)rnd_upto(f, f->sector_size);
    for (size_t k = from; k < f->sector_size; k++) {
        uint8_t zeros = (uint8_t)~m[k] | w[k];
        if (zeros == 0)
            continue;
        uint8_t done, weak = 0;
        switch (shape) {
        case 0: done = k < prefix ? zeros : 0; break;
        case 1: done = zeros & (uint8_t)rnd(f); break;
        case 2:
            done = zeros & (uint8_t)rnd(f);
            weak = zeros & (uint8_t)rnd(f) & (uint8_t)rnd(f);
            break;
        default:
            done = zeros;
            weak = zeros & (uint8_t)rnd(f) & (uint8_t)rnd(f) & (uint8_t)rnd(f);
            break;
        }
        m[k] |= done;
        w[k] = (uint8_t)((w[k] & (uint8_t)~done) | weak);
    }
}

int flash_emu_erase(void *ctx, uint32_t sector)
{
    struct flash_emu *f = ctx;
    if (f->dead)
        return MFW_E_IO;
    if (sector >= f->sector_count) {
        f->violations++;
        return MFW_E_IO;
    }
    uint8_t *m = f->mem + (size_t)sector * f->sector_size;
    uint8_t *w = f->weak != NULL ? f->weak + (size_t)sector * f->sector_size : NULL;
    f->erase_count[sector]++;
    f->erases++;
    if (op_is_cut(f)) {
        f->tears++;
        if (w != NULL)
            tear_erase_harsh(f, m, w);
        else
            memset(m, 0xFF, (size_t)rnd_upto(f, f->sector_size));
        return MFW_E_IO;
    }
    memset(m, 0xFF, f->sector_size);
    if (w != NULL)
        memset(w, 0, f->sector_size);
    return MFW_OK;
}

void flash_emu_hal(struct flash_emu *f, struct mfw_hal *h)
{
    h->ctx = f;
    h->flash_read = flash_emu_read;
    h->flash_prog = flash_emu_prog;
    h->flash_erase = flash_emu_erase;
}
