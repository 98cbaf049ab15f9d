/* SPDX-License-Identifier: MIT */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/array.h"
#include "common/timeutil.h"

struct watch {
	int fd; /* -1 when free */
	loop_io_fn fn;
	void *userdata;
};

struct loop_timer {
	struct loop *loop;
	loop_timer_fn fn;
	void *userdata;
	uint64_t deadline; /* 0 = disarmed */
	int used;
};

struct loop {
	int epfd, sigfd, timerfd;
	struct watch watches[LOOP_MAX_FDS + 2];
	struct loop_timer timers[LOOP_MAX_TIMERS];
	loop_signal_fn on_signal;
	void *signal_userdata;
	uint64_t armed_for;
	int quit, code;
};

static struct watch *find_free_watch(struct loop *l)
{
	for (size_t i = 0; i < ARRAY_SIZE(l->watches); i++)
		if (l->watches[i].fd < 0)
			return &l->watches[i];
	return NULL;
}

static int watch(struct loop *l, int fd, uint32_t events, loop_io_fn fn, void *userdata)
{
	struct watch *w = find_free_watch(l);
	struct epoll_event ev = { .events = events };

	if (!w)
		return -ENOSPC;
	ev.data.ptr = w;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	w->fd = fd;
	w->fn = fn;
	w->userdata = userdata;
	return 0;
}

static void on_signalfd(struct loop *l, int fd, uint32_t events, void *userdata)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)userdata;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (l->on_signal)
			l->on_signal(l, (int)si.ssi_signo, l->signal_userdata);
}

static void rearm(struct loop *l)
{
	struct itimerspec its = { 0 };
	uint64_t best = 0;

	for (int i = 0; i < LOOP_MAX_TIMERS; i++)
		if (l->timers[i].used && l->timers[i].deadline &&
		    (!best || l->timers[i].deadline < best))
			best = l->timers[i].deadline;
	if (best == l->armed_for)
		return;
	l->armed_for = best;
	its.it_value.tv_sec = (time_t)(best / NSEC_PER_SEC);
	its.it_value.tv_nsec = (long)(best % NSEC_PER_SEC);
	(void)timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_timerfd(struct loop *l, int fd, uint32_t events, void *userdata)
{
	uint64_t expirations, now = time_now_monotonic_ns();

	(void)events;
	(void)userdata;
	(void)!read(fd, &expirations, sizeof(expirations));
	l->armed_for = 0;
	for (int i = 0; i < LOOP_MAX_TIMERS; i++) {
		struct loop_timer *t = &l->timers[i];

		if (t->used && t->deadline && t->deadline <= now) {
			t->deadline = 0;
			t->fn(l, t, t->userdata);
		}
	}
	rearm(l);
}

int loop_new(loop_signal_fn on_signal, void *userdata, struct loop **ret)
{
	struct loop *l = es_calloc(1, sizeof(*l));
	sigset_t mask;
	int r;

	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(l->watches); i++)
		l->watches[i].fd = -1;
	l->sigfd = l->timerfd = -1;
	l->on_signal = on_signal;
	l->signal_userdata = userdata;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		goto fail_errno;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		goto fail_errno;
	l->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (l->sigfd < 0)
		goto fail_errno;
	l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (l->timerfd < 0)
		goto fail_errno;
	if ((r = watch(l, l->sigfd, EPOLLIN, on_signalfd, NULL)) < 0 ||
	    (r = watch(l, l->timerfd, EPOLLIN, on_timerfd, NULL)) < 0)
		goto fail;
	*ret = l;
	return 0;
fail_errno:
	r = -errno;
fail:
	loop_free(l);
	return r;
}

struct loop *loop_free(struct loop *l)
{
	if (!l)
		return NULL;
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->epfd >= 0)
		close(l->epfd);
	es_free(l);
	return NULL;
}

int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_io_fn fn, void *userdata)
{
	return watch(l, fd, events, fn, userdata);
}

int loop_remove_fd(struct loop *l, int fd)
{
	for (size_t i = 0; i < ARRAY_SIZE(l->watches); i++)
		if (l->watches[i].fd == fd) {
			(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			l->watches[i].fd = -1;
			return 0;
		}
	return -ENOENT;
}

struct loop_timer *loop_timer_new(struct loop *l, loop_timer_fn fn, void *userdata)
{
	for (int i = 0; i < LOOP_MAX_TIMERS; i++) {
		struct loop_timer *t = &l->timers[i];

		if (!t->used) {
			*t = (struct loop_timer){
				.loop = l, .fn = fn, .userdata = userdata, .used = 1
			};
			return t;
		}
	}
	return NULL;
}

void loop_timer_free(struct loop_timer *t)
{
	if (t) {
		struct loop *l = t->loop;

		memset(t, 0, sizeof(*t));
		rearm(l);
	}
}

void loop_timer_arm(struct loop_timer *t, uint64_t deadline_ns)
{
	t->deadline = deadline_ns ? deadline_ns : 1;
	rearm(t->loop);
}

void loop_timer_arm_in(struct loop_timer *t, uint64_t delay_ns)
{
	loop_timer_arm(t, time_now_monotonic_ns() + delay_ns);
}

void loop_timer_disarm(struct loop_timer *t)
{
	t->deadline = 0;
	rearm(t->loop);
}

uint64_t loop_timer_deadline(const struct loop_timer *t)
{
	return t->deadline;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[16];

	while (!l->quit) {
		int n = epoll_wait(l->epfd, evs, 16, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n && !l->quit; i++) {
			struct watch *w = evs[i].data.ptr;

			if (w->fd >= 0)
				w->fn(l, w->fd, evs[i].events, w->userdata);
		}
	}
	/* The quit request is consumed: a later loop_run() runs again (tests step the loop). */
	l->quit = 0;
	return l->code;
}

void loop_quit(struct loop *l, int code)
{
	l->quit = 1;
	l->code = code;
}
