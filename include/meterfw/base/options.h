/* SPDX-License-Identifier: Apache-2.0 */
/* meterfw compile-time options: every size and default of the core, in one place and under one
 * prefix (lwIP's opt.h habit). Each option has a default here; a port or a product overrides any of
 * them in a user options file of its own (lwIP's lwipopts.h), named on the compiler command line:
 *
 *   -DMFW_OPTIONS_FILE='"meterfw_opts.h"'     (CMake: -DMFW_OPTIONS_FILE=path/to/meterfw_opts.h)
 *
 * or one by one with -D. options_check.h, included at the end, rejects inconsistent values with
 * #error. The option profiles that make test builds are tests/options/ (minimal 162M with one
 * association, the defaults, a maximal meter). Run-time settings (the calendar, profile periods,
 * thresholds) are not here: they live in the meter's configuration and are changed over DLMS. */
#ifndef METERFW_BASE_OPTIONS_H
#define METERFW_BASE_OPTIONS_H

#ifdef MFW_OPTIONS_FILE
#include MFW_OPTIONS_FILE
#endif

/* ---- metrology ------------------------------------------------------------------------------ */

/* Most phases a meter instance can have (382M: 3; 162M uses 1). */
#ifndef MFW_PHASES_MAX
#define MFW_PHASES_MAX 3
#endif

/* Samples processed per inner block of the per-sample DSP (stack buffer of the reference sine;
 * the reference oscillator is resynchronised to its exact phase at least this often). */
#ifndef MFW_METRO_CHUNK
#define MFW_METRO_CHUNK 64
#endif

/* Line cycles per measurement window. IEC 61000-4-30 class S aggregates 10 cycles at 50 Hz
 * (12 at 60 Hz) into one 200 ms value; we use the same window for power and energy. */
#ifndef MFW_WINDOW_CYCLES_50HZ
#define MFW_WINDOW_CYCLES_50HZ 10
#endif
#ifndef MFW_WINDOW_CYCLES_60HZ
#define MFW_WINDOW_CYCLES_60HZ 12
#endif

/* Valid line-frequency window; outside it the period is coerced to nominal (ADE9000 UG-1098 p.27
 * uses 40-70 Hz; we accept the 45-65 Hz the simulator produces plus margin). */
#ifndef MFW_FREQ_MIN_HZ
#define MFW_FREQ_MIN_HZ 40.0
#endif
#ifndef MFW_FREQ_MAX_HZ
#define MFW_FREQ_MAX_HZ 70.0
#endif

/* Points of the current-dependent gain and phase correction of each phase (piecewise linear in
 * the current between them, as the multipoint calibration of ADE9000 UG-1098 p.12 or TI's
 * phase_corrections table; ATM90E32AS has 3 segments). A production line measures 3..5. */
#ifndef MFW_CAL_POINTS
#define MFW_CAL_POINTS 6
#endif

/* Default S0 output and test LED constant (imp/kWh) and S0 pulse timing (DIN 43864: pulse
 * duration >= 30 ms; we also keep a pause >= 30 ms so a counter never sees two pulses merge). */
#ifndef MFW_PULSE_IMP_PER_KWH
#define MFW_PULSE_IMP_PER_KWH 1000u
#endif
#ifndef MFW_S0_PULSE_MS
#define MFW_S0_PULSE_MS 30u
#endif
#ifndef MFW_S0_PAUSE_MS
#define MFW_S0_PAUSE_MS 30u
#endif
/* Test LED: shorter flash so that it can follow the highest power of a 100 A 3-phase meter. */
#ifndef MFW_LED_PULSE_MS
#define MFW_LED_PULSE_MS 10u
#endif
#ifndef MFW_LED_PAUSE_MS
#define MFW_LED_PAUSE_MS 10u
#endif

/* Creep (no-load) threshold: below this rms current a phase registers no energy.
 * Kamstrup 162M/382M TD 5512-1040 §4.5: registration stops below ~10 mA. The starting current
 * of IEC 62053-21 class 1 at Ib = 5 A is 0.004 Ib = 20 mA, so 10 mA leaves a 2:1 margin. */
