/* SPDX-License-Identifier: Apache-2.0 */
/* iec62056_21: the mode E opening of the optical port (see include/meterfw/link/iec62056_21.h).
 * Clauses: IEC 62056-21:2002 6.3 (messages), 6.4.5 (protocol mode E), Annex E [M]. */
#include "meterfw/link/iec62056_21.h"

#include <string.h>

#include "meterfw/base/error.h"

#define ACK 0x06u
#define CR 0x0Du
#define LF 0x0Au

void mfw_iec62056_21_default_config(struct mfw_iec62056_21_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    memcpy(cfg->flag, "MFW", 4); /* not a registered FLAG ID: a product sets its own [M] */
    memcpy(cfg->ident, "meterfw", 8);
    cfg->prop_baud = 5;
    /* IEC 62056-21 6.3.14 [M]: 200 ms <= tr <= 1500 ms (20 ms only with a lower-case 3rd flag
     * letter); the inter-character time-out is 1500 ms */
    cfg->reaction_ms = 200;
    cfg->inter_char_ms = 1500;
    cfg->option_wait_ms = 5000;
}

/* strlen bounded by the array (C11 has no strnlen) */
static size_t text_len(const char *s, size_t cap)
{
    size_t n = 0;
    while (n < cap && s[n] != '\0')
        n++;
    return n;
}

static bool letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

int mfw_iec62056_21_init(struct mfw_iec62056_21 *e, const struct mfw_iec62056_21_config *cfg)
{
    if (e == NULL || cfg == NULL || cfg->prop_baud > 6 || !letter(cfg->flag[0]) ||
        !letter(cfg->flag[1]) || !letter(cfg->flag[2]) || cfg->flag[3] != '\0')
        return MFW_E_ARG;
    size_t n = text_len(cfg->ident, sizeof cfg->ident);
    if (n == 0 || n > MFW_IEC62056_21_IDENT_MAX)
        return MFW_E_ARG;
    for (size_t k = 0; k < n; k++) {
        char c = cfg->ident[k];
        if (c < 0x21 || c > 0x7E || c == '/' || c == '!' || c == '(' || c == ')')
            return MFW_E_ARG;
    }
    if (text_len(cfg->address, sizeof cfg->address) > MFW_IEC62056_21_ADDRESS_MAX)
        return MFW_E_ARG;
    memset(e, 0, sizeof *e);
    e->config = *cfg;
    e->state = MFW_IEC62056_21_IDLE;
    return MFW_OK;
}

uint32_t mfw_iec62056_21_baud(uint8_t z)
{
    /* IEC 62056-21 6.3.14 [M]: '0' 300, '1' 600, '2' 1200, '3' 2400, '4' 4800, '5' 9600,
     * '6' 19200 Bd */
    return z <= 6 ? 300u << z : 0u;
}

/* The identification message: / XXX Z \2 ident CR LF. */
static void build_ident(struct mfw_iec62056_21 *e)
{
    size_t k = 0;
    e->msg[k++] = '/';
    memcpy(e->msg + k, e->config.flag, 3);
    k += 3;
    e->msg[k++] = (uint8_t)('0' + e->config.prop_baud);
    /* enhanced identification: '\' W with W = '2', binary mode (HDLC, mode E) [M: DLMS UA list] */
    e->msg[k++] = '\\';
    e->msg[k++] = '2';
    size_t n = text_len(e->config.ident, sizeof e->config.ident);
    memcpy(e->msg + k, e->config.ident, n);
    k += n;
    e->msg[k++] = CR;
    e->msg[k++] = LF;
    e->msg_len = k;
}

/* A whole request / ? address ! CR LF is in e->in (without the leading '/'): answer it? */
static bool request_ours(const struct mfw_iec62056_21 *e)
{
    /* in = ? address ! CR LF */
    if (e->in_len < 4 || e->in[0] != '?' || e->in[e->in_len - 3] != '!' ||
        e->in[e->in_len - 2] != CR)
        return false;
    size_t n = e->in_len - 4;
    size_t want = text_len(e->config.address, sizeof e->config.address);
    /* an empty address in the request addresses every meter (IEC 62056-21 6.3.1 [M]); a meter
     * with an address of its own answers that one too */
    return n == 0 || (n == want && memcmp(e->in + 1, e->config.address, n) == 0);
}

