/* SPDX-License-Identifier: Apache-2.0 */
/* image_slots: meterd's firmware image slots (image_slots.h). */
#include "image_slots.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>

#include "meterfw/base/error.h"
#include "meterfw/base/options.h"

static const char *const slot_name[2] = {"slot-a.img", "slot-b.img"};

static int path(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int save_state(const struct image_slots *s)
{
    char p[4200], t[4200];
    if (path(p, sizeof p, s->dir, "slots") || path(t, sizeof t, s->dir, "slots.tmp"))
        return -1;
    FILE *f = fopen(t, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "active %c trial %d\n", s->active ? 'B' : 'A', s->trial ? 1 : 0);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        return -1;
    }
    fclose(f);
    return rename(t, p);
}

/* The whole of slot k (at most cap bytes): its length, or -1 (no file: the factory image). */
static long read_slot(const struct image_slots *s, unsigned k, uint8_t *buf, size_t cap)
{
    char p[4200];
    if (path(p, sizeof p, s->dir, slot_name[k]))
        return -1;
    FILE *f = fopen(p, "rb");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, cap, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    return bad ? -1 : (long)n;
}

int image_slots_parse(const uint8_t *b, size_t n, const uint8_t **id, size_t *id_len,
                      size_t *signed_len, const uint8_t **sig, size_t *sig_len)
{
    if (n < 4 + 1 + 4 + 2 || memcmp(b, "MFWI", 4) != 0)
        return MFW_E_FORMAT;
    size_t il = b[4];
    if (il == 0 || il > MFW_IMAGE_ID_MAX || n < 5 + il + 4)
        return MFW_E_FORMAT;
    const uint8_t *p = b + 5 + il;
    uint64_t body =
        (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
    uint64_t sl = 5 + il + 4 + body;
    if (sl + 2 > n)
        return MFW_E_FORMAT;
    size_t sg = (size_t)b[sl] | (size_t)b[sl + 1] << 8;
    if (sg == 0 || sl + 2 + sg != n) /* nothing after the signature */
        return MFW_E_FORMAT;
    *id = b + 5;
    *id_len = il;
    *signed_len = (size_t)sl;
    *sig = b + sl + 2;
    *sig_len = sg;
    return MFW_OK;
}

static int s_begin(void *ctx, uint32_t size)
{
    struct image_slots *s = ctx;
    char p[4200];
    if (size > IMAGE_SLOTS_MAX || path(p, sizeof p, s->dir, slot_name[!s->active]))
        return MFW_E_RANGE;
    FILE *f = fopen(p, "wb"); /* erased: empty, then written in place */
    if (f == NULL)
        return MFW_E_IO;
    fclose(f);
    s->size = size;
    return MFW_OK;
}

static int s_write(void *ctx, uint32_t off, const uint8_t *d, size_t n)
{
    struct image_slots *s = ctx;
    char p[4200];
    if (off > s->size || n > s->size - off || path(p, sizeof p, s->dir, slot_name[!s->active]))
        return MFW_E_RANGE;
    FILE *f = fopen(p, "r+b");
    if (f == NULL)
        return MFW_E_IO;
    int rc = fseek(f, (long)off, SEEK_SET) == 0 && fwrite(d, 1, n, f) == n ? MFW_OK : MFW_E_IO;
    if (fclose(f) != 0)
        rc = MFW_E_IO;
    return rc;
}

static int s_verify(void *ctx, uint32_t size, uint8_t *id, size_t cap, size_t *id_len)
{
    struct image_slots *s = ctx;
    uint8_t *b = malloc(IMAGE_SLOTS_MAX);
    if (b == NULL)
        return MFW_E_IO;
    long n = read_slot(s, !s->active, b, IMAGE_SLOTS_MAX);
    const uint8_t *pid, *sig;
    size_t il, sl, sgl;
    int rc = n == (long)size ? image_slots_parse(b, (size_t)n, &pid, &il, &sl, &sig, &sgl)
                             : MFW_E_FORMAT;
    if (rc == MFW_OK && il > cap)
        rc = MFW_E_FORMAT;
    if (rc == MFW_OK) {
        uint8_t hash[32];
        mbedtls_pk_context pk;
        mbedtls_pk_init(&pk);
        /* Mbed TLS 2.28: a PEM key with its NUL; a fresh context per parse (firmware
         * reference 4.3) */
        if (s->key_len == 0 || mbedtls_pk_parse_public_key(&pk, s->key, s->key_len) != 0 ||
            !mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECKEY) || mbedtls_sha256_ret(b, sl, hash, 0) != 0 ||
            mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, sizeof hash, sig, sgl) != 0)
            rc = MFW_E_AUTH;
        mbedtls_pk_free(&pk);
        if (rc == MFW_OK) {
            memcpy(id, pid, il);
            *id_len = il;
        }
    }
    free(b);
    return rc;
}

