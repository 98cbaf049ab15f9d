/* SPDX-License-Identifier: MIT */
/* Bounded argv with per-argument head+tail cuts; see argv-build.h. */
#include "argv-build.h"

#include <string.h>

#define TAIL_KEEP (PROCESS_ARG_TAIL - 1) /* tail bytes kept, without the NUL */

void argv_build_init(struct argv_build *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->cap = cap < PROCESS_ARGS_MAX ? cap : PROCESS_ARGS_MAX;
}

static void tail_push(struct argv_build *b, const char *p, size_t n)
{
	if (n > TAIL_KEEP) {
		p += n - TAIL_KEEP;
		b->tail_pos += n - TAIL_KEEP;
		n = TAIL_KEEP;
	}
	for (size_t i = 0; i < n; i++)
		b->tail[b->tail_pos++ % TAIL_KEEP] = p[i];
}

/* The current argument, kept whole so far, becomes a cut one: head stays, the rest is tail. */
static void cut_begin(struct argv_build *b, const char *buf)
{
	size_t cur = b->len - b->arg_start;

	b->tail_pos = 0;
	if (cur > PROCESS_ARG_HEAD)
		tail_push(b, buf + b->arg_start + PROCESS_ARG_HEAD, cur - PROCESS_ARG_HEAD);
	b->len = b->arg_start + (cur < PROCESS_ARG_HEAD ? cur : PROCESS_ARG_HEAD);
	b->cutting = true;
}

/* Cuts one complete argument [start, start + alen) (alen with its NUL) in place. */
static size_t cut_in_place(struct argv_build *b, char *buf, size_t start, size_t alen, size_t end)
{
	size_t keep = PROCESS_ARG_HEAD + PROCESS_ARG_TAIL, removed = alen - keep;

	if (b->n_cuts >= PROCESS_ARGV_CUTS)
		return 0;
	memmove(buf + start + PROCESS_ARG_HEAD, buf + start + alen - PROCESS_ARG_TAIL,
		end - (start + alen - PROCESS_ARG_TAIL));
	b->cuts[b->n_cuts].at = (uint32_t)(start + PROCESS_ARG_HEAD);
	b->cuts[b->n_cuts].cut = (uint32_t)removed;
	b->n_cuts++;
	return removed;
}

/* argv no longer fits: cut the long arguments already kept, then the current one. */
static void go_over(struct argv_build *b, char *buf)
{
	size_t pos = 0, end = b->in_arg ? b->arg_start : b->len;

	b->over = true;
	while (pos < end) {
		const char *nul = memchr(buf + pos, '\0', end - pos);
		size_t alen = nul ? (size_t)(nul - (buf + pos)) + 1 : end - pos;

		if (alen > PROCESS_ARG_KEEP + 1) {
			size_t removed = cut_in_place(b, buf, pos, alen, b->len);

			end -= removed;
			b->len -= removed;
			alen -= removed;
		}
		pos += alen;
	}
	if (b->in_arg) {
		b->arg_start = end;
		if (b->len - b->arg_start > PROCESS_ARG_KEEP)
			cut_begin(b, buf);
	}
}

void argv_build_bytes(struct argv_build *b, char *buf, const char *p, size_t n)
{
	size_t room, take;

	if (!b->in_arg) {
		b->in_arg = true;
		b->arg_start = b->len;
		b->arg_bytes = 0;
		b->arg_overflow = b->cutting = false;
	}
	b->arg_bytes += n;
	if (b->full || !n)
		return;
	if (!b->over && b->len + n + 1 > b->cap)
		go_over(b, buf);
	if (b->cutting) {
		tail_push(b, p, n);
		return;
	}
	room = b->cap - b->len;
	if (b->over && b->len - b->arg_start + n > PROCESS_ARG_KEEP) {
		/* up to the keep size into the buffer, then it becomes a cut argument */
		take = PROCESS_ARG_KEEP - (b->len - b->arg_start);
		if (take > room) {
			take = room;
			b->arg_overflow = true;
		}
		memcpy(buf + b->len, p, take);
		b->len += take;
		cut_begin(b, buf);
		tail_push(b, p + take, n - take);
		return;
	}
	if (n > room) {
		b->arg_overflow = true;
		n = room;
	}
	memcpy(buf + b->len, p, n);
	b->len += n;
}

/* The current argument and all after it are omitted. */
static void drop_current(struct argv_build *b)
{
	b->len = b->arg_start;
	b->full = true;
	b->omitted++;
}

/* A cut argument ends: its tail and NUL after the head, and the cut in the table. */
static void cut_end(struct argv_build *b, char *buf)
{
	size_t at = b->len;

	b->cutting = false;
	if (b->arg_overflow || b->n_cuts >= PROCESS_ARGV_CUTS ||
	    b->len - b->arg_start != PROCESS_ARG_HEAD || b->len + TAIL_KEEP + 1 > b->cap ||
	    b->tail_pos < TAIL_KEEP) {
		drop_current(b);
		return;
	}
	for (size_t i = 0; i < TAIL_KEEP; i++)
		buf[b->len++] = b->tail[(b->tail_pos - TAIL_KEEP + i) % TAIL_KEEP];
	buf[b->len++] = '\0';
	b->cuts[b->n_cuts].at = (uint32_t)at;
	b->cuts[b->n_cuts].cut = (uint32_t)(b->arg_bytes - PROCESS_ARG_HEAD - TAIL_KEEP);
	b->n_cuts++;
}

void argv_build_end_arg(struct argv_build *b, char *buf)
{
	if (!b->in_arg)
		argv_build_bytes(b, buf, "", 0);
	b->argc++;
	if (b->full) {
		b->in_arg = false;
		b->omitted++;
		return;
	}
	if (!b->over && b->len + 1 > b->cap)
		go_over(b, buf);
	b->in_arg = false;
	if (b->cutting) {
		cut_end(b, buf);
		return;
	}
	if (b->arg_overflow || b->len + 1 > b->cap) {
		drop_current(b);
		return;
	}
	buf[b->len++] = '\0';
}

void argv_build_raw(struct argv_build *b, char *buf, const char *p, size_t n)
{
	while (n) {
		const char *nul = memchr(p, '\0', n);
		size_t seg = nul ? (size_t)(nul - p) : n;

		argv_build_bytes(b, buf, p, seg);
		if (!nul)
			return;
		argv_build_end_arg(b, buf);
		p += seg + 1;
		n -= seg + 1;
	}
}

void argv_build_stop(struct argv_build *b, char *buf, uint32_t argc)
{
	if (b->in_arg)
		argv_build_end_arg(b, buf);
	if (argc > b->argc) {
		b->omitted += argc - b->argc;
		b->argc = argc;
	}
	b->full = true;
}

void argv_build_finish(struct argv_build *b, char *buf, struct process_view_exec *x)
{
	if (b->in_arg)
		argv_build_end_arg(b, buf);
	x->args = buf;
	x->args_len = b->len;
	x->cuts = b->cuts;
	x->n_cuts = b->n_cuts;
	x->args_omitted = b->omitted;
	x->argc = 0;
	if (b->n_cuts || b->omitted) {
		x->argc = b->argc;
		x->flags |= PROCESS_EXEC_ARGS_TRUNCATED;
	}
}
