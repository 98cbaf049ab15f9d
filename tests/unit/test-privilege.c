/* SPDX-License-Identifier: MIT */
/*
 * The capabilities core/privilege.c keeps, read from the collectors' own tables
 * (collector_ops.caps): every built-in collector (and each capture backend of the process and
 * login collectors, when it is the one running) declares its own, so none gets the catch-all
 * set; collectors that are not running need nothing; the names are right.
 * The drop itself runs against the real kernel in tests/integration/test-privilege-drop.sh.
 */
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "collectors/collector.h"
#include "common/array.h"
#include "core/privilege.h"

#define CAP(x) (1ull << (x))
#define CATCH_ALL (CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_SYS_PTRACE) | CAP(CAP_NET_ADMIN))

static const char *fake_describe;

static const char *describe_fake(struct collector *c)
{
	(void)c;
	return fake_describe;
}

static uint64_t needs_of(const struct collector_ops *ops, enum collector_state state)
{
	struct collector_params p = { .host_root = "/" };
	struct collector *c;
	uint64_t caps;

	assert_int_equal(collector_new(ops, &p, &c), 0);
	c->state = state;
	caps = privilege_needed_by(c);
	collector_free(c);
	return caps;
}

static void test_builtin_collectors(void **state)
{
	(void)state;
	assert_int_equal(needs_of(&sysinfo_collector_ops, COLLECTOR_STATE_RUNNING), 0);
	assert_int_equal(needs_of(&users_collector_ops, COLLECTOR_STATE_RUNNING), 0);
	assert_int_equal(needs_of(&ports_collector_ops, COLLECTOR_STATE_RUNNING),
			 CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_SYS_PTRACE));
	assert_int_equal(needs_of(&firewall_collector_ops, COLLECTOR_STATE_DEGRADED),
			 CAP(CAP_NET_ADMIN) | CAP(CAP_DAC_READ_SEARCH));
	assert_int_equal(needs_of(&baseline_collector_ops, COLLECTOR_STATE_DISABLED),
			 CAP(CAP_DAC_READ_SEARCH));
	assert_int_equal(needs_of(&posture_collector_ops, COLLECTOR_STATE_RUNNING), 0);
	/* Not running: nothing, whatever it is. */
	assert_int_equal(needs_of(&ports_collector_ops, COLLECTOR_STATE_FAILED), 0);
	assert_int_equal(needs_of(&ports_collector_ops, COLLECTOR_STATE_NEW), 0);
}

static void test_process_backends(void **state)
{
	/* The process collector's table, with the backend it describes faked. */
	struct collector_ops ops = { .name = "process",
				     .describe = describe_fake,
				     .caps = process_collector_ops.caps,
				     .n_caps = process_collector_ops.n_caps };
	static const struct {
		const char *describe;
		uint64_t caps;
	} cases[] = {
		{ "ebpf", CAP(CAP_SYS_PTRACE) },
		{ "audit; ebpf: cannot load", CAP(CAP_AUDIT_CONTROL) | CAP(CAP_SYS_PTRACE) },
		{ "cnproc; ebpf: no BTF; audit: locked", CAP(CAP_NET_ADMIN) | CAP(CAP_SYS_PTRACE) },
		{ "something new", CATCH_ALL },
		{ NULL, CATCH_ALL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		fake_describe = cases[i].describe;
		assert_int_equal(needs_of(&ops, COLLECTOR_STATE_RUNNING), cases[i].caps);
	}
	/* The login collector's sources likewise. */
	ops.caps = login_collector_ops.caps;
	ops.n_caps = login_collector_ops.n_caps;
	fake_describe = "source audit (PAM records)";
	assert_int_equal(needs_of(&ops, COLLECTOR_STATE_RUNNING),
			 CAP(CAP_AUDIT_CONTROL) | CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_SYS_PTRACE));
	fake_describe = "source utmp";
	assert_int_equal(needs_of(&ops, COLLECTOR_STATE_RUNNING),
			 CAP(CAP_SYS_PTRACE) | CAP(CAP_DAC_READ_SEARCH));
	/* A collector that declares nothing keeps the catch-all rather than break. */
	ops.name = "future";
	ops.caps = NULL;
	ops.n_caps = 0;
	assert_int_equal(needs_of(&ops, COLLECTOR_STATE_RUNNING), CATCH_ALL);
}

