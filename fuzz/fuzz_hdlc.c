/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for HDLC (include/meterfw/link/hdlc.h) and the link sessions of the HDLC
 * kinds (link.h), in three parts on every input:
 *
 *  1. The receiver (mfw_hdlc_rx_feed) on the raw input after byte 0, fed in pieces of 1..16 bytes
 *     into a target of 1..256 bytes: its frames must be exactly those of a straight reference
 *     parser over the whole stream (length-framed, CRC-16/X.25 computed bit by bit here), with
 *     the same addresses, control, S bit and information field (or truncated exactly when the
 *     field is longer than the target), whatever the split.
 *  2. The station (mfw_hdlc_feed / _reply / _output) on frames built from the input, so that the
 *     checksums hold and the mutants reach the procedure: each frame is a header byte (bits 0-1
 *     the destination form: 1 byte 03, 2 bytes 02 23, 4 bytes 00 02 00 23, or another station;
 *     bit 2 the S bit; bit 3 a raw corruption of one byte), a control byte, a length byte and that
 *     many information bytes. Each APDU event gets a reply whose length comes from the input.
 *     Checked: every frame the station sends is valid (reference parser), goes to the client that
 *     spoke, from the address it used, no longer than the negotiated field; each I-frame's field
 *     is the slice of (E6 E7 00 + the reply) at its segment's offset; N(S) counts up modulo 8
 *     within a burst; an APDU event lies inside the buffer after a correct LLC header.
 *  3. With byte 0 bit 6, a link session of kind MFW_LINK_HDLC or MFW_LINK_OPTICAL (bit 7) on a real DLMS
 *     server over a meter without flash, fed the same built frames (an optical session gets
 *     "/?!" CR LF and ACK 2 5 2 CR LF first) with time steps, sending every reply: the output is
 *     a valid frame each time, feed never takes more than given, a session that says close keeps
 *     saying it and takes nothing more.
 *
 * Seeds (LLVMFuzzerInitialize, into $MFW_FUZZ_SEED_DIR when set): a conversation of SNRM,
 * AARQ (public), a segmented GET, RR polls, RLRQ and DISC in the built form, and the captured
 * client frames of h_public_clock.txt's opening as raw bytes. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/link/hdlc.h"
#include "meterfw/link/link.h"
#include "meterfw/meter/meter.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1767225600000LL
#define MAX_FRAMES 512

static uint16_t crc_bits(const uint8_t *p, size_t n)
{
    uint16_t c = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = (c & 1) ? (uint16_t)((c >> 1) ^ 0x8408) : (uint16_t)(c >> 1);
    }
    return (uint16_t)(c ^ 0xFFFF);
}

static uint64_t next(uint64_t *r)
{
    *r ^= *r >> 12;
    *r ^= *r << 25;
    *r ^= *r >> 27;
    return *r * 0x2545F4914F6CDD1Dull;
}

/* ---- 1. the receiver against a reference ----------------------------------------------------- */

struct ref_frame {
    size_t start, len; /* the frame's bytes between the flags: s[start .. start+len) */
    size_t dl, sl, info, info_len;
};

/* The reference, written from the frame format of hdlc.h with whole-frame CRCs: hunt a flag,
 * skip flags, a type 3 format, the length (at least 7), addresses of 1, 2 or 4 bytes (b0 set on
 * the last) leaving room for control and FCS, the HCS when the length leaves room for one, the
 * information field, the FCS, the closing flag (which may open the next frame). A frame that
 * breaks at some byte is dropped and the hunt starts after that byte. */
