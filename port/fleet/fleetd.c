/* SPDX-License-Identifier: Apache-2.0 */
/* fleetd: a fleet of virtual meters in one process (docs/fleet.md). Each meter is a whole
 * struct mfw_meter of the meterfw core with its own flash region (fleet_flash.h), serial number,
 * system title, keys (fleet_keys.h), household (fleet_config.h) and link sessions, all on one
 * fleet clock and one epoll loop (fleet_net.h). meterd's modules do the rest: sim_drive moves a
 * meter through its scenario in fast fidelity, rtc_backup keeps the fleet clock, report writes
 * a meter's JSON report. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock_posix.h"
#include "consumer.h"
#include "crypto_posix.h"
#include "fleet_config.h"
#include "fleet_flash.h"
#include "fleet_keys.h"
#include "fleet_net.h"
#include "isotime.h"
#include "meterfw/base/ct.h"
#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/link/link.h"
#include "meterfw/link/push.h"
#include "meterfw/meter/meter.h"
#include "report.h"
#include "rtc_backup.h"
#include "sim/scenario.h"
#include "sim_drive.h"
#include "state_dir.h"

#define EXIT_BAD_INPUT 2
#define TICK_MS 1000    /* a meter is brought to the fleet clock when it is this far behind */
#define SLICE_MS 20     /* simulation between looks at the clock and the signals */
#define POLL_MS 1       /* simulation between looks at the sockets */
#define PROGRESS_MS 500 /* the catch-up's progress line */
#define CATCHUP_STEP_MS 86400000 /* a day of one meter at a time */
#define PUSH_STEP_MS 10000       /* --push: a meter steps at most this far between push polls */
#define SCENARIO_TEXT_MAX 2048

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

struct fmeter {
    struct mfw_meter m;
    struct mfw_meter_config cfg;
    struct scenario sc;
    struct sim_drive drv;
    struct fleet_flash flash;
    struct mfw_hal hal;
    struct mfw_cosem cosem;
    struct mfw_dlms_server dlms;
    struct mfw_link link;
    struct mfw_modules modules; /* --push: the WAN push module in slot 0 */
    struct mfw_push push;
    bool push_fitted;
    const char *push_dest;
    struct fleet_draw draw;
    char serial[17];
    uint64_t silent_events; /* bit e: silent event e hits it */
    uint64_t drift_events;  /* bit e: drift event e hits it */
    uint64_t tamper_events; /* bit e: tamper event e hits it */
    const struct fleet_config *fc;
    mfw_ms_t clock_offset; /* its RTC minus the fleet clock (drift so far) */
};

struct opts {
    uint32_t meters;
    bool has_meters;
    const char *config;
    const char *secret;
    const char *state_dir;
    const char *report_dir;
    const char *host;
    bool per_meter, shared, hdlc;
    uint16_t base_port, shared_port, hdlc_port;
    uint32_t max_ports;
    double speed;
    bool has_start, has_until;
    mfw_ms_t start_ms, until_ms;
    mfw_ms_t history_ms;
    bool quiet;
    unsigned jobs;    /* catch-up threads */
    const char *push; /* --push: the head-end "a.b.c.d:port" of every meter's pushes, NULL: none */
};

struct fleet {
    struct opts o;
    struct fleet_config fc;
    struct fmeter *meters;
    struct fleet_net_meter *netm;
    struct fleet_net net;
    bool net_open;
    struct fleet_flash_file file;
    struct fleet_secret secret;
    struct rtc_backup rtc;
    bool rtc_open;
    mfw_ms_t start;         /* the fleet clock when the fleet started serving */
    mfw_ms_t now;           /* the fleet clock */
    mfw_ms_t origin;        /* the instant the meters were created at (history) */
    uint32_t cursor;        /* round robin of the run loop */
    mfw_ms_t *at;           /* the fleet time each meter was last brought to (run loop) */
    uint64_t silent_active; /* bit e: silent event e is on */
    mfw_ms_t power_events_seen;
    char push_host[16]; /* --push split */
    uint16_t push_port;
    int64_t push_hold_until; /* monotonic ms: after a failed send, no sends until then */
    uint32_t pushes_sent, pushes_failed;
    uint8_t push_buf[MFW_PUSH_FRAME_MAX];
};

static const char usage_text[] =
    "usage: fleetd [options]\n"
    "A fleet of virtual meters in one process, each the meterfw core with its own state,\n"
    "serial, keys, household and faults (docs/fleet.md).\n"
    "\n"
    "  --meters N          the number of meters (default: the config's, else 10)\n"
    "  --config FILE       the fleet file: draws, feeders, faults (docs/fleet.md)\n"
    "  --secret FILE       the fleet secret the keys derive from, mode 0600 (default:\n"
    "                      DIR/fleet.secret, made on the first start)\n"
    "  --state-dir DIR     flash.bin (every meter's flash), rtc (the fleet clock),\n"
    "                      keys.csv (what the head-end imports) (default fleet-state)\n"
    "  --base-port P       meter i on TCP port P + i (wrapper; 0: ephemeral ports)\n"
    "  --max-ports N       refuse --base-port for more than N meters (default 20000)\n"
    "  --shared-port P     one wrapper port for all: the server wPort names the meter\n"
    "  --hdlc-port P       one HDLC port for all: the lower HDLC address names the meter\n"
    "  --host A            the IPv4 address to bind (default 127.0.0.1)\n"
    "  --start TIME        the fleet clock at start (default: the saved clock, else now)\n"
    "  --history DURATION  a new fleet is created DURATION before --start and caught up in\n"
    "                      fast fidelity first (e.g. 365d; units ms s min h d)\n"
    "  --speed X           the fleet clock runs X times real time; 0 stops it (default 1)\n"
    "  --until TIME        run as fast as possible up to TIME, save, exit\n"
    "  --report-dir DIR    at exit, DIR/SERIAL.json: every meter's report (meterd --report)\n"
    "  --jobs N            threads of the catch-up (default 1); serving is one thread\n"
    "  --push A.B.C.D:PORT every meter's IDIS pushes (WAN module, slot 0) to that head-end\n"
    "                      (needs a DLMS port option)\n"
    "  --quiet             no progress line\n";

