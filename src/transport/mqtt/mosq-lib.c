/* SPDX-License-Identifier: MIT */
/*
 * libmosquitto through dlopen()/dlsym(): see mosq-lib.h for why.  RTLD_LOCAL keeps its
 * symbols and those of libssl/libcrypto out of the global namespace; SSL_pending is looked up
 * through the libmosquitto handle, whose dependencies dlsym() searches too.
 */
#include "mosq-lib.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static struct mosq_lib lib;

/* One symbol into *slot; false (reason in why) if missing. */
static bool lookup(const char *name, void *slot, char *why, size_t why_size)
{
	void *fn = dlsym(lib.handle, name);

	if (!fn) {
		snprintf(why, why_size, "%s not found in " EDGESEC_LIBMOSQUITTO_SONAME, name);
		return false;
	}
	/* Function pointers convert to and from void * on every POSIX system; memcpy avoids
	 * the pedantic object-to-function-pointer cast. */
	memcpy(slot, &fn, sizeof(fn));
	return true;
}

#define MOSQ_LIB_LOOKUP(name)                                                                      \
	if (!lookup("mosquitto_" #name, &lib.name, why, why_size))                                 \
		goto fail;

const struct mosq_lib *mosq_lib_get(char *why, size_t why_size)
{
	const char *err;

	if (lib.handle)
		return &lib;
	lib.handle = dlopen(EDGESEC_LIBMOSQUITTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib.handle) {
		err = dlerror();
		snprintf(why, why_size, "%s",
			 err ? err : "dlopen " EDGESEC_LIBMOSQUITTO_SONAME " failed");
		return NULL;
	}
	MOSQ_LIB_FUNCTIONS(MOSQ_LIB_LOOKUP)
	if (!lookup("SSL_pending", &lib.ssl_pending, why, why_size))
		goto fail;
	lib.lib_init();
	return &lib;
fail:
	dlclose(lib.handle);
	memset(&lib, 0, sizeof(lib));
	return NULL;
}
