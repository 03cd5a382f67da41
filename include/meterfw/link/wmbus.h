/* SPDX-License-Identifier: Apache-2.0 */
/* wmbus: the radio module's wireless M-Bus telegrams (EN 13757-4 mode T1/C1 frames, format A;
 * the EN 13757-3 application layer as OMS Volume 2 has it for an electricity meter;
 * references/consumer-formats.md section 3), sent every period as SND-NR:
 *
 *   L C=44 M(2, LE: "MFW") A = ID(4, BCD LE: the serial's last 8 digits) Ver Type=02 (electricity)
 *   CI=7A ACC STS=00 CFG(2, LE)                   short transport layer header, access number
 *   2F 2F                                         the decryption check (OMS: the first block)
 *   04 04 xx xx xx xx      A+ total, 32-bit, 10 Wh (VIF 04)
 *   04 84 3C xx xx xx xx   A- total (VIFE 3C backward flow)
 *   04 2B xx xx xx xx      P+ total, W (VIF 2B)
 *   04 AB 3C xx xx xx xx   P- total
 *   2F ...                 filler to whole 16-byte blocks
 *
 * TPL security mode 5 (CFG = 05 in the high byte, the number of encrypted blocks in bits 4-7):
 * AES-128-CBC with IV = M(2) A(6) ACC x 8, through the HAL's crypto port (aes_cbc_encrypt); or
 * mode 0 (unencrypted) when configured. Data link layer format A: the first 10 bytes and every
 * 16 bytes after them carry a CRC-16/EN-13757, high byte first; L counts neither L nor the CRCs.
 * The module's output is the frame as one line of upper-case hex and LF (a file or a
 * pseudo-terminal, as a radio receiver's log would show it). Energies are the registers'
 * integers, truncated to 10 Wh. */
#ifndef METERFW_LINK_WMBUS_H
#define METERFW_LINK_WMBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"
#include "meterfw/link/module.h"
#include "meterfw/meter/meter.h"

#define MFW_WMBUS_FRAME_MAX 96u

struct mfw_wmbus_config {
    uint32_t period_s; /* 1..86400 (default 60) */
    bool encrypt;      /* TPL security mode 5 with key */
    uint8_t key[16];
};

struct mfw_wmbus {
    struct mfw_wmbus_config config;
    struct mfw_meter *meter;
    mfw_ms_t next;
    uint8_t access; /* the access number, one up per telegram */
    struct mfw_module_status st;
};

void mfw_wmbus_default_config(struct mfw_wmbus_config *c);
int mfw_wmbus_init(struct mfw_wmbus *w, const struct mfw_wmbus_config *c);
/* The telegram (with the DLL CRCs) into out[cap]. MFW_OK, MFW_E_NOSPACE, MFW_E_STATE (no crypto
 * port for an encrypted one: nothing is sent in clear instead), MFW_E_IO. */
int mfw_wmbus_frame(struct mfw_wmbus *w, uint8_t *out, size_t cap, size_t *len);

/* The module's callbacks (kind MFW_MODULE_RADIO). */
extern const struct mfw_module_ops mfw_wmbus_module;

#endif /* METERFW_LINK_WMBUS_H */
