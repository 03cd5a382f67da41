/* SPDX-License-Identifier: Apache-2.0 */
/* bench_hdlc: reading 7 days of the load profile over HDLC on a 9600 Bd line, against the line's
 * byte-time limit.
 *
 *   1. meterd runs 8 days (2026-01-01 .. 2026-01-09, household scenario) in fast fidelity with
 *      --until, then again in real time (fast fidelity) with an HDLC line on a pseudo-terminal
 *      (--hdlc-line pty, 9600 Bd simulated: every character takes 10 bit times, both ways);
 *   2. for each link set-up (window and information field the SNRM proposes: 1/128, the default
 *      of a client that proposes nothing, 7/128, 1/2030 and 7/2030; the meter allows 7 and
 *      1027), meterctl's client (tools/meterctl/session.c, hdlc_client.c) connects, associates as the
 *      management client and reads the load profile 1.0.99.1.0.255 (clock, status, A+, A-, R+,
 *      R-: 4 energy channels at 15 min) by range over 7 days: 672 rows in GET-with-blocks of up
 *      to 1024 bytes (the meter's PDU size);
 *   3. for that GET alone it measures the wall time and counts the bytes both ways on the line;
 *      the byte-time limit is (bytes sent + bytes received) x 10 bits / 9600 Bd: what the line
 *      needs at least, with no gap between characters and no turnaround time at all.
 *
 *   bench_hdlc [--meterd PATH] [--quick]     (--quick: 1 day instead of 7, for a smoke run)
 *
 * Host code: fork/exec, a pseudo-terminal, heap. */
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
#include "hdlc_client.h"
#include "meterfw/base/error.h"
#include "session.h"

#define BAUD 9600.0

struct result {
    unsigned window, info;
    uint32_t rows;
    uint64_t tx, rx;
    uint32_t frames_tx, frames_rx, polls;
    double seconds;
};

