/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of meterctl's host parts: the value notation (notation.c) both ways, ISO date-times,
 * OBIS codes and calendar files (calfile.c). Registered as the ctest test_meterctl by
 * tools/meterctl/CMakeLists.txt; plain C with a check macro (the cmocka lookup lives in tests/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calfile.h"
#include "meterfw/base/error.h"
#include "notation.h"

static int failures;
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02X", p[i]);
    out[2 * n] = '\0';
}

/* text -> bytes (hex) -> typed text again */
static void roundtrip(const char *text, const char *want_hex, const char *want_typed)
{
    uint8_t buf[512];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    char err[256] = "";
    int r = notation_parse(text, &w, err, sizeof(err));
    if (r != MFW_OK) {
        fprintf(stderr, "parse '%s': %s\n", text, err);
        failures++;
        return;
    }
    char h[1100];
    hex(buf, w.len, h);
    if (strcmp(h, want_hex) != 0) {
        fprintf(stderr, "'%s' encodes as %s, want %s\n", text, h, want_hex);
        failures++;
    }
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, buf, w.len);
    struct strbuf sb = {NULL, 0, 0};
    CHECK(notation_format(&sb, &rc, true) == MFW_OK);
    if (!sb.p || strcmp(sb.p, want_typed) != 0) {
        fprintf(stderr, "'%s' prints typed as '%s', want '%s'\n", text, sb.p ? sb.p : "",
                want_typed);
        failures++;
    }
    CHECK(mfw_rcursor_left(&rc) == 0);
    sb_free(&sb);
}

static void readable(const char *hexin, const char *want)
{
    uint8_t buf[512];
    size_t n = strlen(hexin) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hexin + 2 * i, "%2x", &v);
        buf[i] = (uint8_t)v;
    }
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, buf, n);
    struct strbuf sb = {NULL, 0, 0};
    CHECK(notation_format(&sb, &rc, false) == MFW_OK);
    if (!sb.p || strcmp(sb.p, want) != 0) {
        fprintf(stderr, "%s reads as '%s', want '%s'\n", hexin, sb.p ? sb.p : "", want);
        failures++;
    }
    sb_free(&sb);
}

static void refused(const char *text)
{
    uint8_t buf[64];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    char err[256] = "";
    if (notation_parse(text, &w, err, sizeof(err)) != MFW_E_FORMAT || err[0] == '\0') {
        fprintf(stderr, "'%s' was not refused with a reason\n", text);
        failures++;
    }
}

