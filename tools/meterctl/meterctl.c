/* SPDX-License-Identifier: Apache-2.0 */
/* meterctl: a DLMS/COSEM client command line on the meter's own dlms/ code (docs/meterctl.md).
 *
 *   meterctl [-h HOST] [-p PORT] [-c CLIENT_SAP] [-P PASSWORD | -K KEYFILE] [-a MECH] [-I IC]
 *            [-e PROTECTION] [-t SECONDS] [-T] [-v] COMMAND
 *     get OBIS ATTR                    print the value (readable; -T typed notation)
 *     set OBIS ATTR VALUE              VALUE in the typed notation, e.g. u32:123
 *     action OBIS METHOD [VALUE]
 *     list                             the association's object list
 *     profile OBIS --from ISO --to ISO rows by range (clock as restricting object), as CSV
 *     time sync                        set the clock to the host's UTC now
 *     calendar upload FILE             write the passive calendar of 0.0.13.0.0.255
 *     key transfer KEY HEX             a new global key (guek, gbek, ak, kek) for the meter,
 *                                      wrapped under the master key (RFC 3394)
 *
 * Security (docs/meterctl.md): -K (or METERCTL_KEYS) gives the keys; the management client then
 * associates with HLS-GMAC and every APDU is ciphered (suite 0, the same src/dlms/security.c as
 * the meter), its invocation counter read first from 0.0.43.1.0.255 as the public client unless
 * -I gives it.
 * TCP with the IEC 62056-47 wrapper: client wPort = the client SAP, server wPort 1; or HDLC
 * (IEC 62056-46) with -i hdlc over TCP, or -S DEVICE on a serial line or pseudo-terminal (-E: IEC
 * 62056-21 mode E first), server address -s LOGICAL [-l PHYSICAL]. Class ids
 * come from the meter's object list, read once per run (as the Gurux client does). Exit status:
 * 0 success, 1 the meter refused (the DLMS result is named), 2 usage, 3 connection or protocol. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calfile.h"
#include "crypto_posix.h"
#include "keyfile.h"
#include "meterfw/base/ct.h"
#include "meterfw/base/error.h"
#include "notation.h"
#include "session.h"

enum { EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_LINK = 3 };

struct opts {
    const char *host;
    uint16_t port;
    int client_sap; /* -1: default */
    const char *password;
    const char *keys_file;
    int mech;     /* -1: from -P / -K; else enum mfw_acse_mech */
    long long ic; /* -1: read 0.0.43.1.0.255 first */
    uint8_t sc;   /* the protection of each request */
    int timeout_s;
    bool typed, verbose;
    bool hdlc;                /* -i hdlc, -S */
    struct session_hdlc link; /* -S -E -b -s -l -A -w -f */
};

static char ctx[512]; /* "get 1.0.1.8.0.255 2": the command, for error messages */

static int usage(FILE *f, int code)
{
    fputs(
        "usage: meterctl [-h HOST] [-p PORT] [-c CLIENT_SAP] [-P PASSWORD | -K KEYFILE] [-a "
        "MECH]\n"
        "                [-I IC] [-e authenc|auth|enc] [-t SECONDS] [-T] [-v] COMMAND\n"
        "  get OBIS ATTR                     read an attribute (-T: typed notation)\n"
        "  set OBIS ATTR VALUE               write it, VALUE e.g. u32:123, octets:0102,\n"
        "                                    datetime:2026-01-01T00:00:00Z, struct(u8:1, \"x\")\n"
        "  action OBIS METHOD [VALUE]        invoke a method\n"
        "  list                              the object list: class, version, OBIS, access\n"
        "  profile OBIS --from ISO --to ISO  profile rows by range, as CSV\n"
        "  time sync                         set the meter clock to the host's UTC now\n"
        "  calendar upload FILE              write the passive activity calendar\n"
        "  key transfer KEY HEX              a new guek, gbek, ak or kek, wrapped under kek\n"
        "-a none|lls|gmac: the mechanism (lls with -P, gmac with -K or METERCTL_KEYS); -K FILE:\n"
        "the keys (mode 0600); -I IC: the first invocation counter (default: the meter's\n"
        "0.0.43.1.0.255 + 1); -e: the protection of each APDU (default authenc)\n"
        "HDLC (IEC 62056-46): -i hdlc (TCP) or -S DEVICE (a serial line or pty; -E: IEC 62056-21\n"
        "  mode E first; -b BAUD, default 9600), server address -s LOGICAL (1) -l PHYSICAL,\n"
        "  -A 1|2|4 its size, proposing -w WINDOW (7) and -f INFO (1024) bytes\n"
        "defaults: -h 127.0.0.1 -p 4059 (4061 with -i hdlc) -c 16 (1 with -P or keys) -t 10;\n"
        "see docs/meterctl.md\n",
        f);
    return code;
}

