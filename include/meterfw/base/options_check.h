/* SPDX-License-Identifier: Apache-2.0 */
/* options_check: rejects an inconsistent set of compile-time options (options.h) at compile time,
 * with the rule it breaks, instead of a meter that misbehaves at run time. Included by options.h
 * after the user options file and the defaults; not meant to be included on its own. */
#ifndef METERFW_BASE_OPTIONS_CHECK_H
#define METERFW_BASE_OPTIONS_CHECK_H

/* metrology */
#if MFW_PHASES_MAX < 1 || MFW_PHASES_MAX > 3
#error "MFW_PHASES_MAX: 1 (162M only) to 3 (382M)"
#endif
#if MFW_METRO_CHUNK < 8 || MFW_METRO_CHUNK > 1024
#error "MFW_METRO_CHUNK: 8..1024 samples (a stack buffer of the reference sine per chunk)"
#endif
#if MFW_WINDOW_CYCLES_50HZ < 1 || MFW_WINDOW_CYCLES_60HZ < 1
#error "MFW_WINDOW_CYCLES_50HZ/60HZ: at least one line cycle per window"
#endif
#if MFW_CAL_POINTS < 1 || MFW_CAL_POINTS > 16
#error "MFW_CAL_POINTS: 1..16 points of the current-dependent gain and phase correction"
#endif
#if MFW_S0_PULSE_MS < 30 || MFW_S0_PAUSE_MS < 30
#error "MFW_S0_PULSE_MS/MFW_S0_PAUSE_MS: DIN 43864 asks at least 30 ms on and off"
#endif
#if MFW_PULSE_IMP_PER_KWH < 1
#error "MFW_PULSE_IMP_PER_KWH: at least 1 impulse per kWh"
#endif

/* cosem and dlms */
#if MFW_ASSOCIATIONS_MAX < 1 || MFW_ASSOCIATIONS_MAX > 64
#error "MFW_ASSOCIATIONS_MAX: 1..64 associations (and link sessions)"
#endif
#if MFW_DLMS_SERVER_MAX_PDU < 64 || MFW_DLMS_SERVER_MAX_PDU > 65535
#error "MFW_DLMS_SERVER_MAX_PDU: 64..65535 (server-max-receive-pdu-size is 16 bits)"
#endif
#if MFW_DLMS_SERVER_LIST_BUF < MFW_DLMS_SERVER_MAX_PDU
#error "MFW_DLMS_SERVER_LIST_BUF: at least one PDU (a GET-with-list answer is built whole)"
#endif
#if MFW_DLMS_SERVER_SET_BUF < 64
#error "MFW_DLMS_SERVER_SET_BUF: at least 64 bytes (a SET with blocks of a calendar needs more)"
#endif
#if MFW_XDLMS_LIST_MAX < 1 || MFW_XDLMS_LIST_MAX > 255
#error "MFW_XDLMS_LIST_MAX: 1..255 references (the count of a with-list request is one byte here)"
#endif
#if MFW_COSEM_SECRET_MAX < 8 || MFW_COSEM_SECRET_MAX > 64
#error "MFW_COSEM_SECRET_MAX: 8..64 bytes (an LLS password is 8 in IDIS)"
#endif
#if MFW_COSEM_OBJECTS_MAX < 1 || MFW_COSEM_OBJECTS_MAX > 65535
#error "MFW_COSEM_OBJECTS_MAX: 1..65535 objects (the lookup index holds 16-bit object indices)"
#endif

/* security */
#if MFW_SECURITY_IC_RESERVE < 1 || MFW_SECURITY_IC_RESERVE > 65536
#error "MFW_SECURITY_IC_RESERVE: 1..65536 counter values reserved ahead (one record per block)"
#endif
#if MFW_SECURITY_LOCKOUT_FAILURES < 1 || MFW_SECURITY_LOCKOUT_FAILURES > 255
#error "MFW_SECURITY_LOCKOUT_FAILURES: 1..255 failed associations before a lock-out"
#endif
#if MFW_SECURITY_LOCKOUT_MS < 1 || MFW_SECURITY_LOCKOUT_MAX_MS < MFW_SECURITY_LOCKOUT_MS
#error "MFW_SECURITY_LOCKOUT_MS: at least 1 ms, and no more than MFW_SECURITY_LOCKOUT_MAX_MS"
#endif

/* link */
#if MFW_LINK_RX_APDU_MAX < MFW_DLMS_SERVER_MAX_PDU || MFW_LINK_RX_APDU_MAX > 65535
#error "MFW_LINK_RX_APDU_MAX: MFW_DLMS_SERVER_MAX_PDU (what an AARE announces) to 65535"
#endif
#if MFW_LINK_TX_APDU_MAX < 64 || MFW_LINK_TX_APDU_MAX > 65535
#error "MFW_LINK_TX_APDU_MAX: 64 (room for an AARE; the smallest max_pdu of the server)..65535"
#endif
#if MFW_HDLC_INFO_MAX < 128 || MFW_HDLC_INFO_MAX > 2030
#error "MFW_HDLC_INFO_MAX: 128 (the length every HDLC station takes)..2030 (the longest frame)"
#endif
#if MFW_HDLC_WINDOW_MAX < 1 || MFW_HDLC_WINDOW_MAX > 7
#error "MFW_HDLC_WINDOW_MAX: 1..7 frames (N(S) and N(R) are modulo 8)"
#endif