static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fleetd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static bool parse_u(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (s == NULL || *s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

static bool parse_duration(const char *s, mfw_ms_t *out)
{
    char *end;
    double v = strtod(s, &end);
    double f = strcmp(end, "ms") == 0    ? 1.0
               : strcmp(end, "s") == 0   ? 1e3
               : strcmp(end, "min") == 0 ? 6e4
               : strcmp(end, "h") == 0   ? 3.6e6
               : strcmp(end, "d") == 0   ? 8.64e7
                                         : 0.0;
    if (end == s || f == 0.0 || !(v >= 0.0 && v * f <= 20.0 * 366.0 * 8.64e7))
        return false;
    *out = (mfw_ms_t)llround(v * f);
    return true;
}

/* 0 ok, 1 help, -1 error (printed). */
static int parse_options(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->state_dir = "fleet-state";
    o->host = "127.0.0.1";
    o->speed = 1.0;
    o->max_ports = 20000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
            continue;
        }
        if (i + 1 >= argc)
            return bad("%s needs a value (--help)", a);
        const char *v = argv[++i];
        uint64_t n;
        if (strcmp(a, "--meters") == 0) {
            if (!parse_u(v, FLEET_METERS_MAX, &n) || n == 0)
                return bad("--meters: 1..%u", FLEET_METERS_MAX);
            o->meters = (uint32_t)n;
            o->has_meters = true;
        } else if (strcmp(a, "--config") == 0) {
            o->config = v;
        } else if (strcmp(a, "--secret") == 0) {
            o->secret = v;
        } else if (strcmp(a, "--state-dir") == 0) {
            o->state_dir = v;
        } else if (strcmp(a, "--report-dir") == 0) {
            o->report_dir = v;
        } else if (strcmp(a, "--host") == 0) {
            o->host = v;
        } else if (strcmp(a, "--base-port") == 0 || strcmp(a, "--shared-port") == 0 ||
                   strcmp(a, "--hdlc-port") == 0) {
            if (!parse_u(v, 65535, &n))
                return bad("%s: 0..65535", a);
            if (a[2] == 'b') {
                o->per_meter = true;
                o->base_port = (uint16_t)n;
            } else if (a[2] == 's') {
                o->shared = true;
                o->shared_port = (uint16_t)n;
            } else {
                o->hdlc = true;
                o->hdlc_port = (uint16_t)n;
            }
        } else if (strcmp(a, "--push") == 0) {
            o->push = v;
        } else if (strcmp(a, "--jobs") == 0) {
            if (!parse_u(v, 64, &n) || n == 0)
                return bad("--jobs: 1..64");
            o->jobs = (unsigned)n;
        } else if (strcmp(a, "--max-ports") == 0) {
            if (!parse_u(v, 1000000, &n))
                return bad("--max-ports: 0..1000000");
            o->max_ports = (uint32_t)n;
        } else if (strcmp(a, "--speed") == 0) {
            char *end;
            o->speed = strtod(v, &end);
            if (*end != '\0' || !(o->speed >= 0.0 && o->speed <= 1e6))
                return bad("--speed: 0..1000000");
        } else if (strcmp(a, "--start") == 0 || strcmp(a, "--until") == 0) {
            mfw_ms_t t;
            if (!isotime_parse(v, &t))
                return bad("%s: a UTC time like 2026-12-01T00:00:00Z", a);
            if (a[2] == 's') {
                o->has_start = true;
                o->start_ms = t;
            } else {
                o->has_until = true;
                o->until_ms = t;
            }
        } else if (strcmp(a, "--history") == 0) {
            if (!parse_duration(v, &o->history_ms))
                return bad("--history: a duration like 365d, 12h (at most 20 years)");
        } else {
            return bad("unknown option %s (--help)", a);
        }
    }
    if (o->per_meter && o->base_port != 0 && (uint32_t)o->base_port + o->meters > 65536u &&
        o->has_meters)
        return bad("--base-port %u + %u meters passes port 65535", (unsigned)o->base_port,
                   (unsigned)o->meters);
    if (o->push != NULL) {
        unsigned a[4], port;
        char tail;
        if (sscanf(o->push, "%u.%u.%u.%u:%u%c", &a[0], &a[1], &a[2], &a[3], &port, &tail) != 5 ||
            a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255 || port == 0 || port > 65535 ||
            strlen(o->push) >= sizeof((struct mfw_push_setup *)0)->destination)
            return bad("--push: A.B.C.D:PORT (an IPv4 address and a port)");
        if (!o->per_meter && !o->shared && !o->hdlc)
            return bad("--push needs the DLMS/COSEM server (--base-port, --shared-port or "
                       "--hdlc-port): the pushes are read through its object model");
    }
    return 0;
}

/* ---- the meters ------------------------------------------------------------------------------ */

static int m_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    return fleet_flash_read(&((struct fmeter *)ctx)->flash, addr, buf, len);
}

static int m_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    return fleet_flash_prog(&((struct fmeter *)ctx)->flash, addr, buf, len);
}

static int m_erase(void *ctx, uint32_t sector)
{
    return fleet_flash_erase(&((struct fmeter *)ctx)->flash, sector);
}

static int m_temperature(void *ctx, int32_t *milli_c)
{
    *milli_c = (int32_t)lround(sim_drive_temperature(&((struct fmeter *)ctx)->drv) * 1000.0);
    return MFW_OK;
}

_Static_assert((unsigned)FLEET_TAMPER_COVER == (unsigned)MFW_HAL_IN_MAIN_COVER &&
                   (unsigned)FLEET_TAMPER_TERMINAL == (unsigned)MFW_HAL_IN_TERMINAL_COVER &&
                   (unsigned)FLEET_TAMPER_FIELD == (unsigned)MFW_HAL_IN_MAGNETIC_FIELD,
               "a tamper event's input is its hal.inputs bit");

/* The covers and the field sensor (docs/fleet.md "Faults"): the inputs of the tamper events
 * that hit the meter and are on at its own clock (the drive's time, the tick the meter is in). */
