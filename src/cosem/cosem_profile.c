/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_profile: Profile generic (Blue Book 4.3.6, IC 7, version 1) over the meter's profiles
 * (load profile, daily, billing, analysis log) and its event logs: 2 buffer (selective access by
 * range and by entry, selective_access.c), 3 capture_objects, 4 capture_period, 5 sort_method
 * (FIFO), 6 sort_object (none), 7 entries_in_use, 8 profile_entries; m1 reset (m2 capture is not
 * offered). The buffer is streamed one row per item, read from the store when its turn comes.
 *
 * Profile rows are {clock (octet-string(12) local date-time), status (unsigned), values...}: the
 * capture objects are the clock {8, 0.0.1.0.0.255, 2}, the profile's AMR status object
 * {1, 0.0.96.10.x.255, 2}, then one {3, 4 or 5, OBIS, 2} per catalogue column. Event log rows are
 * {clock, event code (unsigned)} with the log's event code object as second capture object, and
 * what the log keeps besides (as the JSON report shows it):
 *   power quality log {clock, code, magnitude (double-long-unsigned, V, scaler -2:
 *     0.0.96.50.40.255), duration (double-long-unsigned s: 0.0.96.50.41.255)};
 *   RTC log {clock, code, old time, new time (octet-string(12) date-times: 0.0.96.50.43.255,
 *     0.0.96.2.12.255)};
 *   power failure log {end of the failure, duration s (double-long-unsigned, 0.0.96.7.19.255),
 *     the phases (unsigned, bit 0 = L1: 0.0.96.50.42.255)}. */
#include <string.h>

#include "cosem_class.h"
#include "meterfw/codec/axdr.h"
#include "meterfw/cosem/selective_access.h"

/* Stream kinds (struct mfw_cosem_stream.kind). */
enum { ST_VALUE = 0, ST_ROWS, ST_CAPTURE_OBJECTS };

static bool is_events(const struct mfw_cosem_call *c)
{
    return c->obj->kind == MFW_COSEM_PROFILE_EVENTS;
}

static unsigned columns(const struct mfw_cosem_call *c)
{
    if (is_events(c)) {
        unsigned log = c->obj->arg;
        return log == MFW_EVENTLOG_POWER_QUALITY || log == MFW_EVENTLOG_RTC ? 4u
               : log == MFW_EVENTLOG_POWER_FAILURE                          ? 3u
                                                                            : 2u;
    }
    return 2u + c->m->profiles[c->obj->arg].config.n_columns;
}

/* The event logs' columns after the code (see the header). */
static void extra_column(unsigned log, unsigned col, uint16_t *cls, uint8_t ln[6])
{
    static const uint8_t pq_mag[6] = {0, 0, 96, 50, 40, 255}, pq_dur[6] = {0, 0, 96, 50, 41, 255};
    static const uint8_t rtc_old[6] = {0, 0, 96, 50, 43, 255}, rtc_new[6] = {0, 0, 96, 2, 12, 255};
    static const uint8_t pf_phases[6] = {0, 0, 96, 50, 42, 255};
    if (log == MFW_EVENTLOG_POWER_QUALITY) {
        *cls = MFW_IC_REGISTER;
        memcpy(ln, col == 2 ? pq_mag : pq_dur, 6);
    } else if (log == MFW_EVENTLOG_RTC) {
        *cls = MFW_IC_DATA;
        memcpy(ln, col == 2 ? rtc_old : rtc_new, 6);
    } else {
        *cls = MFW_IC_DATA;
        memcpy(ln, pf_phases, 6);
    }
}