static void to_idle(struct mfw_iec62056_21 *e)
{
    e->state = MFW_IEC62056_21_IDLE;
    e->in_len = 0;
}

int mfw_iec62056_21_feed(struct mfw_iec62056_21 *e, const uint8_t *bytes, size_t n, mfw_ms_t now,
                         size_t *consumed, struct mfw_iec62056_21_event *ev)
{
    if (consumed != NULL)
        *consumed = 0;
    if (e == NULL || consumed == NULL || ev == NULL || (bytes == NULL && n != 0))
        return MFW_E_ARG;
    memset(ev, 0, sizeof *ev);
    size_t i = 0;
    while (i < n && e->state != MFW_IEC62056_21_HDLC) {
        uint8_t c = (uint8_t)(bytes[i++] & 0x7Fu); /* 7 data bits */
        if (e->state == MFW_IEC62056_21_REQUEST &&
            now - e->last_at > (mfw_ms_t)e->config.inter_char_ms)
            to_idle(e); /* the request stalled */
        if (e->state == MFW_IEC62056_21_OPTION &&
            (e->in_len == 0 ? now > e->option_by
                            : now - e->last_at > (mfw_ms_t)e->config.inter_char_ms))
            to_idle(e); /* no option select in time */
        e->last_at = now;
        if (c == '/') { /* a request always starts again */
            e->state = MFW_IEC62056_21_REQUEST;
            e->in_len = 0;
            continue;
        }
        if (e->state == MFW_IEC62056_21_IDLE)
            continue; /* anything else while listening is noise */
        if (e->in_len == sizeof e->in) {
            e->refused++;
            to_idle(e); /* longer than any message we take */
            continue;
        }
        e->in[e->in_len++] = c;
        if (c != LF)
            continue;
        if (e->state == MFW_IEC62056_21_REQUEST) {
            e->requests++;
            if (!request_ours(e)) {
                e->refused++;
                to_idle(e);
                continue;
            }
            build_ident(e);
            e->state = MFW_IEC62056_21_OPTION;
            e->in_len = 0;
            /* the answer goes after the reaction time; the option select may begin once it is
             * on the line (10 bits a character at 300 Bd) and the HHU had time to react */
            e->option_by = now + (mfw_ms_t)e->config.reaction_ms +
                           (mfw_ms_t)(e->msg_len * 10u * 1000u / 300u) +
                           (mfw_ms_t)e->config.option_wait_ms;
            e->answered++;
            ev->kind = MFW_IEC62056_21_EV_SEND;
            ev->msg = e->msg;
            ev->len = e->msg_len;
            ev->at = now + (mfw_ms_t)e->config.reaction_ms;
            *consumed = i;
            return 1;
        }
        /* OPTION: ACK V Z Y CR LF (IEC 62056-21 6.3.3 [M]) */
        bool ok = e->in_len == 6 && e->in[0] == ACK && e->in[4] == CR;
        uint8_t v = e->in[1], z = (uint8_t)(e->in[2] - '0'), y = e->in[3];
        e->in_len = 0;
        if (!ok || z > e->config.prop_baud) {
            e->refused++;
            to_idle(e);
            continue;
        }
        if (v == '2' && y == '2') {
            e->state = MFW_IEC62056_21_HDLC; /* mode E: HDLC at the agreed rate */
            e->switched++;
            ev->kind = MFW_IEC62056_21_EV_SWITCH;
            ev->baud = mfw_iec62056_21_baud(z);
            *consumed = i;
            return 1;
        }
        to_idle(e);
        if (y == '0' || y == '1') {
            ev->kind = y == '0' ? MFW_IEC62056_21_EV_READOUT : MFW_IEC62056_21_EV_PROGRAM;
            ev->baud = mfw_iec62056_21_baud(z);
            *consumed = i;
            return 1;
        }
        e->refused++;
    }
    *consumed = i;
    return 0;
}

