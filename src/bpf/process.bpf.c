// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Process and network activity, captured in the kernel (CO-RE, libbpf skeleton).
 *
 * What it reports (records in process.h, one BPF ring buffer):
 *   exec     sched_process_exec: pid, ppid, uid, gid, comm, the bprm filename (and interp when
 *            it differs: a script's #!), cwd (walked up the dentry tree, bounded), argv read
 *            from the NEW mm's arg_start..arg_end, so even a freshly forked child's argv is
 *            complete; over PROCESS_ARGS_MAX the argv pointers on the new stack are walked and
 *            long arguments cut to head and tail (argv_walk()), so padding hides nothing.
 *            Also what fds 0..2 are (socket with its inet peer, pipe, tty, file, null),
 *            whether the executed file has no links (deleted, memfd), that file's path
 *            (mm->exe_file: symlinks resolved), the path of a regular file on fd 0 (a script
 *            fed on stdin, `bash < /tmp/x.sh`) and the task's cgroup in the hierarchy user
 *            space chose (`cgroup_source`): the container is known even when the process is
 *            gone before the record is read.
 *   exit     sched_process_exit, once per thread group (when signal->live drops to 0).
 *   connect  TCP out: inet_sock_set_state.  CLOSE->SYN_SENT runs inside connect() in the
 *            caller's context, so the owner is remembered per socket there; SYN_SENT->
 *            ESTABLISHED (blocking or not, often in softirq context) emits with that owner.
 *            TCP in: the exit of accept()/accept4(), in the accepting process; the new socket
 *            is found through the fd table.  The passive SYN_RECV->ESTABLISHED transition runs
 *            in softirq context with an unrelated pid, so it is not used for attribution.
 *            UDP: every datagram sent or received, at the exit of udp_sendmsg/udpv6_sendmsg
 *            and udp_recvmsg/udpv6_recvmsg (fexit; any syscall or io_uring), peer from the
 *            kernel copy of the address or the connected socket; where fexit is not available,
 *            the syscall tracepoints of sendto() and sendmsg() (out only).  connect() of a UDP
 *            socket too.  Each (socket, peer) once per window, in the direction seen first
 *            (LRU map).
 *   listen   TCP (v4 and v6) entering LISTEN: inet_sock_set_state with newstate TCP_LISTEN,
 *            which inet_csk_listen_start fires inside listen() in the listener's context: pid,
 *            local address and port, the socket's network namespace and the task's cgroup.  A
 *            listener that lives between two ListeningPorts snapshots is seen all the same.
 *            UDP (v4 and v6) has no LISTEN: a UDP socket bound by bind() is the listener, seen
 *            at the return of inet_bind/inet6_bind (fexit), else of the bind() syscall
 *            (classic tracepoints); a port given implicitly at the first send is a client's.
 *
 * Every hook exists in two variants where the kernel offers both (raw_tp, classic
 * tracepoint); user space enables one per hook after probing.  Syscall hooks exist only as
 * classic tracepoints.  When the ring buffer is full the record is dropped and counted per
 * kind in `lost_records`, which user space reads and reports as lost, per event type.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "process.h"

#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFIFO 0010000
#define S_IFCHR 0020000
#define S_IFREG 0100000
#define EINPROGRESS 115

char LICENSE[] SEC("license") = "Dual MIT/GPL";

const volatile __u64 udp_window_ns = 60ull * 1000000000ull;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PROCESS_RINGBUF_BYTES);
} events SEC(".maps");

/*
 * Records dropped because the ring buffer was full, per enum process_loss_kind.  Global data
 * (.bss), so user space reads it through the skeleton's mapping: no bpf() syscall, hence no
 * capability, after load.  Atomic adds: drops only happen under pressure, where one shared
 * cache line is cheap next to the records that could not be written.
 */
__u64 lost_records[PROCESS_LOSS_KINDS];

/* Tests only: when set, records are emitted (and losses counted) only for tasks of this
 * cgroup v2 id, so a test can count exactly on a busy machine.  0 in production, where the
 * verifier prunes the check (read-only data). */
const volatile __u64 only_cgroup_id = 0;

/*
 * Where an exec record is built: the record, slack so that every bounded write the verifier
 * checks stays inside the value, and the cut table until it is appended after argv.
 */
