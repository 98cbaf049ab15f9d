/* SPDX-License-Identifier: MIT */
/*
 * Host posture (analyze/posture.h): synthetic ListeningPorts, FirewallConfiguration,
 * OSBaseline and MessageStatistics events → the right Recommendation items, once; again only
 * when the evidence changes; Resolved when the finding goes; caps; settings.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "analyze/posture.h"
#include "common/array.h"

#define SEC 1000000000ull
#define HOUR (3600 * SEC)

/* ---- capturing sink and item views ---- */

#define CAPTURE_MAX 64
#define ITEMS_MAX 512

struct capture {
	struct event_sink sink;
	struct event *ev[CAPTURE_MAX];
	unsigned n;
};

struct item_view {
	char rule[16], type[48], path[256], status[16], module[16], severity[16];
	char message[1024];
	char extras[4096]; /* "key=value\n" */
};

static struct item_view views[ITEMS_MAX];

static void cap_submit(struct event_sink *s, struct event *e)
{
	struct capture *c = (struct capture *)s;

	assert_true(c->n < CAPTURE_MAX);
	assert_int_equal(event_get_type(e), EVENT_RECOMMENDATION);
	c->ev[c->n++] = e;
}

static void cap_reset(struct capture *c)
{
	for (unsigned i = 0; i < c->n; i++)
		event_free(c->ev[i]);
	c->n = 0;
}

static void copy(char *dst, size_t size, const struct event_value *v)
{
	size_t n = v->len < size - 1 ? v->len : size - 1;

	memcpy(dst, v->s, n);
	dst[n] = '\0';
}

static void view_value(struct item_view *iv, const struct event_value *v)
{
	char *fields[_REC_MAX] = {
		[REC_RULE_ID] = iv->rule,      [REC_RECOMMENDATION_TYPE] = iv->type,
		[REC_PATH] = iv->path,	       [REC_MODULE] = iv->module,
		[REC_SEVERITY] = iv->severity, [REC_MESSAGE] = iv->message
	};
	size_t sizes[_REC_MAX] = {
		[REC_RULE_ID] = sizeof(iv->rule),      [REC_RECOMMENDATION_TYPE] = sizeof(iv->type),
		[REC_PATH] = sizeof(iv->path),	       [REC_MODULE] = sizeof(iv->module),
		[REC_SEVERITY] = sizeof(iv->severity), [REC_MESSAGE] = sizeof(iv->message)
	};
	char kv[1200];

	if (v->kind == EVENT_VALUE_FIELD && fields[v->field]) {
		copy(fields[v->field], sizes[v->field], v);
		return;
	}
	if (v->kind != EVENT_VALUE_EXTRA)
		return;
	snprintf(kv, sizeof(kv), "%.*s=%.*s\n", (int)v->key_len, v->key, (int)v->len, v->s);
	if (!strncmp(kv, "Status=", 7))
		copy(iv->status, sizeof(iv->status), v);
	assert_true(strlen(iv->extras) + strlen(kv) < sizeof(iv->extras));
	strncat(iv->extras, kv, sizeof(iv->extras) - strlen(iv->extras) - 1);
}

/* Every item of every captured event, in order; the capture is emptied. */
static unsigned cap_items(struct capture *c)
{
	unsigned n = 0;

	memset(views, 0, sizeof(views));
	for (unsigned i = 0; i < c->n; i++) {
		struct event_cursor cur;
		struct event_value v;

		event_cursor_init(&cur, c->ev[i]);
		while (event_cursor_next(&cur, &v)) {
			if (v.kind == EVENT_VALUE_ITEM) {
				assert_true(n < ITEMS_MAX);
				n++;
				continue;
			}
			view_value(&views[n - 1], &v);
		}
	}
	cap_reset(c);
	return n;
}

static __attribute__((noinline)) const struct item_view *find(unsigned n, const char *rule,
							      const char *path)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(views[i].rule, rule) && !strcmp(views[i].path, path))
			return &views[i];
	return NULL;
}

static bool has_extra(const struct item_view *iv, const char *key, const char *value)
{
	char kv[512];

	if (!iv)
		return false;
	snprintf(kv, sizeof(kv), "%s=%s\n", key, value);
	return strstr(iv->extras, kv) != NULL;
}

/* ---- synthetic input events ---- */

struct sock_spec {
	const char *addr, *port, *proto, *process, *exe, *uid;
};

static void observe_free(struct posture *p, struct event *e)
{
	posture_observe(p, e);
	event_free(e);
}

static void ports(struct posture *p, const struct sock_spec *s, unsigned n)
{
	struct event_builder b;
	struct event *e;

	event_builder_init(&b);
	event_builder_begin(&b, EVENT_LISTENING_PORTS, 1 * SEC);
	for (unsigned i = 0; i < n; i++) {
		event_builder_item(&b);
		event_add_cstr(&b, LP_LOCAL_ADDRESS, s[i].addr);
		event_add_cstr(&b, LP_LOCAL_PORT, s[i].port);
		event_add_cstr(&b, LP_PROTOCOL, s[i].proto ? s[i].proto : "tcp");
		event_add_extra_cstr(&b, "UserId", s[i].uid ? s[i].uid : "1000");
		if (s[i].process)
			event_add_extra_cstr(&b, "ProcessName", s[i].process);
		if (s[i].exe)
			event_add_extra_cstr(&b, "Executable", s[i].exe);
	}
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	observe_free(p, e);
}

