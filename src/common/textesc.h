/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Text that came from input (file contents, manifest keys, twin values, process names) made
 * safe to show on a terminal: control characters cannot move the cursor, clear the screen,
 * set the window title or hide the rest of the line.  One function for every text report and
 * every log line, so they all escape the same way:
 *
 *   \n \r \t          as those two characters
 *   other C0, DEL     \xHH  (ESC is \x1b)
 *   C1 controls       \u0080 ... \u009f (U+009B is a one-character CSI on some terminals)
 *   bidi controls     \u202a ... \u202e, \u2066 ... \u2069 (text that reads one way and is
 *                     another: "Trojan Source")
 *   invalid UTF-8     \xHH per byte
 *
 * Everything else (printable ASCII, valid UTF-8) is kept as is, backslashes included: the
 * result is for reading, not for parsing back.
 */

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* The longest escape of one input byte or character ("\u202e"). */
#define TEXT_ESCAPE_MAX 6

/* True if s (len bytes) has anything text_escape would change. */
bool text_needs_escape(const char *s, size_t len);
/* Appends s (len bytes) to b, escaped. */
void text_escape_buf(struct buf *b, const char *s, size_t len);
/*
 * Writes the escaped s into out (always NUL-terminated when size > 0), never cutting an
 * escape in half; returns the bytes written (without the NUL).
 */
size_t text_escape(char *out, size_t size, const char *s, size_t len);
