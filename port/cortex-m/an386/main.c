/* SPDX-License-Identifier: Apache-2.0 */
/* The meter image of the MPS2 AN386 board (board.h): one struct mfw_meter with its object
 * model, DLMS server and link sessions, fed sample sets by the front end's UART, serving HDLC on
 * the DLMS port's UART, showing its display on a third. docs/firmware.md has the picture.
 *
 * Time. The board has no RTC of its own: the front end is its crystal and RTC. Every sample frame
 * says the UTC of its first set; the meter's time is the end of the last frame (its first set's
 * time plus its sets at fs), run on by SysTick since that frame arrived, never backwards. So a
 * scenario streamed faster than real time moves the meter as fast, and once the stream ends
 * (or pauses) the clock runs on in real time. The first frame sets the clock and powers the
 * meter up; its channel count chooses the model (3: a 162M, 7: a 382M). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "afe_link.h"
#include "board.h"
#include "meterfw/base/civil.h"
#include "meterfw/base/crc.h"
#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/cosem/port_setup.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/link/link.h"
#include "meterfw/meter/display.h"
#include "meterfw/meter/meter.h"
#include "meterfw/store/store.h"

#ifndef BOARD_SERIAL
#define BOARD_SERIAL "00000386"
#endif
/* The management client's LLS secret on this development board (docs/firmware.md): the image
 * has no crypto port (no suite 0, no HLS-GMAC), so LLS is how a head-end manages it. */
#ifndef BOARD_LLS_SECRET
#define BOARD_LLS_SECRET "an386dev"
#endif
#define BOARD_FS_HZ 4000u
/* The software identification of the legally relevant part (WELMEC 7.2 P2): with its checksum,
 * computed at run time over the .legal section (an386.ld: the metrology, meter and store
 * layers' code and constants), shown at start and in 1.0.0.2.8.255. */
#define BOARD_LEGAL_ID "meterfw-0.1.0"
extern const uint8_t _legal_start[], _legal_end[];
#define POLL_MS 100u /* the link's time-outs at least this often */

static struct board board;
static struct mfw_hal hal;
static struct mfw_meter meter;
static struct mfw_cosem cosem;
static struct mfw_dlms_server dlms;
static struct mfw_link link;
static struct mfw_display disp;
static struct afe_link_rx afe_rx;
static struct afe_link_frame frame;

/* ---- the clock (see above) ---- */
static mfw_ms_t stream_end;   /* UTC at the end of the last frame */
static uint32_t stream_at_ms; /* board_ms() when it arrived */
static mfw_ms_t now_last;

static mfw_ms_t meter_now(void)
{
    mfw_ms_t t = stream_end + (mfw_ms_t)(uint32_t)(board_ms(&board) - stream_at_ms);
    if (t < now_last)
        t = now_last;
    now_last = t;
    return t;
}

