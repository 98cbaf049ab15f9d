/* SPDX-License-Identifier: MIT */
/*
 * The kernel BTF the eBPF backend needs, without libbpf loading all of it (btf-min.h): the
 * minimal BTF for the program's CO-RE relocations, made at start from the running kernel's
 * /sys/kernel/btf/vmlinux and handed to libbpf as btf_custom_path (a memfd, through
 * /proc/self/fd), and the ids of the names the hook probe looks up (btf_trace_<tracepoint>
 * typedefs, fexit target functions).  The index and the source's buffer are freed before the
 * program is loaded; the memfd is closed once it is.
 *
 * Made on the machine the agent runs on, from that kernel's BTF, so a binary built elsewhere
 * relocates exactly as with the full BTF (no per-kernel files shipped).  Without
 * /sys/kernel/btf/vmlinux, or if the BTF cannot be cut (an unknown BTF kind in a newer kernel,
 * say), the caller loads the usual way and libbpf reads the whole BTF.
 */
#include "process-bpf-btf.h"

#ifdef EDGESEC_HAVE_BPF

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "btf-min.h"
#include "common/alloc.h"
#include "common/buf.h"
#include "common/str.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

static int fd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	int fd = *(int *)ctx;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* shorter than its size said */
		done += (size_t)n;
	}
	return 0;
}

/* Kinds whose names CO-RE matches (a relocation's root and what it walks through). */
static bool named_kind(unsigned kind)
{
	return kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_ENUM ||
	       kind == BTF_KIND_ENUM64 || kind == BTF_KIND_FWD || kind == BTF_KIND_TYPEDEF ||
	       kind == BTF_KIND_INT || kind == BTF_KIND_FLOAT;
}

/*
 * The program's type names, "essential" (a ___flavor suffix cut, as CO-RE does), without
 * duplicates, into names[] (pointing into store, which must outlive the index).
 */
static int local_names(const struct btf *local, const char **names, size_t max, size_t *ret_n,
		       struct buf *store)
{
	size_t n = 0, *at = es_malloc(max * sizeof(*at));
	__u32 count = btf__type_cnt(local);

	if (!at)
		return -ENOMEM;
	for (__u32 id = 1; id < count; id++) {
		const struct btf_type *t = btf__type_by_id(local, id);
		const char *name = t ? btf__name_by_offset(local, t->name_off) : NULL;
		const char *flavor;
		size_t len;
		bool dup = false;

		if (!name || !*name || !named_kind(btf_kind(t)))
			continue;
		flavor = strstr(name, "___");
		len = flavor ? (size_t)(flavor - name) : strlen(name);
		for (size_t i = 0; i < n && !dup; i++)
			dup = strlen(store->data + at[i]) == len &&
			      memcmp(store->data + at[i], name, len) == 0;
		if (dup || !len)
			continue;
		if (n == max) {
			es_free(at);
			return -E2BIG;
		}
		at[n++] = store->len;
		buf_append(store, name, len);
		buf_putc(store, '\0');
	}
	if (store->failed) {
		es_free(at);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		names[i] = store->data + at[i];
	es_free(at);
	*ret_n = n;
	return 0;
}

/* The minimal BTF into a sealed memfd; its /proc/self/fd path in c->path. */
static int write_memfd(struct process_bpf_btf *c, const void *data, size_t len)
{
	int fd = memfd_create("edgesec-core-btf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t done = 0;

	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, (const char *)data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int r = n < 0 ? -errno : -EIO;

			close(fd);
			return r;
		}
		done += (size_t)n;
	}
	(void)fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	c->memfd = fd;
	snprintf(c->path, sizeof(c->path), "/proc/self/fd/%d", fd);
	if (access(c->path, R_OK) < 0) { /* no /proc: libbpf could not open it */
		int r = -errno;

		process_bpf_btf_done(c);
		return r;
	}
	return 0;
}

int process_bpf_btf_prepare(struct process_bpf_btf *c, const struct btf *local,
			    struct process_bpf_btf_lookup *lookups, size_t n_lookups)
{
	const char **names = es_calloc(BTF_MIN_NAMES_MAX, sizeof(*names));
	struct btf_min_error err = { "" };
	struct btf_index *x = NULL;
	struct buf store;
	struct stat st;
	size_t n_roots = 0, out_len = 0;
	void *out = NULL;
	int fd, r;

	memset(c, 0, sizeof(*c));
	c->memfd = -1;
	buf_init(&store, 1 << 20);
	if (!names || n_lookups > BTF_MIN_NAMES_MAX / 2) {
		r = names ? -E2BIG : -ENOMEM;
		fd = -1;
		str_copy(c->error, sizeof(c->error), strerror(-r));
		goto out;
	}
	fd = open(VMLINUX_BTF, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(c->error, sizeof(c->error), "%s: %s", VMLINUX_BTF, strerror(-r));
		goto out;
	}
	r = local ? local_names(local, names, BTF_MIN_NAMES_MAX - n_lookups, &n_roots, &store) : 0;
	if (r < 0) {
		snprintf(c->error, sizeof(c->error), "the program's types: %s", strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < n_lookups; i++)
		names[n_roots + i] = lookups[i].name;
	r = btf_index_open(&(struct btf_min_source){ fd_read, &fd, (uint64_t)st.st_size }, names,
			   n_roots + n_lookups, &x, &err);
	if (r >= 0) {
		for (size_t i = 0; i < n_lookups; i++)
			lookups[i].ret_id = btf_index_find(x, n_roots + i, lookups[i].kind);
		c->found = true;
		if (local)
			r = btf_index_minimal(x, n_roots, &out, &out_len, &err);
	}
	if (r >= 0 && out)
		r = write_memfd(c, out, out_len);
	if (r < 0)
		str_copy(c->error, sizeof(c->error), err.msg[0] ? err.msg : strerror(-r));
	c->bytes = out_len;
out:
	es_free(out);
	btf_index_free(x);
	buf_done(&store);
	es_free(names);
	if (fd >= 0)
		close(fd);
	return r;
}

void process_bpf_btf_done(struct process_bpf_btf *c)
{
	if (c->memfd >= 0)
		close(c->memfd);
	c->memfd = -1;
	c->path[0] = '\0';
}

#endif
