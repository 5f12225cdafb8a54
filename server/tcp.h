/* SPDX-License-Identifier: MIT
 * tcp.h -- DNS over TCP on a worker (RFC 7766): accepting connections under a global and
 * a per-client cap, 2-byte length framing, pipelined queries answered in order, an idle
 * timeout, a per-connection query limit, and nonblocking writes with back-pressure.
 *
 * Policy (documented for operators in geosteerd --help and docs):
 * - Caps: tcp.max_connections counts every open connection of the process (one atomic
 *   counter shared by the workers); tcp.max_per_client counts connections per client IP
 *   address in a table of atomic counters indexed by a keyed hash of the address (two
 *   clients that share a slot share their allowance: the cap can be stricter than
 *   configured, never looser). A connection over either cap is accepted and reset at once
 *   (SO_LINGER 0), so the client learns immediately instead of waiting in the backlog,
 *   and no TIME_WAIT state is left behind.
 * - Idle timeout: a connection with no bytes read and no bytes written for
 *   tcp.idle_timeout is closed (RFC 7766 section 6.2.3), whether it waits for a query or
 *   for the client to read its answers.
 * - tcp.max_queries: after that many queries, the connection answers nothing more, sends
 *   the answers it owes, then closes gracefully: FIN first, then whatever the client
 *   still sends is discarded until its own FIN or the idle timeout (an immediate close
 *   with unread queries would send a reset that can destroy answers in flight). Queries
 *   pipelined past the limit are not answered; RFC 7766 section 6.2.1 clients resend
 *   them on a new connection.
 * - Back-pressure: while answers are waiting to be written, the connection reads no new
 *   queries (a client that does not read stops being served, not the worker).
 * - A message longer than TCP_QUERY_MAX is not a query we can answer: the connection
 *   answers the queries before it and closes the same graceful way.
 * Worker threads; memory comes from a per-worker pool set up by tcp_worker_new. */
#ifndef GS_TCP_H
#define GS_TCP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/config/config.h"

struct worker;

/* Slots in the per-client connection table (a power of two). 16384 counters keep the
 * chance that two busy clients share one small while costing 64 KiB per process. */
#define TCP_CLIENT_SLOTS 16384u
/* Longest query message we buffer. Real queries are a few hundred bytes; 16 KiB also
 * leaves room for several pipelined ones per read. */
#define TCP_QUERY_MAX 16382u

/* Limits and counters shared by every worker. Written once by tcp_shared_init on the
 * main thread before the workers start; the counters are atomics. */
struct tcp_shared {
	struct cfg_tcp limits;
	unsigned pool_per_worker; /* connections preallocated per worker */
	uint64_t key[2];          /* random key of the per-client hash */
	atomic_uint n_conns;
	atomic_uint per_client[TCP_CLIENT_SLOTS];
};

struct tcp_worker;

/* Copies the limits, draws the hash key, and sizes the per-worker pools for n_workers. */
void tcp_shared_init(struct tcp_shared *sh, const struct cfg_tcp *limits,
                     unsigned n_workers) GS_NONNULL;

/* Sets up TCP on worker w: starts watching the n listening sockets fds (borrowed) on
 * w's loop and preallocates the connection pool. Never NULL. Main thread, before the
 * worker's thread starts. */
struct tcp_worker *tcp_worker_new(struct worker *w, struct tcp_shared *sh, const int *fds,
                                  size_t n) GS_NONNULL GS_WUR;
/* Closes every connection of the worker, stops its watchers and frees it; accepts NULL.
 * After the worker's thread has finished. */
void tcp_worker_free(struct tcp_worker *tw);

#endif
