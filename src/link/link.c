/* SPDX-License-Identifier: Apache-2.0 */
/* link: sessions that frame a byte stream, serve it through the DLMS server and close by policy
 * (see include/meterfw/link/link.h and docs/link.md). */
#include "meterfw/link/link.h"

#include <string.h>

#include "meterfw/base/cursor.h"
#include "meterfw/base/error.h"

void mfw_link_default_config(struct mfw_link_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->associate_timeout_ms = MFW_LINK_ASSOCIATE_TIMEOUT_MS;
    cfg->frame_timeout_ms = MFW_LINK_FRAME_TIMEOUT_MS;
    cfg->evict = MFW_LINK_EVICT != 0;
    cfg->evict_grace_ms = MFW_LINK_EVICT_GRACE_MS;
}

int mfw_link_init(struct mfw_link *l, struct mfw_dlms_server *dlms,
                  const struct mfw_link_config *cfg)
{
    if (l == NULL || dlms == NULL || cfg == NULL || dlms->max_pdu == 0 ||
        dlms->max_pdu > MFW_LINK_RX_APDU_MAX)
        return MFW_E_ARG;
    memset(l, 0, sizeof *l);
    l->dlms = dlms;
    l->config = *cfg;
    return MFW_OK;
}

/* ---- per kind -------------------------------------------------------------------------------- */

static bool is_hdlc(uint8_t kind)
{
    return kind == MFW_LINK_HDLC || kind == MFW_LINK_HDLC_LINE || kind == MFW_LINK_OPTICAL;
}

static const struct mfw_port_setup *ports(const struct mfw_link *l)
{
    return &l->dlms->cosem->env.ports;
}

/* The inactivity time-out of the kind, in ms; 0 = none. The wrapper's is the TCP-UDP setup
 * object's inactivity_time_out (IC 41 attribute 6, seconds, 0 = not operational): "if no frame is
 * received from the client" for that long, the connection is aborted. HDLC's is the IEC HDLC
 * setup object's (IC 23 attribute 8): no valid frame for that long and the link goes back to the
 * disconnected mode, its association released (IEC 62056-46 [M]): the session closes. */
static mfw_ms_t inactivity_ms(const struct mfw_link *l, const struct mfw_link_session *s)
{
    if (s->kind == MFW_LINK_WRAPPER)
        return (mfw_ms_t)l->dlms->cosem->env.inactivity_s * MFW_MS_PER_S;
    if (is_hdlc(s->kind))
        return (mfw_ms_t)ports(l)->hdlc.inactivity_s * MFW_MS_PER_S;
    return 0;
}

/* A partial frame, for the frame time-out. Only on TCP: on a serial line the frame's own
 * inter-octet time-out drops a partial frame without closing anything (hdlc.h). */
static bool in_frame(const struct mfw_link_session *s)
{
    if (s->kind == MFW_LINK_WRAPPER)
        return mfw_wrapper_in_frame(&s->framing.wrapper);
    if (s->kind == MFW_LINK_HDLC)
        return mfw_hdlc_in_frame(&s->framing.hdlc.u.station);
    return false;
}

/* The HDLC station of a session at line rate baud (0: TCP), from the IEC HDLC setup object. */
static void hdlc_start(struct mfw_link *l, struct mfw_link_session *s, uint32_t baud)
{
    const struct mfw_port_setup_hdlc *p = &ports(l)->hdlc;
    struct mfw_hdlc_config c;
    mfw_hdlc_default_config(&c);
    c.logical = MFW_WRAPPER_WPORT_MANAGEMENT_LD; /* the one logical device this server has */
    c.physical = p->device_address;
    c.max_info_tx = p->max_info_tx;
    c.max_info_rx = p->max_info_rx;
    c.window_tx = p->window_tx;
    c.window_rx = p->window_rx;
    if (baud > 0) {
        /* inter_octet_time_out (IC 23 attribute 7), but never below three character times at
         * the line's rate: 25 ms is less than one character at 300 Bd (10 bits: 33.3 ms) */
        uint32_t chars = 3u * 10u * 1000u / baud + 1u;
        c.inter_octet_ms = p->inter_octet_ms > chars ? p->inter_octet_ms : chars;
    }
    (void)mfw_hdlc_init(&s->framing.hdlc.u.station, &c, s->rx, sizeof s->rx);
    s->baud = baud;
}

