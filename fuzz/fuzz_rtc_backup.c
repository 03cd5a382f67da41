/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for meterd's RTC backup file (port/posix/rtc_backup.c rtc_backup_parse), the
 * file a stopped or killed meterd leaves and the next start trusts for its clock. The input is
 * the file's bytes, an exact-size heap copy (ASan sees any read past it). Invariants:
 *   - the result is 1 or -1, the same with a 12-byte error buffer;
 *   - -1 leaves a NUL-terminated, non-empty message inside the buffer, also when truncated;
 *   - 1 gives an RTC of 2000..9999 (RTC_BACKUP_MIN_MS..MAX_MS: an RTC of 1970 is a lost one, not
 *     a backup) and, for the two-slot form, a wall-clock anchor <= RTC_BACKUP_MAX_MS;
 *   - the parse is a function of the bytes: the same input parses to the same anchor twice;
 *   - the RTC it gives never runs backwards: rtc_backup_now(a, w) >= a.rtc for any wall clock w
 *     (the input's last 8 bytes), and never after RTC_BACKUP_MAX_MS;
 *   - a file with both slots' CRCs fixed up (a copy) still parses to one of its two slots.
 * Seeds: a file of each form, written to $MFW_FUZZ_SEED_DIR when it is set (and parsed once as
 * a check). */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/crc.h"
#include "rtc_backup.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ERR_CAP 256
#define ERR_SHORT 12
#define HEADER "meterd RTC backup 2\n"
#define HEADER_LEN (sizeof HEADER - 1u)
#define SLOT_LEN 91u
#define CRC_AT 82u
#define FILE_LEN (HEADER_LEN + 2u * SLOT_LEN)

static void check_err(const char *err, size_t cap)
{
    if (memchr(err, '\0', cap) == NULL || err[0] == '\0')
        abort();
}

static int parse(const char *text, size_t len, struct rtc_anchor *a)
{
    char err[ERR_CAP], short_err[ERR_SHORT];
    memset(err, 'x', sizeof err);
    memset(short_err, 'x', sizeof short_err);
    struct rtc_anchor b = {0, 0};
    int r = rtc_backup_parse(text, len, 1767225600000LL, a, err, sizeof err);
    int r2 = rtc_backup_parse(text, len, 1767225600000LL, &b, short_err, sizeof short_err);
    if ((r != 1 && r != -1) || r2 != r)
        abort();
    if (r < 0) {
        check_err(err, sizeof err);
        check_err(short_err, sizeof short_err);
        return r;
    }
    if (a->rtc < RTC_BACKUP_MIN_MS || a->rtc > RTC_BACKUP_MAX_MS || b.rtc != a->rtc ||
        b.wall != a->wall)
        abort();
    if (len == FILE_LEN && memcmp(text, HEADER, HEADER_LEN) == 0 &&
        (a->wall < 0 || a->wall > RTC_BACKUP_MAX_MS))
        abort();
    return r;
}

/* The CRC field of the slot at s (8 lower-case hex digits) made right for its first CRC_AT bytes. */
static void fix_crc(char *s)
{
    char hex[9];
    snprintf(hex, sizeof hex, "%08" PRIx32, mfw_crc32((const uint8_t *)s, CRC_AT));
    memcpy(s + CRC_AT, hex, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = calloc(size ? size : 1, 1);
    if (text == NULL)
        return 0;
    if (size)
        memcpy(text, data, size);
    struct rtc_anchor a = {0, 0};
    if (parse(text, size, &a) == 1) {
        uint64_t w = 0;
        if (size >= 8)
            memcpy(&w, data + size - 8, 8);
        mfw_ms_t wall = (mfw_ms_t)(w >> 1); /* any non-negative 63-bit instant */
        mfw_ms_t now = rtc_backup_now(&a, wall);
        if (now < a.rtc || now > RTC_BACKUP_MAX_MS)
            abort();
    }
    if (size == FILE_LEN && memcmp(text, HEADER, HEADER_LEN) == 0) {
        fix_crc(text + HEADER_LEN);
        fix_crc(text + HEADER_LEN + SLOT_LEN);
        parse(text, size, &a);
    }
    free(text);
    return 0;
}

/* ---- seeds */

static const char *const seeds[] = {
    HEADER "A seq=00000000000000000042 rtc=00000001767225600000 wall=00000001767225600000 crc=",
    "1767225600000 2026-01-01T00:00:00Z\n",
    "0 1970-01-01T00:00:00Z\n",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static char file[FILE_LEN + 1];
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        size_t len;
        if (k == 0) { /* the two-slot form: slot A made whole, slot B a copy named B, older */
            snprintf(file, sizeof file, "%s", seeds[0]);
            char *sa = file + HEADER_LEN, *sb = sa + SLOT_LEN;
            fix_crc(sa);
            sa[SLOT_LEN - 1] = '\n';
            memcpy(sb, sa, SLOT_LEN);
            sb[0] = 'B';
            sb[6 + 19] = '1';
            fix_crc(sb);
            len = FILE_LEN;
        } else {
            len = strlen(seeds[k]);
            memcpy(file, seeds[k], len);
        }
        /* once: the seeds mean what they say (the last one, an RTC of 1970, is refused) */
        struct rtc_anchor a;
        char err[ERR_CAP];
        int want = k == 2 ? -1 : 1;
        if (rtc_backup_parse(file, len, 1767225600000LL, &a, err, sizeof err) != want ||
            (want == 1 && a.rtc != 1767225600000LL))
            abort();
        char name[32];
        snprintf(name, sizeof name, "rtc-%zu", k);
        fuzz_seed_write("fuzz_rtc_backup", name, file, len);
    }
    return 0;
}