static int errorf(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "meterctl: %s: ", ctx);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

/* The exit status for a session error, with the message. */
static int session_error(const struct session *s, int r)
{
    return errorf(r == MFW_E_STATE ? EXIT_REFUSED : EXIT_LINK, "%s", s->err);
}

static int parse_index(const char *s, int8_t *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < -128 || v > 127)
        return -1;
    *out = (int8_t)v;
    return 0;
}

/* Looks the OBIS code up in the object list for its class id. */
static int resolve(struct session *s, struct object_list *ol, const char *obis, int8_t index,
                   struct mfw_dlms_client_ref *ref)
{
    if (obis_parse(obis, ref->ln))
        return errorf(EXIT_USAGE, "'%s' is not an OBIS code (A.B.C.D.E.F)", obis);
    if (!ol->objs) {
        int r = session_object_list(s, ol);
        if (r != MFW_OK)
            return errorf(r == MFW_E_STATE ? EXIT_REFUSED : EXIT_LINK,
                          "reading the object list: %s", s->err);
    }
    const struct mfw_dlms_client_object *o = object_list_find(ol, ref->ln);
    if (!o)
        return errorf(EXIT_REFUSED, "%s is not in the association's object list", obis);
    ref->class_id = o->class_id;
    ref->index = index;
    return 0;
}

static int print_value(const uint8_t *p, size_t n, bool typed)
{
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, p, n);
    struct strbuf sb = {NULL, 0, 0};
    if (notation_format(&sb, &rc, typed) != MFW_OK) {
        sb_free(&sb);
        return errorf(EXIT_LINK, "the meter's value does not decode");
    }
    printf("%s\n", sb.p);
    sb_free(&sb);
    return 0;
}

static int cmd_get(struct session *s, struct object_list *ol, const struct opts *o, int argc,
                   char **argv)
{
    int8_t attr;
    if (argc != 2 || parse_index(argv[1], &attr))
        return errorf(EXIT_USAGE, "usage: get OBIS ATTR");
    struct mfw_dlms_client_ref ref;
    int e = resolve(s, ol, argv[0], attr, &ref);
    if (e)
        return e;
    uint8_t *v = NULL;
    size_t n = 0;
    int r = session_get(s, &ref, NULL, NULL, NULL, &v, &n);
    if (r != MFW_OK)
        return session_error(s, r);
    e = print_value(v, n, o->typed);
    free(v);
    return e;
}

static int encode_arg(const char *text, uint8_t **out, size_t *len)
{
    static uint8_t buf[65536];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, buf, sizeof(buf));
    char err[256];
    if (notation_parse(text, &w, err, sizeof(err)) != MFW_OK)
        return errorf(EXIT_USAGE, "%s", err);
    *out = buf;
    *len = w.len;
    return 0;
}

static int cmd_set(struct session *s, struct object_list *ol, int argc, char **argv)
{
    int8_t attr;
    if (argc != 3 || parse_index(argv[1], &attr))
        return errorf(EXIT_USAGE, "usage: set OBIS ATTR VALUE");
    uint8_t *val;
    size_t n;
    int e = encode_arg(argv[2], &val, &n);
    if (e)
        return e;
    struct mfw_dlms_client_ref ref;
    e = resolve(s, ol, argv[0], attr, &ref);
    if (e)
        return e;
    int r = session_set(s, &ref, val, n);
    return r == MFW_OK ? 0 : session_error(s, r);
}

static int cmd_action(struct session *s, struct object_list *ol, const struct opts *o, int argc,
                      char **argv)
{
    int8_t m;
    if ((argc != 2 && argc != 3) || parse_index(argv[1], &m))
        return errorf(EXIT_USAGE, "usage: action OBIS METHOD [VALUE]");
    uint8_t *val = NULL;
    size_t n = 0;
    if (argc == 3) {
        int e = encode_arg(argv[2], &val, &n);
        if (e)
            return e;
    }
    struct mfw_dlms_client_ref ref;
    int e = resolve(s, ol, argv[0], m, &ref);
    if (e)
        return e;
    uint8_t *ret = NULL;
    size_t rlen = 0;
    int r = session_action(s, &ref, val, n, &ret, &rlen);
    if (r != MFW_OK)
        return session_error(s, r);
    if (ret) {
        e = print_value(ret, rlen, o->typed);
        free(ret);
        return e;
    }
    printf("success\n");
    return 0;
}

