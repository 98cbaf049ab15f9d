/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness for the audit record parser (collectors/process/audit-parse.c).  The input is
 * one audit event as the audit backend receives it: records, one per line, each "TYPE TEXT"
 * where TYPE is the netlink message type in decimal (1300 = SYSCALL, 1309 = EXECVE, ...) and
 * TEXT the record as the kernel sends it ("audit(SEC.MSEC:SERIAL): key=value ...").  The
 * corpus (corpus/audit-record/) holds real events captured from this kernel plus handmade
 * edge cases.  Each record is handed over as an exact-size copy, so ASan sees any read past
 * it; the records are folded into one event and every consumer of the event is run.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/process/audit-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void record_feed(struct audit_event *ev, bool *started, const char *line, size_t len)
{
	struct audit_stamp st;
	unsigned type = 0;
	size_t i = 0, body;
	char *copy;

	while (i < len && i < 5 && line[i] >= '0' && line[i] <= '9')
		type = type * 10 + (unsigned)(line[i++] - '0');
	if (i == 0 || i >= len || line[i] != ' ')
		return;
	i++;
	copy = malloc(len - i ? len - i : 1);
	if (!copy)
		return;
	memcpy(copy, line + i, len - i);
	if (audit_stamp_parse(copy, len - i, &st, &body) == 0) {
		if (body > len - i)
			abort(); /* the body must lie inside the record */
		if (!*started) {
			audit_event_init(ev, &st);
			*started = true;
		}
		(void)audit_type_is_syscall_part(type);
		(void)audit_event_add(ev, type, copy + body, len - i - body);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct audit_event ev;
	static char out[PROCESS_CMDLINE_MAX + 1];
	const char *p = (const char *)data, *end = p + size;
	char addr[PROCESS_ADDR_STR_MAX], small[8];
	struct process_view v;
	bool started = false;
	size_t n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		record_feed(&ev, &started, p, len);
		p += len + (nl ? 1 : 0);
	}
	/* A value decoded on its own, as the first line would be. */
	(void)audit_value_decode((const char *)data, size, small, sizeof(small), &n);
	if (!started)
		return 0;
	if (ev.argv.len > sizeof(ev.args) || ev.cwd_len >= sizeof(ev.cwd) ||
	    ev.exe_len >= sizeof(ev.exe) || ev.path0_len >= sizeof(ev.path0) ||
	    ev.title_len > sizeof(ev.title))
		abort(); /* lengths always stay within their buffers */
	(void)audit_event_kind(&ev);
	(void)audit_event_socket_fd(&ev);
	if (audit_event_view(&ev, 0, &v) == 0) {
		switch (v.type) {
		case PROCESS_RECORD_EXEC:
			process_args_join(v.exec.args, v.exec.args_len, out, sizeof(out));
			/* the whole view always fits the formatter's documented size */
			if (process_cmdline_format(&v.exec, out, sizeof(out)) + 1 >= sizeof(out))
				abort();
			process_cwd_format(v.exec.cwd_parts, v.exec.cwd_len, out, sizeof(out));
			if (v.exec.exe_len > PROCESS_EXE_MAX ||
			    v.exec.args_len > PROCESS_ARGS_MAX || v.exec.n_cuts > PROCESS_ARGV_CUTS)
				abort();
			break;
		case PROCESS_RECORD_CONNECT:
			if (v.conn.family)
				(void)process_addr_format(v.conn.family, v.conn.remote_addr, addr);
			break;
		case PROCESS_RECORD_EXIT:
			break;
		default:
			abort(); /* the parser must not invent a record type */
		}
	}
	return 0;
}
