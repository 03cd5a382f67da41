/* SPDX-License-Identifier: Apache-2.0 */
/* The script tables' names and sizes: see script.h (what a script does is the meter's, meter.c). */
#include "meterfw/meter/script.h"

#include <string.h>

static const uint8_t table_ln[MFW_SCRIPT_TABLES][6] = {
    [MFW_SCRIPT_NONE] = {0, 0, 0, 0, 0, 0},
    [MFW_SCRIPT_BILLING] = {0, 0, 10, 0, 1, 255},
    [MFW_SCRIPT_DISCONNECT] = {0, 0, 10, 0, 106, 255},
    [MFW_SCRIPT_OUTPUT] = {0, 0, 10, 0, 103, 255},
};

const uint8_t *mfw_script_ln(uint8_t table)
{
    return table < MFW_SCRIPT_TABLES ? table_ln[table] : table_ln[MFW_SCRIPT_NONE];
}

uint8_t mfw_script_of_ln(const uint8_t ln[6], bool *known)
{
    for (uint8_t k = 0; k < MFW_SCRIPT_TABLES; k++)
        if (memcmp(ln, table_ln[k], 6) == 0) {
            *known = true;
            return k;
        }
    *known = false;
    return MFW_SCRIPT_NONE;
}

unsigned mfw_script_count(uint8_t table)
{
    switch (table) {
    case MFW_SCRIPT_BILLING: return 1;
    case MFW_SCRIPT_DISCONNECT: return 2;
    case MFW_SCRIPT_OUTPUT: return 6;
    default: return 0;
    }
}

bool mfw_script_valid(const struct mfw_script_ref *s)
{
    if (s->table == MFW_SCRIPT_NONE)
        return true;
    return s->table < MFW_SCRIPT_TABLES && s->selector >= 1 &&
           s->selector <= mfw_script_count(s->table);
}
