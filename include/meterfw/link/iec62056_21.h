/* SPDX-License-Identifier: Apache-2.0 */
/* iec62056_21: the meter's side of the IEC 62056-21 opening sequence on the optical port (local
 * port, IEC 62056-21:2002 clause 6 and Annex E "mode E" [M]), up to the switch to HDLC:
 *
 *   meter listens at 300 Bd, 7E1 (10 bits a character)
 *   HHU -> meter   / ? [device address] ! CR LF                     request (sign-on)
 *   meter -> HHU   / X X X Z \ 2 identification CR LF                 after the reaction time
 *   HHU -> meter   ACK V Z Y CR LF  = 06 '2' Z '2' CR LF              option select, mode E
 *   both switch to the baud rate of Z (300 << Z), 8N1, and the HDLC profile (IEC 62056-46) begins
 *
 * XXX is the manufacturer's three-letter flag, Z the baud rate character '0'..'6' (300 .. 19200),
 * "\2" the enhanced identification "binary mode (HDLC) supported" (DLMS UA list of enhanced
 * identification characters), the identification at most 16 printable characters. V '2' is the
 * HDLC protocol procedure and Y '2' binary mode; V '0' Y '0' is the mode C data readout (the
 * machine reports it, the link sends the readout below, and it listens again); Y '1' (programming
 * mode) is reported and not served.
 *
 * A byte-fed state machine: time is an argument, nothing blocks; the messages it sends are built in
 * the struct. Received bytes are taken as 7-bit characters (a 7E1 line's UART strips the parity
 * bit). A new '/' always starts again; a gap longer than the inter-character time-out inside a
 * message, a request for another device address, or an option select with a rate above the
 * proposed one, sends the machine back to listening without an answer. */
#ifndef METERFW_LINK_IEC62056_21_H
#define METERFW_LINK_IEC62056_21_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"
#include "meterfw/meter/display.h"
#include "meterfw/meter/meter.h"

#define MFW_IEC62056_21_ADDRESS_MAX 32u /* device address characters in a request */
#define MFW_IEC62056_21_IDENT_MAX 16u   /* identification characters */
#define MFW_IEC62056_21_MSG_MAX (1u + 3u + 1u + 2u + MFW_IEC62056_21_IDENT_MAX + 2u)

struct mfw_iec62056_21_config {
    char flag[4]; /* manufacturer's flag, 3 letters (3rd lower case: 20 ms reaction) */
    char ident[MFW_IEC62056_21_IDENT_MAX + 1];     /* identification, printable, no / ! ( ) */
    char address[MFW_IEC62056_21_ADDRESS_MAX + 1]; /* answered device address; "" = any */
    uint8_t prop_baud;       /* Z proposed, 0..6 (IC 19 attribute 4: 5 = 9600 Bd) */
    uint32_t reaction_ms;    /* the meter waits this long before it answers (200..1500) */
    uint32_t inter_char_ms;  /* longest gap inside a message (1500) */
    uint32_t option_wait_ms; /* longest wait for the option select after the answer */
};

enum mfw_iec62056_21_state {
    MFW_IEC62056_21_IDLE = 0, /* waiting for '/' */
    MFW_IEC62056_21_REQUEST,  /* in "/?...!\r\n" */
    MFW_IEC62056_21_OPTION,   /* answered; waiting for ACK V Z Y CR LF */
    MFW_IEC62056_21_HDLC,     /* switched: the bytes that follow are HDLC's */
};

enum mfw_iec62056_21_event_kind {
    MFW_IEC62056_21_EV_NONE = 0,
    MFW_IEC62056_21_EV_SEND,    /* send msg[len] at `at` (the reaction time after the request) */
    MFW_IEC62056_21_EV_SWITCH,  /* switch the line to `baud`, 8N1, and to HDLC */
    MFW_IEC62056_21_EV_READOUT, /* mode C data readout asked for (not served: back to idle) */
    MFW_IEC62056_21_EV_PROGRAM, /* programming mode asked for (not served: back to idle) */
};

