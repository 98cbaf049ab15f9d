/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Whether a standard stream is systemd's connection to the journal: a service's stdout and
 * stderr under `StandardOutput=journal` (the default), which systemd names in JOURNAL_STREAM
 * ("DEV:INO" of that stream, sd_journal_stream_fd(3)).  Compared with fstat(), so a stream
 * redirected since (a pipe, a file) is not taken for the journal.
 */

#include <stdbool.h>

/* True when fd is the stream JOURNAL_STREAM names. */
bool journal_stream_is(int fd);
