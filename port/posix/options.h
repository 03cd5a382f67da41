/* SPDX-License-Identifier: Apache-2.0 */
/* options: meterd's command line, parsed and checked completely before anything is written. */
#ifndef METERD_OPTIONS_H
#define METERD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "meterfw/meter/meter.h"

enum meterd_fidelity {
    FIDELITY_AUTO = 0, /* sample in real time / --speed, fast with --until */
    FIDELITY_SAMPLE,   /* ADC sample sets through the full metrology */
    FIDELITY_FAST,     /* analytic per-block quantities (mfw_metrology_block) */
};

/* --module KIND=WHERE[,WHERE]: a communication module in the next free slot (1..), its bytes on a
 * pseudo-terminal and/or a TCP port of 127.0.0.1 (consumer.h). */
#define METERD_MODULES_MAX 3
enum meterd_module_kind { MODULE_P1 = 1, MODULE_HAN = 2, MODULE_WMBUS = 3 };
struct meterd_module_opt {
    enum meterd_module_kind kind;
    bool pty;          /* a pseudo-terminal (its path is printed) */
    bool tcp;          /* a TCP port: every client connected gets the bytes */
    uint16_t tcp_port; /* 0: any free port (printed) */
};

struct meterd_opts {
    enum mfw_meter_model model;
    double i_ref_a, i_max_a;
    char serial[17];
    const char *scenario; /* built-in name or file path */
    double speed;         /* real-time multiple, > 0 */
    bool has_speed, has_until, has_start;
    mfw_ms_t until_ms, start_ms;
    enum meterd_fidelity fidelity;
    uint32_t rate_hz;      /* 4000 or 8000 */
    const char *state_dir; /* NULL: ./meterd-state/<serial> */
    bool report_json;
    bool no_display;
    bool rtc_lost;         /* --rtc-lost: the RTC backup was flat at this start */
    bool new_meter;        /* --new-meter: erase a flash that holds no meter */
    bool no_dlms;          /* --no-dlms: no TCP server */
    uint32_t lp_days;      /* --lp-days: load profile depth in days (0 = the default 40) */
    uint16_t port;         /* --port: DLMS/COSEM TCP wrapper port (default 4059) */
    bool has_port;         /* --port given: failing to listen is then fatal */
    const char *keys_file; /* --keys: the keys file of a new meter (keyfile.h), NULL: none */
    const char *image_key; /* --image-key: the firmware signing key (PEM), NULL: no update */
    bool image_no_confirm; /* --image-no-confirm: a new image fails its self-test */
    uint16_t hdlc_port;    /* --hdlc-port: HDLC tunnelled in TCP */
    bool has_hdlc_port;
    const char *line;      /* --optical / --hdlc-line: "pty" or a serial device */
    bool line_optical;     /* --optical (IEC 62056-21 mode E first), else --hdlc-line */
    uint32_t line_baud;    /* --line-baud: the HDLC rate of the line (default 9600) */
    uint16_t hdlc_address; /* --hdlc-address: the lower HDLC address (0: from the serial) */
    const char *sensors;   /* --sensors: ideal, typical or a file; NULL = the scenario's */
    uint8_t f_nominal_hz;  /* --frequency: 50 or 60; 0 = from the scenario's frequency */
    bool breaker;          /* --breaker: the model with the integrated breaker (<= 85 A) */
    uint8_t load_relays;   /* --load-relays N: 0..2 load-control relays */
    const char *control;   /* --control FIFO: injected events (docs/scenario.md), NULL: none */
    struct meterd_module_opt modules[METERD_MODULES_MAX]; /* --module, in slots 1.. */
    unsigned n_modules;
    uint32_t p1_period_s;    /* --p1-period: seconds between P1 telegrams (default 1) */
    uint32_t han_period_s;   /* --han-period: seconds between HAN list 1 pushes (default 2) */
    bool han_cipher;         /* --han-cipher: HAN pushes ciphered with the consumer key */
    uint32_t wmbus_period_s; /* --wmbus-period: seconds between wireless M-Bus telegrams (60) */
    bool consumer_off;       /* --consumer-off: the consumer modules are fitted but send nothing */
    const char *push_dest; /* --push: the head-end "a.b.c.d:port" of the IDIS pushes, NULL: none */
    uint32_t push_interval_s; /* --push-interval: the push on interval's period (default 900) */
    bool push_cipher;         /* --push-cipher: pushes ciphered with the management keys */
};

enum { OPTS_OK = 0, OPTS_HELP = 1, OPTS_ERROR = -1 };

/* Fills o from argv. On OPTS_ERROR, err holds a one-line message naming the problem. */
int meterd_parse_options(int argc, char **argv, struct meterd_opts *o, char *err, size_t errcap);
/* The --help text. */
void meterd_print_usage(FILE *f);

#endif /* METERD_OPTIONS_H */
