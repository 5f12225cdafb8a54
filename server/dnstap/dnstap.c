/* SPDX-License-Identifier: MIT
 * dnstap.c -- dnstap messages for every answer (dnstap.h): the fstrm I/O thread and its
 * connection to the collector, the per-thread rings of message buffers, packing one
 * message with protobuf-c, and the steering decision written as text into `extra`. */
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
#include <protobuf-c/protobuf-c.h>

#include "server/base/log.h"
#include "server/base/xalloc.h"
#include "server/dnstap/dnstap.pb-c.h"
#include "server/query/answer.h"

/* The content type every dnstap reader expects in the Frame Streams handshake. */
#define DNSTAP_CONTENT_TYPE "protobuf:dnstap.Dnstap"
/* Buffers per thread (a power of two), and their size: a UDP query and answer with
 * the message around them fit; a larger message (a long TCP answer) gets a heap
 * buffer. 256 x 4 KiB = 1 MiB per answering thread. */
#define DNSTAP_RING 256u
#define DNSTAP_SLOT 4096u
/* fstrm's input queue per thread: larger than the ring, so the ring fills first. */
#define DNSTAP_QUEUE 256u
/* The longest `extra` text; a decision that does not fit is cut short. */
#define DNSTAP_EXTRA_MAX 480u

/* The connection to a collector's Unix socket, for libfstrm's writer. Only the I/O
 * thread touches it once the writer exists. */
struct dnstap_conn {
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	int fd;
	bool up; /* connected; a file is always "up" */
};

struct dnstap {
	struct fstrm_iothr *iothr;
	struct dnstap_conn conn;
	char *identity; /* owned or NULL */
	unsigned n_threads;
};

struct dnstap_thread {
	struct dnstap *d;
	struct fstrm_iothr_queue *q;
	struct answer_ctx *ctx;
	struct answer_note note;
	unsigned next;                  /* the next ring buffer to use */
	uint8_t (*slot)[DNSTAP_SLOT];   /* DNSTAP_RING buffers */
	atomic_uchar busy[DNSTAP_RING]; /* 1 from the submit until the I/O thread is done */
	char extra[DNSTAP_EXTRA_MAX + 1];
};

/* ---- the collector's socket (libfstrm rdwr callbacks, on the I/O thread) ---- */

