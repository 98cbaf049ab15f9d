/* SPDX-License-Identifier: MIT */
/*
 * eBPF capture backend of the process collector (program: bpf/process.bpf.c, records:
 * bpf/process.h, skeleton generated at build time).
 *
 * Attach points are chosen by probing the running kernel, never by its version:
 *   - the BTF variant of a tracepoint hook (attached as a raw tracepoint: no tracefs, and no
 *     BTF needed to attach it) is used when the kernel's BTF has the tracepoint's
 *     btf_trace_<name> type;
 *   - otherwise the classic tracepoint is used when tracefs lists it (tracefs is mounted on
 *     /sys/kernel/tracing if no tracefs is mounted at all);
 *   - if loading with the BTF variants fails, the load is retried with classic tracepoints.
 * The kernel BTF is read through process-bpf-btf.c: the probe's lookups, and a minimal BTF for
 * CO-RE (btf_custom_path), so libbpf never loads the whole vmlinux BTF (the start-up peak)
 * unless an fexit program needs it to attach, or the minimal BTF cannot be made or loaded
 * (then the load is done again the usual way).
 * exec and exit are required; TCP (inet_sock_set_state), accept/accept4, UDP
 * (connect/sendto/recv) and UDP binds are optional: without them the collector runs "degraded" and
 * says which hook is missing.  The choice is readable through process_bpf_describe().
 *
 * The ring buffer (PROCESS_RINGBUF_BYTES) is the only queue: its epoll fd is the collector's
 * fd; dispatch consumes what is there.  When it is full the kernel drops the record and
 * counts it per kind in the program's global `lost_records` (memory-mapped: read without a
 * bpf() call, so after the agent dropped its capabilities too); dispatch turns the kinds
 * into stats.lost and stats.lost_by_type (ProcessCreate, ProcessTerminate, ConnectionCreate,
 * ListenerCreate).
 * libbpf's messages are never printed; the last one is kept for the error text.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/fileio.h"
#include "common/str.h"
#include "process-bpf-btf.h"
#include "process-int.h"

#ifdef EDGESEC_HAVE_BPF

#include <stdarg.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/timerfd.h>
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

/* How a hook's BTF variant attaches: a BTF tracepoint, or fexit on kernel functions. */
enum btf_kind {
	BTF_TRACEPOINT, /* btf_names: events, present when vmlinux BTF has btf_trace_<name> */
	BTF_FEXIT,	/* btf_names: functions, present when vmlinux BTF has them */
};

#define HOOK_PROGS 4

struct hook {
	const char *name;
	enum btf_kind btf_kind;
	const char *btf_progs[HOOK_PROGS]; /* BTF variant: attached together, or none */
	const char *btf_names[HOOK_PROGS];
	const char *tp_progs[HOOK_PROGS];  /* classic variant: attached together */
	const char *tp_events[HOOK_PROGS]; /* "category/name" */
	bool required;
};

