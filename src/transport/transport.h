/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * Where messages go.  A transport is a table of operations; core/ publishes every message the
 * pipeline builds through it.  Only the local transport (stdout or an append-only file) exists
 * today; MQTT to edgeHub / IoT Hub will be another table behind the same calls.
 */

#include <stdbool.h>
#include <stdint.h>

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

/* Local output: path NULL or "-" means stdout; a file is opened for append (0600). */
int transport_local_open(const char *path, struct transport **ret);
int transport_publish(struct transport *t, const struct message *m);
const char *transport_describe(const struct transport *t);
struct transport *transport_close(struct transport *t);