/* meter */
#if MFW_TARIFFS < 1 || MFW_TARIFFS > 8
#error "MFW_TARIFFS: 1..8 tariff registers (the OBIS E group 1..8; the brochure's 8 tariffs)"
#endif
#if MFW_PROFILE_ANALYSIS_COLUMNS > MFW_PROFILE_COLUMNS_MAX
#error "MFW_PROFILE_ANALYSIS_COLUMNS: no more than MFW_PROFILE_COLUMNS_MAX"
#endif
#if MFW_DISCONNECT_CHECK_MS < 1 || MFW_DISCONNECT_CHECK_MS > 60000
#error "MFW_DISCONNECT_CHECK_MS: 1 ms..60 s between a breaker command and its check"
#endif
#if MFW_LOAD_RELAYS_MAX > 2
#error "MFW_LOAD_RELAYS_MAX: 0..2 load-control relays (the brochure's one or two)"
#endif
#if MFW_LIMITER_GROUPS_MAX < 1 || MFW_LIMITER_GROUPS_MAX > 16
#error "MFW_LIMITER_GROUPS_MAX: 1..16 emergency profile group ids"
#endif
#if MFW_PREPAY_RESERVE_WH < 1 || MFW_PREPAY_RESERVE_WH > 10000
#error "MFW_PREPAY_RESERVE_WH: 1..10000 Wh of credit reserved ahead in the store"
#endif
#if MFW_PREPAY_TOKENS_MAX < 1 || MFW_PREPAY_TOKENS_MAX > 64
#error "MFW_PREPAY_TOKENS_MAX: 1..64 remembered top-up transaction ids"
#endif
#if MFW_GRID_ID_MAX < 1 || MFW_GRID_ID_MAX > 64
#error "MFW_GRID_ID_MAX: 1..64 bytes of a substation or grid-line identifier"
#endif
#if MFW_PROFILE_COLUMNS_MAX < 4 * MFW_TARIFFS + 6
#error "MFW_PROFILE_COLUMNS_MAX: the billing profile needs 4 x MFW_TARIFFS + 6 columns"
#endif
#if MFW_PROFILE_COLUMNS_MAX > 62
#error "MFW_PROFILE_COLUMNS_MAX: at most 62 (a read selects columns in a 64-bit mask)"
#endif
#if MFW_PROFILE_LP1_DEPTH < 96 || MFW_PROFILE_DAILY_DEPTH < 1 || MFW_PROFILE_BILLING_DEPTH < 1 ||  \
    MFW_PROFILE_ANALYSIS_DEPTH < 1
#error "MFW_PROFILE_*_DEPTH: the load profile keeps at least a day (96 rows), the others one row"
#endif
#if MFW_EVENTLOG_DEPTH < 1
#error "MFW_EVENTLOG_DEPTH: at least one entry per event log"
#endif
#if MFW_DEMAND_PERIODS_MAX < 1 || MFW_DEMAND_PERIODS_MAX > 255
#error "MFW_DEMAND_PERIODS_MAX: 1..255 sub-periods of a sliding demand window"
#endif
#if MFW_DEMAND_PERIOD_S < 60 || 86400 % MFW_DEMAND_PERIOD_S != 0
#error "MFW_DEMAND_PERIOD_S: a divisor of a day, at least a minute"
#endif
#if MFW_DEMAND_QTY_MAX < 2
#error "MFW_DEMAND_QTY_MAX: at least A+ and A-"
#endif
#if MFW_BILLING_ENTRIES_MAX < 1
#error "MFW_BILLING_ENTRIES_MAX: at least one billing date"
#endif
#if MFW_TOU_SEASONS_MAX < 1 || MFW_TOU_WEEKS_MAX < 1 || MFW_TOU_DAYS_MAX < 1 ||                    \
    MFW_TOU_ACTIONS_MAX < 1 || MFW_TOU_NAME_MAX < 1
#error "MFW_TOU_*: an activity calendar needs at least one season, week, day, action and a name"
#endif
/* src/meter/meter_default_tou.c: 2 seasons, 2 weeks, 3 day profiles (the winter working day has 5
 * actions), tariffs T1..T3, 3 holidays */
#if MFW_TOU_SEASONS_MAX < 2 || MFW_TOU_WEEKS_MAX < 2 || MFW_TOU_DAYS_MAX < 3 ||                    \
    MFW_TOU_ACTIONS_MAX < 5 || MFW_TOU_SPECIAL_DAYS_MAX < 3 || MFW_TARIFFS < 3
#error                                                                                             \
    "MFW_TOU_*, MFW_TARIFFS: the default calendar needs 2 seasons, 2 weeks, 3 days of up to 5 actions, 3 special days and 3 tariffs"
#endif
#if MFW_DISPLAY_ITEMS_MAX < 25
#error "MFW_DISPLAY_ITEMS_MAX: the display list (src/meter/display.c) has 25 items"
#endif
#if MFW_DISPLAY_ITEMS_MAX < 1
#error "MFW_DISPLAY_ITEMS_MAX: at least one display item"
#endif

/* store */
#if MFW_STORE_AREAS_MAX < 15
#error                                                                                             \
    "MFW_STORE_AREAS_MAX: the meter's layout has 15 areas (6, the 6 event logs, security, counters, prepayment)"
#endif

/* communication modules */
#if MFW_MODULE_SLOTS < 1 || MFW_MODULE_SLOTS > 8
#error "MFW_MODULE_SLOTS: 1..8 (the COSEM view has one object per slot)"
#endif
#if MFW_MODULE_IDENT_MAX < 8 || MFW_MODULE_IDENT_MAX > 64
#error "MFW_MODULE_IDENT_MAX: 8..64 characters"
#endif
#if MFW_CONSUMER_TEXT_MAX < 1 || MFW_CONSUMER_TEXT_MAX > 1024
#error "MFW_CONSUMER_TEXT_MAX: 1..1024 (DSMR 5.0.2 7.2)"
#endif

#endif /* METERFW_BASE_OPTIONS_CHECK_H */
