/* SPDX-License-Identifier: Apache-2.0 */
/* bench_fleet: a fleet of N meters in one fleetd process under a head-end's load, driven by the
 * project's own client (tools/meterctl/session.c) from K threads (docs/fleet.md "Benchmark").
 *
 *   bench_fleet FLEETD N SECONDS [THREADS [HISTORY_H]]
 *
 * fleetd starts with N meters on one shared wrapper port and HISTORY_H hours of history (so the
 * load profiles have rows), real time (--speed 1). Then, each phase SECONDS long:
 *   idle      no client: fleetd's CPU per simulated meter-second, its resident memory
 *   assoc     HLS-GMAC associations (connect, AARQ with a ciphered InitiateRequest, AARE, pass 3,
 *             RLRQ, close) on meters drawn at random: associations per second
 *   get       associations of 200 ciphered GETs of A+ (1.0.1.8.0.255 attribute 2) each, on
 *             meters drawn at random: GET round trips per second, p50 and p99 latency
 *   profile   the last HISTORY_H hours of the load profile (1.0.99.1.0.255 by range): rows/s
 * Each thread has its own share of the meters (meter i to thread i mod K), so that invocation
 * counters never race. The keys come from the fleet's keys.csv, as a head-end's import.
 * Prints one line of the table (bench/fleet.sh prints the header) and a line of detail. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto_posix.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"
#include "session.h"

#define TITLE "\x4D\x46\x57\x42\x45\x4E\x43\x48" /* the client's system title: MFWBENCH */

struct meter_keys {
    uint8_t ek[16], ak[16];
    uint32_t ic; /* the next invocation counter (the thread owning the meter only) */
};

struct job {
    int phase; /* 1 assoc, 2 get, 3 profile */
    unsigned thread, threads;
    double until;
    uint64_t ops, rows, errors;
    double *lat;
    size_t n_lat, cap_lat;
    unsigned seed;
    char err[256];
};

static uint16_t port;
static uint32_t meters;
static struct meter_keys *keys;
static int64_t profile_from_ms, profile_to_ms;

/* The posix crypto port caches key schedules in a table of its own (crypto_posix.c): the
 * client threads take turns at it. */
static pthread_mutex_t crypto_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct mfw_crypto_port *posix_port;

static int l_enc(void *ctx, const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                 size_t aad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[12])
{
    pthread_mutex_lock(&crypto_lock);
    int r = posix_port->gcm_encrypt(ctx, key, iv, aad, aad_len, in, len, out, tag);
    pthread_mutex_unlock(&crypto_lock);
    return r;
}

static int l_dec(void *ctx, const uint8_t key[16], const uint8_t iv[12], const uint8_t *aad,
                 size_t aad_len, const uint8_t *in, size_t len, const uint8_t tag[12], uint8_t *out)
{
    pthread_mutex_lock(&crypto_lock);
    int r = posix_port->gcm_decrypt(ctx, key, iv, aad, aad_len, in, len, tag, out);
    pthread_mutex_unlock(&crypto_lock);
    return r;
}

static int l_random(void *ctx, uint8_t *out, size_t n)
{
    pthread_mutex_lock(&crypto_lock);
    int r = posix_port->random(ctx, out, n);
    pthread_mutex_unlock(&crypto_lock);
    return r;
}

