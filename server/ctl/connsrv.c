/* SPDX-License-Identifier: MIT
 * connsrv.c -- the connection server behind the control sockets and the metrics
 * endpoint (connsrv.h): accepting with a cap, reading a request with a size limit and a
 * timeout, dropping an over-long one, sending the answer with a fresh timeout, closing.
 * Server thread, except connsrv_new/listen/start/stop/free (main thread). */
#include <config.h>

#include "server/ctl/connsrv.h"

#include <errno.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/base/err.h"
#include "server/base/evthread.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"

/* One listening socket. */
struct connsrv_listener {
	struct connsrv *s;
	int fd;
	void *data;
	ev_io accept_w;
};

/* One client connection: reading its request, then writing the answer. */
struct connsrv_conn {
	struct connsrv *s;
	const struct connsrv_listener *l;
	int fd;
	bool is_writing;
	bool is_discarding;
	size_t discarded;
	ev_io io;
	ev_timer timer;
	char *out; /* heap */
	size_t out_len, out_off;
	struct connsrv_conn *prev, *next;
	size_t in_len;
	char in[]; /* in_max + 1 */
};

struct connsrv {
	const struct connsrv_proto *p;
	void *data;
	struct evthread thr;
	struct connsrv_listener *ls;
	size_t n_ls;
	struct connsrv_conn *conns;
	unsigned n_conns;
};

void *connsrv_listener(const struct connsrv_conn *k)
{
	return k->l->data;
}

bool connsrv_peer_uid(const struct connsrv_conn *k, long long *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(k->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred))
		return false;
	*uid = (long long)cred.uid;
	return true;
}

void connsrv_reply(struct connsrv_conn *k, char *buf, size_t len)
{
	free(k->out);
	k->out = buf;
	k->out_len = buf ? len : 0;
	k->out_off = 0;
}

