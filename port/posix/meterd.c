/* meterd: the virtual meter. A struct meter of the meterfw core, fed from a scenario through the
 * simulated analog front end, paced by the real clock (or as fast as possible up to --until),
 * with its LCD on the terminal and its registers kept across runs in a state file. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock_posix.h"
#include "isotime.h"
#include "lcd_term.h"
#include "meterfw/display.h"
#include "meterfw/error.h"
#include "meterfw/meter.h"
#include "options.h"
#include "report.h"
#include "scenario_load.h"
#include "sim_drive.h"
#include "state_file.h"

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
    struct meter m;
    struct hal hal;
    struct sim_drive drv;
    struct display disp;
    char state_dir[4096];
    mfw_ms_t start;
};

static const char *fidelity_name(enum meterd_fidelity f)
{
    return f == FIDELITY_FAST ? "fast" : "sample";
}

/* Everything that can be wrong with the input is found here, before anything is written. */
static int setup(struct run *r, int argc, char **argv)
{
    char err[512];
    int rc = meterd_parse_options(argc, argv, &r->o, err, sizeof err);
    if (rc == OPTS_HELP) {
        fputs(meterd_usage(), stdout);
        return 0;
    }
    if (rc != OPTS_OK) {
        fprintf(stderr, "meterd: %s\n", err);
        return EXIT_BAD_INPUT;
    }
    const struct meterd_opts *o = &r->o;
    uint8_t phases = o->model == METER_162M ? 1 : 3;
    if (!meterd_load_scenario(&r->sc, o->scenario, phases, err, sizeof err)) {
        fprintf(stderr, "meterd: %s\n", err);
        return EXIT_BAD_INPUT;
    }

    struct meter_config cfg;
    meter_default_config(&cfg, o->model);
    memcpy(cfg.serial, o->serial, sizeof cfg.serial);
    cfg.i_ref_a = o->i_ref_a;
    cfg.i_max_a = o->i_max_a;
    cfg.metro.fs_hz = o->rate_hz;
    rc = sim_drive_init(&r->drv, &r->sc, o->fidelity, &cfg, 0);
    if (rc == MFW_OK)
        rc = meter_init(&r->m, &cfg, &r->hal);
    if (rc != MFW_OK) {
        fprintf(stderr, "meterd: the meter rejects this configuration (%s)\n", mfw_strerror(rc));
        return EXIT_BAD_INPUT;
    }

    int n = o->state_dir ? snprintf(r->state_dir, sizeof r->state_dir, "%s", o->state_dir)
                         : snprintf(r->state_dir, sizeof r->state_dir, "meterd-state/%s",
                                    o->serial);
    if (n <= 0 || (size_t)n >= sizeof r->state_dir) {
        fprintf(stderr, "meterd: --state-dir: path too long\n");
        return EXIT_BAD_INPUT;
    }
    int loaded = state_load(r->state_dir, &r->m, err, sizeof err);
    if (loaded < 0) {
        /* Not overwritten: a meter never silently resets its registers. */
        fprintf(stderr, "meterd: %s; move it away to start from zero\n", err);
        return EXIT_FAILURE;
    }
    char when[ISOTIME_LEN];
    if (loaded) {
        r->start = r->m.now;
        isotime_format(r->start, when);
        fprintf(stderr, "meterd: continuing from the state in %s (simulated time %s)%s\n",
                r->state_dir, when, o->has_start ? "; --start ignored" : "");
    } else {
        /* a fresh meter: whole seconds, so the simulated clock reads cleanly */
        mfw_ms_t now = clock_utc_ms();
        r->start = o->has_start ? o->start_ms : now - now % 1000;
        r->m.now = r->start; /* as if the last tick were at the start */
    }
    if (o->has_until && o->until_ms <= r->start) {
        char u[ISOTIME_LEN];
        isotime_format(o->until_ms, u);
        isotime_format(r->start, when);
        fprintf(stderr, "meterd: --until %s is not after the start time %s%s\n", u, when,
                loaded ? " (from the saved state)" : "");
        return EXIT_BAD_INPUT;
    }
    r->drv.t = r->start;
    r->drv.state_until = r->start;
    display_init(&r->disp, o->model);

    if (!state_prepare_dir(r->state_dir, err, sizeof err)) {
        fprintf(stderr, "meterd: %s\n", err);
        return EXIT_FAILURE;
    }
    return -1; /* go on */
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

static void run_loop(struct run *r)
{
    const struct meterd_opts *o = &r->o;
    bool tty = !o->no_display && isatty(STDOUT_FILENO);
    /* not a terminal: one line per display item, but none in a batch (--until) run */
    bool lines = !o->no_display && !tty && !o->has_until;
    int64_t mono0 = clock_mono_ms(), next_draw = mono0;
    bool first = true;
    struct display_frame fr;
    struct lcd_status st = {
        .model = o->model == METER_162M ? "162M" : "382M",
        .serial = o->serial,
        .fidelity = fidelity_name(o->fidelity),
        .speed = o->has_until ? 0.0 : o->speed,
    };
    if (tty)
        lcd_term_begin(stdout);

    while (!stop_requested && !finished(r)) {
        int64_t now = clock_mono_ms();
        mfw_ms_t target = o->has_until ? o->until_ms
                                       : r->start + (mfw_ms_t)((double)(now - mono0) * o->speed);
        int64_t slice_end = now + SLICE_MS;
        while (r->drv.t < target && !stop_requested) {
            mfw_ms_t before = r->drv.t;
            mfw_ms_t step = o->fidelity == FIDELITY_SAMPLE ? 1000 : 3600000;
            sim_drive_advance(&r->drv, &r->m, target - r->drv.t > step ? r->drv.t + step : target);
            if (r->drv.t == before || clock_mono_ms() >= slice_end)
                break;
        }

        now = clock_mono_ms();
        if (now >= next_draw && (tty || lines)) {
            /* The list rotates on the real clock, so an item stays readable at any --speed. */
            bool switched = display_step(&r->disp, now);
            display_render(&r->disp, &r->m, r->m.now, &fr);
            if (tty) {
                st.sim_ms = r->m.now;
                /* measured over at least a second, or the first frames would read "lags" */
                bool measured = now - mono0 >= 1000 || (o->has_until && now > mono0);
                st.actual = measured ? (double)(r->drv.t - r->start) / (double)(now - mono0)
                                     : o->speed;
                lcd_term_draw(stdout, &fr, &st);
            } else if (switched || first) {
                lcd_line(stdout, &fr, r->m.now);
            }
            first = false;
            while (next_draw <= now)
                next_draw += DRAW_PERIOD_MS;
        }
        if (!o->has_until)
            clock_sleep_ms((tty || lines ? next_draw : now + DRAW_PERIOD_MS) - clock_mono_ms());
    }
    if (tty) {
        display_render(&r->disp, &r->m, r->m.now, &fr);
        st.sim_ms = r->m.now;
        lcd_term_draw(stdout, &fr, &st);
        lcd_term_end(stdout);
    }
}

int main(int argc, char **argv)
{
    struct run *r = calloc(1, sizeof *r); /* a few tens of KB: the heap, not the stack */
    if (r == NULL) {
        fputs("meterd: out of memory\n", stderr);
        return EXIT_FAILURE;
    }
    int rc = setup(r, argc, argv);
    if (rc >= 0) {
        free(r);
        return rc;
    }
    install_signals();

    char a[ISOTIME_LEN], b[ISOTIME_LEN];
    isotime_format(r->start, a);
    if (r->o.has_until)
        isotime_format(r->o.until_ms, b);
    fprintf(stderr, "meterd: %s #%s, scenario %s, %s fidelity%s, %s -> %s%s\n",
            r->o.model == METER_162M ? "162M" : "382M", r->o.serial, r->o.scenario,
            fidelity_name(r->o.fidelity),
            r->o.fidelity == FIDELITY_SAMPLE ? " (ADC sample sets through the metrology)"
                                             : " (analytic per-block quantities)",
            a, r->o.has_until ? b : "real time", r->o.has_until ? " as fast as possible" : "");

    run_loop(r);
    meter_flush(&r->m, r->drv.t); /* the open measurement window reaches the registers */

    char err[512];
    rc = EXIT_SUCCESS;
    if (state_save(r->state_dir, &r->m, err, sizeof err)) {
        isotime_format(r->m.now, a);
        fprintf(stderr, "meterd: state saved in %s (simulated time %s)\n", r->state_dir, a);
    } else {
        fprintf(stderr, "meterd: saving the state failed: %s\n", err);
        rc = EXIT_FAILURE;
    }
    if (r->o.report_json) {
        struct report_info ri = {
            .fidelity = fidelity_name(r->o.fidelity),
            .start_ms = r->start,
            .end_ms = r->m.now,
            .scenario = r->o.scenario,
        };
        report_json(stdout, &r->m, &ri);
    }
    fflush(stdout);
    free(r);
    return rc;
}