/* The optical port's IEC 62056-21 machine, from the IEC local port setup object. */
static void optical_start(struct mfw_link *l, struct mfw_link_session *s)
{
    const struct mfw_port_setup_local *p = &ports(l)->local;
    struct mfw_iec62056_21_config c;
    mfw_iec62056_21_default_config(&c);
    memcpy(c.flag, p->flag, sizeof c.flag);
    memcpy(c.ident, p->ident, sizeof c.ident);
    memcpy(c.address, p->device_address, sizeof c.address);
    c.prop_baud = p->prop_baud;
    c.reaction_ms = p->response_time == 0 ? 20u : 200u; /* IC 19 attribute 5 */
    (void)mfw_iec62056_21_init(&s->framing.hdlc.u.iec, &c);
    s->framing.hdlc.in_hdlc = false;
    s->framing.hdlc.in_readout = false;
    s->baud = mfw_port_setup_baud(p->default_baud);
}

uint32_t mfw_link_line_baud(const struct mfw_link *l, enum mfw_link_kind kind)
{
    if (l == NULL)
        return 0;
    if (kind == MFW_LINK_HDLC_LINE)
        return mfw_port_setup_baud(ports(l)->hdlc.comm_speed);
    if (kind == MFW_LINK_OPTICAL)
        return mfw_port_setup_baud(ports(l)->local.default_baud);
    return 0;
}

/* ---- the policy ------------------------------------------------------------------------------ */

/* The link decides to close session id: it takes no more bytes, and its association goes now,
 * not when the port gets round to closing the transport. */
static void closing(struct mfw_link *l, unsigned id, enum mfw_link_close_reason why)
{
    struct mfw_link_session *s = &l->sessions[id];
    s->state = MFW_LINK_CLOSING;
    s->reason = (uint8_t)why;
    s->associated = false;
    mfw_dlms_server_close(l->dlms, id);
    l->stats.closed[why]++;
}

/* The time-outs of an open session at now; true if it closed. A reply not yet sent is dropped: a
 * client that does not read would otherwise keep the slot. */
static bool expire(struct mfw_link *l, unsigned id, mfw_ms_t now)
{
    struct mfw_link_session *s = &l->sessions[id];
    if (s->state != MFW_LINK_OPEN)
        return false;
    const struct mfw_link_config *c = &l->config;
    mfw_ms_t idle = inactivity_ms(l, s);
    enum mfw_link_close_reason why = MFW_LINK_CLOSE_NONE;
    if (idle > 0 && now - s->last_rx >= idle)
        why = MFW_LINK_CLOSE_INACTIVITY;
    else if (c->frame_timeout_ms > 0 && in_frame(s) &&
             now - s->frame_at >= (mfw_ms_t)c->frame_timeout_ms)
        why = MFW_LINK_CLOSE_FRAME_TIMEOUT;
    else if (c->associate_timeout_ms > 0 && !s->associated &&
             now - s->unassociated_at >= (mfw_ms_t)c->associate_timeout_ms)
        why = MFW_LINK_CLOSE_NOT_ASSOCIATED;
    if (why == MFW_LINK_CLOSE_NONE)
        return false;
    s->tx_len = s->tx_off = 0;
    s->tx_held = false;
    closing(l, id, why);
    return true;
}

/* A reply held back for its time (the reaction time of IEC 62056-21) goes out at now. */
static void release(struct mfw_link_session *s, mfw_ms_t now)
{
    if (s->tx_held && now >= s->tx_at)
        s->tx_held = false;
}