static const char *attr_mode(uint8_t m)
{
    static const char *const names[] = {"-", "r", "w", "rw", "ar", "aw", "arw"};
    return m < 7 ? names[m] : "?";
}

static int cmd_list(struct session *s, struct object_list *ol, int argc)
{
    if (argc != 0)
        return errorf(EXIT_USAGE, "usage: list");
    int r = session_object_list(s, ol);
    if (r != MFW_OK)
        return session_error(s, r);
    printf("%-5s %-3s %-18s %s | %s\n", "class", "ver", "obis", "attributes", "methods");
    for (size_t i = 0; i < ol->n; i++) {
        const struct mfw_dlms_client_object *ob = &ol->objs[i];
        struct strbuf sb = {NULL, 0, 0};
        obis_format(&sb, ob->ln);
        printf("%-5u %-3u %-18s", ob->class_id, ob->version, sb.p);
        sb_free(&sb);
        for (unsigned k = 0; k < ob->n_attrs; k++)
            printf(" %d:%s%s", ob->attrs[k].id, attr_mode(ob->attrs[k].access),
                   ob->attrs[k].selectors ? "+sel" : "");
        printf(" |");
        if (ob->n_methods == 0)
            printf(" -");
        for (unsigned k = 0; k < ob->n_methods; k++)
            printf(" %d:%s", ob->methods[k].id,
                   ob->methods[k].access == 0   ? "-"
                   : ob->methods[k].access == 1 ? "x"
                                                : "ax");
        printf("\n");
    }
    printf("# %zu objects\n", ol->n);
    return 0;
}

/* ---- profile: streaming CSV ---- */

struct rows {
    uint8_t *buf;
    size_t len, cap;
    bool header;
    uint32_t total, done;
    bool bad;
};

static void csv_cell(const char *t)
{
    if (strpbrk(t, ",\"\n")) {
        putchar('"');
        for (const char *c = t; *c; c++) {
            if (*c == '"')
                putchar('"');
            putchar(*c);
        }
        putchar('"');
    } else {
        fputs(t, stdout);
    }
}

/* Prints the complete rows in r->buf and keeps the incomplete tail. */
static int rows_drain(struct rows *r, bool final)
{
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, r->buf, r->len);
    if (!r->header) {
        /* the array header by hand: mfw_axdr_get_array refuses a count above the bytes present,
         * and here the rows are still to come in the next blocks */
        if (r->len < 2)
            return final ? -1 : 0;
        if (r->buf[0] != MFW_AXDR_ARRAY)
            return -1;
        uint8_t f = r->buf[1];
        size_t nb = f < 0x80 ? 0 : (size_t)(f & 0x7F);
        if (f == 0x80 || nb > 4)
            return -1;
        if (r->len < 2 + nb)
            return final ? -1 : 0;
        uint32_t n = f < 0x80 ? f : 0;
        for (size_t k = 0; k < nb; k++)
            n = n << 8 | r->buf[2 + k];
        r->header = true;
        r->total = n;
        rc.pos = 2 + nb;
    }
    size_t keep = rc.pos;
    while (r->done < r->total) {
        struct mfw_rcursor probe = rc;
        if (mfw_axdr_skip(&probe, MFW_AXDR_DEPTH_MAX) != MFW_OK) {
            if (final)
                return -1;
            break; /* the row continues in the next block */
        }
        struct mfw_rcursor row;
        mfw_rcursor_init(&row, rc.p + rc.pos, probe.pos - rc.pos);
        struct strbuf sb = {NULL, 0, 0};
        uint32_t cols = 0;
        if (mfw_axdr_peek_tag(&row) == MFW_AXDR_STRUCTURE &&
            mfw_axdr_get_structure(&row, &cols) == MFW_OK) {
            for (uint32_t c = 0; c < cols; c++) {
                sb.len = 0;
                if (notation_format(&sb, &row, false) != MFW_OK) {
                    sb_free(&sb);
                    return -1;
                }
                if (c)
                    putchar(',');
                csv_cell(sb.p);
            }
        } else {
            if (notation_format(&sb, &row, false) != MFW_OK) {
                sb_free(&sb);
                return -1;
            }
            csv_cell(sb.p);
        }
        putchar('\n');
        sb_free(&sb);
        rc.pos = probe.pos;
        keep = rc.pos;
        r->done++;
    }
    if (final && (r->done != r->total || keep != r->len))
        return -1;
    memmove(r->buf, r->buf + keep, r->len - keep);
    r->len -= keep;
    return 0;
}

