/* SPDX-License-Identifier: MIT
 * zoneset.h -- every zone the server is authoritative for, and the "most specific zone
 * wins" lookup. Built on the load thread inside a snapshot arena; read-only afterwards. */
#ifndef GS_ZONESET_H
#define GS_ZONESET_H

#include <stddef.h>
#include <stdint.h>

#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "zones/zone.h"

struct zoneset {
	const struct zone **zones; /* arena; n entries, order unspecified */
	size_t n;
	/* private index for zoneset_find */
	const uint32_t *slots;
	size_t hash_mask;
};

/* Builds the set from n zones (borrowed: they must live in the same arena). Duplicate
 * origins are the caller's error to report; here the first one wins. Never fails. */
void zoneset_build(struct zoneset *zs, struct arena *a, const struct zone **zones, size_t n)
        GS_NONNULLX(1, 2);

/* Returns the zone with the longest origin that qname_lc (lowercase wire) is at or below,
 * or NULL when no zone covers it. No allocation, no locks; any thread. */
const struct zone *zoneset_find(const struct zoneset *zs,
                                const uint8_t *qname_lc) GS_NONNULL GS_HOT;

/* zoneset_find for a name already split: len is its wire length, off[0..n) where each
 * of its n labels (root excluded) starts, as query_parse records them. */
const struct zone *zoneset_find_split(const struct zoneset *zs, const uint8_t *qname_lc, size_t len,
                                      const uint8_t *off, unsigned n) GS_NONNULL GS_HOT;

#endif
