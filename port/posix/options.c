/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line parsing: strict, every value range-checked, nothing done on error. */
#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"

/* In two parts: ISO C guarantees string literals of 4095 characters only. */
static const char usage_options[] =
    "usage: meterd [options]\n"
    "A virtual smart electricity meter: the meterfw core fed by a simulated grid and load.\n"
    "\n"
    "  --model 162M|382M       1-phase 2-wire or 3-phase 4-wire direct meter (default 382M)\n"
    "  --current IREF(IMAX)A   current range, Iref < Imax (default 5(100)A)\n"
    "  --serial S              serial number, 1-16 of [A-Za-z0-9_-] (default 00000001)\n"
    "  --scenario NAME|FILE    household, household-pv or a scenario file (docs/scenario.md)\n"
    "                          (default household)\n"
    "  --speed N               run N times faster than real time (default 1)\n"
    "  --until TIME            run as fast as possible up to TIME, save, exit\n"
    "  --start TIME            set the simulated RTC to TIME at start (see RTC below)\n"
    "  --fidelity sample|fast  sample: ADC sample sets through the full metrology; fast: "
    "per-block\n"
    "                          analytic quantities (default sample, fast with --until)\n"
    "  --rate 4000|8000        ADC sample rate in Hz (default 4000)\n"
    "  --frequency 50|60       the meter's nominal frequency: windows of 10 or 12 cycles, the\n"
    "                          fallback without voltage (default: the scenario's, 60 from 55 Hz)\n"
    "  --sensors ideal|typical|FILE\n"
    "                          sample fidelity's sensors: ideal (no sensor errors, calibrated\n"
    "                          from the nominal scale), typical (the sensor library's typical\n"
    "                          unit with its noise, calibrated by the production procedure at\n"
    "                          start) or a sensor-set file (docs/sensors.md) (default: the\n"
    "                          scenario's sensors directive, else typical)\n"
    "  --state-dir DIR         this meter's state: DIR/flash.bin (the meter's NOR flash) and\n"
    "                          DIR/rtc (the RTC backup) (default ./meterd-state/SERIAL)\n"
    "  --rtc-lost              the RTC backup was flat: the meter starts with its clock marked\n"
    "                          invalid (until the clock is set)\n"
    "  --new-meter             a new meter in DIR: a flash that holds no meter (or no flash while\n"
    "                          an RTC backup says a meter ran there) is erased instead of refused\n"
    "  --report json           print registers, tariffs, clock, demand, billing, profiles, event\n"
    "                          logs and store counters as JSON on stdout at exit\n"
    "  --no-display            no LCD output\n"
    "  --lp-days N             load profile depth in days at 15 min (default 40); sizes the\n"
    "                          meter's flash (a year: about 2.1 MiB). Give the same N on\n"
    "                          every start of a state dir: its flash.bin has that size.\n"
    "  --port N                DLMS/COSEM server on TCP port N of 127.0.0.1, IEC 62056-47\n"
    "                          wrapper (default 4059; 0 = any free port). Without --port a\n"
    "                          busy 4059 only gives a warning; with it, meterd exits\n";
static const char usage_serial[] =
    "  --hdlc-port N           also HDLC (IEC 62056-46) tunnelled in TCP on port N of 127.0.0.1\n"
    "                          (0 = any free port); server address: upper 1, lower --hdlc-address\n"
    "  --optical pty|DEVICE    an optical port: IEC 62056-21 mode E at 300 Bd, then HDLC at\n"
    "                          --line-baud; \"pty\" makes a pseudo-terminal (its path is printed)\n"
    "                          whose baud rate is simulated, 10 bits a character both ways\n"
    "  --hdlc-line pty|DEVICE  a serial port that starts in HDLC at --line-baud (instead of\n"
    "                          --optical)\n"
    "  --line-baud N           the HDLC rate of the line: 300..19200 with --optical, up to\n"
    "                          115200 with --hdlc-line (default 9600; IC 19 / IC 23 show it)\n"
    "  --hdlc-address N        the lower (physical) HDLC address, 16..16381 (default the serial\n"
    "                          number's last 4 digits + 1000, e.g. 1001)\n"
    "  --no-dlms               no DLMS/COSEM server\n";

