/* SPDX-License-Identifier: MIT */
/*
 * The cgroup parser (enrich/cgroup-parse.c): /proc/<pid>/cgroup text of every
 * layout (cgroup v1 and v2; Docker, Moby, containerd, CRI-O, Podman, Kubernetes), nested
 * containers, ids of the wrong length or case, garbage and huge lines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enrich/cgroup-parse.h"

#define ID_A "3f4e1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
#define ID_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ID_63 "3f4e1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2"
#define ID_65 ID_A "0"
#define ID_UPPER "3F4E1C2B9A8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F"
#define ID_NOTHEX "3f4e1c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2g"

static void expect(const char *text, const char *id, enum cgroup_runtime rt)
{
	struct cgroup_container ct;

	memset(&ct, 0x55, sizeof(ct));
	assert_int_equal(cgroup_container_parse(text, strlen(text), &ct), 0);
	assert_string_equal(ct.id, id);
	assert_int_equal(ct.runtime, rt);
}

static void expect_none(const char *text)
{
	struct cgroup_container ct;

	assert_int_equal(cgroup_container_parse(text, strlen(text), &ct), -ENOENT);
}

static void test_docker_v1(void **state)
{
	(void)state;
	/* As on the testbed: v1 hierarchies plus the v2 line, container id in each. */
	expect("12:pids:/docker/" ID_A "\n"
	       "11:memory:/docker/" ID_A "\n"
	       "9:name=systemd:/docker/" ID_A "\n"
	       "1:cpu,cpuacct:/docker/" ID_A "\n"
	       "0::/docker/" ID_A "\n",
	       ID_A, CGROUP_RUNTIME_DOCKER);
	/* Only one hierarchy names it; the others are at the root. */
	expect("9:name=systemd:/\n8:pids:/\n4:memory:/docker/" ID_B "\n0::/\n", ID_B,
	       CGROUP_RUNTIME_DOCKER);
	/* No trailing newline. */
	expect("4:memory:/docker/" ID_A, ID_A, CGROUP_RUNTIME_DOCKER);
	expect("4:memory:/moby/" ID_B "\n", ID_B, CGROUP_RUNTIME_DOCKER);
}

static void test_docker_v2(void **state)
{
	(void)state;
	expect("0::/system.slice/docker-" ID_A ".scope\n", ID_A, CGROUP_RUNTIME_DOCKER);
	expect("0::/docker/" ID_A "\n", ID_A, CGROUP_RUNTIME_DOCKER);
	/* Sub-cgroups inside the container (systemd in a container, cgroupns private). */
	expect("0::/docker/" ID_A "/init.scope\n", ID_A, CGROUP_RUNTIME_DOCKER);
	expect("0::/system.slice/docker-" ID_A ".scope/system.slice/foo.service\n", ID_A,
	       CGROUP_RUNTIME_DOCKER);
}

static void test_nested(void **state)
{
	(void)state;
	/* Docker in Docker: the outer container is the one the host's engine knows. */
	expect("0::/docker/" ID_A "/docker/" ID_B "\n", ID_A, CGROUP_RUNTIME_DOCKER);
	expect("0::/system.slice/docker-" ID_B ".scope/docker/" ID_A "\n", ID_B,
	       CGROUP_RUNTIME_DOCKER);
	/* A non-id directory between /docker and the id is not the Docker layout. */
	expect_none("0::/docker/buildkit/" ID_A "\n");
	/* Empty path components are skipped. */
	expect("0:://docker//" ID_A "//\n", ID_A, CGROUP_RUNTIME_DOCKER);
}