enum { R_HUNT, R_FLAG, R_F2, R_DST, R_SRC, R_CTRL, R_HCS, R_INFO, R_FCS, R_CLOSE };
static size_t reference(const uint8_t *s, size_t n, struct ref_frame *out)
{
    size_t k = 0, start = 0, len = 0, got = 0, cnt = 0, dl = 0, sl = 0, hdr = 0, two = 0;
    int st = R_HUNT;
    for (size_t i = 0; i < n && k < MAX_FRAMES; i++) {
        uint8_t b = s[i];
        switch (st) {
        case R_HUNT: st = b == 0x7E ? R_FLAG : R_HUNT; break;
        case R_FLAG:
            if (b == 0x7E)
                break;
            if ((b & 0xF0) == 0xA0) {
                start = i;
                st = R_F2;
            } else {
                st = R_HUNT;
            }
            break;
        case R_F2:
            len = (size_t)((s[start] & 7) << 8 | b);
            got = 2;
            cnt = 0;
            st = len < 7 ? R_HUNT : R_DST;
            break;
        case R_DST:
        case R_SRC:
            got++;
            cnt++;
            if (b & 1) {
                if (cnt == 3) {
                    st = R_HUNT;
                    break;
                }
                if (st == R_DST)
                    dl = cnt;
                else
                    sl = cnt;
                st = st == R_DST ? R_SRC : R_CTRL;
                cnt = 0;
            } else if (cnt >= 4) {
                st = R_HUNT;
                break;
            }
            if (got + 3 > len)
                st = R_HUNT;
            break;
        case R_CTRL:
            got++;
            hdr = got;
            two = 0;
            st = len == hdr + 2 ? R_FCS : len >= hdr + 4 ? R_HCS : R_HUNT;
            break;
        case R_HCS:
            got++;
            if (++two < 2)
                break;
            two = 0;
            if ((uint16_t)(s[i - 1] | s[i] << 8) != crc_bits(s + start, hdr)) {
                st = R_HUNT;
                break;
            }
            st = got + 2 == len ? R_FCS : R_INFO;
            break;
        case R_INFO:
            got++;
            if (got + 2 == len)
                st = R_FCS;
            break;
        case R_FCS:
            got++;
            if (++two < 2)
                break;
            two = 0;
            st =
                (uint16_t)(s[i - 1] | s[i] << 8) == crc_bits(s + start, len - 2) ? R_CLOSE : R_HUNT;
            break;
        default: /* R_CLOSE */
            if (b != 0x7E) {
                st = R_HUNT;
                break;
            }
            out[k++] = (struct ref_frame){start,
                                          len,
                                          dl,
                                          sl,
                                          len > hdr + 2 ? start + hdr + 2 : 0,
                                          len > hdr + 2 ? len - hdr - 4 : 0};
            st = R_FLAG;
            break;
        }
    }
    return k;
}

static void part_receiver(const uint8_t *s, size_t n, uint8_t conf, uint64_t rng)
{
    static struct ref_frame want[MAX_FRAMES];
    size_t nw = reference(s, n, want), k = 0;
    size_t cap = 1 + (size_t)(conf * 37u % 256u);
    uint8_t *target = malloc(cap); /* exact size: ASan sees a write past it */
    if (target == NULL)
        return;
    struct mfw_hdlc_rx rx;
    mfw_hdlc_rx_init(&rx, target, cap);
    size_t pos = 0;
    while (pos < n) {
        size_t piece = 1 + (size_t)(next(&rng) >> 60);
        if (piece > n - pos)
            piece = n - pos;
        size_t end = pos + piece;
        while (pos < end) {
            size_t used = 0;
            struct mfw_hdlc_frame f;
            int r = mfw_hdlc_rx_feed(&rx, s + pos, end - pos, 0, &used, &f);
            if (used > end - pos || r < 0)
                abort();
            pos += used;
            if (r == 0) {
                if (pos != end)
                    abort();
                continue;
            }
            if (k >= nw)
                abort(); /* a frame the reference does not have */
            const struct ref_frame *w = &want[k++];
            const uint8_t *p = s + w->start;
            if (f.dst_len != w->dl || f.src_len != w->sl || memcmp(f.dst, p + 2, w->dl) != 0 ||
                memcmp(f.src, p + 2 + w->dl, w->sl) != 0 || f.control != p[2 + w->dl + w->sl] ||
                f.segmented != ((p[0] & 0x08) != 0) || f.info_len != w->info_len ||
                pos != w->start + w->len + 1)
                abort();
            if (w->info_len > cap) {
                if (!f.truncated || f.info != NULL)
                    abort();
            } else if (f.truncated ||
                       (w->info_len > 0 &&
                        (f.info != target || memcmp(f.info, s + w->info, w->info_len) != 0))) {
                abort();
            }
        }
    }
    if (k != nw)
        abort();
    free(target);
}

/* ---- built frames ---------------------------------------------------------------------------- */

static const uint8_t D1[1] = {0x03}, D2[2] = {0x02, 0x23}, D4[4] = {0x00, 0x02, 0x00, 0x23},
                     DX[1] = {0x05};