static int rows_sink(void *user, const uint8_t *p, size_t n)
{
    struct rows *r = user;
    if (n > r->cap - r->len) {
        size_t cap = r->cap ? r->cap : 8192;
        while (n > cap - r->len)
            cap *= 2;
        uint8_t *q = realloc(r->buf, cap);
        if (!q)
            return MFW_E_NOSPACE;
        r->buf = q;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    if (rows_drain(r, false)) {
        r->bad = true;
        return MFW_E_FORMAT;
    }
    return 0;
}

static int cmd_profile(struct session *s, struct object_list *ol, const struct opts *o, int argc,
                       char **argv)
{
    const char *obis = NULL, *from = NULL, *to = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--from") == 0 && i + 1 < argc)
            from = argv[++i];
        else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = argv[++i];
        else if (!obis)
            obis = argv[i];
        else
            return errorf(EXIT_USAGE, "usage: profile OBIS --from ISO --to ISO");
    }
    if (!obis || !from || !to)
        return errorf(EXIT_USAGE, "usage: profile OBIS --from ISO --to ISO");
    struct mfw_dlms_client_access acc;
    memset(&acc, 0, sizeof(acc));
    acc.selector = MFW_DLMS_CLIENT_SEL_RANGE;
    acc.restricting = (struct mfw_dlms_client_ref){8, {0, 0, 1, 0, 0, 0xFF}, 2};
    if (iso_parse(from, &acc.from) || iso_parse(to, &acc.to))
        return errorf(EXIT_USAGE, "--from/--to: ISO date-times, e.g. 2026-01-01T00:00:00Z");
    struct mfw_dlms_client_ref ref;
    int e = resolve(s, ol, obis, 3, &ref);
    if (e)
        return e;
    if (ref.class_id != 7)
        return errorf(EXIT_USAGE, "%s is of class %u, not a profile generic (7)", obis,
                      ref.class_id);
    /* attribute 3 capture_objects: the column names */
    uint8_t *co = NULL;
    size_t colen = 0;
    int r = session_get(s, &ref, NULL, NULL, NULL, &co, &colen);
    if (r != MFW_OK)
        return errorf(r == MFW_E_STATE ? EXIT_REFUSED : EXIT_LINK, "capture_objects: %s", s->err);
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, co, colen);
    uint32_t ncols, n;
    if (mfw_axdr_get_array(&rc, &ncols) != MFW_OK) {
        free(co);
        return errorf(EXIT_LINK, "capture_objects does not decode");
    }
    for (uint32_t c = 0; c < ncols; c++) {
        uint16_t cls, di;
        int8_t at;
        uint8_t ln[6];
        size_t lnl;
        if (mfw_axdr_get_structure(&rc, &n) != MFW_OK || n != 4 || mfw_axdr_get_u16(&rc, &cls) ||
            mfw_axdr_get_octets(&rc, 6, ln, &lnl) || lnl != 6 || mfw_axdr_get_i8(&rc, &at) ||
            mfw_axdr_get_u16(&rc, &di)) {
            free(co);
            return errorf(EXIT_LINK, "capture_objects does not decode");
        }
        struct strbuf sb = {NULL, 0, 0};
        obis_format(&sb, ln);
        if (at != 2 || di != 0)
            sb_printf(&sb, ":%d", at);
        if (di != 0)
            sb_printf(&sb, "/%u", di);
        printf("%s%s", c ? "," : "", sb.p);
        sb_free(&sb);
    }
    printf("\n");
    free(co);
    ref.index = 2;
    struct rows rows;
    memset(&rows, 0, sizeof(rows));
    r = session_get(s, &ref, &acc, rows_sink, &rows, NULL, NULL);
    if (r == MFW_OK && rows_drain(&rows, true))
        rows.bad = true;
    free(rows.buf);
    fflush(stdout);
    if (r != MFW_OK && !rows.bad)
        return session_error(s, r);
    if (rows.bad)
        return errorf(EXIT_LINK, "the profile buffer does not decode");
    if (o->verbose)
        fprintf(stderr, "meterctl: %u rows\n", (unsigned)rows.done);
    return 0;
}

