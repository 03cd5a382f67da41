/* SPDX-License-Identifier: Apache-2.0 */
/* p1: the consumer channel's P1 telegram as the Dutch DSMR 5.0.2 P1 companion standard defines
 * it (Netbeheer Nederland, 2016-02-26; references/consumer-formats.md section 1), output only:
 *
 *   /MFW5\2meterfw-382M            identification line (6.2: "/" XXX "5" ident), an empty line
 *   1-3:0.2.8(50)                  version 5.0                                 (table 6-3 order)
 *   0-0:1.0.0(YYMMDDhhmmssX)       local time, X = S (summer) or W (winter)
 *   0-0:96.1.1(hex)                the equipment identifier (the serial, hex-coded: 6.5)
 *   1-0:1.8.1(000004.426*kWh) ...  A+ T1, T2 (and T3.. when used), A- likewise: F9(3,3), Wh exact
 *   1-0:1.8.0 / 2.8.0              totals (as Kamstrup's HAN-P1 and dsmr_parser's extra object)
 *   0-0:96.14.0(0002)              active tariff, S4
 *   1-0:1.7.0(00.244*kW) / 2.7.0   P+ / P- total, F5(3,3), 1 W
 *   0-0:96.7.21 / 96.7.9           power failures in any phase / long ones, F5(0,0)
 *   1-0:99.97.0(z)(0-0:96.7.19)(end)(duration*s)...   the power failure log, newest 10
 *   1-0:32.32.0 / 52 / 72 (sags), 32.36.0 / 52 / 72 (swells), F5(0,0)
 *   0-0:96.13.0(hex)               the consumer text message (7.2)
 *   1-0:32.7.0(0230.0*V)           voltage F4(1,1); current 31.7.0(005*A) F3(0,0);
 *   1-0:21.7.0 / 22.7.0 (L1), 41/42 (L2), 61/62 (L3): P+ / P- per phase F5(3,3)
 *   !XXXX                          CRC-16/ARC over "/" .. "!" inclusive, 4 uppercase hex (6.2)
 * Every line ends CR LF (6.2). L2/L3 lines only on a poly-phase meter (table 6-3 notes).
 * Energies are the meter's integers (truncated to Wh like a mechanical register), never floats. */
#ifndef METERFW_LINK_P1_H
#define METERFW_LINK_P1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"
#include "meterfw/link/module.h"
#include "meterfw/meter/meter.h"

/* The longest telegram: fixed lines, 2 x 8 tariffs, 10 power failures, the text hex-coded. */
#define MFW_P1_LOG_MAX 10u /* DSMR 5.0.2 table 6-3: z <= 10 */
#define MFW_P1_TELEGRAM_MAX (2048u + 2u * MFW_CONSUMER_TEXT_MAX)

struct mfw_p1_config {
    uint32_t period_ms; /* 1000 (DSMR 5.0.2 6: one telegram every second); 1000..3600000 */
    bool enabled;       /* the consumer channel can be disabled (nothing is sent) */
};

struct mfw_p1 {
    struct mfw_p1_config config;
    struct mfw_meter *meter; /* read only, through the meter's readers */
    mfw_ms_t next;           /* when the next telegram is due (meter time) */
    struct mfw_module_status st;
};

void mfw_p1_default_config(struct mfw_p1_config *c);
/* MFW_E_ARG for NULL or a period out of range. The module is fitted with mfw_module_fit. */
int mfw_p1_init(struct mfw_p1 *p, const struct mfw_p1_config *c);
/* The telegram of meter m now into out[cap]: its length, or MFW_E_NOSPACE. */
int mfw_p1_telegram(struct mfw_meter *m, char *out, size_t cap, size_t *len);

/* The module's callbacks (kind MFW_MODULE_P1): output gives a telegram at each multiple of the
 * period of the meter's time; input is refused and counted (the P1 port is output only: nothing
 * on it can change the meter, DSMR 5.0.2 5.7.1: only the Data Request line goes in). */
extern const struct mfw_module_ops mfw_p1_module;

#endif /* METERFW_LINK_P1_H */
