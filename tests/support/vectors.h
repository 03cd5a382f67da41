/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: the DLMS/COSEM exchanges captured between the Gurux DLMS C client and server, read
 * from their capture files in tests/vectors/ (README.md there: provenance, keys, the server's
 * quirks). A capture is the client's trace as text; the lines that matter are
 *   TX: <hex bytes>       a frame the client sent, as on the wire (TCP wrapper or HDLC)
 *   RX: <hex bytes>       a frame the server answered
 *   TX PDU: <hex bytes>   a plaintext xDLMS APDU before ciphering (w_gmac_clock.txt)
 *   RX PDU: <hex bytes>   a plaintext APDU after deciphering
 * and every other line is skipped. Lines are counted per kind from 1 (the first TX line is TX 1);
 * a negative n counts from the end (TX -1 is the last). The folder is tests/vectors of the source
 * tree, given by CMake (MFW_VECTORS_DIR, tests/support/CMakeLists.txt).
 *
 * Every function returns VEC_OK or a negative VEC_E_* and then also says on stderr what was
 * wrong, naming the capture, the line and the kind. Nothing is written past out[cap). */
#ifndef METERFW_TEST_VECTORS_H
#define METERFW_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the longest line of the captures (w_gmac_clock.txt's last RX PDU has 3,925). */
#define VEC_LINE_MAX 4096u

enum vec_kind { VEC_TX, VEC_RX, VEC_TX_PDU, VEC_RX_PDU };

enum {
    VEC_OK = 0,
    VEC_E_ARG = -1,    /* NULL pointer, unknown kind, n == 0, a capture name with a '/' */
    VEC_E_OPEN = -2,   /* the capture cannot be opened or read */
    VEC_E_NOLINE = -3, /* the capture has fewer lines of that kind than |n| */
    VEC_E_FORMAT = -4, /* not hex bytes ("7E A0 07 ..."), a line too long, or not a wrapper frame */
    VEC_E_NOSPACE = -5, /* more bytes than cap */
    VEC_E_LENGTH = -6,  /* vec_apdu_exact: not the expected number of bytes */
};

/* The bytes of the n-th line of a kind of the capture into out[cap], their number in *len. The
 * capture is a file name in tests/vectors ("w_public_clock.txt"), or a path (anything with a '/')
 * for a test that writes a capture of its own. */
int vec_line(const char *capture, enum vec_kind kind, int n, uint8_t *out, size_t cap, size_t *len);

/* For a TX or RX line of a wrapper capture (w_*.txt): the APDU, the 8-byte IEC 62056-47 header
 * (version 0x0001, source and destination wPort, length) checked and stripped; VEC_E_FORMAT when
 * the version is not 1 or the length field is not the number of bytes that follow. */
int vec_apdu(const char *capture, enum vec_kind kind, int n, uint8_t *out, size_t cap, size_t *len);

/* vec_apdu, and the APDU must have exactly size bytes (VEC_E_LENGTH otherwise): for a test that
 * knows the frame it reads. */
int vec_apdu_exact(const char *capture, enum vec_kind kind, int n, uint8_t *out, size_t size);

/* One APDU a test wants from a capture: vec_apdu_exact(capture, kind, n, out, size). */
struct vec_want {
    const char *capture;
    enum vec_kind kind;
    int n;
    uint8_t *out;
    size_t size;
};
/* Every APDU of want[0..n) in turn: VEC_OK, or the first error (said on stderr). */
int vec_load_all(const struct vec_want *want, size_t n);

/* "VEC_OK", "VEC_E_OPEN", ...; "?" for anything else. */
const char *vec_error_name(int rc);

#endif
