/* SPDX-License-Identifier: Apache-2.0 */
/* bench_dlms: DLMS/COSEM reading performance of meterd over loopback, with meterctl's client
 * (tools/meterctl/session.c on src/dlms/dlms_client.c).
 *
 *   1. meterd runs one year (2025-11-25 .. 2026-11-25, household scenario) in fast fidelity with
 *      --until, then starts again in real time on a free port;
 *   2. the load profile 1.0.99.1.0.255 is read by range over the whole year (clock as restricting
 *      object, all columns, GET with blocks), 3 times: rows per second, bytes on the wire,
 *      blocks; the rows are counted by parsing the buffer as it streams in;
 *   3. 1000 GETs of A+ (1.0.1.8.0.255 attribute 2) in one association: median, p90, p99 latency;
 *   2 and 3 twice: plain (the LLS management client) and ciphered (HLS-GMAC, every APDU
 *      authenticated and encrypted, suite 0), side by side.
 * The load profile holds at most profile_entries rows (attribute 8): the table says how many
 * of the year's 35,040 quarter hours that is.
 *
 *   bench_dlms [--meterd PATH]     (default: ../port/posix/meterd next to this binary)
 *
 * Host code: fork/exec, sockets, heap. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_meterd.h"
#include "crypto_posix.h"
#include "meterfw/base/error.h"
#include "session.h"

static void hex16(const char *h, uint8_t out[16])
{
    for (int k = 0; k < 16; k++) {
        unsigned v = 0;
        sscanf(h + 2 * k, "%2x", &v);
        out[k] = (uint8_t)v;
    }
}

/* The port meterd announces on its "DLMS/COSEM server on 127.0.0.1:PORT" line, or 0. */
static unsigned find_port(const char *log)
{
    char word[16];
    if (!bench_log_word(log, "DLMS/COSEM server on 127.0.0.1:", word, sizeof word))
        return 0;
    unsigned long port = strtoul(word, NULL, 10);
    return port <= 65535 ? (unsigned)port : 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int get_u32(struct session *s, const struct mfw_dlms_client_ref *ref, uint32_t *v)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    if (session_get(s, ref, NULL, NULL, NULL, &buf, &n) != MFW_OK)
        return -1;
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, buf, n);
    struct mfw_axdr_value av;
    int ok = mfw_axdr_get(&rc, &av) == MFW_OK;
    free(buf);
    if (!ok)
        return -1;
    *v = (uint32_t)av.u64;
    return 0;
}

/* What one association measures. */
struct figures {
    uint32_t rows, depth, in_use;
    double profile_s;
    uint64_t wire, apdus;
    double lat_median, lat_p90, lat_p99, lat_max;
    uint16_t max_pdu;
};