static fstrm_res conn_open(void *obj)
{
	struct dnstap_conn *c = obj;
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
		ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fstrm_res_failure;
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

static struct fstrm_writer *socket_writer(struct dnstap_conn *c)
{
	struct fstrm_rdwr *rw = fstrm_rdwr_init(c);
	fstrm_rdwr_set_open(rw, conn_open);
	fstrm_rdwr_set_close(rw, conn_close);
	fstrm_rdwr_set_read(rw, conn_read); /* a read side: the bidirectional handshake */
	fstrm_rdwr_set_write(rw, conn_write);
	struct fstrm_writer_options *wo = fstrm_writer_options_init();
	fstrm_writer_options_add_content_type(wo, DNSTAP_CONTENT_TYPE,
	                                      sizeof(DNSTAP_CONTENT_TYPE) - 1);
	struct fstrm_writer *w = fstrm_writer_init(wo, &rw);
	fstrm_writer_options_destroy(&wo);
	return w;
}

static struct fstrm_writer *file_writer(const char *path)
{
	struct fstrm_file_options *fo = fstrm_file_options_init();
	fstrm_file_options_set_file_path(fo, path);
	struct fstrm_writer_options *wo = fstrm_writer_options_init();
	fstrm_writer_options_add_content_type(wo, DNSTAP_CONTENT_TYPE,
	                                      sizeof(DNSTAP_CONTENT_TYPE) - 1);
	struct fstrm_writer *w = fstrm_file_writer_init(fo, wo);
	fstrm_writer_options_destroy(&wo);
	fstrm_file_options_destroy(&fo);
	return w;
}

struct dnstap *dnstap_open(const struct cfg_dnstap *cfg, const char *identity, unsigned n_threads)
{
	struct dnstap *d = xcalloc(1, sizeof(*d));
	d->conn.fd = -1;
	d->n_threads = n_threads;
	d->identity = identity ? xstrdup(identity) : NULL;
	struct fstrm_writer *w;
	if (cfg->socket) {
		snprintf(d->conn.path, sizeof(d->conn.path), "%s", cfg->socket);
		w = socket_writer(&d->conn);
	} else {
		d->conn.up = true;
		w = file_writer(cfg->file);
	}
	if (!w) {
		log_err("dnstap: cannot set up the writer for %s",
		        cfg->socket ? cfg->socket : cfg->file);
		free(d->identity);
		free(d);
		return NULL;
	}
	struct fstrm_iothr_options *io = fstrm_iothr_options_init();
	fstrm_iothr_options_set_num_input_queues(io, n_threads ? n_threads : 1);
	fstrm_iothr_options_set_input_queue_size(io, DNSTAP_QUEUE);
	fstrm_iothr_options_set_queue_model(io, FSTRM_IOTHR_QUEUE_MODEL_SPSC);
	fstrm_iothr_options_set_reopen_interval(io, 1);
	d->iothr = fstrm_iothr_init(io, &w);
	fstrm_iothr_options_destroy(&io);
	if (!d->iothr) {
		log_err("dnstap: cannot start the writer for %s",
		        cfg->socket ? cfg->socket : cfg->file);
		if (w)
			fstrm_writer_destroy(&w);
		free(d->identity);
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
	t->slot = xmalloc(sizeof(*t->slot) * DNSTAP_RING);
	for (unsigned i = 0; i < DNSTAP_RING; i++)
		atomic_init(&t->busy[i], 0);
	answer_ctx_set_note(ctx, &t->note);
	return t;
}

void dnstap_close(struct dnstap *d)
{
	if (!d)
		return;
	fstrm_iothr_destroy(&d->iothr);
	free(d->identity);
	free(d);
}

void dnstap_thread_free(struct dnstap_thread *t)
{
	if (!t)
		return;
	free(t->slot);
	free(t);
}

/* ---- one message (the answering thread) ---- */

/* libfstrm is done with buf (written, or discarded while no collector is connected):
 * on the I/O thread. */
static void on_done(void *buf, void *arg)
{
	struct dnstap_thread *t = arg;
	answer_ctx_count_dnstap_done(t->ctx, t->d->conn.up);
	uint8_t *p = buf, *first = t->slot[0];
	if (p >= first && p < first + (size_t)DNSTAP_RING * DNSTAP_SLOT)
		atomic_store_explicit(&t->busy[(size_t)(p - first) / DNSTAP_SLOT], 0,
		                      memory_order_release);
	else
		free(buf);
}

void dnstap_before(struct dnstap_thread *t)
{
	t->note.svc = NULL;
}

/* Appends s to buf at *at (kept within DNSTAP_EXTRA_MAX). */
static void put(char *buf, size_t *at, const char *s)
{
	size_t n = strlen(s);
	if (n > DNSTAP_EXTRA_MAX - *at)
		n = DNSTAP_EXTRA_MAX - *at;
	memcpy(buf + *at, s, n);
	*at += n;
}

static void put_uint(char *buf, size_t *at, unsigned long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	tmp[--i] = '\0';
	do
		tmp[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	put(buf, at, tmp + i);
}

/* A weighted group of a list, without blanks: "{us-east:3+us-west:1}". */
static void put_group(char *buf, size_t *at, const struct geo_map *m, uint16_t v)
{
	const struct dclist_table *t = &m->lists;
	const struct dclist_group *g = dclist_group(t, v);
	put(buf, at, "{");
	for (uint16_t i = 0; i < g->n; i++) {
		if (i)
			put(buf, at, "+");
		put(buf, at, geo_map_dc_name(m, t->member[g->off + i]));
		put(buf, at, ":");
		put_uint(buf, at, t->weight[g->off + i]);
	}
	put(buf, at, "}");
}

/* The decision as text: "service=S map=M rule=default|list dc=D list=A,B,C
 * skipped_down=A [pick=P] scope=N ttl=T" and, when no datacenter was up, "all_down=POLICY".
 * Returns its length. */
static size_t format_note(const struct answer_note *n, char *buf)
{
	const struct steer_service *svc = n->svc;
	const struct steer_decision *dec = &n->dec;
	size_t at = 0;
	put(buf, &at, "service=");
	put(buf, &at, svc->name);
	put(buf, &at, " map=");
	put(buf, &at, svc->map->name ? svc->map->name : "-");
	/* The compiled table keeps the ordered list a client's rule gives, not the rule: id
	 * 0 is the default rule's list. */
	put(buf, &at, dec->hit.list == 0 ? " rule=default" : " rule=matched");
	put(buf, &at, " dc=");
	put(buf, &at, dec->dc ? dec->dc->name : "none");
	size_t nl;
	const uint16_t *ids = geo_map_list(svc->map, dec->hit.list, &nl);
	put(buf, &at, " list=");
	for (size_t i = 0; i < nl; i++) {
		if (i)
			put(buf, &at, ",");
		if (dclist_is_group(&svc->map->lists, ids[i]))
			put_group(buf, &at, svc->map, ids[i]);
		else
			put(buf, &at, geo_map_dc_name(svc->map, ids[i]));
	}
	/* Those ahead of the chosen one that have addresses of the type: skipped because
	 * they were down (all of them when none was up). */
	put(buf, &at, " skipped_down=");
	bool any = false;
	size_t upto = dec->dc && !dec->fail_open ? dec->pos : nl;
	for (size_t i = 0; i < upto && i < nl; i++) {
		uint16_t k = svc->dc_of[ids[i]];
		if (k >= STEER_GROUP || svc->dcs[k].n[n->ty] == 0)
			continue;
		if (any)
			put(buf, &at, ",");
		put(buf, &at, svc->dcs[k].name);
		any = true;
	}
	if (!any)
		put(buf, &at, "-");
	if (dec->pick != STEER_PICK_NONE) {
		static const char *const pick[] = {"", "hash", "repick", "weight_zero"};
		put(buf, &at, " pick=");
		put(buf, &at, pick[dec->pick < 4 ? dec->pick : 0]);
	}
	put(buf, &at, " scope=");
	put_uint(buf, &at, dec->scope);
	put(buf, &at, " ttl=");
	put_uint(buf, &at, dec->ttl);
	if (dec->fail_open) {
		static const char *const policy[] = {"open", "servfail", "nodata"};
		put(buf, &at, " all_down=");
		put(buf, &at, policy[svc->all_down < 3 ? svc->all_down : 0]);
	} else if (dec->failover) {
		put(buf, &at, " failover");
	}
	return at;
}

void dnstap_log(struct dnstap_thread *t, const uint8_t *q, size_t qlen, const uint8_t *r,
                size_t rlen, const struct sockaddr *src, bool tcp)
{
	unsigned i = t->next & (DNSTAP_RING - 1);
	if (atomic_load_explicit(&t->busy[i], memory_order_acquire)) {
		answer_ctx_count_dnstap(t->ctx, false); /* the collector is behind */
		return;
	}
	Dnstap__Message m = DNSTAP__MESSAGE__INIT;
	m.type = DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE;
	m.has_socket_protocol = true;
	m.socket_protocol = tcp ? DNSTAP__SOCKET_PROTOCOL__TCP : DNSTAP__SOCKET_PROTOCOL__UDP;
	if (src->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)src;
		m.has_socket_family = m.has_query_address = m.has_query_port = true;
		m.socket_family = DNSTAP__SOCKET_FAMILY__INET;
		m.query_address.data = (uint8_t *)&s4->sin_addr;
		m.query_address.len = 4;
		m.query_port = ntohs(s4->sin_port);
	} else if (src->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)src;
		m.has_socket_family = m.has_query_address = m.has_query_port = true;
		m.socket_family = DNSTAP__SOCKET_FAMILY__INET6;
		m.query_address.data = (uint8_t *)&s6->sin6_addr;
		m.query_address.len = 16;
		m.query_port = ntohs(s6->sin6_port);
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	m.has_response_time_sec = m.has_response_time_nsec = true;
	m.response_time_sec = (uint64_t)now.tv_sec;
	m.response_time_nsec = (uint32_t)now.tv_nsec;
	m.has_query_message = m.has_response_message = true;
	m.query_message.data = (uint8_t *)q;
	m.query_message.len = qlen;
	m.response_message.data = (uint8_t *)r;
	m.response_message.len = rlen;

	Dnstap__Dnstap dt = DNSTAP__DNSTAP__INIT;
	dt.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
	dt.message = &m;
	if (t->d->identity) {
		dt.has_identity = true;
		dt.identity.data = (uint8_t *)t->d->identity;
		dt.identity.len = strlen(t->d->identity);
	}
	dt.has_version = true;
	dt.version.data = (uint8_t *)PACKAGE_STRING;
	dt.version.len = sizeof(PACKAGE_STRING) - 1;
	if (t->note.svc) {
		dt.has_extra = true;
		dt.extra.data = (uint8_t *)t->extra;
		dt.extra.len = format_note(&t->note, t->extra);
	}

	size_t len = protobuf_c_message_get_packed_size(&dt.base);
	uint8_t *buf = t->slot[i];
	bool in_ring = len <= DNSTAP_SLOT;
	if (!in_ring && !(buf = malloc(len))) {
		answer_ctx_count_dnstap(t->ctx, false);
		return;
	}
	protobuf_c_message_pack(&dt.base, buf);
	if (in_ring) {
		atomic_store_explicit(&t->busy[i], 1, memory_order_relaxed);
		t->next++;
	}
	if (fstrm_iothr_submit(t->d->iothr, t->q, buf, len, on_done, t) != fstrm_res_success) {
		/* Still ours: give it back. */
		if (in_ring) {
			atomic_store_explicit(&t->busy[i], 0, memory_order_relaxed);
			t->next--;
		} else {
			free(buf);
		}
		answer_ctx_count_dnstap(t->ctx, false);
		return;
	}
	answer_ctx_count_dnstap(t->ctx, true);
}
