/* The posix TCP endpoint (port/posix/tcp_server.c) on an ephemeral loopback port, driven from
 * this thread: the test's plain client sockets write, then tcp_server_poll runs a few steps.
 * An echo callback answers every APDU with itself. The server source is compiled into the test
 * (it is part of meterd, not of the core). */
#define _POSIX_C_SOURCE 200809L

#include "../port/posix/clock_posix.c"
#include "../port/posix/tcp_server.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define MAX_REC 64

struct rec {
    int calls;
    unsigned conn[MAX_REC];
    uint16_t cw[MAX_REC], sw[MAX_REC];
    size_t len[MAX_REC];
    uint8_t first[MAX_REC];
    int closes;
    unsigned closed[MAX_REC];
    size_t big; /* when nonzero, the reply is this long (a pattern), not the echo */
};

static size_t echo(void *user, unsigned conn_id, uint16_t client_wport, uint16_t server_wport,
                   const uint8_t *apdu, size_t len, uint8_t *reply, size_t reply_cap)
{
    struct rec *r = user;
    if (r->calls < MAX_REC) {
        r->conn[r->calls] = conn_id;
        r->cw[r->calls] = client_wport;
        r->sw[r->calls] = server_wport;
        r->len[r->calls] = len;
        r->first[r->calls] = apdu[0];
    }
    r->calls++;
    if (r->big) {
        for (size_t i = 0; i < r->big && i < reply_cap; i++)
            reply[i] = (uint8_t)(i * 7 + apdu[0]);
        return r->big;
    }
    assert_true(len <= reply_cap);
    memcpy(reply, apdu, len);
    return len;
}

static void on_close_rec(void *user, unsigned conn_id)
{
    struct rec *r = user;
    if (r->closes < MAX_REC)
        r->closed[r->closes] = conn_id;
    r->closes++;
}

/* w_public_clock.txt: AARQ and GET clock from the public client (wPort 16) to wPort 1 */
static const uint8_t AARQ[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x1F, 0x60, 0x1D,
                               0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01,
                               0x01, 0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06,
                               0x5F, 0x1F, 0x04, 0x00, 0x40, 0x1E, 0x1D, 0xFF, 0xFF};
static const uint8_t GET_CLOCK[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00,
                                    0x0D, 0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00,
                                    0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00};

struct fixture {
    struct tcp_server srv;
    struct rec rec;
};

static void start(struct fixture *fx, unsigned max_conns, uint32_t idle_ms)
{
    memset(fx, 0, sizeof(*fx));
    struct tcp_server_config cfg;
    tcp_server_default_config(&cfg);
    assert_int_equal(cfg.port, 4059);
    assert_int_equal(cfg.max_conns, 8);
    assert_int_equal(cfg.idle_timeout_ms, 120000);
    cfg.port = 0;
    cfg.max_conns = max_conns;
    cfg.idle_timeout_ms = idle_ms;
    cfg.on_apdu = echo;
    cfg.on_close = on_close_rec;
    cfg.user = &fx->rec;
    char err[128] = "";
    assert_int_equal(tcp_server_open(&fx->srv, &cfg, err, sizeof err), MFW_OK);
    assert_true(tcp_server_port(&fx->srv) != 0);
}

static int client(const struct fixture *fx)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(tcp_server_port(&fx->srv));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(set_nonblock(fd), 0); /* reads below never block the test */
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        assert_true(k > 0);
        b += k;
        n -= (size_t)k;
    }
}

static void pump(struct fixture *fx, int steps)
{
    for (int i = 0; i < steps; i++)
        assert_true(tcp_server_poll(&fx->srv, 5) >= 0);
}

