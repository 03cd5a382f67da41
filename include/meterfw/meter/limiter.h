/* SPDX-License-Identifier: Apache-2.0 */
/* limiter: load limitation as COSEM Limiter (Blue Book 4.5.9, IC 71 version 0 [M];
 * references/idis-objects.md section 8 [V: S1, S2, S5 p.103]):
 *
 *   monitored_value     a catalogue quantity (default P+ total, 1.0.1.7.0.255 attribute 2), in
 *                       its own unit and scaler (W for powers)
 *   threshold_active    threshold_emergency while the emergency profile is active, else
 *                       threshold_normal; 0 means no limitation (a design choice: a meter out
 *                       of the box limits nothing)
 *   emergency_profile   {id, activation_time, duration}: active from the activation time for the
 *                       duration when its id is in emergency_profile_group_id_list
 *   min_over / min_under_threshold_duration (s): the monitored value above the active threshold
 *                       that long runs action_over_threshold (event 65, limiter threshold
 *                       exceeded); back at or below it that long runs action_under_threshold
 *                       (event 66, threshold OK)
 *   actions             scripts (script.h): the disconnect control's local disconnection and
 *                       reconnection (the default), or the load relays' shed and restore for
 *                       demand response
 *
 * A change of the active threshold (written, or the emergency profile starting or ending) is
 * event 67. The events go to the disconnector log with the active threshold as value (IDIS:
 * that log captures 0.0.17.0.0.255 attribute 3). */
#ifndef METERFW_METER_LIMITER_H
#define METERFW_METER_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

#include "meterfw/base/options.h"
#include "meterfw/base/persist.h"
#include "meterfw/base/time.h"
#include "meterfw/meter/script.h"

struct mfw_limiter_config {
    uint16_t monitored; /* catalogue id (catalog.h) */
    uint32_t threshold_normal, threshold_emergency;
    uint32_t min_over_s, min_under_s;
    uint16_t emergency_id;
    mfw_ms_t emergency_start; /* UTC; 0: none */
    uint32_t emergency_duration_s;
    uint8_t n_groups;
    uint16_t groups[MFW_LIMITER_GROUPS_MAX];
    struct mfw_script_ref over, under;
};

struct mfw_limiter_result {
    bool exceeded;          /* run the over action, log 65 */
    bool ok;                /* run the under action, log 66 */
    bool threshold_changed; /* log 67 */
};

struct mfw_limiter {
    bool over;    /* the over action ran last */
    bool pending; /* the value is on the other side of the threshold, timing */
    mfw_ms_t since;
    uint32_t active; /* threshold_active as last evaluated */
};

/* Off: thresholds 0, P+ total monitored, 60 s over and under, the disconnect scripts as actions,
 * no emergency profile. */
void mfw_limiter_default_config(struct mfw_limiter_config *c);
/* MFW_OK or MFW_E_RANGE (a monitored quantity not in the catalogue, durations over a day, an
 * action that is no script, groups over the bound). */
int mfw_limiter_validate(const struct mfw_limiter_config *c);
void mfw_limiter_init(struct mfw_limiter *l, const struct mfw_limiter_config *c, mfw_ms_t now);

/* Whether the emergency profile is active at now, and the active threshold. */
bool mfw_limiter_emergency_active(const struct mfw_limiter_config *c, mfw_ms_t now);
uint32_t mfw_limiter_threshold(const struct mfw_limiter_config *c, mfw_ms_t now);

/* One evaluation at now of the monitored value (valid false: not available, nothing changes). */
void mfw_limiter_step(struct mfw_limiter *l, const struct mfw_limiter_config *c, double value,
                      bool valid, mfw_ms_t now, struct mfw_limiter_result *out);

void mfw_limiter_save(const struct mfw_limiter *l, struct mfw_wcursor *w);
void mfw_limiter_restore(struct mfw_limiter *l, struct mfw_persist_reader *r);

#endif /* METERFW_METER_LIMITER_H */
