/* SPDX-License-Identifier: Apache-2.0 */
/* meterd: the virtual meter. A struct mfw_meter of the meterfw core, fed from a scenario through the
 * simulated analog front end, paced by the real clock (or as fast as possible up to --until),
 * with its LCD on the terminal; the meter keeps itself in its flash (a file) across runs, and
 * meterd keeps the simulated RTC (state_dir.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "clock_posix.h"
#include "consumer.h"
#include "control.h"
#include "crypto_posix.h"
#include "image_slots.h"
#include "isotime.h"
#include "keyfile.h"
#include "lcd_term.h"
#include "meterfw/base/ct.h"
#include "meterfw/base/error.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/dlms/dlms_server.h"
#include "meterfw/link/han.h"
#include "meterfw/link/link.h"
#include "meterfw/link/module.h"
#include "meterfw/link/p1.h"
#include "meterfw/link/push.h"
#include "meterfw/link/wmbus.h"
#include "meterfw/meter/display.h"
#include "meterfw/meter/meter.h"
#include "meterfw/store/store.h"
#include "options.h"
#include "report.h"
#include "rtc_backup.h"
#include "scenario_load.h"
#include "sensors_load.h"
#include "serial_line.h"
#include "sim_drive.h"
#include "state_dir.h"
#include "tcp_server.h"

#define EXIT_BAD_INPUT 2
#define DRAW_PERIOD_MS 200 /* LCD redraw, ~5 per second */
#define SLICE_MS 100       /* longest stretch of simulation between looks at the clock/signals */

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: nanosleep returns at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

struct run {
    struct meterd_opts o;
    struct scenario sc;
    struct mfw_meter_config cfg; /* also what a power-up after an outage gets */
    struct mfw_meter m;
    struct board board;
    struct mfw_hal hal;
    bool flash_open;
    struct sim_drive drv;
    struct meterd_sensors sensors;
    struct mfw_display disp;
    char state_dir[4096];
    mfw_ms_t start;        /* simulated RTC time at start */
    struct rtc_backup rtc; /* the RTC that keeps running (rtc_backup.h) */
    bool rtc_open;
    bool dlms_open;          /* the DLMS/COSEM TCP server is listening */
    struct tcp_server tcp;   /* sockets only: connection i carries link session i */
    struct serial_line line; /* --optical / --hdlc-line */
    bool line_open;
    struct mfw_link link;        /* framing, time-outs and close policy of every connection */
    struct mfw_cosem cosem;      /* the meter's object model */
    struct mfw_dlms_server dlms; /* link session i is association i */
    struct control control;      /* --control: injected events */
    bool control_open;
    /* --module: the meter's module slots; module k sits in slot k + 1 (slot 0: the WAN) */
    struct mfw_modules modules;
    struct mfw_p1 p1[METERD_MODULES_MAX];
    struct mfw_han han[METERD_MODULES_MAX];
    struct mfw_wmbus wmbus[METERD_MODULES_MAX];
    bool have_wmbus_key; /* wmbus-key in --keys: TPL mode 5 */
    uint8_t wmbus_key[16];
    struct consumer cons[METERD_MODULES_MAX];
    struct mfw_push push; /* --push: the WAN module in slot 0 */
    bool push_fitted;
    uint8_t push_buf[MFW_PUSH_FRAME_MAX];
    unsigned cons_open;
    struct image_slots slots; /* --image-key: the firmware image slots in the state dir */
    bool have_slots;
};

/* The ends of --module (consumer.h), opened before anything is written: a busy port is bad input
 * found early. false on failure (message printed). */
static bool bind_modules(struct run *r)
{
    char err[256];
    for (unsigned k = 0; k < r->o.n_modules; k++) {
        const struct meterd_module_opt *mo = &r->o.modules[k];
        if (consumer_open(&r->cons[k], k + 1, mo->pty, mo->tcp, mo->tcp_port, err, sizeof err) !=
            0) {
            fprintf(stderr, "meterd: --module %s: %s\n",
                    mo->kind == MODULE_P1    ? "p1"
                    : mo->kind == MODULE_HAN ? "han"
                                             : "wmbus",
                    err);
            return false;
        }
        r->cons_open = k + 1;
    }
    return true;
}

static void close_modules(struct run *r)
{
    for (unsigned k = 0; k < r->cons_open; k++)
        consumer_close(&r->cons[k]);
    r->cons_open = 0;
}

