/* SPDX-License-Identifier: MIT
 * geo_weight.c -- a client's weight network, its hash and its ECS scope (see
 * geo_weight.h). Any thread; no allocation, no locks. */
#include "geoip/geo_weight.h"

#include <netinet/in.h>
#include <string.h>

#include "geoip/geo_embed.h"

/* A 64-bit finaliser (the one of MurmurHash3): every input bit moves every output bit,
 * so neighbouring networks land in unrelated buckets. Fixed constants, no seed: the
 * pick of a network must not change between processes or reloads. */
static inline uint64_t mix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

/* Family tags keep an IPv4 network and an IPv6 one with the same bits apart. */
#define TAG_V4 0x0400000000000000ULL
#define TAG_V6 0x0600000000000000ULL

static inline uint32_t mask32(unsigned len)
{
	return len ? ~(uint32_t)0 << (32 - len) : 0;
}

static inline void key_v4(uint32_t x, unsigned wp, struct geo_weight_key *out,
                          struct netaddr *net)
{
	x &= mask32(wp);
	out->hash = mix64(TAG_V4 | x);
	out->prefix = (uint8_t)wp;
	if (net) {
		memset(net, 0, sizeof(*net));
		net->family = AF_INET;
		x = __builtin_bswap32(x);
		memcpy(net->addr, &x, 4);
	}
}

static inline unsigned __int128 load_be128(const uint8_t *p)
{
	uint64_t hi, lo;
	memcpy(&hi, p, 8);
	memcpy(&lo, p + 8, 8);
	return (unsigned __int128)__builtin_bswap64(hi) << 64 | __builtin_bswap64(lo);
}

/* The embedded range holding x, or -1. Native global unicast (2000::/3 outside 2001::/32
 * and 2002::/16) is answered by the first test. */
static int embed_of(unsigned __int128 x)
{
	unsigned top16 = (unsigned)(x >> 112);
	if (top16 >= 0x0100 && top16 != 0x2001 && top16 != 0x2002)
		return -1;
	for (int i = 0; i < GEO_EMBED_COUNT; i++) {
		const struct geo_embed_range *e = &geo_embeds[i];
		if ((x >> (128 - e->len)) == (e->start >> (128 - e->len)))
			return i;
	}
	return -1;
}

static inline void weight_key(const struct geo_map *m, const struct netaddr *client,
                              unsigned source_prefix, struct geo_weight_key *out,
                              struct netaddr *net)
{
	if (client->family == AF_INET) {
		uint32_t x;
		memcpy(&x, client->addr, 4);
		x = __builtin_bswap32(x);
		if (source_prefix < 32)
			x &= mask32(source_prefix);
		key_v4(x, m->weight_prefix4, out, net);
		out->min_scope = m->weight_prefix4;
		return;
	}
	unsigned __int128 x = load_be128(client->addr);
	if (source_prefix < 128)
		x &= source_prefix ? ~(unsigned __int128)0 << (128 - source_prefix) : 0;
	int e = embed_of(x);
	if (GS_UNLIKELY(e >= 0)) {
		uint32_t v4;
		if (e == GEO_EMBED_6TO4)
			v4 = (uint32_t)(x >> 80); /* bits 16-47 */
		else if (e == GEO_EMBED_TEREDO)
			v4 = ~(uint32_t)x; /* RFC 4380 4: obfuscated, bits 96-127 */
		else
			v4 = (uint32_t)x;
		key_v4(v4, m->weight_prefix4, out, net);
		out->min_scope = (uint8_t)(geo_embeds[e].v4_at + m->weight_prefix4);
		return;
	}
	unsigned wp = m->weight_prefix6;
	if (wp < 128)
		x &= ~(unsigned __int128)0 << (128 - wp);
	uint64_t hi = (uint64_t)(x >> 64), lo = (uint64_t)x;
	out->hash = mix64(TAG_V6 ^ hi ^ mix64(lo));
	out->prefix = (uint8_t)wp;
	out->min_scope = (uint8_t)wp;
	if (net) {
		memset(net, 0, sizeof(*net));
		net->family = AF_INET6;
		for (int i = 0; i < 16; i++)
			net->addr[i] = (uint8_t)(x >> (120 - 8 * i));
	}
}

void geo_weight_key(const struct geo_map *m, const struct netaddr *client, unsigned source_prefix,
                    struct geo_weight_key *out)
{
	weight_key(m, client, source_prefix, out, NULL);
}

void geo_weight_explain(const struct geo_map *m, const struct netaddr *client,
                        unsigned source_prefix, struct geo_weight_key *out, struct netaddr *net)
{
	weight_key(m, client, source_prefix, out, net);
}
