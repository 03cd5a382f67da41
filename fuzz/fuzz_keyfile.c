/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the keys file text (port/posix/keyfile.c keyfile_parse: meterd --keys,
 * meterctl -K and METERCTL_KEYS), its consumer-ek / consumer-ak lines included. The input is the
 * text (cut at its first NUL). Invariants:
 *   - the result is 0 or -1; on -1 the message is NUL-terminated inside its buffer and not empty;
 *   - an accepted file gives a policy of -1 (not given) or 0..3, an LLS secret of at most
 *     MFW_COSEM_SECRET_MAX characters, and a configuration (keyfile_to_config over the defaults)
 *     that the meter's own check takes (mfw_keys_validate), the consumer keys only as given;
 *   - keyfile_wipe leaves nothing but zeros.
 * Seeds: the keys files of docs/security.md and tests/system/lib/meterctl_env.bash, with the
 * consumer keys, written to $MFW_FUZZ_SEED_DIR when it is set (and parsed once as a check). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/keys.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT_MAX 8192

static void check(const char *text)
{
    struct keyfile kf;
    char err[128];
    memset(err, 'x', sizeof err);
    int rc = keyfile_parse(text, &kf, err, sizeof err);
    if (rc != 0 && rc != -1)
        abort();
    if (rc == -1) {
        if (memchr(err, '\0', sizeof err) == NULL || err[0] == '\0')
            abort();
        return;
    }
    if (kf.policy < -1 || kf.policy > 3 || kf.lls_len > MFW_COSEM_SECRET_MAX)
        abort();
    struct mfw_keys_config c;
    mfw_keys_default_config(&c, "1");
    keyfile_to_config(&kf, &c);
    if (mfw_keys_validate(&c) != MFW_OK)
        abort();
    if ((c.consumer_have & 1u) != (kf.has_consumer_ek ? 1u : 0u) ||
        (c.consumer_have & 2u) != (kf.has_consumer_ak ? 2u : 0u) || c.consumer_policy != 0)
        abort();
    keyfile_wipe(&kf);
    const uint8_t *b = (const uint8_t *)&kf;
    for (size_t k = 0; k < sizeof kf; k++)
        if (b[k] != 0)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char text[TEXT_MAX + 1];
    size_t n = size < TEXT_MAX ? size : TEXT_MAX;
    memcpy(text, data, n);
    text[n] = '\0';
    check(text);
    return 0;
}

static const char *const seeds[] = {
    "# the keys of the test meter (docs/security.md)\n"
    "guek = 000102030405060708090A0B0C0D0E0F\n"
    "gbek = B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF\n"
    "ak = D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF\n"
    "kek = 000102030405060708090A0B0C0D0E0F\n"
    "policy = 3\n"
    "client-title = 4D46574843544C31\n"
    "consumer-ek = 00112233445566778899AABBCCDDEEFF\n"
    "consumer-ak = D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF\n",
    "unicast-key = 000102030405060708090A0B0C0D0E0F;authentication-key = "
    "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF;server-title = 4D46570000000001;lls-secret = 00000001",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("MFW_FUZZ_SEED_DIR");
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        struct keyfile kf;
        char err[128];
        if (keyfile_parse(seeds[k], &kf, err, sizeof err) != 0) /* the seeds are good files */
            abort();
        keyfile_wipe(&kf);
        if (dir) {
            char path[4096];
            snprintf(path, sizeof path, "%s/keyfile-%zu.txt", dir, k);
            FILE *f = fopen(path, "wb");
            if (f) {
                fputs(seeds[k], f);
                fclose(f);
            }
        }
    }
    return 0;
}