static const struct hook hooks[] = {
	{ "exec",
	  BTF_TRACEPOINT,
	  { "exec_btf" },
	  { "sched_process_exec" },
	  { "exec_tp" },
	  { "sched/sched_process_exec" },
	  true },
	{ "exit",
	  BTF_TRACEPOINT,
	  { "exit_btf" },
	  { "sched_process_exit" },
	  { "exit_tp" },
	  { "sched/sched_process_exit" },
	  true },
	{ "tcp",
	  BTF_TRACEPOINT,
	  { "state_btf" },
	  { "inet_sock_set_state" },
	  { "state_tp" },
	  { "sock/inet_sock_set_state" },
	  false },
	{ "accept",
	  BTF_TRACEPOINT,
	  { NULL },
	  { NULL },
	  { "accept_exit" },
	  { "syscalls/sys_exit_accept" },
	  false },
	{ "accept4",
	  BTF_TRACEPOINT,
	  { NULL },
	  { NULL },
	  { "accept4_exit" },
	  { "syscalls/sys_exit_accept4" },
	  false },
	{ "udp-connect",
	  BTF_TRACEPOINT,
	  { NULL },
	  { NULL },
	  { "connect_enter", "connect_exit" },
	  { "syscalls/sys_enter_connect", "syscalls/sys_exit_connect" },
	  false },
	/* Sends: every path with fexit; sendto() and sendmsg() without (sendmmsg: gap). */
	{ "udp-send",
	  BTF_FEXIT,
	  { "udp4_send_exit", "udp6_send_exit" },
	  { "udp_sendmsg", "udpv6_sendmsg" },
	  { "sendto_enter", "sendto_exit", "sendmsg_enter", "sendmsg_exit" },
	  { "syscalls/sys_enter_sendto", "syscalls/sys_exit_sendto", "syscalls/sys_enter_sendmsg",
	    "syscalls/sys_exit_sendmsg" },
	  false },
	/* Receives (inbound UDP): every path with fexit; recvfrom() and recvmsg() without. */
	{ "udp-recv",
	  BTF_FEXIT,
	  { "udp4_recv_exit", "udp6_recv_exit" },
	  { "udp_recvmsg", "udpv6_recvmsg" },
	  { "recvfrom_enter", "recvfrom_exit", "recvmsg_enter", "recvmsg_exit" },
	  { "syscalls/sys_enter_recvfrom", "syscalls/sys_exit_recvfrom",
	    "syscalls/sys_enter_recvmsg", "syscalls/sys_exit_recvmsg" },
	  false },
	/* UDP listeners (ListenerCreate udp): every bind with fexit; bind() without. */
	{ "udp-bind",
	  BTF_FEXIT,
	  { "bind4_exit", "bind6_exit" },
	  { "inet_bind", "inet6_bind" },
	  { "bind_enter", "bind_exit" },
	  { "syscalls/sys_enter_bind", "syscalls/sys_exit_bind" },
	  false },
};

#define N_HOOKS ARRAY_SIZE(hooks)
#define LINKS_MAX (N_HOOKS * HOOK_PROGS)

/*
 * The program wakes us at most once per WAKEUP_NS (and when the ring is a quarter full); the
 * records that came without a wakeup are read by a sweep SWEEP_NS after each read that found
 * records (a timerfd in the ring buffer's epoll set, so the collector keeps one fd).
 */
#define WAKEUP_NS (50ull * 1000 * 1000)
#define SWEEP_NS (WAKEUP_NS + 5ull * 1000 * 1000)

struct bpf_state {
	struct process_bpf *skel;
	struct ring_buffer *rb;
	int sweep_fd; /* timerfd, or -1: a wakeup per record (the ring's own policy) */
	struct bpf_link *links[LINKS_MAX];
	size_t n_links;
	enum hook_mode mode[N_HOOKS];
	bool btf_refused[N_HOOKS]; /* its BTF variant failed to attach: classic only */
	/* ids of the BTF variants' names in the kernel BTF (0: absent), if btf.found */
	uint32_t btf_ids[N_HOOKS][HOOK_PROGS];
	struct process_bpf_btf btf; /* lookups and the minimal BTF (until loaded) */
	bool full_btf;		    /* load without the minimal BTF */
	char describe[256];
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

static bool btf_has(const struct btf *btf, enum btf_kind kind, const char *name)
{
	char typedef_name[128];

	if (!btf || !name)
		return false;
	if (kind == BTF_FEXIT)
		return btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) >= 0;
	snprintf(typedef_name, sizeof(typedef_name), "btf_trace_%s", name);
	return btf__find_by_name_kind(btf, typedef_name, BTF_KIND_TYPEDEF) >= 0;
}

/* Every name of a variant is there (a variant without programs never is). */
static bool variant_exists(const char *const progs[HOOK_PROGS], const char *const names[HOOK_PROGS],
			   bool (*has)(const void *ctx, const char *name), const void *ctx)
{
	if (!progs[0])
		return false;
	for (size_t k = 0; k < HOOK_PROGS && progs[k]; k++)
		if (!has(ctx, names[k]))
			return false;
	return true;
}

struct btf_probe {
	const struct btf *btf;
	enum btf_kind kind;
};

static bool has_btf(const void *ctx, const char *name)
{
	const struct btf_probe *p = ctx;

	return btf_has(p->btf, p->kind, name);
}

static bool has_tp(const void *ctx, const char *event)
{
	return tp_exists(ctx, event);
}

/*
 * Whether the kernel loads an fexit program on func at all: a two-instruction program, so
 * that a kernel (or security policy) refusing fexit costs this, not a failed load of the
 * whole object.  Attaching can still fail (no BPF trampoline): bpf_attach_all() handles that.
 */
