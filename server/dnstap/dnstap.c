/* SPDX-License-Identifier: MIT
 * dnstap.c -- dnstap messages for every answer (dnstap.h): the fstrm I/O thread and its
 * connection to the collector or file, the per-thread byte rings the frames are
 * written into (dnstap_enc.h), and handing them to fstrm's queues. */
#include <config.h>

#include "server/dnstap/dnstap.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <fstrm.h>

#include "server/base/log.h"
#include "server/base/xalloc.h"
#include "server/dnstap/dnstap_enc.h"
#include "server/dnstap/dnstap_extra.h"
#include "server/query/answer.h"

/* The content type every dnstap reader expects in the Frame Streams handshake. */
#define DNSTAP_CONTENT_TYPE "protobuf:dnstap.Dnstap"
/* Each answering thread's ring of frames (a power of two): a frame takes its length
 * rounded up to 8 plus an 8-byte header, about 200-300 bytes for a UDP answer, so
 * 1 MiB holds some 4,000 frames waiting for the writer, and the largest TCP frame
 * (two 64 KiB messages) fits. */
#define DNSTAP_RING_BYTES (1u << 20)
/* fstrm's input queue per thread (a power of two, 32 bytes an entry): more entries
 * than the ring holds frames, so that the ring, not the queue, says when to drop. */
#define DNSTAP_QUEUE 8192u
/* The writer thread is woken when a queue holds this many frames (or after a second):
 * it writes them in batches of DNSTAP_BATCH frames or DNSTAP_BATCH_BYTES, one
 * writev each. */
#define DNSTAP_WAKE        128u
#define DNSTAP_BATCH       64u
#define DNSTAP_BATCH_BYTES 65536u

/* The collector's socket or the file, for libfstrm's writer. Only the I/O thread
 * touches it once the writer exists. */
struct dnstap_conn {
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	char *file; /* the file to write (owned; NULL: a socket at path) */
	int fd;
	bool up; /* connected; a file is always "up" */
};

struct dnstap {
	struct fstrm_iothr *iothr;
	struct dnstap_conn conn;
	uint8_t head[DNSTAP_ENC_HEAD_MAX]; /* identity and version, encoded */
	size_t head_len;
	unsigned n_threads;
};

/* The ring: frames are laid one after the other at increasing absolute positions
 * (position % DNSTAP_RING_BYTES in the buffer), each behind an 8-byte header holding
 * the position where it ends. A frame that would cross the end of the buffer starts
 * again at its beginning. The answering thread advances head; the I/O thread, done
 * with a frame, sets tail to that frame's end (fstrm hands a queue's frames back in
 * the order they were queued). Bytes from tail to head are in use. */
struct dnstap_thread {
	struct dnstap *d;
	struct fstrm_iothr_queue *q;
	struct answer_ctx *ctx;
	struct answer_note note;
	struct dnstap_extra *extra;
	uint8_t *ring;
	uint64_t head;
	_Atomic uint64_t tail;
	struct dnstap_enc_time now; /* dnstap_tick */
};

/* ---- the collector's socket or the file (libfstrm rdwr callbacks, I/O thread) ---- */

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
	/* A collector that stops reading must not hold the I/O thread for long. */
	struct timeval tv = {.tv_sec = 1};
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
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
	if (c->fd >= 0) {
		close(c->fd);
		log_warn("dnstap: lost the collector at %s; trying again every second", c->path);
	}
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
 * a collector's socket, without for a file. */
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

