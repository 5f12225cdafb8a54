/* SPDX-License-Identifier: MIT
 * tcp.h -- DNS over TCP on a worker (RFC 7766): accepting connections under a global and
 * a per-client cap, 2-byte length framing, pipelined queries answered in order, deadlines
 * (idle, one message, a connection's whole life), an optional per-connection query limit,
 * nonblocking writes with back-pressure, and a graceful close.
 *
 * Policy (documented for operators in geosteerd --help and docs):
 * - Caps: tcp.max_connections counts every open connection of the process (one atomic
 *   counter shared by the workers); tcp.max_per_client counts connections per client IP
 *   address in a table of atomic counters indexed by a keyed hash of the address (two
 *   clients that share a slot share their allowance: the cap can be stricter than
 *   configured, never looser).
 * - A full cap makes room: the worker that accepts the new connection closes one of its
 *   connections (from the same address when the per-client cap is full): one owing
 *   answers its client has not read for a second (the longest stalled first), else the
 *   one that has waited longest since its last complete query among those owing none.
 *   So connections that only trickle bytes, sit idle or stop reading cannot lock out new
 *   clients. Only when no connection can give way is the new one accepted and reset at
 *   once (SO_LINGER 0), so the client learns immediately. The choice costs the same
 *   with any number of connections (tcp_room.c).
 * - Deadlines: tcp.idle_timeout without a byte read or written; tcp.message_timeout from
 *   the first byte of a query to its last (counted while the server reads, not while the
 *   client keeps it waiting by not reading answers); tcp.max_lifetime for the whole
 *   connection. One timer per connection, set to the earliest deadline and moved only
 *   when a message starts or the connection starts closing, never per byte.
 * - Closing on our side (a deadline, tcp.max_queries, making room, shutdown): the server
 *   reads what the kernel has already received on the connection, answers every complete
 *   query in it, sends the answers it owes, then FIN (shutdown SHUT_WR), and discards what
 *   arrives afterwards until the client's FIN or TCP_CLOSE_GRACE_S (RFC 7766 sections
 *   6.2.3 and 6.2.4). A query cut short by the close is not answered; RFC 7766 clients
 *   resend it on a new connection. Closing at once with unread bytes would make the kernel
 *   send a reset, which can destroy answers in flight.
 * - Back-pressure: while answers are waiting to be written, the connection reads no new
 *   queries (a client that does not read stops being served, not the worker).
 * - Messages up to 65535 bytes are read; one longer than TCP_IN_SMALL - 2 moves the
 *   connection to a larger buffer allocated for it (kept until it closes).
 * Worker threads; memory comes from a per-worker pool set up by tcp_worker_new. */
#ifndef GS_TCP_H
#define GS_TCP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/config/config.h"

struct worker;

/* Slots in the per-client connection table (a power of two). 16384 counters keep the
 * chance that two busy clients share one small while costing 64 KiB per process. */
#define TCP_CLIENT_SLOTS 16384u
/* Longest query message: what a 2-byte length can frame. */
#define TCP_QUERY_MAX 65535u
/* Input buffer inside each connection. Real queries are a few hundred bytes; 16 KiB
 * leaves room for several pipelined ones per read. A longer message gets a heap buffer. */
#define TCP_IN_SMALL 16384u
/* After the server decides to close a connection, how long it waits for the answers to
 * go out and for the client's FIN before it closes anyway. */
#define TCP_CLOSE_GRACE_S 2.0

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
/* Starts a graceful stop on the worker's thread: stops accepting and closes every
 * connection the graceful way (received queries answered, then FIN). Returns true when
 * connections remain: the module then leaves the worker's loop (ev_break) once the last
 * one is closed or after TCP_CLOSE_GRACE_S; false when there are none (the caller leaves
 * the loop itself). */
bool tcp_worker_stop(struct tcp_worker *tw) GS_NONNULL;
/* Closes every connection of the worker, stops its watchers and frees it; accepts NULL.
 * After the worker's thread has finished. */
void tcp_worker_free(struct tcp_worker *tw);

#endif
