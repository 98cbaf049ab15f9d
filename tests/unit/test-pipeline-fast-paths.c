/* SPDX-License-Identifier: MIT */
/*
 * The pipeline's hot-path shortcuts against plain reference code: fmt_u64 (two digits per
 * division) against printf, guid_format (byte-pair table) against printf, json_escape's
 * 16-byte blocks and overlapping tail against a byte-at-a-time escaper, and the
 * aggregation identity (hashed and compared as raw encoded bytes) against what the
 * reference defines: every value counts except the process ids and the ephemeral port,
 * wherever they sit in the event.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/array.h"
#include "common/buf.h"
#include "common/guid.h"
#include "common/json_write.h"
#include "pipeline/aggregate.h"
#include "pipeline/event.h"

#define T0 1700000000000000000ull

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint64_t next_random(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Dull;
}

static void check_u64(uint64_t v)
{
	char got[21], want[32];
	size_t n = fmt_u64(got, v);

	got[n] = '\0';
	snprintf(want, sizeof(want), "%" PRIu64, v);
	assert_string_equal(got, want);
}

static void test_fmt_u64(void **state)
{
	uint64_t p = 1;

	(void)state;
	check_u64(0);
	check_u64(UINT64_MAX);
	for (int i = 0; i < 20; i++) {
		check_u64(p);
		check_u64(p - 1);
		check_u64(p + 1);
		if (i < 19)
			p *= 10;
	}
	for (uint64_t v = 0; v < 200000; v++)
		check_u64(v);
	for (int i = 0; i < 200000; i++) {
		uint64_t x = next_random();

		check_u64(x >> (x % 64));
	}
}

static void test_guid_format(void **state)
{
	(void)state;
	for (int k = 0; k < 1000; k++) {
		uint8_t g[16];
		char got[GUID_STR_LEN + 1], want[64];

		for (int i = 0; i < 16; i++)
			g[i] = (uint8_t)(k < 256 ? (k + i * 17) & 0xff : next_random());
		guid_format(g, got);
		snprintf(want, sizeof(want),
			 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
			 g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11],
			 g[12], g[13], g[14], g[15]);
		assert_int_equal(strlen(got), GUID_STR_LEN);
		assert_string_equal(got, want);
	}
}

/* The escaper, one byte at a time, as JSON and the project define it. */
static void reference_escape(struct buf *b, const unsigned char *s, size_t len)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n;

		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
			i++;
		} else if (c < 0x20) {
			if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
				buf_putc(b, '\\');
				buf_putc(b, c == '\n'	? 'n'
					    : c == '\r' ? 'r'
					    : c == '\t' ? 't'
					    : c == '\b' ? 'b'
							: 'f');
			} else {
				buf_printf(b, "\\u%04x", c);
			}
			i++;
		} else if (c < 0x80) {
			buf_putc(b, (char)c);
			i++;
		} else if ((n = utf8_seq_len(s + i, len - i)) > 0) {
			buf_append(b, s + i, n);
			i += n;
		} else {
			buf_puts(b, "\\ufffd");
			i++;
		}
	}
	buf_putc(b, '"');
}

static void check_escape(const unsigned char *s, size_t len)
{
	struct buf got, want;

	buf_init(&got, 0);
	buf_init(&want, 0);
	json_escape(&got, (const char *)s, len);
	reference_escape(&want, s, len);
	assert_false(got.failed);
	if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0)
		fail_msg("escape of %zu bytes differs:\n got %s\nwant %s", len, got.data,
			 want.data);
	buf_done(&got);
	buf_done(&want);
}

static void test_escape_every_position(void **state)
{
	static const char *const specials[] = { "\"",	    "\\",	    "\n",   "\x01", "\x7f",
						"\xc3\xa9", "\xe2\x82\xac", "\xff", "\xc3" };
	unsigned char s[96];

	(void)state;
	/* Plain strings of every length: blocks, words, bytes and the overlapping tail. */
	for (size_t len = 0; len <= 80; len++) {
		for (size_t i = 0; i < len; i++)
			s[i] = (unsigned char)('a' + i % 26);
		check_escape(s, len);
		/* One special sequence at every position. */
		for (size_t k = 0; k < ARRAY_SIZE(specials); k++) {
			size_t sl = strlen(specials[k]);

			for (size_t at = 0; at + sl <= len; at++) {
				for (size_t i = 0; i < len; i++)
					s[i] = (unsigned char)('a' + i % 26);
				memcpy(s + at, specials[k], sl);
				check_escape(s, len);
			}
		}
	}
	for (int r = 0; r < 20000; r++) {
		size_t len = next_random() % 90;

		for (size_t i = 0; i < len; i++) {
			uint64_t x = next_random();

			s[i] = (unsigned char)(x % 5 ? 'A' + x % 50 : x >> 8);
		}
		check_escape(s, len);
	}
}

/* ---- aggregation identity ---- */

/* A ProcessCreate whose ignored fields (ProcessId, ParentProcessId) go where `order` says. */
static struct event *make_pc(int order, int64_t pid, const char *cmd, size_t cmd_len)
{
	struct event_builder b;
	struct event *e = NULL;

	event_builder_init(&b);
	event_builder_begin(&b, EVENT_PROCESS_CREATE, T0);
	event_builder_item(&b);
	if (order == 0) {
		event_add_int(&b, PC_PROCESS_ID, pid);
		event_add_int(&b, PC_PARENT_PROCESS_ID, pid + 1);
	}
	event_add_cstr(&b, PC_EXECUTABLE, "/usr/bin/fast-paths-test");
	if (order == 1)
		event_add_int(&b, PC_PROCESS_ID, pid);
	event_add_cstr(&b, PC_USER_ID, "0");
	if (order == 1)
		event_add_int(&b, PC_PARENT_PROCESS_ID, pid + 1);
	event_add_str(&b, PC_COMMAND_LINE, cmd, cmd_len);
	if (order == 2) {
		event_add_int(&b, PC_PARENT_PROCESS_ID, pid + 1);
		event_add_int(&b, PC_PROCESS_ID, pid);
	}
	event_add_extra_cstr(&b, "Cwd", "/");
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	return e;
}

static void test_identity_ignores_positions_not_bytes(void **state)
{
	struct aggregator *a = aggregator_new(1000, 1 << 24);
	struct aggregator_stats st;
	char cmd[200];

	(void)state;
	aggregator_configure(a, EVENT_PROCESS_CREATE, true, 60000, NULL);
	memset(cmd, 'x', sizeof(cmd));
	/* The same identity with its process ids in three places: one entry. */
	for (int order = 0; order < 3; order++)
		assert_true(aggregator_offer(a, make_pc(order, 100 + order, cmd, sizeof(cmd)), T0));
	assert_int_equal(aggregator_entries(a), 1);
	/* One byte different anywhere in a long command line (or its length): a new entry. */
	for (size_t at = 0; at < sizeof(cmd); at += 7) {
		cmd[at] = 'y';
		assert_true(aggregator_offer(a, make_pc((int)(at % 3), 7, cmd, sizeof(cmd)), T0));
		cmd[at] = 'x';
	}
	assert_true(aggregator_offer(a, make_pc(0, 7, cmd, sizeof(cmd) - 1), T0));
	assert_int_equal(aggregator_entries(a), 1 + (sizeof(cmd) + 6) / 7 + 1);
	aggregator_get_stats(a, &st);
	assert_int_equal(st.absorbed, 2);
	aggregator_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_u64),
		cmocka_unit_test(test_guid_format),
		cmocka_unit_test(test_escape_every_position),
		cmocka_unit_test(test_identity_ignores_positions_not_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
