/* SPDX-License-Identifier: MIT
 * dnstap.c -- dnstap messages for every answer (dnstap.h): each answering thread's ring
 * of ready-made Frame Streams data frames, the writer thread that sends the rings to
 * the collector's socket or the file, and the connection (its Frame Streams handshake
 * and control frames by libfstrm's fstrm_writer). */
#include <config.h>

#include "server/dnstap/dnstap.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fstrm.h>

#include "server/base/log.h"
#include "server/base/thread.h"
#include "server/base/xalloc.h"
#include "server/dnstap/dnstap_enc.h"
#include "server/dnstap/dnstap_extra.h"
#include "server/query/answer.h"

/* The content type every dnstap reader expects in the Frame Streams handshake. */
#define DNSTAP_CONTENT_TYPE "protobuf:dnstap.Dnstap"
/* Each answering thread's ring (a power of two). A UDP answer's frame takes some
 * 200-300 bytes, so 1 MiB holds about 4,000 frames waiting for the writer; the largest
 * TCP frame (two 64 KiB messages) fits. */
#define DNSTAP_RING_BYTES (1u << 20)
/* Room after the ring's end for the frame that reaches past it (copied to the
 * beginning) and the encoder's spill: more than the largest frame's bound. */
#define DNSTAP_RING_SLACK (192u << 10)
/* The answering thread wakes the writer each time this many more bytes of frames are
 * in its ring; otherwise the writer looks at the rings every DNSTAP_IDLE_MS. */
#define DNSTAP_KICK_BYTES (64u << 10)
#define DNSTAP_IDLE_MS    1000

/* The collector's socket or the file. Only the writer thread touches it once
 * dnstap_open has returned. */
struct dnstap_conn {
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	char *file; /* the file to write (owned; NULL: a socket at path) */
	int fd;
	bool up; /* connected (a collector's socket) */
};

/* One answering thread's ring. Frames are laid at increasing absolute byte positions
 * (position % DNSTAP_RING_BYTES in the buffer), each as Frame Streams puts it on the
 * wire: a 4-byte big-endian length, then the dnstap bytes; so the writer sends what
 * the ring holds with one write of at most two pieces. A frame that crosses the end of
 * the buffer is written whole into the slack after it, and its part past the end is
 * copied to the beginning. The answering thread writes frames at its position and
 * publishes head: the number of frames written so far (mod 2^32) in the high half, the
 * position (mod 2^32) in the low half, so the writer learns both from one load and
 * counts frames without reading them. The writer sends [tail, head) and publishes
 * tail. A single-producer single-consumer queue: no lock, one release store each
 * side. */
struct dnstap_thread {
	struct dnstap *d;
	struct answer_ctx *ctx;
	struct answer_note note;
	struct dnstap_extra *extra;
	struct dnstap_enc_time now; /* dnstap_tick */
	uint8_t *ring;
	const struct dnstap_enc_tmpl *tmpl[2]; /* UDP, TCP */
	uint64_t pos;                          /* the answering thread's position */
	uint64_t kick_at;                      /* wake the writer when pos reaches it */
	uint64_t edge;         /* the first end that wraps or kicks: min(kick_at, next end + 1) */
	uint32_t frames;       /* frames written (mod 2^32) */
	_Atomic uint64_t head; /* frames << 32 | (uint32_t)pos */
	_Atomic uint64_t tail; /* the writer's position */
	uint32_t taken;        /* the writer's: frames taken (mod 2^32) */
};

struct dnstap {
	struct dnstap_conn conn;
	struct dnstap_enc_tmpl tmpl[2]; /* the constant parts of UDP and TCP frames */
	unsigned n_threads;
	_Atomic(struct dnstap_thread *) *threads; /* n_threads, NULL until registered */
	int kick_fd;                              /* eventfd: frames are waiting */
	atomic_bool stop;
	pthread_t thr;
	/* The writer thread's own. */
	struct fstrm_writer *w; /* NULL: not connected */
	struct timespec last_try;
	bool tried;
};

/* ---- the collector's socket or the file (libfstrm rdwr callbacks, writer thread) ---- */

static int open_file(const char *path, int how)
{
	return open(path, O_WRONLY | O_CREAT | O_CLOEXEC | how, 0644);
}

