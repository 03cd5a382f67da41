/* SPDX-License-Identifier: Apache-2.0 */
/* A standalone main() for a libFuzzer harness, without libFuzzer: the fuzz_smoke_* tests of the
 * normal (gcc, ASan+UBSan) test tree link it with one fuzz/fuzz_<name>.c (see fuzz/smoke.cmake).
 * Like LLVM's StandaloneFuzzTargetMain it replays files, and it adds a small deterministic
 * mutator so every harness also runs on inputs nobody wrote by hand:
 *
 *   fuzz_smoke_<name> [-runs=N] [-seed=S] [-max_len=L] [-only=K] [-dump=FILE]
 *                     [-artifact_prefix=P] [SEED-FILE|SEED-DIR]...
 *
 *   1. LLVMFuzzerInitialize (when the harness has one: smoke.cmake defines FUZZ_HAVE_INITIALIZE)
 *      runs first, as in libFuzzer; it may write generated seeds into $MFW_FUZZ_SEED_DIR.
 *   2. The empty input, then every seed file (a directory: its regular files, sorted by name).
 *   3. N inputs (default 20000), input k made by a xorshift64* generator seeded from (S, k) alone:
 *      1 in 8 pure random bytes (all of them without seeds), the rest a seed with 1..8 stacked
 *      mutations: bit flip, random byte, interesting byte, insert, delete, duplicate a chunk,
 *      truncate, splice with another seed.
 * Because input k depends only on (S, k, seeds), `-only=K -dump=FILE` rebuilds one input to
 * replay it under a debugger or under the libFuzzer build (./fuzz_<name> FILE). When a sanitizer
 * or abort() kills the process, the driver says which input it was and, with -artifact_prefix,
 * writes it to <prefix>crash.
 *
 * Not part of the firmware: host C11 + POSIX (directory reading, signals). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* gcc -fsanitize=address defines __SANITIZE_ADDRESS__; the death callback then names the input
 * after the sanitizer's own report. */
#if defined(__SANITIZE_ADDRESS__) && defined(__has_include)
#if __has_include(<sanitizer/common_interface_defs.h>)
#include <sanitizer/common_interface_defs.h>
#define FUZZ_HAVE_DEATH_CALLBACK 1
#endif
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#ifdef FUZZ_HAVE_INITIALIZE
int LLVMFuzzerInitialize(int *argc, char ***argv);
#endif

struct blob {
    uint8_t *p;
    size_t n;
};

static struct blob *seeds;
static size_t n_seeds, cap_seeds;

/* What is running now, for the death report: set before each input. */
static char current_desc[256];
static const uint8_t *current_data;
static size_t current_size;
static char artifact_path[4096];

static void die(const char *what)
{
    fprintf(stderr, "fuzz driver: %s\n", what);
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        die("out of memory");
    return q;
}

static void add_seed(uint8_t *p, size_t n)
{
    if (n_seeds == cap_seeds) {
        cap_seeds = cap_seeds ? 2 * cap_seeds : 16;
        seeds = xrealloc(seeds, cap_seeds * sizeof(*seeds));
    }
    seeds[n_seeds].p = p;
    seeds[n_seeds].n = n;
    n_seeds++;
}

static void load_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "fuzz driver: cannot open %s: %s\n", path, strerror(errno));
        exit(2);
    }
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            buf = xrealloc(buf, cap);
        }
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
    }
    if (ferror(f))
        die("read error");
    fclose(f);
    add_seed(buf, n);
}

static int only_regular(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static void load_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "fuzz driver: %s: %s\n", path, strerror(errno));
        exit(2);
    }
    if (!S_ISDIR(st.st_mode)) {
        load_file(path);
        return;
    }
    struct dirent **list;
    int n = scandir(path, &list, only_regular, alphasort);
    if (n < 0)
        die("cannot read a seed directory");
    for (int k = 0; k < n; k++) {
        char full[4096];
        int w = snprintf(full, sizeof(full), "%s/%s", path, list[k]->d_name);
        if (w > 0 && (size_t)w < sizeof(full) && stat(full, &st) == 0 && S_ISREG(st.st_mode))
            load_file(full);
        free(list[k]);
    }
    free(list);
}

