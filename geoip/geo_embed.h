/* SPDX-License-Identifier: MIT
 * geo_embed.h -- the IPv6 ranges whose clients are located by the IPv4 address they
 * embed: the table the map compiler marks them with and the lookup resolves them by.
 * Read-only data; any thread. */
#ifndef GS_GEO_EMBED_H
#define GS_GEO_EMBED_H

/* IPv6 ranges whose clients are located by an embedded IPv4 address, in address
 * order. In a compiled IPv6 table each carries the list id GEO_EMBED_BASE +
 * its kind, a marker geo_map_lookup resolves through the IPv4 table.
 * - ::/96 IPv4-compatible (RFC 4291 2.5.5.1, deprecated): IPv6 MaxMind databases keep
 *   their IPv4 tree exactly there, so locating these as IPv4 is what the database
 *   itself says, and it spares a second copy of the IPv4 ranges in the IPv6 table;
 * - ::ffff:0:0/96 IPv4-mapped (RFC 4291 2.5.5.2), IPv4 in bits 96-127;
 * - 64:ff9b::/96 NAT64 well-known prefix (RFC 6052 2.1), IPv4 in bits 96-127;
 * - 2001::/32 Teredo (RFC 4380 4): the client's IPv4 is bits 96-127, inverted;
 * - 2002::/16 6to4 (RFC 3056 2): IPv4 in bits 16-47. */
enum geo_embed {
	GEO_EMBED_V4COMPAT,
	GEO_EMBED_MAPPED,
	GEO_EMBED_NAT64,
	GEO_EMBED_TEREDO,
	GEO_EMBED_6TO4,
	GEO_EMBED_COUNT
};

struct geo_embed_range {
	unsigned __int128 start;
	unsigned len;     /* prefix length of the range */
	unsigned v4_at;   /* first bit of the embedded IPv4 address */
	const char *name; /* "IPv4-mapped", ... */
	const char *text; /* "::ffff:0:0/96", ... */
};

extern const struct geo_embed_range geo_embeds[GEO_EMBED_COUNT];

/* List ids from here up mark embedded ranges (see dclist.h, DCLIST_MAX). */
#define GEO_EMBED_BASE 0xfff0u

/* Index of the embedded range that holds the IPv6 network start/len, or -1. */
int geo_embed_of(unsigned __int128 start, unsigned len);

#endif
