/* SPDX-License-Identifier: MIT */
/*
 * libnftables JSON → FirewallConfiguration items (see fw-nft-parse.h for what is included).
 *
 * Three passes over the "nftables" array: chains (which ones filter, their hook and policy),
 * tables (whether they have a filtering base chain, so their user chains count), then rules,
 * which are bucketed per chain with a counting sort so items come out in chain order even if
 * the document interleaves chains.  Rule mapping (one expression at a time, never failing):
 *   match on meta l4proto / ip protocol / ip6 nexthdr     → Protocol
 *   match on ip|ip6 saddr|daddr                           → Source/DestinationAddress
 *   match on th|tcp|udp|sctp|dccp|udplite sport|dport     → Source/DestinationPort (and the
 *                                                           protocol when none was matched)
 *   accept / drop / reject / jump / goto / return / queue, xt targets → verdict and Action
 *   counter, log (a log-only rule is Other)                → nothing
 *   anything else, a second match on a field, odd operators → Unmapped text
 * Values: "a", "a/len", "a-b", "{a,b}" for addresses, "22,80" for port and protocol sets,
 * "!" before an inverted (!=) match.
 */
#include "fw-nft-parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/json_read.h"
#include "common/json_write.h"

#define RENDER_DEPTH_MAX 8

struct fw_chain {
	const char *family, *table, *name, *hook, *policy;
	uint64_t handle;
	bool base, included;
	uint32_t n_rules, first; /* rules bucket: [first, first + n_rules) of ctx->order */
};

struct fw_ctx {
	struct fw_chain *chains;
	unsigned n_chains;
	const cJSON **rules; /* rule objects of included chains, in document order */
	uint32_t *rule_chain;
	const cJSON **order; /* the same, bucketed by chain */
	unsigned n_rules;
	struct fw_item item;
	struct fw_parse_stats stats;
	int (*item_fn)(const struct fw_item *item, void *userdata);
	void *userdata;
};

/* A bounded string being written into a fixed array. */
struct out {
	char *p;
	size_t size, len;
	bool *truncated;
};

static const char *const action_names[_FW_ACTION_MAX] = { "Allow", "Deny", "Other" };

const char *fw_action_to_string(enum fw_action a)
{
	return (a >= 0 && a < _FW_ACTION_MAX) ? action_names[a] : "Other";
}

const char *fw_direction_to_string(enum fw_direction d)
{
	return d == FW_DIRECTION_IN ? "In" : d == FW_DIRECTION_OUT ? "Out" : NULL;
}

static void out_init(struct out *o, char *p, size_t size, bool *truncated)
{
	o->p = p;
	o->size = size;
	o->len = 0;
	o->truncated = truncated;
	p[0] = '\0';
}