/* xorshift64* (Vigna): small, fast, and the same sequence everywhere. */
static uint64_t rng_state;

static uint64_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static void rng_seed(uint64_t seed, uint64_t k)
{
    /* splitmix64 of (seed, k): input k does not depend on the inputs before it. */
    uint64_t z = seed * 0x9E3779B97F4A7C15ULL + k + 1;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    rng_state = z ? z : 1;
}

static size_t below(size_t n)
{
    return n ? (size_t)(rng() % n) : 0;
}

/* Mutates b in place (b->p has room for max_len bytes). */
static void mutate(struct blob *b, size_t max_len)
{
    static const uint8_t interesting[] = {0x00, 0x01, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff,
                                          '\n', '\r', ' ',  '#',  ':',  '%',  '0',  '9'};
    unsigned rounds = 1 + (unsigned)below(8);
    for (unsigned r = 0; r < rounds; r++) {
        switch (below(8)) {
        case 0: /* bit flip */
            if (b->n)
                b->p[below(b->n)] ^= (uint8_t)(1u << below(8));
            break;
        case 1: /* random byte */
            if (b->n)
                b->p[below(b->n)] = (uint8_t)rng();
            break;
        case 2: /* interesting byte */
            if (b->n)
                b->p[below(b->n)] = interesting[below(sizeof(interesting))];
            break;
        case 3: { /* insert 1..4 random bytes */
            size_t k = 1 + below(4), at = below(b->n + 1);
            if (b->n + k > max_len)
                break;
            memmove(b->p + at + k, b->p + at, b->n - at);
            for (size_t j = 0; j < k; j++)
                b->p[at + j] = (uint8_t)rng();
            b->n += k;
            break;
        }
        case 4: { /* delete 1..8 bytes */
            if (b->n == 0)
                break;
            size_t at = below(b->n), k = 1 + below(8);
            if (k > b->n - at)
                k = b->n - at;
            memmove(b->p + at, b->p + at + k, b->n - at - k);
            b->n -= k;
            break;
        }
        case 5: { /* duplicate a chunk in place */
            if (b->n == 0)
                break;
            size_t from = below(b->n), k = 1 + below(b->n - from), at = below(b->n + 1);
            if (b->n + k > max_len)
                break;
            uint8_t tmp[256];
            if (k > sizeof(tmp))
                k = sizeof(tmp);
            memcpy(tmp, b->p + from, k);
            memmove(b->p + at + k, b->p + at, b->n - at);
            memcpy(b->p + at, tmp, k);
            b->n += k;
            break;
        }
        case 6: /* truncate */ b->n = below(b->n + 1); break;
        default: { /* splice: our prefix, another seed's suffix */
            if (n_seeds == 0)
                break;
            const struct blob *o = &seeds[below(n_seeds)];
            size_t cut = below(b->n + 1), from = below(o->n + 1), k = o->n - from;
            if (cut + k > max_len)
                k = max_len - cut;
            memcpy(b->p + cut, o->p + from, k);
            b->n = cut + k;
            break;
        }
        }
    }
}

