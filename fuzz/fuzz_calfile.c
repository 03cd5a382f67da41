/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for meterctl's calendar files (tools/meterctl/calfile.c, docs/meterctl.md
 * "Calendar files"): the input is read as a file (fmemopen) by calfile_parse_stream, the body of
 * calfile_parse, then again with every comment cut off by the harness ('#' to the end of its
 * line, a blank in its place). Invariants:
 *   - the result is 0 or -1; a refusal names its line ("N: reason", NUL-terminated) and holds
 *     no buffer;
 *   - an accepted file gives what the calendar upload writes, checked through the core's
 *     decoder: attributes 9, 8, 7 (and 6, 10 when named) each one whole A-XDR value read to its
 *     last byte (mfw_axdr_skip at MFW_AXDR_DEPTH_DEFAULT); day ids unique, each day 1..32 actions
 *     {time octet-string(4) of increasing valid times, script octet-string(6), long-unsigned};
 *     weeks {name of 1..32 bytes, 7 day ids that are defined}; seasons {name, a 12-byte
 *     date-time, a week name that is defined}; the counts as the struct says;
 *   - the numbers of day and week lines are plain decimal digits (no sign, no wrap-around);
 *   - a comment has no effect: the file without its comments parses to the same buffers, or to
 *     the same error on the same line.
 * Seeds: the calendar of docs/meterctl.md and variants (seconds, another script, wildcard
 * seasons, a long comment line), written to $MFW_FUZZ_SEED_DIR when it is set (and parsed once
 * as a check). */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calfile.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ERR_CAP 256
#define NAMES_MAX 64

static int parse_bytes(const uint8_t *b, size_t n, struct calfile *cf, char *err)
{
    uint8_t *copy = malloc(n ? n : 1); /* exact size: ASan sees a read past the file */
    if (copy == NULL)
        abort();
    if (n > 0)
        memcpy(copy, b, n);
    FILE *f = fmemopen(copy, n, "r");
    if (f == NULL)
        abort();
    memset(err, 0x55, ERR_CAP);
    int r = calfile_parse_stream(f, cf, err, ERR_CAP);
    fclose(f);
    free(copy);
    if (r == -1) {
        const char *nul = memchr(err, '\0', ERR_CAP);
        const char *p = err;
        while (isdigit((unsigned char)*p))
            p++;
        if (nul == NULL || p == err || p[0] != ':' || p[1] != ' ' || nul == p + 2)
            abort(); /* "LINE: reason" */
        for (int k = 0; k < CALFILE_N; k++)
            if (cf->buf[k] != NULL)
                abort(); /* nothing to free after a refusal */
    } else if (r != 0) {
        abort();
    }
    return r;
}

/* ---- the encodings, read back with the core's decoder */

static void whole(const struct calfile *cf, int k)
{
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, cf->buf[k], cf->len[k]);
    if (cf->buf[k] == NULL || mfw_axdr_skip(&rc, MFW_AXDR_DEPTH_DEFAULT) != MFW_OK ||
        mfw_rcursor_left(&rc) != 0)
        abort();
}

struct name {
    size_t len;
    uint8_t b[33];
};

static void get_name(struct mfw_rcursor *rc, struct name *n)
{
    if (mfw_axdr_get_octets(rc, 32, n->b, &n->len) != MFW_OK || n->len == 0)
        abort();
}

