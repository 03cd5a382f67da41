#include "meter_state.h"

#include <string.h>

#include "meterfw/base/bytes.h"
#include "meterfw/base/error.h"

#define STATE_MAGIC 0x5453464Du  /* "MFST" */
#define CONFIG_MAGIC 0x4346464Du /* "MFFC" */
#define FORMAT_VERSION 1u

/* What of a profile is state (the schedule and the status collected); its averages are not kept
 * across a power failure: the row after it is flagged power down and data not valid. */
struct profile_run {
    mfw_ms_t next_capture_ms;
    uint8_t status_pending;
};

struct state_misc {
    mfw_ms_t rtc, now;
    int64_t clock_offset_ms;
    uint8_t clock_invalid, clock_doubtful, tariff, lp_status, down;
    uint8_t pad[3];
};

/* A cursor writing or reading parts with their sizes. */
struct part_writer {
    uint8_t *buf;
    size_t cap, len;
    int rc;
};

static void put(struct part_writer *w, const void *p, size_t n)
{
    if (w->rc != MFW_OK)
        return;
    if (n > UINT16_MAX || w->len + 2 + n > w->cap) {
        w->rc = MFW_E_NOSPACE;
        return;
    }
    mfw_bytes_put_le16(w->buf + w->len, (uint16_t)n);
    memcpy(w->buf + w->len + 2, p, n);
    w->len += 2 + n;
}

struct part_reader {
    const uint8_t *buf;
    size_t len, pos;
    int rc;
};

static void get(struct part_reader *r, void *p, size_t n)
{
    if (r->rc != MFW_OK)
        return;
    if (r->pos + 2 > r->len) {
        r->rc = MFW_E_FORMAT;
        return;
    }
    size_t have = mfw_bytes_get_le16(r->buf + r->pos);
    if (have != n) { /* another build's struct layout */
        r->rc = MFW_E_VERSION;
        return;
    }
    if (r->pos + 2 + n > r->len) {
        r->rc = MFW_E_FORMAT;
        return;
    }
    memcpy(p, r->buf + r->pos + 2, n);
    r->pos += 2 + n;
}

static void begin(struct part_writer *w, uint8_t *buf, size_t cap, uint32_t magic)
{
    *w = (struct part_writer){buf, cap, 0, MFW_OK};
    if (cap < 6) {
        w->rc = MFW_E_NOSPACE;
        return;
    }
    mfw_bytes_put_le32(buf, magic);
    mfw_bytes_put_le16(buf + 4, FORMAT_VERSION);
    w->len = 6;
}

static int open_reader(struct part_reader *r, const uint8_t *buf, size_t len, uint32_t magic)
{
    *r = (struct part_reader){buf, len, 6, MFW_OK};
    if (len < 6 || mfw_bytes_get_le32(buf) != magic)
        return MFW_E_FORMAT;
    if (mfw_bytes_get_le16(buf + 4) != FORMAT_VERSION)
        return MFW_E_VERSION;
    return MFW_OK;
}

int mfw_meter_state_encode(const struct mfw_meter *m, uint8_t *buf, size_t cap, size_t *len)
{
    struct part_writer w;
    begin(&w, buf, cap, STATE_MAGIC);
    put(&w, &m->registers, sizeof m->registers);
    struct state_misc misc = {.rtc = m->rtc,
                              .now = m->now,
                              .clock_offset_ms = m->clock.offset_ms,
                              .clock_invalid = m->clock.invalid,
                              .clock_doubtful = m->clock.doubtful,
                              .tariff = m->tariff,
                              .lp_status = m->lp_status,
                              .down = m->down};
    put(&w, &misc, sizeof misc);
    put(&w, &m->demand, sizeof m->demand);
    put(&w, &m->billing, sizeof m->billing);
    put(&w, &m->quality, sizeof m->quality);
    put(&w, &m->events.counters, sizeof m->events.counters);
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++) {
        struct profile_run run = {m->profiles[k].next_capture_ms, m->profiles[k].status_pending};
        put(&w, &run, sizeof run);
    }
    *len = w.len;
    return w.rc;
}