/* Column col of the profile / log: its capture object definition. */
static void column_def(const struct mfw_cosem_call *c, unsigned col, uint16_t *cls, uint8_t ln[6])
{
    unsigned arg = c->obj->arg;
    if (col == 0) {
        *cls = MFW_IC_CLOCK;
        memcpy(ln, mfw_cosem_class_clock_ln, 6);
        return;
    }
    if (is_events(c)) {
        if (col >= 2) {
            extra_column(arg, col, cls, ln);
        } else if (arg == MFW_EVENTLOG_POWER_FAILURE) {
            static const uint8_t pf[6] = {0, 0, 96, 7, 19, 255};
            *cls = MFW_IC_REGISTER;
            memcpy(ln, pf, 6);
        } else {
            *cls = MFW_IC_DATA;
            memcpy(ln, mfw_eventlog_code_obis((enum mfw_eventlog_id)arg), 6);
        }
        return;
    }
    if (col == 1) {
        const uint8_t amr[6] = {0, 0, 96, 10, (uint8_t)(arg + 1), 255};
        *cls = MFW_IC_DATA;
        memcpy(ln, amr, 6);
        return;
    }
    const struct mfw_catalog_entry *e =
        mfw_catalog_find(c->m->profiles[arg].config.column[col - 2]);
    *cls = e != NULL ? mfw_cosem_objects_catalog_class(e->id)->class_id : MFW_IC_REGISTER;
    if (e != NULL)
        memcpy(ln, e->obis, 6);
    else
        memset(ln, 0, 6);
}

static uint32_t rows_in_use(const struct mfw_cosem_call *c)
{
    return is_events(c) ? mfw_meter_eventlog_count(c->m, (enum mfw_eventlog_id)c->obj->arg)
                        : mfw_meter_profile_count(c->m, (enum mfw_meter_profile_id)c->obj->arg);
}

/* The time of row i (profile or event log); false if it cannot be read. */
static bool row_time(const struct mfw_cosem_call *c, uint32_t i, mfw_ms_t *t)
{
    if (is_events(c)) {
        struct mfw_eventlog_entry e;
        if (mfw_meter_eventlog_read(c->m, (enum mfw_eventlog_id)c->obj->arg, i, &e) != MFW_OK)
            return false;
        *t = e.time;
        return true;
    }
    struct mfw_profile_row r;
    if (mfw_meter_profile_read(c->m, (enum mfw_meter_profile_id)c->obj->arg, i, &r) != MFW_OK)
        return false;
    *t = r.time;
    return true;
}

/* Rows whose time lies in [from, to]. A buffer in time order gives them as one run [first,
 * first + n): a profile by bisection, an event log (<= 200 entries) by a scan. A buffer that is not
 * (an event log after the clock was set back; a ring another firmware wrote) is read by a scan
 * that keeps exactly the rows in the range, wherever they are (st->filter): the answer is right
 * on any stored ring. */
static int rows_find(const struct mfw_cosem_call *c, mfw_ms_t from, mfw_ms_t to,
                     struct mfw_cosem_stream *st)
{
    uint32_t first = 0, n = 0;
    bool in_order = true;
    st->first = 0;
    st->items = 0;
    if (from > to)
        return MFW_OK;
    if (!is_events(c)) {
        int rc = mfw_meter_profile_find(c->m, (enum mfw_meter_profile_id)c->obj->arg, from, to,
                                        &first, &n, &in_order);
        if (rc != MFW_OK)
            return rc;
        if (in_order) {
            st->first = first;
            st->items = n;
            return MFW_OK;
        }
    } else {
        n = rows_in_use(c);
        mfw_ms_t last = INT64_MIN;
        bool found = false;
        for (uint32_t i = 0; i < n; i++) {
            mfw_ms_t t;
            if (!row_time(c, i, &t))
                continue;
            if (t < last)
                in_order = false;
            last = t;
            if (t >= from && t <= to) {
                if (!found)
                    first = i;
                found = true;
                st->items = i - first + 1;
            }
        }
        if (in_order) {
            st->first = first;
            return MFW_OK;
        }
        first = 0;
    }
    /* not in time order: count the rows in the range; put_row finds them in turn */
    uint32_t items = 0;
    for (uint32_t i = 0; i < n; i++) {
        mfw_ms_t t;
        if (row_time(c, first + i, &t) && t >= from && t <= to)
            items++;
    }
    st->filter = true;
    st->from = from;
    st->to = to;
    st->first = first;
    st->span = n;
    st->items = items;
    st->scan_item = UINT32_MAX;
    st->scan_index = 0;
    return MFW_OK;
}

