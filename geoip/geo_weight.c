/* SPDX-License-Identifier: MIT
 * geo_weight.c -- a client's weight network, its hash and its ECS scope (see
 * geo_weight.h): clients in ranges that embed IPv4, and the explain variant (the
 * common cases are inline in the header). Any thread; no allocation, no locks. */
#include "geoip/geo_weight.h"

#include <netinet/in.h>
#include <string.h>

#include "geoip/geo_embed.h"

/* The embedded range holding the IPv6 address (hi, lo), or -1. */
static int embed_of(uint64_t hi, uint64_t lo)
{
	unsigned __int128 x = (unsigned __int128)hi << 64 | lo;
	for (int i = 0; i < GEO_EMBED_COUNT; i++) {
		const struct geo_embed_range *e = &geo_embeds[i];
		if ((x >> (128 - e->len)) == (e->start >> (128 - e->len)))
			return i;
	}
	return -1;
}

/* The IPv4 address an address of embedding range e carries. */
static uint32_t embedded_v4(int e, uint64_t hi, uint64_t lo)
{
	if (e == GEO_EMBED_6TO4)
		return (uint32_t)(hi >> 16); /* bits 16-47 */
	if (e == GEO_EMBED_TEREDO)
		return ~(uint32_t)lo; /* RFC 4380 4: obfuscated, bits 96-127 */
	return (uint32_t)lo;
}

/* The key of the IPv6 address (hi, lo), and the weight network in *net unless NULL. */
static struct geo_weight_key key6(const struct geo_map *m, uint64_t hi, uint64_t lo,
                                  struct netaddr *net)
{
	struct geo_weight_key k;
	int e = geo_weight_may_embed(hi) ? embed_of(hi, lo) : -1;
	if (net)
		memset(net, 0, sizeof(*net));
	if (e >= 0) {
		/* Located as the IPv4 address it carries: weighted as that address. */
		uint32_t x = embedded_v4(e, hi, lo) & m->weight_mask4;
		k.hash = geo_weight_mix(GEO_WEIGHT_TAG_V4 | x);
		k.prefix = m->weight_prefix4;
		k.min_scope = (uint8_t)(geo_embeds[e].v4_at + m->weight_prefix4);
		if (net) {
			net->family = AF_INET;
			x = __builtin_bswap32(x);
			memcpy(net->addr, &x, 4);
		}
		return k;
	}
	hi &= m->weight_mask6[0];
	lo &= m->weight_mask6[1];
	k.hash = geo_weight_mix(GEO_WEIGHT_TAG_V6 ^ hi ^ (lo ? geo_weight_mix(lo) : 0));
	k.prefix = m->weight_prefix6;
	k.min_scope = m->weight_prefix6;
	if (net) {
		net->family = AF_INET6;
		hi = __builtin_bswap64(hi);
		lo = __builtin_bswap64(lo);
		memcpy(net->addr, &hi, 8);
		memcpy(net->addr + 8, &lo, 8);
	}
	return k;
}

struct geo_weight_key geo_weight_key_embedded(const struct geo_map *m, uint64_t hi, uint64_t lo)
{
	return key6(m, hi, lo, NULL);
}

void geo_weight_explain(const struct geo_map *m, const struct netaddr *client,
                        unsigned source_prefix, struct geo_weight_key *out, struct netaddr *net)
{
	/* The address zero-filled beyond the source prefix, as steer_locate leaves it. */
	struct netaddr x = *client;
	unsigned bits = client->family == AF_INET ? 32 : 128;
	for (unsigned i = source_prefix < bits ? source_prefix : bits; i < bits; i++)
		x.addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	*out = geo_weight_key(m, &x);
	if (x.family == AF_INET) {
		uint32_t v;
		memcpy(&v, x.addr, 4);
		v = __builtin_bswap32(__builtin_bswap32(v) & m->weight_mask4);
		memset(net, 0, sizeof(*net));
		net->family = AF_INET;
		memcpy(net->addr, &v, 4);
		return;
	}
	(void)key6(m, geo_weight_be64(x.addr), geo_weight_be64(x.addr + 8), net);
}
