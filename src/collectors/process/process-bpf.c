/* SPDX-License-Identifier: MIT */
/*
 * eBPF capture backend of the process collector (program: bpf/process.bpf.c, records:
 * bpf/process.h, skeleton generated at build time).
 *
 * Attach points are chosen by probing the running kernel, never by its version:
 *   - a tp_btf variant is used when the kernel's BTF has the tracepoint's btf_trace_<name>
 *     type (typed arguments, no tracefs needed);
 *   - otherwise the classic tracepoint is used when tracefs lists it (tracefs is mounted on
 *     /sys/kernel/tracing if no tracefs is mounted at all);
 *   - if loading with tp_btf variants fails, the load is retried with classic tracepoints.
 * exec and exit are required; TCP (inet_sock_set_state), accept/accept4 and UDP
 * (connect/sendto) are optional: without them the collector runs "degraded" and says which
 * hook is missing.  The choice is readable through process_bpf_describe().
 *
 * The ring buffer (PROCESS_RINGBUF_BYTES) is the only queue: its epoll fd is the collector's
 * fd; dispatch consumes what is there.  When it is full the kernel drops the record and
 * counts it per kind in the program's global `lost_records` (memory-mapped: read without a
 * bpf() call, so after the agent dropped its capabilities too); dispatch turns the kinds
 * into stats.lost and stats.lost_by_type (ProcessCreate, ProcessTerminate, ConnectionCreate).  libbpf's messages are never
 * printed; the last one is kept for the error text.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "process-int.h"

#ifdef EDGESEC_HAVE_BPF

#include <stdarg.h>
#include <sys/mount.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "process.skel.h"

enum hook_mode {
	HOOK_NONE,
	HOOK_BTF,
	HOOK_TP,
};

static const char *const hook_mode_names[] = {
	[HOOK_NONE] = "none",
	[HOOK_BTF] = "tp_btf",
	[HOOK_TP] = "tracepoint",
};

struct hook {
	const char *name;
	const char *btf_prog, *btf_event; /* tp_btf variant, or NULL */
	const char *tp_progs[2];	  /* classic variant: attached together */
	const char *tp_events[2];	  /* "category/name" */
	bool required;
};

static const struct hook hooks[] = {
	{ "exec",
	  "exec_btf",
	  "sched_process_exec",
	  { "exec_tp" },
	  { "sched/sched_process_exec" },
	  true },
	{ "exit",
	  "exit_btf",
	  "sched_process_exit",
	  { "exit_tp" },
	  { "sched/sched_process_exit" },
	  true },
	{ "tcp",
	  "state_btf",
	  "inet_sock_set_state",
	  { "state_tp" },
	  { "sock/inet_sock_set_state" },
	  false },
	{ "accept", NULL, NULL, { "accept_exit" }, { "syscalls/sys_exit_accept" }, false },
	{ "accept4", NULL, NULL, { "accept4_exit" }, { "syscalls/sys_exit_accept4" }, false },
	{ "udp-connect",
	  NULL,
	  NULL,
	  { "connect_enter", "connect_exit" },
	  { "syscalls/sys_enter_connect", "syscalls/sys_exit_connect" },
	  false },
	{ "udp-sendto",
	  NULL,
	  NULL,
	  { "sendto_enter", "sendto_exit" },
	  { "syscalls/sys_enter_sendto", "syscalls/sys_exit_sendto" },
	  false },
};

#define N_HOOKS (sizeof(hooks) / sizeof(hooks[0]))
#define LINKS_MAX (N_HOOKS * 2)

struct bpf_state {
	struct process_bpf *skel;
	struct ring_buffer *rb;
	struct bpf_link *links[LINKS_MAX];
	size_t n_links;
	enum hook_mode mode[N_HOOKS];
	char describe[192];
};

static char libbpf_last[160];

bool process_bpf_prefer_tracepoints;
uint32_t process_bpf_ringbuf_bytes;
uint64_t process_bpf_only_cgroup_id;

static int libbpf_print_keep(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[sizeof(libbpf_last)];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strcspn(msg, "\n");
	msg[n] = '\0';
	if (n)
		memcpy(libbpf_last, msg, n + 1);
	return 0;
}

static const char *tracefs_events(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing/events",
					    "/sys/kernel/debug/tracing/events" };

	for (size_t i = 0; i < 2; i++)
		if (access(dirs[i], F_OK) == 0)
			return dirs[i];
	/* No tracefs anywhere: mount it where the kernel expects it. */
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) == 0 &&
	    access(dirs[0], F_OK) == 0)
		return dirs[0];
	return NULL;
}

