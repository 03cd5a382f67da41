/* SPDX-License-Identifier: Apache-2.0 */
/* state_dir: where meterd keeps a meter between runs, one directory per meter:
 *   flash.bin  the meter's NOR flash image (flash_file.h): everything the meter stores itself
 *   rtc        the RTC backup: the simulated RTC that keeps running (rtc_backup.h)
 * Nothing here interprets the flash: the meter mounts and restores it in mfw_meter_init. */
#ifndef METERD_STATE_DIR_H
#define METERD_STATE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"

#define STATE_FLASH_NAME "flash.bin"
#define STATE_RTC_NAME "rtc"

/* out = dir/name. false if it does not fit. */
bool state_path(char *out, size_t cap, const char *dir, const char *name);

/* Checks dir/flash.bin without touching it. 1: there with exactly `size` bytes; 0: not there;
 * -1: another size or not a regular file (message in err). */
int state_flash_check(const char *dir, uint64_t size, char *err, size_t errcap);

/* Creates dir (and its parents) if needed. false + message on failure. */
bool state_prepare_dir(const char *dir, char *err, size_t errcap);

#endif /* METERD_STATE_DIR_H */
