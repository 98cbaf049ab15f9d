/* SPDX-License-Identifier: MIT */
/*
 * IoT Hub topic and property-bag codec (see topic.h).  Everything here is a bounded parser or
 * formatter over caller memory; the fuzz harness tests/fuzz/fuzz-iothub-topic.c drives
 * iothub_topic_parse and round-trips bags through format and parse.
 */
#include "topic.h"

#include <errno.h>
#include <string.h>

#include "common/hex.h"
#include "common/num.h"

static const char hex_digits[] = "0123456789ABCDEF";

static bool url_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

void iothub_url_encode(struct buf *b, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (url_unreserved(c)) {
			buf_putc(b, (char)c);
		} else {
			char esc[3] = { '%', hex_digits[c >> 4], hex_digits[c & 15] };

			buf_append(b, esc, 3);
		}
	}
}

int iothub_url_decode(const char *s, size_t len, char *out, size_t out_size, size_t *ret_len)
{
	size_t o = 0;

	if (!out_size)
		return -E2BIG;
	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3)
				return -EBADMSG;
			hi = hex_digit_value(s[i + 1]);
			lo = hex_digit_value(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -EBADMSG;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0)
			return -EBADMSG;
		if (o + 1 >= out_size)
			return -E2BIG;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (ret_len)
		*ret_len = o;
	return 0;
}

int iothub_property_bag_add(struct iothub_property_bag *bag, const char *key, const char *value)
{
	struct iothub_property *p;
	size_t kl = strlen(key), vl = strlen(value);

	if (bag->n >= IOTHUB_PROPS_MAX)
		return -E2BIG;
	if (kl == 0 || kl >= IOTHUB_PROP_KEY_MAX || vl >= IOTHUB_PROP_VALUE_MAX)
		return -EINVAL;
	p = &bag->props[bag->n++];
	memcpy(p->key, key, kl + 1);
	memcpy(p->value, value, vl + 1);
	return 0;
}

const char *iothub_property_bag_get(const struct iothub_property_bag *bag, const char *key)
{
	for (unsigned i = 0; i < bag->n; i++)
		if (strcmp(bag->props[i].key, key) == 0)
			return bag->props[i].value;
	return NULL;
}

void iothub_property_bag_format(struct buf *b, const struct iothub_property_bag *bag)
{
	for (unsigned i = 0; i < bag->n && i < IOTHUB_PROPS_MAX; i++) {
		const struct iothub_property *p = &bag->props[i];

		if (i)
			buf_putc(b, '&');
		iothub_url_encode(b, p->key, strnlen(p->key, sizeof(p->key)));
		buf_putc(b, '=');
		iothub_url_encode(b, p->value, strnlen(p->value, sizeof(p->value)));
	}
}

int iothub_property_bag_parse(const char *s, size_t len, struct iothub_property_bag *ret)
{
	size_t i = 0;

	ret->n = 0;
	if (len > IOTHUB_TOPIC_MAX)
		return -E2BIG;
	while (i < len) {
		const char *pair = s + i, *amp = memchr(pair, '&', len - i), *eq;
		size_t plen = amp ? (size_t)(amp - pair) : len - i, klen;
		struct iothub_property *p;
		int r;

		i += plen + 1;
		if (plen == 0) /* "a=1&&b=2", trailing '&' */
			continue;
		if (ret->n >= IOTHUB_PROPS_MAX)
			return -E2BIG;
		p = &ret->props[ret->n];
		eq = memchr(pair, '=', plen);
		klen = eq ? (size_t)(eq - pair) : plen;
		if (klen == 0)
			return -EBADMSG;
		r = iothub_url_decode(pair, klen, p->key, sizeof(p->key), NULL);
		if (r < 0)
			return r;
		if (eq)
			r = iothub_url_decode(eq + 1, plen - klen - 1, p->value, sizeof(p->value),
					      NULL);
		else
			p->value[0] = '\0';
		if (r < 0)
			return r;
		ret->n++;
	}
	return 0;
}

static bool valid_id(const char *id)
{
	size_t n = strnlen(id, IOTHUB_ID_MAX);

	if (n == 0 || n >= IOTHUB_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c < 0x20 || c == 0x7f || c == '/' || c == '+' || c == '#')
			return false;
	}
	return true;
}