static int cmd_time(struct session *s, struct object_list *ol, int argc, char **argv)
{
    if (argc != 1 || strcmp(argv[0], "sync") != 0)
        return errorf(EXIT_USAGE, "usage: time sync");
    struct mfw_dlms_client_ref ref;
    int e = resolve(s, ol, "0.0.1.0.0.255", 2, &ref);
    if (e)
        return e;
    uint8_t *old = NULL;
    size_t oldlen = 0;
    int r = session_get(s, &ref, NULL, NULL, NULL, &old, &oldlen);
    if (r != MFW_OK)
        return session_error(s, r);
    struct mfw_cosem_datetime was, now;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, old, oldlen);
    bool have_old = mfw_axdr_get_datetime(&rc, &was) == MFW_OK;
    free(old);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    mfw_ms_t now_ms = (mfw_ms_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    /* UTC with deviation 0: unambiguous whatever the meter's time zone */
    mfw_cosem_datetime_from_ms(&now, now_ms, 0, 0);
    uint8_t val[16];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, val, sizeof(val));
    mfw_axdr_put_datetime_octets(&w, &now);
    r = session_set(s, &ref, val, w.len);
    if (r != MFW_OK)
        return session_error(s, r);
    struct strbuf sb = {NULL, 0, 0};
    sb_printf(&sb, "clock set to ");
    iso_format(&sb, &now);
    mfw_ms_t was_ms;
    if (have_old) {
        sb_printf(&sb, ", was ");
        iso_format(&sb, &was);
        if (mfw_cosem_datetime_to_ms(&was, 0, &was_ms) == MFW_OK)
            sb_printf(&sb, " (off by %+.2f s)", (double)(was_ms - now_ms) / 1000.0);
    }
    printf("%s\n", sb.p);
    sb_free(&sb);
    return 0;
}

static int cmd_calendar(struct session *s, struct object_list *ol, int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "upload") != 0)
        return errorf(EXIT_USAGE, "usage: calendar upload FILE");
    struct calfile cf;
    char err[256];
    if (calfile_parse(argv[1], &cf, err, sizeof(err)))
        return errorf(EXIT_USAGE, "%s:%s", argv[1], err);
    struct mfw_dlms_client_ref ref;
    int e = resolve(s, ol, "0.0.13.0.0.255", 0, &ref);
    if (e) {
        calfile_free(&cf);
        return e;
    }
    static const char *const what[CALFILE_N] = {
        "day_profile_table_passive", "week_profile_table_passive", "season_profile_passive",
        "calendar_name_passive", "activate_passive_calendar_time"};
    for (int i = 0; i < CALFILE_N; i++) {
        if (!cf.buf[i])
            continue;
        ref.index = cf.attr[i];
        int r = session_set(s, &ref, cf.buf[i], cf.len[i]);
        if (r != MFW_OK) {
            calfile_free(&cf);
            return errorf(r == MFW_E_STATE ? EXIT_REFUSED : EXIT_LINK, "%s (attribute %d): %s",
                          what[i], ref.index, s->err);
        }
    }
    printf("passive calendar written: %u day profiles, %u week profiles, %u seasons%s\n", cf.n_days,
           cf.n_weeks, cf.n_seasons, cf.buf[CALFILE_ACTIVATE] ? ", activation time set" : "");
    calfile_free(&cf);
    return 0;
}

/* key transfer KEY HEX: global_key_transfer (Security setup 0.0.43.0.2.255 m2) of one key,
 * wrapped under the master key of the keys file (RFC 3394, the crypto port). */
