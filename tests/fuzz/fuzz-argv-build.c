/* SPDX-License-Identifier: MIT */
/*
 * Fuzz harness for argv-build.c: the input's first byte picks the piece size, the rest is
 * argv (NUL-separated) fed in pieces; bytes 0x01 also end an argument through the explicit
 * call and 0x02 stops the build, as the audit parser would.  Checks the invariants: the kept
 * bytes never pass the cap, cuts lie inside argv in order, and the command line fits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/process/argv-build.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[PROCESS_ARGS_MAX], out[PROCESS_CMDLINE_MAX + 1];
	static struct argv_build b;
	struct process_view_exec x = { 0 };
	size_t piece, i = 1;
	uint32_t prev = 0;

	if (!size)
		return 0;
	piece = (size_t)data[0] * 37 + 1;
	argv_build_init(&b, sizeof(buf));
	while (i < size) {
		size_t n = size - i < piece ? size - i : piece;
		const uint8_t *ctl = memchr(data + i, 0x01, n);
		const uint8_t *stop = memchr(data + i, 0x02, n);

		if (stop && (!ctl || stop < ctl))
			ctl = stop;
		if (ctl)
			n = (size_t)(ctl - (data + i));
		argv_build_raw(&b, buf, (const char *)data + i, n);
		i += n;
		if (ctl) {
			if (*ctl == 0x01)
				argv_build_end_arg(&b, buf);
			else
				argv_build_stop(&b, buf, (uint32_t)size);
			i++;
		}
		if (b.len > sizeof(buf))
			abort();
	}
	argv_build_finish(&b, buf, &x);
	if (x.args_len > sizeof(buf) || x.n_cuts > PROCESS_ARGV_CUTS)
		abort();
	for (unsigned k = 0; k < x.n_cuts; k++) {
		struct process_argv_cut c = process_view_cut(&x, k);

		if (c.at > x.args_len || c.at < prev || !c.cut)
			abort();
		prev = c.at;
	}
	if (process_cmdline_format(&x, out, sizeof(out)) + 1 >= sizeof(out))
		abort();
	return 0;
}