#define EXEC_PIECE_MAX 512 /* largest single argv copy of the slow path */
/* The state of the argv walk, kept in map memory (see argv_walk()). */
struct argv_walk_state {
	__u64 table, end;
	__u32 psz, argc, i, out, n_cuts, done;
};

struct exec_scratch {
	struct process_exec_record rec;
	char slack[EXEC_PIECE_MAX + 64];
	struct process_argv_cut cuts[PROCESS_ARGV_CUTS];
	struct argv_walk_state w;
};

#define LOAD(x) (*(volatile typeof(x) *)&(x))
#define STORE(x, v) (*(volatile typeof(x) *)&(x) = (v))

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_scratch);
} exec_scratch SEC(".maps");

struct sock_owner {
	struct process_record_header h;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PROCESS_PENDING_CONNECTS);
	__type(key, __u64);
	__type(value, struct sock_owner);
} pending_connects SEC(".maps");

/*
 * A UDP "connection": a socket and a peer, reported once per window in either direction.
 * The socket is named by its inode number, which is never reused while the machine runs (a
 * struct sock address is: a new socket of another process could take it over).
 */
struct udp_peer_key {
	__u64 sock_ino;
	__u16 family;
	__u16 port; /* host order */
	__u32 pad;
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PROCESS_UDP_PEERS);
	__type(key, struct udp_peer_key);
	__type(value, __u64);
} udp_peers SEC(".maps");

struct inflight {
	__s32 fd;
	__u16 family;
	__u16 port; /* host order */
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PROCESS_SYSCALL_INFLIGHT);
	__type(key, __u32);
	__type(value, struct inflight);
} inflight SEC(".maps");

/* A thread inside recvfrom()/recvmsg() on a UDP socket: where the peer will be written. */
struct recv_inflight {
	__s32 fd;
	__u32 is_msghdr; /* uptr is a struct user_msghdr * (recvmsg), else a sockaddr * */
	__u64 uptr;
	__u64 ulen; /* recvfrom: the int * of the address length */
};

/* LRU: a thread blocked in recv for ever must not keep a slot from the others. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PROCESS_SYSCALL_INFLIGHT);
	__type(key, __u32);
	__type(value, struct recv_inflight);
} recv_inflight SEC(".maps");

/* Layout of the classic syscall tracepoints (syscalls:sys_enter_* / sys_exit_*). */
struct syscall_enter_ctx {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__u64 args[6];
};

struct syscall_exit_ctx {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

/*
 * Wakeups: user space is woken at most once per wakeup_ns (and whenever the ring holds more
 * than wakeup_bytes), not once per record: in between, records wait in the ring for the next
 * wakeup, or for user space's sweep, which reads the ring wakeup_ns (plus a margin) after each
 * read that found records (process-bpf.c).  So a record waits at most about wakeup_ns, and an
 * exec storm costs the agent a few dozen wakeups a second instead of two per exec.  Races
 * between CPUs on last_wakeup_ns only cause an extra wakeup.  wakeup_ns 0: the ring's own
 * policy (a wakeup whenever user space has caught up).
 */
const volatile __u64 wakeup_ns = 0;
const volatile __u64 wakeup_bytes = PROCESS_RINGBUF_BYTES / 4;
__u64 last_wakeup_ns;

static __always_inline void emit(void *rec, __u64 size, enum process_loss_kind kind)
{
	__u64 flags = 0, now;

	if (only_cgroup_id && bpf_get_current_cgroup_id() != only_cgroup_id)
		return;
	if (wakeup_ns) {
		now = bpf_ktime_get_boot_ns();
		flags = BPF_RB_NO_WAKEUP;
		if (now - last_wakeup_ns >= wakeup_ns ||
		    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes) {
			flags = BPF_RB_FORCE_WAKEUP;
			last_wakeup_ns = now;
		}
	}
	if (bpf_ringbuf_output(&events, rec, size, flags) < 0)
		__sync_fetch_and_add(&lost_records[kind], 1);
}

static __always_inline void header_fill(struct process_record_header *h, __u32 type)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ug = bpf_get_current_uid_gid();

	h->type = type;
	h->size = 0;
	h->time_ns = bpf_ktime_get_boot_ns();
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)ug;
	h->gid = ug >> 32;
	h->pad = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

