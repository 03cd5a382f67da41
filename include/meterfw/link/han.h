/* SPDX-License-Identifier: Apache-2.0 */
/* han: the consumer channel's Nordic HAN push, as Kamstrup meters send it on their HAN port
 * (Kamstrup HAN-NVE interface description rev 3.1; references/consumer-formats.md section 2):
 * a DLMS data-notification (IEC 62056-5-3 [M]: tag 0F, long-invoke-id-and-priority, date-time,
 * notification-body) in one HDLC UI frame (IEC 62056-46 frame format type 3, no segmentation,
 * 1-byte addresses: client 21 (0x2B), server 16 (0x21), control 0x13; LLC E6 E7 00), pushed
 * without being asked and without an answer. Three lists (the body: a structure whose first
 * element is the list version, then pairs of OBIS code and value, no scaler or unit):
 *
 *   list 1, every list1_s (2..10 s):  version, meter id, P+ total (W)
 *   list 2, every 10 s:              version, meter id, meter type, P+, P-, Q+, Q- (W, var),
 *                                    IL1..IL3 (double-long-unsigned, 0.01 A), UL1..UL3
 *                                    (long-unsigned, 1 V)                     (Kamstrup 10 s list)
 *   list 3, every hour at hh:00:05:  list 2, the clock (local date-time), A+, A-, R+, R- in
 *                                    10 Wh / 10 varh (double-long-unsigned; Kamstrup 1 h list)
 * Value group B is 1 (channel 1) as Kamstrup's. L2/L3 are left out on a 162M. Energies are the
 * registers' integers, truncated to 10 Wh (never through floating point).
 *
 * Unencrypted, or ciphered with the consumer keys of the meter (keys.h consumer_*: managed
 * through the consumer Security setup 0.0.43.0.1.255; ciphered when its policy is 3 or the
 * configuration asks for it) (security suite 0: general-glo-ciphering with
 * the meter's system title, SC 0x30, the meter's own invocation counter, which never repeats
 * (keys.h), AES-GCM-128 through the HAL's crypto port) as Kamstrup's DK/SE variant does. The
 * channel can be disabled; what arrives on it is refused (the HAN port is output only, KN 2.3:
 * push Tx only). */
#ifndef METERFW_LINK_HAN_H
#define METERFW_LINK_HAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"
#include "meterfw/link/module.h"
#include "meterfw/meter/meter.h"

#define MFW_HAN_FRAME_MAX 512u /* the longest frame (list 3, ciphered) is about 330 bytes */

enum mfw_han_list { MFW_HAN_LIST1 = 1, MFW_HAN_LIST2 = 2, MFW_HAN_LIST3 = 3 };

struct mfw_han_config {
    uint32_t list1_s; /* 2..10 (default 2) */
    bool enabled;
    bool cipher; /* ciphered with the consumer keys even if the consumer policy (keys.h) is 0 */
};

struct mfw_han {
    struct mfw_han_config config;
    struct mfw_meter *meter;
    mfw_ms_t next1, next2, next3; /* when each list is due (meter time, UTC ms) */
    uint32_t invoke_id;
    struct mfw_module_status st;
};

void mfw_han_default_config(struct mfw_han_config *c);
/* MFW_E_ARG for NULL or list1_s outside 2..10. */
int mfw_han_init(struct mfw_han *h, const struct mfw_han_config *c);
/* The data-notification APDU of list (plain) into out[cap]: MFW_OK with *len, MFW_E_NOSPACE. */
int mfw_han_apdu(struct mfw_han *h, enum mfw_han_list list, uint8_t *out, size_t cap, size_t *len);
/* The whole HDLC frame of list (ciphered when configured): MFW_OK, MFW_E_NOSPACE, or the crypto
 * port's / the invocation counter's error (nothing is sent then). */
int mfw_han_frame(struct mfw_han *h, enum mfw_han_list list, uint8_t *out, size_t cap, size_t *len);

/* The module's callbacks (kind MFW_MODULE_HAN): output gives the frames due at now, list 3 before
 * list 2 before list 1 when they fall together, one frame per call. */
extern const struct mfw_module_ops mfw_han_module;

#endif /* METERFW_LINK_HAN_H */
