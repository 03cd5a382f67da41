/* SPDX-License-Identifier: Apache-2.0 */
#include "bench_meterd.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"

double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

pid_t bench_spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int bench_run_wait(char *const argv[], const char *log)
{
    pid_t pid = bench_spawn(argv, log);
    if (pid < 0)
        return -1;
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

bool bench_log_word(const char *log, const char *prefix, char *out, size_t cap)
{
    if (cap == 0)
        return false;
    FILE *f = fopen(log, "r");
    if (!f)
        return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        const char *p = strstr(line, prefix);
        if (p == NULL)
            continue;
        p += strlen(prefix);
        size_t n = strcspn(p, " \t\r\n");
        if (n == 0 || n >= cap)
            continue;
        memcpy(out, p, n);
        out[n] = '\0';
        found = true;
    }
    fclose(f);
    return found;
}

int bench_write_keys(const char *path)
{
    static const char keys[] = "guek = 000102030405060708090A0B0C0D0E0F\n"
                               "ak = D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF\n"
                               "kek = 000102030405060708090A0B0C0D0E0F\n"
                               "client-title = 4D46574243484D31\n"
                               "policy = 3\n"
                               "lls-secret = 00000001\n";
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return -1;
    bool ok = write(fd, keys, sizeof keys - 1) == (ssize_t)(sizeof keys - 1);
    return close(fd) == 0 && ok ? 0 : -1;
}

int bench_rows_sink(void *user, const uint8_t *p, size_t n)
{
    struct bench_rows *r = user;
    if (n > r->cap - r->len) {
        size_t cap = r->cap ? r->cap : 8192;
        while (n > cap - r->len)
            cap *= 2;
        uint8_t *q = realloc(r->buf, cap);
        if (!q)
            return MFW_E_NOSPACE;
        r->buf = q;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    size_t pos = 0;
    if (!r->header) {
        /* array tag, then the A-XDR length: one byte below 0x80, else 0x80 + up to 4 bytes */
        if (r->len < 2)
            return 0;
        if (r->buf[0] != MFW_AXDR_ARRAY)
            return MFW_E_FORMAT;
        size_t nb = r->buf[1] < 0x80 ? 0 : (size_t)(r->buf[1] & 0x7F);
        if (r->buf[1] == 0x80 || nb > 4)
            return MFW_E_FORMAT;
        if (r->len < 2 + nb)
            return 0;
        uint32_t c = r->buf[1] < 0x80 ? r->buf[1] : 0;
        for (size_t k = 0; k < nb; k++)
            c = c << 8 | r->buf[2 + k];
        r->total = c;
        r->header = true;
        pos = 2 + nb;
    }
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, r->buf, r->len);
    rc.pos = pos;
    while (r->done < r->total) {
        struct mfw_rcursor probe = rc;
        if (mfw_axdr_skip(&probe, MFW_AXDR_DEPTH_MAX) != MFW_OK)
            break;
        rc.pos = probe.pos;
        r->done++;
    }
    memmove(r->buf, r->buf + rc.pos, r->len - rc.pos);
    r->len -= rc.pos;
    return 0;
}
