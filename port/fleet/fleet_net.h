/* SPDX-License-Identifier: Apache-2.0 */
/* fleet_net: the sockets of a fleet, one epoll loop for every meter (docs/fleet.md
 * "Addressing"). A byte mover, as tcp_server.h is for one meter: the meters' link sessions
 * (meterfw/link/link.h) own the framing, the associations, the time-outs and the close policy.
 *
 * Three ways in, each optional:
 *  - a port per meter: base_port + i carries meter i, IEC 62056-47 wrapper (as meterd --port);
 *  - one shared wrapper port: the connection's first WPDU names the meter by its destination
 *    wPort (IEC 62056-47 5.3.2: the wPort of a server addresses a logical device; here the
 *    address of meter i, FLEET_NET_ADDRESS_BASE + i); the meter answers from that wPort;
 *  - one shared HDLC port (IEC 62056-46 in TCP): the first frame (SNRM) names the meter by the
 *    lower HDLC address (the physical device address, IEC 62056-46 6.4.2.2: several physical
 *    devices on one multidrop line), the same number; the upper address is the logical device.
 * A connection stays with the meter its first frame named; a frame for another wPort is then
 * that meter's to answer (it answers from the wPort the request names).
 *
 * Silent meters (a fault of the fleet scenario): no connection reaches them; their open ones are
 * closed, their own port's new connections are closed at once. */
#ifndef FLEET_NET_H
#define FLEET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/link/link.h"

#define FLEET_NET_ADDRESS_BASE 16u    /* meter i: HDLC lower address and wPort 16 + i */
#define FLEET_NET_ADDRESS_MAX 0x3FFDu /* IEC 62056-46: lower addresses up to 0x3FFD */
#define FLEET_NET_IN_CHUNK 2048u
#define FLEET_NET_ROUTE_TIMEOUT_MS 10000 /* a shared-port connection that names no meter */

struct fleet_net_meter {
    struct mfw_link *link;
    bool silent;
    int listen_fd; /* its own port, -1 none */
    uint16_t port;
    int sess_fd[MFW_ASSOCIATIONS_MAX]; /* the connection of each link session, -1 none */
};

struct fleet_net_config {
    const char *host;   /* IPv4 address to bind, NULL: 127.0.0.1 */
    bool per_meter;     /* a port per meter from base_port */
    uint16_t base_port; /* 0: ephemeral ports */
    bool shared;        /* the shared wrapper port */
    uint16_t shared_port;
    bool hdlc; /* the shared HDLC port */
    uint16_t hdlc_port;
};

struct fleet_net_stats {
    uint64_t accepted, refused, routed, unrouted, closed, apdus;
};

struct fleet_conn;

struct fleet_net {
    struct fleet_net_config config;
    struct fleet_net_meter *meters;
    uint32_t n;
    int ep;
    int shared_fd, hdlc_fd;
    uint16_t shared_bound, hdlc_bound;
    struct fleet_conn **conn; /* by fd */
    int conn_cap;
    int *open; /* fds of the open connections */
    int n_open;
    int64_t last_sweep;
    struct fleet_net_stats stats;
};

/* Binds every listener for meters[0..n) (each with its link set). 0, or -1 with a message
 * (nothing left open). conn_cap: the highest descriptor + 1 the process may have. */
int fleet_net_open(struct fleet_net *net, const struct fleet_net_config *cfg,
                   struct fleet_net_meter *meters, uint32_t n, int conn_cap, char *err,
                   size_t errcap);
/* One step: waits up to timeout_ms for activity, serves it, applies the links' time-outs.
 * Returns the APDUs the links received, or -1 if epoll failed. */
int fleet_net_poll(struct fleet_net *net, int timeout_ms);
/* Meter i goes silent (its connections close) or answers again. */
void fleet_net_silence(struct fleet_net *net, uint32_t i, bool silent);
/* Every connection and listener closed. */
void fleet_net_close(struct fleet_net *net);

#endif /* FLEET_NET_H */
