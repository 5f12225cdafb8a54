/* SPDX-License-Identifier: MIT
 * listen.c -- creates and binds the listening sockets (UDP and TCP, IPv4 and IPv6, one
 * set per worker with SO_REUSEPORT). Main thread, before privileges are dropped. */
#include <config.h> /* first */

#include "server/listen.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/netaddr.h"
#include "server/base/xalloc.h"

/* Pending connections the kernel queues per TCP socket before we accept them; the kernel
 * caps this at net.core.somaxconn. Each worker has its own queue. */
#define LISTEN_BACKLOG 1024
/* Receive buffer we ask for on UDP sockets: room for bursts of a few thousand queries
 * while a worker is busy (the kernel caps it at net.core.rmem_max). */
#define LISTEN_UDP_RCVBUF (4 * 1024 * 1024)

static int set_int(int fd, int level, int opt, int value)
{
	return setsockopt(fd, level, opt, &value, sizeof(value));
}

static uint16_t addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static bool addr_is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	const struct in6_addr *a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	return IN6_IS_ADDR_UNSPECIFIED(a6);
}

/* Creates one socket of the given type bound to la. reuseport false makes the probe
 * socket used to detect an address that is already taken. Returns the descriptor or -1
 * with errno set and *what naming the step that failed. */
static int open_one(const struct listen_addr *la, int type, bool reuseport, const char **what)
{
	int family = la->ss.ss_family;
	*what = "socket";
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	*what = "setsockopt";
	/* RFC 3493 section 5.3: without V6ONLY a [::] socket would also take IPv4 traffic
	 * and collide with an explicit 0.0.0.0 listener. */
	if (family == AF_INET6 && set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) < 0)
		goto fail;
	/* TCP: restart without waiting for old connections in TIME_WAIT. */
	if (type == SOCK_STREAM && set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1) < 0)
		goto fail;
	if (reuseport && set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) < 0)
		goto fail;
	if (type == SOCK_DGRAM && reuseport) {
		/* Best effort: a smaller buffer only means earlier drops under load. */
		(void)set_int(fd, SOL_SOCKET, SO_RCVBUF, LISTEN_UDP_RCVBUF);
		if (la->is_wildcard && family == AF_INET &&
		    set_int(fd, IPPROTO_IP, IP_PKTINFO, 1) < 0)
			goto fail;
		if (la->is_wildcard && family == AF_INET6 &&
		    set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0)
			goto fail;
		/* Never set DF on answers and ignore path-MTU hints: a forged ICMP "fragmentation
		 * needed" must not shrink our replies (answers are capped at 1232 bytes anyway). */
		if (family == AF_INET)
			(void)set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_OMIT);
		else
			(void)set_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_OMIT);
	}
	*what = "bind";
	if (bind(fd, (const struct sockaddr *)&la->ss, la->ss_len) < 0)
		goto fail;
	if (type == SOCK_STREAM && reuseport) {
		*what = "listen";
		if (listen(fd, LISTEN_BACKLOG) < 0)
			goto fail;
	}
	return fd;
fail:;
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static void report(const struct cfg_listen *cl, const struct listen_addr *la, const char *proto,
                   const char *what)
{
	char text[NETADDR_TEXT_MAX];
	netaddr_format_sockaddr((const struct sockaddr *)&la->ss, text);
	const char *hint = errno == EADDRINUSE ? " (another server is using it)"
	                   : errno == EACCES
	                           ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
	                   : errno == EADDRNOTAVAIL ? " (no interface has this address)"
	                                            : "";
	int err = errno;
	char where[300] = "";
	if (cl->pos.file && cl->pos.line)
		snprintf(where, sizeof(where), "%s:%u: ", cl->pos.file, cl->pos.line);
	else if (cl->pos.file)
		snprintf(where, sizeof(where), "%s: ", cl->pos.file);
	log_err("%scannot listen on %s %s: %s: %s%s", where, proto, text, what, strerror(err),
	        hint);
}

/* Probes la for UDP and TCP without SO_REUSEPORT; resolves port 0 to the port the kernel
 * picked for UDP (the same number is then used for TCP). Returns GS_OK or GS_EIO. */
static int probe(const struct cfg_listen *cl, struct listen_addr *la)
{
	const char *what;
	int u = open_one(la, SOCK_DGRAM, false, &what);
	if (u < 0) {
		report(cl, la, "udp", what);
		return GS_EIO;
	}
	if (addr_port(&la->ss) == 0) {
		struct sockaddr_storage got;
		socklen_t got_len = sizeof(got);
		if (getsockname(u, (struct sockaddr *)&got, &got_len) == 0)
			addr_set_port(&la->ss, addr_port(&got));
	}
	int t = open_one(la, SOCK_STREAM, false, &what);
	if (t < 0) {
		report(cl, la, "tcp", what);
		close(u);
		return GS_EIO;
	}
	close(t);
	close(u);
	return GS_OK;
}

int listen_open(struct listen_set *ls, const struct cfg_listen *addrs, size_t n, unsigned n_workers)
{
	memset(ls, 0, sizeof(*ls));
	ls->n_addrs = n;
	ls->n_workers = n_workers;
	ls->addrs = xcalloc(n ? n : 1, sizeof(*ls->addrs));
	size_t n_fds = (size_t)n_workers * n;
	ls->udp_fds = xmalloc((n_fds ? n_fds : 1) * sizeof(int));
	ls->tcp_fds = xmalloc((n_fds ? n_fds : 1) * sizeof(int));
	for (size_t i = 0; i < n_fds; i++)
		ls->udp_fds[i] = ls->tcp_fds[i] = -1;

	for (size_t i = 0; i < n; i++) {
		struct listen_addr *la = &ls->addrs[i];
		memcpy(&la->ss, &addrs[i].ss, sizeof(la->ss));
		la->ss_len = addrs[i].ss_len;
		la->is_wildcard = addr_is_wildcard(&la->ss);
		if (probe(&addrs[i], la) != GS_OK)
			goto fail;
		for (unsigned w = 0; w < n_workers; w++) {
			const char *what;
			size_t k = (size_t)w * n + i;
			ls->udp_fds[k] = open_one(la, SOCK_DGRAM, true, &what);
			if (ls->udp_fds[k] < 0) {
				report(&addrs[i], la, "udp", what);
				goto fail;
			}
			ls->tcp_fds[k] = open_one(la, SOCK_STREAM, true, &what);
			if (ls->tcp_fds[k] < 0) {
				report(&addrs[i], la, "tcp", what);
				goto fail;
			}
		}
	}
	return GS_OK;
fail:
	listen_close(ls);
	return GS_EIO;
}

void listen_close(struct listen_set *ls)
{
	size_t n_fds = (size_t)ls->n_workers * ls->n_addrs;
	for (size_t i = 0; i < n_fds && ls->udp_fds; i++) {
		if (ls->udp_fds[i] >= 0)
			close(ls->udp_fds[i]);
		if (ls->tcp_fds[i] >= 0)
			close(ls->tcp_fds[i]);
	}
	free(ls->udp_fds);
	free(ls->tcp_fds);
	free(ls->addrs);
	memset(ls, 0, sizeof(*ls));
}

void listen_describe(const struct listen_set *ls, char *out, size_t cap)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ls->n_addrs && len < cap; i++) {
		char text[NETADDR_TEXT_MAX];
		netaddr_format_sockaddr((const struct sockaddr *)&ls->addrs[i].ss, text);
		int m = snprintf(out + len, cap - len, "%s%s", i ? " " : "", text);
		if (m < 0)
			break;
		len += (size_t)m;
	}
}
