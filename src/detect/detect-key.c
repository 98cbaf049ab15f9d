/* SPDX-License-Identifier: MIT */
/*
 * Keys of stateful rules and of alert deduplication: the values of a few fields (or values
 * extracted from the command line) joined with 0x1f.  A part longer than DETECT_KEY_PART_MAX
 * is kept as its head plus a hash of the whole, so keys stay short and distinct.
 */
#include "detect-int.h"

#include "common/alloc.h"
#include "common/array.h"
#include "common/regex.h"
#include "common/str.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define KEY_SEP '\x1f'

/* The argument after a flag: "-o FILE", "--output=FILE", "-oFILE", "-sSLo FILE". */
static bool arg_after(struct detect_view *v, const struct detect_key_alt *a, struct detect_val *ret)
{
	struct detect_arg_iter it;
	struct detect_val w;

	detect_args_begin(v, &it);
	while (detect_args_next(v, &it, &w)) {
		for (unsigned k = 0; k < a->n_flags; k++) {
			const struct detect_str *f = &a->flags[k];

			if (w.len == f->len && memcmp(w.s, f->s, f->len) == 0)
				return detect_args_next(v, &it, ret);
			if (f->len > 2 && f->s[1] == '-') { /* --long=value */
				if (w.len > f->len + 1 && memcmp(w.s, f->s, f->len) == 0 &&
				    w.s[f->len] == '=') {
					ret->s = w.s + f->len + 1;
					ret->len = w.len - f->len - 1;
					ret->is_int = false;
					return true;
				}
				continue;
			}
			if (f->len != 2 || w.len < 2 || w.s[0] != '-' || w.s[1] == '-')
				continue;
			if (w.s[1] == f->s[1]) { /* -oVALUE */
				ret->s = w.s + 2;
				ret->len = w.len - 2;
				ret->is_int = false;
				return true;
			}
			if (w.s[w.len - 1] == f->s[1]) /* -sSLo VALUE */
				return detect_args_next(v, &it, ret);
		}
	}
	return false;
}

/* The last path segment of the first argument that is a URL (what wget and curl -O save as). */
static bool url_basename(struct detect_view *v, struct detect_val *ret)
{
	struct detect_arg_iter it;
	struct detect_val w;

	detect_args_begin(v, &it);
	while (detect_args_next(v, &it, &w)) {
		const char *s = w.s, *end = s + w.len, *p, *q, *seg;

		p = memmem(s, w.len, "://", 3);
		if (!p)
			continue;
		p += 3;
		while (p < end && *p != '/' && *p != '?' && *p != '#')
			p++; /* host */
		q = p;
		while (q < end && *q != '?' && *q != '#')
			q++;
		seg = q;
		while (seg > p && seg[-1] != '/')
			seg--;
		if (seg >= q)
			return false;
		ret->s = seg;
		ret->len = (uint32_t)(q - seg);
		ret->is_int = false;
		return true;
	}
	return false;
}

/* A capture group of the alternative's regex over its field. */
static bool regex_value(struct detect_view *v, const struct detect_key_alt *a,
			struct detect_val *ret)
{
	struct es_regex_match m[ES_REGEX_GROUPS_MAX];
	struct detect_val val;

	if (!detect_ref_get(v, &a->ref, &val) || val.is_int ||
	    es_regex_search(a->re, val.s, val.len, m, a->group + 1) != 1 || !m[a->group].matched)
		return false;
	ret->s = val.s + m[a->group].start;
	ret->len = (uint32_t)(m[a->group].end - m[a->group].start);
	ret->is_int = false;
	return ret->len > 0;
}

static bool alt_value(struct detect_view *v, const struct detect_key_alt *a, const char **ret_s,
		      size_t *ret_len, char num[24])
{
	struct detect_val val;
	bool ok;

	if (a->when && !detect_node_eval(a->when, v))
		return false;
	switch (a->kind) {
	case DETECT_KEY_REF:
		ok = detect_ref_get(v, &a->ref, &val);
		break;
	case DETECT_KEY_ARG_AFTER:
		ok = arg_after(v, a, &val);
		break;
	case DETECT_KEY_URL_BASENAME:
		ok = url_basename(v, &val);
		break;
	case DETECT_KEY_REGEX:
		ok = regex_value(v, a, &val);
		break;
	default:
		ok = false;
		break;
	}
	if (!ok)
		return false;
	if (val.is_int) {
		size_t n = 0;

		if (val.i < 0)
			num[n++] = '-';
		n += fmt_u64(num + n, val.i < 0 ? (uint64_t)0 - (uint64_t)val.i : (uint64_t)val.i);
		*ret_s = num;
		*ret_len = n;
		return true;
	}
	return detect_transform(v, a->transform | a->ref.transform, val.s, val.len, ret_s, ret_len);
}

