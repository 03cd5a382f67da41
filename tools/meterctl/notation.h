/* SPDX-License-Identifier: Apache-2.0 */
/* notation: COSEM Data values as text, both ways (docs/meterctl.md "Value notation").
 *
 * Readable (get, profile): integers and enums in decimal, strings in double quotes, octet-strings
 * in hex, 12-byte octet-strings that hold a valid date-time and date-time values in ISO 8601
 * (2026-11-25T16:26:30Z; +01:00 for deviation -60; no suffix when the deviation is not
 * specified; * for a wildcard field), structures {a, b}, arrays [a, b].
 * Typed (get -t, and what set/action accept): every scalar carries its type, e.g. u32:123,
 * i16:-5, enum:3, octets:0102, "text", utf8:"text", datetime:2026-01-01T00:00:00Z,
 * struct(a, b), array(a, b). */
#ifndef METERCTL_NOTATION_H
#define METERCTL_NOTATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meterfw/base/cursor.h"
#include "meterfw/codec/axdr.h"

struct strbuf {
    char *p;
    size_t len, cap;
};
void sb_printf(struct strbuf *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void sb_free(struct strbuf *sb);

/* Formats one Data value read from rc. MFW_OK or MFW_E_FORMAT. */
int notation_format(struct strbuf *sb, struct mfw_rcursor *rc, bool typed);
/* Encodes the text of one value into w. MFW_OK, or MFW_E_FORMAT with a reason in err. */
int notation_parse(const char *text, struct mfw_wcursor *w, char *err, size_t errcap);

/* ISO 8601 <-> COSEM date-time. Parse: YYYY-MM-DD[THH:MM[:SS[.hh]]][Z|+HH:MM|-HH:MM], any
 * numeric field may be '*' (wildcard); Z gives deviation 0, an offset gives deviation =
 * -offset, none leaves the deviation not specified. day_of_week is computed when the date is
 * complete, else a wildcard. Returns 0, or -1 for a malformed string. */
int iso_parse(const char *s, struct mfw_cosem_datetime *dt);
void iso_format(struct strbuf *sb, const struct mfw_cosem_datetime *dt);
/* OBIS "A.B.C.D.E.F" (also A-B:C.D.E*F) -> 6 bytes; 0 or -1. */
int obis_parse(const char *s, uint8_t ln[6]);
void obis_format(struct strbuf *sb, const uint8_t ln[6]);

#endif /* METERCTL_NOTATION_H */
