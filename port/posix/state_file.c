#include "state_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meterfw/error.h"
#include "meterfw/snapshot.h"

static bool path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap;
}

int state_load(const char *dir, struct meter *m, char *err, size_t errcap)
{
    char path[4096];
    if (!path_join(path, sizeof path, dir, STATE_FILE_NAME)) {
        snprintf(err, errcap, "state path too long");
        return -1;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return -1;
    }
    uint8_t buf[SNAPSHOT_SIZE + 1]; /* one more: a longer file is detected, not cut */
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errcap, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0 || (len += (size_t)r) == sizeof buf)
            break;
    }
    close(fd);
    int rc = snapshot_load(m, buf, len);
    if (rc != MFW_OK) {
        snprintf(err, errcap, "%s: not a usable snapshot of this meter (%s)", path,
                 mfw_strerror(rc));
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

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

bool state_save(const char *dir, const struct meter *m, char *err, size_t errcap)
{
    char path[4096], tmp[4096];
    uint8_t buf[SNAPSHOT_SIZE];
    size_t len = 0;
    if (!path_join(path, sizeof path, dir, STATE_FILE_NAME) ||
        !path_join(tmp, sizeof tmp, dir, STATE_FILE_NAME ".tmp")) {
        snprintf(err, errcap, "state path too long");
        return false;
    }
    if (snapshot_save(m, buf, sizeof buf, &len) != MFW_OK) {
        snprintf(err, errcap, "snapshot does not fit its buffer");
        return false;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        snprintf(err, errcap, "%s: %s", tmp, strerror(errno));
        return false;
    }
    if (!write_all(fd, buf, len) || fsync(fd) != 0) {
        snprintf(err, errcap, "%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return false;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return false;
    }
    /* the rename itself is durable only once the directory is synced */
    int dfd = open(dir, O_RDONLY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return true;
}