static int read_profile(const char *pty, unsigned window, unsigned info, int days,
                        struct result *out)
{
    struct session s;
    struct session_hdlc h = {pty, false, 9600, 1, 0, 0, (uint8_t)window, (uint16_t)info};
    int r = session_connect_hdlc(&s, &h, NULL, 0, 1, 30000);
    if (r == MFW_OK)
        r = session_associate(&s, "00000001");
    if (r != MFW_OK) {
        fprintf(stderr, "bench_hdlc: %s\n", s.err);
        session_close(&s);
        return -1;
    }
    struct mfw_dlms_client_ref ref = {7, {1, 0, 99, 1, 0, 0xFF}, 2};
    struct mfw_dlms_client_access acc;
    memset(&acc, 0, sizeof acc);
    acc.selector = MFW_DLMS_CLIENT_SEL_RANGE;
    acc.restricting = (struct mfw_dlms_client_ref){8, {0, 0, 1, 0, 0, 0xFF}, 2};
    /* from 2026-01-01T00:15Z to 2026-01-01T00:00Z + days: days x 96 rows */
    mfw_cosem_datetime_from_ms(&acc.from, 1767226500000LL, 0, 0);
    mfw_cosem_datetime_from_ms(&acc.to, 1767225600000LL + (mfw_ms_t)days * 86400000LL, 0, 0);
    struct bench_rows rows;
    memset(&rows, 0, sizeof rows);
    uint64_t tx = s.bytes_tx, rx = s.bytes_rx;
    uint32_t ftx = s.hdlc->frames_tx, frx = s.hdlc->frames_rx, polls = s.hdlc->polls;
    double t0 = bench_now_s();
    r = session_get(&s, &ref, &acc, bench_rows_sink, &rows, NULL, NULL);
    double t1 = bench_now_s();
    out->window = s.hdlc->link.window_rx;
    out->info = s.hdlc->link.info_rx;
    out->rows = rows.done;
    out->tx = s.bytes_tx - tx;
    out->rx = s.bytes_rx - rx;
    out->frames_tx = s.hdlc->frames_tx - ftx;
    out->frames_rx = s.hdlc->frames_rx - frx;
    out->polls = s.hdlc->polls - polls;
    out->seconds = t1 - t0;
    free(rows.buf);
    if (r != MFW_OK)
        fprintf(stderr, "bench_hdlc: profile: %s\n", s.err);
    (void)session_release(&s);
    session_close(&s);
    return r == MFW_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    char meterd[4096] = "";
    int days = 7;
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--meterd") == 0 && k + 1 < argc)
            snprintf(meterd, sizeof meterd, "%s", argv[++k]);
        else if (strcmp(argv[k], "--quick") == 0)
            days = 1;
        else {
            fprintf(stderr, "usage: bench_hdlc [--meterd PATH] [--quick]\n");
            return 2;
        }
    }
    if (meterd[0] == '\0') {
        const char *slash = strrchr(argv[0], '/');
        int dl = slash ? (int)(slash - argv[0]) : 1;
        snprintf(meterd, sizeof meterd, "%.*s/../port/posix/meterd", dl, slash ? argv[0] : ".");
    }
    if (access(meterd, X_OK) != 0) {
        fprintf(stderr, "bench_hdlc: no meterd at %s\n", meterd);
        return 1;
    }
    char dir[] = "/tmp/bench_hdlc.XXXXXX";
    if (!mkdtemp(dir)) {
        perror("bench_hdlc: mkdtemp");
        return 1;
    }
    char st[4200], log_fill[4200], log_run[4200], keys[4200];
    snprintf(st, sizeof st, "%s/state", dir);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    if (bench_write_keys(keys) != 0) {
        fprintf(stderr, "bench_hdlc: cannot write %s\n", keys);
        return 1;
    }
    snprintf(log_fill, sizeof log_fill, "%s/fill.log", dir);
    snprintf(log_run, sizeof log_run, "%s/meterd.log", dir);
    char until[32];
    snprintf(until, sizeof until, "2026-01-%02dT00:00:00Z", 2 + days);
    char *fill[] = {
        meterd,    "--no-display",         "--no-dlms", "--state-dir", st,  "--keys", keys,
        "--start", "2026-01-01T00:00:00Z", "--until",   until,         NULL};
    if (bench_run_wait(fill, log_fill) != 0) {
        fprintf(stderr, "bench_hdlc: meterd --until failed (%s)\n", log_fill);
        return 1;
    }
    char *run[] = {meterd,        "--no-display", "--state-dir", st,     "--fidelity", "fast",
                   "--hdlc-line", "pty",          "--line-baud", "9600", "--port",     "0",
                   NULL};
    pid_t pid = bench_spawn(run, log_run);
    char pty[256] = "";
    for (int k = 0; k < 100 && !bench_log_word(log_run, "HDLC line on ", pty, sizeof pty); k++) {
        struct timespec ts = {0, 100000000L};
        nanosleep(&ts, NULL);
    }
    if (pty[0] == '\0') {
        fprintf(stderr, "bench_hdlc: meterd announces no HDLC line (%s)\n", log_run);
        kill(pid, SIGTERM);
        return 1;
    }
    static const unsigned setups[4][2] = {{1, 128}, {7, 128}, {1, 2030}, {7, 2030}};
    struct result res[4];
    int code = 0;
    printf("Load profile 1.0.99.1.0.255 over HDLC, 9600 Bd (simulated pseudo-terminal), %d days\n",
           days);
    printf(
        "| window | max info | rows | bytes to meter | bytes from meter | I/RR frames from / to | "
        "byte-time limit s | measured s | over the limit |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int k = 0; k < 4; k++) {
        if (read_profile(pty, setups[k][0], setups[k][1], days, &res[k]) != 0) {
            code = 1;
            break;
        }
        const struct result *r = &res[k];
        double bound = (double)(r->tx + r->rx) * 10.0 / BAUD;
        printf("| %u | %u | %u | %llu | %llu | %u / %u | %.2f | %.2f | %+.1f %% |\n", r->window,
               r->info, (unsigned)r->rows, (unsigned long long)r->tx, (unsigned long long)r->rx,
               (unsigned)r->frames_rx, (unsigned)r->frames_tx, bound, r->seconds,
               100.0 * (r->seconds - bound) / bound);
        if (r->rows != (uint32_t)days * 96u) {
            fprintf(stderr, "bench_hdlc: %u rows, expected %d\n", (unsigned)r->rows, days * 96);
            code = 1;
        }
        fflush(stdout);
    }
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    char *rm[] = {"/bin/rm", "-rf", dir, NULL};
    bench_run_wait(rm, "/dev/null");
    return code;
}
