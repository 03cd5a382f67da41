/* SPDX-License-Identifier: Apache-2.0 */
/* store: power-loss-safe records and rings over NOR flash (include/meterfw/store/store.h,
 * docs/store.md for the on-flash format and the recovery argument).
 *
 * Every sector of an area starts with a header written right after its erase:
 *   magic32 'MFS1', kind8, version8, first_sector16, entry_size16, sectors16,
 *   sector_seq32 (monotonic per area), base_seq32 (RING: seq of the first entry in the sector),
 *   floor_seq32 (RING: entries below it are dropped), mfw_crc32 over the 24 bytes before it,
 * padded to prog_size. A sector whose header is not valid and ours is treated as empty and is
 * always erased before it is used.
 *
 * RECORDS: records {magic16, len16, seq32, payload[len], 0xFF padding, mfw_crc32} appended at
 * prog_size-aligned offsets; the CRC is the last thing programmed so a torn record never checks.
 * RING: fixed slots {seq32, payload[entry_size], 0xFF padding, mfw_crc32} rounded up to prog_size.
 * A sequence number is consumed only by a complete slot; torn slots are skipped, never
 * reprogrammed. All multi-byte fields are little endian. */
#include "meterfw/store/store.h"

#include <string.h>

#include "meterfw/base/crc.h"
#include "meterfw/base/error.h"

#define HDR_MAGIC 0x3153464Du /* "MFS1" */
#define HDR_RAW 28u           /* bytes of the header including its CRC */
#define REC_MAGIC 0x5243u     /* "CR" */
#define REC_HDR 8u            /* magic16, len16, seq32 */
#define SLOT_HDR 4u           /* seq32 */
#define CRC_LEN 4u
#define CHUNK 256u           /* stack buffer for flash reads and programs */
#define SEQ_NONE 0xFFFFFFFFu /* an erased word: never a valid sequence number */

enum slot_state { SLOT_BLANK = 0, SLOT_VALID = 1, SLOT_TORN = 2 };

struct sector_hdr {
    uint8_t kind, version;
    uint16_t first_sector, entry_size, sectors;
    uint32_t sector_seq, base_seq, floor_seq;
};

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t round_up(uint32_t v, uint32_t unit)
{
    return (v + unit - 1u) / unit * unit;
}

static uint32_t hdr_size(const struct mfw_store *s)
{
    return round_up(HDR_RAW, s->config.prog_size);
}

static uint32_t rec_size(const struct mfw_store *s, uint32_t len)
{
    return round_up(REC_HDR + len + CRC_LEN, s->config.prog_size);
}

static uint32_t sector_addr(const struct mfw_store *s, unsigned area, uint32_t idx)
{
    return (s->config.area[area].first_sector + idx) * s->config.sector_size;
}

static int hal_read(struct mfw_store *s, uint32_t addr, void *buf, size_t len)
{
    return s->hal->flash_read(s->hal->ctx, addr, buf, len) == 0 ? MFW_OK : MFW_E_IO;
}

/* ---- programming: bytes are streamed through a CHUNK buffer; every flush is prog_size aligned
 * (CHUNK is a multiple of every allowed prog_size and all starts are aligned). */
struct prog_stream {
    struct mfw_store *s;
    uint32_t addr;
    uint32_t fill;
    int err;
    uint8_t buf[CHUNK];
};

static void ps_flush(struct prog_stream *p)
{
    if (p->fill == 0 || p->err != MFW_OK)
        return;
    struct mfw_store *s = p->s;
    if (s->hal->flash_prog(s->hal->ctx, p->addr, p->buf, p->fill) != 0)
        p->err = MFW_E_IO;
    s->stats.progs++;
    s->stats.bytes_programmed += p->fill;
    p->addr += p->fill;
    p->fill = 0;
}

static void ps_push(struct prog_stream *p, const void *data, uint32_t len, int fillbyte)
{
    const uint8_t *d = data;
    /* after a failed program nothing more is written (and the buffer never drains) */
    while (len > 0 && p->err == MFW_OK) {
        uint32_t n = CHUNK - p->fill;
        if (n > len)
            n = len;
        if (d != NULL) {
            memcpy(p->buf + p->fill, d, n);
            d += n;
        } else {
            memset(p->buf + p->fill, fillbyte, n);
        }
        p->fill += n;
        len -= n;
        if (p->fill == CHUNK)
            ps_flush(p);
    }
}

/* ---- reading a span [addr, addr+total): CRC over its first `covered` bytes, the stored CRC from
 * its last 4 bytes, whether it is all 0xFF, its first LEAD bytes, and bytes
 * [out_off, out_off+out_len) copied out.
 * Whatever a caller believes of a span (its seq, its length) comes from this one read, the read
 * the CRC was checked on: a cell a torn program left weak may read differently each time, so a
 * header read earlier may not be what the CRC proved (bench_store found a slot whose earlier read
 * said seq 10702 where the CRC proved 462). */
#define LEAD 8u /* >= REC_HDR and SLOT_HDR */
struct span_info {
    uint32_t crc_calc, crc_stored;
    bool blank;
    uint8_t lead[LEAD];
};

static int read_span(struct mfw_store *s, uint32_t addr, uint32_t total, uint32_t covered,
                     uint32_t out_off, void *out, uint32_t out_len, struct span_info *si)
{
    uint8_t buf[CHUNK];
    uint8_t tail[CRC_LEN];
    uint32_t crc = 0;
    si->blank = true;
    memset(si->lead, 0xFF, sizeof si->lead);
    for (uint32_t off = 0; off < total;) {
        uint32_t n = total - off < CHUNK ? total - off : CHUNK;
        if (hal_read(s, addr + off, buf, n) != MFW_OK)
            return MFW_E_IO;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t at = off + k;
            if (buf[k] != 0xFFu)
                si->blank = false;
            if (at < LEAD)
                si->lead[at] = buf[k];
            if (at >= total - CRC_LEN)
                tail[at - (total - CRC_LEN)] = buf[k];
            if (out != NULL && at >= out_off && at < out_off + out_len)
                ((uint8_t *)out)[at - out_off] = buf[k];
        }
        if (off < covered) {
            uint32_t c = covered - off < n ? covered - off : n;
            crc = mfw_crc32_update(crc, buf, c);
        }
        off += n;
    }
    si->crc_calc = crc;
    si->crc_stored = get32(tail);
    return MFW_OK;
}