/* Reads exactly n bytes, stepping the server meanwhile; fails after 3 s. */
static void recv_exact(struct fixture *fx, int fd, uint8_t *buf, size_t n)
{
    size_t got = 0;
    int64_t end = clock_mono_ms() + 3000;
    while (got < n) {
        assert_true(clock_mono_ms() < end);
        assert_true(tcp_server_poll(&fx->srv, 5) >= 0);
        ssize_t k = recv(fd, buf + got, n - got, 0);
        if (k < 0) {
            assert_true(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
            continue;
        }
        assert_true(k > 0); /* not closed */
        got += (size_t)k;
    }
}

/* Steps the server until the client sees its connection closed (EOF or reset); the time it took. */
static int64_t wait_closed(struct fixture *fx, int fd, int64_t limit_ms)
{
    int64_t t0 = clock_mono_ms();
    for (;;) {
        assert_true(clock_mono_ms() - t0 < limit_ms);
        assert_true(tcp_server_poll(&fx->srv, 5) >= 0);
        uint8_t b[64];
        ssize_t k = recv(fd, b, sizeof b, 0);
        if (k == 0 || (k < 0 && errno == ECONNRESET))
            return clock_mono_ms() - t0;
        assert_true(k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
    }
}

static bool still_open(struct fixture *fx, int fd)
{
    pump(fx, 2);
    uint8_t b;
    ssize_t k = recv(fd, &b, 1, 0);
    return k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* The reply to a frame from the echo: the same APDU with the wPorts swapped. */
static void expect_echo(struct fixture *fx, int fd, const uint8_t *req, size_t n)
{
    uint8_t got[128], want[128];
    assert_true(n <= sizeof want);
    memcpy(want, req, n);
    memcpy(want + 2, req + 4, 2);
    memcpy(want + 4, req + 2, 2);
    recv_exact(fx, fd, got, n);
    assert_memory_equal(got, want, n);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct tcp_server srv;
    struct tcp_server_config cfg;
    char err[128] = "";
    tcp_server_default_config(&cfg);
    cfg.max_conns = 0;
    assert_int_equal(tcp_server_open(&srv, &cfg, err, sizeof err), MFW_E_ARG);
    tcp_server_close(&srv);
    tcp_server_default_config(&cfg);
    cfg.host = "localhost"; /* not a dotted address */
    assert_int_equal(tcp_server_open(&srv, &cfg, err, sizeof err), MFW_E_ARG);
    tcp_server_close(&srv);
    /* the same port twice: the second bind fails with a message */
    struct fixture fx;
    start(&fx, 2, 0);
    tcp_server_default_config(&cfg);
    cfg.port = tcp_server_port(&fx.srv);
    assert_int_equal(tcp_server_open(&srv, &cfg, err, sizeof err), MFW_E_IO);
    assert_non_null(strstr(err, "cannot listen"));
    tcp_server_close(&srv);
    tcp_server_close(&fx.srv);
    tcp_server_close(&fx.srv); /* twice is harmless */
}

static void test_split_in_three_writes(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, 8, 0);
    int fd = client(&fx);
    send_all(fd, AARQ, 3); /* inside the header */
    pump(&fx, 3);
    send_all(fd, AARQ + 3, 10); /* the rest of the header and 5 APDU bytes */
    pump(&fx, 3);
    assert_int_equal(fx.rec.calls, 0);
    send_all(fd, AARQ + 13, sizeof AARQ - 13);
    expect_echo(&fx, fd, AARQ, sizeof AARQ);
    assert_int_equal(fx.rec.calls, 1);
    assert_int_equal(fx.rec.cw[0], 16);
    assert_int_equal(fx.rec.sw[0], 1);
    assert_int_equal(fx.rec.len[0], 0x1F);
    assert_int_equal(fx.rec.first[0], 0x60);
    assert_int_equal(fx.srv.stats.apdus_in, 1);
    assert_int_equal(fx.srv.stats.apdus_out, 1);
    /* the client closes: on_close once, for its conn_id */
    unsigned id = fx.rec.conn[0];
    close(fd);
    for (int i = 0; i < 100 && fx.rec.closes == 0; i++)
        pump(&fx, 1);
    assert_int_equal(fx.rec.closes, 1);
    assert_int_equal(fx.rec.closed[0], id);
    assert_int_equal(fx.srv.stats.closed_peer, 1);
    assert_int_equal(tcp_server_conns(&fx.srv), 0);
    tcp_server_close(&fx.srv);
    assert_int_equal(fx.rec.closes, 1);
}

static void test_two_frames_one_write(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, 8, 0);
    int fd = client(&fx);
    uint8_t two[sizeof AARQ + sizeof GET_CLOCK];
    memcpy(two, AARQ, sizeof AARQ);
    memcpy(two + sizeof AARQ, GET_CLOCK, sizeof GET_CLOCK);
    send_all(fd, two, sizeof two);
    expect_echo(&fx, fd, AARQ, sizeof AARQ);
    expect_echo(&fx, fd, GET_CLOCK, sizeof GET_CLOCK);
    assert_int_equal(fx.rec.calls, 2);
    assert_int_equal(fx.rec.first[0], 0x60);
    assert_int_equal(fx.rec.first[1], 0xC0);
    assert_int_equal(fx.rec.conn[0], fx.rec.conn[1]);
    close(fd);
    tcp_server_close(&fx.srv);
    assert_int_equal(fx.rec.closes, 1);
}

static void test_connection_limit(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, 8, 0);
    int fd[9];
    for (int i = 0; i < 9; i++)
        fd[i] = client(&fx); /* the kernel completes them; the server accepts in this order */
    pump(&fx, 5);
    assert_int_equal(tcp_server_conns(&fx.srv), 8);
    assert_int_equal(fx.srv.stats.accepted, 8);
    assert_int_equal(fx.srv.stats.refused, 1);
    wait_closed(&fx, fd[8], 1000);
    assert_int_equal(fx.rec.closes, 0); /* it never was a connection of the meter */
    for (int i = 0; i < 8; i++) {
        send_all(fd[i], GET_CLOCK, sizeof GET_CLOCK);
        expect_echo(&fx, fd[i], GET_CLOCK, sizeof GET_CLOCK);
    }
    /* the ids are the slots 0..7, each once */
    unsigned seen = 0;
    for (int i = 0; i < 8; i++) {
        assert_true(fx.rec.conn[i] < 8);
        seen |= 1u << fx.rec.conn[i];
    }
    assert_int_equal(seen, 0xFF);
    /* a freed slot takes a new client */
    close(fd[3]);
    for (int i = 0; i < 100 && fx.rec.closes == 0; i++)
        pump(&fx, 1);
    assert_int_equal(fx.rec.closes, 1);
    int again = client(&fx);
    send_all(again, AARQ, sizeof AARQ);
    expect_echo(&fx, again, AARQ, sizeof AARQ);
    assert_int_equal(fx.srv.stats.accepted, 9);
    close(again);
    for (int i = 0; i < 9; i++)
        if (i != 3)
            close(fd[i]);
    tcp_server_close(&fx.srv);
    assert_int_equal(fx.rec.closes, 9);
}