#include "process-exec.bpf.h"

/* ---- exec ---- */

/* interp: bprm->interp when it is not bprm->filename (a script's interpreter), else NULL. */
static __always_inline int exec_handle(struct task_struct *task, const char *filename,
				       const char *interp)
{
	__u32 zero = 0;
	struct exec_scratch *x = bpf_map_lookup_elem(&exec_scratch, &zero);
	struct process_exec_record *r;
	unsigned long start, end, len;
	struct mm_struct *mm;
	__u32 args_off, size, base, cuts_bytes;
	long n;

	if (!x)
		return 0;
	r = &x->rec;
	header_fill(&r->h, PROCESS_RECORD_EXEC);
	r->flags = 0;
	r->argc = 0;
	r->args_omitted = 0;
	r->n_cuts = 0;
	r->pad = 0;
	r->pad3[0] = r->pad3[1] = 0;
	r->cgroup_id = bpf_get_current_cgroup_id();
	n = bpf_probe_read_kernel_str(r->data, PROCESS_EXE_MAX, filename);
	r->exe_len = n > 0 ? n - 1 : 0;
	if (n == PROCESS_EXE_MAX)
		r->flags |= PROCESS_EXEC_EXE_TRUNCATED;
	r->interp_len = 0;
	if (interp) {
		base = r->exe_len & (PROCESS_EXE_MAX - 1);
		n = bpf_probe_read_kernel_str(&r->data[base], PROCESS_EXE_MAX, interp);
		r->interp_len = n > 0 ? n - 1 : 0;
		if (n == PROCESS_EXE_MAX)
			r->flags |= PROCESS_EXEC_INTERP_TRUNCATED;
	}

	STORE(r->cwd_len, path_fill(r, task, BPF_CORE_READ(task, fs, pwd.dentry),
				    BPF_CORE_READ(task, fs, pwd.mnt), r->exe_len + r->interp_len,
				    PROCESS_EXEC_CWD_TRUNCATED));
	/*
	 * Reloaded from the record: the verifier does not track map memory, so the many states
	 * each walk ends in (one per depth) become one here, before the next walk.
	 */
	mm = BPF_CORE_READ(task, mm);
	base = LOAD(r->exe_len) + LOAD(r->interp_len) + LOAD(r->cwd_len);
	STORE(r->path_len, 0);
	if (BPF_CORE_READ(mm, exe_file)) {
		r->flags |= PROCESS_EXEC_PATH_KNOWN;
		STORE(r->path_len, path_fill(r, task, BPF_CORE_READ(mm, exe_file, f_path.dentry),
					     BPF_CORE_READ(mm, exe_file, f_path.mnt), base,
					     PROCESS_EXEC_PATH_TRUNCATED));
	}
	base += LOAD(r->path_len);
	STORE(r->cgroup_len, cgroup_fill(r, task, base));
	base += LOAD(r->cgroup_len);
	STORE(r->stdin_len, stdin_fill(r, task, base));
	args_off = base + LOAD(r->stdin_len);
	if (args_off >= PROCESS_EXEC_ARGS_OFF_MAX)
		return 0; /* cannot happen: exe, interp < 256, cwd, path, cgroup, stdin < 512 */
	/* Hide the value from the compiler so that the mask, which the verifier needs, stays. */
	barrier_var(args_off);
	args_off &= PROCESS_EXEC_ARGS_OFF_MAX - 1;

	start = BPF_CORE_READ(mm, arg_start);
	end = BPF_CORE_READ(mm, arg_end);
	len = end > start ? end - start : 0;
	if (len > PROCESS_ARGS_MAX) {
		long w = argv_walk(x, mm, args_off, start, end);

		if (w >= 0) {
			len = w;
			goto args_done;
		}
		/* pointers not usable: keep the start, as before the walk existed */
		len = PROCESS_ARGS_MAX;
		r->flags |= PROCESS_EXEC_ARGS_TRUNCATED;
		r->n_cuts = 0;
	}
	barrier_var(len);
	if (len > PROCESS_ARGS_MAX)
		return 0;
	if (len && bpf_probe_read_user(&r->data[args_off], len, (const void *)start) < 0) {
		r->flags |= PROCESS_EXEC_ARGS_FAULT;
		len = 0;
	}
args_done:
	barrier_var(len);
	if (len > PROCESS_ARGS_MAX)
		return 0;
	r->args_len = len;
	/* After the argv walk, so that their branches do not multiply the walk's states. */
	if (BPF_CORE_READ(mm, exe_file, f_inode, i_nlink) == 0)
		r->flags |= PROCESS_EXEC_EXE_DELETED;
	stdio_fill(r, task);
	cuts_bytes = (__u32)r->n_cuts * sizeof(struct process_argv_cut);
	barrier_var(cuts_bytes);
	if (cuts_bytes > PROCESS_EXEC_CUTS_BYTES)
		return 0;
	if (cuts_bytes) {
		__u32 at = args_off + len;

		barrier_var(at);
		if (at > PROCESS_EXEC_ARGS_OFF_MAX + PROCESS_ARGS_MAX)
			return 0;
		barrier_var(cuts_bytes);
		/* the mask only tells the verifier what the check above already made sure of */
		bpf_probe_read_kernel(&r->data[at], cuts_bytes & 511, x->cuts);
	}
	size = PROCESS_EXEC_RECORD_FIXED + args_off + len + cuts_bytes;
	barrier_var(size);
	if (size > sizeof(*r))
		return 0;
	r->h.size = size;
	emit(r, size, PROCESS_LOSS_EXEC);
	return 0;
}

