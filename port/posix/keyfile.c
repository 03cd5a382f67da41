/* SPDX-License-Identifier: Apache-2.0 */
/* keyfile: keys from an owner-only file (keyfile.h). */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meterfw/base/ct.h"

#define FILE_MAX 4096

static int fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly n bytes of hex (spaces and ':' between pairs allowed). */
static bool hex_exact(const char *v, uint8_t *out, size_t n)
{
    size_t k = 0;
    for (const char *p = v; *p != '\0';) {
        if (*p == ' ' || *p == ':' || *p == '\t') {
            p++;
            continue;
        }
        int hi = hexval(p[0]), lo = p[1] != '\0' ? hexval(p[1]) : -1;
        if (hi < 0 || lo < 0 || k >= n)
            return false;
        out[k++] = (uint8_t)(hi << 4 | lo);
        p += 2;
    }
    return k == n;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static const struct {
    const char *name, *alias;
    int id;
} key_names[] = {
    {"guek", "unicast-key", MFW_KEYS_UNICAST},
    {"gbek", "broadcast-key", MFW_KEYS_BROADCAST},
    {"ak", "authentication-key", MFW_KEYS_AUTHENTICATION},
    {"kek", "master-key", MFW_KEYS_MASTER},
};

static int line(char *l, unsigned no, struct keyfile *kf, char *err, size_t cap)
{
    char *hash = strchr(l, '#');
    if (hash != NULL)
        *hash = '\0';
    l = trim(l);
    if (*l == '\0')
        return 0;
    char *eq = strchr(l, '=');
    if (eq == NULL)
        return fail(err, cap, "line %u: not 'name = value'", no);
    *eq = '\0';
    char *name = trim(l), *val = trim(eq + 1);
    for (size_t k = 0; k < sizeof key_names / sizeof key_names[0]; k++) {
        if (strcmp(name, key_names[k].name) != 0 && strcmp(name, key_names[k].alias) != 0)
            continue;
        if (!hex_exact(val, kf->key[key_names[k].id], MFW_KEYS_LEN))
            return fail(err, cap, "line %u: %s must be 16 bytes of hex (32 digits)", no, name);
        kf->have |= (uint8_t)(1u << key_names[k].id);
        return 0;
    }
    if (strcmp(name, "server-title") == 0 || strcmp(name, "client-title") == 0) {
        bool server = name[0] == 's';
        if (!hex_exact(val, server ? kf->server_title : kf->client_title, MFW_KEYS_TITLE_LEN))
            return fail(err, cap, "line %u: %s must be 8 bytes of hex (16 digits)", no, name);
        if (server)
            kf->has_server_title = true;
        else
            kf->has_client_title = true;
        return 0;
    }
    if (strcmp(name, "wmbus-key") == 0) {
        if (!hex_exact(val, kf->wmbus_key, MFW_KEYS_LEN))
            return fail(err, cap, "line %u: %s must be 16 bytes of hex (32 digits)", no, name);
        kf->has_wmbus_key = true;
        return 0;
    }
    if (strcmp(name, "consumer-ek") == 0 || strcmp(name, "consumer-ak") == 0) {
        bool ek = name[9] == 'e';
        if (!hex_exact(val, ek ? kf->consumer_ek : kf->consumer_ak, MFW_KEYS_LEN))
            return fail(err, cap, "line %u: %s must be 16 bytes of hex (32 digits)", no, name);
        if (ek)
            kf->has_consumer_ek = true;
        else
            kf->has_consumer_ak = true;
        return 0;
    }
    if (strcmp(name, "policy") == 0) {
        if (strlen(val) != 1 || val[0] < '0' || val[0] > '3')
            return fail(err, cap, "line %u: policy is 0, 1, 2 or 3", no);
        kf->policy = val[0] - '0';
        return 0;
    }
    if (strcmp(name, "lls-secret") == 0) {
        size_t n = strlen(val);
        if (n == 0 || n > MFW_COSEM_SECRET_MAX)
            return fail(err, cap, "line %u: lls-secret must be 1..%u characters", no,
                        (unsigned)MFW_COSEM_SECRET_MAX);
        memcpy(kf->lls, val, n + 1);
        kf->lls_len = n;
        return 0;
    }
    return fail(err, cap, "line %u: unknown name '%s'", no, name);
}

int keyfile_parse(const char *text, struct keyfile *kf, char *err, size_t errcap)
{
    memset(kf, 0, sizeof *kf);
    kf->policy = -1;
    char buf[FILE_MAX + 1];
    size_t n = strlen(text);
    if (n > FILE_MAX)
        return fail(err, errcap, "more than %u bytes", (unsigned)FILE_MAX);
    memcpy(buf, text, n + 1);
    int rc = 0;
    unsigned no = 1;
    for (char *p = buf; rc == 0 && p != NULL; no++) {
        char *end = strpbrk(p, "\n;");
        if (end != NULL)
            *end = '\0';
        rc = line(p, no, kf, err, errcap);
        p = end != NULL ? end + 1 : NULL;
    }
    mfw_ct_wipe(buf, sizeof buf);
    if (rc != 0)
        keyfile_wipe(kf);
    return rc;
}

int keyfile_load(const char *path, struct keyfile *kf, char *err, size_t errcap)
{
    int fd = open(path, O_RDONLY | O_NOCTTY);
    if (fd < 0)
        return fail(err, errcap, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(err, errcap, "%s: not a regular file", path);
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        close(fd);
        return fail(err, errcap,
                    "%s: mode %03o lets others read it; keys files must be 0600 or stricter "
                    "(chmod 600 %s)",
                    path, (unsigned)(st.st_mode & 0777), path);
    }
    char buf[FILE_MAX + 1];
    size_t n = 0;
    for (;;) {
        ssize_t k = read(fd, buf + n, FILE_MAX + 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            close(fd);
            mfw_ct_wipe(buf, sizeof buf);
            return fail(err, errcap, "%s: %s", path, strerror(errno));
        }
        if (k == 0)
            break;
        n += (size_t)k;
        if (n > FILE_MAX) {
            close(fd);
            mfw_ct_wipe(buf, sizeof buf);
            return fail(err, errcap, "%s: more than %u bytes", path, (unsigned)FILE_MAX);
        }
    }
    close(fd);
    buf[n] = '\0';
    if (memchr(buf, '\0', n) != NULL) {
        mfw_ct_wipe(buf, sizeof buf);
        return fail(err, errcap, "%s: not a text file", path);
    }
    char why[256];
    int rc = keyfile_parse(buf, kf, why, sizeof why);
    mfw_ct_wipe(buf, sizeof buf);
    if (rc != 0)
        return fail(err, errcap, "%s: %s", path, why);
    return 0;
}

void keyfile_to_config(const struct keyfile *kf, struct mfw_keys_config *c)
{
    for (unsigned k = 0; k < MFW_KEYS_COUNT; k++)
        if (kf->have & (1u << k)) {
            memcpy(c->key[k], kf->key[k], MFW_KEYS_LEN);
            c->have |= (uint8_t)(1u << k);
        }
    if (kf->has_server_title)
        memcpy(c->server_title, kf->server_title, MFW_KEYS_TITLE_LEN);
    if (kf->has_client_title)
        memcpy(c->client_title, kf->client_title, MFW_KEYS_TITLE_LEN);
    if (kf->policy >= 0)
        c->policy = (uint8_t)kf->policy;
    if (kf->has_consumer_ek) {
        memcpy(c->consumer_ek, kf->consumer_ek, MFW_KEYS_LEN);
        c->consumer_have |= 1u;
    }
    if (kf->has_consumer_ak) {
        memcpy(c->consumer_ak, kf->consumer_ak, MFW_KEYS_LEN);
        c->consumer_have |= 2u;
    }
    if (kf->lls_len > 0) {
        memcpy(c->lls, kf->lls, kf->lls_len);
        c->lls_len = (uint8_t)kf->lls_len;
        c->lls_enabled = true;
    }
}

void keyfile_wipe(struct keyfile *kf)
{
    mfw_ct_wipe(kf, sizeof *kf);
}
