/* SPDX-License-Identifier: Apache-2.0 */
/* flash_file: meterd's NOR flash, backed by a file so that it persists across runs.
 *
 * The file (created if missing, filled with 0xFF = erased) is mmap'ed MAP_SHARED and driven by
 * a flash_emu (sim/flash_emu.h), so the NOR rules and power cuts of the tests apply here too:
 * cut_after_ops > 0 tears that operation and kills the device (every later flash call fails with
 * MFW_E_IO), for manual power-cut tests of meterd. */
#ifndef METERD_FLASH_FILE_H
#define METERD_FLASH_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "flash_emu.h"
#include "meterfw/hal/hal.h"

struct flash_file {
    struct flash_emu emu;
    int fd;
    uint8_t *map;
    size_t size;
};

/* Opens (or creates) path as a flash of sector_count sectors. An existing file must have exactly
 * that size. 0 on success; -1 with a message in err otherwise. */
int flash_file_open(struct flash_file *ff, const char *path, uint32_t sector_size,
                    uint32_t sector_count, uint32_t prog_size, uint64_t cut_after_ops, char *err,
                    size_t errcap);
/* Fills the flash functions of h (ctx = &ff->emu). */
void flash_file_hal(struct flash_file *ff, struct mfw_hal *h);
/* msync + munmap + close. 0 or -1. */
int flash_file_close(struct flash_file *ff);

#endif /* METERD_FLASH_FILE_H */
