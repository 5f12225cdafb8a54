/* SPDX-License-Identifier: MIT
 * metrics.h -- the `metrics:` endpoint: Prometheus text exposition (format 0.0.4) on
 * GET /metrics, served by its own thread and libev loop, never by a worker. A minimal
 * HTTP/1.0 and 1.1 request reader made for this one use: bounded request size, a read
 * and a write timeout, a cap on connections at once, one request per connection (the
 * connection is closed after the response). The metrics and their meaning are listed
 * in docs/metrics.md.
 *
 * What is read, and how: the workers' answer counters summed with relaxed atomic loads
 * (answer_stats_sum), the TCP connection count (an atomic the TCP engine keeps), the
 * reload counters (reload_counters, atomics: a scrape never waits for a reload), the
 * health list (health_list, under the health mutex, never held for long), and the
 * published snapshot inside an RCU read-side section (this thread is registered with
 * liburcu-qsbr and stays offline between scrapes, so it never delays a publication).
 *
 * Threads: metrics_new, metrics_start, metrics_stop and metrics_free on the main
 * thread; the endpoint on its own thread. Daemon order (server/daemon.c): metrics_new
 * before dropping privileges (binds), metrics_start once the workers run,
 * metrics_stop before the workers are freed, metrics_free at exit. */
#ifndef GS_METRICS_H
#define GS_METRICS_H

#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>

#include "server/base/compiler.h"

struct metrics;
struct reload;
struct health;
struct fleet;
struct answer_ctx;

/* Limits of the HTTP reader (docs/metrics.md). */
#define METRICS_REQUEST_MAX   4096 /* request line and headers, bytes */
#define METRICS_IO_TIMEOUT_MS 5000 /* to send the request, and again to read the response */
#define METRICS_CONN_MAX      16   /* connections at once; more are closed at once */

/* Binds and listens on addr (TCP, SO_REUSEADDR). Returns GS_OK and sets *out, or
 * GS_EIO (logged: the address is in use, say). Main thread. */
int metrics_new(const struct sockaddr_storage *addr, socklen_t len,
                struct metrics **out) GS_NONNULL GS_WUR;

/* What the endpoint reads; every pointer is borrowed until metrics_stop. */
struct metrics_source {
	struct answer_ctx *const *actx; /* the workers' answer contexts, for their counters */
	unsigned n_ctx;                 /* how many: one per worker thread */
	unsigned n_workers;
	const atomic_uint *tcp_conns; /* DNS TCP connections open now; may be NULL */
	const struct reload *reload;  /* reload counters */
	time_t started;               /* wall clock of the daemon's start */
	struct health *health;
	struct fleet *fleet; /* NULL without fleet: */
};

/* Starts the endpoint's thread. Returns GS_OK or GS_EIO (logged). Main thread. */
int metrics_start(struct metrics *m, const struct metrics_source *src) GS_NONNULL GS_WUR;

/* Stops and joins the thread (no-op when it does not run). Main thread. */
void metrics_stop(struct metrics *m) GS_NONNULL;

/* Closes the socket and frees m; accepts NULL. Main thread. */
void metrics_free(struct metrics *m);

/* Writes the exposition text into a heap buffer (*out, *len; free() it). Used by the
 * endpoint; exposed for tests. The calling thread must be registered with liburcu-qsbr
 * and offline (metrics_render goes online for the snapshot and offline again). */
int metrics_render(const struct metrics_source *src, char **out, size_t *len) GS_NONNULL GS_WUR;

#endif
