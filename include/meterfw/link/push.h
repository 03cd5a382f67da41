/* SPDX-License-Identifier: Apache-2.0 */
/* push: the WAN module's IDIS pushes to the head-end (references/idis-objects.md section 7):
 * the push setups of the meter (meter.h struct mfw_push_setup, COSEM IC 40 0.x.25.9.0.255) say
 * where, when and how often; this module makes each push a DLMS data-notification (IEC 62056-5-3
 * [M]: 0F, long-invoke-id-and-priority, date-time 0C + 12, the notification body: a structure of
 * the values of the push object list, read through the object model as the management client
 * reads them) in an IEC 62056-47 wrapper frame (source wPort 1, the management logical device;
 * destination wPort the push client's), general-glo-ciphered with the management keys (the
 * global unicast key and the authentication key, SC 0x30, the meter's invocation counter) when
 * configured. The port connects to the destination, sends the frame and tells the outcome
 * (mfw_push_done):
 *   - installation and connectivity: due when the module is fitted (the module is the meter's
 *     connection; it is installed and connected then);
 *   - interval: every interval_s of the meter's time; alarm: by m1 push (no alarm register yet);
 *   - a due push goes after a random delay in [0, randomisation_start_interval] s, inside the
 *     communication window (local time), and is retried number_of_retries times,
 *     repetition_delay s apart; then it is given up until it is due again. */
#ifndef METERFW_LINK_PUSH_H
#define METERFW_LINK_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"
#include "meterfw/cosem/cosem.h"
#include "meterfw/link/module.h"
#include "meterfw/meter/meter.h"

#define MFW_PUSH_FRAME_MAX 512u

struct mfw_push_config {
    struct mfw_cosem *cosem; /* the object model the values are read through */
    bool cipher;             /* general-glo-ciphering with the management keys */
    uint16_t dst_wport;      /* the push client's wPort (1) */
};

struct mfw_push {
    struct mfw_push_config config;
    struct mfw_meter *meter;
    mfw_ms_t due[MFW_PUSH_COUNT]; /* when a push that is due may go; -1: not scheduled yet */
    uint8_t tries[MFW_PUSH_COUNT];
    mfw_ms_t next_interval;
    int current; /* the push handed to the port (mfw_push_done), -1: none */
    uint32_t invoke_id;
    uint32_t sent, failed, given_up;
    struct mfw_module_status st;
};

void mfw_push_default_config(struct mfw_push_config *c);
/* MFW_E_ARG for NULL or no object model. */
int mfw_push_init(struct mfw_push *p, const struct mfw_push_config *c);
/* The plain data-notification of push id into out[cap]. MFW_OK, MFW_E_NOSPACE, MFW_E_ARG. */
int mfw_push_apdu(struct mfw_push *p, unsigned id, uint8_t *out, size_t cap, size_t *len);
/* The wrapper frame of push id, ciphered if configured. MFW_OK, MFW_E_NOSPACE, MFW_E_STATE (no
 * keys: nothing is sent in clear instead), or the invocation counter's error. */
int mfw_push_frame(struct mfw_push *p, unsigned id, uint8_t *out, size_t cap, size_t *len);
/* The destination of the push being sent ("a.b.c.d:port"), NULL when none is. */
const char *mfw_push_destination(const struct mfw_push *p);
/* The port's word on the push being sent: delivered, or not (to be retried). */
void mfw_push_done(struct mfw_push *p, bool delivered, mfw_ms_t now);

/* The module's callbacks (kind MFW_MODULE_WAN): output gives the frame of the next push that may
 * go now (one at a time: nothing until mfw_push_done); input is refused. */
extern const struct mfw_module_ops mfw_push_module;

#endif /* METERFW_LINK_PUSH_H */
