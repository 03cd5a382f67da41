/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_disconnect: Disconnect control (Blue Book IEC 62056-6-2 4.5.8, IC 70, version 0 [M];
 * the data types as Gurux serves them [V: gxget.c cosem_getDisconnectControl]) over the meter's
 * breaker (meter/disconnector.h): 0.0.96.3.10.255, in a model with breaker.
 *
 *   2 output_state   boolean: where the contact actually is (TRUE closed = connected), the
 *                    breaker's sensor (a welded contact reads TRUE whatever the state)
 *   3 control_state  enum: 0 disconnected, 1 connected, 2 ready_for_reconnection
 *   4 control_mode   enum 0..6, written through mfw_meter_apply_settings (persisted; mode 0
 *                    connects)
 *   m1 remote_disconnect(integer 0), m2 remote_reconnect(integer 0): transitions b, c and a, d;
 *   a method the mode does not allow, or that a local cause blocks (credit used up, a neutral
 *   fault, the limiter), has no effect and is answered temporary-failure ([U]: the Blue Book says
 *   only "no effect"; a head-end must learn it did not happen). Its parameter: integer(0) as the
 *   Blue Book asks, or none. */
#include "cosem_class.h"

#include "meterfw/codec/axdr.h"

static int disconnect_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                          struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_meter *m = c->m;
    switch (st->attr) {
    case 2: mfw_axdr_put_bool(w, mfw_meter_disconnect_output(m)); break;
    case 3: mfw_axdr_put_enum(w, m->disc.state); break;
    default: mfw_axdr_put_enum(w, m->settings.disconnect_mode); break;
    }
    return MFW_DAR_SUCCESS;
}

static int disconnect_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    (void)attr;
    uint8_t mode;
    if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_enum(value, &mode)))
        return MFW_DAR_TYPE_UNMATCHED;
    struct mfw_meter_settings s = c->m->settings;
    s.disconnect_mode = mode; /* 0..6, checked by the meter */
    return mfw_cosem_class_apply(c->m, &s);
}

static int disconnect_action(const struct mfw_cosem_call *c, unsigned method,
                             struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)ret;
    (void)has_ret;
    if (!mfw_cosem_class_no_params(params))
        return MFW_DAR_TYPE_UNMATCHED;
    return mfw_cosem_class_result(mfw_meter_disconnect_remote(c->m, method == 2));
}

const struct mfw_cosem_class mfw_cosem_disconnect_class = {
    .class_id = MFW_IC_DISCONNECT_CONTROL,
    .version = 0,
    .attributes = 4,
    .methods = 2, /* remote_disconnect, remote_reconnect */
    .get_item = disconnect_get,
    .set = disconnect_set,
    .action = disconnect_action,
};
