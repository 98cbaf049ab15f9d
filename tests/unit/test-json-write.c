/* SPDX-License-Identifier: MIT */
/*
 * The JSON writer against hostile input: whatever bytes a process puts in its command line,
 * the message stays valid JSON, valid UTF-8 is kept as is and invalid bytes become U+FFFD.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "common/array.h"
#include "common/buf.h"
#include "common/json_write.h"

#define FFFD "\xef\xbf\xbd"

/* Escapes s, checks the result parses as one JSON string, and returns its decoded value. */
static char *escape_and_decode(const char *s, size_t len, size_t *ret_len)
{
	struct buf b;
	cJSON *v;
	char *out;

	buf_init(&b, 0);
	json_escape(&b, s, len);
	assert_false(b.failed);
	assert_int_equal(b.len, json_escaped_len(s, len));
	assert_int_equal(b.data[b.len], '\0');
	v = cJSON_ParseWithLength(b.data, b.len);
	if (!v)
		fail_msg("escaped form of %zu bytes does not parse: %.200s", len, b.data);
	assert_true(cJSON_IsString(v));
	out = strdup(v->valuestring);
	assert_non_null(out);
	*ret_len = strlen(out);
	cJSON_Delete(v);
	buf_done(&b);
	return out;
}

static void expect_decoded(const char *in, size_t in_len, const char *want)
{
	size_t n;
	char *got = escape_and_decode(in, in_len, &n);

	assert_int_equal(n, strlen(want));
	assert_memory_equal(got, want, n);
	free(got);
}

static void test_specials(void **state)
{
	(void)state;
	expect_decoded("", 0, "");
	expect_decoded("plain", 5, "plain");
	expect_decoded("a\"b", 3, "a\"b");
	expect_decoded("a\\b", 3, "a\\b");
	expect_decoded("\\\"\\\"", 4, "\\\"\\\"");
	expect_decoded("tab\there\nnl\rcr\bbs\fff", 21, "tab\there\nnl\rcr\bbs\fff");
	expect_decoded("del\x7f", 4, "del\x7f");
	expect_decoded("</script>", 9, "</script>");
}

/* Every control character, alone and in a row; NUL included (the length is explicit). */
static void test_control_chars(void **state)
{
	char all[32];
	struct buf b;

	(void)state;
	for (int c = 0; c < 32; c++) {
		char in[3] = { 'x', (char)c, 'y' };
		size_t n;
		char *got;

		all[c] = (char)c;
		buf_init(&b, 0);
		json_escape(&b, in, 3);
		/* No raw control byte may appear in the JSON text. */
		for (size_t i = 0; i < b.len; i++)
			assert_true((unsigned char)b.data[i] >= 0x20);
		buf_done(&b);
		if (c == 0)
			continue; /* cJSON's valuestring is NUL-terminated; checked below */
		got = escape_and_decode(in, 3, &n);
		assert_int_equal(n, 3);
		assert_memory_equal(got, in, 3);
		free(got);
	}
	buf_init(&b, 0);
	json_escape(&b, all, sizeof(all));
	assert_non_null(strstr(b.data, "\\u0000"));
	assert_non_null(strstr(b.data, "\\u001f"));
	{
		cJSON *v = cJSON_ParseWithLength(b.data, b.len);

		assert_non_null(v);
		cJSON_Delete(v);
	}
	buf_done(&b);
}

static void test_valid_utf8_kept(void **state)
{
	static const char *const samples[] = {
		"caf\xc3\xa9",			    /* é, 2 bytes */
		"\xe2\x82\xac 100",		    /* €, 3 bytes */
		"\xf0\x9f\x94\x92 locked",	    /* U+1F512, 4 bytes */
		"\xc2\x80\xdf\xbf",		    /* smallest and largest 2-byte */
		"\xe0\xa0\x80\xef\xbf\xbf",	    /* smallest and largest 3-byte */
		"\xed\x9f\xbf\xee\x80\x80",	    /* around the surrogate range */
		"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", /* smallest and largest 4-byte */
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(samples); i++) {
		struct buf b;

		buf_init(&b, 0);
		json_escape(&b, samples[i], strlen(samples[i]));
		/* Kept byte for byte, between the quotes. */
		assert_int_equal(b.len, strlen(samples[i]) + 2);
		assert_memory_equal(b.data + 1, samples[i], strlen(samples[i]));
		buf_done(&b);
		expect_decoded(samples[i], strlen(samples[i]), samples[i]);
	}
}

