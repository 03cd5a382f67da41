/* SPDX-License-Identifier: Apache-2.0 */
/* The meter's default time-of-use calendar (used until a utility writes its own through the
 * activity calendar, COSEM IC 20): two seasons, weekday/weekend, three tariffs, three holidays. */
#include <string.h>

#include "meterfw/meter/meter.h"

static struct mfw_tou_name name_of(const char *s)
{
    struct mfw_tou_name n = {0};
    size_t len = strlen(s);
    n.len = (uint8_t)(len < MFW_TOU_NAME_MAX ? len : MFW_TOU_NAME_MAX);
    memcpy(n.b, s, n.len);
    return n;
}

static struct mfw_tou_day_action at(uint8_t hour, uint16_t tariff)
{
    return (struct mfw_tou_day_action){{hour, 0, 0}, tariff};
}

void mfw_meter_default_tou(struct mfw_tou *t)
{
    mfw_tou_init(t);
    struct mfw_tou_calendar *c = &t->active;
    c->name = name_of("DEFAULT");
    /* Seasons start at 00:00 local on 1 April (summer) and 1 October (winter), every year. */
    c->n_seasons = 2;
    c->seasons[0] = (struct mfw_tou_season){
        name_of("SUMMER"), {{MFW_TOU_YEAR_ANY, 4, 1, MFW_TOU_ANY}, {0, 0, 0}}, name_of("WSUM")};
    c->seasons[1] = (struct mfw_tou_season){
        name_of("WINTER"), {{MFW_TOU_YEAR_ANY, 10, 1, MFW_TOU_ANY}, {0, 0, 0}}, name_of("WWIN")};
    /* Week profiles: Monday..Friday a working-day profile, Saturday and Sunday day 3. */
    c->n_weeks = 2;
    c->weeks[0] = (struct mfw_tou_week){name_of("WSUM"), {1, 1, 1, 1, 1, 3, 3}};
    c->weeks[1] = (struct mfw_tou_week){name_of("WWIN"), {2, 2, 2, 2, 2, 3, 3}};
    /* Day profiles: 1 summer working day T1 07-21, T2 at night; 2 winter working day adds the
     * T3 peak 17-20; 3 weekend and holiday all T2. */
    c->n_days = 3;
    c->days[0] = (struct mfw_tou_day){1, 3, {at(0, 2), at(7, 1), at(21, 2)}};
    c->days[1] = (struct mfw_tou_day){2, 5, {at(0, 2), at(7, 1), at(17, 3), at(20, 1), at(21, 2)}};
    c->days[2] = (struct mfw_tou_day){3, 1, {at(0, 2)}};
    t->passive = t->active;
    /* Holidays, every year (IC 11 special days). */
    const struct mfw_tou_special_day hol[3] = {
        {1, {MFW_TOU_YEAR_ANY, 1, 1, MFW_TOU_ANY}, 3},
        {2, {MFW_TOU_YEAR_ANY, 12, 25, MFW_TOU_ANY}, 3},
        {3, {MFW_TOU_YEAR_ANY, 12, 26, MFW_TOU_ANY}, 3},
    };
    for (unsigned k = 0; k < 3; k++)
        mfw_tou_special_insert(t, &hol[k]);
}