static fstrm_res conn_open(void *obj)
{
	struct dnstap_conn *c = obj;
	if (c->file) {
		/* Opened by dnstap_open; after a write error, appended to. */
		if (c->fd < 0 && (c->fd = open_file(c->file, O_APPEND)) < 0)
			return fstrm_res_failure;
		return fstrm_res_success;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fstrm_res_failure;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, c->path, sizeof(sa.sun_path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return fstrm_res_failure;
	}
	/* A collector that stops reading or answering must not hold the writer for long. */
	struct timeval tv = {.tv_sec = 1};
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c->fd = fd;
	c->up = true;
	log_info("dnstap: connected to %s", c->path);
	return fstrm_res_success;
}

static fstrm_res conn_close(void *obj)
{
	struct dnstap_conn *c = obj;
	if (c->file) {
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		return fstrm_res_success;
	}
	if (c->fd >= 0)
		close(c->fd);
	if (c->up)
		log_warn("dnstap: lost the collector at %s; trying again every second", c->path);
	c->fd = -1;
	c->up = false;
	return fstrm_res_success;
}

static fstrm_res conn_read(void *obj, void *data, size_t count)
{
	struct dnstap_conn *c = obj;
	uint8_t *p = data;
	while (count > 0) {
		ssize_t n = read(c->fd, p, count);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fstrm_res_failure;
		p += n;
		count -= (size_t)n;
	}
	return fstrm_res_success;
}

static fstrm_res conn_write(void *obj, const struct iovec *iov, int iovcnt)
{
	struct dnstap_conn *c = obj;
	struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
	size_t total = 0;
	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	while (total > 0) {
		ssize_t n = c->file ? writev(c->fd, m.msg_iov, (int)m.msg_iovlen)
		                    : sendmsg(c->fd, &m, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fstrm_res_failure;
		if ((size_t)n == total)
			break; /* the common case: all of it at once */
		total -= (size_t)n;
		/* Skip what went out. */
		while (m.msg_iovlen > 0 && (size_t)n >= m.msg_iov->iov_len) {
			n -= (ssize_t)m.msg_iov->iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen > 0 && n > 0) {
			/* A partial iovec: copy it to move its start (iov is const). */
			static __thread struct iovec tmp[1024];
			size_t k = m.msg_iovlen < 1024 ? m.msg_iovlen : 1024;
			memcpy(tmp, m.msg_iov, k * sizeof(*tmp));
			tmp[0].iov_base = (uint8_t *)tmp[0].iov_base + n;
			tmp[0].iov_len -= (size_t)n;
			m.msg_iov = tmp;
			m.msg_iovlen = k;
		}
	}
	return fstrm_res_success;
}

/* The Frame Streams writer over c: with a read side (the bidirectional handshake) for
 * a collector's socket, without for a file. Only its open and close are used: they
 * write the control frames; data frames come ready-made from the rings. */
static struct fstrm_writer *conn_writer(struct dnstap_conn *c)
{
	struct fstrm_rdwr *rw = fstrm_rdwr_init(c);
	fstrm_rdwr_set_open(rw, conn_open);
	fstrm_rdwr_set_close(rw, conn_close);
	if (!c->file)
		fstrm_rdwr_set_read(rw, conn_read);
	fstrm_rdwr_set_write(rw, conn_write);
	struct fstrm_writer_options *wo = fstrm_writer_options_init();
	fstrm_writer_options_add_content_type(wo, DNSTAP_CONTENT_TYPE,
	                                      sizeof(DNSTAP_CONTENT_TYPE) - 1);
	struct fstrm_writer *w = fstrm_writer_init(wo, &rw);
	fstrm_writer_options_destroy(&wo);
	return w;
}

/* ---- the writer thread ---- */

/* Connects (handshake, START frame) when not connected and the last try is a second
 * old or more. */
static void writer_connect(struct dnstap *d)
{
	if (d->w)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (d->tried && now.tv_sec - d->last_try.tv_sec < 1)
		return;
	d->tried = true;
	d->last_try = now;
	struct fstrm_writer *w = conn_writer(&d->conn);
	if (w && fstrm_writer_open(w) == fstrm_res_success) {
		d->w = w;
		return;
	}
	if (w)
		fstrm_writer_destroy(&w);
	(void)conn_close(&d->conn); /* a socket connected before the handshake failed */
}

/* Drops the connection after a failed write: STOP if it can still be written. */
static void writer_disconnect(struct dnstap *d)
{
	fstrm_writer_destroy(&d->w); /* closes through conn_close */
	(void)conn_close(&d->conn);
	d->w = NULL;
}

/* Sends what t's ring holds (or discards it while not connected), counts it and gives
 * the bytes back. Returns whether there was any. */
static bool writer_drain(struct dnstap *d, struct dnstap_thread *t)
{
	uint64_t tail = atomic_load_explicit(&t->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&t->head, memory_order_acquire);
	uint32_t bytes = (uint32_t)head - (uint32_t)tail; /* at most DNSTAP_RING_BYTES */
	if (bytes == 0)
		return false;
	uint32_t n = (uint32_t)(head >> 32) - t->taken;
	t->taken = (uint32_t)(head >> 32);
	/* One piece, or two when the frames wrap around the end of the buffer. */
	size_t off = (size_t)(tail & (DNSTAP_RING_BYTES - 1)), left = DNSTAP_RING_BYTES - off;
	struct iovec iov[2] = {{.iov_base = t->ring + off, .iov_len = bytes}};
	int n_iov = 1;
	if (bytes > left) {
		iov[0].iov_len = left;
		iov[1].iov_base = t->ring;
		iov[1].iov_len = bytes - left;
		n_iov = 2;
	}
	bool written = false;
	if (d->w) {
		written = conn_write(&d->conn, iov, n_iov) == fstrm_res_success;
		if (!written)
			writer_disconnect(d);
	}
	answer_ctx_count_dnstap_done(t->ctx, written, n);
	atomic_store_explicit(&t->tail, tail + bytes, memory_order_release);
	return true;
}

static void *writer_main(void *arg)
{
	struct dnstap *d = arg;
	for (;;) {
		bool stop = atomic_load(&d->stop);
		writer_connect(d);
		for (unsigned i = 0; i < d->n_threads; i++) {
			struct dnstap_thread *t =
			        atomic_load_explicit(&d->threads[i], memory_order_acquire);
			if (t)
				writer_drain(d, t);
		}
		if (stop)
			break;
		/* Sleep until kicked, a second at most. A collector never writes unasked
		 * while connected: its socket readable means it closed (or broke the
		 * protocol), and the connection starts over without waiting for a write to
		 * fail. */
		struct pollfd pfd[2] = {
		        {.fd = d->kick_fd, .events = POLLIN},
		        {.fd = d->w && !d->conn.file ? d->conn.fd : -1, .events = POLLIN},
		};
		if (poll(pfd, 2, DNSTAP_IDLE_MS) > 0) {
			uint64_t v;
			if (pfd[0].revents)
				(void)!read(d->kick_fd, &v, sizeof(v));
			if (pfd[1].revents)
				writer_disconnect(d);
		}
	}
	if (d->w)
		fstrm_writer_destroy(&d->w); /* STOP (and FINISH from a collector) */
	(void)conn_close(&d->conn);
	return NULL;
}

/* ---- setting up and tearing down (main thread) ---- */

struct dnstap *dnstap_open(const struct cfg_dnstap *cfg, const char *identity, unsigned n_threads)
{
	struct dnstap *d = xcalloc(1, sizeof(*d));
	d->conn.fd = -1;
	d->n_threads = n_threads;
	d->threads = xcalloc(n_threads ? n_threads : 1, sizeof(*d->threads));
	dnstap_enc_tmpl(&d->tmpl[0], identity, PACKAGE_STRING, false);
	dnstap_enc_tmpl(&d->tmpl[1], identity, PACKAGE_STRING, true);
	atomic_init(&d->stop, false);
	if (cfg->socket) {
		snprintf(d->conn.path, sizeof(d->conn.path), "%s", cfg->socket);
	} else {
		d->conn.file = xstrdup(cfg->file);
		d->conn.fd = open_file(cfg->file, O_TRUNC);
		if (d->conn.fd < 0) {
			log_err("dnstap: cannot open %s: %s", cfg->file, strerror(errno));
			goto fail;
		}
	}
	d->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->kick_fd < 0) {
		log_err("dnstap: eventfd: %s", strerror(errno));
		goto fail;
	}
	int err = thread_spawn(&d->thr, writer_main, d);
	if (err != 0) {
		log_err("dnstap: cannot start the writer thread: %s", strerror(err));
		close(d->kick_fd);
		goto fail;
	}
	return d;
fail:
	if (d->conn.fd >= 0)
		close(d->conn.fd);
	free(d->conn.file);
	free(d->threads);
	free(d);
	return NULL;
}

struct dnstap_thread *dnstap_thread_new(struct dnstap *d, unsigned idx, struct answer_ctx *ctx)
{
	struct dnstap_thread *t = xcalloc(1, sizeof(*t));
	t->d = d;
	t->ctx = ctx;
	t->ring = xmalloc(DNSTAP_RING_BYTES + DNSTAP_RING_SLACK);
	t->tmpl[0] = &d->tmpl[0];
	t->tmpl[1] = &d->tmpl[1];
	t->extra = dnstap_extra_new();
	t->kick_at = DNSTAP_KICK_BYTES;
	t->edge = DNSTAP_KICK_BYTES < DNSTAP_RING_BYTES + 1 ? DNSTAP_KICK_BYTES
	                                                    : DNSTAP_RING_BYTES + 1;
	atomic_init(&t->head, 0);
	atomic_init(&t->tail, 0);
	answer_ctx_set_note(ctx, &t->note);
	if (idx < d->n_threads)
		atomic_store_explicit(&d->threads[idx], t, memory_order_release);
	return t;
}

void dnstap_close(struct dnstap *d)
{
	if (!d)
		return;
	/* The answering threads have stopped: the writer sends what they left, then STOP. */
	atomic_store(&d->stop, true);
	uint64_t one = 1;
	(void)!write(d->kick_fd, &one, sizeof(one));
	pthread_join(d->thr, NULL);
	close(d->kick_fd);
	free(d->conn.file);
	free(d->threads);
	free(d);
}

void dnstap_thread_free(struct dnstap_thread *t)
{
	if (!t)
		return;
	dnstap_extra_free(t->extra);
	free(t->ring);
	free(t);
}

/* ---- one message (the answering thread) ---- */

void dnstap_skip(struct dnstap_thread *t)
{
	t->note.svc = NULL;
}

void dnstap_tick(struct dnstap_thread *t)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	dnstap_enc_time(&t->now, (uint64_t)ts.tv_sec, (uint32_t)ts.tv_nsec);
}

