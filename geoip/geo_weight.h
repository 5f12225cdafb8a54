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

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "geoip/geo.h"
#include "server/base/compiler.h"
#include "server/base/netaddr.h"

struct geo_weight_key {
	uint64_t hash;     /* of the client's weight network */
	uint8_t min_scope; /* the prefix length of that network, as an ECS scope */
	uint8_t prefix;    /* weight_prefix applied (IPv4 bits for embedded clients) */
};

/* A 64-bit finaliser (the one of MurmurHash3): every input bit moves every output bit,
 * so neighbouring networks land in unrelated buckets. Fixed constants, no seed: the
 * pick of a network must not change between processes or reloads. */
static inline uint64_t geo_weight_mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

/* Family tags keep an IPv4 network and an IPv6 one with the same bits apart. */
#define GEO_WEIGHT_TAG_V4 0x0400000000000000ULL
#define GEO_WEIGHT_TAG_V6 0x0600000000000000ULL

/* geo_weight_key for an IPv6 client whose address (hi, lo) may lie in a range that
 * embeds an IPv4 address (geo_weight_may_embed). */
struct geo_weight_key geo_weight_key_embedded(const struct geo_map *m, uint64_t hi,
                                              uint64_t lo) GS_NONNULL;

/* False for every IPv6 address outside the ranges that embed IPv4 (geo_embed.h):
 * ::/96, ::ffff:0:0/96 and 64:ff9b::/96 start below 0100::, then 2001::/32 (Teredo)
 * and 2002::/16 (6to4). hi: the address's first 64 bits, host order. */
static inline bool geo_weight_may_embed(uint64_t hi)
{
	uint32_t top = (uint32_t)(hi >> 32);
	return top < 0x01000000u || top == 0x20010000u || top >> 16 == 0x2002u;
}

static inline uint64_t geo_weight_be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

/* Returns the weight key of client in map m. The bits of client beyond source_prefix
 * must be zero, as steer_locate leaves them (an ECS option with others set is FORMERR),
 * so only weight_prefix cuts. Inline: it is most of what a weighted answer adds. */
static inline GS_HOT struct geo_weight_key geo_weight_key(const struct geo_map *m,
                                                          const struct netaddr *client)
{
	if (GS_UNLIKELY(client->family != AF_INET)) {
		uint64_t hi = geo_weight_be64(client->addr), lo = geo_weight_be64(client->addr + 8);
		if (GS_UNLIKELY(geo_weight_may_embed(hi)))
			return geo_weight_key_embedded(m, hi, lo);
		hi &= m->weight_mask6[0];
		lo &= m->weight_mask6[1];
		/* mix(0) is 0: a prefix of 64 bits or less needs one round only. */
		return (struct geo_weight_key){
		        .hash = geo_weight_mix(GEO_WEIGHT_TAG_V6 ^ hi ^
		                               (lo ? geo_weight_mix(lo) : 0)),
		        .min_scope = m->weight_prefix6,
		        .prefix = m->weight_prefix6};
	}
	uint32_t x;
	memcpy(&x, client->addr, 4);
	x = __builtin_bswap32(x) & m->weight_mask4;
	return (struct geo_weight_key){.hash = geo_weight_mix(GEO_WEIGHT_TAG_V4 | x),
	                               .min_scope = m->weight_prefix4,
	                               .prefix = m->weight_prefix4};
}

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
