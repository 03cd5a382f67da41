/* SPDX-License-Identifier: Apache-2.0 */
/* The supply breaker as Disconnect control (IC 70): see disconnector.h for the states, the
 * transitions a-h, the control modes 0-6 and the contact check. */
#include "meterfw/meter/disconnector.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/meter/eventlog.h"

/* The transitions each control mode allows (Blue Book 4.5.8.2 control_mode [M]; IDIS table,
 * references/idis-objects.md section 8 [V]). */
static bool allows(uint8_t mode, char tr)
{
    static const char *const allowed[MFW_DISC_MODE_MAX + 1] = {
        "", "bcfgde", "bcfgae", "bcgde", "bcgae", "bcfgdeh", "bcgdeh",
    };
    return mode <= MFW_DISC_MODE_MAX && tr != 0 && strchr(allowed[mode], tr) != NULL;
}

void mfw_disconnector_init(struct mfw_disconnector *d, uint8_t mode)
{
    memset(d, 0, sizeof *d);
    d->mode = mode <= MFW_DISC_MODE_MAX ? mode : 0;
    d->state = MFW_DISC_CONNECTED;
    d->closed = true;
}

char mfw_disconnector_transition(uint8_t mode, uint8_t state, enum mfw_disc_trigger t, uint8_t *to)
{
    char tr = 0;
    uint8_t next = state;
    switch (t) {
    case MFW_DISC_REMOTE_DISCONNECT:
        if (state == MFW_DISC_CONNECTED) {
            tr = 'b';
            next = MFW_DISC_DISCONNECTED;
        } else if (state == MFW_DISC_READY) {
            tr = 'c';
            next = MFW_DISC_DISCONNECTED;
        }
        break;
    case MFW_DISC_REMOTE_RECONNECT:
        /* a direct (modes 2, 4) or through ready_for_reconnection (modes 1, 3, 5, 6) */
        if (state == MFW_DISC_DISCONNECTED) {
            tr = allows(mode, 'a') ? 'a' : 'd';
            next = tr == 'a' ? MFW_DISC_CONNECTED : MFW_DISC_READY;
        }
        break;
    case MFW_DISC_MANUAL_DISCONNECT:
    case MFW_DISC_LOCAL_DISCONNECT:
        if (state == MFW_DISC_CONNECTED) {
            tr = t == MFW_DISC_MANUAL_DISCONNECT ? 'f' : 'g';
            next = MFW_DISC_READY;
        }
        break;
    case MFW_DISC_MANUAL_RECONNECT:
    case MFW_DISC_LOCAL_RECONNECT:
        if (state == MFW_DISC_READY) {
            tr = t == MFW_DISC_MANUAL_RECONNECT ? 'e' : 'h';
            next = MFW_DISC_CONNECTED;
        }
        break;
    }
    if (to != NULL)
        *to = state;
    if (!allows(mode, tr))
        return 0;
    if (to != NULL)
        *to = next;
    return tr;
}

uint16_t mfw_disconnector_event(char transition)
{
    switch (transition) {
    case 'a': return MFW_EVENT_DISC_REMOTE_CONNECT;
    case 'b':
    case 'c': return MFW_EVENT_DISC_REMOTE_DISCONNECT;
    case 'd': return MFW_EVENT_DISC_READY_FOR_RECONNECT;
    case 'e': return MFW_EVENT_DISC_MANUAL_CONNECT;
    case 'f': return MFW_EVENT_DISC_MANUAL_DISCONNECT;
    case 'g': return MFW_EVENT_DISC_LOCAL_DISCONNECT;
    case 'h': return MFW_EVENT_DISC_LOCAL_CONNECT;
    default: return 0;
    }
}

static void command(struct mfw_disconnector *d, bool closed, mfw_ms_t now)
{
    if (closed == d->closed)
        return;
    d->closed = closed;
    d->commanded_at = now;
    d->check_due = true;
    d->failed = false;
}

static char run(struct mfw_disconnector *d, enum mfw_disc_trigger t, mfw_ms_t now)
{
    uint8_t to;
    char tr = mfw_disconnector_transition(d->mode, d->state, t, &to);
    if (tr == 0)
        return 0;
    d->state = to;
    d->by_local = tr == 'g';
    if (tr == 'g')
        d->no_auto = false;
    command(d, to == MFW_DISC_CONNECTED, now);
    return tr;
}

