/* SPDX-License-Identifier: Apache-2.0 */
#include "seed_dir.h"

#include <stdio.h>
#include <stdlib.h>

void fuzz_seed_write(const char *harness, const char *name, const void *p, size_t n)
{
    const char *dir = getenv("MFW_FUZZ_SEED_DIR");
    if (dir == NULL || dir[0] == '\0')
        return;
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = (k > 0 && (size_t)k < sizeof path) ? fopen(path, "wb") : NULL;
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "%s: cannot write the seed %s\n", harness, k > 0 ? path : name);
        abort();
    }
}