/* ---- text for the display line, without stdio ---- */
static char *put_s(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *put_u(char *p, uint64_t v, unsigned width)
{
    char b[24];
    unsigned n = 0;
    do {
        b[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n < width)
        b[n++] = '0';
    while (n)
        *p++ = b[--n];
    return p;
}

static char *put_time(char *p, mfw_ms_t t)
{
    int64_t ms_of_day;
    int64_t days = mfw_civil_days_of_ms(t, &ms_of_day);
    struct mfw_civil_date d = mfw_civil_date_from_days(days);
    uint64_t s = (uint64_t)ms_of_day / 1000u;
    p = put_u(p, (uint64_t)d.year, 4);
    *p++ = '-';
    p = put_u(p, d.month, 2);
    *p++ = '-';
    p = put_u(p, d.day, 2);
    *p++ = 'T';
    p = put_u(p, s / 3600u, 2);
    *p++ = ':';
    p = put_u(p, s / 60u % 60u, 2);
    *p++ = ':';
    p = put_u(p, s % 60u, 2);
    *p++ = 'Z';
    return p;
}

/* One line per item shown: time, OBIS, value, unit (what meterd prints without a terminal). */
static void display_line(mfw_ms_t now)
{
    struct mfw_display_frame fr;
    mfw_display_render(&disp, &meter, now, &fr);
    char line[96];
    char *p = put_time(line, now);
    p = put_s(p, "  ");
    p = put_s(p, fr.obis);
    p = put_s(p, " ");
    p = put_s(p, fr.value);
    p = put_s(p, " ");
    p = put_s(p, fr.unit);
    p = put_s(p, "\r\n");
    *p = '\0';
    board_display_write(line);
}

/* The stack's high-water mark on the display whenever it grows (board.h: the painted RAM). */
static uint32_t stack_shown;

static void stack_report(void)
{
    uint32_t peak = board_stack_peak();
    if (peak <= stack_shown)
        return;
    stack_shown = peak;
    char line[80];
    char *p = put_s(line, "meterfw an386: stack peak ");
    p = put_u(p, peak, 1);
    p = put_s(p, " of ");
    p = put_u(p, board_stack_size(), 1);
    p = put_s(p, " bytes\r\n");
    *p = '\0';
    board_display_write(line);
}

/* ---- the DLMS port: one link session on the line at a time ---- */
static int line_session = -1;

static void line_send(mfw_ms_t now)
{
    (void)now;
    while (line_session >= 0) {
        struct mfw_link_out out;
        mfw_link_output(&link, (unsigned)line_session, &out);
        if (out.tx_len > 0) {
            board_hdlc_write(out.tx, out.tx_len); /* the UART takes it all (it blocks) */
            (void)mfw_link_sent(&link, (unsigned)line_session, out.tx_len);
            continue;
        }
        if (out.close) {
            /* a DISC or a time-out: the next byte on the line opens a new session */
            mfw_link_close(&link, (unsigned)line_session);
            line_session = -1;
        }
        return;
    }
}

static void line_byte(uint8_t b, mfw_ms_t now)
{
    if (line_session < 0) {
        int evicted = -1;
        int id = mfw_link_open(&link, MFW_LINK_HDLC_LINE, now, &evicted);
        if (id < 0)
            return; /* no session: the byte is lost, as on a busy meter */
        line_session = id;
    }
    for (;;) {
        struct mfw_link_out out;
        size_t used = mfw_link_feed(&link, (unsigned)line_session, &b, 1, now, &out);
        line_send(now);
        if (used == 1 || line_session < 0)
            return;
    }
}

/* hal.legal_checksum: CRC-32 of the legally relevant part, each time it is asked (P5: a changed
 * or damaged part shows a different one). */
static int legal_checksum(void *ctx, uint32_t *crc, uint32_t *len)
{
    (void)ctx;
    *len = (uint32_t)(_legal_end - _legal_start);
    *crc = mfw_crc32(_legal_start, *len);
    return MFW_OK;
}

static char *put_hex32(char *p, uint32_t v)
{
    for (int s = 28; s >= 0; s -= 4)
        *p++ = "0123456789ABCDEF"[(v >> s) & 0xFu];
    return p;
}

/* ---- power-up ---- */
static void fail(const char *why)
{
    board_display_write("meterfw: ");
    board_display_write(why);
    board_display_write("\r\n");
    for (;;)
        board_idle(&board);
}

/* Waits for the front end's first frame of samples (the clock and the model come with it). */
static void first_frame(void)
{
    board_display_write("meterfw an386: waiting for the front end on UART0\r\n");
    for (;;) {
        uint8_t c;
        if (!board_afe_getc(&board, &c)) {
            board_idle(&board);
            continue;
        }
        if (afe_link_rx_byte(&afe_rx, c, &frame) == AFE_LINK_FRAME &&
            frame.type == AFE_LINK_SAMPLES)
            return;
    }
}

static void power_up(void)
{
    struct mfw_meter_config cfg; /* on the stack: the meter keeps its own copy */
    enum mfw_meter_model model = frame.channels == 3u ? MFW_METER_162M : MFW_METER_382M;
    mfw_meter_default_config(&cfg, model);
    memcpy(cfg.serial, BOARD_SERIAL, sizeof BOARD_SERIAL);
    cfg.metro.fs_hz = BOARD_FS_HZ;
    /* the front end's nominal scale (board.h): volts and amps per code */
    double i_full_scale = cfg.i_max_a * 1.41421356237309505 * 1.2;
    for (unsigned k = 0; k < MFW_PHASES_MAX; k++) {
        cfg.metro.cal[k].v_gain = (float)(BOARD_AFE_V_FULL_SCALE / BOARD_AFE_CODES);
        cfg.metro.cal[k].i_gain = (float)(i_full_scale / BOARD_AFE_CODES);
    }
    cfg.metro.i_n_gain = (float)(i_full_scale / BOARD_AFE_CODES);
    cfg.security.lls_enabled = true;
    cfg.security.lls_len = (uint8_t)(sizeof BOARD_LLS_SECRET - 1u);
    memcpy(cfg.security.lls, BOARD_LLS_SECRET, sizeof BOARD_LLS_SECRET - 1u);
    if (frame.fs_hz != BOARD_FS_HZ)
        fail("the front end's rate is not the board's (4000 Hz)");
    if (board_hal(&board, &hal, cfg.store.sector_size, cfg.store.sector_count,
                  cfg.store.prog_size) != MFW_OK)
        fail("the store does not fit the board's flash");
    hal.legal_checksum = legal_checksum;
    {
        uint32_t crc, len;
        (void)legal_checksum(NULL, &crc, &len);
        char line[96];
        char *p = put_s(line, "meterfw an386: legal software " BOARD_LEGAL_ID ", CRC-32 ");
        p = put_hex32(p, crc);
        p = put_s(p, " over ");
        p = put_u(p, len, 1);
        p = put_s(p, " bytes\r\n");
        *p = '\0';
        board_display_write(line);
    }
    mfw_ms_t t0 = (mfw_ms_t)frame.t_ms;
    stream_end = t0;
    stream_at_ms = board_ms(&board);
    now_last = t0;
    int rc = mfw_meter_init(&meter, &cfg, &hal, t0);
    if (rc == MFW_E_FORMAT && board.flash_fresh) {
        /* a new part (this QEMU run erased it): the factory formats it */
        if (mfw_store_format(&cfg.store, &hal) == MFW_OK)
            rc = mfw_meter_init(&meter, &cfg, &hal, t0);
    }
    if (rc != MFW_OK)
        fail("the meter does not start");
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    cc.max_conns = MFW_ASSOCIATIONS_MAX;
    mfw_port_setup_default(&cc.ports, &meter.config);
    cc.ports.local.default_mode = MFW_PORT_SETUP_MODE_HDLC;
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    struct mfw_link_config lc;
    mfw_link_default_config(&lc);
    if (mfw_cosem_init(&cosem, &meter, &cc) != MFW_OK ||
        mfw_dlms_server_init(&dlms, &cosem, &dc) != MFW_OK ||
        mfw_link_init(&link, &dlms, &lc) != MFW_OK)
        fail("the DLMS server does not start");
    mfw_display_init(&disp, model);
    board_display_write(model == MFW_METER_162M ? "meterfw an386: 162M #" BOARD_SERIAL
                                                : "meterfw an386: 382M #" BOARD_SERIAL);
    board_display_write(", DLMS/COSEM HDLC on UART2\r\n");
}

/* A checked frame from the front end. */
static void on_frame(void)
{
    if (frame.type == AFE_LINK_END) {
        stream_end = (mfw_ms_t)frame.t_ms;
        stream_at_ms = board_ms(&board);
        char line[64];
        char *p = put_s(line, "meterfw an386: the front end stopped at ");
        p = put_time(p, stream_end);
        p = put_s(p, "\r\n");
        *p = '\0';
        board_display_write(line);
        return;
    }
    if (frame.fs_hz != BOARD_FS_HZ || frame.channels != 2u * meter.config.metro.phases + 1u)
        return; /* not this meter's front end: dropped */
    mfw_meter_samples(&meter, frame.sets, frame.n);
    stream_end = (mfw_ms_t)frame.t_ms + (mfw_ms_t)frame.n * 1000 / BOARD_FS_HZ;
    stream_at_ms = board_ms(&board);
    mfw_meter_tick(&meter, meter_now());
}

int main(void)
{
    board_init(&board);
    afe_link_rx_init(&afe_rx);
    first_frame();
    power_up();
    on_frame();
    uint32_t last_poll = board_ms(&board), last_tick = last_poll;
    for (;;) {
        bool busy = false;
        uint8_t c;
        /* a frame's worth of the front end at most, then the DLMS port gets its turn */
        for (unsigned k = 0; k < AFE_LINK_FRAME_MAX && board_afe_getc(&board, &c); k++) {
            busy = true;
            if (afe_link_rx_byte(&afe_rx, c, &frame) == AFE_LINK_FRAME) {
                on_frame();
                break;
            }
        }
        while (board_hdlc_getc(&board, &c)) {
            busy = true;
            line_byte(c, meter_now());
        }
        uint32_t ms = board_ms(&board);
        if (ms - last_tick >= 1000u) {
            /* the clock runs on between frames: the meter's tick once a second */
            last_tick = ms;
            mfw_meter_tick(&meter, meter_now());
        }
        if (ms - last_poll >= POLL_MS) {
            last_poll = ms;
            stack_report();
            mfw_ms_t now = meter_now();
            if (mfw_link_poll(&link, now) > 0)
                line_send(now);
            bool first = !disp.started;
            if (mfw_display_step(&disp, (mfw_ms_t)ms) || first)
                display_line(now);
        }
        if (!busy)
            board_idle(&board);
    }
}
