/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_tcp_setup: TCP-UDP setup (Blue Book 4.9.1 [M], IC 41, version 0) 0.0.25.0.0.255: the
 * port's settings as the object model's environment holds them (struct mfw_cosem_env): 2 TCP-UDP
 * port, 3 IP reference (0.0.25.1.0.255, the IPv4 setup), 4 MSS, 5 nb_of_sim_conn, 6 inactivity
 * time-out (s). Read-only: the port owns them. */
#include "cosem_class.h"
#include "meterfw/codec/axdr.h"

static int tcp_setup_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                         struct mfw_wcursor *w)
{
    (void)i;
    const struct mfw_cosem_env *env = c->env;
    switch (st->attr) {
    case 2: mfw_axdr_put_u16(w, env->tcp_port); break;
    case 3: {
        static const uint8_t ip4[6] = {0, 0, 25, 1, 0, 255};
        mfw_axdr_put_octets(w, ip4, 6);
        break;
    }
    case 4: mfw_axdr_put_u16(w, env->mss); break;
    case 5: mfw_axdr_put_u8(w, env->max_conns); break;
    default: mfw_axdr_put_u16(w, env->inactivity_s); break;
    }
    return MFW_DAR_SUCCESS;
}

const struct mfw_cosem_class mfw_cosem_tcp_setup_class = {
    .class_id = MFW_IC_TCP_UDP_SETUP,
    .version = 0,
    .attributes = 6,
    .methods = 0,
    .get_item = tcp_setup_get,
};