static int cmd_key(struct session *s, struct object_list *ol, int argc, char **argv)
{
    static const char *const names[MFW_KEYS_COUNT] = {"guek", "gbek", "ak", "kek"};
    if (argc != 3 || strcmp(argv[0], "transfer") != 0)
        return errorf(EXIT_USAGE, "usage: key transfer guek|gbek|ak|kek HEX");
    int id = -1;
    for (int k = 0; k < MFW_KEYS_COUNT; k++)
        if (strcmp(argv[1], names[k]) == 0)
            id = k;
    struct keyfile kf;
    char err[128], text[64];
    snprintf(text, sizeof text, "%s = %s", id >= 0 ? names[id] : "x", argv[2]);
    if (id < 0 || keyfile_parse(text, &kf, err, sizeof err) != 0)
        return errorf(EXIT_USAGE,
                      "key transfer: KEY is guek, gbek, ak or kek and HEX 32 hex digits");
    mfw_ct_wipe(text, sizeof text);
    if (!s->sec.have_kek) {
        keyfile_wipe(&kf);
        return errorf(EXIT_USAGE, "key transfer: the keys file has no kek (master key)");
    }
    /* {array 1 {structure 2 {enum key_id, octet-string(24) wrapped}}} */
    uint8_t params[2 + 2 + 2 + 2 + 24] = {0x01, 0x01, 0x02, 0x02, 0x16, (uint8_t)id, 0x09, 24};
    const struct mfw_crypto_port *cp = s->sec.crypto;
    int r = cp->key_wrap(cp->ctx, s->sec.kek, kf.key[id], params + 8);
    keyfile_wipe(&kf);
    if (r != MFW_OK)
        return errorf(EXIT_LINK, "key wrap failed");
    struct mfw_dlms_client_ref ref;
    int e = resolve(s, ol, "0.0.43.0.2.255", 2, &ref);
    if (e)
        return e;
    r = session_action(s, &ref, params, sizeof params, NULL, NULL);
    mfw_ct_wipe(params, sizeof params);
    if (r != MFW_OK)
        return session_error(s, r);
    printf("%s transferred (the meter logged event 48; use the new key from the next "
           "association)\n",
           names[id]);
    return 0;
}

/* The meter's last accepted invocation counter (0.0.43.1.0.255, readable by the public client):
 * the management client goes on above it. */
/* A session to the meter as client `sap`, over the transport the options name (the wrapper, HDLC
 * in TCP or HDLC on a line). */
static int session_open(struct session *s, struct opts *o, int sap)
{
    if (o->port == 0)
        o->port = o->hdlc ? 4061 : 4059;
    if (o->hdlc)
        return session_connect_hdlc(s, &o->link, o->host, o->port, sap, o->timeout_s * 1000);
    int r = session_connect(s, o->host, o->port, sap, o->timeout_s * 1000);
    /* IEC 62056-47: the server wPort is the logical device; -s names it (fleetd's shared port
     * names a meter so, docs/fleet.md) */
    s->server_sap = o->link.upper;
    return r;
}

static int read_invocation_counter(struct opts *o, uint32_t *ic)
{
    struct session p;
    int r = session_open(&p, o, 16);
    if (r == MFW_OK)
        r = session_associate(&p, NULL);
    uint8_t *v = NULL;
    size_t n = 0;
    static const struct mfw_dlms_client_ref ref = {1, {0, 0, 43, 1, 0, 0xFF}, 2};
    if (r == MFW_OK)
        r = session_get(&p, &ref, NULL, NULL, NULL, &v, &n);
    if (r == MFW_OK) {
        struct mfw_rcursor rc;
        mfw_rcursor_init(&rc, v, n);
        if (mfw_axdr_get_u32(&rc, ic) != MFW_OK)
            r = MFW_E_FORMAT;
        free(v);
    }
    if (r != MFW_OK)
        errorf(r == MFW_E_STATE ? EXIT_REFUSED : EXIT_LINK,
               "reading the invocation counter 0.0.43.1.0.255: %s", p.err);
    else if (p.associated)
        (void)session_release(&p);
    session_close(&p);
    return r;
}