/* A ListenerCreate of one socket (the process collector's, eBPF). */
static void listener(struct posture *p, const char *addr, const char *port)
{
	struct event_builder b;
	struct event *e;

	event_builder_init(&b);
	event_builder_begin(&b, EVENT_LISTENER_CREATE, 2 * SEC);
	event_builder_item(&b);
	event_add_cstr(&b, LC_LOCAL_ADDRESS, addr);
	event_add_cstr(&b, LC_LOCAL_PORT, port);
	event_add_cstr(&b, LC_PROTOCOL, "tcp");
	event_add_int(&b, LC_PROCESS_ID, 4242);
	event_add_cstr(&b, LC_EXECUTABLE, "/tmp/updater");
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	observe_free(p, e);
}

struct fw_spec {
	const char *family, *table, *chain, *hook, *action, *verdict;
	const char *proto, *saddr, *daddr, *sport, *dport, *unmapped;
	bool policy;
};

/* Items in chain order, Priority counted per chain, like the firewall collector. */
static void firewall(struct posture *p, const struct fw_spec *r, unsigned n)
{
	struct event_builder b;
	struct event *e;
	int prio = 0;

	event_builder_init(&b);
	event_builder_begin(&b, EVENT_FIREWALL_CONFIGURATION, 1 * SEC);
	for (unsigned i = 0; i < n; i++) {
		if (i && strcmp(r[i].chain, r[i - 1].chain))
			prio = 0;
		event_builder_item(&b);
		event_add_int(&b, FW_PRIORITY, prio++);
		event_add_cstr(&b, FW_CHAIN_NAME, r[i].chain);
		event_add_bool(&b, FW_ENABLED, true);
		event_add_cstr(&b, FW_ACTION, r[i].action);
		event_add_cstr(&b, FW_PROTOCOL, r[i].proto);
		event_add_cstr(&b, FW_SOURCE_ADDRESS, r[i].saddr);
		event_add_cstr(&b, FW_DESTINATION_ADDRESS, r[i].daddr);
		event_add_cstr(&b, FW_SOURCE_PORT, r[i].sport);
		event_add_cstr(&b, FW_DESTINATION_PORT, r[i].dport);
		event_add_extra_cstr(&b, "Backend", "nftables");
		event_add_extra_cstr(&b, "Table", r[i].table ? r[i].table : "filter");
		event_add_extra_cstr(&b, "Family", r[i].family ? r[i].family : "ip");
		if (r[i].hook)
			event_add_extra_cstr(&b, "Hook", r[i].hook);
		if (r[i].verdict)
			event_add_extra_cstr(&b, "Verdict", r[i].verdict);
		if (r[i].unmapped)
			event_add_extra_cstr(&b, "Unmapped", r[i].unmapped);
		if (r[i].policy)
			event_add_extra_cstr(&b, "Policy", "true");
	}
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	observe_free(p, e);
}

#define POLICY(fam_, chain_, hook_, action_)                                                       \
	{                                                                                          \
		.family = fam_, .chain = chain_, .hook = hook_, .action = action_, .policy = true  \
	}
#define RULE(fam_, chain_, hook_, action_, verdict_)                                               \
	.family = fam_, .chain = chain_, .hook = hook_, .action = action_, .verdict = verdict_

struct check_spec {
	const char *id, *result, *severity;
};

static void baseline(struct posture *p, const struct check_spec *k, unsigned n)
{
	struct event_builder b;
	struct event *e;

	event_builder_init(&b);
	event_builder_begin(&b, EVENT_OS_BASELINE, 1 * SEC);
	for (unsigned i = 0; i < n; i++) {
		event_builder_item(&b);
		event_add_cstr(&b, OSB_DESCRIPTION, "a check");
		event_add_cstr(&b, OSB_CCE_ID, "");
		event_add_cstr(&b, OSB_RESULT, k[i].result);
		event_add_cstr(&b, OSB_ERROR, "");
		event_add_cstr(&b, OSB_SEVERITY, k[i].severity);
		event_add_extra_cstr(&b, "CheckId", k[i].id);
	}
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	observe_free(p, e);
}

static void message_stats(struct posture *p, uint64_t t, int64_t sent, int64_t under)
{
	struct event_builder b;
	struct event *e;

	event_builder_init(&b);
	event_builder_begin(&b, EVENT_MESSAGE_STATISTICS, t);
	event_builder_item(&b);
	event_add_int(&b, MS_MESSAGES_SENT, sent);
	event_add_int(&b, MS_MESSAGES_UNDER_4KB, under);
	event_add_int(&b, MS_TOTAL_FAILED, 0);
	assert_int_equal(event_builder_finish(&b, &e), 0);
	event_builder_done(&b);
	observe_free(p, e);
}

/* ---- fixture ---- */

static struct capture cap;
static const struct posture_host no_forwarding = { .known = true };

static struct posture *setup_posture(bool hub, const char *allowed)
{
	struct posture_settings s = { .allowed_ports = allowed, .hub_output = hub };
	struct posture *p;

	memset(&cap, 0, sizeof(cap));
	cap.sink.submit = cap_submit;
	p = posture_new(&cap.sink);
	assert_non_null(p);
	for (int r = 0; r < _POSTURE_RULE_MAX; r++)
		s.enabled[r] = true;
	assert_int_equal(posture_configure(p, &s, NULL, 0), 0);
	return p;
}

static void teardown_posture(struct posture *p)
{
	cap_reset(&cap);
	posture_free(p);
}

static unsigned evaluate(struct posture *p)
{
	posture_evaluate(p, 2 * SEC, &no_forwarding);
	return cap_items(&cap);
}