#ifndef MFW_CREEP_CURRENT_A
#define MFW_CREEP_CURRENT_A 0.010
#endif

/* ---- cosem and dlms ------------------------------------------------------------------------- */

/* Longest secret (LLS password) of an association. */
#ifndef MFW_COSEM_SECRET_MAX
#define MFW_COSEM_SECRET_MAX 16u
#endif

/* Most objects in the COSEM object table (the fixed objects + the catalogue's registers; 142 on a
 * 382M today): the size of the lookup index in struct mfw_cosem, 2 bytes each. A build with more
 * objects fails to compile (src/cosem/cosem_objects.c). */
#ifndef MFW_COSEM_OBJECTS_MAX
#define MFW_COSEM_OBJECTS_MAX 256u
#endif

/* Associations the meter holds at once, and so the link sessions (TCP connections, HDLC
 * links) it serves: one bound for both. Each costs the DLMS server's per-association buffers. */
#ifndef MFW_ASSOCIATIONS_MAX
#define MFW_ASSOCIATIONS_MAX 8u
#endif

/* server-max-receive-pdu-size, and the largest APDU the server sends. */
#ifndef MFW_DLMS_SERVER_MAX_PDU
#define MFW_DLMS_SERVER_MAX_PDU 1024u
#endif

/* A GET-with-list answer is built whole (each element is small: scaler_units and the like). */
#ifndef MFW_DLMS_SERVER_LIST_BUF
#define MFW_DLMS_SERVER_LIST_BUF 2048u
#endif

/* Largest value a SET with blocks may carry. */
#ifndef MFW_DLMS_SERVER_SET_BUF
#define MFW_DLMS_SERVER_SET_BUF 1024u
#endif

/* Most references one with-list request may carry here (a bound of this implementation; a longer
 * list is refused as a whole with a confirmed-service-error). */
#ifndef MFW_XDLMS_LIST_MAX
#define MFW_XDLMS_LIST_MAX 32u
#endif

/* ---- security (suite 0, docs/security.md) --------------------------------------------------- */

/* Invocation counter values reserved ahead in the store (meter/keys.h): the meter persists a
 * reservation this much above the counter before it sends a value past the last one, so a power
 * cut skips at most this many values and never reuses one; received counters keep a floor the
 * same way. One COUNTERS record per this many APDUs. */
#ifndef MFW_SECURITY_IC_RESERVE
#define MFW_SECURITY_IC_RESERVE 256u
#endif

/* Failed association attempts of one client (a wrong LLS password, a failed HLS pass 3, an AARQ
 * that does not decipher or replays a counter) before the meter refuses that client's AARQs for a
 * while: the first lock-out lasts MFW_SECURITY_LOCKOUT_MS, each further failure after it doubles
 * it, up to MFW_SECURITY_LOCKOUT_MAX_MS; a successful association ends it (docs/security.md). */
#ifndef MFW_SECURITY_LOCKOUT_FAILURES
#define MFW_SECURITY_LOCKOUT_FAILURES 3u
#endif
#ifndef MFW_SECURITY_LOCKOUT_MS
#define MFW_SECURITY_LOCKOUT_MS 10000u
#endif
#ifndef MFW_SECURITY_LOCKOUT_MAX_MS
#define MFW_SECURITY_LOCKOUT_MAX_MS 900000u
#endif

/* ---- link ----------------------------------------------------------------------------------- */

/* Per link session (MFW_ASSOCIATIONS_MAX of them, struct mfw_link), the buffers are sized by the
 * server's PDU size, not by the transport: the APDU being received holds at most the
 * server-max-receive-pdu-size the AARE announces (a longer frame is refused at its header and
 * closes the session), and the reply at most MFW_DLMS_SERVER_MAX_PDU (GET answers go in blocks
 * of that size). 2 x 1024 bytes and the framing state per session at the defaults. */