static bool tp_exists(const char *events, const char *event)
{
	char path[256];

	if (!events || !event)
		return !event;
	snprintf(path, sizeof(path), "%s/%s/id", events, event);
	return access(path, F_OK) == 0;
}

static bool btf_has_event(const struct btf *btf, const char *event)
{
	char name[128];

	if (!btf || !event)
		return false;
	snprintf(name, sizeof(name), "btf_trace_%s", event);
	return btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) >= 0;
}

static void hooks_probe(struct bpf_state *b, bool allow_btf)
{
	struct btf *btf = allow_btf ? btf__load_vmlinux_btf() : NULL;
	const char *events = tracefs_events();

	for (size_t i = 0; i < N_HOOKS; i++) {
		const struct hook *h = &hooks[i];

		if (h->btf_prog && btf_has_event(btf, h->btf_event))
			b->mode[i] = HOOK_BTF;
		else if (tp_exists(events, h->tp_events[0]) && tp_exists(events, h->tp_events[1]))
			b->mode[i] = HOOK_TP;
		else
			b->mode[i] = HOOK_NONE;
	}
	btf__free(btf);
}

static struct bpf_program *prog_find(struct bpf_state *b, const char *name)
{
	return name ? bpf_object__find_program_by_name(b->skel->obj, name) : NULL;
}

/* Opens the skeleton with only the chosen variants set to load, and loads it. */
static int skel_load(struct bpf_state *b)
{
	struct bpf_program *p;
	int r;

	b->skel = process_bpf__open();
	if (!b->skel)
		return -errno ? -errno : -EINVAL;
	if (process_bpf_ringbuf_bytes &&
	    (r = bpf_map__set_max_entries(b->skel->maps.events, process_bpf_ringbuf_bytes)) < 0)
		goto fail;
	b->skel->rodata->only_cgroup_id = process_bpf_only_cgroup_id;
	bpf_object__for_each_program(p, b->skel->obj) bpf_program__set_autoload(p, false);
	for (size_t i = 0; i < N_HOOKS; i++) {
		const struct hook *h = &hooks[i];

		if (b->mode[i] == HOOK_BTF) {
			bpf_program__set_autoload(prog_find(b, h->btf_prog), true);
		} else if (b->mode[i] == HOOK_TP) {
			for (size_t k = 0; k < 2; k++)
				if ((p = prog_find(b, h->tp_progs[k])))
					bpf_program__set_autoload(p, true);
		}
	}
	r = process_bpf__load(b->skel);
	if (r < 0)
		goto fail;
	return 0;
fail:
	process_bpf__destroy(b->skel);
	b->skel = NULL;
	return r;
}

static int hook_attach(struct bpf_state *b, size_t i)
{
	const struct hook *h = &hooks[i];
	const char *names[2] = { NULL, NULL };

	if (b->mode[i] == HOOK_BTF)
		names[0] = h->btf_prog;
	else if (b->mode[i] == HOOK_TP)
		names[0] = h->tp_progs[0], names[1] = h->tp_progs[1];
	else
		return -ENOENT;
	for (size_t k = 0; k < 2 && names[k]; k++) {
		struct bpf_link *l = bpf_program__attach(prog_find(b, names[k]));

		if (!l)
			return -errno ? -errno : -EINVAL;
		b->links[b->n_links++] = l;
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct collector *c = ctx;
	struct process_view v;

	if (process_record_decode(data, size, &v) < 0) {
		c->stats.skipped++;
		return 0;
	}
	process_view_emit(c, &v);
	return 0;
}

/* Kernel losses by kind → stats.lost and stats.lost_by_type (a read of mapped memory). */
static const enum event_type loss_event_type[PROCESS_LOSS_KINDS] = {
	[PROCESS_LOSS_EXEC] = EVENT_PROCESS_CREATE,
	[PROCESS_LOSS_EXIT] = EVENT_PROCESS_TERMINATE,
	[PROCESS_LOSS_TCP_CONNECT] = EVENT_CONNECTION_CREATE,
	[PROCESS_LOSS_TCP_ACCEPT] = EVENT_CONNECTION_CREATE,
	[PROCESS_LOSS_UDP] = EVENT_CONNECTION_CREATE,
};

static void lost_update(struct collector *c, struct bpf_state *b)
{
	uint64_t by_type[_EVENT_TYPE_MAX] = { 0 }, sum = 0;

	if (!b->skel->bss)
		return;
	for (int k = 0; k < PROCESS_LOSS_KINDS; k++) {
		uint64_t n = __atomic_load_n(&b->skel->bss->lost_records[k], __ATOMIC_RELAXED);

		by_type[loss_event_type[k]] += n;
		sum += n;
	}
	c->stats.lost = sum;
	memcpy(c->stats.lost_by_type, by_type, sizeof(by_type));
}

static void bpf_stop(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct bpf_state *b = s->backend_state;

	if (!b)
		return;
	if (b->skel)
		lost_update(c, b);
	for (size_t i = 0; i < b->n_links; i++)
		bpf_link__destroy(b->links[i]);
	ring_buffer__free(b->rb);
	process_bpf__destroy(b->skel);
	es_free(b);
	s->backend_state = NULL;
}

static int bpf_attach_all(struct collector *c, struct bpf_state *b)
{
	char missing[96] = "";
	size_t off = 0, used = 0;
	int r;

	for (size_t i = 0; i < N_HOOKS; i++) {
		r = b->mode[i] == HOOK_NONE ? -ENOENT : hook_attach(b, i);
		if (r < 0) {
			if (hooks[i].required) {
				collector_set_error(c, COLLECTOR_STATE_FAILED,
						    "cannot attach the %s hook: %s", hooks[i].name,
						    libbpf_last[0] ? libbpf_last : strerror(-r));
				return r;
			}
			b->mode[i] = HOOK_NONE;
			off += (size_t)snprintf(missing + off, sizeof(missing) - off, "%s%s",
						off ? ", " : "", hooks[i].name);
			if (off >= sizeof(missing))
				off = sizeof(missing) - 1;
		}
		used += (size_t)snprintf(b->describe + used, sizeof(b->describe) - used, "%s%s:%s",
					 used ? " " : "", hooks[i].name,
					 hook_mode_names[b->mode[i]]);
		if (used >= sizeof(b->describe))
			used = sizeof(b->describe) - 1;
	}
	if (missing[0])
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "eBPF without %s", missing);
	return 0;
}