static bool fexit_loads(int id)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FEXIT);

	if (id <= 0)
		return false;
	opts.attach_btf_id = (__u32)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "edgesec_probe", "Dual MIT/GPL", insns, 2, &opts);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Whether hook i's BTF variant exists in this kernel (all of its names are in its BTF). */
static bool btf_variant_exists(const struct bpf_state *b, const struct btf *btf, size_t i)
{
	const struct hook *h = &hooks[i];
	struct btf_probe bp = { btf, h->btf_kind };

	if (!b->btf.found)
		return variant_exists(h->btf_progs, h->btf_names, has_btf, &bp);
	if (!h->btf_progs[0])
		return false;
	for (size_t k = 0; k < HOOK_PROGS && h->btf_progs[k]; k++)
		if (!b->btf_ids[i][k])
			return false;
	return true;
}

static int fexit_target(const struct bpf_state *b, const struct btf *btf, size_t i)
{
	if (b->btf.found)
		return (int)b->btf_ids[i][0];
	return btf ? btf__find_by_name_kind(btf, hooks[i].btf_names[0], BTF_KIND_FUNC) : -1;
}

static void hooks_probe(struct bpf_state *b, bool allow_btf)
{
	/* Only when the kernel BTF could not be indexed: libbpf's full parse. */
	struct btf *btf = allow_btf && !b->btf.found ? btf__load_vmlinux_btf() : NULL;
	bool have_btf = allow_btf && (b->btf.found || btf);
	const char *events = tracefs_events();
	int fexit_ok = -1; /* not probed yet */

	for (size_t i = 0; i < N_HOOKS; i++) {
		const struct hook *h = &hooks[i];

		if (have_btf && h->btf_kind == BTF_FEXIT && !b->btf_refused[i]) {
			if (fexit_ok < 0)
				fexit_ok = fexit_loads(fexit_target(b, btf, i));
			b->btf_refused[i] = !fexit_ok;
		}
		if (have_btf && !b->btf_refused[i] && btf_variant_exists(b, btf, i))
			b->mode[i] = HOOK_BTF;
		else if (events && variant_exists(h->tp_progs, h->tp_events, has_tp, events))
			b->mode[i] = HOOK_TP;
		else
			b->mode[i] = HOOK_NONE;
	}
	btf__free(btf);
}

/*
 * Indexes the kernel BTF once per start (process-bpf-btf.c): the names the probe looks up,
 * and the minimal BTF for the program's types (from a skeleton opened only to read them).
 */
static void btf_prepare(struct bpf_state *b)
{
	struct process_bpf_btf_lookup lk[N_HOOKS * HOOK_PROGS];
	char names[N_HOOKS * HOOK_PROGS][64];
	size_t n = 0;
	struct process_bpf *skel = process_bpf__open();

	for (size_t i = 0; i < N_HOOKS; i++)
		for (size_t k = 0; k < HOOK_PROGS && hooks[i].btf_names[k]; k++, n++) {
			bool tp = hooks[i].btf_kind == BTF_TRACEPOINT;

			snprintf(names[n], sizeof(names[n]), "%s%s", tp ? "btf_trace_" : "",
				 hooks[i].btf_names[k]);
			lk[n] = (struct process_bpf_btf_lookup){
				names[n], tp ? BTF_KIND_TYPEDEF : BTF_KIND_FUNC, 0
			};
		}
	(void)process_bpf_btf_prepare(&b->btf, skel ? bpf_object__btf(skel->obj) : NULL, lk, n);
	process_bpf__destroy(skel);
	n = 0;
	for (size_t i = 0; i < N_HOOKS && b->btf.found; i++)
		for (size_t k = 0; k < HOOK_PROGS && hooks[i].btf_names[k]; k++)
			b->btf_ids[i][k] = lk[n++].ret_id;
}

static struct bpf_program *prog_find(const struct bpf_state *b, const char *name)
{
	return name ? bpf_object__find_program_by_name(b->skel->obj, name) : NULL;
}

/*
 * The BPF object embedded by the skeleton (~200 KiB of our .rodata) is read only while the
 * skeleton opens and loads; afterwards its pages are handed back (clean file-backed pages:
 * if anything reads them again they are simply faulted in from the binary again).
 */
