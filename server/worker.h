/* SPDX-License-Identifier: MIT
 * worker.h -- one worker: its own SO_REUSEPORT UDP and TCP sockets (borrowed from the
 * listen set), served by one UDP thread per UDP socket (udp.h: blocks in recvmmsg) and
 * one TCP thread running a libev loop over the TCP listeners and connections, with a
 * connection pool and its own answer context. Every thread is a liburcu-qsbr reader,
 * offline while it waits, with a quiescent state after every batch it answers. Under
 * a service watchdog every thread counts heartbeats (the TCP loop on a timer, a UDP
 * thread each time recvmmsg returns, at the latest after the beat interval), which the
 * main thread reads to tell a live worker from a stuck one.
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
struct dnstap;
struct dnstap_thread;
struct udp_batch;
struct udp_sock;
struct tcp_shared;
struct tcp_worker;

struct worker {
	unsigned id;
	pthread_t thread; /* the TCP thread */
	bool is_running;  /* TCP thread created and not yet joined */
	struct ev_loop *loop;
	ev_async stop;           /* main thread -> TCP thread: leave the loop */
	ev_prepare rcu_sleep;    /* go offline before the loop blocks */
	ev_check rcu_wake;       /* come back online after it wakes (EV_MAXPRI: first) */
	ev_timer heartbeat;      /* bumps beats while the loop runs (only under a watchdog) */
	uint64_t beats;          /* written by the TCP thread, read by the main thread */
	struct answer_ctx *actx; /* the TCP thread's */
	struct udp_sock *udp;    /* owned; one per listen address, each with its thread */
	size_t n_udp;
	struct tcp_worker *tcp;    /* owned; listeners and connections */
	struct dnstap_thread *tap; /* the TCP thread's; owned, NULL unless dnstap is on */
};

/* Sets up worker id on the sockets ls gives it: allocates every buffer, creates the loop
 * and starts the watchers (they run once the thread does). shared holds the process-wide
 * TCP limits and counters (borrowed until worker_free). Never NULL. */
struct worker *worker_new(unsigned id, const struct listen_set *ls,
                          struct tcp_shared *shared) GS_NONNULL GS_WUR;
/* How many answer contexts (one per thread) the worker has: 1 + its UDP sockets. */
size_t worker_n_ctx(const struct worker *w) GS_NONNULL;
/* Stores the worker's answer contexts (worker_n_ctx of them) into out, TCP first, for
 * the counters; they stay valid until worker_free. */
void worker_get_ctx(const struct worker *w, struct answer_ctx **out) GS_NONNULL;
/* Gives every thread of the worker its dnstap state, numbered from first in
 * worker_get_ctx order. Before worker_start. */
void worker_dnstap(struct worker *w, struct dnstap *d, unsigned first) GS_NONNULL;
/* Makes every thread of the worker count a heartbeat at least every interval seconds
 * (> 0), idle or busy: a thread stuck in a callback stops counting. Before
 * worker_start. */
void worker_heartbeat_start(struct worker *w, double interval) GS_NONNULL;
/* The heartbeats of the worker's least advanced thread (any thread). */
uint64_t worker_beats(const struct worker *w) GS_NONNULL;
/* Starts the threads. Returns GS_OK, or GS_EIO (errno set) with none left running. */
int worker_start(struct worker *w) GS_NONNULL GS_WUR;
/* Asks the threads to leave: UDP at once, TCP after closing its connections gracefully
 * (async-signal-safe is not needed: main thread). */
void worker_stop(struct worker *w) GS_NONNULL;
/* Waits for the threads to finish; no-op for those that never started. */
void worker_join(struct worker *w) GS_NONNULL;
/* Closes the worker's TCP connections and frees everything; accepts NULL. The listening
 * sockets stay open (they belong to the listen set). Only after worker_join. */
void worker_free(struct worker *w);

#endif