static void conn_close(struct connsrv_conn *k)
{
	struct connsrv *s = k->s;
	ev_io_stop(s->thr.loop, &k->io);
	ev_timer_stop(s->thr.loop, &k->timer);
	/* Input after the request is ignored; reading what has arrived of it (a little,
	 * without waiting) keeps Linux from resetting the client's end, which it does when
	 * a socket is closed with unread data: the client could lose the end of the
	 * answer. */
	char sink[512];
	for (int i = 0; i < 8 && recv(k->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;
	close(k->fd);
	free(k->out);
	if (k->prev)
		k->prev->next = k->next;
	else
		s->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	s->n_conns--;
	free(k);
}

/* Sends what is left of the answer. Closes the connection when it is all sent or the
 * client is gone. */
static void conn_flush(struct connsrv_conn *k)
{
	while (k->out_off < k->out_len) {
		ssize_t r = send(k->fd, k->out + k->out_off, k->out_len - k->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return; /* the write watcher calls again */
		if (r <= 0)
			break;
		k->out_off += (size_t)r;
	}
	conn_close(k);
}

/* Switches k to sending its (complete) answer, with a fresh timeout. */
static void conn_respond(struct connsrv_conn *k)
{
	struct connsrv *s = k->s;
	struct ev_loop *loop = s->thr.loop;
	if (!k->out) {
		conn_close(k);
		return;
	}
	k->is_writing = true;
	ev_io_stop(loop, &k->io);
	ev_io_set(&k->io, k->fd, EV_WRITE);
	ev_io_start(loop, &k->io);
	/* Answering may have kept this thread busy for seconds (a reload): count from
	 * now. */
	ev_now_update(loop);
	ev_timer_stop(loop, &k->timer);
	ev_timer_set(&k->timer, s->p->timeout_ms / 1000.0, 0.);
	ev_timer_start(loop, &k->timer);
	conn_flush(k);
}

static bool conn_discard(struct connsrv_conn *k);

/* Asks the protocol about ev and acts on its verdict. Returns true when k was answered
 * or closed (k may be gone), false when more input is awaited. */
static bool conn_decide(struct connsrv_conn *k, enum connsrv_event ev, size_t fresh)
{
	enum connsrv_verdict v = k->s->p->decide(k, ev, k->in, k->in_len, fresh);
	if ((v == CONNSRV_MORE && ev != CONNSRV_INPUT) ||
	    (v == CONNSRV_DISCARD && ev != CONNSRV_INPUT && ev != CONNSRV_FULL))
		v = CONNSRV_CLOSE;
	switch (v) {
	case CONNSRV_MORE:
		return false;
	case CONNSRV_RESPOND:
		conn_respond(k);
		return true;
	case CONNSRV_DISCARD:
		k->is_discarding = true;
		return conn_discard(k);
	case CONNSRV_CLOSE:
	default:
		conn_close(k);
		return true;
	}
}

/* Reads and drops input (CONNSRV_DISCARD). Returns as conn_decide. */
static bool conn_discard(struct connsrv_conn *k)
{
	const struct connsrv_proto *p = k->s->p;
	char sink[4096];
	for (size_t round = 0; round < p->discard_round;) {
		ssize_t r = recv(k->fd, sink, sizeof(sink), MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (r < 0) {
			conn_close(k);
			return true;
		}
		if (r == 0 || memchr(sink, p->discard_end, (size_t)r) ||
		    k->discarded >= p->discard_max)
			return conn_decide(k, CONNSRV_DISCARDED, k->in_len);
		k->discarded += (size_t)r;
		round += (size_t)r;
	}
	return false; /* more later: libev calls again while input is waiting */
}

/* Reads what the client sent. Returns as conn_decide. */
static bool conn_read(struct connsrv_conn *k)
{
	if (k->is_discarding)
		return conn_discard(k);
	for (;;) {
		size_t room = k->s->p->in_max - k->in_len;
		if (room == 0)
			return conn_decide(k, CONNSRV_FULL, k->in_len);
		ssize_t r = recv(k->fd, k->in + k->in_len, room, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (r < 0) {
			conn_close(k);
			return true;
		}
		size_t fresh = k->in_len;
		k->in_len += (size_t)r;
		k->in[k->in_len] = '\0';
		if (conn_decide(k, r == 0 ? CONNSRV_EOF : CONNSRV_INPUT, fresh))
			return true;
	}
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct connsrv_conn *k = w->data;
	if (k->is_writing)
		conn_flush(k);
	else
		(void)conn_read(k);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct connsrv_conn *k = w->data;
	const struct connsrv_proto *p = k->s->p;
	if (k->is_writing) {
		log_debug("%s: client did not read its response within %d ms; dropped", p->name,
		          p->timeout_ms);
		conn_close(k);
		return;
	}
	/* The request may have arrived while this thread was busy (a reload). */
	if (conn_read(k))
		return;
	(void)conn_decide(k, k->is_discarding ? CONNSRV_DISCARDED : CONNSRV_TIMEOUT, k->in_len);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct connsrv_listener *l = w->data;
	struct connsrv *s = l->s;
	const struct connsrv_proto *p = s->p;
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("%s: accept: %s", p->name, strerror(errno));
			return;
		}
		if (s->n_conns >= p->conn_max) {
			(void)!send(fd, p->busy, strlen(p->busy), MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		struct connsrv_conn *k = xcalloc(1, sizeof(*k) + p->in_max + 1);
		k->s = s;
		k->l = l;
		k->fd = fd;
		ev_io_init(&k->io, on_io, fd, EV_READ);
		k->io.data = k;
		ev_timer_init(&k->timer, on_timeout, p->timeout_ms / 1000.0, 0.);
		k->timer.data = k;
		k->next = s->conns;
		if (s->conns)
			s->conns->prev = k;
		s->conns = k;
		s->n_conns++;
		ev_io_start(loop, &k->io);
		ev_timer_start(loop, &k->timer);
	}
}

static void on_enter(void *arg)
{
	struct connsrv *s = arg;
	if (s->p->thread_enter)
		s->p->thread_enter(s->data);
}

static void on_leave(void *arg)
{
	struct connsrv *s = arg;
	for (size_t i = 0; i < s->n_ls; i++)
		ev_io_stop(s->thr.loop, &s->ls[i].accept_w);
	while (s->conns)
		conn_close(s->conns);
	if (s->p->thread_leave)
		s->p->thread_leave(s->data);
}

int connsrv_new(const struct connsrv_proto *p, void *data, struct connsrv **out)
{
	*out = NULL;
	struct connsrv *s = xcalloc(1, sizeof(*s));
	s->p = p;
	s->data = data;
	if (evthread_init(&s->thr, p->name) != GS_OK) {
		free(s);
		return GS_EIO;
	}
	*out = s;
	return GS_OK;
}

void connsrv_listen(struct connsrv *s, int fd, void *data)
{
	/* The array is not moved once the loop runs: all listeners come before. */
	s->ls = xrealloc(s->ls, (s->n_ls + 1) * sizeof(*s->ls));
	s->ls[s->n_ls++] = (struct connsrv_listener){.s = s, .fd = fd, .data = data};
}

int connsrv_start(struct connsrv *s)
{
	for (size_t i = 0; i < s->n_ls; i++) {
		struct connsrv_listener *l = &s->ls[i];
		ev_io_init(&l->accept_w, on_accept, l->fd, EV_READ);
		l->accept_w.data = l;
		ev_io_start(s->thr.loop, &l->accept_w);
	}
	int rc = evthread_start(&s->thr, on_enter, on_leave, s);
	if (rc != GS_OK)
		for (size_t i = 0; i < s->n_ls; i++)
			ev_io_stop(s->thr.loop, &s->ls[i].accept_w);
	return rc;
}

void connsrv_stop(struct connsrv *s)
{
	evthread_stop(&s->thr);
}

void connsrv_free(struct connsrv *s)
{
	if (!s)
		return;
	evthread_fini(&s->thr);
	free(s->ls);
	free(s);
}
