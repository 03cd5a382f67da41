/* SPDX-License-Identifier: Apache-2.0 */
/* hdlc_client: meterctl's HDLC client (see hdlc_client.h). */
#include "hdlc_client.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "line_termios.h"
#include "meterfw/base/error.h"

static int fail(struct hdlc_client *c, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    return code;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void trace(const struct hdlc_client *c, const char *dir, const uint8_t *p, size_t n)
{
    if (!c->config.trace)
        return;
    fprintf(stderr, "%s:", dir);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %02X", p[i]);
    fputc('\n', stderr);
}

int hdlc_client_init(struct hdlc_client *c, int fd, bool socket,
                     const struct hdlc_client_config *cfg)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->socket = socket;
    c->config = *cfg;
    c->srv_len = mfw_hdlc_address_encode(&cfg->server, c->srv);
    if (c->srv_len == 0)
        return fail(c, MFW_E_ARG, "the server address does not fit %u bytes",
                    (unsigned)cfg->server.size);
    mfw_hdlc_rx_init(&c->rx, c->info, sizeof c->info);
    mfw_hdlc_params_default(&c->link);
    c->apdu_cap = 0x10000;
    c->apdu = malloc(c->apdu_cap);
    if (c->apdu == NULL)
        return fail(c, MFW_E_NOSPACE, "out of memory");
    return MFW_OK;
}

void hdlc_client_free(struct hdlc_client *c)
{
    free(c->apdu);
    c->apdu = NULL;
}

static int send_bytes(struct hdlc_client *c, const uint8_t *p, size_t n)
{
    trace(c, "TX", p, n);
    while (n > 0) {
        ssize_t k = c->socket ? send(c->fd, p, n, MSG_NOSIGNAL) : write(c->fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {c->fd, POLLOUT, 0};
            (void)poll(&pfd, 1, 100);
            continue;
        }
        if (k <= 0)
            return fail(c, MFW_E_IO, "send: %s", strerror(errno));
        p += k;
        n -= (size_t)k;
        c->bytes_tx += (uint64_t)k;
    }
    return MFW_OK;
}

/* One frame to the meter. */
static int send_frame(struct hdlc_client *c, uint8_t control, bool segmented, const uint8_t *info,
                      size_t n)
{
    uint8_t f[MFW_HDLC_LENGTH_MAX + 8];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, f, sizeof f);
    int r =
        mfw_hdlc_encode(&w, c->srv, c->srv_len, &c->config.client, 1, control, segmented, info, n);
    if (r != MFW_OK)
        return fail(c, r, "frame: %s", mfw_strerror(r));
    c->frames_tx++;
    return send_bytes(c, f, w.len);
}

/* The next frame from the meter to us, within deadline (mono ms). */
static int recv_frame(struct hdlc_client *c, int64_t deadline, struct mfw_hdlc_frame *f)
{
    for (;;) {
        while (c->in_off < c->in_len) {
            size_t used = 0;
            const uint8_t *start = c->in + c->in_off;
            int r = mfw_hdlc_rx_feed(&c->rx, start, c->in_len - c->in_off, mono_ms(), &used, f);
            c->in_off += used;
            if (r != 1)
                continue;
            /* a reply comes from the address we called, to us */
            if (f->dst_len != 1 || f->dst[0] != c->config.client || f->src_len != c->srv_len ||
                memcmp(f->src, c->srv, c->srv_len) != 0)
                continue;
            c->frames_rx++;
            return MFW_OK;
        }
        c->in_off = c->in_len = 0;
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return fail(c, MFW_E_IO, "no answer within %d ms", c->config.timeout_ms);
        struct pollfd pfd = {c->fd, POLLIN, 0};
        int pr = poll(&pfd, 1, (int)left);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return fail(c, MFW_E_IO, "poll: %s", strerror(errno));
        if (pr == 0)
            return fail(c, MFW_E_IO, "no answer within %d ms", c->config.timeout_ms);
        ssize_t k =
            c->socket ? recv(c->fd, c->in, sizeof c->in, 0) : read(c->fd, c->in, sizeof c->in);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k < 0)
            return fail(c, MFW_E_IO, "recv: %s", strerror(errno));
        if (k == 0)
            return fail(c, MFW_E_IO, "the meter closed the connection");
        trace(c, "RX", c->in, (size_t)k);
        c->in_len = (size_t)k;
        c->bytes_rx += (uint64_t)k;
    }
}

static int unexpected(struct hdlc_client *c, const struct mfw_hdlc_frame *f)
{
    uint8_t u = (uint8_t)(f->control & ~MFW_HDLC_PF);
    if (u == MFW_HDLC_DM)
        return fail(c, MFW_E_STATE, "the meter answered DM (disconnected mode)");
    if (u == MFW_HDLC_FRMR)
        return fail(c, MFW_E_STATE, "the meter rejected a frame (FRMR %02X %02X %02X)",
                    f->info_len > 0 && f->info ? f->info[0] : 0,
                    f->info_len > 1 && f->info ? f->info[1] : 0,
                    f->info_len > 2 && f->info ? f->info[2] : 0);
    return fail(c, MFW_E_FORMAT, "unexpected frame, control %02X", f->control);
}