/* Builds the frames of the input (see the top) into out; returns its length. */
static size_t build(const uint8_t *s, size_t n, uint8_t *out, size_t cap)
{
    size_t k = 0, i = 0;
    while (i + 3 <= n && k + 300 < cap) {
        uint8_t h = s[i], control = s[i + 1], len = s[i + 2];
        i += 3;
        size_t il = len <= n - i ? len : n - i;
        const uint8_t *d = (h & 3) == 0 ? D1 : (h & 3) == 1 ? D2 : (h & 3) == 2 ? D4 : DX;
        size_t dl = (h & 3) == 0 ? 1 : (h & 3) == 1 ? 2 : (h & 3) == 2 ? 4 : 1;
        struct mfw_wcursor w;
        mfw_wcursor_init(&w, out + k, cap - k);
        uint8_t client = (h & 0x10) ? 0x03 : 0x21;
        if (mfw_hdlc_encode(&w, d, dl, &client, 1, control, (h & 4) != 0, s + i, il) != MFW_OK)
            break;
        if ((h & 8) && w.len > 2)
            out[k + 1 + (size_t)(h >> 5) % (w.len - 2)] ^= 0x5A;
        k += w.len;
        i += il;
    }
    return k;
}

/* A frame the meter sent, checked: valid, to client `to`, from src[sl], field at most max. */
static void check_out(const uint8_t *p, size_t n, uint8_t to, const uint8_t *src, size_t sl,
                      size_t max, const uint8_t **info, size_t *info_len, uint8_t *control)
{
    if (n < 9 || p[0] != 0x7E || p[n - 1] != 0x7E || (p[1] & 0xF0) != 0xA0 ||
        (size_t)((p[1] & 7) << 8 | p[2]) != n - 2 || p[3] != to || memcmp(p + 4, src, sl) != 0)
        abort();
    size_t hdr = 2 + 1 + sl + 1;
    *control = p[hdr];
    uint16_t f = crc_bits(p + 1, n - 4);
    if (p[n - 3] != (f & 0xFF) || p[n - 2] != (f >> 8))
        abort();
    *info = NULL;
    *info_len = 0;
    if (n - 2 == hdr + 2)
        return;
    uint16_t h = crc_bits(p + 1, hdr);
    if (n - 2 < hdr + 4 || p[1 + hdr] != (h & 0xFF) || p[2 + hdr] != (h >> 8))
        abort();
    *info = p + 3 + hdr;
    *info_len = n - 2 - hdr - 4;
    if (*info_len > max && (*control & 1) == 0)
        abort();
}

/* ---- 2. the station -------------------------------------------------------------------------- */

/* For the seeds' check: I-frames the station sent, associations the link saw (all inputs). */
static unsigned seen_i_frames, seen_associated;

static void part_station(const uint8_t *stream, size_t n, uint8_t conf, const uint8_t *raw,
                         size_t rawn)
{
    static uint8_t buf[1200], reply[1300];
    struct mfw_hdlc_config c;
    mfw_hdlc_default_config(&c);
    c.physical = 17;
    c.window_tx = c.window_rx = (uint8_t)(1 + conf % 7);
    c.max_info_tx = c.max_info_rx = (uint16_t)(32 + (conf >> 3) * 60u);
    static struct mfw_hdlc h;
    if (mfw_hdlc_init(&h, &c, buf, sizeof buf) != MFW_OK)
        abort();
    const uint8_t *stream_of_reply = NULL;
    size_t reply_total = 0, ri = 0;
    size_t pos = 0;
    while (pos < n) {
        size_t used = 0;
        struct mfw_hdlc_event ev;
        int r = mfw_hdlc_feed(&h, stream + pos, n - pos, (mfw_ms_t)pos, &used, &ev);
        if (r < 0 || used > n - pos)
            abort();
        pos += used;
        if (r == 0) {
            if (pos != n)
                abort();
            break;
        }
        if (ev.kind == MFW_HDLC_EV_APDU) {
            if (ev.apdu != buf + MFW_HDLC_LLC_LEN || ev.len == 0 ||
                ev.len + MFW_HDLC_LLC_LEN > sizeof buf || buf[0] != 0xE6 || buf[1] != 0xE6 ||
                buf[2] != 0x00)
                abort();
            uint8_t x = rawn > 0 ? raw[ri++ % rawn] : 0;
            size_t len = x == 0xFF ? 0 : 1u + (size_t)x * 5u; /* 0xFF: no answer */
            for (size_t k = 0; k < len; k++)
                reply[8 + k] = (uint8_t)(k * 13u + len);
            mfw_hdlc_reply(&h, reply + 8, len);
            stream_of_reply = len > 0 ? reply + 8 - MFW_HDLC_LLC_LEN : NULL;
            reply_total = len > 0 ? len + MFW_HDLC_LLC_LEN : 0;
        }
        const uint8_t *fr;
        size_t fn, guard = 0;
        int last_ns = -1;
        while ((fn = mfw_hdlc_output(&h, &fr)) > 0) {
            if (++guard > 16)
                abort(); /* a burst is at most a window, plus a control frame */
            const uint8_t *info;
            size_t il;
            uint8_t control;
            check_out(fr, fn, h.reply_to, h.srv, h.srv_len, h.link.info_tx, &info, &il, &control);
            if ((control & 1) == 0) {
                /* an I-frame: its field is segment N of LLC + reply */
                if (stream_of_reply == NULL || h.seg_next == 0)
                    abort();
                size_t off = (size_t)(h.seg_next - 1u) * h.link.info_tx;
                if (off + il > reply_total || memcmp(info, stream_of_reply + off, il) != 0)
                    abort();
                seen_i_frames++;
                int ns = (control >> 1) & 7;
                if (last_ns >= 0 && ns != ((last_ns + 1) & 7))
                    abort();
                last_ns = ns;
            }
        }
    }
}

