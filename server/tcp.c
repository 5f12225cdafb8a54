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
 * once drained, the queries still buffered are answered and it goes back to READING ->
 * closed on EOF, error or idle timeout; after max_queries it sends its answers, then FIN,
 * and discards input until the client's FIN (see conn_update). */
#include <config.h> /* first: _GNU_SOURCE for recvmmsg, accept4, in6_pktinfo */

#include "server/tcp.h"

#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <urcu-qsbr.h>

#include "server/query/answer.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"
#include "server/query/snapshot.h"
#include "server/worker.h"

/* Input buffer per connection: the largest query plus its length prefix. */
#define TCP_IN_CAP (2u + TCP_QUERY_MAX)
/* The worker's transmit buffer: room for one largest response plus a batch of small
 * ones, so a read of many pipelined queries is usually answered with one send(). */
#define TCP_TX_CAP (2u + ANSWER_TCP_MAX + 16384u)
/* Most connections preallocated per worker (about 16 MiB of address space, touched only
 * as connections arrive). A configuration allowing more (max_connections goes up to a
 * million) grows the pool one connection at a time beyond this, as conn_get does. */
#define TCP_POOL_PREALLOC_MAX 1024u
/* Connections accepted per readiness event before the loop serves other watchers. */
#define TCP_ACCEPT_BATCH 64
/* When the process runs out of descriptors, accepting pauses for this long instead of
 * spinning on a listener that stays readable. */
#define TCP_ACCEPT_PAUSE_S 0.1

struct tcp_conn {
	struct tcp_conn *prev, *next; /* the worker's live list, or its free list (next) */
	struct tcp_worker *tw;
	ev_io io;
	ev_timer idle;
	int fd;
	int events;    /* what io watches now: EV_READ or EV_WRITE */
	unsigned slot; /* per-client counter slot */
	unsigned n_queries;
	bool is_eof;      /* the client closed its side */
	bool is_done;     /* no more queries will be answered (max_queries, a message too long) */
	bool is_draining; /* done, answers sent, FIN sent: discarding input until the client's FIN
	                   */
	struct sockaddr_storage peer;
	size_t in_len;
	/* Pending output, [out_off, out_len); allocated the first time a send falls short
	 * (TCP_TX_CAP bytes), freed when the connection closes. */
	uint8_t *out;
	size_t out_off, out_len;
	uint8_t in[TCP_IN_CAP];
};

struct tcp_listener {
	ev_io io;
	int fd;
	struct tcp_worker *tw;
};

struct tcp_worker {
	struct worker *w;
	struct tcp_shared *sh;
	struct tcp_listener *ls; /* owned; n_ls entries */
	size_t n_ls;
	ev_timer resume;       /* restarts accepting after a descriptor shortage */
	struct tcp_conn *live; /* doubly linked */
	struct tcp_conn *free; /* singly linked through next */
	struct tcp_conn *pool; /* owned array of n_pool preallocated connections */
	size_t n_pool;
	uint8_t tx[TCP_TX_CAP];
};

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

/* Counts a new connection from peer against both caps. Returns false (and counts
 * nothing) when either is full. */
static bool admit(struct tcp_shared *sh, const struct sockaddr_storage *peer, unsigned *slot)
{
	unsigned n = atomic_fetch_add_explicit(&sh->n_conns, 1, memory_order_relaxed);
	if (n >= sh->limits.max_connections) {
		atomic_fetch_sub_explicit(&sh->n_conns, 1, memory_order_relaxed);
		return false;
	}
	*slot = client_slot(sh, peer);
	unsigned k = atomic_fetch_add_explicit(&sh->per_client[*slot], 1, memory_order_relaxed);
	if (k >= sh->limits.max_per_client) {
		atomic_fetch_sub_explicit(&sh->per_client[*slot], 1, memory_order_relaxed);
		atomic_fetch_sub_explicit(&sh->n_conns, 1, memory_order_relaxed);
		return false;
	}
	return true;
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
	ev_timer_stop(loop, &c->idle);
	close(c->fd);
	c->fd = -1;
	release(tw->sh, c->slot);
	free(c->out);
	c->out = NULL;
	/* Unlink from the live list, push on the free list. */
	if (c->prev)
		c->prev->next = c->next;
	else
		tw->live = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = tw->free;
	tw->free = c;
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
	if (progress && c->idle.repeat > 0)
		ev_timer_again(c->tw->w->loop, &c->idle);
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
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
	if (done > 0 && c->idle.repeat > 0)
		ev_timer_again(c->tw->w->loop, &c->idle);
	if (done < len) {
		if (!c->out)
			c->out = xmalloc(TCP_TX_CAP);
		memcpy(c->out, buf + done, len - done);
		c->out_off = 0;
		c->out_len = len - done;
	}
	return true;
}

