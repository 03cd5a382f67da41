/* state_dir: meterd's per-meter directory (state_dir.h). */
#include "state_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "isotime.h"

/* 9999-12-31T23:59:59.999Z: the range isotime handles. */
#define RTC_MAX_MS 253402300799999LL

bool state_path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap;
}

int state_rtc_load(const char *dir, mfw_ms_t *out, char *err, size_t errcap)
{
    char path[4096];
    if (!state_path(path, sizeof path, dir, STATE_RTC_NAME)) {
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
    char buf[128];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errcap, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        if (r == 0 || (len += (size_t)r) == sizeof buf - 1)
            break;
    }
    close(fd);
    buf[len] = '\0';
    /* "<ms>" then an optional " <anything>" (the ISO time, for people), then "\n" and the end */
    int64_t v = 0;
    size_t k = 0;
    while (k < len && buf[k] >= '0' && buf[k] <= '9' && k < 16)
        v = v * 10 + (buf[k++] - '0');
    bool ok = k > 0 && k < len && (buf[k] == ' ' || buf[k] == '\n') && v <= RTC_MAX_MS;
    if (ok) {
        const char *nl = memchr(buf + k, '\n', len - k);
        ok = nl != NULL && nl == buf + len - 1 && strlen(buf) == len;
    }
    if (!ok) {
        snprintf(err, errcap, "%s: not an RTC backup of meterd (want \"<UTC ms> <ISO time>\")",
                 path);
        return -1;
    }
    *out = v;
    return 1;
}

static bool write_all(int fd, const char *p, size_t n)
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

bool state_rtc_save(const char *dir, mfw_ms_t t, char *err, size_t errcap)
{
    char path[4096], tmp[4096], line[64], iso[ISOTIME_LEN];
    if (!state_path(path, sizeof path, dir, STATE_RTC_NAME) ||
        !state_path(tmp, sizeof tmp, dir, STATE_RTC_NAME ".tmp")) {
        snprintf(err, errcap, "state path too long");
        return false;
    }
    if (t < 0 || t > RTC_MAX_MS) {
        snprintf(err, errcap, "RTC time %" PRId64 " ms out of range", (int64_t)t);
        return false;
    }
    isotime_format(t, iso);
    int n = snprintf(line, sizeof line, "%" PRId64 " %s\n", (int64_t)t, iso);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        snprintf(err, errcap, "%s: %s", tmp, strerror(errno));
        return false;
    }
    if (n <= 0 || !write_all(fd, line, (size_t)n) || fsync(fd) != 0) {
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
