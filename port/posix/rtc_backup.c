/* SPDX-License-Identifier: Apache-2.0 */
/* rtc_backup: the virtual meter's RTC that keeps running (rtc_backup.h). */
#include "rtc_backup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meterfw/base/crc.h"
#include "state_dir.h"

#define HEADER "meterd RTC backup 2\n"
#define HEADER_LEN (sizeof HEADER - 1u)
/* "A seq=%020 rtc=%020 wall=%020 crc=%08x\n" */
#define SLOT_LEN 91u
#define CRC_AT 82u /* where the 8 hex digits of the CRC start */
#define FILE_LEN (HEADER_LEN + 2u * SLOT_LEN)

static void format_slot(char out[SLOT_LEN + 1], char name, uint64_t seq, struct rtc_anchor a)
{
    snprintf(out, SLOT_LEN + 1,
             "%c seq=%020" PRIu64 " rtc=%020" PRId64 " wall=%020" PRId64 " crc=", name, seq,
             (int64_t)a.rtc, (int64_t)a.wall);
    uint32_t crc = mfw_crc32((const uint8_t *)out, CRC_AT);
    snprintf(out + CRC_AT, SLOT_LEN + 1 - CRC_AT, "%08" PRIx32 "\n", crc);
}

/* Digits of a fixed-width decimal field; false if not exactly n digits. */
static bool digits(const char *p, size_t n, uint64_t *v)
{
    *v = 0;
    for (size_t k = 0; k < n; k++) {
        if (p[k] < '0' || p[k] > '9' || *v > (UINT64_MAX - 9u) / 10u)
            return false;
        *v = *v * 10u + (uint64_t)(p[k] - '0');
    }
    return true;
}

static bool parse_slot(const char *s, char name, uint64_t *seq, struct rtc_anchor *a)
{
    char want[SLOT_LEN + 1];
    uint64_t q, r, w;
    if (s[0] != name || memcmp(s + 1, " seq=", 5) != 0 || !digits(s + 6, 20, &q) ||
        memcmp(s + 26, " rtc=", 5) != 0 || !digits(s + 31, 20, &r) ||
        memcmp(s + 51, " wall=", 6) != 0 || !digits(s + 57, 20, &w) ||
        memcmp(s + 77, " crc=", 5) != 0 || r > (uint64_t)RTC_BACKUP_MAX_MS ||
        w > (uint64_t)RTC_BACKUP_MAX_MS)
        return false;
    struct rtc_anchor t = {(mfw_ms_t)r, (mfw_ms_t)w};
    format_slot(want, name, q, t);
    if (memcmp(want, s, SLOT_LEN) != 0) /* the CRC, and the exact form */
        return false;
    *seq = q;
    *a = t;
    return true;
}

static int bad(char *err, size_t errcap, const char *why)
{
    snprintf(err, errcap, "not an RTC backup of meterd: %s", why);
    return -1;
}

static int check_range(struct rtc_anchor a, char *err, size_t errcap)
{
    if (a.rtc < RTC_BACKUP_MIN_MS || a.rtc > RTC_BACKUP_MAX_MS)
        return bad(err, errcap,
                   "an RTC time before 2000 or after 9999 (an RTC that lost its "
                   "time: move the file away, or start with --rtc-lost)");
    return 1;
}

int rtc_backup_parse(const char *text, size_t len, mfw_ms_t old_wall, struct rtc_anchor *out,
                     char *err, size_t errcap)
{
    if (len == FILE_LEN && memcmp(text, HEADER, HEADER_LEN) == 0) {
        uint64_t qa = 0, qb = 0;
        struct rtc_anchor a, b;
        bool ok_a = parse_slot(text + HEADER_LEN, 'A', &qa, &a);
        bool ok_b = parse_slot(text + HEADER_LEN + SLOT_LEN, 'B', &qb, &b);
        if (!ok_a && !ok_b)
            return bad(err, errcap, "both slots damaged");
        *out = ok_a && (!ok_b || qa > qb) ? a : b;
        return check_range(*out, err, errcap);
    }
    /* earlier versions: "<ms>" then " <anything>" (the ISO time, for people), then "\n" */
    uint64_t v = 0;
    size_t k = 0;
    while (k < len && k < 16 && text[k] >= '0' && text[k] <= '9')
        v = v * 10u + (uint64_t)(text[k++] - '0');
    const char *nl = k < len ? memchr(text + k, '\n', len - k) : NULL;
    if (k == 0 || k == len || (text[k] != ' ' && text[k] != '\n') || nl != text + len - 1 ||
        memchr(text, '\0', len) != NULL)
        return bad(err, errcap, "want \"" HEADER "\" and two slots");
    *out = (struct rtc_anchor){(mfw_ms_t)v, old_wall};
    return check_range(*out, err, errcap);
}