/* True if [addr, addr+len) is all 0xFF. */
static int is_blank(struct mfw_store *s, uint32_t addr, uint32_t len, bool *blank)
{
    uint8_t buf[CHUNK];
    *blank = true;
    for (uint32_t off = 0; off < len;) {
        uint32_t n = len - off < CHUNK ? len - off : CHUNK;
        if (hal_read(s, addr + off, buf, n) != MFW_OK)
            return MFW_E_IO;
        for (uint32_t k = 0; k < n; k++)
            if (buf[k] != 0xFFu) {
                *blank = false;
                return MFW_OK;
            }
        off += n;
    }
    return MFW_OK;
}

/* ---- sector headers */

/* Reads the header of sector idx of an area. *valid: a header of this area (kind, place, sizes)
 * with a good CRC and the area's version. */
static int hdr_read(struct mfw_store *s, unsigned area, uint32_t idx, struct sector_hdr *h,
                    bool *valid, bool *other_version)
{
    uint8_t b[HDR_RAW];
    const struct mfw_store_area_config *ac = &s->config.area[area];
    *valid = false;
    if (other_version != NULL)
        *other_version = false;
    if (hal_read(s, sector_addr(s, area, idx), b, sizeof b) != MFW_OK)
        return MFW_E_IO;
    if (get32(b) != HDR_MAGIC || mfw_crc32(b, HDR_RAW - CRC_LEN) != get32(b + HDR_RAW - CRC_LEN))
        return MFW_OK;
    h->kind = b[4];
    h->version = b[5];
    h->first_sector = get16(b + 6);
    h->entry_size = get16(b + 8);
    h->sectors = get16(b + 10);
    h->sector_seq = get32(b + 12);
    h->base_seq = get32(b + 16);
    h->floor_seq = get32(b + 20);
    if (h->kind != ac->kind || h->first_sector != ac->first_sector ||
        h->entry_size != ac->entry_size || h->sectors != ac->sectors || h->sector_seq == SEQ_NONE ||
        h->floor_seq > h->base_seq)
        return MFW_OK;
    if (h->version != ac->version) {
        if (other_version != NULL)
            *other_version = true;
        return MFW_OK;
    }
    *valid = true;
    return MFW_OK;
}

/* Programs n zero bytes at addr (prog_size aligned): "mark dead". A zeroed header never reads
 * as ours again, a zeroed slot never as valid: zeros are the one state of a NOR cell that a
 * program makes solid whatever the cell held (a torn program or erase may have left it weak). */
static int zero_span(struct mfw_store *s, uint32_t addr, uint32_t n)
{
    struct prog_stream p = {.s = s, .addr = addr, .fill = 0, .err = MFW_OK};
    ps_push(&p, NULL, n, 0x00);
    ps_flush(&p);
    return p.err;
}

/* Settling: after a cut the cells of the last program may be weak (they read right now and
 * wrong later). A weak cell of a torn program is one that was being taken to 0; a cell that was to
 * stay 1 is never weak. So programming back the bytes just read never writes a wrong 0, and every
 * weak cell that read 0 is a solid 0 afterwards. One pass reads [addr, addr+n) chunk by chunk,
 * programs each chunk back as it was read and checks the CRC-32 of [addr, addr+covered) against
 * the one stored at crc_at, all on the same read: if it matches, what was programmed is exactly
 * what was written before the cut, so every cell is solid now. *match tells. */
static int settle_pass(struct mfw_store *s, uint32_t addr, uint32_t n, uint32_t covered,
                       uint32_t crc_at, bool *match)
{
    uint8_t buf[CHUNK], stored[CRC_LEN];
    uint32_t crc = 0;
    for (uint32_t off = 0; off < n;) {
        uint32_t k = n - off < CHUNK ? n - off : CHUNK;
        if (hal_read(s, addr + off, buf, k) != MFW_OK)
            return MFW_E_IO;
        for (uint32_t i = 0; i < k; i++)
            if (off + i >= crc_at && off + i < crc_at + CRC_LEN)
                stored[off + i - crc_at] = buf[i];
        if (off < covered)
            crc = mfw_crc32_update(crc, buf, covered - off < k ? covered - off : k);
        s->stats.progs++;
        if (s->hal->flash_prog(s->hal->ctx, addr + off, buf, k) != 0)
            return MFW_E_IO;
        off += k;
    }
    s->stats.settled += n;
    *match = crc == get32(stored);
    return MFW_OK;
}

/* Before a sector that holds a header is erased, its header is zeroed: a torn erase can leave a
 * header intact over damaged data (NOR erases cells in any order), and such a sector must never
 * be taken for one of ours. After the zeroing the sector is out of its area whatever the erase
 * does; the caller has already moved its entries out of the area's RAM state. */
static int sector_retire(struct mfw_store *s, unsigned area, uint32_t idx)
{
    bool blank;
    uint32_t addr = sector_addr(s, area, idx);
    if (is_blank(s, addr, hdr_size(s), &blank) != MFW_OK)
        return MFW_E_IO;
    return blank ? MFW_OK : zero_span(s, addr, hdr_size(s));
}

/* Erases sector idx and writes its header: the sector becomes the area's head. */
static int sector_open(struct mfw_store *s, unsigned area, uint32_t idx, uint32_t sector_seq,
                       uint32_t base_seq, uint32_t floor_seq)
{
    const struct mfw_store_area_config *ac = &s->config.area[area];
    uint32_t sector = ac->first_sector + idx;
    if (sector_retire(s, area, idx) != MFW_OK)
        return MFW_E_IO;
    s->stats.erases++;
    if (s->hal->flash_erase(s->hal->ctx, sector) != 0)
        return MFW_E_IO;
    struct prog_stream p = {.s = s, .addr = sector_addr(s, area, idx), .fill = 0, .err = MFW_OK};
    uint8_t b[HDR_RAW];
    put32(b, HDR_MAGIC);
    b[4] = ac->kind;
    b[5] = ac->version;
    put16(b + 6, ac->first_sector);
    put16(b + 8, ac->entry_size);
    put16(b + 10, ac->sectors);
    put32(b + 12, sector_seq);
    put32(b + 16, base_seq);
    put32(b + 20, floor_seq);
    put32(b + 24, mfw_crc32(b, HDR_RAW - CRC_LEN));
    ps_push(&p, b, HDR_RAW, 0);
    ps_push(&p, NULL, hdr_size(s) - HDR_RAW, 0xFF);
    ps_flush(&p);
    return p.err;
}

/* ---- records */