static void release_object_pages(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = 0;
	uintptr_t at = (uintptr_t)process_bpf__elf_bytes(&size), start, end;

	if (page <= 0)
		return;
	start = (at + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	end = (at + size) & ~((uintptr_t)page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_DONTNEED);
}

/*
 * The cgroup hierarchy whose path the exec program records (exec-path.c): from /proc/cgroups,
 * the default hierarchy when it cannot be read.
 */
static enum process_cgroup_source cgroup_source_read(void)
{
	enum process_cgroup_source src;
	char *text = NULL;
	size_t len = 0;

	if (read_file_capped("/proc/cgroups", 16384, &text, &len) < 0)
		return PROCESS_CGROUP_SOURCE_DFL;
	src = process_cgroup_source_parse(text, len);
	es_free(text);
	return src;
}

/* Opens the skeleton with only the chosen variants set to load, and loads it. */
static int skel_load(struct bpf_state *b)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct bpf_program *p;
	int r;

	if (!b->full_btf && b->btf.path[0])
		opts.btf_custom_path = b->btf.path;
	b->skel = process_bpf__open_opts(&opts);
	if (!b->skel)
		return -errno ? -errno : -EINVAL;
	if (process_bpf_ringbuf_bytes &&
	    (r = bpf_map__set_max_entries(b->skel->maps.events, process_bpf_ringbuf_bytes)) < 0)
		goto fail;
	b->skel->rodata->only_cgroup_id = process_bpf_only_cgroup_id;
	b->skel->rodata->cgroup_source = cgroup_source_read();
	b->skel->rodata->wakeup_ns = b->sweep_fd >= 0 ? WAKEUP_NS : 0;
	b->skel->rodata->wakeup_bytes =
		(process_bpf_ringbuf_bytes ? process_bpf_ringbuf_bytes : PROCESS_RINGBUF_BYTES) / 4;
	bpf_object__for_each_program(p, b->skel->obj) bpf_program__set_autoload(p, false);
	for (size_t i = 0; i < N_HOOKS; i++) {
		const char *const *progs = b->mode[i] == HOOK_BTF  ? hooks[i].btf_progs
					   : b->mode[i] == HOOK_TP ? hooks[i].tp_progs
								   : NULL;

		for (size_t k = 0; progs && k < HOOK_PROGS; k++)
			if ((p = prog_find(b, progs[k])))
				bpf_program__set_autoload(p, true);
	}
	r = process_bpf__load(b->skel);
	if (r < 0)
		goto fail;
	release_object_pages();
	return 0;
fail:
	process_bpf__destroy(b->skel);
	b->skel = NULL;
	return r;
}

static int hook_attach(struct bpf_state *b, size_t i)
{
	const char *const *names = b->mode[i] == HOOK_BTF  ? hooks[i].btf_progs
				   : b->mode[i] == HOOK_TP ? hooks[i].tp_progs
							   : NULL;

	if (!names)
		return -ENOENT;
	for (size_t k = 0; k < HOOK_PROGS && names[k]; k++) {
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
	[PROCESS_LOSS_TCP_LISTEN] = EVENT_LISTENER_CREATE,
	[PROCESS_LOSS_UDP_BIND] = EVENT_LISTENER_CREATE,
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

/* The sweep timer joins the ring buffer's epoll set: its expiry makes the collector's fd ready. */
static int sweep_add(struct bpf_state *b)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = b->sweep_fd };

	if (b->sweep_fd < 0)
		return 0;
	return epoll_ctl(ring_buffer__epoll_fd(b->rb), EPOLL_CTL_ADD, b->sweep_fd, &ev);
}

/* Links, ring buffer and program; b itself (and what was refused) stays. */
static void bpf_teardown(struct bpf_state *b)
{
	for (size_t i = 0; i < b->n_links; i++)
		bpf_link__destroy(b->links[i]);
	b->n_links = 0;
	ring_buffer__free(b->rb);
	b->rb = NULL;
	process_bpf__destroy(b->skel);
	b->skel = NULL;
}

