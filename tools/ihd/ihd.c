/* SPDX-License-Identifier: Apache-2.0 */
/* ihd: the in-home display (docs/ihd.md). Reads P1 telegrams from the meter's consumer channel,
 * keeps them in SQLite and serves a page on localhost. It only listens: nothing it does can
 * reach the meter (the P1 port is output only, DSMR 5.0.2 5.7). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "han.h"
#include "http.h"
#include "input.h"
#include "p1.h"
#include "state.h"
#include "store.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char usage[] =
    "usage: ihd --p1 SOURCE | --han SOURCE [options]\n"
    "  --p1 SOURCE         the meter's P1 output: tcp:HOST:PORT, a serial device or pty path, or\n"
    "                      - (standard input, read to its end without a page: an import)\n"
    "  --han SOURCE        the meter's HAN push instead (HDLC frames of DLMS data-notifications,\n"
    "                      Kamstrup lists; not ciphered), from the same kinds of SOURCE\n"
    "  --db PATH           the SQLite history (default ihd.db; file:...?mode=ro for read-only)\n"
    "  --http PORT         the page on http://127.0.0.1:PORT/ (default 8080; 0 = any free port)\n"
    "  --price T=PRICE     price per kWh imported in tariff T (1..4), e.g. --price 1=2.25\n"
    "  --export-price P    price per kWh exported (credit)\n"
    "  --currency C        shown with the prices (default DKK)\n"
    "  --schedule LIST     the daily tariff changes, local time: 06:00=2,22:00=1 (otherwise the\n"
    "                      next change is learned from the changes seen on earlier days)\n"
    "  --quiet S           no telegram for S seconds: \"no data from the meter\" (default 5)\n"
    "  --web DIR           the page's files (default: the source tree's tools/ihd/web)\n"
    "  --uplot DIR         uPlot's dist folder (default: build/npm/node_modules/uplot/dist)\n";

struct opts {
    const char *p1, *db, *web, *uplot;
    bool han;
    unsigned port;
    struct ihd_config cfg;
};

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max || *s == '-')
        return false;
    *out = (unsigned)v;
    return true;
}

static bool parse_price(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0 && v < 1e6))
        return false;
    *out = v;
    return true;
}

static bool parse_schedule(const char *s, struct ihd_config *c)
{
    c->n_schedule = 0;
    while (*s) {
        unsigned h, m, t;
        int used = 0;
        if (c->n_schedule == IHD_SCHEDULE_MAX ||
            sscanf(s, "%2u:%2u=%u%n", &h, &m, &t, &used) != 3 || h > 23 || m > 59 || t < 1 || t > 9)
            return false;
        c->schedule[c->n_schedule].minute = h * 60 + m;
        c->schedule[c->n_schedule].tariff = t;
        c->n_schedule++;
        s += used;
        if (*s == ',')
            s++;
        else if (*s)
            return false;
    }
    return c->n_schedule > 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->db = "ihd.db";
    o->port = 8080;
    o->web = IHD_WEB_DIR;
    o->uplot = IHD_UPLOT_DIR;
    o->cfg.quiet_s = 5;
    snprintf(o->cfg.currency, sizeof o->cfg.currency, "DKK");
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (k + 1 >= argc) {
            fprintf(stderr, "ihd: %s needs a value\n%s", a, usage);
            return 2;
        }
        const char *v = argv[++k];
        unsigned u;
        if (strcmp(a, "--p1") == 0 || strcmp(a, "--han") == 0) {
            if (o->p1) {
                fprintf(stderr, "ihd: one source: --p1 or --han, once\n");
                return 2;
            }
            o->p1 = v;
            o->han = a[2] == 'h';
        } else if (strcmp(a, "--db") == 0) {
            o->db = v;
        } else if (strcmp(a, "--web") == 0) {
            o->web = v;
        } else if (strcmp(a, "--uplot") == 0) {
            o->uplot = v;
        } else if (strcmp(a, "--http") == 0) {
            if (!parse_uint(v, 65535, &o->port)) {
                fprintf(stderr, "ihd: --http: '%s' is not a port 0..65535\n", v);
                return 2;
            }
        } else if (strcmp(a, "--quiet") == 0) {
            if (!parse_uint(v, 3600, &u) || u < 1) {
                fprintf(stderr, "ihd: --quiet: '%s' is not 1..3600 seconds\n", v);
                return 2;
            }
            o->cfg.quiet_s = u;
        } else if (strcmp(a, "--price") == 0) {
            double p;
            if (v[0] < '1' || v[0] > '0' + IHD_STORE_TARIFFS || v[1] != '=' ||
                !parse_price(v + 2, &p)) {
                fprintf(stderr, "ihd: --price: '%s' is not T=PRICE with T 1..%d\n", v,
                        IHD_STORE_TARIFFS);
                return 2;
            }
            o->cfg.price[v[0] - '0'] = p;
            o->cfg.price_set[v[0] - '0'] = true;
        } else if (strcmp(a, "--export-price") == 0) {
            if (!parse_price(v, &o->cfg.export_price)) {
                fprintf(stderr, "ihd: --export-price: '%s' is not a price\n", v);
                return 2;
            }
        } else if (strcmp(a, "--currency") == 0) {
            if (strlen(v) >= sizeof o->cfg.currency) {
                fprintf(stderr, "ihd: --currency: at most 7 characters\n");
                return 2;
            }
            snprintf(o->cfg.currency, sizeof o->cfg.currency, "%s", v);
        } else if (strcmp(a, "--schedule") == 0) {
            if (!parse_schedule(v, &o->cfg)) {
                fprintf(stderr, "ihd: --schedule: '%s' is not HH:MM=T[,HH:MM=T...]\n", v);
                return 2;
            }
        } else {
            fprintf(stderr, "ihd: unknown option %s\n%s", a, usage);
            return 2;
        }
    }
    if (!o->p1) {
        fprintf(stderr, "ihd: --p1 SOURCE or --han SOURCE is needed\n%s", usage);
        return 2;
    }
    return 0;
}

/* Feed bytes through the splitter and the parser into the state. */
static void consume(struct ihd_state *st, struct ihd_p1_rx *rx, const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        int ev;
        off += ihd_p1_rx_feed(rx, p + off, n - off, &ev);
        if (ev == IHD_P1_RX_TELEGRAM) {
            struct ihd_p1 r;
            int e = ihd_p1_parse(rx->buf, rx->len, &r);
            if (e == IHD_P1_OK)
                ihd_state_telegram(st, &r, now_ms());
            else
                ihd_state_drop(st, e, now_ms());
        } else if (ev != IHD_P1_RX_NONE) {
            ihd_state_drop(st, 1000 + ev, now_ms());
        }
    }
    ihd_state_garbage(st, rx->garbage);
}