char mfw_disconnector_trigger(struct mfw_disconnector *d, enum mfw_disc_trigger t, mfw_ms_t now)
{
    /* a cause that holds the breaker open is not undone by a button or a remote reconnection */
    if (d->holds != 0 && (t == MFW_DISC_MANUAL_RECONNECT || t == MFW_DISC_REMOTE_RECONNECT ||
                          t == MFW_DISC_LOCAL_RECONNECT))
        return 0;
    return run(d, t, now);
}

char mfw_disconnector_hold(struct mfw_disconnector *d, uint8_t cause, bool auto_reconnect,
                           mfw_ms_t now)
{
    cause &= MFW_DISC_CAUSES;
    if (cause == 0)
        return 0;
    d->holds |= cause;
    char tr = run(d, MFW_DISC_LOCAL_DISCONNECT, now);
    if (!auto_reconnect)
        d->no_auto = true;
    return tr;
}

char mfw_disconnector_release(struct mfw_disconnector *d, uint8_t cause, mfw_ms_t now)
{
    cause &= MFW_DISC_CAUSES;
    if ((d->holds & cause) == 0)
        return 0;
    d->holds &= (uint8_t)~cause;
    if (d->holds != 0 || !d->by_local || d->no_auto)
        return 0;
    return run(d, MFW_DISC_LOCAL_RECONNECT, now);
}

int mfw_disconnector_set_mode(struct mfw_disconnector *d, uint8_t mode, mfw_ms_t now, char *tr)
{
    *tr = 0;
    if (mode > MFW_DISC_MODE_MAX)
        return MFW_E_RANGE;
    d->mode = mode;
    if (mode == 0 && d->state != MFW_DISC_CONNECTED) {
        /* Blue Book control_mode 0: the object is always in the connected state */
        d->state = MFW_DISC_CONNECTED;
        d->by_local = false;
        command(d, true, now);
        *tr = 'a';
    }
    return MFW_OK;
}

bool mfw_disconnector_check(struct mfw_disconnector *d, bool sensed, bool current, mfw_ms_t now)
{
    if (d->failed)
        return false;
    bool bad = false;
    if (d->check_due && now - d->commanded_at >= (mfw_ms_t)MFW_DISCONNECT_CHECK_MS) {
        d->check_due = false;
        bad = sensed != d->closed;
    }
    /* current through a breaker that was told to open (and had the time to) */
    if (!d->closed && !d->check_due && current)
        bad = true;
    if (bad)
        d->failed = true;
    return bad;
}

void mfw_disconnector_save(const struct mfw_disconnector *d, struct mfw_wcursor *w)
{
    mfw_persist_put_u32(w, d->state);
    mfw_persist_put_bool(w, d->closed);
    mfw_persist_put_u32(w, d->holds);
    mfw_persist_put_bool(w, d->by_local);
    mfw_persist_put_bool(w, d->no_auto);
    mfw_persist_put_i64(w, d->commanded_at);
    mfw_persist_put_bool(w, d->check_due);
    mfw_persist_put_bool(w, d->failed);
}

void mfw_disconnector_restore(struct mfw_disconnector *d, struct mfw_persist_reader *r)
{
    d->state = (uint8_t)mfw_persist_u32(r, "disconnector.state", 0, MFW_DISC_READY);
    d->closed = mfw_persist_bool(r, "disconnector.closed");
    d->holds = (uint8_t)mfw_persist_u32(r, "disconnector.holds", 0, MFW_DISC_CAUSES);
    d->by_local = mfw_persist_bool(r, "disconnector.by_local");
    d->no_auto = mfw_persist_bool(r, "disconnector.no_auto");
    d->commanded_at = mfw_persist_i64(r, "disconnector.commanded_at", 0, MFW_PERSIST_TIME_MAX);
    d->check_due = mfw_persist_bool(r, "disconnector.check_due");
    d->failed = mfw_persist_bool(r, "disconnector.failed");
    if (d->closed != (d->state == MFW_DISC_CONNECTED))
        mfw_persist_fail(r, "disconnector: the contact is not what the state commands",
                         MFW_E_RANGE);
    if (d->by_local && d->state != MFW_DISC_READY)
        mfw_persist_fail(r, "disconnector: a local disconnection that is not ready", MFW_E_RANGE);
}