/* Checks the record at addr (at most `room` bytes to the sector end). MFW_OK with *state. */
static int rec_check(struct mfw_store *s, unsigned area, uint32_t addr, uint32_t room,
                     enum slot_state *state, uint32_t *seq, uint16_t *len, uint32_t *size)
{
    uint8_t h[REC_HDR];
    *state = SLOT_TORN;
    if (room < REC_HDR + CRC_LEN) {
        bool blank;
        if (is_blank(s, addr, room, &blank) != MFW_OK)
            return MFW_E_IO;
        *state = blank ? SLOT_BLANK : SLOT_TORN;
        return MFW_OK;
    }
    if (hal_read(s, addr, h, sizeof h) != MFW_OK)
        return MFW_E_IO;
    uint16_t l = get16(h + 2);
    if (get16(h) == 0xFFFFu && l == 0xFFFFu && get32(h + 4) == SEQ_NONE) {
        *state = SLOT_BLANK; /* the caller checks that the rest of the sector is blank too */
        return MFW_OK;
    }
    if (get16(h) != REC_MAGIC || l > s->config.area[area].entry_size || get32(h + 4) == SEQ_NONE)
        return MFW_OK;
    uint32_t sz = rec_size(s, l);
    if (sz > room)
        return MFW_OK;
    struct span_info si;
    if (read_span(s, addr, sz, REC_HDR + l, 0, NULL, 0, &si) != MFW_OK)
        return MFW_E_IO;
    if (si.crc_calc != si.crc_stored || memcmp(si.lead, h, REC_HDR) != 0)
        return MFW_OK; /* torn, or a weak cell read otherwise the first time */
    *state = SLOT_VALID;
    *seq = get32(si.lead + 4);
    *len = l;
    *size = sz;
    return MFW_OK;
}

/* Parses sector idx from its first record on. Finds its newest valid record (if any) and the
 * offset where the next record may go: after the last valid record if everything after it is
 * blank, else the sector end (a torn record's length cannot be trusted, so the rest of a sector
 * holding one is never written). */
static int rec_scan(struct mfw_store *s, unsigned area, uint32_t idx, bool *found, uint32_t *addr,
                    uint16_t *len, uint32_t *seq, uint32_t *end)
{
    const uint32_t ss = s->config.sector_size;
    const uint32_t base = sector_addr(s, area, idx);
    uint32_t off = hdr_size(s);
    *found = false;
    for (;;) {
        if (off >= ss) {
            *end = ss;
            return MFW_OK;
        }
        enum slot_state st;
        uint32_t q = 0, sz = 0;
        uint16_t l = 0;
        if (rec_check(s, area, base + off, ss - off, &st, &q, &l, &sz) != MFW_OK)
            return MFW_E_IO;
        if (st == SLOT_VALID && (!*found || q > *seq)) {
            *found = true;
            *addr = base + off;
            *len = l;
            *seq = q;
            off += sz;
            continue;
        }
        bool blank = false;
        if (st != SLOT_TORN && is_blank(s, base + off, ss - off, &blank) != MFW_OK)
            return MFW_E_IO;
        if (!blank)
            s->stats.torn_found++;
        *end = blank ? off : ss;
        return MFW_OK;
    }
}

static int mount_records(struct mfw_store *s, unsigned area)
{
    const struct mfw_store_area_config *ac = &s->config.area[area];
    struct mfw_store_area *a = &s->a[area];
    /* Head = valid header with the highest sector_seq. */
    bool any = false;
    for (uint32_t i = 0; i < ac->sectors; i++) {
        struct sector_hdr h;
        bool valid, other;
        if (hdr_read(s, area, i, &h, &valid, &other) != MFW_OK)
            return MFW_E_IO;
        if (other)
            s->stats.version_mismatch++;
        if (!valid)
            continue;
        a->used_sectors++;
        if (!any || h.sector_seq > a->sector_seq) {
            any = true;
            a->sector_seq = h.sector_seq;
            a->head_sector = (uint16_t)i;
        }
    }
    if (!any)
        return MFW_OK; /* empty: the first write erases sector 0 */
    bool found;
    uint32_t addr = 0, seq = 0, end = 0;
    uint16_t len = 0;
    if (rec_scan(s, area, a->head_sector, &found, &addr, &len, &seq, &end) != MFW_OK)
        return MFW_E_IO;
    a->head_offset = end;
    /* The newest record is in the head sector, or (after a cut right after a sector was opened,
     * or a torn first record) in the next older one: walk down by sector_seq until one is found. */
    uint32_t below = a->sector_seq;
    for (uint32_t guard = 1; !found && guard < ac->sectors; guard++) {
        bool got = false;
        uint32_t best = 0, best_seq = 0;
        for (uint32_t i = 0; i < ac->sectors; i++) {
            struct sector_hdr h;
            bool valid;
            if (hdr_read(s, area, i, &h, &valid, NULL) != MFW_OK)
                return MFW_E_IO;
            if (valid && h.sector_seq < below && (!got || h.sector_seq > best_seq)) {
                got = true;
                best = i;
                best_seq = h.sector_seq;
            }
        }
        if (!got)
            break;
        below = best_seq;
        uint32_t unused_end;
        if (rec_scan(s, area, best, &found, &addr, &len, &seq, &unused_end) != MFW_OK)
            return MFW_E_IO;
    }
    if (found) {
        a->has_record = true;
        a->newest_addr = addr;
        a->newest_len = len;
        a->next_seq = seq + 1u;
    }
    return MFW_OK;
}

/* Makes the head sector able to take sz more bytes: if it cannot, opens a new sector (erase and
 * header). If the head holds the newest record, the next one round robin (never the newest
 * record's sector); otherwise the head itself (it holds nothing we need, and for 2 sectors its
 * successor may hold the newest record). */
static int records_make_room(struct mfw_store *s, unsigned area, uint32_t sz)
{
    const struct mfw_store_area_config *ac = &s->config.area[area];
    struct mfw_store_area *a = &s->a[area];
    if (a->used_sectors != 0 && a->head_offset + sz <= s->config.sector_size)
        return MFW_OK;
    uint32_t head_start = sector_addr(s, area, a->head_sector);
    bool newest_in_head = a->has_record && a->newest_addr >= head_start &&
                          a->newest_addr < head_start + s->config.sector_size;
    uint32_t target = a->head_sector;
    if (a->used_sectors > 0 && newest_in_head)
        target = (a->head_sector + 1u) % ac->sectors;
    if (a->sector_seq >= SEQ_NONE - 1u)
        return MFW_E_RANGE;
    int r = sector_open(s, area, target, a->sector_seq + 1u, a->next_seq, 0);
    if (r != MFW_OK) {
        /* target is erased or half erased, and it was not the newest record's sector: the RAM
         * state still describes the flash, except that target holds nothing any more. */
        return r;
    }
    if (target != a->head_sector || a->used_sectors == 0)
        a->used_sectors =
            (uint16_t)(a->used_sectors < ac->sectors ? a->used_sectors + 1u : a->used_sectors);
    a->head_sector = (uint16_t)target;
    a->sector_seq++;
    a->head_offset = hdr_size(s);
    return MFW_OK;
}