static uint32_t m_inputs(void *ctx)
{
    const struct fmeter *fm = ctx;
    uint32_t in = 0;
    for (uint32_t e = 0; e < fm->fc->n_events; e++)
        if ((fm->tamper_events >> e) & 1u) {
            const struct fleet_event *ev = &fm->fc->events[e];
            if (fm->drv.t >= ev->at_ms && fm->drv.t - ev->at_ms < ev->duration_ms)
                in |= ev->input;
        }
    return in;
}

static void hhmm(char out[8], long minutes)
{
    unsigned m = (unsigned)(((minutes % 1440) + 1440) % 1440);
    snprintf(out, 8, "%02u:%02u", m / 60 % 24, m % 60);
}

/* The scenario of meter i (docs/fleet.md "Households"): the built-in household scaled to its
 * yearly energy with its appliances at times of its own, its PV, the faults that hit it. */
static int scenario_text(const struct fleet *f, uint32_t i, const struct fleet_draw *d, char *t,
                         size_t cap)
{
    size_t n = 0;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(t + n, cap - n, __VA_ARGS__);                                            \
        if (k_ < 0 || (size_t)k_ >= cap - n)                                                       \
            return -1;                                                                             \
        n += (size_t)k_;                                                                           \
    } while (0)
    ADD("name fleet-%s\nvoltage 230 V\nfrequency 50 Hz\n", f->meters[i].serial);
    if (f->fc.shape == FLEET_SHAPE_FLAT) {
        /* a constant load of the yearly energy over 365 days: energy = P x t exactly */
        ADD("load base all %.6f W pf 1\n", d->annual_kwh * 1000.0 / 8760.0);
    } else {
        /* household.scn: 3500 kWh a year of which the H0 shape 2225 kWh; every power scaled
         * to the meter's yearly energy, the appliances moved by draws of their own */
        double s = d->annual_kwh / 3500.0;
        char a[8], b[8], c[8], e[8], g[8], h[8], k[8], l[8];
        long hob = 11 * 60 + (long)(fleet_config_uniform(f->fc.seed, d->serial, 5) * 90.0);
        long oven = 17 * 60 + (long)(fleet_config_uniform(f->fc.seed, d->serial, 6) * 120.0);
        long tv = 18 * 60 + (long)(fleet_config_uniform(f->fc.seed, d->serial, 7) * 120.0);
        long lights = 16 * 60 + (long)(fleet_config_uniform(f->fc.seed, d->serial, 8) * 120.0);
        hhmm(a, hob);
        hhmm(b, hob + 20);
        hhmm(c, oven);
        hhmm(e, oven + 30);
        hhmm(g, tv);
        hhmm(h, tv + 210);
        hhmm(k, lights);
        hhmm(l, lights + 360);
        ADD("utc-offset +1 h\nseed %u\nvoltage-harmonics 3:1%% 5:3%% 7:2%%\n", d->scenario_seed);
        ADD("household %.3f kWh pf 0.95\nharmonics 3:10%% 5:5%%\n", 2225.0 * s);
        ADD("load fridge %.2f W pf 0.85 L2 every 45 min duty 33 %%\nharmonics 3:8%%\n", 120.0 * s);
        ADD("load hob %.2f W pf 1 L1 from %s to %s\n", 2000.0 * s, a, b);
        ADD("load oven %.2f W pf 1 L3 from %s to %s\n", 1500.0 * s, c, e);
        ADD("load tv %.2f W pf 0.95 cap L1 from %s to %s\nharmonics 3:70%% 5:40%% 7:15%% 9:8%%\n",
            150.0 * s, g, h);
        ADD("load lights %.2f W pf 0.9 cap L3 from %s to %s\nharmonics 3:30%% 5:15%% 7:8%%\n",
            100.0 * s, k, l);
        if (d->pv_kwp > 0.0) /* household-pv.scn: the average day's peak is half the kWp */
            ADD("pv %.1f W peak from 06:00 to 20:00 seasonal 80 %%\nharmonics 5:3%% 7:2%%\n",
                d->pv_kwp * 500.0);
    }
    for (uint32_t e = 0; e < f->fc.n_events; e++) {
        const struct fleet_event *ev = &f->fc.events[e];
        if ((ev->kind != FLEET_EV_OUTAGE_FEEDER && ev->kind != FLEET_EV_OUTAGE_SHARE) ||
            !fleet_config_hits(&f->fc, ev, i))
            continue;
        char when[ISOTIME_LEN];
        isotime_format(ev->at_ms, when);
        ADD("at %s outage %lld ms\n", when, (long long)ev->duration_ms);
    }
#undef ADD
    return (int)n;
}