/* 2. the load profile by range, 3 times; 3. 1000 GETs of A+. */
static int measure(struct session *s, struct figures *f)
{
    static const struct mfw_dlms_client_ref lp = {7, {1, 0, 99, 1, 0, 255}, 2};
    struct mfw_dlms_client_ref lp7 = lp, lp8 = lp;
    lp7.index = 7;
    lp8.index = 8;
    if (get_u32(s, &lp7, &f->in_use) || get_u32(s, &lp8, &f->depth)) {
        fprintf(stderr, "bench_dlms: profile attributes 7/8: %s\n", s->err);
        return 1;
    }
    struct mfw_dlms_client_access acc;
    memset(&acc, 0, sizeof(acc));
    acc.selector = MFW_DLMS_CLIENT_SEL_RANGE;
    acc.restricting = (struct mfw_dlms_client_ref){8, {0, 0, 1, 0, 0, 255}, 2};
    mfw_cosem_datetime_from_ms(&acc.from, 1764028800000LL - 86400000LL, 0, 0); /* 2025-11-24 */
    mfw_cosem_datetime_from_ms(&acc.to, 1795564800000LL + 86400000LL, 0, 0);   /* 2026-11-26 */
    double times[3];
    for (int k = 0; k < 3; k++) {
        struct bench_rows r;
        memset(&r, 0, sizeof(r));
        uint64_t b0 = s->bytes_rx + s->bytes_tx, a0 = s->apdus_rx;
        double t = bench_now_s();
        int rc = session_get(s, &lp, &acc, bench_rows_sink, &r, NULL, NULL);
        times[k] = bench_now_s() - t;
        free(r.buf);
        if (rc != MFW_OK || r.done != r.total) {
            fprintf(stderr, "bench_dlms: profile read: %s (%u of %u rows)\n",
                    rc != MFW_OK ? s->err : "incomplete", r.done, r.total);
            return 1;
        }
        f->rows = r.done;
        f->wire = s->bytes_rx + s->bytes_tx - b0;
        f->apdus = s->apdus_rx - a0;
    }
    qsort(times, 3, sizeof(times[0]), cmp_double);
    f->profile_s = times[1];
    static const struct mfw_dlms_client_ref aplus = {3, {1, 0, 1, 8, 0, 255}, 2};
    enum { N = 1000 };
    static double lat[N];
    for (int k = 0; k < N; k++) {
        double t = bench_now_s();
        uint32_t v;
        if (get_u32(s, &aplus, &v)) {
            fprintf(stderr, "bench_dlms: GET A+: %s\n", s->err);
            return 1;
        }
        lat[k] = bench_now_s() - t;
    }
    qsort(lat, N, sizeof(lat[0]), cmp_double);
    f->lat_median = lat[N / 2];
    f->lat_p90 = lat[N * 9 / 10];
    f->lat_p99 = lat[N * 99 / 100];
    f->lat_max = lat[N - 1];
    f->max_pdu = s->max_pdu;
    session_release(s);
    return 0;
}

/* The keys of the benchmark meter (the test vectors' unicast and authentication keys) with LLS
 * enabled for the plain figures; the client's title. Mode 0600: meterd refuses others. */
