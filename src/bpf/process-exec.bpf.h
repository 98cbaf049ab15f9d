// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Helpers of the exec program of process.bpf.c (included there once, after its maps and
 * struct exec_scratch): the argv walk over the cap (per-argument head+tail cuts), what fds
 * 0..2 of the new process are, the path walks (cwd, the executed file, a regular file on
 * stdin) and the task's cgroup (its directory names in one hierarchy: the container of a
 * process that may be gone by the time user space reads the record).  Not a header for
 * anything else.
 */
#pragma once

/* ---- exec: argv ---- */

#define ARGV_RUN 32	       /* arguments copied together when all of them are short */
#define ARGV_RUN_BYTES 512     /* ... and no longer than this together */
#define ARGV_WALK 64	       /* steps of the slow path (a run or one argument each) */
#define ARGV_ARG_MAX (1 << 21) /* no argument is longer (MAX_ARG_STRLEN is 128 KiB) */

/* argv[i] of the new process (argv[argc]: arg_end); 0 when it cannot be read. */
static __always_inline __u64 argv_ptr(__u64 table, __u32 psz, __u32 i, __u32 argc, __u64 end)
{
	__u64 p = 0;

	if (i >= argc)
		return end;
	if (bpf_probe_read_user(&p, sizeof(p), (const void *)(table + (__u64)psz * i)) < 0)
		return 0;
	return psz == 4 ? p & 0xffffffffull : p;
}

/* n (< EXEC_PIECE_MAX) bytes of user memory at src to argv offset out; -1 past the cap. */
static __always_inline int argv_piece(struct exec_scratch *x, __u32 args_off, __u32 out, __u64 src,
				      __u32 n)
{
	if (out >= PROCESS_ARGS_MAX || n >= EXEC_PIECE_MAX)
		return -1;
	/* The masks only tell the verifier what the checks made sure of. */
	barrier_var(out);
	barrier_var(n);
	out &= PROCESS_ARGS_MAX - 1;
	n &= EXEC_PIECE_MAX - 1;
	if (bpf_probe_read_user(&x->rec.data[(args_off & (PROCESS_EXEC_ARGS_OFF_MAX - 1)) + out], n,
				(const void *)src) < 0)
		return -1;
	return 0;
}

/*
 * One step of the walk: a run of ARGV_RUN short arguments, one short argument, or one cut
 * argument.  false when the walk is over.
 */
static __always_inline bool argv_step(struct exec_scratch *x, __u32 args_off)
{
	struct argv_walk_state *w = &x->w;
	__u64 table = LOAD(w->table), end = LOAD(w->end), s, e;
	__u32 psz = LOAD(w->psz), argc = LOAD(w->argc), i = LOAD(w->i), out = LOAD(w->out);
	__u32 n_cuts = LOAD(w->n_cuts), alen;

	if (i >= argc)
		return false;
	s = argv_ptr(table, psz, i, argc, end);
	if (i + ARGV_RUN <= argc) {
		e = argv_ptr(table, psz, i + ARGV_RUN, argc, end);
		if (e > s && e - s < ARGV_RUN_BYTES && out + (e - s) <= PROCESS_ARGS_MAX) {
			if (argv_piece(x, args_off, out, s, e - s) < 0)
				return false;
			STORE(w->out, out + (__u32)(e - s));
			STORE(w->i, i + ARGV_RUN);
			return true;
		}
	}
	e = argv_ptr(table, psz, i + 1, argc, end);
	if (e <= s || e - s > ARGV_ARG_MAX)
		return false; /* inconsistent: stop here */
	alen = e - s;	      /* with its NUL */
	if (alen <= PROCESS_ARG_KEEP + 1) {
		if (out + alen > PROCESS_ARGS_MAX || argv_piece(x, args_off, out, s, alen) < 0)
			return false;
		STORE(w->out, out + alen);
		STORE(w->i, i + 1);
		return true;
	}
	if (n_cuts >= PROCESS_ARGV_CUTS ||
	    out + PROCESS_ARG_HEAD + PROCESS_ARG_TAIL > PROCESS_ARGS_MAX)
		return false;
	if (argv_piece(x, args_off, out, s, PROCESS_ARG_HEAD) < 0 ||
	    argv_piece(x, args_off, out + PROCESS_ARG_HEAD, e - PROCESS_ARG_TAIL,
		       PROCESS_ARG_TAIL) < 0)
		return false;
	x->cuts[n_cuts & (PROCESS_ARGV_CUTS - 1)].at = out + PROCESS_ARG_HEAD;
	x->cuts[n_cuts & (PROCESS_ARGV_CUTS - 1)].cut = alen - PROCESS_ARG_HEAD - PROCESS_ARG_TAIL;
	STORE(w->n_cuts, n_cuts + 1);
	STORE(w->out, out + PROCESS_ARG_HEAD + PROCESS_ARG_TAIL);
	STORE(w->i, i + 1);
	return true;
}