int hdlc_client_connect(struct hdlc_client *c)
{
    uint8_t p[32];
    struct mfw_wcursor w;
    mfw_wcursor_init(&w, p, sizeof p);
    struct mfw_hdlc_params d;
    mfw_hdlc_params_default(&d);
    const struct mfw_hdlc_params *pr = &c->config.propose;
    /* the defaults go without an information field, as the Gurux client sends them */
    if (memcmp(pr, &d, sizeof d) != 0)
        mfw_hdlc_params_encode(pr, &w);
    int r = send_frame(c, MFW_HDLC_SNRM | MFW_HDLC_PF, false, p, w.len);
    if (r != MFW_OK)
        return r;
    struct mfw_hdlc_frame f;
    int64_t deadline = mono_ms() + c->config.timeout_ms;
    if ((r = recv_frame(c, deadline, &f)) != MFW_OK)
        return r;
    if ((f.control & ~MFW_HDLC_PF) != MFW_HDLC_UA)
        return unexpected(c, &f);
    struct mfw_hdlc_params ua;
    if (mfw_hdlc_params_decode(f.info, f.truncated ? 0 : f.info_len, &ua) != MFW_OK)
        return fail(c, MFW_E_FORMAT, "the UA's parameters do not decode");
    /* the meter speaks for itself: what it receives is what we may send, and the reverse */
    c->link.info_tx = ua.info_rx;
    c->link.info_rx = ua.info_tx;
    c->link.window_tx = ua.window_rx;
    c->link.window_rx = ua.window_tx;
    c->vs = c->vr = 0;
    c->connected = true;
    return MFW_OK;
}

static uint8_t mod8(unsigned v)
{
    return (uint8_t)(v & 7u);
}

/* Sends the request in segments, window by window, each burst polled and acknowledged. */
static int send_request(struct hdlc_client *c, const uint8_t *stream, size_t total)
{
    size_t m = c->link.info_tx;
    size_t nseg = (total + m - 1) / m, acked = 0;
    while (acked < nseg) {
        size_t burst = nseg - acked < c->link.window_tx ? nseg - acked : c->link.window_tx;
        uint8_t base = c->vs;
        for (size_t k = 0; k < burst; k++) {
            size_t seg = acked + k, off = seg * m, n = total - off < m ? total - off : m;
            bool more = seg + 1 < nseg, poll = k + 1 == burst;
            uint8_t control = (uint8_t)(c->vr << 5 | (poll ? MFW_HDLC_PF : 0) | c->vs << 1);
            int r = send_frame(c, control, more, stream + off, n);
            if (r != MFW_OK)
                return r;
            c->vs = mod8(c->vs + 1u);
        }
        if (acked + burst == nseg)
            return MFW_OK; /* the last segment polled: the answer follows */
        /* a burst in the middle: the meter answers RR with what it took */
        struct mfw_hdlc_frame f;
        int r = recv_frame(c, mono_ms() + c->config.timeout_ms, &f);
        if (r != MFW_OK)
            return r;
        if ((f.control & 0x0Fu) != MFW_HDLC_RR)
            return unexpected(c, &f);
        uint8_t took = mod8((unsigned)(f.control >> 5) - base);
        if (took > burst)
            return fail(c, MFW_E_FORMAT, "RR N(R) %u out of the window", f.control >> 5);
        acked += took;
        c->vs = mod8((unsigned)base + took); /* go back to the first it did not take */
    }
    return MFW_OK;
}

int hdlc_client_exchange(struct hdlc_client *c, const uint8_t *req, size_t len,
                         const uint8_t **resp, size_t *resp_len)
{
    if (!c->connected)
        return fail(c, MFW_E_STATE, "not connected");
    uint8_t *stream = malloc(len + MFW_HDLC_LLC_LEN);
    if (stream == NULL)
        return fail(c, MFW_E_NOSPACE, "out of memory");
    /* IEC 62056-46 8.1 [M]: the LLC header of a command, E6 E6 00 */
    stream[0] = 0xE6;
    stream[1] = 0xE6;
    stream[2] = 0x00;
    memcpy(stream + MFW_HDLC_LLC_LEN, req, len);
    int r = send_request(c, stream, len + MFW_HDLC_LLC_LEN);
    free(stream);
    if (r != MFW_OK)
        return r;
    size_t have = 0;
    int retries = 0;
    for (;;) {
        struct mfw_hdlc_frame f;
        r = recv_frame(c, mono_ms() + c->config.timeout_ms, &f);
        if (r != MFW_OK) {
            if (retries++ >= 2)
                return r;
            /* nothing came: poll again, the meter sends what we have not acknowledged */
            c->polls++;
            if ((r = send_frame(c, (uint8_t)(c->vr << 5 | MFW_HDLC_PF | MFW_HDLC_RR), false, NULL,
                                0)) != MFW_OK)
                return r;
            continue;
        }
        retries = 0;
        bool final = (f.control & MFW_HDLC_PF) != 0;
        if ((f.control & 1u) != 0) {
            if ((f.control & 0x0Fu) == MFW_HDLC_RR && final)
                return fail(c, MFW_E_STATE, "the meter did not answer the request");
            return unexpected(c, &f);
        }
        uint8_t ns = (uint8_t)((f.control >> 1) & 7u);
        bool last = false;
        if (ns == c->vr && !f.truncated) {
            c->vr = mod8(c->vr + 1u);
            if (have + f.info_len > c->apdu_cap)
                return fail(c, MFW_E_NOSPACE, "an answer longer than %zu bytes", c->apdu_cap);
            memcpy(c->apdu + have, f.info, f.info_len);
            have += f.info_len;
            last = !f.segmented;
        }
        if (!final)
            continue; /* more of this burst */
        if (last)
            break;
        /* the end of a burst, more to come (or a frame was lost): RR N(R) = V(R), polled */
        c->polls++;
        if ((r = send_frame(c, (uint8_t)(c->vr << 5 | MFW_HDLC_PF | MFW_HDLC_RR), false, NULL,
                            0)) != MFW_OK)
            return r;
    }
    if (have < MFW_HDLC_LLC_LEN || c->apdu[0] != 0xE6 || c->apdu[1] != 0xE7 || c->apdu[2] != 0x00)
        return fail(c, MFW_E_FORMAT, "the answer does not start with the LLC header E6 E7 00");
    *resp = c->apdu + MFW_HDLC_LLC_LEN;
    *resp_len = have - MFW_HDLC_LLC_LEN;
    return MFW_OK;
}

