/* SPDX-License-Identifier: Apache-2.0 */
/* Option profile "minimal": the smallest meter meterfw builds for, a 162M (one phase) with one
 * association at a time, short profiles and logs (so that a run of a few simulated days wraps
 * every ring), four tariffs and small DLMS buffers. Built and tested by make test
 * (tests/options/CMakeLists.txt) so that no option rots. */
#define MFW_PHASES_MAX 1
#define MFW_ASSOCIATIONS_MAX 1u
#define MFW_TARIFFS 4
#define MFW_DLMS_SERVER_MAX_PDU 256u
#define MFW_DLMS_SERVER_LIST_BUF 256u
#define MFW_DLMS_SERVER_SET_BUF 512u
#define MFW_XDLMS_LIST_MAX 4u
#define MFW_PROFILE_COLUMNS_MAX 22 /* the billing profile: 4 x 4 tariffs + 6 */
#define MFW_PROFILE_ANALYSIS_COLUMNS 4
#define MFW_PROFILE_LP1_DEPTH 96u /* a day */
#define MFW_PROFILE_DAILY_DEPTH 2u
#define MFW_PROFILE_BILLING_DEPTH 2u
#define MFW_PROFILE_ANALYSIS_DEPTH 16u
#define MFW_EVENTLOG_DEPTH 8u
#define MFW_TOU_SEASONS_MAX 2
#define MFW_TOU_WEEKS_MAX 2
#define MFW_TOU_DAYS_MAX 4
#define MFW_TOU_ACTIONS_MAX 5 /* the default calendar's winter day has 5 */
#define MFW_TOU_SPECIAL_DAYS_MAX 8
#define MFW_BILLING_ENTRIES_MAX 2
#define MFW_DEMAND_PERIODS_MAX 4
#define MFW_DISPLAY_ITEMS_MAX 25 /* the display list of src/meter/display.c */
