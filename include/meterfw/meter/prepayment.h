/* SPDX-License-Identifier: Apache-2.0 */
/* prepayment: smart-metering-based prepayment in kWh (the brochure: "the integrated breaker
 * disconnects the supply when the acquired kWh's are used"), kept as the Blue Book payment
 * classes show it (Account IC 111, Credit IC 112, Charge IC 113, Token gateway IC 115, all
 * version 0: references/idis-objects.md section 14 [V: S2, S3]; the kWh mapping "OMNIPOWER
 * style" there). Amounts are Wh (Account currency {"Wh", scale 0, unit 1 consumption}).
 *
 * The account: new (inactive: the meter is a credit meter, nothing is charged), active (the A+
 * energy the meter registers is charged against the credit), closed (no charge, no
 * disconnection; the figures stay readable). Credit:
 *   token credit     = the top-ups - the energy charged since the account was activated; it goes
 *                      below 0 while emergency credit or a friendly period is used
 *   emergency credit = emergency_wh, invoked by the customer (the button) or a client (Credit
 *                      0.0.19.10.1.255 invoke_credit) when the credit is low or used up; a top-up
 *                      that brings the token credit above 0 ends it (what was used of it is paid
 *                      back by that top-up, being part of the negative token credit)
 *   available credit = token credit + the emergency credit while invoked
 * Only a top-up raises the credit: export, a power cut, a restart never do.
 *
 * Top-ups (Token gateway 0.0.19.40.0.255 enter): each carries a transaction id (> 0) and an amount
 * (1 .. max_topup_wh). An id the meter remembers (the last MFW_PREPAY_TOKENS_MAX) is refused, and
 * so is one older than all of them when the list is full: a top-up is applied once. A top-up is
 * applied only once stored (the PREPAY record first), so a cut either loses it (the head-end got
 * no answer and sends it again) or keeps it and its id.
 *
 * Thresholds: available credit at or below low_credit_wh is "low credit" (event 232, the alarm, the
 * display's indicator; once per crossing); at or below 0 is "out of credit" (event 233, the
 * alarm) and disconnects the supply (a local disconnection through the breaker, disconnector.h)
 * unless a friendly period is on: from friendly_from to friendly_to local time (none when equal),
 * on Saturdays and Sundays (friendly_weekends), on the special days of the calendar
 * (friendly_holidays); the supply is kept then (and given back, as after a top-up) and the credit
 * goes below 0, to be paid back by the next top-up. Reconnection once credit is back:
 * reconnect_auto, a local reconnection (h, control modes 5 and 6); otherwise the breaker waits,
 * ready for reconnection, for the customer's button.
 *
 * Power-loss safety. The top-ups, the transaction ids, the emergency credit and a reservation of
 * the energy charged live in the PREPAY record (mfw_prepay_encode_record), the energy charged to
 * the uWh in the STATE record. Before the energy charged passes the stored reservation, a record
 * with a reservation MFW_PREPAY_RESERVE_WH higher is stored (mfw_prepay_charge says when), so after
 * any cut the meter takes max(the state's energy charged, the reservation) and its credit is never
 * above what it was: a cut without warning costs the customer at most MFW_PREPAY_RESERVE_WH of
 * credit; the power-fail save stores the exact figure (no loss). A record that is not sense is
 * refused for the one before it (its top-ups and ids), but that one's reservation may lie below
 * the energy charged since: the credit is then capped at 0 (fail closed: never more credit than
 * there was; out of credit unless a friendly period holds), the NV memory error is logged and
 * raised, and the head-end restores the customer's credit by a top-up once it has reconciled.
 * No record at all where the state says an account was active is the same fault. */
#ifndef METERFW_METER_PREPAYMENT_H
#define METERFW_METER_PREPAYMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/persist.h"
#include "meterfw/base/time.h"

enum mfw_prepay_status {
    MFW_PREPAY_NEW = 1, /* Account account_status: new (inactive) */
    MFW_PREPAY_ACTIVE = 2,
    MFW_PREPAY_CLOSED = 3,
};

/* Why a top-up was refused (event 231's second value). */
enum mfw_prepay_refusal {
    MFW_PREPAY_REFUSED_DUPLICATE = 1,
    MFW_PREPAY_REFUSED_OLD = 2,
    MFW_PREPAY_REFUSED_AMOUNT = 3,
    MFW_PREPAY_REFUSED_CLOSED = 4,
};

struct mfw_prepay_config {
    uint32_t low_credit_wh; /* Account low_credit_threshold */
    uint32_t emergency_wh;  /* the emergency credit's limit (0: none) */
    uint32_t max_topup_wh;  /* the largest single top-up (Max vend limit) */
    bool reconnect_auto;
    uint8_t friendly_from_h, friendly_from_m, friendly_to_h, friendly_to_m;
    bool friendly_weekends, friendly_holidays;
};

/* The part of the state that lives in the PREPAY record. */
struct mfw_prepay_ledger {
    uint8_t status;         /* enum mfw_prepay_status */
    uint64_t purchased_uwh; /* every top-up applied */
    uint64_t floor_uwh;     /* the reservation: the energy charged never passes it */
    bool emergency;         /* the emergency credit is invoked */
    uint64_t emergency_uwh; /* granted at its invocation */
    uint32_t topups;        /* top-ups applied */
    uint32_t last_topup_wh;
    mfw_ms_t activated, closed, last_topup_time; /* 0: not yet */
    uint8_t n_ids, next_id;                      /* the remembered ids, a ring */
    uint32_t ids[MFW_PREPAY_TOKENS_MAX];
};

