/* SPDX-License-Identifier: Apache-2.0 */
/* Event logs over store rings, with their counters: see eventlog.h. */
#include "meterfw/meter/eventlog.h"

#include "meterfw/base/bytes.h"
#include "meterfw/base/error.h"
#include "meterfw/base/persist.h"

/* Codes with a counter of their own: the ones IDIS exposes as counters (covers 0.0.96.20.x,
 * magnetic field 0.0.96.20.15, sags/swells/missing voltage 1.0.x2.32/36/40.0.255) and the
 * security and disconnector events an operator asks "how often" of. */
static const uint8_t counted_codes[MFW_EVENTLOG_COUNTED_CODES] = {
    MFW_EVENT_POWER_DOWN,
    MFW_EVENT_POWER_UP,
    MFW_EVENT_CLOCK_ADJUSTED_OLD,
    MFW_EVENT_CLOCK_INVALID,
    MFW_EVENT_TERMINAL_COVER_REMOVED,
    MFW_EVENT_MAGNETIC_FIELD,
    MFW_EVENT_METER_COVER_REMOVED,
    MFW_EVENT_AUTH_FAILURE,
    MFW_EVENT_PARAMETERS_CHANGED,
    MFW_EVENT_DECRYPT_FAILURE,
    MFW_EVENT_REPLAY_ATTACK,
    MFW_EVENT_DISC_REMOTE_DISCONNECT,
    MFW_EVENT_DISC_LOCAL_DISCONNECT,
    MFW_EVENT_LIMITER_EXCEEDED,
    MFW_EVENT_DISC_FAILURE,
    MFW_EVENT_MISSING_NEUTRAL,
    76,
    77,
    78, /* undervoltage L1..L3 */
    79,
    80,
    81, /* overvoltage L1..L3 */
    82,
    83,
    84, /* missing voltage L1..L3 */
};

static const uint8_t log_obis[MFW_EVENTLOG_COUNT][6] = {
    [MFW_EVENTLOG_STANDARD] = {0, 0, 99, 98, 0, 255},
    [MFW_EVENTLOG_FRAUD] = {0, 0, 99, 98, 1, 255},
    [MFW_EVENTLOG_DISCONNECTOR] = {0, 0, 99, 98, 2, 255},
    [MFW_EVENTLOG_POWER_QUALITY] = {0, 0, 99, 98, 4, 255},
    [MFW_EVENTLOG_RTC] = {0, 0, 99, 98, 6, 255}, /* design choice: Kamstrup's RTC event logger */
    [MFW_EVENTLOG_POWER_FAILURE] = {1, 0, 99, 97, 0, 255},
};

static const uint8_t code_obis[MFW_EVENTLOG_COUNT][6] = {
    [MFW_EVENTLOG_STANDARD] = {0, 0, 96, 11, 0, 255},
    [MFW_EVENTLOG_FRAUD] = {0, 0, 96, 11, 1, 255},
    [MFW_EVENTLOG_DISCONNECTOR] = {0, 0, 96, 11, 2, 255},
    [MFW_EVENTLOG_POWER_QUALITY] = {0, 0, 96, 11, 4, 255},
    [MFW_EVENTLOG_RTC] = {0, 0, 96, 11, 6, 255}, /* design choice */
    [MFW_EVENTLOG_POWER_FAILURE] = {0, 0, 0, 0, 0, 0},
};

const uint8_t *mfw_eventlog_obis(enum mfw_eventlog_id log)
{
    return (unsigned)log < MFW_EVENTLOG_COUNT ? log_obis[log] : NULL;
}

const uint8_t *mfw_eventlog_code_obis(enum mfw_eventlog_id log)
{
    return (unsigned)log < MFW_EVENTLOG_COUNT && log != MFW_EVENTLOG_POWER_FAILURE ? code_obis[log]
                                                                                   : NULL;
}

uint16_t mfw_eventlog_counted_code(unsigned k)
{
    return k < MFW_EVENTLOG_COUNTED_CODES ? counted_codes[k] : 0;
}

static int counted_index(uint16_t code)
{
    for (unsigned k = 0; k < MFW_EVENTLOG_COUNTED_CODES; k++)
        if (counted_codes[k] == code)
            return (int)k;
    return -1;
}

uint32_t mfw_eventlog_code_count(const struct mfw_eventlog *el, uint16_t code)
{
    int k = counted_index(code);
    return el != NULL && k >= 0 ? el->counters.by_code[k] : 0;
}

