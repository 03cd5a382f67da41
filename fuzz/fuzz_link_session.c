/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the link sessions (include/meterfw/link/link.h) on a real DLMS server and
 * a meter without flash, driven the way a port drives them: arbitrary sequences of opens,
 * segments of a byte stream split anywhere, partial sends, time steps, time-out polls and closes,
 * on several sessions at once.
 *
 * Input: byte 0 configures (bit 0 eviction, bit 1 a 50 ms frame time-out, bit 2 a 200 ms
 * association time-out, bits 3-4 the inactivity time-out in seconds, 0-3); then operations, one
 * byte each (low 3 bits the operation, high 5 bits its argument, the session is arg % sessions)
 * with their operands:
 *   0 open                          4 poll the time-outs
 *   1 feed the next L bytes (L = next byte) to a session, port-style: feed, send, feed the rest
 *   2 send n bytes of a session's reply (n = next byte; 0 = all of it)
 *   3 time passes: next byte x 10 ms    5 the port closes a session
 *   6 feed a canned frame (AARQ public or LLS, GET, GET object list, GET next, RLRQ: the next
 *     byte chooses) split at the byte after, so that inputs reach associated states quickly
 *   7 feed the next L bytes without sending anything (the reply waits)
 *
 * Checked after every operation, for every session:
 *   - no crash, no sanitizer report;
 *   - a reply lies inside the session's buffer, is one whole wrapper frame when it first appears
 *     (version 0x0001, length = its APDU, at most MFW_LINK_TX_APDU_MAX) and never grows while it
 *     waits;
 *   - feed never consumes more than it was given;
 *   - a session that said close keeps saying so, takes no byte and sends nothing new until the port
 *     closes it, and has no association from the moment it said close;
 *   - the link's count of sessions is the port's, and an open session's `associated` is the DLMS
 *     server's. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/link/link.h"
#include "meterfw/meter/meter.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1767225600000LL /* 2026-01-01T00:00:00Z */

/* Canned client frames (IEC 62056-47 wrapper around captured Gurux APDUs). */
static const uint8_t AARQ_PUBLIC[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00, 0x1F, 0x60, 0x1D,
                                      0xA1, 0x09, 0x06, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01,
                                      0x01, 0xBE, 0x10, 0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06,
                                      0x5F, 0x1F, 0x04, 0x00, 0x40, 0x1E, 0x1D, 0xFF, 0xFF};
/* LLS "00000001" (the server's default), client max PDU 256 so that GETs go in blocks */
static const uint8_t AARQ_LLS[] = {
    0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x38, 0x60, 0x36, 0xA1, 0x09, 0x06, 0x07, 0x60, 0x85,
    0x74, 0x05, 0x08, 0x01, 0x01, 0x8A, 0x02, 0x07, 0x80, 0x8B, 0x07, 0x60, 0x85, 0x74, 0x05, 0x08,
    0x02, 0x01, 0xAC, 0x0A, 0x80, 0x08, '0',  '0',  '0',  '0',  '0',  '0',  '0',  '1',  0xBE, 0x10,
    0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x40, 0x1E, 0x1D, 0x01, 0x00};
static const uint8_t GET_CLOCK[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00,
                                    0x0D, 0xC0, 0x01, 0xC1, 0x00, 0x08, 0x00,
                                    0x00, 0x01, 0x00, 0x00, 0xFF, 0x02, 0x00};
static const uint8_t GET_LN[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x0D, 0xC0, 0x01, 0xC1,
                                 0x00, 0x0F, 0x00, 0x00, 0x28, 0x00, 0x00, 0xFF, 0x02, 0x00};
static const uint8_t GET_NEXT[] = {0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x07,
                                   0xC0, 0x02, 0xC1, 0x00, 0x00, 0x00, 0x01};
static const uint8_t RLRQ[] = {0x00, 0x01, 0x00, 0x10, 0x00, 0x01, 0x00,
                               0x05, 0x62, 0x03, 0x80, 0x01, 0x00};