static void write_artifact(void)
{
    if (artifact_path[0] == '\0' || current_data == NULL)
        return;
    int fd = open(artifact_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    size_t off = 0;
    while (off < current_size) {
        ssize_t w = write(fd, current_data + off, current_size - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
}

/* Async-signal-safe: write(2) only. */
static void report_death(void)
{
    static const char head[] = "\nfuzz driver: the harness died on ";
    ssize_t ignored = write(2, head, sizeof(head) - 1);
    ignored = write(2, current_desc, strlen(current_desc));
    ignored = write(2, "\n", 1);
    (void)ignored;
    write_artifact();
}

static void on_signal(int sig)
{
    report_death();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void run_one(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy, as libFuzzer does: ASan flags any read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        die("out of memory");
    if (size)
        memcpy(copy, data, size);
    current_data = copy;
    current_size = size;
    LLVMFuzzerTestOneInput(copy, size);
    current_data = NULL;
    free(copy);
}

static unsigned long long arg_num(const char *s, const char *name)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') {
        fprintf(stderr, "fuzz driver: bad number for %s: %s\n", name, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
#ifdef FUZZ_HAVE_INITIALIZE
    LLVMFuzzerInitialize(&argc, &argv);
#endif
    unsigned long long runs = 20000, seed = 1, max_len = 4096, only = 0;
    int have_only = 0;
    const char *dump = NULL;
    for (int a = 1; a < argc; a++) {
        const char *s = argv[a];
        if (strncmp(s, "-runs=", 6) == 0)
            runs = arg_num(s + 6, "-runs");
        else if (strncmp(s, "-seed=", 6) == 0)
            seed = arg_num(s + 6, "-seed");
        else if (strncmp(s, "-max_len=", 9) == 0)
            max_len = arg_num(s + 9, "-max_len");
        else if (strncmp(s, "-only=", 6) == 0) {
            only = arg_num(s + 6, "-only");
            have_only = 1;
        } else if (strncmp(s, "-dump=", 6) == 0)
            dump = s + 6;
        else if (strncmp(s, "-artifact_prefix=", 17) == 0) {
            int w = snprintf(artifact_path, sizeof(artifact_path), "%scrash", s + 17);
            if (w < 0 || (size_t)w >= sizeof(artifact_path))
                die("-artifact_prefix too long");
        } else if (s[0] == '-') {
            fprintf(stderr, "fuzz driver: unknown option %s\n", s);
            return 2;
        } else
            load_path(s);
    }
    if (max_len == 0 || max_len > (1u << 24))
        die("-max_len must be 1..16777216");

#ifdef FUZZ_HAVE_DEATH_CALLBACK
    __sanitizer_set_death_callback(report_death);
#endif
    /* abort() from a harness check. SIGSEGV stays with ASan, whose handler reports it. */
    signal(SIGABRT, on_signal);
#ifndef FUZZ_HAVE_DEATH_CALLBACK
    signal(SIGSEGV, on_signal);
    signal(SIGFPE, on_signal);
#endif

    unsigned long long replayed = 0;
    if (!have_only) {
        snprintf(current_desc, sizeof(current_desc), "the empty input");
        run_one(NULL, 0);
        for (size_t k = 0; k < n_seeds; k++) {
            snprintf(current_desc, sizeof(current_desc), "seed %zu (%zu bytes)", k, seeds[k].n);
            run_one(seeds[k].p, seeds[k].n);
        }
        replayed = 1 + n_seeds;
    }

    /* Room for mutations: the longest seed or max_len, whichever is larger. */
    size_t room = (size_t)max_len;
    for (size_t k = 0; k < n_seeds; k++)
        if (seeds[k].n > room)
            room = seeds[k].n;
    struct blob cur = {xrealloc(NULL, room), 0};
    unsigned long long first = have_only ? only : 0, last = have_only ? only + 1 : runs;
    for (unsigned long long k = first; k < last; k++) {
        rng_seed(seed, k);
        if (n_seeds == 0 || below(8) == 0) {
            /* Pure random bytes, mostly short. */
            size_t n = below(4) ? below(64) : below((size_t)max_len + 1);
            for (size_t j = 0; j < n; j++)
                cur.p[j] = (uint8_t)rng();
            cur.n = n;
        } else {
            const struct blob *s = &seeds[below(n_seeds)];
            memcpy(cur.p, s->p, s->n);
            cur.n = s->n;
            mutate(&cur, room);
        }
        snprintf(current_desc, sizeof(current_desc),
                 "input %llu (%zu bytes); rebuild it with -seed=%llu -only=%llu -dump=FILE and the "
                 "same seed arguments",
                 k, cur.n, seed, k);
        if (dump != NULL) {
            FILE *f = fopen(dump, "wb");
            if (f == NULL || fwrite(cur.p, 1, cur.n, f) != cur.n || fclose(f) != 0)
                die("cannot write the -dump file");
        }
        run_one(cur.p, cur.n);
    }
    free(cur.p);
    for (size_t k = 0; k < n_seeds; k++)
        free(seeds[k].p);
    free(seeds);
    printf("fuzz driver: %llu seed inputs and %llu generated inputs (seed %llu) ran clean\n",
           replayed, last - first, seed);
    return 0;
}
