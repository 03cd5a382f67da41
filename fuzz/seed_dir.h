/* SPDX-License-Identifier: Apache-2.0 */
/* seed_dir: where a harness's LLVMFuzzerInitialize puts the seeds it makes (captured exchanges,
 * built records): $MFW_FUZZ_SEED_DIR, set by the smoke tests (fuzz/smoke.cmake) and fuzz/run.sh.
 * Linked into every harness, in both builds. Host C11 + POSIX. */
#ifndef FUZZ_SEED_DIR_H
#define FUZZ_SEED_DIR_H

#include <stddef.h>

/* Writes n bytes at p as the file name in $MFW_FUZZ_SEED_DIR; nothing when it is unset or empty.
 * A seed that cannot be written aborts, naming the harness and the path: a fuzzer that runs
 * without its seeds would look like one that found nothing. */
void fuzz_seed_write(const char *harness, const char *name, const void *p, size_t n);

#endif