static void test_inactivity_timeout(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, 8, 200);
    int quiet = client(&fx), busy = client(&fx), trickle = client(&fx);
    pump(&fx, 2);
    assert_int_equal(tcp_server_conns(&fx.srv), 3);
    /* busy sends a frame every 100 ms; trickle sends one byte of a frame every 40 ms */
    int64_t t0 = clock_mono_ms();
    size_t tb = 0;
    bool quiet_closed = false, trickle_closed = false;
    for (int step = 0; clock_mono_ms() - t0 < 600; step++) {
        if (step % 10 == 0) {
            send_all(busy, GET_CLOCK, sizeof GET_CLOCK);
            expect_echo(&fx, busy, GET_CLOCK, sizeof GET_CLOCK);
        }
        if (step % 4 == 0 && !trickle_closed && tb < sizeof AARQ)
            send_all(trickle, AARQ + tb++, 1);
        int64_t t = clock_mono_ms();
        while (clock_mono_ms() - t < 10)
            assert_true(tcp_server_poll(&fx.srv, 5) >= 0);
        uint8_t b;
        if (!quiet_closed && recv(quiet, &b, 1, 0) == 0) {
            quiet_closed = true;
            int64_t at = clock_mono_ms() - t0;
            assert_true(at >= 150 && at < 400); /* 200 ms after the accept */
        }
        if (!trickle_closed && recv(trickle, &b, 1, 0) == 0)
            trickle_closed = true;
    }
    assert_true(quiet_closed);
    assert_true(trickle_closed); /* bytes without a complete frame do not count as activity */
    assert_true(still_open(&fx, busy));
    assert_int_equal(fx.srv.stats.closed_idle, 2);
    assert_int_equal(fx.rec.closes, 2);
    assert_int_equal(tcp_server_conns(&fx.srv), 1);
    /* then busy goes quiet too */
    wait_closed(&fx, busy, 1000);
    assert_int_equal(fx.srv.stats.closed_idle, 3);
    close(quiet);
    close(busy);
    close(trickle);
    tcp_server_close(&fx.srv);
    assert_int_equal(fx.rec.closes, 3);
}

