/* SPDX-License-Identifier: Apache-2.0 */
/* lcd_term: draws a display frame on a terminal (ANSI) or as one plain line. */
#ifndef METERD_LCD_TERM_H
#define METERD_LCD_TERM_H

#include <stdio.h>

#include "meterfw/meter/display.h"

struct lcd_status {
    const char *model, *serial, *fidelity;
    mfw_ms_t sim_ms;
    double speed;  /* requested; 0 for "as fast as possible" (--until) */
    double actual; /* simulated seconds per real second, measured */
};

void lcd_term_begin(FILE *f); /* clear screen, hide cursor */
void lcd_term_end(FILE *f);   /* show cursor, move below the box */
/* Redraws the box and status line in place (home + overwrite, no scrolling). */
void lcd_term_draw(FILE *f, const struct mfw_display_frame *fr, const struct lcd_status *st);
/* One line, for a non-terminal stdout: "<time> <obis> <value> <unit> [flags]". */
void lcd_line(FILE *f, const struct mfw_display_frame *fr, mfw_ms_t sim_ms);

#endif /* METERD_LCD_TERM_H */