static int make_meter(struct fleet *f, uint32_t i, mfw_ms_t t0)
{
    struct fmeter *fm = &f->meters[i];
    fleet_config_draw(&f->fc, i, &fm->draw);
    snprintf(fm->serial, sizeof fm->serial, "%llu", (unsigned long long)fm->draw.serial);
    char text[SCENARIO_TEXT_MAX];
    int len = scenario_text(f, i, &fm->draw, text, sizeof text);
    if (len < 0)
        return bad("meter %u: scenario too long", (unsigned)i);
    enum mfw_meter_model model = fm->draw.three_phase ? MFW_METER_382M : MFW_METER_162M;
    struct scenario_error se;
    if (scenario_parse(&fm->sc, text, (size_t)len, fm->draw.three_phase ? 3 : 1, &se) != MFW_OK)
        return bad("meter %s: its scenario does not parse (line %u: %s)", fm->serial, se.line,
                   se.msg);
    struct mfw_meter_config *cfg = &fm->cfg;
    mfw_meter_default_config(cfg, model);
    memcpy(cfg->serial, fm->serial, sizeof cfg->serial);
    uint8_t key[MFW_KEYS_COUNT][MFW_KEYS_LEN];
    if (fleet_keys_derive(&f->secret, fm->serial, key) != MFW_OK)
        return bad("meter %s: key derivation failed", fm->serial);
    memcpy(cfg->security.key, key, sizeof key);
    cfg->security.have = (uint8_t)((1u << MFW_KEYS_COUNT) - 1u);
    mfw_keys_title_of_serial(cfg->security.server_title, fm->serial);
    if (f->fc.has_head_end_title)
        memcpy(cfg->security.client_title, f->fc.head_end_title, MFW_KEYS_TITLE_LEN);
    mfw_ct_wipe(key, sizeof key);
    int rc = sim_drive_init(&fm->drv, &fm->sc, FIDELITY_FAST, cfg, t0, NULL,
                            f->fc.seed ^ fm->draw.serial);
    if (rc != MFW_OK)
        return bad("meter %s: %s", fm->serial, mfw_strerror(rc));
    rc = fleet_flash_init(&fm->flash, &f->file, i, cfg->store.sector_size, cfg->store.sector_count,
                          cfg->store.prog_size);
    if (rc != MFW_OK)
        return bad("meter %s: its store does not fit its flash region", fm->serial);
    memset(&fm->hal, 0, sizeof fm->hal);
    fm->hal.ctx = fm;
    fm->hal.flash_read = m_read;
    fm->hal.flash_prog = m_prog;
    fm->hal.flash_erase = m_erase;
    fm->hal.temperature = m_temperature;
    fm->hal.inputs = m_inputs;
    fm->fc = &f->fc;
    fm->tamper_events = 0;
    for (uint32_t e = 0; e < f->fc.n_events; e++)
        if (f->fc.events[e].kind == FLEET_EV_TAMPER &&
            fleet_config_hits(&f->fc, &f->fc.events[e], i))
            fm->tamper_events |= 1ull << e;
    fm->hal.crypto = crypto_posix_port();
    rc = mfw_meter_init(&fm->m, cfg, &fm->hal, t0);
    if (rc != MFW_OK)
        return bad("meter %s does not start (%s%s%s)", fm->serial, mfw_strerror(rc),
                   fm->m.restore.refused ? ": " : "",
                   fm->m.restore.refused ? fm->m.restore.refused : "");
    fm->drv.t = t0;
    fm->drv.state_until = t0;
    sim_drive_power(&fm->drv, &fm->cfg, &fm->hal);
    for (uint32_t e = 0; e < f->fc.n_events; e++) {
        const struct fleet_event *ev = &f->fc.events[e];
        if (ev->kind == FLEET_EV_SILENT && fleet_config_hits(&f->fc, ev, i))
            fm->silent_events |= 1ull << e;
        if (ev->kind == FLEET_EV_DRIFT && fleet_config_hits(&f->fc, ev, i))
            fm->drift_events |= 1ull << e;
    }
    return 0;
}

static int open_dlms(struct fleet *f, uint32_t i)
{
    struct fmeter *fm = &f->meters[i];
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    cc.max_conns = MFW_ASSOCIATIONS_MAX;
    cc.tcp_port = f->o.per_meter ? f->netm[i].port : f->net.shared_bound;
    mfw_port_setup_default(&cc.ports, &fm->m.config);
    cc.ports.hdlc.device_address = (uint16_t)(FLEET_NET_ADDRESS_BASE + i);
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    struct mfw_link_config lc;
    mfw_link_default_config(&lc);
    if (mfw_cosem_init(&fm->cosem, &fm->m, &cc) != MFW_OK ||
        mfw_dlms_server_init(&fm->dlms, &fm->cosem, &dc) != MFW_OK ||
        mfw_link_init(&fm->link, &fm->dlms, &lc) != MFW_OK)
        return bad("meter %s: DLMS server: bad configuration", fm->serial);
    return 0;
}

/* The meter's RTC at fleet time t: the fleet clock plus its drift (docs/fleet.md "Faults"). */
static mfw_ms_t meter_time(const struct fleet *f, const struct fmeter *fm, mfw_ms_t t)
{
    if (fm->drift_events == 0)
        return t;
    double off = 0.0;
    for (uint32_t e = 0; e < f->fc.n_events; e++)
        if ((fm->drift_events >> e) & 1u) {
            const struct fleet_event *ev = &f->fc.events[e];
            if (t > ev->at_ms)
                off += (double)(t - ev->at_ms) * ev->ppm * 1e-6;
        }
    return t + (mfw_ms_t)llround(off);
}

static void advance(struct fleet *f, struct fmeter *fm, mfw_ms_t t)
{
    mfw_ms_t mt = meter_time(f, fm, t);
    if (mt > fm->drv.t && fm->drv.error == MFW_OK)
        sim_drive_advance(&fm->drv, &fm->m, mt);
}

/* ---- files ----------------------------------------------------------------------------------- */

static void hex(FILE *o, const uint8_t *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        fprintf(o, "%02X", b[k]);
}

/* DIR/keys.csv, mode 0600: what a head-end imports (docs/fleet.md "Keys file"). */
static int write_keys(struct fleet *f)
{
    char path[4096];
    if (!state_path(path, sizeof path, f->o.state_dir, "keys.csv"))
        return bad("--state-dir: path too long");
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *o = NULL;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0)
        o = fdopen(fd, "w");
    if (o == NULL)
        return bad("%s: %s", tmp, strerror(errno));
    fprintf(o, "serial,index,model,feeder,address,port,annual_kwh,pv_kwp,system_title,guek,gbek,"
               "ak,kek\n");
    for (uint32_t i = 0; i < f->o.meters; i++) {
        struct fmeter *fm = &f->meters[i];
        fprintf(o, "%s,%u,%s,%u,%u,%u,%.3f,%.3f,", fm->serial, (unsigned)i,
                fm->draw.three_phase ? "382M" : "162M", (unsigned)fm->draw.feeder,
                (unsigned)(FLEET_NET_ADDRESS_BASE + i),
                (unsigned)(f->o.per_meter ? f->netm[i].port : 0), fm->draw.annual_kwh,
                fm->draw.pv_kwp);
        hex(o, fm->cfg.security.server_title, MFW_KEYS_TITLE_LEN);
        for (unsigned k = 0; k < MFW_KEYS_COUNT; k++) {
            fputc(',', o);
            hex(o, fm->cfg.security.key[k], MFW_KEYS_LEN);
        }
        fputc('\n', o);
    }
    bool ok = fflush(o) == 0 && fsync(fileno(o)) == 0;
    ok = fclose(o) == 0 && ok;
    if (!ok || rename(tmp, path) != 0)
        return bad("%s: cannot write it", path);
    return 0;
}