static struct mfw_crypto_port locked_port;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int hexbytes(const char *s, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static int load_keys(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[512];
    uint32_t n = 0;
    if (fgets(line, sizeof line, f) == NULL) { /* the header */
        fclose(f);
        return -1;
    }
    while (n < meters && fgets(line, sizeof line, f) != NULL) {
        /* serial,index,model,feeder,address,port,annual_kwh,pv_kwp,system_title,guek,gbek,ak,kek */
        char *col[13];
        unsigned c = 0;
        for (char *p = strtok(line, ",\n"); p != NULL && c < 13; p = strtok(NULL, ",\n"))
            col[c++] = p;
        if (c != 13 || hexbytes(col[9], keys[n].ek, 16) || hexbytes(col[11], keys[n].ak, 16)) {
            fclose(f);
            return -1;
        }
        keys[n].ic = 1;
        n++;
    }
    fclose(f);
    return n == meters ? 0 : -1;
}

static uint32_t pick(struct job *j)
{
    /* a meter of this thread's share: i = thread + k * threads */
    uint32_t share = (meters - j->thread + j->threads - 1) / j->threads;
    uint32_t k = (uint32_t)rand_r(&j->seed) % (share ? share : 1);
    return j->thread + k * j->threads;
}

static int associate(struct session *s, uint32_t i)
{
    int r = session_connect(s, "127.0.0.1", port, 1, 10000);
    s->server_sap = (uint16_t)(16 + i); /* the shared port: the server wPort names the meter */
    if (r != MFW_OK)
        return r;
    s->sec.crypto = &locked_port;
    memcpy(s->sec.ek, keys[i].ek, 16);
    memcpy(s->sec.ak, keys[i].ak, 16);
    memcpy(s->sec.title, TITLE, 8);
    s->sec.sc = 0x30;
    s->sec.ic = keys[i].ic;
    r = session_associate_gmac(s);
    keys[i].ic = s->sec.ic; /* used up, accepted or not */
    return r;
}

static void lat_add(struct job *j, double v)
{
    if (j->n_lat == j->cap_lat) {
        size_t cap = j->cap_lat ? 2 * j->cap_lat : 65536;
        double *p = realloc(j->lat, cap * sizeof *p);
        if (p == NULL)
            return;
        j->lat = p;
        j->cap_lat = cap;
    }
    j->lat[j->n_lat++] = v;
}

struct rows {
    uint8_t head[8];
    size_t len;
    uint32_t total;
};

/* The profile's rows: the array's count from the first bytes of its Data (A-XDR length). */
static int rows_sink(void *user, const uint8_t *p, size_t n)
{
    struct rows *r = user;
    while (n > 0 && r->len < sizeof r->head) {
        r->head[r->len++] = *p++;
        n--;
    }
    if (r->len >= 2 && r->head[0] == MFW_AXDR_ARRAY) {
        size_t nb = r->head[1] < 0x80 ? 0 : (size_t)(r->head[1] & 0x7F);
        if (nb <= 4 && r->len >= 2 + nb) {
            uint32_t c = r->head[1] < 0x80 ? r->head[1] : 0;
            for (size_t k = 0; k < nb; k++)
                c = c << 8 | r->head[2 + k];
            r->total = c;
        }
    }
    return 0;
}

static void *worker(void *arg)
{
    struct job *j = arg;
    static const struct mfw_dlms_client_ref aplus = {3, {1, 0, 1, 8, 0, 255}, 2};
    static const struct mfw_dlms_client_ref lp = {7, {1, 0, 99, 1, 0, 255}, 2};
    struct mfw_dlms_client_access acc;
    memset(&acc, 0, sizeof acc);
    acc.selector = MFW_DLMS_CLIENT_SEL_RANGE;
    acc.restricting = (struct mfw_dlms_client_ref){8, {0, 0, 1, 0, 0, 255}, 2};
    mfw_cosem_datetime_from_ms(&acc.from, profile_from_ms, 0, 0);
    mfw_cosem_datetime_from_ms(&acc.to, profile_to_ms, 0, 0);
    while (now_s() < j->until) {
        uint32_t i = pick(j);
        struct session s;
        double t0 = now_s();
        int r = associate(&s, i);
        if (r != MFW_OK) {
            snprintf(j->err, sizeof j->err, "meter %u: %.200s", (unsigned)i, s.err);
            j->errors++;
            session_close(&s);
            continue;
        }
        if (j->phase == 1) {
            r = session_release(&s);
            if (r == MFW_OK) {
                j->ops++;
                lat_add(j, now_s() - t0);
            } else {
                j->errors++;
            }
        } else if (j->phase == 2) {
            for (int k = 0; k < 200 && now_s() < j->until; k++) {
                uint8_t *v = NULL;
                size_t n = 0;
                double t = now_s();
                r = session_get(&s, &aplus, NULL, NULL, NULL, &v, &n);
                free(v);
                if (r != MFW_OK) {
                    snprintf(j->err, sizeof j->err, "GET: %.200s", s.err);
                    j->errors++;
                    break;
                }
                lat_add(j, now_s() - t);
                j->ops++;
            }
            (void)session_release(&s);
        } else {
            struct rows rw;
            memset(&rw, 0, sizeof rw);
            double t = now_s();
            r = session_get(&s, &lp, &acc, rows_sink, &rw, NULL, NULL);
            if (r == MFW_OK) {
                lat_add(j, now_s() - t);
                j->ops++;
                j->rows += rw.total;
            } else {
                snprintf(j->err, sizeof j->err, "profile: %.200s", s.err);
                j->errors++;
            }
            (void)session_release(&s);
        }
        keys[i].ic = s.sec.ic;
        session_close(&s);
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct phase_result {
    double rate, rows_rate, p50_ms, p99_ms, cpu;
    uint64_t errors;
    char err[256];
};

/* fleetd's CPU seconds (utime + stime) and resident KiB, from /proc. */
static double proc_cpu(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long proc_rss_kib(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kib = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static void run_phase(int phase, unsigned threads, double seconds, pid_t pid,
                      struct phase_result *res)
{
    struct job *jobs = calloc(threads, sizeof *jobs);
    pthread_t *tid = calloc(threads, sizeof *tid);
    double cpu0 = proc_cpu(pid), t0 = now_s();
    for (unsigned t = 0; t < threads; t++) {
        jobs[t] = (struct job){.phase = phase,
                               .thread = t,
                               .threads = threads,
                               .until = t0 + seconds,
                               .seed = 1234u + t};
        pthread_create(&tid[t], NULL, worker, &jobs[t]);
    }
    uint64_t ops = 0, rows = 0, errors = 0;
    size_t n_lat = 0;
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        ops += jobs[t].ops;
        rows += jobs[t].rows;
        errors += jobs[t].errors;
        n_lat += jobs[t].n_lat;
    }
    double el = now_s() - t0;
    res->cpu = (proc_cpu(pid) - cpu0) / el;
    double *all = malloc((n_lat ? n_lat : 1) * sizeof *all);
    size_t k = 0;
    res->err[0] = '\0';
    for (unsigned t = 0; t < threads; t++) {
        if (jobs[t].n_lat)
            memcpy(all + k, jobs[t].lat, jobs[t].n_lat * sizeof *all);
        k += jobs[t].n_lat;
        if (jobs[t].err[0] && !res->err[0])
            snprintf(res->err, sizeof res->err, "%s", jobs[t].err);
        free(jobs[t].lat);
    }
    qsort(all, n_lat, sizeof *all, cmp_double);
    res->rate = (double)ops / el;
    res->rows_rate = (double)rows / el;
    res->errors = errors;
    res->p50_ms = n_lat ? all[n_lat / 2] * 1e3 : 0;
    res->p99_ms = n_lat ? all[n_lat * 99 / 100] * 1e3 : 0;
    free(all);
    free(jobs);
    free(tid);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_fleet FLEETD N SECONDS [THREADS [HISTORY_H]]\n");
        return 2;
    }
    const char *fleetd = argv[1];
    meters = (uint32_t)strtoul(argv[2], NULL, 10);
    double seconds = strtod(argv[3], NULL);
    unsigned threads = argc > 4 ? (unsigned)strtoul(argv[4], NULL, 10) : 4;
    unsigned hist_h = argc > 5 ? (unsigned)strtoul(argv[5], NULL, 10) : 24;
    if (meters == 0 || seconds <= 0 || threads == 0 || threads > 64)
        return 2;
    keys = calloc(meters, sizeof *keys);
    posix_port = crypto_posix_port();
    locked_port = *posix_port;
    locked_port.gcm_encrypt = l_enc;
    locked_port.gcm_decrypt = l_dec;
    locked_port.random = l_random;
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/bench_fleet.XXXXXX", tmpdir ? tmpdir : ".");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char state[4200], nbuf[16], hbuf[16];
    snprintf(state, sizeof state, "%s/state", dir);
    snprintf(nbuf, sizeof nbuf, "%u", (unsigned)meters);
    snprintf(hbuf, sizeof hbuf, "%uh", hist_h);
    int pfd[2];
    if (pipe(pfd) != 0)
        return 1;
    double t_start = now_s();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* fleetd goes with the benchmark */
        dup2(pfd[1], STDERR_FILENO);
        close(pfd[0]);
        close(pfd[1]);
        execl(fleetd, fleetd, "--meters", nbuf, "--state-dir", state, "--shared-port", "0",
              "--history", hbuf, "--quiet", (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    FILE *err = fdopen(pfd[0], "r");
    char line[1024];
    bool ready = false;
    while (fgets(line, sizeof line, err) != NULL) {
        unsigned p;
        const char *q = strstr(line, " (wrapper, server wPort");
        if (q != NULL) {
            const char *b = q;
            while (b > line && b[-1] >= '0' && b[-1] <= '9')
                b--;
            if (sscanf(b, "%u", &p) == 1)
                port = (uint16_t)p;
        }
        if (strncmp(line, "fleetd: ready", 13) == 0) {
            ready = true;
            break;
        }
    }
    double t_ready = now_s() - t_start;
    /* fleetd's stderr goes on being read (nothing more is expected), so it never blocks */
    if (!ready || port == 0) {
        fprintf(stderr, "bench_fleet: fleetd did not start\n");
        kill(pid, SIGTERM);
        return 1;
    }
    char kpath[4300];
    snprintf(kpath, sizeof kpath, "%s/keys.csv", state);
    if (load_keys(kpath) != 0) {
        fprintf(stderr, "bench_fleet: cannot read %s\n", kpath);
        kill(pid, SIGTERM);
        return 1;
    }
    /* the rows of the history: the last hist_h hours before now, on whole quarter hours */
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    profile_to_ms = (int64_t)wall.tv_sec * 1000;
    profile_from_ms = profile_to_ms - (int64_t)hist_h * 3600000;

    /* idle: the simulation alone, at real time */
    double cpu0 = proc_cpu(pid), t0 = now_s();
    long rss_ready = proc_rss_kib(pid);
    sleep((unsigned)(seconds + 0.5));
    double idle_el = now_s() - t0;
    double idle_cpu = proc_cpu(pid) - cpu0;
    long rss_idle = proc_rss_kib(pid);
    struct phase_result as, gt, pr;
    run_phase(1, threads, seconds, pid, &as);
    run_phase(2, threads, seconds, pid, &gt);
    run_phase(3, threads, seconds, pid, &pr);
    long rss_load = proc_rss_kib(pid);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    fclose(err);

    double mib = (double)(rss_load > rss_idle ? rss_load : rss_idle) / 1024.0;
    printf("| %u | %.1f s | %.0f KiB | %.0f MiB | %.2f us | %.0f %% | %.0f | %.0f | %.2f / %.2f ms "
           "| %.0f | %.0f %% |\n",
           (unsigned)meters, t_ready, mib * 1024.0 / meters, mib,
           idle_cpu / ((double)meters * idle_el) * 1e6, 100.0 * idle_cpu / idle_el, as.rate,
           gt.rate, gt.p50_ms, gt.p99_ms, pr.rows_rate, 100.0 * gt.cpu);
    printf("  N=%u: RSS ready %ld KiB, idle %ld, after load %ld; associations p50 %.2f ms p99 "
           "%.2f ms (%.0f %% CPU); profile reads %.1f/s p50 %.1f ms p99 %.1f ms (%.0f %% CPU); "
           "errors %llu/%llu/%llu%s%s; fleetd exit %d\n",
           (unsigned)meters, rss_ready, rss_idle, rss_load, as.p50_ms, as.p99_ms, 100.0 * as.cpu,
           pr.rate, pr.p50_ms, pr.p99_ms, 100.0 * pr.cpu, (unsigned long long)as.errors,
           (unsigned long long)gt.errors, (unsigned long long)pr.errors,
           as.err[0] || gt.err[0] || pr.err[0] ? ": " : "",
           as.err[0]   ? as.err
           : gt.err[0] ? gt.err
                       : pr.err,
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_fleet: could not remove %s\n", dir);
    return 0;
}