/* The BTF variants run as raw tracepoints: libbpf needs no kernel BTF to attach them. */
SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	const char *filename = BPF_CORE_READ(bprm, filename);
	const char *interp = BPF_CORE_READ(bprm, interp);

	return exec_handle(p, filename, interp != filename ? interp : NULL);
}

SEC("tracepoint/sched/sched_process_exec")
int exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	unsigned int off = ctx->__data_loc_filename & 0xFFFF;

	/* The classic tracepoint does not give bprm: no interpreter. */
	return exec_handle((struct task_struct *)bpf_get_current_task(), (void *)ctx + off, NULL);
}

/* ---- exit ---- */

static __always_inline int exit_handle(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct process_exit_record r;

	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0; /* other threads of the group still run */
	__builtin_memset(&r, 0, sizeof(r));
	header_fill(&r.h, PROCESS_RECORD_EXIT);
	r.h.size = sizeof(r);
	r.exit_code = BPF_CORE_READ(task, exit_code);
	emit(&r, sizeof(r), PROCESS_LOSS_EXIT);
	return 0;
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *p)
{
	return exit_handle();
}

SEC("tracepoint/sched/sched_process_exit")
int exit_tp(void *ctx)
{
	return exit_handle();
}

/* ---- connections ---- */

static __always_inline void addr_fill(struct process_connect_record *r, const struct sock *sk)
{
	r->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	r->remote_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (r->family == AF_INET) {
		__be32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__be32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(r->local_addr, &l, 4);
		__builtin_memcpy(r->remote_addr, &d, 4);
	} else {
		bpf_core_read(r->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(r->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/*
 * A listener in its own context: listen() moved a TCP socket to LISTEN, or bind() bound a UDP
 * socket (kind tells which loss counter a full ring buffer bumps).
 */
static __always_inline void listen_emit(const struct sock *sk, __u16 family, __u8 protocol,
					enum process_loss_kind kind)
{
	struct process_listen_record r;

	__builtin_memset(&r, 0, sizeof(r));
	header_fill(&r.h, PROCESS_RECORD_LISTEN);
	r.h.size = sizeof(r);
	r.family = family;
	r.protocol = protocol;
	r.local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	r.netns_ino = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	r.cgroup_id = bpf_get_current_cgroup_id();
	if (family == AF_INET) {
		__be32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

		__builtin_memcpy(r.local_addr, &l, 4);
	} else {
		bpf_core_read(r.local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	}
	emit(&r, sizeof(r), kind);
}

static __always_inline int state_handle(const struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk;
	struct process_connect_record r;
	struct sock_owner *owner, o;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if ((family != AF_INET && family != AF_INET6) ||
	    BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_LISTEN) {
		listen_emit(sk, family, IPPROTO_TCP, PROCESS_LOSS_TCP_LISTEN);
		return 0;
	}
	if (newstate == TCP_SYN_SENT) {
		__builtin_memset(&o, 0, sizeof(o));
		header_fill(&o.h, PROCESS_RECORD_CONNECT);
		bpf_map_update_elem(&pending_connects, &key, &o, BPF_ANY);
		return 0;
	}
	if (oldstate != TCP_SYN_SENT)
		return 0;
	owner = bpf_map_lookup_elem(&pending_connects, &key);
	if (newstate == TCP_ESTABLISHED) {
		__builtin_memset(&r, 0, sizeof(r));
		if (owner) {
			r.h = owner->h;
		} else {
			header_fill(&r.h, PROCESS_RECORD_CONNECT);
			r.flags |= PROCESS_CONNECT_PID_GUESSED;
		}
		r.h.time_ns = bpf_ktime_get_boot_ns();
		r.h.size = sizeof(r);
		r.protocol = IPPROTO_TCP;
		r.direction = PROCESS_DIRECTION_OUT;
		addr_fill(&r, sk);
		emit(&r, sizeof(r), PROCESS_LOSS_TCP_CONNECT);
	}
	if (owner)
		bpf_map_delete_elem(&pending_connects, &key);
	return 0;
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(state_btf, const struct sock *sk, const int oldstate, const int newstate)
{
	return state_handle(sk, oldstate, newstate);
}

SEC("tracepoint/sock/inet_sock_set_state")
int state_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	return state_handle(ctx->skaddr, ctx->oldstate, ctx->newstate);
}

static __always_inline struct sock *sock_from_fd(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;
	struct socket *sock;
	unsigned int mode;

	if (fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) < 0 || !f)
		return NULL;
	mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

static __always_inline int accept_handle(struct syscall_exit_ctx *ctx)
{
	struct process_connect_record r;
	struct sock *sk;

	if (ctx->ret < 0)
		return 0;
	sk = sock_from_fd(ctx->ret);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__builtin_memset(&r, 0, sizeof(r));
	header_fill(&r.h, PROCESS_RECORD_CONNECT);
	r.h.size = sizeof(r);
	r.protocol = IPPROTO_TCP;
	r.direction = PROCESS_DIRECTION_IN;
	addr_fill(&r, sk);
	if (r.family != AF_INET && r.family != AF_INET6)
		return 0;
	emit(&r, sizeof(r), PROCESS_LOSS_TCP_ACCEPT);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept")
int accept_exit(struct syscall_exit_ctx *ctx)
{
	return accept_handle(ctx);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int accept4_exit(struct syscall_exit_ctx *ctx)
{
	return accept_handle(ctx);
}

/* Remembers the destination of a connect()/sendto() until the syscall returns. */
static __always_inline int udp_enter(long fd, const void *uaddr, long addrlen)
{
	struct inflight in;
	__u8 sa[28];
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u16 family;

	if (!uaddr || addrlen < 8)
		return 0;
	__builtin_memset(sa, 0, sizeof(sa));
	if (bpf_probe_read_user(sa, addrlen >= 28 ? 28 : 16, uaddr) < 0)
		return 0;
	family = sa[0] | (sa[1] << 8);
	__builtin_memset(&in, 0, sizeof(in));
	in.fd = fd;
	in.family = family;
	in.port = (sa[2] << 8) | sa[3];
	if (family == AF_INET)
		__builtin_memcpy(in.addr, &sa[4], 4);
	else if (family == AF_INET6 && addrlen >= 24)
		__builtin_memcpy(in.addr, &sa[8], 16);
	else
		return 0;
	bpf_map_update_elem(&inflight, &tid, &in, BPF_ANY);
	return 0;
}

static __always_inline __u64 sock_ino(const struct sock *sk)
{
	struct socket *sock = BPF_CORE_READ(sk, sk_socket);
	struct socket_alloc *sa;

	if (!sock)
		return (__u64)sk;
	sa = container_of(sock, struct socket_alloc, socket);
	return BPF_CORE_READ(sa, vfs_inode.i_ino);
}

/*
 * Emits a UDP ConnectionCreate for (sk, peer) unless this pair was reported within the
 * window (LRU map: a chatty socket costs one lookup per datagram, never a record).
 */
static __always_inline void udp_report(const struct sock *sk, __u16 family, __u16 port,
				       const __u8 *addr, __u8 direction)
{
	struct process_connect_record r;
	struct udp_peer_key key;
	__u64 now, *last;

	if (family != AF_INET && family != AF_INET6)
		return;
	__builtin_memset(&key, 0, sizeof(key));
	key.sock_ino = sock_ino(sk);
	key.family = family;
	key.port = port;
	__builtin_memcpy(key.addr, addr, 16);
	now = bpf_ktime_get_boot_ns();
	last = bpf_map_lookup_elem(&udp_peers, &key);
	if (last && now - *last < udp_window_ns)
		return;
	bpf_map_update_elem(&udp_peers, &key, &now, BPF_ANY);

	__builtin_memset(&r, 0, sizeof(r));
	header_fill(&r.h, PROCESS_RECORD_CONNECT);
	r.h.size = sizeof(r);
	r.protocol = IPPROTO_UDP;
	r.direction = direction;
	addr_fill(&r, sk);
	/* An unconnected socket has no peer in the sock: take the datagram's. */
	r.family = family;
	r.remote_port = port;
	__builtin_memcpy(r.remote_addr, addr, 16);
	if (BPF_CORE_READ(sk, __sk_common.skc_family) != family)
		__builtin_memset(r.local_addr, 0, 16); /* v4 peer on a v6 socket or vice versa */
	emit(&r, sizeof(r), PROCESS_LOSS_UDP);
}

static __always_inline int udp_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct inflight *in;
	struct sock *sk;

	in = bpf_map_lookup_elem(&inflight, &tid);
	if (!in)
		return 0;
	if (ret < 0 && ret != -EINPROGRESS)
		goto out;
	sk = sock_from_fd(in->fd);
	if (sk && BPF_CORE_READ(sk, sk_protocol) == IPPROTO_UDP)
		udp_report(sk, in->family, in->port, in->addr, PROCESS_DIRECTION_OUT);
out:
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}

/* Peer address from a struct sockaddr copied into sa; -1 if not INET. */
static __always_inline int sockaddr_peer(const __u8 sa[24], __u16 *family, __u16 *port,
					 __u8 addr[16])
{
	*family = sa[0] | (sa[1] << 8);
	*port = (sa[2] << 8) | sa[3];
	if (*family == AF_INET)
		__builtin_memcpy(addr, &sa[4], 4);
	else if (*family == AF_INET6)
		__builtin_memcpy(addr, &sa[8], 16);
	else
		return -1;
	return 0;
}

/* The peer of a connected socket; -1 if it has none. */
static __always_inline int sock_peer(const struct sock *sk, __u16 *family, __u16 *port,
				     __u8 addr[16])
{
	*port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (!*port)
		return -1;
	*family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (*family == AF_INET) {
		__be32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(addr, &d, 4);
	} else {
		bpf_core_read(addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	return 0;
}

/*
 * Inbound UDP without fexit: recvfrom()/recvmsg() on a UDP socket (checked at entry, so
 * other sockets cost no map update).  At exit the kernel has written the source address to
 * the caller's buffer; without one (recv on a connected socket) the socket's peer is used.
 */
static __always_inline int recv_enter(long fd, __u64 uptr, __u64 ulen, __u32 is_msghdr)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct recv_inflight in;
	struct sock *sk = sock_from_fd(fd);

	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	in.fd = fd;
	in.is_msghdr = is_msghdr;
	in.uptr = uptr;
	in.ulen = ulen;
	bpf_map_update_elem(&recv_inflight, &tid, &in, BPF_ANY);
	return 0;
}

static __always_inline int recv_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct recv_inflight *in = bpf_map_lookup_elem(&recv_inflight, &tid);
	__u16 family = 0, port = 0;
	__u8 sa[24], addr[16];
	void *name = NULL;
	int namelen = 0;
	struct sock *sk;

	if (!in)
		return 0;
	if (ret < 0)
		goto out;
	sk = sock_from_fd(in->fd);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		goto out;
	if (in->is_msghdr && in->uptr) {
		struct user_msghdr m;

		if (bpf_probe_read_user(&m, sizeof(m), (const void *)in->uptr) == 0) {
			name = m.msg_name;
			namelen = m.msg_namelen;
		}
	} else if (in->uptr && in->ulen) {
		name = (void *)in->uptr;
		if (bpf_probe_read_user(&namelen, sizeof(namelen), (const void *)in->ulen) < 0)
			namelen = 0;
	}
	__builtin_memset(addr, 0, sizeof(addr));
	__builtin_memset(sa, 0, sizeof(sa));
	if (name && namelen >= 8) {
		if (bpf_probe_read_user(sa, namelen >= 24 ? 24 : 16, name) < 0 ||
		    sockaddr_peer(sa, &family, &port, addr) < 0)
			goto out;
	} else if (sock_peer(sk, &family, &port, addr) < 0) {
		goto out;
	}
	udp_report(sk, family, port, addr, PROCESS_DIRECTION_IN);
out:
	bpf_map_delete_elem(&recv_inflight, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_recvfrom")
int recvfrom_enter(struct syscall_enter_ctx *ctx)
{
	return recv_enter(ctx->args[0], ctx->args[4], ctx->args[5], 0);
}

SEC("tracepoint/syscalls/sys_exit_recvfrom")
int recvfrom_exit(struct syscall_exit_ctx *ctx)
{
	return recv_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_recvmsg")
int recvmsg_enter(struct syscall_enter_ctx *ctx)
{
	return recv_enter(ctx->args[0], ctx->args[1], 0, 1);
}

SEC("tracepoint/syscalls/sys_exit_recvmsg")
int recvmsg_exit(struct syscall_exit_ctx *ctx)
{
	return recv_exit(ctx->ret);
}

/*
 * The peer of a datagram from a kernel sockaddr (msg->msg_name, already copied from or to
 * user space by the socket layer), or from the connected socket when there is none.
 */
static __always_inline int udp_msg_peer(const struct sock *sk, const struct msghdr *msg,
					__u16 *family, __u16 *port, __u8 addr[16])
{
	void *name = BPF_CORE_READ(msg, msg_name);
	__u8 sa[24];

	__builtin_memset(addr, 0, 16);
	if (name) {
		if (bpf_probe_read_kernel(sa, sizeof(sa), name) < 0)
			return -1;
		return sockaddr_peer(sa, family, port, addr);
	}
	return sock_peer(sk, family, port, addr); /* no address: a connected socket's peer */
}

static __always_inline int udp_msg_handle(const struct sock *sk, const struct msghdr *msg, long ret,
					  __u8 direction)
{
	__u16 family = 0, port = 0;
	__u8 addr[16];

	if (ret < 0 || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	if (udp_msg_peer(sk, msg, &family, &port, addr) < 0)
		return 0;
	udp_report(sk, family, port, addr, direction);
	return 0;
}

/*
 * Every UDP send and receive goes through these, whatever the syscall (sendto, sendmsg,
 * sendmmsg, recvfrom, recvmsg, recvmmsg, io_uring).  udpv6_sendmsg hands v4-mapped
 * destinations to udp_sendmsg: the v4 function skips AF_INET6 sockets, so that datagram is
 * reported once, by the v6 one.
 */
/*
 * Only the first two arguments (stable across kernels) are named; the return value is taken
 * with bpf_get_func_ret(), which does not depend on how many arguments the function has
 * (udp_recvmsg lost its `noblock` argument in 5.19).  A kernel without that helper refuses
 * the load, and the classic tracepoints are used instead.
 */
static __always_inline long fexit_ret(void *ctx)
{
	__u64 ret = 0;

	if (bpf_get_func_ret(ctx, &ret) < 0)
		return -1;
	return (int)ret;
}

SEC("fexit/udp_sendmsg")
int BPF_PROG(udp4_send_exit, struct sock *sk, struct msghdr *msg)
{
	if (BPF_CORE_READ(sk, __sk_common.skc_family) != AF_INET)
		return 0;
	return udp_msg_handle(sk, msg, fexit_ret(ctx), PROCESS_DIRECTION_OUT);
}

SEC("fexit/udpv6_sendmsg")
int BPF_PROG(udp6_send_exit, struct sock *sk, struct msghdr *msg)
{
	return udp_msg_handle(sk, msg, fexit_ret(ctx), PROCESS_DIRECTION_OUT);
}

SEC("fexit/udp_recvmsg")
int BPF_PROG(udp4_recv_exit, struct sock *sk, struct msghdr *msg)
{
	return udp_msg_handle(sk, msg, fexit_ret(ctx), PROCESS_DIRECTION_IN);
}

SEC("fexit/udpv6_recvmsg")
int BPF_PROG(udp6_recv_exit, struct sock *sk, struct msghdr *msg)
{
	return udp_msg_handle(sk, msg, fexit_ret(ctx), PROCESS_DIRECTION_IN);
}

SEC("tracepoint/syscalls/sys_enter_connect")
int connect_enter(struct syscall_enter_ctx *ctx)
{
	return udp_enter(ctx->args[0], (const void *)ctx->args[1], ctx->args[2]);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int connect_exit(struct syscall_exit_ctx *ctx)
{
	return udp_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int sendto_enter(struct syscall_enter_ctx *ctx)
{
	return udp_enter(ctx->args[0], (const void *)ctx->args[4], ctx->args[5]);
}

SEC("tracepoint/syscalls/sys_exit_sendto")
int sendto_exit(struct syscall_exit_ctx *ctx)
{
	return udp_exit(ctx->ret);
}

/* sendmsg(fd, struct user_msghdr *, flags): the address is behind the user's msghdr. */
SEC("tracepoint/syscalls/sys_enter_sendmsg")
int sendmsg_enter(struct syscall_enter_ctx *ctx)
{
	struct user_msghdr m;

	if (bpf_probe_read_user(&m, sizeof(m), (const void *)ctx->args[1]) < 0)
		return 0;
	return udp_enter(ctx->args[0], m.msg_name, m.msg_namelen);
}

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int sendmsg_exit(struct syscall_exit_ctx *ctx)
{
	return udp_exit(ctx->ret);
}

/*
 * UDP listeners: a UDP socket (v4 or v6) that bind() bound, reported at the bind's return
 * with the port the kernel chose (bind to port 0 too: ListeningPorts lists such a socket
 * alike).  A TCP bind is no listener (listen() reports it) and other datagram protocols (ICMP,
 * UDP-Lite) are left out, as in ListeningPorts.  A port the kernel gives implicitly on the
 * first sendto()/connect() (inet_autobind) goes through neither inet_bind nor bind(): a
 * client (a resolver's query) is never reported.
 */
static __always_inline void udp_bind_handle(const struct sock *sk)
{
	__u16 family;

	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_INET || family == AF_INET6)
		listen_emit(sk, family, IPPROTO_UDP, PROCESS_LOSS_UDP_BIND);
}

/*
 * fexit on the bind of AF_INET and AF_INET6 sockets: every path (bind(), io_uring's bind,
 * and a kernel socket bound inside a caller's request, e.g. a UDP tunnel's port).
 */
SEC("fexit/inet_bind")
int BPF_PROG(bind4_exit, struct socket *sock)
{
	if (fexit_ret(ctx) == 0)
		udp_bind_handle(BPF_CORE_READ(sock, sk));
	return 0;
}

SEC("fexit/inet6_bind")
int BPF_PROG(bind6_exit, struct socket *sock)
{
	if (fexit_ret(ctx) == 0)
		udp_bind_handle(BPF_CORE_READ(sock, sk));
	return 0;
}

/*
 * Without fexit: bind() through its syscall tracepoints.  The entry keeps the fd of a UDP
 * socket only (TCP binds cost no map update) in `inflight`, with family 0, which tells it
 * from a connect()/sendto() entry (a thread is in one syscall at a time; a stale entry of the
 * other kind is ignored).  The exit looks the fd up again: another thread may have replaced it.
 */
SEC("tracepoint/syscalls/sys_enter_bind")
int bind_enter(struct syscall_enter_ctx *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sock *sk = sock_from_fd(ctx->args[0]);
	struct inflight in;

	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	__builtin_memset(&in, 0, sizeof(in));
	in.fd = ctx->args[0];
	bpf_map_update_elem(&inflight, &tid, &in, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_bind")
int bind_exit(struct syscall_exit_ctx *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct inflight *in = bpf_map_lookup_elem(&inflight, &tid);

	if (!in)
		return 0;
	if (ctx->ret == 0 && in->family == 0)
		udp_bind_handle(sock_from_fd(in->fd));
	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}