/* The modules, keys, board and firmware options (a third literal: C11 asks a compiler to support
 * 4095 characters in one). */
static const char usage_modules[] =
    "  --module KIND=WHERE     fit a communication module (up to 3, slots 1..3): KIND p1 (DSMR\n"
    "                          5.0.2 P1 telegrams), han (DLMS push in HDLC frames, Nordic\n"
    "                          HAN) or wmbus (wireless M-Bus telegrams as hex lines; mode 5\n"
    "                          with the keys file's wmbus-key); WHERE pty, tcp:N (port N\n"
    "                          of 127.0.0.1, 0 = any free port) or both, e.g.\n"
    "                          --module p1=pty,tcp:2000 (docs/consumer.md)\n"
    "  --p1-period S           seconds between P1 telegrams, 1..3600 (default 1)\n"
    "  --han-period S          seconds between HAN list 1 pushes, 2..10 (default 2); list 2\n"
    "                          every 10 s, list 3 every hour\n"
    "  --han-cipher            HAN pushes ciphered (suite 0) with the consumer key (the --keys\n"
    "                          file's consumer-ek, consumer-ak)\n"
    "  --consumer-off          the consumer channel disabled: modules fitted, nothing sent\n"
    "  --wmbus-period S        seconds between wireless M-Bus telegrams, 1..86400 (default 60)\n"
    "  --push A.B.C.D:PORT     fit the WAN module (slot 0): IDIS pushes (on installation and\n"
    "                          connectivity at start, on interval, on alarm by m1) to that\n"
    "                          TCP destination (IC 40 0.x.25.9.0.255 show and change it)\n"
    "  --push-interval S       seconds between pushes on interval, 60..86400 (default 900)\n"
    "  --push-cipher           pushes general-glo-ciphered with the management keys\n"
    "  --keys FILE             the keys of a new meter (global unicast, broadcast, authentication\n"
    "                          and master key, system titles, policy; docs/security.md): the\n"
    "                          management client (SAP 1) associates with HLS-GMAC. The file\n"
    "                          must be mode 0600 or stricter; a meter keeps its keys in its\n"
    "                          flash, so the file only provisions a state dir without them\n"
    "  --breaker               the model with the integrated breaker (the disconnector; current\n"
    "                          ranges up to 85 A; default then 10(85)A)\n"
    "  --load-relays N         0, 1 or 2 load-control relays (default 0)\n"
    "  --control FIFO          a named pipe meterd creates and reads: each line written to it is\n"
    "                          a scenario event happening now, e.g. 'magnetic-field 60 s'\n"
    "                          (docs/scenario.md \"Injecting events\")\n"
    "  --image-key FILE        the firmware signing key (PEM, ECDSA P-256 public key): firmware\n"
    "                          update by image transfer (0.0.44.0.0.255) into DIR's slot pair\n"
    "  --image-no-confirm      a new image does not pass its self-test (it is rolled back at\n"
    "                          the next start)\n"
    "  --help                  this text\n"
    "TIME is YYYY-MM-DDTHH:MM[:SS]Z (UTC). Options also take the form --opt=value.\n"
    "RTC at start: --start if given (not before the RTC); else the RTC backup (DIR/rtc): it kept\n"
    "running at real time while meterd was stopped or killed, so a stop or a kill -9 is a power\n"
    "failure of that length; else the wall clock.\n"
    "Outages in the scenario power the meter down (it saves and stops) and up again.\n"
    "Ctrl-C, SIGTERM or --until: the meter saves, meterd writes DIR/rtc and exits; the next\n"
    "start continues.\n"
    "Exit status: 0 ok, 1 runtime failure (a state that is not this meter's, unreadable, of\n"
    "the wrong size or unwritable: left as it is), 2 bad input (nothing written).\n";

void meterd_print_usage(FILE *f)
{
    fputs(usage_options, f);
    fputs(usage_serial, f);
    fputs(usage_modules, f);
}

