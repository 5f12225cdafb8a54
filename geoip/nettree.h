/* SPDX-License-Identifier: MIT
 * nettree.h -- the immutable address table a compiled geo map is looked up in:
 * address -> (value, ECS scope); the value is a list id and a rule kind (geo.h). Built once on the
 * load thread in the snapshot arena; looked up by worker threads with no allocation, no locks and
 * no libmaxminddb.
 *
 * Shape. Not a bit trie but a sorted array of range starts. The compiler hands over a
 * partition of the whole address space into maximal ranges [start[i], start[i+1]) that
 * carry one value each, neighbours always differing in the list the value names (ranges
 * of one list were merged, whatever rule gave it; geo.h).
 * A lookup is a predecessor search for the address; a 2^16-entry jump table indexed by
 * the top 16 address bits narrows the search to the few ranges that start inside that
 * /16, so a typical IPv4 lookup touches the jump table, one or two cache lines of keys
 * and the value array: a handful of cache misses instead of the 20-30 pointer hops of a
 * bit trie (gdnsd's ntree walks one node per prefix bit). Keys and values are kept in
 * separate arrays so that the binary search reads keys only.
 *
 * Scope. The ECS scope (RFC 7871 7.2.1) of address x is the length of the widest
 * aligned network around x lying inside x's range. It is not stored: with s the range
 * start and e its last address, an aligned network of length L around x leaves the range
 * exactly when it also holds s-1 or e+1, i.e. when x and s-1 (or e+1) agree on their
 * first L bits. So scope = max(clz(x ^ (s-1)) + 1, clz(x ^ (e+1)) + 1), each term only
 * when that neighbour exists. Because equal neighbours were merged, this is both the
 * widest honest scope and never wider than the region where the list is the same.
 *
 * Keys are host-order integers: uint32_t for IPv4, unsigned __int128 for IPv6 (a GCC
 * and Clang extension, available on every target geosteer builds for). */
#ifndef GS_NETTREE_H
#define GS_NETTREE_H

#include <stddef.h>
#include <stdint.h>

#include "server/base/arena.h"
#include "server/base/compiler.h"

/* Bits of the address that index the jump table. 16 gives 65,537 uint32_t (256 KiB)
 * per table, which for IPv4 leaves one to three ranges per bucket on a world map. */
#define NETTREE_JUMP_BITS 16u

struct nettree {
	unsigned bits;               /* 32 (IPv4) or 128 (IPv6) */
	uint32_t n;                  /* ranges, >= 1; range 0 starts at address 0 */
	const uint32_t *jump;        /* arena; 2^16 + 1 entries: index of the range
	                              * holding the first address of each /16; the
	                              * last entry is n - 1 */
	const uint32_t *k4;          /* arena; IPv4 range starts, ascending */
	const unsigned __int128 *k6; /* arena; IPv6 range starts, ascending */
	const uint32_t *val;         /* arena; value of each range (geo.h: list id and
	                              * rule kind), NETTREE_RUN set on ranges of a run */
	/* Runs (below), NULL when there is none. run_index[g] describes the ranges
	 * 8g to 8g + 7: its low 8 bits say which of them is the first of a run (bit j for
	 * range 8g + j), the bits above count the runs that start before range 8g.
	 * run_bound[2r] and run_bound[2r + 1] are the first and the last range of run r.
	 * Half a byte per range and 8 bytes per run, where bounds for every range took 8
	 * bytes each: runs are rare (a list given by rules of two kinds side by side). */
	const uint32_t *run_index;
	const uint32_t *run_bound;
};

/* Most runs a table may have: the count must fit above run_index's 8 bits. */
#define NETTREE_RUNS_MAX (UINT32_MAX >> 8)

/* nettree_pop8[b]: how many bits of the byte b are set (no popcount instruction is
 * assumed of the target). */
extern const uint8_t nettree_pop8[256];

/* Runs. The caller may keep neighbouring ranges apart that the scope must not tell
 * apart (geo.h: parts of one list given by rules of different kinds): nettree_build's
 * same_mask says which value bits the scope is about, and neighbours equal in those
 * bits form a run, whose scope is computed from the run's bounds, not the range's. */
#define NETTREE_RUN 0x80000000u