/*
 * argv longer than PROCESS_ARGS_MAX.  The argument pointers the kernel wrote on the new stack
 * (argc, then argv[], at mm->start_stack; 8-byte pointers, or 4-byte for a compat process,
 * told apart by argv[0] == arg_start) give each argument's length without reading it.  Runs
 * of short arguments are copied together; an argument longer than PROCESS_ARG_KEEP keeps its
 * head and tail (a cut); arguments that do not fit are counted in args_omitted.  Returns the
 * bytes written, or -1 when the pointers cannot be trusted (the caller then keeps the start).
 *
 * The walk's state lives in map memory, not in registers: the verifier does not track what
 * is stored there, so every step's paths meet in one state at the loop head and a walk of
 * ARGV_WALK steps costs it ARGV_WALK times one step, not the product of the branches.
 */
static __always_inline long argv_walk(struct exec_scratch *x, struct mm_struct *mm, __u32 args_off,
				      __u64 start, __u64 end)
{
	struct process_exec_record *r = &x->rec;
	__u64 stack = BPF_CORE_READ(mm, start_stack), p0 = 0;
	__u32 argc = 0, psz = 8, i, n_cuts;

	if (bpf_probe_read_user(&argc, sizeof(argc), (const void *)stack) < 0)
		return -1;
	if (bpf_probe_read_user(&p0, sizeof(p0), (const void *)(stack + 8)) < 0)
		return -1;
	if (p0 != start) {
		psz = 4;
		if (bpf_probe_read_user(&p0, sizeof(p0), (const void *)(stack + 4)) < 0 ||
		    (p0 & 0xffffffffull) != (start & 0xffffffffull))
			return -1;
	}
	if (argc == 0 || argc > (1u << 22))
		return -1;
	STORE(x->w.table, stack + psz);
	STORE(x->w.end, end);
	STORE(x->w.psz, psz);
	STORE(x->w.argc, argc);
	STORE(x->w.i, 0);
	STORE(x->w.out, 0);
	STORE(x->w.n_cuts, 0);
	for (int k = 0; k < ARGV_WALK; k++)
		if (!argv_step(x, args_off))
			break;
	i = LOAD(x->w.i);
	n_cuts = LOAD(x->w.n_cuts);
	r->argc = argc;
	r->args_omitted = i < argc ? argc - i : 0;
	r->n_cuts = n_cuts < PROCESS_ARGV_CUTS ? n_cuts : PROCESS_ARGV_CUTS;
	r->flags |= PROCESS_EXEC_ARGS_TRUNCATED;
	return LOAD(x->w.out);
}

/* ---- exec: stdio ---- */

static __always_inline __u8 stdio_chr(struct inode *inode)
{
	__u32 rdev = BPF_CORE_READ(inode, i_rdev), major = rdev >> 20, minor = rdev & 0xfffff;

	if (major == 1 && minor == 3)
		return PROCESS_STDIO_NULL;
	/* tty, /dev/tty + console + ptmx, and the pts range */
	if (major == 4 || major == 5 || (major >= 136 && major <= 143))
		return PROCESS_STDIO_TTY;
	return PROCESS_STDIO_OTHER;
}

/* A connected inet socket's peer into stdio_* (the first of fds 0 and 1 that has one). */
static __always_inline void stdio_peer(struct process_exec_record *r, struct file *f)
{
	struct socket *sock = BPF_CORE_READ(f, private_data);
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL;
	__u16 family, port;

	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if ((family != AF_INET && family != AF_INET6) || !port)
		return;
	r->stdio_family = family;
	r->stdio_port = port;
	if (family == AF_INET) {
		__be32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(r->stdio_addr, &d, 4);
	} else {
		bpf_core_read(r->stdio_addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* What fds 0..2 of the new process are: its fd table after close-on-exec. */
static __always_inline void stdio_fill(struct process_exec_record *r, struct task_struct *task)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);

	r->stdio_family = 0;
	r->stdio_port = 0;
	__builtin_memset(r->stdio_addr, 0, sizeof(r->stdio_addr));
	for (int fd = 0; fd < 3; fd++) {
		struct file *f = NULL;
		struct inode *inode;
		__u8 kind;

		r->stdio[fd] = PROCESS_STDIO_NONE;
		if (fd >= max || bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) < 0 || !f)
			continue;
		inode = BPF_CORE_READ(f, f_inode);
		switch (BPF_CORE_READ(inode, i_mode) & S_IFMT) {
		case S_IFSOCK:
			kind = PROCESS_STDIO_SOCKET;
			if (fd < 2 && !r->stdio_family)
				stdio_peer(r, f);
			break;
		case S_IFIFO:
			kind = PROCESS_STDIO_PIPE;
			break;
		case S_IFREG:
			kind = PROCESS_STDIO_FILE;
			break;
		case S_IFCHR:
			kind = stdio_chr(inode);
			break;
		default:
			kind = PROCESS_STDIO_OTHER;
			break;
		}
		r->stdio[fd] = kind;
	}
	r->flags |= PROCESS_EXEC_STDIO_KNOWN;
}

