/* SPDX-License-Identifier: MIT */
/*
 * Local output: one message per line (JSON Lines) on stdout or appended to a file.  Each
 * message is written with one writev() call of body + "\n" so concurrent readers (tail -f,
 * Fluent Bit) never see a partial line from us unless the device is full; a short write is
 * completed in a loop.  Writes block: local output is for a terminal, a pipe or a file.
 * The file is opened with safefile_open_append(): a symbolic link, hard link, FIFO or file
 * planted by another user is refused, never written through.  It has no connection, no
 * spool and no control channel (transport.h: those operations are left to their defaults).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/safefile.h"
#include "transport.h"

struct local_output {
	int fd;
	bool owned;
	char description[512];
};

static int write_all(int fd, const char *body, size_t len)
{
	struct iovec iov[2] = { { (void *)body, len }, { (void *)"\n", 1 } };
	int cnt = 2;
	struct iovec *v = iov;

	while (cnt > 0) {
		ssize_t n = writev(fd, v, cnt);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (cnt > 0 && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++;
			cnt--;
		}
		if (cnt > 0) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int local_publish(struct transport *t, const struct message *m)
{
	struct local_output *o = t->priv;
	int r = write_all(o->fd, m->body, m->len);

	if (r < 0)
		t->write_errors++;
	return r;
}

static void local_close(struct transport *t)
{
	struct local_output *o = t->priv;

	if (o->owned && o->fd >= 0)
		close(o->fd);
	es_free(o);
}

static const char *local_describe(const struct transport *t)
{
	return ((const struct local_output *)t->priv)->description;
}

static const struct transport_ops local_ops = {
	.name = "local",
	.publish = local_publish,
	.close = local_close,
	.describe = local_describe,
};

int transport_local_open(const char *path, uid_t uid, struct transport **ret, char *why,
			 size_t why_size)
{
	struct transport *t = es_calloc(1, sizeof(*t));
	struct local_output *o = es_calloc(1, sizeof(*o));
	int r;

	if (!t || !o) {
		es_free(t);
		es_free(o);
		return -ENOMEM;
	}
	if (!path || strcmp(path, "-") == 0 || strcmp(path, "/dev/stdout") == 0) {
		o->fd = STDOUT_FILENO;
		snprintf(o->description, sizeof(o->description), "stdout");
	} else if (strcmp(path, "/dev/stderr") == 0) {
		o->fd = STDERR_FILENO;
		snprintf(o->description, sizeof(o->description), "stderr");
	} else {
		/* not followed if planted by another user; see safefile_open_append() */
		r = safefile_open_append(path, uid, &o->fd, why, why_size);
		if (r < 0) {
			es_free(t);
			es_free(o);
			return r;
		}
		o->owned = true;
		snprintf(o->description, sizeof(o->description), "file:%s", path);
	}
	t->ops = &local_ops;
	t->priv = o;
	*ret = t;
	return 0;
}
