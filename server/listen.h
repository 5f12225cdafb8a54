/* SPDX-License-Identifier: MIT
 * listen.h -- the daemon's listening sockets: for every configured address, one UDP and
 * one TCP socket per worker, all bound with SO_REUSEPORT so that the kernel spreads
 * queries and connections over the workers. Opened on the main thread before privileges
 * are dropped; workers borrow the descriptors; closed after the workers have stopped. */
#ifndef GS_LISTEN_H
#define GS_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "server/base/compiler.h"
#include "server/config/config.h"

struct listen_addr {
	struct sockaddr_storage ss; /* with the port actually bound (port 0 resolved) */
	socklen_t ss_len;
	/* Bound to 0.0.0.0 or [::]: UDP sockets receive the destination address of each
	 * query (IP_PKTINFO / IPV6_RECVPKTINFO) so that replies leave from it. */
	bool is_wildcard;
};

struct listen_set {
	struct listen_addr *addrs; /* owned; n_addrs entries */
	size_t n_addrs;
	unsigned n_workers;
	/* Descriptors, worker-major: [worker * n_addrs + addr]; -1 once closed. Owned. */
	int *udp_fds;
	int *tcp_fds;
};

/* Opens n_workers UDP and TCP sockets on each of the n addresses (nonblocking,
 * close-on-exec, IPV6_V6ONLY on IPv6). Before that, each address is probed without
 * SO_REUSEPORT, so that an address another process (a second geosteerd, say) already
 * serves is reported as in use instead of silently shared. Errors are logged with the
 * config line of the address. Returns GS_OK, or GS_EIO with nothing left open. */
int listen_open(struct listen_set *ls, const struct cfg_listen *addrs, size_t n,
                unsigned n_workers) GS_NONNULL GS_WUR;
/* Closes every descriptor and frees the set; accepts a zeroed set. */
void listen_close(struct listen_set *ls) GS_NONNULL;
/* Formats every address as "127.0.0.1:5353 [::1]:5353" into out (truncated to cap). */
void listen_describe(const struct listen_set *ls, char *out, size_t cap) GS_NONNULL;

#endif
