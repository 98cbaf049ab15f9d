/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the deployment-manifest parser and the rules: parse, analyze, locate
 * every finding's pointer in the input (as the SARIF writer does), and check the invariants:
 * an error always has a message, a finding always has a rule, module and path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/json-locate.h"
#include "analyze/manifest.h"
#include "analyze/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest *m = NULL;
	struct finding_list l = { 0 };
	struct json_error err;
	const char *text = (const char *)data;

	if (manifest_parse(text, size, &m, &err) < 0) {
		if (!err.message[0])
			abort();
		if (err.pointer[0]) {
			unsigned line, col;

			(void)json_locate(text, size, err.pointer, &line, &col);
		}
		return 0;
	}
	if (manifest_analyze(m, &l) == 0) {
		for (size_t i = 0; i < l.n; i++) {
			unsigned line, col;

			if (!l.items[i].rule || !l.items[i].module || !l.items[i].path)
				abort();
			(void)json_locate(text, size, l.items[i].path, &line, &col);
		}
	}
	finding_list_done(&l);
	manifest_free(m);
	return 0;
}
