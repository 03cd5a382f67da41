/* SPDX-License-Identifier: Apache-2.0 */
/* rtc_backup: the virtual meter's battery-backed RTC, kept as a real one is: it keeps running
 * while meterd is stopped or killed. The file (state_dir/rtc) holds an anchor, the simulated RTC
 * time at an instant of the host's wall clock; the RTC now is that time plus the wall-clock time
 * elapsed since (a backup runs at real time, whatever --speed the simulation ran at). meterd
 * maps the file and moves the anchor ahead of the simulation before every step, so the RTC at any
 * instant is at or after everything the meter recorded: `kill -9` is an ordinary power cut, and
 * a restart finds the RTC where a real meter would.
 *
 * The file is text, two fixed-width slots written in turn (an update never tears the one a read
 * would take), each with a sequence number and a CRC-32:
 *   meterd RTC backup 2
 *   A seq=00000000000000000042 rtc=00000001767225600000 wall=00000001767225600000 crc=1a2b3c4d
 *   B seq=00000000000000000041 ...
 * The one-line form of earlier versions ("<UTC ms> <ISO time>") is read too, its file's
 * modification time as the wall-clock anchor. */
#ifndef METERD_RTC_BACKUP_H
#define METERD_RTC_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/time.h"

/* An RTC time meterd believes: 2000-01-01 .. 9999-12-31 (an RTC that reads 1970 has lost its
 * time: that is --rtc-lost, not a backup). */
#define RTC_BACKUP_MIN_MS 946684800000LL
#define RTC_BACKUP_MAX_MS 253402300799999LL

struct rtc_anchor {
    mfw_ms_t rtc;  /* the simulated RTC, UTC ms */
    mfw_ms_t wall; /* the host's wall clock at that instant, UTC ms */
};

/* Parses a backup file's bytes. 1 and *out; -1 and a message (not a backup, both slots damaged,
 * a time out of range). old_wall: the anchor for the one-line form (the file's mtime). */
int rtc_backup_parse(const char *text, size_t len, mfw_ms_t old_wall, struct rtc_anchor *out,
                     char *err, size_t errcap);
/* The RTC at wall-clock instant `wall`: rtc + (wall - anchor.wall), never before rtc (a host
 * clock set back does not take the RTC with it). */
mfw_ms_t rtc_backup_now(const struct rtc_anchor *a, mfw_ms_t wall);

/* Reads dir/rtc, touching nothing. 1: *out; 0: there is none; -1: unreadable or not sense. */
int rtc_backup_load(const char *dir, struct rtc_anchor *out, char *err, size_t errcap);

struct rtc_backup {
    int fd;
    char *map; /* the file, mapped shared: an update is a store into it */
    size_t size;
    uint64_t seq;
};

/* Creates or rewrites dir/rtc with anchor a and maps it. false + message. */
bool rtc_backup_open(struct rtc_backup *b, const char *dir, struct rtc_anchor a, char *err,
                     size_t errcap);
/* The RTC reads `rtc` at wall-clock `wall` (a store into the mapping; no system call). */
void rtc_backup_update(struct rtc_backup *b, struct rtc_anchor a);
/* Flushes (msync) and unmaps. false + message if the flush failed. */
bool rtc_backup_close(struct rtc_backup *b, char *err, size_t errcap);

#endif /* METERD_RTC_BACKUP_H */
