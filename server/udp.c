/* SPDX-License-Identifier: MIT
 * udp.c -- the UDP threads: each blocks in recvmmsg on its own socket, answers the
 * batch it gets with answer_packet into preallocated buffers and sends the replies with
 * sendmmsg. A query arriving at an idle thread costs one system call to receive it and
 * no event-loop work. On sockets bound to a wildcard address each reply carries the
 * query's destination address as its source (IP_PKTINFO / IPV6_PKTINFO), so a
 * multi-homed host answers from the address the client asked. The thread is online for
 * RCU only while it answers a batch; nothing here allocates once the thread runs. */
#include <config.h> /* first: _GNU_SOURCE for recvmmsg, sendmmsg, in6_pktinfo */

#include "server/udp.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <urcu-qsbr.h>

#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/xalloc.h"
#include "server/dnstap/dnstap.h"
#include "server/query/answer.h"
#include "server/query/snapshot.h"

/* Largest query we take. Real queries are a few hundred bytes at most (a question, an OPT
 * record with ECS and a cookie); anything longer arrives with MSG_TRUNC and is dropped. */
#define UDP_QUERY_CAP 4096
/* Room for one IPv4 or IPv6 packet-info control message. */
#define UDP_CMSG_CAP CMSG_SPACE(sizeof(struct in6_pktinfo))

union udp_cmsg {
	struct cmsghdr align;
	uint8_t buf[UDP_CMSG_CAP];
};

struct udp_batch {
	struct mmsghdr rx[UDP_BATCH];
	struct iovec rx_iov[UDP_BATCH];
	struct sockaddr_storage src[UDP_BATCH];
	union udp_cmsg rx_ctl[UDP_BATCH];
	struct mmsghdr tx[UDP_BATCH];
	struct iovec tx_iov[UDP_BATCH];
	union udp_cmsg tx_ctl[UDP_BATCH];
	uint8_t query[UDP_BATCH][UDP_QUERY_CAP];
	uint8_t resp[UDP_BATCH][ANSWER_UDP_MAX];
	/* Receive headers that recvmmsg may have written to since the last rx_reset, and
	 * whether their control buffers are set up for packet info. */
	unsigned rx_dirty;
	bool rx_pktinfo;
};

static struct udp_batch *udp_batch_new(void)
{
	struct udp_batch *b = xcalloc(1, sizeof(*b));
	for (unsigned i = 0; i < UDP_BATCH; i++) {
		b->rx_iov[i].iov_base = b->query[i];
		b->rx_iov[i].iov_len = UDP_QUERY_CAP;
		b->rx[i].msg_hdr.msg_iov = &b->rx_iov[i];
		b->rx[i].msg_hdr.msg_iovlen = 1;
		b->rx[i].msg_hdr.msg_name = &b->src[i];
		/* The parts of a reply header that never change. */
		b->tx[i].msg_hdr.msg_iov = &b->tx_iov[i];
		b->tx[i].msg_hdr.msg_iovlen = 1;
	}
	b->rx_dirty = UDP_BATCH;
	return b;
}

static void udp_batch_free(struct udp_batch *b)
{
	free(b);
}

/* Re-arms the receive headers that recvmmsg overwrote in the previous round: those of
 * the datagrams it returned and the one after (all of them on the first round, when
 * the control buffers are set up for the socket's packet-info setting). */
static void rx_reset(struct udp_batch *b, bool use_pktinfo)
{
	unsigned n = b->rx_dirty;
	if (use_pktinfo != b->rx_pktinfo) {
		b->rx_pktinfo = use_pktinfo;
		n = UDP_BATCH;
		for (unsigned i = 0; i < UDP_BATCH; i++)
			b->rx[i].msg_hdr.msg_control = use_pktinfo ? b->rx_ctl[i].buf : NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		struct msghdr *h = &b->rx[i].msg_hdr;
		h->msg_namelen = sizeof(b->src[i]);
		h->msg_controllen = use_pktinfo ? sizeof(b->rx_ctl[i].buf) : 0;
		h->msg_flags = 0;
	}
	b->rx_dirty = 0;
}

