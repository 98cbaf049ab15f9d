/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * libmosquitto, opened with dlopen() when the MQTT transport is first set up.
 *
 * libmosquitto needs libssl and libcrypto, and merely loading libcrypto costs ~1.5 MiB of
 * resident memory (its relocations and symbol tables are touched at load), libssl another
 * 0.25 MiB.  An agent in local mode (--output FILE) never speaks MQTT, so the agent does not
 * link these libraries: the transport opens libmosquitto (and with it the TLS libraries) on
 * first use and keeps it for the life of the process.  The function types come from
 * <mosquitto.h>, so they are checked at build time.
 *
 * Owns: the process-wide handle and function table, never closed.  Loop thread only.
 */
#include <stddef.h>

#include <mosquitto.h>
#include <openssl/ssl.h>

#ifndef EDGESEC_LIBMOSQUITTO_SONAME
#define EDGESEC_LIBMOSQUITTO_SONAME "libmosquitto.so.1"
#endif

/* Every libmosquitto function the transport calls, without the mosquitto_ prefix. */
#define MOSQ_LIB_FUNCTIONS(X)                                                                      \
	X(lib_init)                                                                                \
	X(new)                                                                                     \
	X(destroy)                                                                                 \
	X(int_option)                                                                              \
	X(connect_callback_set)                                                                    \
	X(disconnect_callback_set)                                                                 \
	X(publish_callback_set)                                                                    \
	X(message_callback_set)                                                                    \
	X(log_callback_set)                                                                        \
	X(max_inflight_messages_set)                                                               \
	X(username_pw_set)                                                                         \
	X(tls_set)                                                                                 \
	X(tls_opts_set)                                                                            \
	X(tls_insecure_set)                                                                        \
	X(connect_async)                                                                           \
	X(disconnect)                                                                              \
	X(socket)                                                                                  \
	X(want_write)                                                                              \
	X(loop_read)                                                                               \
	X(loop_write)                                                                              \
	X(loop_misc)                                                                               \
	X(publish)                                                                                 \
	X(subscribe)                                                                               \
	X(ssl_get)                                                                                 \
	X(strerror)                                                                                \
	X(connack_string)

#define MOSQ_LIB_FIELD(name) __typeof__(mosquitto_##name) *name;

struct mosq_lib {
	void *handle;
	MOSQ_LIB_FUNCTIONS(MOSQ_LIB_FIELD)
	/* From libssl, which libmosquitto loads: bytes TLS decrypted but not yet read. */
	__typeof__(SSL_pending) *ssl_pending;
};

/*
 * The library, opened and mosquitto_lib_init()ed on the first call; later calls return the
 * same table.  NULL with the reason in why (dlerror's text or the missing symbol) if it
 * cannot be loaded; a later call tries again.
 */
const struct mosq_lib *mosq_lib_get(char *why, size_t why_size);
