/* SPDX-License-Identifier: Apache-2.0 */
/* profile: the Profile generic (IC 7) engine over a store ring (load profile 1, the daily and
 * billing profiles, the analysis log).
 *
 * A profile captures rows of catalogue quantities (catalog.h): for a MFW_CATALOG_AVERAGE column the
 * time-weighted mean since the previous capture (mfw_profile_accumulate adds value x seconds once per
 * measurement window), for a MFW_CATALOG_INSTANT column the value read at capture time.
 *
 * Entry on flash (one store ring entry, little-endian; the area's entry_size must be at least
 * mfw_profile_entry_size(n_columns), the rest is padding):
 *   off size
 *    0   4  capture time, UTC seconds since 1970 (uint32: good until 2106)
 *    4   1  AMR profile status (PROFILE_ST_* bits, 0.0.96.10.x.255)
 *    5   1  n_columns of the row
 *    6   2  configuration tag: CRC-16/X.25 of the capture period and column ids, so a row written
 *           under another configuration is never read as this one's (mfw_profile_read: MFW_E_VERSION)
 *    8 8*n  column values, int64 = SI value / 10^scaler, rounded half away from zero
 *
 * Capture times are aligned to the clock: multiples of capture_period_s counted from 00:00 UTC.
 * For the 5/15/30/60 min periods of LP1 these are the same instants as the local-time boundaries
 * under any whole-hour UTC offset (and under half-hour offsets for periods up to 30 min), so the
 * UTC alignment is also the local one. A period of 86400 s would capture at UTC midnight only:
 * the daily and billing profiles therefore run with capture_period_s = 0 and the meter triggers
 * them at local midnight / the billing date with mfw_profile_capture() and an explicit time.
 *
 * Missed boundaries: when the meter was off across several boundaries, mfw_profile_tick() captures
 * once, at the latest boundary not after now, and skips the missed ones (no invented rows); the
 * meter flags that row MFW_PROFILE_ST_POWER_DOWN (mfw_profile_flag) and, having accumulated no time for
 * its averages, it is also flagged MFW_PROFILE_ST_DATA_NOT_VALID unless some time was accumulated.
 *
 * Exposure: the newest cfg.depth entries (profile_entries, attribute 8) are readable; index 0 is
 * the oldest of them. The ring may hold more until its next sector erase.
 *
 * Reading by time (selective access by range, mfw_profile_find) is a bisection over the rows:
 * O(log n) row reads, never a scan. */
#ifndef METERFW_METER_PROFILE_H
#define METERFW_METER_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/persist.h"

#include "meterfw/base/time.h"
#include "meterfw/meter/catalog.h"
#include "meterfw/store/store.h"

#define MFW_PROFILE_HEADER_SIZE 8u
/* Bytes of one entry of n columns (the store area's entry_size must be at least this). */
#define MFW_PROFILE_ENTRY_SIZE(n) (MFW_PROFILE_HEADER_SIZE + 8u * (unsigned)(n))
#define MFW_PROFILE_ENTRY_MAX MFW_PROFILE_ENTRY_SIZE(MFW_PROFILE_COLUMNS_MAX)
/* Columns of the fixed profiles (profile.c): daily 4 totals + A+ and A- per tariff; billing A+,
 * A-, R+, R- total and per tariff + 2 maximum demands. */
#define MFW_PROFILE_DAILY_COLUMNS (4u + 2u * MFW_TARIFFS)
#define MFW_PROFILE_BILLING_COLUMNS (4u * MFW_TARIFFS + 6u)

/* AMR profile status bits (0.0.96.10.1.255 / .2.255). */
enum mfw_profile_status {
    MFW_PROFILE_ST_CRITICAL_ERROR = 0x01,
    MFW_PROFILE_ST_CLOCK_INVALID = 0x02,
    MFW_PROFILE_ST_DATA_NOT_VALID = 0x04,
    MFW_PROFILE_ST_DST = 0x08,
    MFW_PROFILE_ST_CLOCK_ADJUSTED = 0x20,
    MFW_PROFILE_ST_POWER_DOWN = 0x80,
};

struct mfw_profile_config {
    uint32_t capture_period_s;                /* 0: captured on demand only; else divides 86400 */
    uint8_t n_columns;                        /* 1 .. MFW_PROFILE_COLUMNS_MAX */
    uint16_t column[MFW_PROFILE_COLUMNS_MAX]; /* catalogue ids */
    uint32_t depth;                           /* entries exposed (profile_entries) */
    /* Rows only go forward in time. true: several rows may carry the same time (captures on
     * demand that are events of their own: the billing profile); false: one row per time at most
     * (periodic profiles, the daily profile's midnight). Not persisted: fixed per profile. */
    bool same_time_ok;
};

/* One row as read back. */
struct mfw_profile_row {
    mfw_ms_t time;  /* capture time, UTC ms (whole seconds) */
    uint8_t status; /* PROFILE_ST_* */
    uint8_t n;      /* columns */
    int64_t v[MFW_PROFILE_COLUMNS_MAX];
};

