/* SPDX-License-Identifier: Apache-2.0 */
/* hdlc_client: the client (primary station) side of IEC 62056-46 HDLC for meterctl, over a TCP
 * connection (HDLC tunnelled in TCP), a serial device or a pseudo-terminal, optionally opened by
 * IEC 62056-21 mode E. Host code (file descriptors, heap). The frames are the core's
 * (meterfw/link/hdlc.h: the byte-fed receiver, the encoder, the SNRM/UA parameters); the
 * procedure is the client's own, small: SNRM -> UA; each request as I-frames of the negotiated
 * length with the LLC header E6 E6 00, up to the meter's window then a poll; the answer's
 * I-frames collected and every burst that ends with S set polled on with RR; DISC at the end. */
#ifndef METERCTL_HDLC_CLIENT_H
#define METERCTL_HDLC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/link/hdlc.h"

struct hdlc_client_config {
    uint8_t client;                 /* the client address byte: SAP << 1 | 1 */
    struct mfw_hdlc_address server; /* upper (logical device) and lower (physical) */
    struct mfw_hdlc_params propose; /* what the SNRM proposes, from the client's side */
    int timeout_ms;                 /* for each answer */
    bool trace;                     /* every frame in hex on stderr */
};

struct hdlc_client {
    int fd;
    bool socket;
    struct hdlc_client_config config;
    uint8_t srv[4];
    size_t srv_len;
    struct mfw_hdlc_params link; /* negotiated, from the client's side */
    uint8_t vs, vr;
    bool connected;
    struct mfw_hdlc_rx rx;
    uint8_t info[MFW_HDLC_LENGTH_MAX];
    uint8_t in[4096];
    size_t in_len, in_off;
    uint8_t *apdu; /* the reassembled answer */
    size_t apdu_cap;
    uint64_t bytes_tx, bytes_rx;
    uint32_t frames_tx, frames_rx, polls;
    char err[256];
};

/* Over fd (a connected socket when socket, else a serial line in raw mode). */
int hdlc_client_init(struct hdlc_client *c, int fd, bool socket,
                     const struct hdlc_client_config *cfg);
/* SNRM -> UA: the negotiated sizes in c->link. MFW_OK or an error with c->err. */
int hdlc_client_connect(struct hdlc_client *c);
/* One APDU out, its answer in *resp (valid until the next call). */
int hdlc_client_exchange(struct hdlc_client *c, const uint8_t *req, size_t len,
                         const uint8_t **resp, size_t *resp_len);
/* DISC -> UA (or DM). */
int hdlc_client_disconnect(struct hdlc_client *c);
void hdlc_client_free(struct hdlc_client *c);

/* Opens a serial device raw at baud, 8N1 (or 7E1 at 300 Bd with mode_e, then the IEC 62056-21
 * opening: sign-on, identification, ACK 2 Z 2, the switch to Z's rate at 8N1; *ident receives
 * the identification line). The fd, or -1 with err. */
int hdlc_client_open_serial(const char *device, uint32_t baud, bool mode_e, char *ident,
                            size_t ident_cap, int timeout_ms, char *err, size_t errcap);

#endif /* METERCTL_HDLC_CLIENT_H */
