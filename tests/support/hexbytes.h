/* SPDX-License-Identifier: Apache-2.0 */
/* Test support: bytes written as hex text ("7E A0 07 03 ...", spaces and newlines ignored), as
 * the captured exchanges in tests/vectors are. */
#ifndef METERFW_TEST_HEXBYTES_H
#define METERFW_TEST_HEXBYTES_H

#include <stddef.h>
#include <stdint.h>

#define HEX_BAD ((size_t)-1)

/* Decodes s into out[cap]: the number of bytes, or HEX_BAD for a character that is neither a hex
 * digit nor white space, an odd number of digits, or more bytes than cap. */
size_t hex_decode(const char *s, uint8_t *out, size_t cap);

/* The value of one hex digit (either case), -1 for any other character. */
int hex_digit(char c);

#endif