static void test_notation(void)
{
    roundtrip("u32:123", "060000007B", "u32:123");
    roundtrip("i8:-5", "0FFB", "i8:-5");
    roundtrip("i16:-32768", "108000", "i16:-32768");
    roundtrip("u16:0x1234", "121234", "u16:4660");
    roundtrip("u64:18446744073709551615", "15FFFFFFFFFFFFFFFF", "u64:18446744073709551615");
    roundtrip("i64:-1", "14FFFFFFFFFFFFFFFF", "i64:-1");
    roundtrip("enum:30", "161E", "enum:30");
    roundtrip("bcd:9", "0D09", "bcd:9");
    roundtrip("true", "0301", "true");
    roundtrip("null", "00", "null");
    roundtrip("f32:1.5", "173FC00000", "f32:1.5");
    roundtrip("octets:0102ab", "09030102AB", "octets:0102AB");
    roundtrip("octets:", "0900", "octets:");
    roundtrip("obis:1.0.1.8.0.255", "09060100010800FF", "octets:0100010800FF");
    roundtrip("\"a\\\"b\"", "0A03612262", "\"a\\\"b\"");
    roundtrip("utf8:\"x\"", "0C0178", "utf8:\"x\"");
    roundtrip("bits:101", "0403A0", "bits:101");
    /* 2026-01-01 is a Thursday (4); Z = deviation 0, status 0 */
    roundtrip("datetime:2026-01-01T00:00:00Z", "090C07EA01010400000000000000",
              "datetime:2026-01-01T00:00:00Z");
    /* +01:00 = deviation -60 (FFC4) */
    roundtrip("datetime:2026-07-01T12:30:15.25+01:00", "090C07EA0701030C1E0F19FFC400",
              "datetime:2026-07-01T12:30:15.25+01:00");
    /* no zone: deviation and status not specified; a wildcard year: no day of week */
    roundtrip("datetime:*-04-01T00:00", "090CFFFF0401FF000000008000FF",
              "datetime:*-04-01T00:00:00");
    roundtrip("tagged-datetime:2026-01-01T00:00:00Z", "1907EA01010400000000000000",
              "tagged-datetime:2026-01-01T00:00:00Z");
    roundtrip("date:2026-01-02", "090507EA010205", "octets:07EA010205");
    roundtrip("time:06:00", "090406000000", "octets:06000000");
    roundtrip("tagged-time:06:00", "1B06000000", "tagged-time:06:00:00");
    roundtrip("tagged-date:2026-01-02", "1A07EA010205", "tagged-date:2026-01-02");
    roundtrip("struct(u8:1, \"x\", array(u16:1, u16:2))", "020311010A01780102120001120002",
              "struct(u8:1, \"x\", array(u16:1, u16:2))");
    roundtrip("{u8:1, [true, false]}", "02021101010203010300", "struct(u8:1, array(true, false))");
    roundtrip("array()", "0100", "array()");

    refused("900");
    refused("u8:256");
    refused("u8:-1");
    refused("i8:128");
    refused("octets:123");
    refused("octets:zz");
    refused("datetime:2026-02-30T00:00:00Z");
    refused("datetime:2026-01-01T24:00:00Z");
    refused("struct(u8:1");
    refused("u8:1 u8:2");
    refused("frob:1");
    refused("\"unterminated");
    /* found by fuzz/fuzz_meterctl_notation.c: strtoull took " -1" for 2^64-1 */
    refused("u64: -1");
    refused("u64:\t-5");
    refused("u8: -1");
    /* eight containers deep is what the meter's decoder reads (MFW_AXDR_DEPTH_DEFAULT); a ninth,
     * even an empty one, is refused here rather than by the meter */
    roundtrip("[[[[[[[[u8:1]]]]]]]]", "010101010101010101010101010101011101",
              "array(array(array(array(array(array(array(array(u8:1))))))))");
    refused("[[[[[[[[[]]]]]]]]]");
    refused("array(array(array(array(array(array(array(array(struct())))))))))");
    /* typed output writes back unchanged: float64 with the digits it needs, a NaN, the
     * hundredths of a time and a wildcard hundredths */
    roundtrip("f64:0.1", "183FB999999999999A", "f64:0.1");
    roundtrip("f64:0.12345678901234566", "183FBF9ADD3746F65E", "f64:0.12345678901234566");
    roundtrip("f32:0.1", "173DCCCCCD", "f32:0.1");
    roundtrip("f64:-nan", "18FFF8000000000000", "f64:-nan");
    roundtrip("tagged-time:06:00:00.50", "1B06000032", "tagged-time:06:00:00.50");
    roundtrip("tagged-datetime:2026-01-01T00:00:00.*Z", "1907EA010104000000FF000000",
              "tagged-datetime:2026-01-01T00:00:00.*Z");

    readable("060000007B", "123");
    readable("0FFB", "-5");
    readable("0A03616263", "\"abc\"");
    readable("0906000001"
             "0000FF",
             "0000010000FF");
    readable("090C07EA0B1903101A1E00000000", "2026-11-25T16:26:30Z");
    readable("090C07EA0B1903121A1E00FF8880", "2026-11-25T18:26:30+02:00");
    readable("020211010A0178", "{1, \"x\"}");
    readable("0102120001120002", "[1, 2]");
    /* the DST begin of meterd's clock: readable ISO, typed stays hex (day of week 7) */
    readable("090CFFFF03FE07020000008000FF", "*-03-254T02:00:00");
    roundtrip("octets:FFFF03FE07020000008000FF", "090CFFFF03FE07020000008000FF",
              "octets:FFFF03FE07020000008000FF");
}

