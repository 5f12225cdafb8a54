/* SPDX-License-Identifier: MIT
 * geo_embed.c -- the IPv6 ranges whose clients are located by an embedded IPv4 address
 * (see geo_embed.h). */
#include "geoip/geo_embed.h"

#include "geoip/geopart.h"

#define U128(hi, lo) (((unsigned __int128)(hi) << 64) | (unsigned __int128)(lo))

const struct geo_embed_range geo_embeds[GEO_EMBED_COUNT] = {
        [GEO_EMBED_V4COMPAT] = {U128(0, 0), 96, 96, "IPv4-compatible", "::/96"},
        [GEO_EMBED_MAPPED] = {U128(0, 0xffff00000000ULL), 96, 96, "IPv4-mapped", "::ffff:0:0/96"},
        [GEO_EMBED_NAT64] = {U128(0x0064ff9b00000000ULL, 0), 96, 96, "NAT64", "64:ff9b::/96"},
        [GEO_EMBED_TEREDO] = {U128(0x2001000000000000ULL, 0), 32, 96, "Teredo", "2001::/32"},
        [GEO_EMBED_6TO4] = {U128(0x2002000000000000ULL, 0), 16, 16, "6to4", "2002::/16"},
};

int geo_embed_of(unsigned __int128 start, unsigned len)
{
	for (int i = 0; i < GEO_EMBED_COUNT; i++) {
		const struct geo_embed_range *e = &geo_embeds[i];
		if (len >= e->len && (start & ~geopart_hostmask(128, e->len)) == e->start)
			return i;
	}
	return -1;
}