/* The association of session id after an APDU: the DLMS server's (AARQ accepted, RLRQ). */
static void follow_association(struct mfw_link *l, unsigned id, mfw_ms_t now)
{
    struct mfw_link_session *s = &l->sessions[id];
    bool was = s->associated;
    s->associated = l->dlms->a[id].associated;
    if (was && !s->associated)
        s->unassociated_at = now;
}

/* ---- the application ------------------------------------------------------------------------- */

/* One whole APDU of session id from client SAP sap, for every kind: the DLMS server answers it
 * in tx behind the headroom (no copy). The reply's length (0: none), or -1 when the session
 * closed. The one place the link hands an APDU up: whatever the application layer does with it
 * (associations, ciphering) is the same over every framing. */
static long serve(struct mfw_link *l, unsigned id, uint8_t sap, const uint8_t *apdu, size_t len,
                  mfw_ms_t now)
{
    struct mfw_link_session *s = &l->sessions[id];
    uint8_t *reply = s->tx + MFW_LINK_TX_HEADROOM;
    size_t n = mfw_dlms_server_apdu(l->dlms, id, sap, apdu, len, reply, MFW_LINK_TX_APDU_MAX);
    follow_association(l, id, now);
    if (n > MFW_LINK_TX_APDU_MAX) { /* not the server's contract: never send past the buffer */
        closing(l, id, MFW_LINK_CLOSE_REPLY);
        return -1;
    }
    if (n > 0)
        l->stats.apdus_out++;
    return (long)n;
}

/* ---- the wrapper ----------------------------------------------------------------------------- */

/* One complete WPDU: its APDU to the DLMS server, the reply framed in tx. true when the session
 * stops taking bytes (a reply waits, or it closed). */
static bool wrapper_apdu(struct mfw_link *l, unsigned id, const struct mfw_wrapper_frame *f,
                         mfw_ms_t now)
{
    struct mfw_link_session *s = &l->sessions[id];
    l->stats.apdus_in++;
    /* IEC 62056-47: a client's wPort is its client SAP, and SAPs are one byte (as the HDLC
     * addresses). A larger wPort names no client of ours: no association, no answer. */
    if (f->src_wport > 0xFFu)
        return false;
    long r = serve(l, id, (uint8_t)f->src_wport, f->apdu, f->len, now);
    if (r <= 0)
        return r < 0;
    size_t n = (size_t)r;
    /* IEC 62056-47 5.3.2: the reply goes from the addressed wPort back to the client's: the
     * request's wPorts swapped. The header goes right in front of the reply, no copy. */
    size_t start = MFW_LINK_TX_HEADROOM - MFW_WRAPPER_HEADER_LEN;
    struct mfw_wcursor c;
    mfw_wcursor_init(&c, s->tx + start, MFW_WRAPPER_HEADER_LEN);
    (void)mfw_wrapper_encode_header(f->dst_wport, f->src_wport, n, &c);
    s->tx_frame = s->tx;
    s->tx_off = start;
    s->tx_len = MFW_LINK_TX_HEADROOM + n;
    return true;
}

static size_t wrapper_feed(struct mfw_link *l, unsigned id, const uint8_t *bytes, size_t len,
                           mfw_ms_t now)
{
    struct mfw_link_session *s = &l->sessions[id];
    struct mfw_wrapper *w = &s->framing.wrapper;
    size_t i = 0;
    while (i < len) {
        if (!mfw_wrapper_in_frame(w))
            s->frame_at = now; /* this byte begins a frame */
        size_t used = 0;
        struct mfw_wrapper_frame f;
        int r = mfw_wrapper_feed(w, bytes + i, len - i, &used, &f);
        i += used;
        if (r < 0) {
            /* A version other than 0x0001: the Green Book (TCP-UDP profile) closes the
             * connection. A length above the server-max-receive-pdu-size: the client broke the
             * negotiated size, and after a refused header there is no frame boundary left. */
            closing(l, id, r == MFW_E_NOSPACE ? MFW_LINK_CLOSE_OVERSIZE : MFW_LINK_CLOSE_VERSION);
            break;
        }
        if (r == 0)
            break;
        s->last_rx = now; /* a complete frame: activity (a zero-length one never gets here) */
        s->framed = true;
        if (wrapper_apdu(l, id, &f, now))
            break;
    }
    return i;
}

