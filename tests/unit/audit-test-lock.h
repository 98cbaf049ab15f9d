/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The kernel's audit state is one per host.  Tests that use it take turns with the other
 * audit tests of any checkout on this machine (a file lock of their own), then wait while an
 * agent (of another checkout, or another test) holds the host lock of src/audit/, for at
 * most two minutes.  Returns the turn lock's fd (kept open until exit), or -1.
 */

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

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
