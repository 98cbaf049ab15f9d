/* SPDX-License-Identifier: MIT */
/*
 * The container lookup: one provider slot, asked on behalf of the collectors that attribute
 * processes to containers.  See container-lookup.h.  Owns nothing but itself.
 */
#include "container-lookup.h"

#include <errno.h>
#include <string.h>

#include "common/alloc.h"

struct container_lookup {
	container_lookup_fn fn;
	void *userdata;
};

struct container_lookup *container_lookup_new(void)
{
	return es_calloc(1, sizeof(struct container_lookup));
}

struct container_lookup *container_lookup_free(struct container_lookup *l)
{
	es_free(l);
	return NULL;
}

int container_lookup_provide(struct container_lookup *l, container_lookup_fn fn, void *userdata)
{
	if (!l)
		return 0;
	if (l->fn && l->userdata != userdata)
		return -EBUSY;
	l->fn = fn;
	l->userdata = userdata;
	return 0;
}

void container_lookup_withdraw(struct container_lookup *l, void *userdata)
{
	if (l && l->userdata == userdata) {
		l->fn = NULL;
		l->userdata = NULL;
	}
}

int container_lookup_find(const struct container_lookup *l, const char *container_id,
			  struct container_info *ret)
{
	if (!l || !l->fn)
		return -ENODEV;
	if (!container_id)
		return -ENOENT;
	return l->fn(l->userdata, container_id, ret);
}
