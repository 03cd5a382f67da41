/* SPDX-License-Identifier: Apache-2.0 */
/* p1: the DSMR 5.0.2 P1 telegram (p1.h). No stdio in the core: a bounded text writer. */
#include "meterfw/link/p1.h"

#include <string.h>

#include "meterfw/base/crc.h"
#include "meterfw/base/error.h"
#include "meterfw/meter/catalog.h"

struct text {
    char *p;
    size_t cap, len;
    bool full;
};

static void put(struct text *t, const char *s, size_t n)
{
    if (t->full || n > t->cap - t->len) {
        t->full = true;
        return;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
}

static void puts_(struct text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* v in decimal, at least `width` digits (zero-padded; more digits if v needs them). */
static void put_uint(struct text *t, uint64_t v, unsigned width)
{
    char d[24];
    unsigned n = 0;
    do {
        d[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v > 0 && n < sizeof d);
    while (n < width && n < sizeof d)
        d[n++] = '0';
    char o[24];
    for (unsigned k = 0; k < n; k++)
        o[k] = d[n - 1 - k];
    put(t, o, n);
}

/* v / 10^dec with dec decimals, int_digits before the point (DSMR 6.4 Fn(x,y) formats). */
static void put_fixed(struct text *t, uint64_t v, unsigned int_digits, unsigned dec)
{
    uint64_t scale = 1;
    for (unsigned k = 0; k < dec; k++)
        scale *= 10u;
    put_uint(t, v / scale, int_digits);
    if (dec > 0) {
        put(t, ".", 1);
        put_uint(t, v % scale, dec);
    }
}

static void put_hex(struct text *t, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t k = 0; k < n; k++) {
        char c[2] = {hex[p[k] >> 4], hex[p[k] & 15u]};
        put(t, c, 2);
    }
}

static void crlf(struct text *t)
{
    put(t, "\r\n", 2);
}

/* A measured quantity as a non-negative integer of 10^-dec of its SI unit, rounded half away
 * from zero (0 when the meter has no value). */
static uint64_t measured(struct mfw_meter *m, uint16_t id, unsigned dec)
{
    return mfw_module_measured(m, id, dec, 1000000000000000ull); /* 16 digits at most */
}

/* TST = YYMMDDhhmmssX (DSMR 5.0.2 6.4, table 6-3 note): local time, S in summer, W in winter. */
static void put_tst(struct text *t, const struct mfw_meter *m, mfw_ms_t utc)
{
    struct mfw_local_time lt;
    mfw_clock_local(&m->clock, utc, &lt);
    put_uint(t, (uint64_t)((lt.year % 100 + 100) % 100), 2);
    put_uint(t, lt.month, 2);
    put_uint(t, lt.day, 2);
    put_uint(t, lt.hour, 2);
    put_uint(t, lt.minute, 2);
    put_uint(t, lt.second, 2);
    put(t, lt.dst ? "S" : "W", 1);
}

static void kwh(struct text *t, const char *obis, uint64_t uwh)
{
    puts_(t, obis);
    put(t, "(", 1);
    put_fixed(t, uwh / 1000000u, 6, 3); /* F9(3,3): Wh truncated, shown in kWh */
    puts_(t, "*kWh)");
    crlf(t);
}

static void kw(struct text *t, const char *obis, uint64_t w)
{
    puts_(t, obis);
    put(t, "(", 1);
    put_fixed(t, w, 2, 3); /* F5(3,3): 1 W resolution, shown in kW */
    puts_(t, "*kW)");
    crlf(t);
}

static void count(struct text *t, const char *obis, uint32_t n)
{
    puts_(t, obis);
    put(t, "(", 1);
    put_uint(t, n, 5); /* F5(0,0) */
    put(t, ")", 1);
    crlf(t);
}

static const char *const phase_c[3][6] = {
    /* voltage, current, P+, P-, sags, swells (IEC 62056-61: L1 C 21..40, L2 41.., L3 61..) */
    {"1-0:32.7.0", "1-0:31.7.0", "1-0:21.7.0", "1-0:22.7.0", "1-0:32.32.0", "1-0:32.36.0"},
    {"1-0:52.7.0", "1-0:51.7.0", "1-0:41.7.0", "1-0:42.7.0", "1-0:52.32.0", "1-0:52.36.0"},
    {"1-0:72.7.0", "1-0:71.7.0", "1-0:61.7.0", "1-0:62.7.0", "1-0:72.32.0", "1-0:72.36.0"},
};

int mfw_p1_telegram(struct mfw_meter *m, char *out, size_t cap, size_t *len)
{
    if (m == NULL || out == NULL || len == NULL)
        return MFW_E_ARG;
    struct text t = {out, cap, 0, false};
    const unsigned np = m->config.metro.phases > 3 ? 3u : m->config.metro.phases;
    /* 6.2: "/" XXX "5" identification; XXX = MFW, the FLAG id this firmware uses (keys.h) */
    puts_(&t, m->config.model == MFW_METER_162M ? "/MFW5\\2meterfw-162M" : "/MFW5\\2meterfw-382M");
    crlf(&t);
    crlf(&t);
    puts_(&t, "1-3:0.2.8(50)"); /* version 5.0 */
    crlf(&t);
    puts_(&t, "0-0:1.0.0(");
    put_tst(&t, m, m->now);
    put(&t, ")", 1);
    crlf(&t);
    puts_(&t, "0-0:96.1.1(");
    size_t sn = 0;
    while (sn < sizeof m->config.serial - 1 && m->config.serial[sn] != '\0')
        sn++;
    put_hex(&t, (const uint8_t *)m->config.serial, sn);
    put(&t, ")", 1);
    crlf(&t);

    /* tariff registers: T1 and T2 as table 6-3 lists them, further tariffs when they hold energy
     * or are active (a reader keys on OBIS, 6.13) */
    unsigned nt = 2;
    for (unsigned k = 2; k < MFW_TARIFFS; k++)
        if (m->registers.tariff[k][0] != 0 || m->registers.tariff[k][1] != 0 || m->tariff == k + 1)
            nt = k + 1;
    for (unsigned dir = 0; dir < 2; dir++) {
        for (unsigned k = 0; k < nt; k++) {
            char o[] = "1-0:1.8.1";
            o[4] = (char)('1' + dir);
            o[8] = (char)('1' + k);
            kwh(&t, o, m->registers.tariff[k][dir]);
        }
    }
    kwh(&t, "1-0:1.8.0", mfw_meter_energy_uwh(m, MFW_ENERGY_TOTAL, MFW_EQ_AP));
    kwh(&t, "1-0:2.8.0", mfw_meter_energy_uwh(m, MFW_ENERGY_TOTAL, MFW_EQ_AM));
    puts_(&t, "0-0:96.14.0(");
    put_uint(&t, m->tariff, 4); /* S4 */
    put(&t, ")", 1);
    crlf(&t);
    kw(&t, "1-0:1.7.0", measured(m, MFW_CAT_PP_TOTAL, 0));
    kw(&t, "1-0:2.7.0", measured(m, MFW_CAT_PM_TOTAL, 0));
    count(&t, "0-0:96.7.21", m->events.counters.power_failures[MFW_EVENTLOG_PF_ANY]);
    count(&t, "0-0:96.7.9", m->events.counters.long_power_failures[MFW_EVENTLOG_PF_ANY]);

    /* the power failure log, newest MFW_P1_LOG_MAX: (z)(0-0:96.7.19)(end TST)(duration*s) */
    uint32_t nlog = mfw_meter_eventlog_count(m, MFW_EVENTLOG_POWER_FAILURE);
    uint32_t z = nlog < MFW_P1_LOG_MAX ? nlog : MFW_P1_LOG_MAX;
    struct mfw_eventlog_entry e[MFW_P1_LOG_MAX];
    uint32_t got = 0;
    for (uint32_t k = 0; k < z; k++)
        if (mfw_meter_eventlog_read(m, MFW_EVENTLOG_POWER_FAILURE, nlog - z + k, &e[got]) == MFW_OK)
            got++;
    puts_(&t, "1-0:99.97.0(");
    put_uint(&t, got, 1);
    puts_(&t, ")(0-0:96.7.19)");
    for (uint32_t k = 0; k < got; k++) {
        put(&t, "(", 1);
        put_tst(&t, m, e[k].time); /* the end of the failure (table 6-3) */
        puts_(&t, ")(");
        put_uint(&t, e[k].v2 > 0 ? (uint64_t)e[k].v2 : 0u, 10); /* F10(0,0) seconds */
        puts_(&t, "*s)");
    }
    crlf(&t);
    for (unsigned p = 0; p < np; p++)
        count(&t, phase_c[p][4], m->quality.ph[p].sag.count);
    for (unsigned p = 0; p < np; p++)
        count(&t, phase_c[p][5], m->quality.ph[p].swell.count);
    puts_(&t, "0-0:96.13.0(");
    put_hex(&t, m->consumer_text, m->consumer_text_len); /* 6.5: octet-strings hex-coded */
    put(&t, ")", 1);
    crlf(&t);
    for (unsigned p = 0; p < np; p++) {
        puts_(&t, phase_c[p][0]);
        put(&t, "(", 1);
        put_fixed(&t, measured(m, (uint16_t)(MFW_CAT_U_L1 + p), 1), 4, 1); /* F4(1,1) */
        puts_(&t, "*V)");
        crlf(&t);
    }
    for (unsigned p = 0; p < np; p++) {
        puts_(&t, phase_c[p][1]);
        put(&t, "(", 1);
        put_uint(&t, measured(m, (uint16_t)(MFW_CAT_I_L1 + p), 0), 3); /* F3(0,0) */
        puts_(&t, "*A)");
        crlf(&t);
    }
    for (unsigned p = 0; p < np; p++)
        kw(&t, phase_c[p][2], measured(m, (uint16_t)(MFW_CAT_PP_L1 + p), 0));
    for (unsigned p = 0; p < np; p++)
        kw(&t, phase_c[p][3], measured(m, (uint16_t)(MFW_CAT_PM_L1 + p), 0));
    put(&t, "!", 1);
    if (t.full)
        return MFW_E_NOSPACE;
    /* 6.2: CRC-16 over the characters from "/" to "!" inclusive, 4 hex characters, MSB first */
    uint16_t crc = mfw_crc16_arc(t.p, t.len);
    uint8_t be[2] = {(uint8_t)(crc >> 8), (uint8_t)crc};
    put_hex(&t, be, 2);
    crlf(&t);
    if (t.full)
        return MFW_E_NOSPACE;
    *len = t.len;
    return MFW_OK;
}

void mfw_p1_default_config(struct mfw_p1_config *c)
{
    memset(c, 0, sizeof *c);
    c->period_ms = 1000;
    c->enabled = true;
}

int mfw_p1_init(struct mfw_p1 *p, const struct mfw_p1_config *c)
{
    if (p == NULL || c == NULL || c->period_ms < 1000 || c->period_ms > 3600000)
        return MFW_E_ARG;
    memset(p, 0, sizeof *p);
    p->config = *c;
    return MFW_OK;
}

static int p1_attach(void *ctx, struct mfw_meter *m, mfw_ms_t now)
{
    struct mfw_p1 *p = ctx;
    p->meter = m;
    p->next = mfw_module_next_multiple(now, (mfw_ms_t)p->config.period_ms, 0);
    return MFW_OK;
}

static void p1_detach(void *ctx)
{
    struct mfw_p1 *p = ctx;
    p->meter = NULL;
}

static size_t p1_input(void *ctx, const uint8_t *b, size_t n, mfw_ms_t now)
{
    (void)b;
    (void)now;
    struct mfw_p1 *p = ctx;
    p->st.bytes_in += n;
    p->st.refused_in += (uint32_t)n;
    return n; /* taken and dropped */
}

static size_t p1_output(void *ctx, mfw_ms_t now, uint8_t *out, size_t cap)
{
    struct mfw_p1 *p = ctx;
    if (p->meter == NULL || now < p->next)
        return 0;
    /* one telegram per period; a late call does not send the ones it missed (6.3: no backlog) */
    p->next = mfw_module_next_multiple(now, (mfw_ms_t)p->config.period_ms, 0);
    if (!p->config.enabled || p->meter->down || p->meter->consumer_disabled)
        return 0;
    size_t len = 0;
    int rc = mfw_p1_telegram(p->meter, (char *)out, cap, &len);
    if (rc != MFW_OK) {
        p->st.last_error = rc;
        return 0;
    }
    p->st.frames_out++;
    p->st.bytes_out += len;
    return len;
}

static mfw_ms_t p1_next_due(const void *ctx)
{
    const struct mfw_p1 *p = ctx;
    return p->meter == NULL ? INT64_MAX : p->next;
}

static void p1_status(const void *ctx, struct mfw_module_status *st)
{
    const struct mfw_p1 *p = ctx;
    *st = p->st;
    st->enabled = p->config.enabled;
}

const struct mfw_module_ops mfw_p1_module = {
    .kind = MFW_MODULE_P1,
    .attach = p1_attach,
    .detach = p1_detach,
    .input = p1_input,
    .output = p1_output,
    .next_due = p1_next_due,
    .status = p1_status,
};