/* Sends one push frame to "a.b.c.d:port": connect, send all, close. true when it was sent. */
static bool push_send(const char *dest, const uint8_t *p, size_t n)
{
    unsigned a[4], port;
    if (dest == NULL || sscanf(dest, "%u.%u.%u.%u:%u", &a[0], &a[1], &a[2], &a[3], &port) != 5 ||
        a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255 || port == 0 || port > 65535)
        return false;
    char host[16];
    snprintf(host, sizeof host, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    return consumer_send_once(host, (uint16_t)port, p, n);
}

/* The WAN module's pushes (slot 0): what is due goes now, and the outcome back to the module. */
static void poll_push(struct run *r)
{
    if (!r->push_fitted)
        return;
    for (int k = 0; k < 4; k++) {
        size_t n = mfw_module_output(&r->modules, 0, r->m.now, r->push_buf, sizeof r->push_buf);
        if (n == 0)
            return;
        const char *dest = mfw_push_destination(&r->push);
        bool ok = push_send(dest, r->push_buf, n);
        fprintf(stderr, "meterd: push %d to %s: %s\n", r->push.current, dest ? dest : "?",
                ok ? "sent" : "failed (retried as the push setup says)");
        mfw_push_done(&r->push, ok, r->m.now);
    }
}

/* Fits the modules of --module in slots 1.. once the meter runs (each fit is logged, 200). */
static bool fit_modules(struct run *r)
{
    mfw_modules_init(&r->modules, &r->m);
    if (r->o.push_dest != NULL && r->dlms_open) {
        /* the push setups start from the command line (RAM: IC 40 changes them until a stop) */
        for (unsigned id = 0; id < MFW_PUSH_COUNT; id++) {
            struct mfw_push_setup s;
            memset(&s, 0, sizeof s);
            snprintf(s.destination, sizeof s.destination, "%s", r->o.push_dest);
            s.randomisation_s = 0;
            s.retries = 3;
            s.repetition_delay_s = 10;
            s.interval_s = id == MFW_PUSH_INTERVAL ? r->o.push_interval_s : 0;
            (void)mfw_meter_push_configure(&r->m, id, &s);
        }
        struct mfw_push_config pc;
        mfw_push_default_config(&pc);
        pc.cosem = &r->cosem;
        pc.cipher = r->o.push_cipher;
        if (mfw_push_init(&r->push, &pc) != MFW_OK ||
            mfw_module_fit(&r->modules, 0, &mfw_push_module, &r->push, "WAN push (TCP)",
                           r->m.now) != MFW_OK) {
            fprintf(stderr, "meterd: --push: the meter refuses the WAN module\n");
            return false;
        }
        r->push_fitted = true;
        fprintf(stderr, "meterd: module slot 0: IDIS pushes to %s%s\n", r->o.push_dest,
                r->o.push_cipher ? " (general-glo-ciphered, management keys)" : "");
    } else if (r->o.push_dest != NULL) {
        fprintf(stderr, "meterd: --push needs the DLMS/COSEM server (its object model)\n");
        return false;
    }
    for (unsigned k = 0; k < r->cons_open; k++) {
        const struct meterd_module_opt *mo = &r->o.modules[k];
        const struct consumer_end *e = &r->cons[k].end;
        int rc = MFW_E_ARG;
        const char *what = "?";
        if (mo->kind == MODULE_P1) {
            struct mfw_p1_config pc;
            mfw_p1_default_config(&pc);
            pc.period_ms = r->o.p1_period_s * 1000u;
            pc.enabled = !r->o.consumer_off;
            rc = mfw_p1_init(&r->p1[k], &pc);
            if (rc == MFW_OK)
                rc = mfw_module_fit(&r->modules, k + 1, &mfw_p1_module, &r->p1[k], "P1 DSMR 5.0.2",
                                    r->m.now);
            what = "P1 telegrams (DSMR 5.0.2)";
        } else if (mo->kind == MODULE_WMBUS) {
            struct mfw_wmbus_config wc;
            mfw_wmbus_default_config(&wc);
            wc.period_s = r->o.wmbus_period_s;
            wc.encrypt = r->have_wmbus_key;
            memcpy(wc.key, r->wmbus_key, sizeof wc.key);
            rc = mfw_wmbus_init(&r->wmbus[k], &wc);
            mfw_ct_wipe(&wc, sizeof wc);
            if (rc == MFW_OK)
                rc = mfw_module_fit(&r->modules, k + 1, &mfw_wmbus_module, &r->wmbus[k],
                                    "wM-Bus T1 EN 13757-4", r->m.now);
            what = r->have_wmbus_key ? "wireless M-Bus telegrams (hex lines, TPL mode 5)"
                                     : "wireless M-Bus telegrams (hex lines, unencrypted)";
        } else if (mo->kind == MODULE_HAN) {
            struct mfw_han_config hc;
            mfw_han_default_config(&hc);
            hc.list1_s = r->o.han_period_s;
            hc.enabled = !r->o.consumer_off;
            hc.cipher = r->o.han_cipher;
            if ((hc.cipher || r->m.keys.config.consumer_policy == 3) &&
                r->m.keys.config.consumer_have != 3u) {
                fprintf(stderr, "meterd: --module han: ciphering needs the consumer keys "
                                "(consumer-ek, consumer-ak in the --keys file of a new meter, or "
                                "global_key_transfer on 0.0.43.0.1.255)\n");
                return false;
            }
            rc = mfw_han_init(&r->han[k], &hc);
            if (rc == MFW_OK)
                rc = mfw_module_fit(&r->modules, k + 1, &mfw_han_module, &r->han[k],
                                    "HAN DLMS push", r->m.now);
            what = r->o.han_cipher || r->m.keys.config.consumer_policy == 3
                       ? "HAN push (HDLC, ciphered with the consumer keys)"
                       : "HAN push (HDLC, unencrypted)";
        }
        if (rc != MFW_OK) {
            fprintf(stderr, "meterd: --module: the meter refuses the module (%s)\n",
                    mfw_strerror(rc));
            return false;
        }
        char tcp[64] = "";
        if (e->listen_fd >= 0)
            snprintf(tcp, sizeof tcp, "%s127.0.0.1:%u", e->pty_fd >= 0 ? " and " : "",
                     (unsigned)e->port);
        fprintf(stderr, "meterd: module slot %u: %s%s on %s%s\n", k + 1, what,
                r->o.consumer_off ? " (disabled: --consumer-off)" : "",
                e->pty_fd >= 0 ? e->pty_path : "", tcp);
    }
    return true;
}

/* The sockets and the serial line of the DLMS/COSEM server. */
static void close_dlms(struct run *r)
{
    tcp_server_close(&r->tcp);
    if (r->line_open)
        serial_line_close(&r->line);
    r->line_open = false;
}

/* The DLMS/COSEM server's socket (--port, --no-dlms), bound before anything is created or written:
 * a busy port given with --port is bad input found early. false on failure (message printed). */
static bool bind_dlms(struct run *r)
{
    if (r->o.no_dlms)
        return true;
    struct tcp_server_config tc;
    tcp_server_default_config(&tc);
    tc.port = r->o.port;
    tc.link = &r->link;
    tc.hdlc = r->o.has_hdlc_port;
    tc.hdlc_port = r->o.hdlc_port;
    char err[256];
    if (r->o.line != NULL) {
        /* the idle rate is set from the link's settings at the first poll */
        if (serial_line_open(&r->line, r->o.line, 0, err, sizeof err) != 0) {
            fprintf(stderr, "meterd: serial line: %s\n", err);
            return false;
        }
        r->line_open = true;
        tc.line = &r->line;
        tc.line_kind = r->o.line_optical ? MFW_LINK_OPTICAL : MFW_LINK_HDLC_LINE;
    }
    if (tcp_server_open(&r->tcp, &tc, err, sizeof err) != MFW_OK) {
        if (r->line_open)
            serial_line_close(&r->line);
        r->line_open = false;
        if (!r->o.has_port) { /* the default port is busy (another meterd): run without */
            fprintf(stderr,
                    "meterd: warning: no DLMS/COSEM server: %s (--port N chooses "
                    "another port)\n",
                    err);
            r->o.no_dlms = true;
            return true;
        }
        fprintf(stderr, "meterd: DLMS server: %s\n", err);
        return false;
    }
    r->dlms_open = true;
    return true;
}

/* The DLMS server (which shows the bound port in its TCP-UDP setup object) and the link sessions
 * between it and the sockets, once the meter runs. false on failure (message printed). */
static bool open_dlms(struct run *r)
{
    if (!r->dlms_open)
        return true;
    struct mfw_cosem_config cc;
    mfw_cosem_default_config(&cc);
    cc.max_conns = MFW_ASSOCIATIONS_MAX; /* IC 41: as many connections as the link has sessions */
    cc.tcp_port = tcp_server_port(&r->tcp);
    /* the serial ports' settings (IC 23, IC 19): the meter's defaults, with the line's rate and
     * the HDLC address of the command line */
    mfw_port_setup_default(&cc.ports, &r->m.config);
    (void)mfw_port_setup_baud_enum(r->o.line_baud, &cc.ports.hdlc.comm_speed);
    if (r->o.line_optical)
        cc.ports.local.prop_baud = cc.ports.hdlc.comm_speed;
    else if (r->o.line != NULL)
        cc.ports.local.default_mode = MFW_PORT_SETUP_MODE_HDLC;
    if (r->o.hdlc_address != 0)
        cc.ports.hdlc.device_address = r->o.hdlc_address;
    struct mfw_dlms_server_config dc;
    mfw_dlms_server_default_config(&dc);
    struct mfw_link_config lc;
    mfw_link_default_config(&lc);
    if (mfw_cosem_init(&r->cosem, &r->m, &cc) != MFW_OK ||
        mfw_dlms_server_init(&r->dlms, &r->cosem, &dc) != MFW_OK ||
        mfw_link_init(&r->link, &r->dlms, &lc) != MFW_OK) {
        close_dlms(r);
        r->dlms_open = false;
        fprintf(stderr, "meterd: DLMS server: bad configuration\n");
        return false;
    }
    const struct mfw_keys_config *k = &r->m.keys.config;
    bool hls = mfw_meter_security_key(&r->m, MFW_KEYS_UNICAST) != NULL &&
               mfw_meter_security_key(&r->m, MFW_KEYS_AUTHENTICATION) != NULL;
    bool pre = hls && mfw_meter_security_key(&r->m, MFW_KEYS_BROADCAST) != NULL;
    fprintf(stderr,
            "meterd: DLMS/COSEM server on 127.0.0.1:%u (wrapper; public SAP 16; management "
            "SAP 1 %s%s; pre-established SAP 102 %s)\n",
            (unsigned)cc.tcp_port, hls ? "with HLS-GMAC, security policy " : "",
            hls ? (k->policy == 3   ? "3 (authenticated and encrypted)"
                   : k->policy == 2 ? "2 (encrypted)"
                   : k->policy == 1 ? "1 (authenticated)"
                                    : "0 (none)")
                : "",
            pre ? "with the broadcast key" : "off (no broadcast key)");
    if (!hls && !k->lls_enabled)
        fprintf(stderr, "meterd: warning: the management client (SAP 1) cannot associate: the "
                        "meter has no keys (--keys FILE provisions a new meter)\n");
    if (k->lls_enabled)
        fprintf(stderr, "meterd: warning: LLS is enabled for the management client (lls-secret): "
                        "its password travels in clear\n");
    if (r->o.has_hdlc_port)
        fprintf(stderr,
                "meterd: DLMS/COSEM HDLC on 127.0.0.1:%u (server address: upper 1, lower %u)\n",
                (unsigned)tcp_server_hdlc_port(&r->tcp), (unsigned)cc.ports.hdlc.device_address);
    if (r->line_open)
        fprintf(stderr, "meterd: %s on %s (%s, HDLC at %u Bd, lower HDLC address %u)\n",
                r->o.line_optical ? "optical port" : "HDLC line", serial_line_path(&r->line),
                r->o.line_optical ? "IEC 62056-21 mode E from 300 Bd" : "HDLC from the start",
                (unsigned)r->o.line_baud, (unsigned)cc.ports.hdlc.device_address);
    return true;
}

/* What the power-up found, for the person who runs meterd (mfw_meter_init's m->restore). */
static void report_restore(const struct mfw_meter *m)
{
    const struct mfw_meter_restore *x = &m->restore;
    char a[ISOTIME_LEN], b[ISOTIME_LEN];
    if (x->config_field != NULL)
        fprintf(stderr, "meterd: warning: the configuration record was refused (%s): defaults\n",
                x->config_field);
    if (x->state_field != NULL)
        fprintf(stderr, "meterd: warning: %u state record(s) refused (first: %s)\n",
                (unsigned)x->records_skipped, x->state_field);
    if (x->security_field != NULL)
        fprintf(stderr,
                "meterd: warning: the security record was refused (%s): no keys, no "
                "ciphering until new keys are provisioned\n",
                x->security_field);
    if (x->state_lost)
        fprintf(stderr, "meterd: warning: no state record left: the registers come from the "
                        "newest stored rows (NV memory error logged)\n");
    if (x->registers_raised > 0)
        fprintf(stderr, "meterd: %u register(s) raised to a stored row newer than the state\n",
                (unsigned)x->registers_raised);
    if (x->clock_behind || x->clock_ahead) {
        isotime_format(m->now, a);
        isotime_format(x->latest, b);
        fprintf(stderr,
                "meterd: warning: the RTC reads %s, %s the latest time the meter recorded (%s): "
                "the clock is invalid until it is set\n",
                a, x->clock_behind ? "before" : "implausibly long after", b);
    }
}

/* The meter's temperature sensor: its unit's thermometer (sim_drive.h). */
static double board_temperature(const void *ctx)
{
    return sim_drive_temperature(ctx);
}

static const char *fidelity_name(enum meterd_fidelity f)
{
    return f == FIDELITY_FAST ? "fast" : "sample";
}

/* Everything that can be wrong with the input is found here, before anything is written or
 * created: exit 2 for bad input, 1 for a state that cannot be used; -1 = go on. */
static int setup(struct run *r, int argc, char **argv)
{
    char err[512];
    int rc = meterd_parse_options(argc, argv, &r->o, err, sizeof err);
    if (rc == OPTS_HELP) {
        meterd_print_usage(stdout);
        return 0;
    }
    if (rc != OPTS_OK) {
        fprintf(stderr, "meterd: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    const struct meterd_opts *o = &r->o;
    uint8_t phases = o->model == MFW_METER_162M ? 1 : 3;
    if (!meterd_load_scenario(&r->sc, o->scenario, phases, err, sizeof err)) {
        fprintf(stderr, "meterd: %s\n", err);
        return EXIT_BAD_INPUT;
    }

    struct mfw_meter_config *cfg = &r->cfg;
    mfw_meter_default_config(cfg, o->model);
    if (o->keys_file != NULL) {
        /* the keys of a new meter: from an owner-only file, never from the command line */
        struct keyfile kf;
        if (keyfile_load(o->keys_file, &kf, err, sizeof err) != 0) {
            fprintf(stderr, "meterd: --keys %s\n", err);
            return EXIT_BAD_INPUT;
        }
        keyfile_to_config(&kf, &cfg->security);
        if (kf.has_wmbus_key) {
            memcpy(r->wmbus_key, kf.wmbus_key, sizeof r->wmbus_key);
            r->have_wmbus_key = true;
        }
        keyfile_wipe(&kf);
    }
    if (o->lp_days)
        mfw_meter_store_layout(cfg, o->lp_days);
    memcpy(cfg->serial, o->serial, sizeof cfg->serial);
    cfg->i_ref_a = o->i_ref_a;
    cfg->i_max_a = o->i_max_a;
    cfg->breaker = o->breaker;
    cfg->load_relays = o->load_relays;
    cfg->metro.fs_hz = o->rate_hz;
    /* 50 or 60 Hz: as given, else the scenario's grid */
    cfg->metro.f_nominal_hz = o->f_nominal_hz ? o->f_nominal_hz : r->sc.freq_hz >= 55.0 ? 60 : 50;
    if (!meterd_load_sensors(&r->sensors, o->sensors, &r->sc, phases, o->i_max_a, err,
                             sizeof err)) {
        fprintf(stderr, "meterd: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    uint64_t seed = 1469598103934665603ull; /* the unit and its production follow its serial */
    for (const char *c = o->serial; *c; c++)
        seed = (seed ^ (uint8_t)*c) * 1099511628211ull;
    rc = sim_drive_init(&r->drv, &r->sc, o->fidelity, cfg, 0,
                        o->fidelity == FIDELITY_SAMPLE ? &r->sensors : NULL, seed);
    if (rc == MFW_OK) {
        /* A dry run on a hal without flash: checks the configuration, touches nothing. */
        struct mfw_hal none;
        memset(&none, 0, sizeof none);
        rc = mfw_meter_init(&r->m, cfg, &none, 0);
    }
    if (rc != MFW_OK) {
        fprintf(stderr, "meterd: the meter rejects this configuration (%s)\n", mfw_strerror(rc));
        return EXIT_BAD_INPUT;
    }

    int n = o->state_dir
                ? snprintf(r->state_dir, sizeof r->state_dir, "%s", o->state_dir)
                : snprintf(r->state_dir, sizeof r->state_dir, "meterd-state/%s", o->serial);
    char probe[4096];
    if (n <= 0 || (size_t)n >= sizeof r->state_dir ||
        !state_path(probe, sizeof probe, r->state_dir, STATE_FLASH_NAME ".tmp")) {
        fprintf(stderr, "meterd: --state-dir: path too long\n");
        return EXIT_BAD_INPUT;
    }

    /* The RTC (the rule is in the --help text and the README): the backup kept it running. */
    const mfw_ms_t wall = clock_utc_ms();
    struct rtc_anchor anchor = {0, 0};
    int have_rtc = rtc_backup_load(r->state_dir, &anchor, err, sizeof err);
    if (have_rtc < 0) {
        fprintf(stderr, "meterd: %s\n", err);
        return EXIT_FAILURE;
    }
    /* Whole seconds, so that the simulated clock reads cleanly: a new RTC rounds the wall clock
     * down, a kept one rounds up (rounding it down put the meter's clock behind the time it last
     * recorded by up to a second, and made it invalid when a save fell in that second). */
    mfw_ms_t rtc_now = have_rtc ? rtc_backup_now(&anchor, wall) : wall;
    rtc_now = have_rtc ? rtc_now + (1000 - rtc_now % 1000) % 1000 : rtc_now - rtc_now % 1000;
    char when[ISOTIME_LEN], was[ISOTIME_LEN];
    if (o->has_start) {
        if (have_rtc && o->start_ms < rtc_now) {
            isotime_format(o->start_ms, when);
            isotime_format(rtc_now, was);
            fprintf(stderr,
                    "meterd: --start %s is before the RTC %s (an RTC never runs backwards; move "
                    "the state directory away to start over)\n",
                    when, was);
            return EXIT_BAD_INPUT;
        }
        r->start = o->start_ms;
    } else {
        r->start = rtc_now;
    }
    if (o->has_until && o->until_ms <= r->start) {
        char u[ISOTIME_LEN];
        isotime_format(o->until_ms, u);
        isotime_format(r->start, when);
        fprintf(stderr, "meterd: --until %s is not after the start time %s%s\n", u, when,
                have_rtc && !o->has_start ? " (the RTC backup)" : "");
        return EXIT_BAD_INPUT;
    }
    uint64_t flash_size = (uint64_t)cfg->store.sector_size * cfg->store.sector_count;
    int have_flash = state_flash_check(r->state_dir, flash_size, err, sizeof err);
    if (have_flash < 0) {
        /* Not overwritten: a meter never silently loses its registers. */
        fprintf(stderr, "meterd: %s; move it away to start from zero\n", err);
        return EXIT_FAILURE;
    }
    if (have_rtc && !have_flash && !o->new_meter) {
        fprintf(stderr,
                "meterd: %s has an RTC backup but no flash.bin: the meter's memory is gone; "
                "--new-meter starts a new meter there\n",
                r->state_dir);
        return EXIT_FAILURE;
    }
    /* The socket before anything is created: a busy --port is found with nothing written. */
    if (!bind_dlms(r))
        return EXIT_FAILURE;
    if (!bind_modules(r))
        return EXIT_FAILURE;

    /* Input checked: now the directory and the flash. */
    if (!state_prepare_dir(r->state_dir, err, sizeof err)) {
        fprintf(stderr, "meterd: %s\n", err);
        return EXIT_FAILURE;
    }
    char path[4096];
    state_path(path, sizeof path, r->state_dir, STATE_FLASH_NAME);
    if (flash_file_open(&r->board.flash, path, cfg->store.sector_size, cfg->store.sector_count,
                        cfg->store.prog_size, 0, err, sizeof err) != 0) {
        fprintf(stderr, "meterd: %s\n", err);
        return EXIT_FAILURE;
    }
    r->flash_open = true;
    r->board.temperature = board_temperature;
    r->board.temperature_ctx = &r->drv;
    board_hal(&r->board, &r->hal, o->breaker, o->load_relays);
    r->hal.crypto = crypto_posix_port(); /* Mbed TLS GCM, nettle key wrap, getrandom */
    if (o->image_key != NULL) {
        if (image_slots_open(&r->slots, r->state_dir, o->image_key, err, sizeof err) != 0) {
            fprintf(stderr, "meterd: %s\n", err);
            return EXIT_BAD_INPUT;
        }
        r->slots.no_confirm = o->image_no_confirm;
        r->have_slots = true;
        r->hal.image = &r->slots.port;
        if (r->slots.rolled_back)
            fprintf(stderr,
                    "meterd: the firmware image on trial was not confirmed: rolled back "
                    "to slot %c\n",
                    r->slots.active ? 'B' : 'A');
    }
    if (have_flash && have_rtc && !o->new_meter) {
        /* A blank flash where a meter ran: its memory was wiped, not a new meter. */
        struct mfw_store probe_store;
        if (mfw_store_mount_readonly(&probe_store, &cfg->store, &r->hal) == MFW_OK &&
            probe_store.stats.sectors_ours == 0) {
            fprintf(stderr,
                    "meterd: %s is blank, but an RTC backup says a meter ran here: refusing "
                    "(--new-meter starts a new meter)\n",
                    path);
            return EXIT_FAILURE;
        }
    }
    r->board.rtc_lost = o->rtc_lost;
    rc = mfw_meter_init(&r->m, cfg, &r->hal, r->start);
    if (rc == MFW_E_FORMAT && o->new_meter) {
        fprintf(stderr, "meterd: --new-meter: erasing %s (it held no meter)\n", path);
        rc = mfw_store_format(&cfg->store, &r->hal);
        if (rc == MFW_OK)
            rc = mfw_meter_init(&r->m, cfg, &r->hal, r->start);
    }
    r->board.rtc_lost = false; /* only this start found the backup flat */
    if (rc != MFW_OK) {
        const char *why = r->m.restore.refused;
        if (rc == MFW_E_FORMAT)
            fprintf(stderr,
                    "meterd: %s holds no meter of this layout (%s); left untouched: move it "
                    "away, or --new-meter to erase it\n",
                    path, why ? why : "not ours");
        else if (rc == MFW_E_RANGE && why != NULL)
            fprintf(stderr,
                    "meterd: %s holds another meter's state (its %s differs from --model "
                    "%s --serial %s); left untouched\n",
                    r->state_dir, why, o->model == MFW_METER_162M ? "162M" : "382M", o->serial);
        else
            fprintf(stderr, "meterd: the meter does not start (%s)\n", mfw_strerror(rc));
        return EXIT_FAILURE;
    }
    if (!r->m.persistent)
        fprintf(stderr,
                "meterd: warning: the meter could not mount its flash %s; it runs "
                "without storage\n",
                path);
    report_restore(&r->m);
    if (o->keys_file != NULL &&
        !mfw_ct_equal(r->m.keys.config.key, cfg->security.key, sizeof cfg->security.key))
        fprintf(stderr, "meterd: note: the meter keeps the keys of its flash (they were changed "
                        "or provisioned before); --keys only provisions a new meter\n");
    if (!rtc_backup_open(&r->rtc, r->state_dir, (struct rtc_anchor){r->start, wall}, err,
                         sizeof err)) {
        fprintf(stderr, "meterd: %s\n", err);
        return EXIT_FAILURE;
    }
    r->rtc_open = true;
    isotime_format(r->start, when);
    if (have_flash || have_rtc)
        fprintf(stderr, "meterd: continuing the meter in %s, RTC %s%s\n", r->state_dir, when,
                o->has_start ? " (--start)"
                : o->rtc_lost
                    ? " (--rtc-lost: the RTC backup was flat; the clock is invalid until set)"
                : !have_rtc ? " (no RTC backup: wall clock)"
                            : " (the RTC backup kept running)");
    r->drv.t = r->start;
    r->drv.state_until = r->start;
    sim_drive_power(&r->drv, &r->cfg, &r->hal);
    sim_drive_board(&r->drv, &r->board);
    mfw_display_init(&r->disp, o->model);
    if (o->control != NULL) {
        if (!control_open(&r->control, o->control, err, sizeof err)) {
            fprintf(stderr, "meterd: %s\n", err);
            return EXIT_FAILURE;
        }
        r->control_open = true;
        fprintf(stderr, "meterd: control pipe %s (one event a line, docs/scenario.md)\n",
                o->control);
    }
    return -1; /* go on */
}

/* An image was activated (IC 18 m4): the reset a device makes, the meter powers up again from
 * its flash and runs the new image on trial (image_slots.h); the DLMS sessions stay. */
static void reboot_if_activated(struct run *r)
{
    if (!r->have_slots || !r->slots.reboot)
        return;
    r->slots.reboot = false;
    int rc = mfw_meter_init(&r->m, &r->cfg, &r->hal, r->drv.t);
    fprintf(stderr,
            "meterd: firmware image activated: slot %c on trial, the meter restarted (%s)\n",
            r->slots.active ? 'B' : 'A', mfw_strerror(rc));
    if (rc != MFW_OK)
        r->drv.error = rc;
}

static bool finished(const struct run *r)
{
    if (!r->o.has_until)
        return false;
    if (r->drv.t >= r->o.until_ms)
        return true;
    /* sample fidelity moves in whole chunks: a remainder shorter than one is left out */
    return r->o.fidelity == FIDELITY_SAMPLE && r->drv.t + SIM_CHUNK_MS > r->o.until_ms;
}

/* A line of the control pipe: an event now, at the meter's simulated time. */
static void on_control_line(void *ctx, const char *text, size_t len)
{
    struct run *r = ctx;
    char when[ISOTIME_LEN];
    isotime_format(r->drv.t, when);
    if (text == NULL) {
        fprintf(stderr, "meterd: control: a line longer than %d characters, dropped\n",
                CONTROL_LINE_MAX);
        return;
    }
    size_t k = 0;
    while (k < len && (text[k] == ' ' || text[k] == '\t'))
        k++;
    if (k == len || text[k] == '#')
        return;
    struct scenario_error e;
    if (scenario_inject(&r->sc, r->drv.t, text, len, &e) != MFW_OK) {
        fprintf(stderr, "meterd: control: %.*s: %s\n", (int)(len < 80 ? len : 80), text, e.msg);
        return;
    }
    sim_drive_rescan(&r->drv);
    fprintf(stderr, "meterd: control: at %s %.*s\n", when, (int)len, text);
}

static void run_loop(struct run *r)
{
    const struct meterd_opts *o = &r->o;
    bool tty = !o->no_display && isatty(STDOUT_FILENO);
    /* not a terminal: one line per display item, but none in a batch (--until) run */
    bool lines = !o->no_display && !tty && !o->has_until;
    int64_t mono0 = clock_mono_ms(), next_draw = mono0;
    bool first = true;
    struct mfw_display_frame fr;
    struct lcd_status st = {
        .model = o->model == MFW_METER_162M ? "162M" : "382M",
        .serial = o->serial,
        .fidelity = fidelity_name(o->fidelity),
        .speed = o->has_until ? 0.0 : o->speed,
    };
    if (tty)
        lcd_term_begin(stdout);

    while (!stop_requested && !finished(r) && r->drv.error == MFW_OK) {
        int64_t now = clock_mono_ms();
        mfw_ms_t target =
            o->has_until ? o->until_ms : r->start + (mfw_ms_t)((double)(now - mono0) * o->speed);
        int64_t slice_end = now + SLICE_MS;
        while (r->drv.t < target && !stop_requested && r->drv.error == MFW_OK) {
            mfw_ms_t before = r->drv.t;
            mfw_ms_t step = o->fidelity == FIDELITY_SAMPLE ? 1000 : 3600000;
            mfw_ms_t to = target - r->drv.t > step ? r->drv.t + step : target;
            /* the RTC is ahead of everything the meter records in this step: a kill here is a
             * power cut at a time the RTC already passed */
            rtc_backup_update(&r->rtc, (struct rtc_anchor){to, clock_utc_ms()});
            sim_drive_advance(&r->drv, &r->m, to);
            if (r->drv.t == before || clock_mono_ms() >= slice_end)
                break;
        }
        if (r->dlms_open)
            (void)tcp_server_poll(&r->tcp, 0);
        if (r->control_open)
            control_poll(&r->control, on_control_line, r);
        for (unsigned k = 0; k < r->cons_open; k++)
            consumer_poll(&r->cons[k], &r->modules, r->m.now);
        poll_push(r);
        reboot_if_activated(r);

        now = clock_mono_ms();
        if (now >= next_draw && (tty || lines)) {
            /* The list rotates on the real clock, so an item stays readable at any --speed. */
            bool switched = mfw_display_step(&r->disp, now);
            mfw_display_render(&r->disp, &r->m, r->m.now, &fr);
            if (tty) {
                st.sim_ms = r->m.now;
                /* measured over at least a second, or the first frames would read "lags" */
                bool measured = now - mono0 >= 1000 || (o->has_until && now > mono0);
                st.actual =
                    measured ? (double)(r->drv.t - r->start) / (double)(now - mono0) : o->speed;
                lcd_term_draw(stdout, &fr, &st);
            } else if (switched || first) {
                lcd_line(stdout, &fr, r->m.now);
            }
            first = false;
            while (next_draw <= now)
                next_draw += DRAW_PERIOD_MS;
        }
        if (!o->has_until) {
            int64_t wait = (tty || lines ? next_draw : now + DRAW_PERIOD_MS) - clock_mono_ms();
            if (r->dlms_open) /* the poll timeout is the sleep: requests are served at once */
                (void)tcp_server_poll(&r->tcp, wait > 0 ? (int)wait : 0);
            else
                clock_sleep_ms(wait);
        }
    }
    if (tty) {
        mfw_display_render(&r->disp, &r->m, r->m.now, &fr);
        st.sim_ms = r->m.now;
        lcd_term_draw(stdout, &fr, &st);
        lcd_term_end(stdout);
    }
}

/* Saves and closes: mfw_meter_flush, the RTC backup, the flash. 0 or 1. */
static int shutdown_meter(struct run *r)
{
    char err[512], a[ISOTIME_LEN];
    int rc = EXIT_SUCCESS;
    mfw_meter_flush(&r->m, r->drv.t); /* the open window reaches the registers, then a save */
    rtc_backup_update(&r->rtc, (struct rtc_anchor){r->drv.t, clock_utc_ms()});
    r->rtc_open = false;
    if (rtc_backup_close(&r->rtc, err, sizeof err)) {
        isotime_format(r->drv.t, a);
        fprintf(stderr, "meterd: saved in %s (RTC %s%s)\n", r->state_dir, a,
                r->m.down ? ", the meter is without supply" : "");
    } else {
        fprintf(stderr, "meterd: saving the RTC failed: %s\n", err);
        rc = EXIT_FAILURE;
    }
    return rc;
}

static int close_flash(struct run *r)
{
    if (!r->flash_open)
        return EXIT_SUCCESS;
    r->flash_open = false;
    if (flash_file_close(&r->board.flash) != 0) {
        fprintf(stderr, "meterd: closing the flash file failed\n");
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    struct run *r = calloc(1, sizeof *r); /* a few hundred KB: the heap, not the stack */
    if (r == NULL) {
        fputs("meterd: out of memory\n", stderr);
        return EXIT_FAILURE;
    }
    int rc = setup(r, argc, argv);
    if (rc < 0 && !open_dlms(r))
        rc = EXIT_FAILURE;
    if (rc < 0 && !fit_modules(r))
        rc = EXIT_FAILURE;
    if (rc >= 0) {
        close_modules(r);
        if (r->dlms_open)
            close_dlms(r);
        if (r->control_open)
            control_close(&r->control);
        if (r->rtc_open) {
            char err[256];
            rtc_backup_close(&r->rtc, err, sizeof err);
        }
        close_flash(r);
        free(r);
        return rc;
    }
    install_signals();

    char a[ISOTIME_LEN], b[ISOTIME_LEN];
    isotime_format(r->start, a);
    if (r->o.has_until)
        isotime_format(r->o.until_ms, b);
    fprintf(stderr, "meterd: %s #%s, scenario %s, %s fidelity%s, %u Hz, %s -> %s%s\n",
            r->o.model == MFW_METER_162M ? "162M" : "382M", r->o.serial, r->o.scenario,
            fidelity_name(r->o.fidelity),
            r->o.fidelity == FIDELITY_SAMPLE ? " (ADC sample sets through the metrology)"
                                             : " (analytic per-block quantities)",
            (unsigned)r->cfg.metro.f_nominal_hz, a, r->o.has_until ? b : "real time",
            r->o.has_until ? " as fast as possible" : "");
    if (r->o.fidelity == FIDELITY_SAMPLE)
        fprintf(stderr,
                r->drv.ideal ? "meterd: sensors ideal (no sensor errors, nominal calibration)\n"
                             : "meterd: sensors %s, calibrated at its production: %.0f s on the "
                               "line, %.0f s in the chamber\n",
                r->sensors.name, r->drv.production.seconds_electrical,
                r->drv.production.seconds_chamber);

    run_loop(r);
    close_modules(r);
    if (r->dlms_open)
        close_dlms(r);
    if (r->control_open)
        control_close(&r->control);
    if (r->drv.error != MFW_OK)
        fprintf(stderr, "meterd: the meter did not power up again (%s)\n",
                mfw_strerror(r->drv.error));
    rc = shutdown_meter(r);
    if (r->drv.error != MFW_OK)
        rc = EXIT_FAILURE;
    if (r->o.report_json) {
        struct report_info ri = {
            .fidelity = fidelity_name(r->o.fidelity),
            .start_ms = r->start,
            .end_ms = r->drv.t,
            .scenario = r->o.scenario,
            .flash = &r->board.flash.emu,
            .power_ups = r->drv.power_ups,
            .saves_before = r->drv.saves_before,
            .store_errors_before = r->drv.store_errors_before,
            .board = &r->board,
        };
        report_json(stdout, &r->m, &ri);
    }
    if (close_flash(r) != EXIT_SUCCESS)
        rc = EXIT_FAILURE;
    fflush(stdout);
    free(r);
    return rc;
}