int mfw_store_record_prepare(struct mfw_store *s, unsigned area, size_t len)
{
    if (s == NULL || area >= s->config.n_areas || s->config.area[area].kind != MFW_STORE_RECORDS)
        return MFW_E_ARG;
    if (len > s->config.area[area].entry_size)
        return MFW_E_RANGE;
    return records_make_room(s, area, rec_size(s, (uint32_t)len));
}

int mfw_store_record_write(struct mfw_store *s, unsigned area, const void *data, size_t len)
{
    if (s == NULL || area >= s->config.n_areas || s->config.area[area].kind != MFW_STORE_RECORDS ||
        (data == NULL && len > 0))
        return MFW_E_ARG;
    const struct mfw_store_area_config *ac = &s->config.area[area];
    struct mfw_store_area *a = &s->a[area];
    if (len > ac->entry_size)
        return MFW_E_RANGE;
    if (a->next_seq == SEQ_NONE)
        return MFW_E_RANGE;
    const uint32_t sz = rec_size(s, (uint32_t)len);
    int r = records_make_room(s, area, sz);
    if (r != MFW_OK)
        return r;
    uint8_t h[REC_HDR];
    put16(h, REC_MAGIC);
    put16(h + 2, (uint16_t)len);
    put32(h + 4, a->next_seq);
    uint32_t crc = mfw_crc32_update(mfw_crc32(h, REC_HDR), data, len);
    uint8_t c[CRC_LEN];
    put32(c, crc);
    const uint32_t addr = sector_addr(s, area, a->head_sector) + a->head_offset;
    struct prog_stream p = {.s = s, .addr = addr, .fill = 0, .err = MFW_OK};
    ps_push(&p, h, REC_HDR, 0);
    ps_push(&p, data, (uint32_t)len, 0);
    ps_push(&p, NULL, sz - REC_HDR - (uint32_t)len - CRC_LEN, 0xFF);
    ps_push(&p, c, CRC_LEN, 0);
    ps_flush(&p);
    if (p.err != MFW_OK) {
        /* Never program this space again: the rest of the sector is skipped. */
        a->head_offset = s->config.sector_size;
        return p.err;
    }
    a->head_offset += sz;
    a->has_record = true;
    a->newest_addr = addr;
    a->newest_len = (uint16_t)len;
    a->next_seq++;
    return MFW_OK;
}

int mfw_store_record_read(struct mfw_store *s, unsigned area, void *buf, size_t cap, size_t *len)
{
    if (s == NULL || area >= s->config.n_areas || s->config.area[area].kind != MFW_STORE_RECORDS ||
        (buf == NULL && cap > 0))
        return MFW_E_ARG;
    struct mfw_store_area *a = &s->a[area];
    if (!a->has_record)
        return MFW_E_STATE;
    if (len != NULL)
        *len = a->newest_len;
    if (cap < a->newest_len)
        return MFW_E_NOSPACE;
    uint8_t h[REC_HDR];
    if (hal_read(s, a->newest_addr, h, sizeof h) != MFW_OK)
        return MFW_E_IO;
    if (get16(h) != REC_MAGIC || get16(h + 2) != a->newest_len)
        return MFW_E_CRC;
    struct span_info si;
    if (read_span(s, a->newest_addr, rec_size(s, a->newest_len), REC_HDR + a->newest_len, REC_HDR,
                  buf, a->newest_len, &si) != MFW_OK)
        return MFW_E_IO;
    if (si.crc_calc != si.crc_stored || get16(si.lead + 2) != a->newest_len ||
        get32(si.lead + 4) != a->next_seq - 1u) {
        memset(buf, 0, a->newest_len);
        return MFW_E_CRC;
    }
    return MFW_OK;
}

int mfw_store_record_read_before(struct mfw_store *s, unsigned area, uint32_t below, void *buf,
                                 size_t cap, size_t *len, uint32_t *seq)
{
    if (s == NULL || area >= s->config.n_areas || s->config.area[area].kind != MFW_STORE_RECORDS ||
        (buf == NULL && cap > 0) || seq == NULL)
        return MFW_E_ARG;
    const struct mfw_store_area_config *ac = &s->config.area[area];
    const uint32_t ss = s->config.sector_size;
    bool found = false;
    uint32_t best_addr = 0, best_seq = 0, best_sector_seq = 0;
    uint16_t best_len = 0;
    for (uint32_t i = 0; i < ac->sectors; i++) {
        struct sector_hdr h;
        bool valid;
        if (hdr_read(s, area, i, &h, &valid, NULL) != MFW_OK)
            return MFW_E_IO;
        if (!valid)
            continue;
        const uint32_t base = sector_addr(s, area, i);
        bool any = false;
        uint32_t prev = 0;
        for (uint32_t off = hdr_size(s); off < ss;) {
            enum slot_state st;
            uint32_t q = 0, sz = 0;
            uint16_t l = 0;
            if (rec_check(s, area, base + off, ss - off, &st, &q, &l, &sz) != MFW_OK)
                return MFW_E_IO;
            /* blank, or torn: its length cannot be trusted; or not after the record before it:
             * the sector's records end there, as for rec_scan */
            if (st != SLOT_VALID || (any && q <= prev))
                break;
            any = true;
            prev = q;
            /* A record numbered at or after the next one (damage, or another store's) cannot be
             * newer than the newest one mount found: it would hide every later write. Of two
             * with one number, the one in the newer sector. */
            if (q < below && q < s->a[area].next_seq &&
                (!found || q > best_seq || (q == best_seq && h.sector_seq > best_sector_seq))) {
                found = true;
                best_addr = base + off;
                best_seq = q;
                best_sector_seq = h.sector_seq;
                best_len = l;
            }
            off += sz;
        }
    }
    if (!found)
        return MFW_E_STATE;
    if (len != NULL)
        *len = best_len;
    *seq = best_seq;
    if (cap < best_len)
        return MFW_E_NOSPACE;
    struct span_info si;
    if (read_span(s, best_addr, rec_size(s, best_len), REC_HDR + best_len, REC_HDR, buf, best_len,
                  &si) != MFW_OK)
        return MFW_E_IO;
    if (si.crc_calc != si.crc_stored || get32(si.lead + 4) != best_seq) {
        memset(buf, 0, best_len);
        return MFW_E_CRC;
    }
    return MFW_OK;
}