struct mfw_iec62056_21_event {
    uint8_t kind; /* enum mfw_iec62056_21_event_kind */
    const uint8_t *msg;
    size_t len;
    mfw_ms_t at;
    uint32_t baud;
};

struct mfw_iec62056_21 {
    struct mfw_iec62056_21_config config;
    uint8_t state; /* enum mfw_iec62056_21_state */
    uint8_t in[MFW_IEC62056_21_ADDRESS_MAX + 4];
    size_t in_len;
    mfw_ms_t last_at;   /* the last character received */
    mfw_ms_t option_by; /* OPTION: the option select must begin by then */
    uint8_t msg[MFW_IEC62056_21_MSG_MAX];
    size_t msg_len;
    uint32_t requests, answered, switched, refused; /* counters, for diagnostics */
};

/* Defaults: flag "MFW", identification "meterfw", any address, Z = 5 (9600 Bd), 200 ms reaction,
 * 1500 ms inter-character time-out, 5 s for the option select. */
void mfw_iec62056_21_default_config(struct mfw_iec62056_21_config *cfg);
/* Listening. MFW_OK; MFW_E_ARG for NULL, a flag that is not 3 letters, an identification that is
 * empty, too long or has a character outside 0x21..0x7E or one of / ! ( ), prop_baud above 6. */
int mfw_iec62056_21_init(struct mfw_iec62056_21 *e, const struct mfw_iec62056_21_config *cfg);
/* Feeds bytes received at now. Returns 1 with an event (*consumed up to the byte that caused it:
 * after a SWITCH the rest of the bytes are HDLC's), 0 when every byte was used, or MFW_E_ARG. In
 * the HDLC state it consumes nothing and returns 0. */
int mfw_iec62056_21_feed(struct mfw_iec62056_21 *e, const uint8_t *bytes, size_t n, mfw_ms_t now,
                         size_t *consumed, struct mfw_iec62056_21_event *ev);
/* The baud rate of a baud rate character value 0..6 (300 << z); 0 for another value. */
uint32_t mfw_iec62056_21_baud(uint8_t z);

/* ---- mode C data readout (IEC 62056-21:2002 6.3.6 and 6.4.3, protocol mode C [M]) ----------
 * After ACK '0' Z '0' CR LF the meter answers at Z's rate (still 7E1) with the data message
 *   STX  address(value*unit) CR LF ...  ! CR LF  ETX  BCC
 * whose data sets are the display list (display.h), one a line, with its OBIS code (the display's
 * short codes as it shows them, "1.8.0", "0.0.96.14.0"); BCC is the XOR of every character after
 * STX up to and including ETX (6.3.7 [M]; references: pwitab/iec62056-21 utils.py). The message
 * is made in pieces as the line takes them (mfw_iec62056_21_readout_next), so it needs no buffer of
 * its own size. */

struct mfw_iec62056_21_readout {
    struct mfw_display list; /* the display list of the meter's model, index = the next item */
    uint8_t stage;           /* 0 STX next, 1 data sets, 2 the end, 3 done */
    uint8_t bcc;
};

/* A readout of meter m's display list from its first item. MFW_OK, MFW_E_ARG. */
int mfw_iec62056_21_readout_begin(struct mfw_iec62056_21_readout *r, const struct mfw_meter *m);
/* The next whole lines of the message into out[cap] (cap >= MFW_IEC62056_21_READOUT_MIN): the
 * number of bytes, 0 when the message is complete. */
#define MFW_IEC62056_21_READOUT_MIN 64u
size_t mfw_iec62056_21_readout_next(struct mfw_iec62056_21_readout *r, const struct mfw_meter *m,
                                    mfw_ms_t now, uint8_t *out, size_t cap);

#endif /* METERFW_LINK_IEC62056_21_H */
