/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * SQLite, opened with dlopen() when the first file-backed spool is opened.
 *
 * Only the MQTT transport spools to a file; an agent in local mode (--output FILE) never
 * does, and linking libsqlite3 (which also brings libm) would cost it ~0.55 MiB of resident
 * memory for relocations and load-time code alone.  The function types come from <sqlite3.h>,
 * so they are checked at build time.
 *
 * Owns: the process-wide handle and function table, never closed.  Loop thread only.
 */
#include <stddef.h>

#include <sqlite3.h>

#ifndef EDGESEC_LIBSQLITE3_SONAME
#define EDGESEC_LIBSQLITE3_SONAME "libsqlite3.so.0"
#endif

/* Every SQLite function the spool calls, without the sqlite3_ prefix. */
#define SQLITE_LIB_FUNCTIONS(X)                                                                    \
	X(open_v2)                                                                                 \
	X(close_v2)                                                                                \
	X(extended_result_codes)                                                                   \
	X(errmsg)                                                                                  \
	X(exec)                                                                                    \
	X(prepare_v2)                                                                              \
	X(prepare_v3)                                                                              \
	X(step)                                                                                    \
	X(reset)                                                                                   \
	X(finalize)                                                                                \
	X(clear_bindings)                                                                          \
	X(bind_int)                                                                                \
	X(bind_int64)                                                                              \
	X(bind_text)                                                                               \
	X(bind_blob64)                                                                             \
	X(column_int)                                                                              \
	X(column_int64)                                                                            \
	X(column_text)                                                                             \
	X(column_blob)                                                                             \
	X(column_bytes)                                                                            \
	X(get_autocommit)                                                                          \
	X(wal_checkpoint_v2)

#define SQLITE_LIB_FIELD(name) __typeof__(sqlite3_##name) *name;

struct sqlite_lib {
	void *handle;
	SQLITE_LIB_FUNCTIONS(SQLITE_LIB_FIELD)
};

/*
 * The library, opened on the first call; later calls return the same table.  NULL with the
 * reason in why (dlerror's text or the missing symbol) if it cannot be loaded; a later call
 * tries again.
 */
const struct sqlite_lib *sqlite_lib_get(char *why, size_t why_size);