static void out_put(struct out *o, const char *s, size_t n)
{
	size_t room = o->size - 1 - o->len;

	if (n > room) {
		n = utf8_prefix_len(s, n, room);
		*o->truncated = true;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_puts(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static void copy_name(char *dst, const char *src, bool *truncated)
{
	struct out o;

	out_init(&o, dst, FW_NAME_MAX, truncated);
	out_puts(&o, src ? src : "");
}

static const char *get_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The only member of {"kind": value}, or NULL. */
static const cJSON *single_member(const cJSON *obj)
{
	return cJSON_IsObject(obj) && obj->child && !obj->child->next ? obj->child : NULL;
}

static void render_number(struct out *o, double v)
{
	char d[32];
	int n;

	if (isfinite(v) && v == floor(v) && fabs(v) < 9.2e18)
		n = snprintf(d, sizeof(d), "%lld", (long long)v);
	else
		n = snprintf(d, sizeof(d), "%.17g", v);
	if (n > 0)
		out_put(o, d, (size_t)n < sizeof(d) ? (size_t)n : sizeof(d) - 1);
}

/*
 * A match's right-hand side: string, number, {"prefix"}, {"range"}, {"set"} or a bare array.
 * Returns false (having written something best-effort) for a shape it does not know.
 */
static bool render_value(struct out *o, const cJSON *v, bool braces, unsigned depth)
{
	const cJSON *m, *e;
	bool ok = true;

	if (depth > RENDER_DEPTH_MAX)
		return false;
	if (cJSON_IsString(v)) {
		out_puts(o, v->valuestring);
		return true;
	}
	if (cJSON_IsNumber(v)) {
		render_number(o, v->valuedouble);
		return true;
	}
	if (cJSON_IsBool(v)) {
		out_puts(o, cJSON_IsTrue(v) ? "true" : "false");
		return true;
	}
	if (cJSON_IsArray(v)) {
		if (braces)
			out_puts(o, "{");
		cJSON_ArrayForEach(e, v) {
			if (e != v->child)
				out_puts(o, ",");
			ok = render_value(o, e, false, depth + 1) && ok;
		}
		if (braces)
			out_puts(o, "}");
		return ok;
	}
	m = single_member(v);
	if (!m || !m->string)
		return false;
	if (strcmp(m->string, "set") == 0)
		return render_value(o, cJSON_IsArray(m) ? m : NULL, braces, depth + 1);
	if (strcmp(m->string, "prefix") == 0) {
		const cJSON *addr = cJSON_GetObjectItemCaseSensitive(m, "addr");
		const cJSON *len = cJSON_GetObjectItemCaseSensitive(m, "len");

		ok = render_value(o, addr, false, depth + 1);
		out_puts(o, "/");
		return render_value(o, len, false, depth + 1) && ok;
	}
	if (strcmp(m->string, "range") == 0 && cJSON_GetArraySize(m) == 2) {
		ok = render_value(o, m->child, false, depth + 1);
		out_puts(o, "-");
		return render_value(o, m->child->next, false, depth + 1) && ok;
	}
	out_puts(o, m->string);
	return false;
}

/* Compact text of any expression: the member names and values, bounded. */
static void render_any(struct out *o, const cJSON *v, unsigned depth)
{
	const cJSON *e;

	if (depth > RENDER_DEPTH_MAX) {
		out_puts(o, "...");
		return;
	}
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v) {
			if (e != v->child)
				out_puts(o, " ");
			render_any(o, e, depth + 1);
		}
		return;
	}
	if (!cJSON_IsObject(v)) {
		if (!cJSON_IsNull(v))
			render_value(o, v, true, depth + 1);
		return;
	}
	cJSON_ArrayForEach(e, v) {
		if (e != v->child)
			out_puts(o, " ");
		if (e->string && strcmp(e->string, "key") && strcmp(e->string, "protocol") &&
		    strcmp(e->string, "field") && strcmp(e->string, "name") &&
		    strcmp(e->string, "type")) {
			out_puts(o, e->string);
			if (!cJSON_IsNull(e))
				out_puts(o, " ");
		}
		render_any(o, e, depth + 1);
	}
}

/* "meta length < 100", "ct state in established,related", "tcp dport == {weird 1}". */
static void render_match(struct out *o, const cJSON *match)
{
	const cJSON *left = cJSON_GetObjectItemCaseSensitive(match, "left");
	const cJSON *right = cJSON_GetObjectItemCaseSensitive(match, "right");
	const char *op = get_str(match, "op");
	size_t mark;

	render_any(o, left, 1);
	out_puts(o, " ");
	out_puts(o, op ? op : "?");
	out_puts(o, " ");
	mark = o->len;
	if (!render_value(o, right, true, 1)) {
		o->len = mark;
		o->p[mark] = '\0';
		out_puts(o, "{");
		render_any(o, right, 1);
		out_puts(o, "}");
	}
}

static void add_unmapped(struct fw_item *it, const cJSON *expr)
{
	struct out o = { it->unmapped, sizeof(it->unmapped), strlen(it->unmapped), &it->truncated };
	const cJSON *m = single_member(expr);

	if (o.len)
		out_puts(&o, "; ");
	if (m && m->string && strcmp(m->string, "match") == 0 && cJSON_IsObject(m))
		render_match(&o, m);
	else
		render_any(&o, expr, 0);
}

/* Writes a value into an empty field; false if the field was already set or unrenderable. */
static bool set_field(struct fw_item *it, char *field, bool inverted, const cJSON *right,
		      bool braces)
{
	struct out o;

	if (field[0])
		return false;
	out_init(&o, field, FW_VALUE_MAX, &it->truncated);
	if (inverted)
		out_puts(&o, "!");
	if (!render_value(&o, right, braces, 0)) {
		field[0] = '\0';
		return false;
	}
	return true;
}

static bool is_l4_header(const char *p)
{
	static const char *const l4[] = { "th", "tcp", "udp", "sctp", "dccp", "udplite" };

	for (size_t i = 0; i < ARRAY_SIZE(l4); i++)
		if (str_eq(p, l4[i]))
			return true;
	return false;
}

/*
 * The protocol a header match implies (nft adds the l4proto dependency itself, so
 * "tcp flags ..." or "icmp type ..." only match that protocol), searched in a match's left
 * side; NULL if none.  nft's "icmpv6" header is the protocol "ipv6-icmp".
 */
static const char *implied_protocol(const cJSON *v, unsigned depth)
{
	static const char *const hdr[] = { "tcp",  "udp", "sctp", "dccp", "udplite",
					   "icmp", "esp", "ah",	  "comp", "icmpv6" };
	const cJSON *e;

	if (depth > RENDER_DEPTH_MAX || !(cJSON_IsObject(v) || cJSON_IsArray(v)))
		return NULL;
	if (v->string && strcmp(v->string, "payload") == 0) {
		const char *p = get_str(v, "protocol");

		for (size_t i = 0; p && i < ARRAY_SIZE(hdr); i++)
			if (strcmp(p, hdr[i]) == 0)
				return strcmp(p, "icmpv6") == 0 ? "ipv6-icmp" : hdr[i];
		return NULL;
	}
	cJSON_ArrayForEach(e, v) {
		const char *p = implied_protocol(e, depth + 1);

		if (p)
			return p;
	}
	return NULL;
}

static void imply_protocol(struct fw_item *it, const cJSON *match, bool *implied_proto)
{
	const char *p;
	struct out o;

	if (it->protocol[0])
		return;
	p = implied_protocol(cJSON_GetObjectItemCaseSensitive(match, "left"), 0);
	if (!p)
		return;
	out_init(&o, it->protocol, sizeof(it->protocol), &it->truncated);
	out_puts(&o, p);
	*implied_proto = true;
}

/* Maps one {"match": {...}}; false when it could not be mapped. */
static bool map_match(struct fw_item *it, const cJSON *match, bool *implied_proto)
{
	const char *op = get_str(match, "op"), *proto, *field;
	const cJSON *left = cJSON_GetObjectItemCaseSensitive(match, "left");
	const cJSON *right = cJSON_GetObjectItemCaseSensitive(match, "right");
	const cJSON *l = single_member(left);
	bool inv;

	if (!op || !l || !l->string || !right)
		return false;
	if (str_eq(op, "!="))
		inv = true;
	else if (str_eq(op, "==") || str_eq(op, "in"))
		inv = false;
	else
		return false;
	if (strcmp(l->string, "meta") == 0) {
		if (!str_eq(get_str(l, "key"), "l4proto"))
			return false;
		if (*implied_proto) {
			it->protocol[0] = '\0';
			*implied_proto = false;
		}
		return set_field(it, it->protocol, inv, right, false);
	}
	if (strcmp(l->string, "payload") != 0)
		return false;
	proto = get_str(l, "protocol");
	field = get_str(l, "field");
	if ((str_eq(proto, "ip") && str_eq(field, "protocol")) ||
	    (str_eq(proto, "ip6") && str_eq(field, "nexthdr"))) {
		if (*implied_proto) {
			it->protocol[0] = '\0';
			*implied_proto = false;
		}
		return set_field(it, it->protocol, inv, right, false);
	}
	if (str_eq(proto, "ip") || str_eq(proto, "ip6")) {
		if (str_eq(field, "saddr"))
			return set_field(it, it->saddr, inv, right, true);
		if (str_eq(field, "daddr"))
			return set_field(it, it->daddr, inv, right, true);
		return false;
	}
	if (!is_l4_header(proto) || !(str_eq(field, "sport") || str_eq(field, "dport")))
		return false;
	return set_field(it, str_eq(field, "sport") ? it->sport : it->dport, inv, right, false);
}

static void set_verdict(struct fw_item *it, enum fw_action a, const char *what, const char *target)
{
	struct out o;

	it->action = a;
	out_init(&o, it->verdict, sizeof(it->verdict), &it->truncated);
	out_puts(&o, what);
	if (target) {
		out_puts(&o, " ");
		out_puts(&o, target);
	}
}

static enum fw_action xt_target_action(const char *name)
{
	if (str_eq(name, "ACCEPT"))
		return FW_ACTION_ALLOW;
	if (str_eq(name, "DROP") || str_eq(name, "REJECT"))
		return FW_ACTION_DENY;
	return FW_ACTION_OTHER;
}

/* One expression of a rule. */
static void map_expr(struct fw_item *it, const cJSON *expr, bool *implied_proto, bool *verdict)
{
	const cJSON *m = single_member(expr);
	const char *k = m ? m->string : NULL;

	if (!k) {
		add_unmapped(it, expr);
		return;
	}
	if (strcmp(k, "match") == 0) {
		if (!map_match(it, m, implied_proto))
			add_unmapped(it, expr);
		if (cJSON_IsObject(m))
			imply_protocol(it, m, implied_proto);
	} else if (strcmp(k, "counter") == 0) {
		/* statistics only */
	} else if (strcmp(k, "log") == 0) {
		if (!*verdict)
			set_verdict(it, FW_ACTION_OTHER, "log", NULL);
	} else if (!strcmp(k, "accept") || !strcmp(k, "drop") || !strcmp(k, "reject")) {
		set_verdict(it, k[0] == 'a' ? FW_ACTION_ALLOW : FW_ACTION_DENY, k, NULL);
		*verdict = true;
	} else if (!strcmp(k, "jump") || !strcmp(k, "goto")) {
		set_verdict(it, FW_ACTION_OTHER, k, get_str(m, "target"));
		*verdict = true;
	} else if (!strcmp(k, "return") || !strcmp(k, "continue") || !strcmp(k, "queue")) {
		set_verdict(it, FW_ACTION_OTHER, k, NULL);
		*verdict = true;
	} else if (strcmp(k, "xt") == 0 && str_eq(get_str(m, "type"), "target")) {
		const char *name = get_str(m, "name");

		set_verdict(it, xt_target_action(name), name ? name : "xt", NULL);
		*verdict = true;
	} else {
		add_unmapped(it, expr);
	}
}

static void item_begin(struct fw_item *it, const struct fw_chain *ch, uint32_t priority)
{
	memset(it, 0, sizeof(*it));
	copy_name(it->family, ch->family, &it->truncated);
	copy_name(it->table, ch->table, &it->truncated);
	copy_name(it->chain, ch->name, &it->truncated);
	copy_name(it->hook, ch->hook, &it->truncated);
	it->priority = priority;
	it->action = FW_ACTION_OTHER;
	if (str_eq(ch->hook, "input"))
		it->direction = FW_DIRECTION_IN;
	else if (str_eq(ch->hook, "output"))
		it->direction = FW_DIRECTION_OUT;
}

static int item_emit(struct fw_ctx *ctx)
{
	if (ctx->stats.items >= FW_ITEMS_MAX) {
		ctx->stats.dropped++;
		return 0;
	}
	ctx->stats.items++;
	return ctx->item_fn(&ctx->item, ctx->userdata);
}

static uint64_t get_handle(const cJSON *obj)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(obj, "handle");

	if (!cJSON_IsNumber(h) || !(h->valuedouble >= 0) || h->valuedouble >= 1.8e19)
		return 0;
	return (uint64_t)h->valuedouble;
}