int hdlc_client_disconnect(struct hdlc_client *c)
{
    int r = send_frame(c, MFW_HDLC_DISC | MFW_HDLC_PF, false, NULL, 0);
    if (r != MFW_OK)
        return r;
    c->connected = false;
    struct mfw_hdlc_frame f;
    if ((r = recv_frame(c, mono_ms() + c->config.timeout_ms, &f)) != MFW_OK)
        return r;
    uint8_t u = (uint8_t)(f.control & ~MFW_HDLC_PF);
    return u == MFW_HDLC_UA || u == MFW_HDLC_DM ? MFW_OK : unexpected(c, &f);
}

/* ---- serial lines and mode E ----------------------------------------------------------------- */

/* A line from fd up to LF within timeout_ms; its length or -1. */
static int read_line(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t n = 0;
    int64_t deadline = mono_ms() + timeout_ms;
    while (n + 1 < cap) {
        int64_t left = deadline - mono_ms();
        struct pollfd pfd = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            return -1;
        char ch;
        ssize_t k = read(fd, &ch, 1);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k <= 0)
            return -1;
        buf[n++] = (char)(ch & 0x7F);
        if (ch == '\n')
            break;
    }
    buf[n] = '\0';
    return (int)n;
}

int hdlc_client_open_serial(const char *device, uint32_t baud, bool mode_e, char *ident,
                            size_t ident_cap, int timeout_ms, char *err, size_t errcap)
{
    int fd = open(device, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errcap, "%s: %s", device, strerror(errno));
        return -1;
    }
    if (!isatty(fd) || line_termios_raw(fd, mode_e ? 300 : baud, mode_e, TCSANOW) != 0) {
        snprintf(err, errcap, "%s: not a serial port at %u Bd", device, (unsigned)baud);
        close(fd);
        return -1;
    }
    (void)tcflush(fd, TCIOFLUSH); /* what an earlier client left is not ours */
    if (ident != NULL && ident_cap > 0)
        ident[0] = '\0';
    if (!mode_e)
        return fd;
    /* IEC 62056-21 6.3 [M]: the request at 300 Bd 7E1, the identification, the option select
     * ACK 2 Z 2 (HDLC protocol, binary mode) at the rate the meter proposed, not above baud */
    static const char req[] = "/?!\r\n";
    char line[64];
    int n = -1;
    if (write(fd, req, sizeof req - 1) == (ssize_t)(sizeof req - 1))
        n = read_line(fd, line, sizeof line, timeout_ms);
    if (n < 7 || line[0] != '/' || line[4] < '0' || line[4] > '6') {
        snprintf(err, errcap, "%s: no IEC 62056-21 identification", device);
        close(fd);
        return -1;
    }
    if (ident != NULL)
        snprintf(ident, ident_cap, "%.*s", n > 2 ? n - 2 : 0, line);
    char z = line[4];
    while (z > '0' && (300u << (z - '0')) > baud)
        z--;
    uint32_t rate = 300u << (z - '0');
    const char ack[6] = {0x06, '2', z, '2', '\r', '\n'};
    if (write(fd, ack, sizeof ack) != (ssize_t)sizeof ack) {
        snprintf(err, errcap, "%s: write: %s", device, strerror(errno));
        close(fd);
        return -1;
    }
    /* the ACK leaves at 300 Bd before both ends switch (the Gurux client waits too) */
    (void)tcdrain(fd);
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    if (line_termios_raw(fd, rate, false, TCSADRAIN) != 0) {
        snprintf(err, errcap, "%s: cannot switch to %u Bd", device, (unsigned)rate);
        close(fd);
        return -1;
    }
    return fd;
}
