/* SPDX-License-Identifier: MIT
 * check_tcp.c -- tcp probe: a nonblocking connect() to the address and port, success
 * when the handshake completes before the timeout; the connection is closed at once.
 * Runs on the loop's thread (the monitor thread). */
#include <config.h> /* first: _GNU_SOURCE */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/base/err.h"
#include "server/health/monitor.h"

static void tcp_finish(struct monitor_probe *p, bool ok, const char *text)
{
	struct ev_loop *loop = p->ml->loop;
	ev_io_stop(loop, &p->io);
	ev_timer_stop(loop, &p->timer);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->running = false;
	p->done(p, ok, text);
}

static void on_tcp_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct monitor_probe *p = w->data;
	int err = 0;
	socklen_t len = sizeof(err);
	char text[HEALTH_RESULT_MAX];
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err != 0) {
		snprintf(text, sizeof(text), "connect to port %u: %s", p->check->port,
		         strerror(err));
		tcp_finish(p, false, text);
		return;
	}
	unsigned ms = (unsigned)((ev_now(loop) - p->started) * 1000.0 + 0.5);
	snprintf(text, sizeof(text), "connected to port %u in %u ms", p->check->port, ms);
	tcp_finish(p, true, text);
}

static void on_tcp_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct monitor_probe *p = w->data;
	char text[HEALTH_RESULT_MAX];
	/* A due timer runs before the I/O callbacks of the same loop turn: when this
	 * thread was late, the connection may have been made (or refused) in time. */
	struct pollfd pf = {.fd = p->fd, .events = POLLOUT};
	if (poll(&pf, 1, 0) == 1) {
		on_tcp_io(loop, &p->io, EV_WRITE);
		if (!p->running)
			return;
	}
	snprintf(text, sizeof(text), "connect timeout after %u ms", p->check->timeout_ms);
	tcp_finish(p, false, text);
}

int check_tcp_start(struct monitor_probe *p, char *text, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	memset(&ss, 0, sizeof(ss));
	if (p->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p->check->port);
		memcpy(&sin->sin_addr, p->addr.addr, 4);
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p->check->port);
		memcpy(&sin6->sin6_addr, p->addr.addr, 16);
		sslen = sizeof(*sin6);
	}
	p->fd = socket(p->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		snprintf(text, cap, "socket: %s", strerror(errno));
		return GS_EIO;
	}
	if (connect(p->fd, (struct sockaddr *)&ss, sslen) != 0 && errno != EINPROGRESS) {
		snprintf(text, cap, "connect to port %u: %s", p->check->port, strerror(errno));
		close(p->fd);
		p->fd = -1;
		return GS_EIO;
	}
	/* Even an immediate success (loopback) is reported from the loop, so done() never
	 * runs inside start(). */
	ev_io_init(&p->io, on_tcp_io, p->fd, EV_WRITE);
	p->io.data = p;
	ev_timer_init(&p->timer, on_tcp_timeout, p->check->timeout_ms / 1000.0, 0.);
	p->timer.data = p;
	ev_io_start(p->ml->loop, &p->io);
	ev_timer_start(p->ml->loop, &p->timer);
	p->running = true;
	return GS_OK;
}

void check_tcp_cancel(struct monitor_probe *p)
{
	if (!p->running)
		return;
	ev_io_stop(p->ml->loop, &p->io);
	ev_timer_stop(p->ml->loop, &p->timer);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->running = false;
}
