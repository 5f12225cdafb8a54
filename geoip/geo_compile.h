/* SPDX-License-Identifier: MIT
 * geo_compile.h -- from MaxMind trees and a map's rules to the compiled tables of a
 * struct geo_map. Two halves: geo_compile_walk turns one database's search tree into
 * range partitions (geodb.c calls it once per database), and geo_compile_map applies
 * one map's rules to the resulting location partition and builds the nettrees. Load
 * thread only. Internal to geoip/; the public face is geo.h. */
#ifndef GS_GEO_COMPILE_H
#define GS_GEO_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include <maxminddb.h>

#include "geoip/geopart.h"
#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config.h"

struct geo_db;
struct geo_map;

/* IPv6 ranges whose clients are located by an embedded IPv4 address, in address
 * order. In a compiled IPv6 table each carries the list id GEO_COMPILE_EMBED_BASE +
 * its kind, a marker geo_map_lookup resolves through the IPv4 table.
 * - ::/96 IPv4-compatible (RFC 4291 2.5.5.1, deprecated): IPv6 MaxMind databases keep
 *   their IPv4 tree exactly there, so locating these as IPv4 is what the database
 *   itself says, and it spares a second copy of the IPv4 ranges in the IPv6 table;
 * - ::ffff:0:0/96 IPv4-mapped (RFC 4291 2.5.5.2), IPv4 in bits 96-127;
 * - 64:ff9b::/96 NAT64 well-known prefix (RFC 6052 2.1), IPv4 in bits 96-127;
 * - 2001::/32 Teredo (RFC 4380 4): the client's IPv4 is bits 96-127, inverted;
 * - 2002::/16 6to4 (RFC 3056 2): IPv4 in bits 16-47. */
enum geo_compile_embed {
	GEO_EMBED_V4COMPAT,
	GEO_EMBED_MAPPED,
	GEO_EMBED_NAT64,
	GEO_EMBED_TEREDO,
	GEO_EMBED_6TO4,
	GEO_EMBED_COUNT
};

struct geo_compile_embed_range {
	unsigned __int128 start;
	unsigned len;     /* prefix length of the range */
	unsigned v4_at;   /* first bit of the embedded IPv4 address */
	const char *name; /* "IPv4-mapped", ... */
	const char *text; /* "::ffff:0:0/96", ... */
};

extern const struct geo_compile_embed_range geo_compile_embeds[GEO_EMBED_COUNT];

/* List ids from here up mark embedded ranges (see dclist.h, DCLIST_MAX). */
#define GEO_COMPILE_EMBED_BASE 0xfff0u

/* Turns a data record into a partition value; returns GS_OK, or an error with a
 * message in why. */
typedef int (*geo_compile_leaf_fn)(void *ctx, MMDB_entry_s *entry, uint32_t *val, char *why,
                                   size_t why_len);

/* Walks the whole search tree of mmdb once, in address order, calling leaf for each
 * data record, and appends to v4 (the IPv4 tree: ::/96 of an IPv6 database) and v6
 * (the rest of an IPv6 database; a single unknown range for an IPv4 database).
 * Empty records become value 0. Records that alias the IPv4 tree (MaxMind writers link
 * ::ffff:0:0/96, 2001::/32 and 2002::/16 to it) inside an embedded range are not
 * followed: those ranges are located through IPv4 anyway, which also keeps the walk
 * from visiting the IPv4 tree four times. A tree that revisits nodes beyond a bound
 * (a loop) or holds an invalid record is refused. v4 and v6 must be initialised and
 * empty. Returns GS_OK, or GS_EPARSE with a message in why. */
int geo_compile_walk(const MMDB_s *mmdb, geo_compile_leaf_fn leaf, void *ctx, struct geopart *v4,
                     struct geopart *v6, char *why, size_t why_len)
        GS_NONNULLX(1, 2, 4, 5, 6) GS_WUR;

/* Compiles map m against db (NULL: networks and default only) into *gm (arena a).
 * Rules are checked here; problems go to d at the rule's srcpos. Returns GS_OK or
 * GS_EPARSE / GS_ERANGE. */
int geo_compile_map(const struct cfg_map *m, const struct geo_db *db, struct arena *a,
                    struct diag *d, struct geo_map *gm) GS_NONNULLX(1, 3, 4, 5) GS_WUR;

#endif