/* ---- mode C data readout --------------------------------------------------------------------- */

#define STX 0x02u
#define ETX 0x03u

int mfw_iec62056_21_readout_begin(struct mfw_iec62056_21_readout *r, const struct mfw_meter *m)
{
    if (r == NULL || m == NULL)
        return MFW_E_ARG;
    memset(r, 0, sizeof *r);
    return mfw_meter_display_list(m, &r->list);
}

/* A data set "address(value*unit)" CR LF of one rendered display item (6.3.6 [M]: address
 * <= 16 characters, value <= 32 without ( ) * / !, unit <= 16); the value's padding spaces go.
 * Returns its length, 0 if it does not fit in cap. */
static size_t data_set(const struct mfw_display_frame *f, uint8_t *out, size_t cap)
{
    uint8_t line[64];
    size_t k = 0;
    /* the address: the display's C.D.E as it is, a full A.B.C.D.E as OBIS writes it,
     * A-B:C.D.E (IEC 62056-6-1 [M]; D0 readers take both forms) */
    unsigned dots = 0;
    for (size_t i = 0; i < sizeof f->obis && f->obis[i] != '\0'; i++)
        dots += f->obis[i] == '.';
    unsigned seen = 0;
    for (size_t i = 0; i < sizeof f->obis && f->obis[i] != '\0' && k < 16; i++) {
        char c = f->obis[i];
        if (c == '.' && dots == 4 && seen < 2)
            c = seen++ == 0 ? '-' : ':';
        else if (c == '.')
            seen++;
        line[k++] = (uint8_t)c;
    }
    line[k++] = '(';
    size_t v0 = k;
    for (size_t i = 0; i < sizeof f->value && f->value[i] != '\0'; i++) {
        char c = f->value[i];
        if (c == ' ' || c == '(' || c == ')' || c == '*' || c == '/' || c == '!')
            continue;
        if (k - v0 < 32)
            line[k++] = (uint8_t)c;
    }
    if (f->unit[0] != '\0') {
        line[k++] = '*';
        for (size_t i = 0; i < sizeof f->unit && f->unit[i] != '\0'; i++)
            line[k++] = (uint8_t)f->unit[i];
    }
    line[k++] = ')';
    line[k++] = CR;
    line[k++] = LF;
    if (k > cap)
        return 0;
    memcpy(out, line, k);
    return k;
}

size_t mfw_iec62056_21_readout_next(struct mfw_iec62056_21_readout *r, const struct mfw_meter *m,
                                    mfw_ms_t now, uint8_t *out, size_t cap)
{
    if (r == NULL || m == NULL || out == NULL || cap < MFW_IEC62056_21_READOUT_MIN || r->stage >= 3)
        return 0;
    size_t k = 0;
    if (r->stage == 0) {
        out[k++] = STX; /* not in the BCC */
        r->stage = 1;
    }
    while (r->stage == 1) {
        if (r->list.index >= r->list.n_items) {
            r->stage = 2;
            break;
        }
        struct mfw_display_frame f;
        mfw_meter_display_item(m, &r->list, now, &f);
        size_t n = data_set(&f, out + k, cap - k);
        if (n == 0)
            break; /* the next piece */
        for (size_t i = 0; i < n; i++)
            r->bcc ^= out[k + i];
        k += n;
        r->list.index++;
    }
    if (r->stage == 2 && cap - k >= 5) {
        static const uint8_t end[4] = {'!', CR, LF, ETX}; /* end of the data block, ETX */
        for (size_t i = 0; i < sizeof end; i++) {
            out[k++] = end[i];
            r->bcc ^= end[i];
        }
        out[k++] = (uint8_t)(r->bcc & 0x7Fu); /* the line is 7-bit (7E1) */
        r->stage = 3;
    }
    return k;
}
