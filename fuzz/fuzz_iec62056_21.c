/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer harness for the IEC 62056-21 mode E opening (include/meterfw/link/iec62056_21.h).
 *
 * Input: byte 0 configures (bits 0-2 prop_baud 0..6, bit 3 a device address "12345678"
 * instead of none, bits 4-5 the reaction time 20/200/700/1500 ms); then the bytes of the line,
 * each with its arrival time: a byte >= 0xF0 is not a character but a pause of (b - 0xEF) x 400 ms
 * before the next one (so that the inter-character and option time-outs are reached), any other
 * byte is a character 10 ms after the one before. Checked:
 *   - the same events at the same bytes whether the characters are fed one by one or in runs of
 *     characters with the same arrival time (the machine does not depend on the split);
 *   - *consumed never exceeds what was fed; a 0 return used everything (before the switch);
 *   - a SEND is exactly "/" flag Z "\2" identification CR LF, at the reaction time after now, and
 *     follows a request that ended with "!" CR LF at that byte;
 *   - a SWITCH comes only right after ACK '2' Z '2' CR LF with Z <= prop_baud, at 300 << Z Bd,
 *     after a SEND; after it the machine takes nothing;
 *   - READOUT and PROGRAM only after ACK V Z Y CR LF with Y '0' / '1'.
 * Seeds (LLVMFuzzerInitialize, into $MFW_FUZZ_SEED_DIR when set): the Gurux client's opening
 * (/?! CR LF, ACK 2 5 2 CR LF), one with the address, a mode C readout request, a stalled one. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meterfw/base/error.h"
#include "meterfw/link/iec62056_21.h"
#include "seed_dir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EVENTS 1024

struct ev {
    uint8_t kind;
    size_t at_byte; /* the index of the character that caused it */
    mfw_ms_t at;
    uint32_t baud;
};

static void config(uint8_t b, struct mfw_iec62056_21_config *c)
{
    mfw_iec62056_21_default_config(c);
    memcpy(c->ident, "382M00000001", 13);
    c->prop_baud = (uint8_t)(b & 7) % 7;
    if (b & 8)
        memcpy(c->address, "12345678", 9);
    static const uint32_t tr[4] = {20, 200, 700, 1500};
    c->reaction_ms = tr[(b >> 4) & 3];
}

/* Feeds chars[0..n) with their times, in runs of equal times (runs) or one by one. */
static size_t play(const struct mfw_iec62056_21_config *c, const uint8_t *ch, const mfw_ms_t *t,
                   size_t n, bool runs, struct ev *out)
{
    static struct mfw_iec62056_21 e;
    if (mfw_iec62056_21_init(&e, c) != MFW_OK)
        abort();
    size_t k = 0, i = 0;
    bool switched = false;
    while (i < n && k < MAX_EVENTS) {
        size_t end = i + 1;
        if (runs)
            while (end < n && t[end] == t[i])
                end++;
        while (i < end) {
            size_t used = 0;
            struct mfw_iec62056_21_event ev;
            int r = mfw_iec62056_21_feed(&e, ch + i, end - i, t[i], &used, &ev);
            if (r < 0 || used > end - i)
                abort();
            if (switched) {
                if (r != 0 || used != 0)
                    abort(); /* after the switch the bytes are HDLC's */
                i = end;
                break;
            }
            if (r == 0) {
                if (used != end - i)
                    abort();
                i = end;
                break;
            }
            if (used == 0)
                abort();
            i += used;
            out[k++] = (struct ev){ev.kind, i - 1, ev.at, ev.baud};
            if (ev.kind == MFW_IEC62056_21_EV_SEND) {
                char want[64];
                int m = snprintf(want, sizeof want, "/%s%c\\2%s\r\n", c->flag, '0' + c->prop_baud,
                                 c->ident);
                if (ev.len != (size_t)m || memcmp(ev.msg, want, ev.len) != 0 ||
                    ev.at != t[i - 1] + (mfw_ms_t)c->reaction_ms)
                    abort();
            } else if (ev.kind == MFW_IEC62056_21_EV_SWITCH) {
                switched = true;
            }
            if (k == MAX_EVENTS)
                break;
        }
    }
    return k;
}

