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

/* The inactivity time-out of the kind, in ms; 0 = none. The wrapper's is the TCP-UDP setup
 * object's inactivity_time_out (IC 41 attribute 6, seconds, 0 = not operational): "if no frame is
 * received from the client" for that long, the connection is aborted. */
static mfw_ms_t inactivity_ms(const struct mfw_link *l, const struct mfw_link_session *s)
{
    if (s->kind == MFW_LINK_WRAPPER)
        return (mfw_ms_t)l->dlms->cosem->env.inactivity_s * MFW_MS_PER_S;
    return 0;
}

static bool in_frame(const struct mfw_link_session *s)
{
    if (s->kind == MFW_LINK_WRAPPER)
        return mfw_wrapper_in_frame(&s->framing.wrapper);
    return false;
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
    closing(l, id, why);
    return true;
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
    uint8_t *reply = s->tx + MFW_LINK_TX_HEADROOM;
    size_t n = mfw_dlms_server_apdu(l->dlms, id, (uint8_t)f->src_wport, f->apdu, f->len, reply,
                                    MFW_LINK_TX_APDU_MAX);
    follow_association(l, id, now);
    if (n == 0)
        return false;
    if (n > MFW_LINK_TX_APDU_MAX) { /* not the server's contract: never send past the buffer */
        closing(l, id, MFW_LINK_CLOSE_REPLY);
        return true;
    }
    /* IEC 62056-47 5.3.2: the reply goes from the addressed wPort back to the client's: the
     * request's wPorts swapped. The header goes right in front of the reply, no copy. */
    size_t start = MFW_LINK_TX_HEADROOM - MFW_WRAPPER_HEADER_LEN;
    struct mfw_wcursor c;
    mfw_wcursor_init(&c, s->tx + start, MFW_WRAPPER_HEADER_LEN);
    (void)mfw_wrapper_encode_header(f->dst_wport, f->src_wport, n, &c);
    s->tx_off = start;
    s->tx_len = MFW_LINK_TX_HEADROOM + n;
    l->stats.apdus_out++;
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
        if (wrapper_apdu(l, id, &f, now))
            break;
    }
    return i;
}

/* ---- sessions -------------------------------------------------------------------------------- */

/* The non-associated open session idle longest (oldest last_rx, then the lowest id), or -1. */
static int victim(const struct mfw_link *l)
{
    int v = -1;
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++) {
        const struct mfw_link_session *s = &l->sessions[i];
        if (s->state == MFW_LINK_OPEN && !s->associated &&
            (v < 0 || s->last_rx < l->sessions[v].last_rx))
            v = (int)i;
    }
    return v;
}

int mfw_link_open(struct mfw_link *l, enum mfw_link_kind kind, mfw_ms_t now, int *evicted)
{
    if (evicted != NULL)
        *evicted = -1;
    if (l == NULL || kind != MFW_LINK_WRAPPER)
        return MFW_E_ARG;
    unsigned id = 0;
    while (id < MFW_ASSOCIATIONS_MAX && l->sessions[id].state != MFW_LINK_FREE)
        id++;
    if (id == MFW_ASSOCIATIONS_MAX) {
        int v = l->config.evict && evicted != NULL ? victim(l) : -1;
        if (v < 0) {
            l->stats.refused++;
            return MFW_E_NOSPACE;
        }
        id = (unsigned)v;
        l->stats.closed[MFW_LINK_CLOSE_EVICTED]++;
        *evicted = v;
    }
    struct mfw_link_session *s = &l->sessions[id];
    s->state = MFW_LINK_OPEN;
    s->kind = (uint8_t)kind;
    s->reason = MFW_LINK_CLOSE_NONE;
    s->associated = false;
    s->opened_at = s->last_rx = s->frame_at = s->unassociated_at = now;
    s->tx_len = s->tx_off = 0;
    /* A received APDU is bounded by the server-max-receive-pdu-size the AARE announces. */
    (void)mfw_wrapper_init(&s->framing.wrapper, s->rx, l->dlms->max_pdu);
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
    if (s->tx_off < s->tx_len) {
        out->tx = s->tx + s->tx_off;
        out->tx_len = s->tx_len - s->tx_off;
    }
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
        if (!expire(l, id, now) && s->state == MFW_LINK_OPEN && s->tx_len == 0 && len > 0)
            used = wrapper_feed(l, id, bytes, len, now);
    }
    mfw_link_output(l, id, out);
    return used;
}

int mfw_link_sent(struct mfw_link *l, unsigned id, size_t n)
{
    if (l == NULL || id >= MFW_ASSOCIATIONS_MAX || l->sessions[id].state == MFW_LINK_FREE)
        return MFW_E_ARG;
    struct mfw_link_session *s = &l->sessions[id];
    if (n > s->tx_len - s->tx_off)
        return MFW_E_ARG;
    s->tx_off += n;
    if (s->tx_off == s->tx_len)
        s->tx_off = s->tx_len = 0;
    return MFW_OK;
}

unsigned mfw_link_poll(struct mfw_link *l, mfw_ms_t now)
{
    unsigned n = 0;
    if (l == NULL)
        return 0;
    for (unsigned i = 0; i < MFW_ASSOCIATIONS_MAX; i++)
        n += expire(l, i, now);
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
}

unsigned mfw_link_count(const struct mfw_link *l)
{
    unsigned n = 0;
    for (unsigned i = 0; l != NULL && i < MFW_ASSOCIATIONS_MAX; i++)
        n += l->sessions[i].state != MFW_LINK_FREE;
    return n;
}