int main(int argc, char **argv)
{
    char meterd[4096];
    if (argc == 3 && strcmp(argv[1], "--meterd") == 0) {
        snprintf(meterd, sizeof(meterd), "%s", argv[2]);
    } else if (argc == 1) {
        const char *slash = strrchr(argv[0], '/');
        int dl = slash ? (int)(slash - argv[0]) : 1;
        snprintf(meterd, sizeof(meterd), "%.*s/../port/posix/meterd", dl, slash ? argv[0] : ".");
    } else {
        fprintf(stderr, "usage: bench_dlms [--meterd PATH]\n");
        return 2;
    }
    if (access(meterd, X_OK) != 0) {
        fprintf(stderr, "bench_dlms: no meterd at %s\n", meterd);
        return 1;
    }
    char dir[] = "/tmp/bench_dlms.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("bench_dlms: mkdtemp");
        return 1;
    }
    char st[4200], log_fill[4200], log_run[4200], keys[4200];
    snprintf(st, sizeof(st), "%s/state", dir);
    snprintf(log_fill, sizeof(log_fill), "%s/fill.log", dir);
    snprintf(log_run, sizeof(log_run), "%s/meterd.log", dir);
    snprintf(keys, sizeof(keys), "%s/keys", dir);
    if (bench_write_keys(keys) != 0) {
        fprintf(stderr, "bench_dlms: cannot write %s\n", keys);
        return 1;
    }
    int code = 1;
    pid_t pid = -1;
    struct session s;
    memset(&s, 0, sizeof(s));
    s.fd = -1;

    /* 1. a year in fast fidelity */
    char *fill[] = {meterd,
                    "--no-display",
                    "--no-dlms",
                    "--lp-days",
                    "366",
                    "--state-dir",
                    st,
                    "--keys",
                    keys,
                    "--start",
                    "2025-11-25T00:00:00Z",
                    "--until",
                    "2026-11-25T00:00:00Z",
                    NULL};
    double t0 = bench_now_s();
    if (bench_run_wait(fill, log_fill) != 0) {
        fprintf(stderr, "bench_dlms: meterd --until failed (log in %s)\n", log_fill);
        return 1;
    }
    double t_fill = bench_now_s() - t0;
    char *serve[] = {meterd, "--no-display", "--lp-days", "366", "--state-dir",
                     st,     "--port",       "0",         NULL};
    pid = bench_spawn(serve, log_run);
    unsigned port = 0;
    for (int i = 0; i < 200 && port == 0; i++) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
        port = find_port(log_run);
    }
    if (port == 0) {
        fprintf(stderr, "bench_dlms: meterd does not serve DLMS (log in %s)\n", log_run);
        goto out;
    }
    /* plain: the LLS management client; ciphered: HLS-GMAC, every APDU authenticated and
     * encrypted (suite 0, general-glo-ciphering as negotiated) */
    struct figures plain, ciph;
    if (session_connect(&s, "127.0.0.1", (uint16_t)port, 1, 60000) != MFW_OK ||
        session_associate(&s, "00000001") != MFW_OK) {
        fprintf(stderr, "bench_dlms: LLS association: %s\n", s.err);
        goto out;
    }
    if (measure(&s, &plain) != 0)
        goto out;
    session_close(&s);
    if (session_connect(&s, "127.0.0.1", (uint16_t)port, 1, 60000) != MFW_OK) {
        fprintf(stderr, "bench_dlms: %s\n", s.err);
        goto out;
    }
    s.sec.crypto = crypto_posix_port();
    hex16("000102030405060708090A0B0C0D0E0F", s.sec.ek);
    hex16("D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF", s.sec.ak);
    memcpy(s.sec.title, "MFWBCHM1", 8);
    s.sec.sc = 0x30;
    s.sec.ic = 1; /* a new meter: no counter accepted yet */
    if (session_associate_gmac(&s) != MFW_OK) {
        fprintf(stderr, "bench_dlms: HLS-GMAC association: %s\n", s.err);
        goto out;
    }
    if (measure(&s, &ciph) != 0)
        goto out;

    printf("bench_dlms: meterd over loopback (TCP wrapper, management client, server max PDU "
           "%u): plain (LLS) and ciphered (HLS-GMAC, authenticated encryption)\n\n",
           (unsigned)plain.max_pdu);
    printf("| measure | plain | ciphered | ciphered / plain |\n|---|---|---|---|\n");
    printf("| one year in fast fidelity (meterd --until) | %.2f s | | |\n", t_fill);
    printf("| load profile depth (attr 8) / entries in use (attr 7) | %u / %u | %u / %u | |\n",
           plain.depth, plain.in_use, ciph.depth, ciph.in_use);
    printf("| rows read by range (the whole year asked) | %u | %u | |\n", plain.rows, ciph.rows);
    printf("| profile read, median of 3 | %.3f s | %.3f s | %.2f |\n", plain.profile_s,
           ciph.profile_s, ciph.profile_s / plain.profile_s);
    printf("| rows per second | %.0f | %.0f | %.2f |\n", plain.rows / plain.profile_s,
           ciph.rows / ciph.profile_s,
           (ciph.rows / ciph.profile_s) / (plain.rows / plain.profile_s));
    printf("| bytes on the wire (both ways, wrapper included) | %llu (%.1f per row) | %llu (%.1f "
           "per row) | |\n",
           (unsigned long long)plain.wire, plain.rows ? (double)plain.wire / plain.rows : 0.0,
           (unsigned long long)ciph.wire, ciph.rows ? (double)ciph.wire / ciph.rows : 0.0);
    printf("| response APDUs (blocks) | %llu | %llu | |\n", (unsigned long long)plain.apdus,
           (unsigned long long)ciph.apdus);
    printf("| GET A+ latency, median of 1000 | %.1f us | %.1f us | %.2f |\n",
           plain.lat_median * 1e6, ciph.lat_median * 1e6, ciph.lat_median / plain.lat_median);
    printf("| GET A+ latency, p90 / p99 / max | %.1f / %.1f / %.1f us | %.1f / %.1f / %.1f us | "
           "|\n",
           plain.lat_p90 * 1e6, plain.lat_p99 * 1e6, plain.lat_max * 1e6, ciph.lat_p90 * 1e6,
           ciph.lat_p99 * 1e6, ciph.lat_max * 1e6);
    code = 0;
out:
    session_close(&s);
    if (pid > 0) {
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
    }
    char *rm[] = {"/bin/rm", "-rf", dir, NULL};
    bench_run_wait(rm, "/dev/null");
    return code;
}