#ifndef MFW_LINK_RX_APDU_MAX
#define MFW_LINK_RX_APDU_MAX MFW_DLMS_SERVER_MAX_PDU
#endif
#ifndef MFW_LINK_TX_APDU_MAX
#define MFW_LINK_TX_APDU_MAX MFW_DLMS_SERVER_MAX_PDU
#endif

/* Defaults of struct mfw_link_config, the policies that keep a few idle or slow connections from
 * locking every client out (0 = off: a session would then live until its peer leaves, a protocol
 * error or the 120 s inactivity time-out of TCP-UDP setup / IEC HDLC setup):
 *  - a session not associated 10 s after its open or release closes. The standards set no such
 *    limit (the Green Book has only the inactivity time-outs of IC 41 and IC 23 [M]); 10 s covers
 *    an association over a slow GPRS link and the optical port's whole opening (IEC 62056-21 at
 *    300 Bd with reaction times up to 1.5 s, the HHU's pause, SNRM and AARQ: a few seconds);
 *  - a frame begun and not complete 5 s after its first byte closes the session (TCP kinds): the
 *    longest frame, 2 KiB, takes under 2 s even at 9.6 kbit/s. On a serial line the frame's own
 *    inter-octet time-out (IEC 62056-46, IC 23 attribute 7: 25 ms) drops it instead;
 *  - when every slot is taken, a new connection evicts the non-associated session idle longest
 *    (an associated one never), first one that never completed a frame, only one open for at
 *    least 50 ms, and at most one eviction per 50 ms: connections reopened as fast as they are
 *    closed then turn the slots over oldest first, 20 a second, and a newcomer keeps its slot
 *    for 50 ms x the slots (400 ms with 8) to send its first frame (its AARQ, or an SNRM, which
 *    protects it from sessions that never completed a frame), while it waits at most about as
 *    long in the listen backlog for a slot. */
#ifndef MFW_LINK_ASSOCIATE_TIMEOUT_MS
#define MFW_LINK_ASSOCIATE_TIMEOUT_MS 10000u
#endif
#ifndef MFW_LINK_FRAME_TIMEOUT_MS
#define MFW_LINK_FRAME_TIMEOUT_MS 5000u
#endif
#ifndef MFW_LINK_EVICT
#define MFW_LINK_EVICT 1
#endif
#ifndef MFW_LINK_EVICT_GRACE_MS
#define MFW_LINK_EVICT_GRACE_MS 50u
#endif

/* HDLC (IEC 62056-46): the longest information field the meter sends and receives, and its
 * largest window, what the IEC HDLC setup object (IC 23) shows and an SNRM can get (a client that
 * proposes nothing gets 128 bytes and window 1). By default a whole PDU and its 3-byte LLC header
 * fit one frame (a block of a profile goes in one I-frame), at most the 2030 bytes of the longest
 * frame; the receive buffer of each session grows to hold one I-frame of this size. */
#ifndef MFW_HDLC_INFO_MAX
#if MFW_DLMS_SERVER_MAX_PDU + 3u < 128u
#define MFW_HDLC_INFO_MAX 128u
#elif MFW_DLMS_SERVER_MAX_PDU + 3u < 2030u
#define MFW_HDLC_INFO_MAX (MFW_DLMS_SERVER_MAX_PDU + 3u)
#else
#define MFW_HDLC_INFO_MAX 2030u
#endif
#endif
#ifndef MFW_HDLC_WINDOW_MAX
#define MFW_HDLC_WINDOW_MAX 7u
#endif

/* ---- meter: billing ------------------------------------------------------------------------------ */

/* Billing dates of the single action schedule (IC 22 execution_time entries). */
#ifndef MFW_BILLING_ENTRIES_MAX
#define MFW_BILLING_ENTRIES_MAX 8
#endif

/* ---- meter: demand ------------------------------------------------------------------------------- */

/* Quantities per demand instance (A+, A-, R+, R- at most). */
#ifndef MFW_DEMAND_QTY_MAX
#define MFW_DEMAND_QTY_MAX 4
#endif

