/* SPDX-License-Identifier: Apache-2.0 */
/* What the benchmarks that drive a meterd process share: a monotonic clock, starting a program
 * with its output to a log, finding what meterd announces in that log, and counting the rows of
 * a profile buffer as its blocks stream in. Host code: fork/exec, heap. */
#ifndef BENCH_METERD_H
#define BENCH_METERD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Seconds of CLOCK_MONOTONIC. */
double bench_now_s(void);

/* Starts argv[0] with argv, its stdout and stderr to the file at log; the pid, or -1. */
pid_t bench_spawn(char *const argv[], const char *log);

/* bench_spawn and waits: the exit status, or -1 if it did not exit normally. */
int bench_run_wait(char *const argv[], const char *log);

/* The first word after the first occurrence of prefix in the file at log, into out (at most
 * cap - 1 characters): true if found. E.g. prefix "HDLC line on " gives the pseudo-terminal. */
bool bench_log_word(const char *log, const char *prefix, char *out, size_t cap);

/* Writes the benchmarks' keys file for a new meter (meterd --keys, docs/security.md): the
 * management client's keys for HLS-GMAC and an LLS secret 00000001, mode 0600. 0 or -1. */
int bench_write_keys(const char *path);

/* Counts the rows of a profile buffer (an A-XDR array of structures) as the blocks arrive:
 * pass bench_rows_sink and a zeroed struct to session_get; free buf after. */
struct bench_rows {
    uint8_t *buf;
    size_t len, cap;
    bool header;
    uint32_t total, done;
};

int bench_rows_sink(void *user, const uint8_t *p, size_t n);

#endif