static void test_invalid_utf8_replaced(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "\x80", FFFD }, /* lone continuation */
		{ "a\xbf"
		  "b",
		  "a" FFFD "b" },
		{ "\xc0\xaf", FFFD FFFD }, /* overlong '/' */
		{ "\xc1\xbf", FFFD FFFD },
		{ "\xe0\x80\xaf", FFFD FFFD FFFD },	     /* overlong 3-byte */
		{ "\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD }, /* overlong 4-byte */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },	     /* surrogate U+D800 */
		{ "\xed\xbf\xbf", FFFD FFFD FFFD },	     /* surrogate U+DFFF */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD }, /* above U+10FFFF */
		{ "\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD },
		{ "\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD },
		{ "\xfe\xff", FFFD FFFD },
		{ "\xc3", FFFD }, /* truncated at the end */
		{ "\xe2\x82", FFFD FFFD },
		{ "\xf0\x9f\x94", FFFD FFFD FFFD },
		{ "\xe2\x82x", FFFD FFFD "x" }, /* truncated in the middle */
		{ "\xc3\xa9\xc3", "\xc3\xa9" FFFD },
		{ "ok\xff\xc3\xa9", "ok" FFFD "\xc3\xa9" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_decoded(cases[i].in, strlen(cases[i].in), cases[i].want);
}

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random bytes of every kind always give valid JSON whose decoded value is valid UTF-8. */
static void test_random_bytes(void **state)
{
	char in[512];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = next_rand() % sizeof(in), n;
		char *got;

		for (size_t i = 0; i < len; i++) {
			uint64_t r = next_rand();

			/* bias towards the interesting bytes */
			in[i] = (char)((r & 3) == 0 ? 0x80 + (r >> 8) % 0x80 : (r >> 8) & 0xff);
			if (in[i] == 0)
				in[i] = 1;
		}
		got = escape_and_decode(in, len, &n);
		for (size_t i = 0; i < n;) {
			size_t k = utf8_seq_len((const unsigned char *)got + i, n - i);

			assert_true(k > 0);
			i += k;
		}
		free(got);
	}
}

static void test_large_string(void **state)
{
	size_t len = 1u << 20, n;
	char *big = malloc(len), *got;

	(void)state;
	assert_non_null(big);
	for (size_t i = 0; i < len; i++)
		big[i] = (char)("a\"\\\n\x01\xc3\xa9\xff"[i % 8]);
	got = escape_and_decode(big, len, &n);
	/* 1 MiB / 8 = 131072 groups; \xff became 3 bytes of U+FFFD, the rest is kept. */
	assert_int_equal(n, len / 8 * 10);
	free(got);
	free(big);
}

/* A buffer too small for the escaped form fails cleanly instead of writing a partial string. */
static void test_buffer_max(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 16);
	json_escape(&b, "0123456789abcdefghij", 20);
	assert_true(b.failed);
	assert_true(b.len <= 16);
	buf_done(&b);
}

/*
 * A bounded buffer takes a string whose escaped form fits, even when the worst case (6 bytes
 * per input byte) would not: messages are built in buffers bounded by maxMessageSizeInBytes.
 */
static void test_buffer_max_exact_fit(void **state)
{
	struct buf b;
	char *s = malloc(100000);

	(void)state;
	assert_non_null(s);
	memset(s, 'a', 100000);
	buf_init(&b, 100010);
	buf_puts(&b, "[");
	json_escape(&b, s, 100000);
	assert_false(b.failed);
	assert_int_equal(b.len, 1 + 100002);
	buf_putc(&b, ']');
	assert_false(b.failed);
	buf_done(&b);
	/* One byte short of the escaped form: refused. */
	buf_init(&b, 100001);
	json_escape(&b, s, 100000);
	assert_true(b.failed);
	buf_done(&b);
	free(s);
}

static void test_prefix_len(void **state)
{
	const char *s = "ab\xc3\xa9"
			"c\xe2\x82\xac"
			"d\xf0\x9f\x94\x92";
	size_t len = strlen(s);

	(void)state;
	/* Never cut inside a sequence; never longer than max. */
	for (size_t max = 0; max <= len + 2; max++) {
		size_t p = utf8_prefix_len(s, len, max);

		assert_true(p <= max || (max >= len && p == len));
		assert_true(p <= len);
		if (p < len)
			assert_true(((unsigned char)s[p] & 0xc0) != 0x80);
	}
	assert_int_equal(utf8_prefix_len(s, len, 3), 2); /* é would be cut */
	assert_int_equal(utf8_prefix_len(s, len, 4), 4);
	assert_int_equal(utf8_prefix_len(s, len, 6), 5); /* € would be cut */
	assert_int_equal(utf8_prefix_len(s, len, 7), 5);
	assert_int_equal(utf8_prefix_len(s, len, 8), 8);
	assert_int_equal(utf8_prefix_len(s, len, 12), 9); /* 4-byte sequence */
	assert_int_equal(utf8_prefix_len(s, len, 13), 13);
	assert_int_equal(utf8_prefix_len(s, len, 100), len);
	/* Invalid bytes are single units: cutting between them is fine. */
	assert_int_equal(utf8_prefix_len("\x80\x80\x80\x80\x80", 5, 3), 3);
	assert_int_equal(utf8_prefix_len("\xff\xfe", 2, 1), 1);
}

