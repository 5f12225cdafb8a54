/* SPDX-License-Identifier: MIT
 * tcp.c -- DNS over TCP (RFC 7766) on a worker's loop: accept with caps, length-prefixed
 * messages (RFC 1035 section 4.2.2), pipelining, idle timeout, back-pressure. The policy
 * is described in tcp.h. Worker threads, except tcp_shared_init, tcp_worker_new and
 * tcp_worker_free (main thread, while the worker's thread is not running).
 *
 * A connection's life: accepted -> READING (watching EV_READ; each read answers every
 * complete query in the buffer, in order, into the worker's transmit buffer and sends it
 * at once) -> when the socket does not take everything, the rest moves to the
 * connection's pending buffer and it switches to WRITING (EV_WRITE only, no reading) ->
 * once drained, the queries still buffered are answered and it goes back to READING.
 * It ends on the client's EOF (after the answers it is owed), on an error, or when the
 * server decides to close it (conn_begin_close: a deadline, max_queries, making room,
 * shutdown): CLOSING reads only the bytes the kernel held at the decision and answers
 * them, then sends FIN and DRAINS (discards input) until the client's FIN or close_by.
 *
 * Deadlines cost no timer operation per byte: reads and writes only store ev_now in
 * last_io; the connection's single timer is set for the earliest deadline it knows of
 * and, when it fires early (the idle deadline moved on meanwhile), is set again for the
 * real one (conn_on_timer). It is moved forward only when a message starts or the
 * connection starts closing.
 *
 * Which connection gives way to a new one when a cap is full is server/tcp_room.c's
 * business; this file tells it when a connection completes a query, owes answers or
 * closes. */
#include <config.h> /* first: _GNU_SOURCE for accept4 */

#include "server/tcp.h"

#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "server/query/answer.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"
#include "server/dnstap/dnstap.h"
#include "server/query/snapshot.h"
#include "server/tcp_room.h"
#include "server/worker.h"

/* Most connections preallocated per worker (about 16 MiB of address space, touched only
 * as connections arrive). A configuration allowing more (max_connections goes up to a
 * million) grows the pool one connection at a time beyond this, as conn_get does. */
#define TCP_POOL_PREALLOC_MAX 1024u
/* Connections accepted per readiness event before the loop serves other watchers. */
#define TCP_ACCEPT_BATCH 64
/* When the process runs out of descriptors, accepting pauses for this long instead of
 * spinning on a listener that stays readable. */
#define TCP_ACCEPT_PAUSE_S 0.1
/* The warning about it is repeated at most this often (with the count of pauses). */
#define TCP_ACCEPT_WARN_S 60.0
/* Tries at making room for one new connection (another worker can take the room first). */
#define TCP_ADMIT_TRIES 3

/* A 64-bit mixing function (the splitmix64 finaliser): every input bit affects every
 * output bit, so the keyed hash below spreads addresses evenly over the slots. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* The per-client slot of an address. Keyed with a secret drawn at start so that a client
 * cannot pick addresses that land in someone else's slot. */
static unsigned client_slot(const struct tcp_shared *sh, const struct sockaddr_storage *ss)
{
	const uint8_t *p;
	size_t n;
	if (ss->ss_family == AF_INET) {
		p = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
		n = 4;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
		n = 16;
	}
	uint64_t h = sh->key[0] ^ (uint64_t)ss->ss_family;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = 0;
		memcpy(&v, p + i, n - i < 8 ? n - i : 8);
		h = mix64(h ^ v ^ sh->key[1]);
	}
	return (unsigned)(h & (TCP_CLIENT_SLOTS - 1));
}

void tcp_shared_init(struct tcp_shared *sh, const struct cfg_tcp *limits, unsigned n_workers)
{
	memset(sh, 0, sizeof(*sh));
	sh->limits = *limits;
	unsigned per = (limits->max_connections + n_workers - 1) / (n_workers ? n_workers : 1);
	if (per > TCP_POOL_PREALLOC_MAX)
		per = TCP_POOL_PREALLOC_MAX;
	sh->pool_per_worker = per ? per : 1;
	if (getrandom(sh->key, sizeof(sh->key), 0) != (ssize_t)sizeof(sh->key)) {
		/* Without a kernel RNG the slots are still spread; only guessable. */
		sh->key[0] = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
		sh->key[1] = mix64(sh->key[0] ^ (uintptr_t)sh);
	}
	atomic_init(&sh->n_conns, 0);
	for (unsigned i = 0; i < TCP_CLIENT_SLOTS; i++)
		atomic_init(&sh->per_client[i], 0);
}

