/* SPDX-License-Identifier: MIT
 * worker.h -- one worker thread: its own libev loop, its own SO_REUSEPORT UDP and TCP
 * sockets (borrowed from the listen set), preallocated UDP batch buffers, a TCP
 * connection pool and an answer context. The thread is a liburcu-qsbr reader: online
 * while it handles events, offline while it sleeps in the loop, with a quiescent state
 * after every batch. Under a service watchdog, a timer on the loop counts heartbeats that
 * the main thread reads to tell a live worker from a stuck one.
 * worker_new/heartbeat/start/stop/join/free run on the main thread. */
#ifndef GS_WORKER_H
#define GS_WORKER_H

#include <ev.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/listen.h"

struct answer_ctx;
struct udp_batch;
struct udp_sock;
struct tcp_shared;
struct tcp_worker;

struct worker {
	unsigned id;
	pthread_t thread;
	bool is_running; /* thread created and not yet joined */
	struct ev_loop *loop;
	ev_async stop;        /* main thread -> worker: leave the loop */
	ev_prepare rcu_sleep; /* go offline before the loop blocks */
	ev_check rcu_wake;    /* come back online after it wakes (EV_MAXPRI: first) */
	ev_timer heartbeat;   /* bumps beats while the loop runs (only under a watchdog) */
	uint64_t beats;       /* written by the worker, read by the main thread (atomics) */
	struct answer_ctx *actx;
	struct udp_sock *udp; /* owned; one per listen address */
	size_t n_udp;
	struct udp_batch *batch; /* owned; recvmmsg/sendmmsg vectors and buffers */
	struct tcp_worker *tcp;  /* owned; listeners and connections */
};

/* Sets up worker id on the sockets ls gives it: allocates every buffer, creates the loop
 * and starts the watchers (they run once the thread does). shared holds the process-wide
 * TCP limits and counters (borrowed until worker_free). Never NULL. */
struct worker *worker_new(unsigned id, const struct listen_set *ls,
                          struct tcp_shared *shared) GS_NONNULL GS_WUR;
/* Makes the worker's loop count a heartbeat every interval seconds (> 0), idle or busy:
 * a loop stuck in a callback stops counting. Before worker_start. */
void worker_heartbeat_start(struct worker *w, double interval) GS_NONNULL;
/* The heartbeats counted so far (any thread). */
uint64_t worker_beats(const struct worker *w) GS_NONNULL;
/* Starts the thread. Returns GS_OK or GS_EIO (errno set). */
int worker_start(struct worker *w) GS_NONNULL GS_WUR;
/* Asks the thread to leave its loop (async-signal-safe is not needed: main thread). */
void worker_stop(struct worker *w) GS_NONNULL;
/* Waits for the thread to finish; no-op if it never started. */
void worker_join(struct worker *w) GS_NONNULL;
/* Closes the worker's TCP connections and frees everything; accepts NULL. The listening
 * sockets stay open (they belong to the listen set). Only after worker_join. */
void worker_free(struct worker *w);

#endif