/* The row of item i of a filtered read: the i-th row of [first, first + span) in the range,
 * scanning on from the item found last (items are asked in turn; any other order rescans). */
static bool filtered_row(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                         uint32_t *index)
{
    uint32_t item = 0, k = 0;
    if (st->scan_item != UINT32_MAX && st->scan_item < i) {
        item = st->scan_item + 1u;
        k = st->scan_index + 1u;
    }
    for (; k < st->span; k++) {
        mfw_ms_t t;
        if (!row_time(c, st->first + k, &t) || t < st->from || t > st->to)
            continue;
        if (item == i) {
            st->scan_item = i;
            st->scan_index = k;
            *index = st->first + k;
            return true;
        }
        item++;
    }
    return false;
}

/* A value as double-long-unsigned, saturated. */
static void put_u32_sat(int64_t v, struct mfw_wcursor *w)
{
    mfw_axdr_put_u32(w, v < 0 ? 0u : v > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)v);
}

/* Item i of a buffer: row first + i, the selected columns of {clock, status, values...} for a
 * profile, of {clock, event code} ({clock, duration} in the power failure log) for an event log.
 * One function for both: the profile's path is the hot one (a year of load profile is 35,040
 * rows). */
static int put_row(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                   struct mfw_wcursor *w)
{
    struct mfw_meter *m = c->m;
    unsigned arg = c->obj->arg;
    uint32_t index = st->first + i;
    if (st->filter && !filtered_row(c, st, i, &index))
        return MFW_DAR_HARDWARE_FAULT; /* the buffer changed under the read */
    uint64_t cols = st->cols;
    mfw_axdr_put_structure_header(w, st->ncols);
    if (is_events(c)) {
        struct mfw_eventlog_entry e;
        int rc = mfw_meter_eventlog_read(m, (enum mfw_eventlog_id)arg, index, &e);
        unsigned n = columns(c);
        for (unsigned k = 0; k < n; k++) {
            if (!(cols & (1ull << k)))
                continue;
            if (rc != MFW_OK)
                mfw_axdr_put_null(w);
            else if (k == 0)
                mfw_cosem_class_put_datetime(m, e.time, 0, w);
            else if (arg == MFW_EVENTLOG_POWER_FAILURE && k == 1)
                put_u32_sat(e.v2, w);
            else if (arg == MFW_EVENTLOG_POWER_FAILURE)
                mfw_axdr_put_u8(w, e.phase);
            else if (k == 1)
                mfw_axdr_put_u8(w, (uint8_t)e.code);
            else if (arg == MFW_EVENTLOG_POWER_QUALITY)
                /* V x 100; the duration kept in ms, shown in whole seconds */
                put_u32_sat(k == 2 ? e.v1 : e.v2 / 1000, w);
            else if (e.code == MFW_EVENT_CLOCK_ADJUSTED_OLD ||
                     e.code == MFW_EVENT_CLOCK_ADJUSTED_NEW)
                mfw_cosem_class_put_datetime(m, k == 2 ? e.v1 : e.v2, 0, w);
            else
                mfw_cosem_class_put_datetime_unspecified(w); /* an RTC log entry of another code */
        }
        return rc == MFW_OK ? MFW_DAR_SUCCESS : MFW_DAR_HARDWARE_FAULT;
    }
    const struct mfw_profile_config *pc = &m->profiles[arg].config;
    struct mfw_profile_row r;
    int rc = mfw_meter_profile_read(m, (enum mfw_meter_profile_id)arg, index, &r);
    unsigned total = 2u + pc->n_columns;
    if (rc != MFW_OK) {
        for (unsigned k = 0; k < total; k++)
            if (cols & (1ull << k))
                mfw_axdr_put_null(w);
        /* A row written under another configuration reads as nulls, not as an error: the block
         * already started. */
        return rc == MFW_E_VERSION ? MFW_DAR_SUCCESS : MFW_DAR_HARDWARE_FAULT;
    }
    if (cols & 1u)
        mfw_cosem_class_put_datetime(m, r.time, 0, w);
    if (cols & 2u)
        mfw_axdr_put_u8(w, r.status);
    for (unsigned k = 2; k < total; k++) {
        if (!(cols & (1ull << k)))
            continue;
        const struct mfw_catalog_entry *e = mfw_catalog_find(pc->column[k - 2]);
        if (e == NULL || k - 2 >= r.n)
            mfw_axdr_put_null(w);
        else
            mfw_cosem_class_put_scaled(e, r.v[k - 2], w);
    }
    return MFW_DAR_SUCCESS;
}