struct mfw_prepay {
    struct mfw_prepay_ledger l;
    uint64_t consumed_uwh; /* charged since the activation (STATE record) */
    bool low, out;         /* the low / out of credit episodes, logged */
    uint8_t state_status;  /* the account status the STATE record knew (a lost PREPAY record) */
    /* the Token gateway's last token (RAM: the ledger keeps what was applied): its id and
     * amount, when, and the Blue Book token_status code (3 executed OK, 6 validation failure) */
    uint32_t token_id, token_wh;
    mfw_ms_t token_time;
    uint8_t token_status;
};

/* What a tick changed, for the meter to log and act on. */
struct mfw_prepay_result {
    bool low;  /* credit became low (232) */
    bool out;  /* credit ran out (233) */
    bool hold; /* the supply must be (kept) disconnected now */
};

/* Low credit at 1 kWh, 2 kWh of emergency credit, top-ups up to 1000 kWh, reconnection by the
 * button, friendly from 18:00 to 08:00, at weekends and on holidays. */
void mfw_prepay_default_config(struct mfw_prepay_config *c);
/* MFW_OK or MFW_E_RANGE (a time of day out of range, a top-up limit of 0). */
int mfw_prepay_validate(const struct mfw_prepay_config *c);
void mfw_prepay_init(struct mfw_prepay *p);

/* Credits (Wh, signed; truncated towards the customer's disadvantage never: the uWh below a Wh
 * are dropped from what is shown, not from what is kept). */
int64_t mfw_prepay_token_uwh(const struct mfw_prepay *p);
int64_t mfw_prepay_available_uwh(const struct mfw_prepay *p);
/* Whether the emergency credit may be invoked now (low or out of credit, not yet invoked). */
bool mfw_prepay_emergency_selectable(const struct mfw_prepay *p, const struct mfw_prepay_config *c);

/* Charging d_uwh of A+ energy (active account only). Returns true when a PREPAY record with the
 * reservation *floor must be stored before the charge is taken (mfw_prepay_take); false when it
 * can be taken at once. */
bool mfw_prepay_charge(const struct mfw_prepay *p, uint64_t d_uwh, uint64_t *floor);
void mfw_prepay_take(struct mfw_prepay *p, uint64_t d_uwh, uint64_t floor);

/* On a copy (the caller stores its record, then takes it): a top-up. MFW_OK, or MFW_E_RANGE with
 * *why (enum mfw_prepay_refusal). */
int mfw_prepay_topup(struct mfw_prepay *p, const struct mfw_prepay_config *c, uint32_t id,
                     uint32_t wh, mfw_ms_t now, uint8_t *why);
/* Invokes the emergency credit: MFW_OK, MFW_E_STATE when it is not selectable. */
int mfw_prepay_invoke_emergency(struct mfw_prepay *p, const struct mfw_prepay_config *c);
/* Account activate (new -> active; active: nothing), close (-> closed), reset (closed -> new,
 * everything zero but the remembered ids). MFW_E_STATE from another status. */
int mfw_prepay_activate(struct mfw_prepay *p, mfw_ms_t now);
int mfw_prepay_close(struct mfw_prepay *p, mfw_ms_t now);
int mfw_prepay_reset(struct mfw_prepay *p);

/* In a friendly period at this local time (hour, minute, ISO weekday 1..7, a special day)? */
bool mfw_prepay_friendly(const struct mfw_prepay_config *c, unsigned hour, unsigned minute,
                         unsigned weekday, bool special_day);
/* Each tick: the episodes and whether the supply must be disconnected. */
void mfw_prepay_tick(struct mfw_prepay *p, const struct mfw_prepay_config *c, bool friendly,
                     struct mfw_prepay_result *out);

/* The PREPAY record: magic, version, the ledger field by field. decode checks every field (a
 * status, the ids' ring, an emergency credit that is invoked when granted, amounts within 2^62
 * uWh) and writes *l only when all check; *field names the first that does not. */
#define MFW_PREPAY_RECORD_MAX (120u + 4u * MFW_PREPAY_TOKENS_MAX)
int mfw_prepay_encode_record(const struct mfw_prepay_ledger *l, uint8_t *buf, size_t cap,
                             size_t *len);
int mfw_prepay_decode_record(struct mfw_prepay_ledger *l, const uint8_t *buf, size_t len,
                             const char **field);
/* After the ledger and the STATE record are restored: the energy charged raised to the
 * reservation; fail_closed (the newest record was refused, or missing for an active account):
 * the token credit capped at 0 and the emergency credit ended. */
void mfw_prepay_settle(struct mfw_prepay *p, bool fail_closed);

/* The running state (the energy charged, the episodes) in the STATE record. */
void mfw_prepay_save(const struct mfw_prepay *p, struct mfw_wcursor *w);
void mfw_prepay_restore(struct mfw_prepay *p, struct mfw_persist_reader *r);

#endif /* METERFW_METER_PREPAYMENT_H */
