/* SPDX-License-Identifier: Apache-2.0 */
/* afefeed: the analog front end of the emulated meter (port/cortex-m/an386). Runs a scenario
 * through the simulated front end of sim/ (the same scenario grammar and loader as meterd, the
 * ideal front end at the board's nominal scale), and sends its sample sets as afe_link frames
 * (port/cortex-m/an386/afe_link.h) to standard output or to a TCP socket: QEMU's UART0.
 *
 *   afefeed [--model 162M|382M] [--scenario NAME|FILE] --start ISO --until ISO
 *           [--connect PORT] [--realtime]
 *
 * 10 ms of sets per frame (40 at 4 kHz), the scenario's state taken at every change to the
 * millisecond (as meterd's sample fidelity); an END frame at --until. As fast as the line takes
 * them, or no faster than real time with --realtime. Exit 0 when all is sent, 2 on bad input, 1
 * when the line fails. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "afe_link.h"
#include "isotime.h"
#include "meterfw/base/error.h"
#include "meterfw/metrology/metrology.h"
#include "scenario_load.h"
#include "sim/afe.h"
#include "sim/scenario.h"

#define FS_HZ 4000u /* the board's rate (port/cortex-m/an386/main.c BOARD_FS_HZ) */
#define FRAME_SETS 40u
#define I_MAX_A 100.0 /* the meter's Imax (mfw_meter_default_config): the current full scale */

static int usage(void)
{
    fputs("usage: afefeed [--model 162M|382M] [--scenario NAME|FILE] --start ISO --until ISO "
          "[--connect PORT] [--realtime]\n",
          stderr);
    return 2;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int connect_port(const char *port)
{
    char *end;
    long p = strtol(port, &end, 10);
    if (*end != '\0' || p <= 0 || p > 65535)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)p);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int tries = 0; tries < 100; tries++) { /* QEMU may still be starting */
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    close(fd);
    return -1;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    const char *model = "382M", *scn = "household", *port = NULL;
    mfw_ms_t start = 0, until = 0;
    bool have_start = false, have_until = false, realtime = false;
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;
        if (strcmp(a, "--realtime") == 0) {
            realtime = true;
            continue;
        }
        if (v == NULL)
            return usage();
        k++;
        if (strcmp(a, "--model") == 0)
            model = v;
        else if (strcmp(a, "--scenario") == 0)
            scn = v;
        else if (strcmp(a, "--connect") == 0)
            port = v;
        else if (strcmp(a, "--start") == 0)
            have_start = isotime_parse(v, &start);
        else if (strcmp(a, "--until") == 0)
            have_until = isotime_parse(v, &until);
        else
            return usage();
    }
    uint8_t phases = strcmp(model, "162M") == 0 ? 1 : strcmp(model, "382M") == 0 ? 3 : 0;
    if (phases == 0 || !have_start || !have_until || until <= start)
        return usage();
    static struct scenario sc;
    char err[512];
    if (!meterd_load_scenario(&sc, scn, phases, err, sizeof err)) {
        fprintf(stderr, "afefeed: %s\n", err);
        return 2;
    }
    static struct afe afe;
    struct afe_config ac;
    afe_default_config(&ac, phases, FS_HZ, I_MAX_A);
    ac.f_nominal_hz = sc.freq_hz >= 55.0 ? 60.0 : 50.0;
    if (afe_init(&afe, &ac) != MFW_OK) {
        fprintf(stderr, "afefeed: the front end rejects its configuration\n");
        return 2;
    }
    int fd = STDOUT_FILENO;
    if (port != NULL && (fd = connect_port(port)) < 0) {
        fprintf(stderr, "afefeed: cannot connect to 127.0.0.1:%s\n", port);
        return 1;
    }

    static struct mfw_adc_frame sets[FRAME_SETS];
    static uint8_t buf[AFE_LINK_FRAME_MAX];
    mfw_ms_t t = start, state_until = start;
    uint64_t sent_sets = 0;
    size_t pending = 0; /* sets generated, not yet framed */
    mfw_ms_t pending_t = start;
    double t0 = mono_s();
    while (t < until) {
        if (t >= state_until) {
            struct afe_state st;
            scenario_at(&sc, t, &st);
            afe_set(&afe, &st);
            state_until = scenario_next_change(&sc, t);
            if (state_until <= t || state_until > until)
                state_until = until;
        }
        /* up to the next frame boundary or state change */
        mfw_ms_t end = t + 10 < state_until ? t + 10 : state_until;
        size_t n = afe_samples_for(&afe, (double)(end - t) / 1000.0);
        while (n > 0) {
            size_t k = FRAME_SETS - pending < n ? FRAME_SETS - pending : n;
            afe_generate(&afe, sets + pending, k);
            pending += k;
            n -= k;
            if (pending == FRAME_SETS) {
                size_t len = afe_link_encode_samples(buf, sizeof buf, (uint64_t)pending_t, FS_HZ,
                                                     phases, sets, pending);
                if (len == 0 || write_all(fd, buf, len) != 0) {
                    fprintf(stderr, "afefeed: the line failed\n");
                    return 1;
                }
                sent_sets += pending;
                pending = 0;
                pending_t = start + (mfw_ms_t)(sent_sets * 1000u / FS_HZ);
                if (realtime) {
                    double ahead = (double)sent_sets / FS_HZ - (mono_s() - t0);
                    if (ahead > 0) {
                        struct timespec ts = {(time_t)ahead,
                                              (long)((ahead - (double)(time_t)ahead) * 1e9)};
                        nanosleep(&ts, NULL);
                    }
                }
            }
        }
        t = end;
    }
    size_t len = 0;
    if (pending > 0) {
        len = afe_link_encode_samples(buf, sizeof buf, (uint64_t)pending_t, FS_HZ, phases, sets,
                                      pending);
        sent_sets += pending;
    }
    size_t len2 = afe_link_encode_end(buf + len, sizeof buf - len, (uint64_t)until);
    if (len2 == 0 || write_all(fd, buf, len + len2) != 0) {
        fprintf(stderr, "afefeed: the line failed\n");
        return 1;
    }
    char a[ISOTIME_LEN], b[ISOTIME_LEN];
    isotime_format(start, a);
    isotime_format(until, b);
    fprintf(stderr, "afefeed: %s %s -> %s: %llu sample sets at %u Hz sent\n", model, a, b,
            (unsigned long long)sent_sets, FS_HZ);
    if (fd != STDOUT_FILENO)
        close(fd);
    return 0;
}