int mfw_eventlog_init(struct mfw_eventlog *el, const uint8_t area[MFW_EVENTLOG_COUNT],
                      unsigned phases)
{
    if (el == NULL || area == NULL || phases < 1 || phases > 3)
        return MFW_E_ARG;
    for (unsigned i = 0; i < MFW_EVENTLOG_COUNT; i++) {
        if (area[i] >= MFW_STORE_AREAS_MAX)
            return MFW_E_ARG;
        for (unsigned j = 0; j < i; j++)
            if (area[i] == area[j])
                return MFW_E_ARG;
    }
    struct mfw_eventlog_counters zero = {0};
    el->counters = zero;
    el->counters.long_pf_threshold_s = MFW_EVENTLOG_LONG_PF_S;
    for (unsigned i = 0; i < MFW_EVENTLOG_COUNT; i++)
        el->area[i] = area[i];
    el->phases = (uint8_t)phases;
    return MFW_OK;
}

int mfw_eventlog_check_areas(const struct mfw_eventlog *el, const struct mfw_store *s)
{
    if (el == NULL || s == NULL)
        return MFW_E_ARG;
    for (unsigned i = 0; i < MFW_EVENTLOG_COUNT; i++) {
        unsigned a = el->area[i];
        if (a >= s->config.n_areas || s->config.area[a].kind != MFW_STORE_RING)
            return MFW_E_ARG;
        if (s->config.area[a].entry_size < MFW_EVENTLOG_ENTRY_SIZE ||
            mfw_store_ring_capacity(s, a) < MFW_EVENTLOG_DEPTH)
            return MFW_E_NOSPACE;
    }
    return MFW_OK;
}

/* Entry buffer: areas may have larger entries than ours (padding). */
#define EVENTLOG_BUF_MAX 64u

int mfw_eventlog_add(struct mfw_eventlog *el, struct mfw_store *s, enum mfw_eventlog_id log,
                     mfw_ms_t time, uint16_t code, uint8_t phase, int64_t v1, int64_t v2)
{
    if (el == NULL || s == NULL || (unsigned)log >= MFW_EVENTLOG_COUNT)
        return MFW_E_ARG;
    uint8_t flags = 0;
    if (log == MFW_EVENTLOG_POWER_FAILURE) {
        if (phase > 7)
            return MFW_E_ARG;
        flags |= MFW_EVENTLOG_F_PHASE_MASK;
    } else if (phase > 3) {
        return MFW_E_ARG;
    }
    unsigned a = el->area[log];
    if (a >= s->config.n_areas)
        return MFW_E_ARG;
    size_t size = s->config.area[a].entry_size;
    if (size < MFW_EVENTLOG_ENTRY_SIZE || size > EVENTLOG_BUF_MAX)
        return MFW_E_NOSPACE;

    uint8_t e[EVENTLOG_BUF_MAX] = {0};
    mfw_bytes_put_le64(e, (uint64_t)time);
    mfw_bytes_put_le16(e + 8, code);
    e[10] = phase;
    e[11] = flags;
    mfw_bytes_put_le64(e + 12, (uint64_t)v1);
    mfw_bytes_put_le64(e + 20, (uint64_t)v2);
    int rc = mfw_store_ring_append(s, a, e);
    if (rc != MFW_OK)
        return rc;
    el->counters.logged[log]++;
    el->counters.last_code[log] = code;
    int k = counted_index(code);
    if (k >= 0)
        el->counters.by_code[k]++;
    return MFW_OK;
}

static void count_pf(uint32_t c[MFW_EVENTLOG_PF_SLOTS], uint8_t mask, unsigned phases)
{
    c[MFW_EVENTLOG_PF_ANY]++;
    for (unsigned ph = 0; ph < 3; ph++)
        if (mask & (1u << ph))
            c[MFW_EVENTLOG_PF_L1 + ph]++;
    uint8_t all = (uint8_t)((1u << phases) - 1u);
    if ((mask & all) == all)
        c[MFW_EVENTLOG_PF_ALL]++;
}

int mfw_eventlog_power_failure(struct mfw_eventlog *el, struct mfw_store *s, uint8_t phase_mask,
                               mfw_ms_t start, uint32_t duration_s)
{
    if (el == NULL || s == NULL || phase_mask == 0 || phase_mask > 7)
        return MFW_E_ARG;
    count_pf(el->counters.power_failures, phase_mask, el->phases);
    if (duration_s <=
        el->counters
            .long_pf_threshold_s) /* long = longer than the threshold (as quality.counters) */
        return 0;
    count_pf(el->counters.long_power_failures, phase_mask, el->phases);
    mfw_ms_t end = start + (mfw_ms_t)duration_s * MFW_MS_PER_S;
    int rc = mfw_eventlog_add(el, s, MFW_EVENTLOG_POWER_FAILURE, end, MFW_EVENT_POWER_DOWN,
                              phase_mask, start, (int64_t)duration_s);
    return rc == MFW_OK ? 1 : rc;
}

