/* SPDX-License-Identifier: Apache-2.0 */
/* calfile: the passive activity calendar as a small text file (docs/meterctl.md "Calendar
 * files"), encoded as the values of Activity calendar (IC 20) attributes 6..10. */
#ifndef METERCTL_CALFILE_H
#define METERCTL_CALFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The encoded A-XDR values, in the order meterctl writes them (days before the weeks that name
 * them, weeks before the seasons). Each buf is heap memory: calfile_free. */
enum {
    CALFILE_DAYS = 0, /* attribute 9 day_profile_table_passive */
    CALFILE_WEEKS,    /* attribute 8 week_profile_table_passive */
    CALFILE_SEASONS,  /* attribute 7 season_profile_passive */
    CALFILE_NAME,     /* attribute 6 calendar_name_passive */
    CALFILE_ACTIVATE, /* attribute 10 activate_passive_calendar_time */
    CALFILE_N
};

struct calfile {
    uint8_t *buf[CALFILE_N];
    size_t len[CALFILE_N];
    int8_t attr[CALFILE_N];
    unsigned n_days, n_weeks, n_seasons;
};

/* Parses path. 0, or -1 with "LINE: reason" in err. */
int calfile_parse(const char *path, struct calfile *cf, char *err, size_t errcap);
/* The same from a stream, read to its end (and left open). */
int calfile_parse_stream(FILE *f, struct calfile *cf, char *err, size_t errcap);
void calfile_free(struct calfile *cf);

#endif /* METERCTL_CALFILE_H */