static int write_reports(struct fleet *f)
{
    if (mkdir(f->o.report_dir, 0755) != 0 && errno != EEXIST)
        return bad("--report-dir %s: %s", f->o.report_dir, strerror(errno));
    int rc = 0;
    for (uint32_t i = 0; i < f->o.meters; i++) {
        struct fmeter *fm = &f->meters[i];
        char path[4096];
        if (!state_path(path, sizeof path, f->o.report_dir, fm->serial))
            return bad("--report-dir: path too long");
        strncat(path, ".json", sizeof path - strlen(path) - 1);
        FILE *o = fopen(path, "w");
        if (o == NULL)
            return bad("%s: %s", path, strerror(errno));
        struct report_info ri = {
            .fidelity = "fast",
            .start_ms = f->origin,
            .end_ms = fm->drv.t,
            .scenario = fm->sc.name,
            .flash = NULL,
            .power_ups = fm->drv.power_ups,
            .saves_before = fm->drv.saves_before,
            .store_errors_before = fm->drv.store_errors_before,
        };
        if (report_json(o, &fm->m, &ri) != 0)
            rc = -1;
        if (fclose(o) != 0)
            rc = -1;
    }
    return rc;
}

/* ---- time ------------------------------------------------------------------------------------ */

static void fmt_dur(char *out, size_t cap, double s)
{
    if (!(s >= 0.0) || s > 1e8)
        s = 0.0;
    unsigned long v = (unsigned long)s;
    snprintf(out, cap, "%02lu:%02lu:%02lu", v / 3600 % 1000000, v / 60 % 60, v % 60);
}

/* The catch-up's workers: worker t takes meters t, t + T, t + 2T, ... (the meters share nothing:
 * the core has no global state, the scenario and the drive neither, the flash regions are
 * disjoint parts of one file written with pwrite). */
struct catch_worker {
    struct fleet *f;
    unsigned t, threads;
    _Atomic uint32_t done;   /* meters finished */
    _Atomic int64_t days_ms; /* simulated time of the meters finished and the current one */
};

static void *catch_work(void *arg)
{
    struct catch_worker *w = arg;
    struct fleet *f = w->f;
    int64_t span = f->start - f->origin;
    for (uint32_t i = w->t; i < f->o.meters && !stop_requested; i += w->threads) {
        struct fmeter *fm = &f->meters[i];
        mfw_ms_t end = meter_time(f, fm, f->start);
        while (fm->drv.t < end && !stop_requested && fm->drv.error == MFW_OK) {
            mfw_ms_t to = fm->drv.t + CATCHUP_STEP_MS;
            advance(f, fm, to < f->start ? to : f->start);
            atomic_store(&w->days_ms,
                         (int64_t)atomic_load(&w->done) * span + (fm->drv.t - f->origin));
        }
        atomic_fetch_add(&w->done, 1);
        atomic_store(&w->days_ms, (int64_t)atomic_load(&w->done) * span);
    }
    return NULL;
}

/* Every meter from the origin to the start in fast fidelity, on --jobs threads, with a progress
 * line (meters done, simulated days, the rate, the time left). */
static void catch_up(struct fleet *f)
{
    uint32_t n = f->o.meters;
    double days = (double)(f->start - f->origin) / 8.64e7;
    if (days <= 0.0)
        return;
    unsigned threads = f->o.jobs ? f->o.jobs : 1;
    if (threads > n)
        threads = n;
    struct catch_worker *w = calloc(threads, sizeof *w);
    pthread_t *tid = calloc(threads, sizeof *tid);
    if (w == NULL || tid == NULL) {
        free(w);
        free(tid);
        threads = 0;
    }
    int64_t t0 = clock_mono_ms();
    unsigned started = 0;
    for (unsigned t = 0; t < threads; t++) {
        w[t].f = f;
        w[t].t = t;
        w[t].threads = threads;
        atomic_init(&w[t].done, 0);
        atomic_init(&w[t].days_ms, 0);
        if (pthread_create(&tid[t], NULL, catch_work, &w[t]) != 0)
            break;
        started++;
    }
    if (started < threads) { /* the threads that did not start: their meters here */
        for (unsigned t = started; t < threads; t++)
            catch_work(&w[t]);
    }
    bool tty = isatty(STDERR_FILENO);
    for (;;) {
        uint32_t done = 0;
        double meter_days = 0;
        for (unsigned t = 0; t < threads; t++) {
            done += atomic_load(&w[t].done);
            meter_days += (double)atomic_load(&w[t].days_ms) / 8.64e7;
        }
        if (done >= n || stop_requested)
            break;
        int64_t now = clock_mono_ms();
        double el = (double)(now - t0) / 1000.0;
        if (!f->o.quiet && el > 0.4) {
            double rate = meter_days / el; /* meter-days per second */
            char left[32];
            fmt_dur(left, sizeof left, rate > 0 ? ((double)n * days - meter_days) / rate : 0.0);
            fprintf(stderr,
                    "%sfleetd: catching up: %u/%u meters done, %.0f simulated days each, "
                    "%.0f meter-days/s, %s left%s",
                    tty ? "\r" : "", (unsigned)done, (unsigned)n, days, rate, left,
                    tty ? "   " : "\n");
        }
        clock_sleep_ms(PROGRESS_MS);
    }
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    free(w);
    free(tid);
    double el = (double)(clock_mono_ms() - t0) / 1000.0;
    if (!f->o.quiet)
        fprintf(stderr,
                "%sfleetd: caught up: %u meters x %.1f days in %.1f s (%.0f meter-days/s, %u "
                "thread%s)\n",
                tty ? "\r" : "", (unsigned)n, days, el, el > 0 ? n * days / el : 0.0, threads,
                threads == 1 ? "" : "s");
}

/* Silent faults: meters go quiet and come back as the fleet clock passes their edges. */
/* ---- pushes (--push) -------------------------------------------------------------------------- */

/* Every meter fits the WAN push module in slot 0 once it serves, as meterd --push does: its push
 * setups get the destination (no randomisation, 3 retries 10 s apart, interval 900 s); fitting
 * makes the installation and connectivity pushes due (link/push.h). */
