/* SPDX-License-Identifier: MIT
 * geopart.h -- partitions of an address space into ranges that carry a 32-bit value,
 * the intermediate form between a MaxMind tree walk and a compiled nettree; plus a
 * small u64 -> u32 hash map used to intern values. Load thread only (heap memory).
 *
 * A partition of a `bits`-bit space (32 or 128) is an array of range starts,
 * strictly ascending, start[0] == 0; range i runs from start[i] up to start[i+1] - 1
 * (the last one up to the top of the space) and carries val[i]. geopart_push keeps
 * neighbouring ranges distinct, so a finished partition is already merged. */
#ifndef GS_GEOPART_H
#define GS_GEOPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"

struct geopart {
	unsigned __int128 *start; /* owned */
	uint32_t *val;            /* owned */
	size_t n, cap;
};

/* A network with a value, input to geopart_from_prefixes. */
struct geopart_prefix {
	unsigned __int128 start; /* host bits zero */
	unsigned len;
	uint32_t val;
};

/* Combines the values of two overlapping ranges into the value of their intersection. */
typedef uint32_t (*geopart_combine_fn)(void *ctx, uint32_t a, uint32_t b);
/* Maps one range's value to a new value. */
typedef uint32_t (*geopart_map_fn)(void *ctx, uint32_t v);

/* Last address of a bits-bit space (2^bits - 1). */
static inline unsigned __int128 geopart_top(unsigned bits)
{
	return bits >= 128 ? ~(unsigned __int128)0 : (((unsigned __int128)1 << bits) - 1);
}

/* Host-bit mask of a prefix of length len in a bits-bit space. */
static inline unsigned __int128 geopart_hostmask(unsigned bits, unsigned len)
{
	return len >= bits ? 0 : geopart_top(bits - len);
}

void geopart_init(struct geopart *p) GS_NONNULL;
/* Frees p's arrays and empties it; accepts NULL. */
void geopart_free(struct geopart *p);
/* Declares that the addresses from start on carry val (start >= the last start).
 * Equal to the last start: replaces the last value. Merges equal neighbours. */
void geopart_push(struct geopart *p, unsigned __int128 start, uint32_t val) GS_NONNULL;
/* out = the common refinement of a and b, each range valued fn(ctx, va, vb), merged.
 * out must be initialised and empty; a and b cover the same space. */
void geopart_combine(const struct geopart *a, const struct geopart *b, geopart_combine_fn fn,
                     void *ctx, struct geopart *out) GS_NONNULLX(1, 2, 3, 5);
/* out = p with every value v replaced by fn(ctx, v), merged. */
void geopart_map(const struct geopart *p, geopart_map_fn fn, void *ctx, struct geopart *out)
        GS_NONNULLX(1, 2, 4);
/* Sorts v by start, then by length (wider first): the order geopart_from_prefixes
 * needs; equal prefixes end up next to each other. */
void geopart_sort_prefixes(struct geopart_prefix *v, size_t n);
/* out = the partition where each address carries the value of the longest prefix in
 * v (sorted, no two equal) that holds it, and `none` where no prefix does. */
void geopart_from_prefixes(const struct geopart_prefix *v, size_t n, unsigned bits, uint32_t none,
                           struct geopart *out) GS_NONNULLX(5);
/* Index of the range holding x (binary search). */
size_t geopart_find(const struct geopart *p, unsigned __int128 x) GS_NONNULL;

/* u64 -> u32 open-addressing hash map (interning on the load path). */
struct geopart_idmap {
	uint64_t *keys; /* owned */
	uint32_t *vals; /* owned */
	bool *used;     /* owned */
	size_t n, cap;  /* cap: power of two */
};

void geopart_idmap_init(struct geopart_idmap *m) GS_NONNULL;
void geopart_idmap_free(struct geopart_idmap *m);
/* Returns true and sets *val when key is present. */
bool geopart_idmap_get(const struct geopart_idmap *m, uint64_t key, uint32_t *val) GS_NONNULL;
/* Inserts or replaces key. */
void geopart_idmap_put(struct geopart_idmap *m, uint64_t key, uint32_t val) GS_NONNULL;

#endif