mfw_ms_t rtc_backup_now(const struct rtc_anchor *a, mfw_ms_t wall)
{
    mfw_ms_t d = wall - a->wall;
    mfw_ms_t t = a->rtc + (d > 0 ? d : 0);
    return t > RTC_BACKUP_MAX_MS ? RTC_BACKUP_MAX_MS : t;
}

int rtc_backup_load(const char *dir, struct rtc_anchor *out, char *err, size_t errcap)
{
    char path[4096], buf[FILE_LEN + 64];
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
    struct stat st;
    size_t len = 0;
    int rc = fstat(fd, &st);
    while (rc == 0 && len < sizeof buf) {
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = -1;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    int e = errno;
    close(fd);
    if (rc != 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(e));
        return -1;
    }
    mfw_ms_t mtime = (mfw_ms_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    char why[256];
    if (len == sizeof buf || rtc_backup_parse(buf, len, mtime, out, why, sizeof why) != 1) {
        snprintf(err, errcap, "%s: %s", path, len == sizeof buf ? "too long" : why);
        return -1;
    }
    return 1;
}

bool rtc_backup_open(struct rtc_backup *b, const char *dir, struct rtc_anchor a, char *err,
                     size_t errcap)
{
    char path[4096];
    memset(b, 0, sizeof *b);
    b->fd = -1;
    if (!state_path(path, sizeof path, dir, STATE_RTC_NAME)) {
        snprintf(err, errcap, "state path too long");
        return false;
    }
    b->fd = open(path, O_RDWR | O_CREAT, 0666);
    if (b->fd < 0 || ftruncate(b->fd, (off_t)FILE_LEN) != 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        if (b->fd >= 0)
            close(b->fd);
        b->fd = -1;
        return false;
    }
    b->map = mmap(NULL, FILE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
    if (b->map == MAP_FAILED) {
        snprintf(err, errcap, "%s: mmap: %s", path, strerror(errno));
        close(b->fd);
        b->fd = -1;
        b->map = NULL;
        return false;
    }
    b->size = FILE_LEN;
    memcpy(b->map, HEADER, HEADER_LEN);
    char slot[SLOT_LEN + 1];
    format_slot(slot, 'A', 1, a);
    memcpy(b->map + HEADER_LEN, slot, SLOT_LEN);
    format_slot(slot, 'B', 0, a);
    memcpy(b->map + HEADER_LEN + SLOT_LEN, slot, SLOT_LEN);
    b->seq = 1;
    if (msync(b->map, FILE_LEN, MS_SYNC) != 0 || fsync(b->fd) != 0) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return false;
    }
    return true;
}

void rtc_backup_update(struct rtc_backup *b, struct rtc_anchor a)
{
    if (b->map == NULL)
        return;
    /* the older slot gets the new time; the newer one stays whole until this one is */
    b->seq++;
    char name = (b->seq & 1u) ? 'A' : 'B';
    char slot[SLOT_LEN + 1];
    format_slot(slot, name, b->seq, a);
    memcpy(b->map + HEADER_LEN + (name == 'A' ? 0u : SLOT_LEN), slot, SLOT_LEN);
}

bool rtc_backup_close(struct rtc_backup *b, char *err, size_t errcap)
{
    bool ok = true;
    if (b->map != NULL) {
        if (msync(b->map, b->size, MS_SYNC) != 0) {
            snprintf(err, errcap, "rtc backup: msync: %s", strerror(errno));
            ok = false;
        }
        munmap(b->map, b->size);
        b->map = NULL;
    }
    if (b->fd >= 0) {
        if (fsync(b->fd) != 0 && ok) {
            snprintf(err, errcap, "rtc backup: fsync: %s", strerror(errno));
            ok = false;
        }
        close(b->fd);
        b->fd = -1;
    }
    return ok;
}
