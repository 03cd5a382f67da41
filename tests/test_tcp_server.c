/* SPDX-License-Identifier: Apache-2.0 */
/* The posix socket layer (port/posix/tcp_server.c) on an ephemeral loopback port, carrying the
 * core's link sessions to a real DLMS server on a meter without flash. The test's plain client
 * sockets write, then tcp_server_poll runs a few steps; the time is the real monotonic clock. The
 * server source is compiled into the test (it is part of meterd, not of the core).
 *
 * Expected replies are written by hand (see tests/test_link_session.c for their derivation): the
 * wrapper header with the wPorts swapped (IEC 62056-47:2006 5.3.2), D8 01 01 for a GET before an
 * association, the public client's AARE, a GET-Response-Normal carrying a date-time (C4 01 C1 00
 * 09 0C + 12 bytes). */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* the serial line's pseudo-terminal (serial_line.c) */

#include "../port/posix/clock_posix.c"
#include "../port/posix/serial_line.c"
#include "../port/posix/tcp_server.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "hexbytes.h"
#include "vectors.h"

#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/meter/meter.h"

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z, the meter's clock */

/* the public client's AARQ as captured (w_public_clock.txt, its first TX frame: 16 -> 1) */
static uint8_t AARQ[8 + 31];
/* the management client's AARQ with LLS "Gurux" (w_lls_clock.txt's APDU), sent 1 -> 1 */
static uint8_t AARQ_LLS[8 + 53] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x35};

static int load_vectors(void)
{
    size_t n = 0;
    if (vec_line("w_public_clock.txt", VEC_TX, 1, AARQ, sizeof AARQ, &n) != VEC_OK ||
        n != sizeof AARQ ||
        vec_apdu_exact("w_lls_clock.txt", VEC_TX, 1, AARQ_LLS + 8, sizeof AARQ_LLS - 8) != VEC_OK)
        return -1;
    return 0;
}
/* GET of the clock's time, 16 -> 1; and of the association's object list, 1 -> 1 */
static const uint8_t GET_CLOCK[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00,
                                    0x0D, 0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00,
                                    0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00};
static const uint8_t GET_LN_1[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x0D, 0xC0, 0x01, 0xC1,
                                   0x00, 0x0F, 0x00, 0x00, 0x28, 0x00, 0x00, 0xFF, 0x02, 0x00};

static const char AARE[] = "00 01 00 01 00 10 00 2B 61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 "
                           "02 01 00 A3 05 A1 03 02 01 00 BE 10 04 0E 08 00 06 5F 1F 04 00 00 12 "
                           "14 04 00 00 07";
static const char NOT_ALLOWED[] = "00 01 00 01 00 10 00 03 D8 01 01";
static const char CLOCK_REPLY_HEAD[] = "00 01 00 01 00 10 00 12 C4 01 C1 00 09 0C";

struct fixture {
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_dlms_server dlms;
    struct mfw_link link;
    struct tcp_server srv;
};

static struct fixture *fx; /* large: static, set up once */

static int setup_meter(void **state)
{
    (void)state;
    if (load_vectors() != 0)
        return -1;
    static struct fixture f;
    fx = &f;
    struct mfw_meter_config cfg;
    mfw_meter_default_config(&cfg, MFW_METER_382M);
    /* the LLS association with the password of the captured LLS AARQ */
    cfg.security.lls_enabled = true;
    memcpy(cfg.security.lls, "Gurux", 5);
    cfg.security.lls_len = 5;
    struct mfw_hal none;
    memset(&none, 0, sizeof none);
    assert_int_equal(mfw_meter_init(&fx->m, &cfg, &none, T0), MFW_OK);
    return 0;
}

static void start_with(uint16_t inactivity_s, bool evict)
{
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    cc.inactivity_s = inactivity_s;
    assert_int_equal(mfw_cosem_init(&fx->cosem, &fx->m, &cc), MFW_OK);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    assert_int_equal(mfw_dlms_server_init(&fx->dlms, &fx->cosem, &dc), MFW_OK);
    struct mfw_link_config lc;
    mfw_link_default_config(&lc);
    lc.associate_timeout_ms = lc.frame_timeout_ms = 0; /* each test turns on what it tests */
    lc.evict = evict;
    assert_int_equal(mfw_link_init(&fx->link, &fx->dlms, &lc), MFW_OK);
    struct tcp_server_config cfg;
    tcp_server_default_config(&cfg);
    assert_int_equal(cfg.port, 4059);
    assert_null(cfg.link);
    cfg.port = 0;
    cfg.link = &fx->link;
    char err[128] = "";
    assert_int_equal(tcp_server_open(&fx->srv, &cfg, err, sizeof err), MFW_OK);
    assert_true(tcp_server_port(&fx->srv) != 0);
}