/* A host without IPv6: only the ip family matters. */
static unsigned evaluate_v4(struct posture *p)
{
	const struct posture_host v4 = { .known = true, .ipv6_disabled = true };

	posture_evaluate(p, 2 * SEC, &v4);
	return cap_items(&cap);
}

/* Input policy drop + ssh accepted; IPv6 closed too.  Used by several tests. */
static const struct fw_spec fw_ssh_only[] = {
	{ RULE("inet", "input", "input", "Allow", "accept"), .unmapped = "meta iifname == lo" },
	{ RULE("inet", "input", "input", "Allow", "accept"),
	  .unmapped = "ct state in {established,related}" },
	{ RULE("inet", "input", "input", "Allow", "accept"), .proto = "tcp", .dport = "22" },
	POLICY("inet", "input", "input", "Deny"),
	POLICY("inet", "output", "output", "Deny"),
};

/* ---- HOST001 ---- */

static void test_open_port_once_change_resolve(void **state)
{
	struct posture *p = setup_posture(false, NULL);
	const struct item_view *iv;
	struct sock_spec s[] = {
		{ "0.0.0.0", "8888", "tcp", "ncat", "/usr/bin/ncat", "1000" },
		{ "127.0.0.1", "9999", "tcp", "ncat", "/usr/bin/ncat", "1000" },
		{ "::1", "9998", "tcp", "ncat", "/usr/bin/ncat", "1000" },
		{ "::ffff:127.0.0.1", "9997", "tcp", "ncat", "/usr/bin/ncat", "1000" },
	};
	unsigned n;

	(void)state;
	assert_int_equal(evaluate(p), 0); /* nothing observed yet */
	ports(p, s, 4);
	n = evaluate(p);
	assert_int_equal(n, 1); /* the loopback listeners are not findings */
	iv = find(n, "HOST001", "/ports/tcp/8888");
	assert_non_null(iv);
	assert_string_equal(iv->type, "IoT_OpenPorts");
	assert_string_equal(iv->status, "New");
	assert_string_equal(iv->module, "host");
	assert_true(has_extra(iv, "Reachability", "may be reachable")); /* no firewall data */
	assert_true(has_extra(iv, "Processes", "ncat (/usr/bin/ncat)"));
	assert_non_null(strstr(iv->message, "tcp/8888 may be reachable"));

	ports(p, s, 4);
	assert_int_equal(evaluate(p), 0); /* raised once */

	s[0].exe = "/tmp/ncat"; /* another program holds the port now */
	ports(p, s, 4);
	n = evaluate(p);
	assert_int_equal(n, 1);
	assert_string_equal(views[0].status, "Changed");
	assert_true(has_extra(&views[0], "Processes", "ncat (/tmp/ncat)"));

	ports(p, s + 1, 3); /* 8888 closed */
	n = evaluate(p);
	assert_int_equal(n, 1);
	assert_string_equal(views[0].status, "Resolved");
	assert_string_equal(views[0].path, "/ports/tcp/8888");
	ports(p, s + 1, 3);
	assert_int_equal(evaluate(p), 0);
	teardown_posture(p);
}

static void test_open_port_against_firewall(void **state)
{
	struct posture *p = setup_posture(false, NULL);
	struct sock_spec s[] = {
		{ "0.0.0.0", "22", "tcp", "sshd", "/usr/sbin/sshd", "0" },
		{ "0.0.0.0", "8888", "tcp", "ncat", "/usr/bin/ncat", "1000" },
		{ "0.0.0.0", "5353", "udp", "avahi", "/usr/sbin/avahi-daemon", "100" },
	};
	const struct item_view *iv;
	unsigned n;

	(void)state;
	firewall(p, fw_ssh_only, 5);
	ports(p, s, 3);
	n = evaluate(p);
	/* 22 reachable; 8888 and udp/5353 blocked by the input policy */
	iv = find(n, "HOST001", "/ports/tcp/22");
	assert_non_null(iv);
	assert_true(has_extra(iv, "Reachability", "reachable"));
	assert_non_null(strstr(iv->message, "inet filter input (nftables) rule 2 accepts it"));
	assert_null(find(n, "HOST001", "/ports/tcp/8888"));
	assert_null(find(n, "HOST001", "/ports/udp/5353"));
	assert_null(find(n, "HOST002", "/firewall/policy/input"));
	teardown_posture(p);
}

static void test_open_port_firewall_change_resolves(void **state)
{
	struct posture *p = setup_posture(false, NULL);
	struct sock_spec s[] = { { "0.0.0.0", "8888", "tcp", "ncat", "/usr/bin/ncat", "0" } };
	const struct fw_spec open_fw[] = { POLICY("ip", "INPUT", "input", "Allow") };

	(void)state;
	ports(p, s, 1);
	firewall(p, open_fw, 1);
	assert_non_null(find(evaluate(p), "HOST001", "/ports/tcp/8888"));
	firewall(p, fw_ssh_only,
		 5); /* the firewall now drops it: resolved without a new port list */
	assert_int_equal(evaluate(p), 3);
	assert_string_equal(find(3, "HOST001", "/ports/tcp/8888")->status, "Resolved");
	assert_string_equal(find(3, "HOST002", "/firewall/policy/input")->status, "Resolved");
	assert_string_equal(find(3, "HOST002", "/firewall/policy/output")->status, "Resolved");
	teardown_posture(p);
}

