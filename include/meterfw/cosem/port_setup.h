/* SPDX-License-Identifier: Apache-2.0 */
/* port_setup: the settings of the meter's serial ports as the object model shows them, and as the
 * link sessions use them (one value for both):
 *
 *   IEC HDLC setup, IC 23 version 1, 0.0.22.0.0.255 (Blue Book 4.8.? "IEC HDLC setup" [M]):
 *     comm_speed, window sizes, maximum information field lengths, inter-octet and inactivity
 *     time-outs, the device (lower HDLC) address;
 *   IEC local port setup, IC 19 version 1, 0.0.20.0.0.255 ("IEC local port setup" [M]): the
 *     optical port's default mode and baud rate, the baud rate proposed in the identification,
 *     the minimum reaction time, the device address of the IEC 62056-21 request and the
 *     passwords of mode C programming.
 *
 * Baud rates are the Blue Book's enum: 0 300, 1 600, 2 1200, 3 2400, 4 4800, 5 9600, 6 19200,
 * 7 38400, 8 57600, 9 115200 Bd. */
#ifndef METERFW_COSEM_PORT_SETUP_H
#define METERFW_COSEM_PORT_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"

#include "meterfw/meter/meter.h"

#define MFW_PORT_SETUP_ADDRESS_MAX 32u /* IEC 62056-21 device address characters */
#define MFW_PORT_SETUP_IDENT_MAX 16u   /* IEC 62056-21 identification characters */

struct mfw_port_setup_hdlc {
    uint8_t comm_speed;      /* attr 2: the rate of a port that starts in HDLC (enum) */
    uint8_t window_tx;       /* attr 3: 1..7, the most I-frames the meter sends unacknowledged */
    uint8_t window_rx;       /* attr 4: 1..7 */
    uint16_t max_info_tx;    /* attr 5: 32..MFW_HDLC_INFO_MAX */
    uint16_t max_info_rx;    /* attr 6 */
    uint16_t inter_octet_ms; /* attr 7: 20..6000 */
    uint16_t inactivity_s;   /* attr 8: 0 = none */
    uint16_t device_address; /* attr 9: the lower HDLC address, 0x10..0x3FFD */
};

enum mfw_port_setup_mode {
    MFW_PORT_SETUP_MODE_IEC62056_21 = 0, /* the port starts in IEC 62056-21 (mode E entry) */
    MFW_PORT_SETUP_MODE_HDLC = 1,        /* the port starts in HDLC at comm_speed */
    MFW_PORT_SETUP_MODE_UNSPECIFIED = 2,
};

struct mfw_port_setup_local {
    uint8_t default_mode;  /* attr 2: enum mfw_port_setup_mode */
    uint8_t default_baud;  /* attr 3: the rate of the request (0 = 300 Bd) */
    uint8_t prop_baud;     /* attr 4: the rate proposed in the identification (0..6) */
    uint8_t response_time; /* attr 5: 0 = 20 ms, 1 = 200 ms minimum reaction time */
    char device_address[MFW_PORT_SETUP_ADDRESS_MAX + 1]; /* attr 6: "" answers any request */
    char flag[4];                                        /* the manufacturer's flag of the ident */
    char ident[MFW_PORT_SETUP_IDENT_MAX + 1];            /* the identification */
};

struct mfw_port_setup {
    struct mfw_port_setup_hdlc hdlc;   /* IC 23 */
    struct mfw_port_setup_local local; /* IC 19 */
};

/* The defaults for meter configuration mc:
 *  - HDLC: 9600 Bd, windows MFW_HDLC_WINDOW_MAX, information fields MFW_HDLC_INFO_MAX (what a
 *    client gets is the smaller of these and what its SNRM proposes: 128 and 1 when it proposes
 *    nothing), inter-octet 25 ms, inactivity 120 s (the Gurux defaults [code]; IEC 62056-46 [M]),
 *    device address mfw_port_setup_physical(mc->serial);
 *  - local port: IEC 62056-21 at 300 Bd, proposing 9600 Bd, 200 ms reaction time, the device
 *    address the serial number, flag "MFW", identification the model and the serial number
 *    ("382M00000001"), cut to 16 characters. */
void mfw_port_setup_default(struct mfw_port_setup *p, const struct mfw_meter_config *mc);

/* The physical (lower) HDLC address from a serial number: its trailing decimal digits modulo
 * 10000 plus 1000 (1000..10999), the convention of many IDIS meters and of the Gurux client's
 * address-from-serial-number formula "SN % 10000 + 1000" [M]; 0x10 (the first address that is not
 * reserved) for a serial without digits at its end. */
uint16_t mfw_port_setup_physical(const char *serial);

/* Blue Book baud rate enum -> Bd (0 for a value above 9). */
uint32_t mfw_port_setup_baud(uint8_t e);
/* Bd -> enum; false for a rate that is not in it. */
bool mfw_port_setup_baud_enum(uint32_t baud, uint8_t *e);

/* Checks p: MFW_OK, or MFW_E_RANGE naming nothing (windows 1..7, information lengths
 * 32..MFW_HDLC_INFO_MAX, inter-octet 20..6000 ms, device address 0x10..0x3FFD, baud enums, a
 * prop_baud of 0..6 and not above what the enum allows, a 3-letter flag, 1..16 printable
 * identification characters without / ! ( )). */
int mfw_port_setup_check(const struct mfw_port_setup *p);

#endif /* METERFW_COSEM_PORT_SETUP_H */
