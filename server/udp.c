/* SPDX-License-Identifier: MIT
 * udp.c -- the UDP half of a worker: batches of queries in with recvmmsg, answers
 * written by answer_packet into preallocated buffers, replies out with sendmmsg. On
 * sockets bound to a wildcard address each reply carries the query's destination address
 * as its source (IP_PKTINFO / IPV6_PKTINFO), so a multi-homed host answers from the
 * address the client asked. Worker threads; nothing here allocates or blocks. */
#include <config.h> /* first: _GNU_SOURCE for recvmmsg, accept4, in6_pktinfo */

#include "server/udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <urcu-qsbr.h>

#include "server/query/answer.h"
#include "server/base/xalloc.h"
#include "server/query/snapshot.h"
#include "server/worker.h"

/* Largest query we take. Real queries are a few hundred bytes at most (a question, an OPT
 * record with ECS and a cookie); anything longer arrives with MSG_TRUNC and is dropped. */
#define UDP_QUERY_CAP 4096
/* Batches handled per readiness event before yielding to the socket's other watchers
 * (the TCP side and the other listen addresses of this worker). */
#define UDP_ROUNDS 8

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

struct udp_batch *udp_batch_new(void)
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

void udp_batch_free(struct udp_batch *b)
{
	free(b);
}

/* Re-arms the receive headers that recvmmsg overwrote in the previous round: those of
 * the datagrams it returned and the one after (the batch is shared by the worker's
 * sockets, so all of them when the socket's packet-info setting differs). */
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

/* Handles one batch: returns how many datagrams recvmmsg returned (0 when none was
 * waiting or on error). */
static int handle_batch(struct udp_sock *us)
{
	struct worker *w = us->w;
	struct udp_batch *b = w->batch;
	rx_reset(b, us->use_pktinfo);
	int n;
	do {
		n = recvmmsg(us->fd, b->rx, UDP_BATCH, MSG_DONTWAIT, NULL);
	} while (n < 0 && errno == EINTR);
	b->rx_dirty = n < (int)UDP_BATCH ? (unsigned)(n > 0 ? n : 0) + 1u : UDP_BATCH;
	if (n <= 0)
		return 0;

	/* One snapshot for the whole batch; it stays valid until rcu_quiescent_state. */
	const struct snapshot *snap = snapshot_current();
	/* One clock reading per batch for cookies and rate limiting. */
	if (snap && (snap->rrl || snap->cookie_secret))
		answer_ctx_tick(w->actx);
	unsigned n_tx = 0;
	for (int i = 0; i < n; i++) {
		const struct msghdr *rx = &b->rx[i].msg_hdr;
		if (rx->msg_flags & MSG_TRUNC)
			continue;
		size_t len = answer_packet(snap, w->actx, b->query[i], b->rx[i].msg_len,
		                           (const struct sockaddr *)&b->src[i], false, b->resp[i],
		                           ANSWER_UDP_MAX);
		if (len == 0)
			continue;
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
	rcu_quiescent_state(); /* snap is not used past this point */
	return n;
}

static void on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
	struct udp_sock *us = io->data;
	/* A full batch suggests more are waiting: take a few more rounds, then let the
	 * loop serve this worker's other sockets. */
	for (int round = 0; round < UDP_ROUNDS; round++)
		if (handle_batch(us) < UDP_BATCH)
			break;
}

void udp_sock_start(struct udp_sock *us, struct worker *w, int fd, bool use_pktinfo)
{
	us->fd = fd;
	us->use_pktinfo = use_pktinfo;
	us->w = w;
	ev_io_init(&us->io, on_readable, fd, EV_READ);
	us->io.data = us;
	ev_io_start(w->loop, &us->io);
}

void udp_sock_stop(struct udp_sock *us)
{
	if (us->w)
		ev_io_stop(us->w->loop, &us->io);
}