/* Each rule shape, alone in a DROP-policy input chain, against tcp/8888 from outside. */
static void test_reachability_shapes(void **state)
{
	static const struct {
		struct fw_spec rule;
		const char *expect; /* Reachability, or NULL: no finding */
	} cases[] = {
		{ { RULE("ip", "INPUT", "input", "Allow", "accept") }, "reachable" },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .proto = "udp" }, NULL },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .proto = "!udp" },
		  "reachable" },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .dport = "8000-9000" },
		  "reachable" },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .dport = "22,80,443" }, NULL },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .dport = "!22" },
		  "reachable" },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .dport = "@allowed" },
		  "may be reachable" },
		/* the sender picks its source port */
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .sport = "53" }, "reachable" },
		/* accepted from some sources only: restricted, not reported */
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .saddr = "10.0.0.0/8" },
		  NULL },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .saddr = "0.0.0.0/1" },
		  "reachable" },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .saddr = "!10.0.0.0/8" },
		  "reachable" },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"), .saddr = "@friends" },
		  "may be reachable" },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"),
		    .unmapped = "meta iifname == lo" },
		  NULL },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"),
		    .unmapped = "meta iifname == eth0" },
		  "reachable" },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"),
		    .unmapped = "ct state in {established,related}" },
		  NULL },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"),
		    .unmapped = "ct state in {established,related,new}" },
		  "reachable" },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"),
		    .unmapped = "xt match conntrack" },
		  NULL },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"),
		    .unmapped = "xt match multiport" },
		  "may be reachable" },
		{ { RULE("ip", "INPUT", "input", "Allow", "accept"),
		    .unmapped = "limit rate 10 burst 5 per second" },
		  "reachable" },
		{ { RULE("ip", "INPUT", "input", "Other", "queue") }, "may be reachable" },
		{ { RULE("ip", "INPUT", "input", "Other", "log") }, NULL },
	};
	struct sock_spec s[] = { { "0.0.0.0", "8888", "tcp", "ncat", "/usr/bin/ncat", "0" } };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct posture *p = setup_posture(false, NULL);
		struct fw_spec fw[2] = { cases[i].rule, POLICY("ip", "INPUT", "input", "Deny") };
		const struct item_view *iv;
		unsigned n;

		firewall(p, fw, 2);
		ports(p, s, 1);
		n = evaluate(p);
		iv = find(n, "HOST001", "/ports/tcp/8888");
		print_message("case %zu: %s\n", i, iv ? iv->message : "(none)");
		if (!cases[i].expect)
			assert_null(iv);
		else
			assert_true(iv && has_extra(iv, "Reachability", cases[i].expect));
		teardown_posture(p);
	}
}

/* Drops that cannot be relied on never make a port "blocked". */
static void test_reachability_conservative_drops(void **state)
{
	static const struct fw_spec drop_before_accept[][3] = {
		/* a drop from one source: everyone else still gets in */
		{ { RULE("ip", "INPUT", "input", "Deny", "drop"), .saddr = "192.0.2.1" },
		  POLICY("ip", "INPUT", "input", "Allow") },
		/* a drop limited by the source port: the sender avoids it */
		{ { RULE("ip", "INPUT", "input", "Deny", "drop"), .sport = "1-1023" },
		  POLICY("ip", "INPUT", "input", "Allow") },
		/* a drop on an opaque condition: may be reachable */
		{ { RULE("ip", "INPUT", "input", "Deny", "drop"),
		    .unmapped = "fib daddr type local" },
		  POLICY("ip", "INPUT", "input", "Allow") },
	};
	static const char *const expect[] = { "reachable", "reachable", "may be reachable" };
	struct sock_spec s[] = { { "0.0.0.0", "8888", "tcp", "ncat", "/usr/bin/ncat", "0" } };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct posture *p = setup_posture(false, NULL);
		const struct item_view *iv;

		firewall(p, drop_before_accept[i], 2);
		ports(p, s, 1);
		iv = find(evaluate(p), "HOST001", "/ports/tcp/8888");
		assert_non_null(iv);
		assert_true(has_extra(iv, "Reachability", expect[i]));
		teardown_posture(p);
	}
}

/* Jumps: a user chain that accepts, a goto, a chain only some sources enter. */
static void test_reachability_jumps(void **state)
{
	const struct fw_spec jump_accept[] = {
		{ RULE("ip", "INPUT", "input", "Other", "jump allow-in"), .proto = "tcp" },
		POLICY("ip", "INPUT", "input", "Deny"),
		{ RULE("ip", "allow-in", NULL, "Allow", "accept"), .dport = "8888" },
	};
	const struct fw_spec jump_restricted[] = {
		{ RULE("ip", "INPUT", "input", "Other", "jump trusted"), .saddr = "10.1.0.0/16" },
		POLICY("ip", "INPUT", "input", "Deny"),
		{ RULE("ip", "trusted", NULL, "Allow", "accept") },
	};
	const struct fw_spec jump_return[] = {
		{ RULE("ip", "INPUT", "input", "Other", "jump check") },
		{ RULE("ip", "INPUT", "input", "Deny", "drop") },
		POLICY("ip", "INPUT", "input", "Allow"),
		{ RULE("ip", "check", NULL, "Other", "return") },
		{ RULE("ip", "check", NULL, "Allow", "accept") },
	};
	struct sock_spec s[] = { { "0.0.0.0", "8888", "tcp", "ncat", "/usr/bin/ncat", "0" } };
	struct posture *p;
	const struct item_view *iv;

	(void)state;
	p = setup_posture(false, NULL);
	firewall(p, jump_accept, 3);
	ports(p, s, 1);
	iv = find(evaluate(p), "HOST001", "/ports/tcp/8888");
	assert_true(iv && has_extra(iv, "Reachability", "reachable"));
	assert_non_null(strstr(iv->message, "ip filter allow-in (nftables) rule 0 accepts it"));
	teardown_posture(p);

	p = setup_posture(false, NULL);
	firewall(p, jump_restricted, 3);
	ports(p, s, 1);
	assert_null(find(evaluate(p), "HOST001", "/ports/tcp/8888"));
	teardown_posture(p);

	p = setup_posture(false, NULL); /* return comes back, then the drop */
	firewall(p, jump_return, 5);
	ports(p, s, 1);
	assert_null(find(evaluate(p), "HOST001", "/ports/tcp/8888"));
	teardown_posture(p);
}