static void test_bad_version_closes_one(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, 8, 0);
    int bad = client(&fx), good = client(&fx);
    send_all(good, AARQ, sizeof AARQ);
    expect_echo(&fx, good, AARQ, sizeof AARQ);
    uint8_t f[sizeof GET_CLOCK];
    memcpy(f, GET_CLOCK, sizeof f);
    f[1] = 0x02; /* version 0x0002 */
    /* a good frame, then the bad one in the same write: the first is still answered */
    uint8_t two[sizeof GET_CLOCK + sizeof f];
    memcpy(two, GET_CLOCK, sizeof GET_CLOCK);
    memcpy(two + sizeof GET_CLOCK, f, sizeof f);
    send_all(bad, two, sizeof two);
    expect_echo(&fx, bad, GET_CLOCK, sizeof GET_CLOCK);
    wait_closed(&fx, bad, 1000);
    assert_int_equal(fx.srv.stats.closed_protocol, 1);
    assert_int_equal(fx.rec.closes, 1);
    assert_int_equal(fx.rec.closed[0], fx.rec.conn[1]);
    /* an APDU longer than rx_apdu_max closes too (refused at its header) */
    int big = client(&fx);
    static const uint8_t huge[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0xFF, 0xFF};
    send_all(big, huge, sizeof huge);
    wait_closed(&fx, big, 1000);
    assert_int_equal(fx.srv.stats.closed_protocol, 2);
    /* the other connection did not notice */
    send_all(good, GET_CLOCK, sizeof GET_CLOCK);
    expect_echo(&fx, good, GET_CLOCK, sizeof GET_CLOCK);
    assert_true(still_open(&fx, good));
    close(bad);
    close(big);
    close(good);
    tcp_server_close(&fx.srv);
    assert_int_equal(fx.rec.closes, 3);
}

/* A client that resets before its reply is sent: EPIPE/ECONNRESET, no SIGPIPE, no crash. */
static void test_client_vanishes(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, 8, 0);
    fx.rec.big = 2000;
    for (int round = 0; round < 5; round++) {
        int fd = client(&fx);
        pump(&fx, 2);
        for (int i = 0; i < 20; i++)
            send_all(fd, GET_CLOCK, sizeof GET_CLOCK);
        struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* close = RST */
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
        if (round % 2)
            pump(&fx, 1); /* let the server read and start answering first */
        close(fd);
        for (int i = 0; i < 200 && fx.rec.closes == round; i++)
            pump(&fx, 1);
        assert_int_equal(fx.rec.closes, round + 1);
    }
    assert_int_equal(tcp_server_conns(&fx.srv), 0);
    tcp_server_close(&fx.srv);
}

