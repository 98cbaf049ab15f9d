/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The kernel's audit state is one per host.  Tests that use it take turns with the other
 * audit tests of any checkout on this machine (a file lock of their own), then wait while an
 * agent (of another checkout, or another test) holds the host lock of src/audit/, for at
 * most two minutes.  audit_test_take_turn() returns the turn lock's fd (kept open until
 * exit), or -1.  audit_test_begin() is the start of such a test's main (below).
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <linux/audit.h>

#include "audit/audit-control.h"

static inline int audit_test_take_turn(void)
{
	int lock = open("/tmp/edgesec-test-process-audit.lock",
			O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (lock >= 0)
		(void)flock(lock, LOCK_EX);
	for (int i = 0; i < 1200; i++) {
		int host = open(AUDIT_CONTROL_LOCK_PATH, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		int busy = host >= 0 && flock(host, LOCK_EX | LOCK_NB) < 0;

		if (host >= 0)
			close(host);
		if (!busy)
			break;
		usleep(100 * 1000);
	}
	return lock;
}

/*
 * Root, our turn (held until exit), and the host's audit state before the test in *before,
 * read with the test's own status_get: 0.  77, the reason printed, only when kernel audit
 * cannot exist here: not root, no CONFIG_AUDIT (EPROTONOSUPPORT), or a network namespace
 * where audit is refused (ECONNREFUSED).  1 when AUDIT_GET fails otherwise.
 */
static inline int audit_test_begin(int (*status_get)(struct audit_status *),
				   struct audit_status *before)
{
	int r;

	if (geteuid() != 0) {
		printf("SKIP: kernel audit needs root\n");
		return 77;
	}
	/* Other checkouts, tests or agents may use the host's audit now: take turns. */
	(void)audit_test_take_turn(); /* held until exit */
	r = status_get(before);
	if (r == -EPROTONOSUPPORT || r == -ECONNREFUSED) {
		printf("SKIP: no kernel audit here: %s\n", strerror(-r));
		return 77;
	}
	if (r < 0) {
		printf("FAIL: AUDIT_GET: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
