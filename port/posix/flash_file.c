/* SPDX-License-Identifier: Apache-2.0 */
/* flash_file: a file-backed NOR flash for meterd (flash_file.h). */
#include "flash_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meterfw/base/error.h"

static int fail(char *err, size_t errcap, const char *what, const char *path)
{
    if (err != NULL && errcap > 0)
        snprintf(err, errcap, "%s %s: %s", what, path, strerror(errno));
    return -1;
}

int flash_file_open(struct flash_file *ff, const char *path, uint32_t sector_size,
                    uint32_t sector_count, uint32_t prog_size, uint64_t cut_after_ops, char *err,
                    size_t errcap)
{
    memset(ff, 0, sizeof *ff);
    ff->fd = -1;
    ff->size = (size_t)sector_size * sector_count;
    if (ff->size == 0) {
        errno = EINVAL;
        return fail(err, errcap, "flash size 0 for", path);
    }
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0)
        return fail(err, errcap, "cannot open", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return fail(err, errcap, "cannot stat", path);
    }
    if (st.st_size == 0) {
        /* New flash: erased. Written in sectors so a short write is noticed. */
        uint8_t ff_buf[4096];
        memset(ff_buf, 0xFF, sizeof ff_buf);
        for (size_t done = 0; done < ff->size;) {
            size_t n = ff->size - done < sizeof ff_buf ? ff->size - done : sizeof ff_buf;
            ssize_t w = write(fd, ff_buf, n);
            if (w <= 0) {
                close(fd);
                return fail(err, errcap, "cannot fill", path);
            }
            done += (size_t)w;
        }
        if (fsync(fd) != 0) {
            close(fd);
            return fail(err, errcap, "cannot fsync", path);
        }
    } else if ((size_t)st.st_size != ff->size) {
        close(fd);
        if (err != NULL && errcap > 0)
            snprintf(err, errcap, "%s has %lld bytes, the flash has %zu", path,
                     (long long)st.st_size, ff->size);
        return -1;
    }
    void *m = mmap(NULL, ff->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
        close(fd);
        return fail(err, errcap, "cannot mmap", path);
    }
    ff->fd = fd;
    ff->map = m;
    if (flash_emu_init(&ff->emu, ff->map, sector_size, sector_count, prog_size,
                       (uint64_t)st.st_ino ^ (uint64_t)st.st_mtime) != MFW_OK) {
        flash_file_close(ff);
        errno = EINVAL;
        return fail(err, errcap, "bad flash geometry for", path);
    }
    flash_emu_cut_after(&ff->emu, cut_after_ops);
    return 0;
}

void flash_file_hal(struct flash_file *ff, struct mfw_hal *h)
{
    flash_emu_hal(&ff->emu, h);
}

int flash_file_close(struct flash_file *ff)
{
    int r = 0;
    if (ff->map != NULL) {
        if (msync(ff->map, ff->size, MS_SYNC) != 0)
            r = -1;
        if (munmap(ff->map, ff->size) != 0)
            r = -1;
        ff->map = NULL;
    }
    if (ff->fd >= 0) {
        if (close(ff->fd) != 0)
            r = -1;
        ff->fd = -1;
    }
    return r;
}