static int fit_push_one(const char *dest, struct fmeter *fm, mfw_ms_t now)
{
    mfw_modules_init(&fm->modules, &fm->m);
    for (unsigned id = 0; id < MFW_PUSH_COUNT; id++) {
        struct mfw_push_setup s;
        memset(&s, 0, sizeof s);
        snprintf(s.destination, sizeof s.destination, "%s", dest);
        s.randomisation_s = 0;
        s.retries = 3;
        s.repetition_delay_s = 10;
        s.interval_s = id == MFW_PUSH_INTERVAL ? 900 : 0;
        (void)mfw_meter_push_configure(&fm->m, id, &s);
    }
    struct mfw_push_config pc;
    mfw_push_default_config(&pc);
    pc.cosem = &fm->cosem;
    fm->push_fitted = mfw_push_init(&fm->push, &pc) == MFW_OK &&
                      mfw_module_fit(&fm->modules, 0, &mfw_push_module, &fm->push, "WAN push (TCP)",
                                     now) == MFW_OK;
    return fm->push_fitted ? 0 : -1;
}

/* A power-up after an outage starts the meter from its configuration (sim_drive.h): the push
 * setups and the module, RAM only, are set again before its first tick, so the power-up's alarm
 * (register 2 bit 1, power resume) finds a destination and the alarm push is due; the module,
 * fitted again, makes the installation and connectivity pushes due too (the modem is back). */
static void push_power_up(void *ctx, struct mfw_meter *m)
{
    struct fmeter *fm = ctx;
    if (fit_push_one(fm->push_dest, fm, m->now) != 0)
        fprintf(stderr, "fleetd: meter %s refuses the WAN push module after a power-up\n",
                fm->serial);
}

static int fit_push(struct fleet *f)
{
    unsigned a[4], port;
    (void)sscanf(f->o.push, "%u.%u.%u.%u:%u", &a[0], &a[1], &a[2], &a[3], &port);
    snprintf(f->push_host, sizeof f->push_host, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    f->push_port = (uint16_t)port;
    for (uint32_t i = 0; i < f->o.meters; i++) {
        struct fmeter *fm = &f->meters[i];
        fm->push_dest = f->o.push;
        if (fit_push_one(f->o.push, fm, fm->m.now) != 0)
            return bad("meter %s refuses the WAN push module", fm->serial);
        fm->drv.on_power_up = push_power_up;
        fm->drv.on_power_up_ctx = fm;
    }
    return 0;
}

/* The pushes of meter fm that are due at its time: each one a short blocking connect + send +
 * close (consumer_send_once: refused at once when nothing listens on the host, at most 2 s of
 * send timeout otherwise), its outcome back to the module, which retries as the push setup says.
 * After a failed send no meter sends for a second of wall time: a head-end that is down costs
 * the loop at most one failed connect a second, not one per meter; the pushes stay due. */
static void poll_push(struct fleet *f, struct fmeter *fm)
{
    if (!fm->push_fitted || clock_mono_ms() < f->push_hold_until)
        return;
    for (int k = 0; k < 4; k++) {
        size_t n = mfw_module_output(&fm->modules, 0, fm->m.now, f->push_buf, sizeof f->push_buf);
        if (n == 0)
            return;
        bool ok = consumer_send_once(f->push_host, f->push_port, f->push_buf, n);
        mfw_push_done(&fm->push, ok, fm->m.now);
        if (ok) {
            f->pushes_sent++;
        } else {
            f->pushes_failed++;
            f->push_hold_until = clock_mono_ms() + 1000;
            return;
        }
    }
}

static void apply_silence(struct fleet *f)
{
    uint64_t active = 0;
    for (uint32_t e = 0; e < f->fc.n_events; e++) {
        const struct fleet_event *ev = &f->fc.events[e];
        if (ev->kind == FLEET_EV_SILENT && f->now >= ev->at_ms &&
            f->now < ev->at_ms + ev->duration_ms)
            active |= 1ull << e;
    }
    if (active == f->silent_active || !f->net_open)
        return;
    f->silent_active = active;
    for (uint32_t i = 0; i < f->o.meters; i++) {
        bool s = (f->meters[i].silent_events & active) != 0;
        if (s != f->netm[i].silent)
            fleet_net_silence(&f->net, i, s);
    }
}

static void run(struct fleet *f)
{
    const struct opts *o = &f->o;
    int64_t mono0 = clock_mono_ms();
    uint32_t n = o->meters;
    f->at = malloc(n * sizeof *f->at);
    if (f->at == NULL) {
        fprintf(stderr, "fleetd: out of memory\n");
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        f->at[i] = f->start; /* the catch-up brought every meter there */
    while (!stop_requested) {
        int64_t now = clock_mono_ms();
        mfw_ms_t target =
            o->has_until ? o->until_ms : f->start + (mfw_ms_t)((double)(now - mono0) * o->speed);
        if (target > f->now)
            f->now = target;
        rtc_backup_update(&f->rtc, (struct rtc_anchor){f->now, clock_utc_ms()});
        apply_silence(f);
        /* the meters behind the clock by a tick or more, round robin within a slice; the
         * sockets are served between meters at least every POLL_MS, so that a request waits
         * for at most one meter's step, not for the whole fleet's second */
        int64_t slice_end = now + SLICE_MS, next_poll = now + POLL_MS;
        bool behind = false;
        mfw_ms_t tick = o->has_until ? 1 : TICK_MS;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = f->cursor;
            f->cursor = f->cursor + 1 < n ? f->cursor + 1 : 0;
            /* f->at is compact: the scan does not touch 10,000 meters' pages */
            if (f->now - f->at[i] < tick)
                continue;
            struct fmeter *fm = &f->meters[i];
            mfw_ms_t to = o->has_until && f->now - f->at[i] > CATCHUP_STEP_MS
                              ? f->at[i] + CATCHUP_STEP_MS
                              : f->now;
            if (fm->push_fitted) {
                /* pushes go at the meter time they are due at, give or take PUSH_STEP_MS (the
                 * setups' 10 s repetition delay), also when --until runs a long step */
                for (mfw_ms_t t = f->at[i]; t < to && fm->drv.error == MFW_OK;) {
                    t = to - t > PUSH_STEP_MS ? t + PUSH_STEP_MS : to;
                    advance(f, fm, t);
                    poll_push(f, fm);
                }
            } else if (fm->drv.error == MFW_OK) {
                advance(f, fm, to);
            }
            f->at[i] = to;
            int64_t t = clock_mono_ms();
            if (f->net_open && t >= next_poll) {
                (void)fleet_net_poll(&f->net, 0);
                next_poll = t + POLL_MS;
            }
            if (t >= slice_end) {
                behind = true;
                break;
            }
        }
        if (o->has_until) {
            bool done = true;
            for (uint32_t i = 0; i < n && done; i++)
                done = f->at[i] >= o->until_ms;
            if (done)
                break;
        }
        if (f->net_open)
            (void)fleet_net_poll(&f->net, behind || o->has_until ? 0 : 10);
        else if (!behind && !o->has_until)
            clock_sleep_ms(10);
    }
}

/* ---- start and stop -------------------------------------------------------------------------- */

static void raise_fd_limit(void)
{
    /* 10,000 meters on a port each are 10,000 listening sockets: the soft limit (often 1024)
     * goes up to the hard one (docs/fleet.md "File descriptors") */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576)
        return 1048576;
    return (int)rl.rlim_cur;
}