int main(int argc, char **argv)
{
    struct opts o = {"127.0.0.1",
                     0,
                     -1,
                     NULL,
                     NULL,
                     -1,
                     -1,
                     0x30,
                     10,
                     false,
                     false,
                     false,
                     {NULL, false, 9600, 1, 0, 0, 7, 1024}};
    int i = 1;
    snprintf(ctx, sizeof(ctx), "meterctl");
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0)
            return usage(stdout, 0);
        if (strcmp(a, "-T") == 0) {
            o.typed = true;
            continue;
        }
        if (strcmp(a, "-v") == 0) {
            o.verbose = true;
            continue;
        }
        if (strcmp(a, "-E") == 0) {
            o.link.mode_e = true;
            continue;
        }
        if (i + 1 >= argc || strlen(a) != 2)
            return usage(stderr, EXIT_USAGE);
        const char *v = argv[++i];
        char *end;
        long n;
        switch (a[1]) {
        case 'h': o.host = v; break;
        case 'p':
            n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 65535)
                return usage(stderr, EXIT_USAGE);
            o.port = (uint16_t)n;
            break;
        case 'c':
            n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 0xFFFF)
                return usage(stderr, EXIT_USAGE);
            o.client_sap = (int)n;
            break;
        case 'P': o.password = v; break;
        case 'K': o.keys_file = v; break;
        case 'a':
            if (strcmp(v, "none") == 0)
                o.mech = MFW_ACSE_MECH_LOWEST;
            else if (strcmp(v, "lls") == 0)
                o.mech = MFW_ACSE_MECH_LLS;
            else if (strcmp(v, "gmac") == 0)
                o.mech = MFW_ACSE_MECH_HLS_GMAC;
            else
                return usage(stderr, EXIT_USAGE);
            break;
        case 'I': {
            errno = 0;
            long long ic = strtoll(v, &end, 10);
            if (errno || *end || ic < 0 || ic > 0xFFFFFFFFLL)
                return usage(stderr, EXIT_USAGE);
            o.ic = ic;
            break;
        }
        case 'e':
            if (strcmp(v, "authenc") == 0)
                o.sc = 0x30;
            else if (strcmp(v, "auth") == 0)
                o.sc = 0x10;
            else if (strcmp(v, "enc") == 0)
                o.sc = 0x20;
            else
                return usage(stderr, EXIT_USAGE);
            break;
        case 't':
            n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 3600)
                return usage(stderr, EXIT_USAGE);
            o.timeout_s = (int)n;
            break;
        case 'i':
            if (strcmp(v, "hdlc") != 0 && strcmp(v, "wrapper") != 0)
                return usage(stderr, EXIT_USAGE);
            o.hdlc = strcmp(v, "hdlc") == 0;
            break;
        case 'S':
            o.link.device = v;
            o.hdlc = true;
            break;
        case 'b':
        case 's':
        case 'l':
        case 'A':
        case 'w':
        case 'f':
            n = strtol(v, &end, 10);
            if (*end || end == v || n < 0 || n > 115200 || (a[1] == 's' && (n < 1 || n > 0x3FFF)) ||
                (a[1] == 'l' && n > 0x3FFF) || (a[1] == 'A' && n != 1 && n != 2 && n != 4) ||
                (a[1] == 'w' && (n < 1 || n > 7)) || (a[1] == 'f' && (n < 32 || n > 2030)) ||
                (a[1] == 'b' && n < 300))
                return usage(stderr, EXIT_USAGE);
            if (a[1] == 'b')
                o.link.baud = (uint32_t)n;
            else if (a[1] == 's')
                o.link.upper = (uint16_t)n;
            else if (a[1] == 'l')
                o.link.lower = (uint16_t)n;
            else if (a[1] == 'A')
                o.link.addr_size = (uint8_t)n;
            else if (a[1] == 'w')
                o.link.window = (uint8_t)n;
            else
                o.link.info = (uint16_t)n;
            break;
        default: return usage(stderr, EXIT_USAGE);
        }
    }
    if (i >= argc)
        return usage(stderr, EXIT_USAGE);
    const char *cmd = argv[i++];
    int cargc = argc - i;
    char **cargv = argv + i;
    size_t off = (size_t)snprintf(ctx, sizeof(ctx), "%s", cmd);
    for (int k = 0; k < cargc && off < sizeof(ctx); k++)
        off += (size_t)snprintf(ctx + off, sizeof(ctx) - off, " %s", cargv[k]);
    if (strcmp(cmd, "get") && strcmp(cmd, "set") && strcmp(cmd, "action") && strcmp(cmd, "list") &&
        strcmp(cmd, "profile") && strcmp(cmd, "time") && strcmp(cmd, "calendar") &&
        strcmp(cmd, "key"))
        return usage(stderr, EXIT_USAGE);
    /* the keys: a file only its owner reads, or the environment; never the command line */
    struct keyfile kf;
    bool have_keys = false;
    char kerr[300];
    const char *env = getenv("METERCTL_KEYS");
    if (o.keys_file != NULL) {
        if (keyfile_load(o.keys_file, &kf, kerr, sizeof kerr) != 0)
            return errorf(EXIT_USAGE, "-K %s", kerr);
        have_keys = true;
    } else if (env != NULL && env[0] != '\0') {
        if (keyfile_parse(env, &kf, kerr, sizeof kerr) != 0)
            return errorf(EXIT_USAGE, "METERCTL_KEYS: %s", kerr);
        have_keys = true;
    }
    int mech = o.mech >= 0                ? o.mech
               : o.password != NULL       ? MFW_ACSE_MECH_LLS
               : have_keys && !o.password ? MFW_ACSE_MECH_HLS_GMAC
                                          : MFW_ACSE_MECH_LOWEST;
    if (mech == MFW_ACSE_MECH_LLS && o.password == NULL)
        return errorf(EXIT_USAGE, "-a lls needs -P PASSWORD");
    if (mech == MFW_ACSE_MECH_HLS_GMAC &&
        (!have_keys || !(kf.have & (1u << MFW_KEYS_UNICAST)) ||
         !(kf.have & (1u << MFW_KEYS_AUTHENTICATION)) || !kf.has_client_title)) {
        if (have_keys)
            keyfile_wipe(&kf);
        return errorf(EXIT_USAGE, "-a gmac needs keys (-K FILE or METERCTL_KEYS) with guek, ak and "
                                  "client-title");
    }

    uint16_t sap = (uint16_t)(o.client_sap >= 0              ? o.client_sap
                              : mech != MFW_ACSE_MECH_LOWEST ? 1
                                                             : 16);
    uint32_t ic = 0;
    if (mech == MFW_ACSE_MECH_HLS_GMAC) {
        if (o.ic >= 0) {
            ic = (uint32_t)o.ic;
        } else {
            uint32_t last = 0;
            if (read_invocation_counter(&o, &last) != MFW_OK) {
                keyfile_wipe(&kf);
                return EXIT_LINK;
            }
            ic = last + 1u;
        }
    }
    struct session s;
    int r = session_open(&s, &o, sap);
    if (r != MFW_OK) {
        int code = errorf(EXIT_LINK, "%s", s.err);
        session_close(&s);
        if (have_keys)
            keyfile_wipe(&kf);
        return code;
    }
    s.trace = o.verbose;
    if (o.verbose && s.ident[0] != '\0')
        fprintf(stderr, "meterctl: IEC 62056-21 identification %s\n", s.ident);
    if (have_keys) {
        s.sec.crypto = crypto_posix_port();
        memcpy(s.sec.ek, kf.key[MFW_KEYS_UNICAST], 16);
        memcpy(s.sec.ak, kf.key[MFW_KEYS_AUTHENTICATION], 16);
        memcpy(s.sec.kek, kf.key[MFW_KEYS_MASTER], 16);
        s.sec.have_kek = (kf.have & (1u << MFW_KEYS_MASTER)) != 0;
        memcpy(s.sec.title, kf.client_title, 8);
        s.sec.sc = o.sc;
        s.sec.ic = ic;
        keyfile_wipe(&kf);
    }
    r = mech == MFW_ACSE_MECH_HLS_GMAC ? session_associate_gmac(&s)
                                       : session_associate(&s, o.password);
    if (r != MFW_OK) {
        int code = session_error(&s, r);
        session_close(&s);
        return code;
    }
    struct object_list ol = {NULL, 0};
    int code;
    if (strcmp(cmd, "get") == 0)
        code = cmd_get(&s, &ol, &o, cargc, cargv);
    else if (strcmp(cmd, "set") == 0)
        code = cmd_set(&s, &ol, cargc, cargv);
    else if (strcmp(cmd, "action") == 0)
        code = cmd_action(&s, &ol, &o, cargc, cargv);
    else if (strcmp(cmd, "list") == 0)
        code = cmd_list(&s, &ol, cargc);
    else if (strcmp(cmd, "profile") == 0)
        code = cmd_profile(&s, &ol, &o, cargc, cargv);
    else if (strcmp(cmd, "time") == 0)
        code = cmd_time(&s, &ol, cargc, cargv);
    else if (strcmp(cmd, "calendar") == 0)
        code = cmd_calendar(&s, &ol, cargc, cargv);
    else
        code = cmd_key(&s, &ol, cargc, cargv);
    object_list_free(&ol);
    /* release politely; a failed release after a successful command is only reported */
    if (s.fd >= 0 && s.associated && session_release(&s) != MFW_OK && o.verbose)
        fprintf(stderr, "meterctl: release: %s\n", s.err);
    session_close(&s);
    if (o.verbose) /* the bytes on the line (HDLC: every frame, DISC included) */
        fprintf(stderr, "meterctl: %llu bytes sent, %llu received\n",
                (unsigned long long)s.bytes_tx, (unsigned long long)s.bytes_rx);
    fflush(stdout);
    return code;
}