static int bpf_start(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct bpf_state *b;
	bool any_btf = false;
	int r;

	libbpf_set_print(libbpf_print_keep);
	libbpf_last[0] = '\0';
	b = es_calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	s->backend_state = b;
	hooks_probe(b, !process_bpf_prefer_tracepoints);
	for (size_t i = 0; i < N_HOOKS; i++)
		any_btf |= b->mode[i] == HOOK_BTF;
	r = skel_load(b);
	if (r < 0 && any_btf) {
		hooks_probe(b, false); /* tp_btf refused: retry with classic tracepoints */
		r = skel_load(b);
	}
	if (r < 0) {
		collector_set_error(c, COLLECTOR_STATE_FAILED, "cannot load the eBPF program: %s",
				    libbpf_last[0] ? libbpf_last : strerror(-r));
		goto fail;
	}
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), on_record, c, NULL);
	if (!b->rb) {
		r = -errno ? -errno : -EINVAL;
		collector_set_error(c, COLLECTOR_STATE_FAILED, "cannot open the ring buffer: %s",
				    strerror(-r));
		goto fail;
	}
	r = bpf_attach_all(c, b);
	if (r < 0)
		goto fail;
	return 0;
fail:
	bpf_stop(c);
	return r;
}

static int bpf_get_fd(struct collector *c)
{
	struct bpf_state *b = ((struct process_state *)collector_state(c))->backend_state;

	return ring_buffer__epoll_fd(b->rb);
}

static void bpf_dispatch(struct collector *c, uint32_t revents)
{
	struct bpf_state *b = ((struct process_state *)collector_state(c))->backend_state;

	(void)revents;
	if (ring_buffer__consume(b->rb) < 0)
		c->stats.errors++;
	lost_update(c, b);
}

const char *process_bpf_describe(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct bpf_state *b = s->backend == &process_backend_bpf ? s->backend_state : NULL;

	return b ? b->describe : NULL;
}

const struct process_backend process_backend_bpf = {
	.name = "ebpf",
	.start = bpf_start,
	.get_fd = bpf_get_fd,
	.dispatch = bpf_dispatch,
	.stop = bpf_stop,
};

#else /* !EDGESEC_HAVE_BPF */

static int bpf_start_unavailable(struct collector *c)
{
	collector_set_error(
		c, COLLECTOR_STATE_FAILED,
		"built without eBPF support (ENABLE_BPF=OFF or no clang/bpftool/libbpf)");
	return -EOPNOTSUPP;
}

bool process_bpf_prefer_tracepoints;
uint32_t process_bpf_ringbuf_bytes;
uint64_t process_bpf_only_cgroup_id;

const char *process_bpf_describe(struct collector *c)
{
	(void)c;
	return NULL;
}

const struct process_backend process_backend_bpf = {
	.name = "ebpf",
	.start = bpf_start_unavailable,
};

#endif