struct mfw_profile {
    struct mfw_profile_config config;
    unsigned area;                         /* store ring area */
    double acc[MFW_PROFILE_COLUMNS_MAX];   /* sum of value x seconds (AVERAGE columns) */
    double acc_s[MFW_PROFILE_COLUMNS_MAX]; /* seconds accumulated with a valid value */
    uint8_t status_pending;                /* status bits collected during the interval */
    uint16_t tag;                          /* configuration tag written in each row */
    mfw_ms_t next_capture_ms;              /* next boundary (INT64_MAX when capture_period_s = 0) */
    mfw_ms_t last_time; /* time of the newest row stored (INT64_MIN: none known) */
    uint8_t order; /* rows in time order: 0 not known yet, 1 yes, 2 no (mfw_profile_in_order) */
    uint32_t order_seq;  /* the store sequence number of the next row the order check reads */
    mfw_ms_t order_last; /* the time of the row it read last */
};

/* Rows the meter's order check reads per tick and profile (mfw_profile_order_step). */
#define MFW_PROFILE_ORDER_ROWS_PER_TICK 64u

/* mfw_profile_capture: no row written, because a row at or after that time is stored already. */
#define MFW_PROFILE_SKIPPED 1

/* Whether s seconds is a capture period a profile takes: whole minutes dividing an hour, or whole
 * hours dividing a day (profile.c says why). */
bool mfw_profile_period_ok(uint32_t s);

/* Bytes of one entry of n columns: MFW_PROFILE_ENTRY_SIZE(n). */
size_t mfw_profile_entry_size(unsigned n_columns);

/* Checks cfg (MFW_E_ARG for NULL, no columns or too many, unknown ids, depth 0; MFW_E_RANGE for a
 * period that does not divide a day), then sets p up on the ring area: accumulators empty, next
 * capture = the first boundary strictly after now. Touches no flash. */
int mfw_profile_init(struct mfw_profile *p, const struct mfw_profile_config *cfg, unsigned area,
                     mfw_ms_t now);

/* MFW_OK when the area is a ring whose entries fit this profile's rows and that keeps at least
 * depth entries; MFW_E_NOSPACE otherwise, MFW_E_ARG when the area is not a ring. */
int mfw_profile_check_area(const struct mfw_profile *p, const struct mfw_store *s);

/* Changes the configuration at run time. If the capture objects or the capture period change the
 * buffer is cleared (Blue Book IC 7: writing capture_objects or capture_period resets the
 * buffer), the accumulators restart and the next capture is realigned after now; a change of depth
 * only changes how many entries are exposed. Same errors as mfw_profile_init (p unchanged on error),
 * plus the store's. */
int mfw_profile_set_config(struct mfw_profile *p, struct mfw_store *s,
                           const struct mfw_profile_config *cfg, mfw_ms_t now);

/* Adds one measurement window of the given duration: value x seconds for each AVERAGE column
 * (a NaN value adds nothing for that column). INSTANT columns are not read. */
void mfw_profile_accumulate(struct mfw_profile *p, mfw_catalog_read_fn read, void *ctx,
                            double seconds);

/* ORs status bits into the row being collected (power down, clock adjusted, ...). */
void mfw_profile_flag(struct mfw_profile *p, uint8_t status);

/* The clock was set: realigns the next capture after now and flags MFW_PROFILE_ST_CLOCK_ADJUSTED. */
void mfw_profile_clock_changed(struct mfw_profile *p, mfw_ms_t now);

/* The latest capture boundary not after now (now itself when capture_period_s = 0). */
mfw_ms_t mfw_profile_boundary(const struct mfw_profile *p, mfw_ms_t now);

/* True when a periodic capture is due (now >= next boundary). */
bool mfw_profile_due(const struct mfw_profile *p, mfw_ms_t now);

/* The time of the newest row in the store into last_time (any configuration's row), and the next
 * capture after it: a row is never stored twice or out of order, whatever the state record a
 * power-up restored says. MFW_OK (an empty ring leaves last_time at INT64_MIN) or the store's
 * error. */
int mfw_profile_load_last(struct mfw_profile *p, struct mfw_store *s);

/* Writes one row at capture_time (truncated to whole seconds; MFW_E_RANGE outside the uint32
 * seconds range). Rows only go forward in time: if a row after capture_time (or at it, unless
 * same_time_ok) is stored already (last_time), nothing is written, the interval's averages and status are dropped, the
 * next capture is set after capture_time and MFW_PROFILE_SKIPPED is returned. Otherwise: status | collected bits; AVERAGE columns = accumulated mean (no valid time
 * accumulated: 0 and MFW_PROFILE_ST_DATA_NOT_VALID), INSTANT columns = read now (NaN: 0 and
 * DATA_NOT_VALID). Then resets the accumulators and the collected bits and sets the next capture
 * to the first boundary strictly after capture_time. On a store error nothing is reset. */