/* "::" listens on both families: a v4-only firewall leaves IPv6 open. */
static void test_reachability_families(void **state)
{
	const struct fw_spec v4_drop[] = { POLICY("ip", "INPUT", "input", "Deny") };
	struct sock_spec any6[] = { { "::", "8888", "tcp", "ncat", "/usr/bin/ncat", "0" } };
	struct sock_spec any4[] = { { "0.0.0.0", "8888", "tcp", "ncat", "/usr/bin/ncat", "0" } };
	struct posture *p;
	const struct item_view *iv;

	(void)state;
	p = setup_posture(false, NULL);
	firewall(p, v4_drop, 1);
	ports(p, any6, 1);
	iv = find(evaluate(p), "HOST001", "/ports/tcp/8888");
	assert_true(iv && has_extra(iv, "Reachability", "reachable"));
	assert_true(has_extra(iv, "Firewall", "no firewall chain filters IPv6 input"));
	ports(p, any4, 1);
	assert_int_equal(evaluate(p), 1);
	assert_string_equal(views[0].status, "Resolved");
	teardown_posture(p);
}

static void test_open_port_exemptions(void **state)
{
	struct posture *p = setup_posture(false, "22@/usr/sbin/sshd, udp/5000-5010");
	struct sock_spec s[] = {
		{ "0.0.0.0", "22", "tcp", "sshd", "/usr/sbin/sshd", "0" },
		{ "0.0.0.0", "2222", "tcp", "sshd", "/usr/sbin/sshd", "0" },
		{ "0.0.0.0", "5005", "udp", "app", "/opt/app", "1000" },
		{ "0.0.0.0", "5005", "tcp", "app", "/opt/app", "1000" },
		{ "0.0.0.0", "8883", "tcp", "docker-proxy", "/usr/bin/docker-proxy", "0" },
		{ "0.0.0.0", "8884", "tcp", "docker-proxy", "/tmp/docker-proxy", "1000" },
	};
	struct sock_spec impostor[] = { { "0.0.0.0", "22", "tcp", "sshd", "/tmp/sshd", "1000" } };
	unsigned n;

	(void)state;
	ports(p, s, 6);
	n = evaluate(p);
	assert_null(find(n, "HOST001", "/ports/tcp/22"));
	assert_non_null(find(n, "HOST001", "/ports/tcp/2222"));
	assert_null(find(n, "HOST001", "/ports/udp/5005"));
	assert_non_null(find(n, "HOST001", "/ports/tcp/5005"));
	assert_null(find(n, "HOST001", "/ports/tcp/8883"));	/* Docker's own proxy */
	assert_non_null(find(n, "HOST001", "/ports/tcp/8884")); /* a renamed binary is not */
	ports(p, impostor, 1); /* another program on the allowed port */
	n = evaluate(p);
	assert_non_null(find(n, "HOST001", "/ports/tcp/22"));
	teardown_posture(p);
}

