/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the IoT Edge workload API answer parsers (src/transport/workload): the sign answer
 * {"digest": …}, the trust-bundle answer {"certificate": …} and the {"message": …} of error
 * answers.  Every input goes through all three.  Invariants: a digest that is accepted is
 * base64 of 32 bytes; an accepted bundle holds a PEM certificate and its length is right;
 * error texts are NUL-terminated and the error message is printable ASCII.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/json_read.h"
#include "transport/workload/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *body = (const char *)data;
	char digest[WORKLOAD_DIGEST_MAX], err[WORKLOAD_ERROR_MAX], msg[160];
	char *pem = NULL;
	size_t pem_len = 0;

	if (!ready) {
		json_read_init();
		ready = 1;
	}
	err[0] = '\0';
	if (workload_parse_sign_response(body, size, digest, sizeof(digest), err, sizeof(err)) ==
	    0) {
		if (strlen(digest) != 44 || digest[43] != '=')
			abort();
	} else if (!memchr(err, '\0', sizeof(err))) {
		abort();
	}
	err[0] = '\0';
	if (workload_parse_trust_bundle(body, size, &pem, &pem_len, err, sizeof(err)) == 0) {
		if (!pem || strlen(pem) != pem_len || !strstr(pem, "-----BEGIN CERTIFICATE-----"))
			abort();
	} else if (pem || !memchr(err, '\0', sizeof(err))) {
		abort();
	}
	es_free(pem);
	workload_parse_error_message(body, size, msg, sizeof(msg));
	for (const char *p = msg; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
	return 0;
}