/* Largest number_of_periods of a sliding window (15 x 1 min = 15 min is the usual extreme). */
#ifndef MFW_DEMAND_PERIODS_MAX
#define MFW_DEMAND_PERIODS_MAX 15
#endif

/* Default period: 15 min block demand (IDIS / Kamstrup analysis logger default). */
#ifndef MFW_DEMAND_PERIOD_S
#define MFW_DEMAND_PERIOD_S 900u
#endif

/* ---- meter: disconnector, load control, limiter ------------------------------------------- */

/* How long after a command the breaker's contact is checked (hal.relay_sensed, and the current
 * through an open breaker): a latching breaker moves in tens of ms; one 200 ms measurement window
 * and a margin. */
#ifndef MFW_DISCONNECT_CHECK_MS
#define MFW_DISCONNECT_CHECK_MS 500u
#endif

/* Load-control relays a model can have (the brochure: one or two). */
#ifndef MFW_LOAD_RELAYS_MAX
#define MFW_LOAD_RELAYS_MAX 2u
#endif

/* Emergency profile group ids the limiter keeps (IC 71 attribute 9). */
#ifndef MFW_LIMITER_GROUPS_MAX
#define MFW_LIMITER_GROUPS_MAX 4u
#endif

/* ---- meter: prepayment ---------------------------------------------------------------------- */

/* Credit the meter reserves ahead in its store (Wh): before the energy charged against the credit
 * passes the stored reservation, a new one this much higher is stored, so a cut without warning
 * gives back at most this much credit too little and never any too much (prepayment.h). */
#ifndef MFW_PREPAY_RESERVE_WH
#define MFW_PREPAY_RESERVE_WH 50u
#endif

/* Top-up transaction ids the meter remembers (a top-up whose id it holds is not applied again;
 * with the list full, neither is one older than all of them). */
#ifndef MFW_PREPAY_TOKENS_MAX
#define MFW_PREPAY_TOKENS_MAX 16u
#endif

/* ---- meter: grid identifiers ----------------------------------------------------------------- */

/* Longest substation and grid-line identifier (octet-strings, neutral fault alarms). */
#ifndef MFW_GRID_ID_MAX
#define MFW_GRID_ID_MAX 16u
#endif

/* ---- meter: display ------------------------------------------------------------------------------ */

/* Items of the display list, and how long each one shows. */
#ifndef MFW_DISPLAY_ITEMS_MAX
#define MFW_DISPLAY_ITEMS_MAX 40
#endif

#ifndef MFW_DISPLAY_MS_PER_ITEM
#define MFW_DISPLAY_MS_PER_ITEM 5000u
#endif

/* |Q| below this counts as 0 for the quadrant indicator (var). 1 var is far below the reactive
 * power at the starting current (230 V x 20 mA = 4.6 VA). */
#ifndef MFW_DISPLAY_Q_ZERO_VAR
#define MFW_DISPLAY_Q_ZERO_VAR 1.0
#endif

/* ---- meter: eventlog ----------------------------------------------------------------------------- */

/* Entries of each event log (the brochure: 200 loggings). */
/* Image transfer (IC 18): blocks of a new image the meter keeps track of (the bit-string of
 * attribute 3: 2048 blocks of 448..960 bytes, 0.9..1.9 MB), and the longest identification. */
#ifndef MFW_IMAGE_BLOCKS_MAX
#define MFW_IMAGE_BLOCKS_MAX 2048u
#endif
#ifndef MFW_IMAGE_ID_MAX
#define MFW_IMAGE_ID_MAX 32u
#endif

#ifndef MFW_EVENTLOG_DEPTH
#define MFW_EVENTLOG_DEPTH 200u
#endif

/* Default long power failure threshold (0.0.96.7.20.255), seconds. IDIS/DSMR default 180 s. */
#ifndef MFW_EVENTLOG_LONG_PF_S
#define MFW_EVENTLOG_LONG_PF_S 180u
#endif

