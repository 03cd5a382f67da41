/* SPDX-License-Identifier: Apache-2.0 */
/* The options of the firmware images (port/cortex-m), the user options file of
 * include/meterfw/base/options.h (as lwIP's lwipopts.h): what a product of this port holds in
 * its 32 KiB of RAM (docs/firmware.md "Budget"). Everything not set here keeps its default. */
#ifndef METERFW_PORT_CORTEX_M_OPTS_H
#define METERFW_PORT_CORTEX_M_OPTS_H

/* Two associations: the link's sessions and the DLMS server's association buffers are sized by
 * it (a session holds its receive and reply buffers, MFW_DLMS_SERVER_MAX_PDU each). One
 * serial DLMS port serves one client at a time; the second is for the optical port or a
 * communication module beside it. */
#define MFW_ASSOCIATIONS_MAX 2u
/* APDUs of 512 bytes (server-max-receive-pdu-size): a GET of a profile goes in 512-byte blocks,
 * and each link session's receive and reply buffers are that size. */
#define MFW_DLMS_SERVER_MAX_PDU 512u
/* Per association: a GET-with-list reply and a SET (or ACTION) with blocks are assembled in
 * these (a calendar's passive tables, 0.0.13.0.0.255 attributes 6..9, fit 512 bytes). */
#define MFW_DLMS_SERVER_LIST_BUF 1024u
#define MFW_DLMS_SERVER_SET_BUF 512u

#endif /* METERFW_PORT_CORTEX_M_OPTS_H */