int iothub_topic_format_telemetry(struct buf *b, const char *device_id, const char *module_id,
				  const struct iothub_property_bag *bag)
{
	size_t start = b->len;

	if (!valid_id(device_id) || !valid_id(module_id))
		return -EINVAL;
	buf_puts(b, "devices/");
	buf_puts(b, device_id);
	buf_puts(b, "/modules/");
	buf_puts(b, module_id);
	buf_puts(b, "/messages/events/");
	if (bag)
		iothub_property_bag_format(b, bag);
	if (b->failed)
		return -ENOMEM;
	if (b->len - start > IOTHUB_TOPIC_MAX)
		return -E2BIG;
	return 0;
}

/* ---- parsing ---- */

struct cursor {
	const char *p;
	size_t left;
};

/* Consumes the literal `lit` at the cursor. */
static bool take_literal(struct cursor *c, const char *lit)
{
	size_t n = strlen(lit);

	if (c->left < n || memcmp(c->p, lit, n) != 0)
		return false;
	c->p += n;
	c->left -= n;
	return true;
}

/* Consumes one path segment up to the next '/' (which is consumed too) into out. */
static int take_segment(struct cursor *c, char *out, size_t out_size)
{
	const char *slash = memchr(c->p, '/', c->left);
	size_t n;

	if (!slash)
		return -EBADMSG;
	n = (size_t)(slash - c->p);
	if (n == 0 || n >= out_size)
		return -EBADMSG;
	memcpy(out, c->p, n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == '+' || out[i] == '#')
			return -EBADMSG;
	c->p += n + 1;
	c->left -= n + 1;
	return 0;
}

/* The rest is "?bag", "bag" or empty. */
static int take_bag(struct cursor *c, bool question_mark, struct iothub_property_bag *bag)
{
	if (question_mark && !take_literal(c, "?"))
		return c->left == 0 ? iothub_property_bag_parse("", 0, bag) : -EBADMSG;
	return iothub_property_bag_parse(c->p, c->left, bag);
}

static int parse_status(const char *s, int *ret)
{
	uint64_t v;

	if (strlen(s) > 3 || num_parse_u64(s, strlen(s), 10, 999, &v) < 0)
		return -EBADMSG;
	*ret = (int)v;
	return 0;
}

static int parse_device_topic(struct cursor *c, struct iothub_topic *t)
{
	int r;

	if ((r = take_segment(c, t->device_id, sizeof(t->device_id))) < 0)
		return r;
	if (!take_literal(c, "modules/"))
		return -EBADMSG;
	if ((r = take_segment(c, t->module_id, sizeof(t->module_id))) < 0)
		return r;
	if (take_literal(c, "messages/events/") ||
	    (c->left == 15 && take_literal(c, "messages/events"))) {
		t->kind = IOTHUB_TOPIC_TELEMETRY;
		return take_bag(c, false, &t->bag);
	}
	if (take_literal(c, "inputs/")) {
		t->kind = IOTHUB_TOPIC_MODULE_INPUT;
		if ((r = take_segment(c, t->name, sizeof(t->name))) < 0)
			return r;
		return take_bag(c, false, &t->bag);
	}
	return -EBADMSG;
}

int iothub_topic_parse(const char *topic, size_t len, struct iothub_topic *ret)
{
	struct cursor c = { topic, len };
	char seg[16];
	int r;

	if (len == 0 || len > IOTHUB_TOPIC_MAX || memchr(topic, '\0', len))
		return -EBADMSG;
	memset(ret, 0, sizeof(*ret));
	if (take_literal(&c, "devices/"))
		return parse_device_topic(&c, ret);
	if (take_literal(&c, "$iothub/twin/res/")) {
		ret->kind = IOTHUB_TOPIC_TWIN_RESPONSE;
		if ((r = take_segment(&c, seg, sizeof(seg))) < 0 ||
		    (r = parse_status(seg, &ret->status)) < 0)
			return r;
		return take_bag(&c, true, &ret->bag);
	}
	if (take_literal(&c, "$iothub/twin/PATCH/properties/desired/")) {
		ret->kind = IOTHUB_TOPIC_TWIN_DESIRED;
		return take_bag(&c, true, &ret->bag);
	}
	if (take_literal(&c, "$iothub/methods/POST/")) {
		ret->kind = IOTHUB_TOPIC_METHOD;
		if ((r = take_segment(&c, ret->name, sizeof(ret->name))) < 0)
			return r;
		return take_bag(&c, true, &ret->bag);
	}
	return -EBADMSG;
}
