/* libFuzzer harness for the meter's persistent records (src/meter/meter_state.c): arbitrary
 * bytes into mfw_meter_state_decode() and mfw_meter_state_decode_settings(). A rejected record must change
 * nothing (the meter and the settings are compared byte for byte with copies); an accepted one
 * must encode again. Seeds: the records of a default meter, made in
 * LLVMFuzzerInitialize and written to $MFW_FUZZ_SEED_DIR when it is set. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meter/meter_state.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/meter.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mfw_meter base;
static struct mfw_meter work;
static const struct mfw_hal no_flash;

static void write_seed(const char *dir, const char *name, const uint8_t *b, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(b, 1, n, f);
        fclose(f);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, MFW_METER_382M);
    if (mfw_meter_init(&base, &cfg, &no_flash, 1767225600000LL) != MFW_OK)
        abort();
    for (unsigned q = 0; q < MFW_EQ_COUNT; q++)
        base.registers.uwh[MFW_ENERGY_TOTAL][q] = 1000003ull * (q + 1);
    const char *dir = getenv("MFW_FUZZ_SEED_DIR");
    uint8_t buf[MFW_METER_CONFIG_MAX];
    size_t n;
    if (mfw_meter_state_encode(&base, buf, sizeof buf, &n) != MFW_OK)
        abort();
    if (dir)
        write_seed(dir, "state-valid.bin", buf, n);
    if (mfw_meter_state_encode_settings(&base.settings, buf, sizeof buf, &n) != MFW_OK)
        abort();
    if (dir)
        write_seed(dir, "config-valid.bin", buf, n);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees any overread */
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    uint8_t again[MFW_METER_CONFIG_MAX];
    size_t n = 0;

    work = base;
    int rc = mfw_meter_state_decode(&work, copy, size);
    if (rc != MFW_OK) {
        if (rc != MFW_E_FORMAT && rc != MFW_E_VERSION)
            abort();
        if (memcmp(&work, &base, sizeof work) != 0)
            abort(); /* a rejected record changed the meter */
    } else if (mfw_meter_state_encode(&work, again, sizeof again, &n) != MFW_OK) {
        abort(); /* whatever was accepted must be savable again */
    }

    struct mfw_meter_settings s = base.settings;
    rc = mfw_meter_state_decode_settings(&s, copy, size);
    if (rc != MFW_OK) {
        if (rc != MFW_E_FORMAT && rc != MFW_E_VERSION && rc != MFW_E_RANGE)
            abort();
        if (memcmp(&s, &base.settings, sizeof s) != 0)
            abort(); /* a rejected record changed the settings */
    }
    free(copy);
    return 0;
}