static void test_allowed_ports_setting(void **state)
{
	struct posture *p = setup_posture(false, NULL);
	struct posture_settings s = { .allowed_ports = "22,tcp/80-79" };
	struct sock_spec sk[] = { { "0.0.0.0", "22", "tcp", "sshd", "/usr/sbin/sshd", "0" } };
	static const char *const bad[] = { "tcp/0",   "udp/65536", "22@",  "x",
					   "tcp/22-", "sctp/22",   "22-1", "1234567" };
	char err[160];

	(void)state;
	for (int r = 0; r < _POSTURE_RULE_MAX; r++)
		s.enabled[r] = true;
	assert_int_equal(posture_configure(p, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tcp/80-79"));
	ports(p, sk, 1); /* a bad list allows nothing */
	assert_non_null(find(evaluate(p), "HOST001", "/ports/tcp/22"));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		s.allowed_ports = bad[i];
		assert_int_equal(posture_configure(p, &s, err, sizeof(err)), -EINVAL);
	}
	s.allowed_ports = "tcp/22"; /* allowed now: the finding is resolved */
	assert_int_equal(posture_configure(p, &s, err, sizeof(err)), 0);
	assert_int_equal(evaluate(p), 1);
	assert_string_equal(views[0].status, "Resolved");
	teardown_posture(p);
}

/* ---- HOST002 ---- */

static void test_policy_no_firewall(void **state)
{
	struct posture *p = setup_posture(false, NULL);
	const struct posture_host fwd = { .known = true, .ipv4_forwarding = true };
	const struct item_view *iv;
	unsigned n;

	(void)state;
	firewall(p, NULL, 0); /* an empty ruleset: no firewall at all */
	n = evaluate(p);
	assert_int_equal(n, 2); /* input and output; forward not, forwarding is off */
	iv = find(n, "HOST002", "/firewall/policy/input");
	assert_non_null(iv);
	assert_string_equal(iv->type, "IoT_PermissiveFirewallPolicy");
	assert_true(has_extra(iv, "Families", "IPv4,IPv6"));
	assert_true(has_extra(iv, "Chains", "no base chain on this hook"));
	assert_non_null(find(n, "HOST002", "/firewall/policy/output"));
	assert_int_equal(evaluate(p), 0);
	posture_evaluate(p, 3 * SEC, &fwd); /* IPv4 forwarding switched on */
	n = cap_items(&cap);
	assert_int_equal(n, 1);
	assert_true(has_extra(find(n, "HOST002", "/firewall/policy/forward"), "Families", "IPv4"));
	teardown_posture(p);
}

static void test_policy_chains(void **state)
{
	/* firewalld: policy accept, but the chain ends in an unconditional reject */
	const struct fw_spec firewalld[] = {
		{ RULE("inet", "filter_INPUT", "input", "Allow", "accept"),
		  .unmapped = "ct state in {established,related}" },
		{ RULE("inet", "filter_INPUT", "input", "Other", "jump filter_INPUT_ZONES") },
		{ RULE("inet", "filter_INPUT", "input", "Deny", "reject") },
		POLICY("inet", "filter_INPUT", "input", "Allow"),
		{ RULE("inet", "filter_OUTPUT", "output", "Other", "jump filter_OUT_deny") },
		POLICY("inet", "filter_OUTPUT", "output", "Allow"),
		{ RULE("inet", "filter_INPUT_ZONES", NULL, "Allow", "accept"), .proto = "tcp",
		  .dport = "22" },
		{ RULE("inet", "filter_OUT_deny", NULL, "Deny", "drop") },
	};
	/* an IPv4-only drop policy leaves IPv6 open; a second chain may not reopen it */
	const struct fw_spec v4only[] = {
		POLICY("ip", "INPUT", "input", "Deny"),
		POLICY("ip", "OUTPUT", "output", "Deny"),
		POLICY("ip6", "OUTPUT", "output", "Deny"),
		POLICY("inet", "extra", "input", "Allow"),
	};
	struct posture *p;
	const struct item_view *iv;
	unsigned n;

	(void)state;
	p = setup_posture(false, NULL);
	firewall(p, firewalld, 8);
	assert_int_equal(evaluate(p), 0);
	teardown_posture(p);

	p = setup_posture(false, NULL);
	firewall(p, v4only, 4);
	n = evaluate(p);
	assert_int_equal(n, 1);
	iv = find(n, "HOST002", "/firewall/policy/input");
	assert_true(iv && has_extra(iv, "Families", "IPv6"));
	assert_non_null(strstr(iv->message, "ip filter INPUT (nftables) policy drop"));
	assert_non_null(strstr(iv->message, "inet filter extra (nftables) policy accept"));
	teardown_posture(p);
}

/* ---- HOST003, HOST004 ---- */

static void test_permissive_rules(void **state)
{
	const struct fw_spec fw[] = {
		{ RULE("ip", "INPUT", "input", "Allow", "accept"),
		  .unmapped = "meta iifname == lo" },
		{ RULE("ip", "INPUT", "input", "Allow", "accept"),
		  .unmapped = "xt match conntrack" },
		{ RULE("ip", "INPUT", "input", "Allow", "accept"), .proto = "icmp" },
		{ RULE("ip", "INPUT", "input", "Allow", "accept"), .proto = "tcp", .dport = "22" },
		{ RULE("ip", "INPUT", "input", "Allow", "accept"), .saddr = "10.0.0.0/8" },
		{ RULE("ip", "INPUT", "input", "Allow", "accept"), .proto = "tcp" }, /* HOST003 */
		{ RULE("ip", "INPUT", "input", "Other", "jump user-in") },
		POLICY("ip", "INPUT", "input", "Deny"),
		{ RULE("ip", "FORWARD", "forward", "Other", "jump DOCKER") },
		POLICY("ip", "FORWARD", "forward", "Deny"),
		{ RULE("ip", "OUTPUT", "output", "Allow", "accept"),
		  .unmapped = "meta oifname == lo" },
		{ RULE("ip", "OUTPUT", "output", "Allow", "accept"), .proto = "udp",
		  .daddr = "192.0.2.53", .dport = "53" },
		{ RULE("ip", "OUTPUT", "output", "Allow", "accept"), .proto = "udp",
		  .sport = "53" },
		POLICY("ip", "OUTPUT", "output", "Deny"),
		{ RULE("ip", "user-in", NULL, "Allow", "accept"),
		  .dport = "1024-65535" }, /* HOST003 */
		/* Docker's chains hang off FORWARD: never judged */
		{ RULE("ip", "DOCKER", NULL, "Allow", "accept"),
		  .unmapped = "meta iifname == docker0" },
	};
	struct posture *p = setup_posture(false, NULL);
	const struct item_view *in[2] = { NULL, NULL }, *out = NULL;
	unsigned n, k = 0;

	(void)state;
	firewall(p, fw, ARRAY_SIZE(fw));
	n = evaluate_v4(p);
	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(views[i].rule, "HOST003")) {
			assert_true(k < 2);
			in[k++] = &views[i];
		} else if (!strcmp(views[i].rule, "HOST004")) {
			assert_null(out);
			out = &views[i];
		} else {
			fail_msg("unexpected %s %s", views[i].rule, views[i].path);
		}
	}
	assert_int_equal(k, 2);
	assert_true(has_extra(in[0], "Rule", "protocol tcp; accept"));
	assert_true(has_extra(in[0], "Chain", "ip filter INPUT (nftables)"));
	assert_true(has_extra(in[0], "Priority", "5"));
	assert_string_equal(in[0]->type, "IoT_PermissiveInputFirewallRules");
	assert_non_null(strstr(in[0]->path, "/firewall/input/ip/filter/INPUT/"));
	assert_true(has_extra(in[1], "Rule", "dport 1024-65535; accept"));
	assert_non_null(strstr(in[1]->path, "/firewall/input/ip/filter/user-in/"));
	assert_true(has_extra(out, "Rule", "protocol udp; sport 53; accept"));
	assert_string_equal(out->type, "IoT_PermissiveOutputFirewallRules");

	/* The same rules again, moved down by an inserted rule: nothing new. */
	{
		struct fw_spec moved[ARRAY_SIZE(fw) + 1];

		moved[0] = (struct fw_spec){ RULE("ip", "INPUT", "input", "Deny", "drop"),
					     .saddr = "192.0.2.1" };
		memcpy(moved + 1, fw, sizeof(fw));
		firewall(p, moved, ARRAY_SIZE(moved));
		assert_int_equal(evaluate_v4(p), 0);
	}
	/* Removing the tcp accept resolves exactly that finding. */
	{
		struct fw_spec less[ARRAY_SIZE(fw) - 1];

		memcpy(less, fw, 5 * sizeof(fw[0]));
		memcpy(less + 5, fw + 6, sizeof(less) - 5 * sizeof(fw[0]));
		firewall(p, less, ARRAY_SIZE(less));
		n = evaluate_v4(p);
		assert_int_equal(n, 1);
		assert_string_equal(views[0].rule, "HOST003");
		assert_string_equal(views[0].status, "Resolved");
	}
	teardown_posture(p);
}

