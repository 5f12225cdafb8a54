/* SPDX-License-Identifier: MIT
 * zoneset.c -- the set of zones and the "longest origin wins" lookup: origins compared
 * one by one for a few zones, a hash of whole origin names (zones/zone_hash.h) for
 * more. Built on the load thread; zoneset_find() runs on worker threads without
 * allocation or locks. */
#include "zones/zoneset.h"

#include <string.h>

#include "zones/zone_hash.h"

#define LABELS_MAX (DNAME_MAX / 2 + 1)

/* Up to this many zones, zoneset_find compares origins one by one: cheaper than hashing
 * every suffix of the query name. */
#define ZONESET_SCAN_MAX 8u

/* Hash fold of a whole name, from the root label down. */
static uint32_t full_hash(const uint8_t *name)
{
	const uint8_t *lab[LABELS_MAX];
	unsigned n = 0;
	for (const uint8_t *p = name; *p && n < LABELS_MAX; p += *p + 1u)
		lab[n++] = p;
	uint32_t h = ZONE_HASH_SEED;
	while (n--)
		h = zone_hash_label(h, lab[n]);
	return h;
}

void zoneset_build(struct zoneset *zs, struct arena *a, const struct zone **zones, size_t n)
{
	/* Power of two, at least twice the zone count, so probes stay short. */
	size_t cap = 2;
	while (cap < 2 * n)
		cap *= 2;
	uint32_t *slots = arena_alloc(a, cap * sizeof(*slots));
	const struct zone **kept = arena_alloc(a, (n ? n : 1) * sizeof(*kept));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct zone *z = zones[i];
		size_t s = zone_hash_final(full_hash(z->origin)) & (cap - 1);
		bool is_dup = false;
		while (slots[s]) {
			const struct zone *o = kept[slots[s] - 1];
			if (o->origin_len == z->origin_len &&
			    memcmp(o->origin, z->origin, z->origin_len) == 0) {
				is_dup = true; /* the first one wins */
				break;
			}
			s = (s + 1) & (cap - 1);
		}
		if (is_dup)
			continue;
		kept[k] = z;
		slots[s] = (uint32_t)++k;
	}
	zs->zones = kept;
	zs->n = k;
	zs->slots = slots;
	zs->hash_mask = cap - 1;
}

const struct zone *zoneset_find(const struct zoneset *zs, const uint8_t *qname_lc)
{
	uint8_t off[LABELS_MAX];
	unsigned n = 0;
	size_t p = 0;
	while (qname_lc[p] && n < LABELS_MAX) {
		off[n++] = (uint8_t)p;
		p += qname_lc[p] + 1u;
	}
	return zoneset_find_split(zs, qname_lc, p + 1, off, n);
}

/* zoneset_find_split for more than ZONESET_SCAN_MAX zones; out of line, so that the
 * scan for a few zones stays a leaf without its register saves. */
static GS_NOINLINE const struct zone *find_hashed(const struct zoneset *zs, const uint8_t *qname_lc,
                                                  size_t len, const uint8_t *off, unsigned n)
{
	/* Hash every suffix once, from the root down, then probe from the longest suffix
	 * (qname itself) up: the first hit is the most specific zone. */
	uint32_t hs[LABELS_MAX + 1];
	hs[n] = ZONE_HASH_SEED;
	for (unsigned i = n; i-- > 0;)
		hs[i] = zone_hash_label(hs[i + 1], qname_lc + off[i]);
	for (unsigned i = 0; i <= n; i++) {
		size_t at = i < n ? off[i] : len - 1; /* i == n: the root */
		size_t s = zone_hash_final(hs[i]) & zs->hash_mask, slen = len - at;
		for (uint32_t v; (v = zs->slots[s]) != 0; s = (s + 1) & zs->hash_mask) {
			const struct zone *z = zs->zones[v - 1];
			if (z->origin_len == slen && memcmp(z->origin, qname_lc + at, slen) == 0)
				return z;
		}
	}
	return NULL;
}

const struct zone *zoneset_find_split(const struct zoneset *zs, const uint8_t *qname_lc, size_t len,
                                      const uint8_t *off, unsigned n)
{
	if (zs->n == 1) {
		/* One zone, the common deployment: its origin against the suffix with as many
		 * labels, without the scan's bookkeeping. */
		const struct zone *z = zs->zones[0];
		if (z->origin_labels > n)
			return NULL;
		size_t at = z->origin_labels ? off[n - z->origin_labels] : len - 1;
		return len - at == z->origin_len &&
		                       zone_bytes_equal(z->origin, qname_lc + at, z->origin_len)
		               ? z
		               : NULL;
	}
	if (!zs->n)
		return NULL;
	if (zs->n <= ZONESET_SCAN_MAX) {
		/* Few zones: compare each origin with the suffix of qname that has as many
		 * labels, and keep the longest match. */
		const struct zone *best = NULL;
		for (size_t i = 0; i < zs->n; i++) {
			const struct zone *z = zs->zones[i];
			if (z->origin_labels > n ||
			    (best && z->origin_labels <= best->origin_labels))
				continue;
			size_t at = z->origin_labels ? off[n - z->origin_labels] : len - 1;
			if (len - at == z->origin_len &&
			    zone_bytes_equal(z->origin, qname_lc + at, z->origin_len))
				best = z;
		}
		return best;
	}
	return find_hashed(zs, qname_lc, len, off, n);
}
