/* Event logs over store rings, with their counters: see eventlog.h. */
#include "meterfw/meter/eventlog.h"

#include "meterfw/base/bytes.h"
#include "meterfw/base/error.h"

#define COUNTERS_VERSION 1u

/* Codes with a counter of their own: the ones IDIS exposes as counters (covers 0.0.96.20.x,
 * magnetic field 0.0.96.20.15, sags/swells/missing voltage 1.0.x2.32/36/40.0.255) and the
 * security and disconnector events an operator asks "how often" of. */
static const uint8_t counted_codes[EVENTLOG_COUNTED_CODES] = {
    EV_POWER_DOWN, EV_POWER_UP, EV_CLOCK_ADJUSTED_OLD, EV_CLOCK_INVALID,
    EV_TERMINAL_COVER_REMOVED, EV_MAGNETIC_FIELD, EV_METER_COVER_REMOVED, EV_AUTH_FAILURE,
    EV_PARAMETERS_CHANGED, EV_DECRYPT_FAILURE, EV_REPLAY_ATTACK, EV_DISC_REMOTE_DISCONNECT,
    EV_DISC_LOCAL_DISCONNECT, EV_LIMITER_EXCEEDED, EV_DISC_FAILURE, EV_MISSING_NEUTRAL,
    76, 77, 78, /* undervoltage L1..L3 */
    79, 80, 81, /* overvoltage L1..L3 */
    82, 83, 84, /* missing voltage L1..L3 */
};

static const uint8_t log_obis[EVLOG_COUNT][6] = {
    [EVLOG_STANDARD] = {0, 0, 99, 98, 0, 255},
    [EVLOG_FRAUD] = {0, 0, 99, 98, 1, 255},
    [EVLOG_DISCONNECTOR] = {0, 0, 99, 98, 2, 255},
    [EVLOG_POWER_QUALITY] = {0, 0, 99, 98, 4, 255},
    [EVLOG_RTC] = {0, 0, 99, 98, 6, 255}, /* design choice: Kamstrup's RTC event logger */
    [EVLOG_POWER_FAILURE] = {1, 0, 99, 97, 0, 255},
};

static const uint8_t code_obis[EVLOG_COUNT][6] = {
    [EVLOG_STANDARD] = {0, 0, 96, 11, 0, 255},
    [EVLOG_FRAUD] = {0, 0, 96, 11, 1, 255},
    [EVLOG_DISCONNECTOR] = {0, 0, 96, 11, 2, 255},
    [EVLOG_POWER_QUALITY] = {0, 0, 96, 11, 4, 255},
    [EVLOG_RTC] = {0, 0, 96, 11, 6, 255}, /* design choice */
    [EVLOG_POWER_FAILURE] = {0, 0, 0, 0, 0, 0},
};

const uint8_t *eventlog_obis(enum event_log log)
{
    return (unsigned)log < EVLOG_COUNT ? log_obis[log] : NULL;
}

const uint8_t *eventlog_code_obis(enum event_log log)
{
    return (unsigned)log < EVLOG_COUNT && log != EVLOG_POWER_FAILURE ? code_obis[log] : NULL;
}

uint16_t eventlog_counted_code(unsigned k)
{
    return k < EVENTLOG_COUNTED_CODES ? counted_codes[k] : 0;
}

static int counted_index(uint16_t code)
{
    for (unsigned k = 0; k < EVENTLOG_COUNTED_CODES; k++)
        if (counted_codes[k] == code)
            return (int)k;
    return -1;
}

uint32_t eventlog_code_count(const struct eventlog *el, uint16_t code)
{
    int k = counted_index(code);
    return el != NULL && k >= 0 ? el->c.by_code[k] : 0;
}

int eventlog_init(struct eventlog *el, const uint8_t area[EVLOG_COUNT], unsigned phases)
{
    if (el == NULL || area == NULL || phases < 1 || phases > 3)
        return MFW_E_ARG;
    for (unsigned i = 0; i < EVLOG_COUNT; i++) {
        if (area[i] >= STORE_AREAS_MAX)
            return MFW_E_ARG;
        for (unsigned j = 0; j < i; j++)
            if (area[i] == area[j])
                return MFW_E_ARG;
    }
    struct eventlog_counters zero = {0};
    el->c = zero;
    el->c.long_pf_threshold_s = EVENTLOG_LONG_PF_S;
    for (unsigned i = 0; i < EVLOG_COUNT; i++)
        el->area[i] = area[i];
    el->phases = (uint8_t)phases;
    return MFW_OK;
}