static int rule_emit(struct fw_ctx *ctx, const struct fw_chain *ch, const cJSON *rule,
		     uint32_t index)
{
	const cJSON *exprs = cJSON_GetObjectItemCaseSensitive(rule, "expr"), *e;
	bool implied_proto = false, verdict = false;
	struct fw_item *it = &ctx->item;

	item_begin(it, ch, index);
	it->handle = get_handle(rule);
	if (cJSON_IsArray(exprs))
		cJSON_ArrayForEach(e, exprs)
			map_expr(it, e, &implied_proto, &verdict);
	return item_emit(ctx);
}

static int policy_emit(struct fw_ctx *ctx, const struct fw_chain *ch)
{
	struct fw_item *it = &ctx->item;

	item_begin(it, ch, ch->n_rules);
	it->handle = ch->handle;
	it->policy = true;
	/* A base chain without an explicit policy accepts. */
	if (!ch->policy || str_eq(ch->policy, "accept"))
		set_verdict(it, FW_ACTION_ALLOW, "accept", NULL);
	else if (str_eq(ch->policy, "drop"))
		set_verdict(it, FW_ACTION_DENY, "drop", NULL);
	else
		set_verdict(it, FW_ACTION_OTHER, ch->policy, NULL);
	return item_emit(ctx);
}