/* ---- HOST005 ---- */

static void test_baseline(void **state)
{
	struct posture *p = setup_posture(false, NULL);
	const struct check_spec two[] = {
		{ "ssh-permit-root-login", "Fail", "Critical" },
		{ "auditd-running", "Fail", "Important" },
		{ "cron-enabled", "Err", "Warning" },
	};
	const struct check_spec three[] = {
		{ "ssh-permit-root-login", "Fail", "Critical" },
		{ "auditd-running", "Fail", "Important" },
		{ "syslog-enabled", "Fail", "Warning" },
	};
	const struct item_view *iv;
	unsigned n;

	(void)state;
	baseline(p, two, 3);
	n = evaluate(p);
	assert_int_equal(n, 1);
	iv = find(n, "HOST005", "/baseline");
	assert_non_null(iv);
	assert_string_equal(iv->type, "IoT_Baseline");
	assert_string_equal(iv->status, "New");
	assert_true(has_extra(iv, "FailedChecks", "auditd-running,ssh-permit-root-login"));
	assert_true(has_extra(iv, "FailedCount", "2"));
	assert_true(has_extra(iv, "Critical", "1"));
	assert_true(has_extra(iv, "Important", "1"));
	assert_true(has_extra(iv, "ErrorChecks", "cron-enabled"));
	assert_non_null(
		strstr(iv->message, "2 OS baseline checks failed (1 Critical, 1 Important)"));

	baseline(p, two + 1, 2); /* same set, another order... */
	baseline(p, two, 3);	 /* ...and the latest event is what counts */
	assert_int_equal(evaluate(p), 0);

	baseline(p, three, 3);
	n = evaluate(p);
	assert_int_equal(n, 1);
	assert_string_equal(views[0].status, "Changed");
	assert_true(has_extra(&views[0], "FailedCount", "3"));

	baseline(p, NULL, 0); /* everything passes */
	n = evaluate(p);
	assert_int_equal(n, 1);
	assert_string_equal(views[0].status, "Resolved");
	assert_string_equal(views[0].message, "Every OS baseline check passes.");
	teardown_posture(p);
}

/* ---- HOST006 ---- */

static void test_unutilized_messages(void **state)
{
	struct posture *p;
	unsigned n;

	(void)state;
	p = setup_posture(false, NULL); /* local output: never judged */
	message_stats(p, 1 * HOUR, 100, 100);
	assert_int_equal(cap_items(&cap), 0);
	teardown_posture(p);

	p = setup_posture(true, NULL);
	message_stats(p, 1 * HOUR, 5, 5); /* too few to judge */
	assert_int_equal(cap_items(&cap), 0);
	message_stats(p, 2 * HOUR, 15, 0); /* 5 of 20 small: 25 % */
	n = cap_items(&cap);
	assert_int_equal(n, 1);
	assert_string_equal(views[0].rule, "HOST006");
	assert_string_equal(views[0].type, "IoT_AgentSendsUnutilizedMessages");
	assert_string_equal(views[0].severity, "Low");
	assert_true(has_extra(&views[0], "MessagesSent", "20"));
	assert_true(has_extra(&views[0], "PercentUnder4KB", "25"));
	message_stats(p, 3 * HOUR, 30, 0); /* 5 of 50: still >= 10 %, nothing new */
	assert_int_equal(cap_items(&cap), 0);
	message_stats(p, 4 * HOUR, 100, 0); /* 5 of 150 */
	n = cap_items(&cap);
	assert_int_equal(n, 1);
	assert_string_equal(views[0].status, "Resolved");
	/* 24 h later the old samples have left the window: 4 of 10 small */
	message_stats(p, 28 * HOUR + 1, 10, 4);
	n = cap_items(&cap);
	assert_int_equal(n, 1);
	assert_string_equal(views[0].status, "New");
	assert_true(has_extra(&views[0], "MessagesSent", "10"));
	teardown_posture(p);
}