int eventlog_check_areas(const struct eventlog *el, const struct store *s)
{
    if (el == NULL || s == NULL)
        return MFW_E_ARG;
    for (unsigned i = 0; i < EVLOG_COUNT; i++) {
        unsigned a = el->area[i];
        if (a >= s->cfg.n_areas || s->cfg.area[a].kind != STORE_RING)
            return MFW_E_ARG;
        if (s->cfg.area[a].entry_size < EVENTLOG_ENTRY_SIZE ||
            store_ring_capacity(s, a) < EVENTLOG_DEPTH)
            return MFW_E_NOSPACE;
    }
    return MFW_OK;
}

/* Entry buffer: areas may have larger entries than ours (padding). */
#define EVENTLOG_BUF_MAX 64u

int eventlog_add(struct eventlog *el, struct store *s, enum event_log log, mfw_ms_t time,
                 uint16_t code, uint8_t phase, int64_t v1, int64_t v2)
{
    if (el == NULL || s == NULL || (unsigned)log >= EVLOG_COUNT)
        return MFW_E_ARG;
    uint8_t flags = 0;
    if (log == EVLOG_POWER_FAILURE) {
        if (phase > 7)
            return MFW_E_ARG;
        flags |= EVENTLOG_F_PHASE_MASK;
    } else if (phase > 3) {
        return MFW_E_ARG;
    }
    unsigned a = el->area[log];
    if (a >= s->cfg.n_areas)
        return MFW_E_ARG;
    size_t size = s->cfg.area[a].entry_size;
    if (size < EVENTLOG_ENTRY_SIZE || size > EVENTLOG_BUF_MAX)
        return MFW_E_NOSPACE;

    uint8_t e[EVENTLOG_BUF_MAX] = {0};
    bytes_put_le64(e, (uint64_t)time);
    bytes_put_le16(e + 8, code);
    e[10] = phase;
    e[11] = flags;
    bytes_put_le64(e + 12, (uint64_t)v1);
    bytes_put_le64(e + 20, (uint64_t)v2);
    int rc = store_ring_append(s, a, e);
    if (rc != MFW_OK)
        return rc;
    el->c.logged[log]++;
    el->c.last_code[log] = code;
    int k = counted_index(code);
    if (k >= 0)
        el->c.by_code[k]++;
    return MFW_OK;
}

static void count_pf(uint32_t c[EVENTLOG_PF_SLOTS], uint8_t mask, unsigned phases)
{
    c[EVENTLOG_PF_ANY]++;
    for (unsigned ph = 0; ph < 3; ph++)
        if (mask & (1u << ph))
            c[EVENTLOG_PF_L1 + ph]++;
    uint8_t all = (uint8_t)((1u << phases) - 1u);
    if ((mask & all) == all)
        c[EVENTLOG_PF_ALL]++;
}

int eventlog_power_failure(struct eventlog *el, struct store *s, uint8_t phase_mask,
                           mfw_ms_t start, uint32_t duration_s)
{
    if (el == NULL || s == NULL || phase_mask == 0 || phase_mask > 7)
        return MFW_E_ARG;
    count_pf(el->c.power_failures, phase_mask, el->phases);
    if (duration_s <= el->c.long_pf_threshold_s) /* long = longer than the threshold (as quality.c) */
        return 0;
    count_pf(el->c.long_power_failures, phase_mask, el->phases);
    mfw_ms_t end = start + (mfw_ms_t)duration_s * MFW_MS_PER_S;
    int rc = eventlog_add(el, s, EVLOG_POWER_FAILURE, end, EV_POWER_DOWN, phase_mask, start,
                          (int64_t)duration_s);
    return rc == MFW_OK ? 1 : rc;
}

uint32_t eventlog_count(const struct eventlog *el, const struct store *s, enum event_log log)
{
    if (el == NULL || s == NULL || (unsigned)log >= EVLOG_COUNT || el->area[log] >= s->cfg.n_areas)
        return 0;
    uint32_t n = store_ring_count(s, el->area[log]);
    return n < EVENTLOG_DEPTH ? n : EVENTLOG_DEPTH;
}