/* ---- rings */

static uint32_t ring_slot_addr(const struct mfw_store *s, unsigned area, uint32_t idx, uint32_t pos)
{
    return sector_addr(s, area, idx) + hdr_size(s) + pos * s->a[area].slot_size;
}

/* Reads slot pos of sector idx; *seq for a valid one; payload copied to out if not NULL (and
 * cleared again if the slot is not valid). */
static int slot_read(struct mfw_store *s, unsigned area, uint32_t idx, uint32_t pos,
                     enum slot_state *state, uint32_t *seq, void *out)
{
    const uint32_t es = s->config.area[area].entry_size;
    const uint32_t addr = ring_slot_addr(s, area, idx, pos);
    struct span_info si;
    if (read_span(s, addr, s->a[area].slot_size, SLOT_HDR + es, SLOT_HDR, out, es, &si) != MFW_OK)
        return MFW_E_IO;
    *seq = get32(si.lead);
    if (si.blank)
        *state = SLOT_BLANK;
    else if (si.crc_calc == si.crc_stored && *seq != SEQ_NONE)
        *state = SLOT_VALID;
    else
        *state = SLOT_TORN;
    if (*state != SLOT_VALID && out != NULL)
        memset(out, 0, es);
    return MFW_OK;
}

static int mount_ring(struct mfw_store *s, unsigned area)
{
    const struct mfw_store_area_config *ac = &s->config.area[area];
    struct mfw_store_area *a = &s->a[area];
    const uint32_t n = ac->sectors;
    bool any = false;
    struct sector_hdr head_h = {0};
    for (uint32_t i = 0; i < n; i++) {
        struct sector_hdr h;
        bool valid, other;
        if (hdr_read(s, area, i, &h, &valid, &other) != MFW_OK)
            return MFW_E_IO;
        if (other)
            s->stats.version_mismatch++;
        if (valid && (!any || h.sector_seq > head_h.sector_seq)) {
            any = true;
            head_h = h;
            a->head_sector = (uint16_t)i;
        }
    }
    if (!any)
        return MFW_OK;
    a->sector_seq = head_h.sector_seq;
    a->used_sectors = 1;
    /* The chain: going back from the head, consecutive sectors whose sector_seq counts down by
     * one and whose base_seq does not grow. The first break ends it (an erased, torn or stale
     * sector); everything before it is gone. */
    uint32_t oldest_base = head_h.base_seq;
    for (uint32_t j = 1; j < n && j <= head_h.sector_seq; j++) {
        uint32_t idx = (a->head_sector + n - j) % n;
        struct sector_hdr h;
        bool valid;
        if (hdr_read(s, area, idx, &h, &valid, NULL) != MFW_OK)
            return MFW_E_IO;
        if (!valid || h.sector_seq != head_h.sector_seq - j || h.base_seq > oldest_base ||
            oldest_base - h.base_seq > a->slots_per_sector)
            break; /* a sector holds at most slots_per_sector entries */
        oldest_base = h.base_seq;
        a->used_sectors++;
    }
    /* The head's slots: valid ones carry base, base+1, ... in order; torn ones are skipped; the
     * next slot to write follows the last one that is not blank. */
    uint32_t expect = head_h.base_seq, last_nonblank = 0;
    bool seen = false;
    a->newest_pos = UINT32_MAX;
    for (uint32_t pos = 0; pos < a->slots_per_sector; pos++) {
        enum slot_state st;
        uint32_t q;
        if (slot_read(s, area, a->head_sector, pos, &st, &q, NULL) != MFW_OK)
            return MFW_E_IO;
        if (st == SLOT_BLANK)
            continue;
        seen = true;
        last_nonblank = pos;
        /* A power cut never makes a seq jump; damage (a flipped bit in a complete slot) can
         * lose one in the middle. Accept any increase so that seqs stay increasing with the
         * position (the binary search of mfw_store_ring_read relies on it): the lost entry then
         * reads as MFW_E_CRC, never as something else. But every slot before takes at most one
         * seq: a slot claiming more (damage, or not a ring of ours) is not counted, or a ring of
         * a few slots would count billions of entries. */
        if (st == SLOT_VALID && q >= expect && q - head_h.base_seq <= pos && q < SEQ_NONE - 1u) {
            expect = q + 1u;
            a->newest_pos = pos;
        } else {
            s->stats.torn_found++;
            if (st == SLOT_VALID)
                a->stray_slots++;
        }
    }
    a->head_offset = hdr_size(s) + (seen ? last_nonblank + 1u : 0u) * a->slot_size;
    a->next_seq = expect;
    a->tail_seq = oldest_base > head_h.floor_seq ? oldest_base : head_h.floor_seq;
    if (a->tail_seq > a->next_seq)
        a->tail_seq = a->next_seq;
    return MFW_OK;
}

static int ring_area(const struct mfw_store *s, unsigned area)
{
    if (s == NULL || area >= s->config.n_areas || s->config.area[area].kind != MFW_STORE_RING)
        return MFW_E_ARG;
    return MFW_OK;
}

/* Makes sector head+1 the head: drops it from the chain first if the ring is full (the tail moves
 * to the next sector's base), erases it and writes its header. floor: the new floor_seq. */
static int ring_advance(struct mfw_store *s, unsigned area, uint32_t floor_seq)
{
    const struct mfw_store_area_config *ac = &s->config.area[area];
    struct mfw_store_area *a = &s->a[area];
    const uint32_t n = ac->sectors;
    uint32_t target = a->used_sectors == 0 ? a->head_sector : (a->head_sector + 1u) % n;
    if (a->sector_seq >= SEQ_NONE - 1u)
        return MFW_E_RANGE;
    if (a->used_sectors >= n) {
        /* target is the oldest sector: its entries go; the tail becomes the next one's base. */
        struct sector_hdr h;
        bool valid;
        if (hdr_read(s, area, (target + 1u) % n, &h, &valid, NULL) != MFW_OK)
            return MFW_E_IO;
        uint32_t t = valid ? h.base_seq : a->next_seq;
        if (t > a->tail_seq)
            a->tail_seq = t <= a->next_seq ? t : a->next_seq;
        a->used_sectors--;
    }
    if (floor_seq > a->tail_seq)
        a->tail_seq = floor_seq;
    int r = sector_open(s, area, target, a->sector_seq + 1u, a->next_seq, a->tail_seq);
    if (r != MFW_OK)
        return r; /* RAM still right: target is out of the chain and holds nothing */
    a->head_sector = (uint16_t)target;
    a->sector_seq++;
    a->used_sectors++;
    a->head_offset = hdr_size(s);
    return MFW_OK;
}

