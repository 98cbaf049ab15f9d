/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Numbers from untrusted text: the one integer parser of the agent, for every number it reads
 * from a file, a record, a document, a header or an argument.
 *
 * Exactly the bytes given are looked at (no NUL needed, none read past len): no locale, no
 * leading or trailing blanks, no '+', no "0x" prefix, no sign unless the function takes one.
 * Leading zeros are digits like any other.  The value is checked against max before every step,
 * so it never overflows.  Errors: -EINVAL for a NULL or empty span or a byte that is not a
 * digit of the base; -ERANGE for a well-formed number beyond the bounds.  *ret is written only
 * on success.  Bases 2..16 ("a"-"f" and "A"-"F" above 9); any other base is -EINVAL.
 *
 * The grammar around the number (how many digits, what may follow) stays with the caller:
 * num_scan_u64() tells it where the digits stopped.
 */

#include <stddef.h>
#include <stdint.h>

/* The whole of s[0..len) as an unsigned number in base, at most max. */
int num_parse_u64(const char *s, size_t len, unsigned base, uint64_t max, uint64_t *ret);

/* num_parse_u64() with max UINT32_MAX. */
int num_parse_u32(const char *s, size_t len, unsigned base, uint32_t *ret);

/* The whole of s[0..len) as a decimal number with an optional leading '-', in [min, max]. */
int num_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *ret);

/*
 * The digits at the start of s[0..len) (at least one; parsing stops at the first byte that is
 * not a digit of base): their value, at most max, and their count in *ret_used.
 */
int num_scan_u64(const char *s, size_t len, unsigned base, uint64_t max, uint64_t *ret,
		 size_t *ret_used);

/*
 * Decimal fraction digits (what follows the point) as an integer count of 10^-scale units,
 * digits beyond scale dropped (truncation, not rounding): "5" with scale 3 is 500, "1239" with
 * scale 3 is 123.  scale at most 18.  All of s[0..len) must be digits, at least one.
 */
int num_parse_frac(const char *s, size_t len, unsigned scale, uint64_t *ret);