/* Which cap a new connection ran into. */
enum cap_hit { CAP_NONE, CAP_GLOBAL, CAP_CLIENT };

/* Counts a new connection in `slot` against both caps; counts nothing when either is
 * full and says which. */
static enum cap_hit count_in(struct tcp_shared *sh, unsigned slot)
{
	unsigned n = atomic_fetch_add_explicit(&sh->n_conns, 1, memory_order_relaxed);
	if (n >= sh->limits.max_connections) {
		atomic_fetch_sub_explicit(&sh->n_conns, 1, memory_order_relaxed);
		return CAP_GLOBAL;
	}
	unsigned k = atomic_fetch_add_explicit(&sh->per_client[slot], 1, memory_order_relaxed);
	if (k >= sh->limits.max_per_client) {
		atomic_fetch_sub_explicit(&sh->per_client[slot], 1, memory_order_relaxed);
		atomic_fetch_sub_explicit(&sh->n_conns, 1, memory_order_relaxed);
		return CAP_CLIENT;
	}
	return CAP_NONE;
}

static void release(struct tcp_shared *sh, unsigned slot)
{
	atomic_fetch_sub_explicit(&sh->per_client[slot], 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&sh->n_conns, 1, memory_order_relaxed);
}

/* Closes a connection we do not take: a reset (SO_LINGER with a zero timeout) tells the
 * client at once and leaves no TIME_WAIT entry on our side. */