static void start(uint16_t inactivity_s)
{
    start_with(inactivity_s, false);
}

static int client(void)
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

static void pump(int steps)
{
    for (int i = 0; i < steps; i++)
        assert_true(tcp_server_poll(&fx->srv, 5) >= 0);
}

/* Reads exactly n bytes, stepping the server meanwhile; fails after 3 s. */
static void recv_exact(int fd, uint8_t *buf, size_t n)
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

/* The next len(hex) bytes from fd are exactly hex. */
static void expect_bytes(int fd, const char *hex)
{
    uint8_t want[256], got[256];
    size_t n = hex_decode(hex, want, sizeof want);
    assert_true(n != HEX_BAD);
    recv_exact(fd, got, n);
    assert_memory_equal(got, want, n);
}

/* A GET-Response-Normal with the clock's date-time. */
static void expect_clock_reply(int fd)
{
    expect_bytes(fd, CLOCK_REPLY_HEAD);
    uint8_t dt[12];
    recv_exact(fd, dt, sizeof dt);
}

/* Steps the server until the client sees its connection closed (EOF or reset); the time it took. */
static int64_t wait_closed(int fd, int64_t limit_ms)
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

static bool still_open(int fd)
{
    pump(2);
    uint8_t b;
    ssize_t k = recv(fd, &b, 1, 0);
    return k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* The connection slot (= link session) of the n-th accepted client, by its peer's port. */
static int slot_of(int client_fd)
{
    struct sockaddr_in mine;
    socklen_t len = sizeof mine;
    assert_int_equal(getsockname(client_fd, (struct sockaddr *)&mine, &len), 0);
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++) {
        if (fx->srv.conns[i].fd < 0)
            continue;
        struct sockaddr_in peer;
        len = sizeof peer;
        if (getpeername(fx->srv.conns[i].fd, (struct sockaddr *)&peer, &len) == 0 &&
            peer.sin_port == mine.sin_port)
            return (int)i;
    }
    return -1;
}

static void test_open_errors(void **state)
{
    (void)state;
    struct tcp_server srv;
    struct tcp_server_config cfg;
    char err[128] = "";
    tcp_server_default_config(&cfg); /* no link */
    assert_int_equal(tcp_server_open(&srv, &cfg, err, sizeof err), MFW_E_ARG);
    tcp_server_close(&srv);
    start(0);
    tcp_server_default_config(&cfg);
    cfg.link = &fx->link;
    cfg.host = "localhost"; /* not a dotted address */
    assert_int_equal(tcp_server_open(&srv, &cfg, err, sizeof err), MFW_E_ARG);
    tcp_server_close(&srv);
    /* the same port twice: the second bind fails with a message */
    cfg.host = NULL;
    cfg.port = tcp_server_port(&fx->srv);
    assert_int_equal(tcp_server_open(&srv, &cfg, err, sizeof err), MFW_E_IO);
    assert_non_null(strstr(err, "cannot listen"));
    tcp_server_close(&srv);
    tcp_server_close(&fx->srv);
    tcp_server_close(&fx->srv); /* twice is harmless */
}

static void test_split_in_three_writes(void **state)
{
    (void)state;
    start(0);
    int fd = client();
    send_all(fd, AARQ, 3); /* inside the header */
    pump(3);
    send_all(fd, AARQ + 3, 10); /* the rest of the header and 5 APDU bytes */
    pump(3);
    assert_int_equal(fx->link.stats.apdus_in, 0);
    send_all(fd, AARQ + 13, sizeof AARQ - 13);
    expect_bytes(fd, AARE);
    assert_int_equal(fx->link.stats.apdus_in, 1);
    assert_int_equal(fx->link.stats.apdus_out, 1);
    int id = slot_of(fd);
    assert_true(id >= 0);
    assert_true(fx->dlms.a[id].associated);
    /* the client closes: the connection, its session and its association go */
    close(fd);
    for (int i = 0; i < 100 && tcp_server_conns(&fx->srv) > 0; i++)
        pump(1);
    assert_int_equal(tcp_server_conns(&fx->srv), 0);
    assert_int_equal(fx->srv.stats.closed_peer, 1);
    assert_int_equal(mfw_link_count(&fx->link), 0);
    assert_false(fx->dlms.a[id].associated);
    tcp_server_close(&fx->srv);
}