static void test_obis_iso(void)
{
    uint8_t ln[6];
    struct mfw_cosem_datetime dt0;
    CHECK(obis_parse("1.0.1.8.0.255", ln) == 0 && ln[2] == 1 && ln[3] == 8 && ln[5] == 255);
    CHECK(obis_parse("1-0:1.8.0*255", ln) == 0 && ln[0] == 1 && ln[4] == 0);
    CHECK(obis_parse("1.0.1.8.0", ln) == -1);
    CHECK(obis_parse("1.0.1.8.0.256", ln) == -1);
    CHECK(obis_parse("1.0.1.8.0.255x", ln) == -1);
    /* found by fuzz/fuzz_meterctl_notation.c: sscanf took blanks, signs and wrapped numbers */
    CHECK(obis_parse("1.0.4294967297.8.0.255", ln) == -1);
    CHECK(obis_parse("0-0:\n96.1.0*255", ln) == -1);
    CHECK(obis_parse(" 1.0.1.8.0.255", ln) == -1);
    CHECK(obis_parse("1.0.1.8.0.+255", ln) == -1);
    CHECK(obis_parse("1.0.1-8.0.255", ln) == -1);
    CHECK(obis_parse("001.0.1.8.0.255", ln) == 0 && ln[0] == 1 && ln[5] == 255);
    /* a wildcard hundredths is printed as such, and reads back */
    struct strbuf sb = {NULL, 0, 0};
    CHECK(iso_parse("*-*-*T*:*:*.*", &dt0) == 0);
    iso_format(&sb, &dt0);
    CHECK(sb.p != NULL && strcmp(sb.p, "*-*-*T*:*:*.*") == 0);
    sb_free(&sb);
    struct mfw_cosem_datetime dt;
    CHECK(iso_parse("2026-03-29T01:00:00Z", &dt) == 0 && dt.day_of_week == 7 && dt.deviation == 0);
    CHECK(iso_parse("2026-03-29T03:00:00-05:30", &dt) == 0 && dt.deviation == 330);
    CHECK(iso_parse("2026-03-29", &dt) == 0 && dt.hour == 0);
    CHECK(iso_parse("2026-13-01T00:00:00Z", &dt) == -1);
    CHECK(iso_parse("2026-03-29T00:00:00+15:00", &dt) == -1);
    CHECK(iso_parse("2026-03-29T00:00:00Q", &dt) == -1);
    CHECK(iso_parse("", &dt) == -1);
}

