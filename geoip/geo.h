/* SPDX-License-Identifier: MIT
 * geo.h -- geo maps, compiled: the public face of geoip/. A struct geo_map is built
 * once on the load (reload) thread from a config map and the GeoIP databases, lives
 * in the snapshot arena, is immutable, and answers "which ordered datacenter list,
 * and for which ECS scope" for a client address on worker threads without allocating,
 * locking or calling libmaxminddb (docs/design.md, rules 1 and 3).
 *
 * Rule precedence (design rule 1), most specific first: networks (longest prefix), asns,
 * subdivisions, countries, continents, default. An address the databases do not know
 * (or every address, for a map compiled without a database) gets the networks rules
 * and then default; an address only the ASN database knows can still match asns.
 *
 * Embedded IPv4. IPv6 clients in ::ffff:0:0/96 (mapped), 64:ff9b::/96 (NAT64), ::/96
 * (IPv4-compatible; where MaxMind IPv6 databases keep IPv4), 2002::/16 (6to4, IPv4 in
 * bits 16-47) and 2001::/32 (Teredo, client IPv4 = bits 96-127 inverted) are located
 * as their IPv4 address: every rule, IPv4 networks rules included, applies to that
 * IPv4 address, and IPv6 networks rules do not reach into these ranges (a rule lying
 * wholly inside one is warned about at compile time; a wider one, ::/0 say, covers
 * the rest of IPv6 only). The scope is translated back to an IPv6 prefix length:
 * 96 + v4scope for mapped, NAT64 and IPv4-compatible, 16 + v4scope for 6to4, and for
 * Teredo 96 + v4scope, or 32 when v4scope is 0 (the answer then does not depend on the
 * client bits at all, so the whole of 2001::/32 shares it).
 *
 * ECS source prefix (RFC 7871 6, 7.2.1). Bits beyond source_prefix are ignored
 * (taken as zero, which is what a valid ECS option carries), and the located address
 * is that zero-filled one. The scope reported is the true one for that address: the
 * length of the widest aligned network around it where the ordered list is the same
 * (never wider: a resolver may cache the answer for the whole scope network). It may
 * be longer than source_prefix when the source network straddles two answers; RFC 7871
 * 7.2.1 allows that and it tells the resolver that more bits would help. For embedded
 * clients with a source prefix shorter than the embedding (under 96 bits for mapped /
 * NAT64, under 48 for 6to4, under 128 for Teredo) the missing IPv4 bits are zero too --
 * for Teredo that means ones after the inversion -- and the same rule holds: the answer
 * is the zero-filled address's, with an honest scope, usually longer than the source
 * prefix. A scope is never shorter than the embedding range's own prefix length, so an
 * answer for an embedded client never claims to cover native IPv6 space.
 * Source prefix 0 (the client asked that its address not be used, RFC 7871 7.1.2):
 * this function does not special-case it; the caller locates the query's source
 * address instead (passing its full length) and writes scope 0 into the response, as
 * docs/design.md rule 3 says. */
#ifndef GS_GEO_H
#define GS_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "geoip/dclist.h"
#include "geoip/nearest.h"
#include "geoip/nettree.h"
#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/base/netaddr.h"
#include "server/config/config.h"

struct geo_db;

/* A compiled rule, kept for geo_map_explain only. */
struct geo_rule {
	const char *key;      /* arena; normalised ("GB", "US-CA", "64500", "203.0.113.0/24") */
	struct netprefix net; /* networks rules */
	uint32_t asn;         /* asns rules */
	uint16_t list;        /* list id */
};

enum geo_rule_kind {
	GEO_RULE_NETWORKS,
	GEO_RULE_ASNS,
	GEO_RULE_SUBDIVISIONS,
	GEO_RULE_COUNTRIES,
	GEO_RULE_CONTINENTS,
	GEO_RULE_KINDS
};

/* What decided a client's list (geo_hit.rule): the kind of the most specific rule that
 * matched (enum geo_rule_kind); GEO_HIT_NEAREST when none did but the client is located
 * and the map has coordinates (its nearest-first list); GEO_HIT_DEFAULT otherwise.
 * Counted per answer (geosteer_steered_answers_by_rule_total); geo_hit_rule_name names
 * them as the map's keys do ("nearest" for the coordinates' lists). */
#define GEO_HIT_NEAREST GEO_RULE_KINDS
#define GEO_HIT_DEFAULT (GEO_RULE_KINDS + 1)
#define GEO_HIT_RULES   (GEO_RULE_KINDS + 2)

/* Table values (nettree.h) of a compiled map: the list id in the low 16 bits, the rule
 * kind above. Neighbouring networks given the same list by rules of different kinds (a
 * country rule and the default, say) are separate ranges of the table, so that each
 * knows its kind, joined in a run (nettree.h) so that the ECS scope is still as wide as
 * the list reaches (GEO_VAL_LIST is the run's key). */
#define GEO_VAL_LIST(v)  ((uint16_t)((v)&0xffffu))
#define GEO_VAL_RULE(v)  ((uint8_t)((v) >> 16))
#define GEO_VAL(list, k) ((uint32_t)(list) | (uint32_t)(k) << 16)

