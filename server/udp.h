/* SPDX-License-Identifier: MIT
 * udp.h -- DNS over UDP: one thread per UDP socket that blocks in recvmmsg, answers the
 * batch of queries it returns into preallocated buffers and sends the replies with
 * sendmmsg from the address each query was sent to. The thread is a liburcu-qsbr reader
 * that is offline while it waits in recvmmsg, so a snapshot swap never waits for it.
 * No allocation and no locks after udp_sock_init. */
#ifndef GS_UDP_H
#define GS_UDP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/base/compiler.h"

struct answer_ctx;
struct dnstap_thread;
struct udp_batch;

/* Queries taken per recvmmsg call. 32 amortises the system call and the snapshot and
 * RCU bookkeeping over many queries while keeping the buffers (about 170 KiB per worker)
 * in cache; more gives little (gdnsd and NSD use 16 to 32). */
#define UDP_BATCH 32

struct udp_sock {
	int fd; /* borrowed from the listen set */
	bool use_pktinfo;
	bool is_running;      /* thread created and not yet joined */
	atomic_bool stopping; /* set by udp_sock_stop before it wakes the thread */
	unsigned worker_id;   /* for messages */
	pthread_t thread;
	struct answer_ctx *actx;   /* owned: this thread's scratch space and counters */
	struct udp_batch *batch;   /* owned: recvmmsg/sendmmsg vectors and buffers */
	struct dnstap_thread *tap; /* owned; NULL unless dnstap is on */
	uint64_t beats; /* recvmmsg returns (relaxed atomics): the watchdog's heartbeat */
};

/* Sets us up on fd (borrowed; switched to blocking mode) and allocates its answer
 * context and batch buffers. Main thread. */
void udp_sock_init(struct udp_sock *us, unsigned worker_id, int fd, bool use_pktinfo) GS_NONNULL;
/* Starts the thread. Returns GS_OK or GS_EIO (errno set). Main thread. */
int udp_sock_start(struct udp_sock *us) GS_NONNULL GS_WUR;
/* Under a service watchdog: a blocked recvmmsg returns after interval seconds at the
 * latest (SO_RCVTIMEO), so that an idle thread counts heartbeats too. Before
 * udp_sock_start. */
void udp_sock_heartbeat(struct udp_sock *us, double interval) GS_NONNULL;
/* How many times the thread's recvmmsg returned (any thread). */
static inline uint64_t udp_sock_beats(const struct udp_sock *us)
{
	return __atomic_load_n(&us->beats, __ATOMIC_RELAXED);
}
/* Asks the thread to leave: sets the flag and wakes a blocked recvmmsg by shutting down
 * the socket's receive side (the socket receives nothing more: only when stopping for
 * good). Queries still queued on it are dropped, as any UDP loss. Main thread. */
void udp_sock_stop(struct udp_sock *us) GS_NONNULL;
/* Waits for the thread to finish; no-op if it never started. Main thread. */
void udp_sock_join(struct udp_sock *us) GS_NONNULL;
/* Frees the context and the buffers; the socket stays open. After udp_sock_join. */
void udp_sock_free(struct udp_sock *us) GS_NONNULL;

#endif
