/* SPDX-License-Identifier: Apache-2.0 */
/* afe_link: the sample frames of the emulated board's analog front end. On the MPS2 AN386 board
 * in QEMU (port/cortex-m/an386) there is no ADC: a host program (port/posix/afefeed.c) runs the
 * simulated front end of sim/ on a scenario, as meterd does, and sends its sample sets over a
 * UART in these frames; the image decodes them (afe_link_rx_byte) and hands the sets to the
 * meter as a DMA half-buffer would. Plain C11, no state outside the caller's structs, so the
 * same file is the host's encoder, the target's decoder and the fuzz harness's subject.
 *
 * A frame, every field little-endian:
 *   A5 5A                sync
 *   type        u8       1 = SAMPLES, 2 = END
 *   len         u16      payload bytes, at most AFE_LINK_PAYLOAD_MAX
 *   payload     len      SAMPLES: t_ms u64 (UTC ms of the first set), fs_hz u16, channels u8
 *                        (3 = V1 I1 IN, 7 = V1 V2 V3 I1 I2 I3 IN), n u8 (1..AFE_LINK_SETS_MAX),
 *                        then n sets of `channels` signed 24-bit codes (3 bytes each);
 *                        END: t_ms u64 (the stream stops here: the board's clock runs on)
 *   crc         u32      CRC-32/ISO-HDLC (base/crc.h) over type, len and payload
 * A payload whose length does not match its type and counts, an unknown type or a bad CRC is
 * dropped whole and counted; the decoder then hunts for the next sync. Nothing is ever written
 * past the receive buffer: a length above AFE_LINK_PAYLOAD_MAX is refused at the header. */
#ifndef METERFW_PORT_AFE_LINK_H
#define METERFW_PORT_AFE_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "meterfw/metrology/metrology.h"

#define AFE_LINK_SYNC0 0xA5u
#define AFE_LINK_SYNC1 0x5Au
#define AFE_LINK_SAMPLES 1u
#define AFE_LINK_END 2u
#define AFE_LINK_SETS_MAX 40u    /* 10 ms at 4 kHz: a DMA half-buffer */
#define AFE_LINK_CHANNELS_MAX 7u /* 2 x MFW_PHASES_MAX + 1 */
#define AFE_LINK_SAMPLES_HEAD 12u
#define AFE_LINK_PAYLOAD_MAX                                                                       \
    (AFE_LINK_SAMPLES_HEAD + AFE_LINK_SETS_MAX * AFE_LINK_CHANNELS_MAX * 3u)
#define AFE_LINK_OVERHEAD 9u /* sync 2, type 1, len 2, crc 4 */
#define AFE_LINK_FRAME_MAX (AFE_LINK_PAYLOAD_MAX + AFE_LINK_OVERHEAD)

/* Results of afe_link_rx_byte besides 0 (more bytes wanted). */
enum afe_link_result {
    AFE_LINK_FRAME = 1,     /* a whole, checked frame is in *out */
    AFE_LINK_E_CRC = -1,    /* dropped: the CRC does not match */
    AFE_LINK_E_LENGTH = -2, /* dropped: a length above the maximum, or not the type's */
    AFE_LINK_E_TYPE = -3,   /* dropped: an unknown type */
};

struct afe_link_frame {
    uint8_t type;     /* AFE_LINK_SAMPLES or AFE_LINK_END */
    uint64_t t_ms;    /* UTC ms of the first set (SAMPLES) or of the end (END) */
    uint16_t fs_hz;   /* SAMPLES: the sets' rate */
    uint8_t channels; /* SAMPLES: 3 or 7 */
    uint8_t n;        /* SAMPLES: sets in sets[] */
    struct mfw_adc_frame sets[AFE_LINK_SETS_MAX];
};

struct afe_link_rx {
    uint8_t state; /* sync hunt, header, body */
    uint16_t need; /* bytes of the frame expected in all (header known) */
    uint16_t got;  /* bytes of the frame in buf */
    uint8_t buf[AFE_LINK_FRAME_MAX];
    uint32_t frames, crc_errors, length_errors, type_errors; /* counters */
};

void afe_link_rx_init(struct afe_link_rx *r);

/* One byte of the stream. 0: more wanted; AFE_LINK_FRAME: *out holds a frame; a negative
 * enum afe_link_result: a frame was dropped (counted) and the decoder hunts for sync again. */
int afe_link_rx_byte(struct afe_link_rx *r, uint8_t b, struct afe_link_frame *out);

/* Encodes a SAMPLES frame of n sets (1..AFE_LINK_SETS_MAX) of a 1- or 3-phase front end
 * (channels 3 or 7) into out. Returns its length, or 0 when the arguments are out of range or
 * cap is too small. Codes are taken modulo 2^24 (the ADC's 24 bits). */
size_t afe_link_encode_samples(uint8_t *out, size_t cap, uint64_t t_ms, uint16_t fs_hz,
                               uint8_t phases, const struct mfw_adc_frame *sets, size_t n);

/* Encodes an END frame at t_ms. Returns its length (AFE_LINK_OVERHEAD + 8) or 0. */
size_t afe_link_encode_end(uint8_t *out, size_t cap, uint64_t t_ms);

#endif /* METERFW_PORT_AFE_LINK_H */