int mfw_store_ring_append(struct mfw_store *s, unsigned area, const void *entry)
{
    if (ring_area(s, area) != MFW_OK || entry == NULL)
        return MFW_E_ARG;
    struct mfw_store_area *a = &s->a[area];
    const uint32_t es = s->config.area[area].entry_size;
    if (a->next_seq >= SEQ_NONE - 1u)
        return MFW_E_RANGE;
    if (a->used_sectors == 0 || a->head_offset + a->slot_size > s->config.sector_size) {
        int r = ring_advance(s, area, 0);
        if (r != MFW_OK)
            return r;
    }
    uint8_t q[SLOT_HDR], c[CRC_LEN];
    put32(q, a->next_seq);
    put32(c, mfw_crc32_update(mfw_crc32(q, SLOT_HDR), entry, es));
    const uint32_t addr = sector_addr(s, area, a->head_sector) + a->head_offset;
    struct prog_stream p = {.s = s, .addr = addr, .fill = 0, .err = MFW_OK};
    ps_push(&p, q, SLOT_HDR, 0);
    ps_push(&p, entry, es, 0);
    ps_push(&p, NULL, a->slot_size - SLOT_HDR - es - CRC_LEN, 0xFF);
    ps_push(&p, c, CRC_LEN, 0);
    ps_flush(&p);
    /* A torn slot is never programmed again: the next append goes to the next slot with the same
     * sequence number (only a complete slot consumes one). */
    a->head_offset += a->slot_size;
    if (p.err != MFW_OK)
        return p.err;
    a->next_seq++;
    return MFW_OK;
}

uint32_t mfw_store_ring_count(const struct mfw_store *s, unsigned area)
{
    if (ring_area(s, area) != MFW_OK)
        return 0;
    return s->a[area].next_seq - s->a[area].tail_seq;
}

uint32_t mfw_store_ring_capacity(const struct mfw_store *s, unsigned area)
{
    if (ring_area(s, area) != MFW_OK)
        return 0;
    return (uint32_t)(s->config.area[area].sectors - 1u) * s->a[area].slots_per_sector;
}

uint32_t mfw_store_ring_first_seq(const struct mfw_store *s, unsigned area)
{
    if (ring_area(s, area) != MFW_OK)
        return 0;
    return s->a[area].tail_seq;
}

/* Position of the first valid slot in [from, to) of sector idx, or `to` if none. */
static int first_valid(struct mfw_store *s, unsigned area, uint32_t idx, uint32_t from, uint32_t to,
                       uint32_t *pos, uint32_t *seq)
{
    for (uint32_t p = from; p < to; p++) {
        enum slot_state st;
        if (slot_read(s, area, idx, p, &st, seq, NULL) != MFW_OK)
            return MFW_E_IO;
        if (st == SLOT_VALID) {
            *pos = p;
            return MFW_OK;
        }
    }
    *pos = to;
    return MFW_OK;
}

int mfw_store_ring_read(struct mfw_store *s, unsigned area, uint32_t index, void *entry)
{
    if (ring_area(s, area) != MFW_OK || entry == NULL)
        return MFW_E_ARG;
    struct mfw_store_area *a = &s->a[area];
    const uint32_t n = s->config.area[area].sectors;
    if (index >= a->next_seq - a->tail_seq)
        return MFW_E_RANGE;
    const uint32_t target = a->tail_seq + index;
    /* The sector: the newest in the chain whose base_seq <= target. Chain position j = 0 is the
     * head; bases do not grow with j, so binary search over j (O(log sectors) header reads). */
    uint32_t lo = 0, hi = a->used_sectors; /* answer in [lo, hi) */
    uint32_t idx = a->head_sector, base = 0;
    bool have = false;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2u;
        uint32_t i = (a->head_sector + n - mid) % n;
        struct sector_hdr h;
        bool valid;
        if (hdr_read(s, area, i, &h, &valid, NULL) != MFW_OK)
            return MFW_E_IO;
        if (!valid || h.sector_seq != a->sector_seq - mid)
            return MFW_E_CRC; /* the flash changed under us */
        if (h.base_seq <= target) {
            have = true;
            idx = i;
            base = h.base_seq;
            hi = mid;
        } else {
            lo = mid + 1u;
        }
    }
    if (!have)
        return MFW_E_CRC;
    /* The slot: each valid slot consumes one seq, so target sits at position >= target - base,
     * exactly there unless torn slots precede it. Binary search over positions, stepping over
     * torn or blank slots to the next valid one. */
    uint32_t limit = a->slots_per_sector;
    if (idx == a->head_sector)
        limit = (a->head_offset - hdr_size(s)) / a->slot_size;
    if (target - base >= limit)
        return MFW_E_CRC;
    uint32_t plo = target - base, phi = limit;
    bool first = true;
    while (plo < phi) {
        uint32_t mid = first ? plo : plo + (phi - plo) / 2u; /* try the exact spot first */
        first = false;
        uint32_t p, q = 0;
        if (first_valid(s, area, idx, mid, phi, &p, &q) != MFW_OK)
            return MFW_E_IO;
        if (p == phi) {
            phi = mid;
        } else if (q == target) {
            enum slot_state st;
            if (slot_read(s, area, idx, p, &st, &q, entry) != MFW_OK)
                return MFW_E_IO;
            return st == SLOT_VALID && q == target ? MFW_OK : MFW_E_CRC;
        } else if (q < target) {
            plo = p + 1u;
        } else {
            phi = mid;
        }
    }
    return MFW_E_CRC;
}

int mfw_store_ring_clear(struct mfw_store *s, unsigned area)
{
    if (ring_area(s, area) != MFW_OK)
        return MFW_E_ARG;
    struct mfw_store_area *a = &s->a[area];
    if (a->next_seq == a->tail_seq)
        return MFW_OK;
    /* One new head sector whose floor_seq hides every older entry: its header is the commit. */
    return ring_advance(s, area, a->next_seq);
}

/* ---- mount */