/* Large replies to pipelined requests from a slow reader: held back, sent in pieces, intact. */
static void test_large_replies_slow_reader(void **state)
{
    (void)state;
    struct fixture fx;
    memset(&fx, 0, sizeof fx);
    struct tcp_server_config cfg;
    tcp_server_default_config(&cfg);
    cfg.port = 0;
    cfg.tx_apdu_max = 60000;
    cfg.idle_timeout_ms = 0;
    cfg.on_apdu = echo;
    cfg.on_close = on_close_rec;
    cfg.user = &fx.rec;
    char err[128];
    assert_int_equal(tcp_server_open(&fx.srv, &cfg, err, sizeof err), MFW_OK);
    fx.rec.big = 60000;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 4096;
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(tcp_server_port(&fx.srv))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(set_nonblock(fd), 0);
    pump(&fx, 3);
    /* a small fixed send buffer on the server's side too (no autotuning up to megabytes) */
    assert_true(fx.srv.conns[0].fd >= 0);
    assert_int_equal(setsockopt(fx.srv.conns[0].fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small),
                     0);
    enum { N = 12 };
    uint8_t reqs[N * sizeof GET_CLOCK];
    for (int i = 0; i < N; i++) {
        memcpy(reqs + i * sizeof GET_CLOCK, GET_CLOCK, sizeof GET_CLOCK);
        reqs[i * sizeof GET_CLOCK + 8] = (uint8_t)(0xC0 + i); /* first APDU byte: the pattern */
    }
    send_all(fd, reqs, sizeof reqs);
    pump(&fx, 20);
    /* the replies did not all fit in the socket: some wait in the server, requests held back */
    assert_true(fx.rec.calls < N);
    static uint8_t got[8 + 60000];
    size_t pending_max = 0;
    for (int i = 0; i < N; i++) {
        size_t have = 0;
        int64_t end = clock_mono_ms() + 5000;
        while (have < sizeof got) {
            assert_true(clock_mono_ms() < end);
            assert_true(tcp_server_poll(&fx.srv, 1) >= 0);
            struct tcp_conn *c = &fx.srv.conns[0];
            if (c->out_len - c->out_off > pending_max)
                pending_max = c->out_len - c->out_off;
            size_t want = sizeof got - have < 1500 ? sizeof got - have : 1500; /* slowly */
            ssize_t k = recv(fd, got + have, want, 0);
            if (k > 0)
                have += (size_t)k;
            else
                assert_true(k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
        }
        static const uint8_t hdr[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x10, 0xEA, 0x60};
        assert_memory_equal(got, hdr, 8);
        for (size_t j = 0; j < 60000; j++)
            if (got[8 + j] != (uint8_t)(j * 7 + 0xC0 + (unsigned)i))
                fail_msg("reply %d byte %zu", i, j);
    }
    assert_true(pending_max > 0); /* partial sends did happen */
    assert_int_equal(fx.rec.calls, N);
    close(fd);
    tcp_server_close(&fx.srv);
}

/* tcp_server_drop from inside the callback: the reply goes out, then the connection closes. */
static size_t echo_then_drop(void *user, unsigned conn_id, uint16_t cw, uint16_t sw,
                             const uint8_t *apdu, size_t len, uint8_t *reply, size_t cap)
{
    struct fixture *fx = user;
    size_t n = echo(&fx->rec, conn_id, cw, sw, apdu, len, reply, cap);
    assert_int_equal(tcp_server_drop(&fx->srv, conn_id), MFW_OK);
    return n;
}

static void close_into_fixture(void *user, unsigned conn_id)
{
    struct fixture *fx = user;
    on_close_rec(&fx->rec, conn_id);
}

static void test_drop(void **state)
{
    (void)state;
    struct fixture fx;
    start(&fx, 8, 0);
    fx.srv.config.on_apdu = echo_then_drop;
    fx.srv.config.on_close = close_into_fixture;
    fx.srv.config.user = &fx;
    assert_int_equal(tcp_server_drop(&fx.srv, 0), MFW_E_ARG); /* not open */
    int fd = client(&fx);
    uint8_t two[2 * sizeof GET_CLOCK];
    memcpy(two, GET_CLOCK, sizeof GET_CLOCK);
    memcpy(two + sizeof GET_CLOCK, GET_CLOCK, sizeof GET_CLOCK);
    send_all(fd, two, sizeof two);
    expect_echo(&fx, fd, GET_CLOCK, sizeof GET_CLOCK);
    wait_closed(&fx, fd, 1000);
    assert_int_equal(fx.rec.calls, 1); /* nothing dispatched after the drop */
    assert_int_equal(fx.srv.stats.closed_local, 1);
    assert_int_equal(fx.rec.closes, 1);
    close(fd);
    tcp_server_close(&fx.srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_split_in_three_writes),
        cmocka_unit_test(test_two_frames_one_write),
        cmocka_unit_test(test_connection_limit),
        cmocka_unit_test(test_inactivity_timeout),
        cmocka_unit_test(test_bad_version_closes_one),
        cmocka_unit_test(test_client_vanishes),
        cmocka_unit_test(test_large_replies_slow_reader),
        cmocka_unit_test(test_drop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
