/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_local_port: IEC local port setup (Blue Book "IEC local port setup" [M], IC 19, version 1)
 * 0.0.20.0.0.255: the optical port as the link's IEC 62056-21 session uses it (struct
 * mfw_port_setup_local in the object model's environment): 2 default_mode (enum: 0 IEC 62056-21,
 * 1 HDLC, 2 not specified), 3 default_baud (enum, the rate of the request), 4 prop_baud (enum, the
 * rate the identification proposes), 5 response_time (enum: 0 20 ms, 1 200 ms), 6 device_addr
 * (octet-string, the address of the request), 7 pass_p1, 8 pass_p2, 9 pass_w5 (octet-strings: the
 * passwords of mode C programming, which this meter does not offer: empty). No methods.
 * Read-only: the port owns them. */
#include "cosem_class.h"
#include "meterfw/codec/axdr.h"

static int local_port_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                          struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_port_setup_local *l = &c->env->ports.local;
    switch (st->attr) {
    case 2: mfw_axdr_put_enum(w, l->default_mode); break;
    case 3: mfw_axdr_put_enum(w, l->default_baud); break;
    case 4: mfw_axdr_put_enum(w, l->prop_baud); break;
    case 5: mfw_axdr_put_enum(w, l->response_time); break;
    case 6: {
        size_t n = 0;
        while (n < MFW_PORT_SETUP_ADDRESS_MAX && l->device_address[n] != '\0')
            n++;
        mfw_axdr_put_octets(w, (const uint8_t *)l->device_address, n);
        break;
    }
    default: mfw_axdr_put_octets(w, NULL, 0); break;
    }
    return MFW_DAR_SUCCESS;
}

const struct mfw_cosem_class mfw_cosem_local_port_class = {
    .class_id = MFW_IC_IEC_LOCAL_PORT_SETUP,
    .version = 1,
    .attributes = 9,
    .methods = 0,
    .get_item = local_port_get,
};
