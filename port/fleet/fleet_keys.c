/* SPDX-License-Identifier: Apache-2.0 */
/* fleet_keys: HKDF-SHA256 of Mbed TLS over the fleet secret (fleet_keys.h). */
#include "fleet_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>

#include "meterfw/base/ct.h"
#include "meterfw/base/error.h"

static int fail(char *err, size_t cap, const char *fmt, ...)
{
    if (err != NULL && cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int fleet_secret_load(const char *path, struct fleet_secret *s, char *err, size_t errcap)
{
    memset(s, 0, sizeof *s);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errcap, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(err, errcap, "%s: not a regular file", path);
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        close(fd);
        return fail(err, errcap, "%s: others may read it (mode %03o): chmod 600 it", path,
                    (unsigned)(st.st_mode & 0777));
    }
    char text[2 * FLEET_SECRET_MAX + 4];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 0)
        return fail(err, errcap, "%s: %s", path, strerror(errno));
    size_t len = (size_t)n;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    int rc = 0;
    if (len < 32 || len > 2 * FLEET_SECRET_MAX || len % 2 != 0) {
        rc = fail(err, errcap, "%s: the secret is 32 to 128 hex digits on one line", path);
    } else {
        for (size_t i = 0; i < len / 2 && rc == 0; i++) {
            int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);
            if (hi < 0 || lo < 0)
                rc = fail(err, errcap, "%s: the secret is not hex", path);
            else
                s->b[i] = (uint8_t)(hi << 4 | lo);
        }
        s->len = len / 2;
    }
    mfw_ct_wipe(text, sizeof text);
    if (rc != 0)
        mfw_ct_wipe(s, sizeof *s);
    return rc;
}

int fleet_secret_create(const char *path, struct fleet_secret *s, char *err, size_t errcap)
{
    memset(s, 0, sizeof *s);
    s->len = 32;
    if (getrandom(s->b, s->len, 0) != (ssize_t)s->len)
        return fail(err, errcap, "getrandom: %s", strerror(errno));
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(err, errcap, "%s: %s", path, strerror(errno));
    char text[2 * FLEET_SECRET_MAX + 2];
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < s->len; i++) {
        text[2 * i] = hex[s->b[i] >> 4];
        text[2 * i + 1] = hex[s->b[i] & 15];
    }
    text[2 * s->len] = '\n';
    ssize_t w = write(fd, text, 2 * s->len + 1);
    mfw_ct_wipe(text, sizeof text);
    if (w != (ssize_t)(2 * s->len + 1) || fsync(fd) != 0) {
        close(fd);
        return fail(err, errcap, "%s: cannot write the secret", path);
    }
    return close(fd) == 0 ? 0 : fail(err, errcap, "%s: %s", path, strerror(errno));
}

int fleet_keys_derive(const struct fleet_secret *s, const char *serial,
                      uint8_t key[MFW_KEYS_COUNT][MFW_KEYS_LEN])
{
    static const char *const names[MFW_KEYS_COUNT] = {"guek", "gbek", "ak", "kek"};
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    if (md == NULL)
        return MFW_E_IO;
    for (unsigned k = 0; k < MFW_KEYS_COUNT; k++) {
        char info[64];
        int n = snprintf(info, sizeof info, "%s:%s", serial, names[k]);
        if (n <= 0 || (size_t)n >= sizeof info)
            return MFW_E_ARG;
        /* RFC 5869 extract-and-expand */
        if (mbedtls_hkdf(md, (const unsigned char *)FLEET_KEYS_SALT, sizeof FLEET_KEYS_SALT - 1,
                         s->b, s->len, (const unsigned char *)info, (size_t)n, key[k],
                         MFW_KEYS_LEN) != 0)
            return MFW_E_IO;
    }
    return MFW_OK;
}
