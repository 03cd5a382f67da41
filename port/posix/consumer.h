/* SPDX-License-Identifier: Apache-2.0 */
/* consumer: meterd's module ends: a module of the core (meterfw/link/module.h) fitted in a slot,
 * and where its bytes go: a pseudo-terminal (as the P1 or HAN port's RJ12/RJ45 would carry them)
 * and/or a TCP port of 127.0.0.1 where every client connected gets every byte. A byte mover: the
 * module decides what and when (the P1 telegram every period, the HAN lists); what comes back from
 * a client or the pty is handed to the module, which refuses it (an output-only channel).
 * A client that cannot keep up (its socket full) is dropped; a pty nobody reads drops telegrams
 * once its buffer is full, as a P1 port without a reader does. */
#ifndef METERD_CONSUMER_H
#define METERD_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/link/module.h"

#define CONSUMER_CLIENTS 4
#define CONSUMER_BUF 8192

struct consumer_end {
    int listen_fd; /* -1: none */
    uint16_t port;
    int clients[CONSUMER_CLIENTS]; /* -1: free */
    int pty_fd, pty_slave;         /* -1: none */
    char pty_path[128];
    uint64_t dropped; /* writes dropped: a full pty, a client too slow */
};

struct consumer {
    unsigned slot;
    struct consumer_end end;
    uint8_t buf[CONSUMER_BUF];
};

/* Opens the ends (pty: a pseudo-terminal in raw mode; tcp: a listener on port, 0 = any). 0, or
 * -1 with the reason in err (nothing left open). */
int consumer_open(struct consumer *c, unsigned slot, bool pty, bool tcp, uint16_t port, char *err,
                  size_t errcap);
/* One step: accepts clients, hands what they sent to the module, and sends what the module has
 * due at now (meter time). */
void consumer_poll(struct consumer *c, struct mfw_modules *ms, int64_t now);
void consumer_close(struct consumer *c);
/* One message to host:port (IPv4): connect (at most 2 s), send all of it, close. true if sent. */
bool consumer_send_once(const char *host, uint16_t port, const uint8_t *p, size_t n);

#endif /* METERD_CONSUMER_H */