/* ---- 3. a link session on the DLMS server ---------------------------------------------------- */

struct rig {
    struct mfw_meter m;
    struct mfw_cosem cosem;
    struct mfw_dlms_server dlms;
    struct mfw_link link;
};
static struct rig *rig;

static void part_link(const uint8_t *stream, size_t n, uint8_t conf)
{
    if (rig == NULL) {
        rig = calloc(1, sizeof *rig);
        if (rig == NULL)
            abort();
        struct mfw_meter_config cfg;
        mfw_meter_default_config(&cfg, MFW_METER_382M);
        struct mfw_hal none;
        memset(&none, 0, sizeof none);
        if (mfw_meter_init(&rig->m, &cfg, &none, T0) != MFW_OK)
            abort();
    }
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    struct mfw_link_config lc;
    mfw_link_default_config(&lc);
    if (mfw_cosem_init(&rig->cosem, &rig->m, &cc) != MFW_OK ||
        mfw_dlms_server_init(&rig->dlms, &rig->cosem, &dc) != MFW_OK ||
        mfw_link_init(&rig->link, &rig->dlms, &lc) != MFW_OK)
        abort();
    bool optical = (conf & 0x80) != 0;
    int id = mfw_link_open(&rig->link, optical ? MFW_LINK_OPTICAL : MFW_LINK_HDLC, 0, NULL);
    if (id < 0)
        abort();
    static const uint8_t opening[] = {'/', '?', '!', '\r', '\n', 0x06, '2', '5', '2', '\r', '\n'};
    mfw_ms_t now = 0;
    bool closing = false;
    for (int part = optical ? 0 : 1; part < 2; part++) {
        const uint8_t *p = part == 0 ? opening : stream;
        size_t len = part == 0 ? sizeof opening : n, off = 0;
        for (int guard = 0; off < len && guard < 100000; guard++) {
            struct mfw_link_out out;
            size_t take = len - off < 64 ? len - off : 64;
            size_t used = mfw_link_feed(&rig->link, (unsigned)id, p + off, take, now, &out);
            if (used > take)
                abort();
            if (closing && (used != 0 || !out.close))
                abort();
            off += used;
            if (out.close)
                closing = true;
            seen_associated += rig->link.sessions[id].associated;
            if (out.tx_len > 0) {
                if (out.tx[0] == 0x7E) {
                    const uint8_t *info;
                    size_t il;
                    uint8_t control;
                    check_out(out.tx, out.tx_len, out.tx[3], out.tx + 4,
                              out.tx_len >= 11 && (out.tx[4] & 1) == 0 ? (out.tx[5] & 1 ? 2 : 4)
                                                                       : 1,
                              MFW_HDLC_INFO_MAX, &info, &il, &control);
                }
                if (mfw_link_sent(&rig->link, (unsigned)id, out.tx_len) != MFW_OK)
                    abort();
            } else if (used == 0) {
                now += 250; /* a held reply (the reaction time), or nothing taken: time passes */
                mfw_link_poll(&rig->link, now);
            }
            if (closing)
                break;
            now += 3;
        }
        if (closing)
            break;
    }
    mfw_link_close(&rig->link, (unsigned)id);
    if (mfw_link_count(&rig->link) != 0)
        abort();
}

static int run(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint8_t conf = data[0];
    uint64_t rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)data[1] << 8 ^ size;
    part_receiver(data + 1, size - 1, conf, rng);
    static uint8_t built[16384];
    size_t n = build(data + 1, size - 1, built, sizeof built);
    part_station(built, n, conf, data + 1, size - 1);
    if (conf & 0x40) /* half of the inputs: the link over a whole DLMS server costs more */
        part_link(built, n, conf);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees any over-read */
    if (copy == NULL)
        return 0;
    if (size)
        memcpy(copy, data, size);
    run(copy, size);
    free(copy);
    return 0;
}