static void test_kubernetes(void **state)
{
	(void)state;
	expect("4:memory:/kubepods/burstable/pod8f2b6a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b/" ID_A "\n",
	       ID_A, CGROUP_RUNTIME_CRI);
	expect("0::/kubepods/pod8f2b6a1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b/" ID_B "\n", ID_B,
	       CGROUP_RUNTIME_CRI);
	expect("0::/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod8f2b6a1e_1c2d_4e5f_8a9b_0c1d2e3f4a5b.slice/"
	       "cri-containerd-" ID_A ".scope\n",
	       ID_A, CGROUP_RUNTIME_CRI_CONTAINERD);
	expect("0::/kubepods.slice/kubepods-besteffort.slice/"
	       "kubepods-besteffort-pod1.slice/crio-" ID_B ".scope\n",
	       ID_B, CGROUP_RUNTIME_CRIO);
	expect("0::/kubepods.slice/kubepods-pod1.slice/docker-" ID_B ".scope\n", ID_B,
	       CGROUP_RUNTIME_DOCKER);
	/* runc's "slice:prefix:name" form left as one directory. */
	expect("0::/system.slice/containerd.service/"
	       "kubepods-burstable-pod1.slice:cri-containerd:" ID_A "\n",
	       ID_A, CGROUP_RUNTIME_CRI_CONTAINERD);
	expect_none("0::/system.slice/containerd.service/kubepods-pod1.slice:unknown:" ID_A "\n");
	expect_none("0::/kubepods.slice:cri-containerd:" ID_63 "\n");
	expect_none("0::/kubepods/burstable/pod1\n");
}

static void test_other_runtimes(void **state)
{
	(void)state;
	expect("0::/machine.slice/libpod-" ID_A ".scope/container\n", ID_A, CGROUP_RUNTIME_PODMAN);
	expect("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID_B
	       ".scope\n",
	       ID_B, CGROUP_RUNTIME_PODMAN);
	/* conmon, Podman's monitor, runs on the host side. */
	expect_none("0::/machine.slice/libpod-conmon-" ID_A ".scope\n");
	expect("0::/nerdctl.slice/nerdctl-" ID_A ".scope\n", ID_A, CGROUP_RUNTIME_CONTAINERD);
	expect("0::/system.slice/cri-containerd-" ID_B ".scope\n", ID_B,
	       CGROUP_RUNTIME_CRI_CONTAINERD);
}

static void test_host(void **state)
{
	(void)state;
	expect_none("0::/\n");
	expect_none("0::/init.scope\n");
	expect_none("0::/user.slice/user-0.slice/session-3.scope\n");
	expect_none("0::/system.slice/docker.service\n");
	expect_none("0::/system.slice/containerd.service\n");
	expect_none("9:name=systemd:/\n8:pids:/\n4:memory:/process_api/a806fb8610f8\n0::/\n");
	/* A 64-hex directory under an unknown parent is not taken for a container. */
	expect_none("0::/somewhere/" ID_A "\n");
	expect_none("0::/" ID_A "\n");
	expect_none("");
}

static void test_wrong_ids(void **state)
{
	(void)state;
	expect_none("0::/docker/" ID_63 "\n");
	expect_none("0::/docker/" ID_65 "\n");
	expect_none("0::/docker/" ID_UPPER "\n");
	expect_none("0::/docker/" ID_NOTHEX "\n");
	expect_none("0::/system.slice/docker-" ID_63 ".scope\n");
	expect_none("0::/system.slice/docker-" ID_65 ".scope\n");
	expect_none("0::/system.slice/docker-" ID_UPPER ".scope\n");
	expect_none("0::/system.slice/docker-" ID_A ".scop\n");
	expect_none("0::/system.slice/docker-" ID_A ".scope.extra\n");
	expect_none("0::/system.slice/docker--" ID_A ".scope\n");
	expect_none("0::/system.slice/Docker-" ID_A ".scope\n");
	expect_none("0::/system.slice/docker-.scope\n");
	expect_none("0::/system.slice/.scope\n");
	/* A wrong line does not hide a right one. */
	expect("0::/docker/" ID_65 "\n4:memory:/docker/" ID_B "\n", ID_B, CGROUP_RUNTIME_DOCKER);
}