static bool family_filters(const char *f)
{
	return str_eq(f, "ip") || str_eq(f, "ip6") || str_eq(f, "inet");
}

static bool compat_non_filter_table(const char *family, const char *table)
{
	return !str_eq(family, "inet") && (str_eq(table, "raw") || str_eq(table, "mangle") ||
					   str_eq(table, "nat") || str_eq(table, "security"));
}

static void chain_add(struct fw_ctx *ctx, const cJSON *c)
{
	struct fw_chain *ch;
	const char *type = get_str(c, "type");

	if (!family_filters(get_str(c, "family")))
		return;
	if (!get_str(c, "table") || !get_str(c, "name")) {
		ctx->stats.skipped++;
		return;
	}
	if (ctx->n_chains >= FW_CHAINS_MAX) {
		ctx->stats.skipped++;
		return;
	}
	ch = &ctx->chains[ctx->n_chains++];
	memset(ch, 0, sizeof(*ch));
	ch->family = get_str(c, "family");
	ch->table = get_str(c, "table");
	ch->name = get_str(c, "name");
	ch->hook = get_str(c, "hook");
	ch->policy = get_str(c, "policy");
	ch->handle = get_handle(c);
	ch->base = type || ch->hook;
	ch->included = ch->base && str_eq(type, "filter") && ch->hook &&
		       !compat_non_filter_table(ch->family, ch->table);
}