struct canned {
    const uint8_t *p;
    size_t n;
};
static const struct canned CANNED[] = {
    {AARQ_PUBLIC, sizeof AARQ_PUBLIC}, {AARQ_LLS, sizeof AARQ_LLS}, {GET_CLOCK, sizeof GET_CLOCK},
    {GET_LN, sizeof GET_LN},           {GET_NEXT, sizeof GET_NEXT}, {RLRQ, sizeof RLRQ},
};
#define N_CANNED (sizeof CANNED / sizeof CANNED[0])

struct rig {
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_dlms_server dlms;
    struct mfw_link link;
    struct mfw_meter_config cfg;
    /* the port's view of each session */
    bool open[MFW_ASSOCIATIONS_MAX];
    bool closing[MFW_ASSOCIATIONS_MAX]; /* it said close */
    size_t pending[MFW_ASSOCIATIONS_MAX];
};

static struct rig *rig; /* the harness's own state (not firmware) */

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_link_session: %s\n", what);
        abort();
    }
}

/* The output of session id against what the port knows of it. fresh: a call that may have
 * produced a new reply. */
static void check_session(unsigned id, bool fresh)
{
    const struct mfw_link_session *s = &rig->link.sessions[id];
    struct mfw_link_out out;
    mfw_link_output(&rig->link, id, &out);
    if (!rig->open[id]) {
        check(out.close && out.tx_len == 0 && s->state == MFW_LINK_FREE, "a free slot is used");
        check(!rig->dlms.a[id].associated, "a free slot has an association");
        return;
    }
    check(s->state != MFW_LINK_FREE, "an open session is free");
    if (out.tx_len > 0) {
        check(out.tx >= s->tx && out.tx + out.tx_len <= s->tx + sizeof s->tx,
              "a reply outside its buffer");
        if (fresh && rig->pending[id] == 0) {
            check(out.tx_len > MFW_WRAPPER_HEADER_LEN, "a reply without an APDU");
            size_t len = (size_t)(out.tx[6] << 8 | out.tx[7]);
            check(out.tx[0] == 0x00 && out.tx[1] == 0x01, "a reply with a bad version");
            check(len == out.tx_len - MFW_WRAPPER_HEADER_LEN && len <= MFW_LINK_TX_APDU_MAX,
                  "a reply's length field is wrong");
        } else {
            check(out.tx_len <= rig->pending[id], "a waiting reply grew");
        }
    }
    if (rig->closing[id]) {
        check(out.close && s->state == MFW_LINK_CLOSING, "a closed session opened again");
        check(out.tx_len <= rig->pending[id], "a closed session sends something new");
    }
    if (out.close) {
        rig->closing[id] = true;
        check(!rig->dlms.a[id].associated && !s->associated, "a closed session is associated");
    } else {
        check(s->associated == rig->dlms.a[id].associated, "associated differs from the server");
    }
    rig->pending[id] = out.tx_len;
}

static void check_all(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++) {
        check_session(i, false);
        n += rig->open[i];
    }
    check(mfw_link_count(&rig->link) == n, "the link's count differs from the port's");
}

static void send_part(unsigned id, size_t n)
{
    struct mfw_link_out out;
    mfw_link_output(&rig->link, id, &out);
    if (n == 0 || n > out.tx_len)
        n = out.tx_len;
    int r = mfw_link_sent(&rig->link, id, n);
    if (rig->open[id]) {
        check(r == MFW_OK, "mfw_link_sent refused what waits");
        rig->pending[id] -= n;
    } else {
        check(r == MFW_E_ARG, "mfw_link_sent on a free slot");
    }
}

/* Feeds p[n] to id; with answer, as a port does: every reply sent at once, the rest fed again. */
static void feed(unsigned id, const uint8_t *p, size_t n, mfw_ms_t now, bool answer)
{
    size_t off = 0;
    for (int guard = 0; guard < 100000; guard++) {
        bool was_closing = rig->closing[id];
        struct mfw_link_out out;
        size_t used = mfw_link_feed(&rig->link, id, p + off, n - off, now, &out);
        check(used <= n - off, "feed consumed more than it was given");
        check(!was_closing || used == 0, "a closed session took bytes");
        check(rig->open[id] || used == 0, "a free slot took bytes");
        off += used;
        check_session(id, true);
        if (!answer || out.tx_len == 0 || !rig->open[id])
            return;
        send_part(id, 0);
        if (off == n)
            return;
    }
    check(false, "feed made no progress");
}