static int setup(struct fleet *f, int argc, char **argv)
{
    int rc = parse_options(argc, argv, &f->o);
    if (rc == 1) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (rc != 0)
        return EXIT_BAD_INPUT;
    struct opts *o = &f->o;
    fleet_config_default(&f->fc);
    if (o->config != NULL) {
        FILE *in = fopen(o->config, "rb");
        if (in == NULL)
            return bad("--config %s: %s", o->config, strerror(errno)), EXIT_BAD_INPUT;
        static char text[65536];
        size_t len = fread(text, 1, sizeof text, in);
        bool too_long = len == sizeof text;
        fclose(in);
        if (too_long)
            return bad("--config %s: longer than 64 KiB", o->config), EXIT_BAD_INPUT;
        struct fleet_config_error ce;
        if (fleet_config_parse(&f->fc, text, len, &ce) != MFW_OK)
            return bad("%s:%u: %s", o->config, ce.line, ce.msg), EXIT_BAD_INPUT;
    }
    if (!o->has_meters)
        o->meters = f->fc.meters;
    f->fc.meters = o->meters;
    if (f->fc.serial_base + o->meters - 1 > FLEET_SERIAL_BASE_MAX)
        return bad("serial-base + meters passes 10 digits"), EXIT_BAD_INPUT;
    if (o->meters > FLEET_NET_ADDRESS_MAX - FLEET_NET_ADDRESS_BASE + 1 && (o->shared || o->hdlc))
        return bad("the shared ports address at most %u meters (HDLC lower addresses 16..%u): "
                   "shard the fleet",
                   FLEET_NET_ADDRESS_MAX - FLEET_NET_ADDRESS_BASE + 1, FLEET_NET_ADDRESS_MAX),
               EXIT_BAD_INPUT;
    if (o->per_meter && o->meters > o->max_ports)
        return bad("--base-port with %u meters: more than --max-ports %u listening ports",
                   (unsigned)o->meters, (unsigned)o->max_ports),
               EXIT_BAD_INPUT;
    if (o->per_meter && o->base_port != 0 && (uint32_t)o->base_port + o->meters > 65536u)
        return bad("--base-port %u + %u meters passes port 65535", (unsigned)o->base_port,
                   (unsigned)o->meters),
               EXIT_BAD_INPUT;
    raise_fd_limit();
    int limit = fd_limit();
    if (o->per_meter && (int)o->meters + 64 > limit)
        return bad("%u listening ports need more file descriptors than the limit %d (ulimit "
                   "-Hn; docs/fleet.md)",
                   (unsigned)o->meters, limit),
               EXIT_FAILURE;

    char err[512], path[4096];
    if (!state_prepare_dir(o->state_dir, err, sizeof err))
        return bad("%s", err), EXIT_FAILURE;
    /* the secret */
    if (o->secret != NULL) {
        if (fleet_secret_load(o->secret, &f->secret, err, sizeof err) != 0)
            return bad("--secret %s", err), EXIT_BAD_INPUT;
    } else {
        if (!state_path(path, sizeof path, o->state_dir, "fleet.secret"))
            return bad("--state-dir: path too long"), EXIT_BAD_INPUT;
        if (access(path, F_OK) == 0 ? fleet_secret_load(path, &f->secret, err, sizeof err)
                                    : fleet_secret_create(path, &f->secret, err, sizeof err))
            return bad("%s", err), EXIT_FAILURE;
    }
    /* the fleet clock */
    const mfw_ms_t wall = clock_utc_ms();
    struct rtc_anchor anchor = {0, 0};
    int have_rtc = rtc_backup_load(o->state_dir, &anchor, err, sizeof err);
    if (have_rtc < 0)
        return bad("%s", err), EXIT_FAILURE;
    mfw_ms_t saved = have_rtc ? rtc_backup_now(&anchor, wall) : 0;
    if (o->speed == 0.0 && have_rtc)
        saved = anchor.rtc; /* a stopped clock stays where it was */
    saved = saved + (1000 - saved % 1000) % 1000;
    if (o->has_start && have_rtc && o->start_ms < saved)
        return bad("--start is before the fleet clock saved in %s", o->state_dir), EXIT_BAD_INPUT;
    f->start = o->has_start ? o->start_ms : have_rtc ? saved : wall - wall % 1000;
    if (o->has_until && o->until_ms <= f->start)
        return bad("--until is not after the start"), EXIT_BAD_INPUT;
    /* the flash of every meter */
    struct mfw_meter_config probe;
    mfw_meter_default_config(&probe, MFW_METER_382M);
    uint64_t region = (uint64_t)probe.store.sector_size * probe.store.sector_count;
    if (!state_path(path, sizeof path, o->state_dir, STATE_FLASH_NAME))
        return bad("--state-dir: path too long"), EXIT_BAD_INPUT;
    bool fresh = access(path, F_OK) != 0;
    if (!fresh && o->history_ms > 0)
        return bad("--history makes a new fleet, and %s holds one", path), EXIT_BAD_INPUT;
    if (fleet_flash_file_open(&f->file, path, region, o->meters, err, sizeof err) != 0)
        return bad("%s", err), EXIT_FAILURE;
    f->origin = fresh ? f->start - o->history_ms : f->start;
    f->now = f->start;

    f->meters = calloc(o->meters, sizeof *f->meters);
    f->netm = calloc(o->meters, sizeof *f->netm);
    if (f->meters == NULL || f->netm == NULL)
        return bad("out of memory for %u meters", (unsigned)o->meters), EXIT_FAILURE;
    for (uint32_t i = 0; i < o->meters; i++)
        if (make_meter(f, i, f->origin) != 0)
            return EXIT_FAILURE;
    /* the sockets before the history: a busy port is found at once */
    if (o->per_meter || o->shared || o->hdlc) {
        for (uint32_t i = 0; i < o->meters; i++)
            f->netm[i].link = &f->meters[i].link;
        struct fleet_net_config nc = {
            .host = o->host,
            .per_meter = o->per_meter,
            .base_port = o->base_port,
            .shared = o->shared,
            .shared_port = o->shared_port,
            .hdlc = o->hdlc,
            .hdlc_port = o->hdlc_port,
        };
        if (fleet_net_open(&f->net, &nc, f->netm, o->meters, limit, err, sizeof err) != 0)
            return bad("%s", err), EXIT_FAILURE;
        f->net_open = true;
        for (uint32_t i = 0; i < o->meters; i++)
            if (open_dlms(f, i) != 0)
                return EXIT_FAILURE;
    }
    if (write_keys(f) != 0)
        return EXIT_FAILURE;
    if (!rtc_backup_open(&f->rtc, o->state_dir, (struct rtc_anchor){f->origin, wall}, err,
                         sizeof err))
        return bad("%s", err), EXIT_FAILURE;
    f->rtc_open = true;
    return -1;
}

