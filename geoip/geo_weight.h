/* SPDX-License-Identifier: MIT
 * geo_weight.h -- the client side of a weighted pick (docs/design.md rule 7): which
 * network a client belongs to for weights (its located address cut to the map's
 * weight_prefix: /24 and /48 unless configured), a fixed hash of that network, and the
 * ECS scope that holds for every address of it. The hash has no key and no seed: the
 * same network gets the same hash in every process and after every reload, which is
 * what keeps a network on its member. Hot path: any thread, no allocation, no locks.
 *
 * Clients in the IPv6 ranges that embed an IPv4 address (geo.h) are located as that
 * IPv4 address, and so are their weighted picks: a 6to4 client hashes as the IPv4
 * network it carries, and its scope covers that network inside the embedding range. */
#ifndef GS_GEO_WEIGHT_H
#define GS_GEO_WEIGHT_H

#include <stdint.h>

#include "geoip/geo.h"
#include "server/base/compiler.h"
#include "server/base/netaddr.h"

struct geo_weight_key {
	uint64_t hash;     /* of the client's weight network */
	uint8_t min_scope; /* the prefix length of that network, as an ECS scope */
	uint8_t prefix;    /* weight_prefix applied (IPv4 bits for embedded clients) */
};

/* Computes the weight key of client (bits beyond source_prefix taken as zero, as
 * geo_map_lookup does) in map m. */
void geo_weight_key(const struct geo_map *m, const struct netaddr *client, unsigned source_prefix,
                    struct geo_weight_key *out) GS_NONNULL GS_HOT;
/* The same, and the weight network's address (host bits zero) in *net: for explain. */
void geo_weight_explain(const struct geo_map *m, const struct netaddr *client,
                        unsigned source_prefix, struct geo_weight_key *out,
                        struct netaddr *net) GS_NONNULL;

/* The bucket of hash among total buckets (total > 0): its top 32 bits scaled to
 * [0, total), so no division and an even spread for any total. */
static inline uint32_t geo_weight_bucket(uint64_t hash, uint32_t total)
{
	return (uint32_t)(((hash >> 32) * total) >> 32);
}

/* A second, independent bucket from the low 32 bits, for the pick among the members
 * that are left when the first pick is down. */
static inline uint32_t geo_weight_rebucket(uint64_t hash, uint32_t total)
{
	return (uint32_t)(((hash & 0xffffffffu) * total) >> 32);
}

/* The member of group g of table t that owns bucket b (b < g->total): the first with
 * a running sum of weights above b. */
static inline uint16_t geo_weight_member(const struct dclist_table *t, const struct dclist_group *g,
                                         uint32_t b)
{
	const uint32_t *cum = t->cum + g->off;
	uint16_t i = 0;
	while (cum[i] <= b)
		i++;
	return i;
}

#endif
