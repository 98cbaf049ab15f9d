/* SPDX-License-Identifier: MIT */
#pragma once

/*
 * The event loop: one epoll instance on the process's only thread.  Inputs are file
 * descriptors (the collectors' netlink sockets, ring buffer, inotify and timerfd; the MQTT
 * socket; the Docker event stream; the workload API), one signalfd for SIGINT, SIGTERM and
 * SIGHUP, and one timerfd armed for the earliest armed timer (disarmed when none is).
 * Timers are slots of the loop, not file descriptors.  Callbacks run on the loop and must not
 * block.  Limits: LOOP_MAX_FDS watched descriptors (loop_add_fd: -ENOSPC beyond),
 * LOOP_MAX_TIMERS timers (loop_timer_new: NULL beyond).
 */

#include <stdint.h>

#define LOOP_MAX_FDS 64
#define LOOP_MAX_TIMERS 32

struct loop;
struct loop_timer;

typedef void (*loop_io_fn)(struct loop *l, int fd, uint32_t events, void *userdata);
typedef void (*loop_timer_fn)(struct loop *l, struct loop_timer *t, void *userdata);
typedef void (*loop_signal_fn)(struct loop *l, int signo, void *userdata);

/* Blocks SIGINT, SIGTERM and SIGHUP (delivered through a signalfd) and ignores SIGPIPE. */
int loop_new(loop_signal_fn on_signal, void *userdata, struct loop **ret);
struct loop *loop_free(struct loop *l);
int loop_add_fd(struct loop *l, int fd, uint32_t events, loop_io_fn fn, void *userdata);
int loop_remove_fd(struct loop *l, int fd);
struct loop_timer *loop_timer_new(struct loop *l, loop_timer_fn fn, void *userdata);
void loop_timer_free(struct loop_timer *t);
/* Fires once at the CLOCK_MONOTONIC deadline (ns); re-arm from the callback to repeat. */
void loop_timer_arm(struct loop_timer *t, uint64_t deadline_ns);
void loop_timer_arm_in(struct loop_timer *t, uint64_t delay_ns);
void loop_timer_disarm(struct loop_timer *t);
uint64_t loop_timer_deadline(const struct loop_timer *t); /* 0 when disarmed */
/*
 * Runs until loop_quit() (also one made before the call); returns the code given to it.
 * The request is consumed, so the loop can be run again.
 */
int loop_run(struct loop *l);
void loop_quit(struct loop *l, int code);
