/* SPDX-License-Identifier: MIT
 * answer.h -- the query path: one DNS message in, one response out, from the current
 * snapshot. Called by worker threads for UDP and TCP alike, and by tests in-process.
 * No allocation, no locks, no ldns; every buffer is the caller's or the context's. */
#ifndef GS_ANSWER_H
#define GS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/base/compiler.h"
#include "server/query/snapshot.h"
#include "server/query/steer.h"

/* EDNS payload size we advertise and the most we ever send over UDP: 1232 bytes fits
 * the IPv6 minimum MTU without fragmentation (DNS Flag Day 2020). */
#define ANSWER_UDP_MAX 1232u
/* Response buffer size callers must provide: the UDP maximum, or 65535 for TCP. */
#define ANSWER_TCP_MAX 65535u

/* Per-worker counters, single writer (the worker), read by others relaxed. */
struct answer_stats {
	uint64_t queries;
	uint64_t rcode[24]; /* responses by RCODE (extended RCODEs included, BADVERS = 16) */
	uint64_t dropped;   /* QR=1 or unparseable: no response */
	uint64_t truncated; /* TC=1 sent over UDP */
	uint64_t udp, tcp;
	uint64_t edns, ecs;
	/* Response rate limiting (server/query/rrl.h), UDP only: responses dropped, and sent
	 * truncated instead (slip; not counted in truncated above). */
	uint64_t rrl_dropped, rrl_slipped;
	/* Queries with a COOKIE option (RFC 7873) while cookies are on: client cookie
	 * only, with our valid server cookie, with a server cookie that is not valid. */
	uint64_t cookie_new, cookie_valid, cookie_invalid;
	/* Steered answers given while no datacenter of the client's list was up, by the
	 * service's all_down policy (enum cfg_all_down: open, servfail, nodata). */
	uint64_t all_down[3];
	/* dnstap (server/dnstap): messages dropped because the queue to the writer was
	 * full (counted by the worker); messages put in the queue (counted by the writer's
	 * thread when it takes them) and of those, written to the collector and discarded
	 * while none was connected (also the writer's). */
	uint64_t dnstap_sent, dnstap_full, dnstap_written, dnstap_lost;
};

/* The steering decision behind the last answer, for dnstap: filled by answer_packet
 * only on a context given one (answer_ctx_set_note); svc must be NULL before each query
 * (its user clears it once it has read it). The first steered name of an answer (a
 * CNAME chain may reach several). */
struct answer_note {
	const struct steer_service *svc; /* NULL: no steered answer */
	const struct steer_table *steer;
	uint64_t gen; /* the generation of the snapshot answering */
	struct steer_decision dec;
	uint8_t ty; /* enum steer_type */
};

struct answer_ctx; /* per-worker scratch space (compression table, rotation, stats) */

/* Allocates a context; once per worker at start-up. Never NULL. */
struct answer_ctx *answer_ctx_new(void) GS_WUR;
void answer_ctx_free(struct answer_ctx *ctx);
const struct answer_stats *answer_ctx_stats(const struct answer_ctx *ctx) GS_NONNULL;
/* Makes ctx use the round-robin position of `with` for steered answers, so that the
 * threads of one worker (its UDP threads and its TCP thread) rotate as one: queries
 * answered one after the other get consecutive positions whichever thread answers
 * them. Two threads answering at the same moment may take the same position (relaxed
 * loads and stores, no atomic increment): harmless for a rotation. Before the threads
 * start; `with` must outlive ctx. */
void answer_ctx_share_rotation(struct answer_ctx *ctx, struct answer_ctx *with) GS_NONNULL;
/* Makes answer_packet record its steering decisions into *note (NULL: never, the
 * default). Before the thread starts; note outlives ctx's use. */
void answer_ctx_set_note(struct answer_ctx *ctx, struct answer_note *note) GS_NONNULLX(1);
/* Counts one dnstap message of ctx's thread dropped (queue full). Only ctx's thread. */
void answer_ctx_count_dnstap_full(struct answer_ctx *ctx) GS_NONNULL;
/* Counts n messages the dnstap writer took from ctx's thread's queue (sent) and is done
 * with: written, or discarded (no collector). Only the writer's thread. */
void answer_ctx_count_dnstap_done(struct answer_ctx *ctx, bool written, uint64_t n) GS_NONNULL;
/* Sums the counters of ctx[0 .. n) into *sum with relaxed atomic loads, without stopping
 * the workers (a counter may be a few queries behind another). Used by `stats` and the
 * metrics endpoint. Any thread. */
void answer_stats_sum(struct answer_ctx *const *ctx, unsigned n, struct answer_stats *sum)
        GS_NONNULLX(3);
/* The mnemonic of RCODE r (RFC 1035 4.1.1, RFC 2136 2.2, RFC 6891 9), or NULL. */
const char *answer_rcode_name(unsigned r);

/* The clock cookies and rate limiting read: Unix seconds (server cookie timestamps,
 * RFC 9018) and monotonic milliseconds (token buckets). answer_ctx_tick reads both
 * clocks (coarse, vDSO: no system call); the UDP loop calls it once per batch, and
 * answer_packet itself for a TCP query with a cookie. answer_ctx_set_time sets them
 * for tests and benchmarks. */
void answer_ctx_tick(struct answer_ctx *ctx) GS_NONNULL;
void answer_ctx_set_time(struct answer_ctx *ctx, uint32_t unix_sec, uint64_t mono_ms) GS_NONNULL;

/* Answers the query in q[0..qlen) that came from src over UDP (tcp false) or TCP.
 * Writes the response into out (out_cap >= ANSWER_UDP_MAX for UDP, ANSWER_TCP_MAX for
 * TCP; over UDP the response is limited to the requestor's payload size, at least 512
 * and at most ANSWER_UDP_MAX, with TC set when the answer does not fit).
 * Returns the response length, or 0 when the message must be dropped (QR=1, too short
 * to carry a header, or over the rate limit over UDP). snap may be NULL only before the
 * first load (then REFUSED). */
size_t answer_packet(const struct snapshot *snap, struct answer_ctx *ctx, const uint8_t *q,
                     size_t qlen, const struct sockaddr *src, bool tcp, uint8_t *out,
                     size_t out_cap) GS_NONNULLX(2, 3, 5, 7) GS_HOT;

#endif