/* ---- HDLC ------------------------------------------------------------------------------------ */

/* The station's next frame into the session's output; true if there is one. */
static bool hdlc_pull(struct mfw_link_session *s)
{
    const uint8_t *frame = NULL;
    size_t n = mfw_hdlc_output(&s->framing.hdlc.u.station, &frame);
    if (n == 0)
        return false;
    s->tx_frame = frame;
    s->tx_off = 0;
    s->tx_len = n;
    return true;
}

static size_t hdlc_feed(struct mfw_link *l, unsigned id, const uint8_t *bytes, size_t len,
                        mfw_ms_t now)
{
    struct mfw_link_session *s = &l->sessions[id];
    struct mfw_hdlc *h = &s->framing.hdlc.u.station;
    size_t i = 0;
    while (i < len) {
        if (!mfw_hdlc_in_frame(h))
            s->frame_at = now; /* these bytes may begin a frame */
        size_t used = 0;
        struct mfw_hdlc_event ev;
        int r = mfw_hdlc_feed(h, bytes + i, len - i, now, &used, &ev);
        i += used;
        if (r != 1)
            break;
        s->last_rx = now; /* a valid frame for this station is activity, a poll as much as an I */
        s->framed = true;
        switch (ev.kind) {
        case MFW_HDLC_EV_CONNECT:
            /* SNRM: a new link; an association of the old one does not survive it */
            mfw_dlms_server_close(l->dlms, id);
            follow_association(l, id, now);
            break;
        case MFW_HDLC_EV_DISCONNECT:
            /* DISC: the UA confirms it, then the session closes (on a line the port starts the
             * next session, in mode E on the optical port, with the next byte) */
            mfw_dlms_server_close(l->dlms, id);
            follow_association(l, id, now);
            (void)hdlc_pull(s);
            closing(l, id, MFW_LINK_CLOSE_DISCONNECT);
            return i;
        case MFW_HDLC_EV_OVERSIZE: closing(l, id, MFW_LINK_CLOSE_OVERSIZE); return i;
        case MFW_HDLC_EV_APDU: {
            /* an APDU longer than the server-max-receive-pdu-size the AARE announces: as for the
             * wrapper, the client broke the negotiated size */
            if (ev.len > l->dlms->max_pdu) {
                closing(l, id, MFW_LINK_CLOSE_OVERSIZE);
                return i;
            }
            l->stats.apdus_in++;
            long n = serve(l, id, ev.client_sap, ev.apdu, ev.len, now);
            if (n < 0)
                return i;
            mfw_hdlc_reply(h, s->tx + MFW_LINK_TX_HEADROOM, (size_t)n);
            break;
        }
        default: break;
        }
        if (hdlc_pull(s))
            break; /* a frame to send: the rest waits until it is sent */
    }
    return i;
}