/* ---- exec: paths and the cgroup ---- */

/*
 * Path components of a dentry (the cwd, the executed file), innermost first, each
 * NUL-terminated, written at data[base] (base < PROCESS_EXEC_ARGS_OFF_MAX / 2) in at most
 * PROCESS_CWD_MAX bytes, walked up across mounts to the task's root (fs->root, as d_path: a
 * process in a container or a chroot has the path it sees) or the root of its mount
 * namespace.  Returns the bytes written; sets `trunc` in the flags when the walk was cut.
 */
static __always_inline __u32 path_fill(struct process_exec_record *r, struct task_struct *task,
				       struct dentry *d, struct vfsmount *vmnt, __u32 base,
				       __u32 trunc)
{
	struct dentry *root_d = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	struct mount *mnt = container_of(vmnt, struct mount, mnt);
	__u32 off = 0;

	for (int i = 0; i < PROCESS_CWD_DEPTH; i++) {
		struct dentry *root = BPF_CORE_READ(mnt, mnt.mnt_root);
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		const unsigned char *name;
		long n;

		if (d == root_d && &mnt->mnt == root_mnt)
			return off;
		if (d == root) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (up == mnt)
				return off;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			continue;
		}
		if (d == parent)
			return off;
		if (off >= PROCESS_CWD_MAX / 2) {
			r->flags |= trunc;
			return off;
		}
		name = BPF_CORE_READ(d, d_name.name);
		/* base < 1024 and off < 256: the masks only tell the verifier so. */
		n = bpf_probe_read_kernel_str(
			&r->data[(base & (PROCESS_EXEC_ARGS_OFF_MAX / 2 - 1)) +
				 (off & (PROCESS_CWD_MAX / 2 - 1))],
			PROCESS_CWD_MAX / 2, name);
		if (n <= 0)
			return off;
		off += n;
		d = parent;
	}
	r->flags |= trunc;
	return off;
}

/* kernfs_node lost `parent` for `__parent` (RCU) in 6.15: both layouts, CO-RE picks. */
struct kernfs_node___old {
	struct kernfs_node___old *parent;
} __attribute__((preserve_access_index));

struct kernfs_node___new {
	struct kernfs_node___new *__parent;
} __attribute__((preserve_access_index));

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(struct kernfs_node___new, __parent))
		return (void *)BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
	return (void *)BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/* Set by user space (process-bpf.c) from /proc/cgroups: enum process_cgroup_source. */
const volatile __u32 cgroup_source = PROCESS_CGROUP_SOURCE_NONE;

/* The subsystem id of a v1 controller (CO-RE: the kernel's enum value), or -1. */
static __always_inline int cgroup_subsys_id(void)
{
#define SUBSYS(src, id)                                                                            \
	case src:                                                                                  \
		return bpf_core_enum_value_exists(enum cgroup_subsys_id, id)                       \
			       ? bpf_core_enum_value(enum cgroup_subsys_id, id)                    \
			       : -1
	switch (cgroup_source) {
		SUBSYS(PROCESS_CGROUP_SOURCE_PIDS, pids_cgrp_id);
		SUBSYS(PROCESS_CGROUP_SOURCE_MEMORY, memory_cgrp_id);
		SUBSYS(PROCESS_CGROUP_SOURCE_CPU, cpu_cgrp_id);
		SUBSYS(PROCESS_CGROUP_SOURCE_CPUACCT, cpuacct_cgrp_id);
		SUBSYS(PROCESS_CGROUP_SOURCE_DEVICES, devices_cgrp_id);
		SUBSYS(PROCESS_CGROUP_SOURCE_FREEZER, freezer_cgrp_id);
		SUBSYS(PROCESS_CGROUP_SOURCE_BLKIO, io_cgrp_id);
		SUBSYS(PROCESS_CGROUP_SOURCE_CPUSET, cpuset_cgrp_id);
	default:
		return -1;
	}
#undef SUBSYS
}

