/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_hdlc_setup: IEC HDLC setup (Blue Book "IEC HDLC setup" [M], IC 23, version 1)
 * 0.0.22.0.0.255: the settings the HDLC sessions of the link use (struct mfw_port_setup_hdlc in
 * the object model's environment): 2 comm_speed (enum), 3 window_size_transmit (unsigned),
 * 4 window_size_receive (unsigned), 5 max_info_field_length_transmit (long-unsigned; unsigned in
 * version 0), 6 max_info_field_length_receive (long-unsigned), 7 inter_octet_time_out
 * (long-unsigned, ms), 8 inactivity_time_out (long-unsigned, s), 9 device_address
 * (long-unsigned, the lower HDLC address). No methods. Read-only: the port owns them. The values
 * are the meter's limits: a client gets the smaller of them and what its SNRM proposes. */
#include "cosem_class.h"
#include "meterfw/codec/axdr.h"

static int hdlc_setup_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                          struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_port_setup_hdlc *h = &c->env->ports.hdlc;
    switch (st->attr) {
    case 2: mfw_axdr_put_enum(w, h->comm_speed); break;
    case 3: mfw_axdr_put_u8(w, h->window_tx); break;
    case 4: mfw_axdr_put_u8(w, h->window_rx); break;
    case 5: mfw_axdr_put_u16(w, h->max_info_tx); break;
    case 6: mfw_axdr_put_u16(w, h->max_info_rx); break;
    case 7: mfw_axdr_put_u16(w, h->inter_octet_ms); break;
    case 8: mfw_axdr_put_u16(w, h->inactivity_s); break;
    default: mfw_axdr_put_u16(w, h->device_address); break;
    }
    return MFW_DAR_SUCCESS;
}

const struct mfw_cosem_class mfw_cosem_hdlc_setup_class = {
    .class_id = MFW_IC_IEC_HDLC_SETUP,
    .version = 1,
    .attributes = 9,
    .methods = 0,
    .get_item = hdlc_setup_get,
};