struct nettree_hit {
	uint32_t val;  /* the range's value (NETTREE_RUN cleared) */
	uint8_t scope; /* prefix length of the widest aligned network with this value */
};

/* Builds t in arena a from n ranges: starts[0] must be 0, starts strictly ascending,
 * vals[i] != vals[i+1], no value with NETTREE_RUN. Neighbours with the same
 * (val & same_mask) form runs (see above; UINT32_MAX: none), at most NETTREE_RUNS_MAX. bits is 32
 * (starts below 2^32) or 128. Borrowed inputs; t's arrays are arena-owned. Load thread. Returns
 * GS_OK or GS_EINVAL (bad input). */
int nettree_build(struct nettree *t, unsigned bits, const unsigned __int128 *starts,
                  const uint32_t *vals, size_t n, uint32_t same_mask,
                  struct arena *a) GS_NONNULL GS_WUR;

/* The bounds that the scope of range lo is computed from: its own, or its run's.
 * Returns the value with NETTREE_RUN cleared. */
static inline uint32_t nettree_bounds(const struct nettree *t, uint32_t lo, uint32_t *first,
                                      uint32_t *last)
{
	uint32_t v = t->val[lo];
	*first = *last = lo;
	if (GS_UNLIKELY(v & NETTREE_RUN)) {
		/* lo's run is the last one starting at or before lo: count the starts. */
		uint32_t x = t->run_index[lo >> 3];
		uint32_t r = (x >> 8) + nettree_pop8[x & ((2u << (lo & 7u)) - 1u) & 0xffu] - 1u;
		*first = t->run_bound[2 * (size_t)r];
		*last = t->run_bound[2 * (size_t)r + 1];
		v &= ~NETTREE_RUN;
	}
	return v;
}

static inline unsigned nettree_clz32(uint32_t v)
{
	return v ? (unsigned)__builtin_clz(v) : 32u;
}

static inline unsigned nettree_clz128(unsigned __int128 v)
{
	uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
	if (hi)
		return (unsigned)__builtin_clzll(hi);
	return lo ? 64u + (unsigned)__builtin_clzll(lo) : 128u;
}

/* Looks up IPv4 address x (host order). Any thread; no allocation, no locks. */
static inline GS_HOT void nettree_lookup4(const struct nettree *t, uint32_t x,
                                          struct nettree_hit *hit)
{
	uint32_t b = x >> (32 - NETTREE_JUMP_BITS);
	uint32_t lo = t->jump[b], hi = t->jump[b + 1];
	/* The range holding x lies between the ranges holding the first address of
	 * x's /16 and of the next /16: k4[lo] <= x, and the answer is in [lo, hi]. */
	while (lo < hi) {
		uint32_t mid = (lo + hi + 1) >> 1;
		if (t->k4[mid] <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	uint32_t first, last;
	hit->val = nettree_bounds(t, lo, &first, &last);
	unsigned scope = 0, s;
	uint32_t start = t->k4[first];
	if (start > 0 && (s = nettree_clz32(x ^ (start - 1)) + 1) > scope)
		scope = s;
	if (last + 1 < t->n && (s = nettree_clz32(x ^ t->k4[last + 1]) + 1) > scope)
		scope = s;
	hit->scope = (uint8_t)scope;
}

/* Looks up IPv6 address x (host order). Any thread; no allocation, no locks. */
static inline GS_HOT void nettree_lookup6(const struct nettree *t, unsigned __int128 x,
                                          struct nettree_hit *hit)
{
	uint32_t b = (uint32_t)(x >> (128 - NETTREE_JUMP_BITS));
	uint32_t lo = t->jump[b], hi = t->jump[b + 1];
	while (lo < hi) {
		uint32_t mid = (lo + hi + 1) >> 1;
		if (t->k6[mid] <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	uint32_t first, last;
	hit->val = nettree_bounds(t, lo, &first, &last);
	unsigned scope = 0, s;
	unsigned __int128 start = t->k6[first];
	if (start > 0 && (s = nettree_clz128(x ^ (start - 1)) + 1) > scope)
		scope = s;
	if (last + 1 < t->n && (s = nettree_clz128(x ^ t->k6[last + 1]) + 1) > scope)
		scope = s;
	hit->scope = (uint8_t)scope;
}

#endif
