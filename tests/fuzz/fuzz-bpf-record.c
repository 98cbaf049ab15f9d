/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness for the decoder of the eBPF process records (process_record_decode) and the
 * formatters applied to a decoded record (argv join, cwd, the executed file's path, the
 * stdin file's path, the container from the recorded cgroup, addresses, exit status).  The
 * input is one record as the ring buffer would hand it over: bytes and their length.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "collectors/process/process-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[PROCESS_CMDLINE_MAX + 1];
	char addr[PROCESS_ADDR_STR_MAX];
	struct process_view v;
	struct cgroup_container ct;
	unsigned char *copy;
	bool trunc, deleted;
	int sig;

	/* An exact-size copy, so ASan sees any read past the record. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (process_record_decode(copy, size, &v) == 0) {
		switch (v.type) {
		case PROCESS_RECORD_EXEC:
			process_args_join(v.exec.args, v.exec.args_len, out, sizeof(out));
			process_cwd_format(v.exec.cwd_parts, v.exec.cwd_len, out, sizeof(out));
			process_cwd_format(v.exec.cwd_parts, v.exec.cwd_len, out, 3);
			process_args_join(v.exec.args, v.exec.args_len, out, 1);
			/* cuts inside argv and in order, and the whole view fits the documented
			 * size */
			if (process_cmdline_format(&v.exec, out, sizeof(out)) + 1 >= sizeof(out))
				abort();
			process_cmdline_format(&v.exec, out, 7);
			for (unsigned i = 0; i < v.exec.n_cuts; i++)
				if (process_view_cut(&v.exec, i).at > v.exec.args_len)
					abort();
			(void)process_stdio_to_string(v.exec.stdio[0]);
			process_cwd_format(v.exec.path_parts, v.exec.path_len, out, sizeof(out));
			if (process_exec_container(&v.exec, &ct) > 0 &&
			    strlen(ct.id) != CGROUP_CONTAINER_ID_LEN)
				abort();
			if (process_exec_path(-1, v.pid, &v.exec, v.exec.exe, v.exec.exe_len, false,
					      out, sizeof(out), &trunc) >= sizeof(out))
				abort();
			if (process_stdin_path(-1, v.pid, &v.exec, out, sizeof(out), &trunc,
					       &deleted) >= sizeof(out))
				abort();
			break;
		case PROCESS_RECORD_EXIT:
			process_exit_status(v.exit.exit_code, &sig);
			break;
		case PROCESS_RECORD_CONNECT:
			process_addr_format(v.conn.family, v.conn.local_addr, addr);
			process_addr_format(v.conn.family, v.conn.remote_addr, addr);
			break;
		case PROCESS_RECORD_LISTEN:
			if (process_addr_format(v.listen.family, v.listen.local_addr, addr) < 0)
				abort(); /* the decoder accepts inet families only */
			if (v.listen.protocol != IPPROTO_TCP && v.listen.protocol != IPPROTO_UDP)
				abort(); /* ... and TCP or UDP only */
			break;
		default:
			abort(); /* the decoder must not accept an unknown type */
		}
	}
	free(copy);
	return 0;
}