static void check_accepted(const struct calfile *cf)
{
    static const int8_t attrs[CALFILE_N] = {9, 8, 7, 6, 10};
    for (int k = 0; k < CALFILE_N; k++) {
        if (k <= CALFILE_SEASONS || cf->buf[k] != NULL) {
            whole(cf, k);
            if (cf->attr[k] != attrs[k])
                abort();
        }
    }
    if (cf->n_days < 1 || cf->n_days > NAMES_MAX || cf->n_weeks < 1 || cf->n_weeks > NAMES_MAX ||
        cf->n_seasons < 1 || cf->n_seasons > NAMES_MAX)
        abort();
    struct mfw_rcursor rc;
    uint32_t count, n;
    /* days: {day_id, [{start_time, script, selector}...]} */
    bool day_defined[256] = {false};
    mfw_rcursor_init(&rc, cf->buf[CALFILE_DAYS], cf->len[CALFILE_DAYS]);
    if (mfw_axdr_get_array(&rc, &count) != MFW_OK || count != cf->n_days)
        abort();
    for (uint32_t i = 0; i < count; i++) {
        uint8_t id, t[4], script[6];
        size_t len;
        uint16_t sel;
        if (mfw_axdr_get_structure(&rc, &n) != MFW_OK || n != 2 ||
            mfw_axdr_get_u8(&rc, &id) != MFW_OK || day_defined[id] ||
            mfw_axdr_get_array(&rc, &n) != MFW_OK || n < 1 || n > 32)
            abort();
        day_defined[id] = true;
        long prev = -1;
        for (uint32_t a = 0; a < n; a++) {
            uint32_t three;
            if (mfw_axdr_get_structure(&rc, &three) != MFW_OK || three != 3 ||
                mfw_axdr_get_octets(&rc, 4, t, &len) != MFW_OK || len != 4 ||
                mfw_axdr_get_octets(&rc, 6, script, &len) != MFW_OK || len != 6 ||
                mfw_axdr_get_u16(&rc, &sel) != MFW_OK)
                abort();
            long at = t[0] * 3600L + t[1] * 60L + t[2];
            if (t[0] > 23 || t[1] > 59 || t[2] > 59 || t[3] != 0 || at <= prev)
                abort(); /* valid start times that increase */
            prev = at;
        }
    }
    /* weeks: {name, monday .. sunday} */
    static struct name weeks[NAMES_MAX];
    mfw_rcursor_init(&rc, cf->buf[CALFILE_WEEKS], cf->len[CALFILE_WEEKS]);
    if (mfw_axdr_get_array(&rc, &count) != MFW_OK || count != cf->n_weeks)
        abort();
    for (uint32_t i = 0; i < count; i++) {
        if (mfw_axdr_get_structure(&rc, &n) != MFW_OK || n != 8)
            abort();
        get_name(&rc, &weeks[i]);
        for (int d = 0; d < 7; d++) {
            uint8_t id;
            if (mfw_axdr_get_u8(&rc, &id) != MFW_OK || !day_defined[id])
                abort();
        }
    }
    /* seasons: {name, season_start, week_name} */
    mfw_rcursor_init(&rc, cf->buf[CALFILE_SEASONS], cf->len[CALFILE_SEASONS]);
    if (mfw_axdr_get_array(&rc, &count) != MFW_OK || count != cf->n_seasons)
        abort();
    for (uint32_t i = 0; i < count; i++) {
        struct name s, w;
        struct mfw_cosem_datetime dt;
        if (mfw_axdr_get_structure(&rc, &n) != MFW_OK || n != 3)
            abort();
        get_name(&rc, &s);
        if (mfw_axdr_get_datetime(&rc, &dt) != MFW_OK)
            abort();
        get_name(&rc, &w);
        bool found = false;
        for (uint32_t k = 0; k < cf->n_weeks; k++)
            found = found || (weeks[k].len == w.len && memcmp(weeks[k].b, w.b, w.len) == 0);
        if (!found)
            abort();
    }
    if (cf->buf[CALFILE_NAME] != NULL) {
        struct name nm;
        mfw_rcursor_init(&rc, cf->buf[CALFILE_NAME], cf->len[CALFILE_NAME]);
        get_name(&rc, &nm);
    }
    if (cf->buf[CALFILE_ACTIVATE] != NULL) {
        struct mfw_cosem_datetime dt;
        mfw_rcursor_init(&rc, cf->buf[CALFILE_ACTIVATE], cf->len[CALFILE_ACTIVATE]);
        if (mfw_axdr_get_datetime(&rc, &dt) != MFW_OK)
            abort();
    }
}

/* In an accepted file, the numbers of `day` and `week` lines are digits, ':' and '=' only. */
static void check_numbers(const uint8_t *b, size_t n)
{
    for (size_t at = 0; at < n;) {
        size_t end = at;
        while (end < n && b[end] != '\n')
            end++;
        /* the line up to a NUL or '#' (what the parser sees), as tokens */
        char line[8192];
        size_t len = 0;
        for (size_t k = at; k < end && b[k] != '\0' && b[k] != '#' && len + 1 < sizeof line; k++)
            line[len++] = (char)b[k];
        line[len] = '\0';
        char *save = NULL, *kw = strtok_r(line, " \t\r\n", &save);
        bool day = kw && strcmp(kw, "day") == 0, week = kw && strcmp(kw, "week") == 0;
        char *t;
        for (unsigned i = 0; (day || week) && (t = strtok_r(NULL, " \t\r\n", &save)); i++) {
            if (week && i == 0)
                continue; /* the week's name */
            for (const char *p = t; *p; p++)
                if (!isdigit((unsigned char)*p) && !(day && i > 0 && (*p == ':' || *p == '=')))
                    abort();
        }
        at = end + 1;
    }
}