static void test_garbage(void **state)
{
	struct cgroup_container ct;
	static const char nul_text[] = "0::/doc\0ker/" ID_A "\n";

	(void)state;
	assert_int_equal(cgroup_container_parse(NULL, 4, &ct), -EINVAL);
	assert_int_equal(cgroup_container_parse("0::/", 4, NULL), -EINVAL);
	/* Lines without two colons carry no path. */
	expect_none("/docker/" ID_A "\n");
	expect_none("4/docker/" ID_A "\n");
	expect_none(":\n::\n:::\n\n\n");
	expect_none("\xff\xfe:\x01:\x80/docker/\n");
	/* A path may contain colons; only the first two separate the fields. */
	expect("4:memory:/docker/" ID_A "\n", ID_A, CGROUP_RUNTIME_DOCKER);
	expect_none("0::/docker:" ID_A "\n");
	/* A NUL in the text is an ordinary byte. */
	assert_int_equal(cgroup_container_parse(nul_text, sizeof(nul_text) - 1, &ct), -ENOENT);
	/* Length is honoured: the id cut short is not an id. */
	assert_int_equal(cgroup_container_parse("0::/docker/" ID_A, 11 + 63, &ct), -ENOENT);
	assert_int_equal(cgroup_container_parse("0::/docker/" ID_A, 11 + 64, &ct), 0);
	assert_string_equal(ct.id, ID_A);
	assert_int_equal(cgroup_container_parse("0::/docker/" ID_A, 0, &ct), -ENOENT);
}

static void test_huge(void **state)
{
	size_t big = 3 * CGROUP_PARSE_MAX, n;
	char *buf = malloc(big + 200);
	struct cgroup_container ct;

	(void)state;
	assert_non_null(buf);
	/* One huge line of slashes and hex, then a real match: beyond the cap, so not seen. */
	memset(buf, '/', big);
	memcpy(buf, "0::", 3);
	for (size_t i = 100; i + 70 < big; i += 70)
		memcpy(buf + i, ID_A ID_A, 65);
	n = big;
	memcpy(buf + n, "\n0::/docker/" ID_A "\n", 77);
	n += 77;
	assert_int_equal(cgroup_container_parse(buf, n, &ct), -ENOENT);

	/* Within the cap, after a long line, the match is found. */
	memset(buf, 'x', 4000);
	memcpy(buf + 4000, "\n0::/docker/" ID_B "\n", 77);
	assert_int_equal(cgroup_container_parse(buf, 4077, &ct), 0);
	assert_string_equal(ct.id, ID_B);

	/* Many short lines. */
	for (size_t i = 0; i + 4 <= big; i += 4)
		memcpy(buf + i, "0::\n", 4);
	assert_int_equal(cgroup_container_parse(buf, big, &ct), -ENOENT);
	free(buf);
}

static void test_runtime_names(void **state)
{
	(void)state;
	assert_string_equal(cgroup_runtime_to_string(CGROUP_RUNTIME_DOCKER), "docker");
	assert_string_equal(cgroup_runtime_to_string(CGROUP_RUNTIME_CONTAINERD), "containerd");
	assert_string_equal(cgroup_runtime_to_string(CGROUP_RUNTIME_CRI_CONTAINERD),
			    "cri-containerd");
	assert_string_equal(cgroup_runtime_to_string(CGROUP_RUNTIME_CRIO), "crio");
	assert_string_equal(cgroup_runtime_to_string(CGROUP_RUNTIME_PODMAN), "podman");
	assert_string_equal(cgroup_runtime_to_string(CGROUP_RUNTIME_CRI), "cri");
	assert_null(cgroup_runtime_to_string(CGROUP_RUNTIME_MAX));
	assert_null(cgroup_runtime_to_string((enum cgroup_runtime)(CGROUP_RUNTIME_MAX + 7)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_v1),      cmocka_unit_test(test_docker_v2),
		cmocka_unit_test(test_nested),	       cmocka_unit_test(test_kubernetes),
		cmocka_unit_test(test_other_runtimes), cmocka_unit_test(test_host),
		cmocka_unit_test(test_wrong_ids),      cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_huge),	       cmocka_unit_test(test_runtime_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