uint32_t mfw_eventlog_count(const struct mfw_eventlog *el, const struct mfw_store *s,
                            enum mfw_eventlog_id log)
{
    if (el == NULL || s == NULL || (unsigned)log >= MFW_EVENTLOG_COUNT ||
        el->area[log] >= s->config.n_areas)
        return 0;
    uint32_t n = mfw_store_ring_count(s, el->area[log]);
    return n < MFW_EVENTLOG_DEPTH ? n : MFW_EVENTLOG_DEPTH;
}

int mfw_eventlog_read(const struct mfw_eventlog *el, struct mfw_store *s, enum mfw_eventlog_id log,
                      uint32_t index, struct mfw_eventlog_entry *out)
{
    if (el == NULL || s == NULL || out == NULL || (unsigned)log >= MFW_EVENTLOG_COUNT)
        return MFW_E_ARG;
    unsigned a = el->area[log];
    if (a >= s->config.n_areas)
        return MFW_E_ARG;
    size_t size = s->config.area[a].entry_size;
    if (size < MFW_EVENTLOG_ENTRY_SIZE || size > EVENTLOG_BUF_MAX)
        return MFW_E_NOSPACE;
    uint32_t total = mfw_store_ring_count(s, a);
    uint32_t n = total < MFW_EVENTLOG_DEPTH ? total : MFW_EVENTLOG_DEPTH;
    if (index >= n)
        return MFW_E_RANGE;
    uint8_t e[EVENTLOG_BUF_MAX];
    int rc = mfw_store_ring_read(s, a, total - n + index, e);
    if (rc != MFW_OK)
        return rc;
    out->time = (mfw_ms_t)mfw_bytes_get_le64(e);
    out->code = mfw_bytes_get_le16(e + 8);
    out->phase = e[10];
    out->flags = e[11];
    out->v1 = (int64_t)mfw_bytes_get_le64(e + 12);
    out->v2 = (int64_t)mfw_bytes_get_le64(e + 20);
    return MFW_OK;
}

int mfw_eventlog_clear(struct mfw_eventlog *el, struct mfw_store *s, enum mfw_eventlog_id log,
                       mfw_ms_t time)
{
    if (el == NULL || s == NULL || (unsigned)log >= MFW_EVENTLOG_COUNT ||
        el->area[log] >= s->config.n_areas)
        return MFW_E_ARG;
    uint32_t before = mfw_eventlog_count(el, s, log);
    int rc = mfw_store_ring_clear(s, el->area[log]);
    if (rc != MFW_OK)
        return rc;
    return mfw_eventlog_add(el, s, log, time, MFW_EVENT_LOG_CLEARED, 0, (int64_t)before, 0);
}

void mfw_eventlog_save(const struct mfw_eventlog *el, struct mfw_wcursor *w)
{
    const struct mfw_eventlog_counters *c = &el->counters;
    for (unsigned i = 0; i < MFW_EVENTLOG_COUNT; i++) {
        mfw_persist_put_u32(w, c->logged[i]);
        mfw_persist_put_u32(w, c->last_code[i]);
    }
    for (unsigned i = 0; i < MFW_EVENTLOG_COUNTED_CODES; i++)
        mfw_persist_put_u32(w, c->by_code[i]);
    for (unsigned i = 0; i < MFW_EVENTLOG_PF_SLOTS; i++) {
        mfw_persist_put_u32(w, c->power_failures[i]);
        mfw_persist_put_u32(w, c->long_power_failures[i]);
    }
    mfw_persist_put_u32(w, c->long_pf_threshold_s);
}

void mfw_eventlog_restore(struct mfw_eventlog *el, struct mfw_persist_reader *r)
{
    struct mfw_eventlog_counters *c = &el->counters;
    for (unsigned i = 0; i < MFW_EVENTLOG_COUNT; i++) {
        c->logged[i] = mfw_persist_u32(r, "eventlog.logged", 0, UINT32_MAX);
        /* event codes are unsigned8 in the IDIS event code objects (0 before the first) */
        c->last_code[i] = (uint16_t)mfw_persist_u32(r, "eventlog.last_code", 0, 255);
        if (c->logged[i] == 0 && c->last_code[i] != 0)
            mfw_persist_fail(r, "eventlog: a last code in an empty log", MFW_E_RANGE);
    }
    for (unsigned i = 0; i < MFW_EVENTLOG_COUNTED_CODES; i++)
        c->by_code[i] = mfw_persist_u32(r, "eventlog.by_code", 0, UINT32_MAX);
    for (unsigned i = 0; i < MFW_EVENTLOG_PF_SLOTS; i++) {
        c->power_failures[i] = mfw_persist_u32(r, "eventlog.power_failures", 0, UINT32_MAX);
        c->long_power_failures[i] =
            mfw_persist_u32(r, "eventlog.long_power_failures", 0, c->power_failures[i]);
    }
    /* 0.0.96.7.20.255: a threshold of 1 s .. a day */
    c->long_pf_threshold_s = mfw_persist_u32(r, "eventlog.long_pf_threshold", 1, 86400);
}
