// SPDX-License-Identifier: MIT
//
// bench/exec-storm-spawner.c: the workload of bench/exec-storm.sh (built by the script with
// cc into a temporary directory; not part of the project build).
//
//   exec-storm-spawner exec N RATE PREFIX ARG2
//       fork + exec + wait N times: /bin/true PREFIX<i> ARG2 (i = 0..N-1), paced at RATE
//       execs per second against an absolute schedule (RATE 0: as fast as possible). A child
//       counts as executed when it exits 0.
//   exec-storm-spawner connect N
//       a listener on 127.0.0.1 (ephemeral port, in a forked child that accepts and closes)
//       and N blocking TCP connects to it, one after the other; each waits for the server's
//       close, so every connection was accepted. Loopback only.
//
// Prints one line: "pid=PID executed=E requested=N port=P start_ns=S end_ns=T cpu_ns=C" where S and
// T are CLOCK_MONOTONIC and C is the user+system CPU of this process and its reaped children.
// Bounded: N is capped at 1,000,000; every child is waited for.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long cpu_ns(void)
{
	struct rusage self, kids;
	long long t = 0;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	t += (self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
	      kids.ru_stime.tv_sec) *
	     1000000000LL;
	t += (self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
	      kids.ru_stime.tv_usec) *
	     1000LL;
	return t;
}

static long parse_count(const char *s, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > max) {
		fprintf(stderr, "exec-storm-spawner: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int run_exec(long n, long rate, const char *prefix, const char *arg2)
{
	char marker[256];
	long executed = 0;
	long long start, next, step;

	if (strlen(prefix) > 200) {
		fprintf(stderr, "exec-storm-spawner: prefix too long\n");
		return 2;
	}
	step = rate > 0 ? 1000000000LL / rate : 0;
	start = now_ns();
	next = start;
	for (long i = 0; i < n; i++) {
		if (step) {
			long long t = now_ns();

			if (t < next) {
				struct timespec ts = { .tv_sec = next / 1000000000LL,
						       .tv_nsec = next % 1000000000LL };

				while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
				       EINTR)
					;
			}
			next += step; // absolute schedule: a late exec does not shift the others
		}
		snprintf(marker, sizeof(marker), "%s%ld", prefix, i);
		pid_t pid = fork();
		if (pid < 0) {
			perror("exec-storm-spawner: fork");
			continue;
		}
		if (pid == 0) {
			char *argv[] = { "/bin/true", marker, (char *)arg2, NULL };

			execv("/bin/true", argv);
			_exit(127);
		}
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			executed++;
	}
	long long end = now_ns();
	printf("pid=%d executed=%ld requested=%ld port=0 start_ns=%lld end_ns=%lld cpu_ns=%lld\n",
	       (int)getpid(), executed, n, start, end, cpu_ns());
	return 0;
}

static int run_connect(long n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t salen = sizeof(sa);
	int one = 1, lfd;
	long executed = 0;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 128) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
		perror("exec-storm-spawner: listener");
		return 1;
	}
	pid_t parent = getpid();
	pid_t server = fork();
	if (server < 0) {
		perror("exec-storm-spawner: fork");
		return 1;
	}
	if (server == 0) {
		// accept exactly n connections (the parent kills us if it gives up early, and the
		// kernel does if the parent dies)
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		for (long i = 0; i < n; i++) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c < 0) {
				if (errno == EINTR || errno == ECONNABORTED)
					continue;
				_exit(1);
			}
			close(c);
		}
		_exit(0);
	}
	close(lfd);
	long long start = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char b;

		if (fd < 0) {
			perror("exec-storm-spawner: socket");
			break;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			// wait for the server's close: the connection was accepted
			if (read(fd, &b, 1) == 0)
				executed++;
		}
		close(fd);
	}
	long long end = now_ns();
	if (executed < n)
		kill(server, SIGKILL);
	int status;
	while (waitpid(server, &status, 0) < 0 && errno == EINTR)
		;
	printf("pid=%d executed=%ld requested=%ld port=%u start_ns=%lld end_ns=%lld cpu_ns=%lld\n",
	       (int)getpid(), executed, n, ntohs(sa.sin_port), start, end, cpu_ns());
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && strcmp(argv[1], "exec") == 0)
		return run_exec(parse_count(argv[2], 1000000), parse_count(argv[3], 1000000),
				argv[4], argv[5]);
	if (argc == 3 && strcmp(argv[1], "connect") == 0)
		return run_connect(parse_count(argv[2], 1000000));
	fprintf(stderr, "usage: exec-storm-spawner exec N RATE PREFIX ARG2\n"
			"       exec-storm-spawner connect N\n");
	return 2;
}