static void reject(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void conn_close(struct tcp_conn *c)
{
	struct tcp_worker *tw = c->tw;
	struct ev_loop *loop = tw->w->loop;
	ev_io_stop(loop, &c->io);
	ev_timer_stop(loop, &c->timer);
	close(c->fd);
	c->fd = -1;
	if (c->is_counted)
		release(tw->sh, c->slot);
	tcp_room_remove(c);
	c->is_counted = false;
	free(c->out);
	c->out = NULL;
	free(c->big);
	c->big = NULL;
	c->next = tw->free;
	tw->free = c;
	if (tw->is_stopping && tcp_room_open(tw) == 0)
		ev_break(loop, EVBREAK_ALL);
}

/* Sets the connection's timer for `due` (an ev_now time). */
static void timer_set(struct tcp_conn *c, ev_tstamp due)
{
	struct ev_loop *loop = c->tw->w->loop;
	ev_tstamp after = due - ev_now(loop);
	ev_timer_stop(loop, &c->timer);
	ev_timer_set(&c->timer, after > 0.001 ? after : 0.001, 0.);
	ev_timer_start(loop, &c->timer);
	c->armed = due;
}

/* Makes sure the timer fires no later than `due`. */
static void timer_no_later(struct tcp_conn *c, ev_tstamp due)
{
	if (due < c->armed || !ev_is_active(&c->timer))
		timer_set(c, due);
}

/* The earliest deadline of the connection as it stands. */
static ev_tstamp conn_deadline(const struct tcp_conn *c)
{
	if (c->is_closing)
		return c->close_by;
	const struct cfg_tcp *lim = &c->tw->sh->limits;
	ev_tstamp due = c->last_io + lim->idle_timeout_ms / 1000.0;
	if (lim->lifetime_ms) {
		ev_tstamp end = c->opened + lim->lifetime_ms / 1000.0;
		if (end < due)
			due = end;
	}
	/* A message is timed while the server reads; not while the client keeps it waiting
	 * by not reading its answers. */
	if (c->msg_start > 0 && c->events == EV_READ) {
		ev_tstamp end = c->msg_start + lim->message_timeout_ms / 1000.0;
		if (end < due)
			due = end;
	}
	return due;
}

/* The server decides to close the connection: from now on it reads only what the kernel
 * has already received (read_budget), answers the complete queries in it, then sends
 * FIN (see conn_update). Bounded by TCP_CLOSE_GRACE_S. */
static void conn_begin_close(struct tcp_conn *c)
{
	if (c->is_closing)
		return;
	c->is_closing = true;
	int queued = 0;
	if (c->is_eof || ioctl(c->fd, FIONREAD, &queued) < 0 || queued < 0)
		queued = 0;
	c->read_budget = (size_t)queued;
	c->close_by = ev_now(c->tw->w->loop) + TCP_CLOSE_GRACE_S;
	timer_no_later(c, c->close_by);
}

static bool is_transient(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* Sends the pending output. Returns false on a connection error. */
static bool flush_pending(struct tcp_conn *c)
{
	bool progress = false;
	while (c->out_off < c->out_len) {
		ssize_t r = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r > 0) {
			c->out_off += (size_t)r;
			progress = true;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return false;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (progress) {
		c->last_io = ev_now(c->tw->w->loop);
		tcp_room_output(c);
	}
	return true;
}

/* Sends buf[0..len) with nothing pending before it; what the socket does not take now is
 * kept in the pending buffer. Returns false on a connection error. */
static bool send_or_keep(struct tcp_conn *c, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r = send(c->fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r > 0) {
			done += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return false;
	}
	if (done > 0)
		c->last_io = ev_now(c->tw->w->loop);
	if (done < len) {
		if (!c->out)
			c->out = xmalloc(TCP_TX_CAP);
		memcpy(c->out, buf + done, len - done);
		c->out_off = 0;
		c->out_len = len - done;
		tcp_room_output(c);
	}
	return true;
}

/* Makes room in the input for a message of msg_len bytes (plus its prefix): a message
 * longer than in_small moves the connection to a buffer of the largest size. */
static void in_make_room(struct tcp_conn *c, size_t msg_len)
{
	if (2 + msg_len <= c->in_cap || c->big)
		return;
	c->big = xmalloc(TCP_IN_MAX);
	memcpy(c->big, c->in, c->in_len);
	c->in = c->big;
	c->in_cap = TCP_IN_MAX;
}

/* Answers every complete query in the input buffer, in the order received, unless the
 * client stops reading (then the rest waits in the buffer). RFC 7766 section 6.2.1.1
 * lets pipelined answers go out in any order; arrival order is what simple clients
 * expect. Returns false on a connection error. */
static bool answer_queries(struct tcp_conn *c)
{
	struct tcp_worker *tw = c->tw;
	struct worker *w = tw->w;
	unsigned max_queries = tw->sh->limits.max_queries;
	/* One snapshot per read; valid until the quiescent state below. */
	const struct snapshot *snap = snapshot_current();
	size_t off = 0, tx_len = 0;
	bool ok = true;
	if (GS_UNLIKELY(w->tap != NULL))
		dnstap_tick(w->tap); /* one response time for the answers to this read */
	for (;;) {
		size_t avail = c->in_len - off;
		if (avail < 2)
			break;
		size_t msg_len = (size_t)c->in[off] << 8 | c->in[off + 1];
		if (avail < 2 + msg_len)
			break; /* the rest of this message comes with a later read */
		if (TCP_TX_CAP - tx_len < 2 + ANSWER_TCP_MAX) {
			ok = send_or_keep(c, tw->tx, tx_len);
			tx_len = 0;
			if (!ok || tcp_room_has_pending(c))
				break;
		}
		size_t resp_len = answer_packet(snap, w->actx, c->in + off + 2, msg_len,
		                                (const struct sockaddr *)&c->peer, true,
		                                tw->tx + tx_len + 2, ANSWER_TCP_MAX);
		if (GS_UNLIKELY(w->tap != NULL)) {
			if (resp_len > 0)
				dnstap_log(w->tap, c->in + off + 2, msg_len, tw->tx + tx_len + 2,
				           resp_len, (const struct sockaddr *)&c->peer, true);
			else
				dnstap_skip(w->tap);
		}
		off += 2 + msg_len;
		c->n_queries++;
		if (resp_len > 0) {
			tw->tx[tx_len] = (uint8_t)(resp_len >> 8);
			tw->tx[tx_len + 1] = (uint8_t)resp_len;
			tx_len += 2 + resp_len;
		}
		/* The limit reached: what the client has sent so far is still answered. */
		if (max_queries && c->n_queries == max_queries)
			conn_begin_close(c);
	}
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
		/* A query completed: this connection is now the last to give way. */
		tcp_room_queried(c, c->last_io); /* the read (or write) that let it complete */
	}
	if (c->in_len == 0) {
		c->msg_start = 0;
	} else if (off > 0 || c->msg_start == 0) {
		/* A message has started: its deadline may come before the timer. */
		struct ev_loop *loop = w->loop;
		c->msg_start = ev_now(loop);
		if (!c->is_closing)
			timer_no_later(c,
			               c->msg_start + tw->sh->limits.message_timeout_ms / 1000.0);
		if (c->in_len >= 2)
			in_make_room(c, (size_t)c->in[0] << 8 | c->in[1]);
	} else if (c->in_len >= 2) {
		in_make_room(c, (size_t)c->in[0] << 8 | c->in[1]);
	}
	if (ok && tx_len > 0)
		ok = send_or_keep(c, tw->tx, tx_len);
	rcu_quiescent_state(); /* snap is not used past this point */
	return ok;
}

/* Chooses what the connection waits for next, or closes it when it is finished.
 *
 * A connection the server closes is closed gracefully: once the bytes it held at the
 * decision are answered and the answers are out, FIN (shutdown SHUT_WR), then read and
 * discard until the client closes too, or close_by. Closing at once while the client's
 * bytes sit unread in our receive buffer would make the kernel send a reset, and a reset
 * can destroy answers the client has received but not yet read. */
static void conn_update(struct tcp_conn *c)
{
	int want;
	if (tcp_room_has_pending(c)) {
		want = EV_WRITE;
	} else if (c->is_eof) {
		want = 0; /* every complete query answered; a partial one will never complete */
	} else if (c->is_draining) {
		want = EV_READ;
	} else if (c->is_closing && c->read_budget == 0) {
		if (shutdown(c->fd, SHUT_WR) < 0) {
			want = 0;
		} else {
			c->is_draining = true;
			want = EV_READ;
		}
	} else {
		want = EV_READ;
	}
	if (want == 0) {
		conn_close(c);
		return;
	}
	if (want != c->events) {
		struct ev_loop *loop = c->tw->w->loop;
		ev_io_stop(loop, &c->io);
		ev_io_set(&c->io, c->fd, want);
		ev_io_start(loop, &c->io);
		c->events = want;
	}
}

/* One read: returns false when the connection must close at once (an error). */
static bool conn_read(struct tcp_conn *c)
{
	struct ev_loop *loop = c->tw->w->loop;
	if (c->is_draining) {
		/* Discarded; and it does not extend any deadline, so a client cannot keep a
		 * closing connection open by sending. */
		ssize_t r = recv(c->fd, c->in_small, sizeof(c->in_small), MSG_DONTWAIT);
		if (r == 0)
			c->is_eof = true;
		else if (r < 0 && !is_transient(errno))
			return false;
		return true;
	}
	size_t room = c->in_cap - c->in_len;
	if (c->is_closing && room > c->read_budget)
		room = c->read_budget;
	if (room == 0)
		return false; /* cannot happen: in_make_room fits every message */
	ssize_t r = recv(c->fd, c->in + c->in_len, room, MSG_DONTWAIT);
	if (r > 0) {
		c->in_len += (size_t)r;
		c->last_io = ev_now(loop);
		if (c->is_closing)
			c->read_budget -= (size_t)r;
	} else if (r == 0) {
		c->is_eof = true;
		c->read_budget = 0;
	} else if (is_transient(errno)) {
		return true;
	} else {
		return false;
	}
	return answer_queries(c);
}

static void conn_on_io(struct ev_loop *loop, ev_io *io, int revents)
{
	struct tcp_conn *c = io->data;
	if (revents & EV_WRITE) {
		if (!flush_pending(c)) {
			conn_close(c);
			return;
		}
		if (tcp_room_has_pending(c))
			return;
		/* Drained: answer the queries that waited meanwhile; a message still incomplete
		 * is timed again from now, as the server reads again. */
		if (c->msg_start > 0)
			c->msg_start = ev_now(loop);
		if (!answer_queries(c)) {
			conn_close(c);
			return;
		}
	} else if (revents & EV_READ) {
		if (!conn_read(c)) {
			conn_close(c);
			return;
		}
	}
	conn_update(c);
}

static void conn_on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct tcp_conn *c = t->data;
	(void)revents;
	ev_tstamp due = conn_deadline(c);
	if (due > ev_now(loop)) {
		timer_set(c, due); /* the deadline moved on since the timer was set */
		return;
	}
	if (c->is_closing) {
		conn_close(c);
		return;
	}
	conn_begin_close(c);
	conn_update(c);
}

static struct tcp_conn *conn_get(struct tcp_worker *tw)
{
	struct tcp_conn *c = tw->free;
	if (c) {
		tw->free = c->next;
		return c;
	}
	/* More connections landed on this worker than its share of max_connections (the
	 * kernel's SO_REUSEPORT hash is not exact), or connections that gave way are still
	 * closing: grow the pool by one. The global cap still bounds the counted total. */
	return xmalloc(sizeof(*c));
}

/* Admits a new connection from peer under both caps, making room when one is full.
 * Returns false when it cannot. */
static bool admit(struct tcp_worker *tw, const struct sockaddr_storage *peer, unsigned *slot)
{
	*slot = client_slot(tw->sh, peer);
	for (int i = 0; i < TCP_ADMIT_TRIES; i++) {
		enum cap_hit hit = count_in(tw->sh, *slot);
		if (hit == CAP_NONE)
			return true;
		struct tcp_conn *v =
		        tcp_room_victim(tw, hit == CAP_CLIENT, *slot, ev_now(tw->w->loop));
		if (!v)
			return false;
		/* Its place is free at once; the connection itself closes gracefully in the
		 * background, bounded by TCP_CLOSE_GRACE_S. */
		tcp_room_give_way(v);
		v->is_counted = false;
		release(tw->sh, v->slot);
		conn_begin_close(v);
		conn_update(v);
	}
	return false;
}

static void conn_open(struct tcp_worker *tw, int fd, const struct sockaddr_storage *peer,
                      unsigned slot)
{
	struct tcp_conn *c = conn_get(tw);
	struct ev_loop *loop = tw->w->loop;
	c->tw = tw;
	c->fd = fd;
	c->slot = slot;
	c->n_queries = 0;
	c->is_counted = true;
	c->is_eof = c->is_closing = c->is_draining = false;
	c->opened = c->last_io = ev_now(loop);
	c->msg_start = c->close_by = 0;
	c->read_budget = 0;
	c->peer = *peer;
	c->in = c->in_small;
	c->in_cap = sizeof(c->in_small);
	c->in_len = 0;
	c->big = NULL;
	c->out = NULL;
	c->out_off = c->out_len = 0;
	/* Answers are written whole; do not let Nagle hold back the next one behind a
	 * delayed ACK when the client pipelines. */
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	tcp_room_add(tw, c);
	ev_io_init(&c->io, conn_on_io, fd, EV_READ);
	c->io.data = c;
	c->events = EV_READ;
	ev_io_start(loop, &c->io);
	ev_init(&c->timer, conn_on_timer);
	c->timer.data = c;
	timer_set(c, conn_deadline(c));
}

static void pause_accepting(struct tcp_worker *tw)
{
	struct ev_loop *loop = tw->w->loop;
	if (ev_is_active(&tw->resume))
		return;
	/* A shortage can last: one warning, then at most one a minute with the count. */
	tw->n_unwarned++;
	ev_tstamp now = ev_now(loop);
	if (tw->warned_at == 0 || now - tw->warned_at >= TCP_ACCEPT_WARN_S) {
		log_warn("worker %u: out of file descriptors, TCP accept paused for %.0f ms "
		         "(%u time%s since the last warning; next warning in %.0f s at the "
		         "earliest)",
		         tw->w->id, TCP_ACCEPT_PAUSE_S * 1000, tw->n_unwarned,
		         tw->n_unwarned == 1 ? "" : "s", TCP_ACCEPT_WARN_S);
		tw->warned_at = now;
		tw->n_unwarned = 0;
	}
	for (size_t i = 0; i < tw->n_ls; i++)
		ev_io_stop(loop, &tw->ls[i].io);
	ev_timer_set(&tw->resume, TCP_ACCEPT_PAUSE_S, 0.);
	ev_timer_start(loop, &tw->resume);
}

static void on_resume(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct tcp_worker *tw = t->data;
	(void)revents;
	if (tw->is_stopping)
		return;
	for (size_t i = 0; i < tw->n_ls; i++)
		ev_io_start(loop, &tw->ls[i].io);
}

static void on_accept(struct ev_loop *loop, ev_io *io, int revents)
{
	struct tcp_listener *l = io->data;
	struct tcp_worker *tw = l->tw;
	(void)loop;
	(void)revents;
	for (int i = 0; i < TCP_ACCEPT_BATCH; i++) {
		struct sockaddr_storage peer;
		socklen_t peer_len = sizeof(peer);
		int fd = accept4(l->fd, (struct sockaddr *)&peer, &peer_len,
		                 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			/* accept(2): errors of the new connection (ECONNABORTED, EPROTO, network
			 * errors) concern that connection only; try the next one. */
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO ||
			    errno == EPERM || errno == ENETDOWN || errno == EHOSTUNREACH ||
			    errno == ENETUNREACH || errno == ENOPROTOOPT || errno == EHOSTDOWN ||
			    errno == ENONET || errno == EOPNOTSUPP)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				pause_accepting(tw);
			return; /* EAGAIN: nothing more waiting */
		}
		unsigned slot = 0;
		if (!admit(tw, &peer, &slot)) {
			reject(fd);
			continue;
		}
		conn_open(tw, fd, &peer, slot);
	}
}