static void bpf_stop(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct bpf_state *b = s->backend_state;

	if (!b)
		return;
	if (b->skel)
		lost_update(c, b);
	bpf_teardown(b);
	process_bpf_btf_done(&b->btf);
	if (b->sweep_fd >= 0)
		close(b->sweep_fd);
	es_free(b);
	s->backend_state = NULL;
}

static void describe_add(struct bpf_state *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void describe_add(struct bpf_state *b, const char *fmt, ...)
{
	size_t used = strlen(b->describe);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->describe + used, sizeof(b->describe) - used, fmt, ap);
	va_end(ap);
}

static const char *mode_name(size_t i, enum hook_mode m)
{
	if (m == HOOK_BTF)
		return hooks[i].btf_kind == BTF_FEXIT ? "fexit" : "raw_tp";
	return m == HOOK_TP ? "tracepoint" : "none";
}

/*
 * Attaches every hook in its chosen variant.  -EAGAIN: an optional hook's BTF variant could
 * not attach (no BPF trampoline, say) while a classic one exists; it is marked refused and
 * the caller loads again.
 */
static int bpf_attach_all(struct collector *c, struct bpf_state *b)
{
	char missing[96] = "";
	size_t off = 0, used = 0;
	int r;

	for (size_t i = 0; i < N_HOOKS; i++) {
		r = b->mode[i] == HOOK_NONE ? -ENOENT : hook_attach(b, i);
		if (r < 0 && b->mode[i] == HOOK_BTF && !hooks[i].required && hooks[i].tp_progs[0]) {
			b->btf_refused[i] = true;
			return -EAGAIN;
		}
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
					 used ? " " : "", hooks[i].name, mode_name(i, b->mode[i]));
		if (used >= sizeof(b->describe))
			used = sizeof(b->describe) - 1;
	}
	if (missing[0])
		collector_set_error(c, COLLECTOR_STATE_DEGRADED, "eBPF without %s", missing);
	return 0;
}

/*
 * Probes and loads: with every BTF variant found; if the kernel refuses the load, without the
 * fexit ones; then with classic tracepoints only.
 */
static int bpf_load(struct bpf_state *b)
{
	bool allow_btf = !process_bpf_prefer_tracepoints;
	int r = -ENOENT;

	for (int attempt = 0; attempt < 3; attempt++) {
		bool any_btf = false, any_fexit = false;

		hooks_probe(b, allow_btf);
		for (size_t i = 0; i < N_HOOKS; i++) {
			any_btf |= b->mode[i] == HOOK_BTF;
			any_fexit |= b->mode[i] == HOOK_BTF && hooks[i].btf_kind == BTF_FEXIT;
		}
		r = skel_load(b);
		if (r >= 0 || !any_btf)
			return r;
		if (any_fexit) {
			for (size_t i = 0; i < N_HOOKS; i++)
				b->btf_refused[i] |= hooks[i].btf_kind == BTF_FEXIT;
		} else {
			allow_btf = false;
		}
	}
	return r;
}

static int bpf_start(struct collector *c)
{
	struct process_state *s = collector_state(c);
	struct bpf_state *b;
	int r;

	libbpf_set_print(libbpf_print_keep);
	libbpf_last[0] = '\0';
	b = es_calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	s->backend_state = b;
	b->sweep_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	btf_prepare(b);
	for (size_t round = 0; round <= N_HOOKS; round++) {
		r = bpf_load(b);
		if (r < 0 && !b->full_btf && b->btf.path[0]) {
			/* not with the minimal BTF: the usual way, libbpf reading all of it */
			b->full_btf = true;
			memset(b->btf_refused, 0, sizeof(b->btf_refused));
			r = bpf_load(b);
		}
		if (r < 0) {
			collector_set_error(c, COLLECTOR_STATE_FAILED,
					    "cannot load the eBPF program: %s",
					    libbpf_last[0] ? libbpf_last : strerror(-r));
			goto fail;
		}
		b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), on_record, c, NULL);
		if (!b->rb || sweep_add(b) < 0) {
			r = -errno ? -errno : -EINVAL;
			collector_set_error(c, COLLECTOR_STATE_FAILED,
					    "cannot open the ring buffer: %s", strerror(-r));
			goto fail;
		}
		r = bpf_attach_all(c, b);
		if (r != -EAGAIN)
			break;
		bpf_teardown(b); /* a BTF variant would not attach: again without it */
	}
	if (r < 0)
		goto fail;
	/* which BTF CO-RE used: the minimal one, or libbpf's full load (and why) */
	if (b->btf.path[0] && !b->full_btf)
		describe_add(b, " btf:minimal(%zu)", b->btf.bytes);
	else
		describe_add(b, " btf:full(%s)", b->full_btf ? "minimal refused" : b->btf.error);
	process_bpf_btf_done(&b->btf);
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
	struct itimerspec when = { .it_value.tv_nsec = 0 };
	uint64_t expirations;
	int n;

	(void)revents;
	/* Clears an expiry of the sweep (EAGAIN when the program woke us instead). */
	if (b->sweep_fd >= 0 && read(b->sweep_fd, &expirations, sizeof(expirations)) < 0)
		expirations = 0;
	n = ring_buffer__consume(b->rb);
	if (n < 0)
		c->stats.errors++;
	lost_update(c, b);
	/* Records found: some may have come without a wakeup, sweep again; none: disarm. */
	if (b->sweep_fd >= 0) {
		if (n > 0)
			when.it_value = (struct timespec){ 0, (long)SWEEP_NS };
		(void)timerfd_settime(b->sweep_fd, 0, &when, NULL);
	}
}