static int check_cfg(const struct mfw_store_config *c)
{
    if (c->prog_size == 0 || c->prog_size > CHUNK || (c->prog_size & (c->prog_size - 1u)) != 0)
        return MFW_E_ARG;
    if (c->sector_size < 64u || c->sector_size % c->prog_size != 0 || c->sector_count == 0 ||
        c->sector_count > 0xFFFFFFFFu / c->sector_size)
        return MFW_E_ARG;
    if (c->n_areas == 0 || c->n_areas > MFW_STORE_AREAS_MAX)
        return MFW_E_ARG;
    const uint32_t hs = round_up(HDR_RAW, c->prog_size);
    for (unsigned k = 0; k < c->n_areas; k++) {
        const struct mfw_store_area_config *ac = &c->area[k];
        if (ac->kind > MFW_STORE_RING || ac->sectors < 2 || ac->entry_size == 0 ||
            (uint32_t)ac->first_sector + ac->sectors > c->sector_count)
            return MFW_E_ARG;
        uint32_t need = ac->kind == MFW_STORE_RING ? SLOT_HDR + ac->entry_size + CRC_LEN
                                                   : REC_HDR + ac->entry_size + CRC_LEN;
        if (round_up(need, c->prog_size) > c->sector_size - hs)
            return MFW_E_ARG;
        for (unsigned m = 0; m < k; m++) {
            const struct mfw_store_area_config *o = &c->area[m];
            if (ac->first_sector < o->first_sector + o->sectors &&
                o->first_sector < ac->first_sector + ac->sectors)
                return MFW_E_ARG;
        }
    }
    return MFW_OK;
}

/* Counts what the headers of the layout's sectors are (struct mfw_store_stats). */
static int classify(struct mfw_store *s)
{
    for (unsigned k = 0; k < s->config.n_areas; k++)
        for (uint32_t i = 0; i < s->config.area[k].sectors; i++) {
            struct sector_hdr h;
            bool valid, blank;
            if (hdr_read(s, k, i, &h, &valid, NULL) != MFW_OK ||
                is_blank(s, sector_addr(s, k, i), HDR_RAW, &blank) != MFW_OK)
                return MFW_E_IO;
            /* A header torn at its very first program leaves the rest of the sector blank: that
             * is a sector of ours being opened, not something else. */
            if (!valid && !blank)
                if (is_blank(s, sector_addr(s, k, i) + hdr_size(s),
                             s->config.sector_size - hdr_size(s), &blank) != MFW_OK)
                    return MFW_E_IO;
            if (valid)
                s->stats.sectors_ours++;
            else if (blank)
                s->stats.sectors_blank++;
            else
                s->stats.sectors_foreign++;
        }
    return MFW_OK;
}

/* The sector after the head: where the area's next sector open (retire, erase, header) happens,
 * so where a cut may have left a torn or weak header. A header there that is neither blank nor
 * ours is zeroed: it can never come back as ours. */
static int settle_next_sector(struct mfw_store *s, unsigned area)
{
    const struct mfw_store_area *a = &s->a[area];
    uint32_t idx = (a->head_sector + 1u) % s->config.area[area].sectors;
    struct sector_hdr h;
    bool valid, other, blank;
    uint32_t addr = sector_addr(s, area, idx);
    if (hdr_read(s, area, idx, &h, &valid, &other) != MFW_OK ||
        is_blank(s, addr, hdr_size(s), &blank) != MFW_OK)
        return MFW_E_IO;
    if (valid || blank)
        return MFW_OK;
    s->stats.killed++;
    return zero_span(s, addr, hdr_size(s));
}

#define SETTLE_AGAIN 1 /* settle_*: something mount took for valid did not settle: mount again */
#define SETTLE_PASSES 16

/* What mount found valid (a header, the newest record, the newest slot) is settled
 * (settle_pass) until a pass reads it with its CRC right; each pass makes more weak cells solid
 * (those that read 0), so that takes one pass normally and a few after a torn program. If it
 * never reads right it was the in-flight write of the cut, which may be lost: it is zeroed, and
 * the area is mounted again. */
static int settle(struct mfw_store *s, uint32_t addr, uint32_t n, uint32_t covered, uint32_t crc_at,
                  uint32_t kill_len)
{
    for (unsigned pass = 0; pass < SETTLE_PASSES; pass++) {
        bool match = false;
        if (settle_pass(s, addr, n, covered, crc_at, &match) != MFW_OK)
            return MFW_E_IO;
        if (match)
            return MFW_OK;
    }
    s->stats.killed++;
    if (zero_span(s, addr, kill_len) != MFW_OK)
        return MFW_E_IO;
    return SETTLE_AGAIN;
}

static int settle_header(struct mfw_store *s, unsigned area)
{
    return settle(s, sector_addr(s, area, s->a[area].head_sector), hdr_size(s), HDR_RAW - CRC_LEN,
                  HDR_RAW - CRC_LEN, hdr_size(s));
}

static int settle_records(struct mfw_store *s, unsigned area)
{
    struct mfw_store_area *a = &s->a[area];
    if (a->used_sectors == 0)
        return MFW_OK;
    int r = settle_header(s, area);
    if (r == MFW_OK && a->has_record) {
        uint32_t sz = rec_size(s, a->newest_len);
        r = settle(s, a->newest_addr, sz, REC_HDR + a->newest_len, sz - CRC_LEN, sz);
    }
    if (r != MFW_OK)
        return r;
    /* A record torn by the cut may read blank (only weak cells) and its length is unknown: the
     * next record goes to a fresh sector (a RECORDS area writes one or a few records per sector,
     * so this costs at most one sector open per mount). */
    a->head_offset = s->config.sector_size;
    return settle_next_sector(s, area);
}