/* The compiled map. Everything is in the arena given to geo_map_compile. */
struct geo_map {
	const char *name;
	struct dclist_table lists; /* datacenter names and interned lists; id 0 = default */
	struct nettree v4, v6;     /* address -> GEO_VAL(list id, rule kind); v6 marks
	                            * embedded ranges */
	const struct geo_rule *rules[GEO_RULE_KINDS];
	size_t n_rules[GEO_RULE_KINDS];
	bool has_db; /* compiled against a database */
	/* `coordinates`, for explain (the lists themselves are interned like any rule's);
	 * n_sites 0 without them. Located clients no rule matches got nearest-first lists. */
	const struct geo_site *sites;
	size_t n_sites;
	/* weight_prefix: a weighted pick is fixed per network of this length (geo_weight.h) */
	uint8_t weight_prefix4, weight_prefix6;
	uint32_t weight_mask4;    /* weight_prefix4 as a mask of host-order IPv4 bits */
	uint64_t weight_mask6[2]; /* weight_prefix6 as masks of the two host-order halves */
};

struct geo_hit {
	uint16_t list; /* list id: lists of geo_map_list */
	uint8_t scope; /* ECS SCOPE PREFIX-LENGTH for this answer (see above) */
	uint8_t rule;  /* what decided the list: enum geo_rule_kind, GEO_HIT_NEAREST or
	                * GEO_HIT_DEFAULT */
};

/* "networks", "asns", "subdivisions", "countries", "continents", "nearest", "default";
 * NULL for a number that is none of them. */
const char *geo_hit_rule_name(unsigned rule);

/* Compiles config map m against db (NULL: only networks rules and default apply; any
 * other rule is then an error) into arena a. Checks, each reported in d at the rule's
 * FILE:LINE: a default list is required; lists must not be empty; continent codes are
 * AF AN AS EU NA OC SA; countries are two letters; subdivisions are "CC-X".."CC-XXX";
 * duplicate keys; asns rules need an asn_database; a kind of rule whose field no
 * record in the database carries (subdivisions against a Country database, say) is an
 * ERROR -- every such rule would silently never match, which is a configuration
 * mistake, not a data accident -- while a single rule whose key the database never
 * mentions ("countries: ZZ") is only a warning, since databases change under a
 * config. Returns GS_OK and sets *out (arena-owned, immutable), or GS_EPARSE /
 * GS_ERANGE. Load thread only; db is only read, and *out never points into it. */
int geo_map_compile(const struct cfg_map *m, const struct geo_db *db, struct arena *a,
                    struct diag *d, const struct geo_map **out) GS_NONNULLX(1, 3, 4, 5) GS_WUR;

/* Locates client (ECS address or query source; bits beyond source_prefix ignored,
 * source_prefix clamped to the family's length) and sets hit. Hot path: any thread,
 * no allocation, no locks, no libmaxminddb. */
void geo_map_lookup(const struct geo_map *m, const struct netaddr *client, unsigned source_prefix,
                    struct geo_hit *hit) GS_NONNULL GS_HOT;

/* Returns list id's datacenter indices (into geo_map_dc_name) and sets *n. */
static inline const uint16_t *geo_map_list(const struct geo_map *m, uint16_t id, size_t *n)
{
	return dclist_get(&m->lists, id, n);
}

/* Returns the name of datacenter index i of m. */
static inline const char *geo_map_dc_name(const struct geo_map *m, uint16_t i)
{
	return m->lists.names[i];
}

/* What geo_map_explain found. */
struct geo_explain {
	struct geo_hit hit;     /* from the compiled table, as geo_map_lookup gives it */
	struct netaddr located; /* the address located (the IPv4 one for embedded clients) */
	const char *embed;      /* "6to4", "Teredo", ... or NULL */
	char rule[256];         /* "networks: 203.0.113.0/24", "countries: GB", "default",
	                         * "nearest: us-east 120 km, eu-central 6,214 km" */
	uint8_t rule_kind;      /* its kind: enum geo_rule_kind, GEO_HIT_NEAREST or
	                         * GEO_HIT_DEFAULT */
	char where[80];         /* the database's answer: "EU/DE/BY AS64500", "not in database",
	                         * "no database"; with coordinates in the map, the client's
	                         * location too: "NA/US/NY 40.71,-74.01" */
	bool consistent;        /* the rule's list and kind are the table's (false only when
	                         * db is not the database m was compiled from) */
	bool has_coords;        /* lat/lon: the client's coordinates (the map has coordinates
	                         * and the database a location for the client) */
	double lat, lon;
};

/* Slow path for geosteerctl explain: locates client as geo_map_lookup does, and says
 * which rule decided. The list and scope come from the compiled table; the rule is
 * found again from the rules and, when db is not NULL, db's location table
 * (geodb_locate). Not the hot path. Returns GS_OK, or GS_EINVAL for an address family
 * other than IPv4 and IPv6. */
int geo_map_explain(const struct geo_map *m, const struct geo_db *db, const struct netaddr *client,
                    unsigned source_prefix, struct geo_explain *out) GS_NONNULLX(1, 3, 5) GS_WUR;

#endif
