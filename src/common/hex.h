/* SPDX-License-Identifier: MIT */
#pragma once

/* The value of one hex digit ('0'-'9', 'a'-'f', 'A'-'F'): 0..15, or -1 for anything else. */
static inline int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