static void on_stop_timeout(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)t;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

struct tcp_worker *tcp_worker_new(struct worker *w, struct tcp_shared *sh, const int *fds, size_t n)
{
	struct tcp_worker *tw = xcalloc(1, sizeof(*tw));
	tw->w = w;
	tw->sh = sh;
	tcp_room_init(tw);
	tw->n_pool = sh->pool_per_worker;
	tw->pool = xcalloc(tw->n_pool, sizeof(*tw->pool));
	for (size_t i = tw->n_pool; i-- > 0;) {
		tw->pool[i].fd = -1;
		tw->pool[i].next = tw->free;
		tw->free = &tw->pool[i];
	}
	ev_timer_init(&tw->resume, on_resume, TCP_ACCEPT_PAUSE_S, 0.);
	tw->resume.data = tw;
	ev_timer_init(&tw->stop, on_stop_timeout, TCP_CLOSE_GRACE_S + 0.5, 0.);
	tw->n_ls = n;
	tw->ls = xcalloc(n ? n : 1, sizeof(*tw->ls));
	for (size_t i = 0; i < n; i++) {
		struct tcp_listener *l = &tw->ls[i];
		l->fd = fds[i];
		l->tw = tw;
		ev_io_init(&l->io, on_accept, l->fd, EV_READ);
		l->io.data = l;
		ev_io_start(w->loop, &l->io);
	}
	return tw;
}