/* Every built-in collector declares its capabilities; names are unique. */
static void test_builtins_declare(void **state)
{
	(void)state;
	assert_int_equal(collector_n_builtins, 9);
	for (size_t i = 0; i < collector_n_builtins; i++) {
		const struct collector_ops *ops = collector_builtins[i];

		assert_non_null(ops->name);
		assert_true(ops->n_caps > 0);
		assert_non_null(ops->caps);
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(collector_builtins[k]->name, ops->name);
	}
	/* posture judges what the others sent: it comes last */
	assert_ptr_equal(collector_builtins[collector_n_builtins - 1], &posture_collector_ops);
}

static void test_format(void **state)
{
	char buf[160];

	(void)state;
	privilege_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	privilege_format(CATCH_ALL | CAP(CAP_AUDIT_CONTROL), buf, sizeof(buf));
	assert_string_equal(buf,
			    "cap_dac_read_search,cap_net_admin,cap_sys_ptrace,cap_audit_control");
	privilege_format(CAP(CAP_CHECKPOINT_RESTORE) | CAP(45), buf, sizeof(buf));
	assert_string_equal(buf, "cap_checkpoint_restore,cap_45");
	privilege_format(CATCH_ALL, buf, 10); /* bounded, NUL-terminated */
	assert_int_equal(strlen(buf), 9);
}

/* --user: numbers, names of our own root's passwd/group, and what is refused. */
static void test_user_parse(void **state)
{
	struct privilege_user u;
	char err[160];

	(void)state;
	assert_int_equal(privilege_user_parse("10001", &u, err, sizeof(err)), 0);
	assert_int_equal(u.uid, 10001);
	assert_int_equal(u.gid, 10001);
	assert_int_equal(u.n_groups, 0);
	assert_int_equal(privilege_user_parse("10001:65534", &u, err, sizeof(err)), 0);
	assert_int_equal(u.gid, 65534);
	/* "nobody" exists in every Debian passwd, "nogroup" in group. */
	assert_int_equal(privilege_user_parse("nobody", &u, err, sizeof(err)), 0);
	assert_int_equal(u.uid, 65534);
	assert_int_equal(privilege_user_parse("nobody:nogroup", &u, err, sizeof(err)), 0);
	assert_int_equal(u.gid, 65534);
	assert_int_equal(privilege_user_parse("0", &u, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "uid 0"));
	assert_int_equal(privilege_user_parse("root", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(privilege_user_parse("10001:0", &u, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "gid 0"));
	assert_int_equal(privilege_user_parse("no-such-user-here", &u, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "does not exist"));
	assert_int_equal(privilege_user_parse("10001:no-such-group", &u, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(privilege_user_parse("", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(privilege_user_parse(":5", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(privilege_user_parse("5:", &u, err, sizeof(err)), -EINVAL);
	assert_int_equal(privilege_user_parse("99999999999999", &u, err, sizeof(err)), -ENOENT);

	/* Supplementary groups: never 0, no duplicates, bounded. */
	assert_int_equal(privilege_user_parse("10001", &u, err, sizeof(err)), 0);
	assert_int_equal(privilege_user_add_group(&u, 0), -EPERM);
	assert_int_equal(privilege_user_add_group(&u, 10001), 0); /* its own group */
	assert_int_equal(u.n_groups, 0);
	assert_int_equal(privilege_user_add_group(&u, 106), 0);
	assert_int_equal(privilege_user_add_group(&u, 106), 0);
	assert_int_equal(u.n_groups, 1);
	for (gid_t g = 200; u.n_groups < PRIVILEGE_GROUPS_MAX; g++)
		assert_int_equal(privilege_user_add_group(&u, g), 0);
	assert_int_equal(privilege_user_add_group(&u, 999), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_collectors), cmocka_unit_test(test_process_backends),
		cmocka_unit_test(test_builtins_declare),   cmocka_unit_test(test_format),
		cmocka_unit_test(test_user_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
