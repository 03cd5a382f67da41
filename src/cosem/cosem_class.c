/* SPDX-License-Identifier: Apache-2.0 */
/* cosem_class: the encoders and readers the interface classes share (see cosem_class.h). */
#include "cosem_class.h"

#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/codec/axdr.h"

const uint8_t mfw_cosem_class_clock_ln[6] = {0, 0, 1, 0, 0, 255};

void mfw_cosem_class_put_datetime(const struct mfw_meter *m, mfw_ms_t utc, uint8_t status,
                                  struct mfw_wcursor *w)
{
    struct mfw_cosem_datetime dt;
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, utc, &lt);
    if (mfw_cosem_datetime_from_ms(&dt, utc, lt.offset_min,
                                   (uint8_t)(status | (lt.dst ? MFW_CLOCK_STATUS_DST : 0))) !=
        MFW_OK) {
        memset(&dt, 0xFF, sizeof dt);
        dt.deviation = MFW_COSEM_DEVIATION_NS;
    }
    mfw_axdr_put_datetime_octets(w, &dt);
}

void mfw_cosem_class_put_datetime_unspecified(struct mfw_wcursor *w)
{
    struct mfw_cosem_datetime dt;
    memset(&dt, 0xFF, sizeof dt);
    dt.deviation = MFW_COSEM_DEVIATION_NS;
    mfw_axdr_put_datetime_octets(w, &dt);
}

void mfw_cosem_class_put_scaler_unit(int8_t scaler, uint8_t unit, struct mfw_wcursor *w)
{
    mfw_axdr_put_structure_header(w, 2);
    mfw_axdr_put_i8(w, scaler);
    mfw_axdr_put_enum(w, unit);
}

void mfw_cosem_class_put_capture_def(uint16_t class_id, const uint8_t ln[6], int8_t attr,
                                     struct mfw_wcursor *w)
{
    mfw_axdr_put_structure_header(w, 4);
    mfw_axdr_put_u16(w, class_id);
    mfw_axdr_put_octets(w, ln, 6);
    mfw_axdr_put_i8(w, attr);
    mfw_axdr_put_u16(w, 0);
}

/* strnlen is POSIX, not C11. */
size_t mfw_cosem_class_serial_len(const struct mfw_meter *m)
{
    size_t n = 0;
    while (n < sizeof m->config.serial && m->config.serial[n] != '\0')
        n++;
    return n;
}

void mfw_cosem_class_put_ldn(const struct mfw_meter *m, struct mfw_wcursor *w)
{
    /* "MFW" (the FLAG-id position of IDIS LDNs) + the serial number, at most 16 bytes. */
    uint8_t buf[16];
    size_t n = 3, s = mfw_cosem_class_serial_len(m);
    memcpy(buf, "MFW", 3);
    if (s > 13)
        s = 13;
    memcpy(buf + 3, m->config.serial, s);
    mfw_axdr_put_octets(w, buf, n + s);
}

void mfw_cosem_class_put_date_raw(const struct mfw_tou_date *d, struct mfw_wcursor *w)
{
    mfw_wcursor_u16be(w, d->year);
    mfw_wcursor_u8(w, d->month);
    mfw_wcursor_u8(w, d->day_of_month);
    mfw_wcursor_u8(w, d->day_of_week);
}

void mfw_cosem_class_put_time_raw(const struct mfw_tou_time *t, struct mfw_wcursor *w)
{
    mfw_wcursor_u8(w, t->hour);
    mfw_wcursor_u8(w, t->minute);
    mfw_wcursor_u8(w, t->second);
    mfw_wcursor_u8(w, 0); /* hundredths */
}

void mfw_cosem_class_date_of(const uint8_t *p, struct mfw_tou_date *d)
{
    d->year = (uint16_t)(p[0] << 8 | p[1]);
    d->month = p[2];
    d->day_of_month = p[3];
    d->day_of_week = p[4];
}

void mfw_cosem_class_time_of(const uint8_t *p, struct mfw_tou_time *t)
{
    t->hour = p[0];
    t->minute = p[1];
    t->second = p[2];
}

const uint8_t *mfw_cosem_class_get_fixed(struct mfw_rcursor *rc, size_t n)
{
    struct mfw_axdr_value v;
    if (mfw_axdr_get(rc, &v) != MFW_OK)
        return NULL;
    bool ok = (v.tag == MFW_AXDR_OCTET_STRING || (v.tag == MFW_AXDR_DATE_TIME && n == 12) ||
               (v.tag == MFW_AXDR_DATE && n == 5) || (v.tag == MFW_AXDR_TIME && n == 4)) &&
              v.len == n;
    return ok ? v.p : NULL;
}

bool mfw_cosem_class_no_params(struct mfw_rcursor *params)
{
    int8_t z;
    return params == NULL || MFW_COSEM_READ_ONE(params, mfw_axdr_get_i8(params, &z));
}

int mfw_cosem_class_result(int rc)
{
    switch (rc) {
    case MFW_OK: return MFW_DAR_SUCCESS;
    case MFW_E_IO:
    case MFW_E_CRC: return MFW_DAR_HARDWARE_FAULT;
    case MFW_E_STATE: return MFW_DAR_TEMPORARY_FAILURE;
    default: return MFW_DAR_OTHER_REASON;
    }
}

int mfw_cosem_class_apply(struct mfw_meter *m, const struct mfw_meter_settings *s)
{
    return mfw_cosem_class_result(mfw_meter_apply_settings(m, s));
}