/* The kernfs node of the task's cgroup in the chosen hierarchy, or NULL. */
static __always_inline struct kernfs_node *cgroup_kn(struct task_struct *task)
{
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	struct cgroup_subsys_state *css = NULL;
	int id;

	if (cgroup_source == PROCESS_CGROUP_SOURCE_DFL)
		return BPF_CORE_READ(cset, dfl_cgrp, kn);
	id = cgroup_subsys_id();
	if (id < 0 || id >= CGROUP_SUBSYS_COUNT)
		return NULL;
	if (bpf_core_read(&css, sizeof(css), &cset->subsys[id]) < 0 || !css)
		return NULL;
	return BPF_CORE_READ(css, cgroup, kn);
}

/*
 * The task's cgroup at exec (the container a short-lived process ran in, read before it can
 * exit): its directory names up to the hierarchy's root, innermost first, NUL-terminated, at
 * data[base] (base < PROCESS_EXEC_ARGS_OFF_MAX - PROCESS_CGROUP_NAMES_MAX).  Flags KNOWN when
 * the root was reached, TRUNCATED when the bounds cut the walk.
 */
static __always_inline __u32 cgroup_fill(struct process_exec_record *r, struct task_struct *task,
					 __u32 base)
{
	struct kernfs_node *kn = cgroup_kn(task);
	__u32 off = 0;

	if (!kn)
		return 0;
	for (int i = 0; i <= PROCESS_CGROUP_DEPTH; i++) {
		struct kernfs_node *parent = kn_parent(kn);
		const char *name;
		long n;

		if (!parent) {
			r->flags |= PROCESS_EXEC_CGROUP_KNOWN; /* the root: no name of its own */
			return off;
		}
		if (i == PROCESS_CGROUP_DEPTH || off >= PROCESS_CGROUP_NAMES_MAX / 2)
			break;
		name = BPF_CORE_READ(kn, name);
		/* base < 2048 and off < 256: the masks only tell the verifier so. */
		n = bpf_probe_read_kernel_str(&r->data[(base & (PROCESS_EXEC_ARGS_OFF_MAX - 1)) +
						       (off & (PROCESS_CGROUP_NAMES_MAX / 2 - 1))],
					      PROCESS_CGROUP_NAMES_MAX / 2, name);
		if (n <= 0)
			return off;
		off += n;
		kn = parent;
	}
	r->flags |= PROCESS_EXEC_CGROUP_TRUNCATED;
	return off;
}

/* ---- exec: the file on stdin ---- */

/* fd 0 of the new process when it is a regular file (after close-on-exec), else NULL. */
static __always_inline struct file *stdin_file(struct task_struct *task)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;

	if (BPF_CORE_READ(fdt, max_fds) < 1 || bpf_probe_read_kernel(&f, sizeof(f), &fds[0]) < 0 ||
	    !f)
		return NULL;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFREG)
		return NULL;
	return f;
}

/*
 * A script fed on stdin (`bash < /tmp/x.sh`, `sh -s < /dev/shm/x`): the path of the regular
 * file on fd 0, walked like the executed file's (path_fill(): the dentry the shell opened, so
 * symlinks are resolved, and as the task sees it), at data[base] (base <
 * PROCESS_EXEC_ARGS_OFF_MAX / 2).  A file with no parent (memfd, another pseudo file) has no
 * path: its name alone.  Flags KNOWN, DELETED (the file has no links, or the name it was
 * opened by is gone: what d_path marks " (deleted)"), TRUNCATED.
 * Read here, at exec, so a shell that has read its script and exited is still seen.
 */
static __always_inline __u32 stdin_fill(struct process_exec_record *r, struct task_struct *task,
					__u32 base)
{
	struct file *f = stdin_file(task);
	struct dentry *d;
	long n;

	if (!f)
		return 0;
	r->flags |= PROCESS_EXEC_STDIN_KNOWN;
	d = BPF_CORE_READ(f, f_path.dentry);
	/* no links left, or this name removed (unhashed: what d_path marks " (deleted)") */
	if (BPF_CORE_READ(f, f_inode, i_nlink) == 0 || !BPF_CORE_READ(d, d_hash.pprev))
		r->flags |= PROCESS_EXEC_STDIN_DELETED;
	n = path_fill(r, task, d, BPF_CORE_READ(f, f_path.mnt), base, PROCESS_EXEC_STDIN_TRUNCATED);
	if (n > 0)
		return n;
	/* the masks only tell the verifier what the caller made sure of */
	n = bpf_probe_read_kernel_str(&r->data[base & (PROCESS_EXEC_ARGS_OFF_MAX / 2 - 1)],
				      PROCESS_CWD_MAX / 2, BPF_CORE_READ(d, d_name.name));
	return n > 0 ? n : 0;
}