static size_t optical_feed(struct mfw_link *l, unsigned id, const uint8_t *bytes, size_t len,
                           mfw_ms_t now)
{
    struct mfw_link_session *s = &l->sessions[id];
    size_t i = 0;
    while (i < len && !s->framing.hdlc.in_hdlc) {
        size_t used = 0;
        struct mfw_iec62056_21_event ev;
        int r = mfw_iec62056_21_feed(&s->framing.hdlc.u.iec, bytes + i, len - i, now, &used, &ev);
        i += used;
        if (r != 1)
            break;
        s->last_rx = now; /* a whole message */
        s->framed = true;
        if (ev.kind == MFW_IEC62056_21_EV_SEND) {
            /* the identification, after the reaction time (IEC 62056-21 6.3.14 [M]); a new
             * request ends a readout in progress */
            s->framing.hdlc.in_readout = false;
            s->tx_frame = ev.msg;
            s->tx_off = 0;
            s->tx_len = ev.len;
            s->tx_at = ev.at;
            s->tx_held = ev.at > now;
            return i;
        }
        if (ev.kind == MFW_IEC62056_21_EV_SWITCH) {
            /* mode E: HDLC at the agreed rate, in NDM, from the next byte on */
            hdlc_start(l, s, ev.baud);
            s->framing.hdlc.in_hdlc = true;
        }
        if (ev.kind == MFW_IEC62056_21_EV_READOUT &&
            mfw_iec62056_21_readout_begin(&s->framing.hdlc.readout, l->dlms->cosem->meter) ==
                MFW_OK) {
            /* mode C: the data message at the agreed rate, after the reaction time (IEC 62056-21
             * 6.4.3 [M]); in pieces as the line takes them (mfw_link_sent) */
            s->framing.hdlc.in_readout = true;
            s->baud = ev.baud;
            /* the values at the meter's time (the link's time is the line's) */
            s->tx_len =
                mfw_iec62056_21_readout_next(&s->framing.hdlc.readout, l->dlms->cosem->meter,
                                             l->dlms->cosem->meter->now, s->tx, sizeof s->tx);
            s->tx_frame = s->tx;
            s->tx_off = 0;
            s->tx_at = now + (mfw_ms_t)s->framing.hdlc.u.iec.config.reaction_ms;
            s->tx_held = true;
            return i;
        }
        /* a programming request: not served, the machine listens again */
    }
    if (i < len && s->framing.hdlc.in_hdlc)
        i += hdlc_feed(l, id, bytes + i, len - i, now);
    return i;
}

/* ---- sessions -------------------------------------------------------------------------------- */

/* The session to evict at now, or -1: a non-associated open one, open for the grace time at
 * least; those that never completed a frame first (they have shown nothing of a protocol), then
 * the oldest last_rx, then the lowest id. */
static int victim(const struct mfw_link *l, mfw_ms_t now)
{
    int v = -1;
    if (l->evictions > 0 && now - l->last_evict_at < (mfw_ms_t)l->config.evict_grace_ms)
        return -1; /* at most one eviction per grace time */
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++) {
        const struct mfw_link_session *s = &l->sessions[i];
        if (s->state != MFW_LINK_OPEN || s->associated ||
            now - s->opened_at < (mfw_ms_t)l->config.evict_grace_ms)
            continue;
        const struct mfw_link_session *b = v < 0 ? NULL : &l->sessions[v];
        if (b == NULL || (b->framed && !s->framed) ||
            (b->framed == s->framed && s->last_rx < b->last_rx))
            v = (int)i;
    }
    return v;
}

bool mfw_link_can_open(const struct mfw_link *l, mfw_ms_t now, mfw_ms_t *when)
{
    if (when != NULL)
        *when = -1;
    if (l == NULL)
        return false;
    bool have = false;
    mfw_ms_t t = 0;
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++) {
        const struct mfw_link_session *s = &l->sessions[i];
        if (s->state == MFW_LINK_FREE)
            return true;
        if (!l->config.evict || s->state != MFW_LINK_OPEN || s->associated)
            continue;
        mfw_ms_t at = s->opened_at + (mfw_ms_t)l->config.evict_grace_ms;
        if (!have || at < t)
            t = at;
        have = true;
    }
    if (!have)
        return false;
    if (l->evictions > 0 && l->last_evict_at + (mfw_ms_t)l->config.evict_grace_ms > t)
        t = l->last_evict_at + (mfw_ms_t)l->config.evict_grace_ms;
    if (t <= now)
        return true;
    if (when != NULL)
        *when = t;
    return false;
}