static void test_two_frames_one_write(void **state)
{
    (void)state;
    start(0);
    int fd = client();
    uint8_t two[sizeof AARQ + sizeof GET_CLOCK];
    memcpy(two, AARQ, sizeof AARQ);
    memcpy(two + sizeof AARQ, GET_CLOCK, sizeof GET_CLOCK);
    send_all(fd, two, sizeof two);
    expect_bytes(fd, AARE);
    expect_clock_reply(fd); /* the GET came after the AARQ on the same association */
    assert_int_equal(fx->link.stats.apdus_in, 2);
    close(fd);
    tcp_server_close(&fx->srv);
    assert_int_equal(fx->srv.stats.closed_local + fx->srv.stats.closed_peer, 1);
}

/* One bound: MFW_ASSOCIATIONS_MAX connections, then the link has no session for the next. */
static void test_connection_limit(void **state)
{
    (void)state;
    start(0);
    enum { N = MFW_ASSOCIATIONS_MAX };
    int fd[N + 1];
    for (int i = 0; i <= N; i++)
        fd[i] = client(); /* the kernel completes them; the server accepts in this order */
    pump(5);
    assert_int_equal(tcp_server_conns(&fx->srv), N);
    assert_int_equal(fx->srv.stats.accepted, N);
    assert_int_equal(fx->srv.stats.refused, 1);
    assert_int_equal(fx->link.stats.refused, 1);
    wait_closed(fd[N], 1000);
    /* every slot is a session, each served */
    bool seen[N];
    memset(seen, 0, sizeof seen);
    for (int i = 0; i < N; i++) {
        send_all(fd[i], GET_CLOCK, sizeof GET_CLOCK);
        expect_bytes(fd[i], NOT_ALLOWED);
        int id = slot_of(fd[i]);
        assert_true(id >= 0 && !seen[id]);
        seen[id] = true;
    }
    /* a freed slot takes a new client */
    int gone = N > 3 ? 3 : 0;
    close(fd[gone]);
    for (int i = 0; i < 100 && tcp_server_conns(&fx->srv) == N; i++)
        pump(1);
    assert_int_equal(tcp_server_conns(&fx->srv), N - 1);
    int again = client();
    send_all(again, AARQ, sizeof AARQ);
    expect_bytes(again, AARE);
    assert_int_equal(fx->srv.stats.accepted, N + 1);
    close(again);
    for (int i = 0; i <= N; i++)
        if (i != gone)
            close(fd[i]);
    tcp_server_close(&fx->srv);
    assert_int_equal(mfw_link_count(&fx->link), 0);
}

/* IC 41 inactivity_time_out, applied by the link on the monotonic clock the port passes. */
static void test_inactivity_timeout(void **state)
{
    (void)state;
    start(1); /* 1 s */
    int quiet = client(), busy = client(), trickle = client();
    pump(2);
    assert_int_equal(tcp_server_conns(&fx->srv), 3);
    /* busy sends a frame every 200 ms; trickle sends one byte of a frame every 100 ms */
    int64_t t0 = clock_mono_ms();
    size_t tb = 0;
    bool quiet_closed = false, trickle_closed = false;
    for (int step = 0; clock_mono_ms() - t0 < 1600; step++) {
        if (step % 20 == 0) {
            send_all(busy, GET_CLOCK, sizeof GET_CLOCK);
            expect_bytes(busy, NOT_ALLOWED);
        }
        if (step % 10 == 0 && !trickle_closed && tb < sizeof AARQ)
            send_all(trickle, AARQ + tb++, 1);
        int64_t t = clock_mono_ms();
        while (clock_mono_ms() - t < 10)
            assert_true(tcp_server_poll(&fx->srv, 5) >= 0);
        uint8_t b;
        if (!quiet_closed && recv(quiet, &b, 1, 0) == 0) {
            quiet_closed = true;
            int64_t at = clock_mono_ms() - t0;
            assert_true(at >= 900 && at < 1400); /* 1000 ms after the accept */
        }
        if (!trickle_closed && recv(trickle, &b, 1, 0) == 0)
            trickle_closed = true;
    }
    assert_true(quiet_closed);
    assert_true(trickle_closed); /* bytes without a complete frame do not count as activity */
    assert_true(still_open(busy));
    assert_int_equal(fx->link.stats.closed[MFW_LINK_CLOSE_INACTIVITY], 2);
    assert_int_equal(fx->srv.stats.closed_link, 2);
    assert_int_equal(tcp_server_conns(&fx->srv), 1);
    /* then busy goes quiet too */
    int64_t took = wait_closed(busy, 2000);
    assert_true(took >= 700); /* its last frame was less than 200 ms ago */
    assert_int_equal(fx->link.stats.closed[MFW_LINK_CLOSE_INACTIVITY], 3);
    close(quiet);
    close(busy);
    close(trickle);
    tcp_server_close(&fx->srv);
    assert_int_equal(mfw_link_count(&fx->link), 0);
}