static bool has_pending(const struct tcp_conn *c)
{
	return c->out_off < c->out_len;
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
	while (!c->is_done) {
		size_t avail = c->in_len - off;
		if (avail < 2)
			break;
		size_t msg_len = (size_t)c->in[off] << 8 | c->in[off + 1];
		if (msg_len > TCP_QUERY_MAX) {
			c->is_done = true;
			break;
		}
		if (avail < 2 + msg_len)
			break; /* the rest of this message comes with a later read */
		if (TCP_TX_CAP - tx_len < 2 + ANSWER_TCP_MAX) {
			ok = send_or_keep(c, tw->tx, tx_len);
			tx_len = 0;
			if (!ok || has_pending(c))
				break;
		}
		size_t resp_len = answer_packet(snap, w->actx, c->in + off + 2, msg_len,
		                                (const struct sockaddr *)&c->peer, true,
		                                tw->tx + tx_len + 2, ANSWER_TCP_MAX);
		off += 2 + msg_len;
		c->n_queries++;
		if (resp_len > 0) {
			tw->tx[tx_len] = (uint8_t)(resp_len >> 8);
			tw->tx[tx_len + 1] = (uint8_t)resp_len;
			tx_len += 2 + resp_len;
		}
		if (max_queries && c->n_queries >= max_queries)
			c->is_done = true;
	}
	if (c->is_done) {
		c->in_len = 0; /* nothing more will be answered */
	} else if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	if (ok && tx_len > 0)
		ok = send_or_keep(c, tw->tx, tx_len);
	rcu_quiescent_state(); /* snap is not used past this point */
	return ok;
}

/* Chooses what the connection waits for next, or closes it when it is finished.
 *
 * A connection we end ourselves (max_queries, a message too long) is closed gracefully:
 * once its answers are out we send FIN (shutdown SHUT_WR) and read and discard until the
 * client closes too, or the idle timeout. Closing at once while queries the client
 * pipelined past the limit sit unread in our receive buffer would make the kernel send a
 * reset, and a reset can destroy answers the client has received but not yet read. */
