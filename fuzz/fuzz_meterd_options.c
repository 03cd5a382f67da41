/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for meterd's command line (port/posix/options.c meterd_parse_options) and its
 * ISO 8601 times (port/posix/isotime.c). The input is split at NUL bytes and newlines into at
 * most ARGS_MAX arguments after "meterd", each an exact-size heap copy (ASan sees any read past
 * one). Invariants:
 *   - the result is OPTS_OK, OPTS_HELP or OPTS_ERROR, the same for a short error buffer;
 *   - an error message is NUL-terminated inside its buffer and not empty (also when truncated);
 *   - an accepted command line has every field in the range options.h and README "The virtual
 *     meter" give it: model 162M or 382M, 0 < Iref < Imax <= 1000 A, serial 1-16 of
 *     [A-Za-z0-9_-], a non-empty scenario and state dir, 0 < speed <= 1e6, --speed and --until
 *     not both, --until after --start, times of the years 1970..9999, fidelity sample or fast
 *     (never left to auto), rate 4000 or 8000, --lp-days 1..3660, a keys file path that is not empty;
 *     at most 3 --module, each with a pty or a TCP port, --p1-period 1..3600, --han-period 2..10,
 *     --push-interval 60..86400;
 *   - isotime: every argument, and every argument's ":SS"-less form, either is refused or gives
 *     an instant of 1970..9999 that isotime_format writes back as the same text; isotime_format
 *     of any 64-bit instant (the input's first 8 bytes) fits its buffer, and one in range with
 *     whole seconds parses back to itself.
 * Seeds: command lines of README "The virtual meter", written to $MFW_FUZZ_SEED_DIR when it is
 * set (and parsed once as a check). */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "options.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ARGS_MAX 32
#define ERR_CAP 256
#define ERR_SHORT 12
/* 9999-12-31T23:59:59.999Z */
#define ISO_LAST_MS 253402300799999LL

static bool serial_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 16)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = s[k];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool time_ok(mfw_ms_t t)
{
    return t >= 0 && t <= ISO_LAST_MS && t % 1000 == 0;
}

static void check_opts(const struct meterd_opts *o)
{
    if (o->model != MFW_METER_162M && o->model != MFW_METER_382M)
        abort();
    if (!isfinite(o->i_ref_a) || !isfinite(o->i_max_a) || !(o->i_ref_a > 0.0) ||
        !(o->i_max_a > o->i_ref_a) || o->i_max_a > 1000.0)
        abort();
    if (memchr(o->serial, '\0', sizeof o->serial) == NULL || !serial_ok(o->serial))
        abort();
    if (o->scenario == NULL || o->scenario[0] == '\0')
        abort();
    if (!isfinite(o->speed) || !(o->speed > 0.0) || o->speed > 1e6 ||
        (!o->has_speed && o->speed != 1.0))
        abort();
    if (o->has_speed && o->has_until)
        abort();
    if ((o->has_until && !time_ok(o->until_ms)) || (o->has_start && !time_ok(o->start_ms)) ||
        (o->has_until && o->has_start && o->until_ms <= o->start_ms))
        abort();
    if (o->fidelity != FIDELITY_SAMPLE && o->fidelity != FIDELITY_FAST)
        abort();
    if (o->rate_hz != 4000 && o->rate_hz != 8000)
        abort();
    /* the modules (docs/consumer.md): at most 3, each somewhere to send, periods in range */
    if (o->n_modules > METERD_MODULES_MAX || o->p1_period_s < 1 || o->p1_period_s > 3600 ||
        o->han_period_s < 2 || o->han_period_s > 10 || o->push_interval_s < 60 ||
        o->push_interval_s > 86400)
        abort();
    for (unsigned k = 0; k < o->n_modules; k++)
        if ((o->modules[k].kind != MODULE_P1 && o->modules[k].kind != MODULE_HAN &&
             o->modules[k].kind != MODULE_WMBUS) ||
            (!o->modules[k].pty && !o->modules[k].tcp))
            abort();
    if (o->state_dir != NULL && o->state_dir[0] == '\0')
        abort();
    if (o->lp_days > 3660)
        abort();
    if (o->keys_file != NULL && o->keys_file[0] == '\0')
        abort();
    if (!o->has_port && o->port != 4059)
        abort();
}

static void check_error(const char *err, size_t cap)
{
    const char *nul = memchr(err, '\0', cap);
    if (nul == NULL || nul == err)
        abort(); /* not terminated inside the buffer, or empty */
}

/* An argument as a time: refused, or an instant in range written back as the same text (with
 * ":00" when the argument had no seconds). */
static void check_time_text(const char *s)
{
    mfw_ms_t t;
    if (!isotime_parse(s, &t))
        return;
    if (!time_ok(t))
        abort();
    char out[ISOTIME_LEN];
    isotime_format(t, out);
    size_t n = strlen(s);
    if (n == 20 ? strcmp(out, s) != 0
                : n != 17 || strncmp(out, s, 16) != 0 || strcmp(out + 16, ":00Z") != 0)
        abort();
}

