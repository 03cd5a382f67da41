/* SPDX-License-Identifier: Apache-2.0 */
/* The in-home display's web server (http.h). */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *type,
                                const char *p, size_t n)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    return send_buf(c, status, "text/plain; charset=utf-8", text, strlen(text));
}

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return "application/octet-stream";
    if (strcmp(dot, ".html") == 0)
        return "text/html; charset=utf-8";
    if (strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    if (strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (strcmp(dot, ".svg") == 0)
        return "image/svg+xml";
    return "application/octet-stream";
}

/* A file name of the page: letters, digits, '-', '_', '.', not starting with '.' (no way out of
 * the folder). */
static bool plain_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

static enum MHD_Result send_file(struct MHD_Connection *c, const char *dir, const char *name,
                                 const char *missing)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        char msg[1200];
        snprintf(msg, sizeof msg, "not found: %s%s", name, missing ? missing : "");
        return send_text(c, MHD_HTTP_NOT_FOUND, msg);
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type_of(name));
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* Server-sent events: one "now" event at once, then one on every change, and at least one a
 * second (so the page can tell a quiet meter from a dead server). */
struct sse {
    struct ihd_state *st;
    uint64_t seen;
    bool started;
    struct ihd_buf out;
    size_t off;
    int64_t last_ms;
};

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct sse *s = cls;
    if (s->off >= s->out.len) {
        s->out.len = 0;
        s->off = 0;
        struct ihd_state *st = s->st;
        pthread_mutex_lock(&st->mu);
        if (s->started) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            while (st->seq == s->seen && !st->stopping)
                if (pthread_cond_timedwait(&st->cv, &st->mu, &until) == ETIMEDOUT)
                    break;
        }
        bool stop = st->stopping;
        s->seen = st->seq;
        pthread_mutex_unlock(&st->mu);
        if (stop)
            return MHD_CONTENT_READER_END_OF_STREAM;
        /* at most ten events a second, whatever a flood of bad bytes does to seq */
        int64_t gap = now_ms() - s->last_ms;
        if (s->started && gap < 100) {
            struct timespec d = {0, (long)(100 - gap) * 1000000L};
            nanosleep(&d, NULL);
        }
        s->started = true;
        s->last_ms = now_ms();
        ihd_buf_printf(&s->out, "event: now\ndata: ");
        ihd_state_json_now(st, &s->out, s->last_ms);
        ihd_buf_printf(&s->out, "\n\n");
        if (s->out.oom)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = s->out.len - s->off;
    if (n > max)
        n = max;
    memcpy(buf, s->out.p + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static void sse_free(void *cls)
{
    struct sse *s = cls;
    ihd_buf_free(&s->out);
    free(s);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    struct ihd_http *h = cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
    if (strcmp(url, "/api/now") == 0 || strcmp(url, "/api/history") == 0) {
        struct ihd_buf b = {0};
        if (url[5] == 'n') {
            ihd_state_json_now(h->st, &b, now_ms());
        } else {
            const char *range = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "range");
            if (!ihd_state_json_history(h->st, range ? range : "day", &b)) {
                ihd_buf_free(&b);
                return send_text(c, MHD_HTTP_BAD_REQUEST, "range: day, week, month or year\n");
            }
        }
        if (b.oom) {
            ihd_buf_free(&b);
            return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
        }
        enum MHD_Result r = send_buf(c, MHD_HTTP_OK, "application/json", b.p, b.len);
        ihd_buf_free(&b);
        return r;
    }
    if (strcmp(url, "/api/stream") == 0) {
        struct sse *s = calloc(1, sizeof *s);
        if (!s)
            return MHD_NO;
        s->st = h->st;
        struct MHD_Response *r =
            MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, s, sse_free);
        if (!r) {
            free(s);
            return MHD_NO;
        }
        MHD_add_response_header(r, "Content-Type", "text/event-stream");
        MHD_add_response_header(r, "Cache-Control", "no-store");
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strncmp(url, "/uplot/", 7) == 0) {
        const char *name = url + 7;
        if (strcmp(name, "uPlot.iife.min.js") != 0 && strcmp(name, "uPlot.min.css") != 0)
            return send_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        return send_file(c, h->uplot, name,
                         " (uPlot is installed by scripts/npm.sh; ihd --uplot DIR says where)\n");
    }
    if (strcmp(url, "/favicon.ico") == 0)
        return send_buf(c, MHD_HTTP_NO_CONTENT, "image/x-icon", "", 0);
    const char *name = strcmp(url, "/") == 0 ? "index.html" : url + 1;
    if (!plain_name(name))
        return send_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
    return send_file(c, h->web, name, NULL);
}

bool ihd_http_start(struct ihd_http *h, struct ihd_state *st, unsigned port, const char *web,
                    const char *uplot, char *err, size_t n)
{
    memset(h, 0, sizeof *h);
    h->st = st;
    snprintf(h->web, sizeof h->web, "%s", web);
    snprintf(h->uplot, sizeof h->uplot, "%s", uplot);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* localhost only: the page is the household's */
    h->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_USE_ERROR_LOG,
                            (uint16_t)port, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, n, "cannot listen on 127.0.0.1:%u", port);
        return false;
    }
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = i ? i->port : port;
    return true;
}

void ihd_http_stop(struct ihd_http *h)
{
    if (!h->d)
        return;
    pthread_mutex_lock(&h->st->mu);
    h->st->stopping = true;
    pthread_cond_broadcast(&h->st->cv);
    pthread_mutex_unlock(&h->st->mu);
    MHD_stop_daemon(h->d);
    h->d = NULL;
}