static void reset(uint8_t conf)
{
    memset(rig->open, 0, sizeof rig->open);
    memset(rig->closing, 0, sizeof rig->closing);
    memset(rig->pending, 0, sizeof rig->pending);
    struct mfw_hal none;
    memset(&none, 0, sizeof none);
    check(mfw_meter_init(&rig->m, &rig->cfg, &none, T0) == MFW_OK, "meter init");
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    cc.inactivity_s = (uint16_t)((conf >> 3) & 3);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    check(mfw_cosem_init(&rig->cosem, &rig->m, &cc) == MFW_OK, "object model init");
    check(mfw_dlms_server_init(&rig->dlms, &rig->cosem, &dc) == MFW_OK, "DLMS server init");
    struct mfw_link_config lc;
    mfw_link_default_config(&lc);
    lc.evict = conf & 1;
    lc.frame_timeout_ms = conf & 2 ? 50 : 0;
    lc.associate_timeout_ms = conf & 4 ? 200 : 0;
    check(mfw_link_init(&rig->link, &rig->dlms, &lc) == MFW_OK, "link init");
}

static void run(const uint8_t *data, size_t size)
{
    if (rig == NULL) {
        rig = calloc(1, sizeof *rig);
        check(rig != NULL, "out of memory");
        mfw_meter_default_config(&rig->cfg, MFW_METER_382M);
        /* the LLS association (off by default) with the password "00000001" of the AARQ used */
        rig->cfg.security.lls_enabled = true;
        memcpy(rig->cfg.security.lls, "00000001", 8);
        rig->cfg.security.lls_len = 8;
    }
    reset(size > 0 ? data[0] : 0);
    mfw_ms_t now = 0;
    size_t i = 1;
    while (i < size) {
        uint8_t code = data[i] & 7, arg = data[i] >> 3;
        i++;
        unsigned id = arg % MFW_ASSOCIATIONS_MAX;
        size_t left = size - i;
        switch (code) {
        case 0: {
            int evicted = -2;
            int r = mfw_link_open(&rig->link, MFW_LINK_WRAPPER, now, &evicted);
            check(r == MFW_E_NOSPACE || (r >= 0 && r < (int)MFW_ASSOCIATIONS_MAX),
                  "open returned nonsense");
            check(evicted == -1 || (evicted == r && rig->link.config.evict),
                  "eviction reported wrongly");
            if (r >= 0) {
                check(!rig->open[r] || evicted == r, "open reused a busy slot");
                check(evicted < 0 || !rig->closing[r], "a closing session was evicted");
                rig->open[r] = true;
                rig->closing[r] = false;
                rig->pending[r] = 0;
            }
            break;
        }
        case 1:
        case 7: {
            size_t len = left > 0 ? data[i++] : 0;
            left = size - i;
            if (len > left)
                len = left;
            feed(id, data + i, len, now, code == 1);
            i += len;
            break;
        }
        case 2: send_part(id, left > 0 ? data[i++] : 0); break;
        case 3: now += 10 * (mfw_ms_t)(left > 0 ? data[i++] : 1); break;
        case 4: (void)mfw_link_poll(&rig->link, now); break;
        case 5:
            mfw_link_close(&rig->link, id);
            rig->open[id] = rig->closing[id] = false;
            rig->pending[id] = 0;
            break;
        default: { /* 6 */
            const struct canned *c = &CANNED[(left > 0 ? data[i++] : 0) % N_CANNED];
            size_t cut = i < size ? data[i++] % (c->n + 1) : 0;
            feed(id, c->p, cut, now, true);
            feed(id, c->p + cut, c->n - cut, now, true);
            break;
        }
        }
        check_all();
    }
    for (unsigned k = 0; k < MFW_ASSOCIATIONS_MAX; k++) /* the port stops */
        mfw_link_close(&rig->link, k);
    check(mfw_link_count(&rig->link) == 0, "sessions left after closing all");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);
    return 0;
}

/* Seed programs, written with the operation codes above. */
static size_t op(uint8_t *b, size_t n, unsigned code, unsigned arg)
{
    b[n] = (uint8_t)(code | arg << 3);
    return n + 1;
}