int eventlog_read(const struct eventlog *el, struct store *s, enum event_log log, uint32_t index,
                  struct eventlog_entry *out)
{
    if (el == NULL || s == NULL || out == NULL || (unsigned)log >= EVLOG_COUNT)
        return MFW_E_ARG;
    unsigned a = el->area[log];
    if (a >= s->cfg.n_areas)
        return MFW_E_ARG;
    size_t size = s->cfg.area[a].entry_size;
    if (size < EVENTLOG_ENTRY_SIZE || size > EVENTLOG_BUF_MAX)
        return MFW_E_NOSPACE;
    uint32_t total = store_ring_count(s, a);
    uint32_t n = total < EVENTLOG_DEPTH ? total : EVENTLOG_DEPTH;
    if (index >= n)
        return MFW_E_RANGE;
    uint8_t e[EVENTLOG_BUF_MAX];
    int rc = store_ring_read(s, a, total - n + index, e);
    if (rc != MFW_OK)
        return rc;
    out->time = (mfw_ms_t)bytes_get_le64(e);
    out->code = bytes_get_le16(e + 8);
    out->phase = e[10];
    out->flags = e[11];
    out->v1 = (int64_t)bytes_get_le64(e + 12);
    out->v2 = (int64_t)bytes_get_le64(e + 20);
    return MFW_OK;
}

int eventlog_clear(struct eventlog *el, struct store *s, enum event_log log, mfw_ms_t time)
{
    if (el == NULL || s == NULL || (unsigned)log >= EVLOG_COUNT || el->area[log] >= s->cfg.n_areas)
        return MFW_E_ARG;
    uint32_t before = eventlog_count(el, s, log);
    int rc = store_ring_clear(s, el->area[log]);
    if (rc != MFW_OK)
        return rc;
    return eventlog_add(el, s, log, time, EV_LOG_CLEARED, 0, (int64_t)before, 0);
}

int eventlog_counters_encode(const struct eventlog *el, uint8_t *buf, size_t cap, size_t *len)
{
    if (el == NULL || len == NULL || (buf == NULL && cap > 0))
        return MFW_E_ARG;
    *len = EVENTLOG_COUNTERS_SIZE;
    if (buf == NULL || cap < EVENTLOG_COUNTERS_SIZE)
        return MFW_E_NOSPACE;
    uint8_t *p = buf;
    *p++ = COUNTERS_VERSION;
    for (unsigned i = 0; i < EVLOG_COUNT; i++, p += 4)
        bytes_put_le32(p, el->c.logged[i]);
    for (unsigned i = 0; i < EVLOG_COUNT; i++, p += 2)
        bytes_put_le16(p, el->c.last_code[i]);
    for (unsigned i = 0; i < EVENTLOG_COUNTED_CODES; i++, p += 4)
        bytes_put_le32(p, el->c.by_code[i]);
    for (unsigned i = 0; i < EVENTLOG_PF_SLOTS; i++, p += 4)
        bytes_put_le32(p, el->c.power_failures[i]);
    for (unsigned i = 0; i < EVENTLOG_PF_SLOTS; i++, p += 4)
        bytes_put_le32(p, el->c.long_power_failures[i]);
    bytes_put_le32(p, el->c.long_pf_threshold_s);
    return MFW_OK;
}

int eventlog_counters_decode(struct eventlog *el, const uint8_t *buf, size_t len)
{
    if (el == NULL || (buf == NULL && len > 0))
        return MFW_E_ARG;
    if (len != EVENTLOG_COUNTERS_SIZE)
        return MFW_E_FORMAT;
    if (buf[0] != COUNTERS_VERSION)
        return MFW_E_VERSION;
    struct eventlog_counters c;
    const uint8_t *p = buf + 1;
    for (unsigned i = 0; i < EVLOG_COUNT; i++, p += 4)
        c.logged[i] = bytes_get_le32(p);
    for (unsigned i = 0; i < EVLOG_COUNT; i++, p += 2)
        c.last_code[i] = bytes_get_le16(p);
    for (unsigned i = 0; i < EVENTLOG_COUNTED_CODES; i++, p += 4)
        c.by_code[i] = bytes_get_le32(p);
    for (unsigned i = 0; i < EVENTLOG_PF_SLOTS; i++, p += 4)
        c.power_failures[i] = bytes_get_le32(p);
    for (unsigned i = 0; i < EVENTLOG_PF_SLOTS; i++, p += 4)
        c.long_power_failures[i] = bytes_get_le32(p);
    c.long_pf_threshold_s = bytes_get_le32(p);
    el->c = c;
    return MFW_OK;
}