static void check_time_value(mfw_ms_t t)
{
    char out[ISOTIME_LEN + 8];
    memset(out, 0x55, sizeof out);
    isotime_format(t, out);
    const char *nul = memchr(out, '\0', sizeof out);
    if (nul == NULL || nul - out >= ISOTIME_LEN || out[ISOTIME_LEN] != 0x55)
        abort();
    mfw_ms_t back;
    if (t >= 0 && t <= ISO_LAST_MS && t % 1000 == 0 && (!isotime_parse(out, &back) || back != t))
        abort();
}

static int parse(int argc, char **argv, struct meterd_opts *o, size_t cap)
{
    char err[ERR_CAP];
    memset(err, 0x55, sizeof err); /* no NUL: the parser must write one */
    int r = meterd_parse_options(argc, argv, o, err, cap);
    if (r == OPTS_ERROR)
        check_error(err, cap);
    else if (r == OPTS_OK)
        check_opts(o);
    else if (r != OPTS_HELP)
        abort();
    return r;
}

static void run_args(char **argv, int argc)
{
    static struct meterd_opts o;
    int r = parse(argc, argv, &o, ERR_CAP);
    if (parse(argc, argv, &o, ERR_SHORT) != r)
        abort();
    for (int k = 1; k < argc; k++)
        check_time_text(argv[k]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[ARGS_MAX + 2];
    int argc = 0;
    argv[argc++] = strdup("meterd");
    size_t start = 0;
    for (size_t k = 0; k <= size && argc <= ARGS_MAX; k++) {
        if (k < size && data[k] != '\0' && data[k] != '\n')
            continue;
        size_t n = k - start;
        char *a = malloc(n + 1); /* exact size: ASan sees any read past the NUL */
        if (a == NULL)
            abort();
        if (n > 0)
            memcpy(a, data + start, n);
        a[n] = '\0';
        argv[argc++] = a;
        start = k + 1;
    }
    argv[argc] = NULL;
    run_args(argv, argc);
    for (int k = 0; k < argc; k++)
        free(argv[k]);
    if (size >= 8) {
        uint64_t u = 0;
        for (unsigned k = 0; k < 8; k++)
            u = u << 8 | data[k];
        check_time_value((mfw_ms_t)u);
        check_time_value((mfw_ms_t)(u % (uint64_t)(ISO_LAST_MS + 1)) / 1000 * 1000);
    }
    return 0;
}

/* ---- seeds */

static const char *const seed_lines[] = {
    "--model\n162M\n--current\n5(60)A\n--serial\nABC_12-x\n--scenario\nhousehold-pv\n"
    "--until\n2027-01-01T00:00Z\n--start\n2026-01-01T00:00:00Z\n--fidelity\nsample\n--rate\n8000\n"
    "--state-dir\nstate\n--report\njson\n--no-display\n--lp-days\n366\n--port\n0\n--no-dlms\n"
    "--keys\nmeter.keys",
    "--model=382M\n--current=10(100)A\n--speed=60\n--rtc-lost\n--port=4060\n--fidelity=fast",
    "--speed\n0.5\n--start\n2026-03-29T01:59:59Z\n--serial\n00000001\n--module\np1=pty,tcp:2000\n"
    "--module=han=tcp:0\n--p1-period\n10\n--han-period\n5\n--han-cipher\n--consumer-off\n"
    "--push\n127.0.0.1:4063\n--push-interval\n900\n--push-cipher\n--module\nwmbus=pty\n"
    "--wmbus-period\n16",
    "--help",
    "--until\n2026-01-01T00:00:00Z\n--start\n2026-01-01T00:00:00Z",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (size_t k = 0; k < sizeof seed_lines / sizeof seed_lines[0]; k++) {
        const char *s = seed_lines[k];
        /* once: the seeds mean what they say (the last one is refused) */
        static char copy[1024];
        char *args[ARGS_MAX + 1] = {"meterd"};
        int n = 1;
        snprintf(copy, sizeof copy, "%s", s);
        for (char *save = NULL, *t = strtok_r(copy, "\n", &save); t && n < ARGS_MAX;
             t = strtok_r(NULL, "\n", &save))
            args[n++] = t;
        struct meterd_opts o;
        char err[ERR_CAP];
        int want = k == 3 ? OPTS_HELP : k == 4 ? OPTS_ERROR : OPTS_OK;
        if (meterd_parse_options(n, args, &o, err, sizeof err) != want)
            abort();
        char name[32];
        snprintf(name, sizeof name, "meterd-args-%zu.txt", k);
        fuzz_seed_write("fuzz_meterd_options", name, s, strlen(s));
    }
    return 0;
}