static void same(const struct calfile *a, const struct calfile *b)
{
    if (a->n_days != b->n_days || a->n_weeks != b->n_weeks || a->n_seasons != b->n_seasons)
        abort();
    for (int k = 0; k < CALFILE_N; k++)
        if ((a->buf[k] == NULL) != (b->buf[k] == NULL) || a->len[k] != b->len[k] ||
            a->attr[k] != b->attr[k] ||
            (a->buf[k] != NULL && memcmp(a->buf[k], b->buf[k], a->len[k]) != 0))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct calfile cf, plain_cf;
    char err[ERR_CAP], plain_err[ERR_CAP];
    int r = parse_bytes(data, size, &cf, err);
    if (r == 0) {
        check_accepted(&cf);
        check_numbers(data, size);
    }
    /* the same file with each comment cut off (a blank in its place: a last line that is only
     * a comment stays a line) */
    uint8_t *plain = malloc(size ? size : 1);
    if (plain == NULL)
        abort();
    size_t n = 0;
    bool comment = false, any = false;
    for (size_t k = 0; k < size; k++) {
        if (data[k] == '\n')
            comment = false;
        else if (data[k] == '#' && !comment) {
            comment = any = true;
            plain[n++] = ' ';
        }
        if (!comment)
            plain[n++] = data[k];
    }
    if (any) {
        if (parse_bytes(plain, n, &plain_cf, plain_err) != r)
            abort();
        if (r == 0)
            same(&cf, &plain_cf);
        else if (strcmp(err, plain_err) != 0)
            abort(); /* the same reason, on the same line */
        calfile_free(&plain_cf);
    }
    free(plain);
    calfile_free(&cf);
    return 0;
}

/* ---- seeds */

static const char *const seeds[] = {
    "# TOU 2027: two tariffs on working days, one at weekends; '#' starts a comment\n"
    "name     TOU2027                      # calendar_name_passive: one word, up to 32 bytes\n"
    "script   0.0.10.0.100.255             # script of the day actions that follow\n"
    "day      1 00:00=1 07:00=2 21:00=1    # day_id, then start_time=script_selector\n"
    "day      2 00:00=1\n"
    "week     normal 1 1 1 1 1 2 2         # week name, day_id for Monday .. Sunday\n"
    "season   winter *-01-01T00:00 normal  # season name, season_start, week name\n"
    "season   summer *-04-01T00:00 normal\n"
    "activate 2027-01-01T00:00:00Z         # activate_passive_calendar_time\n",
    "day 1 00:00=1 07:00=2\nday 2 00:00=1\nweek w 1 1 1 1 1 2 2\nseason s *-01-01T00:00 w\n",
    "script 0-0:10.0.100*255\nday 0 00:00:00=65535 12:30:59=0\nday 255 23:59:59=7\n"
    "week a 0 0 0 0 0 255 255\nweek b 255 255 255 255 255 255 255\n"
    "season x 2026-03-*T00:00 a\nseason y *-10-254T02:00:00+01:00 b\nname N\r\n"
    "activate 2026-12-31T23:59:59.99-05:30\n",
    "\tday\t3 06:00=2\r\nweek\tw 3 3 3 3 3 3 3 # all\nseason s *-*-*T*:* w\n",
    NULL, /* a long comment line: made below */
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static char long_comment[2048];
    int w = snprintf(long_comment, sizeof long_comment, "day 1 00:00=1\n# ");
    for (; w < 1100; w++)
        long_comment[w] = (char)('a' + w % 26);
    snprintf(long_comment + w, sizeof long_comment - (size_t)w,
             " name X\nweek w 1 1 1 1 1 1 1\nseason s *-01-01T00:00 w\n");
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        const char *s = seeds[k] ? seeds[k] : long_comment;
        /* once: every seed is a calendar */
        struct calfile cf;
        char err[ERR_CAP];
        if (parse_bytes((const uint8_t *)s, strlen(s), &cf, err) != 0)
            abort();
        check_accepted(&cf);
        calfile_free(&cf);
        char name[32];
        snprintf(name, sizeof name, "calendar-%zu.cal", k);
        fuzz_seed_write("fuzz_calfile", name, s, strlen(s));
    }
    return 0;
}
