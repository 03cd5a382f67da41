/* libFuzzer harness for snapshot_load: arbitrary bytes into a meter whose registers hold a known
 * pattern. Checks the contract of snapshot.h:
 *   - a refused record returns FORMAT, CRC or VERSION and changes nothing in the meter (memcmp of
 *     the whole struct against a copy taken before the call);
 *   - an accepted record touches only the registers and the time of the last tick, and saving the
 *     meter again reproduces the input byte for byte (the format is fixed size: a record is
 *     accepted only at exactly SNAPSHOT_SIZE bytes, so the whole input is the valid part).
 * Every input is also loaded a second time with its last 4 bytes replaced by the correct CRC-32,
 * so the fuzzer reaches the version, model and table-shape checks behind the CRC instead of
 * spending its time guessing checksums.
 *
 * Seeds: LLVMFuzzerInitialize writes a valid record made by snapshot_save into the directory named
 * by MFW_FUZZ_SEED_DIR (when set), before libFuzzer or fuzz/driver.c read their corpus. It also
 * checks once that this valid record loads, so a drift between save and load cannot leave the
 * harness quietly testing only the refusals. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/bytes.h"
#include "meterfw/crc.h"
#include "meterfw/error.h"
#include "meterfw/meter.h"
#include "meterfw/snapshot.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct hal no_hal; /* no hardware: every member NULL */
static struct meter base;       /* initialised meter with the register pattern */
static bool base_ready;

static void make_base(void)
{
    if (base_ready)
        return;
    struct meter_config cfg;
    meter_default_config(&cfg, METER_382M);
    /* memset first so the padding bytes are defined and memcmp below compares like with like. */
    memset(&base, 0, sizeof(base));
    if (meter_init(&base, &cfg, &no_hal) != MFW_OK)
        abort();
    /* Distinct, byte-order-revealing values, so a load that moved anything shows. */
    for (unsigned r = 0; r <= MFW_PHASES_MAX; r++)
        for (unsigned q = 0; q < EQ_COUNT; q++)
            base.reg.uwh[r][q] = 0x0102030405060708ull * (r * EQ_COUNT + q + 1) + r;
    base.now = 1767225600123LL; /* 2026-01-01T00:00:00.123Z */
    base_ready = true;
}

/* Loads len bytes of buf (an exact-size heap buffer: ASan flags any read past its end) into a
 * fresh copy of the base meter and checks the contract; returns what snapshot_load returned. */
static int check_load(const uint8_t *buf, size_t len)
{
    static struct meter m, before; /* large; not on the fuzzer's stack */
    memcpy(&m, &base, sizeof(m));
    memcpy(&before, &m, sizeof(before));

    int r = snapshot_load(&m, buf, len);
    if (r != MFW_OK) {
        if (r != MFW_E_FORMAT && r != MFW_E_CRC && r != MFW_E_VERSION)
            abort();
        if (memcmp(&m, &before, sizeof(m)) != 0)
            abort(); /* a failed load must change nothing */
        return r;
    }

    if (len != SNAPSHOT_SIZE)
        abort(); /* only a whole record of this build is accepted */
    /* Nothing but the registers and the time may have changed. */
    memcpy(&before.reg, &m.reg, sizeof(before.reg));
    before.now = m.now;
    if (memcmp(&m, &before, sizeof(m)) != 0)
        abort();
    /* Round trip: saving again gives back exactly the bytes that were loaded. */
    uint8_t out[SNAPSHOT_SIZE];
    size_t n = 0;
    if (snapshot_save(&m, out, sizeof(out), &n) != MFW_OK || n != SNAPSHOT_SIZE)
        abort();
    if (memcmp(out, buf, SNAPSHOT_SIZE) != 0)
        abort();
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_base();
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    if (size)
        memcpy(copy, data, size);
    check_load(copy, size);
    /* Again with a correct CRC-32 in the last 4 bytes (crc.h: IEEE 802.3, as snapshot.h). */
    if (size >= 4) {
        bytes_put_le32(copy + size - 4, crc32(copy, size - 4));
        check_load(copy, size);
    }
    free(copy);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    make_base();
    static uint8_t rec[SNAPSHOT_SIZE];
    size_t n = 0;
    if (snapshot_save(&base, rec, sizeof(rec), &n) != MFW_OK || n != SNAPSHOT_SIZE)
        abort();
    uint8_t *copy = malloc(n);
    if (copy == NULL)
        abort();
    memcpy(copy, rec, n);
    if (check_load(copy, n) != MFW_OK) {
        fprintf(stderr, "fuzz_snapshot: the seed made by snapshot_save does not load\n");
        abort();
    }
    free(copy);

    const char *dir = getenv("MFW_FUZZ_SEED_DIR");
    if (dir != NULL && dir[0] != '\0') {
        char path[4096];
        int k = snprintf(path, sizeof(path), "%s/snapshot-valid.bin", dir);
        FILE *f = (k > 0 && (size_t)k < sizeof(path)) ? fopen(path, "wb") : NULL;
        if (f == NULL || fwrite(rec, 1, n, f) != n || fclose(f) != 0) {
            fprintf(stderr, "fuzz_snapshot: cannot write the seed %s\n", path);
            abort();
        }
    }
    return 0;
}
