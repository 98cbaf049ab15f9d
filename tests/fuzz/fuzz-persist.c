/* SPDX-License-Identifier: MIT */
/*
 * The store of baselines kept across restarts (common/persist.c) and the records in it.
 *
 * Input starting with 'V': the rest is a record value, given to its two readers: the
 * new-value rule set (the harness puts the rule's signature in place so the parser gets past
 * it and restores it into an engine; a set that restores is saved again, and what is saved
 * must restore to as many values) and the users state
 * (users_saved_split + users_db_parse).  Otherwise the input is a store file: persist_parse
 * either fails with a message, an offset inside the input and an empty store, or loads
 * records with valid keys whose file, formatted again, is the input byte for byte (the
 * format is canonical).  Nothing allocated may stay allocated.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/users/users-diff.h"
#include "common/alloc.h"
#include "common/json_read.h"
#include "common/persist.h"
#include "detect/detect-engine.h"
#include "detect/detect.h"
#include "enrich/users-parse.h"

static const char rules[] =
	"{\"rules\":[{\"id\":\"port\",\"name\":\"n\",\"severity\":\"Medium\",\"description\":"
	"\"d\",\"remediation\":\"r\",\"events\":[\"ListeningPorts\"],\"newValue\":{\"by\":["
	"\"Protocol\",\"LocalPort\"]}}]}";

static void drop_event(struct event_sink *s, struct event *e)
{
	(void)s;
	event_free(e);
}

static void store_file(const uint8_t *data, size_t size)
{
	struct persist *p = NULL;
	struct persist_error err = { { 0 } };
	struct persist_stats st;
	uint8_t *out = NULL;
	size_t out_len = 0;

	if (persist_new(-1, PERSIST_FILE, 0, &p) < 0)
		abort();
	if (persist_parse(p, data, size, &err) < 0) {
		persist_get_stats(p, &st);
		if (!err.message[0] || err.offset > size || st.records || st.bytes)
			abort();
		persist_free(p);
		return;
	}
	if (persist_format(p, &out, &out_len) < 0)
		abort();
	if (out_len != size || memcmp(out, data, size) != 0)
		abort();
	es_free(out);
	persist_free(p);
}

/* Restores value (as the rule's record) into a new engine: the entries it holds, or -1 when
 * the record was refused (then removed).  With resave, saves the set back into *ret. */
static long restore(const uint8_t *v, size_t len, bool resave, uint8_t **ret, size_t *ret_len)
{
	struct event_sink sink = { .submit = drop_event };
	struct detect_settings s = { .trust_event_time = true };
	struct detect_source src = { .name = "f.json", .data = rules, .len = strlen(rules) };
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;
	struct detect_engine *de = NULL;
	struct detect_stats st;
	struct persist *p = NULL;
	const void *back;
	size_t back_len;
	long n = -1;

	if (persist_new(-1, PERSIST_FILE, 0, &p) < 0 ||
	    detect_ruleset_load(&src, 1, NULL, &rs, &rep) < 0 || !rs || rep.n_errors ||
	    persist_put(p, "newValue.port", v, len) < 0 || detect_engine_new(&s, &sink, &de) < 0)
		abort();
	detect_engine_set_persist(de, p);
	detect_engine_set_rules(de, rs);
	detect_engine_get_stats(de, &st);
	if (persist_get(p, "newValue.port", &back, &back_len) == 0) {
		n = (long)st.state_entries;
		if (resave && !st.state_evicted) {
			de->rts->persist_dirty = true; /* what a new value does */
			if (detect_engine_save(de) != 1 ||
			    persist_get(p, "newValue.port", &back, &back_len) < 0 ||
			    !(*ret = es_memdup(back, back_len)))
				abort();
			*ret_len = back_len;
		}
	}
	detect_engine_free(de);
	persist_free(p);
	return n;
}

static uint64_t signature(void)
{
	struct detect_source src = { .name = "f.json", .data = rules, .len = strlen(rules) };
	struct detect_report rep = { 0 };
	struct detect_ruleset *rs = NULL;
	uint64_t sig;

	if (detect_ruleset_load(&src, 1, NULL, &rs, &rep) < 0 || !rs)
		abort();
	sig = rs->rules[0]->signature;
	detect_ruleset_free(rs);
	return sig;
}

/* A set that restores saves back to one that restores to as many values. */
static void new_value_set(const uint8_t *data, size_t size)
{
	uint8_t *v = es_malloc(size ? size : 1), *saved = NULL;
	size_t saved_len = 0;
	uint64_t sig = signature();
	long n;

	if (!v)
		abort();
	memcpy(v, data, size);
	if (size >= 10) /* "N1", then the signature: the rule's, so the rest is parsed */
		for (int i = 0; i < 8; i++)
			v[2 + i] = (uint8_t)(sig >> (8 * i));
	n = restore(v, size, true, &saved, &saved_len);
	if (saved && restore(saved, saved_len, false, NULL, NULL) != n)
		abort();
	es_free(saved);
	es_free(v);
}

static void users_state(const uint8_t *data, size_t size)
{
	const char *pw, *gr;
	size_t pw_len, gr_len;
	struct users_db db = { 0 };

	if (users_saved_split(data, size, &pw, &pw_len, &gr, &gr_len) < 0)
		return;
	if (pw < (const char *)data || pw + pw_len > (const char *)data + size ||
	    (gr && gr + gr_len > (const char *)data + size))
		abort();
	if (users_db_parse(&db, pw, pw_len, gr, gr_len) == 0)
		users_db_done(&db);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t before;

	json_read_init();
	before = es_alloc_in_use();
	if (size && data[0] == 'V') {
		new_value_set(data + 1, size - 1);
		users_state(data + 1, size - 1);
	} else {
		store_file(data, size);
	}
	if (es_alloc_in_use() != before)
		abort();
	return 0;
}