static void test_bad_version_closes_one(void **state)
{
    (void)state;
    start(0);
    int bad = client(), good = client();
    send_all(good, AARQ, sizeof AARQ);
    expect_bytes(good, AARE);
    uint8_t f[sizeof GET_CLOCK];
    memcpy(f, GET_CLOCK, sizeof f);
    f[1] = 0x02; /* version 0x0002 */
    /* a good frame, then the bad one in the same write: the first is still answered */
    uint8_t two[sizeof GET_CLOCK + sizeof f];
    memcpy(two, GET_CLOCK, sizeof GET_CLOCK);
    memcpy(two + sizeof GET_CLOCK, f, sizeof f);
    send_all(bad, two, sizeof two);
    expect_bytes(bad, NOT_ALLOWED);
    wait_closed(bad, 1000);
    assert_int_equal(fx->link.stats.closed[MFW_LINK_CLOSE_VERSION], 1);
    assert_int_equal(fx->srv.stats.closed_link, 1);
    /* an APDU longer than the server's max PDU closes too (refused at its header) */
    int big = client();
    static const uint8_t huge[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0xFF, 0xFF};
    send_all(big, huge, sizeof huge);
    wait_closed(big, 1000);
    assert_int_equal(fx->link.stats.closed[MFW_LINK_CLOSE_OVERSIZE], 1);
    /* the other connection did not notice: still associated */
    send_all(good, GET_CLOCK, sizeof GET_CLOCK);
    expect_clock_reply(good);
    assert_true(still_open(good));
    close(bad);
    close(big);
    close(good);
    tcp_server_close(&fx->srv);
}

/* A client that resets before its replies are sent: EPIPE/ECONNRESET, no SIGPIPE, no crash. */
static void test_client_vanishes(void **state)
{
    (void)state;
    start(0);
    for (int round = 0; round < 5; round++) {
        int fd = client();
        pump(2);
        send_all(fd, AARQ_LLS, sizeof AARQ_LLS);
        for (int i = 0; i < 20; i++)
            send_all(fd, GET_LN_1, sizeof GET_LN_1);
        struct linger lg = {.l_onoff = 1, .l_linger = 0}; /* close = RST */
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
        if (round % 2)
            pump(1); /* let the server read and start answering first */
        close(fd);
        for (int i = 0; i < 200 && tcp_server_conns(&fx->srv) > 0; i++)
            pump(1);
        assert_int_equal(tcp_server_conns(&fx->srv), 0);
        assert_int_equal(mfw_link_count(&fx->link), 0);
    }
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++)
        assert_false(fx->dlms.a[i].associated);
    tcp_server_close(&fx->srv);
}

/* Large replies to pipelined requests from a slow reader: held back in the session (one reply at
 * a time), sent in pieces, intact and in order. */
