/* SPDX-License-Identifier: MIT
 * udp.h -- DNS over UDP on a worker: recvmmsg a batch of queries, answer each into a
 * preallocated buffer, sendmmsg the replies from the address each query was sent to.
 * Worker threads; no allocation, no locks after udp_batch_new. */
#ifndef GS_UDP_H
#define GS_UDP_H

#include <ev.h>
#include <stdbool.h>

#include "server/base/compiler.h"

struct worker;

/* Queries taken per recvmmsg call. 32 amortises the system call and the snapshot and
 * RCU bookkeeping over many queries while keeping the buffers (about 170 KiB per worker)
 * in cache; more gives little (gdnsd and NSD use 16 to 32). */
#define UDP_BATCH 32

struct udp_sock {
	ev_io io;
	int fd; /* borrowed from the listen set */
	bool use_pktinfo;
	struct worker *w;
};

struct udp_batch;

/* Allocates the receive and send vectors and buffers for one worker. Never NULL. */
struct udp_batch *udp_batch_new(void) GS_WUR;
void udp_batch_free(struct udp_batch *b);

/* Initialises us on fd and starts watching it on w's loop. */
void udp_sock_start(struct udp_sock *us, struct worker *w, int fd, bool use_pktinfo) GS_NONNULL;
void udp_sock_stop(struct udp_sock *us) GS_NONNULL;

#endif
