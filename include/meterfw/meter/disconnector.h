/* SPDX-License-Identifier: Apache-2.0 */
/* disconnector: the supply breaker of a model with breaker, as COSEM Disconnect control sees it
 * (Blue Book IEC 62056-6-2 4.5.8, IC 70 version 0 [M]; the transitions and control modes as
 * references/idis-objects.md section 8 gives them from the MCS301 manual table 44 and Gurux
 * [V]):
 *
 *   states (control_state): 0 disconnected, 1 connected, 2 ready_for_reconnection
 *   a remote_reconnect  disconnected -> connected      e manual_reconnect  ready -> connected
 *   b remote_disconnect connected -> disconnected      f manual_disconnect connected -> ready
 *   c remote_disconnect ready -> disconnected          g local_disconnect  connected -> ready
 *   d remote_reconnect  disconnected -> ready          h local_reconnect   ready -> connected
 *
 *   mode  disconnection          reconnection
 *   0     none: always connected, the methods have no effect
 *   1     b, c, f, g             d, e
 *   2     b, c, f, g             a, e
 *   3     b, c, g                d, e
 *   4     b, c, g                a, e
 *   5     b, c, f, g             d, e, h
 *   6     b, c, g                d, e, h
 *
 * Triggers: remote = the methods of IC 70 (m1 remote_disconnect, m2 remote_reconnect); manual =
 * the meter's push button; local = the meter's own functions, each a cause that holds the
 * breaker open while it lasts (the limiter over its threshold, credit used up, a neutral fault,
 * a disconnect script run by a schedule or a client). While a cause holds, the meter does not
 * reconnect (manual or remote: refused, so a button press cannot undo a prepayment
 * disconnection); when the last cause ends and it asked for it, the meter reconnects locally
 * (h), which only modes 5 and 6 allow: in modes 1-4 it stays ready for the customer's button.
 *
 * The relay: every state but connected opens the breaker. After each command the contact is
 * checked (hal.relay_sensed, MFW_DISCONNECT_CHECK_MS later) and, open, by the current: a phase
 * current above the creep threshold through an open breaker is a contact that did not follow
 * (welded). That is event 68 in the disconnector log, once per command, and the alarm. The
 * control state stays what the control says; output_state (IC 70 attribute 2) is where the
 * contact is. */
#ifndef METERFW_METER_DISCONNECTOR_H
#define METERFW_METER_DISCONNECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/persist.h"
#include "meterfw/base/time.h"

enum mfw_disc_state {
    MFW_DISC_DISCONNECTED = 0,
    MFW_DISC_CONNECTED = 1,
    MFW_DISC_READY = 2, /* ready_for_reconnection */
};

enum mfw_disc_trigger {
    MFW_DISC_REMOTE_DISCONNECT = 0,
    MFW_DISC_REMOTE_RECONNECT,
    MFW_DISC_MANUAL_DISCONNECT,
    MFW_DISC_MANUAL_RECONNECT,
    MFW_DISC_LOCAL_DISCONNECT,
    MFW_DISC_LOCAL_RECONNECT,
};

/* The local causes that hold the breaker open (a bit each). */
enum mfw_disc_cause {
    MFW_DISC_CAUSE_LIMITER = 1u << 0,
    MFW_DISC_CAUSE_PREPAYMENT = 1u << 1,
    MFW_DISC_CAUSE_NEUTRAL = 1u << 2,
    MFW_DISC_CAUSE_SCRIPT = 1u << 3, /* the disconnect script (0.0.10.0.106.255 selector 1) */
    MFW_DISC_CAUSES = 0x0Fu,
};

#define MFW_DISC_MODE_MAX 6u

struct mfw_disconnector {
    uint8_t mode;          /* control_mode 0..6 (the meter's settings) */
    uint8_t state;         /* control_state, enum mfw_disc_state */
    bool closed;           /* the contact as commanded */
    uint8_t holds;         /* enum mfw_disc_cause bits holding it open */
    bool by_local;         /* ready since a local disconnection (g): h may reconnect it */
    bool no_auto;          /* a cause ended since then that does not reconnect by itself */
    mfw_ms_t commanded_at; /* the last command to the relay */
    bool check_due;        /* the contact check of that command is still to come */
    bool failed;           /* the contact did not follow the last command (event 68 logged) */
};

/* A new meter's breaker: connected, closed, no hold, in mode `mode` (0..6; mode 0 and any other
 * are connected). */
void mfw_disconnector_init(struct mfw_disconnector *d, uint8_t mode);

/* The transition trigger t makes from state under mode: its letter 'a'..'h' and *to, or 0 (the
 * mode does not allow it, or it does not apply to that state; *to is then the state). Pure: the
 * table above, and nothing else. */
char mfw_disconnector_transition(uint8_t mode, uint8_t state, enum mfw_disc_trigger t, uint8_t *to);
/* The disconnector log's IDIS code of a transition (references/idis-objects.md 6.1): b, c 62
 * remote disconnection; a 63 remote connection; d 59 ready for manual reconnection; f 60 manual
 * disconnection; e 61 manual connection; g 64 local disconnection; h 69 local reconnection. */
uint16_t mfw_disconnector_event(char transition);

/* Runs trigger t at now: the transition's letter (0 for none) and the contact commanded for the
 * new state. Manual and remote reconnections are refused while a cause holds (0). */
char mfw_disconnector_trigger(struct mfw_disconnector *d, enum mfw_disc_trigger t, mfw_ms_t now);

/* A local cause starts (hold) or ends (release). Starting disconnects locally (g) if the breaker
 * is connected; auto says whether the cause's end reconnects (h). Ending the last cause with
 * auto reconnects (h) if the mode allows it. The transition's letter or 0. */
char mfw_disconnector_hold(struct mfw_disconnector *d, uint8_t cause, bool auto_reconnect,
                           mfw_ms_t now);
char mfw_disconnector_release(struct mfw_disconnector *d, uint8_t cause, mfw_ms_t now);

/* A new control mode (0..6, MFW_E_RANGE otherwise): mode 0 connects (the letter of that, 'a' as
 * a remote connection, or 0). */
int mfw_disconnector_set_mode(struct mfw_disconnector *d, uint8_t mode, mfw_ms_t now, char *tr);

/* The contact check, each tick: sensed is where the contact is (relay_sensed, or the command
 * without a sensor), current whether a phase current above the creep threshold flows. True once
 * when a contact that does not follow its command is found (the caller logs 68). */
bool mfw_disconnector_check(struct mfw_disconnector *d, bool sensed, bool current, mfw_ms_t now);

/* The running state in the STATE record; restore checks each field (a state and a contact that
 * agree, causes that exist, a held breaker that is open) into d, which holds its mode. */
void mfw_disconnector_save(const struct mfw_disconnector *d, struct mfw_wcursor *w);
void mfw_disconnector_restore(struct mfw_disconnector *d, struct mfw_persist_reader *r);

#endif /* METERFW_METER_DISCONNECTOR_H */