static void put(uint8_t *s, size_t *k, uint8_t h, uint8_t control, const uint8_t *info, uint8_t n)
{
    s[(*k)++] = h;
    s[(*k)++] = control;
    s[(*k)++] = n;
    if (n > 0)
        memcpy(s + *k, info, n);
    *k += n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const uint8_t aarq[] = {0xE6, 0xE6, 0x00, 0x60, 0x1D, 0xA1, 0x09, 0x06, 0x07,
                                   0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xBE, 0x10,
                                   0x04, 0x0E, 0x01, 0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F,
                                   0x04, 0x00, 0x40, 0x1E, 0x1D, 0xFF, 0xFF};
    static const uint8_t get[] = {0xE6, 0xE6, 0x00, 0xC0, 0x01, 0xC1, 0x00, 0x0F,
                                  0x00, 0x00, 0x28, 0x00, 0x00, 0xFF, 0x02, 0x00};
    static const uint8_t params[] = {0x81, 0x80, 0x12, 0x05, 0x01, 0x40, 0x06,
                                     0x01, 0x40, 0x07, 0x04, 0x00, 0x00, 0x00,
                                     0x03, 0x08, 0x04, 0x00, 0x00, 0x00, 0x03};
    static const uint8_t rlrq[] = {0xE6, 0xE6, 0x00, 0x62, 0x03, 0x80, 0x01, 0x00};
    static uint8_t seed[512];
    size_t k = 0;
    seed[k++] = 0x75; /* window 5, 32 + 14 x 60 bytes; the link part, HDLC kind */
    put(seed, &k, 0x00, 0x93, params, sizeof params); /* SNRM, 64 bytes, window 3 */
    put(seed, &k, 0x00, 0x10, aarq, sizeof aarq);     /* AARQ */
    put(seed, &k, 0x04, 0x32, get, 8);                /* GET in two segments */
    put(seed, &k, 0x00, 0x34, get + 8, sizeof get - 8);
    put(seed, &k, 0x00, 0x71, NULL, 0); /* RR polls */
    put(seed, &k, 0x00, 0x91, NULL, 0);
    put(seed, &k, 0x00, 0xB1, NULL, 0);
    put(seed, &k, 0x00, 0xB6, rlrq, sizeof rlrq); /* RLRQ */
    put(seed, &k, 0x00, 0x53, NULL, 0);           /* DISC */
    run(seed, k);
    if (seen_i_frames < 2 || seen_associated == 0) {
        fprintf(stderr, "fuzz_hdlc: %u I-frames, %u associated feeds\n", seen_i_frames,
                seen_associated);
        fprintf(stderr, "fuzz_hdlc: the built seed does not reach I-frames and an association\n");
        abort();
    }
    /* the capture's opening, raw: SNRM, AARQ, GET, RR */
    static const uint8_t raw[] = {
        0xC0, 0x7E, 0xA0, 0x07, 0x03, 0x21, 0x93, 0x0F, 0x01, 0x7E, 0x7E, 0xA0, 0x2B,
        0x03, 0x21, 0x10, 0xFB, 0xAF, 0xE6, 0xE6, 0x00, 0x60, 0x1D, 0xA1, 0x09, 0x06,
        0x07, 0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01, 0xBE, 0x10, 0x04, 0x0E, 0x01,
        0x00, 0x00, 0x00, 0x06, 0x5F, 0x1F, 0x04, 0x00, 0x40, 0x1E, 0x1D, 0xFF, 0xFF,
        0xE7, 0x25, 0x7E, 0x7E, 0xA0, 0x19, 0x03, 0x21, 0x32, 0x6F, 0xD8, 0xE6, 0xE6,
        0x00, 0xC0, 0x01, 0xC1, 0x00, 0x0F, 0x00, 0x00, 0x28, 0x00, 0x00, 0xFF, 0x02,
        0x00, 0x91, 0x53, 0x7E, 0x7E, 0xA0, 0x07, 0x03, 0x21, 0x51, 0x11, 0xE4, 0x7E};
    static struct ref_frame rf[MAX_FRAMES];
    if (reference(raw + 1, sizeof raw - 1, rf) != 4) {
        fprintf(stderr, "fuzz_hdlc: the captured frames do not decode\n");
        abort();
    }
    run(raw, sizeof raw);
    fuzz_seed_write("fuzz_hdlc", "hdlc-built.bin", seed, k);
    fuzz_seed_write("fuzz_hdlc", "hdlc-capture.bin", raw, sizeof raw);
    return 0;
}