static void test_samples_bounded(void **state)
{
	struct posture *p = setup_posture(true, NULL);

	(void)state;
	/* 500 samples in one window: merged, totals kept (50 % small) */
	for (unsigned i = 0; i < 500; i++)
		message_stats(p, (i + 1) * SEC, 2, 1);
	assert_int_equal(cap_items(&cap), 1); /* raised once, at 10 messages */
	assert_true(has_extra(&views[0], "MessagesSent", "10"));
	message_stats(p, 600 * SEC, 3000, 0); /* 500 of 4000: 12.5 %, still on */
	assert_int_equal(cap_items(&cap), 0);
	message_stats(p, 601 * SEC, 2000, 0); /* 500 of 6000: 8.3 % */
	assert_int_equal(cap_items(&cap), 1);
	assert_string_equal(views[0].status, "Resolved");
	teardown_posture(p);
}

/* ---- caps, settings, own events ---- */

static void test_port_cap(void **state)
{
	struct posture *p = setup_posture(false, NULL);
	static struct sock_spec s[1100];
	static char portnum[1100][8];
	struct posture_stats st;
	unsigned n;

	(void)state;
	for (unsigned i = 0; i < 300; i++) {
		snprintf(portnum[i], sizeof(portnum[i]), "%u", 10000 + i);
		s[i] = (struct sock_spec){ "0.0.0.0", portnum[i], "tcp", "x", "/x", "0" };
	}
	ports(p, s, 300);
	n = evaluate(p);
	assert_int_equal(n, 256);
	posture_get_stats(p, &st);
	assert_int_equal(st.untracked, 44);
	assert_int_equal(st.tracked, 256);
	ports(p, s, 300);
	assert_int_equal(evaluate(p), 0);

	/* more sockets than the digest holds: incomplete, so nothing is resolved */
	for (unsigned i = 0; i < 1100; i++) {
		snprintf(portnum[i], sizeof(portnum[i]), "%u", 20000 + i);
		s[i] = (struct sock_spec){ "0.0.0.0", portnum[i], "tcp", "x", "/x", "0" };
	}
	ports(p, s, 1100);
	n = evaluate(p);
	for (unsigned i = 0; i < n; i++)
		assert_string_not_equal(views[i].status, "Resolved");
	posture_get_stats(p, &st);
	assert_int_equal(st.inputs_dropped, 1100 - 1024);
	assert_int_equal(st.tracked, 256);
	teardown_posture(p);
}

static void test_settings_switch(void **state)
{
	struct posture *p = setup_posture(false, NULL);
	struct posture_settings s = { 0 };
	struct sock_spec sk[] = { { "0.0.0.0", "8888", "tcp", "ncat", "/usr/bin/ncat", "0" } };

	(void)state;
	ports(p, sk, 1);
	firewall(p, NULL, 0);
	assert_int_equal(evaluate(p), 3);
	for (int r = 0; r < _POSTURE_RULE_MAX; r++)
		s.enabled[r] = r != POSTURE_OPEN_PORTS;
	assert_int_equal(posture_configure(p, &s, NULL, 0), 0);
	assert_int_equal(evaluate(p), 0); /* switched off: no Resolved, nothing fixed */
	s.enabled[POSTURE_OPEN_PORTS] = true;
	assert_int_equal(posture_configure(p, &s, NULL, 0), 0);
	assert_int_equal(evaluate(p), 1); /* on again: reported anew */
	assert_string_equal(views[0].status, "New");
	teardown_posture(p);
}

/* Its own Recommendations (and other types) pass through observe() untouched. */
static void test_ignores_other_events(void **state)
{
	struct posture *p = setup_posture(false, NULL);
	struct sock_spec sk[] = { { "0.0.0.0", "8888", "tcp", "ncat", "/usr/bin/ncat", "0" } };
	struct posture_stats st;

	(void)state;
	ports(p, sk, 1);
	posture_evaluate(p, 2 * SEC, &no_forwarding);
	assert_int_equal(cap.n, 1);
	posture_observe(p, cap.ev[0]);
	posture_get_stats(p, &st);
	assert_int_equal(st.events_observed, 1);
	assert_int_equal(st.raised, 1);
	/* A one-socket ListenerCreate (eBPF, at listen()) is not a snapshot: it neither opens
	 * 4444 nor closes 8888. */
	listener(p, "0.0.0.0", "4444");
	posture_evaluate(p, 3 * SEC, &no_forwarding);
	assert_int_equal(cap.n, 1);
	posture_get_stats(p, &st);
	assert_int_equal(st.events_observed, 1);
	assert_int_equal(st.raised, 1);
	assert_int_equal(st.resolved, 0);
	teardown_posture(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_port_once_change_resolve),
		cmocka_unit_test(test_open_port_against_firewall),
		cmocka_unit_test(test_open_port_firewall_change_resolves),
		cmocka_unit_test(test_reachability_shapes),
		cmocka_unit_test(test_reachability_conservative_drops),
		cmocka_unit_test(test_reachability_jumps),
		cmocka_unit_test(test_reachability_families),
		cmocka_unit_test(test_open_port_exemptions),
		cmocka_unit_test(test_allowed_ports_setting),
		cmocka_unit_test(test_policy_no_firewall),
		cmocka_unit_test(test_policy_chains),
		cmocka_unit_test(test_permissive_rules),
		cmocka_unit_test(test_baseline),
		cmocka_unit_test(test_unutilized_messages),
		cmocka_unit_test(test_samples_bounded),
		cmocka_unit_test(test_port_cap),
		cmocka_unit_test(test_settings_switch),
		cmocka_unit_test(test_ignores_other_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
