/* SPDX-License-Identifier: Apache-2.0 */
/* Terminal LCD: a fixed 44-column box redrawn in place with ANSI cursor control. */
#include "lcd_term.h"

#include <string.h>

#include "isotime.h"

#define CSI "\033["

void lcd_term_begin(FILE *f)
{
    fputs(CSI "2J" CSI "H" CSI "?25l", f);
    fflush(f);
}

void lcd_term_end(FILE *f)
{
    fputs(CSI "?25h\n", f);
    fflush(f);
}

static const char *arrow_text(enum mfw_display_arrow a)
{
    switch (a) {
    case MFW_DISPLAY_ARROW_IMPORT: return "-->+A";
    case MFW_DISPLAY_ARROW_EXPORT: return "<---A";
    case MFW_DISPLAY_ARROW_NONE: break;
    }
    return "     ";
}

static void flags_text(char *buf, size_t cap, const struct mfw_display_frame *fr)
{
    char q[4] = "  ";
    if (fr->quadrant) {
        q[0] = 'Q';
        q[1] = (char)('0' + fr->quadrant);
    }
    /* the breaker: ON connected, OFF disconnected, RDY ready for reconnection (press the
     * button); R1 / R2 a load relay closed; CREDIT low, NOCREDIT used up; ALARM latched */
    static const char *const brk[4] = {"", " ON", " OFF", " RDY"};
    snprintf(buf, cap, "%s %s %s  %s %s  T%u%s%s%s%s%s", fr->phase_present[0] ? "L1" : "  ",
             fr->phases > 1 && fr->phase_present[1] ? "L2" : "  ",
             fr->phases > 2 && fr->phase_present[2] ? "L3" : "  ", arrow_text(fr->arrow), q,
             (unsigned)fr->tariff, brk[fr->breaker < 4 ? fr->breaker : 0],
             fr->n_relays > 0 && fr->relay[0] ? " R1" : "",
             fr->n_relays > 1 && fr->relay[1] ? " R2" : "",
             fr->credit_out   ? " NOCREDIT"
             : fr->credit_low ? " CREDIT"
                              : "",
             fr->alarm ? " ALARM" : "");
}

void lcd_term_draw(FILE *f, const struct mfw_display_frame *fr, const struct lcd_status *st)
{
    char flags[96], when[ISOTIME_LEN], speed[32];
    flags_text(flags, sizeof flags, fr);
    isotime_format(st->sim_ms - st->sim_ms % 1000, when);
    if (st->speed > 0 && st->actual < 0.9 * st->speed) /* the simulation cannot keep up */
        snprintf(speed, sizeof speed, "x%g (lags: x%.0f)", st->speed, st->actual);
    else if (st->speed > 0)
        snprintf(speed, sizeof speed, "x%g", st->speed);
    else
        snprintf(speed, sizeof speed, "max (x%.0f)", st->actual);

    fputs(CSI "H", f);
    fputs("+------------------------------------------+" CSI "K\n", f);
    fprintf(f, "| %-12s %12s %-6s %2u/%-2u   |" CSI "K\n", fr->obis, fr->value, fr->unit,
            (unsigned)fr->item + 1, (unsigned)fr->n_items);
    /* two lines of annunciators, always both (the box keeps its height) */
    fprintf(f, "| %-40.40s |" CSI "K\n", flags);
    fprintf(f, "| %-40.40s |" CSI "K\n", strlen(flags) > 40 ? flags + 40 : "");
    fputs("+------------------------------------------+" CSI "K\n", f);
    fprintf(f, " %s #%s  %s  %s  %s" CSI "K\n", st->model, st->serial, when, speed, st->fidelity);
    fputs(" Ctrl-C saves the registers and exits" CSI "K\n", f);
    fflush(f);
}

void lcd_line(FILE *f, const struct mfw_display_frame *fr, mfw_ms_t sim_ms)
{
    char flags[96], when[ISOTIME_LEN];
    flags_text(flags, sizeof flags, fr);
    isotime_format(sim_ms - sim_ms % 1000, when);
    fprintf(f, "%s  %-11s %10s %-5s [%s]\n", when, fr->obis, fr->value, fr->unit, flags);
    fflush(f);
}