/* Publishes the frames written up to end (their count and position in one word). */
static inline void publish(struct dnstap_thread *t, uint64_t end)
{
	t->pos = end;
	t->frames++;
	atomic_store_explicit(&t->head, (uint64_t)t->frames << 32 | (uint32_t)end,
	                      memory_order_release);
}

/* The rare end of dnstap_log (out of line, so that the common one stays small): the
 * frame [start, end) reaches past the buffer's end (its part past the end is copied to
 * the beginning), or the writer is to be woken (an eventfd write every
 * DNSTAP_KICK_BYTES, not per message). */
static GS_NOINLINE GS_COLD void log_edge(struct dnstap_thread *t, uint64_t start, uint64_t end)
{
	size_t off = (size_t)(start & (DNSTAP_RING_BYTES - 1));
	if (off + (end - start) > DNSTAP_RING_BYTES)
		memcpy(t->ring, t->ring + DNSTAP_RING_BYTES,
		       off + (end - start) - DNSTAP_RING_BYTES);
	publish(t, end);
	if (end >= t->kick_at) {
		uint64_t one = 1;
		(void)!write(t->d->kick_fd, &one, sizeof(one));
		t->kick_at = end + DNSTAP_KICK_BYTES;
	}
	uint64_t wrap = (end | (DNSTAP_RING_BYTES - 1)) + 2; /* the next boundary, + 1 */
	t->edge = t->kick_at < wrap ? t->kick_at : wrap;
}