int mfw_meter_state_decode(struct mfw_meter *m, const uint8_t *buf, size_t len)
{
    struct part_reader r;
    int rc = open_reader(&r, buf, len, STATE_MAGIC);
    if (rc != MFW_OK)
        return rc;
    /* decode into temporaries; the meter changes only if every part is there */
    struct mfw_meter_registers reg;
    struct state_misc misc;
    struct mfw_demand demand;
    struct mfw_billing billing;
    struct mfw_quality quality;
    struct mfw_eventlog_counters evc;
    struct profile_run run[MFW_PROF_COUNT];
    get(&r, &reg, sizeof reg);
    get(&r, &misc, sizeof misc);
    get(&r, &demand, sizeof demand);
    get(&r, &billing, sizeof billing);
    get(&r, &quality, sizeof quality);
    get(&r, &evc, sizeof evc);
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++)
        get(&r, &run[k], sizeof run[k]);
    if (r.rc == MFW_OK && r.pos != len)
        r.rc = MFW_E_FORMAT;
    if (r.rc != MFW_OK)
        return r.rc;
    m->registers = reg;
    m->rtc = misc.rtc;
    m->now = misc.now;
    m->clock.offset_ms = misc.clock_offset_ms;
    m->clock.invalid = misc.clock_invalid != 0;
    m->clock.doubtful = misc.clock_doubtful != 0;
    m->tariff = misc.tariff >= 1 && misc.tariff <= MFW_TARIFFS ? misc.tariff : 1;
    m->lp_status = misc.lp_status;
    m->down = misc.down != 0;
    m->demand = demand;
    m->billing = billing;
    m->quality = quality;
    m->events.counters = evc;
    for (unsigned k = 0; k < MFW_PROF_COUNT; k++) {
        m->profiles[k].next_capture_ms = run[k].next_capture_ms;
        m->profiles[k].status_pending = run[k].status_pending;
    }
    return MFW_OK;
}

int mfw_meter_state_encode_settings(const struct mfw_meter_settings *s, uint8_t *buf, size_t cap,
                                    size_t *len)
{
    struct part_writer w;
    begin(&w, buf, cap, CONFIG_MAGIC);
    put(&w, &s->clock, sizeof s->clock);
    uint8_t tou[MFW_TOU_ENCODED_MAX];
    size_t tou_len = 0;
    int rc = mfw_tou_encode(&s->tou, tou, sizeof tou, &tou_len);
    if (rc != MFW_OK)
        return rc;
    put(&w, tou, tou_len);
    put(&w, &s->demand, sizeof s->demand);
    put(&w, &s->billing, sizeof s->billing);
    put(&w, &s->quality, sizeof s->quality);
    put(&w, &s->lp1, sizeof s->lp1);
    put(&w, &s->analysis, sizeof s->analysis);
    *len = w.len;
    return w.rc;
}

int mfw_meter_state_decode_settings(struct mfw_meter_settings *s, const uint8_t *buf, size_t len)
{
    struct part_reader r;
    int rc = open_reader(&r, buf, len, CONFIG_MAGIC);
    if (rc != MFW_OK)
        return rc;
    struct mfw_meter_settings t;
    get(&r, &t.clock, sizeof t.clock);
    /* the calendar part has its own canonical encoding and length */
    if (r.rc == MFW_OK) {
        if (r.pos + 2 > len)
            return MFW_E_FORMAT;
        size_t n = mfw_bytes_get_le16(buf + r.pos);
        if (r.pos + 2 + n > len)
            return MFW_E_FORMAT;
        rc = mfw_tou_decode(&t.tou, buf + r.pos + 2, n);
        if (rc != MFW_OK)
            return rc;
        r.pos += 2 + n;
    }
    get(&r, &t.demand, sizeof t.demand);
    get(&r, &t.billing, sizeof t.billing);
    get(&r, &t.quality, sizeof t.quality);
    get(&r, &t.lp1, sizeof t.lp1);
    get(&r, &t.analysis, sizeof t.analysis);
    if (r.rc == MFW_OK && r.pos != len)
        r.rc = MFW_E_FORMAT;
    if (r.rc != MFW_OK)
        return r.rc;
    *s = t;
    return MFW_OK;
}