static void consume_han(struct ihd_state *st, struct ihd_han_rx *rx, const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        int ev;
        off += ihd_han_rx_feed(rx, p + off, n - off, &ev);
        if (ev == IHD_HAN_RX_FRAME) {
            struct ihd_p1 r;
            char list[32];
            int e = ihd_han_parse(rx->buf, rx->len, &r, list);
            if (e == IHD_P1_OK) {
                if (!r.ident[0])
                    snprintf(r.ident, sizeof r.ident, "HAN %s", list);
                ihd_state_telegram(st, &r, now_ms());
            } else {
                ihd_state_drop(st, e, now_ms());
            }
        } else if (ev != IHD_HAN_RX_NONE) {
            ihd_state_drop(st, 2000 + ev, now_ms());
        }
    }
    ihd_state_garbage(st, rx->garbage);
}

int main(int argc, char **argv)
{
    struct opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    bool import = strcmp(o.p1, "-") == 0;
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    static struct ihd_store store;
    ihd_store_open(&store, o.db);
    if (!store.ok)
        fprintf(stderr, "ihd: %s (the page goes on from memory)\n", store.error);
    static struct ihd_state st;
    ihd_state_init(&st, &o.cfg, &store, now_ms());
    snprintf(st.source, sizeof st.source, "%s", o.p1);

    struct ihd_http http = {0};
    if (!import) {
        char err[200];
        if (!ihd_http_start(&http, &st, o.port, o.web, o.uplot, err, sizeof err)) {
            fprintf(stderr, "ihd: %s\n", err);
            ihd_store_close(&store);
            return 1;
        }
        printf("ihd: page on http://127.0.0.1:%u/ reading %s, history in %s\n", http.port, o.p1,
               o.db);
        fflush(stdout);
    }

    static struct ihd_p1_rx rx;
    static struct ihd_han_rx hrx;
    ihd_p1_rx_init(&rx);
    ihd_han_rx_init(&hrx);
    int fd = -1;
    int64_t retry_at = 0, tick_at = 0;
    static uint8_t buf[65536];
    while (!stop_flag) {
        int64_t t = now_ms();
        if (fd < 0 && t >= retry_at) {
            char err[300];
            fd = ihd_input_open(o.p1, err, sizeof err);
            if (fd < 0) {
                if (import) {
                    fprintf(stderr, "ihd: %s\n", err);
                    break;
                }
                ihd_state_link(&st, false, err, t);
                retry_at = t + 1000;
            } else {
                /* the splitters are not reset: a telegram cut by the close is counted as cut */
                char msg[300];
                snprintf(msg, sizeof msg, "reading %s %s", o.han ? "HAN" : "P1", o.p1);
                ihd_state_link(&st, true, msg, t);
            }
        }
        if (t >= tick_at) {
            ihd_state_tick(&st, t);
            tick_at = t + 1000;
        }
        if (fd < 0) {
            struct timespec d = {0, 100 * 1000000L};
            nanosleep(&d, NULL);
            continue;
        }
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int pr = poll(&pf, 1, import ? -1 : 200);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            if (o.han)
                consume_han(&st, &hrx, buf, (size_t)n);
            else
                consume(&st, &rx, buf, (size_t)n);
            continue;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        /* the meter closed the channel (EOF, or EIO from a pty whose other side went) */
        char msg[300];
        snprintf(msg, sizeof msg, "%s closed (%s); trying again every second", o.p1,
                 n == 0 ? "end of stream" : strerror(errno));
        if (fd != 0)
            close(fd);
        fd = -1;
        if (import)
            break;
        ihd_state_link(&st, false, msg, now_ms());
        retry_at = now_ms() + 1000;
    }
    ihd_http_stop(&http);
    ihd_store_commit(&store);
    if (import) {
        printf("ihd: %llu telegrams stored, %llu dropped (crc %llu), database %lld bytes%s%s\n",
               (unsigned long long)st.n_ok,
               (unsigned long long)(st.n_crc + st.n_nocrc + st.n_frame + st.n_line + st.n_value +
                                    st.n_size + st.n_truncated + st.n_overflow),
               (unsigned long long)st.n_crc, (long long)ihd_store_bytes(&store),
               store.ok ? "" : ": ", store.ok ? "" : store.error);
    }
    if (fd > 0)
        close(fd);
    ihd_store_close(&store);
    ihd_state_destroy(&st);
    return 0;
}