int mfw_link_open(struct mfw_link *l, enum mfw_link_kind kind, mfw_ms_t now, int *evicted)
{
    if (evicted != NULL)
        *evicted = -1;
    if (l == NULL || kind < MFW_LINK_WRAPPER || kind > MFW_LINK_OPTICAL)
        return MFW_E_ARG;
    unsigned id = 0;
    while (id < MFW_ASSOCIATIONS_MAX && l->sessions[id].state != MFW_LINK_FREE)
        id++;
    if (id == MFW_ASSOCIATIONS_MAX) {
        int v = l->config.evict && evicted != NULL ? victim(l, now) : -1;
        if (v < 0) {
            l->stats.refused++;
            return MFW_E_NOSPACE;
        }
        id = (unsigned)v;
        l->stats.closed[MFW_LINK_CLOSE_EVICTED]++;
        l->evictions++;
        l->last_evict_at = now;
        *evicted = v;
    }
    struct mfw_link_session *s = &l->sessions[id];
    s->state = MFW_LINK_OPEN;
    s->kind = (uint8_t)kind;
    s->reason = MFW_LINK_CLOSE_NONE;
    s->associated = false;
    s->framed = false;
    s->opened_at = s->last_rx = s->frame_at = s->unassociated_at = now;
    s->tx_len = s->tx_off = 0;
    s->tx_held = false;
    s->baud = 0;
    memset(&s->framing, 0, sizeof s->framing);
    if (kind == MFW_LINK_WRAPPER) /* an APDU is bounded by the size the AARE announces */
        (void)mfw_wrapper_init(&s->framing.wrapper, s->rx, l->dlms->max_pdu);
    else if (kind == MFW_LINK_OPTICAL)
        optical_start(l, s);
    else
        hdlc_start(l, s, kind == MFW_LINK_HDLC_LINE ? mfw_link_line_baud(l, kind) : 0);
    mfw_dlms_server_close(l->dlms, id); /* a new session never inherits an association */
    l->stats.opened++;
    return (int)id;
}

void mfw_link_output(const struct mfw_link *l, unsigned id, struct mfw_link_out *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof *out);
    if (l == NULL || id >= MFW_ASSOCIATIONS_MAX || l->sessions[id].state == MFW_LINK_FREE) {
        out->close = true;
        out->reason = MFW_LINK_CLOSE_NOT_OPEN;
        return;
    }
    const struct mfw_link_session *s = &l->sessions[id];
    if (s->tx_off < s->tx_len && !s->tx_held) {
        out->tx = s->tx_frame + s->tx_off;
        out->tx_len = s->tx_len - s->tx_off;
    }
    out->baud = s->baud;
    if (s->state == MFW_LINK_CLOSING) {
        out->close = true;
        out->reason = s->reason;
    }
}

size_t mfw_link_feed(struct mfw_link *l, unsigned id, const uint8_t *bytes, size_t len,
                     mfw_ms_t now, struct mfw_link_out *out)
{
    size_t used = 0;
    if (l != NULL && id < MFW_ASSOCIATIONS_MAX && (bytes != NULL || len == 0)) {
        struct mfw_link_session *s = &l->sessions[id];
        /* one reply at a time: the next request waits until this one is sent */
        if (!expire(l, id, now) && s->state != MFW_LINK_FREE)
            release(s, now);
        if (s->state == MFW_LINK_OPEN && s->tx_len == 0 && len > 0) {
            if (s->kind == MFW_LINK_WRAPPER)
                used = wrapper_feed(l, id, bytes, len, now);
            else if (s->kind == MFW_LINK_OPTICAL)
                used = optical_feed(l, id, bytes, len, now);
            else
                used = hdlc_feed(l, id, bytes, len, now);
        }
    }
    mfw_link_output(l, id, out);
    return used;
}