/* Turns the destination address reported with a query into the source address of its
 * reply: writes the control message into tx and returns its length (0 when the query
 * carried none). */
static size_t pktinfo_reply(const struct msghdr *rx, union udp_cmsg *tx)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(rx); c; c = CMSG_NXTHDR((struct msghdr *)rx, c)) {
		memset(tx, 0, sizeof(*tx));
		struct cmsghdr *out = &tx->align;
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo in, reply;
			memcpy(&in, CMSG_DATA(c), sizeof(in));
			memset(&reply, 0, sizeof(reply));
			/* ipi_addr is the header's destination; an interface index of 0 lets
			 * routing pick the way out. */
			reply.ipi_spec_dst = in.ipi_addr;
			out->cmsg_level = IPPROTO_IP;
			out->cmsg_type = IP_PKTINFO;
			out->cmsg_len = CMSG_LEN(sizeof(reply));
			memcpy(CMSG_DATA(out), &reply, sizeof(reply));
			return CMSG_SPACE(sizeof(reply));
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo in;
			memcpy(&in, CMSG_DATA(c), sizeof(in));
			/* Keep the interface: a link-local destination is only meaningful with
			 * its scope. */
			out->cmsg_level = IPPROTO_IPV6;
			out->cmsg_type = IPV6_PKTINFO;
			out->cmsg_len = CMSG_LEN(sizeof(in));
			memcpy(CMSG_DATA(out), &in, sizeof(in));
			return CMSG_SPACE(sizeof(in));
		}
	}
	return 0;
}

/* Sends tx[0..n). A full socket buffer (EAGAIN, ENOBUFS) drops the rest of the batch
 * rather than blocking the worker: the clients will retry, as they do after any UDP loss.
 * A datagram the kernel refuses on its own (an unreachable destination, say) is skipped. */
static void send_batch(int fd, struct mmsghdr *tx, unsigned n)
{
	unsigned off = 0;
	while (off < n) {
		int r = sendmmsg(fd, tx + off, n - off, MSG_DONTWAIT);
		if (r > 0) {
			off += (unsigned)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			return;
		off++;
	}
}

/* Answers the n datagrams recvmmsg returned and sends the replies. */
static void answer_batch(struct udp_sock *us, unsigned n)
{
	struct udp_batch *b = us->batch;
	/* One snapshot for the whole batch; it stays valid while the thread is online. */
	const struct snapshot *snap = snapshot_current();
	/* One clock reading per batch for cookies and rate limiting. */
	if (snap && (snap->rrl || snap->cookie_secret))
		answer_ctx_tick(us->actx);
	if (GS_UNLIKELY(us->tap != NULL))
		dnstap_tick(us->tap); /* and one for the dnstap messages' response time */
	unsigned n_tx = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct msghdr *rx = &b->rx[i].msg_hdr;
		if (rx->msg_flags & MSG_TRUNC)
			continue;
		size_t len = answer_packet(snap, us->actx, b->query[i], b->rx[i].msg_len,
		                           (const struct sockaddr *)&b->src[i], false, b->resp[i],
		                           ANSWER_UDP_MAX);
		if (len == 0) {
			if (GS_UNLIKELY(us->tap != NULL))
				dnstap_skip(us->tap);
			continue;
		}
		if (GS_UNLIKELY(us->tap != NULL))
			dnstap_log(us->tap, b->query[i], b->rx[i].msg_len, b->resp[i], len,
			           (const struct sockaddr *)&b->src[i], false);
		/* msg_iov and msg_iovlen were set once by udp_batch_new; msg_flags is
		 * ignored by sendmmsg and msg_len is its output. */
		struct msghdr *t = &b->tx[n_tx].msg_hdr;
		b->tx_iov[n_tx].iov_base = b->resp[i];
		b->tx_iov[n_tx].iov_len = len;
		t->msg_name = &b->src[i];
		t->msg_namelen = rx->msg_namelen;
		t->msg_control = NULL;
		t->msg_controllen = 0;
		if (us->use_pktinfo) {
			size_t ctl_len = pktinfo_reply(rx, &b->tx_ctl[n_tx]);
			if (ctl_len) {
				t->msg_control = b->tx_ctl[n_tx].buf;
				t->msg_controllen = ctl_len;
			}
		}
		n_tx++;
	}
	if (n_tx)
		send_batch(us->fd, b->tx, n_tx);
}

