/* SPDX-License-Identifier: Apache-2.0 */
/* fleet_flash: one sparse file of inverted bytes, a NOR flash region per meter (fleet_flash.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fallocate, FALLOC_FL_PUNCH_HOLE (Linux) */
#endif

#include "fleet_flash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meterfw/base/error.h"

#define CHUNK 4096u

static int fail(char *err, size_t cap, const char *fmt, ...)
{
    if (err != NULL && cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int fleet_flash_file_open(struct fleet_flash_file *f, const char *path, uint64_t region_size,
                          uint32_t regions, char *err, size_t errcap)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    uint64_t size = region_size * regions;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(err, errcap, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(err, errcap, "%s: not a regular file", path);
    }
    if (st.st_size == 0) {
        if (ftruncate(fd, (off_t)size) != 0) {
            int e = errno;
            close(fd);
            return fail(err, errcap, "%s: cannot size it: %s", path, strerror(e));
        }
    } else if ((uint64_t)st.st_size != size) {
        close(fd);
        return fail(err, errcap,
                    "%s has %llu bytes, not the %llu of %u meters (another fleet: move it away)",
                    path, (unsigned long long)st.st_size, (unsigned long long)size,
                    (unsigned)regions);
    }
    f->fd = fd;
    f->region_size = region_size;
    f->regions = regions;
    return 0;
}

int fleet_flash_file_close(struct fleet_flash_file *f)
{
    if (f->fd < 0)
        return 0;
    int rc = fsync(f->fd) == 0 ? 0 : -1;
    if (close(f->fd) != 0)
        rc = -1;
    f->fd = -1;
    return rc;
}

int fleet_flash_init(struct fleet_flash *fl, struct fleet_flash_file *f, uint32_t i,
                     uint32_t sector_size, uint32_t sector_count, uint32_t prog_size)
{
    memset(fl, 0, sizeof *fl);
    if (i >= f->regions || sector_size == 0 || prog_size == 0 ||
        (prog_size & (prog_size - 1)) != 0 || sector_size % prog_size != 0 ||
        (uint64_t)sector_size * sector_count > f->region_size)
        return MFW_E_ARG;
    fl->file = f;
    fl->base = (uint64_t)i * f->region_size;
    fl->sector_size = sector_size;
    fl->sector_count = sector_count;
    fl->prog_size = prog_size;
    return MFW_OK;
}

static bool in_range(const struct fleet_flash *fl, uint32_t addr, size_t len)
{
    uint64_t size = (uint64_t)fl->sector_size * fl->sector_count;
    return addr <= size && len <= size - addr;
}

/* n inverted bytes of the file at off into buf (holes and the end read as zeros: 0xFF). */
static int get(const struct fleet_flash *fl, uint64_t off, uint8_t *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fl->file->fd, buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return MFW_E_IO;
        if (r == 0) {
            memset(buf + done, 0, n - done);
            break;
        }
        done += (size_t)r;
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)~buf[i];
    return MFW_OK;
}

static int put(const struct fleet_flash *fl, uint64_t off, const uint8_t *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pwrite(fl->file->fd, buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return MFW_E_IO;
        done += (size_t)r;
    }
    return MFW_OK;
}

int fleet_flash_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    struct fleet_flash *fl = ctx;
    if (!in_range(fl, addr, len))
        return MFW_E_IO;
    fl->reads++;
    return get(fl, fl->base + addr, buf, len);
}

int fleet_flash_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    struct fleet_flash *fl = ctx;
    if (!in_range(fl, addr, len) || addr % fl->prog_size != 0 || len % fl->prog_size != 0) {
        fl->violations++;
        return MFW_E_IO;
    }
    const uint8_t *in = buf;
    uint8_t old[CHUNK], inv[CHUNK];
    for (size_t done = 0; done < len; done += CHUNK) {
        size_t n = len - done < CHUNK ? len - done : CHUNK;
        if (get(fl, fl->base + addr + done, old, n) != MFW_OK)
            return MFW_E_IO;
        for (size_t i = 0; i < n; i++)
            if ((in[done + i] & (uint8_t)~old[i]) != 0) { /* NOR: a program never sets a bit */
                fl->violations++;
                return MFW_E_IO;
            }
    }
    for (size_t done = 0; done < len; done += CHUNK) {
        size_t n = len - done < CHUNK ? len - done : CHUNK;
        for (size_t i = 0; i < n; i++)
            inv[i] = (uint8_t)~in[done + i];
        if (put(fl, fl->base + addr + done, inv, n) != MFW_OK)
            return MFW_E_IO;
    }
    fl->progs++;
    fl->bytes_programmed += len;
    return MFW_OK;
}

int fleet_flash_erase(void *ctx, uint32_t sector)
{
    struct fleet_flash *fl = ctx;
    if (sector >= fl->sector_count) {
        fl->violations++;
        return MFW_E_IO;
    }
    uint64_t off = fl->base + (uint64_t)sector * fl->sector_size;
    fl->erases++;
    if (fallocate(fl->file->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
                  (off_t)fl->sector_size) == 0)
        return MFW_OK;
    static const uint8_t zeros[CHUNK]; /* erased bytes, inverted; const: no state */
    for (uint32_t done = 0; done < fl->sector_size; done += CHUNK) {
        size_t n = fl->sector_size - done < CHUNK ? fl->sector_size - done : CHUNK;
        if (put(fl, off + done, zeros, n) != MFW_OK)
            return MFW_E_IO;
    }
    return MFW_OK;
}

void fleet_flash_hal(struct fleet_flash *fl, struct mfw_hal *h)
{
    h->ctx = fl;
    h->flash_read = fleet_flash_read;
    h->flash_prog = fleet_flash_prog;
    h->flash_erase = fleet_flash_erase;
}
