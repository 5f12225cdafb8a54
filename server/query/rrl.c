/* SPDX-License-Identifier: MIT
 * rrl.c -- the per-worker response rate limiting table: keys from the client's network,
 * the kind of response and a name hash; token buckets counted in thousandths of a
 * response so that rates below one per millisecond refill smoothly. Worker threads (each
 * on its own table); no allocation after rrl_table_new. */
#include <config.h> /* first: _GNU_SOURCE */

#include "server/query/rrl.h"

#include <endian.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "server/base/xalloc.h"

/* One response, in bucket units. */
#define RRL_UNIT 1000u

/* 16 bytes; four make a set of one cache line. */
struct rrl_entry {
	uint32_t tag;     /* upper half of the key hash, low bit forced on; 0 = empty */
	uint32_t last;    /* now_ms of the last refill, modulo 2^32 */
	uint32_t tokens;  /* responses left, times RRL_UNIT */
	uint32_t limited; /* limited responses since the last slip */
};

struct rrl_table {
	uint64_t seed;
	struct rrl_entry e[RRL_SETS * RRL_WAYS];
};

struct rrl_table *rrl_table_new(void)
{
	struct rrl_table *t = xcalloc(1, sizeof(*t));
	/* A seed the clients cannot guess, so that they cannot aim many keys at one set
	 * and push a limited key out of the table. The time is a fallback only. */
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != (ssize_t)sizeof(t->seed)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t->seed = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)t;
	}
	return t;
}

void rrl_table_free(struct rrl_table *t)
{
	free(t);
}

/* One multiply-xorshift step, for folding words in. */
static inline uint64_t fold(uint64_t h)
{
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

/* A full multiply-xorshift mixer (the finaliser of a 64-bit murmur-style hash). */
static inline uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

uint64_t rrl_name_hash(const uint8_t *name, size_t len, uint16_t qtype)
{
	uint64_t h = (uint64_t)qtype << 48 ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, name + i, 8);
		h = fold(h ^ w);
	}
	if (i < len) {
		/* The last 1 to 7 bytes, as the tail of an overlapping word when the name
		 * is that long (it always is past the first word). */
		uint64_t w = 0;
		if (len >= 8)
			memcpy(&w, name + len - 8, 8);
		else
			for (size_t k = 0; k < len; k++)
				w = w << 8 | name[k];
		h = fold(h ^ w);
	}
	return h;
}

/* The client address as bytes: 4 for IPv4 (also when mapped into IPv6), 16 for IPv6.
 * Returns the length, 0 for another family. */
static size_t src_bytes(const struct sockaddr *src, const uint8_t **out)
{
	if (src->sa_family == AF_INET) {
		*out = (const uint8_t *)&((const struct sockaddr_in *)src)->sin_addr;
		return 4;
	}
	if (src->sa_family == AF_INET6) {
		const uint8_t *a = (const uint8_t *)&((const struct sockaddr_in6 *)src)->sin6_addr;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		if (memcmp(a, mapped, sizeof(mapped)) == 0) {
			*out = a + 12;
			return 4;
		}
		*out = a;
		return 16;
	}
	static const uint8_t none[16];
	*out = none;
	return 0;
}

/* True when the first bits bits of a and b agree. */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8u, rest = bits % 8u;
	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t m = (uint8_t)(0xffu << (8u - rest));
	return ((a[whole] ^ b[whole]) & m) == 0;
}

bool rrl_is_exempt(const struct rrl_config *c, const struct sockaddr *src)
{
	const uint8_t *a = NULL;
	size_t n = src_bytes(src, &a);
	for (size_t i = 0; i < c->n_exempt; i++) {
		const struct netprefix *p = &c->exempt[i];
		if ((p->a.family == AF_INET ? 4u : 16u) == n && prefix_equal(a, p->a.addr, p->len))
			return true;
	}
	return false;
}

/* The key hash of src's network (masked to the configured prefix), kind and name. */
static uint64_t key_hash(const struct rrl_table *t, const struct rrl_config *c,
                         const struct sockaddr *src, enum rrl_kind kind, uint64_t name_hash)
{
	const uint8_t *a = NULL;
	size_t n = src_bytes(src, &a);
	/* The address as one or two big-endian words, masked to the network. */
	uint64_t lo = 0, hi = 0;
	if (n == 4) {
		uint32_t v;
		memcpy(&v, a, 4);
		unsigned bits = c->ipv4_prefix < 32 ? c->ipv4_prefix : 32;
		hi = bits ? (uint64_t)(be32toh(v) & (0xffffffffu << (32u - bits))) : 0;
		hi |= 1ull << 63; /* IPv4 and IPv6 keys never meet */
	} else if (n == 16) {
		memcpy(&hi, a, 8);
		memcpy(&lo, a + 8, 8);
		hi = be64toh(hi);
		lo = be64toh(lo);
		unsigned bits = c->ipv6_prefix < 128 ? c->ipv6_prefix : 128;
		if (bits <= 64) {
			lo = 0;
			hi = bits ? hi & (~0ull << (64u - bits)) : 0;
		} else if (bits < 128) {
			lo &= ~0ull << (128u - bits);
		}
	}
	uint64_t h = fold(t->seed ^ hi);
	h = fold(h ^ lo);
	return mix(h ^ name_hash ^ (uint64_t)kind << 56);
}

enum rrl_action rrl_account(struct rrl_table *t, const struct rrl_config *c,
                            const struct sockaddr *src, enum rrl_kind kind, uint64_t name_hash,
                            uint64_t now_ms)
{
	if (kind != RRL_KIND_ANSWER && kind != RRL_KIND_NXDOMAIN)
		name_hash = 0; /* errors: one bucket per network */
	uint64_t h = key_hash(t, c, src, kind, name_hash);
	uint32_t tag = (uint32_t)(h >> 32) | 1u;
	struct rrl_entry *set = &t->e[(h & (RRL_SETS - 1u)) * RRL_WAYS];
	uint32_t now = (uint32_t)now_ms;
	uint64_t cap = (uint64_t)c->rate * RRL_UNIT;

	struct rrl_entry *e = NULL;
	uint32_t stalest_age = 0;
	struct rrl_entry *victim = &set[0];
	for (unsigned i = 0; i < RRL_WAYS; i++) {
		if (set[i].tag == tag) {
			e = &set[i];
			break;
		}
		uint32_t age = set[i].tag ? now - set[i].last : UINT32_MAX;
		if (age > stalest_age) {
			stalest_age = age;
			victim = &set[i];
		}
	}
	if (!e) {
		e = victim;
		e->tag = tag;
		e->last = now;
		e->tokens = (uint32_t)cap;
		e->limited = 0;
	} else {
		/* Refill for the time since the last refill; after a second the bucket is
		 * full whatever it held (and the multiplication cannot overflow). */
		uint32_t elapsed = now - e->last;
		uint64_t tokens = elapsed >= 1000u ? cap : e->tokens + (uint64_t)elapsed * c->rate;
		e->tokens = (uint32_t)(tokens < cap ? tokens : cap);
		e->last = now;
	}
	if (e->tokens >= RRL_UNIT) {
		e->tokens -= RRL_UNIT;
		return RRL_SEND;
	}
	/* Over the rate. Exemptions are checked only here, off the common path. */
	if (c->n_exempt && rrl_is_exempt(c, src))
		return RRL_SEND;
	if (c->slip == 0)
		return RRL_DROP;
	if (++e->limited >= c->slip) {
		e->limited = 0;
		return RRL_SLIP;
	}
	return RRL_DROP;
}