static size_t bytes(uint8_t *b, size_t n, const uint8_t *p, size_t len)
{
    memcpy(b + n, p, len);
    return n + len;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static uint8_t a[512], b[512];
    static const uint8_t bad[] = {0x00, 0x02, 0x00, 0x10, 0x00, 0x01, 0x00, 0x01, 0xC0};
    /* a: eviction, inactivity 1 s. Open 0 and 1; the LLS AARQ to 0 split at 7; a GET of the
     * object list fed without answering, 100 bytes of its first block sent, then the rest; GET
     * next split at 3; the public AARQ to 1 split at 20; 300 ms; poll; a bad version to 1; RLRQ
     * to 0; 1.2 s; poll; close both. */
    size_t na = 0;
    a[na++] = 0x01 | 1 << 3;
    na = op(a, na, 0, 0);
    na = op(a, na, 0, 0);
    na = op(a, na, 6, 0), a[na++] = 1, a[na++] = 7;
    na = op(a, na, 7, 0), a[na++] = sizeof GET_LN, na = bytes(a, na, GET_LN, sizeof GET_LN);
    na = op(a, na, 2, 0), a[na++] = 100;
    na = op(a, na, 2, 0), a[na++] = 0;
    na = op(a, na, 6, 0), a[na++] = 4, a[na++] = 3;
    na = op(a, na, 6, 1), a[na++] = 0, a[na++] = 20;
    na = op(a, na, 3, 0), a[na++] = 30;
    na = op(a, na, 4, 0);
    na = op(a, na, 1, 1), a[na++] = sizeof bad, na = bytes(a, na, bad, sizeof bad);
    na = op(a, na, 6, 0), a[na++] = 5, a[na++] = 0;
    na = op(a, na, 3, 0), a[na++] = 120;
    na = op(a, na, 4, 0);
    na = op(a, na, 5, 0);
    na = op(a, na, 5, 1);
    /* b: frame time-out 50 ms, association time-out 200 ms, no inactivity. Every slot opened and
     * one more; half a GET to 2, 60 ms, poll; the public AARQ to 3 byte by byte in two feeds; a
     * GET to 3; 250 ms; poll; close 2; open again. */
    size_t nb = 0;
    b[nb++] = 0x02 | 0x04;
    for (unsigned k = 0; k <= MFW_ASSOCIATIONS_MAX; k++)
        nb = op(b, nb, 0, 0);
    nb = op(b, nb, 1, 2), b[nb++] = 10, nb = bytes(b, nb, GET_CLOCK, 10);
    nb = op(b, nb, 3, 0), b[nb++] = 6;
    nb = op(b, nb, 4, 0);
    nb = op(b, nb, 1, 3), b[nb++] = 12, nb = bytes(b, nb, AARQ_PUBLIC, 12);
    nb = op(b, nb, 1, 3), b[nb++] = sizeof AARQ_PUBLIC - 12;
    nb = bytes(b, nb, AARQ_PUBLIC + 12, sizeof AARQ_PUBLIC - 12);
    nb = op(b, nb, 6, 3), b[nb++] = 2, b[nb++] = 0;
    nb = op(b, nb, 3, 0), b[nb++] = 25;
    nb = op(b, nb, 4, 0);
    nb = op(b, nb, 5, 2);
    nb = op(b, nb, 0, 0);
    run(a, na);
    run(b, nb);
    /* the canned frames must reach an association and replies, or the harness tests only
     * refusals */
    reset(0);
    rig->open[0] = mfw_link_open(&rig->link, MFW_LINK_WRAPPER, 0, NULL) == 0;
    feed(0, AARQ_LLS, sizeof AARQ_LLS, 0, true);
    check(rig->open[0] && rig->link.sessions[0].associated, "the canned LLS AARQ is refused");
    uint32_t out0 = rig->link.stats.apdus_out;
    feed(0, GET_LN, sizeof GET_LN, 0, true);
    feed(0, GET_NEXT, sizeof GET_NEXT, 0, true);
    check(rig->link.stats.apdus_out == out0 + 2, "the canned GETs are not answered");
    mfw_link_close(&rig->link, 0);
    fuzz_seed_write("fuzz_link_session", "link-session-a.bin", a, na);
    fuzz_seed_write("fuzz_link_session", "link-session-b.bin", b, nb);
    return 0;
}