static void conn_update(struct tcp_conn *c)
{
	int want;
	if (has_pending(c)) {
		want = EV_WRITE;
	} else if (c->is_eof) {
		want = 0;
	} else if (c->is_done) {
		if (!c->is_draining && shutdown(c->fd, SHUT_WR) < 0) {
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

static void conn_on_io(struct ev_loop *loop, ev_io *io, int revents)
{
	struct tcp_conn *c = io->data;
	if (revents & EV_WRITE) {
		if (!flush_pending(c)) {
			conn_close(c);
			return;
		}
		if (has_pending(c))
			return;
		/* Drained: answer the queries that waited meanwhile. */
		if (!answer_queries(c)) {
			conn_close(c);
			return;
		}
	} else if (revents & EV_READ) {
		ssize_t r = recv(c->fd, c->in + c->in_len, TCP_IN_CAP - c->in_len, MSG_DONTWAIT);
		if (r > 0 && c->is_draining) {
			/* Discarded; and it does not extend the idle timeout, so a client
			 * cannot keep a finished connection open by sending. */
			c->in_len = 0;
			return;
		}
		if (r > 0) {
			c->in_len += (size_t)r;
			if (c->idle.repeat > 0)
				ev_timer_again(loop, &c->idle);
		} else if (r == 0) {
			c->is_eof = true;
		} else if (is_transient(errno)) {
			return;
		} else {
			conn_close(c);
			return;
		}
		if (!answer_queries(c)) {
			conn_close(c);
			return;
		}
	}
	conn_update(c);
}

static void conn_on_idle(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	conn_close(t->data);
}

static struct tcp_conn *conn_get(struct tcp_worker *tw)
{
	struct tcp_conn *c = tw->free;
	if (c) {
		tw->free = c->next;
		return c;
	}
	/* More connections landed on this worker than its share of max_connections (the
	 * kernel's SO_REUSEPORT hash is not exact): grow the pool by one. The global cap
	 * still bounds the total. */
	return xmalloc(sizeof(*c));
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
	c->is_eof = c->is_done = c->is_draining = false;
	c->peer = *peer;
	c->in_len = 0;
	c->out = NULL;
	c->out_off = c->out_len = 0;
	/* Answers are written whole; do not let Nagle hold back the next one behind a
	 * delayed ACK when the client pipelines. */
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->prev = NULL;
	c->next = tw->live;
	if (tw->live)
		tw->live->prev = c;
	tw->live = c;
	ev_io_init(&c->io, conn_on_io, fd, EV_READ);
	c->io.data = c;
	c->events = EV_READ;
	ev_io_start(loop, &c->io);
	double idle_s = tw->sh->limits.idle_timeout_ms / 1000.0;
	ev_timer_init(&c->idle, conn_on_idle, 0., idle_s);
	c->idle.data = c;
	if (idle_s > 0)
		ev_timer_again(loop, &c->idle);
}

static void pause_accepting(struct tcp_worker *tw)
{
	struct ev_loop *loop = tw->w->loop;
	if (ev_is_active(&tw->resume))
		return;
	log_warn("worker %u: out of file descriptors, pausing TCP accept for %.0f ms", tw->w->id,
	         TCP_ACCEPT_PAUSE_S * 1000);
	for (size_t i = 0; i < tw->n_ls; i++)
		ev_io_stop(loop, &tw->ls[i].io);
	ev_timer_set(&tw->resume, TCP_ACCEPT_PAUSE_S, 0.);
	ev_timer_start(loop, &tw->resume);
}

static void on_resume(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct tcp_worker *tw = t->data;
	(void)revents;
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
		if (!admit(tw->sh, &peer, &slot)) {
			reject(fd);
			continue;
		}
		conn_open(tw, fd, &peer, slot);
	}
}

struct tcp_worker *tcp_worker_new(struct worker *w, struct tcp_shared *sh, const int *fds, size_t n)
{
	struct tcp_worker *tw = xcalloc(1, sizeof(*tw));
	tw->w = w;
	tw->sh = sh;
	tw->n_pool = sh->pool_per_worker;
	tw->pool = xcalloc(tw->n_pool, sizeof(*tw->pool));
	for (size_t i = tw->n_pool; i-- > 0;) {
		tw->pool[i].fd = -1;
		tw->pool[i].next = tw->free;
		tw->free = &tw->pool[i];
	}
	ev_timer_init(&tw->resume, on_resume, TCP_ACCEPT_PAUSE_S, 0.);
	tw->resume.data = tw;
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

static bool is_in_pool(const struct tcp_worker *tw, const struct tcp_conn *c)
{
	return c >= tw->pool && c < tw->pool + tw->n_pool;
}

void tcp_worker_free(struct tcp_worker *tw)
{
	if (!tw)
		return;
	struct ev_loop *loop = tw->w->loop;
	while (tw->live)
		conn_close(tw->live);
	for (size_t i = 0; i < tw->n_ls; i++)
		ev_io_stop(loop, &tw->ls[i].io);
	ev_timer_stop(loop, &tw->resume);
	while (tw->free) {
		struct tcp_conn *c = tw->free;
		tw->free = c->next;
		if (!is_in_pool(tw, c))
			free(c);
	}
	free(tw->pool);
	free(tw->ls);
	free(tw);
}