static void *udp_main(void *arg)
{
	struct udp_sock *us = arg;
	struct udp_batch *b = us->batch;
	rcu_register_thread();
	/* Offline whenever the thread waits: a reader that blocks in recvmmsg holds no
	 * snapshot, and synchronize_rcu does not wait for it. Going offline before each
	 * wait is also the quiescent state that lets the previous snapshot go. */
	rcu_thread_offline();
	for (;;) {
		rx_reset(b, us->use_pktinfo);
		/* Blocks until one datagram is queued, then takes what else is (up to
		 * UDP_BATCH) without waiting for more. */
		int n = recvmmsg(us->fd, b->rx, UDP_BATCH, MSG_WAITFORONE, NULL);
		__atomic_add_fetch(&us->beats, 1, __ATOMIC_RELAXED);
		b->rx_dirty = n < (int)UDP_BATCH ? (unsigned)(n > 0 ? n : 0) + 1u : UDP_BATCH;
		if (atomic_load_explicit(&us->stopping, memory_order_acquire))
			break;
		if (n < 0) {
			/* Only a bug can make these persist: do not spin on them. */
			if (errno == EBADF || errno == ENOTSOCK || errno == EFAULT ||
			    errno == EINVAL) {
				log_err("worker %u: recvmmsg: %s", us->worker_id, strerror(errno));
				abort();
			}
			continue; /* EAGAIN (the heartbeat's timeout), EINTR, ENOMEM: again */
		}
		if (n == 0)
			continue;
		rcu_thread_online();
		answer_batch(us, (unsigned)n);
		rcu_thread_offline(); /* no snapshot pointer is held past this point */
	}
	rcu_thread_online();
	rcu_unregister_thread();
	return NULL;
}

void udp_sock_init(struct udp_sock *us, unsigned worker_id, int fd, bool use_pktinfo)
{
	us->fd = fd;
	us->use_pktinfo = use_pktinfo;
	us->is_running = false;
	us->worker_id = worker_id;
	us->tap = NULL;
	atomic_init(&us->stopping, false);
	us->actx = answer_ctx_new();
	us->batch = udp_batch_new();
	/* The listen set opens every socket nonblocking; this thread waits in recvmmsg
	 * instead (the replies are still sent with MSG_DONTWAIT). */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
}

int udp_sock_start(struct udp_sock *us)
{
	int rc = pthread_create(&us->thread, NULL, udp_main, us);
	if (rc != 0) {
		errno = rc;
		return GS_EIO;
	}
	us->is_running = true;
	return GS_OK;
}

void udp_sock_heartbeat(struct udp_sock *us, double interval)
{
	struct timeval tv = {.tv_sec = (time_t)interval,
	                     .tv_usec = (suseconds_t)((interval - (double)(time_t)interval) * 1e6)};
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1000;
	if (setsockopt(us->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
		log_warn("worker %u: SO_RCVTIMEO: %s: an idle UDP thread counts no heartbeat",
		         us->worker_id, strerror(errno));
}

void udp_sock_stop(struct udp_sock *us)
{
	atomic_store_explicit(&us->stopping, true, memory_order_release);
	/* On Linux this wakes a thread blocked in recvmmsg on the socket (the call returns
	 * at once, as at end of file, from then on), even though it fails with ENOTCONN
	 * on an unconnected socket. */
	(void)shutdown(us->fd, SHUT_RD);
}

void udp_sock_join(struct udp_sock *us)
{
	if (!us->is_running)
		return;
	pthread_join(us->thread, NULL);
	us->is_running = false;
}

void udp_sock_free(struct udp_sock *us)
{
	dnstap_thread_free(us->tap);
	us->tap = NULL;
	udp_batch_free(us->batch);
	us->batch = NULL;
	answer_ctx_free(us->actx);
	us->actx = NULL;
}