static bool same_table(const struct fw_chain *a, const struct fw_chain *b)
{
	return str_eq(a->family, b->family) && str_eq(a->table, b->table);
}

/* Regular chains count when their table has a filtering base chain. */
static void chains_resolve(struct fw_ctx *ctx)
{
	for (unsigned i = 0; i < ctx->n_chains; i++) {
		struct fw_chain *ch = &ctx->chains[i];

		if (ch->base)
			continue;
		for (unsigned j = 0; j < ctx->n_chains && !ch->included; j++)
			if (ctx->chains[j].base && ctx->chains[j].included &&
			    same_table(ch, &ctx->chains[j]))
				ch->included = true;
	}
	for (unsigned i = 0; i < ctx->n_chains; i++) {
		bool first = true;

		if (!ctx->chains[i].included)
			continue;
		ctx->stats.chains++;
		for (unsigned j = 0; j < i && first; j++)
			if (ctx->chains[j].included && same_table(&ctx->chains[i], &ctx->chains[j]))
				first = false;
		ctx->stats.tables += first;
	}
}

/* The index of the chain a rule belongs to, or -1; `hint` is the previous rule's chain. */
static int chain_find(const struct fw_ctx *ctx, const cJSON *rule, int hint)
{
	const char *family = get_str(rule, "family"), *table = get_str(rule, "table");
	const char *name = get_str(rule, "chain");

	if (!family || !table || !name)
		return -1;
	for (unsigned n = 0; n < ctx->n_chains; n++) {
		unsigned i = hint >= 0 ? ((unsigned)hint + n) % ctx->n_chains : n;
		const struct fw_chain *ch = &ctx->chains[i];

		if (str_eq(ch->name, name) && str_eq(ch->table, table) &&
		    str_eq(ch->family, family))
			return (int)i;
	}
	return -1;
}