int mfw_profile_capture(struct mfw_profile *p, struct mfw_store *s, mfw_ms_t capture_time,
                        uint8_t status, mfw_catalog_read_fn read, void *ctx);

/* If due, captures at mfw_profile_boundary(now) (skipping missed boundaries, see above).
 * Returns 1 when a row was written, 0 when not due (or already stored), or an error. */
int mfw_profile_tick(struct mfw_profile *p, struct mfw_store *s, mfw_ms_t now, uint8_t status,
                     mfw_catalog_read_fn read, void *ctx);

/* Rows exposed: min(ring count, depth). */
uint32_t mfw_profile_count(const struct mfw_profile *p, const struct mfw_store *s);

/* Row index (0 = oldest exposed). MFW_E_RANGE past the end, MFW_E_VERSION when the row was
 * written under another configuration, store errors. */
int mfw_profile_read(const struct mfw_profile *p, struct mfw_store *s, uint32_t index,
                     struct mfw_profile_row *out);

/* Whether the stored rows are known to be in time order (each at or after the one before), as the
 * bisection of mfw_profile_find assumes. This firmware only ever appends in order (rows never go
 * back: mfw_profile_capture), but a ring written by an earlier firmware (whose rows went back with
 * the clock) or a crafted flash may not be. So after each power-up (mfw_profile_load_last) the
 * order is not known until mfw_profile_order_step has read every row's time, a bounded number of
 * rows per call (the meter does 64 per tick per profile: a year of load profile in about 550 ticks,
 * never a stall of the main loop); appends meanwhile are checked too. Until then, and for a ring
 * that is not in order, a read by time scans (cosem_profile.c). */
bool mfw_profile_in_order(const struct mfw_profile *p);
/* Advances the order check by at most max_rows row reads. Returns true when the order is known. A
 * store error leaves it where it was (tried again at the next step). */
bool mfw_profile_order_step(struct mfw_profile *p, struct mfw_store *s, uint32_t max_rows);
/* Rows with from <= time <= to: *first and *n (n = 0 when none; *first is then where such a row
 * would be). Bisection over capture times, O(log n) row reads: exact when the rows are in time
 * order (mfw_profile_in_order). */
int mfw_profile_find(const struct mfw_profile *p, struct mfw_store *s, mfw_ms_t from, mfw_ms_t to,
                     uint32_t *first, uint32_t *n);

/* Clears the buffer (IC 7 method reset). The running interval's accumulators are kept. The meter
 * logs event 254 (load profile cleared) in the standard event log. */
int mfw_profile_clear(struct mfw_profile *p, struct mfw_store *s);

/* The fixed profiles' configurations. */
/* LP1 (1.0.99.1.0.255): A+, A-, R+, R- totals; clock and status implicit; 900 s; 3840 deep. */
void mfw_profile_config_lp1(struct mfw_profile_config *cfg);
/* Daily (1.0.99.2.0.255): A+/A-/R+/R- totals and A+/A- T1..T8 (20 columns); period 0. */
void mfw_profile_config_daily(struct mfw_profile_config *cfg);
/* Billing (0.0.98.1.0.255): A+/A-/R+/R- total and T1..T8, max demand A+/A- (38 columns); period 0. */
void mfw_profile_config_billing(struct mfw_profile_config *cfg);
/* Analysis log (1.0.99.1.1.255, design choice): any n <= MFW_PROFILE_ANALYSIS_COLUMNS catalogue ids
 * (ids == NULL: the default 16: U, I, P+, P- per phase, frequency, P+ total, PF total,
 * neutral current); depth 0 = MFW_PROFILE_ANALYSIS_DEPTH. MFW_E_ARG for n = 0 or n > 16 or an unknown
 * id; MFW_E_RANGE for a bad period. */
/* The analysis log's default columns for a meter of `phases` phases (1: L1's U, I, P+, P-, Q+, Q-,
 * S, PF, frequency and neutral current; 3: the 16 above) and their number in *n. */
const uint16_t *mfw_profile_analysis_default(unsigned phases, unsigned *n);
int mfw_profile_config_analysis(struct mfw_profile_config *cfg, const uint16_t *ids, unsigned n,
                                uint32_t capture_period_s, uint32_t depth);

/* The schedule (next capture) and the status collected, in the STATE record. restore checks them
 * against p's configuration (a boundary on the capture period's grid, known status bits) into p:
 * restore into a copy, r keeps the first bad field. The averages are not kept across a power
 * failure: the row after it is flagged power down and data not valid. saved_at: when the state
 * was saved; a next capture later than the first boundary of p's period after it is brought back
 * to that boundary (the period may have changed since the save). */
void mfw_profile_save(const struct mfw_profile *p, struct mfw_wcursor *w);
void mfw_profile_restore(struct mfw_profile *p, struct mfw_persist_reader *r, mfw_ms_t saved_at);

#endif /* METERFW_METER_PROFILE_H */