/* ---- the buffer with selective access (Blue Book 4.3.6; selective_access.h) ---- */

/* selected_values of a range_descriptor: a subset of the capture objects, in the profile's
 * order. */
static int select_columns(const struct mfw_cosem_call *c, const struct mfw_bytes *selected,
                          unsigned ncol, struct mfw_cosem_stream *st)
{
    struct mfw_rcursor rc;
    mfw_rcursor_init(&rc, selected->p, selected->len);
    uint32_t n = 0;
    (void)mfw_axdr_get_array(&rc, &n);
    st->cols = 0;
    st->ncols = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = 0;
        uint16_t cls, di;
        uint8_t ln[6];
        size_t lnlen = 0;
        int8_t attr;
        if (mfw_axdr_get_structure(&rc, &k) != MFW_OK || k != 4 ||
            mfw_axdr_get_u16(&rc, &cls) != MFW_OK ||
            mfw_axdr_get_octets(&rc, 6, ln, &lnlen) != MFW_OK || lnlen != 6 ||
            mfw_axdr_get_i8(&rc, &attr) != MFW_OK || mfw_axdr_get_u16(&rc, &di) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        bool hit = false;
        for (unsigned col = 0; col < ncol && !hit; col++) {
            uint16_t ccls;
            uint8_t cln[6];
            column_def(c, col, &ccls, cln);
            if (ccls == cls && memcmp(cln, ln, 6) == 0 && attr == 2 &&
                !(st->cols & (1ull << col))) {
                st->cols |= 1ull << col;
                st->ncols++;
                hit = true;
            }
        }
        if (!hit)
            return MFW_DAR_OTHER_REASON;
    }
    return MFW_DAR_SUCCESS;
}