static int rules_collect(struct fw_ctx *ctx, const cJSON *list, unsigned n_objects)
{
	size_t cap = n_objects < FW_ITEMS_MAX ? n_objects + 1 : FW_ITEMS_MAX;
	const cJSON *o;
	int hint = -1;

	ctx->rules = es_calloc(cap, sizeof(*ctx->rules));
	ctx->rule_chain = es_calloc(cap, sizeof(*ctx->rule_chain));
	ctx->order = es_calloc(cap, sizeof(*ctx->order));
	if (!ctx->rules || !ctx->rule_chain || !ctx->order)
		return -ENOMEM;
	cJSON_ArrayForEach(o, list) {
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(o, "rule");
		int ci;

		if (!r)
			continue;
		if (!cJSON_IsObject(r)) {
			ctx->stats.skipped++;
			continue;
		}
		if (!family_filters(get_str(r, "family")))
			continue;
		if (ctx->n_rules >= cap) {
			ctx->stats.dropped++; /* more rules than items could be sent */
			continue;
		}
		ci = chain_find(ctx, r, hint);
		if (ci < 0) {
			ctx->stats.skipped++;
			continue;
		}
		hint = ci;
		if (!ctx->chains[ci].included)
			continue;
		ctx->rules[ctx->n_rules] = r;
		ctx->rule_chain[ctx->n_rules++] = (uint32_t)ci;
		ctx->chains[ci].n_rules++;
	}
	ctx->stats.rules = ctx->n_rules;
	return 0;
}

/* Counting sort of the rules by chain, keeping document order within a chain. */
static void rules_bucket(struct fw_ctx *ctx)
{
	uint32_t next = 0;

	for (unsigned i = 0; i < ctx->n_chains; i++) {
		ctx->chains[i].first = next;
		next += ctx->chains[i].n_rules;
		ctx->chains[i].n_rules = 0;
	}
	for (unsigned r = 0; r < ctx->n_rules; r++) {
		struct fw_chain *ch = &ctx->chains[ctx->rule_chain[r]];

		ctx->order[ch->first + ch->n_rules++] = ctx->rules[r];
	}
}

static int chains_emit(struct fw_ctx *ctx)
{
	int r;

	for (unsigned i = 0; i < ctx->n_chains; i++) {
		const struct fw_chain *ch = &ctx->chains[i];

		if (!ch->included)
			continue;
		for (uint32_t k = 0; k < ch->n_rules; k++) {
			r = rule_emit(ctx, ch, ctx->order[ch->first + k], k);
			if (r < 0)
				return r;
		}
		if (ch->base) {
			r = policy_emit(ctx, ch);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int fw_nft_parse(const char *json, size_t len,
		 int (*item_fn)(const struct fw_item *item, void *userdata), void *userdata,
		 struct fw_parse_stats *ret_stats)
{
	struct fw_ctx *ctx = NULL;
	cJSON *root = NULL;
	const cJSON *list, *o;
	unsigned n_objects = 0;
	int r;

	if (!json)
		return -EINVAL;
	if (len > FW_NFT_JSON_MAX)
		return -E2BIG;
	root = json_parse(json, len, NULL);
	list = cJSON_GetObjectItemCaseSensitive(root, "nftables");
	if (!cJSON_IsArray(list)) {
		r = -EINVAL;
		goto out;
	}
	ctx = es_calloc(1, sizeof(*ctx));
	if (!ctx) {
		r = -ENOMEM;
		goto out;
	}
	ctx->item_fn = item_fn;
	ctx->userdata = userdata;
	cJSON_ArrayForEach(o, list)
		n_objects++;
	ctx->chains = es_calloc(n_objects < FW_CHAINS_MAX ? n_objects + 1 : FW_CHAINS_MAX,
				sizeof(*ctx->chains));
	if (!ctx->chains) {
		r = -ENOMEM;
		goto out;
	}
	cJSON_ArrayForEach(o, list) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "chain");

		if (cJSON_IsObject(c))
			chain_add(ctx, c);
		else if (c)
			ctx->stats.skipped++;
	}
	chains_resolve(ctx);
	r = rules_collect(ctx, list, n_objects);
	if (r < 0)
		goto out;
	rules_bucket(ctx);
	r = chains_emit(ctx);
	if (r >= 0 && ret_stats)
		*ret_stats = ctx->stats;
out:
	if (ctx) {
		es_free(ctx->chains);
		es_free(ctx->rules);
		es_free(ctx->rule_chain);
		es_free(ctx->order);
		es_free(ctx);
	}
	cJSON_Delete(root);
	return r;
}