/* Whether two programs' instructions are the same, map references aside (fds differ). */
static bool insns_equal(const struct bpf_program *p, const struct bpf_program *q)
{
	const struct bpf_insn *a = bpf_program__insns(p), *b = bpf_program__insns(q);
	size_t n = bpf_program__insn_cnt(p);

	if (n != bpf_program__insn_cnt(q))
		return false;
	for (size_t i = 0; i < n; i++) {
		bool map = a[i].code == (BPF_LD | BPF_IMM | BPF_DW) && a[i].src_reg != 0;

		if (a[i].code != b[i].code || a[i].dst_reg != b[i].dst_reg ||
		    a[i].src_reg != b[i].src_reg || a[i].off != b[i].off ||
		    (!map && a[i].imm != b[i].imm))
			return false;
	}
	return true;
}

int process_bpf_btf_selftest(char *ret_what, size_t what_len)
{
	struct bpf_state *b[2] = { es_calloc(1, sizeof(struct bpf_state)),
				   es_calloc(1, sizeof(struct bpf_state)) };
	struct bpf_program *p;
	int r = -ENOMEM;

	libbpf_set_print(libbpf_print_keep);
	str_copy(ret_what, what_len, "");
	if (!b[0] || !b[1])
		goto out;
	b[0]->sweep_fd = b[1]->sweep_fd = -1;
	btf_prepare(b[0]);
	if (!b[0]->btf.path[0]) {
		snprintf(ret_what, what_len, "no minimal BTF: %s", b[0]->btf.error);
		r = -ENOENT;
		goto out;
	}
	hooks_probe(b[0], true);
	memcpy(b[1]->mode, b[0]->mode, sizeof(b[0]->mode));
	b[1]->full_btf = true;
	if ((r = skel_load(b[0])) < 0 || (r = skel_load(b[1])) < 0) {
		snprintf(ret_what, what_len, "load: %s", libbpf_last);
		goto out;
	}
	r = 0;
	str_copy(ret_what, what_len, "same:");
	bpf_object__for_each_program(p, b[0]->skel->obj)
	{
		struct bpf_program *q = prog_find(b[1], bpf_program__name(p));

		if (!bpf_program__autoload(p))
			continue;
		if (!q || !insns_equal(p, q)) {
			str_copy(ret_what, what_len, bpf_program__name(p));
			r = 1;
			break;
		}
		snprintf(ret_what + strlen(ret_what), what_len - strlen(ret_what), " %s",
			 bpf_program__name(p));
	}
out:
	for (int i = 0; i < 2; i++)
		if (b[i]) {
			bpf_teardown(b[i]);
			process_bpf_btf_done(&b[i]->btf);
			es_free(b[i]);
		}
	return r;
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

int process_bpf_btf_selftest(char *ret_what, size_t what_len)
{
	snprintf(ret_what, what_len, "built without eBPF support");
	return -EOPNOTSUPP;
}

const struct process_backend process_backend_bpf = {
	.name = "ebpf",
	.start = bpf_start_unavailable,
};

#endif
