/* SPDX-License-Identifier: Apache-2.0 */
/* fleet_flash: the NOR flashes of a whole fleet in one sparse file, a region per meter.
 *
 * Region i (meter i) is bytes [i * region_size, (i + 1) * region_size) of the file. The file holds
 * every byte inverted (~b): a hole of the sparse file reads as zeros, which is an erased NOR byte
 * (0xFF), so a new fleet of 10,000 meters is an empty file of its full size that takes no disk
 * space, and an erase punches a hole again (FALLOC_FL_PUNCH_HOLE; zeros where the file system
 * cannot). It is read and written with pread/pwrite, not mapped: the flash costs the process no
 * resident memory (the kernel's page cache holds what is in use), one descriptor for the fleet.
 *
 * The NOR rules of sim/flash_emu.h hold: erase sets a sector to 0xFF; program only clears bits, in
 * prog_size units at aligned addresses; a program that would set a bit, is misaligned or out of
 * range is refused (MFW_E_IO) and counted in violations. */
#ifndef FLEET_FLASH_H
#define FLEET_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "meterfw/hal/hal.h"

struct fleet_flash_file {
    int fd;
    uint64_t region_size;
    uint32_t regions;
};

struct fleet_flash {
    struct fleet_flash_file *file;
    uint64_t base; /* the region's first byte in the file */
    uint32_t sector_size, sector_count, prog_size;
    uint32_t violations;
    uint64_t reads, progs, erases, bytes_programmed;
};

/* Opens (or creates) path for `regions` regions of region_size bytes. An existing file must
 * have exactly that size (the same fleet). 0, or -1 with a message in err. */
int fleet_flash_file_open(struct fleet_flash_file *f, const char *path, uint64_t region_size,
                          uint32_t regions, char *err, size_t errcap);
/* fsync + close. 0 or -1. */
int fleet_flash_file_close(struct fleet_flash_file *f);

/* Region i as a flash of sector_count sectors. MFW_OK or MFW_E_ARG (geometry, i). */
int fleet_flash_init(struct fleet_flash *fl, struct fleet_flash_file *f, uint32_t i,
                     uint32_t sector_size, uint32_t sector_count, uint32_t prog_size);
/* Fills the flash members of h (ctx = fl); other members are left as they are. */
void fleet_flash_hal(struct fleet_flash *fl, struct mfw_hal *h);

/* The hal functions (ctx is a struct fleet_flash *). */
int fleet_flash_read(void *ctx, uint32_t addr, void *buf, size_t len);
int fleet_flash_prog(void *ctx, uint32_t addr, const void *buf, size_t len);
int fleet_flash_erase(void *ctx, uint32_t sector);

#endif /* FLEET_FLASH_H */