static unsigned switches; /* for the seeds' check */

static int run(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct mfw_iec62056_21_config c;
    config(data[0], &c);
    static uint8_t ch[4096];
    static mfw_ms_t t[4096];
    size_t n = 0;
    mfw_ms_t now = 1000;
    for (size_t i = 1; i < size && n < sizeof ch; i++) {
        if (data[i] >= 0xF0) {
            now += (mfw_ms_t)(data[i] - 0xEF) * 400;
            continue;
        }
        now += 10;
        ch[n] = data[i];
        t[n++] = now;
    }
    /* runs of equal times: make every 4th gap zero, so runs of several characters occur */
    for (size_t i = 1; i < n; i++)
        if (i % 4 != 0 && t[i] == t[i - 1] + 10)
            t[i] = t[i - 1];
    static struct ev a[MAX_EVENTS], b[MAX_EVENTS];
    size_t na = play(&c, ch, t, n, false, a), nb = play(&c, ch, t, n, true, b);
    if (na != nb)
        abort();
    int sent = 0;
    for (size_t k = 0; k < na; k++) {
        if (a[k].kind != b[k].kind || a[k].at_byte != b[k].at_byte || a[k].at != b[k].at ||
            a[k].baud != b[k].baud)
            abort();
        size_t j = a[k].at_byte;
        uint8_t last = (uint8_t)(ch[j] & 0x7F);
        switch (a[k].kind) {
        case MFW_IEC62056_21_EV_SEND:
            if (last != '\n' || j < 3 || (ch[j - 1] & 0x7F) != '\r' || (ch[j - 2] & 0x7F) != '!')
                abort();
            sent = 1;
            break;
        case MFW_IEC62056_21_EV_SWITCH:
        case MFW_IEC62056_21_EV_READOUT:
        case MFW_IEC62056_21_EV_PROGRAM: {
            if (!sent || j < 5 || last != '\n' || (ch[j - 5] & 0x7F) != 0x06 ||
                (ch[j - 1] & 0x7F) != '\r')
                abort();
            uint8_t z = (uint8_t)((ch[j - 3] & 0x7F) - '0');
            uint8_t v = ch[j - 4] & 0x7F, y = ch[j - 2] & 0x7F;
            if (z > c.prop_baud || a[k].baud != (300u << z))
                abort();
            if (a[k].kind == MFW_IEC62056_21_EV_SWITCH && (v != '2' || y != '2'))
                abort();
            switches += a[k].kind == MFW_IEC62056_21_EV_SWITCH;
            if (a[k].kind == MFW_IEC62056_21_EV_READOUT && y != '0')
                abort();
            if (a[k].kind == MFW_IEC62056_21_EV_PROGRAM && y != '1')
                abort();
            sent = 0;
            break;
        }
        default: abort();
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    if (size)
        memcpy(copy, data, size);
    run(copy, size);
    free(copy);
    return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char *const seeds[] = {
        "\x15/?!\r\n\xF1\x06"
        "252\r\n\x7E\xA0", /* Gurux: mode E at 9600 Bd */
        "\x1D/?12345678!\r\n\xF0\x06"
        "242\r\n", /* with the address, 4800 Bd */
        "\x15/?!\r\n\xF0\x06"
        "050\r\n/?!\r\n", /* mode C readout, then again */
        "\x15/?\xFF\xFF!\r\n/?!\r\n\xFF\xFF\xFF\xFF\x06"
        "252\r\n", /* stalls */
    };
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++)
        run((const uint8_t *)seeds[s], strlen(seeds[s]));
    if (switches != 2) { /* the first two seeds switch to HDLC */
        fprintf(stderr, "fuzz_iec62056_21: %u seeds switch, expected 2\n", switches);
        abort();
    }
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        char name[32];
        snprintf(name, sizeof name, "iec21-%zu.bin", s);
        fuzz_seed_write("fuzz_iec62056_21", name, seeds[s], strlen(seeds[s]));
    }
    return 0;
}