bool tcp_worker_stop(struct tcp_worker *tw)
{
	struct ev_loop *loop = tw->w->loop;
	for (size_t i = 0; i < tw->n_ls; i++)
		ev_io_stop(loop, &tw->ls[i].io);
	ev_timer_stop(loop, &tw->resume);
	tw->is_stopping = true;
	struct tcp_conn_list *lists[] = {&tw->by_query, &tw->by_write};
	for (size_t i = 0; i < GS_ARRAY_LEN(lists); i++) {
		for (struct tcp_conn *c = lists[i]->head, *next; c; c = next) {
			next = c->next;
			if (c->is_closing)
				continue;
			conn_begin_close(c);
			conn_update(c); /* may close c, never moves it to another list */
		}
	}
	if (tcp_room_open(tw) == 0)
		return false;
	/* Every connection's own close_by bounds it; this is the backstop. */
	ev_timer_start(loop, &tw->stop);
	return true;
}

static bool is_in_pool(const struct tcp_worker *tw, const struct tcp_conn *c)
{
	return c >= tw->pool && c < tw->pool + tw->n_pool;
}

void tcp_worker_free(struct tcp_worker *tw)
{
	if (!tw)
		return;
	struct ev_loop *loop = tw->w->loop;
	tw->is_stopping = false;
	while (tw->by_query.head)
		conn_close(tw->by_query.head);
	while (tw->by_write.head)
		conn_close(tw->by_write.head);
	while (tw->gone.head)
		conn_close(tw->gone.head);
	for (size_t i = 0; i < tw->n_ls; i++)
		ev_io_stop(loop, &tw->ls[i].io);
	ev_timer_stop(loop, &tw->resume);
	ev_timer_stop(loop, &tw->stop);
	while (tw->free) {
		struct tcp_conn *c = tw->free;
		tw->free = c->next;
		if (!is_in_pool(tw, c))
			free(c);
	}
	tcp_room_free(tw);
	free(tw->pool);
	free(tw->ls);
	free(tw);
}
