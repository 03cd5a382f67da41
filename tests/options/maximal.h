/* SPDX-License-Identifier: Apache-2.0 */
/* Option profile "maximal": a 382M with 32 associations, large DLMS buffers, a year of load
 * profile and long logs and calendars. Built and tested by make test (tests/options/) so that no
 * option rots. */
#define MFW_PHASES_MAX 3
#define MFW_ASSOCIATIONS_MAX 32u
#define MFW_DLMS_SERVER_MAX_PDU 4096u
#define MFW_DLMS_SERVER_LIST_BUF 8192u
#define MFW_DLMS_SERVER_SET_BUF 8192u
#define MFW_XDLMS_LIST_MAX 64u
#define MFW_PROFILE_LP1_DEPTH 35136u /* 366 days of quarter hours */
#define MFW_PROFILE_DAILY_DEPTH 800u
#define MFW_PROFILE_BILLING_DEPTH 60u
#define MFW_PROFILE_ANALYSIS_DEPTH 5000u
#define MFW_EVENTLOG_DEPTH 500u
#define MFW_TOU_SEASONS_MAX 8
#define MFW_TOU_WEEKS_MAX 8
#define MFW_TOU_DAYS_MAX 16
#define MFW_TOU_ACTIONS_MAX 16
#define MFW_TOU_SPECIAL_DAYS_MAX 64
#define MFW_BILLING_ENTRIES_MAX 12
#define MFW_DISPLAY_ITEMS_MAX 64