static int settle_ring(struct mfw_store *s, unsigned area)
{
    struct mfw_store_area *a = &s->a[area];
    const uint32_t n = s->config.area[area].sectors;
    if (a->used_sectors == 0)
        return MFW_OK;
    int r = settle_header(s, area);
    if (r != MFW_OK)
        return r;
    const uint32_t used = (a->head_offset - hdr_size(s)) / a->slot_size;
    if (a->stray_slots > 0) {
        /* Slots with a good CRC that mount did not count (their seq out of sequence) are no
         * entries, but mfw_store_ring_read's binary search would take them for some: zeroed. */
        struct sector_hdr h;
        bool valid;
        if (hdr_read(s, area, a->head_sector, &h, &valid, NULL) != MFW_OK)
            return MFW_E_IO;
        uint32_t expect = h.base_seq;
        for (uint32_t pos = 0; valid && pos < used; pos++) {
            enum slot_state st;
            uint32_t q;
            if (slot_read(s, area, a->head_sector, pos, &st, &q, NULL) != MFW_OK)
                return MFW_E_IO;
            if (st != SLOT_VALID)
                continue;
            if (pos == a->newest_pos ||
                (q >= expect && q - h.base_seq <= pos && q < SEQ_NONE - 1u)) {
                expect = q + 1u;
                continue;
            }
            s->stats.killed++;
            if (zero_span(s, ring_slot_addr(s, area, a->head_sector, pos), a->slot_size) != MFW_OK)
                return MFW_E_IO;
        }
        a->stray_slots = 0;
    }
    /* The newest slot (seq next_seq - 1, found by mount) is settled; the slots after it, torn
     * (never counted), are zeroed, and so is the slot where the next append would go (a torn
     * program may have left only weak cells there, which read blank now and could spoil the next
     * entry). */
    for (uint32_t pos = used; pos-- > 0;) {
        uint32_t addr = ring_slot_addr(s, area, a->head_sector, pos);
        if (pos == a->newest_pos) {
            uint32_t es = s->config.area[area].entry_size;
            r = settle(s, addr, a->slot_size, SLOT_HDR + es, a->slot_size - CRC_LEN, a->slot_size);
            if (r != MFW_OK)
                return r;
            break;
        }
        enum slot_state st;
        uint32_t q;
        if (slot_read(s, area, a->head_sector, pos, &st, &q, NULL) != MFW_OK)
            return MFW_E_IO;
        if (a->newest_pos != UINT32_MAX && pos < a->newest_pos)
            break;
        if (st != SLOT_BLANK) {
            s->stats.killed++;
            if (zero_span(s, addr, a->slot_size) != MFW_OK)
                return MFW_E_IO;
        }
        if (a->newest_pos == UINT32_MAX && st == SLOT_VALID)
            break; /* only torn slots follow in the head: the newest is in an older sector */
    }
    if (used < a->slots_per_sector) {
        s->stats.killed++;
        if (zero_span(s, ring_slot_addr(s, area, a->head_sector, used), a->slot_size) != MFW_OK)
            return MFW_E_IO;
        a->head_offset += a->slot_size;
    }
    /* A full ring with a full head drops its oldest sector at the next append: drop it now, so
     * that a header zeroing a cut left weak is done again and stays done. */
    if (a->used_sectors >= n && a->head_offset + a->slot_size > s->config.sector_size) {
        uint32_t oldest = (a->head_sector + 1u) % n;
        struct sector_hdr h;
        bool valid;
        if (hdr_read(s, area, (oldest + 1u) % n, &h, &valid, NULL) != MFW_OK)
            return MFW_E_IO;
        uint32_t tail = valid ? h.base_seq : a->next_seq;
        if (tail > a->tail_seq)
            a->tail_seq = tail <= a->next_seq ? tail : a->next_seq;
        a->used_sectors--;
        s->stats.killed++;
        return zero_span(s, sector_addr(s, area, oldest), hdr_size(s));
    }
    return settle_next_sector(s, area);
}

/* Recovers area k from the flash (read only). */
static int mount_area(struct mfw_store *s, unsigned k)
{
    const struct mfw_store_config *cfg = &s->config;
    struct mfw_store_area *a = &s->a[k];
    memset(a, 0, sizeof *a);
    if (cfg->area[k].kind == MFW_STORE_RING) {
        a->slot_size = round_up(SLOT_HDR + cfg->area[k].entry_size + CRC_LEN, cfg->prog_size);
        a->slots_per_sector = (cfg->sector_size - hdr_size(s)) / a->slot_size;
        return mount_ring(s, k);
    }
    return mount_records(s, k);
}

int mfw_store_mount_readonly(struct mfw_store *s, const struct mfw_store_config *cfg,
                             const struct mfw_hal *hal)
{
    if (s == NULL || cfg == NULL || hal == NULL || hal->flash_read == NULL ||
        hal->flash_prog == NULL || hal->flash_erase == NULL)
        return MFW_E_ARG;
    int r = check_cfg(cfg);
    if (r != MFW_OK)
        return r;
    memset(s, 0, sizeof *s);
    s->hal = hal;
    s->config = *cfg;
    /* Read only: recover every area, and find out whether this flash is ours at all. */
    for (unsigned k = 0; k < cfg->n_areas; k++)
        if ((r = mount_area(s, k)) != MFW_OK)
            return r;
    if (classify(s) != MFW_OK)
        return MFW_E_IO;
    if (s->stats.sectors_ours == 0 && s->stats.sectors_foreign > 0)
        return MFW_E_FORMAT; /* not a store of this layout: left untouched */
    return MFW_OK;
}

int mfw_store_settle(struct mfw_store *s)
{
    if (s == NULL || s->hal == NULL)
        return MFW_E_ARG;
    /* Settle what the last operation before a cut may have left weak; what does not settle is
     * zeroed and the area mounted again (each round zeroes something: it ends). */
    const struct mfw_store_config *cfg = &s->config;
    for (unsigned k = 0; k < cfg->n_areas; k++) {
        int r;
        for (unsigned round = 0;; round++) {
            r = cfg->area[k].kind == MFW_STORE_RING ? settle_ring(s, k) : settle_records(s, k);
            if (r != SETTLE_AGAIN)
                break;
            if (round > 2u * cfg->area[k].sectors + 8u)
                return MFW_E_IO;
            if ((r = mount_area(s, k)) != MFW_OK)
                return r;
        }
        if (r != MFW_OK)
            return r;
    }
    return MFW_OK;
}

int mfw_store_mount(struct mfw_store *s, const struct mfw_store_config *cfg,
                    const struct mfw_hal *hal)
{
    int r = mfw_store_mount_readonly(s, cfg, hal);
    return r != MFW_OK ? r : mfw_store_settle(s);
}

int mfw_store_format(const struct mfw_store_config *cfg, const struct mfw_hal *hal)
{
    if (cfg == NULL || hal == NULL || hal->flash_erase == NULL)
        return MFW_E_ARG;
    int r = check_cfg(cfg);
    if (r != MFW_OK)
        return r;
    for (unsigned k = 0; k < cfg->n_areas; k++)
        for (uint32_t i = 0; i < cfg->area[k].sectors; i++)
            if (hal->flash_erase(hal->ctx, cfg->area[k].first_sector + i) != 0)
                return MFW_E_IO;
    return MFW_OK;
}