static int shutdown_fleet(struct fleet *f)
{
    int rc = EXIT_SUCCESS;
    for (uint32_t i = 0; i < f->o.meters; i++) {
        struct fmeter *fm = &f->meters[i];
        if (!fm->m.down)
            mfw_meter_flush(&fm->m, fm->drv.t);
        if (fm->drv.error != MFW_OK) {
            fprintf(stderr, "fleetd: meter %s did not power up again (%s)\n", fm->serial,
                    mfw_strerror(fm->drv.error));
            rc = EXIT_FAILURE;
        }
    }
    char err[256];
    if (f->rtc_open) {
        rtc_backup_update(&f->rtc, (struct rtc_anchor){f->now, clock_utc_ms()});
        if (!rtc_backup_close(&f->rtc, err, sizeof err)) {
            fprintf(stderr, "fleetd: saving the fleet clock: %s\n", err);
            rc = EXIT_FAILURE;
        }
        f->rtc_open = false;
    }
    if (f->o.report_dir != NULL && write_reports(f) != 0)
        rc = EXIT_FAILURE;
    return rc;
}

int main(int argc, char **argv)
{
    struct fleet *f = calloc(1, sizeof *f);
    if (f == NULL)
        return EXIT_FAILURE;
    int rc = setup(f, argc, argv);
    if (rc < 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        char a[ISOTIME_LEN], b[ISOTIME_LEN];
        isotime_format(f->origin, a);
        isotime_format(f->start, b);
        unsigned n382 = 0;
        for (uint32_t i = 0; i < f->o.meters; i++)
            n382 += f->meters[i].draw.three_phase;
        fprintf(stderr,
                "fleetd: %u meters (%u 382M, %u 162M), serials %s..%s, %u feeders, %u fault "
                "events; created %s, serving from %s\n",
                (unsigned)f->o.meters, n382, (unsigned)f->o.meters - n382, f->meters[0].serial,
                f->meters[f->o.meters - 1].serial, (unsigned)f->fc.feeders,
                (unsigned)f->fc.n_events, a, b);
        catch_up(f);
        if (f->net_open) {
            fprintf(stderr, "fleetd: DLMS/COSEM on %s:", f->o.host);
            if (f->o.per_meter)
                fprintf(stderr, " ports %u..%u (wrapper, a meter each)", (unsigned)f->netm[0].port,
                        (unsigned)f->netm[f->o.meters - 1].port);
            if (f->o.shared)
                fprintf(stderr, " %u (wrapper, server wPort %u + index)",
                        (unsigned)f->net.shared_bound, FLEET_NET_ADDRESS_BASE);
            if (f->o.hdlc)
                fprintf(stderr, " %u (HDLC, lower address %u + index)", (unsigned)f->net.hdlc_bound,
                        FLEET_NET_ADDRESS_BASE);
            fprintf(stderr, "\n");
        }
        if (f->o.push != NULL) {
            if (fit_push(f) != 0) {
                rc = EXIT_FAILURE;
                stop_requested = 1;
            } else {
                fprintf(stderr, "fleetd: module slot 0 of every meter: IDIS pushes to %s\n",
                        f->o.push);
            }
        }
        fprintf(stderr, "fleetd: ready\n");
        if (!stop_requested)
            run(f);
        int src = shutdown_fleet(f);
        if (rc < 0 || src != EXIT_SUCCESS)
            rc = src;
        if (f->o.push != NULL)
            fprintf(stderr, "fleetd: pushes: %u sent, %u failed (retried as the push setups say)\n",
                    (unsigned)f->pushes_sent, (unsigned)f->pushes_failed);
    }
    if (f->net_open)
        fleet_net_close(&f->net);
    if (f->rtc_open) {
        char err[256];
        rtc_backup_close(&f->rtc, err, sizeof err);
    }
    if (f->file.fd > 0 && fleet_flash_file_close(&f->file) != 0)
        rc = EXIT_FAILURE;
    mfw_ct_wipe(&f->secret, sizeof f->secret);
    free(f->meters);
    free(f->netm);
    free(f->at);
    free(f);
    return rc;
}
