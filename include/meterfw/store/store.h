/* SPDX-License-Identifier: Apache-2.0 */
/* store: power-loss-safe storage over NOR flash (the hal flash_read/prog/erase functions).
 *
 * NOR semantics: erase sets a whole sector to 0xFF; program only clears bits (1 -> 0) and is
 * done in units of prog_size bytes at prog_size-aligned addresses; a sector survives a limited
 * number of erases. Power can fail in the middle of any program or erase: a torn program leaves
 * a prefix (or any subset of bits) cleared, a torn erase leaves the sector partly erased.
 *
 * The flash is split into AREAS (contiguous sector ranges), each of one kind:
 *  - MFW_STORE_RECORDS: a log of whole records of up to entry_size bytes (the meter's state, its
 *    configuration). mfw_store_record_read() returns the newest complete record; a record either is
 *    there whole or not at all. Writing appends; when a sector is full the next one (round robin)
 *    is erased first, so the newest record always survives a cut during the erase.
 *  - MFW_STORE_RING: fixed-size entries of entry_size bytes (profile buffers, event logs), oldest
 *    dropped a sector at a time when the ring is full. Entries are numbered by a sequence that
 *    only a complete entry consumes, so after any cut the entries are an intact prefix of what
 *    was appended: no torn, invented or duplicated entry. Reading entry i is a binary search by
 *    sequence number over the slots (O(log n) flash reads, never a scan).
 *
 * Every record and entry carries a CRC-32, a sequence number, and every sector a header with the
 * area's format version; mfw_store_mount() recovers all areas after any cut by reading the sector
 * headers and the slots of the newest sector only (plus one binary search per ring).
 * No heap; the struct mfw_store is owned by the caller; reads use a small stack buffer. */
#ifndef METERFW_STORE_STORE_H
#define METERFW_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/options.h"

#include "meterfw/hal/hal.h"

enum mfw_store_kind {
    MFW_STORE_RECORDS = 0,
    MFW_STORE_RING = 1,
};

struct mfw_store_area_config {
    uint8_t kind;    /* enum mfw_store_kind */
    uint8_t version; /* format version of what the area holds; a sector written with another
                            * version reads as empty (MFW_E_VERSION is reported by mount stats) */
    uint16_t first_sector;
    uint16_t sectors;    /* at least 2 */
    uint16_t entry_size; /* RING: bytes per entry; RECORDS: largest record */
};

struct mfw_store_config {
    uint32_t sector_size; /* bytes, e.g. 4096 */
    uint32_t sector_count;
    uint16_t prog_size; /* program granularity, a power of two from 1 to 256 */
    uint8_t n_areas;
    struct mfw_store_area_config area[MFW_STORE_AREAS_MAX];
};

/* Run-time position of one area (filled by mfw_store_mount). */
struct mfw_store_area {
    uint16_t head_sector; /* sector being written (index within the area) */
    uint32_t head_offset; /* next free byte in it */
    uint32_t sector_seq;  /* sequence number of the head sector's header */
    uint32_t next_seq;    /* sequence number the next record/entry gets */
    uint32_t tail_seq;    /* RING: sequence number of the oldest entry kept */
    uint32_t slots_per_sector;
    uint32_t slot_size;
    bool has_record;      /* RECORDS: a valid record exists */
    uint32_t newest_addr; /* RECORDS: flash address of the newest valid record */
    uint16_t newest_len;
    /* Added: sectors holding this area's data (valid headers). RING: the chain of consecutive
     * sectors ending at head_sector whose sector_seq counts down by one; 0 = nothing written. */
    uint16_t used_sectors;
    uint32_t newest_pos;  /* RING: slot of the head holding entry next_seq - 1, or UINT32_MAX */
    uint32_t stray_slots; /* RING: slots of the head with a good CRC that mount did not count
                           * (out of sequence: damage); settled to zeros */
};

struct mfw_store_stats {
    uint32_t progs, erases, bytes_programmed;
    uint32_t torn_found;       /* damaged records/entries/sectors seen at mount (then skipped) */
    uint32_t version_mismatch; /* added: sectors whose header is this area's but of another
                                * format version (MFW_E_VERSION); they read as empty */
    /* What mount found in the layout's sectors: headers of ours, blank headers, and anything else
     * (garbage, another layout, another format version, a zeroed or torn header). */
    uint32_t sectors_ours, sectors_blank, sectors_foreign;
    uint32_t settled; /* bytes programmed again at mount to make a torn program's cells solid */
    uint32_t killed;  /* torn or suspect slots, records and headers zeroed at mount */
};

