/* SPDX-License-Identifier: Apache-2.0 */
/* state_dir: meterd's per-meter directory (state_dir.h). */
#include "state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool state_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap;
}

int state_flash_check(const char *dir, uint64_t size, char *err, size_t errcap)
{
    char path[4096];
    if (!state_path(path, sizeof path, dir, STATE_FLASH_NAME)) {
        snprintf(err, errcap, "state path too long");
        return -1;
    }
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errcap, "%s is not a regular file", path);
        return -1;
    }
    if ((uint64_t)st.st_size != size) {
        snprintf(err, errcap,
                 "%s has %lld bytes, this meter's flash has %" PRIu64
                 " (another meter's layout, or damaged)",
                 path, (long long)st.st_size, size);
        return -1;
    }
    return 1;
}

bool state_prepare_dir(const char *dir, char *err, size_t errcap)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        snprintf(err, errcap, "state directory path invalid");
        return false;
    }
    memcpy(path, dir, n + 1);
    /* mkdir -p: each prefix ending at a '/', then the whole path */
    for (size_t k = 1; k <= n; k++) {
        if (path[k] != '/' && path[k] != '\0')
            continue;
        char c = path[k];
        path[k] = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            snprintf(err, errcap, "cannot create %s: %s", path, strerror(errno));
            return false;
        }
        path[k] = c;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errcap, "%s is not a directory", dir);
        return false;
    }
    return true;
}