static void test_large_replies_slow_reader(void **state)
{
    (void)state;
    start(0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 2048;
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(tcp_server_port(&fx->srv))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(set_nonblock(fd), 0);
    pump(3);
    int id = slot_of(fd);
    assert_true(id >= 0);
    /* a small fixed send buffer on the server's side too (no autotuning up to megabytes) */
    assert_int_equal(setsockopt(fx->srv.conns[id].fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small),
                     0);
    send_all(fd, AARQ_LLS, sizeof AARQ_LLS);
    uint8_t aare[8];
    recv_exact(fd, aare, 8);
    assert_int_equal(aare[2] << 8 | aare[3], 1); /* from the management logical device */
    assert_int_equal(aare[4] << 8 | aare[5], 1); /* to the management client */
    uint8_t skip[64];
    size_t alen = (size_t)(aare[6] << 8 | aare[7]);
    assert_true(alen <= sizeof skip);
    recv_exact(fd, skip, alen);
    assert_int_equal(skip[0], 0x61);
    assert_true(fx->dlms.a[id].associated);
    /* 12 GETs of the object list: each a new GET, so each answer is its first block */
    enum { N = 12 };
    uint8_t reqs[N * sizeof GET_LN_1];
    for (int i = 0; i < N; i++)
        memcpy(reqs + i * sizeof GET_LN_1, GET_LN_1, sizeof GET_LN_1);
    send_all(fd, reqs, sizeof reqs);
    pump(20);
    /* the replies did not all fit in the sockets: some wait, the requests behind them too */
    assert_true(fx->link.stats.apdus_in < 1 + N);
    static uint8_t first[8 + 1024], got[8 + 1024];
    size_t first_len = 0;
    bool waited = false;
    for (int i = 0; i < N; i++) {
        uint8_t *buf = i == 0 ? first : got;
        size_t have = 0, want = 8;
        int64_t end = clock_mono_ms() + 5000;
        while (have < want) {
            assert_true(clock_mono_ms() < end);
            assert_true(tcp_server_poll(&fx->srv, 1) >= 0);
            struct mfw_link_out out;
            mfw_link_output(&fx->link, (unsigned)id, &out);
            waited = waited || out.tx_len > 0; /* a reply the socket did not take at once */
            size_t ask = want - have < 700 ? want - have : 700; /* slowly */
            ssize_t k = recv(fd, buf + have, ask, 0);
            if (k > 0)
                have += (size_t)k;
            else
                assert_true(k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
            if (have == 8 && want == 8) {
                static const uint8_t hdr[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x01};
                assert_memory_equal(buf, hdr, sizeof hdr);
                want = 8 + (size_t)(buf[6] << 8 | buf[7]);
                assert_true(want > 8 + 512 && want <= sizeof got); /* a full block, <= 1024 */
            }
        }
        /* GET-Response-With-Datablock, invoke C1, not the last block, block number 1 */
        static const uint8_t block1[] = {0xC4, 0x02, 0xC1, 0x00, 0x00, 0x00, 0x00, 0x01};
        assert_memory_equal(buf + 8, block1, sizeof block1);
        if (i == 0) {
            first_len = want;
        } else {
            assert_int_equal(want, first_len);
            assert_memory_equal(got, first, want);
        }
    }
    assert_true(waited); /* partial sends did happen */
    assert_int_equal(fx->link.stats.apdus_in, 1 + N);
    assert_int_equal(fx->link.stats.apdus_out, 1 + N);
    close(fd);
    tcp_server_close(&fx->srv);
}

/* With eviction on, a new connection to a full table takes the slot of the longest-idle
 * connection without an association; that one is closed. */
static void test_evict(void **state)
{
    (void)state;
    if (MFW_ASSOCIATIONS_MAX < 3)
        skip();
    start_with(0, true);
    enum { N = MFW_ASSOCIATIONS_MAX };
    int fd[N];
    for (int i = 0; i < N; i++)
        fd[i] = client();
    pump(5);
    assert_int_equal(tcp_server_conns(&fx->srv), N);
    /* 0 associates; 2.. are active later than 1: 1 is idle longest */
    send_all(fd[0], AARQ, sizeof AARQ);
    expect_bytes(fd[0], AARE);
    int64_t t = clock_mono_ms();
    while (clock_mono_ms() - t < 20)
        pump(1);
    for (int i = 2; i < N; i++) {
        send_all(fd[i], GET_CLOCK, sizeof GET_CLOCK);
        expect_bytes(fd[i], NOT_ALLOWED);
    }
    int victim = slot_of(fd[1]);
    int newcomer = client();
    wait_closed(fd[1], 1000);
    assert_int_equal(fx->srv.stats.evicted, 1);
    assert_int_equal(fx->link.stats.closed[MFW_LINK_CLOSE_EVICTED], 1);
    assert_int_equal(slot_of(newcomer), victim);
    send_all(newcomer, GET_CLOCK, sizeof GET_CLOCK);
    expect_bytes(newcomer, NOT_ALLOWED);
    send_all(fd[0], GET_CLOCK, sizeof GET_CLOCK); /* the associated one was never a candidate */
    expect_clock_reply(fd[0]);
    for (int i = 0; i < N; i++)
        close(fd[i]);
    close(newcomer);
    tcp_server_close(&fx->srv);
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
        cmocka_unit_test(test_evict),
    };
    return cmocka_run_group_tests(tests, setup_meter, NULL);
}