/* Random cuts of random valid UTF-8 always land on a boundary. */
static void test_prefix_len_random(void **state)
{
	static const char *const chars[] = { "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x94\x92" };
	char s[256];

	(void)state;
	for (int round = 0; round < 5000; round++) {
		size_t len = 0, max, p;

		while (len < sizeof(s) - 4) {
			const char *c = chars[next_rand() % 4];

			memcpy(s + len, c, strlen(c));
			len += strlen(c);
			if (next_rand() % 40 == 0)
				break;
		}
		max = next_rand() % (len + 1);
		p = utf8_prefix_len(s, len, max);
		assert_true(p <= max);
		assert_true(max - p < 4);
		for (size_t i = 0; i < p;) {
			size_t k = utf8_seq_len((const unsigned char *)s + i, p - i);

			assert_true(k > 0);
			i += k;
		}
	}
}

static cJSON *parse_buf(const struct buf *b)
{
	cJSON *v;

	assert_false(b->failed);
	v = cJSON_ParseWithLength(b->data, b->len);
	if (!v)
		fail_msg("writer produced invalid JSON: %s", b->data);
	return v;
}

static void test_writer_nesting(void **state)
{
	struct buf b;
	struct jw w;
	cJSON *v, *arr;

	(void)state;
	buf_init(&b, 0);
	jw_init(&w, &b);
	jw_obj_begin(&w);
	jw_key(&w, "s");
	jw_cstr(&w, "x\"y");
	jw_key(&w, "n");
	jw_cstr(&w, NULL);
	jw_key(&w, "i");
	jw_int(&w, INT64_MIN);
	jw_key(&w, "u");
	jw_uint(&w, UINT64_MAX);
	jw_key(&w, "t");
	jw_bool(&w, true);
	jw_key(&w, "f");
	jw_bool(&w, false);
	jw_key(&w, "a");
	jw_arr_begin(&w);
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_obj_begin(&w);
	jw_obj_end(&w);
	jw_int(&w, 1);
	jw_raw(&w, "{\"r\":[1,2]}", 11);
	jw_null(&w);
	jw_arr_end(&w);
	jw_key_n(&w, "k\x01\xff", 3);
	jw_str(&w, "v", 1);
	jw_obj_end(&w);
	assert_string_equal(b.data,
			    "{\"s\":\"x\\\"y\",\"n\":null,\"i\":-9223372036854775808,"
			    "\"u\":18446744073709551615,\"t\":true,\"f\":false,"
			    "\"a\":[[],{},1,{\"r\":[1,2]},null],\"k\\u0001\\ufffd\":\"v\"}");
	v = parse_buf(&b);
	arr = cJSON_GetObjectItemCaseSensitive(v, "a");
	assert_int_equal(cJSON_GetArraySize(arr), 5);
	cJSON_Delete(v);
	buf_done(&b);
}

static void test_writer_depth(void **state)
{
	struct buf b;
	struct jw w;
	cJSON *v;

	(void)state;
	/* JW_MAX_DEPTH levels work ... */
	buf_init(&b, 0);
	jw_init(&w, &b);
	for (int i = 0; i < JW_MAX_DEPTH; i++)
		jw_arr_begin(&w);
	jw_int(&w, 7);
	for (int i = 0; i < JW_MAX_DEPTH; i++)
		jw_arr_end(&w);
	v = parse_buf(&b);
	cJSON_Delete(v);
	buf_done(&b);
	/* ... one more marks the buffer failed. */
	buf_init(&b, 0);
	jw_init(&w, &b);
	for (int i = 0; i <= JW_MAX_DEPTH; i++)
		jw_obj_begin(&w);
	assert_true(b.failed);
	buf_done(&b);
	/* Closing more than was opened marks it failed too. */
	buf_init(&b, 0);
	jw_init(&w, &b);
	jw_arr_begin(&w);
	jw_arr_end(&w);
	jw_arr_end(&w);
	assert_true(b.failed);
	buf_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_control_chars),
		cmocka_unit_test(test_valid_utf8_kept),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_large_string),
		cmocka_unit_test(test_buffer_max),
		cmocka_unit_test(test_buffer_max_exact_fit),
		cmocka_unit_test(test_prefix_len),
		cmocka_unit_test(test_prefix_len_random),
		cmocka_unit_test(test_writer_nesting),
		cmocka_unit_test(test_writer_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