/* ---- meter: profile ------------------------------------------------------------------------------ */

/* Most columns of one profile. The billing profile needs 38 (every energy register per tariff and
 * the maximum demands), so the engine allows 40; the analysis log is limited to
 * MFW_PROFILE_ANALYSIS_COLUMNS by mfw_profile_config_analysis(). */
#ifndef MFW_PROFILE_COLUMNS_MAX
#define MFW_PROFILE_COLUMNS_MAX 40
#endif

/* Columns of the analysis log (the brochure: up to 16 registers at a time). */
#ifndef MFW_PROFILE_ANALYSIS_COLUMNS
#define MFW_PROFILE_ANALYSIS_COLUMNS 16
#endif

/* Default depths (entries exposed). LP1: 40 days x 96 quarter hours. */
#ifndef MFW_PROFILE_LP1_DEPTH
#define MFW_PROFILE_LP1_DEPTH 3840u
#endif

#ifndef MFW_PROFILE_DAILY_DEPTH
#define MFW_PROFILE_DAILY_DEPTH 400u
#endif

#ifndef MFW_PROFILE_BILLING_DEPTH
#define MFW_PROFILE_BILLING_DEPTH 25u
#endif

#ifndef MFW_PROFILE_ANALYSIS_DEPTH
#define MFW_PROFILE_ANALYSIS_DEPTH 1440u /* 15 days at 15 min */
#endif

/* ---- meter: tou ---------------------------------------------------------------------------------- */

/* Sizes of the activity calendar (IC 20): seasons, week profiles, day profiles, actions per day,
 * special days, the length of a name. */
#ifndef MFW_TOU_SEASONS_MAX
#define MFW_TOU_SEASONS_MAX 4
#endif

#ifndef MFW_TOU_WEEKS_MAX
#define MFW_TOU_WEEKS_MAX 4
#endif

#ifndef MFW_TOU_DAYS_MAX
#define MFW_TOU_DAYS_MAX 8
#endif

#ifndef MFW_TOU_ACTIONS_MAX
#define MFW_TOU_ACTIONS_MAX 8
#endif

#ifndef MFW_TOU_SPECIAL_DAYS_MAX
#define MFW_TOU_SPECIAL_DAYS_MAX 32
#endif

#ifndef MFW_TOU_NAME_MAX
#define MFW_TOU_NAME_MAX 8
#endif

/* Tariff registers T1..Tn (the brochure: up to 8 tariffs). */
#ifndef MFW_TARIFFS
#define MFW_TARIFFS 8
#endif

/* ---- store ---------------------------------------------------------------------------------- */

/* Areas a store layout may have (the meter uses 6 + the event logs). */

#ifndef MFW_STORE_AREAS_MAX
#define MFW_STORE_AREAS_MAX 16
#endif

/* ---- communication modules (link/module.h) ----------------------------------------------- */

/* Module slots of the meter: the brochure's communication module (WAN: radio, GSM/GPRS, M-Bus,
 * TCP/IP) and the Consumer Communication Channel module outside the seal, and two spare. */
#ifndef MFW_MODULE_SLOTS
#define MFW_MODULE_SLOTS 4
#endif

/* The identification a module gives of itself (COSEM view 0.0.96.128.s.255), in characters. */
#ifndef MFW_MODULE_IDENT_MAX
#define MFW_MODULE_IDENT_MAX 32
#endif

/* The destination of a push setup ("host:port", IC 40 attribute 3), in characters. */
#ifndef MFW_PUSH_DEST_MAX
#define MFW_PUSH_DEST_MAX 48
#endif

/* The consumer text message 0.0.96.13.0.255 (DSMR 5.0.2 7.2 allows 1024 characters; a meter
 * keeps fewer). */
#ifndef MFW_CONSUMER_TEXT_MAX
#define MFW_CONSUMER_TEXT_MAX 128
#endif

#include "meterfw/base/options_check.h"

#endif /* METERFW_BASE_OPTIONS_H */