/* A strict positive decimal number: digits with an optional fraction, nothing else. */
static bool parse_number(const char *s, size_t n, double *out)
{
    char buf[32];
    bool dot = false, digit = false;
    if (n == 0 || n >= sizeof buf)
        return false;
    for (size_t k = 0; k < n; k++) {
        if (s[k] == '.' && !dot)
            dot = true;
        else if (s[k] >= '0' && s[k] <= '9')
            digit = true;
        else
            return false;
    }
    if (!digit)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    *out = strtod(buf, NULL);
    return errno == 0 && isfinite(*out);
}

/* "5(100)A": Iref(Imax)A, both > 0, Iref < Imax. */
static bool parse_current(const char *s, double *iref, double *imax)
{
    const char *open = strchr(s, '(');
    const char *close = open ? strchr(open, ')') : NULL;
    if (!open || !close || strcmp(close, ")A") != 0)
        return false;
    return parse_number(s, (size_t)(open - s), iref) &&
           parse_number(open + 1, (size_t)(close - open - 1), imax);
}

static bool serial_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 16)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = s[k];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(err, errcap, __VA_ARGS__);                                                        \
        return OPTS_ERROR;                                                                         \
    } while (0)

int meterd_parse_options(int argc, char **argv, struct meterd_opts *o, char *err, size_t errcap)
{
    memset(o, 0, sizeof *o);
    bool current_given = false;
    o->model = MFW_METER_382M;
    o->i_ref_a = 5.0;
    o->i_max_a = 100.0;
    strcpy(o->serial, "00000001");
    o->scenario = "household";
    o->speed = 1.0;
    o->rate_hz = 4000;
    o->port = 4059;
    o->line_baud = 9600;
    o->p1_period_s = 1;
    o->han_period_s = 2;
    o->push_interval_s = 900;
    o->wmbus_period_s = 60;

    for (int k = 1; k < argc; k++) {
        const char *arg = argv[k];
        char name[24];
        const char *val = NULL;
        if (strncmp(arg, "--", 2) != 0)
            FAIL("unexpected argument '%s' (see --help)", arg);
        const char *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        if (nlen >= sizeof name)
            FAIL("unknown option '%s' (see --help)", arg);
        memcpy(name, arg, nlen);
        name[nlen] = '\0';

        if (strcmp(name, "--help") == 0 && !eq)
            return OPTS_HELP;
        if (strcmp(name, "--no-display") == 0 && !eq) {
            o->no_display = true;
            continue;
        }
        if (strcmp(name, "--no-dlms") == 0 && !eq) {
            o->no_dlms = true;
            continue;
        }
        if (strcmp(name, "--rtc-lost") == 0 && !eq) {
            o->rtc_lost = true;
            continue;
        }
        if (strcmp(name, "--han-cipher") == 0 && !eq) {
            o->han_cipher = true;
            continue;
        }
        if (strcmp(name, "--push-cipher") == 0 && !eq) {
            o->push_cipher = true;
            continue;
        }
        if (strcmp(name, "--consumer-off") == 0 && !eq) {
            o->consumer_off = true;
            continue;
        }
        if (strcmp(name, "--new-meter") == 0 && !eq) {
            o->new_meter = true;
            continue;
        }
        if (strcmp(name, "--breaker") == 0 && !eq) {
            o->breaker = true;
            continue;
        }
        if (strcmp(name, "--image-no-confirm") == 0 && !eq) {
            o->image_no_confirm = true;
            continue;
        }
        static const char *const with_value[] = {
            "--model",     "--current",    "--serial",      "--scenario",      "--speed",
            "--until",     "--start",      "--fidelity",    "--rate",          "--state-dir",
            "--report",    "--port",       "--keys",        "--lp-days",       "--lls-password",
            "--hdlc-port", "--optical",    "--hdlc-line",   "--line-baud",     "--hdlc-address",
            "--sensors",   "--frequency",  "--load-relays", "--control",       "--module",
            "--p1-period", "--han-period", "--push",        "--push-interval", "--wmbus-period",
            "--image-key",
        };
        bool known = false;
        for (size_t j = 0; j < sizeof with_value / sizeof with_value[0]; j++)
            known = known || strcmp(name, with_value[j]) == 0;
        if (!known)
            FAIL("unknown option '%s' (see --help)", name);
        if (eq)
            val = eq + 1;
        else if (k + 1 < argc)
            val = argv[++k];
        else
            FAIL("option %s needs a value", name);

        if (strcmp(name, "--model") == 0) {
            if (strcmp(val, "162M") == 0)
                o->model = MFW_METER_162M;
            else if (strcmp(val, "382M") == 0)
                o->model = MFW_METER_382M;
            else
                FAIL("--model: unknown model '%s' (162M or 382M)", val);
        } else if (strcmp(name, "--current") == 0) {
            if (!parse_current(val, &o->i_ref_a, &o->i_max_a))
                FAIL("--current: '%s' is not of the form IREF(IMAX)A, e.g. 5(100)A", val);
            if (!(o->i_ref_a > 0.0) || !(o->i_max_a > o->i_ref_a) || o->i_max_a > 1000.0)
                FAIL("--current: '%s' needs 0 < Iref < Imax <= 1000 A", val);
            current_given = true;
        } else if (strcmp(name, "--serial") == 0) {
            if (!serial_ok(val))
                FAIL("--serial: '%s' must be 1-16 characters of A-Z a-z 0-9 _ -", val);
            strcpy(o->serial, val);
        } else if (strcmp(name, "--scenario") == 0) {
            if (val[0] == '\0')
                FAIL("--scenario: empty name");
            o->scenario = val;
        } else if (strcmp(name, "--speed") == 0) {
            double v;
            if (!parse_number(val, strlen(val), &v) || !(v > 0.0) || v > 1e6)
                FAIL("--speed: '%s' must be a number > 0 and <= 1000000", val);
            o->speed = v;
            o->has_speed = true;
        } else if (strcmp(name, "--until") == 0) {
            if (!isotime_parse(val, &o->until_ms))
                FAIL("--until: '%s' is not a UTC time YYYY-MM-DDTHH:MM[:SS]Z", val);
            o->has_until = true;
        } else if (strcmp(name, "--start") == 0) {
            if (!isotime_parse(val, &o->start_ms))
                FAIL("--start: '%s' is not a UTC time YYYY-MM-DDTHH:MM[:SS]Z", val);
            o->has_start = true;
        } else if (strcmp(name, "--fidelity") == 0) {
            if (strcmp(val, "sample") == 0)
                o->fidelity = FIDELITY_SAMPLE;
            else if (strcmp(val, "fast") == 0)
                o->fidelity = FIDELITY_FAST;
            else
                FAIL("--fidelity: '%s' is not sample or fast", val);
        } else if (strcmp(name, "--rate") == 0) {
            if (strcmp(val, "4000") == 0)
                o->rate_hz = 4000;
            else if (strcmp(val, "8000") == 0)
                o->rate_hz = 8000;
            else
                FAIL("--rate: '%s' is not 4000 or 8000", val);
        } else if (strcmp(name, "--frequency") == 0) {
            if (strcmp(val, "50") == 0)
                o->f_nominal_hz = 50;
            else if (strcmp(val, "60") == 0)
                o->f_nominal_hz = 60;
            else
                FAIL("--frequency: '%s' is not 50 or 60", val);
        } else if (strcmp(name, "--sensors") == 0) {
            if (val[0] == '\0')
                FAIL("--sensors: empty (ideal, typical or a file)");
            o->sensors = val;
        } else if (strcmp(name, "--state-dir") == 0) {
            if (val[0] == '\0')
                FAIL("--state-dir: empty path");
            o->state_dir = val;
        } else if (strcmp(name, "--port") == 0) {
            double v;
            if (!parse_number(val, strlen(val), &v) || v != floor(v) || v > 65535.0)
                FAIL("--port: '%s' must be a whole number 0..65535", val);
            o->port = (uint16_t)v;
            o->has_port = true;
        } else if (strcmp(name, "--lp-days") == 0) {
            double v;
            if (!parse_number(val, strlen(val), &v) || v != floor(v) || v < 1.0 || v > 3660.0)
                FAIL("--lp-days: '%s' must be a whole number of days 1..3660", val);
            o->lp_days = (uint32_t)v;
        } else if (strcmp(name, "--lls-password") == 0) {
            /* removed: a secret on the command line shows in ps (and in shell histories) */
            FAIL("--lls-password was removed (a password on the command line shows in ps): put "
                 "lls-secret in a --keys file (docs/security.md)");
        } else if (strcmp(name, "--keys") == 0) {
            if (val[0] == '\0')
                FAIL("--keys: empty path");
            o->keys_file = val;
        } else if (strcmp(name, "--image-key") == 0) {
            if (val[0] == '\0')
                FAIL("--image-key: empty path");
            o->image_key = val;
        } else if (strcmp(name, "--hdlc-port") == 0) {
            double v;
            if (!parse_number(val, strlen(val), &v) || v != floor(v) || v > 65535.0)
                FAIL("--hdlc-port: '%s' must be a whole number 0..65535", val);
            o->hdlc_port = (uint16_t)v;
            o->has_hdlc_port = true;
        } else if (strcmp(name, "--optical") == 0 || strcmp(name, "--hdlc-line") == 0) {
            if (o->line != NULL)
                FAIL("one serial line: --optical or --hdlc-line, once");
            if (val[0] == '\0')
                FAIL("%s: 'pty' or a serial device", name);
            o->line = val;
            o->line_optical = strcmp(name, "--optical") == 0;
        } else if (strcmp(name, "--line-baud") == 0) {
            static const uint32_t ok[] = {300,  600,   1200,  2400,  4800,
                                          9600, 19200, 38400, 57600, 115200};
            double v;
            bool found = false;
            if (parse_number(val, strlen(val), &v))
                for (size_t j = 0; j < sizeof ok / sizeof ok[0]; j++)
                    found = found || v == (double)ok[j];
            if (!found)
                FAIL("--line-baud: '%s' is not 300, 600, 1200, 2400, 4800, 9600, 19200, 38400, "
                     "57600 or 115200",
                     val);
            o->line_baud = (uint32_t)v;
        } else if (strcmp(name, "--hdlc-address") == 0) {
            double v;
            if (!parse_number(val, strlen(val), &v) || v != floor(v) || v < 16.0 || v > 16381.0)
                FAIL("--hdlc-address: '%s' must be a whole number 16..16381 (0x10..0x3FFD)", val);
            o->hdlc_address = (uint16_t)v;
        } else if (strcmp(name, "--load-relays") == 0) {
            if (strcmp(val, "0") != 0 && strcmp(val, "1") != 0 && strcmp(val, "2") != 0)
                FAIL("--load-relays: '%s' must be 0, 1 or 2", val);
            o->load_relays = (uint8_t)(val[0] - '0');
        } else if (strcmp(name, "--control") == 0) {
            if (val[0] == '\0')
                FAIL("--control: empty path");
            o->control = val;
        } else if (strcmp(name, "--module") == 0) {
            if (o->n_modules >= METERD_MODULES_MAX)
                FAIL("--module: at most %d modules", METERD_MODULES_MAX);
            struct meterd_module_opt *mo = &o->modules[o->n_modules];
            memset(mo, 0, sizeof *mo);
            const char *w = NULL;
            if (strncmp(val, "p1=", 3) == 0) {
                mo->kind = MODULE_P1;
                w = val + 3;
            } else if (strncmp(val, "han=", 4) == 0) {
                mo->kind = MODULE_HAN;
                w = val + 4;
            } else if (strncmp(val, "wmbus=", 6) == 0) {
                mo->kind = MODULE_WMBUS;
                w = val + 6;
            } else {
                FAIL("--module: '%s' is not p1=WHERE, han=WHERE or wmbus=WHERE", val);
            }
            while (*w != '\0') {
                const char *end = strchr(w, ',');
                size_t n = end ? (size_t)(end - w) : strlen(w);
                if (n == 3 && strncmp(w, "pty", 3) == 0 && !mo->pty) {
                    mo->pty = true;
                } else if (n > 4 && n <= 9 && strncmp(w, "tcp:", 4) == 0 && !mo->tcp) {
                    double v;
                    if (!parse_number(w + 4, n - 4, &v) || v != floor(v) || v > 65535.0)
                        FAIL("--module: '%.*s' needs a port 0..65535", (int)n, w);
                    mo->tcp = true;
                    mo->tcp_port = (uint16_t)v;
                } else {
                    FAIL("--module: '%.*s' is not pty or tcp:N (each once)", (int)n, w);
                }
                w += n;
                if (*w == ',')
                    w++;
            }
            if (!mo->pty && !mo->tcp)
                FAIL("--module: '%s' says nowhere to send (pty, tcp:N)", val);
            o->n_modules++;
        } else if (strcmp(name, "--p1-period") == 0) {
            double v;
            if (!parse_number(val, strlen(val), &v) || v != floor(v) || v < 1.0 || v > 3600.0)
                FAIL("--p1-period: '%s' must be a whole number of seconds 1..3600", val);
            o->p1_period_s = (uint32_t)v;
        } else if (strcmp(name, "--han-period") == 0) {
            double v;
            if (!parse_number(val, strlen(val), &v) || v != floor(v) || v < 2.0 || v > 10.0)
                FAIL("--han-period: '%s' must be a whole number of seconds 2..10", val);
            o->han_period_s = (uint32_t)v;
        } else if (strcmp(name, "--wmbus-period") == 0) {
            double v;
            if (!parse_number(val, strlen(val), &v) || v != floor(v) || v < 1.0 || v > 86400.0)
                FAIL("--wmbus-period: '%s' must be a whole number of seconds 1..86400", val);
            o->wmbus_period_s = (uint32_t)v;
        } else if (strcmp(name, "--push") == 0) {
            /* a.b.c.d:port, as IC 40 attribute 3 holds it */
            unsigned a[4], port;
            char tail;
            if (strlen(val) > 21 ||
                sscanf(val, "%u.%u.%u.%u:%u%c", &a[0], &a[1], &a[2], &a[3], &port, &tail) != 5 ||
                a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255 || port == 0 || port > 65535)
                FAIL("--push: '%s' is not an IPv4 address and a port, e.g. 127.0.0.1:4063", val);
            o->push_dest = val;
        } else if (strcmp(name, "--push-interval") == 0) {
            double v;
            if (!parse_number(val, strlen(val), &v) || v != floor(v) || v < 60.0 || v > 86400.0)
                FAIL("--push-interval: '%s' must be a whole number of seconds 60..86400", val);
            o->push_interval_s = (uint32_t)v;
        } else if (strcmp(name, "--report") == 0) {
            if (strcmp(val, "json") != 0)
                FAIL("--report: '%s' is not a known format (json)", val);
            o->report_json = true;
        }
    }
    if (o->breaker && !current_given) { /* the brochure's range with breaker */
        o->i_ref_a = 10.0;
        o->i_max_a = 85.0;
    }
    if (o->breaker && o->i_max_a > 85.0)
        FAIL("--breaker: the models with breaker go up to 85 A (e.g. --current 10(85)A)");
    if (o->has_speed && o->has_until)
        FAIL("--speed and --until exclude each other (--until runs as fast as possible)");
    if (o->has_until && o->has_start && o->until_ms <= o->start_ms)
        FAIL("--until must be after --start");
    if (o->line != NULL && o->line_optical && o->line_baud > 19200)
        FAIL("--line-baud: mode E proposes at most 19200 Bd (IEC 62056-21 baud rate character 6)");
    if (o->fidelity == FIDELITY_AUTO)
        o->fidelity = o->has_until ? FIDELITY_FAST : FIDELITY_SAMPLE;
    return OPTS_OK;
}