static const char *write_tmp(const char *text)
{
    static char path[64];
    /* in the working directory (ctest: the build tree) */
    snprintf(path, sizeof(path), "test_meterctl.%ld.cal", (long)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_calfile(void)
{
    const char *p = write_tmp("# test\n"
                              "name T1\n"
                              "day 1 00:00=1 07:00=2\n"
                              "day 2 00:00=1\n"
                              "week w 1 1 1 1 1 2 2\n"
                              "season s *-01-01T00:00 w\n"
                              "activate 2027-01-01T00:00:00Z\n");
    CHECK(p != NULL);
    struct calfile cf;
    char err[256] = "";
    CHECK(calfile_parse(p, &cf, err, sizeof(err)) == 0);
    char h[1024];
    hex(cf.buf[CALFILE_DAYS], cf.len[CALFILE_DAYS], h);
    CHECK(cf.attr[CALFILE_DAYS] == 9);
    CHECK(strcmp(h, "0102020211010102020309040000000009060000"
                    "0A0064FF1200010203090407000000090600000A0064FF120002"
                    "020211020101020309040000000009060000"
                    "0A0064FF120001") == 0);
    hex(cf.buf[CALFILE_WEEKS], cf.len[CALFILE_WEEKS], h);
    CHECK(cf.attr[CALFILE_WEEKS] == 8);
    CHECK(strcmp(h, "010102080901771101110111011101110111021102") == 0);
    hex(cf.buf[CALFILE_SEASONS], cf.len[CALFILE_SEASONS], h);
    CHECK(strcmp(h, "01010203090173090CFFFF0101FF000000008000FF090177") == 0);
    hex(cf.buf[CALFILE_NAME], cf.len[CALFILE_NAME], h);
    CHECK(strcmp(h, "09025431") == 0);
    hex(cf.buf[CALFILE_ACTIVATE], cf.len[CALFILE_ACTIVATE], h);
    CHECK(strcmp(h, "090C07EB01010500000000000000") == 0);
    calfile_free(&cf);

    /* errors name the line */
    p = write_tmp("day 1 07:00=1 06:00=2\n");
    CHECK(calfile_parse(p, &cf, err, sizeof(err)) == -1 && strncmp(err, "1: ", 3) == 0);
    p = write_tmp("day 1 00:00=1\nweek w 1 1 1 1 1 1 3\nseason s *-01-01T00:00 w\n");
    CHECK(calfile_parse(p, &cf, err, sizeof(err)) == -1 && strstr(err, "day 3") != NULL);
    p = write_tmp("day 1 00:00=1\nweek w 1 1 1 1 1 1 1\nseason s *-01-01T00:00 x\n");
    CHECK(calfile_parse(p, &cf, err, sizeof(err)) == -1 && strstr(err, "week x") != NULL);
    p = write_tmp("day 1 00:00=1\nfrob\n");
    CHECK(calfile_parse(p, &cf, err, sizeof(err)) == -1 && strncmp(err, "2: unknown", 10) == 0);
    p = write_tmp("day 1 25:00=1\n");
    CHECK(calfile_parse(p, &cf, err, sizeof(err)) == -1);

    /* found by fuzz/fuzz_calfile.c: a comment line longer than the line buffer went on as a
     * line of its own, here a name */
    static char text[2048];
    int n = snprintf(text, sizeof(text),
                     "day 1 00:00:30=1\nweek w 1 1 1 1 1 1 1\n"
                     "season s *-01-01T00:00 w\n#");
    memset(text + n, 'x', 1022);
    snprintf(text + n + 1022, sizeof(text) - (size_t)n - 1022, "name EVIL\n");
    p = write_tmp(text);
    CHECK(calfile_parse(p, &cf, err, sizeof(err)) == 0 && cf.buf[CALFILE_NAME] == NULL);
    calfile_free(&cf);
    /* numbers are decimal digits: no sign, no wrap-around of sscanf %u / strtoul */
    static const char *const bad_numbers[] = {
        "day 1 -4294967295:00=1\n", "day 1 4294967296:00=1\n", "day 1 00:00=-4294967295\n",
        "day 1 00:00=65536\n",      "day +1 00:00=1\n",        "day 1 00: 00=1\n",
        "day 1 00:00:=1\n",         "day 1 00:00=\n",
    };
    for (size_t k = 0; k < sizeof(bad_numbers) / sizeof(bad_numbers[0]); k++) {
        snprintf(text, sizeof(text), "%sweek w 1 1 1 1 1 1 1\nseason s *-01-01T00:00 w\n",
                 bad_numbers[k]);
        p = write_tmp(text);
        CHECK(calfile_parse(p, &cf, err, sizeof(err)) == -1 && strncmp(err, "1: ", 3) == 0);
    }
    p = write_tmp("day 1 00:00=1\nweek w 1 1 1 1 1 1 +1\nseason s *-01-01T00:00 w\n");
    CHECK(calfile_parse(p, &cf, err, sizeof(err)) == -1 && strncmp(err, "2: ", 3) == 0);
    remove(p);
    CHECK(calfile_parse("/nonexistent/cal", &cf, err, sizeof(err)) == -1);
}

int main(void)
{
    test_notation();
    test_obis_iso();
    test_calfile();
    if (failures) {
        fprintf(stderr, "test_meterctl: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_meterctl: all checks passed\n");
    return 0;
}