struct dnstap *dnstap_open(const struct cfg_dnstap *cfg, const char *identity, unsigned n_threads)
{
	struct dnstap *d = xcalloc(1, sizeof(*d));
	d->conn.fd = -1;
	d->n_threads = n_threads;
	d->head_len = dnstap_enc_head(d->head, identity, PACKAGE_STRING);
	const char *where = cfg->socket ? cfg->socket : cfg->file;
	if (cfg->socket) {
		snprintf(d->conn.path, sizeof(d->conn.path), "%s", cfg->socket);
	} else {
		d->conn.file = xstrdup(cfg->file);
		d->conn.up = true;
		d->conn.fd = open_file(cfg->file, O_TRUNC);
		if (d->conn.fd < 0) {
			log_err("dnstap: cannot open %s: %s", cfg->file, strerror(errno));
			free(d->conn.file);
			free(d);
			return NULL;
		}
	}
	struct fstrm_writer *w = conn_writer(&d->conn);
	struct fstrm_iothr_options *io = fstrm_iothr_options_init();
	fstrm_iothr_options_set_num_input_queues(io, n_threads ? n_threads : 1);
	fstrm_iothr_options_set_input_queue_size(io, DNSTAP_QUEUE);
	fstrm_iothr_options_set_queue_model(io, FSTRM_IOTHR_QUEUE_MODEL_SPSC);
	/* fstrm signals the I/O thread when an insert leaves exactly this many free
	 * entries: when DNSTAP_WAKE frames are waiting (one entry always stays unused). */
	fstrm_iothr_options_set_queue_notify_threshold(io, DNSTAP_QUEUE - 1 - DNSTAP_WAKE);
	fstrm_iothr_options_set_output_queue_size(io, DNSTAP_BATCH);
	fstrm_iothr_options_set_buffer_hint(io, DNSTAP_BATCH_BYTES);
	fstrm_iothr_options_set_flush_timeout(io, 1);
	fstrm_iothr_options_set_reopen_interval(io, 1);
	d->iothr = w ? fstrm_iothr_init(io, &w) : NULL;
	fstrm_iothr_options_destroy(&io);
	if (!d->iothr) {
		log_err("dnstap: cannot start the writer for %s", where);
		if (w)
			fstrm_writer_destroy(&w);
		if (d->conn.file && d->conn.fd >= 0)
			close(d->conn.fd);
		free(d->conn.file);
		free(d);
		return NULL;
	}
	return d;
}

struct dnstap_thread *dnstap_thread_new(struct dnstap *d, unsigned idx, struct answer_ctx *ctx)
{
	struct dnstap_thread *t = xcalloc(1, sizeof(*t));
	t->d = d;
	t->ctx = ctx;
	t->q = fstrm_iothr_get_input_queue_idx(d->iothr, idx);
	t->ring = xmalloc(DNSTAP_RING_BYTES);
	t->extra = dnstap_extra_new();
	atomic_init(&t->tail, 0);
	answer_ctx_set_note(ctx, &t->note);
	return t;
}

void dnstap_close(struct dnstap *d)
{
	if (!d)
		return;
	fstrm_iothr_destroy(&d->iothr);
	free(d->conn.file);
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

/* libfstrm is done with the frame at buf (written, or discarded while no collector is
 * connected): on the I/O thread. Frees the ring up to the frame's end. */
static void on_done(void *buf, void *arg)
{
	struct dnstap_thread *t = arg;
	answer_ctx_count_dnstap_done(t->ctx, t->d->conn.up);
	uint64_t end;
	memcpy(&end, (const uint8_t *)buf - 8, 8);
	atomic_store_explicit(&t->tail, end, memory_order_release);
}

void dnstap_before(struct dnstap_thread *t)
{
	t->note.svc = NULL;
}

void dnstap_tick(struct dnstap_thread *t)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	dnstap_enc_time(&t->now, (uint64_t)ts.tv_sec, (uint32_t)ts.tv_nsec);
}

void dnstap_log(struct dnstap_thread *t, const uint8_t *q, size_t qlen, const uint8_t *r,
                size_t rlen, const struct sockaddr *src, bool tcp)
{
	struct dnstap_enc_msg m = {
	        .query = q,
	        .query_len = qlen,
	        .response = r,
	        .response_len = rlen,
	        .tcp = tcp,
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
	if (t->note.svc)
		m.extra = dnstap_extra_text(t->extra, &t->note, &m.extra_len);
	const struct dnstap *d = t->d;
	size_t len = dnstap_enc_size(d->head_len, &m);

	/* Room in the ring: the header and the frame, 8-aligned, not across the end. */
	size_t need = (8 + len + 7) & ~(size_t)7;
	uint64_t start = t->head;
	size_t off = (size_t)(start & (DNSTAP_RING_BYTES - 1));
	if (off + need > DNSTAP_RING_BYTES) {
		start += DNSTAP_RING_BYTES - off;
		off = 0;
	}
	uint64_t end = start + need;
	if (end - atomic_load_explicit(&t->tail, memory_order_acquire) > DNSTAP_RING_BYTES) {
		answer_ctx_count_dnstap(t->ctx, false); /* the writer is behind */
		return;
	}
	uint8_t *at = t->ring + off;
	memcpy(at, &end, 8);
	dnstap_enc_write(at + 8, d->head, d->head_len, &m);
	if (fstrm_iothr_submit(d->iothr, t->q, at + 8, len, on_done, t) != fstrm_res_success) {
		answer_ctx_count_dnstap(t->ctx, false); /* its queue is full: the ring is ours */
		return;
	}
	t->head = end;
	answer_ctx_count_dnstap(t->ctx, true);
}