static int s_activate(void *ctx)
{
    struct image_slots *s = ctx;
    s->active = !s->active;
    s->trial = true;
    if (save_state(s) != 0) {
        s->active = !s->active;
        s->trial = false;
        return MFW_E_IO;
    }
    s->reboot = true;
    return MFW_OK;
}

static int s_running(void *ctx, uint8_t *id, size_t cap, size_t *id_len, bool *trial)
{
    struct image_slots *s = ctx;
    *trial = s->trial;
    uint8_t *b = malloc(IMAGE_SLOTS_MAX);
    if (b == NULL)
        return MFW_E_IO;
    long n = read_slot(s, s->active, b, IMAGE_SLOTS_MAX);
    int rc = MFW_OK;
    if (n < 0 && s->active == 0) {
        size_t l = strlen(IMAGE_SLOTS_FACTORY_ID);
        if (l > cap)
            rc = MFW_E_RANGE;
        else {
            memcpy(id, IMAGE_SLOTS_FACTORY_ID, l);
            *id_len = l;
        }
    } else {
        const uint8_t *pid, *sig;
        size_t il, sl, sgl;
        rc = n > 0 ? image_slots_parse(b, (size_t)n, &pid, &il, &sl, &sig, &sgl) : MFW_E_FORMAT;
        if (rc == MFW_OK && il > cap)
            rc = MFW_E_RANGE;
        if (rc == MFW_OK) {
            memcpy(id, pid, il);
            *id_len = il;
        }
    }
    free(b);
    return rc;
}

static int s_confirm(void *ctx)
{
    struct image_slots *s = ctx;
    if (s->no_confirm)
        return MFW_E_IO; /* the new image's self-test failed */
    s->trial = false;
    return save_state(s) == 0 ? MFW_OK : MFW_E_IO;
}

int image_slots_open(struct image_slots *s, const char *dir, const char *key_file, char *err,
                     size_t cap)
{
    memset(s, 0, sizeof *s);
    if (strlen(dir) >= sizeof s->dir) {
        snprintf(err, cap, "--state-dir: path too long");
        return -1;
    }
    strcpy(s->dir, dir);
    FILE *f = fopen(key_file, "rb");
    if (f == NULL) {
        snprintf(err, cap, "--image-key %s: %s", key_file, strerror(errno));
        return -1;
    }
    size_t n = fread(s->key, 1, sizeof s->key - 1, f);
    fclose(f);
    s->key[n] = '\0';
    s->key_len = n + 1;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int ok = mbedtls_pk_parse_public_key(&pk, s->key, s->key_len) == 0 &&
             mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECKEY);
    mbedtls_pk_free(&pk);
    if (!ok) {
        snprintf(err, cap, "--image-key %s: not a PEM EC public key", key_file);
        return -1;
    }
    char p[4200];
    if (path(p, sizeof p, s->dir, "slots") == 0 && (f = fopen(p, "r")) != NULL) {
        char a = 'A';
        int t = 0;
        if (fscanf(f, "active %c trial %d", &a, &t) != 2 || (a != 'A' && a != 'B')) {
            fclose(f);
            snprintf(err, cap, "%s: not a slots file", p);
            return -1;
        }
        fclose(f);
        s->active = a == 'B';
        s->trial = t != 0;
    }
    if (s->trial) {
        /* the previous run booted a new image on trial and it never confirmed: back */
        s->active = !s->active;
        s->trial = false;
        s->rolled_back = true;
        if (save_state(s) != 0) {
            snprintf(err, cap, "%s: cannot write the slots file", p);
            return -1;
        }
    }
    s->port = (struct mfw_image_port){s,        IMAGE_SLOTS_MAX, s_begin,   s_write,
                                      s_verify, s_activate,      s_running, s_confirm};
    return 0;
}
