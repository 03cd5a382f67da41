/* SPDX-License-Identifier: Apache-2.0 */
/* script: the meter's script tables (Script table IC 9), which the limiter's actions, the single
 * action schedules and clients run. A script is named by its table's logical name and a selector
 * (Blue Book "script" {script_logical_name, script_selector} [M]):
 *
 *   0.0.10.0.1.255    end of billing           1 run the end of billing
 *   0.0.10.0.106.255  disconnect control       1 local disconnection, 2 local reconnection
 *   0.0.10.0.103.255  set output signals       1 load relay 1 on, 2 relay 1 off, 3 relay 2 on,
 *                                              4 relay 2 off, 5 shed (every load relay off until
 *                                              restored), 6 restore (demand response)
 *
 * (OBIS of the tables: Blue Book "MDI reset / end of billing period", "Disconnect control", "Set
 * output signals" [V: Gurux OBISCodes.txt].) The disconnect control scripts are the meter's own
 * functions acting on the breaker, so they make the local transitions g and h of IC 70 and hold
 * the breaker open as the "script" cause until the reconnection script runs (disconnector.h). */
#ifndef METERFW_METER_SCRIPT_H
#define METERFW_METER_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>

enum mfw_script_table {
    MFW_SCRIPT_NONE = 0,
    MFW_SCRIPT_BILLING,
    MFW_SCRIPT_DISCONNECT,
    MFW_SCRIPT_OUTPUT,
    MFW_SCRIPT_TABLES
};

enum {
    MFW_SCRIPT_DISCONNECT_OPEN = 1,
    MFW_SCRIPT_DISCONNECT_CLOSE = 2,
    MFW_SCRIPT_OUTPUT_SHED = 5,
    MFW_SCRIPT_OUTPUT_RESTORE = 6,
};

struct mfw_script_ref {
    uint8_t table; /* enum mfw_script_table */
    uint16_t selector;
};

/* The logical name of a table (NULL for MFW_SCRIPT_NONE: six zero bytes), and the table of a
 * logical name (MFW_SCRIPT_NONE for all zeros or an unknown one: *known false for the latter). */
const uint8_t *mfw_script_ln(uint8_t table);
uint8_t mfw_script_of_ln(const uint8_t ln[6], bool *known);
/* Scripts a table holds (selectors 1..n). */
unsigned mfw_script_count(uint8_t table);
/* A reference the meter can run: no script, or a table and one of its selectors. */
bool mfw_script_valid(const struct mfw_script_ref *s);

#endif /* METERFW_METER_SCRIPT_H */
