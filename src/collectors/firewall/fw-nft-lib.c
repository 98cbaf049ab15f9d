/* SPDX-License-Identifier: MIT */
/*
 * libnftables through dlopen()/dlsym(): see fw-nft-lib.h for why.  RTLD_LOCAL keeps the
 * library's symbols (and those of the libraries it needs) out of the global namespace, so
 * dlclose() really unmaps them when the snapshot is done.
 */
#ifdef EDGESEC_HAVE_NFTABLES

#include "fw-nft-lib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "common/str.h"

/* One symbol into *slot; false (reason in why) if missing. */
static bool lookup(void *handle, const char *name, void *slot, char *why, size_t why_size)
{
	void *fn;

	dlerror();
	fn = dlsym(handle, name);
	if (!fn) {
		snprintf(why, why_size, "%s not found in libnftables", name);
		return false;
	}
	/* POSIX guarantees function pointers convert to and from void *; memcpy avoids the
	 * pedantic object-to-function-pointer cast warning. */
	memcpy(slot, &fn, sizeof(fn));
	return true;
}

int fw_nft_lib_open(struct fw_nft_lib *lib, const char *soname, char *why, size_t why_size)
{
	const char *err;

	memset(lib, 0, sizeof(*lib));
	lib->handle = dlopen(soname ? soname : EDGESEC_LIBNFTABLES_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib->handle) {
		err = dlerror();
		str_copy(why, why_size, err ? err : "dlopen failed");
		return -1;
	}
	if (!lookup(lib->handle, "nft_ctx_new", &lib->ctx_new, why, why_size) ||
	    !lookup(lib->handle, "nft_ctx_free", &lib->ctx_free, why, why_size) ||
	    !lookup(lib->handle, "nft_ctx_output_set_flags", &lib->ctx_output_set_flags, why,
		    why_size) ||
	    !lookup(lib->handle, "nft_ctx_buffer_output", &lib->ctx_buffer_output, why, why_size) ||
	    !lookup(lib->handle, "nft_ctx_buffer_error", &lib->ctx_buffer_error, why, why_size) ||
	    !lookup(lib->handle, "nft_ctx_get_output_buffer", &lib->ctx_get_output_buffer, why,
		    why_size) ||
	    !lookup(lib->handle, "nft_ctx_get_error_buffer", &lib->ctx_get_error_buffer, why,
		    why_size) ||
	    !lookup(lib->handle, "nft_run_cmd_from_buffer", &lib->run_cmd_from_buffer, why,
		    why_size)) {
		fw_nft_lib_close(lib);
		return -1;
	}
	return 0;
}

void fw_nft_lib_close(struct fw_nft_lib *lib)
{
	if (lib->handle)
		dlclose(lib->handle);
	memset(lib, 0, sizeof(*lib));
}

#endif /* EDGESEC_HAVE_NFTABLES */
