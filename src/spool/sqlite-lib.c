/* SPDX-License-Identifier: MIT */
/*
 * SQLite through dlopen()/dlsym(): see sqlite-lib.h for why.  RTLD_LOCAL keeps its symbols
 * (and libm's) out of the global namespace.
 */
#include "sqlite-lib.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/str.h"

static struct sqlite_lib lib;

/* One symbol into *slot; false (reason in why) if missing. */
static bool lookup(const char *name, void *slot, char *why, size_t why_size)
{
	void *fn = dlsym(lib.handle, name);

	if (!fn) {
		snprintf(why, why_size, "%s not found in " EDGESEC_LIBSQLITE3_SONAME, name);
		return false;
	}
	/* Function pointers convert to and from void * on every POSIX system; memcpy avoids
	 * the pedantic object-to-function-pointer cast. */
	memcpy(slot, &fn, sizeof(fn));
	return true;
}

#define SQLITE_LIB_LOOKUP(name)                                                                    \
	if (!lookup("sqlite3_" #name, &lib.name, why, why_size))                                   \
		goto fail;

const struct sqlite_lib *sqlite_lib_get(char *why, size_t why_size)
{
	const char *err;

	if (lib.handle)
		return &lib;
	lib.handle = dlopen(EDGESEC_LIBSQLITE3_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib.handle) {
		err = dlerror();
		str_copy(why, why_size, err ? err : "dlopen " EDGESEC_LIBSQLITE3_SONAME " failed");
		return NULL;
	}
	SQLITE_LIB_FUNCTIONS(SQLITE_LIB_LOOKUP)
	return &lib;
fail:
	dlclose(lib.handle);
	memset(&lib, 0, sizeof(lib));
	return NULL;
}