int mfw_link_sent(struct mfw_link *l, unsigned id, size_t n)
{
    if (l == NULL || id >= MFW_ASSOCIATIONS_MAX || l->sessions[id].state == MFW_LINK_FREE)
        return MFW_E_ARG;
    struct mfw_link_session *s = &l->sessions[id];
    if (n > s->tx_len - s->tx_off || (s->tx_held && n > 0))
        return MFW_E_ARG;
    s->tx_off += n;
    if (s->tx_off == s->tx_len && s->kind == MFW_LINK_OPTICAL && s->framing.hdlc.in_readout) {
        /* the next piece of the mode C readout; after the last, the initial rate again */
        s->tx_off = 0;
        s->tx_len = mfw_iec62056_21_readout_next(&s->framing.hdlc.readout, l->dlms->cosem->meter,
                                                 l->dlms->cosem->meter->now, s->tx, sizeof s->tx);
        if (s->tx_len == 0) {
            s->framing.hdlc.in_readout = false;
            s->baud = mfw_port_setup_baud(ports(l)->local.default_baud);
        }
        return MFW_OK;
    }
    if (s->tx_off == s->tx_len) {
        s->tx_off = s->tx_len = 0;
        /* HDLC: the next frame of a window follows at once (a closing session sends no more) */
        if (is_hdlc(s->kind) && s->state == MFW_LINK_OPEN &&
            (s->kind != MFW_LINK_OPTICAL || s->framing.hdlc.in_hdlc))
            (void)hdlc_pull(s);
    }
    return MFW_OK;
}

unsigned mfw_link_poll(struct mfw_link *l, mfw_ms_t now)
{
    unsigned n = 0;
    if (l == NULL)
        return 0;
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++) {
        n += expire(l, i, now);
        if (l->sessions[i].state != MFW_LINK_FREE)
            release(&l->sessions[i], now);
    }
    return n;
}

static void earliest(mfw_ms_t t, bool *have, mfw_ms_t *at)
{
    if (!*have || t < *at)
        *at = t;
    *have = true;
}

bool mfw_link_next_deadline(const struct mfw_link *l, mfw_ms_t *at)
{
    bool have = false;
    if (l == NULL || at == NULL)
        return false;
    const struct mfw_link_config *c = &l->config;
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++) {
        const struct mfw_link_session *s = &l->sessions[i];
        if (s->state != MFW_LINK_OPEN)
            continue;
        mfw_ms_t idle = inactivity_ms(l, s);
        if (idle > 0)
            earliest(s->last_rx + idle, &have, at);
        if (c->frame_timeout_ms > 0 && in_frame(s))
            earliest(s->frame_at + (mfw_ms_t)c->frame_timeout_ms, &have, at);
        if (c->associate_timeout_ms > 0 && !s->associated)
            earliest(s->unassociated_at + (mfw_ms_t)c->associate_timeout_ms, &have, at);
        if (s->tx_held)
            earliest(s->tx_at, &have, at);
    }
    return have;
}

void mfw_link_close(struct mfw_link *l, unsigned id)
{
    if (l == NULL || id >= MFW_ASSOCIATIONS_MAX)
        return;
    struct mfw_link_session *s = &l->sessions[id];
    if (s->state == MFW_LINK_FREE)
        return;
    if (s->state == MFW_LINK_OPEN)
        l->stats.closed[MFW_LINK_CLOSE_TRANSPORT]++;
    mfw_dlms_server_close(l->dlms, id); /* the peer is gone: so is its association */
    s->state = MFW_LINK_FREE;
    s->reason = MFW_LINK_CLOSE_NONE;
    s->associated = false;
    s->tx_len = s->tx_off = 0;
    s->tx_held = false;
}

unsigned mfw_link_count(const struct mfw_link *l)
{
    unsigned n = 0;
    for (unsigned i = 0; l != NULL && i < MFW_ASSOCIATIONS_MAX; i++)
        n += l->sessions[i].state != MFW_LINK_FREE;
    return n;
}
