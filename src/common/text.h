/* SPDX-License-Identifier: MIT */
#pragma once

/* Text for terminals: hostile strings kept on one line, without escape sequences. */

#include "common/buf.h"

/* Appends s with control characters escaped as textesc.h does (ESC as \x1b, C1 and bidi
 * controls as \u009b, invalid UTF-8 as \xHH). */
void text_put_plain(struct buf *b, const char *s);
/*
 * Appends text to b like text_put_plain, wrapped at width (0: no wrapping) with continuation
 * lines indented by indent spaces; col is the column the cursor is at.
 */
void text_put_wrapped(struct buf *b, const char *text, unsigned col, unsigned indent,
		      unsigned width);