/* The largest frame (a query and a response of 65,535 bytes, the longest decision
 * text and identity) and the encoder's spill fit in the slack after the buffer. */
_Static_assert(DNSTAP_ENC_PRE_MAX + 3 + 8 + 16 + 4 + 4 + 4 + DNSTAP_ENC_TIME_MAX + 4 + 2 * 65535u +
                               DNSTAP_EXTRA_MAX + DNSTAP_ENC_SPILL <=
                       DNSTAP_RING_SLACK,
               "DNSTAP_RING_SLACK too small");

void dnstap_log(struct dnstap_thread *t, const uint8_t *q, size_t qlen, const uint8_t *r,
                size_t rlen, const struct sockaddr *src, bool tcp)
{
	struct dnstap_enc_msg m = {
	        .query = q,
	        .query_len = qlen,
	        .response = r,
	        .response_len = rlen,
	        .time = &t->now,
	};
	if (src->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)src;
		m.addr = (const uint8_t *)&s4->sin_addr;
		m.addr_len = 4;
		m.port = ntohs(s4->sin_port);
	} else if (src->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)src;
		m.addr = (const uint8_t *)&s6->sin6_addr;
		m.addr_len = 16;
		m.port = ntohs(s6->sin6_port);
	}
	size_t extra_len = 0;
	if (t->note.svc) {
		m.extra = dnstap_extra_text(t->extra, &t->note, &extra_len);
		t->note.svc = NULL; /* the next answer notes its own */
	}
	m.extra_len = extra_len;
	const struct dnstap_enc_tmpl *tm = t->tmpl[tcp];
	size_t bound = dnstap_enc_bound(tm, qlen, rlen, extra_len);

	/* Room for the frame and the encoder's spill; written at its place in the buffer
	 * even when it reaches past the end (into the slack, which holds the largest
	 * frame: see above). */
	uint64_t start = t->pos;
	if (GS_UNLIKELY(start + bound + DNSTAP_ENC_SPILL -
	                        atomic_load_explicit(&t->tail, memory_order_acquire) >
	                DNSTAP_RING_BYTES)) {
		answer_ctx_count_dnstap_full(t->ctx); /* the writer is behind */
		return;
	}
	size_t off = (size_t)(start & (DNSTAP_RING_BYTES - 1));
	uint64_t end = start + dnstap_enc_frame(t->ring + off, tm, &m);
	if (GS_UNLIKELY(end >= t->edge))
		log_edge(t, start, end);
	else
		publish(t, end);
}