static int open_rows(const struct mfw_cosem_call *c, const struct mfw_cosem_ref *ref,
                     struct mfw_cosem_stream *st)
{
    unsigned ncol = columns(c);
    st->kind = ST_ROWS;
    st->array = true;
    st->cols = ncol >= 64 ? ~0ull : (1ull << ncol) - 1u;
    st->ncols = (uint8_t)ncol;
    uint32_t count = rows_in_use(c);
    st->first = 0;
    st->items = count;
    if (!ref->has_selection)
        return MFW_DAR_SUCCESS;
    if (ref->selector == 2) { /* entry_descriptor */
        struct mfw_selective_access_entry e;
        if (mfw_selective_access_parse_entry(&ref->params, &e) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        uint32_t from = e.from_entry == 0 ? 1 : e.from_entry;
        uint32_t to = e.to_entry == 0 || e.to_entry > count ? count : e.to_entry;
        st->first = from - 1;
        st->items = from > to ? 0 : to - from + 1;
        unsigned cf = e.from_value == 0 ? 1 : e.from_value;
        unsigned ct = e.to_value == 0 || e.to_value > ncol ? ncol : e.to_value;
        if (cf > ct)
            return MFW_DAR_OTHER_REASON;
        st->cols = 0;
        for (unsigned k = cf - 1; k < ct; k++)
            st->cols |= 1ull << k;
        st->ncols = (uint8_t)(ct - cf + 1);
        return MFW_DAR_SUCCESS;
    }
    if (ref->selector != 1)
        return MFW_DAR_OTHER_REASON;
    /* range_descriptor: restricted by the clock, from/to as date-times */
    struct mfw_selective_access_range r;
    if (mfw_selective_access_parse_range(&ref->params, &r) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    if (r.class_id != MFW_IC_CLOCK || memcmp(r.obis, mfw_cosem_class_clock_ln, 6) != 0 ||
        r.attr != 2)
        return MFW_DAR_OTHER_REASON;
    struct mfw_cosem_datetime dfrom, dto;
    struct mfw_rcursor rc;
    mfw_ms_t from, to;
    mfw_rcursor_init(&rc, r.from.p, r.from.len);
    if (mfw_axdr_get_datetime(&rc, &dfrom) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    mfw_rcursor_init(&rc, r.to.p, r.to.len);
    if (mfw_axdr_get_datetime(&rc, &dto) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    /* a deviation left unspecified means the meter's local time */
    if (mfw_cosem_datetime_to_ms(&dfrom, c->m->local.offset_min, &from) != MFW_OK ||
        mfw_cosem_datetime_to_ms(&dto, c->m->local.offset_min, &to) != MFW_OK)
        return MFW_DAR_OTHER_REASON;
    if (r.n_selected > 0) {
        int dar = select_columns(c, &r.selected, ncol, st);
        if (dar != MFW_DAR_SUCCESS)
            return dar;
    }
    if (rows_find(c, from, to, st) != MFW_OK)
        return MFW_DAR_HARDWARE_FAULT;
    return MFW_DAR_SUCCESS;
}

/* ---- GET ---- */

static int profile_open(const struct mfw_cosem_call *c, const struct mfw_cosem_ref *ref,
                        struct mfw_cosem_stream *st)
{
    if (ref->id == 2)
        return open_rows(c, ref, st);
    if (ref->id == 3) { /* one item per column: the billing profile's list is long */
        st->kind = ST_CAPTURE_OBJECTS;
        st->array = true;
        st->items = columns(c);
    }
    return MFW_DAR_SUCCESS;
}

static int profile_get(const struct mfw_cosem_call *c, struct mfw_cosem_stream *st, uint32_t i,
                       struct mfw_wcursor *w)
{
    if (st->kind == ST_ROWS)
        return put_row(c, st, i, w);
    if (st->kind == ST_CAPTURE_OBJECTS) {
        uint16_t ccls;
        uint8_t cln[6];
        column_def(c, i, &ccls, cln);
        mfw_cosem_class_put_capture_def(ccls, cln, 2, w);
        return MFW_DAR_SUCCESS;
    }
    switch (st->attr) {
    case 4: {
        uint32_t period = 0;
        if (!is_events(c))
            period = c->obj->arg == MFW_PROF_DAILY
                         ? 86400u
                         : c->m->profiles[c->obj->arg].config.capture_period_s;
        mfw_axdr_put_u32(w, period);
        break;
    }
    case 5: mfw_axdr_put_enum(w, 1); break; /* sort_method: FIFO */
    case 6: {                               /* sort_object: none */
        static const uint8_t none[6] = {0, 0, 0, 0, 0, 0};
        mfw_cosem_class_put_capture_def(0, none, 0, w);
        break;
    }
    case 7: mfw_axdr_put_u32(w, rows_in_use(c)); break;
    default: /* 8 profile_entries: the depth */
        mfw_axdr_put_u32(w, is_events(c) ? MFW_EVENTLOG_DEPTH
                                         : c->m->profiles[c->obj->arg].config.depth);
        break;
    }
    return MFW_DAR_SUCCESS;
}

/* ---- SET ---- */

/* capture_objects of the analysis log: optionally the clock and the status object first (as
 * attribute 3 reads), then 1..16 catalogue quantities, attribute 2, data index 0. */
static int set_capture_objects(const struct mfw_cosem_call *c, struct mfw_rcursor *rc)
{
    uint8_t prof = (uint8_t)c->obj->arg;
    uint32_t n = 0;
    if (mfw_axdr_get_array(rc, &n) != MFW_OK)
        return MFW_DAR_TYPE_UNMATCHED;
    uint16_t ids[MFW_PROFILE_ANALYSIS_COLUMNS];
    unsigned nids = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k = 0;
        uint16_t cls, di;
        uint8_t ln[6];
        size_t lnlen = 0;
        int8_t attr;
        if (mfw_axdr_get_structure(rc, &k) != MFW_OK || k != 4 ||
            mfw_axdr_get_u16(rc, &cls) != MFW_OK ||
            mfw_axdr_get_octets(rc, 6, ln, &lnlen) != MFW_OK || lnlen != 6 ||
            mfw_axdr_get_i8(rc, &attr) != MFW_OK || mfw_axdr_get_u16(rc, &di) != MFW_OK)
            return MFW_DAR_TYPE_UNMATCHED;
        if (attr != 2 || di != 0)
            return MFW_DAR_OTHER_REASON;
        const uint8_t amr[6] = {0, 0, 96, 10, (uint8_t)(prof + 1), 255};
        if (i == 0 && cls == MFW_IC_CLOCK && memcmp(ln, mfw_cosem_class_clock_ln, 6) == 0)
            continue;
        if (i <= 1 && nids == 0 && cls == MFW_IC_DATA && memcmp(ln, amr, 6) == 0)
            continue;
        const struct mfw_catalog_entry *e = mfw_catalog_find_obis(ln);
        if (e == NULL || mfw_cosem_objects_catalog_class(e->id)->class_id != cls)
            return MFW_DAR_OTHER_REASON;
        if (nids >= MFW_PROFILE_ANALYSIS_COLUMNS)
            return MFW_DAR_OTHER_REASON;
        ids[nids++] = e->id;
    }
    if (mfw_rcursor_left(rc) != 0)
        return MFW_DAR_TYPE_UNMATCHED;
    struct mfw_meter_settings s = c->m->settings;
    struct mfw_profile_config cfg;
    if (mfw_profile_config_analysis(&cfg, ids, nids, s.analysis.capture_period_s,
                                    s.analysis.depth) != MFW_OK)
        return MFW_DAR_OTHER_REASON;
    s.analysis = cfg;
    return mfw_cosem_class_apply(c->m, &s);
}

/* 3 capture_objects (the analysis log), 4 capture_period (the load profile, the analysis log):
 * the rights of the object table say which profile takes which. */
static int profile_set(const struct mfw_cosem_call *c, unsigned attr, struct mfw_rcursor *value)
{
    if (is_events(c))
        return MFW_DAR_READ_WRITE_DENIED;
    if (attr == 3)
        return set_capture_objects(c, value);
    uint32_t period;
    if (!MFW_COSEM_READ_ONE(value, mfw_axdr_get_u32(value, &period)))
        return MFW_DAR_TYPE_UNMATCHED;
    struct mfw_meter_settings s = c->m->settings;
    struct mfw_profile_config *pc = c->obj->arg == MFW_PROF_LP1 ? &s.lp1 : &s.analysis;
    if (period == 0)
        return MFW_DAR_OTHER_REASON; /* these profiles are periodic */
    pc->capture_period_s = period;
    return mfw_cosem_class_apply(c->m, &s);
}

/* ---- ACTION ---- */

/* m1 reset(integer 0): the buffer is emptied; an event log logs its own clear (code 255), a
 * profile's clear goes to the standard log (code 254). */
static int profile_action(const struct mfw_cosem_call *c, unsigned method,
                          struct mfw_rcursor *params, struct mfw_wcursor *ret, bool *has_ret)
{
    (void)method;
    (void)ret;
    (void)has_ret;
    if (!mfw_cosem_class_no_params(params))
        return MFW_DAR_TYPE_UNMATCHED;
    if (is_events(c))
        return mfw_cosem_class_result(mfw_meter_clear_log(c->m, (enum mfw_eventlog_id)c->obj->arg));
    return mfw_cosem_class_result(
        mfw_meter_profile_clear(c->m, (enum mfw_meter_profile_id)c->obj->arg));
}

const struct mfw_cosem_class mfw_cosem_profile_class = {
    .class_id = MFW_IC_PROFILE_GENERIC,
    .version = 1,
    .attributes = 8,
    .methods = 2, /* reset, capture */
    .selective = MFW_COSEM_BIT(2),
    .get_open = profile_open,
    .get_item = profile_get,
    .set = profile_set,
    .action = profile_action,
};