struct mfw_store {
    const struct mfw_hal *hal;
    struct mfw_store_config config;
    struct mfw_store_area a[MFW_STORE_AREAS_MAX];
    struct mfw_store_stats stats;
};

/* Checks the layout (MFW_E_ARG), then recovers every area from the flash. A blank flash (all
 * 0xFF) mounts as empty areas. A flash holding no sector of ours but something else (random
 * bytes, zeros, another layout or format version) is refused with MFW_E_FORMAT and left exactly
 * as it is: it is never formatted silently (mfw_store_format does that on request).
 * After a cut the last operation may have left weak cells (a NOR cell half programmed or half
 * erased reads differently from one read to the next until it is rewritten): mount settles what
 * the last operation could have touched, so that what it reads now it reads for ever. It
 * programs the head sector's header and its newest record or slot again with the same bytes,
 * zeroes the torn slot or header it finds and the slot after the newest one (it may be torn yet
 * read blank: a ring then loses one slot of capacity per mount until that sector is dropped), and
 * starts a RECORDS area's next record in a fresh sector. MFW_E_IO if the HAL fails. */
int mfw_store_mount(struct mfw_store *s, const struct mfw_store_config *cfg,
                    const struct mfw_hal *hal);
/* The two halves of mfw_store_mount, for a caller that looks before the store writes anything:
 * mount_readonly recovers the areas and classifies the flash without a single write (records and
 * entries read then may still be weak: check what you read, e.g. its identity, then settle);
 * settle does the repairs mount describes. */
int mfw_store_mount_readonly(struct mfw_store *s, const struct mfw_store_config *cfg,
                             const struct mfw_hal *hal);
int mfw_store_settle(struct mfw_store *s);
/* Erases every sector of the layout: a new, empty store (a new meter). Then mount it. */
int mfw_store_format(const struct mfw_store_config *cfg, const struct mfw_hal *hal);

/* RECORDS areas. write: MFW_E_RANGE if len > entry_size. read: MFW_E_STATE if the area holds no
 * record, MFW_E_NOSPACE if cap is too small; *len gets the record's length. */
int mfw_store_record_write(struct mfw_store *s, unsigned area, const void *data, size_t len);
int mfw_store_record_read(struct mfw_store *s, unsigned area, void *buf, size_t cap, size_t *len);
/* The newest valid record whose sequence number is below `below` (UINT32_MAX: the newest of all),
 * with its sequence number in *seq: a caller that finds the newest record unusable (it checks,
 * but its content does not make sense) walks back to older ones. Reads every sector of the area.
 * A record numbered after the newest one (mfw_store_record_read's) is not taken: damage or
 * another store's data, it would hide every record written since.
 * MFW_E_STATE when there is none, MFW_E_NOSPACE if cap is too small. */
int mfw_store_record_read_before(struct mfw_store *s, unsigned area, uint32_t below, void *buf,
                                 size_t cap, size_t *len, uint32_t *seq);
/* Erase ahead: if the next record of len bytes would need a sector erase, does that erase (and
 * writes the new sector's header) now, so that the next mfw_store_record_write only programs. A
 * meter calls it after each state save, so that its power-fail save never waits for an erase. */
int mfw_store_record_prepare(struct mfw_store *s, unsigned area, size_t len);

/* RING areas. index 0 is the oldest entry kept; count() entries are readable.
 * capacity(): entries the ring always keeps (it may keep more until the next sector erase). */
int mfw_store_ring_append(struct mfw_store *s, unsigned area, const void *entry);
uint32_t mfw_store_ring_count(const struct mfw_store *s, unsigned area);
uint32_t mfw_store_ring_capacity(const struct mfw_store *s, unsigned area);
int mfw_store_ring_read(struct mfw_store *s, unsigned area, uint32_t index, void *entry);
/* Sequence number of entry index (for callers that remember positions across appends). */
uint32_t mfw_store_ring_first_seq(const struct mfw_store *s, unsigned area);
/* Drops every entry; sequence numbers keep counting (one sector erase + one header program,
 * atomic: after a cut the ring is either cleared or not). */
int mfw_store_ring_clear(struct mfw_store *s, unsigned area);

/* After any MFW_E_IO from a write (record write, append, clear) the in-RAM position of that area
 * may not match the flash: call mfw_store_mount() again before the next write (a power cut does
 * exactly that). */

#endif /* METERFW_STORE_STORE_H */