bool detect_key_build(const struct detect_key *k, struct detect_view *v, char *out, size_t *ret_len)
{
	size_t n = 0;

	for (unsigned p = 0; p < k->n; p++) {
		const struct detect_key_part *part = &k->parts[p];
		const char *s = NULL;
		size_t len = 0;
		char num[24];
		bool have = false;

		for (unsigned a = 0; a < part->n_alts && !have; a++)
			have = alt_value(v, &part->alts[a], &s, &len, num);
		if (!have && !part->optional)
			return false;
		if (p)
			out[n++] = KEY_SEP;
		if (!have)
			continue;
		if (len > DETECT_KEY_PART_MAX) {
			uint64_t h = detect_hash(s, len, DETECT_HASH_SEED);

			memcpy(out + n, s, DETECT_KEY_PART_MAX - 17);
			n += DETECT_KEY_PART_MAX - 17;
			n += (size_t)snprintf(out + n, 18, "#%016llx", (unsigned long long)h);
		} else {
			memcpy(out + n, s, len);
			n += len;
		}
	}
	*ret_len = n;
	return true;
}

void detect_key_describe(const struct detect_key *k, const char *key, size_t len, struct buf *b)
{
	const char *p = key, *end = key + len;

	bool first = true;

	for (unsigned i = 0; i < k->n && p <= end; i++) {
		const char *q = memchr(p, KEY_SEP, (size_t)(end - p));

		if (!q)
			q = end;
		if (q == p && k->parts[i].optional) {
			p = q + 1;
			continue;
		}
		if (!first)
			buf_puts(b, ", ");
		first = false;
		buf_puts(b, k->parts[i].label);
		buf_putc(b, '=');
		buf_append(b, p, (size_t)(q - p));
		p = q + 1;
	}
}

/* The identity fields of each event type: what makes two alerts "the same" by default. */
static const struct {
	enum event_type type;
	const char *fields[4];
} default_keys[] = {
	{ EVENT_PROCESS_CREATE,
	  { "Executable", "CommandLine", "UserId", "ExtraDetails.ContainerId" } },
	{ EVENT_PROCESS_TERMINATE, { "Executable", "ExtraDetails.ContainerId" } },
	{ EVENT_CONNECTION_CREATE,
	  { "Executable", "RemoteAddress", "RemotePort", "ExtraDetails.ContainerId" } },
	{ EVENT_LOGIN, { "RemoteAddress", "UserName", "Result" } },
	{ EVENT_LISTENING_PORTS, { "Protocol", "LocalAddress", "LocalPort" } },
	{ EVENT_LISTENER_CREATE,
	  { "Protocol", "LocalAddress", "LocalPort", "ExtraDetails.NetworkNamespace" } },
	{ EVENT_USER_CHANGE, { "Change", "UserName", "UserId" } },
	{ EVENT_PRIVILEGE_USE, { "UserName", "Executable", "Result" } },
	{ EVENT_CONTAINER_EVENT, { "ContainerId", "Image" } },
	{ EVENT_FIREWALL_CONFIGURATION, { "ChainName", "Action", "Direction" } },
	{ EVENT_LOCAL_USERS, { "UserName", "UserId" } },
};

int detect_key_defaults_init(struct detect_ruleset *rs)
{
	for (size_t i = 0; i < ARRAY_SIZE(default_keys); i++) {
		struct detect_key *k = &rs->default_key[default_keys[i].type];

		k->n = 0;
		k->parts = es_calloc(4, sizeof(*k->parts));
		if (!k->parts)
			return -ENOMEM;
		for (unsigned f = 0; f < 4 && default_keys[i].fields[f]; f++) {
			struct detect_key_part *p = &k->parts[k->n];
			const char *name = default_keys[i].fields[f];
			int r = detect_ref_parse(rs, name, 0, &p->alts[0].ref);

			if (r < 0)
				return r;
			p->alts[0].kind = DETECT_KEY_REF;
			p->n_alts = 1;
			p->optional = true;
			str_copy(p->label, sizeof(p->label),
				 strncmp(name, "ExtraDetails.", 13) == 0 ? name + 13 : name);
			k->n++;
		}
	}
	return 0;
}
