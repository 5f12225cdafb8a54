/* SPDX-License-Identifier: MIT
 * rrl.h -- response rate limiting for UDP (the rate_limit section): a token bucket per
 * (client network, kind of response, name) key, in a fixed-size table that each worker
 * owns. A response over its key's rate is dropped, or every slip-th one goes out
 * truncated so that a real client behind a spoofed-upon address can retry over TCP.
 *
 * One table per worker, no locks: a client's datagrams reach the same worker as long as
 * the kernel's SO_REUSEPORT hash of its 4-tuple picks the same socket, which holds for
 * one client address and port. A flood from many source ports of one network spreads
 * over the workers, so the effective limit is up to rate x workers; that is the price of
 * a lock-free hot path, and still bounds the amplification.
 *
 * The table is allocated once per worker (rrl_table_new) and never grows: a key not in
 * its set of RRL_WAYS slots replaces the stalest one. An entry idle for a second has a
 * full bucket anyway, so replacing it loses nothing; under a flood of more keys than
 * slots, active entries get replaced too and their clients start again with a full
 * bucket (the limit loosens, it never wrongly drops). Worker threads, except
 * rrl_table_new/free (worker set-up). */
#ifndef GS_RRL_H
#define GS_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "server/base/compiler.h"
#include "server/base/netaddr.h"

/* Sets of RRL_WAYS entries (one 64-byte cache line per set): 16384 keys per worker,
 * 256 KiB, touched only once rate limiting is configured. */
#define RRL_SETS 4096u
#define RRL_WAYS 4u

/* The settings a snapshot carries (copied from struct cfg_rate_limit). */
struct rrl_config {
	uint32_t rate; /* responses per second per key; also the burst */
	uint32_t slip; /* every slip-th limited response is truncated; 0 = none */
	uint8_t ipv4_prefix, ipv6_prefix;
	const struct netprefix *exempt; /* never limited */
	size_t n_exempt;
};

/* What a response is accounted as, after BIND's RRL: answers per name and type, names
 * that do not exist per zone (so a random-subdomain flood shares one bucket), errors
 * per client network alone. */
enum rrl_kind { RRL_KIND_ANSWER, RRL_KIND_NXDOMAIN, RRL_KIND_ERROR };

enum rrl_action {
	RRL_SEND, /* within the rate, or exempt */
	RRL_DROP, /* limited: send nothing */
	RRL_SLIP, /* limited: send a truncated response (TC=1, no records) */
};

struct rrl_table;

/* A zeroed table (its pages cost nothing until used) with a random hash seed. */
struct rrl_table *rrl_table_new(void) GS_WUR;
void rrl_table_free(struct rrl_table *t);

/* A hash of a name (lowercase wire form, len bytes) and a type, for the name part of a
 * key. Unkeyed; rrl_account mixes it with the table's seed. */
uint64_t rrl_name_hash(const uint8_t *name, size_t len, uint16_t qtype) GS_NONNULL GS_HOT;

/* True when src lies in one of c's exempt networks. */
bool rrl_is_exempt(const struct rrl_config *c, const struct sockaddr *src) GS_NONNULL;

/* Accounts one response of the given kind and name hash to src's network at time
 * now_ms (any monotonic milliseconds; only differences are used) and says what to do
 * with it. */
enum rrl_action rrl_account(struct rrl_table *t, const struct rrl_config *c,
                            const struct sockaddr *src, enum rrl_kind kind, uint64_t name_hash,
                            uint64_t now_ms) GS_NONNULL GS_HOT;

#endif
