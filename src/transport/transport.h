/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Where messages go.  A transport is a table of operations; core/ publishes every message the
 * pipeline builds through it.  Only the local transport (stdout or an append-only file) exists
 * today; MQTT to edgeHub / IoT Hub will be another table behind the same calls.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pipeline/message.h"

struct transport;

struct transport_ops {
	const char *name;
	int (*publish)(struct transport *t, const struct message *m);
	void (*close)(struct transport *t);
	/* "stdout", "file:/var/log/edgesec.jsonl", ... (no secrets) */
	const char *(*describe)(const struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	void *priv;
	uint64_t write_errors;
};

/*
 * Local output: path NULL, "-" or "/dev/stdout" means stdout ("/dev/stderr": stderr); a file
 * is opened for append (created 0600) with safefile_open_append(), trusting root and `uid`:
 * a symbolic link, a file of another user, a hard link or a world-writable file is refused,
 * with the reason in `why` (common/safefile.h, docs/security.md).
 */
int transport_local_open(const char *path, uid_t uid, struct transport **ret, char *why,
			 size_t why_size);
int transport_publish(struct transport *t, const struct message *m);
const char *transport_describe(const struct transport *t);
struct transport *transport_close(struct transport *t);
